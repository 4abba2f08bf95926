/* aws.c — the session: credentials chain, signing each attempt, and the
 * retry rules of internal.h. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/internal.h"
#include "common/mem.h"

struct role_ctx {
    rk_aws *a;
    rk_aws_cache *src;
    const rk_aws_role *role;
};

static rk_status fetch_static(void *ctx, rk_aws_creds *out, rk_err *err)
{
    const rk_aws_creds *base = ctx;
    if (rk_aws_creds_copy(out, base) != RK_OK) return rk_err_set(err, RK_ENOMEM, "out of memory");
    return RK_OK;
}

static rk_status fetch_md(void *ctx, rk_aws_creds *out, rk_err *err) { return rk_aws_md_fetch(ctx, out, err); }

static rk_status fetch_role(void *ctx, rk_aws_creds *out, rk_err *err)
{
    struct role_ctx *rc = ctx;
    RK_AWS_STAT(rc->a, assume_role, 1);
    return rk_sts_assume(rc->a, rc->src, rc->role, out, err);
}

static long env_num(const char *name, long def, long min, long max)
{
    const char *v = getenv(name);
    if (!v || !*v) return def;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < min || n > max) return def;
    return n;
}

/* A custom endpoint whose host name does not exist is a typo: say so now,
 * rather than after a whole retry budget. A temporary DNS failure (EAI_AGAIN)
 * is left to the retries. */
static rk_status check_endpoint_host(const char *url, const char *what, rk_err *err)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    char host[256];
    size_t n;
    if (*h == '[') { /* [IPv6]:port */
        h++;
        n = strcspn(h, "]");
    } else {
        n = strcspn(h, ":/");
    }
    if (n == 0 || n >= sizeof host) return RK_OK;
    memcpy(host, h, n);
    host[n] = 0;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (res) freeaddrinfo(res);
    if (rc == EAI_NONAME || rc == EAI_FAIL)
        return rk_err_set(err, RK_EUSAGE, "the host %s of the %s endpoint %s does not exist (%s); check its spelling",
                          host, what, url, gai_strerror(rc));
    return RK_OK;
}

rk_status rk_aws_open(const rk_aws_opts *o, rk_aws **out, rk_err *err)
{
    rk_aws *a = calloc(1, sizeof *a);
    if (!a) return rk_err_set(err, RK_ENOMEM, "out of memory");
    rk_status st = rk_aws_config_resolve(o, NULL, NULL, &a->cfg, err);
    if (st != RK_OK) {
        free(a);
        return st;
    }
    a->max_attempts = (int)env_num("RECKON_AWS_MAX_ATTEMPTS", 8, 1, 100);
    a->retry_ms = env_num("RECKON_AWS_RETRY_SECONDS", 120, 1, 86400) * 1000;
    a->backoff_ms = env_num("RECKON_AWS_BACKOFF_MS", 200, 1, 60000);
    a->refresh_ms = env_num("RECKON_AWS_REFRESH_SECONDS", 300, 0, 3600) * 1000;
    rk_http_opts ho = {.stall_s = env_num("RECKON_AWS_STALL_SECONDS", 30, 1, 3600), .ca_bundle = a->cfg.ca_bundle};
    a->ncaches = 1 + a->cfg.nroles;
    a->caches = calloc(a->ncaches, sizeof *a->caches);
    a->roles = calloc(a->cfg.nroles ? a->cfg.nroles : 1, sizeof *a->roles);
    if (!a->caches || !a->roles) st = rk_err_set(err, RK_ENOMEM, "out of memory");
    if (st == RK_OK) st = rk_http_new(&ho, &a->http, err);
    if (st == RK_OK && a->cfg.source == RK_AWS_SRC_KEYS)
        st = rk_aws_cache_new(fetch_static, &a->cfg.base, 0, NULL, NULL, &a->caches[0], err);
    if (st == RK_OK && a->cfg.source != RK_AWS_SRC_KEYS) {
        rk_http_opts mo = {.connect_timeout_s = a->cfg.md.timeout_s, .stall_s = a->cfg.md.timeout_s,
                           .ca_bundle = a->cfg.ca_bundle};
        st = rk_http_new(&mo, &a->md_http, err);
        if (st == RK_OK) st = rk_aws_cache_new(fetch_md, a, a->refresh_ms, NULL, NULL, &a->caches[0], err);
    }
    for (size_t i = 0; st == RK_OK && i < a->cfg.nroles; i++) {
        a->roles[i] = (struct role_ctx){a, a->caches[i], &a->cfg.roles[i]};
        st = rk_aws_cache_new(fetch_role, &a->roles[i], a->refresh_ms, NULL, NULL, &a->caches[i + 1], err);
    }
    if (st != RK_OK) {
        rk_aws_close(a);
        return st;
    }
    *out = a;
    return RK_OK;
}

