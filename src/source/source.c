#include "source/source.h"

#include <stdlib.h>

#include "common/buf.h"

rk_status rk_source_read_all(rk_source *s, const char *key, size_t max, char **data, size_t *len, rk_err *err)
{
    rk_in *in;
    RK_TRY(rk_source_open(s, key, &in, err));
    rk_buf b;
    rk_buf_init(&b, max);
    uint8_t tmp[65536];
    size_t got;
    rk_status st;
    while ((st = rk_in_read(in, tmp, sizeof tmp, &got, err)) == RK_OK && got) {
        if ((st = rk_buf_append(&b, tmp, got)) != RK_OK) {
            if (st == RK_ELIMIT) rk_err_set(err, RK_ELIMIT, "%s is larger than %zu bytes", key, max);
            else rk_err_set(err, st, "out of memory");
            break;
        }
    }
    rk_in_close(in);
    if (st != RK_OK) {
        rk_buf_free(&b);
        return st;
    }
    *len = b.len;
    *data = rk_buf_take(&b);
    return RK_OK;
}

void rk_object_clear(rk_object *o)
{
    free(o->key);
    free(o->etag);
    o->key = o->etag = NULL;
}

void rk_objects_free(rk_object *objs, size_t n)
{
    for (size_t i = 0; i < n; i++) rk_object_clear(&objs[i]);
    free(objs);
}

rk_status rk_source_key_read(void *ctx, uint64_t off, void *buf, size_t len, rk_err *err)
{
    rk_source_key *k = ctx;
    return rk_source_read_range(k->src, k->key, off, buf, len, err);
}
