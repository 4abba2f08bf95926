/* connections.h — the AWS accounts a workspace syncs from (`reckon connect`).
 *
 * A connection names a bucket and prefix where AWS delivers a Cost and
 * Usage Report, the role reckon assumes to read it (with the ExternalId its
 * trust policy requires) and how to reach S3. It lives in the catalog's
 * `connections` table; its data lives in the source s3://BUCKET/PREFIX of
 * the `sources` table, like any ingested folder, so `sync` and `ingest` of
 * the same bucket share their deliveries.
 *
 * The ExternalId is generated once per connection (rk_connection_new_external_id)
 * and kept: `connect template` writes it into the role's trust policy and
 * `connect aws` / `sync` send it. AWS treats it as an identifier, not a
 * secret; reckon stores no secret at all (credentials come from the host's
 * AWS chain, aws/aws.h).
 *
 * Ownership: rk_connection values returned are the caller's; free with
 * rk_connection_free / rk_connections_free.
 */
#ifndef RK_CONNECTIONS_H
#define RK_CONNECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/catalog.h"

#define RK_CONN_NAME_MAX 64

typedef struct rk_connection {
    char *name;         /* [a-z0-9][a-z0-9._-]*, at most RK_CONN_NAME_MAX */
    char *bucket;
    char *prefix;       /* "" or a key prefix without leading or trailing '/' */
    char *report;       /* report / export name; "" = every report under the prefix */
    char *role_arn;     /* NULL: the host's credentials read the bucket directly */
    char *external_id;  /* never NULL once saved */
    char *endpoint_url; /* NULL: AWS */
    char *profile;      /* NULL: the default chain */
    char *region;       /* NULL: us-east-1 */
    bool pending;       /* saved by `connect template`, waiting for its role: not synced */
    int64_t created_at, updated_at; /* ms */
    /* Sync history: */
    int64_t last_sync_at;      /* 0: never */
    char *last_sync_status;    /* NULL, "ok", "partial", "failed" */
    char *last_error;          /* NULL or one sentence */
    int64_t ready_notified_at; /* 0: the "dashboards are ready" email was not sent yet */
    char *failure_key;         /* the failure last emailed (NULL: none since the last success) */
} rk_connection;

/* Checks the form of a connection name (for flags and prompts). */
rk_status rk_connection_check_name(const char *name, rk_err *err);

/* 32 random hex characters from the kernel's random source. out needs 33. */
rk_status rk_connection_new_external_id(char out[33], rk_err *err);

/* "s3://BUCKET/PREFIX" (or "s3://BUCKET" without a prefix): caller frees. */
char *rk_connection_uri(const rk_connection *c);

/* Inserts or replaces the definition (name .. region, pending) of c. The
 * sync history of an existing connection is kept, unless its bucket or
 * prefix changed: then it is another source, and the history (and the
 * "dashboards are ready" email) starts again. */
rk_status rk_ws_connection_save(rk_ws *ws, const rk_connection *c, rk_err *err);
/* RK_ENOTFOUND (with a message naming the known connections) when absent. */
rk_status rk_ws_connection_get(rk_ws *ws, const char *name, rk_connection *out, rk_err *err);
/* Every connection, by name. */
rk_status rk_ws_connections_list(rk_ws *ws, rk_connection **out, size_t *n, rk_err *err);
/* Records the outcome of a sync. status: "ok", "partial" or "failed";
 * error may be NULL. */
rk_status rk_ws_connection_synced(rk_ws *ws, const char *name, const char *status, const char *error, rk_err *err);
/* Marks the "dashboards are ready" email as sent (now). */
rk_status rk_ws_connection_ready_sent(rk_ws *ws, const char *name, rk_err *err);
/* Remembers which failure was emailed (key NULL: none, after a success). */
rk_status rk_ws_connection_failure_told(rk_ws *ws, const char *name, const char *key, rk_err *err);

/* The id of the source s3://BUCKET/PREFIX a connection reads (sources
 * table); 0 when the connection does not exist or read nothing yet. */
rk_status rk_ws_connection_source(rk_ws *ws, const char *name, int64_t *source_id, rk_err *err);

/* Removes the connection and its recipients. With purge, also every
 * delivery of its source s3://BUCKET/PREFIX (reports, periods, preferences,
 * the runs and problems recorded for it):
 * catalog rows in the same transaction, then the segment files. A purge is
 * refused (RK_EUSAGE, nothing removed) while another connection reads the
 * same bucket and prefix. *segments (optional) gets how many segment files
 * were deleted. */
rk_status rk_ws_connection_remove(rk_ws *ws, const char *name, bool purge, unsigned *segments, rk_err *err);

void rk_connection_free(rk_connection *c);
void rk_connections_free(rk_connection *v, size_t n);

#endif
