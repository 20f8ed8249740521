/*
 * check_dsn_config - unit tests for dsn_config.c
 *
 * Data files in tests/config, found through the top_srcdir environment
 * variable (the current directory when it is unset):
 *
 *   good-NN.conf  must load without errors.  good-NN.out is the expected
 *                 dump of the loaded config, compared line by line; see
 *                 dump_config() for its format.  In the dump every
 *                 template is expanded with each variable set to
 *                 "<name>", except remote_mta, diagnostic_code and
 *                 queue_id, which are unset.
 *   bad-NN.conf   must fail to load.  bad-NN.err has one line per error
 *                 the loader must report, in the order it reports them:
 *                 each line is a substring of that error line, usually
 *                 "FILE:LINE: what is wrong" without the advice after it
 *                 and without the directory of FILE.  The number of
 *                 errors must match the number of lines.
 *   inc/          files that the numbered configs @include.
 *
 * The shipped etc/dsn-milter.conf is loaded too.
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

#include "dsn_config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define STR(s) ((s) ? (s) : "(null)")

/* Directory of the data files, and their base names ("good-01"). */
static char *config_dir;
static GPtrArray *good_names;
static GPtrArray *bad_names;

/* Return top_srcdir/relative, or relative when top_srcdir is unset. */
static char *source_path(const char *relative)
{
    const char *top = getenv("top_srcdir");

    return (g_build_filename(top && *top ? top : ".", relative, NULL));
}

/* Read a data file, which must exist. */
static char *read_data(const char *name, const char *suffix)
{
    char *path = g_strdup_printf("%s/%s%s", config_dir, name, suffix);
    char *data = NULL;
    GError *error = NULL;

    ck_assert_msg(g_file_get_contents(path, &data, NULL, &error), "%s%s: %s",
                  name, suffix, error ? error->message : "");
    g_free(path);
    return (data);
}

/* Split text into lines, without a last empty line after a newline. */
static char **split_lines(const char *text)
{
    char **lines = g_strsplit(text, "\n", -1);
    guint n = g_strv_length(lines);

    if (n > 0 && *lines[n - 1] == 0) {
        g_free(lines[n - 1]);
        lines[n - 1] = NULL;
    }
    return (lines);
}

/* The dump: one "key: value" line per fact of a loaded config */

static const char *dump_lookup(void *context, enum dsn_template_var var)
{
    char **values = context;

    switch (var) {
    case DSN_VAR_REMOTE_MTA:
    case DSN_VAR_DIAGNOSTIC_CODE:
    case DSN_VAR_QUEUE_ID:
        return (NULL);
    default:
        return (values[var]);
    }
}

/* Append text with backslash, newline, tab and other controls escaped. */
static void append_escaped(GString *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        if (*p == '\\')
            g_string_append(out, "\\\\");
        else if (*p == '\n')
            g_string_append(out, "\\n");
        else if (*p == '\t')
            g_string_append(out, "\\t");
        else if (*p < 0x20)
            g_string_append_printf(out, "\\x%02x", *p);
        else
            g_string_append_c(out, (char) *p);
    }
}

static void dump_template(GString *out, const char *label,
                          const struct dsn_template *tpl)
{
    char *values[DSN_VAR_COUNT];
    GString *text = g_string_new(NULL);

    for (int i = 0; i < DSN_VAR_COUNT; i++)
        values[i] = g_strdup_printf("<%s>", dsn_template_var_name(i));
    g_string_append_printf(out, "%s: ", label);
    if (tpl == NULL) {
        g_string_append(out, "(none)");
    } else {
        dsn_template_expand(tpl, text, dump_lookup, values);
        append_escaped(out, text->str);
    }
    g_string_append_c(out, '\n');
    g_string_free(text, TRUE);
    for (int i = 0; i < DSN_VAR_COUNT; i++)
        g_free(values[i]);
}

static void append_pattern_part(GString *out, int part)
{
    if (part < 0)
        g_string_append_c(out, 'x');
    else
        g_string_append_printf(out, "%d", part);
}

static void dump_pattern(GString *out, const struct dsn_status_pattern *p)
{
    if (p->code_class < 0) {
        g_string_append(out, "default");
        return;
    }
    append_pattern_part(out, p->code_class);
    g_string_append_c(out, '.');
    append_pattern_part(out, p->subject);
    g_string_append_c(out, '.');
    append_pattern_part(out, p->detail);
}

