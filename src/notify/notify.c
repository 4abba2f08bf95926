#include "notify/notify.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "analytics/query.h"
#include "common/dec.h"
#include "common/mem.h"
#include "common/timeparse.h"
#include "format/csv.h"
#include "notify/config.h"
#include "notify/mail.h"
#include "store/connections.h"
#include "store/select.h"
#include "store/settings.h"

extern char **environ;

#define MSG_MAX ((size_t)8 << 20)
#define TOP_SERVICES 5
#define FAILURES_LISTED 20

void rk_notify_msg_free(rk_notify_msg *m)
{
    if (!m) return;
    free(m->subject);
    free(m->text);
    free(m->html);
    memset(m, 0, sizeof *m);
}

/* ---- secrets ---- */

#define SECRET_MIN 6 /* shorter values would blank ordinary words */

typedef struct secrets {
    const char *v[64];
    size_t n;
} secrets;

static bool secret_name(const char *name, size_t n)
{
    static const char *const marks[] = {"SECRET", "PASSWORD", "PASSWD", "TOKEN", "CREDENTIAL", "PRIVATE", "API_KEY", "APIKEY"};
    char up[128];
    if (n >= sizeof up) n = sizeof up - 1;
    for (size_t i = 0; i < n; i++) up[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    up[n] = 0;
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        if (strstr(up, marks[i])) return true;
    return false;
}

static void add_secret(secrets *s, const char *v)
{
    if (v && strlen(v) >= SECRET_MIN && s->n < sizeof s->v / sizeof *s->v) s->v[s->n++] = v;
}

static void collect_secrets(secrets *s, const rk_smtp_conf *c)
{
    s->n = 0;
    if (c) add_secret(s, c->password);
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (eq && secret_name(*e, (size_t)(eq - *e))) add_secret(s, eq + 1);
    }
}

/* Appends s with HTML's five special characters escaped. */
static rk_status html_esc(rk_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': RK_TRY(rk_buf_puts(b, "&amp;")); break;
        case '<': RK_TRY(rk_buf_puts(b, "&lt;")); break;
        case '>': RK_TRY(rk_buf_puts(b, "&gt;")); break;
        case '"': RK_TRY(rk_buf_puts(b, "&quot;")); break;
        case '\'': RK_TRY(rk_buf_puts(b, "&#39;")); break;
        default: RK_TRY(rk_buf_putc(b, *s));
        }
    }
    return RK_OK;
}

/* A copy of text with every secret, raw or HTML-escaped, replaced. */
static char *redact_dup(const char *text, const secrets *s)
{
    rk_buf out, esc;
    rk_buf_init(&out, MSG_MAX * 2);
    rk_buf_init(&esc, 1 << 16);
    const char *forms[128];
    size_t nf = 0;
    char *owned[64];
    size_t no = 0;
    for (size_t i = 0; i < s->n; i++) {
        forms[nf++] = s->v[i];
        rk_buf_reset(&esc);
        if (html_esc(&esc, s->v[i]) == RK_OK && strcmp(esc.p, s->v[i]) != 0 && (owned[no] = rk_strdup(esc.p)))
            forms[nf++] = owned[no++];
    }
    rk_buf_free(&esc);
    rk_status st = rk_buf_reserve(&out, strlen(text) + 1);
    for (const char *p = text; st == RK_OK && *p;) {
        size_t hit = 0;
        for (size_t i = 0; i < nf && !hit; i++) {
            size_t l = strlen(forms[i]);
            if (strncmp(p, forms[i], l) == 0) hit = l;
        }
        if (hit) {
            st = rk_buf_puts(&out, "[redacted]");
            p += hit;
        } else {
            st = rk_buf_putc(&out, *p++);
        }
    }
    for (size_t i = 0; i < no; i++) free(owned[i]);
    if (st != RK_OK) {
        rk_buf_free(&out);
        return NULL;
    }
    if (!out.p) return rk_strdup("");
    return rk_buf_take(&out);
}

void rk_notify_redact(char *text, size_t cap)
{
    secrets s;
    collect_secrets(&s, NULL);
    if (!s.n || !cap) return;
    char *r = redact_dup(text, &s);
    if (!r) return;
    snprintf(text, cap, "%s", r);
    free(r);
}

static void redact_cb(char *text, size_t cap, void *ctx)
{
    const secrets *s = ctx;
    char *r = redact_dup(text, s);
    if (!r) return;
    snprintf(text, cap, "%s", r);
    free(r);
}

/* ---- formatting helpers ---- */

static void money(rk_i128 v18, const char *currency, char *out, size_t cap)
{
    char num[80];
    rk_i128_fmt_grouped(v18, 2, num);
    bool neg = num[0] == '-';
    if (!currency || !*currency || strcmp(currency, "USD") == 0)
        snprintf(out, cap, "%s$%s", neg ? "-" : "", neg ? num + 1 : num);
    else
        snprintf(out, cap, "%s %s", num, currency);
}

