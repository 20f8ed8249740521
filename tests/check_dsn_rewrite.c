/*
 * check_dsn_rewrite - unit tests for dsn_compose.c and dsn_rewrite.c
 *
 * The compose cases call dsn_compose_part() and dsn_compose_subject()
 * directly and decode what they return with GMime.  The rewrite cases
 * build whole DSNs in memory and load a config written to a temporary
 * file.  They run dsn_rewrite(), splice the new part into the body as
 * the milter does, and parse the result again to compare the untouched
 * parts byte for byte.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <glib.h>
#include <gmime/gmime.h>

#include "dsn_compose.h"
#include "dsn_config.h"
#include "dsn_parse.h"
#include "dsn_rewrite.h"
#include "dsn_status.h"
#include "dsn_util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Maximum header line length without CRLF (RFC 5322 section 2.1.1). */
#define MAX_HEADER_LINE 78

/* Config helpers */

/*
 * Messages of the test config.  The entries are deliberately out of
 * specificity order, so that a selection that takes the first match
 * instead of the most specific one fails.
 */
static const char test_messages[] =
    "messages = (\n"
    "  { code = \"default\"; text = \"MSG-DEFAULT\"; },\n"
    "  { code = \"5.x.x\"; text = \"MSG-CLASS-5XX\"; },\n"
    "  { code = \"5.1.x\"; text = \"MSG-SUBJECT-51X\"; },\n"
    "  { code = \"4.x.x\"; text = \"MSG-CLASS-4XX\"; },\n"
    "  { code = \"5.1.1\"; text = \"MSG-EXACT-511\"; },\n"
    "  { code = \"5.7.x\"; text = \"MSG-SUBJECT-57X\"; },\n"
    "  { code = \"5.7.26\"; text = \"MSG-EXACT-5726\"; }\n"
    ");\n";

/* Messages without a default, a class entry or anything for 2.x.x. */
static const char test_messages_sparse[] =
    "messages = (\n"
    "  { code = \"5.1.1\"; text = \"MSG-EXACT-511\"; }\n"
    ");\n";

static const char test_layouts[] =
    "layouts = {\n"
    "  failure = {\n"
    "    subject = \"FAILURE: ${original_subject}\";\n"
    "    text = \"LAYOUT-FAILURE\\n${recipients}END\\n\";\n"
    "    recipient = \"[${recipient}|${status}|${message}]\\n\"\n"
    "                \"${diagnostic_code?DIAG: ${diagnostic_code}\\n}\";\n"
    "  };\n"
    "  delay = {\n"
    "    subject = \"DELAY: ${original_subject}\";\n"
    "    text = \"LAYOUT-DELAY\\n${recipients}END\\n\";\n"
    "    recipient = \"[${recipient}|${status}|${message}]\\n\";\n"
    "  };\n"
    "  success = {\n"
    "    subject = \"SUCCESS: ${original_subject}\";\n"
    "    text = \"LAYOUT-SUCCESS\\n${recipients}END\\n\";\n"
    "    recipient = \"[${recipient}|${status}|${message}]\\n\";\n"
    "  };\n"
    "};\n";

/* Write text to a temporary file, load it as a config, remove the file. */
static struct dsn_config *config_from_text(const char *text)
{
    GError *error = NULL;
    GString *errors = g_string_new(NULL);
    char *path = NULL;
    int fd = g_file_open_tmp("check_dsn_rewrite.XXXXXX.conf", &path, &error);
    struct dsn_config *config;

    ck_assert_msg(fd >= 0, "cannot create a temporary config file: %s",
                  error ? error->message : "?");
    close(fd);
    ck_assert_msg(g_file_set_contents(path, text, -1, &error),
                  "cannot write %s: %s", path, error ? error->message : "?");
    config = dsn_config_load(path, errors);
    unlink(path);
    ck_assert_msg(config != NULL, "test config did not load:\n%s\n%s",
                  errors->str, text);
    g_free(path);
    g_string_free(errors, TRUE);
    return (config);
}

/* Load the test config with the given global settings. */
static struct dsn_config *config_load(const char *globals,
                                      const char *messages)
{
    char *text = g_strconcat("postmaster = \"postmaster@example.test\";\n"
                             "default_language = \"en\";\n",
                             globals, messages, test_layouts, NULL);
    struct dsn_config *config = config_from_text(text);

    g_free(text);
    return (config);
}

static struct dsn_config *config_default(void)
{
    return (config_load("rewrite_foreign = false;\n", test_messages));
}

/* DSN builder */

struct test_rcpt {
    const char *address;
    const char *action;     /* NULL: no Action field */
    const char *status;     /* NULL: no Status field */
    const char *diagnostic; /* NULL: no Diagnostic-Code field */
};

struct test_dsn {
    const char *newline;          /* NULL: "\n" */
    const char *boundary;         /* NULL: "4ABC123.1700000000/mx.example" */
    const char *content_type;     /* NULL: a multipart/report for boundary */
    const char *status_type;      /* NULL: "message/delivery-status" */
    const char *original_subject; /* raw field value, or NULL */
    const struct test_rcpt *rcpts;
    size_t rcpt_count;
};

/* A built message and where its parts are. */
struct test_message {
    struct dsn_headers headers;
    GString *body;
    const char *newline;
    char *boundary;
    size_t human_start;  /* first byte after the first delimiter */
    size_t human_end;    /* the newline before the second one */
    size_t status_start; /* first byte after the second delimiter */
};

static const struct test_rcpt one_failed[] = {
    {"nobody@example.org", "failed", "5.1.1",
     "smtp; 550 5.1.1 <nobody@example.org>: User unknown"},
};

/* Append printf output and a newline in the message's style. */
static void G_GNUC_PRINTF(2, 3)
    test_line(struct test_message *msg, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(msg->body, fmt, ap);
    va_end(ap);
    g_string_append(msg->body, msg->newline);
}

static void test_build_recipients(struct test_message *msg,
                                  const struct test_dsn *dsn)
{
    for (size_t i = 0; i < dsn->rcpt_count; i++) {
        const struct test_rcpt *r = &dsn->rcpts[i];

        test_line(msg, "%s", "");
        test_line(msg, "Final-Recipient: rfc822; %s", r->address);
        test_line(msg, "Original-Recipient: rfc822;%s", r->address);
        if (r->action)
            test_line(msg, "Action: %s", r->action);
        if (r->status)
            test_line(msg, "Status: %s", r->status);
        test_line(msg, "Remote-MTA: dns; mx.example.org");
        if (r->diagnostic)
            test_line(msg, "Diagnostic-Code: %s", r->diagnostic);
    }
}

