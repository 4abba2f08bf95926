/* aws.h — an AWS session: where to send requests, with which credentials,
 * and how hard to retry. The S3 client (aws/s3.h) and STS calls use it;
 * `reckon ingest s3://…`, and later `connect` and `sync`, open one.
 *
 * Resolution follows the AWS CLI:
 *   credentials  AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
 *                (ignored when --profile is given), else the profile
 *                (--profile, AWS_PROFILE, "default"): role_arn with
 *                source_profile or credential_source = Environment (assumed
 *                through STS with external_id, role_session_name,
 *                duration_seconds; chains of roles too), else its
 *                aws_access_key_id / aws_secret_access_key / aws_session_token
 *                in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials), then in
 *                AWS_CONFIG_FILE (~/.aws/config, "[profile NAME]"); else
 *                (nothing in the environment, the profile missing or without
 *                keys) the container endpoint: AWS_CONTAINER_CREDENTIALS_-
 *                RELATIVE_URI (http://169.254.170.2$URI, ECS task roles) or
 *                _FULL_URI (EKS Pod Identity; only loopback, 169.254.170.2,
 *                169.254.170.23 and fd00:ec2::23), with the Authorization
 *                header from the file AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
 *                (read at each fetch) or AWS_CONTAINER_AUTHORIZATION_TOKEN;
 *                else the EC2 instance role from the instance metadata
 *                service (IMDSv2: a session token from PUT /latest/api/token,
 *                then GET .../iam/security-credentials/ROLE; IMDSv1 only if
 *                the token call is refused and AWS_EC2_METADATA_V1_DISABLED
 *                is not set) at AWS_EC2_METADATA_SERVICE_ENDPOINT or the
 *                profile's ec2_metadata_service_endpoint (default
 *                http://169.254.169.254, http://[fd00:ec2::254] with endpoint
 *                mode IPv6), unless AWS_EC2_METADATA_DISABLED=true; it waits
 *                AWS_METADATA_SERVICE_TIMEOUT s (default 1) per connection
 *                and silence, AWS_METADATA_SERVICE_NUM_ATTEMPTS times
 *                (default 1), so off EC2 it fails within seconds with "no AWS
 *                credentials found". A profile's role can also start from
 *                credential_source = EcsContainer or Ec2InstanceMetadata.
 *                Then --role-arn (with --external-id) is assumed on top.
 *   region       --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's
 *                region, else us-east-1.
 *   S3 endpoint  --endpoint-url, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the
 *                profile's endpoint_url, else AWS (virtual-hosted style:
 *                https://BUCKET.s3.REGION.amazonaws.com). A custom endpoint
 *                uses path style (S3-compatible stores), unless the profile
 *                says s3 addressing_style = virtual.
 *   STS endpoint AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile's
 *                endpoint_url, else https://sts.REGION.amazonaws.com.
 *   TLS          AWS_CA_BUNDLE or the profile's ca_bundle, else the system's.
 *
 * Temporary credentials (from AssumeRole, the container endpoint, the
 * instance metadata service) are renewed before they expire,
 * by one thread while the others go on with the still-valid ones, so a
 * long sync never signs with expired credentials.
 *
 * Tuning (environment, for tests and slow links): RECKON_AWS_MAX_ATTEMPTS
 * (default 8), RECKON_AWS_RETRY_SECONDS (total time retrying one request,
 * default 120), RECKON_AWS_BACKOFF_MS (first backoff cap, default 200),
 * RECKON_AWS_STALL_SECONDS (no byte for this long = stalled, default 30),
 * RECKON_AWS_REFRESH_SECONDS (renew credentials this long before they
 * expire, default 300).
 *
 * Secrets (secret keys, session tokens, the container authorization token,
 * the IMDS session token) never appear in an error message.
 */
#ifndef RK_AWS_H
#define RK_AWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/xml.h"
#include "common/err.h"

typedef struct rk_aws_opts {
    const char *profile;      /* --profile */
    const char *region;       /* --region */
    const char *endpoint_url; /* --endpoint-url (S3) */
    const char *role_arn;     /* --role-arn: assumed on top of the chain */
    const char *external_id;  /* --external-id */
    const char *session_name; /* default "reckon-<unix time>" */
    int duration_s;           /* AssumeRole DurationSeconds; default 3600 */
    const char *role_from;    /* where role_arn came from, for messages; default "--role-arn" */
} rk_aws_opts;

/* ---- what the chain resolved to (pure: no network) ---- */

typedef struct rk_aws_creds {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL for long-term keys */
    int64_t expires_ms;  /* 0: does not expire */
} rk_aws_creds;

void rk_aws_creds_clear(rk_aws_creds *c);
rk_status rk_aws_creds_copy(rk_aws_creds *dst, const rk_aws_creds *src);

typedef struct rk_aws_role {
    char *arn;
    char *external_id; /* NULL: none */
    char *session_name;
    int duration_s;
    char *from; /* "profile dev", "--role-arn" */
} rk_aws_role;

