/* sigv4.c — the canonical request, string to sign and signature of SigV4.
 *
 * HOW IT WORKS
 * canonical request = method \n canonical path \n canonical query \n
 *                     (lower-name:trimmed-value \n)* \n signed names \n payload hash
 * string to sign    = "AWS4-HMAC-SHA256" \n amz-date \n scope \n hex(sha256(canonical))
 * signing key       = HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request"
 * signature         = hex(HMAC(signing key, string to sign))
 * Header values are trimmed and runs of spaces folded to one; repeated names
 * are joined with ',' in the order given; names are sorted. Query pairs are
 * encoded first and sorted on the encoded text (AWS sorts by code point of
 * the encoded name, then value).
 */
#include "aws/sigv4.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/mem.h"

#define SIGV4_TEXT_MAX ((size_t)64 << 20)

void rk_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[md[i] >> 4];
        out[2 * i + 1] = hx[md[i] & 15];
    }
    out[64] = 0;
}

static void hmac(const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &len);
}

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

rk_status rk_uri_encode(rk_buf *out, const char *s, size_t n, bool keep_slash)
{
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            RK_TRY(rk_buf_putc(out, (char)c));
        } else {
            char e[3] = {'%', hx[c >> 4], hx[c & 15]};
            RK_TRY(rk_buf_append(out, e, 3));
        }
    }
    return RK_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

rk_status rk_uri_decode(rk_buf *out, const char *s, size_t n, bool plus_space)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int h, l;
            if (i + 2 >= n) return RK_EBADDATA;
            if ((h = hexval(s[i + 1])) < 0 || (l = hexval(s[i + 2])) < 0) return RK_EBADDATA;
            RK_TRY(rk_buf_putc(out, (char)(h * 16 + l)));
            i += 2;
        } else if (c == '+' && plus_space) {
            RK_TRY(rk_buf_putc(out, ' '));
        } else {
            RK_TRY(rk_buf_putc(out, c));
        }
    }
    return RK_OK;
}

/* ---- query ---- */

typedef struct encpair {
    char *name, *value;
} encpair;

static int cmp_pair(const void *a, const void *b)
{
    const encpair *x = a, *y = b;
    int r = strcmp(x->name, y->name);
    return r ? r : strcmp(x->value, y->value);
}

rk_status rk_sigv4_query(rk_buf *out, const rk_kv *q, size_t n)
{
    if (n == 0) return RK_OK;
    encpair *v = calloc(n, sizeof *v);
    if (!v) return RK_ENOMEM;
    rk_status st = RK_OK;
    for (size_t i = 0; i < n && st == RK_OK; i++) {
        rk_buf a, b;
        rk_buf_init(&a, SIGV4_TEXT_MAX);
        rk_buf_init(&b, SIGV4_TEXT_MAX);
        const char *val = q[i].value ? q[i].value : "";
        st = rk_uri_encode(&a, q[i].name, strlen(q[i].name), false);
        if (st == RK_OK) st = rk_uri_encode(&b, val, strlen(val), false);
        v[i].name = rk_buf_take(&a);
        v[i].value = rk_buf_take(&b);
        if (!v[i].name || !v[i].value) st = RK_ENOMEM;
    }
    if (st == RK_OK) {
        qsort(v, n, sizeof *v, cmp_pair);
        for (size_t i = 0; i < n && st == RK_OK; i++) {
            if (i) st = rk_buf_putc(out, '&');
            if (st == RK_OK) st = rk_buf_puts(out, v[i].name);
            if (st == RK_OK) st = rk_buf_putc(out, '=');
            if (st == RK_OK) st = rk_buf_puts(out, v[i].value);
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].value);
    }
    free(v);
    return st;
}

/* ---- path ---- */

/* Removes "." and ".." segments and empty segments (RFC 3986 5.2.4 plus the
 * repeated-slash folding AWS does for services other than S3). */
static rk_status normalize(rk_buf *out, const char *path)
{
    size_t n = strlen(path);
    size_t *stack = calloc(n + 1, sizeof *stack); /* start offsets in out */
    if (!stack) return RK_ENOMEM;
    size_t depth = 0;
    bool trailing = n > 0 && path[n - 1] == '/';
    rk_status st = rk_buf_putc(out, '/');
    size_t base = out->len;
    for (size_t i = 0; i < n && st == RK_OK;) {
        while (i < n && path[i] == '/') i++;
        size_t j = i;
        while (j < n && path[j] != '/') j++;
        size_t len = j - i;
        if (len == 0) break;
        bool last = j >= n;
        if (len == 1 && path[i] == '.') {
            if (last) trailing = true;
        } else if (len == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (depth) {
                depth--;
                out->len = stack[depth];
                out->p[out->len] = 0;
            }
            if (last) trailing = true;
        } else {
            stack[depth++] = out->len;
            if (out->len > base) st = rk_buf_putc(out, '/');
            if (st == RK_OK) st = rk_buf_append(out, path + i, len);
        }
        i = j;
    }
    if (st == RK_OK && trailing && out->len > base) st = rk_buf_putc(out, '/');
    free(stack);
    return st;
}

