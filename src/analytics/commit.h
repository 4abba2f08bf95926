/* commit.h — commitment reports: Reserved Instance and Savings Plan
 * inventory, schedule, utilization, coverage, savings, effective savings
 * rate, waste and expirations (definitions: docs/commitments.md).
 *
 * Every report reads the segments' rollup table (store/segment.h,
 * cur/commit.h) through the query engine, never the rows, and returns a
 * table of text cells: exact decimals for money, 6-decimal fractions for
 * ratios. The CLI prints it as a table, CSV or JSON; the dashboard will
 * serve the same tables.
 */
#ifndef RK_ANALYTICS_COMMIT_H
#define RK_ANALYTICS_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analytics/query.h"

typedef enum rk_creport {
    RK_CR_LIST = 0,
    RK_CR_SCHEDULE,
    RK_CR_UTILIZATION,
    RK_CR_COVERAGE,
    RK_CR_SAVINGS,
    RK_CR_ESR,
    RK_CR_WASTE,
    RK_CR_EXPIRING,
    RK_CR_COUNT
} rk_creport;

rk_status rk_creport_parse(const char *s, rk_creport *out, rk_err *err);
const char *rk_creport_name(rk_creport r);

/* account, payer, service, region, instance-type, family, platform,
 * commitment, commitment-type, owner, scope */
extern const char *const rk_cdim_names[];
rk_status rk_cdim_check(const char *name, rk_err *err);

typedef struct rk_cfilter {
    const char *dim;
    char **values; /* any of them; "" matches an empty value */
    size_t nvalues;
} rk_cfilter;

typedef struct rk_cquery {
    rk_creport report;
    bool has_from, has_to;
    int64_t from, to; /* ms, to exclusive */
    rk_gran gran;
    const char *const *group;
    size_t ngroup;
    const rk_cfilter *filters;
    size_t nfilters;
    bool net;           /* savings and ESR after EDP-type discounts */
    bool month_to_date; /* savings: the latest billing period with data */
    bool has_as_of;     /* schedule and expiring: the reference time */
    int64_t as_of;
    int threads;
} rk_cquery;

typedef enum { RK_CT_TEXT = 0, RK_CT_MONEY, RK_CT_NUMBER, RK_CT_RATIO, RK_CT_TIME } rk_ctype;

typedef struct rk_ctable {
    size_t ncols, nrows;
    char **names;
    rk_ctype *types;
    char **cells; /* nrows x ncols; "" when empty */
    int64_t data_start, data_end; /* of the rollup (ms), 0 when there is none */
} rk_ctable;

rk_status rk_commit_report(rk_ws *ws, const rk_cquery *q, rk_ctable *out, rk_err *err);
void rk_ctable_free(rk_ctable *t);

#endif
