/* gen_cols.c — the columns of a generated CUR and how a row becomes CSV.
 *
 * One list of columns serves both formats. Legacy CUR writes them as
 * `category/Name` in AWS's manifest order (identity, bill, lineItem, product,
 * pricing, reservation, savingsPlan, discount, resourceTags, costCategory);
 * CUR 2.0 writes the Athena-style names (cur-format.md §d.2, computed with
 * rk_colname_normalize) sorted alphabetically, with the product attributes
 * that are not static CUR 2.0 columns, the tags and the cost categories
 * folded into JSON map cells (§c.4).
 *
 * Three "blocks" (product, tags, cost categories) are runs of adjacent
 * columns whose text depends only on the product, the resource or the
 * account, so they are rendered once, as CSV text with their inner commas,
 * and copied into each row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/timeparse.h"
#include "cur/colname.h"
#include "gen/gen_internal.h"

const char *const gen_tag_keys[GEN_NTAGS] = {"user:Cost Center", "user:Name", "user:env", "user:team"};
const char *const gen_costcat_names[GEN_NCOSTCAT] = {"Business Unit"};

typedef struct coldef {
    const char *legacy;  /* category/Name */
    const char *ltype;   /* legacy manifest type */
    const char *ctype;   /* CUR 2.0 manifest type */
    uint8_t only;        /* 0 both, 1 legacy only, 2 CUR 2.0 only */
} coldef;

#define S "String", "string"
#define OS "OptionalString", "string"
#define DEC "OptionalBigDecimal", "double"
#define RATE "OptionalBigDecimal", "string"
#define TS "DateTime", "timestamp"

