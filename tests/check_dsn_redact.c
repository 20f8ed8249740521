/*
 * check_dsn_redact - unit tests for dsn_redact.c and the policy steps of
 * dsn_rewrite.c
 *
 * Covers dsn_redact_text(), dsn_redact_status() on raw delivery-status
 * content, the cut of the returned message to its header block
 * (max_returned_size), the pieces that dsn_rewrite_pieces() returns, and
 * the postmaster copy.  Texts are written with "\n" line ends.  A loop
 * test that takes a newline runs once with "\n" and once with "\r\n"
 * (newlines[_i % 2]).  Whole DSNs are built in memory and parsed again
 * with dsn_parse_message() after the rewrite.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <glib.h>

#include "dsn_config.h"
#include "dsn_parse.h"
#include "dsn_redact.h"
#include "dsn_rewrite.h"
#include "dsn_status.h"
#include "dsn_util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define STR(s) ((s) ? (s) : "(null)")

static const char *const newlines[] = {"\n", "\r\n"};

/* Name of the newline for messages: "LF" or "CRLF". */
#define NEWLINE_NAME(nl) (strcmp((nl), "\n") == 0 ? "LF" : "CRLF")

/* Return text with every "\n" replaced by newline. */
static GString *with_newline(const char *text, const char *newline)
{
    GString *out = g_string_sized_new(strlen(text) * 2);

    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            g_string_append(out, newline);
        else
            g_string_append_c(out, *p);
    }
    return (out);
}

/* Assert that every "\n" of data follows "\r". */
static void assert_crlf_only(const char *data, size_t len, const char *label)
{
    for (size_t i = 0; i < len; i++)
        if (data[i] == '\n')
            ck_assert_msg(i > 0 && data[i - 1] == '\r',
                          "%s: bare LF at offset %zu", label, i);
}

/* Config */

static const char test_layouts[] =
    "messages = ( { code = \"default\"; text = \"MSG-DEFAULT\"; } );\n"
    "layouts = {\n"
    "  failure = {\n"
    "    subject = \"FAILURE\";\n"
    "    text = \"FAILURE\\n${recipients}\"\n"
    "           \"${original_truncated?TRUNCATED=${original_truncated}\\n}\"\n"
    "           \"END\\n\";\n"
    "    recipient = \"[${recipient}|${status}]\\n\"\n"
    "                \"${remote_mta?MTA=${remote_mta}\\n}\"\n"
    "                \"${diagnostic_code?DIAG=${diagnostic_code}\\n}\";\n"
    "  };\n"
    "  delay = {\n"
    "    subject = \"DELAY\";\n"
    "    text = \"DELAY\\n${recipients}\";\n"
    "    recipient = \"[${recipient}|${status}]\\n\";\n"
    "  };\n"
    "  success = {\n"
    "    subject = \"SUCCESS\";\n"
    "    text = \"SUCCESS\\n${recipients}\";\n"
    "    recipient = \"[${recipient}|${status}]\\n\";\n"
    "  };\n"
    "};\n";

