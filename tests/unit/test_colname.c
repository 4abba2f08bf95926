/* AWS's Athena column-name rule (cur-format.md §d.2) and tag spellings. */
#include "harness.h"

#include "cur/colname.h"
#include "cur/schema.h"

static void athena_rule(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"lineItem/UsageStartDate", "line_item_usage_start_date"},
        {"lineItem/LineItemType", "line_item_line_item_type"},
        {"reservation/ReservationARN", "reservation_reservation_a_r_n"},
        {"savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n"},
        {"savingsPlan/SavingsPlanArn", "savings_plan_savings_plan_arn"},
        {"resourceTags/user:Name", "resource_tags_user_name"},
        {"resourceTags/aws:createdBy", "resource_tags_aws_created_by"},
        {"pricing/publicOnDemandCost", "pricing_public_on_demand_cost"},
        {"product/ProductName", "product_product_name"},
        {"product/usagetype", "product_usagetype"},
        {"costCategory/Charge type", "cost_category_charge_type"},
        {"identity/TimeInterval", "identity_time_interval"},
        {"line_item_usage_start_date", "line_item_usage_start_date"},
        {"resourceTags/user:Cost Center", "resource_tags_user_cost_center"},
        {"__weird--name__", "weird_name"},
        {"product/vcpu", "product_vcpu"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[600];
        rk_colname_normalize(cases[i][0], strlen(cases[i][0]), out, sizeof out);
        if (strcmp(out, cases[i][1]) != 0) fail_msg("%s -> %s, want %s", cases[i][0], out, cases[i][1]);
    }
}

static void long_names(void **state)
{
    (void)state;
    char in[400], out[900];
    for (int i = 0; i < 399; i++) in[i] = (i % 4 == 3) ? '_' : 'a';
    in[399] = 0;
    size_t n = rk_colname_normalize(in, strlen(in), out, sizeof out);
    assert_int_equal(n, RK_COLNAME_MAX);
    assert_int_equal(out[n - 1], 'a'); /* underscores were dropped from the left */
}

static void tags(void **state)
{
    (void)state;
    char out[600];
    rk_colname_tag("user:Team", out, sizeof out);
    assert_string_equal(out, "resource_tags_user_team");
    rk_colname_tag("user_team", out, sizeof out);
    assert_string_equal(out, "resource_tags_user_team");
    rk_colname_tag("Team", out, sizeof out);
    assert_string_equal(out, "resource_tags_user_team");
    rk_colname_tag("aws:createdBy", out, sizeof out);
    assert_string_equal(out, "resource_tags_aws_created_by");
    rk_colname_tag("Cost Center", out, sizeof out);
    assert_string_equal(out, "resource_tags_user_cost_center");
}

static void types(void **state)
{
    (void)state;
    assert_int_equal(rk_cur_coltype("line_item_unblended_cost"), RK_COL_DEC);
    assert_int_equal(rk_cur_coltype("line_item_unblended_rate"), RK_COL_STR); /* rates stay text */
    assert_int_equal(rk_cur_coltype("line_item_usage_start_date"), RK_COL_TIME);
    assert_int_equal(rk_cur_coltype("reservation_start_time"), RK_COL_STR);
    assert_int_equal(rk_cur_coltype("discount_bundled_discount"), RK_COL_DEC);
    assert_int_equal(rk_cur_coltype("discount_edp_discount_rate_id"), RK_COL_STR);
    assert_int_equal(rk_cur_coltype("product_instance_type"), RK_COL_STR);
    assert_int_equal(rk_cur_key("savings_plan_savings_plan_a_r_n"), RK_K_SP_ARN);
    assert_int_equal(rk_cur_key("resource_tags_user_team"), RK_K_NONE);
    assert_int_equal(rk_cur_mapcol("resource_tags"), RK_MAP_RESOURCE_TAGS);
    assert_int_equal(rk_cur_mapcol("resource_tags_user_team"), RK_MAP_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(athena_rule), cmocka_unit_test(long_names),
                                       cmocka_unit_test(tags), cmocka_unit_test(types)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
