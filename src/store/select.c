#include "store/select.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "store/status.h"

static char *col_dup(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? rk_strdup((const char *)t) : NULL;
}

static int gran_rank(const char *g)
{
    if (!g) return 0;
    if (strcmp(g, "hourly") == 0) return 3;
    if (strcmp(g, "daily") == 0) return 2;
    if (strcmp(g, "monthly") == 0) return 1;
    return 0;
}

/* <0 when a is better. Sets *why to the deciding criterion. */
static int compare(const rk_cand *a, const rk_cand *b, const char **why)
{
    if (a->pin != b->pin) {
        *why = "pinned with `reckon prefer`";
        return b->pin - a->pin;
    }
    if (a->manifest != b->manifest) {
        *why = "an AWS delivery with a manifest is preferred over CSV files without one";
        return (int)b->manifest - (int)a->manifest;
    }
    int ga = gran_rank(a->granularity), gb = gran_rank(b->granularity);
    if (ga != gb) {
        *why = "finer granularity is preferred (hourly over daily over monthly)";
        return gb - ga;
    }
    if (a->resource_ids != b->resource_ids) {
        *why = "a report with resource IDs is preferred";
        return (int)b->resource_ids - (int)a->resource_ids;
    }
    if (a->delivered_at != b->delivered_at) {
        *why = "the more recent delivery is preferred";
        return a->delivered_at > b->delivered_at ? -1 : 1;
    }
    int r = strcmp(a->report, b->report);
    *why = "same rank; the first report name alphabetically is used";
    if (r) return r;
    return a->report_id < b->report_id ? -1 : a->report_id > b->report_id;
}

static int cmp_cand(const void *x, const void *y)
{
    const char *why;
    return compare(x, y, &why);
}

static void free_cand(rk_cand *c)
{
    free(c->report);
    free(c->format);
    free(c->granularity);
    free(c->delivery_id);
    free(c->segment);
    free(c->unblended);
    free(c->amortized);
    free(c->currency);
}

rk_status rk_ws_select(rk_ws *ws, rk_selection *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3 *db = rk_ws_db(ws);
    rk_ws_lock(ws);
    /* Pins: the most specific matching pin of each candidate. */
    const char *sql =
        "SELECT dp.payer, d.period, d.id, r.id, r.path, r.name, r.format, r.manifest, d.granularity,"
        " d.resource_ids, d.delivered_at, d.ingested_at, d.delivery_id, d.segment, dp.rows, dp.unblended,"
        " dp.amortized, d.currency, r.source_id,"
        " (SELECT MAX(CASE WHEN p.payer = dp.payer AND p.period = d.period THEN 4"
        "                  WHEN p.payer = dp.payer AND p.period = '*' THEN 3"
        "                  WHEN p.payer = '*' AND p.period = d.period THEN 2 ELSE 1 END)"
        "    FROM preferences p WHERE p.report_id = r.id AND (p.payer = dp.payer OR p.payer = '*')"
        "      AND (p.period = d.period OR p.period = '*'))"
        " FROM report_periods rp JOIN deliveries d ON d.id = rp.current"
        " JOIN reports r ON r.id = rp.report_id JOIN delivery_payers dp ON dp.delivery_id = d.id"
        " ORDER BY d.period, dp.payer";
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        rk_status st = rk_err_set(err, RK_EIO, "catalog: %s", sqlite3_errmsg(db));
        rk_ws_unlock(ws);
        return st;
    }
    size_t ccap = 0;
    rk_status st = RK_OK;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *payer = (const char *)sqlite3_column_text(q, 0);
        const char *period = (const char *)sqlite3_column_text(q, 1);
        rk_choice *ch = out->nchoices ? &out->choices[out->nchoices - 1] : NULL;
        if (!ch || strcmp(ch->payer, payer) != 0 || strcmp(ch->period, period) != 0) {
            if (RK_GROW(out->choices, ccap, out->nchoices + 1) != RK_OK) {
                st = RK_ENOMEM;
                break;
            }
            ch = &out->choices[out->nchoices++];
            memset(ch, 0, sizeof *ch);
            ch->payer = rk_strdup(payer);
            ch->period = rk_strdup(period);
        }
        size_t cap = ch->nc;
        if (RK_GROW(ch->c, cap, ch->nc + 1) != RK_OK) {
            st = RK_ENOMEM;
            break;
        }
        rk_cand *c = &ch->c[ch->nc++];
        memset(c, 0, sizeof *c);
        c->delivery = sqlite3_column_int64(q, 2);
        c->report_id = sqlite3_column_int64(q, 3);
        const char *path = (const char *)sqlite3_column_text(q, 4), *name = (const char *)sqlite3_column_text(q, 5);
        char disp[2048];
        rk_report_display(path, name, disp, sizeof disp);
        c->report = rk_strdup(disp);
        c->format = col_dup(q, 6);
        c->manifest = sqlite3_column_int(q, 7) != 0;
        c->granularity = col_dup(q, 8);
        c->resource_ids = sqlite3_column_int(q, 9) != 0;
        c->delivered_at = sqlite3_column_int64(q, 10);
        c->ingested_at = sqlite3_column_int64(q, 11);
        c->delivery_id = col_dup(q, 12);
        c->segment = col_dup(q, 13);
        c->rows = (uint64_t)sqlite3_column_int64(q, 14);
        c->unblended = col_dup(q, 15);
        c->amortized = col_dup(q, 16);
        c->currency = col_dup(q, 17);
        c->source_id = sqlite3_column_int64(q, 18);
        c->pin = sqlite3_column_type(q, 19) == SQLITE_NULL ? 0 : sqlite3_column_int(q, 19);
    }
    if (st == RK_OK && rc != SQLITE_DONE) st = rk_err_set(err, RK_EIO, "catalog: %s", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    rk_ws_unlock(ws);
    if (st == RK_ENOMEM) rk_err_set(err, st, "out of memory");
    if (st != RK_OK) {
        rk_selection_free(out);
        return st;
    }
    /* Rank the candidates of every (payer, period). */
    size_t acap = 0;
    for (size_t i = 0; i < out->nchoices; i++) {
        rk_choice *ch = &out->choices[i];
        qsort(ch->c, ch->nc, sizeof *ch->c, cmp_cand);
        if (ch->nc > 1) {
            const char *why;
            compare(&ch->c[0], &ch->c[1], &why);
            ch->reason = rk_strdup(why);
        }
        /* The winner answers for this payer. */
        rk_active *a = NULL;
        for (size_t k = 0; k < out->nactive; k++)
            if (out->active[k].delivery == ch->c[0].delivery) a = &out->active[k];
        if (!a) {
            if (RK_GROW(out->active, acap, out->nactive + 1) != RK_OK) {
                rk_selection_free(out);
                return rk_err_set(err, RK_ENOMEM, "out of memory");
            }
            a = &out->active[out->nactive++];
            memset(a, 0, sizeof *a);
            a->delivery = ch->c[0].delivery;
            a->source_id = ch->c[0].source_id;
            a->segment = rk_strdup(ch->c[0].segment);
            a->period = rk_strdup(ch->period);
        }
        char **np = realloc(a->payers, (a->npayers + 1) * sizeof *np);
        if (!np) {
            rk_selection_free(out);
            return rk_err_set(err, RK_ENOMEM, "out of memory");
        }
        a->payers = np;
        a->payers[a->npayers++] = rk_strdup(ch->payer);
    }
    /* A delivery chosen for all of its payers needs no row filter. */
    for (size_t k = 0; k < out->nactive; k++) {
        rk_active *a = &out->active[k];
        size_t total = 0;
        for (size_t i = 0; i < out->nchoices; i++)
            for (size_t j = 0; j < out->choices[i].nc; j++)
                if (out->choices[i].c[j].delivery == a->delivery) total++;
        a->all_payers = total == a->npayers;
    }
    return RK_OK;
}

