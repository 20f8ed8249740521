/*
 * dsn_util - small string helpers shared by the library
 */
#ifndef DSN_UTIL_H
#define DSN_UTIL_H

#include <stddef.h>

/* Initialize GMime once per process; safe from any thread. */
void dsn_util_gmime_init(void);

/* memmem() without depending on _GNU_SOURCE. */
const char *dsn_util_memmem(const char *haystack, size_t haystack_len,
                            const char *needle, size_t needle_len);

/*
 * Return a copy of a header value with folding removed: each newline
 * (with its carriage return) and the white space after it become one
 * space.  Leading and trailing white space is removed.
 */
char *dsn_util_unfold(const char *value);

/*
 * Return a copy of text (len bytes, or up to NUL when len < 0) that is
 * valid UTF-8 and has no control characters: invalid sequences become
 * U+FFFD, tabs and newlines a space, other controls are dropped.
 */
char *dsn_util_sanitize(const char *text, long len);

/*
 * Return a copy fit for a log line: ASCII printable only, other bytes as
 * "?", cut to max bytes with "..." appended when longer.
 */
char *dsn_util_printable(const char *text, size_t max);

#endif
