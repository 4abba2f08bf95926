/* The AWS CLI's ways, in reckon: the ~/.aws ini parser, the credential
 * chain's resolution (environment, --profile, roles through source_profile,
 * credential_source, then the container endpoint and the EC2 instance
 * metadata service with their settings and allowed hosts, errors that name
 * the file and never a secret), the
 * renewing credential cache under four threads and a fake clock, and the
 * S3 URL of an object in each addressing style. */
#include "harness.h"

#include <pthread.h>
#include <unistd.h>

#include "aws/aws.h"
#include "aws/ini.h"
#include "aws/s3.h"

/* ---- the ini parser ---- */

static void ini_forms(void **state)
{
    (void)state;
    const char *t = "\xef\xbb\xbf# a comment\n"
                    "[default]\r\n"
                    "aws_access_key_id = AKIDDEFAULT\r\n"
                    "  ; an indented comment\n"
                    "Region: eu-west-1\n"
                    "\n"
                    "[profile   dev ]\n"
                    "role_arn=arn:aws:iam::123456789012:role/x=y\n"
                    "s3 =\n"
                    "  addressing_style = path\n"
                    "  max_concurrent_requests=4\n"
                    "note = first line\n"
                    "   second line\n"
                    "[default]\n"
                    "aws_secret_access_key = se#cr;et=\n";
    rk_ini ini;
    rk_err err = {0};
    assert_int_equal(rk_ini_parse(t, strlen(t), "cfg", &ini, &err), RK_OK);
    assert_string_equal(rk_ini_get(&ini, "default", "aws_access_key_id"), "AKIDDEFAULT");
    assert_string_equal(rk_ini_get(&ini, "default", "region"), "eu-west-1"); /* keys are case-insensitive */
    assert_string_equal(rk_ini_get(&ini, "default", "aws_secret_access_key"), "se#cr;et="); /* no inline comments */
    assert_true(rk_ini_has_section(&ini, "profile dev"));
    assert_string_equal(rk_ini_get(&ini, "profile dev", "role_arn"), "arn:aws:iam::123456789012:role/x=y");
    assert_string_equal(rk_ini_get(&ini, "profile dev", "s3.addressing_style"), "path");
    assert_string_equal(rk_ini_get(&ini, "profile dev", "s3.max_concurrent_requests"), "4");
    assert_string_equal(rk_ini_get(&ini, "profile dev", "note"), "first line\nsecond line");
    assert_null(rk_ini_get(&ini, "profile dev", "region"));
    assert_null(rk_ini_get(&ini, "nosuch", "region"));
    rk_ini_free(&ini);
}

static void ini_bad_n(const char *t, size_t n, const char *want)
{
    rk_ini ini;
    rk_err err = {0};
    assert_int_not_equal(rk_ini_parse(t, n, "/home/u/.aws/credentials", &ini, &err), RK_OK);
    if (!strstr(err.msg, want)) fail_msg("expected [%s] in [%s]", want, err.msg);
    assert_non_null(strstr(err.msg, "/home/u/.aws/credentials"));
    assert_null(strstr(err.msg, "SECRETVALUE"));
}

static void ini_bad(const char *t, const char *want) { ini_bad_n(t, strlen(t), want); }

static void ini_errors(void **state)
{
    (void)state;
    ini_bad("aws_secret_access_key = SECRETVALUE\n", "line 1: a key comes before any [section]");
    ini_bad("[default]\nSECRETVALUE\n", "line 2 is neither a [section]");
    ini_bad("[default]\n[broken\n", "line 2: a section header must look like [name]");
    ini_bad_n("[default]\nkey = a\0b\n", 20, "line 2 holds a NUL byte");
    char *big = malloc(RK_INI_MAX_BYTES + 2);
    memset(big, '#', RK_INI_MAX_BYTES + 1);
    big[RK_INI_MAX_BYTES + 1] = 0;
    ini_bad(big, "larger than");
    free(big);
}

/* ---- the chain ---- */

typedef struct fakeenv {
    const char *kv[32];
} fakeenv;

static const char *fake_getenv(void *ctx, const char *name)
{
    fakeenv *e = ctx;
    for (int i = 0; e->kv[i]; i += 2)
        if (strcmp(e->kv[i], name) == 0) return e->kv[i + 1];
    return NULL;
}