static void choice_free(rk_choice *ch)
{
    for (size_t j = 0; j < ch->nc; j++) free_cand(&ch->c[j]);
    free(ch->c);
    free(ch->payer);
    free(ch->period);
    free(ch->reason);
}

static void active_free(rk_active *a)
{
    free(a->segment);
    free(a->period);
    for (size_t j = 0; j < a->npayers; j++) free(a->payers[j]);
    free(a->payers);
}

void rk_selection_keep_source(rk_selection *s, int64_t source_id)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nchoices; i++) {
        if (s->choices[i].nc && s->choices[i].c[0].source_id == source_id) s->choices[n++] = s->choices[i];
        else choice_free(&s->choices[i]);
    }
    s->nchoices = n;
    n = 0;
    for (size_t k = 0; k < s->nactive; k++) {
        if (s->active[k].source_id == source_id) s->active[n++] = s->active[k];
        else active_free(&s->active[k]);
    }
    s->nactive = n;
}

void rk_selection_free(rk_selection *s)
{
    for (size_t i = 0; i < s->nchoices; i++) {
        choice_free(&s->choices[i]);
    }
    free(s->choices);
    for (size_t k = 0; k < s->nactive; k++) active_free(&s->active[k]);
    free(s->active);
    memset(s, 0, sizeof *s);
}

rk_status rk_ws_prefer(rk_ws *ws, int64_t report_id, const char *payer, const char *period, rk_err *err)
{
    sqlite3 *db = rk_ws_db(ws);
    rk_ws_lock(ws);
    sqlite3_stmt *q;
    rk_status st = RK_OK;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO preferences(payer, period, report_id, created_at) VALUES(?1, ?2, ?3, ?4)"
                           " ON CONFLICT(payer, period) DO UPDATE SET report_id = excluded.report_id,"
                           " created_at = excluded.created_at",
                           -1, &q, NULL) != SQLITE_OK) {
        st = rk_err_set(err, RK_EIO, "catalog: %s", sqlite3_errmsg(db));
    } else {
        sqlite3_bind_text(q, 1, payer ? payer : "*", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, period ? period : "*", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 3, report_id);
        sqlite3_bind_int64(q, 4, rk_now_ms());
        if (sqlite3_step(q) != SQLITE_DONE) st = rk_err_set(err, RK_EIO, "catalog: %s", sqlite3_errmsg(db));
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    return st;
}

rk_status rk_ws_prefer_clear(rk_ws *ws, const char *payer, const char *period, int *removed, rk_err *err)
{
    sqlite3 *db = rk_ws_db(ws);
    rk_ws_lock(ws);
    sqlite3_stmt *q;
    rk_status st = RK_OK;
    if (sqlite3_prepare_v2(db, "DELETE FROM preferences WHERE payer = ?1 AND period = ?2", -1, &q, NULL) != SQLITE_OK) {
        st = rk_err_set(err, RK_EIO, "catalog: %s", sqlite3_errmsg(db));
    } else {
        sqlite3_bind_text(q, 1, payer ? payer : "*", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, period ? period : "*", -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) != SQLITE_DONE) st = rk_err_set(err, RK_EIO, "catalog: %s", sqlite3_errmsg(db));
        *removed = sqlite3_changes(db);
        sqlite3_finalize(q);
    }
    rk_ws_unlock(ws);
    return st;
}
