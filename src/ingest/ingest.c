#include "ingest/ingest.h"

#include <jansson.h>
#include <limits.h>
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
#include "cur/measures.h"
#include "cur/schema.h"
#include "format/csv.h"
#include "format/zip.h"
#include "store/segment.h"
#include "store/status.h"

/* HOW IT WORKS
 * A plan (one report's delivery) is loaded by one worker. Every column name
 * the plan meets gets a "global" id (gcol) with its type, the key it feeds
 * and, for CUR 2.0 map columns, the map it expands. Rows go to a period
 * writer: the plan's one period, or (CSV without a manifest) the period of
 * the row's bill/BillingPeriodStartDate. Each writer maps global ids to its
 * own segment columns lazily, so columns appear as the data shows them.
 * Nothing is published until every file of the plan has been read and found
 * unchanged; any error aborts every writer of the plan. */

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
    rk_mapcol map;
} gcol;

typedef struct payer_stat {
    char *payer;
    uint64_t rows;
    rk_i128 unb, amort;
} payer_stat;

typedef struct pwriter {
    char period[8];
    rk_segw *w;
    char tmp[PATH_MAX], name[64];
    int *map; /* gid -> segment column, -1 unknown */
    size_t mapcap;
    int dcol[D_COUNT];
    payer_stat *payers;
    size_t npayers, paycap;
    char currency[64];
    int64_t min_interval;
    bool resource_ids;
    uint64_t rows;
    uint64_t *file_rows; /* per plan file */
    uint64_t outside;    /* rows whose billing period is not the plan's */
} pwriter;

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
    rk_buf last;   /* the cell text last parsed */
    rk_buf vals;   /* string values, NUL separated */
    mapent *ents;
    size_t nents, cap;
    bool valid;
} mapcache;

typedef struct shared shared;

typedef struct build {
    shared *sh;
    const rk_plan *plan;
    int64_t report_id;
    gcol *cols;
    size_t ncols, colcap;
    pwriter **pw; /* each allocated alone: rows keep pointers to them */
    size_t npw, pwcap;
    uint64_t rounded;
    char warning[600]; /* first header oddity, reported with the result */
    size_t file_idx;
    char where[1200]; /* "file KEY" or "file KEY (member M)" */
    /* interval parse cache */
    char last_iv[64];
    size_t last_iv_len;
    int64_t iv_start, iv_end;
} build;

struct shared {
    rk_ws *ws;
    rk_source *src;
    const rk_ingest_opts *opts;
    rk_discovery *disc;
    rk_period_result *res;
    size_t nres, rescap;
    pthread_mutex_t mu;
    size_t next_plan;
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
    }
    pthread_mutex_unlock(&sh->mu);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- columns ---- */

static int gcol_find(build *b, const char *name, rk_coltype type, rk_mapcol map)
{
    for (size_t i = 0; i < b->ncols; i++)
        if (strcmp(b->cols[i].name, name) == 0) return (int)i;
    if (RK_GROW(b->cols, b->colcap, b->ncols + 1) != RK_OK) return -1;
    gcol *g = &b->cols[b->ncols];
    g->name = rk_strdup(name);
    if (!g->name) return -1;
    g->type = type;
    g->key = rk_cur_key(name);
    g->map = map;
    return (int)b->ncols++;
}

static rk_status pw_open(build *b, const char *period, pwriter **out, rk_err *err)
{
    if (RK_GROW(b->pw, b->pwcap, b->npw + 1) != RK_OK) return rk_err_set(err, RK_ENOMEM, "out of memory");
    pwriter *w = calloc(1, sizeof *w);
    if (!w) return rk_err_set(err, RK_ENOMEM, "out of memory");
    b->pw[b->npw] = w;
    snprintf(w->period, sizeof w->period, "%s", period);
    w->min_interval = INT64_MAX;
    b->npw++; /* counted at once so an error below is cleaned up with the rest */
    w->file_rows = calloc(b->plan->nfiles ? b->plan->nfiles : 1, sizeof *w->file_rows);
    if (!w->file_rows) return rk_err_set(err, RK_ENOMEM, "out of memory");
    RK_TRY(rk_ws_segment_paths(b->sh->ws, w->tmp, sizeof w->tmp, w->name, sizeof w->name, err));
    RK_TRY(rk_segw_create(w->tmp, &w->w, err));
    for (int k = 0; k < D_COUNT; k++) {
        w->dcol[k] = rk_segw_column(w->w, derived[k].name, derived[k].type, err);
        if (w->dcol[k] < 0) return RK_ENOMEM;
    }
    *out = w;
    return RK_OK;
}

