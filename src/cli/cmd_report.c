#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/query.h"
#include "cli/cli.h"
#include "cli/out.h"
#include "common/mem.h"
#include "common/timeparse.h"

static const char help[] =
    "Usage: reckon report cost [OPTIONS]\n"
    "\n"
    "Sums cost over the billing periods in the workspace, exactly, by time bucket and by any\n"
    "dimensions. With no --group-by and granularity total it prints one row: the total.\n"
    "\n"
    "Options:\n"
    "  --from DATE            first day included (YYYY-MM-DD, YYYY-MM or a timestamp)\n"
    "  --to DATE              first day excluded\n"
    "  --granularity G        hourly, daily, monthly or total (default total)\n"
    "  --group-by D[,D...]    dimensions: account, payer, service, product-code, region,\n"
    "                         availability-zone, usage-type, operation, line-item-type,\n"
    "                         charge-type, purchase-option, instance-type, resource,\n"
    "                         billing-entity, legal-entity, currency, tag:KEY (user:Team or\n"
    "                         user_team), cost-category:NAME, product:ATTR, column:NAME\n"
    "  --filter D=V1,V2       keep rows whose D is one of the values (repeatable; all must\n"
    "                         hold); an empty value matches rows without one (tag:team=)\n"
    "  --metric M[,M...]      unblended (default), blended, net-unblended, amortized,\n"
    "                         net-amortized, on-demand, trueup, upfront\n"
    "  --format F             table (default), csv or json; csv and json carry full precision\n"
    "  -h, --help             this help\n"
    "\n"
    "The metrics and the rules behind them are described in docs/cost-rules.md.\n";

