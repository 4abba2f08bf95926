#include "format/gzip.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#ifdef RK_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#define GZ_INBUF (256 * 1024)

typedef struct gz {
    rk_in base;
    rk_in *up;
    rk_inflate_impl impl;
    uint8_t *in;
    size_t in_len, in_pos; /* unread input is in[in_pos, in_len) */
    uint64_t in_total;     /* compressed bytes consumed so far (for messages) */
    bool up_eof;
    bool in_member; /* inside a member that has not ended */
    bool done;
    uint32_t members;
    z_stream zs;
    bool zs_init;
#ifdef RK_HAVE_ISAL
    struct inflate_state *is;
#endif
} gz;

bool rk_inflate_have_isal(void)
{
#ifdef RK_HAVE_ISAL
    return true;
#else
    return false;
#endif
}

static rk_status fill(gz *g, rk_err *err)
{
    if (g->in_pos < g->in_len || g->up_eof) return RK_OK;
    size_t got = 0;
    RK_TRY(rk_in_read(g->up, g->in, GZ_INBUF, &got, err));
    g->in_pos = 0;
    g->in_len = got;
    if (got == 0) g->up_eof = true;
    return RK_OK;
}

/* Between members: decide whether another member follows. */
static rk_status next_member(gz *g, rk_err *err)
{
    RK_TRY(fill(g, err));
    if (g->in_pos == g->in_len) {
        g->done = true;
        return RK_OK;
    }
    if (g->in[g->in_pos] != 0x1f) {
        return rk_err_set(err, RK_EBADDATA,
                          "unexpected data after gzip member %u at compressed offset %llu; the "
                          "file is not a clean gzip stream",
                          g->members, (unsigned long long)g->in_total);
    }
    g->in_member = true;
    return RK_OK;
}

static rk_status truncated(gz *g, rk_err *err)
{
    return rk_err_set(err, RK_EBADDATA,
                      "gzip data is truncated after %llu compressed bytes (member %u did not "
                      "end); the file is incomplete, fetch it again",
                      (unsigned long long)g->in_total, g->members + 1);
}

static rk_status read_zlib(gz *g, uint8_t *buf, size_t cap, size_t *got, rk_err *err)
{
    *got = 0;
    while (*got == 0 && !g->done) {
        if (!g->in_member) {
            RK_TRY(next_member(g, err));
            if (g->done) break;
            if (inflateReset2(&g->zs, 16 + MAX_WBITS) != Z_OK)
                return rk_err_set(err, RK_EINTERNAL, "zlib reset failed");
        }
        RK_TRY(fill(g, err));
        if (g->in_pos == g->in_len) return truncated(g, err);
        g->zs.next_in = g->in + g->in_pos;
        g->zs.avail_in = (uInt)(g->in_len - g->in_pos);
        g->zs.next_out = buf;
        g->zs.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
        int rc = inflate(&g->zs, Z_NO_FLUSH);
        size_t used = (size_t)(g->zs.next_in - (g->in + g->in_pos));
        g->in_pos += used;
        g->in_total += used;
        *got = (size_t)(g->zs.next_out - buf);
        if (rc == Z_STREAM_END) {
            g->in_member = false;
            g->members++;
        } else if (rc == Z_BUF_ERROR) {
            if (g->in_pos == g->in_len && g->up_eof) return truncated(g, err);
        } else if (rc != Z_OK) {
            return rk_err_set(err, RK_EBADDATA, "corrupt gzip data near compressed offset %llu (%s)",
                              (unsigned long long)g->in_total, g->zs.msg ? g->zs.msg : "zlib error");
        }
    }
    return RK_OK;
}

#ifdef RK_HAVE_ISAL
static const char *isal_msg(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid back-reference distance";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM: return "CRC-32 mismatch";
    default: return "inflate error";
    }
}

