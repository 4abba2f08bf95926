/* template.c — the read-only role's CloudFormation template (JSON, jansson).
 * What it grants and why: see template.h. */
#include "connect/template.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

static bool iam_char(char c, const char *extra)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c && strchr(extra, c));
}

/* The first character of s outside the set, or NULL. */
static const char *bad_char(const char *s, const char *extra)
{
    for (; *s; s++)
        if (!iam_char(*s, extra)) return s;
    return NULL;
}

rk_status rk_connect_check_role_name(const char *name, rk_err *err)
{
    size_t n = strlen(name);
    if (n == 0 || n > RK_IAM_ROLE_NAME_MAX)
        return rk_err_set(err, RK_EUSAGE,
                          "the role name \"%.100s\" is %zu characters long; IAM allows 1 to %d: pass a shorter "
                          "--role-name",
                          name, n, RK_IAM_ROLE_NAME_MAX);
    const char *b = bad_char(name, "+=,.@_-");
    if (b)
        return rk_err_set(err, RK_EUSAGE,
                          "the role name \"%s\" has '%c' at position %zu; IAM role names hold only letters, digits "
                          "and +=,.@_-",
                          name, *b, (size_t)(b - name) + 1);
    return RK_OK;
}

rk_status rk_connect_check_external_id(const char *id, rk_err *err)
{
    size_t n = strlen(id);
    if (n < 2 || n > 1224)
        return rk_err_set(err, RK_EUSAGE,
                          "the external ID is %zu characters long; AWS allows 2 to 1224 (leave --external-id out "
                          "and reckon generates one)",
                          n);
    const char *b = bad_char(id, "+=,.@:/_-");
    if (b)
        return rk_err_set(err, RK_EUSAGE,
                          "the external ID has a character AWS does not allow at position %zu; it may hold only "
                          "letters, digits and +=,.@:/_-",
                          (size_t)(b - id) + 1);
    return RK_OK;
}