static const coldef cols[GC_COUNT] = {
    [GC_ID_LINE_ITEM_ID] = {"identity/LineItemId", S, 0},
    [GC_ID_TIME_INTERVAL] = {"identity/TimeInterval", "Interval", "string", 0},
    [GC_BILL_INVOICE_ID] = {"bill/InvoiceId", OS, 0},
    [GC_BILL_INVOICING_ENTITY] = {"bill/InvoicingEntity", OS, 0},
    [GC_BILL_BILLING_ENTITY] = {"bill/BillingEntity", OS, 0},
    [GC_BILL_BILL_TYPE] = {"bill/BillType", OS, 0},
    [GC_BILL_PAYER_ACCOUNT_ID] = {"bill/PayerAccountId", S, 0},
    [GC_BILL_PAYER_ACCOUNT_NAME] = {"bill/PayerAccountName", OS, 2},
    [GC_BILL_PERIOD_START] = {"bill/BillingPeriodStartDate", TS, 0},
    [GC_BILL_PERIOD_END] = {"bill/BillingPeriodEndDate", TS, 0},
    [GC_LI_USAGE_ACCOUNT_ID] = {"lineItem/UsageAccountId", S, 0},
    [GC_LI_USAGE_ACCOUNT_NAME] = {"lineItem/UsageAccountName", OS, 2},
    [GC_LI_LINE_ITEM_TYPE] = {"lineItem/LineItemType", S, 0},
    [GC_LI_USAGE_START] = {"lineItem/UsageStartDate", TS, 0},
    [GC_LI_USAGE_END] = {"lineItem/UsageEndDate", TS, 0},
    [GC_LI_PRODUCT_CODE] = {"lineItem/ProductCode", S, 0},
    [GC_LI_USAGE_TYPE] = {"lineItem/UsageType", OS, 0},
    [GC_LI_OPERATION] = {"lineItem/Operation", OS, 0},
    [GC_LI_AZ] = {"lineItem/AvailabilityZone", OS, 0},
    [GC_LI_RESOURCE_ID] = {"lineItem/ResourceId", OS, 0},
    [GC_LI_USAGE_AMOUNT] = {"lineItem/UsageAmount", DEC, 0},
    [GC_LI_NORM_FACTOR] = {"lineItem/NormalizationFactor", DEC, 0},
    [GC_LI_NORM_USAGE] = {"lineItem/NormalizedUsageAmount", DEC, 0},
    [GC_LI_CURRENCY] = {"lineItem/CurrencyCode", S, 0},
    [GC_LI_UNB_RATE] = {"lineItem/UnblendedRate", RATE, 0},
    [GC_LI_UNB_COST] = {"lineItem/UnblendedCost", DEC, 0},
    [GC_LI_BLEND_RATE] = {"lineItem/BlendedRate", RATE, 0},
    [GC_LI_BLEND_COST] = {"lineItem/BlendedCost", DEC, 0},
    [GC_LI_NET_UNB_RATE] = {"lineItem/NetUnblendedRate", RATE, 0},
    [GC_LI_NET_UNB_COST] = {"lineItem/NetUnblendedCost", DEC, 0},
    [GC_LI_DESCRIPTION] = {"lineItem/LineItemDescription", OS, 0},
    [GC_LI_TAX_TYPE] = {"lineItem/TaxType", OS, 0},
    [GC_LI_LEGAL_ENTITY] = {"lineItem/LegalEntity", OS, 0},
    [GC_PRODUCT] = {"product/", OS, 0},
    [GC_PR_LEASE] = {"pricing/LeaseContractLength", OS, 0},
    [GC_PR_OFFERING_CLASS] = {"pricing/OfferingClass", OS, 0},
    [GC_PR_PURCHASE_OPTION] = {"pricing/PurchaseOption", OS, 0},
    [GC_PR_RATE_CODE] = {"pricing/RateCode", OS, 0},
    [GC_PR_RATE_ID] = {"pricing/RateId", OS, 0},
    [GC_PR_CURRENCY] = {"pricing/currency", OS, 0},
    [GC_PR_PUBLIC_OD_COST] = {"pricing/publicOnDemandCost", DEC, 0},
    [GC_PR_PUBLIC_OD_RATE] = {"pricing/publicOnDemandRate", RATE, 0},
    [GC_PR_TERM] = {"pricing/term", OS, 0},
    [GC_PR_UNIT] = {"pricing/unit", OS, 0},
    [GC_RI_AMORT_UPFRONT_FOR_USAGE] = {"reservation/AmortizedUpfrontCostForUsage", DEC, 0},
    [GC_RI_AMORT_UPFRONT_PERIOD] = {"reservation/AmortizedUpfrontFeeForBillingPeriod", DEC, 0},
    [GC_RI_AZ] = {"reservation/AvailabilityZone", OS, 0},
    [GC_RI_EFFECTIVE] = {"reservation/EffectiveCost", DEC, 0},
    [GC_RI_END] = {"reservation/EndTime", OS, 0},
    [GC_RI_MODIFICATION] = {"reservation/ModificationStatus", OS, 0},
    [GC_RI_NET_AMORT_UPFRONT_FOR_USAGE] = {"reservation/NetAmortizedUpfrontCostForUsage", DEC, 0},
    [GC_RI_NET_AMORT_UPFRONT_PERIOD] = {"reservation/NetAmortizedUpfrontFeeForBillingPeriod", DEC, 0},
    [GC_RI_NET_EFFECTIVE] = {"reservation/NetEffectiveCost", DEC, 0},
    [GC_RI_NET_RECURRING_FOR_USAGE] = {"reservation/NetRecurringFeeForUsage", DEC, 0},
    [GC_RI_NET_UNUSED_AMORT] = {"reservation/NetUnusedAmortizedUpfrontFeeForBillingPeriod", DEC, 0},
    [GC_RI_NET_UNUSED_RECURRING] = {"reservation/NetUnusedRecurringFee", DEC, 0},
    [GC_RI_NET_UPFRONT_VALUE] = {"reservation/NetUpfrontValue", DEC, 0},
    [GC_RI_NU_PER_RI] = {"reservation/NormalizedUnitsPerReservation", OS, 0},
    [GC_RI_NUMBER] = {"reservation/NumberOfReservations", OS, 0},
    [GC_RI_RECURRING_FOR_USAGE] = {"reservation/RecurringFeeForUsage", DEC, 0},
    [GC_RI_ARN] = {"reservation/ReservationARN", OS, 0},
    [GC_RI_START] = {"reservation/StartTime", OS, 0},
    [GC_RI_SUBSCRIPTION] = {"reservation/SubscriptionId", OS, 0},
    [GC_RI_TOTAL_NU] = {"reservation/TotalReservedNormalizedUnits", OS, 0},
    [GC_RI_TOTAL_UNITS] = {"reservation/TotalReservedUnits", OS, 0},
    [GC_RI_UNITS_PER_RI] = {"reservation/UnitsPerReservation", OS, 0},
    [GC_RI_UNUSED_AMORT] = {"reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", DEC, 0},
    [GC_RI_UNUSED_NU] = {"reservation/UnusedNormalizedUnitQuantity", DEC, 0},
    [GC_RI_UNUSED_QTY] = {"reservation/UnusedQuantity", DEC, 0},
    [GC_RI_UNUSED_RECURRING] = {"reservation/UnusedRecurringFee", DEC, 0},
    [GC_RI_UPFRONT_VALUE] = {"reservation/UpfrontValue", DEC, 0},
    [GC_SP_AMORT_UPFRONT] = {"savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod", DEC, 0},
    [GC_SP_END] = {"savingsPlan/EndTime", OS, 0},
    [GC_SP_FAMILY] = {"savingsPlan/InstanceTypeFamily", OS, 0},
    [GC_SP_NET_AMORT_UPFRONT] = {"savingsPlan/NetAmortizedUpfrontCommitmentForBillingPeriod", DEC, 0},
    [GC_SP_NET_RECURRING] = {"savingsPlan/NetRecurringCommitmentForBillingPeriod", DEC, 0},
    [GC_SP_NET_EFFECTIVE] = {"savingsPlan/NetSavingsPlanEffectiveCost", DEC, 0},
    [GC_SP_OFFERING_TYPE] = {"savingsPlan/OfferingType", OS, 0},
    [GC_SP_PAYMENT] = {"savingsPlan/PaymentOption", OS, 0},
    [GC_SP_TERM] = {"savingsPlan/PurchaseTerm", OS, 0},
    [GC_SP_RECURRING] = {"savingsPlan/RecurringCommitmentForBillingPeriod", DEC, 0},
    [GC_SP_REGION] = {"savingsPlan/Region", OS, 0},
    [GC_SP_ARN] = {"savingsPlan/SavingsPlanARN", OS, 0},
    [GC_SP_EFFECTIVE] = {"savingsPlan/SavingsPlanEffectiveCost", DEC, 0},
    [GC_SP_RATE] = {"savingsPlan/SavingsPlanRate", DEC, 0},
    [GC_SP_START] = {"savingsPlan/StartTime", OS, 0},
    [GC_SP_TOTAL_COMMIT] = {"savingsPlan/TotalCommitmentToDate", DEC, 0},
    [GC_SP_USED_COMMIT] = {"savingsPlan/UsedCommitment", DEC, 0},
    [GC_DISC_BUNDLED] = {"discount/BundledDiscount", DEC, 2},
    [GC_DISC_TOTAL] = {"discount/TotalDiscount", DEC, 0},
    [GC_DISC_MAP] = {"discount", NULL, "map<string,double>", 2},
    [GC_TAGS] = {"resourceTags/", OS, 0},
    [GC_COSTCAT] = {"costCategory/", OS, 0},
};

