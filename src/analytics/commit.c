#include "analytics/commit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/intern.h"
#include "common/mem.h"
#include "common/timeparse.h"
#include "cur/commit.h"
#include "store/select.h"

/* HOW IT WORKS
 * Each report runs one or two grouped sums over the rollup table with the
 * query engine (exact 128-bit sums, parallel) and folds the result rows into
 * the report's rows: a row of the result is one (bucket, keys, class) with
 * its sums, and the class decides which figures its sums feed. Dimensions
 * come from the rollup's own columns, except where the figure belongs to a
 * commitment rather than to the usage (utilization, waste): there every
 * dimension is the commitment's, looked up in the inventory. The inventory
 * itself (one entry per ARN, attributes from the latest fee rows) is one
 * more grouped sum. Filters apply to the final dimension values. */

#define MS_HOUR 3600000LL
#define MS_DAY (24 * MS_HOUR)
#define E18 rk_pow10_128[18]

/* ---- dimensions ---- */

enum { DIM_INV_ONLY = 1 };
static const struct {
    const char *name, *col;
} cdims[] = {
    {"account", "line_item_usage_account_id"},
    {"payer", "bill_payer_account_id"},
    {"service", "rk_service"},
    {"region", "rk_region"},
    {"instance-type", "product_instance_type"},
    {"family", "c_family"},
    {"platform", "c_platform"},
    {"commitment", "c_commitment"},
    {"commitment-type", NULL},
    {"owner", "c_owner"},
    {"scope", "c_scope"},
};
#define NCDIMS (sizeof cdims / sizeof *cdims)

const char *const rk_cdim_names[] = {"account", "payer", "service", "region", "instance-type", "family", "platform",
                                     "commitment", "commitment-type", "owner", "scope", NULL};

static int cdim_index(const char *name)
{
    for (size_t i = 0; i < NCDIMS; i++)
        if (strcmp(name, cdims[i].name) == 0) return (int)i;
    return -1;
}

rk_status rk_cdim_check(const char *name, rk_err *err)
{
    if (cdim_index(name) >= 0) return RK_OK;
    return rk_err_set(err, RK_EUSAGE,
                      "unknown commitment dimension \"%s\"; use account, payer, service, region, instance-type, "
                      "family, platform, commitment, commitment-type, owner or scope",
                      name);
}

static const char *const report_names[RK_CR_COUNT] = {"list", "schedule", "utilization", "coverage",
                                                      "savings", "esr", "waste", "expiring"};

rk_status rk_creport_parse(const char *s, rk_creport *out, rk_err *err)
{
    for (int i = 0; i < RK_CR_COUNT; i++)
        if (strcmp(s, report_names[i]) == 0) {
            *out = (rk_creport)i;
            return RK_OK;
        }
    return rk_err_set(err, RK_EUSAGE,
                      "unknown commitments report \"%s\"; use list, schedule, utilization, coverage, savings, esr, "
                      "waste or expiring",
                      s);
}

const char *rk_creport_name(rk_creport r) { return report_names[r]; }

/* ---- exact helpers ---- */

static rk_i128 r18(const rk_qrow *r, size_t i) { return r->vals[i]; }

/* Rounds v (scale 18) to `keep` decimals, still at scale 18. */
static rk_i128 round18(rk_i128 v, int keep)
{
    rk_i128 unit = rk_pow10_128[18 - keep], r = v / unit, rem = v % unit;
    if (rem * 2 >= unit) r++;
    else if (rem * 2 <= -unit) r--;
    return r * unit;
}

/* a * b / c at scale 18, rounded half away from zero; 0 when c is 0 (or
 * the quotient does not fit). The product is formed in 256 bits, so no
 * operand is ever rounded; the common cases (b or c a multiple of the other,
 * or a product that fits 128 bits) skip the long division. */
static rk_i128 muldiv18(rk_i128 a, rk_i128 b, rk_i128 c)
{
    if (c == 0) return 0;
    bool neg = ((a < 0) != (b < 0)) != (c < 0);
    typedef unsigned __int128 u128;
    u128 ua = a < 0 ? -(u128)a : (u128)a, ub = b < 0 ? -(u128)b : (u128)b, uc = c < 0 ? -(u128)c : (u128)c;
    u128 q, r;
    if (ub % uc == 0) {
        if (__builtin_mul_overflow(ua, ub / uc, &q)) return 0;
        r = 0;
    } else if (ub && uc % ub == 0) {
        u128 d = uc / ub;
        q = ua / d;
        r = ua % d;
        if (r >= d - r) q++; /* half away from zero */
        r = 0;
    } else if (!__builtin_mul_overflow(ua, ub, &q)) {
        r = q % uc;
        q /= uc;
        if (r >= uc - r) q++;
        r = 0;
    } else {
        /* 256-bit product (hi, lo), then shift-subtract division */
        uint64_t a0 = (uint64_t)ua, a1 = (uint64_t)(ua >> 64), b0 = (uint64_t)ub, b1 = (uint64_t)(ub >> 64);
        u128 p00 = (u128)a0 * b0, p01 = (u128)a0 * b1, p10 = (u128)a1 * b0, p11 = (u128)a1 * b1;
        u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
        u128 lo = (mid << 64) | (uint64_t)p00;
        u128 hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
        if (hi >= uc) return 0; /* quotient beyond 128 bits */
        u128 rem = hi;
        q = 0;
        for (int i = 127; i >= 0; i--) {
            bool top = rem >> 127;
            rem = (rem << 1) | ((lo >> i) & 1);
            q <<= 1;
            if (top || rem >= uc) {
                rem -= uc;
                q |= 1;
            }
        }
        if (rem >= uc - rem) q++;
    }
    (void)r;
    if (q > (u128)(((u128)1 << 126) - 1)) return 0;
    return neg ? -(rk_i128)q : (rk_i128)q;
}

static void fmt_money(rk_i128 v, char *out) { rk_i128_fmt(v, 18, out); }

/* A fraction rounded half away from zero to 6 decimals; "" when den is 0. */
static void fmt_ratio(rk_i128 num, rk_i128 den, char *out)
{
    if (den == 0) {
        out[0] = 0;
        return;
    }
    rk_i128 q = round18(muldiv18(num, E18, den), 6);
    rk_i128_fmt(q, 18, out);
}

/* ---- rollup queries ---- */

static rk_status rq(rk_ws *ws, const rk_cquery *q, rk_gran gran, bool ranged, const char *const *cols, size_t ncols,
                    const char *const *sums, size_t nsums, const char *const *classes, size_t nclasses,
                    rk_qresult *res, rk_err *err)
{
    rk_query qq;
    memset(&qq, 0, sizeof qq);
    qq.table = RK_SEG_ROLLUP;
    qq.gran = gran;
    qq.threads = q->threads;
    if (ranged) {
        qq.has_from = q->has_from;
        qq.from = q->from;
        qq.has_to = q->has_to;
        qq.to = q->to;
    }
    rk_dim dims[40];
    if (ncols > 40) return rk_err_set(err, RK_EUSAGE, "too many dimensions");
    for (size_t i = 0; i < ncols; i++) dims[i] = (rk_dim){(char *)cols[i], (char *)cols[i]};
    qq.group = dims;
    qq.ngroup = ncols;
    rk_filter f = {{(char *)"c_class", (char *)"c_class"}, (char **)classes, nclasses};
    if (nclasses) {
        qq.filters = &f;
        qq.nfilters = 1;
    }
    qq.sums = sums;
    qq.nsums = nsums;
    return rk_query_run(ws, &qq, res, err);
}

/* ---- the inventory ---- */

typedef struct inv {
    char *arn;
    bool sp;
    char *type, *owner, *payer, *account, *service, *region, *itype, *family, *platform, *scope, *payment, *term,
        *start_s, *end_s, *currency;
    int64_t start, end;
    bool has_start, has_end;
    int64_t month; /* latest month with a fee row */
    rk_i128 quantity, units_per, nu_per, upfront_value, ri_unblended, ri_total_units, ri_amort_upfront;
    rk_i128 sp_commit, sp_recur, sp_amort, sp_hours, sp_rows;
    rk_i128 sp_upfront_paid;
    bool has_sp_upfront_paid;
    bool fee;  /* has fee rows: a commitment, not only a payment (an exchange true-up) */
    bool seen; /* in the range (list) */
    char *consumers;
} inv;

typedef struct invtab {
    rk_intern ids;
    inv *v;
    size_t n, cap;
} invtab;

static void inv_free(invtab *t)
{
    for (size_t i = 0; i < t->n; i++) {
        inv *e = &t->v[i];
        char **s[] = {&e->arn,     &e->type,  &e->owner,   &e->payer, &e->account, &e->service,
                      &e->region,  &e->itype, &e->family,  &e->platform, &e->scope, &e->payment,
                      &e->term,    &e->start_s, &e->end_s, &e->currency, &e->consumers};
        for (size_t k = 0; k < sizeof s / sizeof *s; k++) free(*s[k]);
    }
    free(t->v);
    rk_intern_free(&t->ids);
}

