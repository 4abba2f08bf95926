/* validate.h — the forms `reckon connect` checks before it saves or writes
 * anything: a CUR report's S3 prefix and report name, as the CUR API's
 * ReportDefinition defines them (S3Prefix, ReportName: at most 256
 * characters of [0-9A-Za-z!\-_.*'()], the prefix also '/'; no spaces).
 *
 * Errors are RK_EUSAGE and name the bad character and its position
 * (1-based, in characters as typed), so a prompt or a flag can say
 * exactly what to fix.
 */
#ifndef RK_CONNECT_VALIDATE_H
#define RK_CONNECT_VALIDATE_H

#include "common/err.h"

#define RK_CUR_NAME_MAX 256

/* An S3 report prefix; "" (the bucket's root) is valid. */
rk_status rk_connect_check_prefix(const char *prefix, rk_err *err);

/* A report (export) name: not empty. */
rk_status rk_connect_check_report_name(const char *name, rk_err *err);

/* The prefix without leading and trailing '/' ("/cur/" -> "cur", "/" -> "").
 * The caller frees the result; NULL only when out of memory. */
char *rk_connect_norm_prefix(const char *prefix);

#endif
