/*
 * check_dsn_status - unit tests for dsn_status.c
 *
 * Table-driven: every row of a table runs as its own loop test, so one
 * wrong row is reported by its input and the others still run.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "dsn_status.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ANY (-1)

/* Parsing: good input */

struct parse_good_case {
    const char *text;
    int code_class;
    int subject;
    int detail;
    size_t len;
};

static const struct parse_good_case parse_good_cases[] = {
    {"5.1.1", 5, 1, 1, 5},
    {"2.0.0", 2, 0, 0, 5},
    {"4.4.7", 4, 4, 7, 5},
    {"5.7.26", 5, 7, 26, 6},
    {"5.1.10", 5, 1, 10, 6},
    {"5.0.910", 5, 0, 910, 7},
    {"5.123.456", 5, 123, 456, 9},
    {"5.999.999", 5, 999, 999, 9},
    {"5.001.010", 5, 1, 10, 9},
    {"5.0.0", 5, 0, 0, 5},
    /* Leading white space is skipped and counted in len. */
    {"  5.1.1", 5, 1, 1, 7},
    {"\t4.2.2", 4, 2, 2, 6},
    {"\r\n 4.2.2 mailbox full", 4, 2, 2, 8},
    /* Text after the code. */
    {"5.1.1 user unknown", 5, 1, 1, 5},
    {"5.1.1: user unknown", 5, 1, 1, 5},
    {"5.1.1<user@example.org>", 5, 1, 1, 5},
    {"5.1.1)", 5, 1, 1, 5},
    {"5.7.1\r\n", 5, 7, 1, 5},
    {"5.1.1abc", 5, 1, 1, 5},
    /* A "." that ends a sentence is not part of the code. */
    {"5.1.1. User unknown", 5, 1, 1, 5},
    {"5.1.1.", 5, 1, 1, 5},
    {"5.1.1...", 5, 1, 1, 5},
    {"5.1.1.\n", 5, 1, 1, 5},
};

START_TEST(test_parse_good)
{
    const struct parse_good_case *c = &parse_good_cases[_i];
    struct dsn_status status = {-7, -7, -7};
    size_t len = 12345;
    bool ok = dsn_status_parse(c->text, &status, &len);

    ck_assert_msg(ok, "parse(\"%s\") failed, expected %d.%d.%d", c->text,
                  c->code_class, c->subject, c->detail);
    ck_assert_msg(status.code_class == c->code_class,
                  "parse(\"%s\"): class %d, expected %d", c->text,
                  status.code_class, c->code_class);
    ck_assert_msg(status.subject == c->subject,
                  "parse(\"%s\"): subject %d, expected %d", c->text,
                  status.subject, c->subject);
    ck_assert_msg(status.detail == c->detail,
                  "parse(\"%s\"): detail %d, expected %d", c->text,
                  status.detail, c->detail);
    ck_assert_msg(len == c->len, "parse(\"%s\"): len %zu, expected %zu",
                  c->text, len, c->len);
}
END_TEST

START_TEST(test_parse_null_len)
{
    struct dsn_status status = {0, 0, 0};

    ck_assert_msg(dsn_status_parse("5.2.2 full", &status, NULL),
                  "parse(\"5.2.2 full\") with len NULL failed");
    ck_assert_msg(status.code_class == 5 && status.subject == 2 &&
                      status.detail == 2,
                  "parse(\"5.2.2 full\") with len NULL stored %d.%d.%d",
                  status.code_class, status.subject, status.detail);
}
END_TEST

/* Parsing: bad input */

static const char *const parse_bad_cases[] = {
    "",         "   ",      "5",         "5.",      "5.1",     "5.1.",
    "5.1.x",    "5.x.x",    "6.1.1",     "3.1.1",   "1.1.1",   "0.0.0",
    "9.1.1",    "55.1.1",   "5..1",      "5.1..1",  ".5.1.1",  "5.1.1000",
    "5.1000.1", "5.0.0000", "5.1.1.2",   "5.1.1.x", "5.1.1.A", "5,1,1",
    "a5.1.1",   "x.1.1",    "550 5.1.1", "#5.1.1",  "5.-1.1",  "5.+1.1",
    "5 .1.1",   "5. 1.1",   "5.1. 1",    "5.1 .1",
};