void rk_aws_close(rk_aws *a)
{
    if (!a) return;
    for (size_t i = 0; a->caches && i < a->ncaches; i++) rk_aws_cache_free(a->caches[i]);
    free(a->caches);
    free(a->roles);
    rk_http_free(a->http);
    rk_http_free(a->md_http);
    rk_aws_config_free(&a->cfg);
    free(a);
}

const char *rk_aws_region(const rk_aws *a) { return a->cfg.region; }
const rk_aws_config *rk_aws_cfg(const rk_aws *a) { return &a->cfg; }

rk_aws_stats rk_aws_get_stats(rk_aws *a)
{
    rk_aws_stats s;
    s.requests = __atomic_load_n(&a->stats.requests, __ATOMIC_RELAXED);
    s.retries = __atomic_load_n(&a->stats.retries, __ATOMIC_RELAXED);
    s.resumes = __atomic_load_n(&a->stats.resumes, __ATOMIC_RELAXED);
    s.bytes = __atomic_load_n(&a->stats.bytes, __ATOMIC_RELAXED);
    s.assume_role = __atomic_load_n(&a->stats.assume_role, __ATOMIC_RELAXED);
    return s;
}

rk_status rk_aws_check_credentials(rk_aws *a, rk_err *err)
{
    if (a->cfg.s3_endpoint) RK_TRY(check_endpoint_host(a->cfg.s3_endpoint, "S3", err));
    if (a->cfg.sts_endpoint && a->cfg.nroles) RK_TRY(check_endpoint_host(a->cfg.sts_endpoint, "STS", err));
    rk_aws_creds c;
    RK_TRY(rk_aws_cache_get(rk_aws_top(a), &c, err));
    rk_aws_creds_clear(&c);
    return RK_OK;
}

int64_t rk_aws_now_ms(rk_aws *a)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + __atomic_load_n(&a->skew_ms, __ATOMIC_RELAXED);
}

/* ---- signing one attempt ---- */

rk_status rk_aws_prepare(rk_aws *a, const rk_aws_call *c, rk_aws_prepared *p, rk_err *err)
{
    memset(p, 0, sizeof *p);
    rk_buf_init(&p->url, (size_t)1 << 20);
    rk_sigv4_out_init(&p->sig);
    RK_TRY(rk_aws_cache_get(c->creds, &p->creds, err));
    if (c->nheaders > 8) return rk_err_set(err, RK_EINTERNAL, "too many headers for one request");
    rk_status st = rk_buf_printf(&p->url, "%s://%s%s", c->scheme, c->hostport, c->path);
    if (st == RK_OK && c->nquery) {
        st = rk_buf_putc(&p->url, '?');
        if (st == RK_OK) st = rk_sigv4_query(&p->url, c->query, c->nquery);
    }
    if (st != RK_OK) return rk_err_set(err, st, st == RK_ENOMEM ? "out of memory" : "the request URL is too long");
    size_t n = 0;
    p->hdrs[n++] = (rk_kv){"Host", c->hostport};
    for (size_t i = 0; i < c->nheaders; i++) p->hdrs[n++] = c->headers[i];
    rk_sigv4_key key = {p->creds.access_key_id, p->creds.secret_access_key, p->creds.session_token};
    rk_sigv4_params sp = {.region = c->region, .service = c->service, .time = rk_aws_now_ms(a) / 1000,
                          .content_sha256 = true};
    rk_sigv4_req sr = {.method = c->method, .path = c->path, .query = c->query, .nquery = c->nquery,
                       .headers = p->hdrs, .nheaders = n, .body = c->body, .body_len = c->body_len};
    RK_TRY(rk_sigv4_sign(&sr, &key, &sp, &p->sig, err));
    p->hdrs[n++] = (rk_kv){"x-amz-date", p->sig.amz_date};
    p->hdrs[n++] = (rk_kv){"x-amz-content-sha256", p->sig.payload_hash};
    if (p->creds.session_token && *p->creds.session_token)
        p->hdrs[n++] = (rk_kv){"x-amz-security-token", p->creds.session_token};
    p->hdrs[n++] = (rk_kv){"Authorization", p->sig.authorization.p};
    p->nh = n;
    p->req = (rk_http_req){.method = c->method, .url = p->url.p, .headers = p->hdrs, .nheaders = n,
                           .body = c->body, .body_len = c->body_len};
    return RK_OK;
}

