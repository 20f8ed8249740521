/*
 * dsn_html - HTML for DSN texts
 *
 * Exports dsn_html_escape(), dsn_html_from_text() and dsn_html_check().
 * The check is a scanner over the template text, not an HTML parser: it
 * looks at every "<", reads the tag name and attributes, and rejects
 * anything outside the allow list.  Comments, doctype and processing
 * instructions are rejected too, since a template never needs them.  A
 * link target must start with http:, https: or mailto: in the template
 * itself, so a variable cannot make it a javascript: URL.
 */
#include <stdio.h>
#include <string.h>

#include "dsn_html.h"

static const char *const dsn_html_tags[] = {
    "a",      "abbr", "b",   "blockquote", "br",    "code", "dd",    "div",
    "dl",     "dt",   "em",  "h1",         "h2",    "h3",   "h4",    "hr",
    "i",      "li",   "ol",  "p",          "pre",   "s",    "small", "span",
    "strong", "sub",  "sup", "table",      "tbody", "td",   "tfoot", "th",
    "thead",  "tr",   "u",   "ul",         NULL,
};

/* Attributes allowed on every tag; href on a, spans on td and th. */
static const char *const dsn_html_attributes[] = {
    "title", "lang", "dir", "align", NULL,
};

void dsn_html_escape(GString *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        switch (*p) {
        case '&':
            g_string_append(out, "&amp;");
            break;
        case '<':
            g_string_append(out, "&lt;");
            break;
        case '>':
            g_string_append(out, "&gt;");
            break;
        case '"':
            g_string_append(out, "&quot;");
            break;
        case '\'':
            g_string_append(out, "&#39;");
            break;
        default:
            g_string_append_c(out, *p);
        }
    }
}

void dsn_html_from_text(GString *out, const char *text)
{
    char **lines = g_strsplit(text, "\n", -1);

    for (int i = 0; lines[i]; i++) {
        const char *p = lines[i];

        if (lines[i + 1] == NULL && *p == 0)
            break;
        for (; *p == ' '; p++)
            g_string_append(out, "&nbsp;");
        dsn_html_escape(out, p);
        g_string_append(out, "<br>\n");
    }
    g_strfreev(lines);
}

static bool dsn_html_listed(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0)
            return (true);
    return (false);
}

/* Read a lower-case name of letters, digits and "-" at *p. */
static size_t dsn_html_name(const char **p, char *name, size_t size)
{
    size_t n = 0;

    while (g_ascii_isalnum(**p) || **p == '-' || **p == '_' || **p == ':') {
        if (n + 1 < size)
            name[n++] = g_ascii_tolower(**p);
        (*p)++;
    }
    name[n] = 0;
    return (n);
}

/* Read an attribute value at *p (after "="); store its start and length. */
static bool dsn_html_value(const char **p, const char **value, size_t *len)
{
    char quote = **p;

    if (quote == '"' || quote == '\'') {
        const char *end = strchr(*p + 1, quote);

        if (end == NULL)
            return (false);
        *value = *p + 1;
        *len = (size_t) (end - *value);
        *p = end + 1;
        return (true);
    }
    *value = *p;
    *len = strcspn(*p, " \t\r\n>");
    *p += *len;
    return (true);
}

/*
 * Check the template constructs inside one tag, text[0, len): only plain
 * ${name} and $$ may appear there.  A conditional or a stray "}" inside
 * a tag could open a quote in one branch and close it in another, which
 * a scan of the template text cannot follow.
 */
static bool dsn_html_tag_template(const char *text, size_t len, char *error,
                                  size_t size)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '$' && i + 1 < len && text[i + 1] == '$') {
            i++;
        } else if (text[i] == '$' && i + 1 < len && text[i + 1] == '{') {
            i += 2;
            while (i < len && (g_ascii_isalnum(text[i]) || text[i] == '_'))
                i++;
            if (i >= len || text[i] != '}') {
                snprintf(error, size,
                         "a conditional ${name?...} or"
                         " ${name:...} inside a tag is not allowed; put"
                         " whole tags inside the conditional");
                return (false);
            }
        } else if (text[i] == '}') {
            snprintf(error, size,
                     "a \"}\" inside a tag is not allowed;"
                     " put whole tags inside a conditional");
            return (false);
        }
    }
    return (true);
}

