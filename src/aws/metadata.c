/* metadata.c — credentials from the container endpoint (ECS task roles,
 * EKS Pod Identity) and from the EC2 instance metadata service (IMDSv2),
 * fetched the way the AWS CLI does; config.c decided which and where.
 *
 * Both are link-local HTTP services answering JSON
 *   {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", ...}
 * (IMDS adds "Code": "Success"). The session's cache (creds.c) calls
 * rk_aws_md_fetch again before they expire. These requests go through their
 * own rk_http with short timeouts (aws.c), so a machine that is not on EC2
 * learns it within a second or two.
 *
 * Nothing secret leaves this file in a message: not the credentials, not the
 * container's authorization token, not the IMDS session token, and no piece
 * of an answer that could hold them (jansson's error text quotes the input,
 * so only its position is shown).
 */
#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/internal.h"
#include "common/mem.h"
#include "common/timeparse.h"

#define MD_BODY_MAX ((size_t)64 << 10)
#define TOKEN_FILE_MAX 16384
#define IMDS_TOKEN_TTL "21600"
#define CREDS_PATH "/latest/meta-data/iam/security-credentials/"

static void wipe_free(rk_buf *b)
{
    if (b->p) OPENSSL_cleanse(b->p, b->cap);
    rk_buf_free(b);
}

/* One request, tried `attempts` times while the transport fails or the
 * answer is 5xx/429 (pause_ms between tries). RK_OK with resp->status set
 * (any status), or what rk_http_exchange returned for the last try. */
static rk_status md_request(rk_aws *a, const char *method, const char *url, const rk_kv *hdrs, size_t nh, int attempts,
                            int pause_ms, rk_buf *body, rk_http_resp *resp, rk_err *err)
{
    rk_http_req req = {.method = method, .url = url, .headers = hdrs, .nheaders = nh};
    for (int i = 1;; i++) {
        if (body->p) OPENSSL_cleanse(body->p, body->cap);
        rk_buf_reset(body);
        rk_status st = rk_http_exchange(a->md_http, &req, body, NULL, 0, NULL, resp, err);
        bool again = st == RK_EIO || (st == RK_OK && (resp->status >= 500 || resp->status == 429));
        if (!again || i >= attempts) return st;
        if (pause_ms > 0) {
            struct timespec ts = {pause_ms / 1000, (long)(pause_ms % 1000) * 1000000};
            while (nanosleep(&ts, &ts) != 0) {
            }
        }
    }
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The credentials document. `where` names the source for messages. */
static rk_status parse_creds(const char *text, size_t len, const char *where, rk_aws_creds *out, rk_err *err)
{
    json_error_t je;
    json_t *doc = json_loadb(text, len, 0, &je);
    if (!doc) /* je.text may quote the answer: only the position */
        return rk_err_set(err, RK_EBADDATA, "%s sent credentials that are not JSON (line %d, column %d)", where,
                          je.line, je.column);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return rk_err_set(err, RK_EBADDATA, "%s sent credentials that are not a JSON object", where);
    }
    rk_status st = RK_OK;
    const char *code = jstr(doc, "Code");
    if (code && strcmp(code, "Success") != 0) {
        const char *msg = jstr(doc, "Message");
        st = rk_err_set(err, RK_EIO, "%s could not give credentials: %.60s%s%.300s", where, code, msg ? ": " : "",
                        msg ? msg : "");
        json_decref(doc);
        return st;
    }
    static const char *const need[] = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"};
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        if (!jstr(doc, need[i]) || !*jstr(doc, need[i])) {
            st = rk_err_set(err, RK_EBADDATA, "%s sent credentials without %s", where, need[i]);
            json_decref(doc);
            return st;
        }
    const char *exp = jstr(doc, "Expiration");
    int64_t ms;
    if (rk_time_parse(exp, strlen(exp), &ms) != RK_OK) {
        st = rk_err_set(err, RK_EBADDATA, "%s sent an Expiration that is not a time: \"%.40s\"", where, exp);
        json_decref(doc);
        return st;
    }
    memset(out, 0, sizeof *out);
    out->access_key_id = rk_strdup(jstr(doc, "AccessKeyId"));
    out->secret_access_key = rk_strdup(jstr(doc, "SecretAccessKey"));
    out->session_token = rk_strdup(jstr(doc, "Token"));
    out->expires_ms = ms;
    /* jansson keeps its own copies: wipe them before they go back to malloc */
    static const char *const secret[] = {"SecretAccessKey", "Token"};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = json_object_get(doc, secret[i]);
        OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
    }
    json_decref(doc);
    if (!out->access_key_id || !out->secret_access_key || !out->session_token) {
        rk_aws_creds_clear(out);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    return RK_OK;
}

