#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "connect/sync.h"

static const char help[] =
    "Usage: reckon sync [OPTIONS] [CONNECTION]\n"
    "\n"
    "Brings a connection (or, without CONNECTION, every connection) up to date: lists its\n"
    "bucket and prefix, finds the deliveries with exactly the rules of `reckon ingest`, and\n"
    "reads only what changed since the last sync (a period is read again only when its\n"
    "delivery changed: manifest, assembly, sizes or ETags). Objects are streamed from S3 with\n"
    "the connection's role and ExternalId, checked against the listing and resumed where a\n"
    "connection broke. A period that fails keeps its previous delivery, and a sync that is\n"
    "stopped midway leaves every period at its previous delivery: the next sync resumes.\n"
    "Periods that failed for a passing cause (network, a delivery rewritten meanwhile) are\n"
    "tried again before the sync gives up.\n"
    "\n"
    "Email (to the connection's recipients, once SMTP is set with `reckon config`):\n"
    "  after the first sync that processed every period: \"your dashboards are ready\";\n"
    "  after a sync that failed: what failed and what to do (once per distinct failure).\n"
    "\n"
    "Options:\n"
    "  --watch INTERVAL      keep syncing, every INTERVAL (e.g. 300, 90s, 15m, 1h); stop with\n"
    "                        Ctrl-C or SIGTERM (a sync in progress finishes first)\n"
    "  --threads N           worker threads (default: one per core)\n"
    "  --attempts N          passes over failed periods before giving up (default 3)\n"
    "  --no-email            send no email\n"
    "  --format table|json   summary format (default table)\n"
    "  -h, --help            this help\n"
    "\n"
    "On a terminal a progress bar shows bytes, rows, deliveries and the time left;\n"
    "otherwise one line per sync is logged to stderr.\n"
    "\n"
    "Exit status: 0 when every period is loaded or unchanged, 1 when a period or a\n"
    "connection failed, 2 on a usage error (an unknown connection included), 3 when the\n"
    "workspace cannot be used.\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    if (stop_requested) {
        /* Second signal: stop now (the store is safe to kill). */
        signal(sig, SIG_DFL);
        raise(sig);
    }
    stop_requested = 1;
}

/* "300", "90s", "15m", "1h" -> seconds; -1 when malformed. */
static long parse_interval(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || v <= 0) return -1;
    long mul = 1;
    if (*end == 's') end++;
    else if (*end == 'm') mul = 60, end++;
    else if (*end == 'h') mul = 3600, end++;
    if (*end) return -1;
    if (v > 7 * 86400 / mul) return -1;
    return v * mul;
}

static const char *mail_word(rk_mail_outcome m)
{
    switch (m) {
    case RK_MAIL_NONE: return "none";
    case RK_MAIL_SENT: return "sent";
    case RK_MAIL_SKIPPED: return "skipped";
    case RK_MAIL_FAILED: return "failed";
    }
    return "?";
}

static void print_table(const rk_connection *c, rk_sync_result *r)
{
    char *uri = rk_connection_uri(c);
    printf("reckon sync %s (%s)\n", c->name, uri ? uri : c->bucket);
    free(uri);
    if (!r->started) {
        printf("  failed: %s\n", r->error);
    } else {
        rk_period_results_sort(r->ingest.v, r->ingest.n);
        if (r->ingest.n == 0) printf("  No CUR delivery found under the prefix yet.\n");
        rk_period_results_table(r->ingest.v, r->ingest.n, stdout);
        const rk_run_counts *k = &r->counts;
        char rows[32], bb[32];
        rk_count(k->rows, rows, sizeof rows);
        rk_fmt_bytes(r->s3.bytes, bb, sizeof bb);
        printf("%u ingested, %u unchanged, %u failed, %u not supported; %s rows, %s downloaded in %.1f s", k->ingested,
               k->unchanged, k->failed, k->unsupported, rows, bb, r->seconds);
        if (r->attempts > 1) printf(" (%u passes)", r->attempts);
        printf(".\n");
        if (r->s3.retries || r->s3.resumes)
            printf("S3: %llu requests, %llu retried, %llu resumed mid-object.\n", (unsigned long long)r->s3.requests,
                   (unsigned long long)r->s3.retries, (unsigned long long)r->s3.resumes);
        if (k->waiting)
            printf("%u period%s waiting for AWS to finish updating (read on the next sync).\n", k->waiting,
                   k->waiting == 1 ? "" : "s");
        if (k->failed) printf("Failed periods kept their previous delivery; the next sync tries them again.\n");
    }
    if (r->first_ready && r->ready_mail == RK_MAIL_SENT)
        printf("First full processing complete: the \"dashboards are ready\" email was sent.\n");
    else if (r->first_ready && r->ready_mail == RK_MAIL_NONE)
        printf("First full processing complete.\n");
    if (r->failure_mail == RK_MAIL_SENT) printf("The failure was emailed to the connection's recipients.\n");
    if (r->mail_note[0]) printf("Email: %s\n", r->mail_note);
}

