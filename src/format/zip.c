#include "format/zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define ZBUF (256 * 1024)

enum {
    SIG_LOCAL = 0x04034b50,
    SIG_CENTRAL = 0x02014b50,
    SIG_END = 0x06054b50,
    SIG_DESC = 0x08074b50,
    SIG_END64 = 0x06064b50
};

typedef struct member_in {
    rk_in base;
    rk_unzip *z;
} member_in;

struct rk_unzip {
    rk_in *up;
    uint8_t *buf;
    size_t len, pos;
    bool eof;
    uint64_t offset; /* archive offset of buf[pos] */
    member_in member;
    rk_zip_member cur;
    bool cur_open, cur_done, descriptor;
    uint32_t expect_crc;
    uint64_t produced, consumed;
    uint32_t crc;
    z_stream zs;
    bool zs_init;
    unsigned index;
};

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

/* Makes at least `need` bytes available at buf[pos]; fewer only at end of input. */
static rk_status want(rk_unzip *z, size_t need, rk_err *err)
{
    if (z->len - z->pos >= need) return RK_OK;
    if (z->pos) {
        memmove(z->buf, z->buf + z->pos, z->len - z->pos);
        z->len -= z->pos;
        z->pos = 0;
    }
    while (z->len < need && !z->eof) {
        size_t got = 0;
        RK_TRY(rk_in_read(z->up, z->buf + z->len, ZBUF - z->len, &got, err));
        if (got == 0) z->eof = true;
        z->len += got;
    }
    return RK_OK;
}

static void take(rk_unzip *z, size_t n)
{
    z->pos += n;
    z->offset += n;
}

static rk_status bad(rk_unzip *z, rk_err *err, const char *what)
{
    return rk_err_set(err, RK_EBADDATA, "zip archive: %s (member %u \"%s\", archive offset %llu)",
                      what, z->index, z->cur.name, (unsigned long long)z->offset);
}

static rk_status finish_member(rk_unzip *z, rk_err *err)
{
    uint32_t want_crc = z->expect_crc;
    uint64_t want_cs = z->cur.csize, want_us = z->cur.usize;
    if (z->descriptor) {
        RK_TRY(want(z, 24, err));
        size_t avail = z->len - z->pos;
        const uint8_t *p = z->buf + z->pos;
        size_t skip = (avail >= 4 && le32(p) == SIG_DESC) ? 4 : 0;
        if (avail < skip + 12) return bad(z, err, "data descriptor is truncated");
        want_crc = le32(p + skip);
        want_cs = le32(p + skip + 4);
        want_us = le32(p + skip + 8);
        size_t dlen = skip + 12;
        /* ZIP64 descriptors carry 8-byte sizes; the 4-byte reading of one
         * does not match what was decoded. */
        if ((want_cs != (z->consumed & 0xffffffffu) || want_us != (z->produced & 0xffffffffu)) &&
            avail >= skip + 20) {
            want_cs = le64(p + skip + 4);
            want_us = le64(p + skip + 12);
            dlen = skip + 20;
        }
        take(z, dlen);
    }
    if (z->crc != want_crc) return bad(z, err, "CRC-32 mismatch: the member is corrupt");
    if (z->cur.method == 8 && want_cs != z->consumed)
        return bad(z, err, "compressed size does not match the header");
    if (want_us != z->produced) return bad(z, err, "uncompressed size does not match the header");
    z->cur_done = true;
    return RK_OK;
}

static rk_status member_read(rk_in *self, uint8_t *out, size_t cap, size_t *got, rk_err *err)
{
    rk_unzip *z = ((member_in *)self)->z;
    *got = 0;
    if (z->cur_done || cap == 0) return RK_OK;
    if (z->cur.method == 0) {
        uint64_t left = z->cur.csize - z->consumed;
        if (left == 0) return finish_member(z, err);
        RK_TRY(want(z, 1, err));
        size_t avail = z->len - z->pos;
        if (avail == 0) return bad(z, err, "archive is truncated inside a stored member");
        size_t n = avail < cap ? avail : cap;
        if (n > left) n = (size_t)left;
        memcpy(out, z->buf + z->pos, n);
        take(z, n);
        z->consumed += n;
        z->produced += n;
        z->crc = (uint32_t)crc32(z->crc, out, (uInt)n);
        *got = n;
        if (z->consumed == z->cur.csize) RK_TRY(finish_member(z, err));
        return RK_OK;
    }
    while (*got == 0 && !z->cur_done) {
        RK_TRY(want(z, 1, err));
        size_t avail = z->len - z->pos;
        if (avail == 0) return bad(z, err, "archive is truncated inside a deflated member");
        /* Without a data descriptor the header says where the member ends. */
        if (!z->descriptor && avail > z->cur.csize - z->consumed)
            avail = (size_t)(z->cur.csize - z->consumed);
        z->zs.next_in = z->buf + z->pos;
        z->zs.avail_in = (uInt)avail;
        z->zs.next_out = out;
        z->zs.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
        int rc = inflate(&z->zs, Z_NO_FLUSH);
        size_t used = avail - z->zs.avail_in;
        size_t made = cap - z->zs.avail_out;
        take(z, used);
        z->consumed += used;
        z->produced += made;
        z->crc = (uint32_t)crc32(z->crc, out, (uInt)made);
        *got = made;
        if (rc == Z_STREAM_END) {
            RK_TRY(finish_member(z, err));
        } else if (rc == Z_BUF_ERROR || (rc == Z_OK && used == 0 && made == 0)) {
            if (!z->descriptor && z->consumed == z->cur.csize)
                return bad(z, err, "deflate data ends before the member does");
            if (z->eof && z->pos == z->len)
                return bad(z, err, "archive is truncated inside a deflated member");
        } else if (rc != Z_OK) {
            return bad(z, err, "corrupt deflate data");
        }
    }
    return RK_OK;
}

