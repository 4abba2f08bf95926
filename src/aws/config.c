/* config.c — resolving options, environment and ~/.aws files the way the
 * AWS CLI does (see aws.h for the order). Pure: reads files, no network
 * (container and instance credentials are fetched by aws/metadata.c). */
#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/aws.h"
#include "aws/ini.h"
#include "aws/internal.h"
#include "common/mem.h"

#define MAX_ROLE_CHAIN 8

typedef struct resolver {
    const rk_aws_opts *o;
    const char *profile; /* the session's profile (its IMDS settings count) */
    rk_getenv_fn env;
    void *env_ctx;
    rk_ini cred, conf;
    char cred_path[4096], conf_path[4096];
    rk_aws_config *out;
    rk_err *err;
} resolver;

static const char *proc_env(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

static const char *env(resolver *r, const char *name)
{
    const char *v = r->env(r->env_ctx, name);
    return v && *v ? v : NULL;
}

static void conf_section(const char *profile, char *buf, size_t cap)
{
    if (strcmp(profile, "default") == 0) snprintf(buf, cap, "default");
    else snprintf(buf, cap, "profile %s", profile);
}

/* A profile's setting: the credentials file wins over the config file, as
 * the AWS CLI merges them. */
static const char *pget(resolver *r, const char *profile, const char *key)
{
    const char *v = rk_ini_get(&r->cred, profile, key);
    if (v && *v) return v;
    char sec[512];
    conf_section(profile, sec, sizeof sec);
    v = rk_ini_get(&r->conf, sec, key);
    if (!v && strcmp(profile, "default") == 0) v = rk_ini_get(&r->conf, "profile default", key);
    return v && *v ? v : NULL;
}

static bool profile_exists(resolver *r, const char *profile)
{
    char sec[512];
    conf_section(profile, sec, sizeof sec);
    return rk_ini_has_section(&r->cred, profile) || rk_ini_has_section(&r->conf, sec) ||
           (strcmp(profile, "default") == 0 && rk_ini_has_section(&r->conf, "profile default"));
}

static rk_status nomem(resolver *r) { return rk_err_set(r->err, RK_ENOMEM, "out of memory"); }
static rk_status set_endpoint(resolver *r, char **dst, const char *url, const char *from);

static rk_status set_base(resolver *r, const char *akid, const char *secret, const char *token, const char *from)
{
    rk_aws_creds *b = &r->out->base;
    rk_aws_creds_clear(b);
    free(r->out->base_from);
    b->access_key_id = rk_strdup(akid);
    b->secret_access_key = rk_strdup(secret);
    b->session_token = token ? rk_strdup(token) : NULL;
    r->out->base_from = rk_strdup(from);
    if (!b->access_key_id || !b->secret_access_key || (token && !b->session_token) || !r->out->base_from)
        return nomem(r);
    return RK_OK;
}

static rk_status env_keys(resolver *r, bool *found)
{
    const char *ak = env(r, "AWS_ACCESS_KEY_ID"), *sk = env(r, "AWS_SECRET_ACCESS_KEY");
    *found = false;
    if (!ak && !sk) return RK_OK;
    if (!ak || !sk)
        return rk_err_set(r->err, RK_EUSAGE, "%s is set but %s is not; set both (or neither, to use a profile)",
                          ak ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                          ak ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    *found = true;
    return set_base(r, ak, sk, env(r, "AWS_SESSION_TOKEN"), "the environment (AWS_ACCESS_KEY_ID)");
}

static bool valid_chars(const char *s, const char *extra, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr(extra, *s)) return false;
    return true;
}

rk_status rk_aws_check_role_arn(const char *arn, rk_err *err)
{
    /* arn:PARTITION:iam::ACCOUNT:role/PATH/NAME */
    const char *p = arn;
    bool ok = strncmp(p, "arn:", 4) == 0;
    if (ok) {
        p += 4;
        const char *c = strchr(p, ':');
        ok = c && c > p && strncmp(c, ":iam::", 6) == 0;
        if (ok) {
            p = c + 6;
            size_t digits = 0;
            while (p[digits] >= '0' && p[digits] <= '9') digits++;
            ok = digits == 12 && strncmp(p + 12, ":role/", 6) == 0 && p[18] &&
                 valid_chars(p + 18, "+=,.@_-/", 1, 512);
        }
    }
    if (!ok)
        return rk_err_set(err, RK_EUSAGE,
                          "\"%.200s\" is not an IAM role ARN; it should look like arn:aws:iam::123456789012:role/NAME",
                          arn);
    return RK_OK;
}

static rk_status add_role(resolver *r, const char *arn, const char *external_id, const char *session_name,
                          const char *duration, const char *from)
{
    rk_aws_config *c = r->out;
    if (c->nroles >= MAX_ROLE_CHAIN)
        return rk_err_set(r->err, RK_EUSAGE, "%s: more than %d roles chained through source_profile", from,
                          MAX_ROLE_CHAIN);
    if (rk_aws_check_role_arn(arn, r->err) != RK_OK) {
        rk_err_prefix(r->err, "%s: ", from);
        return RK_EUSAGE;
    }
    if (external_id && !valid_chars(external_id, "+=,.@:/_-", 2, 1224))
        return rk_err_set(r->err, RK_EUSAGE,
                          "%s: the external ID must be 2 to 1224 letters, digits or +=,.@:/_- characters", from);
    char defname[64];
    if (!session_name) {
        snprintf(defname, sizeof defname, "reckon-%lld", (long long)time(NULL));
        session_name = defname;
    }
    if (!valid_chars(session_name, "+=,.@_-", 2, 64))
        return rk_err_set(r->err, RK_EUSAGE,
                          "%s: the role session name \"%.80s\" must be 2 to 64 letters, digits or +=,.@_- characters",
                          from, session_name);
    int dur = r->o->duration_s > 0 ? r->o->duration_s : 3600;
    if (duration) {
        char *end;
        long d = strtol(duration, &end, 10);
        if (*end || d < 900 || d > 43200)
            return rk_err_set(r->err, RK_EUSAGE, "%s: duration_seconds must be a number of seconds from 900 to 43200",
                              from);
        dur = (int)d;
    }
    rk_aws_role *nr = realloc(c->roles, (c->nroles + 1) * sizeof *nr);
    if (!nr) return nomem(r);
    c->roles = nr;
    rk_aws_role *role = &c->roles[c->nroles];
    memset(role, 0, sizeof *role);
    c->nroles++;
    role->arn = rk_strdup(arn);
    role->external_id = external_id ? rk_strdup(external_id) : NULL;
    role->session_name = rk_strdup(session_name);
    role->duration_s = dur;
    role->from = rk_strdup(from);
    if (!role->arn || (external_id && !role->external_id) || !role->session_name || !role->from) return nomem(r);
    return RK_OK;
}

static const char *unsupported_source(resolver *r, const char *profile)
{
    static const char *keys[] = {"credential_process", "sso_session", "sso_start_url", "web_identity_token_file",
                                 "mfa_serial"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (pget(r, profile, keys[i])) return keys[i];
    return NULL;
}

static rk_status container_source(resolver *r, const char *from, bool *found);
static rk_status imds_source(resolver *r, const char *from, bool *found);

/* *found false (at depth 0 only): the profile holds no credentials at all,
 * and the chain goes on (container, instance role), as the AWS CLI's does. */
static rk_status profile_creds(resolver *r, const char *profile, const char **visited, size_t depth, bool *found)
{
    *found = true;
    char from[600];
    snprintf(from, sizeof from, "profile \"%s\"", profile);
    if (depth > MAX_ROLE_CHAIN)
        return rk_err_set(r->err, RK_EUSAGE, "%s: source_profile chains deeper than %d profiles", from, MAX_ROLE_CHAIN);
    for (size_t i = 0; i < depth; i++)
        if (strcmp(visited[i], profile) == 0)
            return rk_err_set(r->err, RK_EUSAGE,
                              "%s: its source_profile chain leads back to itself; fix source_profile in %s", from,
                              r->conf_path);
    if (!profile_exists(r, profile))
        return rk_err_set(r->err, RK_EUSAGE, "%s is not in %s or %s", from, r->cred_path, r->conf_path);
    visited[depth] = profile;
    const char *role_arn = pget(r, profile, "role_arn");
    const char *ak = pget(r, profile, "aws_access_key_id"), *sk = pget(r, profile, "aws_secret_access_key");
    if (role_arn) {
        if (pget(r, profile, "mfa_serial"))
            return rk_err_set(r->err, RK_EUNSUPPORTED,
                              "%s needs an MFA code (mfa_serial), which reckon cannot ask for; use a profile without "
                              "mfa_serial, or export temporary credentials from `aws sts assume-role`",
                              from);
        const char *src = pget(r, profile, "source_profile"), *cs = pget(r, profile, "credential_source");
        if (src && cs)
            return rk_err_set(r->err, RK_EUSAGE, "%s sets both source_profile and credential_source; keep one", from);
        if (!src && !cs)
            return rk_err_set(r->err, RK_EUSAGE,
                              "%s has a role_arn but neither source_profile nor credential_source to assume it with",
                              from);
        if (cs) {
            bool got;
            char csfrom[700];
            snprintf(csfrom, sizeof csfrom, "%s (credential_source = %.40s)", from, cs);
            if (strcmp(cs, "Environment") == 0) {
                RK_TRY(env_keys(r, &got));
                if (!got)
                    return rk_err_set(r->err, RK_EUSAGE,
                                      "%s takes its credentials from the environment (credential_source = "
                                      "Environment), but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set",
                                      from);
            } else if (strcmp(cs, "EcsContainer") == 0) {
                RK_TRY(container_source(r, csfrom, &got));
                if (!got)
                    return rk_err_set(r->err, RK_EUSAGE,
                                      "%s takes its credentials from the container (credential_source = "
                                      "EcsContainer), but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor "
                                      "AWS_CONTAINER_CREDENTIALS_FULL_URI is set: reckon is not in an ECS task with a "
                                      "task role or an EKS pod with Pod Identity",
                                      from);
            } else if (strcmp(cs, "Ec2InstanceMetadata") == 0) {
                RK_TRY(imds_source(r, csfrom, &got));
                if (!got)
                    return rk_err_set(r->err, RK_EUSAGE,
                                      "%s takes its credentials from the EC2 instance role (credential_source = "
                                      "Ec2InstanceMetadata), but AWS_EC2_METADATA_DISABLED=true turns the instance "
                                      "metadata service off; unset it",
                                      from);
            } else {
                return rk_err_set(r->err, RK_EUSAGE,
                                  "%s: credential_source = %.40s is not one of Environment, EcsContainer and "
                                  "Ec2InstanceMetadata",
                                  from, cs);
            }
        } else if (strcmp(src, profile) == 0) {
            if (!ak || !sk)
                return rk_err_set(r->err, RK_EUSAGE,
                                  "%s is its own source_profile but has no aws_access_key_id and "
                                  "aws_secret_access_key",
                                  from);
            RK_TRY(set_base(r, ak, sk, pget(r, profile, "aws_session_token"), from));
        } else {
            bool got;
            RK_TRY(profile_creds(r, src, visited, depth + 1, &got));
        }
        return add_role(r, role_arn, pget(r, profile, "external_id"), pget(r, profile, "role_session_name"),
                        pget(r, profile, "duration_seconds"), from);
    }
    if (ak && sk) return set_base(r, ak, sk, pget(r, profile, "aws_session_token"), from);
    if (ak || sk)
        return rk_err_set(r->err, RK_EUSAGE, "%s has %s but not %s", from, ak ? "aws_access_key_id" : "aws_secret_access_key",
                          ak ? "aws_secret_access_key" : "aws_access_key_id");
    const char *u = unsupported_source(r, profile);
    if (u)
        return rk_err_set(r->err, RK_EUNSUPPORTED,
                          "%s gets its credentials through %s, which reckon does not support yet; export "
                          "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (e.g. from `aws configure "
                          "export-credentials --format env`) instead",
                          from, u);
    if (depth == 0) {
        *found = false;
        return RK_OK;
    }
    return rk_err_set(r->err, RK_EUSAGE, "%s has no credentials (aws_access_key_id, role_arn) in %s or %s", from,
                      r->cred_path, r->conf_path);
}

/* ---- container and instance credentials (where from; fetched by metadata.c) ---- */

static bool truthy(const char *v) { return v && strcasecmp(v, "true") == 0; }

static rk_status md_int(resolver *r, const char *envname, const char *key, int def, int min, int max, int *out)
{
    const char *v = env(r, envname), *from = envname;
    if (!v && (v = pget(r, r->profile, key))) from = key;
    *out = def;
    if (!v) return RK_OK;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || end == v || n < min || n > max)
        return rk_err_set(r->err, RK_EUSAGE, "%s must be a whole number from %d to %d", from, min, max);
    *out = (int)n;
    return RK_OK;
}

static rk_status set_source(resolver *r, rk_aws_source src, const char *from)
{
    rk_aws_config *c = r->out;
    rk_aws_creds_clear(&c->base);
    free(c->base_from);
    c->source = src;
    c->base_from = rk_strdup(from);
    c->md.searched = rk_strdup(r->cred_path);
    if (!c->base_from || !c->md.searched) return nomem(r);
    return RK_OK;
}

/* The AWS CLI's rule for AWS_CONTAINER_CREDENTIALS_FULL_URI: http or https
 * to a loopback address, the ECS endpoint or an EKS Pod Identity endpoint,
 * named literally (or "localhost"). */
static rk_status check_container_url(resolver *r, const char *url)
{
    static const char *const what = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    CURLU *u = curl_url();
    if (!u) return nomem(r);
    char *scheme = NULL, *host = NULL;
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
    if (uc == CURLUE_OK) uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    if (uc == CURLUE_OK) uc = curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_cleanup(u);
    rk_status st = RK_OK;
    if (uc != CURLUE_OK) {
        st = rk_err_set(r->err, RK_EUSAGE, "%s \"%.200s\" is not a URL (%s); it should look like http://HOST:PORT/PATH",
                        what, url, curl_url_strerror(uc));
    } else if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        st = rk_err_set(r->err, RK_EUSAGE, "%s \"%.200s\" must start with http:// or https://", what, url);
    } else {
        char h[256];
        size_t n = strlen(host);
        if (n >= 2 && host[0] == '[' && host[n - 1] == ']') snprintf(h, sizeof h, "%.*s", (int)(n - 2), host + 1);
        else snprintf(h, sizeof h, "%s", host);
        for (char *p = h; *p; p++) *p = (char)tolower((unsigned char)*p);
        struct in_addr a4;
        struct in6_addr a6, eks6;
        bool ok = strcmp(h, "localhost") == 0;
        if (!ok && inet_pton(AF_INET, h, &a4) == 1) {
            uint32_t ip = ntohl(a4.s_addr);
            ok = (ip >> 24) == 127 || ip == 0xA9FEAA02u /* 169.254.170.2 */ || ip == 0xA9FEAA17u /* .23 */;
        } else if (!ok && inet_pton(AF_INET6, h, &a6) == 1) {
            inet_pton(AF_INET6, "fd00:ec2::23", &eks6);
            ok = IN6_IS_ADDR_LOOPBACK(&a6) || memcmp(&a6, &eks6, sizeof a6) == 0;
        }
        if (!ok)
            st = rk_err_set(r->err, RK_EUSAGE,
                            "%s names the host %.100s, from which reckon (like the AWS CLI) does not take credentials; "
                            "only a loopback address (127.0.0.1, ::1, localhost), 169.254.170.2 (ECS) and "
                            "169.254.170.23 or fd00:ec2::23 (EKS Pod Identity) are allowed",
                            what, h);
    }
    curl_free(scheme);
    curl_free(host);
    return st;
}

