/* validate.c — report prefix and report name, as the CUR API allows them. */
#include "connect/validate.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/mem.h"

static bool cur_char(unsigned char c, bool slash)
{
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return true;
    if (c == '/') return slash;
    return c != 0 && strchr("!-_.*'()", c) != NULL;
}

/* How a character is named in a message: 'x', "a space", or its byte. */
static void describe(const unsigned char *p, char *out, size_t cap)
{
    if (*p == ' ') snprintf(out, cap, "a space");
    else if (*p == '\t') snprintf(out, cap, "a tab");
    else if (*p < 0x20 || *p == 0x7f) snprintf(out, cap, "the control byte 0x%02X", *p);
    else if (*p >= 0x80) snprintf(out, cap, "the non-ASCII byte 0x%02X", *p);
    else snprintf(out, cap, "'%c'", *p);
}

static rk_status check(const char *what, const char *s, bool slash, rk_err *err)
{
    const char *allowed = slash ? "letters, digits, / and !-_.*'()" : "letters, digits and !-_.*'()";
    size_t n = strlen(s);
    if (n > RK_CUR_NAME_MAX)
        return rk_err_set(err, RK_EUSAGE, "the %s is %zu characters long; the CUR API allows at most %d", what, n,
                          RK_CUR_NAME_MAX);
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)s + i;
        if (cur_char(*p, slash)) continue;
        char d[48];
        describe(p, d, sizeof d);
        return rk_err_set(err, RK_EUSAGE, "the %s \"%.300s\" has %s at position %zu; a CUR %s may hold only %s", what,
                          s, d, i + 1, what, allowed);
    }
    return RK_OK;
}

rk_status rk_connect_check_prefix(const char *prefix, rk_err *err)
{
    return check("report prefix", prefix ? prefix : "", true, err);
}

rk_status rk_connect_check_report_name(const char *name, rk_err *err)
{
    if (!name || !*name)
        return rk_err_set(err, RK_EUSAGE, "the report name is empty; give the CUR's name as AWS shows it");
    return check("report name", name, false, err);
}

char *rk_connect_norm_prefix(const char *prefix)
{
    if (!prefix) prefix = "";
    while (*prefix == '/') prefix++;
    size_t n = strlen(prefix);
    while (n && prefix[n - 1] == '/') n--;
    return rk_strndup(prefix, n);
}
