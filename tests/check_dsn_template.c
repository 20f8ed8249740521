/*
 * check_dsn_template - unit tests for dsn_template.c
 *
 * Templates are compiled and expanded against a fixed set of values: some
 * variables are set, diagnostic_code is set but empty, and remote_mta and
 * the rest are unset (the lookup returns NULL).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <glib.h>

#include "dsn_template.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define ALL_SCOPES                                                            \
    (DSN_SCOPE_MESSAGE | DSN_SCOPE_RECIPIENT | DSN_SCOPE_BLOCK |              \
     DSN_SCOPE_LAYOUT)

/* Values by variable, where NULL means unset. */
struct values {
    const char *value[DSN_VAR_COUNT];
    int lookups;
};

static const char *lookup(void *context, enum dsn_template_var var)
{
    struct values *values = context;

    ck_assert_msg((unsigned) var < DSN_VAR_COUNT,
                  "lookup called with variable %d", (int) var);
    values->lookups++;
    return (values->value[var]);
}

static void values_init(struct values *values)
{
    memset(values, 0, sizeof(*values));
    values->value[DSN_VAR_SENDER] = "alice@example.org";
    values->value[DSN_VAR_POSTMASTER] = "postmaster@example.net";
    values->value[DSN_VAR_STATUS] = "5.1.1";
    values->value[DSN_VAR_RECIPIENT] = "bob@example.com";
    values->value[DSN_VAR_DIAGNOSTIC_CODE] = "";
    values->value[DSN_VAR_MESSAGE] = "The mailbox does not exist.";
    values->value[DSN_VAR_RECIPIENTS] = "bob@example.com: gone\n";
}

/* Compile text (it must compile) and return its expansion. */
static char *expand(const char *text, unsigned scopes)
{
    char error[256] = "unset";
    struct dsn_template *tpl =
        dsn_template_compile(text, scopes, error, sizeof(error));
    struct values values;
    GString *out = g_string_new(NULL);

    ck_assert_msg(tpl != NULL, "compile(\"%s\") failed: %s", text, error);
    ck_assert_msg(error[0] == 0,
                  "compile(\"%s\") succeeded but left the"
                  " error \"%s\"",
                  text, error);
    values_init(&values);
    dsn_template_expand(tpl, out, lookup, &values);
    dsn_template_free(tpl);
    return (g_string_free(out, FALSE));
}

/* Expansion */

struct expand_case {
    const char *text;
    const char *expected;
};

static const struct expand_case expand_cases[] = {
    {"", ""},
    {"plain text", "plain text"},
    {"two\nlines\n", "two\nlines\n"},
    {"Gr\xc3\xbc\xc3\x9f"
     "e",
     "Gr\xc3\xbc\xc3\x9f"
     "e"},
    {"a } b", "a } b"},
    {"a \\} b", "a \\} b"},
    {"{sender}", "{sender}"},
    {"Hello ${sender}.", "Hello alice@example.org."},
    {"${sender}${status}", "alice@example.org5.1.1"},
    {"[${remote_mta}]", "[]"},
    {"[${diagnostic_code}]", "[]"},
    /* ${name?text}: text when the value is non-empty. */
    {"${sender?known}", "known"},
    {"${remote_mta?known}", ""},
    {"${diagnostic_code?known}", ""},
    {"${sender?}", ""},
    /* ${name:text}: text when the value is empty or unset. */
    {"${sender:none}", ""},
    {"${remote_mta:none}", "none"},
    {"${diagnostic_code:none}", "none"},
    {"${remote_mta:}", ""},
    /* Text inside a conditional. */
    {"${sender?a:b}", "a:b"},
    {"${sender??}", "?"},
    {"${sender?a\\}b}", "a}b"},
    {"${sender?\\}}", "}"},
    {"${sender?a\\nb}", "a\\nb"},
    {"${sender?{x\\}}", "{x}"},
    {"${sender?line one\nline two}", "line one\nline two"},
    /* Nesting. */
    {"${status?Status ${status}${remote_mta? via ${remote_mta}}.}",
     "Status 5.1.1."},
    {"${remote_mta:${sender?to ${sender}}}", "to alice@example.org"},
    {"${sender?${status?${recipient?deep}}}", "deep"},
    {"${sender?${remote_mta?no}yes}", "yes"},
    {"${remote_mta?${sender}}", ""},
    {"${sender?a ${remote_mta:b \\} c} d}", "a b } c d"},
    /* $$ is a dollar sign. */
    {"$$", "$"},
    {"cost: $$5", "cost: $5"},
    {"$$$$", "$$"},
    {"$${sender}", "${sender}"},
    {"$$${sender}", "$alice@example.org"},
    {"${sender?$$}", "$"},
    /* Variables of every scope, compiled with every scope allowed. */
    {"${recipient}: ${message}", "bob@example.com: The mailbox does not"
                                 " exist."},
    {"${recipients}", "bob@example.com: gone\n"},
};

