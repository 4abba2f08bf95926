/* dec.h — exact decimal numbers for money and quantities.
 *
 * HOW IT WORKS
 * A value is m · 10^-e with a 128-bit integer m and 0 <= e <= 18, kept
 * normalised (no trailing zeros in the fraction). CUR text such as
 * "0.00165303109242778" or "1.4724E-6" parses without loss; anything with
 * more than 18 decimal places is rounded half away from zero at the 18th (as
 * SQL engines do) and the caller
 * is told. Magnitudes are limited to |v| < 10^20, so every value also fits the
 * fixed "scale 18" form (rk_dec_to18) that accumulators use: 128-bit sums at
 * 10^-18 cover ±1.7·10^20, far beyond any bill. Nothing here uses floating point.
 */
#ifndef RK_DEC_H
#define RK_DEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef __int128 rk_i128;

#define RK_DEC_MAXE 18

typedef struct rk_dec {
    rk_i128 m;
    int e;
} rk_dec;

extern const int64_t rk_pow10_64[19];  /* 10^0 .. 10^18 */
extern const rk_i128 rk_pow10_128[39]; /* 10^0 .. 10^38 */

static inline rk_dec rk_dec_zero(void) { return (rk_dec){0, 0}; }
static inline bool rk_dec_is_zero(rk_dec d) { return d.m == 0; }

/* Parses [+-]digits[.digits][(e|E)[+-]digits], surrounding spaces allowed.
 * RK_OK; RK_ENOTFOUND when the text is empty (a null cell); RK_EBADDATA when it
 * is not a number; RK_ELIMIT when |v| >= 10^20. *rounded (optional) is set to
 * true when digits beyond the 18th decimal place were rounded away. */
rk_status rk_dec_parse(const char *s, size_t n, rk_dec *out, bool *rounded);

/* Exact arithmetic. Returns false on overflow (|v| >= 10^20 or i128 overflow). */
bool rk_dec_add(rk_dec a, rk_dec b, rk_dec *out);
bool rk_dec_sub(rk_dec a, rk_dec b, rk_dec *out);
static inline rk_dec rk_dec_neg(rk_dec a) { return (rk_dec){-a.m, a.e}; }
/* a · num / den rounded half away from zero at 18 decimals; false when den is 0
 * or on overflow. */
bool rk_dec_muldiv(rk_dec a, rk_dec num, rk_dec den, rk_dec *out);
int rk_dec_cmp(rk_dec a, rk_dec b);
rk_dec rk_dec_normalize(rk_dec d);
/* m · 10^(18-e): the accumulator form. */
static inline rk_i128 rk_dec_to18(rk_dec d) { return d.m * rk_pow10_128[RK_DEC_MAXE - d.e]; }
rk_dec rk_dec_from18(rk_i128 v);

/* The shortest decimal that reads back as x (what the writer of a double
 * meant: 0.1, not 0.1000000000000000055…). false for NaN and infinities. */
bool rk_dec_from_double(double x, rk_dec *out);

/* Writes the exact decimal text of v·10^-e (no trailing zeros, no exponent).
 * out needs 48 bytes. Returns the length. */
size_t rk_i128_fmt(rk_i128 v, int e, char *out);
static inline size_t rk_dec_fmt(rk_dec d, char *out) { return rk_i128_fmt(d.m, d.e, out); }
/* Rounds a scale-18 value half away from zero to `decimals` places and writes
 * it with thousands separators ("-1,234.50"). out needs 64 bytes. */
size_t rk_i128_fmt_grouped(rk_i128 v18, int decimals, char *out);

#endif
