#include "cli/out.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/mem.h"
#include "common/timeparse.h"

int rk_outfmt_parse(const char *s, rk_outfmt *out)
{
    if (strcmp(s, "table") == 0) *out = RK_FMT_TABLE;
    else if (strcmp(s, "csv") == 0) *out = RK_FMT_CSVOUT;
    else if (strcmp(s, "json") == 0) *out = RK_FMT_JSONOUT;
    else return -1;
    return 0;
}

void rk_table_init(rk_table *t, size_t ncols)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->hdr = rk_xcalloc(ncols, sizeof *t->hdr);
    t->right = rk_xcalloc(ncols, sizeof *t->right);
}

void rk_table_header(rk_table *t, size_t col, const char *name, bool right)
{
    free(t->hdr[col]);
    t->hdr[col] = rk_xstrdup(name);
    t->right[col] = right;
}

void rk_table_row(rk_table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells = realloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
        if (!t->cells) abort();
    }
    for (size_t c = 0; c < t->ncols; c++)
        t->cells[t->nrows * t->ncols + c] = cells ? rk_xstrdup(cells[c] ? cells[c] : "") : NULL;
    t->nrows++;
}

void rk_table_rule(rk_table *t) { rk_table_row(t, NULL); }

/* Display width: count UTF-8 code points (good enough for our text). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

void rk_table_print(const rk_table *t, FILE *f, int indent)
{
    size_t *wd = rk_xcalloc(t->ncols, sizeof *wd);
    for (size_t c = 0; c < t->ncols; c++) wd[c] = width(t->hdr[c] ? t->hdr[c] : "");
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            if (s && width(s) > wd[c]) wd[c] = width(s);
        }
    for (int pass = -1; pass < (int)t->nrows; pass++) {
        fprintf(f, "%*s", indent, "");
        bool rule = pass >= 0 && t->cells[(size_t)pass * t->ncols] == NULL;
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = pass < 0 ? (t->hdr[c] ? t->hdr[c] : "") : t->cells[(size_t)pass * t->ncols + c];
            bool last = c + 1 == t->ncols;
            if (rule) {
                for (size_t k = 0; k < wd[c]; k++) fputc('-', f);
                if (!last) fputs("  ", f);
                continue;
            }
            size_t pad = wd[c] - width(s);
            if (t->right[c]) fprintf(f, "%*s%s", (int)pad, "", s);
            else if (last) fputs(s, f);
            else fprintf(f, "%s%*s", s, (int)pad, "");
            if (!last) fputs("  ", f);
        }
        fputc('\n', f);
    }
    free(wd);
}

void rk_table_free(rk_table *t)
{
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) free(t->cells[r * t->ncols + c]);
    free(t->cells);
    for (size_t c = 0; c < t->ncols; c++) free(t->hdr[c]);
    free(t->hdr);
    free(t->right);
}

void rk_csv_field_out(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void rk_json_str(rk_buf *b, const char *s) { rk_buf_json_str(b, s); }

void rk_money(rk_i128 v18, const char *currency, char *out, size_t cap)
{
    char num[64];
    rk_i128_fmt_grouped(v18, 2, num);
    bool neg = num[0] == '-';
    if (!currency || !*currency || strcmp(currency, "USD") == 0)
        snprintf(out, cap, "%s$%s", neg ? "-" : "", neg ? num + 1 : num);
    else
        snprintf(out, cap, "%s %s", num, currency);
}

void rk_count(uint64_t n, char *out, size_t cap)
{
    char d[32];
    int len = snprintf(d, sizeof d, "%llu", (unsigned long long)n);
    size_t k = 0;
    for (int i = 0; i < len && k + 2 < cap; i++) {
        if (i && (len - i) % 3 == 0) out[k++] = ',';
        out[k++] = d[i];
    }
    out[k] = 0;
}

void rk_when(int64_t ms, char *out, size_t cap)
{
    char t[32];
    rk_time_fmt(ms - ms % 60000, t);
    /* 2026-11-27T10:00:00Z -> 2026-11-27 10:00Z */
    if (strlen(t) >= 20) snprintf(out, cap, "%.10s %.5sZ", t, t + 11);
    else snprintf(out, cap, "%s", t);
}

bool rk_isatty_out(void) { return isatty(STDOUT_FILENO); }

