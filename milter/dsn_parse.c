/*
 * dsn_parse - recognize a DSN and read its fields
 *
 * Exports dsn_parse_message(), dsn_parse_is_report(), dsn_parse_free()
 * and the dsn_headers_* helpers.  The body is never copied: the parts of
 * the multipart/report are located by their boundary delimiter lines
 * (RFC 2046 section 5.1.1) and described as byte ranges.  Only the first
 * three parts are located, so the returned message is read up to the end
 * of its header block and no further.  MIME parameters and encoded words
 * are decoded by GMime.
 *
 * A returned message encoded as base64 or quoted-printable is not
 * decoded; its header fields are then left unset.
 */
#include <string.h>
#include <strings.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "dsn_parse.h"
#include "dsn_util.h"

/* Largest header block read from the returned message. */
#define DSN_PARSE_MAX_ORIGINAL_HEADER (256 * 1024)

/* Largest delivery-status part read. */
#define DSN_PARSE_MAX_STATUS (1024 * 1024)

/* A located MIME part: whole part, and its content after the headers. */
struct dsn_parse_part {
    struct dsn_span whole;
    struct dsn_span content;
    GMimeContentType *type; /* parsed Content-Type, or NULL when absent */
    bool type_invalid;      /* a Content-Type GMime could not parse */
    char *encoding;         /* Content-Transfer-Encoding, or NULL */
};

void dsn_headers_add(struct dsn_headers *headers, const char *name,
                     const char *value)
{
    if (headers->count == headers->size) {
        headers->size = headers->size ? headers->size * 2 : 16;
        headers->fields =
            g_renew(struct dsn_header, headers->fields, headers->size);
    }
    headers->fields[headers->count].name = g_strdup(name);
    headers->fields[headers->count].value = g_strdup(value);
    headers->count++;
}

const char *dsn_headers_get(const struct dsn_headers *headers,
                            const char *name)
{
    for (size_t i = 0; i < headers->count; i++)
        if (g_ascii_strcasecmp(headers->fields[i].name, name) == 0)
            return (headers->fields[i].value);
    return (NULL);
}

void dsn_headers_free(struct dsn_headers *headers)
{
    for (size_t i = 0; i < headers->count; i++) {
        g_free(headers->fields[i].name);
        g_free(headers->fields[i].value);
    }
    g_free(headers->fields);
    memset(headers, 0, sizeof(*headers));
}

/* Return the end of the line at p: the offset just past its newline. */
static size_t dsn_parse_line_end(const char *text, size_t len, size_t p)
{
    const char *nl = memchr(text + p, '\n', len - p);

    return (nl ? (size_t) (nl - text) + 1 : len);
}

/* Return true when [p, end) is an empty line ("\n" or "\r\n"). */
static bool dsn_parse_blank(const char *text, size_t p, size_t end)
{
    return ((end - p == 1 && text[p] == '\n') ||
            (end - p == 2 && text[p] == '\r' && text[p + 1] == '\n'));
}

/*
 * Read header fields from text[start, limit) into headers, stopping after
 * the empty line.  Store the offset past it (or limit) in *end.  Return
 * false when a line is neither a field, a continuation nor the end,
 * unless lenient is set: such lines are then skipped.
 */
static bool dsn_parse_header_block(const char *text, size_t start,
                                   size_t limit, bool lenient,
                                   struct dsn_headers *headers, size_t *end)
{
    size_t p = start;
    GString *name = g_string_new(NULL);
    GString *value = g_string_new(NULL);
    bool ok = true;

    while (p < limit) {
        size_t eol = dsn_parse_line_end(text, limit, p);
        size_t stop = eol;

        if (dsn_parse_blank(text, p, eol)) {
            p = eol;
            break;
        }
        while (stop > p && (text[stop - 1] == '\n' || text[stop - 1] == '\r'))
            stop--;
        if (text[p] == ' ' || text[p] == '\t') {
            if (name->len == 0) {
                ok = lenient;
                if (!ok)
                    break;
                p = eol;
                continue;
            }
            g_string_append_c(value, '\n');
            g_string_append_len(value, text + p, stop - p);
        } else {
            const char *colon = memchr(text + p, ':', stop - p);

            if (colon == NULL) {
                ok = lenient;
                if (!ok)
                    break;
                p = eol;
                continue;
            }
            if (name->len)
                dsn_headers_add(headers, name->str, value->str);
            g_string_assign(name, "");
            g_string_append_len(name, text + p, colon - (text + p));
            g_strchomp(name->str);
            name->len = strlen(name->str);
            colon++;
            while (colon < text + stop && (*colon == ' ' || *colon == '\t'))
                colon++;
            g_string_assign(value, "");
            g_string_append_len(value, colon, text + stop - colon);
        }
        p = eol;
    }
    if (ok && name->len)
        dsn_headers_add(headers, name->str, value->str);
    g_string_free(name, TRUE);
    g_string_free(value, TRUE);
    *end = p;
    return (ok);
}

