/* reckon connect — the AWS accounts a workspace syncs from: dispatches
 * `aws` (cmd_connect_aws.c) and `template` (cmd_connect_template.c), and
 * lists, shows and removes saved connections (store/connections.h).
 *
 * A connection's data is the source s3://BUCKET/PREFIX of the catalog, like
 * any ingested folder: `show` reads its periods from there, and `remove`
 * leaves it unless --purge is given.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "common/buf.h"
#include "common/mem.h"
#include "store/catalog.h"
#include "store/connections.h"
#include "store/settings.h"
#include "store/status.h"

static const char help[] =
    "Usage: reckon connect template [--name NAME] --bucket BUCKET [--prefix PREFIX] [OPTIONS]\n"
    "       reckon connect aws [--name NAME --bucket BUCKET --role-arn ARN] [OPTIONS]\n"
    "       reckon connect list [--format table|csv|json]\n"
    "       reckon connect show NAME [--format table|json]\n"
    "       reckon connect remove NAME [--purge]\n"
    "\n"
    "Connects the workspace to the S3 bucket where an AWS payer account delivers its Cost\n"
    "and Usage Report, through a read-only role in that account. `reckon sync` then reads it.\n"
    "\n"
    "Sub-verbs:\n"
    "  template   write the CloudFormation template of the read-only role (trust with an\n"
    "             ExternalId; list the report prefix, get its objects, get the bucket's\n"
    "             location) and save the connection, waiting for its role\n"
    "  aws        check and save a connection: assume the role with the ExternalId, list the\n"
    "             prefix, find the report and check its settings (pass / warn / fail)\n"
    "  list       the saved connections: bucket and prefix, report, role, last sync\n"
    "  show NAME  everything about one: ExternalId, recipients, last sync, its data\n"
    "  remove     forget a connection; its data stays in the workspace (reports still use\n"
    "             it) unless --purge, which also deletes its billing periods and segments\n"
    "             (refused while another connection reads the same bucket and prefix)\n"
    "\n"
    "Typical onboarding:\n"
    "  reckon connect template --bucket my-cur-bucket --prefix cur --output reckon-role.json\n"
    "  aws cloudformation create-stack --stack-name reckon-my-cur-bucket \\\n"
    "      --template-body file://reckon-role.json --capabilities CAPABILITY_NAMED_IAM --region us-east-1\n"
    "  reckon connect aws --name my-cur-bucket --role-arn arn:aws:iam::123456789012:role/reckon-read-my-cur-bucket\n"
    "  reckon sync my-cur-bucket\n"
    "\n"
    "Run `reckon connect SUBVERB --help` for each one's options. Exit codes: 0 ok, 1 problems\n"
    "found, 2 usage error (an unknown connection too), 3 could not run.\n";

/* ---- shared ---- */

static int open_ws(rk_cli *cli, rk_ws_mode mode, rk_ws **ws)
{
    rk_err err = {0};
    if (rk_ws_open(cli->data, mode, ws, &err) != RK_OK)
        return rk_cli_fail(err.code == RK_ENOTFOUND || err.code == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s",
                           err.msg);
    return RK_EXIT_OK;
}

static char *source_uri(const rk_connection *c)
{
    char *u = rk_connection_uri(c);
    if (!u) abort();
    return u;
}

/* What a connection's source holds in the workspace. */
typedef struct src_data {
    int64_t source_id; /* 0: never ingested */
    int64_t last_end;  /* its last ingest or sync, ms */
    char *last_status;
    char **periods; /* sorted, unique */
    size_t nperiods;
    size_t nreports;
} src_data;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void src_data_free(src_data *d)
{
    rk_strv_free(d->periods, d->nperiods);
    free(d->last_status);
    memset(d, 0, sizeof *d);
}