typedef struct pattr {
    const char *name;
    bool cur2_static;
} pattr;

static const pattr pattrs[PA_COUNT] = {
    [PA_PRODUCT_NAME] = {"ProductName", false},
    [PA_CACHE_ENGINE] = {"cacheEngine", false},
    [PA_CURRENT_GENERATION] = {"currentGeneration", false},
    [PA_DATABASE_ENGINE] = {"databaseEngine", false},
    [PA_DEPLOYMENT_OPTION] = {"deploymentOption", false},
    [PA_FEE_CODE] = {"feeCode", true},
    [PA_FEE_DESCRIPTION] = {"feeDescription", true},
    [PA_FROM_LOCATION] = {"fromLocation", true},
    [PA_FROM_LOCATION_TYPE] = {"fromLocationType", true},
    [PA_FROM_REGION_CODE] = {"fromRegionCode", true},
    [PA_GROUP] = {"group", false},
    [PA_INSTANCE_FAMILY] = {"instanceFamily", true},
    [PA_INSTANCE_TYPE] = {"instanceType", true},
    [PA_INSTANCE_TYPE_FAMILY] = {"instanceTypeFamily", false},
    [PA_LICENSE_MODEL] = {"licenseModel", false},
    [PA_LOCATION] = {"location", true},
    [PA_LOCATION_TYPE] = {"locationType", true},
    [PA_MARKETOPTION] = {"marketoption", false},
    [PA_MEMORY] = {"memory", false},
    [PA_NETWORK_PERFORMANCE] = {"networkPerformance", false},
    [PA_NORMALIZATION_SIZE_FACTOR] = {"normalizationSizeFactor", false},
    [PA_OPERATING_SYSTEM] = {"operatingSystem", false},
    [PA_OPERATION] = {"operation", true},
    [PA_PHYSICAL_PROCESSOR] = {"physicalProcessor", false},
    [PA_PRICING_UNIT] = {"pricingUnit", true},
    [PA_PROCESSOR_ARCHITECTURE] = {"processorArchitecture", false},
    [PA_PRODUCT_FAMILY] = {"productFamily", true},
    [PA_REGION] = {"region", false},
    [PA_REGION_CODE] = {"regionCode", true},
    [PA_SERVICECODE] = {"servicecode", true},
    [PA_SERVICENAME] = {"servicename", false},
    [PA_SKU] = {"sku", true},
    [PA_STORAGE] = {"storage", false},
    [PA_STORAGE_CLASS] = {"storageClass", false},
    [PA_TENANCY] = {"tenancy", false},
    [PA_TO_LOCATION] = {"toLocation", true},
    [PA_TO_LOCATION_TYPE] = {"toLocationType", true},
    [PA_TO_REGION_CODE] = {"toRegionCode", true},
    [PA_TRANSFER_TYPE] = {"transferType", false},
    [PA_USAGETYPE] = {"usagetype", true},
    [PA_VCPU] = {"vcpu", false},
    [PA_VOLUME_API_NAME] = {"volumeApiName", false},
    [PA_VOLUME_TYPE] = {"volumeType", false},
};