static void json_conn(rk_buf *b, const rk_connection *c, const rk_sync_result *r)
{
    rk_buf_puts(b, "{\"connection\":");
    rk_json_str(b, c->name);
    rk_buf_puts(b, ",\"status\":");
    rk_json_str(b, r->status);
    rk_buf_puts(b, ",\"error\":");
    if (r->error[0]) rk_json_str(b, r->error);
    else rk_buf_puts(b, "null");
    const rk_run_counts *k = &r->counts;
    rk_buf_printf(b, ",\"seconds\":%.3f,\"attempts\":%u,\"ingested\":%u,\"unchanged\":%u,\"failed\":%u,"
                     "\"unsupported\":%u,\"waiting\":%u,\"rows\":%llu,",
                  r->seconds, r->attempts, k->ingested, k->unchanged, k->failed, k->unsupported, k->waiting,
                  (unsigned long long)k->rows);
    rk_buf_printf(b, "\"s3\":{\"requests\":%llu,\"retries\":%llu,\"resumes\":%llu,\"bytes\":%llu,\"assume_role\":%llu},",
                  (unsigned long long)r->s3.requests, (unsigned long long)r->s3.retries,
                  (unsigned long long)r->s3.resumes, (unsigned long long)r->s3.bytes,
                  (unsigned long long)r->s3.assume_role);
    rk_buf_printf(b, "\"first_ready\":%s,\"ready_email\":\"%s\",\"failure_email\":\"%s\",\"email_note\":",
                  r->first_ready ? "true" : "false", mail_word(r->ready_mail), mail_word(r->failure_mail));
    if (r->mail_note[0]) rk_json_str(b, r->mail_note);
    else rk_buf_puts(b, "null");
    rk_buf_puts(b, ",\"periods\":");
    rk_period_results_json(b, r->ingest.v, r->ingest.n);
    rk_buf_puts(b, "}");
}

static void log_line(const rk_connection *c, const rk_sync_result *r)
{
    char when[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!r->started) {
        fprintf(stderr, "%s sync %s: failed: %s\n", when, c->name, r->error);
        return;
    }
    const rk_run_counts *k = &r->counts;
    fprintf(stderr, "%s sync %s: %s; %u ingested, %u unchanged, %u failed, %u waiting; %llu rows, %llu bytes in %.1f s\n",
            when, c->name, r->status, k->ingested, k->unchanged, k->failed, k->waiting, (unsigned long long)k->rows,
            (unsigned long long)r->s3.bytes, r->seconds);
}

typedef struct sync_args {
    const char *name; /* NULL: all */
    rk_outfmt fmt;
    rk_sync_opts so;
} sync_args;

/* One round over the connections. Returns the exit code; *again (watch
 * mode) tells whether the next round may fare better (the workspace was
 * busy, a connection vanished) rather than the command being wrong. */