static char dir[256], cred_path[300], conf_path[300];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/rk-awsconf-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(cred_path, sizeof cred_path, "%s/credentials", dir);
    snprintf(conf_path, sizeof conf_path, "%s/config", dir);
    write_file(cred_path, "[default]\n"
                          "aws_access_key_id = AKIDFILEDEFAULT\n"
                          "aws_secret_access_key = SECRET-file-default\n"
                          "[base]\n"
                          "aws_access_key_id = AKIDBASE\n"
                          "aws_secret_access_key = SECRET-base\n"
                          "aws_session_token = TOKEN-base\n"
                          "[onlykey]\n"
                          "aws_access_key_id = AKIDHALF\n");
    write_file(conf_path, "[default]\n"
                          "region = ap-south-1\n"
                          "[profile reader]\n"
                          "role_arn = arn:aws:iam::123456789012:role/reckon-read\n"
                          "source_profile = base\n"
                          "external_id = ext-1\n"
                          "role_session_name = nightly\n"
                          "duration_seconds = 1800\n"
                          "region = eu-central-1\n"
                          "endpoint_url = https://minio.example:9000/\n"
                          "s3 =\n  addressing_style = virtual\n"
                          "[profile chained]\n"
                          "role_arn = arn:aws:iam::210987654321:role/second\n"
                          "source_profile = reader\n"
                          "[profile self]\n"
                          "role_arn = arn:aws:iam::123456789012:role/self\n"
                          "source_profile = self\n"
                          "aws_access_key_id = AKIDSELF\n"
                          "aws_secret_access_key = SECRET-self\n"
                          "[profile envsrc]\n"
                          "role_arn = arn:aws:iam::123456789012:role/fromenv\n"
                          "credential_source = Environment\n"
                          "[profile loop1]\n"
                          "role_arn = arn:aws:iam::123456789012:role/a\n"
                          "source_profile = loop2\n"
                          "[profile loop2]\n"
                          "role_arn = arn:aws:iam::123456789012:role/b\n"
                          "source_profile = loop1\n"
                          "[profile mfa]\n"
                          "role_arn = arn:aws:iam::123456789012:role/a\n"
                          "source_profile = base\n"
                          "mfa_serial = arn:aws:iam::123456789012:mfa/u\n"
                          "[profile sso]\n"
                          "sso_session = corp\n"
                          "[profile imds]\n"
                          "role_arn = arn:aws:iam::123456789012:role/a\n"
                          "credential_source = Ec2InstanceMetadata\n"
                          "[profile configkeys]\n"
                          "aws_access_key_id = AKIDINCONFIG\n"
                          "aws_secret_access_key = SECRET-config\n"
                          "[profile badarn]\n"
                          "role_arn = arn:aws:iam::12345:role/x\n"
                          "source_profile = base\n"
                          "[profile ecs]\n"
                          "role_arn = arn:aws:iam::123456789012:role/fromecs\n"
                          "credential_source = EcsContainer\n"
                          "external_id = ext-ecs\n"
                          "[profile bogus]\n"
                          "role_arn = arn:aws:iam::123456789012:role/a\n"
                          "credential_source = Ec2Instance\n"
                          "[profile bare]\n"
                          "region = eu-west-3\n"
                          "metadata_service_timeout = 4\n"
                          "metadata_service_num_attempts = 3\n"
                          "ec2_metadata_service_endpoint_mode = IPv6\n"
                          "ec2_metadata_v1_disabled = true\n"
                          "[profile frombare]\n"
                          "role_arn = arn:aws:iam::123456789012:role/a\n"
                          "source_profile = bare\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(cred_path);
    unlink(conf_path);
    rmdir(dir);
    return 0;
}

/* Resolves with the fake environment plus the two files. */
static rk_status resolve(const rk_aws_opts *o, const char **env, rk_aws_config *c, rk_err *err)
{
    fakeenv e = {{"AWS_SHARED_CREDENTIALS_FILE", cred_path, "AWS_CONFIG_FILE", conf_path}};
    int n = 4;
    for (int i = 0; env && env[i]; i++) e.kv[n++] = env[i];
    e.kv[n] = NULL;
    static const rk_aws_opts none = {0};
    return rk_aws_config_resolve(o ? o : &none, fake_getenv, &e, c, err);
}

static void no_secret(const rk_err *err)
{
    assert_null(strstr(err->msg, "SECRET-"));
    assert_null(strstr(err->msg, "TOKEN-"));
}

