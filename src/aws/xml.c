/* xml.c — expat walker and the S3 / STS answer parsers. */
#include "aws/xml.h"

#include <expat.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"
#include "common/buf.h"
#include "common/mem.h"
#include "common/timeparse.h"

void rk_secret_free(char *s)
{
    if (!s) return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

/* ---- the walker ---- */

typedef struct walker {
    XML_Parser p;
    rk_xml_fn fn;
    void *ctx;
    rk_err *err;
    rk_status st;
    rk_buf path;
    size_t marks[RK_XML_MAX_DEPTH + 1]; /* path length before each level */
    int depth;
    rk_buf text[RK_XML_MAX_DEPTH + 1];
} walker;

static void stop(walker *w, rk_status st)
{
    if (w->st == RK_OK) w->st = st;
    XML_StopParser(w->p, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    walker *w = ud;
    if (w->st != RK_OK) return;
    if (w->depth >= RK_XML_MAX_DEPTH) {
        rk_err_set(w->err, RK_ELIMIT, "elements nested deeper than %d levels", RK_XML_MAX_DEPTH);
        stop(w, RK_ELIMIT);
        return;
    }
    const char *local = strrchr(name, ':');
    local = local ? local + 1 : name;
    w->marks[w->depth] = w->path.len;
    rk_status st = RK_OK;
    if (w->path.len) st = rk_buf_putc(&w->path, '/');
    if (st == RK_OK) st = rk_buf_puts(&w->path, local);
    if (st != RK_OK) {
        rk_err_set(w->err, st, "element names longer than the limit");
        stop(w, st);
        return;
    }
    w->depth++;
    rk_buf_reset(&w->text[w->depth]);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    (void)name;
    walker *w = ud;
    if (w->st != RK_OK || w->depth == 0) return;
    rk_buf *t = &w->text[w->depth];
    rk_status st = w->fn(w->ctx, w->path.p, t->p ? t->p : "", t->len, w->err);
    if (st != RK_OK) {
        stop(w, st);
        return;
    }
    w->depth--;
    w->path.len = w->marks[w->depth];
    w->path.p[w->path.len] = 0;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    walker *w = ud;
    if (w->st != RK_OK || w->depth == 0) return;
    rk_status st = rk_buf_append(&w->text[w->depth], s, (size_t)len);
    if (st != RK_OK) {
        rk_err_set(w->err, st, st == RK_ELIMIT ? "an element's text is longer than %zu bytes" : "out of memory",
                   RK_XML_MAX_TEXT);
        stop(w, st);
    }
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sys, const XML_Char *pub, int internal)
{
    (void)name, (void)sys, (void)pub, (void)internal;
    walker *w = ud;
    rk_err_set(w->err, RK_EBADDATA, "the document has a DOCTYPE, which S3 and STS never send");
    stop(w, RK_EBADDATA);
}

rk_status rk_xml_walk(const char *data, size_t len, rk_xml_fn fn, void *ctx, rk_err *err)
{
    if (len > INT_MAX) return rk_err_set(err, RK_ELIMIT, "the XML document is larger than 2 GB");
    walker w;
    memset(&w, 0, sizeof w);
    w.fn = fn;
    w.ctx = ctx;
    w.err = err;
    rk_buf_init(&w.path, 4096);
    for (int i = 0; i <= RK_XML_MAX_DEPTH; i++) rk_buf_init(&w.text[i], RK_XML_MAX_TEXT);
    w.p = XML_ParserCreate("UTF-8");
    if (!w.p) return rk_err_set(err, RK_ENOMEM, "out of memory");
    XML_SetUserData(w.p, &w);
    XML_SetElementHandler(w.p, on_start, on_end);
    XML_SetCharacterDataHandler(w.p, on_text);
    XML_SetStartDoctypeDeclHandler(w.p, on_doctype);
    enum XML_Status xs = XML_Parse(w.p, data, (int)len, XML_TRUE);
    rk_status st = w.st;
    if (st == RK_OK && xs != XML_STATUS_OK)
        st = rk_err_set(err, RK_EBADDATA, "malformed XML at line %lu, column %lu: %s",
                        (unsigned long)XML_GetCurrentLineNumber(w.p), (unsigned long)XML_GetCurrentColumnNumber(w.p),
                        XML_ErrorString(XML_GetErrorCode(w.p)));
    XML_ParserFree(w.p);
    rk_buf_free(&w.path);
    for (int i = 0; i <= RK_XML_MAX_DEPTH; i++) rk_buf_free(&w.text[i]);
    return st;
}

/* ---- helpers ---- */

static bool path_is(const char *path, const char *want) { return strcmp(path, want) == 0; }

static bool ends_with(const char *path, const char *tail)
{
    size_t n = strlen(path), m = strlen(tail);
    return n >= m && strcmp(path + n - m, tail) == 0 && (n == m || path[n - m - 1] == '/');
}

static rk_status parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 20) return RK_EBADDATA;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return RK_EBADDATA;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return RK_EBADDATA;
        v = v * 10 + d;
    }
    *out = v;
    return RK_OK;
}