/* The entry of an ARN; with add false, NULL when it has none. (A lookup may
 * intern the string; ids past n then simply have no entry.) */
static inv *inv_get(invtab *t, const char *arn, bool add)
{
    if (!*arn) return NULL;
    uint32_t id = rk_intern_add(&t->ids, arn, strlen(arn));
    if (id == UINT32_MAX) return NULL;
    if (!add) return id < t->n && t->v[id].arn ? &t->v[id] : NULL;
    while (t->n <= id) {
        if (RK_GROW(t->v, t->cap, t->n + 1) != RK_OK) return NULL;
        memset(&t->v[t->n], 0, sizeof *t->v);
        t->v[t->n].month = INT64_MIN;
        t->n++;
    }
    inv *e = &t->v[id];
    if (!e->arn) e->arn = rk_strdup(arn);
    return e;
}

static void set_str(char **dst, const char *s)
{
    if (!s || !*s) return;
    free(*dst);
    *dst = rk_strdup(s);
}

static const char *nz(const char *s) { return s ? s : ""; }

enum {
    IK_ARN, IK_CLASS, IK_TYPE, IK_START, IK_END, IK_PAY, IK_TERM, IK_SPREG, IK_SPFAM, IK_ACCT, IK_SVC, IK_REG,
    IK_ITYPE, IK_FAM, IK_PLAT, IK_SCOPE, IK_PAYER, IK_OWNER, IK_N
};
enum {
    IS_UNB, IS_HOURS, IS_ROWS, IS_TOTU, IS_COUNT, IS_UPV, IS_UPER, IS_NUPER, IS_AMORTUP, IS_SPC, IS_SPR, IS_SPA, IS_N
};

static rk_status inv_load(rk_ws *ws, const rk_cquery *q, invtab *t, rk_err *err)
{
    memset(t, 0, sizeof *t);
    if (!rk_intern_init(&t->ids)) return rk_err_set(err, RK_ENOMEM, "out of memory");
    static const char *const cols[IK_N] = {
        "c_commitment", "c_class", "c_type", "c_start", "c_end", "c_payment_option", "c_term",
        "savings_plan_region", "savings_plan_instance_type_family", "line_item_usage_account_id", "rk_service",
        "rk_region", "product_instance_type", "c_family", "c_platform", "c_scope", "bill_payer_account_id", "c_owner"};
    static const char *const sums[IS_N] = {
        "rk_unblended", "c_hours", "c_rows", "reservation_total_reserved_units", "reservation_number_of_reservations",
        "reservation_upfront_value", "reservation_units_per_reservation",
        "reservation_normalized_units_per_reservation", "reservation_amortized_upfront_fee_for_billing_period",
        "savings_plan_total_commitment_to_date", "savings_plan_recurring_commitment_for_billing_period",
        "savings_plan_amortized_upfront_commitment_for_billing_period"};
    static const char *const classes[] = {"ri-fee", "ri-upfront", "sp-fee", "sp-upfront", "ri-usage"};
    rk_qresult res;
    RK_TRY(rq(ws, q, RK_GRAN_MONTHLY, false, cols, IK_N, sums, IS_N, classes, 5, &res, err));
    /* Monthly rows in time order: later months overwrite attributes. */
    for (size_t i = 0; i < res.n; i++) {
        const rk_qrow *r = &res.rows[i];
        const char *cls = r->keys[IK_CLASS];
        if (strcmp(cls, "ri-usage") == 0) continue; /* after the fee rows, below */
        inv *e = inv_get(t, r->keys[IK_ARN], true);
        if (!e) continue;
        bool fee = strcmp(cls, "ri-fee") == 0 || strcmp(cls, "sp-fee") == 0;
        e->sp = strncmp(cls, "sp-", 3) == 0;
        set_str(&e->currency, r->currency);
        set_str(&e->owner, r->keys[IK_OWNER]);
        set_str(&e->payer, r->keys[IK_PAYER]);
        if (strcmp(cls, "sp-upfront") == 0) {
            e->sp_upfront_paid += r18(r, IS_UNB);
            e->has_sp_upfront_paid = true;
        }
        if (!fee && e->month != INT64_MIN) continue; /* upfront rows describe only what fee rows do not */
        set_str(&e->type, r->keys[IK_TYPE]);
        set_str(&e->start_s, r->keys[IK_START]);
        set_str(&e->end_s, r->keys[IK_END]);
        set_str(&e->payment, r->keys[IK_PAY]);
        set_str(&e->term, r->keys[IK_TERM]);
        set_str(&e->account, r->keys[IK_ACCT]);
        set_str(&e->service, r->keys[IK_SVC]);
        set_str(&e->scope, r->keys[IK_SCOPE]);
        set_str(&e->platform, r->keys[IK_PLAT]);
        if (e->sp) {
            set_str(&e->region, r->keys[IK_SPREG]);
            set_str(&e->family, r->keys[IK_SPFAM]);
        } else {
            set_str(&e->region, r->keys[IK_REG]);
            set_str(&e->itype, r->keys[IK_ITYPE]);
            set_str(&e->family, r->keys[IK_FAM]);
        }
        if (!fee) continue;
        e->fee = true;
        if (r->t > e->month) {
            e->month = r->t;
            e->quantity = e->units_per = e->nu_per = e->ri_unblended = e->ri_total_units = e->ri_amort_upfront = 0;
            e->sp_commit = e->sp_recur = e->sp_amort = e->sp_hours = e->sp_rows = 0;
        }
        if (r->t == e->month) {
            if (e->sp) {
                e->sp_commit += r18(r, IS_SPC);
                e->sp_recur += r18(r, IS_SPR);
                e->sp_amort += r18(r, IS_SPA);
                e->sp_hours += r18(r, IS_HOURS);
                e->sp_rows += r18(r, IS_ROWS);
            } else {
                e->quantity += r18(r, IS_COUNT);
                e->units_per += r18(r, IS_UPER);
                e->nu_per += r18(r, IS_NUPER);
                e->ri_unblended += r18(r, IS_UNB);
                e->ri_total_units += r18(r, IS_TOTU);
                e->ri_amort_upfront += r18(r, IS_AMORTUP);
                if (r18(r, IS_UPV)) e->upfront_value = r18(r, IS_UPV);
            }
        }
    }
    /* What fee rows leave empty (real RIFee rows carry no pricing or product
     * columns), the RI's covered usage tells. */
    for (size_t i = 0; i < res.n; i++) {
        const rk_qrow *r = &res.rows[i];
        if (strcmp(r->keys[IK_CLASS], "ri-usage") != 0) continue;
        inv *e = inv_get(t, r->keys[IK_ARN], false);
        if (!e) continue;
        if (!e->type) set_str(&e->type, r->keys[IK_TYPE]);
        if (!e->payment) set_str(&e->payment, r->keys[IK_PAY]);
        if (!e->term) set_str(&e->term, r->keys[IK_TERM]);
        if (!e->platform) set_str(&e->platform, r->keys[IK_PLAT]);
    }
    rk_qresult_free(&res);
    for (size_t i = 0; i < t->n; i++) {
        inv *e = &t->v[i];
        if (!e->arn) continue;
        e->has_start = e->start_s && rk_time_parse(e->start_s, strlen(e->start_s), &e->start) == RK_OK;
        e->has_end = e->end_s && rk_time_parse(e->end_s, strlen(e->end_s), &e->end) == RK_OK;
        if (!e->type) set_str(&e->type, e->sp ? "SP" : "RI");
        if (e->sp && !e->region) set_str(&e->region, "global");
    }
    return RK_OK;
}

/* Normalization factor of an RI at scale 18 (1 when unknown). */
static rk_i128 inv_nf(const inv *e)
{
    if (!e || e->sp || e->units_per == 0 || e->nu_per == 0) return E18;
    return muldiv18(e->nu_per, E18, e->units_per);
}

/* SP hours of the latest month's fee rows (rows when intervals are unknown). */
static rk_i128 sp_hours(const inv *e) { return e->sp_hours ? e->sp_hours : e->sp_rows; }

static rk_i128 inv_hourly_commit(const inv *e) { return e->sp ? muldiv18(e->sp_commit, E18, sp_hours(e)) : 0; }

static rk_i128 inv_recurring_hourly(const inv *e)
{
    if (e->sp) return muldiv18(e->sp_recur, E18, sp_hours(e));
    /* per-instance rate x quantity */
    if (e->ri_total_units == 0) return 0;
    return muldiv18(muldiv18(e->ri_unblended, E18, e->ri_total_units), e->quantity, E18);
}

