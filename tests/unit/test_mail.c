/* The text side of email: address and SMTP URL parsing, quoted-printable,
 * RFC 2047 encoded words, and the message builder. Decoders written here
 * (independent of the encoders) check round trips. */
#include "harness.h"

#include "format/csv.h"
#include "notify/mail.h"

/* ---- small independent decoders ---- */

static int hexv(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; }

/* Quoted-printable back to text with "\n" line ends; -1 on a malformed input. */
static long qp_decode(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 3;
        } else if (s[i] == '=') {
            if (i + 2 >= n || hexv(s[i + 1]) < 0 || hexv(s[i + 2]) < 0) return -1;
            out[k++] = (char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
            i += 3;
        } else if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
            out[k++] = '\n';
            i += 2;
        } else {
            out[k++] = s[i++];
        }
    }
    return (long)k;
}

static int b64v(char c)
{
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = strchr(a, c);
    return c && p ? (int)(p - a) : -1;
}

static size_t b64_decode(const char *s, size_t n, unsigned char *out)
{
    size_t k = 0;
    for (size_t i = 0; i + 4 <= n; i += 4) {
        int v[4];
        for (int j = 0; j < 4; j++) v[j] = s[i + j] == '=' ? 0 : b64v(s[i + j]);
        assert_true(v[0] >= 0 && v[1] >= 0 && v[2] >= 0 && v[3] >= 0);
        unsigned x = (unsigned)(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
        out[k++] = (unsigned char)(x >> 16);
        if (s[i + 2] != '=') out[k++] = (unsigned char)(x >> 8);
        if (s[i + 3] != '=') out[k++] = (unsigned char)x;
    }
    return k;
}

/* Every line of s (CRLF separated) is at most max characters. */
static void lines_at_most(const char *s, size_t max)
{
    size_t col = 0;
    for (const char *p = s; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n') {
            col = 0;
            p++;
            continue;
        }
        assert_int_not_equal(*p, '\n'); /* no bare LF */
        col++;
        if (col > max) fail_msg("a line is longer than %zu: %.100s", max, p - col + 1);
    }
}

/* ---- quoted-printable ---- */

static void qp_is(const char *in, const char *want)
{
    rk_buf b;
    rk_buf_init(&b, 1 << 20);
    assert_int_equal(rk_mail_qp(&b, in, strlen(in)), RK_OK);
    assert_string_equal(b.p ? b.p : "", want);
    rk_buf_free(&b);
}

static void qp_cases(void **state)
{
    (void)state;
    qp_is("", "");
    qp_is("plain text", "plain text");
    qp_is("a=b", "a=3Db");
    qp_is("caf\xc3\xa9", "caf=C3=A9");
    qp_is("two\nlines", "two\r\nlines");
    qp_is("space at end \nx", "space at end=20\r\nx");
    qp_is("tab\tin\tmiddle\t", "tab\tin\tmiddle=09");
    qp_is("cr\rhere", "cr=0Dhere");
    qp_is(".leading dot", ".leading dot"); /* curl dot-stuffs on the wire */
    char in[200], want[400];
    memset(in, 'x', 76);
    in[76] = 0;
    qp_is(in, in); /* exactly 76: no soft break */
    memset(in, 'x', 77);
    in[77] = 0;
    snprintf(want, sizeof want, "%.75s=\r\nxx", in);
    qp_is(in, want);
    /* An escape is never split by a soft break. */
    memset(in, 'x', 74);
    strcpy(in + 74, "\xc3\xa9yz");
    snprintf(want, sizeof want, "%.74s=\r\n=C3=A9yz", in);
    qp_is(in, want);
}

