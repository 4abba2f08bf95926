/* Segment files: every encoding round-trips; damage is reported, not crashed on. */
#include "harness.h"

#include <pthread.h>
#include <unistd.h>

#include "store/segment.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#define ROWS 40000u /* three blocks, the last partial */

typedef struct {
    char s[32];
    size_t sl;
    rk_dec d;
    bool dnull;
    int64_t t;
    char late[16];
} row_t;

static void roundtrip(void **state)
{
    (void)state;
    char path[] = "/tmp/rk-test-seg-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    rk_segw *w;
    rk_segb *sb;
    rk_err err = {0};
    assert_int_equal(rk_segw_create(path, &w, &err), RK_OK);
    assert_int_equal(rk_segb_open(w, &sb, &err), RK_OK);
    int cs = rk_segw_column(w, "s", RK_COL_STR, &err);
    int cd = rk_segw_column(w, "d", RK_COL_DEC, &err);
    int ct = rk_segw_column(w, "t", RK_COL_TIME, &err);
    assert_int_equal(rk_segw_column(w, "s", RK_COL_DEC, &err), -1); /* type clash */
    assert_int_equal(rk_segw_column(w, "s", RK_COL_STR, &err), cs);
    int cl = -1;
    row_t *rows = calloc(ROWS, sizeof *rows);
    for (uint32_t i = 0; i < ROWS; i++) {
        row_t *r = &rows[i];
        uint64_t x = next();
        /* text: low-cardinality early, unique later (all id widths), some null */
        if (x % 10 == 0) r->sl = 0;
        else if (i < 20000) r->sl = (size_t)snprintf(r->s, sizeof r->s, "svc-%u", (unsigned)(x % 37));
        else r->sl = (size_t)snprintf(r->s, sizeof r->s, "res-%u", i);
        rk_segb_set_str(sb, cs, r->s, r->sl);
        if (r->sl) rk_segb_set_str(sb, cs, "ignored", 7); /* first value wins */
        /* decimals: small, 17-decimal, huge (forces 128-bit), null */
        int kind = (int)(next() % 8);
        r->dnull = kind == 0;
        if (kind == 1 && i >= 16384 && i < 32768) r->d = (rk_dec){(rk_i128)99999999999999999LL * 1000 + 7, 3};
        else if (kind == 2) r->d = (rk_dec){165303109242778LL, 17};
        else r->d = rk_dec_normalize((rk_dec){(rk_i128)(int64_t)(next() % 2000000) - 1000000, (int)(next() % 7)});
        if (!r->dnull) rk_segb_set_dec(sb, cd, r->d);
        r->t = 1698796800000LL + (int64_t)(i / 7) * 3600000;
        rk_segb_set_time(sb, ct, r->t);
        /* a column that appears only from row 30000 on */
        if (i >= 30000 && i % 3 == 0) {
            if (cl < 0) cl = rk_segw_column(w, "late", RK_COL_STR, &err);
            snprintf(r->late, sizeof r->late, "v%u", i % 5);
            rk_segb_set_str(sb, cl, r->late, strlen(r->late));
        }
        assert_int_equal(rk_segb_end_row(sb, &err), RK_OK);
    }
    assert_int_equal(rk_segb_close(sb, &err), RK_OK);
    assert_int_equal(rk_segw_finish(w, "{\"k\":1}", &err), RK_OK);

    rk_seg *s;
    assert_int_equal(rk_seg_open(path, &s, &err), RK_OK);
    assert_int_equal(rk_seg_rows(s), ROWS);
    assert_int_equal(rk_seg_nblocks(s), 3);
    assert_string_equal(rk_seg_meta(s), "{\"k\":1}");
    int rs = rk_seg_find(s, "s"), rd = rk_seg_find(s, "d"), rt = rk_seg_find(s, "t"), rl = rk_seg_find(s, "late");
    assert_true(rs >= 0 && rd >= 0 && rt >= 0 && rl >= 0);
    assert_int_equal(rk_seg_find(s, "nope"), -1);
    uint32_t base = 0;
    bool saw128 = false;
    for (uint32_t b = 0; b < rk_seg_nblocks(s); b++) {
        rk_strview sv, lv;
        rk_decview dv, tv;
        if (rk_seg_str(s, rs, b, &sv, &err) != RK_OK) fail_msg("block %u: %s", b, err.msg);
        assert_int_equal(rk_seg_str(s, rl, b, &lv, &err), RK_OK);
        assert_int_equal(rk_seg_dec(s, rd, b, &dv, &err), RK_OK);
        assert_int_equal(rk_seg_dec(s, rt, b, &tv, &err), RK_OK);
        if (dv.enc == 3) saw128 = true;
        int64_t tmin, tmax;
        assert_true(rk_seg_time_range(s, rt, b, &tmin, &tmax));
        for (uint32_t i = 0; i < rk_seg_block_rows(s, b); i++) {
            row_t *r = &rows[base + i];
            size_t len;
            const char *p = rk_strview_str(&sv, rk_strview_id(&sv, i), &len);
            assert_int_equal(len, r->sl);
            assert_memory_equal(p, r->s, len);
            p = rk_strview_str(&lv, rk_strview_id(&lv, i), &len);
            assert_int_equal(len, strlen(r->late));
            assert_memory_equal(p, r->late, len);
            assert_int_equal(rk_decview_null(&dv, i), r->dnull);
            if (!r->dnull) assert_true(rk_decview_get18(&dv, i) == rk_dec_to18(r->d));
            assert_true(rk_decview_get18(&tv, i) == (rk_i128)r->t * rk_pow10_128[18]);
            assert_true(r->t >= tmin && r->t <= tmax);
        }
        base += rk_seg_block_rows(s, b);
    }
    assert_true(saw128);
    rk_seg_close(s);
    free(rows);
    unlink(path);
}

