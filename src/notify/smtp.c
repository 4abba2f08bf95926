#include "notify/smtp.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void rk_smtp_conf_free(rk_smtp_conf *c)
{
    if (!c) return;
    if (c->password) {
        explicit_bzero(c->password, strlen(c->password));
        free(c->password);
    }
    free(c->user);
    free(c->cafile);
    memset(c, 0, sizeof *c);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct reader {
    const char *p;
    size_t left;
} reader;

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *ud)
{
    reader *r = ud;
    size_t n = size * nmemb;
    if (n > r->left) n = r->left;
    memcpy(buf, r->p, n);
    r->p += n;
    r->left -= n;
    return n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 0.5 s · 2^k, capped at 8 s, scaled by a random 50–100 %: retries of
 * several reckon processes spread out instead of arriving together. */
static void backoff(unsigned k)
{
    double d = 0.5;
    for (unsigned i = 0; i < k && d < 8; i++) d *= 2;
    if (d > 8) d = 8;
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r = (uint32_t)time(NULL) * 2654435761u;
    d *= 0.5 + 0.5 * (r / 4294967296.0);
    struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Whether a failed attempt may succeed if tried again. */
static bool transient(CURLcode rc, long code)
{
    if (code >= 400 && code < 500) return true; /* SMTP: try again later */
    if (code >= 500) return false;
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return true;
    default:
        return false;
    }
}

/* err = what went wrong, in terms of reckon's settings, and what to do. */
static rk_status explain(const rk_smtp_conf *c, const char *where, CURLcode rc, long code, const char *detail,
                         unsigned attempts, double secs, rk_err *err)
{
    char tries[96] = "";
    if (attempts > 1) snprintf(tries, sizeof tries, " (%u attempts over %.1f s)", attempts, secs);
    switch (rc) {
    case CURLE_LOGIN_DENIED:
        return rk_err_set(err, RK_EUSAGE,
                          "%s refused the user name or password%s (SMTP %ld); check smtp.user (`reckon config get "
                          "smtp.user`) and the password in %s",
                          where, tries, code, c->password_source[0] ? c->password_source : "smtp.password-file");
    case CURLE_USE_SSL_FAILED:
        if (c->starttls == RK_STARTTLS_OPTIONAL)
            return rk_err_set(err, RK_EUSAGE,
                              "%s does not offer STARTTLS, so nothing was sent: reckon never sends a password in "
                              "clear; use an smtps:// URL or a server that offers STARTTLS",
                              where);
        return rk_err_set(err, RK_EUSAGE,
                          "%s does not offer STARTTLS and smtp.starttls is required, so nothing was sent; use an "
                          "smtps:// URL or a server that offers STARTTLS",
                          where);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        return rk_err_set(err, RK_EUSAGE,
                          "%s: its TLS certificate is not trusted (%s); if the server uses a private CA, name the CA "
                          "certificate file with `reckon config set smtp.cafile FILE`",
                          where, detail);
    case CURLE_COULDNT_CONNECT:
        return rk_err_set(err, RK_EIO, "cannot connect to %s%s: %s; check smtp.url and that the server is running", where,
                          tries, detail);
    case CURLE_COULDNT_RESOLVE_HOST:
        return rk_err_set(err, RK_EIO, "cannot find the host of %s%s: %s; check smtp.url", where, tries, detail);
    case CURLE_OPERATION_TIMEDOUT:
        return rk_err_set(err, RK_EIO,
                          "%s did not answer within smtp.timeout (%u s)%s; check smtp.url and the network, or raise "
                          "smtp.timeout",
                          where, c->timeout_s, tries);
    default:
        break;
    }
    if (code == 530)
        return rk_err_set(err, RK_EUSAGE,
                          "%s requires authentication (SMTP 530); set smtp.user and the password (smtp.password-file or "
                          "RECKON_SMTP_PASSWORD)",
                          where);
    if (code >= 500)
        return rk_err_set(err, RK_EIO, "%s refused the message (SMTP %ld: %s); check smtp.from and the recipients", where,
                          code, detail);
    if (code >= 400)
        return rk_err_set(err, RK_EIO, "%s asked to try again later%s (SMTP %ld: %s); the next sync will try again",
                          where, tries, code, detail);
    return rk_err_set(err, RK_EIO, "sending through %s failed%s: %s", where, tries, detail);
}

rk_status rk_smtp_send(const rk_smtp_conf *c, const rk_mail_addr *to, size_t nto, const char *msg, size_t len,
                       rk_redact_fn redact, void *redact_ctx, rk_smtp_result *res, rk_err *err)
{
    rk_smtp_result local = {0};
    if (!res) res = &local;
    memset(res, 0, sizeof *res);
    char url[600], where[700];
    rk_smtp_url_fmt(&c->url, url, sizeof url);
    snprintf(where, sizeof where, "the SMTP server %s", url);
    if (nto == 0) return rk_err_set(err, RK_EUSAGE, "an email needs at least one recipient");
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) return rk_err_set(err, RK_EIO, "libcurl could not start: %s", curl_easy_strerror(curl_init_rc));

    bool auth = c->user && c->password;
    long use_ssl = CURLUSESSL_ALL;
    if (c->starttls == RK_STARTTLS_OFF) use_ssl = CURLUSESSL_NONE;
    else if (c->starttls == RK_STARTTLS_OPTIONAL && !auth) use_ssl = CURLUSESSL_TRY;

    struct curl_slist *rcpt = NULL;
    char from[RK_MAIL_ADDR_MAX + 3], tmp[RK_MAIL_ADDR_MAX + 3];
    snprintf(from, sizeof from, "<%s>", c->from.addr);
    for (size_t i = 0; i < nto; i++) {
        snprintf(tmp, sizeof tmp, "<%s>", to[i].addr);
        struct curl_slist *n = curl_slist_append(rcpt, tmp);
        if (!n) {
            curl_slist_free_all(rcpt);
            return rk_err_set(err, RK_ENOMEM, "out of memory");
        }
        rcpt = n;
    }
    double t0 = now_s();
    rk_status st = RK_OK;
    for (unsigned attempt = 0;; attempt++) {
        CURL *h = curl_easy_init();
        if (!h) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory starting libcurl");
            break;
        }
        char ebuf[CURL_ERROR_SIZE] = "";
        reader r = {msg, len};
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
        curl_easy_setopt(h, CURLOPT_USE_SSL, use_ssl);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
        if (c->cafile) curl_easy_setopt(h, CURLOPT_CAINFO, c->cafile);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)c->timeout_s);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout_s);
        if (auth) {
            curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
            curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
        }
        curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
        curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(h, CURLOPT_READDATA, &r);
        CURLcode rc = curl_easy_perform(h);
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_cleanup(h);
        res->attempts = attempt + 1;
        res->smtp_code = code;
        if (rc == CURLE_OK) break;
        if (transient(rc, code) && attempt < c->retries) {
            backoff(attempt);
            continue;
        }
        char detail[CURL_ERROR_SIZE + 64];
        snprintf(detail, sizeof detail, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
        if (redact) redact(detail, sizeof detail, redact_ctx);
        res->seconds = now_s() - t0;
        st = explain(c, where, rc, code, detail, res->attempts, res->seconds, err);
        break;
    }
    res->seconds = now_s() - t0;
    curl_slist_free_all(rcpt);
    return st;
}
