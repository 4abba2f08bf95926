/* RFC 4180 reader: quoting, line ends, limits and errors, at every buffer cut. */
#include "harness.h"

#include "common/buf.h"
#include "format/csv.h"

/* Renders all rows as "line:f1|f2|...\n" for comparison. */
static rk_status dump(const char *data, size_t len, size_t step, const rk_csv_opts *o, rk_buf *out,
                      rk_err *err)
{
    rk_in *in = rk_in_mem_stepped(data, len, step);
    rk_csv *c;
    rk_status st = rk_csv_open(in, o, &c, err);
    assert_int_equal(st, RK_OK);
    const rk_csv_row *row;
    while ((st = rk_csv_next(c, &row, err)) == RK_OK) {
        rk_buf_printf(out, "%llu:", (unsigned long long)row->line);
        for (size_t i = 0; i < row->n; i++) {
            if (i) rk_buf_putc(out, '|');
            rk_buf_append(out, row->f[i].p, row->f[i].len);
        }
        rk_buf_putc(out, '\n');
    }
    rk_csv_close(c);
    rk_in_close(in);
    return st == RK_ENOTFOUND ? RK_OK : st;
}

/* Parses at several cut sizes and checks every one gives the same rows. */
static void expect(const char *data, const char *want)
{
    for (size_t step = 0; step <= 9; step++) {
        rk_buf out;
        rk_buf_init(&out, 1 << 20);
        rk_err err = {0};
        rk_status st = dump(data, strlen(data), step, NULL, &out, &err);
        if (st != RK_OK) fail_msg("step %zu: %s", step, err.msg);
        if (strcmp(out.p ? out.p : "", want) != 0)
            fail_msg("step %zu:\n got: %s\nwant: %s", step, out.p ? out.p : "", want);
        rk_buf_free(&out);
    }
}

static void expect_error(const char *data, size_t len, const rk_csv_opts *o, rk_status code,
                         const char *needle)
{
    for (size_t step = 0; step <= 5; step++) {
        rk_buf out;
        rk_buf_init(&out, 1 << 30);
        rk_err err = {0};
        rk_status st = dump(data, len, step, o, &out, &err);
        assert_int_equal(st, code);
        if (!strstr(err.msg, needle)) fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
        rk_buf_free(&out);
    }
}

static void basics(void **state)
{
    (void)state;
    expect("a,b,c\n1,2,3\n", "1:a|b|c\n2:1|2|3\n");
    expect("a,b\n1,2", "1:a|b\n2:1|2\n");                 /* no final newline */
    expect("a,b\r\n1,2\r\n", "1:a|b\n2:1|2\n");           /* CRLF */
    expect("a,,c\n,,\n", "1:a||c\n2:||\n");               /* empty fields */
    expect("a,b,\n", "1:a|b|\n");                         /* trailing comma */
    expect("a,b,", "1:a|b|\n");
    expect("\xEF\xBB\xBFh1,h2\nx,y\n", "1:h1|h2\n2:x|y\n"); /* BOM */
    expect("a\n\nb\n\r\nc\n", "1:a\n3:b\n5:c\n");          /* blank lines skipped */
    expect("", "");
}

static void quoting(void **state)
{
    (void)state;
    expect("\"USD 0.0 per Linux/UNIX (Amazon VPC), c5.large reserved instance applied\",x\n",
           "1:USD 0.0 per Linux/UNIX (Amazon VPC), c5.large reserved instance applied|x\n");
    expect("\"{\"\"user_team\"\":\"\"backend\"\"}\",1\n", "1:{\"user_team\":\"backend\"}|1\n");
    expect("\"\",\"\"\"\"\n", "1:|\"\n");
    expect("\"multi\nline\",b\nnext,row\n", "1:multi\nline|b\n3:next|row\n");
    expect("\"a\r\nb\",c\r\nd,e\r\n", "1:a\r\nb|c\n3:d|e\n");
    expect("x\"y,z\n", "1:x\"y|z\n"); /* stray quote in an unquoted field is data */
    expect("\"q\"", "1:q\n");
}

static void big_rows(void **state)
{
    (void)state;
    /* A row longer than the 1 MiB read chunk, cut everywhere. */
    size_t n = 3 << 20;
    char *data = malloc(n + 64);
    size_t k = 0;
    k += (size_t)sprintf(data, "h1,h2\n\"");
    for (size_t i = 0; i < n; i++) data[k++] = (i % 1000 == 999) ? '\n' : 'x';
    k += (size_t)sprintf(data + k, "\",end\nlast,row\n");
    rk_csv_opts o = {.max_field = 8 << 20};
    for (size_t step = 0; step < 3; step++) {
        rk_in *in = rk_in_mem_stepped(data, k, step ? 777777 * step : 0);
        rk_csv *c;
        rk_err err = {0};
        assert_int_equal(rk_csv_open(in, &o, &c, &err), RK_OK);
        const rk_csv_row *row;
        assert_int_equal(rk_csv_next(c, &row, &err), RK_OK);
        assert_int_equal(rk_csv_next(c, &row, &err), RK_OK);
        assert_int_equal(row->n, 2);
        assert_int_equal(row->f[0].len, n);
        assert_int_equal(row->line, 2);
        assert_int_equal(row->f[1].len, 3);
        assert_memory_equal(row->f[1].p, "end", 3);
        assert_int_equal(rk_csv_next(c, &row, &err), RK_OK);
        assert_int_equal(row->line, 2 + n / 1000 + 1);
        assert_int_equal(rk_csv_next(c, &row, &err), RK_ENOTFOUND);
        rk_csv_close(c);
        rk_in_close(in);
    }
    free(data);
}

static void errors(void **state)
{
    (void)state;
    const char *s1 = "a,b\n\"open,c\nd,e\n";
    expect_error(s1, strlen(s1), NULL, RK_EBADDATA, "line 2, column 1: quoted field is never closed");
    const char *s2 = "a,b\n1,\"x\"y\n";
    expect_error(s2, strlen(s2), NULL, RK_EBADDATA, "line 2, column 2: unexpected character");
    const char *s3 = "a,b\n1,caf\xC3\n";
    rk_csv_opts utf = {.validate_utf8 = true};
    expect_error(s3, strlen(s3), &utf, RK_EBADDATA, "line 2, column 2: text is not valid UTF-8");
    const char *s4 = "a,b\n1,\xED\xA0\x80\n"; /* UTF-16 surrogate */
    expect_error(s4, strlen(s4), &utf, RK_EBADDATA, "not valid UTF-8");
    /* A 50 MB field is refused early, naming line and column. */
    size_t n = 50u << 20;
    char *big = malloc(n + 16);
    memcpy(big, "a,b\n1,", 6);
    memset(big + 6, 'z', n);
    memcpy(big + 6 + n, "\n", 1);
    expect_error(big, n + 7, NULL, RK_ELIMIT, "line 2, column 2: field is longer than");
    big[6] = '"';
    expect_error(big, n + 7, NULL, RK_ELIMIT, "column 2: field is longer than");
    free(big);
}

static void utf8(void **state)
{
    (void)state;
    assert_true(rk_utf8_valid("plain ascii text that is long", 29));
    assert_true(rk_utf8_valid("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", 14));
    assert_false(rk_utf8_valid("\xC0\xAF", 2));     /* overlong */
    assert_false(rk_utf8_valid("\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(rk_utf8_valid("\xE2\x82", 2));     /* truncated */
    assert_false(rk_utf8_valid("\x80", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(basics), cmocka_unit_test(quoting),
                                       cmocka_unit_test(big_rows), cmocka_unit_test(errors),
                                       cmocka_unit_test(utf8)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
