/*
 * check_dsn_select - unit tests for dsn_select.c
 *
 * The tests load small configs written to a temporary directory with
 * dsn_config_load(), so selection runs on the same structures the
 * loader builds.  Message and layout texts are markers such as
 * "INT-511".  A test expands the selected template with every variable
 * unset and compares the marker.  Entries are listed out of order on
 * purpose, so that a selection that takes the first or the last match
 * instead of the best one fails.
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
#include <glib/gstdio.h>

#include "dsn_config.h"
#include "dsn_parse.h"
#include "dsn_select.h"
#include "dsn_status.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define STR(s) ((s) ? (s) : "(null)")

/* Base layouts that every test config needs to load. */
#define BASE_LAYOUTS                                                          \
    "layouts = {\n"                                                           \
    "  failure = { subject = \"F\";"                                          \
    " text = \"BASE-FAILURE${recipients}\"; };\n"                             \
    "  delay = { subject = \"D\";"                                            \
    " text = \"BASE-DELAY${recipients}\"; };\n"                               \
    "  success = { subject = \"S\";"                                          \
    " text = \"BASE-SUCCESS${recipients}\"; };\n"                             \
    "};\n"

/* The config of the current test, loaded by a checked fixture. */
static struct dsn_config *config;

/* Write text to a fresh temporary directory and load it as a config. */
static struct dsn_config *load_text(const char *text)
{
    GError *error = NULL;
    char *dir = g_dir_make_tmp("check_dsn_select-XXXXXX", &error);
    char *path;
    GString *errors = g_string_new(NULL);
    struct dsn_config *loaded;

    ck_assert_msg(dir != NULL, "cannot create a temporary directory: %s",
                  error ? error->message : "");
    path = g_build_filename(dir, "select.conf", NULL);
    ck_assert_msg(g_file_set_contents(path, text, -1, &error),
                  "cannot write %s: %s", path, error ? error->message : "");
    loaded = dsn_config_load(path, errors);
    ck_assert_msg(loaded != NULL,
                  "test config failed to load:\n%s\n"
                  "config:\n%s",
                  errors->str, text);
    g_unlink(path);
    g_rmdir(dir);
    g_string_free(errors, TRUE);
    g_free(path);
    g_free(dir);
    return (loaded);
}

static void teardown_config(void)
{
    dsn_config_free(config);
    config = NULL;
}

static const char *lookup_unset(void *context, enum dsn_template_var var)
{
    return (NULL);
}

/* Return a template expanded with every variable unset (caller frees). */
static char *expand_marker(const struct dsn_template *tpl)
{
    GString *out = g_string_new(NULL);

    dsn_template_expand(tpl, out, lookup_unset, NULL);
    return (g_string_free(out, FALSE));
}

static const char *audience_name(enum dsn_audience audience)
{
    switch (audience) {
    case DSN_AUDIENCE_INTERNAL:
        return ("internal");
    case DSN_AUDIENCE_EXTERNAL:
        return ("external");
    default:
        return ("any");
    }
}

static const char *source_name(enum dsn_select_source source)
{
    switch (source) {
    case DSN_SELECT_DETECTED:
        return ("detected");
    case DSN_SELECT_DEFAULT:
        return ("default");
    case DSN_SELECT_FALLBACK:
        return ("fallback");
    default:
        return ("invalid");
    }
}

/* Audience: internal_domains */

static const char audience_config[] =
    "internal_domains = [ \"example.com\", \".corp.example.net\","
    " \"Mixed.Example.ORG\" ];\n" BASE_LAYOUTS;

static void setup_audience(void)
{
    config = load_text(audience_config);
}

struct audience_case {
    const char *address;
    enum dsn_audience expected;
};

