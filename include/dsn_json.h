/*
 * dsn_json - a parsed DSN as JSON
 */
#ifndef DSN_JSON_H
#define DSN_JSON_H

#include "dsn_parse.h"

/*
 * Return the report as a pretty-printed JSON document (caller frees).
 * error, when not NULL, is stored as "error" (a DSN that could not be
 * read); absent fields are null.
 */
char *dsn_json_report(const struct dsn_report *report, const char *error);

#endif
