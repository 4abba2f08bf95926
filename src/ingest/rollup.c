#include "ingest/rollup.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/mem.h"
#include "cur/schema.h"

rk_status rk_rollup_columns(rk_segw *w, int *cols, rk_err *err)
{
    cols[0] = rk_segw_column(w, RK_D_TIME, RK_COL_TIME, err);
    if (cols[0] < 0) return RK_ENOMEM;
    for (int k = 0; k < RK_CK_COUNT; k++) {
        cols[1 + k] = rk_segw_column(w, rk_commit_key_cols[k], RK_COL_STR, err);
        if (cols[1 + k] < 0) return err->code ? err->code : RK_ENOMEM;
    }
    for (int m = 0; m < RK_CM_COUNT; m++) {
        cols[1 + RK_CK_COUNT + m] = rk_segw_column(w, rk_commit_meas_cols[m], RK_COL_DEC, err);
        if (cols[1 + RK_CK_COUNT + m] < 0) return err->code ? err->code : RK_ENOMEM;
    }
    return RK_OK;
}

rk_status rk_rollup_open(rk_rollup *r, rk_segw *w, const int *cols, rk_err *err)
{
    memset(r, 0, sizeof *r);
    r->col_t = cols;
    r->col_k = cols + 1;
    r->col_m = cols + 1 + RK_CK_COUNT;
    r->koff = malloc(RK_ROLLUP_MAX * sizeof *r->koff);
    r->klen = malloc(RK_ROLLUP_MAX * sizeof *r->klen);
    r->hash = malloc(RK_ROLLUP_MAX * sizeof *r->hash);
    r->t = malloc(RK_ROLLUP_MAX * sizeof *r->t);
    r->sums = malloc((size_t)RK_ROLLUP_MAX * RK_CM_COUNT * sizeof *r->sums);
    r->mset = malloc(RK_ROLLUP_MAX * sizeof *r->mset);
    r->mask = 2 * RK_ROLLUP_MAX - 1;
    r->slots = calloc((size_t)r->mask + 1, sizeof *r->slots);
    if (!r->koff || !r->klen || !r->hash || !r->t || !r->sums || !r->mset || !r->slots) {
        rk_rollup_discard(r);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    rk_status st = rk_segb_open_table(w, RK_SEG_ROLLUP, &r->b, err);
    if (st != RK_OK) rk_rollup_discard(r);
    return st;
}

void rk_rollup_discard(rk_rollup *r)
{
    rk_segb_discard(r->b);
    free(r->blob);
    free(r->koff);
    free(r->klen);
    free(r->hash);
    free(r->t);
    free(r->sums);
    free(r->mset);
    free(r->slots);
    memset(r, 0, sizeof *r);
}

rk_status rk_rollup_flush(rk_rollup *r, rk_err *err)
{
    if (r->st != RK_OK) {
        if (err) *err = r->err;
        return r->st;
    }
    for (uint32_t e = 0; e < r->n; e++) {
        rk_segb_set_time(r->b, *r->col_t, r->t[e]);
        const char *p = r->blob + r->koff[e];
        for (int i = 0; i < RK_CK_COUNT; i++) {
            uint16_t len;
            memcpy(&len, p, 2);
            if (len) rk_segb_set_str(r->b, r->col_k[i], p + 2, len);
            p += 2 + len;
        }
        const rk_i128 *v = r->sums + (size_t)e * RK_CM_COUNT;
        for (int m = 0; m < RK_CM_COUNT; m++)
            if (r->mset[e] >> m & 1) rk_segb_set_dec(r->b, r->col_m[m], rk_dec_normalize((rk_dec){v[m], RK_DEC_MAXE}));
        RK_TRY(rk_segb_end_row(r->b, err));
    }
    r->n = 0;
    r->blen = 0;
    memset(r->slots, 0, ((size_t)r->mask + 1) * sizeof *r->slots);
    return rk_segb_flush(r->b, err);
}

/* Keys travel as one byte string, (u16 length, bytes) per key, so a record
 * is hashed and compared once rather than string by string. */
bool rk_rollup_add(void *ctx, const rk_commit_rec *rec)
{
    rk_rollup *r = ctx;
    if (r->st != RK_OK) return false;
    if (r->n == RK_ROLLUP_MAX && (r->st = rk_rollup_flush(r, &r->err)) != RK_OK) return false;
    size_t kl = 0;
    for (int i = 0; i < RK_CK_COUNT; i++) {
        uint16_t n = rec->kn[i] > 300 ? 300 : (uint16_t)rec->kn[i]; /* keys are ids and names; 300 bytes is plenty */
        memcpy(r->scratch + kl, &n, 2);
        if (n) memcpy(r->scratch + kl + 2, rec->k[i], n);
        kl += 2 + (size_t)n;
    }
    uint64_t h = rk_hash(r->scratch, kl) ^ ((uint64_t)rec->t * 0x9E3779B97F4A7C15ull);
    uint32_t i = (uint32_t)h & r->mask;
    uint32_t e;
    for (;;) {
        if (!r->slots[i]) {
            if (RK_GROW(r->blob, r->bcap, r->blen + kl) != RK_OK) {
                r->st = rk_err_set(&r->err, RK_ENOMEM, "out of memory");
                return false;
            }
            e = r->n++;
            r->slots[i] = e + 1;
            memcpy(r->blob + r->blen, r->scratch, kl);
            r->koff[e] = (uint32_t)r->blen;
            r->klen[e] = (uint32_t)kl;
            r->blen += kl;
            r->hash[e] = h;
            r->t[e] = rec->t;
            memset(r->sums + (size_t)e * RK_CM_COUNT, 0, RK_CM_COUNT * sizeof *r->sums);
            r->mset[e] = 0;
            break;
        }
        e = r->slots[i] - 1;
        if (r->hash[e] == h && r->t[e] == rec->t && r->klen[e] == kl && memcmp(r->blob + r->koff[e], r->scratch, kl) == 0)
            break;
        i = (i + 1) & r->mask;
    }
    rk_i128 *s = r->sums + (size_t)e * RK_CM_COUNT;
    for (int m = 0; m < RK_CM_COUNT; m++)
        if (rec->mset >> m & 1) {
            if (__builtin_add_overflow(s[m], rk_dec_to18(rec->m[m]), &s[m])) {
                r->st = rk_err_set(&r->err, RK_ELIMIT, "a commitment sum exceeds the decimal range");
                return false;
            }
        }
    r->mset[e] |= rec->mset;
    return true;
}
