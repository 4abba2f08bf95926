/* gen_model.c — the organization the generator bills: accounts, list prices,
 * products, resources, Reserved Instances and Savings Plans.
 *
 * HOW IT WORKS
 * A fixed table of fleets describes what each kind of account runs (a
 * production account has a diurnal web tier, an API tier that migrates from
 * m5 to Graviton in the middle of the window, databases, caches, Fargate
 * services, Lambda functions, buckets…). Each fleet's size is multiplied by
 * --scale and expanded into resources with ids, availability zones, tags and
 * a lifetime. Products (one per usage type, region and operating system) hold
 * every column that does not change from row to row, rendered once per
 * format. Commitments are declared here with their terms and dates; their
 * sizes (RI counts, SP hourly commitments) are set by gen_run.c from a
 * simulated sample week, so they fit the organization at any scale.
 *
 * Prices are list prices of 2024–2025 (us-east-1, Linux), exact decimals;
 * other regions apply a fixed factor. Nothing here is random except through
 * gen_h(seed, …), so the model is a pure function of the options.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/timeparse.h"
#include "gen/gen_internal.h"

const char *const gen_pc_codes[PC_COUNT] = {
    "AmazonEC2", "AmazonRDS", "AmazonElastiCache", "AmazonECS", "AWSLambda", "AmazonS3",
    "AmazonCloudWatch", "ComputeSavingsPlans", "AWSSupportBusiness", "6njl1pau431dv1qxipg63mvah"};

/* ---- arena ---- */

struct gen_arena_blk {
    gen_arena_blk *next;
    size_t used, cap;
    char data[];
};

