/* Fuzz target: gzip framing on both inflaters (first byte picks ISA-L or
 * zlib and the read size). Output is capped so a bomb ends the run, not the
 * machine. */
#include <stddef.h>
#include <stdint.h>

#include "format/gzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t ctl = data[0];
    data++, size--;
    rk_in *g;
    rk_err err;
    rk_inflate_impl impl = (ctl & 1) ? RK_INFLATE_ISAL : RK_INFLATE_ZLIB;
    if (rk_gunzip_open(rk_in_mem_stepped(data, size, (ctl >> 1) & 15), impl, &g, &err) != RK_OK) return 0;
    static uint8_t out[65536];
    size_t got, total = 0;
    size_t cap = 1 + (ctl >> 5) * 997;
    while (rk_in_read(g, out, cap, &got, &err) == RK_OK && got) {
        total += got;
        if (total > (64u << 20)) break;
    }
    rk_in_close(g);
    return 0;
}
