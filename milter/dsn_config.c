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

#include <libconfig.h>

#include "dsn_config.h"

/* Loader state: the config being built and the error list. */
struct dsn_config_loader {
    struct dsn_config *config;
    GString *errors;
    const char *path;
    int     error_count;
};

/* Layout names by outcome, NULL-terminated for dsn_config_check_keys. */
static const char *const dsn_config_outcome_names[DSN_OUTCOME_COUNT + 1] = {
    "failure", "delay", "success", NULL,
};

static const char *const dsn_config_top_keys[] = {
    "postmaster", "reporting_host", "max_message_size", "rewrite_foreign",
    "default_language", "messages", "layouts", NULL,
};

static const char *const dsn_config_message_keys[] = {
    "code", "text", "language", "audience", NULL,
};

static const char *const dsn_config_layout_keys[] = {
    "subject", "text", "recipient", "language", NULL,
};

/* Default recipient block of a layout that has none. */
#define DSN_CONFIG_DEFAULT_RECIPIENT    "${recipient}: ${message}\n"

/* Default largest DSN processed, in bytes. */
#define DSN_CONFIG_DEFAULT_MAX_SIZE     (50 * 1024 * 1024)

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
    int     line = 0;
    va_list ap;

    if (setting) {
        file = config_setting_source_file(setting);
        line = config_setting_source_line(setting);
    }
    g_string_append_printf(loader->errors, "%s:%d: ",
                           file ? file : loader->path, line);
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
                                  const char *where,
                                  const char *const *keys)
{
    int     count = config_setting_length(group);
    GString *known = g_string_new(NULL);

    for (const char *const *k = keys; *k; k++)
        g_string_append_printf(known, "%s%s", known->len ? ", " : "", *k);
    for (int i = 0; i < count; i++) {
        config_setting_t *member = config_setting_get_elem(group, i);
        const char *name = config_setting_name(member);

        if (name && !dsn_config_known(name, keys))
            dsn_config_error(loader, member, "%sunknown setting \"%s\";"
                             " the known settings are: %s", where, name,
                             known->str);
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
        dsn_config_error(loader, member, "%s%s must be a string in double"
                         " quotes", where, name);
        return (NULL);
    }
    return (config_setting_get_string(member));
}

/* Return true for a syntactically valid BCP 47 language tag. */
static bool dsn_config_valid_language(const char *tag)
{
    size_t  first = strspn(tag, "abcdefghijklmnopqrstuvwxyz"
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    const char *p = tag + first;

    if (first < 2 || first > 8)
        return (false);
    while (*p == '-') {
        size_t  n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz"
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
                         " tag such as en, de or pt-BR", where, name, tag);
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
    char    error[512];

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

        if (g_ascii_strcasecmp(old->code, msg->code) == 0
            && old->audience == msg->audience
            && g_strcmp0(old->language, msg->language) == 0) {
            dsn_config_error(loader, entry, "duplicate message for code %s"
                             " (first at line %d); remove one of them or"
                             " give them different language or audience",
                             msg->code, old->line);
            return;
        }
    }
}

/* Read one entry of the messages list. */
static void dsn_config_message(struct dsn_config_loader *loader,
                               const config_setting_t *entry, int index)
{
    struct dsn_config_message msg = {0};
    char    where[48];
    const char *code;
    const char *audience;

    snprintf(where, sizeof(where), "messages[%d]: ", index);
    if (!config_setting_is_group(entry)) {
        dsn_config_error(loader, entry, "%seach entry must be a group such"
                         " as { code = \"5.1.1\"; text = \"...\"; }", where);
        return;
    }
    dsn_config_check_keys(loader, entry, where, dsn_config_message_keys);
    msg.line = config_setting_source_line(entry);
    code = dsn_config_string(loader, entry, "code", where);
    if (code == NULL) {
        if (config_setting_get_member(entry, "code") == NULL)
            dsn_config_error(loader, entry, "%smissing code; add code ="
                             " \"5.1.1\"; (or 5.1.x, 5.x.x, default)", where);
    } else if (!dsn_status_pattern_parse(code, &msg.pattern)) {
        dsn_config_error(loader, config_setting_get_member(entry, "code"),
                         "%sinvalid code \"%s\"; write class.subject.detail"
                         " such as 5.1.1, 5.1.x or 5.x.x (class 2, 4 or 5),"
                         " or default", where, code);
        code = NULL;
    }
    audience = dsn_config_string(loader, entry, "audience", where);
    if (audience && !dsn_config_audience(audience, &msg.audience))
        dsn_config_error(loader, config_setting_get_member(entry, "audience"),
                         "%sinvalid audience \"%s\"; write internal,"
                         " external or any", where, audience);
    dsn_config_language(loader, entry, "language", where, &msg.language);
    msg.text = dsn_config_template(loader, entry, "text", where,
                                   DSN_SCOPE_RECIPIENT, true);
    if (code == NULL || msg.text == NULL) {
        g_free(msg.language);
        dsn_template_free(msg.text);
        return;
    }
    msg.code = g_strdup(code);
    dsn_config_check_duplicate(loader, entry, &msg);
    loader->config->messages[loader->config->message_count++] = msg;
}

static void dsn_config_messages(struct dsn_config_loader *loader,
                                const config_setting_t *list)
{
    int     count;

    if (list == NULL)
        return;
    if (!config_setting_is_list(list)) {
        dsn_config_error(loader, list, "messages must be a list in"
                         " parentheses: messages = ( { ... }, { ... } );");
        return;
    }
    count = config_setting_length(list);
    loader->config->messages = g_new0(struct dsn_config_message, count);
    for (int i = 0; i < count; i++)
        dsn_config_message(loader, config_setting_get_elem(list, i), i);
}