static char *arena_alloc(gen_arena *a, size_t n)
{
    if (!a->head || a->head->used + n > a->head->cap) {
        size_t cap = n > 60000 ? n : 60000;
        gen_arena_blk *b = malloc(sizeof *b + cap);
        if (!b) abort(); /* the model is small; the CLI treats this as fatal anyway */
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    char *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

char *gen_astr(gen_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof tmp) n = sizeof tmp - 1;
    char *p = arena_alloc(a, (size_t)n + 1);
    memcpy(p, tmp, (size_t)n + 1);
    return p;
}

void gen_arena_free(gen_arena *a)
{
    while (a->head) {
        gen_arena_blk *n = a->head->next;
        free(a->head);
        a->head = n;
    }
}

/* ---- price list ---- */

typedef struct region {
    const char *code, *name, *prefix;
    int factor_pct; /* price factor against us-east-1 */
} region;

static const region regions[] = {
    {"us-east-1", "US East (N. Virginia)", "", 100},
    {"us-west-2", "US West (Oregon)", "USW2-", 100},
    {"eu-west-1", "EU (Ireland)", "EU-", 111},
};
enum { R_USE1 = 0, R_USW2, R_EUW1 };

typedef struct itype {
    const char *name, *family, *fam_desc;
    uint8_t svc, nf4, vcpu;
    const char *memory, *proc, *net;
    int64_t od; /* us-east-1, Linux / MySQL / Redis, U10 */
} itype;

static const itype itypes[] = {
    {"t3.micro", "t3", "General purpose", SVC_EC2, 2, 2, "1 GiB", "Intel Skylake E5 2686 v5", "Up to 5 Gigabit", 104000000},
    {"t3.small", "t3", "General purpose", SVC_EC2, 4, 2, "2 GiB", "Intel Skylake E5 2686 v5", "Up to 5 Gigabit", 208000000},
    {"t3.medium", "t3", "General purpose", SVC_EC2, 8, 2, "4 GiB", "Intel Skylake E5 2686 v5", "Up to 5 Gigabit", 416000000},
    {"t3.large", "t3", "General purpose", SVC_EC2, 16, 2, "8 GiB", "Intel Skylake E5 2686 v5", "Up to 5 Gigabit", 832000000},
    {"m5.large", "m5", "General purpose", SVC_EC2, 16, 2, "8 GiB", "Intel Xeon Platinum 8175", "Up to 10 Gigabit", 960000000},
    {"m5.xlarge", "m5", "General purpose", SVC_EC2, 32, 4, "16 GiB", "Intel Xeon Platinum 8175", "Up to 10 Gigabit", 1920000000},
    {"m5.2xlarge", "m5", "General purpose", SVC_EC2, 64, 8, "32 GiB", "Intel Xeon Platinum 8175", "Up to 10 Gigabit", 3840000000},
    {"c5.large", "c5", "Compute optimized", SVC_EC2, 16, 2, "4 GiB", "Intel Xeon Platinum 8124M", "Up to 10 Gigabit", 850000000},
    {"c5.xlarge", "c5", "Compute optimized", SVC_EC2, 32, 4, "8 GiB", "Intel Xeon Platinum 8124M", "Up to 10 Gigabit", 1700000000},
    {"c5.2xlarge", "c5", "Compute optimized", SVC_EC2, 64, 8, "16 GiB", "Intel Xeon Platinum 8124M", "Up to 10 Gigabit", 3400000000},
    {"r5.large", "r5", "Memory optimized", SVC_EC2, 16, 2, "16 GiB", "Intel Xeon Platinum 8175", "Up to 10 Gigabit", 1260000000},
    {"r5.xlarge", "r5", "Memory optimized", SVC_EC2, 32, 4, "32 GiB", "Intel Xeon Platinum 8175", "Up to 10 Gigabit", 2520000000},
    {"m6g.large", "m6g", "General purpose", SVC_EC2, 16, 2, "8 GiB", "AWS Graviton2 Processor", "Up to 10 Gigabit", 770000000},
    {"m6g.xlarge", "m6g", "General purpose", SVC_EC2, 32, 4, "16 GiB", "AWS Graviton2 Processor", "Up to 10 Gigabit", 1540000000},
    {"m6g.2xlarge", "m6g", "General purpose", SVC_EC2, 64, 8, "32 GiB", "AWS Graviton2 Processor", "Up to 10 Gigabit", 3080000000},
    {"r5.2xlarge", "r5", "Memory optimized", SVC_EC2, 64, 8, "64 GiB", "Intel Xeon Platinum 8175", "Up to 10 Gigabit", 5040000000},
    {"db.m5.large", "db.m5", "General purpose", SVC_RDS, 16, 2, "8 GiB", "Intel Xeon Platinum 8175", "Up to 10 Gigabit", 1710000000},
    {"db.r5.large", "db.r5", "Memory optimized", SVC_RDS, 16, 2, "16 GiB", "Intel Xeon Platinum 8175", "Up to 10 Gigabit", 2400000000},
    {"db.r5.xlarge", "db.r5", "Memory optimized", SVC_RDS, 32, 4, "32 GiB", "Intel Xeon Platinum 8175", "Up to 10 Gigabit", 4800000000},
    {"db.r5.2xlarge", "db.r5", "Memory optimized", SVC_RDS, 64, 8, "64 GiB", "Intel Xeon Platinum 8175", "Up to 10 Gigabit", 9600000000},
    {"cache.m6g.large", "cache.m6g", "Standard", SVC_CACHE, 16, 2, "6.38 GiB", "AWS Graviton2 Processor", "Up to 10 Gigabit", 1490000000},
    {"cache.r6g.large", "cache.r6g", "Memory optimized", SVC_CACHE, 16, 2, "13.07 GiB", "AWS Graviton2 Processor", "Up to 10 Gigabit", 2060000000},
};
#define NITYPES (int)(sizeof itypes / sizeof *itypes)
static const char *const families[] = {"t3", "m5", "c5", "r5", "m6g"};
#define NFAM 5

static int itype_find(const char *name)
{
    for (int i = 0; i < NITYPES; i++)
        if (strcmp(itypes[i].name, name) == 0) return i;
    return -1;
}

static int fam_index(const char *fam)
{
    for (int i = 0; i < NFAM; i++)
        if (strcmp(families[i], fam) == 0) return i;
    return -1;
}

/* Windows adds a licence charge per vCPU-hour. */
#define WINDOWS_PER_VCPU 460000000LL /* 0.046 */

static int64_t region_price(int64_t us, int r) { return muldiv(us, regions[r].factor_pct, 100); }

/* ---- accounts ---- */

enum { AC_MGMT = 0, AC_PROD, AC_DATA, AC_STAGING, AC_DEV, AC_SHARED, AC_SECURITY, AC_SANDBOX, AC_TEAM, AC_COUNT };
static const struct {
    const char *name, *env, *bu;
} acct_cls[AC_COUNT] = {
    [AC_MGMT] = {"acme-management", "prod", "Corporate"},
    [AC_PROD] = {"acme-prod", "prod", "Platform"},
    [AC_DATA] = {"acme-data", "prod", "Data & Analytics"},
    [AC_STAGING] = {"acme-staging", "staging", "Platform"},
    [AC_DEV] = {"acme-dev", "dev", "Engineering"},
    [AC_SHARED] = {"acme-shared-services", "prod", "Platform"},
    [AC_SECURITY] = {"acme-security", "prod", "Security"},
    [AC_SANDBOX] = {"acme-sandbox", "sandbox", "Engineering"},
    [AC_TEAM] = {"acme-team-%02d", "dev", "Engineering"},
};

static const struct {
    const char *team, *cc;
} teams[] = {{"platform", "CC-1001"}, {"payments", "CC-1002"}, {"search", "CC-1003"}, {"data", "CC-1004"},
             {"growth", "CC-1005"},   {"security", "CC-1006"}, {"ml", "CC-1007"}};

static const char *cost_center(const char *team)
{
    for (size_t i = 0; i < sizeof teams / sizeof *teams; i++)
        if (team && strcmp(teams[i].team, team) == 0) return teams[i].cc;
    return NULL;
}

/* ---- fleets ----
 * p1..p3 by kind: EC2 (EBS GB, data out MB/h at peak, inter-AZ MB/h), SPOT
 * (EBS GB), RDS (storage GB), FARGATE (vCPU×4, GB×4), LAMBDA (requests/h at
 * peak, memory MB, duration ms), S3 (GB at the start, PUT/h, GET/h), NAT
 * (MB/h), CW (metrics, log MB/h), MKT (units/h). */
static const gen_fleetdef fleetdefs[] = {
    /* production */
    {AC_PROD, K_EC2, "m5.xlarge", R_USE1, 0, P_DIURNAL, 8, "growth", "web", 50, 900, 300, F_GROWTH},
    {AC_PROD, K_EC2, "m5.2xlarge", R_USE1, 0, P_ALWAYS, 4, "payments", "api", 100, 200, 100, F_MIG_OUT},
    {AC_PROD, K_EC2, "m6g.2xlarge", R_USE1, 0, P_ALWAYS, 4, "payments", "api-arm", 100, 200, 100, F_MIG_IN},
    {AC_PROD, K_EC2, "c5.2xlarge", R_USE1, 0, P_ALWAYS, 3, "search", "search", 200, 0, 400, 0},
    {AC_PROD, K_EC2, "r5.xlarge", R_USE1, 0, P_ALWAYS, 3, "payments", "ledger", 100, 0, 0, 0},
    {AC_PROD, K_EC2, "m5.large", R_USE1, 1, P_ALWAYS, 1, "platform", "ad-connector", 80, 0, 0, 0},
    {AC_PROD, K_EC2, "m5.large", R_EUW1, 0, P_DIURNAL, 3, "growth", "web-eu", 50, 600, 0, F_GROWTH},
    {AC_PROD, K_RDS, "db.r5.xlarge", R_USE1, 0, P_ALWAYS, 2, "payments", "orders-db", 500, 0, 0, 0},
    {AC_PROD, K_CACHE, "cache.r6g.large", R_USE1, 0, P_ALWAYS, 2, "growth", "sessions", 0, 0, 0, 0},
    {AC_PROD, K_FARGATE, NULL, R_USE1, 0, P_DIURNAL, 6, "payments", "checkout", 4, 8, 0, F_GROWTH},
    {AC_PROD, K_LAMBDA, NULL, R_USE1, 0, P_DIURNAL, 1, "growth", "thumbnailer", 20000, 512, 180, 0},
    {AC_PROD, K_LAMBDA, NULL, R_USE1, 0, P_DIURNAL, 1, "payments", "webhooks", 5000, 256, 90, 0},
    {AC_PROD, K_LAMBDA, NULL, R_USE1, 0, P_DIURNAL, 1, "platform", "auth-edge", 40000, 128, 20, 0},
    {AC_PROD, K_S3, NULL, R_USE1, 0, P_DIURNAL, 1, "growth", "acme-prod-assets", 3000, 20000, 300000, 0},
    {AC_PROD, K_S3, NULL, R_USE1, 0, P_ALWAYS, 1, "platform", "acme-prod-backups", 8000, 3000, 200, 0},
    {AC_PROD, K_S3, NULL, R_USE1, 0, P_DIURNAL, 1, "platform", "acme-prod-logs", 1500, 40000, 5000, 0},
    {AC_PROD, K_NAT, NULL, R_USE1, 0, P_DIURNAL, 1, "platform", "nat-prod", 8000, 0, 0, 0},
    {AC_PROD, K_CW, NULL, R_USE1, 0, P_DIURNAL, 1, NULL, "cloudwatch", 800, 600, 0, 0},
    {AC_PROD, K_MKT, NULL, R_USE1, 0, P_DIURNAL, 1, "platform", "nimbus", 40, 0, 0, 0},
    /* data */
    {AC_DATA, K_SPOT, "c5.xlarge", R_USE1, 0, P_BATCH, 8, "data", "spark-worker", 100, 0, 0, 0},
    {AC_DATA, K_EC2, "c5.2xlarge", R_USE1, 0, P_ALWAYS, 2, "data", "warehouse-etl", 200, 0, 800, 0},
    {AC_DATA, K_EC2, "r5.2xlarge", R_USE1, 0, P_ALWAYS, 2, "ml", "feature-store", 200, 0, 0, 0},
    {AC_DATA, K_RDS, "db.r5.2xlarge", R_USE1, 0, P_ALWAYS, 1, "data", "warehouse-meta", 1000, 0, 0, 0},
    {AC_DATA, K_LAMBDA, NULL, R_USE1, 0, P_DIURNAL, 1, "data", "ingest-router", 15000, 1024, 400, 0},
    {AC_DATA, K_LAMBDA, NULL, R_USE1, 0, P_DIURNAL, 1, "data", "schema-check", 2000, 256, 50, 0},
    {AC_DATA, K_S3, NULL, R_USE1, 0, P_BATCH, 1, "data", "acme-data-lake-raw", 15000, 60000, 200000, 0},
    {AC_DATA, K_S3, NULL, R_USE1, 0, P_BATCH, 1, "data", "acme-data-lake-curated", 8000, 30000, 300000, 0},
    {AC_DATA, K_S3, NULL, R_USE1, 0, P_DIURNAL, 1, "data", "acme-data-athena-results", 500, 8000, 30000, 0},
    {AC_DATA, K_S3, NULL, R_USE1, 0, P_ALWAYS, 1, "ml", "acme-data-models", 1500, 500, 2000, 0},
    {AC_DATA, K_CW, NULL, R_USE1, 0, P_DIURNAL, 1, NULL, "cloudwatch", 300, 250, 0, 0},
    /* staging */
    {AC_STAGING, K_EC2, "m5.large", R_USE1, 0, P_OFFICE, 2, "growth", "web-stg", 30, 0, 0, 0},
    {AC_STAGING, K_EC2, "t3.medium", R_USE1, 0, P_OFFICE, 2, "payments", "api-stg", 30, 0, 0, 0},
    {AC_STAGING, K_RDS, "db.m5.large", R_USE1, 0, P_ALWAYS, 1, "payments", "orders-db-stg", 100, 0, 0, 0},
    {AC_STAGING, K_FARGATE, NULL, R_USE1, 0, P_OFFICE, 2, "payments", "checkout-stg", 2, 4, 0, 0},
    {AC_STAGING, K_S3, NULL, R_USE1, 0, P_OFFICE, 1, "growth", "acme-staging-assets", 200, 2000, 10000, 0},
    {AC_STAGING, K_CW, NULL, R_USE1, 0, P_DIURNAL, 1, NULL, "cloudwatch", 150, 60, 0, 0},
    /* development */
    {AC_DEV, K_EC2, "t3.large", R_USE1, 0, P_OFFICE, 4, "platform", "devbox", 50, 0, 0, 0},
    {AC_DEV, K_EC2, "t3.medium", R_USE1, 0, P_OFFICE, 3, "search", "dev-api", 30, 0, 0, 0},
    {AC_DEV, K_LAMBDA, NULL, R_USE1, 0, P_OFFICE, 1, "growth", "dev-thumbnailer", 500, 512, 180, 0},
    {AC_DEV, K_LAMBDA, NULL, R_USE1, 0, P_OFFICE, 1, "payments", "dev-webhooks", 200, 256, 90, 0},
    {AC_DEV, K_S3, NULL, R_USE1, 0, P_OFFICE, 1, "platform", "acme-dev-scratch", 300, 3000, 6000, 0},
    {AC_DEV, K_CW, NULL, R_USE1, 0, P_DIURNAL, 1, NULL, "cloudwatch", 100, 30, 0, 0},
    /* shared services */
    {AC_SHARED, K_EC2, "m5.large", R_USE1, 0, P_ALWAYS, 2, "platform", "jenkins", 200, 0, 0, 0},
    {AC_SHARED, K_EC2, "c5.xlarge", R_USE1, 0, P_DIURNAL, 3, "platform", "ci-runner", 100, 0, 200, 0},
    {AC_SHARED, K_EC2, "t3.medium", R_USW2, 0, P_ALWAYS, 1, "platform", "dr-bastion", 20, 0, 0, 0},
    {AC_SHARED, K_NAT, NULL, R_USE1, 0, P_DIURNAL, 1, "platform", "nat-shared", 2000, 0, 0, 0},
    {AC_SHARED, K_S3, NULL, R_USE1, 0, P_DIURNAL, 1, "platform", "acme-shared-artifacts", 1000, 10000, 50000, 0},
    {AC_SHARED, K_CW, NULL, R_USE1, 0, P_DIURNAL, 1, NULL, "cloudwatch", 200, 100, 0, 0},
    /* security */
    {AC_SECURITY, K_EC2, "t3.small", R_USE1, 0, P_ALWAYS, 2, "security", "siem-collector", 50, 0, 0, 0},
    {AC_SECURITY, K_LAMBDA, NULL, R_USE1, 0, P_DIURNAL, 1, "security", "guardduty-forwarder", 3000, 256, 60, 0},
    {AC_SECURITY, K_LAMBDA, NULL, R_USE1, 0, P_ALWAYS, 1, "security", "config-remediator", 100, 512, 800, 0},
    {AC_SECURITY, K_S3, NULL, R_USE1, 0, P_ALWAYS, 1, "security", "acme-security-cloudtrail", 1500, 30000, 500, 0},
    {AC_SECURITY, K_S3, NULL, R_USE1, 0, P_ALWAYS, 1, "security", "acme-security-flowlogs", 2500, 40000, 300, 0},
    {AC_SECURITY, K_CW, NULL, R_USE1, 0, P_DIURNAL, 1, NULL, "cloudwatch", 150, 150, 0, 0},
    /* sandbox */
    {AC_SANDBOX, K_EC2, "t3.micro", R_USE1, 0, P_OFFICE, 2, "ml", "sandbox", 20, 0, 0, 0},
    {AC_SANDBOX, K_S3, NULL, R_USE1, 0, P_OFFICE, 1, "ml", "acme-sandbox-experiments", 100, 500, 2000, 0},
    {AC_SANDBOX, K_CW, NULL, R_USE1, 0, P_DIURNAL, 1, NULL, "cloudwatch", 30, 5, 0, 0},
    /* management (payer) */
    {AC_MGMT, K_LAMBDA, NULL, R_USE1, 0, P_ALWAYS, 1, "platform", "org-inventory", 60, 256, 1500, 0},
    {AC_MGMT, K_S3, NULL, R_USE1, 0, P_ALWAYS, 1, "security", "acme-org-cloudtrail", 600, 8000, 100, 0},
    {AC_MGMT, K_CW, NULL, R_USE1, 0, P_DIURNAL, 1, NULL, "cloudwatch", 50, 20, 0, 0},
    /* every further team account */
    {AC_TEAM, K_EC2, "t3.large", R_USE1, 0, P_OFFICE, 2, "ml", "team-devbox", 50, 0, 0, 0},
    {AC_TEAM, K_EC2, "m5.large", R_USE1, 0, P_ALWAYS, 1, "ml", "team-service", 50, 100, 0, 0},
    {AC_TEAM, K_LAMBDA, NULL, R_USE1, 0, P_DIURNAL, 1, "ml", "team-fn", 1000, 256, 100, 0},
    {AC_TEAM, K_S3, NULL, R_USE1, 0, P_DIURNAL, 1, "ml", "acme-team-data", 150, 1000, 3000, 0},
    {AC_TEAM, K_CW, NULL, R_USE1, 0, P_DIURNAL, 1, NULL, "cloudwatch", 40, 15, 0, 0},
};
#define NFLEETDEFS (int)(sizeof fleetdefs / sizeof *fleetdefs)

/* ---- products ---- */

static const char *sku_of(gen_model *m, const char *key)
{
    static const char al[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    uint64_t h = gen_h(0x5c, (uint64_t)strlen(key), 0, 0);
    for (const char *p = key; *p; p++) h = gen_mix(h ^ (unsigned char)*p);
    char s[17];
    for (int i = 0; i < 16; i++) {
        s[i] = al[h & 31];
        h = (h >> 5) | ((uint64_t)gen_mix(h) << 59);
        if (i == 11) h = gen_mix(h);
    }
    s[16] = 0;
    return gen_astr(&m->arena, "%s", s);
}

static gen_prod *prod_get(gen_model *m, const char *key, bool *created)
{
    for (int i = 0; i < m->nprod; i++)
        if (strcmp(m->prod[i].key, key) == 0) {
            *created = false;
            return &m->prod[i];
        }
    if (m->nprod == m->prodcap) {
        m->prodcap = m->prodcap ? m->prodcap * 2 : 64;
        m->prod = realloc(m->prod, (size_t)m->prodcap * sizeof *m->prod);
        if (!m->prod) abort();
    }
    gen_prod *p = &m->prod[m->nprod++];
    memset(p, 0, sizeof *p);
    p->key = gen_astr(&m->arena, "%s", key);
    p->fam = -1;
    *created = true;
    return p;
}

static uint16_t pidx(const gen_model *m, const gen_prod *p) { return (uint16_t)(p - m->prod); }

/* CSV-quotes a description once, so rows copy it as it is. */
static const char *qtext(gen_model *m, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) return gen_astr(&m->arena, "%s", s);
    char tmp[1024];
    size_t k = 0;
    tmp[k++] = '"';
    for (const char *p = s; *p && k < sizeof tmp - 3; p++) {
        if (*p == '"') tmp[k++] = '"';
        tmp[k++] = *p;
    }
    tmp[k++] = '"';
    tmp[k] = 0;
    return gen_astr(&m->arena, "%s", tmp);
}

static const char *money_txt(gen_model *m, int64_t u10)
{
    char b[24];
    b[gen_fmt_u10(u10, b)] = 0;
    return gen_astr(&m->arena, "%s", b);
}

static void prod_common(gen_model *m, gen_prod *p, uint8_t pc, const char *product_name, const char *servicecode,
                        const char *family, int r, const char *usage_type, const char *operation, const char *unit,
                        int64_t od_rate)
{
    p->pc = pc;
    p->region = (uint8_t)r;
    p->attr[PA_PRODUCT_NAME] = product_name;
    p->attr[PA_SERVICECODE] = servicecode;
    p->attr[PA_SERVICENAME] = product_name;
    p->attr[PA_PRODUCT_FAMILY] = family;
    if (r >= 0) {
        p->attr[PA_LOCATION] = regions[r].name;
        p->attr[PA_LOCATION_TYPE] = "AWS Region";
        p->attr[PA_REGION] = regions[r].code;
        p->attr[PA_REGION_CODE] = regions[r].code;
    }
    p->usage_type = usage_type;
    p->operation = operation;
    p->unit = unit;
    p->attr[PA_USAGETYPE] = usage_type;
    p->attr[PA_OPERATION] = operation;
    p->attr[PA_PRICING_UNIT] = unit;
    p->attr[PA_SKU] = sku_of(m, p->key);
    p->od_rate = od_rate;
    size_t n = gen_fmt_u10(od_rate, p->od_txt);
    p->od_txt[n] = 0;
    p->rate_code = gen_astr(&m->arena, "%s.JRTCKXETXF.6YS6EN2CT7", p->attr[PA_SKU]);
    p->rate_id = gen_astr(&m->arena, "%llu", (unsigned long long)(gen_h(m->seed, 0x7a7e, (uint64_t)(p - m->prod), 1) % 9000000000ULL + 1000000000ULL));
    p->edp = true;
}

static void set_nf(gen_prod *p, uint8_t nf4)
{
    p->nf4 = nf4;
    char b[24];
    b[gen_fmt_u10((int64_t)nf4 * U10 / 4, b)] = 0;
    snprintf(p->nf_txt, sizeof p->nf_txt, "%s", b);
    p->attr[PA_NORMALIZATION_SIZE_FACTOR] = NULL; /* set by the caller from nf_txt */
}

/* RI classes: which usage a regional, size-flexible RI applies to. */
static uint16_t ri_class(int svc, const char *family, int r, int os)
{
    int f = 0;
    for (int i = 0; i < NITYPES; i++)
        if (strcmp(itypes[i].family, family) == 0) {
            f = i;
            break;
        }
    return (uint16_t)(1 + ((svc * 64 + f) * 4 + r) * 2 + os);
}

static uint16_t prod_instance(gen_model *m, int it, int r, int os, bool spot)
{
    const itype *t = &itypes[it];
    char key[160];
    snprintf(key, sizeof key, "inst|%s|%d|%d|%d", t->name, r, os, spot);
    bool created;
    gen_prod *p = prod_get(m, key, &created);
    if (!created) return pidx(m, p);
    int64_t od = region_price(t->od, r);
    if (os) od += WINDOWS_PER_VCPU * t->vcpu;
    const char *pre = regions[r].prefix;
    if (t->svc == SVC_EC2) {
        const char *ut = gen_astr(&m->arena, "%s%s:%s", pre, spot ? "SpotUsage" : "BoxUsage", t->name);
        const char *op = spot ? "RunInstances:SV001" : os ? "RunInstances:0002" : "RunInstances";
        prod_common(m, p, PC_EC2, "Amazon Elastic Compute Cloud", "AmazonEC2", "Compute Instance", r, ut, op, "Hrs", od);
        p->attr[PA_INSTANCE_TYPE] = t->name;
        p->attr[PA_INSTANCE_FAMILY] = t->fam_desc;
        p->attr[PA_INSTANCE_TYPE_FAMILY] = t->family;
        p->attr[PA_OPERATING_SYSTEM] = os ? "Windows" : "Linux";
        p->attr[PA_LICENSE_MODEL] = os ? "License Included" : "No License required";
        p->attr[PA_TENANCY] = "Shared";
        p->attr[PA_MARKETOPTION] = spot ? "Spot" : "OnDemand";
        p->fam = (int16_t)fam_index(t->family);
        p->svc = SVC_EC2;
        if (!spot) {
            p->spk = SPK_EC2;
            if (!os) p->ricls = ri_class(SVC_EC2, t->family, r, 0);
            p->desc = qtext(m, gen_astr(&m->arena, "$%s per On Demand %s %s Instance Hour", money_txt(m, od),
                                        os ? "Windows" : "Linux", t->name));
            p->desc_ri = qtext(m, gen_astr(&m->arena, "USD 0.0 per %s, %s reserved instance applied",
                                           os ? "Windows (Amazon VPC)" : "Linux/UNIX (Amazon VPC)", t->name));
        } else {
            p->desc = qtext(m, gen_astr(&m->arena, "Linux/UNIX (Amazon VPC) Spot Instance-hour for %s in %s", t->name,
                                        regions[r].name));
        }
    } else if (t->svc == SVC_RDS) {
        const char *ut = gen_astr(&m->arena, "%sInstanceUsage:%s", pre, t->name);
        prod_common(m, p, PC_RDS, "Amazon Relational Database Service", "AmazonRDS", "Database Instance", r, ut,
                    "CreateDBInstance:0002", "Hrs", od);
        p->attr[PA_INSTANCE_TYPE] = t->name;
        p->attr[PA_INSTANCE_FAMILY] = t->fam_desc;
        p->attr[PA_INSTANCE_TYPE_FAMILY] = t->family;
        p->attr[PA_DATABASE_ENGINE] = "MySQL";
        p->attr[PA_DEPLOYMENT_OPTION] = "Single-AZ";
        p->attr[PA_LICENSE_MODEL] = "No license required";
        p->svc = SVC_RDS;
        p->ricls = ri_class(SVC_RDS, t->family, r, 0);
        p->desc = qtext(m, gen_astr(&m->arena, "$%s per RDS %s instance hour (or partial hour) running MySQL",
                                    money_txt(m, od), t->name));
        p->desc_ri = qtext(m, gen_astr(&m->arena, "USD 0.0 per MySQL, %s reserved instance applied", t->name));
    } else {
        const char *ut = gen_astr(&m->arena, "%sNodeUsage:%s", pre, t->name);
        prod_common(m, p, PC_CACHE, "Amazon ElastiCache", "AmazonElastiCache", "Cache Instance", r, ut,
                    "CreateCacheCluster:0002", "Hrs", od);
        p->attr[PA_INSTANCE_TYPE] = t->name;
        p->attr[PA_INSTANCE_FAMILY] = t->fam_desc;
        p->attr[PA_INSTANCE_TYPE_FAMILY] = t->family;
        p->attr[PA_CACHE_ENGINE] = "Redis";
        p->svc = SVC_CACHE;
        p->ricls = ri_class(SVC_CACHE, t->family, r, 0);
        p->desc = qtext(m, gen_astr(&m->arena, "$%s per Redis %s node-hour (or partial hour)", money_txt(m, od), t->name));
        p->desc_ri = qtext(m, gen_astr(&m->arena, "USD 0.0 per Redis, %s reserved node applied", t->name));
    }
    p->attr[PA_VCPU] = gen_astr(&m->arena, "%d", t->vcpu);
    p->attr[PA_MEMORY] = t->memory;
    p->attr[PA_PHYSICAL_PROCESSOR] = t->proc;
    p->attr[PA_PROCESSOR_ARCHITECTURE] = "64-bit";
    p->attr[PA_NETWORK_PERFORMANCE] = t->net;
    p->attr[PA_CURRENT_GENERATION] = "Yes";
    set_nf(p, t->nf4);
    /* Attributes must not point into the product array: it moves as it grows. */
    p->attr[PA_NORMALIZATION_SIZE_FACTOR] = gen_astr(&m->arena, "%s", p->nf_txt);
    return pidx(m, p);
}

/* A simple metered product: one usage type at one price. */
static uint16_t prod_simple(gen_model *m, const char *kind, int r, uint8_t pc, const char *pname, const char *scode,
                            const char *family, const char *ut_suffix, const char *op, const char *unit, int64_t us_rate,
                            const char *desc_fmt, uint8_t spk)
{
    char key[160];
    snprintf(key, sizeof key, "%s|%d", kind, r);
    bool created;
    gen_prod *p = prod_get(m, key, &created);
    if (!created) return pidx(m, p);
    int64_t rate = region_price(us_rate, r);
    const char *ut = gen_astr(&m->arena, "%s%s", r >= 0 ? regions[r].prefix : "", ut_suffix);
    prod_common(m, p, pc, pname, scode, family, r, ut, op, unit, rate);
    p->spk = spk;
    p->desc = qtext(m, gen_astr(&m->arena, desc_fmt, money_txt(m, rate), r >= 0 ? regions[r].name : ""));
    return pidx(m, p);
}

static uint16_t prod_ebs(gen_model *m, int r)
{
    uint16_t i = prod_simple(m, "ebs-gp3", r, PC_EC2, "Amazon Elastic Compute Cloud", "AmazonEC2", "Storage", "EBS:VolumeUsage.gp3",
                             "CreateVolume-Gp3", "GB-Mo", 800000000, "$%s per GB-month of General Purpose (gp3) provisioned storage - %s", 0);
    m->prod[i].attr[PA_VOLUME_API_NAME] = "gp3";
    m->prod[i].attr[PA_VOLUME_TYPE] = "General Purpose";
    m->prod[i].attr[PA_STORAGE] = "EBS only";
    return i;
}

static uint16_t prod_dt(gen_model *m, int r, bool inter)
{
    uint16_t i = inter ? prod_simple(m, "dt-inter", r, PC_EC2, "AWS Data Transfer", "AWSDataTransfer", "Data Transfer",
                                     "DataTransfer-Regional-Bytes", "InterZone-Out", "GB", 100000000,
                                     "$%s per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB%.0s", 0)
                       : prod_simple(m, "dt-out", r, PC_EC2, "AWS Data Transfer", "AWSDataTransfer", "Data Transfer",
                                     "DataTransfer-Out-Bytes", "RunInstances", "GB", 900000000,
                                     "$%s per GB - first 10 TB / month data transfer out beyond the global free tier%.0s", 0);
    gen_prod *p = &m->prod[i];
    p->attr[PA_FROM_LOCATION] = regions[r].name;
    p->attr[PA_FROM_LOCATION_TYPE] = "AWS Region";
    p->attr[PA_FROM_REGION_CODE] = regions[r].code;
    p->attr[PA_TO_LOCATION] = inter ? regions[r].name : "External";
    p->attr[PA_TO_LOCATION_TYPE] = inter ? "AWS Region" : "Other";
    p->attr[PA_TO_REGION_CODE] = inter ? regions[r].code : NULL;
    p->attr[PA_TRANSFER_TYPE] = inter ? "IntraRegion" : "AWS Outbound";
    p->attr[PA_LOCATION] = p->attr[PA_LOCATION_TYPE] = p->attr[PA_REGION_CODE] = NULL;
    return i;
}

static uint16_t prod_special(gen_model *m, const char *key, uint8_t pc, const char *pname, const char *scode,
                             const char *family, const char *ut, const char *op, const char *desc)
{
    bool created;
    gen_prod *p = prod_get(m, key, &created);
    if (!created) return pidx(m, p);
    prod_common(m, p, pc, pname, scode, family, -1, ut, op, NULL, 0);
    p->rate_code = p->rate_id = NULL;
    p->desc = desc ? qtext(m, desc) : NULL;
    p->edp = false;
    return pidx(m, p);
}

/* ---- accounts, fleets and resources ---- */

static const char *hexid(gen_model *m, const char *pre, uint64_t h, int digits)
{
    char b[64];
    int k = snprintf(b, sizeof b, "%s", pre);
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < digits; i++) {
        b[k++] = hx[h & 15];
        h >>= 4;
        if ((i & 15) == 15) h = gen_mix(h + (uint64_t)i);
    }
    b[k] = 0;
    return gen_astr(&m->arena, "%s", b);
}

