#include "cur/commit.h"

#include <string.h>

#include "common/timeparse.h"

static const char *const class_names[RK_CC_COUNT] = {
    [RK_CC_NONE] = "",
    [RK_CC_OD_USAGE] = "od-usage",
    [RK_CC_SPOT_USAGE] = "spot-usage",
    [RK_CC_RI_USAGE] = "ri-usage",
    [RK_CC_RI_FEE] = "ri-fee",
    [RK_CC_RI_CAPACITY] = "ri-capacity",
    [RK_CC_RI_UPFRONT] = "ri-upfront",
    [RK_CC_SP_USAGE] = "sp-usage",
    [RK_CC_SP_FEE] = "sp-fee",
    [RK_CC_SP_UPFRONT] = "sp-upfront",
    [RK_CC_SP_NEGATION] = "sp-negation",
    [RK_CC_REFUND] = "commit-refund",
};

const char *rk_cclass_name(rk_cclass c) { return (c >= 0 && c < RK_CC_COUNT) ? class_names[c] : ""; }

const char *const rk_commit_key_cols[RK_CK_COUNT] = {
    [RK_CK_CLASS] = "c_class",
    [RK_CK_PAYER] = "bill_payer_account_id",
    [RK_CK_ACCOUNT] = "line_item_usage_account_id",
    [RK_CK_SERVICE] = "rk_service",
    [RK_CK_REGION] = "rk_region",
    [RK_CK_ITYPE] = "product_instance_type",
    [RK_CK_FAMILY] = "c_family",
    [RK_CK_PLATFORM] = "c_platform",
    [RK_CK_COMMITMENT] = "c_commitment",
    [RK_CK_OWNER] = "c_owner",
    [RK_CK_ELIG] = "c_eligibility",
    [RK_CK_SCOPE] = "c_scope",
    [RK_CK_CURRENCY] = "line_item_currency_code",
    [RK_CK_TYPE] = "c_type",
    [RK_CK_START] = "c_start",
    [RK_CK_END] = "c_end",
    [RK_CK_PAYMENT] = "c_payment_option",
    [RK_CK_TERM] = "c_term",
    [RK_CK_SP_REGION] = "savings_plan_region",
    [RK_CK_SP_FAMILY] = "savings_plan_instance_type_family",
};

const char *const rk_commit_meas_cols[RK_CM_COUNT] = {
    [RK_CM_ROWS] = "c_rows",
    [RK_CM_HOURS] = "c_hours",
    [RK_CM_UNBLENDED] = "rk_unblended",
    [RK_CM_AMORTIZED] = "rk_amortized",
    [RK_CM_NET_AMORTIZED] = "rk_net_amortized",
    [RK_CM_OD] = "c_od",
    [RK_CM_USAGE] = "c_usage",
    [RK_CM_NUSAGE] = "c_nusage",
    [RK_CM_RESERVED] = "c_reserved",
    [RK_CM_RESERVED_NU] = "c_reserved_nu",
    [RK_CM_RI_TOTAL_UNITS] = "reservation_total_reserved_units",
    [RK_CM_RI_UNUSED_QTY] = "reservation_unused_quantity",
    [RK_CM_RI_TOTAL_NU] = "reservation_total_reserved_normalized_units",
    [RK_CM_RI_UNUSED_NU] = "reservation_unused_normalized_unit_quantity",
    [RK_CM_RI_UNUSED_AMORT] = "reservation_unused_amortized_upfront_fee_for_billing_period",
    [RK_CM_RI_UNUSED_RECUR] = "reservation_unused_recurring_fee",
    [RK_CM_RI_NET_UNUSED_AMORT] = "reservation_net_unused_amortized_upfront_fee_for_billing_period",
    [RK_CM_RI_NET_UNUSED_RECUR] = "reservation_net_unused_recurring_fee",
    [RK_CM_RI_AMORT_UPFRONT] = "reservation_amortized_upfront_fee_for_billing_period",
    [RK_CM_RI_COUNT] = "reservation_number_of_reservations",
    [RK_CM_RI_UPFRONT_VALUE] = "reservation_upfront_value",
    [RK_CM_RI_UNITS_PER] = "reservation_units_per_reservation",
    [RK_CM_RI_NU_PER] = "reservation_normalized_units_per_reservation",
    [RK_CM_SP_COMMIT] = "savings_plan_total_commitment_to_date",
    [RK_CM_SP_USED] = "savings_plan_used_commitment",
    [RK_CM_SP_RECURRING] = "savings_plan_recurring_commitment_for_billing_period",
    [RK_CM_SP_AMORT_UPFRONT] = "savings_plan_amortized_upfront_commitment_for_billing_period",
};