static rk_status read_src(rk_ws *ws, const char *uri, src_data *d, rk_err *err)
{
    memset(d, 0, sizeof *d);
    rk_ws_status s;
    RK_TRY(rk_ws_status_read(ws, &s, err));
    for (size_t i = 0; i < s.nsources; i++)
        if (strcmp(s.sources[i].uri, uri) == 0) {
            d->source_id = s.sources[i].id;
            d->last_end = s.sources[i].last_end;
            d->last_status = s.sources[i].last_status ? rk_xstrdup(s.sources[i].last_status) : NULL;
        }
    rk_status st = RK_OK;
    size_t cap = 0;
    for (size_t i = 0; d->source_id && i < s.nreports && st == RK_OK; i++) {
        if (s.reports[i].source_id != d->source_id) continue;
        d->nreports++;
        char **p = NULL;
        size_t n = 0;
        st = rk_ws_report_periods(ws, s.reports[i].id, &p, &n, err);
        for (size_t k = 0; st == RK_OK && k < n; k++) {
            if (RK_GROW(d->periods, cap, d->nperiods + 1) != RK_OK) abort();
            d->periods[d->nperiods++] = p[k];
            p[k] = NULL;
        }
        rk_strv_free(p, n);
    }
    rk_ws_status_free(&s);
    if (d->nperiods) {
        qsort(d->periods, d->nperiods, sizeof *d->periods, cmp_str);
        size_t k = 0;
        for (size_t i = 0; i < d->nperiods; i++) {
            if (k && strcmp(d->periods[k - 1], d->periods[i]) == 0) free(d->periods[i]);
            else d->periods[k++] = d->periods[i];
        }
        d->nperiods = k;
    }
    if (st != RK_OK) src_data_free(d);
    return st;
}

static int parse_format(int argc, char **argv, const char *usage, bool csv_ok, rk_outfmt *fmt, const char **name)
{
    static const struct option longopts[] = {{"format", required_argument, 0, 'f'}, {0, 0, 0, 0}};
    *fmt = RK_FMT_TABLE;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c != 'f' || rk_outfmt_parse(optarg, fmt) != 0 || (!csv_ok && *fmt == RK_FMT_CSVOUT))
            return rk_cli_fail(RK_EXIT_USAGE, "usage: %s", usage);
    }
    int want = name ? 1 : 0;
    if (argc - optind != want) return rk_cli_fail(RK_EXIT_USAGE, "usage: %s", usage);
    if (name) *name = argv[optind];
    return RK_EXIT_OK;
}

static const char *sync_state(const rk_connection *c)
{
    if (c->pending) return "waiting for its role";
    return c->last_sync_status ? c->last_sync_status : "never synced";
}

static void json_opt(rk_buf *b, const char *key, const char *v)
{
    rk_buf_printf(b, ",\"%s\":", key);
    if (v) rk_json_str(b, v);
    else rk_buf_puts(b, "null");
}

/* ---- list ---- */

