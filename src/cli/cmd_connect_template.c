/* reckon connect template — the CloudFormation template of a connection's
 * read-only role (connect/template.h says what it grants), and the steps to
 * create the stack.
 *
 * The connection is saved before the template is written, with its
 * ExternalId, so the trust policy and what `connect aws` / `sync` send
 * always agree: a new connection is saved "pending" (no role ARN yet); a
 * second template of the same connection keeps its ExternalId.
 *
 * Flags against an existing connection: while it is pending (no role ARN
 * saved yet), --bucket, --prefix, --report, --external-id, --profile,
 * --region and --endpoint-url update it; once `connect aws` has saved a
 * role, a flag that differs from the saved value is a usage error (the
 * role in AWS was made for the saved bucket and ExternalId).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/aws.h"
#include "aws/s3.h"
#include "cli/cli.h"
#include "common/mem.h"
#include "connect/template.h"
#include "connect/validate.h"
#include "store/catalog.h"
#include "store/connections.h"

static const char help[] =
    "Usage: reckon connect template [--name NAME] [--bucket BUCKET] [--prefix PREFIX] [OPTIONS]\n"
    "\n"
    "Writes the CloudFormation template (JSON) of a least-privilege, read-only IAM role that\n"
    "lets reckon read one Cost and Usage Report, and prints how to create the stack:\n"
    "  trust        only the principal reckon runs as, and only with the connection's\n"
    "               ExternalId (Condition StringEquals sts:ExternalId)\n"
    "  permissions  s3:ListBucket on the bucket, limited to the report prefix (s3:prefix);\n"
    "               s3:GetObject on BUCKET/PREFIX/*; s3:GetBucketLocation on the bucket.\n"
    "               No write action, nothing outside the bucket.\n"
    "  outputs      RoleArn (the role's ARN) and ExternalId\n"
    "\n"
    "A new connection (--name, default: the bucket's name) needs --bucket; it is saved in\n"
    "the workspace, waiting for its role, with a random ExternalId (or --external-id), so\n"
    "`reckon connect aws --name NAME --role-arn ARN` later uses the same one. With the name\n"
    "of a saved connection, its bucket, prefix and ExternalId are used; its ExternalId is\n"
    "kept from one template to the next. Until its role is saved, the flags below update\n"
    "it; after that, a flag that differs from what is saved is refused.\n"
    "\n"
    "Options:\n"
    "  --name NAME              the connection ([a-z0-9][a-z0-9._-]*, at most 64)\n"
    "  --bucket BUCKET          the S3 bucket the CUR is delivered to\n"
    "  --prefix PREFIX          the report path prefix (S3 prefix of the CUR; default: none)\n"
    "  --report NAME            the report (export) name, if the prefix holds several\n"
    "  --external-id ID         use this ExternalId instead of a generated one\n"
    "  --trust-principal ARN    who may assume the role: an IAM user or role ARN, an account\n"
    "                           root ARN or a 12-digit account (default: the identity of\n"
    "                           this host's AWS credentials, from STS GetCallerIdentity)\n"
    "  --role-name NAME         the role's name (default: reckon-read-CONNECTION)\n"
    "  --output FILE            write the template to FILE (mode 644) instead of stdout\n"
    "  --profile NAME           AWS profile for GetCallerIdentity (as the AWS CLI)\n"
    "  --region REGION          AWS region for GetCallerIdentity\n"
    "  --endpoint-url URL       an S3-compatible store, saved with the connection\n"
    "  -h, --help               this help\n"
    "\n"
    "Creating the stack (in the account that owns the bucket; the steps are printed, to\n"
    "stderr when the template goes to stdout):\n"
    "  console  https://console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/create\n"
    "           (upload the file; acknowledge that it creates IAM resources with custom names)\n"
    "  AWS CLI  aws cloudformation create-stack --stack-name reckon-NAME \\\n"
    "             --template-body file://FILE --capabilities CAPABILITY_NAMED_IAM --region us-east-1\n"
    "           aws cloudformation describe-stacks --stack-name reckon-NAME --region us-east-1 \\\n"
    "             --query \"Stacks[0].Outputs\"     (the RoleArn output)\n"
    "  then     reckon connect aws --name NAME --role-arn ARN\n"
    "\n"
    "Warning (from AWS): the CUR's Athena integration has its own CloudFormation stack\n"
    "(crawler-cfn.yml, delivered into the bucket); on a bucket that already existed, that stack\n"
    "removes the bucket's existing S3 event notifications. Note them before you deploy it and\n"
    "add them back after. The role above changes nothing in the bucket.\n"
    "\n"
    "Exit status: 0 written, 2 usage error (a bad bucket, prefix, report or principal),\n"
    "3 could not run (the workspace, the output file, or STS when no --trust-principal).\n";

typedef struct topts {
    const char *name, *bucket, *prefix, *report, *external_id, *principal, *role_name, *output;
    rk_aws_opts aws;
} topts;

/* Writes data to path atomically: a temporary file beside it, fsynced,
 * mode 0644, renamed over path. */