/* ---- the container endpoint ---- */

/* The Authorization value: the token file, read at each fetch (EKS rotates
 * it), else the variable. *out NULL: none. */
static rk_status container_auth(const rk_aws_metadata *m, char **out, rk_err *err)
{
    *out = NULL;
    if (!m->auth_token_file) {
        if (m->auth_token && !(*out = rk_strdup(m->auth_token))) return rk_err_set(err, RK_ENOMEM, "out of memory");
        return RK_OK;
    }
    FILE *f = fopen(m->auth_token_file, "rb");
    if (!f)
        return rk_err_set(err, RK_EUSAGE, "cannot read the container's authorization token file %s "
                                          "(AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE): %s",
                          m->auth_token_file, strerror(errno));
    char *buf = malloc(TOKEN_FILE_MAX + 1);
    if (!buf) {
        fclose(f);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    size_t n = fread(buf, 1, TOKEN_FILE_MAX + 1, f);
    bool ioerr = ferror(f);
    fclose(f);
    rk_status st = RK_OK;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--; /* a final line break is not part of it */
    const char *path = m->auth_token_file;
    if (ioerr) st = rk_err_set(err, RK_EIO, "cannot read the container's authorization token file %s", path);
    else if (n > TOKEN_FILE_MAX)
        st = rk_err_set(err, RK_EUSAGE, "the container's authorization token file %s is larger than %d bytes", path,
                        TOKEN_FILE_MAX);
    else if (n == 0) st = rk_err_set(err, RK_EUSAGE, "the container's authorization token file %s is empty", path);
    else if (memchr(buf, '\n', n) || memchr(buf, '\r', n) || memchr(buf, 0, n))
        st = rk_err_set(err, RK_EUSAGE,
                        "the container's authorization token file %s holds a line break or a NUL byte, which an "
                        "HTTP header cannot carry",
                        m->auth_token_file);
    if (st != RK_OK) {
        OPENSSL_cleanse(buf, TOKEN_FILE_MAX + 1);
        free(buf);
        return st;
    }
    buf[n] = 0;
    *out = buf;
    return RK_OK;
}

/* An error answer's "code"/"message" (ECS and EKS answer JSON), unless it
 * would show the authorization token. */
static void answer_detail(const rk_http_resp *resp, const char *auth, char *out, size_t cap)
{
    out[0] = 0;
    json_t *doc = json_loadb(resp->errbody, resp->errbody_len, 0, NULL);
    if (!doc) return;
    const char *code = jstr(doc, "code"), *msg = jstr(doc, "message");
    if (!code) code = jstr(doc, "Code");
    if (!msg) msg = jstr(doc, "Message");
    if (code || msg) snprintf(out, cap, ": %.60s%s%.300s", code ? code : "", code && msg ? ": " : "", msg ? msg : "");
    if (auth && strlen(auth) >= 4 && strstr(out, auth)) out[0] = 0;
    json_decref(doc);
}

static rk_status container_fetch(rk_aws *a, rk_aws_creds *out, rk_err *err)
{
    const rk_aws_metadata *m = &a->cfg.md;
    char *auth;
    RK_TRY(container_auth(m, &auth, err));
    rk_kv hdrs[2] = {{"Accept", "application/json"}, {"Authorization", auth}};
    rk_buf body;
    rk_buf_init(&body, MD_BODY_MAX);
    rk_http_resp resp;
    char where[700];
    snprintf(where, sizeof where, "the container credentials endpoint %s", m->url);
    rk_status st = md_request(a, "GET", m->url, hdrs, auth ? 2 : 1, m->attempts, 1000, &body, &resp, err);
    if (st == RK_EIO) {
        rk_err_prefix(err, "%s did not answer (%d attempts): ", where, m->attempts);
    } else if (st == RK_OK && resp.status != 200) {
        char detail[400];
        answer_detail(&resp, auth, detail, sizeof detail);
        st = rk_err_set(err, resp.status == 401 || resp.status == 403 ? RK_EUSAGE : RK_EIO, "%s answered HTTP %ld%s%s",
                        where, resp.status, detail,
                        resp.status == 401 || resp.status == 403
                            ? (m->auth_token_file ? "; check the token in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
                                                  : "; check AWS_CONTAINER_AUTHORIZATION_TOKEN")
                            : "");
    } else if (st == RK_OK) {
        st = parse_creds(body.p ? body.p : "", body.len, where, out, err);
    }
    wipe_free(&body);
    rk_secret_free(auth);
    return st;
}

/* ---- the instance metadata service ---- */

static bool role_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 128) return false;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= '0' && s[i] <= '9') &&
            !strchr("+=,.@_-", s[i]))
            return false;
    return true;
}

