/* cmd_demo.c — `reckon demo`: a synthetic organization's CUR generated into
 * the workspace (once), ingested, and summarized in a few lines a person can
 * read, with the commands to run next.
 *
 * The demo bucket is <workspace>/demo-bucket. A stamp file beside it,
 * <workspace>/demo-bucket.stamp, records the parameters it was generated
 * with; a second run with the same parameters reuses the files (and the
 * ingest finds every period unchanged), so it takes a moment. The stamp is
 * written as "generating" before the files and "ready" after, so a folder
 * with a stamp is always ours to replace. */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analytics/query.h"
#include "cli/cli.h"
#include "cli/out.h"
#include "common/mem.h"
#include "common/timeparse.h"
#include "gen/gen.h"
#include "ingest/ingest.h"

static const char help[] =
    "Usage: reckon demo [OPTIONS]\n"
    "\n"
    "Generates the demo organization's Cost and Usage Report into the workspace (the\n"
    "folder demo-bucket; only the first time), ingests it, and prints a summary: the\n"
    "months, accounts, unblended and amortized spend per month, the top services and\n"
    "the Reserved Instances and Savings Plans, then the commands to try next.\n"
    "The organization: 3 months of hourly legacy CUR ending last month, 8 accounts,\n"
    "EC2 on-demand, Spot, RIs and Savings Plans, RDS, ElastiCache, Fargate, Lambda,\n"
    "S3 and more (see `reckon generate --help`).\n"
    "\n"
    "Options:\n"
    "  --scale X    a smaller or larger organization (default 1, about 190,000 rows a month)\n"
    "  --force      generate the files again even when they are already there\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 done, 1 a period could not be ingested, 2 usage error, 3 could not run.\n";

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- progress ---- */

typedef struct dprog {
    bool tty;
    size_t last_len;
    double t0;
} dprog;

static void line(dprog *p, const char *s)
{
    int len = (int)strlen(s);
    fprintf(stderr, "\r%s", s);
    if ((size_t)len < p->last_len) fprintf(stderr, "%*s", (int)(p->last_len - (size_t)len), "");
    p->last_len = (size_t)len;
    fflush(stderr);
}

static void clear_line(dprog *p)
{
    if (p->tty && p->last_len) fprintf(stderr, "\r%*s\r", (int)p->last_len, "");
    p->last_len = 0;
}

static void on_gen(void *ctx, const rk_gen_progress *g)
{
    dprog *p = ctx;
    if (!p->tty) return;
    char rows[32], s[160];
    rk_count(g->rows, rows, sizeof rows);
    snprintf(s, sizeof s, "  generating month %u of %u: %s rows", g->month + 1, g->months, rows);
    line(p, s);
}

static void on_ingest(void *ctx, const rk_ingest_progress *g, bool final)
{
    dprog *p = ctx;
    if (!p->tty || final) return;
    double frac = g->bytes_total ? (double)g->bytes_read / (double)g->bytes_total : 0;
    char bar[21], rows[32], s[200];
    for (int i = 0; i < 20; i++) bar[i] = i < (int)(frac * 20) ? '#' : '.';
    bar[20] = 0;
    rk_count(g->rows, rows, sizeof rows);
    snprintf(s, sizeof s, "  ingesting [%s] %s rows, %u/%u periods", bar, rows, g->plans_done, g->plans_total);
    line(p, s);
}

/* ---- the demo bucket ---- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 ? 0 : -1;
}

static int mkdir_p(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return (mkdir(tmp, 0755) == 0 || errno == EEXIST) ? 0 : -1;
}

static bool read_stamp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) return false;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = 0;
    return true;
}

static bool write_stamp(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    bool ok = fputs(text, f) >= 0;
    return (fclose(f) == 0) && ok;
}

/* ---- the summary ---- */

typedef struct keyval {
    const char *key;
    rk_i128 v, v2;
} keyval;

static int cmp_desc(const void *a, const void *b)
{
    const keyval *x = a, *y = b;
    if (x->v != y->v) return x->v > y->v ? -1 : 1;
    return strcmp(x->key, y->key);
}