static rk_status write_atomic(const char *path, const char *data, rk_err *err)
{
    size_t pl = strlen(path);
    char *tmp = rk_xmalloc(pl + 64);
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
    snprintf(tmp, pl + 64, "%.*s.%s.tmp.%ld", (int)dl, path, path + dl, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rk_status st = rk_err_set(err, RK_EIO,
                                  "%s: cannot create the template file: %s; check that the folder exists and is "
                                  "writable, or pick another --output",
                                  path, strerror(errno));
        free(tmp);
        return st;
    }
    size_t n = strlen(data), off = 0;
    int e = 0;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            e = errno;
            break;
        }
        off += (size_t)w;
    }
    if (!e && fchmod(fd, 0644) != 0) e = errno;
    if (!e && fsync(fd) != 0) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    if (!e && rename(tmp, path) != 0) e = errno;
    if (e) {
        unlink(tmp);
        free(tmp);
        return rk_err_set(err, RK_EIO, "%s: cannot write the template: %s", path, strerror(e));
    }
    free(tmp);
    return RK_OK;
}

static bool same(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }

/* Replaces *field with a copy of v. */
static void set_field(char **field, const char *v)
{
    free(*field);
    *field = v ? rk_xstrdup(v) : NULL;
}

/* Opens the workspace: an existing one without the writer's lock (a running
 * sync does not block a template), a new one created. */
static int open_ws(rk_cli *cli, rk_ws **ws)
{
    rk_err err = {0};
    char path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/catalog.db", cli->data);
    rk_ws_mode mode = stat(path, &sb) == 0 ? RK_WS_READ : RK_WS_WRITE;
    if (rk_ws_open(cli->data, mode, ws, &err) != RK_OK)
        return rk_cli_fail(err.code == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    return RK_EXIT_OK;
}

/* Fills c from the flags: a new connection, or the saved one checked or
 * updated (see the file comment). *changed tells whether to save. */
static int merge(const topts *o, const char *norm_prefix, bool exists, rk_connection *c, bool *changed)
{
    *changed = !exists;
    if (!exists) {
        if (!o->bucket)
            return rk_cli_fail(RK_EXIT_USAGE, "there is no connection \"%s\" yet; give --bucket (and --prefix) to "
                                              "create it",
                               c->name);
        c->bucket = rk_xstrdup(o->bucket);
        c->prefix = rk_xstrdup(norm_prefix ? norm_prefix : "");
        c->report = rk_xstrdup(o->report ? o->report : "");
        c->endpoint_url = o->aws.endpoint_url ? rk_xstrdup(o->aws.endpoint_url) : NULL;
        c->profile = o->aws.profile ? rk_xstrdup(o->aws.profile) : NULL;
        c->region = o->aws.region ? rk_xstrdup(o->aws.region) : NULL;
        if (o->external_id) {
            c->external_id = rk_xstrdup(o->external_id);
        } else {
            char id[33];
            rk_err err = {0};
            if (rk_connection_new_external_id(id, &err) != RK_OK) return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
            c->external_id = rk_xstrdup(id);
        }
        return RK_EXIT_OK;
    }
    struct {
        const char *flag, *given;
        char **field;
    } f[] = {
        {"--bucket", o->bucket, &c->bucket},
        {"--prefix", norm_prefix, &c->prefix},
        {"--report", o->report, &c->report},
        {"--external-id", o->external_id, &c->external_id},
        {"--endpoint-url", o->aws.endpoint_url, &c->endpoint_url},
        {"--profile", o->aws.profile, &c->profile},
        {"--region", o->aws.region, &c->region},
    };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        if (!f[i].given || same(f[i].given, *f[i].field)) continue;
        if (c->role_arn) {
            /* The endpoint, profile and region only say how this host reaches
             * AWS: they are used for GetCallerIdentity, not saved. */
            if (i >= 4) continue;
            return rk_cli_fail(RK_EXIT_USAGE,
                               "connection \"%s\" is connected with role %s for s3://%s%s%s; %s \"%s\" differs "
                               "from its \"%s\"; to change it, run `reckon connect remove %s` and start again, or "
                               "use another --name",
                               c->name, c->role_arn, c->bucket, *c->prefix ? "/" : "", c->prefix, f[i].flag,
                               f[i].given, *f[i].field ? *f[i].field : "", c->name);
        }
        if (i == 3 && !c->role_arn)
            fprintf(stderr, "reckon: connection \"%s\": its ExternalId is replaced by the one of --external-id; a "
                            "role made from an earlier template trusts the old one\n",
                    c->name);
        set_field(f[i].field, f[i].given);
        *changed = true;
    }
    return RK_EXIT_OK;
}

