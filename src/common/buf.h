/* buf.h — growable byte buffer with a hard maximum (after curl's dynbuf).
 *
 * Every buffer whose size an input controls is an rk_buf with a `max`, so a
 * hostile or corrupt file cannot grow memory without bound: appending past
 * max returns RK_ELIMIT and leaves the buffer as it was. The buffer owns its
 * bytes; rk_buf_free releases them. `p` is always NUL-terminated when non-NULL.
 */
#ifndef RK_BUF_H
#define RK_BUF_H

#include <stddef.h>

#include "common/err.h"

typedef struct rk_buf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;
} rk_buf;

void rk_buf_init(rk_buf *b, size_t max);
void rk_buf_free(rk_buf *b);
void rk_buf_reset(rk_buf *b); /* len = 0, keeps memory */
rk_status rk_buf_reserve(rk_buf *b, size_t extra);
rk_status rk_buf_append(rk_buf *b, const void *data, size_t n);
rk_status rk_buf_putc(rk_buf *b, char c);
rk_status rk_buf_puts(rk_buf *b, const char *s);
rk_status rk_buf_printf(rk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quotes, escapes). */
rk_status rk_buf_json_str(rk_buf *b, const char *s);
/* Hands the bytes to the caller (who frees them) and resets the buffer. */
char *rk_buf_take(rk_buf *b);

#endif
