/* reckon notify — send the emails by hand: a test, the "dashboards are
 * ready" email, the failure email; and each connection's recipients. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/buf.h"
#include "common/mem.h"
#include "notify/mail.h"
#include "notify/notify.h"
#include "store/settings.h"
#include "store/status.h"

static const char help[] =
    "Usage: reckon notify test --to ADDRESS[,ADDRESS...] [--message TEXT]\n"
    "       reckon notify ready [--connection NAME] [--to ADDRESS[,...]] [--print]\n"
    "       reckon notify failed [--connection NAME] [--to ADDRESS[,...]] [--print]\n"
    "       reckon notify recipients NAME [--set ADDRESS[,...] | --clear]\n"
    "\n"
    "Sends reckon's emails through the SMTP server of `reckon config` (smtp.*):\n"
    "  test        a short message that proves the settings work (--message adds a note)\n"
    "  ready       \"your dashboards are ready\": the billing periods processed, spend per month\n"
    "              (unblended and amortized), the top services, the Reserved Instances and\n"
    "              Savings Plans seen, and the commands to look further. A sync sends it when\n"
    "              a connection's first full processing completes.\n"
    "  failed      \"sync failed\": every period whose last processing failed (as `reckon\n"
    "              status` lists them), with the error and what to do. A sync sends it when\n"
    "              it fails after its retries.\n"
    "  recipients  show, set or clear who is emailed about a connection\n"
    "\n"
    "Options:\n"
    "  --to ADDRESS[,...]    recipients (repeatable); without it, the connection's recipients\n"
    "  --connection NAME     the connection the email is about\n"
    "  --message TEXT        (test) a note added to the message\n"
    "  --print               write the message (headers and MIME body) to stdout, send nothing\n"
    "  --set ADDRESS[,...]   (recipients) replace the list; --clear empties it\n"
    "  -h, --help            this help\n"
    "\n"
    "Transient failures (4xx replies, refused or broken connections, timeouts) are retried\n"
    "smtp.retries times with backoff; a refused password, an untrusted certificate or a\n"
    "server without STARTTLS (when smtp.starttls is required) fails at once. No secret is\n"
    "ever written in an email or an error.\n";

/* Splits comma-separated addresses into v (appending). */
static void add_list(const char *arg, char ***v, size_t *n)
{
    const char *p = arg;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        *v = realloc(*v, (*n + 1) * sizeof **v);
        if (!*v) abort();
        (*v)[(*n)++] = rk_strndup(p, len);
        if (!c) break;
        p = c + 1;
    }
}

static int check_addrs(char **v, size_t n)
{
    rk_err err = {0};
    rk_mail_addr a;
    for (size_t i = 0; i < n; i++)
        if (rk_mail_addr_parse(v[i], strlen(v[i]), &a, &err) != RK_OK) return rk_cli_fail(RK_EXIT_USAGE, "%s", err.msg);
    return RK_EXIT_OK;
}

static int recipients(rk_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"set", required_argument, 0, 's'}, {"clear", no_argument, 0, 'c'}, {0, 0, 0, 0}};
    char **addrs = NULL;
    size_t n = 0;
    bool set = false, clear = false;
    int c, rc = RK_EXIT_OK;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 's') add_list(optarg, &addrs, &n), set = true;
        else if (c == 'c') clear = true;
        else {
            rk_strv_free(addrs, n);
            return rk_cli_fail(RK_EXIT_USAGE, "unknown option %s; see `reckon notify --help`", argv[optind - 1]);
        }
    }
    if (optind != argc - 1 || (set && clear)) {
        rk_strv_free(addrs, n);
        return rk_cli_fail(RK_EXIT_USAGE, "usage: reckon notify recipients NAME [--set ADDRESS[,...] | --clear]");
    }
    const char *conn = argv[optind];
    if ((rc = check_addrs(addrs, n)) != RK_EXIT_OK) {
        rk_strv_free(addrs, n);
        return rc;
    }
    rk_err err = {0};
    rk_ws *ws;
    if (rk_ws_open(cli->data, RK_WS_READ, &ws, &err) != RK_OK) {
        rk_strv_free(addrs, n);
        return rk_cli_fail(err.code == RK_ENOTFOUND ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    }
    if (set || clear) {
        if (rk_ws_recipients_set(ws, conn, (const char *const *)addrs, n, &err) != RK_OK)
            rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    } else {
        char **cur;
        size_t nc;
        if (rk_ws_recipients_get(ws, conn, &cur, &nc, &err) != RK_OK) {
            rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
        } else {
            for (size_t i = 0; i < nc; i++) printf("%s\n", cur[i]);
            if (nc == 0) rc = rk_cli_fail(RK_EXIT_PROBLEMS, "connection %s has no recipients", conn);
            rk_strv_free(cur, nc);
        }
    }
    rk_ws_close(ws);
    rk_strv_free(addrs, n);
    return rc;
}

/* The failures recorded in the catalog: every period whose last attempt failed. */
static rk_status catalog_failures(rk_ws *ws, rk_ws_status *s, rk_failure_item **items, size_t *n, rk_err *err)
{
    RK_TRY(rk_ws_status_read(ws, s, err));
    *items = rk_xcalloc(s->nissues ? s->nissues : 1, sizeof **items);
    *n = 0;
    for (size_t i = 0; i < s->nissues; i++) {
        if (strcmp(s->issues[i].status, "failed") != 0) continue;
        (*items)[(*n)++] = (rk_failure_item){s->issues[i].period, s->issues[i].report, s->issues[i].message};
    }
    return RK_OK;
}

