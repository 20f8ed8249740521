/*
 * dsn_status - RFC 3463 enhanced status codes
 *
 * dsn_status_parse() reads a "class.subject.detail" code at the start of
 * a text: the value of a Status: field, or an SMTP reply text after its
 * three-digit reply code.  The class is one of the digits 2, 4 or 5, the
 * subject and the detail are one to three digits each (RFC 3463, section
 * 2), and leading zeros are accepted.  After the detail the code must end:
 *
 *   "5.1.1 user unknown"  a code, 5 characters read
 *   "5.1.1: user unknown" a code, any character but a digit or "." ends it
 *   "5.1.1. User unknown" a code: a "." that ends a sentence is not part
 *                         of it
 *   "5.1.1.2"             not a code: "." followed by a letter or a digit
 *                         continues a longer dotted token
 *   "5.1.1000"            not a code: a fourth digit
 *
 * dsn_status_pattern_parse() reads the patterns written in the config:
 * "5.1.1", "5.1.x", "5.x.x" and "default".  dsn_status_match() returns
 * how specific a matching pattern is, so the most specific entry can win.
 *
 * dsn_status_describe() returns titles from a static table indexed by
 * subject and detail, so a lookup is two array reads.  The table contains
 * the detail codes of RFC 3463 and the IANA "SMTP Enhanced Status Codes"
 * registry (RFC 5248) with the later registrations up to X.7.30
 * (REQUIRETLS, RFC 8689).  A code registered after that falls back to
 * its subject's title.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdio.h>

#include "dsn_status.h"

#define DSN_STATUS_PART_DIGITS 3 /* max digits of subject, detail */
#define DSN_STATUS_WILDCARD (-1)
#define DSN_STATUS_SUBJECT_MAX 7
#define DSN_STATUS_DETAIL_MAX 30

/*
 * Detail titles as the registry writes them, capitals included, indexed
 * by [subject][detail].  The detail titles do not depend on the class.
 */
static const char
    *const dsn_status_detail_titles[DSN_STATUS_SUBJECT_MAX +
                                    1][DSN_STATUS_DETAIL_MAX + 1] = {
        [0] =
            {
                [0] = "Other undefined Status",
            },
        [1] =
            {
                [0] = "Other address status",
                [1] = "Bad destination mailbox address",
                [2] = "Bad destination system address",
                [3] = "Bad destination mailbox address syntax",
                [4] = "Destination mailbox address ambiguous",
                [5] = "Destination address valid",
                [6] = "Destination mailbox has moved, No forwarding address",
                [7] = "Bad sender's mailbox address syntax",
                [8] = "Bad sender's system address",
                [9] = "Message relayed to non-compliant mailer",
                [10] = "Recipient address has null MX",
            },
        [2] =
            {
                [0] = "Other or undefined mailbox status",
                [1] = "Mailbox disabled, not accepting messages",
                [2] = "Mailbox full",
                [3] = "Message length exceeds administrative limit",
                [4] = "Mailing list expansion problem",
            },
        [3] =
            {
                [0] = "Other or undefined mail system status",
                [1] = "Mail system full",
                [2] = "System not accepting network messages",
                [3] = "System not capable of selected features",
                [4] = "Message too big for system",
                [5] = "System incorrectly configured",
                [6] = "Requested priority was changed",
            },
        [4] =
            {
                [0] = "Other or undefined network or routing status",
                [1] = "No answer from host",
                [2] = "Bad connection",
                [3] = "Directory server failure",
                [4] = "Unable to route",
                [5] = "Mail system congestion",
                [6] = "Routing loop detected",
                [7] = "Delivery time expired",
            },
        [5] =
            {
                [0] = "Other or undefined protocol status",
                [1] = "Invalid command",
                [2] = "Syntax error",
                [3] = "Too many recipients",
                [4] = "Invalid command arguments",
                [5] = "Wrong protocol version",
                [6] = "Authentication Exchange line is too long",
            },
        [6] =
            {
                [0] = "Other or undefined media error",
                [1] = "Media not supported",
                [2] = "Conversion required and prohibited",
                [3] = "Conversion required but not supported",
                [4] = "Conversion with loss performed",
                [5] = "Conversion Failed",
                [6] = "Message content not available",
                [7] = "Non-ASCII addresses not permitted for that "
                      "sender/recipient",
                [8] =
                    "UTF-8 string reply is required, but not permitted by the "
                    "SMTP client",
                [9] = "UTF-8 header message cannot be transferred to one or "
                      "more "
                      "recipients, so the message must be rejected",
                /* The registry marks X.6.10 as a deprecated duplicate of
                   X.6.8. */
                [10] =
                    "UTF-8 string reply is required, but not permitted by the "
                    "SMTP client",
            },
        [7] =
            {
                [0] = "Other or undefined security status",
                [1] = "Delivery not authorized, message refused",
                [2] = "Mailing list expansion prohibited",
                [3] = "Security conversion required but not possible",
                [4] = "Security features not supported",
                [5] = "Cryptographic failure",
                [6] = "Cryptographic algorithm not supported",
                [7] = "Message integrity failure",
                [8] = "Authentication credentials invalid",
                [9] = "Authentication mechanism is too weak",
                [10] = "Encryption Needed",
                [11] = "Encryption required for requested authentication "
                       "mechanism",
                [12] = "A password transition is needed",
                [13] = "User Account Disabled",
                [14] = "Trust relationship required",
                [15] = "Priority Level is too low",
                [16] = "Message is too big for the specified priority",
                [17] = "Mailbox owner has changed",
                [18] = "Domain owner has changed",
                [19] = "RRVS test cannot be completed",
                [20] = "No passing DKIM signature found",
                [21] = "No acceptable DKIM signature found",
                [22] = "No valid author-matched DKIM signature found",
                [23] = "SPF validation failed",
                [24] = "SPF validation error",
                [25] = "Reverse DNS validation failed",
                [26] = "Multiple authentication checks failed",
                [27] = "Sender address has null MX",
                [28] = "Mail flood detected",
                [29] = "ARC validation failure",
                [30] = "REQUIRETLS support required",
            },
};

