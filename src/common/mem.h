/* mem.h — allocation helpers.
 *
 * Lower layers propagate RK_ENOMEM instead of aborting, so they stay usable
 * from long-running processes and fuzzable. rk_grow is the one growth rule
 * for every dynamic array: capacity doubles, overflow is checked.
 */
#ifndef RK_MEM_H
#define RK_MEM_H

#include <stddef.h>
#include <stdlib.h>

#include "common/err.h"

/* Ensures *arr has room for `need` elements of `elem` bytes. */
rk_status rk_grow(void **arr, size_t *cap, size_t need, size_t elem);

#define RK_GROW(arr, cap, need) rk_grow((void **)&(arr), &(cap), (need), sizeof *(arr))

char *rk_strndup(const char *s, size_t n);
char *rk_strdup(const char *s);

/* Allocation-or-die for the CLI layer only (printing and exiting is its job). */
void *rk_xmalloc(size_t n);
void *rk_xcalloc(size_t n, size_t m);
char *rk_xstrdup(const char *s);

#endif
