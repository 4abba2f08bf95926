/* gen_gz.c — a gzip file writer whose output depends only on its input.
 *
 * The 10-byte header is written by hand with no file name and a zero
 * modification time (gzip(1) would store both), so two runs over the same
 * rows give the same bytes. The deflate stream is raw (no zlib wrapper):
 * ISA-L level 1 when reckon is built with it (several times zlib's speed on
 * CUR text), zlib level 1 otherwise. Either way the compressor sees the same
 * input in the same pieces, and its output is a pure function of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#ifdef RK_HAVE_ISAL
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#endif

#include "gen/gen_internal.h"

#define GZW_OUT (1u << 20)

struct rk_gzw {
    int fd;
    char *path;
    uint8_t *out;
    uint32_t crc;
    uint64_t isize, written;
#ifdef RK_HAVE_ISAL
    struct isal_zstream zs;
    uint8_t *level_buf;
#else
    z_stream zs;
#endif
};

static rk_status write_all(rk_gzw *w, const uint8_t *p, size_t n, rk_err *err)
{
    while (n) {
        ssize_t k = write(w->fd, p, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            return rk_err_set(err, RK_EIO, "%s: write failed: %s", w->path, strerror(errno));
        }
        p += k;
        n -= (size_t)k;
        w->written += (uint64_t)k;
    }
    return RK_OK;
}

static void gzw_free(rk_gzw *w)
{
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
#ifdef RK_HAVE_ISAL
    free(w->level_buf);
#else
    deflateEnd(&w->zs);
#endif
    free(w->out);
    free(w->path);
    free(w);
}

rk_status rk_gzw_open(const char *path, rk_gzw **out, rk_err *err)
{
    rk_gzw *w = calloc(1, sizeof *w);
    if (!w) return rk_err_set(err, RK_ENOMEM, "out of memory");
    w->fd = -1;
    w->path = strdup(path);
    w->out = malloc(GZW_OUT);
    if (!w->path || !w->out) {
        gzw_free(w);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
#ifdef RK_HAVE_ISAL
    w->level_buf = malloc(ISAL_DEF_LVL1_DEFAULT);
    if (!w->level_buf) {
        gzw_free(w);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    isal_deflate_init(&w->zs);
    w->zs.level = 1;
    w->zs.level_buf = w->level_buf;
    w->zs.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    w->zs.gzip_flag = IGZIP_DEFLATE;
#else
    if (deflateInit2(&w->zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(w->out);
        free(w->path);
        free(w);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
#endif
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        rk_status st = rk_err_set(err, RK_EIO, "cannot create %s: %s", path, strerror(errno));
        gzw_free(w);
        return st;
    }
    /* magic, deflate, no flags, mtime 0, no extra flags, OS unknown */
    static const uint8_t hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255};
    rk_status st = write_all(w, hdr, sizeof hdr, err);
    if (st != RK_OK) {
        gzw_free(w);
        return st;
    }
    *out = w;
    return RK_OK;
}

static rk_status pump(rk_gzw *w, const uint8_t *p, size_t n, bool last, rk_err *err)
{
#ifdef RK_HAVE_ISAL
    w->zs.next_in = (uint8_t *)p;
    w->zs.avail_in = (uint32_t)n;
    w->zs.end_of_stream = last;
    do {
        w->zs.next_out = w->out;
        w->zs.avail_out = GZW_OUT;
        if (isal_deflate(&w->zs) != COMP_OK) return rk_err_set(err, RK_EINTERNAL, "%s: compression failed", w->path);
        RK_TRY(write_all(w, w->out, GZW_OUT - w->zs.avail_out, err));
    } while (w->zs.avail_in > 0 || (last && w->zs.internal_state.state != ZSTATE_END));
#else
    w->zs.next_in = (Bytef *)p;
    w->zs.avail_in = (uInt)n;
    int rc;
    do {
        w->zs.next_out = w->out;
        w->zs.avail_out = GZW_OUT;
        rc = deflate(&w->zs, last ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_ERROR) return rk_err_set(err, RK_EINTERNAL, "%s: compression failed", w->path);
        RK_TRY(write_all(w, w->out, GZW_OUT - w->zs.avail_out, err));
    } while (w->zs.avail_in > 0 || w->zs.avail_out == 0 || (last && rc != Z_STREAM_END));
#endif
    return RK_OK;
}

rk_status rk_gzw_write(rk_gzw *w, const void *p, size_t n, rk_err *err)
{
    if (!n) return RK_OK;
#ifdef RK_HAVE_ISAL
    w->crc = crc32_gzip_refl(w->crc, (const unsigned char *)p, n);
#else
    w->crc = (uint32_t)crc32(w->crc, p, (uInt)n);
#endif
    w->isize += n;
    return pump(w, p, n, false, err);
}

rk_status rk_gzw_close(rk_gzw *w, uint64_t *bytes, rk_err *err)
{
    rk_status st = pump(w, NULL, 0, true, err);
    if (st == RK_OK) {
        uint8_t tr[8];
        uint32_t is = (uint32_t)w->isize;
        for (int i = 0; i < 4; i++) tr[i] = (uint8_t)(w->crc >> (8 * i));
        for (int i = 0; i < 4; i++) tr[4 + i] = (uint8_t)(is >> (8 * i));
        st = write_all(w, tr, sizeof tr, err);
    }
    if (st == RK_OK && close(w->fd) != 0)
        st = rk_err_set(err, RK_EIO, "%s: close failed: %s", w->path, strerror(errno));
    w->fd = -1;
    if (bytes) *bytes = w->written;
    gzw_free(w);
    return st;
}
