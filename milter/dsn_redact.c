/*
 * dsn_redact - hide internal details from external senders
 *
 * Exports dsn_redact_enabled(), dsn_redact_text(), dsn_redact_report()
 * and dsn_redact_status().  The delivery-status part is rewritten field
 * by field: a field is kept byte for byte (with its folding), replaced
 * by one unfolded line, or dropped.  Only optional fields are dropped
 * (Remote-MTA, Received-From-MTA, X-Postfix-*); Reporting-MTA and
 * Final-Recipient are replaced.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "dsn_redact.h"
#include "dsn_select.h"
#include "dsn_util.h"

/* One field of a group: its name and its raw lines. */
struct dsn_redact_field {
    char *name;
    const char *raw;
    size_t len;
    char *replacement; /* whole new value, or NULL */
    bool drop;
};

bool dsn_redact_enabled(const struct dsn_config_audience *a)
{
    return (a->reporting_authority != NULL || a->hide_internal_hosts ||
            a->hide_postfix_fields || a->hide_expansion);
}

/* Return true for a host name or address that is internal. */
static bool dsn_redact_internal(const struct dsn_config *config,
                                const char *host)
{
    return (dsn_select_private_address(host) ||
            (strchr(host, '.') != NULL &&
             dsn_select_internal_domain(config, host)));
}

/*
 * Append DSN_REDACT_HIDDEN and the port when token is "host:port" with
 * an internal host, and return true; else append nothing.
 */