START_TEST(test_expand)
{
    const struct expand_case *c = &expand_cases[_i];
    char *got = expand(c->text, ALL_SCOPES);

    ck_assert_msg(strcmp(got, c->expected) == 0,
                  "expand(\"%s\") is \"%s\", expected \"%s\"", c->text, got,
                  c->expected);
    g_free(got);
}
END_TEST

START_TEST(test_expand_appends)
{
    char error[256];
    struct dsn_template *tpl = dsn_template_compile(
        "${sender}", DSN_SCOPE_MESSAGE, error, sizeof(error));
    struct values values;
    GString *out = g_string_new("To: ");

    ck_assert_msg(tpl != NULL, "compile(\"${sender}\") failed: %s", error);
    values_init(&values);
    dsn_template_expand(tpl, out, lookup, &values);
    dsn_template_expand(tpl, out, lookup, &values);
    ck_assert_msg(strcmp(out->str, "To: alice@example.orgalice@example.org") ==
                      0,
                  "two expansions after \"To: \" gave \"%s\"", out->str);
    ck_assert_msg(values.lookups == 2,
                  "two expansions of ${sender} made %d"
                  " lookups",
                  values.lookups);
    dsn_template_free(tpl);
    g_string_free(out, TRUE);
}
END_TEST

/* Compile errors */

struct error_case {
    const char *text;
    unsigned scopes;
    const char *error; /* the whole message */
};

static const struct error_case error_cases[] = {
    {"${nosuch}", ALL_SCOPES,
     "unknown variable ${nosuch} at character 3; see the list of"
     " variables"},
    {"ok ${sender} ${sendr}", ALL_SCOPES,
     "unknown variable ${sendr} at character 16; see the list of"
     " variables"},
    {"${sender?${nosuch}}", ALL_SCOPES,
     "unknown variable ${nosuch} at character 12; see the list of"
     " variables"},
    {"${}", ALL_SCOPES, "missing variable name after \"${\" at character 3"},
    {"${", ALL_SCOPES, "missing variable name after \"${\" at character 3"},
    {"${ sender}", ALL_SCOPES,
     "missing variable name after \"${\" at character 3"},
    {"$", ALL_SCOPES,
     "a lone \"$\" at character 1; write ${name} for a variable or $$ for"
     " a dollar sign"},
    {"a $ b", ALL_SCOPES,
     "a lone \"$\" at character 3; write ${name} for a variable or $$ for"
     " a dollar sign"},
    {"$sender", ALL_SCOPES,
     "a lone \"$\" at character 1; write ${name} for a variable or $$ for"
     " a dollar sign"},
    {"$$$", ALL_SCOPES,
     "a lone \"$\" at character 3; write ${name} for a variable or $$ for"
     " a dollar sign"},
    {"${sender?$}", ALL_SCOPES,
     "a lone \"$\" at character 10; write ${name} for a variable or $$"
     " for a dollar sign"},
    {"${sender", ALL_SCOPES,
     "expected \"}\", \"?\" or \":\" after a variable name at character 9"},
    {"${sender x}", ALL_SCOPES,
     "expected \"}\", \"?\" or \":\" after a variable name at character 9"},
    {"${sender-x}", ALL_SCOPES,
     "expected \"}\", \"?\" or \":\" after a variable name at character 9"},
    {"${sender?x", ALL_SCOPES,
     "missing \"}\" to close a conditional that ends at character 11"},
    {"${sender:x\\}", ALL_SCOPES,
     "missing \"}\" to close a conditional that ends at character 13"},
    {"${sender?${status?x}", ALL_SCOPES,
     "missing \"}\" to close a conditional that ends at character 21"},
    /* Scope errors. */
    {"${recipients}", DSN_SCOPE_MESSAGE,
     "variable ${recipients} is not available here; use it only in a"
     " layout's text (character 3)"},
    {"${recipients}", DSN_SCOPE_RECIPIENT | DSN_SCOPE_BLOCK,
     "variable ${recipients} is not available here; use it only in a"
     " layout's text (character 3)"},
    {"${message}", DSN_SCOPE_RECIPIENT,
     "variable ${message} is not available here; use it only in a"
     " layout's recipient block (character 3)"},
    {"${message}", DSN_SCOPE_LAYOUT,
     "variable ${message} is not available here; use it only in a"
     " layout's recipient block (character 3)"},
    {"Hi ${recipient}", DSN_SCOPE_MESSAGE,
     "variable ${recipient} is not available here; use it only in"
     " message texts and a layout's recipient block (character 6)"},
    {"${status?${diagnostic_code}}", DSN_SCOPE_LAYOUT,
     "variable ${status} is not available here; use it only in"
     " message texts and a layout's recipient block (character 3)"},
    {"${sender}", 0,
     "variable ${sender} is not available here; use it only in"
     " message texts and a layout's recipient block (character 3)"},
};