/* Build a Postfix-style DSN from dsn into msg. */
static void test_build(struct test_message *msg, const struct test_dsn *dsn)
{
    const char *boundary =
        dsn->boundary ? dsn->boundary : "4ABC123.1700000000/mx.example";
    char *content_type;

    memset(msg, 0, sizeof(*msg));
    msg->newline = dsn->newline ? dsn->newline : "\n";
    msg->boundary = g_strdup(boundary);
    msg->body = g_string_new(NULL);
    content_type =
        dsn->content_type
            ? g_strdup(dsn->content_type)
            : g_strdup_printf("multipart/report; report-type=%s;\n"
                              "\tboundary=\"%s\"",
                              dsn->status_type &&
                                      strstr(dsn->status_type, "global")
                                  ? "global-delivery-status"
                                  : "delivery-status",
                              boundary);
    dsn_headers_add(&msg->headers, "From",
                    "Mail Delivery System <MAILER-DAEMON@mx.example>");
    dsn_headers_add(&msg->headers, "To", "sender@example.org");
    dsn_headers_add(&msg->headers, "Subject",
                    "Undelivered Mail Returned to Sender");
    dsn_headers_add(&msg->headers, "MIME-Version", "1.0");
    dsn_headers_add(&msg->headers, "Content-Type", content_type);
    g_free(content_type);

    test_line(msg, "This is a MIME-encapsulated message.");
    test_line(msg, "%s", "");
    test_line(msg, "--%s", boundary);
    msg->human_start = msg->body->len;
    test_line(msg, "Content-Description: Notification");
    test_line(msg, "Content-Type: text/plain; charset=us-ascii");
    test_line(msg, "%s", "");
    test_line(msg, "This is the mail system at host mx.example.");
    test_line(msg, "%s", "");
    g_string_append(msg->body, "ORIGINAL-HUMAN-TEXT");
    msg->human_end = msg->body->len;
    test_line(msg, "%s", "");
    test_line(msg, "--%s", boundary);
    msg->status_start = msg->body->len;
    test_line(msg, "Content-Description: Delivery report");
    test_line(msg, "Content-Type: %s",
              dsn->status_type ? dsn->status_type : "message/delivery-status");
    test_line(msg, "%s", "");
    test_line(msg, "Reporting-MTA: dns; mx.example");
    test_line(msg, "X-Postfix-Queue-ID: 4ABC123");
    test_line(msg, "Arrival-Date: Mon,  4 Dec 2023 16:00:00 +0000 (UTC)");
    test_build_recipients(msg, dsn);
    test_line(msg, "%s", "");
    test_line(msg, "--%s", boundary);
    test_line(msg, "Content-Description: Undelivered Message Headers");
    test_line(msg, "Content-Type: text/rfc822-headers");
    test_line(msg, "%s", "");
    test_line(msg, "From: Sender <sender@example.org>");
    test_line(msg, "To: nobody@example.org");
    if (dsn->original_subject)
        test_line(msg, "Subject: %s", dsn->original_subject);
    test_line(msg, "Message-ID: <test.1@example.org>");
    test_line(msg, "%s", "");
    test_line(msg, "--%s--", boundary);
}

static void test_message_free(struct test_message *msg)
{
    dsn_headers_free(&msg->headers);
    g_string_free(msg->body, TRUE);
    g_free(msg->boundary);
}

/* Run dsn_rewrite on msg as Postfix's own bounce service would send it. */
static void test_rewrite(const struct dsn_config *config,
                         const struct test_message *msg,
                         struct dsn_rewrite_result *result)
{
    struct dsn_rewrite_request req = {
        .config = config,
        .headers = &msg->headers,
        .body = msg->body->str,
        .body_len = msg->body->len,
        .envelope_sender = "",
        .recipient = "sender@example.org",
        .hostname = "mx.example",
        .local = true,
    };

    dsn_rewrite(&req, result);
}

/* Return the body with the new part in place, as the milter writes it. */
static GString *test_splice(const struct test_message *msg,
                            const struct dsn_rewrite_result *result)
{
    GString *out = g_string_new(NULL);

    g_string_append_len(out, msg->body->str, result->replace.start);
    g_string_append_len(out, result->part->str, result->part->len);
    g_string_append_len(out, msg->body->str + result->replace.end,
                        msg->body->len - result->replace.end);
    return (out);
}

/* Part decoding */

/* Offset of the content after a part's header block, or 0 if none. */
static size_t part_content_offset(const char *part)
{
    const char *lf = strstr(part, "\n\n");
    const char *crlf = strstr(part, "\r\n\r\n");

    if (crlf && (lf == NULL || crlf < lf))
        return ((size_t) (crlf - part) + 4);
    return (lf ? (size_t) (lf - part) + 2 : 0);
}

/* Return the header block of a composed part, newlines as written. */
static char *part_header(const char *part)
{
    size_t offset = part_content_offset(part);

    ck_assert_msg(offset > 0,
                  "part has no empty line after its header:"
                  "\n%s",
                  part);
    return (g_strndup(part, offset));
}

/* Return the value of header name in a part, unfolded, or NULL. */
static char *part_field(const char *part, const char *name)
{
    char *header = part_header(part);
    char *prefix = g_strconcat("\n", name, ":", NULL);
    char *with_nl = g_strconcat("\n", header, NULL);
    char *hit = strstr(with_nl, prefix);
    char *value = NULL;

    if (hit) {
        const char *start = hit + strlen(prefix);
        size_t len = strcspn(start, "\r\n");

        value = g_strstrip(g_strndup(start, len));
    }
    g_free(with_nl);
    g_free(prefix);
    g_free(header);
    return (value);
}

/* Decode a composed part's content to text with "\n" line ends. */
static char *part_decode(const char *part)
{
    char *cte = part_field(part, "Content-Transfer-Encoding");
    const char *content = part + part_content_offset(part);
    size_t len = strlen(content);
    GMimeContentEncoding encoding;
    GMimeEncoding state;
    GString *decoded = g_string_new(NULL);
    GString *text = g_string_new(NULL);

    ck_assert_msg(cte != NULL, "part has no Content-Transfer-Encoding:\n%s",
                  part);
    encoding = g_mime_content_encoding_from_string(cte);
    if (encoding == GMIME_CONTENT_ENCODING_BASE64 ||
        encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
        size_t n;

        g_mime_encoding_init_decode(&state, encoding);
        g_string_set_size(decoded, g_mime_encoding_outlen(&state, len) + 1);
        n = g_mime_encoding_step(&state, content, len, decoded->str);
        n += g_mime_encoding_flush(&state, "", 0, decoded->str + n);
        g_string_set_size(decoded, n);
    } else {
        g_string_append(decoded, content);
    }
    for (size_t i = 0; i < decoded->len; i++)
        if (!(decoded->str[i] == '\r' && i + 1 < decoded->len &&
              decoded->str[i + 1] == '\n'))
            g_string_append_c(text, decoded->str[i]);
    g_string_free(decoded, TRUE);
    g_free(cte);
    return (g_string_free(text, FALSE));
}

/* Assert that every "\n" in text follows "\r" and every "\r" leads "\n". */
static void assert_crlf_only(const char *text, size_t len, const char *what)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n')
            ck_assert_msg(i > 0 && text[i - 1] == '\r',
                          "%s: bare LF at offset %zu:\n%s", what, i, text);
        if (text[i] == '\r')
            ck_assert_msg(i + 1 < len && text[i + 1] == '\n',
                          "%s: bare CR at offset %zu:\n%s", what, i, text);
    }
}