static bool dsn_redact_host_port(const struct dsn_config *config,
                                 const char *token, GString *out)
{
    const char *colon = strrchr(token, ':');
    char *host;
    bool internal;

    if (colon == NULL || colon == token || colon[1] == 0 ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return (false);
    host = g_strndup(token, colon - token);
    internal = dsn_redact_internal(config, host);
    g_free(host);
    if (internal)
        g_string_append_printf(out, "%s%s", DSN_REDACT_HIDDEN, colon);
    return (internal);
}

char *dsn_redact_text(const struct dsn_config *config, const char *text)
{
    static const char host_chars[] =
        "abcdefghijklmnopqrstuvwxyz"
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:";
    GString *out = g_string_sized_new(strlen(text));
    const char *p = text;

    while (*p) {
        size_t len = strspn(p, host_chars);
        char *token;

        if (len == 0) {
            g_string_append_c(out, *p++);
            continue;
        }
        token = g_strndup(p, len);
        /* A trailing "." or ":" ends a sentence, not a host name. */
        while (len > 1 && (token[len - 1] == '.' || token[len - 1] == ':'))
            token[--len] = 0;
        if ((p == text || p[-1] != '@') && dsn_redact_internal(config, token))
            g_string_append(out, DSN_REDACT_HIDDEN);
        else if ((p == text || p[-1] != '@') &&
                 dsn_redact_host_port(config, token, out))
            ;
        else
            g_string_append_len(out, p, len);
        p += len;
        g_free(token);
    }
    return (g_string_free(out, FALSE));
}

/* Return true when a field value names any internal host or address. */
static bool dsn_redact_internal_field(const struct dsn_config *config,
                                      const char *value)
{
    char *masked = dsn_redact_text(config, value);
    bool internal = strcmp(masked, value) != 0;

    g_free(masked);
    return (internal);
}

/* Replace *slot with a redacted copy, or NULL when it is internal. */
static void dsn_redact_host_slot(const struct dsn_config *config, char **slot)
{
    if (*slot && dsn_redact_internal_field(config, *slot)) {
        g_free(*slot);
        *slot = NULL;
    }
}

static void dsn_redact_text_slot(const struct dsn_config *config, char **slot)
{
    char *text;

    if (*slot == NULL)
        return;
    text = dsn_redact_text(config, *slot);
    g_free(*slot);
    *slot = text;
}

/* Return the address type of a recipient value ("rfc822", "utf-8"). */
static char *dsn_redact_address_type(const char *value)
{
    const char *semi = strchr(value, ';');
    char *type = semi ? g_strndup(value, semi - value) : g_strdup("rfc822");

    return (g_strstrip(type));
}

/* Show the address the sender wrote in place of the expanded one. */
static void dsn_redact_expansion(struct dsn_recipient *r)
{
    char *address;
    char *type;

    if (r->original_recipient == NULL)
        return;
    address = dsn_parse_address(r->original_recipient);
    type = dsn_redact_address_type(r->original_recipient);
    g_free(r->final_recipient);
    r->final_recipient = g_strdup_printf("%s; %s", type, address);
    g_free(r->address);
    r->address = address;
    g_free(type);
}

void dsn_redact_report(const struct dsn_config *config,
                       const struct dsn_config_audience *a,
                       struct dsn_report *report)
{
    if (a->reporting_authority) {
        g_free(report->reporting_mta);
        report->reporting_mta =
            g_strdup_printf("dns; %s", a->reporting_authority);
    }
    if (a->hide_postfix_fields) {
        g_clear_pointer(&report->postfix_queue_id, g_free);
        g_clear_pointer(&report->postfix_sender, g_free);
    }
    if (a->hide_internal_hosts) {
        dsn_redact_host_slot(config, &report->received_from_mta);
        if (a->reporting_authority == NULL)
            dsn_redact_text_slot(config, &report->reporting_mta);
    }
    for (size_t i = 0; i < report->recipient_count; i++) {
        struct dsn_recipient *r = &report->recipients[i];

        if (a->hide_internal_hosts) {
            dsn_redact_host_slot(config, &r->remote_mta);
            dsn_redact_text_slot(config, &r->diagnostic_code);
        }
        if (a->hide_expansion)
            dsn_redact_expansion(r);
    }
}

/* Read the fields of one group starting at *p; stop after its end. */
static GArray *dsn_redact_group(const char *text, size_t len, size_t *p)
{
    GArray *fields = g_array_new(FALSE, TRUE, sizeof(struct dsn_redact_field));

    while (*p < len) {
        const char *nl = memchr(text + *p, '\n', len - *p);
        size_t end = nl ? (size_t) (nl - text) + 1 : len;
        struct dsn_redact_field *last;

        if (text[*p] == '\n' || (text[*p] == '\r' && end - *p == 2))
            break;
        if ((text[*p] == ' ' || text[*p] == '\t') && fields->len > 0) {
            last = &g_array_index(fields, struct dsn_redact_field,
                                  fields->len - 1);
            last->len = end - (size_t) (last->raw - text);
        } else {
            struct dsn_redact_field f = {0};
            const char *colon = memchr(text + *p, ':', end - *p);

            f.raw = text + *p;
            f.len = end - *p;
            f.name = colon ? g_strndup(text + *p, colon - (text + *p))
                           : g_strdup("");
            g_strstrip(f.name);
            g_array_append_val(fields, f);
        }
        *p = end;
    }
    return (fields);
}

static struct dsn_redact_field *dsn_redact_find(GArray *fields,
                                                const char *name)
{
    for (guint i = 0; i < fields->len; i++) {
        struct dsn_redact_field *f =
            &g_array_index(fields, struct dsn_redact_field, i);

        if (g_ascii_strcasecmp(f->name, name) == 0)
            return (f);
    }
    return (NULL);
}

/* Return the unfolded value of a raw field; caller frees. */
static char *dsn_redact_value(const struct dsn_redact_field *f)
{
    char *raw = g_strndup(f->raw, f->len);
    char *colon = strchr(raw, ':');
    char *value = dsn_util_unfold(colon ? colon + 1 : "");

    g_free(raw);
    return (value);
}

/* Decide what happens to each field of a group. */
static void dsn_redact_decide(const struct dsn_config *config,
                              const struct dsn_config_audience *a,
                              GArray *fields)
{
    struct dsn_redact_field *orig =
        dsn_redact_find(fields, "Original-Recipient");

    for (guint i = 0; i < fields->len; i++) {
        struct dsn_redact_field *f =
            &g_array_index(fields, struct dsn_redact_field, i);
        char *value = dsn_redact_value(f);

        if (a->hide_postfix_fields &&
            g_ascii_strncasecmp(f->name, "X-Postfix-", 10) == 0)
            f->drop = true;
        else if (a->reporting_authority &&
                 g_ascii_strcasecmp(f->name, "Reporting-MTA") == 0)
            f->replacement =
                g_strdup_printf("dns; %s", a->reporting_authority);
        else if (a->hide_internal_hosts &&
                 (g_ascii_strcasecmp(f->name, "Remote-MTA") == 0 ||
                  g_ascii_strcasecmp(f->name, "Received-From-MTA") == 0))
            f->drop = dsn_redact_internal_field(config, value);
        else if (a->hide_expansion && orig &&
                 g_ascii_strcasecmp(f->name, "Final-Recipient") == 0) {
            char *ov = dsn_redact_value(orig);
            char *addr = dsn_parse_address(ov);
            char *type = dsn_redact_address_type(ov);

            f->replacement = g_strdup_printf("%s; %s", type, addr);
            g_free(type);
            g_free(addr);
            g_free(ov);
        } else if (a->hide_internal_hosts &&
                   (g_ascii_strcasecmp(f->name, "Diagnostic-Code") == 0 ||
                    g_ascii_strcasecmp(f->name, "Reporting-MTA") == 0)) {
            char *masked = dsn_redact_text(config, value);

            if (strcmp(masked, value) != 0)
                f->replacement = masked;
            else
                g_free(masked);
        }
        g_free(value);
    }
}

/* Append "name: value", folded by GMime, with lines ending in newline. */
static void dsn_redact_put_field(GString *out, const char *name,
                                 const char *value, const char *newline)
{
    char *header = g_strdup_printf("%s: %s", name, value);
    char *folded;

    dsn_util_gmime_init();
    folded = g_mime_utils_unstructured_header_fold(NULL, NULL, header);
    for (const char *p = folded; *p; p++) {
        if (*p == '\n')
            g_string_append(out, newline);
        else
            g_string_append_c(out, *p);
    }
    if (out->len == 0 || out->str[out->len - 1] != '\n')
        g_string_append(out, newline);
    g_free(folded);
    g_free(header);
}

/* Write a group's fields; return true when any changed. */
static bool dsn_redact_write(GArray *fields, const char *newline, GString *out)
{
    bool changed = false;

    for (guint i = 0; i < fields->len; i++) {
        struct dsn_redact_field *f =
            &g_array_index(fields, struct dsn_redact_field, i);

        if (f->drop) {
            changed = true;
        } else if (f->replacement) {
            dsn_redact_put_field(out, f->name, f->replacement, newline);
            changed = true;
        } else {
            g_string_append_len(out, f->raw, f->len);
        }
        g_free(f->name);
        g_free(f->replacement);
    }
    return (changed);
}

GString *dsn_redact_status(const struct dsn_config *config,
                           const struct dsn_config_audience *a,
                           const char *content, size_t len,
                           const char *newline)
{
    GString *out = g_string_sized_new(len);
    bool changed = false;
    size_t p = 0;

    while (p < len) {
        size_t start = p;
        GArray *fields = dsn_redact_group(content, len, &p);

        dsn_redact_decide(config, a, fields);
        if (dsn_redact_write(fields, newline, out))
            changed = true;
        g_array_free(fields, TRUE);
        if (p < len) {
            const char *nl = memchr(content + p, '\n', len - p);
            size_t end = nl ? (size_t) (nl - content) + 1 : len;

            g_string_append_len(out, content + p, end - p);
            p = end;
        }
        if (p == start)
            break;
    }
    /* A replacement may write the bytes it replaced: no change then. */
    if (!changed || (out->len == len && memcmp(out->str, content, len) == 0)) {
        g_string_free(out, TRUE);
        return (NULL);
    }
    return (out);
}