static void count_fmt(uint64_t n, char *out, size_t cap)
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

/* Characters, not bytes: what a fixed-width font shows. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) w++;
    return w;
}

/* A text table: cells[r * ncols + c]; right[c] aligns numbers. */
typedef struct ttable {
    size_t ncols, nrows;
    char **cells;
    size_t cap;
    const bool *right;
} ttable;

static rk_status tt_row(ttable *t, const char *const *cells)
{
    if (RK_GROW(t->cells, t->cap, (t->nrows + 1) * t->ncols) != RK_OK) return RK_ENOMEM;
    for (size_t c = 0; c < t->ncols; c++) {
        char *d = rk_strdup(cells[c] ? cells[c] : "");
        if (!d) return RK_ENOMEM;
        t->cells[t->nrows * t->ncols + c] = d;
    }
    t->nrows++;
    return RK_OK;
}

static void tt_free(ttable *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++) free(t->cells[i]);
    free(t->cells);
}

static rk_status tt_text(rk_buf *b, const ttable *t, int indent)
{
    size_t w[16] = {0};
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols && c < 16; c++) {
            size_t x = width(t->cells[r * t->ncols + c]);
            if (x > w[c]) w[c] = x;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        RK_TRY(rk_buf_printf(b, "%*s", indent, ""));
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            size_t pad = w[c] - width(s);
            bool last = c + 1 == t->ncols;
            if (t->right && t->right[c]) RK_TRY(rk_buf_printf(b, "%*s%s", (int)pad, "", s));
            else if (last) RK_TRY(rk_buf_puts(b, s));
            else RK_TRY(rk_buf_printf(b, "%s%*s", s, (int)pad, ""));
            if (!last) RK_TRY(rk_buf_puts(b, "   "));
        }
        RK_TRY(rk_buf_putc(b, '\n'));
    }
    return RK_OK;
}

/* The first row is the header. */
static rk_status tt_html(rk_buf *b, const ttable *t)
{
    RK_TRY(rk_buf_puts(b, "<table style=\"border-collapse:collapse;margin:8px 0 16px 0\">\n"));
    for (size_t r = 0; r < t->nrows; r++) {
        RK_TRY(rk_buf_puts(b, "<tr>"));
        for (size_t c = 0; c < t->ncols; c++) {
            bool right = t->right && t->right[c];
            RK_TRY(rk_buf_printf(b, "<%s style=\"padding:3px 12px;text-align:%s;border-bottom:1px solid #ddd\">",
                                 r == 0 ? "th" : "td", right ? "right" : "left"));
            RK_TRY(html_esc(b, t->cells[r * t->ncols + c]));
            RK_TRY(rk_buf_puts(b, r == 0 ? "</th>" : "</td>"));
        }
        RK_TRY(rk_buf_puts(b, "</tr>\n"));
    }
    return rk_buf_puts(b, "</table>\n");
}

/* A word for a shell command line, quoted when it needs to be. */
static rk_status shell_word(rk_buf *b, const char *s)
{
    bool plain = *s != 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/._-+:,=@%", *p)))
            plain = false;
    if (plain) return rk_buf_puts(b, s);
    RK_TRY(rk_buf_putc(b, '\''));
    for (const char *p = s; *p; p++) RK_TRY(*p == '\'' ? rk_buf_puts(b, "'\\''") : rk_buf_putc(b, *p));
    return rk_buf_putc(b, '\'');
}

static void ws_abs(rk_ws *ws, char *out, size_t cap)
{
    char abs[PATH_MAX];
    snprintf(out, cap, "%s", realpath(rk_ws_dir(ws), abs) ? abs : rk_ws_dir(ws));
}

