/* gen_internal.h — what the generator's files share (not a public header).
 *
 *   gen_cols.c   the columns of both formats, the row builder and the CSV
 *                serializer, manifest column lists
 *   gen_gz.c     a deterministic gzip file writer (ISA-L or zlib)
 *   gen_model.c  the organization: accounts, prices, products, resources,
 *                Reserved Instances and Savings Plans
 *   gen_run.c    the month/hour loop, commitment coverage, the rows, the
 *                bucket layout and the manifests
 *   gen_parquet.c a small Parquet writer (gen_parquet.h)
 *   gen_pqrow.c  the Parquet formats' schemas; a row's cells as Parquet values
 *
 * Money and quantities are int64 counts of 1e-10 (U10): exact, printed by
 * hand, never a binary float.
 */
#ifndef RK_GEN_INTERNAL_H
#define RK_GEN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dec.h"
#include "common/err.h"
#include "gen/gen.h"
#include "gen/gen_parquet.h"

#define U10 10000000000LL
#define MS_HOUR 3600000LL
#define MS_DAY 86400000LL

/* ---- deterministic randomness: counter-based, so order never matters ---- */

static inline uint64_t gen_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static inline uint64_t gen_h(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    return gen_mix(gen_mix(gen_mix(seed ^ 0x5bd1e995u) ^ a) ^ (b * 0x9e3779b97f4a7c15ULL) ^ gen_mix(c));
}

/* Uniform in [lo, hi]. */
static inline int64_t gen_range(uint64_t h, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(h % (uint64_t)(hi - lo + 1));
}

/* round(a * b / U10), half away from zero. */
static inline int64_t mul_u10(int64_t a, int64_t b)
{
    __int128 p = (__int128)a * b;
    __int128 h = U10 / 2;
    return (int64_t)(p >= 0 ? (p + h) / U10 : -((-p + h) / U10));
}

/* round(a * num / den), half away from zero; den > 0. */
static inline int64_t muldiv(int64_t a, int64_t num, int64_t den)
{
    __int128 p = (__int128)a * num;
    return (int64_t)(p >= 0 ? (p + den / 2) / den : -((-p + den / 2) / den));
}

/* Exact decimal text of v·1e-10: up to 10 decimals, no trailing zeros. out
 * needs 24 bytes. */
size_t gen_fmt_u10(int64_t v, char *out);
/* "2025-03-01T00:00:00Z"; with ms: "2025-03-01T00:00:00.000Z". out needs 32. */
size_t gen_fmt_time(int64_t ms, bool with_ms, char *out);

/* ---- columns ---- */

