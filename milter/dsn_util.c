/*
 * dsn_util - small string helpers shared by the library
 */
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "dsn_util.h"

static gsize dsn_util_gmime_done;

void dsn_util_gmime_init(void)
{
    if (g_once_init_enter(&dsn_util_gmime_done)) {
        g_mime_init();
        g_once_init_leave(&dsn_util_gmime_done, 1);
    }
}

const char *dsn_util_memmem(const char *haystack, size_t haystack_len,
                            const char *needle, size_t needle_len)
{
    const char *p = haystack;
    const char *end = haystack + haystack_len;

    if (needle_len == 0)
        return (haystack);
    while (p + needle_len <= end) {
        p = memchr(p, needle[0], end - p - needle_len + 1);
        if (p == NULL)
            return (NULL);
        if (memcmp(p, needle, needle_len) == 0)
            return (p);
        p++;
    }
    return (NULL);
}

char *dsn_util_unfold(const char *value)
{
    GString *out = g_string_sized_new(strlen(value));
    const char *p = value;

    while (*p == ' ' || *p == '\t')
        p++;
    while (*p) {
        if (*p == '\r' || *p == '\n') {
            while (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t')
                p++;
            if (out->len && *p)
                g_string_append_c(out, ' ');
            continue;
        }
        g_string_append_c(out, *p++);
    }
    while (out->len &&
           (out->str[out->len - 1] == ' ' || out->str[out->len - 1] == '\t'))
        g_string_truncate(out, out->len - 1);
    return (g_string_free(out, FALSE));
}

char *dsn_util_sanitize(const char *text, long len)
{
    size_t n = len < 0 ? strlen(text) : (size_t) len;
    char *valid = g_utf8_make_valid(text, (gssize) n);
    GString *out = g_string_sized_new(strlen(valid));

    for (const char *p = valid; *p; p++) {
        unsigned char c = (unsigned char) *p;

        if (c == '\t' || c == '\n' || c == '\r')
            g_string_append_c(out, ' ');
        else if (c >= 0x20 && c != 0x7f)
            g_string_append_c(out, *p);
    }
    g_free(valid);
    return (g_string_free(out, FALSE));
}

char *dsn_util_printable(const char *text, size_t max)
{
    GString *out = g_string_new(NULL);

    if (text == NULL)
        return (g_strdup("(null)"));
    for (const char *p = text; *p && out->len < max; p++) {
        unsigned char c = (unsigned char) *p;

        g_string_append_c(out, c >= 0x20 && c < 0x7f ? *p : '?');
    }
    if (strlen(text) > max)
        g_string_append(out, "...");
    return (g_string_free(out, FALSE));
}
