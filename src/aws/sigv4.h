/* sigv4.h — AWS Signature Version 4 (header form), built by reckon itself.
 *
 * libcurl 7.88 can sign, but it neither sorts nor encodes the query string
 * and never sends x-amz-content-sha256, which S3 requires; so reckon builds
 * the canonical request, the string to sign and the Authorization header
 * here, and the HTTP layer sends exactly the headers that were signed.
 *
 * Checked against AWS's own test vectors (tests/sigv4/, run by
 * unit/test_sigv4). Pure functions: no clock, no I/O, no globals; the caller
 * gives the time. Nothing here keeps or prints a secret.
 */
#ifndef RK_AWS_SIGV4_H
#define RK_AWS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

/* A name and a value: query parameters (raw, not yet encoded) and headers. */
typedef struct rk_kv {
    const char *name;
    const char *value;
} rk_kv;

/* The credentials a request is signed with (borrowed). */
typedef struct rk_sigv4_key {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL or "" for long-term keys */
} rk_sigv4_key;

typedef struct rk_sigv4_req {
    const char *method;
    /* The path as it goes on the wire. S3: already encoded by
     * rk_uri_encode(keep_slash) and signed as is. */
    const char *path;
    const rk_kv *query; /* raw names and values; encoded and sorted here */
    size_t nquery;
    const rk_kv *headers; /* every header to sign, Host included; any case */
    size_t nheaders;
    const void *body;
    size_t body_len;
    const char *payload_hash; /* hex SHA-256 or "UNSIGNED-PAYLOAD"; NULL = hash of body */
} rk_sigv4_req;

typedef struct rk_sigv4_params {
    const char *region;
    const char *service;
    int64_t time; /* seconds since 1970, UTC */
    /* Services other than S3 encode the path once more and remove dot
     * segments and repeated slashes; S3 does neither (its keys may hold
     * "//" and ".."). */
    bool encode_path;
    bool normalize_path;
    bool content_sha256; /* send and sign x-amz-content-sha256 (S3) */
    bool token_unsigned; /* add the session token after signing (a few old services) */
} rk_sigv4_params;

/* What to add to the request. The canonical request and string to sign are
 * kept for tests and for error messages that compare with a server's. */
typedef struct rk_sigv4_out {
    char amz_date[17];     /* x-amz-date: 20150830T123600Z */
    char payload_hash[65]; /* x-amz-content-sha256 when params.content_sha256 */
    char signature[65];
    rk_buf authorization;  /* the Authorization header's value */
    rk_buf canonical;      /* canonical request */
    rk_buf string_to_sign;
} rk_sigv4_out;

void rk_sigv4_out_init(rk_sigv4_out *o);
void rk_sigv4_out_free(rk_sigv4_out *o);

/* Signs r. The caller sends r's headers plus x-amz-date, x-amz-content-sha256
 * (when asked), x-amz-security-token (when the key has one) and
 * Authorization. */
rk_status rk_sigv4_sign(const rk_sigv4_req *r, const rk_sigv4_key *k, const rk_sigv4_params *p, rk_sigv4_out *out,
                        rk_err *err);

/* Appends s percent-encoded as RFC 3986 asks (everything but A-Z a-z 0-9
 * - . _ ~ becomes %XX, upper-case hex); '/' is kept when keep_slash. */
rk_status rk_uri_encode(rk_buf *out, const char *s, size_t n, bool keep_slash);

/* Appends the canonical query string of q: names and values encoded, pairs
 * sorted by name then value, joined with '&'. The same text is sent on the
 * wire, so what is signed is what the server reads. */
rk_status rk_sigv4_query(rk_buf *out, const rk_kv *q, size_t n);

/* Percent-decodes s into out (and '+' into a space when plus_space, as S3's
 * encoding-type=url listings need). Refuses malformed escapes. */
rk_status rk_uri_decode(rk_buf *out, const char *s, size_t n, bool plus_space);

/* Lower-case hex SHA-256 of data; out needs 65 bytes. */
void rk_sha256_hex(const void *data, size_t n, char out[65]);

#endif
