/* measures.h — the per-row cost rules of cur-format.md §f–g.
 *
 * Computed once at ingest and stored with the row, so every report reads the
 * same figures. The definitions, with the reason for each choice, are in
 * docs/cost-rules.md; each rule has a golden test that names it.
 */
#ifndef RK_MEASURES_H
#define RK_MEASURES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/dec.h"
#include "cur/schema.h"

typedef enum rk_lit {
    RK_LIT_UNKNOWN = 0,
    RK_LIT_USAGE,
    RK_LIT_DISCOUNTED_USAGE,
    RK_LIT_FEE,
    RK_LIT_RIFEE,
    RK_LIT_TAX,
    RK_LIT_CREDIT,
    RK_LIT_REFUND,
    RK_LIT_SP_UPFRONT_FEE,
    RK_LIT_SP_RECURRING_FEE,
    RK_LIT_SP_COVERED_USAGE,
    RK_LIT_SP_NEGATION,
    RK_LIT_BUNDLED_DISCOUNT,
    RK_LIT_EDP_DISCOUNT,
    RK_LIT_PRIVATE_RATE_DISCOUNT,
    RK_LIT_SPP_DISCOUNT,
    RK_LIT_RI_VOLUME_DISCOUNT,
    RK_LIT_DISCOUNT,
    RK_LIT_FLAT_RATE_SUBSCRIPTION,
    RK_LIT_COUNT
} rk_lit;

rk_lit rk_lit_parse(const char *s, size_t n);
const char *rk_lit_name(rk_lit t);
bool rk_lit_is_discount(rk_lit t);

/* The typed key values of one row. A value absent from the row (empty cell,
 * or column not in the file) is zero with has[k] false. */
typedef struct rk_cur_row {
    rk_dec v[RK_K_COUNT];
    const char *s[RK_K_COUNT];
    size_t n[RK_K_COUNT];
    bool has[RK_K_COUNT];
    bool part_has_net; /* the file carries line_item_net_unblended_cost */
} rk_cur_row;

typedef enum rk_charge {
    RK_CHARGE_USAGE = 0,
    RK_CHARGE_RECURRING_FEE,
    RK_CHARGE_UPFRONT_FEE,
    RK_CHARGE_FEE,
    RK_CHARGE_TAX,
    RK_CHARGE_CREDIT,
    RK_CHARGE_REFUND,
    RK_CHARGE_DISCOUNT,
    RK_CHARGE_OTHER,
    RK_CHARGE_COUNT
} rk_charge;

typedef enum rk_purchase {
    RK_PO_ONDEMAND = 0,
    RK_PO_SPOT,
    RK_PO_RESERVED,
    RK_PO_SAVINGSPLAN,
    RK_PO_COUNT
} rk_purchase;

const char *rk_charge_name(rk_charge c);
const char *rk_purchase_name(rk_purchase p);

typedef struct rk_measures {
    rk_lit lit;
    rk_dec unblended, blended, net_unblended, amortized, net_amortized, ondemand, trueup, upfront;
    rk_charge charge;
    rk_purchase purchase;
    const char *service; /* points into the row or a constant */
    size_t service_len;
    const char *region;
    size_t region_len;
} rk_measures;

/* false only when an intermediate value overflows |v| < 10^20. */
bool rk_cur_measures(const rk_cur_row *r, rk_measures *m);

#endif
