/* err.h — status codes and error values shared by every layer.
 *
 * Every fallible function returns an rk_status and, when it fails, fills the
 * caller's rk_err with one sentence that names the place (file, key, line,
 * column, field) and says what to do. Callers add context by prefixing:
 * rk_err_prefix(err, "%s: ", path). An rk_err is a plain value owned by the
 * caller; nothing in it needs freeing.
 */
#ifndef RK_ERR_H
#define RK_ERR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum rk_status {
    RK_OK = 0,
    RK_EBADDATA,     /* input is malformed: the message says where and how */
    RK_EIO,          /* the operating system or a peer failed */
    RK_ENOMEM,       /* an allocation failed */
    RK_ELIMIT,       /* input exceeds a documented limit (field size, row size…) */
    RK_EUNSUPPORTED, /* recognised but not handled (e.g. Parquet before its decoder) */
    RK_ENOTFOUND,    /* a named thing does not exist */
    RK_EUSAGE,       /* the caller (often the user) asked for something invalid */
    RK_ECHANGED,     /* the input changed while it was read; try again */
    RK_EINTERNAL     /* a bug: an invariant did not hold */
} rk_status;

#define RK_ERR_MSG_MAX 1024

typedef struct rk_err {
    rk_status code;
    char msg[RK_ERR_MSG_MAX];
} rk_err;

/* Sets err (when non-NULL) and returns code, so callers can write
 * `return rk_err_set(err, RK_EBADDATA, "...")`. */
rk_status rk_err_set(rk_err *err, rk_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
rk_status rk_err_vset(rk_err *err, rk_status code, const char *fmt, va_list ap);
/* Puts formatted text in front of the current message. */
void rk_err_prefix(rk_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rk_err_clear(rk_err *err);
const char *rk_status_name(rk_status s);

#define RK_TRY(expr)                                                                               \
    do {                                                                                           \
        rk_status rk_try_s_ = (expr);                                                              \
        if (rk_try_s_ != RK_OK) return rk_try_s_;                                                  \
    } while (0)

#endif