static void chain_env_first(void **state)
{
    (void)state;
    rk_aws_config c;
    rk_err err = {0};
    const char *env[] = {"AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "SECRET-env", "AWS_SESSION_TOKEN",
                         "TOKEN-env", "AWS_PROFILE", "base", NULL};
    assert_int_equal(resolve(NULL, env, &c, &err), RK_OK);
    /* AWS_PROFILE does not override keys in the environment (the AWS CLI's rule) */
    assert_string_equal(c.base.access_key_id, "AKIDENV");
    assert_string_equal(c.base.session_token, "TOKEN-env");
    assert_non_null(strstr(c.base_from, "environment"));
    assert_int_equal(c.nroles, 0);
    assert_string_equal(c.region, "us-east-1"); /* profile base has none; default */
    assert_null(c.s3_endpoint);
    rk_aws_config_free(&c);
    /* --profile does */
    rk_aws_opts o = {.profile = "base"};
    assert_int_equal(resolve(&o, env, &c, &err), RK_OK);
    assert_string_equal(c.base.access_key_id, "AKIDBASE");
    assert_string_equal(c.base.session_token, "TOKEN-base");
    assert_non_null(strstr(c.base_from, "profile \"base\""));
    rk_aws_config_free(&c);
    /* no environment: the default profile, its region from the config file */
    assert_int_equal(resolve(NULL, NULL, &c, &err), RK_OK);
    assert_string_equal(c.base.access_key_id, "AKIDFILEDEFAULT");
    assert_null(c.base.session_token);
    assert_string_equal(c.region, "ap-south-1");
    rk_aws_config_free(&c);
    /* region: flag > AWS_REGION > AWS_DEFAULT_REGION > profile */
    const char *renv[] = {"AWS_DEFAULT_REGION", "eu-north-1", NULL};
    assert_int_equal(resolve(NULL, renv, &c, &err), RK_OK);
    assert_string_equal(c.region, "eu-north-1");
    rk_aws_config_free(&c);
    const char *renv2[] = {"AWS_DEFAULT_REGION", "eu-north-1", "AWS_REGION", "US-WEST-2", NULL};
    assert_int_equal(resolve(NULL, renv2, &c, &err), RK_OK);
    assert_string_equal(c.region, "us-west-2");
    rk_aws_config_free(&c);
    rk_aws_opts ro = {.region = "sa-east-1"};
    assert_int_equal(resolve(&ro, renv2, &c, &err), RK_OK);
    assert_string_equal(c.region, "sa-east-1");
    rk_aws_config_free(&c);
    /* half a pair in the environment is an error, not a silent fallback */
    const char *half[] = {"AWS_ACCESS_KEY_ID", "AKIDENV", NULL};
    assert_int_equal(resolve(NULL, half, &c, &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "AWS_SECRET_ACCESS_KEY is not"));
    /* a profile with only half a pair */
    rk_aws_opts oh = {.profile = "onlykey"};
    assert_int_equal(resolve(&oh, NULL, &c, &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "aws_secret_access_key"));
    /* keys in the config file work too */
    rk_aws_opts ck = {.profile = "configkeys"};
    assert_int_equal(resolve(&ck, NULL, &c, &err), RK_OK);
    assert_string_equal(c.base.access_key_id, "AKIDINCONFIG");
    rk_aws_config_free(&c);
}

