/*
 * check_dsn_parse - unit tests for dsn_parse.c
 *
 * The DSNs are assembled from their pieces (top-level header, preamble,
 * parts, epilogue), so the byte range of every part is known and the
 * spans the parser returns can be compared with them.  Every message test
 * runs twice, once with LF and once with CRLF line ends: loop index _i
 * selects the case as _i / 2 and the line end as _i % 2.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <glib.h>

#include "dsn_parse.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define STR(s) ((s) ? (s) : "(null)")

/* Compare two strings that may be NULL, naming the case on failure. */
#define expect_str(name, field, got, want)                                    \
    ck_assert_msg(g_strcmp0((got), (want)) == 0,                              \
                  "%s: %s is \"%s\", expected \"%s\"", (name), (field),       \
                  STR(got), STR(want))

#define expect_span(name, field, got, want)                                   \
    ck_assert_msg((got).start == (want).start && (got).end == (want).end,     \
                  "%s: %s is [%zu, %zu), expected [%zu, %zu)", (name),        \
                  (field), (got).start, (got).end, (want).start, (want).end)

/* Header fields: dsn_headers_split */

struct split_case {
    const char *input;
    bool ok;
    size_t count;
    const char *names[3];
    const char *values[3];
    const char *body; /* text at the body offset */
};

static const struct split_case split_cases[] = {
    {"From: a@example.org\nSubject: hi\n\nbody\n",
     true,
     2,
     {"From", "Subject"},
     {"a@example.org", "hi"},
     "body\n"},
    {"From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n",
     true,
     2,
     {"From", "Subject"},
     {"a@example.org", "hi"},
     "body\r\n"},
    /* A folded value keeps its newline and the continuation's blanks. */
    {"Subject: one\n\ttwo\n  three\nTo: b\n\nx",
     true,
     2,
     {"Subject", "To"},
     {"one\n\ttwo\n  three", "b"},
     "x"},
    {"Subject: one\r\n two\r\n\r\n", true, 1, {"Subject"}, {"one\n two"}, ""},
    /* Blanks around the colon are not part of the name or the value. */
    {"Subject :   spaced  \n\n", true, 1, {"Subject"}, {"spaced  "}, ""},
    {"X-Empty:\nX-Tab:\tv\n\n", true, 2, {"X-Empty", "X-Tab"}, {"", "v"}, ""},
    /* A header with no body ends at the end of the input. */
    {"From: a\nTo: b", true, 2, {"From", "To"}, {"a", "b"}, ""},
    {"From: a\n", true, 1, {"From"}, {"a"}, ""},
    /* The body starts after the first empty line only. */
    {"A: 1\n\nB: 2\n\nc", true, 1, {"A"}, {"1"}, "B: 2\n\nc"},
    {"", false, 0, {NULL}, {NULL}, NULL},
    {"\nbody", false, 0, {NULL}, {NULL}, NULL},
    {"no colon here\n\nbody", false, 0, {NULL}, {NULL}, NULL},
    {" From: starts with a blank\n\n", false, 0, {NULL}, {NULL}, NULL},
    {"From: a\ngarbage line\n\nbody", false, 0, {NULL}, {NULL}, NULL},
};

START_TEST(test_split)
{
    const struct split_case *c = &split_cases[_i];
    struct dsn_headers headers = {0};
    size_t len = strlen(c->input);
    size_t offset = 9999;
    bool ok = dsn_headers_split(c->input, len, &headers, &offset);
    char *input = g_strescape(c->input, NULL);

    ck_assert_msg(ok == c->ok, "split(\"%s\") returned %d, expected %d", input,
                  ok, c->ok);
    if (c->ok) {
        ck_assert_msg(headers.count == c->count,
                      "split(\"%s\"): %zu fields, expected %zu", input,
                      headers.count, c->count);
        for (size_t i = 0; i < c->count && i < headers.count; i++) {
            expect_str(input, "field name", headers.fields[i].name,
                       c->names[i]);
            expect_str(input, "field value", headers.fields[i].value,
                       c->values[i]);
        }
        ck_assert_msg(offset <= len,
                      "split(\"%s\"): body offset %zu is"
                      " past the input's %zu bytes",
                      input, offset, len);
        expect_str(input, "body", c->input + offset, c->body);
    }
    dsn_headers_free(&headers);
    g_free(input);
}
END_TEST

START_TEST(test_headers_get)
{
    struct dsn_headers headers = {0};

    dsn_headers_add(&headers, "Received", "first");
    dsn_headers_add(&headers, "content-TYPE", "text/plain");
    dsn_headers_add(&headers, "Received", "second");
    expect_str("get", "Content-Type",
               dsn_headers_get(&headers, "Content-Type"), "text/plain");
    expect_str("get", "Received (first of two)",
               dsn_headers_get(&headers, "RECEIVED"), "first");
    expect_str("get", "missing field", dsn_headers_get(&headers, "To"), NULL);
    dsn_headers_free(&headers);
    ck_assert_msg(headers.count == 0 && headers.fields == NULL,
                  "dsn_headers_free left %zu fields", headers.count);
}
END_TEST

START_TEST(test_headers_grow)
{
    struct dsn_headers headers = {0};
    char name[16];

    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "X-F%d", i);
        dsn_headers_add(&headers, name, name);
    }
    ck_assert_msg(headers.count == 100, "100 adds left %zu fields",
                  headers.count);
    expect_str("grow", "X-F99", dsn_headers_get(&headers, "x-f99"), "X-F99");
    expect_str("grow", "X-F0", dsn_headers_get(&headers, "X-F0"), "X-F0");
    dsn_headers_free(&headers);
}
END_TEST

/* Content-Type: dsn_parse_is_report */

struct is_report_case {
    const char *content_type;
    bool is_report;
    const char *boundary;
};

