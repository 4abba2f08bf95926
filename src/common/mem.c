#include "common/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

rk_status rk_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return RK_OK;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) return RK_ENOMEM;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem) return RK_ENOMEM;
    void *p = realloc(*arr, ncap * elem);
    if (!p) return RK_ENOMEM;
    *arr = p;
    *cap = ncap;
    return RK_OK;
}

char *rk_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *rk_strdup(const char *s) { return rk_strndup(s, strlen(s)); }

static void oom(void)
{
    fputs("reckon: out of memory\n", stderr);
    exit(3);
}

void *rk_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom();
    return p;
}

void *rk_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) oom();
    return p;
}

char *rk_xstrdup(const char *s)
{
    char *p = rk_strdup(s);
    if (!p) oom();
    return p;
}
