#include "store/connections.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/mem.h"

static rk_status dberr(rk_ws *ws, rk_err *err, const char *what)
{
    return rk_err_set(err, RK_EIO, "catalog %s/catalog.db: %s: %s", rk_ws_dir(ws), what, sqlite3_errmsg(rk_ws_db(ws)));
}

rk_status rk_connection_check_name(const char *name, rk_err *err)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > RK_CONN_NAME_MAX)
        return rk_err_set(err, RK_EUSAGE, "a connection name has 1 to %d characters", RK_CONN_NAME_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '-' || c == '_' || c == '.'));
        if (!ok)
            return rk_err_set(err, RK_EUSAGE,
                              "connection name \"%s\": character %zu ('%c') is not allowed; use lower-case letters, "
                              "digits, '-', '_' and '.', starting with a letter or digit",
                              name, i + 1, c);
    }
    return RK_OK;
}

rk_status rk_connection_new_external_id(char out[33], rk_err *err)
{
    unsigned char r[16];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t k = getrandom(r + got, sizeof r - got, 0);
        if (k < 0) {
            if (errno == EINTR) continue;
            return rk_err_set(err, RK_EIO, "no randomness for an external ID: %s", strerror(errno));
        }
        got += (size_t)k;
    }
    for (size_t i = 0; i < sizeof r; i++) snprintf(out + 2 * i, 3, "%02x", r[i]);
    return RK_OK;
}

char *rk_connection_uri(const rk_connection *c)
{
    const char *p = c->prefix ? c->prefix : "";
    while (*p == '/') p++;
    size_t n = strlen(p);
    while (n && p[n - 1] == '/') n--;
    size_t cap = strlen(c->bucket) + n + 8;
    char *u = malloc(cap);
    if (!u) return NULL;
    if (n) snprintf(u, cap, "s3://%s/%.*s", c->bucket, (int)n, p);
    else snprintf(u, cap, "s3://%s", c->bucket);
    return u;
}

static void bind_opt(sqlite3_stmt *q, int i, const char *s)
{
    if (s && *s) sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(q, i);
}

/* In an upsert: the saved and the new definition read the same folder. */
#define SAME "bucket = excluded.bucket AND trim(prefix, '/') = trim(excluded.prefix, '/')"

rk_status rk_ws_connection_save(rk_ws *ws, const rk_connection *c, rk_err *err)
{
    RK_TRY(rk_connection_check_name(c->name, err));
    if (!c->bucket || !*c->bucket) return rk_err_set(err, RK_EUSAGE, "connection %s has no bucket", c->name);
    if (!c->external_id || !*c->external_id)
        return rk_err_set(err, RK_EUSAGE, "connection %s has no external ID", c->name);
    rk_status st = RK_OK;
    sqlite3_stmt *q;
    int64_t now = rk_now_ms();
    rk_ws_lock(ws);
    if (sqlite3_prepare_v2(rk_ws_db(ws),
                           "INSERT INTO connections(name, bucket, prefix, report, role_arn, external_id, endpoint_url,"
                           " profile, region, created_at, updated_at, pending)"
                           " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?10,?11)"
                           " ON CONFLICT(name) DO UPDATE SET"
                           /* another bucket or prefix is another source: its history starts again */
                           " last_sync_at = iif(" SAME ", last_sync_at, NULL),"
                           " last_sync_status = iif(" SAME ", last_sync_status, NULL),"
                           " last_error = iif(" SAME ", last_error, NULL),"
                           " ready_notified_at = iif(" SAME ", ready_notified_at, NULL),"
                           " failure_key = iif(" SAME ", failure_key, NULL),"
                           " bucket = excluded.bucket, prefix = excluded.prefix,"
                           " report = excluded.report, role_arn = excluded.role_arn,"
                           " external_id = excluded.external_id, endpoint_url = excluded.endpoint_url,"
                           " profile = excluded.profile, region = excluded.region, updated_at = excluded.updated_at,"
                           " pending = excluded.pending",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "saving a connection");
    } else {
        sqlite3_bind_text(q, 1, c->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, c->bucket, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, c->prefix ? c->prefix : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 4, c->report ? c->report : "", -1, SQLITE_TRANSIENT);
        bind_opt(q, 5, c->role_arn);
        sqlite3_bind_text(q, 6, c->external_id, -1, SQLITE_TRANSIENT);
        bind_opt(q, 7, c->endpoint_url);
        bind_opt(q, 8, c->profile);
        bind_opt(q, 9, c->region);
        sqlite3_bind_int64(q, 10, now);
        sqlite3_bind_int(q, 11, c->pending ? 1 : 0);
        if (sqlite3_step(q) != SQLITE_DONE) st = dberr(ws, err, "saving a connection");
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    return st;
}

#define COLS                                                                                                       \
    "name, bucket, prefix, report, role_arn, external_id, endpoint_url, profile, region, created_at, updated_at,"  \
    " last_sync_at, last_sync_status, last_error, ready_notified_at, pending, failure_key"

static char *col_str(sqlite3_stmt *q, int i, bool *oom)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL) return NULL;
    char *s = rk_strdup((const char *)sqlite3_column_text(q, i));
    if (!s) *oom = true;
    return s;
}

