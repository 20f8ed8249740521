/*
 * dsn_milter - the libmilter layer of the daemon
 *
 * Exports dsn_milter_desc, dsn_milter_init() and dsn_milter_shutdown().
 * Every callback fetches its context first and lets the message through
 * when anything is wrong: no callback returns REJECT, TEMPFAIL or
 * DISCARD.  A message that is not a null-sender multipart/report is
 * accepted as soon as that is known, so the MTA stops sending it.
 *
 * Config reload: at each new connection the file's modification time is
 * compared with that of the loaded file.  A changed file is loaded and
 * replaces the shared config unless it has errors.  A connection keeps a
 * reference to the config it started with.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include <glib.h>

#include "dsn_milter.h"
#include "dsn_rewrite.h"
#include "dsn_util.h"

/* A loaded config shared by connections. */
struct dsn_milter_generation {
    struct dsn_config *config;
    int refs;
};

/* Per-connection state; message fields are reset at each MAIL. */
struct dsn_milter_context {
    struct dsn_milter_generation *generation;
    char queue_id[64];
    char *sender;
    char *recipient;
    char *hostname;
    struct dsn_headers headers;
    GString *body;
    size_t size;       /* header and body bytes received */
    bool foreign_skip; /* null sender over SMTP, not rewritten */
};

int dsn_milter_verbose;

static pthread_mutex_t dsn_milter_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dsn_milter_generation *dsn_milter_current;
static char *dsn_milter_config_path;
static struct timespec dsn_milter_mtime; /* of the last file tried */

static struct dsn_milter_generation *
dsn_milter_generation_new(struct dsn_config *config)
{
    struct dsn_milter_generation *gen =
        g_new0(struct dsn_milter_generation, 1);

    gen->config = config;
    gen->refs = 1;
    return (gen);
}

/* Drop a reference; call with the lock held. */
static void dsn_milter_generation_unref(struct dsn_milter_generation *gen)
{
    if (gen && --gen->refs == 0) {
        dsn_config_free(gen->config);
        g_free(gen);
    }
}

static bool dsn_milter_mtime_changed(const struct stat *st)
{
    return (st->st_mtim.tv_sec != dsn_milter_mtime.tv_sec ||
            st->st_mtim.tv_nsec != dsn_milter_mtime.tv_nsec);
}

/* Log each error line of a failed load. */
static void dsn_milter_log_errors(const GString *errors)
{
    char **lines = g_strsplit(errors->str, "\n", -1);

    for (char **line = lines; *line; line++)
        if (**line)
            syslog(LOG_ERR, "config: %s", *line);
    g_strfreev(lines);
}

/* Reload the config if its file changed; call with the lock held. */
static void dsn_milter_maybe_reload(void)
{
    struct stat st;
    struct dsn_config *config;
    GString *errors;

    if (stat(dsn_milter_config_path, &st) != 0 ||
        !dsn_milter_mtime_changed(&st))
        return;
    dsn_milter_mtime = st.st_mtim;
    errors = g_string_new(NULL);
    config = dsn_config_load(dsn_milter_config_path, errors);
    if (config == NULL) {
        dsn_milter_log_errors(errors);
        syslog(LOG_ERR,
               "config: %s not reloaded, the previous config stays"
               " in force; run dsnctl check to see the errors",
               dsn_milter_config_path);
    } else {
        dsn_milter_generation_unref(dsn_milter_current);
        dsn_milter_current = dsn_milter_generation_new(config);
        syslog(LOG_INFO, "config: reloaded %s, %zu messages",
               dsn_milter_config_path, config->message_count);
    }
    g_string_free(errors, TRUE);
}

static struct dsn_milter_generation *dsn_milter_acquire(void)
{
    struct dsn_milter_generation *gen;

    pthread_mutex_lock(&dsn_milter_lock);
    dsn_milter_maybe_reload();
    gen = dsn_milter_current;
    gen->refs++;
    pthread_mutex_unlock(&dsn_milter_lock);
    return (gen);
}

static void dsn_milter_release(struct dsn_milter_generation *gen)
{
    pthread_mutex_lock(&dsn_milter_lock);
    dsn_milter_generation_unref(gen);
    pthread_mutex_unlock(&dsn_milter_lock);
}