/* Read one layout group. */
static void dsn_config_layout(struct dsn_config_loader *loader,
                              const config_setting_t *layouts,
                              enum dsn_outcome outcome)
{
    const char *name = dsn_config_outcome_names[outcome];
    config_setting_t *group = config_setting_get_member(layouts, name);
    struct dsn_config_layout *layout = &loader->config->layouts[outcome];
    char    where[48];
    char    error[256];

    snprintf(where, sizeof(where), "layouts.%s: ", name);
    if (group == NULL || !config_setting_is_group(group)) {
        dsn_config_error(loader, group ? group : layouts, "%s%s; add %s = {"
                         " subject = \"...\"; text = \"...\"; };", where,
                         group ? "must be a group" : "missing", name);
        return;
    }
    dsn_config_check_keys(loader, group, where, dsn_config_layout_keys);
    layout->line = config_setting_source_line(group);
    layout->subject = dsn_config_template(loader, group, "subject", where,
                                          DSN_SCOPE_MESSAGE, true);
    layout->text = dsn_config_template(loader, group, "text", where,
                                       DSN_SCOPE_LAYOUT, true);
    layout->recipient = dsn_config_template(loader, group, "recipient",
                                            where, DSN_SCOPE_BLOCK, false);
    if (layout->recipient == NULL
        && config_setting_get_member(group, "recipient") == NULL)
        layout->recipient = dsn_template_compile(DSN_CONFIG_DEFAULT_RECIPIENT,
                                                 DSN_SCOPE_BLOCK, error,
                                                 sizeof(error));
    dsn_config_language(loader, group, "language", where, &layout->language);
    if (layout->text && !dsn_template_uses(layout->text, DSN_VAR_RECIPIENTS))
        dsn_config_error(loader, config_setting_get_member(group, "text"),
                         "%stext does not contain ${recipients}, so the"
                         " notification would name no recipient; add it",
                         where);
}

static void dsn_config_layouts(struct dsn_config_loader *loader,
                               const config_setting_t *root)
{
    config_setting_t *layouts = config_setting_get_member(root, "layouts");

    if (layouts == NULL || !config_setting_is_group(layouts)) {
        dsn_config_error(loader, layouts, "%s; add layouts = { failure ="
                         " { ... }; delay = { ... }; success = { ... }; };",
                         layouts ? "layouts must be a group"
                         : "missing layouts");
        return;
    }
    dsn_config_check_keys(loader, layouts, "layouts: ",
                          dsn_config_outcome_names);
    for (int i = 0; i < DSN_OUTCOME_COUNT; i++)
        dsn_config_layout(loader, layouts, (enum dsn_outcome) i);
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
        dsn_config_error(loader, s, "max_message_size must be a whole number"
                         " of bytes, such as 52428800");
        return;
    }
    if (value < 0) {
        dsn_config_error(loader, s, "max_message_size %lld is negative; use"
                         " 0 for no limit or a size in bytes", value);
        return;
    }
    loader->config->max_message_size = (size_t) value;
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
        g_string_append_printf(loader->errors, "%s: cannot read the file;"
                               " check that it exists and is readable\n",
                               file ? file : loader->path);
    } else {
        g_string_append_printf(loader->errors, "%s:%d: syntax error: %s;"
                               " settings look like name = value;\n",
                               file ? file : loader->path,
                               config_error_line(cf), config_error_text(cf));
    }
    loader->error_count++;
}

struct dsn_config *dsn_config_load(const char *path, GString *errors)
{
    struct dsn_config_loader loader = {
        .errors = errors, .path = path,
    };
    config_t cf;
    config_setting_t *root;
    char   *dir = g_path_get_dirname(path);

    config_init(&cf);
    config_set_include_dir(&cf, dir);
    loader.config = g_new0(struct dsn_config, 1);
    loader.config->path = g_strdup(path);
    if (config_read_file(&cf, path) != CONFIG_TRUE) {
        dsn_config_syntax_error(&loader, &cf);
    } else {
        root = config_root_setting(&cf);
        dsn_config_check_keys(&loader, root, "", dsn_config_top_keys);
        dsn_config_globals(&loader, root);
        dsn_config_messages(&loader, config_setting_get_member(root,
                                                               "messages"));
        dsn_config_layouts(&loader, root);
    }
    config_destroy(&cf);
    g_free(dir);
    if (loader.error_count > 0) {
        dsn_config_free(loader.config);
        return (NULL);
    }
    return (loader.config);
}

void    dsn_config_free(struct dsn_config *config)
{
    if (config == NULL)
        return;
    for (size_t i = 0; i < config->message_count; i++) {
        g_free(config->messages[i].code);
        g_free(config->messages[i].language);
        dsn_template_free(config->messages[i].text);
    }
    g_free(config->messages);
    for (int i = 0; i < DSN_OUTCOME_COUNT; i++) {
        dsn_template_free(config->layouts[i].subject);
        dsn_template_free(config->layouts[i].text);
        dsn_template_free(config->layouts[i].recipient);
        g_free(config->layouts[i].language);
    }
    g_free(config->path);
    g_free(config->postmaster);
    g_free(config->reporting_host);
    g_free(config->default_language);
    g_free(config);
}