static const struct is_report_case is_report_cases[] = {
    {"multipart/report; report-type=delivery-status; boundary=\"b1\"", true,
     "b1"},
    {"multipart/report; report-type=delivery-status; boundary=b1", true, "b1"},
    {"Multipart/Report; Report-Type=Delivery-Status; Boundary=\"B1\"", true,
     "B1"},
    {"MULTIPART/REPORT; REPORT-TYPE=DELIVERY-STATUS; BOUNDARY=x", true, "x"},
    {"multipart/report;\n\treport-type=delivery-status;\n\tboundary=\"f\"",
     true, "f"},
    {"multipart/report; report-type=delivery-status;\r\n boundary=\"c\"", true,
     "c"},
    {"multipart/report; boundary=\"2B/mx.example.net\";"
     " report-type=delivery-status",
     true, "2B/mx.example.net"},
    {"multipart/report; report-type=\"delivery-status\";"
     " boundary=\"a b=c\"",
     true, "a b=c"},
    {"multipart/report; report-type=global-delivery-status; boundary=g", true,
     "g"},
    {"multipart/report; report-type=Global-Delivery-Status;"
     " boundary=\"G\"",
     true, "G"},
    {"multipart/report (comment); report-type=delivery-status;"
     " boundary=k",
     true, "k"},
    /* Wrong types, missing parameters. */
    {"multipart/report; report-type=disposition-notification;"
     " boundary=x",
     false, NULL},
    {"multipart/report; report-type=delivery-status-x; boundary=x", false,
     NULL},
    {"multipart/mixed; report-type=delivery-status; boundary=x", false, NULL},
    {"message/delivery-status", false, NULL},
    {"text/plain; charset=us-ascii", false, NULL},
    {"multipart/report; report-type=delivery-status", false, NULL},
    {"multipart/report; report-type=delivery-status; boundary=\"\"", false,
     NULL},
    {"multipart/report; boundary=x", false, NULL},
    {"multipart/report", false, NULL},
    {"", false, NULL},
    {NULL, false, NULL},
};

START_TEST(test_is_report)
{
    const struct is_report_case *c = &is_report_cases[_i];
    char *boundary = NULL;
    char *name = g_strescape(STR(c->content_type), NULL);
    bool got = dsn_parse_is_report(c->content_type, &boundary);

    ck_assert_msg(got == c->is_report, "is_report(\"%s\") returned %d", name,
                  got);
    expect_str(name, "boundary", boundary, c->boundary);
    g_free(boundary);
    g_free(name);
}
END_TEST

START_TEST(test_is_report_null_boundary)
{
    ck_assert_msg(dsn_parse_is_report("multipart/report; report-type="
                                      "delivery-status; boundary=b",
                                      NULL),
                  "is_report with boundary pointer NULL returned false");
}
END_TEST

/* Whole messages: fixtures and the builder */

/* A DSN in pieces, written with LF line ends. */
struct dsn_fixture {
    const char *header;   /* top-level header, no final newline */
    const char *boundary; /* used in the delimiter lines */
    const char *preamble; /* NULL for none */
    const char *parts[3]; /* NULL after the last part */
    const char *epilogue; /* NULL for none */
    const char *padding;  /* blanks after each delimiter, or NULL */
};

/* A fixture built into a message, and where its parts are. */
struct dsn_built {
    GString *message;
    struct dsn_headers headers;
    const char *body;
    size_t body_len;
    struct dsn_span parts[3]; /* relative to body */
    int part_count;
    char name[64];
};

static void append_text(GString *out, const char *text, bool crlf)
{
    for (; text && *text; text++) {
        if (*text == '\n' && crlf)
            g_string_append_c(out, '\r');
        g_string_append_c(out, *text);
    }
}

static void append_delimiter(GString *out, const struct dsn_fixture *f,
                             bool first, bool close, bool crlf)
{
    if (!first)
        append_text(out, "\n", crlf);
    g_string_append_printf(out, "--%s%s", f->boundary, close ? "--" : "");
    append_text(out, f->padding, crlf);
    append_text(out, "\n", crlf);
}

/*
 * Build f with LF or CRLF line ends and split it with dsn_headers_split,
 * which must find the body where the builder put it.
 */
static void build(const struct dsn_fixture *f, const char *label, bool crlf,
                  struct dsn_built *b)
{
    size_t body_start;
    size_t offset = 0;
    bool ok;

    memset(b, 0, sizeof(*b));
    snprintf(b->name, sizeof(b->name), "%s %s", label, crlf ? "CRLF" : "LF");
    b->message = g_string_new(NULL);
    append_text(b->message, f->header, crlf);
    append_text(b->message, "\n\n", crlf);
    body_start = b->message->len;
    append_text(b->message, f->preamble, crlf);
    for (int i = 0; i < 3 && f->parts[i]; i++) {
        append_delimiter(b->message, f, i == 0, false, crlf);
        b->parts[i].start = b->message->len - body_start;
        append_text(b->message, f->parts[i], crlf);
        b->parts[i].end = b->message->len - body_start;
        b->part_count++;
    }
    append_delimiter(b->message, f, b->part_count == 0, true, crlf);
    append_text(b->message, f->epilogue, crlf);

    ok = dsn_headers_split(b->message->str, b->message->len, &b->headers,
                           &offset);
    ck_assert_msg(ok, "%s: dsn_headers_split failed", b->name);
    ck_assert_msg(offset == body_start, "%s: body at %zu, expected %zu",
                  b->name, offset, body_start);
    b->body = b->message->str + body_start;
    b->body_len = b->message->len - body_start;
}

static void built_free(struct dsn_built *b)
{
    dsn_headers_free(&b->headers);
    g_string_free(b->message, TRUE);
}

/* Parse a built message; it must parse as a DSN. */
static void parse_ok(struct dsn_built *b, struct dsn_report *report)
{
    const char *reason = "unset";
    int rc =
        dsn_parse_message(&b->headers, b->body, b->body_len, report, &reason);

    ck_assert_msg(rc == 0, "%s: parse returned %d (%s)", b->name, rc,
                  STR(reason));
    ck_assert_msg(reason == NULL, "%s: parse succeeded with reason \"%s\"",
                  b->name, reason);
    ck_assert_msg(report->kind == DSN_PARSE_DSN,
                  "%s: kind %d, expected"
                  " DSN_PARSE_DSN",
                  b->name, (int) report->kind);
}

