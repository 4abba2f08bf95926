/* probe.c — a small sample of a delivery's first data file (see probe.h).
 *
 * Both readers feed one function, sample_row(), with what a row says: its
 * line item type, its interval (TimeInterval, else the usage dates) and
 * whether its resource ID is empty. CSV rows come one by one from the
 * stream; Parquet columns are read one after another over the same rows of
 * the first row group, each into a small per-row array, and the rows are
 * then walked once.
 */
#include "cur/probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/mem.h"
#include "common/timeparse.h"
#include "cur/colname.h"
#include "cur/measures.h"
#include "format/csv.h"
#include "format/gzip.h"
#include "format/parquet.h"
#include "format/zip.h"

const char *rk_gran_name(rk_gran g)
{
    switch (g) {
    case RK_GRAN_HOURLY: return "hourly";
    case RK_GRAN_DAILY: return "daily";
    case RK_GRAN_MONTHLY: return "monthly";
    case RK_GRAN_UNKNOWN: break;
    }
    return "unknown";
}

rk_gran rk_gran_of(int64_t ms)
{
    if (ms == INT64_MAX || ms <= 0) return RK_GRAN_UNKNOWN;
    if (ms <= RK_MS_PER_HOUR) return RK_GRAN_HOURLY;
    if (ms <= RK_MS_PER_DAY) return RK_GRAN_DAILY;
    return RK_GRAN_MONTHLY;
}

void rk_probe_free(rk_probe *p)
{
    if (!p) return;
    free(p->file);
    p->file = NULL;
}

/* The columns the probe reads, by normalized name. */
enum { C_TYPE = 0, C_INTERVAL, C_START, C_END, C_RESOURCE, C_N };
static const char *const col_names[C_N] = {"line_item_line_item_type", "identity_time_interval",
                                           "line_item_usage_start_date", "line_item_usage_end_date",
                                           "line_item_resource_id"};

static int col_of(const char *name, size_t n)
{
    char norm[2 * RK_COLNAME_MAX + 2];
    rk_colname_normalize(name, n > RK_COLNAME_MAX ? RK_COLNAME_MAX : n, norm, sizeof norm);
    for (int c = 0; c < C_N; c++)
        if (strcmp(norm, col_names[c]) == 0) return c;
    return -1;
}

static bool usage_type(rk_lit t)
{
    return t == RK_LIT_USAGE || t == RK_LIT_DISCOUNTED_USAGE || t == RK_LIT_SP_COVERED_USAGE;
}

/* One row of the sample. lit is RK_LIT_UNKNOWN when the file has no type
 * column (then every row with an interval counts). */
static void sample_row(rk_probe *o, bool have_type, rk_lit lit, bool have_iv, int64_t t0, int64_t t1, bool rid)
{
    o->rows++;
    if (rid) o->resource_rows++;
    if (have_type && !usage_type(lit)) return;
    if (!have_iv || t1 <= t0) return;
    o->usage_rows++;
    if (t1 - t0 < o->min_interval_ms) o->min_interval_ms = t1 - t0;
}

/* Whether to read on after `rows` rows. */
static bool want_more(const rk_probe *o, size_t rows)
{
    if (o->rows < rows) return true;
    if (o->rows >= RK_PROBE_MAX_ROWS) return false;
    return o->usage_rows == 0 || (o->has_resource_col && o->resource_rows == 0);
}

static bool ends_with_ci(const char *s, const char *x)
{
    size_t n = strlen(s), m = strlen(x);
    return n >= m && strcasecmp(s + n - m, x) == 0;
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t') return false;
    return true;
}

/* ---- CSV ---- */

