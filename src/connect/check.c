/* check.c — the checks of `reckon connect aws` (see check.h).
 *
 * Each check fills one rk_check and hands it to push(), which counts it and
 * tells the caller at once (a slow bucket shows progress line by line). The
 * network checks share one AWS session for the credentials and the bucket's
 * region; listing, discovery and reads go through the S3 source, exactly as
 * `reckon sync` will read the bucket, so what passes here is what sync does.
 */
#include "connect/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/s3.h"
#include "common/mem.h"
#include "connect/validate.h"
#include "cur/discover.h"
#include "cur/probe.h"
#include "source/source.h"

const char *rk_check_level_name(rk_check_level l)
{
    switch (l) {
    case RK_CHECK_PASS: return "PASS";
    case RK_CHECK_WARN: return "WARN";
    case RK_CHECK_FAIL: return "FAIL";
    case RK_CHECK_SKIP: return "SKIP";
    }
    return "?";
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

void rk_checks_free(rk_checks *c)
{
    if (!c) return;
    free(c->v);
    free(c->identity);
    free(c->bucket_region);
    strv_free(c->reports, c->nreports);
    free(c->report);
    free(c->format);
    free(c->layout);
    strv_free(c->periods, c->nperiods);
    free(c->newest);
    free(c->granularity);
    memset(c, 0, sizeof *c);
}

typedef struct cx {
    const rk_connection *c;
    const rk_check_opts *o;
    rk_checks *out;
    rk_status st; /* RK_ENOMEM once an allocation failed */
    char uri[1024]; /* s3://BUCKET/PREFIX, for messages */
    const char *name; /* the connection's name, for fixes */
} cx;

static void setf(char *dst, size_t cap, const char *fmt, va_list ap)
{
    vsnprintf(dst, cap, fmt, ap);
}

static void title(rk_check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void title(rk_check *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    setf(k->title, sizeof k->title, fmt, ap);
    va_end(ap);
}

static void detail(rk_check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void detail(rk_check *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    setf(k->detail, sizeof k->detail, fmt, ap);
    va_end(ap);
}

static void fix(rk_check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fix(rk_check *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    setf(k->fix, sizeof k->fix, fmt, ap);
    va_end(ap);
}

static rk_check mk(const char *id, rk_check_level level)
{
    rk_check k;
    memset(&k, 0, sizeof k);
    k.id = id;
    k.level = level;
    return k;
}

/* Records a finished check and tells the caller. */
static void push(cx *x, const rk_check *k)
{
    rk_checks *o = x->out;
    if (RK_GROW(o->v, o->cap, o->n + 1) != RK_OK) {
        x->st = RK_ENOMEM;
        return;
    }
    o->v[o->n++] = *k;
    switch (k->level) {
    case RK_CHECK_PASS: o->npass++; break;
    case RK_CHECK_WARN: o->nwarn++; break;
    case RK_CHECK_FAIL: o->nfail++; break;
    case RK_CHECK_SKIP: o->nskip++; break;
    }
    if (x->o && x->o->on_check) x->o->on_check(x->o->ctx, k);
}

static char *dup_or(cx *x, const char *s)
{
    if (!s) return NULL;
    char *d = rk_strdup(s);
    if (!d) x->st = RK_ENOMEM;
    return d;
}

/* Who the permission fixes name: the role, else the identity reckon reads as. */
static const char *principal(const cx *x)
{
    if (x->c->role_arn && *x->c->role_arn) return x->c->role_arn;
    return x->out->identity ? x->out->identity : "the identity reckon reads as";
}

static bool has(const char *msg, const char *what) { return strstr(msg, what) != NULL; }
static bool denied(const char *msg)
{
    return has(msg, "AccessDenied") || has(msg, "HTTP 403") || has(msg, "AllAccessDisabled");
}

/* ---- 1-2: forms ---- */

static bool check_forms(cx *x)
{
    const rk_connection *c = x->c;
    rk_err e = {0};
    bool ok = true;

    rk_check k = mk("bucket-name", RK_CHECK_PASS);
    if (!c->bucket || !*c->bucket) {
        k.level = RK_CHECK_FAIL;
        title(&k, "bucket name: none given");
        fix(&k, "give the bucket AWS delivers the report to: --bucket BUCKET");
    } else if (rk_s3_check_bucket_name(c->bucket, &e) != RK_OK) {
        k.level = RK_CHECK_FAIL;
        title(&k, "bucket name \"%.200s\" breaks S3's naming rules", c->bucket);
        detail(&k, "%s", e.msg);
        fix(&k, "give the bucket's name as the S3 console shows it: 3 to 63 lower-case letters, digits, dots and "
                "hyphens, starting and ending with a letter or digit");
    } else {
        title(&k, "bucket name %s", c->bucket);
    }
    ok = ok && k.level != RK_CHECK_FAIL;
    push(x, &k);

    const char *prefix = c->prefix ? c->prefix : "";
    k = mk("prefix", RK_CHECK_PASS);
    if (rk_connect_check_prefix(prefix, &e) != RK_OK) {
        k.level = RK_CHECK_FAIL;
        title(&k, "report prefix \"%.200s\" has characters a CUR prefix cannot have", prefix);
        detail(&k, "%s", e.msg);
        fix(&k, "give --prefix as the report's definition shows it (S3 path prefix): letters, digits, / and "
                "!-_.*'() only");
    } else if (*prefix) {
        title(&k, "report prefix %s", prefix);
    } else {
        title(&k, "report prefix: none (the bucket's root)");
    }
    ok = ok && k.level != RK_CHECK_FAIL;
    push(x, &k);

    k = mk("report-name", RK_CHECK_PASS);
    if (c->report && *c->report) {
        if (rk_connect_check_report_name(c->report, &e) != RK_OK) {
            k.level = RK_CHECK_FAIL;
            title(&k, "report name \"%.200s\" has characters a CUR name cannot have", c->report);
            detail(&k, "%s", e.msg);
            fix(&k, "give --report as AWS shows the report (or export) name: letters, digits and !-_.*'() only");
        } else {
            title(&k, "report name %s", c->report);
        }
    } else {
        title(&k, "report name: not given (every report under the prefix)");
    }
    ok = ok && k.level != RK_CHECK_FAIL;
    push(x, &k);

    k = mk("role-arn", RK_CHECK_PASS);
    if (c->role_arn && *c->role_arn) {
        if (rk_aws_check_role_arn(c->role_arn, &e) != RK_OK) {
            k.level = RK_CHECK_FAIL;
            title(&k, "role ARN \"%.200s\" is not a role ARN", c->role_arn);
            detail(&k, "%s", e.msg);
            fix(&k, "give --role-arn as the stack's RoleArn output shows it: arn:aws:iam::ACCOUNT:role/NAME");
        } else {
            title(&k, "role ARN %s", c->role_arn);
        }
    } else {
        k.level = RK_CHECK_SKIP;
        title(&k, "role ARN: none given; the host's own AWS credentials read the bucket");
    }
    ok = ok && k.level != RK_CHECK_FAIL;
    push(x, &k);
    if (!ok) x->out->usage = true;
    return ok;
}

/* ---- 3: credentials ---- */

static void aws_opts(const rk_connection *c, const char *region, rk_aws_opts *ao)
{
    memset(ao, 0, sizeof *ao);
    ao->profile = c->profile && *c->profile ? c->profile : NULL;
    ao->region = region && *region ? region : NULL;
    ao->endpoint_url = c->endpoint_url && *c->endpoint_url ? c->endpoint_url : NULL;
    if (c->role_arn && *c->role_arn) {
        ao->role_arn = c->role_arn;
        ao->external_id = c->external_id && *c->external_id ? c->external_id : NULL;
    }
}

/* Who the host's own credentials are (for the trust-policy fix); "" when
 * that cannot be told. */
static void host_identity(const rk_connection *c, char *out, size_t cap)
{
    rk_connection base = *c;
    base.role_arn = NULL;
    rk_aws_opts ao;
    aws_opts(&base, c->region, &ao);
    rk_aws *a = NULL;
    rk_err e = {0};
    rk_aws_identity id;
    *out = 0;
    if (rk_aws_open(&ao, &a, &e) == RK_OK && rk_aws_caller_identity(a, &id, &e) == RK_OK)
        snprintf(out, cap, "%s", id.arn);
    rk_aws_close(a);
}

static bool check_credentials(cx *x, rk_aws **aws)
{
    const rk_connection *c = x->c;
    bool role = c->role_arn && *c->role_arn;
    rk_aws_opts ao;
    aws_opts(c, c->region, &ao);
    rk_err e = {0};
    rk_aws_identity id;
    rk_aws *a = NULL;
    rk_status s = rk_aws_open(&ao, &a, &e);
    if (s == RK_OK) s = rk_aws_check_credentials(a, &e);
    if (s == RK_OK) s = rk_aws_caller_identity(a, &id, &e);
    rk_check k = mk("credentials", RK_CHECK_PASS);
    if (s == RK_OK) {
        if (role) title(&k, "credentials: assumed %s with its ExternalId; reading as %s", c->role_arn, id.arn);
        else title(&k, "credentials: reading as %s (the host's own credentials)", id.arn);
        x->out->identity = dup_or(x, id.arn);
        push(x, &k);
        *aws = a;
        return true;
    }
    rk_aws_close(a);
    k.level = RK_CHECK_FAIL;
    detail(&k, "%s", e.msg);
    if (role && has(e.msg, "STS says AccessDenied")) {
        char host[512];
        host_identity(c, host, sizeof host);
        title(&k, "credentials: cannot assume %s (access denied: the trust policy or the ExternalId)", c->role_arn);
        fix(&k,
            "the role's trust policy must let %s call sts:AssumeRole with the condition sts:ExternalId = \"%s\" (the "
            "connection's ExternalId): write that policy with `reckon connect template --name %s` and create or "
            "update the stack, or give --external-id with the ExternalId the trust policy already names",
            *host ? host : "the principal this host runs as", c->external_id ? c->external_id : "", x->name);
    } else if (has(e.msg, "no AWS credentials found") || has(e.msg, "has no credentials")) {
        title(&k, "credentials: none found on this host");
        fix(&k, "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys) in the "
                "environment, give --profile NAME of ~/.aws/credentials or ~/.aws/config (`aws configure` writes "
                "one), or run reckon where an instance role (EC2) or a task role (ECS, EKS Pod Identity) gives it "
                "credentials");
    } else if (has(e.msg, "does not match") || has(e.msg, "AWS does not know") || has(e.msg, "InvalidToken") ||
               has(e.msg, "has expired")) {
        title(&k, "credentials: AWS refuses this host's credentials");
        fix(&k, "fix the host's keys (the environment's AWS_* variables or the profile): %s", e.msg);
    } else if (e.code == RK_EUSAGE || e.code == RK_EUNSUPPORTED) {
        title(&k, "credentials: the AWS settings cannot be used");
        fix(&k, "%s", e.msg);
    } else {
        title(&k, "credentials: could not be checked");
        fix(&k, "check the network and the endpoint (--endpoint-url, AWS_ENDPOINT_URL_STS), then run this again");
    }
    push(x, &k);
    return false;
}

/* ---- 4: the bucket's region ---- */

static bool check_region(cx *x, rk_aws *a, char *region, size_t cap)
{
    const rk_connection *c = x->c;
    rk_err e = {0};
    rk_s3 *s3 = NULL;
    rk_status s = rk_s3_open(a, c->bucket, &s3, &e);
    if (s == RK_OK) s = rk_s3_location(s3, region, cap, &e);
    rk_s3_close(s3);
    rk_check k = mk("region", RK_CHECK_PASS);
    if (s == RK_OK) {
        x->out->bucket_region = dup_or(x, region);
        if (strcmp(region, "us-east-1") == 0) {
            title(&k, "bucket region us-east-1");
        } else {
            k.level = RK_CHECK_WARN;
            title(&k, "bucket region %s, not us-east-1", region);
            detail(&k, "AWS's Cost and Usage Reports are set up in us-east-1 and deliver to a bucket there; a bucket in "
                       "%s is often a copy (replication, a sync job) or a report that AWS stopped delivering. reckon "
                       "reads the bucket in %s all the same",
                       region, region);
            fix(&k, "nothing for reckon; if AWS does not deliver to this bucket, connect the bucket it delivers to (in "
                    "us-east-1) so that `reckon sync` sees new deliveries");
        }
        push(x, &k);
        return true;
    }
    *region = 0;
    detail(&k, "%s", e.msg);
    if (has(e.msg, "NoSuchBucket") || has(e.msg, "does not exist")) {
        k.level = RK_CHECK_FAIL;
        title(&k, "bucket %s does not exist", c->bucket);
        fix(&k, "check --bucket (and --endpoint-url for an S3-compatible store)");
        push(x, &k);
        return false;
    }
    k.level = RK_CHECK_WARN;
    if (denied(e.msg)) {
        title(&k, "bucket region: unknown (GetBucketLocation denied)");
        fix(&k, "allow s3:GetBucketLocation on arn:aws:s3:::%s (the role of `reckon connect template` has it); "
                "reckon follows the bucket's region without it",
            c->bucket);
    } else {
        title(&k, "bucket region: unknown (GetBucketLocation failed)");
        fix(&k, "reckon follows the bucket's region without it; if the checks below fail too, check the network and "
                "--endpoint-url");
    }
    push(x, &k);
    return true;
}

/* ---- 5: the listing ---- */

static bool check_list(cx *x, const char *region, rk_source **src, rk_object **objs, size_t *n)
{
    const rk_connection *c = x->c;
    const char *prefix = c->prefix ? c->prefix : "";
    rk_aws_opts ao;
    aws_opts(c, c->region && *c->region ? c->region : region, &ao);
    rk_err e = {0};
    rk_status s = rk_source_s3(x->uri, &ao, src, &e);
    if (s == RK_OK) s = rk_source_list(*src, objs, n, &e);
    rk_check k = mk("list", RK_CHECK_PASS);
    if (s == RK_OK) {
        x->out->objects = *n;
        title(&k, "list %s/: %zu object%s", x->uri, *n, *n == 1 ? "" : "s");
        push(x, &k);
        return true;
    }
    k.level = RK_CHECK_FAIL;
    detail(&k, "%s", e.msg);
    if (denied(e.msg)) {
        title(&k, "list %s/: access denied", x->uri);
        fix(&k,
            "allow s3:ListBucket on arn:aws:s3:::%s with the condition s3:prefix = \"%s%s*\" to %s (the role of "
            "`reckon connect template --name %s` has it)",
            c->bucket, prefix, *prefix ? "/" : "", principal(x), x->name);
    } else if (has(e.msg, "NoSuchBucket")) {
        title(&k, "list %s/: the bucket does not exist", x->uri);
        fix(&k, "check --bucket (and --endpoint-url for an S3-compatible store)");
    } else {
        title(&k, "list %s/: failed", x->uri);
        fix(&k, "check the network, --endpoint-url and --region, then run this again");
    }
    push(x, &k);
    return false;
}

/* ---- 6: the report ---- */

typedef struct rep {
    const char *path, *name;
    rk_fmt fmt;
    size_t nplans;
    size_t newest; /* index of its newest plan */
} rep;

static bool aws_delivery(const rk_plan *p)
{
    return p->manifest || p->fmt == RK_FMT_ATHENA_PARQUET || p->fmt == RK_FMT_CUR2_CSV || p->fmt == RK_FMT_CUR2_PARQUET;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int cmp_rep(const void *a, const void *b)
{
    const rep *x = a, *y = b;
    int r = strcmp(x->name, y->name);
    return r ? r : strcmp(x->path, y->path);
}

/* "a (legacy-csv, 2 periods), b (…)" into out. */
static void list_reps(const rep *r, size_t n, const char *skip, char *out, size_t cap)
{
    size_t k = 0;
    *out = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        if (skip && strcmp(r[i].name, skip) == 0) continue;
        k += (size_t)snprintf(out + k, cap - k, "%s%s (%s, %zu period%s)", k ? ", " : "", r[i].name,
                              rk_fmt_name(r[i].fmt), r[i].nplans, r[i].nplans == 1 ? "" : "s");
    }
    if (k >= cap && cap > 4) memcpy(out + cap - 4, "...", 4);
}

/* The top-level folders of the listing (what is there instead). */
static void list_tops(const rk_object *objs, size_t n, char *out, size_t cap)
{
    size_t k = 0, shown = 0;
    *out = 0;
    const char *last = NULL;
    size_t lastn = 0;
    for (size_t i = 0; i < n && shown < 6 && k + 1 < cap; i++) {
        const char *key = objs[i].key;
        size_t l = strcspn(key, "/");
        if (last && l == lastn && strncmp(key, last, l) == 0) continue;
        last = key;
        lastn = l;
        k += (size_t)snprintf(out + k, cap - k, "%s%.*s%s", k ? ", " : "", (int)(l > 120 ? 120 : l), key,
                              key[l] ? "/" : "");
        shown++;
    }
    if (k >= cap && cap > 4) memcpy(out + cap - 4, "...", 4);
}

/* Picks the report the data checks look at: *target, its newest plan *plan. */
static bool check_report(cx *x, const rk_discovery *d, const rk_object *objs, size_t nobjs, const rk_plan **plan)
{
    const rk_connection *c = x->c;
    const char *want = c->report && *c->report ? c->report : NULL;
    rep *reps = calloc(d->nplans ? d->nplans : 1, sizeof *reps);
    if (!reps) {
        x->st = RK_ENOMEM;
        return false;
    }
    size_t nrep = 0, loose = 0;
    const char *loose_dir = NULL;
    for (size_t i = 0; i < d->nplans; i++) {
        const rk_plan *p = &d->plans[i];
        if (!aws_delivery(p)) {
            loose += p->nfiles;
            if (!loose_dir) loose_dir = p->report_path;
            continue;
        }
        size_t r = 0;
        while (r < nrep && !(strcmp(reps[r].path, p->report_path) == 0 && strcmp(reps[r].name, p->report_name) == 0))
            r++;
        if (r == nrep) {
            reps[nrep++] = (rep){.path = p->report_path, .name = p->report_name, .fmt = p->fmt, .newest = i};
        }
        reps[r].nplans++;
        const rk_plan *q = &d->plans[reps[r].newest];
        if (p->period && (!q->period || strcmp(p->period, q->period) > 0)) {
            reps[r].newest = i;
            reps[r].fmt = p->fmt;
        }
    }
    if (nrep > 1) qsort(reps, nrep, sizeof *reps, cmp_rep);
    /* every report's name, once */
    x->out->reports = calloc(nrep ? nrep : 1, sizeof *x->out->reports);
    if (!x->out->reports) x->st = RK_ENOMEM;
    for (size_t r = 0; r < nrep && x->out->reports; r++) {
        bool seen = false;
        for (size_t q = 0; q < x->out->nreports; q++) seen = seen || strcmp(x->out->reports[q], reps[r].name) == 0;
        if (!seen && (x->out->reports[x->out->nreports] = dup_or(x, reps[r].name))) x->out->nreports++;
    }
    if (x->out->nreports > 1) qsort(x->out->reports, x->out->nreports, sizeof *x->out->reports, cmp_str);

    rk_check k = mk("report", RK_CHECK_PASS);
    char found[700];
    const char *prefix = c->prefix ? c->prefix : "";
    if (nrep == 0) {
        k.level = RK_CHECK_FAIL;
        title(&k, "no Cost and Usage Report delivery under %s/", x->uri);
        if (nobjs == 0) {
            detail(&k, "the prefix holds no object at all");
        } else if (loose) {
            list_tops(objs, nobjs, found, sizeof found);
            detail(&k,
                   "found %zu object%s (%s), among them %zu CSV or Parquet file%s without a manifest (in %s/), but no "
                   "report AWS delivers: no <report>-Manifest.json, no year=/month= folder, no data/BILLING_PERIOD= "
                   "folder",
                   nobjs, nobjs == 1 ? "" : "s", found, loose, loose == 1 ? "" : "s", *loose_dir ? loose_dir : ".");
        } else {
            list_tops(objs, nobjs, found, sizeof found);
            detail(&k, "found %zu object%s (%s), none of them a report AWS delivers", nobjs, nobjs == 1 ? "" : "s",
                   found);
        }
        fix(&k,
            "give --prefix the report's S3 path prefix as its definition shows it (Billing and Cost Management → Data "
            "Exports)%s; a new report's first delivery can take up to 24 hours",
            *prefix ? ", without the report name" : "");
        push(x, &k);
        free(reps);
        return false;
    }
    /* the reports this connection syncs, and the one the data checks read */
    size_t target = SIZE_MAX, nsel = 0;
    for (size_t r = 0; r < nrep; r++) {
        if (want && strcmp(reps[r].name, want) != 0) continue;
        nsel++;
        const rk_plan *p = &d->plans[reps[r].newest];
        if (target == SIZE_MAX) target = r;
        else {
            const rk_plan *q = &d->plans[reps[target].newest];
            if (p->period && (!q->period || strcmp(p->period, q->period) > 0)) target = r;
        }
    }
    if (target == SIZE_MAX) {
        list_reps(reps, nrep, NULL, found, sizeof found);
        k.level = RK_CHECK_FAIL;
        title(&k, "report %s: not found under %s/", want, x->uri);
        detail(&k, "the prefix holds %s %s", nrep == 1 ? "one other report:" : "other reports:", found);
        fix(&k, "give --report with the name of one of those (or leave --report out to sync every report under the "
                "prefix); names are case-sensitive");
        push(x, &k);
        free(reps);
        return false;
    }
    const rep *t = &reps[target];
    const rk_plan *np = &d->plans[t->newest];
    /* periods of the target report */
    x->out->report = dup_or(x, t->name);
    x->out->format = dup_or(x, rk_fmt_name(t->fmt));
    x->out->layout = dup_or(x, np->layout);
    x->out->periods = calloc(t->nplans ? t->nplans : 1, sizeof *x->out->periods);
    if (!x->out->periods) x->st = RK_ENOMEM;
    for (size_t i = 0; i < d->nplans && x->out->periods; i++) {
        const rk_plan *p = &d->plans[i];
        if (!p->period || strcmp(p->report_path, t->path) != 0 || strcmp(p->report_name, t->name) != 0) continue;
        bool seen = false;
        for (size_t q = 0; q < x->out->nperiods; q++) seen = seen || strcmp(x->out->periods[q], p->period) == 0;
        if (!seen && (x->out->periods[x->out->nperiods] = dup_or(x, p->period))) x->out->nperiods++;
    }
    if (x->out->nperiods > 1) qsort(x->out->periods, x->out->nperiods, sizeof *x->out->periods, cmp_str);
    if (x->out->nperiods) x->out->newest = dup_or(x, x->out->periods[x->out->nperiods - 1]);
    char span[64] = "";
    if (x->out->nperiods > 1)
        snprintf(span, sizeof span, " (%s to %s)", x->out->periods[0], x->out->periods[x->out->nperiods - 1]);
    else if (x->out->nperiods == 1)
        snprintf(span, sizeof span, " (%s)", x->out->periods[0]);
    if (want || nsel == 1) {
        title(&k, "report %s: %s, %zu billing period%s%s", t->name, rk_fmt_name(t->fmt), x->out->nperiods,
              x->out->nperiods == 1 ? "" : "s", span);
        if (nrep > nsel) {
            list_reps(reps, nrep, t->name, found, sizeof found);
            detail(&k, "the prefix also holds %s; this connection syncs only %s", found, t->name);
        }
    } else {
        list_reps(reps, nrep, NULL, found, sizeof found);
        title(&k, "%zu reports under %s/: %s", nsel, x->uri, found);
        detail(&k, "this connection syncs all of them (give --report NAME to sync one); the checks below read %s, "
                   "whose newest period is %s",
               t->name, x->out->newest ? x->out->newest : "unknown");
    }
    push(x, &k);
    *plan = np;
    free(reps);
    return true;
}

/* ---- 7: read access ---- */

static bool check_read(cx *x, rk_source *src, const rk_plan *p)
{
    const rk_connection *c = x->c;
    const char *prefix = c->prefix ? c->prefix : "";
    const rk_object *obj = p->nfiles ? &p->files[0] : p->manifest_obj.key ? &p->manifest_obj : NULL;
    rk_check k = mk("read", RK_CHECK_PASS);
    if (!obj) {
        k.level = RK_CHECK_SKIP;
        title(&k, "read: the newest delivery (%s) names no object to read", p->period ? p->period : "?");
        push(x, &k);
        return false;
    }
    rk_err e = {0};
    uint8_t buf[1024];
    size_t len = obj->size < sizeof buf ? (size_t)obj->size : sizeof buf;
    rk_status s;
    if (len) {
        s = rk_source_read_range(src, obj->key, 0, buf, len, &e);
    } else {
        rk_in *in = NULL;
        size_t got = 0;
        s = rk_source_open(src, obj->key, &in, &e);
        if (s == RK_OK) s = rk_in_read(in, buf, sizeof buf, &got, &e);
        rk_in_close(in);
    }
    if (s == RK_OK) {
        title(&k, "read %s%s%s", prefix, *prefix ? "/" : "", obj->key);
        push(x, &k);
        return true;
    }
    k.level = RK_CHECK_FAIL;
    detail(&k, "%s", e.msg);
    if (denied(e.msg)) {
        title(&k, "read %s%s%s: access denied", prefix, *prefix ? "/" : "", obj->key);
        fix(&k, "allow s3:GetObject on arn:aws:s3:::%s/%s%s* to %s (the role of `reckon connect template --name %s` "
                "has it)",
            c->bucket, prefix, *prefix ? "/" : "", principal(x), x->name);
    } else {
        title(&k, "read %s%s%s: failed", prefix, *prefix ? "/" : "", obj->key);
        fix(&k, "check the network and --endpoint-url, then run this again");
    }
    push(x, &k);
    return false;
}

/* The newest delivery as discovery saw it (after the read check). */
static void check_delivery(cx *x, const rk_plan *p)
{
    if (p->status != RK_PLAN_ERROR && p->status != RK_PLAN_UNSUPPORTED) return;
    rk_check k = mk("delivery", RK_CHECK_WARN);
    title(&k, "newest delivery (%s) cannot be read as delivered", p->period ? p->period : "?");
    detail(&k, "%s", p->message ? p->message : "");
    fix(&k, "`reckon sync` reports this period as failed until AWS delivers it whole again (at its next refresh); "
            "the other periods sync normally");
    push(x, &k);
}

/* ---- 8: the report's settings, from its data ---- */

static bool new_version(const rk_plan *p)
{
    if (strcmp(p->layout, "new-version") == 0) return true;
    if (strcmp(p->layout, "cur2") != 0) return false;
    for (size_t i = 0; i < p->nfiles; i++) {
        const char *s = strstr(p->files[i].key, "BILLING_PERIOD=");
        if (s && (s = strchr(s, '/')) && strchr(s + 1, '/')) return true;
    }
    return false;
}

static void check_data(cx *x, rk_source *src, const rk_plan *p, const rk_discovery *d)
{
    rk_err e = {0};
    rk_probe pr;
    size_t rows = x->o && x->o->sample_rows ? x->o->sample_rows : RK_PROBE_ROWS;
    rk_status s = p->nfiles ? rk_probe_plan(src, p, rows, &pr, &e) : RK_ENOTFOUND;
    bool cur2 = p->fmt == RK_FMT_CUR2_CSV || p->fmt == RK_FMT_CUR2_PARQUET;
    rk_check k;
    if (s == RK_ENOMEM) {
        x->st = RK_ENOMEM;
        return;
    }
    if (s != RK_OK) {
        k = mk("granularity", RK_CHECK_WARN);
        title(&k, "report settings: the newest delivery (%s) could not be sampled", p->period ? p->period : "?");
        detail(&k, "%s", p->nfiles ? e.msg : "it lists no data file");
        fix(&k, "`reckon sync` reports what is wrong with this period; its granularity and resource IDs were not "
                "checked");
        push(x, &k);
    } else {
        char where[600];
        const char *prefix = x->c->prefix ? x->c->prefix : "";
        snprintf(where, sizeof where, "the first %llu rows of %s%s%s", (unsigned long long)pr.rows, prefix,
                 *prefix ? "/" : "", pr.file);
        x->out->granularity = dup_or(x, rk_gran_name(pr.granularity));
        x->out->resource_ids = pr.resource_rows > 0;

        k = mk("granularity", RK_CHECK_PASS);
        if (pr.granularity == RK_GRAN_HOURLY) {
            title(&k, "granularity: hourly");
        } else if (pr.granularity == RK_GRAN_UNKNOWN) {
            k.level = RK_CHECK_SKIP;
            title(&k, "granularity: unknown (no usage row with a time interval in %s)", where);
        } else {
            k.level = RK_CHECK_WARN;
            title(&k, "granularity: %s, not hourly", rk_gran_name(pr.granularity));
            detail(&k, "the shortest usage interval in %s is %lld h; reckon still works (costs are exact), but "
                       "hourly views, commitment coverage by hour and anomaly detection need hourly rows",
                   where, (long long)(pr.min_interval_ms / 3600000));
            fix(&k, "%s", cur2 ? "edit the export (Billing and Cost Management → Data Exports → the export → Edit) "
                                 "and set Time granularity to Hourly"
                               : "edit the report (Billing and Cost Management → Data Exports → Cost and Usage "
                                 "Reports (Legacy)) and set Time granularity to Hourly, or create a new hourly "
                                 "report under the same prefix");
        }
        push(x, &k);

        k = mk("resource-ids", RK_CHECK_PASS);
        if (pr.has_resource_col && pr.resource_rows) {
            title(&k, "resource IDs: included (%llu of %s have one)", (unsigned long long)pr.resource_rows, where);
        } else {
            k.level = RK_CHECK_WARN;
            if (!pr.has_resource_col)
                title(&k, "resource IDs: not included (%s%s%s has no lineItem/ResourceId column)", prefix,
                      *prefix ? "/" : "", pr.file);
            else
                title(&k, "resource IDs: none in %s (the line_item_resource_id column is empty)", where);
            detail(&k, "without resource IDs reckon cannot show costs per instance, volume or bucket");
            fix(&k, "edit the %s and tick \"Include resource IDs\"; AWS adds them from the next delivery on",
                cur2 ? "export" : "report");
        }
        push(x, &k);
        rk_probe_free(&pr);
    }

    k = mk("format", RK_CHECK_PASS);
    switch (p->fmt) {
    case RK_FMT_ATHENA_PARQUET: title(&k, "format: Parquet with the Athena integration"); break;
    case RK_FMT_CUR2_PARQUET: title(&k, "format: Parquet (CUR 2.0 export)"); break;
    case RK_FMT_LEGACY_PARQUET: title(&k, "format: Parquet"); break;
    default:
        k.level = RK_CHECK_WARN;
        title(&k, "format: CSV (%s), not Parquet", rk_fmt_name(p->fmt));
        detail(&k, "reckon reads CSV, but Parquet files are several times smaller and faster to read, and are what "
                   "the Athena integration delivers");
        fix(&k, "%s", cur2 ? "edit the export and set its file format to Parquet"
                           : "create the report with \"Enable report data integration for Amazon Athena\" (Parquet, "
                             "overwrite), or make it a CUR 2.0 export in Parquet; reckon reads both");
        break;
    }
    push(x, &k);

    k = mk("versioning", RK_CHECK_PASS);
    if (strcmp(p->layout, "files") == 0) {
        k.level = RK_CHECK_SKIP;
        title(&k, "versioning: unknown (files without a manifest)");
    } else if (new_version(p)) {
        k.level = RK_CHECK_WARN;
        title(&k, "versioning: create new report version, not overwrite");
        detail(&k, "every delivery is kept in a folder of its own, so the bucket grows with every refresh (reckon "
                   "reads only the newest)");
        fix(&k, "set the %s's versioning to \"Overwrite existing report\" (%s), or expire old deliveries with an S3 "
                "lifecycle rule",
            cur2 ? "export" : "report", cur2 ? "file versioning: overwrite existing data export file" : "report versioning");
    } else {
        title(&k, "versioning: overwrite");
    }
    push(x, &k);

    /* Athena's status file: any period of the report AWS is rewriting */
    for (size_t i = 0; i < d->nplans; i++) {
        const rk_plan *q = &d->plans[i];
        if (q->status != RK_PLAN_WAITING || strcmp(q->report_path, p->report_path) != 0 ||
            strcmp(q->report_name, p->report_name) != 0)
            continue;
        k = mk("athena-status", RK_CHECK_WARN);
        title(&k, "AWS is updating the report right now (its Athena status file says UPDATING)");
        detail(&k, "%s", q->message ? q->message : "");
        fix(&k, "nothing to do: `reckon sync` reads the changed months once the status says READY");
        push(x, &k);
        break;
    }
}

rk_status rk_connect_run_checks(const rk_connection *c, const rk_check_opts *o, rk_checks *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    cx x = {.c = c, .o = o, .out = out, .name = c->name && *c->name ? c->name : "NAME"};
    const char *prefix = c->prefix ? c->prefix : "";
    snprintf(x.uri, sizeof x.uri, "s3://%.300s%s%.600s", c->bucket ? c->bucket : "", *prefix ? "/" : "", prefix);

    rk_aws *aws = NULL;
    rk_source *src = NULL;
    rk_object *objs = NULL;
    size_t nobjs = 0;
    rk_discovery d;
    memset(&d, 0, sizeof d);
    bool have_d = false;
    char region[64] = "";
    const rk_plan *plan = NULL;

    if (!check_forms(&x) || x.st) goto done;
    if (!check_credentials(&x, &aws) || x.st) goto done;
    if (!check_region(&x, aws, region, sizeof region) || x.st) goto done;
    if (!check_list(&x, region, &src, &objs, &nobjs) || x.st) goto done;
    {
        rk_err e = {0};
        rk_status s = rk_discover(src, objs, nobjs, &d, &e);
        if (s == RK_ENOMEM) {
            x.st = RK_ENOMEM;
            goto done;
        }
        if (s != RK_OK) {
            rk_check k = mk("report", RK_CHECK_FAIL);
            title(&k, "the deliveries under %s/ could not be told apart", x.uri);
            detail(&k, "%s", e.msg);
            fix(&k, "check the network and run this again");
            push(&x, &k);
            goto done;
        }
        have_d = true;
    }
    if (!check_report(&x, &d, objs, nobjs, &plan) || x.st) goto done;
    if (!check_read(&x, src, plan) || x.st) goto done;
    check_delivery(&x, plan);
    if (x.st) goto done;
    check_data(&x, src, plan, &d);

done:
    if (have_d) rk_discovery_free(&d);
    rk_objects_free(objs, nobjs);
    rk_source_close(src);
    rk_aws_close(aws);
    if (x.st == RK_ENOMEM) return rk_err_set(err, RK_ENOMEM, "out of memory while checking the connection");
    return RK_OK;
}
