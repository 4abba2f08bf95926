#include "ingest/ingest.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/dec.h"
#include "common/hash.h"
#include "common/mem.h"
#include "common/timeparse.h"
#include "cur/colname.h"
#include "cur/commit.h"
#include "cur/measures.h"
#include "cur/schema.h"
#include "format/csv.h"
#include "format/parquet.h"
#include "format/zip.h"
#include "ingest/rollup.h"
#include "store/segment.h"
#include "store/status.h"

/* HOW IT WORKS
 * Work is handed out per (delivery, file): both cores read files of the same
 * delivery when it has several parts, and move to the next delivery when it
 * has none left. The threads reading one delivery share its "job": one column
 * registry (every name the delivery uses gets a global id with its type, the
 * key it feeds and, for CUR 2.0 map columns, the map it expands) and, per
 * billing period, one segment file. Each thread fills its own block builders
 * (rk_segb), so rows never cross threads; finished blocks are appended to the
 * shared segment. Rows go to the plan's one period or, for CSV without a
 * manifest, to the period of their bill/BillingPeriodStartDate. The thread
 * that finishes the last file of a delivery checks the files did not change
 * and publishes every period in its own catalog transaction; any error aborts
 * the delivery and every period keeps its previous state. */

enum { D_TIME, D_UNB, D_BLEND, D_NETUNB, D_AMORT, D_NETAMORT, D_OD, D_TRUEUP, D_UPFRONT, D_SERVICE,
       D_REGION, D_CHARGE, D_PO, D_COUNT };

static const struct {
    const char *name;
    rk_coltype type;
} derived[D_COUNT] = {
    {RK_D_TIME, RK_COL_TIME},       {RK_D_UNBLENDED, RK_COL_DEC},      {RK_D_BLENDED, RK_COL_DEC},
    {RK_D_NET_UNBLENDED, RK_COL_DEC}, {RK_D_AMORTIZED, RK_COL_DEC},    {RK_D_NET_AMORTIZED, RK_COL_DEC},
    {RK_D_ONDEMAND, RK_COL_DEC},    {RK_D_TRUEUP, RK_COL_DEC},         {RK_D_UPFRONT, RK_COL_DEC},
    {RK_D_SERVICE, RK_COL_STR},     {RK_D_REGION, RK_COL_STR},         {RK_D_CHARGE_TYPE, RK_COL_STR},
    {RK_D_PURCHASE_OPTION, RK_COL_STR},
};

typedef struct gcol {
    char *name;
    rk_coltype type;
    rk_key key;
} gcol;

typedef struct payer_stat {
    char *payer;
    uint64_t rows;
    rk_i128 unb, amort;
} payer_stat;

/* Statistics of the rows of one period, per thread, merged per delivery. */
typedef struct pstats {
    payer_stat *payers;
    size_t npayers, paycap;
    char currency[64];
    int64_t min_interval;
    bool resource_ids;
    uint64_t rows;
    uint64_t outside; /* rows whose billing period is not the plan's */
} pstats;

/* One billing period of a delivery: its segment, shared by the threads. */
typedef struct period_out {
    char period[8];
    rk_segw *w;
    char tmp[PATH_MAX], name[64];
    int dcol[D_COUNT];
    int rcols[1 + RK_CK_COUNT + RK_CM_COUNT]; /* the commitment rollup's columns */
    pstats st;        /* merged from the threads */
    uint64_t *file_rows; /* per plan file */
} period_out;

/* A thread's builder for one period. */
typedef struct lperiod {
    period_out *po;
    rk_segb *b;
    int *map; /* gid -> segment column, -1 unknown */
    size_t mapcap;
    int *dcol;
    rk_rollup ru;
    pstats st;
    uint64_t rows;
} lperiod;

/* What a part's header cell feeds. */
typedef struct hcol {
    int gid;
    rk_coltype type;
    rk_key key;
    rk_mapcol map;
    int mapslot;
} hcol;

/* Per-part cache of one CUR 2.0 map cell: rows repeat the same JSON. */
typedef struct mapent {
    int gid;
    rk_coltype type;
    rk_key key;
    const char *s; /* into cache text */
    size_t n;
    rk_dec d;
} mapent;

typedef struct mapcache {
    rk_buf last; /* the cell text last parsed */
    rk_buf vals; /* string values, NUL separated */
    mapent *ents;
    size_t nents, cap;
    bool valid;
} mapcache;

typedef struct shared shared;

/* One delivery (plan), shared by the threads reading its files. */
typedef struct job {
    shared *sh;
    const rk_plan *plan;
    pthread_mutex_t mu;
    bool inited, skip;
    int64_t report_id;
    gcol **cols;
    size_t ncols, colcap;
    period_out **po;
    size_t npo, pocap;
    size_t ntasks, next_task, done_tasks;
    struct jtask {
        size_t file;
        unsigned part, nparts; /* a big Parquet file is read in parts: row group ranges */
    } *tasks;
    int failed; /* read without the lock to stop other threads early */
    rk_status st;
    rk_err err;
    uint64_t rounded;
    char warning[600];
    double t0;
} job;

/* One thread reading one file of a job. */
typedef struct local {
    job *j;
    size_t file_idx;
    unsigned part, nparts; /* of the file: this thread reads row groups [nrg*part/nparts, nrg*(part+1)/nparts) */
    lperiod **lp;
    size_t nlp, lpcap;
    uint64_t rounded;
    char warning[600];
    char where[1200]; /* "file KEY" or "file KEY (member M)" */
    char last_iv[64]; /* interval parse cache */
    size_t last_iv_len;
    int64_t iv_start, iv_end;
} local;

struct shared {
    rk_ws *ws;
    rk_source *src;
    const rk_ingest_opts *opts;
    rk_discovery *disc;
    int64_t source_id;
    job *jobs;
    size_t njobs, cursor;
    rk_period_result *res;
    size_t nres, rescap;
    pthread_mutex_t mu;
    int64_t run_id;
    uint64_t bytes_read, rows, bytes_total;
    unsigned plans_done, plans_total;
    volatile int stop_progress;
};

/* ---- results ---- */

static void add_result(shared *sh, const rk_plan *p, const char *period, rk_res_status st, uint64_t rows,
                       const char *msg, double secs)
{
    pthread_mutex_lock(&sh->mu);
    if (RK_GROW(sh->res, sh->rescap, sh->nres + 1) == RK_OK) {
        rk_period_result *r = &sh->res[sh->nres++];
        char name[2048];
        rk_report_display(p->report_path, p->report_name, name, sizeof name);
        r->report = rk_strdup(name);
        r->format = rk_fmt_name(p->fmt);
        r->period = period ? rk_strdup(period) : NULL;
        r->status = st;
        r->rows = rows;
        r->message = msg ? rk_strdup(msg) : NULL;
        r->seconds = secs;
        r->code = st == RK_RES_FAILED ? RK_EBADDATA : RK_OK;
    }
    pthread_mutex_unlock(&sh->mu);
}

/* The code of the result just added (a failure's class, for retries). */
static void set_last_code(shared *sh, rk_status code)
{
    pthread_mutex_lock(&sh->mu);
    if (sh->nres) sh->res[sh->nres - 1].code = code;
    pthread_mutex_unlock(&sh->mu);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- columns ---- */

/* The global id of a column name in this delivery (added when new), with its
 * type and key. Thread-safe. */
static int gcol_find(job *j, const char *name, rk_coltype type, rk_coltype *type_out, rk_key *key_out)
{
    int id = -1;
    pthread_mutex_lock(&j->mu);
    for (size_t i = 0; i < j->ncols; i++)
        if (strcmp(j->cols[i]->name, name) == 0) {
            id = (int)i;
            break;
        }
    if (id < 0 && RK_GROW(j->cols, j->colcap, j->ncols + 1) == RK_OK) {
        gcol *g = calloc(1, sizeof *g);
        if (g && (g->name = rk_strdup(name))) {
            g->type = type;
            g->key = rk_cur_key(name);
            j->cols[j->ncols] = g;
            id = (int)j->ncols++;
        } else {
            free(g);
        }
    }
    if (id >= 0) {
        *type_out = j->cols[id]->type;
        *key_out = j->cols[id]->key;
    }
    pthread_mutex_unlock(&j->mu);
    return id;
}

/* The delivery's output for a period, created on first use. Called with j->mu held. */
static rk_status po_get_locked(job *j, const char *period, period_out **out, rk_err *err)
{
    for (size_t i = 0; i < j->npo; i++)
        if (strcmp(j->po[i]->period, period) == 0) {
            *out = j->po[i];
            return RK_OK;
        }
    if (RK_GROW(j->po, j->pocap, j->npo + 1) != RK_OK) return rk_err_set(err, RK_ENOMEM, "out of memory");
    period_out *po = calloc(1, sizeof *po);
    if (!po) return rk_err_set(err, RK_ENOMEM, "out of memory");
    j->po[j->npo++] = po; /* counted at once so an error below is cleaned up with the rest */
    snprintf(po->period, sizeof po->period, "%s", period);
    po->st.min_interval = INT64_MAX;
    po->file_rows = calloc(j->plan->nfiles ? j->plan->nfiles : 1, sizeof *po->file_rows);
    if (!po->file_rows) return rk_err_set(err, RK_ENOMEM, "out of memory");
    RK_TRY(rk_ws_segment_paths(j->sh->ws, po->tmp, sizeof po->tmp, po->name, sizeof po->name, err));
    RK_TRY(rk_segw_create(po->tmp, &po->w, err));
    for (int k = 0; k < D_COUNT; k++) {
        po->dcol[k] = rk_segw_column(po->w, derived[k].name, derived[k].type, err);
        if (po->dcol[k] < 0) return RK_ENOMEM;
    }
    RK_TRY(rk_rollup_columns(po->w, po->rcols, err));
    *out = po;
    return RK_OK;
}

/* This thread's builder for a period. */
static rk_status lp_get(local *l, const char *period, lperiod **out, rk_err *err)
{
    for (size_t i = 0; i < l->nlp; i++)
        if (strcmp(l->lp[i]->po->period, period) == 0) {
            *out = l->lp[i];
            return RK_OK;
        }
    period_out *po;
    pthread_mutex_lock(&l->j->mu);
    rk_status st = po_get_locked(l->j, period, &po, err);
    pthread_mutex_unlock(&l->j->mu);
    if (st != RK_OK) return st;
    if (RK_GROW(l->lp, l->lpcap, l->nlp + 1) != RK_OK) return rk_err_set(err, RK_ENOMEM, "out of memory");
    lperiod *lp = calloc(1, sizeof *lp);
    if (!lp) return rk_err_set(err, RK_ENOMEM, "out of memory");
    l->lp[l->nlp++] = lp;
    lp->po = po;
    lp->dcol = po->dcol;
    lp->st.min_interval = INT64_MAX;
    RK_TRY(rk_segb_open(po->w, &lp->b, err));
    RK_TRY(rk_rollup_open(&lp->ru, po->w, po->rcols, err));
    *out = lp;
    return RK_OK;
}

/* Which period a part's rows go to: the plan's own period when it has one
 * (manifest deliveries), else the period of each row's billing period start,
 * with the last answer cached (rows of a file share a period). */
typedef struct router {
    lperiod *single;
    int64_t plan_p0; /* the plan's period start (ms), 0 without one */
    int64_t last_ms;
    lperiod *last;
} router;

static rk_status router_init(local *l, const rk_plan *p, router *r, rk_err *err)
{
    memset(r, 0, sizeof *r);
    r->last_ms = INT64_MIN;
    if (!p->period) return RK_OK;
    char tmp[16];
    snprintf(tmp, sizeof tmp, "%s-01", p->period);
    rk_time_parse(tmp, strlen(tmp), &r->plan_p0);
    return lp_get(l, p->period, &r->single, err);
}

static inline rk_status router_get(local *l, router *r, int64_t period_ms, lperiod **out, rk_err *err)
{
    if (period_ms != r->last_ms) {
        char per[8];
        rk_period_of(period_ms, per);
        RK_TRY(lp_get(l, per, &r->last, err));
        r->last_ms = period_ms;
    }
    *out = r->last;
    return RK_OK;
}

static inline int pw_col(lperiod *w, local *l, int gid, rk_err *err)
{
    if ((size_t)gid >= w->mapcap) {
        size_t old = w->mapcap, ncap = old ? old : 64;
        while (ncap <= (size_t)gid) ncap *= 2;
        int *m = realloc(w->map, ncap * sizeof *m);
        if (!m) return -1;
        for (size_t i = old; i < ncap; i++) m[i] = -1;
        w->map = m;
        w->mapcap = ncap;
    }
    int c = w->map[gid];
    if (c < 0) {
        pthread_mutex_lock(&l->j->mu);
        char *name = rk_strdup(l->j->cols[gid]->name);
        rk_coltype t = l->j->cols[gid]->type;
        pthread_mutex_unlock(&l->j->mu);
        if (!name) return -1;
        c = rk_segw_column(w->po->w, name, t, err);
        free(name);
        w->map[gid] = c;
    }
    return c;
}

/* ---- errors with place ---- */

static rk_status field_err(local *l, rk_err *err, uint64_t line, size_t col, const char *hdr, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static rk_status field_err(local *l, rk_err *err, uint64_t line, size_t col, const char *hdr, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rk_err_set(err, RK_EBADDATA, "%s: line %llu, column %zu (%s): %s", l->where, (unsigned long long)line, col,
                      hdr, msg);
}

static void quote_value(const char *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 8 < cap; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 32 || c == 127) k += (size_t)snprintf(out + k, cap - k, "\\x%02x", c);
        else out[k++] = (char)c;
        if (i == 40 && n > 48) {
            k += (size_t)snprintf(out + k, cap - k, "… (%zu bytes)", n);
            break;
        }
    }
    out[k] = 0;
}

