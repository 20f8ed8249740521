/*
 * dsn_render - choose the texts for a DSN and expand them
 *
 * Exports dsn_render_outcome(), dsn_render_select(), dsn_render() and
 * dsn_render_free().  A recipient whose code matches no message entry
 * gets the standard RFC 3463 description of the code as its text.
 * Values taken from the DSN are already sanitized by dsn_parse; values
 * of the form "type; value" (Remote-MTA, Diagnostic-Code) are shown
 * without the type.
 */
#include <string.h>

#include "dsn_html.h"
#include "dsn_render.h"
#include "dsn_select.h"
#include "dsn_util.h"

/* Values a template lookup reads: the report and the current recipient. */
struct dsn_render_vars {
    const struct dsn_config *config;
    const struct dsn_report *report;
    const struct dsn_recipient *recipient;
    const char *sender;
    const char *reporting_host;
    const char *postmaster;
    const char *message;    /* rendered code text, in blocks */
    const char *recipients; /* joined blocks, in the layout */
    const char *language;
    bool original_truncated;
    bool escape;        /* HTML-escape values */
    GPtrArray *scratch; /* escaped values, freed at the end */
    char count[24];
    char status[16];
};

enum dsn_outcome dsn_render_outcome(const struct dsn_report *report)
{
    bool delayed = false;

    for (size_t i = 0; i < report->recipient_count; i++) {
        const struct dsn_recipient *r = &report->recipients[i];
        const char *action = r->action ? r->action : "";

        if (strcmp(action, "failed") == 0)
            return (DSN_OUTCOME_FAILURE);
        if (strcmp(action, "delayed") == 0)
            delayed = true;
        else if (*action == 0 && r->status.code_class == 5)
            return (DSN_OUTCOME_FAILURE);
        else if (*action == 0 && r->status.code_class == 4)
            delayed = true;
    }
    return (delayed ? DSN_OUTCOME_DELAY : DSN_OUTCOME_SUCCESS);
}

const struct dsn_config_message *
dsn_render_select(const struct dsn_config *config,
                  const struct dsn_status *status)
{
    return (dsn_select_message(config, status, DSN_AUDIENCE_ANY, NULL));
}

/* Return value without a leading "type;" such as "dns;" or "smtp;". */
static const char *dsn_render_untyped(const char *value)
{
    const char *semi;

    if (value == NULL)
        return (NULL);
    semi = strchr(value, ';');
    if (semi == NULL)
        return (value);
    for (const char *p = value; p < semi; p++)
        if (!g_ascii_isalnum(*p) && *p != '-')
            return (value);
    semi++;
    while (*semi == ' ')
        semi++;
    return (semi);
}

static const char *dsn_render_recipient_var(struct dsn_render_vars *v,
                                            enum dsn_template_var var)
{
    const struct dsn_recipient *r = v->recipient;

    if (r == NULL)
        return (NULL);
    switch (var) {
    case DSN_VAR_RECIPIENT:
        return (r->address);
    case DSN_VAR_FINAL_RECIPIENT:
        return (r->final_recipient);
    case DSN_VAR_ORIGINAL_RECIPIENT:
        return (dsn_render_untyped(r->original_recipient));
    case DSN_VAR_ACTION:
        return (r->action);
    case DSN_VAR_STATUS:
        return (dsn_status_format(&r->status, v->status, sizeof(v->status)));
    case DSN_VAR_STATUS_DESCRIPTION:
        return (dsn_status_describe(&r->status));
    case DSN_VAR_REMOTE_MTA:
        return (dsn_render_untyped(r->remote_mta));
    case DSN_VAR_DIAGNOSTIC_CODE:
        return (dsn_render_untyped(r->diagnostic_code));
    case DSN_VAR_LAST_ATTEMPT_DATE:
        return (r->last_attempt_date);
    case DSN_VAR_WILL_RETRY_UNTIL:
        return (r->will_retry_until);
    default:
        return (NULL);
    }
}

static const char *dsn_render_value(struct dsn_render_vars *v,
                                    enum dsn_template_var var)
{
    const struct dsn_report *rep = v->report;

