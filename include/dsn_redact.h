/*
 * dsn_redact - hide internal details from external senders
 *
 * Applies an audience's hide_* and reporting_authority settings to the
 * parsed report (for the human-readable text) and to the raw
 * delivery-status part, which stays valid RFC 3464: required fields are
 * rewritten, never dropped.
 */
#ifndef DSN_REDACT_H
#define DSN_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "dsn_config.h"
#include "dsn_parse.h"

/* Replacement text for a hidden host name or address. */
#define DSN_REDACT_HIDDEN "[hidden]"

/* Return true when the audience's settings change anything. */
bool dsn_redact_enabled(const struct dsn_config_audience *audience);

/*
 * Return a copy of text with every internal host name and private IP
 * address replaced by DSN_REDACT_HIDDEN.  A name right after "@" is the
 * domain of a mail address and is kept.
 */
char *dsn_redact_text(const struct dsn_config *config, const char *text);

/* Apply the settings to the report's fields. */
void dsn_redact_report(const struct dsn_config *config,
                       const struct dsn_config_audience *audience,
                       struct dsn_report *report);

/*
 * Return the delivery-status content rewritten by the settings, with
 * lines ending in newline, or NULL when nothing changes.
 */
GString *dsn_redact_status(const struct dsn_config *config,
                           const struct dsn_config_audience *audience,
                           const char *content, size_t len,
                           const char *newline);

#endif
