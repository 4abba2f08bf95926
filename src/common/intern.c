#include "common/intern.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

bool rk_intern_init(rk_intern *t)
{
    memset(t, 0, sizeof *t);
    t->mask = 63;
    t->slots = calloc(64, sizeof *t->slots);
    return t->slots != NULL;
}

void rk_intern_free(rk_intern *t)
{
    free(t->slots);
    free(t->hashes);
    free(t->off);
    free(t->len);
    free(t->bytes);
    memset(t, 0, sizeof *t);
}

void rk_intern_clear(rk_intern *t)
{
    memset(t->slots, 0, ((size_t)t->mask + 1) * sizeof *t->slots);
    t->n = 0;
    t->blen = 0;
}

uint32_t rk_intern_add(rk_intern *t, const char *s, size_t n)
{
    uint64_t h = rk_hash(s, n);
    uint32_t i = (uint32_t)h & t->mask;
    while (t->slots[i]) {
        uint32_t id = t->slots[i] - 1;
        if (t->hashes[id] == h && t->len[id] == n && (n == 0 || memcmp(t->bytes + t->off[id], s, n) == 0)) return id;
        i = (i + 1) & t->mask;
    }
    if (t->n == t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 64;
        uint64_t *hh = realloc(t->hashes, nc * sizeof *hh);
        if (!hh) return UINT32_MAX;
        t->hashes = hh;
        uint32_t *o = realloc(t->off, nc * sizeof *o);
        if (!o) return UINT32_MAX;
        t->off = o;
        uint32_t *l = realloc(t->len, nc * sizeof *l);
        if (!l) return UINT32_MAX;
        t->len = l;
        t->cap = nc;
    }
    if (t->blen + n > t->bcap) {
        size_t nc = t->bcap ? t->bcap * 2 : 4096;
        while (nc < t->blen + n) nc *= 2;
        char *b = realloc(t->bytes, nc);
        if (!b) return UINT32_MAX;
        t->bytes = b;
        t->bcap = nc;
    }
    uint32_t id = t->n++;
    if (n) memcpy(t->bytes + t->blen, s, n);
    t->off[id] = (uint32_t)t->blen;
    t->len[id] = (uint32_t)n;
    t->hashes[id] = h;
    t->blen += n;
    if ((uint64_t)t->n * 2 > t->mask) {
        uint32_t nm = t->mask * 2 + 1;
        uint32_t *ns = calloc((size_t)nm + 1, sizeof *ns);
        if (!ns) return UINT32_MAX;
        for (uint32_t k = 0; k < t->n; k++) {
            uint32_t j = (uint32_t)t->hashes[k] & nm;
            while (ns[j]) j = (j + 1) & nm;
            ns[j] = k + 1;
        }
        free(t->slots);
        t->slots = ns;
        t->mask = nm;
    } else {
        t->slots[i] = id + 1;
    }
    return id;
}