static const struct audience_case audience_cases[] = {
    /* "example.com": that domain exactly, not its subdomains. */
    {"user@example.com", DSN_AUDIENCE_INTERNAL},
    {"user@sub.example.com", DSN_AUDIENCE_EXTERNAL},
    {"user@notexample.com", DSN_AUDIENCE_EXTERNAL},
    {"user@example.com.evil.test", DSN_AUDIENCE_EXTERNAL},
    /* ".corp.example.net": subdomains only, not the domain itself. */
    {"user@host.corp.example.net", DSN_AUDIENCE_INTERNAL},
    {"user@a.b.corp.example.net", DSN_AUDIENCE_INTERNAL},
    {"user@corp.example.net", DSN_AUDIENCE_EXTERNAL},
    {"user@xcorp.example.net", DSN_AUDIENCE_EXTERNAL},
    /* Case does not matter, on either side. */
    {"user@EXAMPLE.COM", DSN_AUDIENCE_INTERNAL},
    {"user@Host.CORP.Example.Net", DSN_AUDIENCE_INTERNAL},
    {"user@mixed.example.org", DSN_AUDIENCE_INTERNAL},
    /* A trailing dot is the same domain. */
    {"user@example.com.", DSN_AUDIENCE_INTERNAL},
    {"user@host.corp.example.net.", DSN_AUDIENCE_INTERNAL},
    /* Angle brackets and display names. */
    {"<user@example.com>", DSN_AUDIENCE_INTERNAL},
    {"Alice <user@example.com>", DSN_AUDIENCE_INTERNAL},
    {"<user@sub.example.com>", DSN_AUDIENCE_EXTERNAL},
    /* The domain is after the last "@". */
    {"\"a@example.com\"@elsewhere.test", DSN_AUDIENCE_EXTERNAL},
    {"\"a@elsewhere.test\"@example.com", DSN_AUDIENCE_INTERNAL},
    /* No domain at all. */
    {"user", DSN_AUDIENCE_EXTERNAL},
    {"", DSN_AUDIENCE_EXTERNAL},
    {"<>", DSN_AUDIENCE_EXTERNAL},
    {"user@", DSN_AUDIENCE_EXTERNAL},
    {"postmaster", DSN_AUDIENCE_EXTERNAL},
};

START_TEST(test_audience_table)
{
    const struct audience_case *c = &audience_cases[_i];
    enum dsn_audience got = dsn_select_audience(config, c->address);

    ck_assert_msg(got == c->expected,
                  "audience of \"%s\" is %s, expected"
                  " %s",
                  c->address, audience_name(got), audience_name(c->expected));
}
END_TEST

START_TEST(test_audience_null)
{
    ck_assert_msg(dsn_select_audience(config, NULL) == DSN_AUDIENCE_EXTERNAL,
                  "a NULL address is not"
                  " external");
}
END_TEST

START_TEST(test_audience_no_domains)
{
    struct dsn_config *empty = load_text(BASE_LAYOUTS);

    ck_assert_msg(dsn_select_audience(empty, "user@example.com") ==
                      DSN_AUDIENCE_EXTERNAL,
                  "with no internal_domains,"
                  " user@example.com is not external");
    dsn_config_free(empty);
}
END_TEST

START_TEST(test_internal_domain_host)
{
    ck_assert_msg(dsn_select_internal_domain(config, "mx1.corp.example.net"),
                  "mx1.corp.example.net is not internal");
    ck_assert_msg(dsn_select_internal_domain(config, "EXAMPLE.com."),
                  "EXAMPLE.com. is not internal");
    ck_assert_msg(!dsn_select_internal_domain(config, "corp.example.net"),
                  "corp.example.net is internal, but only its subdomains"
                  " are listed");
    ck_assert_msg(!dsn_select_internal_domain(config, "mx.example.com"),
                  "mx.example.com is internal, but only example.com"
                  " itself is listed");
    ck_assert_msg(!dsn_select_internal_domain(config, NULL),
                  "a NULL host is internal");
    ck_assert_msg(!dsn_select_internal_domain(config, ""),
                  "an empty host is internal");
}
END_TEST

/* Private addresses */

struct address_case {
    const char *text;
    bool expected;
};

