#include "cur/schema.h"

#include <string.h>

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }
static bool has_suffix(const char *s, const char *x)
{
    size_t n = strlen(s), m = strlen(x);
    return n >= m && memcmp(s + n - m, x, m) == 0;
}

/* Exact-decimal columns (cur-format.md §e). Rates are text on purpose. */
static const char *const dec_cols[] = {
    "line_item_usage_amount",
    "line_item_normalization_factor",
    "line_item_normalized_usage_amount",
    "line_item_unblended_cost",
    "line_item_blended_cost",
    "line_item_net_unblended_cost",
    "pricing_public_on_demand_cost",
    "reservation_amortized_upfront_cost_for_usage",
    "reservation_amortized_upfront_fee_for_billing_period",
    "reservation_effective_cost",
    "reservation_net_amortized_upfront_cost_for_usage",
    "reservation_net_amortized_upfront_fee_for_billing_period",
    "reservation_net_effective_cost",
    "reservation_net_recurring_fee_for_usage",
    "reservation_net_unused_amortized_upfront_fee_for_billing_period",
    "reservation_net_unused_recurring_fee",
    "reservation_net_upfront_value",
    "reservation_normalized_units_per_reservation",
    "reservation_number_of_reservations",
    "reservation_recurring_fee_for_usage",
    "reservation_total_reserved_normalized_units",
    "reservation_total_reserved_units",
    "reservation_units_per_reservation",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_normalized_unit_quantity",
    "reservation_unused_quantity",
    "reservation_unused_recurring_fee",
    "reservation_upfront_value",
    "savings_plan_amortized_upfront_commitment_for_billing_period",
    "savings_plan_net_amortized_upfront_commitment_for_billing_period",
    "savings_plan_net_recurring_commitment_for_billing_period",
    "savings_plan_net_savings_plan_effective_cost",
    "savings_plan_recurring_commitment_for_billing_period",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
};

static const char *const time_cols[] = {
    "bill_billing_period_start_date",
    "bill_billing_period_end_date",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
};

rk_coltype rk_cur_coltype(const char *norm)
{
    if (has_suffix(norm, "_rate")) return RK_COL_STR;
    for (size_t i = 0; i < sizeof dec_cols / sizeof *dec_cols; i++)
        if (strcmp(norm, dec_cols[i]) == 0) return RK_COL_DEC;
    for (size_t i = 0; i < sizeof time_cols / sizeof *time_cols; i++)
        if (strcmp(norm, time_cols[i]) == 0) return RK_COL_TIME;
    /* Discount amounts (legacy dynamic columns and CUR 2.0 map keys). */
    if (has_prefix(norm, "discount_") && has_suffix(norm, "_discount")) return RK_COL_DEC;
    /* Split cost allocation amounts. */
    if (has_prefix(norm, "split_line_item_") &&
        (has_suffix(norm, "_cost") || has_suffix(norm, "_usage") || has_suffix(norm, "_ratio") ||
         has_suffix(norm, "_vcpu") || has_suffix(norm, "_memory")))
        return RK_COL_DEC;
    return RK_COL_STR;
}