    switch (var) {
    case DSN_VAR_SENDER:
        return (v->sender);
    case DSN_VAR_POSTMASTER:
        return (v->postmaster);
    case DSN_VAR_REPORTING_HOST:
        return (v->reporting_host);
    case DSN_VAR_REPORTING_MTA:
        return (dsn_render_untyped(rep->reporting_mta));
    case DSN_VAR_ORIGINAL_ENVELOPE_ID:
        return (rep->original_envelope_id);
    case DSN_VAR_ARRIVAL_DATE:
        return (rep->arrival_date);
    case DSN_VAR_RECEIVED_FROM_MTA:
        return (dsn_render_untyped(rep->received_from_mta));
    case DSN_VAR_QUEUE_ID:
        return (rep->postfix_queue_id);
    case DSN_VAR_ORIGINAL_SUBJECT:
        return (rep->original_subject);
    case DSN_VAR_ORIGINAL_FROM:
        return (rep->original_from);
    case DSN_VAR_ORIGINAL_TO:
        return (rep->original_to);
    case DSN_VAR_ORIGINAL_DATE:
        return (rep->original_date);
    case DSN_VAR_ORIGINAL_MESSAGE_ID:
        return (rep->original_message_id);
    case DSN_VAR_ORIGINAL_CONTENT_LANGUAGE:
        return (rep->original_content_language);
    case DSN_VAR_RECIPIENT_COUNT:
        return (v->count);
    case DSN_VAR_ORIGINAL_TRUNCATED:
        return (v->original_truncated ? "yes" : NULL);
    case DSN_VAR_LANGUAGE:
        return (v->language);
    case DSN_VAR_MESSAGE:
        return (v->message);
    case DSN_VAR_RECIPIENTS:
        return (v->recipients);
    default:
        return (dsn_render_recipient_var(v, var));
    }
}

/*
 * Return a variable's value; in HTML, escaped, except the blocks that
 * are HTML already.
 */
static const char *dsn_render_lookup(void *context, enum dsn_template_var var)
{
    struct dsn_render_vars *v = context;
    const char *value = dsn_render_value(v, var);
    GString *escaped;

    if (!v->escape || value == NULL || var == DSN_VAR_MESSAGE ||
        var == DSN_VAR_RECIPIENTS)
        return (value);
    escaped = g_string_new(NULL);
    dsn_html_escape(escaped, value);
    g_ptr_array_add(v->scratch, escaped->str);
    return (g_string_free(escaped, FALSE));
}

/* Expand tpl as text, or as HTML with values escaped. */
static void dsn_render_expand(const struct dsn_template *tpl, GString *out,
                              struct dsn_render_vars *v, bool html)
{
    v->escape = html;
    dsn_template_expand(tpl, out, dsn_render_lookup, v);
    v->escape = false;
}

/* Append the text and HTML blocks of one recipient. */
static void dsn_render_block(const struct dsn_config *config,
                             const struct dsn_config_layout *layout,
                             const struct dsn_render_context *context,
                             struct dsn_render_vars *v, GString *text,
                             GString *html)
{
    const struct dsn_config_message *m;
    GString *message = g_string_new(NULL);
    GString *message_html = g_string_new(NULL);
    size_t block_start = text->len;

    m = dsn_select_message(config, &v->recipient->status, context->audience,
                           context->language);
    if (m)
        dsn_render_expand(m->text, message, v, false);
    else
        g_string_append(message, dsn_status_describe(&v->recipient->status));
    v->message = message->str;
    dsn_render_expand(layout->recipient, text, v, false);
    if (html) {
        if (m && m->html)
            dsn_render_expand(m->html, message_html, v, true);
        else
            dsn_html_from_text(message_html, message->str);
        v->message = message_html->str;
        if (layout->recipient_html)
            dsn_render_expand(layout->recipient_html, html, v, true);
        else
            dsn_html_from_text(html, text->str + block_start);
    }
    v->message = NULL;
    g_string_free(message, TRUE);
    g_string_free(message_html, TRUE);
}

const char *dsn_render_host(const struct dsn_config *config,
                            const struct dsn_report *report,
                            const char *hostname)
{
    if (config->reporting_host)
        return (config->reporting_host);
    if (hostname && *hostname)
        return (hostname);
    if (report->reporting_mta)
        return (dsn_render_untyped(report->reporting_mta));
    return (g_get_host_name());
}

