/* sync.h — `reckon sync`: bring a connection's data up to date, and tell
 * its people.
 *
 * A sync is an ingest of the connection's source s3://BUCKET/PREFIX with the
 * connection's role, ExternalId, region and endpoint: the same discovery
 * rules, so only changed deliveries are read and a period that fails keeps
 * its previous delivery. Periods that fail with a transient cause (network,
 * a delivery rewritten while it was read) are tried again, up to `attempts`
 * times in all, with a growing pause (2 s, 4 s… at most a minute); the S3
 * client has already retried each request by then. A listing that fails
 * for such a cause is a failed pass too.
 *
 * Emails (notify/notify.h), to the connection's recipients, when SMTP is set:
 *   - "your dashboards are ready" once, after the first sync in which every
 *     period was processed (none failed or waiting); an email that could not
 *     be sent is tried again on the next sync;
 *   - "sync failed" when a sync ends with failures (or cannot start: no
 *     credentials, a role that cannot be assumed, a bucket that cannot be
 *     listed) — once per distinct failure (the same failed periods, or the
 *     same error but for its numbers), so a watch loop does not repeat the
 *     same email every interval; an email that could not be sent is tried
 *     again on the next sync. A success clears the memory of the failure.
 * Only the connection's report is synced when it names one (with the CSV
 * files dropped into the bucket by hand, which belong to no report).
 * A sync without recipients or SMTP settings says so and sends nothing.
 */
#ifndef RK_CONNECT_SYNC_H
#define RK_CONNECT_SYNC_H

#include <signal.h>
#include <stdbool.h>

#include "ingest/ingest.h"
#include "store/connections.h"

typedef struct rk_sync_opts {
    int threads;  /* 0: one per core */
    int attempts; /* 0: 3 (RECKON_SYNC_ATTEMPTS overrides the default) */
    bool no_email;
    void (*progress)(void *ctx, const rk_ingest_progress *p, bool final);
    void *progress_ctx;
    const volatile sig_atomic_t *stop; /* when raised, no further pass starts (may be NULL) */
} rk_sync_opts;

typedef enum rk_mail_outcome {
    RK_MAIL_NONE = 0,    /* nothing to send */
    RK_MAIL_SENT,
    RK_MAIL_SKIPPED,     /* no recipients or no SMTP settings: see mail_note */
    RK_MAIL_FAILED       /* could not be sent: see mail_note */
} rk_mail_outcome;

typedef struct rk_sync_result {
    bool started;              /* the source could be opened (credentials, role) */
    rk_ingest_result ingest;   /* of the last attempt, results of every attempt merged */
    rk_run_counts counts;      /* final counts: a period retried and loaded counts once */
    unsigned attempts;         /* ingest passes made */
    rk_aws_stats s3;           /* requests of every pass */
    const char *status;        /* "ok", "partial" (some periods failed), "failed" */
    char error[RK_ERR_MSG_MAX]; /* why it failed, when it did */
    bool first_ready;          /* this sync completed the first full processing */
    rk_mail_outcome ready_mail, failure_mail;
    char mail_note[RK_ERR_MSG_MAX];
    double seconds;
} rk_sync_result;

/* Syncs one connection. Returns RK_OK when the sync ran to its end, even if
 * periods failed (see out->status); an error only for a workspace problem.
 * A sync that cannot start (credentials) returns RK_OK with status "failed"
 * and started false. */
rk_status rk_sync(rk_ws *ws, const rk_connection *c, const rk_sync_opts *o, rk_sync_result *out, rk_err *err);
void rk_sync_result_free(rk_sync_result *r);

#endif
