#include "store/segment.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/hash.h"
#include "common/mem.h"

/* HOW IT WORKS (file layout, all little-endian)
 *
 *   "RKSEG001"                                  8-byte magic
 *   chunk*                                      each 8-byte aligned
 *   footer:
 *     u32 version (2), u64 rows (of table 0), u32 nblocks,
 *     u32 block_info[nblocks] = rows | table << 24
 *       (version 1 files have no table byte: every block is table 0)
 *     u32 ncols, then per column:
 *       u16 name_len, name, u8 type, u32 nchunks,
 *       per chunk: u32 block, u64 offset, u32 length, i64 min, i64 max
 *     u32 meta_len, meta
 *     u32 crc32 of the footer bytes above
 *   u64 footer_offset, u32 footer_length, "RKSEGEND"
 *
 * Chunks:
 *   text:    u8 1, u32 rows, u32 ndict, u32 bytes_len, u8 idw, 2 pad,
 *            u32 off[ndict+1], bytes[bytes_len], pad to 4, ids[rows*idw]
 *   dec64:   u8 2, u32 rows, u8 scale, u8 width, u8 has_nulls, i64 base,
 *            nulls[(rows+7)/8] if has_nulls, values[rows*width]
 *   dec128:  u8 3, u32 rows, u8 has_nulls, 2 pad, nulls if has_nulls,
 *            i128 values at scale 18
 * min/max in the directory are the chunk's smallest and largest values for
 * time columns (block pruning by time), 0 otherwise. */

#define MAGIC "RKSEG001"
#define END_MAGIC "RKSEGEND"
#define BLOCK_DICT_BYTES (64u << 20) /* flush a block early past this */

typedef struct chunkref {
    uint32_t block;
    uint64_t off;
    uint32_t len;
    int64_t min, max;
} chunkref;

/* A column of the file: its name, type and the chunks written so far. */
typedef struct fcol {
    char *name;
    rk_coltype type;
    chunkref *chunks;
    size_t nchunks, ccap;
} fcol;

struct rk_segw {
    pthread_mutex_t mu;
    char *path;
    int fd;
    uint64_t fileoff;
    fcol *cols;
    size_t ncols, colcap;
    uint64_t rows; /* table 0 */
    uint32_t *block_rows; /* rows | table << 24 */
    size_t nblocks, bcap;
};

/* A column's block under construction, in one builder. */
typedef struct bcol {
    rk_coltype type;
    bool known;
    uint32_t n;      /* rows filled in the current block */
    uint32_t any;    /* non-null values in the current block */
    uint64_t setrow; /* row number (+1) last set, for first-wins */
    /* text */
    uint32_t *ids;
    uint32_t *ht; /* open addressing: slot -> id (0 empty) */
    uint32_t htmask;
    uint64_t *hashes; /* per id-1 */
    uint32_t *off;    /* off[id] = end of string id in bytes; off[0] = 0 */
    uint32_t ndict, dcap;
    char *bytes;
    size_t blen, bcap;
    uint32_t last_id;
    /* decimal / time */
    int64_t *m;
    uint8_t *e; /* 0xFF: value is in big[] */
    uint8_t *nul;
    rk_i128 *big;
} bcol;

/* Growable output bytes for one encoded block. */
typedef struct obuf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} obuf;

typedef struct pending {
    int col;
    size_t off;
    uint32_t len;
    int64_t min, max;
} pending;

struct rk_segb {
    rk_segw *w;
    uint8_t table;
    bcol *cols;
    size_t ncols;
    uint32_t brow;
    uint64_t row; /* rows ended by this builder */
    size_t dict_bytes;
    obuf out;
    pending *pend;
    size_t npend, pcap;
    rk_status failed;
    rk_err ferr;
};

/* ---- output bytes ---- */

static void oput(obuf *o, const void *p, size_t n)
{
    if (o->oom || n == 0) return;
    if (o->len + n > o->cap) {
        size_t nc = o->cap ? o->cap : 1u << 20;
        while (nc < o->len + n) nc *= 2;
        uint8_t *q = realloc(o->p, nc);
        if (!q) {
            o->oom = true;
            return;
        }
        o->p = q;
        o->cap = nc;
    }
    memcpy(o->p + o->len, p, n);
    o->len += n;
}

static void opad(obuf *o, size_t align)
{
    static const uint8_t zeros[16];
    size_t r = o->len % align;
    if (r) oput(o, zeros, align - r);
}

static void ou8(obuf *o, uint8_t v) { oput(o, &v, 1); }
static void ou32(obuf *o, uint32_t v) { oput(o, &v, 4); }
static void ou64(obuf *o, uint64_t v) { oput(o, &v, 8); }

static rk_status write_all(int fd, const char *path, const void *p, size_t n, rk_err *err)
{
    const uint8_t *s = p;
    while (n) {
        ssize_t k = write(fd, s, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            return rk_err_set(err, RK_EIO, "cannot write %s: %s", path, strerror(errno));
        }
        s += k;
        n -= (size_t)k;
    }
    return RK_OK;
}