/* Wrap an HTML body into a whole document. */
static GString *dsn_render_document(const char *body, const char *subject,
                                    const char *language)
{
    GString *doc = g_string_new("<!DOCTYPE html>\n<html");

    if (language) {
        g_string_append(doc, " lang=\"");
        dsn_html_escape(doc, language);
        g_string_append_c(doc, '"');
    }
    g_string_append(doc, ">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    dsn_html_escape(doc, subject);
    /* Inline styles only: many mail readers drop a <style> element. */
    g_string_append(doc, "</title>\n</head>\n<body style=\"margin: 0;"
                         " padding: 24px; background: #f4f5f7;\">\n"
                         "<div style=\"max-width: 640px; margin: 0 auto;"
                         " padding: 24px 32px; background: #ffffff;"
                         " border: 1px solid #d9dce1; border-radius: 6px;"
                         " font-family: Arial, Helvetica, sans-serif;"
                         " font-size: 15px; line-height: 1.5;"
                         " color: #1f2328;\">\n<h1 style=\"margin: 0 0 16px;"
                         " font-size: 19px; color: #1f2328;\">");
    dsn_html_escape(doc, subject);
    g_string_append(doc, "</h1>\n");
    g_string_append(doc, body);
    g_string_append(doc, "\n</div>\n</body>\n</html>\n");
    return (doc);
}

/* Expand the layout's text, HTML and subject once the blocks exist. */
static void dsn_render_layout(const struct dsn_config_layout *layout,
                              struct dsn_render_vars *v, GString *blocks,
                              GString *blocks_html,
                              struct dsn_render_result *result)
{
    GString *subject = g_string_new(NULL);
    GString *body;

    v->recipients = blocks->str;
    result->text = g_string_new(NULL);
    dsn_render_expand(layout->text, result->text, v, false);
    dsn_render_expand(layout->subject, subject, v, false);
    result->subject = dsn_util_sanitize(subject->str, (long) subject->len);
    if (blocks_html) {
        body = g_string_new(NULL);
        v->recipients = blocks_html->str;
        if (layout->html)
            dsn_render_expand(layout->html, body, v, true);
        else
            dsn_html_from_text(body, result->text->str);
        result->html =
            dsn_render_document(body->str, result->subject, result->language);
        g_string_free(body, TRUE);
    }
    g_string_free(subject, TRUE);
}

void dsn_render(const struct dsn_config *config,
                const struct dsn_report *report,
                const struct dsn_render_context *context,
                struct dsn_render_result *result)
{
    struct dsn_render_vars v = {
        .config = config,
        .report = report,
        .sender = context->sender,
        .original_truncated = context->original_truncated,
        .scratch = g_ptr_array_new_with_free_func(g_free),
    };
    const struct dsn_config_layout *layout;
    GString *blocks = g_string_new(NULL);
    GString *blocks_html = context->html ? g_string_new(NULL) : NULL;
    char *postmaster = NULL;

    memset(result, 0, sizeof(*result));
    result->outcome = dsn_render_outcome(report);
    layout = dsn_select_layout(config, result->outcome, context->audience,
                               context->language);
    result->language =
        context->language ? context->language : config->default_language;
    v.language = result->language;
    v.reporting_host = context->authority ? context->authority
                                          : dsn_render_host(config, report,
                                                            context->hostname);
    if (strchr(config->postmaster, '@') == NULL)
        postmaster =
            g_strconcat(config->postmaster, "@", v.reporting_host, NULL);
    v.postmaster = postmaster ? postmaster : config->postmaster;
    g_snprintf(v.count, sizeof(v.count), "%zu", report->recipient_count);

    for (size_t i = 0; i < report->recipient_count; i++) {
        v.recipient = &report->recipients[i];
        dsn_render_block(config, layout, context, &v, blocks, blocks_html);
    }
    v.recipient = NULL;
    dsn_render_layout(layout, &v, blocks, blocks_html, result);
    if (blocks_html)
        g_string_free(blocks_html, TRUE);
    g_string_free(blocks, TRUE);
    g_ptr_array_free(v.scratch, TRUE);
    g_free(postmaster);
}

void dsn_render_free(struct dsn_render_result *result)
{
    g_free(result->subject);
    if (result->text)
        g_string_free(result->text, TRUE);
    if (result->html)
        g_string_free(result->html, TRUE);
    memset(result, 0, sizeof(*result));
}
