/* hash.h — the one string hash (xxHash's XXH3, from Debian's libxxhash). */
#ifndef RK_HASH_H
#define RK_HASH_H

#include <stddef.h>
#include <stdint.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

static inline uint64_t rk_hash(const void *p, size_t n) { return XXH3_64bits(p, n); }
static inline uint64_t rk_hash_seed(const void *p, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, n, seed);
}

#endif