/* Assert that no line of text starts with "--" boundary. */
static void assert_no_delimiter(const char *text, const char *boundary)
{
    char *dash = g_strconcat("--", boundary, NULL);
    size_t dash_len = strlen(dash);

    for (const char *line = text; line && *line;) {
        ck_assert_msg(strncmp(line, dash, dash_len) != 0,
                      "a line starts with the delimiter \"%s\":\n%s", dash,
                      text);
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    g_free(dash);
}

/* dsn_compose_part */

START_TEST(test_part_ascii_7bit)
{
    const char *text = "Delivery failed.\nAddress: nobody@example.org\n";
    GString *out = g_string_new(NULL);
    char *cte;
    char *type;
    char *decoded;

    dsn_compose_part(text, NULL, "\n", "B0UNDARY", out);
    cte = part_field(out->str, "Content-Transfer-Encoding");
    type = part_field(out->str, "Content-Type");
    ck_assert_msg(cte && g_ascii_strcasecmp(cte, "7bit") == 0,
                  "ASCII text: Content-Transfer-Encoding is \"%s\", "
                  "expected 7bit:\n%s",
                  cte ? cte : "(none)", out->str);
    ck_assert_msg(type && g_str_has_prefix(type, "text/plain"),
                  "ASCII text: Content-Type is \"%s\"", type);
    ck_assert_msg(strstr(out->str + part_content_offset(out->str), text) ==
                      out->str + part_content_offset(out->str),
                  "ASCII text: content is not the text as given:\n%s",
                  out->str);
    decoded = part_decode(out->str);
    ck_assert_str_eq(decoded, text);
    g_free(decoded);
    g_free(type);
    g_free(cte);
    g_string_free(out, TRUE);
}
END_TEST

START_TEST(test_part_adds_final_newline)
{
    GString *out = g_string_new(NULL);
    char *decoded;

    dsn_compose_part("no newline at the end", NULL, "\n", "B", out);
    ck_assert_msg(out->len > 0 && out->str[out->len - 1] == '\n',
                  "part does not end with a newline:\n%s", out->str);
    decoded = part_decode(out->str);
    ck_assert_str_eq(decoded, "no newline at the end\n");
    g_free(decoded);
    g_string_free(out, TRUE);
}
END_TEST

START_TEST(test_part_utf8_quoted_printable)
{
    const char *text = "Zustellung fehlgeschlagen: Grüße an Jürgen.\n"
                       "Адрес не существует.\n";
    GString *out = g_string_new(NULL);
    char *cte;
    char *type;
    char *decoded;

    dsn_compose_part(text, NULL, "\n", "B0UNDARY", out);
    cte = part_field(out->str, "Content-Transfer-Encoding");
    type = part_field(out->str, "Content-Type");
    ck_assert_msg(cte && g_ascii_strcasecmp(cte, "quoted-printable") == 0,
                  "UTF-8 text: Content-Transfer-Encoding is \"%s\", "
                  "expected quoted-printable",
                  cte ? cte : "(none)");
    ck_assert_msg(type && strstr(type, "charset=utf-8") != NULL,
                  "UTF-8 text: Content-Type is \"%s\", expected "
                  "charset=utf-8",
                  type ? type : "(none)");
    for (size_t i = 0; i < out->len; i++)
        ck_assert_msg((unsigned char) out->str[i] < 0x80,
                      "UTF-8 text: 8-bit byte 0x%02x at offset %zu",
                      (unsigned char) out->str[i], i);
    decoded = part_decode(out->str);
    ck_assert_str_eq(decoded, text);
    g_free(decoded);
    g_free(type);
    g_free(cte);
    g_string_free(out, TRUE);
}
END_TEST

START_TEST(test_part_long_ascii_line)
{
    GString *text = g_string_new(NULL);
    GString *out = g_string_new(NULL);
    char *cte;
    char *decoded;
    size_t line = 0;

    for (int i = 0; i < 1100; i++)
        g_string_append_c(text, 'a' + i % 26);
    g_string_append_c(text, '\n');
    dsn_compose_part(text->str, NULL, "\n", "B", out);
    cte = part_field(out->str, "Content-Transfer-Encoding");
    ck_assert_msg(cte && g_ascii_strcasecmp(cte, "7bit") != 0,
                  "a 1100-character line went out as 7bit");
    for (size_t i = 0; i < out->len; i++) {
        line = out->str[i] == '\n' ? 0 : line + 1;
        ck_assert_msg(line <= 998, "encoded line longer than 998 bytes");
    }
    decoded = part_decode(out->str);
    ck_assert_str_eq(decoded, text->str);
    g_free(decoded);
    g_free(cte);
    g_string_free(out, TRUE);
    g_string_free(text, TRUE);
}
END_TEST

/* Texts for the CRLF checks: 7bit, quoted-printable and base64. */
static const char *const crlf_texts[] = {
    "First line.\nSecond line.\n\nAfter an empty line.\n",
    "Grüße.\nZweite Zeile mit Ümlaut.\n",
    "Text\n--CRLF-BOUNDARY\nmore text\n",
    "Mixed\r\nline ends\rin the text\n",
};

START_TEST(test_part_crlf)
{
    const char *text = crlf_texts[_i];
    GString *out = g_string_new(NULL);
    char *decoded;
    char *expected;
    char **lines;

    dsn_compose_part(text, "en", "\r\n", "CRLF-BOUNDARY", out);
    assert_crlf_only(out->str, out->len, text);
    ck_assert_msg(g_str_has_suffix(out->str, "\r\n"),
                  "CRLF part does not end with CRLF:\n%s", out->str);
    decoded = part_decode(out->str);

    /* The text's own "\r\n" and "\r" are line ends too. */
    lines = g_regex_split_simple("\r\n|\r", text, 0, 0);
    expected = g_strjoinv("\n", lines);
    ck_assert_str_eq(decoded, expected);
    g_free(expected);
    g_strfreev(lines);
    g_free(decoded);
    g_string_free(out, TRUE);
}
END_TEST

/* Texts in which a line looks like the delimiter of boundary "BOUNDARY". */
static const char *const delimiter_texts[] = {
    "--BOUNDARY\n",
    "Before.\n--BOUNDARY\nAfter.\n",
    "Before.\n--BOUNDARY--\nAfter.\n",
    "Before.\n--BOUNDARY   \nAfter.\n",
    "Before.\n--BOUNDARYX\nAfter.\n",
    "Grüße.\n--BOUNDARY\nÜmlaut.\n",
    "Ends with it\n--BOUNDARY",
};

START_TEST(test_part_delimiter_forces_base64)
{
    const char *text = delimiter_texts[_i];
    GString *out = g_string_new(NULL);
    char *cte;
    char *decoded;
    const char *content;

    dsn_compose_part(text, NULL, "\n", "BOUNDARY", out);
    cte = part_field(out->str, "Content-Transfer-Encoding");
    ck_assert_msg(cte && g_ascii_strcasecmp(cte, "base64") == 0,
                  "text with a delimiter line: Content-Transfer-Encoding "
                  "is \"%s\", expected base64",
                  cte ? cte : "(none)");
    content = out->str + part_content_offset(out->str);
    assert_no_delimiter(content, "BOUNDARY");
    ck_assert_msg(strstr(content, "--BOUNDARY") == NULL,
                  "base64 content contains \"--BOUNDARY\":\n%s", content);
    decoded = part_decode(out->str);
    ck_assert_msg(g_str_has_prefix(decoded, text),
                  "base64 content does not decode to the text:\n%s", decoded);
    g_free(decoded);
    g_free(cte);
    g_string_free(out, TRUE);
}
END_TEST

START_TEST(test_part_delimiter_inside_line_stays_7bit)
{
    GString *out = g_string_new(NULL);
    char *cte;

    dsn_compose_part("See the part after --BOUNDARY below.\n", NULL, "\n",
                     "BOUNDARY", out);
    cte = part_field(out->str, "Content-Transfer-Encoding");
    ck_assert_msg(cte && g_ascii_strcasecmp(cte, "7bit") == 0,
                  "a delimiter inside a line changed the encoding to %s",
                  cte ? cte : "(none)");
    g_free(cte);
    g_string_free(out, TRUE);
}
END_TEST

/*
 * Quoted-printable wraps lines at 76 characters, so a delimiter in the
 * middle of a long non-ASCII line may begin an encoded line.  Every
 * position of the delimiter within the first two wraps is tried.
 */
START_TEST(test_part_delimiter_after_soft_break)
{
    for (int pad = 0; pad < 160; pad++) {
        GString *text = g_string_new("ü ");
        GString *out = g_string_new(NULL);
        const char *content;

        for (int i = 0; i < pad; i++)
            g_string_append_c(text, 'x');
        g_string_append(text, "--BOUNDARY and more text after it\n");
        dsn_compose_part(text->str, NULL, "\n", "BOUNDARY", out);
        content = out->str + part_content_offset(out->str);
        for (const char *line = content; *line;) {
            ck_assert_msg(strncmp(line, "--BOUNDARY", 10) != 0,
                          "padding %d: an encoded line starts with the "
                          "delimiter:\n%s",
                          pad, out->str);
            line = strchr(line, '\n');
            if (line == NULL)
                break;
            line++;
        }
        g_string_free(out, TRUE);
        g_string_free(text, TRUE);
    }
}
END_TEST

START_TEST(test_part_content_language)
{
    GString *out = g_string_new(NULL);
    char *language;

    dsn_compose_part("Text.\n", "de-CH", "\n", "B", out);
    language = part_field(out->str, "Content-Language");
    ck_assert_msg(language != NULL, "Content-Language missing:\n%s", out->str);
    ck_assert_str_eq(language, "de-CH");
    g_free(language);

    g_string_truncate(out, 0);
    dsn_compose_part("Text.\n", NULL, "\n", "B", out);
    language = part_field(out->str, "Content-Language");
    ck_assert_msg(language == NULL,
                  "language NULL gave Content-Language "
                  "\"%s\"",
                  language);

    g_string_truncate(out, 0);
    dsn_compose_part("Text.\n", "", "\n", "B", out);
    language = part_field(out->str, "Content-Language");
    ck_assert_msg(language == NULL,
                  "language \"\" gave Content-Language "
                  "\"%s\"",
                  language);
    g_string_free(out, TRUE);
}
END_TEST

START_TEST(test_part_appends)
{
    GString *out = g_string_new("KEEP");

    dsn_compose_part("Text.\n", NULL, "\n", "B", out);
    ck_assert_msg(g_str_has_prefix(out->str, "KEEPContent-"),
                  "part did not start right after the existing text:\n%s",
                  out->str);
    g_string_free(out, TRUE);
}
END_TEST

/* dsn_compose_subject */

/* Assert the folding rules on a composed Subject value. */
static void assert_subject_folding(const char *value, const char *input)
{
    char **lines = g_strsplit(value, "\n", -1);

    for (int i = 0; lines[i]; i++) {
        size_t len = strlen(lines[i]);

        if (i == 0)
            len += strlen("Subject: ");
        ck_assert_msg(len <= MAX_HEADER_LINE,
                      "subject line %d is %zu "
                      "characters long (input \"%s\"):\n%s",
                      i, len, input, value);
        if (i > 0)
            ck_assert_msg(lines[i][0] == '\t',
                          "subject line %d does not "
                          "start with a tab (input \"%s\"):\n%s",
                          i, input, value);
        ck_assert_msg(strchr(lines[i], '\r') == NULL,
                      "subject contains CR (input \"%s\")", input);
    }
    for (const char *p = value; *p; p++)
        ck_assert_msg(
            (unsigned char) *p < 0x7f &&
                ((unsigned char) *p >= 0x20 || *p == '\n' || *p == '\t'),
            "subject has byte 0x%02x (input \"%s\"):\n%s", (unsigned char) *p,
            input, value);
    ck_assert_msg(value[0] != 0 && value[strlen(value) - 1] != '\n',
                  "subject is empty or ends with a newline: \"%s\"", value);
    g_strfreev(lines);
}

/* Unfold a Subject value and decode it with GMime as one field. */
static char *subject_decode(const char *value)
{
    char *unfolded = dsn_util_unfold(value);
    char *decoded;

    dsn_util_gmime_init();
    decoded = g_mime_utils_header_decode_text(NULL, unfolded);
    g_free(unfolded);
    return (decoded);
}

/*
 * Unfold a Subject value and decode each encoded word on its own, as
 * RFC 2047 section 6.2 describes: white space between two adjacent
 * encoded words is dropped, other text is kept as it is.
 */
static char *subject_decode_words(const char *value)
{
    char *unfolded = dsn_util_unfold(value);
    GRegex *word =
        g_regex_new("=\\?[^?\\s]+\\?[BbQq]\\?[^?\\s]*\\?=", 0, 0, NULL);
    GMatchInfo *match = NULL;
    GString *out = g_string_new(NULL);
    size_t done = 0;
    bool after_word = false;

    dsn_util_gmime_init();
    g_regex_match(word, unfolded, 0, &match);
    while (g_match_info_matches(match)) {
        int start;
        int end;
        char *text;
        char *decoded;
        char *gap;

        g_match_info_fetch_pos(match, 0, &start, &end);
        gap = g_strndup(unfolded + done, (size_t) start - done);
        if (!after_word || gap[strspn(gap, " \t")] != 0)
            g_string_append(out, gap);
        text = g_strndup(unfolded + start, (size_t) (end - start));
        decoded = g_mime_utils_header_decode_text(NULL, text);
        g_string_append(out, decoded);
        g_free(decoded);
        g_free(text);
        g_free(gap);
        done = (size_t) end;
        after_word = true;
        g_match_info_next(match, NULL);
    }
    g_string_append(out, unfolded + done);
    g_match_info_free(match);
    g_regex_unref(word);
    g_free(unfolded);
    return (g_string_free(out, FALSE));
}

START_TEST(test_subject_ascii_unchanged)
{
    static const char *const texts[] = {
        "Undeliverable: Quarterly report",
        "Delivery delayed: (no subject)",
        "a",
        "Re: [list] 100% done; see <http://example.org/x?y=1>",
    };

    for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
        char *value = dsn_compose_subject(texts[i]);

        ck_assert_str_eq(value, texts[i]);
        g_free(value);
    }
}
END_TEST

