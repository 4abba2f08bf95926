/* gen_parquet.h — a small Parquet writer for the generator (not a public
 * header; nothing outside src/gen uses it).
 *
 * It writes what the generator needs and nothing more: a flat or MAP-nested
 * schema of BYTE_ARRAY, DOUBLE and INT64 leaves; data pages v1 compressed
 * with SNAPPY; BYTE_ARRAY columns dictionary-encoded (a PLAIN dictionary page
 * and RLE_DICTIONARY data pages: a bit-width byte, then the RLE/bit-packed
 * hybrid), DOUBLE and INT64 PLAIN; repetition and definition levels RLE,
 * length-prefixed. The Thrift compact protocol of the page headers and the
 * footer is written by hand. Files depend only on the values put in them.
 *
 * Usage: build a gpq_schema once (it is read-only afterwards and may be
 * shared by writers in several threads), then per file:
 *
 *     gpq_writer *w;
 *     RK_TRY(gpq_open(path, schema, rows_per_group, &w, err));
 *     for each row:
 *         for each leaf column, in any order, its entries for the row
 *             (one for a flat column; for a map's leaves one per entry, or
 *             one null entry when the map is null or empty);
 *         RK_TRY(gpq_end_row(w, err));
 *     (or, faster: a batch of rows column by column, then gpq_end_rows)
 *     RK_TRY(gpq_close(w, &bytes, err));   (always frees w)
 *
 * An entry carries its repetition level `rep` and definition level `def`:
 * def equal to the column's max definition level means a value is present;
 * lower means null at that level (gpq_null). A REQUIRED flat column has
 * max levels 0, so its entries are (0, 0) with a value.
 *
 * Memory is bounded by one row group: the compressed pages of the current
 * row group, one page of raw values per column, and each column's
 * dictionary (at most about 1 MiB: past that the column chunk continues in
 * PLAIN pages, as parquet-mr does). A column whose first page has more
 * distinct values than half its values (an id) is written PLAIN for that
 * row group, without a dictionary.
 *
 * Errors: the put functions never fail; running out of memory is remembered
 * and returned by the next gpq_end_row(s) or gpq_close.
 *
 * Threads: a writer is used by one thread at a time; writers of different
 * files are independent.
 */
#ifndef RK_GEN_PARQUET_H
#define RK_GEN_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef enum gpq_type { GPQ_BYTE_ARRAY = 0, GPQ_DOUBLE, GPQ_INT64 } gpq_type;
typedef enum gpq_repetition { GPQ_REQUIRED = 0, GPQ_OPTIONAL = 1, GPQ_REPEATED = 2 } gpq_repetition;

/* How a node is annotated in the schema. */
typedef enum gpq_annotation {
    GPQ_NONE = 0,
    GPQ_UTF8,                 /* converted type UTF8 only, as parquet-mr 1.8 (AWS's legacy files) writes */
    GPQ_STRING,               /* logical type STRING and converted type UTF8 */
    GPQ_TIMESTAMP_MILLIS,     /* converted type TIMESTAMP_MILLIS only (parquet-mr 1.8) */
    GPQ_TIMESTAMP_MILLIS_UTC, /* logical TIMESTAMP(isAdjustedToUTC=true, MILLIS) and converted TIMESTAMP_MILLIS */
    GPQ_MAP                   /* a group: logical type MAP and converted type MAP */
} gpq_annotation;

/* ---- schema ---- */

typedef struct gpq_schema gpq_schema;

/* A new schema whose root element is named root_name; NULL when out of memory. */
gpq_schema *gpq_schema_new(const char *root_name);
/* Adds the next element in depth-first order. A group owns the next
 * nchildren elements at its level (top-level elements are the root's
 * children). gpq_schema_leaf returns the leaf's column index (0, 1, … in
 * order). Mistakes and allocation failures are reported by finish. */
void gpq_schema_group(gpq_schema *s, const char *name, gpq_repetition rep, int nchildren, gpq_annotation ann);
int gpq_schema_leaf(gpq_schema *s, const char *name, gpq_repetition rep, gpq_type type, gpq_annotation ann);
/* Checks the tree (every group complete, top-level names unique) and
 * computes each leaf's path and maximum levels. */
rk_status gpq_schema_finish(gpq_schema *s, rk_err *err);
int gpq_schema_columns(const gpq_schema *s);
int gpq_schema_max_def(const gpq_schema *s, int col);
int gpq_schema_max_rep(const gpq_schema *s, int col);
void gpq_schema_free(gpq_schema *s);

/* ---- writer ---- */

typedef struct gpq_writer gpq_writer;

/* Creates (or truncates) path and writes the magic. The schema must be
 * finished and outlive the writer. rows_per_group >= 1. */
rk_status gpq_open(const char *path, const gpq_schema *s, uint64_t rows_per_group, gpq_writer **out, rk_err *err);

/* One entry of column col (see the header comment for rep and def). The
 * bytes are copied. The column's type must match the function. */
void gpq_bytes(gpq_writer *w, int col, int rep, int def, const void *p, size_t n);
/* gpq_bytes for a caller that puts the same values again and again (block
 * cells): the memo, zeroed at first, remembers the value's dictionary entry
 * while that dictionary lives, so the next put of that value in that column
 * skips the lookup. A memo belongs to one column and one value: the caller
 * promises p holds the same bytes whenever it passes the same memo. */
typedef struct gpq_memo {
    uint64_t epoch;
    uint32_t entry;
} gpq_memo;
void gpq_bytes_memo(gpq_writer *w, int col, int rep, int def, const void *p, size_t n, gpq_memo *m);

/* One row's value of a flat column (repetition level 0): null at
 * definition level 0, or a value at the column's maximum level. */
typedef struct gpq_value {
    union {
        const void *p; /* BYTE_ARRAY */
        double d;
        int64_t i;
    } v;
    uint32_t n;     /* BYTE_ARRAY: length */
    bool null;
    gpq_memo *memo; /* BYTE_ARRAY: optional, as for gpq_bytes_memo */
} gpq_value;
/* Puts n rows' values of flat column col: what gpq_bytes_memo, gpq_double,
 * gpq_int64 and gpq_null would do for each, in one call. */
void gpq_put_flat(gpq_writer *w, int col, const gpq_value *v, size_t n);
void gpq_double(gpq_writer *w, int col, int rep, int def, double v);
void gpq_int64(gpq_writer *w, int col, int rep, int def, int64_t v);
void gpq_null(gpq_writer *w, int col, int rep, int def);

/* Ends the row: closes pages that are full and writes the row group when it
 * has rows_per_group rows. */
rk_status gpq_end_row(gpq_writer *w, rk_err *err);
/* Ends nrows rows at once, for a caller that puts a batch of rows column by
 * column (gpq_put_flat); the batch may not cross a row group boundary (the
 * caller counts its rows against gpq_rows_per_group). */
rk_status gpq_end_rows(gpq_writer *w, uint64_t nrows, rk_err *err);
/* Fixed at gpq_open: safe to read from any thread. */
uint64_t gpq_rows_per_group(const gpq_writer *w);
/* Writes the last row group and the footer, closes the file; *bytes (when
 * non-NULL) gets the file size. Always frees w; NULL-safe. */
rk_status gpq_close(gpq_writer *w, uint64_t *bytes, rk_err *err);
/* Frees w and closes its file, which is left incomplete. NULL-safe. */
void gpq_discard(gpq_writer *w);

#endif