static const char *audience_name(enum dsn_audience audience)
{
    switch (audience) {
    case DSN_AUDIENCE_ANY:
        return ("any");
    case DSN_AUDIENCE_INTERNAL:
        return ("internal");
    case DSN_AUDIENCE_EXTERNAL:
        return ("external");
    }
    return ("invalid");
}

static void dump_messages(GString *out, const struct dsn_config *config)
{
    char label[64];

    g_string_append_printf(out, "messages: %zu\n", config->message_count);
    for (size_t i = 0; i < config->message_count; i++) {
        const struct dsn_config_message *m = &config->messages[i];

        g_string_append_printf(out, "message %zu: code %s, pattern ", i,
                               STR(m->code));
        dump_pattern(out, &m->pattern);
        g_string_append_printf(out, ", language %s, audience %s, line %d\n",
                               STR(m->language), audience_name(m->audience),
                               m->line);
        snprintf(label, sizeof(label), "message %zu text", i);
        dump_template(out, label, m->text);
    }
}

static void dump_layouts(GString *out, const struct dsn_config *config)
{
    char label[64];

    for (int i = 0; i < DSN_OUTCOME_COUNT; i++) {
        const struct dsn_config_layout *l = &config->layouts[i];
        const char *name = dsn_config_outcome_name(i);

        g_string_append_printf(out, "layout %s: line %d, language %s\n", name,
                               l->line, STR(l->language));
        snprintf(label, sizeof(label), "layout %s subject", name);
        dump_template(out, label, l->subject);
        snprintf(label, sizeof(label), "layout %s text", name);
        dump_template(out, label, l->text);
        snprintf(label, sizeof(label), "layout %s recipient", name);
        dump_template(out, label, l->recipient);
    }
}

/* Write the facts of config that the good-NN.out files list. */
static void dump_config(GString *out, const struct dsn_config *config)
{
    g_string_append_printf(out, "postmaster: %s\n", STR(config->postmaster));
    g_string_append_printf(out, "reporting_host: %s\n",
                           STR(config->reporting_host));
    g_string_append_printf(out, "max_message_size: %zu\n",
                           config->max_message_size);
    g_string_append_printf(out, "rewrite_foreign: %s\n",
                           config->rewrite_foreign ? "true" : "false");
    g_string_append_printf(out, "default_language: %s\n",
                           STR(config->default_language));
    dump_messages(out, config);
    dump_layouts(out, config);
    g_string_append_printf(out, "variants: %zu\n", config->variant_count);
}

/* Good configs */

START_TEST(test_good)
{
    const char *name = g_ptr_array_index(good_names, _i);
    char *path = g_strdup_printf("%s/%s.conf", config_dir, name);
    GString *errors = g_string_new(NULL);
    struct dsn_config *config = dsn_config_load(path, errors);
    char *expected = read_data(name, ".out");
    GString *dump = g_string_new(NULL);
    char **want;
    char **got;
    guint i;

    ck_assert_msg(config != NULL, "%s.conf failed to load:\n%s", name,
                  errors->str);
    ck_assert_msg(errors->len == 0, "%s.conf loaded with errors:\n%s", name,
                  errors->str);
    ck_assert_msg(g_strcmp0(config->path, path) == 0,
                  "%s.conf: path is \"%s\"", name, STR(config->path));
    dump_config(dump, config);
    want = split_lines(expected);
    got = split_lines(dump->str);
    for (i = 0; want[i] && got[i]; i++)
        ck_assert_msg(strcmp(want[i], got[i]) == 0,
                      "%s.out line %u: expected\n  %s\nbut the config"
                      " gives\n  %s",
                      name, i + 1, want[i], got[i]);
    ck_assert_msg(want[i] == NULL,
                  "%s.out line %u: expected \"%s\" but the"
                  " dump has ended",
                  name, i + 1, want[i]);
    ck_assert_msg(got[i] == NULL,
                  "%s.out: ends at line %u but the dump goes"
                  " on with \"%s\"",
                  name, i, got[i]);
    g_strfreev(want);
    g_strfreev(got);
    g_string_free(dump, TRUE);
    g_free(expected);
    dsn_config_free(config);
    g_string_free(errors, TRUE);
    g_free(path);
}
END_TEST

/* Bad configs */

