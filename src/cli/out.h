/* out.h — output for people (aligned tables) and machines (CSV, JSON). */
#ifndef RK_OUT_H
#define RK_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/dec.h"
#include "ingest/ingest.h"

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

/* Seconds on a monotonic clock. */
double rk_mono(void);
/* 1234567 -> "1.2 MB" */
void rk_fmt_bytes(uint64_t b, char *out, size_t cap);

/* A one-line progress bar on stderr (bytes, rows, deliveries, ETA), redrawn
 * in place; nothing when tty is false. Pass rk_progress_cb as the ingest's
 * progress callback with an rk_progress as its context. */
typedef struct rk_progress {
    bool tty;
    double t0;         /* rk_mono() at the start, for the ETA */
    const char *label; /* prefix such as the connection name; may be NULL */
    size_t last_len;
} rk_progress;
void rk_progress_cb(void *ctx, const rk_ingest_progress *p, bool final);

/* The outcome of each period of an ingest or a sync, for people and machines. */
const char *rk_res_word(rk_res_status s); /* "ingested", "unchanged", "failed"… */
void rk_period_results_sort(rk_period_result *v, size_t n); /* by report, then period */
void rk_period_results_table(const rk_period_result *v, size_t n, FILE *f);
/* A JSON array of {report, format, period, status, rows, message}. */
void rk_period_results_json(rk_buf *b, const rk_period_result *v, size_t n);

#endif