static char *strip_quotes(const char *s, size_t n)
{
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') s++, n -= 2;
    return rk_strndup(s, n);
}

static void copy_text(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap) n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

/* ---- ListObjectsV2 ---- */

typedef struct listctx {
    rk_s3_page *pg;
    rk_s3_obj cur;
    bool has_key, has_size;
} listctx;

static rk_status list_fn(void *ctx, const char *path, const char *text, size_t len, rk_err *err)
{
    listctx *c = ctx;
    rk_s3_page *pg = c->pg;
    if (strncmp(path, "ListBucketResult", 16) != 0 || (path[16] && path[16] != '/'))
        return rk_err_set(err, RK_EBADDATA, "expected a ListBucketResult, found <%s>", path);
    if (path_is(path, "ListBucketResult/Contents/Key")) {
        free(c->cur.key);
        if (!(c->cur.key = rk_strndup(text, len))) return rk_err_set(err, RK_ENOMEM, "out of memory");
        c->has_key = true;
    } else if (path_is(path, "ListBucketResult/Contents/Size")) {
        if (parse_u64(text, len, &c->cur.size) != RK_OK)
            return rk_err_set(err, RK_EBADDATA, "an object's <Size> is not a whole number: \"%.*s\"",
                              (int)(len > 40 ? 40 : len), text);
        c->has_size = true;
    } else if (path_is(path, "ListBucketResult/Contents/LastModified")) {
        if (rk_time_parse(text, len, &c->cur.mtime_ms) != RK_OK)
            return rk_err_set(err, RK_EBADDATA, "an object's <LastModified> is not a time: \"%.*s\"",
                              (int)(len > 40 ? 40 : len), text);
    } else if (path_is(path, "ListBucketResult/Contents/ETag")) {
        free(c->cur.etag);
        if (!(c->cur.etag = strip_quotes(text, len))) return rk_err_set(err, RK_ENOMEM, "out of memory");
    } else if (path_is(path, "ListBucketResult/Contents")) {
        if (!c->has_key || !c->has_size)
            return rk_err_set(err, RK_EBADDATA, "an object in the listing has no <%s>", c->has_key ? "Size" : "Key");
        if (pg->n >= RK_S3_PAGE_MAX_KEYS)
            return rk_err_set(err, RK_ELIMIT, "a listing page holds more than %d objects", RK_S3_PAGE_MAX_KEYS);
        if (RK_GROW(pg->objs, pg->cap, pg->n + 1) != RK_OK) return rk_err_set(err, RK_ENOMEM, "out of memory");
        pg->objs[pg->n++] = c->cur;
        memset(&c->cur, 0, sizeof c->cur);
        c->cur.mtime_ms = -1;
        c->has_key = c->has_size = false;
    } else if (path_is(path, "ListBucketResult/CommonPrefixes/Prefix")) {
        if (pg->nprefixes >= RK_S3_PAGE_MAX_KEYS)
            return rk_err_set(err, RK_ELIMIT, "a listing page holds more than %d prefixes", RK_S3_PAGE_MAX_KEYS);
        if (RK_GROW(pg->prefixes, pg->pcap, pg->nprefixes + 1) != RK_OK)
            return rk_err_set(err, RK_ENOMEM, "out of memory");
        if (!(pg->prefixes[pg->nprefixes] = rk_strndup(text, len))) return rk_err_set(err, RK_ENOMEM, "out of memory");
        pg->nprefixes++;
    } else if (path_is(path, "ListBucketResult/IsTruncated")) {
        if (len == 4 && memcmp(text, "true", 4) == 0) pg->truncated = true;
        else if (len == 5 && memcmp(text, "false", 5) == 0) pg->truncated = false;
        else return rk_err_set(err, RK_EBADDATA, "<IsTruncated> is neither true nor false");
    } else if (path_is(path, "ListBucketResult/NextContinuationToken")) {
        free(pg->next_token);
        if (!(pg->next_token = rk_strndup(text, len))) return rk_err_set(err, RK_ENOMEM, "out of memory");
    } else if (path_is(path, "ListBucketResult/EncodingType")) {
        pg->url_encoded = len == 3 && memcmp(text, "url", 3) == 0;
    }
    return RK_OK;
}

