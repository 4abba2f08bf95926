#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/timeparse.h"

static const char usage[] =
    "reckon — exact AWS cost and commitment analytics from your Cost and Usage Report\n"
    "\n"
    "Usage: reckon [--data DIR] VERB [OPTIONS]\n"
    "\n"
    "Verbs:\n"
    "  ingest PATH      discover and load every billing period in a folder that mirrors a CUR bucket,\n"
    "                   or in the bucket itself (s3://BUCKET/PREFIX)\n"
    "  connect          connect an AWS account: the read-only role's CloudFormation template, the\n"
    "                   checks of its bucket and report; list, show and remove connections\n"
    "  sync [NAME]      bring connections up to date from S3 (--watch to keep doing it); emails\n"
    "  status           sources, billing periods, the delivery used for each, problems\n"
    "  report cost      cost by time, account, service, tag… as a table, CSV or JSON\n"
    "  commitments R    RI and Savings Plan inventory, schedule, utilization, coverage, savings,\n"
    "                   effective savings rate, waste, expirations\n"
    "  prefer REPORT    choose which report answers when two cover the same payer and month\n"
    "  generate OUTDIR  write a synthetic organization's CUR, laid out as AWS delivers it\n"
    "  demo             generate, ingest and summarize a demo organization in the workspace\n"
    "  config           the workspace's settings: SMTP server, sender, password file…\n"
    "  notify           send a test email, the \"dashboards are ready\" or \"sync failed\" email\n"
    "  version          print the version\n"
    "  help [VERB]      this text, or a verb's\n"
    "\n"
    "Global options:\n"
    "  --data DIR       the workspace folder (default: $RECKON_DATA, else ./reckon-data)\n"
    "  --quiet          no progress display\n"
    "\n"
    "Run `reckon VERB --help` for a verb's options. Exit codes: 0 ok, 1 problems found,\n"
    "2 usage error, 3 could not run.\n";

int rk_cli_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("reckon: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

bool rk_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) return false;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return true;
    }
    return false;
}

typedef struct verb {
    const char *name;
    int (*fn)(rk_cli *, int, char **);
} verb;

static const verb verbs[] = {
    {"ingest", rk_cmd_ingest},
    {"status", rk_cmd_status},
    {"report", rk_cmd_report},
    {"prefer", rk_cmd_prefer},
    {"generate", rk_cmd_generate},
    {"demo", rk_cmd_demo},
    {"config", rk_cmd_config},
    {"notify", rk_cmd_notify},
    {"commitments", rk_cmd_commitments},
    {"connect", rk_cmd_connect},
    {"sync", rk_cmd_sync},
};