START_TEST(test_parse_bad)
{
    const char *text = parse_bad_cases[_i];
    struct dsn_status status = {-7, -7, -7};
    size_t len = 12345;

    ck_assert_msg(!dsn_status_parse(text, &status, &len),
                  "parse(\"%s\") accepted it as %d.%d.%d", text,
                  status.code_class, status.subject, status.detail);
    ck_assert_msg(status.code_class == -7 && status.subject == -7 &&
                      status.detail == -7,
                  "parse(\"%s\") failed but changed the status", text);
    ck_assert_msg(len == 12345, "parse(\"%s\") failed but set len to %zu",
                  text, len);
}
END_TEST

START_TEST(test_parse_null_text)
{
    struct dsn_status status;

    ck_assert_msg(!dsn_status_parse(NULL, &status, NULL),
                  "parse(NULL) returned true");
}
END_TEST

/* Patterns */

struct pattern_good_case {
    const char *text;
    int code_class;
    int subject;
    int detail;
};

static const struct pattern_good_case pattern_good_cases[] = {
    {"5.1.1", 5, 1, 1},         {"5.1.x", 5, 1, ANY},
    {"5.x.x", 5, ANY, ANY},     {"5.1.X", 5, 1, ANY},
    {"4.X.X", 4, ANY, ANY},     {"4.x.X", 4, ANY, ANY},
    {"2.x.x", 2, ANY, ANY},     {"5.7.26", 5, 7, 26},
    {"5.0.910", 5, 0, 910},     {"5.123.999", 5, 123, 999},
    {"5.001.x", 5, 1, ANY},     {"default", ANY, ANY, ANY},
    {"DEFAULT", ANY, ANY, ANY}, {"Default", ANY, ANY, ANY},
};

START_TEST(test_pattern_good)
{
    const struct pattern_good_case *c = &pattern_good_cases[_i];
    struct dsn_status_pattern pattern = {-7, -7, -7};

    ck_assert_msg(dsn_status_pattern_parse(c->text, &pattern),
                  "pattern_parse(\"%s\") failed", c->text);
    ck_assert_msg(pattern.code_class == c->code_class,
                  "pattern_parse(\"%s\"): class %d, expected %d", c->text,
                  pattern.code_class, c->code_class);
    ck_assert_msg(pattern.subject == c->subject,
                  "pattern_parse(\"%s\"): subject %d, expected %d", c->text,
                  pattern.subject, c->subject);
    ck_assert_msg(pattern.detail == c->detail,
                  "pattern_parse(\"%s\"): detail %d, expected %d", c->text,
                  pattern.detail, c->detail);
}
END_TEST

static const char *const pattern_bad_cases[] = {
    "",         "5.x.1",  "5.X.26", "6.1.1",    "3.x.x",    "5.1",
    "5.x",      "5",      "5.",     "5.1.",     "5.1.1000", "5.1000.x",
    "x.x.x",    "X.1.1",  "x.1.x",  "5.1.1 ",   " 5.1.1",   "5.1.1.",
    "5.1.1.1",  "5.1.xx", "5.xx.x", "5.y.1",    "5.1.*",    "5.*.*",
    "*",        "05.1.1", "5.1.-1", "defaults", "defaul",   "default ",
    " default", "any",
};

START_TEST(test_pattern_bad)
{
    const char *text = pattern_bad_cases[_i];
    struct dsn_status_pattern pattern = {-7, -7, -7};

    ck_assert_msg(!dsn_status_pattern_parse(text, &pattern),
                  "pattern_parse(\"%s\") accepted it as %d.%d.%d", text,
                  pattern.code_class, pattern.subject, pattern.detail);
    ck_assert_msg(pattern.code_class == -7 && pattern.subject == -7 &&
                      pattern.detail == -7,
                  "pattern_parse(\"%s\") failed but changed the pattern",
                  text);
}
END_TEST

START_TEST(test_pattern_null)
{
    struct dsn_status_pattern pattern;

    ck_assert_msg(!dsn_status_pattern_parse(NULL, &pattern),
                  "pattern_parse(NULL) returned true");
}
END_TEST

