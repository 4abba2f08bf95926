/* sts.c — STS AssumeRole and GetCallerIdentity over the query API
 * (form-encoded POST, XML answers). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/internal.h"
#include "common/mem.h"

#define STS_ANSWER_MAX ((size_t)1 << 20)

static rk_status sts_target(rk_aws *a, char *scheme, size_t scap, char *hostport, size_t hcap, rk_err *err)
{
    if (a->cfg.sts_endpoint) return rk_aws_split_endpoint(a->cfg.sts_endpoint, scheme, scap, hostport, hcap, err);
    snprintf(scheme, scap, "https");
    const char *suffix = strncmp(a->cfg.region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
    snprintf(hostport, hcap, "sts.%s.%s", a->cfg.region, suffix);
    return RK_OK;
}

/* POSTs the form to STS, signed with the credentials of `creds`. */
static rk_status sts_post(rk_aws *a, rk_aws_cache *creds, const rk_kv *form, size_t nform, rk_buf *answer,
                          const char *what, rk_aws_error *ae, rk_err *err)
{
    char scheme[8], hostport[512];
    RK_TRY(sts_target(a, scheme, sizeof scheme, hostport, sizeof hostport, err));
    rk_buf body;
    rk_buf_init(&body, 64 << 10);
    if (rk_sigv4_query(&body, form, nform) != RK_OK) {
        rk_buf_free(&body);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    rk_kv hdr = {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"};
    rk_aws_call c = {.service = "sts", .region = a->cfg.region, .method = "POST", .scheme = scheme,
                     .hostport = hostport, .path = "/", .headers = &hdr, .nheaders = 1, .body = body.p,
                     .body_len = body.len, .creds = creds};
    rk_http_resp resp;
    rk_status st = rk_aws_send(a, &c, answer, &resp, what, ae, err);
    rk_buf_free(&body);
    return st;
}

rk_status rk_sts_assume(rk_aws *a, rk_aws_cache *src, const rk_aws_role *role, rk_aws_creds *out, rk_err *err)
{
    char dur[16];
    snprintf(dur, sizeof dur, "%d", role->duration_s);
    rk_kv form[6] = {{"Action", "AssumeRole"},
                     {"Version", "2011-06-15"},
                     {"RoleArn", role->arn},
                     {"RoleSessionName", role->session_name},
                     {"DurationSeconds", dur},
                     {"ExternalId", role->external_id}};
    size_t n = role->external_id ? 6 : 5;
    char what[700];
    snprintf(what, sizeof what, "cannot assume role %s (%s)", role->arn, role->from);
    rk_buf answer;
    rk_buf_init(&answer, STS_ANSWER_MAX);
    rk_aws_error ae;
    rk_status st = sts_post(a, src, form, n, &answer, what, &ae, err);
    if (st != RK_OK) {
        rk_buf_free(&answer);
        if (strcmp(ae.code, "AccessDenied") == 0)
            rk_err_set(err, RK_EUSAGE,
                       "%s: STS says AccessDenied (%s); check that the role's trust policy names this principal and "
                       "that the external ID (%s) matches its sts:ExternalId condition",
                       what, ae.message[0] ? ae.message : "no reason given",
                       role->external_id ? "--external-id or the profile's external_id"
                                         : "none was given: use --external-id or the profile's external_id");
        return st;
    }
    rk_sts_creds sc;
    st = rk_sts_parse_assume_role(answer.p, answer.len, &sc, err);
    if (answer.p) OPENSSL_cleanse(answer.p, answer.len); /* it held the secret key */
    rk_buf_free(&answer);
    if (st != RK_OK) {
        rk_sts_creds_free(&sc);
        rk_err_prefix(err, "%s: ", what);
        return st;
    }
    memset(out, 0, sizeof *out);
    out->access_key_id = sc.access_key_id;
    out->secret_access_key = sc.secret_access_key;
    out->session_token = sc.session_token;
    out->expires_ms = sc.expires_ms;
    sc.access_key_id = sc.secret_access_key = sc.session_token = NULL;
    rk_sts_creds_free(&sc);
    return RK_OK;
}

rk_status rk_aws_caller_identity(rk_aws *a, rk_aws_identity *out, rk_err *err)
{
    rk_kv form[2] = {{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}};
    rk_buf answer;
    rk_buf_init(&answer, STS_ANSWER_MAX);
    rk_status st = sts_post(a, rk_aws_top(a), form, 2, &answer, "STS GetCallerIdentity", NULL, err);
    if (st == RK_OK) st = rk_sts_parse_identity(answer.p, answer.len, out, err);
    rk_buf_free(&answer);
    return st;
}
