/*
 * dsn_milter - the libmilter layer of the daemon
 *
 * Short callbacks that collect a message and hand it to dsn_rewrite(),
 * and the shared, reference-counted config that a changed file replaces
 * at the next MTA connection.
 */
#ifndef DSN_MILTER_H
#define DSN_MILTER_H

#include <stdbool.h>

#include <libmilter/mfapi.h>

/* Load the config at start-up; print errors to stderr on failure. */
bool dsn_milter_init(const char *config_path);

/* The filter description passed to smfi_register(). */
extern struct smfiDesc dsn_milter_desc;

/* Log verbosity: 0 up to info, 1 or more adds debug. */
extern int dsn_milter_verbose;

/* Release the config at exit. */
void dsn_milter_shutdown(void);

#endif
