/*
 * dsn_split - check that a rewritten DSN differs only where it may
 *
 * Usage: dsn_split INPUT OUTPUT
 *
 * INPUT is a multipart message and OUTPUT its form after "dsnctl render".
 * The check is written without the library's MIME parser, so that a
 * parser error cannot hide itself.  OUTPUT may differ from INPUT only in
 * the first Subject field and in the first body part.  Everything else
 * must be byte for byte the same:
 *
 *   - the header block, once the first Subject field is removed from
 *     both (a Subject that INPUT lacks is expected as the last field of
 *     OUTPUT);
 *   - the body up to the end of the first boundary delimiter line;
 *   - the body from the newline before the second delimiter line to the
 *     end of the message, which contains the delivery-status part and the
 *     returned message.
 *
 * Delimiter lines follow RFC 2046 section 5.1.1: "--" boundary,
 * optionally "--", then only spaces or tabs up to the line end.  The
 * boundary is the parameter of INPUT's Content-Type, read with GMime.
 *
 * Prints the offsets it compared.  Exit status: 0 the check passed,
 * 1 a difference (described on standard output), 2 an input could not
 * be read or has no header block, boundary or two delimiter lines.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#define DSN_SPLIT_DIFFERENT 1
#define DSN_SPLIT_ERROR 2

/* A message file and the offsets found in it. */
struct dsn_split_message {
    const char *path;
    char *data;
    size_t len;
    size_t body;         /* first byte after the empty line */
    size_t first_end;    /* first byte after the first delimiter */
    size_t second_start; /* the newline before the second one */
};

/* One header field: its raw bytes, continuation lines included. */
struct dsn_split_field {
    size_t start;
    size_t end;
};

static size_t dsn_split_line_end(const char *data, size_t len, size_t p)
{
    const char *nl = memchr(data + p, '\n', len - p);

    return (nl ? (size_t) (nl - data) + 1 : len);
}

/* Return true when [p, end) is an empty line, "\n" or "\r\n". */
static bool dsn_split_blank(const char *data, size_t p, size_t end)
{
    return ((end - p == 1 && data[p] == '\n') ||
            (end - p == 2 && data[p] == '\r' && data[p + 1] == '\n'));
}

/* Find the empty line that ends the header block; store the body offset. */
static bool dsn_split_find_body(struct dsn_split_message *msg)
{
    size_t p = 0;

    while (p < msg->len) {
        size_t end = dsn_split_line_end(msg->data, msg->len, p);

        if (dsn_split_blank(msg->data, p, end)) {
            msg->body = end;
            return (true);
        }
        p = end;
    }
    return (false);
}

/* Split the header block into fields; return them in a new array. */
static GArray *dsn_split_fields(const struct dsn_split_message *msg)
{
    GArray *fields = g_array_new(FALSE, FALSE, sizeof(struct dsn_split_field));
    size_t p = 0;

    while (p < msg->body) {
        size_t end = dsn_split_line_end(msg->data, msg->body, p);
        char c = msg->data[p];

        if ((c == ' ' || c == '\t') && fields->len > 0)
            g_array_index(fields, struct dsn_split_field, fields->len - 1)
                .end = end;
        else if (!dsn_split_blank(msg->data, p, end)) {
            struct dsn_split_field field = {p, end};

            g_array_append_val(fields, field);
        }
        p = end;
    }
    return (fields);
}

/* Return true when the field's name is name, in any case. */
static bool dsn_split_field_is(const struct dsn_split_message *msg,
                               const struct dsn_split_field *field,
                               const char *name)
{
    size_t n = strlen(name);
    size_t p = field->start + n;

    if (field->end - field->start < n + 1 ||
        g_ascii_strncasecmp(msg->data + field->start, name, n) != 0)
        return (false);
    while (p < field->end && (msg->data[p] == ' ' || msg->data[p] == '\t'))
        p++;
    return (p < field->end && msg->data[p] == ':');
}

/* Return the header block without its first Subject field. */
static GString *
dsn_split_headers_without_subject(const struct dsn_split_message *msg,
                                  bool *had_subject)
{
    GArray *fields = dsn_split_fields(msg);
    GString *out = g_string_new(NULL);

    *had_subject = false;
    for (guint i = 0; i < fields->len; i++) {
        const struct dsn_split_field *f =
            &g_array_index(fields, struct dsn_split_field, i);

        if (!*had_subject && dsn_split_field_is(msg, f, "Subject")) {
            *had_subject = true;
            continue;
        }
        g_string_append_len(out, msg->data + f->start, f->end - f->start);
    }
    g_array_free(fields, TRUE);
    return (out);
}

/* Return the boundary of the Content-Type field, or NULL. */
static char *dsn_split_boundary(const struct dsn_split_message *msg)
{
    GArray *fields = dsn_split_fields(msg);
    char *boundary = NULL;

    for (guint i = 0; i < fields->len && boundary == NULL; i++) {
        const struct dsn_split_field *f =
            &g_array_index(fields, struct dsn_split_field, i);
        const char *colon;
        GString *value;
        GMimeContentType *type;
        const char *param;

        if (!dsn_split_field_is(msg, f, "Content-Type"))
            continue;
        colon = memchr(msg->data + f->start, ':', f->end - f->start);
        value = g_string_new(NULL);
        for (const char *p = colon + 1; p < msg->data + f->end; p++)
            if (*p != '\r' && *p != '\n')
                g_string_append_c(value, *p);
        type = g_mime_content_type_parse(NULL, value->str);
        param =
            type ? g_mime_content_type_get_parameter(type, "boundary") : NULL;
        if (param && *param)
            boundary = g_strdup(param);
        if (type)
            g_object_unref(type);
        g_string_free(value, TRUE);
        break;
    }
    g_array_free(fields, TRUE);
    return (boundary);
}

