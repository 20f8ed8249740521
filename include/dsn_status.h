/*
 * dsn_status - RFC 3463 enhanced status codes
 *
 * Parses "class.subject.detail" codes, matches them against the patterns
 * an administrator writes ("5.1.1", "5.1.x", "5.x.x", "default"), and
 * returns the standard description of a code (RFC 3463, RFC 5248 registry).
 */
#ifndef DSN_STATUS_H
#define DSN_STATUS_H

#include <stdbool.h>
#include <stddef.h>

/* An enhanced status code; each part is 0..999. */
struct dsn_status {
    int code_class; /* 2, 4 or 5 */
    int subject;
    int detail;
};

/* A code pattern; -1 in a part is the wildcard "x". */
struct dsn_status_pattern {
    int code_class; /* -1 only for "default" */
    int subject;
    int detail;
};

/* Specificity of a pattern: 3 exact, 2 "5.1.x", 1 "5.x.x", 0 default. */
#define DSN_STATUS_EXACT 3
#define DSN_STATUS_SUBJECT 2
#define DSN_STATUS_CLASS 1
#define DSN_STATUS_DEFAULT 0

/*
 * Parse a code at the start of text (leading white space skipped).  On
 * success store it, and the number of characters read in *len when len is
 * not NULL, and return true.  Return false for anything that is not a
 * class of 2, 4 or 5 followed by two parts of one to three digits.
 */
bool dsn_status_parse(const char *text, struct dsn_status *status,
                      size_t *len);

/* Parse "5.1.1", "5.1.x", "5.x.x" or "default"; "X" is accepted too. */
bool dsn_status_pattern_parse(const char *text,
                              struct dsn_status_pattern *pattern);

/* Return the pattern's specificity, or -1 when it does not match. */
int dsn_status_match(const struct dsn_status_pattern *pattern,
                     const struct dsn_status *status);

/* Format as "5.1.1" into buf (at least 12 bytes). */
char *dsn_status_format(const struct dsn_status *status, char *buf,
                        size_t size);

/*
 * Return the standard description of the code ("Bad destination mailbox
 * address"): the detail's title when the registry has one, else the
 * subject's, else the class's.  Never NULL.
 */
const char *dsn_status_describe(const struct dsn_status *status);

#endif
