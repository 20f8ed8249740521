/*
 * dsn_template - ${name} templates for DSN texts
 *
 * Exports dsn_template_compile(), dsn_template_expand(),
 * dsn_template_uses(), dsn_template_free() and the variable tables.
 * A template compiles to a tree of nodes: literal text, a variable, or a
 * conditional with its own list of nodes.  Expansion walks the tree and
 * appends to a GString; it allocates nothing else.
 */
#include <stdio.h>
#include <string.h>

#include "dsn_template.h"

/* Deepest nesting of conditionals; bounds the parser's recursion. */
#define DSN_TEMPLATE_MAX_DEPTH 16

enum dsn_template_kind {
    DSN_NODE_TEXT,
    DSN_NODE_VAR,
    DSN_NODE_IF_SET,   /* ${name?text} */
    DSN_NODE_IF_EMPTY, /* ${name:text} */
};

struct dsn_template_node {
    enum dsn_template_kind kind;
    enum dsn_template_var var;
    char *text;
    GPtrArray *children; /* conditionals only */
};

struct dsn_template {
    GPtrArray *nodes;
};

struct dsn_template_var_info {
    const char *name;
    unsigned scopes;
};

#define ANY                                                                   \
    (DSN_SCOPE_MESSAGE | DSN_SCOPE_RECIPIENT | DSN_SCOPE_BLOCK |              \
     DSN_SCOPE_LAYOUT)
#define RCPT (DSN_SCOPE_RECIPIENT | DSN_SCOPE_BLOCK)

static const struct dsn_template_var_info dsn_template_vars[] = {
    [DSN_VAR_SENDER] = {"sender", ANY},
    [DSN_VAR_POSTMASTER] = {"postmaster", ANY},
    [DSN_VAR_REPORTING_HOST] = {"reporting_host", ANY},
    [DSN_VAR_REPORTING_MTA] = {"reporting_mta", ANY},
    [DSN_VAR_ORIGINAL_ENVELOPE_ID] = {"original_envelope_id", ANY},
    [DSN_VAR_ARRIVAL_DATE] = {"arrival_date", ANY},
    [DSN_VAR_RECEIVED_FROM_MTA] = {"received_from_mta", ANY},
    [DSN_VAR_QUEUE_ID] = {"queue_id", ANY},
    [DSN_VAR_ORIGINAL_SUBJECT] = {"original_subject", ANY},
    [DSN_VAR_ORIGINAL_FROM] = {"original_from", ANY},
    [DSN_VAR_ORIGINAL_TO] = {"original_to", ANY},
    [DSN_VAR_ORIGINAL_DATE] = {"original_date", ANY},
    [DSN_VAR_ORIGINAL_MESSAGE_ID] = {"original_message_id", ANY},
    [DSN_VAR_ORIGINAL_CONTENT_LANGUAGE] = {"original_content_language", ANY},
    [DSN_VAR_RECIPIENT_COUNT] = {"recipient_count", ANY},
    [DSN_VAR_ORIGINAL_TRUNCATED] = {"original_truncated", ANY},
    [DSN_VAR_LANGUAGE] = {"language", ANY},
    [DSN_VAR_RECIPIENT] = {"recipient", RCPT},
    [DSN_VAR_FINAL_RECIPIENT] = {"final_recipient", RCPT},
    [DSN_VAR_ORIGINAL_RECIPIENT] = {"original_recipient", RCPT},
    [DSN_VAR_ACTION] = {"action", RCPT},
    [DSN_VAR_STATUS] = {"status", RCPT},
    [DSN_VAR_STATUS_DESCRIPTION] = {"status_description", RCPT},
    [DSN_VAR_REMOTE_MTA] = {"remote_mta", RCPT},
    [DSN_VAR_DIAGNOSTIC_CODE] = {"diagnostic_code", RCPT},
    [DSN_VAR_LAST_ATTEMPT_DATE] = {"last_attempt_date", RCPT},
    [DSN_VAR_WILL_RETRY_UNTIL] = {"will_retry_until", RCPT},
    [DSN_VAR_MESSAGE] = {"message", DSN_SCOPE_BLOCK},
    [DSN_VAR_RECIPIENTS] = {"recipients", DSN_SCOPE_LAYOUT},
};

/* Parser state: the text, the position, and the first error. */
struct dsn_template_parser {
    const char *text;
    size_t pos;
    unsigned scopes;
    char *error;
    size_t error_size;
    bool failed;
};

