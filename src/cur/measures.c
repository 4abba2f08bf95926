#include "cur/measures.h"

#include <string.h>

static const char *const lit_names[RK_LIT_COUNT] = {
    [RK_LIT_UNKNOWN] = "",
    [RK_LIT_USAGE] = "Usage",
    [RK_LIT_DISCOUNTED_USAGE] = "DiscountedUsage",
    [RK_LIT_FEE] = "Fee",
    [RK_LIT_RIFEE] = "RIFee",
    [RK_LIT_TAX] = "Tax",
    [RK_LIT_CREDIT] = "Credit",
    [RK_LIT_REFUND] = "Refund",
    [RK_LIT_SP_UPFRONT_FEE] = "SavingsPlanUpfrontFee",
    [RK_LIT_SP_RECURRING_FEE] = "SavingsPlanRecurringFee",
    [RK_LIT_SP_COVERED_USAGE] = "SavingsPlanCoveredUsage",
    [RK_LIT_SP_NEGATION] = "SavingsPlanNegation",
    [RK_LIT_BUNDLED_DISCOUNT] = "BundledDiscount",
    [RK_LIT_EDP_DISCOUNT] = "EdpDiscount",
    [RK_LIT_PRIVATE_RATE_DISCOUNT] = "PrivateRateDiscount",
    [RK_LIT_SPP_DISCOUNT] = "SppDiscount",
    [RK_LIT_RI_VOLUME_DISCOUNT] = "RiVolumeDiscount",
    [RK_LIT_DISCOUNT] = "Discount",
    [RK_LIT_FLAT_RATE_SUBSCRIPTION] = "FlatRateSubscription",
};

rk_lit rk_lit_parse(const char *s, size_t n)
{
    for (int t = 1; t < RK_LIT_COUNT; t++)
        if (strlen(lit_names[t]) == n && strncasecmp(lit_names[t], s, n) == 0) return (rk_lit)t;
    return RK_LIT_UNKNOWN;
}

const char *rk_lit_name(rk_lit t) { return (t > 0 && t < RK_LIT_COUNT) ? lit_names[t] : "unknown"; }

bool rk_lit_is_discount(rk_lit t)
{
    switch (t) {
    case RK_LIT_BUNDLED_DISCOUNT:
    case RK_LIT_EDP_DISCOUNT:
    case RK_LIT_PRIVATE_RATE_DISCOUNT:
    case RK_LIT_SPP_DISCOUNT:
    case RK_LIT_RI_VOLUME_DISCOUNT:
    case RK_LIT_DISCOUNT: return true;
    default: return false;
    }
}

static const char *const charge_names[RK_CHARGE_COUNT] = {
    "Usage", "RecurringFee", "UpfrontFee", "Fee", "Tax", "Credit", "Refund", "Discount", "Other"};
static const char *const po_names[RK_PO_COUNT] = {"OnDemand", "Spot", "Reserved", "SavingsPlan"};

const char *rk_charge_name(rk_charge c) { return charge_names[c]; }
const char *rk_purchase_name(rk_purchase p) { return po_names[p]; }

static bool contains(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(s + i, needle, m) == 0) return true;
    return false;
}

