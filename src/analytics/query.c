#include "analytics/query.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/intern.h"
#include "common/mem.h"
#include "common/timeparse.h"
#include "cur/colname.h"
#include "cur/schema.h"
#include "store/segment.h"
#include "store/select.h"

/* ---- dimensions, metrics, granularity ---- */

static const struct {
    const char *name, *col;
} dims[] = {
    {"account", "line_item_usage_account_id"},
    {"payer", "bill_payer_account_id"},
    {"service", RK_D_SERVICE},
    {"product-code", "line_item_product_code"},
    {"region", RK_D_REGION},
    {"availability-zone", "line_item_availability_zone"},
    {"usage-type", "line_item_usage_type"},
    {"operation", "line_item_operation"},
    {"line-item-type", "line_item_line_item_type"},
    {"charge-type", RK_D_CHARGE_TYPE},
    {"purchase-option", RK_D_PURCHASE_OPTION},
    {"instance-type", "product_instance_type"},
    {"resource", "line_item_resource_id"},
    {"billing-entity", "bill_billing_entity"},
    {"legal-entity", "line_item_legal_entity"},
    {"currency", "line_item_currency_code"},
};

const char *const rk_dim_names[] = {"account", "payer", "service", "product-code", "region",
                                    "availability-zone", "usage-type", "operation", "line-item-type",
                                    "charge-type", "purchase-option", "instance-type", "resource",
                                    "billing-entity", "legal-entity", "currency", "tag:KEY",
                                    "cost-category:NAME", "product:ATTR", "column:NAME", NULL};

rk_status rk_dim_parse(const char *spec, rk_dim *out, rk_err *err)
{
    char col[2 * RK_COLNAME_MAX + 64], norm[2 * RK_COLNAME_MAX + 2];
    out->label = out->col = NULL;
    const char *colon = strchr(spec, ':');
    if (!colon) {
        for (size_t i = 0; i < sizeof dims / sizeof *dims; i++)
            if (strcmp(spec, dims[i].name) == 0) {
                out->label = rk_strdup(spec);
                out->col = rk_strdup(dims[i].col);
                return RK_OK;
            }
        return rk_err_set(err, RK_EUSAGE,
                          "unknown dimension \"%s\"; use one of account, payer, service, product-code, region, "
                          "availability-zone, usage-type, operation, line-item-type, charge-type, purchase-option, "
                          "instance-type, resource, billing-entity, legal-entity, currency, tag:KEY, "
                          "cost-category:NAME, product:ATTR, column:NAME",
                          spec);
    }
    size_t pl = (size_t)(colon - spec);
    const char *arg = colon + 1;
    if (!*arg) return rk_err_set(err, RK_EUSAGE, "dimension \"%s\" needs a name after the colon", spec);
    size_t al = strlen(arg);
    if (al > RK_COLNAME_MAX) al = RK_COLNAME_MAX;
    if (pl == 3 && strncmp(spec, "tag", 3) == 0) {
        rk_colname_tag(arg, col, sizeof col);
    } else if (pl == 13 && strncmp(spec, "cost-category", 13) == 0) {
        rk_colname_normalize(arg, al, norm, sizeof norm);
        snprintf(col, sizeof col, "cost_category_%s", norm);
    } else if (pl == 7 && strncmp(spec, "product", 7) == 0) {
        rk_colname_normalize(arg, al, norm, sizeof norm);
        if (strncmp(norm, "product_", 8) == 0) snprintf(col, sizeof col, "%s", norm);
        else snprintf(col, sizeof col, "product_%s", norm);
    } else if (pl == 6 && strncmp(spec, "column", 6) == 0) {
        rk_colname_normalize(arg, al, norm, sizeof norm);
        snprintf(col, sizeof col, "%s", norm);
    } else {
        return rk_err_set(err, RK_EUSAGE, "unknown dimension \"%s\"; the prefixed ones are tag:, cost-category:, product: and column:",
                          spec);
    }
    out->label = rk_strdup(spec);
    out->col = rk_strdup(col);
    return (out->label && out->col) ? RK_OK : rk_err_set(err, RK_ENOMEM, "out of memory");
}

