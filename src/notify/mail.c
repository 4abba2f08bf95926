#include "notify/mail.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "format/csv.h" /* rk_utf8_valid */

/* ---- characters ---- */

static bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_ws(unsigned char c) { return c == ' ' || c == '\t'; }

/* RFC 5322 atext. */
static bool is_atext(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static bool has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) return true;
        /* C1 controls, encoded as U+0080..U+009F */
        if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f) return true;
    }
    return false;
}

/* ---- addresses ---- */

static void trim(const char **s, size_t *n)
{
    while (*n && is_ws((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && is_ws((unsigned char)(*s)[*n - 1])) (*n)--;
}

/* A domain: LDH labels joined by dots, or an [IPv4] literal. */
static bool domain_ok(const char *d, size_t n)
{
    if (n == 0 || n > 253) return false;
    if (d[0] == '[') {
        if (n < 9 || d[n - 1] != ']') return false;
        unsigned parts = 0, val = 0, digits = 0;
        for (size_t i = 1; i + 1 < n; i++) {
            unsigned char c = (unsigned char)d[i];
            if (is_digit(c)) {
                val = val * 10 + (c - '0');
                if (++digits > 3 || val > 255) return false;
            } else if (c == '.' && digits) {
                parts++;
                val = digits = 0;
            } else {
                return false;
            }
        }
        return digits && parts == 3;
    }
    size_t label = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || d[i] == '.') {
            if (label == 0 || label > 63 || d[i - 1] == '-') return false;
            label = 0;
            continue;
        }
        unsigned char c = (unsigned char)d[i];
        if (!(is_alpha(c) || is_digit(c) || c == '-')) return false;
        if (label == 0 && c == '-') return false;
        label++;
    }
    return true;
}

static rk_status addr_spec(const char *s, size_t n, const char *whole, size_t wn, char *out, rk_err *err)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return rk_err_set(err, RK_EUSAGE,
                              "\"%.*s\": addresses with non-ASCII characters are not supported; use an ASCII address",
                              (int)wn, whole);
    const char *at = memrchr(s, '@', n);
    if (!at)
        return rk_err_set(err, RK_EUSAGE, "\"%.*s\" is not an email address: it has no @; write name@example.com",
                          (int)wn, whole);
    size_t ln = (size_t)(at - s), dn = n - ln - 1;
    if (ln == 0 || ln > 64)
        return rk_err_set(err, RK_EUSAGE, "\"%.*s\": the part before @ must have 1 to 64 characters", (int)wn, whole);
    if (s[0] == '"')
        return rk_err_set(err, RK_EUSAGE, "\"%.*s\": quoted local parts are not supported", (int)wn, whole);
    for (size_t i = 0; i < ln; i++) {
        unsigned char c = (unsigned char)s[i];
        bool dot = c == '.';
        if (!(is_atext(c) || dot) || (dot && (i == 0 || i == ln - 1 || s[i - 1] == '.')))
            return rk_err_set(err, RK_EUSAGE,
                              "\"%.*s\": the part before @ may hold letters, digits, !#$%%&'*+-/=?^_`{|}~ and single "
                              "dots between them",
                              (int)wn, whole);
    }
    if (!domain_ok(at + 1, dn))
        return rk_err_set(err, RK_EUSAGE,
                          "\"%.*s\": the domain after @ must be a host name such as example.com (letters, digits, "
                          "hyphens, dots) or [192.0.2.1]",
                          (int)wn, whole);
    if (n > RK_MAIL_ADDR_MAX)
        return rk_err_set(err, RK_EUSAGE, "\"%.*s\" is longer than %d characters", (int)wn, whole, RK_MAIL_ADDR_MAX);
    memcpy(out, s, n);
    out[n] = 0;
    return RK_OK;
}

