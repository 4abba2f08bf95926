/* settings.h — workspace settings and per-connection email recipients.
 *
 * Settings are plain key → text pairs in the catalog's `settings` table
 * (`reckon config`). The store knows nothing of what a key means: the layer
 * that owns a key validates its value before calling rk_ws_setting_set
 * (notify/config.h for smtp.*). Secrets are never stored here; a setting may
 * name a file that holds one (smtp.password-file).
 *
 * Recipients are the email addresses told about a connection (its first
 * full sync, its failures), in the order they were given. Addresses are
 * validated by the caller (notify/mail.h) and stored as given.
 *
 * Ownership: every string and array handed out is the caller's; free arrays
 * of strings with rk_strv_free and setting lists with rk_settings_free.
 */
#ifndef RK_SETTINGS_H
#define RK_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/catalog.h"

#define RK_SETTING_KEY_MAX 64
#define RK_SETTING_VALUE_MAX 4096

/* *value is NULL (and RK_OK returned) when the key is not set. */
rk_status rk_ws_setting_get(rk_ws *ws, const char *key, char **value, rk_err *err);
/* Inserts or replaces. Keys and values longer than the maxima are refused. */
rk_status rk_ws_setting_set(rk_ws *ws, const char *key, const char *value, rk_err *err);
/* *removed (optional) tells whether the key was set. */
rk_status rk_ws_setting_unset(rk_ws *ws, const char *key, bool *removed, rk_err *err);

typedef struct rk_setting {
    char *key, *value;
    int64_t updated_at; /* ms */
} rk_setting;

/* Every set key, sorted by key. */
rk_status rk_ws_settings_list(rk_ws *ws, rk_setting **out, size_t *n, rk_err *err);
void rk_settings_free(rk_setting *s, size_t n);

/* Replaces the recipients of a connection (n = 0 clears them). Duplicates
 * are kept once, at their first position. */
rk_status rk_ws_recipients_set(rk_ws *ws, const char *connection, const char *const *addrs, size_t n, rk_err *err);
/* The recipients of a connection in their order; *n = 0 when it has none. */
rk_status rk_ws_recipients_get(rk_ws *ws, const char *connection, char ***addrs, size_t *n, rk_err *err);

void rk_strv_free(char **v, size_t n);

#endif
