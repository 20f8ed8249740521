/*
 * dsn-milter - rewrite delivery status notifications from templates
 *
 * Start-up: parse options, load the config (fatal on error), open the
 * milter socket, detach unless -f, write the pid file, drop privileges,
 * then run libmilter until SIGTERM or SIGINT.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <glib.h>

#include "dsn_config.h"
#include "dsn_milter.h"

#ifndef DSN_MILTER_DEFAULT_SOCKET
#define DSN_MILTER_DEFAULT_SOCKET "unix:/run/dsn-milter/dsn-milter.sock"
#endif

struct dsn_milter_options {
    const char *config_path;
    const char *socket;
    const char *user;
    const char *pidfile;
    bool foreground;
    int timeout;
};

static void dsn_milter_usage(FILE *out)
{
    fprintf(out,
            "Usage: dsn-milter [-f] [-v] [-c FILE] [-p SOCKET] [-u USER]"
            " [-P PIDFILE]\n"
            "                  [-t SECONDS]\n"
            "\n"
            "  -c, --config FILE    config file (default %s)\n"
            "  -p, --socket SPEC    unix:/path, inet:PORT@HOST or"
            " inet6:PORT@HOST\n"
            "                       (default %s)\n"
            "  -f, --foreground     stay in the foreground and log to"
            " stderr too\n"
            "  -u, --user USER      run as USER after opening the socket\n"
            "  -P, --pidfile FILE   write the process ID to FILE\n"
            "  -t, --timeout SECS   MTA I/O timeout in seconds (default"
            " 7210)\n"
            "  -v, --verbose        log debug messages too\n"
            "  -h, --help           show this help\n"
            "  -V, --version        show the version\n",
            DSN_CONFIG_DEFAULT_PATH, DSN_MILTER_DEFAULT_SOCKET);
}

/* Parse the command line; exit on a usage error. */
static void dsn_milter_options(int argc, char **argv,
                               struct dsn_milter_options *opts)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"socket", required_argument, NULL, 'p'},
        {"foreground", no_argument, NULL, 'f'},
        {"user", required_argument, NULL, 'u'},
        {"pidfile", required_argument, NULL, 'P'},
        {"timeout", required_argument, NULL, 't'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    char *end;
    int ch;

    while ((ch = getopt_long(argc, argv, "c:p:fu:P:t:vhV", longopts, NULL)) !=
           -1) {
        switch (ch) {
        case 'c':
            opts->config_path = optarg;
            break;
        case 'p':
            opts->socket = optarg;
            break;
        case 'f':
            opts->foreground = true;
            break;
        case 'u':
            opts->user = optarg;
            break;
        case 'P':
            opts->pidfile = optarg;
            break;
        case 't':
            opts->timeout = (int) strtol(optarg, &end, 10);
            if (*end || opts->timeout <= 0) {
                fprintf(stderr,
                        "dsn-milter: invalid timeout \"%s\"; give"
                        " a number of seconds\n",
                        optarg);
                exit(1);
            }
            break;
        case 'v':
            dsn_milter_verbose++;
            break;
        case 'h':
            dsn_milter_usage(stdout);
            exit(0);
        case 'V':
            printf("dsn-milter %s\n", PACKAGE_VERSION);
            exit(0);
        default:
            dsn_milter_usage(stderr);
            exit(1);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "dsn-milter: unexpected argument \"%s\"\n",
                argv[optind]);
        exit(1);
    }
}

static bool dsn_milter_foreground;

/*
 * Report a start-up error to syslog and to stderr; after detaching,
 * syslog is the only place it can be seen.
 */
