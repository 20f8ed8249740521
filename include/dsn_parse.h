/*
 * dsn_parse - recognize a DSN and read its fields
 *
 * Works on a message split into its header fields and its body, as a
 * milter receives it.  Finds the MIME parts of a multipart/report by
 * their boundary, without copying the body: parts are byte ranges into
 * the caller's buffer, so a rewrite can copy every other part unchanged.
 * Reads the delivery-status part (RFC 3464, RFC 6533) and the header
 * block of the returned message.  Never reads past the returned
 * message's header block.
 */
#ifndef DSN_PARSE_H
#define DSN_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "dsn_status.h"

/* One header field as received: name and unfolded-or-not raw value. */
struct dsn_header {
    char *name;
    char *value;
};

/* An ordered list of header fields. */
struct dsn_headers {
    struct dsn_header *fields;
    size_t count;
    size_t size;
};

/* A byte range [start, end) into the body. */
struct dsn_span {
    size_t start;
    size_t end;
};

/* Per-recipient fields of a delivery-status part. */
struct dsn_recipient {
    char *final_recipient; /* field value, "rfc822; user@example" */
    char *address;         /* the address part of Final-Recipient */
    char *original_recipient;
    char *action;      /* lower case: failed, delayed, ... */
    char *status_text; /* Status field as written */
    struct dsn_status status;
    bool status_valid;
    char *remote_mta;
    char *diagnostic_code;
    char *last_attempt_date;
    char *will_retry_until;
    char *final_log_id;
};

enum dsn_parse_kind {
    DSN_PARSE_NONE, /* not a DSN */
    DSN_PARSE_DSN,  /* multipart/report delivery-status */
};

/* The type of the third part: what the DSN returns of the original. */
enum dsn_parse_original_type {
    DSN_ORIGINAL_NONE,           /* no third part, or not one of these */
    DSN_ORIGINAL_MESSAGE,        /* message/rfc822 */
    DSN_ORIGINAL_GLOBAL,         /* message/global */
    DSN_ORIGINAL_HEADERS,        /* text/rfc822-headers */
    DSN_ORIGINAL_GLOBAL_HEADERS, /* message/global-headers */
    DSN_ORIGINAL_ENCODED,        /* one of these, but transfer-encoded */
};

/* The fields of a DSN and the byte ranges of its parts. */
struct dsn_report {
    enum dsn_parse_kind kind;
    bool global; /* message/global-delivery-status */
    char *boundary;

    /* Per-message fields. */
    char *reporting_mta;
    char *original_envelope_id;
    char *arrival_date;
    char *received_from_mta;
    char *dsn_gateway;
    char *postfix_queue_id; /* X-Postfix-Queue-ID */
    char *postfix_sender;   /* X-Postfix-Sender */

    struct dsn_recipient *recipients;
    size_t recipient_count;

    /* Header fields of the returned message, decoded to UTF-8. */
    bool has_original;
    char *original_subject;
    char *original_from;
    char *original_to;
    char *original_date;
    char *original_message_id;
    char *original_content_language;
    char *original_accept_language;

    /* Layout in the body. */
    char newline[3];                  /* "\r\n" or "\n", as the body uses */
    struct dsn_span human;            /* first part: its header and content */
    struct dsn_span status_part;      /* whole delivery-status part */
    struct dsn_span status_content;   /* its content, after headers */
    bool status_encoded;              /* base64 or quoted-printable */
    struct dsn_span original_part;    /* returned message, to body end */
    struct dsn_span original_content; /* its content, to body end */
    size_t original_header_end;       /* end of its header block, or 0 */
    enum dsn_parse_original_type original_type;
};

/*
 * Parse a message.  Return 0 with report->kind set (DSN_PARSE_NONE for a
 * message that is not a DSN), or -1 when the message claims to be a DSN
 * but cannot be read; *reason then names the problem in a static string.
 */
int dsn_parse_message(const struct dsn_headers *headers, const char *body,
                      size_t body_len, struct dsn_report *report,
                      const char **reason);

/*
 * Parse the Content-Type value of a message.  Return true for a
 * multipart/report with report-type delivery-status or
 * global-delivery-status; store its boundary (caller frees).
 */
bool dsn_parse_is_report(const char *content_type, char **boundary);

/*
 * Find where the returned message ends: the next boundary delimiter
 * after its start.  Set original_part.end and original_content.end and
 * return true, or return false when there is no delimiter.  Scans the
 * whole returned message, so it is called only when its size matters.
 */
bool dsn_parse_original_end(const char *body, size_t body_len,
                            struct dsn_report *report);

/*
 * Return the address in a recipient field value such as
 * "rfc822; <user@example> (comment)": the text after the address type,
 * without comments, angle brackets and white space.  Caller frees.
 */
char *dsn_parse_address(const char *value);

/* Release everything a report owns and zero it. */
void dsn_parse_free(struct dsn_report *report);

/* Header list helpers. */
void dsn_headers_add(struct dsn_headers *headers, const char *name,
                     const char *value);
const char *dsn_headers_get(const struct dsn_headers *headers,
                            const char *name);
void dsn_headers_free(struct dsn_headers *headers);

/*
 * Split a whole message (as read from a file) into header fields and the
 * offset of its body.  Return false when no header block is found.
 */
bool dsn_headers_split(const char *message, size_t len,
                       struct dsn_headers *headers, size_t *body_offset);

#endif
