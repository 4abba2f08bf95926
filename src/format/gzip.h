/* gzip.h — streaming gzip decoder (RFC 1952), multi-member.
 *
 * rk_gunzip_open wraps an upstream stream and takes ownership of it. Every
 * member's CRC-32 and length are checked; concatenated members are decoded
 * one after another, as gzip(1) does. A stream that ends inside a member is
 * "truncated"; bytes after the last member that are not another member are
 * an error. Inflate runs on ISA-L when reckon was built with it (about 2.5x
 * zlib's speed here) and on zlib otherwise; both are always testable.
 */
#ifndef RK_GZIP_H
#define RK_GZIP_H

#include <stdbool.h>

#include "common/stream.h"

typedef enum { RK_INFLATE_AUTO = 0, RK_INFLATE_ZLIB, RK_INFLATE_ISAL } rk_inflate_impl;

rk_status rk_gunzip_open(rk_in *upstream, rk_inflate_impl impl, rk_in **out, rk_err *err);
bool rk_inflate_have_isal(void);

/* True when the bytes start like a gzip member. */
static inline bool rk_is_gzip_magic(const uint8_t *p, size_t n)
{
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

#endif