static bool eq(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

/* A net column when the file has net columns and the cell is filled, else the
 * non-net one: "if the net columns are absent, net = non-net". */
static rk_dec net_or(const rk_cur_row *r, rk_key net, rk_key plain)
{
    return (r->part_has_net && r->has[net]) ? r->v[net] : r->v[plain];
}

#define SUB(a, b, out)                                                                             \
    do {                                                                                           \
        if (!rk_dec_sub((a), (b), (out))) return false;                                            \
    } while (0)
#define ADD(a, b, out)                                                                             \
    do {                                                                                           \
        if (!rk_dec_add((a), (b), (out))) return false;                                            \
    } while (0)

bool rk_cur_measures(const rk_cur_row *r, rk_measures *m)
{
    const rk_dec zero = rk_dec_zero();
    rk_lit t = r->has[RK_K_LINE_ITEM_TYPE] ? rk_lit_parse(r->s[RK_K_LINE_ITEM_TYPE], r->n[RK_K_LINE_ITEM_TYPE])
                                           : RK_LIT_UNKNOWN;
    bool ri_arn = r->has[RK_K_RI_ARN] && r->n[RK_K_RI_ARN] > 0;
    bool sp_arn = r->has[RK_K_SP_ARN] && r->n[RK_K_SP_ARN] > 0;
    bool discount = rk_lit_is_discount(t);
    rk_dec unb = r->v[RK_K_UNBLENDED];
    m->lit = t;
    m->unblended = unb;
    m->blended = r->v[RK_K_BLENDED];
    m->trueup = zero;
    m->upfront = zero;

    /* Net unblended: discounts are already inside the net columns when the
     * file has them, so the discount rows themselves count 0 (no double count). */
    if (r->part_has_net)
        m->net_unblended = discount ? zero : net_or(r, RK_K_NET_UNBLENDED, RK_K_UNBLENDED);
    else
        m->net_unblended = unb;

    /* SP refunds: CUDOS excludes them from amortized cost; reckon moves them to
     * the true-up so that unblended = amortized + trueup + upfront still holds. */
    bool sp_refund = t == RK_LIT_REFUND &&
                     (sp_arn || (r->has[RK_K_PRODUCT_CODE] &&
                                 eq(r->s[RK_K_PRODUCT_CODE], r->n[RK_K_PRODUCT_CODE], "ComputeSavingsPlans")));

    switch (t) {
    case RK_LIT_SP_COVERED_USAGE:
        m->amortized = r->v[RK_K_SP_EFFECTIVE];
        m->net_amortized = net_or(r, RK_K_SP_NET_EFFECTIVE, RK_K_SP_EFFECTIVE);
        break;
    case RK_LIT_SP_RECURRING_FEE: {
        rk_dec unused;
        SUB(r->v[RK_K_SP_TOTAL_COMMIT], r->v[RK_K_SP_USED_COMMIT], &unused);
        m->amortized = unused;
        m->trueup = rk_dec_neg(r->v[RK_K_SP_AMORT_UPFRONT]);
        /* Net: scale the unused commitment by the row's net/gross ratio. */
        m->net_amortized = unused;
        if (r->part_has_net) {
            rk_dec scaled;
            if (r->has[RK_K_NET_UNBLENDED] && !rk_dec_is_zero(unb)) {
                if (rk_dec_muldiv(unused, r->v[RK_K_NET_UNBLENDED], unb, &scaled)) m->net_amortized = scaled;
            } else if (r->has[RK_K_SP_NET_AMORT_UPFRONT] && !rk_dec_is_zero(r->v[RK_K_SP_AMORT_UPFRONT])) {
                if (rk_dec_muldiv(unused, r->v[RK_K_SP_NET_AMORT_UPFRONT], r->v[RK_K_SP_AMORT_UPFRONT], &scaled))
                    m->net_amortized = scaled;
            }
        }
        break;
    }
    case RK_LIT_SP_NEGATION:
        m->amortized = zero;
        m->net_amortized = zero;
        break;
    case RK_LIT_SP_UPFRONT_FEE:
        m->amortized = zero;
        m->net_amortized = zero;
        m->upfront = unb;
        break;
    case RK_LIT_DISCOUNTED_USAGE:
        m->amortized = r->v[RK_K_RI_EFFECTIVE];
        m->net_amortized = net_or(r, RK_K_RI_NET_EFFECTIVE, RK_K_RI_EFFECTIVE);
        break;
    case RK_LIT_RIFEE: {
        ADD(r->v[RK_K_RI_UNUSED_AMORT], r->v[RK_K_RI_UNUSED_RECUR], &m->amortized);
        ADD(net_or(r, RK_K_RI_NET_UNUSED_AMORT, RK_K_RI_UNUSED_AMORT),
            net_or(r, RK_K_RI_NET_UNUSED_RECUR, RK_K_RI_UNUSED_RECUR), &m->net_amortized);
        m->trueup = rk_dec_neg(r->v[RK_K_RI_AMORT_UPFRONT_PERIOD]);
        break;
    }
    case RK_LIT_FEE:
        if (ri_arn) {
            m->amortized = zero;
            m->net_amortized = zero;
            m->upfront = unb;
        } else {
            m->amortized = unb;
            m->net_amortized = m->net_unblended;
        }
        break;
    default:
        if (sp_refund) {
            m->amortized = zero;
            m->net_amortized = zero;
            m->trueup = unb;
        } else if (discount) {
            m->amortized = unb;
            m->net_amortized = r->part_has_net ? zero : unb;
        } else {
            m->amortized = unb;
            m->net_amortized = m->net_unblended;
        }
        break;
    }

    /* The true-up makes the identity exact per row group: for RIFee and SP
     * recurring rows the upfront share leaves amortized for the true-up. The
     * remaining gap (covered usage vs negation, effective cost vs fee) cancels
     * over an hour of one plan, as docs/cost-rules.md shows. */

    /* Public on-demand equivalent: list price of the usage; negation rows
     * would cancel it and are left out (CUDOS public_cost). */
    m->ondemand = (t == RK_LIT_SP_NEGATION) ? zero : r->v[RK_K_PUBLIC_OD];

    /* Purchase option (CID). */
    const char *ut = r->s[RK_K_USAGE_TYPE];
    size_t utn = r->has[RK_K_USAGE_TYPE] ? r->n[RK_K_USAGE_TYPE] : 0;
    if (sp_arn) m->purchase = RK_PO_SAVINGSPLAN;
    else if (ri_arn) m->purchase = RK_PO_RESERVED;
    else if (utn && contains(ut, utn, "Spot")) m->purchase = RK_PO_SPOT;
    else m->purchase = RK_PO_ONDEMAND;

    switch (t) {
    case RK_LIT_USAGE:
    case RK_LIT_DISCOUNTED_USAGE:
    case RK_LIT_SP_COVERED_USAGE:
    case RK_LIT_SP_NEGATION:
    case RK_LIT_FLAT_RATE_SUBSCRIPTION: m->charge = RK_CHARGE_USAGE; break;
    case RK_LIT_RIFEE:
    case RK_LIT_SP_RECURRING_FEE: m->charge = RK_CHARGE_RECURRING_FEE; break;
    case RK_LIT_SP_UPFRONT_FEE: m->charge = RK_CHARGE_UPFRONT_FEE; break;
    case RK_LIT_FEE: m->charge = ri_arn ? RK_CHARGE_UPFRONT_FEE : RK_CHARGE_FEE; break;
    case RK_LIT_TAX: m->charge = RK_CHARGE_TAX; break;
    case RK_LIT_CREDIT: m->charge = RK_CHARGE_CREDIT; break;
    case RK_LIT_REFUND: m->charge = RK_CHARGE_REFUND; break;
    default: m->charge = discount ? RK_CHARGE_DISCOUNT : RK_CHARGE_OTHER; break;
    }

    /* Service (CID): Marketplace product name, else service code, else product code. */
    m->service = "";
    m->service_len = 0;
    bool marketplace = r->has[RK_K_BILLING_ENTITY] &&
                       eq(r->s[RK_K_BILLING_ENTITY], r->n[RK_K_BILLING_ENTITY], "AWS Marketplace");
    if (marketplace && !discount && r->has[RK_K_PRODUCT_NAME] && r->n[RK_K_PRODUCT_NAME]) {
        m->service = r->s[RK_K_PRODUCT_NAME];
        m->service_len = r->n[RK_K_PRODUCT_NAME];
    } else if (r->has[RK_K_SERVICECODE] && r->n[RK_K_SERVICECODE]) {
        m->service = r->s[RK_K_SERVICECODE];
        m->service_len = r->n[RK_K_SERVICECODE];
    } else if (r->has[RK_K_PRODUCT_CODE]) {
        m->service = r->s[RK_K_PRODUCT_CODE];
        m->service_len = r->n[RK_K_PRODUCT_CODE];
    }

    /* Region: the region code, else the legacy product/region, else the
     * availability zone without its letter. Empty for global charges. */
    m->region = "";
    m->region_len = 0;
    if (r->has[RK_K_REGION_CODE] && r->n[RK_K_REGION_CODE]) {
        m->region = r->s[RK_K_REGION_CODE];
        m->region_len = r->n[RK_K_REGION_CODE];
    } else if (r->has[RK_K_REGION] && r->n[RK_K_REGION]) {
        m->region = r->s[RK_K_REGION];
        m->region_len = r->n[RK_K_REGION];
    } else if (r->has[RK_K_AZ] && r->n[RK_K_AZ] > 1) {
        const char *az = r->s[RK_K_AZ];
        size_t n = r->n[RK_K_AZ];
        char last = az[n - 1];
        m->region = az;
        m->region_len = (last >= 'a' && last <= 'z') ? n - 1 : n;
    }
    return true;
}
