/*
 * dsn_compose - write the new human-readable part and Subject
 *
 * Exports dsn_compose_part(), dsn_compose_alternative() and
 * dsn_compose_subject().  Content that is
 * ASCII with short lines goes out as 7bit; other content as
 * quoted-printable, encoded by GMime.  A line of text that would look
 * like the report's boundary delimiter forces base64, whose alphabet has
 * no "-", so no text can end the part early.
 */
#include <stdbool.h>
#include <string.h>

#include <gmime/gmime.h>

#include "dsn_compose.h"
#include "dsn_util.h"

/*
 * Bytes of text per encoded word of a Subject.  45 bytes make 60 base64
 * characters, so a word stays under the 75 that RFC 2047 allows.
 */
#define DSN_COMPOSE_WORD_MIN 30
#define DSN_COMPOSE_WORD_MAX 45

/* Maximum line length sent as 7bit: the 998 that RFC 5322 allows. */
#define DSN_COMPOSE_MAX_7BIT_LINE 998

/* Return true when text is ASCII with no line over the 7bit limit. */
static bool dsn_compose_is_7bit(const char *text)
{
    size_t line = 0;

    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        if (*p >= 0x80 || (*p < 0x20 && *p != '\n' && *p != '\t'))
            return (false);
        line = *p == '\n' ? 0 : line + 1;
        if (line > DSN_COMPOSE_MAX_7BIT_LINE)
            return (false);
    }
    return (true);
}

/* Return a copy of text with "\r\n" and lone "\r" made "\n". */
static GString *dsn_compose_normalize(const char *text)
{
    GString *out = g_string_sized_new(strlen(text) + 1);

    for (const char *p = text; *p; p++) {
        if (*p == '\r') {
            if (p[1] != '\n')
                g_string_append_c(out, '\n');
            continue;
        }
        g_string_append_c(out, *p);
    }
    if (out->len == 0 || out->str[out->len - 1] != '\n')
        g_string_append_c(out, '\n');
    return (out);
}

/* Encode text with a GMime transfer encoding; "\n" line ends. */
static GString *dsn_compose_encode(const GString *text,
                                   GMimeContentEncoding encoding)
{
    GMimeEncoding state;
    GString *out;
    size_t n;

    g_mime_encoding_init_encode(&state, encoding);
    out = g_string_sized_new(g_mime_encoding_outlen(&state, text->len) + 1);
    n = g_mime_encoding_flush(&state, text->str, text->len, out->str);
    out->str[n] = 0;
    out->len = n;
    return (out);
}

/* Return true when some line of text starts with "--" boundary. */
static bool dsn_compose_has_delimiter(const GString *text,
                                      const char *boundary)
{
    char *dash = g_strconcat("--", boundary, NULL);
    size_t dash_len = strlen(dash);
    const char *p = text->str;
    const char *end = text->str + text->len;
    bool found = false;

    while (p < end && !found) {
        const char *hit = dsn_util_memmem(p, end - p, dash, dash_len);

        if (hit == NULL)
            break;
        found = (hit == text->str || hit[-1] == '\n');
        p = hit + 1;
    }
    g_free(dash);
    return (found);
}

/* Append text to out with each "\n" written as newline. */
static void dsn_compose_lines(GString *out, const GString *text,
                              const char *newline)
{
    if (strcmp(newline, "\n") == 0) {
        g_string_append_len(out, text->str, text->len);
        return;
    }
    for (size_t i = 0; i < text->len; i++) {
        if (text->str[i] == '\n')
            g_string_append(out, newline);
        else
            g_string_append_c(out, text->str[i]);
    }
}

/*
 * Append one text/SUBTYPE part.  avoid lists boundaries that no content
 * line may start with (after "--"), NULL-terminated.
 */
static void dsn_compose_leaf(const char *text, const char *subtype,
                             const char *language, const char *newline,
                             const char *const *avoid, GString *out)
{
    GString *plain = dsn_compose_normalize(text);
    GMimeContentEncoding encoding = GMIME_CONTENT_ENCODING_7BIT;
    GString *content = NULL;
    bool ascii = dsn_compose_is_7bit(plain->str);

    dsn_util_gmime_init();
    if (!ascii)
        encoding = GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
    for (const char *const *b = avoid; *b; b++)
        if (dsn_compose_has_delimiter(plain, *b))
            encoding = GMIME_CONTENT_ENCODING_BASE64;
    if (encoding != GMIME_CONTENT_ENCODING_7BIT)
        content = dsn_compose_encode(plain, encoding);
    /* A soft line break can start an encoded line with the delimiter. */
    for (const char *const *b = avoid;
         *b && content && encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
         b++) {
        if (dsn_compose_has_delimiter(content, *b)) {
            g_string_free(content, TRUE);
            encoding = GMIME_CONTENT_ENCODING_BASE64;
            content = dsn_compose_encode(plain, encoding);
        }
    }

    if (strcmp(subtype, "plain") == 0)
        g_string_append_printf(out, "Content-Description: Notification%s",
                               newline);
    g_string_append_printf(out, "Content-Type: text/%s; charset=%s%s", subtype,
                           ascii ? "us-ascii" : "utf-8", newline);
    g_string_append_printf(out, "Content-Transfer-Encoding: %s%s",
                           g_mime_content_encoding_to_string(encoding),
                           newline);
    if (language && *language)
        g_string_append_printf(out, "Content-Language: %s%s", language,
                               newline);
    g_string_append(out, newline);
    dsn_compose_lines(out, content ? content : plain, newline);
    if (content)
        g_string_free(content, TRUE);
    g_string_free(plain, TRUE);
}

