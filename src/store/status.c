#include "store/status.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

void rk_report_display(const char *path, const char *name, char *out, size_t cap)
{
    if (*path && strcmp(path, name) != 0 && !strstr(path, name)) snprintf(out, cap, "%s/%s", path, name);
    else snprintf(out, cap, "%s", *path ? path : name);
}

static char *dup_col(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return rk_strdup(t ? (const char *)t : "");
}

rk_status rk_ws_status_read(rk_ws *ws, rk_ws_status *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3 *db = rk_ws_db(ws);
    sqlite3_stmt *q;
    rk_status st = RK_OK;
    size_t cap;
    rk_ws_lock(ws);
    if (sqlite3_prepare_v2(db,
                           "SELECT s.id, s.kind, s.uri, r.id, r.started_at, r.finished_at, r.status, r.ingested,"
                           " r.unchanged, r.failed, r.unsupported FROM sources s LEFT JOIN runs r ON r.id ="
                           " (SELECT MAX(id) FROM runs WHERE source_id = s.id) ORDER BY s.id",
                           -1, &q, NULL) != SQLITE_OK)
        goto dberr;
    cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (RK_GROW(out->sources, cap, out->nsources + 1) != RK_OK) break;
        rk_src_status *s = &out->sources[out->nsources++];
        memset(s, 0, sizeof *s);
        s->id = sqlite3_column_int64(q, 0);
        s->kind = dup_col(q, 1);
        s->uri = dup_col(q, 2);
        s->last_run = sqlite3_column_int64(q, 3);
        s->last_start = sqlite3_column_int64(q, 4);
        s->last_end = sqlite3_column_int64(q, 5);
        s->last_status = dup_col(q, 6);
        s->ingested = (unsigned)sqlite3_column_int(q, 7);
        s->unchanged = (unsigned)sqlite3_column_int(q, 8);
        s->failed = (unsigned)sqlite3_column_int(q, 9);
        s->unsupported = (unsigned)sqlite3_column_int(q, 10);
    }
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(db, "SELECT id, path, name, format, manifest, source_id FROM reports ORDER BY path, name", -1, &q, NULL) != SQLITE_OK)
        goto dberr;
    cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (RK_GROW(out->reports, cap, out->nreports + 1) != RK_OK) break;
        rk_report_info *r = &out->reports[out->nreports++];
        r->id = sqlite3_column_int64(q, 0);
        r->path = dup_col(q, 1);
        r->name = dup_col(q, 2);
        r->format = dup_col(q, 3);
        r->manifest = sqlite3_column_int(q, 4) != 0;
        r->source_id = sqlite3_column_int64(q, 5);
        char d[2048];
        rk_report_display(r->path, r->name, d, sizeof d);
        r->display = rk_strdup(d);
    }
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(db,
                           "SELECT r.id, r.path, r.name, r.format, rp.period, rp.last_status, rp.last_error,"
                           " rp.last_attempt, rp.current IS NOT NULL FROM report_periods rp JOIN reports r ON"
                           " r.id = rp.report_id WHERE rp.last_status IS NOT 'ok' ORDER BY rp.period, r.path, r.name",
                           -1, &q, NULL) != SQLITE_OK)
        goto dberr;
    cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (RK_GROW(out->issues, cap, out->nissues + 1) != RK_OK) break;
        rk_period_issue *is = &out->issues[out->nissues++];
        is->report_id = sqlite3_column_int64(q, 0);
        char d[2048];
        rk_report_display((const char *)sqlite3_column_text(q, 1), (const char *)sqlite3_column_text(q, 2), d, sizeof d);
        is->report = rk_strdup(d);
        is->format = dup_col(q, 3);
        is->period = dup_col(q, 4);
        is->status = dup_col(q, 5);
        is->message = dup_col(q, 6);
        is->at = sqlite3_column_int64(q, 7);
        is->has_current = sqlite3_column_int(q, 8) != 0;
    }
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(db, "SELECT payer, period, report_id FROM preferences ORDER BY payer, period", -1, &q, NULL) != SQLITE_OK)
        goto dberr;
    cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (RK_GROW(out->pins, cap, out->npins + 1) != RK_OK) break;
        rk_pin *p = &out->pins[out->npins++];
        p->payer = dup_col(q, 0);
        p->period = dup_col(q, 1);
        p->report_id = sqlite3_column_int64(q, 2);
    }
    sqlite3_finalize(q);
    rk_ws_unlock(ws);
    return st;
dberr:
    st = rk_err_set(err, RK_EIO, "catalog: %s", sqlite3_errmsg(db));
    rk_ws_unlock(ws);
    rk_ws_status_free(out);
    return st;
}

void rk_ws_status_free(rk_ws_status *s)
{
    for (size_t i = 0; i < s->nsources; i++) {
        free(s->sources[i].kind);
        free(s->sources[i].uri);
        free(s->sources[i].last_status);
    }
    free(s->sources);
    for (size_t i = 0; i < s->nreports; i++) {
        free(s->reports[i].display);
        free(s->reports[i].format);
        free(s->reports[i].path);
        free(s->reports[i].name);
    }
    free(s->reports);
    for (size_t i = 0; i < s->nissues; i++) {
        free(s->issues[i].report);
        free(s->issues[i].format);
        free(s->issues[i].period);
        free(s->issues[i].status);
        free(s->issues[i].message);
    }
    free(s->issues);
    for (size_t i = 0; i < s->npins; i++) {
        free(s->pins[i].payer);
        free(s->pins[i].period);
    }
    free(s->pins);
    memset(s, 0, sizeof *s);
}
