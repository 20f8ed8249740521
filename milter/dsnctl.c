/*
 * dsnctl - the administrator's tool for dsn-milter
 *
 * check:  load and validate a config file.
 * render: rewrite one message exactly as the milter would.
 * parse:  print what was understood of a message as JSON.
 *
 * Exit status: check 0/1; render 0 rewritten, 1 passed through, 2 error;
 * parse 0 DSN, 1 not a DSN or unreadable, 2 error.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "dsn_config.h"
#include "dsn_json.h"
#include "dsn_parse.h"
#include "dsn_rewrite.h"
#include "dsn_select.h"
#include "dsn_util.h"

#define DSNCTL_EXIT_ERROR 2

struct dsnctl_options {
    const char *config_path;
    const char *sender;
    const char *hostname;
    const char *language;
    enum dsn_audience audience;
    bool foreign;
    bool html;
};

static void dsnctl_usage(FILE *out)
{
    fprintf(out,
            "Usage: dsnctl [-c FILE] check\n"
            "       dsnctl [-c FILE] [--to ADDRESS] [--hostname NAME]"
            " [--foreign]\n"
            "              [--audience internal|external] [--language TAG]"
            " [--html]\n"
            "              render [FILE|-]\n"
            "       dsnctl parse [FILE|-]\n"
            "\n"
            "  check    load and validate the config; exit 0 or 1\n"
            "  render   print FILE (default: standard input) rewritten as"
            " the milter\n"
            "           would; exit 0 rewritten, 1 passed through, 2"
            " error\n"
            "  parse    print what was read from FILE as JSON; exit 0 for"
            " a DSN\n"
            "\n"
            "  -c, --config FILE    config file (default %s)\n"
            "  -s, --to ADDRESS     the DSN's envelope recipient, the"
            " original sender\n"
            "                       (default: the DSN's To; --sender is"
            " the same)\n"
            "  -a, --audience WHO   render for an internal or external"
            " sender\n"
            "                       (default: from the address and"
            " internal_domains)\n"
            "  -l, --language TAG   render in language TAG (default:"
            " detected)\n"
            "  -m, --html           print only the HTML document of the"
            " notice, for\n"
            "                       a browser, whatever the audience's"
            " format\n"
            "  -H, --hostname NAME  the MTA's host name, used when"
            " reporting_host\n"
            "                       is unset\n"
            "  -F, --foreign        treat the DSN as received over SMTP"
            " from another MTA\n"
            "  -h, --help           show this help\n"
            "  -V, --version        show the version\n",
            DSN_CONFIG_DEFAULT_PATH);
}

/* Read a whole file, or standard input for "-", into *data. */
static bool dsnctl_read(const char *path, GString **data)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char buf[65536];
    size_t n;
    bool ok;

    if (fp == NULL) {
        fprintf(stderr, "dsnctl: cannot open %s: %s\n", path,
                g_strerror(errno));
        return (false);
    }
    *data = g_string_new(NULL);
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
        g_string_append_len(*data, buf, n);
    ok = !ferror(fp);
    if (!ok)
        fprintf(stderr, "dsnctl: cannot read %s: %s\n", path,
                g_strerror(errno));
    if (fp != stdin)
        fclose(fp);
    return (ok);
}

static struct dsn_config *dsnctl_load(const char *path)
{
    GString *errors = g_string_new(NULL);
    struct dsn_config *config = dsn_config_load(path, errors);

    if (config == NULL)
        fputs(errors->str, stderr);
    g_string_free(errors, TRUE);
    return (config);
}

static int dsnctl_check(const struct dsnctl_options *opts)
{
    struct dsn_config *config = dsnctl_load(opts->config_path);

    if (config == NULL)
        return (1);
    printf("%s: OK, %zu messages, 3 layouts\n", opts->config_path,
           config->message_count);
    dsn_config_free(config);
    return (0);
}

/* A header field to replace, or to add when the message has none. */
struct dsnctl_field {
    const char *name;
    const char *value;
    bool done;
};

/* Write "name: value" with each "\n" of value as newline. */
static void dsnctl_put_field(GString *out, struct dsnctl_field *field,
                             const char *newline)
{
    g_string_append_printf(out, "%s: ", field->name);
    for (const char *p = field->value; *p; p++) {
        if (*p == '\n')
            g_string_append(out, newline);
        else
            g_string_append_c(out, *p);
    }
    g_string_append(out, newline);
    field->done = true;
}

/* Return the field that replaces the header line at line, or NULL. */
static struct dsnctl_field *dsnctl_match(const char *line,
                                         struct dsnctl_field *fields)
{
    for (; fields->name; fields++) {
        size_t n = strlen(fields->name);

        if (!fields->done && g_ascii_strncasecmp(line, fields->name, n) == 0 &&
            line[n] == ':')
            return (fields);
    }
    return (NULL);
}