static const char *const non_ascii_subjects[] = {
    "Unzustellbar: Grüße aus Köln",   "Non distribuable : réunion à 10 h",
    "Недоставлено: Отчёт за квартал", "配信不能: 会議の議事録",
    "Emoji 📬 in the subject",         "Ünïcödé at the start and the end ß",
};

START_TEST(test_subject_non_ascii_encoded)
{
    const char *text = non_ascii_subjects[_i];
    char *value = dsn_compose_subject(text);
    char *decoded;
    char *lower = g_ascii_strdown(value, -1);

    ck_assert_msg(strstr(lower, "=?utf-8?") != NULL,
                  "\"%s\" gave no UTF-8 encoded word: %s", text, value);
    assert_subject_folding(value, text);
    decoded = subject_decode(value);
    ck_assert_msg(decoded != NULL, "cannot decode \"%s\"", value);
    ck_assert_str_eq(decoded, text);
    g_free(decoded);
    g_free(lower);
    g_free(value);
}
END_TEST

static const char *const injection_subjects[] = {
    "Hello\r\nBcc: x@y",   "Hello\nBcc: x@y",
    "Hello\rBcc: x@y",     "\r\nBcc: x@y",
    "Grüße\r\nBcc: x@y",   "Hello\r\n\r\nBcc: x@y\r\n\r\nbody",
    "Hello\r\n\tBcc: x@y",
};

START_TEST(test_subject_no_header_injection)
{
    const char *text = injection_subjects[_i];
    char *value = dsn_compose_subject(text);
    char **lines = g_strsplit(value, "\n", -1);

    for (int i = 0; lines[i]; i++) {
        const char *line = lines[i];

        /* The first line follows "Subject: " in the header. */
        ck_assert_msg(i == 0 || g_ascii_strncasecmp(line + 1, "Bcc:", 4) != 0,
                      "a folded line is a Bcc field in \"%s\"", value);
        ck_assert_msg(i == 0 || line[0] == ' ' || line[0] == '\t',
                      "line %d of \"%s\" is not a continuation", i, value);
    }
    ck_assert_msg(strchr(value, '\r') == NULL, "CR in \"%s\"", value);
    assert_subject_folding(value, text);
    g_strfreev(lines);
    g_free(value);
}
END_TEST

START_TEST(test_subject_controls_removed)
{
    char *value = dsn_compose_subject("Bell\a escape\x1b[31m red\x7f end");
    char *decoded = subject_decode(value);

    for (const char *p = decoded; *p; p++)
        ck_assert_msg((unsigned char) *p >= 0x20 && *p != 0x7f,
                      "control 0x%02x in decoded subject \"%s\"",
                      (unsigned char) *p, decoded);
    ck_assert_msg(strstr(decoded, "Bell") && strstr(decoded, "end"),
                  "text around the controls lost: \"%s\"", decoded);
    g_free(decoded);
    g_free(value);
}
END_TEST

START_TEST(test_subject_invalid_utf8)
{
    char *value = dsn_compose_subject("Latin-1 \xe9t\xe9 text");
    char *decoded = subject_decode(value);

    assert_subject_folding(value, "Latin-1 \\xe9t\\xe9 text");
    ck_assert_msg(g_utf8_validate(decoded, -1, NULL),
                  "decoded subject is not UTF-8");
    ck_assert_msg(strstr(decoded, "Latin-1 ") && strstr(decoded, " text"),
                  "text around invalid bytes lost: \"%s\"", decoded);
    g_free(decoded);
    g_free(value);
}
END_TEST