/* ---- small text helpers ---- */

static bool needs_quote(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') return true;
    return false;
}

/* Appends s as one CSV cell. */
static void csv_cell(rk_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (!needs_quote(s, n)) {
        rk_buf_append(b, s, n);
        return;
    }
    rk_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') rk_buf_putc(b, '"');
        rk_buf_putc(b, s[i]);
    }
    rk_buf_putc(b, '"');
}


static gen_block take_block(rk_buf *b)
{
    gen_block r = {0};
    r.n = (uint32_t)b->len;
    r.p = rk_buf_take(b);
    return r;
}

/* The CUR 2.0 map key / column suffix of a legacy name: "product/ProductName"
 * -> "product_product_name"; the map key drops the "product_" prefix. */
static void norm(const char *legacy, char *out, size_t cap) { rk_colname_normalize(legacy, strlen(legacy), out, cap); }

typedef struct kv {
    char key[128];
    const char *val;
} kv;

static int cmp_kv(const void *a, const void *b) { return strcmp(((const kv *)a)->key, ((const kv *)b)->key); }

/* A JSON object from sorted pairs, as one CSV cell ({} when empty). */
static void json_map_cell(rk_buf *out, kv *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_kv);
    rk_buf j;
    rk_buf_init(&j, 1 << 20);
    rk_buf_putc(&j, '{');
    for (size_t i = 0; i < n; i++) {
        if (i) rk_buf_putc(&j, ',');
        rk_buf_json_str(&j, v[i].key);
        rk_buf_putc(&j, ':');
        rk_buf_json_str(&j, v[i].val);
    }
    rk_buf_putc(&j, '}');
    csv_cell(out, j.p);
    rk_buf_free(&j);
}