/* Matching */

struct match_case {
    const char *pattern;
    const char *status;
    int expected;
};

static const struct match_case match_cases[] = {
    {"5.1.1", "5.1.1", DSN_STATUS_EXACT},
    {"5.1.x", "5.1.1", DSN_STATUS_SUBJECT},
    {"5.x.x", "5.1.1", DSN_STATUS_CLASS},
    {"default", "5.1.1", DSN_STATUS_DEFAULT},
    {"default", "2.0.0", DSN_STATUS_DEFAULT},
    {"default", "4.4.7", DSN_STATUS_DEFAULT},
    {"4.x.x", "4.4.7", DSN_STATUS_CLASS},
    {"2.x.x", "2.1.5", DSN_STATUS_CLASS},
    {"5.7.x", "5.7.26", DSN_STATUS_SUBJECT},
    {"5.0.910", "5.0.910", DSN_STATUS_EXACT},
    {"5.001.1", "5.1.1", DSN_STATUS_EXACT},
    {"5.1.1", "5.1.2", -1},
    {"5.1.1", "4.1.1", -1},
    {"5.1.1", "5.2.1", -1},
    {"5.1.1", "5.1.10", -1},
    {"5.1.1", "5.11.1", -1},
    {"5.1.x", "5.2.1", -1},
    {"5.1.x", "4.1.1", -1},
    {"5.1.x", "5.10.1", -1},
    {"5.x.x", "4.1.1", -1},
    {"5.x.x", "2.0.0", -1},
    {"4.x.x", "5.4.7", -1},
};

START_TEST(test_match)
{
    const struct match_case *c = &match_cases[_i];
    struct dsn_status_pattern pattern;
    struct dsn_status status;
    int got;

    ck_assert_msg(dsn_status_pattern_parse(c->pattern, &pattern),
                  "match table: pattern \"%s\" does not parse", c->pattern);
    ck_assert_msg(dsn_status_parse(c->status, &status, NULL),
                  "match table: status \"%s\" does not parse", c->status);
    got = dsn_status_match(&pattern, &status);
    ck_assert_msg(got == c->expected,
                  "match(\"%s\", \"%s\") = %d, "
                  "expected %d",
                  c->pattern, c->status, got, c->expected);
}
END_TEST

START_TEST(test_match_null)
{
    struct dsn_status_pattern pattern = {5, 1, 1};
    struct dsn_status status = {5, 1, 1};

    ck_assert_msg(dsn_status_match(NULL, &status) == -1,
                  "match(NULL, 5.1.1) did not return -1");
    ck_assert_msg(dsn_status_match(&pattern, NULL) == -1,
                  "match(5.1.1, NULL) did not return -1");
}
END_TEST

/* Formatting */

struct format_case {
    struct dsn_status status;
    const char *expected;
};

static const struct format_case format_cases[] = {
    {{5, 1, 1}, "5.1.1"},     {{2, 0, 0}, "2.0.0"},
    {{4, 4, 7}, "4.4.7"},     {{5, 7, 26}, "5.7.26"},
    {{5, 0, 910}, "5.0.910"}, {{5, 999, 999}, "5.999.999"},
};

START_TEST(test_format)
{
    const struct format_case *c = &format_cases[_i];
    char buf[12];
    char *got;

    memset(buf, 'Z', sizeof(buf));
    got = dsn_status_format(&c->status, buf, sizeof(buf));
    ck_assert_msg(got == buf, "format(%s) did not return buf", c->expected);
    ck_assert_msg(strcmp(buf, c->expected) == 0, "format(%s) wrote \"%s\"",
                  c->expected, buf);
}
END_TEST

START_TEST(test_format_round_trip)
{
    struct dsn_status status;
    char buf[12];

    ck_assert_msg(dsn_status_parse("5.001.010 text", &status, NULL),
                  "parse(\"5.001.010 text\") failed");
    dsn_status_format(&status, buf, sizeof(buf));
    ck_assert_msg(strcmp(buf, "5.1.10") == 0,
                  "format(parse(\"5.001.010 text\")) wrote \"%s\", "
                  "expected \"5.1.10\"",
                  buf);
}
END_TEST