/* Return the span of part i's content: past its first empty line. */
static struct dsn_span content_span(const struct dsn_built *b, int i,
                                    bool crlf)
{
    const char *blank = crlf ? "\r\n\r\n" : "\n\n";
    const char *start = b->body + b->parts[i].start;
    struct dsn_span span = {b->parts[i].end, b->parts[i].end};
    const char *hit;

    if (strncmp(start, blank + strlen(blank) / 2, strlen(blank) / 2) == 0) {
        span.start = b->parts[i].start + strlen(blank) / 2;
        return (span);
    }
    hit = strstr(start, blank);
    if (hit && (size_t) (hit - b->body) < b->parts[i].end)
        span.start = (size_t) (hit - b->body) + strlen(blank);
    return (span);
}

/* Check the spans every parsed DSN with two or three parts must have. */
static void expect_layout(const struct dsn_built *b,
                          const struct dsn_report *r, bool crlf)
{
    struct dsn_span none = {0, 0};
    struct dsn_span original = {b->parts[2].start, b->body_len};

    expect_str(b->name, "newline", r->newline, crlf ? "\r\n" : "\n");
    expect_span(b->name, "human", r->human, b->parts[0]);
    expect_span(b->name, "status_part", r->status_part, b->parts[1]);
    expect_span(b->name, "status_content", r->status_content,
                content_span(b, 1, crlf));
    expect_span(b->name, "original_part", r->original_part,
                b->part_count == 3 ? original : none);
}

/*
 * Check the report's fields for the returned message: its type, its
 * content span (to the body's end), and the end of its header block,
 * which is past the empty line, or 0 when the part has no empty line.
 */
static void expect_original(const struct dsn_built *b,
                            const struct dsn_report *r, bool crlf,
                            enum dsn_parse_original_type type,
                            bool has_header_end)
{
    struct dsn_span content = content_span(b, 2, crlf);
    const char *blank = crlf ? "\r\n\r\n" : "\n\n";
    const char *hit = strstr(b->body + content.start, blank);
    size_t header_end = 0;

    ck_assert_msg(r->original_type == type,
                  "%s: original_type %d,"
                  " expected %d",
                  b->name, (int) r->original_type, (int) type);
    if (type == DSN_ORIGINAL_NONE)
        return;
    content.end = b->body_len;
    expect_span(b->name, "original_content", r->original_content, content);
    if (has_header_end && hit)
        header_end = (size_t) (hit - b->body) + strlen(blank);
    ck_assert_msg(r->original_header_end == header_end,
                  "%s:"
                  " original_header_end %zu, expected %zu",
                  b->name, r->original_header_end, header_end);
}

/* A Postfix bounce: one recipient */

static const struct dsn_fixture postfix_fixture = {
    .header = "Return-Path: <>\n"
              "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
              "To: alice@example.org\n"
              "Subject: Undelivered Mail Returned to Sender\n"
              "MIME-Version: 1.0\n"
              "Content-Type: multipart/report; report-type=delivery-status;\n"
              "\tboundary=\"4FzQ1x2.1704103200/mx.example.net\"",
    .boundary = "4FzQ1x2.1704103200/mx.example.net",
    .preamble = "This is a MIME-encapsulated message.\n\n",
    .parts =
        {
            "Content-Description: Notification\n"
            "Content-Type: text/plain; charset=us-ascii\n"
            "\n"
            "This is the mail system at host mx.example.net.\n"
            "\n"
            "I'm sorry to have to inform you that your message could not\n"
            "be delivered to one or more recipients.\n",

            "Content-Description: Delivery report\n"
            "Content-Type: message/delivery-status\n"
            "\n"
            "Reporting-MTA: dns; mx.example.net\n"
            "X-Postfix-Queue-ID: 4FzQ1x2\n"
            "X-Postfix-Sender: rfc822; alice@example.org\n"
            "Arrival-Date: Mon,  1 Jan 2024 10:00:00 +0000 (UTC)\n"
            "\n"
            "Final-Recipient: rfc822; bob@example.com\n"
            "Original-Recipient: rfc822;bob@example.com\n"
            "Action: failed\n"
            "Status: 5.1.1\n"
            "Remote-MTA: dns; mx.example.com\n"
            "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.com>: Recipient\n"
            "    address rejected: User unknown in local recipient table\n",

            "Content-Description: Undelivered Message\n"
            "Content-Type: message/rfc822\n"
            "\n"
            "Return-Path: <alice@example.org>\n"
            "From: Alice <alice@example.org>\n"
            "To: bob@example.com\n"
            "Subject: Quarterly report\n"
            "Date: Mon, 1 Jan 2024 09:59:58 +0000\n"
            "Message-ID: <20240101095958.1@example.org>\n"
            "Content-Language: de\n"
            "Accept-Language: de, en\n"
            "\n"
            "Hello Bob,\n"
            "Subject: this line is in the body and is not read\n",
        },
    .epilogue = NULL,
};

