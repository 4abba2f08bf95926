#include "cur/discover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/hash.h"
#include "common/mem.h"
#include "common/timeparse.h"
#include "format/manifest.h"
#include "format/parquet.h"

const char *rk_fmt_name(rk_fmt f)
{
    switch (f) {
    case RK_FMT_LEGACY_CSV: return "legacy-csv";
    case RK_FMT_CUR2_CSV: return "cur2-csv";
    case RK_FMT_ATHENA_PARQUET: return "athena-parquet";
    case RK_FMT_CUR2_PARQUET: return "cur2-parquet";
    case RK_FMT_LEGACY_PARQUET: return "legacy-parquet";
    case RK_FMT_CSV: return "csv";
    }
    return "?";
}

void rk_period_of(int64_t ms, char *out) { rk_time_fmt_month(ms, out); }

/* ---- key helpers ---- */

static bool ends_with_ci(const char *s, const char *x)
{
    size_t n = strlen(s), m = strlen(x);
    return n >= m && strcasecmp(s + n - m, x) == 0;
}

static bool is_csv(const char *k)
{
    return ends_with_ci(k, ".csv") || ends_with_ci(k, ".csv.gz") || ends_with_ci(k, ".csv.zip");
}
static bool is_parquet(const char *k) { return ends_with_ci(k, ".parquet"); }
static bool is_manifest(const char *k)
{
    const char *b = strrchr(k, '/');
    b = b ? b + 1 : k;
    size_t n = strlen(b);
    return n > 14 && strcmp(b + n - 14, "-Manifest.json") == 0;
}

/* Component i (0-based) of a key, or NULL. */
typedef struct comps {
    char *buf;
    char *c[128];
    int n;
} comps;

static void split(const char *key, comps *cs)
{
    cs->buf = rk_strdup(key);
    cs->n = 0;
    if (!cs->buf) return;
    char *p = cs->buf;
    while (cs->n < 128) {
        cs->c[cs->n++] = p;
        char *s = strchr(p, '/');
        if (!s) break;
        *s = 0;
        p = s + 1;
    }
}

static char *join(const comps *cs, int from, int to) /* components [from, to) */
{
    size_t len = 0;
    for (int i = from; i < to; i++) len += strlen(cs->c[i]) + 1;
    char *s = malloc(len + 1), *p = s;
    if (!s) return NULL;
    *p = 0;
    for (int i = from; i < to; i++) {
        if (i > from) *p++ = '/';
        size_t l = strlen(cs->c[i]);
        memcpy(p, cs->c[i], l);
        p += l;
    }
    *p = 0;
    return s;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* "20180801-20180901" (end inclusive or exclusive) -> "2018-08" */
static bool period_dir(const char *s, char period[8])
{
    if (strlen(s) != 17 || s[8] != '-' || !all_digits(s, 8) || !all_digits(s + 9, 8)) return false;
    int64_t a, b;
    if (rk_time_parse(s, 8, &a) != RK_OK || rk_time_parse(s + 9, 8, &b) != RK_OK || b <= a) return false;
    rk_period_of(a, period);
    return true;
}

/* "BILLING_PERIOD=2024-09" -> "2024-09" */
static bool billing_period_dir(const char *s, char period[8])
{
    if (strncmp(s, "BILLING_PERIOD=", 15) != 0) return false;
    const char *p = s + 15;
    if (strlen(p) != 7 || p[4] != '-' || !all_digits(p, 4) || !all_digits(p + 5, 2)) return false;
    int m = (p[5] - '0') * 10 + (p[6] - '0');
    if (m < 1 || m > 12) return false;
    memcpy(period, p, 7);
    period[7] = 0;
    return true;
}

static bool year_dir(const char *s, int *y)
{
    if (strncmp(s, "year=", 5) != 0 || strlen(s) != 9 || !all_digits(s + 5, 4)) return false;
    *y = atoi(s + 5);
    return *y >= 1970;
}

static bool month_dir(const char *s, int *m)
{
    if (strncmp(s, "month=", 6) != 0) return false;
    size_t n = strlen(s + 6);
    if (n < 1 || n > 2 || !all_digits(s + 6, n)) return false;
    *m = atoi(s + 6);
    return *m >= 1 && *m <= 12;
}

/* ---- the listing, with "claimed" marks ---- */

typedef struct ctx {
    rk_source *src;
    const rk_object *objs;
    size_t n;
    uint8_t *claimed; /* 1: belongs to a delivery or was explained */
    rk_discovery *out;
    size_t pcap, icap;
} ctx;

static int find_key(const ctx *c, const char *key)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(c->objs[mid].key, key);
        if (r == 0) return (int)mid;
        if (r < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

/* Objects whose key starts with prefix: [first, last). */
static void prefix_range(const ctx *c, const char *prefix, size_t *first, size_t *last)
{
    size_t lo = 0, hi = c->n, pl = strlen(prefix);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(c->objs[mid].key, prefix) < 0) lo = mid + 1;
        else hi = mid;
    }
    *first = lo;
    while (lo < c->n && strncmp(c->objs[lo].key, prefix, pl) == 0) lo++;
    *last = lo;
}