/* The lease's hours: from the term ("1yr", "3yr") when it says, else start to
 * end. The term wins because an exchanged RI ends early while AWS keeps
 * amortizing its upfront over the lease it was bought for. */
static rk_i128 term_hours(const inv *e)
{
    if (e->term) {
        char *end;
        long years = strtol(e->term, &end, 10);
        while (*end == ' ') end++;
        if (years > 0 && years < 100 && (strncmp(end, "yr", 2) == 0 || strncmp(end, "year", 4) == 0 ||
                                         strncmp(end, "Year", 4) == 0))
            return (rk_i128)years * 8760 * E18;
    }
    if (!e->has_start || !e->has_end || e->end <= e->start) return 0;
    return muldiv18((rk_i128)(e->end - e->start) * E18, E18, (rk_i128)MS_HOUR * E18);
}

/* Amortized upfront per hour, as AWS bills it in the latest fee rows (an
 * exchanged RI keeps its old rate); from the upfront and the term when the
 * fee rows do not say. */
static rk_i128 inv_amort_hourly(const inv *e);

static rk_i128 inv_upfront(const inv *e)
{
    if (!e->sp) return e->upfront_value;
    if (e->has_sp_upfront_paid) return e->sp_upfront_paid;
    return muldiv18(muldiv18(e->sp_amort, E18, sp_hours(e)), term_hours(e), E18);
}

static rk_i128 inv_amort_hourly(const inv *e)
{
    rk_i128 v = 0;
    if (e->sp) v = muldiv18(e->sp_amort, E18, sp_hours(e));
    else if (e->ri_total_units) v = muldiv18(muldiv18(e->ri_amort_upfront, E18, e->ri_total_units), e->quantity, E18);
    if (v) return v;
    return muldiv18(inv_upfront(e), E18, term_hours(e));
}

static rk_i128 month_hours(int64_t month)
{
    return (rk_i128)((rk_time_add_months(month, 1) - month) / MS_HOUR) * E18;
}

static rk_i128 inv_monthly(const inv *e)
{
    if (e->sp) return muldiv18(inv_hourly_commit(e), month_hours(e->month), E18);
    return e->ri_amort_upfront + e->ri_unblended;
}

/* The value of dimension d for a commitment. */
static const char *inv_dim(const inv *e, int d)
{
    if (!e) return "";
    switch (d) {
    case 0: return nz(e->account ? e->account : e->owner);
    case 1: return nz(e->payer);
    case 2: return nz(e->service);
    case 3: return nz(e->region);
    case 4: return nz(e->itype);
    case 5: return nz(e->family);
    case 6: return nz(e->platform);
    case 7: return nz(e->arn);
    case 8: return nz(e->type);
    case 9: return nz(e->owner);
    case 10: return nz(e->scope);
    }
    return "";
}

/* ---- folding result rows into report rows ---- */

typedef struct fold {
    rk_intern ids;
    size_t nk, nf;
    int64_t *t;
    char **keys; /* n x nk */
    char **cur;
    rk_i128 *v; /* n x nf */
    size_t n, tcap, kcap, ccap, vcap;
    rk_buf kb;
    bool nomem;
} fold;

static bool fold_init(fold *f, size_t nk, size_t nf)
{
    memset(f, 0, sizeof *f);
    f->nk = nk;
    f->nf = nf;
    rk_buf_init(&f->kb, 1 << 20);
    return rk_intern_init(&f->ids);
}

static void fold_free(fold *f)
{
    for (size_t i = 0; i < f->n; i++) {
        for (size_t k = 0; k < f->nk; k++) free(f->keys[i * f->nk + k]);
        free(f->cur[i]);
    }
    free(f->t);
    free(f->keys);
    free(f->cur);
    free(f->v);
    rk_buf_free(&f->kb);
    rk_intern_free(&f->ids);
}

/* The figures of (t, keys, currency), created zero on first use. */
static rk_i128 *fold_row(fold *f, int64_t t, const char *const *keys, const char *cur)
{
    rk_buf_reset(&f->kb);
    rk_buf_printf(&f->kb, "%lld", (long long)t);
    for (size_t k = 0; k < f->nk; k++) {
        rk_buf_putc(&f->kb, '\x1f');
        rk_buf_puts(&f->kb, keys[k]);
    }
    rk_buf_putc(&f->kb, '\x1f');
    rk_buf_puts(&f->kb, cur);
    uint32_t id = rk_intern_add(&f->ids, f->kb.p, f->kb.len);
    if (id == UINT32_MAX) goto nomem;
    if (id == f->n) {
        if (RK_GROW(f->t, f->tcap, f->n + 1) != RK_OK || RK_GROW(f->cur, f->ccap, f->n + 1) != RK_OK ||
            RK_GROW(f->keys, f->kcap, (f->n + 1) * (f->nk ? f->nk : 1)) != RK_OK ||
            RK_GROW(f->v, f->vcap, (f->n + 1) * f->nf) != RK_OK)
            goto nomem;
        f->t[f->n] = t;
        f->cur[f->n] = rk_strdup(cur);
        for (size_t k = 0; k < f->nk; k++) f->keys[f->n * f->nk + k] = rk_strdup(keys[k]);
        memset(f->v + f->n * f->nf, 0, f->nf * sizeof *f->v);
        f->n++;
    }
    return f->v + (size_t)id * f->nf;
nomem:
    f->nomem = true;
    return NULL;
}

/* How a report's user dimensions are read from a result row. */
typedef struct dimmap {
    const rk_cquery *q;
    const invtab *inv;
    bool by_commitment; /* every dimension is the commitment's */
    int d[40];          /* cdims index of each user dimension */
    int pos[40];        /* its column in the result row, -1 via the inventory */
    int arn_pos;        /* c_commitment in the result row */
    int fpos[40];       /* filter dimension columns (same rule) */
    int fd[40];
} dimmap;

/* Columns a query needs for the user's dimensions and filters; appends to
 * cols and fills the map. */
static rk_status dimmap_build(dimmap *m, const rk_cquery *q, const invtab *tab, bool by_commitment, const char **cols,
                              size_t *ncols, rk_err *err)
{
    memset(m, 0, sizeof *m);
    m->q = q;
    m->inv = tab;
    m->by_commitment = by_commitment;
    if (q->ngroup > 20 || q->nfilters > 20) return rk_err_set(err, RK_EUSAGE, "too many dimensions (at most 20)");
    m->arn_pos = (int)(*ncols)++;
    cols[m->arn_pos] = "c_commitment";
    for (size_t u = 0; u < q->ngroup + q->nfilters; u++) {
        const char *name = u < q->ngroup ? q->group[u] : q->filters[u - q->ngroup].dim;
        int d = cdim_index(name);
        if (d < 0) return rk_cdim_check(name, err);
        int p = -1;
        if (!by_commitment && cdims[d].col) {
            for (size_t c = 0; c < *ncols; c++)
                if (strcmp(cols[c], cdims[d].col) == 0) p = (int)c;
            if (p < 0) {
                p = (int)(*ncols)++;
                cols[p] = cdims[d].col;
            }
        }
        if (u < q->ngroup) {
            m->d[u] = d;
            m->pos[u] = p;
        } else {
            m->fd[u - q->ngroup] = d;
            m->fpos[u - q->ngroup] = p;
        }
    }
    return RK_OK;
}

static const char *dim_value(const dimmap *m, const rk_qrow *r, int d, int pos)
{
    if (pos >= 0) return r->keys[pos];
    inv *e = inv_get((invtab *)m->inv, r->keys[m->arn_pos], false);
    return inv_dim(e, d);
}

/* The user keys of a result row; false when a filter rejects it. */
static bool dimmap_keys(const dimmap *m, const rk_qrow *r, const char **keys)
{
    for (size_t f = 0; f < m->q->nfilters; f++) {
        const char *v = dim_value(m, r, m->fd[f], m->fpos[f]);
        const rk_cfilter *flt = &m->q->filters[f];
        bool ok = false;
        for (size_t i = 0; i < flt->nvalues && !ok; i++) ok = strcmp(flt->values[i], v) == 0;
        if (!ok) return false;
    }
    for (size_t u = 0; u < m->q->ngroup; u++) keys[u] = dim_value(m, r, m->d[u], m->pos[u]);
    return true;
}

/* ---- output tables ---- */

typedef struct tbuild {
    rk_ctable *t;
    size_t cap;
} tbuild;

static rk_status tb_cols(rk_ctable *t, const char *const *names, const rk_ctype *types, size_t n, rk_err *err)
{
    t->names = calloc(n ? n : 1, sizeof *t->names);
    t->types = calloc(n ? n : 1, sizeof *t->types);
    if (!t->names || !t->types) return rk_err_set(err, RK_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        t->names[i] = rk_strdup(names[i]);
        t->types[i] = types[i];
    }
    t->ncols = n;
    return RK_OK;
}

