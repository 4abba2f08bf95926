/* template.h — the CloudFormation template of a connection's read-only role.
 *
 * `reckon connect template` hands the payer account a stack that creates
 * ONE IAM role, least privilege:
 *   trust        Principal {"AWS": the principal reckon runs as}, Action
 *                sts:AssumeRole, Condition StringEquals sts:ExternalId = the
 *                connection's ExternalId (the confused-deputy guard);
 *   permissions  s3:ListBucket on arn:aws:s3:::BUCKET, limited by an
 *                s3:prefix condition (StringLike "PREFIX/(star)" and "PREFIX") to the
 *                report prefix (no condition when the report sits at the
 *                bucket's root); s3:GetObject on "arn:aws:s3:::BUCKET/PREFIX/(star)"
 *                ("BUCKET/(star)" at the root); s3:GetBucketLocation on
 *                arn:aws:s3:::BUCKET. Nothing else: no write, no wildcard
 *                action, no resource outside the bucket;
 *   outputs      RoleArn (Fn::GetAtt of the role) and ExternalId.
 * ((star) is a literal asterisk.) ARNs use the `aws` partition (the CUR is delivered in us-east-1).
 *
 * The checks here are pure (no network): the CLI gets the default trust
 * principal from STS GetCallerIdentity and passes it through
 * rk_connect_trust_principal, which also turns what STS says of an assumed
 * role into the role's ARN.
 */
#ifndef RK_CONNECT_TEMPLATE_H
#define RK_CONNECT_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

#define RK_IAM_ROLE_NAME_MAX 64

typedef struct rk_cfn_params {
    const char *connection;      /* the connection's name (descriptions) */
    const char *bucket;          /* a valid bucket name */
    const char *prefix;          /* normalized: no leading or trailing '/'; "" = root */
    const char *external_id;     /* rk_connect_check_external_id */
    const char *trust_principal; /* as returned by rk_connect_trust_principal */
    const char *role_name;       /* rk_connect_check_role_name */
} rk_cfn_params;

/* The template as indented JSON ending with a newline; *json is the
 * caller's (free). Checks nothing but that every field is set. */
rk_status rk_connect_template(const rk_cfn_params *p, char **json, rk_err *err);

/* IAM role names: 1..64 characters of letters, digits and +=,.@_- */
rk_status rk_connect_check_role_name(const char *name, rk_err *err);

/* sts:ExternalId values: 2..1224 characters of letters, digits and
 * +=,.@:/_- (the AssumeRole API's rule). */
rk_status rk_connect_check_external_id(const char *id, rk_err *err);

/* Turns what the user or STS gives into the Principal of the trust policy:
 *   123456789012                                 -> arn:aws:iam::123456789012:root
 *   arn:P:iam::ACCT:root | user/PATH/NAME | role/PATH/NAME   kept as is
 *   arn:P:sts::ACCT:assumed-role/ROLE/SESSION    -> arn:P:iam::ACCT:role/ROLE
 * Anything else is RK_EUSAGE naming the expected forms. *out is the
 * caller's. *from_session (optional) tells that an assumed-role session ARN
 * was converted: STS does not tell the role's path, so the ARN is right
 * only for a role without one. */
rk_status rk_connect_trust_principal(const char *in, char **out, bool *from_session, rk_err *err);

/* A CloudFormation stack name for a connection: "reckon-" + the name with
 * every character outside [A-Za-z0-9-] replaced by '-', at most 128. */
void rk_connect_stack_name(const char *connection, char *out, size_t cap);

#endif