START_TEST(test_compile_error)
{
    const struct error_case *c = &error_cases[_i];
    char error[512] = "unset";
    struct dsn_template *tpl =
        dsn_template_compile(c->text, c->scopes, error, sizeof(error));

    ck_assert_msg(tpl == NULL, "compile(\"%s\", scopes 0x%x) succeeded",
                  c->text, c->scopes);
    ck_assert_msg(strcmp(error, c->error) == 0,
                  "compile(\"%s\", scopes 0x%x): error \"%s\", expected"
                  " \"%s\"",
                  c->text, c->scopes, error, c->error);
    dsn_template_free(tpl);
}
END_TEST

START_TEST(test_compile_error_short_buffer)
{
    char error[8];
    struct dsn_template *tpl;

    memset(error, 'x', sizeof(error));
    tpl = dsn_template_compile("${nosuch}", ALL_SCOPES, error, sizeof(error));
    ck_assert_msg(tpl == NULL, "compile(\"${nosuch}\") succeeded");
    ck_assert_msg(memchr(error, 0, sizeof(error)) != NULL,
                  "an 8-byte error buffer is not terminated");
    ck_assert_msg(strcmp(error, "unknown") == 0,
                  "an 8-byte error buffer holds \"%.8s\"", error);
    tpl = dsn_template_compile("${nosuch}", ALL_SCOPES, NULL, 0);
    ck_assert_msg(tpl == NULL, "compile(\"${nosuch}\") without an error"
                               " buffer succeeded");
}
END_TEST

START_TEST(test_compile_clears_error)
{
    char error[64] = "left over";
    struct dsn_template *tpl =
        dsn_template_compile("x", 0, error, sizeof(error));

    ck_assert_msg(tpl != NULL, "compile(\"x\") failed: %s", error);
    ck_assert_msg(error[0] == 0,
                  "compile(\"x\") left \"%s\" in the error"
                  " buffer",
                  error);
    dsn_template_free(tpl);
    dsn_template_free(NULL);
}
END_TEST

/* Nesting depth */

/* Return n nested ${sender?...} around inner. */
static char *nested(int n, const char *inner)
{
    GString *text = g_string_new(NULL);

    for (int i = 0; i < n; i++)
        g_string_append(text, "${sender?");
    g_string_append(text, inner);
    for (int i = 0; i < n; i++)
        g_string_append_c(text, '}');
    return (g_string_free(text, FALSE));
}

/* dsn_template.c allows 16 nested conditionals (DSN_TEMPLATE_MAX_DEPTH). */
START_TEST(test_depth_limit_ok)
{
    char *text = nested(16, "deep");
    char *got = expand(text, ALL_SCOPES);

    ck_assert_msg(strcmp(got, "deep") == 0,
                  "16 nested conditionals"
                  " expanded to \"%s\"",
                  got);
    g_free(got);
    g_free(text);
}
END_TEST

START_TEST(test_depth_limit_exceeded)
{
    char *text = nested(17, "deep");
    char error[256] = "";
    struct dsn_template *tpl =
        dsn_template_compile(text, ALL_SCOPES, error, sizeof(error));

    ck_assert_msg(tpl == NULL, "17 nested conditionals compiled");
    ck_assert_msg(strcmp(error, "conditionals nested more than 16 deep at"
                                " character 147") == 0,
                  "17 nested conditionals: error \"%s\"", error);
    dsn_template_free(tpl);
    g_free(text);
}
END_TEST

/* A plain ${name} inside the deepest conditional adds no nesting. */
START_TEST(test_depth_limit_variable)
{
    char *text = nested(16, "${status}");
    char *got = expand(text, ALL_SCOPES);

    ck_assert_msg(strcmp(got, "5.1.1") == 0,
                  "${status} in 16 nested"
                  " conditionals expanded to \"%s\"",
                  got);
    g_free(got);
    g_free(text);
}
END_TEST