/* "no AWS credentials found: ..." when the chain had nothing else, else
 * the source (a profile's credential_source) and the problem. */
static rk_status imds_unusable(rk_aws *a, rk_status code, rk_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static rk_status imds_unusable(rk_aws *a, rk_status code, rk_err *err, const char *fmt, ...)
{
    const rk_aws_metadata *m = &a->cfg.md;
    char why[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (__atomic_load_n(&a->md_ok, __ATOMIC_RELAXED))
        return rk_err_set(err, RK_EIO, "cannot renew the EC2 instance role's credentials: %s", why);
    if (m->last_resort)
        return rk_err_set(err, RK_EUSAGE,
                          "no AWS credentials found: none in the environment or %s, and no EC2 instance role: %s; set "
                          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, give --profile NAME, or run reckon on EC2 "
                          "with an instance role (AWS_EC2_METADATA_DISABLED=true skips this lookup)",
                          m->searched ? m->searched : "~/.aws/credentials", why);
    return rk_err_set(err, code, "%s: %s", a->cfg.base_from, why);
}

static rk_status imds_fetch(rk_aws *a, rk_aws_creds *out, rk_err *err)
{
    const rk_aws_metadata *m = &a->cfg.md;
    char url[1200], detail[300];
    rk_buf body;
    rk_buf_init(&body, MD_BODY_MAX);
    rk_http_resp resp;
    rk_err e2 = {0};
    char *token = NULL;

    /* 1. a session token (IMDSv2) */
    snprintf(url, sizeof url, "%s/latest/api/token", m->url);
    rk_kv th[2] = {{"X-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL}, {"Content-Length", "0"}};
    rk_status st = md_request(a, "PUT", url, th, 2, m->attempts, 0, &body, &resp, &e2);
    long token_status = st == RK_OK ? resp.status : 0;
    if (st == RK_OK && resp.status == 200 && body.len > 0 && body.len < 4096 && !memchr(body.p, '\n', body.len) &&
        !memchr(body.p, '\r', body.len)) {
        token = rk_strndup(body.p, body.len);
        if (!token) {
            wipe_free(&body);
            return rk_err_set(err, RK_ENOMEM, "out of memory");
        }
    } else if (st == RK_OK && resp.status == 200) {
        wipe_free(&body);
        return imds_unusable(a, RK_EBADDATA, err, "the instance metadata service at %s sent a malformed session token",
                             m->url);
    } else if (st == RK_OK && (resp.status == 403 || resp.status == 404 || resp.status == 405)) {
        /* no IMDSv2 there: IMDSv1, as the AWS CLI does, unless forbidden */
        if (m->v1_disabled) {
            wipe_free(&body);
            return imds_unusable(a, RK_EIO, err,
                                 "the instance metadata service at %s refused a session token (HTTP %ld) and "
                                 "IMDSv1 is disabled (AWS_EC2_METADATA_V1_DISABLED or ec2_metadata_v1_disabled)",
                                 m->url, resp.status);
        }
    } else if (st == RK_EIO && resp.stalled && !m->v1_disabled) {
        /* connected but no answer: a container behind a hop limit of 1 gets
         * no IMDSv2 answer; IMDSv1 may still work (the AWS CLI's rule) */
    } else if (st == RK_EIO) {
        wipe_free(&body);
        return imds_unusable(a, RK_EIO, err, "the instance metadata service at %s did not answer (%s)", m->url, e2.msg);
    } else if (st == RK_OK) {
        wipe_free(&body);
        return imds_unusable(a, RK_EIO, err, "the instance metadata service at %s refused a session token (HTTP %ld)",
                             m->url, resp.status);
    } else {
        wipe_free(&body);
        if (err) *err = e2;
        return st;
    }

    rk_kv gh[1] = {{"X-aws-ec2-metadata-token", token}};
    size_t ngh = token ? 1 : 0;
    char v1note[200] = "";
    if (!token)
        snprintf(v1note, sizeof v1note, " (sent without a session token, IMDSv1: PUT /latest/api/token got %s)",
                 token_status ? (token_status == 403 ? "HTTP 403" : token_status == 404 ? "HTTP 404" : "HTTP 405")
                              : "no answer");

    /* 2. the instance role's name */
    snprintf(url, sizeof url, "%s%s", m->url, CREDS_PATH);
    st = md_request(a, "GET", url, gh, ngh, m->attempts, 0, &body, &resp, &e2);
    char role[160] = "";
    if (st == RK_EIO) {
        st = imds_unusable(a, RK_EIO, err, "the instance metadata service at %s did not answer (%s)", m->url, e2.msg);
    } else if (st == RK_OK && resp.status == 404) {
        st = imds_unusable(a, RK_EUSAGE, err,
                           "this EC2 instance has no instance role (the instance metadata service at %s lists no IAM "
                           "security credentials); attach an IAM role to the instance",
                           m->url);
    } else if (st == RK_OK && resp.status != 200) {
        st = imds_unusable(a, RK_EIO, err, "the instance metadata service at %s answered HTTP %ld to GET %s%s", m->url,
                           resp.status, CREDS_PATH, v1note);
    } else if (st == RK_OK) {
        size_t n = strcspn(body.p ? body.p : "", "\r\n");
        if (!role_name_ok(body.p ? body.p : "", n))
            st = imds_unusable(a, n ? RK_EBADDATA : RK_EUSAGE, err,
                               n ? "the instance metadata service at %s sent a malformed role name"
                                 : "the instance metadata service at %s lists no instance role",
                               m->url);
        else snprintf(role, sizeof role, "%.*s", (int)n, body.p);
    } else {
        if (err) *err = e2;
    }

    /* 3. its credentials */
    if (st == RK_OK) {
        snprintf(url, sizeof url, "%s%s%s", m->url, CREDS_PATH, role);
        snprintf(detail, sizeof detail, "the instance metadata service at %s (role %s)", m->url, role);
        st = md_request(a, "GET", url, gh, ngh, m->attempts, 0, &body, &resp, &e2);
        if (st == RK_EIO)
            st = imds_unusable(a, RK_EIO, err, "%s did not answer (%s)", detail, e2.msg);
        else if (st == RK_OK && resp.status != 200)
            st = imds_unusable(a, RK_EIO, err, "%s answered HTTP %ld to GET %s%s%s", detail, resp.status, CREDS_PATH,
                               role, v1note);
        else if (st == RK_OK) {
            st = parse_creds(body.p ? body.p : "", body.len, detail, out, &e2);
            if (st != RK_OK) st = imds_unusable(a, st, err, "%s", e2.msg);
        } else {
            if (err) *err = e2;
        }
    }
    rk_secret_free(token);
    wipe_free(&body);
    if (st == RK_OK) __atomic_store_n(&a->md_ok, true, __ATOMIC_RELAXED);
    return st;
}

rk_status rk_aws_md_fetch(rk_aws *a, rk_aws_creds *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    switch (a->cfg.source) {
    case RK_AWS_SRC_CONTAINER: return container_fetch(a, out, err);
    case RK_AWS_SRC_IMDS: return imds_fetch(a, out, err);
    default: return rk_err_set(err, RK_EINTERNAL, "no metadata source to fetch credentials from");
    }
}