static char **tb_row(tbuild *b)
{
    rk_ctable *t = b->t;
    size_t cap = b->cap;
    if (RK_GROW(t->cells, cap, (t->nrows + 1) * t->ncols) != RK_OK) return NULL;
    b->cap = cap;
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) row[i] = NULL;
    t->nrows++;
    return row;
}

static void tb_set(char **row, size_t i, const char *s) { row[i] = rk_strdup(s ? s : ""); }

void rk_ctable_free(rk_ctable *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++) free(t->cells[i]);
    free(t->cells);
    for (size_t i = 0; i < t->ncols; i++) free(t->names[i]);
    free(t->names);
    free(t->types);
    memset(t, 0, sizeof *t);
}

/* Rows as `report cost` sorts them: by time, then by the first figure
 * (largest first), then by the dimensions and the row kind as text. */
typedef struct sortspec {
    size_t ntime;   /* 0 or 1: the time column first */
    size_t fig;     /* the column of the first figure */
    size_t nkeys;   /* text columns after time, compared last */
} sortspec;

static int cmp_cells(const void *a, const void *b, void *arg)
{
    char *const *x = a, *const *y = b;
    const sortspec *sp = arg;
    if (sp->ntime) {
        int c = strcmp(x[0], y[0]);
        if (c) return c;
    }
    rk_dec dx, dy;
    bool r;
    bool hx = rk_dec_parse(x[sp->fig], strlen(x[sp->fig]), &dx, &r) == RK_OK;
    bool hy = rk_dec_parse(y[sp->fig], strlen(y[sp->fig]), &dy, &r) == RK_OK;
    if (hx && hy) {
        int c = rk_dec_cmp(dx, dy);
        if (c) return -c;
    } else if (hx != hy) {
        return hx ? -1 : 1;
    }
    for (size_t i = sp->ntime; i < sp->ntime + sp->nkeys; i++) {
        int c = strcmp(x[i], y[i]);
        if (c) return c;
    }
    return 0;
}

/* nkeys: the text columns after the time (dimensions, then kind or scope);
 * the first figure follows them. */
static void tb_sort(rk_ctable *t, size_t ntime, size_t nkeys)
{
    sortspec sp = {ntime, ntime + nkeys, nkeys};
    /* utilization's and ESR's first figure comes after their kind/scope column */
    if (sp.fig < t->ncols && t->types[sp.fig] == RK_CT_TEXT && sp.fig + 1 < t->ncols) sp.fig++;
    if (t->nrows > 1) qsort_r(t->cells, t->nrows, t->ncols * sizeof *t->cells, cmp_cells, &sp);
}

/* ---- the reports ---- */

typedef struct rctx {
    rk_ws *ws;
    const rk_cquery *q;
    invtab inv;
    rk_ctable *out;
    tbuild tb;
    int64_t data_start, data_end;
} rctx;

/* Where the data starts and ends, from the segments' block directories (no
 * scan). A row stands for its hour, day or month as its CUR's granularity
 * says, so a monthly CUR's data ends with its billing period. */
static rk_status data_span(rctx *c, rk_err *err)
{
    rk_selection sel;
    RK_TRY(rk_ws_select(c->ws, &sel, err));
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    rk_status st = RK_OK;
    for (size_t i = 0; i < sel.nactive && st == RK_OK; i++) {
        const rk_active *a = &sel.active[i];
        const char *gran = "hourly";
        for (size_t k = 0; k < sel.nchoices; k++)
            if (sel.choices[k].nc && sel.choices[k].c[0].delivery == a->delivery && sel.choices[k].c[0].granularity)
                gran = sel.choices[k].c[0].granularity;
        char path[4096];
        rk_ws_segment_path(c->ws, a->segment, path, sizeof path);
        rk_seg *s;
        st = rk_seg_open(path, &s, err);
        if (st == RK_ENOTFOUND) { /* replaced meanwhile */
            st = RK_OK;
            continue;
        }
        if (st != RK_OK) break;
        int tcol = rk_seg_find(s, RK_D_TIME);
        int64_t slo = INT64_MAX, shi = INT64_MIN;
        for (uint32_t b = 0; b < rk_seg_nblocks(s); b++) {
            int64_t x, y;
            if (rk_seg_block_table(s, b) != RK_SEG_ROWS || !rk_seg_time_range(s, tcol, b, &x, &y)) continue;
            if (x < slo) slo = x;
            if (y > shi) shi = y;
        }
        rk_seg_close(s);
        if (slo > shi) continue;
        int64_t end = strcmp(gran, "monthly") == 0 ? rk_time_add_months(rk_time_floor_month(shi), 1)
                      : strcmp(gran, "daily") == 0 ? rk_time_floor_day(shi) + MS_DAY
                                                   : shi + MS_HOUR;
        if (slo < lo) lo = slo;
        if (end > hi) hi = end;
    }
    rk_selection_free(&sel);
    if (st != RK_OK) return st;
    c->data_start = c->data_end = 0;
    if (lo < hi) {
        c->data_start = lo;
        c->data_end = hi;
    }
    c->out->data_start = c->data_start;
    c->out->data_end = c->data_end;
    return RK_OK;
}

/* Columns: [time] [dims] figures... currency. */
static rk_status head(rctx *c, const char *const *names, const rk_ctype *types, size_t n, rk_err *err)
{
    const rk_cquery *q = c->q;
    const char *nm[64];
    rk_ctype ty[64];
    size_t k = 0;
    if (q->gran != RK_GRAN_TOTAL) {
        nm[k] = "start";
        ty[k++] = RK_CT_TIME;
    }
    for (size_t u = 0; u < q->ngroup && k < 60; u++) {
        nm[k] = q->group[u];
        ty[k++] = RK_CT_TEXT;
    }
    for (size_t i = 0; i < n && k < 63; i++) {
        nm[k] = names[i];
        ty[k++] = types[i];
    }
    nm[k] = "currency";
    ty[k++] = RK_CT_TEXT;
    return tb_cols(c->out, nm, ty, k, err);
}

/* A report row: time and the fold's keys (the first q->ngroup of them). */
static char **row_start(rctx *c, const fold *f, size_t i, size_t *col)
{
    char **row = tb_row(&c->tb);
    if (!row) return NULL;
    size_t k = 0;
    if (c->q->gran != RK_GRAN_TOTAL) {
        char tl[40];
        rk_gran_label(c->q->gran, f->t[i], tl);
        tb_set(row, k++, tl);
    }
    for (size_t u = 0; u < c->q->ngroup; u++) tb_set(row, k++, f->keys[i * f->nk + u]);
    *col = k;
    return row;
}

static void row_money(char **row, size_t *col, rk_i128 v)
{
    char b[64];
    fmt_money(v, b);
    tb_set(row, (*col)++, b);
}

static void row_ratio(char **row, size_t *col, rk_i128 num, rk_i128 den)
{
    char b[64];
    fmt_ratio(num, den, b);
    tb_set(row, (*col)++, b);
}

static void row_text(char **row, size_t *col, const char *s) { tb_set(row, (*col)++, s); }

static rk_status finish_rows(rctx *c, const fold *f, size_t nsort_extra, rk_err *err)
{
    if (f->nomem) return rk_err_set(err, RK_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->out->nrows * c->out->ncols; i++)
        if (!c->out->cells[i]) return rk_err_set(err, RK_ENOMEM, "out of memory");
    tb_sort(c->out, c->q->gran != RK_GRAN_TOTAL, c->q->ngroup + nsort_extra);
    return RK_OK;
}