/* ---- map columns (CUR 2.0 CSV) ---- */

static rk_status map_parse(local *l, mapcache *mc, rk_mapcol map, const char *p, size_t n, uint64_t line, size_t col,
                           const char *hdr, rk_err *err)
{
    if (mc->valid && mc->last.len == n && memcmp(mc->last.p, p, n) == 0) return RK_OK;
    mc->valid = false;
    mc->nents = 0;
    rk_buf_reset(&mc->vals);
    rk_buf_reset(&mc->last);
    if (rk_buf_append(&mc->last, p, n) != RK_OK) return rk_err_set(err, RK_ENOMEM, "out of memory");
    json_error_t je;
    json_t *root = json_loadb(p, n, 0, &je);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        char q[128];
        quote_value(p, n, q, sizeof q);
        return field_err(l, err, line, col, hdr, "\"%s\" is not a JSON object (CUR 2.0 writes map columns as {\"key\":\"value\"})", q);
    }
    /* Values are stored NUL-separated in vals; record offsets first, then
     * fix pointers once vals stops moving. */
    const char *k;
    json_t *v;
    size_t *offs = NULL, ocap = 0, no = 0;
    rk_status st = RK_OK;
    json_object_foreach(root, k, v)
    {
        if (json_is_null(v)) continue;
        char colname[2 * RK_COLNAME_MAX + 64], norm[2 * RK_COLNAME_MAX + 2];
        size_t kl = strlen(k);
        if (kl > RK_COLNAME_MAX) kl = RK_COLNAME_MAX;
        rk_colname_normalize(k, kl, norm, sizeof norm);
        if (!*norm) continue;
        snprintf(colname, sizeof colname, "%s_%s", rk_cur_map_prefix(map), norm);
        rk_coltype t = rk_cur_coltype(colname);
        if (json_is_number(v)) t = RK_COL_DEC;
        else if (t == RK_COL_DEC) t = RK_COL_STR; /* text in a numeric-looking key: keep it as text */
        if (map == RK_MAP_DISCOUNT && json_is_string(v)) t = RK_COL_STR;
        rk_coltype have;
        rk_key key;
        int gid = gcol_find(l->j, colname, t, &have, &key);
        if (gid < 0) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            break;
        }
        if (have != t) {
            st = field_err(l, err, line, col, hdr, "key \"%s\" holds both numbers and text", k);
            break;
        }
        if (RK_GROW(mc->ents, mc->cap, mc->nents + 1) != RK_OK || RK_GROW(offs, ocap, no + 1) != RK_OK) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            break;
        }
        mapent *e = &mc->ents[mc->nents++];
        e->gid = gid;
        e->type = t;
        e->key = key;
        e->s = NULL;
        e->n = 0;
        e->d = rk_dec_zero();
        offs[no++] = mc->vals.len;
        if (t == RK_COL_DEC) {
            bool ok = json_is_integer(v) ? (e->d = (rk_dec){json_integer_value(v), 0}, true)
                                         : rk_dec_from_double(json_real_value(v), &e->d);
            if (!ok) {
                st = field_err(l, err, line, col, hdr, "key \"%s\" is not a finite number", k);
                break;
            }
        } else if (json_is_string(v)) {
            e->n = json_string_length(v);
            if (rk_buf_append(&mc->vals, json_string_value(v), e->n) != RK_OK || rk_buf_putc(&mc->vals, 0) != RK_OK) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
        } else {
            char *txt = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            e->n = txt ? strlen(txt) : 0;
            if (rk_buf_append(&mc->vals, txt ? txt : "", e->n) != RK_OK || rk_buf_putc(&mc->vals, 0) != RK_OK)
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
            free(txt);
            if (st != RK_OK) break;
        }
    }
    json_decref(root);
    for (size_t i = 0; i < mc->nents && st == RK_OK; i++)
        if (mc->ents[i].type != RK_COL_DEC) mc->ents[i].s = mc->vals.p + offs[i];
    free(offs);
    if (st == RK_OK) mc->valid = true;
    return st;
}

/* ---- one CSV part ---- */

static const char *const categories[] = {"identity/",   "bill/",        "lineItem/",     "product/",
                                         "pricing/",    "reservation/", "savingsPlan/",  "resourceTags/",
                                         "costCategory/", "discount/",  "splitLineItem/"};

/* A header cell such as "pricing/OfferingClasspricing/PurchaseOption": two
 * names fused by a missing comma. */
static bool fused_cell(const char *p, size_t n)
{
    for (size_t c = 0; c < sizeof categories / sizeof *categories; c++) {
        size_t m = strlen(categories[c]);
        for (size_t i = 1; i + m <= n; i++)
            if (strncasecmp(p + i, categories[c], m) == 0) return true;
    }
    return false;
}

static void stats_add_payer(pstats *s, const char *payer, size_t pl, uint64_t rows, rk_i128 unb, rk_i128 amort,
                            rk_err *err, rk_status *st)
{
    payer_stat *ps = NULL;
    for (size_t i = 0; i < s->npayers; i++)
        if (strlen(s->payers[i].payer) == pl && memcmp(s->payers[i].payer, payer, pl) == 0) {
            ps = &s->payers[i];
            break;
        }
    if (!ps) {
        if (RK_GROW(s->payers, s->paycap, s->npayers + 1) != RK_OK) {
            *st = rk_err_set(err, RK_ENOMEM, "out of memory");
            return;
        }
        ps = &s->payers[s->npayers++];
        memset(ps, 0, sizeof *ps);
        ps->payer = rk_strndup(payer, pl);
        if (!ps->payer) {
            s->npayers--;
            *st = rk_err_set(err, RK_ENOMEM, "out of memory");
            return;
        }
    }
    ps->rows += rows;
    ps->unb += unb;
    ps->amort += amort;
}

static void stats_add_currency(pstats *s, const char *c, size_t cl)
{
    /* a short comma-separated set */
    const char *p = s->currency;
    while (*p) {
        const char *q = strchr(p, ',');
        size_t l = q ? (size_t)(q - p) : strlen(p);
        if (l == cl && memcmp(p, c, cl) == 0) return;
        p += l + (q ? 1 : 0);
    }
    size_t cur = strlen(s->currency);
    if (cur + cl + 2 < sizeof s->currency) {
        if (cur) s->currency[cur++] = ',';
        memcpy(s->currency + cur, c, cl);
        s->currency[cur + cl] = 0;
    }
}

static rk_status row_stats(lperiod *w, const rk_cur_row *kr, const rk_measures *m, rk_err *err)
{
    rk_status st = RK_OK;
    const char *payer = kr->has[RK_K_PAYER] ? kr->s[RK_K_PAYER] : "";
    size_t pl = kr->has[RK_K_PAYER] ? kr->n[RK_K_PAYER] : 0;
    stats_add_payer(&w->st, payer, pl, 1, rk_dec_to18(m->unblended), rk_dec_to18(m->amortized), err, &st);
    if (kr->has[RK_K_CURRENCY] && kr->n[RK_K_CURRENCY]) stats_add_currency(&w->st, kr->s[RK_K_CURRENCY], kr->n[RK_K_CURRENCY]);
    if (kr->has[RK_K_RESOURCE_ID] && kr->n[RK_K_RESOURCE_ID]) w->st.resource_ids = true;
    return st;
}