static const struct address_case address_cases[] = {
    /* 10.0.0.0/8 */
    {"10.0.0.1", true},
    {"10.255.255.255", true},
    {"9.255.255.255", false},
    {"11.0.0.0", false},
    /* 172.16.0.0/12 and its neighbours */
    {"172.16.0.0", true},
    {"172.31.255.255", true},
    {"172.15.255.255", false},
    {"172.32.0.0", false},
    /* 192.168.0.0/16 */
    {"192.168.0.1", true},
    {"192.168.255.255", true},
    {"192.167.255.255", false},
    {"192.169.0.0", false},
    /* 127.0.0.0/8 */
    {"127.0.0.1", true},
    {"127.255.255.254", true},
    {"128.0.0.1", false},
    /* 169.254.0.0/16 */
    {"169.254.0.1", true},
    {"169.254.255.255", true},
    {"169.253.255.255", false},
    {"169.255.0.0", false},
    /* 100.64.0.0/10 (RFC 6598) */
    {"100.64.0.0", true},
    {"100.127.255.255", true},
    {"100.63.255.255", false},
    {"100.128.0.0", false},
    /* Public addresses (documentation ranges) */
    {"192.0.2.1", false},
    {"198.51.100.7", false},
    {"203.0.113.254", false},
    /* IPv6 loopback, unique local fc00::/7, link-local fe80::/10 */
    {"::1", true},
    {"fc00::1", true},
    {"fd12:3456:789a::1", true},
    {"fbff:ffff::1", false},
    {"fe80::1", true},
    {"febf:ffff::1", true},
    {"fec0::1", false},
    {"fe7f::1", false},
    {"2001:db8::1", false},
    {"FE80::1", true},
    /* Brackets and the "IPv6:" prefix of address literals */
    {"[10.0.0.1]", true},
    {"[192.0.2.1]", false},
    {"IPv6:fe80::1", true},
    {"[IPv6:fe80::1]", true},
    {"[ipv6:::1]", true},
    {"IPv6:2001:db8::1", false},
    /* IPv4-mapped IPv6 addresses follow their IPv4 part */
    {"::ffff:10.0.0.1", true},
    {"::ffff:192.168.1.1", true},
    {"::ffff:192.0.2.1", false},
    {"[IPv6:::ffff:172.16.5.4]", true},
    /* Not an address */
    {"", false},
    {"[]", false},
    {"[", false},
    {"IPv6:", false},
    {"not an address", false},
    {"mx.example.com", false},
    {"10.0.0", false},
    {"10.0.0.256", false},
    {"10.0.0.1.5", false},
    {"fe80:::1", false},
    {"10.0.0.1/8", false},
    {"[10.0.0.1.10.0.0.1.10.0.0.1.10.0.0.1.10.0.0.1.10.0.0.1.10.0.0.1.1]",
     false},
};

START_TEST(test_private_table)
{
    const struct address_case *c = &address_cases[_i];
    bool got = dsn_select_private_address(c->text);

    ck_assert_msg(got == c->expected, "\"%s\" is %s, expected %s", c->text,
                  got ? "private" : "public",
                  c->expected ? "private" : "public");
}
END_TEST

START_TEST(test_private_null)
{
    ck_assert_msg(!dsn_select_private_address(NULL),
                  "NULL is a private address");
}
END_TEST

/* Language */

/*
 * Untagged entries, de, fr, pt and pt-BR messages, and sv with a layout
 * only.  Internal senders default to fr, external senders detect
 * nothing and use the global default de.
 */
static const char language_config[] =
    "default_language = \"de\";\n"
    "internal = { default_language = \"fr\"; };\n"
    "external = { detect_language = false; };\n"
    "messages = ( { code = \"default\"; text = \"UNTAGGED\"; } "
    ");\n" BASE_LAYOUTS "languages = {\n"
    "  de = { messages = ( { code = \"default\"; text = \"DE\"; } ); };\n"
    "  fr = { messages = ( { code = \"default\"; text = \"FR\"; } ); };\n"
    "  pt = { messages = ( { code = \"default\"; text = \"PT\"; } ); };\n"
    "  pt-BR = { messages = ( { code = \"default\"; text = \"PT-BR\"; } );"
    " };\n"
    "  sv = { layouts = { failure = { subject = \"SV\";"
    " text = \"SV${recipients}\"; }; }; };\n"
    "};\n";

/*
 * The global default en names the untagged texts.  Internal senders
 * default to es, which no text has, and external senders to en-GB.
 */
static const char untagged_config[] =
    "default_language = \"en\";\n"
    "internal = { default_language = \"es\"; };\n"
    "external = { default_language = \"en-GB\"; };\n"
    "messages = ( { code = \"default\"; text = \"UNTAGGED\"; } "
    ");\n" BASE_LAYOUTS "languages = {\n"
    "  de = { messages = ( { code = \"default\"; text = \"DE\"; } ); };\n"
    "};\n";

/* An audience default that no text has, and a regional global default. */
static const char global_config[] =
    "default_language = \"de-AT\";\n"
    "internal = { default_language = \"it\"; };\n"
    "messages = ( { code = \"default\"; text = \"UNTAGGED\"; } "
    ");\n" BASE_LAYOUTS "languages = {\n"
    "  de = { messages = ( { code = \"default\"; text = \"DE\"; } ); };\n"
    "};\n";