int rk_cmd_notify(rk_cli *cli, int argc, char **argv)
{
    if (rk_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return RK_EXIT_OK;
    }
    if (argc < 2) {
        fputs(help, stderr);
        return RK_EXIT_USAGE;
    }
    const char *kind = argv[1];
    if (strcmp(kind, "recipients") == 0) return recipients(cli, argc - 1, argv + 1);
    if (strcmp(kind, "test") && strcmp(kind, "ready") && strcmp(kind, "failed"))
        return rk_cli_fail(RK_EXIT_USAGE, "unknown email \"%s\"; use test, ready, failed or recipients", kind);

    static const struct option longopts[] = {{"to", required_argument, 0, 't'},
                                              {"connection", required_argument, 0, 'C'},
                                              {"message", required_argument, 0, 'm'},
                                              {"print", no_argument, 0, 'p'},
                                              {0, 0, 0, 0}};
    char **to = NULL;
    size_t nto = 0;
    const char *conn = NULL, *note = NULL;
    bool print = false;
    int c, rc = RK_EXIT_OK;
    optind = 0;
    opterr = 0;
    argc--, argv++;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 't': add_list(optarg, &to, &nto); break;
        case 'C': conn = optarg; break;
        case 'm': note = optarg; break;
        case 'p': print = true; break;
        default:
            rk_strv_free(to, nto);
            return rk_cli_fail(RK_EXIT_USAGE, "unknown option %s; see `reckon notify --help`", argv[optind - 1]);
        }
    }
    if (optind != argc) {
        rk_strv_free(to, nto);
        return rk_cli_fail(RK_EXIT_USAGE, "unexpected argument \"%s\"; see `reckon notify --help`", argv[optind]);
    }
    if ((note && strcmp(kind, "test")) || (conn && strcmp(kind, "test") == 0)) {
        rk_strv_free(to, nto);
        return rk_cli_fail(RK_EXIT_USAGE, "--message goes with `notify test`, --connection with ready and failed");
    }
    if (nto == 0 && !conn) {
        rk_strv_free(to, nto);
        return rk_cli_fail(RK_EXIT_USAGE, "who should get it? give --to ADDRESS (or --connection NAME with recipients)");
    }
    if ((rc = check_addrs(to, nto)) != RK_EXIT_OK) {
        rk_strv_free(to, nto);
        return rc;
    }

    rk_err err = {0};
    rk_ws *ws;
    if (rk_ws_open(cli->data, RK_WS_READ, &ws, &err) != RK_OK) {
        rk_strv_free(to, nto);
        return rk_cli_fail(err.code == RK_ENOTFOUND ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    }
    rk_notify_msg m = {0};
    rk_status st;
    if (strcmp(kind, "test") == 0) {
        st = rk_notify_compose_test(ws, note, &m, &err);
    } else if (strcmp(kind, "ready") == 0) {
        st = rk_notify_compose_ready(ws, conn, &m, &err);
    } else {
        rk_ws_status s;
        rk_failure_item *items = NULL;
        size_t n = 0;
        st = catalog_failures(ws, &s, &items, &n, &err);
        if (st == RK_OK && n == 0) {
            rk_ws_status_free(&s);
            free(items);
            rk_ws_close(ws);
            rk_strv_free(to, nto);
            return rk_cli_fail(RK_EXIT_PROBLEMS, "no billing period of workspace %s has failed; there is nothing to report",
                               cli->data);
        }
        if (st == RK_OK) {
            char hint[4200];
            rk_notify_failure f = {.items = items, .nitems = n, .attempts = 0, .retry_hint = NULL};
            if (!conn && s.nsources == 1) { /* a local folder: ingesting it again is the retry */
                char abs[4096];
                snprintf(hint, sizeof hint, "reckon --data %s ingest %s", realpath(cli->data, abs) ? abs : cli->data,
                         s.sources[0].uri);
                f.retry_hint = hint;
            }
            st = rk_notify_compose_failed(ws, conn, &f, &m, &err);
            rk_ws_status_free(&s);
        }
        free(items);
    }
    if (st != RK_OK) {
        rc = rk_cli_fail(st == RK_ENOTFOUND || st == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
        goto out;
    }
    rk_smtp_result res = {0};
    rk_buf raw;
    rk_buf_init(&raw, (size_t)64 << 20);
    st = rk_notify_send(ws, conn, (const char *const *)to, nto, &m, print ? &raw : NULL, &res, &err);
    if (st != RK_OK) {
        /* Nothing attempted: the settings or the recipients are at fault. */
        rc = rk_cli_fail(res.attempts == 0 && st == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    } else if (print) {
        fwrite(raw.p, 1, raw.len, stdout);
    } else if (!cli->quiet) {
        char subject[1024];
        snprintf(subject, sizeof subject, "%s", m.subject);
        rk_notify_redact(subject, sizeof subject);
        printf("sent \"%s\" (%u attempt%s, %.1f s)\n", subject, res.attempts, res.attempts == 1 ? "" : "s",
               res.seconds);
    }
    rk_buf_free(&raw);
out:
    rk_notify_msg_free(&m);
    rk_ws_close(ws);
    rk_strv_free(to, nto);
    return rc;
}