static void chain_roles(void **state)
{
    (void)state;
    rk_aws_config c;
    rk_err err = {0};
    rk_aws_opts o = {.profile = "reader"};
    assert_int_equal(resolve(&o, NULL, &c, &err), RK_OK);
    assert_string_equal(c.base.access_key_id, "AKIDBASE");
    assert_int_equal(c.nroles, 1);
    assert_string_equal(c.roles[0].arn, "arn:aws:iam::123456789012:role/reckon-read");
    assert_string_equal(c.roles[0].external_id, "ext-1");
    assert_string_equal(c.roles[0].session_name, "nightly");
    assert_int_equal(c.roles[0].duration_s, 1800);
    assert_string_equal(c.region, "eu-central-1");
    assert_string_equal(c.s3_endpoint, "https://minio.example:9000");
    assert_string_equal(c.sts_endpoint, "https://minio.example:9000");
    assert_int_equal(c.addressing, 2);
    rk_aws_config_free(&c);
    /* a chain: base -> reader -> chained, then --role-arn on top */
    rk_aws_opts o2 = {.profile = "chained", .role_arn = "arn:aws:iam::999999999999:role/reckon", .external_id = "cli-x"};
    assert_int_equal(resolve(&o2, NULL, &c, &err), RK_OK);
    assert_int_equal(c.nroles, 3);
    assert_string_equal(c.roles[0].arn, "arn:aws:iam::123456789012:role/reckon-read");
    assert_string_equal(c.roles[1].arn, "arn:aws:iam::210987654321:role/second");
    assert_null(c.roles[1].external_id);
    assert_non_null(strstr(c.roles[1].session_name, "reckon-"));
    assert_string_equal(c.roles[2].external_id, "cli-x");
    assert_string_equal(c.roles[2].from, "--role-arn");
    rk_aws_config_free(&c);
    /* its own source_profile: its own keys */
    rk_aws_opts o3 = {.profile = "self"};
    assert_int_equal(resolve(&o3, NULL, &c, &err), RK_OK);
    assert_string_equal(c.base.access_key_id, "AKIDSELF");
    assert_int_equal(c.nroles, 1);
    rk_aws_config_free(&c);
    /* credential_source = Environment */
    rk_aws_opts o4 = {.profile = "envsrc"};
    const char *env[] = {"AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "SECRET-env", NULL};
    assert_int_equal(resolve(&o4, env, &c, &err), RK_OK);
    assert_string_equal(c.base.access_key_id, "AKIDENV");
    assert_string_equal(c.roles[0].arn, "arn:aws:iam::123456789012:role/fromenv");
    rk_aws_config_free(&c);
    assert_int_equal(resolve(&o4, NULL, &c, &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "credential_source = Environment"));
}

static void chain_errors(void **state)
{
    (void)state;
    rk_aws_config c;
    rk_err err = {0};
    struct {
        rk_aws_opts o;
        const char *want;
        rk_status st;
    } cases[] = {
        {{.profile = "loop1"}, "leads back to itself", RK_EUSAGE},
        {{.profile = "mfa"}, "MFA code", RK_EUNSUPPORTED},
        {{.profile = "sso"}, "sso_session, which reckon does not support yet", RK_EUNSUPPORTED},
        {{.profile = "bogus"}, "credential_source = Ec2Instance is not one of Environment, EcsContainer", RK_EUSAGE},
        {{.profile = "frombare"}, "profile \"bare\" has no credentials (aws_access_key_id, role_arn)", RK_EUSAGE},
        {{.profile = "badarn"}, "is not an IAM role ARN", RK_EUSAGE},
        {{.profile = "nosuch"}, "profile \"nosuch\" (from --profile) is not in", RK_EUSAGE},
        {{.role_arn = "arn:aws:iam::123456789012:role/x", .external_id = "a"}, "external ID must be", RK_EUSAGE},
        {{.external_id = "abc"}, "--external-id goes with --role-arn", RK_EUSAGE},
        {{.role_arn = "arn:aws:iam::123456789012:user/x"}, "is not an IAM role ARN", RK_EUSAGE},
        {{.endpoint_url = "ftp://x"}, "--endpoint-url: endpoint \"ftp://x\" must start with http", RK_EUSAGE},
        {{.endpoint_url = "http://host:9000/some/path"}, "has a path", RK_EUSAGE},
        {{.region = "us east 1"}, "is not a region name", RK_EUSAGE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rk_status st = resolve(&cases[i].o, NULL, &c, &err);
        if (st != cases[i].st || !strstr(err.msg, cases[i].want) || strstr(err.msg, "SECRET-"))
            fail_msg("case %zu: expected %d [%s], got %d [%s]", i, cases[i].st, cases[i].want, st, err.msg);
        no_secret(&err);
    }
    /* nothing anywhere, and the instance metadata service off */
    fakeenv e = {{"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/c", "AWS_CONFIG_FILE", "/nonexistent/f",
                  "AWS_EC2_METADATA_DISABLED", "TRUE", NULL}};
    static const rk_aws_opts none = {0};
    assert_int_equal(rk_aws_config_resolve(&none, fake_getenv, &e, &c, &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "no AWS credentials found"));
    assert_non_null(strstr(err.msg, "instance role"));
    /* AWS_PROFILE naming a missing profile */
    const char *env[] = {"AWS_PROFILE", "ghost", NULL};
    assert_int_equal(resolve(NULL, env, &c, &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "from AWS_PROFILE"));
    /* endpoints: the flag for S3 only; AWS_ENDPOINT_URL_STS for STS */
    rk_aws_opts ep = {.endpoint_url = "http://127.0.0.1:9000"};
    const char *stsenv[] = {"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9001", NULL};
    assert_int_equal(resolve(&ep, stsenv, &c, &err), RK_OK);
    assert_string_equal(c.s3_endpoint, "http://127.0.0.1:9000");
    assert_string_equal(c.sts_endpoint, "http://127.0.0.1:9001");
    rk_aws_config_free(&c);
    const char *ign[] = {"AWS_ENDPOINT_URL", "http://x:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", NULL};
    assert_int_equal(resolve(NULL, ign, &c, &err), RK_OK);
    assert_null(c.s3_endpoint);
    assert_null(c.sts_endpoint);
    rk_aws_config_free(&c);
}

/* ---- container and instance credentials ---- */

static rk_status resolve_in(const char *const *env, const rk_aws_opts *o, rk_aws_config *c, rk_err *err)
{
    fakeenv e = {{"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/c", "AWS_CONFIG_FILE", "/nonexistent/f"}};
    int n = 4;
    for (int i = 0; env && env[i]; i++) e.kv[n++] = env[i];
    e.kv[n] = NULL;
    static const rk_aws_opts none = {0};
    return rk_aws_config_resolve(o ? o : &none, fake_getenv, &e, c, err);
}

/* Nothing else found: the instance role, with the AWS CLI's defaults and settings. */
static void chain_imds(void **state)
{
    (void)state;
    rk_aws_config c;
    rk_err err = {0};
    assert_int_equal(resolve_in(NULL, NULL, &c, &err), RK_OK);
    assert_int_equal(c.source, RK_AWS_SRC_IMDS);
    assert_string_equal(c.md.url, "http://169.254.169.254");
    assert_true(c.md.last_resort);
    assert_false(c.md.v1_disabled);
    assert_int_equal(c.md.timeout_s, 1);
    assert_int_equal(c.md.attempts, 1);
    assert_null(c.base.access_key_id);
    assert_non_null(strstr(c.base_from, "EC2 instance role"));
    assert_string_equal(c.md.searched, "/nonexistent/c");
    rk_aws_config_free(&c);
    /* AWS_EC2_METADATA_DISABLED is "true" in any case; anything else leaves it on */
    const char *off[] = {"AWS_EC2_METADATA_DISABLED", "false", NULL};
    assert_int_equal(resolve_in(off, NULL, &c, &err), RK_OK);
    assert_int_equal(c.source, RK_AWS_SRC_IMDS);
    rk_aws_config_free(&c);
    const char *set[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338/", "AWS_METADATA_SERVICE_TIMEOUT",
                         "3", "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2", "AWS_EC2_METADATA_V1_DISABLED", "True", NULL};
    assert_int_equal(resolve_in(set, NULL, &c, &err), RK_OK);
    assert_string_equal(c.md.url, "http://127.0.0.1:1338");
    assert_int_equal(c.md.timeout_s, 3);
    assert_int_equal(c.md.attempts, 2);
    assert_true(c.md.v1_disabled);
    rk_aws_config_free(&c);
    const char *v6[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv6", NULL};
    assert_int_equal(resolve_in(v6, NULL, &c, &err), RK_OK);
    assert_string_equal(c.md.url, "http://[fd00:ec2::254]");
    rk_aws_config_free(&c);
    /* the explicit endpoint wins over the mode */
    const char *both[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                          "http://[fd00:ec2::254]:80", NULL};
    assert_int_equal(resolve_in(both, NULL, &c, &err), RK_OK);
    assert_string_equal(c.md.url, "http://[fd00:ec2::254]:80");
    rk_aws_config_free(&c);
    struct {
        const char *k, *v, *want;
    } bad[] = {
        {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1/latest", "AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint"},
        {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254", "must start with http://"},
        {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5", "_ENDPOINT_MODE must be IPv4 or IPv6"},
        {"AWS_METADATA_SERVICE_TIMEOUT", "0", "AWS_METADATA_SERVICE_TIMEOUT must be a whole number from 1 to 60"},
        {"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2x", "AWS_METADATA_SERVICE_NUM_ATTEMPTS must be a whole number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *env[] = {bad[i].k, bad[i].v, NULL};
        rk_status st = resolve_in(env, NULL, &c, &err);
        if (st != RK_EUSAGE || !strstr(err.msg, bad[i].want))
            fail_msg("case %zu: expected [%s], got %d [%s]", i, bad[i].want, st, err.msg);
    }
    /* keys anywhere come first: the environment, the default profile */
    const char *keys[] = {"AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "SECRET-env", NULL};
    assert_int_equal(resolve_in(keys, NULL, &c, &err), RK_OK);
    assert_int_equal(c.source, RK_AWS_SRC_KEYS);
    rk_aws_config_free(&c);
    assert_int_equal(resolve(NULL, NULL, &c, &err), RK_OK);
    assert_int_equal(c.source, RK_AWS_SRC_KEYS);
    assert_string_equal(c.base.access_key_id, "AKIDFILEDEFAULT");
    rk_aws_config_free(&c);
    /* a profile without credentials falls through to the instance role,
     * with the profile's metadata settings and region */
    rk_aws_opts bare = {.profile = "bare"};
    assert_int_equal(resolve(&bare, NULL, &c, &err), RK_OK);
    assert_int_equal(c.source, RK_AWS_SRC_IMDS);
    assert_string_equal(c.md.url, "http://[fd00:ec2::254]");
    assert_int_equal(c.md.timeout_s, 4);
    assert_int_equal(c.md.attempts, 3);
    assert_true(c.md.v1_disabled);
    assert_string_equal(c.region, "eu-west-3");
    rk_aws_config_free(&c);
    const char *dis[] = {"AWS_EC2_METADATA_DISABLED", "true", NULL};
    assert_int_equal(resolve(&bare, dis, &c, &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "profile \"bare\" has no credentials"));
    assert_non_null(strstr(err.msg, "AWS_EC2_METADATA_DISABLED=true"));
    /* credential_source = Ec2InstanceMetadata: the role on top of the instance role */
    rk_aws_opts imds = {.profile = "imds"};
    assert_int_equal(resolve(&imds, NULL, &c, &err), RK_OK);
    assert_int_equal(c.source, RK_AWS_SRC_IMDS);
    assert_false(c.md.last_resort);
    assert_int_equal(c.nroles, 1);
    assert_string_equal(c.roles[0].arn, "arn:aws:iam::123456789012:role/a");
    assert_non_null(strstr(c.base_from, "profile \"imds\" (credential_source = Ec2InstanceMetadata)"));
    rk_aws_config_free(&c);
    assert_int_equal(resolve(&imds, dis, &c, &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "credential_source = Ec2InstanceMetadata), but AWS_EC2_METADATA_DISABLED=true"));
}

/* The container endpoint: which URL, which hosts, which token. */
static void chain_container(void **state)
{
    (void)state;
    rk_aws_config c;
    rk_err err = {0};
    const char *rel[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/1234-abcd",
                         "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/ignored", NULL};
    assert_int_equal(resolve_in(rel, NULL, &c, &err), RK_OK);
    assert_int_equal(c.source, RK_AWS_SRC_CONTAINER);
    assert_string_equal(c.md.url, "http://169.254.170.2/v2/credentials/1234-abcd"); /* RELATIVE_URI wins */
    assert_null(c.md.auth_token);
    assert_null(c.md.auth_token_file);
    assert_int_equal(c.md.timeout_s, 2);
    assert_int_equal(c.md.attempts, 3);
    assert_non_null(strstr(c.base_from, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
    rk_aws_config_free(&c);
    const char *ok_urls[] = {"http://127.0.0.1:8080/creds", "http://localhost/x",        "http://LOCALHOST:9/x",
                             "http://127.9.8.7/x",          "https://127.0.0.1/x",        "http://[::1]:80/x",
                             "http://169.254.170.2/v1",     "http://169.254.170.23/v1/credentials",
                             "http://[fd00:ec2::23]/v1",    "http://[FD00:EC2:0:0::23]/v1"};
    for (size_t i = 0; i < sizeof ok_urls / sizeof *ok_urls; i++) {
        const char *env[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", ok_urls[i], "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                             "TOKEN-secret-1", NULL};
        rk_status st = resolve_in(env, NULL, &c, &err);
        if (st != RK_OK) fail_msg("%s: %s", ok_urls[i], err.msg);
        assert_int_equal(c.source, RK_AWS_SRC_CONTAINER);
        assert_string_equal(c.md.url, ok_urls[i]);
        assert_string_equal(c.md.auth_token, "TOKEN-secret-1");
        rk_aws_config_free(&c);
    }
    const char *bad_urls[] = {"http://169.254.170.24/x", "http://example.com/x",    "http://[fd00:ec2::22]/x",
                              "http://127.0.0.1.nip.io/", "http://10.0.0.1/x",       "http://169.254.169.254/x",
                              "http://[::2]/x",           "ftp://127.0.0.1/x",       "not a url"};
    for (size_t i = 0; i < sizeof bad_urls / sizeof *bad_urls; i++) {
        const char *env[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", bad_urls[i], NULL};
        rk_status st = resolve_in(env, NULL, &c, &err);
        if (st != RK_EUSAGE || !strstr(err.msg, "AWS_CONTAINER_CREDENTIALS_FULL_URI"))
            fail_msg("%s: expected a refusal, got %d [%s]", bad_urls[i], st, err.msg);
    }
    const char *evil[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://evil.example:80/creds", NULL};
    assert_int_equal(resolve_in(evil, NULL, &c, &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "names the host evil.example"));
    assert_non_null(strstr(err.msg, "169.254.170.23 or fd00:ec2::23"));
    const char *relbad[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/credentials", NULL};
    assert_int_equal(resolve_in(relbad, NULL, &c, &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "must be a path starting with /"));
    /* the token file wins over the token; a token with a line break is refused, unshown */
    const char *tf[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/x", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                        "TOKEN-secret-2", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/token", NULL};
    assert_int_equal(resolve_in(tf, NULL, &c, &err), RK_OK);
    assert_string_equal(c.md.auth_token_file, "/var/run/token");
    assert_null(c.md.auth_token);
    rk_aws_config_free(&c);
    const char *nl[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/x", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                        "TOKEN-secret\r\nX-Injected: 1", NULL};
    assert_int_equal(resolve_in(nl, NULL, &c, &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "line break"));
    no_secret(&err);
    /* the environment's keys and a profile's keys come before the container */
    const char *keys[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/x", "AWS_ACCESS_KEY_ID", "AKIDENV",
                          "AWS_SECRET_ACCESS_KEY", "SECRET-env", NULL};
    assert_int_equal(resolve_in(keys, NULL, &c, &err), RK_OK);
    assert_int_equal(c.source, RK_AWS_SRC_KEYS);
    rk_aws_config_free(&c);
    assert_int_equal(resolve(NULL, rel, &c, &err), RK_OK);
    assert_int_equal(c.source, RK_AWS_SRC_KEYS);
    rk_aws_config_free(&c);
    /* credential_source = EcsContainer */
    rk_aws_opts ecs = {.profile = "ecs"};
    assert_int_equal(resolve(&ecs, rel, &c, &err), RK_OK);
    assert_int_equal(c.source, RK_AWS_SRC_CONTAINER);
    assert_false(c.md.last_resort);
    assert_int_equal(c.nroles, 1);
    assert_string_equal(c.roles[0].external_id, "ext-ecs");
    assert_non_null(strstr(c.base_from, "credential_source = EcsContainer"));
    rk_aws_config_free(&c);
    assert_int_equal(resolve(&ecs, NULL, &c, &err), RK_EUSAGE);
    assert_non_null(strstr(err.msg, "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor"));
}

/* ---- renewal under threads ---- */

typedef struct fake {
    int64_t now; /* atomic */
    int64_t life;
    unsigned fetches;
    int64_t fetch_ms; /* how long a fetch "takes" (real sleep) */
    int inflight, max_inflight;
} fake;

static int64_t fake_clock(void *ctx) { return __atomic_load_n(&((fake *)ctx)->now, __ATOMIC_SEQ_CST); }

static rk_status fake_fetch(void *ctx, rk_aws_creds *out, rk_err *err)
{
    (void)err;
    fake *f = ctx;
    unsigned n = __atomic_add_fetch(&f->fetches, 1, __ATOMIC_SEQ_CST);
    int in = __atomic_add_fetch(&f->inflight, 1, __ATOMIC_SEQ_CST);
    if (in > f->max_inflight) f->max_inflight = in;
    usleep((useconds_t)(f->fetch_ms * 1000));
    __atomic_sub_fetch(&f->inflight, 1, __ATOMIC_SEQ_CST);
    char ak[32], sk[32];
    snprintf(ak, sizeof ak, "ASIA%u", n);
    snprintf(sk, sizeof sk, "secret-%u", n);
    out->access_key_id = strdup(ak);
    out->secret_access_key = strdup(sk);
    out->session_token = strdup("tok");
    out->expires_ms = fake_clock(f) + f->life;
    return RK_OK;
}

typedef struct worker {
    rk_aws_cache *c;
    fake *f;
    int bad;
    int gets;
    volatile int *stop;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    while (!*w->stop) {
        int64_t t = fake_clock(w->f);
        rk_aws_creds cr;
        rk_err err = {0};
        if (rk_aws_cache_get(w->c, &cr, &err) != RK_OK) {
            w->bad++;
            continue;
        }
        /* the pair belongs together, and was valid when handed out */
        if (strcmp(cr.access_key_id + 4, cr.secret_access_key + 7) != 0) w->bad++;
        if (cr.expires_ms <= t) w->bad++;
        rk_aws_creds_clear(&cr);
        w->gets++;
    }
    return NULL;
}

static void renewal_threads(void **state)
{
    (void)state;
    fake f = {.now = 1000000, .life = 10000, .fetch_ms = 2};
    rk_aws_cache *c;
    assert_int_equal(rk_aws_cache_new(fake_fetch, &f, 3000, fake_clock, &f, &c, NULL), RK_OK);
    volatile int stop = 0;
    worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){c, &f, 0, 0, &stop};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    /* 100 s of fake time in 100 ms steps: credentials live 10 s and are
     * renewed 3 s before they expire, so about every 7 s */
    for (int i = 0; i < 1000; i++) {
        __atomic_add_fetch(&f.now, 100, __ATOMIC_SEQ_CST);
        usleep(300);
    }
    stop = 1;
    int bad = 0, gets = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        bad += w[i].bad;
        gets += w[i].gets;
    }
    unsigned fetches = rk_aws_cache_fetches(c);
    printf("renewal: %d gets, %u fetches\n", gets, fetches);
    assert_int_equal(bad, 0);
    assert_true(gets > 1000);
    /* 100 s / 7 s = 14.3 windows (fewer when a slow machine lets the fake
     * clock run during a fetch): one fetch per window, never one per
     * thread, never two at once */
    assert_true(fetches >= 8 && fetches <= 16);
    assert_int_equal(f.max_inflight, 1);
    assert_int_equal(fetches, f.fetches);
    rk_aws_cache_free(c);
}

static int failing_calls;

static rk_status failing_fetch(void *ctx, rk_aws_creds *out, rk_err *err)
{
    if (++failing_calls == 1) return fake_fetch(ctx, out, err);
    return rk_err_set(err, RK_EUSAGE, "STS says no");
}

/* A renewal that fails while the old credentials are valid is not an error;
 * once they expired, it is. An invalidated set is renewed at once. */
static void renewal_failure(void **state)
{
    (void)state;
    fake f = {.now = 0, .life = 10000};
    rk_aws_cache *c;
    assert_int_equal(rk_aws_cache_new(failing_fetch, &f, 3000, fake_clock, &f, &c, NULL), RK_OK);
    rk_aws_creds cr;
    rk_err err = {0};
    assert_int_equal(rk_aws_cache_get(c, &cr, &err), RK_OK);
    rk_aws_creds_clear(&cr);
    f.now = 7200; /* within the margin: renewal fails, the old ones still serve */
    assert_int_equal(rk_aws_cache_get(c, &cr, &err), RK_OK);
    assert_string_equal(cr.access_key_id, "ASIA1");
    rk_aws_creds_clear(&cr);
    f.now = 9990; /* past expiry minus the slack: the failure shows */
    assert_int_equal(rk_aws_cache_get(c, &cr, &err), RK_EUSAGE);
    assert_string_equal(err.msg, "STS says no");
    rk_aws_cache_free(c);

    fake g = {.now = 0, .life = 100000};
    assert_int_equal(rk_aws_cache_new(fake_fetch, &g, 3000, fake_clock, &g, &c, NULL), RK_OK);
    assert_int_equal(rk_aws_cache_get(c, &cr, &err), RK_OK);
    rk_aws_creds_clear(&cr);
    rk_aws_cache_invalidate(c);
    assert_int_equal(rk_aws_cache_get(c, &cr, &err), RK_OK);
    assert_string_equal(cr.access_key_id, "ASIA2");
    rk_aws_creds_clear(&cr);
    assert_int_equal(rk_aws_cache_fetches(c), 2);
    rk_aws_cache_free(c);
}

/* ---- where requests go ---- */

static void url_of(const char *endpoint, const char *region, const char *style, const char *bucket, const char *key,
                   const char *want)
{
    write_file(conf_path, style ? style : "[default]\n");
    setenv("AWS_CONFIG_FILE", conf_path, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIDURL", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SECRET-url", 1);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_S3");
    unsetenv("AWS_PROFILE");
    rk_aws_opts o = {.endpoint_url = endpoint, .region = region};
    rk_aws *a;
    rk_err err = {0};
    assert_int_equal(rk_aws_open(&o, &a, &err), RK_OK);
    rk_s3 *s;
    assert_int_equal(rk_s3_open(a, bucket, &s, &err), RK_OK);
    char *u = rk_s3_object_url(s, key);
    assert_string_equal(u, want);
    free(u);
    rk_s3_close(s);
    rk_aws_close(a);
}

static void urls(void **state)
{
    (void)state;
    url_of(NULL, "us-east-1", NULL, "acme-cur", "cur/BILLING_PERIOD=2024-09/a b+c.csv.gz",
           "https://acme-cur.s3.us-east-1.amazonaws.com/cur/BILLING_PERIOD%3D2024-09/a%20b%2Bc.csv.gz");
    url_of(NULL, "eu-west-1", NULL, "acme.cur", "k", "https://s3.eu-west-1.amazonaws.com/acme.cur/k");
    url_of(NULL, "cn-north-1", NULL, "acme", "k", "https://acme.s3.cn-north-1.amazonaws.com.cn/k");
    url_of("http://127.0.0.1:9000", NULL, NULL, "demo", "a/../b//c", "http://127.0.0.1:9000/demo/a/../b//c");
    url_of("http://Minio.Local:9000/", NULL, "[default]\ns3 =\n  addressing_style = virtual\n", "demo", "x y",
           "http://demo.minio.local:9000/x%20y");
    url_of(NULL, "us-east-1", "[default]\ns3 =\n  addressing_style = path\n", "acme-cur", "k",
           "https://s3.us-east-1.amazonaws.com/acme-cur/k");
    rk_err err = {0};
    assert_int_equal(rk_s3_check_bucket_name("acme-cur", &err), RK_OK);
    assert_int_equal(rk_s3_check_bucket_name("Acme", &err), RK_EUSAGE);
    assert_int_equal(rk_s3_check_bucket_name("192.168.1.1", &err), RK_EUSAGE);
    assert_int_equal(rk_s3_check_bucket_name("a..b", &err), RK_EUSAGE);
    assert_int_equal(rk_s3_check_bucket_name("ab", &err), RK_EUSAGE);
    assert_int_equal(rk_s3_check_bucket_name("-ab", &err), RK_EUSAGE);
    assert_int_equal(rk_s3_check_bucket_name("xn--ab", &err), RK_EUSAGE);
    assert_int_equal(rk_aws_check_role_arn("arn:aws-cn:iam::123456789012:role/path/Name_1", &err), RK_OK);
    assert_int_equal(rk_aws_check_role_arn("arn:aws:iam::123456789012:role/", &err), RK_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ini_forms),       cmocka_unit_test(ini_errors),   cmocka_unit_test(chain_env_first),
        cmocka_unit_test(chain_roles),     cmocka_unit_test(chain_errors), cmocka_unit_test(chain_imds),
        cmocka_unit_test(chain_container), cmocka_unit_test(renewal_threads), cmocka_unit_test(renewal_failure),
        cmocka_unit_test(urls), /* last: it rewrites the config file */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