bool dsn_headers_split(const char *message, size_t len,
                       struct dsn_headers *headers, size_t *body_offset)
{
    size_t end;

    if (!dsn_parse_header_block(message, 0, len, false, headers, &end) ||
        headers->count == 0)
        return (false);
    *body_offset = end;
    return (true);
}

/* Return a GMime content type for value; GMime must be initialized. */
static GMimeContentType *dsn_parse_content_type(const char *value)
{
    dsn_util_gmime_init();
    return (g_mime_content_type_parse(NULL, value));
}

bool dsn_parse_is_report(const char *content_type, char **boundary)
{
    GMimeContentType *type;
    const char *report_type;
    const char *param;
    bool is_report = false;

    if (content_type == NULL)
        return (false);
    type = dsn_parse_content_type(content_type);
    if (type == NULL)
        return (false);
    if (g_mime_content_type_is_type(type, "multipart", "report")) {
        report_type = g_mime_content_type_get_parameter(type, "report-type");
        param = g_mime_content_type_get_parameter(type, "boundary");
        if (report_type && param && *param &&
            (g_ascii_strcasecmp(report_type, "delivery-status") == 0 ||
             g_ascii_strcasecmp(report_type, "global-delivery-status") == 0)) {
            is_report = true;
            if (boundary)
                *boundary = g_strdup(param);
        }
    }
    g_object_unref(type);
    return (is_report);
}

/*
 * Find the next boundary delimiter line at or after *pos.  Store the
 * offset where the delimiter's leading newline begins in *line_start (the
 * part before it ends there), the offset past the delimiter line in
 * *next, and whether it is the close delimiter in *close.
 */
static bool dsn_parse_next_delimiter(const char *body, size_t len,
                                     const char *dash_boundary,
                                     size_t dash_len, size_t pos,
                                     size_t *line_start, size_t *next,
                                     bool *close)
{
    while (pos + dash_len <= len) {
        const char *hit =
            dsn_util_memmem(body + pos, len - pos, dash_boundary, dash_len);
        size_t at;
        size_t q;

        if (hit == NULL)
            return (false);
        at = (size_t) (hit - body);
        pos = at + 1;
        if (at != 0 && body[at - 1] != '\n')
            continue;
        q = at + dash_len;
        *close = (q + 1 < len && body[q] == '-' && body[q + 1] == '-');
        if (*close)
            q += 2;
        while (q < len && (body[q] == ' ' || body[q] == '\t'))
            q++;
        if (q < len && body[q] != '\r' && body[q] != '\n')
            continue;
        *next = dsn_parse_line_end(body, len, q);
        *line_start = at;
        if (at > 0 && body[at - 1] == '\n') {
            *line_start = at - 1;
            if (at > 1 && body[at - 2] == '\r')
                *line_start = at - 2;
        }
        return (true);
    }
    return (false);
}

/* Read a part's header fields; fill content span and the two types. */
static bool dsn_parse_part_headers(const char *body,
                                   struct dsn_parse_part *part)
{
    struct dsn_headers headers = {0};
    size_t end;
    bool ok;

    ok = dsn_parse_header_block(body, part->whole.start, part->whole.end,
                                false, &headers, &end);
    if (ok) {
        const char *type = dsn_headers_get(&headers, "Content-Type");
        const char *cte =
            dsn_headers_get(&headers, "Content-Transfer-Encoding");

        part->content.start = end;
        part->content.end = part->whole.end;
        if (type) {
            char *unfolded = dsn_util_unfold(type);

            part->type = dsn_parse_content_type(unfolded);
            part->type_invalid = part->type == NULL;
            g_free(unfolded);
        }
        part->encoding = cte ? dsn_util_unfold(cte) : NULL;
    }
    dsn_headers_free(&headers);
    return (ok);
}

static void dsn_parse_part_free(struct dsn_parse_part *part)
{
    if (part->type)
        g_object_unref(part->type);
    g_free(part->encoding);
}