bool dsn_milter_init(const char *config_path)
{
    struct stat st;
    struct dsn_config *config;
    GString *errors = g_string_new(NULL);

    dsn_util_gmime_init();
    dsn_milter_config_path = g_strdup(config_path);
    if (stat(config_path, &st) == 0)
        dsn_milter_mtime = st.st_mtim;
    config = dsn_config_load(config_path, errors);
    if (config == NULL) {
        fputs(errors->str, stderr);
        g_string_free(errors, TRUE);
        return (false);
    }
    g_string_free(errors, TRUE);
    dsn_milter_current = dsn_milter_generation_new(config);
    return (true);
}

void dsn_milter_shutdown(void)
{
    pthread_mutex_lock(&dsn_milter_lock);
    dsn_milter_generation_unref(dsn_milter_current);
    dsn_milter_current = NULL;
    pthread_mutex_unlock(&dsn_milter_lock);
    g_free(dsn_milter_config_path);
}

/* Forget the current message. */
static void dsn_milter_reset(struct dsn_milter_context *ctx)
{
    g_free(ctx->sender);
    g_free(ctx->recipient);
    ctx->sender = NULL;
    ctx->recipient = NULL;
    dsn_headers_free(&ctx->headers);
    if (ctx->body)
        g_string_free(ctx->body, TRUE);
    ctx->body = NULL;
    ctx->size = 0;
    ctx->foreign_skip = false;
    strcpy(ctx->queue_id, "NOQUEUE");
}

/* Read macro i into the context when the MTA sent it. */
static void dsn_milter_queue_id(SMFICTX *smfi, struct dsn_milter_context *ctx)
{
    const char *id = smfi_getsymval(smfi, "i");

    if (id && *id)
        g_strlcpy(ctx->queue_id, id, sizeof(ctx->queue_id));
}

/* Log a message left as it came, at notice, or err when it failed. */
static void dsn_milter_pass(const struct dsn_milter_context *ctx,
                            const char *reason, bool failed)
{
    syslog(failed ? LOG_ERR : LOG_NOTICE,
           "%s: DSN passed through"
           " unchanged: %s",
           ctx->queue_id, reason);
}

static sfsistat dsn_milter_connect(SMFICTX *smfi, char *host, _SOCK_ADDR *addr)
{
    struct dsn_milter_context *ctx = g_new0(struct dsn_milter_context, 1);
    const char *j = smfi_getsymval(smfi, "j");

    ctx->generation = dsn_milter_acquire();
    ctx->hostname = j ? g_strdup(j) : NULL;
    strcpy(ctx->queue_id, "NOQUEUE");
    if (smfi_setpriv(smfi, ctx) != MI_SUCCESS) {
        syslog(LOG_ERR, "NOQUEUE: smfi_setpriv failed; messages on this"
                        " connection pass unchanged");
        dsn_milter_release(ctx->generation);
        g_free(ctx->hostname);
        g_free(ctx);
        return (SMFIS_ACCEPT);
    }
    return (SMFIS_CONTINUE);
}

static sfsistat dsn_milter_envfrom(SMFICTX *smfi, char **argv)
{
    struct dsn_milter_context *ctx = smfi_getpriv(smfi);
    const struct dsn_config *config;

    if (ctx == NULL)
        return (SMFIS_ACCEPT);
    dsn_milter_reset(ctx);
    dsn_milter_queue_id(smfi, ctx);
    ctx->sender = g_strdup(argv[0] ? argv[0] : "");
    if (!dsn_rewrite_null_sender(ctx->sender))
        return (SMFIS_ACCEPT);
    config = ctx->generation->config;
    /*
     * A foreign DSN is let go at the end of its header: Postfix's smtpd
     * has no queue ID for the log line before the message data.
     */
    ctx->foreign_skip =
        !dsn_rewrite_sender_is_local(ctx->sender) && !config->rewrite_foreign;
    return (SMFIS_CONTINUE);
}

static sfsistat dsn_milter_envrcpt(SMFICTX *smfi, char **argv)
{
    struct dsn_milter_context *ctx = smfi_getpriv(smfi);

    if (ctx == NULL)
        return (SMFIS_ACCEPT);
    if (ctx->recipient == NULL && argv[0])
        ctx->recipient = g_strdup(argv[0]);
    return (SMFIS_CONTINUE);
}

/* Return true when the message has grown past max_message_size. */
static bool dsn_milter_too_big(struct dsn_milter_context *ctx, size_t more)
{
    size_t max = ctx->generation->config->max_message_size;

    ctx->size += more;
    return (max > 0 && ctx->size > max);
}

