#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/select.h"
#include "store/status.h"

static const char help[] =
    "Usage: reckon prefer REPORT [--payer ID] [--period YYYY-MM]\n"
    "       reckon prefer --clear [--payer ID] [--period YYYY-MM]\n"
    "\n"
    "When two reports cover the same payer and billing period, reckon uses exactly one, by\n"
    "this rule (first difference wins): a pinned report; an AWS delivery with a manifest over\n"
    "CSV files without one; finer granularity; resource IDs present; the newer delivery; the\n"
    "report name. `reckon status` shows which report is used and why.\n"
    "\n"
    "This command pins REPORT (its name, its path/name as `reckon status` shows it, or its\n"
    "numeric id) for a payer, a period, both, or (with neither) everywhere it has data. It\n"
    "takes effect at once; nothing is re-ingested. --clear removes the matching pin.\n";

int rk_cmd_prefer(rk_cli *cli, int argc, char **argv)
{
    if (rk_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return RK_EXIT_OK;
    }
    static const struct option longopts[] = {{"payer", required_argument, 0, 'p'},
                                              {"period", required_argument, 0, 'P'},
                                              {"clear", no_argument, 0, 'c'},
                                              {0, 0, 0, 0}};
    const char *payer = NULL, *period = NULL;
    bool clear = false;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': payer = optarg; break;
        case 'P':
            if (strlen(optarg) != 7 || optarg[4] != '-')
                return rk_cli_fail(RK_EXIT_USAGE, "--period takes YYYY-MM, got \"%s\"", optarg);
            period = optarg;
            break;
        case 'c': clear = true; break;
        default: return rk_cli_fail(RK_EXIT_USAGE, "unknown option; see `reckon prefer --help`");
        }
    }
    if (clear ? optind != argc : optind != argc - 1)
        return rk_cli_fail(RK_EXIT_USAGE, "see `reckon prefer --help`");
    rk_err err = {0};
    rk_ws *ws;
    if (rk_ws_open(cli->data, RK_WS_READ, &ws, &err) != RK_OK)
        return rk_cli_fail(err.code == RK_ENOTFOUND ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    int rc = RK_EXIT_OK;
    if (clear) {
        int removed = 0;
        if (rk_ws_prefer_clear(ws, payer, period, &removed, &err) != RK_OK) rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
        else if (!removed) rc = rk_cli_fail(RK_EXIT_PROBLEMS, "no pin for payer %s, period %s", payer ? payer : "*", period ? period : "*");
        else printf("Removed the pin for payer %s, period %s.\n", payer ? payer : "*", period ? period : "*");
        rk_ws_close(ws);
        return rc;
    }
    const char *want = argv[optind];
    rk_ws_status s;
    if (rk_ws_status_read(ws, &s, &err) != RK_OK) {
        rk_ws_close(ws);
        return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    }
    int64_t id = 0;
    int matches = 0;
    for (size_t i = 0; i < s.nreports; i++) {
        rk_report_info *r = &s.reports[i];
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)r->id);
        if (strcmp(want, r->display) == 0 || strcmp(want, r->name) == 0 || strcmp(want, num) == 0) {
            id = r->id;
            matches++;
        }
    }
    if (matches != 1) {
        fprintf(stderr, "reckon: %s report \"%s\"; the reports are:\n", matches ? "more than one" : "no", want);
        for (size_t i = 0; i < s.nreports; i++)
            fprintf(stderr, "  %lld  %s (%s)\n", (long long)s.reports[i].id, s.reports[i].display, s.reports[i].format);
        rc = RK_EXIT_USAGE;
    } else if (rk_ws_prefer(ws, id, payer, period, &err) != RK_OK) {
        rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    } else {
        for (size_t i = 0; i < s.nreports; i++)
            if (s.reports[i].id == id)
                printf("Pinned %s for payer %s, period %s. `reckon status` shows the effect.\n", s.reports[i].display,
                       payer ? payer : "*", period ? period : "*");
    }
    rk_ws_status_free(&s);
    rk_ws_close(ws);
    return rc;
}
