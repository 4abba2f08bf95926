/* colname.h — CUR column names, legacy / Athena / CUR 2.0, to one spelling.
 *
 * Every column is stored under the name AWS's Athena integration gives it
 * (cur-format.md §d.2): "lineItem/UsageStartDate", "line_item_usage_start_date"
 * and "LINE_ITEM_USAGE_START_DATE" all become line_item_usage_start_date, and
 * "resourceTags/user:Cost Center" becomes resource_tags_user_cost_center.
 */
#ifndef RK_COLNAME_H
#define RK_COLNAME_H

#include <stddef.h>

#define RK_COLNAME_MAX 255

/* Writes the normalized name of in[0..n) to out (cap >= 2*n+1 is always
 * enough; the result is cut to RK_COLNAME_MAX by AWS's rule of dropping
 * underscores from the left). Returns its length. */
size_t rk_colname_normalize(const char *in, size_t n, char *out, size_t cap);

/* For a tag given by a user: "user:Team", "user_team", "Team" -> the
 * normalized column resource_tags_user_team (a bare key is a user tag). */
size_t rk_colname_tag(const char *key, char *out, size_t cap);

#endif
