/* pqdump — prints a Parquet file as JSON lines, one object per row, using
 * reckon's decoder. The tests compare its output, cell by cell, with the data
 * each independent writer was given.
 *
 *   pqdump FILE [--schema] [--batch N]
 *
 * Values: strings as JSON strings; integers as numbers; DOUBLE/FLOAT as the
 * shortest decimal that reads back as the same value; DECIMAL as exact
 * decimal strings; TIMESTAMP as {"ts": value-in-ms}; DATE as {"date": days};
 * maps as objects, lists as arrays; FIXED/INT96 without a meaning as hex. */
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "format/parquet.h"

static rk_status rd(void *ctx, uint64_t off, void *buf, size_t len, rk_err *err)
{
    int fd = *(int *)ctx;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
        if (n <= 0) return rk_err_set(err, RK_EIO, "short read");
        done += (size_t)n;
    }
    return RK_OK;
}

typedef struct cur {
    rk_pq_batch b;
    size_t li, vi; /* level index, value index */
} cur;

static void put_value(rk_buf *o, const rk_pq_col *c, const rk_pq_batch *b, size_t vi)
{
    char tmp[128];
    switch (c->phys) {
    case RK_PQ_BOOLEAN: rk_buf_puts(o, b->b8[vi] ? "true" : "false"); return;
    case RK_PQ_INT32:
    case RK_PQ_INT64: {
        int64_t v = c->phys == RK_PQ_INT32 ? b->i32[vi] : b->i64[vi];
        if (c->logical == RK_PQL_DECIMAL) {
            rk_dec d;
            rk_pq_decimal_i64(v, c->scale, &d);
            rk_dec_fmt(d, tmp);
            rk_buf_printf(o, "\"%s\"", tmp);
        } else if (c->logical == RK_PQL_TIMESTAMP) {
            rk_buf_printf(o, "{\"ts\":%" PRId64 "}", rk_pq_ts_ms(v, c->unit));
        } else if (c->logical == RK_PQL_DATE) {
            rk_buf_printf(o, "{\"date\":%" PRId64 "}", v);
        } else {
            rk_dec_fmt((rk_dec){rk_pq_intval(c, b, vi), 0}, tmp);
            rk_buf_puts(o, tmp);
        }
        return;
    }
    case RK_PQ_FLOAT:
    case RK_PQ_DOUBLE: {
        double x = c->phys == RK_PQ_FLOAT ? (double)b->f32[vi] : b->f64[vi];
        if (!isfinite(x)) {
            rk_buf_puts(o, isnan(x) ? "\"NaN\"" : x > 0 ? "\"Infinity\"" : "\"-Infinity\"");
            return;
        }
        /* Shortest text that reads back to the same value at the column's
         * own precision: the dump must show what the file holds, not what
         * ingest later rounds it to (dec.h keeps 18 decimals). */
        int maxp = c->phys == RK_PQ_FLOAT ? 9 : 17;
        for (int p = 1; p <= maxp; p++) {
            snprintf(tmp, sizeof tmp, "%.*g", p, x);
            double back = strtod(tmp, NULL);
            if (c->phys == RK_PQ_FLOAT ? (float)back == b->f32[vi] : back == x) break;
        }
        rk_buf_printf(o, "%s", tmp);
        return;
    }
    case RK_PQ_INT96: rk_buf_printf(o, "{\"ts\":%" PRId64 "}", rk_pq_int96_ms(b->bin[vi].p)); return;
    case RK_PQ_BYTE_ARRAY:
    case RK_PQ_FIXED: {
        rk_pq_slice s = b->bin[vi];
        if (c->logical == RK_PQL_DECIMAL) {
            rk_dec d;
            if (rk_pq_decimal_be(s.p, s.n, c->scale, &d) == RK_OK) {
                rk_dec_fmt(d, tmp);
                rk_buf_printf(o, "\"%s\"", tmp);
            } else {
                rk_buf_puts(o, "\"(out of range)\"");
            }
        } else if (c->logical == RK_PQL_STRING || c->phys == RK_PQ_BYTE_ARRAY) {
            char *z = malloc(s.n + 1);
            memcpy(z, s.p, s.n);
            z[s.n] = 0;
            /* a NUL inside a string is printed as \u0000 */
            rk_buf_putc(o, '"');
            for (uint32_t i = 0; i < s.n; i++) {
                unsigned char ch = s.p[i];
                if (ch == '"' || ch == '\\') rk_buf_printf(o, "\\%c", ch);
                else if (ch < 0x20) rk_buf_printf(o, "\\u%04x", ch);
                else rk_buf_putc(o, (char)ch);
            }
            rk_buf_putc(o, '"');
            free(z);
        } else {
            rk_buf_putc(o, '"');
            for (uint32_t i = 0; i < s.n; i++) rk_buf_printf(o, "%02x", s.p[i]);
            rk_buf_putc(o, '"');
        }
        return;
    }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pqdump FILE [--schema] [--batch N]\n");
        return 2;
    }
    bool schema = false;
    size_t batch = 1000;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--schema")) schema = true;
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batch = (size_t)atol(argv[++i]);
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 2;
    }
    struct stat st;
    fstat(fd, &st);
    rk_err err = {0};
    rk_pq *f;
    if (rk_pq_open(rd, &fd, (uint64_t)st.st_size, &f, &err) != RK_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], err.msg);
        return 1;
    }
    size_t nc = rk_pq_ncols(f);
    if (schema) {
        for (size_t c = 0; c < nc; c++) {
            const rk_pq_col *k = rk_pq_column(f, c);
            printf("%s phys=%d logical=%d def=%d rep=%d shape=%d entry_def=%d\n", k->path, k->phys, k->logical, k->max_def,
                   k->max_rep, k->shape, k->entry_def);
        }
        printf("rows=%lld rowgroups=%zu created_by=%s\n", (long long)rk_pq_rows(f), rk_pq_nrowgroups(f), rk_pq_created_by(f));
        rk_pq_close(f);
        close(fd);
        return 0;
    }
    rk_buf o;
    rk_buf_init(&o, (size_t)1 << 30);
    int rc = 0;
    for (size_t g = 0; g < rk_pq_nrowgroups(f) && rc == 0; g++) {
        rk_pq_reader **rs = calloc(nc, sizeof *rs);
        cur *cs = calloc(nc, sizeof *cs);
        for (size_t c = 0; c < nc && rc == 0; c++)
            if (rk_pq_reader_open(f, g, c, &rs[c], &err) != RK_OK) rc = 1;
        int64_t left = rk_pq_rowgroup_rows(f, g);
        while (rc == 0 && left > 0) {
            size_t want = (size_t)(left < (int64_t)batch ? left : (int64_t)batch);
            for (size_t c = 0; c < nc && rc == 0; c++) {
                if (rk_pq_reader_next(rs[c], want, &cs[c].b, &err) != RK_OK) rc = 1;
                else if (cs[c].b.nrows != want) {
                    rk_err_set(&err, RK_EBADDATA, "column %s has %zu rows where %zu were expected", rk_pq_column(f, c)->path,
                               cs[c].b.nrows, want);
                    rc = 1;
                }
                cs[c].li = cs[c].vi = 0;
            }
            for (size_t r = 0; rc == 0 && r < want; r++) {
                rk_buf_reset(&o);
                rk_buf_putc(&o, '{');
                bool first = true;
                for (size_t c = 0; c < nc; c++) {
                    const rk_pq_col *k = rk_pq_column(f, c);
                    cur *x = &cs[c];
                    if (k->shape == RK_PQ_MAP_VALUE) continue; /* printed with its key */
                    if (k->shape == RK_PQ_FLAT) {
                        if (!first) rk_buf_putc(&o, ',');
                        first = false;
                        rk_buf_printf(&o, "\"%s\":", k->path);
                        bool present = !k->max_def || x->b.def[x->li] == k->max_def;
                        x->li++;
                        if (present) put_value(&o, k, &x->b, x->vi++);
                        else rk_buf_puts(&o, "null");
                        continue;
                    }
                    /* repeated shapes: the entries of this row */
                    bool is_map = k->shape == RK_PQ_MAP_KEY;
                    cur *v = NULL;
                    const rk_pq_col *vk = NULL;
                    if (is_map && c + 1 < nc && rk_pq_column(f, c + 1)->shape == RK_PQ_MAP_VALUE) {
                        v = &cs[c + 1];
                        vk = rk_pq_column(f, c + 1);
                    }
                    if (k->shape == RK_PQ_NESTED) {
                        do x->li++, x->vi += 0; while (x->li < x->b.nvals && k->max_rep && x->b.rep[x->li] != 0);
                        continue;
                    }
                    if (!first) rk_buf_putc(&o, ',');
                    first = false;
                    rk_buf_printf(&o, "\"%s\":", k->top);
                    size_t li0 = x->li;
                    uint8_t d0 = k->max_def ? x->b.def[li0] : (uint8_t)k->max_def;
                    if (d0 < k->entry_def - 1) {
                        rk_buf_puts(&o, "null");
                    } else {
                        rk_buf_putc(&o, is_map ? '{' : '[');
                        bool ef = true;
                        do {
                            uint8_t d = k->max_def ? x->b.def[x->li] : (uint8_t)k->max_def;
                            if (d >= k->entry_def) {
                                if (!ef) rk_buf_putc(&o, ',');
                                ef = false;
                                if (is_map) {
                                    put_value(&o, k, &x->b, x->vi++);
                                    rk_buf_putc(&o, ':');
                                    if (v) {
                                        uint8_t vd = vk->max_def ? v->b.def[v->li] : (uint8_t)vk->max_def;
                                        if (vd == vk->max_def) put_value(&o, vk, &v->b, v->vi++);
                                        else rk_buf_puts(&o, "null");
                                    } else {
                                        rk_buf_puts(&o, "null");
                                    }
                                } else if (d == k->max_def) {
                                    put_value(&o, k, &x->b, x->vi++);
                                } else {
                                    rk_buf_puts(&o, "null");
                                }
                            }
                            x->li++;
                            if (v) v->li++;
                        } while (x->li < x->b.nvals && x->b.rep[x->li] != 0);
                        rk_buf_putc(&o, is_map ? '}' : ']');
                    }
                    if (d0 < k->entry_def - 1) {
                        x->li++;
                        if (v) v->li++;
                    }
                }
                rk_buf_puts(&o, "}\n");
                fputs(o.p, stdout);
            }
            left -= (int64_t)want;
        }
        for (size_t c = 0; c < nc; c++) rk_pq_reader_close(rs[c]);
        free(rs);
        free(cs);
    }
    if (rc) fprintf(stderr, "%s: %s\n", argv[1], err.msg);
    rk_buf_free(&o);
    rk_pq_close(f);
    close(fd);
    return rc;
}
