/* mail.h — the parts of email that are text: addresses, SMTP URLs and the
 * MIME message itself (RFC 5322 headers, RFC 2047 encoded words, RFC 2045
 * quoted-printable, multipart/alternative).
 *
 * Pure functions over caller memory: no I/O, no global state (the message
 * builder takes its randomness from the caller), so each is fuzzable and
 * testable alone. Nothing here sends; smtp.h does.
 *
 * What is accepted, deliberately smaller than the RFCs:
 *   address   local@domain or Display Name <local@domain> or "Quoted, Name"
 *             <local@domain>. The local part is a dot-atom; the domain is
 *             LDH labels or an [IPv4] literal; both ASCII (no SMTPUTF8).
 *             The display name may be any UTF-8 without control characters.
 *   SMTP URL  smtp://host[:port][/ehlo-name] or smtps://…; host is a name,
 *             an IPv4 address or [IPv6]. A user or password in the URL is
 *             refused, and no error message ever repeats that part.
 */
#ifndef RK_MAIL_H
#define RK_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

#define RK_MAIL_ADDR_MAX 254 /* RFC 5321 path limit less the angle brackets */
#define RK_MAIL_NAME_MAX 200

typedef struct rk_mail_addr {
    char addr[RK_MAIL_ADDR_MAX + 1]; /* local@domain */
    char name[RK_MAIL_NAME_MAX + 1]; /* display name, UTF-8, "" when none */
} rk_mail_addr;

/* Parses one address; surrounding white space is ignored. The error names
 * the part at fault (it quotes the input, which is never a secret). */
rk_status rk_mail_addr_parse(const char *s, size_t n, rk_mail_addr *out, rk_err *err);

typedef struct rk_smtp_url {
    bool implicit_tls; /* smtps:// */
    char host[256];    /* as written, IPv6 without brackets */
    bool ipv6;
    unsigned port;     /* 25 or 465 when the URL has none */
    char ehlo[256];    /* the path: the name to greet with, "" for curl's default */
} rk_smtp_url;

rk_status rk_smtp_url_parse(const char *s, size_t n, rk_smtp_url *out, rk_err *err);
/* Writes the URL back in canonical form (lowercase scheme, explicit port). */
void rk_smtp_url_fmt(const rk_smtp_url *u, char *out, size_t cap);

/* Appends text as quoted-printable (RFC 2045 §6.7): "\n" in the input is a
 * line break (CRLF in the output), every other byte outside printable ASCII
 * and every "=" is escaped, white space before a break is escaped, and no
 * output line exceeds 76 characters (soft breaks "=" CRLF). */
rk_status rk_mail_qp(rk_buf *out, const char *text, size_t n);

/* Appends an unstructured header value (Subject) to a header line that
 * already holds `used` characters: as is when it is printable ASCII with no
 * "=?", folded at spaces; otherwise as RFC 2047 "=?UTF-8?B?…?=" words split
 * between characters, each line at most 76 characters. */
rk_status rk_mail_header_text(rk_buf *out, const char *text, size_t n, size_t used);

/* Appends an address as a header token ("Name <a@b>", quoted or encoded as
 * needed); *used tracks the line length for folding. */
rk_status rk_mail_header_addr(rk_buf *out, const rk_mail_addr *a, size_t *used);

typedef struct rk_mail {
    rk_mail_addr from;
    const rk_mail_addr *to;
    size_t nto;
    const char *subject; /* UTF-8 */
    const char *text;    /* UTF-8, "\n" line ends */
    const char *html;    /* UTF-8; NULL for a text-only message */
    int64_t date_ms;     /* the Date header */
    int tz_minutes;      /* its offset from UTC */
    uint8_t random[24];  /* Message-ID and boundary; the caller fills them */
} rk_mail;

/* Builds the whole message (headers and body, CRLF line ends) into out:
 * Date, From, To, Subject, Message-ID, MIME-Version, Auto-Submitted and a
 * multipart/alternative body with quoted-printable text and HTML parts. */
rk_status rk_mail_build(const rk_mail *m, rk_buf *out, rk_err *err);

#endif
