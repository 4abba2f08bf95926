#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/commit.h"
#include "cli/cli.h"
#include "cli/out.h"
#include "common/mem.h"
#include "common/timeparse.h"

static const char help[] =
    "Usage: reckon commitments REPORT [OPTIONS]\n"
    "\n"
    "Reserved Instances and Savings Plans, from the CUR alone. The definitions, with worked\n"
    "examples, are in docs/commitments.md.\n"
    "\n"
    "Reports:\n"
    "  list          every RI and SP: type, owner, size, term, dates, upfront, recurring fee,\n"
    "                commitment per month, the accounts that used it\n"
    "  schedule      commitment per month, 6 months back to 36 ahead (amortized, upfront,\n"
    "                recurring, total)\n"
    "  utilization   RI hours and normalized units, SP dollars: reserved, used, unused\n"
    "  coverage      share of eligible on-demand usage covered by RIs and SPs (dollars, RI hours)\n"
    "  savings       on-demand equivalent, effective cost, gross and net savings; Spot apart\n"
    "  esr           effective savings rate: compute, non-compute, compute with Spot\n"
    "  waste         unused RI upfront and recurring fees, unused SP commitment\n"
    "  expiring      commitments ending within 30/60/90 days, with what they save\n"
    "\n"
    "Options:\n"
    "  --from DATE            first day included (YYYY-MM-DD, YYYY-MM or a timestamp)\n"
    "  --to DATE              first day excluded\n"
    "  --granularity G        hourly, daily, monthly or total (default total)\n"
    "  --group-by D[,D...]    account, payer, service, region, instance-type, family,\n"
    "                         platform, commitment, commitment-type, owner, scope\n"
    "  --filter D=V1,V2       keep rows whose D is one of the values (repeatable)\n"
    "  --net                  savings and ESR after EDP-type discounts (net columns)\n"
    "  --month-to-date        savings: the latest billing period with data\n"
    "  --as-of DATE           schedule and expiring: the reference time (default: end of data)\n"
    "  --format F             table (default), csv or json; csv and json carry full precision\n"
    "  -h, --help             this help\n";

static void upcase(const char *s, char *out, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++) {
        char ch = s[i];
        if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 32);
        if (ch == '_') ch = ' ';
        out[i] = ch;
    }
    out[i] = 0;
}

/* Ratios as percentages for people ("88.10%"), money with its currency. */
static void human(const rk_ctable *t, size_t col, const char *cell, const char *cur, char *out, size_t cap)
{
    if (!*cell) {
        snprintf(out, cap, "%s", t->types[col] == RK_CT_TEXT ? "(none)" : "");
        return;
    }
    rk_dec d;
    bool rounded;
    switch (t->types[col]) {
    case RK_CT_RATIO:
        if (rk_dec_parse(cell, strlen(cell), &d, &rounded) == RK_OK) {
            rk_i128 pct = rk_dec_to18(d) * 100;
            char num[64];
            rk_i128_fmt_grouped(pct, 2, num);
            snprintf(out, cap, "%s%%", num);
            return;
        }
        break;
    case RK_CT_MONEY:
        if (rk_dec_parse(cell, strlen(cell), &d, &rounded) == RK_OK) {
            rk_money(rk_dec_to18(d), cur, out, cap);
            return;
        }
        break;
    case RK_CT_NUMBER:
        if (rk_dec_parse(cell, strlen(cell), &d, &rounded) == RK_OK) {
            rk_i128_fmt_grouped(rk_dec_to18(d), 2, out);
            return;
        }
        break;
    default: break;
    }
    snprintf(out, cap, "%s", cell);
}

