#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "common/dec.h"
#include "store/select.h"
#include "store/status.h"

static const char help[] =
    "Usage: reckon status [--format table|json]\n"
    "\n"
    "Shows the workspace: its sources and their last ingest; every billing period with the\n"
    "delivery that answers for it (report, format, delivery id, rows, unblended and amortized\n"
    "totals, when it was ingested) and the reports that cover the same payer and period but\n"
    "are not used, with the reason; periods whose last ingest failed or is not supported;\n"
    "and the pins set with `reckon prefer`.\n";

static const char *report_of(const rk_ws_status *s, int64_t id)
{
    for (size_t i = 0; i < s->nreports; i++)
        if (s->reports[i].id == id) return s->reports[i].display;
    return "?";
}

static rk_i128 dec18(const char *s)
{
    rk_dec d;
    if (!s || rk_dec_parse(s, strlen(s), &d, NULL) != RK_OK) return 0;
    return rk_dec_to18(d);
}

static void short_id(const char *id, char *out, size_t cap)
{
    if (!id || !*id) snprintf(out, cap, "-");
    else if (strlen(id) > 14) snprintf(out, cap, "%.12s…", id);
    else snprintf(out, cap, "%s", id);
}

int rk_cmd_status(rk_cli *cli, int argc, char **argv)
{
    if (rk_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return RK_EXIT_OK;
    }
    static const struct option longopts[] = {{"format", required_argument, 0, 'f'}, {0, 0, 0, 0}};
    rk_outfmt fmt = RK_FMT_TABLE;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'f' && rk_outfmt_parse(optarg, &fmt) == 0 && fmt != RK_FMT_CSVOUT) continue;
        return rk_cli_fail(RK_EXIT_USAGE, "usage: reckon status [--format table|json]");
    }
    if (optind != argc) return rk_cli_fail(RK_EXIT_USAGE, "status takes no arguments");
    rk_err err = {0};
    rk_ws *ws;
    if (rk_ws_open(cli->data, RK_WS_READ, &ws, &err) != RK_OK)
        return rk_cli_fail(err.code == RK_ENOTFOUND ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    rk_ws_status s;
    rk_selection sel;
    if (rk_ws_status_read(ws, &s, &err) != RK_OK) {
        rk_ws_close(ws);
        return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    }
    if (rk_ws_select(ws, &sel, &err) != RK_OK) {
        rk_ws_status_free(&s);
        rk_ws_close(ws);
        return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    }
    rk_ws_close(ws);
    int rc = s.nissues ? RK_EXIT_PROBLEMS : RK_EXIT_OK;
    if (fmt == RK_FMT_JSONOUT) {
        rk_buf b;
        rk_buf_init(&b, (size_t)1 << 30);
        rk_buf_puts(&b, "{\"workspace\":");
        rk_json_str(&b, cli->data);
        rk_buf_puts(&b, ",\"sources\":[");
        for (size_t i = 0; i < s.nsources; i++) {
            rk_src_status *x = &s.sources[i];
            rk_buf_printf(&b, "%s{\"id\":%lld,\"kind\":", i ? "," : "", (long long)x->id);
            rk_json_str(&b, x->kind);
            rk_buf_puts(&b, ",\"uri\":");
            rk_json_str(&b, x->uri);
            rk_buf_printf(&b, ",\"last_run\":{\"id\":%lld,\"started_at\":%lld,\"finished_at\":%lld,\"status\":",
                          (long long)x->last_run, (long long)x->last_start, (long long)x->last_end);
            rk_json_str(&b, x->last_status);
            rk_buf_printf(&b, ",\"ingested\":%u,\"unchanged\":%u,\"failed\":%u,\"unsupported\":%u}}", x->ingested,
                          x->unchanged, x->failed, x->unsupported);
        }
        rk_buf_puts(&b, "],\"periods\":[");
        for (size_t i = 0; i < sel.nchoices; i++) {
            rk_choice *ch = &sel.choices[i];
            rk_buf_puts(&b, i ? ",{\"period\":" : "{\"period\":");
            rk_json_str(&b, ch->period);
            rk_buf_puts(&b, ",\"payer\":");
            rk_json_str(&b, ch->payer);
            rk_buf_puts(&b, ",\"reason\":");
            if (ch->reason) rk_json_str(&b, ch->reason);
            else rk_buf_puts(&b, "null");
            rk_buf_puts(&b, ",\"candidates\":[");
            for (size_t j = 0; j < ch->nc; j++) {
                rk_cand *cd = &ch->c[j];
                rk_buf_printf(&b, "%s{\"used\":%s,\"report_id\":%lld,\"report\":", j ? "," : "", j == 0 ? "true" : "false",
                              (long long)cd->report_id);
                rk_json_str(&b, cd->report);
                rk_buf_puts(&b, ",\"format\":");
                rk_json_str(&b, cd->format);
                rk_buf_puts(&b, ",\"delivery_id\":");
                if (cd->delivery_id) rk_json_str(&b, cd->delivery_id);
                else rk_buf_puts(&b, "null");
                rk_buf_puts(&b, ",\"granularity\":");
                if (cd->granularity) rk_json_str(&b, cd->granularity);
                else rk_buf_puts(&b, "null");
                rk_buf_printf(&b, ",\"rows\":%llu,\"unblended\":\"%s\",\"amortized\":\"%s\",\"ingested_at\":%lld,\"pinned\":%s}",
                              (unsigned long long)cd->rows, cd->unblended, cd->amortized, (long long)cd->ingested_at,
                              cd->pin ? "true" : "false");
            }
            rk_buf_puts(&b, "]}");
        }
        rk_buf_puts(&b, "],\"problems\":[");
        for (size_t i = 0; i < s.nissues; i++) {
            rk_period_issue *is = &s.issues[i];
            rk_buf_puts(&b, i ? ",{\"report\":" : "{\"report\":");
            rk_json_str(&b, is->report);
            rk_buf_puts(&b, ",\"period\":");
            rk_json_str(&b, is->period);
            rk_buf_puts(&b, ",\"status\":");
            rk_json_str(&b, is->status);
            rk_buf_puts(&b, ",\"message\":");
            rk_json_str(&b, is->message);
            rk_buf_printf(&b, ",\"previous_delivery_kept\":%s}", is->has_current ? "true" : "false");
        }
        rk_buf_puts(&b, "],\"pins\":[");
        for (size_t i = 0; i < s.npins; i++) {
            rk_buf_puts(&b, i ? ",{\"payer\":" : "{\"payer\":");
            rk_json_str(&b, s.pins[i].payer);
            rk_buf_puts(&b, ",\"period\":");
            rk_json_str(&b, s.pins[i].period);
            rk_buf_puts(&b, ",\"report\":");
            rk_json_str(&b, report_of(&s, s.pins[i].report_id));
            rk_buf_putc(&b, '}');
        }
        rk_buf_puts(&b, "]}\n");
        fputs(b.p, stdout);
        rk_buf_free(&b);
    } else {
        printf("Workspace %s\n\n", cli->data);
        if (!s.nsources) printf("No sources yet: run `reckon ingest PATH`.\n");
        for (size_t i = 0; i < s.nsources; i++) {
            rk_src_status *x = &s.sources[i];
            char when[32] = "never";
            if (x->last_end) rk_when(x->last_end, when, sizeof when);
            printf("Source %lld  %s %s\n  last ingest %s: %u ingested, %u unchanged, %u failed, %u not supported\n",
                   (long long)x->id, x->kind, x->uri, when, x->ingested, x->unchanged, x->failed, x->unsupported);
        }
        if (sel.nchoices) {
            printf("\nBilling periods (the delivery used for each payer and month)\n");
            rk_table t;
            rk_table_init(&t, 9);
            const char *h[9] = {"PERIOD", "PAYER", "REPORT", "FORMAT", "DELIVERY", "ROWS", "UNBLENDED", "AMORTIZED", "INGESTED"};
            for (int k = 0; k < 9; k++) rk_table_header(&t, (size_t)k, h[k], k >= 5 && k <= 7);
            for (size_t i = 0; i < sel.nchoices; i++) {
                rk_choice *ch = &sel.choices[i];
                rk_cand *cd = &ch->c[0];
                char did[32], rows[32], unb[64], am[64], when[32];
                short_id(cd->delivery_id, did, sizeof did);
                rk_count(cd->rows, rows, sizeof rows);
                rk_money(dec18(cd->unblended), cd->currency, unb, sizeof unb);
                rk_money(dec18(cd->amortized), cd->currency, am, sizeof am);
                rk_when(cd->ingested_at, when, sizeof when);
                const char *cells[9] = {ch->period, *ch->payer ? ch->payer : "(none)", cd->report, cd->format, did, rows, unb, am, when};
                rk_table_row(&t, cells);
                for (size_t j = 1; j < ch->nc; j++) {
                    char note[1200];
                    snprintf(note, sizeof note, "  not used: %s (%s) — %s%s", ch->c[j].report, ch->c[j].format,
                             j == 1 ? ch->reason : "ranked lower",
                             ch->c[0].pin ? "" : "; override with `reckon prefer`");
                    const char *nc[9] = {"", "", note, "", "", "", "", "", ""};
                    rk_table_row(&t, nc);
                }
            }
            rk_table_print(&t, stdout, 2);
            rk_table_free(&t);
        }
        if (s.nissues) {
            printf("\nProblems\n");
            for (size_t i = 0; i < s.nissues; i++) {
                rk_period_issue *is = &s.issues[i];
                printf("  %s %s (%s): %s: %s\n    %s\n", *is->period ? is->period : "(period unknown)", is->report,
                       is->format, is->status, is->message,
                       is->has_current ? "the previous delivery of this period is still used"
                                       : "this period has no data in the workspace");
            }
        }
        if (s.npins) {
            printf("\nPins (reckon prefer)\n");
            for (size_t i = 0; i < s.npins; i++)
                printf("  payer %s, period %s -> %s\n", s.pins[i].payer, s.pins[i].period, report_of(&s, s.pins[i].report_id));
        }
    }
    rk_selection_free(&sel);
    rk_ws_status_free(&s);
    return rc;
}