rk_status rk_mail_addr_parse(const char *s, size_t n, rk_mail_addr *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    const char *whole = s;
    size_t wn = n;
    if (wn > 300) wn = 300; /* what error messages quote */
    trim(&s, &n);
    if (n == 0) return rk_err_set(err, RK_EUSAGE, "an email address is empty; write name@example.com");
    if (memchr(s, 0, n) || has_control(s, n) || !rk_utf8_valid(s, n))
        return rk_err_set(err, RK_EUSAGE, "an email address holds a control character or invalid UTF-8");
    const char *lt = memchr(s, '<', n);
    if (!lt) {
        if (memchr(s, '>', n))
            return rk_err_set(err, RK_EUSAGE, "\"%.*s\" has a > without <; write Name <name@example.com>", (int)wn, whole);
        for (size_t i = 0; i < n; i++)
            if (is_ws((unsigned char)s[i]))
                return rk_err_set(err, RK_EUSAGE,
                                  "\"%.*s\" has a space; write name@example.com or Name <name@example.com>", (int)wn,
                                  whole);
        return addr_spec(s, n, whole, wn, out->addr, err);
    }
    /* Display name < addr-spec > */
    const char *name = s;
    size_t nn = (size_t)(lt - s);
    const char *rest = lt + 1;
    size_t rn = n - nn - 1;
    const char *gt = memchr(rest, '>', rn);
    if (!gt || gt != rest + rn - 1)
        return rk_err_set(err, RK_EUSAGE, "\"%.*s\": the address must end with > after <; write Name <name@example.com>",
                          (int)wn, whole);
    RK_TRY(addr_spec(rest, rn - 1, whole, wn, out->addr, err));
    trim(&name, &nn);
    size_t k = 0;
    if (nn && name[0] == '"') {
        size_t i = 1;
        for (; i < nn && name[i] != '"' && k < RK_MAIL_NAME_MAX; i++) {
            if (name[i] == '\\' && i + 1 < nn) i++;
            out->name[k++] = name[i];
        }
        if (k < RK_MAIL_NAME_MAX && i != nn - 1)
            return rk_err_set(err, RK_EUSAGE, "\"%.*s\": the quoted name must be closed with \" just before <", (int)wn,
                              whole);
    } else {
        for (size_t i = 0; i < nn; i++) {
            if (strchr("\",;:@[]\\<>()", name[i]))
                return rk_err_set(err, RK_EUSAGE,
                                  "\"%.*s\": a name holding %c must be in double quotes: \"Name\" <name@example.com>",
                                  (int)wn, whole, name[i]);
            if (k >= RK_MAIL_NAME_MAX) break;
            out->name[k++] = name[i];
        }
    }
    if (k >= RK_MAIL_NAME_MAX)
        return rk_err_set(err, RK_EUSAGE, "\"%.*s\": the display name is longer than %d bytes", (int)wn, whole,
                          RK_MAIL_NAME_MAX);
    out->name[k] = 0;
    return RK_OK;
}

/* ---- SMTP URL ---- */

