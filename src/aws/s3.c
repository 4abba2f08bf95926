/* s3.c — S3 requests on top of the session's signing and retry rules. */
#include "aws/s3.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/internal.h"
#include "common/mem.h"

#define LIST_PAGE_MAX ((size_t)32 << 20)
#define SMALL_ANSWER_MAX ((size_t)1 << 20)

struct rk_s3 {
    rk_aws *a;
    char *bucket;
    pthread_mutex_t mu;
    char region[64]; /* guarded by mu: a redirect may change it */
    bool path_style;
    bool custom;
    char scheme[8];
    char ep_host[512];
};

static bool dns_compatible(const char *b)
{
    size_t n = strlen(b);
    if (n < 3 || n > 63) return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)b[i]) || isdigit((unsigned char)b[i]) || b[i] == '-')) return false;
    return b[0] != '-' && b[n - 1] != '-';
}

rk_status rk_s3_check_bucket_name(const char *b, rk_err *err)
{
    size_t n = strlen(b);
    const char *why = NULL;
    if (n < 3 || n > 63) why = "must be 3 to 63 characters long";
    for (size_t i = 0; !why && i < n; i++)
        if (!(islower((unsigned char)b[i]) || isdigit((unsigned char)b[i]) || b[i] == '-' || b[i] == '.'))
            why = "may hold only lower-case letters, digits, dots and hyphens";
    if (!why && (!isalnum((unsigned char)b[0]) || !isalnum((unsigned char)b[n - 1])))
        why = "must start and end with a letter or a digit";
    if (!why && strstr(b, "..")) why = "must not hold two dots in a row";
    if (!why && strncmp(b, "xn--", 4) == 0) why = "must not start with xn--";
    if (!why && n > 8 && strcmp(b + n - 8, "-s3alias") == 0) why = "must not end with -s3alias";
    if (!why) {
        int dots = 0;
        bool digits = true;
        for (size_t i = 0; i < n; i++) {
            if (b[i] == '.') dots++;
            else if (!isdigit((unsigned char)b[i])) digits = false;
        }
        if (dots == 3 && digits) why = "must not look like an IP address";
    }
    if (why) return rk_err_set(err, RK_EUSAGE, "bucket name \"%.80s\" %s (S3 bucket naming rules)", b, why);
    return RK_OK;
}

rk_status rk_s3_open(rk_aws *a, const char *bucket, rk_s3 **out, rk_err *err)
{
    size_t n = strlen(bucket);
    if (n == 0 || n > 255) return rk_err_set(err, RK_EUSAGE, "give a bucket name: s3://BUCKET/PREFIX");
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)bucket[i]) && !strchr("._-", bucket[i]))
            return rk_err_set(err, RK_EUSAGE,
                              "bucket name \"%.80s\" may hold only letters, digits, dots, hyphens and underscores",
                              bucket);
    rk_s3 *s = calloc(1, sizeof *s);
    if (!s || !(s->bucket = rk_strdup(bucket))) {
        free(s);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    s->a = a;
    pthread_mutex_init(&s->mu, NULL);
    const rk_aws_config *c = rk_aws_cfg(a);
    snprintf(s->region, sizeof s->region, "%s", c->region);
    if (c->s3_endpoint) {
        s->custom = true;
        rk_status st = rk_aws_split_endpoint(c->s3_endpoint, s->scheme, sizeof s->scheme, s->ep_host,
                                             sizeof s->ep_host, err);
        if (st != RK_OK) {
            rk_s3_close(s);
            return st;
        }
    } else {
        snprintf(s->scheme, sizeof s->scheme, "https");
    }
    s->path_style = c->addressing == 1 || (c->addressing == 0 && (s->custom || !dns_compatible(bucket)));
    *out = s;
    return RK_OK;
}

void rk_s3_close(rk_s3 *s)
{
    if (!s) return;
    pthread_mutex_destroy(&s->mu);
    free(s->bucket);
    free(s);
}

const char *rk_s3_bucket(const rk_s3 *s) { return s->bucket; }

/* ---- where a request goes ---- */