/* The static CUR 2.0 product columns, in their (alphabetical) column order. */
static int cur2_static_attrs(int *out)
{
    int n = 0;
    char names[PA_COUNT][128];
    for (int a = 0; a < PA_COUNT; a++) {
        if (!pattrs[a].cur2_static) continue;
        char leg[160];
        snprintf(leg, sizeof leg, "product/%s", pattrs[a].name);
        norm(leg, names[a], sizeof names[a]);
        int i = n++;
        while (i > 0 && strcmp(names[out[i - 1]], names[a]) > 0) {
            out[i] = out[i - 1];
            i--;
        }
        out[i] = a;
    }
    return n;
}

gen_block gen_render_product(gen_fmt f, const char *const attr[PA_COUNT])
{
    rk_buf b;
    rk_buf_init(&b, 1 << 20);
    if (f == GF_LEGACY) {
        for (int a = 0; a < PA_COUNT; a++) {
            if (a) rk_buf_putc(&b, ',');
            if (attr[a]) csv_cell(&b, attr[a]);
        }
        return take_block(&b);
    }
    kv v[PA_COUNT];
    size_t n = 0;
    for (int a = 0; a < PA_COUNT; a++) {
        if (pattrs[a].cur2_static || !attr[a] || !*attr[a]) continue;
        char leg[160], nm[128];
        snprintf(leg, sizeof leg, "product/%s", pattrs[a].name);
        norm(leg, nm, sizeof nm);
        snprintf(v[n].key, sizeof v[n].key, "%s", nm + 8); /* drop "product_" */
        v[n++].val = attr[a];
    }
    json_map_cell(&b, v, n);
    int st[PA_COUNT];
    int ns = cur2_static_attrs(st);
    for (int i = 0; i < ns; i++) {
        rk_buf_putc(&b, ',');
        if (attr[st[i]]) csv_cell(&b, attr[st[i]]);
    }
    return take_block(&b);
}

static gen_block render_named(gen_fmt f, const char *const *names, const char *const *val, int n)
{
    rk_buf b;
    rk_buf_init(&b, 1 << 20);
    if (f == GF_LEGACY) {
        for (int i = 0; i < n; i++) {
            if (i) rk_buf_putc(&b, ',');
            if (val[i]) csv_cell(&b, val[i]);
        }
        return take_block(&b);
    }
    kv v[16];
    size_t k = 0;
    for (int i = 0; i < n && k < 16; i++) {
        if (!val[i] || !*val[i]) continue;
        norm(names[i], v[k].key, sizeof v[k].key);
        v[k++].val = val[i];
    }
    json_map_cell(&b, v, k);
    return take_block(&b);
}

gen_block gen_render_tags(gen_fmt f, const char *const val[GEN_NTAGS])
{
    return render_named(f, gen_tag_keys, val, GEN_NTAGS);
}

gen_block gen_render_costcat(gen_fmt f, const char *const val[GEN_NCOSTCAT])
{
    return render_named(f, gen_costcat_names, val, GEN_NCOSTCAT);
}

/* ---- numbers and times, by hand ---- */

size_t gen_fmt_u10(int64_t v, char *out)
{
    char *o = out;
    uint64_t a;
    if (v < 0) {
        *o++ = '-';
        a = (uint64_t)(-(v + 1)) + 1;
    } else {
        a = (uint64_t)v;
    }
    uint64_t ip = a / (uint64_t)U10, fp = a % (uint64_t)U10;
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (n) *o++ = tmp[--n];
    if (fp) {
        char d[10];
        for (int i = 9; i >= 0; i--) {
            d[i] = (char)('0' + fp % 10);
            fp /= 10;
        }
        int last = 9;
        while (d[last] == '0') last--;
        *o++ = '.';
        memcpy(o, d, (size_t)last + 1);
        o += last + 1;
    }
    return (size_t)(o - out);
}

static inline char *put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