static void uuid_of(uint64_t a, uint64_t b, char out[37])
{
    static const char hx[] = "0123456789abcdef";
    uint64_t h0 = gen_mix(gen_mix(a ^ 0x1234567) ^ b);
    uint64_t h[2] = {h0, gen_mix(h0 ^ gen_mix(b + 1))};
    int k = 0;
    for (int i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20) out[k++] = '-';
        int nib = (int)((h[i / 16] >> ((i % 16) * 4)) & 15);
        if (i == 12) nib = 4;                 /* version 4 */
        if (i == 16) nib = 8 | (nib & 3);     /* variant */
        out[k++] = hx[nib];
    }
    out[k] = 0;
}

static int acct_of_class(const gen_model *m, int cls)
{
    for (int i = 0; i < m->nacct; i++)
        if (m->acct[i].cls == cls) return i;
    return -1;
}

static rk_status build_accounts(gen_model *m)
{
    int n = m->o->accounts;
    m->acct = calloc((size_t)n, sizeof *m->acct);
    if (!m->acct) return RK_ENOMEM;
    m->nacct = n;
    static const int order[] = {AC_MGMT, AC_PROD, AC_DATA, AC_STAGING, AC_DEV, AC_SHARED, AC_SECURITY, AC_SANDBOX};
    for (int i = 0; i < n; i++) {
        gen_acct *a = &m->acct[i];
        a->cls = i < 8 ? order[i] : AC_TEAM;
        if (a->cls == AC_TEAM) a->name = gen_astr(&m->arena, acct_cls[AC_TEAM].name, i - 7);
        else a->name = gen_astr(&m->arena, "%s", acct_cls[a->cls].name);
        a->env = acct_cls[a->cls].env;
        for (uint64_t salt = 0;; salt++) {
            uint64_t v = gen_h(m->seed, 0xacc7, (uint64_t)i, salt) % 900000000000ULL + 100000000000ULL;
            /* One account id starts with 0, as real ones may: keep them as text. */
            if (i == 3) v %= 100000000000ULL;
            snprintf(a->id, sizeof a->id, "%012llu", (unsigned long long)v);
            bool dup = false;
            for (int j = 0; j < i; j++) dup |= strcmp(m->acct[j].id, a->id) == 0;
            if (!dup) break;
        }
        const char *bu[GEN_NCOSTCAT] = {acct_cls[a->cls].bu};
        for (int f = 0; f < 2; f++) a->costcat[f] = gen_render_costcat((gen_fmt)f, bu);
    }
    /* With a single account, the payer runs the production workload. */
    m->acct_prod = acct_of_class(m, AC_PROD);
    if (m->acct_prod < 0) m->acct_prod = 0;
    m->acct_data = acct_of_class(m, AC_DATA);
    if (m->acct_data < 0) m->acct_data = m->acct_prod;
    m->acct_shared = acct_of_class(m, AC_SHARED);
    if (m->acct_shared < 0) m->acct_shared = m->acct_prod;
    return RK_OK;
}