static rk_status run_query(rk_ws *ws, const char *payer, int64_t from, int64_t to, rk_gran gran, const char *group,
                           const rk_metric *metrics, size_t nm, rk_qresult *out, rk_err *err)
{
    rk_query q;
    memset(&q, 0, sizeof q);
    q.has_from = q.has_to = true;
    q.from = from;
    q.to = to;
    q.gran = gran;
    rk_dim g;
    rk_filter f;
    char *vals[1] = {(char *)payer};
    memset(&f, 0, sizeof f);
    RK_TRY(rk_dim_parse("payer", &f.dim, err));
    f.values = vals;
    f.nvalues = 1;
    q.filters = &f;
    q.nfilters = 1;
    rk_status st = RK_OK;
    if (group) {
        st = rk_dim_parse(group, &g, err);
        q.group = &g;
        q.ngroup = 1;
    }
    for (size_t i = 0; i < nm; i++) q.metrics[q.nmetrics++] = metrics[i];
    if (st == RK_OK) st = rk_query_run(ws, &q, out, err);
    if (group) rk_dim_free(&g);
    rk_dim_free(&f.dim);
    return st;
}

/* Distinct non-empty values of a dimension. */
static rk_status count_keys(rk_ws *ws, const char *payer, int64_t from, int64_t to, const char *dim, size_t *n, rk_err *err)
{
    rk_metric m = RK_M_UNBLENDED;
    rk_qresult r;
    RK_TRY(run_query(ws, payer, from, to, RK_GRAN_TOTAL, dim, &m, 1, &r, err));
    *n = 0;
    for (size_t i = 0; i < r.n; i++)
        if (r.rows[i].keys[0] && *r.rows[i].keys[0]) (*n)++;
    rk_qresult_free(&r);
    return RK_OK;
}

static rk_status summary(rk_ws *ws, const char *payer, int64_t from, int64_t to, rk_err *err)
{
    rk_metric ms[2] = {RK_M_UNBLENDED, RK_M_AMORTIZED};
    rk_qresult r;
    RK_TRY(run_query(ws, payer, from, to, RK_GRAN_MONTHLY, NULL, ms, 2, &r, err));
    size_t accounts = 0, ris = 0, sps = 0;
    rk_status st = count_keys(ws, payer, from, to, "account", &accounts, err);
    if (st == RK_OK) st = count_keys(ws, payer, from, to, "column:reservation_reservation_a_r_n", &ris, err);
    if (st == RK_OK) st = count_keys(ws, payer, from, to, "column:savings_plan_savings_plan_a_r_n", &sps, err);
    if (st != RK_OK) {
        rk_qresult_free(&r);
        return st;
    }
    char a[16] = "", b[16] = "";
    if (r.n) {
        rk_time_fmt_month(r.rows[0].t, a);
        rk_time_fmt_month(r.rows[r.n - 1].t, b);
    }
    printf("\nMonths       %zu (%s to %s)\n", r.n, a, b);
    printf("Accounts     %zu, paid by %s\n", accounts, payer);
    printf("Commitments  %zu Reserved Instances, %zu Savings Plans\n\n", ris, sps);
    rk_table t;
    rk_table_init(&t, 3);
    rk_table_header(&t, 0, "MONTH", false);
    rk_table_header(&t, 1, "UNBLENDED", true);
    rk_table_header(&t, 2, "AMORTIZED", true);
    rk_i128 tu = 0, ta = 0;
    for (size_t i = 0; i < r.n; i++) {
        char mo[16], u[64], am[64];
        rk_time_fmt_month(r.rows[i].t, mo);
        rk_money(r.rows[i].vals[0], r.rows[i].currency, u, sizeof u);
        rk_money(r.rows[i].vals[1], r.rows[i].currency, am, sizeof am);
        tu += r.rows[i].vals[0];
        ta += r.rows[i].vals[1];
        const char *cells[3] = {mo, u, am};
        rk_table_row(&t, cells);
    }
    if (r.n > 1) {
        char u[64], am[64];
        rk_money(tu, r.rows[0].currency, u, sizeof u);
        rk_money(ta, r.rows[0].currency, am, sizeof am);
        rk_table_rule(&t);
        const char *cells[3] = {"Total", u, am};
        rk_table_row(&t, cells);
    }
    rk_table_print(&t, stdout, 2);
    rk_table_free(&t);
    rk_qresult_free(&r);

    rk_metric sm[2] = {RK_M_AMORTIZED, RK_M_UNBLENDED};
    RK_TRY(run_query(ws, payer, from, to, RK_GRAN_TOTAL, "service", sm, 2, &r, err));
    keyval *kv = rk_xcalloc(r.n ? r.n : 1, sizeof *kv);
    for (size_t i = 0; i < r.n; i++) kv[i] = (keyval){r.rows[i].keys[0], r.rows[i].vals[0], r.rows[i].vals[1]};
    qsort(kv, r.n, sizeof *kv, cmp_desc);
    printf("\nTop services\n");
    rk_table_init(&t, 3);
    rk_table_header(&t, 0, "SERVICE", false);
    rk_table_header(&t, 1, "AMORTIZED", true);
    rk_table_header(&t, 2, "UNBLENDED", true);
    for (size_t i = 0; i < r.n && i < 5; i++) {
        char am[64], u[64];
        rk_money(kv[i].v, "USD", am, sizeof am);
        rk_money(kv[i].v2, "USD", u, sizeof u);
        const char *cells[3] = {*kv[i].key ? kv[i].key : "(none)", am, u};
        rk_table_row(&t, cells);
    }
    rk_table_print(&t, stdout, 2);
    rk_table_free(&t);
    free(kv);
    rk_qresult_free(&r);
    return RK_OK;
}