/* The principal the role trusts: --trust-principal, or who this host's
 * credentials are (STS GetCallerIdentity). */
static int trust_principal(const topts *o, const rk_connection *c, char **out)
{
    rk_err err = {0};
    bool from_session = false;
    if (o->principal) {
        if (rk_connect_trust_principal(o->principal, out, &from_session, &err) != RK_OK)
            return rk_cli_fail(RK_EXIT_USAGE, "--trust-principal: %s", err.msg);
    } else {
        rk_aws_opts ao = o->aws;
        if (!ao.profile) ao.profile = c->profile;
        if (!ao.region) ao.region = c->region;
        if (!ao.endpoint_url) ao.endpoint_url = c->endpoint_url;
        rk_aws *aws = NULL;
        rk_aws_identity id;
        memset(&id, 0, sizeof id);
        /* A profile that cannot be used is a usage error; credentials STS
         * refuses, or no answer, mean reckon could not run. */
        rk_status st = rk_aws_open(&ao, &aws, &err);
        bool opened = st == RK_OK;
        if (st == RK_OK) st = rk_aws_caller_identity(aws, &id, &err);
        rk_aws_close(aws);
        if (st != RK_OK)
            return rk_cli_fail(!opened && err.code == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL,
                               "cannot tell which principal the role should trust: STS GetCallerIdentity with this "
                               "host's AWS credentials failed: %s; pass --trust-principal ARN (the IAM user or role "
                               "reckon will run as)",
                               err.msg);
        if (rk_connect_trust_principal(id.arn, out, &from_session, &err) != RK_OK)
            return rk_cli_fail(RK_EXIT_FATAL,
                               "STS GetCallerIdentity says this host runs as %s, which a trust policy cannot name; "
                               "pass --trust-principal ARN",
                               id.arn);
    }
    if (from_session)
        fprintf(stderr,
                "reckon: note: %s is a session of an assumed role; the template trusts the role %s. STS does not "
                "tell a role's path: if the role has one (arn:aws:iam::ACCOUNT:role/PATH/NAME), pass "
                "--trust-principal with its full ARN.\n",
                o->principal ? o->principal : "this host's identity", *out);
    return RK_EXIT_OK;
}

/* A path as a shell word: quoted when it holds anything special. */
static void shell_word(FILE *f, const char *s)
{
    if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./:=@+,") == strlen(s)) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputs("'\\''", f);
        else fputc(*s, f);
    }
    fputc('\'', f);
}