/* Return true when the line [p, end) is a delimiter of dash ("--b"). */
static bool dsn_split_is_delimiter(const char *data, size_t p, size_t end,
                                   const char *dash, size_t dash_len)
{
    size_t q = p + dash_len;

    if (end - p < dash_len || memcmp(data + p, dash, dash_len) != 0)
        return (false);
    if (q + 1 < end && data[q] == '-' && data[q + 1] == '-')
        q += 2;
    while (q < end && (data[q] == ' ' || data[q] == '\t'))
        q++;
    if (q < end && data[q] == '\r')
        q++;
    return (q == end || (data[q] == '\n' && q + 1 == end));
}

/* Find the first two delimiter lines of the body. */
static bool dsn_split_find_parts(struct dsn_split_message *msg,
                                 const char *boundary)
{
    char *dash = g_strconcat("--", boundary, NULL);
    size_t dash_len = strlen(dash);
    size_t p = msg->body;
    int found = 0;

    while (p < msg->len && found < 2) {
        size_t end = dsn_split_line_end(msg->data, msg->len, p);

        if (dsn_split_is_delimiter(msg->data, p, end, dash, dash_len)) {
            if (found == 0) {
                msg->first_end = end;
            } else {
                msg->second_start = p;
                if (p > msg->body && msg->data[p - 1] == '\n')
                    msg->second_start = p - 1;
                if (msg->second_start > msg->body &&
                    msg->data[msg->second_start - 1] == '\r')
                    msg->second_start--;
            }
            found++;
        }
        p = end;
    }
    g_free(dash);
    return (found == 2);
}

static bool dsn_split_read(struct dsn_split_message *msg)
{
    GError *error = NULL;
    gsize len;

    if (!g_file_get_contents(msg->path, &msg->data, &len, &error)) {
        printf("dsn_split: cannot read %s: %s\n", msg->path, error->message);
        g_error_free(error);
        return (false);
    }
    msg->len = len;
    if (!dsn_split_find_body(msg)) {
        printf("dsn_split: %s: no empty line after the header block\n",
               msg->path);
        return (false);
    }
    return (true);
}

/* Print the first differing offset of two byte ranges; return equality. */
static bool dsn_split_same(const char *what, const char *a, size_t a_len,
                           const char *b, size_t b_len)
{
    size_t n = a_len < b_len ? a_len : b_len;
    size_t i = 0;

    while (i < n && a[i] == b[i])
        i++;
    if (i == n && a_len == b_len)
        return (true);
    printf("dsn_split: %s differ at byte %zu of %zu (input) and %zu "
           "(output)\n",
           what, i, a_len, b_len);
    return (false);
}

/* Compare the header blocks, Subject aside. */
static bool dsn_split_compare_headers(const struct dsn_split_message *in,
                                      const struct dsn_split_message *out)
{
    bool in_subject;
    bool out_subject;
    GString *a = dsn_split_headers_without_subject(in, &in_subject);
    GString *b = dsn_split_headers_without_subject(out, &out_subject);
    bool same = dsn_split_same("header fields other than Subject", a->str,
                               a->len, b->str, b->len);

    if (!out_subject) {
        printf("dsn_split: the output has no Subject field\n");
        same = false;
    }
    g_string_free(a, TRUE);
    g_string_free(b, TRUE);
    return (same);
}

static int dsn_split_compare(struct dsn_split_message *in,
                             struct dsn_split_message *out)
{
    char *boundary = dsn_split_boundary(in);
    bool same;

    if (boundary == NULL) {
        printf("dsn_split: %s: no boundary parameter in Content-Type\n",
               in->path);
        return (DSN_SPLIT_ERROR);
    }
    if (!dsn_split_find_parts(in, boundary)) {
        printf("dsn_split: %s: fewer than two delimiter lines\n", in->path);
        g_free(boundary);
        return (DSN_SPLIT_ERROR);
    }
    if (!dsn_split_find_parts(out, boundary)) {
        printf("dsn_split: %s: fewer than two delimiter lines\n", out->path);
        g_free(boundary);
        return (DSN_SPLIT_DIFFERENT);
    }
    printf("input:  body %zu, first part %zu-%zu, rest %zu-%zu\n", in->body,
           in->first_end, in->second_start, in->second_start, in->len);
    printf("output: body %zu, first part %zu-%zu, rest %zu-%zu\n", out->body,
           out->first_end, out->second_start, out->second_start, out->len);
    same = dsn_split_compare_headers(in, out);
    same &= dsn_split_same("preambles and first delimiter lines",
                           in->data + in->body, in->first_end - in->body,
                           out->data + out->body, out->first_end - out->body);
    same &= dsn_split_same(
        "bytes from the second delimiter on", in->data + in->second_start,
        in->len - in->second_start, out->data + out->second_start,
        out->len - out->second_start);
    g_free(boundary);
    return (same ? 0 : DSN_SPLIT_DIFFERENT);
}

int main(int argc, char **argv)
{
    struct dsn_split_message in = {0};
    struct dsn_split_message out = {0};
    int rc;

    if (argc != 3) {
        fprintf(stderr, "Usage: dsn_split INPUT OUTPUT\n");
        return (DSN_SPLIT_ERROR);
    }
    g_mime_init();
    in.path = argv[1];
    out.path = argv[2];
    if (!dsn_split_read(&in) || !dsn_split_read(&out))
        rc = DSN_SPLIT_ERROR;
    else
        rc = dsn_split_compare(&in, &out);
    g_free(in.data);
    g_free(out.data);
    g_mime_shutdown();
    return (rc);
}