#define MS_HOUR 3600000LL

static bool has_str(const rk_cur_row *r, rk_key k) { return r->has[k] && r->n[k] > 0; }

static bool contains(const char *s, size_t n, const char *x)
{
    size_t m = strlen(x);
    if (m > n) return false;
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(s + i, x, m) == 0) return true;
    return false;
}

static bool eq(const char *s, size_t n, const char *x) { return strlen(x) == n && memcmp(s, x, n) == 0; }

typedef enum { EL_NONE = 0, EL_EC2, EL_RDS, EL_CACHE, EL_REDSHIFT, EL_SEARCH, EL_FARGATE, EL_LAMBDA, EL_SAGEMAKER } elig;
static const char *const elig_names[] = {"", "ec2", "rds", "elasticache", "redshift", "opensearch", "fargate", "lambda",
                                         "sagemaker"};
static const char *const elig_scope[] = {"", "compute", "non-compute", "non-compute", "non-compute", "non-compute",
                                         "compute", "compute", "sagemaker"};

/* Running-time usage a commitment could cover (docs/commitments.md §1). */
static elig eligibility(const rk_cur_row *r)
{
    if (!has_str(r, RK_K_USAGE_TYPE)) return EL_NONE;
    const char *u = r->s[RK_K_USAGE_TYPE];
    size_t un = r->n[RK_K_USAGE_TYPE];
    const char *p = has_str(r, RK_K_PRODUCT_CODE) ? r->s[RK_K_PRODUCT_CODE] : "";
    size_t pn = has_str(r, RK_K_PRODUCT_CODE) ? r->n[RK_K_PRODUCT_CODE] : 0;
    /* vCPU and memory hours; ephemeral storage is billed in GB-hours too but no plan covers it */
    if (contains(u, un, "Fargate") && (contains(u, un, "vCPU-Hours") || contains(u, un, "GB-Hours")) &&
        !contains(u, un, "EphemeralStorage"))
        return EL_FARGATE;
    if (eq(p, pn, "AmazonEC2")) {
        if (contains(u, un, "BoxUsage") || contains(u, un, "DedicatedUsage") || contains(u, un, "HostUsage") ||
            contains(u, un, "SpotUsage"))
            return EL_EC2;
        return EL_NONE;
    }
    if (eq(p, pn, "AmazonRDS")) return contains(u, un, ":db.") ? EL_RDS : EL_NONE;
    if (eq(p, pn, "AmazonElastiCache")) return contains(u, un, "NodeUsage:cache.") ? EL_CACHE : EL_NONE;
    if (eq(p, pn, "AmazonRedshift")) return contains(u, un, "Node:") ? EL_REDSHIFT : EL_NONE;
    if (eq(p, pn, "AmazonES") || eq(p, pn, "AmazonOpenSearchService"))
        return contains(u, un, "ESInstance:") ? EL_SEARCH : EL_NONE;
    if (eq(p, pn, "AWSLambda"))
        return (contains(u, un, "Lambda-GB-Second") || contains(u, un, "Lambda-Provisioned")) ? EL_LAMBDA : EL_NONE;
    if (eq(p, pn, "AmazonSageMaker")) return contains(u, un, ":ml.") ? EL_SAGEMAKER : EL_NONE;
    return EL_NONE;
}