struct language_case {
    const char *config_text;
    enum dsn_audience audience;
    const char *content_language;
    const char *accept_language;
    const char *expected; /* config spelling, or NULL */
    enum dsn_select_source source;
};

static const struct language_case language_cases[] = {
    /* Accept-Language by q-value, not by position. */
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "de;q=0.5, fr;q=0.9", "fr",
     DSN_SELECT_DETECTED},
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "de;q=0.5,fr;q=0.9", "fr",
     DSN_SELECT_DETECTED},
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "pt;q=0.3, de", "de",
     DSN_SELECT_DETECTED},
    /* Equal weights keep the header's order. */
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "fr, de", "fr",
     DSN_SELECT_DETECTED},
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "de;q=0.8, fr;q=0.8", "de",
     DSN_SELECT_DETECTED},
    /* "*" and q=0 are skipped. */
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "*, de;q=0.1", "de",
     DSN_SELECT_DETECTED},
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "pt;q=0, de;q=0.2", "de",
     DSN_SELECT_DETECTED},
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "de;q=0", "fr",
     DSN_SELECT_DEFAULT},
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "de;q=0.000", "fr",
     DSN_SELECT_DEFAULT},
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "*", "fr",
     DSN_SELECT_DEFAULT},
    /* Unknown tags are passed over. */
    {language_config, DSN_AUDIENCE_INTERNAL, NULL,
     "xx, yy-ZZ;q=0.9, pt;"
     "q=0.1",
     "pt", DSN_SELECT_DETECTED},
    /* Content-Language beats Accept-Language, whatever the q-values. */
    {language_config, DSN_AUDIENCE_INTERNAL, "de", "fr", "de",
     DSN_SELECT_DETECTED},
    {language_config, DSN_AUDIENCE_INTERNAL, "pt", "de;q=1.0, fr;q=0.9", "pt",
     DSN_SELECT_DETECTED},
    {language_config, DSN_AUDIENCE_INTERNAL, "xx-YY, de", "fr", "de",
     DSN_SELECT_DETECTED},
    /* A q parameter does not move a Content-Language tag behind one of
     * Accept-Language. */
    {language_config, DSN_AUDIENCE_INTERNAL, "fr;q=0.1", "de", "fr",
     DSN_SELECT_DETECTED},
    /* An unknown Content-Language leaves Accept-Language in charge. */
    {language_config, DSN_AUDIENCE_INTERNAL, "xx", "pt", "pt",
     DSN_SELECT_DETECTED},
    /* The exact tag first, then the primary subtag, as the config spells
     * it. */
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "pt-BR", "pt-BR",
     DSN_SELECT_DETECTED},
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "PT-br", "pt-BR",
     DSN_SELECT_DETECTED},
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "pt-PT", "pt",
     DSN_SELECT_DETECTED},
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "de-CH, fr;q=0.9", "de",
     DSN_SELECT_DETECTED},
    {language_config, DSN_AUDIENCE_INTERNAL, "FR", NULL, "fr",
     DSN_SELECT_DETECTED},
    /* A language that only a layout has is a language of the config. */
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "sv", "sv",
     DSN_SELECT_DETECTED},
    /* Nothing detected: the audience's default. */
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, "es, it", "fr",
     DSN_SELECT_DEFAULT},
    {language_config, DSN_AUDIENCE_INTERNAL, NULL, NULL, "fr",
     DSN_SELECT_DEFAULT},
    {language_config, DSN_AUDIENCE_INTERNAL, "", "", "fr", DSN_SELECT_DEFAULT},
    /* detect_language = false ignores both headers. */
    {language_config, DSN_AUDIENCE_EXTERNAL, "fr", "pt", "de",
     DSN_SELECT_DEFAULT},
    /* An audience default that no text has: the global default, whose
     * exact tag names the untagged texts before the tagged de. */
    {global_config, DSN_AUDIENCE_INTERNAL, NULL, "xx", NULL,
     DSN_SELECT_DEFAULT},
    {global_config, DSN_AUDIENCE_EXTERNAL, NULL, NULL, NULL,
     DSN_SELECT_DEFAULT},
    /* Nothing detected and no tagged text for any default: NULL, the
     * untagged texts, in the global default language. */
    {untagged_config, DSN_AUDIENCE_INTERNAL, NULL, "xx", NULL,
     DSN_SELECT_DEFAULT},
    {untagged_config, DSN_AUDIENCE_INTERNAL, NULL, NULL, NULL,
     DSN_SELECT_DEFAULT},
    /* A detected tag naming the global default selects the untagged
     * texts, before a tagged language of lower weight. */
    {untagged_config, DSN_AUDIENCE_EXTERNAL, "en", "de", NULL,
     DSN_SELECT_DETECTED},
    {untagged_config, DSN_AUDIENCE_INTERNAL, NULL, "en-US, de;q=0.5", NULL,
     DSN_SELECT_DETECTED},
    {untagged_config, DSN_AUDIENCE_INTERNAL, NULL, "de, en;q=0.5", "de",
     DSN_SELECT_DETECTED},
    {untagged_config, DSN_AUDIENCE_EXTERNAL, NULL, "de-DE", "de",
     DSN_SELECT_DETECTED},
    /* An audience default naming the global default: the untagged texts. */
    {untagged_config, DSN_AUDIENCE_EXTERNAL, NULL, "xx", NULL,
     DSN_SELECT_DEFAULT},
};