static void qp_round_trip(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    char in[600], out[600];
    rk_buf b;
    rk_buf_init(&b, 1 << 20);
    for (int round = 0; round < 2000; round++) {
        size_t n = (seed = seed * 1103515245u + 12345u) % 500;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % 10;
            in[i] = r < 5 ? (char)('a' + (seed >> 20) % 26) : r == 5 ? ' ' : r == 6 ? '\n' : r == 7 ? '=' : (char)(seed >> 8);
        }
        rk_buf_reset(&b);
        assert_int_equal(rk_mail_qp(&b, in, n), RK_OK);
        const char *enc = b.p ? b.p : "";
        lines_at_most(enc, 76);
        for (const char *p = enc; *p; p++) assert_true((*p >= 32 && *p < 127) || *p == '\r' || *p == '\n' || *p == '\t');
        /* no white space before a line end */
        for (const char *p = enc; *p; p++)
            if (p[0] == '\r') assert_false(p > enc && (p[-1] == ' ' || p[-1] == '\t'));
        long k = qp_decode(enc, b.len, out);
        assert_int_equal(k, (long)n);
        assert_memory_equal(out, in, n);
    }
    rk_buf_free(&b);
}

/* ---- RFC 2047 ---- */

/* Decodes a header value made of encoded words (or plain text). */
static void header_decode(const char *v, char *out, size_t *n)
{
    *n = 0;
    const char *p = v;
    while (*p) {
        if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
            const char *e = strstr(p + 10, "?=");
            assert_non_null(e);
            assert_true(e + 2 - p <= 75); /* an encoded word is at most 75 characters */
            unsigned char tmp[200];
            size_t k = b64_decode(p + 10, (size_t)(e - p - 10), tmp);
            assert_true(rk_utf8_valid((const char *)tmp, k)); /* never split inside a character */
            memcpy(out + *n, tmp, k);
            *n += k;
            p = e + 2;
            /* white space between encoded words is not part of the text */
            while (*p == '\r' || *p == '\n' || *p == ' ') p++;
        } else {
            if (p[0] == '\r' && p[1] == '\n') {
                p += 2;
                continue;
            }
            out[(*n)++] = *p++;
        }
    }
    out[*n] = 0;
}

static void header_text(void **state)
{
    (void)state;
    const char *cases[] = {
        "reckon: test email",
        "reckon: your dashboards are ready \xe2\x80\x94 Acme",
        "=?UTF-8?B?looks encoded?=",
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d\xe3\x81\xa7\xe3\x81\x99 "
        "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80 and a long "
        "tail of ASCII words after the emoji to force several encoded words across lines",
        "A plain ASCII subject that is long enough to need folding somewhere after seventy-eight columns of text",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rk_buf b;
        rk_buf_init(&b, 1 << 16);
        rk_buf_puts(&b, "Subject: ");
        assert_int_equal(rk_mail_header_text(&b, cases[i], strlen(cases[i]), 9), RK_OK);
        bool encoded = strstr(b.p, "=?UTF-8?B?") != NULL;
        lines_at_most(b.p, encoded ? 76 : 78);
        char out[1024];
        size_t n;
        if (encoded) {
            header_decode(b.p + 9, out, &n);
        } else { /* unfold: CRLF before white space goes */
            n = 0;
            for (const char *p = b.p + 9; *p; p++)
                if (!(p[0] == '\r' && p[1] == '\n')) out[n++] = *p;
                else p++;
            out[n] = 0;
        }
        assert_string_equal(out, cases[i]);
        assert_int_equal(encoded, i == 1 || i == 2 || i == 3);
        rk_buf_free(&b);
    }
}

/* ---- addresses and URLs ---- */

static void addr_ok(const char *in, const char *addr, const char *name)
{
    rk_mail_addr a;
    rk_err err = {0};
    if (rk_mail_addr_parse(in, strlen(in), &a, &err) != RK_OK) fail_msg("%s: %s", in, err.msg);
    assert_string_equal(a.addr, addr);
    assert_string_equal(a.name, name);
}

static void addr_bad(const char *in, const char *why)
{
    rk_mail_addr a;
    rk_err err = {0};
    assert_int_equal(rk_mail_addr_parse(in, strlen(in), &a, &err), RK_EUSAGE);
    if (!strstr(err.msg, why)) fail_msg("%s: \"%s\" lacks \"%s\"", in, err.msg, why);
}