static rk_status probe_csv_rows(rk_csv *csv, const char *key, size_t rows, rk_probe *o, rk_err *err)
{
    const rk_csv_row *r;
    rk_status st = rk_csv_next(csv, &r, err);
    if (st == RK_ENOTFOUND) return rk_err_set(err, RK_EBADDATA, "file %s is empty (no header row)", key);
    if (st != RK_OK) {
        rk_err_prefix(err, "file %s: ", key);
        return st;
    }
    size_t idx[C_N];
    for (int c = 0; c < C_N; c++) idx[c] = SIZE_MAX;
    o->ncols = r->n;
    for (size_t i = 0; i < r->n; i++) {
        int c = col_of(r->f[i].p, r->f[i].len);
        if (c >= 0 && idx[c] == SIZE_MAX) idx[c] = i;
    }
    o->has_type_col = idx[C_TYPE] != SIZE_MAX;
    o->has_interval_col = idx[C_INTERVAL] != SIZE_MAX;
    o->has_usage_dates = idx[C_START] != SIZE_MAX && idx[C_END] != SIZE_MAX;
    o->has_resource_col = idx[C_RESOURCE] != SIZE_MAX;
    while (want_more(o, rows)) {
        st = rk_csv_next(csv, &r, err);
        if (st == RK_ENOTFOUND) return RK_OK;
        if (st != RK_OK) {
            rk_err_prefix(err, "file %s: ", key);
            return st;
        }
#define FIELD(c) (idx[c] < r->n ? &r->f[idx[c]] : NULL)
        const rk_csv_field *ft = FIELD(C_TYPE), *fi = FIELD(C_INTERVAL), *fs = FIELD(C_START), *fe = FIELD(C_END),
                           *fr = FIELD(C_RESOURCE);
#undef FIELD
        rk_lit lit = ft ? rk_lit_parse(ft->p, ft->len) : RK_LIT_UNKNOWN;
        int64_t t0 = 0, t1 = 0;
        bool have_iv = false;
        if (fi && fi->len) {
            if (rk_interval_parse(fi->p, fi->len, &t0, &t1) != RK_OK)
                return rk_err_set(err, RK_EBADDATA,
                                  "file %s, line %llu, column %zu (identity/TimeInterval): \"%.*s\" is not an "
                                  "interval (expected start/end timestamps)",
                                  key, (unsigned long long)r->line, idx[C_INTERVAL] + 1, (int)(fi->len > 80 ? 80 : fi->len),
                                  fi->p);
            have_iv = true;
        } else if (fs && fe && fs->len && fe->len) {
            const rk_csv_field *f2[2] = {fs, fe};
            int64_t *t[2] = {&t0, &t1};
            for (int k = 0; k < 2; k++)
                if (rk_time_parse(f2[k]->p, f2[k]->len, t[k]) != RK_OK)
                    return rk_err_set(err, RK_EBADDATA, "file %s, line %llu, column %zu (%s): \"%.*s\" is not a timestamp",
                                      key, (unsigned long long)r->line, idx[k ? C_END : C_START] + 1,
                                      k ? "lineItem/UsageEndDate" : "lineItem/UsageStartDate",
                                      (int)(f2[k]->len > 80 ? 80 : f2[k]->len), f2[k]->p);
            have_iv = true;
        }
        sample_row(o, ft != NULL, lit, have_iv, t0, t1, fr && fr->len && !blank(fr->p, fr->len));
    }
    return RK_OK;
}

