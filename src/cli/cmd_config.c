/* reckon config — the workspace's settings (notify/config.h owns the keys). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "common/buf.h"
#include "common/mem.h"
#include "notify/config.h"
#include "store/settings.h"

static void help(FILE *f)
{
    fputs("Usage: reckon config set KEY VALUE\n"
          "       reckon config get KEY\n"
          "       reckon config unset KEY\n"
          "       reckon config list [--format table|csv|json]\n"
          "\n"
          "Reads and changes the settings of the workspace (kept in its catalog). Values are\n"
          "checked when they are set. Keys:\n\n",
          f);
    for (size_t i = 0; i < rk_notify_nsettings; i++) {
        const rk_setting_def *d = &rk_notify_settings[i];
        char left[64];
        snprintf(left, sizeof left, "%s %s", d->key, d->arg);
        fprintf(f, "  %-26s %s", left, d->help);
        if (d->def) fprintf(f, " (default: %s)", d->def);
        fputc('\n', f);
    }
    fputs("\n"
          "The SMTP password is never stored in the catalog and never shown. reckon reads it when it\n"
          "sends: from $" RK_SMTP_PASSWORD_ENV " when set, else from the first line of the file that\n"
          "smtp.password-file names. `reckon config set smtp.password -` reads it from stdin (typed\n"
          "without echo on a terminal) and keeps it in WORKSPACE/secrets/smtp-password, created 0600.\n"
          "A password is refused on the command line, where shell history and `ps` would show it.\n"
          "\n"
          "Examples:\n"
          "  reckon config set smtp.url smtps://mail.example.com\n"
          "  reckon config set smtp.user reckon@example.com\n"
          "  reckon config set smtp.password - < ~/.smtp-password\n"
          "  reckon config set smtp.from 'Reckon <reckon@example.com>'\n"
          "  reckon notify test --to you@example.com\n",
          f);
}

static const char *keys_hint(void)
{
    static char s[1024];
    if (!*s) {
        size_t k = 0;
        for (size_t i = 0; i < rk_notify_nsettings && k < sizeof s - 80; i++)
            k += (size_t)snprintf(s + k, sizeof s - k, "%s%s", i ? ", " : "", rk_notify_settings[i].key);
    }
    return s;
}

static int open_ws(rk_cli *cli, bool create, rk_ws **ws)
{
    rk_err err = {0};
    char path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/catalog.db", cli->data);
    /* Settings come before the first ingest, so set/unset create the
     * workspace; an existing one is opened without taking the writer's lock,
     * so a running sync does not block `reckon config`. */
    bool exists = stat(path, &sb) == 0;
    if (exists || !create) {
        if (rk_ws_open(cli->data, RK_WS_READ, ws, &err) != RK_OK)
            return rk_cli_fail(err.code == RK_ENOTFOUND ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
        return RK_EXIT_OK;
    }
    if (rk_ws_open(cli->data, RK_WS_WRITE, ws, &err) != RK_OK) return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    return RK_EXIT_OK;
}

/* The password from stdin: typed without echo on a terminal, else the
 * first line of whatever is piped in. */
static char *read_password(void)
{
    char *buf = rk_xcalloc(1, 4100);
    bool tty = isatty(STDIN_FILENO);
    struct termios old, noecho;
    if (tty) {
        fputs("SMTP password: ", stderr);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            noecho = old;
            noecho.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
        } else {
            tty = false;
        }
    }
    size_t n = 0;
    ssize_t r;
    while (n < 4099 && (r = read(STDIN_FILENO, buf + n, 4099 - n)) > 0) {
        n += (size_t)r;
        if (memchr(buf, '\n', n)) break;
    }
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    buf[n] = 0;
    buf[strcspn(buf, "\r\n")] = 0;
    return buf;
}