static void addresses(void **state)
{
    (void)state;
    addr_ok("ops@example.com", "ops@example.com", "");
    addr_ok("  ops@example.com\t", "ops@example.com", "");
    addr_ok("first.last+tag@mail.example.co.uk", "first.last+tag@mail.example.co.uk", "");
    addr_ok("root@localhost", "root@localhost", "");
    addr_ok("x@[192.0.2.1]", "x@[192.0.2.1]", "");
    addr_ok("Ops Team <ops@example.com>", "ops@example.com", "Ops Team");
    addr_ok("\"Acme, Inc. \\\"billing\\\"\" <b@example.com>", "b@example.com", "Acme, Inc. \"billing\"");
    addr_ok("R\xc3\xa9" "ckon <r@example.com>", "r@example.com", "R\xc3\xa9" "ckon");
    addr_ok("<bare@example.com>", "bare@example.com", "");
    addr_bad("", "is empty");
    addr_bad("ops", "has no @");
    addr_bad("@example.com", "1 to 64 characters");
    addr_bad("ops@", "the domain after @");
    addr_bad("ops@example..com", "the domain after @");
    addr_bad("ops@-x.com", "the domain after @");
    addr_bad("ops@x-.com", "the domain after @");
    addr_bad("o ps@example.com", "has a space");
    addr_bad(".ops@example.com", "single dots");
    addr_bad("ops.@example.com", "single dots");
    addr_bad("o(ps@example.com", "single dots");
    addr_bad("\"q\"@example.com", "quoted local parts");
    addr_bad("\xc3\xa9@example.com", "non-ASCII");
    addr_bad("Ops <ops@example.com", "must end with >");
    addr_bad("Ops <ops@example.com> x", "must end with >");
    addr_bad("Ops, Team <ops@example.com>", "double quotes");
    addr_bad("\"Ops <ops@example.com>", "must be closed");
    addr_bad("ops@example.com>", "a > without <");
    addr_bad("ops\r\n@example.com", "control character");
    addr_bad("x@[192.0.2.256]", "the domain");
    char longl[100];
    memset(longl, 'a', 65);
    strcpy(longl + 65, "@example.com");
    addr_bad(longl, "1 to 64 characters");
}

static void url_ok(const char *in, bool tls, const char *host, unsigned port, const char *ehlo, const char *canon)
{
    rk_smtp_url u;
    rk_err err = {0};
    if (rk_smtp_url_parse(in, strlen(in), &u, &err) != RK_OK) fail_msg("%s: %s", in, err.msg);
    assert_int_equal(u.implicit_tls, tls);
    assert_string_equal(u.host, host);
    assert_int_equal(u.port, port);
    assert_string_equal(u.ehlo, ehlo);
    char c[600];
    rk_smtp_url_fmt(&u, c, sizeof c);
    assert_string_equal(c, canon);
}

static void url_bad(const char *in, const char *why, const char *never)
{
    rk_smtp_url u;
    rk_err err = {0};
    assert_int_equal(rk_smtp_url_parse(in, strlen(in), &u, &err), RK_EUSAGE);
    if (!strstr(err.msg, why)) fail_msg("%s: \"%s\" lacks \"%s\"", in, err.msg, why);
    if (never && strstr(err.msg, never)) fail_msg("%s: the error repeats \"%s\"", in, never);
}

static void urls(void **state)
{
    (void)state;
    url_ok("smtp://mail.example.com", false, "mail.example.com", 25, "", "smtp://mail.example.com:25");
    url_ok("SMTPS://mail.example.com", true, "mail.example.com", 465, "", "smtps://mail.example.com:465");
    url_ok("smtp://127.0.0.1:2525", false, "127.0.0.1", 2525, "", "smtp://127.0.0.1:2525");
    url_ok("smtp://[::1]:587/me.example.com", false, "::1", 587, "me.example.com", "smtp://[::1]:587/me.example.com");
    url_ok("smtps://mail.example.com/", true, "mail.example.com", 465, "", "smtps://mail.example.com:465");
    url_bad("http://mail.example.com", "must start with smtp://", NULL);
    url_bad("smtp://", "has no host", NULL);
    url_bad("smtp://:25", "has no host", NULL);
    url_bad("smtp://host:", "port after : is empty", NULL);
    url_bad("smtp://host:99999", "1 to 65535", NULL);
    url_bad("smtp://host:0", "1 to 65535", NULL);
    url_bad("smtp://host:12a", "1 to 65535", NULL);
    url_bad("smtp://ho st", "not a host name", NULL);
    url_bad("smtp://host?x", "query", NULL);
    url_bad("smtp://host#x", "query", NULL);
    url_bad("smtp://host/bad_name", "EHLO", NULL);
    url_bad("smtp://[::1", "closing ]", NULL);
    url_bad("smtp://[zz::1]", "IPv6 host holds", NULL);
    url_bad("smtp://user:TopSecret99@host", "must not hold a user or password", "TopSecret99");
    url_bad("smtp://user:Top/Secret99@host", "must not hold a user or password", "Secret99");
    url_bad("smtp://host\n", "control character", NULL);
}