static bool is(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* ---- grouped sums folded into report rows ---- */

/* One result row of a rollup query, as a report's fold sees it. */
typedef struct frow {
    const rk_qrow *r;
    const char *cls;      /* its c_class */
    const char *extra[2]; /* the extra columns asked for */
    const char **keys;    /* the user's dimension values, with room for one more */
    inv *commit;          /* its commitment, NULL when none or unknown */
} frow;

typedef void (*fold_cb)(const rctx *c, fold *f, const frow *x);

/* Runs a grouped sum of the rollup (the user's dimensions, c_class and the
 * extra columns; bucketed by gran) and hands each row that passes the
 * filters to cb. */
static rk_status scan_fold(rctx *c, bool by_commitment, rk_gran gran, const char *const *extra, size_t nextra,
                           const char *const *sums, size_t nsums, const char *const *classes, size_t ncls, fold *f,
                           fold_cb cb, rk_err *err)
{
    const char *cols[48];
    size_t ncols = 0;
    dimmap m;
    RK_TRY(dimmap_build(&m, c->q, &c->inv, by_commitment, cols, &ncols, err));
    size_t cls_pos = ncols, xpos[2] = {0, 0};
    cols[ncols++] = "c_class";
    for (size_t i = 0; i < nextra && i < 2; i++) {
        xpos[i] = ncols;
        cols[ncols++] = extra[i];
    }
    rk_qresult res;
    RK_TRY(rq(c->ws, c->q, gran, true, cols, ncols, sums, nsums, classes, ncls, &res, err));
    const char *keys[48];
    for (size_t i = 0; i < res.n && !f->nomem; i++) {
        const rk_qrow *r = &res.rows[i];
        if (!dimmap_keys(&m, r, keys)) continue;
        frow x = {r, r->keys[cls_pos], {nextra > 0 ? r->keys[xpos[0]] : "", nextra > 1 ? r->keys[xpos[1]] : ""}, keys,
                  inv_get((invtab *)&c->inv, r->keys[m.arn_pos], false)};
        cb(c, f, &x);
    }
    rk_qresult_free(&res);
    return f->nomem ? rk_err_set(err, RK_ENOMEM, "out of memory") : RK_OK;
}

/* The figures of a result row's report row; kind names the extra key
 * (utilization's RI/SP, ESR's scope) or is NULL. */
static rk_i128 *fig(const rctx *c, fold *f, const frow *x, const char *kind)
{
    if (kind) x->keys[c->q->ngroup] = kind;
    return fold_row(f, x->r->t, x->keys, x->r->currency);
}

typedef void (*emit_cb)(const rctx *c, const fold *f, size_t i, char **row, size_t *k);

/* One output row per report row: time, dimensions, the report's figures,
 * the currency; then sorted. nkind is 1 when the rows carry a kind key. */
static rk_status emit_rows(rctx *c, const fold *f, size_t nkind, emit_cb cb, rk_err *err)
{
    for (size_t i = 0; i < f->n; i++) {
        size_t k;
        char **row = row_start(c, f, i, &k);
        if (!row) return rk_err_set(err, RK_ENOMEM, "out of memory");
        if (nkind) row_text(row, &k, f->keys[i * f->nk + c->q->ngroup]);
        cb(c, f, i, row, &k);
        row_text(row, &k, f->cur[i]);
    }
    return finish_rows(c, f, nkind, err);
}

/* Runs one report: columns, one or more scans, rows. */
typedef struct rspec {
    const char *const *names;
    const rk_ctype *types;
    size_t ncols, nfig, nkind;
} rspec;

static rk_status report_begin(rctx *c, const rspec *sp, fold *f, rk_err *err)
{
    RK_TRY(head(c, sp->names, sp->types, sp->ncols, err));
    if (!fold_init(f, c->q->ngroup + sp->nkind, sp->nfig)) return rk_err_set(err, RK_ENOMEM, "out of memory");
    return RK_OK;
}

/* ---- utilization ---- */

/* v: reserved, used, reserved_nu, used_nu */
static void util_ri_fine(const rctx *c, fold *f, const frow *x)
{
    rk_i128 *v = fig(c, f, x, "RI");
    if (!v) return;
    if (is(x->cls, "ri-capacity")) {
        v[0] += x->r->vals[0];
        v[2] += x->r->vals[1];
    } else {
        /* the RI's own hours: normalized units / its factor (size flexibility) */
        v[1] += muldiv18(x->r->vals[2], E18, inv_nf(x->commit));
        v[3] += x->r->vals[2];
    }
}

static void util_ri_month(const rctx *c, fold *f, const frow *x)
{
    rk_i128 *v = fig(c, f, x, "RI");
    if (!v) return;
    v[0] += x->r->vals[0];
    v[1] += x->r->vals[0] - x->r->vals[1];
    v[2] += x->r->vals[2];
    v[3] += x->r->vals[2] - x->r->vals[3];
}

static void util_sp(const rctx *c, fold *f, const frow *x)
{
    rk_i128 *v = fig(c, f, x, "SP");
    if (!v) return;
    v[0] += x->r->vals[0];
    v[1] += x->r->vals[1];
}

static void util_emit(const rctx *c, const fold *f, size_t i, char **row, size_t *k)
{
    const rk_i128 *v = f->v + i * f->nf;
    row_money(row, k, v[0]);
    row_money(row, k, v[1]);
    row_money(row, k, v[0] - v[1]);
    row_ratio(row, k, v[1], v[0]);
    if (is(f->keys[i * f->nk + c->q->ngroup], "RI")) {
        row_money(row, k, v[2]);
        row_money(row, k, v[3]);
        row_money(row, k, v[2] - v[3]);
        row_ratio(row, k, v[3], v[2]);
    } else {
        for (int z = 0; z < 4; z++) row_text(row, k, "");
    }
}

static rk_status rep_utilization(rctx *c, rk_err *err)
{
    static const char *const names[] = {"kind",        "reserved", "used",      "unused",        "utilization",
                                        "reserved_nu", "used_nu",  "unused_nu", "utilization_nu"};
    static const rk_ctype types[] = {RK_CT_TEXT,   RK_CT_NUMBER, RK_CT_NUMBER, RK_CT_NUMBER, RK_CT_RATIO,
                                     RK_CT_NUMBER, RK_CT_NUMBER, RK_CT_NUMBER, RK_CT_RATIO};
    static const rspec sp = {names, types, 9, 4, 1}; /* kind is the fold's last key */
    fold f;
    RK_TRY(report_begin(c, &sp, &f, err));
    rk_status st;
    rk_gran g = c->q->gran;
    if (g == RK_GRAN_HOURLY || g == RK_GRAN_DAILY) {
        /* RIFee is monthly: an hour's or day's capacity and use come from the
         * capacity records and the covered usage */
        static const char *const sums[] = {"c_reserved", "c_reserved_nu", "c_nusage"};
        static const char *const classes[] = {"ri-capacity", "ri-usage"};
        st = scan_fold(c, true, g, NULL, 0, sums, 3, classes, 2, &f, util_ri_fine, err);
    } else {
        static const char *const sums[] = {"reservation_total_reserved_units", "reservation_unused_quantity",
                                           "reservation_total_reserved_normalized_units",
                                           "reservation_unused_normalized_unit_quantity"};
        static const char *const classes[] = {"ri-fee"};
        st = scan_fold(c, true, g, NULL, 0, sums, 4, classes, 1, &f, util_ri_month, err);
    }
    if (st == RK_OK) {
        static const char *const sums[] = {"savings_plan_total_commitment_to_date", "savings_plan_used_commitment"};
        static const char *const classes[] = {"sp-fee"};
        st = scan_fold(c, true, g, NULL, 0, sums, 2, classes, 1, &f, util_sp, err);
    }
    if (st == RK_OK) st = emit_rows(c, &f, 1, util_emit, err);
    fold_free(&f);
    return st;
}

/* ---- coverage ---- */

static bool ri_eligible(const char *el)
{
    return is(el, "ec2") || is(el, "rds") || is(el, "elasticache") || is(el, "redshift") || is(el, "opensearch");
}

/* v: eligible, covered, ri_covered, sp_covered, on_demand, eligible_hours, ri_covered_hours */
static void cov_fold(const rctx *c, fold *f, const frow *x)
{
    rk_i128 *v = fig(c, f, x, NULL);
    if (!v) return;
    rk_i128 od = x->r->vals[0], hrs = x->r->vals[1];
    bool rie = ri_eligible(x->extra[0]);
    v[0] += od;
    if (is(x->cls, "ri-usage")) {
        v[1] += od;
        v[2] += od;
        if (rie) v[6] += hrs;
    } else if (is(x->cls, "sp-usage")) {
        v[1] += od;
        v[3] += od;
    } else {
        v[4] += od;
    }
    if (rie) v[5] += hrs;
}

static void cov_emit(const rctx *c, const fold *f, size_t i, char **row, size_t *k)
{
    (void)c;
    const rk_i128 *v = f->v + i * f->nf;
    for (int z = 0; z < 5; z++) row_money(row, k, v[z]);
    row_ratio(row, k, v[1], v[0]);
    row_ratio(row, k, v[2], v[0]);
    row_ratio(row, k, v[3], v[0]);
    row_money(row, k, v[5]);
    row_money(row, k, v[6]);
    row_ratio(row, k, v[6], v[5]);
}

static rk_status rep_coverage(rctx *c, rk_err *err)
{
    static const char *const names[] = {"eligible",       "covered",          "ri_covered",       "sp_covered",
                                        "on_demand",      "coverage",         "ri_coverage",      "sp_coverage",
                                        "eligible_hours", "ri_covered_hours", "ri_coverage_hours"};
    static const rk_ctype types[] = {RK_CT_MONEY, RK_CT_MONEY, RK_CT_MONEY,  RK_CT_MONEY,  RK_CT_MONEY, RK_CT_RATIO,
                                     RK_CT_RATIO, RK_CT_RATIO, RK_CT_NUMBER, RK_CT_NUMBER, RK_CT_RATIO};
    static const rspec sp = {names, types, 11, 7, 0};
    static const char *const extra[] = {"c_eligibility"};
    static const char *const sums[] = {"c_od", "c_usage"};
    static const char *const classes[] = {"od-usage", "ri-usage", "sp-usage"};
    fold f;
    RK_TRY(report_begin(c, &sp, &f, err));
    rk_status st = scan_fold(c, false, c->q->gran, extra, 1, sums, 2, classes, 3, &f, cov_fold, err);
    if (st == RK_OK) st = emit_rows(c, &f, 0, cov_emit, err);
    fold_free(&f);
    return st;
}

/* ---- savings ---- */

/* v: on-demand equivalent, effective cost, waste, spot on-demand, spot cost */
static void sav_fold(const rctx *c, fold *f, const frow *x)
{
    rk_i128 *v = fig(c, f, x, NULL);
    if (!v) return;
    if (is(x->cls, "ri-usage") || is(x->cls, "sp-usage")) {
        v[0] += x->r->vals[0];
        v[1] += x->r->vals[1];
    } else if (is(x->cls, "spot-usage")) {
        v[3] += x->r->vals[0];
        v[4] += x->r->vals[1];
    } else {
        v[2] += x->r->vals[1]; /* a fee row's amortized cost is its unused commitment */
    }
}

static void sav_emit(const rctx *c, const fold *f, size_t i, char **row, size_t *k)
{
    (void)c;
    const rk_i128 *v = f->v + i * f->nf;
    row_money(row, k, v[0]);
    row_money(row, k, v[1]);
    row_money(row, k, v[0] - v[1]);
    row_money(row, k, v[2]);
    row_money(row, k, v[0] - v[1] - v[2]);
    row_money(row, k, v[3]);
    row_money(row, k, v[4]);
    row_money(row, k, v[3] - v[4]);
}

static rk_status rep_savings(rctx *c, rk_err *err)
{
    static const char *const names[] = {"on_demand_equivalent", "effective_cost", "gross_savings", "waste",
                                        "net_savings",          "spot_on_demand", "spot_cost",     "spot_savings"};
    static const rk_ctype types[] = {RK_CT_MONEY, RK_CT_MONEY, RK_CT_MONEY, RK_CT_MONEY,
                                     RK_CT_MONEY, RK_CT_MONEY, RK_CT_MONEY, RK_CT_MONEY};
    static const rspec sp = {names, types, 8, 5, 0};
    const char *sums[] = {"c_od", c->q->net ? "rk_net_amortized" : "rk_amortized"};
    static const char *const classes[] = {"ri-usage", "sp-usage", "spot-usage", "ri-fee", "sp-fee"};
    fold f;
    RK_TRY(report_begin(c, &sp, &f, err));
    rk_status st = scan_fold(c, false, c->q->gran, NULL, 0, sums, 2, classes, 5, &f, sav_fold, err);
    if (st == RK_OK) st = emit_rows(c, &f, 0, sav_emit, err);
    fold_free(&f);
    return st;
}

/* ---- effective savings rate ---- */

static const char *const esr_scopes[] = {"compute", "compute-with-spot", "non-compute"};

/* v: on-demand equivalent, net savings; per scope */
static void esr_fold(const rctx *c, fold *f, const frow *x)
{
    const char *scope = x->extra[0];
    bool spot = is(x->cls, "spot-usage");
    const char *targets[2];
    size_t nt = 0;
    if (is(scope, "compute")) {
        if (!spot) targets[nt++] = "compute";
        targets[nt++] = "compute-with-spot";
    } else if (is(scope, "non-compute") && !spot) {
        targets[nt++] = "non-compute";
    }
    rk_i128 od = 0, sav = 0;
    if (is(x->cls, "od-usage")) od = x->r->vals[0];
    else if (is(x->cls, "ri-fee") || is(x->cls, "sp-fee")) sav = -x->r->vals[1];
    else {
        od = x->r->vals[0];
        sav = x->r->vals[0] - x->r->vals[1];
    }
    for (size_t t = 0; t < nt; t++) {
        rk_i128 *v = fig(c, f, x, targets[t]);
        if (!v) return;
        v[0] += od;
        v[1] += sav;
    }
}

static void esr_emit(const rctx *c, const fold *f, size_t i, char **row, size_t *k)
{
    (void)c;
    const rk_i128 *v = f->v + i * f->nf;
    row_money(row, k, v[0]);
    row_money(row, k, v[1]);
    row_ratio(row, k, v[1], v[0]);
}

static rk_status rep_esr(rctx *c, rk_err *err)
{
    static const char *const names[] = {"scope", "on_demand_equivalent", "net_savings", "esr"};
    static const rk_ctype types[] = {RK_CT_TEXT, RK_CT_MONEY, RK_CT_MONEY, RK_CT_RATIO};
    static const char *const extra[] = {"c_scope"};
    const char *sums[] = {"c_od", c->q->net ? "rk_net_amortized" : "rk_amortized"};
    static const char *const classes[] = {"od-usage", "ri-usage", "sp-usage", "spot-usage", "ri-fee", "sp-fee"};
    static const rspec sp = {names, types, 4, 2, 1}; /* scope is the fold's last key */
    fold f;
    RK_TRY(report_begin(c, &sp, &f, err));
    rk_status st = scan_fold(c, false, c->q->gran, extra, 1, sums, 2, classes, 6, &f, esr_fold, err);
    /* every scope on every (bucket, keys) row, zero when it has no usage */
    for (size_t i = 0, n0 = f.n; st == RK_OK && i < n0; i++) {
        const char *kk[48];
        for (size_t u = 0; u < c->q->ngroup; u++) kk[u] = f.keys[i * f.nk + u];
        for (int s = 0; s < 3; s++) {
            kk[c->q->ngroup] = esr_scopes[s];
            if (!fold_row(&f, f.t[i], kk, f.cur[i])) st = rk_err_set(err, RK_ENOMEM, "out of memory");
        }
    }
    if (st == RK_OK) st = emit_rows(c, &f, 1, esr_emit, err);
    fold_free(&f);
    return st;
}

/* ---- waste ---- */

/* v: RI unused upfront, RI unused recurring, SP waste */
static void waste_fold(const rctx *c, fold *f, const frow *x)
{
    rk_i128 *v = fig(c, f, x, NULL);
    if (!v) return;
    v[0] += x->r->vals[0];
    v[1] += x->r->vals[1];
    /* --net: the SP's net amortized is its unused commitment after discounts */
    if (is(x->cls, "sp-fee")) v[2] += c->q->net ? x->r->vals[4] : x->r->vals[2] - x->r->vals[3];
}

static void waste_emit(const rctx *c, const fold *f, size_t i, char **row, size_t *k)
{
    (void)c;
    const rk_i128 *v = f->v + i * f->nf;
    row_money(row, k, v[0]);
    row_money(row, k, v[1]);
    row_money(row, k, v[0] + v[1]);
    row_money(row, k, v[2]);
    row_money(row, k, v[0] + v[1] + v[2]);
}

static rk_status rep_waste(rctx *c, rk_err *err)
{
    static const char *const names[] = {"ri_unused_upfront", "ri_unused_recurring", "ri_waste", "sp_waste", "waste"};
    static const rk_ctype types[] = {RK_CT_MONEY, RK_CT_MONEY, RK_CT_MONEY, RK_CT_MONEY, RK_CT_MONEY};
    static const rspec sp = {names, types, 5, 3, 0};
    const bool net = c->q->net;
    const char *sums[] = {net ? "reservation_net_unused_amortized_upfront_fee_for_billing_period"
                              : "reservation_unused_amortized_upfront_fee_for_billing_period",
                          net ? "reservation_net_unused_recurring_fee" : "reservation_unused_recurring_fee",
                          "savings_plan_total_commitment_to_date", "savings_plan_used_commitment", "rk_net_amortized"};
    static const char *const classes[] = {"ri-fee", "sp-fee"};
    fold f;
    RK_TRY(report_begin(c, &sp, &f, err));
    rk_status st = scan_fold(c, true, c->q->gran, NULL, 0, sums, 5, classes, 2, &f, waste_fold, err);
    if (st == RK_OK) st = emit_rows(c, &f, 0, waste_emit, err);
    fold_free(&f);
    return st;
}

/* ---- inventory, schedule, expiring ---- */

/* Does a commitment pass the filters (on its own attributes)? */
static bool inv_pass(const rk_cquery *q, const inv *e)
{
    for (size_t f = 0; f < q->nfilters; f++) {
        int d = cdim_index(q->filters[f].dim);
        const char *v = inv_dim(e, d);
        bool ok = false;
        for (size_t i = 0; i < q->filters[f].nvalues && !ok; i++) ok = is(q->filters[f].values[i], v);
        if (!ok) return false;
    }
    return true;
}

static int cmp_inv_arn(const void *a, const void *b)
{
    const inv *x = *(const inv *const *)a, *y = *(const inv *const *)b;
    int c = strcmp(nz(x->type), nz(y->type));
    return c ? c : strcmp(x->arn, y->arn);
}

/* Entries with an ARN, passing the filters, sorted by type then ARN. */
static inv **inv_sorted(rctx *c, size_t *n)
{
    inv **v = malloc((c->inv.n ? c->inv.n : 1) * sizeof *v);
    *n = 0;
    if (!v) return NULL;
    for (size_t i = 0; i < c->inv.n; i++)
        if (c->inv.v[i].arn && c->inv.v[i].fee && inv_pass(c->q, &c->inv.v[i])) v[(*n)++] = &c->inv.v[i];
    qsort(v, *n, sizeof *v, cmp_inv_arn);
    return v;
}

static int cmp_strp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* "b\na\nb\n" -> "a;b" (malloc'd). */
static char *join_unique(char *lines)
{
    size_t n = 0, cap = 16;
    char **v = malloc(cap * sizeof *v);
    if (!v) return NULL;
    for (char *p = lines; *p;) {
        char *nl = strchr(p, '\n');
        if (!nl) break;
        *nl = 0;
        if (n == cap) {
            char **w = realloc(v, 2 * cap * sizeof *v);
            if (!w) break;
            v = w;
            cap *= 2;
        }
        v[n++] = p;
        p = nl + 1;
    }
    qsort(v, n, sizeof *v, cmp_strp);
    rk_buf o;
    rk_buf_init(&o, 1 << 24);
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(v[i], v[i - 1]) == 0) continue;
        if (o.len) rk_buf_putc(&o, ';');
        rk_buf_puts(&o, v[i]);
    }
    free(v);
    char *out = rk_strdup(o.p ? o.p : "");
    rk_buf_free(&o);
    return out;
}

