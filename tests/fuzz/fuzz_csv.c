/* Fuzz target: the streaming CSV reader, at small read sizes and limits so
 * refills, long rows and the field limit are all reached. */
#include <stddef.h>
#include <stdint.h>

#include "format/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t ctl = data[0];
    data++, size--;
    rk_in *in = rk_in_mem_stepped(data, size, (ctl & 7) ? (ctl & 7) * 3 : 0);
    rk_csv_opts o = {.max_field = (ctl & 8) ? 64 : 4096, .max_row = 1 << 16, .validate_utf8 = (ctl & 16) != 0};
    rk_csv *c;
    rk_err err;
    if (rk_csv_open(in, &o, &c, &err) == RK_OK) {
        const rk_csv_row *row;
        size_t total = 0;
        while (rk_csv_next(c, &row, &err) == RK_OK) {
            for (size_t i = 0; i < row->n; i++) total += row->f[i].len; /* touch every field */
            if (row->n && row->f[row->n - 1].len) total += (uint8_t)row->f[row->n - 1].p[row->f[row->n - 1].len - 1];
        }
        (void)total;
        rk_csv_close(c);
    }
    rk_in_close(in);
    return 0;
}