static void damage(void **state)
{
    (void)state;
    char path[] = "/tmp/rk-test-seg-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    rk_segw *w;
    rk_segb *sb;
    rk_err err = {0};
    assert_int_equal(rk_segw_create(path, &w, &err), RK_OK);
    assert_int_equal(rk_segb_open(w, &sb, &err), RK_OK);
    int c = rk_segw_column(w, "x", RK_COL_STR, &err);
    for (int i = 0; i < 100; i++) {
        rk_segb_set_str(sb, c, "abc", 3);
        rk_segb_end_row(sb, &err);
    }
    assert_int_equal(rk_segb_close(sb, &err), RK_OK);
    assert_int_equal(rk_segw_finish(w, "", &err), RK_OK);
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *orig = malloc((size_t)n);
    assert_int_equal(fread(orig, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    /* Flip each byte of the file in turn: open either fails cleanly or every
     * read stays inside the file (ASan would catch anything else). */
    for (long i = 0; i < n; i++) {
        orig[i] ^= 0xA5;
        f = fopen(path, "wb");
        fwrite(orig, 1, (size_t)n, f);
        fclose(f);
        rk_seg *s;
        if (rk_seg_open(path, &s, &err) == RK_OK) {
            for (uint32_t b = 0; b < rk_seg_nblocks(s); b++) {
                rk_strview v;
                if (rk_seg_str(s, 0, b, &v, &err) != RK_OK) continue;
                for (uint32_t r = 0; r < v.n; r++) {
                    size_t len;
                    const char *p = rk_strview_str(&v, rk_strview_id(&v, r), &len);
                    volatile char sink = len ? p[len - 1] : 0;
                    (void)sink;
                }
            }
            rk_seg_close(s);
        } else {
            assert_non_null(strstr(err.msg, "damaged"));
        }
        orig[i] ^= 0xA5;
    }
    /* truncation */
    f = fopen(path, "wb");
    fwrite(orig, 1, (size_t)n / 2, f);
    fclose(f);
    rk_seg *s;
    assert_int_equal(rk_seg_open(path, &s, &err), RK_EBADDATA);
    free(orig);
    unlink(path);
}

typedef struct targ {
    rk_segw *w;
    int id;
} targ;

/* Each thread writes 30,000 rows "t<id>-<i>" with value i, and registers its
 * own column late, as ingest threads do when a file shows a new column. */
static void *writer_thread(void *p)
{
    targ *a = p;
    rk_err err = {0};
    rk_segb *b;
    if (rk_segb_open(a->w, &b, &err) != RK_OK) return (void *)1;
    int ck = rk_segw_column(a->w, "key", RK_COL_STR, &err);
    int cv = rk_segw_column(a->w, "val", RK_COL_DEC, &err);
    int own = -1;
    for (int i = 0; i < 30000; i++) {
        char k[32];
        int n = snprintf(k, sizeof k, "t%d-%d", a->id, i);
        rk_segb_set_str(b, ck, k, (size_t)n);
        rk_segb_set_dec(b, cv, (rk_dec){i, 2});
        if (i >= 20000) {
            if (own < 0) own = rk_segw_column(a->w, a->id ? "only1" : "only0", RK_COL_TIME, &err);
            rk_segb_set_time(b, own, i);
        }
        if (rk_segb_end_row(b, &err) != RK_OK) return (void *)1;
    }
    return rk_segb_close(b, &err) == RK_OK ? NULL : (void *)1;
}

static void threads(void **state)
{
    (void)state;
    char path[] = "/tmp/rk-test-seg-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    rk_segw *w;
    rk_err err = {0};
    assert_int_equal(rk_segw_create(path, &w, &err), RK_OK);
    pthread_t t[2];
    targ a[2] = {{w, 0}, {w, 1}};
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, writer_thread, &a[i]);
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(t[i], &r);
        assert_null(r);
    }
    assert_int_equal(rk_segw_finish(w, "", &err), RK_OK);
    rk_seg *s;
    assert_int_equal(rk_seg_open(path, &s, &err), RK_OK);
    assert_int_equal(rk_seg_rows(s), 60000);
    int ck = rk_seg_find(s, "key"), cv = rk_seg_find(s, "val"), o0 = rk_seg_find(s, "only0"), o1 = rk_seg_find(s, "only1");
    uint8_t *seen = calloc(60000, 1);
    size_t late = 0;
    for (uint32_t b = 0; b < rk_seg_nblocks(s); b++) {
        rk_strview kv;
        rk_decview vv, ov0, ov1;
        assert_int_equal(rk_seg_str(s, ck, b, &kv, &err), RK_OK);
        assert_int_equal(rk_seg_dec(s, cv, b, &vv, &err), RK_OK);
        assert_int_equal(rk_seg_dec(s, o0, b, &ov0, &err), RK_OK);
        assert_int_equal(rk_seg_dec(s, o1, b, &ov1, &err), RK_OK);
        for (uint32_t r = 0; r < kv.n; r++) {
            size_t len;
            const char *p = rk_strview_str(&kv, rk_strview_id(&kv, r), &len);
            int id, i;
            char buf[32];
            memcpy(buf, p, len);
            buf[len] = 0;
            assert_int_equal(sscanf(buf, "t%d-%d", &id, &i), 2);
            assert_false(seen[id * 30000 + i]);
            seen[id * 30000 + i] = 1;
            /* the row's cells stayed together across threads */
            assert_true(rk_decview_get18(&vv, r) == rk_dec_to18((rk_dec){i, 2}));
            bool has0 = !rk_decview_null(&ov0, r), has1 = !rk_decview_null(&ov1, r);
            assert_int_equal(has0, id == 0 && i >= 20000);
            assert_int_equal(has1, id == 1 && i >= 20000);
            late += has0 || has1;
        }
    }
    assert_int_equal(late, 20000);
    for (int i = 0; i < 60000; i++) assert_true(seen[i]);
    free(seen);
    rk_seg_close(s);
    unlink(path);
}

