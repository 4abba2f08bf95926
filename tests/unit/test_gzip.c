/* gzip framing on both inflaters: members, truncation, corruption. */
#include "harness.h"

#include <zlib.h>

#include "common/buf.h"
#include "format/gzip.h"

/* gzip-compresses with zlib (the independent writer). */
static uint8_t *gz(const void *data, size_t n, size_t *out_len)
{
    z_stream zs = {0};
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, n) + 64;
    uint8_t *out = malloc(cap);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    return out;
}

static rk_status gunzip_all(const uint8_t *p, size_t n, size_t step, rk_inflate_impl impl,
                            rk_buf *out, rk_err *err)
{
    rk_in *g;
    rk_status st = rk_gunzip_open(rk_in_mem_stepped(p, n, step), impl, &g, err);
    if (st != RK_OK) return st;
    uint8_t tmp[4096];
    size_t got;
    while ((st = rk_in_read(g, tmp, (step % 3) ? 100 : sizeof tmp, &got, err)) == RK_OK && got)
        rk_buf_append(out, tmp, got);
    rk_in_close(g);
    return st;
}

static const rk_inflate_impl impls[] = {RK_INFLATE_ZLIB, RK_INFLATE_ISAL};

static char *sample(size_t n)
{
    char *s = malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245 + 12345;
        s[i] = "abc,def\n0123456789"[(x >> 16) % 18];
    }
    return s;
}

static void roundtrip(void **state)
{
    (void)state;
    size_t n = 3 << 20;
    char *s = sample(n);
    size_t zl;
    uint8_t *z = gz(s, n, &zl);
    for (int k = 0; k < 2; k++) {
        for (size_t step = 0; step < 4; step++) {
            rk_buf out;
            rk_buf_init(&out, 64 << 20);
            rk_err err = {0};
            assert_int_equal(gunzip_all(z, zl, step ? step * 70001 : 0, impls[k], &out, &err), RK_OK);
            assert_int_equal(out.len, n);
            assert_memory_equal(out.p, s, n);
            rk_buf_free(&out);
        }
    }
    free(z);
    free(s);
}

static void multi_member(void **state)
{
    (void)state;
    size_t a, b;
    uint8_t *za = gz("first part\n", 11, &a);
    uint8_t *zb = gz("second part\n", 12, &b);
    uint8_t *both = malloc(a + b);
    memcpy(both, za, a);
    memcpy(both + a, zb, b);
    for (int k = 0; k < 2; k++)
        for (size_t step = 0; step < 8; step++) {
            rk_buf out;
            rk_buf_init(&out, 1 << 20);
            rk_err err = {0};
            assert_int_equal(gunzip_all(both, a + b, step, impls[k], &out, &err), RK_OK);
            assert_string_equal(out.p, "first part\nsecond part\n");
            rk_buf_free(&out);
        }
    free(za);
    free(zb);
    free(both);
}

static void truncated_and_corrupt(void **state)
{
    (void)state;
    size_t n = 200000, zl;
    char *s = sample(n);
    uint8_t *z = gz(s, n, &zl);
    for (int k = 0; k < 2; k++) {
        /* every truncation point in the tail and a few in the body */
        size_t cuts[] = {zl - 1, zl - 4, zl - 8, zl - 9, zl / 2, 20, 11};
        for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
            rk_buf out;
            rk_buf_init(&out, 1 << 24);
            rk_err err = {0};
            rk_status st = gunzip_all(z, cuts[c], 0, impls[k], &out, &err);
            assert_int_equal(st, RK_EBADDATA);
            if (!strstr(err.msg, "truncated") && !strstr(err.msg, "corrupt"))
                fail_msg("impl %d cut %zu: %s", k, cuts[c], err.msg);
            rk_buf_free(&out);
        }
        /* a flipped byte in the body or the CRC is caught */
        size_t flips[] = {zl / 2, zl - 6};
        for (size_t f = 0; f < 2; f++) {
            uint8_t *bad = malloc(zl);
            memcpy(bad, z, zl);
            bad[flips[f]] ^= 0x55;
            rk_buf out;
            rk_buf_init(&out, 1 << 24);
            rk_err err = {0};
            assert_int_equal(gunzip_all(bad, zl, 0, impls[k], &out, &err), RK_EBADDATA);
            rk_buf_free(&out);
            free(bad);
        }
        /* trailing garbage */
        uint8_t *tail = malloc(zl + 3);
        memcpy(tail, z, zl);
        memcpy(tail + zl, "xyz", 3);
        rk_buf out;
        rk_buf_init(&out, 1 << 24);
        rk_err err = {0};
        assert_int_equal(gunzip_all(tail, zl + 3, 0, impls[k], &out, &err), RK_EBADDATA);
        assert_non_null(strstr(err.msg, "unexpected data after gzip member"));
        rk_buf_free(&out);
        free(tail);
    }
    rk_err err = {0};
    rk_in *g;
    assert_int_equal(rk_gunzip_open(rk_in_mem("plain,csv\n", 10), RK_INFLATE_AUTO, &g, &err), RK_EBADDATA);
    assert_non_null(strstr(err.msg, "not gzip"));
    free(z);
    free(s);
}

static void real_file(void **state)
{
    (void)state;
    /* koku's test_cur.csv.gz must inflate to koku's test_cur.csv */
    size_t zl, pl;
    char *z = th_read("fixtures/real-cur/koku/test_cur.csv.gz", &zl);
    char *p = th_read("fixtures/real-cur/koku/test_cur.csv", &pl);
    assert_non_null(z);
    assert_non_null(p);
    for (int k = 0; k < 2; k++) {
        rk_buf out;
        rk_buf_init(&out, 1 << 24);
        rk_err err = {0};
        assert_int_equal(gunzip_all((uint8_t *)z, zl, 0, impls[k], &out, &err), RK_OK);
        assert_int_equal(out.len, pl);
        assert_memory_equal(out.p, p, pl);
        rk_buf_free(&out);
    }
    free(z);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(roundtrip), cmocka_unit_test(multi_member),
                                       cmocka_unit_test(truncated_and_corrupt),
                                       cmocka_unit_test(real_file)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