static rk_status canonical_path(rk_buf *out, const rk_sigv4_req *r, const rk_sigv4_params *p)
{
    const char *path = r->path && *r->path ? r->path : "/";
    rk_buf norm;
    rk_buf_init(&norm, SIGV4_TEXT_MAX);
    rk_status st = RK_OK;
    if (p->normalize_path) {
        st = normalize(&norm, path);
        path = norm.p;
    }
    if (st == RK_OK) st = p->encode_path ? rk_uri_encode(out, path, strlen(path), true) : rk_buf_puts(out, path);
    rk_buf_free(&norm);
    return st;
}

/* ---- headers ---- */

typedef struct chdr {
    char *name;  /* lower case */
    char *value; /* trimmed, spaces folded */
    size_t order;
} chdr;

static int cmp_hdr(const void *a, const void *b)
{
    const chdr *x = a, *y = b;
    int r = strcmp(x->name, y->name);
    if (r) return r;
    return x->order < y->order ? -1 : x->order > y->order;
}

static char *lower_dup(const char *s)
{
    char *d = rk_strdup(s);
    for (char *c = d; c && *c; c++) *c = (char)tolower((unsigned char)*c);
    return d;
}

static char *trimall(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (!d) return NULL;
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = o > 0;
            continue;
        }
        if (space) d[o++] = ' ';
        space = false;
        d[o++] = c;
    }
    d[o] = 0;
    return d;
}

/* ---- signing ---- */

void rk_sigv4_out_init(rk_sigv4_out *o)
{
    memset(o, 0, sizeof *o);
    rk_buf_init(&o->authorization, SIGV4_TEXT_MAX);
    rk_buf_init(&o->canonical, SIGV4_TEXT_MAX);
    rk_buf_init(&o->string_to_sign, SIGV4_TEXT_MAX);
}

void rk_sigv4_out_free(rk_sigv4_out *o)
{
    rk_buf_free(&o->authorization);
    rk_buf_free(&o->canonical);
    rk_buf_free(&o->string_to_sign);
}

