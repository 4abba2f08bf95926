/* gpq_fixture — writes Parquet files through the generator's writer
 * (src/gen/gen_parquet.h) that exercise what generated CURs do not: a
 * dictionary that overflows into PLAIN pages mid-chunk, "" beside null,
 * null and empty maps and null map values, one row per row group, zero
 * rows, a value larger than a page. tests/gen/parquet_writer.mjs reads them
 * with DuckDB and checks every value against the same formulas.
 *
 *   gpq_fixture OUTDIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen_parquet.h"

static rk_err err;

#define CHECK(expr)                                                                                  \
    do {                                                                                             \
        if ((expr) != RK_OK) {                                                                       \
            fprintf(stderr, "gpq_fixture: %s: %s\n", #expr, err.msg);                                \
            exit(1);                                                                                 \
        }                                                                                            \
    } while (0)

static gpq_schema *finish(gpq_schema *s)
{
    CHECK(gpq_schema_finish(s, &err));
    return s;
}

static gpq_writer *open_file(const char *dir, const char *name, const gpq_schema *s, uint64_t rpg)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    gpq_writer *w;
    CHECK(gpq_open(path, s, rpg, &w, &err));
    return w;
}

/* dict_fallback: value(i) = "v%06d-" + 90 x, index i/2 below 40000 rows, i%7
 * after; the dictionary passes 1 MiB in the first row group. */
static void dict_fallback(const char *dir)
{
    gpq_schema *s = gpq_schema_new("schema");
    gpq_schema_leaf(s, "n", GPQ_REQUIRED, GPQ_INT64, GPQ_NONE);
    gpq_schema_leaf(s, "s", GPQ_REQUIRED, GPQ_BYTE_ARRAY, GPQ_UTF8);
    gpq_schema_leaf(s, "id", GPQ_REQUIRED, GPQ_BYTE_ARRAY, GPQ_UTF8);
    finish(s);
    gpq_writer *w = open_file(dir, "dict_fallback.parquet", s, 100000);
    char b[128], pad[91];
    memset(pad, 'x', 90);
    pad[90] = 0;
    for (int i = 0; i < 60000; i++) {
        gpq_int64(w, 0, 0, 0, i);
        int n = snprintf(b, sizeof b, "v%06d-%s", i < 40000 ? i / 2 : i % 7, pad);
        gpq_bytes(w, 1, 0, 0, b, (size_t)n);
        n = snprintf(b, sizeof b, "id-%d", i * 7919);
        gpq_bytes(w, 2, 0, 0, b, (size_t)n);
        CHECK(gpq_end_row(w, &err));
    }
    CHECK(gpq_close(w, NULL, &err));
    gpq_schema_free(s);
}

/* nulls: 1000 rows, 7 per row group. s: null, "" or "r<i>"; d: null or
 * i/4 − 100; t: null or 1700000000000 + 1000 i; all OPTIONAL. */
static void nulls(const char *dir)
{
    gpq_schema *s = gpq_schema_new("schema");
    gpq_schema_leaf(s, "n", GPQ_REQUIRED, GPQ_INT64, GPQ_NONE);
    gpq_schema_leaf(s, "s", GPQ_OPTIONAL, GPQ_BYTE_ARRAY, GPQ_STRING);
    gpq_schema_leaf(s, "d", GPQ_OPTIONAL, GPQ_DOUBLE, GPQ_NONE);
    gpq_schema_leaf(s, "t", GPQ_OPTIONAL, GPQ_INT64, GPQ_TIMESTAMP_MILLIS_UTC);
    finish(s);
    gpq_writer *w = open_file(dir, "nulls.parquet", s, 7);
    char b[32];
    for (int i = 0; i < 1000; i++) {
        gpq_int64(w, 0, 0, 0, i);
        if (i % 3 == 0) gpq_null(w, 1, 0, 0);
        else if (i % 3 == 1) gpq_bytes(w, 1, 0, 1, "", 0);
        else gpq_bytes(w, 1, 0, 1, b, (size_t)snprintf(b, sizeof b, "r%d", i));
        if (i % 4 == 0) gpq_null(w, 2, 0, 0);
        else gpq_double(w, 2, 0, 1, i * 0.25 - 100);
        if (i % 5 == 0) gpq_null(w, 3, 0, 0);
        else gpq_int64(w, 3, 0, 1, 1700000000000LL + 1000LL * i);
        CHECK(gpq_end_row(w, &err));
    }
    CHECK(gpq_close(w, NULL, &err));
    gpq_schema_free(s);
}

/* maps: 3000 rows in batches of 100 (gpq_put_flat, gpq_end_rows), 1000 per
 * row group. m by i%5: null; {}; {a: x<i>}; {k00: v0 … k39: v39}; {a: null,
 * b: y}. md: {x: i/8} for even i, else null. */
