/* Fuzz target: the segment reader on damaged files. It must refuse or read
 * within bounds whatever the bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/rk-fuzz-seg-%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    rk_seg *s;
    rk_err err;
    if (rk_seg_open(path, &s, &err) == RK_OK) {
        volatile uint64_t sink = 0;
        for (uint32_t c = 0; c < rk_seg_ncols(s); c++)
            for (uint32_t b = 0; b < rk_seg_nblocks(s); b++) {
                if (rk_seg_coltype(s, c) == RK_COL_STR) {
                    rk_strview v;
                    if (rk_seg_str(s, (int)c, b, &v, &err) != RK_OK) continue;
                    for (uint32_t i = 0; i < v.n; i++) {
                        size_t len;
                        const char *p = rk_strview_str(&v, rk_strview_id(&v, i), &len);
                        if (len) sink += (uint8_t)p[len - 1];
                    }
                } else {
                    rk_decview v;
                    if (rk_seg_dec(s, (int)c, b, &v, &err) != RK_OK) continue;
                    for (uint32_t i = 0; i < v.n; i++) sink += (uint64_t)rk_decview_get18(&v, i);
                }
            }
        (void)sink;
        rk_seg_close(s);
    }
    unlink(path);
    return 0;
}