void rk_aws_prepared_free(rk_aws_prepared *p)
{
    rk_buf_free(&p->url);
    rk_sigv4_out_free(&p->sig);
    rk_aws_creds_clear(&p->creds);
}

/* ---- classifying answers ---- */

static bool in(const char *code, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(code, *list) == 0) return true;
    return false;
}

static const char *const retry_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
    "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
    "PriorRequestNotComplete", "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException",
    "InternalError", "ServiceUnavailable", "IDPCommunicationError", NULL};
static const char *const expired_codes[] = {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired",
                                            "RequestExpired", NULL};

/* Which credentials signed, in words. */
static void signer_desc(rk_aws *a, const rk_aws_call *c, const rk_aws_prepared *p, char *buf, size_t cap)
{
    const char *akid = p && p->creds.access_key_id ? p->creds.access_key_id : "?";
    for (size_t i = 1; i < a->ncaches; i++)
        if (a->caches[i] == c->creds) {
            snprintf(buf, cap, "access key %s of role %s", akid, a->cfg.roles[i - 1].arn);
            return;
        }
    snprintf(buf, cap, "access key %s from %s", akid, a->cfg.base_from ? a->cfg.base_from : "?");
}

rk_verdict rk_aws_classify(rk_aws *a, const rk_aws_call *c, const rk_aws_prepared *p, rk_status xst,
                           const rk_http_resp *resp, const char *body, size_t blen, rk_aws_error *ae, rk_err *err)
{
    memset(ae, 0, sizeof *ae);
    if (xst == RK_EIO) {
        if (rk_http_transient(resp)) return RK_V_RETRY; /* err holds the transport's words */
        if (resp->curl_code == 60 /* CURLE_PEER_FAILED_VERIFICATION */ || resp->curl_code == 77 /* CACERT */)
            rk_err_prefix(err, "TLS: ");
        return RK_V_FAIL;
    }
    if (xst != RK_OK) return RK_V_FAIL;
    long status = resp->status;
    if (body && blen) rk_aws_parse_error(body, blen, ae);
    const char *code = ae->code;
    char who[700];
    signer_desc(a, c, p, who, sizeof who);

    if (*code && in(code, expired_codes)) {
        if (strcmp(code, "RequestExpired") != 0 && p && p->creds.expires_ms) {
            rk_aws_cache_invalidate(c->creds);
            rk_err_set(err, RK_EIO, "HTTP %ld %s: the temporary credentials expired", status, code);
            return RK_V_AGAIN;
        }
        if (strcmp(code, "RequestExpired") != 0) {
            rk_err_set(err, RK_EUSAGE,
                       "HTTP %ld %s: the session token of %s has expired; get fresh credentials (AWS_SESSION_TOKEN "
                       "or the profile's aws_session_token)",
                       status, code, who);
            return RK_V_FAIL;
        }
    }
    if (*code && (strcmp(code, "RequestTimeTooSkewed") == 0 || strcmp(code, "RequestExpired") == 0)) {
        if (resp->date_ms > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t ours = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
            __atomic_store_n(&a->skew_ms, resp->date_ms - ours, __ATOMIC_RELAXED);
            rk_err_set(err, RK_EIO, "HTTP %ld %s: this machine's clock is off by %.0f s", status, code,
                       (double)(resp->date_ms - ours) / 1000);
            return RK_V_AGAIN;
        }
        rk_err_set(err, RK_EUSAGE, "HTTP %ld %s: this machine's clock is wrong; set it right (NTP)", status, code);
        return RK_V_FAIL;
    }
    if (status >= 500 || status == 429 || (*code && in(code, retry_codes))) {
        if (*code) rk_err_set(err, RK_EIO, "HTTP %ld %s: %s", status, code, ae->message);
        else rk_err_set(err, RK_EIO, "HTTP %ld", status);
        return RK_V_RETRY;
    }
    char head[120];
    if (*code) snprintf(head, sizeof head, "HTTP %ld %s", status, code);
    else snprintf(head, sizeof head, "HTTP %ld", status);
    rk_status st = status == 404 ? RK_ENOTFOUND : (status == 400 || status == 401 || status == 403) ? RK_EUSAGE : RK_EIO;
    if (strcmp(code, "SignatureDoesNotMatch") == 0)
        rk_err_set(err, st, "%s: the secret access key does not match %s; check the secret key", head, who);
    else if (in(code, (const char *const[]){"InvalidAccessKeyId", "InvalidClientTokenId", "UnrecognizedClientException",
                                            NULL}))
        rk_err_set(err, st, "%s: AWS does not know %s; check the key ID, or whether it was deleted or rotated", head,
                   who);
    else if (strcmp(code, "InvalidToken") == 0)
        rk_err_set(err, st, "%s: the session token of %s is not valid; check AWS_SESSION_TOKEN or aws_session_token",
                   head, who);
    else if ((in(code, (const char *const[]){"AccessDenied", "AccessDeniedException", "AllAccessDisabled", NULL}) ||
              (!*code && status == 403)) &&
             strcmp(c->service, "s3") == 0)
        rk_err_set(err, st, "%s%s%s: %s may not do this; check its IAM policy and the bucket policy", head,
                   ae->message[0] ? ": " : "", ae->message, who);
    else if (strcmp(code, "NoSuchBucket") == 0)
        rk_err_set(err, st, "%s: the bucket does not exist; check its name (and --endpoint-url for an S3-compatible "
                            "store)",
                   head);
    else if (strcmp(code, "PermanentRedirect") == 0 || strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
             status == 301)
        rk_err_set(err, st, "%s: the bucket is in another region; give --region%s%s", head,
                   resp->bucket_region[0] || ae->region[0] ? " " : "",
                   resp->bucket_region[0] ? resp->bucket_region : ae->region);
    else if (ae->message[0]) rk_err_set(err, st, "%s: %s", head, ae->message);
    else rk_err_set(err, st, "%s", head);
    return RK_V_FAIL;
}