static bool row_to_conn(sqlite3_stmt *q, rk_connection *c)
{
    bool oom = false;
    memset(c, 0, sizeof *c);
    c->name = col_str(q, 0, &oom);
    c->bucket = col_str(q, 1, &oom);
    c->prefix = col_str(q, 2, &oom);
    c->report = col_str(q, 3, &oom);
    c->role_arn = col_str(q, 4, &oom);
    c->external_id = col_str(q, 5, &oom);
    c->endpoint_url = col_str(q, 6, &oom);
    c->profile = col_str(q, 7, &oom);
    c->region = col_str(q, 8, &oom);
    c->created_at = sqlite3_column_int64(q, 9);
    c->updated_at = sqlite3_column_int64(q, 10);
    c->last_sync_at = sqlite3_column_int64(q, 11);
    c->last_sync_status = col_str(q, 12, &oom);
    c->last_error = col_str(q, 13, &oom);
    c->ready_notified_at = sqlite3_column_int64(q, 14);
    c->pending = sqlite3_column_int(q, 15) != 0;
    c->failure_key = col_str(q, 16, &oom);
    if (oom) rk_connection_free(c);
    return !oom;
}

rk_status rk_ws_connections_list(rk_ws *ws, rk_connection **out, size_t *n, rk_err *err)
{
    *out = NULL;
    *n = 0;
    rk_status st = RK_OK;
    sqlite3_stmt *q;
    rk_connection *v = NULL;
    size_t len = 0, cap = 0;
    rk_ws_lock(ws);
    if (sqlite3_prepare_v2(rk_ws_db(ws), "SELECT " COLS " FROM connections ORDER BY name", -1, &q, NULL) !=
        SQLITE_OK) {
        st = dberr(ws, err, "reading connections");
    } else {
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            if (len == cap) {
                size_t nc = cap ? cap * 2 : 8;
                rk_connection *nv = realloc(v, nc * sizeof *nv);
                if (!nv) {
                    st = rk_err_set(err, RK_ENOMEM, "out of memory");
                    break;
                }
                v = nv;
                cap = nc;
            }
            if (!row_to_conn(q, &v[len])) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
            len++;
        }
        if (st == RK_OK && rc != SQLITE_DONE) st = dberr(ws, err, "reading connections");
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    if (st != RK_OK) {
        rk_connections_free(v, len);
        return st;
    }
    *out = v;
    *n = len;
    return RK_OK;
}

rk_status rk_ws_connection_get(rk_ws *ws, const char *name, rk_connection *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    rk_status st = RK_OK;
    sqlite3_stmt *q;
    bool found = false;
    rk_ws_lock(ws);
    if (sqlite3_prepare_v2(rk_ws_db(ws), "SELECT " COLS " FROM connections WHERE name = ?1", -1, &q, NULL) !=
        SQLITE_OK) {
        st = dberr(ws, err, "reading connections");
    } else {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            found = true;
            if (!row_to_conn(q, out)) st = rk_err_set(err, RK_ENOMEM, "out of memory");
        } else if (rc != SQLITE_DONE) {
            st = dberr(ws, err, "reading connections");
        }
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    if (st != RK_OK || found) return st;
    /* Name the connections there are, so a typo is obvious. */
    rk_connection *v;
    size_t n;
    RK_TRY(rk_ws_connections_list(ws, &v, &n, err));
    rk_buf b;
    rk_buf_init(&b, 512);
    bool full = false;
    for (size_t i = 0; i < n && !full; i++) full = rk_buf_printf(&b, "%s%s", i ? ", " : "", v[i].name) != RK_OK;
    if (n)
        st = rk_err_set(err, RK_ENOTFOUND, "no connection named \"%s\"; the workspace has: %s", name,
                        full || !b.p ? "(too many to list; see `reckon connect list`)" : b.p);
    else
        st = rk_err_set(err, RK_ENOTFOUND,
                        "no connection named \"%s\"; the workspace has none yet: add one with `reckon connect aws`",
                        name);
    rk_buf_free(&b);
    rk_connections_free(v, n);
    return st;
}