/* ---- the file ---- */

rk_status rk_segw_create(const char *path, rk_segw **out, rk_err *err)
{
    rk_segw *w = calloc(1, sizeof *w);
    if (!w) return rk_err_set(err, RK_ENOMEM, "out of memory");
    pthread_mutex_init(&w->mu, NULL);
    w->path = rk_strdup(path);
    if (!w->path) {
        free(w);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        rk_status st = rk_err_set(err, RK_EIO, "cannot create %s: %s", path, strerror(errno));
        free(w->path);
        free(w);
        return st;
    }
    rk_status st = write_all(w->fd, path, MAGIC, 8, err);
    if (st != RK_OK) {
        rk_segw_abort(w);
        return st;
    }
    w->fileoff = 8;
    *out = w;
    return RK_OK;
}

static void free_writer(rk_segw *w)
{
    for (size_t i = 0; i < w->ncols; i++) {
        free(w->cols[i].name);
        free(w->cols[i].chunks);
    }
    free(w->cols);
    free(w->block_rows);
    free(w->path);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

int rk_segw_column(rk_segw *w, const char *name, rk_coltype type, rk_err *err)
{
    pthread_mutex_lock(&w->mu);
    int id = -1;
    for (size_t i = 0; i < w->ncols; i++) {
        if (strcmp(w->cols[i].name, name) == 0) {
            if (w->cols[i].type != type) rk_err_set(err, RK_EBADDATA, "column %s holds both text and numbers", name);
            else id = (int)i;
            pthread_mutex_unlock(&w->mu);
            return id;
        }
    }
    if (RK_GROW(w->cols, w->colcap, w->ncols + 1) == RK_OK) {
        fcol *c = &w->cols[w->ncols];
        memset(c, 0, sizeof *c);
        c->name = rk_strdup(name);
        c->type = type;
        if (c->name) id = (int)w->ncols++;
    }
    if (id < 0) rk_err_set(err, RK_ENOMEM, "out of memory");
    pthread_mutex_unlock(&w->mu);
    return id;
}

uint64_t rk_segw_rows(rk_segw *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t r = w->rows;
    pthread_mutex_unlock(&w->mu);
    return r;
}

uint64_t rk_segw_bytes(rk_segw *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t r = w->fileoff;
    pthread_mutex_unlock(&w->mu);
    return r;
}

/* ---- builders ---- */

rk_status rk_segb_open_table(rk_segw *w, rk_seg_table table, rk_segb **out, rk_err *err)
{
    rk_segb *b = calloc(1, sizeof *b);
    if (!b) return rk_err_set(err, RK_ENOMEM, "out of memory");
    b->w = w;
    b->table = (uint8_t)table;
    *out = b;
    return RK_OK;
}

rk_status rk_segb_open(rk_segw *w, rk_segb **out, rk_err *err) { return rk_segb_open_table(w, RK_SEG_ROWS, out, err); }

static void free_bcol(bcol *c)
{
    free(c->ids);
    free(c->ht);
    free(c->hashes);
    free(c->off);
    free(c->bytes);
    free(c->m);
    free(c->e);
    free(c->nul);
    free(c->big);
}

void rk_segb_discard(rk_segb *b)
{
    if (!b) return;
    for (size_t i = 0; i < b->ncols; i++) free_bcol(&b->cols[i]);
    free(b->cols);
    free(b->out.p);
    free(b->pend);
    free(b);
}

static void fail(rk_segb *b, rk_status st, const char *msg)
{
    if (b->failed == RK_OK) {
        b->failed = st;
        rk_err_set(&b->ferr, st, "%s", msg);
    }
}

/* The builder's state for column col, created on first use (a column may be
 * registered by another thread after this builder started). */
static bcol *bcol_of(rk_segb *b, int col)
{
    if ((size_t)col >= b->ncols) {
        size_t nn = b->ncols ? b->ncols : 64;
        while (nn <= (size_t)col) nn *= 2;
        bcol *nc = realloc(b->cols, nn * sizeof *nc);
        if (!nc) return NULL;
        memset(nc + b->ncols, 0, (nn - b->ncols) * sizeof *nc);
        b->cols = nc;
        b->ncols = nn;
    }
    bcol *c = &b->cols[col];
    if (c->known) return c;
    pthread_mutex_lock(&b->w->mu);
    c->type = b->w->cols[col].type;
    pthread_mutex_unlock(&b->w->mu);
    if (c->type == RK_COL_STR) {
        c->ids = malloc(RK_SEG_BLOCK_ROWS * sizeof *c->ids);
        c->htmask = 255;
        c->ht = calloc((size_t)c->htmask + 1, sizeof *c->ht);
        c->dcap = 128;
        c->hashes = malloc(c->dcap * sizeof *c->hashes);
        c->off = malloc((c->dcap + 1) * sizeof *c->off);
        if (!c->ids || !c->ht || !c->hashes || !c->off) return NULL;
        c->off[0] = 0;
    } else {
        c->m = malloc(RK_SEG_BLOCK_ROWS * sizeof *c->m);
        c->e = malloc(RK_SEG_BLOCK_ROWS);
        c->nul = malloc(RK_SEG_BLOCK_ROWS);
        if (!c->m || !c->e || !c->nul) return NULL;
    }
    c->known = true;
    return c;
}

static void fill_nulls(bcol *c, uint32_t upto)
{
    if (c->type == RK_COL_STR) {
        while (c->n < upto) c->ids[c->n++] = 0;
    } else {
        while (c->n < upto) c->nul[c->n++] = 1;
    }
}

static bool dict_grow(bcol *c)
{
    uint32_t ncap = c->dcap * 2;
    uint64_t *h = realloc(c->hashes, ncap * sizeof *h);
    if (!h) return false;
    c->hashes = h;
    uint32_t *o = realloc(c->off, (ncap + 1) * sizeof *o);
    if (!o) return false;
    c->off = o;
    c->dcap = ncap;
    /* rehash into a table twice the dictionary capacity */
    uint32_t nmask = ncap * 2 - 1;
    uint32_t *ht = calloc((size_t)nmask + 1, sizeof *ht);
    if (!ht) return false;
    for (uint32_t id = 1; id <= c->ndict; id++) {
        uint32_t s = (uint32_t)c->hashes[id - 1] & nmask;
        while (ht[s]) s = (s + 1) & nmask;
        ht[s] = id;
    }
    free(c->ht);
    c->ht = ht;
    c->htmask = nmask;
    return true;
}

void rk_segb_set_str(rk_segb *b, int col, const char *p, size_t n)
{
    if (n == 0) return; /* null: filled at end of row */
    bcol *c = bcol_of(b, col);
    if (!c) {
        fail(b, RK_ENOMEM, "out of memory");
        return;
    }
    if (c->setrow == b->row + 1) return;
    c->setrow = b->row + 1;
    if (c->n < b->brow) fill_nulls(c, b->brow);
    uint32_t id = c->last_id;
    if (id && c->off[id] - c->off[id - 1] == n && memcmp(c->bytes + c->off[id - 1], p, n) == 0) {
        c->ids[c->n++] = id;
        c->any++;
        return;
    }
    uint64_t h = rk_hash(p, n);
    uint32_t s = (uint32_t)h & c->htmask;
    for (;;) {
        id = c->ht[s];
        if (!id) break;
        if (c->hashes[id - 1] == h && c->off[id] - c->off[id - 1] == n &&
            memcmp(c->bytes + c->off[id - 1], p, n) == 0)
            goto found;
        s = (s + 1) & c->htmask;
    }
    if (n > UINT32_MAX - c->blen) {
        fail(b, RK_ELIMIT, "a block's text is larger than 4 GiB");
        c->ids[c->n++] = 0;
        return;
    }
    if (c->ndict + 1 >= c->dcap && !dict_grow(c)) goto nomem;
    if (c->blen + n > c->bcap) {
        size_t ncap = c->bcap ? c->bcap : 4096;
        while (ncap < c->blen + n) ncap *= 2;
        char *nb = realloc(c->bytes, ncap);
        if (!nb) goto nomem;
        c->bytes = nb;
        c->bcap = ncap;
    }
    memcpy(c->bytes + c->blen, p, n);
    c->blen += n;
    b->dict_bytes += n;
    id = ++c->ndict;
    c->hashes[id - 1] = h;
    c->off[id] = (uint32_t)c->blen;
    /* re-find the slot: dict_grow may have rehashed */
    s = (uint32_t)h & c->htmask;
    while (c->ht[s]) s = (s + 1) & c->htmask;
    c->ht[s] = id;
found:
    c->last_id = id;
    c->ids[c->n++] = id;
    c->any++;
    return;
nomem:
    fail(b, RK_ENOMEM, "out of memory");
    c->ids[c->n++] = 0;
}

void rk_segb_set_dec(rk_segb *b, int col, rk_dec v)
{
    bcol *c = bcol_of(b, col);
    if (!c) {
        fail(b, RK_ENOMEM, "out of memory");
        return;
    }
    if (c->setrow == b->row + 1) return;
    c->setrow = b->row + 1;
    if (c->n < b->brow) fill_nulls(c, b->brow);
    uint32_t i = c->n++;
    c->nul[i] = 0;
    c->any++;
    if (v.m >= INT64_MIN && v.m <= INT64_MAX) {
        c->m[i] = (int64_t)v.m;
        c->e[i] = (uint8_t)v.e;
        return;
    }
    if (!c->big) {
        c->big = malloc(RK_SEG_BLOCK_ROWS * sizeof *c->big);
        if (!c->big) {
            fail(b, RK_ENOMEM, "out of memory");
            c->nul[i] = 1;
            return;
        }
    }
    c->big[i] = rk_dec_to18(v);
    c->e[i] = 0xFF;
}

void rk_segb_set_time(rk_segb *b, int col, int64_t ms) { rk_segb_set_dec(b, col, (rk_dec){ms, 0}); }

/* ---- block encoding ---- */

static void encode_str(obuf *o, bcol *c, uint32_t rows)
{
    int idw = c->ndict < 256 ? 1 : c->ndict < 65536 ? 2 : 4;
    ou8(o, 1);
    ou32(o, rows);
    ou32(o, c->ndict);
    ou32(o, (uint32_t)c->blen);
    ou8(o, (uint8_t)idw);
    oput(o, "\0\0", 2);
    oput(o, c->off, (c->ndict + 1) * sizeof *c->off);
    oput(o, c->bytes, c->blen);
    opad(o, 4);
    if (idw == 4) {
        oput(o, c->ids, rows * 4u);
        return;
    }
    uint8_t tmp[4096];
    size_t k = 0;
    for (uint32_t i = 0; i < rows; i++) {
        uint32_t id = c->ids[i];
        if (idw == 1) {
            tmp[k++] = (uint8_t)id;
        } else {
            uint16_t x = (uint16_t)id;
            memcpy(tmp + k, &x, 2);
            k += 2;
        }
        if (k + 2 > sizeof tmp) {
            oput(o, tmp, k);
            k = 0;
        }
    }
    oput(o, tmp, k);
}

static int width_for(uint64_t range)
{
    if (range == 0) return 0;
    if (range <= 0xff) return 1;
    if (range <= 0xffff) return 2;
    if (range <= 0xffffffffu) return 4;
    return 8;
}

static void encode_dec(obuf *o, bcol *c, uint32_t rows, int64_t *mn_out, int64_t *mx_out)
{
    bool nulls = c->any < rows, big = false;
    int scale = 0;
    for (uint32_t i = 0; i < rows; i++) {
        if (c->nul[i]) continue;
        if (c->e[i] == 0xFF) big = true;
        else if (c->e[i] > scale) scale = c->e[i];
    }
    int64_t mn = INT64_MAX, mx = INT64_MIN;
    if (!big) {
        for (uint32_t i = 0; i < rows; i++) {
            if (c->nul[i]) continue;
            int64_t v = c->m[i];
            if (c->e[i] != scale) {
                if (__builtin_mul_overflow(v, rk_pow10_64[scale - c->e[i]], &v)) {
                    big = true;
                    break;
                }
                c->m[i] = v;
                c->e[i] = (uint8_t)scale;
            }
            if (v < mn) mn = v;
            if (v > mx) mx = v;
        }
    }
    uint8_t nb[RK_SEG_BLOCK_ROWS / 8];
    size_t nbytes = (rows + 7) / 8;
    if (nulls) {
        memset(nb, 0, nbytes);
        for (uint32_t i = 0; i < rows; i++)
            if (c->nul[i]) nb[i >> 3] |= (uint8_t)(1u << (i & 7));
    }
    if (big) {
        ou8(o, 3);
        ou32(o, rows);
        ou8(o, nulls);
        oput(o, "\0\0", 2);
        if (nulls) oput(o, nb, nbytes);
        for (uint32_t i = 0; i < rows; i++) {
            rk_i128 v = 0;
            if (!c->nul[i]) v = c->e[i] == 0xFF ? c->big[i] : (rk_i128)c->m[i] * rk_pow10_128[RK_DEC_MAXE - c->e[i]];
            oput(o, &v, 16);
        }
        *mn_out = *mx_out = 0;
        return;
    }
    uint64_t range = (uint64_t)mx - (uint64_t)mn;
    int width = width_for(range);
    ou8(o, 2);
    ou32(o, rows);
    ou8(o, (uint8_t)scale);
    ou8(o, (uint8_t)width);
    ou8(o, nulls);
    ou64(o, (uint64_t)mn);
    if (nulls) oput(o, nb, nbytes);
    if (width) {
        uint8_t tmp[8192];
        size_t k = 0;
        for (uint32_t i = 0; i < rows; i++) {
            uint64_t x = c->nul[i] ? 0 : (uint64_t)c->m[i] - (uint64_t)mn;
            memcpy(tmp + k, &x, (size_t)width); /* little-endian: low bytes first */
            k += (size_t)width;
            if (k + 8 > sizeof tmp) {
                oput(o, tmp, k);
                k = 0;
            }
        }
        oput(o, tmp, k);
    }
    *mn_out = mn;
    *mx_out = mx;
}

/* Encodes the current block on this thread, then appends it to the file. */
static rk_status flush_block(rk_segb *b, rk_err *err)
{
    uint32_t rows = b->brow;
    if (rows == 0) return RK_OK;
    obuf *o = &b->out;
    o->len = 0;
    b->npend = 0;
    for (size_t k = 0; k < b->ncols; k++) {
        bcol *c = &b->cols[k];
        if (!c->known) continue;
        if (c->n < rows) fill_nulls(c, rows);
        if (c->any) {
            opad(o, 8);
            size_t start = o->len;
            int64_t mn = 0, mx = 0;
            if (c->type == RK_COL_STR) encode_str(o, c, rows);
            else encode_dec(o, c, rows, &mn, &mx);
            if (c->type != RK_COL_TIME) mn = mx = 0;
            if (RK_GROW(b->pend, b->pcap, b->npend + 1) != RK_OK) return rk_err_set(err, RK_ENOMEM, "out of memory");
            b->pend[b->npend++] = (pending){(int)k, start, (uint32_t)(o->len - start), mn, mx};
        }
        c->n = 0;
        c->any = 0;
        if (c->type == RK_COL_STR && c->ndict) {
            memset(c->ht, 0, ((size_t)c->htmask + 1) * sizeof *c->ht);
            c->ndict = 0;
            c->blen = 0;
            c->last_id = 0;
        }
    }
    b->brow = 0;
    b->dict_bytes = 0;
    if (o->oom) return rk_err_set(err, RK_ENOMEM, "out of memory");
    rk_segw *w = b->w;
    pthread_mutex_lock(&w->mu);
    rk_status st = RK_OK;
    static const uint8_t zeros[8];
    uint64_t pad = (8 - w->fileoff % 8) % 8;
    if (pad) st = write_all(w->fd, w->path, zeros, (size_t)pad, err);
    uint64_t base = w->fileoff + pad;
    if (st == RK_OK) st = write_all(w->fd, w->path, o->p, o->len, err);
    if (st == RK_OK && RK_GROW(w->block_rows, w->bcap, w->nblocks + 1) != RK_OK)
        st = rk_err_set(err, RK_ENOMEM, "out of memory");
    uint32_t block = (uint32_t)w->nblocks;
    for (size_t i = 0; i < b->npend && st == RK_OK; i++) {
        fcol *fc = &w->cols[b->pend[i].col];
        if (RK_GROW(fc->chunks, fc->ccap, fc->nchunks + 1) != RK_OK) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            break;
        }
        fc->chunks[fc->nchunks++] =
            (chunkref){block, base + b->pend[i].off, b->pend[i].len, b->pend[i].min, b->pend[i].max};
    }
    if (st == RK_OK) {
        w->block_rows[w->nblocks++] = rows | (uint32_t)b->table << 24;
        if (b->table == RK_SEG_ROWS) w->rows += rows;
        w->fileoff = base + o->len;
    }
    pthread_mutex_unlock(&w->mu);
    return st;
}