size_t gen_fmt_time(int64_t ms, bool with_ms, char *out)
{
    int64_t day = ms >= 0 ? ms / MS_DAY : -((-ms + MS_DAY - 1) / MS_DAY);
    int64_t rem = ms - day * MS_DAY;
    int y, m, d;
    rk_civil_from_days(day, &y, &m, &d);
    char *o = out;
    o = put2(o, y / 100);
    o = put2(o, y % 100);
    *o++ = '-';
    o = put2(o, m);
    *o++ = '-';
    o = put2(o, d);
    *o++ = 'T';
    o = put2(o, (int)(rem / 3600000));
    *o++ = ':';
    o = put2(o, (int)(rem / 60000 % 60));
    *o++ = ':';
    o = put2(o, (int)(rem / 1000 % 60));
    if (with_ms) {
        int f = (int)(rem % 1000);
        *o++ = '.';
        *o++ = (char)('0' + f / 100);
        o = put2(o, f % 100);
    }
    *o++ = 'Z';
    *o = 0;
    return (size_t)(o - out);
}

/* ---- row builder ---- */

static char *scratch(grow *r, size_t n)
{
    if (r->sl + n > GROW_SCRATCH) r->sl = 0; /* never reached by real rows: they are far smaller */
    char *p = r->scratch + r->sl;
    r->sl += n;
    return p;
}

void grow_raws(grow *r, int c, const char *s) { grow_raw(r, c, s, (uint32_t)strlen(s)); }

void grow_text(grow *r, int c, const char *s)
{
    size_t n = strlen(s);
    if (!needs_quote(s, n)) {
        grow_raw(r, c, s, (uint32_t)n);
        return;
    }
    size_t q = 2;
    for (size_t i = 0; i < n; i++) q += s[i] == '"' ? 2 : 1;
    char *p = scratch(r, q), *o = p;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') *o++ = '"';
        *o++ = s[i];
    }
    *o++ = '"';
    grow_raw(r, c, p, (uint32_t)(o - p));
}

void grow_num(grow *r, int c, int64_t u10)
{
    char *p = scratch(r, 24);
    grow_raw(r, c, p, (uint32_t)gen_fmt_u10(u10, p));
}

void grow_int(grow *r, int c, int64_t v) { grow_num(r, c, v * U10); }

void grow_copy(grow *r, int c, const char *s, size_t n)
{
    char *p = scratch(r, n);
    memcpy(p, s, n);
    grow_raw(r, c, p, (uint32_t)n);
}

/* ---- layouts ---- */

typedef struct ent {
    char name[160];
    int col;
} ent;

static int cmp_ent(const void *a, const void *b) { return strcmp(((const ent *)a)->name, ((const ent *)b)->name); }

static const char *cur2_name(int c, char *buf, size_t cap)
{
    switch (c) {
    case GC_PRODUCT: return "product";
    case GC_TAGS: return "resource_tags";
    case GC_COSTCAT: return "cost_category";
    case GC_DISC_MAP: return "discount";
    default: norm(cols[c].legacy, buf, cap); return buf;
    }
}

static int layout_order(gen_fmt f, int16_t *prog)
{
    int n = 0;
    if (f == GF_LEGACY) {
        for (int c = 0; c < GC_COUNT; c++)
            if (cols[c].only != 2) prog[n++] = (int16_t)c;
        return n;
    }
    ent e[GC_COUNT];
    for (int c = 0; c < GC_COUNT; c++) {
        if (cols[c].only == 1) continue;
        char buf[160];
        snprintf(e[n].name, sizeof e[n].name, "%s", cur2_name(c, buf, sizeof buf));
        e[n++].col = c;
    }
    qsort(e, (size_t)n, sizeof *e, cmp_ent);
    for (int i = 0; i < n; i++) prog[i] = (int16_t)e[i].col;
    return n;
}

/* Calls fn for every physical column of the format, in file order. */
typedef void (*col_fn)(void *ctx, const char *category, const char *name, const char *type);

