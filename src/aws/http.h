/* http.h — one HTTP exchange over libcurl, blocking or as a pull stream.
 *
 * An rk_http is shared by every thread of a process: it keeps a pool of
 * idle connections (each a curl multi handle with its easy handle, so a
 * connection is reused by the next request of whichever thread takes it)
 * and a curl share handle for DNS and TLS sessions. Connections themselves
 * are never shared between threads at once (libcurl does not support it).
 *
 * A stalled peer is detected by reckon, not by libcurl's low-speed limit:
 * while a caller waits for bytes, no byte for `stall_s` seconds ends the
 * exchange (resp->stalled). Time a caller spends elsewhere between two
 * reads (a decoder busy with a block) does not count.
 *
 * Nothing here retries or interprets AWS: that is the caller's (aws/s3.c,
 * aws/sts.c). Nothing here logs; headers may hold secrets and never appear
 * in errors.
 */
#ifndef RK_AWS_HTTP_H
#define RK_AWS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/sigv4.h"
#include "common/buf.h"
#include "common/err.h"

typedef struct rk_http rk_http;

typedef struct rk_http_opts {
    long connect_timeout_s; /* 0: 10 s */
    long stall_s;           /* 0: 30 s */
    const char *ca_bundle;  /* NULL: the system's */
} rk_http_opts;

/* Must first be called before any other thread uses libcurl (it runs
 * curl_global_init once). */
rk_status rk_http_new(const rk_http_opts *o, rk_http **out, rk_err *err);
void rk_http_free(rk_http *h);

typedef struct rk_http_req {
    const char *method; /* GET, HEAD, POST */
    const char *url;
    const rk_kv *headers; /* sent as given ("Host" included) */
    size_t nheaders;
    const void *body;
    size_t body_len;
} rk_http_req;

typedef struct rk_http_resp {
    long status; /* 0: no response */
    char etag[200];
    int64_t content_length; /* -1: not given */
    bool has_range;         /* Content-Range: bytes start-end/total */
    uint64_t range_start, range_end, range_total;
    int64_t last_modified_ms; /* -1: not given */
    int64_t date_ms;          /* the server's clock (Date), -1 */
    char bucket_region[64];   /* x-amz-bucket-region */
    char request_id[128];     /* x-amz-request-id */
    /* The body of an answer other than 2xx (an error document) goes here,
     * cut at its size, never to the caller's sink. */
    char errbody[8192];
    size_t errbody_len;
    /* transport failure (the call returned RK_EIO) */
    int curl_code;
    bool stalled;
    char detail[256];
} rk_http_resp;

/* One exchange; the whole 2xx body goes to *body (its max caps it;
 * RK_ELIMIT past it) or, with body NULL, to fixed[0..cap) (RK_EBADDATA if
 * the server sends more). Returns RK_OK when a complete response arrived, whatever
 * its status; RK_EIO when the transport failed: resp says how, and
 * *fixed_got how much arrived. */
rk_status rk_http_exchange(rk_http *h, const rk_http_req *r, rk_buf *body, uint8_t *fixed, size_t cap,
                           size_t *fixed_got, rk_http_resp *resp, rk_err *err);

/* A response body as a pull stream. open returns once the status and
 * headers are in (or the exchange failed: RK_EIO). read returns RK_OK with
 * *got == 0 at the end, RK_EIO if the connection broke or stalled (resp
 * updated). The request's strings may be freed after open. */
typedef struct rk_http_stream rk_http_stream;
rk_status rk_http_stream_open(rk_http *h, const rk_http_req *r, rk_http_stream **out, rk_http_resp *resp,
                              rk_err *err);
rk_status rk_http_stream_read(rk_http_stream *s, uint8_t *buf, size_t cap, size_t *got, rk_err *err);
void rk_http_stream_close(rk_http_stream *s);

/* A transport failure worth retrying (reset, timeout, stall, refused...). */
bool rk_http_transient(const rk_http_resp *resp);

/* Milliseconds of a monotonic clock. */
int64_t rk_mono_ms(void);

#endif
