/* commit.h — what one CUR row contributes to commitment analytics
 * (docs/commitments.md §1): its class, its keys and its amounts.
 *
 * Ingest turns each row into zero or more rollup records and sums them per
 * key and hour into the segment's rollup table; `reckon commitments` reads
 * only that table. Most rows give nothing (storage, requests, tax…), a usage
 * or fee row gives one record, and an RIFee row also gives one "ri-capacity"
 * record per hour its reservation is active in the billing period, so that
 * hourly RI utilization has a denominator.
 *
 * Records point into the row (and into static strings); nothing is
 * allocated.
 */
#ifndef RK_COMMIT_H
#define RK_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dec.h"
#include "cur/measures.h"

typedef enum rk_cclass {
    RK_CC_NONE = 0,
    RK_CC_OD_USAGE,
    RK_CC_SPOT_USAGE,
    RK_CC_RI_USAGE,
    RK_CC_RI_FEE,
    RK_CC_RI_CAPACITY,
    RK_CC_RI_UPFRONT,
    RK_CC_SP_USAGE,
    RK_CC_SP_FEE,
    RK_CC_SP_UPFRONT,
    RK_CC_SP_NEGATION,
    RK_CC_REFUND,
    RK_CC_COUNT
} rk_cclass;

const char *rk_cclass_name(rk_cclass c);

/* Key columns of the rollup (text). The attribute keys are set on fee and
 * upfront rows only: they describe the commitment, not the usage. */
typedef enum rk_ckey {
    RK_CK_CLASS = 0,
    RK_CK_PAYER,
    RK_CK_ACCOUNT,
    RK_CK_SERVICE,
    RK_CK_REGION,
    RK_CK_ITYPE,
    RK_CK_FAMILY,
    RK_CK_PLATFORM,
    RK_CK_COMMITMENT,
    RK_CK_OWNER,
    RK_CK_ELIG,
    RK_CK_SCOPE,
    RK_CK_CURRENCY,
    /* attributes */
    RK_CK_TYPE,
    RK_CK_START,
    RK_CK_END,
    RK_CK_PAYMENT,
    RK_CK_TERM,
    RK_CK_SP_REGION,
    RK_CK_SP_FAMILY,
    RK_CK_COUNT
} rk_ckey;

/* Summed columns of the rollup (decimal). */
typedef enum rk_cmeas {
    RK_CM_ROWS = 0,
    RK_CM_HOURS,
    RK_CM_UNBLENDED,
    RK_CM_AMORTIZED,
    RK_CM_NET_AMORTIZED,
    RK_CM_OD,
    RK_CM_USAGE,
    RK_CM_NUSAGE,
    RK_CM_RESERVED,
    RK_CM_RESERVED_NU,
    RK_CM_RI_TOTAL_UNITS,
    RK_CM_RI_UNUSED_QTY,
    RK_CM_RI_TOTAL_NU,
    RK_CM_RI_UNUSED_NU,
    RK_CM_RI_UNUSED_AMORT,
    RK_CM_RI_UNUSED_RECUR,
    RK_CM_RI_NET_UNUSED_AMORT,
    RK_CM_RI_NET_UNUSED_RECUR,
    RK_CM_RI_AMORT_UPFRONT,
    RK_CM_RI_COUNT,
    RK_CM_RI_UPFRONT_VALUE,
    RK_CM_RI_UNITS_PER,
    RK_CM_RI_NU_PER,
    RK_CM_SP_COMMIT,
    RK_CM_SP_USED,
    RK_CM_SP_RECURRING,
    RK_CM_SP_AMORT_UPFRONT,
    RK_CM_COUNT
} rk_cmeas;

extern const char *const rk_commit_key_cols[RK_CK_COUNT];
extern const char *const rk_commit_meas_cols[RK_CM_COUNT];

typedef struct rk_commit_rec {
    int64_t t; /* hour (or day, for a daily CUR) the amounts belong to, ms */
    const char *k[RK_CK_COUNT];
    uint32_t kn[RK_CK_COUNT];
    rk_dec m[RK_CM_COUNT];
    uint32_t mset; /* bit i: m[i] is set */
} rk_commit_rec;

/* Called for each record; returns false to stop (out of memory). */
typedef bool (*rk_commit_emit)(void *ctx, const rk_commit_rec *rec);

/* The row's records. t0/t1 are its interval (t1 = t0 when unknown);
 * period0/period1 its billing period. Returns false when emit stopped or an
 * amount overflowed; *overflow tells which. */
bool rk_commit_row(const rk_cur_row *r, const rk_measures *m, int64_t t0, int64_t t1, int64_t period0,
                   int64_t period1, rk_commit_emit emit, void *ctx, bool *overflow);

/* "m5.large" -> "m5", "db.r5.large" -> "db.r5" (n = length of the family). */
size_t rk_commit_family(const char *itype, size_t n);
/* The account id inside an RI or SP ARN; false when there is none. */
bool rk_commit_owner(const char *arn, size_t n, const char **acct, size_t *len);

#endif