static rk_status rep_list(rctx *c, rk_err *err)
{
    const rk_cquery *q = c->q;
    static const char *const names[] = {
        "arn",   "type", "owner",         "service",        "region",         "instance_type", "family",
        "platform", "quantity", "normalization_factor", "hourly_commitment", "payment_option", "term", "start",
        "end",   "upfront_value", "recurring_hourly_fee", "monthly_commitment", "consumers", "status", "currency"};
    static const rk_ctype types[] = {RK_CT_TEXT,   RK_CT_TEXT,  RK_CT_TEXT,  RK_CT_TEXT,  RK_CT_TEXT,  RK_CT_TEXT,
                                     RK_CT_TEXT,   RK_CT_TEXT,  RK_CT_NUMBER, RK_CT_NUMBER, RK_CT_MONEY, RK_CT_TEXT,
                                     RK_CT_TEXT,   RK_CT_TEXT,  RK_CT_TEXT,  RK_CT_MONEY, RK_CT_MONEY, RK_CT_MONEY,
                                     RK_CT_TEXT,   RK_CT_TEXT,  RK_CT_TEXT};
    RK_TRY(tb_cols(c->out, names, types, sizeof names / sizeof *names, err));
    /* seen in the range, and by whom */
    static const char *const cols[] = {"c_commitment", "c_class", "line_item_usage_account_id"};
    static const char *const sums[] = {"c_rows"};
    rk_qresult res;
    RK_TRY(rq(c->ws, q, RK_GRAN_TOTAL, true, cols, 3, sums, 1, NULL, 0, &res, err));
    rk_buf *cons = calloc(c->inv.n ? c->inv.n : 1, sizeof *cons);
    if (!cons) {
        rk_qresult_free(&res);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    /* result rows are sorted by keys within the same value: collect, then sort */
    for (size_t i = 0; i < res.n; i++) {
        inv *e = inv_get(&c->inv, res.rows[i].keys[0], false);
        if (!e) continue;
        e->seen = true;
        const char *cls = res.rows[i].keys[1], *acct = res.rows[i].keys[2];
        if ((is(cls, "ri-usage") || is(cls, "sp-usage")) && *acct) {
            rk_buf *b = &cons[e - c->inv.v];
            if (!b->max) rk_buf_init(b, 1 << 20);
            rk_buf_puts(b, acct);
            rk_buf_putc(b, '\n');
        }
    }
    rk_qresult_free(&res);
    size_t n;
    inv **v = inv_sorted(c, &n);
    rk_status st = v ? RK_OK : rk_err_set(err, RK_ENOMEM, "out of memory");
    for (size_t i = 0; st == RK_OK && i < n; i++) {
        inv *e = v[i];
        if (!e->seen) continue;
        rk_buf *b = &cons[e - c->inv.v];
        char *list = b->len ? join_unique(b->p) : NULL;
        char **row = tb_row(&c->tb);
        if (!row) {
            free(list);
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            break;
        }
        size_t k = 0;
        char tmp[64];
        row_text(row, &k, e->arn);
        row_text(row, &k, nz(e->type));
        row_text(row, &k, nz(e->owner));
        row_text(row, &k, nz(e->service));
        row_text(row, &k, nz(e->region));
        row_text(row, &k, nz(e->itype));
        row_text(row, &k, nz(e->family));
        row_text(row, &k, nz(e->platform));
        if (e->sp) {
            row_text(row, &k, "");
            row_text(row, &k, "");
            row_money(row, &k, inv_hourly_commit(e));
        } else {
            row_money(row, &k, e->quantity);
            row_money(row, &k, inv_nf(e));
            row_text(row, &k, "");
        }
        row_text(row, &k, nz(e->payment));
        row_text(row, &k, nz(e->term));
        if (e->has_start) rk_time_fmt(e->start, tmp);
        else tmp[0] = 0;
        row_text(row, &k, tmp);
        if (e->has_end) rk_time_fmt(e->end, tmp);
        else tmp[0] = 0;
        row_text(row, &k, tmp);
        row_money(row, &k, inv_upfront(e));
        row_money(row, &k, inv_recurring_hourly(e));
        row_money(row, &k, inv_monthly(e));
        row_text(row, &k, list ? list : "");
        free(list);
        row_text(row, &k, (!e->has_end || e->end > c->data_end) ? "active" : "expired");
        row_text(row, &k, nz(e->currency));
    }
    for (size_t i = 0; i < c->inv.n; i++) rk_buf_free(&cons[i]);
    free(cons);
    free(v);
    return st;
}

/* Hours (scale 18) of [a, b) inside [m0, m1). */
static rk_i128 overlap_hours(int64_t a, int64_t b, int64_t m0, int64_t m1)
{
    int64_t x = a > m0 ? a : m0, y = b < m1 ? b : m1;
    if (y <= x) return 0;
    return muldiv18((rk_i128)(y - x) * E18, E18, (rk_i128)MS_HOUR * E18);
}

/* The reference time of schedule and expiring: --as-of, else the end of the data. */
static int64_t reference(const rctx *c) { return c->q->has_as_of ? c->q->as_of : c->data_end; }

static rk_status rep_schedule(rctx *c, rk_err *err)
{
    const rk_cquery *q = c->q;
    static const char *const names[] = {"Amortized Commitment",   "ARN",    "Date",
                                        "Duration",               "Expiration", "Instance Family or Type",
                                        "Region",                 "Upfront Commitment", "Recurring Commitment",
                                        "Total Commitment",       "currency"};
    static const rk_ctype types[] = {RK_CT_MONEY, RK_CT_TEXT,  RK_CT_TIME,  RK_CT_TEXT,  RK_CT_TEXT, RK_CT_TEXT,
                                     RK_CT_TEXT,  RK_CT_MONEY, RK_CT_MONEY, RK_CT_MONEY, RK_CT_TEXT};
    RK_TRY(tb_cols(c->out, names, types, 11, err));
    int64_t ref = rk_time_floor_month(reference(c) > 0 ? reference(c) - 1 : 0);
    int64_t m0 = q->has_from ? rk_time_floor_month(q->from) : rk_time_add_months(ref, -6);
    int64_t m1 = q->has_to ? q->to : rk_time_add_months(ref, 37);
    size_t n;
    inv **v = inv_sorted(c, &n);
    if (!v) return rk_err_set(err, RK_ENOMEM, "out of memory");
    /* by ARN within a month */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1]->arn, v[j]->arn) > 0; j--) {
            inv *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    rk_status st = RK_OK;
    for (int64_t m = m0; st == RK_OK && m < m1; m = rk_time_add_months(m, 1)) {
        int64_t me = rk_time_add_months(m, 1);
        for (size_t i = 0; i < n; i++) {
            inv *e = v[i];
            if (!e->has_start || !e->has_end) continue;
            rk_i128 active = overlap_hours(e->start, e->end, m, me);
            if (active == 0) continue;
            rk_i128 amort = muldiv18(inv_amort_hourly(e), active, E18);
            rk_i128 recur = muldiv18(inv_recurring_hourly(e), active, E18);
            rk_i128 upfront = (e->start >= m && e->start < me) ? inv_upfront(e) : 0;
            char **row = tb_row(&c->tb);
            if (!row) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
            size_t k = 0;
            char tmp[64];
            row_money(row, &k, amort);
            row_text(row, &k, e->arn);
            rk_time_fmt_month(m, tmp);
            row_text(row, &k, tmp);
            row_text(row, &k, nz(e->term));
            rk_time_fmt(e->end, tmp);
            row_text(row, &k, tmp);
            row_text(row, &k, e->sp ? (is(nz(e->type), "EC2 Instance SP") ? nz(e->family) : "") : nz(e->itype));
            row_text(row, &k, nz(e->region));
            row_money(row, &k, upfront);
            row_money(row, &k, recur);
            row_money(row, &k, amort + recur);
            row_text(row, &k, nz(e->currency));
        }
    }
    free(v);
    return st;
}

