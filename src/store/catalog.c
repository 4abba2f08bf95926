#include "store/catalog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/mem.h"

#define SCHEMA_VERSION "1" /* of schema_sql; migrations[] take it further */

/* Schema migrations: each step brings a catalog from the version before it
 * to `version`. Steps are appended, never edited once released, so every
 * catalog climbs the same stairs; rk_ws_open applies the missing ones in one
 * transaction. */
static const struct {
    int version;
    const char *sql;
} migrations[] = {
    /* 2: workspace settings (`reckon config`) and per-connection email recipients. */
    {2, "CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL,"
        "  updated_at INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS recipients(connection TEXT NOT NULL, address TEXT NOT NULL,"
        "  position INTEGER NOT NULL, PRIMARY KEY(connection, address));"},
    /* 3: AWS connections (`reckon connect`, `reckon sync`). */
    {3, "CREATE TABLE IF NOT EXISTS connections(name TEXT PRIMARY KEY, bucket TEXT NOT NULL,"
        "  prefix TEXT NOT NULL, report TEXT NOT NULL, role_arn TEXT, external_id TEXT NOT NULL,"
        "  endpoint_url TEXT, profile TEXT, region TEXT, created_at INTEGER NOT NULL,"
        "  updated_at INTEGER NOT NULL, last_sync_at INTEGER, last_sync_status TEXT, last_error TEXT,"
        "  ready_notified_at INTEGER, pending INTEGER NOT NULL DEFAULT 0, failure_key TEXT);"},
};
#define MIGRATIONS (sizeof migrations / sizeof *migrations)