rk_status rk_smtp_url_parse(const char *s, size_t n, rk_smtp_url *out, rk_err *err)
{
    static const char form[] =
        "write smtps://mail.example.com (TLS from the start, port 465) or smtp://mail.example.com:587 (STARTTLS)";
    memset(out, 0, sizeof *out);
    if (n > 1024) return rk_err_set(err, RK_EUSAGE, "smtp.url is longer than 1024 characters; %s", form);
    if (memchr(s, 0, n) || has_control(s, n)) return rk_err_set(err, RK_EUSAGE, "smtp.url holds a control character; %s", form);
    size_t p;
    if (n >= 7 && strncasecmp(s, "smtp://", 7) == 0) {
        p = 7;
    } else if (n >= 8 && strncasecmp(s, "smtps://", 8) == 0) {
        out->implicit_tls = true;
        p = 8;
    } else {
        return rk_err_set(err, RK_EUSAGE, "smtp.url must start with smtp:// or smtps://; %s", form);
    }
    size_t auth_end = p;
    while (auth_end < n && s[auth_end] != '/' && s[auth_end] != '?' && s[auth_end] != '#') auth_end++;
    /* "@" has no place in the accepted grammar, and whatever precedes it may
     * be a password: refuse it anywhere, and never quote the URL. */
    if (memchr(s, '@', n))
        return rk_err_set(err, RK_EUSAGE,
                          "smtp.url must not hold a user or password (user@host); set smtp.user, and the password in "
                          "a file named by smtp.password-file or in RECKON_SMTP_PASSWORD");
    size_t host_end;
    if (p < auth_end && s[p] == '[') {
        const char *rb = memchr(s + p, ']', auth_end - p);
        if (!rb) return rk_err_set(err, RK_EUSAGE, "smtp.url: an IPv6 host needs a closing ]; %s", form);
        size_t hl = (size_t)(rb - (s + p)) - 1;
        if (hl == 0 || hl > 45) return rk_err_set(err, RK_EUSAGE, "smtp.url: the IPv6 host is empty or too long; %s", form);
        for (size_t i = 0; i < hl; i++) {
            unsigned char c = (unsigned char)s[p + 1 + i];
            if (!(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
                return rk_err_set(err, RK_EUSAGE, "smtp.url: the IPv6 host holds \"%c\"; %s", c, form);
        }
        memcpy(out->host, s + p + 1, hl);
        out->host[hl] = 0;
        out->ipv6 = true;
        host_end = (size_t)(rb - s) + 1;
    } else {
        host_end = p;
        while (host_end < auth_end && s[host_end] != ':') host_end++;
        size_t hl = host_end - p;
        if (hl == 0) return rk_err_set(err, RK_EUSAGE, "smtp.url has no host; %s", form);
        if (hl >= sizeof out->host || !domain_ok(s + p, hl) || s[p] == '[')
            return rk_err_set(err, RK_EUSAGE, "smtp.url: \"%.*s\" is not a host name or address; %s", (int)(hl > 255 ? 255 : hl),
                              s + p, form);
        memcpy(out->host, s + p, hl);
        out->host[hl] = 0;
    }
    out->port = out->implicit_tls ? 465 : 25;
    if (host_end < auth_end) {
        if (s[host_end] != ':') return rk_err_set(err, RK_EUSAGE, "smtp.url: unexpected text after the host; %s", form);
        size_t i = host_end + 1;
        unsigned long port = 0;
        if (i == auth_end) return rk_err_set(err, RK_EUSAGE, "smtp.url: the port after : is empty; %s", form);
        for (; i < auth_end; i++) {
            if (!is_digit((unsigned char)s[i]) || port > 65535)
                return rk_err_set(err, RK_EUSAGE, "smtp.url: the port must be a number from 1 to 65535; %s", form);
            port = port * 10 + (unsigned long)(s[i] - '0');
        }
        if (port == 0 || port > 65535)
            return rk_err_set(err, RK_EUSAGE, "smtp.url: the port must be a number from 1 to 65535; %s", form);
        out->port = (unsigned)port;
    }
    if (auth_end < n) {
        if (s[auth_end] != '/')
            return rk_err_set(err, RK_EUSAGE, "smtp.url must not have a query (?) or fragment (#); %s", form);
        size_t el = n - auth_end - 1;
        if (el && (el >= sizeof out->ehlo || !domain_ok(s + auth_end + 1, el)))
            return rk_err_set(err, RK_EUSAGE,
                              "smtp.url: the path is the name reckon greets the server with (EHLO) and must be a host "
                              "name; %s",
                              form);
        memcpy(out->ehlo, s + auth_end + 1, el);
        out->ehlo[el] = 0;
    }
    return RK_OK;
}

void rk_smtp_url_fmt(const rk_smtp_url *u, char *out, size_t cap)
{
    snprintf(out, cap, "%s://%s%s%s:%u%s%s", u->implicit_tls ? "smtps" : "smtp", u->ipv6 ? "[" : "", u->host,
             u->ipv6 ? "]" : "", u->port, u->ehlo[0] ? "/" : "", u->ehlo);
}

/* ---- quoted-printable ---- */

static const char hexd[] = "0123456789ABCDEF";

rk_status rk_mail_qp(rk_buf *out, const char *text, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') {
            RK_TRY(rk_buf_append(out, "\r\n", 2));
            col = 0;
            continue;
        }
        bool at_eol = i + 1 == n || text[i + 1] == '\n';
        char enc[3];
        size_t len;
        if ((c >= 33 && c <= 126 && c != '=') || (is_ws(c) && !at_eol)) {
            enc[0] = (char)c;
            len = 1;
        } else {
            enc[0] = '=';
            enc[1] = hexd[c >> 4];
            enc[2] = hexd[c & 15];
            len = 3;
        }
        /* 76 columns at most; a soft break "=" takes one of them unless this
         * is the last character before a hard break. */
        size_t limit = at_eol ? 76 : 75;
        if (col + len > limit) {
            RK_TRY(rk_buf_append(out, "=\r\n", 3));
            col = 0;
        }
        RK_TRY(rk_buf_append(out, enc, len));
        col += len;
    }
    return RK_OK;
}

/* ---- headers ---- */

static const char b64d[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static rk_status b64(rk_buf *out, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n) v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        char q[4] = {b64d[(v >> 18) & 63], b64d[(v >> 12) & 63], i + 1 < n ? b64d[(v >> 6) & 63] : '=',
                     i + 2 < n ? b64d[v & 63] : '='};
        RK_TRY(rk_buf_append(out, q, 4));
    }
    return RK_OK;
}