static int round_once(rk_cli *cli, const sync_args *a, bool first, bool *again)
{
    rk_err err = {0};
    rk_ws *ws;
    *again = false;
    if (rk_ws_open(cli->data, RK_WS_WRITE, &ws, &err) != RK_OK) {
        /* Most often another writer (an ingest, a purge) holds the
         * workspace: a watch logs it and waits for the next interval. */
        *again = true;
        return rk_cli_fail(err.code == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    }
    rk_connection *conns = NULL;
    size_t n = 0;
    rk_status st;
    if (a->name) {
        conns = calloc(1, sizeof *conns);
        if (!conns) st = rk_err_set(&err, RK_ENOMEM, "out of memory");
        else if ((st = rk_ws_connection_get(ws, a->name, conns, &err)) == RK_OK) n = 1;
    } else {
        st = rk_ws_connections_list(ws, &conns, &n, &err);
        if (st == RK_OK && n == 0)
            st = rk_err_set(&err, RK_ENOTFOUND,
                            "workspace %s has no connection yet; add one with `reckon connect aws` (or read a bucket "
                            "once with `reckon ingest s3://BUCKET/PREFIX`)",
                            rk_ws_dir(ws));
    }
    if (st == RK_OK && a->name && conns[0].pending) {
        st = rk_err_set(&err, RK_EUSAGE,
                        "connection %s is waiting for its role: create the stack of `reckon connect template --name "
                        "%s`, then run `reckon connect aws --name %s --role-arn ARN`",
                        a->name, a->name, a->name);
    }
    if (st != RK_OK) {
        rk_connections_free(conns, n);
        rk_ws_close(ws);
        *again = !first && st != RK_ENOMEM;
        return rk_cli_fail(st == RK_ENOTFOUND || st == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    }
    int rc = RK_EXIT_OK;
    rk_buf jb;
    rk_buf_init(&jb, (size_t)1 << 30);
    rk_buf_puts(&jb, "{\"connections\":[");
    bool tty = !cli->quiet && isatty(STDERR_FILENO);
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (conns[i].pending) {
            /* Saved by `connect template`: no role yet, nothing to read with. */
            if (first && !cli->quiet)
                fprintf(stderr, "reckon: skipping connection %s: waiting for its role (`reckon connect aws --name %s "
                                "--role-arn ARN`)\n",
                        conns[i].name, conns[i].name);
            continue;
        }
        rk_progress pg = {.tty = tty, .t0 = rk_mono(), .label = conns[i].name};
        rk_sync_opts so = a->so;
        so.progress = rk_progress_cb;
        so.progress_ctx = &pg;
        so.stop = &stop_requested;
        rk_sync_result r;
        st = rk_sync(ws, &conns[i], &so, &r, &err);
        if (st != RK_OK) {
            rk_sync_result_free(&r);
            rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
            *again = true; /* a watch logs it and tries again */
            break;
        }
        if (!tty && !cli->quiet) log_line(&conns[i], &r);
        if (a->fmt == RK_FMT_JSONOUT) {
            if (shown) rk_buf_putc(&jb, ',');
            json_conn(&jb, &conns[i], &r);
        } else {
            if (shown) printf("\n");
            print_table(&conns[i], &r);
        }
        shown++;
        if (strcmp(r.status, "ok") != 0 || r.counts.unsupported) rc = RK_EXIT_PROBLEMS;
        rk_sync_result_free(&r);
        if (stop_requested) break;
    }
    if (shown == 0 && n && a->fmt != RK_FMT_JSONOUT && rc == RK_EXIT_OK)
        printf("Nothing synced: every connection is waiting for its role (see `reckon connect list`).\n");
    rk_buf_puts(&jb, "]}\n");
    if (a->fmt == RK_FMT_JSONOUT && rc != RK_EXIT_FATAL) fputs(jb.p, stdout);
    fflush(stdout);
    rk_buf_free(&jb);
    rk_connections_free(conns, n);
    rk_ws_close(ws);
    return rc;
}

int rk_cmd_sync(rk_cli *cli, int argc, char **argv)
{
    if (rk_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return RK_EXIT_OK;
    }
    static const struct option longopts[] = {{"watch", required_argument, 0, 'w'},
                                              {"threads", required_argument, 0, 't'},
                                              {"attempts", required_argument, 0, 'a'},
                                              {"no-email", no_argument, 0, 'n'},
                                              {"format", required_argument, 0, 'f'},
                                              {0, 0, 0, 0}};
    sync_args a = {0};
    long watch = 0;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'w':
            watch = parse_interval(optarg);
            if (watch < 0)
                return rk_cli_fail(RK_EXIT_USAGE,
                                   "--watch %s: give an interval such as 300, 90s, 15m or 1h (at most a week)", optarg);
            break;
        case 't': a.so.threads = atoi(optarg); break;
        case 'a':
            a.so.attempts = atoi(optarg);
            if (a.so.attempts < 1 || a.so.attempts > 100)
                return rk_cli_fail(RK_EXIT_USAGE, "--attempts must be a number from 1 to 100");
            break;
        case 'n': a.so.no_email = true; break;
        case 'f':
            if (rk_outfmt_parse(optarg, &a.fmt) != 0 || a.fmt == RK_FMT_CSVOUT)
                return rk_cli_fail(RK_EXIT_USAGE, "--format must be table or json");
            break;
        default: return rk_cli_fail(RK_EXIT_USAGE, "unknown option %s; see `reckon sync --help`", argv[optind - 1]);
        }
    }
    if (optind < argc - 1) return rk_cli_fail(RK_EXIT_USAGE, "sync takes at most one CONNECTION; see `reckon sync --help`");
    if (optind == argc - 1) {
        a.name = argv[optind];
        rk_err err = {0};
        if (rk_connection_check_name(a.name, &err) != RK_OK) return rk_cli_fail(RK_EXIT_USAGE, "%s", err.msg);
    }
    if (!watch) {
        bool again;
        return round_once(cli, &a, true, &again);
    }

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int rc = RK_EXIT_OK;
    for (bool first = true; !stop_requested; first = false) {
        bool again;
        rc = round_once(cli, &a, first, &again);
        /* A wrong command stops the watch; a busy workspace or a failed
         * round waits for the next interval. */
        if ((rc == RK_EXIT_USAGE || rc == RK_EXIT_FATAL) && !again) break;
        /* Sleep in short steps so a signal ends the wait promptly. */
        for (long ms = 0; ms < watch * 1000 && !stop_requested; ms += 100) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return rc;
}
