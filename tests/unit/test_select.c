/* The catalog: publish/replace, failures that keep the old delivery, and the
 * report-precedence rule, on a real SQLite database. */
#include "harness.h"

#include <unistd.h>

#include "store/catalog.h"
#include "store/segment.h"
#include "store/select.h"

static char dir[64];

static int64_t report(rk_ws *ws, const char *format, const char *name, bool manifest)
{
    int64_t src, id;
    rk_err err = {0};
    assert_int_equal(rk_ws_source(ws, "local", "/bucket", &src, &err), RK_OK);
    rk_report_ref r = {.format = format, .path = name, .name = name, .manifest = manifest};
    assert_int_equal(rk_ws_report(ws, src, &r, &id, &err), RK_OK);
    return id;
}

static void publish(rk_ws *ws, int64_t rid, const char *period, const char *fp, const char *gran, int64_t when,
                    const char *unb)
{
    char tmp[512], name[64];
    rk_err err = {0};
    assert_int_equal(rk_ws_segment_paths(ws, tmp, sizeof tmp, name, sizeof name, &err), RK_OK);
    rk_segw *w;
    rk_segb *b;
    assert_int_equal(rk_segw_create(tmp, &w, &err), RK_OK);
    assert_int_equal(rk_segb_open(w, &b, &err), RK_OK);
    int c = rk_segw_column(w, "x", RK_COL_STR, &err);
    rk_segb_set_str(b, c, "v", 1);
    rk_segb_end_row(b, &err);
    assert_int_equal(rk_segb_close(b, &err), RK_OK);
    assert_int_equal(rk_segw_finish(w, "{}", &err), RK_OK);
    rk_payer_info p = {.payer = "111122223333", .rows = 1, .unblended = unb, .amortized = unb};
    rk_delivery_info d = {.report_id = rid, .period = period, .fingerprint = fp, .rows = 1, .granularity = gran,
                          .delivered_at = when, .payers = &p, .npayers = 1};
    assert_int_equal(rk_ws_publish(ws, tmp, name, &d, &err), RK_OK);
}

static const rk_choice *choice(const rk_selection *s, const char *period)
{
    for (size_t i = 0; i < s->nchoices; i++)
        if (strcmp(s->choices[i].period, period) == 0) return &s->choices[i];
    return NULL;
}

static void rule(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/rk-test-ws-%d", (int)getpid());
    rk_ws *ws;
    rk_err err = {0};
    assert_int_equal(rk_ws_open(dir, RK_WS_WRITE, &ws, &err), RK_OK);
    int64_t live = report(ws, "legacy-csv", "live", true);
    int64_t daily = report(ws, "legacy-csv", "daily", true);
    int64_t drop = report(ws, "csv", "dropped", false);
    publish(ws, live, "2025-01", "a", "hourly", 100, "10");
    publish(ws, drop, "2025-01", "b", "hourly", 999, "20");   /* newer, but no manifest */
    publish(ws, daily, "2025-02", "c", "daily", 500, "30");
    publish(ws, live, "2025-02", "d", "hourly", 100, "40");   /* finer wins over newer */
    publish(ws, daily, "2025-03", "e", "hourly", 100, "50");
    publish(ws, live, "2025-03", "f", "hourly", 200, "60");   /* same rank: newer wins */
    rk_selection s;
    assert_int_equal(rk_ws_select(ws, &s, &err), RK_OK);
    assert_int_equal(s.nchoices, 3);
    const rk_choice *c = choice(&s, "2025-01");
    assert_string_equal(c->c[0].unblended, "10");
    assert_non_null(strstr(c->reason, "manifest"));
    c = choice(&s, "2025-02");
    assert_string_equal(c->c[0].unblended, "40");
    assert_non_null(strstr(c->reason, "granularity"));
    c = choice(&s, "2025-03");
    assert_string_equal(c->c[0].unblended, "60");
    assert_non_null(strstr(c->reason, "more recent"));
    assert_int_equal(s.nactive, 3); /* one delivery per period answers */
    rk_selection_free(&s);

    /* A pin beats every other criterion, per period or everywhere. */
    assert_int_equal(rk_ws_prefer(ws, drop, NULL, "2025-01", &err), RK_OK);
    assert_int_equal(rk_ws_select(ws, &s, &err), RK_OK);
    assert_string_equal(choice(&s, "2025-01")->c[0].unblended, "20");
    assert_non_null(strstr(choice(&s, "2025-01")->reason, "pinned"));
    rk_selection_free(&s);
    int removed;
    assert_int_equal(rk_ws_prefer_clear(ws, NULL, "2025-01", &removed, &err), RK_OK);
    assert_int_equal(removed, 1);

    /* Replacing a delivery: the new one is current, the old file is gone. */
    assert_true(rk_ws_is_current(ws, live, "2025-01", "a"));
    publish(ws, live, "2025-01", "a2", "hourly", 300, "11");
    assert_false(rk_ws_is_current(ws, live, "2025-01", "a"));
    assert_true(rk_ws_is_current(ws, live, "2025-01", "a2"));
    /* A failure keeps the current delivery. */
    assert_int_equal(rk_ws_period_status(ws, live, "2025-01", "failed", "boom", 0, &err), RK_OK);
    assert_true(rk_ws_is_current(ws, live, "2025-01", "a2"));
    assert_int_equal(rk_ws_select(ws, &s, &err), RK_OK);
    assert_string_equal(choice(&s, "2025-01")->c[0].unblended, "11");
    rk_selection_free(&s);
    rk_ws_close(ws);

    /* A second writer is refused while one holds the workspace. */
    rk_ws *w1, *w2;
    assert_int_equal(rk_ws_open(dir, RK_WS_WRITE, &w1, &err), RK_OK);
    assert_int_equal(rk_ws_open(dir, RK_WS_WRITE, &w2, &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "another reckon process"));
    rk_ws_close(w1);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(rule)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
