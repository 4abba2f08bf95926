/* AWS connections in the catalog: definition, sync history, removal and
 * purging a connection's data. */
#include "harness.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/catalog.h"
#include "store/connections.h"
#include "store/settings.h"

static int64_t count(rk_ws *ws, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(rk_ws_db(ws), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* Publishes a (dummy) segment for one period of a report of source uri. */
static void deliver(rk_ws *ws, const char *uri, const char *period, char *name_out, size_t cap)
{
    rk_err err = {0};
    int64_t sid, rid;
    assert_int_equal(rk_ws_source(ws, "s3", uri, &sid, &err), RK_OK);
    rk_report_ref ref = {.format = "athena-parquet", .path = "cur", .name = "acme", .manifest = false};
    assert_int_equal(rk_ws_report(ws, sid, &ref, &rid, &err), RK_OK);
    char tmp[4096];
    assert_int_equal(rk_ws_segment_paths(ws, tmp, sizeof tmp, name_out, cap, &err), RK_OK);
    FILE *f = fopen(tmp, "wb");
    assert_non_null(f);
    fputs("segment", f);
    fclose(f);
    rk_payer_info payer = {.payer = "111122223333", .rows = 1, .unblended = "1", .amortized = "1"};
    rk_delivery_info d = {.report_id = rid, .period = period, .fingerprint = period, .layout = "overwrite",
                          .rows = 1, .bytes = 7, .granularity = "hourly", .currency = "USD",
                          .payers = &payer, .npayers = 1};
    assert_int_equal(rk_ws_publish(ws, tmp, name_out, &d, &err), RK_OK);
}

static bool seg_exists(rk_ws *ws, const char *name)
{
    char p[4096];
    rk_ws_segment_path(ws, name, p, sizeof p);
    struct stat st;
    return stat(p, &st) == 0;
}

static void connections(void **state)
{
    (void)state;
    char dir[] = "/tmp/rk-conn-XXXXXX";
    assert_non_null(mkdtemp(dir));
    rk_ws *ws;
    rk_err err = {0};
    assert_int_equal(rk_ws_open(dir, RK_WS_WRITE, &ws, &err), RK_OK);

    /* names */
    assert_int_equal(rk_connection_check_name("acme-prod.1_x", &err), RK_OK);
    assert_int_equal(rk_connection_check_name("", &err), RK_EUSAGE);
    assert_int_equal(rk_connection_check_name("-acme", &err), RK_EUSAGE);
    assert_int_equal(rk_connection_check_name("Acme", &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "'A'"));
    assert_int_equal(rk_connection_check_name("a b", &err), RK_EUSAGE);
    char long_name[RK_CONN_NAME_MAX + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = 0;
    assert_int_equal(rk_connection_check_name(long_name, &err), RK_EUSAGE);

    /* external IDs: 32 hex characters, different every time */
    char x1[33], x2[33];
    assert_int_equal(rk_connection_new_external_id(x1, &err), RK_OK);
    assert_int_equal(rk_connection_new_external_id(x2, &err), RK_OK);
    assert_int_equal(strlen(x1), 32);
    assert_int_equal(strspn(x1, "0123456789abcdef"), 32);
    assert_string_not_equal(x1, x2);

    /* URIs as the S3 source spells them */
    rk_connection u = {.bucket = "b", .prefix = "/cur/x/"};
    char *uri = rk_connection_uri(&u);
    assert_string_equal(uri, "s3://b/cur/x");
    free(uri);
    u.prefix = "";
    uri = rk_connection_uri(&u);
    assert_string_equal(uri, "s3://b");
    free(uri);

    /* save, get, list */
    rk_connection c = {0};
    assert_int_equal(rk_ws_connection_get(ws, "acme", &c, &err), RK_ENOTFOUND);
    assert_non_null(strstr(err.msg, "reckon connect aws"));
    rk_connection a = {.name = "acme", .bucket = "acme-cur", .prefix = "cur", .report = "hourly",
                       .role_arn = "arn:aws:iam::111122223333:role/reckon-read", .external_id = x1,
                       .region = "us-east-1"};
    assert_int_equal(rk_ws_connection_save(ws, &a, &err), RK_OK);
    rk_connection b = {.name = "beta", .bucket = "beta-cur", .prefix = "", .report = "", .external_id = x2,
                       .endpoint_url = "http://127.0.0.1:9000", .profile = "dev"};
    assert_int_equal(rk_ws_connection_save(ws, &b, &err), RK_OK);
    rk_connection bad = {.name = "nobucket", .bucket = "", .external_id = x1};
    assert_int_equal(rk_ws_connection_save(ws, &bad, &err), RK_EUSAGE);
    assert_int_equal(rk_ws_connection_get(ws, "acme", &c, &err), RK_OK);
    assert_string_equal(c.bucket, "acme-cur");
    assert_string_equal(c.role_arn, "arn:aws:iam::111122223333:role/reckon-read");
    assert_string_equal(c.external_id, x1);
    assert_null(c.endpoint_url);
    assert_null(c.last_sync_status);
    assert_int_equal(c.last_sync_at, 0);
    assert_int_equal(c.ready_notified_at, 0);
    assert_true(c.created_at > 0);
    rk_connection_free(&c);
    assert_int_equal(rk_ws_connection_get(ws, "acm", &c, &err), RK_ENOTFOUND);
    assert_non_null(strstr(err.msg, "acme, beta"));

    /* sync history survives a re-save of the definition */
    assert_int_equal(rk_ws_connection_synced(ws, "acme", "partial", "2025-01 failed", &err), RK_OK);
    assert_int_equal(rk_ws_connection_ready_sent(ws, "acme", &err), RK_OK);
    a.report = "";
    assert_int_equal(rk_ws_connection_save(ws, &a, &err), RK_OK);
    assert_int_equal(rk_ws_connection_get(ws, "acme", &c, &err), RK_OK);
    assert_string_equal(c.report, "");
    assert_string_equal(c.last_sync_status, "partial");
    assert_string_equal(c.last_error, "2025-01 failed");
    assert_true(c.last_sync_at > 0 && c.ready_notified_at > 0);
    rk_connection_free(&c);
    assert_int_equal(rk_ws_connection_synced(ws, "acme", "ok", NULL, &err), RK_OK);
    assert_int_equal(rk_ws_connection_get(ws, "acme", &c, &err), RK_OK);
    assert_null(c.last_error);
    rk_connection_free(&c);
    assert_int_equal(rk_ws_connection_synced(ws, "nosuch", "ok", NULL, &err), RK_ENOTFOUND);

    /* the failure last emailed, and pending connections */
    assert_int_equal(rk_ws_connection_failure_told(ws, "acme", "periods:r|2025-01", &err), RK_OK);
    assert_int_equal(rk_ws_connection_get(ws, "acme", &c, &err), RK_OK);
    assert_string_equal(c.failure_key, "periods:r|2025-01");
    assert_false(c.pending);
    rk_connection_free(&c);
    assert_int_equal(rk_ws_connection_failure_told(ws, "acme", NULL, &err), RK_OK);
    assert_int_equal(rk_ws_connection_get(ws, "acme", &c, &err), RK_OK);
    assert_null(c.failure_key);
    rk_connection_free(&c);
    rk_connection p = {.name = "pend", .bucket = "pend-cur", .prefix = "x", .external_id = x1, .pending = true};
    assert_int_equal(rk_ws_connection_save(ws, &p, &err), RK_OK);
    assert_int_equal(rk_ws_connection_get(ws, "pend", &c, &err), RK_OK);
    assert_true(c.pending);
    rk_connection_free(&c);
    p.pending = false;
    assert_int_equal(rk_ws_connection_save(ws, &p, &err), RK_OK);
    assert_int_equal(rk_ws_connection_get(ws, "pend", &c, &err), RK_OK);
    assert_false(c.pending);
    rk_connection_free(&c);

    /* another bucket or prefix is another source: the history starts again */
    assert_int_equal(rk_ws_connection_synced(ws, "pend", "failed", "no", &err), RK_OK);
    assert_int_equal(rk_ws_connection_ready_sent(ws, "pend", &err), RK_OK);
    assert_int_equal(rk_ws_connection_failure_told(ws, "pend", "k", &err), RK_OK);
    p.prefix = "/x/"; /* the same folder */
    assert_int_equal(rk_ws_connection_save(ws, &p, &err), RK_OK);
    assert_int_equal(rk_ws_connection_get(ws, "pend", &c, &err), RK_OK);
    assert_true(c.ready_notified_at > 0 && c.last_sync_at > 0);
    assert_string_equal(c.failure_key, "k");
    rk_connection_free(&c);
    p.prefix = "y";
    assert_int_equal(rk_ws_connection_save(ws, &p, &err), RK_OK);
    assert_int_equal(rk_ws_connection_get(ws, "pend", &c, &err), RK_OK);
    assert_int_equal(c.ready_notified_at, 0);
    assert_int_equal(c.last_sync_at, 0);
    assert_null(c.last_sync_status);
    assert_null(c.last_error);
    assert_null(c.failure_key);
    rk_connection_free(&c);
    assert_int_equal(rk_ws_connection_remove(ws, "pend", false, NULL, &err), RK_OK);

    rk_connection *v;
    size_t n;
    assert_int_equal(rk_ws_connections_list(ws, &v, &n, &err), RK_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "acme");
    assert_string_equal(v[1].name, "beta");
    assert_string_equal(v[1].profile, "dev");
    rk_connections_free(v, n);

    /* data of both sources, and of a third that is no connection's */
    char s1[256], s2[256], s3[256], s4[256];
    deliver(ws, "s3://acme-cur/cur", "2025-01", s1, sizeof s1);
    deliver(ws, "s3://acme-cur/cur", "2025-02", s2, sizeof s2);
    deliver(ws, "s3://beta-cur", "2025-01", s3, sizeof s3);
    deliver(ws, "/local/folder", "2025-01", s4, sizeof s4);
    int64_t runid, sid, rid;
    assert_int_equal(rk_ws_source(ws, "s3", "s3://acme-cur/cur", &sid, &err), RK_OK);
    assert_int_equal(rk_ws_run_begin(ws, "sync", sid, &runid, &err), RK_OK);
    rk_report_ref ref = {.format = "athena-parquet", .path = "cur", .name = "acme", .manifest = false};
    assert_int_equal(rk_ws_report(ws, sid, &ref, &rid, &err), RK_OK);
    assert_int_equal(rk_ws_problem(ws, runid, rid, "2025-03", "failed", "boom", &err), RK_OK);
    int64_t runs_before = count(ws, "SELECT count(*) FROM runs");
    const char *rcpt[] = {"ops@example.com"};
    assert_int_equal(rk_ws_recipients_set(ws, "acme", rcpt, 1, &err), RK_OK);

    /* a second connection on the same folder blocks a purge */
    rk_connection a2 = a;
    a2.name = "acme2";
    a2.prefix = "/cur/";
    assert_int_equal(rk_ws_connection_save(ws, &a2, &err), RK_OK);
    unsigned segs = 99;
    assert_int_equal(rk_ws_connection_remove(ws, "acme", true, &segs, &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "acme2"));
    assert_int_equal(segs, 0);
    assert_int_equal(rk_ws_connection_get(ws, "acme", &c, &err), RK_OK);
    rk_connection_free(&c);
    assert_true(seg_exists(ws, s1));

    /* without purge: the connection goes, its data stays */
    assert_int_equal(rk_ws_connection_remove(ws, "acme2", false, &segs, &err), RK_OK);
    assert_int_equal(segs, 0);
    assert_int_equal(rk_ws_connection_get(ws, "acme2", &c, &err), RK_ENOTFOUND);
    assert_true(seg_exists(ws, s1) && seg_exists(ws, s2));
    assert_int_equal(count(ws, "SELECT count(*) FROM sources WHERE uri = 's3://acme-cur/cur'"), 1);

    /* with purge: its deliveries, reports, source and recipients go; the others stay */
    assert_int_equal(rk_ws_connection_remove(ws, "acme", true, &segs, &err), RK_OK);
    assert_int_equal(segs, 2);
    assert_false(seg_exists(ws, s1));
    assert_false(seg_exists(ws, s2));
    assert_true(seg_exists(ws, s3) && seg_exists(ws, s4));
    assert_int_equal(count(ws, "SELECT count(*) FROM sources WHERE uri = 's3://acme-cur/cur'"), 0);
    assert_int_equal(count(ws, "SELECT count(*) FROM deliveries"), 2);
    assert_int_equal(count(ws, "SELECT count(*) FROM report_periods"), 2);
    assert_int_equal(count(ws, "SELECT count(*) FROM delivery_payers"), 2);
    assert_int_equal(count(ws, "SELECT count(*) FROM recipients WHERE connection = 'acme'"), 0);
    assert_int_equal(count(ws, "SELECT count(*) FROM problems"), 0);
    assert_int_equal(count(ws, "SELECT count(*) FROM runs"), runs_before - 1);
    assert_int_equal(rk_ws_connection_remove(ws, "acme", false, &segs, &err), RK_ENOTFOUND);
    assert_int_equal(rk_ws_connections_list(ws, &v, &n, &err), RK_OK);
    assert_int_equal(n, 1);
    rk_connections_free(v, n);

    rk_ws_close(ws);
    /* The definition is kept across opens (the migration ran once). */
    assert_int_equal(rk_ws_open(dir, RK_WS_READ, &ws, &err), RK_OK);
    assert_int_equal(rk_ws_connection_get(ws, "beta", &c, &err), RK_OK);
    assert_string_equal(c.endpoint_url, "http://127.0.0.1:9000");
    rk_connection_free(&c);
    rk_ws_close(ws);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(connections)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