/* Write text to a temporary file, load it as a config, remove the file. */
static struct dsn_config *config_from_text(const char *text)
{
    GError *error = NULL;
    GString *errors = g_string_new(NULL);
    char *path = NULL;
    int fd = g_file_open_tmp("check_dsn_redact.XXXXXX.conf", &path, &error);
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

/* Load the test config with an internal_domains value and settings. */
static struct dsn_config *config_with_domains(const char *domains,
                                              const char *settings)
{
    char *text = g_strconcat("postmaster = \"postmaster\";\n"
                             "default_language = \"en\";\n"
                             "internal_domains = ",
                             domains, ";\n", settings, test_layouts, NULL);
    struct dsn_config *config = config_from_text(text);

    g_free(text);
    return (config);
}

/*
 * Load the test config with settings.  The internal domains are
 * int.example.com, its subdomains and the subdomains of corp.example.
 */
static struct dsn_config *config_load(const char *settings)
{
    return (config_with_domains("[ \"int.example.com\", \".int.example.com\","
                                " \".corp.example\" ]",
                                settings));
}

/* dsn_redact_text */

struct text_case {
    const char *input;
    const char *expected;
};

static const struct text_case text_cases[] = {
    /* The name and the address of the Postfix "host NAME[ADDR]" form. */
    {"host mx.int.example.com[10.0.0.5] said: 550 5.1.1 unknown",
     "host [hidden][[hidden]] said: 550 5.1.1 unknown"},
    {"connect to relay.corp.example[192.168.1.7]:25: Connection refused",
     "connect to [hidden][[hidden]]:25: Connection refused"},
    /* A host or address with a port: the port stays. */
    {"connect to 10.0.0.5:25: Connection timed out",
     "connect to [hidden]:25: Connection timed out"},
    {"connect to mx.int.example.com:587 failed",
     "connect to [hidden]:587 failed"},
    {"dns;(127.0.0.1)", "dns;([hidden])"},
    /* Public names and addresses are kept. */
    {"host mx.example.org[192.0.2.1] said: 550 5.1.1 unknown",
     "host mx.example.org[192.0.2.1] said: 550 5.1.1 unknown"},
    {"lookup of 8.8.8.8 and 2001:db8::1 failed",
     "lookup of 8.8.8.8 and 2001:db8::1 failed"},
    /* Listed exactly, as a subdomain, in capitals. */
    {"int.example.com", "[hidden]"},
    {"MX.INT.Example.COM rejected", "[hidden] rejected"},
    /* Neither the domain nor a subdomain of a listed one. */
    {"corp.example and notint.example.com and int.example.community",
     "corp.example and notint.example.com and int.example.community"},
    /* A domain right after "@" belongs to a mail address. */
    {"<user@int.example.com>: User unknown",
     "<user@int.example.com>: User unknown"},
    {"bob@mx.int.example.com via mx.int.example.com",
     "bob@mx.int.example.com via [hidden]"},
    /* A trailing "." or ":" ends the sentence, not the name. */
    {"delivered via mx.int.example.com.", "delivered via [hidden]."},
    {"from mx.int.example.com: refused", "from [hidden]: refused"},
    {"relay=mx.int.example.com...", "relay=[hidden]..."},
    /* Private, loopback, link-local and shared addresses. */
    {"127.0.0.1 172.16.0.1 172.31.255.255 100.64.0.1 169.254.1.1",
     "[hidden] [hidden] [hidden] [hidden] [hidden]"},
    {"172.32.0.1 100.128.0.1 11.0.0.1", "172.32.0.1 100.128.0.1 11.0.0.1"},
    {"[IPv6:fd00::1] and fe80::1", "[[hidden]] and [hidden]"},
    /* Status codes and words without a dot are not names. */
    {"5.1.1 localhost said:", "5.1.1 localhost said:"},
    {"", ""},
};

START_TEST(test_text)
{
    const struct text_case *c = &text_cases[_i];
    struct dsn_config *config = config_load("");
    char *got = dsn_redact_text(config, c->input);

    ck_assert_msg(strcmp(got, c->expected) == 0,
                  "dsn_redact_text(\"%s\") is \"%s\", expected \"%s\"",
                  c->input, got, c->expected);
    g_free(got);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_text_no_internal_domains)
{
    struct dsn_config *config = config_with_domains("[ ]", "");
    char *got =
        dsn_redact_text(config, "host mx.int.example.com[10.0.0.5] said:");

    ck_assert_str_eq(got, "host mx.int.example.com[[hidden]] said:");
    g_free(got);
    dsn_config_free(config);
}
END_TEST

/* dsn_redact_status */

/*
 * A Postfix-style delivery-status content with folded fields, internal
 * and public hosts, X-Postfix-* fields (one inside a recipient group) and
 * an expanded alias.
 */
static const char status_input[] =
    "Reporting-MTA: dns; mx.int.example.com\n"
    "X-Postfix-Queue-ID: 4ABC123\n"
    "X-Postfix-Sender: rfc822;\n"
    "\tsender@example.org\n"
    "Received-From-MTA: dns; client.corp.example\n"
    "Arrival-Date: Mon,  4 Dec 2023\n"
    " 16:00:00 +0000 (UTC)\n"
    "\n"
    "Final-Recipient: rfc822; team-lead@int.example.com\n"
    "Original-Recipient: rfc822;team@example.org\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx2.int.example.com\n"
    "Diagnostic-Code: smtp; 550 5.1.1 host mx2.int.example.com[10.0.0.5]"
    " said:\n"
    "    User unknown (in reply to RCPT TO command)\n"
    "\n"
    "Final-Recipient: rfc822; nobody@example.net\n"
    "Action: failed\n"
    "Status: 5.2.2\n"
    "Remote-MTA: dns; mx.example.net\n"
    "Diagnostic-Code: smtp; 552 5.2.2 <nobody@example.net>: Mailbox\n"
    "    full\n"
    "X-Postfix-Trace: removed\n"
    "    with its continuation\n"
    "\n"
    "Final-Recipient: rfc822; later@example.com\n"
    "Original-Recipient: rfc822;later@example.com\n"
    "Action: delayed\n"
    "Status: 4.4.1\n"
    "Remote-MTA: dns; [192.168.1.7]\n"
    "Diagnostic-Code: X-Postfix; connect to relay.corp.example"
    "[192.168.1.7]:25:\n"
    "    Connection refused\n"
    "Will-Retry-Until: Tue,  5 Dec 2023 16:00:00 +0000 (UTC)\n";

/* The same report with nothing internal and no X-Postfix-* fields. */
static const char status_clean[] =
    "Reporting-MTA: dns; mx.example.org\n"
    "Arrival-Date: Mon,  4 Dec 2023 16:00:00 +0000 (UTC)\n"
    "\n"
    "Final-Recipient: rfc822; nobody@example.net\n"
    "Action: failed\n"
    "Status: 5.2.2\n"
    "Remote-MTA: dns; mx.example.net\n"
    "Diagnostic-Code: smtp; 552 5.2.2 <nobody@int.example.com>: Mailbox\n"
    "    full at mx.example.net[192.0.2.25]\n";

static const char expected_all[] =
    "Reporting-MTA: dns; mail.example.com\n"
    "Arrival-Date: Mon,  4 Dec 2023\n"
    " 16:00:00 +0000 (UTC)\n"
    "\n"
    "Final-Recipient: rfc822; team@example.org\n"
    "Original-Recipient: rfc822;team@example.org\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 host [hidden][[hidden]] said:"
    " User unknown\n (in reply to RCPT TO command)\n"
    "\n"
    "Final-Recipient: rfc822; nobody@example.net\n"
    "Action: failed\n"
    "Status: 5.2.2\n"
    "Remote-MTA: dns; mx.example.net\n"
    "Diagnostic-Code: smtp; 552 5.2.2 <nobody@example.net>: Mailbox\n"
    "    full\n"
    "\n"
    "Final-Recipient: rfc822; later@example.com\n"
    "Original-Recipient: rfc822;later@example.com\n"
    "Action: delayed\n"
    "Status: 4.4.1\n"
    "Diagnostic-Code: X-Postfix; connect to [hidden][[hidden]]:25:"
    " Connection\n refused\n"
    "Will-Retry-Until: Tue,  5 Dec 2023 16:00:00 +0000 (UTC)\n";

static const char expected_postfix_only[] =
    "Reporting-MTA: dns; mx.int.example.com\n"
    "Received-From-MTA: dns; client.corp.example\n"
    "Arrival-Date: Mon,  4 Dec 2023\n"
    " 16:00:00 +0000 (UTC)\n"
    "\n"
    "Final-Recipient: rfc822; team-lead@int.example.com\n"
    "Original-Recipient: rfc822;team@example.org\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx2.int.example.com\n"
    "Diagnostic-Code: smtp; 550 5.1.1 host mx2.int.example.com[10.0.0.5]"
    " said:\n"
    "    User unknown (in reply to RCPT TO command)\n"
    "\n"
    "Final-Recipient: rfc822; nobody@example.net\n"
    "Action: failed\n"
    "Status: 5.2.2\n"
    "Remote-MTA: dns; mx.example.net\n"
    "Diagnostic-Code: smtp; 552 5.2.2 <nobody@example.net>: Mailbox\n"
    "    full\n"
    "\n"
    "Final-Recipient: rfc822; later@example.com\n"
    "Original-Recipient: rfc822;later@example.com\n"
    "Action: delayed\n"
    "Status: 4.4.1\n"
    "Remote-MTA: dns; [192.168.1.7]\n"
    "Diagnostic-Code: X-Postfix; connect to relay.corp.example"
    "[192.168.1.7]:25:\n"
    "    Connection refused\n"
    "Will-Retry-Until: Tue,  5 Dec 2023 16:00:00 +0000 (UTC)\n";

static const char expected_hosts_only[] =
    "Reporting-MTA: dns; [hidden]\n"
    "X-Postfix-Queue-ID: 4ABC123\n"
    "X-Postfix-Sender: rfc822;\n"
    "\tsender@example.org\n"
    "Arrival-Date: Mon,  4 Dec 2023\n"
    " 16:00:00 +0000 (UTC)\n"
    "\n"
    "Final-Recipient: rfc822; team-lead@int.example.com\n"
    "Original-Recipient: rfc822;team@example.org\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 host [hidden][[hidden]] said:"
    " User unknown\n (in reply to RCPT TO command)\n"
    "\n"
    "Final-Recipient: rfc822; nobody@example.net\n"
    "Action: failed\n"
    "Status: 5.2.2\n"
    "Remote-MTA: dns; mx.example.net\n"
    "Diagnostic-Code: smtp; 552 5.2.2 <nobody@example.net>: Mailbox\n"
    "    full\n"
    "X-Postfix-Trace: removed\n"
    "    with its continuation\n"
    "\n"
    "Final-Recipient: rfc822; later@example.com\n"
    "Original-Recipient: rfc822;later@example.com\n"
    "Action: delayed\n"
    "Status: 4.4.1\n"
    "Diagnostic-Code: X-Postfix; connect to [hidden][[hidden]]:25:"
    " Connection\n refused\n"
    "Will-Retry-Until: Tue,  5 Dec 2023 16:00:00 +0000 (UTC)\n";

struct status_case {
    const char *name;
    const char *input;
    const char *authority; /* reporting_authority, or NULL */
    bool hosts;            /* hide_internal_hosts */
    bool postfix;          /* hide_postfix_fields */
    bool expansion;        /* hide_expansion */
    const char *expected;  /* NULL: dsn_redact_status returns NULL */
};

static const struct status_case status_cases[] = {
    {"every setting", status_input, "mail.example.com", true, true, true,
     expected_all},
    {"hide_postfix_fields", status_input, NULL, false, true, false,
     expected_postfix_only},
    {"hide_internal_hosts", status_input, NULL, true, false, false,
     expected_hosts_only},
    {"no setting", status_input, NULL, false, false, false, NULL},
    {"nothing internal", status_clean, NULL, true, true, false, NULL},
};

static struct dsn_config_audience audience_of(const struct status_case *c)
{
    struct dsn_config_audience a = {
        .max_returned_size = -1,
        .reporting_authority = (char *) c->authority,
        .hide_internal_hosts = c->hosts,
        .hide_postfix_fields = c->postfix,
        .hide_expansion = c->expansion,
    };

