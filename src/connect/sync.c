#include "connect/sync.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/mem.h"
#include "notify/notify.h"
#include "store/settings.h"

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static int env_int(const char *name, int def, int lo, int hi)
{
    const char *v = getenv(name);
    if (!v || !*v) return def;
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || x < lo || x > hi) return def;
    return (int)x;
}

static bool transient(const rk_period_result *r)
{
    return r->status == RK_RES_FAILED && (r->code == RK_EIO || r->code == RK_ECHANGED);
}

static bool same_period(const rk_period_result *a, const rk_period_result *b)
{
    if (strcmp(a->report, b->report) != 0) return false;
    if (!a->period || !b->period) return a->period == b->period;
    return strcmp(a->period, b->period) == 0;
}

static void result_clear(rk_period_result *r)
{
    free(r->report);
    free(r->period);
    free(r->message);
    memset(r, 0, sizeof *r);
}

/* The last pass lists every plan; a period it found unchanged because an
 * earlier pass loaded it is reported as that load. */
static void merge_passes(rk_ingest_result *last, rk_ingest_result *earlier, size_t nearlier)
{
    for (size_t i = 0; i < last->n; i++) {
        rk_period_result *r = &last->v[i];
        if (r->status != RK_RES_UNCHANGED) continue;
        for (size_t e = nearlier; e-- > 0;) {
            bool moved = false;
            for (size_t k = 0; k < earlier[e].n; k++) {
                rk_period_result *x = &earlier[e].v[k];
                if (x->report && x->status == RK_RES_INGESTED && same_period(x, r)) {
                    result_clear(r);
                    *r = *x;
                    memset(x, 0, sizeof *x);
                    moved = true;
                    break;
                }
            }
            if (moved) break;
        }
    }
}

static void recount(rk_sync_result *out, uint64_t bytes)
{
    rk_run_counts k = rk_period_results_count(out->ingest.v, out->ingest.n);
    k.ignored_files = out->ingest.counts.ignored_files;
    k.bytes = bytes;
    out->counts = k;
}

static void failure_summary(const rk_sync_result *r, char *out, size_t cap)
{
    const rk_period_result *first = NULL;
    for (size_t i = 0; i < r->ingest.n && !first; i++)
        if (r->ingest.v[i].status == RK_RES_FAILED) first = &r->ingest.v[i];
    if (!first) {
        snprintf(out, cap, "%s", r->error[0] ? r->error : "the sync failed");
        return;
    }
    snprintf(out, cap, "%u period%s failed; first: %s %s: %s", r->counts.failed, r->counts.failed == 1 ? "" : "s",
             first->report, first->period ? first->period : "", first->message ? first->message : "no message");
}

/* Recipients and SMTP settings present? Otherwise say what is missing. */
static bool can_mail(rk_ws *ws, const rk_connection *c, rk_sync_result *out)
{
    char **rcpt = NULL;
    size_t n = 0;
    rk_err e = {0};
    if (rk_ws_recipients_get(ws, c->name, &rcpt, &n, &e) != RK_OK) {
        snprintf(out->mail_note, sizeof out->mail_note, "%s", e.msg);
        return false;
    }
    rk_strv_free(rcpt, n);
    if (n == 0) {
        snprintf(out->mail_note, sizeof out->mail_note,
                 "connection %s has no email recipients; add them with `reckon connect aws --name %s --email "
                 "ADDRESS`",
                 c->name, c->name);
        return false;
    }
    char *url = NULL;
    if (rk_ws_setting_get(ws, "smtp.url", &url, &e) != RK_OK || !url) {
        snprintf(out->mail_note, sizeof out->mail_note,
                 "no email sent: SMTP is not set up (`reckon config set smtp.url smtps://HOST`, see `reckon config "
                 "--help`)");
        free(url);
        return false;
    }
    free(url);
    return true;
}

static void send_ready(rk_ws *ws, const rk_connection *c, rk_sync_result *out)
{
    if (!can_mail(ws, c, out)) {
        out->ready_mail = RK_MAIL_SKIPPED;
        return;
    }
    rk_err e = {0};
    if (rk_notify_ready(ws, c->name, NULL, 0, &e) != RK_OK) {
        out->ready_mail = RK_MAIL_FAILED;
        snprintf(out->mail_note, sizeof out->mail_note,
                 "the \"dashboards are ready\" email could not be sent (the next sync tries again): %.900s", e.msg);
        return;
    }
    out->ready_mail = RK_MAIL_SENT;
    if (rk_ws_connection_ready_sent(ws, c->name, &e) != RK_OK)
        snprintf(out->mail_note, sizeof out->mail_note, "%s", e.msg);
}

