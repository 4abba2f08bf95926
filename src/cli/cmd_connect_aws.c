/* reckon connect aws — check a bucket where AWS delivers a Cost and Usage
 * Report and save it as a connection (connect/check.h runs the checks).
 *
 * Values come from the flags, then from the saved connection of the same
 * name (so `connect template` followed by `connect aws --name N --role-arn
 * A` needs nothing else), then, on a terminal, from prompts that show the
 * default and ask again until the value is valid. Nothing asked is secret:
 * credentials come from the host's AWS chain. The connection is saved when
 * no check failed, warnings included; its ExternalId is the saved one, else
 * --external-id, else a new random one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/aws.h"
#include "aws/s3.h"
#include "cli/cli.h"
#include "cli/out.h"
#include "common/buf.h"
#include "common/mem.h"
#include "connect/check.h"
#include "connect/validate.h"
#include "notify/mail.h"
#include "store/catalog.h"
#include "store/connections.h"
#include "store/settings.h"

static const char help[] =
    "Usage: reckon connect aws [--name NAME] --bucket BUCKET [--prefix PREFIX] [--role-arn ARN] [OPTIONS]\n"
    "\n"
    "Checks that reckon can read the Cost and Usage Report AWS delivers to BUCKET/PREFIX,\n"
    "and saves the connection so that `reckon sync NAME` reads it. Each check prints PASS,\n"
    "WARN or FAIL, and what to do when it is not PASS:\n"
    "  names         the bucket (S3's naming rules), the prefix and report name (the CUR\n"
    "                API's characters) and the role ARN's form; nothing is sent when\n"
    "                one is wrong (exit status 2)\n"
    "  credentials   the host's AWS credentials, then AssumeRole of --role-arn with the\n"
    "                connection's ExternalId (access denied: fix the trust policy)\n"
    "  region        the bucket's region (GetBucketLocation): a warning when it is not\n"
    "                us-east-1, where AWS delivers CURs; reckon reads it anyway\n"
    "  list, report  list the prefix and find the report's deliveries in it\n"
    "  read          read the newest period's data (s3:GetObject)\n"
    "  settings      from that data: hourly granularity, resource IDs, Parquet with the\n"
    "                Athena integration, overwrite versioning (warnings: reckon still\n"
    "                reads the report, the fix says how to improve it)\n"
    "The connection is saved when no check failed (warnings are fine).\n"
    "\n"
    "On a terminal, what the flags leave out is asked for, with the saved or usual value\n"
    "as the default (Enter keeps it). Otherwise, or with --no-input, --bucket is required\n"
    "(unless --name names a saved connection).\n"
    "\n"
    "Options:\n"
    "  --name NAME          the connection ([a-z0-9][a-z0-9._-]*; default: the bucket's name);\n"
    "                       a saved connection's values are the defaults of every flag\n"
    "  --bucket BUCKET      the S3 bucket the report is delivered to\n"
    "  --prefix PREFIX      the report's S3 path prefix (default: none, the whole bucket)\n"
    "  --report NAME        the report (export) name (default: every report under the prefix)\n"
    "  --role-arn ARN       the read-only role to assume (see `reckon connect template`);\n"
    "                       without it the host's own credentials read the bucket\n"
    "  --external-id ID     the ExternalId the role's trust policy requires (default: the\n"
    "                       saved connection's, else a new random one)\n"
    "  --email ADDRESS      who is told when the dashboards are ready or a sync fails;\n"
    "                       repeat it for several (replaces the saved recipients)\n"
    "  --profile NAME       the AWS profile whose credentials assume the role\n"
    "  --region REGION      the AWS region for STS and S3 (default: the bucket's)\n"
    "  --endpoint-url URL   an S3-compatible store (path-style requests)\n"
    "  --format table|json  output (default table)\n"
    "  --no-save            run the checks only\n"
    "  --no-input           never prompt, even on a terminal (for scripts)\n"
    "  -h, --help           this help\n"
    "\n"
    "Then: reckon sync NAME\n"
    "\n"
    "Exit status: 0 every check passed or warned (the connection is saved), 1 a check\n"
    "failed (nothing saved), 2 usage error, 3 the workspace could not be used.\n";

typedef struct flags {
    const char *name, *bucket, *prefix, *report, *role_arn, *external_id, *endpoint_url, *profile, *region;
    char **emails;
    size_t nemails, ecap;
    bool emails_given;
    rk_outfmt fmt;
    bool no_save;
    bool no_input;
} flags;

static void set_field(char **field, const char *v)
{
    free(*field);
    *field = v ? rk_xstrdup(v) : NULL;
}

static const char *nz(const char *s) { return s && *s ? s : NULL; }

/* ---- prompts ---- */

