/*
 * dsn_validate - print and check the delivery-status part of a message
 *
 * Usage: dsn_validate FILE
 *
 * Finds the first message/delivery-status or
 * message/global-delivery-status part of FILE with GMime, not with the
 * library's parser, prints its content (transfer encoding removed) to
 * standard output, and checks the content against the field syntax of
 * RFC 3464 section 2:
 *
 *   - every line is a header field ("Name: value") or the continuation
 *     of one (it starts with a space or a tab);
 *   - empty lines separate the groups; the first group contains the
 *     per-message fields and has one Reporting-MTA field;
 *   - every later group contains the fields of one recipient and has one
 *     Final-Recipient, one Action and one Status field, the Action one
 *     of failed, delayed, delivered, relayed or expanded, the Status an
 *     enhanced status code (RFC 3463: class 2, 4 or 5, then two numbers
 *     of one to three digits);
 *   - there is at least one recipient group.
 *
 * Each problem is written to standard error.  Exit status: 0 the part
 * is valid, 1 it is not, 2 FILE cannot be read or has no such part.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#define DSN_VALIDATE_INVALID 1
#define DSN_VALIDATE_ERROR 2

/* Field counts of one group. */
struct dsn_validate_group {
    int line; /* line number of its first field */
    int reporting_mta;
    int final_recipient;
    int action;
    int status;
    int fields;
};

/* Store the first delivery-status part found by g_mime_message_foreach. */
static void dsn_validate_find(GMimeObject *parent, GMimeObject *part,
                              gpointer data)
{
    GMimeObject **found = data;
    GMimeContentType *type = g_mime_object_get_content_type(part);

    if (*found != NULL || !GMIME_IS_PART(part))
        return;
    if (g_mime_content_type_is_type(type, "message", "delivery-status") ||
        g_mime_content_type_is_type(type, "message", "global-delivery-status"))
        *found = part;
}

/* Return the decoded content of the part, or NULL. */
static GByteArray *dsn_validate_content(GMimeObject *part)
{
    GMimeDataWrapper *wrapper = g_mime_part_get_content(GMIME_PART(part));
    GMimeStream *mem;
    GByteArray *bytes;

    if (wrapper == NULL)
        return (NULL);
    bytes = g_byte_array_new();
    mem = g_mime_stream_mem_new_with_byte_array(bytes);
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
    g_mime_data_wrapper_write_to_stream(wrapper, mem);
    g_object_unref(mem);
    return (bytes);
}

/* Read FILE and return its delivery-status content, or NULL. */
static GByteArray *dsn_validate_read(const char *path)
{
    GMimeStream *stream;
    GMimeParser *parser;
    GMimeMessage *message;
    GMimeObject *found = NULL;
    GByteArray *content = NULL;
    GError *error = NULL;

    stream = g_mime_stream_fs_open(path, O_RDONLY, 0, &error);
    if (stream == NULL) {
        fprintf(stderr, "dsn_validate: cannot open %s: %s\n", path,
                error->message);
        g_error_free(error);
        return (NULL);
    }
    parser = g_mime_parser_new_with_stream(stream);
    message = g_mime_parser_construct_message(parser, NULL);
    if (message == NULL) {
        fprintf(stderr, "dsn_validate: %s: not a MIME message\n", path);
    } else {
        g_mime_message_foreach(message, dsn_validate_find, &found);
        if (found == NULL)
            fprintf(stderr, "dsn_validate: %s: no delivery-status part\n",
                    path);
        else
            content = dsn_validate_content(found);
        g_object_unref(message);
    }
    g_object_unref(parser);
    g_object_unref(stream);
    return (content);
}

/* Return true for "failed", "delayed", ... optionally with a comment. */
static bool dsn_validate_action(const char *value)
{
    static const char *const actions[] = {
        "failed", "delayed", "delivered", "relayed", "expanded", NULL,
    };
    size_t len = strcspn(value, " \t(");

    for (int i = 0; actions[i]; i++)
        if (len == strlen(actions[i]) &&
            g_ascii_strncasecmp(value, actions[i], len) == 0)
            return (true);
    return (false);
}

/* Return the length of a run of 1 to 3 digits at p, or 0. */
static size_t dsn_validate_digits(const char *p)
{
    size_t n = strspn(p, "0123456789");

    return (n >= 1 && n <= 3 ? n : 0);
}