/* "reckon --data WS " */
static rk_status cmd_prefix(rk_buf *b, const char *ws)
{
    RK_TRY(rk_buf_puts(b, "reckon --data "));
    RK_TRY(shell_word(b, ws));
    return rk_buf_putc(b, ' ');
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>";
static const char html_body[] =
    "</title></head>\n<body style=\"font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#222;"
    "max-width:720px\">\n";

static rk_status finish(rk_buf *subject, rk_buf *text, rk_buf *html, rk_notify_msg *out, rk_err *err)
{
    if (!subject->p || !text->p || !html->p) return rk_err_set(err, RK_ENOMEM, "out of memory composing an email");
    out->subject = rk_buf_take(subject);
    out->text = rk_buf_take(text);
    out->html = rk_buf_take(html);
    return RK_OK;
}

/* ---- "your dashboards are ready" ---- */

typedef struct period_sum {
    char period[16];
    char reports[512];
    uint64_t rows;
} period_sum;

/* sid: 0 for the whole workspace, else one source (a connection's bucket). */
static rk_status run(rk_ws *ws, int64_t sid, rk_gran gran, const char *group, const rk_metric *m, size_t nm,
                     rk_qresult *r, rk_err *err)
{
    rk_query q;
    memset(&q, 0, sizeof q);
    q.gran = gran;
    q.source_id = sid;
    rk_dim g;
    if (group) {
        RK_TRY(rk_dim_parse(group, &g, err));
        q.group = &g;
        q.ngroup = 1;
    }
    for (size_t i = 0; i < nm; i++) q.metrics[q.nmetrics++] = m[i];
    rk_status st = rk_query_run(ws, &q, r, err);
    if (group) rk_dim_free(&g);
    return st;
}

/* Distinct non-empty values of a column in the current deliveries. */
static rk_status count_distinct(rk_ws *ws, int64_t sid, const char *dim, size_t *n, rk_err *err)
{
    rk_metric m = RK_M_UNBLENDED;
    rk_qresult r;
    RK_TRY(run(ws, sid, RK_GRAN_TOTAL, dim, &m, 1, &r, err));
    *n = 0;
    for (size_t i = 0; i < r.n; i++)
        if (r.rows[i].keys[0] && *r.rows[i].keys[0]) (*n)++;
    rk_qresult_free(&r);
    return RK_OK;
}

typedef struct svc {
    const char *name, *currency;
    rk_i128 amortized, unblended;
} svc;

static int svc_cmp(const void *a, const void *b)
{
    const svc *x = a, *y = b;
    if (x->amortized != y->amortized) return x->amortized > y->amortized ? -1 : 1;
    return strcmp(x->name, y->name);
}

static rk_status periods_of(rk_ws *ws, int64_t sid, period_sum **out, size_t *n, rk_err *err)
{
    rk_selection sel;
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    RK_TRY(rk_ws_select(ws, &sel, err));
    if (sid) rk_selection_keep_source(&sel, sid);
    rk_status st = RK_OK;
    for (size_t i = 0; i < sel.nchoices; i++) {
        rk_choice *ch = &sel.choices[i];
        if (!ch->nc) continue;
        period_sum *p = NULL;
        for (size_t k = 0; k < *n; k++)
            if (strcmp((*out)[k].period, ch->period) == 0) p = &(*out)[k];
        if (!p) {
            if (RK_GROW(*out, cap, *n + 1) != RK_OK) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
            p = &(*out)[(*n)++];
            memset(p, 0, sizeof *p);
            snprintf(p->period, sizeof p->period, "%s", ch->period);
        }
        p->rows += ch->c[0].rows;
        const char *rep = ch->c[0].report;
        /* the reports used for the period, each once */
        bool seen = false;
        for (const char *s = p->reports; *s;) {
            size_t l = strcspn(s, ",");
            const char *e = s + l;
            const char *start = s;
            while (*start == ' ') start++;
            if ((size_t)(e - start) == strlen(rep) && strncmp(start, rep, strlen(rep)) == 0) seen = true;
            s = *e ? e + 1 : e;
        }
        if (!seen) {
            size_t l = strlen(p->reports);
            snprintf(p->reports + l, sizeof p->reports - l, "%s%s", l ? ", " : "", rep);
        }
    }
    rk_selection_free(&sel);
    return st;
}

static int period_cmp(const void *a, const void *b) { return strcmp(((const period_sum *)a)->period, ((const period_sum *)b)->period); }

rk_status rk_notify_compose_ready(rk_ws *ws, const char *connection, rk_notify_msg *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    char wsdir[PATH_MAX];
    ws_abs(ws, wsdir, sizeof wsdir);
    period_sum *periods = NULL;
    size_t np = 0;
    rk_qresult months = {0}, services = {0};
    bool have_months = false, have_services = false;
    size_t ris = 0, sps = 0;
    char *dash = NULL;
    svc *sv = NULL;
    ttable t = {0};
    rk_buf subj, text, html;
    rk_buf_init(&subj, 4096);
    rk_buf_init(&text, MSG_MAX);
    rk_buf_init(&html, MSG_MAX);
    rk_status st;
    /* A connection's email is about its own bucket's data. */
    int64_t sid = 0;
    if (connection && (st = rk_ws_connection_source(ws, connection, &sid, err)) != RK_OK) goto out;
    if ((st = periods_of(ws, sid, &periods, &np, err)) != RK_OK) goto out;
    if (np == 0) {
        st = rk_err_set(err, RK_ENOTFOUND,
                        "workspace %s has no processed billing period yet, so there is nothing to announce; ingest or "
                        "sync first",
                        wsdir);
        goto out;
    }
    qsort(periods, np, sizeof *periods, period_cmp);
    rk_metric mu[2] = {RK_M_UNBLENDED, RK_M_AMORTIZED}, ma[2] = {RK_M_AMORTIZED, RK_M_UNBLENDED};
    if ((st = run(ws, sid, RK_GRAN_MONTHLY, NULL, mu, 2, &months, err)) != RK_OK) goto out;
    have_months = true;
    if ((st = run(ws, sid, RK_GRAN_TOTAL, "service", ma, 2, &services, err)) != RK_OK) goto out;
    have_services = true;
    if ((st = count_distinct(ws, sid, "column:reservation_reservation_a_r_n", &ris, err)) != RK_OK) goto out;
    if ((st = count_distinct(ws, sid, "column:savings_plan_savings_plan_a_r_n", &sps, err)) != RK_OK) goto out;
    if ((st = rk_ws_setting_get(ws, "notify.dashboard-url", &dash, err)) != RK_OK) goto out;

    st = RK_ENOMEM;
#define W(expr)                                                                                                        \
    do {                                                                                                               \
        if ((expr) != RK_OK) goto nomem;                                                                               \
    } while (0)
    /* Subject and opening */
    W(rk_buf_puts(&subj, "reckon: your dashboards are ready"));
    if (connection) W(rk_buf_printf(&subj, " \xe2\x80\x94 %s", connection));
    W(rk_buf_puts(&html, html_head));
    W(html_esc(&html, subj.p));
    W(rk_buf_puts(&html, html_body));
    W(rk_buf_puts(&text, "Your reckon dashboards are ready.\n\n"));
    W(rk_buf_puts(&html, "<h2>Your reckon dashboards are ready</h2>\n<p>"));
    if (connection) {
        W(rk_buf_printf(&text, "Connection:  %s\n", connection));
        W(rk_buf_puts(&html, "Connection: <b>"));
        W(html_esc(&html, connection));
        W(rk_buf_puts(&html, "</b><br>\n"));
    }
    W(rk_buf_printf(&text, "Workspace:   %s\n", wsdir));
    W(rk_buf_puts(&html, "Workspace: <code>"));
    W(html_esc(&html, wsdir));
    W(rk_buf_puts(&html, "</code></p>\n"));

    /* Periods */
    W(rk_buf_printf(&text, "\nBilling periods processed: %zu (%s to %s)\n", np, periods[0].period, periods[np - 1].period));
    W(rk_buf_printf(&html, "<h3>Billing periods processed: %zu (%s to %s)</h3>\n", np, periods[0].period,
                    periods[np - 1].period));
    {
        static const bool right[3] = {false, false, true};
        t = (ttable){.ncols = 3, .right = right};
        const char *h[3] = {"PERIOD", "REPORT", "ROWS"};
        W(tt_row(&t, h));
        for (size_t i = 0; i < np; i++) {
            char rows[32];
            count_fmt(periods[i].rows, rows, sizeof rows);
            const char *c[3] = {periods[i].period, periods[i].reports, rows};
            W(tt_row(&t, c));
        }
        W(tt_text(&text, &t, 2));
        W(tt_html(&html, &t));
        tt_free(&t);
        t = (ttable){0};
    }

    /* Spend per month */
    W(rk_buf_puts(&text, "\nSpend per month\n"));
    W(rk_buf_puts(&html, "<h3>Spend per month</h3>\n"));
    {
        static const bool right[3] = {false, true, true};
        t = (ttable){.ncols = 3, .right = right};
        const char *h[3] = {"MONTH", "UNBLENDED", "AMORTIZED"};
        W(tt_row(&t, h));
        for (size_t i = 0; i < months.n; i++) {
            char mo[16], u[96], a[96];
            rk_time_fmt_month(months.rows[i].t, mo);
            money(months.rows[i].vals[0], months.rows[i].currency, u, sizeof u);
            money(months.rows[i].vals[1], months.rows[i].currency, a, sizeof a);
            const char *c[3] = {mo, u, a};
            W(tt_row(&t, c));
        }
        for (size_t k = 0; k < months.ncurrencies && months.n > 1; k++) {
            rk_i128 su = 0, sa = 0;
            for (size_t i = 0; i < months.n; i++)
                if (strcmp(months.rows[i].currency, months.currencies[k]) == 0) {
                    su += months.rows[i].vals[0];
                    sa += months.rows[i].vals[1];
                }
            char u[96], a[96];
            money(su, months.currencies[k], u, sizeof u);
            money(sa, months.currencies[k], a, sizeof a);
            const char *c[3] = {"Total", u, a};
            W(tt_row(&t, c));
        }
        W(tt_text(&text, &t, 2));
        W(tt_html(&html, &t));
        tt_free(&t);
        t = (ttable){0};
    }
    W(rk_buf_puts(&text, "  Unblended is what each line item was charged; amortized spreads commitment fees over the\n"
                         "  usage they cover (docs/cost-rules.md).\n"));

    /* Top services */
    sv = calloc(services.n ? services.n : 1, sizeof *sv);
    if (!sv) goto nomem;
    for (size_t i = 0; i < services.n; i++)
        sv[i] = (svc){services.rows[i].keys[0], services.rows[i].currency, services.rows[i].vals[0],
                      services.rows[i].vals[1]};
    qsort(sv, services.n, sizeof *sv, svc_cmp);
    W(rk_buf_printf(&text, "\nTop services (all periods, by amortized cost)\n"));
    W(rk_buf_puts(&html, "<h3>Top services (all periods, by amortized cost)</h3>\n"));
    {
        static const bool right[3] = {false, true, true};
        t = (ttable){.ncols = 3, .right = right};
        const char *h[3] = {"SERVICE", "AMORTIZED", "UNBLENDED"};
        W(tt_row(&t, h));
        for (size_t i = 0; i < services.n && i < TOP_SERVICES; i++) {
            char a[96], u[96];
            money(sv[i].amortized, sv[i].currency, a, sizeof a);
            money(sv[i].unblended, sv[i].currency, u, sizeof u);
            const char *c[3] = {*sv[i].name ? sv[i].name : "(none)", a, u};
            W(tt_row(&t, c));
        }
        W(tt_text(&text, &t, 2));
        W(tt_html(&html, &t));
        tt_free(&t);
        t = (ttable){0};
    }
    if (services.n > TOP_SERVICES) {
        W(rk_buf_printf(&text, "  … and %zu more services.\n", services.n - TOP_SERVICES));
        W(rk_buf_printf(&html, "<p>… and %zu more services.</p>\n", services.n - TOP_SERVICES));
    }

    /* Commitments */
    W(rk_buf_printf(&text,
                    "\nCommitments seen in the current deliveries\n  Reserved Instances: %zu\n  Savings Plans:      %zu\n",
                    ris, sps));
    W(rk_buf_printf(&html,
                    "<h3>Commitments seen in the current deliveries</h3>\n<p>Reserved Instances: <b>%zu</b><br>\n"
                    "Savings Plans: <b>%zu</b></p>\n",
                    ris, sps));

    /* Where to look */
    W(rk_buf_puts(&text, "\nWhere to look\n"));
    W(rk_buf_puts(&html, "<h3>Where to look</h3>\n"));
    if (dash) {
        W(rk_buf_printf(&text, "  Dashboard: %s\n", dash));
        W(rk_buf_puts(&html, "<p>Dashboard: <a href=\""));
        W(html_esc(&html, dash));
        W(rk_buf_puts(&html, "\">"));
        W(html_esc(&html, dash));
        W(rk_buf_puts(&html, "</a></p>\n"));
    }
    {
        static const char *const tails[][2] = {
            {"report cost --granularity monthly --metric unblended,amortized", "spend per month"},
            {"report cost --group-by service --metric amortized,unblended", "cost by service"},
            {"report cost --granularity daily --group-by account", "daily cost per account"},
            {"status", "periods, the delivery used for each, problems"},
        };
        W(rk_buf_puts(&text, "  On the machine that runs reckon:\n"));
        W(rk_buf_puts(&html, "<p>On the machine that runs reckon:</p>\n<ul>\n"));
        rk_buf cmd;
        rk_buf_init(&cmd, 1 << 16);
        for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
            rk_buf_reset(&cmd);
            if (cmd_prefix(&cmd, wsdir) != RK_OK || rk_buf_puts(&cmd, tails[i][0]) != RK_OK ||
                rk_buf_printf(&text, "    %s\n      (%s)\n", cmd.p, tails[i][1]) != RK_OK ||
                rk_buf_puts(&html, "<li><code>") != RK_OK || html_esc(&html, cmd.p) != RK_OK ||
                rk_buf_printf(&html, "</code> &mdash; %s</li>\n", tails[i][1]) != RK_OK) {
                rk_buf_free(&cmd);
                goto nomem;
            }
        }
        rk_buf_free(&cmd);
        W(rk_buf_puts(&html, "</ul>\n"));
    }
    W(rk_buf_printf(&text, "\n-- \nSent by reckon %s. Amounts are exact sums, rounded to the cent for display.\n",
                    RK_VERSION));
    W(rk_buf_printf(&html, "<p style=\"color:#777;font-size:small\">Sent by reckon %s.</p>\n</body></html>\n", RK_VERSION));
#undef W
    st = finish(&subj, &text, &html, out, err);
    goto out;
nomem:
    st = rk_err_set(err, RK_ENOMEM, "out of memory composing an email");
out:
    tt_free(&t);
    free(sv);
    free(dash);
    free(periods);
    if (have_months) rk_qresult_free(&months);
    if (have_services) rk_qresult_free(&services);
    rk_buf_free(&subj);
    rk_buf_free(&text);
    rk_buf_free(&html);
    return st;
}