static rk_status probe_csv(rk_source *src, const rk_object *obj, size_t rows, rk_probe *o, rk_err *err)
{
    rk_in *in = NULL;
    rk_status st = rk_source_open(src, obj->key, &in, err);
    if (st != RK_OK) return st;
    uint8_t head[4];
    size_t got = 0;
    if ((st = rk_in_peek(&in, head, sizeof head, &got, err)) != RK_OK) {
        rk_in_close(in);
        rk_err_prefix(err, "file %s: ", obj->key);
        return st;
    }
    rk_csv_opts copts = {0};
    rk_csv *csv;
    if (rk_is_zip_magic(head, got)) {
        rk_unzip *z;
        if ((st = rk_unzip_open(in, &z, err)) != RK_OK) { /* took the stream */
            rk_err_prefix(err, "file %s: ", obj->key);
            return st;
        }
        rk_zip_member info;
        rk_in *member;
        while ((st = rk_unzip_next(z, &info, &member, err)) == RK_OK) {
            if (info.is_dir || strncmp(info.name, "__MACOSX/", 9) == 0) continue;
            if ((st = rk_csv_open(member, &copts, &csv, err)) == RK_OK) {
                st = probe_csv_rows(csv, obj->key, rows, o, err);
                rk_csv_close(csv);
            }
            break; /* the first member is the sample */
        }
        if (st == RK_ENOTFOUND) st = rk_err_set(err, RK_EBADDATA, "file %s: the zip archive holds no CSV", obj->key);
        else if (st != RK_OK && strncmp(err->msg, "file ", 5) != 0) rk_err_prefix(err, "file %s: ", obj->key);
        rk_unzip_close(z);
        return st;
    }
    if (rk_is_gzip_magic(head, got)) {
        rk_in *g;
        if ((st = rk_gunzip_open(in, RK_INFLATE_AUTO, &g, err)) != RK_OK) {
            rk_err_prefix(err, "file %s: ", obj->key);
            return st;
        }
        in = g;
    } else if (ends_with_ci(obj->key, ".gz") || ends_with_ci(obj->key, ".zip")) {
        rk_in_close(in);
        return rk_err_set(err, RK_EBADDATA, "file %s: the name says compressed but the content is not %s", obj->key,
                          ends_with_ci(obj->key, ".gz") ? "gzip" : "zip");
    }
    if ((st = rk_csv_open(in, &copts, &csv, err)) == RK_OK) {
        st = probe_csv_rows(csv, obj->key, rows, o, err);
        rk_csv_close(csv);
    } else {
        rk_err_prefix(err, "file %s: ", obj->key);
    }
    rk_in_close(in);
    return st;
}

/* ---- Parquet ---- */


/* Per-row values of the sampled rows. */
typedef struct pq_rows {
    size_t n;
    uint8_t *lit;     /* rk_lit */
    uint8_t *have_iv; /* interval known */
    int64_t *t0, *t1;
    int64_t *start, *end; /* usage dates, when no interval */
    uint8_t *have_s, *have_e;
    uint8_t *rid;
} pq_rows;

/* A time value of a leaf: TIMESTAMP/DATE integers, INT96 or text. */
static rk_status pq_time(const rk_pq_col *k, const rk_pq_batch *b, size_t vi, int64_t *ms, bool *ok)
{
    *ok = true;
    switch (k->phys) {
    case RK_PQ_INT32:
    case RK_PQ_INT64: {
        int64_t v = k->phys == RK_PQ_INT32 ? b->i32[vi] : b->i64[vi];
        if (k->logical == RK_PQL_TIMESTAMP) *ms = rk_pq_ts_ms(v, k->unit);
        else if (k->logical == RK_PQL_DATE) *ms = v * RK_MS_PER_DAY;
        else *ok = false;
        return RK_OK;
    }
    case RK_PQ_INT96: *ms = rk_pq_int96_ms(b->bin[vi].p); return RK_OK;
    case RK_PQ_BYTE_ARRAY:
        if (b->bin[vi].n == 0) {
            *ok = false;
            return RK_OK;
        }
        return rk_time_parse((const char *)b->bin[vi].p, b->bin[vi].n, ms) == RK_OK ? RK_OK : RK_EBADDATA;
    default: *ok = false; return RK_OK;
    }
}

