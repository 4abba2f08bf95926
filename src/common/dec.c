#include "common/dec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const int64_t rk_pow10_64[19] = {1LL,
                                 10LL,
                                 100LL,
                                 1000LL,
                                 10000LL,
                                 100000LL,
                                 1000000LL,
                                 10000000LL,
                                 100000000LL,
                                 1000000000LL,
                                 10000000000LL,
                                 100000000000LL,
                                 1000000000000LL,
                                 10000000000000LL,
                                 100000000000000LL,
                                 1000000000000000LL,
                                 10000000000000000LL,
                                 100000000000000000LL,
                                 1000000000000000000LL};

#define E18 ((rk_i128)1000000000000000000LL)
const rk_i128 rk_pow10_128[39] = {
    (rk_i128)1LL,
    (rk_i128)10LL,
    (rk_i128)100LL,
    (rk_i128)1000LL,
    (rk_i128)10000LL,
    (rk_i128)100000LL,
    (rk_i128)1000000LL,
    (rk_i128)10000000LL,
    (rk_i128)100000000LL,
    (rk_i128)1000000000LL,
    (rk_i128)10000000000LL,
    (rk_i128)100000000000LL,
    (rk_i128)1000000000000LL,
    (rk_i128)10000000000000LL,
    (rk_i128)100000000000000LL,
    (rk_i128)1000000000000000LL,
    (rk_i128)10000000000000000LL,
    (rk_i128)100000000000000000LL,
    (rk_i128)1000000000000000000LL,
    E18 * 10LL,
    E18 * 100LL,
    E18 * 1000LL,
    E18 * 10000LL,
    E18 * 100000LL,
    E18 * 1000000LL,
    E18 * 10000000LL,
    E18 * 100000000LL,
    E18 * 1000000000LL,
    E18 * 10000000000LL,
    E18 * 100000000000LL,
    E18 * 1000000000000LL,
    E18 * 10000000000000LL,
    E18 * 100000000000000LL,
    E18 * 1000000000000000LL,
    E18 * 10000000000000000LL,
    E18 * 100000000000000000LL,
    E18 * 1000000000000000000LL,
    E18 * E18 * 10LL,
    E18 * E18 * 100LL,
};
#undef E18

/* |v| < 10^20 at scale e  <=>  |m| < 10^(20+e). */
static bool in_range(rk_i128 m, int e)
{
    rk_i128 lim = rk_pow10_128[20 + e];
    return m < lim && m > -lim;
}

rk_dec rk_dec_normalize(rk_dec d)
{
    if (d.m == 0) return (rk_dec){0, 0};
    while (d.e > 0 && d.m % 10 == 0) {
        d.m /= 10;
        d.e--;
    }
    return d;
}

static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