/* Run dsn_select_language on a report with only the language headers. */
static const char *select_language(const struct dsn_config *cfg,
                                   enum dsn_audience audience,
                                   const char *content_language,
                                   const char *accept_language,
                                   enum dsn_select_source *source)
{
    struct dsn_report report = {0};
    const char *found;

    report.original_content_language = g_strdup(content_language);
    report.original_accept_language = g_strdup(accept_language);
    found = dsn_select_language(cfg, audience, &report, source);
    g_free(report.original_content_language);
    g_free(report.original_accept_language);
    return (found);
}

START_TEST(test_language_table)
{
    const struct language_case *c = &language_cases[_i];
    struct dsn_config *cfg = load_text(c->config_text);
    enum dsn_select_source source = (enum dsn_select_source) - 1;
    const char *got = select_language(cfg, c->audience, c->content_language,
                                      c->accept_language, &source);

    ck_assert_msg(g_strcmp0(got, c->expected) == 0,
                  "%s sender,"
                  " Content-Language \"%s\", Accept-Language \"%s\": got"
                  " %s, expected %s",
                  audience_name(c->audience), STR(c->content_language),
                  STR(c->accept_language), STR(got), STR(c->expected));
    ck_assert_msg(source == c->source,
                  "%s sender, Content-Language"
                  " \"%s\", Accept-Language \"%s\": source %s, expected %s",
                  audience_name(c->audience), STR(c->content_language),
                  STR(c->accept_language), source_name(source),
                  source_name(c->source));
    dsn_config_free(cfg);
}
END_TEST

START_TEST(test_language_config_spelling)
{
    struct dsn_config *cfg = load_text(language_config);
    enum dsn_select_source source;
    const char *got =
        select_language(cfg, DSN_AUDIENCE_INTERNAL, NULL, "PT-br", &source);
    bool owned = false;

    /* The result must point into the config, not at the header. */
    for (size_t i = 0; i < cfg->message_count; i++)
        owned = owned || got == cfg->messages[i].language;
    ck_assert_msg(owned,
                  "the selected language \"%s\" is not a string of"
                  " the config",
                  STR(got));
    dsn_config_free(cfg);
}
END_TEST

START_TEST(test_language_null_report)
{
    struct dsn_config *cfg = load_text(language_config);
    enum dsn_select_source source = DSN_SELECT_DETECTED;
    const char *got =
        dsn_select_language(cfg, DSN_AUDIENCE_INTERNAL, NULL, &source);

    ck_assert_msg(g_strcmp0(got, "fr") == 0,
                  "no report: got %s, expected"
                  " the internal default fr",
                  STR(got));
    ck_assert_msg(source == DSN_SELECT_DEFAULT,
                  "no report: source %s,"
                  " expected default",
                  source_name(source));
    dsn_config_free(cfg);
}
END_TEST

struct match_case {
    const char *tag;
    const char *expected;
};

static const struct match_case match_cases[] = {
    {"pt-BR", "pt-BR"}, {"pt-br", "pt-BR"},   {"pt-PT", "pt"}, {"pt", "pt"},
    {"PT", "pt"},       {"de-CH-1996", "de"}, {"sv-FI", "sv"}, {"xx", NULL},
    {"en", NULL},       {"", NULL},
};

START_TEST(test_match_table)
{
    const struct match_case *c = &match_cases[_i];
    struct dsn_config *cfg = load_text(language_config);
    const char *got = dsn_select_match(cfg, c->tag);

    ck_assert_msg(g_strcmp0(got, c->expected) == 0,
                  "match \"%s\": got %s,"
                  " expected %s",
                  c->tag, STR(got), STR(c->expected));
    dsn_config_free(cfg);
}
END_TEST

