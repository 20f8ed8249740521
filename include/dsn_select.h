/*
 * dsn_select - who a DSN is for, and which texts it gets
 *
 * Decides the audience (internal or external sender), the language, the
 * layout and each recipient's message entry.
 */
#ifndef DSN_SELECT_H
#define DSN_SELECT_H

#include <stdbool.h>

#include "dsn_config.h"
#include "dsn_parse.h"

/* Source of the chosen language, for the log. */
enum dsn_select_source {
    DSN_SELECT_DETECTED, /* the original's language headers */
    DSN_SELECT_DEFAULT,  /* the audience's or global default */
    DSN_SELECT_FALLBACK, /* texts without a language tag */
};

/*
 * Return DSN_AUDIENCE_INTERNAL when the address's domain is listed in
 * internal_domains ("example.com" exactly, ".example.com" for
 * subdomains), else DSN_AUDIENCE_EXTERNAL.  NULL or an address without a
 * domain is external.
 */
enum dsn_audience dsn_select_audience(const struct dsn_config *config,
                                      const char *address);

/* Return true when a host name is in an internal domain. */
bool dsn_select_internal_domain(const struct dsn_config *config,
                                const char *host);

/*
 * Return true for an IP address in a private, loopback, link-local or
 * shared range (RFC 1918, RFC 6598, RFC 4193), with or without brackets
 * and an "IPv6:" prefix.
 */
bool dsn_select_private_address(const char *text);

/*
 * Return the language tag whose texts the DSN gets, as the config spells
 * it, or NULL for the texts that have no language tag.  When the audience
 * detects languages, tries each tag of the original's Content-Language,
 * then of Accept-Language or X-Accept-Language by q-value.  Then it tries
 * the audience's default_language and the global one.  Each tag is tried
 * exactly, then by its primary subtag.  A tag naming the global
 * default_language selects the texts without a tag (NULL) unless some
 * texts carry that tag.
 */
const char *dsn_select_language(const struct dsn_config *config,
                                enum dsn_audience audience,
                                const struct dsn_report *report,
                                enum dsn_select_source *source);

/*
 * Return the config's spelling of tag when some text has that language,
 * else of its primary subtag ("pt" for "pt-BR"), else NULL.
 */
const char *dsn_select_match(const struct dsn_config *config, const char *tag);

/*
 * Return the message entry for status: among entries in language (or,
 * when none of those matches, entries without a language), the most
 * specific code, and for one code the audience's own entry before an
 * "any" entry.  Entries for the other audience are skipped.  NULL when
 * nothing matches.
 */
const struct dsn_config_message *
dsn_select_message(const struct dsn_config *config,
                   const struct dsn_status *status, enum dsn_audience audience,
                   const char *language);

/*
 * Return the layout for outcome: language and audience both matching,
 * then language, then audience, then the base layout.
 */
const struct dsn_config_layout *
dsn_select_layout(const struct dsn_config *config, enum dsn_outcome outcome,
                  enum dsn_audience audience, const char *language);

#endif
