/* Manifest JSON: legacy, CUR 2.0, real copies, and field-naming errors. */
#include "harness.h"

#include "common/timeparse.h"
#include "format/manifest.h"

static void legacy_real(void **state)
{
    (void)state;
    size_t n;
    char *p = th_read("fixtures/real-cur/keboola/cur1/mock-cur-bucket/20240101-20240131/"
                      "MockTestReport-Manifest.json",
                      &n);
    rk_manifest m;
    rk_err err = {0};
    assert_int_equal(rk_manifest_parse(p, n, &m, &err), RK_OK);
    assert_string_equal(m.delivery_id, "123e4567-e89b-12d3-a456-426614174000");
    assert_string_equal(m.report_name, "MockTestReport");
    assert_string_equal(m.compression, "ZIP");
    assert_int_equal(m.nkeys, 1);
    assert_string_equal(m.keys[0], "20240101-20240131/MockTestReport-00001.csv.zip");
    assert_int_equal(m.ncols, 30);
    assert_string_equal(m.cols[0].category, "identity");
    assert_string_equal(m.cols[0].name, "LineItemId");
    int64_t start;
    rk_time_parse("2024-01-01", 10, &start);
    assert_int_equal(m.period_start, start);
    assert_false(m.has_execution_id);
    rk_manifest_free(&m);
    free(p);
}

static void cur2_real(void **state)
{
    (void)state;
    size_t n;
    char *p = th_read("fixtures/real-cur/keboola/cur2/mock-cur-v2-bucket/metadata/"
                      "BILLING_PERIOD=2024-09/MockTestReportV2-Manifest.json",
                      &n);
    rk_manifest m;
    rk_err err = {0};
    assert_int_equal(rk_manifest_parse(p, n, &m, &err), RK_OK);
    assert_true(m.has_execution_id);
    assert_string_equal(m.delivery_id, "test-exec-id-12345");
    assert_int_equal(m.nkeys, 1);
    assert_string_equal(m.keys[0], "data/BILLING_PERIOD=2024-09/MockTestReportV2-00001.csv.gz");
    assert_null(m.cols[0].category);
    rk_manifest_free(&m);
    free(p);
}

static void tolerant(void **state)
{
    (void)state;
    const char *j = "{\"assemblyId\":\"a1\",\"bucket\":\"\",\"unknown\":[1,2],"
                    "\"billingPeriod\":{\"start\":\"20250301T000000.000Z\",\"end\":\"20250401T000000.000Z\"},"
                    "\"reportKeys\":[\"/p/r/20250301-20250401/a1/r-1.csv.gz\"],"
                    "\"dataFiles\":[{\"s3Uri\":\"s3://b/x.csv.gz\"}]}";
    rk_manifest m;
    rk_err err = {0};
    assert_int_equal(rk_manifest_parse(j, strlen(j), &m, &err), RK_OK);
    assert_string_equal(m.keys[0], "p/r/20250301-20250401/a1/r-1.csv.gz");
    assert_int_equal(m.nkeys, 1); /* reportKeys wins over dataFiles */
    assert_int_equal(m.period_end - m.period_start, 31LL * RK_MS_PER_DAY);
    rk_manifest_free(&m);

    const char *j2 = "{\"executionId\":\"e\",\"dataFiles\":[{\"key\":\"d/BILLING_PERIOD=2025-01/f.csv.gz\"},"
                     "\"s3://bkt/d/BILLING_PERIOD=2025-01/g.csv.gz\"],\"billingPeriod\":\"2025-01\"}";
    assert_int_equal(rk_manifest_parse(j2, strlen(j2), &m, &err), RK_OK);
    assert_int_equal(m.nkeys, 2);
    assert_string_equal(m.keys[1], "d/BILLING_PERIOD=2025-01/g.csv.gz");
    assert_int_equal(m.period_end - m.period_start, 31LL * RK_MS_PER_DAY);
    rk_manifest_free(&m);
}

static void errors(void **state)
{
    (void)state;
    static const struct {
        const char *json, *needle;
    } cases[] = {
        {"{\"reportKeys\": 5}", "\"reportKeys\" must be an array"},
        {"{\"reportKeys\": [\"a\", 7]}", "\"reportKeys\" item 2 must be a string"},
        {"{\"assemblyId\": 12}", "\"assemblyId\" must be a string"},
        {"{\"billingPeriod\": {\"start\": \"soon\"}}", "\"billingPeriod.start\" must be a timestamp"},
        {"{\"columns\": [{\"category\": \"x\"}]}", "\"columns\" item 1 has no name"},
        {"[1,2]", "must be a JSON object"},
        {"{\"reportKeys\": [\"a\"", "not valid JSON (line 1"},
        {"", "not valid JSON"},
        {"{\"dataFiles\":[{\"size\":3}]}", "item 1 is an object without a key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rk_manifest m;
        rk_err err = {0};
        assert_int_equal(rk_manifest_parse(cases[i].json, strlen(cases[i].json), &m, &err), RK_EBADDATA);
        if (!strstr(err.msg, cases[i].needle)) fail_msg("case %zu: \"%s\"", i, err.msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(legacy_real), cmocka_unit_test(cur2_real),
                                       cmocka_unit_test(tolerant), cmocka_unit_test(errors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
