/* Fuzz target: the email text parsers and encoders (notify/mail.h).
 * The first byte picks the function; the rest is its input.
 *   0  address parser, then the address as a header token
 *   1  SMTP URL parser; a URL holding "@" must be refused, and its error
 *      may not depend on the part before the "@" (it may be a password)
 *   2  quoted-printable: lines of at most 76, printable ASCII, and a round
 *      trip through an independent decoder
 *   3  an unstructured header (RFC 2047) from valid UTF-8: line lengths */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/csv.h"
#include "notify/mail.h"

static void lines_at_most(const char *s, size_t max)
{
    size_t col = 0;
    for (; s && *s; s++) {
        if (s[0] == '\r' && s[1] == '\n') {
            col = 0;
            s++;
            continue;
        }
        if (*s == '\n' || *s == '\r' || ++col > max) abort();
    }
}

static int hexv(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; }

static void qp(const char *in, size_t n)
{
    rk_buf b;
    rk_buf_init(&b, (size_t)1 << 24);
    if (rk_mail_qp(&b, in, n) != RK_OK) abort();
    lines_at_most(b.p, 76);
    char *out = malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < b.len;) {
        char c = b.p[i];
        if (c != '\r' && c != '\n' && c != '\t' && (c < 32 || c > 126)) abort();
        if (c == '=' && i + 2 < b.len && b.p[i + 1] == '\r' && b.p[i + 2] == '\n') {
            i += 3;
        } else if (c == '=') {
            if (i + 2 >= b.len || hexv(b.p[i + 1]) < 0 || hexv(b.p[i + 2]) < 0) abort();
            out[k++] = (char)(hexv(b.p[i + 1]) * 16 + hexv(b.p[i + 2]));
            i += 3;
        } else if (c == '\r') {
            if (i + 1 >= b.len || b.p[i + 1] != '\n') abort();
            out[k++] = '\n';
            i += 2;
        } else {
            out[k++] = c;
            i++;
        }
        if (k > n) abort();
    }
    if (k != n || (n && memcmp(out, in, n) != 0)) abort();
    free(out);
    rk_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    rk_err err;
    switch (data[0] % 4) {
    case 0: {
        rk_mail_addr a;
        if (rk_mail_addr_parse(s, n, &a, &err) == RK_OK) {
            if (!strchr(a.addr, '@') || strlen(a.addr) > RK_MAIL_ADDR_MAX) abort();
            rk_buf b;
            rk_buf_init(&b, 1 << 16);
            size_t used = 4;
            if (rk_mail_header_addr(&b, &a, &used) != RK_OK) abort();
            rk_buf_free(&b);
        }
        break;
    }
    case 1: {
        rk_smtp_url u;
        rk_status st = rk_smtp_url_parse(s, n, &u, &err);
        const char *at = memchr(s, '@', n);
        if (at && st == RK_OK) abort();
        if (at && n < 2048) {
            /* The error must not depend on what precedes "@" (it may be a
             * password): with those bytes replaced by X's, the message is
             * the same. Skipped when they hold bytes that change the path
             * the parser takes (control characters, NUL). */
            const char *sl = memmem(s, n, "//", 2);
            if (sl && sl + 2 < at) {
                char copy[2048], msg[RK_ERR_MSG_MAX];
                memcpy(copy, s, n);
                bool plain = true;
                for (const char *p = sl + 2; p < at; p++)
                    if ((unsigned char)*p < 0x20 || *p == 0x7f || (*p == (char)0xc2)) plain = false;
                for (size_t i = (size_t)(sl + 2 - s); i < (size_t)(at - s); i++) copy[i] = 'X';
                snprintf(msg, sizeof msg, "%s", err.msg);
                rk_smtp_url v;
                if (plain && (rk_smtp_url_parse(copy, n, &v, &err) != st || strcmp(err.msg, msg) != 0)) abort();
            }
        }
        if (st == RK_OK) {
            char c[600];
            rk_smtp_url_fmt(&u, c, sizeof c);
            rk_smtp_url v;
            if (rk_smtp_url_parse(c, strlen(c), &v, &err) != RK_OK || v.port != u.port || strcmp(v.host, u.host))
                abort(); /* the canonical form parses to the same URL */
        }
        break;
    }
    case 2: qp(s, n); break;
    case 3:
        if (rk_utf8_valid(s, n) && !memchr(s, 0, n) && n < 4000) {
            rk_buf b;
            rk_buf_init(&b, 1 << 20);
            if (rk_mail_header_text(&b, s, n, 9) != RK_OK) abort();
            bool ascii_plain = true;
            for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) ascii_plain = false;
            /* encoded output keeps to 76 columns; plain text only folds at spaces */
            if (!ascii_plain) lines_at_most(b.p, 76);
            rk_buf_free(&b);
        }
        break;
    }
    return 0;
}