/*
 * Return true when the part's type is type/subtype.  A part without
 * Content-Type is text/plain (RFC 2045 section 5.2).
 */
static bool dsn_parse_part_is(const struct dsn_parse_part *part,
                              const char *type, const char *subtype)
{
    if (part->type == NULL)
        return (!part->type_invalid && g_ascii_strcasecmp(type, "text") == 0 &&
                g_ascii_strcasecmp(subtype, "plain") == 0);
    return (g_mime_content_type_is_type(part->type, type, subtype));
}

/* Store a sanitized, unfolded copy of value in *slot unless set. */
static void dsn_parse_set(char **slot, const char *value)
{
    char *unfolded;

    if (*slot != NULL || value == NULL)
        return;
    unfolded = dsn_util_unfold(value);
    *slot = dsn_util_sanitize(unfolded, -1);
    g_free(unfolded);
}

char *dsn_parse_address(const char *value)
{
    const char *semi = strchr(value, ';');
    const char *p = semi ? semi + 1 : value;
    GString *out = g_string_new(NULL);
    int depth = 0;

    for (; *p; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')' && depth > 0)
            depth--;
        else if (depth == 0 && *p != '<' && *p != '>' && *p != ' ' &&
                 *p != '\t')
            g_string_append_c(out, *p);
    }
    return (g_string_free(out, FALSE));
}

/* Fill one recipient from the fields of its group. */
static void dsn_parse_recipient(const struct dsn_headers *group,
                                struct dsn_recipient *rcpt)
{
    const char *address;

    dsn_parse_set(&rcpt->final_recipient,
                  dsn_headers_get(group, "Final-Recipient"));
    dsn_parse_set(&rcpt->original_recipient,
                  dsn_headers_get(group, "Original-Recipient"));
    dsn_parse_set(&rcpt->action, dsn_headers_get(group, "Action"));
    dsn_parse_set(&rcpt->status_text, dsn_headers_get(group, "Status"));
    dsn_parse_set(&rcpt->remote_mta, dsn_headers_get(group, "Remote-MTA"));
    dsn_parse_set(&rcpt->diagnostic_code,
                  dsn_headers_get(group, "Diagnostic-Code"));
    dsn_parse_set(&rcpt->last_attempt_date,
                  dsn_headers_get(group, "Last-Attempt-Date"));
    dsn_parse_set(&rcpt->will_retry_until,
                  dsn_headers_get(group, "Will-Retry-Until"));
    dsn_parse_set(&rcpt->final_log_id, dsn_headers_get(group, "Final-Log-ID"));

    if (rcpt->action) {
        /* Keep the action keyword only, as "failed (bad)" is seen. */
        rcpt->action[strcspn(rcpt->action, " \t(;")] = 0;
        for (char *p = rcpt->action; *p; p++)
            *p = g_ascii_tolower(*p);
    }
    if (rcpt->status_text)
        rcpt->status_valid =
            dsn_status_parse(rcpt->status_text, &rcpt->status, NULL);
    address = rcpt->final_recipient ? rcpt->final_recipient
                                    : rcpt->original_recipient;
    rcpt->address = address ? dsn_parse_address(address) : g_strdup("");
}

/* Take the per-message fields a group has. */
static void dsn_parse_per_message(const struct dsn_headers *group,
                                  struct dsn_report *report)
{
    dsn_parse_set(&report->reporting_mta,
                  dsn_headers_get(group, "Reporting-MTA"));
    dsn_parse_set(&report->original_envelope_id,
                  dsn_headers_get(group, "Original-Envelope-Id"));
    dsn_parse_set(&report->arrival_date,
                  dsn_headers_get(group, "Arrival-Date"));
    dsn_parse_set(&report->received_from_mta,
                  dsn_headers_get(group, "Received-From-MTA"));
    dsn_parse_set(&report->dsn_gateway, dsn_headers_get(group, "DSN-Gateway"));
    dsn_parse_set(&report->postfix_queue_id,
                  dsn_headers_get(group, "X-Postfix-Queue-ID"));
    dsn_parse_set(&report->postfix_sender,
                  dsn_headers_get(group, "X-Postfix-Sender"));
}

/* Return true when a group describes a recipient. */
static bool dsn_parse_is_recipient_group(const struct dsn_headers *group)
{
    return (dsn_headers_get(group, "Final-Recipient") != NULL ||
            dsn_headers_get(group, "Original-Recipient") != NULL ||
            dsn_headers_get(group, "Action") != NULL ||
            dsn_headers_get(group, "Status") != NULL);
}

