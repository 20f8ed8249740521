/*
 * dsn_config - the libconfig file
 *
 * Exports dsn_config_load(), dsn_config_free() and
 * dsn_config_outcome_name().  Every problem found is reported, not only
 * the first, as "FILE:LINE: what is wrong; what to do".  Unknown settings
 * are errors, so that a misspelled name does not silently keep a default.
 * "@include" directives are resolved relative to the file's directory.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <libconfig.h>

#include "dsn_config.h"
#include "dsn_html.h"

/* Loader state: the config being built and the error list. */
struct dsn_config_loader {
    struct dsn_config *config;
    GString *errors;
    const char *path;
    int error_count;
};

/* Layout names by outcome, NULL-terminated for dsn_config_check_keys. */
static const char *const dsn_config_outcome_names[DSN_OUTCOME_COUNT + 1] = {
    "failure",
    "delay",
    "success",
    NULL,
};

static const char *const dsn_config_top_keys[] = {
    "postmaster",
    "reporting_host",
    "max_message_size",
    "rewrite_foreign",
    "default_language",
    "messages",
    "layouts",
    "languages",
    "internal_domains",
    "internal_domains_file",
    "postmaster_copies",
    "postmaster_copy_to",
    "internal",
    "external",
    NULL,
};

static const char *const dsn_config_message_keys[] = {
    "code", "text", "html", "language", "audience", NULL,
};

static const char *const dsn_config_layout_keys[] = {
    "subject",        "text",     "recipient", "html",
    "recipient_html", "language", "audience",  NULL,
};

/* Default recipient block of a layout that has none. */
#define DSN_CONFIG_DEFAULT_RECIPIENT "${recipient}: ${message}\n"

/* Default largest DSN processed, in bytes. */
#define DSN_CONFIG_DEFAULT_MAX_SIZE (50 * 1024 * 1024)

const char *dsn_config_outcome_name(enum dsn_outcome outcome)
{
    if ((unsigned) outcome >= DSN_OUTCOME_COUNT)
        return ("unknown");
    return (dsn_config_outcome_names[outcome]);
}

/* Append "FILE:LINE: message" to the error list. */
static void G_GNUC_PRINTF(3, 4)
    dsn_config_error(struct dsn_config_loader *loader,
                     const config_setting_t *setting, const char *fmt, ...)
{
    const char *file = NULL;
    int line = 0;
    va_list ap;

    if (setting) {
        file = config_setting_source_file(setting);
        line = config_setting_source_line(setting);
    }
    if (line > 0)
        g_string_append_printf(loader->errors,
                               "%s:%d: ", file ? file : loader->path, line);
    else
        g_string_append_printf(loader->errors,
                               "%s: ", file ? file : loader->path);
    va_start(ap, fmt);
    g_string_append_vprintf(loader->errors, fmt, ap);
    va_end(ap);
    g_string_append_c(loader->errors, '\n');
    loader->error_count++;
}

static bool dsn_config_known(const char *name, const char *const *keys)
{
    for (; *keys; keys++)
        if (strcmp(name, *keys) == 0)
            return (true);
    return (false);
}

/* Report every member of a group whose name is not in keys. */
static void dsn_config_check_keys(struct dsn_config_loader *loader,
                                  const config_setting_t *group,
                                  const char *where, const char *const *keys)
{
    int count = config_setting_length(group);
    GString *known = g_string_new(NULL);

    for (const char *const *k = keys; *k; k++)
        g_string_append_printf(known, "%s%s", known->len ? ", " : "", *k);
    for (int i = 0; i < count; i++) {
        config_setting_t *member = config_setting_get_elem(group, i);
        const char *name = config_setting_name(member);

        if (name && !dsn_config_known(name, keys))
            dsn_config_error(loader, member,
                             "%sunknown setting \"%s\";"
                             " the known settings are: %s",
                             where, name, known->str);
    }
    g_string_free(known, TRUE);
}

/*
 * Read an optional string member.  Return NULL when absent; report a
 * wrong type.
 */
static const char *dsn_config_string(struct dsn_config_loader *loader,
                                     const config_setting_t *group,
                                     const char *name, const char *where)
{
    config_setting_t *member = config_setting_get_member(group, name);

    if (member == NULL)
        return (NULL);
    if (config_setting_type(member) != CONFIG_TYPE_STRING) {
        dsn_config_error(loader, member,
                         "%s%s must be a string in double"
                         " quotes",
                         where, name);
        return (NULL);
    }
    return (config_setting_get_string(member));
}