/*
 * Write the header block of message[0, body_offset) with the first of
 * each named field replaced, or added at the end, as smfi_chgheader and
 * smfi_addheader do.
 */
static void dsnctl_put_headers(GString *out, const char *message,
                               size_t body_offset, struct dsnctl_field *fields)
{
    const char *nl = memchr(message, '\n', body_offset);
    const char *newline = nl && nl > message && nl[-1] == '\r' ? "\r\n" : "\n";
    size_t p = 0;

    while (p < body_offset) {
        const char *end = memchr(message + p, '\n', body_offset - p);
        size_t next = end ? (size_t) (end - message) + 1 : body_offset;
        bool blank =
            message[p] == '\n' || (message[p] == '\r' && next - p == 2);
        struct dsnctl_field *field = dsnctl_match(message + p, fields);

        if (blank) {
            for (struct dsnctl_field *f = fields; f->name; f++)
                if (!f->done)
                    dsnctl_put_field(out, f, newline);
        }
        if (field == NULL) {
            g_string_append_len(out, message + p, next - p);
            p = next;
            continue;
        }
        dsnctl_put_field(out, field, newline);
        while (next < body_offset &&
               (message[next] == ' ' || message[next] == '\t')) {
            end = memchr(message + next, '\n', body_offset - next);
            next = end ? (size_t) (end - message) + 1 : body_offset;
        }
        p = next;
    }
    for (struct dsnctl_field *f = fields; f->name; f++)
        if (!f->done)
            dsnctl_put_field(out, f, newline);
}

/* Print the rewritten message and what the milter would log. */
static void dsnctl_put_message(const GString *input, size_t body_offset,
                               const struct dsn_rewrite_result *result)
{
    struct dsnctl_field fields[3] = {{"Subject", result->subject, false}};
    struct dsn_rewrite_piece pieces[DSN_REWRITE_MAX_PIECES];
    const char *body = input->str + body_offset;
    GString *out = g_string_sized_new(input->len + result->part->len);
    size_t count;

    if (result->from)
        fields[1] = (struct dsnctl_field){"From", result->from, false};
    dsnctl_put_headers(out, input->str, body_offset, fields);
    count = dsn_rewrite_pieces(result, body, input->len - body_offset, pieces);
    for (size_t i = 0; i < count; i++)
        g_string_append_len(out, pieces[i].data, pieces[i].len);
    fwrite(out->str, 1, out->len, stdout);
    g_string_free(out, TRUE);
    fprintf(
        stderr,
        "dsnctl: %s DSN rewritten for an %s sender, language"
        " %s (%s)%s%s%s\n",
        dsn_config_outcome_name(result->outcome),
        result->audience == DSN_AUDIENCE_INTERNAL ? "internal" : "external",
        result->language ? result->language : "none", result->language_source,
        result->original_text ? ", original cut to its header" : "",
        result->status_text ? ", delivery-status redacted" : "",
        result->copy_to ? ", copy to the postmaster" : "");
}

/* Print the message unchanged and the reason; return the pass status. */
static int dsnctl_pass(const GString *input, const char *reason, bool failed)
{
    fwrite(input->str, 1, input->len, stdout);
    fprintf(stderr, "dsnctl: passed through unchanged: %s%s\n", reason,
            failed ? " (the message could not be parsed)" : "");
    return (1);
}

static int dsnctl_render(const struct dsnctl_options *opts, const char *path)
{
    struct dsn_headers headers = {0};
    struct dsn_rewrite_result result;
    struct dsn_rewrite_request req = {0};
    struct dsn_config *config;
    GString *input;
    size_t body_offset;
    char *to = NULL;
    int rc;

    if ((config = dsnctl_load(opts->config_path)) == NULL)
        return (DSNCTL_EXIT_ERROR);
    if (!dsnctl_read(path, &input)) {
        dsn_config_free(config);
        return (DSNCTL_EXIT_ERROR);
    }
    if (!dsn_headers_split(input->str, input->len, &headers, &body_offset)) {
        rc = dsnctl_pass(input, "no header block", true);
        goto done;
    }
    if (opts->sender == NULL && dsn_headers_get(&headers, "To"))
        to = dsn_util_unfold(dsn_headers_get(&headers, "To"));
    req.config = config;
    req.headers = &headers;
    req.body = input->str + body_offset;
    req.body_len = input->len - body_offset;
    req.envelope_sender = opts->foreign ? "<>" : "";
    req.local = !opts->foreign;
    req.recipient = opts->sender ? opts->sender : to;
    req.hostname = opts->hostname;
    req.audience = opts->audience;
    req.language = opts->language;
    if (opts->language && dsn_select_match(config, opts->language) == NULL &&
        g_ascii_strncasecmp(config->default_language, opts->language,
                            strcspn(opts->language, "-_")) != 0)
        fprintf(stderr,
                "dsnctl: no texts in language \"%s\"; the notice is"
                " rendered in the language selection would choose\n",
                opts->language);
    req.html = opts->html;
    dsn_rewrite(&req, &result);
    if (result.action == DSN_REWRITE_PASS) {
        rc = dsnctl_pass(input, result.reason, result.failed);
    } else if (opts->html) {
        fwrite(result.html->str, 1, result.html->len, stdout);
        rc = 0;
    } else {
        dsnctl_put_message(input, body_offset, &result);
        rc = 0;
    }
    dsn_rewrite_free(&result);
done:
    g_free(to);
    dsn_headers_free(&headers);
    g_string_free(input, TRUE);
    dsn_config_free(config);
    return (rc);
}