/* Check one attribute of tag; write an error and return false if bad. */
static bool dsn_html_attribute(const char *tag, const char *attr,
                               const char *value, size_t len, char *error,
                               size_t size)
{
    if (strcmp(attr, "href") == 0 && strcmp(tag, "a") == 0) {
        if (len >= 5 && (g_ascii_strncasecmp(value, "http:", 5) == 0 ||
                         g_ascii_strncasecmp(value, "https:", 6) == 0 ||
                         g_ascii_strncasecmp(value, "mailto:", 7) == 0))
            return (true);
        snprintf(error, size,
                 "link target \"%.*s\" must start with http:,"
                 " https: or mailto:",
                 (int) (len > 40 ? 40 : len), value);
        return (false);
    }
    if ((strcmp(attr, "colspan") == 0 || strcmp(attr, "rowspan") == 0) &&
        (strcmp(tag, "td") == 0 || strcmp(tag, "th") == 0))
        return (true);
    if (dsn_html_listed(attr, dsn_html_attributes))
        return (true);
    snprintf(error, size, "attribute \"%s\" is not allowed on <%s>%s", attr,
             tag,
             strncmp(attr, "on", 2) == 0 ? "; event handlers run"
                                           " scripts"
             : strcmp(attr, "style") == 0
                 ? "; style is not"
                   " allowed"
                 : "; allowed: title, lang, dir, align, href on"
                   " <a>, colspan and rowspan on <td> and <th>");
    return (false);
}

/* Check the tag starting at *p (just after "<"); advance past ">". */
static bool dsn_html_tag(const char **p, char *error, size_t size)
{
    const char *start = *p;
    char tag[16];
    char attr[32];
    const char *value;
    size_t len;
    bool quoted;

    if (**p == '!' || **p == '?') {
        snprintf(error, size,
                 "comments, doctype and \"<%c\" declarations"
                 " are not allowed; remove them",
                 **p);
        return (false);
    }
    if (**p == '/')
        (*p)++;
    if (dsn_html_name(p, tag, sizeof(tag)) == 0 ||
        !dsn_html_listed(tag, dsn_html_tags)) {
        snprintf(error, size,
                 "tag <%s> is not allowed; use text tags such"
                 " as p, br, b, i, a, ul, li, table",
                 tag[0] ? tag : "?");
        return (false);
    }
    for (;;) {
        while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
            (*p)++;
        if (**p == '>' || (**p == '/' && (*p)[1] == '>')) {
            *p += **p == '>' ? 1 : 2;
            return (dsn_html_tag_template(start, (size_t) (*p - start), error,
                                          size));
        }
        if (dsn_html_name(p, attr, sizeof(attr)) == 0) {
            snprintf(error, size,
                     "malformed tag <%s>: expected an"
                     " attribute name or \">\"",
                     tag);
            return (false);
        }
        value = "";
        len = 0;
        if (**p == '=') {
            (*p)++;
            quoted = **p == '"' || **p == '\'';
            if (!dsn_html_value(p, &value, &len)) {
                snprintf(error, size, "unclosed quote in <%s>", tag);
                return (false);
            }
            if (!quoted && memchr(value, '$', len)) {
                snprintf(error, size,
                         "the value of %s in <%s> contains a"
                         " variable; put it in double quotes",
                         attr, tag);
                return (false);
            }
        }
        if (!dsn_html_attribute(tag, attr, value, len, error, size))
            return (false);
    }
}

bool dsn_html_check(const char *html, char *error, size_t error_size)
{
    const char *p = html;

    while ((p = strchr(p, '<')) != NULL) {
        p++;
        if (!dsn_html_tag(&p, error, error_size))
            return (false);
    }
    return (true);
}