enum {
    GC_ID_LINE_ITEM_ID = 0,
    GC_ID_TIME_INTERVAL,
    GC_BILL_INVOICE_ID,
    GC_BILL_INVOICING_ENTITY,
    GC_BILL_BILLING_ENTITY,
    GC_BILL_BILL_TYPE,
    GC_BILL_PAYER_ACCOUNT_ID,
    GC_BILL_PAYER_ACCOUNT_NAME, /* CUR 2.0 only */
    GC_BILL_PERIOD_START,
    GC_BILL_PERIOD_END,
    GC_LI_USAGE_ACCOUNT_ID,
    GC_LI_USAGE_ACCOUNT_NAME, /* CUR 2.0 only */
    GC_LI_LINE_ITEM_TYPE,
    GC_LI_USAGE_START,
    GC_LI_USAGE_END,
    GC_LI_PRODUCT_CODE,
    GC_LI_USAGE_TYPE,
    GC_LI_OPERATION,
    GC_LI_AZ,
    GC_LI_RESOURCE_ID,
    GC_LI_USAGE_AMOUNT,
    GC_LI_NORM_FACTOR,
    GC_LI_NORM_USAGE,
    GC_LI_CURRENCY,
    GC_LI_UNB_RATE,
    GC_LI_UNB_COST,
    GC_LI_BLEND_RATE,
    GC_LI_BLEND_COST,
    GC_LI_NET_UNB_RATE,
    GC_LI_NET_UNB_COST,
    GC_LI_DESCRIPTION,
    GC_LI_TAX_TYPE,
    GC_LI_LEGAL_ENTITY,
    GC_PRODUCT, /* block: every product attribute */
    GC_PR_LEASE,
    GC_PR_OFFERING_CLASS,
    GC_PR_PURCHASE_OPTION,
    GC_PR_RATE_CODE,
    GC_PR_RATE_ID,
    GC_PR_CURRENCY,
    GC_PR_PUBLIC_OD_COST,
    GC_PR_PUBLIC_OD_RATE,
    GC_PR_TERM,
    GC_PR_UNIT,
    GC_RI_AMORT_UPFRONT_FOR_USAGE,
    GC_RI_AMORT_UPFRONT_PERIOD,
    GC_RI_AZ,
    GC_RI_EFFECTIVE,
    GC_RI_END,
    GC_RI_MODIFICATION,
    GC_RI_NET_AMORT_UPFRONT_FOR_USAGE,
    GC_RI_NET_AMORT_UPFRONT_PERIOD,
    GC_RI_NET_EFFECTIVE,
    GC_RI_NET_RECURRING_FOR_USAGE,
    GC_RI_NET_UNUSED_AMORT,
    GC_RI_NET_UNUSED_RECURRING,
    GC_RI_NET_UPFRONT_VALUE,
    GC_RI_NU_PER_RI,
    GC_RI_NUMBER,
    GC_RI_RECURRING_FOR_USAGE,
    GC_RI_ARN,
    GC_RI_START,
    GC_RI_SUBSCRIPTION,
    GC_RI_TOTAL_NU,
    GC_RI_TOTAL_UNITS,
    GC_RI_UNITS_PER_RI,
    GC_RI_UNUSED_AMORT,
    GC_RI_UNUSED_NU,
    GC_RI_UNUSED_QTY,
    GC_RI_UNUSED_RECURRING,
    GC_RI_UPFRONT_VALUE,
    GC_SP_AMORT_UPFRONT,
    GC_SP_END,
    GC_SP_FAMILY,
    GC_SP_NET_AMORT_UPFRONT,
    GC_SP_NET_RECURRING,
    GC_SP_NET_EFFECTIVE,
    GC_SP_OFFERING_TYPE,
    GC_SP_PAYMENT,
    GC_SP_TERM,
    GC_SP_RECURRING,
    GC_SP_REGION,
    GC_SP_ARN,
    GC_SP_EFFECTIVE,
    GC_SP_RATE,
    GC_SP_START,
    GC_SP_TOTAL_COMMIT,
    GC_SP_USED_COMMIT,
    GC_DISC_BUNDLED,  /* CUR 2.0 only */
    GC_DISC_TOTAL,
    GC_DISC_MAP,      /* CUR 2.0 only: the discount map */
    GC_TAGS,          /* block: resource tags */
    GC_COSTCAT,       /* block: cost categories */
    GC_COUNT
};

/* Product attributes, in legacy header order (ProductName first, then the
 * camelCase names alphabetically, as AWS writes them). */
enum {
    PA_PRODUCT_NAME = 0,
    PA_CACHE_ENGINE,
    PA_CURRENT_GENERATION,
    PA_DATABASE_ENGINE,
    PA_DEPLOYMENT_OPTION,
    PA_FEE_CODE,
    PA_FEE_DESCRIPTION,
    PA_FROM_LOCATION,
    PA_FROM_LOCATION_TYPE,
    PA_FROM_REGION_CODE,
    PA_GROUP,
    PA_INSTANCE_FAMILY,
    PA_INSTANCE_TYPE,
    PA_INSTANCE_TYPE_FAMILY,
    PA_LICENSE_MODEL,
    PA_LOCATION,
    PA_LOCATION_TYPE,
    PA_MARKETOPTION,
    PA_MEMORY,
    PA_NETWORK_PERFORMANCE,
    PA_NORMALIZATION_SIZE_FACTOR,
    PA_OPERATING_SYSTEM,
    PA_OPERATION,
    PA_PHYSICAL_PROCESSOR,
    PA_PRICING_UNIT,
    PA_PROCESSOR_ARCHITECTURE,
    PA_PRODUCT_FAMILY,
    PA_REGION,
    PA_REGION_CODE,
    PA_SERVICECODE,
    PA_SERVICENAME,
    PA_SKU,
    PA_STORAGE,
    PA_STORAGE_CLASS,
    PA_TENANCY,
    PA_TO_LOCATION,
    PA_TO_LOCATION_TYPE,
    PA_TO_REGION_CODE,
    PA_TRANSFER_TYPE,
    PA_USAGETYPE,
    PA_VCPU,
    PA_VOLUME_API_NAME,
    PA_VOLUME_TYPE,
    PA_COUNT
};