START_TEST(test_bad)
{
    const char *name = g_ptr_array_index(bad_names, _i);
    char *path = g_strdup_printf("%s/%s.conf", config_dir, name);
    GString *errors = g_string_new(NULL);
    struct dsn_config *config = dsn_config_load(path, errors);
    char *expected = read_data(name, ".err");
    char **want = split_lines(expected);
    char **got = split_lines(errors->str);
    guint n_want = g_strv_length(want);
    guint n_got = g_strv_length(got);

    ck_assert_msg(config == NULL, "%s.conf loaded without error", name);
    ck_assert_msg(n_want > 0, "%s.err lists no error", name);
    for (guint i = 0; i < n_want && i < n_got; i++)
        ck_assert_msg(strstr(got[i], want[i]) != NULL,
                      "%s.conf error %u is\n  %s\nexpected it to contain\n"
                      "  %s\nall errors:\n%s",
                      name, i + 1, got[i], want[i], errors->str);
    ck_assert_msg(n_got == n_want,
                  "%s.conf: %u errors, %s.err expects %u;"
                  " the errors:\n%s",
                  name, n_got, name, n_want, errors->str);
    g_strfreev(want);
    g_strfreev(got);
    g_free(expected);
    dsn_config_free(config);
    g_string_free(errors, TRUE);
    g_free(path);
}
END_TEST

START_TEST(test_missing_file)
{
    char *path = g_strdup_printf("%s/no-such-file.conf", config_dir);
    char *want = g_strdup_printf("previous error\n%s: cannot read the"
                                 " file",
                                 path);
    GString *errors = g_string_new("previous error\n");
    struct dsn_config *config = dsn_config_load(path, errors);

    ck_assert_msg(config == NULL, "a missing file loaded");
    ck_assert_msg(g_str_has_prefix(errors->str, want),
                  "missing file: errors are\n%s\nexpected them to start"
                  " with\n%s",
                  errors->str, want);
    ck_assert_msg(g_str_has_suffix(errors->str, "\n"),
                  "missing file: the error does not end with a newline");
    dsn_config_free(config);
    g_string_free(errors, TRUE);
    g_free(want);
    g_free(path);
}
END_TEST

START_TEST(test_free_null)
{
    dsn_config_free(NULL);
}
END_TEST

START_TEST(test_outcome_names)
{
    ck_assert_msg(
        strcmp(dsn_config_outcome_name(DSN_OUTCOME_FAILURE), "failure") == 0,
        "outcome name of FAILURE");
    ck_assert_msg(
        strcmp(dsn_config_outcome_name(DSN_OUTCOME_DELAY), "delay") == 0,
        "outcome name of DELAY");
    ck_assert_msg(
        strcmp(dsn_config_outcome_name(DSN_OUTCOME_SUCCESS), "success") == 0,
        "outcome name of SUCCESS");
    ck_assert_msg(
        strcmp(dsn_config_outcome_name(DSN_OUTCOME_COUNT), "unknown") == 0,
        "outcome name of COUNT");
}
END_TEST

/* The shipped config */

/* Codes that the shipped config must cover with an entry of their own. */
static const char *const shipped_exact_codes[] = {
    "4.3.1", "4.3.2", "4.4.1", "4.4.2", "4.4.7", "5.1.0", "5.1.1", "5.1.3",
    "5.1.4", "5.1.6", "5.1.7", "5.1.8", "5.2.1", "5.2.2", "5.2.3", "5.3.0",
    "5.3.4", "5.3.5", "5.4.4", "5.4.6", "5.5.2", "5.5.3", "5.7.1", "5.7.3",
};

static struct dsn_config *load_shipped(GString *errors, char **path)
{
    struct dsn_config *config;

    *path = source_path("etc/dsn-milter.conf");
    config = dsn_config_load(*path, errors);
    ck_assert_msg(config != NULL, "%s failed to load:\n%s", *path,
                  errors->str);
    ck_assert_msg(errors->len == 0, "%s loaded with errors:\n%s", *path,
                  errors->str);
    return (config);
}

START_TEST(test_shipped_loads)
{
    GString *errors = g_string_new(NULL);
    char *path;
    struct dsn_config *config = load_shipped(errors, &path);

    for (int i = 0; i < DSN_OUTCOME_COUNT; i++) {
        const struct dsn_config_layout *l = &config->layouts[i];

        ck_assert_msg(l->subject && l->text && l->recipient,
                      "%s: layout %s lacks a template", path,
                      dsn_config_outcome_name(i));
    }
    ck_assert_msg(config->message_count > 0, "%s has no messages", path);
    dsn_config_free(config);
    g_string_free(errors, TRUE);
    g_free(path);
}
END_TEST