void dsn_compose_part(const char *text, const char *language,
                      const char *newline, const char *boundary, GString *out)
{
    const char *avoid[] = {boundary, NULL};

    dsn_compose_leaf(text, "plain", language, newline, avoid, out);
}

/* Return true when one boundary string starts with the other. */
static bool dsn_compose_prefixed(const char *a, const char *b)
{
    size_t n = strlen(a) < strlen(b) ? strlen(a) : strlen(b);

    return (strncmp(a, b, n) == 0);
}

void dsn_compose_alternative(const char *text, const char *html,
                             const char *language, const char *newline,
                             const char *boundary, GString *out)
{
    char inner[64];
    const char *avoid[3] = {boundary, inner, NULL};

    do {
        g_snprintf(inner, sizeof(inner), "=_dsn-milter_%08x%08x",
                   g_random_int(), g_random_int());
    } while (dsn_compose_prefixed(inner, boundary));

    g_string_append_printf(out,
                           "Content-Description: Notification%s"
                           "Content-Type: multipart/alternative;%s"
                           "\tboundary=\"%s\"%s",
                           newline, newline, inner, newline);
    if (language && *language)
        g_string_append_printf(out, "Content-Language: %s%s", language,
                               newline);
    g_string_append_printf(out, "%s--%s%s", newline, inner, newline);
    dsn_compose_leaf(text, "plain", language, newline, avoid, out);
    g_string_append_printf(out, "%s--%s%s", newline, inner, newline);
    dsn_compose_leaf(html, "html", language, newline, avoid, out);
    g_string_append_printf(out, "%s--%s--%s", newline, inner, newline);
}

/* Return true when text is printable ASCII only. */
static bool dsn_compose_is_ascii(const char *text)
{
    for (const unsigned char *p = (const unsigned char *) text; *p; p++)
        if (*p < 0x20 || *p >= 0x7f)
            return (false);
    return (true);
}

/*
 * Return the byte length of the next chunk of text to encode as one
 * word: whole UTF-8 characters, at least DSN_COMPOSE_WORD_MIN bytes
 * unless text is shorter, and a multiple of 3 where one is reachable,
 * so the base64 has no "=" padding inside the subject.
 */
static size_t dsn_compose_chunk(const char *text)
{
    size_t len = 0;

    if (strlen(text) <= DSN_COMPOSE_WORD_MAX)
        return (strlen(text));
    while (text[len]) {
        len = (size_t) (g_utf8_next_char(text + len) - text);
        if (len >= DSN_COMPOSE_WORD_MIN && len % 3 == 0)
            break;
        if (len >= DSN_COMPOSE_WORD_MAX)
            break;
    }
    return (len);
}

/*
 * Return the length of the leading printable ASCII words of text, up to
 * and including the space before the first word with other characters.
 */
static size_t dsn_compose_ascii_prefix(const char *text)
{
    size_t space = 0;

    for (size_t i = 0; text[i]; i++) {
        unsigned char c = (unsigned char) text[i];

        if (c < 0x20 || c >= 0x7f)
            break;
        if (c == ' ')
            space = i + 1;
    }
    return (space);
}

/* Append text as base64 encoded words separated by spaces. */
static void dsn_compose_words(GString *out, const char *text)
{
    while (*text) {
        size_t len = dsn_compose_chunk(text);
        char *b64 = g_base64_encode((const guchar *) text, len);

        g_string_append_printf(
            out, "%s=?UTF-8?B?%s?=",
            out->len && out->str[out->len - 1] != ' ' ? " " : "", b64);
        g_free(b64);
        text += len;
    }
}

char *dsn_compose_subject(const char *text)
{
    char *clean = dsn_util_sanitize(text, -1);
    GString *encoded = g_string_new(NULL);
    char *header;
    char *folded;
    size_t len;
    char *value;

    dsn_util_gmime_init();
    if (dsn_compose_is_ascii(clean)) {
        g_string_append(encoded, clean);
    } else {
        /* Words before the first non-ASCII one stay readable. */
        size_t plain = dsn_compose_ascii_prefix(clean);

        g_string_append_len(encoded, clean, plain);
        dsn_compose_words(encoded, clean + plain);
    }
    header = g_strconcat("Subject: ", encoded->str, NULL);
    folded = g_mime_utils_unstructured_header_fold(NULL, NULL, header);
    len = strlen(folded);
    while (len > 0 && (folded[len - 1] == '\n' || folded[len - 1] == '\r'))
        folded[--len] = 0;
    value = g_strdup(folded + strlen("Subject: "));
    for (char *p = value; *p; p++)
        if (*p == '\n' && (p[1] == ' '))
            p[1] = '\t';
    g_free(folded);
    g_free(header);
    g_string_free(encoded, TRUE);
    g_free(clean);
    return (value);
}
