/* harness.h — shared helpers for the cmocka unit tests. */
#ifndef RK_TEST_HARNESS_H
#define RK_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Reads a whole file relative to tests/ (RK_TEST_DIR). Caller frees. */
static inline char *th_read(const char *rel, size_t *len)
{
    const char *dir = getenv("RK_TEST_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests", rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    size_t got = fread(p, 1, (size_t)n, f);
    fclose(f);
    p[got] = 0;
    *len = got;
    return p;
}

static inline const char *th_path(const char *rel)
{
    static char path[4096];
    const char *dir = getenv("RK_TEST_DIR");
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests", rel);
    return path;
}

#endif