void rk_dim_free(rk_dim *d)
{
    free(d->label);
    free(d->col);
    d->label = d->col = NULL;
}

rk_status rk_gran_parse(const char *s, rk_gran *out, rk_err *err)
{
    static const char *const names[] = {"total", "hourly", "daily", "monthly"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (rk_gran)i;
            return RK_OK;
        }
    return rk_err_set(err, RK_EUSAGE, "unknown granularity \"%s\"; use hourly, daily, monthly or total", s);
}

void rk_gran_label(rk_gran g, int64_t t, char *out)
{
    switch (g) {
    case RK_GRAN_HOURLY: rk_time_fmt(t, out); break;
    case RK_GRAN_DAILY: rk_time_fmt_date(t, out); break;
    case RK_GRAN_MONTHLY: rk_time_fmt_month(t, out); break;
    default: out[0] = 0;
    }
}

static const char *const metric_names[RK_M_COUNT] = {"unblended", "blended",   "net-unblended", "amortized",
                                                     "net-amortized", "on-demand", "trueup", "upfront"};
static const char *const metric_cols[RK_M_COUNT] = {RK_D_UNBLENDED, RK_D_BLENDED,  RK_D_NET_UNBLENDED, RK_D_AMORTIZED,
                                                    RK_D_NET_AMORTIZED, RK_D_ONDEMAND, RK_D_TRUEUP, RK_D_UPFRONT};

rk_status rk_metric_parse(const char *s, rk_metric *out, rk_err *err)
{
    for (int i = 0; i < RK_M_COUNT; i++)
        if (strcmp(s, metric_names[i]) == 0) {
            *out = (rk_metric)i;
            return RK_OK;
        }
    return rk_err_set(err, RK_EUSAGE,
                      "unknown metric \"%s\"; use unblended, blended, net-unblended, amortized, net-amortized, "
                      "on-demand, trueup or upfront",
                      s);
}

const char *rk_metric_name(rk_metric m) { return metric_names[m]; }

/* ---- aggregation ---- */

typedef struct agg {
    size_t nk; /* key parts: group dims + currency */
    size_t nm;
    rk_intern *tabs; /* one per key part */
    uint32_t *keys;
    int64_t *tb;
    rk_i128 *sums;
    uint32_t *slots;
    uint32_t mask, n, cap;
    uint64_t scanned;
    bool overflow, nomem;
} agg;

static bool agg_init(agg *a, size_t nk, size_t nm)
{
    memset(a, 0, sizeof *a);
    a->nk = nk;
    a->nm = nm;
    a->tabs = calloc(nk, sizeof *a->tabs);
    a->mask = 255;
    a->slots = calloc(256, sizeof *a->slots);
    if (!a->tabs || !a->slots) return false;
    for (size_t k = 0; k < nk; k++)
        if (!rk_intern_init(&a->tabs[k])) return false;
    return true;
}

static void agg_free(agg *a)
{
    for (size_t k = 0; a->tabs && k < a->nk; k++) rk_intern_free(&a->tabs[k]);
    free(a->tabs);
    free(a->keys);
    free(a->tb);
    free(a->sums);
    free(a->slots);
}

static uint64_t key_hash(const uint32_t *k, size_t nk, int64_t tb)
{
    uint64_t h = (uint64_t)tb * 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < nk; i++) h = (h ^ k[i]) * 0xff51afd7ed558ccdull + (h >> 29);
    return h ^ (h >> 31);
}