static void dsn_parse_add_recipient(struct dsn_report *report,
                                    const struct dsn_headers *group)
{
    report->recipients = g_renew(struct dsn_recipient, report->recipients,
                                 report->recipient_count + 1);
    memset(&report->recipients[report->recipient_count], 0,
           sizeof(struct dsn_recipient));
    dsn_parse_recipient(group, &report->recipients[report->recipient_count]);
    report->recipient_count++;
}

/* Read the groups of a delivery-status content (already decoded). */
static void dsn_parse_status_fields(const char *text, size_t len,
                                    struct dsn_report *report)
{
    size_t p = 0;

    while (p < len) {
        struct dsn_headers group = {0};
        size_t end;

        dsn_parse_header_block(text, p, len, true, &group, &end);
        if (group.count > 0) {
            dsn_parse_per_message(&group, report);
            if (dsn_parse_is_recipient_group(&group))
                dsn_parse_add_recipient(report, &group);
        }
        dsn_headers_free(&group);
        if (end <= p)
            break;
        p = end;
    }
}

/* Return true for a transfer encoding that must be decoded first. */
static bool dsn_parse_is_encoded(const char *encoding)
{
    GMimeContentEncoding cte;

    if (encoding == NULL)
        return (false);
    cte = g_mime_content_encoding_from_string(encoding);
    return (cte == GMIME_CONTENT_ENCODING_BASE64 ||
            cte == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
            cte == GMIME_CONTENT_ENCODING_UUENCODE);
}

/*
 * Decode a content transfer encoding.  Return NULL for identity
 * encodings (the caller reads the bytes in place), else a new buffer.
 */
static GByteArray *dsn_parse_decode(const char *encoding, const char *text,
                                    size_t len)
{
    GMimeContentEncoding cte;
    GMimeEncoding state;
    GByteArray *out;
    size_t n;

    if (!dsn_parse_is_encoded(encoding))
        return (NULL);
    cte = g_mime_content_encoding_from_string(encoding);
    g_mime_encoding_init_decode(&state, cte);
    out = g_byte_array_sized_new(g_mime_encoding_outlen(&state, len));
    g_byte_array_set_size(out, g_mime_encoding_outlen(&state, len));
    n = g_mime_encoding_step(&state, text, len, (char *) out->data);
    n += g_mime_encoding_flush(&state, "", 0, (char *) out->data + n);
    g_byte_array_set_size(out, n);
    return (out);
}

/* Parse the delivery-status part; return false when it has no recipient. */
static bool dsn_parse_status_part(const char *body,
                                  const struct dsn_parse_part *part,
                                  struct dsn_report *report)
{
    size_t len = part->content.end - part->content.start;
    GByteArray *decoded;

    if (len > DSN_PARSE_MAX_STATUS)
        return (false);
    decoded =
        dsn_parse_decode(part->encoding, body + part->content.start, len);
    if (decoded) {
        dsn_parse_status_fields((const char *) decoded->data, decoded->len,
                                report);
        g_byte_array_free(decoded, TRUE);
    } else {
        dsn_parse_status_fields(body + part->content.start, len, report);
    }
    return (report->recipient_count > 0);
}

/* Store a header of the returned message, decoded from RFC 2047. */
static void dsn_parse_set_decoded(char **slot, const struct dsn_headers *h,
                                  const char *name)
{
    const char *value = dsn_headers_get(h, name);
    char *unfolded;
    char *decoded;

    if (value == NULL || *slot != NULL)
        return;
    unfolded = dsn_util_unfold(value);
    decoded = g_mime_utils_header_decode_text(NULL, unfolded);
    *slot = dsn_util_sanitize(decoded ? decoded : unfolded, -1);
    g_free(decoded);
    g_free(unfolded);
}

/*
 * Return where a header block starting at start must end at the latest:
 * at limit, or earlier at the part's closing boundary delimiter.
 */
static size_t dsn_parse_header_limit(const char *body, size_t limit,
                                     size_t start, const char *boundary)
{
    char *dash = g_strconcat("--", boundary, NULL);
    size_t line_start;
    size_t next;
    bool close;

    if (dsn_parse_next_delimiter(body, limit, dash, strlen(dash), start,
                                 &line_start, &next, &close) &&
        line_start >= start)
        limit = line_start;
    g_free(dash);
    return (limit);
}