/* ---- "sync failed" ---- */

rk_status rk_notify_compose_failed(rk_ws *ws, const char *connection, const rk_notify_failure *f, rk_notify_msg *out,
                                   rk_err *err)
{
    memset(out, 0, sizeof *out);
    char wsdir[PATH_MAX];
    ws_abs(ws, wsdir, sizeof wsdir);
    rk_buf subj, text, html, cmd;
    rk_buf_init(&subj, 4096);
    rk_buf_init(&text, MSG_MAX);
    rk_buf_init(&html, MSG_MAX);
    rk_buf_init(&cmd, 1 << 16);
    rk_status st;
#define W(expr)                                                                                                        \
    do {                                                                                                               \
        if ((expr) != RK_OK) goto nomem;                                                                               \
    } while (0)
    W(rk_buf_puts(&subj, connection ? "reckon: sync failed" : "reckon: processing failed"));
    if (connection) W(rk_buf_printf(&subj, " \xe2\x80\x94 %s", connection));
    W(rk_buf_puts(&html, html_head));
    W(html_esc(&html, subj.p));
    W(rk_buf_puts(&html, html_body));

    char tries[64] = "";
    if (f->attempts > 1) snprintf(tries, sizeof tries, " after %u attempts", f->attempts);
    if (connection) {
        W(rk_buf_printf(&text, "reckon could not finish processing connection %s%s.\n", connection, tries));
        W(rk_buf_puts(&html, "<h2>reckon could not finish processing connection <b>"));
        W(html_esc(&html, connection));
        W(rk_buf_printf(&html, "</b>%s</h2>\n", tries));
    } else {
        W(rk_buf_printf(&text, "reckon could not finish processing its data%s.\n", tries));
        W(rk_buf_printf(&html, "<h2>reckon could not finish processing its data%s</h2>\n", tries));
    }
    W(rk_buf_printf(&text, "Workspace: %s\n\nWhat failed\n", wsdir));
    W(rk_buf_puts(&html, "<p>Workspace: <code>"));
    W(html_esc(&html, wsdir));
    W(rk_buf_puts(&html, "</code></p>\n<h3>What failed</h3>\n<ul>\n"));
    for (size_t i = 0; i < f->nitems && i < FAILURES_LISTED; i++) {
        const rk_failure_item *it = &f->items[i];
        W(rk_buf_puts(&text, "  - "));
        W(rk_buf_puts(&html, "<li>"));
        if (it->period) {
            W(rk_buf_printf(&text, "Billing period %s", it->period));
            W(rk_buf_puts(&html, "Billing period <b>"));
            W(html_esc(&html, it->period));
            W(rk_buf_puts(&html, "</b>"));
        }
        if (it->where) {
            W(rk_buf_printf(&text, "%s%s", it->period ? ", " : "", it->where));
            W(rk_buf_puts(&html, it->period ? ", <code>" : "<code>"));
            W(html_esc(&html, it->where));
            W(rk_buf_puts(&html, "</code>"));
        }
        if (!it->period && !it->where) {
            W(rk_buf_puts(&text, "The sync"));
            W(rk_buf_puts(&html, "The sync"));
        }
        W(rk_buf_printf(&text, ":\n      %s\n", it->message ? it->message : "(no message)"));
        W(rk_buf_puts(&html, ":<br>\n<span style=\"color:#a00\">"));
        W(html_esc(&html, it->message ? it->message : "(no message)"));
        W(rk_buf_puts(&html, "</span></li>\n"));
    }
    if (f->nitems > FAILURES_LISTED) {
        W(rk_buf_printf(&text, "  … and %zu more; `reckon status` lists them all.\n", f->nitems - FAILURES_LISTED));
        W(rk_buf_printf(&html, "<li>… and %zu more; <code>reckon status</code> lists them all.</li>\n",
                        f->nitems - FAILURES_LISTED));
    }
    W(rk_buf_puts(&html, "</ul>\n"));

    W(rk_buf_puts(&text, "\nWhat reckon kept\n  A period that failed keeps its previous data, if it had any: nothing "
                         "half-loaded is ever\n  shown. The periods not listed above are up to date.\n"));
    W(rk_buf_puts(&html, "<h3>What reckon kept</h3>\n<p>A period that failed keeps its previous data, if it had any: "
                         "nothing half-loaded is ever shown. The periods not listed above are up to date.</p>\n"));

    W(cmd_prefix(&cmd, wsdir));
    W(rk_buf_puts(&cmd, "status"));
    W(rk_buf_puts(&text, "\nWhat to do\n  1. Read the error above: it names the file, line or setting at fault and "
                         "what to change.\n  2. See every period's state with:\n       "));
    W(rk_buf_puts(&text, cmd.p));
    W(rk_buf_puts(&html, "<h3>What to do</h3>\n<ol>\n<li>Read the error above: it names the file, line or setting at "
                         "fault and what to change.</li>\n<li>See every period&#39;s state with <code>"));
    W(html_esc(&html, cmd.p));
    W(rk_buf_puts(&html, "</code></li>\n"));
    rk_buf_reset(&cmd);
    if (f->retry_hint) {
        W(rk_buf_puts(&cmd, f->retry_hint));
    } else {
        W(cmd_prefix(&cmd, wsdir));
        W(rk_buf_puts(&cmd, "sync"));
        if (connection) {
            W(rk_buf_putc(&cmd, ' '));
            W(shell_word(&cmd, connection));
        }
    }
    W(rk_buf_printf(&text, "\n  3. When it is fixed, run (or wait for the next scheduled sync):\n       %s\n"
                           "     Only what failed is processed again.\n",
                    cmd.p));
    W(rk_buf_puts(&html, "<li>When it is fixed, run <code>"));
    W(html_esc(&html, cmd.p));
    W(rk_buf_puts(&html, "</code> (or wait for the next scheduled sync). Only what failed is processed again.</li>\n"
                         "</ol>\n"));
    W(rk_buf_printf(&text, "\n-- \nSent by reckon %s.\n", RK_VERSION));
    W(rk_buf_printf(&html, "<p style=\"color:#777;font-size:small\">Sent by reckon %s.</p>\n</body></html>\n", RK_VERSION));
#undef W
    st = finish(&subj, &text, &html, out, err);
    goto out;
nomem:
    st = rk_err_set(err, RK_ENOMEM, "out of memory composing an email");
out:
    rk_buf_free(&subj);
    rk_buf_free(&text);
    rk_buf_free(&html);
    rk_buf_free(&cmd);
    return st;
}