/* The container endpoint, when the environment names one. from: NULL when
 * the chain falls back to it. */
static rk_status container_source(resolver *r, const char *from, bool *found)
{
    const char *rel = env(r, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = env(r, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    *found = false;
    if (!rel && !full) return RK_OK;
    rk_aws_metadata *m = &r->out->md;
    char deffrom[200];
    if (rel) {
        if (rel[0] != '/' || strpbrk(rel, " \t\r\n"))
            return rk_err_set(r->err, RK_EUSAGE,
                              "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \"%.200s\" must be a path starting with /", rel);
        m->url = malloc(strlen(rel) + 32);
        if (!m->url) return nomem(r);
        sprintf(m->url, "http://169.254.170.2%s", rel);
    } else {
        RK_TRY(check_container_url(r, full));
        if (!(m->url = rk_strdup(full))) return nomem(r);
    }
    snprintf(deffrom, sizeof deffrom, "the container credentials endpoint (%s)",
             rel ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" : "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    const char *file = env(r, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *tok = file ? NULL : env(r, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (tok && strpbrk(tok, "\r\n"))
        return rk_err_set(r->err, RK_EUSAGE,
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN holds a line break, which an HTTP header cannot carry");
    if (file && !(m->auth_token_file = rk_strdup(file))) return nomem(r);
    if (tok && !(m->auth_token = rk_strdup(tok))) return nomem(r);
    m->timeout_s = 2; /* the AWS CLI's: 2 s, 3 attempts */
    m->attempts = 3;
    m->last_resort = from == NULL;
    *found = true;
    return set_source(r, RK_AWS_SRC_CONTAINER, from ? from : deffrom);
}

/* The instance metadata service, unless AWS_EC2_METADATA_DISABLED. from:
 * NULL when the chain falls back to it. */
static rk_status imds_source(resolver *r, const char *from, bool *found)
{
    *found = false;
    if (truthy(env(r, "AWS_EC2_METADATA_DISABLED"))) return RK_OK;
    rk_aws_metadata *m = &r->out->md;
    const char *ep = env(r, "AWS_EC2_METADATA_SERVICE_ENDPOINT"), *epfrom = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
    if (!ep && (ep = pget(r, r->profile, "ec2_metadata_service_endpoint"))) epfrom = "ec2_metadata_service_endpoint";
    if (!ep) {
        const char *mode = env(r, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"),
                   *modefrom = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";
        if (!mode && (mode = pget(r, r->profile, "ec2_metadata_service_endpoint_mode")))
            modefrom = "ec2_metadata_service_endpoint_mode";
        if (!mode || strcasecmp(mode, "IPv4") == 0) ep = "http://169.254.169.254";
        else if (strcasecmp(mode, "IPv6") == 0) ep = "http://[fd00:ec2::254]";
        else return rk_err_set(r->err, RK_EUSAGE, "%s must be IPv4 or IPv6", modefrom);
    }
    RK_TRY(set_endpoint(r, &m->url, ep, epfrom));
    const char *v1 = env(r, "AWS_EC2_METADATA_V1_DISABLED");
    if (!v1) v1 = pget(r, r->profile, "ec2_metadata_v1_disabled");
    m->v1_disabled = truthy(v1);
    RK_TRY(md_int(r, "AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout", 1, 1, 60, &m->timeout_s));
    RK_TRY(md_int(r, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts", 1, 1, 10, &m->attempts));
    m->last_resort = from == NULL;
    char deffrom[600];
    snprintf(deffrom, sizeof deffrom, "the EC2 instance role (instance metadata at %s)", m->url);
    *found = true;
    return set_source(r, RK_AWS_SRC_IMDS, from ? from : deffrom);
}

rk_status rk_aws_split_endpoint(const char *url, char *scheme, size_t scap, char *hostport, size_t hcap, rk_err *err)
{
    const char *p;
    if (strncmp(url, "https://", 8) == 0) snprintf(scheme, scap, "https"), p = url + 8;
    else if (strncmp(url, "http://", 7) == 0) snprintf(scheme, scap, "http"), p = url + 7;
    else return rk_err_set(err, RK_EUSAGE, "endpoint \"%.200s\" must start with http:// or https://", url);
    size_t n = strcspn(p, "/?#");
    if (n == 0 || n >= hcap) return rk_err_set(err, RK_EUSAGE, "endpoint \"%.200s\" has no host name", url);
    const char *rest = p + n;
    if (*rest && strcmp(rest, "/") != 0)
        return rk_err_set(err, RK_EUSAGE, "endpoint \"%.200s\" has a path; give only scheme, host and port", url);
    if (memchr(p, '@', n)) return rk_err_set(err, RK_EUSAGE, "endpoint \"%.200s\" must not hold a user name", url);
    memcpy(hostport, p, n);
    hostport[n] = 0;
    for (size_t i = 0; i < n; i++) hostport[i] = (char)tolower((unsigned char)hostport[i]);
    return RK_OK;
}

static rk_status set_endpoint(resolver *r, char **dst, const char *url, const char *from)
{
    char scheme[8], hp[512];
    if (rk_aws_split_endpoint(url, scheme, sizeof scheme, hp, sizeof hp, r->err) != RK_OK) {
        rk_err_prefix(r->err, "%s: ", from);
        return RK_EUSAGE;
    }
    char *s = malloc(strlen(scheme) + strlen(hp) + 4);
    if (!s) return nomem(r);
    sprintf(s, "%s://%s", scheme, hp);
    *dst = s;
    return RK_OK;
}

void rk_aws_config_free(rk_aws_config *c)
{
    free(c->region);
    free(c->s3_endpoint);
    free(c->sts_endpoint);
    free(c->ca_bundle);
    rk_aws_creds_clear(&c->base);
    free(c->base_from);
    free(c->md.url);
    rk_secret_free(c->md.auth_token);
    free(c->md.auth_token_file);
    free(c->md.searched);
    for (size_t i = 0; i < c->nroles; i++) {
        free(c->roles[i].arn);
        free(c->roles[i].external_id);
        free(c->roles[i].session_name);
        free(c->roles[i].from);
    }
    free(c->roles);
    memset(c, 0, sizeof *c);
}

static rk_status resolve(resolver *r)
{
    const rk_aws_opts *o = r->o;
    rk_aws_config *c = r->out;
    const char *home = env(r, "HOME");
    const char *cp = env(r, "AWS_SHARED_CREDENTIALS_FILE"), *fp = env(r, "AWS_CONFIG_FILE");
    if (cp) snprintf(r->cred_path, sizeof r->cred_path, "%s", cp);
    else snprintf(r->cred_path, sizeof r->cred_path, "%s/.aws/credentials", home ? home : "");
    if (fp) snprintf(r->conf_path, sizeof r->conf_path, "%s", fp);
    else snprintf(r->conf_path, sizeof r->conf_path, "%s/.aws/config", home ? home : "");
    bool found;
    RK_TRY(rk_ini_load(r->cred_path, &r->cred, &found, r->err));
    RK_TRY(rk_ini_load(r->conf_path, &r->conf, &found, r->err));

    bool explicit_profile = o->profile && *o->profile;
    const char *profile = explicit_profile ? o->profile : env(r, "AWS_PROFILE");
    bool named = profile != NULL;
    if (!profile) profile = "default";
    r->profile = profile;
    if (named && !profile_exists(r, profile))
        return rk_err_set(r->err, RK_EUSAGE, "profile \"%s\" (from %s) is not in %s or %s", profile,
                          explicit_profile ? "--profile" : "AWS_PROFILE", r->cred_path, r->conf_path);

    /* credentials: the environment first, unless a profile was asked for;
     * then the profile; then the container endpoint; then the instance role */
    bool have = false, in_files = profile_exists(r, profile);
    if (!explicit_profile) RK_TRY(env_keys(r, &have));
    if (!have && in_files) {
        const char *visited[MAX_ROLE_CHAIN + 2];
        RK_TRY(profile_creds(r, profile, visited, 0, &have));
    }
    if (!have) RK_TRY(container_source(r, NULL, &have));
    if (!have) RK_TRY(imds_source(r, NULL, &have));
    if (!have) {
        if (in_files)
            return rk_err_set(r->err, RK_EUSAGE,
                              "profile \"%s\" has no credentials (aws_access_key_id, role_arn) in %s or %s, and "
                              "there is no container endpoint or instance role to fall back on "
                              "(AWS_EC2_METADATA_DISABLED=true)",
                              profile, r->cred_path, r->conf_path);
        return rk_err_set(r->err, RK_EUSAGE,
                          "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, give "
                          "--profile NAME of %s (`aws configure` writes one), or run reckon on EC2 with an instance "
                          "role (the instance metadata service is off: AWS_EC2_METADATA_DISABLED=true)",
                          r->cred_path);
    }
    if (o->role_arn && *o->role_arn)
        RK_TRY(add_role(r, o->role_arn, o->external_id && *o->external_id ? o->external_id : NULL, o->session_name,
                        NULL, o->role_from && *o->role_from ? o->role_from : "--role-arn"));
    else if (o->external_id && *o->external_id)
        return rk_err_set(r->err, RK_EUSAGE, "--external-id goes with --role-arn; give the role to assume");

    const char *region = o->region && *o->region ? o->region : NULL;
    if (!region) region = env(r, "AWS_REGION");
    if (!region) region = env(r, "AWS_DEFAULT_REGION");
    if (!region) region = pget(r, profile, "region");
    if (!region) region = "us-east-1";
    if (!valid_chars(region, "-", 1, 40))
        return rk_err_set(r->err, RK_EUSAGE, "region \"%.60s\" is not a region name such as us-east-1", region);
    if (!(c->region = rk_strdup(region))) return nomem(r);
    for (char *p = c->region; *p; p++) *p = (char)tolower((unsigned char)*p);

    const char *ign = env(r, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    bool use_conf = !(ign && strcasecmp(ign, "true") == 0);
    const char *s3 = o->endpoint_url && *o->endpoint_url ? o->endpoint_url : NULL, *s3from = "--endpoint-url";
    if (!s3 && use_conf && (s3 = env(r, "AWS_ENDPOINT_URL_S3"))) s3from = "AWS_ENDPOINT_URL_S3";
    if (!s3 && use_conf && (s3 = env(r, "AWS_ENDPOINT_URL"))) s3from = "AWS_ENDPOINT_URL";
    if (!s3 && use_conf && (s3 = pget(r, profile, "endpoint_url"))) s3from = "the profile's endpoint_url";
    if (s3) RK_TRY(set_endpoint(r, &c->s3_endpoint, s3, s3from));
    const char *sts = NULL, *stsfrom = "";
    if (use_conf && (sts = env(r, "AWS_ENDPOINT_URL_STS"))) stsfrom = "AWS_ENDPOINT_URL_STS";
    if (!sts && use_conf && (sts = env(r, "AWS_ENDPOINT_URL"))) stsfrom = "AWS_ENDPOINT_URL";
    if (!sts && use_conf && (sts = pget(r, profile, "endpoint_url"))) stsfrom = "the profile's endpoint_url";
    if (sts) RK_TRY(set_endpoint(r, &c->sts_endpoint, sts, stsfrom));

    const char *style = pget(r, profile, "s3.addressing_style");
    c->addressing = !style || strcmp(style, "auto") == 0 ? 0 : strcmp(style, "path") == 0 ? 1
                                                           : strcmp(style, "virtual") == 0 ? 2
                                                                                           : -1;
    if (c->addressing < 0)
        return rk_err_set(r->err, RK_EUSAGE, "profile \"%s\": s3 addressing_style must be auto, path or virtual",
                          profile);
    const char *ca = env(r, "AWS_CA_BUNDLE");
    if (!ca) ca = pget(r, profile, "ca_bundle");
    if (ca && !(c->ca_bundle = rk_strdup(ca))) return nomem(r);
    return RK_OK;
}

rk_status rk_aws_config_resolve(const rk_aws_opts *o, rk_getenv_fn getenv_fn, void *env_ctx, rk_aws_config *out,
                                rk_err *err)
{
    static const rk_aws_opts none = {0};
    memset(out, 0, sizeof *out);
    resolver r;
    memset(&r, 0, sizeof r);
    r.o = o ? o : &none;
    r.env = getenv_fn ? getenv_fn : proc_env;
    r.env_ctx = env_ctx;
    r.out = out;
    r.err = err;
    rk_status st = resolve(&r);
    rk_ini_free(&r.cred);
    rk_ini_free(&r.conf);
    if (st != RK_OK) rk_aws_config_free(out);
    return st;
}
