/* segment.h — immutable columnar segment files.
 *
 * One segment holds one delivery of one billing period of one report: every
 * CUR column plus reckon's derived columns. Rows are cut into blocks of
 * RK_SEG_BLOCK_ROWS; each column of a block is one chunk:
 *   text     -> a dictionary of the block's distinct strings + 1/2/4-byte ids
 *   decimal  -> one decimal scale for the block, values as 0-8 byte offsets
 *               from the block minimum (frame of reference), or 16-byte
 *               values at scale 18 when a block cannot fit 64 bits
 *   time     -> int64 milliseconds, same encoding at scale 0
 * A column absent from a block (a CUR 2.0 tag first seen later, a column a
 * part did not have) is all-null there. The footer at the end of the file is
 * the directory. The exact byte layout is in docs/ARCHITECTURE.md.
 *
 * The writer keeps one block in memory (bounded by rows and by dictionary
 * bytes), writes chunks as blocks fill, and on finish writes the footer and
 * fsyncs. It never renames: publishing is the catalog's job. The reader maps
 * the file and hands out zero-copy views.
 */
#ifndef RK_SEGMENT_H
#define RK_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/dec.h"
#include "common/err.h"
#include "cur/schema.h"

#define RK_SEG_BLOCK_ROWS 16384u

/* A segment holds two tables in separate blocks: the delivery's rows, and
 * the commitment rollup ingest computes from them (cur/commit.h): hourly
 * partial sums that commitment reports read instead of the rows. Queries
 * name the table they scan; row counts are of the rows table. */
typedef enum rk_seg_table { RK_SEG_ROWS = 0, RK_SEG_ROLLUP = 1 } rk_seg_table;

/* ---- writer ----
 * rk_segw is the file: its column registry, block directory and footer. It is
 * shared and thread-safe. Rows are built in rk_segb block builders, one per
 * thread, which encode a full block on their own thread and append it to the
 * file under the writer's lock, so several threads fill one segment. */

typedef struct rk_segw rk_segw;
typedef struct rk_segb rk_segb;

rk_status rk_segw_create(const char *path, rk_segw **out, rk_err *err);
/* Finds or adds a column; returns its index, or -1 (err set) when the name
 * exists with another type or memory runs out. Thread-safe. */
int rk_segw_column(rk_segw *w, const char *name, rk_coltype type, rk_err *err);
uint64_t rk_segw_rows(rk_segw *w); /* of the rows table */
uint64_t rk_segw_bytes(rk_segw *w);
/* After every builder is closed: writes the footer with `meta` (text,
 * usually JSON), fsyncs and closes. Frees w whatever the outcome. */
rk_status rk_segw_finish(rk_segw *w, const char *meta, rk_err *err);
/* Closes, removes the file and frees w. Builders must be discarded first. */
void rk_segw_abort(rk_segw *w);

rk_status rk_segb_open(rk_segw *w, rk_segb **out, rk_err *err); /* a builder of the rows table */
rk_status rk_segb_open_table(rk_segw *w, rk_seg_table table, rk_segb **out, rk_err *err);
/* Setters for the current row. The first value set for a column in a row
 * wins; an empty string is null. */
void rk_segb_set_str(rk_segb *b, int col, const char *p, size_t n);
void rk_segb_set_dec(rk_segb *b, int col, rk_dec v);
void rk_segb_set_time(rk_segb *b, int col, int64_t ms);
rk_status rk_segb_end_row(rk_segb *b, rk_err *err);
/* Appends the partial block; b stays usable (and keeps its buffers, so a
 * thread can fill many files without allocating again). */
rk_status rk_segb_flush(rk_segb *b, rk_err *err);
/* Appends the partial block and frees b (NULL-safe). */
rk_status rk_segb_close(rk_segb *b, rk_err *err);
/* Frees b without writing (the segment is being aborted). */
void rk_segb_discard(rk_segb *b);

/* ---- reader ---- */

typedef struct rk_seg rk_seg;

