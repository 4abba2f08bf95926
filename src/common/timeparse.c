#include "common/timeparse.h"

#include <stdbool.h>
#include <stdio.h>

/* Howard Hinnant's civil-date algorithms (public domain). */
int64_t rk_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (unsigned)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void rk_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

static bool digits(const char *s, size_t n, size_t at, size_t cnt, int *out)
{
    if (at + cnt > n) return false;
    int v = 0;
    for (size_t i = 0; i < cnt; i++) {
        char c = s[at + i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

rk_status rk_time_parse(const char *s, size_t n, int64_t *ms)
{
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (n == 0) return RK_ENOTFOUND;
    int y, mo, d, h = 0, mi = 0, se = 0, frac = 0;
    size_t i;
    bool compact = n >= 8 && s[4] != '-';
    if (!compact) {
        if (!digits(s, n, 0, 4, &y) || n < 10 || s[4] != '-' || !digits(s, n, 5, 2, &mo) ||
            s[7] != '-' || !digits(s, n, 8, 2, &d))
            return RK_EBADDATA;
        i = 10;
        if (i < n) {
            if (s[i] != 'T' && s[i] != ' ') return RK_EBADDATA;
            i++;
            if (!digits(s, n, i, 2, &h) || i + 2 >= n || s[i + 2] != ':' ||
                !digits(s, n, i + 3, 2, &mi))
                return RK_EBADDATA;
            i += 5;
            if (i < n && s[i] == ':') {
                if (!digits(s, n, i + 1, 2, &se)) return RK_EBADDATA;
                i += 3;
            }
        }
    } else {
        if (!digits(s, n, 0, 4, &y) || !digits(s, n, 4, 2, &mo) || !digits(s, n, 6, 2, &d))
            return RK_EBADDATA;
        i = 8;
        if (i < n) {
            if (s[i] != 'T') return RK_EBADDATA;
            if (!digits(s, n, i + 1, 2, &h) || !digits(s, n, i + 3, 2, &mi) ||
                !digits(s, n, i + 5, 2, &se))
                return RK_EBADDATA;
            i += 7;
        }
    }
    if (i < n && (s[i] == '.' || s[i] == ',')) {
        i++;
        int nd = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (nd < 3) frac = frac * 10 + (s[i] - '0');
            nd++;
            i++;
        }
        if (nd == 0) return RK_EBADDATA;
        for (; nd < 3; nd++) frac *= 10;
    }
    int64_t offset_min = 0;
    if (i < n) {
        if (s[i] == 'Z' || s[i] == 'z') {
            i++;
        } else if (s[i] == '+' || s[i] == '-') {
            int oh, om = 0;
            int sign = s[i] == '-' ? -1 : 1;
            if (!digits(s, n, i + 1, 2, &oh)) return RK_EBADDATA;
            i += 3;
            if (i < n && s[i] == ':') i++;
            if (i < n) {
                if (!digits(s, n, i, 2, &om)) return RK_EBADDATA;
                i += 2;
            }
            offset_min = sign * (oh * 60 + om);
        }
    }
    if (i != n) return RK_EBADDATA;
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 24 ||
        mi > 59 || se > 60 || (h == 24 && (mi || se || frac)))
        return RK_EBADDATA;
    int64_t days = rk_days_from_civil(y, mo, d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset_min * 60;
    /* An offset can push a date out of the supported years. */
    if (secs < 0 || secs >= 253402300800LL) return RK_EBADDATA; /* 10000-01-01 */
    *ms = secs * 1000 + frac;
    return RK_OK;
}

rk_status rk_interval_parse(const char *s, size_t n, int64_t *start, int64_t *end)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '/') {
            rk_status st = rk_time_parse(s, i, start);
            if (st != RK_OK) return RK_EBADDATA;
            st = rk_time_parse(s + i + 1, n - i - 1, end);
            if (st != RK_OK) return RK_EBADDATA;
            return RK_OK;
        }
    }
    while (n && *s == ' ') s++, n--;
    return n == 0 ? RK_ENOTFOUND : RK_EBADDATA;
}

static int64_t floordiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t rk_time_floor_day(int64_t ms) { return floordiv(ms, RK_MS_PER_DAY) * RK_MS_PER_DAY; }

int64_t rk_time_floor_month(int64_t ms)
{
    int y, m, d;
    rk_civil_from_days(floordiv(ms, RK_MS_PER_DAY), &y, &m, &d);
    return rk_days_from_civil(y, m, 1) * RK_MS_PER_DAY;
}

int64_t rk_time_add_months(int64_t ms, int months)
{
    int y, m, d;
    int64_t day = floordiv(ms, RK_MS_PER_DAY);
    int64_t rem = ms - day * RK_MS_PER_DAY;
    rk_civil_from_days(day, &y, &m, &d);
    int idx = y * 12 + (m - 1) + months;
    y = idx / 12;
    m = idx % 12 + 1;
    if (d > days_in_month(y, m)) d = days_in_month(y, m);
    return rk_days_from_civil(y, m, d) * RK_MS_PER_DAY + rem;
}

size_t rk_time_fmt(int64_t ms, char *out)
{
    int64_t day = floordiv(ms, RK_MS_PER_DAY);
    int64_t rem = ms - day * RK_MS_PER_DAY;
    int y, m, d;
    rk_civil_from_days(day, &y, &m, &d);
    int h = (int)(rem / 3600000), mi = (int)(rem / 60000 % 60), se = (int)(rem / 1000 % 60),
        f = (int)(rem % 1000);
    int len;
    if (f)
        len = snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, h, mi, se, f);
    else
        len = snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, h, mi, se);
    return (size_t)len;
}

size_t rk_time_fmt_date(int64_t ms, char *out)
{
    int y, m, d;
    rk_civil_from_days(floordiv(ms, RK_MS_PER_DAY), &y, &m, &d);
    return (size_t)snprintf(out, 32, "%04d-%02d-%02d", y, m, d);
}

size_t rk_time_fmt_month(int64_t ms, char *out)
{
    int y, m, d;
    rk_civil_from_days(floordiv(ms, RK_MS_PER_DAY), &y, &m, &d);
    return (size_t)snprintf(out, 32, "%04d-%02d", y, m);
}