static void maps(const char *dir)
{
    gpq_schema *s = gpq_schema_new("schema");
    gpq_schema_leaf(s, "n", GPQ_REQUIRED, GPQ_INT64, GPQ_NONE);
    gpq_schema_group(s, "m", GPQ_OPTIONAL, 1, GPQ_MAP);
    gpq_schema_group(s, "key_value", GPQ_REPEATED, 2, GPQ_NONE);
    gpq_schema_leaf(s, "key", GPQ_REQUIRED, GPQ_BYTE_ARRAY, GPQ_STRING);
    gpq_schema_leaf(s, "value", GPQ_OPTIONAL, GPQ_BYTE_ARRAY, GPQ_STRING);
    gpq_schema_group(s, "md", GPQ_OPTIONAL, 1, GPQ_MAP);
    gpq_schema_group(s, "key_value", GPQ_REPEATED, 2, GPQ_NONE);
    gpq_schema_leaf(s, "key", GPQ_REQUIRED, GPQ_BYTE_ARRAY, GPQ_STRING);
    gpq_schema_leaf(s, "value", GPQ_OPTIONAL, GPQ_DOUBLE, GPQ_NONE);
    finish(s);
    if (gpq_schema_max_def(s, 1) != 2 || gpq_schema_max_rep(s, 1) != 1 || gpq_schema_max_def(s, 2) != 3) {
        fprintf(stderr, "gpq_fixture: map levels are wrong\n");
        exit(1);
    }
    gpq_writer *w = open_file(dir, "maps.parquet", s, 1000);
    gpq_value nv[100];
    char b[32], k[8];
    for (int i0 = 0; i0 < 3000; i0 += 100) {
        for (int r = 0; r < 100; r++) nv[r] = (gpq_value){.v.i = i0 + r};
        gpq_put_flat(w, 0, nv, 100);
        for (int i = i0; i < i0 + 100; i++) {
            switch (i % 5) {
            case 0: gpq_null(w, 1, 0, 0); gpq_null(w, 2, 0, 0); break;
            case 1: gpq_null(w, 1, 0, 1); gpq_null(w, 2, 0, 1); break;
            case 2:
                gpq_bytes(w, 1, 0, 2, "a", 1);
                gpq_bytes(w, 2, 0, 3, b, (size_t)snprintf(b, sizeof b, "x%d", i));
                break;
            case 3:
                for (int e = 0; e < 40; e++) {
                    gpq_bytes(w, 1, e ? 1 : 0, 2, k, (size_t)snprintf(k, sizeof k, "k%02d", e));
                    gpq_bytes(w, 2, e ? 1 : 0, 3, b, (size_t)snprintf(b, sizeof b, "v%d", e));
                }
                break;
            default:
                gpq_bytes(w, 1, 0, 2, "a", 1);
                gpq_null(w, 2, 0, 2); /* a present key whose value is null */
                gpq_bytes(w, 1, 1, 2, "b", 1);
                gpq_bytes(w, 2, 1, 3, "y", 1);
                break;
            }
            if (i % 2 == 0) {
                gpq_bytes(w, 3, 0, 2, "x", 1);
                gpq_double(w, 4, 0, 3, i / 8.0);
            } else {
                gpq_null(w, 3, 0, 0);
                gpq_null(w, 4, 0, 0);
            }
        }
        CHECK(gpq_end_rows(w, 100, &err));
    }
    CHECK(gpq_close(w, NULL, &err));
    gpq_schema_free(s);
}

/* single: 50000 rows of "USD" (a one-entry dictionary: bit width 0) and an
 * always-null column; big: 5 rows, row 2 a 300000-byte value; empty: no row. */
static void small_cases(const char *dir)
{
    gpq_schema *s = gpq_schema_new("schema");
    gpq_schema_leaf(s, "c", GPQ_REQUIRED, GPQ_BYTE_ARRAY, GPQ_UTF8);
    gpq_schema_leaf(s, "z", GPQ_OPTIONAL, GPQ_BYTE_ARRAY, GPQ_STRING);
    finish(s);
    gpq_writer *w = open_file(dir, "single.parquet", s, 30000);
    for (int i = 0; i < 50000; i++) {
        gpq_bytes(w, 0, 0, 0, "USD", 3);
        gpq_null(w, 1, 0, 0);
        CHECK(gpq_end_row(w, &err));
    }
    CHECK(gpq_close(w, NULL, &err));

    w = open_file(dir, "big.parquet", s, 100);
    char *big = malloc(300000);
    if (!big) exit(1);
    memset(big, 'z', 300000);
    for (int i = 0; i < 5; i++) {
        if (i == 2) gpq_bytes(w, 0, 0, 0, big, 300000);
        else gpq_bytes(w, 0, 0, 0, "a", 1);
        gpq_bytes(w, 1, 0, 1, big, i == 2 ? 300000 : 0);
        CHECK(gpq_end_row(w, &err));
    }
    free(big);
    uint64_t bytes = 0;
    CHECK(gpq_close(w, &bytes, &err));
    if (bytes < 8) exit(1);

    w = open_file(dir, "empty.parquet", s, 10);
    CHECK(gpq_close(w, NULL, &err));
    gpq_schema_free(s);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gpq_fixture OUTDIR\n");
        return 2;
    }
    dict_fallback(argv[1]);
    nulls(argv[1]);
    maps(argv[1]);
    small_cases(argv[1]);
    return 0;
}
