/* Fuzz target: the Parquet decoder — footer, Thrift, schema tree, pages,
 * every encoding and codec — reading every column of every row group. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format/parquet.h"

typedef struct mem {
    const uint8_t *p;
    size_t n;
} mem;

static rk_status rd(void *ctx, uint64_t off, void *buf, size_t len, rk_err *err)
{
    mem *m = ctx;
    if (off > m->n || len > m->n - off) return rk_err_set(err, RK_EBADDATA, "read past the end");
    memcpy(buf, m->p + off, len);
    return RK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mem m = {data, size};
    rk_pq *f;
    rk_err err;
    if (rk_pq_open(rd, &m, size, &f, &err) != RK_OK) return 0;
    volatile uint64_t sink = 0;
    for (size_t g = 0; g < rk_pq_nrowgroups(f) && g < 8; g++) {
        for (size_t c = 0; c < rk_pq_ncols(f) && c < 256; c++) {
            rk_pq_reader *r;
            if (rk_pq_reader_open(f, g, c, &r, &err) != RK_OK) continue;
            const rk_pq_col *k = rk_pq_column(f, c);
            rk_pq_batch b;
            int guard = 0;
            while (rk_pq_reader_next(r, 97, &b, &err) == RK_OK && b.nrows && guard++ < 10000) {
                for (size_t i = 0; i < b.nvals; i++) sink += (b.def ? b.def[i] : 0) + (b.rep ? b.rep[i] : 0);
                for (size_t i = 0; i < b.nnn; i++) {
                    switch (k->phys) {
                    case RK_PQ_BOOLEAN: sink += b.b8[i]; break;
                    case RK_PQ_INT32: sink += (uint64_t)b.i32[i]; break;
                    case RK_PQ_INT64: sink += (uint64_t)b.i64[i]; break;
                    case RK_PQ_FLOAT: sink += (uint64_t)(b.f32[i] != 0); break;
                    case RK_PQ_DOUBLE: {
                        rk_dec d;
                        sink += rk_dec_from_double(b.f64[i], &d);
                        break;
                    }
                    default: {
                        rk_pq_slice s = b.bin[i];
                        if (s.n) sink += s.p[s.n - 1];
                        if (k->logical == RK_PQL_DECIMAL) {
                            rk_dec d;
                            sink += rk_pq_decimal_be(s.p, s.n, k->scale, &d);
                        }
                        if (k->phys == RK_PQ_INT96 && s.n == 12) sink += (uint64_t)rk_pq_int96_ms(s.p);
                    }
                    }
                }
            }
            rk_pq_reader_close(r);
        }
    }
    (void)sink;
    rk_pq_close(f);
    return 0;
}
