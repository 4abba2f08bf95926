/* zip.h — streaming reader for .zip archives (PKWARE APPNOTE), member by member.
 *
 * CUR's ".csv.zip" parts are read front to back from the local file headers,
 * without the central directory, so a part can be decoded as it arrives.
 * Supported: stored and deflated members, data descriptors after deflated
 * members, ZIP64 sizes. Each member's CRC-32 and size are checked when it
 * ends. Encrypted members and other methods are refused with their name.
 *
 * rk_unzip_open takes ownership of the upstream. rk_unzip_next yields the
 * next member as a stream (borrowed: valid until the next rk_unzip_next or
 * rk_unzip_close); the member must be read to its end before asking for the
 * next one.
 */
#ifndef RK_ZIP_H
#define RK_ZIP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/stream.h"

typedef struct rk_unzip rk_unzip;

typedef struct rk_zip_member {
    char name[512];
    uint16_t method;
    uint64_t csize, usize; /* from the header; 0 when deferred to a data descriptor */
    bool is_dir;
} rk_zip_member;

rk_status rk_unzip_open(rk_in *upstream, rk_unzip **out, rk_err *err);
/* RK_OK with *member set; RK_ENOTFOUND when there are no more members. */
rk_status rk_unzip_next(rk_unzip *z, rk_zip_member *info, rk_in **member, rk_err *err);
void rk_unzip_close(rk_unzip *z);

static inline bool rk_is_zip_magic(const uint8_t *p, size_t n)
{
    return n >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4;
}

#endif