/* Return true for a syntactically valid BCP 47 language tag. */
static bool dsn_config_valid_language(const char *tag)
{
    size_t first = strspn(tag, "abcdefghijklmnopqrstuvwxyz"
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    const char *p = tag + first;

    if (first < 2 || first > 8)
        return (false);
    while (*p == '-') {
        size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

        if (n < 1 || n > 8)
            return (false);
        p += n + 1;
    }
    return (*p == 0);
}

/* Read an optional language member into *slot. */
static void dsn_config_language(struct dsn_config_loader *loader,
                                const config_setting_t *group,
                                const char *name, const char *where,
                                char **slot)
{
    const char *tag = dsn_config_string(loader, group, name, where);

    if (tag == NULL)
        return;
    if (!dsn_config_valid_language(tag)) {
        dsn_config_error(loader, config_setting_get_member(group, name),
                         "%s%s: invalid language tag \"%s\"; write a BCP 47"
                         " tag such as en, de or pt-BR",
                         where, name, tag);
        return;
    }
    *slot = g_strdup(tag);
}

/* Compile a template member; report a missing one when required. */
static struct dsn_template *
dsn_config_template(struct dsn_config_loader *loader,
                    const config_setting_t *group, const char *name,
                    const char *where, unsigned scopes, bool required)
{
    const char *text = dsn_config_string(loader, group, name, where);
    struct dsn_template *tpl;
    char error[512];

    if (text == NULL) {
        if (required && config_setting_get_member(group, name) == NULL)
            dsn_config_error(loader, group, "%smissing %s; add %s = \"...\";",
                             where, name, name);
        return (NULL);
    }
    tpl = dsn_template_compile(text, scopes, error, sizeof(error));
    if (tpl == NULL)
        dsn_config_error(loader, config_setting_get_member(group, name),
                         "%s%s: %s", where, name, error);
    return (tpl);
}

static bool dsn_config_audience(const char *text, enum dsn_audience *out)
{
    static const char *const names[] = {"any", "internal", "external"};

    for (int i = 0; i < 3; i++) {
        if (g_ascii_strcasecmp(text, names[i]) == 0) {
            *out = (enum dsn_audience) i;
            return (true);
        }
    }
    return (false);
}

/* Report an entry whose code, language and audience repeat an earlier one. */
static void dsn_config_check_duplicate(struct dsn_config_loader *loader,
                                       const config_setting_t *entry,
                                       const struct dsn_config_message *msg)
{
    const struct dsn_config *config = loader->config;

    for (size_t i = 0; i < config->message_count; i++) {
        const struct dsn_config_message *old = &config->messages[i];

        if (old->pattern.code_class == msg->pattern.code_class &&
            old->pattern.subject == msg->pattern.subject &&
            old->pattern.detail == msg->pattern.detail &&
            old->audience == msg->audience &&
            (old->language == msg->language ||
             (old->language && msg->language &&
              g_ascii_strcasecmp(old->language, msg->language) == 0))) {
            dsn_config_error(loader, entry,
                             "duplicate message for code %s"
                             " (first at line %d); remove one of them or"
                             " give them different language or audience",
                             msg->code, old->line);
            return;
        }
    }
}

/* Compile the optional html member after checking its tags. */
static struct dsn_template *dsn_config_html(struct dsn_config_loader *loader,
                                            const config_setting_t *group,
                                            const char *name,
                                            const char *where, unsigned scopes)
{
    const char *text = dsn_config_string(loader, group, name, where);
    char error[256];

    if (text == NULL)
        return (NULL);
    if (!dsn_html_check(text, error, sizeof(error))) {
        dsn_config_error(loader, config_setting_get_member(group, name),
                         "%s%s: %s", where, name, error);
        return (NULL);
    }
    return (dsn_config_template(loader, group, name, where, scopes, false));
}

/*
 * Read the language member of an entry; inside languages.TAG the entry
 * takes TAG, and a different language member is an error.
 */
static char *dsn_config_entry_language(struct dsn_config_loader *loader,
                                       const config_setting_t *entry,
                                       const char *where, const char *forced)
{
    char *language = NULL;

    dsn_config_language(loader, entry, "language", where, &language);
    if (forced == NULL)
        return (language);
    if (language && g_ascii_strcasecmp(language, forced) != 0)
        dsn_config_error(loader, config_setting_get_member(entry, "language"),
                         "%slanguage \"%s\" inside languages.%s; remove"
                         " it or move the entry",
                         where, language, forced);
    g_free(language);
    return (g_strdup(forced));
}

static void dsn_config_entry_audience(struct dsn_config_loader *loader,
                                      const config_setting_t *entry,
                                      const char *where,
                                      enum dsn_audience *audience)
{
    const char *text = dsn_config_string(loader, entry, "audience", where);

    *audience = DSN_AUDIENCE_ANY;
    if (text && !dsn_config_audience(text, audience))
        dsn_config_error(loader, config_setting_get_member(entry, "audience"),
                         "%sinvalid audience \"%s\"; write internal,"
                         " external or any",
                         where, text);
}

/* Read one entry of a messages list. */
static void dsn_config_message(struct dsn_config_loader *loader,
                               const config_setting_t *entry,
                               const char *where, const char *language)
{
    struct dsn_config_message msg = {0};
    const char *code;

    if (!config_setting_is_group(entry)) {
        dsn_config_error(loader, entry,
                         "%seach entry must be a group such"
                         " as { code = \"5.1.1\"; text = \"...\"; }",
                         where);
        return;
    }
    dsn_config_check_keys(loader, entry, where, dsn_config_message_keys);
    msg.line = config_setting_source_line(entry);
    code = dsn_config_string(loader, entry, "code", where);
    if (code == NULL) {
        if (config_setting_get_member(entry, "code") == NULL)
            dsn_config_error(loader, entry,
                             "%smissing code; add code ="
                             " \"5.1.1\"; (or 5.1.x, 5.x.x, default)",
                             where);
    } else if (!dsn_status_pattern_parse(code, &msg.pattern)) {
        dsn_config_error(loader, config_setting_get_member(entry, "code"),
                         "%sinvalid code \"%s\"; write class.subject.detail"
                         " such as 5.1.1, 5.1.x or 5.x.x (class 2, 4 or 5),"
                         " or default",
                         where, code);
        code = NULL;
    }
    dsn_config_entry_audience(loader, entry, where, &msg.audience);
    msg.language = dsn_config_entry_language(loader, entry, where, language);
    msg.text = dsn_config_template(loader, entry, "text", where,
                                   DSN_SCOPE_RECIPIENT, true);
    msg.html =
        dsn_config_html(loader, entry, "html", where, DSN_SCOPE_RECIPIENT);
    if (code == NULL || msg.text == NULL) {
        g_free(msg.language);
        dsn_template_free(msg.text);
        dsn_template_free(msg.html);
        return;
    }
    msg.code = g_strdup(code);
    dsn_config_check_duplicate(loader, entry, &msg);
    loader->config->messages[loader->config->message_count++] = msg;
}

/* Read a messages list; prefix names it in errors. */
static void dsn_config_messages(struct dsn_config_loader *loader,
                                const config_setting_t *list,
                                const char *prefix, const char *language)
{
    struct dsn_config *config = loader->config;
    char where[96];
    int count;

    if (list == NULL)
        return;
    if (!config_setting_is_list(list)) {
        dsn_config_error(loader, list,
                         "%smessages must be a list in"
                         " parentheses: messages = ( { ... }, { ... } );",
                         prefix);
        return;
    }
    count = config_setting_length(list);
    config->messages = g_renew(struct dsn_config_message, config->messages,
                               config->message_count + count);
    for (int i = 0; i < count; i++) {
        snprintf(where, sizeof(where), "%smessages[%d]: ", prefix, i);
        dsn_config_message(loader, config_setting_get_elem(list, i), where,
                           language);
    }
}

/* Read the templates of one layout group into layout. */
static void dsn_config_layout_templates(struct dsn_config_loader *loader,
                                        const config_setting_t *group,
                                        const char *where,
                                        struct dsn_config_layout *layout)
{
    char error[256];

    layout->subject = dsn_config_template(loader, group, "subject", where,
                                          DSN_SCOPE_MESSAGE, true);
    layout->text = dsn_config_template(loader, group, "text", where,
                                       DSN_SCOPE_LAYOUT, true);
    layout->recipient = dsn_config_template(loader, group, "recipient", where,
                                            DSN_SCOPE_BLOCK, false);
    if (layout->recipient == NULL &&
        config_setting_get_member(group, "recipient") == NULL)
        layout->recipient =
            dsn_template_compile(DSN_CONFIG_DEFAULT_RECIPIENT, DSN_SCOPE_BLOCK,
                                 error, sizeof(error));
    layout->html =
        dsn_config_html(loader, group, "html", where, DSN_SCOPE_LAYOUT);
    layout->recipient_html = dsn_config_html(loader, group, "recipient_html",
                                             where, DSN_SCOPE_BLOCK);
    if (layout->text && !dsn_template_uses(layout->text, DSN_VAR_RECIPIENTS))
        dsn_config_error(loader, config_setting_get_member(group, "text"),
                         "%stext does not contain ${recipients}, so the"
                         " notification would name no recipient; add it",
                         where);
    if (layout->html && !dsn_template_uses(layout->html, DSN_VAR_RECIPIENTS))
        dsn_config_error(loader, config_setting_get_member(group, "html"),
                         "%shtml does not contain ${recipients}; add it",
                         where);
}

static void dsn_config_layout_free(struct dsn_config_layout *layout)
{
    dsn_template_free(layout->subject);
    dsn_template_free(layout->text);
    dsn_template_free(layout->recipient);
    dsn_template_free(layout->html);
    dsn_template_free(layout->recipient_html);
    g_free(layout->language);
}

/* Store a layout as the outcome's base layout or as a variant. */
static void dsn_config_store_layout(struct dsn_config_loader *loader,
                                    const config_setting_t *group,
                                    const char *where,
                                    struct dsn_config_layout *layout)
{
    struct dsn_config *config = loader->config;
    struct dsn_config_layout *base = &config->layouts[layout->outcome];

    if (layout->language == NULL && layout->audience == DSN_AUDIENCE_ANY) {
        if (base->text != NULL) {
            dsn_config_error(loader, group,
                             "%sa second %s layout for any"
                             " language and audience (first at line %d);"
                             " give it a language or an audience",
                             where, dsn_config_outcome_names[layout->outcome],
                             base->line);
            dsn_config_layout_free(layout);
            return;
        }
        *base = *layout;
        return;
    }
    config->variants = g_renew(struct dsn_config_layout, config->variants,
                               config->variant_count + 1);
    config->variants[config->variant_count++] = *layout;
}

/* Read one layout group. */
static void dsn_config_layout(struct dsn_config_loader *loader,
                              const config_setting_t *group, const char *where,
                              enum dsn_outcome outcome, const char *language)
{
    struct dsn_config_layout layout = {.outcome = outcome};

    if (!config_setting_is_group(group)) {
        dsn_config_error(loader, group,
                         "%smust be a group { subject ="
                         " \"...\"; text = \"...\"; } or a list of them",
                         where);
        return;
    }
    dsn_config_check_keys(loader, group, where, dsn_config_layout_keys);
    layout.line = config_setting_source_line(group);
    layout.language =
        dsn_config_entry_language(loader, group, where, language);
    dsn_config_entry_audience(loader, group, where, &layout.audience);
    dsn_config_layout_templates(loader, group, where, &layout);
    if (layout.subject == NULL || layout.text == NULL ||
        layout.recipient == NULL) {
        dsn_config_layout_free(&layout);
        return;
    }
    dsn_config_store_layout(loader, group, where, &layout);
}

/* Read layouts.failure and the others: a group or a list of groups. */
static void dsn_config_layouts(struct dsn_config_loader *loader,
                               const config_setting_t *layouts,
                               const char *prefix, const char *language)
{
    char where[96];

    if (layouts == NULL)
        return;
    if (!config_setting_is_group(layouts)) {
        dsn_config_error(loader, layouts,
                         "%slayouts must be a group: layouts"
                         " = { failure = { ... }; delay = { ... }; success ="
                         " { ... }; };",
                         prefix);
        return;
    }
    snprintf(where, sizeof(where), "%slayouts: ", prefix);
    dsn_config_check_keys(loader, layouts, where, dsn_config_outcome_names);
    for (int i = 0; i < DSN_OUTCOME_COUNT; i++) {
        const char *name = dsn_config_outcome_names[i];
        config_setting_t *s = config_setting_get_member(layouts, name);
        int count;

        if (s == NULL)
            continue;
        if (!config_setting_is_list(s)) {
            snprintf(where, sizeof(where), "%slayouts.%s: ", prefix, name);
            dsn_config_layout(loader, s, where, (enum dsn_outcome) i,
                              language);
            continue;
        }
        count = config_setting_length(s);
        for (int j = 0; j < count; j++) {
            snprintf(where, sizeof(where), "%slayouts.%s[%d]: ", prefix, name,
                     j);
            dsn_config_layout(loader, config_setting_get_elem(s, j), where,
                              (enum dsn_outcome) i, language);
        }
    }
}

/* Report each outcome that has no layout for any language and audience. */
static void dsn_config_require_layouts(struct dsn_config_loader *loader,
                                       const config_setting_t *root)
{
    config_setting_t *layouts = config_setting_get_member(root, "layouts");

    for (int i = 0; i < DSN_OUTCOME_COUNT; i++) {
        if (loader->config->layouts[i].text != NULL)
            continue;
        if (layouts == NULL) {
            dsn_config_error(loader, NULL,
                             "missing layouts; add layouts ="
                             " { failure = { ... }; delay = { ... }; success"
                             " = { ... }; };");
            return;
        }
        if (config_setting_get_member(layouts, dsn_config_outcome_names[i]) ==
                NULL ||
            loader->error_count == 0)
            dsn_config_error(loader, layouts,
                             "layouts: missing %s layout"
                             " for any language and audience; add %s = {"
                             " subject = \"...\"; text = \"...\"; };",
                             dsn_config_outcome_names[i],
                             dsn_config_outcome_names[i]);
    }
}

/* Read languages = { de = { messages = (...); layouts = {...}; }; }. */
static void dsn_config_languages(struct dsn_config_loader *loader,
                                 const config_setting_t *languages)
{
    static const char *const keys[] = {"messages", "layouts", NULL};
    int count;

    if (languages == NULL)
        return;
    if (!config_setting_is_group(languages)) {
        dsn_config_error(loader, languages,
                         "languages must be a group:"
                         " languages = { de = { ... }; };");
        return;
    }
    count = config_setting_length(languages);
    for (int i = 0; i < count; i++) {
        config_setting_t *lang = config_setting_get_elem(languages, i);
        const char *tag = config_setting_name(lang);
        char prefix[64];

        snprintf(prefix, sizeof(prefix), "languages.%s: ", tag);
        if (!dsn_config_valid_language(tag) ||
            !config_setting_is_group(lang)) {
            dsn_config_error(loader, lang,
                             "languages.%s: each member must"
                             " be a group named by a BCP 47 tag, such as de"
                             " = { messages = (...); layouts = {...}; };",
                             tag);
            continue;
        }
        dsn_config_check_keys(loader, lang, prefix, keys);
        snprintf(prefix, sizeof(prefix), "languages.%s.", tag);
        dsn_config_messages(
            loader, config_setting_get_member(lang, "messages"), prefix, tag);
        dsn_config_layouts(loader, config_setting_get_member(lang, "layouts"),
                           prefix, tag);
    }
}

/* Read max_message_size, an int or a 64-bit int with an L suffix. */
static void dsn_config_max_size(struct dsn_config_loader *loader,
                                const config_setting_t *root)
{
    config_setting_t *s = config_setting_get_member(root, "max_message_size");
    long long value;

    loader->config->max_message_size = DSN_CONFIG_DEFAULT_MAX_SIZE;
    if (s == NULL)
        return;
    if (config_setting_type(s) == CONFIG_TYPE_INT)
        value = config_setting_get_int(s);
    else if (config_setting_type(s) == CONFIG_TYPE_INT64)
        value = config_setting_get_int64(s);
    else {
        dsn_config_error(loader, s,
                         "max_message_size must be a whole number"
                         " of bytes, such as 52428800");
        return;
    }
    if (value < 0) {
        dsn_config_error(loader, s,
                         "max_message_size %lld is negative; use"
                         " 0 for no limit or a size in bytes",
                         value);
        return;
    }
    loader->config->max_message_size = (size_t) value;
}

/* Add one internal domain, lower case; report an empty or bad one. */
static void dsn_config_add_domain(struct dsn_config_loader *loader,
                                  const config_setting_t *where_setting,
                                  const char *domain, const char *origin)
{
    char *copy = g_strstrip(g_strdup(domain));
    char *clean = g_ascii_strdown(copy, -1);

    g_free(copy);
    if (*clean == 0 || strchr(clean, '@') || strchr(clean, ' ')) {
        dsn_config_error(loader, where_setting,
                         "%sinvalid domain \"%s\";"
                         " write example.com, or .example.com for its"
                         " subdomains",
                         origin, domain);
        g_free(clean);
        return;
    }
    g_ptr_array_add(loader->config->internal_domains, clean);
}

/* Read internal_domains_file: one domain a line, "#" comments. */
static void dsn_config_domains_file(struct dsn_config_loader *loader,
                                    const config_setting_t *setting,
                                    const char *path)
{
    char *data = NULL;
    char **lines;
    GError *error = NULL;
    char origin[512];

    if (!g_file_get_contents(path, &data, NULL, &error)) {
        dsn_config_error(loader, setting,
                         "internal_domains_file: cannot"
                         " read %s: %s",
                         path, error->message);
        g_error_free(error);
        return;
    }
    lines = g_strsplit(data, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        char *hash = strchr(lines[i], '#');

        if (hash)
            *hash = 0;
        g_strstrip(lines[i]);
        if (*lines[i] == 0)
            continue;
        snprintf(origin, sizeof(origin),
                 "internal_domains_file %s line %d: ", path, i + 1);
        dsn_config_add_domain(loader, setting, lines[i], origin);
    }
    g_strfreev(lines);
    g_free(data);
}

/* Read internal_domains and internal_domains_file. */
static void dsn_config_domains(struct dsn_config_loader *loader,
                               const config_setting_t *root)
{
    config_setting_t *list =
        config_setting_get_member(root, "internal_domains");
    const char *file;

    loader->config->internal_domains = g_ptr_array_new_with_free_func(g_free);
    if (list && !config_setting_is_aggregate(list)) {
        dsn_config_error(loader, list,
                         "internal_domains must be an array:"
                         " internal_domains = [ \"example.com\" ];");
    } else if (list) {
        for (int i = 0; i < config_setting_length(list); i++) {
            config_setting_t *e = config_setting_get_elem(list, i);

            if (config_setting_type(e) != CONFIG_TYPE_STRING)
                dsn_config_error(loader, e,
                                 "internal_domains: each element"
                                 " must be a string in double quotes");
            else
                dsn_config_add_domain(loader, e, config_setting_get_string(e),
                                      "internal_domains: ");
        }
    }
    file = dsn_config_string(loader, root, "internal_domains_file", "");
    if (file && *file) {
        /* A relative path is relative to the config file, as @include. */
        char *dir = g_path_get_dirname(loader->path);
        char *path = g_path_is_absolute(file)
                         ? g_strdup(file)
                         : g_build_filename(dir, file, NULL);

        dsn_config_domains_file(
            loader, config_setting_get_member(root, "internal_domains_file"),
            path);
        g_free(path);
        g_free(dir);
    }
}

/* Codes copied to the postmaster when postmaster_copies is not set. */
static const char *const dsn_config_default_copies[] = {
    "5.4.8", "5.4.6", "5.4.4", "5.2.4", "5.2.0", "5.1.4", NULL,
};

static void dsn_config_add_copy(struct dsn_config *config,
                                const struct dsn_status_pattern *pattern)
{
    config->copy_codes = g_renew(struct dsn_status_pattern, config->copy_codes,
                                 config->copy_code_count + 1);
    config->copy_codes[config->copy_code_count++] = *pattern;
}

/* Read postmaster_copies and postmaster_copy_to. */
static void dsn_config_copies(struct dsn_config_loader *loader,
                              const config_setting_t *root)
{
    config_setting_t *list =
        config_setting_get_member(root, "postmaster_copies");
    struct dsn_status_pattern pattern;
    const char *to;

    if (list == NULL) {
        for (int i = 0; dsn_config_default_copies[i]; i++) {
            dsn_status_pattern_parse(dsn_config_default_copies[i], &pattern);
            dsn_config_add_copy(loader->config, &pattern);
        }
    } else if (!config_setting_is_aggregate(list)) {
        dsn_config_error(loader, list,
                         "postmaster_copies must be an array"
                         " of codes: postmaster_copies = [ \"5.4.6\" ];");
    } else {
        for (int i = 0; i < config_setting_length(list); i++) {
            config_setting_t *e = config_setting_get_elem(list, i);
            const char *code = config_setting_get_string(e);

            if (code == NULL || !dsn_status_pattern_parse(code, &pattern))
                dsn_config_error(loader, e,
                                 "postmaster_copies: invalid code"
                                 " \"%s\"; write 5.4.6, 5.4.x or 5.x.x",
                                 code ? code : "(not a string)");
            else
                dsn_config_add_copy(loader->config, &pattern);
        }
    }
    to = dsn_config_string(loader, root, "postmaster_copy_to", "");
    loader->config->copy_to = to && *to ? g_strdup(to) : NULL;
}

static const char *const dsn_config_audience_keys[] = {
    "default_language",
    "detect_language",
    "format",
    "from",
    "from_name",
    "max_returned_size",
    "reporting_authority",
    "hide_internal_hosts",
    "hide_postfix_fields",
    "hide_expansion",
    NULL,
};

/* Read an optional boolean member into *value. */
static void dsn_config_bool(struct dsn_config_loader *loader,
                            const config_setting_t *group, const char *name,
                            const char *where, bool *value)
{
    config_setting_t *s = config_setting_get_member(group, name);

    if (s == NULL)
        return;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        dsn_config_error(loader, s, "%s%s must be true or false", where, name);
    else
        *value = config_setting_get_bool(s);
}

/* Read max_returned_size: bytes, 0 for headers only. */
static void dsn_config_returned_size(struct dsn_config_loader *loader,
                                     const config_setting_t *group,
                                     const char *where,
                                     struct dsn_config_audience *a)
{
    config_setting_t *s =
        config_setting_get_member(group, "max_returned_size");

    if (s == NULL)
        return;
    if (config_setting_type(s) == CONFIG_TYPE_INT)
        a->max_returned_size = config_setting_get_int(s);
    else if (config_setting_type(s) == CONFIG_TYPE_INT64)
        a->max_returned_size = config_setting_get_int64(s);
    else
        a->max_returned_size = -2;
    if (a->max_returned_size < 0) {
        dsn_config_error(loader, s,
                         "%smax_returned_size must be a size in"
                         " bytes, 0 for the header only; leave it out for"
                         " no limit",
                         where);
        a->max_returned_size = -1;
    }
}

/* Read the internal or external group of per-audience settings. */
static void dsn_config_audience_group(struct dsn_config_loader *loader,
                                      const config_setting_t *root,
                                      enum dsn_audience audience)
{
    const char *name =
        audience == DSN_AUDIENCE_INTERNAL ? "internal" : "external";
    struct dsn_config_audience *a = &loader->config->audiences[audience];
    config_setting_t *group = config_setting_get_member(root, name);
    const char *format;
    const char *value;
    char where[32];

    a->detect_language = true;
    a->max_returned_size = -1;
    if (group == NULL)
        return;
    snprintf(where, sizeof(where), "%s: ", name);
    if (!config_setting_is_group(group)) {
        dsn_config_error(loader, group, "%s must be a group: %s = { ... };",
                         name, name);
        return;
    }
    dsn_config_check_keys(loader, group, where, dsn_config_audience_keys);
    dsn_config_language(loader, group, "default_language", where,
                        &a->default_language);
    dsn_config_bool(loader, group, "detect_language", where,
                    &a->detect_language);
    format = dsn_config_string(loader, group, "format", where);
    if (format && strcmp(format, "html") == 0)
        a->html = true;
    else if (format && strcmp(format, "text") != 0)
        dsn_config_error(loader, config_setting_get_member(group, "format"),
                         "%sinvalid format \"%s\"; write text or html", where,
                         format);
    value = dsn_config_string(loader, group, "from", where);
    a->from = value && *value ? g_strdup(value) : NULL;
    value = dsn_config_string(loader, group, "from_name", where);
    a->from_name = value && *value ? g_strdup(value) : NULL;
    dsn_config_returned_size(loader, group, where, a);
    value = dsn_config_string(loader, group, "reporting_authority", where);
    a->reporting_authority = value && *value ? g_strdup(value) : NULL;
    dsn_config_bool(loader, group, "hide_internal_hosts", where,
                    &a->hide_internal_hosts);
    dsn_config_bool(loader, group, "hide_postfix_fields", where,
                    &a->hide_postfix_fields);
    dsn_config_bool(loader, group, "hide_expansion", where,
                    &a->hide_expansion);
}

/* Read the audience and copy settings. */
static void dsn_config_policy(struct dsn_config_loader *loader,
                              const config_setting_t *root)
{
    dsn_config_domains(loader, root);
    dsn_config_copies(loader, root);
    dsn_config_audience_group(loader, root, DSN_AUDIENCE_INTERNAL);
    dsn_config_audience_group(loader, root, DSN_AUDIENCE_EXTERNAL);
    loader->config->audiences[DSN_AUDIENCE_ANY].detect_language = true;
    loader->config->audiences[DSN_AUDIENCE_ANY].max_returned_size = -1;
}

static void dsn_config_policy_free(struct dsn_config *config)
{
    if (config->internal_domains)
        g_ptr_array_free(config->internal_domains, TRUE);
    g_free(config->copy_codes);
    g_free(config->copy_to);
    for (int i = 0; i < 3; i++) {
        g_free(config->audiences[i].default_language);
        g_free(config->audiences[i].from);
        g_free(config->audiences[i].from_name);
        g_free(config->audiences[i].reporting_authority);
    }
}

static void dsn_config_globals(struct dsn_config_loader *loader,
                               const config_setting_t *root)
{
    struct dsn_config *config = loader->config;
    config_setting_t *s;
    const char *value;

    value = dsn_config_string(loader, root, "postmaster", "");
    config->postmaster = g_strdup(value && *value ? value : "postmaster");
    value = dsn_config_string(loader, root, "reporting_host", "");
    config->reporting_host = value && *value ? g_strdup(value) : NULL;
    dsn_config_max_size(loader, root);
    s = config_setting_get_member(root, "rewrite_foreign");
    if (s && config_setting_type(s) != CONFIG_TYPE_BOOL)
        dsn_config_error(loader, s, "rewrite_foreign must be true or false");
    else if (s)
        config->rewrite_foreign = config_setting_get_bool(s);
    dsn_config_language(loader, root, "default_language", "",
                        &config->default_language);
    if (config->default_language == NULL)
        config->default_language = g_strdup("en");
}

/* Report a file libconfig could not read, with its own position. */
static void dsn_config_syntax_error(struct dsn_config_loader *loader,
                                    const config_t *cf)
{
    const char *file = config_error_file(cf);

    if (config_error_type(cf) == CONFIG_ERR_FILE_IO) {
        g_string_append_printf(loader->errors,
                               "%s: cannot read the file;"
                               " check that it exists and is readable\n",
                               file ? file : loader->path);
    } else if (strstr(config_error_text(cf), "include") != NULL) {
        g_string_append_printf(loader->errors,
                               "%s:%d: %s; an @include"
                               " path is relative to the directory of %s\n",
                               file ? file : loader->path,
                               config_error_line(cf), config_error_text(cf),
                               loader->path);
    } else {
        const char *text = config_error_text(cf);

        g_string_append_printf(
            loader->errors,
            "%s:%d: %s%s; settings look"
            " like name = value;\n",
            file ? file : loader->path, config_error_line(cf),
            strcmp(text, "syntax error") == 0 ? "" : "syntax error: ", text);
    }
    loader->error_count++;
}

/* Deepest chain of @include files followed by the check below. */
#define DSN_CONFIG_MAX_INCLUDE_DEPTH 10

/* Return the file name of an "@include" line, or NULL; caller frees. */
static char *dsn_config_include_name(const char *line)
{
    const char *start;
    const char *end;

    while (*line == ' ' || *line == '\t')
        line++;
    if (strncmp(line, "@include", 8) != 0)
        return (NULL);
    start = strchr(line + 8, '"');
    end = start ? strchr(start + 1, '"') : NULL;
    return (end ? g_strndup(start + 1, end - start - 1) : NULL);
}

/*
 * Check that every @include in path names a regular file, before
 * libconfig reads them: libconfig 1.5 ends the whole process when an
 * include names a directory.  Includes are relative to dir, as
 * libconfig resolves them.  Return false after reporting a bad one.
 */
static bool dsn_config_check_includes(struct dsn_config_loader *loader,
                                      const char *path, const char *dir,
                                      int depth)
{
    char *data = NULL;
    char **lines;
    bool ok = true;

    if (depth > DSN_CONFIG_MAX_INCLUDE_DEPTH ||
        !g_file_get_contents(path, &data, NULL, NULL))
        return (true);
    lines = g_strsplit(data, "\n", -1);
    for (int i = 0; lines[i] && ok; i++) {
        char *name = dsn_config_include_name(lines[i]);
        char *target;
        struct stat st;

        if (name == NULL)
            continue;
        target = g_path_is_absolute(name) ? g_strdup(name)
                                          : g_build_filename(dir, name, NULL);
        if (stat(target, &st) != 0 || !S_ISREG(st.st_mode)) {
            g_string_append_printf(
                loader->errors,
                "%s:%d: @include \"%s\": %s: %s; name"
                " a config file relative to %s\n",
                path, i + 1, name, target,
                stat(target, &st) != 0 ? "not found" : "not a regular file",
                dir);
            loader->error_count++;
            ok = false;
        } else {
            ok = dsn_config_check_includes(loader, target, dir, depth + 1);
        }
        g_free(target);
        g_free(name);
    }
    g_strfreev(lines);
    g_free(data);
    return (ok);
}

struct dsn_config *dsn_config_load(const char *path, GString *errors)
{
    struct dsn_config_loader loader = {
        .errors = errors,
        .path = path,
    };
    config_t cf;
    config_setting_t *root;
    char *dir = g_path_get_dirname(path);

    config_init(&cf);
    config_set_include_dir(&cf, dir);
    loader.config = g_new0(struct dsn_config, 1);
    loader.config->path = g_strdup(path);
    if (!dsn_config_check_includes(&loader, path, dir, 0)) {
        /* Reported; libconfig must not read the file. */
    } else if (config_read_file(&cf, path) != CONFIG_TRUE) {
        dsn_config_syntax_error(&loader, &cf);
    } else {
        root = config_root_setting(&cf);
        dsn_config_check_keys(&loader, root, "", dsn_config_top_keys);
        dsn_config_globals(&loader, root);
        dsn_config_messages(
            &loader, config_setting_get_member(root, "messages"), "", NULL);
        dsn_config_layouts(&loader, config_setting_get_member(root, "layouts"),
                           "", NULL);
        dsn_config_require_layouts(&loader, root);
        dsn_config_languages(&loader,
                             config_setting_get_member(root, "languages"));
        dsn_config_policy(&loader, root);
    }
    config_destroy(&cf);
    g_free(dir);
    if (loader.error_count > 0) {
        dsn_config_free(loader.config);
        return (NULL);
    }
    return (loader.config);
}

void dsn_config_free(struct dsn_config *config)
{
    if (config == NULL)
        return;
    for (size_t i = 0; i < config->message_count; i++) {
        g_free(config->messages[i].code);
        g_free(config->messages[i].language);
        dsn_template_free(config->messages[i].text);
        dsn_template_free(config->messages[i].html);
    }
    g_free(config->messages);
    for (int i = 0; i < DSN_OUTCOME_COUNT; i++)
        dsn_config_layout_free(&config->layouts[i]);
    for (size_t i = 0; i < config->variant_count; i++)
        dsn_config_layout_free(&config->variants[i]);
    g_free(config->variants);
    dsn_config_policy_free(config);
    g_free(config->path);
    g_free(config->postmaster);
    g_free(config->reporting_host);
    g_free(config->default_language);
    g_free(config);
}