static int scaled_count(float base, double scale)
{
    double v = (double)base * scale;
    long long n = (long long)(v + 0.5);
    return n < 0 ? 0 : (int)n;
}

static rk_status build_fleets(gen_model *m)
{
    size_t fcap = 0, rcap = 0;
    for (int a = 0; a < m->nacct; a++) {
        int cls = m->acct[a].cls;
        for (int d = 0; d < NFLEETDEFS; d++) {
            const gen_fleetdef *fd = &fleetdefs[d];
            bool mine = fd->cls == cls || (m->nacct == 1 && fd->cls == AC_PROD);
            if (!mine) continue;
            int n = scaled_count(fd->count, m->o->scale);
            /* Per-account singletons (CloudWatch, NAT, Marketplace) stay single. */
            if (fd->kind == K_CW || fd->kind == K_MKT) n = 1;
            if (fd->kind == K_NAT) n = n < 1 ? 1 : n;
            if (n == 0) continue;
            if (RK_GROW(m->fleet, fcap, (size_t)m->nfleet + 1) != RK_OK) return RK_ENOMEM;
            gen_fleet *f = &m->fleet[m->nfleet];
            memset(f, 0, sizeof *f);
            f->d = fd;
            f->acct = (uint16_t)a;
            f->first = m->nres;
            f->n = (uint32_t)n;
            int r = fd->region;
            switch (fd->kind) {
            case K_EC2:
                f->prod[0] = prod_instance(m, itype_find(fd->type), r, fd->os, false);
                f->prod[1] = prod_ebs(m, r);
                f->prod[2] = prod_dt(m, r, false);
                f->prod[3] = prod_dt(m, r, true);
                break;
            case K_SPOT:
                f->prod[0] = prod_instance(m, itype_find(fd->type), r, 0, true);
                f->prod[1] = prod_ebs(m, r);
                break;
            case K_RDS:
                f->prod[0] = prod_instance(m, itype_find(fd->type), r, 0, false);
                f->prod[1] = prod_simple(m, "rds-gp2", r, PC_RDS, "Amazon Relational Database Service", "AmazonRDS",
                                         "Database Storage", "RDS:GP2-Storage", "CreateDBInstance:0002", "GB-Mo", 1150000000,
                                         "$%s per GB-month of provisioned GP2 storage running MySQL%.0s", 0);
                m->prod[f->prod[1]].attr[PA_DATABASE_ENGINE] = "MySQL";
                break;
            case K_CACHE: f->prod[0] = prod_instance(m, itype_find(fd->type), r, 0, false); break;
            case K_FARGATE:
                f->prod[0] = prod_simple(m, "fargate-cpu", r, PC_ECS, "Amazon Elastic Container Service", "AmazonECS",
                                         "Compute", "Fargate-vCPU-Hours:perCPU", "FargateTask", "hours", 404800000,
                                         "USD %s per hour per vCPU for Fargate in %s", SPK_FARGATE);
                f->prod[1] = prod_simple(m, "fargate-gb", r, PC_ECS, "Amazon Elastic Container Service", "AmazonECS",
                                         "Compute Metering", "Fargate-GB-Hours", "FargateTask", "hours", 44450000,
                                         "USD %s per GB-hour for Fargate in %s", SPK_FARGATE);
                break;
            case K_LAMBDA:
                f->prod[0] = prod_simple(m, "lambda-gbs", r, PC_LAMBDA, "AWS Lambda", "AWSLambda", "Serverless",
                                         "Lambda-GB-Second", "Invoke", "Lambda-GB-Second", 166667,
                                         "AWS Lambda - Total Compute - %.0s%s", SPK_LAMBDA);
                f->prod[1] = prod_simple(m, "lambda-req", r, PC_LAMBDA, "AWS Lambda", "AWSLambda", "Serverless",
                                         "Request", "Invoke", "Requests", 2000, "AWS Lambda - Total Requests - %.0s%s", 0);
                m->prod[f->prod[0]].attr[PA_GROUP] = "AWS-Lambda-Duration";
                m->prod[f->prod[1]].attr[PA_GROUP] = "AWS-Lambda-Requests";
                break;
            case K_S3:
                f->prod[0] = prod_simple(m, "s3-storage", r, PC_S3, "Amazon Simple Storage Service", "AmazonS3", "Storage",
                                         "TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 230000000,
                                         "$%s per GB - first 50 TB / month of storage used%.0s", 0);
                f->prod[1] = prod_simple(m, "s3-tier1", r, PC_S3, "Amazon Simple Storage Service", "AmazonS3",
                                         "API Request", "Requests-Tier1", "PutObject", "Requests", 50000,
                                         "$%s per PUT, COPY, POST, or LIST request%.0s", 0);
                f->prod[2] = prod_simple(m, "s3-tier2", r, PC_S3, "Amazon Simple Storage Service", "AmazonS3",
                                         "API Request", "Requests-Tier2", "GetObject", "Requests", 4000,
                                         "$%s per GET and all other requests%.0s", 0);
                m->prod[f->prod[0]].attr[PA_STORAGE_CLASS] = "General Purpose";
                m->prod[f->prod[0]].attr[PA_VOLUME_TYPE] = "Standard";
                break;
            case K_NAT:
                f->prod[0] = prod_simple(m, "nat-hours", r, PC_EC2, "Amazon Elastic Compute Cloud", "AmazonEC2",
                                         "NAT Gateway", "NatGateway-Hours", "NatGateway", "Hrs", 450000000,
                                         "$%s per NAT Gateway Hour%.0s", 0);
                f->prod[1] = prod_simple(m, "nat-bytes", r, PC_EC2, "Amazon Elastic Compute Cloud", "AmazonEC2",
                                         "NAT Gateway", "NatGateway-Bytes", "NatGateway", "GB", 450000000,
                                         "$%s per GB Data Processed by NAT Gateways%.0s", 0);
                break;
            case K_CW:
                f->prod[0] = prod_simple(m, "cw-metrics", r, PC_CW, "AmazonCloudWatch", "AmazonCloudWatch", "Metric",
                                         "CW:MetricMonitorUsage", "MetricStorage", "Metrics", 3000000000,
                                         "$%s per metric-month for the first 10,000 metrics - %s", 0);
                f->prod[1] = prod_simple(m, "cw-logs", r, PC_CW, "AmazonCloudWatch", "AmazonCloudWatch", "Data Payload",
                                         "DataProcessing-Bytes", "PutLogEvents", "GB", 5000000000,
                                         "$%s per GB custom log data ingested - %s", 0);
                break;
            case K_MKT: {
                f->prod[0] = prod_simple(m, "mkt", r, PC_MKT, "Nimbus Observability Cloud - Pro", NULL, NULL,
                                         "SoftwareUsage:pro_units", "Unit", "Units", 120000000,
                                         "$%s per unit of Nimbus Observability Cloud - Pro%.0s", 0);
                gen_prod *p = &m->prod[f->prod[0]];
                p->marketplace = true;
                p->edp = false;
                p->usage_type = p->attr[PA_USAGETYPE] = "SoftwareUsage:pro_units";
                p->attr[PA_LOCATION] = p->attr[PA_LOCATION_TYPE] = p->attr[PA_REGION_CODE] = p->attr[PA_REGION] = NULL;
                break;
            }
            }
            /* Resources. */
            if (RK_GROW(m->res, rcap, (size_t)m->nres + (size_t)n) != RK_OK) return RK_ENOMEM;
            const gen_acct *acct = &m->acct[a];
            int32_t mig_h = (int32_t)((m->mig_ms - m->w0) / MS_HOUR);
            int n0 = (fd->flags & F_GROWTH) ? (n * 4 + 4) / 5 : n; /* 80% at the start, the rest join over time */
            if (n0 < 1) n0 = 1;
            for (int k = 0; k < n; k++) {
                gen_res *rs = &m->res[m->nres];
                memset(rs, 0, sizeof *rs);
                rs->fleet = (uint32_t)m->nfleet;
                rs->k = (uint32_t)k;
                rs->acct = (uint16_t)a;
                rs->h = gen_h(m->seed, 0x7e5, (uint64_t)m->nfleet, (uint64_t)k);
                rs->az = (uint8_t)(rs->h % 3);
                rs->start_h = 0;
                rs->end_h = m->hours;
                if (k >= n0) rs->start_h = (int32_t)((int64_t)(k - n0 + 1) * m->hours / (n - n0 + 1));
                if (fd->flags & F_MIG_OUT) rs->end_h = mig_h;
                if (fd->flags & F_MIG_IN) rs->start_h = mig_h;
                const char *name = n > 1 ? gen_astr(&m->arena, "%s-%d", fd->role, k + 1) : fd->role;
                const char *rg = regions[r].code;
                switch (fd->kind) {
                case K_EC2:
                case K_SPOT:
                    rs->id = hexid(m, "i-0", rs->h, 16);
                    rs->vol = hexid(m, "vol-0", gen_mix(rs->h), 16);
                    break;
                case K_RDS: rs->id = gen_astr(&m->arena, "arn:aws:rds:%s:%s:db:%s", rg, acct->id, name); break;
                case K_CACHE:
                    rs->id = gen_astr(&m->arena, "arn:aws:elasticache:%s:%s:cluster:%s-001", rg, acct->id, name);
                    break;
                case K_FARGATE:
                    rs->id = gen_astr(&m->arena, "arn:aws:ecs:%s:%s:task/%s/%s", rg, acct->id, fd->role,
                                      hexid(m, "", rs->h, 32));
                    break;
                case K_LAMBDA: rs->id = gen_astr(&m->arena, "arn:aws:lambda:%s:%s:function:%s", rg, acct->id, name); break;
                case K_S3: rs->id = name; break;
                case K_NAT:
                    rs->id = gen_astr(&m->arena, "arn:aws:ec2:%s:%s:natgateway/%s", rg, acct->id, hexid(m, "nat-0", rs->h, 16));
                    break;
                default: rs->id = NULL; break;
                }
                if (fd->team) {
                    /* About one resource in twelve is missing its team tags. */
                    bool untagged = gen_mix(rs->h ^ 0x7a9) % 12 == 0;
                    const char *tv[GEN_NTAGS] = {untagged ? NULL : cost_center(fd->team), name, acct->env,
                                                 untagged ? NULL : fd->team};
                    for (int fm = 0; fm < 2; fm++) rs->tags[fm] = gen_render_tags((gen_fmt)fm, tv);
                }
                m->nres++;
            }
            m->nfleet++;
        }
    }
    return RK_OK;
}

