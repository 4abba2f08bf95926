/* source_s3.c — a bucket (or a prefix of it) read exactly as a local folder.
 *
 * Keys are given relative to the prefix, as the local source gives paths
 * relative to its folder, and the same files are left out: folder markers
 * (keys ending in '/') and hidden names (a path segment starting with '.').
 * The listing is kept, so every open and ranged read can tell S3 the size
 * and ETag it must still have (If-Match): a report rewritten under reckon
 * fails its period with RK_ECHANGED instead of mixing two versions.
 *
 * Times are whole seconds: ListObjectsV2 gives milliseconds and HeadObject
 * seconds, and ingest compares the listing with a HEAD after reading (AWS
 * itself always lists .000).
 *
 * HOW SMALL READS ARE SERVED
 * The Parquet decoder reads a file as many small ranges (a footer, then one
 * column chunk at a time: a 130-column CUR makes ~140 reads of a few KB per
 * row group). One GET each would make a month cost hundreds of round trips,
 * so a read smaller than half a block goes through a read-ahead cache of
 * RA_SLOTS blocks of RA_BLOCK bytes (32 MiB at most), keyed by key, ETag and
 * block number, least recently used first out. Threads share it: a block
 * being fetched by one thread is waited for by the others, never fetched
 * twice; larger reads go straight to S3.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/s3.h"
#include "common/mem.h"
#include "source/source.h"

#define RA_BLOCK ((uint64_t)2 << 20)
#define RA_SLOTS 16

typedef struct ra_slot {
    char *key; /* relative key, and the ETag the block was read under */
    char *etag;
    uint64_t block;
    uint8_t *data;
    size_t len;
    uint64_t used; /* LRU tick */
    int state;     /* 0 empty, 1 being fetched, 2 ready */
    int refs;      /* readers copying from it */
} ra_slot;

typedef struct s3src {
    rk_source base;
    rk_aws *aws;
    rk_s3 *s3;
    char *prefix; /* "" or ending with '/' */
    pthread_mutex_t mu;
    rk_object *idx; /* the last listing, sorted by key, guarded by mu */
    size_t nidx;
    ra_slot ra[RA_SLOTS]; /* guarded by mu */
    pthread_cond_t ra_cv;
    uint64_t tick;
} s3src;

typedef struct lister {
    s3src *s;
    rk_object *v;
    size_t n, cap;
} lister;

static bool hidden(const char *key)
{
    for (const char *p = key; *p; p++)
        if (*p == '.' && (p == key || p[-1] == '/')) return true;
    return false;
}

static int64_t whole_seconds(int64_t ms) { return ms < 0 ? ms : ms - ms % 1000; }

static rk_status on_obj(void *ctx, const rk_s3_obj *o, bool *stop, rk_err *err)
{
    (void)stop;
    lister *l = ctx;
    size_t pl = strlen(l->s->prefix);
    if (strncmp(o->key, l->s->prefix, pl) != 0) return RK_OK;
    const char *rel = o->key + pl;
    size_t n = strlen(rel);
    if (n == 0 || rel[n - 1] == '/' || hidden(rel)) return RK_OK;
    if (RK_GROW(l->v, l->cap, l->n + 1) != RK_OK) return rk_err_set(err, RK_ENOMEM, "out of memory");
    rk_object *ob = &l->v[l->n];
    ob->key = rk_strdup(rel);
    ob->etag = o->etag ? rk_strdup(o->etag) : NULL;
    ob->size = o->size;
    ob->mtime_ms = whole_seconds(o->mtime_ms);
    if (!ob->key || (o->etag && !ob->etag)) {
        rk_object_clear(ob);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    l->n++;
    return RK_OK;
}

static int cmp_obj(const void *a, const void *b)
{
    return strcmp(((const rk_object *)a)->key, ((const rk_object *)b)->key);
}

static rk_status copy_objects(const rk_object *v, size_t n, rk_object **out)
{
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out) return RK_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        (*out)[i] = v[i];
        (*out)[i].key = rk_strdup(v[i].key);
        (*out)[i].etag = v[i].etag ? rk_strdup(v[i].etag) : NULL;
        if (!(*out)[i].key || (v[i].etag && !(*out)[i].etag)) {
            rk_objects_free(*out, i + 1);
            *out = NULL;
            return RK_ENOMEM;
        }
    }
    return RK_OK;
}