START_TEST(test_depth_long_sequence)
{
    GString *text = g_string_new(NULL);
    char *got;

    /* Many conditionals side by side are not nested. */
    for (int i = 0; i < 1000; i++)
        g_string_append(text, "${sender?x}");
    got = expand(text->str, ALL_SCOPES);
    ck_assert_msg(strlen(got) == 1000,
                  "1000 conditionals side by side"
                  " expanded to %zu bytes",
                  strlen(got));
    g_free(got);
    g_string_free(text, TRUE);
}
END_TEST

/* dsn_template_uses */

START_TEST(test_uses)
{
    char error[256];
    struct dsn_template *tpl = dsn_template_compile(
        "Hi ${sender?${status:${remote_mta}}} $${queue_id}", ALL_SCOPES, error,
        sizeof(error));
    const enum dsn_template_var used[] = {
        DSN_VAR_SENDER,
        DSN_VAR_STATUS,
        DSN_VAR_REMOTE_MTA,
    };

    ck_assert_msg(tpl != NULL, "compile failed: %s", error);
    for (int var = 0; var < DSN_VAR_COUNT; var++) {
        bool expected = false;

        for (size_t i = 0; i < ARRAY_SIZE(used); i++)
            expected = expected || used[i] == (enum dsn_template_var) var;
        ck_assert_msg(dsn_template_uses(tpl, var) == expected,
                      "uses(${%s}) returned %d", dsn_template_var_name(var),
                      !expected);
    }
    dsn_template_free(tpl);
}
END_TEST

START_TEST(test_uses_text_only)
{
    struct dsn_template *tpl = dsn_template_compile("recipients", 0, NULL, 0);

    ck_assert_msg(tpl != NULL, "compile(\"recipients\") failed");
    ck_assert_msg(!dsn_template_uses(tpl, DSN_VAR_RECIPIENTS),
                  "the text \"recipients\" counts as ${recipients}");
    ck_assert_msg(!dsn_template_uses(tpl, DSN_VAR_SENDER),
                  "the text \"recipients\" counts as ${sender}");
    dsn_template_free(tpl);
}
END_TEST

/* Variable table */

START_TEST(test_var_round_trip)
{
    enum dsn_template_var var = (enum dsn_template_var) _i;
    const char *name = dsn_template_var_name(var);
    unsigned scopes = dsn_template_var_scopes(var);
    char *text;
    char error[256] = "";
    struct dsn_template *tpl;
    struct values values = {0};
    GString *out = g_string_new(NULL);

    ck_assert_msg(name != NULL && *name, "variable %d has no name", _i);
    ck_assert_msg(scopes != 0 && (scopes & ~ALL_SCOPES) == 0,
                  "${%s} has scopes 0x%x", name, scopes);
    for (int other = 0; other < DSN_VAR_COUNT; other++)
        ck_assert_msg(
            other == _i || strcmp(dsn_template_var_name(other), name) != 0,
            "variables %d and %d are both named %s", _i, other, name);

    /* The name compiles back to the same variable in its own scopes. */
    text = g_strdup_printf("${%s}", name);
    tpl = dsn_template_compile(text, scopes, error, sizeof(error));
    ck_assert_msg(tpl != NULL,
                  "compile(\"%s\") in its scopes 0x%x failed:"
                  " %s",
                  text, scopes, error);
    ck_assert_msg(dsn_template_uses(tpl, var),
                  "compile(\"%s\") does not"
                  " use variable %d",
                  text, _i);
    values.value[var] = name;
    dsn_template_expand(tpl, out, lookup, &values);
    ck_assert_msg(strcmp(out->str, name) == 0, "expand(\"%s\") is \"%s\"",
                  text, out->str);
    dsn_template_free(tpl);

    /* Outside its scopes it is rejected. */
    if ((~scopes & ALL_SCOPES) != 0) {
        tpl = dsn_template_compile(text, ~scopes & ALL_SCOPES, error,
                                   sizeof(error));
        ck_assert_msg(tpl == NULL,
                      "compile(\"%s\") succeeded in scopes"
                      " 0x%x",
                      text, ~scopes & ALL_SCOPES);
        ck_assert_msg(strstr(error, "is not available here") != NULL,
                      "compile(\"%s\") outside its scopes: error \"%s\"", text,
                      error);
    }
    g_string_free(out, TRUE);
    g_free(text);
}
END_TEST

START_TEST(test_var_out_of_range)
{
    ck_assert_msg(dsn_template_var_name(DSN_VAR_COUNT) == NULL,
                  "var_name(DSN_VAR_COUNT) is not NULL");
    ck_assert_msg(dsn_template_var_name((enum dsn_template_var) - 1) == NULL,
                  "var_name(-1) is not NULL");
    ck_assert_msg(dsn_template_var_scopes(DSN_VAR_COUNT) == 0,
                  "var_scopes(DSN_VAR_COUNT) is not 0");
    ck_assert_msg(dsn_template_var_scopes((enum dsn_template_var) - 1) == 0,
                  "var_scopes(-1) is not 0");
}
END_TEST

