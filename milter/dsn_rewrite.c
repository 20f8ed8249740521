/*
 * dsn_rewrite - the whole job: parse, select, render, compose
 *
 * Exports dsn_rewrite(), dsn_rewrite_free(), dsn_rewrite_null_sender(),
 * dsn_rewrite_sender_is_local() and dsn_rewrite_codes().  Every reason
 * to leave a message alone ends in DSN_REWRITE_PASS with a static reason
 * that callers log; nothing here rejects a message.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "dsn_compose.h"
#include "dsn_redact.h"
#include "dsn_select.h"
#include "dsn_render.h"
#include "dsn_rewrite.h"

bool dsn_rewrite_null_sender(const char *sender)
{
    if (sender == NULL)
        return (false);
    while (*sender == ' ')
        sender++;
    if (*sender == 0)
        return (true);
    if (*sender++ != '<')
        return (false);
    while (*sender == ' ')
        sender++;
    return (strcmp(sender, ">") == 0);
}

bool dsn_rewrite_sender_is_local(const char *sender)
{
    return (sender != NULL && *sender == 0);
}

void dsn_rewrite_codes(const struct dsn_report *report, GString *out)
{
    GString *seen = g_string_new(" ");

    for (size_t i = 0; i < report->recipient_count; i++) {
        char code[16];
        char key[20];

        dsn_status_format(&report->recipients[i].status, code, sizeof(code));
        g_snprintf(key, sizeof(key), " %s ", code);
        if (strstr(seen->str, key))
            continue;
        g_string_append_printf(seen, "%s ", code);
        g_string_append_printf(out, "%s%s", out->len ? " " : "", code);
    }
    g_string_free(seen, TRUE);
}

/* Return the policy reason to leave this message alone, or NULL. */
static const char *dsn_rewrite_policy(const struct dsn_rewrite_request *req)
{
    const struct dsn_config *config = req->config;

    if (!dsn_rewrite_null_sender(req->envelope_sender))
        return ("envelope sender is not null");
    if (!req->local && !config->rewrite_foreign)
        return ("DSN from another MTA and rewrite_foreign is false");
    if (config->max_message_size > 0 &&
        req->body_len > config->max_message_size)
        return ("message larger than max_message_size");
    return (NULL);
}

/* Strip the angle brackets of an envelope address into a new string. */
static char *dsn_rewrite_bare_address(const char *address)
{
    size_t len;

    if (address == NULL)
        return (NULL);
    while (*address == ' ' || *address == '<')
        address++;
    len = strcspn(address, ">");
    return (g_strndup(address, len));
}

/* Return postmaster with "@host" added when it is a bare local part. */
static char *dsn_rewrite_full_address(const char *address, const char *host)
{
    if (strchr(address, '@'))
        return (g_strdup(address));
    return (g_strconcat(address, "@", host ? host : g_get_host_name(), NULL));
}

/*
 * Cut the returned message to its header block when it is larger than
 * the audience allows.  Return true when it was cut.
 */
static bool dsn_rewrite_truncate(const struct dsn_rewrite_request *req,
                                 const struct dsn_config_audience *a,
                                 struct dsn_rewrite_result *result)
{
    struct dsn_report *report = &result->report;
    const char *nl = report->newline;
    size_t size;
    bool global = report->original_type == DSN_ORIGINAL_GLOBAL;
    bool eight_bit = false;

    if (a->max_returned_size < 0 ||
        (report->original_type != DSN_ORIGINAL_MESSAGE && !global) ||
        report->original_header_end == 0 ||
        !dsn_parse_original_end(req->body, req->body_len, report) ||
        report->original_header_end > report->original_content.end)
        return (false);
    size = report->original_content.end - report->original_content.start;
    if (size <= (unsigned long long) a->max_returned_size)
        return (false);
    for (size_t i = report->original_content.start;
         i < report->original_header_end && !eight_bit; i++)
        eight_bit = (unsigned char) req->body[i] >= 0x80;
    result->original_text = g_string_new(NULL);
    g_string_append_printf(
        result->original_text,
        "Content-Description:"
        " Undelivered Message Headers%s"
        "Content-Type: %s%s"
        "Content-Transfer-Encoding: %s%s%s",
        nl, global ? "message/global-headers" : "text/rfc822-headers", nl,
        eight_bit ? "8bit" : "7bit", nl, nl);
    g_string_append_len(
        result->original_text, req->body + report->original_content.start,
        report->original_header_end - report->original_content.start);
    return (true);
}