/* The group of (key, tb); UINT32_MAX when memory runs out. */
static uint32_t agg_group(agg *a, const uint32_t *key, int64_t tb)
{
    uint64_t h = key_hash(key, a->nk, tb);
    uint32_t i = (uint32_t)h & a->mask;
    while (a->slots[i]) {
        uint32_t g = a->slots[i] - 1;
        if (a->tb[g] == tb && memcmp(a->keys + (size_t)g * a->nk, key, a->nk * sizeof *key) == 0) return g;
        i = (i + 1) & a->mask;
    }
    if (a->n == a->cap) {
        uint32_t nc = a->cap ? a->cap * 2 : 64;
        uint32_t *k = realloc(a->keys, (size_t)nc * (a->nk ? a->nk : 1) * sizeof *k);
        if (!k) return UINT32_MAX;
        a->keys = k;
        int64_t *t = realloc(a->tb, nc * sizeof *t);
        if (!t) return UINT32_MAX;
        a->tb = t;
        rk_i128 *s = realloc(a->sums, (size_t)nc * a->nm * sizeof *s);
        if (!s) return UINT32_MAX;
        a->sums = s;
        a->cap = nc;
    }
    uint32_t g = a->n++;
    memcpy(a->keys + (size_t)g * a->nk, key, a->nk * sizeof *key);
    a->tb[g] = tb;
    memset(a->sums + (size_t)g * a->nm, 0, a->nm * sizeof *a->sums);
    if ((uint64_t)a->n * 2 > a->mask) {
        uint32_t nm = a->mask * 2 + 1;
        uint32_t *ns = calloc((size_t)nm + 1, sizeof *ns);
        if (!ns) return UINT32_MAX;
        for (uint32_t x = 0; x < a->n; x++) {
            uint32_t j = (uint32_t)key_hash(a->keys + (size_t)x * a->nk, a->nk, a->tb[x]) & nm;
            while (ns[j]) j = (j + 1) & nm;
            ns[j] = x + 1;
        }
        free(a->slots);
        a->slots = ns;
        a->mask = nm;
    } else {
        a->slots[i] = g + 1;
    }
    return g;
}

/* ---- the scan ---- */

typedef struct work {
    const rk_active *act;
    rk_seg *seg;
    uint32_t block;
} work;

typedef struct scan {
    const rk_query *q;
    const char *const *cols; /* the decimal columns summed */
    size_t nm;
    work *items;
    size_t nitems, next;
    pthread_mutex_t mu;
    rk_status st;
    rk_err err;
} scan;

static int64_t bucket(rk_gran g, int64_t t)
{
    switch (g) {
    case RK_GRAN_HOURLY: return t - ((t % RK_MS_PER_HOUR) + RK_MS_PER_HOUR) % RK_MS_PER_HOUR;
    case RK_GRAN_DAILY: return rk_time_floor_day(t);
    case RK_GRAN_MONTHLY: return rk_time_floor_month(t);
    default: return 0;
    }
}