static int cmd_set(rk_cli *cli, const char *key, const char *value)
{
    const rk_setting_def *d = rk_notify_setting(key);
    if (!d) return rk_cli_fail(RK_EXIT_USAGE, "unknown setting \"%s\"; the settings are: %s", key, keys_hint());
    rk_err err = {0};
    if (d->secret) {
        /* Never repeat the value: it may be the password itself. */
        if (strcmp(value, "-") != 0)
            return rk_cli_fail(RK_EXIT_USAGE,
                               "%s is not taken on the command line (shell history and `ps` would show it); run "
                               "`reckon config set %s -` and type or pipe it on stdin, or set smtp.password-file to a "
                               "file holding it",
                               key, key);
        char *pw = read_password();
        size_t len = strlen(pw);
        rk_ws *ws;
        int rc = len ? open_ws(cli, true, &ws) : RK_EXIT_OK;
        if (!len) rc = rk_cli_fail(RK_EXIT_USAGE, "no password on stdin; nothing changed");
        if (len && rc == RK_EXIT_OK) {
            if (rk_smtp_password_store(ws, pw, len, &err) != RK_OK) rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
            rk_ws_close(ws);
        }
        explicit_bzero(pw, 4100);
        free(pw);
        if (rc == RK_EXIT_OK && !cli->quiet)
            printf("smtp.password stored in %s/secrets/smtp-password (mode 600); smtp.password-file points to it\n",
                   cli->data);
        return rc;
    }
    char *norm = NULL, warn[1024] = "";
    if (d->check(value, &norm, warn, sizeof warn, &err) != RK_OK) return rk_cli_fail(RK_EXIT_USAGE, "%s", err.msg);
    rk_ws *ws;
    int rc = open_ws(cli, true, &ws);
    if (rc == RK_EXIT_OK) {
        if (rk_ws_setting_set(ws, key, norm, &err) != RK_OK) rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
        rk_ws_close(ws);
    }
    if (rc == RK_EXIT_OK && *warn) fprintf(stderr, "reckon: warning: %s\n", warn);
    free(norm);
    return rc;
}

static int cmd_get(rk_cli *cli, const char *key)
{
    const rk_setting_def *d = rk_notify_setting(key);
    if (!d) return rk_cli_fail(RK_EXIT_USAGE, "unknown setting \"%s\"; the settings are: %s", key, keys_hint());
    rk_ws *ws;
    int rc = open_ws(cli, false, &ws);
    if (rc != RK_EXIT_OK) return rc;
    rk_err err = {0};
    if (d->secret) {
        char desc[1200];
        if (rk_smtp_password_describe(ws, desc, sizeof desc, &err) != RK_OK) rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
        else printf("%s\n", desc);
        if (rc == RK_EXIT_OK && strcmp(desc, "(not set)") == 0) rc = RK_EXIT_PROBLEMS;
    } else {
        char *v;
        if (rk_ws_setting_get(ws, key, &v, &err) != RK_OK) {
            rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
        } else if (v) {
            printf("%s\n", v);
        } else if (d->def) {
            printf("%s\n", d->def);
        } else {
            rc = rk_cli_fail(RK_EXIT_PROBLEMS, "%s is not set", key);
        }
        free(v);
    }
    rk_ws_close(ws);
    return rc;
}

static int cmd_unset(rk_cli *cli, const char *key)
{
    const rk_setting_def *d = rk_notify_setting(key);
    if (!d) return rk_cli_fail(RK_EXIT_USAGE, "unknown setting \"%s\"; the settings are: %s", key, keys_hint());
    rk_ws *ws;
    int rc = open_ws(cli, false, &ws);
    if (rc != RK_EXIT_OK) return rc;
    rk_err err = {0};
    bool removed = false;
    rk_status st = d->secret ? rk_smtp_password_forget(ws, &removed, &err) : rk_ws_setting_unset(ws, key, &removed, &err);
    rk_ws_close(ws);
    if (st != RK_OK) return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    if (!removed && !cli->quiet) fprintf(stderr, "reckon: %s was not set\n", key);
    return RK_EXIT_OK;
}

typedef struct row {
    const char *key;
    char *value;
    const char *state; /* set, default, unset */
} row;