/* Return the new From value for the audience, or NULL. */
static char *dsn_rewrite_from(const struct dsn_config_audience *a,
                              const char *host)
{
    InternetAddress *ia;
    char *address;
    char *value;

    if (a->from == NULL)
        return (NULL);
    address = dsn_rewrite_full_address(a->from, host);
    ia = internet_address_mailbox_new(a->from_name, address);
    value = internet_address_to_string(ia, NULL, TRUE);
    g_object_unref(ia);
    g_free(address);
    return (value);
}

/* Decide the postmaster copy for a DSN this MTA generated. */
static void dsn_rewrite_copy(const struct dsn_rewrite_request *req,
                             struct dsn_rewrite_result *result,
                             const char *host)
{
    const struct dsn_config *config = req->config;
    const struct dsn_report *report = &result->report;
    char *bare;

    if (!req->local)
        return;
    for (size_t i = 0; i < report->recipient_count; i++) {
        for (size_t j = 0; j < config->copy_code_count; j++) {
            if (dsn_status_match(&config->copy_codes[j],
                                 &report->recipients[i].status) < 0)
                continue;
            dsn_status_format(&report->recipients[i].status, result->copy_code,
                              sizeof(result->copy_code));
            result->copy_to = dsn_rewrite_full_address(
                config->copy_to ? config->copy_to : config->postmaster, host);
            /* The DSN already goes to that address: no second copy. */
            bare = dsn_rewrite_bare_address(req->recipient);
            if (bare && g_ascii_strcasecmp(bare, result->copy_to) == 0)
                g_clear_pointer(&result->copy_to, g_free);
            g_free(bare);
            return;
        }
    }
}

/* Redact the report and the delivery-status part for the audience. */
static void dsn_rewrite_redact(const struct dsn_rewrite_request *req,
                               const struct dsn_config_audience *a,
                               struct dsn_rewrite_result *result)
{
    struct dsn_report *report = &result->report;

    if (!dsn_redact_enabled(a))
        return;
    dsn_redact_report(req->config, a, report);
    if (!report->status_encoded)
        result->status_text = dsn_redact_status(
            req->config, a, req->body + report->status_content.start,
            report->status_content.end - report->status_content.start,
            report->newline);
}

static const char *dsn_rewrite_source_name(enum dsn_select_source source)
{
    switch (source) {
    case DSN_SELECT_DETECTED:
        return ("detected");
    case DSN_SELECT_DEFAULT:
        return ("default");
    default:
        return ("fallback");
    }
}

