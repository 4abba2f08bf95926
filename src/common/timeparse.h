/* timeparse.h — UTC timestamps in the forms CUR files use.
 *
 * Times are int64 milliseconds since 1970-01-01T00:00:00Z. Accepted:
 *   2023-11-01T00:00:00Z   2023-11-01T00:00:00.000Z   2023-11-01T00:00Z
 *   2019-11-26 00:00:00    2023-11-01T00:00:00+00:00  2023-11-01
 *   20180501T000000.000Z   (legacy manifests)         20180501
 * An interval is "start/end" with both ends in one of those forms.
 */
#ifndef RK_TIMEPARSE_H
#define RK_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define RK_MS_PER_HOUR 3600000LL
#define RK_MS_PER_DAY 86400000LL

/* RK_OK, RK_ENOTFOUND for empty text, RK_EBADDATA otherwise. */
rk_status rk_time_parse(const char *s, size_t n, int64_t *ms);
rk_status rk_interval_parse(const char *s, size_t n, int64_t *start, int64_t *end);

int64_t rk_days_from_civil(int y, int m, int d);
void rk_civil_from_days(int64_t z, int *y, int *m, int *d);

/* Floors to the start of the hour, day or calendar month (UTC). */
int64_t rk_time_floor_day(int64_t ms);
int64_t rk_time_floor_month(int64_t ms);
int64_t rk_time_add_months(int64_t ms, int months);

/* "2023-11-01T00:00:00Z" (ms shown only when non-zero). out needs 32 bytes. */
size_t rk_time_fmt(int64_t ms, char *out);
/* "2023-11-01" / "2023-11" / "2023-11-01T05:00Z" */
size_t rk_time_fmt_date(int64_t ms, char *out);
size_t rk_time_fmt_month(int64_t ms, char *out);

#endif