rk_status rk_segb_end_row(rk_segb *b, rk_err *err)
{
    if (b->failed) {
        if (err) *err = b->ferr;
        return b->failed;
    }
    b->brow++;
    b->row++;
    if (b->brow == RK_SEG_BLOCK_ROWS || b->dict_bytes > BLOCK_DICT_BYTES) return flush_block(b, err);
    return RK_OK;
}

rk_status rk_segb_flush(rk_segb *b, rk_err *err)
{
    if (b->failed) {
        if (err) *err = b->ferr;
        return b->failed;
    }
    return flush_block(b, err);
}

rk_status rk_segb_close(rk_segb *b, rk_err *err)
{
    if (!b) return RK_OK;
    rk_status st = b->failed;
    if (st != RK_OK) {
        if (err) *err = b->ferr;
    } else {
        st = flush_block(b, err);
    }
    rk_segb_discard(b);
    return st;
}

rk_status rk_segw_finish(rk_segw *w, const char *meta, rk_err *err)
{
    rk_status st = RK_OK;
    static const uint8_t zeros[8];
    uint64_t pad = (8 - w->fileoff % 8) % 8;
    if (pad && (st = write_all(w->fd, w->path, zeros, (size_t)pad, err)) != RK_OK) goto bad;
    uint64_t foot = w->fileoff + pad;
    /* The footer is built in memory so its CRC can be computed. */
    obuf f = {0};
    uint32_t u32 = 2;
    oput(&f, &u32, 4);
    oput(&f, &w->rows, 8);
    u32 = (uint32_t)w->nblocks;
    oput(&f, &u32, 4);
    oput(&f, w->block_rows, w->nblocks * 4);
    u32 = (uint32_t)w->ncols;
    oput(&f, &u32, 4);
    for (size_t k = 0; k < w->ncols; k++) {
        fcol *c = &w->cols[k];
        uint16_t nl = (uint16_t)strlen(c->name);
        oput(&f, &nl, 2);
        oput(&f, c->name, nl);
        ou8(&f, (uint8_t)c->type);
        u32 = (uint32_t)c->nchunks;
        oput(&f, &u32, 4);
        for (size_t j = 0; j < c->nchunks; j++) {
            oput(&f, &c->chunks[j].block, 4);
            oput(&f, &c->chunks[j].off, 8);
            oput(&f, &c->chunks[j].len, 4);
            oput(&f, &c->chunks[j].min, 8);
            oput(&f, &c->chunks[j].max, 8);
        }
    }
    u32 = (uint32_t)strlen(meta ? meta : "");
    oput(&f, &u32, 4);
    oput(&f, meta ? meta : "", u32);
    uint32_t crc = (uint32_t)crc32(0, f.p, (uInt)f.len);
    oput(&f, &crc, 4);
    uint32_t flen = (uint32_t)f.len;
    ou64(&f, foot);
    ou32(&f, flen);
    oput(&f, END_MAGIC, 8);
    if (f.oom) {
        free(f.p);
        st = rk_err_set(err, RK_ENOMEM, "out of memory");
        goto bad;
    }
    st = write_all(w->fd, w->path, f.p, f.len, err);
    free(f.p);
    if (st != RK_OK) goto bad;
    if (fsync(w->fd) != 0) {
        st = rk_err_set(err, RK_EIO, "cannot sync %s: %s", w->path, strerror(errno));
        goto bad;
    }
    if (close(w->fd) != 0) {
        w->fd = -1;
        st = rk_err_set(err, RK_EIO, "cannot close %s: %s", w->path, strerror(errno));
        goto bad;
    }
    w->fd = -1;
    free_writer(w);
    return RK_OK;
bad:
    rk_segw_abort(w);
    return st;
}

