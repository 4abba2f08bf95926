#include "cur/colname.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || is_upper(c);
}

size_t rk_colname_normalize(const char *in, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    bool prev_us = true; /* as if after an underscore: no leading '_' */
    for (size_t i = 0; i < n && len + 2 < cap; i++) {
        unsigned char c = (unsigned char)in[i];
        if (is_upper(c)) {
            if (!prev_us) out[len++] = '_';
            out[len++] = (char)(c - 'A' + 'a');
            prev_us = false;
        } else if (is_alnum(c)) {
            out[len++] = (char)c;
            prev_us = false;
        } else if (!prev_us) {
            out[len++] = '_';
            prev_us = true;
        }
    }
    while (len && out[len - 1] == '_') len--;
    /* Too long: drop underscores from the left until it fits. */
    size_t i = 0;
    while (len > RK_COLNAME_MAX) {
        while (i < len && out[i] != '_') i++;
        if (i >= len) {
            len = RK_COLNAME_MAX;
            break;
        }
        memmove(out + i, out + i + 1, len - i - 1);
        len--;
    }
    out[len] = 0;
    return len;
}

size_t rk_colname_tag(const char *key, char *out, size_t cap)
{
    char norm[2 * RK_COLNAME_MAX + 2];
    size_t n = strlen(key);
    if (n > RK_COLNAME_MAX) n = RK_COLNAME_MAX;
    rk_colname_normalize(key, n, norm, sizeof norm);
    bool prefixed = strncmp(norm, "user_", 5) == 0 || strncmp(norm, "aws_", 4) == 0 ||
                    strncmp(norm, "resource_tags_", 14) == 0;
    if (strncmp(norm, "resource_tags_", 14) == 0)
        return (size_t)snprintf(out, cap, "%s", norm);
    return (size_t)snprintf(out, cap, "resource_tags_%s%s", prefixed ? "" : "user_", norm);
}
