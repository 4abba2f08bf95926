/* gen.h — a synthetic organization's Cost and Usage Report, delivered as AWS
 * would deliver it (cur-format.md §a–c), for demos, tests and benchmarks.
 *
 * rk_gen_run writes, under opts->outdir, the folder a CUR bucket would hold:
 * a legacy CUR (period folders with a manifest, overwrite or create-new-
 * version), a legacy CUR with the Athena integration (year=/month= folders
 * of Parquet, a status table) or a CUR 2.0 Data Export (data/ and metadata/
 * BILLING_PERIOD= partitions), in gzip-compressed CSV or SNAPPY Parquet
 * parts split at a row threshold. The Parquet formats carry exactly the
 * rows of the CSV formats for the same options (same rows, order, values:
 * amounts as the DOUBLE nearest to the CSV's decimal text). The
 * organization is a payer and linked accounts running EC2 (on-demand, Spot,
 * RI- and SP-covered), RDS, ElastiCache, Fargate, Lambda, S3, data transfer,
 * CloudWatch and a Marketplace subscription, with Reserved Instances,
 * Savings Plans, support, tax, credits, refunds and an EDP discount.
 *
 * Guarantees:
 *  - Deterministic: the same options give byte-identical files (own PRNG,
 *    no clock, gzip headers without time or name, Parquet footers without
 *    either). Only the file times differ.
 *  - Exact: every amount is an integer number of 1e-10 dollars, printed
 *    exactly, and the identities of cur-format.md §g hold to the last digit
 *    in every period (unblended = amortized + true-up + upfront; SP used =
 *    Σ effective cost per plan and hour; negation = −Σ covered; RI used +
 *    unused = reserved).
 *  - Streaming: memory is bounded by one hour (or day) of rows, whatever the
 *    number of months (plus, for Parquet, one row group per month being
 *    written); rows grow linearly with opts->scale.
 *
 * The generator depends only on common/ and cur/colname.h.
 */
#ifndef RK_GEN_H
#define RK_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef enum rk_gen_format {
    RK_GEN_LEGACY_CSV = 0,
    RK_GEN_CUR2_CSV,
    RK_GEN_ATHENA_PARQUET, /* legacy CUR with the Athena integration (always overwrite) */
    RK_GEN_CUR2_PARQUET
} rk_gen_format;

typedef enum rk_gen_versioning { RK_GEN_OVERWRITE = 0, RK_GEN_NEW_VERSION } rk_gen_versioning;
typedef enum rk_gen_gran { RK_GEN_HOURLY = 0, RK_GEN_DAILY } rk_gen_gran;

typedef struct rk_gen_progress {
    unsigned month;  /* 0-based index of the month being written */
    unsigned months;
    unsigned hour;   /* hours done in that month */
    unsigned hours;  /* hours in that month */
    uint64_t rows;   /* rows written so far, all months */
    uint64_t bytes;  /* compressed bytes written so far */
} rk_gen_progress;

typedef struct rk_gen_opts {
    const char *outdir;
    uint64_t seed;
    int months;             /* 1..60 */
    int end_year, end_month; /* the last month generated */
    int accounts;           /* 1..999; the first is the payer */
    double scale;           /* multiplies resources; > 0 */
    rk_gen_format format;
    rk_gen_versioning versioning;
    rk_gen_gran granularity;
    const char *bucket;     /* written in manifests only */
    const char *prefix;     /* S3 prefix; "" for none */
    const char *report;     /* report / export name */
    uint64_t rows_per_part;
    uint64_t rows_per_group; /* Parquet row group size; 0: 131072 */
    int threads;            /* 0: as many as useful (months are independent) */
    /* Called from the generating threads, serialized, at most ~10 times a second. */
    void (*progress)(void *ctx, const rk_gen_progress *p);
    void *progress_ctx;
} rk_gen_opts;

/* Fills the defaults: seed 1, 3 months ending last month (by the real date),
 * 8 accounts, scale 1, legacy CSV, overwrite, hourly, bucket acme-cur, prefix
 * cur, report acme-hourly, 1,000,000 rows per part, 131,072 rows per Parquet
 * row group. */
void rk_gen_opts_default(rk_gen_opts *o);

rk_status rk_gen_format_parse(const char *s, rk_gen_format *out);
const char *rk_gen_format_name(rk_gen_format f);

typedef struct rk_gen_month {
    char period[8];        /* YYYY-MM */
    uint64_t rows;
    unsigned parts;
    uint64_t bytes;        /* compressed bytes of the parts */
    char unblended[48];    /* Σ lineItem/UnblendedCost, exact decimal text */
} rk_gen_month;

typedef struct rk_gen_result {
    rk_gen_month *months;  /* opts->months entries, oldest first */
    size_t nmonths;
    uint64_t rows, bytes;
    unsigned accounts, resources, reservations, savings_plans;
    char payer[13];        /* the payer account id */
    char report_path[512]; /* folder of the report under outdir */
} rk_gen_result;

/* Validates opts (RK_EUSAGE with a message naming the option), then writes
 * the files. Files already in outdir are overwritten, others left alone. */
rk_status rk_gen_run(const rk_gen_opts *opts, rk_gen_result *res, rk_err *err);
void rk_gen_result_free(rk_gen_result *r);

#endif