typedef struct target {
    char region[64];
    char hostport[640];
    rk_buf path;
} target;

static rk_status make_target(rk_s3 *s, const char *key, target *t, rk_err *err)
{
    pthread_mutex_lock(&s->mu);
    snprintf(t->region, sizeof t->region, "%s", s->region);
    pthread_mutex_unlock(&s->mu);
    rk_buf_init(&t->path, (size_t)1 << 20);
    const char *suffix = strncmp(t->region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
    if (s->custom) {
        if (s->path_style) snprintf(t->hostport, sizeof t->hostport, "%s", s->ep_host);
        else snprintf(t->hostport, sizeof t->hostport, "%s.%s", s->bucket, s->ep_host);
    } else if (s->path_style) {
        snprintf(t->hostport, sizeof t->hostport, "s3.%s.%s", t->region, suffix);
    } else {
        snprintf(t->hostport, sizeof t->hostport, "%s.s3.%s.%s", s->bucket, t->region, suffix);
    }
    rk_status st = RK_OK;
    if (s->path_style) {
        st = rk_buf_putc(&t->path, '/');
        if (st == RK_OK) st = rk_uri_encode(&t->path, s->bucket, strlen(s->bucket), false);
        if (st == RK_OK && key) st = rk_buf_putc(&t->path, '/');
    } else {
        st = rk_buf_putc(&t->path, '/');
    }
    if (st == RK_OK && key) st = rk_uri_encode(&t->path, key, strlen(key), true);
    if (st != RK_OK) {
        rk_buf_free(&t->path);
        return rk_err_set(err, st, st == RK_ENOMEM ? "out of memory" : "the key is too long");
    }
    return RK_OK;
}

char *rk_s3_object_url(rk_s3 *s, const char *key)
{
    target t;
    if (make_target(s, key, &t, NULL) != RK_OK) return NULL;
    size_t n = strlen(s->scheme) + strlen(t.hostport) + t.path.len + 8;
    char *u = malloc(n);
    if (u) snprintf(u, n, "%s://%s%s", s->scheme, t.hostport, t.path.p);
    rk_buf_free(&t.path);
    return u;
}

/* A 301, or a 400 naming another region: go there from now on. */
static bool follow_region(rk_s3 *s, const rk_http_resp *resp, const char *used)
{
    if (resp->status != 301 && resp->status != 307 && resp->status != 400 && resp->status != 403) return false;
    char region[64];
    snprintf(region, sizeof region, "%s", resp->bucket_region);
    if (!region[0] && resp->errbody_len) {
        rk_aws_error ae;
        if (rk_aws_parse_error(resp->errbody, resp->errbody_len, &ae) == RK_OK) snprintf(region, sizeof region, "%s", ae.region);
    }
    if (!region[0] || strcmp(region, used) == 0) return false;
    for (const char *p = region; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-') return false;
    pthread_mutex_lock(&s->mu);
    snprintf(s->region, sizeof s->region, "%s", region);
    pthread_mutex_unlock(&s->mu);
    return true;
}

typedef struct s3req {
    const char *method;
    const char *key; /* NULL: the bucket */
    const rk_kv *q;
    size_t nq;
    const rk_kv *h;
    size_t nh;
} s3req;

static void strip_etag(const char *in, char *out, size_t cap)
{
    size_t n = strlen(in);
    if (n >= 2 && in[0] == '"' && in[n - 1] == '"') in++, n -= 2;
    if (n >= cap) n = cap - 1;
    memcpy(out, in, n);
    out[n] = 0;
}

static rk_status changed(rk_s3 *s, const char *key, const char *what, rk_err *err)
{
    return rk_err_set(err, RK_ECHANGED,
                      "s3://%s/%s changed since it was listed (%s); nothing of it was used, run again to read the "
                      "new version",
                      s->bucket, key, what);
}

/* One attempt of a request whose body goes to a buffer or a fixed area.
 * Follows a region redirect (AGAIN); a 412 is RK_ECHANGED (FAIL). */
static rk_verdict attempt(rk_s3 *s, const s3req *r, rk_buf *body, uint8_t *fixed, size_t cap, size_t *got,
                          rk_http_resp *resp, rk_status *st_out, rk_err *err)
{
    rk_aws *a = s->a;
    target t;
    *st_out = RK_OK;
    if (got) *got = 0;
    if ((*st_out = make_target(s, r->key, &t, err)) != RK_OK) return RK_V_FAIL;
    rk_aws_call c = {.service = "s3", .region = t.region, .method = r->method, .scheme = s->scheme,
                     .hostport = t.hostport, .path = t.path.p, .query = r->q, .nquery = r->nq, .headers = r->h,
                     .nheaders = r->nh, .creds = rk_aws_top(a)};
    rk_aws_prepared p;
    rk_status st = rk_aws_prepare(a, &c, &p, err);
    rk_verdict v = RK_V_FAIL;
    if (st != RK_OK) {
        *st_out = st;
        goto out;
    }
    RK_AWS_STAT(a, requests, 1);
    if (body) rk_buf_reset(body);
    st = rk_http_exchange(a->http, &p.req, body, fixed, cap, got, resp, err);
    RK_AWS_STAT(a, bytes, body ? body->len : (got ? *got : 0));
    if (st == RK_OK && resp->status >= 200 && resp->status < 300) {
        v = RK_V_OK;
        goto out;
    }
    if (st == RK_OK && follow_region(s, resp, t.region)) {
        rk_err_set(err, RK_EIO, "the bucket is in %s", resp->bucket_region);
        v = RK_V_AGAIN;
        goto out;
    }
    if (st == RK_OK && resp->status == 412) {
        *st_out = changed(s, r->key ? r->key : "", "its ETag is no longer the listed one", err);
        v = RK_V_FAIL;
        goto out;
    }
    rk_aws_error ae;
    v = rk_aws_classify(a, &c, &p, st, resp, resp->errbody, resp->errbody_len, &ae, err);
    *st_out = err && err->code != RK_OK ? err->code : RK_EIO;
out:
    rk_aws_prepared_free(&p);
    rk_buf_free(&t.path);
    return v;
}

/* Runs attempt() under the retry rules; the body goes to *body. */
static rk_status small_call(rk_s3 *s, const s3req *r, rk_buf *body, rk_http_resp *resp, rk_err *err)
{
    rk_retry rt;
    rk_retry_init(&rt);
    for (;;) {
        rk_status st;
        rk_verdict v = attempt(s, r, body, NULL, 0, NULL, resp, &st, err);
        if (v == RK_V_OK) return RK_OK;
        if (v == RK_V_AGAIN && rk_retry_again(&rt)) continue;
        if (v == RK_V_RETRY && rk_retry_wait(s->a, &rt, err)) continue;
        return st != RK_OK ? st : RK_EIO;
    }
}

/* ---- ListObjectsV2 ---- */

rk_status rk_s3_list(rk_s3 *s, const rk_s3_list_opts *o, rk_err *err)
{
    char maxkeys[16];
    snprintf(maxkeys, sizeof maxkeys, "%d", o->max_keys > 0 && o->max_keys <= 1000 ? o->max_keys : 1000);
    char *token = NULL;
    rk_buf body;
    rk_buf_init(&body, LIST_PAGE_MAX);
    rk_status st = RK_OK;
    bool stop = false;
    unsigned pages = 0;
    while (st == RK_OK && !stop) {
        rk_kv q[6];
        size_t nq = 0;
        q[nq++] = (rk_kv){"list-type", "2"};
        q[nq++] = (rk_kv){"encoding-type", "url"};
        q[nq++] = (rk_kv){"max-keys", maxkeys};
        if (o->prefix && *o->prefix) q[nq++] = (rk_kv){"prefix", o->prefix};
        if (o->delimiter && *o->delimiter) q[nq++] = (rk_kv){"delimiter", o->delimiter};
        if (token) q[nq++] = (rk_kv){"continuation-token", token};
        s3req r = {.method = "GET", .q = q, .nq = nq};
        rk_http_resp resp;
        st = small_call(s, &r, &body, &resp, err);
        if (st != RK_OK) break;
        rk_s3_page pg;
        st = rk_s3_parse_list(body.p, body.len, &pg, err);
        pages++;
        for (size_t i = 0; st == RK_OK && !stop && i < pg.n; i++)
            if (o->on_obj) st = o->on_obj(o->ctx, &pg.objs[i], &stop, err);
        for (size_t i = 0; st == RK_OK && !stop && i < pg.nprefixes; i++)
            if (o->on_prefix) st = o->on_prefix(o->ctx, pg.prefixes[i], &stop, err);
        if (st == RK_OK && !stop && pg.truncated) {
            if (token && strcmp(token, pg.next_token) == 0)
                st = rk_err_set(err, RK_EBADDATA, "the listing handed back the same continuation token twice");
            free(token);
            token = pg.next_token;
            pg.next_token = NULL;
        } else {
            stop = true;
        }
        rk_s3_page_free(&pg);
    }
    free(token);
    rk_buf_free(&body);
    if (st != RK_OK)
        rk_err_prefix(err, "listing s3://%s/%s (page %u): ", s->bucket, o->prefix ? o->prefix : "", pages + 1);
    return st;
}

/* ---- HEAD ---- */

rk_status rk_s3_head(rk_s3 *s, const char *key, rk_s3_obj *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    s3req r = {.method = "HEAD", .key = key};
    rk_buf body;
    rk_buf_init(&body, SMALL_ANSWER_MAX);
    rk_http_resp resp;
    rk_status st = small_call(s, &r, &body, &resp, err);
    rk_buf_free(&body);
    if (st == RK_ENOTFOUND) return rk_err_set(err, RK_ENOTFOUND, "s3://%s/%s does not exist (any more)", s->bucket, key);
    if (st != RK_OK) {
        rk_err_prefix(err, "s3://%s/%s: ", s->bucket, key);
        return st;
    }
    if (resp.content_length < 0)
        return rk_err_set(err, RK_EBADDATA, "s3://%s/%s: the HEAD answer gives no Content-Length", s->bucket, key);
    out->size = (uint64_t)resp.content_length;
    out->mtime_ms = resp.last_modified_ms;
    if (resp.etag[0]) {
        char e[200];
        strip_etag(resp.etag, e, sizeof e);
        if (!(out->etag = rk_strdup(e))) return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    return RK_OK;
}

/* ---- checks on a GET answer ---- */

/* The answer to a GET starting at `at` must be the listed object. */
static rk_status check_answer(rk_s3 *s, const char *key, const rk_http_resp *resp, uint64_t at,
                              const rk_s3_expect *e, const char *etag_seen, uint64_t *total, rk_err *err)
{
    char et[200] = "";
    if (resp->etag[0]) strip_etag(resp->etag, et, sizeof et);
    if (etag_seen && et[0] && strcmp(et, etag_seen) != 0) {
        char why[300];
        snprintf(why, sizeof why, "ETag %.100s, now %.100s", etag_seen, et);
        return changed(s, key, why, err);
    }
    if (resp->status == 206) {
        if (!resp->has_range || resp->range_start != at)
            return rk_err_set(err, RK_EBADDATA, "s3://%s/%s: asked for bytes from %llu, the answer holds others",
                              s->bucket, key, (unsigned long long)at);
        *total = resp->range_total;
    } else {
        if (resp->content_length < 0)
            return rk_err_set(err, RK_EBADDATA, "s3://%s/%s: the answer gives no Content-Length", s->bucket, key);
        *total = (uint64_t)resp->content_length;
    }
    if (e && e->known && *total != e->size) {
        char why[120];
        snprintf(why, sizeof why, "listed with %llu bytes, now %llu", (unsigned long long)e->size,
                 (unsigned long long)*total);
        return changed(s, key, why, err);
    }
    return RK_OK;
}

/* ---- ranged reads ---- */

rk_status rk_s3_read_range(rk_s3 *s, const char *key, const rk_s3_expect *e, uint64_t off, void *buf, size_t len,
                           rk_err *err)
{
    if (len == 0) return RK_OK;
    size_t done = 0;
    rk_retry rt;
    rk_retry_init(&rt);
    char ifmatch[220] = "";
    if (e && e->etag) snprintf(ifmatch, sizeof ifmatch, "\"%s\"", e->etag);
    uint64_t last = off + len - 1;
    for (;;) {
        char range[64];
        snprintf(range, sizeof range, "bytes=%llu-%llu", (unsigned long long)(off + done), (unsigned long long)last);
        rk_kv h[2] = {{"Range", range}, {"If-Match", ifmatch}};
        s3req r = {.method = "GET", .key = key, .h = h, .nh = ifmatch[0] ? 2 : 1};
        rk_http_resp resp;
        size_t got = 0;
        rk_status st;
        rk_verdict v = attempt(s, &r, NULL, (uint8_t *)buf + done, len - done, &got, &resp, &st, err);
        uint64_t total = 0;
        if (v == RK_V_OK || (v == RK_V_RETRY && got && resp.status == 206)) {
            rk_err e2;
            rk_status cs = check_answer(s, key, &resp, off + done, e, e ? e->etag : NULL, &total, &e2);
            if (cs != RK_OK) {
                if (err) *err = e2;
                return cs;
            }
            if (resp.status == 200 && off + done != 0)
                return rk_err_set(err, RK_EBADDATA, "s3://%s/%s: the server ignored the Range header", s->bucket, key);
            if (v == RK_V_RETRY) RK_AWS_STAT(s->a, resumes, 1);
            done += got;
            if (done == len) return RK_OK;
            if (v == RK_V_OK) {
                if (off + done >= total)
                    return rk_err_set(err, RK_EBADDATA,
                                      "s3://%s/%s is shorter than expected (read past its end at %llu)", s->bucket,
                                      key, (unsigned long long)(off + done));
                rk_err_set(err, RK_EIO, "the answer ended at byte %llu", (unsigned long long)(off + done));
                v = RK_V_RETRY;
            } else {
                rk_retry_init(&rt); /* progress: a fresh budget for the rest */
            }
        } else if (v == RK_V_FAIL && resp.status == 416) {
            return rk_err_set(err, RK_EBADDATA, "s3://%s/%s is shorter than expected (read past its end at %llu)",
                              s->bucket, key, (unsigned long long)(off + done));
        }
        if (v == RK_V_AGAIN && rk_retry_again(&rt)) continue;
        if (v == RK_V_RETRY && rk_retry_wait(s->a, &rt, err)) continue;
        if (v != RK_V_FAIL || st != RK_ECHANGED) rk_err_prefix(err, "reading s3://%s/%s: ", s->bucket, key);
        return st != RK_OK ? st : RK_EIO;
    }
}

/* ---- streamed GETs ---- */

typedef struct s3in {
    rk_in in;
    rk_s3 *s;
    char *key;
    rk_s3_expect e;
    char *etag; /* expected, or learnt from the first answer */
    uint64_t size;
    bool size_known;
    uint64_t pos;  /* next byte the reader gets */
    uint64_t skip; /* bytes to drop: the server answered 200 to a Range */
    rk_http_stream *hs;
    rk_http_resp resp;
    rk_retry rt;
    bool ended;
    rk_status fail;
    char fail_msg[RK_ERR_MSG_MAX];
} s3in;

static void s3in_drop(s3in *g)
{
    rk_http_stream_close(g->hs);
    g->hs = NULL;
}

/* Starts a GET from g->pos. */
static rk_verdict s3in_begin(s3in *g, rk_status *st_out, rk_err *err)
{
    rk_s3 *s = g->s;
    rk_aws *a = s->a;
    *st_out = RK_OK;
    char range[48], ifmatch[220];
    rk_kv h[2];
    size_t nh = 0;
    if (g->pos > 0) {
        snprintf(range, sizeof range, "bytes=%llu-", (unsigned long long)g->pos);
        h[nh++] = (rk_kv){"Range", range};
    }
    if (g->etag) {
        snprintf(ifmatch, sizeof ifmatch, "\"%s\"", g->etag);
        h[nh++] = (rk_kv){"If-Match", ifmatch};
    }
    target t;
    if ((*st_out = make_target(s, g->key, &t, err)) != RK_OK) return RK_V_FAIL;
    rk_aws_call c = {.service = "s3", .region = t.region, .method = "GET", .scheme = s->scheme,
                     .hostport = t.hostport, .path = t.path.p, .headers = h, .nheaders = nh, .creds = rk_aws_top(a)};
    rk_aws_prepared p;
    rk_verdict v = RK_V_FAIL;
    rk_status st = rk_aws_prepare(a, &c, &p, err);
    if (st != RK_OK) {
        *st_out = st;
        goto out;
    }
    RK_AWS_STAT(a, requests, 1);
    st = rk_http_stream_open(a->http, &p.req, &g->hs, &g->resp, err);
    rk_http_resp *resp = &g->resp;
    if (st == RK_OK && (resp->status == 200 || resp->status == 206)) {
        uint64_t total;
        st = check_answer(s, g->key, resp, g->pos, &g->e, g->etag, &total, err);
        if (st == RK_OK && resp->status == 200) {
            g->skip = g->pos;
            if (total < g->pos) st = rk_err_set(err, RK_EBADDATA, "s3://%s/%s is shorter than the offset asked for",
                                                s->bucket, g->key);
        }
        if (st == RK_OK && !g->etag && resp->etag[0]) {
            char et[200];
            strip_etag(resp->etag, et, sizeof et);
            if (!(g->etag = rk_strdup(et))) st = rk_err_set(err, RK_ENOMEM, "out of memory");
        }
        if (st == RK_OK) {
            g->size = total;
            g->size_known = true;
            v = RK_V_OK;
        } else {
            *st_out = st;
        }
        goto out;
    }
    s3in_drop(g);
    if (st == RK_OK && follow_region(s, resp, t.region)) {
        rk_err_set(err, RK_EIO, "the bucket is in %s", resp->bucket_region);
        v = RK_V_AGAIN;
        goto out;
    }
    if (st == RK_OK && resp->status == 412) {
        *st_out = changed(s, g->key, "its ETag is no longer the listed one", err);
        goto out;
    }
    if (st == RK_OK && resp->status == 416 && g->size_known && g->pos >= g->size) {
        g->ended = true;
        v = RK_V_OK;
        goto out;
    }
    rk_aws_error ae;
    v = rk_aws_classify(a, &c, &p, st, resp, resp->errbody, resp->errbody_len, &ae, err);
    *st_out = err && err->code != RK_OK ? err->code : RK_EIO;
out:
    rk_aws_prepared_free(&p);
    rk_buf_free(&t.path);
    return v;
}

static rk_status s3in_fail(s3in *g, rk_status st, rk_err *err)
{
    s3in_drop(g);
    if (st != RK_ECHANGED) rk_err_prefix(err, "reading s3://%s/%s: ", g->s->bucket, g->key);
    g->fail = st;
    snprintf(g->fail_msg, sizeof g->fail_msg, "%s", err ? err->msg : "");
    return st;
}

static rk_status s3in_read(rk_in *in, uint8_t *buf, size_t cap, size_t *got, rk_err *err)
{
    s3in *g = (s3in *)in;
    *got = 0;
    if (g->fail != RK_OK) return rk_err_set(err, g->fail, "%s", g->fail_msg);
    for (;;) {
        if (g->ended) return RK_OK;
        if (!g->hs) {
            if (g->size_known && g->pos >= g->size) {
                g->ended = true;
                return RK_OK;
            }
            rk_status st;
            rk_verdict v = s3in_begin(g, &st, err);
            if (v == RK_V_OK) continue;
            if (v == RK_V_AGAIN && rk_retry_again(&g->rt)) continue;
            if (v == RK_V_RETRY && rk_retry_wait(g->s->a, &g->rt, err)) continue;
            return s3in_fail(g, st != RK_OK ? st : RK_EIO, err);
        }
        size_t n = 0;
        rk_status st = rk_http_stream_read(g->hs, buf, cap, &n, err);
        if (st == RK_OK && n > 0) {
            RK_AWS_STAT(g->s->a, bytes, n);
            if (g->skip) {
                size_t d = g->skip < n ? (size_t)g->skip : n;
                memmove(buf, buf + d, n - d);
                n -= d;
                g->skip -= d;
                if (!n) continue;
            }
            g->pos += n;
            if (g->size_known && g->pos > g->size)
                return s3in_fail(g, rk_err_set(err, RK_EBADDATA, "the server sent more bytes than the object holds"),
                                 err);
            rk_retry_init(&g->rt); /* progress: the failure count starts again */
            *got = n;
            return RK_OK;
        }
        if (st == RK_OK) { /* the answer is complete */
            s3in_drop(g);
            if (!g->size_known || g->pos >= g->size) {
                g->ended = true;
                return RK_OK;
            }
            rk_err_set(err, RK_EIO, "the connection closed at byte %llu of %llu", (unsigned long long)g->pos,
                       (unsigned long long)g->size);
        } else {
            bool transient = st == RK_EIO && rk_http_transient(&g->resp);
            s3in_drop(g);
            if (!transient) return s3in_fail(g, st, err);
        }
        /* broken mid-object: go on from g->pos */
        RK_AWS_STAT(g->s->a, resumes, 1);
        if (!rk_retry_wait(g->s->a, &g->rt, err)) return s3in_fail(g, RK_EIO, err);
    }
}

static void s3in_close(rk_in *in)
{
    s3in *g = (s3in *)in;
    s3in_drop(g);
    free(g->key);
    free(g->etag);
    free(g);
}

rk_status rk_s3_get(rk_s3 *s, const char *key, const rk_s3_expect *e, uint64_t off, rk_in **out, rk_err *err)
{
    s3in *g = calloc(1, sizeof *g);
    if (!g) return rk_err_set(err, RK_ENOMEM, "out of memory");
    g->in.read = s3in_read;
    g->in.close = s3in_close;
    g->s = s;
    g->key = rk_strdup(key);
    g->pos = off;
    if (e) {
        g->e = *e;
        g->e.etag = NULL;
        if (e->etag) g->etag = rk_strdup(e->etag);
    }
    rk_retry_init(&g->rt);
    if (!g->key || (e && e->etag && !g->etag)) {
        s3in_close(&g->in);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    /* Start now, so a missing object or a refusal shows at open time. */
    for (;;) {
        rk_status st;
        rk_verdict v = s3in_begin(g, &st, err);
        if (v == RK_V_OK) break;
        if (v == RK_V_AGAIN && rk_retry_again(&g->rt)) continue;
        if (v == RK_V_RETRY && rk_retry_wait(s->a, &g->rt, err)) continue;
        if (st == RK_ENOTFOUND) rk_err_set(err, RK_ENOTFOUND, "s3://%s/%s does not exist (any more)", s->bucket, key);
        else if (st != RK_ECHANGED) rk_err_prefix(err, "reading s3://%s/%s: ", s->bucket, key);
        s3in_close(&g->in);
        return st != RK_OK ? st : RK_EIO;
    }
    rk_retry_init(&g->rt);
    *out = &g->in;
    return RK_OK;
}

/* ---- GetBucketLocation ---- */

rk_status rk_s3_location(rk_s3 *s, char *region, size_t cap, rk_err *err)
{
    rk_kv q = {"location", ""};
    s3req r = {.method = "GET", .q = &q, .nq = 1};
    rk_buf body;
    rk_buf_init(&body, SMALL_ANSWER_MAX);
    rk_http_resp resp;
    rk_status st = small_call(s, &r, &body, &resp, err);
    if (st == RK_OK) st = rk_s3_parse_location(body.p, body.len, region, cap, err);
    rk_buf_free(&body);
    if (st != RK_OK) rk_err_prefix(err, "the location of bucket %s: ", s->bucket);
    return st;
}