/* What makes two failures "the same" for the email: the failed periods of
 * each report, or, when the sync could not run, the error without its
 * numbers (retry counts and timings differ from one run to the next). */
static void failure_key(const rk_sync_result *r, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    const rk_period_result *v = r->ingest.v;
    bool any = false;
    for (size_t i = 0; i < r->ingest.n; i++) {
        if (v[i].status != RK_RES_FAILED) continue;
        any = true;
        int k = snprintf(out + n, cap - n, "%s%s|%s", n ? ";" : "periods:", v[i].report, v[i].period ? v[i].period : "");
        if (k < 0 || (size_t)k >= cap - n) break;
        n += (size_t)k;
    }
    if (any) return;
    n = (size_t)snprintf(out, cap, "error:");
    for (const char *p = r->error; *p && n + 1 < cap; p++) {
        if (*p >= '0' && *p <= '9') continue;
        out[n++] = *p;
    }
    out[n] = 0;
}

static void send_failure(rk_ws *ws, const rk_connection *c, rk_sync_result *out)
{
    char key[2048];
    failure_key(out, key, sizeof key);
    if (c->failure_key && strcmp(c->failure_key, key) == 0) {
        out->failure_mail = RK_MAIL_NONE; /* the same failure was already told */
        return;
    }
    if (!can_mail(ws, c, out)) {
        out->failure_mail = RK_MAIL_SKIPPED;
        return;
    }
    size_t nitems = 0;
    rk_failure_item *items = calloc(out->ingest.n + 1, sizeof *items);
    if (!items) {
        out->failure_mail = RK_MAIL_FAILED;
        snprintf(out->mail_note, sizeof out->mail_note, "out of memory composing the failure email");
        return;
    }
    for (size_t i = 0; i < out->ingest.n; i++) {
        const rk_period_result *r = &out->ingest.v[i];
        if (r->status != RK_RES_FAILED) continue;
        items[nitems++] = (rk_failure_item){.period = r->period, .where = r->report, .message = r->message};
    }
    char where[1200];
    if (nitems == 0) {
        char *uri = rk_connection_uri(c);
        snprintf(where, sizeof where, "%s", uri ? uri : c->bucket);
        free(uri);
        items[nitems++] = (rk_failure_item){.where = where, .message = out->error};
    }
    rk_notify_failure f = {.items = items, .nitems = nitems, .attempts = out->attempts};
    rk_err e = {0};
    if (rk_notify_failed(ws, c->name, NULL, 0, &f, &e) != RK_OK) {
        /* Not remembered as told: the next sync tries again. */
        out->failure_mail = RK_MAIL_FAILED;
        snprintf(out->mail_note, sizeof out->mail_note, "the failure email could not be sent: %.900s", e.msg);
    } else {
        out->failure_mail = RK_MAIL_SENT;
        if (rk_ws_connection_failure_told(ws, c->name, key, &e) != RK_OK)
            snprintf(out->mail_note, sizeof out->mail_note, "%s", e.msg);
    }
    free(items);
}

/* Sleeps ms, in short steps, unless *stop is raised. */
static void pause_unless(long ms, const volatile sig_atomic_t *stop)
{
    for (long done = 0; done < ms && !(stop && *stop); done += 100) sleep_ms(ms - done < 100 ? ms - done : 100);
}

