/* internal.h — what the aws/ sources share: the session's insides, signed request
 * preparation, and the retry rules. Not for other layers.
 *
 * HOW RETRIES WORK
 * Every request runs in a loop: prepare (fresh signature, current
 * credentials), exchange, classify. A classification is one of
 *   OK     2xx (or what the caller expects);
 *   FAIL   not worth repeating (403 AccessDenied, 404, a bad signature);
 *   RETRY  timeouts, resets, stalls, 5xx, 429, SlowDown and throttling codes,
 *          RequestTimeout: wait with exponential backoff and full jitter
 *          (a random time in [0, min(20 s, base * 2^attempt))), at most
 *          max_attempts tries and retry_ms in total;
 *   AGAIN  fixed on our side, try at once (credentials renewed after
 *          ExpiredToken, the clock skew learnt from RequestTimeTooSkewed,
 *          the bucket's region learnt from a redirect), a few times at most.
 */
#ifndef RK_AWS_INTERNAL_H
#define RK_AWS_INTERNAL_H

#include <pthread.h>

#include "aws/aws.h"
#include "aws/http.h"
#include "aws/sigv4.h"

struct rk_aws {
    rk_aws_config cfg;
    rk_http *http;
    rk_http *md_http; /* container endpoint / instance metadata: short timeouts */
    bool md_ok;       /* credentials came from there once (atomic) */
    rk_aws_cache **caches; /* [0] the base credentials, then one per role */
    size_t ncaches;
    struct role_ctx *roles;
    int max_attempts;
    int64_t retry_ms, backoff_ms, refresh_ms;
    int64_t skew_ms; /* server clock - ours, learnt from RequestTimeTooSkewed (atomic) */
    rk_aws_stats stats; /* atomic counters */
};

static inline rk_aws_cache *rk_aws_top(rk_aws *a) { return a->caches[a->ncaches - 1]; }

#define RK_AWS_STAT(a, field, n) __atomic_add_fetch(&(a)->stats.field, (n), __ATOMIC_RELAXED)

/* Where to send and what to sign. */
typedef struct rk_aws_call {
    const char *service; /* "s3", "sts" */
    const char *region;
    const char *method;
    const char *scheme;   /* "https" */
    const char *hostport; /* the Host header */
    const char *path;     /* as sent: already encoded */
    const rk_kv *query;   /* raw */
    size_t nquery;
    const rk_kv *headers; /* extra headers to send and sign (Range, If-Match, Content-Type) */
    size_t nheaders;
    const void *body;
    size_t body_len;
    rk_aws_cache *creds; /* which credentials sign */
} rk_aws_call;

typedef struct rk_aws_prepared {
    rk_http_req req;
    rk_buf url;
    rk_kv hdrs[16];
    size_t nh;
    rk_sigv4_out sig;
    rk_aws_creds creds;
} rk_aws_prepared;

rk_status rk_aws_prepare(rk_aws *a, const rk_aws_call *c, rk_aws_prepared *p, rk_err *err);
void rk_aws_prepared_free(rk_aws_prepared *p);

typedef enum { RK_V_OK, RK_V_FAIL, RK_V_RETRY, RK_V_AGAIN } rk_verdict;

/* Classifies a finished exchange (xst: what rk_http_* returned) whose
 * status is not what the caller wanted. Fills *ae from an error body and
 * err with one sentence (no secret): "HTTP 403 AccessDenied: Access Denied"
 * plus what to do. Invalidates credentials on ExpiredToken and learns the
 * clock skew on RequestTimeTooSkewed (both AGAIN). */
rk_verdict rk_aws_classify(rk_aws *a, const rk_aws_call *c, const rk_aws_prepared *p, rk_status xst,
                           const rk_http_resp *resp, const char *body, size_t blen, rk_aws_error *ae, rk_err *err);

typedef struct rk_retry {
    int attempt; /* failures so far */
    int again;   /* immediate repeats so far */
    int64_t start_ms;
} rk_retry;

void rk_retry_init(rk_retry *r);
/* After a RETRY verdict: sleeps the backoff and returns true, or returns
 * false (and rewrites err as "... after N attempts in S s: <last error>")
 * when the attempts or the time are spent. */
bool rk_retry_wait(rk_aws *a, rk_retry *r, rk_err *err);
/* After an AGAIN verdict: true while a few immediate repeats are left. */
bool rk_retry_again(rk_retry *r);

/* Small request: body into *body (capped); loops on the rules above and
 * returns RK_OK with a 2xx in resp. On failure err names `what`, and
 * *ae_out (when given) holds the last error answer. */
rk_status rk_aws_send(rk_aws *a, const rk_aws_call *c, rk_buf *body, rk_http_resp *resp, const char *what,
                      rk_aws_error *ae_out, rk_err *err);

/* Credentials from the container endpoint or the EC2 instance metadata
 * service, as cfg.source and cfg.md say (aws/metadata.c). */
rk_status rk_aws_md_fetch(rk_aws *a, rk_aws_creds *out, rk_err *err);

/* STS AssumeRole with the credentials of src (aws/sts.c). */
rk_status rk_sts_assume(rk_aws *a, rk_aws_cache *src, const rk_aws_role *role, rk_aws_creds *out, rk_err *err);

/* Milliseconds since 1970, corrected by the learnt skew. */
int64_t rk_aws_now_ms(rk_aws *a);

/* "https://host:port" -> scheme and host[:port]; refuses paths and other
 * schemes. */
rk_status rk_aws_split_endpoint(const char *url, char *scheme, size_t scap, char *hostport, size_t hcap, rk_err *err);

#endif