typedef rk_status (*check_fn)(const char *v, rk_err *err);

static rk_status chk_bucket(const char *v, rk_err *err) { return rk_s3_check_bucket_name(v, err); }
static rk_status chk_name(const char *v, rk_err *err) { return rk_connection_check_name(v, err); }
static rk_status chk_prefix(const char *v, rk_err *err) { return rk_connect_check_prefix(v, err); }
static rk_status chk_report(const char *v, rk_err *err)
{
    return *v ? rk_connect_check_report_name(v, err) : RK_OK;
}
static rk_status chk_role(const char *v, rk_err *err) { return *v ? rk_aws_check_role_arn(v, err) : RK_OK; }

/* Checks one address ("" is fine); on success *out (optional) is the text
 * trimmed. */
static rk_status chk_email(const char *v, rk_err *err)
{
    rk_mail_addr a;
    return rk_mail_addr_parse(v, strlen(v), &a, err);
}

static rk_status chk_emails(const char *v, rk_err *err)
{
    size_t n = 0;
    char **list = rk_cli_split_list(v, &n);
    rk_status st = RK_OK;
    for (size_t i = 0; i < n && st == RK_OK; i++)
        if (*list[i]) st = chk_email(list[i], err);
    for (size_t i = 0; i < n; i++) free(list[i]);
    free(list);
    return st;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = 0;
    return s;
}

/* Asks on stderr until the answer passes check; Enter keeps def. NULL at
 * the end of stdin. "-" clears an optional value. */
static char *ask(const char *label, const char *hint, const char *def, bool optional, check_fn check)
{
    char line[2048];
    for (;;) {
        if (def && *def) fprintf(stderr, "%s [%s]: ", label, def);
        else if (hint) fprintf(stderr, "%s (%s): ", label, hint);
        else fprintf(stderr, "%s: ", label);
        fflush(stderr);
        if (!fgets(line, sizeof line, stdin)) {
            fputc('\n', stderr);
            return NULL;
        }
        char *v = trim(line);
        if (!*v && def && *def) v = (char *)def;
        else if (optional && strcmp(v, "-") == 0) v = "";
        if (!*v && !optional) {
            fprintf(stderr, "  a value is needed\n");
            continue;
        }
        rk_err err = {0};
        if (check && check(v, &err) != RK_OK) {
            fprintf(stderr, "  %s\n", err.msg);
            continue;
        }
        return rk_xstrdup(v);
    }
}

/* ---- output ---- */

typedef struct printer {
    bool table;
} printer;

static void print_wrapped(const char *lead, const char *text)
{
    /* one line each; terminals wrap, and tests grep */
    printf("%s%s\n", lead, text);
}

static void on_check(void *ctx, const rk_check *k)
{
    printer *p = ctx;
    if (!p->table) return;
    printf("  %s  %s\n", rk_check_level_name(k->level), k->title);
    if (*k->detail) print_wrapped("          ", k->detail);
    if (*k->fix && (k->level == RK_CHECK_WARN || k->level == RK_CHECK_FAIL)) print_wrapped("          fix: ", k->fix);
    fflush(stdout);
}

static void json_kv(rk_buf *b, const char *k, const char *v, bool comma)
{
    rk_buf_printf(b, "%s", comma ? "," : "");
    rk_json_str(b, k);
    rk_buf_putc(b, ':');
    if (v) rk_json_str(b, v);
    else rk_buf_puts(b, "null");
}

static void json_strv(rk_buf *b, const char *k, char *const *v, size_t n)
{
    rk_buf_putc(b, ',');
    rk_json_str(b, k);
    rk_buf_puts(b, ":[");
    for (size_t i = 0; i < n; i++) {
        if (i) rk_buf_putc(b, ',');
        rk_json_str(b, v[i]);
    }
    rk_buf_putc(b, ']');
}