struct rk_ws {
    char *dir;
    sqlite3 *db;
    int lockfd;
    rk_ws_mode mode;
    pthread_mutex_t mu;
};

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sources("
    "  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, uri TEXT NOT NULL UNIQUE,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS reports("
    "  id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL REFERENCES sources(id),"
    "  format TEXT NOT NULL, path TEXT NOT NULL, name TEXT NOT NULL, manifest INTEGER NOT NULL,"
    "  UNIQUE(source_id, format, path, name));"
    "CREATE TABLE IF NOT EXISTS deliveries("
    "  id INTEGER PRIMARY KEY, report_id INTEGER NOT NULL REFERENCES reports(id),"
    "  period TEXT NOT NULL, delivery_id TEXT, fingerprint TEXT NOT NULL, layout TEXT,"
    "  segment TEXT NOT NULL, rows INTEGER NOT NULL, bytes INTEGER NOT NULL,"
    "  granularity TEXT, resource_ids INTEGER NOT NULL DEFAULT 0, delivered_at INTEGER,"
    "  currency TEXT, rounded INTEGER NOT NULL DEFAULT 0,"
    "  ingested_at INTEGER NOT NULL, run_id INTEGER, state TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS deliveries_rp ON deliveries(report_id, period);"
    "CREATE TABLE IF NOT EXISTS delivery_files("
    "  delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,"
    "  key TEXT NOT NULL, size INTEGER, mtime INTEGER, etag TEXT, rows INTEGER);"
    "CREATE INDEX IF NOT EXISTS delivery_files_d ON delivery_files(delivery_id);"
    "CREATE TABLE IF NOT EXISTS delivery_payers("
    "  delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,"
    "  payer TEXT NOT NULL, rows INTEGER NOT NULL, unblended TEXT NOT NULL,"
    "  amortized TEXT NOT NULL, PRIMARY KEY(delivery_id, payer));"
    "CREATE TABLE IF NOT EXISTS report_periods("
    "  report_id INTEGER NOT NULL REFERENCES reports(id), period TEXT NOT NULL,"
    "  current INTEGER REFERENCES deliveries(id), last_status TEXT, last_error TEXT,"
    "  last_attempt INTEGER, PRIMARY KEY(report_id, period));"
    "CREATE TABLE IF NOT EXISTS preferences("
    "  payer TEXT NOT NULL, period TEXT NOT NULL, report_id INTEGER NOT NULL REFERENCES reports(id),"
    "  created_at INTEGER NOT NULL, PRIMARY KEY(payer, period));"
    "CREATE TABLE IF NOT EXISTS runs("
    "  id INTEGER PRIMARY KEY, command TEXT NOT NULL, source_id INTEGER, started_at INTEGER NOT NULL,"
    "  finished_at INTEGER, ingested INTEGER, unchanged INTEGER, failed INTEGER,"
    "  unsupported INTEGER, ignored_files INTEGER, rows INTEGER, bytes INTEGER, status TEXT);"
    "CREATE TABLE IF NOT EXISTS problems("
    "  id INTEGER PRIMARY KEY, run_id INTEGER, report_id INTEGER, period TEXT,"
    "  kind TEXT NOT NULL, message TEXT NOT NULL, at INTEGER NOT NULL);";

int64_t rk_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void rk_ws_crash_point(const char *step)
{
    const char *at = getenv("RECKON_CRASH_AT");
    if (at && strcmp(at, step) == 0) raise(SIGKILL);
}

static rk_status dberr(rk_ws *ws, rk_err *err, const char *what)
{
    return rk_err_set(err, RK_EIO, "catalog %s/catalog.db: %s: %s", ws->dir, what, sqlite3_errmsg(ws->db));
}

static rk_status exec(rk_ws *ws, const char *sql, rk_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(ws->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        rk_status st = rk_err_set(err, RK_EIO, "catalog %s/catalog.db: %s", ws->dir, msg ? msg : "error");
        sqlite3_free(msg);
        return st;
    }
    return RK_OK;
}

static rk_status mkdir_p(const char *path, rk_err *err)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return rk_err_set(err, RK_EIO, "cannot create folder %s: %s", tmp, strerror(errno));
            *p = '/';
        }
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return rk_err_set(err, RK_EIO, "cannot create folder %s: %s", tmp, strerror(errno));
    return RK_OK;
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Deletes segment files no current delivery refers to (left by a crash). */
static void collect_garbage(rk_ws *ws)
{
    char segdir[PATH_MAX];
    snprintf(segdir, sizeof segdir, "%s/segments", ws->dir);
    DIR *d = opendir(segdir);
    if (!d) return;
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(ws->db, "SELECT 1 FROM deliveries WHERE segment = ?1 AND state = 'current'", -1, &q, NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        bool keep = false;
        if (q) {
            sqlite3_bind_text(q, 1, e->d_name, -1, SQLITE_TRANSIENT);
            keep = sqlite3_step(q) == SQLITE_ROW;
            sqlite3_reset(q);
        }
        if (!keep) {
            char p[PATH_MAX + 300];
            snprintf(p, sizeof p, "%s/%s", segdir, e->d_name);
            unlink(p);
        }
    }
    sqlite3_finalize(q);
    closedir(d);
}

static int latest_version(void) { return MIGRATIONS ? migrations[MIGRATIONS - 1].version : atoi(SCHEMA_VERSION); }

static rk_status read_version(rk_ws *ws, int *version, rk_err *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(ws->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &q, NULL) != SQLITE_OK)
        return dberr(ws, err, "reading the schema version");
    *version = 0;
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(q, 0);
        *version = v ? atoi(v) : 0;
    }
    sqlite3_finalize(q);
    return RK_OK;
}

/* Refuses a catalog written by a newer reckon and upgrades an older one. Runs
 * in READ mode too (readers such as `reckon config` need the new tables); the
 * version is read again inside BEGIN IMMEDIATE so two processes upgrading at
 * once apply each step once. */
