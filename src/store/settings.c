#include "store/settings.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

static rk_status dberr(rk_ws *ws, rk_err *err, const char *what)
{
    return rk_err_set(err, RK_EIO, "catalog %s/catalog.db: %s: %s", rk_ws_dir(ws), what, sqlite3_errmsg(rk_ws_db(ws)));
}

static rk_status check_key(const char *key, rk_err *err)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > RK_SETTING_KEY_MAX)
        return rk_err_set(err, RK_EUSAGE, "a setting key has 1 to %d characters", RK_SETTING_KEY_MAX);
    return RK_OK;
}

rk_status rk_ws_setting_get(rk_ws *ws, const char *key, char **value, rk_err *err)
{
    *value = NULL;
    RK_TRY(check_key(key, err));
    rk_status st = RK_OK;
    sqlite3_stmt *q;
    rk_ws_lock(ws);
    if (sqlite3_prepare_v2(rk_ws_db(ws), "SELECT value FROM settings WHERE key = ?1", -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "reading settings");
    } else {
        sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            *value = rk_strdup((const char *)sqlite3_column_text(q, 0));
            if (!*value) st = rk_err_set(err, RK_ENOMEM, "out of memory");
        } else if (rc != SQLITE_DONE) {
            st = dberr(ws, err, "reading settings");
        }
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    return st;
}

rk_status rk_ws_setting_set(rk_ws *ws, const char *key, const char *value, rk_err *err)
{
    RK_TRY(check_key(key, err));
    if (strlen(value) > RK_SETTING_VALUE_MAX)
        return rk_err_set(err, RK_ELIMIT, "the value of %s is longer than %d bytes", key, RK_SETTING_VALUE_MAX);
    rk_status st = RK_OK;
    sqlite3_stmt *q;
    rk_ws_lock(ws);
    if (sqlite3_prepare_v2(rk_ws_db(ws),
                           "INSERT INTO settings(key, value, updated_at) VALUES(?1, ?2, ?3) ON CONFLICT(key) DO UPDATE"
                           " SET value = excluded.value, updated_at = excluded.updated_at",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "writing settings");
    } else {
        sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, value, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 3, rk_now_ms());
        if (sqlite3_step(q) != SQLITE_DONE) st = dberr(ws, err, "writing settings");
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    return st;
}

rk_status rk_ws_setting_unset(rk_ws *ws, const char *key, bool *removed, rk_err *err)
{
    if (removed) *removed = false;
    RK_TRY(check_key(key, err));
    rk_status st = RK_OK;
    sqlite3_stmt *q;
    rk_ws_lock(ws);
    if (sqlite3_prepare_v2(rk_ws_db(ws), "DELETE FROM settings WHERE key = ?1", -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "writing settings");
    } else {
        sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) != SQLITE_DONE) st = dberr(ws, err, "writing settings");
        else if (removed) *removed = sqlite3_changes(rk_ws_db(ws)) > 0;
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    return st;
}

void rk_settings_free(rk_setting *s, size_t n)
{
    if (!s) return;
    for (size_t i = 0; i < n; i++) {
        free(s[i].key);
        free(s[i].value);
    }
    free(s);
}

rk_status rk_ws_settings_list(rk_ws *ws, rk_setting **out, size_t *n, rk_err *err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    rk_status st = RK_OK;
    sqlite3_stmt *q;
    rk_ws_lock(ws);
    if (sqlite3_prepare_v2(rk_ws_db(ws), "SELECT key, value, updated_at FROM settings ORDER BY key", -1, &q, NULL) !=
        SQLITE_OK) {
        st = dberr(ws, err, "reading settings");
    } else {
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            if (RK_GROW(*out, cap, *n + 1) != RK_OK) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
            rk_setting *s = &(*out)[(*n)++];
            s->key = rk_strdup((const char *)sqlite3_column_text(q, 0));
            s->value = rk_strdup((const char *)sqlite3_column_text(q, 1));
            s->updated_at = sqlite3_column_int64(q, 2);
            if (!s->key || !s->value) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
        }
        if (st == RK_OK && rc != SQLITE_DONE) st = dberr(ws, err, "reading settings");
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    if (st != RK_OK) {
        rk_settings_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return st;
}

rk_status rk_ws_recipients_set(rk_ws *ws, const char *connection, const char *const *addrs, size_t n, rk_err *err)
{
    if (!connection || !*connection) return rk_err_set(err, RK_EUSAGE, "recipients need a connection name");
    sqlite3 *db = rk_ws_db(ws);
    rk_status st = RK_OK;
    sqlite3_stmt *q = NULL;
    rk_ws_lock(ws);
    /* Replace the whole list in one transaction: a reader sees the old list or the new one. */
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "writing recipients");
        goto out;
    }
    if (sqlite3_prepare_v2(db, "DELETE FROM recipients WHERE connection = ?1", -1, &q, NULL) != SQLITE_OK) goto fail;
    sqlite3_bind_text(q, 1, connection, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q) != SQLITE_DONE) goto fail;
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO recipients(connection, address, position) VALUES(?1, ?2, ?3)", -1, &q,
                           NULL) != SQLITE_OK)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_text(q, 1, connection, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, addrs[i], -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 3, (int64_t)i);
        if (sqlite3_step(q) != SQLITE_DONE) goto fail;
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) goto fail;
    goto out;
fail:
    st = dberr(ws, err, "writing recipients");
    if (q) sqlite3_finalize(q);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
    rk_ws_unlock(ws);
    return st;
}

void rk_strv_free(char **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

rk_status rk_ws_recipients_get(rk_ws *ws, const char *connection, char ***addrs, size_t *n, rk_err *err)
{
    *addrs = NULL;
    *n = 0;
    size_t cap = 0;
    rk_status st = RK_OK;
    sqlite3_stmt *q;
    rk_ws_lock(ws);
    if (sqlite3_prepare_v2(rk_ws_db(ws), "SELECT address FROM recipients WHERE connection = ?1 ORDER BY position", -1, &q,
                           NULL) != SQLITE_OK) {
        st = dberr(ws, err, "reading recipients");
    } else {
        sqlite3_bind_text(q, 1, connection, -1, SQLITE_TRANSIENT);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            if (RK_GROW(*addrs, cap, *n + 1) != RK_OK ||
                !((*addrs)[*n] = rk_strdup((const char *)sqlite3_column_text(q, 0)))) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
            (*n)++;
        }
        if (st == RK_OK && rc != SQLITE_DONE) st = dberr(ws, err, "reading recipients");
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    if (st != RK_OK) {
        rk_strv_free(*addrs, *n);
        *addrs = NULL;
        *n = 0;
    }
    return st;
}
