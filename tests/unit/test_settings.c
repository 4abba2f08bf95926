/* Workspace settings and per-connection recipients in the catalog. */
#include "harness.h"

#include <unistd.h>

#include "store/catalog.h"
#include "store/settings.h"

static void settings(void **state)
{
    (void)state;
    char dir[] = "/tmp/rk-settings-XXXXXX";
    assert_non_null(mkdtemp(dir));
    rk_ws *ws;
    rk_err err = {0};
    assert_int_equal(rk_ws_open(dir, RK_WS_WRITE, &ws, &err), RK_OK);
    char *v = (char *)1;
    assert_int_equal(rk_ws_setting_get(ws, "smtp.url", &v, &err), RK_OK);
    assert_null(v);
    assert_int_equal(rk_ws_setting_set(ws, "smtp.url", "smtps://a.example.com", &err), RK_OK);
    assert_int_equal(rk_ws_setting_set(ws, "smtp.from", "x@example.com", &err), RK_OK);
    assert_int_equal(rk_ws_setting_set(ws, "smtp.url", "smtps://b.example.com", &err), RK_OK);
    assert_int_equal(rk_ws_setting_get(ws, "smtp.url", &v, &err), RK_OK);
    assert_string_equal(v, "smtps://b.example.com");
    free(v);
    rk_setting *s;
    size_t n;
    assert_int_equal(rk_ws_settings_list(ws, &s, &n, &err), RK_OK);
    assert_int_equal(n, 2);
    assert_string_equal(s[0].key, "smtp.from"); /* sorted */
    assert_string_equal(s[1].value, "smtps://b.example.com");
    assert_true(s[1].updated_at > 0);
    rk_settings_free(s, n);
    bool removed;
    assert_int_equal(rk_ws_setting_unset(ws, "smtp.url", &removed, &err), RK_OK);
    assert_true(removed);
    assert_int_equal(rk_ws_setting_unset(ws, "smtp.url", &removed, &err), RK_OK);
    assert_false(removed);
    assert_int_equal(rk_ws_setting_set(ws, "", "x", &err), RK_EUSAGE);
    char big[RK_SETTING_VALUE_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(rk_ws_setting_set(ws, "k", big, &err), RK_ELIMIT);

    /* Recipients: order kept, duplicates once, replaced as a whole, per connection. */
    const char *r1[] = {"b@example.com", "a@example.com", "b@example.com", "C <c@example.com>"};
    assert_int_equal(rk_ws_recipients_set(ws, "prod", r1, 4, &err), RK_OK);
    const char *r2[] = {"z@example.com"};
    assert_int_equal(rk_ws_recipients_set(ws, "dev", r2, 1, &err), RK_OK);
    char **got;
    assert_int_equal(rk_ws_recipients_get(ws, "prod", &got, &n, &err), RK_OK);
    assert_int_equal(n, 3);
    assert_string_equal(got[0], "b@example.com");
    assert_string_equal(got[1], "a@example.com");
    assert_string_equal(got[2], "C <c@example.com>");
    rk_strv_free(got, n);
    assert_int_equal(rk_ws_recipients_set(ws, "prod", NULL, 0, &err), RK_OK);
    assert_int_equal(rk_ws_recipients_get(ws, "prod", &got, &n, &err), RK_OK);
    assert_int_equal(n, 0);
    rk_strv_free(got, n);
    assert_int_equal(rk_ws_recipients_get(ws, "dev", &got, &n, &err), RK_OK);
    assert_int_equal(n, 1);
    rk_strv_free(got, n);
    assert_int_equal(rk_ws_recipients_set(ws, "", r2, 1, &err), RK_EUSAGE);
    rk_ws_close(ws);

    /* A reader sees what the writer stored. */
    assert_int_equal(rk_ws_open(dir, RK_WS_READ, &ws, &err), RK_OK);
    assert_int_equal(rk_ws_setting_get(ws, "smtp.from", &v, &err), RK_OK);
    assert_string_equal(v, "x@example.com");
    free(v);
    rk_ws_close(ws);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(settings)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