/* Merges a thread's statistics into the delivery's (with j->mu held). */
static rk_status stats_merge(pstats *to, const pstats *from, rk_err *err)
{
    rk_status st = RK_OK;
    for (size_t i = 0; i < from->npayers && st == RK_OK; i++)
        stats_add_payer(to, from->payers[i].payer, strlen(from->payers[i].payer), from->payers[i].rows,
                        from->payers[i].unb, from->payers[i].amort, err, &st);
    const char *p = from->currency;
    while (*p) {
        const char *q = strchr(p, ',');
        size_t l = q ? (size_t)(q - p) : strlen(p);
        stats_add_currency(to, p, l);
        p += l + (q ? 1 : 0);
    }
    if (from->min_interval < to->min_interval) to->min_interval = from->min_interval;
    to->resource_ids = to->resource_ids || from->resource_ids;
    to->rows += from->rows;
    to->outside += from->outside;
    return st;
}

static void stats_free(pstats *s)
{
    for (size_t i = 0; i < s->npayers; i++) free(s->payers[i].payer);
    free(s->payers);
}

/* The end of every row, whatever the file format: its time, the cost rules,
 * the derived columns and the statistics. `place` is "line N" or "row group
 * G, row R" for messages. */
static rk_status finish_row(local *l, lperiod *pw, rk_cur_row *kr, int64_t plan_p0, const char *place, rk_err *err)
{
    rk_segb *w = pw->b;
    for (int k = 0; k < RK_K_COUNT; k++)
        if (!kr->has[k]) kr->v[k] = rk_dec_zero();

    /* Time of the row: the start of identity/TimeInterval (cur-format
     * §a.6: bucket by it, not by UsageStartDate), else the usage start,
     * else the billing period start. */
    int64_t t0 = 0, t1 = 0;
    bool have_t = false, have_iv = false;
    if (kr->has[RK_K_TIME_INTERVAL]) {
        const char *s = kr->s[RK_K_TIME_INTERVAL];
        size_t n = kr->n[RK_K_TIME_INTERVAL];
        if (n == l->last_iv_len && n < sizeof l->last_iv && memcmp(s, l->last_iv, n) == 0) {
            t0 = l->iv_start;
            t1 = l->iv_end;
        } else {
            if (rk_interval_parse(s, n, &t0, &t1) != RK_OK) {
                char q[128];
                quote_value(s, n, q, sizeof q);
                return rk_err_set(err, RK_EBADDATA, "%s: %s (identity/TimeInterval): \"%s\" is not an interval (expected start/end timestamps)",
                                  l->where, place, q);
            }
            if (n < sizeof l->last_iv) {
                memcpy(l->last_iv, s, n);
                l->last_iv_len = n;
                l->iv_start = t0;
                l->iv_end = t1;
            }
        }
        have_t = have_iv = true;
    } else if (kr->has[RK_K_USAGE_START]) {
        t0 = (int64_t)kr->v[RK_K_USAGE_START].m;
        have_t = true;
    } else if (kr->has[RK_K_PERIOD_START]) {
        t0 = (int64_t)kr->v[RK_K_PERIOD_START].m;
        have_t = true;
    }
    if (!have_t) {
        return rk_err_set(err, RK_EBADDATA,
                          "%s: %s: the row has no time (identity/TimeInterval, lineItem/UsageStartDate and "
                          "bill/BillingPeriodStartDate are all empty or absent)",
                          l->where, place);
    }
    rk_measures m;
    if (!rk_cur_measures(kr, &m)) {
        return rk_err_set(err, RK_EBADDATA, "%s: %s: a derived cost is out of range (|value| >= 10^20)", l->where,
                          place);
    }
    if (have_iv && (m.lit == RK_LIT_USAGE || m.lit == RK_LIT_DISCOUNTED_USAGE || m.lit == RK_LIT_SP_COVERED_USAGE) &&
        t1 > t0 && t1 - t0 < pw->st.min_interval)
        pw->st.min_interval = t1 - t0;
    if (plan_p0 && kr->has[RK_K_PERIOD_START] && (int64_t)kr->v[RK_K_PERIOD_START].m != plan_p0) pw->st.outside++;
    rk_segb_set_time(w, pw->dcol[D_TIME], t0);
    rk_segb_set_dec(w, pw->dcol[D_UNB], m.unblended);
    rk_segb_set_dec(w, pw->dcol[D_BLEND], m.blended);
    rk_segb_set_dec(w, pw->dcol[D_NETUNB], m.net_unblended);
    rk_segb_set_dec(w, pw->dcol[D_AMORT], m.amortized);
    rk_segb_set_dec(w, pw->dcol[D_NETAMORT], m.net_amortized);
    rk_segb_set_dec(w, pw->dcol[D_OD], m.ondemand);
    rk_segb_set_dec(w, pw->dcol[D_TRUEUP], m.trueup);
    rk_segb_set_dec(w, pw->dcol[D_UPFRONT], m.upfront);
    rk_segb_set_str(w, pw->dcol[D_SERVICE], m.service, m.service_len);
    rk_segb_set_str(w, pw->dcol[D_REGION], m.region, m.region_len);
    const char *cn = rk_charge_name(m.charge), *pn = rk_purchase_name(m.purchase);
    rk_segb_set_str(w, pw->dcol[D_CHARGE], cn, strlen(cn));
    rk_segb_set_str(w, pw->dcol[D_PO], pn, strlen(pn));
    RK_TRY(row_stats(pw, kr, &m, err));
    bool ovf;
    int64_t p0 = kr->has[RK_K_PERIOD_START] ? (int64_t)kr->v[RK_K_PERIOD_START].m : 0;
    int64_t p1 = kr->has[RK_K_PERIOD_END] ? (int64_t)kr->v[RK_K_PERIOD_END].m : 0;
    if (!rk_commit_row(kr, &m, t0, have_iv ? t1 : t0, p0, p1, rk_rollup_add, &pw->ru, &ovf)) {
        if (ovf)
            return rk_err_set(err, RK_EBADDATA, "%s: %s: a commitment amount is out of range (|value| >= 10^20)",
                              l->where, place);
        *err = pw->ru.err;
        rk_err_prefix(err, "%s: %s: ", l->where, place);
        return pw->ru.st;
    }
    rk_status st = rk_segb_end_row(w, err);
    if (st != RK_OK) {
        rk_err_prefix(err, "%s: %s: ", l->where, place);
        return st;
    }
    pw->rows++;
    return RK_OK;
}