/* Two tables in one file: the rows and the rollup share the column registry
 * but not blocks; only the rows count as the segment's rows. */
static void tables(void **state)
{
    (void)state;
    char path[] = "/tmp/rk-test-segt-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    rk_segw *w;
    rk_segb *rows, *roll;
    rk_err err = {0};
    assert_int_equal(rk_segw_create(path, &w, &err), RK_OK);
    assert_int_equal(rk_segb_open(w, &rows, &err), RK_OK);
    assert_int_equal(rk_segb_open_table(w, RK_SEG_ROLLUP, &roll, &err), RK_OK);
    int ck = rk_segw_column(w, "k", RK_COL_STR, &err);
    int cv = rk_segw_column(w, "v", RK_COL_DEC, &err);
    for (int i = 0; i < 20000; i++) {
        rk_segb_set_str(rows, ck, "row", 3);
        rk_segb_set_dec(rows, cv, (rk_dec){i, 0});
        assert_int_equal(rk_segb_end_row(rows, &err), RK_OK);
        if (i % 4 == 0) {
            rk_segb_set_str(roll, ck, "sum", 3);
            rk_segb_set_dec(roll, cv, (rk_dec){1, 0});
            assert_int_equal(rk_segb_end_row(roll, &err), RK_OK);
        }
    }
    assert_int_equal(rk_segb_close(roll, &err), RK_OK);
    assert_int_equal(rk_segb_close(rows, &err), RK_OK);
    assert_int_equal(rk_segw_finish(w, "{}", &err), RK_OK);
    rk_seg *s;
    assert_int_equal(rk_seg_open(path, &s, &err), RK_OK);
    assert_int_equal(rk_seg_rows(s), 20000);
    uint64_t n[2] = {0, 0};
    for (uint32_t b = 0; b < rk_seg_nblocks(s); b++) {
        rk_seg_table t = rk_seg_block_table(s, b);
        assert_true(t == RK_SEG_ROWS || t == RK_SEG_ROLLUP);
        n[t] += rk_seg_block_rows(s, b);
        rk_strview sv;
        assert_int_equal(rk_seg_str(s, rk_seg_find(s, "k"), b, &sv, &err), RK_OK);
        size_t len;
        const char *p = rk_strview_str(&sv, rk_strview_id(&sv, 0), &len);
        assert_int_equal(len, 3);
        assert_memory_equal(p, t == RK_SEG_ROWS ? "row" : "sum", 3);
    }
    assert_int_equal(n[RK_SEG_ROWS], 20000);
    assert_int_equal(n[RK_SEG_ROLLUP], 5000);
    rk_seg_close(s);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(roundtrip), cmocka_unit_test(damage), cmocka_unit_test(threads),
                                       cmocka_unit_test(tables)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
