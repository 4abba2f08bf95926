/* The XML answers of S3 and STS: ListObjectsV2 pages (with and without
 * encoding-type=url), errors, bucket locations, AssumeRole and
 * GetCallerIdentity, and the malformed ones. */
#include "harness.h"

#include "aws/xml.h"

#define LIST_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"

static void list_page(void **state)
{
    (void)state;
    const char *x = LIST_HEAD
        "<Name>acme-cur</Name><Prefix>cur/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>"
        "<IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
        "<Contents><Key>cur/a &amp; b.csv.gz</Key><LastModified>2024-10-02T11:20:35.000Z</LastModified>"
        "<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>1234567890123</Size>"
        "<StorageClass>STANDARD</StorageClass></Contents>"
        "<Contents><Key>cur/BILLING_PERIOD=2024-09/x.parquet</Key><LastModified>2024-10-02T11:20:35.123Z</LastModified>"
        "<ETag>\"9b2cf535f27731c974343645a3985328-3\"</ETag><Size>0</Size></Contents>"
        "</ListBucketResult>";
    rk_s3_page p;
    rk_err err = {0};
    assert_int_equal(rk_s3_parse_list(x, strlen(x), &p, &err), RK_OK);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.objs[0].key, "cur/a & b.csv.gz");
    assert_true(p.objs[0].size == 1234567890123ULL);
    assert_string_equal(p.objs[0].etag, "d41d8cd98f00b204e9800998ecf8427e");
    assert_int_equal(p.objs[0].mtime_ms, 1727868035000LL);
    assert_int_equal(p.objs[1].mtime_ms, 1727868035123LL);
    assert_string_equal(p.objs[1].key, "cur/BILLING_PERIOD=2024-09/x.parquet");
    assert_string_equal(p.objs[1].etag, "9b2cf535f27731c974343645a3985328-3");
    assert_true(p.truncated);
    assert_string_equal(p.next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    assert_false(p.url_encoded);
    rk_s3_page_free(&p);
}

/* With encoding-type=url S3 encodes keys (a space as '+', '+' as %2B);
 * EncodingType comes after the Contents, so decoding waits for it. */
static void list_url_encoded(void **state)
{
    (void)state;
    const char *x = LIST_HEAD
        "<IsTruncated>false</IsTruncated>"
        "<Contents><Key>cur/rep%3D%C3%A4+b%2Bc/2025-01+part+1.csv</Key><Size>7</Size></Contents>"
        "<Contents><Key>ctl%01char</Key><Size>1</Size></Contents>"
        "<CommonPrefixes><Prefix>cur/a+b/</Prefix></CommonPrefixes>"
        "<EncodingType>url</EncodingType></ListBucketResult>";
    rk_s3_page p;
    rk_err err = {0};
    assert_int_equal(rk_s3_parse_list(x, strlen(x), &p, &err), RK_OK);
    assert_true(p.url_encoded);
    assert_string_equal(p.objs[0].key, "cur/rep=\xc3\xa4 b+c/2025-01 part 1.csv");
    assert_string_equal(p.objs[1].key, "ctl\x01" "char");
    assert_int_equal(p.objs[0].mtime_ms, -1);
    assert_null(p.objs[0].etag);
    assert_int_equal(p.nprefixes, 1);
    assert_string_equal(p.prefixes[0], "cur/a b/");
    assert_false(p.truncated);
    rk_s3_page_free(&p);
    /* the same text without EncodingType is taken literally */
    const char *y = LIST_HEAD "<Contents><Key>a+b%20c</Key><Size>1</Size></Contents></ListBucketResult>";
    assert_int_equal(rk_s3_parse_list(y, strlen(y), &p, &err), RK_OK);
    assert_string_equal(p.objs[0].key, "a+b%20c");
    rk_s3_page_free(&p);
}

static void list_bad(const char *x, const char *want)
{
    rk_s3_page p;
    rk_err err = {0};
    rk_status st = rk_s3_parse_list(x, strlen(x), &p, &err);
    rk_s3_page_free(&p);
    if (st == RK_OK || !strstr(err.msg, want)) fail_msg("expected an error with [%s], got %d [%s]", want, st, err.msg);
}

