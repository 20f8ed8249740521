/*
 * dsn_compose - write the new human-readable part and Subject
 *
 * Builds the MIME part that replaces the first part of a DSN, and the
 * encoded value of the new Subject.  Output is safe for 7-bit transport.
 */
#ifndef DSN_COMPOSE_H
#define DSN_COMPOSE_H

#include <glib.h>

/*
 * Append a text/plain part (header fields, empty line, content) holding
 * text (UTF-8, "\n" line ends) to out.  Lines end in newline ("\r\n" or
 * "\n").  language, when not NULL, becomes Content-Language.  The content
 * never contains a line starting with "--" boundary.
 */
void dsn_compose_part(const char *text, const char *language,
                      const char *newline, const char *boundary, GString *out);

/*
 * Append a multipart/alternative part with a text/plain and a text/html
 * alternative (RFC 2046 section 5.1.4), under a boundary that neither
 * starts with boundary nor is its prefix.
 */
void dsn_compose_alternative(const char *text, const char *html,
                             const char *language, const char *newline,
                             const char *boundary, GString *out);

/*
 * Return the Subject value for text (UTF-8, one line).  Printable ASCII
 * stays as it is.  Otherwise the leading ASCII words stay, and the rest
 * becomes RFC 2047 base64 words of whole characters.  The value is folded
 * with "\n\t" where a line would pass 78 characters.  No word but the
 * last ends in "=" padding, because GMime 3.2.13 joins adjacent words
 * before decoding and stops at padding inside the joined text.
 */
char *dsn_compose_subject(const char *text);

#endif