static void pw_free(pwriter *w)
{
    if (w->w) rk_segw_abort(w->w);
    for (size_t i = 0; i < w->npayers; i++) free(w->payers[i].payer);
    free(w->payers);
    free(w->map);
    free(w->file_rows);
    free(w);
}

static inline int pw_col(pwriter *w, build *b, int gid, rk_err *err)
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
        c = rk_segw_column(w->w, b->cols[gid].name, b->cols[gid].type, err);
        w->map[gid] = c;
    }
    return c;
}

/* ---- errors with place ---- */

static rk_status field_err(build *b, rk_err *err, uint64_t line, size_t col, const char *hdr, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static rk_status field_err(build *b, rk_err *err, uint64_t line, size_t col, const char *hdr, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rk_err_set(err, RK_EBADDATA, "%s: line %llu, column %zu (%s): %s", b->where, (unsigned long long)line, col,
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

static rk_status map_parse(build *b, mapcache *mc, rk_mapcol map, const char *p, size_t n, uint64_t line, size_t col,
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
        return field_err(b, err, line, col, hdr, "\"%s\" is not a JSON object (CUR 2.0 writes map columns as {\"key\":\"value\"})", q);
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
        int gid = gcol_find(b, colname, t, RK_MAP_NONE);
        if (gid < 0) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            break;
        }
        if (b->cols[gid].type != t) {
            st = field_err(b, err, line, col, hdr, "key \"%s\" holds both numbers and text", k);
            break;
        }
        if (RK_GROW(mc->ents, mc->cap, mc->nents + 1) != RK_OK || RK_GROW(offs, ocap, no + 1) != RK_OK) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            break;
        }
        mapent *e = &mc->ents[mc->nents++];
        e->gid = gid;
        e->type = t;
        e->key = b->cols[gid].key;
        e->s = NULL;
        e->n = 0;
        e->d = rk_dec_zero();
        offs[no++] = mc->vals.len;
        if (t == RK_COL_DEC) {
            bool ok = json_is_integer(v) ? (e->d = (rk_dec){json_integer_value(v), 0}, true)
                                         : rk_dec_from_double(json_real_value(v), &e->d);
            if (!ok) {
                st = field_err(b, err, line, col, hdr, "key \"%s\" is not a finite number", k);
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

static pwriter *find_pw(build *b, const char *period)
{
    for (size_t i = 0; i < b->npw; i++)
        if (strcmp(b->pw[i]->period, period) == 0) return b->pw[i];
    return NULL;
}

static rk_status row_stats(pwriter *w, const rk_cur_row *kr, const rk_measures *m, rk_err *err)
{
    const char *payer = kr->has[RK_K_PAYER] ? kr->s[RK_K_PAYER] : "";
    size_t pl = kr->has[RK_K_PAYER] ? kr->n[RK_K_PAYER] : 0;
    payer_stat *ps = NULL;
    for (size_t i = 0; i < w->npayers; i++)
        if (strlen(w->payers[i].payer) == pl && memcmp(w->payers[i].payer, payer, pl) == 0) {
            ps = &w->payers[i];
            break;
        }
    if (!ps) {
        if (RK_GROW(w->payers, w->paycap, w->npayers + 1) != RK_OK) return rk_err_set(err, RK_ENOMEM, "out of memory");
        ps = &w->payers[w->npayers++];
        memset(ps, 0, sizeof *ps);
        ps->payer = rk_strndup(payer, pl);
        if (!ps->payer) return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    ps->rows++;
    ps->unb += rk_dec_to18(m->unblended);
    ps->amort += rk_dec_to18(m->amortized);
    if (kr->has[RK_K_CURRENCY] && kr->n[RK_K_CURRENCY]) {
        const char *c = kr->s[RK_K_CURRENCY];
        size_t cl = kr->n[RK_K_CURRENCY];
        /* a short comma-separated set */
        bool seen = false;
        const char *p = w->currency;
        while (*p) {
            const char *q = strchr(p, ',');
            size_t l = q ? (size_t)(q - p) : strlen(p);
            if (l == cl && memcmp(p, c, cl) == 0) seen = true;
            p += l + (q ? 1 : 0);
        }
        size_t cur = strlen(w->currency);
        if (!seen && cur + cl + 2 < sizeof w->currency) {
            if (cur) w->currency[cur++] = ',';
            memcpy(w->currency + cur, c, cl);
            w->currency[cur + cl] = 0;
        }
    }
    if (kr->has[RK_K_RESOURCE_ID] && kr->n[RK_K_RESOURCE_ID]) w->resource_ids = true;
    return RK_OK;
}

static rk_status read_part(build *b, rk_csv *csv, rk_err *err)
{
    shared *sh = b->sh;
    const rk_csv_row *row;
    rk_status st = rk_csv_next(csv, &row, err);
    if (st == RK_ENOTFOUND) return rk_err_set(err, RK_EBADDATA, "%s: the file is empty (no header line)", b->where);
    if (st != RK_OK) {
        rk_err_prefix(err, "%s: ", b->where);
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
                            b->where, (unsigned long long)row->line, i + 1);
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
        h[i].gid = gcol_find(b, norm, t, RK_MAP_NONE);
        if (h[i].gid < 0) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            break;
        }
        h[i].type = b->cols[h[i].gid].type;
        h[i].key = b->cols[h[i].gid].key;
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
    if (st == RK_OK && !b->plan->period && period_col < 0)
        st = rk_err_set(err, RK_EBADDATA,
                        "%s: there is no bill/BillingPeriodStartDate column, so the billing period of its rows "
                        "is unknown (files without a manifest need it)",
                        b->where);

    pwriter *single = NULL;
    if (st == RK_OK && b->plan->period) {
        single = find_pw(b, b->plan->period);
        if (!single) st = pw_open(b, b->plan->period, &single, err);
    }
    int64_t plan_p0 = 0;
    if (b->plan->period) {
        char tmp[16];
        snprintf(tmp, sizeof tmp, "%s-01", b->plan->period);
        rk_time_parse(tmp, strlen(tmp), &plan_p0);
    }

    rk_cur_row kr;
    memset(&kr, 0, sizeof kr);
    kr.part_has_net = has_net;
    int64_t last_period_ms = INT64_MIN; /* routing cache: rows of a file share a period */
    pwriter *last_pw = NULL;
    uint64_t local_rows = 0;
    while (st == RK_OK && (st = rk_csv_next(csv, &row, err)) == RK_OK) {
        if (row->n != nh) {
            char hint[400] = "";
            if (fused >= 0)
                snprintf(hint, sizeof hint, "; header cell %d \"%s\" looks like two column names fused by a missing comma",
                         fused + 1, hdr[fused]);
            st = rk_err_set(err, RK_EBADDATA,
                            "%s: line %llu has %zu fields but the header has %zu%s; fix the file or export it again",
                            b->where, (unsigned long long)row->line, row->n, nh, hint);
            break;
        }
        pwriter *pw = single;
        if (!pw) {
            const rk_csv_field *f = &row->f[period_col];
            int64_t ms;
            rk_status ts = rk_time_parse(f->p, f->len, &ms);
            if (ts != RK_OK) {
                char q[128];
                quote_value(f->p, f->len, q, sizeof q);
                st = field_err(b, err, row->line, (size_t)period_col + 1, hdr[period_col],
                               ts == RK_ENOTFOUND ? "the billing period is empty, so the row cannot be placed in a period%s"
                                                  : "\"%s\" is not a timestamp",
                               ts == RK_ENOTFOUND ? "" : q);
                break;
            }
            if (ms != last_period_ms) {
                char per[8];
                rk_period_of(ms, per);
                last_pw = find_pw(b, per);
                if (!last_pw && (st = pw_open(b, per, &last_pw, err)) != RK_OK) break;
                last_period_ms = ms;
            }
            pw = last_pw;
        }
        memset(kr.has, 0, sizeof kr.has);
        rk_segw *w = pw->w;
        for (size_t i = 0; i < nh; i++) {
            const rk_csv_field *f = &row->f[i];
            const hcol *hc = &h[i];
            if (f->len == 0) continue;
            if (hc->map) {
                mapcache *mc = &mcs[hc->mapslot];
                if ((f->len == 2 && f->p[0] == '{' && f->p[1] == '}')) continue;
                st = map_parse(b, mc, hc->map, f->p, f->len, row->line, i + 1, hdr[i], err);
                if (st != RK_OK) break;
                for (size_t e = 0; e < mc->nents; e++) {
                    const mapent *me = &mc->ents[e];
                    int c = pw_col(pw, b, me->gid, err);
                    if (c < 0) {
                        st = RK_ENOMEM;
                        break;
                    }
                    if (me->type == RK_COL_DEC) {
                        rk_segw_set_dec(w, c, me->d);
                        if (me->key >= 0 && !kr.has[me->key]) kr.v[me->key] = me->d, kr.has[me->key] = true;
                    } else {
                        rk_segw_set_str(w, c, me->s, me->n);
                        if (me->key >= 0 && !kr.has[me->key] && me->n)
                            kr.s[me->key] = me->s, kr.n[me->key] = me->n, kr.has[me->key] = true;
                    }
                }
                if (st != RK_OK) break;
                continue;
            }
            int c = pw_col(pw, b, hc->gid, err);
            if (c < 0) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
            if (hc->type == RK_COL_STR) {
                rk_segw_set_str(w, c, f->p, f->len);
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
                    st = field_err(b, err, row->line, i + 1, hdr[i],
                                   ps == RK_ELIMIT ? "%s is out of range (|value| must be below 10^20)"
                                                   : "\"%s\" is not a number",
                                   q);
                    break;
                }
                if (rounded) b->rounded++;
                rk_segw_set_dec(w, c, d);
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
                    st = field_err(b, err, row->line, i + 1, hdr[i],
                                   "\"%s\" is not a timestamp (expected e.g. 2023-11-01T00:00:00Z)", q);
                    break;
                }
                rk_segw_set_time(w, c, ms);
                if (hc->key >= 0 && !kr.has[hc->key]) {
                    kr.v[hc->key] = (rk_dec){ms, 0};
                    kr.has[hc->key] = true;
                }
            }
        }
        if (st != RK_OK) break;
        for (int k = 0; k < RK_K_COUNT; k++)
            if (!kr.has[k]) kr.v[k] = rk_dec_zero();

        /* Time of the row: the start of identity/TimeInterval (cur-format
         * §a.6: bucket by it, not by UsageStartDate), else the usage start,
         * else the billing period start. */
        int64_t t0 = 0, t1 = 0;
        bool have_t = false, have_iv = false;
        if (kr.has[RK_K_TIME_INTERVAL]) {
            const char *s = kr.s[RK_K_TIME_INTERVAL];
            size_t n = kr.n[RK_K_TIME_INTERVAL];
            if (n == b->last_iv_len && n < sizeof b->last_iv && memcmp(s, b->last_iv, n) == 0) {
                t0 = b->iv_start;
                t1 = b->iv_end;
            } else {
                if (rk_interval_parse(s, n, &t0, &t1) != RK_OK) {
                    char q[128];
                    quote_value(s, n, q, sizeof q);
                    st = field_err(b, err, row->line, 0, "identity/TimeInterval",
                                   "\"%s\" is not an interval (expected start/end timestamps)", q);
                    break;
                }
                if (n < sizeof b->last_iv) {
                    memcpy(b->last_iv, s, n);
                    b->last_iv_len = n;
                    b->iv_start = t0;
                    b->iv_end = t1;
                }
            }
            have_t = have_iv = true;
        } else if (kr.has[RK_K_USAGE_START]) {
            t0 = (int64_t)kr.v[RK_K_USAGE_START].m;
            have_t = true;
        } else if (kr.has[RK_K_PERIOD_START]) {
            t0 = (int64_t)kr.v[RK_K_PERIOD_START].m;
            have_t = true;
        }
        if (!have_t) {
            st = rk_err_set(err, RK_EBADDATA,
                            "%s: line %llu: the row has no time (identity/TimeInterval, lineItem/UsageStartDate and "
                            "bill/BillingPeriodStartDate are all empty or absent)",
                            b->where, (unsigned long long)row->line);
            break;
        }
        rk_measures m;
        if (!rk_cur_measures(&kr, &m)) {
            st = rk_err_set(err, RK_EBADDATA, "%s: line %llu: a derived cost is out of range (|value| >= 10^20)", b->where,
                            (unsigned long long)row->line);
            break;
        }
        if (have_iv && (m.lit == RK_LIT_USAGE || m.lit == RK_LIT_DISCOUNTED_USAGE || m.lit == RK_LIT_SP_COVERED_USAGE) &&
            t1 > t0 && t1 - t0 < pw->min_interval)
            pw->min_interval = t1 - t0;
        if (plan_p0 && kr.has[RK_K_PERIOD_START] && (int64_t)kr.v[RK_K_PERIOD_START].m != plan_p0) pw->outside++;
        rk_segw_set_time(w, pw->dcol[D_TIME], t0);
        rk_segw_set_dec(w, pw->dcol[D_UNB], m.unblended);
        rk_segw_set_dec(w, pw->dcol[D_BLEND], m.blended);
        rk_segw_set_dec(w, pw->dcol[D_NETUNB], m.net_unblended);
        rk_segw_set_dec(w, pw->dcol[D_AMORT], m.amortized);
        rk_segw_set_dec(w, pw->dcol[D_NETAMORT], m.net_amortized);
        rk_segw_set_dec(w, pw->dcol[D_OD], m.ondemand);
        rk_segw_set_dec(w, pw->dcol[D_TRUEUP], m.trueup);
        rk_segw_set_dec(w, pw->dcol[D_UPFRONT], m.upfront);
        rk_segw_set_str(w, pw->dcol[D_SERVICE], m.service, m.service_len);
        rk_segw_set_str(w, pw->dcol[D_REGION], m.region, m.region_len);
        const char *cn = rk_charge_name(m.charge), *pn = rk_purchase_name(m.purchase);
        rk_segw_set_str(w, pw->dcol[D_CHARGE], cn, strlen(cn));
        rk_segw_set_str(w, pw->dcol[D_PO], pn, strlen(pn));
        if ((st = row_stats(pw, &kr, &m, err)) != RK_OK) break;
        if ((st = rk_segw_end_row(w, err)) != RK_OK) {
            rk_err_prefix(err, "%s: line %llu: ", b->where, (unsigned long long)row->line);
            break;
        }
        pw->rows++;
        pw->file_rows[b->file_idx]++;
        if (++local_rows == 4096) {
            __atomic_add_fetch(&sh->rows, local_rows, __ATOMIC_RELAXED);
            local_rows = 0;
        }
    }
    __atomic_add_fetch(&sh->rows, local_rows, __ATOMIC_RELAXED);
    if (st == RK_ENOTFOUND) {
        st = RK_OK;
        /* The rows agree with the header, so nothing is misplaced: keep the
         * column under its odd name and say so. */
        if (fused >= 0 && !b->warning[0])
            snprintf(b->warning, sizeof b->warning,
                     "%s: header cell %d \"%s\" looks like two column names fused by a missing comma; the rows "
                     "match the header, so its values are kept under that name",
                     b->where, fused + 1, hdr[fused]);
    }
    else if (st != RK_OK && err && strncmp(err->msg, b->where, strlen(b->where)) != 0 && strncmp(err->msg, "line ", 5) == 0)
        rk_err_prefix(err, "%s: ", b->where);
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

static rk_status read_file(build *b, const rk_object *o, rk_err *err)
{
    shared *sh = b->sh;
    rk_in *in = NULL;
    snprintf(b->where, sizeof b->where, "file %s", o->key);
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
        rk_err_prefix(err, "%s: ", b->where);
        return st;
    }
    rk_csv_opts copts = {.validate_utf8 = true};
    if (rk_is_zip_magic(head, got)) {
        rk_unzip *z;
        if ((st = rk_unzip_open(in, &z, err)) != RK_OK) {
            rk_err_prefix(err, "%s: ", b->where);
            return st;
        }
        rk_zip_member info;
        rk_in *member;
        unsigned parts = 0;
        while ((st = rk_unzip_next(z, &info, &member, err)) == RK_OK) {
            if (info.is_dir || strncmp(info.name, "__MACOSX/", 9) == 0) continue;
            snprintf(b->where, sizeof b->where, "file %s (member %s)", o->key, info.name);
            rk_csv *csv;
            if ((st = rk_csv_open(member, &copts, &csv, err)) != RK_OK) break;
            st = read_part(b, csv, err);
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
            rk_err_prefix(err, "%s: ", b->where);
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
        st = read_part(b, csv, err);
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

static rk_status publish(build *b, pwriter *w, rk_err *err)
{
    shared *sh = b->sh;
    const rk_plan *p = b->plan;
    char meta[4096];
    json_t *mj = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s?, s:s, s:I}", "format", "reckon-segment", "version", 1,
                           "report", p->report_name, "path", p->report_path, "period", w->period, "delivery",
                           p->delivery_id, "fingerprint", p->fingerprint, "rows", (json_int_t)w->rows);
    char *mt = mj ? json_dumps(mj, JSON_COMPACT) : NULL;
    snprintf(meta, sizeof meta, "%s", mt ? mt : "{}");
    free(mt);
    json_decref(mj);
    uint64_t bytes = rk_segw_bytes(w->w);
    rk_status st = rk_segw_finish(w->w, meta, err);
    w->w = NULL;
    if (st != RK_OK) return st;
    rk_file_info *files = calloc(p->nfiles ? p->nfiles : 1, sizeof *files);
    rk_payer_info *payers = calloc(w->npayers ? w->npayers : 1, sizeof *payers);
    char (*dec)[2][64] = calloc(w->npayers ? w->npayers : 1, sizeof *dec);
    if (!files || !payers || !dec) {
        free(files);
        free(payers);
        free(dec);
        unlink(w->tmp);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    size_t nf = 0;
    int64_t newest = p->manifest_obj.key ? p->manifest_obj.mtime_ms : 0;
    for (size_t i = 0; i < p->nfiles; i++) {
        /* Files without a manifest: only those with rows of this period. */
        if (!p->period && w->file_rows[i] == 0) continue;
        files[nf].key = p->files[i].key;
        files[nf].size = p->files[i].size;
        files[nf].mtime_ms = p->files[i].mtime_ms;
        files[nf].etag = p->files[i].etag;
        files[nf].rows = w->file_rows[i];
        if (p->files[i].mtime_ms > newest) newest = p->files[i].mtime_ms;
        nf++;
    }
    for (size_t i = 0; i < w->npayers; i++) {
        rk_i128_fmt(w->payers[i].unb, 18, dec[i][0]);
        rk_i128_fmt(w->payers[i].amort, 18, dec[i][1]);
        payers[i].payer = w->payers[i].payer;
        payers[i].rows = w->payers[i].rows;
        payers[i].unblended = dec[i][0];
        payers[i].amortized = dec[i][1];
    }
    rk_delivery_info d = {
        .report_id = b->report_id,
        .period = w->period,
        .delivery_id = p->delivery_id,
        .fingerprint = p->fingerprint,
        .layout = p->layout,
        .rows = w->rows,
        .bytes = bytes,
        .granularity = granularity_of(w->min_interval),
        .resource_ids = w->resource_ids,
        .delivered_at = newest,
        .currency = w->currency[0] ? w->currency : NULL,
        .run_id = sh->run_id,
        .files = files,
        .nfiles = nf,
        .payers = payers,
        .npayers = w->npayers,
        .rounded = b->rounded,
    };
    st = rk_ws_publish(sh->ws, w->tmp, w->name, &d, err);
    free(files);
    free(payers);
    free(dec);
    return st;
}

/* The files must be exactly what the plan listed, before and after reading:
 * an overwrite-mode delivery rewritten meanwhile would otherwise mix parts. */
static rk_status verify_unchanged(build *b, rk_err *err)
{
    const rk_plan *p = b->plan;
    for (size_t i = 0; i <= p->nfiles; i++) {
        const rk_object *o = i < p->nfiles ? &p->files[i] : &p->manifest_obj;
        if (!o->key) continue;
        rk_object now;
        rk_status st = rk_source_stat(b->sh->src, o->key, &now, err);
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

static void run_plan_with_source(shared *sh, const rk_plan *p, int64_t source_id)
{
    double t0 = now_s();
    rk_err err = {0};
    rk_report_ref ref = {.format = rk_fmt_name(p->fmt), .path = p->report_path, .name = p->report_name,
                         .manifest = p->manifest};
    int64_t report_id = 0;
    if (rk_ws_report(sh->ws, source_id, &ref, &report_id, &err) != RK_OK) {
        add_result(sh, p, p->period, RK_RES_FAILED, 0, err.msg, 0);
        return;
    }
    if (p->status != RK_PLAN_OK) {
        const char *status = p->status == RK_PLAN_UNSUPPORTED ? "unsupported" : "failed";
        rk_ws_period_status(sh->ws, report_id, p->period, status, p->message, sh->run_id, &err);
        rk_ws_problem(sh->ws, sh->run_id, report_id, p->period, status, p->message, &err);
        add_result(sh, p, p->period, p->status == RK_PLAN_UNSUPPORTED ? RK_RES_UNSUPPORTED : RK_RES_FAILED, 0,
                   p->message, 0);
        return;
    }
    if (rk_ws_is_current(sh->ws, report_id, p->period, p->fingerprint)) {
        char **periods = NULL;
        size_t np = 0;
        if (!p->period && rk_ws_report_periods(sh->ws, report_id, &periods, &np, &err) == RK_OK && np) {
            for (size_t i = 0; i < np; i++) add_result(sh, p, periods[i], RK_RES_UNCHANGED, 0, NULL, now_s() - t0);
        } else {
            add_result(sh, p, p->period, RK_RES_UNCHANGED, 0, NULL, now_s() - t0);
        }
        for (size_t i = 0; i < np; i++) free(periods[i]);
        free(periods);
        return;
    }
    build b;
    memset(&b, 0, sizeof b);
    b.sh = sh;
    b.plan = p;
    b.report_id = report_id;
    rk_status st = RK_OK;
    for (size_t i = 0; i < p->nfiles && st == RK_OK; i++) {
        b.file_idx = i;
        st = read_file(&b, &p->files[i], &err);
    }
    if (st == RK_OK) st = verify_unchanged(&b, &err);
    if (st == RK_OK && b.npw == 0 && p->period) {
        /* A delivery with no rows is still a delivery (an empty month). */
        pwriter *w;
        st = pw_open(&b, p->period, &w, &err);
    }
    if (st == RK_OK && b.npw == 0)
        st = rk_err_set(&err, RK_EBADDATA, "the files hold no rows, so no billing period could be found");
    size_t published = 0;
    for (size_t i = 0; i < b.npw && st == RK_OK; i++) {
        pwriter *w = b.pw[i];
        uint64_t rows = w->rows;
        st = publish(&b, w, &err);
        if (st == RK_OK) {
            char note[1200] = "";
            if (b.warning[0]) snprintf(note, sizeof note, "%s", b.warning);
            if (w->outside)
                snprintf(note + strlen(note), sizeof note - strlen(note),
                         "%s%llu rows have a bill/BillingPeriodStartDate outside %s (kept as delivered)",
                         *note ? "; " : "", (unsigned long long)w->outside, w->period);
            if (b.rounded)
                snprintf(note + strlen(note), sizeof note - strlen(note), "%s%llu values had more than 18 decimals and were rounded",
                         *note ? "; " : "", (unsigned long long)b.rounded);
            add_result(sh, p, w->period, RK_RES_INGESTED, rows, *note ? note : NULL, now_s() - t0);
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
            rk_ws_report_periods(sh->ws, report_id, &cur, &ncur, &e2);
            for (size_t i = 0; i < ncur; i++) rk_buf_printf(&pb, "%s%s", pb.len ? "," : "", cur[i]);
            for (size_t i = published; i < b.npw; i++) {
                bool dup = false;
                for (size_t j = 0; j < ncur; j++) dup = dup || strcmp(cur[j], b.pw[i]->period) == 0;
                if (!dup) rk_buf_printf(&pb, "%s%s", pb.len ? "," : "", b.pw[i]->period);
            }
        }
        if (pb.len == 0) {
            rk_ws_period_status(sh->ws, report_id, NULL, "failed", err.msg, sh->run_id, &e2);
        } else {
            char *list = rk_strdup(pb.p);
            for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
                rk_ws_period_status(sh->ws, report_id, tok, "failed", err.msg, sh->run_id, &e2);
            free(list);
        }
        rk_ws_problem(sh->ws, sh->run_id, report_id, pb.len ? pb.p : NULL, "failed", err.msg, &e2);
        add_result(sh, p, pb.len ? pb.p : NULL, RK_RES_FAILED, 0, err.msg, now_s() - t0);
        for (size_t i = 0; i < ncur; i++) free(cur[i]);
        free(cur);
        rk_buf_free(&pb);
    }
    for (size_t i = 0; i < b.npw; i++) pw_free(b.pw[i]);
    free(b.pw);
    for (size_t i = 0; i < b.ncols; i++) free(b.cols[i].name);
    free(b.cols);
}

typedef struct worker_arg {
    shared *sh;
    int64_t source_id;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *wa = arg;
    shared *sh = wa->sh;
    for (;;) {
        pthread_mutex_lock(&sh->mu);
        size_t i = sh->next_plan++;
        pthread_mutex_unlock(&sh->mu);
        if (i >= sh->disc->nplans) break;
        run_plan_with_source(sh, &sh->disc->plans[i], wa->source_id);
        __atomic_add_fetch(&sh->plans_done, 1, __ATOMIC_RELAXED);
    }
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
    sh.plans_total = (unsigned)out->disc.nplans;
    for (size_t i = 0; i < out->disc.nplans; i++)
        for (size_t j = 0; j < out->disc.plans[i].nfiles; j++) sh.bytes_total += out->disc.plans[i].files[j].size;
    pthread_mutex_init(&sh.mu, NULL);

    int threads = opts->threads > 0 ? opts->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    if ((size_t)threads > out->disc.nplans) threads = out->disc.nplans ? (int)out->disc.nplans : 1;
    pthread_t prog;
    bool have_prog = opts->progress && pthread_create(&prog, NULL, progress_thread, &sh) == 0;
    worker_arg wa = {&sh, source_id};
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    int started = 0;
    for (int i = 1; tids && i < threads; i++)
        if (pthread_create(&tids[i], NULL, worker, &wa) == 0) started = i;
    worker(&wa);
    for (int i = 1; i <= started; i++) pthread_join(tids[i], NULL);
    free(tids);
    sh.stop_progress = 1;
    if (have_prog) pthread_join(prog, NULL);
    if (opts->progress) {
        rk_ingest_progress pr = {.bytes_read = sh.bytes_read, .bytes_total = sh.bytes_total, .rows = sh.rows,
                                 .plans_done = sh.plans_done, .plans_total = sh.plans_total};
        opts->progress(opts->progress_ctx, &pr, true);
    }
    pthread_mutex_destroy(&sh.mu);

    out->v = sh.res;
    out->n = sh.nres;
    out->run_id = run_id;
    rk_run_counts *c = &out->counts;
    for (size_t i = 0; i < out->n; i++) {
        switch (out->v[i].status) {
        case RK_RES_INGESTED: c->ingested++; break;
        case RK_RES_UNCHANGED: c->unchanged++; break;
        case RK_RES_FAILED: c->failed++; break;
        case RK_RES_UNSUPPORTED: c->unsupported++; break;
        }
        c->rows += out->v[i].rows;
    }
    c->bytes = sh.bytes_read;
    c->ignored_files = (unsigned)out->disc.nignored;
    const char *status = (c->failed || c->unsupported) ? "problems" : "ok";
    rk_ws_run_end(ws, run_id, c, status, NULL);
    return RK_OK;
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