static int cmd_list(rk_cli *cli, int argc, char **argv)
{
    rk_outfmt fmt = RK_FMT_TABLE;
    for (int i = 0; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) v = argv[++i];
        else if (strncmp(argv[i], "--format=", 9) == 0) v = argv[i] + 9;
        if (!v || rk_outfmt_parse(v, &fmt) != 0)
            return rk_cli_fail(RK_EXIT_USAGE, "`reckon config list` takes only --format table|csv|json");
    }
    rk_ws *ws;
    int rc = open_ws(cli, false, &ws);
    if (rc != RK_EXIT_OK) return rc;
    rk_err err = {0};
    rk_setting *set = NULL;
    size_t nset = 0;
    if (rk_ws_settings_list(ws, &set, &nset, &err) != RK_OK) {
        rk_ws_close(ws);
        return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    }
    row *rows = rk_xcalloc(rk_notify_nsettings + nset, sizeof *rows);
    size_t n = 0;
    for (size_t i = 0; i < rk_notify_nsettings; i++) {
        const rk_setting_def *d = &rk_notify_settings[i];
        row *r = &rows[n++];
        r->key = d->key;
        if (d->secret) {
            char desc[1200];
            if (rk_smtp_password_describe(ws, desc, sizeof desc, &err) != RK_OK) snprintf(desc, sizeof desc, "(unknown)");
            r->value = rk_xstrdup(desc);
            r->state = strcmp(desc, "(not set)") ? "set" : "unset";
            continue;
        }
        for (size_t k = 0; k < nset; k++)
            if (strcmp(set[k].key, d->key) == 0) r->value = rk_xstrdup(set[k].value);
        r->state = r->value ? "set" : d->def ? "default" : "unset";
        if (!r->value) r->value = rk_xstrdup(d->def ? d->def : "");
    }
    /* Keys this reckon does not know (set by a newer one) are still shown. */
    for (size_t k = 0; k < nset; k++)
        if (!rk_notify_setting(set[k].key)) rows[n++] = (row){set[k].key, rk_xstrdup(set[k].value), "set"};
    rk_ws_close(ws);

    if (fmt == RK_FMT_CSVOUT) {
        fputs("key,value,state\n", stdout);
        for (size_t i = 0; i < n; i++) {
            rk_csv_field_out(stdout, rows[i].key);
            fputc(',', stdout);
            rk_csv_field_out(stdout, rows[i].value);
            printf(",%s\n", rows[i].state);
        }
    } else if (fmt == RK_FMT_JSONOUT) {
        rk_buf b;
        rk_buf_init(&b, (size_t)1 << 24);
        rk_buf_puts(&b, "{\"settings\":[");
        for (size_t i = 0; i < n; i++) {
            rk_buf_puts(&b, i ? ",{\"key\":" : "{\"key\":");
            rk_json_str(&b, rows[i].key);
            rk_buf_puts(&b, ",\"value\":");
            rk_json_str(&b, rows[i].value);
            rk_buf_puts(&b, ",\"state\":");
            rk_json_str(&b, rows[i].state);
            rk_buf_putc(&b, '}');
        }
        rk_buf_puts(&b, "]}\n");
        fputs(b.p, stdout);
        rk_buf_free(&b);
    } else {
        rk_table t;
        rk_table_init(&t, 2);
        rk_table_header(&t, 0, "KEY", false);
        rk_table_header(&t, 1, "VALUE", false);
        for (size_t i = 0; i < n; i++) {
            char v[1400];
            if (strcmp(rows[i].state, "default") == 0) snprintf(v, sizeof v, "%s (default)", rows[i].value);
            else if (strcmp(rows[i].state, "unset") == 0 && !*rows[i].value) snprintf(v, sizeof v, "(not set)");
            else snprintf(v, sizeof v, "%s", rows[i].value);
            const char *cells[2] = {rows[i].key, v};
            rk_table_row(&t, cells);
        }
        rk_table_print(&t, stdout, 0);
        rk_table_free(&t);
    }
    for (size_t i = 0; i < n; i++) free(rows[i].value);
    free(rows);
    rk_settings_free(set, nset);
    return RK_EXIT_OK;
}

int rk_cmd_config(rk_cli *cli, int argc, char **argv)
{
    if (rk_cli_wants_help(argc, argv)) {
        help(stdout);
        return RK_EXIT_OK;
    }
    if (argc < 2) {
        help(stderr);
        return RK_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "set") == 0) {
        if (argc != 4) return rk_cli_fail(RK_EXIT_USAGE, "usage: reckon config set KEY VALUE");
        return cmd_set(cli, argv[2], argv[3]);
    }
    if (strcmp(sub, "get") == 0) {
        if (argc != 3) return rk_cli_fail(RK_EXIT_USAGE, "usage: reckon config get KEY");
        return cmd_get(cli, argv[2]);
    }
    if (strcmp(sub, "unset") == 0) {
        if (argc != 3) return rk_cli_fail(RK_EXIT_USAGE, "usage: reckon config unset KEY");
        return cmd_unset(cli, argv[2]);
    }
    if (strcmp(sub, "list") == 0) return cmd_list(cli, argc - 2, argv + 2);
    return rk_cli_fail(RK_EXIT_USAGE, "unknown config command \"%s\"; use set, get, unset or list", sub);
}