size_t rk_commit_family(const char *itype, size_t n)
{
    for (size_t i = n; i > 0; i--)
        if (itype[i - 1] == '.') return i - 1;
    return n;
}

bool rk_commit_owner(const char *arn, size_t n, const char **acct, size_t *len)
{
    /* arn:partition:service:region:account:resource */
    size_t field = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || arn[i] == ':') {
            if (field == 4) {
                if (i == start) return false;
                *acct = arn + start;
                *len = i - start;
                return true;
            }
            field++;
            start = i + 1;
        }
    }
    return false;
}

static void setk(rk_commit_rec *c, rk_ckey k, const char *s, size_t n)
{
    c->k[k] = s;
    c->kn[k] = (uint32_t)n;
}
static void setks(rk_commit_rec *c, rk_ckey k, const char *s) { setk(c, k, s, strlen(s)); }
static void setkr(rk_commit_rec *c, rk_ckey k, const rk_cur_row *r, rk_key key)
{
    if (has_str(r, key)) setk(c, k, r->s[key], r->n[key]);
}
static void setm(rk_commit_rec *c, rk_cmeas m, rk_dec v)
{
    c->m[m] = v;
    c->mset |= 1u << m;
}
static void setmr(rk_commit_rec *c, rk_cmeas m, const rk_cur_row *r, rk_key key)
{
    if (r->has[key]) setm(c, m, r->v[key]);
}

static const char *sp_type(const rk_cur_row *r)
{
    if (has_str(r, RK_K_SP_OFFERING)) {
        const char *s = r->s[RK_K_SP_OFFERING];
        size_t n = r->n[RK_K_SP_OFFERING];
        if (contains(s, n, "SageMaker")) return "SageMaker SP";
        if (contains(s, n, "EC2")) return "EC2 Instance SP";
        if (contains(s, n, "Compute")) return "Compute SP";
    }
    if (has_str(r, RK_K_USAGE_TYPE)) {
        const char *u = r->s[RK_K_USAGE_TYPE];
        size_t n = r->n[RK_K_USAGE_TYPE];
        if (contains(u, n, "SageMakerSP:")) return "SageMaker SP";
        if (contains(u, n, "EC2SP:")) return "EC2 Instance SP";
        if (contains(u, n, "ComputeSP:")) return "Compute SP";
    }
    return "SP";
}

static const char *ri_type(const rk_cur_row *r)
{
    if (has_str(r, RK_K_OFFERING_CLASS)) {
        const char *s = r->s[RK_K_OFFERING_CLASS];
        size_t n = r->n[RK_K_OFFERING_CLASS];
        if (n && (s[0] == 'c' || s[0] == 'C')) return "Convertible RI";
        if (n && (s[0] == 's' || s[0] == 'S')) return "Standard RI";
    }
    return ""; /* real RIFee rows often leave pricing empty: the inventory looks at usage rows */
}

static const char *ri_scope(const rk_cur_row *r)
{
    const char *p = has_str(r, RK_K_PRODUCT_CODE) ? r->s[RK_K_PRODUCT_CODE] : "";
    size_t pn = has_str(r, RK_K_PRODUCT_CODE) ? r->n[RK_K_PRODUCT_CODE] : 0;
    if (eq(p, pn, "AmazonEC2")) return "compute";
    if (eq(p, pn, "AmazonRDS") || eq(p, pn, "AmazonElastiCache") || eq(p, pn, "AmazonRedshift") ||
        eq(p, pn, "AmazonES") || eq(p, pn, "AmazonOpenSearchService"))
        return "non-compute";
    return "";
}