const char *dsn_template_var_name(enum dsn_template_var var)
{
    if ((unsigned) var >= DSN_VAR_COUNT)
        return (NULL);
    return (dsn_template_vars[var].name);
}

unsigned dsn_template_var_scopes(enum dsn_template_var var)
{
    if ((unsigned) var >= DSN_VAR_COUNT)
        return (0);
    return (dsn_template_vars[var].scopes);
}

static void dsn_template_node_free(gpointer data)
{
    struct dsn_template_node *node = data;

    g_free(node->text);
    if (node->children)
        g_ptr_array_free(node->children, TRUE);
    g_free(node);
}

static void dsn_template_fail(struct dsn_template_parser *parser,
                              const char *fmt, const char *detail)
{
    if (parser->failed)
        return;
    parser->failed = true;
    snprintf(parser->error, parser->error_size, fmt, detail, parser->pos + 1);
}

static void dsn_template_add_text(GPtrArray *nodes, GString *text)
{
    struct dsn_template_node *node;

    if (text->len == 0)
        return;
    node = g_new0(struct dsn_template_node, 1);
    node->kind = DSN_NODE_TEXT;
    node->text = g_strndup(text->str, text->len);
    g_ptr_array_add(nodes, node);
    g_string_truncate(text, 0);
}

/* Return the variable named name[0, len), or DSN_VAR_COUNT. */
static enum dsn_template_var dsn_template_lookup_name(const char *name,
                                                      size_t len)
{
    for (int i = 0; i < DSN_VAR_COUNT; i++)
        if (strlen(dsn_template_vars[i].name) == len &&
            memcmp(dsn_template_vars[i].name, name, len) == 0)
            return ((enum dsn_template_var) i);
    return (DSN_VAR_COUNT);
}

/* Name the scopes a variable is allowed in, for an error message. */
static const char *dsn_template_scope_hint(enum dsn_template_var var)
{
    switch (var) {
    case DSN_VAR_MESSAGE:
        return ("a layout's recipient block");
    case DSN_VAR_RECIPIENTS:
        return ("a layout's text");
    default:
        return ("message texts and a layout's recipient block");
    }
}

static GPtrArray *dsn_template_parse_list(struct dsn_template_parser *parser,
                                          int depth);

/* Parse "${" name [ "?" | ":" list ] "}" at parser->pos ("${" read). */
static struct dsn_template_node *
dsn_template_parse_var(struct dsn_template_parser *parser, int depth)
{
    const char *start = parser->text + parser->pos;
    size_t len = strspn(start, "abcdefghijklmnopqrstuvwxyz0123456789_");
    struct dsn_template_node *node;
    enum dsn_template_var var;
    char *name = g_strndup(start, len);

    var = dsn_template_lookup_name(start, len);
    if (len == 0) {
        dsn_template_fail(parser,
                          "missing variable name after \"${\"%s"
                          " at character %zu",
                          "");
    } else if (var == DSN_VAR_COUNT) {
        dsn_template_fail(parser,
                          "unknown variable ${%s} at character %zu;"
                          " see the list of variables",
                          name);
    } else if ((dsn_template_vars[var].scopes & parser->scopes) == 0) {
        char what[160];

        snprintf(what, sizeof(what),
                 "%s} is not available here; use it"
                 " only in %s",
                 name, dsn_template_scope_hint(var));
        dsn_template_fail(parser, "variable ${%s (character %zu)", what);
    }
    g_free(name);
    if (parser->failed)
        return (NULL);
    parser->pos += len;
    node = g_new0(struct dsn_template_node, 1);
    node->var = var;
    switch (parser->text[parser->pos]) {
    case '}':
        node->kind = DSN_NODE_VAR;
        parser->pos++;
        return (node);
    case '?':
    case ':':
        if (depth >= DSN_TEMPLATE_MAX_DEPTH) {
            parser->pos -= len;
            dsn_template_fail(parser,
                              "conditionals nested more than %s"
                              " deep at character %zu",
                              G_STRINGIFY(DSN_TEMPLATE_MAX_DEPTH));
            break;
        }
        node->kind = parser->text[parser->pos] == '?' ? DSN_NODE_IF_SET
                                                      : DSN_NODE_IF_EMPTY;
        parser->pos++;
        node->children = dsn_template_parse_list(parser, depth + 1);
        if (!parser->failed && parser->text[parser->pos] == '}') {
            parser->pos++;
            return (node);
        }
        dsn_template_fail(parser,
                          "missing \"}\"%s to close a conditional"
                          " that ends at character %zu",
                          "");
        break;
    default:
        dsn_template_fail(parser,
                          "expected \"}\", \"?\" or \":\"%s after a"
                          " variable name at character %zu",
                          "");
        break;
    }
    dsn_template_node_free(node);
    return (NULL);
}