/* A manifest key names an object by its full bucket key, but the local
 * mirror may start anywhere: below the bucket root (drop leading folders of
 * the key) or above it (the bucket is a folder of the mirror). The object is
 * ancestor(manifest) + suffix(key) for the longest suffix, nearest ancestor. */
static int resolve_key(const ctx *c, const char *manifest, const char *key)
{
    char cand[8192];
    for (const char *s = key; s; s = strchr(s, '/')) {
        if (*s == '/') s++;
        if (!*s) break;
        size_t ml = strlen(manifest);
        for (;;) {
            /* ancestor = manifest[0..ml) ending at a '/' (or empty) */
            while (ml > 0 && manifest[ml - 1] != '/') ml--;
            if (ml + strlen(s) < sizeof cand) {
                memcpy(cand, manifest, ml);
                strcpy(cand + ml, s);
                int i = find_key(c, cand);
                if (i >= 0) return i;
            }
            if (ml == 0) break;
            ml--;
        }
    }
    return -1;
}

static rk_status ignore(ctx *c, size_t i, const char *why)
{
    if (c->claimed[i]) return RK_OK;
    c->claimed[i] = 1;
    if (RK_GROW(c->out->ignored, c->icap, c->out->nignored + 1) != RK_OK) return RK_ENOMEM;
    rk_ignored *g = &c->out->ignored[c->out->nignored++];
    g->key = rk_strdup(c->objs[i].key);
    g->why = why;
    return g->key ? RK_OK : RK_ENOMEM;
}

static void copy_obj(rk_object *dst, const rk_object *src)
{
    dst->key = rk_strdup(src->key);
    dst->etag = src->etag ? rk_strdup(src->etag) : NULL;
    dst->size = src->size;
    dst->mtime_ms = src->mtime_ms;
}

static rk_plan *new_plan(ctx *c, rk_fmt fmt, const char *path, const char *name, const char *period)
{
    if (RK_GROW(c->out->plans, c->pcap, c->out->nplans + 1) != RK_OK) return NULL;
    rk_plan *p = &c->out->plans[c->out->nplans++];
    memset(p, 0, sizeof *p);
    p->fmt = fmt;
    p->report_path = rk_strdup(path);
    p->report_name = rk_strdup(name);
    p->period = period ? rk_strdup(period) : NULL;
    return p;
}

static rk_status add_file(rk_plan *p, const rk_object *o, size_t *cap)
{
    if (RK_GROW(p->files, *cap, p->nfiles + 1) != RK_OK) return RK_ENOMEM;
    copy_obj(&p->files[p->nfiles++], o);
    return RK_OK;
}