static void G_GNUC_PRINTF(1, 2) dsn_milter_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsyslog(LOG_ERR, fmt, ap);
    va_end(ap);
    if (!dsn_milter_foreground) {
        fputs("dsn-milter: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
}

/* Return the path of a unix: or local: socket, or NULL. */
static const char *dsn_milter_socket_path(const char *socket)
{
    if (strncmp(socket, "unix:", 5) == 0)
        return (socket + 5);
    if (strncmp(socket, "local:", 6) == 0)
        return (socket + 6);
    if (*socket == '/')
        return (socket);
    return (NULL);
}

/* Remove a unix socket left by a failed start. */
static void dsn_milter_unlink(const char *socket)
{
    const char *path = dsn_milter_socket_path(socket);

    if (path)
        unlink(path);
}

/*
 * Give a unix socket to user and its group, so that an MTA in that group
 * can still connect after privileges are dropped.  Then switch to user
 * and its groups.  Return false with a message on error.
 */
static bool dsn_milter_drop(const char *user, const char *socket)
{
    struct passwd *pw = getpwnam(user);
    const char *path = dsn_milter_socket_path(socket);

    if (pw == NULL) {
        dsn_milter_error("user \"%s\" not found; create it or"
                         " name another with -u\n",
                         user);
        return (false);
    }
    if (path && chown(path, pw->pw_uid, pw->pw_gid) != 0) {
        dsn_milter_error("cannot give socket %s to user \"%s\":"
                         " %s\n",
                         path, user, strerror(errno));
        return (false);
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        dsn_milter_error("cannot switch to user \"%s\": %s\n", user,
                         strerror(errno));
        return (false);
    }
    return (true);
}

static bool dsn_milter_write_pidfile(const char *path)
{
    mode_t old = umask(022);
    FILE *fp = fopen(path, "w");

    umask(old);
    if (fp == NULL || fprintf(fp, "%ld\n", (long) getpid()) < 0 ||
        fclose(fp) != 0) {
        dsn_milter_error("cannot write pid file %s: %s\n", path,
                         strerror(errno));
        return (false);
    }
    return (true);
}

/* Register with libmilter and open the socket as the starting user. */
static bool dsn_milter_open(const struct dsn_milter_options *opts)
{
    if (smfi_register(dsn_milter_desc) != MI_SUCCESS) {
        dsn_milter_error("smfi_register failed\n");
        return (false);
    }
    if (smfi_setconn((char *) opts->socket) != MI_SUCCESS ||
        smfi_settimeout(opts->timeout) != MI_SUCCESS) {
        dsn_milter_error("invalid socket \"%s\"; use"
                         " unix:/path or inet:PORT@HOST\n",
                         opts->socket);
        return (false);
    }
    if (smfi_opensocket(true) != MI_SUCCESS) {
        dsn_milter_error("cannot open socket %s: %s; check the"
                         " directory exists and no other milter uses it\n",
                         opts->socket, strerror(errno));
        return (false);
    }
    return (true);
}

int main(int argc, char **argv)
{
    struct dsn_milter_options opts = {
        .config_path = DSN_CONFIG_DEFAULT_PATH,
        .socket = DSN_MILTER_DEFAULT_SOCKET,
        .timeout = 7210,
    };
    int rc;

    dsn_milter_options(argc, argv, &opts);
    dsn_milter_foreground = opts.foreground;
    /* daemon() changes to /, where a relative path would not reload. */
    opts.config_path = g_canonicalize_filename(opts.config_path, NULL);
    openlog("dsn-milter", LOG_PID | (opts.foreground ? LOG_PERROR : 0),
            LOG_MAIL);
    setlogmask(LOG_UPTO(dsn_milter_verbose > 0 ? LOG_DEBUG : LOG_INFO));
    if (opts.user && getpwnam(opts.user) == NULL) {
        dsn_milter_error("user \"%s\" not found; create it or name another"
                         " with -u\n",
                         opts.user);
        return (1);
    }
    if (!dsn_milter_init(opts.config_path))
        return (1);
    umask(007);
    if (!dsn_milter_open(&opts))
        return (1);
    if (!opts.foreground && daemon(0, 0) != 0) {
        dsn_milter_error("cannot detach: %s\n", strerror(errno));
        dsn_milter_unlink(opts.socket);
        return (1);
    }
    if ((opts.pidfile && !dsn_milter_write_pidfile(opts.pidfile)) ||
        (opts.user && !dsn_milter_drop(opts.user, opts.socket))) {
        dsn_milter_unlink(opts.socket);
        return (1);
    }
    if (access(opts.config_path, R_OK) != 0)
        syslog(LOG_WARNING,
               "config: %s is not readable by this user (%s); a changed"
               " file cannot be reloaded",
               opts.config_path, strerror(errno));
    syslog(LOG_INFO, "starting dsn-milter %s on %s with %s", PACKAGE_VERSION,
           opts.socket, opts.config_path);
    rc = smfi_main();
    syslog(LOG_INFO, "stopping dsn-milter");
    /* After dropping privileges these may fail; that is harmless. */
    dsn_milter_unlink(opts.socket);
    if (opts.pidfile)
        unlink(opts.pidfile);
    dsn_milter_shutdown();
    return (rc == MI_SUCCESS ? 0 : 1);
}