int rk_cmd_demo(rk_cli *cli, int argc, char **argv)
{
    if (rk_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return RK_EXIT_OK;
    }
    static const struct option longopts[] = {{"scale", required_argument, 0, 'x'}, {"force", no_argument, 0, 'f'}, {0, 0, 0, 0}};
    rk_gen_opts o;
    rk_gen_opts_default(&o);
    bool force = false;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'x': {
            char *e;
            o.scale = strtod(optarg, &e);
            if (*e || !(o.scale > 0) || o.scale > 1000) return rk_cli_fail(RK_EXIT_USAGE, "--scale takes a number above 0");
            break;
        }
        case 'f': force = true; break;
        default: return rk_cli_fail(RK_EXIT_USAGE, "unknown option %s; see `reckon demo --help`", argv[optind - 1]);
        }
    }
    if (optind != argc) return rk_cli_fail(RK_EXIT_USAGE, "demo takes no arguments; see `reckon demo --help`");

    char bucket[4096], stamp[4200];
    snprintf(bucket, sizeof bucket, "%s/demo-bucket", cli->data);
    snprintf(stamp, sizeof stamp, "%s.stamp", bucket);
    if (mkdir_p(cli->data) != 0)
        return rk_cli_fail(RK_EXIT_FATAL, "cannot create the workspace %s: %s", cli->data, strerror(errno));
    char want[512], have[1024];
    snprintf(want, sizeof want, "reckon-demo 1 seed=%llu months=%d end=%04d-%02d accounts=%d scale=%g format=%s\n",
             (unsigned long long)o.seed, o.months, o.end_year, o.end_month, o.accounts, o.scale,
             rk_gen_format_name(o.format));
    bool have_stamp = read_stamp(stamp, have, sizeof have);
    struct stat sb;
    bool have_bucket = stat(bucket, &sb) == 0;
    char payer[13] = "";
    const char *ready = have_stamp ? strstr(have, "ready payer=") : NULL;
    bool reuse = !force && have_bucket && ready && strncmp(have, want, strlen(want)) == 0;
    dprog pg = {.tty = !cli->quiet && isatty(STDERR_FILENO), .t0 = mono()};

    printf("reckon demo: Acme, a synthetic organization, in %s\n", cli->data);
    fflush(stdout);
    if (reuse) {
        snprintf(payer, sizeof payer, "%.12s", ready + strlen("ready payer="));
        printf("  using the demo CUR generated earlier in %s\n", bucket);
    } else {
        if (have_bucket && !have_stamp)
            return rk_cli_fail(RK_EXIT_FATAL,
                               "%s exists but was not made by `reckon demo`; move it away and run the demo again",
                               bucket);
        if (have_bucket && nftw(bucket, rm_one, 32, FTW_DEPTH | FTW_PHYS) != 0)
            return rk_cli_fail(RK_EXIT_FATAL, "cannot remove the previous demo in %s: %s", bucket, strerror(errno));
        char gen_line[600];
        snprintf(gen_line, sizeof gen_line, "%sgenerating\n", want);
        if (!write_stamp(stamp, gen_line))
            return rk_cli_fail(RK_EXIT_FATAL, "cannot write %s: %s", stamp, strerror(errno));
        o.outdir = bucket;
        o.progress = on_gen;
        o.progress_ctx = &pg;
        rk_gen_result gr;
        rk_err err = {0};
        double t0 = mono();
        rk_status st = rk_gen_run(&o, &gr, &err);
        clear_line(&pg);
        if (st != RK_OK) return rk_cli_fail(RK_EXIT_FATAL, "generating the demo: %s", err.msg);
        char rows[32];
        rk_count(gr.rows, rows, sizeof rows);
        printf("  generated %d months of hourly CUR for %u accounts: %s rows, %.1f MB in %.1f s\n", o.months,
               gr.accounts, rows, (double)gr.bytes / 1e6, mono() - t0);
        snprintf(payer, sizeof payer, "%s", gr.payer);
        rk_gen_result_free(&gr);
        snprintf(gen_line, sizeof gen_line, "%sready payer=%s\n", want, payer);
        if (!write_stamp(stamp, gen_line))
            return rk_cli_fail(RK_EXIT_FATAL, "cannot write %s: %s", stamp, strerror(errno));
    }
    fflush(stdout);

    rk_err err = {0};
    rk_source *src;
    if (rk_source_local(bucket, &src, &err) != RK_OK) return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    rk_ws *ws;
    if (rk_ws_open(cli->data, RK_WS_WRITE, &ws, &err) != RK_OK) {
        rk_source_close(src);
        return rk_cli_fail(err.code == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    }
    rk_ingest_opts io = {.progress = on_ingest, .progress_ctx = &pg, .command = "demo"};
    rk_ingest_result res;
    double t0 = mono();
    rk_status st = rk_ingest(ws, src, &io, &res, &err);
    clear_line(&pg);
    rk_source_close(src);
    if (st != RK_OK) {
        rk_ws_close(ws);
        return rk_cli_fail(RK_EXIT_FATAL, "ingesting the demo: %s", err.msg);
    }
    const rk_run_counts *k = &res.counts;
    char rows[32];
    rk_count(k->rows, rows, sizeof rows);
    printf("  ingested %u period%s (%s rows), %u unchanged, in %.1f s\n", k->ingested, k->ingested == 1 ? "" : "s", rows,
           k->unchanged, mono() - t0);
    int rc = RK_EXIT_OK;
    if (k->failed || k->unsupported) {
        for (size_t i = 0; i < res.n; i++)
            if (res.v[i].message && (res.v[i].status == RK_RES_FAILED || res.v[i].status == RK_RES_UNSUPPORTED))
                fprintf(stderr, "reckon: %s %s: %s\n", res.v[i].report, res.v[i].period ? res.v[i].period : "",
                        res.v[i].message);
        rc = RK_EXIT_PROBLEMS;
    }
    rk_ingest_result_free(&res);

    /* Only the demo's payer and months: the workspace may hold other data. */
    int64_t last = rk_days_from_civil(o.end_year, o.end_month, 1) * RK_MS_PER_DAY;
    int64_t from = rk_time_add_months(last, -(o.months - 1)), to = rk_time_add_months(last, 1);
    if (summary(ws, payer, from, to, &err) != RK_OK) {
        rk_ws_close(ws);
        return rk_cli_fail(RK_EXIT_FATAL, "summarizing the demo: %s", err.msg);
    }
    rk_ws_close(ws);

    const char *dflt = getenv("RECKON_DATA");
    bool plain = strcmp(cli->data, (dflt && *dflt) ? dflt : "./reckon-data") == 0;
    char data[4200] = "";
    if (!plain) snprintf(data, sizeof data, " --data %s", cli->data);
    printf("\nNext:\n");
    printf("  reckon%s status\n", data);
    printf("  reckon%s report cost --granularity monthly --group-by service --metric unblended,amortized\n", data);
    printf("  reckon%s report cost --group-by tag:team --metric amortized\n", data);
    printf("  reckon%s report cost --group-by purchase-option --metric on-demand,amortized\n", data);
    printf("  reckon%s report cost --granularity daily --filter account=%s --metric unblended\n", data, payer);
    return rc;
}