static rk_status decode_in_place(char **s, const char *what, rk_err *err)
{
    rk_buf b;
    rk_buf_init(&b, strlen(*s) + 1);
    rk_status st = rk_uri_decode(&b, *s, strlen(*s), true);
    if (st == RK_OK && b.p && strlen(b.p) != b.len) st = RK_EBADDATA; /* a NUL byte */
    if (st != RK_OK) {
        rk_buf_free(&b);
        if (st == RK_ENOMEM) return rk_err_set(err, st, "out of memory");
        return rk_err_set(err, RK_EBADDATA, "%s \"%.200s\" is not valid URL encoding", what, *s);
    }
    free(*s);
    *s = rk_buf_take(&b);
    return RK_OK;
}

rk_status rk_s3_parse_list(const char *data, size_t len, rk_s3_page *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    listctx c = {.pg = out};
    c.cur.mtime_ms = -1;
    rk_status st = rk_xml_walk(data, len, list_fn, &c, err);
    rk_s3_obj_clear(&c.cur);
    if (st != RK_OK) {
        rk_err_prefix(err, "the bucket listing: ");
        return st;
    }
    if (out->truncated && (!out->next_token || !*out->next_token))
        return rk_err_set(err, RK_EBADDATA,
                          "the bucket listing says it is truncated but gives no NextContinuationToken");
    if (out->url_encoded) {
        for (size_t i = 0; i < out->n; i++) RK_TRY(decode_in_place(&out->objs[i].key, "the listed key", err));
        for (size_t i = 0; i < out->nprefixes; i++) RK_TRY(decode_in_place(&out->prefixes[i], "the listed prefix", err));
    }
    for (size_t i = 0; i < out->n; i++)
        if (!out->objs[i].key[0]) return rk_err_set(err, RK_EBADDATA, "the bucket listing has an object with an empty key");
    return RK_OK;
}

void rk_s3_obj_clear(rk_s3_obj *o)
{
    free(o->key);
    free(o->etag);
    o->key = o->etag = NULL;
}

void rk_s3_page_free(rk_s3_page *p)
{
    for (size_t i = 0; i < p->n; i++) rk_s3_obj_clear(&p->objs[i]);
    free(p->objs);
    for (size_t i = 0; i < p->nprefixes; i++) free(p->prefixes[i]);
    free(p->prefixes);
    free(p->next_token);
    memset(p, 0, sizeof *p);
}

/* ---- GetBucketLocation ---- */

typedef struct locctx {
    char *region;
    size_t cap;
    bool seen;
} locctx;