/* ---- the message ---- */

static void build(void **state)
{
    (void)state;
    rk_mail_addr to[12];
    rk_err err = {0};
    for (int i = 0; i < 12; i++) {
        char a[64];
        snprintf(a, sizeof a, "Recipient Number %d <recipient.number.%d@example.com>", i, i);
        assert_int_equal(rk_mail_addr_parse(a, strlen(a), &to[i], &err), RK_OK);
    }
    rk_mail m = {.to = to, .nto = 12, .subject = "caf\xc3\xa9 report", .text = "Hello\n.\nbye\n",
                 .html = "<p>Hello</p>", .date_ms = 1767225600000LL /* 2026-01-01 00:00 UTC, a Thursday */};
    const char *from = "R\xc3\xa9" "ckon <r@example.com>";
    assert_int_equal(rk_mail_addr_parse(from, strlen(from), &m.from, &err), RK_OK);
    for (size_t i = 0; i < sizeof m.random; i++) m.random[i] = (uint8_t)(0xa0 + i);
    rk_buf b;
    rk_buf_init(&b, 1 << 20);
    assert_int_equal(rk_mail_build(&m, &b, &err), RK_OK);
    const char *s = b.p;
    assert_true(strncmp(s, "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n", 39) == 0);
    assert_non_null(strstr(s, "\r\nFrom: =?UTF-8?B?UsOpY2tvbg==?= <r@example.com>\r\n"));
    assert_non_null(strstr(s, "\r\nSubject: =?UTF-8?B?Y2Fmw6kgcmVwb3J0?=\r\n"));
    assert_non_null(strstr(s, "\r\nMessage-ID: <a0a1a2a3a4a5a6a7a8a9aaab.1767225600000@example.com>\r\n"));
    assert_non_null(strstr(s, "\r\nMIME-Version: 1.0\r\n"));
    assert_non_null(strstr(s, "\r\nContent-Type: multipart/alternative; boundary=\"=_rk_acadaeafb0b1b2b3b4b5b6b7\"\r\n"));
    assert_non_null(strstr(s, "\r\n--=_rk_acadaeafb0b1b2b3b4b5b6b7\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
    assert_non_null(strstr(s, "\r\n\r\nHello\r\n.\r\nbye\r\n--=_rk_acadaeafb0b1b2b3b4b5b6b7\r\nContent-Type: text/html"));
    assert_non_null(strstr(s, "<p>Hello</p>\r\n--=_rk_acadaeafb0b1b2b3b4b5b6b7--\r\n"));
    /* every recipient in To, the header folded at 78 columns */
    const char *hdr_end = strstr(s, "\r\n\r\n");
    char head[8192];
    snprintf(head, sizeof head, "%.*s", (int)(hdr_end - s + 2), s);
    lines_at_most(head, 78);
    for (int i = 0; i < 12; i++) {
        char a[64];
        snprintf(a, sizeof a, "<recipient.number.%d@example.com>", i);
        assert_non_null(strstr(head, a));
    }
    assert_int_equal(rk_mail_build(&(rk_mail){.nto = 0}, &b, &err), RK_EUSAGE);
    rk_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(qp_cases), cmocka_unit_test(qp_round_trip),
                                       cmocka_unit_test(header_text), cmocka_unit_test(addresses),
                                       cmocka_unit_test(urls), cmocka_unit_test(build)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