/* Read the returned message's header block, if the part carries one. */
static void dsn_parse_original(const char *body, size_t len,
                               const struct dsn_parse_part *part,
                               struct dsn_report *report)
{
    struct dsn_headers h = {0};
    size_t limit = part->content.start + DSN_PARSE_MAX_ORIGINAL_HEADER;
    size_t end;

    if (dsn_parse_part_is(part, "message", "rfc822"))
        report->original_type = DSN_ORIGINAL_MESSAGE;
    else if (dsn_parse_part_is(part, "message", "global"))
        report->original_type = DSN_ORIGINAL_GLOBAL;
    else if (dsn_parse_part_is(part, "text", "rfc822-headers"))
        report->original_type = DSN_ORIGINAL_HEADERS;
    else if (dsn_parse_part_is(part, "message", "global-headers"))
        report->original_type = DSN_ORIGINAL_GLOBAL_HEADERS;
    else
        return;
    report->original_content = part->content;
    if (dsn_parse_is_encoded(part->encoding)) {
        report->original_type = DSN_ORIGINAL_ENCODED;
        return;
    }
    limit = dsn_parse_header_limit(body, limit < len ? limit : len,
                                   part->content.start, report->boundary);
    dsn_parse_header_block(body, part->content.start, limit, true, &h, &end);
    /* Only an empty line ends a header block that can be returned alone. */
    if (end > part->content.start && end <= limit && (body[end - 1] == '\n') &&
        (end - part->content.start) >= 2 &&
        (body[end - 2] == '\n' ||
         (body[end - 2] == '\r' && body[end - 3] == '\n')))
        report->original_header_end = end;
    if (h.count > 0) {
        report->has_original = true;
        dsn_parse_set_decoded(&report->original_subject, &h, "Subject");
        dsn_parse_set_decoded(&report->original_from, &h, "From");
        dsn_parse_set_decoded(&report->original_to, &h, "To");
        dsn_parse_set_decoded(&report->original_date, &h, "Date");
        dsn_parse_set_decoded(&report->original_message_id, &h, "Message-ID");
        dsn_parse_set_decoded(&report->original_content_language, &h,
                              "Content-Language");
        dsn_parse_set_decoded(&report->original_accept_language, &h,
                              "Accept-Language");
        dsn_parse_set_decoded(&report->original_accept_language, &h,
                              "X-Accept-Language");
    }
    dsn_headers_free(&h);
}

/* Record the body's newline convention from its first line. */
static void dsn_parse_newline(const char *body, size_t len,
                              struct dsn_report *report)
{
    const char *nl = memchr(body, '\n', len);

    if (nl && nl > body && nl[-1] == '\r')
        strcpy(report->newline, "\r\n");
    else
        strcpy(report->newline, "\n");
}

/*
 * Locate up to three parts.  Return the number found; parts[i].whole
 * ends where the next delimiter's line begins, or at len for a third
 * part whose end was not searched for.
 */
static int dsn_parse_locate(const char *body, size_t len, const char *boundary,
                            struct dsn_parse_part parts[3])
{
    char *dash = g_strconcat("--", boundary, NULL);
    size_t dash_len = strlen(dash);
    size_t line_start;
    size_t next;
    size_t pos = 0;
    bool close = false;
    int count = 0;

    if (!dsn_parse_next_delimiter(body, len, dash, dash_len, 0, &line_start,
                                  &next, &close) ||
        close) {
        g_free(dash);
        return (0);
    }
    pos = next;
    while (count < 3) {
        parts[count].whole.start = pos;
        if (count == 2) {
            parts[count].whole.end = len;
            count++;
            break;
        }
        if (!dsn_parse_next_delimiter(body, len, dash, dash_len, pos,
                                      &line_start, &next, &close)) {
            /* A part without its closing delimiter ends with the body. */
            parts[count].whole.end = len;
            count++;
            break;
        }
        parts[count].whole.end = line_start < pos ? pos : line_start;
        count++;
        pos = next;
        if (close)
            break;
    }
    g_free(dash);
    return (count);
}

