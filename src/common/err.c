#include "common/err.h"

#include <stdio.h>
#include <string.h>

rk_status rk_err_vset(rk_err *err, rk_status code, const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return code;
}

rk_status rk_err_set(rk_err *err, rk_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rk_err_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void rk_err_prefix(rk_err *err, const char *fmt, ...)
{
    if (!err) return;
    char head[RK_ERR_MSG_MAX], tail[RK_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(tail, err->msg, sizeof tail);
    snprintf(err->msg, sizeof err->msg, "%s%s", head, tail);
}

void rk_err_clear(rk_err *err)
{
    if (err) {
        err->code = RK_OK;
        err->msg[0] = 0;
    }
}

const char *rk_status_name(rk_status s)
{
    switch (s) {
    case RK_OK: return "ok";
    case RK_EBADDATA: return "bad data";
    case RK_EIO: return "I/O error";
    case RK_ENOMEM: return "out of memory";
    case RK_ELIMIT: return "limit exceeded";
    case RK_EUNSUPPORTED: return "not supported";
    case RK_ENOTFOUND: return "not found";
    case RK_EUSAGE: return "usage error";
    case RK_ECHANGED: return "input changed";
    case RK_EINTERNAL: return "internal error";
    }
    return "unknown";
}