rk_status rk_sync(rk_ws *ws, const rk_connection *c, const rk_sync_opts *o, rk_sync_result *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    double t0 = mono();
    int attempts = o->attempts > 0 ? o->attempts : env_int("RECKON_SYNC_ATTEMPTS", 3, 1, 100);
    long pause_ms = env_int("RECKON_SYNC_PAUSE_MS", 2000, 0, 600000);
    char *uri = rk_connection_uri(c);
    if (!uri) return rk_err_set(err, RK_ENOMEM, "out of memory");
    char from[RK_CONN_NAME_MAX + 32];
    snprintf(from, sizeof from, "connection %s", c->name);
    rk_aws_opts aws = {.profile = c->profile,
                       .region = c->region,
                       .endpoint_url = c->endpoint_url,
                       .role_arn = c->role_arn,
                       .external_id = c->role_arn ? c->external_id : NULL,
                       .role_from = from};
    rk_source *src = NULL;
    rk_err e = {0};
    rk_status st = rk_source_s3(uri, &aws, &src, &e);
    if (st != RK_OK) {
        out->status = "failed";
        snprintf(out->error, sizeof out->error, "%s", e.msg);
    } else {
        out->started = true;
        rk_ingest_result *passes = NULL;
        size_t npasses = 0;
        uint64_t bytes = 0;
        bool listed = false; /* the last pass listed the bucket */
        for (int a = 0; a < attempts && st == RK_OK; a++) {
            if (a) {
                /* 2 s, 4 s, 8 s… at most a minute: the S3 client has retried each request already */
                long ms = pause_ms;
                for (int k = 1; k < a && ms < 60000; k++) ms *= 2;
                pause_unless(ms < 60000 ? ms : 60000, o->stop);
                if (o->stop && *o->stop) break;
            }
            rk_ingest_result *np = realloc(passes, (npasses + 1) * sizeof *np);
            if (!np) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
            passes = np;
            rk_ingest_opts io = {.threads = o->threads,
                                 .command = "sync",
                                 .report = c->report,
                                 .progress = o->progress,
                                 .progress_ctx = o->progress_ctx};
            memset(&passes[npasses], 0, sizeof *passes);
            rk_err pe = {0};
            rk_status ps = rk_ingest(ws, src, &io, &passes[npasses], &pe);
            out->attempts = (unsigned)(a + 1);
            if (ps != RK_OK) {
                /* The bucket could not be listed (or its manifests read):
                 * nothing was changed; a passing cause is tried again. */
                rk_ingest_result_free(&passes[npasses]);
                if (ps == RK_ENOMEM) {
                    *err = pe;
                    st = ps;
                    break;
                }
                listed = false;
                snprintf(out->error, sizeof out->error, "%s", pe.msg);
                if (ps == RK_EIO || ps == RK_ECHANGED) continue;
                break;
            }
            listed = true;
            out->error[0] = 0;
            bytes += passes[npasses].counts.bytes;
            npasses++;
            bool again = false;
            for (size_t i = 0; i < passes[npasses - 1].n; i++) again = again || transient(&passes[npasses - 1].v[i]);
            if (!again) break;
        }
        /* The outcome is the last pass that listed the bucket (a later
         * listing failure changed nothing); its error is kept. */
        if (npasses) {
            merge_passes(&passes[npasses - 1], passes, npasses - 1);
            out->ingest = passes[npasses - 1];
            for (size_t i = 0; i + 1 < npasses; i++) rk_ingest_result_free(&passes[i]);
            recount(out, bytes);
        }
        free(passes);
        rk_source_aws_stats(src, &out->s3);
        rk_source_close(src);
        if (st != RK_OK) {
            rk_ingest_result_free(&out->ingest);
            out->started = false;
            free(uri);
            return st;
        }
        if (!npasses) out->status = "failed";
        else if (out->counts.failed || !listed)
            out->status = out->counts.ingested + out->counts.unchanged ? "partial" : "failed";
        else out->status = "ok";
        if (!listed && !out->error[0]) snprintf(out->error, sizeof out->error, "the sync was stopped before its end");
    }
    char summary[RK_ERR_MSG_MAX];
    bool ok = strcmp(out->status, "ok") == 0;
    if (!ok) failure_summary(out, summary, sizeof summary);
    bool first_ready = ok && c->ready_notified_at == 0 && out->counts.waiting == 0 &&
                       out->counts.ingested + out->counts.unchanged > 0;
    out->first_ready = first_ready;
    if (!o->no_email) {
        if (first_ready) send_ready(ws, c, out);
        else if (!ok) send_failure(ws, c, out);
    }
    st = rk_ws_connection_synced(ws, c->name, out->status, ok ? NULL : summary, err);
    if (st == RK_OK && ok && c->failure_key) st = rk_ws_connection_failure_told(ws, c->name, NULL, err);
    /* A connection removed while it synced: its outcome has nowhere to go. */
    if (st == RK_ENOTFOUND) st = RK_OK;
    out->seconds = mono() - t0;
    free(uri);
    return st;
}

void rk_sync_result_free(rk_sync_result *r)
{
    if (r->started) rk_ingest_result_free(&r->ingest);
    memset(r, 0, sizeof *r);
}