#define LINE_MAX_EW 76 /* a line holding encoded words (RFC 2047 §2) */

/* Encoded words "=?UTF-8?B?…?=" for text, split between characters. The
 * first fills what is left of the current line; each next one starts a new
 * line (CRLF SP), so no line passes 76 columns. */
static rk_status encoded_words(rk_buf *out, const char *text, size_t n, size_t *used)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (i < n) {
        size_t room = LINE_MAX_EW > *used ? LINE_MAX_EW - *used : 0;
        /* 12 = "=?UTF-8?B?" + "?="; each 4 base64 characters carry 3 bytes. */
        size_t bytes = room > 12 ? (room - 12) / 4 * 3 : 0;
        size_t take = n - i < bytes ? n - i : bytes;
        while (take && i + take < n && (p[i + take] & 0xc0) == 0x80) take--; /* not inside a character */
        if (take == 0) {
            if (*used <= 1) return RK_EINTERNAL; /* a fresh line holds 45 bytes: cannot happen */
            RK_TRY(rk_buf_append(out, "\r\n ", 3));
            *used = 1;
            continue;
        }
        size_t before = out->len;
        RK_TRY(rk_buf_puts(out, "=?UTF-8?B?"));
        RK_TRY(b64(out, p + i, take));
        RK_TRY(rk_buf_puts(out, "?="));
        *used += out->len - before;
        i += take;
        if (i < n) {
            RK_TRY(rk_buf_append(out, "\r\n ", 3));
            *used = 1;
        }
    }
    return RK_OK;
}

static bool needs_encoding(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f) return true;
        if (c == '=' && i + 1 < n && s[i + 1] == '?') return true;
    }
    return false;
}

rk_status rk_mail_header_text(rk_buf *out, const char *text, size_t n, size_t used)
{
    if (needs_encoding(text, n)) return encoded_words(out, text, n, &used);
    /* Printable ASCII: fold before a word that would pass 78 columns. */
    size_t i = 0;
    bool first = true;
    while (i < n) {
        size_t j = i;
        while (j < n && text[j] == ' ') j++;
        while (j < n && text[j] != ' ') j++;
        size_t len = j - i;
        if (!first && used + len > 78 && text[i] == ' ') {
            RK_TRY(rk_buf_puts(out, "\r\n"));
            used = 0;
        }
        RK_TRY(rk_buf_append(out, text + i, len));
        used += len;
        i = j;
        first = false;
    }
    return RK_OK;
}

rk_status rk_mail_header_addr(rk_buf *out, const rk_mail_addr *a, size_t *used)
{
    size_t nl = strlen(a->name), al = strlen(a->addr);
    if (nl == 0) {
        if (*used + al > 78 && *used > 1) {
            RK_TRY(rk_buf_puts(out, "\r\n "));
            *used = 1;
        }
        RK_TRY(rk_buf_append(out, a->addr, al));
        *used += al;
        return RK_OK;
    }
    if (needs_encoding(a->name, nl)) {
        RK_TRY(encoded_words(out, a->name, nl, used));
    } else {
        bool plain = true;
        for (size_t i = 0; i < nl; i++)
            if (!(is_atext((unsigned char)a->name[i]) || a->name[i] == ' ')) plain = false;
        if (a->name[0] == ' ' || a->name[nl - 1] == ' ') plain = false;
        size_t before = out->len;
        if (*used + nl + 3 > 78 && *used > 1) {
            RK_TRY(rk_buf_puts(out, "\r\n "));
            *used = 1;
            before = out->len;
        }
        if (plain) {
            RK_TRY(rk_buf_append(out, a->name, nl));
        } else {
            RK_TRY(rk_buf_putc(out, '"'));
            for (size_t i = 0; i < nl; i++) {
                if (a->name[i] == '"' || a->name[i] == '\\') RK_TRY(rk_buf_putc(out, '\\'));
                RK_TRY(rk_buf_putc(out, a->name[i]));
            }
            RK_TRY(rk_buf_putc(out, '"'));
        }
        *used += out->len - before;
    }
    if (*used + al + 3 > 78) {
        RK_TRY(rk_buf_puts(out, "\r\n "));
        *used = 1;
    } else {
        RK_TRY(rk_buf_putc(out, ' '));
        (*used)++;
    }
    RK_TRY(rk_buf_printf(out, "<%s>", a->addr));
    *used += al + 2;
    return RK_OK;
}