static rk_status rep_expiring(rctx *c, rk_err *err)
{
    const rk_cquery *q = c->q;
    static const char *const names[] = {"arn",    "type",           "end",                "days_left",
                                        "window", "monthly_commitment", "savings_last_30d", "currency"};
    static const rk_ctype types[] = {RK_CT_TEXT, RK_CT_TEXT,  RK_CT_TEXT,  RK_CT_NUMBER,
                                     RK_CT_TEXT, RK_CT_MONEY, RK_CT_MONEY, RK_CT_TEXT};
    RK_TRY(tb_cols(c->out, names, types, 8, err));
    int64_t ref = reference(c);
    /* net savings per commitment over the 30 days before the reference,
     * reaching back to the start of that last month so its monthly rows
     * (RIFee, a monthly CUR's usage) are never cut off */
    int64_t pm1 = ref, pm0 = ref - 30 * MS_DAY;
    if (rk_time_floor_month(ref - 1) < pm0) pm0 = rk_time_floor_month(ref - 1);
    rk_cquery pq = *q;
    pq.has_from = pq.has_to = true;
    pq.from = pm0;
    pq.to = pm1;
    static const char *const cols[] = {"c_commitment", "c_class"};
    static const char *const sums[] = {"c_od", "rk_amortized"};
    static const char *const classes[] = {"ri-usage", "sp-usage", "ri-fee", "sp-fee"};
    rk_qresult res;
    RK_TRY(rq(c->ws, &pq, RK_GRAN_TOTAL, true, cols, 2, sums, 2, classes, 4, &res, err));
    rk_i128 *sav = calloc(c->inv.n ? c->inv.n : 1, sizeof *sav);
    if (!sav) {
        rk_qresult_free(&res);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < res.n; i++) {
        const rk_qrow *r = &res.rows[i];
        inv *e = inv_get(&c->inv, r->keys[0], false);
        if (!e) continue;
        bool fee = is(r->keys[1], "ri-fee") || is(r->keys[1], "sp-fee");
        sav[e - c->inv.v] += fee ? -r->vals[1] : r->vals[0] - r->vals[1];
    }
    rk_qresult_free(&res);
    size_t n;
    inv **v = inv_sorted(c, &n);
    rk_status st = v ? RK_OK : rk_err_set(err, RK_ENOMEM, "out of memory");
    for (size_t i = 0; st == RK_OK && i < n; i++) {
        inv *e = v[i];
        if (!e->has_end || e->end <= ref || e->end > ref + 90 * MS_DAY) continue;
        char **row = tb_row(&c->tb);
        if (!row) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            break;
        }
        size_t k = 0;
        char tmp[64];
        row_text(row, &k, e->arn);
        row_text(row, &k, nz(e->type));
        rk_time_fmt(e->end, tmp);
        row_text(row, &k, tmp);
        int64_t days = (e->end - ref) / MS_DAY;
        snprintf(tmp, sizeof tmp, "%lld", (long long)days);
        row_text(row, &k, tmp);
        int64_t left = e->end - ref;
        row_text(row, &k, left <= 30 * MS_DAY ? "30" : left <= 60 * MS_DAY ? "60" : "90");
        row_money(row, &k, inv_monthly(e));
        row_money(row, &k, sav[e - c->inv.v]);
        row_text(row, &k, nz(e->currency));
    }
    free(v);
    free(sav);
    if (st == RK_OK) {
        /* soonest first */
        size_t nsort = 0;
        (void)nsort;
        for (size_t i = 1; i < c->out->nrows; i++)
            for (size_t j = i; j > 0; j--) {
                char **a = c->out->cells + (j - 1) * c->out->ncols, **b = c->out->cells + j * c->out->ncols;
                int cmp = strcmp(a[2], b[2]);
                if (cmp < 0 || (cmp == 0 && strcmp(a[0], b[0]) <= 0)) break;
                for (size_t x = 0; x < c->out->ncols; x++) {
                    char *t = a[x];
                    a[x] = b[x];
                    b[x] = t;
                }
            }
    }
    return st;
}