/* Which scopes each kind of variable is allowed in. */
struct scope_case {
    enum dsn_template_var var;
    unsigned scope;
    bool allowed;
};

static const struct scope_case scope_cases[] = {
    {DSN_VAR_SENDER, DSN_SCOPE_MESSAGE, true},
    {DSN_VAR_SENDER, DSN_SCOPE_RECIPIENT, true},
    {DSN_VAR_SENDER, DSN_SCOPE_BLOCK, true},
    {DSN_VAR_SENDER, DSN_SCOPE_LAYOUT, true},
    {DSN_VAR_ORIGINAL_SUBJECT, DSN_SCOPE_MESSAGE, true},
    {DSN_VAR_RECIPIENT_COUNT, DSN_SCOPE_LAYOUT, true},
    {DSN_VAR_RECIPIENT, DSN_SCOPE_MESSAGE, false},
    {DSN_VAR_RECIPIENT, DSN_SCOPE_RECIPIENT, true},
    {DSN_VAR_RECIPIENT, DSN_SCOPE_BLOCK, true},
    {DSN_VAR_RECIPIENT, DSN_SCOPE_LAYOUT, false},
    {DSN_VAR_DIAGNOSTIC_CODE, DSN_SCOPE_LAYOUT, false},
    {DSN_VAR_STATUS, DSN_SCOPE_RECIPIENT, true},
    {DSN_VAR_MESSAGE, DSN_SCOPE_MESSAGE, false},
    {DSN_VAR_MESSAGE, DSN_SCOPE_RECIPIENT, false},
    {DSN_VAR_MESSAGE, DSN_SCOPE_BLOCK, true},
    {DSN_VAR_MESSAGE, DSN_SCOPE_LAYOUT, false},
    {DSN_VAR_RECIPIENTS, DSN_SCOPE_MESSAGE, false},
    {DSN_VAR_RECIPIENTS, DSN_SCOPE_RECIPIENT, false},
    {DSN_VAR_RECIPIENTS, DSN_SCOPE_BLOCK, false},
    {DSN_VAR_RECIPIENTS, DSN_SCOPE_LAYOUT, true},
};

START_TEST(test_var_scope)
{
    const struct scope_case *c = &scope_cases[_i];
    const char *name = dsn_template_var_name(c->var);
    char *text = g_strdup_printf("${%s?x}", name);
    char error[256];
    struct dsn_template *tpl =
        dsn_template_compile(text, c->scope, error, sizeof(error));

    ck_assert_msg((tpl != NULL) == c->allowed,
                  "compile(\"%s\", scope"
                  " 0x%x) %s",
                  text, c->scope, tpl ? "succeeded" : "failed");
    dsn_template_free(tpl);
    g_free(text);
}
END_TEST

static Suite *dsn_template_suite(void)
{
    Suite *suite = suite_create("dsn_template");
    TCase *expansion = tcase_create("expand");
    TCase *errors = tcase_create("errors");
    TCase *depth = tcase_create("depth");
    TCase *vars = tcase_create("vars");

    tcase_add_loop_test(expansion, test_expand, 0, ARRAY_SIZE(expand_cases));
    tcase_add_test(expansion, test_expand_appends);
    suite_add_tcase(suite, expansion);

    tcase_add_loop_test(errors, test_compile_error, 0,
                        ARRAY_SIZE(error_cases));
    tcase_add_test(errors, test_compile_error_short_buffer);
    tcase_add_test(errors, test_compile_clears_error);
    suite_add_tcase(suite, errors);

    tcase_add_test(depth, test_depth_limit_ok);
    tcase_add_test(depth, test_depth_limit_exceeded);
    tcase_add_test(depth, test_depth_limit_variable);
    tcase_add_test(depth, test_depth_long_sequence);
    suite_add_tcase(suite, depth);

    tcase_add_test(vars, test_uses);
    tcase_add_test(vars, test_uses_text_only);
    tcase_add_loop_test(vars, test_var_round_trip, 0, DSN_VAR_COUNT);
    tcase_add_test(vars, test_var_out_of_range);
    tcase_add_loop_test(vars, test_var_scope, 0, ARRAY_SIZE(scope_cases));
    suite_add_tcase(suite, vars);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(dsn_template_suite());
    int failed;

    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