static void steps(FILE *f, const rk_connection *c, const char *role_name, const char *principal, const char *output)
{
    char stack[160];
    rk_connect_stack_name(c->name, stack, sizeof stack);
    char file[600];
    if (output) snprintf(file, sizeof file, "file://%s", output);
    else snprintf(file, sizeof file, "file://reckon-%s.json", c->name);
    fprintf(f, "Connection %s: role %s for s3://%s%s%s, trusting %s with ExternalId %s.\n", c->name, role_name,
            c->bucket, *c->prefix ? "/" : "", c->prefix, principal, c->external_id);
    if (!output)
        fprintf(f, "Save the template to a file first (--output reckon-%s.json, or redirect stdout).\n", c->name);
    fprintf(f,
            "\nCreate the stack in the account that owns the bucket, either\n"
            "  in the console: https://console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/create\n"
            "    (\"Upload a template file\", stack name %s, acknowledge that it creates IAM resources\n"
            "    with custom names), or\n"
            "  with the AWS CLI:\n"
            "    aws cloudformation create-stack --stack-name %s --template-body ",
            stack, stack);
    shell_word(f, file);
    fprintf(f,
            " --capabilities CAPABILITY_NAMED_IAM --region us-east-1\n"
            "    aws cloudformation wait stack-create-complete --stack-name %s --region us-east-1\n"
            "Read the role's ARN (output RoleArn):\n"
            "    aws cloudformation describe-stacks --stack-name %s --region us-east-1 --query \"Stacks[0].Outputs\"\n"
            "Then:\n"
            "    reckon connect aws --name %s --role-arn ARN\n"
            "\nWarning (from AWS): if you turn on the CUR's Athena integration, its own CloudFormation stack\n"
            "(crawler-cfn.yml, delivered into the bucket) removes the existing S3 event notifications of a\n"
            "bucket that already existed. Note them before you deploy it and add them back after.\n",
            stack, stack, c->name);
    if (strchr(c->prefix, '*'))
        fprintf(f, "\nNote: the prefix \"%s\" holds '*', which IAM reads as a wildcard in the role's resource and\n"
                   "s3:prefix condition: the role may read other prefixes that match it.\n",
                c->prefix);
}

