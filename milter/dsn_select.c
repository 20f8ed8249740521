/*
 * dsn_select - who a DSN is for, and which texts it gets
 *
 * Exports dsn_select_audience(), dsn_select_internal_domain(),
 * dsn_select_private_address(), dsn_select_language(),
 * dsn_select_message() and dsn_select_layout().  Selection walks the
 * config's arrays; they are short (tens of entries), so no index is kept.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "dsn_select.h"

bool dsn_select_internal_domain(const struct dsn_config *config,
                                const char *host)
{
    size_t len;

    if (host == NULL || config->internal_domains == NULL)
        return (false);
    len = strlen(host);
    while (len > 0 && host[len - 1] == '.')
        len--;
    for (guint i = 0; i < config->internal_domains->len; i++) {
        const char *d = g_ptr_array_index(config->internal_domains, i);
        size_t dlen = strlen(d);

        if (*d == '.') {
            if (len > dlen &&
                g_ascii_strncasecmp(host + len - dlen, d, dlen) == 0)
                return (true);
        } else if (len == dlen && g_ascii_strncasecmp(host, d, len) == 0) {
            return (true);
        }
    }
    return (false);
}

enum dsn_audience dsn_select_audience(const struct dsn_config *config,
                                      const char *address)
{
    const char *at = address ? strrchr(address, '@') : NULL;
    char *domain;
    bool internal;

    if (at == NULL)
        return (DSN_AUDIENCE_EXTERNAL);
    domain = g_strndup(at + 1, strcspn(at + 1, "> "));
    internal = dsn_select_internal_domain(config, domain);
    g_free(domain);
    return (internal ? DSN_AUDIENCE_INTERNAL : DSN_AUDIENCE_EXTERNAL);
}

static bool dsn_select_private_v4(const unsigned char *a)
{
    return (a[0] == 10 || a[0] == 127 ||
            (a[0] == 172 && (a[1] & 0xf0) == 16) ||
            (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
            (a[0] == 100 && (a[1] & 0xc0) == 64));
}

static bool dsn_select_private_v6(const unsigned char *a)
{
    static const unsigned char loopback[16] = {[15] = 1};

    if (memcmp(a, loopback, 16) == 0)
        return (true);
    if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
        return (true);
    /* An IPv4-mapped address is private when its IPv4 part is. */
    if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
        return (dsn_select_private_v4(a + 12));
    return (false);
}

bool dsn_select_private_address(const char *text)
{
    unsigned char addr[16];
    char buf[64];
    size_t len;

    if (text == NULL)
        return (false);
    if (*text == '[')
        text++;
    if (g_ascii_strncasecmp(text, "IPv6:", 5) == 0)
        text += 5;
    len = strcspn(text, "]");
    if (len == 0 || len >= sizeof(buf))
        return (false);
    memcpy(buf, text, len);
    buf[len] = 0;
    if (inet_pton(AF_INET, buf, addr) == 1)
        return (dsn_select_private_v4(addr));
    if (inet_pton(AF_INET6, buf, addr) == 1)
        return (dsn_select_private_v6(addr));
    return (false);
}

/* Return the config's spelling of tag when some text uses it exactly. */
static const char *dsn_select_available(const struct dsn_config *config,
                                        const char *tag, size_t len)
{
    for (size_t i = 0; i < config->message_count; i++) {
        const char *l = config->messages[i].language;

        if (l && strlen(l) == len && g_ascii_strncasecmp(l, tag, len) == 0)
            return (l);
    }
    for (size_t i = 0; i < config->variant_count; i++) {
        const char *l = config->variants[i].language;

        if (l && strlen(l) == len && g_ascii_strncasecmp(l, tag, len) == 0)
            return (l);
    }
    return (NULL);
}

const char *dsn_select_match(const struct dsn_config *config, const char *tag)
{
    const char *found = dsn_select_available(config, tag, strlen(tag));

    if (found == NULL)
        found = dsn_select_available(config, tag, strcspn(tag, "-_"));
    return (found);
}

/*
 * Return true when tag, exactly or by its primary subtag, names the
 * language of the texts without a tag: the global default_language.
 */
static bool dsn_select_untagged(const struct dsn_config *config,
                                const char *tag)
{
    const char *def = config->default_language;
    size_t primary = strcspn(tag, "-_");

    if (def == NULL)
        return (false);
    return (g_ascii_strcasecmp(def, tag) == 0 ||
            (strlen(def) == primary &&
             g_ascii_strncasecmp(def, tag, primary) == 0));
}

/*
 * Resolve tag to the texts it selects: a tagged language in *language,
 * or NULL for the untagged texts.  Return false when nothing fits.
 */
static bool dsn_select_resolve(const struct dsn_config *config,
                               const char *tag, const char **language)
{
    const char *exact = dsn_select_available(config, tag, strlen(tag));

    if (exact == NULL && g_ascii_strcasecmp(tag, config->default_language
                                                     ? config->default_language
                                                     : "") != 0)
        exact = dsn_select_match(config, tag);
    if (exact) {
        *language = exact;
        return (true);
    }
    if (dsn_select_untagged(config, tag)) {
        *language = NULL;
        return (true);
    }
    return (false);
}

/* One language range of a header, with its weight. */
struct dsn_select_range {
    char tag[36];
    double q;
    unsigned order;
};