/*
 * Subject and class titles.  The registry capitalizes every word of
 * these ("Addressing Status"); they are written in sentence case here
 * because they are shown in running text.
 */
static const char
    *const dsn_status_subject_titles[DSN_STATUS_SUBJECT_MAX + 1] = {
        "Other or undefined status",
        "Addressing status",
        "Mailbox status",
        "Mail system status",
        "Network and routing status",
        "Mail delivery protocol status",
        "Message content or media status",
        "Security or policy status",
};

static bool dsn_status_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool dsn_status_is_alnum(char c)
{
    return dsn_status_is_digit(c) || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

static bool dsn_status_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
           c == '\f';
}

static bool dsn_status_is_class(char c)
{
    return c == '2' || c == '4' || c == '5';
}

/* Read one to three digits at *cursor and advance past them. */
static bool dsn_status_read_part(const char **cursor, int *value)
{
    const char *cp = *cursor;
    int number = 0;
    int digits = 0;

    while (digits < DSN_STATUS_PART_DIGITS && dsn_status_is_digit(*cp)) {
        number = number * 10 + (*cp - '0');
        cp++;
        digits++;
    }
    if (digits == 0)
        return false;
    *value = number;
    *cursor = cp;
    return true;
}

/*
 * Return true when the code may end at cp: not before a fourth digit,
 * and not before a "." that continues with a letter or a digit.
 */
static bool dsn_status_at_boundary(const char *cp)
{
    if (dsn_status_is_digit(cp[0]))
        return false;
    if (cp[0] == '.' && dsn_status_is_alnum(cp[1]))
        return false;
    return true;
}

bool dsn_status_parse(const char *text, struct dsn_status *status, size_t *len)
{
    struct dsn_status code;
    const char *cp = text;

    if (text == NULL || status == NULL)
        return false;
    while (dsn_status_is_space(*cp))
        cp++;

    if (!dsn_status_is_class(cp[0]) || cp[1] != '.')
        return false;
    code.code_class = cp[0] - '0';
    cp += 2;

    if (!dsn_status_read_part(&cp, &code.subject) || *cp != '.')
        return false;
    cp++;
    if (!dsn_status_read_part(&cp, &code.detail))
        return false;
    if (!dsn_status_at_boundary(cp))
        return false;

    *status = code;
    if (len != NULL)
        *len = (size_t) (cp - text);
    return true;
}

