/*
 * dsn_html - HTML for DSN texts
 *
 * Escapes untrusted text, turns plain text into HTML, and checks that an
 * administrator's html template uses only a safe set of tags and
 * attributes: no script, style, event handlers, images or other remote
 * content.
 */
#ifndef DSN_HTML_H
#define DSN_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

/* Append text to out with & < > " ' written as character references. */
void dsn_html_escape(GString *out, const char *text);

/*
 * Append plain text as HTML: escaped, each line ending in <br>, leading
 * spaces kept as non-breaking spaces.
 */
void dsn_html_from_text(GString *out, const char *text);

/*
 * Check an html template.  Return true when every tag and attribute is
 * allowed; else write what is wrong and how to fix it into error.
 */
bool dsn_html_check(const char *html, char *error, size_t error_size);

#endif