/* Where the chain's first credentials come from. */
typedef enum rk_aws_source {
    RK_AWS_SRC_KEYS = 0,  /* `base`: keys from the environment or a profile */
    RK_AWS_SRC_CONTAINER, /* the container endpoint (ECS task role, EKS Pod Identity) */
    RK_AWS_SRC_IMDS       /* the EC2 instance role, from the instance metadata service */
} rk_aws_source;

typedef struct rk_aws_metadata {
    char *url;             /* container: the URL to GET; IMDS: the endpoint, scheme://host[:port] */
    char *auth_token;      /* container: AWS_CONTAINER_AUTHORIZATION_TOKEN (a secret), or NULL */
    char *auth_token_file; /* container: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, or NULL */
    char *searched;        /* what the chain looked at before (for "no AWS credentials found") */
    bool v1_disabled;      /* IMDS: no IMDSv1 when the token call is refused */
    bool last_resort;      /* the chain found nothing else: a failure means "no AWS credentials found" */
    int timeout_s;         /* per connection, and per silence of the peer */
    int attempts;          /* per request */
} rk_aws_metadata;

typedef struct rk_aws_config {
    char *region;
    char *s3_endpoint;  /* NULL: AWS */
    char *sts_endpoint; /* NULL: AWS */
    int addressing;     /* 0 auto, 1 path, 2 virtual */
    char *ca_bundle;
    rk_aws_source source;
    rk_aws_creds base;  /* RK_AWS_SRC_KEYS: the long-term or session credentials the chain starts from */
    rk_aws_metadata md; /* RK_AWS_SRC_CONTAINER / IMDS: where to fetch them (at each renewal) */
    char *base_from;    /* where they came from, for messages */
    rk_aws_role *roles; /* assumed in order, each with the previous credentials */
    size_t nroles;
} rk_aws_config;

typedef const char *(*rk_getenv_fn)(void *ctx, const char *name);

/* Resolves options, environment (through getenv_fn) and the shared files.
 * getenv_fn NULL means the process environment. No network: container and
 * instance credentials are fetched later, by the session. */
rk_status rk_aws_config_resolve(const rk_aws_opts *o, rk_getenv_fn getenv_fn, void *env_ctx, rk_aws_config *out,
                                rk_err *err);
void rk_aws_config_free(rk_aws_config *c);

/* Checks the form arn:PARTITION:iam::ACCOUNT:role/NAME (for `connect`). */
rk_status rk_aws_check_role_arn(const char *arn, rk_err *err);

/* ---- renewing credentials ---- */

/* A cache of credentials that renews them `margin_ms` before they expire.
 * Thread-safe: one caller fetches; while it does, the others keep using
 * the current credentials if they are still valid, or wait. */
typedef rk_status (*rk_aws_fetch_fn)(void *ctx, rk_aws_creds *out, rk_err *err);
typedef int64_t (*rk_clock_fn)(void *ctx); /* milliseconds since 1970 */

typedef struct rk_aws_cache rk_aws_cache;
rk_status rk_aws_cache_new(rk_aws_fetch_fn fetch, void *ctx, int64_t margin_ms, rk_clock_fn clock, void *clock_ctx,
                           rk_aws_cache **out, rk_err *err);
/* A copy of valid credentials; the caller clears it. */
rk_status rk_aws_cache_get(rk_aws_cache *c, rk_aws_creds *out, rk_err *err);
/* Forgets the current credentials (the server said they expired). */
void rk_aws_cache_invalidate(rk_aws_cache *c);
/* How many times fetch ran. */
unsigned rk_aws_cache_fetches(rk_aws_cache *c);
void rk_aws_cache_free(rk_aws_cache *c);

/* ---- the session ---- */

typedef struct rk_aws rk_aws;

typedef struct rk_aws_stats {
    uint64_t requests;    /* HTTP exchanges started */
    uint64_t retries;     /* of which were retries */
    uint64_t resumes;     /* GETs resumed at an offset after a broken transfer */
    uint64_t bytes;       /* response body bytes */
    uint64_t assume_role; /* STS AssumeRole calls */
} rk_aws_stats;

rk_status rk_aws_open(const rk_aws_opts *o, rk_aws **out, rk_err *err);
void rk_aws_close(rk_aws *a);
const char *rk_aws_region(const rk_aws *a);
const rk_aws_config *rk_aws_cfg(const rk_aws *a);
rk_aws_stats rk_aws_get_stats(rk_aws *a);

/* Gets credentials now (assuming roles): a clear error early, before any
 * S3 request. A custom endpoint whose host does not exist (a typo) is
 * reported here too, rather than after the whole retry budget. */
rk_status rk_aws_check_credentials(rk_aws *a, rk_err *err);

/* STS GetCallerIdentity with the session's credentials (who reckon runs as:
 * the default trust principal of `reckon connect template`). */
rk_status rk_aws_caller_identity(rk_aws *a, rk_aws_identity *out, rk_err *err);

#endif
