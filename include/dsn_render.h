/*
 * dsn_render - choose the texts for a DSN and expand them
 *
 * Decides the outcome (failure, delay, success) of a parsed DSN, picks
 * each recipient's message by its status code, most specific pattern
 * first, and expands the layout into the new Subject and text.
 */
#ifndef DSN_RENDER_H
#define DSN_RENDER_H

#include <glib.h>

#include "dsn_config.h"
#include "dsn_parse.h"

/* Facts about the envelope and the MTA that the report does not hold. */
struct dsn_render_context {
    const char *sender;      /* the DSN's recipient; may be NULL */
    const char *hostname;    /* MTA host name, or NULL */
    const char *authority;   /* host name shown instead of any other */
    bool original_truncated; /* the returned message is cut to headers */
    enum dsn_audience audience;
    const char *language; /* from dsn_select_language(), or NULL */
    bool html;            /* also render an HTML version */
};

struct dsn_render_result {
    enum dsn_outcome outcome;
    char *subject;        /* UTF-8, one line */
    GString *text;        /* UTF-8, "\n" line ends */
    GString *html;        /* whole HTML document, or NULL */
    const char *language; /* of the texts chosen, or NULL */
};

/* Return the outcome a report's Action and Status fields describe. */
enum dsn_outcome dsn_render_outcome(const struct dsn_report *report);

/*
 * Return the message entry for a status code, or NULL when none of the
 * config's patterns matches it.
 */
const struct dsn_config_message *
dsn_render_select(const struct dsn_config *config,
                  const struct dsn_status *status);

/* Expand the layout for report into result. */
void dsn_render(const struct dsn_config *config,
                const struct dsn_report *report,
                const struct dsn_render_context *context,
                struct dsn_render_result *result);

void dsn_render_free(struct dsn_render_result *result);

/*
 * Return the host name a DSN shows: reporting_host, else hostname (the
 * MTA's macro j), else the report's Reporting-MTA, else this host's name.
 */
const char *dsn_render_host(const struct dsn_config *config,
                            const struct dsn_report *report,
                            const char *hostname);

#endif
