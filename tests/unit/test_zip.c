/* Streaming .zip members: stored, deflated, data descriptors, ZIP64, errors. */
#include "harness.h"

#include <zlib.h>

#include "common/buf.h"
#include "format/zip.h"

static void put16(rk_buf *b, unsigned v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    rk_buf_append(b, x, 2);
}
static void put32(rk_buf *b, uint32_t v)
{
    put16(b, v & 0xffff);
    put16(b, v >> 16);
}

static size_t raw_deflate(const char *s, size_t n, uint8_t *out, size_t cap)
{
    z_stream zs = {0};
    deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = (Bytef *)s;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    deflate(&zs, Z_FINISH);
    size_t len = zs.total_out;
    deflateEnd(&zs);
    return len;
}

enum { OPT_DESC = 1, OPT_DESC_NOSIG = 2, OPT_ZIP64 = 4 };

/* Appends one member the way an archiver would. */
static void add_member(rk_buf *b, const char *name, const char *data, unsigned method, int opts)
{
    size_t n = strlen(data);
    uint32_t crc = (uint32_t)crc32(0, (const Bytef *)data, (uInt)n);
    uint8_t comp[65536];
    size_t cl = method == 8 ? raw_deflate(data, n, comp, sizeof comp) : n;
    if (method != 8) memcpy(comp, data, n);
    bool desc = opts & (OPT_DESC | OPT_DESC_NOSIG);
    put32(b, 0x04034b50);
    put16(b, 20);
    put16(b, desc ? 8 : 0);
    put16(b, method);
    put16(b, 0);
    put16(b, 0);
    put32(b, desc ? 0 : crc);
    put32(b, desc ? 0 : (opts & OPT_ZIP64) ? 0xffffffffu : (uint32_t)cl);
    put32(b, desc ? 0 : (opts & OPT_ZIP64) ? 0xffffffffu : (uint32_t)n);
    put16(b, (unsigned)strlen(name));
    put16(b, (opts & OPT_ZIP64) ? 20 : 0);
    rk_buf_append(b, name, strlen(name));
    if (opts & OPT_ZIP64) {
        put16(b, 1);
        put16(b, 16);
        put32(b, (uint32_t)n);
        put32(b, 0);
        put32(b, (uint32_t)cl);
        put32(b, 0);
    }
    rk_buf_append(b, comp, cl);
    if (desc) {
        if (opts & OPT_DESC) put32(b, 0x08074b50);
        put32(b, crc);
        put32(b, (uint32_t)cl);
        put32(b, (uint32_t)n);
    }
}

static void end_archive(rk_buf *b)
{
    put32(b, 0x06054b50); /* a bare end record is enough for a front-to-back reader */
    for (int i = 0; i < 9; i++) put16(b, 0);
}

static rk_status read_all(const void *p, size_t n, size_t step, rk_buf *out, rk_err *err)
{
    rk_unzip *z;
    RK_TRY(rk_unzip_open(rk_in_mem_stepped(p, n, step), &z, err));
    rk_zip_member info;
    rk_in *m;
    rk_status st;
    while ((st = rk_unzip_next(z, &info, &m, err)) == RK_OK) {
        rk_buf_printf(out, "[%s]", info.name);
        uint8_t tmp[7];
        size_t got;
        while ((st = rk_in_read(m, tmp, sizeof tmp, &got, err)) == RK_OK && got) rk_buf_append(out, tmp, got);
        if (st != RK_OK) break;
    }
    rk_unzip_close(z);
    return st == RK_ENOTFOUND ? RK_OK : st;
}

static void members(void **state)
{
    (void)state;
    const int variants[] = {0, OPT_DESC, OPT_DESC_NOSIG, OPT_ZIP64};
    for (size_t v = 0; v < 4; v++) {
        rk_buf b;
        rk_buf_init(&b, 1 << 20);
        add_member(&b, "dir/", "", 0, 0);
        add_member(&b, "a.csv", "h1,h2\n1,2\n", 8, variants[v]);
        add_member(&b, "b.csv", "x,y\n", variants[v] & OPT_ZIP64 ? 0 : 8, variants[v] & OPT_ZIP64);
        add_member(&b, "empty.csv", "", 0, 0);
        end_archive(&b);
        for (size_t step = 0; step < 6; step++) {
            rk_buf out;
            rk_buf_init(&out, 1 << 20);
            rk_err err = {0};
            rk_status st = read_all(b.p, b.len, step, &out, &err);
            if (st != RK_OK) fail_msg("variant %zu step %zu: %s", v, step, err.msg);
            assert_string_equal(out.p, "[dir/][a.csv]h1,h2\n1,2\n[b.csv]x,y\n[empty.csv]");
            rk_buf_free(&out);
        }
        rk_buf_free(&b);
    }
}

static void expect_fail(const rk_buf *b, rk_status code, const char *needle)
{
    rk_buf out;
    rk_buf_init(&out, 1 << 20);
    rk_err err = {0};
    assert_int_equal(read_all(b->p, b->len, 0, &out, &err), code);
    if (!strstr(err.msg, needle)) fail_msg("\"%s\" lacks \"%s\"", err.msg, needle);
    rk_buf_free(&out);
}

static void failures(void **state)
{
    (void)state;
    rk_buf b;
    rk_buf_init(&b, 1 << 20);
    add_member(&b, "a.csv", "hello,world\nhello,world\nhello,world\n", 8, 0);
    end_archive(&b);
    size_t full = b.len;

    b.len = full - 22; /* no central directory */
    expect_fail(&b, RK_EBADDATA, "truncated");
    b.len = full - 30;
    expect_fail(&b, RK_EBADDATA, "truncated inside a deflated member");
    b.len = full;
    b.p[14] ^= 1; /* CRC in the local header */
    expect_fail(&b, RK_EBADDATA, "CRC-32 mismatch");
    b.p[14] ^= 1;
    b.p[6] |= 1; /* encrypted */
    expect_fail(&b, RK_EBADDATA, "encrypted");
    b.p[6] &= ~1;
    b.p[8] = 12; /* bzip2 */
    expect_fail(&b, RK_EUNSUPPORTED, "bzip2");
    rk_buf_free(&b);

    rk_err err = {0};
    rk_unzip *z;
    assert_int_equal(rk_unzip_open(rk_in_mem("a,b\n", 4), &z, &err), RK_EBADDATA);
    assert_non_null(strstr(err.msg, "not a zip archive"));
}

static void real_file(void **state)
{
    (void)state;
    size_t n;
    char *p = th_read("fixtures/real-cur/keboola/cur1/mock-cur-bucket/20240101-20240131/"
                      "MockTestReport-00001.csv.zip",
                      &n);
    assert_non_null(p);
    rk_buf out;
    rk_buf_init(&out, 1 << 20);
    rk_err err = {0};
    assert_int_equal(read_all(p, n, 0, &out, &err), RK_OK);
    assert_int_equal(strncmp(out.p, "[sample_billing_data.csv]identity/LineItemId,", 45), 0);
    assert_int_equal(out.len, strlen("[sample_billing_data.csv]") + 1922);
    rk_buf_free(&out);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(members), cmocka_unit_test(failures),
                                       cmocka_unit_test(real_file)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