static int dsnctl_parse(const char *path)
{
    struct dsn_headers headers = {0};
    struct dsn_report report = {0};
    const char *reason = NULL;
    GString *input;
    size_t body_offset = 0;
    char *json;
    int rc;

    if (!dsnctl_read(path, &input))
        return (DSNCTL_EXIT_ERROR);
    if (!dsn_headers_split(input->str, input->len, &headers, &body_offset))
        reason = "no header block";
    else if (dsn_parse_message(&headers, input->str + body_offset,
                               input->len - body_offset, &report,
                               &reason) == 0 &&
             report.kind == DSN_PARSE_NONE)
        reason = "not a DSN";
    json = dsn_json_report(&report, reason);
    puts(json);
    rc = reason ? 1 : 0;
    if (reason)
        fprintf(stderr, "dsnctl: %s: %s\n", path, reason);
    g_free(json);
    dsn_parse_free(&report);
    dsn_headers_free(&headers);
    g_string_free(input, TRUE);
    return (rc);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"sender", required_argument, NULL, 's'},
        {"hostname", required_argument, NULL, 'H'},
        {"foreign", no_argument, NULL, 'F'},
        {"to", required_argument, NULL, 's'},
        {"audience", required_argument, NULL, 'a'},
        {"language", required_argument, NULL, 'l'},
        {"html", no_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct dsnctl_options opts = {.config_path = DSN_CONFIG_DEFAULT_PATH};
    const char *command;
    const char *file;
    int ch;

    while ((ch = getopt_long(argc, argv, "c:s:H:Fa:l:mhV", longopts, NULL)) !=
           -1) {
        switch (ch) {
        case 'c':
            opts.config_path = optarg;
            break;
        case 's':
            opts.sender = optarg;
            break;
        case 'H':
            opts.hostname = optarg;
            break;
        case 'F':
            opts.foreign = true;
            break;
        case 'a':
            if (strcmp(optarg, "internal") == 0)
                opts.audience = DSN_AUDIENCE_INTERNAL;
            else if (strcmp(optarg, "external") == 0)
                opts.audience = DSN_AUDIENCE_EXTERNAL;
            else {
                fprintf(stderr,
                        "dsnctl: invalid audience \"%s\"; use"
                        " internal or external\n",
                        optarg);
                return (DSNCTL_EXIT_ERROR);
            }
            break;
        case 'l':
            opts.language = optarg;
            break;
        case 'm':
            opts.html = true;
            break;
        case 'h':
            dsnctl_usage(stdout);
            return (0);
        case 'V':
            printf("dsnctl %s\n", PACKAGE_VERSION);
            return (0);
        default:
            dsnctl_usage(stderr);
            return (DSNCTL_EXIT_ERROR);
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "dsnctl: missing command: check, render or parse\n");
        dsnctl_usage(stderr);
        return (DSNCTL_EXIT_ERROR);
    }
    command = argv[optind++];
    file = optind < argc ? argv[optind++] : "-";
    if (optind < argc) {
        fprintf(stderr, "dsnctl: unexpected argument \"%s\"\n", argv[optind]);
        return (DSNCTL_EXIT_ERROR);
    }
    dsn_util_gmime_init();
    if (strcmp(command, "check") == 0)
        return (dsnctl_check(&opts));
    if (strcmp(command, "render") == 0)
        return (dsnctl_render(&opts, file));
    if (strcmp(command, "parse") == 0)
        return (dsnctl_parse(file));
    fprintf(stderr,
            "dsnctl: unknown command \"%s\"; use check, render or"
            " parse\n",
            command);
    return (DSNCTL_EXIT_ERROR);
}