/* Message entries */

/*
 * For one code the audience's own entry beats "any", in either order.
 * A more specific code beats both, and the other audience's entries
 * never serve.  de has a few entries of its own and no default.
 */
static const char message_config[] =
    "messages = (\n"
    "  { code = \"default\"; text = \"ANY-DEFAULT\"; },\n"
    "  { code = \"5.x.x\"; audience = \"internal\"; text = \"INT-5XX\"; },\n"
    "  { code = \"5.x.x\"; text = \"ANY-5XX\"; },\n"
    "  { code = \"5.1.x\"; text = \"ANY-51X\"; },\n"
    "  { code = \"5.1.1\"; text = \"ANY-511\"; },\n"
    "  { code = \"5.1.1\"; audience = \"internal\"; text = \"INT-511\"; },\n"
    "  { code = \"5.2.x\"; audience = \"external\"; text = \"EXT-52X\"; },\n"
    "  { code = \"5.2.x\"; text = \"ANY-52X\"; },\n"
    "  { code = \"5.7.1\"; audience = \"external\"; text = \"EXT-571\"; },\n"
    "  { code = \"5.7.x\"; audience = \"internal\"; text = \"INT-57X\"; },\n"
    "  { code = \"4.x.x\"; audience = \"external\"; text = \"EXT-4XX\"; }\n"
    ");\n" BASE_LAYOUTS "languages = {\n"
    "  de = { messages = (\n"
    "    { code = \"5.x.x\"; text = \"DE-5XX\"; },\n"
    "    { code = \"5.1.1\"; text = \"DE-511\"; },\n"
    "    { code = \"5.7.x\"; audience = \"external\";"
    " text = \"DE-EXT-57X\"; }\n"
    "  ); };\n"
    "};\n";

struct message_case {
    const char *code;
    enum dsn_audience audience;
    const char *language;
    const char *expected; /* marker text, or NULL for no entry */
};

static const struct message_case message_cases[] = {
    /* Specificity first. */
    {"5.1.2", DSN_AUDIENCE_EXTERNAL, NULL, "ANY-51X"},
    {"5.1.1", DSN_AUDIENCE_EXTERNAL, NULL, "ANY-511"},
    {"5.3.0", DSN_AUDIENCE_EXTERNAL, NULL, "ANY-5XX"},
    {"4.4.1", DSN_AUDIENCE_INTERNAL, NULL, "ANY-DEFAULT"},
    {"2.0.0", DSN_AUDIENCE_EXTERNAL, NULL, "ANY-DEFAULT"},
    /* A more specific "any" entry beats the audience's own class entry. */
    {"5.1.2", DSN_AUDIENCE_INTERNAL, NULL, "ANY-51X"},
    /* For one code, the audience's own entry before "any". */
    {"5.1.1", DSN_AUDIENCE_INTERNAL, NULL, "INT-511"},
    {"5.3.0", DSN_AUDIENCE_INTERNAL, NULL, "INT-5XX"},
    {"5.2.2", DSN_AUDIENCE_EXTERNAL, NULL, "EXT-52X"},
    /* Entries for the other audience are skipped. */
    {"5.2.2", DSN_AUDIENCE_INTERNAL, NULL, "ANY-52X"},
    {"5.7.1", DSN_AUDIENCE_INTERNAL, NULL, "INT-57X"},
    {"5.7.1", DSN_AUDIENCE_EXTERNAL, NULL, "EXT-571"},
    {"5.7.2", DSN_AUDIENCE_EXTERNAL, NULL, "ANY-5XX"},
    {"4.4.1", DSN_AUDIENCE_EXTERNAL, NULL, "EXT-4XX"},
    /* Entries in the language before untagged ones, even less specific. */
    {"5.1.2", DSN_AUDIENCE_EXTERNAL, "de", "DE-5XX"},
    {"5.1.1", DSN_AUDIENCE_INTERNAL, "de", "DE-511"},
    {"5.1.1", DSN_AUDIENCE_EXTERNAL, "DE", "DE-511"},
    {"5.7.1", DSN_AUDIENCE_EXTERNAL, "de", "DE-EXT-57X"},
    {"5.7.1", DSN_AUDIENCE_INTERNAL, "de", "DE-5XX"},
    /* No entry in the language matches: the untagged entries. */
    {"4.4.1", DSN_AUDIENCE_EXTERNAL, "de", "EXT-4XX"},
    {"4.4.1", DSN_AUDIENCE_INTERNAL, "de", "ANY-DEFAULT"},
    {"5.1.1", DSN_AUDIENCE_INTERNAL, "fr", "INT-511"},
};

