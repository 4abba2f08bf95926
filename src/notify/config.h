/* config.h — the email settings: what each key means, how its value is
 * checked, and how they become an rk_smtp_conf at send time.
 *
 * One table (rk_notify_settings) validates, normalizes and documents every
 * key, so `reckon config` and its --help cannot drift from what the sender
 * reads. Values live in the workspace catalog (store/settings.h).
 *
 * Secrets: the SMTP password is never a setting. It is read at send time
 * from RECKON_SMTP_PASSWORD when that is set and non-empty, else from the
 * file smtp.password-file names (first line). `smtp.password` is a virtual
 * key: `get` describes where the password comes from without showing it,
 * `set -` stores a password read from stdin in WORKSPACE/secrets/smtp-password
 * (created 0600 in a 0700 folder) and points smtp.password-file at it.
 */
#ifndef RK_NOTIFY_CONFIG_H
#define RK_NOTIFY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "notify/smtp.h"
#include "store/catalog.h"

#define RK_SMTP_PASSWORD_ENV "RECKON_SMTP_PASSWORD"

typedef struct rk_setting_def {
    const char *key;
    const char *arg;  /* what VALUE is, for help: "URL", "ADDRESS"… */
    const char *help; /* one line */
    const char *def;  /* the default as shown by `config list`; NULL: none */
    bool secret;      /* virtual: never shown, see above */
    /* Checks value; *norm (malloc'd) is what is stored. warn (may stay "")
     * gets advice for the user that is not an error. */
    rk_status (*check)(const char *value, char **norm, char *warn, size_t wcap, rk_err *err);
} rk_setting_def;

extern const rk_setting_def rk_notify_settings[];
extern const size_t rk_notify_nsettings;

/* The definition of a key, or NULL. */
const rk_setting_def *rk_notify_setting(const char *key);

/* Where the password comes from, never the password: "(set, from file
 * /p)", "(set, from environment RECKON_SMTP_PASSWORD)", or "(not set)". A
 * file that cannot be read is said so. */
rk_status rk_smtp_password_describe(rk_ws *ws, char *out, size_t cap, rk_err *err);

/* Stores a password in WORKSPACE/secrets/smtp-password (0600, replaced
 * atomically) and sets smtp.password-file to its absolute path. */
rk_status rk_smtp_password_store(rk_ws *ws, const char *password, size_t len, rk_err *err);
/* Unsets smtp.password-file; deletes the file when reckon wrote it. */
rk_status rk_smtp_password_forget(rk_ws *ws, bool *removed, rk_err *err);

/* Reads every smtp.* setting and the password into a ready-to-send
 * configuration; the error names the missing or broken setting. */
rk_status rk_smtp_conf_load(rk_ws *ws, rk_smtp_conf *out, rk_err *err);

#endif