static int dsn_select_by_weight(const void *a, const void *b)
{
    const struct dsn_select_range *x = a;
    const struct dsn_select_range *y = b;

    if (x->q != y->q)
        return (x->q > y->q ? -1 : 1);
    return (x->order < y->order ? -1 : x->order > y->order);
}

/* Append the ranges of "de-CH, de;q=0.9, en;q=0.5" to ranges. */
static void dsn_select_ranges(const char *value, GArray *ranges)
{
    char **items;

    if (value == NULL)
        return;
    items = g_strsplit(value, ",", 32);
    for (int i = 0; items[i]; i++) {
        struct dsn_select_range r = {.q = 1.0, .order = ranges->len};
        char *semi = strchr(items[i], ';');
        char *q;

        if (semi) {
            *semi = 0;
            q = strstr(semi + 1, "q=");
            if (q)
                r.q = g_ascii_strtod(q + 2, NULL);
        }
        g_strstrip(items[i]);
        if (*items[i] == 0 || strcmp(items[i], "*") == 0 || r.q <= 0 ||
            strlen(items[i]) >= sizeof(r.tag))
            continue;
        g_strlcpy(r.tag, items[i], sizeof(r.tag));
        g_array_append_val(ranges, r);
    }
    g_strfreev(items);
}

/* Try the original message's language headers; see dsn_select_resolve. */
static bool dsn_select_detect(const struct dsn_config *config,
                              const struct dsn_report *report,
                              const char **language)
{
    GArray *ranges =
        g_array_new(FALSE, FALSE, sizeof(struct dsn_select_range));
    bool found = false;
    guint accept_start;

    dsn_select_ranges(report->original_content_language, ranges);
    accept_start = ranges->len;
    dsn_select_ranges(report->original_accept_language, ranges);
    /* Content-Language names the text's language: it goes first. */
    if (ranges->len > accept_start)
        qsort(&g_array_index(ranges, struct dsn_select_range, accept_start),
              ranges->len - accept_start, sizeof(struct dsn_select_range),
              dsn_select_by_weight);
    for (guint i = 0; i < ranges->len && !found; i++)
        found = dsn_select_resolve(
            config, g_array_index(ranges, struct dsn_select_range, i).tag,
            language);
    g_array_free(ranges, TRUE);
    return (found);
}

const char *dsn_select_language(const struct dsn_config *config,
                                enum dsn_audience audience,
                                const struct dsn_report *report,
                                enum dsn_select_source *source)
{
    const struct dsn_config_audience *a = &config->audiences[audience];
    const char *found = NULL;

    if (a->detect_language && report &&
        dsn_select_detect(config, report, &found)) {
        *source = DSN_SELECT_DETECTED;
        return (found);
    }
    if (a->default_language &&
        dsn_select_resolve(config, a->default_language, &found)) {
        *source = DSN_SELECT_DEFAULT;
        return (found);
    }
    found = NULL;
    if (config->default_language &&
        dsn_select_resolve(config, config->default_language, &found)) {
        *source = DSN_SELECT_DEFAULT;
        return (found);
    }
    *source = DSN_SELECT_FALLBACK;
    return (NULL);
}

/* Return true when an entry for entry_audience may serve audience. */
static bool dsn_select_serves(enum dsn_audience entry_audience,
                              enum dsn_audience audience)
{
    return (entry_audience == DSN_AUDIENCE_ANY ||
            audience == DSN_AUDIENCE_ANY || entry_audience == audience);
}

static bool dsn_select_same_language(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a == b);
    return (g_ascii_strcasecmp(a, b) == 0);
}

/* Best entry in one language, or NULL. */
static const struct dsn_config_message *
dsn_select_in_language(const struct dsn_config *config,
                       const struct dsn_status *status,
                       enum dsn_audience audience, const char *language)
{
    const struct dsn_config_message *best = NULL;
    int best_rank = -1;

    for (size_t i = 0; i < config->message_count; i++) {
        const struct dsn_config_message *m = &config->messages[i];
        int rank;

        if (!dsn_select_same_language(m->language, language) ||
            !dsn_select_serves(m->audience, audience))
            continue;
        rank = dsn_status_match(&m->pattern, status);
        if (rank < 0)
            continue;
        rank = rank * 2 + (m->audience != DSN_AUDIENCE_ANY);
        if (rank > best_rank) {
            best = m;
            best_rank = rank;
        }
    }
    return (best);
}

const struct dsn_config_message *
dsn_select_message(const struct dsn_config *config,
                   const struct dsn_status *status, enum dsn_audience audience,
                   const char *language)
{
    const struct dsn_config_message *m = NULL;

    if (language)
        m = dsn_select_in_language(config, status, audience, language);
    if (m == NULL)
        m = dsn_select_in_language(config, status, audience, NULL);
    return (m);
}

const struct dsn_config_layout *
dsn_select_layout(const struct dsn_config *config, enum dsn_outcome outcome,
                  enum dsn_audience audience, const char *language)
{
    const struct dsn_config_layout *best = &config->layouts[outcome];
    int best_rank = 0;

    for (size_t i = 0; i < config->variant_count; i++) {
        const struct dsn_config_layout *l = &config->variants[i];
        int rank = 0;

        if (l->outcome != outcome || !dsn_select_serves(l->audience, audience))
            continue;
        if (l->language && !dsn_select_same_language(l->language, language))
            continue;
        if (l->language)
            rank += 2;
        if (l->audience != DSN_AUDIENCE_ANY)
            rank += 1;
        if (rank > best_rank) {
            best = l;
            best_rank = rank;
        }
    }
    return (best);
}