START_TEST(test_message_postfix)
{
    bool crlf = _i % 2;
    struct dsn_built b;
    struct dsn_report r;
    const struct dsn_recipient *rcpt;

    build(&postfix_fixture, "postfix", crlf, &b);
    parse_ok(&b, &r);
    expect_layout(&b, &r, crlf);
    expect_original(&b, &r, crlf, DSN_ORIGINAL_MESSAGE, true);
    ck_assert_msg(!r.global, "%s: global set", b.name);
    expect_str(b.name, "boundary", r.boundary,
               "4FzQ1x2.1704103200/mx.example.net");
    expect_str(b.name, "reporting_mta", r.reporting_mta,
               "dns; mx.example.net");
    expect_str(b.name, "postfix_queue_id", r.postfix_queue_id, "4FzQ1x2");
    expect_str(b.name, "postfix_sender", r.postfix_sender,
               "rfc822; alice@example.org");
    expect_str(b.name, "arrival_date", r.arrival_date,
               "Mon,  1 Jan 2024 10:00:00 +0000 (UTC)");
    expect_str(b.name, "original_envelope_id", r.original_envelope_id, NULL);
    expect_str(b.name, "received_from_mta", r.received_from_mta, NULL);
    expect_str(b.name, "dsn_gateway", r.dsn_gateway, NULL);

    ck_assert_msg(r.recipient_count == 1, "%s: %zu recipients, expected 1",
                  b.name, r.recipient_count);
    rcpt = &r.recipients[0];
    expect_str(b.name, "final_recipient", rcpt->final_recipient,
               "rfc822; bob@example.com");
    expect_str(b.name, "address", rcpt->address, "bob@example.com");
    expect_str(b.name, "original_recipient", rcpt->original_recipient,
               "rfc822;bob@example.com");
    expect_str(b.name, "action", rcpt->action, "failed");
    expect_str(b.name, "status_text", rcpt->status_text, "5.1.1");
    ck_assert_msg(rcpt->status_valid, "%s: status not valid", b.name);
    ck_assert_msg(rcpt->status.code_class == 5 && rcpt->status.subject == 1 &&
                      rcpt->status.detail == 1,
                  "%s: status %d.%d.%d", b.name, rcpt->status.code_class,
                  rcpt->status.subject, rcpt->status.detail);
    expect_str(b.name, "remote_mta", rcpt->remote_mta, "dns; mx.example.com");
    expect_str(b.name, "diagnostic_code", rcpt->diagnostic_code,
               "smtp; 550 5.1.1 <bob@example.com>: Recipient address"
               " rejected: User unknown in local recipient table");
    expect_str(b.name, "last_attempt_date", rcpt->last_attempt_date, NULL);
    expect_str(b.name, "will_retry_until", rcpt->will_retry_until, NULL);
    expect_str(b.name, "final_log_id", rcpt->final_log_id, NULL);

    ck_assert_msg(r.has_original, "%s: has_original not set", b.name);
    expect_str(b.name, "original_subject", r.original_subject,
               "Quarterly report");
    expect_str(b.name, "original_from", r.original_from,
               "Alice <alice@example.org>");
    expect_str(b.name, "original_to", r.original_to, "bob@example.com");
    expect_str(b.name, "original_date", r.original_date,
               "Mon, 1 Jan 2024 09:59:58 +0000");
    expect_str(b.name, "original_message_id", r.original_message_id,
               "<20240101095958.1@example.org>");
    expect_str(b.name, "original_content_language",
               r.original_content_language, "de");
    expect_str(b.name, "original_accept_language", r.original_accept_language,
               "de, en");
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

START_TEST(test_message_human_bytes)
{
    bool crlf = _i % 2;
    struct dsn_built b;
    struct dsn_report r;
    GString *want_human = g_string_new(NULL);
    GString *want_status = g_string_new(NULL);
    char *human;
    char *status;

    build(&postfix_fixture, "bytes", crlf, &b);
    parse_ok(&b, &r);
    append_text(want_human, postfix_fixture.parts[0], crlf);
    append_text(want_status, postfix_fixture.parts[1], crlf);
    human = g_strndup(b.body + r.human.start, r.human.end - r.human.start);
    status = g_strndup(b.body + r.status_part.start,
                       r.status_part.end - r.status_part.start);
    expect_str(b.name, "human part bytes", human, want_human->str);
    expect_str(b.name, "status part bytes", status, want_status->str);
    g_free(human);
    g_free(status);
    g_string_free(want_human, TRUE);
    g_string_free(want_status, TRUE);
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/* Three recipients: letter case, comments, folding, optional fields */

static const struct dsn_fixture three_fixture = {
    .header = "From: MAILER-DAEMON@relay.example.net\n"
              "content-type: Multipart/Report; Report-Type=Delivery-Status;"
              " Boundary=xyz123",
    .boundary = "xyz123",
    .parts =
        {
            "Content-Type: text/plain\n"
            "\n"
            "Three recipients could not be reached.\n",

            "content-type: message/delivery-status\n"
            "\n"
            "reporting-mta: dns; relay.example.net\n"
            "original-envelope-id: ENV-42\n"
            "dsn-gateway: dns; gw.example.net\n"
            "received-from-mta: dns; client.example.org\n"
            "\n"
            "final-recipient: RFC822; <carol@example.com>\n"
            "ACTION: Failed\n"
            "STATUS: 5.1.1 (bad destination mailbox)\n"
            "diagnostic-code: smtp;\n"
            "\t550 no such user\n"
            "\n"
            "Final-Recipient: rfc822;dave@example.com (Dave)\n"
            "Action: delayed (will retry)\n"
            "Status: 4.4.1\n"
            "Last-Attempt-Date: Tue, 2 Jan 2024 08:00:00 +0000\n"
            "Will-Retry-Until: Fri, 5 Jan 2024\n"
            "  08:00:00 +0000\n"
            "\n"
            "Original-Recipient: rfc822; eve@example.com\n"
            "Action: failed\n"
            "Status: 5.2.2\n"
            "Final-Log-ID: 9A3B\n",
        },
};

START_TEST(test_message_three)
{
    bool crlf = _i % 2;
    struct dsn_built b;
    struct dsn_report r;
    const struct dsn_recipient *rc;

    build(&three_fixture, "three", crlf, &b);
    parse_ok(&b, &r);
    expect_layout(&b, &r, crlf);
    expect_original(&b, &r, crlf, DSN_ORIGINAL_NONE, false);
    expect_str(b.name, "boundary", r.boundary, "xyz123");
    expect_str(b.name, "reporting_mta", r.reporting_mta,
               "dns; relay.example.net");
    expect_str(b.name, "original_envelope_id", r.original_envelope_id,
               "ENV-42");
    expect_str(b.name, "dsn_gateway", r.dsn_gateway, "dns; gw.example.net");
    expect_str(b.name, "received_from_mta", r.received_from_mta,
               "dns; client.example.org");
    expect_str(b.name, "postfix_queue_id", r.postfix_queue_id, NULL);
    ck_assert_msg(!r.has_original,
                  "%s: has_original set without a third"
                  " part",
                  b.name);
    expect_str(b.name, "original_subject", r.original_subject, NULL);
    ck_assert_msg(r.recipient_count == 3, "%s: %zu recipients, expected 3",
                  b.name, r.recipient_count);

    rc = &r.recipients[0];
    expect_str(b.name, "[0] final_recipient", rc->final_recipient,
               "RFC822; <carol@example.com>");
    expect_str(b.name, "[0] address", rc->address, "carol@example.com");
    expect_str(b.name, "[0] action", rc->action, "failed");
    expect_str(b.name, "[0] status_text", rc->status_text,
               "5.1.1 (bad destination mailbox)");
    ck_assert_msg(rc->status_valid && rc->status.code_class == 5 &&
                      rc->status.subject == 1 && rc->status.detail == 1,
                  "%s: [0] status not read as 5.1.1", b.name);
    expect_str(b.name, "[0] diagnostic_code", rc->diagnostic_code,
               "smtp; 550 no such user");
    expect_str(b.name, "[0] remote_mta", rc->remote_mta, NULL);
    expect_str(b.name, "[0] original_recipient", rc->original_recipient, NULL);

    rc = &r.recipients[1];
    expect_str(b.name, "[1] address", rc->address, "dave@example.com");
    expect_str(b.name, "[1] action", rc->action, "delayed");
    ck_assert_msg(rc->status_valid && rc->status.code_class == 4 &&
                      rc->status.subject == 4 && rc->status.detail == 1,
                  "%s: [1] status not read as 4.4.1", b.name);
    expect_str(b.name, "[1] last_attempt_date", rc->last_attempt_date,
               "Tue, 2 Jan 2024 08:00:00 +0000");
    expect_str(b.name, "[1] will_retry_until", rc->will_retry_until,
               "Fri, 5 Jan 2024 08:00:00 +0000");
    expect_str(b.name, "[1] diagnostic_code", rc->diagnostic_code, NULL);

    rc = &r.recipients[2];
    expect_str(b.name, "[2] final_recipient", rc->final_recipient, NULL);
    expect_str(b.name, "[2] original_recipient", rc->original_recipient,
               "rfc822; eve@example.com");
    expect_str(b.name, "[2] address", rc->address, "eve@example.com");
    expect_str(b.name, "[2] action", rc->action, "failed");
    ck_assert_msg(rc->status_valid && rc->status.code_class == 5 &&
                      rc->status.subject == 2 && rc->status.detail == 2,
                  "%s: [2] status not read as 5.2.2", b.name);
    expect_str(b.name, "[2] final_log_id", rc->final_log_id, "9A3B");
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/* message/global-delivery-status with UTF-8 */

static const struct dsn_fixture global_fixture = {
    .header = "Content-Type: multipart/report;"
              " report-type=global-delivery-status; boundary=\"g=1\"",
    .boundary = "g=1",
    .preamble = "\n",
    .parts =
        {
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n"
            "\n"
            "Die Nachricht konnte nicht zugestellt werden.\n",

            "Content-Type: message/global-delivery-status\n"
            "\n"
            "Reporting-MTA: dns; mx.example.de\n"
            "\n"
            "Final-Recipient: utf-8; j\xc3\xbcrgen@example.de\n"
            "Action: failed\n"
            "Status: 5.1.1\n",

            "Content-Type: message/global-headers\n"
            "\n"
            "From: anna@example.org\n"
            "Subject: Gr\xc3\xbc\xc3\x9f"
            "e aus K\xc3\xb6ln\n"
            "\n",
        },
    .epilogue = "epilogue\n",
};

START_TEST(test_message_global)
{
    bool crlf = _i % 2;
    struct dsn_built b;
    struct dsn_report r;

    build(&global_fixture, "global", crlf, &b);
    parse_ok(&b, &r);
    expect_layout(&b, &r, crlf);
    expect_original(&b, &r, crlf, DSN_ORIGINAL_GLOBAL_HEADERS, true);
    ck_assert_msg(r.global, "%s: global not set", b.name);
    ck_assert_msg(r.recipient_count == 1, "%s: %zu recipients, expected 1",
                  b.name, r.recipient_count);
    expect_str(b.name, "address", r.recipients[0].address,
               "j\xc3\xbcrgen@example.de");
    ck_assert_msg(r.has_original, "%s: has_original not set", b.name);
    expect_str(b.name, "original_subject", r.original_subject,
               "Gr\xc3\xbc\xc3\x9f"
               "e aus K\xc3\xb6ln");
    expect_str(b.name, "original_from", r.original_from, "anna@example.org");
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/* text/rfc822-headers third part with RFC 2047 encoded words */

static const struct dsn_fixture headers_part_fixture = {
    .header = "Content-Type: multipart/report; report-type=delivery-status;\n"
              " boundary=\"=_hp\"",
    .boundary = "=_hp",
    .parts =
        {
            "Content-Type: text/plain\n\nNot delivered.\n",

            "Content-Type: message/delivery-status\n"
            "\n"
            "Reporting-MTA: dns; mx.example.net\n"
            "\n"
            "Final-Recipient: rfc822; bob@example.com\n"
            "Action: failed\n"
            "Status: 5.7.1\n",

            "Content-Type: text/rfc822-headers\n"
            "\n"
            "From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <j@example.de>\n"
            "Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?=\n"
            "To: =?UTF-8?B?QsO2Yg==?= <bob@example.com>\n"
            "\n",
        },
};

START_TEST(test_message_headers_part)
{
    bool crlf = _i % 2;
    struct dsn_built b;
    struct dsn_report r;

    build(&headers_part_fixture, "rfc822-headers", crlf, &b);
    parse_ok(&b, &r);
    expect_layout(&b, &r, crlf);
    expect_original(&b, &r, crlf, DSN_ORIGINAL_HEADERS, true);
    ck_assert_msg(r.has_original, "%s: has_original not set", b.name);
    expect_str(b.name, "original_subject", r.original_subject,
               "Gr\xc3\xbc\xc3\x9f"
               "e aus K\xc3\xb6ln");
    expect_str(b.name, "original_from", r.original_from,
               "J\xc3\xbcrgen M\xc3\xbcller <j@example.de>");
    expect_str(b.name, "original_to", r.original_to,
               "B\xc3\xb6"
               "b <bob@example.com>");
    expect_str(b.name, "original_message_id", r.original_message_id, NULL);
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/* Encoded delivery-status parts */

static const char status_text[] =
    "Reporting-MTA: dns; mx.example.net\n"
    "\n"
    "Final-Recipient: rfc822; frank@example.com\n"
    "Action: failed\n"
    "Status: 5.2.1\n"
    "Diagnostic-Code: smtp; 550 5.2.1 mailbox disabled\n";

START_TEST(test_message_base64_status)
{
    bool crlf = _i % 2;
    char *encoded =
        g_base64_encode((const guchar *) status_text, strlen(status_text));
    GString *part = g_string_new("Content-Type: message/delivery-status\n"
                                 "Content-Transfer-Encoding: base64\n\n");
    struct dsn_fixture f = headers_part_fixture;
    struct dsn_built b;
    struct dsn_report r;
    size_t len = strlen(encoded);

    for (size_t i = 0; i < len; i += 76) {
        g_string_append_len(part, encoded + i, MIN(76, len - i));
        g_string_append_c(part, '\n');
    }
    f.parts[1] = part->str;
    build(&f, "base64", crlf, &b);
    parse_ok(&b, &r);
    expect_layout(&b, &r, crlf);
    expect_str(b.name, "reporting_mta", r.reporting_mta,
               "dns; mx.example.net");
    ck_assert_msg(r.recipient_count == 1, "%s: %zu recipients, expected 1",
                  b.name, r.recipient_count);
    expect_str(b.name, "address", r.recipients[0].address,
               "frank@example.com");
    expect_str(b.name, "status_text", r.recipients[0].status_text, "5.2.1");
    expect_str(b.name, "diagnostic_code", r.recipients[0].diagnostic_code,
               "smtp; 550 5.2.1 mailbox disabled");
    dsn_parse_free(&r);
    built_free(&b);
    g_string_free(part, TRUE);
    g_free(encoded);
}
END_TEST

START_TEST(test_message_qp_status)
{
    bool crlf = _i % 2;
    struct dsn_fixture f = headers_part_fixture;
    struct dsn_built b;
    struct dsn_report r;

    f.parts[1] =
        "Content-Type: message/delivery-status\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "Reporting-MTA: dns; mx.example.net\n"
        "\n"
        "Final-Recipient: rfc822; grace@example.com\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 user=3Dunknown, a long line that is =\n"
        "split by a soft line break\n";
    build(&f, "quoted-printable", crlf, &b);
    parse_ok(&b, &r);
    ck_assert_msg(r.recipient_count == 1, "%s: %zu recipients, expected 1",
                  b.name, r.recipient_count);
    expect_str(b.name, "diagnostic_code", r.recipients[0].diagnostic_code,
               "smtp; 550 user=unknown, a long line that is split by a"
               " soft line break");
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/* Sanitizing: control characters and invalid UTF-8 */

START_TEST(test_message_sanitize)
{
    bool crlf = _i % 2;
    struct dsn_fixture f = headers_part_fixture;
    struct dsn_built b;
    struct dsn_report r;
    const char *diag;

    f.parts[1] =
        "Content-Type: message/delivery-status\n"
        "\n"
        "Reporting-MTA: dns; mx.example.net\x01\n"
        "\n"
        "Final-Recipient: rfc822; bob@example.com\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "Diagnostic-Code: smtp;\t550\x07 bad\x1b[31m user\x7f\x01\x02\x1f"
        " \xff!\n";
    build(&f, "sanitize", crlf, &b);
    parse_ok(&b, &r);
    diag = r.recipients[0].diagnostic_code;
    expect_str(b.name, "diagnostic_code", diag,
               "smtp; 550 bad[31m user \xef\xbf\xbd!");
    for (const char *p = diag; p && *p; p++)
        ck_assert_msg((unsigned char) *p >= 0x20 && *p != 0x7f,
                      "%s: diagnostic_code keeps control byte 0x%02x", b.name,
                      (unsigned char) *p);
    ck_assert_msg(g_utf8_validate(diag, -1, NULL),
                  "%s: diagnostic_code is not valid UTF-8", b.name);
    expect_str(b.name, "reporting_mta", r.reporting_mta,
               "dns; mx.example.net");
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/* Delimiter lines: only whole lines count */

START_TEST(test_message_delimiter_lines)
{
    bool crlf = _i % 2;
    struct dsn_fixture f = postfix_fixture;
    struct dsn_built b;
    struct dsn_report r;

    f.header = "Content-Type: multipart/report;"
               " report-type=delivery-status; boundary=\"B\"";
    f.boundary = "B";
    f.parts[0] = "Content-Type: text/plain\n"
                 "\n"
                 "A boundary inside a line --B is text.\n"
                 "--Bextra is a longer boundary, not this one.\n"
                 "-- B has a space.\n"
                 "--B-- text after a close delimiter is not one either.\n";
    build(&f, "delimiters", crlf, &b);
    parse_ok(&b, &r);
    expect_layout(&b, &r, crlf);
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/* RFC 2046 allows blanks after the boundary in a delimiter line. */
START_TEST(test_message_padding)
{
    bool crlf = _i % 2;
    struct dsn_fixture f = postfix_fixture;
    struct dsn_built b;
    struct dsn_report r;

    f.padding = " \t ";
    build(&f, "padding", crlf, &b);
    parse_ok(&b, &r);
    expect_layout(&b, &r, crlf);
    ck_assert_msg(r.recipient_count == 1, "%s: %zu recipients, expected 1",
                  b.name, r.recipient_count);
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/* A part without header fields is text/plain (RFC 2046 section 5.1). */
START_TEST(test_message_bare_part)
{
    bool crlf = _i % 2;
    struct dsn_fixture f = three_fixture;
    struct dsn_built b;
    struct dsn_report r;

    f.parts[0] = "\nNo header fields in this part.\n";
    build(&f, "bare part", crlf, &b);
    parse_ok(&b, &r);
    expect_layout(&b, &r, crlf);
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/*
 * The returned message's header block is read up to its empty line, or
 * up to the end of its part: a header-only part that lacks the empty
 * line must not take fields from the epilogue after the close delimiter.
 */
START_TEST(test_message_headers_stop_at_part)
{
    bool crlf = _i % 2;
    struct dsn_fixture f = headers_part_fixture;
    struct dsn_built b;
    struct dsn_report r;

    f.parts[2] = "Content-Type: text/rfc822-headers\n"
                 "\n"
                 "From: anna@example.org";
    f.epilogue = "Subject: text from the epilogue\n";
    build(&f, "headers end", crlf, &b);
    parse_ok(&b, &r);
    expect_original(&b, &r, crlf, DSN_ORIGINAL_HEADERS, false);
    expect_str(b.name, "original_from", r.original_from, "anna@example.org");
    expect_str(b.name, "original_subject", r.original_subject, NULL);
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/* dsn_parse_original_end: where the returned message ends */

START_TEST(test_original_end)
{
    bool crlf = _i % 2;
    struct dsn_built b;
    struct dsn_report r;
    struct dsn_span content;

    build(&postfix_fixture, "original end", crlf, &b);
    parse_ok(&b, &r);
    content = content_span(&b, 2, crlf);
    ck_assert_msg(dsn_parse_original_end(b.body, b.body_len, &r),
                  "%s: close delimiter not found", b.name);
    expect_span(b.name, "original_part", r.original_part, b.parts[2]);
    expect_span(b.name, "original_content", r.original_content, content);
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/* A DSN cut off inside its returned message has no end delimiter. */
START_TEST(test_original_end_truncated)
{
    bool crlf = _i % 2;
    struct dsn_built b;
    struct dsn_report r;
    const char *reason = "unset";
    struct dsn_span part;
    struct dsn_span content;

    build(&postfix_fixture, "truncated", crlf, &b);
    b.body_len = b.parts[2].end;
    ck_assert_msg(
        dsn_parse_message(&b.headers, b.body, b.body_len, &r, &reason) == 0,
        "%s: parse failed: %s", b.name, STR(reason));
    part = r.original_part;
    content = r.original_content;
    ck_assert_msg(!dsn_parse_original_end(b.body, b.body_len, &r),
                  "%s: found an end delimiter in a cut-off message", b.name);
    expect_span(b.name, "original_part after a failed search", r.original_part,
                part);
    expect_span(b.name, "original_content after a failed search",
                r.original_content, content);
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/* Messages that claim to be DSNs but cannot be read */

struct error_case {
    const char *label;
    struct dsn_fixture fixture;
    const char *reason; /* substring of the reason */
};

#define DS_HEADER                                                             \
    "Content-Type: multipart/report; report-type=delivery-status;"            \
    " boundary=\"E\""
#define TEXT_PART "Content-Type: text/plain\n\nFailed.\n"
#define DS_TYPE "Content-Type: message/delivery-status\n\n"
#define PER_MESSAGE "Reporting-MTA: dns; mx.example.net\n\n"
#define RCPT "Final-Recipient: rfc822; bob@example.com\nAction: failed\n"

/* A fixture with the DSN header, the given boundary, preamble and parts. */
#define FIXTURE(b, pre, ...)                                                  \
    {                                                                         \
        .header = DS_HEADER, .boundary = (b), .preamble = (pre), .parts = {   \
            __VA_ARGS__                                                       \
        }                                                                     \
    }

static const struct error_case error_cases[] = {
    {"invalid status",
     FIXTURE("E", NULL, TEXT_PART, DS_TYPE PER_MESSAGE RCPT "Status: 9.9.9\n"),
     "invalid or missing Status field"},
    {"short status",
     FIXTURE("E", NULL, TEXT_PART, DS_TYPE PER_MESSAGE RCPT "Status: 5.1\n"),
     "invalid or missing Status field"},
    {"text status",
     FIXTURE("E", NULL, TEXT_PART,
             DS_TYPE PER_MESSAGE RCPT "Status: failed\n"),
     "invalid or missing Status field"},
    {"missing status", FIXTURE("E", NULL, TEXT_PART, DS_TYPE PER_MESSAGE RCPT),
     "invalid or missing Status field"},
    {"second of two invalid",
     FIXTURE("E", NULL, TEXT_PART,
             DS_TYPE PER_MESSAGE RCPT "Status: 5.1.1\n\n" RCPT
                                      "Status: 5.1.1000\n"),
     "invalid or missing Status field"},
    {"no recipient", FIXTURE("E", NULL, TEXT_PART, DS_TYPE PER_MESSAGE),
     "delivery-status part has no recipient fields"},
    {"boundary absent",
     FIXTURE("other", NULL, TEXT_PART,
             DS_TYPE PER_MESSAGE RCPT "Status: 5.1.1\n"),
     "MIME boundary not found in the body"},
    {"close delimiter only", FIXTURE("E", "no parts\n", NULL),
     "MIME boundary not found in the body"},
    {"one part", FIXTURE("E", NULL, TEXT_PART),
     "delivery-status part not found"},
    {"second part text", FIXTURE("E", NULL, TEXT_PART, TEXT_PART, TEXT_PART),
     "second part is not message/delivery-status"},
    {"first part image",
     FIXTURE("E", NULL, "Content-Type: image/png\n\nPNG\n",
             DS_TYPE PER_MESSAGE RCPT "Status: 5.1.1\n"),
     "first part is not human-readable text"},
    {"malformed part header",
     FIXTURE("E", NULL,
             "Content-Type: text/plain\nthis is not a field\n\ntext\n",
             DS_TYPE PER_MESSAGE RCPT "Status: 5.1.1\n"),
     "malformed MIME part header"},
};

START_TEST(test_message_error)
{
    const struct error_case *c = &error_cases[_i / 2];
    bool crlf = _i % 2;
    struct dsn_built b;
    struct dsn_report r;
    const char *reason = NULL;
    int rc;

    build(&c->fixture, c->label, crlf, &b);
    rc = dsn_parse_message(&b.headers, b.body, b.body_len, &r, &reason);
    ck_assert_msg(rc == -1, "%s: parse returned %d, expected -1", b.name, rc);
    ck_assert_msg(r.kind == DSN_PARSE_DSN,
                  "%s: kind %d, expected"
                  " DSN_PARSE_DSN",
                  b.name, (int) r.kind);
    ck_assert_msg(reason != NULL, "%s: no reason given", b.name);
    ck_assert_msg(reason && strstr(reason, c->reason),
                  "%s: reason \"%s\", expected"
                  " \"%s\"",
                  b.name, STR(reason), c->reason);
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/* Messages that are not DSNs */

static const char *const not_dsn_headers[] = {
    "Content-Type: text/plain; charset=us-ascii",
    "Subject: no Content-Type at all",
    "Content-Type: multipart/report;"
    " report-type=disposition-notification; boundary=\"E\"",
    "Content-Type: multipart/mixed; boundary=\"E\"",
    "Content-Type: multipart/report; report-type=delivery-status",
};

START_TEST(test_message_not_dsn)
{
    bool crlf = _i % 2;
    struct dsn_fixture f = {
        .header = not_dsn_headers[_i / 2],
        .boundary = "E",
        .parts = {TEXT_PART, DS_TYPE PER_MESSAGE RCPT "Status: 5.1.1\n"},
    };
    struct dsn_built b;
    struct dsn_report r;
    const char *reason = "unset";
    int rc;

    build(&f, f.header, crlf, &b);
    rc = dsn_parse_message(&b.headers, b.body, b.body_len, &r, &reason);
    ck_assert_msg(rc == 0, "%s: parse returned %d", b.name, rc);
    ck_assert_msg(r.kind == DSN_PARSE_NONE,
                  "%s: kind %d, expected"
                  " DSN_PARSE_NONE",
                  b.name, (int) r.kind);
    ck_assert_msg(reason == NULL,
                  "%s: reason \"%s\" for a message that is"
                  " not a DSN",
                  b.name, STR(reason));
    ck_assert_msg(r.recipient_count == 0, "%s: %zu recipients read", b.name,
                  r.recipient_count);
    dsn_parse_free(&r);
    built_free(&b);
}
END_TEST

/* An empty body with a DSN Content-Type. */
START_TEST(test_message_empty_body)
{
    struct dsn_headers headers = {0};
    struct dsn_report r;
    const char *reason = NULL;
    int rc;

    dsn_headers_add(&headers, "Content-Type",
                    "multipart/report;"
                    " report-type=delivery-status; boundary=E");
    rc = dsn_parse_message(&headers, "", 0, &r, &reason);
    ck_assert_msg(rc == -1, "empty body: parse returned %d", rc);
    ck_assert_msg(reason && strstr(reason, "boundary not found"),
                  "empty body: reason \"%s\"", STR(reason));
    dsn_parse_free(&r);
    dsn_headers_free(&headers);
}
END_TEST

static Suite *dsn_parse_suite(void)
{
    Suite *suite = suite_create("dsn_parse");
    TCase *split = tcase_create("split");
    TCase *is_report = tcase_create("is_report");
    TCase *message = tcase_create("message");
    TCase *errors = tcase_create("errors");

    tcase_add_loop_test(split, test_split, 0, ARRAY_SIZE(split_cases));
    tcase_add_test(split, test_headers_get);
    tcase_add_test(split, test_headers_grow);
    suite_add_tcase(suite, split);

    tcase_add_loop_test(is_report, test_is_report, 0,
                        ARRAY_SIZE(is_report_cases));
    tcase_add_test(is_report, test_is_report_null_boundary);
    suite_add_tcase(suite, is_report);

    tcase_add_loop_test(message, test_message_postfix, 0, 2);
    tcase_add_loop_test(message, test_message_human_bytes, 0, 2);
    tcase_add_loop_test(message, test_message_three, 0, 2);
    tcase_add_loop_test(message, test_message_global, 0, 2);
    tcase_add_loop_test(message, test_message_headers_part, 0, 2);
    tcase_add_loop_test(message, test_message_base64_status, 0, 2);
    tcase_add_loop_test(message, test_message_qp_status, 0, 2);
    tcase_add_loop_test(message, test_message_sanitize, 0, 2);
    tcase_add_loop_test(message, test_message_delimiter_lines, 0, 2);
    tcase_add_loop_test(message, test_message_padding, 0, 2);
    tcase_add_loop_test(message, test_message_bare_part, 0, 2);
    tcase_add_loop_test(message, test_message_headers_stop_at_part, 0, 2);
    tcase_add_loop_test(message, test_original_end, 0, 2);
    tcase_add_loop_test(message, test_original_end_truncated, 0, 2);
    suite_add_tcase(suite, message);

    tcase_add_loop_test(errors, test_message_error, 0,
                        2 * ARRAY_SIZE(error_cases));
    tcase_add_loop_test(errors, test_message_not_dsn, 0,
                        2 * ARRAY_SIZE(not_dsn_headers));
    tcase_add_test(errors, test_message_empty_body);
    suite_add_tcase(suite, errors);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(dsn_parse_suite());
    int failed;

    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