/* ---- test ---- */

rk_status rk_notify_compose_test(rk_ws *ws, const char *note, rk_notify_msg *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    char wsdir[PATH_MAX], when[32];
    ws_abs(ws, wsdir, sizeof wsdir);
    rk_time_fmt(rk_now_ms() / 1000 * 1000, when);
    rk_buf subj, text, html;
    rk_buf_init(&subj, 4096);
    rk_buf_init(&text, MSG_MAX);
    rk_buf_init(&html, MSG_MAX);
    rk_status st = RK_ENOMEM;
    if (rk_buf_puts(&subj, "reckon: test email") != RK_OK ||
        rk_buf_printf(&text,
                      "This is a test email from reckon.\n\nThe email settings of workspace %s work: this message went "
                      "through the configured SMTP server at %s.\n",
                      wsdir, when) != RK_OK ||
        rk_buf_puts(&html, html_head) != RK_OK || rk_buf_puts(&html, "reckon: test email") != RK_OK ||
        rk_buf_puts(&html, html_body) != RK_OK ||
        rk_buf_puts(&html, "<p>This is a test email from reckon.</p>\n<p>The email settings of workspace <code>") != RK_OK ||
        html_esc(&html, wsdir) != RK_OK ||
        rk_buf_printf(&html, "</code> work: this message went through the configured SMTP server at %s.</p>\n", when) !=
            RK_OK)
        goto nomem;
    if (note && *note) {
        if (!rk_utf8_valid(note, strlen(note))) {
            st = rk_err_set(err, RK_EUSAGE, "the note is not valid UTF-8");
            goto out;
        }
        if (rk_buf_printf(&text, "\nNote:\n%s\n", note) != RK_OK || rk_buf_puts(&html, "<p>Note:</p>\n<pre>") != RK_OK ||
            html_esc(&html, note) != RK_OK || rk_buf_puts(&html, "</pre>\n") != RK_OK)
            goto nomem;
    }
    if (rk_buf_printf(&text, "\n-- \nSent by reckon %s.\n", RK_VERSION) != RK_OK ||
        rk_buf_puts(&html, "</body></html>\n") != RK_OK)
        goto nomem;
    st = finish(&subj, &text, &html, out, err);
    goto out;
nomem:
    st = rk_err_set(err, RK_ENOMEM, "out of memory composing an email");
out:
    rk_buf_free(&subj);
    rk_buf_free(&text);
    rk_buf_free(&html);
    return st;
}