static int report_cost(rk_cli *cli, int argc, char **argv)
{
    if (rk_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return RK_EXIT_OK;
    }
    static const struct option longopts[] = {
        {"from", required_argument, 0, 'F'},   {"to", required_argument, 0, 'T'},
        {"granularity", required_argument, 0, 'g'}, {"group-by", required_argument, 0, 'G'},
        {"filter", required_argument, 0, 'f'}, {"metric", required_argument, 0, 'm'},
        {"format", required_argument, 0, 'o'}, {"threads", required_argument, 0, 'j'},
        {0, 0, 0, 0}};
    rk_query q;
    memset(&q, 0, sizeof q);
    rk_outfmt fmt = RK_FMT_TABLE;
    rk_err err = {0};
    int rc = RK_EXIT_OK;
    size_t fcap = 0;
    optind = 0;
    opterr = 0;
    int c;
    rk_cli_range range = {0};
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int r = rk_cli_range_opt(c, optarg, &range, &err);
        if (r < 0) goto usage;
        if (r > 0) continue;
        switch (c) {
        case 'G': {
            size_t n;
            char **v = rk_cli_split_list(optarg, &n);
            for (size_t i = 0; i < n; i++) {
                q.group = realloc(q.group, (q.ngroup + 1) * sizeof *q.group);
                if (!q.group) abort();
                rk_status st = rk_dim_parse(v[i], &q.group[q.ngroup], &err);
                free(v[i]);
                if (st != RK_OK) {
                    for (size_t j = i + 1; j < n; j++) free(v[j]);
                    free(v);
                    goto usage;
                }
                q.ngroup++;
            }
            free(v);
            break;
        }
        case 'f': {
            char *dim, **values;
            size_t nv;
            if (rk_cli_filter_arg(optarg, &dim, &values, &nv, &err) != RK_OK) goto usage;
            if (q.nfilters == fcap) {
                fcap = fcap ? fcap * 2 : 4;
                q.filters = realloc(q.filters, fcap * sizeof *q.filters);
                if (!q.filters) abort();
            }
            rk_filter *f = &q.filters[q.nfilters];
            rk_status st = rk_dim_parse(dim, &f->dim, &err);
            free(dim);
            if (st != RK_OK) {
                for (size_t i = 0; i < nv; i++) free(values[i]);
                free(values);
                goto usage;
            }
            f->values = values;
            f->nvalues = nv;
            q.nfilters++;
            break;
        }
        case 'm': {
            size_t n;
            char **v = rk_cli_split_list(optarg, &n);
            rk_status st = RK_OK;
            for (size_t i = 0; i < n; i++) {
                if (st == RK_OK && q.nmetrics < RK_M_COUNT) st = rk_metric_parse(v[i], &q.metrics[q.nmetrics++], &err);
                free(v[i]);
            }
            free(v);
            if (st != RK_OK) goto usage;
            break;
        }
        case 'o':
            if (rk_outfmt_parse(optarg, &fmt) != 0) {
                rk_err_set(&err, RK_EUSAGE, "--format must be table, csv or json");
                goto usage;
            }
            break;
        case 'j': q.threads = atoi(optarg); break;
        default:
            rk_err_set(&err, RK_EUSAGE, "unknown option %s; see `reckon report cost --help`", argv[optind - 1]);
            goto usage;
        }
    }
    if (optind != argc) {
        rk_err_set(&err, RK_EUSAGE, "unexpected argument \"%s\"; see `reckon report cost --help`", argv[optind]);
        goto usage;
    }
    if (rk_cli_range_check(&range, &err) != RK_OK) goto usage;
    q.has_from = range.has_from;
    q.from = range.from;
    q.has_to = range.has_to;
    q.to = range.to;
    q.gran = range.gran;
    if (q.nmetrics == 0) q.metrics[q.nmetrics++] = RK_M_UNBLENDED;

    rk_ws *ws;
    if (rk_ws_open(cli->data, RK_WS_READ, &ws, &err) != RK_OK) {
        rc = rk_cli_fail(err.code == RK_ENOTFOUND ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
        goto out;
    }
    rk_qresult r;
    rk_status st = rk_query_run(ws, &q, &r, &err);
    rk_ws_close(ws);
    if (st != RK_OK) {
        rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
        goto out;
    }
    bool multi_cur = r.ncurrencies > 1;
    bool show_time = q.gran != RK_GRAN_TOTAL;
    char tl[32], num[64];
    if (fmt == RK_FMT_CSVOUT) {
        bool first = true;
        if (show_time) fputs("start", stdout), first = false;
        for (size_t k = 0; k < q.ngroup; k++) {
            if (!first) fputc(',', stdout);
            rk_csv_field_out(stdout, q.group[k].label);
            first = false;
        }
        for (size_t m = 0; m < q.nmetrics; m++) {
            if (!first) fputc(',', stdout);
            fputs(rk_metric_name(q.metrics[m]), stdout);
            first = false;
        }
        fputs(first ? "currency\n" : ",currency\n", stdout);
        for (size_t i = 0; i < r.n; i++) {
            rk_qrow *row = &r.rows[i];
            first = true;
            if (show_time) {
                rk_gran_label(q.gran, row->t, tl);
                fputs(tl, stdout);
                first = false;
            }
            for (size_t k = 0; k < q.ngroup; k++) {
                if (!first) fputc(',', stdout);
                rk_csv_field_out(stdout, row->keys[k]);
                first = false;
            }
            for (size_t m = 0; m < q.nmetrics; m++) {
                if (!first) fputc(',', stdout);
                rk_i128_fmt(row->vals[m], 18, num);
                fputs(num, stdout);
                first = false;
            }
            if (!first) fputc(',', stdout);
            rk_csv_field_out(stdout, row->currency);
            fputc('\n', stdout);
        }
    } else if (fmt == RK_FMT_JSONOUT) {
        rk_buf b;
        rk_buf_init(&b, (size_t)1 << 34);
        rk_buf_puts(&b, "{\"granularity\":");
        static const char *const gn[] = {"total", "hourly", "daily", "monthly"};
        rk_json_str(&b, gn[q.gran]);
        rk_buf_puts(&b, ",\"from\":");
        if (q.has_from) {
            rk_time_fmt(q.from, tl);
            rk_json_str(&b, tl);
        } else {
            rk_buf_puts(&b, "null");
        }
        rk_buf_puts(&b, ",\"to\":");
        if (q.has_to) {
            rk_time_fmt(q.to, tl);
            rk_json_str(&b, tl);
        } else {
            rk_buf_puts(&b, "null");
        }
        rk_buf_puts(&b, ",\"group_by\":[");
        for (size_t k = 0; k < q.ngroup; k++) {
            if (k) rk_buf_putc(&b, ',');
            rk_json_str(&b, q.group[k].label);
        }
        rk_buf_puts(&b, "],\"metrics\":[");
        for (size_t m = 0; m < q.nmetrics; m++) {
            if (m) rk_buf_putc(&b, ',');
            rk_json_str(&b, rk_metric_name(q.metrics[m]));
        }
        rk_buf_puts(&b, "],\"currencies\":[");
        for (size_t i = 0; i < r.ncurrencies; i++) {
            if (i) rk_buf_putc(&b, ',');
            rk_json_str(&b, r.currencies[i]);
        }
        rk_buf_printf(&b, "],\"rows_scanned\":%llu,\"rows\":[", (unsigned long long)r.rows_scanned);
        for (size_t i = 0; i < r.n; i++) {
            rk_qrow *row = &r.rows[i];
            rk_buf_puts(&b, i ? ",{" : "{");
            bool first = true;
            if (show_time) {
                rk_gran_label(q.gran, row->t, tl);
                rk_buf_puts(&b, "\"start\":");
                rk_json_str(&b, tl);
                first = false;
            }
            for (size_t k = 0; k < q.ngroup; k++) {
                if (!first) rk_buf_putc(&b, ',');
                rk_json_str(&b, q.group[k].label);
                rk_buf_putc(&b, ':');
                rk_json_str(&b, row->keys[k]);
                first = false;
            }
            for (size_t m = 0; m < q.nmetrics; m++) {
                if (!first) rk_buf_putc(&b, ',');
                rk_json_str(&b, rk_metric_name(q.metrics[m]));
                rk_i128_fmt(row->vals[m], 18, num);
                rk_buf_printf(&b, ":\"%s\"", num); /* exact decimal text, as AWS's APIs give amounts */
                first = false;
            }
            rk_buf_puts(&b, first ? "\"currency\":" : ",\"currency\":");
            rk_json_str(&b, row->currency);
            rk_buf_putc(&b, '}');
        }
        rk_buf_puts(&b, "]}\n");
        fputs(b.p, stdout);
        rk_buf_free(&b);
    } else {
        size_t ncols = (show_time ? 1 : 0) + q.ngroup + (multi_cur ? 1 : 0) + q.nmetrics;
        rk_table t;
        rk_table_init(&t, ncols);
        size_t col = 0;
        if (show_time) rk_table_header(&t, col++, q.gran == RK_GRAN_MONTHLY ? "MONTH" : q.gran == RK_GRAN_DAILY ? "DAY" : "HOUR", false);
        for (size_t k = 0; k < q.ngroup; k++) {
            char h[300];
            snprintf(h, sizeof h, "%s", q.group[k].label);
            for (char *p = h; *p && !strchr(h, ':'); p++)
                if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 32);
            rk_table_header(&t, col++, h, false);
        }
        if (multi_cur) rk_table_header(&t, col++, "CURRENCY", false);
        for (size_t m = 0; m < q.nmetrics; m++) {
            char h[64];
            snprintf(h, sizeof h, "%s", rk_metric_name(q.metrics[m]));
            for (char *p = h; *p; p++)
                if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 32);
            rk_table_header(&t, col++, h, true);
        }
        char **cells = rk_xcalloc(ncols, sizeof *cells);
        for (size_t i = 0; i < r.n; i++) {
            rk_qrow *row = &r.rows[i];
            col = 0;
            if (show_time) {
                rk_gran_label(q.gran, row->t, tl);
                cells[col++] = rk_xstrdup(tl);
            }
            for (size_t k = 0; k < q.ngroup; k++) cells[col++] = rk_xstrdup(*row->keys[k] ? row->keys[k] : "(none)");
            if (multi_cur) cells[col++] = rk_xstrdup(row->currency);
            for (size_t m = 0; m < q.nmetrics; m++) {
                char money[96];
                rk_money(row->vals[m], row->currency, money, sizeof money);
                cells[col++] = rk_xstrdup(money);
            }
            rk_table_row(&t, (const char *const *)cells);
            for (size_t k = 0; k < ncols; k++) free(cells[k]);
        }
        /* Totals per currency when there is more than one row. */
        if (r.n > 1 && (q.ngroup || show_time)) {
            rk_table_rule(&t);
            for (size_t ci = 0; ci < r.ncurrencies; ci++) {
                col = 0;
                for (size_t k = 0; k < ncols - q.nmetrics; k++) cells[col++] = rk_xstrdup(k == 0 ? "Total" : "");
                if (multi_cur) {
                    free(cells[col - 1]);
                    cells[col - 1] = rk_xstrdup(r.currencies[ci]);
                }
                for (size_t m = 0; m < q.nmetrics; m++) {
                    rk_i128 sum = 0;
                    for (size_t i = 0; i < r.n; i++)
                        if (strcmp(r.rows[i].currency, r.currencies[ci]) == 0) sum += r.rows[i].vals[m];
                    char money[96];
                    rk_money(sum, r.currencies[ci], money, sizeof money);
                    cells[col++] = rk_xstrdup(money);
                }
                rk_table_row(&t, (const char *const *)cells);
                for (size_t k = 0; k < ncols; k++) free(cells[k]);
            }
        }
        free(cells);
        if (r.n == 0) printf("No cost in the workspace matches (%u billing period deliveries searched).\n", r.segments);
        else rk_table_print(&t, stdout, 0);
        if (multi_cur)
            fprintf(stderr, "note: the data holds %zu currencies; amounts are summed per currency, never across.\n",
                    r.ncurrencies);
        rk_table_free(&t);
    }
    rk_qresult_free(&r);
    goto out;
usage:
    rc = rk_cli_fail(RK_EXIT_USAGE, "%s", err.msg);
out:
    for (size_t k = 0; k < q.ngroup; k++) rk_dim_free(&q.group[k]);
    free(q.group);
    for (size_t f = 0; f < q.nfilters; f++) {
        rk_dim_free(&q.filters[f].dim);
        for (size_t v = 0; v < q.filters[f].nvalues; v++) free(q.filters[f].values[v]);
        free(q.filters[f].values);
    }
    free(q.filters);
    return rc;
}

int rk_cmd_report(rk_cli *cli, int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        if (rk_cli_wants_help(argc, argv)) {
            printf("Usage: reckon report KIND [OPTIONS]\n\nKinds:\n  cost    cost by time and dimensions "
                   "(reckon report cost --help)\n");
            return RK_EXIT_OK;
        }
        return rk_cli_fail(RK_EXIT_USAGE, "report needs a kind: `reckon report cost`");
    }
    if (strcmp(argv[1], "cost") == 0) return report_cost(cli, argc - 1, argv + 1);
    return rk_cli_fail(RK_EXIT_USAGE, "unknown report \"%s\"; the reports are: cost", argv[1]);
}