/* Check the located parts and read them into report. */
static int dsn_parse_parts(const char *body, size_t len,
                           struct dsn_parse_part *parts, int count,
                           struct dsn_report *report, const char **reason)
{
    for (int i = 0; i < count; i++) {
        if (!dsn_parse_part_headers(body, &parts[i])) {
            *reason = "malformed MIME part header";
            return (-1);
        }
    }
    if (count < 2) {
        *reason = "delivery-status part not found";
        return (-1);
    }
    if (dsn_parse_part_is(&parts[1], "message", "global-delivery-status"))
        report->global = true;
    else if (!dsn_parse_part_is(&parts[1], "message", "delivery-status")) {
        *reason = "second part is not message/delivery-status";
        return (-1);
    }
    if (!dsn_parse_part_is(&parts[0], "text", "plain") &&
        !dsn_parse_part_is(&parts[0], "text", "html") &&
        !dsn_parse_part_is(&parts[0], "multipart", "alternative")) {
        *reason = "first part is not human-readable text";
        return (-1);
    }
    if (parts[1].content.end - parts[1].content.start > DSN_PARSE_MAX_STATUS) {
        *reason = "delivery-status part larger than 1 MiB";
        return (-1);
    }
    if (!dsn_parse_status_part(body, &parts[1], report)) {
        *reason = "delivery-status part has no recipient fields";
        return (-1);
    }
    for (size_t i = 0; i < report->recipient_count; i++) {
        if (!report->recipients[i].status_valid) {
            *reason = "invalid or missing Status field";
            return (-1);
        }
    }
    report->human = parts[0].whole;
    report->status_part = parts[1].whole;
    report->status_content = parts[1].content;
    report->status_encoded = dsn_parse_is_encoded(parts[1].encoding);
    if (count == 3) {
        report->original_part = parts[2].whole;
        dsn_parse_original(body, len, &parts[2], report);
    }
    return (0);
}

int dsn_parse_message(const struct dsn_headers *headers, const char *body,
                      size_t body_len, struct dsn_report *report,
                      const char **reason)
{
    struct dsn_parse_part parts[3];
    int count;
    int rc;

    memset(report, 0, sizeof(*report));
    memset(parts, 0, sizeof(parts));
    report->kind = DSN_PARSE_NONE;
    *reason = NULL;
    if (!dsn_parse_is_report(dsn_headers_get(headers, "Content-Type"),
                             &report->boundary))
        return (0);
    report->kind = DSN_PARSE_DSN;
    dsn_parse_newline(body, body_len, report);
    count = dsn_parse_locate(body, body_len, report->boundary, parts);
    if (count == 0) {
        *reason = "MIME boundary not found in the body";
        return (-1);
    }
    rc = dsn_parse_parts(body, body_len, parts, count, report, reason);
    for (int i = 0; i < count; i++)
        dsn_parse_part_free(&parts[i]);
    return (rc);
}

bool dsn_parse_original_end(const char *body, size_t body_len,
                            struct dsn_report *report)
{
    char *dash = g_strconcat("--", report->boundary, NULL);
    size_t line_start;
    size_t next;
    bool close;
    bool found;

    found = dsn_parse_next_delimiter(body, body_len, dash, strlen(dash),
                                     report->original_part.start, &line_start,
                                     &next, &close);
    g_free(dash);
    if (!found || line_start < report->original_content.start)
        return (false);
    report->original_part.end = line_start;
    report->original_content.end = line_start;
    return (true);
}

static void dsn_parse_recipient_free(struct dsn_recipient *rcpt)
{
    g_free(rcpt->final_recipient);
    g_free(rcpt->address);
    g_free(rcpt->original_recipient);
    g_free(rcpt->action);
    g_free(rcpt->status_text);
    g_free(rcpt->remote_mta);
    g_free(rcpt->diagnostic_code);
    g_free(rcpt->last_attempt_date);
    g_free(rcpt->will_retry_until);
    g_free(rcpt->final_log_id);
}

void dsn_parse_free(struct dsn_report *report)
{
    for (size_t i = 0; i < report->recipient_count; i++)
        dsn_parse_recipient_free(&report->recipients[i]);
    g_free(report->recipients);
    g_free(report->boundary);
    g_free(report->reporting_mta);
    g_free(report->original_envelope_id);
    g_free(report->arrival_date);
    g_free(report->received_from_mta);
    g_free(report->dsn_gateway);
    g_free(report->postfix_queue_id);
    g_free(report->postfix_sender);
    g_free(report->original_subject);
    g_free(report->original_from);
    g_free(report->original_to);
    g_free(report->original_date);
    g_free(report->original_message_id);
    g_free(report->original_content_language);
    g_free(report->original_accept_language);
    memset(report, 0, sizeof(*report));
}