/* Long subjects: ASCII words, non-ASCII words and mixed. */
static char *long_subject(int kind)
{
    GString *s = g_string_new("Undeliverable:");

    for (int i = 0; i < 30; i++) {
        switch (kind) {
        case 0:
            g_string_append_printf(s, " word%d", i);
            break;
        case 1:
            g_string_append_printf(s, " Grüße%d", i);
            break;
        case 2:
            g_string_append_printf(s, i % 3 ? " plain%d" : " Köln%d", i);
            break;
        default:
            g_string_append(s, " Отчёт");
            break;
        }
    }
    return (g_string_free(s, FALSE));
}

START_TEST(test_subject_long_folded)
{
    char *text = long_subject(_i);
    char *value = dsn_compose_subject(text);
    char *words = subject_decode_words(value);

    ck_assert_msg(strchr(value, '\n') != NULL,
                  "a %zu-character subject "
                  "was not folded: %s",
                  strlen(text), value);
    ck_assert_msg(strstr(value, "\n\t") != NULL,
                  "folding does not use "
                  "\"\\n\\t\": %s",
                  value);
    assert_subject_folding(value, text);
    ck_assert_msg(strcmp(words, text) == 0,
                  "encoded words decoded one by "
                  "one give \"%s\", expected \"%s\":\n%s",
                  words, text, value);
    g_free(words);
    g_free(value);
    g_free(text);
}
END_TEST

/*
 * GMime 3.2.13 decodes a run of adjacent base64 encoded words only up to
 * the first word that ends in "=" padding.  A folded Subject that GMime
 * based mail readers show whole must avoid such padding.
 */
START_TEST(test_subject_long_gmime_round_trip)
{
    char *text = long_subject(_i);
    char *value = dsn_compose_subject(text);
    char *decoded = subject_decode(value);

    ck_assert_msg(strcmp(decoded, text) == 0,
                  "GMime decodes \"%s\", "
                  "expected \"%s\":\n%s",
                  decoded, text, value);
    g_free(decoded);
    g_free(value);
    g_free(text);
}
END_TEST

/* dsn_rewrite: null sender */

START_TEST(test_null_sender)
{
    ck_assert(dsn_rewrite_null_sender(""));
    ck_assert(dsn_rewrite_null_sender("<>"));
    ck_assert(dsn_rewrite_null_sender("< >"));
    ck_assert(dsn_rewrite_null_sender(" <  >"));
    ck_assert(!dsn_rewrite_null_sender(NULL));
    ck_assert(!dsn_rewrite_null_sender("<user@example.org>"));
    ck_assert(!dsn_rewrite_null_sender("user@example.org"));
    ck_assert(!dsn_rewrite_null_sender("<"));
    ck_assert(dsn_rewrite_sender_is_local(""));
    ck_assert(!dsn_rewrite_sender_is_local("<>"));
}
END_TEST

/* dsn_rewrite: the body outside the replaced span */

/* Check a rewritten msg against its splice, parsed again. */
static void assert_untouched(const struct test_message *msg,
                             const struct dsn_rewrite_result *result)
{
    GString *out = test_splice(msg, result);
    struct dsn_report again = {0};
    const char *reason = NULL;
    const struct dsn_report *before = &result->report;
    size_t tail = msg->body->len - msg->status_start;

    ck_assert_uint_eq(result->replace.start, msg->human_start);
    ck_assert_uint_eq(result->replace.end, msg->human_end);
    ck_assert_msg(memcmp(out->str, msg->body->str, msg->human_start) == 0,
                  "bytes before the first part changed");
    ck_assert_msg(out->len >= tail, "spliced body is too short");
    ck_assert_msg(memcmp(out->str + out->len - tail,
                         msg->body->str + msg->status_start, tail) == 0,
                  "bytes from the delivery-status part on changed");

    ck_assert_msg(dsn_parse_message(&msg->headers, out->str, out->len, &again,
                                    &reason) == 0,
                  "rewritten body does not parse: %s", reason);
    ck_assert_int_eq(again.kind, DSN_PARSE_DSN);
    ck_assert_uint_eq(again.status_part.end - again.status_part.start,
                      before->status_part.end - before->status_part.start);
    ck_assert_msg(
        memcmp(out->str + again.status_part.start,
               msg->body->str + before->status_part.start,
               before->status_part.end - before->status_part.start) == 0,
        "delivery-status part bytes differ");
    ck_assert_uint_eq(again.original_part.end - again.original_part.start,
                      before->original_part.end - before->original_part.start);
    ck_assert_msg(
        memcmp(out->str + again.original_part.start,
               msg->body->str + before->original_part.start,
               before->original_part.end - before->original_part.start) == 0,
        "returned message bytes differ");
    ck_assert_uint_eq(again.recipient_count, before->recipient_count);
    dsn_parse_free(&again);
    g_string_free(out, TRUE);
}

static const char *const newlines[] = {"\n", "\r\n"};

START_TEST(test_rewrite_keeps_other_parts)
{
    struct dsn_config *config = config_default();
    struct test_dsn dsn = {
        .newline = newlines[_i],
        .rcpts = one_failed,
        .rcpt_count = 1,
        .original_subject = "Quarterly report",
    };
    struct test_message msg;
    struct dsn_rewrite_result result;

    test_build(&msg, &dsn);
    test_rewrite(config, &msg, &result);
    ck_assert_msg(result.action == DSN_REWRITE_CHANGE, "DSN not rewritten: %s",
                  result.reason);
    assert_untouched(&msg, &result);
    if (strcmp(msg.newline, "\r\n") == 0)
        assert_crlf_only(result.part->str, result.part->len, "new part");
    else
        ck_assert_msg(strchr(result.part->str, '\r') == NULL,
                      "LF message got a CR in its new part");
    ck_assert_msg(strstr(result.part->str, "ORIGINAL-HUMAN-TEXT") == NULL,
                  "old text left in the new part");
    dsn_rewrite_free(&result);
    test_message_free(&msg);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_rewrite_global_report)
{
    struct dsn_config *config = config_default();
    struct test_dsn dsn = {
        .status_type = "message/global-delivery-status",
        .rcpts = one_failed,
        .rcpt_count = 1,
        .original_subject = "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=",
    };
    struct test_message msg;
    struct dsn_rewrite_result result;
    char *decoded;

    test_build(&msg, &dsn);
    test_rewrite(config, &msg, &result);
    ck_assert_msg(result.action == DSN_REWRITE_CHANGE,
                  "global DSN not rewritten: %s", result.reason);
    ck_assert(result.report.global);
    assert_untouched(&msg, &result);
    decoded = subject_decode(result.subject);
    ck_assert_str_eq(decoded, "FAILURE: Grüße");
    g_free(decoded);
    dsn_rewrite_free(&result);
    test_message_free(&msg);
    dsn_config_free(config);
}
END_TEST

/* dsn_rewrite: reasons to pass */

/* Run dsn_rewrite on a one-recipient DSN with the given envelope. */
static void rewrite_with_envelope(const struct dsn_config *config,
                                  const char *sender, bool local,
                                  struct test_message *msg,
                                  struct dsn_rewrite_result *result)
{
    struct test_dsn dsn = {.rcpts = one_failed, .rcpt_count = 1};
    struct dsn_rewrite_request req = {
        .config = config,
        .envelope_sender = sender,
        .recipient = "<sender@example.org>",
        .local = local,
    };

    test_build(msg, &dsn);
    req.headers = &msg->headers;
    req.body = msg->body->str;
    req.body_len = msg->body->len;
    dsn_rewrite(&req, result);
}

