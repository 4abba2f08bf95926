/* schema.h — what reckon knows about CUR columns: their value type and the
 * "key" columns the cost rules read.
 *
 * CSV is untyped, so the type of a column comes from its normalized name:
 * the money and quantity columns of cur-format.md §e are exact decimals, the
 * four billing/usage dates are timestamps, and everything else (including
 * rates, which AWS types as text, and reservation/SP start and end times) is
 * text, kept verbatim. A decimal or timestamp cell that does not parse is an
 * ingest error naming its line and column.
 */
#ifndef RK_SCHEMA_H
#define RK_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

typedef enum rk_coltype { RK_COL_STR = 0, RK_COL_DEC = 1, RK_COL_TIME = 2 } rk_coltype;

rk_coltype rk_cur_coltype(const char *norm);

/* Columns the cost rules and derived dimensions read. */
typedef enum rk_key {
    RK_K_NONE = -1,
    RK_K_LINE_ITEM_TYPE = 0,
    RK_K_UNBLENDED,
    RK_K_BLENDED,
    RK_K_NET_UNBLENDED,
    RK_K_PUBLIC_OD,
    RK_K_RI_EFFECTIVE,
    RK_K_RI_NET_EFFECTIVE,
    RK_K_RI_UNUSED_AMORT,
    RK_K_RI_UNUSED_RECUR,
    RK_K_RI_NET_UNUSED_AMORT,
    RK_K_RI_NET_UNUSED_RECUR,
    RK_K_RI_AMORT_UPFRONT_PERIOD,
    RK_K_RI_ARN,
    RK_K_SP_EFFECTIVE,
    RK_K_SP_NET_EFFECTIVE,
    RK_K_SP_TOTAL_COMMIT,
    RK_K_SP_USED_COMMIT,
    RK_K_SP_AMORT_UPFRONT,
    RK_K_SP_NET_AMORT_UPFRONT,
    RK_K_SP_ARN,
    RK_K_USAGE_TYPE,
    RK_K_PRODUCT_CODE,
    RK_K_SERVICECODE,
    RK_K_PRODUCT_NAME,
    RK_K_BILLING_ENTITY,
    RK_K_REGION,
    RK_K_REGION_CODE,
    RK_K_AZ,
    RK_K_TIME_INTERVAL,
    RK_K_USAGE_START,
    RK_K_PERIOD_START,
    RK_K_PAYER,
    RK_K_CURRENCY,
    RK_K_RESOURCE_ID,
    /* commitment analytics (cur/commit.h) */
    RK_K_USAGE_ACCOUNT,
    RK_K_USAGE_AMOUNT,
    RK_K_NORM_USAGE,
    RK_K_NORM_FACTOR,
    RK_K_INSTANCE_TYPE,
    RK_K_OS,
    RK_K_DB_ENGINE,
    RK_K_CACHE_ENGINE,
    RK_K_PERIOD_END,
    RK_K_RI_START,
    RK_K_RI_END,
    RK_K_RI_COUNT,
    RK_K_RI_UNITS_PER,
    RK_K_RI_NU_PER,
    RK_K_RI_TOTAL_UNITS,
    RK_K_RI_UNUSED_QTY,
    RK_K_RI_TOTAL_NU,
    RK_K_RI_UNUSED_NU,
    RK_K_RI_UPFRONT_VALUE,
    RK_K_OFFERING_CLASS,
    RK_K_PRICING_PURCHASE_OPTION,
    RK_K_LEASE,
    RK_K_SP_OFFERING,
    RK_K_SP_PAYMENT,
    RK_K_SP_TERM,
    RK_K_SP_REGION,
    RK_K_SP_FAMILY,
    RK_K_SP_START,
    RK_K_SP_END,
    RK_K_SP_RECURRING,
    RK_K_COUNT
} rk_key;

/* The key column of a normalized name, or RK_K_NONE. */
rk_key rk_cur_key(const char *norm);
const char *rk_cur_key_name(rk_key k);

/* CUR 2.0 map columns, carried as JSON text in CSV. */
typedef enum rk_mapcol {
    RK_MAP_NONE = 0,
    RK_MAP_RESOURCE_TAGS,
    RK_MAP_PRODUCT,
    RK_MAP_COST_CATEGORY,
    RK_MAP_DISCOUNT
} rk_mapcol;

rk_mapcol rk_cur_mapcol(const char *norm);
/* Column prefix a map's keys are stored under ("resource_tags", "product"…). */
const char *rk_cur_map_prefix(rk_mapcol m);

/* Derived columns reckon adds to every row (names cannot clash with CUR's). */
#define RK_D_TIME "rk_time"
#define RK_D_UNBLENDED "rk_unblended"
#define RK_D_BLENDED "rk_blended"
#define RK_D_NET_UNBLENDED "rk_net_unblended"
#define RK_D_AMORTIZED "rk_amortized"
#define RK_D_NET_AMORTIZED "rk_net_amortized"
#define RK_D_ONDEMAND "rk_ondemand"
#define RK_D_TRUEUP "rk_trueup"
#define RK_D_UPFRONT "rk_upfront"
#define RK_D_SERVICE "rk_service"
#define RK_D_REGION "rk_region"
#define RK_D_CHARGE_TYPE "rk_charge_type"
#define RK_D_PURCHASE_OPTION "rk_purchase_option"

#endif