static int print_table(const rk_ctable *t, rk_outfmt fmt, rk_creport rep)
{
    size_t curcol = t->ncols;
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->names[c], "currency") == 0) curcol = c;
    if (fmt == RK_FMT_CSVOUT) {
        for (size_t c = 0; c < t->ncols; c++) {
            if (c) fputc(',', stdout);
            rk_csv_field_out(stdout, t->names[c]);
        }
        fputc('\n', stdout);
        for (size_t r = 0; r < t->nrows; r++) {
            for (size_t c = 0; c < t->ncols; c++) {
                if (c) fputc(',', stdout);
                rk_csv_field_out(stdout, t->cells[r * t->ncols + c]);
            }
            fputc('\n', stdout);
        }
        return RK_EXIT_OK;
    }
    if (fmt == RK_FMT_JSONOUT) {
        rk_buf b;
        rk_buf_init(&b, (size_t)1 << 34);
        rk_buf_puts(&b, "{\"report\":");
        rk_json_str(&b, rk_creport_name(rep));
        char tl[40];
        rk_buf_puts(&b, ",\"data_start\":");
        if (t->data_end) {
            rk_time_fmt(t->data_start, tl);
            rk_json_str(&b, tl);
            rk_buf_puts(&b, ",\"data_end\":");
            rk_time_fmt(t->data_end, tl);
            rk_json_str(&b, tl);
        } else {
            rk_buf_puts(&b, "null,\"data_end\":null");
        }
        rk_buf_puts(&b, ",\"columns\":[");
        for (size_t c = 0; c < t->ncols; c++) {
            if (c) rk_buf_putc(&b, ',');
            rk_json_str(&b, t->names[c]);
        }
        rk_buf_puts(&b, "],\"rows\":[");
        for (size_t r = 0; r < t->nrows; r++) {
            rk_buf_puts(&b, r ? ",{" : "{");
            for (size_t c = 0; c < t->ncols; c++) {
                if (c) rk_buf_putc(&b, ',');
                rk_json_str(&b, t->names[c]);
                rk_buf_putc(&b, ':');
                const char *cell = t->cells[r * t->ncols + c];
                /* amounts stay exact decimal text; an empty ratio is null */
                if (!*cell && t->types[c] != RK_CT_TEXT && t->types[c] != RK_CT_TIME) rk_buf_puts(&b, "null");
                else rk_json_str(&b, cell);
            }
            rk_buf_putc(&b, '}');
        }
        rk_buf_puts(&b, "]}\n");
        fputs(b.p, stdout);
        rk_buf_free(&b);
        return RK_EXIT_OK;
    }
    if (t->nrows == 0) {
        printf("No commitment data matches.\n");
        return RK_EXIT_OK;
    }
    /* For people: no currency column when there is one currency. */
    bool multi = false;
    for (size_t r = 1; r < t->nrows && curcol < t->ncols; r++)
        if (strcmp(t->cells[r * t->ncols + curcol], t->cells[curcol]) != 0) multi = true;
    size_t nshow = t->ncols - (multi || curcol == t->ncols ? 0 : 1);
    rk_table tab;
    rk_table_init(&tab, nshow);
    size_t k = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        if (c == curcol && !multi) continue;
        char h[128];
        upcase(t->names[c], h, sizeof h);
        rk_table_header(&tab, k++, h, t->types[c] != RK_CT_TEXT && t->types[c] != RK_CT_TIME);
    }
    char **cells = rk_xcalloc(nshow, sizeof *cells);
    for (size_t r = 0; r < t->nrows; r++) {
        const char *cur = curcol < t->ncols ? t->cells[r * t->ncols + curcol] : "USD";
        k = 0;
        for (size_t c = 0; c < t->ncols; c++) {
            if (c == curcol && !multi) continue;
            char buf[512];
            human(t, c, t->cells[r * t->ncols + c], cur, buf, sizeof buf);
            cells[k++] = rk_xstrdup(buf);
        }
        rk_table_row(&tab, (const char *const *)cells);
        for (size_t i = 0; i < nshow; i++) free(cells[i]);
    }
    free(cells);
    rk_table_print(&tab, stdout, 0);
    rk_table_free(&tab);
    return RK_EXIT_OK;
}

