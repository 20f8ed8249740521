/*
 * bench_rewrite - CPU time and memory of one DSN rewrite
 *
 * Usage: bench_rewrite CONFIG DSN-FILE [ITERATIONS] [PAD-BYTES]
 *
 * Loads CONFIG, reads DSN-FILE, optionally grows its returned message by
 * PAD-BYTES of body text, and runs dsn_rewrite() ITERATIONS times on the
 * header fields and body as the milter receives them.  Prints the CPU time
 * per rewrite (CLOCK_PROCESS_CPUTIME_ID) and the peak resident set size.
 * It is a benchmark, not a test: it asserts nothing about speed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <glib.h>

#include "dsn_rewrite.h"
#include "dsn_util.h"

static double bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Append pad bytes of text lines before the final boundary. */
static void bench_pad(GString *message, size_t pad)
{
    const char *close = g_strrstr(message->str, "\n--");
    size_t at = close ? (size_t) (close - message->str) : message->len;
    GString *lines = g_string_sized_new(pad + 80);

    while (lines->len < pad)
        g_string_append(lines, "\nThe quick brown fox jumps over the lazy"
                               " dog, again and again and again.");
    g_string_insert_len(message, at, lines->str, lines->len);
    g_string_free(lines, TRUE);
}

int main(int argc, char **argv)
{
    struct dsn_headers headers = {0};
    struct dsn_rewrite_request req = {0};
    struct dsn_rewrite_result result;
    struct dsn_config *config;
    struct rusage ru;
    GString *errors = g_string_new(NULL);
    gchar *data;
    gsize len;
    GString *message;
    size_t body_offset;
    long iterations = argc > 3 ? atol(argv[3]) : 10000;
    size_t pad = argc > 4 ? (size_t) atol(argv[4]) : 0;
    double start;
    double elapsed;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_rewrite CONFIG DSN [ITERATIONS]"
                        " [PAD-BYTES]\n");
        return (2);
    }
    dsn_util_gmime_init();
    if ((config = dsn_config_load(argv[1], errors)) == NULL) {
        fputs(errors->str, stderr);
        return (2);
    }
    if (!g_file_get_contents(argv[2], &data, &len, NULL)) {
        fprintf(stderr, "bench_rewrite: cannot read %s\n", argv[2]);
        return (2);
    }
    message = g_string_new_len(data, len);
    if (pad)
        bench_pad(message, pad);
    if (!dsn_headers_split(message->str, message->len, &headers,
                           &body_offset)) {
        fprintf(stderr, "bench_rewrite: %s has no header block\n", argv[2]);
        return (2);
    }
    req.config = config;
    req.headers = &headers;
    req.body = message->str + body_offset;
    req.body_len = message->len - body_offset;
    req.envelope_sender = "";
    req.local = true;
    req.recipient = "sender@example.org";
    req.hostname = "mx.example.test";

    start = bench_now();
    for (long i = 0; i < iterations; i++) {
        dsn_rewrite(&req, &result);
        if (result.action != DSN_REWRITE_CHANGE) {
            fprintf(stderr, "bench_rewrite: not rewritten: %s\n", result.why);
            return (1);
        }
        dsn_rewrite_free(&result);
    }
    elapsed = bench_now() - start;
    getrusage(RUSAGE_SELF, &ru);
    printf("%s: %zu bytes, %ld rewrites, %.2f us CPU each, peak RSS %ld"
           " KiB\n",
           argv[2], message->len, iterations, elapsed / iterations * 1e6,
           ru.ru_maxrss);
    dsn_headers_free(&headers);
    g_string_free(message, TRUE);
    g_free(data);
    g_string_free(errors, TRUE);
    dsn_config_free(config);
    return (0);
}