START_TEST(test_message_table)
{
    const struct message_case *c = &message_cases[_i];
    struct dsn_status status;
    const struct dsn_config_message *m;
    char *got;

    ck_assert_msg(dsn_status_parse(c->code, &status, NULL), "bad code %s",
                  c->code);
    m = dsn_select_message(config, &status, c->audience, c->language);
    ck_assert_msg(m != NULL,
                  "%s, %s sender, language %s: no entry,"
                  " expected %s",
                  c->code, audience_name(c->audience), STR(c->language),
                  c->expected);
    got = expand_marker(m->text);
    ck_assert_msg(strcmp(got, c->expected) == 0,
                  "%s, %s sender, language"
                  " %s: got %s (code %s, line %d), expected %s",
                  c->code, audience_name(c->audience), STR(c->language), got,
                  m->code, m->line, c->expected);
    g_free(got);
}
END_TEST

static void setup_message(void)
{
    config = load_text(message_config);
}

START_TEST(test_message_no_match)
{
    struct dsn_config *cfg =
        load_text("messages = ( { code = \"5.1.1\"; text = \"ONLY-511\"; },\n"
                  "  { code = \"5.2.x\"; audience = \"internal\"; text = "
                  "\"X\"; } );\n" BASE_LAYOUTS);
    struct dsn_status status;

    ck_assert(dsn_status_parse("4.4.1", &status, NULL));
    ck_assert_msg(
        dsn_select_message(cfg, &status, DSN_AUDIENCE_EXTERNAL, NULL) == NULL,
        "4.4.1 matched an"
        " entry although there is no default");
    ck_assert(dsn_status_parse("5.2.2", &status, NULL));
    ck_assert_msg(
        dsn_select_message(cfg, &status, DSN_AUDIENCE_EXTERNAL, "de") == NULL,
        "5.2.2 for an external"
        " sender matched the internal-only entry");
    dsn_config_free(cfg);
}
END_TEST

/* Layouts */

/*
 * failure: every kind of variant, the language-and-audience one in the
 * middle; delay: a language variant listed before an audience variant.
 */
static const char layout_config[] =
    "layouts = {\n"
    "  failure = (\n"
    "    { audience = \"internal\"; subject = \"x\";"
    " text = \"FAILURE-INTERNAL${recipients}\"; },\n"
    "    { language = \"de\"; audience = \"internal\"; subject = \"x\";"
    " text = \"FAILURE-DE-INTERNAL${recipients}\"; },\n"
    "    { subject = \"x\"; text = \"FAILURE-BASE${recipients}\"; },\n"
    "    { language = \"de\"; subject = \"x\";"
    " text = \"FAILURE-DE${recipients}\"; }\n"
    "  );\n"
    "  delay = (\n"
    "    { language = \"de\"; subject = \"x\";"
    " text = \"DELAY-DE${recipients}\"; },\n"
    "    { audience = \"internal\"; subject = \"x\";"
    " text = \"DELAY-INTERNAL${recipients}\"; },\n"
    "    { subject = \"x\"; text = \"DELAY-BASE${recipients}\"; }\n"
    "  );\n"
    "  success = { subject = \"x\"; text = \"SUCCESS-BASE${recipients}\";"
    " };\n"
    "};\n"
    "languages = {\n"
    "  fr = { layouts = { failure = { audience = \"external\";"
    " subject = \"x\"; text = \"FAILURE-FR-EXTERNAL${recipients}\"; };"
    " }; };\n"
    "};\n";

struct layout_case {
    enum dsn_outcome outcome;
    enum dsn_audience audience;
    const char *language;
    const char *expected;
};