static rk_status read_part(local *l, rk_csv *csv, rk_err *err)
{
    job *j = l->j;
    shared *sh = j->sh;
    const rk_csv_row *row;
    rk_status st = rk_csv_next(csv, &row, err);
    if (st == RK_ENOTFOUND) return rk_err_set(err, RK_EBADDATA, "%s: the file is empty (no header line)", l->where);
    if (st != RK_OK) {
        rk_err_prefix(err, "%s: ", l->where);
        return st;
    }
    size_t nh = row->n;
    hcol *h = calloc(nh, sizeof *h);
    char **hdr = calloc(nh, sizeof *hdr);
    mapcache *mcs = NULL;
    size_t nmaps = 0;
    int fused = -1;
    int period_col = -1;
    bool has_net = false;
    if (!h || !hdr) {
        free(h);
        free(hdr);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < nh && st == RK_OK; i++) {
        const rk_csv_field *f = &row->f[i];
        hdr[i] = rk_strndup(f->p, f->len > 200 ? 200 : f->len);
        char norm[2 * RK_COLNAME_MAX + 2];
        size_t fl = f->len > RK_COLNAME_MAX * 2 ? RK_COLNAME_MAX * 2 : f->len;
        rk_colname_normalize(f->p, fl, norm, sizeof norm);
        if (!*norm) {
            st = rk_err_set(err, RK_EBADDATA, "%s: line %llu, column %zu: header cell is empty; every CUR column has a name",
                            l->where, (unsigned long long)row->line, i + 1);
            break;
        }
        if (fused < 0 && fused_cell(f->p, f->len)) fused = (int)i;
        rk_mapcol map = rk_cur_mapcol(norm);
        rk_coltype t = map ? RK_COL_STR : rk_cur_coltype(norm);
        h[i].map = map;
        h[i].mapslot = -1;
        if (map) {
            h[i].gid = -1;
            h[i].key = RK_K_NONE;
            h[i].mapslot = (int)nmaps++;
            continue;
        }
        h[i].gid = gcol_find(j, norm, t, &h[i].type, &h[i].key);
        if (h[i].gid < 0) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            break;
        }
        if (h[i].key == RK_K_PERIOD_START && period_col < 0) period_col = (int)i;
        if (h[i].key == RK_K_NET_UNBLENDED) has_net = true;
    }
    if (st == RK_OK && nmaps) {
        mcs = calloc(nmaps, sizeof *mcs);
        if (!mcs) st = rk_err_set(err, RK_ENOMEM, "out of memory");
        for (size_t i = 0; mcs && i < nmaps; i++) {
            rk_buf_init(&mcs[i].last, 16u << 20);
            rk_buf_init(&mcs[i].vals, 16u << 20);
        }
    }
    if (st == RK_OK && !j->plan->period && period_col < 0)
        st = rk_err_set(err, RK_EBADDATA,
                        "%s: there is no bill/BillingPeriodStartDate column, so the billing period of its rows "
                        "is unknown (files without a manifest need it)",
                        l->where);

    router rt = {.last_ms = INT64_MIN};
    if (st == RK_OK) st = router_init(l, j->plan, &rt, err);

    rk_cur_row kr;
    memset(&kr, 0, sizeof kr);
    kr.part_has_net = has_net;
    uint64_t local_rows = 0;
    while (st == RK_OK && (st = rk_csv_next(csv, &row, err)) == RK_OK) {
        if (row->n != nh) {
            char hint[400] = "";
            if (fused >= 0)
                snprintf(hint, sizeof hint, "; header cell %d \"%s\" looks like two column names fused by a missing comma",
                         fused + 1, hdr[fused]);
            st = rk_err_set(err, RK_EBADDATA,
                            "%s: line %llu has %zu fields but the header has %zu%s; fix the file or export it again",
                            l->where, (unsigned long long)row->line, row->n, nh, hint);
            break;
        }
        lperiod *pw = rt.single;
        if (!pw) {
            const rk_csv_field *f = &row->f[period_col];
            int64_t ms;
            rk_status ts = rk_time_parse(f->p, f->len, &ms);
            if (ts != RK_OK) {
                char q[128];
                quote_value(f->p, f->len, q, sizeof q);
                st = field_err(l, err, row->line, (size_t)period_col + 1, hdr[period_col],
                               ts == RK_ENOTFOUND ? "the billing period is empty, so the row cannot be placed in a period%s"
                                                  : "\"%s\" is not a timestamp",
                               ts == RK_ENOTFOUND ? "" : q);
                break;
            }
            if ((st = router_get(l, &rt, ms, &pw, err)) != RK_OK) break;
        }
        memset(kr.has, 0, sizeof kr.has);
        rk_segb *w = pw->b;
        for (size_t i = 0; i < nh; i++) {
            const rk_csv_field *f = &row->f[i];
            const hcol *hc = &h[i];
            if (f->len == 0) continue;
            if (hc->map) {
                mapcache *mc = &mcs[hc->mapslot];
                if ((f->len == 2 && f->p[0] == '{' && f->p[1] == '}')) continue;
                st = map_parse(l, mc, hc->map, f->p, f->len, row->line, i + 1, hdr[i], err);
                if (st != RK_OK) break;
                for (size_t e = 0; e < mc->nents; e++) {
                    const mapent *me = &mc->ents[e];
                    int c = pw_col(pw, l, me->gid, err);
                    if (c < 0) {
                        st = RK_ENOMEM;
                        break;
                    }
                    if (me->type == RK_COL_DEC) {
                        rk_segb_set_dec(w, c, me->d);
                        if (me->key >= 0 && !kr.has[me->key]) kr.v[me->key] = me->d, kr.has[me->key] = true;
                    } else {
                        rk_segb_set_str(w, c, me->s, me->n);
                        if (me->key >= 0 && !kr.has[me->key] && me->n)
                            kr.s[me->key] = me->s, kr.n[me->key] = me->n, kr.has[me->key] = true;
                    }
                }
                if (st != RK_OK) break;
                continue;
            }
            int c = pw_col(pw, l, hc->gid, err);
            if (c < 0) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
            if (hc->type == RK_COL_STR) {
                rk_segb_set_str(w, c, f->p, f->len);
                if (hc->key >= 0 && !kr.has[hc->key]) {
                    kr.s[hc->key] = f->p;
                    kr.n[hc->key] = f->len;
                    kr.has[hc->key] = true;
                }
            } else if (hc->type == RK_COL_DEC) {
                rk_dec d;
                bool rounded = false;
                rk_status ps = rk_dec_parse(f->p, f->len, &d, &rounded);
                if (ps == RK_ENOTFOUND) continue;
                if (ps != RK_OK) {
                    char q[128];
                    quote_value(f->p, f->len, q, sizeof q);
                    st = field_err(l, err, row->line, i + 1, hdr[i],
                                   ps == RK_ELIMIT ? "%s is out of range (|value| must be below 10^20)"
                                                   : "\"%s\" is not a number",
                                   q);
                    break;
                }
                if (rounded) l->rounded++;
                rk_segb_set_dec(w, c, d);
                if (hc->key >= 0 && !kr.has[hc->key]) {
                    kr.v[hc->key] = d;
                    kr.has[hc->key] = true;
                }
            } else {
                int64_t ms;
                rk_status ps = rk_time_parse(f->p, f->len, &ms);
                if (ps == RK_ENOTFOUND) continue;
                if (ps != RK_OK) {
                    char q[128];
                    quote_value(f->p, f->len, q, sizeof q);
                    st = field_err(l, err, row->line, i + 1, hdr[i],
                                   "\"%s\" is not a timestamp (expected e.g. 2023-11-01T00:00:00Z)", q);
                    break;
                }
                rk_segb_set_time(w, c, ms);
                if (hc->key >= 0 && !kr.has[hc->key]) {
                    kr.v[hc->key] = (rk_dec){ms, 0};
                    kr.has[hc->key] = true;
                }
            }
        }
        if (st != RK_OK) break;
        char place[48];
        snprintf(place, sizeof place, "line %llu", (unsigned long long)row->line);
        if ((st = finish_row(l, pw, &kr, rt.plan_p0, place, err)) != RK_OK) break;
        if (++local_rows == 4096) {
            __atomic_add_fetch(&sh->rows, local_rows, __ATOMIC_RELAXED);
            local_rows = 0;
            /* another thread of this delivery failed: stop early */
            if (__atomic_load_n(&j->failed, __ATOMIC_RELAXED)) {
                st = rk_err_set(err, RK_ECHANGED, "stopped: another file of this delivery failed");
                break;
            }
        }
    }
    __atomic_add_fetch(&sh->rows, local_rows, __ATOMIC_RELAXED);
    if (st == RK_ENOTFOUND) {
        st = RK_OK;
        /* The rows agree with the header, so nothing is misplaced: keep the
         * column under its odd name and say so. */
        if (fused >= 0 && !l->warning[0])
            snprintf(l->warning, sizeof l->warning,
                     "%s: header cell %d \"%s\" looks like two column names fused by a missing comma; the rows "
                     "match the header, so its values are kept under that name",
                     l->where, fused + 1, hdr[fused]);
    }
    else if (st != RK_OK && err && strncmp(err->msg, l->where, strlen(l->where)) != 0 && strncmp(err->msg, "line ", 5) == 0)
        rk_err_prefix(err, "%s: ", l->where);
    for (size_t i = 0; i < nh; i++) free(hdr[i]);
    free(hdr);
    free(h);
    for (size_t i = 0; mcs && i < nmaps; i++) {
        rk_buf_free(&mcs[i].last);
        rk_buf_free(&mcs[i].vals);
        free(mcs[i].ents);
    }
    free(mcs);
    return st;
}

static bool ends_with_ci(const char *s, const char *x)
{
    size_t n = strlen(s), m = strlen(x);
    return n >= m && strcasecmp(s + n - m, x) == 0;
}

/* ---- Parquet files ---- */

typedef struct pq_src {
    rk_source *src;
    const char *key;
    uint64_t *counter;
} pq_src;

static rk_status pq_read(void *ctx, uint64_t off, void *buf, size_t len, rk_err *err)
{
    pq_src *p = ctx;
    rk_status st = rk_source_read_range(p->src, p->key, off, buf, len, err);
    if (st == RK_OK) __atomic_add_fetch(p->counter, len, __ATOMIC_RELAXED);
    return st;
}

/* A leaf column of the file and what it feeds. */
typedef struct pqcol {
    size_t leaf;
    int gid; /* flat leaves */
    rk_coltype type;
    rk_key key;
    bool map;           /* a map's key leaf; vleaf is its value leaf or SIZE_MAX */
    size_t vleaf;
    char prefix[64];    /* map entries become <prefix>_<key> columns */
    rk_pq_reader *rd, *vrd;
    rk_pq_batch b, vb;
    size_t li, vi, vli, vvi;
} pqcol;

/* Per-file cache: a map key's text -> the column it feeds. */
typedef struct mkey {
    uint64_t h;
    int map;
    char *text;
    size_t n;
    int gid;
    rk_coltype type;
    rk_key key;
} mkey;

typedef struct mkeys {
    mkey *v;
    size_t cap, n;
} mkeys;

/* Small text built for a row (numbers shown as text); reset per row. */
typedef struct scratch {
    char buf[32768];
    size_t len;
} scratch;

static const char *scratch_put(scratch *sc, const char *p, size_t n)
{
    if (sc->len + n > sizeof sc->buf) return NULL;
    char *d = sc->buf + sc->len;
    memcpy(d, p, n);
    sc->len += n;
    return d;
}

