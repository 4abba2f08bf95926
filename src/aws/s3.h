/* s3.h — the S3 calls reckon needs: ListObjectsV2, GetObject (streamed,
 * resumed), ranged GetObject, HeadObject, GetBucketLocation.
 *
 * Addressing: virtual-hosted on AWS (https://BUCKET.s3.REGION.amazonaws.com;
 * path style for bucket names with dots, which TLS cannot cover), path
 * style on a custom endpoint (https://HOST/BUCKET/KEY). Keys are sent
 * RFC 3986-encoded, so spaces, '=', '+' and any UTF-8 round-trip. A bucket
 * that answers from another region (301, or a region-named error) is
 * followed there once and remembered.
 *
 * Objects are checked against what the listing said: every GET carries
 * If-Match with the listed ETag and its answer must show the listed size;
 * an object rewritten since the listing fails with RK_ECHANGED. A GetObject
 * stream that breaks, stalls or gets a 5xx goes on with Range from the next
 * byte (If-Match keeps it to the same object), within the retry budget of
 * aws.h; a ranged read does the same for its range.
 *
 * Thread-safe: one rk_s3 serves every thread; each call or stream uses its
 * own connection.
 */
#ifndef RK_AWS_S3_H
#define RK_AWS_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws.h"
#include "aws/xml.h"
#include "common/stream.h"

typedef struct rk_s3 rk_s3;

/* The session must outlive the handle. Checks the bucket name's form. */
rk_status rk_s3_open(rk_aws *a, const char *bucket, rk_s3 **out, rk_err *err);
void rk_s3_close(rk_s3 *s);
const char *rk_s3_bucket(const rk_s3 *s);

/* Called once per object (keys as stored, decoded) or common prefix. Set
 * *stop to end the listing early. The object is borrowed for the call. */
typedef rk_status (*rk_s3_obj_fn)(void *ctx, const rk_s3_obj *o, bool *stop, rk_err *err);
typedef rk_status (*rk_s3_prefix_fn)(void *ctx, const char *prefix, bool *stop, rk_err *err);

typedef struct rk_s3_list_opts {
    const char *prefix;    /* NULL or "" for the whole bucket */
    const char *delimiter; /* e.g. "/" to get folders as prefixes */
    int max_keys;          /* per page; 0: 1000 */
    rk_s3_obj_fn on_obj;
    rk_s3_prefix_fn on_prefix;
    void *ctx;
} rk_s3_list_opts;

/* Every page, following continuation tokens. */
rk_status rk_s3_list(rk_s3 *s, const rk_s3_list_opts *o, rk_err *err);

/* What the listing said of an object; a GET must find the same. */
typedef struct rk_s3_expect {
    bool known;
    uint64_t size;
    const char *etag; /* without quotes; NULL: unknown */
} rk_s3_expect;

/* HeadObject: size, ETag (no quotes, caller frees), Last-Modified (whole
 * seconds). out->key is left NULL. RK_ENOTFOUND when it does not exist. */
rk_status rk_s3_head(rk_s3 *s, const char *key, rk_s3_obj *out, rk_err *err);

/* Reads exactly len bytes at off. RK_EBADDATA if the object ends first. */
rk_status rk_s3_read_range(rk_s3 *s, const char *key, const rk_s3_expect *e, uint64_t off, void *buf, size_t len,
                           rk_err *err);

/* The object from byte off to its end as a pull stream (caller closes). */
rk_status rk_s3_get(rk_s3 *s, const char *key, const rk_s3_expect *e, uint64_t off, rk_in **out, rk_err *err);

/* GetBucketLocation: the bucket's region ("us-east-1" for an empty answer). */
rk_status rk_s3_location(rk_s3 *s, char *region, size_t cap, rk_err *err);

/* Checks S3's bucket naming rules (3-63 lower-case letters, digits, dots
 * and hyphens, starting and ending with a letter or digit, not an IP
 * address, no "..", no "xn--" prefix or "-s3alias" suffix). */
rk_status rk_s3_check_bucket_name(const char *bucket, rk_err *err);

/* The URL an object is fetched from (for messages and tests): the caller
 * frees it. */
char *rk_s3_object_url(rk_s3 *s, const char *key);

#endif