static void list_malformed(void **state)
{
    (void)state;
    list_bad(LIST_HEAD "<Contents><Key>a</Key><Size>-1</Size></Contents></ListBucketResult>", "<Size> is not a whole number");
    list_bad(LIST_HEAD "<Contents><Key>a</Key><Size>99999999999999999999999</Size></Contents></ListBucketResult>",
             "<Size> is not a whole number");
    list_bad(LIST_HEAD "<Contents><Size>1</Size></Contents></ListBucketResult>", "has no <Key>");
    list_bad(LIST_HEAD "<Contents><Key>a</Key></Contents></ListBucketResult>", "has no <Size>");
    list_bad(LIST_HEAD "<Contents><Key>a</Key><Size>1</Size><LastModified>yesterday</LastModified></Contents></ListBucketResult>",
             "<LastModified> is not a time");
    list_bad(LIST_HEAD "<IsTruncated>true</IsTruncated></ListBucketResult>", "gives no NextContinuationToken");
    list_bad(LIST_HEAD "<IsTruncated>maybe</IsTruncated></ListBucketResult>", "neither true nor false");
    list_bad(LIST_HEAD "<Contents><Key>%zz</Key><Size>1</Size></Contents><EncodingType>url</EncodingType></ListBucketResult>",
             "not valid URL encoding");
    list_bad(LIST_HEAD "<Contents><Key>a%00b</Key><Size>1</Size></Contents><EncodingType>url</EncodingType></ListBucketResult>",
             "not valid URL encoding");
    list_bad(LIST_HEAD "<Contents><Key></Key><Size>1</Size></Contents></ListBucketResult>", "empty key");
    list_bad("<Error><Code>AccessDenied</Code></Error>", "expected a ListBucketResult");
    list_bad(LIST_HEAD "<Contents><Key>a</Key>", "malformed XML");
    list_bad("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><ListBucketResult>&a;</ListBucketResult>",
             "DOCTYPE");
    char deep[2048] = "";
    for (int i = 0; i < 20; i++) strcat(deep, "<ListBucketResult>");
    list_bad(deep, "nested deeper");
}