/* ---- commitments ---- */

static int64_t hour_of_month(int64_t month_start, int day, int hour)
{
    return month_start + (int64_t)(day - 1) * MS_DAY + (int64_t)hour * MS_HOUR;
}

/* RI discount against on-demand, in percent. */
static int ri_discount(int svc, bool convertible, int years, int upfront_pct)
{
    int d = years == 3 ? 56 : 36;
    d += upfront_pct == 100 ? 4 : upfront_pct ? 2 : 0;
    if (convertible) d -= 10;
    if (svc == SVC_CACHE) d -= 4;
    return d;
}

static void add_ri(gen_model *m, int svc, const char *type, int owner, bool convertible, int years, int upfront_pct,
                   int64_t start, int64_t end, double frac)
{
    gen_ri *ri = &m->ri[m->nri];
    memset(ri, 0, sizeof *ri);
    int it = itype_find(type);
    ri->itype = it;
    ri->svc = (uint8_t)svc;
    ri->region = R_USE1;
    ri->owner = (uint16_t)owner;
    ri->nf4 = itypes[it].nf4;
    ri->cls = ri_class(svc, itypes[it].family, R_USE1, 0);
    ri->start_ms = start;
    ri->end_ms = end;
    ri->term_h = years * 8760;
    ri->offering = convertible ? "convertible" : "standard";
    ri->payment = upfront_pct == 100 ? "All Upfront" : upfront_pct ? "Partial Upfront" : "No Upfront";
    ri->lease = years == 3 ? "3yr" : "1yr";
    ri->upfront_pct = upfront_pct;
    ri->discount_pct = ri_discount(svc, convertible, years, upfront_pct);
    ri->size_frac = frac;
    ri->purchase_ms = (start >= m->w0 && start < m->w1 && upfront_pct) ? start : 0;
    char uuid[37];
    uuid_of(m->seed ^ 0x2101, (uint64_t)m->nri, uuid);
    const char *acct = m->acct[owner].id;
    if (svc == SVC_EC2) ri->arn = gen_astr(&m->arena, "arn:aws:ec2:us-east-1:%s:reserved-instances/%s", acct, uuid);
    else if (svc == SVC_RDS) ri->arn = gen_astr(&m->arena, "arn:aws:rds:us-east-1:%s:ri:acme-%s-%.8s", acct, itypes[it].family + 3, uuid);
    else ri->arn = gen_astr(&m->arena, "arn:aws:elasticache:us-east-1:%s:reserved-instance:acme-%.8s", acct, uuid);
    snprintf(ri->sub_id, sizeof ri->sub_id, "%llu", (unsigned long long)(gen_h(m->seed, 0x5b, (uint64_t)m->nri, 0) % 9000000000ULL + 1000000000ULL));
    gen_fmt_time(start, true, ri->start_txt);
    gen_fmt_time(end, true, ri->end_txt);
    /* The product of its RIFee and Fee rows. */
    char key[128];
    snprintf(key, sizeof key, "rifee|%s", type);
    bool created;
    gen_prod *p = prod_get(m, key, &created);
    if (created) {
        const itype *t = &itypes[it];
        const char *ut = gen_astr(&m->arena, "HeavyUsage:%s", t->name);
        if (svc == SVC_EC2)
            prod_common(m, p, PC_EC2, "Amazon Elastic Compute Cloud", "AmazonEC2", "Compute Instance", R_USE1, ut, "RunInstances", "Hrs", 0);
        else if (svc == SVC_RDS)
            prod_common(m, p, PC_RDS, "Amazon Relational Database Service", "AmazonRDS", "Database Instance", R_USE1, ut,
                        "CreateDBInstance:0002", "Hrs", 0);
        else
            prod_common(m, p, PC_CACHE, "Amazon ElastiCache", "AmazonElastiCache", "Cache Instance", R_USE1, ut,
                        "CreateCacheCluster:0002", "Hrs", 0);
        p->attr[PA_INSTANCE_TYPE] = t->name;
        p->attr[PA_INSTANCE_TYPE_FAMILY] = t->family;
        p->attr[PA_INSTANCE_FAMILY] = t->fam_desc;
        p->rate_code = p->rate_id = NULL;
        p->edp = false;
    }
    ri->prod_fee = pidx(m, p);
    m->nri++;
}