/* ---- sending ---- */

rk_status rk_notify_send(rk_ws *ws, const char *connection, const char *const *recipients, size_t nrecipients,
                         const rk_notify_msg *m, rk_buf *raw, rk_smtp_result *res, rk_err *err)
{
    char **stored = NULL;
    size_t nstored = 0;
    rk_mail_addr *to = NULL;
    rk_smtp_conf conf;
    bool have_conf = false;
    char *subject = NULL, *text = NULL, *html = NULL;
    rk_buf msg;
    rk_buf_init(&msg, MSG_MAX);
    rk_status st = RK_OK;
    if (!recipients || nrecipients == 0) {
        if (!connection) return rk_err_set(err, RK_EUSAGE, "no recipients: give at least one address");
        RK_TRY(rk_ws_recipients_get(ws, connection, &stored, &nstored, err));
        if (nstored == 0) {
            rk_strv_free(stored, nstored);
            return rk_err_set(err, RK_EUSAGE,
                              "connection %s has no email recipients; add them with `reckon notify recipients %s "
                              "--set ADDRESS` or pass --to",
                              connection, connection);
        }
        recipients = (const char *const *)stored;
        nrecipients = nstored;
    }
    to = calloc(nrecipients, sizeof *to);
    if (!to) {
        st = rk_err_set(err, RK_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nrecipients; i++)
        if ((st = rk_mail_addr_parse(recipients[i], strlen(recipients[i]), &to[i], err)) != RK_OK) {
            rk_err_prefix(err, "recipient: ");
            goto out;
        }

    st = rk_smtp_conf_load(ws, &conf, err);
    if (st == RK_OK) {
        have_conf = true;
    } else if (!raw) {
        goto out;
    } else { /* only printing: the sender is all that is needed */
        st = RK_OK;
        memset(&conf, 0, sizeof conf);
        char *from = NULL;
        if (rk_ws_setting_get(ws, "smtp.from", &from, NULL) != RK_OK || !from ||
            rk_mail_addr_parse(from, strlen(from), &conf.from, NULL) != RK_OK)
            rk_mail_addr_parse("reckon@localhost", 16, &conf.from, NULL);
        free(from);
    }
    secrets sec;
    collect_secrets(&sec, have_conf ? &conf : NULL);
    subject = redact_dup(m->subject, &sec);
    text = redact_dup(m->text, &sec);
    html = m->html ? redact_dup(m->html, &sec) : NULL;
    if (!subject || !text || (m->html && !html)) {
        st = rk_err_set(err, RK_ENOMEM, "out of memory");
        goto out;
    }
    rk_mail mail = {.from = conf.from, .to = to, .nto = nrecipients, .subject = subject, .text = text, .html = html,
                    .date_ms = rk_now_ms(), .tz_minutes = 0};
    if (getrandom(mail.random, sizeof mail.random, 0) != (ssize_t)sizeof mail.random) {
        st = rk_err_set(err, RK_EIO, "no randomness for a Message-ID");
        goto out;
    }
    if ((st = rk_mail_build(&mail, &msg, err)) != RK_OK) goto out;
    if (raw) {
        st = rk_buf_append(raw, msg.p, msg.len);
        if (st != RK_OK) rk_err_set(err, st, "the email does not fit the output buffer");
        goto out;
    }
    st = rk_smtp_send(&conf, to, nrecipients, msg.p, msg.len, redact_cb, &sec, res, err);
out:
    if (st != RK_OK && err) rk_notify_redact(err->msg, sizeof err->msg);
    if (have_conf) rk_smtp_conf_free(&conf);
    rk_strv_free(stored, nstored);
    free(to);
    free(subject);
    free(text);
    free(html);
    rk_buf_free(&msg);
    return st;
}

rk_status rk_notify_ready(rk_ws *ws, const char *connection, const char *const *recipients, size_t nrecipients,
                          rk_err *err)
{
    rk_notify_msg m;
    RK_TRY(rk_notify_compose_ready(ws, connection, &m, err));
    rk_status st = rk_notify_send(ws, connection, recipients, nrecipients, &m, NULL, NULL, err);
    rk_notify_msg_free(&m);
    return st;
}

rk_status rk_notify_failed(rk_ws *ws, const char *connection, const char *const *recipients, size_t nrecipients,
                           const rk_notify_failure *f, rk_err *err)
{
    rk_notify_msg m;
    RK_TRY(rk_notify_compose_failed(ws, connection, f, &m, err));
    rk_status st = rk_notify_send(ws, connection, recipients, nrecipients, &m, NULL, NULL, err);
    rk_notify_msg_free(&m);
    return st;
}

rk_status rk_notify_test(rk_ws *ws, const char *const *recipients, size_t nrecipients, const char *note, rk_err *err)
{
    rk_notify_msg m;
    RK_TRY(rk_notify_compose_test(ws, note, &m, err));
    rk_status st = rk_notify_send(ws, NULL, recipients, nrecipients, &m, NULL, NULL, err);
    rk_notify_msg_free(&m);
    return st;
}