static rk_status scan_block(scan *sc, agg *a, const work *w, rk_err *err)
{
    const rk_query *q = sc->q;
    rk_seg *s = w->seg;
    uint32_t b = w->block;
    int tcol = rk_seg_find(s, RK_D_TIME);
    int64_t tmin, tmax;
    if (tcol < 0) return RK_OK;
    if (rk_seg_time_range(s, tcol, b, &tmin, &tmax)) {
        if (q->has_from && tmax < q->from) return RK_OK;
        if (q->has_to && tmin >= q->to) return RK_OK;
    }
    rk_decview tv;
    RK_TRY(rk_seg_dec(s, tcol, b, &tv, err));
    uint32_t n = tv.n;
    size_t nk = a->nk;
    /* Key parts: group dims then currency. Each gets an id map for this block. */
    rk_strview kv[64];
    uint32_t *kmap[64] = {0};
    rk_strview fv[64];
    uint8_t *allow[64] = {0};
    size_t nf = 0;
    rk_status st = RK_OK;
    for (size_t k = 0; k < nk; k++) {
        const char *col = k < q->ngroup ? q->group[k].col : "line_item_currency_code";
        st = rk_seg_str(s, rk_seg_find(s, col), b, &kv[k], err);
        if (st != RK_OK) goto out;
        kmap[k] = malloc(((size_t)kv[k].ndict + 1) * sizeof *kmap[k]);
        if (!kmap[k]) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            goto out;
        }
        for (uint32_t id = 0; id <= kv[k].ndict; id++) {
            size_t len;
            const char *p = rk_strview_str(&kv[k], id, &len);
            kmap[k][id] = rk_intern_add(&a->tabs[k], p, len);
            if (kmap[k][id] == UINT32_MAX) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                goto out;
            }
        }
    }
    /* Filters (plus the payer filter when this delivery answers for only
     * some of its payers): an allowed flag per dictionary id. */
    nf = q->nfilters + (w->act->all_payers ? 0 : 1);
    for (size_t f = 0; f < nf && f < 64; f++) {
        bool payer = f == q->nfilters;
        const char *col = payer ? "bill_payer_account_id" : q->filters[f].dim.col;
        st = rk_seg_str(s, rk_seg_find(s, col), b, &fv[f], err);
        if (st != RK_OK) goto out;
        allow[f] = calloc((size_t)fv[f].ndict + 1, 1);
        if (!allow[f]) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            goto out;
        }
        bool any = false;
        for (uint32_t id = 0; id <= fv[f].ndict; id++) {
            size_t len;
            const char *p = rk_strview_str(&fv[f], id, &len);
            char *const *vals = payer ? w->act->payers : q->filters[f].values;
            size_t nv = payer ? w->act->npayers : q->filters[f].nvalues;
            for (size_t v = 0; v < nv; v++)
                if (strlen(vals[v]) == len && memcmp(vals[v], p, len) == 0) {
                    allow[f][id] = 1;
                    any = true;
                    break;
                }
        }
        if (!any) goto out; /* nothing in this block can match */
    }
    rk_decview mv[RK_Q_MAXSUMS];
    for (size_t m = 0; m < sc->nm; m++) {
        st = rk_seg_dec(s, rk_seg_find(s, sc->cols[m]), b, &mv[m], err);
        if (st != RK_OK) goto out;
    }
    uint32_t key[64];
    for (uint32_t r = 0; r < n; r++) {
        if (rk_decview_null(&tv, r)) continue;
        int64_t t = rk_decview_raw(&tv, r);
        if (tv.enc != 2) t = (int64_t)(rk_decview_get18(&tv, r) / rk_pow10_128[RK_DEC_MAXE]);
        if ((q->has_from && t < q->from) || (q->has_to && t >= q->to)) continue;
        size_t f;
        for (f = 0; f < nf; f++)
            if (!allow[f][rk_strview_id(&fv[f], r)]) break;
        if (f < nf) continue;
        for (size_t k = 0; k < nk; k++) key[k] = kmap[k][rk_strview_id(&kv[k], r)];
        uint32_t g = agg_group(a, key, bucket(q->gran, t));
        if (g == UINT32_MAX) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            goto out;
        }
        rk_i128 *sum = a->sums + (size_t)g * a->nm;
        for (size_t m = 0; m < sc->nm; m++) {
            rk_i128 v = rk_decview_get18(&mv[m], r);
            if (__builtin_add_overflow(sum[m], v, &sum[m])) a->overflow = true;
        }
        a->scanned++;
    }
out:
    for (size_t k = 0; k < nk; k++) free(kmap[k]);
    for (size_t f = 0; f < nf && f < 64; f++) free(allow[f]);
    /* Row blocks are big and read once: drop their pages from this process.
     * Rollup blocks are small and a commitment report reads them several
     * times: keep them mapped. */
    if (q->table == RK_SEG_ROWS) rk_seg_release_block(s, b);
    return st;
}

typedef struct thr {
    scan *sc;
    agg a;
} thr;

static void *scan_thread(void *arg)
{
    thr *t = arg;
    scan *sc = t->sc;
    rk_err err = {0};
    for (;;) {
        pthread_mutex_lock(&sc->mu);
        size_t i = sc->next++;
        bool stop = sc->st != RK_OK;
        pthread_mutex_unlock(&sc->mu);
        if (stop || i >= sc->nitems) break;
        rk_status st = scan_block(sc, &t->a, &sc->items[i], &err);
        if (st != RK_OK) {
            pthread_mutex_lock(&sc->mu);
            if (sc->st == RK_OK) {
                sc->st = st;
                sc->err = err;
            }
            pthread_mutex_unlock(&sc->mu);
            break;
        }
    }
    return NULL;
}

/* ---- results ---- */

