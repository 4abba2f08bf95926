/* http.c — libcurl multi handles driven from the caller's thread.
 *
 * HOW IT WORKS
 * Every exchange runs on a "conn": a multi handle holding one easy handle.
 * The caller's thread drives it (curl_multi_perform + curl_multi_poll), so a
 * response body can be pulled: the write callback copies into a buffer and,
 * when the buffer is full, pauses the transfer (CURL_WRITEFUNC_PAUSE) until
 * the reader drains it. A finished exchange leaves its connection alive in
 * the conn's multi handle, and the conn goes back to a pool for the next
 * request of any thread. A conn is used by one thread at a time; only DNS
 * and TLS session caches are shared (curl share handle with mutexes).
 */
#include "aws/http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/mem.h"

#define POOL_MAX 16
#define STREAM_BUF ((size_t)256 << 10)
#define STREAM_BUF_MAX ((size_t)16 << 20)

typedef struct conn {
    CURLM *m;
    CURL *e;
    struct conn *next;
} conn;

struct rk_http {
    pthread_mutex_t mu;
    conn *idle;
    size_t nidle;
    CURLSH *share;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
    long connect_timeout_s, stall_s;
    char *ca_bundle;
};

enum { SINK_BUF, SINK_FIXED, SINK_STREAM };

typedef struct xfer {
    rk_http *h;
    conn *c;
    struct curl_slist *hdrs;
    rk_http_resp *resp;
    int sink;
    rk_buf *buf;
    uint8_t *fixed;
    size_t fixed_cap, fixed_got;
    bool overflow; /* the sink refused bytes */
    rk_status overflow_st;
    uint8_t *sbuf;
    size_t scap, shead, stail;
    bool paused;
    bool headers_done, done;
    CURLcode result;
    int64_t last_byte_ms;
    char errbuf[CURL_ERROR_SIZE];
} xfer;

struct rk_http_stream {
    xfer x;
    rk_http_resp *resp;
};

int64_t rk_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the client ---- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void) { global_rc = curl_global_init(CURL_GLOBAL_ALL); }

static void share_lock(CURL *e, curl_lock_data d, curl_lock_access a, void *ud)
{
    (void)e, (void)a;
    rk_http *h = ud;
    pthread_mutex_lock(&h->locks[d]);
}

static void share_unlock(CURL *e, curl_lock_data d, void *ud)
{
    (void)e;
    rk_http *h = ud;
    pthread_mutex_unlock(&h->locks[d]);
}