static rk_status migrate(rk_ws *ws, rk_err *err)
{
    int v, latest = latest_version();
    RK_TRY(read_version(ws, &v, err));
    if (v > latest)
        return rk_err_set(err, RK_EUNSUPPORTED, "workspace %s has catalog version %d; this reckon reads up to version %d",
                          ws->dir, v, latest);
    if (v == latest || v == 0) return RK_OK; /* 0: no meta row, not a catalog this code wrote */
    /* A write-protected workspace stays readable; only the newer tables are missing. */
    if (ws->mode == RK_WS_READ && sqlite3_db_readonly(ws->db, "main") == 1) return RK_OK;
    RK_TRY(exec(ws, "BEGIN IMMEDIATE", err));
    rk_status st = read_version(ws, &v, err);
    for (size_t i = 0; st == RK_OK && i < MIGRATIONS; i++) {
        if (migrations[i].version <= v) continue;
        char sql[128];
        if ((st = exec(ws, migrations[i].sql, err)) != RK_OK) break;
        snprintf(sql, sizeof sql, "UPDATE meta SET value = '%d' WHERE key = 'schema_version'", migrations[i].version);
        st = exec(ws, sql, err);
    }
    if (st == RK_OK) st = exec(ws, "COMMIT", err);
    if (st != RK_OK) {
        sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
        rk_err_prefix(err, "upgrading the catalog of workspace %s: ", ws->dir);
    }
    return st;
}