START_TEST(test_pass_non_null_sender)
{
    struct dsn_config *config = config_default();
    struct test_message msg;
    struct dsn_rewrite_result result;

    rewrite_with_envelope(config, "<sender@example.org>", true, &msg, &result);
    ck_assert_int_eq(result.action, DSN_REWRITE_PASS);
    ck_assert_msg(!result.failed, "policy pass marked as failed");
    ck_assert_msg(result.reason && strstr(result.reason, "not null"),
                  "reason \"%s\" does not name the sender", result.reason);
    ck_assert_msg(result.part == NULL && result.subject == NULL,
                  "PASS left a part or a subject behind");
    dsn_rewrite_free(&result);
    test_message_free(&msg);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_pass_foreign)
{
    struct dsn_config *config = config_default();
    struct test_message msg;
    struct dsn_rewrite_result result;

    rewrite_with_envelope(config, "<>", false, &msg, &result);
    ck_assert_int_eq(result.action, DSN_REWRITE_PASS);
    ck_assert_msg(!result.failed, "policy pass marked as failed");
    ck_assert_msg(result.reason && strstr(result.reason, "rewrite_foreign"),
                  "reason \"%s\" does not name rewrite_foreign",
                  result.reason);
    dsn_rewrite_free(&result);
    test_message_free(&msg);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_rewrite_foreign_allowed)
{
    struct dsn_config *config =
        config_load("rewrite_foreign = true;\n", test_messages);
    struct test_message msg;
    struct dsn_rewrite_result result;

    ck_assert(config->rewrite_foreign);
    rewrite_with_envelope(config, "<>", false, &msg, &result);
    ck_assert_msg(result.action == DSN_REWRITE_CHANGE,
                  "foreign DSN with rewrite_foreign true passed: %s",
                  result.reason);
    assert_untouched(&msg, &result);
    dsn_rewrite_free(&result);
    test_message_free(&msg);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_pass_too_large)
{
    struct dsn_config *config =
        config_load("max_message_size = 200;\n", test_messages);
    struct test_message msg;
    struct dsn_rewrite_result result;

    rewrite_with_envelope(config, "", true, &msg, &result);
    ck_assert_msg(msg.body->len > 200, "test DSN is only %zu bytes",
                  msg.body->len);
    ck_assert_int_eq(result.action, DSN_REWRITE_PASS);
    ck_assert_msg(!result.failed, "size pass marked as failed");
    ck_assert_msg(result.reason && strstr(result.reason, "max_message_size"),
                  "reason \"%s\" does not name max_message_size",
                  result.reason);
    dsn_rewrite_free(&result);
    test_message_free(&msg);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_size_limit_boundary)
{
    struct dsn_config *config = config_default();
    struct test_message msg;
    struct dsn_rewrite_result result;

    /* A body of exactly max_message_size bytes is still rewritten. */
    rewrite_with_envelope(config, "", true, &msg, &result);
    dsn_rewrite_free(&result);
    config->max_message_size = msg.body->len;
    test_rewrite(config, &msg, &result);
    ck_assert_msg(result.action == DSN_REWRITE_CHANGE,
                  "body of exactly max_message_size passed: %s",
                  result.reason);
    dsn_rewrite_free(&result);
    config->max_message_size = msg.body->len - 1;
    test_rewrite(config, &msg, &result);
    ck_assert_int_eq(result.action, DSN_REWRITE_PASS);
    dsn_rewrite_free(&result);

    /* 0 means no limit. */
    config->max_message_size = 0;
    test_rewrite(config, &msg, &result);
    ck_assert_int_eq(result.action, DSN_REWRITE_CHANGE);
    dsn_rewrite_free(&result);
    test_message_free(&msg);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_pass_not_dsn)
{
    static const char *const types[] = {
        "text/plain; charset=us-ascii",
        "multipart/mixed; boundary=\"4ABC123.1700000000/mx.example\"",
        "multipart/report; report-type=disposition-notification;"
        " boundary=\"4ABC123.1700000000/mx.example\"",
    };
    struct dsn_config *config = config_default();

    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        struct test_dsn dsn = {
            .content_type = types[i],
            .rcpts = one_failed,
            .rcpt_count = 1,
        };
        struct test_message msg;
        struct dsn_rewrite_result result;

        test_build(&msg, &dsn);
        test_rewrite(config, &msg, &result);
        ck_assert_msg(result.action == DSN_REWRITE_PASS,
                      "Content-Type %s was rewritten", types[i]);
        ck_assert_msg(!result.failed, "%s: marked as failed", types[i]);
        ck_assert_msg(result.reason && strcmp(result.reason, "not a DSN") == 0,
                      "%s: reason \"%s\"", types[i], result.reason);
        dsn_rewrite_free(&result);
        test_message_free(&msg);
    }
    dsn_config_free(config);
}
END_TEST

/* Bodies of a multipart/report that cannot be read. */
START_TEST(test_fail_unparsable)
{
    struct dsn_config *config = config_default();
    const char *wrong_boundary =
        "multipart/report; report-type=delivery-status; boundary=\"OTHER\"";
    const struct test_rcpt no_status[] = {
        {"nobody@example.org", "failed", NULL, NULL},
    };
    const struct test_rcpt bad_status[] = {
        {"nobody@example.org", "failed", "5.1", NULL},
    };
    struct test_dsn cases[] = {
        {.content_type = wrong_boundary, .rcpts = one_failed, .rcpt_count = 1},
        {.status_type = "text/plain", .rcpts = one_failed, .rcpt_count = 1},
        {.rcpts = no_status, .rcpt_count = 1},
        {.rcpts = bad_status, .rcpt_count = 1},
        {.rcpts = one_failed, .rcpt_count = 0},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct test_message msg;
        struct dsn_rewrite_result result;

        test_build(&msg, &cases[i]);
        test_rewrite(config, &msg, &result);
        ck_assert_msg(result.action == DSN_REWRITE_PASS,
                      "unparsable case %zu was rewritten", i);
        ck_assert_msg(result.failed,
                      "unparsable case %zu not marked "
                      "failed (reason \"%s\")",
                      i, result.reason);
        ck_assert_msg(result.reason && *result.reason,
                      "unparsable case %zu has no reason", i);
        ck_assert_msg(result.part == NULL, "case %zu left a part", i);
        dsn_rewrite_free(&result);
        test_message_free(&msg);
    }
    dsn_config_free(config);
}
END_TEST

/* dsn_rewrite: outcome from Action */

struct outcome_case {
    struct test_rcpt rcpts[2];
    size_t count;
    enum dsn_outcome outcome;
    const char *marker; /* layout text expected in the part */
};

static const struct outcome_case outcome_cases[] = {
    {{{"a@example.org", "failed", "5.1.1", NULL}},
     1,
     DSN_OUTCOME_FAILURE,
     "LAYOUT-FAILURE"},
    {{{"a@example.org", "delayed", "4.4.1", NULL}},
     1,
     DSN_OUTCOME_DELAY,
     "LAYOUT-DELAY"},
    {{{"a@example.org", "delivered", "2.0.0", NULL}},
     1,
     DSN_OUTCOME_SUCCESS,
     "LAYOUT-SUCCESS"},
    {{{"a@example.org", "relayed", "2.0.0", NULL}},
     1,
     DSN_OUTCOME_SUCCESS,
     "LAYOUT-SUCCESS"},
    {{{"a@example.org", "expanded", "2.0.0", NULL}},
     1,
     DSN_OUTCOME_SUCCESS,
     "LAYOUT-SUCCESS"},
    {{{"a@example.org", "Failed", "5.1.1", NULL}},
     1,
     DSN_OUTCOME_FAILURE,
     "LAYOUT-FAILURE"},
    {{{"a@example.org", "delayed", "4.4.1", NULL},
      {"b@example.org", "failed", "5.1.1", NULL}},
     2,
     DSN_OUTCOME_FAILURE,
     "LAYOUT-FAILURE"},
    {{{"a@example.org", "delivered", "2.0.0", NULL},
      {"b@example.org", "delayed", "4.4.1", NULL}},
     2,
     DSN_OUTCOME_DELAY,
     "LAYOUT-DELAY"},
    /* Action missing: the status class decides. */
    {{{"a@example.org", NULL, "5.1.1", NULL}},
     1,
     DSN_OUTCOME_FAILURE,
     "LAYOUT-FAILURE"},
    {{{"a@example.org", NULL, "4.4.1", NULL}},
     1,
     DSN_OUTCOME_DELAY,
     "LAYOUT-DELAY"},
};