/* ---- the message ---- */

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = "0123456789abcdef"[p[i] >> 4];
        out[2 * i + 1] = "0123456789abcdef"[p[i] & 15];
    }
    out[2 * n] = 0;
}

/* RFC 5322 date-time, in English whatever the locale. */
static void rfc5322_date(int64_t ms, int tz_minutes, char *out, size_t cap)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000) + (time_t)tz_minutes * 60;
    struct tm tm;
    gmtime_r(&t, &tm);
    int off = tz_minutes < 0 ? -tz_minutes : tz_minutes;
    snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, tz_minutes < 0 ? '-' : '+', off / 60, off % 60);
}

static rk_status part(rk_buf *out, const char *boundary, const char *type, const char *body)
{
    RK_TRY(rk_buf_printf(out,
                         "--%s\r\nContent-Type: %s; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
                         boundary, type));
    size_t n = strlen(body);
    RK_TRY(rk_mail_qp(out, body, n));
    if (n == 0 || body[n - 1] != '\n') RK_TRY(rk_buf_puts(out, "\r\n"));
    return RK_OK;
}

rk_status rk_mail_build(const rk_mail *m, rk_buf *out, rk_err *err)
{
    if (m->nto == 0) return rk_err_set(err, RK_EUSAGE, "an email needs at least one recipient");
    const char *parts[3] = {m->subject, m->text, m->html ? m->html : ""};
    for (int i = 0; i < 3; i++)
        if (!rk_utf8_valid(parts[i], strlen(parts[i])))
            return rk_err_set(err, RK_EINTERNAL, "the email's %s is not valid UTF-8",
                              i == 0 ? "subject" : i == 1 ? "text" : "HTML");
    char date[64], rnd[2 * sizeof m->random + 1], boundary[64];
    rfc5322_date(m->date_ms, m->tz_minutes, date, sizeof date);
    hex(m->random, sizeof m->random, rnd);
    /* "=_" never occurs in quoted-printable output ("=" is always followed
     * by hex digits or a line break), so the boundary cannot occur in a part. */
    snprintf(boundary, sizeof boundary, "=_rk_%.24s", rnd + 24);
    const char *dom = strrchr(m->from.addr, '@');
    dom = dom ? dom + 1 : "reckon.invalid";

    rk_status st = RK_OK;
#define W(expr)                                                                                                        \
    do {                                                                                                               \
        if ((st = (expr)) != RK_OK) goto fail;                                                                         \
    } while (0)
    W(rk_buf_printf(out, "Date: %s\r\n", date));
    size_t used = 6;
    W(rk_buf_puts(out, "From: "));
    W(rk_mail_header_addr(out, &m->from, &used));
    W(rk_buf_puts(out, "\r\nTo: "));
    used = 4;
    for (size_t i = 0; i < m->nto; i++) {
        if (i) {
            W(rk_buf_putc(out, ','));
            used++;
            if (used + 1 + strlen(m->to[i].addr) > 78) {
                W(rk_buf_puts(out, "\r\n"));
                used = 0;
            }
            W(rk_buf_putc(out, ' '));
            used++;
        }
        W(rk_mail_header_addr(out, &m->to[i], &used));
    }
    W(rk_buf_puts(out, "\r\nSubject: "));
    W(rk_mail_header_text(out, m->subject, strlen(m->subject), 9));
    W(rk_buf_printf(out, "\r\nMessage-ID: <%.24s.%lld@%s>\r\n", rnd, (long long)m->date_ms, dom));
    W(rk_buf_puts(out, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"));
    if (m->html) {
        W(rk_buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary));
        W(rk_buf_puts(out, "This is a MIME message with a plain text and an HTML version.\r\n\r\n"));
        W(part(out, boundary, "text/plain", m->text));
        W(part(out, boundary, "text/html", m->html));
        W(rk_buf_printf(out, "--%s--\r\n", boundary));
    } else {
        W(rk_buf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"));
        size_t n = strlen(m->text);
        W(rk_mail_qp(out, m->text, n));
        if (n == 0 || m->text[n - 1] != '\n') W(rk_buf_puts(out, "\r\n"));
    }
#undef W
    return RK_OK;
fail:
    if (st == RK_ELIMIT) return rk_err_set(err, st, "the email is larger than %zu bytes", out->max);
    if (st == RK_ENOMEM) return rk_err_set(err, st, "out of memory building an email");
    return rk_err_set(err, st, "building an email failed (%s)", rk_status_name(st));
}
