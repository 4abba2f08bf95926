/* Fuzz target: streaming zip members (local headers, data descriptors,
 * ZIP64 extras, CRC and size checks). */
#include <stddef.h>
#include <stdint.h>

#include "format/zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t ctl = data[0];
    data++, size--;
    rk_unzip *z;
    rk_err err;
    if (rk_unzip_open(rk_in_mem_stepped(data, size, ctl & 15), &z, &err) != RK_OK) return 0;
    rk_zip_member info;
    rk_in *m;
    static uint8_t out[16384];
    size_t total = 0;
    while (rk_unzip_next(z, &info, &m, &err) == RK_OK) {
        size_t got;
        while (rk_in_read(m, out, 1 + (ctl >> 4) * 700, &got, &err) == RK_OK && got) {
            total += got;
            if (total > (64u << 20)) goto done;
        }
    }
done:
    rk_unzip_close(z);
    return 0;
}