double rk_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void rk_fmt_bytes(uint64_t b, char *out, size_t cap)
{
    const char *u[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)b;
    int i = 0;
    while (v >= 1000 && i < 4) v /= 1000, i++;
    snprintf(out, cap, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

void rk_progress_cb(void *ctx, const rk_ingest_progress *p, bool final)
{
    rk_progress *pg = ctx;
    if (!pg->tty) return;
    if (final) {
        fprintf(stderr, "\r%*s\r", (int)pg->last_len, "");
        pg->last_len = 0;
        return;
    }
    char rb[32], tb[32], rows[32], line[512];
    rk_fmt_bytes(p->bytes_read, rb, sizeof rb);
    rk_fmt_bytes(p->bytes_total, tb, sizeof tb);
    rk_count(p->rows, rows, sizeof rows);
    double el = rk_mono() - pg->t0, frac = p->bytes_total ? (double)p->bytes_read / (double)p->bytes_total : 0;
    char eta[32] = "";
    if (frac > 0.02 && frac < 1) {
        int s = (int)(el / frac - el);
        snprintf(eta, sizeof eta, "  ETA %d:%02d", s / 60, s % 60);
    }
    int bar = (int)(frac * 20);
    char barb[24];
    for (int i = 0; i < 20; i++) barb[i] = i < bar ? '#' : '.';
    barb[20] = 0;
    int len = snprintf(line, sizeof line, "\r%s%s[%s] %s / %s  %s rows  %u/%u deliveries%s", pg->label ? pg->label : "",
                       pg->label ? " " : "", barb, rb, tb, rows, p->plans_done, p->plans_total, eta);
    if (len < 0) return;
    if ((size_t)len >= sizeof line) len = (int)sizeof line - 1;
    fputs(line, stderr);
    if ((size_t)len < pg->last_len) fprintf(stderr, "%*s", (int)(pg->last_len - (size_t)len), "");
    pg->last_len = (size_t)len;
    fflush(stderr);
}

const char *rk_res_word(rk_res_status s)
{
    switch (s) {
    case RK_RES_INGESTED: return "ingested";
    case RK_RES_UNCHANGED: return "unchanged";
    case RK_RES_FAILED: return "failed";
    case RK_RES_UNSUPPORTED: return "not supported";
    case RK_RES_WAITING: return "waiting";
    }
    return "?";
}

static int cmp_res(const void *a, const void *b)
{
    const rk_period_result *x = a, *y = b;
    int r = strcmp(x->report, y->report);
    if (r) return r;
    return strcmp(x->period ? x->period : "", y->period ? y->period : "");
}

void rk_period_results_sort(rk_period_result *v, size_t n)
{
    if (n) qsort(v, n, sizeof *v, cmp_res);
}

void rk_period_results_table(const rk_period_result *v, size_t n, FILE *f)
{
    if (!n) return;
    rk_table t;
    rk_table_init(&t, 6);
    rk_table_header(&t, 0, "REPORT", false);
    rk_table_header(&t, 1, "FORMAT", false);
    rk_table_header(&t, 2, "PERIOD", false);
    rk_table_header(&t, 3, "ROWS", true);
    rk_table_header(&t, 4, "TIME", true);
    rk_table_header(&t, 5, "RESULT", false);
    for (size_t i = 0; i < n; i++) {
        const rk_period_result *r = &v[i];
        char rows[32] = "", tm[32] = "", result[1400];
        if (r->status == RK_RES_INGESTED) {
            rk_count(r->rows, rows, sizeof rows);
            snprintf(tm, sizeof tm, "%.1fs", r->seconds);
        }
        if (r->message) snprintf(result, sizeof result, "%s: %s", rk_res_word(r->status), r->message);
        else snprintf(result, sizeof result, "%s", rk_res_word(r->status));
        const char *cells[6] = {r->report, r->format, r->period ? r->period : "-", rows, tm, result};
        rk_table_row(&t, cells);
    }
    rk_table_print(&t, f, 2);
    rk_table_free(&t);
}

void rk_period_results_json(rk_buf *b, const rk_period_result *v, size_t n)
{
    rk_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        const rk_period_result *r = &v[i];
        rk_buf_puts(b, i ? ",{\"report\":" : "{\"report\":");
        rk_json_str(b, r->report);
        rk_buf_puts(b, ",\"format\":");
        rk_json_str(b, r->format);
        rk_buf_puts(b, ",\"period\":");
        if (r->period) rk_json_str(b, r->period);
        else rk_buf_puts(b, "null");
        rk_buf_puts(b, ",\"status\":");
        rk_json_str(b, rk_res_word(r->status));
        rk_buf_printf(b, ",\"rows\":%llu,\"message\":", (unsigned long long)r->rows);
        if (r->message) rk_json_str(b, r->message);
        else rk_buf_puts(b, "null");
        rk_buf_putc(b, '}');
    }
    rk_buf_putc(b, ']');
}