/* Reads rows [0, want) of leaf `leaf` of row group 0 into r. */
static rk_status pq_column(rk_pq *f, size_t leaf, int c, const char *key, pq_rows *r, rk_err *err)
{
    const rk_pq_col *k = rk_pq_column(f, leaf);
    bool text = k->phys == RK_PQ_BYTE_ARRAY || k->phys == RK_PQ_FIXED;
    if ((c == C_TYPE || c == C_INTERVAL || c == C_RESOURCE) && !text)
        return rk_err_set(err, RK_EBADDATA, "file %s: column %s is %s, not text", key, k->path,
                          k->phys == RK_PQ_BOOLEAN ? "a boolean" : "a number");
    rk_pq_reader *rd;
    rk_status st = rk_pq_reader_open(f, 0, leaf, &rd, err);
    if (st != RK_OK) {
        rk_err_prefix(err, "file %s: ", key);
        return st;
    }
    size_t row = 0;
    while (row < r->n && st == RK_OK) {
        rk_pq_batch b;
        if ((st = rk_pq_reader_next(rd, r->n - row, &b, err)) != RK_OK) break;
        if (b.nrows == 0) break;
        size_t vi = 0;
        for (size_t i = 0; i < b.nvals && row < r->n && st == RK_OK; i++) {
            if (b.rep && b.rep[i] != 0) continue; /* not a new row (a flat leaf has none) */
            size_t rr = row++;
            bool present = !b.def || b.def[i] == k->max_def;
            if (!present) continue;
            if (vi >= b.nnn) {
                st = rk_err_set(err, RK_EBADDATA, "file %s: column %s, row group 0: fewer values than rows say", key,
                                k->path);
                break;
            }
            size_t v = vi++;
            switch (c) {
            case C_TYPE: r->lit[rr] = (uint8_t)rk_lit_parse((const char *)b.bin[v].p, b.bin[v].n); break;
            case C_RESOURCE: r->rid[rr] = b.bin[v].n > 0 && !blank((const char *)b.bin[v].p, b.bin[v].n); break;
            case C_INTERVAL:
                if (b.bin[v].n == 0) break;
                if (rk_interval_parse((const char *)b.bin[v].p, b.bin[v].n, &r->t0[rr], &r->t1[rr]) != RK_OK)
                    st = rk_err_set(err, RK_EBADDATA,
                                    "file %s: column %s, row group 0, row %zu: \"%.*s\" is not an interval (expected "
                                    "start/end timestamps)",
                                    key, k->path, rr, (int)(b.bin[v].n > 80 ? 80 : b.bin[v].n), (const char *)b.bin[v].p);
                else r->have_iv[rr] = 1;
                break;
            case C_START:
            case C_END: {
                int64_t ms = 0;
                bool ok;
                if (pq_time(k, &b, v, &ms, &ok) != RK_OK) {
                    st = rk_err_set(err, RK_EBADDATA, "file %s: column %s, row group 0, row %zu: \"%.*s\" is not a timestamp",
                                    key, k->path, rr, (int)(b.bin[v].n > 80 ? 80 : b.bin[v].n), (const char *)b.bin[v].p);
                    break;
                }
                if (!ok) break;
                if (c == C_START) r->start[rr] = ms, r->have_s[rr] = 1;
                else r->end[rr] = ms, r->have_e[rr] = 1;
                break;
            }
            }
        }
    }
    rk_pq_reader_close(rd);
    return st;
}

static void pq_rows_free(pq_rows *r)
{
    free(r->lit);
    free(r->have_iv);
    free(r->t0);
    free(r->t1);
    free(r->start);
    free(r->end);
    free(r->have_s);
    free(r->have_e);
    free(r->rid);
}

