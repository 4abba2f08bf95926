/* csv.h — streaming RFC 4180 reader.
 *
 * Reads rows from a byte stream in bounded memory: the buffer holds one read
 * chunk plus the row being parsed, and refuses a field longer than max_field
 * or a row longer than max_row (RK_ELIMIT, naming the line and column).
 * Handles quoted fields with commas, doubled quotes and embedded newlines,
 * CRLF and LF line ends, a UTF-8 byte order mark, and blank lines (skipped).
 * With validate_utf8 every field is checked to be UTF-8.
 *
 * The reader borrows the stream. Each row and its fields are valid until the
 * next rk_csv_next call. Line numbers are 1-based physical lines, counting
 * newlines inside quoted fields, so they match what an editor shows.
 */
#ifndef RK_CSV_H
#define RK_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/stream.h"

typedef struct rk_csv rk_csv;

typedef struct rk_csv_opts {
    size_t max_field; /* default 4 MiB */
    size_t max_row;   /* default 64 MiB */
    bool validate_utf8;
} rk_csv_opts;

typedef struct rk_csv_field {
    const char *p;
    size_t len;
} rk_csv_field;

typedef struct rk_csv_row {
    size_t n;
    const rk_csv_field *f;
    uint64_t line; /* line on which the row starts */
} rk_csv_row;

rk_status rk_csv_open(rk_in *in, const rk_csv_opts *opts, rk_csv **out, rk_err *err);
/* RK_OK with *row set; RK_ENOTFOUND at the end of the stream. Error messages
 * name the line and the 1-based column; callers prefix the file name. */
rk_status rk_csv_next(rk_csv *c, const rk_csv_row **row, rk_err *err);
/* Bytes of decoded text consumed so far (for progress). */
uint64_t rk_csv_bytes(const rk_csv *c);
void rk_csv_close(rk_csv *c);

/* True when [p, p+n) is well-formed UTF-8. */
bool rk_utf8_valid(const char *p, size_t n);

#endif
