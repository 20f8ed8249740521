/*
 * dsn_config - the libconfig file
 *
 * Loads and checks the configuration: global settings, the per-code
 * messages and the failure, delay and success layouts.  Every template
 * is compiled at load time.  Errors name the file, the line, the value
 * and the fix; a config with any error is not returned.
 */
#ifndef DSN_CONFIG_H
#define DSN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "dsn_status.h"
#include "dsn_template.h"

enum dsn_audience {
    DSN_AUDIENCE_ANY,
    DSN_AUDIENCE_INTERNAL,
    DSN_AUDIENCE_EXTERNAL,
};

enum dsn_outcome {
    DSN_OUTCOME_FAILURE,
    DSN_OUTCOME_DELAY,
    DSN_OUTCOME_SUCCESS,
    DSN_OUTCOME_COUNT
};

/* One entry of the messages list. */
struct dsn_config_message {
    struct dsn_status_pattern pattern;
    char *code;     /* as written: "5.1.x" */
    char *language; /* BCP 47 tag, or NULL for any */
    enum dsn_audience audience;
    struct dsn_template *text;
    struct dsn_template *html; /* NULL: made from text */
    int line;
};

/* A layout: the whole notification for one outcome. */
struct dsn_config_layout {
    struct dsn_template *subject;
    struct dsn_template *text;
    struct dsn_template *recipient;      /* block per recipient */
    struct dsn_template *html;           /* NULL: made from text */
    struct dsn_template *recipient_html; /* NULL: from recipient */
    char *language;                      /* NULL: any language */
    enum dsn_audience audience;
    enum dsn_outcome outcome;
    int line;
};

/* Settings that differ between internal and external senders. */
struct dsn_config_audience {
    char *default_language;      /* NULL: the global default_language */
    bool detect_language;        /* read the original's language headers */
    bool html;                   /* multipart/alternative with text/html */
    char *from;                  /* From address of the DSN, or NULL */
    char *from_name;             /* its display name, or NULL */
    long long max_returned_size; /* -1: no limit; 0: headers only */
    char *reporting_authority;   /* replaces Reporting-MTA */
    bool hide_internal_hosts;
    bool hide_postfix_fields;
    bool hide_expansion;
};

struct dsn_config {
    char *path;
    char *postmaster;        /* address shown to senders */
    char *reporting_host;    /* NULL: the MTA's host name */
    size_t max_message_size; /* larger DSNs pass through unchanged */
    bool rewrite_foreign;    /* also rewrite DSNs from other MTAs */
    char *default_language;
    struct dsn_config_message *messages;
    size_t message_count;
    /* Layouts with neither language nor audience, one per outcome. */
    struct dsn_config_layout layouts[DSN_OUTCOME_COUNT];
    /* Layouts for a language or an audience, in file order. */
    struct dsn_config_layout *variants;
    size_t variant_count;
    /* Domains of internal senders and hosts: "example.com" exactly,
     * ".example.com" for its subdomains; lower case. */
    GPtrArray *internal_domains;
    /* Codes whose DSNs are copied to copy_to. */
    struct dsn_status_pattern *copy_codes;
    size_t copy_code_count;
    char *copy_to;                           /* NULL: the postmaster address */
    struct dsn_config_audience audiences[3]; /* by enum dsn_audience */
};

/* Default path, set by configure. */
#ifndef DSN_CONFIG_DEFAULT_PATH
#define DSN_CONFIG_DEFAULT_PATH "/etc/dsn-milter/dsn-milter.conf"
#endif

/*
 * Load path.  On success return the config.  On failure return NULL and
 * append one line per problem to errors ("FILE:LINE: ...").
 */
struct dsn_config *dsn_config_load(const char *path, GString *errors);

void dsn_config_free(struct dsn_config *config);

/* "failure", "delay", "success". */
const char *dsn_config_outcome_name(enum dsn_outcome outcome);

#endif