static int cmd_list(rk_cli *cli, int argc, char **argv)
{
    rk_outfmt fmt;
    int rc = parse_format(argc, argv, "reckon connect list [--format table|csv|json]", true, &fmt, NULL);
    if (rc != RK_EXIT_OK) return rc;
    rk_err err = {0};
    rk_ws *ws = NULL;
    rk_connection *v = NULL;
    size_t n = 0;
    if (rk_ws_open(cli->data, RK_WS_READ, &ws, &err) != RK_OK) {
        if (err.code != RK_ENOTFOUND) return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
        ws = NULL; /* no workspace yet: no connection */
    }
    if (ws) {
        rk_status st = rk_ws_connections_list(ws, &v, &n, &err);
        rk_ws_close(ws);
        if (st != RK_OK) return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    }
    if (fmt == RK_FMT_JSONOUT) {
        rk_buf b;
        rk_buf_init(&b, (size_t)1 << 26);
        rk_buf_puts(&b, "{\"connections\":[");
        for (size_t i = 0; i < n; i++) {
            rk_connection *c = &v[i];
            char *uri = source_uri(c);
            rk_buf_puts(&b, i ? ",{\"name\":" : "{\"name\":");
            rk_json_str(&b, c->name);
            json_opt(&b, "bucket", c->bucket);
            json_opt(&b, "prefix", c->prefix);
            json_opt(&b, "source", uri);
            json_opt(&b, "report", c->report);
            json_opt(&b, "role_arn", c->role_arn);
            rk_buf_printf(&b, ",\"last_sync_at\":%lld", (long long)c->last_sync_at);
            json_opt(&b, "last_sync_status", c->last_sync_status);
            json_opt(&b, "status", sync_state(c));
            rk_buf_putc(&b, '}');
            free(uri);
        }
        rk_buf_puts(&b, "]}\n");
        fputs(b.p, stdout);
        rk_buf_free(&b);
    } else if (fmt == RK_FMT_CSVOUT) {
        fputs("name,source,report,role_arn,last_sync,status\n", stdout);
        for (size_t i = 0; i < n; i++) {
            rk_connection *c = &v[i];
            char *uri = source_uri(c);
            char when[32] = "";
            if (c->last_sync_at) rk_when(c->last_sync_at, when, sizeof when);
            const char *f[6] = {c->name, uri, c->report ? c->report : "", c->role_arn ? c->role_arn : "", when,
                                sync_state(c)};
            for (int k = 0; k < 6; k++) {
                if (k) fputc(',', stdout);
                rk_csv_field_out(stdout, f[k]);
            }
            fputc('\n', stdout);
            free(uri);
        }
    } else if (!n) {
        printf("No connections yet: start with `reckon connect template --bucket BUCKET --prefix PREFIX`.\n");
    } else {
        rk_table t;
        rk_table_init(&t, 6);
        const char *h[6] = {"NAME", "SOURCE", "REPORT", "ROLE", "LAST SYNC", "STATUS"};
        for (size_t k = 0; k < 6; k++) rk_table_header(&t, k, h[k], false);
        for (size_t i = 0; i < n; i++) {
            rk_connection *c = &v[i];
            char *uri = source_uri(c);
            char when[32] = "never";
            if (c->last_sync_at) rk_when(c->last_sync_at, when, sizeof when);
            const char *cells[6] = {c->name, uri, c->report && *c->report ? c->report : "(any)",
                                    c->role_arn ? c->role_arn : c->pending ? "(none yet)" : "(host credentials)", when,
                                    sync_state(c)};
            rk_table_row(&t, cells);
            free(uri);
        }
        rk_table_print(&t, stdout, 0);
        rk_table_free(&t);
    }
    rk_connections_free(v, n);
    return RK_EXIT_OK;
}

/* ---- show ---- */