static void errors(void **state)
{
    (void)state;
    rk_aws_error e;
    const char *s3 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SignatureDoesNotMatch</Code>"
                     "<Message>The request signature we calculated does not match.</Message>"
                     "<StringToSign>AWS4...</StringToSign><RequestId>4442587FB7D0A2F9</RequestId></Error>";
    assert_int_equal(rk_aws_parse_error(s3, strlen(s3), &e), RK_OK);
    assert_string_equal(e.code, "SignatureDoesNotMatch");
    assert_string_equal(e.message, "The request signature we calculated does not match.");
    assert_string_equal(e.request_id, "4442587FB7D0A2F9");
    const char *redirect = "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'us-east-1' is "
                           "wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region></Error>";
    assert_int_equal(rk_aws_parse_error(redirect, strlen(redirect), &e), RK_OK);
    assert_string_equal(e.region, "eu-west-1");
    const char *sts = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
                      "<Code>AccessDenied</Code><Message>User: arn:aws:iam::1:user/x is not\nauthorized</Message>"
                      "</Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>";
    assert_int_equal(rk_aws_parse_error(sts, strlen(sts), &e), RK_OK);
    assert_string_equal(e.code, "AccessDenied");
    assert_string_equal(e.message, "User: arn:aws:iam::1:user/x is not authorized"); /* printable */
    assert_string_equal(e.request_id, "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
    assert_int_equal(rk_aws_parse_error("<html>502 Bad Gateway</html>", 28, &e), RK_EBADDATA);
    assert_string_equal(e.code, "");
    assert_int_equal(rk_aws_parse_error("", 0, &e), RK_EBADDATA);
}

static void location(void **state)
{
    (void)state;
    char r[64];
    rk_err err = {0};
    const char *a = "<?xml version=\"1.0\"?><LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>";
    assert_int_equal(rk_s3_parse_location(a, strlen(a), r, sizeof r, &err), RK_OK);
    assert_string_equal(r, "us-east-1");
    const char *b = "<LocationConstraint>EU</LocationConstraint>";
    assert_int_equal(rk_s3_parse_location(b, strlen(b), r, sizeof r, &err), RK_OK);
    assert_string_equal(r, "eu-west-1");
    const char *c = "<LocationConstraint>ap-southeast-2</LocationConstraint>";
    assert_int_equal(rk_s3_parse_location(c, strlen(c), r, sizeof r, &err), RK_OK);
    assert_string_equal(r, "ap-southeast-2");
    const char *d = "<LocationConstraint>../../etc</LocationConstraint>";
    assert_int_equal(rk_s3_parse_location(d, strlen(d), r, sizeof r, &err), RK_EBADDATA);
    const char *e = "<Other/>";
    assert_int_equal(rk_s3_parse_location(e, strlen(e), r, sizeof r, &err), RK_EBADDATA);
}

#define ASSUME_OK                                                                                                    \
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"                    \
    "<SourceIdentity>x</SourceIdentity><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>" \
    "<AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId></AssumedRoleUser><Credentials>"                          \
    "<AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId><SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"       \
    "</SecretAccessKey><SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW=="            \
    "</SessionToken><Expiration>2019-11-09T13:34:41Z</Expiration></Credentials><PackedPolicySize>6</PackedPolicySize>" \
    "</AssumeRoleResult><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>"               \
    "</ResponseMetadata></AssumeRoleResponse>"

static void assume_role(void **state)
{
    (void)state;
    rk_sts_creds c;
    rk_err err = {0};
    const char *x = ASSUME_OK;
    assert_int_equal(rk_sts_parse_assume_role(x, strlen(x), &c, &err), RK_OK);
    assert_string_equal(c.access_key_id, "ASIAIOSFODNN7EXAMPLE");
    assert_string_equal(c.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
    assert_string_equal(c.session_token, "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW==");
    assert_int_equal(c.expires_ms, 1573306481000LL);
    assert_string_equal(c.arn, "arn:aws:sts::123456789012:assumed-role/demo/TestAR");
    rk_sts_creds_free(&c);

    /* each part missing in turn */
    const char *parts[] = {"<AccessKeyId>", "<SecretAccessKey>", "<SessionToken>", "<Expiration>"};
    const char *names[] = {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"};
    for (int i = 0; i < 4; i++) {
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", ASSUME_OK);
        char *s = strstr(buf, parts[i]);
        char close[64];
        snprintf(close, sizeof close, "</%s>", names[i]);
        char *e = strstr(s, close) + strlen(close);
        memmove(s, e, strlen(e) + 1);
        assert_int_equal(rk_sts_parse_assume_role(buf, strlen(buf), &c, &err), RK_EBADDATA);
        assert_non_null(strstr(err.msg, names[i]));
        /* no secret in the message */
        assert_null(strstr(err.msg, "EXAMPLEKEY"));
        rk_sts_creds_free(&c);
    }
    const char *sp = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>AS IA</AccessKeyId>"
                     "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
                     "<Expiration>2019-11-09T13:34:41Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";
    assert_int_equal(rk_sts_parse_assume_role(sp, strlen(sp), &c, &err), RK_EBADDATA);
    rk_sts_creds_free(&c);
    const char *bad_time = "<AssumeRoleResponse><AssumeRoleResult><Credentials><Expiration>soon</Expiration>"
                           "</Credentials></AssumeRoleResult></AssumeRoleResponse>";
    assert_int_equal(rk_sts_parse_assume_role(bad_time, strlen(bad_time), &c, &err), RK_EBADDATA);
    rk_sts_creds_free(&c);
    const char *other = "<GetCallerIdentityResponse/>";
    assert_int_equal(rk_sts_parse_assume_role(other, strlen(other), &c, &err), RK_EBADDATA);
    rk_sts_creds_free(&c);
}

static void identity(void **state)
{
    (void)state;
    const char *x = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                    "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/Alice</Arn>"
                    "<UserId>AKIAI44QH8DHBEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
                    "<ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>"
                    "</GetCallerIdentityResponse>";
    rk_aws_identity id;
    rk_err err = {0};
    assert_int_equal(rk_sts_parse_identity(x, strlen(x), &id, &err), RK_OK);
    assert_string_equal(id.arn, "arn:aws:iam::123456789012:user/Alice");
    assert_string_equal(id.account, "123456789012");
    assert_string_equal(id.user_id, "AKIAI44QH8DHBEXAMPLE");
    const char *y = "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>1</Account>"
                    "</GetCallerIdentityResult></GetCallerIdentityResponse>";
    assert_int_equal(rk_sts_parse_identity(y, strlen(y), &id, &err), RK_EBADDATA);
    assert_non_null(strstr(err.msg, "<Arn>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_page), cmocka_unit_test(list_url_encoded), cmocka_unit_test(list_malformed),
        cmocka_unit_test(errors),    cmocka_unit_test(location),         cmocka_unit_test(assume_role),
        cmocka_unit_test(identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