static bool account12(const char *s, size_t n)
{
    if (n != 12) return false;
    for (size_t i = 0; i < 12; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* A path and name: segments of IAM name characters separated by '/',
 * the last one not empty. */
static bool iam_path_name(const char *s)
{
    if (!*s || s[strlen(s) - 1] == '/' || strlen(s) > 512) return false;
    return bad_char(s, "+=,.@_-/") == NULL;
}

rk_status rk_connect_trust_principal(const char *in, char **out, bool *from_session, rk_err *err)
{
    *out = NULL;
    if (from_session) *from_session = false;
    size_t n = strlen(in);
    if (account12(in, n)) {
        char buf[64];
        snprintf(buf, sizeof buf, "arn:aws:iam::%s:root", in);
        *out = rk_strdup(buf);
        return *out ? RK_OK : rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    /* arn:PARTITION:SERVICE::ACCOUNT:RESOURCE */
    const char *p = in, *part = NULL, *svc = NULL, *acct = NULL, *res = NULL;
    size_t partlen = 0;
    bool ok = strncmp(p, "arn:", 4) == 0;
    if (ok) {
        part = p + 4;
        partlen = strcspn(part, ":");
        ok = partlen > 0 && part[partlen] == ':';
        for (size_t i = 0; ok && i < partlen; i++) ok = (part[i] >= 'a' && part[i] <= 'z') || part[i] == '-';
    }
    if (ok) {
        svc = part + partlen + 1;
        ok = (strncmp(svc, "iam::", 5) == 0 || strncmp(svc, "sts::", 5) == 0);
    }
    if (ok) {
        acct = svc + 5;
        ok = account12(acct, strcspn(acct, ":")) && acct[12] == ':';
    }
    if (ok) res = acct + 13;
    if (ok && strncmp(svc, "iam", 3) == 0) {
        ok = strcmp(res, "root") == 0 || (strncmp(res, "user/", 5) == 0 && iam_path_name(res + 5)) ||
             (strncmp(res, "role/", 5) == 0 && iam_path_name(res + 5));
        if (ok) {
            *out = rk_strdup(in);
            return *out ? RK_OK : rk_err_set(err, RK_ENOMEM, "out of memory");
        }
    } else if (ok) {
        /* arn:P:sts::ACCT:assumed-role/ROLE/SESSION -> arn:P:iam::ACCT:role/ROLE */
        ok = strncmp(res, "assumed-role/", 13) == 0;
        const char *role = res + 13, *slash = ok ? strchr(role, '/') : NULL;
        ok = ok && slash && slash > role && slash[1];
        if (ok) {
            char *r = rk_strndup(role, (size_t)(slash - role));
            ok = r && iam_path_name(r) && !strchr(r, '/');
            if (ok) {
                size_t cap = partlen + strlen(r) + 64;
                *out = malloc(cap);
                if (*out) snprintf(*out, cap, "arn:%.*s:iam::%.12s:role/%s", (int)partlen, part, acct, r);
            }
            free(r);
            if (ok) {
                if (!*out) return rk_err_set(err, RK_ENOMEM, "out of memory");
                if (from_session) *from_session = true;
                return RK_OK;
            }
        }
    }
    return rk_err_set(err, RK_EUSAGE,
                      "\"%.200s\" is not a principal a trust policy can name; give an IAM user or role ARN "
                      "(arn:aws:iam::123456789012:user/NAME, arn:aws:iam::123456789012:role/NAME) or an account "
                      "(arn:aws:iam::123456789012:root, or 123456789012)",
                      in);
}

void rk_connect_stack_name(const char *connection, char *out, size_t cap)
{
    if (!cap) return;
    size_t k = (size_t)snprintf(out, cap, "reckon-");
    if (k >= cap) k = cap - 1;
    for (const char *c = connection; *c && k + 1 < cap && k < 128; c++)
        out[k++] = iam_char(*c, "-") ? *c : '-';
    out[k] = 0;
}

/* ---- the template ---- */

static json_t *jstr(const char *s) { return json_string(s); }

static json_t *statement(const char *sid, const char *action, const char *resource, json_t *condition)
{
    json_t *s = json_object();
    json_object_set_new(s, "Sid", jstr(sid));
    json_object_set_new(s, "Effect", jstr("Allow"));
    json_object_set_new(s, "Action", jstr(action));
    json_object_set_new(s, "Resource", jstr(resource));
    if (condition) json_object_set_new(s, "Condition", condition);
    return s;
}

static json_t *policy_doc(json_t *statements)
{
    json_t *d = json_object();
    json_object_set_new(d, "Version", jstr("2012-10-17"));
    json_object_set_new(d, "Statement", statements);
    return d;
}

static char *fmt(const char *f, const char *a, const char *b)
{
    size_t cap = strlen(f) + strlen(a) + strlen(b) + 1;
    char *s = malloc(cap);
    if (s) snprintf(s, cap, f, a, b);
    return s;
}

rk_status rk_connect_template(const rk_cfn_params *p, char **json, rk_err *err)
{
    *json = NULL;
    if (!p->connection || !p->bucket || !p->prefix || !p->external_id || !p->trust_principal || !p->role_name)
        return rk_err_set(err, RK_EINTERNAL, "template: a parameter is missing");
    bool root = !*p->prefix;
    char *bucket_arn = fmt("arn:aws:s3:::%s%s", p->bucket, "");
    char *objects_arn =
        root ? fmt("arn:aws:s3:::%s/%s*", p->bucket, "") : fmt("arn:aws:s3:::%s/%s/*", p->bucket, p->prefix);
    char *prefix_dir = fmt("%s/%s", p->prefix, "*");
    char *where = root ? fmt("s3://%s%s", p->bucket, "") : fmt("s3://%s/%s", p->bucket, p->prefix);
    char *desc = NULL;
    if (where)
        desc = fmt("reckon (connection %s): read-only access to the Cost and Usage Report in %s", p->connection, where);
    if (!bucket_arn || !objects_arn || !prefix_dir || !where || !desc) {
        free(bucket_arn), free(objects_arn), free(prefix_dir), free(where), free(desc);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }

    /* trust */
    json_t *principal = json_object();
    json_object_set_new(principal, "AWS", jstr(p->trust_principal));
    json_t *eq = json_object();
    json_object_set_new(eq, "sts:ExternalId", jstr(p->external_id));
    json_t *cond = json_object();
    json_object_set_new(cond, "StringEquals", eq);
    json_t *trust = json_object();
    json_object_set_new(trust, "Sid", jstr("TrustReckonWithExternalId"));
    json_object_set_new(trust, "Effect", jstr("Allow"));
    json_object_set_new(trust, "Principal", principal);
    json_object_set_new(trust, "Action", jstr("sts:AssumeRole"));
    json_object_set_new(trust, "Condition", cond);
    json_t *trust_stmts = json_array();
    json_array_append_new(trust_stmts, trust);

    /* permissions */
    json_t *list_cond = NULL;
    if (!root) {
        json_t *prefixes = json_array();
        json_array_append_new(prefixes, jstr(prefix_dir));
        json_array_append_new(prefixes, jstr(p->prefix));
        json_t *like = json_object();
        json_object_set_new(like, "s3:prefix", prefixes);
        list_cond = json_object();
        json_object_set_new(list_cond, "StringLike", like);
    }
    json_t *stmts = json_array();
    json_array_append_new(stmts, statement("ListReportPrefix", "s3:ListBucket", bucket_arn, list_cond));
    json_array_append_new(stmts, statement("ReadReportObjects", "s3:GetObject", objects_arn, NULL));
    json_array_append_new(stmts, statement("FindBucketRegion", "s3:GetBucketLocation", bucket_arn, NULL));
    json_t *policy = json_object();
    json_object_set_new(policy, "PolicyName", jstr("reckon-read-cur"));
    json_object_set_new(policy, "PolicyDocument", policy_doc(stmts));
    json_t *policies = json_array();
    json_array_append_new(policies, policy);

    json_t *props = json_object();
    json_object_set_new(props, "RoleName", jstr(p->role_name));
    json_object_set_new(props, "Description", jstr(desc));
    json_object_set_new(props, "MaxSessionDuration", json_integer(3600));
    json_object_set_new(props, "AssumeRolePolicyDocument", policy_doc(trust_stmts));
    json_object_set_new(props, "Policies", policies);
    json_t *role = json_object();
    json_object_set_new(role, "Type", jstr("AWS::IAM::Role"));
    json_object_set_new(role, "Properties", props);
    json_t *resources = json_object();
    json_object_set_new(resources, "ReckonReadRole", role);

    json_t *getatt = json_array();
    json_array_append_new(getatt, jstr("ReckonReadRole"));
    json_array_append_new(getatt, jstr("Arn"));
    json_t *arnval = json_object();
    json_object_set_new(arnval, "Fn::GetAtt", getatt);
    json_t *o_arn = json_object();
    char *next = fmt("Give it to reckon: reckon connect aws --name %s --role-arn %sTHIS_VALUE", p->connection, "");
    json_object_set_new(o_arn, "Description", next ? jstr(next) : NULL);
    free(next);
    json_object_set_new(o_arn, "Value", arnval);
    json_t *o_ext = json_object();
    json_object_set_new(o_ext, "Description", jstr("The external ID the role's trust policy requires"));
    json_object_set_new(o_ext, "Value", jstr(p->external_id));
    json_t *outputs = json_object();
    json_object_set_new(outputs, "RoleArn", o_arn);
    json_object_set_new(outputs, "ExternalId", o_ext);

    json_t *t = json_object();
    json_object_set_new(t, "AWSTemplateFormatVersion", jstr("2010-09-09"));
    json_object_set_new(t, "Description", jstr(desc));
    json_object_set_new(t, "Resources", resources);
    json_object_set_new(t, "Outputs", outputs);

    char *s = json_dumps(t, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(t);
    free(bucket_arn), free(objects_arn), free(prefix_dir), free(where), free(desc);
    if (!s) return rk_err_set(err, RK_ENOMEM, "out of memory building the template");
    size_t n = strlen(s);
    char *r = realloc(s, n + 2);
    if (!r) {
        free(s);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    r[n] = '\n';
    r[n + 1] = 0;
    *json = r;
    return RK_OK;
}