START_TEST(test_rewrite_outcome)
{
    const struct outcome_case *c = &outcome_cases[_i];
    struct dsn_config *config = config_default();
    struct test_dsn dsn = {.rcpts = c->rcpts, .rcpt_count = c->count};
    struct test_message msg;
    struct dsn_rewrite_result result;
    char *text;

    test_build(&msg, &dsn);
    test_rewrite(config, &msg, &result);
    ck_assert_msg(result.action == DSN_REWRITE_CHANGE,
                  "case %d not rewritten: %s", _i, result.reason);
    ck_assert_msg(result.outcome == c->outcome,
                  "case %d: outcome %s, "
                  "expected %s",
                  _i, dsn_config_outcome_name(result.outcome),
                  dsn_config_outcome_name(c->outcome));
    text = part_decode(result.part->str);
    ck_assert_msg(g_str_has_prefix(text, c->marker),
                  "case %d: text does "
                  "not start with %s:\n%s",
                  _i, c->marker, text);
    g_free(text);
    dsn_rewrite_free(&result);
    test_message_free(&msg);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_rewrite_language)
{
    static const char *const globals[] = {
        "default_language = \"de-CH\";\n",
        "default_language = \"fr\";\n",
    };
    static const char *const expected[] = {"de-CH", "fr"};

    for (size_t i = 0; i < ARRAY_SIZE(globals); i++) {
        char *text = g_strconcat("postmaster = \"postmaster\";\n", globals[i],
                                 test_messages, test_layouts, NULL);
        struct dsn_config *config = config_from_text(text);
        struct test_dsn dsn = {.rcpts = one_failed, .rcpt_count = 1};
        struct test_message msg;
        struct dsn_rewrite_result result;
        char *language;

        test_build(&msg, &dsn);
        test_rewrite(config, &msg, &result);
        ck_assert_msg(result.action == DSN_REWRITE_CHANGE, "not rewritten: %s",
                      result.reason);
        language = part_field(result.part->str, "Content-Language");
        ck_assert_msg(language != NULL, "no Content-Language in:\n%s",
                      result.part->str);
        ck_assert_str_eq(language, expected[i]);
        ck_assert_str_eq(result.language, expected[i]);
        g_free(language);
        dsn_rewrite_free(&result);
        test_message_free(&msg);
        dsn_config_free(config);
        g_free(text);
    }
}
END_TEST

/* dsn_rewrite: message selection */

struct select_case {
    const char *status;
    const char *action;
    const char *expected;
};

static const struct select_case select_cases[] = {
    {"5.1.1", "failed", "MSG-EXACT-511"},
    {"5.1.2", "failed", "MSG-SUBJECT-51X"},
    {"5.1.10", "failed", "MSG-SUBJECT-51X"},
    {"5.2.2", "failed", "MSG-CLASS-5XX"},
    {"5.0.0", "failed", "MSG-CLASS-5XX"},
    {"5.7.26", "failed", "MSG-EXACT-5726"},
    {"5.7.1", "failed", "MSG-SUBJECT-57X"},
    {"4.4.1", "delayed", "MSG-CLASS-4XX"},
    {"2.0.0", "delivered", "MSG-DEFAULT"},
};

/* Return the "[address|status|message]" line of a rewritten part. */
static char *rewrite_block(const struct test_rcpt *rcpts, size_t count)
{
    struct dsn_config *config = config_default();
    struct test_dsn dsn = {.rcpts = rcpts, .rcpt_count = count};
    struct test_message msg;
    struct dsn_rewrite_result result;
    char *text;

    test_build(&msg, &dsn);
    test_rewrite(config, &msg, &result);
    ck_assert_msg(result.action == DSN_REWRITE_CHANGE, "not rewritten: %s",
                  result.reason);
    text = part_decode(result.part->str);
    dsn_rewrite_free(&result);
    test_message_free(&msg);
    dsn_config_free(config);
    return (text);
}

START_TEST(test_rewrite_select)
{
    const struct select_case *c = &select_cases[_i];
    const struct test_rcpt rcpt = {"a@example.org", c->action, c->status,
                                   NULL};
    char *text = rewrite_block(&rcpt, 1);
    char *expected =
        g_strdup_printf("[a@example.org|%s|%s]\n", c->status, c->expected);

    ck_assert_msg(strstr(text, expected) != NULL,
                  "status %s: expected "
                  "\"%s\" in:\n%s",
                  c->status, expected, text);
    g_free(expected);
    g_free(text);
}
END_TEST

START_TEST(test_rewrite_select_per_recipient)
{
    const struct test_rcpt rcpts[] = {
        {"first@example.org", "failed", "5.1.1", NULL},
        {"second@example.org", "failed", "5.2.2", NULL},
        {"third@example.org", "failed", "5.1.3", NULL},
    };
    char *text = rewrite_block(rcpts, ARRAY_SIZE(rcpts));
    const char *first = strstr(text, "[first@example.org|5.1.1|"
                                     "MSG-EXACT-511]");
    const char *second = strstr(text, "[second@example.org|5.2.2|"
                                      "MSG-CLASS-5XX]");
    const char *third = strstr(text, "[third@example.org|5.1.3|"
                                     "MSG-SUBJECT-51X]");

    ck_assert_msg(first && second && third,
                  "a recipient block is missing "
                  "or has the wrong message:\n%s",
                  text);
    ck_assert_msg(first < second && second < third,
                  "recipient blocks are not in report order:\n%s", text);
    g_free(text);
}
END_TEST

START_TEST(test_rewrite_select_fallback)
{
    struct dsn_config *config = config_load("", test_messages_sparse);
    const struct test_rcpt rcpts[] = {
        {"a@example.org", "failed", "5.2.2", NULL},
        {"b@example.org", "failed", "5.1.1", NULL},
    };
    struct test_dsn dsn = {.rcpts = rcpts, .rcpt_count = 2};
    struct test_message msg;
    struct dsn_rewrite_result result;
    struct dsn_status status = {5, 2, 2};
    char *expected;
    char *text;

    test_build(&msg, &dsn);
    test_rewrite(config, &msg, &result);
    ck_assert_msg(result.action == DSN_REWRITE_CHANGE, "not rewritten: %s",
                  result.reason);
    text = part_decode(result.part->str);
    ck_assert_str_eq(dsn_status_describe(&status), "Mailbox full");
    expected = g_strdup_printf("[a@example.org|5.2.2|%s]",
                               dsn_status_describe(&status));
    ck_assert_msg(strstr(text, expected) != NULL, "expected \"%s\" in:\n%s",
                  expected, text);
    ck_assert_msg(strstr(text, "[b@example.org|5.1.1|MSG-EXACT-511]"),
                  "the exact entry was not used next to the fallback:\n%s",
                  text);
    g_free(expected);
    g_free(text);
    dsn_rewrite_free(&result);
    test_message_free(&msg);
    dsn_config_free(config);
}
END_TEST

/* dsn_rewrite: untrusted text */

/* Assert that text has no control characters other than "\n". */
static void assert_no_controls(const char *text, const char *what)
{
    for (const char *p = text; *p; p++)
        ck_assert_msg(*p == '\n' || ((unsigned char) *p >= 0x20 && *p != 0x7f),
                      "%s: control 0x%02x at offset %td:\n%s", what,
                      (unsigned char) *p, p - text, text);
}

