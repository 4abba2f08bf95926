/* xml.h — the XML answers of S3 and STS, parsed with expat.
 *
 * One small walker (rk_xml_walk) hands each element's path and text to a
 * callback; the parsers below build on it and check what they read: sizes
 * are digits, times parse, a truncated listing names its next token. A
 * document with a DOCTYPE is refused (S3 and STS never send one, and that
 * shuts out entity tricks); depth and text are capped.
 *
 * Ownership: every parse function fills a caller-owned struct whose
 * allocations the matching *_free releases (also after a failure).
 * Secrets (STS credentials) are wiped when freed.
 */
#ifndef RK_AWS_XML_H
#define RK_AWS_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define RK_XML_MAX_DEPTH 16
#define RK_XML_MAX_TEXT ((size_t)1 << 20)

/* Called at the end of every element: path is "A/B/C" (local names, any
 * namespace prefix dropped), text the element's own character data. Return
 * anything but RK_OK to stop. */
typedef rk_status (*rk_xml_fn)(void *ctx, const char *path, const char *text, size_t len, rk_err *err);

rk_status rk_xml_walk(const char *data, size_t len, rk_xml_fn fn, void *ctx, rk_err *err);

/* ---- S3 ListObjectsV2 ---- */

typedef struct rk_s3_obj {
    char *key;
    uint64_t size;
    int64_t mtime_ms; /* LastModified, or -1 */
    char *etag;       /* without its quotes; may be NULL */
} rk_s3_obj;

typedef struct rk_s3_page {
    rk_s3_obj *objs;
    size_t n, cap;
    char **prefixes; /* CommonPrefixes, with a delimiter */
    size_t nprefixes, pcap;
    bool truncated;
    char *next_token;
    bool url_encoded; /* EncodingType=url: keys and prefixes were decoded */
} rk_s3_page;

#define RK_S3_PAGE_MAX_KEYS 100000

/* Parses one page. With EncodingType=url in the answer, keys and prefixes
 * are percent-decoded ('+' is a space, as S3 encodes them). */
rk_status rk_s3_parse_list(const char *data, size_t len, rk_s3_page *out, rk_err *err);
void rk_s3_page_free(rk_s3_page *p);
void rk_s3_obj_clear(rk_s3_obj *o);

/* GetBucketLocation: "" becomes us-east-1 and "EU" eu-west-1, as S3 means. */
rk_status rk_s3_parse_location(const char *data, size_t len, char *region, size_t cap, rk_err *err);

/* ---- errors (S3 <Error>, STS <ErrorResponse><Error>) ---- */

typedef struct rk_aws_error {
    char code[64];
    char message[512];
    char request_id[128];
    char region[64]; /* S3 names the bucket's region in some errors */
} rk_aws_error;

/* Fills what it finds; RK_EBADDATA when the body is not such an error. */
rk_status rk_aws_parse_error(const char *data, size_t len, rk_aws_error *out);

/* ---- STS ---- */

typedef struct rk_sts_creds {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
    int64_t expires_ms;
    char *arn; /* AssumedRoleUser/Arn */
} rk_sts_creds;

rk_status rk_sts_parse_assume_role(const char *data, size_t len, rk_sts_creds *out, rk_err *err);
void rk_sts_creds_free(rk_sts_creds *c);

typedef struct rk_aws_identity {
    char account[32];
    char arn[512];
    char user_id[256];
} rk_aws_identity;

rk_status rk_sts_parse_identity(const char *data, size_t len, rk_aws_identity *out, rk_err *err);

/* Frees s after overwriting its bytes (secrets). NULL-safe. */
void rk_secret_free(char *s);

#endif
