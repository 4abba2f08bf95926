/* parquet.h — reckon's own Parquet decoder.
 *
 * Reads the footer (Thrift compact metadata), the schema tree and row groups
 * through a caller-supplied random-access read function, then decodes one
 * column chunk at a time with a reader that returns row-aligned batches.
 *
 * Supported: data pages v1 and v2, dictionary pages; encodings PLAIN,
 * PLAIN_DICTIONARY / RLE_DICTIONARY, RLE (booleans and levels), BIT_PACKED
 * levels, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY,
 * BYTE_STREAM_SPLIT; codecs UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW;
 * optional fields (definition levels) and repeated fields (repetition
 * levels), which is what CUR 2.0's map columns need.
 *
 * Memory: a reader holds its column chunk (compressed) and the pages that
 * the current batch points into; nothing is kept per row group beyond the
 * readers the caller opens (column projection = opening only some).
 * Every length read from the file is checked against the file, the chunk or
 * the page it claims to describe; a page may not inflate beyond its declared
 * size (no decompression bombs). Errors name the column and row group; the
 * caller adds the file.
 */
#ifndef RK_PARQUET_H
#define RK_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dec.h"
#include "common/err.h"

typedef enum rk_pq_phys {
    RK_PQ_BOOLEAN = 0,
    RK_PQ_INT32 = 1,
    RK_PQ_INT64 = 2,
    RK_PQ_INT96 = 3,
    RK_PQ_FLOAT = 4,
    RK_PQ_DOUBLE = 5,
    RK_PQ_BYTE_ARRAY = 6,
    RK_PQ_FIXED = 7
} rk_pq_phys;

typedef enum rk_pq_logical {
    RK_PQL_NONE = 0,
    RK_PQL_STRING, /* STRING/UTF8, ENUM, JSON */
    RK_PQL_TIMESTAMP,
    RK_PQL_DATE,
    RK_PQL_DECIMAL,
    RK_PQL_INT,
    RK_PQL_OTHER
} rk_pq_logical;

typedef enum rk_pq_unit { RK_PQ_MILLIS = 0, RK_PQ_MICROS, RK_PQ_NANOS } rk_pq_unit;

/* Where a leaf sits in the schema, as far as reckon cares. */
typedef enum rk_pq_shape {
    RK_PQ_FLAT = 0,  /* a top-level primitive field */
    RK_PQ_MAP_KEY,   /* key of a top-level MAP field */
    RK_PQ_MAP_VALUE, /* value of a top-level MAP field */
    RK_PQ_LIST_ELEM, /* element of a top-level LIST field */
    RK_PQ_NESTED     /* anything else (structs, deeper nesting) */
} rk_pq_shape;

typedef struct rk_pq_col {
    char *path; /* dotted: "resource_tags.key_value.key" */
    char *top;  /* the top-level field: "resource_tags" */
    rk_pq_phys phys;
    int type_length; /* FIXED_LEN_BYTE_ARRAY width */
    rk_pq_logical logical;
    rk_pq_unit unit; /* TIMESTAMP */
    int scale, precision; /* DECIMAL */
    bool is_unsigned;     /* INT(bits, false) / UINT_*: the stored bits are unsigned */
    int max_def, max_rep;
    rk_pq_shape shape;
    int entry_def; /* MAP/LIST: definition level at which an entry exists */
} rk_pq_col;

/* Reads len bytes at off of the file; RK_OK only when all were read. */
typedef rk_status (*rk_pq_read_fn)(void *ctx, uint64_t off, void *buf, size_t len, rk_err *err);

typedef struct rk_pq rk_pq;

rk_status rk_pq_open(rk_pq_read_fn rd, void *ctx, uint64_t size, rk_pq **out, rk_err *err);
void rk_pq_close(rk_pq *f);
size_t rk_pq_ncols(const rk_pq *f);
const rk_pq_col *rk_pq_column(const rk_pq *f, size_t i);
size_t rk_pq_nrowgroups(const rk_pq *f);
int64_t rk_pq_rowgroup_rows(const rk_pq *f, size_t rg);
int64_t rk_pq_rows(const rk_pq *f);
const char *rk_pq_created_by(const rk_pq *f);

/* ---- reading a column chunk ---- */

typedef struct rk_pq_slice {
    const uint8_t *p;
    uint32_t n;
} rk_pq_slice;

typedef struct rk_pq_batch {
    size_t nvals;        /* level entries in the batch */
    size_t nrows;        /* rows they cover */
    const uint8_t *def;  /* nvals entries, NULL when max_def == 0 */
    const uint8_t *rep;  /* nvals entries, NULL when max_rep == 0 */
    size_t nnn;          /* non-null values, in order */
    const uint8_t *b8;   /* BOOLEAN */
    const int32_t *i32;  /* INT32 */
    const int64_t *i64;  /* INT64 */
    const float *f32;    /* FLOAT */
    const double *f64;   /* DOUBLE */
    const rk_pq_slice *bin; /* BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96 (12 bytes) */
} rk_pq_batch;

/* The integer value vi of an INT32/INT64 leaf stands for, honoring
 * unsigned logical types (a UINT64 of all ones is 18446744073709551615). */
static inline rk_i128 rk_pq_intval(const rk_pq_col *k, const rk_pq_batch *b, size_t vi)
{
    if (k->phys == RK_PQ_INT32) return k->is_unsigned ? (rk_i128)(uint32_t)b->i32[vi] : (rk_i128)b->i32[vi];
    return k->is_unsigned ? (rk_i128)(uint64_t)b->i64[vi] : (rk_i128)b->i64[vi];
}

typedef struct rk_pq_reader rk_pq_reader;

rk_status rk_pq_reader_open(rk_pq *f, size_t rg, size_t col, rk_pq_reader **out, rk_err *err);
/* The next `rows` rows of the chunk (fewer at its end; nrows 0 when done).
 * The batch stays valid until the next call or close. */
rk_status rk_pq_reader_next(rk_pq_reader *r, size_t rows, rk_pq_batch *b, rk_err *err);
void rk_pq_reader_close(rk_pq_reader *r);

/* ---- value helpers ---- */

/* INT96 (legacy Impala/Hive timestamp) to milliseconds since 1970. */
int64_t rk_pq_int96_ms(const uint8_t *p);
/* Timestamp in `unit` to milliseconds (truncating toward minus infinity). */
int64_t rk_pq_ts_ms(int64_t v, rk_pq_unit unit);
/* Big-endian two's complement unscaled value with `scale` decimals. */
rk_status rk_pq_decimal_be(const uint8_t *p, size_t n, int scale, rk_dec *out);
/* An integer unscaled value with `scale` decimals. */
rk_status rk_pq_decimal_i64(int64_t v, int scale, rk_dec *out);

#endif