static bool dsn_validate_status(const char *value)
{
    const char *p = value;
    size_t n;

    if (*p != '2' && *p != '4' && *p != '5')
        return (false);
    if (p[1] != '.' || (n = dsn_validate_digits(p + 2)) == 0)
        return (false);
    p += 2 + n;
    if (*p != '.' || (n = dsn_validate_digits(p + 1)) == 0)
        return (false);
    p += 1 + n;
    return (*p == 0 || *p == ' ' || *p == '\t' || *p == '(');
}

/* Count a field of the group; check Action and Status values. */
static int dsn_validate_field(struct dsn_validate_group *g, const char *name,
                              const char *value, int line)
{
    int problems = 0;

    g->fields++;
    if (g_ascii_strcasecmp(name, "Reporting-MTA") == 0)
        g->reporting_mta++;
    else if (g_ascii_strcasecmp(name, "Final-Recipient") == 0)
        g->final_recipient++;
    else if (g_ascii_strcasecmp(name, "Action") == 0) {
        g->action++;
        if (!dsn_validate_action(value)) {
            fprintf(stderr, "line %d: invalid Action \"%s\"\n", line, value);
            problems++;
        }
    } else if (g_ascii_strcasecmp(name, "Status") == 0) {
        g->status++;
        if (!dsn_validate_status(value)) {
            fprintf(stderr, "line %d: invalid Status \"%s\"\n", line, value);
            problems++;
        }
    }
    return (problems);
}

/* Check the required fields of a finished group; return the problems. */
static int dsn_validate_group_end(const struct dsn_validate_group *g,
                                  int index)
{
    int problems = 0;

    if (g->fields == 0)
        return (0);
    if (index == 0) {
        if (g->reporting_mta != 1) {
            fprintf(stderr,
                    "line %d: per-message group has %d"
                    " Reporting-MTA fields, expected 1\n",
                    g->line, g->reporting_mta);
            problems++;
        }
        return (problems);
    }
    if (g->final_recipient != 1 || g->action != 1 || g->status != 1) {
        fprintf(stderr,
                "line %d: recipient group has %d Final-Recipient,"
                " %d Action and %d Status fields, expected 1 each\n",
                g->line, g->final_recipient, g->action, g->status);
        problems++;
    }
    return (problems);
}

/* Split "Name: value" at line; return false when it is no field. */
static bool dsn_validate_split(char *line, char **name, char **value)
{
    char *colon = strchr(line, ':');

    if (colon == NULL || colon == line)
        return (false);
    *colon = 0;
    for (char *p = line; *p; p++)
        if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 127)
            return (false);
    *name = line;
    *value = g_strstrip(colon + 1);
    return (true);
}

/* Check the content; return the number of problems. */
static int dsn_validate_check(const GByteArray *content)
{
    char *text;
    char **lines;
    struct dsn_validate_group g = {0};
    int groups = 0;
    int problems = 0;

    if (content->len == 0) {
        fprintf(stderr, "empty delivery-status part\n");
        return (1);
    }
    text = g_strndup((const char *) content->data, content->len);
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        char *line = lines[i];
        size_t len = strlen(line);
        char *name;
        char *value;

        if (len > 0 && line[len - 1] == '\r')
            line[--len] = 0;
        if (len == 0) {
            problems += dsn_validate_group_end(&g, groups);
            if (g.fields > 0)
                groups++;
            memset(&g, 0, sizeof(g));
            continue;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            if (g.fields == 0) {
                fprintf(stderr,
                        "line %d: continuation line without a"
                        " field\n",
                        i + 1);
                problems++;
            }
            continue;
        }
        if (!dsn_validate_split(line, &name, &value)) {
            fprintf(stderr, "line %d: not a header field: %s\n", i + 1,
                    lines[i]);
            problems++;
            continue;
        }
        if (g.fields == 0)
            g.line = i + 1;
        problems += dsn_validate_field(&g, name, value, i + 1);
    }
    problems += dsn_validate_group_end(&g, groups);
    if (g.fields > 0)
        groups++;
    if (groups < 2) {
        fprintf(stderr, "no recipient group\n");
        problems++;
    }
    g_strfreev(lines);
    g_free(text);
    return (problems);
}

int main(int argc, char **argv)
{
    GByteArray *content;
    int problems;

    if (argc != 2) {
        fprintf(stderr, "usage: dsn_validate FILE\n");
        return (DSN_VALIDATE_ERROR);
    }
    g_mime_init();
    content = dsn_validate_read(argv[1]);
    if (content == NULL)
        return (DSN_VALIDATE_ERROR);
    fwrite(content->data, 1, content->len, stdout);
    problems = dsn_validate_check(content);
    g_byte_array_free(content, TRUE);
    g_mime_shutdown();
    return (problems > 0 ? DSN_VALIDATE_INVALID : 0);
}
