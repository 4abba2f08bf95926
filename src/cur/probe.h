/* probe.h — what a delivery's data says about its report's settings.
 *
 * `reckon connect aws` checks a report's definition from what AWS delivered:
 * it reads a small sample of the first data file of one delivery (a plan of
 * cur/discover.h) and tells
 *   - the columns present, and whether the resource ID column is one of them
 *     (AWS adds lineItem/ResourceId only to reports that include resource
 *     IDs; CUR 2.0 always has the column and leaves it empty instead);
 *   - whether resource IDs are non-empty in the sample;
 *   - the row granularity: the smallest usage interval among usage rows
 *     (Usage, DiscountedUsage, SavingsPlanCoveredUsage), from
 *     identity/TimeInterval when present, else UsageStartDate/UsageEndDate.
 *     Rows that ignore the granularity (RIFee, Tax, Fee, … cur-format.md
 *     §a.6) are left out, and so are zero-length intervals. ≤ 1 hour is
 *     hourly, ≤ 1 day daily, longer monthly.
 *
 * Memory is bounded whatever the file: CSV (plain, .gz, .zip: its first
 * member) is streamed and reading stops after the sample; Parquet reads the
 * footer and, of the first row group, only the five columns above, at most
 * RK_PROBE_MAX_ROWS rows of each. Column names are matched after
 * normalization (cur/colname.h), so legacy, Athena and CUR 2.0 spellings
 * are the same column.
 *
 * Bad data is an error naming the file (and the line or column), never a
 * crash. Ownership: rk_probe holds one string, freed by rk_probe_free.
 */
#ifndef RK_PROBE_H
#define RK_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cur/discover.h"
#include "source/source.h"

#define RK_PROBE_ROWS 2000       /* the sample, by default */
#define RK_PROBE_MAX_ROWS 20000  /* read on while no usage row or no resource ID was seen */

typedef enum rk_gran { RK_GRAN_UNKNOWN = 0, RK_GRAN_HOURLY, RK_GRAN_DAILY, RK_GRAN_MONTHLY } rk_gran;

/* "hourly", "daily", "monthly" or "unknown". */
const char *rk_gran_name(rk_gran g);
/* The granularity a smallest usage interval (ms) shows; INT64_MAX: unknown. */
rk_gran rk_gran_of(int64_t min_interval_ms);

typedef struct rk_probe {
    char *file;              /* the key sampled (relative to the source) */
    bool parquet;
    size_t ncols;            /* columns in the file (Parquet: leaves) */
    bool has_resource_col;   /* line_item_resource_id is a column */
    bool has_type_col;       /* line_item_line_item_type */
    bool has_interval_col;   /* identity_time_interval */
    bool has_usage_dates;    /* line_item_usage_start_date and _end_date */
    uint64_t rows;           /* rows sampled */
    uint64_t usage_rows;     /* usage rows with a non-empty interval */
    uint64_t resource_rows;  /* rows with a non-empty resource ID */
    int64_t min_interval_ms; /* INT64_MAX when no usage row had an interval */
    rk_gran granularity;
} rk_probe;

/* Samples the first data file of plan (which must list one). rows: the
 * sample size (0: RK_PROBE_ROWS); reading goes on up to RK_PROBE_MAX_ROWS
 * while the sample has no usage row or no resource ID yet, and stops at the
 * end of the file. */
rk_status rk_probe_plan(rk_source *src, const rk_plan *plan, size_t rows, rk_probe *out, rk_err *err);
/* The same for one object of the source (its size is needed for Parquet). */
rk_status rk_probe_file(rk_source *src, const rk_object *obj, size_t rows, rk_probe *out, rk_err *err);
void rk_probe_free(rk_probe *p);

#endif
