/* creds.c — credentials values and the renewing cache.
 *
 * HOW RENEWAL WORKS
 * The cache holds one set of credentials and their expiry. get():
 *   fresh (not within the margin of expiry)   -> a copy, at once;
 *   someone is already renewing               -> a copy if the current ones
 *                                                are still valid, else wait;
 *   otherwise                                 -> this caller renews, outside
 *                                                the lock, then wakes the
 *                                                waiters.
 * So one STS call renews for every thread, nobody signs with expired
 * credentials, and nobody waits while the old ones are still good. A failed
 * renewal is retried at most every 10 s while the old credentials last;
 * once they have expired, the failure is returned. The margin shrinks to
 * half the credentials' lifetime when they are short-lived, so a
 * 15-minute session is not renewed on every request.
 */
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/aws.h"
#include "aws/xml.h"
#include "common/mem.h"

#define VALID_SLACK_MS 5000 /* never hand out credentials this close to expiry (or a quarter of their life) */
#define FAIL_RETRY_MS 10000

void rk_aws_creds_clear(rk_aws_creds *c)
{
    rk_secret_free(c->access_key_id);
    rk_secret_free(c->secret_access_key);
    rk_secret_free(c->session_token);
    memset(c, 0, sizeof *c);
}

rk_status rk_aws_creds_copy(rk_aws_creds *dst, const rk_aws_creds *src)
{
    memset(dst, 0, sizeof *dst);
    dst->access_key_id = rk_strdup(src->access_key_id ? src->access_key_id : "");
    dst->secret_access_key = rk_strdup(src->secret_access_key ? src->secret_access_key : "");
    dst->session_token = src->session_token ? rk_strdup(src->session_token) : NULL;
    dst->expires_ms = src->expires_ms;
    if (!dst->access_key_id || !dst->secret_access_key || (src->session_token && !dst->session_token)) {
        rk_aws_creds_clear(dst);
        return RK_ENOMEM;
    }
    return RK_OK;
}

struct rk_aws_cache {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    rk_aws_fetch_fn fetch;
    void *ctx;
    rk_clock_fn clock;
    void *clock_ctx;
    int64_t margin_ms;
    rk_aws_creds cur;
    bool have;
    bool stale; /* the server refused them: renew whatever their expiry says */
    int64_t fetched_at;
    bool refreshing;
    int64_t failed_at;
    unsigned fetches;
};

static int64_t wall_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

rk_status rk_aws_cache_new(rk_aws_fetch_fn fetch, void *ctx, int64_t margin_ms, rk_clock_fn clock, void *clock_ctx,
                           rk_aws_cache **out, rk_err *err)
{
    rk_aws_cache *c = calloc(1, sizeof *c);
    if (!c) return rk_err_set(err, RK_ENOMEM, "out of memory");
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->fetch = fetch;
    c->ctx = ctx;
    c->clock = clock ? clock : wall_ms;
    c->clock_ctx = clock_ctx;
    c->margin_ms = margin_ms;
    *out = c;
    return RK_OK;
}

void rk_aws_cache_free(rk_aws_cache *c)
{
    if (!c) return;
    rk_aws_creds_clear(&c->cur);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* Called with c->mu held. */
static bool is_fresh(const rk_aws_cache *c, int64_t now)
{
    if (!c->have || c->stale) return false;
    if (!c->cur.expires_ms) return true;
    int64_t life = c->cur.expires_ms - c->fetched_at, margin = c->margin_ms;
    if (life <= 0) return false;
    if (margin > life / 2) margin = life / 2;
    return now < c->cur.expires_ms - margin;
}

static bool is_valid(const rk_aws_cache *c, int64_t now)
{
    if (!c->have || c->stale) return false;
    if (!c->cur.expires_ms) return true;
    int64_t slack = VALID_SLACK_MS, life = c->cur.expires_ms - c->fetched_at;
    if (slack > life / 4) slack = life / 4;
    return now < c->cur.expires_ms - slack;
}

rk_status rk_aws_cache_get(rk_aws_cache *c, rk_aws_creds *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&c->mu);
    for (;;) {
        int64_t now = c->clock(c->clock_ctx);
        bool valid = is_valid(c, now);
        if (is_fresh(c, now) || (valid && (c->refreshing || (c->failed_at && now - c->failed_at < FAIL_RETRY_MS))))
            break;
        if (c->refreshing) {
            pthread_cond_wait(&c->cv, &c->mu);
            continue;
        }
        c->refreshing = true;
        c->fetches++;
        pthread_mutex_unlock(&c->mu);
        rk_aws_creds fresh;
        memset(&fresh, 0, sizeof fresh);
        rk_status st = c->fetch(c->ctx, &fresh, err);
        int64_t at = c->clock(c->clock_ctx);
        pthread_mutex_lock(&c->mu);
        c->refreshing = false;
        pthread_cond_broadcast(&c->cv);
        if (st == RK_OK) {
            rk_aws_creds_clear(&c->cur);
            c->cur = fresh;
            c->have = true;
            c->stale = false;
            c->fetched_at = at;
            c->failed_at = 0;
            break; /* use them even if short-lived: they came just now */
        }
        rk_aws_creds_clear(&fresh);
        c->failed_at = at;
        if (!is_valid(c, at)) {
            pthread_mutex_unlock(&c->mu);
            return st;
        }
        break; /* the old ones still work; err is left as it was set */
    }
    rk_status st = rk_aws_creds_copy(out, &c->cur);
    pthread_mutex_unlock(&c->mu);
    if (st != RK_OK) return rk_err_set(err, st, "out of memory");
    return RK_OK;
}

void rk_aws_cache_invalidate(rk_aws_cache *c)
{
    pthread_mutex_lock(&c->mu);
    /* A static set cannot be renewed: keep it, the caller will fail on
     * its own error. */
    if (c->cur.expires_ms) {
        c->stale = true;
        c->failed_at = 0;
    }
    pthread_mutex_unlock(&c->mu);
}

unsigned rk_aws_cache_fetches(rk_aws_cache *c)
{
    pthread_mutex_lock(&c->mu);
    unsigned n = c->fetches;
    pthread_mutex_unlock(&c->mu);
    return n;
}