int rk_cmd_commitments(rk_cli *cli, int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        if (rk_cli_wants_help(argc, argv)) {
            fputs(help, stdout);
            return RK_EXIT_OK;
        }
        return rk_cli_fail(RK_EXIT_USAGE, "commitments needs a report: list, schedule, utilization, coverage, "
                                          "savings, esr, waste or expiring (reckon commitments --help)");
    }
    rk_err err = {0};
    rk_cquery q;
    memset(&q, 0, sizeof q);
    if (rk_creport_parse(argv[1], &q.report, &err) != RK_OK) return rk_cli_fail(RK_EXIT_USAGE, "%s", err.msg);
    argc--;
    argv++;
    if (rk_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return RK_EXIT_OK;
    }
    static const struct option longopts[] = {
        {"from", required_argument, 0, 'F'},   {"to", required_argument, 0, 'T'},
        {"granularity", required_argument, 0, 'g'}, {"group-by", required_argument, 0, 'G'},
        {"filter", required_argument, 0, 'f'}, {"format", required_argument, 0, 'o'},
        {"net", no_argument, 0, 'n'},          {"month-to-date", no_argument, 0, 'M'},
        {"as-of", required_argument, 0, 'A'},  {"threads", required_argument, 0, 'j'},
        {0, 0, 0, 0}};
    rk_outfmt fmt = RK_FMT_TABLE;
    int rc = RK_EXIT_OK;
    char **group = NULL;
    size_t ngroup = 0;
    rk_cfilter *filters = NULL;
    size_t nfilters = 0;
    optind = 0;
    opterr = 0;
    int c;
    rk_cli_range range = {0};
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int r = rk_cli_range_opt(c, optarg, &range, &err);
        if (r < 0) goto usage;
        if (r > 0) continue;
        switch (c) {
        case 'A':
            if (rk_cli_parse_date(optarg, &q.as_of, &err) != RK_OK) goto usage;
            q.has_as_of = true;
            break;
        case 'G': {
            size_t n;
            char **v = rk_cli_split_list(optarg, &n);
            group = realloc(group, (ngroup + n) * sizeof *group);
            if (!group) abort();
            for (size_t i = 0; i < n; i++) group[ngroup++] = v[i];
            free(v);
            for (size_t i = 0; i < ngroup; i++)
                if (rk_cdim_check(group[i], &err) != RK_OK) goto usage;
            break;
        }
        case 'f': {
            char *dim, **values;
            size_t nv;
            if (rk_cli_filter_arg(optarg, &dim, &values, &nv, &err) != RK_OK) goto usage;
            filters = realloc(filters, (nfilters + 1) * sizeof *filters);
            if (!filters) abort();
            filters[nfilters++] = (rk_cfilter){.dim = dim, .values = values, .nvalues = nv};
            if (rk_cdim_check(dim, &err) != RK_OK) goto usage;
            break;
        }
        case 'o':
            if (rk_outfmt_parse(optarg, &fmt) != 0) {
                rk_err_set(&err, RK_EUSAGE, "--format must be table, csv or json");
                goto usage;
            }
            break;
        case 'n': q.net = true; break;
        case 'M': q.month_to_date = true; break;
        case 'j': q.threads = atoi(optarg); break;
        default:
            rk_err_set(&err, RK_EUSAGE, "unknown option %s; see `reckon commitments --help`", argv[optind - 1]);
            goto usage;
        }
    }
    if (optind != argc) {
        rk_err_set(&err, RK_EUSAGE, "unexpected argument \"%s\"; see `reckon commitments --help`", argv[optind]);
        goto usage;
    }
    if (rk_cli_range_check(&range, &err) != RK_OK) goto usage;
    q.has_from = range.has_from;
    q.from = range.from;
    q.has_to = range.has_to;
    q.to = range.to;
    q.gran = range.gran;
    if ((q.report == RK_CR_LIST || q.report == RK_CR_SCHEDULE || q.report == RK_CR_EXPIRING) &&
        (ngroup || q.gran != RK_GRAN_TOTAL)) {
        rk_err_set(&err, RK_EUSAGE,
                   "%s lists commitments one per row: it takes --filter but not --group-by or --granularity",
                   rk_creport_name(q.report));
        goto usage;
    }
    if (q.month_to_date && (q.has_from || q.has_to)) {
        rk_err_set(&err, RK_EUSAGE, "--month-to-date sets the range itself; leave out --from and --to");
        goto usage;
    }
    q.group = (const char *const *)group;
    q.ngroup = ngroup;
    q.filters = filters;
    q.nfilters = nfilters;
    {
        rk_ws *ws;
        if (rk_ws_open(cli->data, RK_WS_READ, &ws, &err) != RK_OK) {
            rc = rk_cli_fail(err.code == RK_ENOTFOUND ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
            goto out;
        }
        rk_ctable t;
        rk_status st = rk_commit_report(ws, &q, &t, &err);
        rk_ws_close(ws);
        if (st != RK_OK) {
            rc = rk_cli_fail(st == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
            goto out;
        }
        rc = print_table(&t, fmt, q.report);
        rk_ctable_free(&t);
    }
    goto out;
usage:
    rc = rk_cli_fail(RK_EXIT_USAGE, "%s", err.msg);
out:
    for (size_t i = 0; i < ngroup; i++) free(group[i]);
    free(group);
    for (size_t f = 0; f < nfilters; f++) {
        free((char *)filters[f].dim);
        for (size_t v = 0; v < filters[f].nvalues; v++) free(filters[f].values[v]);
        free(filters[f].values);
    }
    free(filters);
    return rc;
}
