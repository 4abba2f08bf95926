/* smtp.h — sending one message through an SMTP server with libcurl.
 *
 * TLS is never optional by accident: an smtps:// URL speaks TLS from the
 * first byte; an smtp:// URL upgrades with STARTTLS and, with the default
 * `required`, sends nothing (no password, no mail) when the server does not
 * offer it. `optional` takes STARTTLS when offered but still refuses to send
 * a password in clear; only `off` sends in clear, and the user must say so.
 * Certificates are always verified, against the system's CAs or smtp.cafile.
 *
 * Transient failures (a 4xx SMTP reply, a refused or broken connection, a
 * timeout) are retried `retries` times with exponential backoff and jitter
 * (0.5 s, 1 s, 2 s… each scaled by a random 50–100 %, at most 8 s). So a send
 * takes at most (retries + 1) · timeout + the backoff sum: with the defaults
 * (3 retries, 30 s) 2 min 3.5 s; against a server that refuses connections,
 * 3.5 s. Permanent failures (5xx, a refused password, an untrusted
 * certificate, no STARTTLS) are not retried.
 *
 * The password lives in the caller's rk_smtp_conf; this module hands it to
 * curl and never copies it into an error. Server replies quoted in errors
 * pass through the caller's redactor first.
 */
#ifndef RK_SMTP_H
#define RK_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "notify/mail.h"

typedef enum { RK_STARTTLS_REQUIRED = 0, RK_STARTTLS_OPTIONAL, RK_STARTTLS_OFF } rk_starttls;

typedef struct rk_smtp_conf {
    rk_smtp_url url;
    char *user;     /* NULL: no AUTH */
    char *password; /* NULL: no AUTH; wiped by rk_smtp_conf_free */
    char password_source[600]; /* "file /path" or "RECKON_SMTP_PASSWORD", for messages */
    rk_mail_addr from;
    rk_starttls starttls;
    char *cafile;       /* NULL: the system's CA bundle */
    unsigned timeout_s; /* per attempt */
    unsigned retries;   /* attempts after the first */
} rk_smtp_conf;

void rk_smtp_conf_free(rk_smtp_conf *c);

typedef struct rk_smtp_result {
    unsigned attempts;
    double seconds;   /* wall time of the whole send, backoff included */
    long smtp_code;   /* the last SMTP reply code curl saw (0 when none) */
} rk_smtp_result;

/* Replaces every occurrence of a secret in text (in place). */
typedef void (*rk_redact_fn)(char *text, size_t cap, void *ctx);

/* Sends msg (a complete message, CRLF line ends) from c->from to every
 * recipient. res (optional) says how it went; err names the server and
 * what to do. */
rk_status rk_smtp_send(const rk_smtp_conf *c, const rk_mail_addr *to, size_t nto, const char *msg, size_t len,
                       rk_redact_fn redact, void *redact_ctx, rk_smtp_result *res, rk_err *err);

#endif