rk_status rk_http_new(const rk_http_opts *o, rk_http **out, rk_err *err)
{
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return rk_err_set(err, RK_EINTERNAL, "libcurl could not start: %s", curl_easy_strerror(global_rc));
    rk_http *h = calloc(1, sizeof *h);
    if (!h) return rk_err_set(err, RK_ENOMEM, "out of memory");
    pthread_mutex_init(&h->mu, NULL);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&h->locks[i], NULL);
    h->connect_timeout_s = o && o->connect_timeout_s > 0 ? o->connect_timeout_s : 10;
    h->stall_s = o && o->stall_s > 0 ? o->stall_s : 30;
    if (o && o->ca_bundle && *o->ca_bundle && !(h->ca_bundle = rk_strdup(o->ca_bundle))) {
        rk_http_free(h);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    h->share = curl_share_init();
    if (!h->share) {
        rk_http_free(h);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    curl_share_setopt(h->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(h->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(h->share, CURLSHOPT_USERDATA, h);
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    *out = h;
    return RK_OK;
}

static void conn_free(conn *c)
{
    if (!c) return;
    if (c->e) curl_easy_cleanup(c->e);
    if (c->m) curl_multi_cleanup(c->m);
    free(c);
}

void rk_http_free(rk_http *h)
{
    if (!h) return;
    while (h->idle) {
        conn *c = h->idle;
        h->idle = c->next;
        conn_free(c);
    }
    if (h->share) curl_share_cleanup(h->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_destroy(&h->locks[i]);
    pthread_mutex_destroy(&h->mu);
    free(h->ca_bundle);
    free(h);
}

static conn *conn_take(rk_http *h)
{
    pthread_mutex_lock(&h->mu);
    conn *c = h->idle;
    if (c) {
        h->idle = c->next;
        h->nidle--;
    }
    pthread_mutex_unlock(&h->mu);
    if (c) return c;
    c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->m = curl_multi_init();
    c->e = curl_easy_init();
    if (!c->m || !c->e) {
        conn_free(c);
        return NULL;
    }
    return c;
}

/* A conn whose exchange did not finish cleanly loses its connection when
 * the easy handle leaves the multi (libcurl closes it), so it can be pooled
 * in every case. */
static void conn_give(rk_http *h, conn *c)
{
    if (!c) return;
    pthread_mutex_lock(&h->mu);
    if (h->nidle < POOL_MAX) {
        c->next = h->idle;
        h->idle = c;
        h->nidle++;
        c = NULL;
    }
    pthread_mutex_unlock(&h->mu);
    conn_free(c);
}

/* ---- callbacks ---- */

static int64_t parse_http_date(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S", &tm);
    if (!end) return -1;
    return (int64_t)timegm(&tm) * 1000;
}

static void copy_trim(char *dst, size_t cap, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (n >= cap) n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

static void resp_reset_headers(rk_http_resp *r)
{
    r->etag[0] = 0;
    r->content_length = -1;
    r->has_range = false;
    r->range_start = r->range_end = r->range_total = 0;
    r->last_modified_ms = -1;
    r->date_ms = -1;
    r->bucket_region[0] = 0;
    r->request_id[0] = 0;
    r->errbody[0] = 0;
    r->errbody_len = 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    rk_http_resp *r = x->resp;
    x->last_byte_ms = rk_mono_ms();
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        const char *sp = memchr(p, ' ', len);
        r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        resp_reset_headers(r);
        return len;
    }
    if (len <= 2 && (len == 0 || p[0] == '\r' || p[0] == '\n')) {
        if (r->status >= 200) x->headers_done = true;
        return len;
    }
    const char *colon = memchr(p, ':', len);
    if (!colon) return len;
    size_t nl = (size_t)(colon - p);
    const char *v = colon + 1;
    size_t vl = len - nl - 1;
    char val[512];
    copy_trim(val, sizeof val, v, vl);
#define IS(name) (nl == sizeof(name) - 1 && strncasecmp(p, name, nl) == 0)
    if (IS("etag")) {
        snprintf(r->etag, sizeof r->etag, "%s", val);
    } else if (IS("content-length")) {
        char *end;
        long long cl = strtoll(val, &end, 10);
        r->content_length = (*val && !*end && cl >= 0) ? cl : -1;
    } else if (IS("content-range")) {
        unsigned long long a, b, t;
        if (sscanf(val, "bytes %llu-%llu/%llu", &a, &b, &t) == 3) {
            r->has_range = true;
            r->range_start = a;
            r->range_end = b;
            r->range_total = t;
        }
    } else if (IS("last-modified")) {
        r->last_modified_ms = parse_http_date(val);
    } else if (IS("date")) {
        r->date_ms = parse_http_date(val);
    } else if (IS("x-amz-bucket-region")) {
        snprintf(r->bucket_region, sizeof r->bucket_region, "%s", val);
    } else if (IS("x-amz-request-id")) {
        snprintf(r->request_id, sizeof r->request_id, "%s", val);
    }
#undef IS
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    x->last_byte_ms = rk_mono_ms();
    rk_http_resp *r = x->resp;
    if (r->status < 200 && r->status != 0) return len; /* 1xx */
    if (r->status >= 300) {
        size_t room = sizeof r->errbody - 1 - r->errbody_len, take = len < room ? len : room;
        memcpy(r->errbody + r->errbody_len, p, take);
        r->errbody_len += take;
        r->errbody[r->errbody_len] = 0;
        return len;
    }
    switch (x->sink) {
    case SINK_BUF: {
        rk_status st = rk_buf_append(x->buf, p, len);
        if (st != RK_OK) {
            x->overflow = true;
            x->overflow_st = st;
            return 0; /* ends the exchange with CURLE_WRITE_ERROR */
        }
        return len;
    }
    case SINK_FIXED:
        if (len > x->fixed_cap - x->fixed_got) {
            x->overflow = true;
            x->overflow_st = RK_EBADDATA;
            return 0;
        }
        memcpy(x->fixed + x->fixed_got, p, len);
        x->fixed_got += len;
        return len;
    default:
        if (x->stail + len > x->scap && x->shead > 0) {
            memmove(x->sbuf, x->sbuf + x->shead, x->stail - x->shead);
            x->stail -= x->shead;
            x->shead = 0;
        }
        if (x->stail + len > x->scap) {
            if (x->stail > 0) {
                x->paused = true;
                return CURL_WRITEFUNC_PAUSE; /* libcurl keeps these bytes for later */
            }
            if (len > STREAM_BUF_MAX) {
                x->overflow = true;
                x->overflow_st = RK_ELIMIT;
                return 0;
            }
            uint8_t *nb = realloc(x->sbuf, len);
            if (!nb) {
                x->overflow = true;
                x->overflow_st = RK_ENOMEM;
                return 0;
            }
            x->sbuf = nb;
            x->scap = len;
        }
        memcpy(x->sbuf + x->stail, p, len);
        x->stail += len;
        return len;
    }
}

/* ---- driving a transfer ---- */

static rk_status start(rk_http *h, const rk_http_req *r, xfer *x, rk_http_resp *resp, rk_err *err)
{
    memset(resp, 0, sizeof *resp);
    resp_reset_headers(resp);
    x->h = h;
    x->resp = resp;
    x->c = conn_take(h);
    if (!x->c) return rk_err_set(err, RK_ENOMEM, "out of memory");
    CURL *e = x->c->e;
    curl_easy_reset(e);
    for (size_t i = 0; i < r->nheaders; i++) {
        char line[8192];
        int n = snprintf(line, sizeof line, "%s: %s", r->headers[i].name, r->headers[i].value);
        if (n < 0 || (size_t)n >= sizeof line) return rk_err_set(err, RK_ELIMIT, "a request header is too long");
        struct curl_slist *nl = curl_slist_append(x->hdrs, line);
        if (!nl) return rk_err_set(err, RK_ENOMEM, "out of memory");
        x->hdrs = nl;
    }
    /* no "Expect: 100-continue" round trip for small bodies */
    struct curl_slist *nl = curl_slist_append(x->hdrs, "Expect:");
    if (!nl) return rk_err_set(err, RK_ENOMEM, "out of memory");
    x->hdrs = nl;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(e, CURLOPT_SHARE, h->share);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L); /* keys may hold "/../" and "//" */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, h->connect_timeout_s);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 256L * 1024);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "reckon/" RK_VERSION);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    if (h->ca_bundle) curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_bundle);
    if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, r->body ? (const char *)r->body : "");
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    }
    x->errbuf[0] = 0;
    x->last_byte_ms = rk_mono_ms();
    if (curl_multi_add_handle(x->c->m, e) != CURLM_OK) return rk_err_set(err, RK_EINTERNAL, "libcurl refused a request");
    return RK_OK;
}

