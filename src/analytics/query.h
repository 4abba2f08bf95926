/* query.h — cost reports over the store: time range, filters, group-by on any
 * dimension or tag, hourly/daily/monthly/total buckets, exact sums.
 *
 * The same function answers `reckon report cost`, the dashboard's API and,
 * later, the MSP reports. It reads only the deliveries the selection rule
 * chose (store/select.h), so two reports of one month are never summed.
 * Amounts are summed as 128-bit integers at 10^-18: exact, in any order.
 */
#ifndef RK_QUERY_H
#define RK_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dec.h"
#include "store/catalog.h"
#include "store/segment.h"

#define RK_Q_MAXSUMS 48

typedef struct rk_dim {
    char *label; /* as the user wrote it: "account", "tag:team" */
    char *col;   /* the stored column */
} rk_dim;

/* "account", "service", "tag:user:Team", "cost-category:Charge type",
 * "product:instanceType", "column:line_item_operation"… */
rk_status rk_dim_parse(const char *spec, rk_dim *out, rk_err *err);
void rk_dim_free(rk_dim *d);
/* The list of dimension names, for --help. */
extern const char *const rk_dim_names[];

typedef enum { RK_GRAN_TOTAL = 0, RK_GRAN_HOURLY, RK_GRAN_DAILY, RK_GRAN_MONTHLY } rk_gran;
rk_status rk_gran_parse(const char *s, rk_gran *out, rk_err *err);
/* A bucket's label: "2025-03-01T05:00:00Z", "2025-03-01", "2025-03", or "" (total). */
void rk_gran_label(rk_gran g, int64_t t, char *out);

typedef enum {
    RK_M_UNBLENDED = 0,
    RK_M_BLENDED,
    RK_M_NET_UNBLENDED,
    RK_M_AMORTIZED,
    RK_M_NET_AMORTIZED,
    RK_M_ONDEMAND,
    RK_M_TRUEUP,
    RK_M_UPFRONT,
    RK_M_COUNT
} rk_metric;
rk_status rk_metric_parse(const char *s, rk_metric *out, rk_err *err);
const char *rk_metric_name(rk_metric m);

typedef struct rk_filter {
    rk_dim dim;
    char **values; /* any of them; "" matches an empty value */
    size_t nvalues;
} rk_filter;

typedef struct rk_query {
    bool has_from, has_to;
    int64_t from, to; /* ms, to exclusive */
    rk_gran gran;
    rk_dim *group;
    size_t ngroup;
    rk_filter *filters;
    size_t nfilters;
    rk_metric metrics[RK_M_COUNT];
    size_t nmetrics;
    /* Instead of metrics: sums of these decimal columns, by name (the
     * commitment reports sum rollup columns this way). */
    const char *const *sums;
    size_t nsums;
    rk_seg_table table; /* RK_SEG_ROWS (zero, the default) or RK_SEG_ROLLUP */
    int threads;        /* 0: one per core */
    int64_t source_id;  /* 0: every source; else only what that source's deliveries answer for */
} rk_query;

typedef struct rk_qrow {
    int64_t t;     /* bucket start (0 for total) */
    char **keys;   /* ngroup values */
    char *currency;
    rk_i128 *vals; /* nmetrics (or nsums) values, scale 18 */
} rk_qrow;

typedef struct rk_qresult {
    rk_qrow *rows;
    size_t n;
    size_t ngroup, nmetrics;
    char **currencies; /* distinct, sorted */
    size_t ncurrencies;
    uint64_t rows_scanned;
    unsigned segments;
} rk_qresult;

rk_status rk_query_run(rk_ws *ws, const rk_query *q, rk_qresult *out, rk_err *err);
void rk_qresult_free(rk_qresult *r);

#endif