int rk_cli_main(int argc, char **argv)
{
    rk_cli cli = {0};
    cli.data = getenv("RECKON_DATA");
    if (!cli.data || !*cli.data) cli.data = "./reckon-data";
    /* Global options may come anywhere; take them out of argv. */
    int n = 1;
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args) return RK_EXIT_FATAL;
    args[0] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < argc) args[n++] = argv[i++];
            break;
        }
        if (strcmp(argv[i], "--data") == 0) {
            if (i + 1 >= argc) {
                free(args);
                return rk_cli_fail(RK_EXIT_USAGE, "--data needs a folder");
            }
            cli.data = argv[++i];
        } else if (strncmp(argv[i], "--data=", 7) == 0) {
            cli.data = argv[i] + 7;
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            cli.quiet = true;
        } else {
            args[n++] = argv[i];
        }
    }
    args[n] = NULL;
    int rc;
    if (n < 2 || strcmp(args[1], "--help") == 0 || strcmp(args[1], "-h") == 0) {
        fputs(usage, n < 2 ? stderr : stdout);
        rc = n < 2 ? RK_EXIT_USAGE : RK_EXIT_OK;
    } else if (strcmp(args[1], "version") == 0 || strcmp(args[1], "--version") == 0) {
        if (rk_cli_wants_help(n - 1, args + 1)) printf("Usage: reckon version\n\nPrints the version of reckon.\n");
        else printf("reckon %s\n", RK_VERSION);
        rc = RK_EXIT_OK;
    } else if (strcmp(args[1], "help") == 0) {
        if (n < 3) {
            fputs(usage, stdout);
            rc = RK_EXIT_OK;
        } else {
            /* `help connect aws` = `connect aws --help`: a sub-verb comes along. */
            bool sub = n > 3 && args[3][0] != '-';
            char *hv[4] = {args[2], sub ? args[3] : (char *)"--help", (char *)"--help", NULL};
            rc = RK_EXIT_USAGE;
            for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
                if (strcmp(args[2], verbs[i].name) == 0) rc = verbs[i].fn(&cli, sub ? 3 : 2, hv);
            if (strcmp(args[2], "version") == 0) {
                printf("Usage: reckon version\n\nPrints the version of reckon.\n");
                rc = RK_EXIT_OK;
            } else if (rc == RK_EXIT_USAGE) {
                rc = rk_cli_fail(RK_EXIT_USAGE, "no verb \"%s\"; run `reckon help`", args[2]);
            }
        }
    } else {
        rc = -1;
        for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
            if (strcmp(args[1], verbs[i].name) == 0) rc = verbs[i].fn(&cli, n - 1, args + 1);
        if (rc == -1) rc = rk_cli_fail(RK_EXIT_USAGE, "unknown verb \"%s\"; run `reckon help`", args[1]);
    }
    free(args);
    fflush(stdout);
    return rc;
}

rk_status rk_cli_parse_date(const char *s, int64_t *ms, rk_err *err)
{
    char tmp[64];
    if (strlen(s) == 7 && s[4] == '-') {
        snprintf(tmp, sizeof tmp, "%s-01", s);
        s = tmp;
    }
    if (rk_time_parse(s, strlen(s), ms) != RK_OK)
        return rk_err_set(err, RK_EUSAGE, "\"%s\" is not a date; use YYYY-MM-DD, YYYY-MM or 2025-01-01T00:00:00Z", s);
    return RK_OK;
}

char **rk_cli_split_list(const char *s, size_t *n)
{
    size_t cap = 4;
    char **v = rk_xcalloc(cap, sizeof *v);
    *n = 0;
    const char *p = s;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (*n == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
            if (!v) abort();
        }
        v[(*n)++] = rk_strndup(p, len);
        if (!c) break;
        p = c + 1;
    }
    return v;
}


int rk_cli_range_opt(int c, const char *arg, rk_cli_range *r, rk_err *err)
{
    switch (c) {
    case 'F':
        if (rk_cli_parse_date(arg, &r->from, err) != RK_OK) return -1;
        r->has_from = true;
        return 1;
    case 'T':
        if (rk_cli_parse_date(arg, &r->to, err) != RK_OK) return -1;
        r->has_to = true;
        return 1;
    case 'g': return rk_gran_parse(arg, &r->gran, err) == RK_OK ? 1 : -1;
    default: return 0;
    }
}

rk_status rk_cli_range_check(const rk_cli_range *r, rk_err *err)
{
    if (r->has_from && r->has_to && r->to <= r->from)
        return rk_err_set(err, RK_EUSAGE, "--to must be after --from (the end is exclusive)");
    return RK_OK;
}

rk_status rk_cli_filter_arg(const char *arg, char **dim, char ***values, size_t *n, rk_err *err)
{
    const char *eq = strchr(arg, '=');
    if (!eq) return rk_err_set(err, RK_EUSAGE, "--filter takes DIM=VALUE[,VALUE...], got \"%s\"", arg);
    *dim = rk_strndup(arg, (size_t)(eq - arg));
    *values = rk_cli_split_list(eq + 1, n);
    if (!*dim || !*values) abort(); /* the CLI's allocate-or-exit rule */
    return RK_OK;
}