static rk_status loc_fn(void *ctx, const char *path, const char *text, size_t len, rk_err *err)
{
    locctx *c = ctx;
    if (!path_is(path, "LocationConstraint"))
        return rk_err_set(err, RK_EBADDATA, "expected <LocationConstraint>, found <%s>", path);
    if (len >= c->cap || len > 40) return rk_err_set(err, RK_EBADDATA, "the bucket's region name is too long");
    for (size_t i = 0; i < len; i++)
        if (!((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z') ||
              (text[i] >= '0' && text[i] <= '9') || text[i] == '-'))
            return rk_err_set(err, RK_EBADDATA, "the bucket's region \"%.*s\" is not a region name", (int)len, text);
    if (len == 0) snprintf(c->region, c->cap, "us-east-1");
    else if (len == 2 && memcmp(text, "EU", 2) == 0) snprintf(c->region, c->cap, "eu-west-1");
    else copy_text(c->region, c->cap, text, len);
    c->seen = true;
    return RK_OK;
}

rk_status rk_s3_parse_location(const char *data, size_t len, char *region, size_t cap, rk_err *err)
{
    locctx c = {region, cap, false};
    rk_status st = rk_xml_walk(data, len, loc_fn, &c, err);
    if (st == RK_OK && !c.seen) st = rk_err_set(err, RK_EBADDATA, "the answer has no <LocationConstraint>");
    if (st != RK_OK) rk_err_prefix(err, "the bucket location: ");
    return st;
}

/* ---- errors ---- */

typedef struct errctx {
    rk_aws_error *e;
    bool seen;
} errctx;

static rk_status err_fn(void *ctx, const char *path, const char *text, size_t len, rk_err *err)
{
    (void)err;
    errctx *c = ctx;
    rk_aws_error *e = c->e;
    if (path_is(path, "Error/Code") || path_is(path, "ErrorResponse/Error/Code")) {
        copy_text(e->code, sizeof e->code, text, len);
        c->seen = true;
    } else if (path_is(path, "Error/Message") || path_is(path, "ErrorResponse/Error/Message")) {
        copy_text(e->message, sizeof e->message, text, len);
    } else if (ends_with(path, "RequestId")) {
        copy_text(e->request_id, sizeof e->request_id, text, len);
    } else if (path_is(path, "Error/Region")) {
        copy_text(e->region, sizeof e->region, text, len);
    }
    return RK_OK;
}

rk_status rk_aws_parse_error(const char *data, size_t len, rk_aws_error *out)
{
    memset(out, 0, sizeof *out);
    errctx c = {out, false};
    rk_err e;
    if (rk_xml_walk(data, len, err_fn, &c, &e) != RK_OK || !c.seen) {
        memset(out, 0, sizeof *out);
        return RK_EBADDATA;
    }
    /* Messages are shown to people: keep them printable. */
    for (char *p = out->message; *p; p++)
        if ((unsigned char)*p < 0x20) *p = ' ';
    for (char *p = out->code; *p; p++)
        if ((unsigned char)*p < 0x20) *p = ' ';
    return RK_OK;
}

/* ---- STS ---- */

typedef struct stsctx {
    rk_sts_creds *c;
    bool saw_result, saw_exp;
} stsctx;

static rk_status take_secret(char **dst, const char *text, size_t len, rk_err *err)
{
    rk_secret_free(*dst);
    *dst = rk_strndup(text, len);
    return *dst ? RK_OK : rk_err_set(err, RK_ENOMEM, "out of memory");
}

static rk_status sts_fn(void *ctx, const char *path, const char *text, size_t len, rk_err *err)
{
    stsctx *s = ctx;
    rk_sts_creds *c = s->c;
    if (strncmp(path, "AssumeRoleResponse", 18) != 0 || (path[18] && path[18] != '/'))
        return rk_err_set(err, RK_EBADDATA, "expected an AssumeRoleResponse, found <%s>", path);
    if (path_is(path, "AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId"))
        return take_secret(&c->access_key_id, text, len, err);
    if (path_is(path, "AssumeRoleResponse/AssumeRoleResult/Credentials/SecretAccessKey"))
        return take_secret(&c->secret_access_key, text, len, err);
    if (path_is(path, "AssumeRoleResponse/AssumeRoleResult/Credentials/SessionToken"))
        return take_secret(&c->session_token, text, len, err);
    if (path_is(path, "AssumeRoleResponse/AssumeRoleResult/Credentials/Expiration")) {
        if (rk_time_parse(text, len, &c->expires_ms) != RK_OK)
            return rk_err_set(err, RK_EBADDATA, "<Expiration> is not a time: \"%.*s\"", (int)(len > 40 ? 40 : len), text);
        s->saw_exp = true;
    } else if (path_is(path, "AssumeRoleResponse/AssumeRoleResult/AssumedRoleUser/Arn")) {
        free(c->arn);
        if (!(c->arn = rk_strndup(text, len))) return rk_err_set(err, RK_ENOMEM, "out of memory");
    } else if (path_is(path, "AssumeRoleResponse/AssumeRoleResult")) {
        s->saw_result = true;
    }
    return RK_OK;
}

static bool printable_token(const char *s)
{
    if (!s || !*s) return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) return false;
    return true;
}