/* Milliseconds of a text timestamp key, or def when absent or unreadable. */
static int64_t time_of(const rk_cur_row *r, rk_key k, int64_t def)
{
    int64_t ms;
    if (has_str(r, k) && rk_time_parse(r->s[k], r->n[k], &ms) == RK_OK) return ms;
    return def;
}

bool rk_commit_row(const rk_cur_row *r, const rk_measures *m, int64_t t0, int64_t t1, int64_t period0,
                   int64_t period1, rk_commit_emit emit, void *ctx, bool *overflow)
{
    *overflow = false;
    bool ri_arn = has_str(r, RK_K_RI_ARN), sp_arn = has_str(r, RK_K_SP_ARN);
    rk_cclass cls = RK_CC_NONE;
    elig el = EL_NONE;
    switch (m->lit) {
    case RK_LIT_USAGE:
        el = eligibility(r);
        if (el == EL_NONE) return true;
        /* Spot rows without a public on-demand price (AWS leaves it 0 on
         * many) cannot say what Spot saved: left out, as CID does. */
        if (m->purchase == RK_PO_SPOT) {
            if (!r->has[RK_K_PUBLIC_OD] || r->v[RK_K_PUBLIC_OD].m <= 0) return true;
            cls = RK_CC_SPOT_USAGE;
        }
        else if (m->purchase == RK_PO_ONDEMAND) cls = RK_CC_OD_USAGE;
        break;
    case RK_LIT_DISCOUNTED_USAGE:
        cls = RK_CC_RI_USAGE;
        el = eligibility(r);
        break;
    case RK_LIT_SP_COVERED_USAGE:
        cls = RK_CC_SP_USAGE;
        el = eligibility(r);
        break;
    case RK_LIT_RIFEE: cls = RK_CC_RI_FEE; break;
    case RK_LIT_FEE:
        if (ri_arn) cls = RK_CC_RI_UPFRONT;
        break;
    case RK_LIT_SP_RECURRING_FEE: cls = RK_CC_SP_FEE; break;
    case RK_LIT_SP_UPFRONT_FEE: cls = RK_CC_SP_UPFRONT; break;
    case RK_LIT_SP_NEGATION: cls = RK_CC_SP_NEGATION; break;
    case RK_LIT_REFUND:
    case RK_LIT_CREDIT:
        if (ri_arn || sp_arn || (has_str(r, RK_K_PRODUCT_CODE) &&
                                 eq(r->s[RK_K_PRODUCT_CODE], r->n[RK_K_PRODUCT_CODE], "ComputeSavingsPlans")))
            cls = RK_CC_REFUND;
        break;
    default: break;
    }
    if (cls == RK_CC_NONE) return true;

    rk_commit_rec c;
    memset(c.kn, 0, sizeof c.kn);
    c.mset = 0;
    c.t = t0 - ((t0 % MS_HOUR) + MS_HOUR) % MS_HOUR;
    /* An RIFee row is the month's: its amounts belong to the billing period's
     * first hour, whatever interval the row carries (AWS gives the month). */
    if (cls == RK_CC_RI_FEE) c.t = period0 ? period0 : rk_time_floor_month(t0);
    setks(&c, RK_CK_CLASS, class_names[cls]);
    setkr(&c, RK_CK_PAYER, r, RK_K_PAYER);
    setkr(&c, RK_CK_ACCOUNT, r, RK_K_USAGE_ACCOUNT);
    setk(&c, RK_CK_SERVICE, m->service, m->service_len);
    setk(&c, RK_CK_REGION, m->region, m->region_len);
    setkr(&c, RK_CK_CURRENCY, r, RK_K_CURRENCY);
    /* instance type, family, platform */
    const char *it = NULL;
    size_t itn = 0;
    if (has_str(r, RK_K_INSTANCE_TYPE)) {
        it = r->s[RK_K_INSTANCE_TYPE];
        itn = r->n[RK_K_INSTANCE_TYPE];
    } else if ((cls == RK_CC_RI_FEE || cls == RK_CC_RI_UPFRONT) && has_str(r, RK_K_USAGE_TYPE)) {
        /* HeavyUsage:m5.large */
        const char *u = r->s[RK_K_USAGE_TYPE];
        size_t n = r->n[RK_K_USAGE_TYPE];
        const char *colon = memchr(u, ':', n);
        if (colon && (size_t)(colon - u) + 1 < n) {
            it = colon + 1;
            itn = n - (size_t)(colon - u) - 1;
        }
    }
    if (it) {
        setk(&c, RK_CK_ITYPE, it, itn);
        setk(&c, RK_CK_FAMILY, it, rk_commit_family(it, itn));
    } else if (has_str(r, RK_K_SP_FAMILY)) {
        setkr(&c, RK_CK_FAMILY, r, RK_K_SP_FAMILY);
    }
    if (has_str(r, RK_K_OS)) setkr(&c, RK_CK_PLATFORM, r, RK_K_OS);
    else if (has_str(r, RK_K_DB_ENGINE)) setkr(&c, RK_CK_PLATFORM, r, RK_K_DB_ENGINE);
    else if (has_str(r, RK_K_CACHE_ENGINE)) setkr(&c, RK_CK_PLATFORM, r, RK_K_CACHE_ENGINE);
    /* the commitment and its owner */
    rk_key arnk = (cls == RK_CC_SP_USAGE || cls == RK_CC_SP_FEE || cls == RK_CC_SP_UPFRONT || cls == RK_CC_SP_NEGATION)
                      ? RK_K_SP_ARN
                  : ri_arn ? RK_K_RI_ARN
                  : sp_arn ? RK_K_SP_ARN
                           : RK_K_NONE;
    if (arnk != RK_K_NONE && has_str(r, arnk)) {
        setkr(&c, RK_CK_COMMITMENT, r, arnk);
        const char *acct;
        size_t an;
        if (rk_commit_owner(r->s[arnk], r->n[arnk], &acct, &an)) setk(&c, RK_CK_OWNER, acct, an);
    }
    bool is_sp = arnk == RK_K_SP_ARN;
    /* eligibility and ESR scope */
    if (el != EL_NONE) {
        setks(&c, RK_CK_ELIG, elig_names[el]);
        setks(&c, RK_CK_SCOPE, elig_scope[el]);
    } else if (cls == RK_CC_RI_FEE || cls == RK_CC_RI_UPFRONT) {
        setks(&c, RK_CK_SCOPE, ri_scope(r));
    } else if (cls == RK_CC_SP_FEE || cls == RK_CC_SP_UPFRONT) {
        setks(&c, RK_CK_SCOPE, strcmp(sp_type(r), "SageMaker SP") == 0 ? "sagemaker" : "compute");
    }
    /* attributes of the commitment, on its fee rows */
    if (cls == RK_CC_RI_USAGE) {
        /* what the RI is, as its covered usage says it (RIFee rows often do not) */
        setks(&c, RK_CK_TYPE, ri_type(r));
        setkr(&c, RK_CK_PAYMENT, r, RK_K_PRICING_PURCHASE_OPTION);
        setkr(&c, RK_CK_TERM, r, RK_K_LEASE);
    } else if (cls == RK_CC_RI_FEE || cls == RK_CC_RI_UPFRONT) {
        setks(&c, RK_CK_TYPE, ri_type(r));
        setkr(&c, RK_CK_START, r, RK_K_RI_START);
        setkr(&c, RK_CK_END, r, RK_K_RI_END);
        setkr(&c, RK_CK_PAYMENT, r, RK_K_PRICING_PURCHASE_OPTION);
        setkr(&c, RK_CK_TERM, r, RK_K_LEASE);
    } else if (cls == RK_CC_SP_FEE || cls == RK_CC_SP_UPFRONT) {
        setks(&c, RK_CK_TYPE, sp_type(r));
        setkr(&c, RK_CK_START, r, RK_K_SP_START);
        setkr(&c, RK_CK_END, r, RK_K_SP_END);
        setkr(&c, RK_CK_PAYMENT, r, RK_K_SP_PAYMENT);
        setkr(&c, RK_CK_TERM, r, RK_K_SP_TERM);
        setkr(&c, RK_CK_SP_REGION, r, RK_K_SP_REGION);
        setkr(&c, RK_CK_SP_FAMILY, r, RK_K_SP_FAMILY);
    }
    (void)is_sp;

    /* amounts */
    setm(&c, RK_CM_ROWS, (rk_dec){1, 0});
    if (t1 > t0 && !rk_dec_muldiv((rk_dec){t1 - t0, 0}, (rk_dec){1, 0}, (rk_dec){MS_HOUR, 0}, &c.m[RK_CM_HOURS]))
        goto ovf;
    if (t1 > t0) c.mset |= 1u << RK_CM_HOURS;
    setm(&c, RK_CM_UNBLENDED, m->unblended);
    setm(&c, RK_CM_AMORTIZED, m->amortized);
    setm(&c, RK_CM_NET_AMORTIZED, m->net_amortized);
    if (cls == RK_CC_OD_USAGE || cls == RK_CC_SPOT_USAGE || cls == RK_CC_RI_USAGE || cls == RK_CC_SP_USAGE) {
        if (r->has[RK_K_PUBLIC_OD]) setm(&c, RK_CM_OD, r->v[RK_K_PUBLIC_OD]);
        else if (cls == RK_CC_OD_USAGE) setm(&c, RK_CM_OD, m->unblended);
        else setm(&c, RK_CM_OD, rk_dec_zero());
        setmr(&c, RK_CM_USAGE, r, RK_K_USAGE_AMOUNT);
        rk_dec nu = r->v[RK_K_USAGE_AMOUNT];
        if (r->has[RK_K_NORM_USAGE]) nu = r->v[RK_K_NORM_USAGE];
        else if (r->has[RK_K_NORM_FACTOR] &&
                 !rk_dec_muldiv(r->v[RK_K_USAGE_AMOUNT], r->v[RK_K_NORM_FACTOR], (rk_dec){1, 0}, &nu))
            goto ovf;
        setm(&c, RK_CM_NUSAGE, nu);
    }
    if (cls == RK_CC_RI_FEE) {
        setmr(&c, RK_CM_RI_TOTAL_UNITS, r, RK_K_RI_TOTAL_UNITS);
        setmr(&c, RK_CM_RI_UNUSED_QTY, r, RK_K_RI_UNUSED_QTY);
        setmr(&c, RK_CM_RI_TOTAL_NU, r, RK_K_RI_TOTAL_NU);
        setmr(&c, RK_CM_RI_UNUSED_NU, r, RK_K_RI_UNUSED_NU);
        setmr(&c, RK_CM_RI_UNUSED_AMORT, r, RK_K_RI_UNUSED_AMORT);
        setmr(&c, RK_CM_RI_UNUSED_RECUR, r, RK_K_RI_UNUSED_RECUR);
        /* net columns only exist with EDP-type discounts: the gross amount otherwise */
        setm(&c, RK_CM_RI_NET_UNUSED_AMORT,
             r->has[RK_K_RI_NET_UNUSED_AMORT] ? r->v[RK_K_RI_NET_UNUSED_AMORT] : r->v[RK_K_RI_UNUSED_AMORT]);
        setm(&c, RK_CM_RI_NET_UNUSED_RECUR,
             r->has[RK_K_RI_NET_UNUSED_RECUR] ? r->v[RK_K_RI_NET_UNUSED_RECUR] : r->v[RK_K_RI_UNUSED_RECUR]);
        setmr(&c, RK_CM_RI_AMORT_UPFRONT, r, RK_K_RI_AMORT_UPFRONT_PERIOD);
        setmr(&c, RK_CM_RI_COUNT, r, RK_K_RI_COUNT);
        setmr(&c, RK_CM_RI_UPFRONT_VALUE, r, RK_K_RI_UPFRONT_VALUE);
        setmr(&c, RK_CM_RI_UNITS_PER, r, RK_K_RI_UNITS_PER);
        setmr(&c, RK_CM_RI_NU_PER, r, RK_K_RI_NU_PER);
    } else if (cls == RK_CC_RI_UPFRONT) {
        setmr(&c, RK_CM_RI_UPFRONT_VALUE, r, RK_K_RI_UPFRONT_VALUE);
        setmr(&c, RK_CM_RI_COUNT, r, RK_K_RI_COUNT);
    } else if (cls == RK_CC_SP_FEE) {
        setmr(&c, RK_CM_SP_COMMIT, r, RK_K_SP_TOTAL_COMMIT);
        setmr(&c, RK_CM_SP_USED, r, RK_K_SP_USED_COMMIT);
        setmr(&c, RK_CM_SP_RECURRING, r, RK_K_SP_RECURRING);
        setmr(&c, RK_CM_SP_AMORT_UPFRONT, r, RK_K_SP_AMORT_UPFRONT);
    }
    if (!emit(ctx, &c)) return false;

    /* An RIFee row also spreads its capacity over the hours the reservation
     * is active in the billing period: quantity x (fraction of the hour). */
    if (cls == RK_CC_RI_FEE && r->has[RK_K_RI_COUNT] && !rk_dec_is_zero(r->v[RK_K_RI_COUNT])) {
        int64_t p0 = period0, p1 = period1;
        if (p1 <= p0) {
            p0 = rk_time_floor_month(t0);
            p1 = rk_time_add_months(p0, 1);
        }
        int64_t w0 = time_of(r, RK_K_RI_START, p0), w1 = time_of(r, RK_K_RI_END, p1);
        if (w0 < p0) w0 = p0;
        if (w1 > p1) w1 = p1;
        if (w1 - w0 > 31 * 24 * MS_HOUR) w1 = w0 + 31 * 24 * MS_HOUR; /* a billing period is a month */
        rk_dec nf = {1, 0};
        if (r->has[RK_K_RI_NU_PER] && r->has[RK_K_RI_UNITS_PER] && !rk_dec_is_zero(r->v[RK_K_RI_UNITS_PER]) &&
            !rk_dec_muldiv(r->v[RK_K_RI_NU_PER], (rk_dec){1, 0}, r->v[RK_K_RI_UNITS_PER], &nf))
            goto ovf;
        rk_commit_rec cap = c;
        setks(&cap, RK_CK_CLASS, class_names[RK_CC_RI_CAPACITY]);
        for (int k = RK_CK_TYPE; k < RK_CK_COUNT; k++) cap.kn[k] = 0;
        for (int64_t h = w0 - ((w0 % MS_HOUR) + MS_HOUR) % MS_HOUR; h < w1; h += MS_HOUR) {
            int64_t a = h > w0 ? h : w0, b = h + MS_HOUR < w1 ? h + MS_HOUR : w1;
            if (b <= a) continue;
            cap.t = h;
            cap.mset = 0;
            rk_dec q;
            if (!rk_dec_muldiv(r->v[RK_K_RI_COUNT], (rk_dec){b - a, 0}, (rk_dec){MS_HOUR, 0}, &q)) goto ovf;
            setm(&cap, RK_CM_RESERVED, q);
            rk_dec qn;
            if (!rk_dec_muldiv(q, nf, (rk_dec){1, 0}, &qn)) goto ovf;
            setm(&cap, RK_CM_RESERVED_NU, qn);
            if (!emit(ctx, &cap)) return false;
        }
    }
    return true;
ovf:
    *overflow = true;
    return false;
}
