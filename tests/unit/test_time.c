/* Timestamp forms of cur-format.md §e and §j. */
#include "harness.h"

#include "common/timeparse.h"

static int64_t T(const char *s)
{
    int64_t ms = -1;
    assert_int_equal(rk_time_parse(s, strlen(s), &ms), RK_OK);
    return ms;
}

static void forms(void **state)
{
    (void)state;
    const int64_t base = 1698796800000LL; /* 2023-11-01T00:00:00Z */
    assert_int_equal(T("2023-11-01T00:00:00Z"), base);
    assert_int_equal(T("2023-11-01T00:00:00.000Z"), base);
    assert_int_equal(T("2023-11-01T00:00Z"), base);
    assert_int_equal(T("2023-11-01 00:00:00"), base);
    assert_int_equal(T("2023-11-01"), base);
    assert_int_equal(T("20231101T000000.000Z"), base);
    assert_int_equal(T("20231101"), base);
    assert_int_equal(T("2023-11-01T02:00:00+02:00"), base);
    assert_int_equal(T("2023-11-01T00:00:00.250Z"), base + 250);
    assert_int_equal(T("2023-11-30T23:59:59Z"), base + 30LL * 86400000 - 1000);
    assert_int_equal(T("1970-01-01T00:00:00Z"), 0);
}

static void bad(void **state)
{
    (void)state;
    int64_t ms;
    static const char *const v[] = {"2023-13-01", "2023-02-30", "2023-11-01T25:00:00Z", "yesterday",
                                    "2023-11-01X00:00:00", "2023/11/01", "2023-11-01T00:00:00Q",
                                    "1969-12-31T00:00:00Z"};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        assert_int_equal(rk_time_parse(v[i], strlen(v[i]), &ms), RK_EBADDATA);
    assert_int_equal(rk_time_parse("", 0, &ms), RK_ENOTFOUND);
}

static void intervals(void **state)
{
    (void)state;
    int64_t a, b;
    const char *s = "2018-11-01T00:00:00Z/2018-11-30T23:59:59Z";
    assert_int_equal(rk_interval_parse(s, strlen(s), &a, &b), RK_OK);
    assert_int_equal(b - a, 30LL * 86400000 - 1000);
    assert_int_equal(rk_interval_parse("2018-11-01T00:00:00Z", 20, &a, &b), RK_EBADDATA);
    assert_int_equal(rk_interval_parse("", 0, &a, &b), RK_ENOTFOUND);
}

static void calendar(void **state)
{
    (void)state;
    char out[32];
    int64_t t = T("2024-02-29T13:45:00Z");
    rk_time_fmt(t, out);
    assert_string_equal(out, "2024-02-29T13:45:00Z");
    rk_time_fmt(rk_time_floor_day(t), out);
    assert_string_equal(out, "2024-02-29T00:00:00Z");
    rk_time_fmt(rk_time_floor_month(t), out);
    assert_string_equal(out, "2024-02-01T00:00:00Z");
    rk_time_fmt_date(rk_time_add_months(T("2024-01-31"), 1), out);
    assert_string_equal(out, "2024-02-29");
    rk_time_fmt_month(rk_time_add_months(T("2024-12-15"), 1), out);
    assert_string_equal(out, "2025-01");
    rk_time_fmt_month(rk_time_add_months(T("2024-01-15"), -1), out);
    assert_string_equal(out, "2023-12");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(forms), cmocka_unit_test(bad),
                                       cmocka_unit_test(intervals), cmocka_unit_test(calendar)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
