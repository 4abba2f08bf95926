/* source.h — where CUR objects come from: a local folder mirroring a
 * bucket, or the bucket itself (S3). A source lists keys (with size, time
 * and ETag) and opens a key as a byte stream. It knows nothing about CUR.
 * Every source may be used from several threads at once.
 *
 * Ownership: rk_source_list returns an array the caller frees with
 * rk_objects_free; rk_source_open returns a stream the caller closes.
 */
#ifndef RK_SOURCE_H
#define RK_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws.h"
#include "common/stream.h"

typedef struct rk_object {
    char *key; /* relative to the source root, '/'-separated, no leading '/' */
    uint64_t size;
    int64_t mtime_ms;
    char *etag; /* may be NULL */
} rk_object;

typedef struct rk_source rk_source;

typedef struct rk_source_ops {
    const char *kind;
    rk_status (*list)(rk_source *s, rk_object **objs, size_t *n, rk_err *err);
    rk_status (*open)(rk_source *s, const char *key, uint64_t offset, rk_in **out, rk_err *err);
    rk_status (*stat)(rk_source *s, const char *key, rk_object *out, rk_err *err);
    /* Reads exactly len bytes at off (Parquet footers and column chunks). */
    rk_status (*read_range)(rk_source *s, const char *key, uint64_t off, void *buf, size_t len, rk_err *err);
    void (*close)(rk_source *s);
} rk_source_ops;

struct rk_source {
    const rk_source_ops *ops;
    char *uri; /* canonical: absolute path, or s3://bucket/prefix */
};

rk_status rk_source_local(const char *path, rk_source **out, rk_err *err);
/* s3://BUCKET/PREFIX, with the credentials, region and endpoint of aws
 * (NULL: the environment's and ~/.aws's alone); see source_s3.c. */
rk_status rk_source_s3(const char *uri, const rk_aws_opts *aws, rk_source **out, rk_err *err);
/* s3://… or a local folder: what `reckon ingest URI` reads. */
rk_status rk_source_open_uri(const char *uri, const rk_aws_opts *aws, rk_source **out, rk_err *err);
/* An S3 source's request counters (false for other sources). */
bool rk_source_aws_stats(rk_source *s, rk_aws_stats *out);

static inline rk_status rk_source_list(rk_source *s, rk_object **objs, size_t *n, rk_err *err)
{
    return s->ops->list(s, objs, n, err);
}
static inline rk_status rk_source_open(rk_source *s, const char *key, rk_in **out, rk_err *err)
{
    return s->ops->open(s, key, 0, out, err);
}
static inline rk_status rk_source_stat(rk_source *s, const char *key, rk_object *out, rk_err *err)
{
    return s->ops->stat(s, key, out, err);
}
static inline rk_status rk_source_read_range(rk_source *s, const char *key, uint64_t off, void *buf, size_t len,
                                             rk_err *err)
{
    return s->ops->read_range(s, key, off, buf, len, err);
}
static inline void rk_source_close(rk_source *s)
{
    if (s) s->ops->close(s);
}

/* One object of a source as a random-read callback (the Parquet decoder's
 * rk_pq_read_fn): pass an rk_source_key as ctx. */
typedef struct rk_source_key {
    rk_source *src;
    const char *key;
} rk_source_key;
rk_status rk_source_key_read(void *ctx, uint64_t off, void *buf, size_t len, rk_err *err);

/* Reads a whole (small) object, refusing one larger than max. Caller frees *data. */
rk_status rk_source_read_all(rk_source *s, const char *key, size_t max, char **data, size_t *len, rk_err *err);
void rk_objects_free(rk_object *objs, size_t n);
void rk_object_clear(rk_object *o);

#endif