static void plan_fail(rk_plan *p, rk_plan_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void plan_fail(rk_plan *p, rk_plan_status st, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->status = st;
    free(p->message);
    p->message = rk_strdup(msg);
}

static const char *basename_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- legacy CUR ---- */

typedef struct legacy_cand {
    size_t manifest;  /* index of the period-level manifest, or SIZE_MAX */
    size_t assembly;  /* newest assembly-level manifest (fallback) */
    char *period_dir; /* key prefix of the period folder, with '/' */
    char *root;       /* report folder (parent of the period folder) */
    char period[8];   /* from the folder name; "" when unknown */
    bool flat;        /* manifest found outside a period folder */
} legacy_cand;

static rk_status plan_legacy(ctx *c, legacy_cand *lc)
{
    size_t mi = lc->manifest != SIZE_MAX ? lc->manifest : lc->assembly;
    const rk_object *mo = &c->objs[mi];
    c->claimed[mi] = 1;
    rk_err e = {0};
    char *json = NULL;
    size_t jlen = 0;
    rk_manifest m;
    memset(&m, 0, sizeof m);
    const char *fallback_name = basename_of(lc->root);
    rk_plan *p = NULL;
    rk_status st = rk_source_read_all(c->src, mo->key, RK_MANIFEST_MAX, &json, &jlen, &e);
    if (st == RK_OK) st = rk_manifest_parse(json, jlen, &m, &e);
    free(json);
    const char *name = (st == RK_OK && m.report_name && *m.report_name) ? m.report_name : fallback_name;
    if (!*name) name = "(root)";
    char period[8];
    memcpy(period, lc->period, 8);
    if (st == RK_OK && m.period_start) rk_period_of(m.period_start, period);
    p = new_plan(c, RK_FMT_LEGACY_CSV, lc->root, name, period[0] ? period : NULL);
    if (!p) {
        rk_manifest_free(&m);
        return RK_ENOMEM;
    }
    p->manifest = true;
    copy_obj(&p->manifest_obj, mo);
    p->layout = "overwrite";
    /* Everything in the period folder is explained by this delivery. */
    size_t first = 0, last = 0;
    if (!lc->flat) prefix_range(c, lc->period_dir, &first, &last);
    if (st != RK_OK) {
        plan_fail(p, RK_PLAN_ERROR, "manifest %s: %s", mo->key, e.msg);
        for (size_t i = first; i < last; i++) ignore(c, i, "in a period whose manifest is unreadable");
        return RK_OK;
    }
    if (lc->manifest == SIZE_MAX)
        fprintf(stderr, "note: %s has no period-level manifest; using the newest assembly manifest %s\n",
                lc->period_dir, mo->key);
    p->delivery_id = m.delivery_id ? rk_strdup(m.delivery_id) : NULL;
    size_t fcap = 0;
    bool parquet = false;
    for (size_t k = 0; k < m.nkeys; k++) {
        int i = resolve_key(c, mo->key, m.keys[k]);
        if (i < 0) {
            plan_fail(p, RK_PLAN_ERROR,
                      "manifest %s lists %s, which is not in the folder: the delivery is incomplete "
                      "(copy the whole period folder again)",
                      mo->key, m.keys[k]);
            break;
        }
        if (is_parquet(c->objs[i].key)) parquet = true;
        if (!lc->flat && strncmp(c->objs[i].key, lc->period_dir, strlen(lc->period_dir)) == 0 &&
            strchr(c->objs[i].key + strlen(lc->period_dir), '/'))
            p->layout = "new-version";
        c->claimed[i] = 1;
        if (add_file(p, &c->objs[i], &fcap) != RK_OK) {
            rk_manifest_free(&m);
            return RK_ENOMEM;
        }
    }
    if (p->status == RK_PLAN_OK && m.nkeys == 0)
        plan_fail(p, RK_PLAN_ERROR, "manifest %s lists no data files (reportKeys is empty)", mo->key);
    if (parquet) p->fmt = RK_FMT_LEGACY_PARQUET;
    for (size_t i = first; i < last; i++) {
        const char *k = c->objs[i].key;
        if (is_manifest(k)) ignore(c, i, "manifest of an assembly");
        else if (is_csv(k) || is_parquet(k)) ignore(c, i, "data part not listed in the current manifest (stale or older assembly)");
        else ignore(c, i, "report artifact (not cost data)");
    }
    rk_manifest_free(&m);
    return RK_OK;
}

/* ---- CUR 2.0 ---- */

typedef struct cur2_cand {
    char *root; /* export folder (contains data/ and metadata/) */
    char period[8];
    size_t *manifests;
    size_t nman, mcap;
} cur2_cand;

/* Newest execution first: exec folder names start with a timestamp. */
static const ctx *sort_ctx;
static int cmp_manifest_newest(const void *a, const void *b)
{
    const rk_object *x = &sort_ctx->objs[*(const size_t *)a], *y = &sort_ctx->objs[*(const size_t *)b];
    int r = strcmp(y->key, x->key);
    if (x->mtime_ms != y->mtime_ms) return x->mtime_ms < y->mtime_ms ? 1 : -1;
    return r;
}

static rk_status plan_cur2(ctx *c, cur2_cand *cc)
{
    char data_prefix[4096], meta_prefix[4096];
    snprintf(data_prefix, sizeof data_prefix, "%s%sdata/BILLING_PERIOD=%s/", cc->root, *cc->root ? "/" : "", cc->period);
    snprintf(meta_prefix, sizeof meta_prefix, "%s%smetadata/BILLING_PERIOD=%s/", cc->root, *cc->root ? "/" : "", cc->period);
    const char *name = *cc->root ? basename_of(cc->root) : "(root)";
    rk_manifest m;
    memset(&m, 0, sizeof m);
    rk_err e = {0};
    size_t mi = SIZE_MAX;
    rk_status mst = RK_ENOTFOUND;
    if (cc->nman) {
        sort_ctx = c;
        qsort(cc->manifests, cc->nman, sizeof *cc->manifests, cmp_manifest_newest);
        mi = cc->manifests[0];
        char *json = NULL;
        size_t jlen = 0;
        mst = rk_source_read_all(c->src, c->objs[mi].key, RK_MANIFEST_MAX, &json, &jlen, &e);
        if (mst == RK_OK) mst = rk_manifest_parse(json, jlen, &m, &e);
        free(json);
        if (mst == RK_OK && m.report_name && *m.report_name) name = m.report_name;
    }
    rk_plan *p = new_plan(c, RK_FMT_CUR2_CSV, cc->root, name, cc->period);
    if (!p) {
        rk_manifest_free(&m);
        return RK_ENOMEM;
    }
    p->layout = "cur2";
    size_t fcap = 0;
    if (mi != SIZE_MAX) {
        copy_obj(&p->manifest_obj, &c->objs[mi]);
        c->claimed[mi] = 1;
        p->manifest = true;
    }
    if (mst == RK_OK) {
        p->delivery_id = m.delivery_id ? rk_strdup(m.delivery_id) : NULL;
        for (size_t k = 0; k < m.nkeys; k++) {
            int i = resolve_key(c, c->objs[mi].key, m.keys[k]);
            if (i < 0) {
                plan_fail(p, RK_PLAN_ERROR,
                          "manifest %s lists %s, which is not in the folder: the export is incomplete "
                          "(copy the whole BILLING_PERIOD folder again)",
                          c->objs[mi].key, m.keys[k]);
                break;
            }
            c->claimed[i] = 1;
            if (add_file(p, &c->objs[i], &fcap) != RK_OK) return RK_ENOMEM;
        }
    } else if (mi != SIZE_MAX) {
        plan_fail(p, RK_PLAN_ERROR, "manifest %s: %s", c->objs[mi].key, e.msg);
    }
    if (p->status == RK_PLAN_OK && p->nfiles == 0) {
        /* No usable file list: take the data files of the partition (the newest
         * execution folder when the export keeps several). */
        size_t first, last;
        prefix_range(c, data_prefix, &first, &last);
        const char *newest_sub = NULL;
        size_t dl = strlen(data_prefix);
        for (size_t i = first; i < last; i++) {
            const char *rest = c->objs[i].key + dl;
            const char *slash = strchr(rest, '/');
            if (slash && (is_csv(rest) || is_parquet(rest)) &&
                (!newest_sub || strncmp(rest, newest_sub, (size_t)(slash - rest)) > 0))
                newest_sub = rest;
        }
        for (size_t i = first; i < last; i++) {
            const char *rest = c->objs[i].key + dl;
            const char *slash = strchr(rest, '/');
            bool in_newest = newest_sub ? (slash && strncmp(rest, newest_sub, (size_t)(strchr(newest_sub, '/') - newest_sub) + 1) == 0)
                                        : slash == NULL;
            if (in_newest && (is_csv(rest) || is_parquet(rest))) {
                c->claimed[i] = 1;
                if (add_file(p, &c->objs[i], &fcap) != RK_OK) return RK_ENOMEM;
            }
        }
        if (p->nfiles == 0)
            plan_fail(p, RK_PLAN_ERROR, "export %s has no data files for BILLING_PERIOD=%s", name, cc->period);
    }
    for (size_t i = 0; i < p->nfiles; i++)
        if (is_parquet(p->files[i].key)) p->fmt = RK_FMT_CUR2_PARQUET;
    size_t first, last;
    prefix_range(c, data_prefix, &first, &last);
    for (size_t i = first; i < last; i++) ignore(c, i, "data file of an older execution or not in the manifest");
    prefix_range(c, meta_prefix, &first, &last);
    for (size_t i = first; i < last; i++) ignore(c, i, "manifest of an older execution");
    rk_manifest_free(&m);
    return RK_OK;
}

/* ---- Athena status ---- */


/* cur-format §a.4: <report>/cost_and_usage_data_status/cost_and_usage_data_status.parquet
 * holds one row, `status`, READY or UPDATING. While AWS is rewriting the
 * report, a changed month may be half written: such plans wait. */
static void athena_status(ctx *c, rk_plan *p)
{
    const char *slash = strrchr(p->report_path, '/');
    size_t dl = slash ? (size_t)(slash - p->report_path) + 1 : 0;
    char key[4096];
    snprintf(key, sizeof key, "%.*scost_and_usage_data_status/cost_and_usage_data_status.parquet", (int)dl, p->report_path);
    int i = find_key(c, key);
    if (i < 0) return;
    rk_source_key rc = {c->src, key};
    rk_err err = {0};
    rk_pq *f;
    char status[32] = "";
    if (rk_pq_open(rk_source_key_read, &rc, c->objs[i].size, &f, &err) == RK_OK) {
        for (size_t k = 0; k < rk_pq_ncols(f); k++) {
            const rk_pq_col *col = rk_pq_column(f, k);
            if (strcmp(col->path, "status") != 0 || col->phys != RK_PQ_BYTE_ARRAY || rk_pq_nrowgroups(f) == 0) continue;
            rk_pq_reader *r;
            if (rk_pq_reader_open(f, 0, k, &r, &err) == RK_OK) {
                rk_pq_batch b;
                if (rk_pq_reader_next(r, 1, &b, &err) == RK_OK && b.nnn == 1)
                    snprintf(status, sizeof status, "%.*s", (int)(b.bin[0].n < 31 ? b.bin[0].n : 31), (const char *)b.bin[0].p);
                rk_pq_reader_close(r);
            }
        }
        rk_pq_close(f);
    }
    if (strcmp(status, "UPDATING") == 0 && p->status == RK_PLAN_OK)
        plan_fail(p, RK_PLAN_WAITING,
                  "AWS is updating this report (%s says UPDATING); the month will be read once it says READY",
                  key);
}

/* ---- fingerprint ---- */

static void fingerprint(rk_plan *p)
{
    XXH3_state_t *s = XXH3_createState();
    XXH3_128bits_reset(s);
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s\n%s\n%s\n%s\n%s\n", rk_fmt_name(p->fmt), p->report_path,
                     p->report_name, p->period ? p->period : "", p->delivery_id ? p->delivery_id : "");
    XXH3_128bits_update(s, buf, (size_t)n);
    const rk_object *objs[2] = {&p->manifest_obj, NULL};
    for (size_t i = 0; i <= p->nfiles; i++) {
        const rk_object *o = i == 0 ? objs[0] : &p->files[i - 1];
        if (!o->key) continue;
        n = snprintf(buf, sizeof buf, "%llu %lld %s ", (unsigned long long)o->size, (long long)o->mtime_ms,
                     o->etag ? o->etag : "");
        XXH3_128bits_update(s, buf, (size_t)n);
        XXH3_128bits_update(s, o->key, strlen(o->key) + 1);
    }
    XXH128_hash_t h = XXH3_128bits_digest(s);
    XXH3_freeState(s);
    snprintf(p->fingerprint, sizeof p->fingerprint, "%016llx%016llx", (unsigned long long)h.high64,
             (unsigned long long)h.low64);
}

