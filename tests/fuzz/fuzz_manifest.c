/* Fuzz target: legacy and CUR 2.0 manifest JSON. */
#include <stddef.h>
#include <stdint.h>

#include "format/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rk_manifest m;
    rk_err err;
    if (rk_manifest_parse((const char *)data, size, &m, &err) == RK_OK) {
        size_t n = 0;
        for (size_t i = 0; i < m.nkeys; i++) n += m.keys[i][0] != 0;
        (void)n;
        rk_manifest_free(&m);
    }
    return 0;
}
