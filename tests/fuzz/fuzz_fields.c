/* Fuzz target: the cell parsers (exact decimals, timestamps, intervals) and
 * the column-name rule, with round-trip invariants: a parsed decimal printed
 * and parsed again is the same value; a normalized name is a fixed point. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dec.h"
#include "common/timeparse.h"
#include "cur/colname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    rk_dec d, d2;
    bool r;
    if (rk_dec_parse(s, size, &d, &r) == RK_OK) {
        char out[64];
        size_t n = rk_dec_fmt(d, out);
        if (rk_dec_parse(out, n, &d2, &r) != RK_OK || rk_dec_cmp(d, d2) != 0 || r) abort();
        rk_dec sum;
        if (rk_dec_add(d, d2, &sum) && rk_dec_sub(sum, d2, &sum) && rk_dec_cmp(sum, d) != 0) abort();
        char g[64];
        rk_i128_fmt_grouped(rk_dec_to18(d), 2, g);
    }
    int64_t a, b;
    if (rk_time_parse(s, size, &a) == RK_OK) {
        char out[32];
        size_t n = rk_time_fmt(a, out);
        if (rk_time_parse(out, n, &b) != RK_OK || a != b) abort();
        rk_time_floor_month(a);
        rk_time_add_months(a, 13);
    }
    rk_interval_parse(s, size, &a, &b);
    if (size <= 600) {
        char norm[2 * RK_COLNAME_MAX + 2], again[2 * RK_COLNAME_MAX + 2];
        size_t n = rk_colname_normalize(s, size, norm, sizeof norm);
        size_t n2 = rk_colname_normalize(norm, n, again, sizeof again);
        if (n != n2 || memcmp(norm, again, n) != 0) abort();
    }
    return 0;
}