#define GEN_NTAGS 4
#define GEN_NCOSTCAT 1
extern const char *const gen_tag_keys[GEN_NTAGS];       /* "user:Cost Center", … (legacy spelling) */
extern const char *const gen_costcat_names[GEN_NCOSTCAT]; /* "Business Unit" */

typedef enum { GF_LEGACY = 0, GF_CUR2 = 1 } gen_fmt;

/* Pre-rendered text of a block for one format: CSV cells joined by commas
 * (legacy), or the map cell plus the static product columns (CUR 2.0). */
typedef struct gen_block {
    const char *p;
    uint32_t n;
} gen_block;

/* Renders product attributes (NULL = empty) as a block; caller frees p. */
gen_block gen_render_product(gen_fmt f, const char *const attr[PA_COUNT]);
/* Renders tag values (NULL = no such tag on the resource); caller frees. */
gen_block gen_render_tags(gen_fmt f, const char *const val[GEN_NTAGS]);
gen_block gen_render_costcat(gen_fmt f, const char *const val[GEN_NCOSTCAT]);

/* ---- the row builder ----
 * A row is a set of cells stamped with the row number: a cell whose stamp
 * is not the current one is empty, so starting a row costs nothing. Cell
 * text is borrowed (static tables, the model, or the row's scratch). */

/* Rows use well under 4 KB of scratch (numbers, times, quoted text). */
#define GROW_SCRATCH 8192

typedef struct grow {
    const char *p[GC_COUNT];
    uint32_t n[GC_COUNT];
    uint32_t stamp[GC_COUNT];
    uint32_t cur;
    char scratch[GROW_SCRATCH];
    size_t sl;
} grow;

static inline void grow_begin(grow *r)
{
    r->cur++;
    r->sl = 0;
}

/* Safe text (digits, ids, codes: never quoted). */
static inline void grow_raw(grow *r, int c, const char *s, uint32_t n)
{
    r->p[c] = s;
    r->n[c] = n;
    r->stamp[c] = r->cur;
}
/* Free text, quoted when it holds a comma, quote or line break. */
void grow_text(grow *r, int c, const char *s);
void grow_raws(grow *r, int c, const char *s); /* grow_raw with strlen */
void grow_num(grow *r, int c, int64_t u10);
void grow_int(grow *r, int c, int64_t v);
/* Copies s into the scratch and sets it as raw text. */
void grow_copy(grow *r, int c, const char *s, size_t n);
/* A block cell (GC_PRODUCT, GC_TAGS, GC_COSTCAT): already CSV text. */
static inline void grow_block(grow *r, int c, gen_block b)
{
    if (b.p) grow_raw(r, c, b.p, b.n);
}

/* The column program of a format: the header line, the manifest columns,
 * and the order the serializer writes cells in. */
typedef struct gen_layout {
    gen_fmt fmt;
    int16_t prog[GC_COUNT];
    int nprog;
    char *header;     /* with the trailing newline */
    size_t header_len;
    char *empty_block[GC_COUNT]; /* for block columns: the text of an empty block */
    uint32_t empty_len[GC_COUNT];
} gen_layout;

rk_status gen_layout_init(gen_layout *l, gen_fmt f, rk_err *err);
void gen_layout_free(gen_layout *l);
/* Appends the row as one CSV line to out (which has >= GEN_ROW_MAX free). */
#define GEN_ROW_MAX (64 * 1024)
size_t gen_serialize(const gen_layout *l, const grow *r, char *out);
/* Appends the manifest's "columns" array (JSON) to b. */
struct rk_buf;
rk_status gen_manifest_columns(gen_fmt f, struct rk_buf *b);


/* The physical columns of a format, in file order, for the Parquet writer:
 * where each one's text comes from and what it holds. */