static void member_close(rk_in *self) { (void)self; /* owned by the rk_unzip */ }

rk_status rk_unzip_open(rk_in *upstream, rk_unzip **out, rk_err *err)
{
    rk_unzip *z = calloc(1, sizeof *z);
    if (!z || !(z->buf = malloc(ZBUF))) {
        if (z) free(z);
        rk_in_close(upstream);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    z->up = upstream;
    z->member.base.read = member_read;
    z->member.base.close = member_close;
    z->member.z = z;
    if (inflateInit2(&z->zs, -MAX_WBITS) != Z_OK) {
        rk_unzip_close(z);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    z->zs_init = true;
    rk_status st = want(z, 4, err);
    if (st != RK_OK) {
        rk_unzip_close(z);
        return st;
    }
    if (!rk_is_zip_magic(z->buf, z->len)) {
        rk_unzip_close(z);
        return rk_err_set(err, RK_EBADDATA,
                          "not a zip archive (it does not start with a local file header)");
    }
    *out = z;
    return RK_OK;
}

static const char *method_name(unsigned m)
{
    switch (m) {
    case 9: return "Deflate64";
    case 12: return "bzip2";
    case 14: return "LZMA";
    case 93: return "Zstandard";
    case 95: return "XZ";
    case 98: return "PPMd";
    case 99: return "AES encryption";
    default: return "an unknown method";
    }
}

rk_status rk_unzip_next(rk_unzip *z, rk_zip_member *info, rk_in **member, rk_err *err)
{
    /* Drain a member the caller did not finish. */
    if (z->cur_open && !z->cur_done) {
        uint8_t tmp[16384];
        size_t got;
        do {
            RK_TRY(member_read(&z->member.base, tmp, sizeof tmp, &got, err));
        } while (got || !z->cur_done);
    }
    z->cur_open = false;
    RK_TRY(want(z, 30, err));
    size_t avail = z->len - z->pos;
    const uint8_t *p = z->buf + z->pos;
    if (avail < 4)
        return rk_err_set(err, RK_EBADDATA,
                          "zip archive is truncated at offset %llu (no central directory); fetch "
                          "the file again",
                          (unsigned long long)z->offset);
    uint32_t sig = le32(p);
    if (sig == SIG_CENTRAL || sig == SIG_END || sig == SIG_END64) return RK_ENOTFOUND;
    if (sig != SIG_LOCAL) return bad(z, err, "expected a local file header");
    if (avail < 30) return bad(z, err, "local file header is truncated");
    memset(&z->cur, 0, sizeof z->cur);
    uint16_t flags = le16(p + 6);
    z->cur.method = le16(p + 8);
    z->expect_crc = le32(p + 14);
    z->cur.csize = le32(p + 18);
    z->cur.usize = le32(p + 22);
    size_t nlen = le16(p + 26), xlen = le16(p + 28);
    RK_TRY(want(z, 30 + nlen + xlen, err));
    p = z->buf + z->pos;
    if (z->len - z->pos < 30 + nlen + xlen) return bad(z, err, "local file header is truncated");
    size_t copy = nlen < sizeof z->cur.name - 1 ? nlen : sizeof z->cur.name - 1;
    memcpy(z->cur.name, p + 30, copy);
    z->cur.name[copy] = 0;
    for (size_t i = 0; i < copy; i++)
        if (z->cur.name[i] == 0) z->cur.name[i] = '?';
    z->cur.is_dir = nlen > 0 && p[30 + nlen - 1] == '/';
    /* ZIP64 extended information extra field. */
    const uint8_t *x = p + 30 + nlen, *xend = x + xlen;
    while (x + 4 <= xend) {
        uint16_t id = le16(x), sz = le16(x + 2);
        if (x + 4 + sz > xend) break;
        if (id == 0x0001) {
            const uint8_t *q = x + 4, *qe = x + 4 + sz;
            if (z->cur.usize == 0xffffffffu && q + 8 <= qe) z->cur.usize = le64(q), q += 8;
            if (z->cur.csize == 0xffffffffu && q + 8 <= qe) z->cur.csize = le64(q);
        }
        x += 4 + sz;
    }
    z->index++;
    take(z, 30 + nlen + xlen);
    if (flags & 1) return bad(z, err, "member is encrypted; export the report without a password");
    if (z->cur.method != 0 && z->cur.method != 8) {
        char msg[128];
        snprintf(msg, sizeof msg, "member uses %s (method %u); only stored and deflate are supported",
                 method_name(z->cur.method), z->cur.method);
        return rk_err_set(err, RK_EUNSUPPORTED, "zip archive: %s (member \"%s\")", msg, z->cur.name);
    }
    z->descriptor = (flags & 8) != 0;
    if (z->descriptor && z->cur.method == 0)
        return bad(z, err, "stored member with a data descriptor cannot be streamed");
    if (z->descriptor) z->cur.csize = z->cur.usize = 0;
    z->produced = z->consumed = 0;
    z->crc = (uint32_t)crc32(0, NULL, 0);
    inflateReset(&z->zs);
    z->cur_open = true;
    z->cur_done = false;
    if (z->cur.method == 0 && z->cur.csize != z->cur.usize)
        return bad(z, err, "stored member has different compressed and uncompressed sizes");
    if (info) *info = z->cur;
    *member = &z->member.base;
    return RK_OK;
}

void rk_unzip_close(rk_unzip *z)
{
    if (!z) return;
    if (z->zs_init) inflateEnd(&z->zs);
    rk_in_close(z->up);
    free(z->buf);
    free(z);
}
