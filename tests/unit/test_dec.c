/* Decimal parsing and arithmetic: the exactness every money figure rests on. */
#include "harness.h"

#include <math.h>

#include "common/dec.h"

static const char *fmt(rk_dec d)
{
    static char out[64];
    rk_dec_fmt(d, out);
    return out;
}

static rk_dec P(const char *s)
{
    rk_dec d;
    bool r;
    assert_int_equal(rk_dec_parse(s, strlen(s), &d, &r), RK_OK);
    return d;
}

static void parse_plain(void **state)
{
    (void)state;
    assert_string_equal(fmt(P("0")), "0");
    assert_string_equal(fmt(P("0.0216")), "0.0216");
    assert_string_equal(fmt(P("-19.5191")), "-19.5191");
    assert_string_equal(fmt(P("1.0000000000")), "1");
    assert_string_equal(fmt(P("+12.50")), "12.5");
    assert_string_equal(fmt(P(".5")), "0.5");
    assert_string_equal(fmt(P("5.")), "5");
    assert_string_equal(fmt(P("  7 ")), "7");
    assert_string_equal(fmt(P("-0.000")), "0");
    /* koku's file has 17 decimals: must survive unchanged */
    assert_string_equal(fmt(P("0.00165303109242778")), "0.00165303109242778");
    assert_string_equal(fmt(P("0.01001837025713806")), "0.01001837025713806");
    /* more than 18 digits in total, still exact */
    assert_string_equal(fmt(P("12345678901234.123456789")), "12345678901234.123456789");
    assert_string_equal(fmt(P("99999999999999999999.999999999999999999")),
                        "99999999999999999999.999999999999999999");
}

static void parse_exponent(void **state)
{
    (void)state;
    assert_string_equal(fmt(P("1.4724E-6")), "0.0000014724");
    assert_string_equal(fmt(P("1.5e3")), "1500");
    assert_string_equal(fmt(P("-2E+2")), "-200");
    assert_string_equal(fmt(P("123e-2")), "1.23");
    assert_string_equal(fmt(P("0e10")), "0");
    assert_string_equal(fmt(P("1e-18")), "0.000000000000000001");
}

static void parse_rounding(void **state)
{
    (void)state;
    rk_dec d;
    bool r = false;
    assert_int_equal(rk_dec_parse("0.0000000000000000015", 21, &d, &r), RK_OK);
    assert_true(r);
    assert_string_equal(fmt(d), "0.000000000000000002"); /* half away from zero: 1|5 -> 2 */
    assert_int_equal(rk_dec_parse("0.0000000000000000025", 21, &d, &r), RK_OK);
    assert_string_equal(fmt(d), "0.000000000000000003"); /* 2|5 -> 3 */
    assert_int_equal(rk_dec_parse("-0.0000000000000000025", 22, &d, &r), RK_OK);
    assert_string_equal(fmt(d), "-0.000000000000000003");
    assert_int_equal(rk_dec_parse("0.0000000000000000024999", 24, &d, &r), RK_OK);
    assert_string_equal(fmt(d), "0.000000000000000002");
    assert_int_equal(rk_dec_parse("0.00000000000000000251", 22, &d, &r), RK_OK);
    assert_string_equal(fmt(d), "0.000000000000000003"); /* sticky bit */
    assert_int_equal(rk_dec_parse("1.5e-19", 7, &d, &r), RK_OK);
    assert_true(r);
    assert_string_equal(fmt(d), "0");
    r = false;
    assert_int_equal(rk_dec_parse("0.12", 4, &d, &r), RK_OK);
    assert_false(r);
}

