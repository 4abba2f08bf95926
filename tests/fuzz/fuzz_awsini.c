/* Fuzz target: the ~/.aws/credentials and ~/.aws/config parser. */
#include <stddef.h>
#include <stdint.h>

#include "aws/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rk_ini ini;
    rk_err err;
    if (rk_ini_parse((const char *)data, size, "fuzz", &ini, &err) == RK_OK) {
        for (size_t i = 0; i < ini.nsections; i++) {
            rk_ini_get(&ini, ini.sections[i], "role_arn");
            rk_ini_get(&ini, ini.sections[i], "s3.addressing_style");
            rk_ini_has_section(&ini, ini.sections[i]);
        }
        rk_ini_free(&ini);
    }
    return 0;
}