static const rk_query *sort_q;
static size_t sort_nm;
static int cmp_rows(const void *x, const void *y)
{
    const rk_qrow *a = x, *b = y;
    if (a->t != b->t) return a->t < b->t ? -1 : 1;
    if (sort_nm) {
        if (a->vals[0] != b->vals[0]) return a->vals[0] > b->vals[0] ? -1 : 1;
    }
    for (size_t k = 0; k < sort_q->ngroup; k++) {
        int r = strcmp(a->keys[k], b->keys[k]);
        if (r) return r;
    }
    return strcmp(a->currency, b->currency);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

rk_status rk_query_run(rk_ws *ws, const rk_query *q, rk_qresult *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    if (q->ngroup > 60 || q->nfilters > 60) return rk_err_set(err, RK_EUSAGE, "too many dimensions (at most 60)");
    out->ngroup = q->ngroup;
    const char *mcols[RK_Q_MAXSUMS];
    size_t nm = q->nsums ? q->nsums : q->nmetrics;
    if (nm > RK_Q_MAXSUMS) return rk_err_set(err, RK_EUSAGE, "too many sums (at most %d)", RK_Q_MAXSUMS);
    for (size_t m = 0; m < nm; m++) mcols[m] = q->nsums ? q->sums[m] : metric_cols[q->metrics[m]];
    out->nmetrics = nm;
    rk_selection sel;
    rk_seg **segs = NULL;
    rk_status st;
    /* A concurrent ingest may delete a replaced segment between reading the
     * catalog and opening the file: read the catalog again then. */
    for (int attempt = 0;; attempt++) {
        RK_TRY(rk_ws_select(ws, &sel, err));
        if (q->source_id) rk_selection_keep_source(&sel, q->source_id);
        segs = calloc(sel.nactive ? sel.nactive : 1, sizeof *segs);
        if (!segs) {
            rk_selection_free(&sel);
            return rk_err_set(err, RK_ENOMEM, "out of memory");
        }
        st = RK_OK;
        for (size_t i = 0; i < sel.nactive && st == RK_OK; i++) {
            char path[PATH_MAX];
            rk_ws_segment_path(ws, sel.active[i].segment, path, sizeof path);
            st = rk_seg_open(path, &segs[i], err);
        }
        if (st == RK_OK) break;
        for (size_t i = 0; i < sel.nactive; i++) rk_seg_close(segs[i]);
        free(segs);
        rk_selection_free(&sel);
        if (st != RK_ENOTFOUND || attempt == 3) return st;
    }
    out->segments = (unsigned)sel.nactive;

    scan sc;
    memset(&sc, 0, sizeof sc);
    sc.q = q;
    sc.cols = mcols;
    sc.nm = nm;
    pthread_mutex_init(&sc.mu, NULL);
    size_t total = 0;
    for (size_t i = 0; i < sel.nactive; i++) total += rk_seg_nblocks(segs[i]);
    sc.items = calloc(total ? total : 1, sizeof *sc.items);
    int nthreads = q->threads > 0 ? q->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nthreads < 1) nthreads = 1;
    if ((size_t)nthreads > total) nthreads = total ? (int)total : 1;
    thr *ts = calloc((size_t)nthreads, sizeof *ts);
    agg fin;
    bool fin_ok = false;
    if (!sc.items || !ts) {
        st = rk_err_set(err, RK_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < sel.nactive; i++)
        for (uint32_t b = 0; b < rk_seg_nblocks(segs[i]); b++)
            if (rk_seg_block_table(segs[i], b) == q->table) sc.items[sc.nitems++] = (work){&sel.active[i], segs[i], b};
    size_t nk = q->ngroup + 1;
    for (int t = 0; t < nthreads; t++) {
        ts[t].sc = &sc;
        if (!agg_init(&ts[t].a, nk, nm)) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            goto done;
        }
    }
    pthread_t *tids = calloc((size_t)nthreads, sizeof *tids);
    int started = 0;
    for (int t = 1; tids && t < nthreads; t++)
        if (pthread_create(&tids[t], NULL, scan_thread, &ts[t]) == 0) started = t;
    scan_thread(&ts[0]);
    for (int t = 1; t <= started; t++) pthread_join(tids[t], NULL);
    free(tids);
    if (sc.st != RK_OK) {
        if (err) *err = sc.err;
        st = sc.st;
        goto done;
    }
    /* Merge the threads' groups by their strings. */
    if (!agg_init(&fin, nk, nm)) {
        st = rk_err_set(err, RK_ENOMEM, "out of memory");
        goto done;
    }
    fin_ok = true;
    for (int t = 0; t < nthreads && st == RK_OK; t++) {
        agg *a = &ts[t].a;
        out->rows_scanned += a->scanned;
        if (a->overflow) st = rk_err_set(err, RK_ELIMIT, "a sum exceeds ±1.7·10^20; narrow the query");
        for (uint32_t g = 0; g < a->n && st == RK_OK; g++) {
            uint32_t key[64];
            for (size_t k = 0; k < nk; k++) {
                size_t len;
                const char *p = rk_intern_str(&a->tabs[k], a->keys[(size_t)g * nk + k], &len);
                key[k] = rk_intern_add(&fin.tabs[k], p, len);
            }
            uint32_t fg = agg_group(&fin, key, a->tb[g]);
            if (fg == UINT32_MAX) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
            for (size_t m = 0; m < nm; m++)
                if (__builtin_add_overflow(fin.sums[(size_t)fg * nm + m], a->sums[(size_t)g * nm + m],
                                           &fin.sums[(size_t)fg * nm + m]))
                    st = rk_err_set(err, RK_ELIMIT, "a sum exceeds ±1.7·10^20; narrow the query");
        }
    }
    if (st != RK_OK) goto done;
    out->rows = calloc(fin.n ? fin.n : 1, sizeof *out->rows);
    if (!out->rows) {
        st = rk_err_set(err, RK_ENOMEM, "out of memory");
        goto done;
    }
    for (uint32_t g = 0; g < fin.n; g++) {
        rk_qrow *r = &out->rows[out->n++];
        r->t = fin.tb[g];
        r->keys = calloc(q->ngroup ? q->ngroup : 1, sizeof *r->keys);
        r->vals = calloc(nm ? nm : 1, sizeof *r->vals);
        if (!r->keys || !r->vals) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < nk; k++) {
            size_t len;
            const char *p = rk_intern_str(&fin.tabs[k], fin.keys[(size_t)g * nk + k], &len);
            char *s = rk_strndup(p, len);
            if (k < q->ngroup) r->keys[k] = s;
            else r->currency = s;
        }
        memcpy(r->vals, fin.sums + (size_t)g * nm, nm * sizeof *r->vals);
    }
    sort_q = q;
    sort_nm = nm;
    if (out->n) qsort(out->rows, out->n, sizeof *out->rows, cmp_rows);
    /* Distinct currencies. */
    out->currencies = calloc(fin.tabs[nk - 1].n + 1, sizeof *out->currencies);
    for (uint32_t i = 0; out->currencies && i < fin.tabs[nk - 1].n; i++) {
        size_t len;
        const char *p = rk_intern_str(&fin.tabs[nk - 1], i, &len);
        out->currencies[out->ncurrencies++] = rk_strndup(p, len);
    }
    if (out->ncurrencies) qsort(out->currencies, out->ncurrencies, sizeof *out->currencies, cmp_str);
done:
    if (fin_ok) agg_free(&fin);
    for (int t = 0; ts && t < nthreads; t++) agg_free(&ts[t].a);
    free(ts);
    free(sc.items);
    pthread_mutex_destroy(&sc.mu);
    for (size_t i = 0; i < sel.nactive; i++) rk_seg_close(segs[i]);
    free(segs);
    rk_selection_free(&sel);
    if (st != RK_OK) rk_qresult_free(out);
    return st;
}

void rk_qresult_free(rk_qresult *r)
{
    for (size_t i = 0; i < r->n; i++) {
        for (size_t k = 0; k < r->ngroup; k++) free(r->rows[i].keys[k]);
        free(r->rows[i].keys);
        free(r->rows[i].vals);
        free(r->rows[i].currency);
    }
    free(r->rows);
    for (size_t i = 0; i < r->ncurrencies; i++) free(r->currencies[i]);
    free(r->currencies);
    memset(r, 0, sizeof *r);
}