static sfsistat dsn_milter_header(SMFICTX *smfi, char *name, char *value)
{
    struct dsn_milter_context *ctx = smfi_getpriv(smfi);

    if (ctx == NULL)
        return (SMFIS_ACCEPT);
    if (ctx->foreign_skip)
        return (SMFIS_CONTINUE);
    if (dsn_milter_too_big(ctx, strlen(name) + strlen(value) + 3)) {
        dsn_milter_pass(ctx, "message larger than max_message_size", false);
        return (SMFIS_ACCEPT);
    }
    dsn_headers_add(&ctx->headers, name, value);
    return (SMFIS_CONTINUE);
}

static sfsistat dsn_milter_eoh(SMFICTX *smfi)
{
    struct dsn_milter_context *ctx = smfi_getpriv(smfi);

    if (ctx == NULL)
        return (SMFIS_ACCEPT);
    if (ctx->foreign_skip) {
        dsn_milter_queue_id(smfi, ctx);
        if (dsn_milter_verbose > 0)
            syslog(LOG_DEBUG,
                   "%s: null sender over SMTP, not this MTA's"
                   " own DSN; rewrite_foreign is false",
                   ctx->queue_id);
        return (SMFIS_ACCEPT);
    }
    if (!dsn_parse_is_report(dsn_headers_get(&ctx->headers, "Content-Type"),
                             NULL)) {
        if (dsn_milter_verbose > 0)
            syslog(LOG_DEBUG,
                   "%s: null sender but not a multipart/report"
                   " DSN; not changed",
                   ctx->queue_id);
        return (SMFIS_ACCEPT);
    }
    ctx->body = g_string_sized_new(8192);
    return (SMFIS_CONTINUE);
}

static sfsistat dsn_milter_body(SMFICTX *smfi, unsigned char *chunk,
                                size_t len)
{
    struct dsn_milter_context *ctx = smfi_getpriv(smfi);

    if (ctx == NULL || ctx->body == NULL)
        return (SMFIS_ACCEPT);
    if (dsn_milter_too_big(ctx, len)) {
        dsn_milter_pass(ctx, "message larger than max_message_size", false);
        g_string_free(ctx->body, TRUE);
        ctx->body = NULL;
        return (SMFIS_ACCEPT);
    }
    g_string_append_len(ctx->body, (const char *) chunk, len);
    return (SMFIS_CONTINUE);
}

/* Largest piece handed to one smfi_replacebody() call. */
#define DSN_MILTER_CHUNK 65535

/* Send len bytes of the new body; return false on a libmilter error. */
static bool dsn_milter_send(SMFICTX *smfi, const char *data, size_t len)
{
    while (len > 0) {
        size_t n = len < DSN_MILTER_CHUNK ? len : DSN_MILTER_CHUNK;

        if (smfi_replacebody(smfi, (unsigned char *) data, (int) n) !=
            MI_SUCCESS)
            return (false);
        data += n;
        len -= n;
    }
    return (true);
}

/* Replace header name, or add it when the message has none. */
static void dsn_milter_set_header(SMFICTX *smfi,
                                  const struct dsn_milter_context *ctx,
                                  const char *name, const char *value)
{
    int rc;

    if (dsn_headers_get(&ctx->headers, name))
        rc = smfi_chgheader(smfi, (char *) name, 1, (char *) value);
    else
        rc = smfi_addheader(smfi, (char *) name, (char *) value);
    if (rc != MI_SUCCESS)
        syslog(LOG_ERR,
               "%s: %s could not be changed; the body was"
               " rewritten",
               ctx->queue_id, name);
}

/* Write the rewritten body and header fields back to the MTA. */
static bool dsn_milter_apply(SMFICTX *smfi, struct dsn_milter_context *ctx,
                             const struct dsn_rewrite_result *result)
{
    struct dsn_rewrite_piece pieces[DSN_REWRITE_MAX_PIECES];
    size_t count =
        dsn_rewrite_pieces(result, ctx->body->str, ctx->body->len, pieces);

    for (size_t i = 0; i < count; i++) {
        if (!dsn_milter_send(smfi, pieces[i].data, pieces[i].len)) {
            syslog(LOG_ERR,
                   "%s: smfi_replacebody failed; the MTA keeps"
                   " what it received so far under its milter"
                   " default_action",
                   ctx->queue_id);
            return (false);
        }
    }
    dsn_milter_set_header(smfi, ctx, "Subject", result->subject);
    if (result->from)
        dsn_milter_set_header(smfi, ctx, "From", result->from);
    if (result->copy_to) {
        if (smfi_addrcpt(smfi, result->copy_to) == MI_SUCCESS)
            syslog(LOG_NOTICE, "%s: copy of the DSN to %s for code %s",
                   ctx->queue_id, result->copy_to, result->copy_code);
        else
            syslog(LOG_ERR,
                   "%s: smfi_addrcpt %s failed; no postmaster"
                   " copy",
                   ctx->queue_id, result->copy_to);
    }
    return (true);
}