rk_status rk_ws_open(const char *dir, rk_ws_mode mode, rk_ws **out, rk_err *err)
{
    rk_ws *ws = calloc(1, sizeof *ws);
    if (!ws) return rk_err_set(err, RK_ENOMEM, "out of memory");
    ws->dir = rk_strdup(dir);
    ws->lockfd = -1;
    ws->mode = mode;
    pthread_mutex_init(&ws->mu, NULL);
    char path[PATH_MAX];
    rk_status st = RK_OK;
    struct stat sb;
    snprintf(path, sizeof path, "%s/catalog.db", dir);
    if (mode == RK_WS_READ && stat(path, &sb) != 0) {
        st = rk_err_set(err, RK_ENOTFOUND,
                        "no reckon workspace at %s (no catalog.db); run `reckon ingest PATH` first, or "
                        "choose the workspace with --data DIR or RECKON_DATA",
                        dir);
        goto fail;
    }
    if (mode == RK_WS_WRITE) {
        char seg[PATH_MAX];
        snprintf(seg, sizeof seg, "%s/segments", dir);
        if ((st = mkdir_p(seg, err)) != RK_OK) goto fail;
        snprintf(path, sizeof path, "%s/lock", dir);
        ws->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (ws->lockfd < 0) {
            st = rk_err_set(err, RK_EIO, "cannot open %s: %s", path, strerror(errno));
            goto fail;
        }
        if (flock(ws->lockfd, LOCK_EX | LOCK_NB) != 0) {
            char pid[32] = "";
            ssize_t n = pread(ws->lockfd, pid, sizeof pid - 1, 0);
            if (n > 0) pid[n] = 0;
            st = rk_err_set(err, RK_EUSAGE,
                            "another reckon process (pid %s) is writing to workspace %s; wait for it "
                            "to finish",
                            *pid ? pid : "?", dir);
            goto fail;
        }
        char pid[32];
        int pl = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        if (ftruncate(ws->lockfd, 0) == 0 && pwrite(ws->lockfd, pid, (size_t)pl, 0) < 0) { /* advisory only */
        }
        snprintf(path, sizeof path, "%s/catalog.db", dir);
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (mode == RK_WS_WRITE ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &ws->db, flags, NULL) != SQLITE_OK) {
        st = rk_err_set(err, RK_EIO, "cannot open catalog %s: %s", path,
                        ws->db ? sqlite3_errmsg(ws->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(ws->db, 10000);
    if ((st = exec(ws, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err)) != RK_OK)
        goto fail;
    if (mode == RK_WS_WRITE) {
        if ((st = exec(ws, schema_sql, err)) != RK_OK) goto fail;
        if ((st = exec(ws, "INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '" SCHEMA_VERSION "')", err)) != RK_OK)
            goto fail;
        collect_garbage(ws);
    }
    if ((st = migrate(ws, err)) != RK_OK) goto fail;
    *out = ws;
    return RK_OK;
fail:
    rk_ws_close(ws);
    return st;
}

void rk_ws_close(rk_ws *ws)
{
    if (!ws) return;
    if (ws->db) sqlite3_close(ws->db);
    if (ws->lockfd >= 0) close(ws->lockfd);
    pthread_mutex_destroy(&ws->mu);
    free(ws->dir);
    free(ws);
}

const char *rk_ws_dir(const rk_ws *ws) { return ws->dir; }
sqlite3 *rk_ws_db(rk_ws *ws) { return ws->db; }
void rk_ws_lock(rk_ws *ws) { pthread_mutex_lock(&ws->mu); }
void rk_ws_unlock(rk_ws *ws) { pthread_mutex_unlock(&ws->mu); }

static rk_status upsert_id(rk_ws *ws, const char *insert_sql, const char *select_sql, const char *const *args,
                           int nargs, int64_t *id, rk_err *err)
{
    sqlite3_stmt *q = NULL;
    rk_status st = RK_OK;
    const char *sqls[2] = {insert_sql, select_sql};
    for (int k = 0; k < 2; k++) {
        if (sqlite3_prepare_v2(ws->db, sqls[k], -1, &q, NULL) != SQLITE_OK) return dberr(ws, err, "prepare");
        for (int i = 0; i < nargs; i++) sqlite3_bind_text(q, i + 1, args[i], -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(q);
        if (k == 1) {
            if (rc == SQLITE_ROW) *id = sqlite3_column_int64(q, 0);
            else st = dberr(ws, err, "lookup");
        } else if (rc != SQLITE_DONE) {
            st = dberr(ws, err, "insert");
        }
        sqlite3_finalize(q);
        if (st != RK_OK) return st;
    }
    return RK_OK;
}

rk_status rk_ws_source(rk_ws *ws, const char *kind, const char *uri, int64_t *id, rk_err *err)
{
    char now[32];
    snprintf(now, sizeof now, "%lld", (long long)rk_now_ms());
    const char *args[3] = {kind, uri, now};
    rk_ws_lock(ws);
    rk_status st = upsert_id(ws, "INSERT OR IGNORE INTO sources(kind, uri, created_at) VALUES(?1, ?2, ?3)",
                             "SELECT id FROM sources WHERE uri = ?2 AND ?1 = ?1 AND ?3 = ?3", args, 3, id, err);
    rk_ws_unlock(ws);
    return st;
}

rk_status rk_ws_report(rk_ws *ws, int64_t source_id, const rk_report_ref *r, int64_t *id, rk_err *err)
{
    char sid[32];
    snprintf(sid, sizeof sid, "%lld", (long long)source_id);
    const char *args[5] = {sid, r->format, r->path, r->name, r->manifest ? "1" : "0"};
    rk_ws_lock(ws);
    rk_status st = upsert_id(
        ws, "INSERT OR IGNORE INTO reports(source_id, format, path, name, manifest) VALUES(?1, ?2, ?3, ?4, ?5)",
        "SELECT id FROM reports WHERE source_id = ?1 AND format = ?2 AND path = ?3 AND name = ?4 AND ?5 = ?5",
        args, 5, id, err);
    rk_ws_unlock(ws);
    return st;
}

rk_status rk_ws_run_begin(rk_ws *ws, const char *command, int64_t source_id, int64_t *run_id, rk_err *err)
{
    rk_ws_lock(ws);
    sqlite3_stmt *q;
    rk_status st = RK_OK;
    if (sqlite3_prepare_v2(ws->db, "INSERT INTO runs(command, source_id, started_at, status) VALUES(?1, ?2, ?3, 'running')",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "prepare");
    } else {
        sqlite3_bind_text(q, 1, command, -1, SQLITE_TRANSIENT);
        if (source_id > 0) sqlite3_bind_int64(q, 2, source_id);
        sqlite3_bind_int64(q, 3, rk_now_ms());
        if (sqlite3_step(q) != SQLITE_DONE) st = dberr(ws, err, "recording the run");
        *run_id = sqlite3_last_insert_rowid(ws->db);
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    return st;
}

rk_status rk_ws_run_end(rk_ws *ws, int64_t run_id, const rk_run_counts *c, const char *status, rk_err *err)
{
    rk_ws_lock(ws);
    sqlite3_stmt *q;
    rk_status st = RK_OK;
    if (sqlite3_prepare_v2(ws->db,
                           "UPDATE runs SET finished_at=?2, ingested=?3, unchanged=?4, failed=?5, unsupported=?6,"
                           " ignored_files=?7, rows=?8, bytes=?9, status=?10 WHERE id=?1",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "prepare");
    } else {
        sqlite3_bind_int64(q, 1, run_id);
        sqlite3_bind_int64(q, 2, rk_now_ms());
        sqlite3_bind_int(q, 3, (int)c->ingested);
        sqlite3_bind_int(q, 4, (int)c->unchanged);
        sqlite3_bind_int(q, 5, (int)c->failed);
        sqlite3_bind_int(q, 6, (int)c->unsupported);
        sqlite3_bind_int(q, 7, (int)c->ignored_files);
        sqlite3_bind_int64(q, 8, (int64_t)c->rows);
        sqlite3_bind_int64(q, 9, (int64_t)c->bytes);
        sqlite3_bind_text(q, 10, status, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) != SQLITE_DONE) st = dberr(ws, err, "finishing the run");
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    return st;
}

rk_status rk_ws_problem(rk_ws *ws, int64_t run_id, int64_t report_id, const char *period, const char *kind,
                        const char *message, rk_err *err)
{
    rk_ws_lock(ws);
    sqlite3_stmt *q;
    rk_status st = RK_OK;
    if (sqlite3_prepare_v2(ws->db,
                           "INSERT INTO problems(run_id, report_id, period, kind, message, at) VALUES(?1,?2,?3,?4,?5,?6)",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "prepare");
    } else {
        sqlite3_bind_int64(q, 1, run_id);
        if (report_id > 0) sqlite3_bind_int64(q, 2, report_id);
        if (period) sqlite3_bind_text(q, 3, period, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 4, kind, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 5, message, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 6, rk_now_ms());
        if (sqlite3_step(q) != SQLITE_DONE) st = dberr(ws, err, "recording a problem");
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    return st;
}

bool rk_ws_is_current(rk_ws *ws, int64_t report_id, const char *period, const char *fingerprint)
{
    rk_ws_lock(ws);
    sqlite3_stmt *q;
    bool yes = false;
    const char *sql =
        period ? "SELECT COUNT(*), SUM(d.fingerprint = ?3) FROM report_periods rp JOIN deliveries d ON d.id = rp.current"
                 " WHERE rp.report_id = ?1 AND rp.period = ?2"
               : "SELECT COUNT(*), SUM(d.fingerprint = ?3) FROM report_periods rp JOIN deliveries d ON d.id = rp.current"
                 " WHERE rp.report_id = ?1 AND ?2 IS NULL";
    if (sqlite3_prepare_v2(ws->db, sql, -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, report_id);
        if (period) sqlite3_bind_text(q, 2, period, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, fingerprint, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW) {
            int64_t n = sqlite3_column_int64(q, 0), same = sqlite3_column_int64(q, 1);
            yes = n > 0 && n == same;
        }
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    return yes;
}

rk_status rk_ws_report_periods(rk_ws *ws, int64_t report_id, char ***periods, size_t *n, rk_err *err)
{
    *periods = NULL;
    *n = 0;
    size_t cap = 0;
    rk_ws_lock(ws);
    sqlite3_stmt *q;
    rk_status st = RK_OK;
    if (sqlite3_prepare_v2(ws->db, "SELECT period FROM report_periods WHERE report_id = ?1 AND current IS NOT NULL ORDER BY period",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "prepare");
    } else {
        sqlite3_bind_int64(q, 1, report_id);
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (RK_GROW(*periods, cap, *n + 1) != RK_OK) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
            (*periods)[(*n)++] = rk_strdup((const char *)sqlite3_column_text(q, 0));
        }
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    return st;
}

rk_status rk_ws_segment_paths(rk_ws *ws, char *tmp, size_t tmpcap, char *name, size_t namecap, rk_err *err)
{
    uint8_t rnd[12];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return rk_err_set(err, RK_EIO, "no randomness for a segment name: %s", strerror(errno));
    char hex[25];
    for (size_t i = 0; i < sizeof rnd; i++) snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    snprintf(name, namecap, "%s.rks", hex);
    snprintf(tmp, tmpcap, "%s/segments/.%s.rks.tmp", ws->dir, hex);
    return RK_OK;
}

void rk_ws_segment_path(const rk_ws *ws, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/segments/%s", ws->dir, name);
}

static rk_status step_done(rk_ws *ws, sqlite3_stmt *q, rk_err *err, const char *what)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? RK_OK : dberr(ws, err, what);
}

rk_status rk_ws_publish(rk_ws *ws, const char *tmp, const char *name, const rk_delivery_info *d, rk_err *err)
{
    char final[PATH_MAX], segdir[PATH_MAX];
    rk_ws_segment_path(ws, name, final, sizeof final);
    snprintf(segdir, sizeof segdir, "%s/segments", ws->dir);
    rk_ws_crash_point("before-rename");
    if (rename(tmp, final) != 0) {
        rk_status st = rk_err_set(err, RK_EIO, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
        unlink(tmp);
        return st;
    }
    fsync_dir(segdir);
    rk_ws_crash_point("before-commit");

    rk_ws_lock(ws);
    rk_status st = RK_OK;
    sqlite3_stmt *q = NULL;
    char *old_segment = NULL;
    if ((st = exec(ws, "BEGIN IMMEDIATE", err)) != RK_OK) goto out;
    if (sqlite3_prepare_v2(ws->db,
                           "INSERT INTO deliveries(report_id, period, delivery_id, fingerprint, layout, segment, rows,"
                           " bytes, granularity, resource_ids, delivered_at, currency, rounded, ingested_at, run_id,"
                           " state) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,'current')",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "prepare");
        goto rollback;
    }
    sqlite3_bind_int64(q, 1, d->report_id);
    sqlite3_bind_text(q, 2, d->period, -1, SQLITE_TRANSIENT);
    if (d->delivery_id) sqlite3_bind_text(q, 3, d->delivery_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, d->fingerprint, -1, SQLITE_TRANSIENT);
    if (d->layout) sqlite3_bind_text(q, 5, d->layout, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 6, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 7, (int64_t)d->rows);
    sqlite3_bind_int64(q, 8, (int64_t)d->bytes);
    if (d->granularity) sqlite3_bind_text(q, 9, d->granularity, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 10, d->resource_ids);
    sqlite3_bind_int64(q, 11, d->delivered_at);
    if (d->currency) sqlite3_bind_text(q, 12, d->currency, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 13, (int64_t)d->rounded);
    sqlite3_bind_int64(q, 14, rk_now_ms());
    sqlite3_bind_int64(q, 15, d->run_id);
    if ((st = step_done(ws, q, err, "recording the delivery")) != RK_OK) goto rollback;
    sqlite3_finalize(q);
    q = NULL;
    int64_t did = sqlite3_last_insert_rowid(ws->db);

    if (sqlite3_prepare_v2(ws->db, "INSERT INTO delivery_files(delivery_id, key, size, mtime, etag, rows) VALUES(?1,?2,?3,?4,?5,?6)",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "prepare");
        goto rollback;
    }
    for (size_t i = 0; i < d->nfiles; i++) {
        sqlite3_bind_int64(q, 1, did);
        sqlite3_bind_text(q, 2, d->files[i].key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 3, (int64_t)d->files[i].size);
        sqlite3_bind_int64(q, 4, d->files[i].mtime_ms);
        if (d->files[i].etag) sqlite3_bind_text(q, 5, d->files[i].etag, -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(q, 5);
        sqlite3_bind_int64(q, 6, (int64_t)d->files[i].rows);
        if ((st = step_done(ws, q, err, "recording files")) != RK_OK) goto rollback;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(ws->db, "INSERT INTO delivery_payers(delivery_id, payer, rows, unblended, amortized) VALUES(?1,?2,?3,?4,?5)",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "prepare");
        goto rollback;
    }
    for (size_t i = 0; i < d->npayers; i++) {
        sqlite3_bind_int64(q, 1, did);
        sqlite3_bind_text(q, 2, d->payers[i].payer, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 3, (int64_t)d->payers[i].rows);
        sqlite3_bind_text(q, 4, d->payers[i].unblended, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 5, d->payers[i].amortized, -1, SQLITE_TRANSIENT);
        if ((st = step_done(ws, q, err, "recording payers")) != RK_OK) goto rollback;
    }
    sqlite3_finalize(q);
    q = NULL;
    /* The old current delivery of this report and period, if any. */
    if (sqlite3_prepare_v2(ws->db,
                           "SELECT d.segment FROM report_periods rp JOIN deliveries d ON d.id = rp.current"
                           " WHERE rp.report_id = ?1 AND rp.period = ?2",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "prepare");
        goto rollback;
    }
    sqlite3_bind_int64(q, 1, d->report_id);
    sqlite3_bind_text(q, 2, d->period, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q) == SQLITE_ROW) old_segment = rk_strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(ws->db,
                           "UPDATE deliveries SET state = 'replaced' WHERE id = (SELECT current FROM report_periods"
                           " WHERE report_id = ?1 AND period = ?2)",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "prepare");
        goto rollback;
    }
    sqlite3_bind_int64(q, 1, d->report_id);
    sqlite3_bind_text(q, 2, d->period, -1, SQLITE_TRANSIENT);
    if ((st = step_done(ws, q, err, "replacing the old delivery")) != RK_OK) goto rollback;
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(ws->db,
                           "INSERT INTO report_periods(report_id, period, current, last_status, last_error, last_attempt)"
                           " VALUES(?1, ?2, ?3, 'ok', NULL, ?4) ON CONFLICT(report_id, period) DO UPDATE SET"
                           " current = excluded.current, last_status = 'ok', last_error = NULL,"
                           " last_attempt = excluded.last_attempt",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "prepare");
        goto rollback;
    }
    sqlite3_bind_int64(q, 1, d->report_id);
    sqlite3_bind_text(q, 2, d->period, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 3, did);
    sqlite3_bind_int64(q, 4, rk_now_ms());
    if ((st = step_done(ws, q, err, "switching the period")) != RK_OK) goto rollback;
    sqlite3_finalize(q);
    q = NULL;
    if ((st = exec(ws, "COMMIT", err)) != RK_OK) goto rollback;
    rk_ws_crash_point("after-commit");
    if (old_segment) {
        char oldp[PATH_MAX];
        rk_ws_segment_path(ws, old_segment, oldp, sizeof oldp);
        unlink(oldp);
    }
    goto out;
rollback:
    if (q) sqlite3_finalize(q);
    q = NULL;
    sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
    unlink(final);
out:
    free(old_segment);
    rk_ws_unlock(ws);
    return st;
}

rk_status rk_ws_period_status(rk_ws *ws, int64_t report_id, const char *period, const char *status,
                              const char *message, int64_t run_id, rk_err *err)
{
    (void)run_id;
    rk_ws_lock(ws);
    sqlite3_stmt *q;
    rk_status st = RK_OK;
    if (sqlite3_prepare_v2(ws->db,
                           "INSERT INTO report_periods(report_id, period, current, last_status, last_error, last_attempt)"
                           " VALUES(?1, ?2, NULL, ?3, ?4, ?5) ON CONFLICT(report_id, period) DO UPDATE SET"
                           " last_status = excluded.last_status, last_error = excluded.last_error,"
                           " last_attempt = excluded.last_attempt",
                           -1, &q, NULL) != SQLITE_OK) {
        st = dberr(ws, err, "prepare");
    } else {
        sqlite3_bind_int64(q, 1, report_id);
        sqlite3_bind_text(q, 2, period ? period : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, status, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 4, message, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 5, rk_now_ms());
        if (sqlite3_step(q) != SQLITE_DONE) st = dberr(ws, err, "recording the period status");
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    return st;
}
