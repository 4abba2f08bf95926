/* ingest.h — discover a source's deliveries and load every changed one.
 *
 * For each (report, billing period) of the source: skip it when its
 * fingerprint (delivery id, file sizes and times) matches the current
 * delivery; otherwise stream its files (gzip / zip / plain CSV), convert each
 * row to typed columns plus reckon's derived measures, write a new segment,
 * check that the files did not change meanwhile, and publish it in one
 * catalog transaction. A period that fails keeps its previous delivery;
 * the others go on. Plans run on a pool of threads.
 */
#ifndef RK_INGEST_H
#define RK_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "cur/discover.h"
#include "format/gzip.h"
#include "source/source.h"
#include "store/catalog.h"

typedef enum rk_res_status {
    RK_RES_INGESTED = 0,
    RK_RES_UNCHANGED,
    RK_RES_FAILED,
    RK_RES_UNSUPPORTED,
    RK_RES_WAITING /* AWS is rewriting the report; read on a later run */
} rk_res_status;

typedef struct rk_period_result {
    char *report; /* "path/name" for people */
    const char *format;
    char *period; /* may be NULL (a failure before any period was known) */
    rk_res_status status;
    uint64_t rows;
    char *message; /* error, or a note */
    double seconds;
    rk_status code; /* why it FAILED: RK_EIO and RK_ECHANGED may pass on a retry */
} rk_period_result;

typedef struct rk_ingest_progress {
    uint64_t bytes_read;  /* compressed bytes read from the source */
    uint64_t bytes_total; /* of the plans to load */
    uint64_t rows;
    unsigned plans_done, plans_total;
} rk_ingest_progress;

typedef struct rk_ingest_opts {
    int threads; /* 0: one per core */
    rk_inflate_impl inflate;
    const char *command; /* recorded in the run */
    const char *report;  /* only this report's deliveries (and hand-dropped CSV); NULL or "": all */
    /* Called from a helper thread about 10 times a second, and once at the end. */
    void (*progress)(void *ctx, const rk_ingest_progress *p, bool final);
    void *progress_ctx;
} rk_ingest_opts;

typedef struct rk_ingest_result {
    rk_period_result *v;
    size_t n;
    rk_run_counts counts;
    rk_discovery disc; /* kept for the ignored-files listing */
    int64_t run_id;
} rk_ingest_result;

rk_status rk_ingest(rk_ws *ws, rk_source *src, const rk_ingest_opts *opts, rk_ingest_result *out, rk_err *err);
void rk_ingest_result_free(rk_ingest_result *r);
/* ingested / unchanged / failed / unsupported / waiting and the rows loaded
 * of a list of results (bytes and ignored_files are left 0). */
rk_run_counts rk_period_results_count(const rk_period_result *v, size_t n);

#endif