static const char *const key_names[RK_K_COUNT] = {
    [RK_K_LINE_ITEM_TYPE] = "line_item_line_item_type",
    [RK_K_UNBLENDED] = "line_item_unblended_cost",
    [RK_K_BLENDED] = "line_item_blended_cost",
    [RK_K_NET_UNBLENDED] = "line_item_net_unblended_cost",
    [RK_K_PUBLIC_OD] = "pricing_public_on_demand_cost",
    [RK_K_RI_EFFECTIVE] = "reservation_effective_cost",
    [RK_K_RI_NET_EFFECTIVE] = "reservation_net_effective_cost",
    [RK_K_RI_UNUSED_AMORT] = "reservation_unused_amortized_upfront_fee_for_billing_period",
    [RK_K_RI_UNUSED_RECUR] = "reservation_unused_recurring_fee",
    [RK_K_RI_NET_UNUSED_AMORT] = "reservation_net_unused_amortized_upfront_fee_for_billing_period",
    [RK_K_RI_NET_UNUSED_RECUR] = "reservation_net_unused_recurring_fee",
    [RK_K_RI_AMORT_UPFRONT_PERIOD] = "reservation_amortized_upfront_fee_for_billing_period",
    [RK_K_RI_ARN] = "reservation_reservation_a_r_n",
    [RK_K_SP_EFFECTIVE] = "savings_plan_savings_plan_effective_cost",
    [RK_K_SP_NET_EFFECTIVE] = "savings_plan_net_savings_plan_effective_cost",
    [RK_K_SP_TOTAL_COMMIT] = "savings_plan_total_commitment_to_date",
    [RK_K_SP_USED_COMMIT] = "savings_plan_used_commitment",
    [RK_K_SP_AMORT_UPFRONT] = "savings_plan_amortized_upfront_commitment_for_billing_period",
    [RK_K_SP_NET_AMORT_UPFRONT] = "savings_plan_net_amortized_upfront_commitment_for_billing_period",
    [RK_K_SP_ARN] = "savings_plan_savings_plan_a_r_n",
    [RK_K_USAGE_TYPE] = "line_item_usage_type",
    [RK_K_PRODUCT_CODE] = "line_item_product_code",
    [RK_K_SERVICECODE] = "product_servicecode",
    [RK_K_PRODUCT_NAME] = "product_product_name",
    [RK_K_BILLING_ENTITY] = "bill_billing_entity",
    [RK_K_REGION] = "product_region",
    [RK_K_REGION_CODE] = "product_region_code",
    [RK_K_AZ] = "line_item_availability_zone",
    [RK_K_TIME_INTERVAL] = "identity_time_interval",
    [RK_K_USAGE_START] = "line_item_usage_start_date",
    [RK_K_PERIOD_START] = "bill_billing_period_start_date",
    [RK_K_PAYER] = "bill_payer_account_id",
    [RK_K_CURRENCY] = "line_item_currency_code",
    [RK_K_RESOURCE_ID] = "line_item_resource_id",
    [RK_K_USAGE_ACCOUNT] = "line_item_usage_account_id",
    [RK_K_USAGE_AMOUNT] = "line_item_usage_amount",
    [RK_K_NORM_USAGE] = "line_item_normalized_usage_amount",
    [RK_K_NORM_FACTOR] = "line_item_normalization_factor",
    [RK_K_INSTANCE_TYPE] = "product_instance_type",
    [RK_K_OS] = "product_operating_system",
    [RK_K_DB_ENGINE] = "product_database_engine",
    [RK_K_CACHE_ENGINE] = "product_cache_engine",
    [RK_K_PERIOD_END] = "bill_billing_period_end_date",
    [RK_K_RI_START] = "reservation_start_time",
    [RK_K_RI_END] = "reservation_end_time",
    [RK_K_RI_COUNT] = "reservation_number_of_reservations",
    [RK_K_RI_UNITS_PER] = "reservation_units_per_reservation",
    [RK_K_RI_NU_PER] = "reservation_normalized_units_per_reservation",
    [RK_K_RI_TOTAL_UNITS] = "reservation_total_reserved_units",
    [RK_K_RI_UNUSED_QTY] = "reservation_unused_quantity",
    [RK_K_RI_TOTAL_NU] = "reservation_total_reserved_normalized_units",
    [RK_K_RI_UNUSED_NU] = "reservation_unused_normalized_unit_quantity",
    [RK_K_RI_UPFRONT_VALUE] = "reservation_upfront_value",
    [RK_K_OFFERING_CLASS] = "pricing_offering_class",
    [RK_K_PRICING_PURCHASE_OPTION] = "pricing_purchase_option",
    [RK_K_LEASE] = "pricing_lease_contract_length",
    [RK_K_SP_OFFERING] = "savings_plan_offering_type",
    [RK_K_SP_PAYMENT] = "savings_plan_payment_option",
    [RK_K_SP_TERM] = "savings_plan_purchase_term",
    [RK_K_SP_REGION] = "savings_plan_region",
    [RK_K_SP_FAMILY] = "savings_plan_instance_type_family",
    [RK_K_SP_START] = "savings_plan_start_time",
    [RK_K_SP_END] = "savings_plan_end_time",
    [RK_K_SP_RECURRING] = "savings_plan_recurring_commitment_for_billing_period",
};

rk_key rk_cur_key(const char *norm)
{
    for (int k = 0; k < RK_K_COUNT; k++)
        if (strcmp(norm, key_names[k]) == 0) return (rk_key)k;
    return RK_K_NONE;
}

const char *rk_cur_key_name(rk_key k) { return (k >= 0 && k < RK_K_COUNT) ? key_names[k] : "?"; }

rk_mapcol rk_cur_mapcol(const char *norm)
{
    if (strcmp(norm, "resource_tags") == 0) return RK_MAP_RESOURCE_TAGS;
    if (strcmp(norm, "product") == 0) return RK_MAP_PRODUCT;
    if (strcmp(norm, "cost_category") == 0) return RK_MAP_COST_CATEGORY;
    if (strcmp(norm, "discount") == 0) return RK_MAP_DISCOUNT;
    return RK_MAP_NONE;
}

const char *rk_cur_map_prefix(rk_mapcol m)
{
    switch (m) {
    case RK_MAP_RESOURCE_TAGS: return "resource_tags";
    case RK_MAP_PRODUCT: return "product";
    case RK_MAP_COST_CATEGORY: return "cost_category";
    case RK_MAP_DISCOUNT: return "discount";
    default: return "";
    }
}