/* Return true when text equals the lower-case word, ignoring ASCII case. */
static bool dsn_status_equals_word(const char *text, const char *word)
{
    for (; *word != '\0'; text++, word++) {
        char c = *text;

        if (c >= 'A' && c <= 'Z')
            c = (char) (c - 'A' + 'a');
        if (c != *word)
            return false;
    }
    return *text == '\0';
}

/* Read a pattern part: one to three digits, or "x" / "X" for any. */
static bool dsn_status_read_pattern_part(const char **cursor, int *value)
{
    if (**cursor == 'x' || **cursor == 'X') {
        *value = DSN_STATUS_WILDCARD;
        (*cursor)++;
        return true;
    }
    return dsn_status_read_part(cursor, value);
}

bool dsn_status_pattern_parse(const char *text,
                              struct dsn_status_pattern *pattern)
{
    struct dsn_status_pattern parsed;
    const char *cp = text;

    if (text == NULL || pattern == NULL)
        return false;
    if (dsn_status_equals_word(text, "default")) {
        parsed.code_class = DSN_STATUS_WILDCARD;
        parsed.subject = DSN_STATUS_WILDCARD;
        parsed.detail = DSN_STATUS_WILDCARD;
        *pattern = parsed;
        return true;
    }

    if (!dsn_status_is_class(cp[0]) || cp[1] != '.')
        return false;
    parsed.code_class = cp[0] - '0';
    cp += 2;
    if (!dsn_status_read_pattern_part(&cp, &parsed.subject) || *cp != '.')
        return false;
    cp++;
    if (!dsn_status_read_pattern_part(&cp, &parsed.detail) || *cp != '\0')
        return false;

    /* "5.x.1" fits none of the specificity levels, so it is rejected. */
    if (parsed.subject == DSN_STATUS_WILDCARD &&
        parsed.detail != DSN_STATUS_WILDCARD)
        return false;

    *pattern = parsed;
    return true;
}

int dsn_status_match(const struct dsn_status_pattern *pattern,
                     const struct dsn_status *status)
{
    if (pattern == NULL || status == NULL)
        return -1;
    if (pattern->code_class == DSN_STATUS_WILDCARD)
        return DSN_STATUS_DEFAULT;
    if (pattern->code_class != status->code_class)
        return -1;
    if (pattern->subject == DSN_STATUS_WILDCARD)
        return DSN_STATUS_CLASS;
    if (pattern->subject != status->subject)
        return -1;
    if (pattern->detail == DSN_STATUS_WILDCARD)
        return DSN_STATUS_SUBJECT;
    if (pattern->detail != status->detail)
        return -1;
    return DSN_STATUS_EXACT;
}

/* A buffer shorter than the code gets a truncated, terminated string. */
char *dsn_status_format(const struct dsn_status *status, char *buf,
                        size_t size)
{
    if (buf == NULL || size == 0)
        return buf;
    if (status == NULL) {
        buf[0] = '\0';
        return buf;
    }
    snprintf(buf, size, "%d.%d.%d", status->code_class, status->subject,
             status->detail);
    return buf;
}

static const char *dsn_status_class_title(int code_class)
{
    switch (code_class) {
    case 2:
        return "Success";
    case 4:
        return "Persistent transient failure";
    case 5:
        return "Permanent failure";
    default:
        return dsn_status_subject_titles[0];
    }
}

/*
 * The class is not consulted for the detail and subject titles, so a
 * code with an invalid class still gets them.  An invalid class with an
 * unknown subject gets "Other or undefined status".
 */
const char *dsn_status_describe(const struct dsn_status *status)
{
    const char *title;

    if (status == NULL)
        return dsn_status_subject_titles[0];
    if (status->subject < 0 || status->subject > DSN_STATUS_SUBJECT_MAX)
        return dsn_status_class_title(status->code_class);

    if (status->detail >= 0 && status->detail <= DSN_STATUS_DETAIL_MAX) {
        title = dsn_status_detail_titles[status->subject][status->detail];
        if (title != NULL)
            return title;
    }
    return dsn_status_subject_titles[status->subject];
}
