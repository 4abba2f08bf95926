/* rollup.h — a thread's commitment rollup for one period of a delivery:
 * cur/commit.h records summed per (hour, keys) in a bounded hash table and
 * written as rows of the segment's rollup table (RK_SEG_ROLLUP).
 *
 * When the table holds RK_ROLLUP_MAX keys it is written out and emptied, so
 * memory stays bounded whatever the number of accounts, types and
 * commitments; a key may then appear more than once in the rollup, which
 * queries do not mind (they sum). */
#ifndef RK_ROLLUP_H
#define RK_ROLLUP_H

#include "common/err.h"
#include "cur/commit.h"
#include "store/segment.h"

#define RK_ROLLUP_MAX 8192u

typedef struct rk_rollup {
    char *blob; /* the entries' keys, each as (u16 length, bytes) x RK_CK_COUNT */
    size_t blen, bcap;
    uint32_t *koff, *klen; /* an entry's key in blob */
    uint64_t *hash;
    char scratch[RK_CK_COUNT * 2 + 8192];
    int64_t *t;
    rk_i128 *sums; /* n x RK_CM_COUNT, scale 18 */
    uint32_t *mset;
    uint32_t *slots;
    uint32_t mask, n;
    rk_segb *b;
    const int *col_t, *col_k, *col_m; /* segment columns (owned by the period) */
    rk_status st;
    rk_err err;
} rk_rollup;

/* Registers the rollup's columns in the segment: cols must hold
 * 1 + RK_CK_COUNT + RK_CM_COUNT ints (time, keys, measures). */
rk_status rk_rollup_columns(rk_segw *w, int *cols, rk_err *err);
rk_status rk_rollup_open(rk_rollup *r, rk_segw *w, const int *cols, rk_err *err);
/* rk_commit_emit callback: ctx is the rk_rollup. */
bool rk_rollup_add(void *ctx, const rk_commit_rec *rec);
/* Writes every key held and appends the partial block. */
rk_status rk_rollup_flush(rk_rollup *r, rk_err *err);
void rk_rollup_discard(rk_rollup *r);

#endif