static void add_sp(gen_model *m, int type, int years, int upfront_pct, const char *fam, int64_t start, double frac)
{
    gen_sp *sp = &m->sp[m->nsp];
    memset(sp, 0, sizeof *sp);
    sp->type = type;
    sp->years = years;
    sp->upfront_pct = upfront_pct;
    sp->payment = upfront_pct == 100 ? "All Upfront" : upfront_pct ? "Partial Upfront" : "No Upfront";
    sp->fam = fam ? (int16_t)fam_index(fam) : -1;
    sp->region = R_USE1;
    sp->owner = 0;
    sp->start_ms = start;
    sp->end_ms = start + (int64_t)years * 8760 * MS_HOUR;
    sp->size_frac = frac;
    char uuid[37];
    uuid_of(m->seed ^ 0x5a1, (uint64_t)m->nsp, uuid);
    sp->arn = gen_astr(&m->arena, "arn:aws:savingsplans::%s:savingsplan/%s", m->acct[0].id, uuid);
    gen_fmt_time(sp->start_ms, true, sp->start_txt);
    gen_fmt_time(sp->end_ms, true, sp->end_txt);
    const char *po = upfront_pct == 100 ? "AllUpfront" : upfront_pct ? "PartialUpfront" : "NoUpfront";
    char key[128], ut[96], desc[160];
    if (type == SPT_COMPUTE) {
        snprintf(ut, sizeof ut, "ComputeSP:%dyr%s", years, po);
        snprintf(desc, sizeof desc, "%d year %s Compute Savings Plan", years, sp->payment);
    } else {
        snprintf(ut, sizeof ut, "EC2SP:%s.%dyr%s", fam, years, po);
        snprintf(desc, sizeof desc, "%d year %s EC2 Instance Savings Plan (%s, us-east-1)", years, sp->payment, fam);
    }
    snprintf(key, sizeof key, "spfee|%s", ut);
    sp->prod_fee = prod_special(m, key, PC_SP, "Savings Plans for AWS Compute usage", "ComputeSavingsPlans", "Savings Plans",
                                gen_astr(&m->arena, "%s", ut), NULL, desc);
    m->nsp++;
}