static void finish(xfer *x)
{
    if (x->c) {
        curl_multi_remove_handle(x->c->m, x->c->e);
        conn_give(x->h, x->c);
        x->c = NULL;
    }
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
    free(x->sbuf);
    x->sbuf = NULL;
}

/* Drives the transfer until ready(x) or it ends. Only time spent here,
 * waiting, counts toward a stall. */
static rk_status pump(xfer *x, bool (*ready)(const xfer *), rk_err *err)
{
    int64_t wait_start = rk_mono_ms();
    int64_t stall_ms = x->h->stall_s * 1000;
    while (!x->done) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(x->c->m, &running);
        if (mc != CURLM_OK) return rk_err_set(err, RK_EINTERNAL, "libcurl: %s", curl_multi_strerror(mc));
        CURLMsg *msg;
        int q;
        while ((msg = curl_multi_info_read(x->c->m, &q)))
            if (msg->msg == CURLMSG_DONE) {
                x->done = true;
                x->result = msg->data.result;
            }
        if (x->done || (ready && ready(x))) break;
        int nfds = 0;
        mc = curl_multi_poll(x->c->m, NULL, 0, 100, &nfds);
        if (mc != CURLM_OK) return rk_err_set(err, RK_EINTERNAL, "libcurl: %s", curl_multi_strerror(mc));
        int64_t now = rk_mono_ms();
        int64_t since = x->last_byte_ms > wait_start ? x->last_byte_ms : wait_start;
        if (!x->paused && now - since > stall_ms) {
            x->done = true;
            x->result = CURLE_OPERATION_TIMEDOUT;
            x->resp->stalled = true;
        }
    }
    return RK_OK;
}