/*
 * Parse nodes up to the end of text, or at depth > 0 up to an unescaped
 * "}" (left unread for the caller).
 */
static GPtrArray *dsn_template_parse_list(struct dsn_template_parser *parser,
                                          int depth)
{
    GPtrArray *nodes = g_ptr_array_new_with_free_func(dsn_template_node_free);
    GString *text = g_string_new(NULL);
    const char *s = parser->text;

    while (!parser->failed && s[parser->pos]) {
        char c = s[parser->pos];

        if (depth > 0 && c == '}')
            break;
        if (depth > 0 && c == '\\' && s[parser->pos + 1] == '}') {
            g_string_append_c(text, '}');
            parser->pos += 2;
        } else if (c == '$' && s[parser->pos + 1] == '$') {
            g_string_append_c(text, '$');
            parser->pos += 2;
        } else if (c == '$' && s[parser->pos + 1] == '{') {
            struct dsn_template_node *node;

            dsn_template_add_text(nodes, text);
            parser->pos += 2;
            node = dsn_template_parse_var(parser, depth);
            if (node)
                g_ptr_array_add(nodes, node);
        } else if (c == '$') {
            dsn_template_fail(parser,
                              "a lone \"$\"%s at character %zu;"
                              " write ${name} for a variable or $$ for a"
                              " dollar sign",
                              "");
        } else {
            g_string_append_c(text, c);
            parser->pos++;
        }
    }
    dsn_template_add_text(nodes, text);
    g_string_free(text, TRUE);
    return (nodes);
}

struct dsn_template *dsn_template_compile(const char *text, unsigned scopes,
                                          char *error, size_t error_size)
{
    struct dsn_template_parser parser = {
        .text = text,
        .scopes = scopes,
        .error = error,
        .error_size = error_size,
    };
    struct dsn_template *tpl;
    GPtrArray *nodes;

    if (error_size > 0)
        error[0] = 0;
    nodes = dsn_template_parse_list(&parser, 0);
    if (parser.failed) {
        g_ptr_array_free(nodes, TRUE);
        return (NULL);
    }
    tpl = g_new0(struct dsn_template, 1);
    tpl->nodes = nodes;
    return (tpl);
}

static void dsn_template_expand_list(const GPtrArray *nodes, GString *out,
                                     dsn_template_lookup_fn lookup,
                                     void *context)
{
    for (guint i = 0; i < nodes->len; i++) {
        const struct dsn_template_node *node = g_ptr_array_index(nodes, i);
        const char *value;

        switch (node->kind) {
        case DSN_NODE_TEXT:
            g_string_append(out, node->text);
            break;
        case DSN_NODE_VAR:
            value = lookup(context, node->var);
            if (value)
                g_string_append(out, value);
            break;
        case DSN_NODE_IF_SET:
        case DSN_NODE_IF_EMPTY:
            value = lookup(context, node->var);
            if ((value && *value) == (node->kind == DSN_NODE_IF_SET))
                dsn_template_expand_list(node->children, out, lookup, context);
            break;
        }
    }
}

void dsn_template_expand(const struct dsn_template *tpl, GString *out,
                         dsn_template_lookup_fn lookup, void *context)
{
    dsn_template_expand_list(tpl->nodes, out, lookup, context);
}

static bool dsn_template_list_uses(const GPtrArray *nodes,
                                   enum dsn_template_var var)
{
    for (guint i = 0; i < nodes->len; i++) {
        const struct dsn_template_node *node = g_ptr_array_index(nodes, i);

        if (node->kind != DSN_NODE_TEXT && node->var == var)
            return (true);
        if (node->children && dsn_template_list_uses(node->children, var))
            return (true);
    }
    return (false);
}

bool dsn_template_uses(const struct dsn_template *tpl,
                       enum dsn_template_var var)
{
    return (dsn_template_list_uses(tpl->nodes, var));
}

void dsn_template_free(struct dsn_template *tpl)
{
    if (tpl == NULL)
        return;
    g_ptr_array_free(tpl->nodes, TRUE);
    g_free(tpl);
}