rk_status rk_dec_parse(const char *s, size_t n, rk_dec *out, bool *rounded)
{
    if (rounded) *rounded = false;
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (n == 0) return RK_ENOTFOUND;

    size_t i = 0;
    bool neg = false;
    if (s[i] == '-' || s[i] == '+') {
        neg = s[i] == '-';
        i++;
    }

    /* Fast path: plain digits with an optional fraction, at most 18 digits. */
    {
        uint64_t acc = 0;
        size_t j = i, ndig = 0, nfrac = 0;
        bool dot = false, ok = true;
        for (; j < n; j++) {
            char c = s[j];
            if (is_digit(c)) {
                acc = acc * 10 + (uint64_t)(c - '0');
                ndig++;
                if (dot) nfrac++;
            } else if (c == '.' && !dot) {
                dot = true;
            } else {
                ok = false;
                break;
            }
        }
        if (ok && ndig > 0 && ndig <= 18) {
            rk_dec d = {(rk_i128)acc, (int)nfrac};
            if (neg) d.m = -d.m;
            *out = rk_dec_normalize(d);
            return RK_OK;
        }
    }

    /* General path: collect the digit string, then place the decimal point. */
    size_t int0 = i;
    while (i < n && is_digit(s[i])) i++;
    size_t int1 = i, frac0 = i, frac1 = i;
    if (i < n && s[i] == '.') {
        i++;
        frac0 = i;
        while (i < n && is_digit(s[i])) i++;
        frac1 = i;
    }
    if (int1 == int0 && frac1 == frac0) return RK_EBADDATA;
    long exp10 = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '-' || s[i] == '+')) {
            eneg = s[i] == '-';
            i++;
        }
        if (i >= n || !is_digit(s[i])) return RK_EBADDATA;
        while (i < n && is_digit(s[i])) {
            if (exp10 < 100000) exp10 = exp10 * 10 + (s[i] - '0');
            i++;
        }
        if (eneg) exp10 = -exp10;
    }
    if (i != n) return RK_EBADDATA;

    /* value = D · 10^-(nfrac - exp10) where D is the digit string. */
    long decimals = (long)(frac1 - frac0) - exp10;
    size_t ndig = (int1 - int0) + (frac1 - frac0);
    /* Digits beyond the 18th decimal place are cut and rounded. */
    long cut = decimals > RK_DEC_MAXE ? decimals - RK_DEC_MAXE : 0;
    long keep = (long)ndig - cut;
    rk_i128 m = 0;
    int first_dropped = 0;
    bool sticky = false;
    long k = 0;
    for (size_t p = int0; p < frac1; p++) {
        if (p == int1) {
            p = frac0 - 1; /* skip the '.' */
            continue;
        }
        int dg = s[p] - '0';
        if (k < keep) {
            if (m > (rk_pow10_128[38] / 10)) return RK_ELIMIT;
            m = m * 10 + dg;
        } else if (k == keep) {
            first_dropped = dg;
        } else if (dg) {
            sticky = true;
        }
        k++;
    }
    int e;
    if (decimals < 0) {
        /* Integer with a positive exponent: scale up. */
        if (m != 0) {
            if (-decimals > 20 || m >= rk_pow10_128[20]) return RK_ELIMIT;
            for (long t = 0; t < -decimals; t++) {
                if (m >= rk_pow10_128[19]) return RK_ELIMIT; /* checked before it can overflow */
                m *= 10;
            }
        }
        e = 0;
    } else {
        e = (int)(decimals - cut);
    }
    if (cut > 0) {
        bool up = first_dropped >= 5; /* half away from zero, as SQL engines round */
        if (first_dropped || sticky) {
            if (rounded) *rounded = true;
        }
        if (up) m += 1;
    }
    if (!in_range(m, e)) return RK_ELIMIT;
    rk_dec d = {neg ? -m : m, e};
    *out = rk_dec_normalize(d);
    return RK_OK;
}

static bool align(rk_dec *a, rk_dec *b)
{
    if (a->e < b->e) {
        rk_dec *t = a;
        a = b;
        b = t;
    }
    /* a has the larger scale; lift b. Both are < 10^20 so this fits. */
    b->m *= rk_pow10_128[a->e - b->e];
    b->e = a->e;
    return true;
}

bool rk_dec_add(rk_dec a, rk_dec b, rk_dec *out)
{
    align(&a, &b);
    rk_i128 m;
    if (__builtin_add_overflow(a.m, b.m, &m)) return false;
    if (!in_range(m, a.e)) return false;
    *out = rk_dec_normalize((rk_dec){m, a.e});
    return true;
}

bool rk_dec_sub(rk_dec a, rk_dec b, rk_dec *out) { return rk_dec_add(a, rk_dec_neg(b), out); }

int rk_dec_cmp(rk_dec a, rk_dec b)
{
    align(&a, &b);
    return a.m < b.m ? -1 : a.m > b.m;
}

rk_dec rk_dec_from18(rk_i128 v) { return rk_dec_normalize((rk_dec){v, RK_DEC_MAXE}); }

/* Divides n by d (d > 0) rounding half away from zero. */
static rk_i128 div_round(rk_i128 n, rk_i128 d)
{
    bool neg = n < 0;
    if (neg) n = -n;
    rk_i128 q = n / d, r = n % d;
    if (r * 2 >= d) q++;
    return neg ? -q : q;
}

