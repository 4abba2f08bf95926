#include "common/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rk_buf_init(rk_buf *b, size_t max)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void rk_buf_free(rk_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void rk_buf_reset(rk_buf *b)
{
    b->len = 0;
    if (b->p) b->p[0] = 0;
}

rk_status rk_buf_reserve(rk_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra) return RK_ELIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return RK_OK;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need) ncap *= 2;
    if (ncap > b->max + 1) ncap = b->max + 1;
    char *p = realloc(b->p, ncap);
    if (!p) return RK_ENOMEM;
    b->p = p;
    b->cap = ncap;
    return RK_OK;
}

rk_status rk_buf_append(rk_buf *b, const void *data, size_t n)
{
    RK_TRY(rk_buf_reserve(b, n));
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = 0;
    return RK_OK;
}

rk_status rk_buf_putc(rk_buf *b, char c) { return rk_buf_append(b, &c, 1); }

rk_status rk_buf_puts(rk_buf *b, const char *s) { return rk_buf_append(b, s, strlen(s)); }

rk_status rk_buf_printf(rk_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return RK_EINTERNAL;
    if ((size_t)n < sizeof small) return rk_buf_append(b, small, (size_t)n);
    RK_TRY(rk_buf_reserve(b, (size_t)n));
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return RK_OK;
}

char *rk_buf_take(rk_buf *b)
{
    char *p = b->p;
    if (!p) p = calloc(1, 1);
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

rk_status rk_buf_json_str(rk_buf *b, const char *s)
{
    RK_TRY(rk_buf_putc(b, '"'));
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            RK_TRY(rk_buf_putc(b, '\\'));
            RK_TRY(rk_buf_putc(b, (char)c));
        } else if (c < 0x20) {
            RK_TRY(rk_buf_printf(b, "\\u%04x", c));
        } else {
            RK_TRY(rk_buf_putc(b, (char)c));
        }
    }
    return rk_buf_putc(b, '"');
}