START_TEST(test_format_short_buffer)
{
    struct dsn_status status = {5, 7, 26};
    char buf[8];

    memset(buf, 'Z', sizeof(buf));
    dsn_status_format(&status, buf, 4);
    ck_assert_msg(strcmp(buf, "5.7") == 0,
                  "format(5.7.26) into 4 bytes wrote \"%s\", expected "
                  "\"5.7\"",
                  buf);
    ck_assert_msg(buf[4] == 'Z', "format(5.7.26) into 4 bytes wrote past "
                                 "the buffer");

    memset(buf, 'Z', sizeof(buf));
    dsn_status_format(&status, buf, 0);
    ck_assert_msg(buf[0] == 'Z', "format(5.7.26) into 0 bytes wrote to "
                                 "the buffer");
}
END_TEST

/* Descriptions */

struct describe_case {
    const char *code;
    const char *expected;
};

/* Codes with a registered detail title. */
static const struct describe_case describe_exact_cases[] = {
    {"5.1.1", "Bad destination mailbox address"},
    {"4.1.1", "Bad destination mailbox address"},
    {"5.1.2", "Bad destination system address"},
    {"5.1.10", "Recipient address has null MX"},
    {"2.1.5", "Destination address valid"},
    {"2.0.0", "Other undefined Status"},
    {"5.2.2", "Mailbox full"},
    {"5.2.4", "Mailing list expansion problem"},
    {"5.3.5", "System incorrectly configured"},
    {"4.4.7", "Delivery time expired"},
    {"5.5.6", "Authentication Exchange line is too long"},
    {"5.6.7", "Non-ASCII addresses not permitted for that "
              "sender/recipient"},
    {"5.6.8", "UTF-8 string reply is required, but not permitted by the "
              "SMTP client"},
    {"5.6.10", "UTF-8 string reply is required, but not permitted by the "
               "SMTP client"},
    {"5.7.1", "Delivery not authorized, message refused"},
    {"5.7.8", "Authentication credentials invalid"},
    {"5.7.9", "Authentication mechanism is too weak"},
    {"5.7.10", "Encryption Needed"},
    {"5.7.11", "Encryption required for requested authentication "
               "mechanism"},
    {"4.7.12", "A password transition is needed"},
    {"5.7.13", "User Account Disabled"},
    {"5.7.26", "Multiple authentication checks failed"},
    {"5.7.30", "REQUIRETLS support required"},
};

/* Codes whose detail is not registered: the subject's title. */
static const struct describe_case describe_subject_cases[] = {
    {"5.0.910", "Other or undefined status"},
    {"5.1.99", "Addressing status"},
    {"5.1.351", "Addressing status"},
    {"5.2.5", "Mailbox status"},
    {"4.3.7", "Mail system status"},
    {"4.4.8", "Network and routing status"},
    {"5.5.7", "Mail delivery protocol status"},
    {"5.6.11", "Message content or media status"},
    {"5.7.31", "Security or policy status"},
    {"5.7.606", "Security or policy status"},
};

/* Codes whose subject is not registered: the class's title. */
static const struct describe_case describe_class_cases[] = {
    {"5.8.1", "Permanent failure"},
    {"5.9.221", "Permanent failure"},
    {"4.9.0", "Persistent transient failure"},
    {"2.99.1", "Success"},
    {"5.999.999", "Permanent failure"},
};

static void check_describe(const struct describe_case *c)
{
    struct dsn_status status;
    const char *got;

    ck_assert_msg(dsn_status_parse(c->code, &status, NULL),
                  "describe table: \"%s\" does not parse", c->code);
    got = dsn_status_describe(&status);
    ck_assert_msg(got != NULL, "describe(%s) returned NULL", c->code);
    ck_assert_msg(strcmp(got, c->expected) == 0,
                  "describe(%s) = \"%s\", expected \"%s\"", c->code, got,
                  c->expected);
}

START_TEST(test_describe_exact)
{
    check_describe(&describe_exact_cases[_i]);
}
END_TEST