bool rk_dec_muldiv(rk_dec a, rk_dec num, rk_dec den, rk_dec *out)
{
    if (den.m == 0) return false;
    /* result·10^18 = a.m·num.m·10^(18 - a.e - num.e + den.e) / den.m */
    rk_i128 p;
    if (__builtin_mul_overflow(a.m, num.m, &p)) return false;
    int shift = RK_DEC_MAXE - a.e - num.e + den.e;
    rk_i128 dm = den.m;
    if (dm < 0) {
        dm = -dm;
        p = -p;
    }
    if (shift >= 0) {
        if (shift > 38 || __builtin_mul_overflow(p, rk_pow10_128[shift], &p)) return false;
    } else {
        if (-shift > 38 || __builtin_mul_overflow(dm, rk_pow10_128[-shift], &dm)) return false;
    }
    rk_i128 q = div_round(p, dm);
    if (!in_range(q, RK_DEC_MAXE)) return false;
    *out = rk_dec_normalize((rk_dec){q, RK_DEC_MAXE});
    return true;
}

size_t rk_i128_fmt(rk_i128 v, int e, char *out)
{
    char tmp[48]; /* digits, least significant first */
    int n = 0;
    bool neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    while (n <= e) tmp[n++] = '0'; /* at least one integer digit */
    int lo = 0;                    /* fractional zeros to drop */
    while (lo < e && tmp[lo] == '0') lo++;
    size_t len = 0;
    if (neg && v != 0) out[len++] = '-';
    for (int k = n - 1; k >= e; k--) out[len++] = tmp[k];
    if (lo < e) {
        out[len++] = '.';
        for (int k = e - 1; k >= lo; k--) out[len++] = tmp[k];
    }
    out[len] = 0;
    return len;
}

size_t rk_i128_fmt_grouped(rk_i128 v18, int decimals, char *out)
{
    if (decimals < 0) decimals = 0;
    if (decimals > RK_DEC_MAXE) decimals = RK_DEC_MAXE;
    bool neg = v18 < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-(v18 + 1)) + 1 : (unsigned __int128)v18;
    unsigned __int128 unit = (unsigned __int128)rk_pow10_128[RK_DEC_MAXE - decimals];
    unsigned __int128 q = u / unit, r = u % unit;
    if (r * 2 >= unit) q++; /* half away from zero */
    char digits[48];
    int n = 0;
    do {
        digits[n++] = (char)('0' + (int)(q % 10));
        q /= 10;
    } while (q);
    while (n <= decimals) digits[n++] = '0';
    bool allzero = true;
    for (int k = 0; k < n; k++)
        if (digits[k] != '0') allzero = false;
    size_t len = 0;
    if (neg && !allzero) out[len++] = '-';
    for (int k = n - 1; k >= 0; k--) {
        int pos = k - decimals; /* position within the integer part, 0 = units */
        out[len++] = digits[k];
        if (pos > 0 && pos % 3 == 0) out[len++] = ',';
        if (k == decimals && decimals > 0) out[len++] = '.';
    }
    out[len] = 0;
    return len;
}

/* HOW IT WORKS (double -> shortest decimal)
 * Fast path: most CUR doubles are decimals with at most 10 places and below
 * 10^5. Take m = round(x * 10^10); when m / 10^10 (an exactly rounded IEEE
 * division of two exact doubles, since |m| < 2^53) gives back x, the decimal
 * m·10^-10 reads back as x. With at most 15 significant digits that decimal
 * is the only one of its length that does, so stripping trailing zeros gives
 * the shortest. Everything else takes the general path: print with 1, 2, …
 * 17 significant digits and keep the first that reads back as x. */
bool rk_dec_from_double(double x, rk_dec *out)
{
    if (!isfinite(x)) return false;
    if (x == 0) {
        *out = rk_dec_zero();
        return true;
    }
    double ax = fabs(x);
    if (ax < 1e5 && ax >= 1e-10) {
        double y = x * 1e10;
        int64_t m = llround(y);
        for (int64_t c = m - 1; c <= m + 1; c++) {
            if (c > -1000000000000000LL && c < 1000000000000000LL && (double)c / 1e10 == x) {
                *out = rk_dec_normalize((rk_dec){c, 10});
                return true;
            }
        }
    }
    char buf[64];
    for (int prec = 1; prec <= 17; prec++) {
        int n = snprintf(buf, sizeof buf, "%.*e", prec - 1, x);
        if (strtod(buf, NULL) == x) {
            bool r;
            return rk_dec_parse(buf, (size_t)n, out, &r) == RK_OK;
        }
    }
    return false;
}
