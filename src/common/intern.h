/* intern.h — a string table: each distinct string gets a dense id (0, 1, …),
 * so aggregations compare and hash small integers instead of text. Used by
 * queries (a table per group-by dimension) and by ingest's commitment rollup.
 * Strings are copied into the table; ids stay valid until it is freed. */
#ifndef RK_INTERN_H
#define RK_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rk_intern {
    uint32_t *slots; /* id+1, 0 empty */
    uint32_t mask;
    uint64_t *hashes;
    uint32_t *off, *len;
    char *bytes;
    size_t blen, bcap;
    uint32_t n, cap;
} rk_intern;

bool rk_intern_init(rk_intern *t);
void rk_intern_free(rk_intern *t);
/* Empties the table, keeping its memory. */
void rk_intern_clear(rk_intern *t);
/* The id of s, adding it; UINT32_MAX when memory runs out. */
uint32_t rk_intern_add(rk_intern *t, const char *s, size_t n);

static inline const char *rk_intern_str(const rk_intern *t, uint32_t id, size_t *len)
{
    *len = t->len[id];
    return t->bytes + t->off[id];
}

#endif