START_TEST(test_shipped_exact_code)
{
    const char *code = shipped_exact_codes[_i];
    GString *errors = g_string_new(NULL);
    char *path;
    struct dsn_config *config = load_shipped(errors, &path);
    struct dsn_status status;
    const struct dsn_config_message *found = NULL;

    ck_assert_msg(dsn_status_parse(code, &status, NULL), "bad code %s", code);
    for (size_t i = 0; i < config->message_count && !found; i++) {
        const struct dsn_config_message *m = &config->messages[i];

        if (m->pattern.code_class == status.code_class &&
            m->pattern.subject == status.subject &&
            m->pattern.detail == status.detail)
            found = m;
    }
    ck_assert_msg(found != NULL, "%s has no exact entry for %s", path, code);
    ck_assert_msg(strcmp(found->code, code) == 0,
                  "%s: the entry for %s is"
                  " written \"%s\"",
                  path, code, found->code);
    ck_assert_msg(found->text != NULL, "%s: the entry for %s has no text",
                  path, code);
    dsn_config_free(config);
    g_string_free(errors, TRUE);
    g_free(path);
}
END_TEST

START_TEST(test_shipped_default)
{
    GString *errors = g_string_new(NULL);
    char *path;
    struct dsn_config *config = load_shipped(errors, &path);
    bool found = false;

    for (size_t i = 0; i < config->message_count; i++)
        found = found || config->messages[i].pattern.code_class < 0;
    ck_assert_msg(found,
                  "%s has no default entry, so some codes get no"
                  " text",
                  path);
    dsn_config_free(config);
    g_string_free(errors, TRUE);
    g_free(path);
}
END_TEST

/* Suite set-up: find the numbered data files */

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return (strcmp(*(char *const *) a, *(char *const *) b));
}

/* Collect the base names of PREFIX-NN.conf files, sorted. */
static GPtrArray *find_configs(const char *prefix)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GDir *dir = g_dir_open(config_dir, 0, NULL);
    const char *entry;

    if (dir == NULL)
        return (names);
    while ((entry = g_dir_read_name(dir)) != NULL) {
        if (g_str_has_prefix(entry, prefix) &&
            g_str_has_suffix(entry, ".conf"))
            g_ptr_array_add(names, g_strndup(entry, strlen(entry) - 5));
    }
    g_dir_close(dir);
    g_ptr_array_sort(names, compare_names);
    return (names);
}

START_TEST(test_data_present)
{
    ck_assert_msg(good_names->len > 0, "no good-NN.conf files in %s",
                  config_dir);
    ck_assert_msg(bad_names->len > 0, "no bad-NN.conf files in %s",
                  config_dir);
}
END_TEST

static Suite *dsn_config_suite(void)
{
    Suite *suite = suite_create("dsn_config");
    TCase *files = tcase_create("files");
    TCase *api = tcase_create("api");
    TCase *shipped = tcase_create("shipped");

    tcase_add_test(files, test_data_present);
    tcase_add_loop_test(files, test_good, 0, (int) good_names->len);
    tcase_add_loop_test(files, test_bad, 0, (int) bad_names->len);
    suite_add_tcase(suite, files);

    tcase_add_test(api, test_missing_file);
    tcase_add_test(api, test_free_null);
    tcase_add_test(api, test_outcome_names);
    suite_add_tcase(suite, api);

    tcase_add_test(shipped, test_shipped_loads);
    tcase_add_loop_test(shipped, test_shipped_exact_code, 0,
                        ARRAY_SIZE(shipped_exact_codes));
    tcase_add_test(shipped, test_shipped_default);
    suite_add_tcase(suite, shipped);
    return suite;
}

int main(void)
{
    SRunner *runner;
    int failed;

    config_dir = source_path("tests/config");
    good_names = find_configs("good-");
    bad_names = find_configs("bad-");
    runner = srunner_create(dsn_config_suite());
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    g_ptr_array_free(good_names, TRUE);
    g_ptr_array_free(bad_names, TRUE);
    g_free(config_dir);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