static void each_column(gen_fmt f, col_fn fn, void *ctx)
{
    int16_t prog[GC_COUNT];
    int n = layout_order(f, prog);
    char buf[256];
    for (int i = 0; i < n; i++) {
        int c = prog[i];
        if (f == GF_LEGACY) {
            if (c == GC_PRODUCT) {
                for (int a = 0; a < PA_COUNT; a++) fn(ctx, "product", pattrs[a].name, "OptionalString");
            } else if (c == GC_TAGS) {
                for (int t = 0; t < GEN_NTAGS; t++) fn(ctx, "resourceTags", gen_tag_keys[t], "OptionalString");
            } else if (c == GC_COSTCAT) {
                for (int t = 0; t < GEN_NCOSTCAT; t++) fn(ctx, "costCategory", gen_costcat_names[t], "OptionalString");
            } else {
                const char *slash = strchr(cols[c].legacy, '/');
                char cat[64];
                snprintf(cat, sizeof cat, "%.*s", (int)(slash - cols[c].legacy), cols[c].legacy);
                fn(ctx, cat, slash + 1, cols[c].ltype);
            }
        } else {
            if (c == GC_PRODUCT) {
                fn(ctx, NULL, "product", "map<string,string>");
                int st[PA_COUNT];
                int ns = cur2_static_attrs(st);
                for (int k = 0; k < ns; k++) {
                    char leg[160];
                    snprintf(leg, sizeof leg, "product/%s", pattrs[st[k]].name);
                    norm(leg, buf, sizeof buf);
                    fn(ctx, NULL, buf, "string");
                }
            } else if (c == GC_TAGS || c == GC_COSTCAT) {
                fn(ctx, NULL, cur2_name(c, buf, sizeof buf), "map<string,string>");
            } else {
                fn(ctx, NULL, cur2_name(c, buf, sizeof buf), cols[c].ctype);
            }
        }
    }
}

static uint8_t kind_of(gen_fmt f, int c)
{
    if (f == GF_LEGACY) {
        if (c == GC_PRODUCT || c == GC_TAGS || c == GC_COSTCAT) return GK_STRING;
        if (strcmp(cols[c].ltype, "DateTime") == 0) return GK_TIME;
        return strcmp(cols[c].ctype, "double") == 0 ? GK_NUMBER : GK_STRING;
    }
    if (c == GC_PRODUCT || c == GC_TAGS || c == GC_COSTCAT) return GK_MAP;
    if (strcmp(cols[c].ctype, "timestamp") == 0) return GK_TIME;
    if (strcmp(cols[c].ctype, "double") == 0) return GK_NUMBER;
    if (strcmp(cols[c].ctype, "map<string,double>") == 0) return GK_MAP_NUMBER;
    if (strcmp(cols[c].ctype, "map<string,string>") == 0) return GK_MAP;
    return GK_STRING;
}

static void add_col(gen_col *out, int *n, int gc, int sub, uint8_t kind, const char *name)
{
    gen_col *e = &out[(*n)++];
    e->gc = (int16_t)gc;
    e->sub = (int16_t)sub;
    e->kind = kind;
    snprintf(e->name, sizeof e->name, "%s", name);
}

int gen_columns(gen_fmt f, gen_col *out)
{
    int16_t prog[GC_COUNT];
    int np = layout_order(f, prog), n = 0;
    char buf[256];
    for (int i = 0; i < np; i++) {
        int c = prog[i];
        uint8_t k = kind_of(f, c);
        if (f == GF_LEGACY) {
            if (c == GC_PRODUCT) {
                for (int a = 0; a < PA_COUNT; a++) {
                    snprintf(buf, sizeof buf, "product/%s", pattrs[a].name);
                    add_col(out, &n, c, a, k, buf);
                }
            } else if (c == GC_TAGS) {
                for (int t = 0; t < GEN_NTAGS; t++) {
                    snprintf(buf, sizeof buf, "resourceTags/%s", gen_tag_keys[t]);
                    add_col(out, &n, c, t, k, buf);
                }
            } else if (c == GC_COSTCAT) {
                for (int t = 0; t < GEN_NCOSTCAT; t++) {
                    snprintf(buf, sizeof buf, "costCategory/%s", gen_costcat_names[t]);
                    add_col(out, &n, c, t, k, buf);
                }
            } else {
                add_col(out, &n, c, 0, k, cols[c].legacy);
            }
        } else if (c == GC_PRODUCT) {
            add_col(out, &n, c, 0, GK_MAP, "product");
            int st[PA_COUNT];
            int ns = cur2_static_attrs(st);
            for (int s = 0; s < ns; s++) {
                char leg[160];
                snprintf(leg, sizeof leg, "product/%s", pattrs[st[s]].name);
                norm(leg, buf, sizeof buf);
                add_col(out, &n, c, s + 1, GK_STRING, buf);
            }
        } else {
            add_col(out, &n, c, 0, k, cur2_name(c, buf, sizeof buf));
        }
    }
    return n;
}