static rk_status probe_parquet(rk_source *src, const rk_object *obj, size_t rows, rk_probe *o, rk_err *err)
{
    rk_source_key ctx = {src, obj->key};
    rk_pq *f;
    rk_status st = rk_pq_open(rk_source_key_read, &ctx, obj->size, &f, err);
    if (st != RK_OK) {
        rk_err_prefix(err, "file %s: ", obj->key);
        return st;
    }
    o->parquet = true;
    o->ncols = rk_pq_ncols(f);
    size_t leaf[C_N];
    for (int c = 0; c < C_N; c++) leaf[c] = SIZE_MAX;
    for (size_t i = 0; i < o->ncols; i++) {
        const rk_pq_col *k = rk_pq_column(f, i);
        if (k->shape != RK_PQ_FLAT) continue;
        int c = col_of(k->top, strlen(k->top));
        if (c >= 0 && leaf[c] == SIZE_MAX) leaf[c] = i;
    }
    o->has_type_col = leaf[C_TYPE] != SIZE_MAX;
    o->has_interval_col = leaf[C_INTERVAL] != SIZE_MAX;
    o->has_usage_dates = leaf[C_START] != SIZE_MAX && leaf[C_END] != SIZE_MAX;
    o->has_resource_col = leaf[C_RESOURCE] != SIZE_MAX;
    /* Parquet reads a fixed number of rows of the first row group: the
     * columns are small, and reading on would mean reopening them. */
    size_t want = rows > RK_PROBE_MAX_ROWS ? rows : RK_PROBE_MAX_ROWS;
    int64_t have = rk_pq_nrowgroups(f) ? rk_pq_rowgroup_rows(f, 0) : 0;
    if (have < 0) have = 0;
    if ((uint64_t)have < want) want = (size_t)have;
    pq_rows r = {.n = want};
    if (want) {
        r.lit = calloc(want, 1);
        r.have_iv = calloc(want, 1);
        r.t0 = calloc(want, sizeof *r.t0);
        r.t1 = calloc(want, sizeof *r.t1);
        r.start = calloc(want, sizeof *r.start);
        r.end = calloc(want, sizeof *r.end);
        r.have_s = calloc(want, 1);
        r.have_e = calloc(want, 1);
        r.rid = calloc(want, 1);
        if (!r.lit || !r.have_iv || !r.t0 || !r.t1 || !r.start || !r.end || !r.have_s || !r.have_e || !r.rid)
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    for (int c = 0; c < C_N && st == RK_OK && want; c++) {
        if (leaf[c] == SIZE_MAX) continue;
        if ((c == C_START || c == C_END) && o->has_interval_col) continue; /* the interval says it */
        st = pq_column(f, leaf[c], c, obj->key, &r, err);
    }
    for (size_t i = 0; i < want && st == RK_OK; i++) {
        int64_t t0 = r.t0[i], t1 = r.t1[i];
        bool have_iv = r.have_iv[i];
        if (!have_iv && r.have_s[i] && r.have_e[i]) {
            t0 = r.start[i];
            t1 = r.end[i];
            have_iv = true;
        }
        sample_row(o, o->has_type_col, (rk_lit)r.lit[i], have_iv, t0, t1, r.rid[i]);
    }
    pq_rows_free(&r);
    rk_pq_close(f);
    return st;
}

/* ---- entry points ---- */

rk_status rk_probe_file(rk_source *src, const rk_object *obj, size_t rows, rk_probe *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    out->min_interval_ms = INT64_MAX;
    if (!rows) rows = RK_PROBE_ROWS;
    if (!(out->file = rk_strdup(obj->key))) return rk_err_set(err, RK_ENOMEM, "out of memory");
    rk_status st = ends_with_ci(obj->key, ".parquet") ? probe_parquet(src, obj, rows, out, err)
                                                      : probe_csv(src, obj, rows, out, err);
    out->granularity = rk_gran_of(out->min_interval_ms);
    if (st != RK_OK) rk_probe_free(out);
    return st;
}

rk_status rk_probe_plan(rk_source *src, const rk_plan *plan, size_t rows, rk_probe *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    out->min_interval_ms = INT64_MAX;
    if (plan->nfiles == 0)
        return rk_err_set(err, RK_ENOTFOUND, "report %s: the delivery of %s lists no data file", plan->report_name,
                          plan->period ? plan->period : "its files");
    return rk_probe_file(src, &plan->files[0], rows, out, err);
}