START_TEST(test_untrusted_diagnostic)
{
    const struct test_rcpt rcpts[] = {
        {"a@example.org", "failed", "5.1.1",
         "smtp; 550 \x1b[2J\x1b[31mred\x07 bell\x7f del\x01 soh"},
    };
    char *text = rewrite_block(rcpts, 1);

    assert_no_controls(text, "text with a hostile Diagnostic-Code");
    ck_assert_msg(strstr(text, "DIAG: 550 ") != NULL,
                  "diagnostic code missing from the text:\n%s", text);
    g_free(text);
}
END_TEST

/* Subject fields of the returned message, raw as they appear there. */
static const char *const hostile_subjects[] = {
    "=?UTF-8?Q?Hi=0D=0ABcc:_x@y?=",
    "=?UTF-8?B?SGkNCkJjYzogeEB5?=",
    "Hi\x1b[31m red\x07",
    "=?UTF-8?Q?Hi=0ABcc:_x@y=0A=0Abody?=",
    "Hi\n Bcc: x@y",
    "=?UTF-8?Q?=1B]0;title=07?= Gr\xc3\xbc\xc3\x9f"
    "e",
};

START_TEST(test_untrusted_subject)
{
    struct dsn_config *config = config_default();
    struct test_dsn dsn = {
        .rcpts = one_failed,
        .rcpt_count = 1,
        .original_subject = hostile_subjects[_i],
    };
    struct test_message msg;
    struct dsn_rewrite_result result;
    char *decoded;
    char **lines;

    test_build(&msg, &dsn);
    test_rewrite(config, &msg, &result);
    ck_assert_msg(result.action == DSN_REWRITE_CHANGE, "not rewritten: %s",
                  result.reason);
    assert_subject_folding(result.subject, hostile_subjects[_i]);
    lines = g_strsplit(result.subject, "\n", -1);
    for (int i = 1; lines[i]; i++)
        ck_assert_msg(lines[i][0] == '\t',
                      "subject line %d is not a "
                      "continuation:\n%s",
                      i, result.subject);
    decoded = subject_decode(result.subject);
    assert_no_controls(decoded, "decoded subject");
    ck_assert_msg(strchr(decoded, '\n') == NULL,
                  "decoded subject has a "
                  "newline: \"%s\"",
                  decoded);
    ck_assert_msg(g_str_has_prefix(decoded, "FAILURE: "), "subject \"%s\"",
                  decoded);
    g_strfreev(lines);
    g_free(decoded);
    dsn_rewrite_free(&result);
    test_message_free(&msg);
    dsn_config_free(config);
}
END_TEST

/* A layout that starts a line with the original subject. */
static const char subject_line_config[] =
    "messages = ( { code = \"default\"; text = \"MSG-DEFAULT\"; } );\n"
    "layouts = {\n"
    "  failure = { subject = \"F\";\n"
    "              text = \"${original_subject}\\n${recipients}\"; };\n"
    "  delay = { subject = \"D\"; text = \"${recipients}\"; };\n"
    "  success = { subject = \"S\"; text = \"${recipients}\"; };\n"
    "};\n";

/* Original subjects that put the report's delimiter into the text. */
static const char *const delimiter_subjects[] = {
    "--4ABC123.1700000000/mx.example",
    "--4ABC123.1700000000/mx.example--",
    "=?UTF-8?Q?--4ABC123.1700000000/mx.example?=",
    "=?UTF-8?Q?=0D=0A--4ABC123.1700000000/mx.example=0D=0AX?=",
    "--4ABC123.1700000000/mx.example =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=",
    /* Raw UTF-8: quoted-printable wraps right before the delimiter. */
    "\xc3\xbc xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxx--4ABC123.1700000000/mx.example",
};

START_TEST(test_untrusted_subject_in_text)
{
    struct dsn_config *config = config_from_text(subject_line_config);
    struct test_dsn dsn = {
        .rcpts = one_failed,
        .rcpt_count = 1,
        .original_subject = delimiter_subjects[_i],
    };
    struct test_message msg;
    struct dsn_rewrite_result result;
    const char *content;

    test_build(&msg, &dsn);
    test_rewrite(config, &msg, &result);
    ck_assert_msg(result.action == DSN_REWRITE_CHANGE, "not rewritten: %s",
                  result.reason);
    content = result.part->str + part_content_offset(result.part->str);
    assert_no_delimiter(content, msg.boundary);
    assert_untouched(&msg, &result);
    dsn_rewrite_free(&result);
    test_message_free(&msg);
    dsn_config_free(config);
}
END_TEST

static Suite *dsn_rewrite_suite(void)
{
    Suite *suite = suite_create("dsn_rewrite");
    TCase *part = tcase_create("compose_part");
    TCase *subject = tcase_create("compose_subject");
    TCase *body = tcase_create("rewrite_body");
    TCase *pass = tcase_create("rewrite_pass");
    TCase *select = tcase_create("rewrite_select");
    TCase *untrusted = tcase_create("rewrite_untrusted");

    tcase_add_test(part, test_part_ascii_7bit);
    tcase_add_test(part, test_part_adds_final_newline);
    tcase_add_test(part, test_part_utf8_quoted_printable);
    tcase_add_test(part, test_part_long_ascii_line);
    tcase_add_loop_test(part, test_part_crlf, 0, ARRAY_SIZE(crlf_texts));
    tcase_add_loop_test(part, test_part_delimiter_forces_base64, 0,
                        ARRAY_SIZE(delimiter_texts));
    tcase_add_test(part, test_part_delimiter_inside_line_stays_7bit);
    tcase_add_test(part, test_part_delimiter_after_soft_break);
    tcase_add_test(part, test_part_content_language);
    tcase_add_test(part, test_part_appends);
    suite_add_tcase(suite, part);

    tcase_add_test(subject, test_subject_ascii_unchanged);
    tcase_add_loop_test(subject, test_subject_non_ascii_encoded, 0,
                        ARRAY_SIZE(non_ascii_subjects));
    tcase_add_loop_test(subject, test_subject_no_header_injection, 0,
                        ARRAY_SIZE(injection_subjects));
    tcase_add_test(subject, test_subject_controls_removed);
    tcase_add_test(subject, test_subject_invalid_utf8);
    tcase_add_loop_test(subject, test_subject_long_folded, 0, 4);
    tcase_add_loop_test(subject, test_subject_long_gmime_round_trip, 0, 4);
    suite_add_tcase(suite, subject);

    tcase_add_test(body, test_null_sender);
    tcase_add_loop_test(body, test_rewrite_keeps_other_parts, 0,
                        ARRAY_SIZE(newlines));
    tcase_add_test(body, test_rewrite_global_report);
    tcase_add_loop_test(body, test_rewrite_outcome, 0,
                        ARRAY_SIZE(outcome_cases));
    tcase_add_test(body, test_rewrite_language);
    suite_add_tcase(suite, body);

    tcase_add_test(pass, test_pass_non_null_sender);
    tcase_add_test(pass, test_pass_foreign);
    tcase_add_test(pass, test_rewrite_foreign_allowed);
    tcase_add_test(pass, test_pass_too_large);
    tcase_add_test(pass, test_size_limit_boundary);
    tcase_add_test(pass, test_pass_not_dsn);
    tcase_add_test(pass, test_fail_unparsable);
    suite_add_tcase(suite, pass);

    tcase_add_loop_test(select, test_rewrite_select, 0,
                        ARRAY_SIZE(select_cases));
    tcase_add_test(select, test_rewrite_select_per_recipient);
    tcase_add_test(select, test_rewrite_select_fallback);
    suite_add_tcase(suite, select);

    tcase_add_test(untrusted, test_untrusted_diagnostic);
    tcase_add_loop_test(untrusted, test_untrusted_subject, 0,
                        ARRAY_SIZE(hostile_subjects));
    tcase_add_loop_test(untrusted, test_untrusted_subject_in_text, 0,
                        ARRAY_SIZE(delimiter_subjects));
    suite_add_tcase(suite, untrusted);

    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(dsn_rewrite_suite());
    int failed;

    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