/* After the transfer ended: RK_OK for a complete response, else RK_EIO. */
static rk_status outcome(xfer *x, rk_err *err)
{
    rk_http_resp *r = x->resp;
    if (x->overflow) {
        if (x->overflow_st == RK_ENOMEM) return rk_err_set(err, RK_ENOMEM, "out of memory");
        if (x->overflow_st == RK_ELIMIT) return rk_err_set(err, RK_ELIMIT, "the response is larger than expected");
        return rk_err_set(err, RK_EBADDATA, "the server sent more bytes than the range asked for");
    }
    if (x->result == CURLE_OK && !r->stalled) return RK_OK;
    r->curl_code = (int)x->result;
    if (r->stalled)
        snprintf(r->detail, sizeof r->detail, "no data for %ld s (the server stalled)", x->h->stall_s);
    else
        snprintf(r->detail, sizeof r->detail, "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(x->result));
    return rk_err_set(err, RK_EIO, "%s", r->detail);
}

bool rk_http_transient(const rk_http_resp *r)
{
    if (r->stalled) return true;
    switch ((CURLcode)r->curl_code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
        return true;
    default: return false;
    }
}

rk_status rk_http_exchange(rk_http *h, const rk_http_req *r, rk_buf *body, uint8_t *fixed, size_t cap,
                           size_t *fixed_got, rk_http_resp *resp, rk_err *err)
{
    xfer x;
    memset(&x, 0, sizeof x);
    x.sink = body ? SINK_BUF : SINK_FIXED;
    x.buf = body;
    x.fixed = fixed;
    x.fixed_cap = cap;
    rk_status st = start(h, r, &x, resp, err);
    if (st == RK_OK) st = pump(&x, NULL, err);
    if (st == RK_OK) st = outcome(&x, err);
    if (fixed_got) *fixed_got = x.fixed_got;
    finish(&x);
    return st;
}

/* ---- streams ---- */

static bool have_headers(const xfer *x) { return x->headers_done; }
static bool have_data(const xfer *x) { return x->stail > x->shead; }

rk_status rk_http_stream_open(rk_http *h, const rk_http_req *r, rk_http_stream **out, rk_http_resp *resp,
                              rk_err *err)
{
    rk_http_stream *s = calloc(1, sizeof *s);
    if (!s) return rk_err_set(err, RK_ENOMEM, "out of memory");
    s->resp = resp;
    xfer *x = &s->x;
    x->sink = SINK_STREAM;
    x->sbuf = malloc(STREAM_BUF);
    x->scap = STREAM_BUF;
    rk_status st = x->sbuf ? start(h, r, x, resp, err) : rk_err_set(err, RK_ENOMEM, "out of memory");
    if (st == RK_OK) st = pump(x, have_headers, err);
    /* an error document is small: take it whole, into resp->errbody */
    if (st == RK_OK && !x->done && resp->status >= 300) st = pump(x, NULL, err);
    if (st == RK_OK && x->done) st = outcome(x, err);
    if (st != RK_OK) {
        finish(x);
        free(s);
        return st;
    }
    *out = s;
    return RK_OK;
}

rk_status rk_http_stream_read(rk_http_stream *s, uint8_t *buf, size_t cap, size_t *got, rk_err *err)
{
    xfer *x = &s->x;
    *got = 0;
    if (!x->c && x->stail == x->shead) return RK_OK; /* already ended */
    while (x->stail == x->shead && !x->done) {
        if (x->paused) {
            x->paused = false;
            x->shead = x->stail = 0;
            curl_easy_pause(x->c->e, CURLPAUSE_CONT); /* may call on_body right away */
            if (x->stail > x->shead) break;
        }
        RK_TRY(pump(x, have_data, err));
    }
    size_t avail = x->stail - x->shead;
    if (avail) {
        size_t n = avail < cap ? avail : cap;
        memcpy(buf, x->sbuf + x->shead, n);
        x->shead += n;
        *got = n;
        return RK_OK;
    }
    rk_status st = outcome(x, err);
    finish(x);
    return st;
}

void rk_http_stream_close(rk_http_stream *s)
{
    if (!s) return;
    finish(&s->x);
    free(s);
}