/* A daily CUR has no hours and a monthly one no days: a finer bucket would
 * pile a day's or a month's usage into its first hour. Refuse, naming the
 * period, rather than print figures that look hourly and are not. */
static rk_status check_granularity(rk_ws *ws, const rk_cquery *q, rk_err *err)
{
    rk_selection sel;
    RK_TRY(rk_ws_select(ws, &sel, err));
    rk_status st = RK_OK;
    for (size_t i = 0; i < sel.nchoices && st == RK_OK; i++) {
        const rk_choice *ch = &sel.choices[i];
        if (!ch->nc || !ch->c[0].granularity) continue;
        int64_t p0;
        char tmp[16];
        snprintf(tmp, sizeof tmp, "%s-01", ch->period);
        if (rk_time_parse(tmp, strlen(tmp), &p0) != RK_OK) continue;
        int64_t p1 = rk_time_add_months(p0, 1);
        if ((q->has_to && p0 >= q->to) || (q->has_from && p1 <= q->from)) continue;
        const char *g = ch->c[0].granularity;
        bool coarse = q->gran == RK_GRAN_HOURLY ? strcmp(g, "hourly") != 0 : strcmp(g, "monthly") == 0;
        if (coarse)
            st = rk_err_set(err, RK_EUSAGE,
                            "%s for payer %s is a %s CUR: it cannot be split %s; use --granularity %s, or --from/--to "
                            "to leave that period out",
                            ch->period, ch->payer, g, q->gran == RK_GRAN_HOURLY ? "by hour" : "by day",
                            strcmp(g, "daily") == 0 ? "daily" : "monthly");
    }
    rk_selection_free(&sel);
    return st;
}

rk_status rk_commit_report(rk_ws *ws, const rk_cquery *q, rk_ctable *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    for (size_t u = 0; u < q->ngroup; u++) RK_TRY(rk_cdim_check(q->group[u], err));
    for (size_t f = 0; f < q->nfilters; f++) RK_TRY(rk_cdim_check(q->filters[f].dim, err));
    rctx c;
    memset(&c, 0, sizeof c);
    c.ws = ws;
    c.out = out;
    c.tb.t = out;
    rk_cquery qq = *q;
    c.q = &qq;
    rk_status st = data_span(&c, err);
    if (st == RK_OK && q->month_to_date && c.data_end) {
        qq.has_from = qq.has_to = true;
        qq.from = rk_time_floor_month(c.data_end - 1);
        qq.to = c.data_end;
    }
    if (st == RK_OK && (q->gran == RK_GRAN_HOURLY || q->gran == RK_GRAN_DAILY) && q->report != RK_CR_LIST &&
        q->report != RK_CR_SCHEDULE && q->report != RK_CR_EXPIRING)
        st = check_granularity(ws, &qq, err);
    if (st == RK_OK) st = inv_load(ws, &qq, &c.inv, err);
    if (st == RK_OK) {
        switch (q->report) {
        case RK_CR_LIST: st = rep_list(&c, err); break;
        case RK_CR_SCHEDULE: st = rep_schedule(&c, err); break;
        case RK_CR_UTILIZATION: st = rep_utilization(&c, err); break;
        case RK_CR_COVERAGE: st = rep_coverage(&c, err); break;
        case RK_CR_SAVINGS: st = rep_savings(&c, err); break;
        case RK_CR_ESR: st = rep_esr(&c, err); break;
        case RK_CR_WASTE: st = rep_waste(&c, err); break;
        case RK_CR_EXPIRING: st = rep_expiring(&c, err); break;
        default: st = rk_err_set(err, RK_EUSAGE, "unknown report");
        }
    }
    if (st == RK_OK)
        for (size_t i = 0; i < out->nrows * out->ncols; i++)
            if (!out->cells[i]) st = rk_err_set(err, RK_ENOMEM, "out of memory");
    inv_free(&c.inv);
    if (st != RK_OK) rk_ctable_free(out);
    return st;
}