static rk_status s_list(rk_source *src, rk_object **objs, size_t *n, rk_err *err)
{
    s3src *s = (s3src *)src;
    lister l = {.s = s};
    rk_s3_list_opts o = {.prefix = s->prefix, .on_obj = on_obj, .ctx = &l};
    rk_status st = rk_s3_list(s->s3, &o, err);
    if (st != RK_OK) {
        rk_objects_free(l.v, l.n);
        return st;
    }
    if (l.n) qsort(l.v, l.n, sizeof *l.v, cmp_obj);
    rk_object *keep;
    if (copy_objects(l.v, l.n, &keep) != RK_OK) {
        rk_objects_free(l.v, l.n);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    pthread_mutex_lock(&s->mu);
    rk_objects_free(s->idx, s->nidx);
    s->idx = keep;
    s->nidx = l.n;
    pthread_mutex_unlock(&s->mu);
    *objs = l.v;
    *n = l.n;
    return RK_OK;
}

/* What the last listing said of key; etag is a copy the caller frees. */
static void expect(s3src *s, const char *key, rk_s3_expect *e, char **etag)
{
    memset(e, 0, sizeof *e);
    *etag = NULL;
    pthread_mutex_lock(&s->mu);
    rk_object probe = {.key = (char *)key};
    rk_object *o = s->nidx ? bsearch(&probe, s->idx, s->nidx, sizeof *s->idx, cmp_obj) : NULL;
    if (o) {
        e->known = true;
        e->size = o->size;
        if (o->etag) *etag = rk_strdup(o->etag);
        e->etag = *etag;
    }
    pthread_mutex_unlock(&s->mu);
}

static char *full_key(s3src *s, const char *key)
{
    size_t a = strlen(s->prefix), b = strlen(key);
    char *k = malloc(a + b + 1);
    if (!k) return NULL;
    memcpy(k, s->prefix, a);
    memcpy(k + a, key, b + 1);
    return k;
}

static rk_status s_open(rk_source *src, const char *key, uint64_t offset, rk_in **out, rk_err *err)
{
    s3src *s = (s3src *)src;
    rk_s3_expect e;
    char *etag;
    expect(s, key, &e, &etag);
    char *k = full_key(s, key);
    rk_status st = k ? rk_s3_get(s->s3, k, &e, offset, out, err) : rk_err_set(err, RK_ENOMEM, "out of memory");
    free(k);
    free(etag);
    return st;
}

static rk_status s_stat(rk_source *src, const char *key, rk_object *out, rk_err *err)
{
    s3src *s = (s3src *)src;
    char *k = full_key(s, key);
    if (!k) return rk_err_set(err, RK_ENOMEM, "out of memory");
    rk_s3_obj o;
    rk_status st = rk_s3_head(s->s3, k, &o, err);
    free(k);
    memset(out, 0, sizeof *out);
    if (st != RK_OK) return st;
    out->size = o.size;
    out->mtime_ms = whole_seconds(o.mtime_ms);
    out->etag = o.etag;
    return RK_OK;
}

static bool same(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

static void slot_clear(ra_slot *r)
{
    free(r->key);
    free(r->etag);
    free(r->data);
    memset(r, 0, sizeof *r);
}

/* The slot holding block b of key (fetched now if needed), with a reference
 * the caller drops; NULL with *st RK_OK when no slot is free (read direct). */
static ra_slot *block_get(s3src *s, const char *key, const char *fkey, const rk_s3_expect *e, uint64_t b,
                          rk_status *st, rk_err *err)
{
    *st = RK_OK;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        ra_slot *hit = NULL, *victim = NULL;
        for (int i = 0; i < RA_SLOTS; i++) {
            ra_slot *r = &s->ra[i];
            if (r->state && r->block == b && strcmp(r->key, key) == 0 && same(r->etag, e->etag)) hit = r;
            else if (!r->state) {
                if (!victim || victim->state) victim = r;
            } else if (r->state == 2 && r->refs == 0 && (!victim || (victim->state && r->used < victim->used))) {
                victim = r;
            }
        }
        if (hit && hit->state == 2) {
            hit->refs++;
            hit->used = ++s->tick;
            pthread_mutex_unlock(&s->mu);
            return hit;
        }
        if (hit) { /* another thread is fetching it */
            pthread_cond_wait(&s->ra_cv, &s->mu);
            continue;
        }
        if (!victim) {
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        slot_clear(victim);
        victim->key = rk_strdup(key);
        victim->etag = e->etag ? rk_strdup(e->etag) : NULL;
        victim->block = b;
        victim->state = 1;
        pthread_mutex_unlock(&s->mu);
        uint64_t start = b * RA_BLOCK;
        size_t len = (size_t)(e->size - start < RA_BLOCK ? e->size - start : RA_BLOCK);
        uint8_t *data = malloc(len ? len : 1);
        if (!victim->key || (e->etag && !victim->etag) || !data) *st = rk_err_set(err, RK_ENOMEM, "out of memory");
        else *st = rk_s3_read_range(s->s3, fkey, e, start, data, len, err);
        pthread_mutex_lock(&s->mu);
        pthread_cond_broadcast(&s->ra_cv);
        if (*st != RK_OK) {
            free(data);
            slot_clear(victim);
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        victim->data = data;
        victim->len = len;
        victim->state = 2;
        victim->refs = 1;
        victim->used = ++s->tick;
        pthread_mutex_unlock(&s->mu);
        return victim;
    }
}

static void block_put(s3src *s, ra_slot *r)
{
    pthread_mutex_lock(&s->mu);
    r->refs--;
    pthread_mutex_unlock(&s->mu);
}

static rk_status s_read_range(rk_source *src, const char *key, uint64_t off, void *buf, size_t len, rk_err *err)
{
    s3src *s = (s3src *)src;
    rk_s3_expect e;
    char *etag;
    expect(s, key, &e, &etag);
    char *k = full_key(s, key);
    rk_status st = k ? RK_OK : rk_err_set(err, RK_ENOMEM, "out of memory");
    size_t done = 0;
    /* small reads inside the listed object go through the blocks */
    if (st == RK_OK && e.known && len < RA_BLOCK / 2 && off < e.size && len <= e.size - off) {
        while (st == RK_OK && done < len) {
            uint64_t at = off + done, b = at / RA_BLOCK;
            ra_slot *r = block_get(s, key, k, &e, b, &st, err);
            if (!r) break;
            size_t from = (size_t)(at - b * RA_BLOCK), n = r->len - from;
            if (n > len - done) n = len - done;
            memcpy((uint8_t *)buf + done, r->data + from, n);
            done += n;
            block_put(s, r);
        }
    }
    if (st == RK_OK && done < len) st = rk_s3_read_range(s->s3, k, &e, off + done, (uint8_t *)buf + done, len - done, err);
    free(k);
    free(etag);
    return st;
}

static void s_close(rk_source *src)
{
    s3src *s = (s3src *)src;
    rk_s3_close(s->s3);
    rk_aws_close(s->aws);
    rk_objects_free(s->idx, s->nidx);
    for (int i = 0; i < RA_SLOTS; i++) slot_clear(&s->ra[i]);
    pthread_cond_destroy(&s->ra_cv);
    pthread_mutex_destroy(&s->mu);
    free(s->prefix);
    free(s->base.uri);
    free(s);
}

static const rk_source_ops s3_ops = {
    .kind = "s3", .list = s_list, .open = s_open, .stat = s_stat, .read_range = s_read_range, .close = s_close};

rk_status rk_source_s3(const char *uri, const rk_aws_opts *opts, rk_source **out, rk_err *err)
{
    if (strncmp(uri, "s3://", 5) != 0) return rk_err_set(err, RK_EUSAGE, "%s is not an s3:// URL", uri);
    const char *b = uri + 5;
    size_t bl = strcspn(b, "/");
    const char *p = b + bl;
    while (*p == '/') p++;
    char *bucket = rk_strndup(b, bl);
    size_t pl = strlen(p);
    char *prefix = malloc(pl + 2);
    if (!bucket || !prefix) {
        free(bucket);
        free(prefix);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    memcpy(prefix, p, pl + 1);
    if (pl && prefix[pl - 1] != '/') strcat(prefix, "/"); /* a prefix is a folder, as for a local path */
    s3src *s = calloc(1, sizeof *s);
    if (!s) {
        free(bucket);
        free(prefix);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->ra_cv, NULL);
    s->base.ops = &s3_ops;
    s->prefix = prefix;
    size_t ul = bl + strlen(prefix) + 8;
    s->base.uri = malloc(ul);
    rk_status st = RK_OK;
    if (!s->base.uri) st = rk_err_set(err, RK_ENOMEM, "out of memory");
    else {
        snprintf(s->base.uri, ul, "s3://%s/%s", bucket, prefix);
        size_t n = strlen(s->base.uri);
        if (n > 5 && s->base.uri[n - 1] == '/') s->base.uri[n - 1] = 0;
    }
    if (st == RK_OK && bl == 0) st = rk_err_set(err, RK_EUSAGE, "%s names no bucket; write s3://BUCKET/PREFIX", uri);
    if (st == RK_OK) st = rk_aws_open(opts, &s->aws, err);
    if (st == RK_OK) st = rk_s3_open(s->aws, bucket, &s->s3, err);
    /* Fail now, with the chain's own words, if no credentials can be had
     * (a role that cannot be assumed, an external ID that does not match). */
    if (st == RK_OK) st = rk_aws_check_credentials(s->aws, err);
    free(bucket);
    if (st != RK_OK) {
        s_close(&s->base);
        return st;
    }
    *out = &s->base;
    return RK_OK;
}

rk_status rk_source_open_uri(const char *uri, const rk_aws_opts *opts, rk_source **out, rk_err *err)
{
    if (strncmp(uri, "s3://", 5) == 0) return rk_source_s3(uri, opts, out, err);
    return rk_source_local(uri, out, err);
}

bool rk_source_aws_stats(rk_source *src, rk_aws_stats *out)
{
    if (!src || src->ops != &s3_ops) return false;
    *out = rk_aws_get_stats(((s3src *)src)->aws);
    return true;
}