void rk_segw_abort(rk_segw *w)
{
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    unlink(w->path);
    free_writer(w);
}

/* ---- reader ---- */

typedef struct rcol {
    const char *name; /* points into the map; not NUL-terminated there */
    char *name_z;
    rk_coltype type;
    int32_t *chunk_of_block; /* index into chunks or -1 */
    chunkref *chunks;
    uint32_t nchunks;
} rcol;

struct rk_seg {
    char *path;
    const uint8_t *map;
    size_t size;
    uint64_t rows;
    uint32_t nblocks;
    uint32_t *block_rows;
    uint8_t *block_table;
    uint64_t *block_lo, *block_hi; /* byte range of each block's chunks */
    rcol *cols;
    uint32_t ncols;
    char *meta;
};

static rk_status corrupt(const char *path, const char *what, rk_err *err)
{
    return rk_err_set(err, RK_EBADDATA,
                      "segment %s is damaged (%s); run `reckon ingest` again to rebuild it", path,
                      what);
}

rk_status rk_seg_open(const char *path, rk_seg **out, rk_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rk_status code = errno == ENOENT ? RK_ENOTFOUND : RK_EIO;
        return rk_err_set(err, code, "cannot open segment %s: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return rk_err_set(err, RK_EIO, "cannot stat %s: %s", path, strerror(errno));
    }
    size_t size = (size_t)st.st_size;
    if (size < 8 + 20) {
        close(fd);
        return corrupt(path, "too short", err);
    }
    const uint8_t *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return rk_err_set(err, RK_EIO, "cannot map %s: %s", path, strerror(errno));
    rk_seg *s = calloc(1, sizeof *s);
    if (!s) {
        munmap((void *)map, size);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    s->path = rk_strdup(path);
    s->map = map;
    s->size = size;
    rk_status rc = RK_OK;
    const uint8_t *t = map + size - 20;
    uint64_t foot;
    uint32_t flen;
    memcpy(&foot, t, 8);
    memcpy(&flen, t + 8, 4);
    if (memcmp(map, MAGIC, 8) != 0 || memcmp(t + 12, END_MAGIC, 8) != 0) {
        rc = corrupt(path, "bad magic", err);
        goto fail;
    }
    if (foot > size - 20 || flen > size - 20 - foot || flen < 24) {
        rc = corrupt(path, "bad footer position", err);
        goto fail;
    }
    const uint8_t *p = map + foot, *end = p + flen - 4;
    uint32_t crc;
    memcpy(&crc, end, 4);
    if ((uint32_t)crc32(0, p, (uInt)(flen - 4)) != crc) {
        rc = corrupt(path, "footer checksum mismatch", err);
        goto fail;
    }
#define NEED(k)                                                                                    \
    do {                                                                                           \
        if ((size_t)(end - p) < (size_t)(k)) {                                                    \
            rc = corrupt(path, "footer is truncated", err);                                        \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)
#define GET(dst, k)                                                                                \
    do {                                                                                           \
        NEED(k);                                                                                   \
        memcpy((dst), p, (k));                                                                     \
        p += (k);                                                                                  \
    } while (0)
    uint32_t version;
    GET(&version, 4);
    if (version != 1 && version != 2) {
        rc = rk_err_set(err, RK_EUNSUPPORTED,
                        "segment %s has format version %u; this reckon reads versions 1 and 2 (run `reckon "
                        "ingest` with the newer reckon that wrote it, or ingest again)",
                        path, version);
        goto fail;
    }
    GET(&s->rows, 8);
    GET(&s->nblocks, 4);
    NEED((uint64_t)s->nblocks * 4);
    s->block_rows = malloc((s->nblocks ? s->nblocks : 1) * sizeof *s->block_rows);
    if (!s->block_rows) goto nomem;
    GET(s->block_rows, (size_t)s->nblocks * 4);
    s->block_table = calloc(s->nblocks ? s->nblocks : 1, 1);
    if (!s->block_table) goto nomem;
    uint64_t total = 0;
    for (uint32_t b = 0; b < s->nblocks; b++) {
        if (version >= 2) {
            s->block_table[b] = (uint8_t)(s->block_rows[b] >> 24);
            s->block_rows[b] &= 0xffffff;
        }
        if (s->block_rows[b] == 0 || s->block_rows[b] > RK_SEG_BLOCK_ROWS || s->block_table[b] > RK_SEG_ROLLUP) {
            rc = corrupt(path, "bad block size or table", err);
            goto fail;
        }
        if (s->block_table[b] == RK_SEG_ROWS) total += s->block_rows[b];
    }
    if (total != s->rows) {
        rc = corrupt(path, "row count mismatch", err);
        goto fail;
    }
    s->block_lo = malloc((s->nblocks ? s->nblocks : 1) * sizeof *s->block_lo);
    s->block_hi = calloc(s->nblocks ? s->nblocks : 1, sizeof *s->block_hi);
    if (!s->block_lo || !s->block_hi) goto nomem;
    for (uint32_t b = 0; b < s->nblocks; b++) s->block_lo[b] = UINT64_MAX;
    GET(&s->ncols, 4);
    if (s->ncols > 1000000) {
        rc = corrupt(path, "too many columns", err);
        goto fail;
    }
    s->cols = calloc(s->ncols ? s->ncols : 1, sizeof *s->cols);
    if (!s->cols) goto nomem;
    for (uint32_t k = 0; k < s->ncols; k++) {
        rcol *c = &s->cols[k];
        uint16_t nl;
        GET(&nl, 2);
        NEED(nl);
        c->name_z = rk_strndup((const char *)p, nl);
        if (!c->name_z) goto nomem;
        p += nl;
        uint8_t type;
        GET(&type, 1);
        if (type > RK_COL_TIME) {
            rc = corrupt(path, "bad column type", err);
            goto fail;
        }
        c->type = (rk_coltype)type;
        GET(&c->nchunks, 4);
        if (c->nchunks > s->nblocks) {
            rc = corrupt(path, "bad chunk count", err);
            goto fail;
        }
        c->chunks = calloc(c->nchunks ? c->nchunks : 1, sizeof *c->chunks);
        c->chunk_of_block = malloc((s->nblocks ? s->nblocks : 1) * sizeof *c->chunk_of_block);
        if (!c->chunks || !c->chunk_of_block) goto nomem;
        for (uint32_t b = 0; b < s->nblocks; b++) c->chunk_of_block[b] = -1;
        for (uint32_t j = 0; j < c->nchunks; j++) {
            chunkref *r = &c->chunks[j];
            GET(&r->block, 4);
            GET(&r->off, 8);
            GET(&r->len, 4);
            GET(&r->min, 8);
            GET(&r->max, 8);
            if (r->block >= s->nblocks || r->off < 8 || r->off > foot || r->len > foot - r->off ||
                r->len < 16 || c->chunk_of_block[r->block] != -1) {
                rc = corrupt(path, "bad chunk reference", err);
                goto fail;
            }
            c->chunk_of_block[r->block] = (int32_t)j;
            if (r->off < s->block_lo[r->block]) s->block_lo[r->block] = r->off;
            if (r->off + r->len > s->block_hi[r->block]) s->block_hi[r->block] = r->off + r->len;
        }
    }
    uint32_t ml;
    GET(&ml, 4);
    NEED(ml);
    s->meta = rk_strndup((const char *)p, ml);
    if (!s->meta) goto nomem;
#undef GET
#undef NEED
    *out = s;
    return RK_OK;
nomem:
    rc = rk_err_set(err, RK_ENOMEM, "out of memory");
fail:
    rk_seg_close(s);
    return rc;
}

void rk_seg_close(rk_seg *s)
{
    if (!s) return;
    if (s->map) munmap((void *)s->map, s->size);
    for (uint32_t k = 0; k < s->ncols; k++) {
        free(s->cols[k].name_z);
        free(s->cols[k].chunks);
        free(s->cols[k].chunk_of_block);
    }
    free(s->cols);
    free(s->block_rows);
    free(s->block_table);
    free(s->block_lo);
    free(s->block_hi);
    free(s->meta);
    free(s->path);
    free(s);
}

void rk_seg_release_block(const rk_seg *s, uint32_t block)
{
    if (block >= s->nblocks || s->block_lo[block] >= s->block_hi[block]) return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    /* only whole pages inside the block: neighbours may still be in use */
    uintptr_t lo = ((uintptr_t)(s->map + s->block_lo[block]) + page - 1) & ~(page - 1);
    uintptr_t hi = (uintptr_t)(s->map + s->block_hi[block]) & ~(page - 1);
    if (hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

uint64_t rk_seg_rows(const rk_seg *s) { return s->rows; }
uint32_t rk_seg_nblocks(const rk_seg *s) { return s->nblocks; }
uint32_t rk_seg_block_rows(const rk_seg *s, uint32_t b) { return s->block_rows[b]; }
rk_seg_table rk_seg_block_table(const rk_seg *s, uint32_t b) { return (rk_seg_table)s->block_table[b]; }
uint32_t rk_seg_ncols(const rk_seg *s) { return s->ncols; }
const char *rk_seg_colname(const rk_seg *s, uint32_t c) { return s->cols[c].name_z; }
rk_coltype rk_seg_coltype(const rk_seg *s, uint32_t c) { return s->cols[c].type; }
const char *rk_seg_meta(const rk_seg *s) { return s->meta; }

int rk_seg_find(const rk_seg *s, const char *name)
{
    for (uint32_t k = 0; k < s->ncols; k++)
        if (strcmp(s->cols[k].name_z, name) == 0) return (int)k;
    return -1;
}

static const chunkref *chunk_at(const rk_seg *s, int col, uint32_t block)
{
    if (col < 0 || (uint32_t)col >= s->ncols || block >= s->nblocks) return NULL;
    int32_t j = s->cols[col].chunk_of_block[block];
    return j < 0 ? NULL : &s->cols[col].chunks[j];
}

bool rk_seg_time_range(const rk_seg *s, int col, uint32_t block, int64_t *mn, int64_t *mx)
{
    const chunkref *r = chunk_at(s, col, block);
    if (!r) return false;
    *mn = r->min;
    *mx = r->max;
    return true;
}

rk_status rk_seg_str(const rk_seg *s, int col, uint32_t block, rk_strview *v, rk_err *err)
{
    memset(v, 0, sizeof *v);
    v->n = block < s->nblocks ? s->block_rows[block] : 0;
    const chunkref *r = chunk_at(s, col, block);
    if (!r) return RK_OK;
    const uint8_t *p = s->map + r->off, *end = p + r->len;
    if (p[0] != 1 || s->cols[col].type != RK_COL_STR) return corrupt(s->path, "text chunk expected", err);
    uint32_t rows = rk_rd32(p + 1), nd = rk_rd32(p + 5), bl = rk_rd32(p + 9);
    int idw = p[13];
    p += 16;
    if (rows != v->n || (idw != 1 && idw != 2 && idw != 4) || nd > rows ||
        (uint64_t)(nd + 1) * 4 + bl > (uint64_t)(end - p))
        return corrupt(s->path, "bad text chunk header", err);
    v->off = p;
    p += (size_t)(nd + 1) * 4;
    v->bytes = (const char *)p;
    p += bl;
    size_t pad = (size_t)(p - s->map) % 4;
    if (pad) p += 4 - pad;
    if ((uint64_t)rows * (uint64_t)idw > (uint64_t)(end - p)) return corrupt(s->path, "text chunk is short", err);
    /* offsets must rise and stay inside the bytes */
    uint32_t prev = 0;
    for (uint32_t i = 0; i <= nd; i++) {
        uint32_t o = rk_rd32(v->off + 4 * (size_t)i);
        if (o < prev || o > bl || (i == 0 && o != 0)) return corrupt(s->path, "bad dictionary offsets", err);
        prev = o;
    }
    v->ids = p;
    v->idw = idw;
    v->ndict = nd;
    return RK_OK;
}

rk_status rk_seg_dec(const rk_seg *s, int col, uint32_t block, rk_decview *v, rk_err *err)
{
    memset(v, 0, sizeof *v);
    v->n = block < s->nblocks ? s->block_rows[block] : 0;
    const chunkref *r = chunk_at(s, col, block);
    if (!r) return RK_OK;
    const uint8_t *p = s->map + r->off, *end = p + r->len;
    if ((p[0] != 2 && p[0] != 3) || s->cols[col].type == RK_COL_STR)
        return corrupt(s->path, "number chunk expected", err);
    uint32_t rows = rk_rd32(p + 1);
    if (rows != v->n) return corrupt(s->path, "bad number chunk header", err);
    size_t nbytes = (rows + 7) / 8;
    if (p[0] == 2) {
        v->enc = 2;
        v->scale = p[5];
        v->width = p[6];
        bool nulls = p[7];
        memcpy(&v->base, p + 8, 8);
        p += 16;
        if (v->scale > RK_DEC_MAXE || (v->width != 0 && v->width != 1 && v->width != 2 && v->width != 4 && v->width != 8))
            return corrupt(s->path, "bad number encoding", err);
        if (nulls) {
            if ((size_t)(end - p) < nbytes) return corrupt(s->path, "number chunk is short", err);
            v->nulls = p;
            p += nbytes;
        }
        if ((uint64_t)rows * (uint64_t)v->width > (uint64_t)(end - p)) return corrupt(s->path, "number chunk is short", err);
        v->vals = p;
        return RK_OK;
    }
    v->enc = 3;
    v->scale = RK_DEC_MAXE;
    bool nulls = p[5];
    p += 8;
    if (nulls) {
        if ((size_t)(end - p) < nbytes) return corrupt(s->path, "number chunk is short", err);
        v->nulls = p;
        p += nbytes;
    }
    if ((uint64_t)rows * 16 > (uint64_t)(end - p)) return corrupt(s->path, "number chunk is short", err);
    v->vals = p;
    return RK_OK;
}
