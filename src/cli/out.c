#include "cli/out.h"

#include <stdlib.h>
#include <string.h>
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
