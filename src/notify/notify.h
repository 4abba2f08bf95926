/* notify.h — the emails reckon sends, and the calls that send them.
 *
 *   rk_notify_ready    "your dashboards are ready": after a connection's
 *                      first full processing (sync calls it)
 *   rk_notify_failed   "sync failed": after a sync fails past its retries
 *   rk_notify_test     a short message that proves the settings work
 *
 * Each email has a plain text and an HTML version with the same content.
 * Every figure comes from the query API (analytics/query.h) over the
 * deliveries the selection rule chose, so an email says exactly what
 * `reckon report cost` says.
 *
 * No secret is ever in an email, an error or a log line: before anything is
 * sent or returned, every value that could hold one (the SMTP password, and
 * any environment variable whose name holds SECRET, PASSWORD, TOKEN or
 * CREDENTIAL, such as AWS_SECRET_ACCESS_KEY) is replaced by [redacted],
 * also in its HTML-escaped form.
 *
 * Recipients: pass them, or pass NULL to use the connection's recipients
 * (store/settings.h). Each is checked as an address first.
 */
#ifndef RK_NOTIFY_H
#define RK_NOTIFY_H

#include <stddef.h>

#include "common/buf.h"
#include "notify/smtp.h"
#include "store/catalog.h"

/* One thing that failed. Any field may be NULL. */
typedef struct rk_failure_item {
    const char *period;  /* "2025-02" */
    const char *where;   /* the file, key or report at fault */
    const char *message; /* the error sentence */
} rk_failure_item;

typedef struct rk_notify_failure {
    const rk_failure_item *items;
    size_t nitems;
    unsigned attempts;       /* how many times the sync tried; 0 = unknown */
    const char *retry_hint;  /* the command that tries again; NULL: "reckon sync CONNECTION" */
} rk_notify_failure;

/* A composed email, before addresses and MIME. Owned; free with
 * rk_notify_msg_free. */
typedef struct rk_notify_msg {
    char *subject, *text, *html;
} rk_notify_msg;

void rk_notify_msg_free(rk_notify_msg *m);

/* connection may be NULL (the whole workspace). */
rk_status rk_notify_compose_ready(rk_ws *ws, const char *connection, rk_notify_msg *out, rk_err *err);
rk_status rk_notify_compose_failed(rk_ws *ws, const char *connection, const rk_notify_failure *f, rk_notify_msg *out,
                                   rk_err *err);
/* note (optional) is added to the body as the user wrote it. */
rk_status rk_notify_compose_test(rk_ws *ws, const char *note, rk_notify_msg *out, rk_err *err);

/* Loads the SMTP settings, redacts, builds the MIME message and sends it.
 * With raw non-NULL nothing is sent: the message is written to raw (the
 * SMTP settings then only supply the sender, when set). */
rk_status rk_notify_send(rk_ws *ws, const char *connection, const char *const *recipients, size_t nrecipients,
                         const rk_notify_msg *m, rk_buf *raw, rk_smtp_result *res, rk_err *err);

/* Compose and send in one call: what sync uses. */
rk_status rk_notify_ready(rk_ws *ws, const char *connection, const char *const *recipients, size_t nrecipients,
                          rk_err *err);
rk_status rk_notify_failed(rk_ws *ws, const char *connection, const char *const *recipients, size_t nrecipients,
                           const rk_notify_failure *f, rk_err *err);
rk_status rk_notify_test(rk_ws *ws, const char *const *recipients, size_t nrecipients, const char *note, rk_err *err);

/* Replaces known secrets in text (in place; text never grows past cap).
 * Exposed for the CLI, which runs its own messages through it. */
void rk_notify_redact(char *text, size_t cap);

#endif