typedef enum { GK_STRING = 0, GK_NUMBER, GK_TIME, GK_MAP, GK_MAP_NUMBER } gen_kind;
typedef struct gen_col {
    int16_t gc;     /* the GC_ cell it comes from */
    int16_t sub;    /* for a block cell, the CSV cell inside the block (a product
                     * attribute, tag or cost category; in CUR 2.0's product block,
                     * 0 is the map and 1… the static attributes); else 0 */
    uint8_t kind;   /* gen_kind */
    char name[160]; /* legacy: category/Name; CUR 2.0: the column name */
} gen_col;
#define GEN_MAXCOLS 256
int gen_columns(gen_fmt f, gen_col *out);

/* ---- gzip file writer ---- */

typedef struct rk_gzw rk_gzw;
rk_status rk_gzw_open(const char *path, rk_gzw **out, rk_err *err);
rk_status rk_gzw_write(rk_gzw *w, const void *p, size_t n, rk_err *err);
/* Finishes the member, closes the file; *bytes gets the file size. Always frees w. */
rk_status rk_gzw_close(rk_gzw *w, uint64_t *bytes, rk_err *err);


/* ---- Parquet rows (gen_pqrow.c; the writer is gen_parquet.c) ---- */

/* A Parquet format's schema, from the CSV layout it mirrors: athena-parquet
 * is GF_LEGACY with REQUIRED columns, cur2-parquet GF_CUR2 with OPTIONAL ones.
 * Read-only once built; shared by the month threads. */
typedef struct gen_pqplan {
    gen_fmt fmt;
    bool athena;
    int ncols, nstatic;        /* nstatic: CUR 2.0 static product columns */
    gen_col cols[GEN_MAXCOLS];
    int leaf[GEN_MAXCOLS];     /* each column's first leaf (a map has two) */
    int8_t blk[GEN_MAXCOLS];   /* a block cell's block (0 product, 1 tags, 2 cost categories), else -1 */
    gpq_schema *schema;
} gen_pqplan;
rk_status gen_pqplan_init(gen_pqplan *p, gen_fmt f, bool athena, rk_err *err);
void gen_pqplan_free(gen_pqplan *p);

/* One month's converter: the parsed blocks, the batches of captured rows
 * and, when threaded, the helper thread that encodes them. The plan must
 * outlive it. */
typedef struct gen_pqconv gen_pqconv;
gen_pqconv *gen_pqconv_new(const gen_pqplan *p, bool threaded);
/* Stops the helper; writers it wrote to must be closed or discarded after. */
void gen_pqconv_free(gen_pqconv *cv);
/* Adds the row r (laid out by l) to w. Rows are captured in batches and
 * written column by column: gen_pq_flush before closing w. */
rk_status gen_pq_row(gen_pqconv *cv, const gen_layout *l, const grow *r, gpq_writer *w, rk_err *err);
rk_status gen_pq_flush(gen_pqconv *cv, rk_err *err);
/* The Athena status table: one REQUIRED UTF8 column `status`, one row READY. */
rk_status gen_pq_status_file(const char *path, rk_err *err);

/* ---- the organization ---- */

enum { SVC_NONE = 0, SVC_EC2, SVC_RDS, SVC_CACHE };
/* Savings Plan eligibility of a product. */
enum { SPK_NONE = 0, SPK_EC2, SPK_FARGATE, SPK_LAMBDA };
/* Product codes that taxes, the EDP discount and support are summed by. */
enum { PC_EC2 = 0, PC_RDS, PC_CACHE, PC_ECS, PC_LAMBDA, PC_S3, PC_CW, PC_SP, PC_SUPPORT, PC_MKT, PC_COUNT };
extern const char *const gen_pc_codes[PC_COUNT];

#define GEN_MAXRI 8
#define GEN_MAXSP 4