/* ---- the walk ---- */

rk_status rk_discover(rk_source *src, const rk_object *objs, size_t n, rk_discovery *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    ctx c = {.src = src, .objs = objs, .n = n, .out = out};
    c.claimed = calloc(n ? n : 1, 1);
    legacy_cand *lcs = NULL;
    size_t nl = 0, lcap = 0;
    cur2_cand *ccs = NULL;
    size_t ncc = 0, ccap = 0;
    rk_status st = RK_OK;
    if (!c.claimed) return rk_err_set(err, RK_ENOMEM, "out of memory");

    /* 1. Classify manifests. */
    for (size_t i = 0; i < n && st == RK_OK; i++) {
        const char *key = objs[i].key;
        if (!is_manifest(key)) continue;
        comps cs;
        split(key, &cs);
        if (!cs.buf) {
            st = RK_ENOMEM;
            break;
        }
        int meta = -1, yr = -1;
        char per[8];
        for (int k = 0; k + 1 < cs.n; k++) {
            int y, m;
            if (strcmp(cs.c[k], "metadata") == 0 && k + 2 < cs.n && billing_period_dir(cs.c[k + 1], per)) meta = k;
            if (year_dir(cs.c[k], &y) && k + 2 < cs.n && month_dir(cs.c[k + 1], &m)) yr = k;
        }
        if (meta >= 0) {
            char *root = join(&cs, 0, meta);
            billing_period_dir(cs.c[meta + 1], per);
            cur2_cand *cc = NULL;
            for (size_t j = 0; j < ncc; j++)
                if (strcmp(ccs[j].root, root) == 0 && strcmp(ccs[j].period, per) == 0) cc = &ccs[j];
            if (!cc) {
                if (RK_GROW(ccs, ccap, ncc + 1) != RK_OK) {
                    free(root);
                    free(cs.buf);
                    st = RK_ENOMEM;
                    break;
                }
                cc = &ccs[ncc++];
                memset(cc, 0, sizeof *cc);
                cc->root = root;
                memcpy(cc->period, per, 8);
            } else {
                free(root);
            }
            if (RK_GROW(cc->manifests, cc->mcap, cc->nman + 1) == RK_OK) cc->manifests[cc->nman++] = i;
        } else if (yr >= 0) {
            ignore(&c, i, "Athena manifest (advisory; the data files are listed instead)");
        } else if ((cs.n >= 2 && period_dir(cs.c[cs.n - 2], per)) ||
                   (cs.n >= 3 && period_dir(cs.c[cs.n - 3], per))) {
            /* Period-level manifest, or (one folder deeper) an assembly's own
             * copy, a fallback when the period has no period-level one. */
            bool assembly = !(cs.n >= 2 && period_dir(cs.c[cs.n - 2], per));
            int pdn = assembly ? cs.n - 2 : cs.n - 1;
            char *pd = join(&cs, 0, pdn);
            char *pds = pd ? malloc(strlen(pd) + 2) : NULL;
            if (!pds) {
                free(pd);
                free(cs.buf);
                st = RK_ENOMEM;
                break;
            }
            sprintf(pds, "%s/", pd);
            free(pd);
            legacy_cand *lc = NULL;
            for (size_t j = 0; j < nl; j++)
                if (strcmp(lcs[j].period_dir, pds) == 0 && (assembly || lcs[j].manifest == SIZE_MAX)) lc = &lcs[j];
            if (!lc) {
                if (RK_GROW(lcs, lcap, nl + 1) != RK_OK) {
                    free(pds);
                    free(cs.buf);
                    st = RK_ENOMEM;
                    break;
                }
                lc = &lcs[nl++];
                memset(lc, 0, sizeof *lc);
                lc->manifest = lc->assembly = SIZE_MAX;
                lc->root = join(&cs, 0, pdn - 1);
                memcpy(lc->period, per, 8);
                lc->period_dir = pds;
            } else {
                free(pds);
            }
            if (!assembly) lc->manifest = i;
            else if (lc->assembly == SIZE_MAX || objs[i].mtime_ms > objs[lc->assembly].mtime_ms) lc->assembly = i;
        } else {
            /* A manifest in an unexpected place (copied flat with its parts):
             * its keys still name the parts; claim nothing else. */
            if (RK_GROW(lcs, lcap, nl + 1) != RK_OK) {
                free(cs.buf);
                st = RK_ENOMEM;
                break;
            }
            legacy_cand *lc = &lcs[nl++];
            memset(lc, 0, sizeof *lc);
            lc->manifest = i;
            lc->assembly = SIZE_MAX;
            lc->flat = true;
            lc->root = join(&cs, 0, cs.n - 1);
            lc->period[0] = 0;
            char *pd = join(&cs, 0, cs.n - 1);
            lc->period_dir = malloc(strlen(pd ? pd : "") + 2);
            if (pd && lc->period_dir) sprintf(lc->period_dir, "%s%s", pd, *pd ? "/" : "");
            free(pd);
        }
        free(cs.buf);
    }

    /* 2. Plans from manifests. CUR 2.0 first: its folders are self-contained. */
    for (size_t j = 0; j < ncc && st == RK_OK; j++) st = plan_cur2(&c, &ccs[j]);
    for (size_t j = 0; j < nl && st == RK_OK; j++) {
        if (lcs[j].manifest == SIZE_MAX && lcs[j].assembly == SIZE_MAX) continue;
        st = plan_legacy(&c, &lcs[j]);
    }

    /* 3. CUR 2.0 partitions without a manifest, and Athena Parquet months. */
    for (size_t i = 0; i < n && st == RK_OK; i++) {
        if (c.claimed[i]) continue;
        const char *key = objs[i].key;
        comps cs;
        split(key, &cs);
        if (!cs.buf) {
            st = RK_ENOMEM;
            break;
        }
        char per[8];
        for (int k = 0; k + 1 < cs.n; k++) {
            int y, m;
            if (strcmp(cs.c[k], "data") == 0 && k + 2 < cs.n && billing_period_dir(cs.c[k + 1], per) &&
                (is_csv(key) || is_parquet(key))) {
                cur2_cand cc = {0};
                cc.root = join(&cs, 0, k);
                memcpy(cc.period, per, 8);
                st = plan_cur2(&c, &cc);
                free(cc.root);
                break;
            }
            if (year_dir(cs.c[k], &y) && k + 2 < cs.n && month_dir(cs.c[k + 1], &m)) {
                if (!is_parquet(key)) break;
                char *root = join(&cs, 0, k);
                snprintf(per, sizeof per, "%04d-%02d", y, m);
                char prefix[4096];
                snprintf(prefix, sizeof prefix, "%s%s%s/%s/", root, *root ? "/" : "", cs.c[k], cs.c[k + 1]);
                rk_plan *p = new_plan(&c, RK_FMT_ATHENA_PARQUET, root, *root ? basename_of(root) : "(root)", per);
                free(root);
                if (!p) {
                    st = RK_ENOMEM;
                    break;
                }
                p->manifest = true;
                p->layout = "athena";
                size_t first, last, fcap = 0;
                prefix_range(&c, prefix, &first, &last);
                for (size_t q = first; q < last; q++) {
                    if (!is_parquet(objs[q].key) || c.claimed[q]) continue;
                    c.claimed[q] = 1;
                    add_file(p, &objs[q], &fcap);
                }
                athena_status(&c, p);
                break;
            }
        }
        free(cs.buf);
    }

    /* 4. Everything else: plain CSV grouped by folder, or ignored. */
    for (size_t i = 0; i < n && st == RK_OK; i++) {
        if (c.claimed[i]) continue;
        const char *key = objs[i].key;
        const char *b = basename_of(key);
        if (strcmp(b, "aws-programmatic-access-test-object") == 0) {
            ignore(&c, i, "AWS write-access probe");
            continue;
        }
        if (strstr(key, "cost_and_usage_data_status/")) {
            ignore(&c, i, "Athena status file (read to see whether AWS is updating the report)");
            continue;
        }
        bool csv = is_csv(key), pq = is_parquet(key);
        if (!csv && !pq) {
            ignore(&c, i, is_manifest(key) ? "manifest" : "not cost data (by its name)");
            continue;
        }
        char *dir = rk_strndup(key, (size_t)(b - key) ? (size_t)(b - key) - 1 : 0);
        rk_plan *p = new_plan(&c, csv ? RK_FMT_CSV : RK_FMT_LEGACY_PARQUET, dir, *dir ? basename_of(dir) : "(root)", NULL);
        if (!p) {
            free(dir);
            st = RK_ENOMEM;
            break;
        }
        p->layout = "files";
        size_t fcap = 0;
        for (size_t q = i; q < n; q++) {
            const char *k2 = objs[q].key;
            const char *b2 = basename_of(k2);
            if (c.claimed[q] || (size_t)(b2 - k2) != (size_t)(b - key) || strncmp(k2, key, (size_t)(b - key)) != 0) continue;
            if (csv ? !is_csv(k2) : !is_parquet(k2)) continue;
            c.claimed[q] = 1;
            add_file(p, &objs[q], &fcap);
        }
        free(dir);
    }

    for (size_t j = 0; j < nl; j++) {
        free(lcs[j].period_dir);
        free(lcs[j].root);
    }
    free(lcs);
    for (size_t j = 0; j < ncc; j++) {
        free(ccs[j].root);
        free(ccs[j].manifests);
    }
    free(ccs);
    free(c.claimed);
    if (st != RK_OK) {
        rk_discovery_free(out);
        return rk_err_set(err, st, "out of memory");
    }
    for (size_t j = 0; j < out->nplans; j++) fingerprint(&out->plans[j]);
    return RK_OK;
}