void gen_model_finish_commitments(gen_model *m)
{
    for (int i = 0; i < m->nri; i++) {
        gen_ri *ri = &m->ri[i];
        const itype *t = &itypes[ri->itype];
        int64_t od_q = region_price(t->od, ri->region) / t->nf4; /* exact for every type in the table */
        int64_t eff_q = muldiv(od_q, 100 - ri->discount_pct, 100);
        ri->u_q = muldiv(eff_q, ri->upfront_pct, 100);
        ri->r_q = eff_q - ri->u_q;
    }
    for (int i = 0; i < m->nsp; i++) {
        gen_sp *sp = &m->sp[i];
        sp->amort = muldiv(sp->commit, sp->upfront_pct, 100);
        sp->recur = sp->commit - sp->amort;
    }
    /* EC2 Instance plans apply before Compute plans (AWS applies the plan with
     * the highest discount first), then by start time. */
    int k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < m->nsp; i++)
            if ((pass == 0) == (m->sp[i].type == SPT_EC2)) m->sp_order[k++] = i;
}

void gen_model_sp_rates(gen_model *m)
{
    for (int p = 0; p < m->nprod; p++) {
        gen_prod *pr = &m->prod[p];
        for (int s = 0; s < m->nsp; s++) {
            const gen_sp *sp = &m->sp[s];
            pr->sp_rate[s] = 0;
            if (!pr->spk) continue;
            int d;
            if (sp->type == SPT_EC2) {
                if (pr->spk != SPK_EC2 || pr->fam != sp->fam || pr->region != sp->region) continue;
                d = sp->years == 3 ? 58 : 40;
            } else {
                d = pr->spk == SPK_EC2 ? (sp->years == 3 ? 50 : 30) : pr->spk == SPK_FARGATE ? (sp->years == 3 ? 45 : 22)
                                                                                              : (sp->years == 3 ? 17 : 12);
            }
            if (pr->spk == SPK_EC2) {
                static const int adj[NFAM] = {-4, 0, 2, 3, 4};
                if (pr->fam >= 0) d += adj[pr->fam];
                if (pr->attr[PA_OPERATING_SYSTEM] && strcmp(pr->attr[PA_OPERATING_SYSTEM], "Windows") == 0) d -= 18;
            }
            pr->sp_rate[s] = muldiv(pr->od_rate, 100 - d, 100);
        }
    }
}