static void print_json(const rk_connection *c, char *const *emails, size_t nemails, const rk_checks *r, bool saved,
                       const char *outcome)
{
    rk_buf b;
    rk_buf_init(&b, (size_t)64 << 20);
    rk_buf_puts(&b, "{\"connection\":{");
    json_kv(&b, "name", c->name, false);
    json_kv(&b, "bucket", c->bucket, true);
    json_kv(&b, "prefix", c->prefix, true);
    json_kv(&b, "report", nz(c->report), true);
    json_kv(&b, "role_arn", nz(c->role_arn), true);
    json_kv(&b, "external_id", c->external_id, true);
    json_kv(&b, "profile", nz(c->profile), true);
    json_kv(&b, "region", nz(c->region), true);
    json_kv(&b, "endpoint_url", nz(c->endpoint_url), true);
    json_strv(&b, "recipients", emails, nemails);
    rk_buf_puts(&b, "},\"checks\":[");
    for (size_t i = 0; i < r->n; i++) {
        const rk_check *k = &r->v[i];
        rk_buf_puts(&b, i ? ",{" : "{");
        json_kv(&b, "id", k->id, false);
        json_kv(&b, "level", rk_check_level_name(k->level), true);
        json_kv(&b, "title", k->title, true);
        json_kv(&b, "detail", *k->detail ? k->detail : NULL, true);
        json_kv(&b, "fix", *k->fix ? k->fix : NULL, true);
        rk_buf_putc(&b, '}');
    }
    rk_buf_printf(&b, "],\"passed\":%u,\"warnings\":%u,\"failed\":%u,\"found\":{", r->npass, r->nwarn, r->nfail);
    json_kv(&b, "identity", r->identity, false);
    json_kv(&b, "bucket_region", r->bucket_region, true);
    rk_buf_printf(&b, ",\"objects\":%llu", (unsigned long long)r->objects);
    json_strv(&b, "reports", r->reports, r->nreports);
    json_kv(&b, "report", r->report, true);
    json_kv(&b, "format", r->format, true);
    json_kv(&b, "layout", r->layout, true);
    json_strv(&b, "periods", r->periods, r->nperiods);
    json_kv(&b, "newest_period", r->newest, true);
    json_kv(&b, "granularity", r->granularity, true);
    rk_buf_printf(&b, ",\"resource_ids\":%s}", r->granularity ? (r->resource_ids ? "true" : "false") : "null");
    rk_buf_printf(&b, ",\"saved\":%s,", saved ? "true" : "false");
    json_kv(&b, "outcome", outcome, false);
    rk_buf_puts(&b, "}\n");
    fwrite(b.p, 1, b.len, stdout);
    rk_buf_free(&b);
}

/* ---- the verb ---- */

static int open_ws(rk_cli *cli, bool create, rk_ws **ws)
{
    rk_err err = {0};
    char path[4096];
    struct stat sb;
    *ws = NULL;
    snprintf(path, sizeof path, "%s/catalog.db", cli->data);
    bool exists = stat(path, &sb) == 0;
    if (!exists && stat(cli->data, &sb) == 0 && !S_ISDIR(sb.st_mode))
        return rk_cli_fail(RK_EXIT_FATAL, "%s is not a folder; give --data (or RECKON_DATA) the workspace folder",
                           cli->data);
    if (!exists && !create) return RK_EXIT_OK; /* nothing saved yet */
    /* An existing workspace is opened without the writer's lock: a running
     * sync does not block `connect aws`. */
    if (rk_ws_open(cli->data, exists ? RK_WS_READ : RK_WS_WRITE, ws, &err) != RK_OK)
        return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    return RK_EXIT_OK;
}