/* ---- backoff ---- */

static _Thread_local uint64_t rng_state;

static uint64_t rng(void)
{
    if (!rng_state) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        rng_state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)(uintptr_t)&ts << 7) ^
                    (uint64_t)getpid();
        if (!rng_state) rng_state = 0x9e3779b97f4a7c15ULL;
    }
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

void rk_retry_init(rk_retry *r)
{
    r->attempt = 0;
    r->again = 0;
    r->start_ms = rk_mono_ms();
}

bool rk_retry_again(rk_retry *r) { return ++r->again <= 3; }

bool rk_retry_wait(rk_aws *a, rk_retry *r, rk_err *err)
{
    r->attempt++;
    int64_t spent = rk_mono_ms() - r->start_ms;
    int64_t cap = a->backoff_ms;
    for (int i = 1; i < r->attempt && cap < 20000; i++) cap *= 2;
    if (cap > 20000) cap = 20000;
    int64_t delay = (int64_t)(rng() % (uint64_t)(cap + 1));
    if (r->attempt >= a->max_attempts || spent + delay > a->retry_ms) {
        rk_err_prefix(err, "gave up after %d attempt%s in %.1f s: ", r->attempt, r->attempt == 1 ? "" : "s",
                      (double)spent / 1000);
        if (err) err->code = RK_EIO;
        return false;
    }
    RK_AWS_STAT(a, retries, 1);
    struct timespec ts = {delay / 1000, (delay % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0) {
    }
    return true;
}

/* ---- small requests ---- */

rk_status rk_aws_send(rk_aws *a, const rk_aws_call *c, rk_buf *body, rk_http_resp *resp, const char *what,
                      rk_aws_error *ae_out, rk_err *err)
{
    if (ae_out) memset(ae_out, 0, sizeof *ae_out);
    rk_retry rt;
    rk_retry_init(&rt);
    for (;;) {
        rk_aws_prepared p;
        rk_status st = rk_aws_prepare(a, c, &p, err);
        if (st != RK_OK) {
            rk_aws_prepared_free(&p);
            rk_err_prefix(err, "%s: ", what);
            return st;
        }
        rk_buf_reset(body);
        RK_AWS_STAT(a, requests, 1);
        st = rk_http_exchange(a->http, &p.req, body, NULL, 0, NULL, resp, err);
        if (st == RK_OK) RK_AWS_STAT(a, bytes, body->len);
        if (st == RK_OK && resp->status >= 200 && resp->status < 300) {
            rk_aws_prepared_free(&p);
            return RK_OK;
        }
        rk_aws_error ae;
        rk_verdict v = rk_aws_classify(a, c, &p, st, resp, resp->errbody, resp->errbody_len, &ae, err);
        rk_aws_prepared_free(&p);
        if (ae_out) *ae_out = ae;
        if (v == RK_V_AGAIN && rk_retry_again(&rt)) continue;
        if (v == RK_V_RETRY && rk_retry_wait(a, &rt, err)) continue;
        rk_err_prefix(err, "%s: ", what);
        return err && err->code != RK_OK ? err->code : RK_EIO;
    }
}
