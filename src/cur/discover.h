/* discover.h — which deliveries a bucket (or its local mirror) holds.
 *
 * Given the listing of a source, finds every report and billing period and
 * decides, by the rules of cur-format.md §a–c and §h, exactly which objects
 * make up the current delivery of each:
 *   legacy CUR     the period-level manifest names the current assembly (or,
 *                  in overwrite mode, the parts); only its reportKeys are read
 *   CUR 2.0        data/BILLING_PERIOD=YYYY-MM with the metadata manifest
 *                  (the newest execution when several are kept)
 *   Athena Parquet <report>/<report>/year=YYYY/month=M/ *.parquet files
 *   plain CSV      files no manifest governs, grouped by folder; their
 *                  billing period comes from the rows
 * Objects that belong to no current delivery (stale parts, older assemblies,
 * Athena/Redshift artifacts) are listed as ignored with the reason.
 */
#ifndef RK_DISCOVER_H
#define RK_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "source/source.h"

typedef enum rk_fmt {
    RK_FMT_LEGACY_CSV = 0,
    RK_FMT_CUR2_CSV,
    RK_FMT_ATHENA_PARQUET,
    RK_FMT_CUR2_PARQUET,
    RK_FMT_LEGACY_PARQUET,
    RK_FMT_CSV /* CSV files without a manifest */
} rk_fmt;

const char *rk_fmt_name(rk_fmt f);

/* WAITING: AWS is rewriting the report (Athena's cost_and_usage_data_status
 * says UPDATING); a changed period is read on a later run. */
typedef enum rk_plan_status { RK_PLAN_OK = 0, RK_PLAN_UNSUPPORTED, RK_PLAN_ERROR, RK_PLAN_WAITING } rk_plan_status;

typedef struct rk_plan {
    rk_fmt fmt;
    bool manifest;     /* an AWS delivery with a manifest */
    char *report_path; /* folder of the report in the source ("" = root) */
    char *report_name;
    char *period;      /* YYYY-MM; NULL for plain CSV (taken from the rows) */
    char *delivery_id; /* assemblyId / executionId; may be NULL */
    const char *layout;
    rk_object manifest_obj; /* key NULL when there is none */
    rk_object *files;
    size_t nfiles;
    rk_plan_status status;
    char *message; /* why UNSUPPORTED or ERROR */
    char fingerprint[33];
} rk_plan;

typedef struct rk_ignored {
    char *key;
    const char *why;
} rk_ignored;

typedef struct rk_discovery {
    rk_plan *plans;
    size_t nplans;
    rk_ignored *ignored;
    size_t nignored;
} rk_discovery;

/* objs must be sorted by key (rk_source_list does). Manifests are read
 * through src. A bad manifest makes an ERROR plan, not a failed call. */
rk_status rk_discover(rk_source *src, const rk_object *objs, size_t n, rk_discovery *out, rk_err *err);
void rk_discovery_free(rk_discovery *d);

/* Keeps only the deliveries of the report (or export) named `report`, and
 * the CSV files no manifest governs (dropped in by hand, they belong to no
 * report); the files of the others are listed as ignored. */
rk_status rk_discovery_keep_report(rk_discovery *d, const char *report, rk_err *err);

/* "YYYY-MM" from a time in ms. out needs 8 bytes. */
void rk_period_of(int64_t ms, char *out);

#endif