int rk_cmd_connect_template(rk_cli *cli, int argc, char **argv)
{
    if (rk_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return RK_EXIT_OK;
    }
    static const struct option longopts[] = {{"name", required_argument, 0, 'n'},
                                              {"bucket", required_argument, 0, 'b'},
                                              {"prefix", required_argument, 0, 'p'},
                                              {"report", required_argument, 0, 'r'},
                                              {"external-id", required_argument, 0, 'x'},
                                              {"trust-principal", required_argument, 0, 't'},
                                              {"role-name", required_argument, 0, 'N'},
                                              {"output", required_argument, 0, 'o'},
                                              {"profile", required_argument, 0, 'P'},
                                              {"region", required_argument, 0, 'R'},
                                              {"endpoint-url", required_argument, 0, 'E'},
                                              {0, 0, 0, 0}};
    topts o;
    memset(&o, 0, sizeof o);
    optind = 0;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'n': o.name = optarg; break;
        case 'b': o.bucket = optarg; break;
        case 'p': o.prefix = optarg; break;
        case 'r': o.report = optarg; break;
        case 'x': o.external_id = optarg; break;
        case 't': o.principal = optarg; break;
        case 'N': o.role_name = optarg; break;
        case 'o': o.output = optarg; break;
        case 'P': o.aws.profile = optarg; break;
        case 'R': o.aws.region = optarg; break;
        case 'E': o.aws.endpoint_url = optarg; break;
        default:
            return rk_cli_fail(RK_EXIT_USAGE, "%s %s; see `reckon connect template --help`",
                               optopt ? "option needs a value:" : "unknown option", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return rk_cli_fail(RK_EXIT_USAGE,
                           "connect template takes no argument (\"%s\"); name the connection with --name",
                           argv[optind]);
    if (o.output && strcmp(o.output, "-") == 0) o.output = NULL;

    /* Everything the user typed is checked before anything is read or saved. */
    rk_err err = {0};
    if (o.bucket && rk_s3_check_bucket_name(o.bucket, &err) != RK_OK)
        return rk_cli_fail(RK_EXIT_USAGE, "--bucket: %s", err.msg);
    if (o.prefix && rk_connect_check_prefix(o.prefix, &err) != RK_OK)
        return rk_cli_fail(RK_EXIT_USAGE, "--prefix: %s", err.msg);
    if (o.report && rk_connect_check_report_name(o.report, &err) != RK_OK)
        return rk_cli_fail(RK_EXIT_USAGE, "--report: %s", err.msg);
    if (o.external_id && rk_connect_check_external_id(o.external_id, &err) != RK_OK)
        return rk_cli_fail(RK_EXIT_USAGE, "--external-id: %s", err.msg);
    if (o.role_name && rk_connect_check_role_name(o.role_name, &err) != RK_OK)
        return rk_cli_fail(RK_EXIT_USAGE, "--role-name: %s", err.msg);
    char *principal = NULL;
    if (o.principal) {
        /* Form only; the note about sessions is printed once, later. */
        if (rk_connect_trust_principal(o.principal, &principal, NULL, &err) != RK_OK)
            return rk_cli_fail(RK_EXIT_USAGE, "--trust-principal: %s", err.msg);
        free(principal);
        principal = NULL;
    }
    const char *name = o.name ? o.name : o.bucket;
    if (!name)
        return rk_cli_fail(RK_EXIT_USAGE, "give --bucket BUCKET (and --prefix) for a new connection, or --name NAME of "
                                          "a saved one; see `reckon connect template --help`");
    if (rk_connection_check_name(name, &err) != RK_OK)
        return rk_cli_fail(RK_EXIT_USAGE, "%s%s", o.name ? "--name: " : "", err.msg);
    char role_name[128];
    if (o.role_name) {
        snprintf(role_name, sizeof role_name, "%s", o.role_name);
    } else {
        snprintf(role_name, sizeof role_name, "reckon-read-%s", name);
        if (rk_connect_check_role_name(role_name, &err) != RK_OK)
            return rk_cli_fail(RK_EXIT_USAGE, "the default role name reckon-read-%s is too long for IAM (at most %d "
                                              "characters); pass --role-name",
                               name, RK_IAM_ROLE_NAME_MAX);
    }
    char *norm_prefix = o.prefix ? rk_connect_norm_prefix(o.prefix) : NULL;
    if (o.prefix && !norm_prefix) return rk_cli_fail(RK_EXIT_FATAL, "out of memory");

    rk_ws *ws;
    int rc = open_ws(cli, &ws);
    if (rc != RK_EXIT_OK) {
        free(norm_prefix);
        return rc;
    }
    rk_connection c;
    memset(&c, 0, sizeof c);
    bool exists = false, changed = false;
    rk_status st = rk_ws_connection_get(ws, name, &c, &err);
    if (st == RK_OK) {
        exists = true;
    } else if (st == RK_ENOTFOUND) {
        memset(&c, 0, sizeof c);
        c.name = rk_xstrdup(name);
    } else {
        rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    }
    if (rc == RK_EXIT_OK) rc = merge(&o, norm_prefix, exists, &c, &changed);
    if (rc == RK_EXIT_OK) rc = trust_principal(&o, &c, &principal);
    char *json = NULL;
    if (rc == RK_EXIT_OK) {
        rk_cfn_params p = {.connection = c.name,
                           .bucket = c.bucket,
                           .prefix = c.prefix,
                           .external_id = c.external_id,
                           .trust_principal = principal,
                           .role_name = role_name};
        if (rk_connect_template(&p, &json, &err) != RK_OK) rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    }
    /* Saved before the template is written: a template always carries an
     * ExternalId the workspace knows. */
    if (!c.role_arn) c.pending = true; /* not synced until `connect aws` gives it its role */
    if (rc == RK_EXIT_OK && changed && rk_ws_connection_save(ws, &c, &err) != RK_OK)
        rc = rk_cli_fail(err.code == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    rk_ws_close(ws);
    if (rc == RK_EXIT_OK) {
        if (o.output) {
            if (write_atomic(o.output, json, &err) != RK_OK) rc = rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
            else printf("Wrote %s.\n", o.output);
        } else {
            fputs(json, stdout);
            fflush(stdout);
        }
    }
    if (rc == RK_EXIT_OK) {
        if (changed)
            fprintf(o.output ? stdout : stderr, "%s connection %s%s.\n", exists ? "Updated" : "Saved", c.name,
                    c.role_arn ? "" : " (waiting for its role)");
        steps(o.output ? stdout : stderr, &c, role_name, principal, o.output);
    }
    free(json);
    free(principal);
    free(norm_prefix);
    rk_connection_free(&c);
    return rc;
}