    return (a);
}

/* Run dsn_redact_status on text converted to newline. */
static GString *redact_status(const struct dsn_config *config,
                              const struct dsn_config_audience *a,
                              const char *text, const char *newline)
{
    GString *input = with_newline(text, newline);
    GString *out =
        dsn_redact_status(config, a, input->str, input->len, newline);

    g_string_free(input, TRUE);
    return (out);
}

START_TEST(test_status_cases)
{
    const struct status_case *c = &status_cases[_i / 2];
    const char *nl = newlines[_i % 2];
    struct dsn_config *config = config_load("");
    struct dsn_config_audience a = audience_of(c);
    GString *got = redact_status(config, &a, c->input, nl);
    GString *want;

    if (c->expected == NULL) {
        ck_assert_msg(got == NULL, "%s (%s): expected NULL, got:\n%s", c->name,
                      NEWLINE_NAME(nl), got ? got->str : "");
        dsn_config_free(config);
        return;
    }
    ck_assert_msg(got != NULL, "%s (%s): returned NULL", c->name,
                  NEWLINE_NAME(nl));
    want = with_newline(c->expected, nl);
    ck_assert_msg(g_string_equal(got, want), "%s (%s): got\n%s\nexpected\n%s",
                  c->name, NEWLINE_NAME(nl), got->str, want->str);
    if (strcmp(nl, "\r\n") == 0)
        assert_crlf_only(got->str, got->len, c->name);
    g_string_free(want, TRUE);
    g_string_free(got, TRUE);
    dsn_config_free(config);
}
END_TEST

/* Count the lines of text that start with prefix, ignoring case. */
static int count_lines(const char *text, const char *prefix)
{
    size_t len = strlen(prefix);
    int n = 0;

    for (const char *line = text; line && *line;) {
        if (g_ascii_strncasecmp(line, prefix, len) == 0)
            n++;
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return (n);
}

START_TEST(test_status_postfix_fields_dropped)
{
    const char *nl = newlines[_i];
    struct dsn_config *config = config_load("");
    struct dsn_config_audience a = {.hide_postfix_fields = true};
    GString *got = redact_status(config, &a, status_input, nl);

    ck_assert_msg(got != NULL, "X-Postfix fields not dropped");
    ck_assert_int_eq(count_lines(got->str, "X-Postfix-"), 0);
    ck_assert_msg(strstr(got->str, "sender@example.org") == NULL,
                  "continuation of X-Postfix-Sender left:\n%s", got->str);
    ck_assert_msg(strstr(got->str, "with its continuation") == NULL,
                  "continuation of X-Postfix-Trace left:\n%s", got->str);
    ck_assert_msg(strstr(got->str, "X-Postfix; connect to") != NULL,
                  "a Diagnostic-Code of type X-Postfix was dropped:\n%s",
                  got->str);
    g_string_free(got, TRUE);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_status_remote_mta)
{
    const char *nl = newlines[_i];
    struct dsn_config *config = config_load("");
    struct dsn_config_audience a = {.hide_internal_hosts = true};
    GString *got = redact_status(config, &a, status_input, nl);
    char *public_mta =
        g_strconcat("Remote-MTA: dns; mx.example.net", nl, NULL);

    ck_assert_msg(got != NULL, "internal hosts not hidden");
    ck_assert_int_eq(count_lines(got->str, "Remote-MTA:"), 1);
    ck_assert_msg(strstr(got->str, public_mta) != NULL,
                  "public Remote-MTA not kept byte for byte:\n%s", got->str);
    ck_assert_int_eq(count_lines(got->str, "Received-From-MTA:"), 0);
    ck_assert_msg(strstr(got->str, "10.0.0.5") == NULL,
                  "private address left:\n%s", got->str);
    ck_assert_msg(strstr(got->str, "192.168.1.7") == NULL,
                  "private address left:\n%s", got->str);
    ck_assert_msg(strstr(got->str, "int.example.com[") == NULL,
                  "internal host name left:\n%s", got->str);
    g_free(public_mta);
    g_string_free(got, TRUE);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_status_expansion)
{
    const char *nl = newlines[_i];
    struct dsn_config *config = config_load("");
    struct dsn_config_audience a = {.hide_expansion = true};
    GString *got = redact_status(config, &a, status_input, nl);
    char *want = g_strconcat("Final-Recipient: rfc822; team@example.org", nl,
                             "Original-Recipient: rfc822;"
                             "team@example.org",
                             nl, NULL);

    ck_assert_msg(got != NULL, "expansion not hidden");
    ck_assert_msg(strstr(got->str, want) != NULL,
                  "Final-Recipient not replaced by the Original-Recipient"
                  " address:\n%s",
                  got->str);
    ck_assert_msg(strstr(got->str, "team-lead") == NULL,
                  "expanded address left:\n%s", got->str);
    /* A group without Original-Recipient keeps its Final-Recipient. */
    ck_assert_int_eq(count_lines(got->str, "Final-Recipient: rfc822; nobody@"),
                     1);
    g_free(want);
    g_string_free(got, TRUE);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_status_expansion_angle_brackets)
{
    struct dsn_config *config = config_load("");
    struct dsn_config_audience a = {.hide_expansion = true};
    static const char input[] =
        "Reporting-MTA: dns; mx.example.org\n"
        "\n"
        "Final-Recipient: rfc822; x@int.example.com\n"
        "Original-Recipient: rfc822; <list@example.org> (comment)\n"
        "Action: failed\n"
        "Status: 5.1.1\n";
    GString *got = redact_status(config, &a, input, "\n");

    ck_assert_msg(got != NULL, "expansion not hidden");
    ck_assert_msg(
        strstr(got->str, "\nFinal-Recipient: rfc822; list@example.org\n") !=
            NULL,
        "address not taken from <...>:\n%s", got->str);
    g_string_free(got, TRUE);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_status_untouched_folding)
{
    const char *nl = newlines[_i];
    struct dsn_config *config = config_load("");
    struct dsn_config_audience a = {
        .reporting_authority = "mail.example.com",
        .hide_internal_hosts = true,
        .hide_postfix_fields = true,
        .hide_expansion = true,
    };
    GString *got = redact_status(config, &a, status_input, nl);
    GString *arrival = with_newline("\nArrival-Date: Mon,  4 Dec 2023\n"
                                    " 16:00:00 +0000 (UTC)\n",
                                    nl);
    GString *public = with_newline("\nDiagnostic-Code: smtp; 552 5.2.2"
                                   " <nobody@example.net>: Mailbox\n"
                                   "    full\n",
                                   nl);
    GString *retry = with_newline("\nWill-Retry-Until: Tue,  5 Dec 2023"
                                  " 16:00:00 +0000 (UTC)\n",
                                  nl);

    ck_assert_msg(got != NULL, "nothing redacted");
    ck_assert_msg(strstr(got->str, arrival->str) != NULL,
                  "folded Arrival-Date not kept byte for byte:\n%s", got->str);
    ck_assert_msg(strstr(got->str, public->str) != NULL,
                  "folded public Diagnostic-Code not kept byte for"
                  " byte:\n%s",
                  got->str);
    ck_assert_msg(strstr(got->str, retry->str) != NULL,
                  "Will-Retry-Until not kept:\n%s", got->str);
    g_string_free(arrival, TRUE);
    g_string_free(public, TRUE);
    g_string_free(retry, TRUE);
    g_string_free(got, TRUE);
    dsn_config_free(config);
}
END_TEST

/* Whole DSNs */

struct dsn_spec {
    const char *newline;
    const char *status_type;     /* NULL: message/delivery-status */
    const char *status;          /* delivery-status content, "\n" ends */
    const char *original_type;   /* NULL: message/rfc822 */
    const char *original_header; /* "\n" ends, no blank line */
    int original_lines;          /* lines of body after the header */
    bool no_close;               /* no delimiter after the returned message */
};

/* A built DSN and the byte ranges of its parts. */
struct built_dsn {
    struct dsn_headers headers;
    GString *body;
    char *boundary;
    struct dsn_span human;      /* first part, header and content */
    struct dsn_span status;     /* second part, header and content */
    struct dsn_span original;   /* third part's content */
    size_t original_header_end; /* after the blank line */
};

static const char default_original_header[] =
    "Return-Path: <sender@example.org>\n"
    "Received: from client.corp.example (client.corp.example\n"
    "\t[10.1.2.3]) by mx.int.example.com (Postfix) with ESMTP\n"
    "From: Sender <sender@example.org>\n"
    "To: team@example.org\n"
    "Subject: Quarterly report\n"
    "Message-ID: <report.1@example.org>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=us-ascii\n";

static void append_line(struct built_dsn *d, const char *nl, const char *text)
{
    g_string_append(d->body, text);
    g_string_append(d->body, nl);
}

static void append_text(struct built_dsn *d, const char *nl, const char *text)
{
    GString *converted = with_newline(text, nl);

    g_string_append_len(d->body, converted->str, converted->len);
    g_string_free(converted, TRUE);
}

static void build_headers(struct built_dsn *d, const struct dsn_spec *s)
{
    bool global = s->status_type && strstr(s->status_type, "global");
    char *type = g_strdup_printf(
        "multipart/report; report-type=%s;\n"
        "\tboundary=\"%s\"",
        global ? "global-delivery-status" : "delivery-status", d->boundary);

    dsn_headers_add(&d->headers, "From",
                    "Mail Delivery System <MAILER-DAEMON@mx.example>");
    dsn_headers_add(&d->headers, "To", "sender@example.org");
    dsn_headers_add(&d->headers, "Subject",
                    "Undelivered Mail Returned to Sender");
    dsn_headers_add(&d->headers, "MIME-Version", "1.0");
    dsn_headers_add(&d->headers, "Content-Type", type);
    g_free(type);
}

/* Append the returned message: part header, header block, body lines. */
static void build_original(struct built_dsn *d, const struct dsn_spec *s,
                           const char *nl)
{
    char *line;

    line = g_strdup_printf("Content-Type: %s", s->original_type
                                                   ? s->original_type
                                                   : "message/rfc822");
    append_line(d, nl, "Content-Description: Undelivered Message");
    append_line(d, nl, line);
    g_free(line);
    append_line(d, nl, "");
    d->original.start = d->body->len;
    append_text(d, nl,
                s->original_header ? s->original_header
                                   : default_original_header);
    append_line(d, nl, "");
    d->original_header_end = d->body->len;
    for (int i = 0; i < s->original_lines; i++) {
        line = g_strdup_printf("Line %04d of the returned message body.", i);
        append_line(d, nl, line);
        g_free(line);
    }
}

static void build_dsn(struct built_dsn *d, const struct dsn_spec *s)
{
    const char *nl = s->newline ? s->newline : "\n";
    char *delimiter;
    char *line;

    memset(d, 0, sizeof(*d));
    d->boundary = g_strdup("4ABC123.1700000000/mx.example");
    d->body = g_string_new(NULL);
    delimiter = g_strconcat("--", d->boundary, NULL);
    build_headers(d, s);

    append_line(d, nl, "This is a MIME-encapsulated message.");
    append_line(d, nl, "");
    append_line(d, nl, delimiter);
    d->human.start = d->body->len;
    append_line(d, nl, "Content-Type: text/plain; charset=us-ascii");
    append_line(d, nl, "");
    g_string_append(d->body, "ORIGINAL-HUMAN-TEXT");
    d->human.end = d->body->len;
    append_line(d, nl, "");
    append_line(d, nl, delimiter);

    d->status.start = d->body->len;
    line = g_strdup_printf("Content-Type: %s",
                           s->status_type ? s->status_type
                                          : "message/delivery-status");
    append_line(d, nl, "Content-Description: Delivery report");
    append_line(d, nl, line);
    g_free(line);
    append_line(d, nl, "");
    append_text(d, nl, s->status);
    d->status.end = d->body->len;
    append_line(d, nl, "");
    append_line(d, nl, delimiter);

    build_original(d, s, nl);
    d->original.end = d->body->len;
    if (!s->no_close) {
        g_string_append(d->body, nl);
        g_string_append(d->body, delimiter);
        append_line(d, nl, "--");
    }
    g_free(delimiter);
}

static void built_dsn_free(struct built_dsn *d)
{
    dsn_headers_free(&d->headers);
    g_string_free(d->body, TRUE);
    g_free(d->boundary);
}

/* Run dsn_rewrite as the milter does for a DSN of this MTA. */
static void rewrite(const struct dsn_config *config, const struct built_dsn *d,
                    enum dsn_audience audience, bool local,
                    struct dsn_rewrite_result *result)
{
    struct dsn_rewrite_request req = {
        .config = config,
        .headers = &d->headers,
        .body = d->body->str,
        .body_len = d->body->len,
        .envelope_sender = local ? "" : "<>",
        .recipient = "<sender@example.org>",
        .audience = audience,
        .hostname = "mx.example",
        .local = local,
    };

    dsn_rewrite(&req, result);
    ck_assert_msg(result->action == DSN_REWRITE_CHANGE,
                  "DSN not rewritten: %s", STR(result->reason));
}

/* Concatenate the pieces of the new body. */
static GString *splice(const struct built_dsn *d,
                       const struct dsn_rewrite_result *result, size_t *count)
{
    struct dsn_rewrite_piece pieces[DSN_REWRITE_MAX_PIECES];
    GString *out = g_string_new(NULL);
    size_t n = dsn_rewrite_pieces(result, d->body->str, d->body->len, pieces);

    ck_assert_uint_le(n, DSN_REWRITE_MAX_PIECES);
    for (size_t i = 0; i < n; i++)
        g_string_append_len(out, pieces[i].data, pieces[i].len);
    if (count)
        *count = n;
    return (out);
}

/* Parse body as a DSN with d's header; fail the test when it is not. */
static void parse_body(const struct built_dsn *d, const GString *body,
                       struct dsn_report *report)
{
    const char *reason = NULL;

    memset(report, 0, sizeof(*report));
    ck_assert_msg(dsn_parse_message(&d->headers, body->str, body->len, report,
                                    &reason) == 0,
                  "body does not parse: %s\n%s", STR(reason), body->str);
    ck_assert_msg(report->kind == DSN_PARSE_DSN, "body is not a DSN:\n%s",
                  body->str);
}

/*
 * Assert that after has a Reporting-MTA and the recipients of before,
 * each with a Final-Recipient and the same status code and action.
 */
static void assert_same_report(const struct dsn_report *before,
                               const struct dsn_report *after,
                               const char *label)
{
    char code_before[16];
    char code_after[16];

    ck_assert_msg(after->reporting_mta != NULL, "%s: Reporting-MTA missing",
                  label);
    ck_assert_msg(after->recipient_count == before->recipient_count,
                  "%s: %zu recipients, expected %zu", label,
                  after->recipient_count, before->recipient_count);
    for (size_t i = 0; i < before->recipient_count; i++) {
        const struct dsn_recipient *b = &before->recipients[i];
        const struct dsn_recipient *r = &after->recipients[i];

        ck_assert_msg(r->final_recipient != NULL,
                      "%s: recipient %zu has no Final-Recipient", label, i);
        ck_assert_msg(r->status_valid,
                      "%s: recipient %zu has no valid"
                      " Status",
                      label, i);
        dsn_status_format(&b->status, code_before, sizeof(code_before));
        dsn_status_format(&r->status, code_after, sizeof(code_after));
        ck_assert_msg(strcmp(code_before, code_after) == 0,
                      "%s: recipient %zu has status %s, expected %s", label, i,
                      code_after, code_before);
        ck_assert_msg(g_strcmp0(b->action, r->action) == 0,
                      "%s: recipient %zu has action %s, expected %s", label, i,
                      STR(r->action), STR(b->action));
    }
}

START_TEST(test_status_reparse)
{
    const struct status_case *c = &status_cases[_i / 2];
    const char *nl = newlines[_i % 2];
    struct dsn_config *config = config_load("");
    struct dsn_config_audience a = audience_of(c);
    struct dsn_spec spec = {.newline = nl, .status = c->input};
    struct built_dsn before;
    struct built_dsn after;
    struct dsn_report parsed_before;
    struct dsn_report parsed_after;
    GString *redacted = redact_status(config, &a, c->input, nl);
    char **lines;
    char *unix_text;
    char *label;

    if (redacted == NULL) {
        dsn_config_free(config);
        return;
    }
    /* Build the redacted DSN from "\n" text, so convert back first. */
    lines = g_strsplit(redacted->str, "\r\n", -1);
    unix_text = g_strjoinv("\n", lines);
    g_strfreev(lines);
    build_dsn(&before, &spec);
    spec.status = unix_text;
    build_dsn(&after, &spec);
    parse_body(&before, before.body, &parsed_before);
    parse_body(&after, after.body, &parsed_after);
    label = g_strdup_printf("%s (%s)", c->name, NEWLINE_NAME(nl));
    assert_same_report(&parsed_before, &parsed_after, label);
    if (c->authority)
        ck_assert_str_eq(parsed_after.reporting_mta, "dns; mail.example.com");
    if (c->postfix) {
        ck_assert_ptr_null(parsed_after.postfix_queue_id);
        ck_assert_ptr_null(parsed_after.postfix_sender);
    }
    if (c->hosts) {
        ck_assert_ptr_null(parsed_after.received_from_mta);
        ck_assert_ptr_null(parsed_after.recipients[0].remote_mta);
        ck_assert_str_eq(STR(parsed_after.recipients[1].remote_mta),
                         "dns; mx.example.net");
    }
    g_free(label);
    dsn_parse_free(&parsed_before);
    dsn_parse_free(&parsed_after);
    built_dsn_free(&before);
    built_dsn_free(&after);
    g_free(unix_text);
    g_string_free(redacted, TRUE);
    dsn_config_free(config);
}
END_TEST

/* dsn_rewrite: the redacted delivery-status part in the new body */

START_TEST(test_rewrite_redacts_status_part)
{
    const char *nl = newlines[_i];
    struct dsn_config *config =
        config_load("external = { reporting_authority = \"mail.example.com\";"
                    " hide_internal_hosts = true; hide_postfix_fields = true;"
                    " hide_expansion = true; };\n");
    struct dsn_spec spec = {.newline = nl, .status = status_input};
    struct built_dsn d;
    struct dsn_rewrite_result result;
    struct dsn_report again;
    GString *body;
    GString *want;
    size_t count;

    build_dsn(&d, &spec);
    rewrite(config, &d, DSN_AUDIENCE_EXTERNAL, true, &result);
    ck_assert_msg(result.status_text != NULL, "status part not redacted");
    body = splice(&d, &result, &count);
    ck_assert_uint_eq(count, 5);
    parse_body(&d, body, &again);
    want = with_newline(expected_all, nl);
    ck_assert_msg(again.status_content.end - again.status_content.start >=
                          want->len &&
                      memcmp(body->str + again.status_content.start, want->str,
                             want->len) == 0,
                  "status part of the new body is not the redacted"
                  " content:\n%s",
                  body->str + again.status_content.start);
    assert_same_report(&result.report, &again, "rewritten body");
    ck_assert_str_eq(again.reporting_mta, "dns; mail.example.com");
    /* The returned message after the status part is unchanged. */
    ck_assert_msg(g_str_has_suffix(body->str, d.body->str + d.status.end),
                  "bytes after the delivery-status content changed");
    if (strcmp(nl, "\r\n") == 0)
        assert_crlf_only(body->str, body->len, "new body");
    g_string_free(want, TRUE);
    g_string_free(body, TRUE);
    dsn_parse_free(&again);
    dsn_rewrite_free(&result);
    built_dsn_free(&d);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_rewrite_redacts_text)
{
    struct dsn_config *config = config_load(
        "external = { hide_internal_hosts = true; hide_expansion = true;"
        " };\n");
    struct dsn_spec spec = {.status = status_input};
    struct built_dsn d;
    struct dsn_rewrite_result result;
    const char *text;

    build_dsn(&d, &spec);
    rewrite(config, &d, DSN_AUDIENCE_EXTERNAL, true, &result);
    text = result.part->str;
    ck_assert_msg(strstr(text, "[team@example.org|5.1.1]\n") != NULL,
                  "recipient is not the address the sender wrote:\n%s", text);
    ck_assert_msg(strstr(text, "team-lead") == NULL,
                  "expanded address shown:\n%s", text);
    ck_assert_msg(strstr(text, "\nDIAG=550 5.1.1 host [hidden][[hidden]]"
                               " said: User unknown") != NULL,
                  "diagnostic not masked:\n%s", text);
    ck_assert_msg(strstr(text, "\nDIAG=connect to [hidden][[hidden]]:25:") !=
                      NULL,
                  "diagnostic not masked:\n%s", text);
    ck_assert_msg(strstr(text, "\nMTA=mx.example.net\n") != NULL,
                  "public Remote-MTA not shown:\n%s", text);
    ck_assert_int_eq(count_lines(text, "MTA="), 1);
    ck_assert_msg(strstr(text, "mx2.int.example.com") == NULL,
                  "internal host shown:\n%s", text);
    ck_assert_msg(strstr(text, "10.0.0.5") == NULL,
                  "private address shown:\n%s", text);
    ck_assert_msg(strstr(text, "192.168.1.7") == NULL,
                  "private address shown:\n%s", text);
    dsn_rewrite_free(&result);
    built_dsn_free(&d);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_rewrite_internal_audience_not_redacted)
{
    struct dsn_config *config =
        config_load("external = { hide_internal_hosts = true;"
                    " hide_postfix_fields = true; };\n");
    struct dsn_spec spec = {.status = status_input};
    struct built_dsn d;
    struct dsn_rewrite_result result;

    build_dsn(&d, &spec);
    rewrite(config, &d, DSN_AUDIENCE_INTERNAL, true, &result);
    ck_assert_ptr_null(result.status_text);
    ck_assert_str_eq(STR(result.report.postfix_queue_id), "4ABC123");
    dsn_rewrite_free(&result);
    built_dsn_free(&d);
    dsn_config_free(config);
}
END_TEST

/* dsn_rewrite: max_returned_size */

static const char one_failed_status[] =
    "Reporting-MTA: dns; mx.example\n"
    "\n"
    "Final-Recipient: rfc822; nobody@example.net\n"
    "Action: failed\n"
    "Status: 5.1.1\n";

/* Load the test config with an external max_returned_size. */
static struct dsn_config *config_max_returned(long long size)
{
    char *settings = g_strdup_printf("external = { max_returned_size ="
                                     " %lldL; };\n",
                                     size);
    struct dsn_config *config = config_load(settings);

    g_free(settings);
    return (config);
}

/* Return the content of the original_text part, after its header. */
static const char *part_content(const GString *part, const char *nl)
{
    char *blank = g_strconcat(nl, nl, NULL);
    const char *hit = strstr(part->str, blank);
    size_t skip = strlen(blank);

    g_free(blank);
    ck_assert_msg(hit != NULL, "part has no blank line:\n%s", part->str);
    return (hit + skip);
}

START_TEST(test_truncate_headers_only)
{
    const char *nl = newlines[_i];
    struct dsn_config *config = config_max_returned(0);
    struct dsn_spec spec = {
        .newline = nl,
        .status = one_failed_status,
        .original_lines = 40,
    };
    struct built_dsn d;
    struct dsn_rewrite_result result;
    struct dsn_report again;
    GString *body;
    GString *header_line;
    char *header_block;
    size_t header_len;
    size_t count;
    size_t new_content_len;

    build_dsn(&d, &spec);
    header_len = d.original_header_end - d.original.start;
    rewrite(config, &d, DSN_AUDIENCE_EXTERNAL, true, &result);
    ck_assert_msg(result.original_text != NULL, "returned message not cut");
    header_line = with_newline("Content-Type: text/rfc822-headers\n", nl);
    ck_assert_msg(strstr(result.original_text->str, header_line->str) != NULL,
                  "no text/rfc822-headers Content-Type:\n%s",
                  result.original_text->str);
    ck_assert_msg(strstr(result.original_text->str,
                         "Content-Transfer-Encoding: 7bit") != NULL,
                  "ASCII header block not labelled 7bit:\n%s",
                  result.original_text->str);
    header_block = g_strndup(d.body->str + d.original.start, header_len);
    ck_assert_str_eq(part_content(result.original_text, nl), header_block);
    /* With a limit of 0 the header alone is the policy, not a size
     * problem, so the text does not say the message was too large. */
    ck_assert_msg(strstr(result.part->str, "TRUNCATED=yes") == NULL,
                  "original_truncated set for max_returned_size 0:\n%s",
                  result.part->str);

    body = splice(&d, &result, &count);
    ck_assert_uint_eq(count, 5);
    parse_body(&d, body, &again);
    ck_assert_int_eq(again.original_type, DSN_ORIGINAL_HEADERS);
    ck_assert_msg(dsn_parse_original_end(body->str, body->len, &again),
                  "no delimiter after the cut returned message");
    new_content_len =
        again.original_content.end - again.original_content.start;
    ck_assert_uint_eq(new_content_len, header_len);
    ck_assert_msg(memcmp(body->str + again.original_content.start,
                         d.body->str + d.original.start, header_len) == 0,
                  "header block not copied byte for byte");
    ck_assert_msg(memcmp(body->str + again.status_part.start,
                         d.body->str + d.status.start,
                         d.status.end - d.status.start) == 0,
                  "delivery-status part changed");
    ck_assert_msg(strstr(body->str, "Line 0000") == NULL,
                  "body of the returned message left");
    ck_assert_str_eq(STR(again.original_subject), "Quarterly report");
    if (strcmp(nl, "\r\n") == 0)
        assert_crlf_only(body->str, body->len, "new body");
    g_string_free(header_line, TRUE);
    g_free(header_block);
    g_string_free(body, TRUE);
    dsn_parse_free(&again);
    dsn_rewrite_free(&result);
    built_dsn_free(&d);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_truncate_global)
{
    struct dsn_config *config = config_max_returned(0);
    struct dsn_spec spec = {
        .status_type = "message/global-delivery-status",
        .status = one_failed_status,
        .original_type = "message/global",
        .original_header = "From: Jörg <joerg@example.org>\n"
                           "Subject: Grüße\n",
        .original_lines = 5,
    };
    struct built_dsn d;
    struct dsn_rewrite_result result;
    struct dsn_report again;
    GString *body;

    build_dsn(&d, &spec);
    rewrite(config, &d, DSN_AUDIENCE_EXTERNAL, true, &result);
    ck_assert_msg(result.original_text != NULL, "returned message not cut");
    ck_assert_msg(strstr(result.original_text->str,
                         "Content-Type: message/global-headers\n") != NULL,
                  "no message/global-headers:\n%s", result.original_text->str);
    ck_assert_msg(strstr(result.original_text->str,
                         "Content-Transfer-Encoding: 8bit\n") != NULL,
                  "UTF-8 header block not labelled 8bit:\n%s",
                  result.original_text->str);
    body = splice(&d, &result, NULL);
    parse_body(&d, body, &again);
    ck_assert_int_eq(again.original_type, DSN_ORIGINAL_GLOBAL_HEADERS);
    ck_assert_str_eq(STR(again.original_subject), "Grüße");
    g_string_free(body, TRUE);
    dsn_parse_free(&again);
    dsn_rewrite_free(&result);
    built_dsn_free(&d);
    dsn_config_free(config);
}
END_TEST

/* Offsets from the size of the returned message, and whether it is cut. */
struct size_case {
    long long delta;
    bool cut;
};

static const struct size_case size_cases[] = {
    {-1, true},
    {0, false},
    {1, false},
    {100000, false},
};

START_TEST(test_truncate_size_limit)
{
    const struct size_case *c = &size_cases[_i];
    struct dsn_spec spec = {.status = one_failed_status, .original_lines = 20};
    struct built_dsn d;
    struct dsn_rewrite_result result;
    struct dsn_config *config;
    long long size;

    build_dsn(&d, &spec);
    size = (long long) (d.original.end - d.original.start);
    config = config_max_returned(size + c->delta);
    rewrite(config, &d, DSN_AUDIENCE_EXTERNAL, true, &result);
    ck_assert_msg((result.original_text != NULL) == c->cut,
                  "returned message of %lld bytes with max_returned_size"
                  " %lld: cut is %d, expected %d",
                  size, size + c->delta, result.original_text != NULL, c->cut);
    ck_assert_msg((strstr(result.part->str, "TRUNCATED=") != NULL) == c->cut,
                  "original_truncated does not match the cut:\n%s",
                  result.part->str);
    dsn_rewrite_free(&result);
    built_dsn_free(&d);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_truncate_no_close_delimiter)
{
    struct dsn_config *config = config_max_returned(0);
    struct dsn_spec spec = {
        .status = one_failed_status,
        .original_lines = 40,
        .no_close = true,
    };
    struct built_dsn d;
    struct dsn_rewrite_result result;
    GString *body;

    build_dsn(&d, &spec);
    rewrite(config, &d, DSN_AUDIENCE_EXTERNAL, true, &result);
    ck_assert_msg(result.original_text == NULL,
                  "returned message without a close delimiter was cut");
    ck_assert_msg(strstr(result.part->str, "TRUNCATED=") == NULL,
                  "original_truncated set without a cut");
    body = splice(&d, &result, NULL);
    ck_assert_msg(g_str_has_suffix(body->str, d.body->str + d.human.end),
                  "bytes after the first part changed");
    g_string_free(body, TRUE);
    dsn_rewrite_free(&result);
    built_dsn_free(&d);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_truncate_not_for_headers_part)
{
    struct dsn_config *config = config_max_returned(0);
    struct dsn_spec spec = {
        .status = one_failed_status,
        .original_type = "text/rfc822-headers",
    };
    struct built_dsn d;
    struct dsn_rewrite_result result;

    build_dsn(&d, &spec);
    rewrite(config, &d, DSN_AUDIENCE_EXTERNAL, true, &result);
    ck_assert_ptr_null(result.original_text);
    dsn_rewrite_free(&result);
    built_dsn_free(&d);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_truncate_unset_is_no_limit)
{
    struct dsn_config *config = config_load("");
    struct dsn_spec spec = {.status = one_failed_status,
                            .original_lines = 5000};
    struct built_dsn d;
    struct dsn_rewrite_result result;

    build_dsn(&d, &spec);
    rewrite(config, &d, DSN_AUDIENCE_EXTERNAL, true, &result);
    ck_assert_ptr_null(result.original_text);
    ck_assert_msg(strstr(result.part->str, "TRUNCATED=") == NULL,
                  "original_truncated set without max_returned_size");
    dsn_rewrite_free(&result);
    built_dsn_free(&d);
    dsn_config_free(config);
}
END_TEST

/* dsn_rewrite_pieces */

START_TEST(test_pieces_without_policy)
{
    const char *nl = newlines[_i];
    struct dsn_config *config = config_load("");
    struct dsn_spec spec = {
        .newline = nl,
        .status = status_input,
        .original_lines = 10,
    };
    struct built_dsn d;
    struct dsn_rewrite_result result;
    struct dsn_report again;
    GString *body;
    size_t count;
    size_t tail = 0;

    build_dsn(&d, &spec);
    rewrite(config, &d, DSN_AUDIENCE_EXTERNAL, true, &result);
    ck_assert_ptr_null(result.status_text);
    ck_assert_ptr_null(result.original_text);
    body = splice(&d, &result, &count);
    ck_assert_uint_eq(count, 3);
    ck_assert_msg(memcmp(body->str, d.body->str, d.human.start) == 0,
                  "bytes before the first part changed");
    tail = d.body->len - d.human.end;
    ck_assert_msg(body->len >= tail &&
                      memcmp(body->str + body->len - tail,
                             d.body->str + d.human.end, tail) == 0,
                  "bytes after the first part changed");
    parse_body(&d, body, &again);
    ck_assert_uint_eq(again.status_content.end - again.status_content.start,
                      result.report.status_content.end -
                          result.report.status_content.start);
    ck_assert_msg(
        memcmp(body->str + again.status_content.start,
               d.body->str + result.report.status_content.start,
               again.status_content.end - again.status_content.start) == 0,
        "delivery-status content changed");
    g_string_free(body, TRUE);
    dsn_parse_free(&again);
    dsn_rewrite_free(&result);
    built_dsn_free(&d);
    dsn_config_free(config);
}
END_TEST

START_TEST(test_pieces_with_every_policy)
{
    const char *nl = newlines[_i];
    struct dsn_config *config =
        config_load("external = { reporting_authority = \"mail.example.com\";"
                    " hide_internal_hosts = true; hide_postfix_fields = true;"
                    " hide_expansion = true; max_returned_size = 0; };\n");
    struct dsn_spec spec = {
        .newline = nl,
        .status = status_input,
        .original_lines = 10,
    };
    struct built_dsn d;
    struct dsn_rewrite_result result;
    struct dsn_report again;
    GString *body;
    size_t count;

    build_dsn(&d, &spec);
    rewrite(config, &d, DSN_AUDIENCE_EXTERNAL, true, &result);
    ck_assert_ptr_nonnull(result.status_text);
    ck_assert_ptr_nonnull(result.original_text);
    body = splice(&d, &result, &count);
    ck_assert_uint_eq(count, DSN_REWRITE_MAX_PIECES);
    parse_body(&d, body, &again);
    ck_assert_uint_eq(again.status_content.end - again.status_content.start,
                      result.status_text->len);
    ck_assert_msg(memcmp(body->str + again.status_content.start,
                         result.status_text->str,
                         result.status_text->len) == 0,
                  "delivery-status content is not the redacted text");
    ck_assert_int_eq(again.original_type, DSN_ORIGINAL_HEADERS);
    assert_same_report(&result.report, &again, "every policy");
    ck_assert_msg(strstr(body->str, "10.1.2.3") != NULL,
                  "the returned header block was changed");
    if (strcmp(nl, "\r\n") == 0)
        assert_crlf_only(body->str, body->len, "new body");
    g_string_free(body, TRUE);
    dsn_parse_free(&again);
    dsn_rewrite_free(&result);
    built_dsn_free(&d);
    dsn_config_free(config);
}
END_TEST

/* dsn_rewrite: postmaster copy */

static const char loop_status[] =
    "Reporting-MTA: dns; mx.example\n"
    "\n"
    "Final-Recipient: rfc822; nobody@example.net\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "\n"
    "Final-Recipient: rfc822; loop@example.net\n"
    "Action: failed\n"
    "Status: 5.4.6\n";

static const char timeout_status[] =
    "Reporting-MTA: dns; mx.example\n"
    "\n"
    "Final-Recipient: rfc822; slow@example.net\n"
    "Action: failed\n"
    "Status: 5.4.7\n";

struct copy_case {
    const char *name;
    const char *settings;
    const char *status;
    bool local;
    const char *copy_to; /* NULL: no copy */
    const char *copy_code;
};

static const struct copy_case copy_cases[] = {
    {"default codes, 5.4.6", "", loop_status, true, "postmaster@mx.example",
     "5.4.6"},
    {"default codes, 5.4.7", "", timeout_status, true, NULL, ""},
    {"foreign DSN", "rewrite_foreign = true;\n", loop_status, false, NULL, ""},
    {"copies turned off", "postmaster_copies = [ ];\n", loop_status, true,
     NULL, ""},
    {"wildcard 5.4.x", "postmaster_copies = [ \"5.4.x\" ];\n", timeout_status,
     true, "postmaster@mx.example", "5.4.7"},
    {"wildcard 5.x.x, first match", "postmaster_copies = [ \"5.x.x\" ];\n",
     loop_status, true, "postmaster@mx.example", "5.1.1"},
    {"reporting_host completes", "reporting_host = \"mail.example.com\";\n",
     loop_status, true, "postmaster@mail.example.com", "5.4.6"},
    {"bare postmaster_copy_to", "postmaster_copy_to = \"noc\";\n", loop_status,
     true, "noc@mx.example", "5.4.6"},
    {"full postmaster_copy_to", "postmaster_copy_to = \"noc@example.com\";\n",
     loop_status, true, "noc@example.com", "5.4.6"},
};

START_TEST(test_copy)
{
    const struct copy_case *c = &copy_cases[_i];
    struct dsn_config *config = config_load(c->settings);
    struct dsn_spec spec = {.status = c->status};
    struct built_dsn d;
    struct dsn_rewrite_result result;

    build_dsn(&d, &spec);
    rewrite(config, &d, DSN_AUDIENCE_EXTERNAL, c->local, &result);
    ck_assert_msg(g_strcmp0(result.copy_to, c->copy_to) == 0,
                  "%s: copy_to is %s, expected %s", c->name,
                  STR(result.copy_to), STR(c->copy_to));
    ck_assert_msg(strcmp(result.copy_code, c->copy_code) == 0,
                  "%s: copy_code is \"%s\", expected \"%s\"", c->name,
                  result.copy_code, c->copy_code);
    dsn_rewrite_free(&result);
    built_dsn_free(&d);
    dsn_config_free(config);
}
END_TEST

/* Envelope recipients of the DSN, and whether the postmaster gets a copy. */
struct copy_recipient_case {
    const char *recipient;
    bool copy;
};

static const struct copy_recipient_case copy_recipient_cases[] = {
    {"<postmaster@mx.example>", false},    {"postmaster@mx.example", false},
    {"<POSTMASTER@MX.EXAMPLE>", false},    {"<apostmaster@mx.example>", true},
    {"<postmaster@mx.example.org>", true}, {"<sender@example.org>", true},
};

START_TEST(test_copy_recipient_is_postmaster)
{
    const struct copy_recipient_case *c = &copy_recipient_cases[_i];
    struct dsn_config *config = config_load("");
    struct dsn_spec spec = {.status = loop_status};
    struct built_dsn d;
    struct dsn_rewrite_result result;
    struct dsn_rewrite_request req = {
        .config = config,
        .envelope_sender = "",
        .recipient = c->recipient,
        .hostname = "mx.example",
        .local = true,
    };

    build_dsn(&d, &spec);
    req.headers = &d.headers;
    req.body = d.body->str;
    req.body_len = d.body->len;
    dsn_rewrite(&req, &result);
    ck_assert_int_eq(result.action, DSN_REWRITE_CHANGE);
    ck_assert_msg((result.copy_to != NULL) == c->copy,
                  "DSN to %s: copy_to is %s, expected %s", c->recipient,
                  STR(result.copy_to),
                  c->copy ? "postmaster@mx.example" : "no copy");
    dsn_rewrite_free(&result);
    built_dsn_free(&d);
    dsn_config_free(config);
}
END_TEST

static Suite *dsn_redact_suite(void)
{
    Suite *suite = suite_create("dsn_redact");
    TCase *text = tcase_create("redact_text");
    TCase *status = tcase_create("redact_status");
    TCase *truncate = tcase_create("rewrite_truncate");
    TCase *pieces = tcase_create("rewrite_pieces");
    TCase *copy = tcase_create("rewrite_copy");

    tcase_add_loop_test(text, test_text, 0, ARRAY_SIZE(text_cases));
    tcase_add_test(text, test_text_no_internal_domains);
    suite_add_tcase(suite, text);

    tcase_add_loop_test(status, test_status_cases, 0,
                        2 * ARRAY_SIZE(status_cases));
    tcase_add_loop_test(status, test_status_postfix_fields_dropped, 0, 2);
    tcase_add_loop_test(status, test_status_remote_mta, 0, 2);
    tcase_add_loop_test(status, test_status_expansion, 0, 2);
    tcase_add_test(status, test_status_expansion_angle_brackets);
    tcase_add_loop_test(status, test_status_untouched_folding, 0, 2);
    tcase_add_loop_test(status, test_status_reparse, 0,
                        2 * ARRAY_SIZE(status_cases));
    tcase_add_loop_test(status, test_rewrite_redacts_status_part, 0, 2);
    tcase_add_test(status, test_rewrite_redacts_text);
    tcase_add_test(status, test_rewrite_internal_audience_not_redacted);
    suite_add_tcase(suite, status);

    tcase_add_loop_test(truncate, test_truncate_headers_only, 0, 2);
    tcase_add_test(truncate, test_truncate_global);
    tcase_add_loop_test(truncate, test_truncate_size_limit, 0,
                        ARRAY_SIZE(size_cases));
    tcase_add_test(truncate, test_truncate_no_close_delimiter);
    tcase_add_test(truncate, test_truncate_not_for_headers_part);
    tcase_add_test(truncate, test_truncate_unset_is_no_limit);
    suite_add_tcase(suite, truncate);

    tcase_add_loop_test(pieces, test_pieces_without_policy, 0, 2);
    tcase_add_loop_test(pieces, test_pieces_with_every_policy, 0, 2);
    suite_add_tcase(suite, pieces);

    tcase_add_loop_test(copy, test_copy, 0, ARRAY_SIZE(copy_cases));
    tcase_add_loop_test(copy, test_copy_recipient_is_postmaster, 0,
                        ARRAY_SIZE(copy_recipient_cases));
    suite_add_tcase(suite, copy);

    return (suite);
}

int main(void)
{
    SRunner *runner = srunner_create(dsn_redact_suite());
    int failed;

    dsn_util_gmime_init();
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