static int cmd_show(rk_cli *cli, int argc, char **argv)
{
    rk_outfmt fmt;
    const char *name;
    int rc = parse_format(argc, argv, "reckon connect show NAME [--format table|json]", false, &fmt, &name);
    if (rc != RK_EXIT_OK) return rc;
    rk_ws *ws;
    if ((rc = open_ws(cli, RK_WS_READ, &ws)) != RK_EXIT_OK) return rc;
    rk_err err = {0};
    rk_connection c;
    memset(&c, 0, sizeof c);
    rk_status st = rk_ws_connection_get(ws, name, &c, &err);
    if (st != RK_OK) {
        rk_ws_close(ws);
        return rk_cli_fail(st == RK_ENOTFOUND || st == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    }
    char **rcpt = NULL;
    size_t nrcpt = 0;
    src_data d;
    memset(&d, 0, sizeof d);
    char *uri = source_uri(&c);
    st = rk_ws_recipients_get(ws, c.name, &rcpt, &nrcpt, &err);
    if (st == RK_OK) st = read_src(ws, uri, &d, &err);
    rk_ws_close(ws);
    if (st != RK_OK) {
        free(uri);
        rk_connection_free(&c);
        return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    }
    if (fmt == RK_FMT_JSONOUT) {
        rk_buf b;
        rk_buf_init(&b, (size_t)1 << 26);
        rk_buf_puts(&b, "{\"name\":");
        rk_json_str(&b, c.name);
        json_opt(&b, "bucket", c.bucket);
        json_opt(&b, "prefix", c.prefix);
        json_opt(&b, "report", c.report);
        json_opt(&b, "role_arn", c.role_arn);
        json_opt(&b, "external_id", c.external_id);
        json_opt(&b, "endpoint_url", c.endpoint_url);
        json_opt(&b, "profile", c.profile);
        json_opt(&b, "region", c.region);
        rk_buf_printf(&b, ",\"created_at\":%lld,\"updated_at\":%lld,\"last_sync_at\":%lld", (long long)c.created_at,
                      (long long)c.updated_at, (long long)c.last_sync_at);
        json_opt(&b, "last_sync_status", c.last_sync_status);
        json_opt(&b, "last_error", c.last_error);
        rk_buf_printf(&b, ",\"ready_notified_at\":%lld", (long long)c.ready_notified_at);
        json_opt(&b, "status", sync_state(&c));
        rk_buf_puts(&b, ",\"recipients\":[");
        for (size_t i = 0; i < nrcpt; i++) {
            if (i) rk_buf_putc(&b, ',');
            rk_json_str(&b, rcpt[i]);
        }
        rk_buf_puts(&b, "],\"source\":{\"uri\":");
        rk_json_str(&b, uri);
        rk_buf_printf(&b, ",\"ingested\":%s,\"reports\":%zu,\"last_ingest_at\":%lld", d.source_id ? "true" : "false",
                      d.nreports, (long long)d.last_end);
        json_opt(&b, "last_ingest_status", d.last_status);
        rk_buf_puts(&b, ",\"periods\":[");
        for (size_t i = 0; i < d.nperiods; i++) {
            if (i) rk_buf_putc(&b, ',');
            rk_json_str(&b, d.periods[i]);
        }
        rk_buf_puts(&b, "]}}\n");
        fputs(b.p, stdout);
        rk_buf_free(&b);
    } else {
        char when[32];
        printf("Connection %s\n", c.name);
        printf("  bucket        %s\n", c.bucket);
        printf("  prefix        %s\n", *c.prefix ? c.prefix : "(the bucket's root)");
        printf("  report        %s\n", c.report && *c.report ? c.report : "(every report under the prefix)");
        if (c.role_arn) printf("  role          %s\n", c.role_arn);
        else if (c.pending)
            printf("  role          (none yet: `sync` skips it until, after creating the stack, you run\n"
                   "                `reckon connect aws --name %s --role-arn ARN`)\n", c.name);
        else printf("  role          (none: the host's own credentials read the bucket)\n");
        printf("  external id   %s\n", c.external_id ? c.external_id : "(none)");
        printf("  endpoint      %s\n", c.endpoint_url ? c.endpoint_url : "AWS");
        printf("  profile       %s\n", c.profile ? c.profile : "(the default credential chain)");
        printf("  region        %s\n", c.region ? c.region : "us-east-1");
        printf("  recipients    ");
        if (!nrcpt) printf("(none: `reckon connect aws --name %s --email ADDRESS` adds them)", c.name);
        for (size_t i = 0; i < nrcpt; i++) printf("%s%s", i ? ", " : "", rcpt[i]);
        printf("\n");
        rk_when(c.created_at, when, sizeof when);
        printf("  created       %s\n", when);
        if (c.last_sync_at) {
            rk_when(c.last_sync_at, when, sizeof when);
            printf("  last sync     %s, %s\n", when, sync_state(&c));
        } else {
            printf("  last sync     never\n");
        }
        if (c.last_error) printf("  last error    %s\n", c.last_error);
        if (c.ready_notified_at) {
            rk_when(c.ready_notified_at, when, sizeof when);
            printf("  ready email   sent %s\n", when);
        } else {
            printf("  ready email   not sent yet\n");
        }
        printf("  source        %s\n", uri);
        printf("  periods       ");
        if (!d.nperiods) printf("none in the workspace yet");
        for (size_t i = 0; i < d.nperiods; i++) printf("%s%s", i ? ", " : "", d.periods[i]);
        printf("\n");
    }
    free(uri);
    src_data_free(&d);
    rk_strv_free(rcpt, nrcpt);
    rk_connection_free(&c);
    return RK_EXIT_OK;
}

/* ---- remove ---- */

static int cmd_remove(rk_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {{"purge", no_argument, 0, 'p'}, {0, 0, 0, 0}};
    const char *usage = "usage: reckon connect remove NAME [--purge]";
    bool purge = false;
    optind = 0;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch != 'p') return rk_cli_fail(RK_EXIT_USAGE, "%s", usage);
        purge = true;
    }
    if (argc - optind != 1) return rk_cli_fail(RK_EXIT_USAGE, "%s", usage);
    const char *name = argv[optind];
    /* Deleting data takes the writer's lock, as an ingest does. */
    rk_ws *ws;
    int rc = open_ws(cli, purge ? RK_WS_WRITE : RK_WS_READ, &ws);
    if (rc != RK_EXIT_OK) return rc;
    rk_err err = {0};
    rk_connection c;
    memset(&c, 0, sizeof c);
    src_data d;
    memset(&d, 0, sizeof d);
    rk_status st = rk_ws_connection_get(ws, name, &c, &err);
    if (st != RK_OK) {
        rk_ws_close(ws);
        return rk_cli_fail(st == RK_ENOTFOUND || st == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    }
    char *uri = source_uri(&c);
    st = read_src(ws, uri, &d, &err);
    /* With --purge, the store refuses (RK_EUSAGE) while another connection
     * reads the same bucket and prefix. */
    unsigned segments = 0;
    if (st == RK_OK) st = rk_ws_connection_remove(ws, c.name, purge, &segments, &err);
    rk_ws_close(ws);
    if (st != RK_OK) {
        rc = rk_cli_fail(st == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    } else if (purge) {
        printf("Removed connection %s and its data: %zu billing period%s of %s, %u segment file%s deleted.\n", c.name,
               d.nperiods, d.nperiods == 1 ? "" : "s", uri, segments, segments == 1 ? "" : "s");
    } else if (d.nperiods) {
        char pfx[600] = "";
        if (*c.prefix) snprintf(pfx, sizeof pfx, " --prefix %s", c.prefix);
        printf("Removed connection %s. Its data stays in the workspace: %zu billing period%s of %s, still used by the\n"
               "reports. To delete it too, recreate the connection and purge it:\n"
               "  reckon connect template --name %s --bucket %s%s >/dev/null\n"
               "  reckon connect remove %s --purge\n"
               "(next time, `reckon connect remove NAME --purge` does both at once).\n",
               c.name, d.nperiods, d.nperiods == 1 ? "" : "s", uri, c.name, c.bucket, pfx, c.name);
    } else {
        printf("Removed connection %s (it had no data in the workspace).\n", c.name);
    }
    free(uri);
    src_data_free(&d);
    rk_connection_free(&c);
    return rc;
}

int rk_cmd_connect(rk_cli *cli, int argc, char **argv)
{
    if (argc >= 2) {
        const char *sub = argv[1];
        if (strcmp(sub, "aws") == 0) return rk_cmd_connect_aws(cli, argc - 1, argv + 1);
        if (strcmp(sub, "template") == 0) return rk_cmd_connect_template(cli, argc - 1, argv + 1);
        bool known = strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0 || strcmp(sub, "remove") == 0;
        if (known && rk_cli_wants_help(argc - 1, argv + 1)) {
            fputs(help, stdout);
            return RK_EXIT_OK;
        }
        if (strcmp(sub, "list") == 0) return cmd_list(cli, argc - 1, argv + 1);
        if (strcmp(sub, "show") == 0) return cmd_show(cli, argc - 1, argv + 1);
        if (strcmp(sub, "remove") == 0) return cmd_remove(cli, argc - 1, argv + 1);
    }
    if (rk_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return RK_EXIT_OK;
    }
    if (argc < 2) {
        fputs(help, stderr);
        return RK_EXIT_USAGE;
    }
    return rk_cli_fail(RK_EXIT_USAGE, "unknown connect command \"%s\"; use template, aws, list, show or remove",
                       argv[1]);
}
