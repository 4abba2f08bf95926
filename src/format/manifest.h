/* manifest.h — CUR delivery manifests (legacy CUR and CUR 2.0 Data Exports).
 *
 * Parses the JSON into plain C values; which files belong to a delivery and
 * what to do with them is decided by cur/discover. Tolerates what real and
 * third-party manifests do (cur-format.md §b, §c.3): missing `type`, missing
 * additionalArtifactKeys, unknown fields, an empty bucket, a leading '/' in
 * keys, `dataFiles` as s3:// strings or as objects. Errors name the field.
 */
#ifndef RK_MANIFEST_H
#define RK_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef struct rk_manifest_col {
    char *category; /* legacy only; NULL in CUR 2.0 */
    char *name;
    char *type; /* may be NULL */
} rk_manifest_col;

typedef struct rk_manifest {
    char *delivery_id;  /* assemblyId (legacy) or executionId (CUR 2.0); may be NULL */
    char *account;      /* may be NULL */
    char *report_name;  /* reportName / exportName; may be NULL */
    char *report_id;    /* may be NULL */
    char *bucket;       /* may be NULL or "" */
    char *compression;  /* GZIP, ZIP, Parquet…; may be NULL */
    char *content_type; /* may be NULL */
    int64_t period_start, period_end; /* ms since epoch; both 0 when absent */
    char **keys;                      /* data object keys, bucket-relative, no leading '/' */
    size_t nkeys;
    rk_manifest_col *cols;
    size_t ncols;
    int has_execution_id; /* looks like a CUR 2.0 manifest */
} rk_manifest;

#define RK_MANIFEST_MAX (64u << 20)

rk_status rk_manifest_parse(const char *json, size_t len, rk_manifest *out, rk_err *err);
void rk_manifest_free(rk_manifest *m);

#endif
