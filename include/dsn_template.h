/*
 * dsn_template - ${name} templates for DSN texts
 *
 * Syntax, as in Postfix's bounce templates and main.cf:
 *   ${name}        the variable's value
 *   ${name?text}   text when the variable is non-empty
 *   ${name:text}   text when the variable is empty or unset
 *   $$             a literal dollar sign
 * The text inside ?/: may contain further ${...}; "}" ends it, "\}" is a
 * literal brace there.  A template is compiled once, when the config is
 * loaded, so an unknown name or a bad construct is a load-time error.
 */
#ifndef DSN_TEMPLATE_H
#define DSN_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

/* Variables, and the scope each may be used in. */
enum dsn_template_var {
    DSN_VAR_SENDER, /* the DSN's recipient: original sender */
    DSN_VAR_POSTMASTER,
    DSN_VAR_REPORTING_HOST,
    DSN_VAR_REPORTING_MTA,
    DSN_VAR_ORIGINAL_ENVELOPE_ID,
    DSN_VAR_ARRIVAL_DATE,
    DSN_VAR_RECEIVED_FROM_MTA,
    DSN_VAR_QUEUE_ID, /* X-Postfix-Queue-ID */
    DSN_VAR_ORIGINAL_SUBJECT,
    DSN_VAR_ORIGINAL_FROM,
    DSN_VAR_ORIGINAL_TO,
    DSN_VAR_ORIGINAL_DATE,
    DSN_VAR_ORIGINAL_MESSAGE_ID,
    DSN_VAR_ORIGINAL_CONTENT_LANGUAGE,
    DSN_VAR_RECIPIENT_COUNT,
    DSN_VAR_ORIGINAL_TRUNCATED, /* "yes" when only headers are returned */
    DSN_VAR_LANGUAGE,           /* the language chosen for the DSN */
    /* Per recipient: in message texts and the recipient block. */
    DSN_VAR_RECIPIENT,
    DSN_VAR_FINAL_RECIPIENT,
    DSN_VAR_ORIGINAL_RECIPIENT,
    DSN_VAR_ACTION,
    DSN_VAR_STATUS,
    DSN_VAR_STATUS_DESCRIPTION,
    DSN_VAR_REMOTE_MTA,
    DSN_VAR_DIAGNOSTIC_CODE,
    DSN_VAR_LAST_ATTEMPT_DATE,
    DSN_VAR_WILL_RETRY_UNTIL,
    /* The code's rendered message text: recipient block only. */
    DSN_VAR_MESSAGE,
    /* All recipient blocks joined: layout text only. */
    DSN_VAR_RECIPIENTS,
    DSN_VAR_COUNT
};

/* Scopes: which variables a template may name. */
#define DSN_SCOPE_MESSAGE (1u << 0)
#define DSN_SCOPE_RECIPIENT (1u << 1)
#define DSN_SCOPE_BLOCK (1u << 2)
#define DSN_SCOPE_LAYOUT (1u << 3)

struct dsn_template;

/* Return the value of var, or NULL when it is unset. */
typedef const char *(*dsn_template_lookup_fn)(void *context,
                                              enum dsn_template_var var);

/*
 * Compile text.  scopes is the set of DSN_SCOPE_* the template may use.
 * On error return NULL and write a message naming the offending text
 * into error (error_size bytes).
 */
struct dsn_template *dsn_template_compile(const char *text, unsigned scopes,
                                          char *error, size_t error_size);

/* Append the expansion to out. */
void dsn_template_expand(const struct dsn_template *tpl, GString *out,
                         dsn_template_lookup_fn lookup, void *context);

/* Return true when the template names var anywhere. */
bool dsn_template_uses(const struct dsn_template *tpl,
                       enum dsn_template_var var);

void dsn_template_free(struct dsn_template *tpl);

/* Variable name, "original_subject", or NULL. */
const char *dsn_template_var_name(enum dsn_template_var var);

/* Scope set in which var may appear. */
unsigned dsn_template_var_scopes(enum dsn_template_var var);

#endif