rk_status rk_sts_parse_assume_role(const char *data, size_t len, rk_sts_creds *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    stsctx s = {out, false, false};
    rk_status st = rk_xml_walk(data, len, sts_fn, &s, err);
    if (st == RK_OK) {
        const char *missing = !s.saw_result            ? "AssumeRoleResult"
                              : !out->access_key_id     ? "Credentials/AccessKeyId"
                              : !out->secret_access_key ? "Credentials/SecretAccessKey"
                              : !out->session_token     ? "Credentials/SessionToken"
                              : !s.saw_exp              ? "Credentials/Expiration"
                                                        : NULL;
        if (missing) st = rk_err_set(err, RK_EBADDATA, "the answer has no <%s>", missing);
        else if (!printable_token(out->access_key_id) || !printable_token(out->secret_access_key) ||
                 !printable_token(out->session_token))
            st = rk_err_set(err, RK_EBADDATA, "the credentials in the answer hold spaces or control characters");
    }
    if (st != RK_OK) rk_err_prefix(err, "STS AssumeRole: ");
    return st;
}

void rk_sts_creds_free(rk_sts_creds *c)
{
    rk_secret_free(c->access_key_id);
    rk_secret_free(c->secret_access_key);
    rk_secret_free(c->session_token);
    free(c->arn);
    memset(c, 0, sizeof *c);
}

typedef struct idctx {
    rk_aws_identity *id;
    bool arn;
} idctx;

static rk_status id_fn(void *ctx, const char *path, const char *text, size_t len, rk_err *err)
{
    idctx *c = ctx;
    if (strncmp(path, "GetCallerIdentityResponse", 25) != 0 || (path[25] && path[25] != '/'))
        return rk_err_set(err, RK_EBADDATA, "expected a GetCallerIdentityResponse, found <%s>", path);
    if (path_is(path, "GetCallerIdentityResponse/GetCallerIdentityResult/Arn")) {
        copy_text(c->id->arn, sizeof c->id->arn, text, len);
        c->arn = len > 0;
    } else if (path_is(path, "GetCallerIdentityResponse/GetCallerIdentityResult/Account")) {
        copy_text(c->id->account, sizeof c->id->account, text, len);
    } else if (path_is(path, "GetCallerIdentityResponse/GetCallerIdentityResult/UserId")) {
        copy_text(c->id->user_id, sizeof c->id->user_id, text, len);
    }
    return RK_OK;
}

rk_status rk_sts_parse_identity(const char *data, size_t len, rk_aws_identity *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    idctx c = {out, false};
    rk_status st = rk_xml_walk(data, len, id_fn, &c, err);
    if (st == RK_OK && !c.arn) st = rk_err_set(err, RK_EBADDATA, "the answer has no <Arn>");
    if (st == RK_OK && !out->account[0]) st = rk_err_set(err, RK_EBADDATA, "the answer has no <Account>");
    if (st != RK_OK) rk_err_prefix(err, "STS GetCallerIdentity: ");
    return st;
}