/* Choose audience and language, then render and compose. */
static void dsn_rewrite_build(const struct dsn_rewrite_request *req,
                              struct dsn_rewrite_result *result,
                              const char *sender)
{
    const struct dsn_config *config = req->config;
    struct dsn_render_context context = {
        .hostname = req->hostname,
        .sender = sender,
    };
    struct dsn_render_result rendered = {0};
    struct dsn_report *report = &result->report;
    const struct dsn_config_audience *a;
    enum dsn_select_source source = DSN_SELECT_DEFAULT;
    /* Copied: redaction may free the Reporting-MTA it points into. */
    char *host = g_strdup(dsn_render_host(config, report, req->hostname));

    result->audience = req->audience != DSN_AUDIENCE_ANY
                           ? req->audience
                           : dsn_select_audience(config, sender);
    a = &config->audiences[result->audience];
    context.audience = result->audience;
    context.language =
        req->language ? dsn_select_match(config, req->language) : NULL;
    if (context.language) {
        result->language_source = "requested";
    } else {
        context.language =
            dsn_select_language(config, result->audience, report, &source);
        result->language_source = dsn_rewrite_source_name(source);
    }
    context.html = a->html || req->html;
    context.authority = a->reporting_authority;
    dsn_rewrite_redact(req, a, result);
    /* With max_returned_size 0 the header alone is the policy, not a
     * consequence of the size, so the text does not call it too large. */
    context.original_truncated =
        dsn_rewrite_truncate(req, a, result) && a->max_returned_size > 0;

    dsn_render(config, report, &context, &rendered);
    result->outcome = rendered.outcome;
    result->part = g_string_sized_new(rendered.text->len + 256);
    if (a->html)
        dsn_compose_alternative(rendered.text->str, rendered.html->str,
                                rendered.language, report->newline,
                                report->boundary, result->part);
    else
        dsn_compose_part(rendered.text->str, rendered.language,
                         report->newline, report->boundary, result->part);
    result->replace = report->human;
    result->subject = dsn_compose_subject(rendered.subject);
    result->language = g_strdup(rendered.language);
    result->html = rendered.html;
    rendered.html = NULL;
    result->from = dsn_rewrite_from(
        a, a->reporting_authority ? a->reporting_authority : host);
    dsn_rewrite_copy(req, result, host);
    dsn_render_free(&rendered);
    g_free(host);
}

void dsn_rewrite(const struct dsn_rewrite_request *req,
                 struct dsn_rewrite_result *result)
{
    struct dsn_report *report = &result->report;
    char *sender;

    memset(result, 0, sizeof(*result));
    result->action = DSN_REWRITE_PASS;
    if (dsn_parse_message(req->headers, req->body, req->body_len, report,
                          &result->reason) < 0) {
        result->failed = true;
        return;
    }
    if (report->kind == DSN_PARSE_NONE) {
        result->reason = "not a DSN";
        return;
    }
    if ((result->reason = dsn_rewrite_policy(req)) != NULL)
        return;
    sender = dsn_rewrite_bare_address(req->recipient);
    dsn_rewrite_build(req, result, sender);
    result->action = DSN_REWRITE_CHANGE;
    g_free(sender);
}

size_t dsn_rewrite_pieces(const struct dsn_rewrite_result *result,
                          const char *body, size_t body_len,
                          struct dsn_rewrite_piece *pieces)
{
    const struct dsn_report *report = &result->report;
    size_t n = 0;
    size_t pos = result->replace.end;

    pieces[n++] = (struct dsn_rewrite_piece){body, result->replace.start};
    pieces[n++] =
        (struct dsn_rewrite_piece){result->part->str, result->part->len};
    if (result->status_text) {
        pieces[n++] = (struct dsn_rewrite_piece){
            body + pos, report->status_content.start - pos};
        pieces[n++] = (struct dsn_rewrite_piece){result->status_text->str,
                                                 result->status_text->len};
        pos = report->status_content.end;
    }
    if (result->original_text) {
        pieces[n++] = (struct dsn_rewrite_piece){
            body + pos, report->original_part.start - pos};
        pieces[n++] = (struct dsn_rewrite_piece){result->original_text->str,
                                                 result->original_text->len};
        pos = report->original_part.end;
    }
    pieces[n++] = (struct dsn_rewrite_piece){body + pos, body_len - pos};
    return (n);
}

void dsn_rewrite_free(struct dsn_rewrite_result *result)
{
    dsn_parse_free(&result->report);
    if (result->part)
        g_string_free(result->part, TRUE);
    if (result->html)
        g_string_free(result->html, TRUE);
    if (result->status_text)
        g_string_free(result->status_text, TRUE);
    if (result->original_text)
        g_string_free(result->original_text, TRUE);
    g_free(result->subject);
    g_free(result->language);
    g_free(result->from);
    g_free(result->copy_to);
    memset(result, 0, sizeof(*result));
}