typedef struct gen_arena_blk gen_arena_blk;
typedef struct gen_arena {
    gen_arena_blk *head;
} gen_arena;
char *gen_astr(gen_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gen_arena_free(gen_arena *a);

typedef struct gen_acct {
    char id[13];
    char *name;
    int cls;
    const char *env;
    gen_block costcat[2];
} gen_acct;

typedef struct gen_prod {
    char *key;
    const char *attr[PA_COUNT];
    gen_block block[2];
    uint8_t pc;
    const char *usage_type, *operation, *unit;
    const char *desc, *desc_ri, *desc_sp; /* already CSV-quoted when needed */
    const char *rate_code, *rate_id;
    int64_t od_rate; /* public on-demand rate, U10 */
    char od_txt[24];
    uint8_t nf4;     /* normalization factor × 4; 0 = none */
    char nf_txt[8];
    uint8_t svc, spk, region;
    int16_t fam;     /* instance family index (EC2), -1 */
    uint16_t ricls;  /* RI class; 0 = no RI applies */
    bool edp;        /* the EDP discount applies */
    bool marketplace;
    int64_t sp_rate[GEN_MAXSP]; /* per Savings Plan; 0 = not eligible */
} gen_prod;

enum { K_EC2 = 0, K_SPOT, K_RDS, K_CACHE, K_FARGATE, K_LAMBDA, K_S3, K_NAT, K_CW, K_MKT };
enum { P_ALWAYS = 0, P_DIURNAL, P_OFFICE, P_BATCH };
#define F_GROWTH 1
#define F_MIG_OUT 2
#define F_MIG_IN 4

typedef struct gen_fleetdef {
    uint8_t cls, kind;
    const char *type;
    uint8_t region, os, pattern;
    float count;
    const char *team, *role;
    int p1, p2, p3;
    uint8_t flags;
} gen_fleetdef;

typedef struct gen_fleet {
    const gen_fleetdef *d;
    uint16_t acct;
    uint32_t first, n; /* resources [first, first+n) */
    uint16_t prod[4];
} gen_fleet;

typedef struct gen_res {
    uint32_t fleet;
    uint32_t k;          /* index in the fleet */
    uint16_t acct;
    uint8_t az;          /* 0..2 */
    int32_t start_h, end_h; /* alive in [start_h, end_h), window hours */
    uint64_t h;          /* this resource's random stream */
    const char *id, *vol;
    gen_block tags[2];
} gen_res;

typedef struct gen_ri {
    char *arn;
    uint16_t owner;
    uint8_t svc, region;
    uint16_t cls;
    int itype;
    int count;
    uint8_t nf4;
    int64_t start_ms, end_ms;
    int term_h;
    const char *offering, *payment, *lease;
    int upfront_pct, discount_pct;
    int64_t u_q, r_q; /* amortized upfront and recurring per quarter normalized unit-hour, U10 */
    uint16_t prod_fee;
    char sub_id[16];
    char start_txt[32], end_txt[32];
    double size_frac; /* of the class's minimum use in the sample week */
    int64_t purchase_ms; /* Fee row at this time when inside the window; else 0 */
} gen_ri;

enum { SPT_COMPUTE = 0, SPT_EC2 };
typedef struct gen_sp {
    char *arn;
    uint16_t owner;
    int type, years, upfront_pct;
    const char *payment;
    int16_t fam;
    uint8_t region;
    int64_t start_ms, end_ms;
    int64_t commit, amort, recur; /* per hour, U10 */
    uint16_t prod_fee;
    char start_txt[32], end_txt[32];
    double size_frac;
} gen_sp;

typedef struct gen_model {
    const rk_gen_opts *o;
    uint64_t seed;
    int64_t w0, w1;           /* the window, ms */
    int32_t hours;            /* in the window */
    int64_t mig_ms;           /* the migration */
    int64_t refund_ms, sp_refund_ms;
    gen_arena arena;
    gen_acct *acct;
    int nacct;
    gen_prod *prod;
    int nprod, prodcap;
    gen_fleet *fleet;
    int nfleet;
    gen_res *res;
    uint32_t nres;
    gen_ri ri[GEN_MAXRI];
    int nri;
    gen_sp sp[GEN_MAXSP];
    int nsp;
    int sp_order[GEN_MAXSP]; /* the order plans apply in: EC2 Instance SPs first */
    uint16_t p_support, p_credit, p_refund, p_sp_refund;
    uint16_t p_tax[PC_COUNT], p_edp[PC_COUNT];
    char invoicing_entity[64];
    int acct_prod, acct_data, acct_shared; /* account indexes for the commitment owners */
} gen_model;

rk_status gen_model_build(gen_model *m, const rk_gen_opts *o, rk_err *err);
void gen_model_free(gen_model *m);
/* Sets the SP rates of every product once the plans are known. */
void gen_model_sp_rates(gen_model *m);
/* Computes the RI price split and the plans' hourly amounts once sized. */
void gen_model_finish_commitments(gen_model *m);

#endif