rk_status rk_seg_open(const char *path, rk_seg **out, rk_err *err);
void rk_seg_close(rk_seg *s);
uint64_t rk_seg_rows(const rk_seg *s);
uint32_t rk_seg_nblocks(const rk_seg *s);
uint32_t rk_seg_block_rows(const rk_seg *s, uint32_t block);
rk_seg_table rk_seg_block_table(const rk_seg *s, uint32_t block);
uint32_t rk_seg_ncols(const rk_seg *s);
const char *rk_seg_colname(const rk_seg *s, uint32_t col);
rk_coltype rk_seg_coltype(const rk_seg *s, uint32_t col);
int rk_seg_find(const rk_seg *s, const char *name); /* -1 when absent */
const char *rk_seg_meta(const rk_seg *s);
/* Min/max of a time column in a block; false when the chunk is absent. */
bool rk_seg_time_range(const rk_seg *s, int col, uint32_t block, int64_t *min, int64_t *max);

typedef struct rk_strview {
    uint32_t n;     /* rows */
    uint32_t ndict; /* ids 1..ndict; 0 is null */
    int idw;        /* 0 (all null), 1, 2 or 4 */
    const uint8_t *ids;
    const uint8_t *off; /* (ndict+1) little-endian u32 offsets into bytes */
    const char *bytes;
} rk_strview;

typedef struct rk_decview {
    uint32_t n;
    int enc;   /* 0 all null, 2 = dec64, 3 = dec128 */
    int scale; /* dec64: value = (base + raw) / 10^scale */
    int width; /* dec64: bytes per value, 0..8 */
    int64_t base;
    const uint8_t *nulls; /* bit set = null; NULL when no nulls */
    const uint8_t *vals;
} rk_decview;

/* Drops the block's pages from this process's mapping once a scan is done
 * with them (they stay in the page cache), so reading a large segment does
 * not grow the reader's resident memory. Views of the block stay valid. */
void rk_seg_release_block(const rk_seg *s, uint32_t block);

/* A column absent from the block (or col < 0) gives an all-null view. */
rk_status rk_seg_str(const rk_seg *s, int col, uint32_t block, rk_strview *v, rk_err *err);
rk_status rk_seg_dec(const rk_seg *s, int col, uint32_t block, rk_decview *v, rk_err *err);

static inline uint32_t rk_rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint32_t rk_strview_id(const rk_strview *v, uint32_t i)
{
    uint32_t id;
    switch (v->idw) {
    case 1: id = v->ids[i]; break;
    case 2: {
        uint16_t x;
        memcpy(&x, v->ids + 2 * (size_t)i, 2);
        id = x;
        break;
    }
    case 4: memcpy(&id, v->ids + 4 * (size_t)i, 4); break;
    default: return 0;
    }
    return id <= v->ndict ? id : 0;
}

static inline const char *rk_strview_str(const rk_strview *v, uint32_t id, size_t *len)
{
    if (id == 0) {
        *len = 0;
        return "";
    }
    uint32_t a = rk_rd32(v->off + 4 * (size_t)(id - 1)), b = rk_rd32(v->off + 4 * (size_t)id);
    *len = b - a;
    return v->bytes + a;
}

static inline bool rk_decview_null(const rk_decview *v, uint32_t i)
{
    if (v->enc == 0) return true;
    return v->nulls && (v->nulls[i >> 3] >> (i & 7) & 1);
}

/* Raw dec64 value (before scale); callers check enc == 2. */
static inline int64_t rk_decview_raw(const rk_decview *v, uint32_t i)
{
    uint64_t x = 0;
    memcpy(&x, v->vals + (size_t)i * (size_t)v->width, (size_t)v->width);
    return (int64_t)((uint64_t)v->base + x);
}

/* The value at scale 18 (0 when null). */
static inline rk_i128 rk_decview_get18(const rk_decview *v, uint32_t i)
{
    if (rk_decview_null(v, i)) return 0;
    if (v->enc == 3) {
        rk_i128 x;
        memcpy(&x, v->vals + 16 * (size_t)i, 16);
        return x;
    }
    return (rk_i128)rk_decview_raw(v, i) * rk_pow10_128[RK_DEC_MAXE - v->scale];
}

#endif