static void parse_errors(void **state)
{
    (void)state;
    rk_dec d;
    static const char *const bad[] = {"abc", "1.2.3", "1e", "--1", "1,5", "$1", "0x10", "NaN",
                                      "Infinity", ".", "-", "1 2", "e5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(rk_dec_parse(bad[i], strlen(bad[i]), &d, NULL), RK_EBADDATA);
    assert_int_equal(rk_dec_parse("", 0, &d, NULL), RK_ENOTFOUND);
    assert_int_equal(rk_dec_parse("   ", 3, &d, NULL), RK_ENOTFOUND);
    assert_int_equal(rk_dec_parse("100000000000000000000", 21, &d, NULL), RK_ELIMIT);
    assert_int_equal(rk_dec_parse("1e20", 4, &d, NULL), RK_ELIMIT);
    assert_int_equal(rk_dec_parse("1e99999", 7, &d, NULL), RK_ELIMIT);
    assert_int_equal(rk_dec_parse("99999999999999999999", 20, &d, NULL), RK_OK);
}

static void arithmetic(void **state)
{
    (void)state;
    rk_dec r;
    assert_true(rk_dec_add(P("0.1"), P("0.2"), &r));
    assert_string_equal(fmt(r), "0.3");
    assert_true(rk_dec_sub(P("12.696"), P("12.696"), &r));
    assert_string_equal(fmt(r), "0");
    assert_true(rk_dec_add(P("0.00165303109242778"), P("1000"), &r));
    assert_string_equal(fmt(r), "1000.00165303109242778");
    assert_false(rk_dec_add(P("99999999999999999999"), P("1"), &r));
    /* 10 * 2 / 3 = 6.666666666666666667 (rounded at 18 places) */
    assert_true(rk_dec_muldiv(P("10"), P("2"), P("3"), &r));
    assert_string_equal(fmt(r), "6.666666666666666667");
    assert_true(rk_dec_muldiv(P("-4.5"), P("0.9"), P("1"), &r));
    assert_string_equal(fmt(r), "-4.05");
    assert_false(rk_dec_muldiv(P("1"), P("1"), P("0"), &r));
    assert_int_equal(rk_dec_cmp(P("1.10"), P("1.1")), 0);
    assert_int_equal(rk_dec_cmp(P("-1"), P("0.5")), -1);
}

static void sums_do_not_drift(void **state)
{
    (void)state;
    /* A million additions of 0.1 are exactly 100000: the float trap. */
    rk_i128 acc = 0;
    rk_dec tenth = P("0.1");
    for (int i = 0; i < 1000000; i++) acc += rk_dec_to18(tenth);
    char out[64];
    rk_i128_fmt(acc, 18, out);
    assert_string_equal(out, "100000");
}

static void formatting(void **state)
{
    (void)state;
    char out[64];
    rk_i128 v = rk_dec_to18(P("1234567.125"));
    rk_i128_fmt_grouped(v, 2, out);
    assert_string_equal(out, "1,234,567.13");
    rk_i128_fmt_grouped(-v, 2, out);
    assert_string_equal(out, "-1,234,567.13");
    rk_i128_fmt_grouped(rk_dec_to18(P("-0.004")), 2, out);
    assert_string_equal(out, "0.00");
    rk_i128_fmt_grouped(rk_dec_to18(P("999.995")), 2, out);
    assert_string_equal(out, "1,000.00");
    rk_i128_fmt_grouped(rk_dec_to18(P("12")), 0, out);
    assert_string_equal(out, "12");
    rk_i128_fmt(0, 18, out);
    assert_string_equal(out, "0");
    rk_i128_fmt(-5, 3, out);
    assert_string_equal(out, "-0.005");
}

static void from_double(void **state)
{
    (void)state;
    static const char *const cases[] = {"0.1", "0.0004437509", "19.5191", "-12.696", "1", "0", "123456.789",
                                        "0.00165303109242778", "1e-12", "99999.9999999999", "3.4028234663852886e+38",
                                        "2.2250738585072014e-308", "0.3", "4064.4831", "-0.0000000001"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double x = strtod(cases[i], NULL);
        rk_dec d;
        bool ok = rk_dec_from_double(x, &d);
        /* outside reckon's range (|v| < 10^20, 18 decimals) a double cannot be exact */
        if (fabs(x) >= 1e20 || fabs(x) < 1e-18) continue;
        assert_true(ok);
        char out[64];
        rk_dec_fmt(d, out);
        /* the decimal reads back as the same double, and is the shortest */
        assert_true(strtod(out, NULL) == x);
        char want[64];
        for (int p = 1; p <= 17; p++) {
            snprintf(want, sizeof want, "%.*g", p, x);
            if (strtod(want, NULL) == x) break;
        }
        rk_dec w;
        rk_dec_parse(want, strlen(want), &w, NULL);
        if (rk_dec_cmp(d, w) != 0) fail_msg("%s: got %s, shortest is %s", cases[i], out, want);
    }
    /* 0.1 + 0.2 as doubles is 0.30000000000000004 — not 0.3 */
    rk_dec d;
    assert_true(rk_dec_from_double(0.1 + 0.2, &d));
    char out[64];
    rk_dec_fmt(d, out);
    assert_string_equal(out, "0.30000000000000004");
    assert_false(rk_dec_from_double(NAN, &d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(from_double), 
        cmocka_unit_test(parse_plain),     cmocka_unit_test(parse_exponent),
        cmocka_unit_test(parse_rounding),  cmocka_unit_test(parse_errors),
        cmocka_unit_test(arithmetic),      cmocka_unit_test(sums_do_not_drift),
        cmocka_unit_test(formatting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
