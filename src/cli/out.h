/* out.h — output for people (aligned tables) and machines (CSV, JSON). */
#ifndef RK_OUT_H
#define RK_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/dec.h"

typedef enum { RK_FMT_TABLE = 0, RK_FMT_CSVOUT, RK_FMT_JSONOUT } rk_outfmt;
int rk_outfmt_parse(const char *s, rk_outfmt *out); /* 0 ok, -1 unknown */

typedef struct rk_table {
    size_t ncols;
    char **hdr;
    bool *right;
    char **cells; /* nrows * ncols */
    size_t nrows, cap;
} rk_table;

void rk_table_init(rk_table *t, size_t ncols);
void rk_table_header(rk_table *t, size_t col, const char *name, bool right);
void rk_table_row(rk_table *t, const char *const *cells);
void rk_table_rule(rk_table *t); /* a separator line */
void rk_table_print(const rk_table *t, FILE *f, int indent);
void rk_table_free(rk_table *t);

/* CSV field with RFC 4180 quoting. */
void rk_csv_field_out(FILE *f, const char *s);
/* JSON string literal. */
void rk_json_str(rk_buf *b, const char *s);

/* "$1,234.56", "-€…" style for people: USD gets "$", others a code suffix. */
void rk_money(rk_i128 v18, const char *currency, char *out, size_t cap);
/* 1234567 -> "1,234,567" */
void rk_count(uint64_t n, char *out, size_t cap);
/* "2026-11-27 10:00Z" */
void rk_when(int64_t ms, char *out, size_t cap);

bool rk_isatty_out(void);

#endif
