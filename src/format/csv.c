#include "format/csv.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

/* HOW IT WORKS
 * The buffer holds [pos, end) unread bytes followed by a '\n' sentinel, so
 * the unquoted-field scan needs no bounds check. A row is parsed from its
 * first byte; if it runs into the end of the buffer before its line end, the
 * unread part is moved to the front, more input is read, and the row is
 * parsed again from its start. Field boundaries are recorded as offsets and
 * doubled quotes are collapsed in place only once the row is complete, so a
 * re-parse always sees the original bytes. */

#define CHUNK (1u << 20)

struct rk_csv {
    rk_in *in;
    rk_csv_opts o;
    char *buf;
    size_t cap, pos, end;
    bool eof, started;
    uint64_t line;     /* physical line of buf[pos] */
    uint64_t consumed; /* bytes before buf[pos] */
    size_t *fstart, *flen;
    uint8_t *fquote; /* field had doubled quotes */
    rk_csv_field *fields;
    size_t fcap;
    rk_csv_row row;
};

static const uint8_t special[256] = {['\n'] = 1, ['\r'] = 1, [','] = 1, ['"'] = 1};

rk_status rk_csv_open(rk_in *in, const rk_csv_opts *opts, rk_csv **out, rk_err *err)
{
    rk_csv *c = calloc(1, sizeof *c);
    if (!c) return rk_err_set(err, RK_ENOMEM, "out of memory");
    c->in = in;
    if (opts) c->o = *opts;
    if (!c->o.max_field) c->o.max_field = 4u << 20;
    if (!c->o.max_row) c->o.max_row = 64u << 20;
    if (c->o.max_row < c->o.max_field) c->o.max_row = c->o.max_field;
    c->cap = 2 * CHUNK;
    c->buf = malloc(c->cap + 1);
    if (!c->buf) {
        free(c);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    c->line = 1;
    c->buf[0] = '\n';
    *out = c;
    return RK_OK;
}

void rk_csv_close(rk_csv *c)
{
    if (!c) return;
    free(c->buf);
    free(c->fstart);
    free(c->flen);
    free(c->fquote);
    free(c->fields);
    free(c);
}

uint64_t rk_csv_bytes(const rk_csv *c) { return c->consumed + c->pos; }

/* Moves unread bytes to the front and reads more. Grows the buffer when the
 * current row already fills it, up to max_row. */
static rk_status refill(rk_csv *c, rk_err *err)
{
    if (c->eof) return RK_OK;
    if (c->pos) {
        memmove(c->buf, c->buf + c->pos, c->end - c->pos);
        c->consumed += c->pos;
        c->end -= c->pos;
        c->pos = 0;
    }
    if (c->cap - c->end < CHUNK / 2 || c->cap - c->end < c->end) {
        if (c->end > c->o.max_row)
            return rk_err_set(err, RK_ELIMIT,
                              "line %llu: row is longer than %zu bytes; the file is not a "
                              "CUR (or a quote is never closed)",
                              (unsigned long long)c->line, c->o.max_row);
        size_t ncap = c->cap * 2;
        char *nb = realloc(c->buf, ncap + 1);
        if (!nb) return rk_err_set(err, RK_ENOMEM, "out of memory");
        c->buf = nb;
        c->cap = ncap;
    }
    /* Read at least a chunk, and at least as much as the pending row, so a
     * long row is re-parsed a logarithmic number of times however small the
     * upstream's reads are. */
    size_t target = c->end > CHUNK ? c->end : CHUNK;
    if (target > c->cap - c->end) target = c->cap - c->end;
    size_t added = 0;
    while (added < target) {
        size_t got = 0;
        RK_TRY(rk_in_read(c->in, (uint8_t *)c->buf + c->end + added, c->cap - c->end - added, &got, err));
        if (got == 0) {
            c->eof = true;
            break;
        }
        added += got;
    }
    c->end += added;
    c->buf[c->end] = '\n';
    if (!c->started && c->end >= 3) {
        c->started = true;
        if ((uint8_t)c->buf[0] == 0xEF && (uint8_t)c->buf[1] == 0xBB && (uint8_t)c->buf[2] == 0xBF)
            c->pos = 3;
    }
    if (c->eof) c->started = true;
    return RK_OK;
}

static rk_status push_field(rk_csv *c, size_t n, size_t start, size_t len, bool dq, rk_err *err)
{
    if (n >= c->fcap) {
        size_t ncap = c->fcap ? c->fcap * 2 : 256;
        size_t *a = realloc(c->fstart, ncap * sizeof *a);
        if (!a) return rk_err_set(err, RK_ENOMEM, "out of memory");
        c->fstart = a;
        size_t *b = realloc(c->flen, ncap * sizeof *b);
        if (!b) return rk_err_set(err, RK_ENOMEM, "out of memory");
        c->flen = b;
        uint8_t *q = realloc(c->fquote, ncap);
        if (!q) return rk_err_set(err, RK_ENOMEM, "out of memory");
        c->fquote = q;
        rk_csv_field *f = realloc(c->fields, ncap * sizeof *f);
        if (!f) return rk_err_set(err, RK_ENOMEM, "out of memory");
        c->fields = f;
        c->fcap = ncap;
    }
    c->fstart[n] = start;
    c->flen[n] = len;
    c->fquote[n] = dq;
    return RK_OK;
}

enum { PARSE_ROW, PARSE_MORE, PARSE_BLANK };

static rk_status field_too_long(rk_csv *c, uint64_t line, size_t col, rk_err *err)
{
    return rk_err_set(err, RK_ELIMIT,
                      "line %llu, column %zu: field is longer than %zu bytes; a CUR field never "
                      "is (the file is corrupt or not a CUR)",
                      (unsigned long long)line, col, c->o.max_field);
}

/* Parses one row starting at c->pos. Sets *state to PARSE_MORE when the
 * buffer ends before the row does (and input remains). */
static rk_status parse_row(rk_csv *c, size_t *nfields, size_t *row_end, uint64_t *newlines,
                           int *state, rk_err *err)
{
    char *b = c->buf;
    size_t p = c->pos, end = c->end;
    size_t n = 0;
    uint64_t nl = 0;
    *state = PARSE_ROW;
    if (p < end && (b[p] == '\n' || (b[p] == '\r' && p + 1 < end && b[p + 1] == '\n'))) {
        *row_end = p + (b[p] == '\r' ? 2 : 1);
        *nfields = 0;
        *newlines = 1;
        *state = PARSE_BLANK;
        return RK_OK;
    }
    for (;;) {
        size_t fs = p;
        if (p < end && b[p] == '"') {
            size_t q = p + 1;
            bool dq = false;
            for (;;) {
                char *hit = memchr(b + q, '"', end - q);
                if (!hit) {
                    if (end - fs > c->o.max_field)
                        return field_too_long(c, c->line + nl, n + 1, err);
                    if (!c->eof) {
                        *state = PARSE_MORE;
                        return RK_OK;
                    }
                    return rk_err_set(err, RK_EBADDATA,
                                      "line %llu, column %zu: quoted field is never closed "
                                      "(the file is truncated or a quote is missing)",
                                      (unsigned long long)(c->line + nl), n + 1);
                }
                size_t h = (size_t)(hit - b);
                if (h + 1 >= end && !c->eof) {
                    *state = PARSE_MORE; /* cannot tell "" from a closing quote yet */
                    return RK_OK;
                }
                if (h + 1 < end && b[h + 1] == '"') {
                    dq = true;
                    q = h + 2;
                    continue;
                }
                /* Closing quote. Count embedded newlines for line numbers. */
                for (char *s = b + p + 1; (s = memchr(s, '\n', (size_t)(hit - s))); s++) nl++;
                if (h - (p + 1) > c->o.max_field) return field_too_long(c, c->line, n + 1, err);
                RK_TRY(push_field(c, n, p + 1, h - (p + 1), dq, err));
                n++;
                p = h + 1;
                break;
            }
            if (p >= end) {
                if (!c->eof) {
                    *state = PARSE_MORE;
                    return RK_OK;
                }
                *row_end = p;
                break;
            }
            char d = b[p];
            if (d == ',') {
                p++;
                continue;
            }
            if (d == '\n') {
                *row_end = p + 1;
                nl++;
                break;
            }
            if (d == '\r') {
                if (p + 1 >= end && !c->eof) {
                    *state = PARSE_MORE;
                    return RK_OK;
                }
                if (p + 1 < end && b[p + 1] == '\n') {
                    *row_end = p + 2;
                    nl++;
                    break;
                }
                if (p + 1 >= end) { /* a final CR at the end of the input */
                    *row_end = p + 1;
                    break;
                }
            }
            return rk_err_set(err, RK_EBADDATA,
                              "line %llu, column %zu: unexpected character after a closing "
                              "quote (a quote inside a quoted field must be doubled)",
                              (unsigned long long)(c->line + nl), n);
        }
        /* Unquoted field: stop at a delimiter, line end, or the sentinel. */
        while (!special[(uint8_t)b[p]]) p++;
        while (b[p] == '"' || (b[p] == '\r' && p < end && b[p + 1] != '\n' && p + 1 < end)) {
            /* A stray quote or lone CR inside an unquoted field is data. */
            p++;
            while (!special[(uint8_t)b[p]]) p++;
        }
        if (p - fs > c->o.max_field) return field_too_long(c, c->line + nl, n + 1, err);
        if (p >= end) {
            if (!c->eof) {
                *state = PARSE_MORE;
                return RK_OK;
            }
            RK_TRY(push_field(c, n, fs, p - fs, false, err));
            n++;
            *row_end = p;
            break;
        }
        RK_TRY(push_field(c, n, fs, p - fs, false, err));
        n++;
        char d = b[p];
        if (d == ',') {
            p++;
            if (p >= end && c->eof) {
                RK_TRY(push_field(c, n, p, 0, false, err));
                n++;
                *row_end = p;
                break;
            }
            continue;
        }
        if (d == '\n') {
            *row_end = p + 1;
            nl++;
            break;
        }
        /* '\r': a CRLF line end (lone CRs were consumed above) */
        if (p + 1 >= end) {
            if (!c->eof) {
                *state = PARSE_MORE;
                return RK_OK;
            }
            *row_end = p + 1;
            break;
        }
        *row_end = p + 2;
        nl++;
        break;
    }
    *nfields = n;
    *newlines = nl;
    return RK_OK;
}

static void unescape(char *p, size_t *len)
{
    size_t r = 0, w = 0, n = *len;
    while (r < n) {
        char ch = p[r++];
        p[w++] = ch;
        if (ch == '"' && r < n && p[r] == '"') r++;
    }
    *len = w;
}

bool rk_utf8_valid(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s, *e = p + n;
    while (p < e) {
        /* ASCII fast path, 8 bytes at a time. */
        while (e - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (w & 0x8080808080808080ull) break;
            p += 8;
        }
        if (p >= e) break;
        uint8_t ch = *p;
        if (ch < 0x80) {
            p++;
            continue;
        }
        size_t k;
        uint32_t cp;
        if (ch >= 0xC2 && ch <= 0xDF) k = 1, cp = ch & 0x1F;
        else if (ch >= 0xE0 && ch <= 0xEF) k = 2, cp = ch & 0x0F;
        else if (ch >= 0xF0 && ch <= 0xF4) k = 3, cp = ch & 0x07;
        else return false;
        if ((size_t)(e - p) <= k) return false;
        for (size_t i = 1; i <= k; i++) {
            if ((p[i] & 0xC0) != 0x80) return false;
            cp = cp << 6 | (p[i] & 0x3F);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        p += k + 1;
    }
    return true;
}

rk_status rk_csv_next(rk_csv *c, const rk_csv_row **row, rk_err *err)
{
    for (;;) {
        if (c->pos >= c->end) {
            if (c->eof) return RK_ENOTFOUND;
            RK_TRY(refill(c, err));
            continue;
        }
        size_t nf = 0, row_end = 0;
        uint64_t nl = 0;
        int state;
        RK_TRY(parse_row(c, &nf, &row_end, &nl, &state, err));
        if (state == PARSE_MORE) {
            RK_TRY(refill(c, err));
            continue;
        }
        uint64_t line = c->line;
        c->line += nl;
        if (state == PARSE_BLANK) {
            c->pos = row_end;
            continue;
        }
        /* Delimiters and quotes are ASCII, so the row is valid UTF-8 exactly
         * when every field is: check the row once, find the field only on
         * failure. */
        bool row_ok = !c->o.validate_utf8 || rk_utf8_valid(c->buf + c->pos, row_end - c->pos);
        for (size_t i = 0; i < nf; i++) {
            char *fp = c->buf + c->fstart[i];
            size_t fl = c->flen[i];
            if (!row_ok && !rk_utf8_valid(fp, fl))
                return rk_err_set(err, RK_EBADDATA,
                                  "line %llu, column %zu: text is not valid UTF-8; CUR files are "
                                  "UTF-8 (re-export the file as UTF-8)",
                                  (unsigned long long)line, i + 1);
            if (c->fquote[i]) unescape(fp, &fl);
            c->fields[i].p = fp;
            c->fields[i].len = fl;
        }
        c->pos = row_end;
        c->row.n = nf;
        c->row.f = c->fields;
        c->row.line = line;
        *row = &c->row;
        return RK_OK;
    }
}