static void dsn_milter_log_rewrite(const struct dsn_milter_context *ctx,
                                   const struct dsn_rewrite_result *result)
{
    GString *codes = g_string_new(NULL);

    dsn_rewrite_codes(&result->report, codes);
    syslog(LOG_NOTICE,
           "%s: %s DSN rewritten: %zu recipient%s, codes %s,"
           " %s sender, language %s (%s)%s%s",
           ctx->queue_id, dsn_config_outcome_name(result->outcome),
           result->report.recipient_count,
           result->report.recipient_count == 1 ? "" : "s", codes->str,
           result->audience == DSN_AUDIENCE_INTERNAL ? "internal" : "external",
           result->language ? result->language : "none",
           result->language_source,
           result->original_text ? ", original cut to its header" : "",
           result->status_text ? ", delivery-status redacted" : "");
    g_string_free(codes, TRUE);
}

static sfsistat dsn_milter_eom(SMFICTX *smfi)
{
    struct dsn_milter_context *ctx = smfi_getpriv(smfi);
    struct dsn_rewrite_request req = {0};
    struct dsn_rewrite_result result;

    if (ctx == NULL || ctx->body == NULL)
        return (SMFIS_CONTINUE);
    dsn_milter_queue_id(smfi, ctx);
    req.config = ctx->generation->config;
    req.headers = &ctx->headers;
    req.body = ctx->body->str;
    req.body_len = ctx->body->len;
    req.envelope_sender = ctx->sender;
    req.recipient = ctx->recipient;
    req.hostname = ctx->hostname;
    req.local = dsn_rewrite_sender_is_local(ctx->sender);
    dsn_rewrite(&req, &result);
    if (result.action == DSN_REWRITE_PASS)
        dsn_milter_pass(ctx, result.reason, result.failed);
    else if (dsn_milter_apply(smfi, ctx, &result))
        dsn_milter_log_rewrite(ctx, &result);
    dsn_rewrite_free(&result);
    dsn_milter_reset(ctx);
    return (SMFIS_CONTINUE);
}

static sfsistat dsn_milter_abort(SMFICTX *smfi)
{
    struct dsn_milter_context *ctx = smfi_getpriv(smfi);

    if (ctx)
        dsn_milter_reset(ctx);
    return (SMFIS_CONTINUE);
}

static sfsistat dsn_milter_close(SMFICTX *smfi)
{
    struct dsn_milter_context *ctx = smfi_getpriv(smfi);

    if (ctx == NULL)
        return (SMFIS_CONTINUE);
    dsn_milter_reset(ctx);
    dsn_milter_release(ctx->generation);
    g_free(ctx->hostname);
    g_free(ctx);
    smfi_setpriv(smfi, NULL);
    return (SMFIS_CONTINUE);
}

/* Ask only for the actions used and skip the steps not needed. */
static sfsistat
dsn_milter_negotiate(SMFICTX *smfi, unsigned long actions, unsigned long steps,
                     unsigned long unused2, unsigned long unused3,
                     unsigned long *want_actions, unsigned long *want_steps,
                     unsigned long *want2, unsigned long *want3)
{
    unsigned long skip = SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA;

    *want_actions = actions & (SMFIF_CHGBODY | SMFIF_CHGHDRS | SMFIF_ADDHDRS |
                               SMFIF_ADDRCPT);
    *want_steps = steps & skip;
    *want2 = 0;
    *want3 = 0;
    return (SMFIS_CONTINUE);
}

struct smfiDesc dsn_milter_desc = {
    .xxfi_name = "dsn-milter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags =
        SMFIF_CHGBODY | SMFIF_CHGHDRS | SMFIF_ADDHDRS | SMFIF_ADDRCPT,
    .xxfi_connect = dsn_milter_connect,
    .xxfi_envfrom = dsn_milter_envfrom,
    .xxfi_envrcpt = dsn_milter_envrcpt,
    .xxfi_header = dsn_milter_header,
    .xxfi_eoh = dsn_milter_eoh,
    .xxfi_body = dsn_milter_body,
    .xxfi_eom = dsn_milter_eom,
    .xxfi_abort = dsn_milter_abort,
    .xxfi_close = dsn_milter_close,
    .xxfi_negotiate = dsn_milter_negotiate,
};