static rk_status pq_err(local *l, rk_err *err, const rk_pq_col *k, size_t rg, int64_t row, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static rk_status pq_err(local *l, rk_err *err, const rk_pq_col *k, size_t rg, int64_t row, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rk_err_set(err, RK_EBADDATA, "%s: column %s, row group %zu, row %lld: %s", l->where, k->path, rg,
                      (long long)row, msg);
}

/* Converts value vi of a batch to the stored column's type and sets it. */
static rk_status pq_cell(local *l, rk_segb *w, int c, rk_coltype t, rk_key key, const rk_pq_col *k,
                         const rk_pq_batch *b, size_t vi, rk_cur_row *kr, scratch *sc, size_t rg, int64_t row,
                         uint64_t *rounded, rk_err *err)
{
    char tmp[96];
    const char *sp = NULL;
    size_t sn = 0;
    rk_dec d = rk_dec_zero();
    int64_t ms = 0;
    bool have_dec = false, have_ms = false;
    switch (k->phys) {
    case RK_PQ_BOOLEAN:
        sp = b->b8[vi] ? "true" : "false";
        sn = strlen(sp);
        d = (rk_dec){b->b8[vi], 0};
        have_dec = true;
        break;
    case RK_PQ_INT32:
    case RK_PQ_INT64: {
        int64_t v = k->phys == RK_PQ_INT32 ? b->i32[vi] : b->i64[vi];
        if (k->logical == RK_PQL_TIMESTAMP) {
            ms = rk_pq_ts_ms(v, k->unit);
            have_ms = true;
        } else if (k->logical == RK_PQL_DATE) {
            ms = v * RK_MS_PER_DAY;
            have_ms = true;
        } else if (k->logical == RK_PQL_DECIMAL) {
            if (rk_pq_decimal_i64(v, k->scale, &d) != RK_OK) return pq_err(l, err, k, rg, row, "decimal scale %d is beyond 18", k->scale);
            have_dec = true;
        } else {
            d = (rk_dec){rk_pq_intval(k, b, vi), 0};
            have_dec = true;
        }
        break;
    }
    case RK_PQ_FLOAT:
    case RK_PQ_DOUBLE: {
        double x = k->phys == RK_PQ_FLOAT ? (double)b->f32[vi] : b->f64[vi];
        if (!rk_dec_from_double(x, &d)) return pq_err(l, err, k, rg, row, "%g is not a finite number", x);
        if (fabs(x) < 1e-18 && x != 0) (*rounded)++;
        have_dec = true;
        break;
    }
    case RK_PQ_INT96:
        ms = rk_pq_int96_ms(b->bin[vi].p);
        have_ms = true;
        break;
    case RK_PQ_BYTE_ARRAY:
    case RK_PQ_FIXED: {
        rk_pq_slice v = b->bin[vi];
        if (k->logical == RK_PQL_DECIMAL) {
            if (rk_pq_decimal_be(v.p, v.n, k->scale, &d) != RK_OK)
                return pq_err(l, err, k, rg, row, "decimal out of range (|value| must be below 10^20, scale at most 18)");
            have_dec = true;
        } else if (k->phys == RK_PQ_FIXED && k->logical != RK_PQL_STRING) {
            size_t m = 0;
            for (uint32_t i = 0; i < v.n && m + 3 < sizeof tmp; i++) m += (size_t)snprintf(tmp + m, sizeof tmp - m, "%02x", v.p[i]);
            sp = tmp;
            sn = m;
        } else {
            sp = (const char *)v.p;
            sn = v.n;
            if (!rk_utf8_valid(sp, sn))
                return pq_err(l, err, k, rg, row, "text is not valid UTF-8");
        }
        break;
    }
    }
    if (t == RK_COL_STR) {
        if (!sp) {
            /* a number or a time in a text column: show it as CSV would */
            if (have_ms) sn = rk_time_fmt(ms, tmp);
            else sn = rk_dec_fmt(d, tmp);
            sp = scratch_put(sc, tmp, sn);
            if (!sp) return pq_err(l, err, k, rg, row, "the row converts too many values to text");
        }
        if (sn == 0) return RK_OK; /* an empty string is null, as in CSV */
        rk_segb_set_str(w, c, sp, sn);
        if (key >= 0 && !kr->has[key]) {
            kr->s[key] = sp;
            kr->n[key] = sn;
            kr->has[key] = true;
        }
        return RK_OK;
    }
    if (t == RK_COL_DEC) {
        if (!have_dec) {
            if (have_ms) return pq_err(l, err, k, rg, row, "a timestamp where an amount is expected");
            if (sn == 0) return RK_OK;
            bool r = false;
            rk_status ps = rk_dec_parse(sp, sn, &d, &r);
            if (ps == RK_ENOTFOUND) return RK_OK;
            if (ps != RK_OK) {
                char q[64];
                quote_value(sp, sn, q, sizeof q);
                return pq_err(l, err, k, rg, row, "\"%s\" is not a number", q);
            }
            if (r) (*rounded)++;
        }
        rk_segb_set_dec(w, c, d);
        if (key >= 0 && !kr->has[key]) {
            kr->v[key] = d;
            kr->has[key] = true;
        }
        return RK_OK;
    }
    /* RK_COL_TIME */
    if (!have_ms) {
        if (have_dec) return pq_err(l, err, k, rg, row, "a number where a timestamp is expected");
        if (sn == 0) return RK_OK;
        rk_status ps = rk_time_parse(sp, sn, &ms);
        if (ps == RK_ENOTFOUND) return RK_OK;
        if (ps != RK_OK) {
            char q[64];
            quote_value(sp, sn, q, sizeof q);
            return pq_err(l, err, k, rg, row, "\"%s\" is not a timestamp", q);
        }
    }
    rk_segb_set_time(w, c, ms);
    if (key >= 0 && !kr->has[key]) {
        kr->v[key] = (rk_dec){ms, 0};
        kr->has[key] = true;
    }
    return RK_OK;
}

/* The column a map entry feeds ("<prefix>_<normalized key>"), cached per file. */
static rk_status map_key_col(local *l, mkeys *mk, int map, const char *prefix, const uint8_t *p, size_t n, bool numeric,
                             mkey **out, rk_err *err)
{
    uint64_t h = rk_hash(p, n) ^ (uint64_t)map * 0x9E3779B97F4A7C15ull;
    if (mk->cap) {
        size_t i = (size_t)h & (mk->cap - 1);
        while (mk->v[i].text) {
            if (mk->v[i].h == h && mk->v[i].map == map && mk->v[i].n == n && memcmp(mk->v[i].text, p, n) == 0) {
                *out = &mk->v[i];
                return RK_OK;
            }
            i = (i + 1) & (mk->cap - 1);
        }
    }
    if ((mk->n + 1) * 2 > mk->cap) {
        size_t nc = mk->cap ? mk->cap * 2 : 64;
        mkey *nv = calloc(nc, sizeof *nv);
        if (!nv) return rk_err_set(err, RK_ENOMEM, "out of memory");
        for (size_t i = 0; i < mk->cap; i++) {
            if (!mk->v[i].text) continue;
            size_t j = (size_t)mk->v[i].h & (nc - 1);
            while (nv[j].text) j = (j + 1) & (nc - 1);
            nv[j] = mk->v[i];
        }
        free(mk->v);
        mk->v = nv;
        mk->cap = nc;
    }
    char norm[2 * RK_COLNAME_MAX + 2], colname[2 * RK_COLNAME_MAX + 80];
    size_t kl = n > RK_COLNAME_MAX ? RK_COLNAME_MAX : n;
    rk_colname_normalize((const char *)p, kl, norm, sizeof norm);
    snprintf(colname, sizeof colname, "%s_%s", prefix, norm);
    rk_coltype t = rk_cur_coltype(colname);
    if (numeric) t = RK_COL_DEC;
    else if (t == RK_COL_DEC) t = RK_COL_STR;
    mkey e = {.h = h, .map = map, .n = n};
    e.text = rk_strndup((const char *)p, n);
    if (!e.text) return rk_err_set(err, RK_ENOMEM, "out of memory");
    e.gid = *norm ? gcol_find(l->j, colname, t, &e.type, &e.key) : -1;
    size_t i = (size_t)h & (mk->cap - 1);
    while (mk->v[i].text) i = (i + 1) & (mk->cap - 1);
    mk->v[i] = e;
    mk->n++;
    *out = &mk->v[i];
    return RK_OK;
}

/* Rows taken from every column at a time. Rows are built across all of a
 * file's columns (well over a hundred in a CUR), so each batch's value
 * arrays should stay in the core's cache: 256 measured ~7% faster than 2048
 * on the bench data, and smaller batches gained nothing. */
#define PQ_BATCH 256

static rk_status read_parquet(local *l, const rk_object *o, rk_err *err)
{
    job *j = l->j;
    shared *sh = j->sh;
    pq_src ctx = {sh->src, o->key, &sh->bytes_read};
    rk_pq *f;
    rk_status st = rk_pq_open(pq_read, &ctx, o->size, &f, err);
    if (st != RK_OK) {
        rk_err_prefix(err, "%s: ", l->where);
        return st;
    }
    size_t nleaf = rk_pq_ncols(f);
    pqcol *pc = calloc(nleaf ? nleaf : 1, sizeof *pc);
    size_t npc = 0;
    mkeys mk = {0};
    scratch *sc = malloc(sizeof *sc);
    int period_pc = -1;
    if (!pc || !sc) {
        st = rk_err_set(err, RK_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nleaf && st == RK_OK; i++) {
        const rk_pq_col *k = rk_pq_column(f, i);
        char norm[2 * RK_COLNAME_MAX + 2];
        size_t tl = strlen(k->top);
        rk_colname_normalize(k->top, tl > RK_COLNAME_MAX ? RK_COLNAME_MAX : tl, norm, sizeof norm);
        if (k->shape == RK_PQ_FLAT) {
            pqcol *c = &pc[npc];
            c->leaf = i;
            c->gid = gcol_find(j, norm, rk_cur_coltype(norm), &c->type, &c->key);
            if (c->gid < 0) st = rk_err_set(err, RK_ENOMEM, "out of memory");
            if (c->key == RK_K_PERIOD_START && period_pc < 0) period_pc = (int)npc;
            npc++;
        } else if (k->shape == RK_PQ_MAP_KEY) {
            pqcol *c = &pc[npc++];
            c->leaf = i;
            c->map = true;
            c->vleaf = (i + 1 < nleaf && rk_pq_column(f, i + 1)->shape == RK_PQ_MAP_VALUE) ? i + 1 : SIZE_MAX;
            rk_mapcol mc = rk_cur_mapcol(norm);
            snprintf(c->prefix, sizeof c->prefix, "%s", mc ? rk_cur_map_prefix(mc) : norm);
        }
        /* map values are read with their keys; lists and structs are not CUR data */
    }
    if (st == RK_OK && !j->plan->period && period_pc < 0)
        st = rk_err_set(err, RK_EBADDATA,
                        "%s: there is no bill_billing_period_start_date column, so the billing period of its rows is "
                        "unknown (files without a manifest need it)",
                        l->where);
    router rt = {.last_ms = INT64_MIN};
    if (st == RK_OK) st = router_init(l, j->plan, &rt, err);
    rk_cur_row kr;
    memset(&kr, 0, sizeof kr);
    size_t nrg = rk_pq_nrowgroups(f);
    size_t g0 = nrg * l->part / l->nparts, g1 = nrg * (l->part + 1) / l->nparts;
    int64_t file_row = 0; /* rows are numbered in the whole file, in messages */
    for (size_t g = 0; g < g0; g++) file_row += rk_pq_rowgroup_rows(f, g);
    uint64_t local_rows = 0;
    for (size_t g = g0; g < g1 && st == RK_OK; g++) {
        /* net columns present in the file? (the CSV rule, per file) */
        kr.part_has_net = false;
        for (size_t i = 0; i < npc; i++)
            if (!pc[i].map && pc[i].key == RK_K_NET_UNBLENDED) kr.part_has_net = true;
        for (size_t i = 0; i < npc && st == RK_OK; i++) {
            st = rk_pq_reader_open(f, g, pc[i].leaf, &pc[i].rd, err);
            if (st == RK_OK && pc[i].map && pc[i].vleaf != SIZE_MAX) st = rk_pq_reader_open(f, g, pc[i].vleaf, &pc[i].vrd, err);
        }
        int64_t left = rk_pq_rowgroup_rows(f, g);
        while (st == RK_OK && left > 0) {
            size_t want = (size_t)(left < PQ_BATCH ? left : PQ_BATCH);
            for (size_t i = 0; i < npc && st == RK_OK; i++) {
                pqcol *c = &pc[i];
                st = rk_pq_reader_next(c->rd, want, &c->b, err);
                if (st == RK_OK && c->vrd) st = rk_pq_reader_next(c->vrd, want, &c->vb, err);
                if (st == RK_OK && (c->b.nrows != want || (c->vrd && c->vb.nrows != want)))
                    st = rk_err_set(err, RK_EBADDATA,
                                    "%s: column %s, row group %zu: the column has fewer rows than its row group "
                                    "declares (the schema and the pages do not match)",
                                    l->where, rk_pq_column(f, c->leaf)->path, g);
                c->li = c->vi = c->vli = c->vvi = 0;
            }
            if (st != RK_OK) {
                if (strncmp(err->msg, "Parquet column", 14) == 0) rk_err_prefix(err, "%s: ", l->where);
                break;
            }
            for (size_t r = 0; r < want && st == RK_OK; r++, file_row++) {
                lperiod *pw = rt.single;
                if (!pw) {
                    pqcol *c = &pc[period_pc];
                    const rk_pq_col *k = rk_pq_column(f, c->leaf);
                    bool present = !k->max_def || c->b.def[c->li] == k->max_def;
                    int64_t ms = 0;
                    if (present) {
                        /* the value this row will read for the column */
                        size_t vi = c->vi;
                        if (k->phys == RK_PQ_INT64 || k->phys == RK_PQ_INT32) {
                            int64_t v = k->phys == RK_PQ_INT32 ? c->b.i32[vi] : c->b.i64[vi];
                            ms = k->logical == RK_PQL_DATE ? v * RK_MS_PER_DAY : rk_pq_ts_ms(v, k->unit);
                        } else if (k->phys == RK_PQ_INT96) {
                            ms = rk_pq_int96_ms(c->b.bin[vi].p);
                        } else if (k->phys == RK_PQ_BYTE_ARRAY) {
                            present = rk_time_parse((const char *)c->b.bin[vi].p, c->b.bin[vi].n, &ms) == RK_OK;
                        } else {
                            present = false;
                        }
                    }
                    if (!present) {
                        st = pq_err(l, err, k, g, file_row, "the billing period is empty or not a time, so the row cannot be placed in a period");
                        break;
                    }
                    if ((st = router_get(l, &rt, ms, &pw, err)) != RK_OK) break;
                }
                memset(kr.has, 0, sizeof kr.has);
                sc->len = 0;
                rk_segb *w = pw->b;
                for (size_t i = 0; i < npc && st == RK_OK; i++) {
                    pqcol *c = &pc[i];
                    const rk_pq_col *k = rk_pq_column(f, c->leaf);
                    if (!c->map) {
                        bool present = !k->max_def || c->b.def[c->li] == k->max_def;
                        c->li++;
                        if (!present) continue;
                        int col = pw_col(pw, l, c->gid, err);
                        if (col < 0) {
                            st = rk_err_set(err, RK_ENOMEM, "out of memory");
                            break;
                        }
                        st = pq_cell(l, w, col, c->type, c->key, k, &c->b, c->vi++, &kr, sc, g, file_row, &l->rounded, err);
                        continue;
                    }
                    /* a map: the entries of this row */
                    const rk_pq_col *vk = c->vrd ? rk_pq_column(f, c->vleaf) : NULL;
                    do {
                        uint8_t d = k->max_def ? c->b.def[c->li] : (uint8_t)k->max_def;
                        if (d >= k->entry_def) {
                            rk_pq_slice key = c->b.bin ? c->b.bin[c->vi] : (rk_pq_slice){(const uint8_t *)"", 0};
                            c->vi++;
                            bool vpresent = vk && (!vk->max_def || c->vb.def[c->vli] == vk->max_def);
                            if (vpresent && key.n) {
                                bool numeric = vk->phys == RK_PQ_DOUBLE || vk->phys == RK_PQ_FLOAT ||
                                               ((vk->phys == RK_PQ_INT32 || vk->phys == RK_PQ_INT64) &&
                                                vk->logical != RK_PQL_TIMESTAMP && vk->logical != RK_PQL_DATE);
                                mkey *e;
                                st = map_key_col(l, &mk, (int)i, c->prefix, key.p, key.n, numeric, &e, err);
                                if (st == RK_OK && e->gid >= 0) {
                                    int col = pw_col(pw, l, e->gid, err);
                                    if (col < 0) st = rk_err_set(err, RK_ENOMEM, "out of memory");
                                    else
                                        st = pq_cell(l, w, col, e->type, e->key, vk, &c->vb, c->vvi, &kr, sc, g, file_row,
                                                     &l->rounded, err);
                                }
                            }
                            if (vpresent) c->vvi++;
                        }
                        c->li++;
                        if (vk) c->vli++;
                    } while (st == RK_OK && c->li < c->b.nvals && c->b.rep[c->li] != 0);
                }
                if (st != RK_OK) break;
                char place[64];
                snprintf(place, sizeof place, "row group %zu, row %lld", g, (long long)file_row);
                if ((st = finish_row(l, pw, &kr, rt.plan_p0, place, err)) != RK_OK) break;
                if (++local_rows == 4096) {
                    __atomic_add_fetch(&sh->rows, local_rows, __ATOMIC_RELAXED);
                    local_rows = 0;
                    if (__atomic_load_n(&j->failed, __ATOMIC_RELAXED)) {
                        st = rk_err_set(err, RK_ECHANGED, "stopped: another file of this delivery failed");
                        break;
                    }
                }
            }
            left -= (int64_t)want;
        }
        for (size_t i = 0; i < npc; i++) {
            rk_pq_reader_close(pc[i].rd);
            rk_pq_reader_close(pc[i].vrd);
            pc[i].rd = pc[i].vrd = NULL;
        }
    }
    __atomic_add_fetch(&sh->rows, local_rows, __ATOMIC_RELAXED);
out:
    for (size_t i = 0; i < mk.cap; i++) free(mk.v[i].text);
    free(mk.v);
    free(pc);
    free(sc);
    rk_pq_close(f);
    return st;
}

static rk_status read_file(local *l, const rk_object *o, rk_err *err)
{
    shared *sh = l->j->sh;
    rk_in *in = NULL;
    snprintf(l->where, sizeof l->where, "file %s", o->key);
    if (ends_with_ci(o->key, ".parquet")) return read_parquet(l, o, err);
    rk_status st = rk_source_open(sh->src, o->key, &in, err);
    if (st != RK_OK) return st;
    rk_in *counted = rk_in_counting(in, &sh->bytes_read);
    if (!counted) {
        rk_in_close(in);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    in = counted;
    uint8_t head[4];
    size_t got = 0;
    if ((st = rk_in_peek(&in, head, sizeof head, &got, err)) != RK_OK) {
        rk_in_close(in);
        rk_err_prefix(err, "%s: ", l->where);
        return st;
    }
    rk_csv_opts copts = {.validate_utf8 = true};
    if (rk_is_zip_magic(head, got)) {
        rk_unzip *z;
        if ((st = rk_unzip_open(in, &z, err)) != RK_OK) {
            rk_err_prefix(err, "%s: ", l->where);
            return st;
        }
        rk_zip_member info;
        rk_in *member;
        unsigned parts = 0;
        while ((st = rk_unzip_next(z, &info, &member, err)) == RK_OK) {
            if (info.is_dir || strncmp(info.name, "__MACOSX/", 9) == 0) continue;
            snprintf(l->where, sizeof l->where, "file %s (member %s)", o->key, info.name);
            rk_csv *csv;
            if ((st = rk_csv_open(member, &copts, &csv, err)) != RK_OK) break;
            st = read_part(l, csv, err);
            rk_csv_close(csv);
            if (st != RK_OK) break;
            parts++;
        }
        if (st == RK_ENOTFOUND) {
            st = RK_OK;
            if (parts == 0) st = rk_err_set(err, RK_EBADDATA, "file %s: the zip archive holds no CSV", o->key);
        } else if (st != RK_OK && strncmp(err->msg, "file ", 5) != 0) {
            rk_err_prefix(err, "file %s: ", o->key);
        }
        rk_unzip_close(z);
        return st;
    }
    if (rk_is_gzip_magic(head, got)) {
        rk_in *g;
        if ((st = rk_gunzip_open(in, sh->opts->inflate, &g, err)) != RK_OK) {
            rk_err_prefix(err, "%s: ", l->where);
            return st;
        }
        in = g;
    } else if (ends_with_ci(o->key, ".gz") || ends_with_ci(o->key, ".zip")) {
        rk_in_close(in);
        return rk_err_set(err, RK_EBADDATA, "file %s: the name says compressed but the content is not %s", o->key,
                          ends_with_ci(o->key, ".gz") ? "gzip" : "zip");
    }
    rk_csv *csv;
    if ((st = rk_csv_open(in, &copts, &csv, err)) == RK_OK) {
        st = read_part(l, csv, err);
        rk_csv_close(csv);
    }
    rk_in_close(in);
    return st;
}

/* ---- publishing ---- */

static const char *granularity_of(int64_t min_interval)
{
    if (min_interval == INT64_MAX) return NULL;
    if (min_interval <= RK_MS_PER_HOUR) return "hourly";
    if (min_interval <= RK_MS_PER_DAY) return "daily";
    return "monthly";
}

static rk_status publish(job *j, period_out *po, rk_err *err)
{
    shared *sh = j->sh;
    const rk_plan *p = j->plan;
    const pstats *s = &po->st;
    char meta[4096];
    json_t *mj = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s?, s:s, s:I}", "format", "reckon-segment", "version", 1,
                           "report", p->report_name, "path", p->report_path, "period", po->period, "delivery",
                           p->delivery_id, "fingerprint", p->fingerprint, "rows", (json_int_t)s->rows);
    char *mt = mj ? json_dumps(mj, JSON_COMPACT) : NULL;
    snprintf(meta, sizeof meta, "%s", mt ? mt : "{}");
    free(mt);
    json_decref(mj);
    uint64_t bytes = rk_segw_bytes(po->w);
    rk_status st = rk_segw_finish(po->w, meta, err);
    po->w = NULL;
    if (st != RK_OK) return st;
    rk_file_info *files = calloc(p->nfiles ? p->nfiles : 1, sizeof *files);
    rk_payer_info *payers = calloc(s->npayers ? s->npayers : 1, sizeof *payers);
    char (*dec)[2][64] = calloc(s->npayers ? s->npayers : 1, sizeof *dec);
    if (!files || !payers || !dec) {
        free(files);
        free(payers);
        free(dec);
        unlink(po->tmp);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    size_t nf = 0;
    int64_t newest = p->manifest_obj.key ? p->manifest_obj.mtime_ms : 0;
    for (size_t i = 0; i < p->nfiles; i++) {
        /* Files without a manifest: only those with rows of this period. */
        if (!p->period && po->file_rows[i] == 0) continue;
        files[nf].key = p->files[i].key;
        files[nf].size = p->files[i].size;
        files[nf].mtime_ms = p->files[i].mtime_ms;
        files[nf].etag = p->files[i].etag;
        files[nf].rows = po->file_rows[i];
        if (p->files[i].mtime_ms > newest) newest = p->files[i].mtime_ms;
        nf++;
    }
    for (size_t i = 0; i < s->npayers; i++) {
        rk_i128_fmt(s->payers[i].unb, 18, dec[i][0]);
        rk_i128_fmt(s->payers[i].amort, 18, dec[i][1]);
        payers[i].payer = s->payers[i].payer;
        payers[i].rows = s->payers[i].rows;
        payers[i].unblended = dec[i][0];
        payers[i].amortized = dec[i][1];
    }
    rk_delivery_info d = {
        .report_id = j->report_id,
        .period = po->period,
        .delivery_id = p->delivery_id,
        .fingerprint = p->fingerprint,
        .layout = p->layout,
        .rows = s->rows,
        .bytes = bytes,
        .granularity = granularity_of(s->min_interval),
        .resource_ids = s->resource_ids,
        .delivered_at = newest,
        .currency = s->currency[0] ? s->currency : NULL,
        .run_id = sh->run_id,
        .files = files,
        .nfiles = nf,
        .payers = payers,
        .npayers = s->npayers,
        .rounded = j->rounded,
    };
    st = rk_ws_publish(sh->ws, po->tmp, po->name, &d, err);
    free(files);
    free(payers);
    free(dec);
    return st;
}

/* The files must be exactly what the plan listed, before and after reading:
 * an overwrite-mode delivery rewritten meanwhile would otherwise mix parts. */
static rk_status verify_unchanged(job *j, rk_err *err)
{
    const rk_plan *p = j->plan;
    for (size_t i = 0; i <= p->nfiles; i++) {
        const rk_object *o = i < p->nfiles ? &p->files[i] : &p->manifest_obj;
        if (!o->key) continue;
        rk_object now;
        rk_status st = rk_source_stat(j->sh->src, o->key, &now, err);
        if (st != RK_OK || now.size != o->size || now.mtime_ms != o->mtime_ms ||
            (o->etag && now.etag && strcmp(o->etag, now.etag) != 0)) {
            rk_object_clear(&now);
            return rk_err_set(err, RK_ECHANGED,
                              "%s changed while it was being read (a new delivery is arriving); nothing was "
                              "replaced, run the ingest again",
                              o->key);
        }
        rk_object_clear(&now);
    }
    return RK_OK;
}

/* ---- a delivery ---- */

/* First task of a job: find the report, and decide whether there is anything
 * to read. Called with j->mu held. */
static void job_init_locked(job *j)
{
    shared *sh = j->sh;
    const rk_plan *p = j->plan;
    rk_err err = {0};
    j->inited = true;
    j->t0 = now_s();
    rk_report_ref ref = {.format = rk_fmt_name(p->fmt), .path = p->report_path, .name = p->report_name,
                         .manifest = p->manifest};
    if (rk_ws_report(sh->ws, sh->source_id, &ref, &j->report_id, &err) != RK_OK) {
        add_result(sh, p, p->period, RK_RES_FAILED, 0, err.msg, 0);
        set_last_code(sh, err.code ? err.code : RK_EIO);
        j->skip = true;
        return;
    }
    if (p->status == RK_PLAN_WAITING) {
        bool same = rk_ws_is_current(sh->ws, j->report_id, p->period, p->fingerprint);
        add_result(sh, p, p->period, same ? RK_RES_UNCHANGED : RK_RES_WAITING, 0, same ? NULL : p->message, 0);
        j->skip = true;
        return;
    }
    if (p->status != RK_PLAN_OK) {
        const char *status = p->status == RK_PLAN_UNSUPPORTED ? "unsupported" : "failed";
        rk_ws_period_status(sh->ws, j->report_id, p->period, status, p->message, sh->run_id, &err);
        rk_ws_problem(sh->ws, sh->run_id, j->report_id, p->period, status, p->message, &err);
        add_result(sh, p, p->period, p->status == RK_PLAN_UNSUPPORTED ? RK_RES_UNSUPPORTED : RK_RES_FAILED, 0,
                   p->message, 0);
        j->skip = true;
        return;
    }
    if (rk_ws_is_current(sh->ws, j->report_id, p->period, p->fingerprint)) {
        char **periods = NULL;
        size_t np = 0;
        if (!p->period && rk_ws_report_periods(sh->ws, j->report_id, &periods, &np, &err) == RK_OK && np) {
            for (size_t i = 0; i < np; i++) add_result(sh, p, periods[i], RK_RES_UNCHANGED, 0, NULL, now_s() - j->t0);
        } else {
            add_result(sh, p, p->period, RK_RES_UNCHANGED, 0, NULL, now_s() - j->t0);
        }
        for (size_t i = 0; i < np; i++) free(periods[i]);
        free(periods);
        j->skip = true;
    }
}

static void job_fail(job *j, rk_status st, const rk_err *err)
{
    pthread_mutex_lock(&j->mu);
    if (j->st == RK_OK) {
        j->st = st;
        j->err = *err;
        __atomic_store_n(&j->failed, 1, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&j->mu);
}

/* Drops a thread's builders for a job (after its last file on this thread). */
static void local_release(local *l)
{
    for (size_t i = 0; i < l->nlp; i++) {
        rk_segb_discard(l->lp[i]->b);
        rk_rollup_discard(&l->lp[i]->ru);
        stats_free(&l->lp[i]->st);
        free(l->lp[i]->map);
        free(l->lp[i]);
    }
    free(l->lp);
    memset(l, 0, sizeof *l);
}

/* Reads one file of a job on this thread. The thread's builders (l) live as
 * long as it works on this job, so a delivery of many parts does not
 * allocate block buffers again for every part; each file ends with its
 * partial blocks appended, because another thread may publish the delivery
 * as soon as the last file is done. */
static void run_file(local *l, job *j, const struct jtask *t)
{
    if (l->j != j) {
        local_release(l);
        l->j = j;
    }
    size_t fi = t->file;
    l->file_idx = fi;
    l->part = t->part;
    l->nparts = t->nparts;
    l->rounded = 0;
    l->warning[0] = 0;
    rk_err err = {0};
    rk_status st = read_file(l, &j->plan->files[fi], &err);
    for (size_t i = 0; i < l->nlp && st == RK_OK; i++) st = rk_segb_flush(l->lp[i]->b, &err);
    for (size_t i = 0; i < l->nlp && st == RK_OK; i++) st = rk_rollup_flush(&l->lp[i]->ru, &err);
    pthread_mutex_lock(&j->mu);
    for (size_t i = 0; i < l->nlp && st == RK_OK; i++) {
        lperiod *lp = l->lp[i];
        lp->st.rows = lp->rows;
        st = stats_merge(&lp->po->st, &lp->st, &err);
        lp->po->file_rows[fi] += lp->rows;
    }
    j->rounded += l->rounded;
    if (l->warning[0] && !j->warning[0]) memcpy(j->warning, l->warning, sizeof j->warning);
    pthread_mutex_unlock(&j->mu);
    /* the file's share is merged: start the next one from zero */
    for (size_t i = 0; i < l->nlp; i++) {
        lperiod *lp = l->lp[i];
        stats_free(&lp->st);
        memset(&lp->st, 0, sizeof lp->st);
        lp->st.min_interval = INT64_MAX;
        lp->rows = 0;
    }
    if (st != RK_OK) {
        job_fail(j, st, &err);
        local_release(l);
    }
}

/* After the last file: publish every period, or record the failure. */
static void job_finish(job *j)
{
    shared *sh = j->sh;
    const rk_plan *p = j->plan;
    rk_err err = j->err;
    rk_status st = j->st;
    if (st == RK_OK) st = verify_unchanged(j, &err);
    if (st == RK_OK && j->npo == 0 && p->period) {
        /* A delivery with no rows is still a delivery (an empty month). */
        period_out *po;
        st = po_get_locked(j, p->period, &po, &err);
    }
    if (st == RK_OK && j->npo == 0)
        st = rk_err_set(&err, RK_EBADDATA, "the files hold no rows, so no billing period could be found");
    size_t published = 0;
    for (size_t i = 0; i < j->npo && st == RK_OK; i++) {
        period_out *po = j->po[i];
        uint64_t rows = po->st.rows;
        st = publish(j, po, &err);
        if (st == RK_OK) {
            char note[1200] = "";
            if (j->warning[0]) snprintf(note, sizeof note, "%s", j->warning);
            if (po->st.outside)
                snprintf(note + strlen(note), sizeof note - strlen(note),
                         "%s%llu rows have a bill/BillingPeriodStartDate outside %s (kept as delivered)",
                         *note ? "; " : "", (unsigned long long)po->st.outside, po->period);
            if (j->rounded)
                snprintf(note + strlen(note), sizeof note - strlen(note),
                         "%s%llu values had more than 18 decimals and were rounded", *note ? "; " : "",
                         (unsigned long long)j->rounded);
            add_result(sh, p, po->period, RK_RES_INGESTED, rows, *note ? note : NULL, now_s() - j->t0);
            published++;
        }
    }
    if (st != RK_OK) {
        /* Every period this plan touched keeps its previous delivery. For CSV
         * files without a manifest that is each period the folder supplies
         * now plus any it was about to add. */
        rk_err e2 = {0};
        char **cur = NULL;
        size_t ncur = 0;
        rk_buf pb;
        rk_buf_init(&pb, 1 << 16);
        if (p->period) {
            rk_buf_puts(&pb, p->period);
        } else {
            rk_ws_report_periods(sh->ws, j->report_id, &cur, &ncur, &e2);
            for (size_t i = 0; i < ncur; i++) rk_buf_printf(&pb, "%s%s", pb.len ? "," : "", cur[i]);
            for (size_t i = published; i < j->npo; i++) {
                bool dup = false;
                for (size_t k = 0; k < ncur; k++) dup = dup || strcmp(cur[k], j->po[i]->period) == 0;
                if (!dup) rk_buf_printf(&pb, "%s%s", pb.len ? "," : "", j->po[i]->period);
            }
        }
        if (pb.len == 0) {
            rk_ws_period_status(sh->ws, j->report_id, NULL, "failed", err.msg, sh->run_id, &e2);
        } else {
            char *list = rk_strdup(pb.p);
            char *save = NULL;
            for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
                rk_ws_period_status(sh->ws, j->report_id, tok, "failed", err.msg, sh->run_id, &e2);
            free(list);
        }
        rk_ws_problem(sh->ws, sh->run_id, j->report_id, pb.len ? pb.p : NULL, "failed", err.msg, &e2);
        add_result(sh, p, pb.len ? pb.p : NULL, RK_RES_FAILED, 0, err.msg, now_s() - j->t0);
        set_last_code(sh, st);
        for (size_t i = 0; i < ncur; i++) free(cur[i]);
        free(cur);
        rk_buf_free(&pb);
    }
}

static void job_free(job *j)
{
    free(j->tasks);
    for (size_t i = 0; i < j->npo; i++) {
        if (j->po[i]->w) rk_segw_abort(j->po[i]->w);
        stats_free(&j->po[i]->st);
        free(j->po[i]->file_rows);
        free(j->po[i]);
    }
    free(j->po);
    for (size_t i = 0; i < j->ncols; i++) {
        free(j->cols[i]->name);
        free(j->cols[i]);
    }
    free(j->cols);
    pthread_mutex_destroy(&j->mu);
}

/* ---- the workers ---- */

/* A big Parquet file is read by several threads, each taking a range of its
 * row groups, when the delivery has fewer files than threads (otherwise the
 * files already spread the work). A one-file 2 M-row month ingests 1.9x
 * faster on two cores this way. Parts are sized so each carries at least
 * PQ_PART_BYTES; a part past the file's last row group reads nothing. */
#define PQ_PART_BYTES (32u << 20)

static rk_status plan_tasks(job *j, int threads)
{
    const rk_plan *p = j->plan;
    size_t n = 0, nf = (p->status == RK_PLAN_OK) ? p->nfiles : 0;
    /* test hook: RECKON_PQ_PART_BYTES splits small files too */
    const char *hook = getenv("RECKON_PQ_PART_BYTES");
    uint64_t part_bytes = hook && atoll(hook) > 0 ? (uint64_t)atoll(hook) : PQ_PART_BYTES;
    unsigned *parts = calloc(nf ? nf : 1, sizeof *parts);
    if (!parts) return RK_ENOMEM;
    for (size_t f = 0; f < nf; f++) {
        parts[f] = 1;
        if (nf < (size_t)threads && ends_with_ci(p->files[f].key, ".parquet")) {
            uint64_t k = p->files[f].size / part_bytes;
            parts[f] = k < 1 ? 1 : k > (uint64_t)threads ? (unsigned)threads : (unsigned)k;
        }
        n += parts[f];
    }
    /* a job without files still runs once: its first task reports it */
    j->tasks = calloc(n ? n : 1, sizeof *j->tasks);
    if (!j->tasks) {
        free(parts);
        return RK_ENOMEM;
    }
    j->ntasks = 0;
    for (size_t f = 0; f < nf; f++)
        for (unsigned k = 0; k < parts[f]; k++) j->tasks[j->ntasks++] = (struct jtask){f, k, parts[f]};
    if (j->ntasks == 0) {
        j->ntasks = 1;
        j->tasks[0] = (struct jtask){SIZE_MAX, 0, 1};
    }
    free(parts);
    return RK_OK;
}

/* Takes the next (job, task): the first job with tasks left, so both threads
 * work on the biggest delivery until it has no file left. */
static bool next_task(shared *sh, job **jo, size_t *task)
{
    bool found = false;
    pthread_mutex_lock(&sh->mu);
    while (sh->cursor < sh->njobs) {
        job *j = &sh->jobs[sh->cursor];
        if (j->next_task < j->ntasks) {
            *jo = j;
            *task = j->next_task++;
            found = true;
            break;
        }
        sh->cursor++;
    }
    pthread_mutex_unlock(&sh->mu);
    return found;
}

static void *worker(void *arg)
{
    shared *sh = arg;
    job *j;
    size_t task;
    local l;
    memset(&l, 0, sizeof l);
    while (next_task(sh, &j, &task)) {
        pthread_mutex_lock(&j->mu);
        if (!j->inited) job_init_locked(j);
        bool skip = j->skip || j->st != RK_OK;
        pthread_mutex_unlock(&j->mu);
        if (!skip && j->tasks[task].file != SIZE_MAX) run_file(&l, j, &j->tasks[task]);
        pthread_mutex_lock(&j->mu);
        bool last = ++j->done_tasks == j->ntasks;
        pthread_mutex_unlock(&j->mu);
        if (last) {
            /* no thread will use this job's segments again: drop our builders
             * before they are finished (another thread's stay harmless: they
             * are only freed, never used, once their job is done) */
            if (l.j == j) local_release(&l);
            if (!j->skip) job_finish(j);
            __atomic_add_fetch(&sh->plans_done, 1, __ATOMIC_RELAXED);
        }
    }
    local_release(&l);
    return NULL;
}

static void *progress_thread(void *arg)
{
    shared *sh = arg;
    while (!sh->stop_progress) {
        struct timespec ts = {0, 100 * 1000000};
        nanosleep(&ts, NULL);
        rk_ingest_progress pr = {
            .bytes_read = __atomic_load_n(&sh->bytes_read, __ATOMIC_RELAXED),
            .bytes_total = sh->bytes_total,
            .rows = __atomic_load_n(&sh->rows, __ATOMIC_RELAXED),
            .plans_done = __atomic_load_n(&sh->plans_done, __ATOMIC_RELAXED),
            .plans_total = sh->plans_total,
        };
        if (!sh->stop_progress) sh->opts->progress(sh->opts->progress_ctx, &pr, false);
    }
    return NULL;
}

/* Big plans first keeps both cores busy to the end. */
static int cmp_plan_size(const void *a, const void *b)
{
    const rk_plan *x = a, *y = b;
    uint64_t sx = 0, sy = 0;
    for (size_t i = 0; i < x->nfiles; i++) sx += x->files[i].size;
    for (size_t i = 0; i < y->nfiles; i++) sy += y->files[i].size;
    return sx < sy ? 1 : sx > sy ? -1 : 0;
}

rk_status rk_ingest(rk_ws *ws, rk_source *src, const rk_ingest_opts *opts, rk_ingest_result *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    int64_t source_id;
    RK_TRY(rk_ws_source(ws, src->ops->kind, src->uri, &source_id, err));
    int64_t run_id;
    RK_TRY(rk_ws_run_begin(ws, opts->command ? opts->command : "ingest", source_id, &run_id, err));
    rk_object *objs = NULL;
    size_t nobjs = 0;
    rk_status st = rk_source_list(src, &objs, &nobjs, err);
    if (st == RK_OK) st = rk_discover(src, objs, nobjs, &out->disc, err);
    if (st == RK_OK && opts->report && *opts->report) st = rk_discovery_keep_report(&out->disc, opts->report, err);
    rk_objects_free(objs, nobjs);
    if (st != RK_OK) {
        rk_run_counts c = {0};
        rk_ws_run_end(ws, run_id, &c, "failed", NULL);
        return st;
    }
    if (out->disc.nplans) qsort(out->disc.plans, out->disc.nplans, sizeof *out->disc.plans, cmp_plan_size);

    shared sh;
    memset(&sh, 0, sizeof sh);
    sh.ws = ws;
    sh.src = src;
    sh.opts = opts;
    sh.disc = &out->disc;
    sh.run_id = run_id;
    sh.source_id = source_id;
    sh.plans_total = (unsigned)out->disc.nplans;
    sh.njobs = out->disc.nplans;
    int threads = opts->threads > 0 ? opts->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    sh.jobs = calloc(sh.njobs ? sh.njobs : 1, sizeof *sh.jobs);
    if (!sh.jobs) return rk_err_set(err, RK_ENOMEM, "out of memory");
    for (size_t i = 0; i < sh.njobs; i++) {
        job *j = &sh.jobs[i];
        j->sh = &sh;
        j->plan = &out->disc.plans[i];
        pthread_mutex_init(&j->mu, NULL);
        for (size_t f = 0; f < j->plan->nfiles; f++) sh.bytes_total += j->plan->files[f].size;
        if (plan_tasks(j, threads) != RK_OK) {
            for (size_t k = 0; k <= i; k++) job_free(&sh.jobs[k]);
            free(sh.jobs);
            return rk_err_set(err, RK_ENOMEM, "out of memory");
        }
    }
    pthread_mutex_init(&sh.mu, NULL);

    pthread_t prog;
    bool have_prog = opts->progress && pthread_create(&prog, NULL, progress_thread, &sh) == 0;
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    int started = 0;
    for (int i = 1; tids && i < threads; i++)
        if (pthread_create(&tids[i], NULL, worker, &sh) == 0) started = i;
    worker(&sh);
    for (int i = 1; i <= started; i++) pthread_join(tids[i], NULL);
    free(tids);
    sh.stop_progress = 1;
    if (have_prog) pthread_join(prog, NULL);
    if (opts->progress) {
        rk_ingest_progress pr = {.bytes_read = sh.bytes_read, .bytes_total = sh.bytes_total, .rows = sh.rows,
                                 .plans_done = sh.plans_done, .plans_total = sh.plans_total};
        opts->progress(opts->progress_ctx, &pr, true);
    }
    for (size_t i = 0; i < sh.njobs; i++) job_free(&sh.jobs[i]);
    free(sh.jobs);
    pthread_mutex_destroy(&sh.mu);

    out->v = sh.res;
    out->n = sh.nres;
    out->run_id = run_id;
    out->counts = rk_period_results_count(out->v, out->n);
    rk_run_counts *c = &out->counts;
    c->bytes = sh.bytes_read;
    c->ignored_files = (unsigned)out->disc.nignored;
    const char *status = (c->failed || c->unsupported) ? "problems" : "ok";
    rk_ws_run_end(ws, run_id, c, status, NULL);
    return RK_OK;
}

rk_run_counts rk_period_results_count(const rk_period_result *v, size_t n)
{
    rk_run_counts c = {0};
    for (size_t i = 0; i < n; i++) {
        switch (v[i].status) {
        case RK_RES_INGESTED: c.ingested++; break;
        case RK_RES_UNCHANGED: c.unchanged++; break;
        case RK_RES_FAILED: c.failed++; break;
        case RK_RES_UNSUPPORTED: c.unsupported++; break;
        case RK_RES_WAITING: c.waiting++; break;
        }
        c.rows += v[i].rows;
    }
    return c;
}

void rk_ingest_result_free(rk_ingest_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].report);
        free(r->v[i].period);
        free(r->v[i].message);
    }
    free(r->v);
    rk_discovery_free(&r->disc);
    memset(r, 0, sizeof *r);
}