rk_status gen_model_build(gen_model *m, const rk_gen_opts *o, rk_err *err)
{
    memset(m, 0, sizeof *m);
    m->o = o;
    m->seed = gen_mix(o->seed ^ 0xac3e);
    int64_t end_first = rk_days_from_civil(o->end_year, o->end_month, 1) * MS_DAY;
    m->w1 = rk_time_add_months(end_first, 1);
    m->w0 = rk_time_add_months(end_first, -(o->months - 1));
    m->hours = (int32_t)((m->w1 - m->w0) / MS_HOUR);
    m->mig_ms = m->w0 + ((m->w1 - m->w0) / 2) / MS_DAY * MS_DAY;
    int64_t second = o->months >= 2 ? rk_time_add_months(m->w0, 1) : m->w0;
    int64_t last = end_first;
    m->refund_ms = hour_of_month(m->w0, 12, 9);
    m->sp_refund_ms = hour_of_month(last, 20, 15);
    snprintf(m->invoicing_entity, sizeof m->invoicing_entity, "Amazon Web Services, Inc.");
    if (build_accounts(m) != RK_OK) return rk_err_set(err, RK_ENOMEM, "out of memory");
    if (build_fleets(m) != RK_OK) return rk_err_set(err, RK_ENOMEM, "out of memory");

    /* Reserved Instances, sized later (counts) from a sample week. */
    add_ri(m, SVC_EC2, "m5.xlarge", m->acct_prod, false, 3, 50, rk_time_add_months(m->w0, -7) + 14 * MS_HOUR,
           rk_time_add_months(m->w0, -7) + 14 * MS_HOUR + 26280 * MS_HOUR, 0.8);
    add_ri(m, SVC_EC2, "c5.2xlarge", m->acct_data, true, 3, 0, rk_time_add_months(m->w0, -14) + 9 * MS_HOUR,
           rk_time_add_months(m->w0, -14) + 9 * MS_HOUR + 26280 * MS_HOUR, 0.6);
    {
        /* Expires in the middle of the last month. */
        int64_t end = hour_of_month(last, 18, 0);
        add_ri(m, SVC_EC2, "r5.large", m->acct_prod, false, 1, 100, end - 8760 * MS_HOUR, end, 0.9);
    }
    add_ri(m, SVC_EC2, "m5.large", m->acct_shared, false, 1, 50, hour_of_month(second, 5, 16),
           hour_of_month(second, 5, 16) + 8760 * MS_HOUR, 0.3);
    add_ri(m, SVC_RDS, "db.r5.large", m->acct_prod, false, 1, 50, rk_time_add_months(m->w0, -4) + 11 * MS_HOUR,
           rk_time_add_months(m->w0, -4) + 11 * MS_HOUR + 8760 * MS_HOUR, 1.0);
    add_ri(m, SVC_CACHE, "cache.r6g.large", m->acct_prod, false, 1, 0, rk_time_add_months(m->w0, -2) + 20 * MS_HOUR,
           rk_time_add_months(m->w0, -2) + 20 * MS_HOUR + 8760 * MS_HOUR, 1.0);

    /* Savings Plans, sized later (hourly commitments). */
    add_sp(m, SPT_COMPUTE, 3, 50, NULL, rk_time_add_months(m->w0, -9) + 17 * MS_HOUR, 0.8);
    add_sp(m, SPT_EC2, 3, 0, "c5", rk_time_add_months(m->w0, -5) + 13 * MS_HOUR, 1.0);
    add_sp(m, SPT_COMPUTE, 1, 100, NULL, hour_of_month(second, 10, 0), 0.4);

    /* Rows that are not usage. */
    m->p_support = prod_special(m, "support", PC_SUPPORT, "AWS Support (Business)", "AWSSupportBusiness", NULL,
                                "Dollar", NULL, "AWS Support (Business) - Business Support plan fee");
    m->p_credit = prod_special(m, "credit", PC_EC2, "Amazon Elastic Compute Cloud", "AmazonEC2", NULL, NULL, NULL,
                               "AWS Credit: Migration Acceleration Program");
    m->p_refund = prod_special(m, "refund", PC_RDS, "Amazon Relational Database Service", "AmazonRDS", NULL, NULL, NULL,
                               "Refund for service event affecting Amazon RDS in us-east-1");
    m->p_sp_refund = prod_special(m, "sprefund", PC_SP, "Savings Plans for AWS Compute usage", "ComputeSavingsPlans", NULL,
                                  NULL, NULL, "Savings Plans refund");
    for (int pc = 0; pc < PC_COUNT; pc++) {
        char key[64], desc[160];
        snprintf(key, sizeof key, "tax|%d", pc);
        snprintf(desc, sizeof desc, "Tax for product code %s", gen_pc_codes[pc]);
        m->p_tax[pc] = prod_special(m, key, (uint8_t)pc, NULL, NULL, NULL, NULL, NULL, desc);
        snprintf(key, sizeof key, "edp|%d", pc);
        m->p_edp[pc] = prod_special(m, key, (uint8_t)pc, NULL, NULL, NULL, NULL, NULL, "Enterprise Program Discount");
    }
    for (int pc = 0; pc < PC_COUNT; pc++) {
        /* Tax and discount rows name the service and nothing else. */
        gen_prod *t = &m->prod[m->p_tax[pc]], *e = &m->prod[m->p_edp[pc]];
        t->attr[PA_SKU] = e->attr[PA_SKU] = NULL;
    }
    for (int i = 0; i < m->nprod; i++)
        for (int f = 0; f < 2; f++) {
            m->prod[i].block[f] = gen_render_product((gen_fmt)f, m->prod[i].attr);
            if (!m->prod[i].block[f].p) return rk_err_set(err, RK_ENOMEM, "out of memory");
        }
    return RK_OK;
}

void gen_model_free(gen_model *m)
{
    for (int i = 0; i < m->nprod; i++)
        for (int f = 0; f < 2; f++) free((void *)m->prod[i].block[f].p);
    for (int a = 0; a < m->nacct; a++)
        for (int f = 0; f < 2; f++) free((void *)m->acct[a].costcat[f].p);
    for (uint32_t r = 0; r < m->nres; r++)
        for (int f = 0; f < 2; f++) free((void *)m->res[r].tags[f].p);
    free(m->prod);
    free(m->acct);
    free(m->fleet);
    free(m->res);
    gen_arena_free(&m->arena);
    memset(m, 0, sizeof *m);
}