static void header_fn(void *ctx, const char *category, const char *name, const char *type)
{
    rk_buf *b = ctx;
    if (b->len) rk_buf_putc(b, ',');
    if (category) {
        rk_buf_puts(b, category);
        rk_buf_putc(b, '/');
    }
    rk_buf_puts(b, name);
}

typedef struct mctx {
    rk_buf *b;
    int n;
} mctx;

static void manifest_fn(void *ctx, const char *category, const char *name, const char *type)
{
    mctx *m = ctx;
    rk_buf_puts(m->b, m->n++ ? ",\n    {" : "\n    {");
    if (category) {
        rk_buf_puts(m->b, "\"category\": ");
        rk_buf_json_str(m->b, category);
        rk_buf_puts(m->b, ", ");
    }
    rk_buf_puts(m->b, "\"name\": ");
    rk_buf_json_str(m->b, name);
    rk_buf_puts(m->b, ", \"type\": ");
    rk_buf_json_str(m->b, type);
    rk_buf_putc(m->b, '}');
}

rk_status gen_manifest_columns(gen_fmt f, rk_buf *b)
{
    mctx m = {b, 0};
    rk_buf_putc(b, '[');
    each_column(f, manifest_fn, &m);
    rk_buf_puts(b, "\n  ]");
    return RK_OK;
}

rk_status gen_layout_init(gen_layout *l, gen_fmt f, rk_err *err)
{
    memset(l, 0, sizeof *l);
    l->fmt = f;
    l->nprog = layout_order(f, l->prog);
    rk_buf b;
    rk_buf_init(&b, 1 << 20);
    each_column(f, header_fn, &b);
    rk_buf_putc(&b, '\n');
    l->header_len = b.len;
    l->header = rk_buf_take(&b);
    if (!l->header) return rk_err_set(err, RK_ENOMEM, "out of memory");
    /* An empty block is as many commas as it has inner separators. */
    const char *none[PA_COUNT] = {0};
    int blocks[3] = {GC_PRODUCT, GC_TAGS, GC_COSTCAT};
    for (int i = 0; i < 3; i++) {
        gen_block e = blocks[i] == GC_PRODUCT ? gen_render_product(f, none)
                      : blocks[i] == GC_TAGS  ? gen_render_tags(f, none)
                                              : gen_render_costcat(f, none);
        l->empty_block[blocks[i]] = (char *)e.p;
        l->empty_len[blocks[i]] = e.n;
        if (!e.p) return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    return RK_OK;
}

void gen_layout_free(gen_layout *l)
{
    free(l->header);
    for (int c = 0; c < GC_COUNT; c++) free(l->empty_block[c]);
    memset(l, 0, sizeof *l);
}

size_t gen_serialize(const gen_layout *l, const grow *r, char *out)
{
    char *o = out;
    for (int i = 0; i < l->nprog; i++) {
        int c = l->prog[i];
        if (i) *o++ = ',';
        if (r->stamp[c] == r->cur) {
            memcpy(o, r->p[c], r->n[c]);
            o += r->n[c];
        } else if (l->empty_block[c]) {
            memcpy(o, l->empty_block[c], l->empty_len[c]);
            o += l->empty_len[c];
        }
    }
    *o++ = '\n';
    return (size_t)(o - out);
}