static void free_emails(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static void add_email(flags *f, const char *s)
{
    if (RK_GROW(f->emails, f->ecap, f->nemails + 1) != RK_OK) abort();
    f->emails[f->nemails++] = rk_xstrdup(s);
}

/* The flags given override what is saved. */
static void apply_flags(const flags *f, rk_connection *c)
{
    if (f->name) set_field(&c->name, f->name);
    if (f->bucket) set_field(&c->bucket, f->bucket);
    if (f->prefix) {
        char *norm = rk_connect_norm_prefix(f->prefix);
        if (!norm) abort();
        set_field(&c->prefix, norm);
        free(norm);
    }
    if (f->report) set_field(&c->report, f->report);
    if (f->role_arn) set_field(&c->role_arn, nz(f->role_arn));
    if (f->endpoint_url) set_field(&c->endpoint_url, nz(f->endpoint_url));
    if (f->profile) set_field(&c->profile, nz(f->profile));
    if (f->region) set_field(&c->region, nz(f->region));
}

/* Prompts for what the flags left out (on a terminal). Returns an exit
 * code, or -1 to go on. */
static int interact(rk_cli *cli, flags *f, rk_connection *c, bool *exists, char ***saved_emails, size_t *nsaved,
                    rk_ws **ws)
{
    char *v;
    fprintf(stderr, "Connect an AWS Cost and Usage Report (Enter keeps the value in brackets, - clears an optional one).\n");
    if (!f->bucket) {
        if (!(v = ask("S3 bucket the report is delivered to", NULL, c->bucket, false, chk_bucket)))
            return rk_cli_fail(RK_EXIT_USAGE, "no bucket given; nothing saved");
        set_field(&c->bucket, v);
        free(v);
    }
    if (!f->name) {
        if (!(v = ask("Connection name", NULL, c->name ? c->name : c->bucket, false, chk_name)))
            return rk_cli_fail(RK_EXIT_USAGE, "no connection name given; nothing saved");
        if (!c->name || strcmp(c->name, v) != 0) {
            /* a saved connection of that name gives the defaults below */
            set_field(&c->name, v);
            rk_err err = {0};
            if (*ws) {
                rk_connection old;
                memset(&old, 0, sizeof old);
                rk_status s = rk_ws_connection_get(*ws, v, &old, &err);
                if (s == RK_OK) {
                    *exists = true;
                    char *bucket = rk_xstrdup(c->bucket);
                    rk_connection_free(c);
                    *c = old;
                    apply_flags(f, c); /* the flags still win over what is saved */
                    set_field(&c->bucket, bucket); /* and so does the answer just given */
                    free(bucket);
                    rk_strv_free(*saved_emails, *nsaved);
                    *saved_emails = NULL;
                    *nsaved = 0;
                    if (rk_ws_recipients_get(*ws, v, saved_emails, nsaved, &err) != RK_OK)
                        return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
                } else if (s != RK_ENOTFOUND) {
                    return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
                }
            }
        }
        free(v);
    }
    (void)cli;
    if (!f->prefix) {
        if (!(v = ask("Report path prefix", "none: the whole bucket", c->prefix, true, chk_prefix)))
            return rk_cli_fail(RK_EXIT_USAGE, "no prefix given; nothing saved");
        char *norm = rk_connect_norm_prefix(v);
        if (!norm) abort();
        set_field(&c->prefix, norm);
        free(norm);
        free(v);
    }
    if (!f->report) {
        if (!(v = ask("Report name", "none: every report under the prefix", c->report, true, chk_report)))
            return rk_cli_fail(RK_EXIT_USAGE, "no report name given; nothing saved");
        set_field(&c->report, v);
        free(v);
    }
    if (!f->role_arn) {
        if (!(v = ask("Role ARN to assume", "none: this host's own credentials", c->role_arn, true, chk_role)))
            return rk_cli_fail(RK_EXIT_USAGE, "no role ARN given; nothing saved");
        set_field(&c->role_arn, *v ? v : NULL);
        free(v);
    }
    if (!f->emails_given) {
        rk_buf def;
        rk_buf_init(&def, 1 << 20);
        for (size_t i = 0; i < *nsaved; i++) {
            if (i) rk_buf_puts(&def, ", ");
            rk_buf_puts(&def, (*saved_emails)[i]);
        }
        rk_buf_putc(&def, 0);
        v = ask("Email addresses to notify, comma-separated", "none", def.p, true, chk_emails);
        rk_buf_free(&def);
        if (!v) return rk_cli_fail(RK_EXIT_USAGE, "no email answer given; nothing saved");
        size_t n = 0;
        char **list = rk_cli_split_list(v, &n);
        for (size_t i = 0; i < n; i++) {
            char *t = trim(list[i]);
            if (*t) add_email(f, t);
            free(list[i]);
        }
        free(list);
        f->emails_given = true;
        free(v);
    }
    return -1;
}

int rk_cmd_connect_aws(rk_cli *cli, int argc, char **argv)
{
    if (rk_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return RK_EXIT_OK;
    }
    static const struct option longopts[] = {{"name", required_argument, 0, 'n'},
                                              {"bucket", required_argument, 0, 'b'},
                                              {"prefix", required_argument, 0, 'p'},
                                              {"report", required_argument, 0, 'r'},
                                              {"email", required_argument, 0, 'm'},
                                              {"role-arn", required_argument, 0, 'A'},
                                              {"external-id", required_argument, 0, 'X'},
                                              {"endpoint-url", required_argument, 0, 'E'},
                                              {"profile", required_argument, 0, 'P'},
                                              {"region", required_argument, 0, 'R'},
                                              {"format", required_argument, 0, 'f'},
                                              {"no-save", no_argument, 0, 'S'},
                                              {"no-input", no_argument, 0, 'I'},
                                              {0, 0, 0, 0}};
    flags f;
    memset(&f, 0, sizeof f);
    int opt, rc = RK_EXIT_OK;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'n': f.name = optarg; break;
        case 'b': f.bucket = optarg; break;
        case 'p': f.prefix = optarg; break;
        case 'r': f.report = optarg; break;
        case 'm': {
            rk_err err = {0};
            if (chk_email(optarg, &err) != RK_OK) {
                free_emails(f.emails, f.nemails);
                return rk_cli_fail(RK_EXIT_USAGE, "--email: %s", err.msg);
            }
            char *t = rk_xstrdup(optarg);
            add_email(&f, trim(t));
            free(t);
            f.emails_given = true;
            break;
        }
        case 'A': f.role_arn = optarg; break;
        case 'X': f.external_id = optarg; break;
        case 'E': f.endpoint_url = optarg; break;
        case 'P': f.profile = optarg; break;
        case 'R': f.region = optarg; break;
        case 'f':
            if (rk_outfmt_parse(optarg, &f.fmt) != 0 || f.fmt == RK_FMT_CSVOUT) {
                free_emails(f.emails, f.nemails);
                return rk_cli_fail(RK_EXIT_USAGE, "--format must be table or json, not \"%s\"", optarg);
            }
            break;
        case 'S': f.no_save = true; break;
        case 'I': f.no_input = true; break;
        default:
            free_emails(f.emails, f.nemails);
            if (optopt)
                return rk_cli_fail(RK_EXIT_USAGE, "connect aws: option -%c is unknown or needs a value; see "
                                                  "`reckon connect aws --help`",
                                   optopt);
            return rk_cli_fail(RK_EXIT_USAGE, "connect aws: %s is unknown or needs a value; see `reckon connect aws "
                                              "--help`",
                               argv[optind - 1]);
        }
    }
    if (optind < argc) {
        free_emails(f.emails, f.nemails);
        return rk_cli_fail(RK_EXIT_USAGE, "connect aws takes no argument \"%s\"; give values with flags (--bucket, "
                                          "--name…)",
                           argv[optind]);
    }
    rk_err err = {0};
    if (f.name && rk_connection_check_name(f.name, &err) != RK_OK) {
        free_emails(f.emails, f.nemails);
        return rk_cli_fail(RK_EXIT_USAGE, "--name: %s", err.msg);
    }
    if (f.external_id && !*f.external_id) {
        free_emails(f.emails, f.nemails);
        return rk_cli_fail(RK_EXIT_USAGE, "--external-id is empty; give the ExternalId of the role's trust policy");
    }

    rk_ws *ws = NULL;
    rk_connection c;
    memset(&c, 0, sizeof c);
    bool exists = false;
    char **saved_emails = NULL;
    size_t nsaved = 0;
    rk_checks res;
    memset(&res, 0, sizeof res);
    bool interactive = isatty(STDIN_FILENO) && f.fmt == RK_FMT_TABLE && !f.no_input;

    if ((rc = open_ws(cli, false, &ws)) != RK_EXIT_OK) goto out;
    /* the saved connection gives the defaults */
    if (ws && f.name) {
        rk_status s = rk_ws_connection_get(ws, f.name, &c, &err);
        if (s == RK_OK) {
            exists = true;
            if (rk_ws_recipients_get(ws, f.name, &saved_emails, &nsaved, &err) != RK_OK) {
                rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
                goto out;
            }
        } else if (s != RK_ENOTFOUND) {
            rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
            goto out;
        }
        memset(&err, 0, sizeof err);
    }
    if (!exists) memset(&c, 0, sizeof c);
    apply_flags(&f, &c);

    bool missing = !c.bucket;
    if (interactive) {
        int r = interact(cli, &f, &c, &exists, &saved_emails, &nsaved, &ws);
        if (r >= 0) {
            rc = r;
            goto out;
        }
    } else if (missing) {
        rc = rk_cli_fail(RK_EXIT_USAGE,
                         f.name ? "connect aws: there is no connection \"%s\" yet; give --bucket (the S3 bucket the "
                                  "report is delivered to)"
                                : "connect aws: --bucket is required (the S3 bucket the report is delivered to)%s",
                         f.name ? f.name : "");
        goto out;
    }
    if (!c.name) c.name = rk_xstrdup(c.bucket); /* a valid bucket name is a valid connection name */
    if (!c.prefix) c.prefix = rk_xstrdup("");
    if (!c.report) c.report = rk_xstrdup("");

    /* The ExternalId: the saved one is what the trust policy was written with. */
    if (f.external_id) {
        if (exists && c.external_id && strcmp(c.external_id, f.external_id) != 0 && f.fmt == RK_FMT_TABLE)
            fprintf(stderr, "reckon: connection \"%s\": its ExternalId is replaced by the one of --external-id\n",
                    c.name);
        set_field(&c.external_id, f.external_id);
    } else if (!c.external_id || !*c.external_id) {
        char id[33];
        if (rk_connection_new_external_id(id, &err) != RK_OK) {
            rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
            goto out;
        }
        set_field(&c.external_id, id);
    }

    printer pr = {.table = f.fmt == RK_FMT_TABLE};
    if (pr.table) {
        printf("Checking connection \"%s\": s3://%s%s%s%s%s\n", c.name, c.bucket, *c.prefix ? "/" : "", c.prefix,
               c.role_arn ? " with role " : " with this host's credentials", c.role_arn ? c.role_arn : "");
        fflush(stdout);
    }
    rk_check_opts co = {.on_check = on_check, .ctx = &pr};
    if (rk_connect_run_checks(&c, &co, &res, &err) != RK_OK) {
        rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
        goto out;
    }
    char *const *emails = f.emails_given ? f.emails : saved_emails;
    size_t nemails = f.emails_given ? f.nemails : nsaved;
    bool saved = false;
    const char *outcome;
    if (res.usage) {
        rc = RK_EXIT_USAGE;
        outcome = "usage";
    } else if (res.nfail) {
        rc = RK_EXIT_PROBLEMS;
        outcome = "failed";
    } else {
        outcome = f.no_save ? "checked" : "saved";
    }
    if (!res.nfail && !f.no_save) {
        if (!ws && (rc = open_ws(cli, true, &ws)) != RK_EXIT_OK) goto out;
        c.pending = false; /* checked: sync may read it */
        if (rk_ws_connection_save(ws, &c, &err) != RK_OK ||
            (f.emails_given &&
             rk_ws_recipients_set(ws, c.name, (const char *const *)f.emails, f.nemails, &err) != RK_OK)) {
            rc = rk_cli_fail(RK_EXIT_FATAL, "connection \"%s\" could not be saved: %s", c.name, err.msg);
            goto out;
        }
        saved = true;
    }
    if (!pr.table) {
        print_json(&c, emails, nemails, &res, saved, outcome);
        goto out;
    }
    if (res.report) {
        printf("\nFound: report %s (%s)", res.report, res.format);
        if (res.nperiods)
            printf(", %zu billing period%s %s%s%s, newest %s", res.nperiods, res.nperiods == 1 ? "" : "s",
                   res.periods[0], res.nperiods > 1 ? " to " : "", res.nperiods > 1 ? res.periods[res.nperiods - 1] : "",
                   res.newest);
        if (res.granularity) printf(", %s", res.granularity);
        printf(".\n");
    }
    printf("%s%u passed, %u warning%s, %u failed.\n", res.report ? "" : "\n", res.npass, res.nwarn,
           res.nwarn == 1 ? "" : "s", res.nfail);
    if (res.nfail) {
        printf("Connection \"%s\" was NOT saved: fix what failed and run this again.\n", c.name);
        if (res.usage) fprintf(stderr, "reckon: connect aws: the values given are not valid; nothing was sent to AWS\n");
        goto out;
    }
    if (saved) {
        printf("Saved connection \"%s\" (ExternalId %s", c.name, c.external_id);
        if (nemails) {
            printf("; notifying ");
            for (size_t i = 0; i < nemails; i++) printf("%s%s", i ? ", " : "", emails[i]);
        }
        printf(").\nNext: reckon sync %s\n", c.name);
    } else {
        printf("Not saved (--no-save).\n");
    }

out:
    rk_checks_free(&res);
    rk_connection_free(&c);
    rk_strv_free(saved_emails, nsaved);
    free_emails(f.emails, f.nemails);
    rk_ws_close(ws);
    return rc;
}
