/*
 * dsn_rewrite - the whole job: parse, select, render, compose
 *
 * Exports dsn_rewrite(), dsn_rewrite_free(), dsn_rewrite_null_sender(),
 * dsn_rewrite_sender_is_local() and dsn_rewrite_codes().  Every reason
 * to leave a message alone ends in DSN_REWRITE_PASS with a static reason
 * that callers log; nothing here rejects a message.
 */
#include <string.h>

#include "dsn_compose.h"
#include "dsn_render.h"
#include "dsn_rewrite.h"

bool    dsn_rewrite_null_sender(const char *sender)
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

bool    dsn_rewrite_sender_is_local(const char *sender)
{
    return (sender != NULL && *sender == 0);
}

void    dsn_rewrite_codes(const struct dsn_report *report, GString *out)
{
    GString *seen = g_string_new(" ");

    for (size_t i = 0; i < report->recipient_count; i++) {
        char    code[16];
        char    key[20];

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
    if (config->max_message_size > 0
        && req->body_len > config->max_message_size)
        return ("message larger than max_message_size");
    return (NULL);
}

/* Strip the angle brackets of an envelope address into a new string. */
static char *dsn_rewrite_bare_address(const char *address)
{
    size_t  len;

    if (address == NULL)
        return (NULL);
    while (*address == ' ' || *address == '<')
        address++;
    len = strcspn(address, ">");
    return (g_strndup(address, len));
}

void    dsn_rewrite(const struct dsn_rewrite_request *req,
                    struct dsn_rewrite_result *result)
{
    struct dsn_render_context context = {.hostname = req->hostname};
    struct dsn_render_result rendered = {0};
    struct dsn_report *report = &result->report;
    char   *sender;

    memset(result, 0, sizeof(*result));
    result->action = DSN_REWRITE_PASS;
    if (dsn_parse_message(req->headers, req->body, req->body_len, report,
                          &result->why) < 0) {
        result->failed = true;
        return;
    }
    if (report->kind == DSN_PARSE_NONE) {
        result->why = "not a DSN";
        return;
    }
    if ((result->why = dsn_rewrite_policy(req)) != NULL)
        return;

    sender = dsn_rewrite_bare_address(req->recipient);
    context.sender = sender;
    dsn_render(req->config, report, &context, &rendered);
    result->outcome = rendered.outcome;
    result->part = g_string_sized_new(rendered.text->len + 256);
    dsn_compose_part(rendered.text->str, rendered.language, report->newline,
                     report->boundary, result->part);
    result->replace = report->human;
    result->subject = dsn_compose_subject(rendered.subject);
    result->language = g_strdup(rendered.language);
    result->action = DSN_REWRITE_CHANGE;
    dsn_render_free(&rendered);
    g_free(sender);
}

void    dsn_rewrite_free(struct dsn_rewrite_result *result)
{
    dsn_parse_free(&result->report);
    if (result->part)
        g_string_free(result->part, TRUE);
    g_free(result->subject);
    g_free(result->language);
    memset(result, 0, sizeof(*result));
}
