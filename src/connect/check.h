/* check.h — the checks `reckon connect aws` runs before it saves a
 * connection: can reckon read this bucket, is a Cost and Usage Report
 * delivered there, and is it set up the way reckon reads best.
 *
 * In order (a FAIL stops the ones after it, except where noted):
 *   bucket-name   S3's bucket naming rules                     (form: no network)
 *   prefix        the CUR API's prefix characters               (form)
 *   report-name   the CUR API's report-name characters          (form; when given)
 *   role-arn      arn:PARTITION:iam::ACCOUNT:role/NAME          (form; SKIP without a role)
 *   credentials   the host's AWS chain, then AssumeRole with the connection's
 *                 ExternalId; GetCallerIdentity names who reckon reads as.
 *                 "access denied / ExternalId mismatch" (fix: the trust policy,
 *                 `reckon connect template`) is told apart from "no credentials"
 *                 (fix: environment or --profile)
 *   region        GetBucketLocation; WARN when not us-east-1 (reckon follows the
 *                 bucket's region anyway); FAIL only when the bucket does not exist
 *   list          ListObjectsV2 of the prefix (FAIL on AccessDenied: s3:ListBucket)
 *   report        discovery (cur/discover.h) over the listing: FAIL when no CUR
 *                 delivery is there, or the report asked for is not (naming the
 *                 reports that are); other reports are named
 *   delivery      WARN when the newest delivery cannot be read as delivered
 *                 (an incomplete manifest…); only then
 *   read          GetObject (a range) of the newest period's first data file, or
 *                 its manifest (FAIL on AccessDenied: s3:GetObject on PREFIX/ *)
 *   granularity, resource-ids, format, versioning, athena-status
 *                 from a sample of the newest period's data (cur/probe.h): WARN
 *                 when not hourly, without resource IDs, CSV instead of Parquet,
 *                 create-new-version; athena-status only when AWS says UPDATING
 * When a form check fails, checks->usage is set and nothing else runs: the
 * input is wrong, and no request was sent.
 *
 * Secrets: no check's text holds one (the AWS layer never puts one in an
 * error); the ExternalId, an identifier, may appear in a fix.
 *
 * Ownership: rk_checks owns everything in it; free with rk_checks_free.
 */
#ifndef RK_CONNECT_CHECK_H
#define RK_CONNECT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "store/connections.h"

typedef enum rk_check_level { RK_CHECK_PASS = 0, RK_CHECK_WARN, RK_CHECK_FAIL, RK_CHECK_SKIP } rk_check_level;

/* "PASS", "WARN", "FAIL", "SKIP". */
const char *rk_check_level_name(rk_check_level l);

typedef struct rk_check {
    const char *id;       /* "bucket-name", "credentials", … (static) */
    rk_check_level level;
    char title[512];      /* one line: what was checked and what was found */
    char detail[RK_ERR_MSG_MAX]; /* more about it ("" when nothing more) */
    char fix[RK_ERR_MSG_MAX];    /* what to do; "" on PASS and SKIP */
} rk_check;

typedef struct rk_checks {
    rk_check *v;
    size_t n, cap;
    unsigned npass, nwarn, nfail, nskip;
    bool usage;           /* a form check failed: nothing was sent */
    /* What was found (NULL / 0 when the checks stopped before): */
    char *identity;       /* the ARN reckon reads as (GetCallerIdentity) */
    char *bucket_region;  /* GetBucketLocation */
    uint64_t objects;     /* objects listed under the prefix */
    char **reports;       /* names of every CUR report found under the prefix */
    size_t nreports;
    char *report;         /* the report the data checks looked at */
    char *format;         /* its format (rk_fmt_name) */
    char *layout;         /* overwrite, new-version, athena, cur2 */
    char **periods;       /* its billing periods (YYYY-MM), oldest first */
    size_t nperiods;
    char *newest;         /* the newest of them */
    char *granularity;    /* from the sample: hourly, daily, monthly, unknown */
    bool resource_ids;    /* non-empty resource IDs in the sample */
} rk_checks;

typedef void (*rk_check_fn)(void *ctx, const rk_check *c);

typedef struct rk_check_opts {
    rk_check_fn on_check; /* called as each check ends (live output); may be NULL */
    void *ctx;
    size_t sample_rows;   /* 0: RK_PROBE_ROWS */
} rk_check_opts;

/* Runs the checks of connection c (its name is used in the fixes).
 * Returns RK_OK when the checks ran, whatever they found (see out->nfail);
 * an error only when out of memory. o may be NULL. */
rk_status rk_connect_run_checks(const rk_connection *c, const rk_check_opts *o, rk_checks *out, rk_err *err);
void rk_checks_free(rk_checks *c);

#endif
