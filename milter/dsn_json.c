/*
 * dsn_json - a parsed DSN as JSON
 *
 * Exports dsn_json_report(), which dsnctl parse prints.  Field names
 * follow the RFC 3464 field names in lower case with underscores.
 */
#include <json-glib/json-glib.h>

#include "dsn_json.h"

static void dsn_json_member(JsonBuilder *b, const char *name,
                            const char *value)
{
    json_builder_set_member_name(b, name);
    if (value)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

static void dsn_json_message(JsonBuilder *b, const struct dsn_report *r)
{
    json_builder_set_member_name(b, "message");
    json_builder_begin_object(b);
    dsn_json_member(b, "reporting_mta", r->reporting_mta);
    dsn_json_member(b, "original_envelope_id", r->original_envelope_id);
    dsn_json_member(b, "arrival_date", r->arrival_date);
    dsn_json_member(b, "received_from_mta", r->received_from_mta);
    dsn_json_member(b, "dsn_gateway", r->dsn_gateway);
    dsn_json_member(b, "postfix_queue_id", r->postfix_queue_id);
    dsn_json_member(b, "postfix_sender", r->postfix_sender);
    json_builder_end_object(b);
}

static void dsn_json_recipient(JsonBuilder *b,
                               const struct dsn_recipient *rcpt)
{
    char code[16];

    json_builder_begin_object(b);
    dsn_json_member(b, "final_recipient", rcpt->final_recipient);
    dsn_json_member(b, "address", rcpt->address);
    dsn_json_member(b, "original_recipient", rcpt->original_recipient);
    dsn_json_member(b, "action", rcpt->action);
    dsn_json_member(b, "status",
                    rcpt->status_valid
                        ? dsn_status_format(&rcpt->status, code, sizeof(code))
                        : NULL);
    dsn_json_member(b, "status_field", rcpt->status_text);
    dsn_json_member(b, "diagnostic_code", rcpt->diagnostic_code);
    dsn_json_member(b, "remote_mta", rcpt->remote_mta);
    dsn_json_member(b, "last_attempt_date", rcpt->last_attempt_date);
    dsn_json_member(b, "will_retry_until", rcpt->will_retry_until);
    dsn_json_member(b, "final_log_id", rcpt->final_log_id);
    json_builder_end_object(b);
}

static void dsn_json_original(JsonBuilder *b, const struct dsn_report *r)
{
    json_builder_set_member_name(b, "original");
    if (!r->has_original) {
        json_builder_add_null_value(b);
        return;
    }
    json_builder_begin_object(b);
    dsn_json_member(b, "subject", r->original_subject);
    dsn_json_member(b, "from", r->original_from);
    dsn_json_member(b, "to", r->original_to);
    dsn_json_member(b, "date", r->original_date);
    dsn_json_member(b, "message_id", r->original_message_id);
    dsn_json_member(b, "content_language", r->original_content_language);
    dsn_json_member(b, "accept_language", r->original_accept_language);
    json_builder_end_object(b);
}

char *dsn_json_report(const struct dsn_report *report, const char *error)
{
    JsonBuilder *b = json_builder_new();
    JsonGenerator *gen;
    JsonNode *root;
    char *text;
    bool dsn = report->kind == DSN_PARSE_DSN && error == NULL;

    json_builder_begin_object(b);
    dsn_json_member(b, "kind", dsn ? "dsn" : "none");
    dsn_json_member(b, "error", error);
    json_builder_set_member_name(b, "global");
    json_builder_add_boolean_value(b, report->global);
    dsn_json_message(b, report);
    json_builder_set_member_name(b, "recipients");
    json_builder_begin_array(b);
    for (size_t i = 0; i < report->recipient_count; i++)
        dsn_json_recipient(b, &report->recipients[i]);
    json_builder_end_array(b);
    dsn_json_original(b, report);
    json_builder_end_object(b);

    root = json_builder_get_root(b);
    gen = json_generator_new();
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    json_node_unref(root);
    g_object_unref(gen);
    g_object_unref(b);
    return (text);
}