static rk_status read_isal(gz *g, uint8_t *buf, size_t cap, size_t *got, rk_err *err)
{
    *got = 0;
    struct inflate_state *s = g->is;
    while (*got == 0 && !g->done) {
        if (!g->in_member) {
            RK_TRY(next_member(g, err));
            if (g->done) break;
            isal_inflate_reset(s);
            s->crc_flag = ISAL_GZIP;
        }
        RK_TRY(fill(g, err));
        s->next_in = g->in + g->in_pos;
        s->avail_in = (uint32_t)(g->in_len - g->in_pos);
        s->next_out = buf;
        s->avail_out = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
        int rc = isal_inflate(s);
        size_t used = (size_t)(s->next_in - (g->in + g->in_pos));
        g->in_pos += used;
        g->in_total += used;
        *got = (size_t)(s->next_out - buf);
        if (rc != ISAL_DECOMP_OK)
            return rk_err_set(err, RK_EBADDATA, "corrupt gzip data near compressed offset %llu (%s)",
                              (unsigned long long)g->in_total, isal_msg(rc));
        if (s->block_state == ISAL_BLOCK_FINISH) {
            /* ISA-L may hold trailing bytes of the next member in its bit
             * buffer; give them back so the next member starts cleanly. */
            size_t back = (size_t)(s->read_in_length / 8);
            if (back > g->in_pos) back = g->in_pos; /* cannot happen: defensive */
            g->in_pos -= back;
            g->in_total -= back;
            s->read_in = 0;
            s->read_in_length = 0;
            g->in_member = false;
            g->members++;
        } else if (*got == 0 && g->in_pos == g->in_len && g->up_eof) {
            return truncated(g, err);
        }
    }
    return RK_OK;
}
#endif

static rk_status gz_read(rk_in *self, uint8_t *buf, size_t cap, size_t *got, rk_err *err)
{
    gz *g = (gz *)self;
#ifdef RK_HAVE_ISAL
    if (g->impl == RK_INFLATE_ISAL) return read_isal(g, buf, cap, got, err);
#endif
    return read_zlib(g, buf, cap, got, err);
}

static void gz_close(rk_in *self)
{
    gz *g = (gz *)self;
    if (!g) return;
    if (g->zs_init) inflateEnd(&g->zs);
#ifdef RK_HAVE_ISAL
    free(g->is);
#endif
    rk_in_close(g->up);
    free(g->in);
    free(g);
}

rk_status rk_gunzip_open(rk_in *upstream, rk_inflate_impl impl, rk_in **out, rk_err *err)
{
    gz *g = calloc(1, sizeof *g);
    if (!g) {
        rk_in_close(upstream);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    g->base.read = gz_read;
    g->base.close = gz_close;
    g->up = upstream;
    g->in = malloc(GZ_INBUF);
    if (impl == RK_INFLATE_AUTO) impl = rk_inflate_have_isal() ? RK_INFLATE_ISAL : RK_INFLATE_ZLIB;
    if (impl == RK_INFLATE_ISAL && !rk_inflate_have_isal()) impl = RK_INFLATE_ZLIB;
    g->impl = impl;
    if (!g->in) goto nomem;
#ifdef RK_HAVE_ISAL
    if (impl == RK_INFLATE_ISAL) {
        g->is = malloc(sizeof *g->is);
        if (!g->is) goto nomem;
        isal_inflate_init(g->is);
        g->is->crc_flag = ISAL_GZIP;
    }
#endif
    if (impl == RK_INFLATE_ZLIB) {
        if (inflateInit2(&g->zs, 16 + MAX_WBITS) != Z_OK) goto nomem;
        g->zs_init = true;
    }
    /* An empty input is not a gzip file. */
    rk_status st = RK_OK;
    while (st == RK_OK && g->in_len < 2 && !g->up_eof) {
        size_t got = 0;
        st = rk_in_read(g->up, g->in + g->in_len, GZ_INBUF - g->in_len, &got, err);
        if (got == 0) g->up_eof = true;
        g->in_len += got;
    }
    if (st != RK_OK) {
        gz_close(&g->base);
        return st;
    }
    if (g->in_len < 2 || !rk_is_gzip_magic(g->in, g->in_len)) {
        gz_close(&g->base);
        return rk_err_set(err, RK_EBADDATA, "not gzip data (the file does not start with 1f 8b)");
    }
    g->in_member = true;
    *out = &g->base;
    return RK_OK;
nomem:
    gz_close(&g->base);
    return rk_err_set(err, RK_ENOMEM, "out of memory");
}