static const struct layout_case layout_cases[] = {
    /* Language and audience, then language, then audience, then base. */
    {DSN_OUTCOME_FAILURE, DSN_AUDIENCE_INTERNAL, "de", "FAILURE-DE-INTERNAL"},
    {DSN_OUTCOME_FAILURE, DSN_AUDIENCE_EXTERNAL, "de", "FAILURE-DE"},
    {DSN_OUTCOME_FAILURE, DSN_AUDIENCE_INTERNAL, NULL, "FAILURE-INTERNAL"},
    {DSN_OUTCOME_FAILURE, DSN_AUDIENCE_EXTERNAL, NULL, "FAILURE-BASE"},
    {DSN_OUTCOME_FAILURE, DSN_AUDIENCE_EXTERNAL, "it", "FAILURE-BASE"},
    {DSN_OUTCOME_FAILURE, DSN_AUDIENCE_INTERNAL, "it", "FAILURE-INTERNAL"},
    {DSN_OUTCOME_FAILURE, DSN_AUDIENCE_INTERNAL, "DE", "FAILURE-DE-INTERNAL"},
    /* The fr variant is for external senders only. */
    {DSN_OUTCOME_FAILURE, DSN_AUDIENCE_EXTERNAL, "fr", "FAILURE-FR-EXTERNAL"},
    {DSN_OUTCOME_FAILURE, DSN_AUDIENCE_INTERNAL, "fr", "FAILURE-INTERNAL"},
    /* Language beats audience, whatever the order. */
    {DSN_OUTCOME_DELAY, DSN_AUDIENCE_INTERNAL, "de", "DELAY-DE"},
    {DSN_OUTCOME_DELAY, DSN_AUDIENCE_INTERNAL, NULL, "DELAY-INTERNAL"},
    {DSN_OUTCOME_DELAY, DSN_AUDIENCE_EXTERNAL, "fr", "DELAY-BASE"},
    /* Variants of one outcome never serve another. */
    {DSN_OUTCOME_SUCCESS, DSN_AUDIENCE_INTERNAL, "de", "SUCCESS-BASE"},
    {DSN_OUTCOME_SUCCESS, DSN_AUDIENCE_EXTERNAL, "fr", "SUCCESS-BASE"},
};

static void setup_layout(void)
{
    config = load_text(layout_config);
}

START_TEST(test_layout_table)
{
    const struct layout_case *c = &layout_cases[_i];
    const struct dsn_config_layout *l;
    char *got;

    l = dsn_select_layout(config, c->outcome, c->audience, c->language);
    ck_assert_msg(l != NULL, "%s, %s sender, language %s: no layout",
                  dsn_config_outcome_name(c->outcome),
                  audience_name(c->audience), STR(c->language));
    got = expand_marker(l->text);
    ck_assert_msg(strcmp(got, c->expected) == 0,
                  "%s, %s sender, language"
                  " %s: got %s (line %d), expected %s",
                  dsn_config_outcome_name(c->outcome),
                  audience_name(c->audience), STR(c->language), got, l->line,
                  c->expected);
    g_free(got);
}
END_TEST

static Suite *dsn_select_suite(void)
{
    Suite *suite = suite_create("dsn_select");
    TCase *audience = tcase_create("audience");
    TCase *address = tcase_create("private_address");
    TCase *language = tcase_create("language");
    TCase *message = tcase_create("message");
    TCase *layout = tcase_create("layout");

    tcase_add_checked_fixture(audience, setup_audience, teardown_config);
    tcase_add_loop_test(audience, test_audience_table, 0,
                        ARRAY_SIZE(audience_cases));
    tcase_add_test(audience, test_audience_null);
    tcase_add_test(audience, test_audience_no_domains);
    tcase_add_test(audience, test_internal_domain_host);
    suite_add_tcase(suite, audience);

    tcase_add_loop_test(address, test_private_table, 0,
                        ARRAY_SIZE(address_cases));
    tcase_add_test(address, test_private_null);
    suite_add_tcase(suite, address);

    tcase_add_loop_test(language, test_language_table, 0,
                        ARRAY_SIZE(language_cases));
    tcase_add_test(language, test_language_config_spelling);
    tcase_add_test(language, test_language_null_report);
    tcase_add_loop_test(language, test_match_table, 0,
                        ARRAY_SIZE(match_cases));
    suite_add_tcase(suite, language);

    tcase_add_checked_fixture(message, setup_message, teardown_config);
    tcase_add_loop_test(message, test_message_table, 0,
                        ARRAY_SIZE(message_cases));
    tcase_add_test(message, test_message_no_match);
    suite_add_tcase(suite, message);

    tcase_add_checked_fixture(layout, setup_layout, teardown_config);
    tcase_add_loop_test(layout, test_layout_table, 0,
                        ARRAY_SIZE(layout_cases));
    suite_add_tcase(suite, layout);
    return (suite);
}

int main(void)
{
    SRunner *runner = srunner_create(dsn_select_suite());
    int failed;

    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
