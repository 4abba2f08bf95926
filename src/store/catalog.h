/* catalog.h — the workspace: an SQLite catalog (WAL) beside immutable segments.
 *
 * Layout of a workspace folder (default ./reckon-data):
 *   catalog.db (+ -wal, -shm)   sources, reports, deliveries, files, payers,
 *                               report periods, preferences, runs, problems
 *   segments/<name>.rks         one immutable columnar file per delivery
 *   lock                        held (flock) by the one writer at a time
 *
 * Publishing a delivery: the segment is written under a temporary name,
 * fsynced, renamed into place, the folder fsynced, and then ONE catalog
 * transaction records it and makes it the current delivery of its report
 * and period. A crash before the commit leaves an unreferenced file, which
 * the next writer deletes; a crash after it leaves the old file, likewise.
 * Readers see the old delivery or the new one, never a mix.
 *
 * All functions are safe to call from several threads (one mutex).
 */
#ifndef RK_CATALOG_H
#define RK_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef struct rk_ws rk_ws;
typedef struct sqlite3 sqlite3;

typedef enum { RK_WS_READ = 0, RK_WS_WRITE = 1 } rk_ws_mode;

/* READ needs an existing workspace; WRITE creates one and takes the lock. */
rk_status rk_ws_open(const char *dir, rk_ws_mode mode, rk_ws **out, rk_err *err);
void rk_ws_close(rk_ws *ws);
const char *rk_ws_dir(const rk_ws *ws);
/* The catalog connection, for store/ modules; lock with rk_ws_lock. */
sqlite3 *rk_ws_db(rk_ws *ws);
void rk_ws_lock(rk_ws *ws);
void rk_ws_unlock(rk_ws *ws);
int64_t rk_now_ms(void);

rk_status rk_ws_source(rk_ws *ws, const char *kind, const char *uri, int64_t *id, rk_err *err);

typedef struct rk_report_ref {
    const char *format; /* legacy-csv, cur2-csv, athena-parquet, cur2-parquet, csv */
    const char *path;   /* folder of the report inside the source ("" = its root) */
    const char *name;
    bool manifest; /* AWS delivery with a manifest */
} rk_report_ref;

rk_status rk_ws_report(rk_ws *ws, int64_t source_id, const rk_report_ref *r, int64_t *id, rk_err *err);

rk_status rk_ws_run_begin(rk_ws *ws, const char *command, int64_t source_id, int64_t *run_id, rk_err *err);
typedef struct rk_run_counts {
    unsigned ingested, unchanged, failed, unsupported, waiting, ignored_files;
    uint64_t rows, bytes;
} rk_run_counts;
rk_status rk_ws_run_end(rk_ws *ws, int64_t run_id, const rk_run_counts *c, const char *status, rk_err *err);
/* Records a problem of a run (period may be NULL). */
rk_status rk_ws_problem(rk_ws *ws, int64_t run_id, int64_t report_id, const char *period,
                        const char *kind, const char *message, rk_err *err);

/* True when `fingerprint` is the current delivery of (report, period), or,
 * with period NULL, of every current period of the report (and it has one). */
bool rk_ws_is_current(rk_ws *ws, int64_t report_id, const char *period, const char *fingerprint);

/* The periods that have a current delivery for a report (caller frees each
 * string and the array). */
rk_status rk_ws_report_periods(rk_ws *ws, int64_t report_id, char ***periods, size_t *n, rk_err *err);

/* A fresh temporary path for a segment being written, and its final name. */
rk_status rk_ws_segment_paths(rk_ws *ws, char *tmp, size_t tmpcap, char *name, size_t namecap, rk_err *err);
/* Absolute path of a segment by name. out needs PATH_MAX. */
void rk_ws_segment_path(const rk_ws *ws, const char *name, char *out, size_t cap);

typedef struct rk_file_info {
    const char *key;
    uint64_t size;
    int64_t mtime_ms;
    const char *etag;
    uint64_t rows;
} rk_file_info;

typedef struct rk_payer_info {
    const char *payer;
    uint64_t rows;
    const char *unblended; /* exact decimal text */
    const char *amortized;
} rk_payer_info;

typedef struct rk_delivery_info {
    int64_t report_id;
    const char *period; /* YYYY-MM */
    const char *delivery_id;
    const char *fingerprint;
    const char *layout;
    uint64_t rows, bytes;
    const char *granularity; /* hourly, daily, monthly */
    bool resource_ids;
    int64_t delivered_at; /* newest data file time, ms */
    const char *currency;
    int64_t run_id;
    const rk_file_info *files;
    size_t nfiles;
    const rk_payer_info *payers;
    size_t npayers;
    uint64_t rounded; /* values rounded beyond 18 decimals */
} rk_delivery_info;

/* Renames tmp into place and makes it current in one transaction. On failure
 * the tmp file is removed and the previous delivery stays current. */
rk_status rk_ws_publish(rk_ws *ws, const char *tmp, const char *name, const rk_delivery_info *d, rk_err *err);

/* Records that (report, period) could not be ingested; its current delivery
 * (if any) stays. status: "failed" or "unsupported". */
rk_status rk_ws_period_status(rk_ws *ws, int64_t report_id, const char *period, const char *status,
                              const char *message, int64_t run_id, rk_err *err);

/* Test hook: when RECKON_CRASH_AT names a step ("before-rename",
 * "before-commit", "after-commit"), the process kills itself there. */
void rk_ws_crash_point(const char *step);

#endif