static void plan_free(rk_plan *p)
{
    free(p->report_path);
    free(p->report_name);
    free(p->period);
    free(p->delivery_id);
    free(p->message);
    rk_object_clear(&p->manifest_obj);
    rk_objects_free(p->files, p->nfiles);
}

rk_status rk_discovery_keep_report(rk_discovery *d, const char *report, rk_err *err)
{
    size_t extra = 0;
    for (size_t i = 0; i < d->nplans; i++) {
        const rk_plan *p = &d->plans[i];
        if (p->fmt != RK_FMT_CSV && strcmp(p->report_name, report) != 0) extra += p->nfiles + (p->manifest_obj.key != NULL);
    }
    if (!extra) return RK_OK;
    rk_ignored *ig = realloc(d->ignored, (d->nignored + extra) * sizeof *ig);
    if (!ig) return rk_err_set(err, RK_ENOMEM, "out of memory");
    d->ignored = ig;
    size_t kept = 0;
    for (size_t i = 0; i < d->nplans; i++) {
        rk_plan *p = &d->plans[i];
        if (p->fmt == RK_FMT_CSV || strcmp(p->report_name, report) == 0) {
            d->plans[kept++] = *p;
            continue;
        }
        /* The keys move to the ignored list; the rest of the plan goes. */
        for (size_t f = 0; f < p->nfiles; f++) {
            d->ignored[d->nignored++] = (rk_ignored){p->files[f].key, "belongs to another report than the one asked for"};
            p->files[f].key = NULL;
        }
        if (p->manifest_obj.key) {
            d->ignored[d->nignored++] =
                (rk_ignored){p->manifest_obj.key, "belongs to another report than the one asked for"};
            p->manifest_obj.key = NULL;
        }
        plan_free(p);
    }
    d->nplans = kept;
    return RK_OK;
}

void rk_discovery_free(rk_discovery *d)
{
    for (size_t i = 0; i < d->nplans; i++) plan_free(&d->plans[i]);
    free(d->plans);
    for (size_t i = 0; i < d->nignored; i++) free(d->ignored[i].key);
    free(d->ignored);
    memset(d, 0, sizeof *d);
}
