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
#include "dsn_util.h"

#define DSNCTL_EXIT_ERROR       2

struct dsnctl_options {
    const char *config_path;
    const char *sender;
    const char *hostname;
    bool    foreign;
};

static void dsnctl_usage(FILE *out)
{
    fprintf(out,
            "Usage: dsnctl [-c FILE] check\n"
            "       dsnctl [-c FILE] [--sender ADDRESS] [--hostname NAME]"
            " [--foreign]\n"
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
            "  -s, --sender ADDR    the DSN's envelope recipient"
            " (default: its To)\n"
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
    FILE   *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char    buf[65536];
    size_t  n;
    bool    ok;

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

/* Write value with each "\n" as newline, then a newline. */
static void dsnctl_put_field(GString *out, const char *value,
                             const char *newline)
{
    g_string_append(out, "Subject: ");
    for (const char *p = value; *p; p++) {
        if (*p == '\n')
            g_string_append(out, newline);
        else
            g_string_append_c(out, *p);
    }
    g_string_append(out, newline);
}

/*
 * Write the header block of message[0, body_offset) with the first
 * Subject field replaced by subject, or subject added at the end, as
 * smfi_chgheader and smfi_addheader do.
 */
static void dsnctl_put_headers(GString *out, const char *message,
                               size_t body_offset, const char *subject)
{
    const char *nl = memchr(message, '\n', body_offset);
    const char *newline = nl && nl > message && nl[-1] == '\r' ? "\r\n"
        : "\n";
    size_t  p = 0;
    bool    done = false;

    while (p < body_offset) {
        const char *end = memchr(message + p, '\n', body_offset - p);
        size_t  next = end ? (size_t) (end - message) + 1 : body_offset;
        bool    blank = message[p] == '\n' || (message[p] == '\r'
                                               && next - p == 2);

        if (blank && !done) {
            dsnctl_put_field(out, subject, newline);
            done = true;
        }
        if (!done && g_ascii_strncasecmp(message + p, "Subject:", 8) == 0) {
            dsnctl_put_field(out, subject, newline);
            done = true;
            while (next < body_offset && (message[next] == ' '
                                          || message[next] == '\t')) {
                end = memchr(message + next, '\n', body_offset - next);
                next = end ? (size_t) (end - message) + 1 : body_offset;
            }
        } else {
            g_string_append_len(out, message + p, next - p);
        }
        p = next;
    }
    if (!done)
        dsnctl_put_field(out, subject, newline);
}

/* Print the message unchanged and the reason; return the pass status. */
static int dsnctl_pass(const GString *input, const char *why, bool failed)
{
    fwrite(input->str, 1, input->len, stdout);
    fprintf(stderr, "dsnctl: passed through unchanged: %s%s\n", why,
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
    GString *out;
    size_t  body_offset;
    char   *to = NULL;
    int     rc;

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
    dsn_rewrite(&req, &result);
    if (result.action == DSN_REWRITE_PASS) {
        rc = dsnctl_pass(input, result.why, result.failed);
    } else {
        out = g_string_sized_new(input->len + result.part->len);
        dsnctl_put_headers(out, input->str, body_offset, result.subject);
        g_string_append_len(out, req.body, result.replace.start);
        g_string_append_len(out, result.part->str, result.part->len);
        g_string_append_len(out, req.body + result.replace.end,
                            req.body_len - result.replace.end);
        fwrite(out->str, 1, out->len, stdout);
        g_string_free(out, TRUE);
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
    const char *why = NULL;
    GString *input;
    size_t  body_offset = 0;
    char   *json;
    int     rc;

    if (!dsnctl_read(path, &input))
        return (DSNCTL_EXIT_ERROR);
    if (!dsn_headers_split(input->str, input->len, &headers, &body_offset))
        why = "no header block";
    else if (dsn_parse_message(&headers, input->str + body_offset,
                               input->len - body_offset, &report,
                               &why) == 0 && report.kind == DSN_PARSE_NONE)
        why = "not a DSN";
    json = dsn_json_report(&report, why);
    puts(json);
    rc = why ? 1 : 0;
    if (why)
        fprintf(stderr, "dsnctl: %s: %s\n", path, why);
    g_free(json);
    dsn_parse_free(&report);
    dsn_headers_free(&headers);
    g_string_free(input, TRUE);
    return (rc);
}

int     main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"sender", required_argument, NULL, 's'},
        {"hostname", required_argument, NULL, 'H'},
        {"foreign", no_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct dsnctl_options opts = {.config_path = DSN_CONFIG_DEFAULT_PATH};
    const char *command;
    const char *file;
    int     ch;

    while ((ch = getopt_long(argc, argv, "c:s:H:FhV", longopts, NULL)) != -1) {
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
    fprintf(stderr, "dsnctl: unknown command \"%s\"; use check, render or"
            " parse\n", command);
    return (DSNCTL_EXIT_ERROR);
}