static rk_status update_one(rk_ws *ws, const char *name, const char *sql, const char *a, const char *b, rk_err *err)
{
    rk_status st = RK_OK;
    sqlite3_stmt *q;
    rk_ws_lock(ws);
    if (sqlite3_prepare_v2(rk_ws_db(ws), sql, -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "updating a connection");
    } else {
        /* ?1 name, ?2 now, ?3 a, ?4 b: as many as the statement uses */
        int np = sqlite3_bind_parameter_count(q);
        sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
        if (np >= 2) sqlite3_bind_int64(q, 2, rk_now_ms());
        if (np >= 3) bind_opt(q, 3, a);
        if (np >= 4) bind_opt(q, 4, b);
        if (sqlite3_step(q) != SQLITE_DONE) st = dberr(ws, err, "updating a connection");
        else if (sqlite3_changes(rk_ws_db(ws)) == 0)
            st = rk_err_set(err, RK_ENOTFOUND, "no connection named \"%s\"", name);
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    return st;
}

rk_status rk_ws_connection_synced(rk_ws *ws, const char *name, const char *status, const char *error, rk_err *err)
{
    return update_one(ws, name,
                      "UPDATE connections SET last_sync_at = ?2, last_sync_status = ?3, last_error = ?4"
                      " WHERE name = ?1",
                      status, error, err);
}

rk_status rk_ws_connection_failure_told(rk_ws *ws, const char *name, const char *key, rk_err *err)
{
    return update_one(ws, name, "UPDATE connections SET failure_key = ?3 WHERE name = ?1", key, NULL, err);
}

rk_status rk_ws_connection_ready_sent(rk_ws *ws, const char *name, rk_err *err)
{
    return update_one(ws, name,
                      "UPDATE connections SET ready_notified_at = ?2 WHERE name = ?1",
                      NULL, NULL, err);
}

rk_status rk_ws_connection_source(rk_ws *ws, const char *name, int64_t *source_id, rk_err *err)
{
    *source_id = 0;
    rk_connection c;
    rk_err e = {0};
    rk_status st = rk_ws_connection_get(ws, name, &c, &e);
    if (st == RK_ENOTFOUND) return RK_OK;
    if (st != RK_OK) {
        *err = e;
        return st;
    }
    char *uri = rk_connection_uri(&c);
    rk_connection_free(&c);
    if (!uri) return rk_err_set(err, RK_ENOMEM, "out of memory");
    sqlite3_stmt *q;
    rk_ws_lock(ws);
    if (sqlite3_prepare_v2(rk_ws_db(ws), "SELECT id FROM sources WHERE uri = ?1", -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "reading sources");
    } else {
        sqlite3_bind_text(q, 1, uri, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW) *source_id = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    free(uri);
    return st;
}

/* Runs one statement with ?1 = text a (and ?2 = text b when not NULL). */
static int run1(sqlite3 *db, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) return SQLITE_ERROR;
    sqlite3_bind_text(q, 1, a, -1, SQLITE_TRANSIENT);
    if (b) sqlite3_bind_text(q, 2, b, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

#define SRC_REPORTS "SELECT r.id FROM reports r JOIN sources s ON s.id = r.source_id WHERE s.uri = ?1"

rk_status rk_ws_connection_remove(rk_ws *ws, const char *name, bool purge, unsigned *segments, rk_err *err)
{
    if (segments) *segments = 0;
    rk_connection c;
    RK_TRY(rk_ws_connection_get(ws, name, &c, err));
    char *uri = rk_connection_uri(&c);
    if (!uri) {
        rk_connection_free(&c);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    sqlite3 *db = rk_ws_db(ws);
    rk_status st = RK_OK;
    char **segs = NULL;
    size_t nseg = 0, segcap = 0;
    rk_ws_lock(ws);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "removing a connection");
        goto unlock;
    }
    if (purge) {
        /* Another connection reading the same folder still needs the data. */
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db,
                               "SELECT name FROM connections WHERE name <> ?1 AND bucket = ?2 AND"
                               " trim(prefix, '/') = trim(?3, '/') ORDER BY name LIMIT 1",
                               -1, &q, NULL) != SQLITE_OK) {
            st = dberr(ws, err, "removing a connection");
            goto rollback;
        }
        sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, c.bucket, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, c.prefix ? c.prefix : "", -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW)
            st = rk_err_set(err, RK_EUSAGE,
                            "connection \"%s\" also reads %s, so its data stays: remove it too, or remove \"%s\" "
                            "without --purge",
                            (const char *)sqlite3_column_text(q, 0), uri, name);
        sqlite3_finalize(q);
        if (st != RK_OK) goto rollback;
        if (sqlite3_prepare_v2(db, "SELECT d.segment FROM deliveries d WHERE d.report_id IN (" SRC_REPORTS ")", -1,
                               &q, NULL) != SQLITE_OK) {
            st = dberr(ws, err, "removing a connection");
            goto rollback;
        }
        sqlite3_bind_text(q, 1, uri, -1, SQLITE_TRANSIENT);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            if (nseg == segcap) {
                size_t nc = segcap ? segcap * 2 : 16;
                char **nv = realloc(segs, nc * sizeof *nv);
                if (!nv) {
                    st = rk_err_set(err, RK_ENOMEM, "out of memory");
                    break;
                }
                segs = nv;
                segcap = nc;
            }
            if (!(segs[nseg] = rk_strdup((const char *)sqlite3_column_text(q, 0)))) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
            nseg++;
        }
        if (st == RK_OK && rc != SQLITE_DONE) st = dberr(ws, err, "listing a connection's segments");
        sqlite3_finalize(q);
        if (st != RK_OK) goto rollback;
        static const char *const purge_sql[] = {
            "DELETE FROM problems WHERE report_id IN (" SRC_REPORTS ")",
            "DELETE FROM problems WHERE run_id IN (SELECT r.id FROM runs r JOIN sources s ON s.id = r.source_id"
            " WHERE s.uri = ?1)",
            "DELETE FROM runs WHERE source_id IN (SELECT id FROM sources WHERE uri = ?1)",
            "DELETE FROM preferences WHERE report_id IN (" SRC_REPORTS ")",
            "DELETE FROM report_periods WHERE report_id IN (" SRC_REPORTS ")",
            "DELETE FROM delivery_files WHERE delivery_id IN (SELECT id FROM deliveries WHERE report_id IN"
            " (" SRC_REPORTS "))",
            "DELETE FROM delivery_payers WHERE delivery_id IN (SELECT id FROM deliveries WHERE report_id IN"
            " (" SRC_REPORTS "))",
            "DELETE FROM deliveries WHERE report_id IN (" SRC_REPORTS ")",
            "DELETE FROM reports WHERE source_id IN (SELECT id FROM sources WHERE uri = ?1)",
            "DELETE FROM sources WHERE uri = ?1",
        };
        for (size_t i = 0; i < sizeof purge_sql / sizeof *purge_sql; i++) {
            if (run1(db, purge_sql[i], uri, NULL) != SQLITE_OK) {
                st = dberr(ws, err, "purging a connection's data");
                goto rollback;
            }
        }
    }
    if (run1(db, "DELETE FROM recipients WHERE connection = ?1", name, NULL) != SQLITE_OK ||
        run1(db, "DELETE FROM connections WHERE name = ?1", name, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "removing a connection");
        goto rollback;
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "removing a connection");
        goto rollback;
    }
    goto unlock;
rollback:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
unlock:
    rk_ws_unlock(ws);
    /* The catalog no longer refers to these files; a crash before the unlinks
     * leaves orphans that the next writer's sweep deletes. */
    for (size_t i = 0; i < nseg; i++) {
        if (st == RK_OK) {
            char p[PATH_MAX];
            rk_ws_segment_path(ws, segs[i], p, sizeof p);
            if (unlink(p) == 0 && segments) (*segments)++;
        }
        free(segs[i]);
    }
    free(segs);
    free(uri);
    rk_connection_free(&c);
    return st;
}

void rk_connection_free(rk_connection *c)
{
    if (!c) return;
    free(c->name);
    free(c->bucket);
    free(c->prefix);
    free(c->report);
    free(c->role_arn);
    free(c->external_id);
    free(c->endpoint_url);
    free(c->profile);
    free(c->region);
    free(c->last_sync_status);
    free(c->last_error);
    free(c->failure_key);
    memset(c, 0, sizeof *c);
}

void rk_connections_free(rk_connection *v, size_t n)
{
    for (size_t i = 0; i < n; i++) rk_connection_free(&v[i]);
    free(v);
}