static rk_status sign_core(const rk_sigv4_req *r, const rk_sigv4_key *k, const rk_sigv4_params *p, rk_sigv4_out *out,
                           chdr *h, size_t *nh)
{
    rk_buf *c = &out->canonical;
    rk_buf_reset(c);
    rk_buf_reset(&out->string_to_sign);
    rk_buf_reset(&out->authorization);

    time_t t = (time_t)p->time;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out->amz_date, sizeof out->amz_date, "%Y%m%dT%H%M%SZ", &tm);
    char date[9];
    memcpy(date, out->amz_date, 8);
    date[8] = 0;

    if (r->payload_hash) snprintf(out->payload_hash, sizeof out->payload_hash, "%s", r->payload_hash);
    else rk_sha256_hex(r->body ? r->body : "", r->body ? r->body_len : 0, out->payload_hash);

    /* The headers to sign: the caller's plus the ones SigV4 adds. */
    size_t n = 0;
    for (size_t i = 0; i < r->nheaders; i++, n++) {
        h[n].name = lower_dup(r->headers[i].name);
        h[n].value = trimall(r->headers[i].value ? r->headers[i].value : "");
        h[n].order = n;
        if (!h[n].name || !h[n].value) return (*nh = n + 1), RK_ENOMEM;
    }
    const char *extra_names[3] = {"x-amz-date", NULL, NULL};
    const char *extra_vals[3] = {out->amz_date, NULL, NULL};
    size_t ne = 1;
    if (p->content_sha256) extra_names[ne] = "x-amz-content-sha256", extra_vals[ne++] = out->payload_hash;
    if (k->session_token && *k->session_token && !p->token_unsigned)
        extra_names[ne] = "x-amz-security-token", extra_vals[ne++] = k->session_token;
    for (size_t i = 0; i < ne; i++, n++) {
        h[n].name = rk_strdup(extra_names[i]);
        h[n].value = trimall(extra_vals[i]);
        h[n].order = n;
        if (!h[n].name || !h[n].value) return (*nh = n + 1), RK_ENOMEM;
    }
    *nh = n;
    qsort(h, n, sizeof *h, cmp_hdr);

    RK_TRY(rk_buf_puts(c, r->method));
    RK_TRY(rk_buf_putc(c, '\n'));
    RK_TRY(canonical_path(c, r, p));
    RK_TRY(rk_buf_putc(c, '\n'));
    RK_TRY(rk_sigv4_query(c, r->query, r->nquery));
    RK_TRY(rk_buf_putc(c, '\n'));
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(h[i].name, h[i - 1].name) == 0) {
            /* a repeated name: its values join the previous line */
            c->len--; /* drop the '\n' */
            RK_TRY(rk_buf_putc(c, ','));
        } else {
            RK_TRY(rk_buf_puts(c, h[i].name));
            RK_TRY(rk_buf_putc(c, ':'));
        }
        RK_TRY(rk_buf_puts(c, h[i].value));
        RK_TRY(rk_buf_putc(c, '\n'));
    }
    RK_TRY(rk_buf_putc(c, '\n'));
    size_t signed_at = c->len;
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(h[i].name, h[i - 1].name) == 0) continue;
        if (c->len > signed_at) RK_TRY(rk_buf_putc(c, ';'));
        RK_TRY(rk_buf_puts(c, h[i].name));
    }
    size_t signed_end = c->len;
    RK_TRY(rk_buf_putc(c, '\n'));
    RK_TRY(rk_buf_puts(c, out->payload_hash));

    char creq_hash[65];
    rk_sha256_hex(c->p, c->len, creq_hash);
    rk_buf *s = &out->string_to_sign;
    RK_TRY(rk_buf_printf(s, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", out->amz_date, date, p->region,
                         p->service, creq_hash));

    /* The signing key; the secret's copies are wiped on the way out. */
    size_t slen = strlen(k->secret_access_key);
    char *kstart = malloc(slen + 5);
    if (!kstart) return RK_ENOMEM;
    memcpy(kstart, "AWS4", 4);
    memcpy(kstart + 4, k->secret_access_key, slen + 1);
    unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
    hmac(kstart, slen + 4, date, 8, k1);
    OPENSSL_cleanse(kstart, slen + 4);
    free(kstart);
    hmac(k1, 32, p->region, strlen(p->region), k2);
    hmac(k2, 32, p->service, strlen(p->service), k3);
    hmac(k3, 32, "aws4_request", 12, k4);
    hmac(k4, 32, s->p, s->len, sig);
    OPENSSL_cleanse(k1, sizeof k1);
    OPENSSL_cleanse(k2, sizeof k2);
    OPENSSL_cleanse(k3, sizeof k3);
    OPENSSL_cleanse(k4, sizeof k4);
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out->signature[2 * i] = hx[sig[i] >> 4];
        out->signature[2 * i + 1] = hx[sig[i] & 15];
    }
    out->signature[64] = 0;

    RK_TRY(rk_buf_printf(&out->authorization, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=",
                         k->access_key_id, date, p->region, p->service));
    RK_TRY(rk_buf_append(&out->authorization, c->p + signed_at, signed_end - signed_at));
    RK_TRY(rk_buf_printf(&out->authorization, ", Signature=%s", out->signature));
    return RK_OK;
}

rk_status rk_sigv4_sign(const rk_sigv4_req *r, const rk_sigv4_key *k, const rk_sigv4_params *p, rk_sigv4_out *out,
                        rk_err *err)
{
    if (!k->access_key_id || !*k->access_key_id || !k->secret_access_key || !*k->secret_access_key)
        return rk_err_set(err, RK_EUSAGE, "cannot sign a request without an access key ID and a secret access key");
    chdr *h = calloc(r->nheaders + 3, sizeof *h);
    if (!h) return rk_err_set(err, RK_ENOMEM, "out of memory");
    size_t nh = 0;
    rk_status st = sign_core(r, k, p, out, h, &nh);
    for (size_t i = 0; i < nh; i++) {
        free(h[i].name);
        free(h[i].value);
    }
    free(h);
    if (st == RK_ENOMEM) return rk_err_set(err, st, "out of memory");
    if (st != RK_OK) return rk_err_set(err, st, "cannot sign the request: it is larger than %zu bytes", SIGV4_TEXT_MAX);
    return RK_OK;
}