START_TEST(test_describe_subject)
{
    check_describe(&describe_subject_cases[_i]);
}
END_TEST

START_TEST(test_describe_class)
{
    check_describe(&describe_class_cases[_i]);
}
END_TEST

/* Every code the parser accepts has a non-empty description. */
START_TEST(test_describe_every_code)
{
    static const int classes[] = {2, 4, 5};
    struct dsn_status status;
    const char *got;

    for (size_t k = 0; k < ARRAY_SIZE(classes); k++) {
        status.code_class = classes[k];
        for (status.subject = 0; status.subject <= 999; status.subject++) {
            for (status.detail = 0; status.detail <= 999; status.detail++) {
                got = dsn_status_describe(&status);
                if (got == NULL || got[0] == '\0')
                    ck_abort_msg("describe(%d.%d.%d) returned %s",
                                 status.code_class, status.subject,
                                 status.detail, got == NULL ? "NULL" : "\"\"");
            }
        }
    }
}
END_TEST

/* Structures filled by hand, outside what the parser returns. */
START_TEST(test_describe_out_of_range)
{
    struct dsn_status negative = {5, -1, -1};
    struct dsn_status bad_class = {3, 99, 0};
    struct dsn_status big_detail = {4, 2, 100000};
    const char *got;

    got = dsn_status_describe(&negative);
    ck_assert_msg(got != NULL && strcmp(got, "Permanent failure") == 0,
                  "describe(5.-1.-1) = \"%s\"", got ? got : "NULL");
    got = dsn_status_describe(&bad_class);
    ck_assert_msg(got != NULL && strcmp(got, "Other or undefined status") == 0,
                  "describe(3.99.0) = \"%s\"", got ? got : "NULL");
    got = dsn_status_describe(&big_detail);
    ck_assert_msg(got != NULL && strcmp(got, "Mailbox status") == 0,
                  "describe(4.2.100000) = \"%s\"", got ? got : "NULL");
    got = dsn_status_describe(NULL);
    ck_assert_msg(got != NULL, "describe(NULL) returned NULL");
}
END_TEST

static Suite *dsn_status_suite(void)
{
    Suite *suite = suite_create("dsn_status");
    TCase *parse = tcase_create("parse");
    TCase *pattern = tcase_create("pattern");
    TCase *match = tcase_create("match");
    TCase *format = tcase_create("format");
    TCase *describe = tcase_create("describe");

    tcase_add_loop_test(parse, test_parse_good, 0,
                        ARRAY_SIZE(parse_good_cases));
    tcase_add_test(parse, test_parse_null_len);
    tcase_add_loop_test(parse, test_parse_bad, 0, ARRAY_SIZE(parse_bad_cases));
    tcase_add_test(parse, test_parse_null_text);
    suite_add_tcase(suite, parse);

    tcase_add_loop_test(pattern, test_pattern_good, 0,
                        ARRAY_SIZE(pattern_good_cases));
    tcase_add_loop_test(pattern, test_pattern_bad, 0,
                        ARRAY_SIZE(pattern_bad_cases));
    tcase_add_test(pattern, test_pattern_null);
    suite_add_tcase(suite, pattern);

    tcase_add_loop_test(match, test_match, 0, ARRAY_SIZE(match_cases));
    tcase_add_test(match, test_match_null);
    suite_add_tcase(suite, match);

    tcase_add_loop_test(format, test_format, 0, ARRAY_SIZE(format_cases));
    tcase_add_test(format, test_format_round_trip);
    tcase_add_test(format, test_format_short_buffer);
    suite_add_tcase(suite, format);

    tcase_add_loop_test(describe, test_describe_exact, 0,
                        ARRAY_SIZE(describe_exact_cases));
    tcase_add_loop_test(describe, test_describe_subject, 0,
                        ARRAY_SIZE(describe_subject_cases));
    tcase_add_loop_test(describe, test_describe_class, 0,
                        ARRAY_SIZE(describe_class_cases));
    tcase_add_test(describe, test_describe_every_code);
    tcase_add_test(describe, test_describe_out_of_range);
    suite_add_tcase(suite, describe);

    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(dsn_status_suite());
    int failed;

    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
