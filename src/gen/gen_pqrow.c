/* gen_pqrow.c — the Parquet formats' schemas, and a generated row as Parquet
 * values.
 *
 * The Parquet formats carry exactly the rows of the CSV formats of the same
 * organization: athena-parquet is legacy-csv's columns under their Athena
 * names (cur-format.md §a.4, §d.2), cur2-parquet is cur2-csv's. So a row is
 * written from the very cells the CSV serializer would print, decoded back:
 *
 *   text      the cell without its CSV quoting; in athena-parquet every
 *             column is REQUIRED and an empty cell is "", in cur2-parquet
 *             columns are OPTIONAL and an empty cell is null;
 *   number    the decimal text (an integer count of 1e-10 with at most 10
 *             decimals) as the DOUBLE nearest to it; empty is 0 (athena, as
 *             AWS writes its RI columns) or null (CUR 2.0). A number with
 *             more than 15 significant digits stops the generator: its
 *             double would not give back the CSV's text;
 *   time      the ISO text as INT64 milliseconds (TIMESTAMP_MILLIS);
 *   map       (CUR 2.0) the JSON object text as a MAP: "{}" is a present
 *             map with no entry, an empty cell a null map.
 *
 * Block cells (the product attributes, tags and cost categories, pre-rendered
 * per product, resource and account) are parsed once per block and cached
 * by address. Blocks are immutable for the whole run (the model's and the
 * layout's), which is what makes the address a key; a hit whose length
 * differs is parsed again. Each cached cell (and map key and value) keeps a
 * gpq_memo, so once its value is in a column's dictionary the writer puts
 * its entry without hashing or comparing the text.
 *
 * HOW IT WORKS
 * gen_pq_row captures the row: each column's cell, resolved (block cells
 * as their parsed block, numbers as doubles, times as milliseconds, other
 * text copied into the batch's arena), into a column-major batch of BATCH
 * rows. A full batch (or one that reaches the end of a row group or part)
 * is encoded column by column: each column takes its BATCH values while its
 * state, dictionary and page stay in cache. With a helper thread (when the
 * month threads leave a core idle), batches go round a ring of NBATCH: the
 * month's thread captures one while the helper encodes and compresses the
 * ones handed over before, in order.
 * Only the helper touches the writer and the memos; only the capturing
 * thread touches the block cache and the time cache; a batch changes hands
 * under the mutex, and batches are encoded in order, so the bytes do not
 * depend on the threads.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timeparse.h"
#include "cur/colname.h"
#include "gen/gen_internal.h"
#include "gen/gen_parquet.h"

/* parquet-mr's root name in AWS's Athena files (measured on real samples). */
#define ATHENA_ROOT "com.amazon.aws.origami.datawriter.parquet.ParquetDataWriter$"
#define CUR2_ROOT "schema"

/* ---- the plan ---- */

rk_status gen_pqplan_init(gen_pqplan *p, gen_fmt f, bool athena, rk_err *err)
{
    memset(p, 0, sizeof *p);
    p->fmt = f;
    p->athena = athena;
    p->ncols = gen_columns(f, p->cols);
    for (int i = 0; i < p->ncols; i++) {
        int gc = p->cols[i].gc;
        p->nstatic += f == GF_CUR2 && gc == GC_PRODUCT && p->cols[i].sub > 0;
        p->blk[i] = (int8_t)(gc == GC_PRODUCT ? 0 : gc == GC_TAGS ? 1 : gc == GC_COSTCAT ? 2 : -1);
    }
    p->schema = gpq_schema_new(athena ? ATHENA_ROOT : CUR2_ROOT);
    if (!p->schema) return rk_err_set(err, RK_ENOMEM, "out of memory");
    gpq_repetition rep = athena ? GPQ_REQUIRED : GPQ_OPTIONAL;
    gpq_annotation str = athena ? GPQ_UTF8 : GPQ_STRING;
    gpq_annotation ts = athena ? GPQ_TIMESTAMP_MILLIS : GPQ_TIMESTAMP_MILLIS_UTC;
    for (int i = 0; i < p->ncols; i++) {
        const gen_col *c = &p->cols[i];
        char name[256];
        if (f == GF_LEGACY) rk_colname_normalize(c->name, strlen(c->name), name, sizeof name);
        else snprintf(name, sizeof name, "%s", c->name);
        switch (c->kind) {
        case GK_STRING: p->leaf[i] = gpq_schema_leaf(p->schema, name, rep, GPQ_BYTE_ARRAY, str); break;
        case GK_NUMBER: p->leaf[i] = gpq_schema_leaf(p->schema, name, rep, GPQ_DOUBLE, GPQ_NONE); break;
        case GK_TIME: p->leaf[i] = gpq_schema_leaf(p->schema, name, rep, GPQ_INT64, ts); break;
        default:
            /* optional group name (MAP) { repeated group key_value { required key; optional value; } } */
            gpq_schema_group(p->schema, name, GPQ_OPTIONAL, 1, GPQ_MAP);
            gpq_schema_group(p->schema, "key_value", GPQ_REPEATED, 2, GPQ_NONE);
            p->leaf[i] = gpq_schema_leaf(p->schema, "key", GPQ_REQUIRED, GPQ_BYTE_ARRAY, GPQ_STRING);
            if (c->kind == GK_MAP_NUMBER) gpq_schema_leaf(p->schema, "value", GPQ_OPTIONAL, GPQ_DOUBLE, GPQ_NONE);
            else gpq_schema_leaf(p->schema, "value", GPQ_OPTIONAL, GPQ_BYTE_ARRAY, GPQ_STRING);
            break;
        }
    }
    return gpq_schema_finish(p->schema, err);
}

void gen_pqplan_free(gen_pqplan *p)
{
    gpq_schema_free(p->schema);
    memset(p, 0, sizeof *p);
}

/* ---- decoding cells ---- */

typedef struct span {
    const char *p;
    uint32_t n;
} span;

typedef struct pmap {
    span *k, *v;       /* v: string values (GK_MAP) */
    double *num;       /* the values of a GK_MAP_NUMBER map */
    gpq_memo *km, *vm; /* block maps: per entry */
    uint32_t n;
} pmap;

/* A parsed block: its cells, and for a CUR 2.0 block the map in cell 0. */
typedef struct pblock {
    const char *src;
    uint32_t len;
    char *text;   /* unquoted cells and map strings */
    span *cells;
    gpq_memo *memo; /* per cell */
    uint32_t ncells;
    pmap map;
} pblock;

typedef struct tcache_e {
    char txt[40];
    uint8_t n;
    int64_t ms;
} tcache_e;

/* A captured cell of the batch is the gpq_value the column gets (text in
 * the arena, in a block or static; for a map column, v.p is its pmap). */
typedef gpq_value bent;

#define BATCH 512
#define NBATCH 4 /* a ring: the helper encodes them in order */
#define ARENA (2u << 20)

static const int block_gc[3] = {GC_PRODUCT, GC_TAGS, GC_COSTCAT};

typedef struct batch {
    bent *ent;    /* [column][BATCH]; block cells are not captured there but */
    pblock *blk[3][BATCH]; /* as each row's blocks */
    bent tmp[BATCH];       /* the helper's: a block cell column of the batch */
    char *arena;  /* the rows' copied text and discount maps */
    size_t al;
    uint32_t nrows;
    gpq_writer *w;
} batch;

struct gen_pqconv {
    const gen_pqplan *plan;
    /* capture */
    pblock **tab; /* open addressing by block address */
    size_t mask, n;
    pblock *retired; /* re-parsed blocks, freed at the end (a batch may hold them) */
    pblock *last[GC_COUNT];       /* per block column: the last row's block */
    tcache_e tcache[GEN_MAXCOLS]; /* per column: the last time's text and value */
    batch b[NBATCH];
    int cur;          /* the batch being captured */
    gpq_writer *rw;   /* the writer the captured rows go to */
    uint64_t rg_used; /* rows already sent to its current row group */
    rk_status st;
    /* the helper */
    bool threaded;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int head, queued; /* the batches handed over: head, head+1, … (cur − queued …) */
    bool quit;
    rk_status hst;
    rk_err herr;
};

static rk_status encode(const gen_pqplan *p, batch *b, rk_err *err);

static void *helper(void *arg)
{
    gen_pqconv *cv = arg;
    pthread_mutex_lock(&cv->mu);
    for (;;) {
        while (cv->queued == 0 && !cv->quit) pthread_cond_wait(&cv->cond, &cv->mu);
        if (cv->queued == 0) break;
        int k = cv->head;
        pthread_mutex_unlock(&cv->mu);
        rk_err e = {0};
        rk_status st = encode(cv->plan, &cv->b[k], &e);
        pthread_mutex_lock(&cv->mu);
        cv->head = (cv->head + 1) % NBATCH;
        cv->queued--;
        if (st != RK_OK && cv->hst == RK_OK) {
            cv->hst = st;
            cv->herr = e;
        }
        pthread_cond_broadcast(&cv->cond);
    }
    pthread_mutex_unlock(&cv->mu);
    return NULL;
}

gen_pqconv *gen_pqconv_new(const gen_pqplan *p, bool threaded)
{
    gen_pqconv *cv = calloc(1, sizeof *cv);
    if (!cv) return NULL;
    cv->plan = p;
    cv->mask = 255;
    cv->tab = calloc(cv->mask + 1, sizeof *cv->tab);
    bool ok = cv->tab != NULL;
    for (int k = 0; k < NBATCH && ok; k++) {
        cv->b[k].ent = malloc((size_t)(p->ncols ? p->ncols : 1) * BATCH * sizeof *cv->b[k].ent);
        cv->b[k].arena = malloc(ARENA);
        ok = cv->b[k].ent && cv->b[k].arena;
    }
    if (ok) {
        pthread_mutex_init(&cv->mu, NULL);
        pthread_cond_init(&cv->cond, NULL);
        cv->threaded = threaded && pthread_create(&cv->th, NULL, helper, cv) == 0;
        if (!cv->threaded) {
            pthread_mutex_destroy(&cv->mu);
            pthread_cond_destroy(&cv->cond);
        }
    }
    if (!ok) {
        gen_pqconv_free(cv);
        return NULL;
    }
    return cv;
}

static void pblock_free(pblock *b)
{
    if (!b) return;
    free(b->text);
    free(b->cells);
    free(b->memo);
    free(b->map.k);
    free(b->map.v);
    free(b->map.km);
    free(b->map.vm);
    free(b);
}

void gen_pqconv_free(gen_pqconv *cv)
{
    if (!cv) return;
    if (cv->threaded) {
        pthread_mutex_lock(&cv->mu);
        cv->quit = true;
        pthread_cond_broadcast(&cv->cond);
        pthread_mutex_unlock(&cv->mu);
        pthread_join(cv->th, NULL);
        pthread_mutex_destroy(&cv->mu);
        pthread_cond_destroy(&cv->cond);
    }
    for (size_t i = 0; cv->tab && i <= cv->mask; i++) pblock_free(cv->tab[i]);
    while (cv->retired) {
        pblock *b = cv->retired;
        cv->retired = (pblock *)(uintptr_t)b->src; /* chained through src once retired */
        pblock_free(b);
    }
    free(cv->tab);
    for (int k = 0; k < NBATCH; k++) {
        free(cv->b[k].ent);
        free(cv->b[k].arena);
    }
    free(cv);
}

/* Splits CSV text into unquoted cells written to out (which has len bytes
 * of room); returns the number of cells, or -1 when malformed. */
static int csv_cells(const char *s, uint32_t len, char *out, span *cells, int cap)
{
    uint32_t i = 0;
    int n = 0;
    char *o = out;
    for (;;) {
        if (n == cap) return -1;
        char *start = o;
        if (i < len && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= len) return -1;
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        *o++ = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                *o++ = s[i++];
            }
        } else {
            while (i < len && s[i] != ',') *o++ = s[i++];
        }
        cells[n++] = (span){start, (uint32_t)(o - start)};
        if (i == len) return n;
        if (s[i] != ',') return -1;
        i++;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A JSON string at s[*i] (the opening quote), unescaped into *o. */
static bool json_str(const char *s, uint32_t len, uint32_t *i, char **o, span *out)
{
    if (*i >= len || s[*i] != '"') return false;
    (*i)++;
    char *start = *o;
    while (*i < len && s[*i] != '"') {
        char c = s[(*i)++];
        if (c != '\\') {
            *(*o)++ = c;
            continue;
        }
        if (*i >= len) return false;
        c = s[(*i)++];
        switch (c) {
        case '"': case '\\': case '/': *(*o)++ = c; break;
        case 'b': *(*o)++ = '\b'; break;
        case 'f': *(*o)++ = '\f'; break;
        case 'n': *(*o)++ = '\n'; break;
        case 'r': *(*o)++ = '\r'; break;
        case 't': *(*o)++ = '\t'; break;
        case 'u': {
            if (*i + 4 > len) return false;
            int v = 0;
            for (int k = 0; k < 4; k++) {
                int h = hexval(s[*i + (uint32_t)k]);
                if (h < 0) return false;
                v = v * 16 + h;
            }
            *i += 4;
            if (v >= 0x80) return false; /* the generator escapes control characters only */
            *(*o)++ = (char)v;
            break;
        }
        default: return false;
        }
    }
    if (*i >= len) return false;
    (*i)++;
    *out = (span){start, (uint32_t)(*o - start)};
    return true;
}

/* A flat JSON object of strings (or numbers, kept as text), as the
 * generator writes it: {"k":"v",...} without spaces. Returns the number of
 * pairs, -1 when malformed or more than cap. */
static int json_map(const char *s, uint32_t len, char *store, span *k, span *v, int cap)
{
    uint32_t i = 0;
    char *o = store;
    if (len < 2 || s[0] != '{' || s[len - 1] != '}') return -1;
    i = 1;
    int n = 0;
    if (s[i] == '}') return i + 1 == len ? 0 : -1;
    for (;;) {
        if (n == cap) return -1;
        if (!json_str(s, len, &i, &o, &k[n])) return -1;
        if (i >= len || s[i++] != ':') return -1;
        if (i < len && s[i] == '"') {
            if (!json_str(s, len, &i, &o, &v[n])) return -1;
        } else {
            uint32_t st = i;
            while (i < len && s[i] != ',' && s[i] != '}') i++;
            v[n] = (span){s + st, i - st};
        }
        n++;
        if (i >= len) return -1;
        if (s[i] == '}') return i + 1 == len ? n : -1;
        if (s[i++] != ',') return -1;
    }
}

static size_t ptr_hash(const void *p, size_t mask)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ULL;
    return (size_t)(x >> 32) & mask;
}

static rk_status cache_grow(gen_pqconv *cv)
{
    size_t nm = cv->mask * 2 + 1;
    pblock **t = calloc(nm + 1, sizeof *t);
    if (!t) return RK_ENOMEM;
    for (size_t i = 0; i <= cv->mask; i++) {
        pblock *b = cv->tab[i];
        if (!b) continue;
        size_t k = ptr_hash(b->src, nm);
        while (t[k]) k = (k + 1) & nm;
        t[k] = b;
    }
    free(cv->tab);
    cv->tab = t;
    cv->mask = nm;
    return RK_OK;
}

/* The parsed block at src (text of len bytes); NULL with cv->st set on failure. */
static pblock *block(gen_pqconv *cv, int gc, const char *src, uint32_t len, bool map0, int want, rk_err *err)
{
    pblock *lb = cv->last[gc];
    if (lb && lb->src == src && lb->len == len) return lb;
    size_t k = ptr_hash(src, cv->mask);
    for (pblock *b; (b = cv->tab[k]) != NULL; k = (k + 1) & cv->mask) {
        if (b->src != src) continue;
        if (b->len == len) return cv->last[gc] = b;
        /* Same address, other length: parse again in place of the old entry
         * (kept until the end: a batch may still point at it). */
        memset(cv->last, 0, sizeof cv->last);
        b->src = (const char *)(uintptr_t)cv->retired;
        cv->retired = b;
        cv->tab[k] = NULL;
        cv->n--;
        /* re-insert the run after it so probing stays correct */
        for (size_t j = (k + 1) & cv->mask; cv->tab[j]; j = (j + 1) & cv->mask) {
            pblock *e = cv->tab[j];
            cv->tab[j] = NULL;
            size_t h = ptr_hash(e->src, cv->mask);
            while (cv->tab[h]) h = (h + 1) & cv->mask;
            cv->tab[h] = e;
        }
        return block(cv, gc, src, len, map0, want, err);
    }
    pblock *b = calloc(1, sizeof *b);
    if (!b) goto oom;
    b->src = src;
    b->len = len;
    b->text = malloc(2 * (size_t)len + 2);
    b->cells = calloc((size_t)want + 1, sizeof *b->cells);
    b->memo = calloc((size_t)want + 1, sizeof *b->memo);
    if (!b->text || !b->cells || !b->memo) goto oom;
    int n = csv_cells(src, len, b->text, b->cells, want + 1);
    if (n != want) {
        pblock_free(b);
        cv->st = rk_err_set(err, RK_EINTERNAL, "a block of %d cells has %d: %.*s", want, n, (int)(len > 200 ? 200 : len), src);
        return NULL;
    }
    b->ncells = (uint32_t)n;
    if (map0) {
        /* Map strings go after the cells' text (which takes at most len bytes). */
        int cap = 64;
        b->map.k = calloc((size_t)cap, sizeof *b->map.k);
        b->map.v = calloc((size_t)cap, sizeof *b->map.v);
        b->map.km = calloc((size_t)cap, sizeof *b->map.km);
        b->map.vm = calloc((size_t)cap, sizeof *b->map.vm);
        if (!b->map.k || !b->map.v || !b->map.km || !b->map.vm) goto oom;
        int m = json_map(b->cells[0].p, b->cells[0].n, b->text + len + 1, b->map.k, b->map.v, cap);
        if (m < 0) {
            cv->st = rk_err_set(err, RK_EINTERNAL, "a map cell is not the JSON the generator writes: %.*s", (int)b->cells[0].n,
                                b->cells[0].p);
            pblock_free(b);
            return NULL;
        }
        b->map.n = (uint32_t)m;
    }
    if ((cv->n + 1) * 2 > cv->mask + 1) {
        if (cache_grow(cv) != RK_OK) goto oom;
        k = ptr_hash(src, cv->mask);
        while (cv->tab[k]) k = (k + 1) & cv->mask;
    }
    cv->tab[k] = b;
    cv->n++;
    return cv->last[gc] = b;
oom:
    pblock_free(b);
    cv->st = rk_err_set(err, RK_ENOMEM, "out of memory");
    return NULL;
}

static const double pow10_tab[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
                                   1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The DOUBLE nearest to decimal text the generator writes (-?digits with at
 * most 10 decimals): 0 when it is such a number of at most 15 significant
 * digits, 1 when it is not that form, 2 when it has more digits (its double
 * would not give back the text). With m the significant digits (< 10^15 <
 * 2^53, so exact) and the value m·10^e, one division or multiplication by
 * an exact power of ten rounds correctly (Clinger's fast path). */
static int text_to_double(const char *s, uint32_t n, double *out)
{
    uint32_t i = 0;
    bool neg = n && s[0] == '-';
    i += neg;
    uint64_t m = 0;
    int nd = 0, tz = 0, nint = 0, nfrac = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, nint++) {
        int x = s[i] - '0';
        if (x == 0) {
            if (m) tz++;
            continue;
        }
        for (; tz; tz--, nd++) m *= 10;
        m = m * 10 + (uint64_t)x;
        if (++nd > 15) return 2;
    }
    if (nint == 0 || nint > 9) return 1;
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, nfrac++) {
            int x = s[i] - '0';
            if (x == 0) {
                if (m) tz++;
                continue;
            }
            for (; tz; tz--, nd++) m *= 10;
            m = m * 10 + (uint64_t)x;
            if (++nd > 15) return 2;
        }
        if (nfrac == 0 || nfrac > 10) return 1;
    }
    if (i != n) return 1;
    int e = (m ? tz : 0) - nfrac;
    double d = e < 0 ? (double)m / pow10_tab[-e] : (double)m * pow10_tab[e];
    *out = neg ? -d : d;
    return 0;
}

static bool text_double(gen_pqconv *cv, const gen_col *c, span s, double *out, rk_err *err)
{
    int rc = text_to_double(s.p, s.n, out);
    if (rc == 1)
        cv->st = rk_err_set(err, RK_EINTERNAL, "%s: \"%.*s\" is not a decimal the generator writes", c->name, (int)s.n, s.p);
    else if (rc == 2)
        cv->st = rk_err_set(err, RK_EINTERNAL,
                            "%s: %.*s has more than 15 significant digits, which a DOUBLE cannot carry exactly; "
                            "use a CSV format or a smaller --scale",
                            c->name, (int)s.n, s.p);
    return rc == 0;
}

/* The row's block of block column gc (its cells parsed); NULL with cv->st set. */
static pblock *row_block(gen_pqconv *cv, const gen_pqplan *p, const gen_layout *l, const grow *r, int gc, rk_err *err)
{
    const char *s;
    uint32_t n;
    if (r->stamp[gc] == r->cur) {
        s = r->p[gc];
        n = r->n[gc];
    } else {
        s = l->empty_block[gc];
        n = l->empty_len[gc];
    }
    int want = p->fmt == GF_LEGACY ? (gc == GC_PRODUCT ? PA_COUNT : gc == GC_TAGS ? GEN_NTAGS : GEN_NCOSTCAT)
                                   : (gc == GC_PRODUCT ? p->nstatic + 1 : 1);
    return block(cv, gc, s, n, p->fmt == GF_CUR2, want, err);
}

/* The row's text of a column that is not a block cell, without its CSV
 * quoting (unquoted text goes to the batch's arena). */
static span cell_text(gen_pqconv *cv, const grow *r, const gen_col *c, rk_err *err)
{
    int gc = c->gc;
    if (r->stamp[gc] != r->cur) return (span){"", 0};
    const char *s = r->p[gc];
    uint32_t n = r->n[gc];
    if (n == 0 || s[0] != '"') return (span){s, n};
    batch *bt = &cv->b[cv->cur];
    if (bt->al + n > ARENA) {
        cv->st = rk_err_set(err, RK_EINTERNAL, "a row's text is larger than the row limit");
        return (span){"", 0};
    }
    span out[2];
    int k = csv_cells(s, n, bt->arena + bt->al, out, 2);
    if (k != 1) {
        cv->st = rk_err_set(err, RK_EINTERNAL, "%s: a cell is not CSV: %.*s", c->name, (int)(n > 200 ? 200 : n), s);
        return (span){"", 0};
    }
    bt->al += out[0].n;
    return out[0];
}

static void put_map(const gen_col *c, int leaf, const pmap *m, gpq_writer *w)
{
    if (!m || m->n == 0) {
        int def = m ? 1 : 0; /* 0: no map; 1: a map with no entry */
        gpq_null(w, leaf, 0, def);
        gpq_null(w, leaf + 1, 0, def);
        return;
    }
    for (uint32_t i = 0; i < m->n; i++) {
        int rep = i ? 1 : 0;
        gpq_bytes_memo(w, leaf, rep, 2, m->k[i].p, m->k[i].n, m->km ? &m->km[i] : NULL);
        if (c->kind == GK_MAP_NUMBER) gpq_double(w, leaf + 1, rep, 3, m->num[i]);
        else gpq_bytes_memo(w, leaf + 1, rep, 3, m->v[i].p, m->v[i].n, m->vm ? &m->vm[i] : NULL);
    }
}

/* Room in the batch's arena, aligned for any of its structures. */
static void *arena(batch *b, size_t n)
{
    size_t at = (b->al + 15) & ~(size_t)15;
    if (at + n > ARENA) return NULL;
    b->al = at + n;
    return b->arena + at;
}

/* Puts the batch into its writer column by column: each column's state,
 * dictionary and page stay in cache while it takes its values. Fails only
 * when the writer does (memory, disk). */
static rk_status encode(const gen_pqplan *p, batch *b, rk_err *err)
{
    uint32_t nr = b->nrows;
    if (nr == 0) return RK_OK;
    gpq_writer *w = b->w;
    for (int i = 0; i < p->ncols; i++) {
        const gen_col *c = &p->cols[i];
        const bent *e = b->ent + (size_t)i * BATCH;
        if (p->blk[i] >= 0) {
            pblock *const *bl = b->blk[p->blk[i]];
            if (c->kind == GK_MAP) {
                for (uint32_t r = 0; r < nr; r++) put_map(c, p->leaf[i], &bl[r]->map, w);
                continue;
            }
            for (uint32_t r = 0; r < nr; r++) {
                const span *cell = &bl[r]->cells[c->sub];
                b->tmp[r] = (bent){.v.p = cell->p, .n = cell->n, .memo = &bl[r]->memo[c->sub],
                                   .null = cell->n == 0 && !p->athena};
            }
            gpq_put_flat(w, p->leaf[i], b->tmp, nr);
        } else if (c->kind == GK_MAP || c->kind == GK_MAP_NUMBER) {
            for (uint32_t r = 0; r < nr; r++) put_map(c, p->leaf[i], e[r].null ? NULL : e[r].v.p, w);
        } else {
            gpq_put_flat(w, p->leaf[i], e, nr);
        }
    }
    b->nrows = 0;
    b->al = 0;
    return gpq_end_rows(w, nr, err);
}

/* Captures column i's cell of the row (not a block cell: those are taken
 * from the row's blocks when the batch is encoded) into the current batch:
 * the value the column gets. Empty cells are null in CUR 2.0; in
 * athena-parquet, where every column is REQUIRED, they are "", 0 or the
 * epoch. */
static void capture(gen_pqconv *cv, const grow *r, int i, bent *e, rk_err *err)
{
    const gen_pqplan *p = cv->plan;
    const gen_col *c = &p->cols[i];
    batch *bt = &cv->b[cv->cur];
    size_t mark = bt->al;
    span s = cell_text(cv, r, c, err);
    e->null = !p->athena;
    e->memo = NULL;
    e->n = 0;
    e->v.i = 0;
    if (cv->st != RK_OK) return;
    switch (c->kind) {
    case GK_STRING:
        if (s.n) {
            if (bt->al == mark) {
                /* not unquoted into the arena: copy, the row's text is reused */
                char *t = arena(bt, s.n);
                if (!t) {
                    cv->st = rk_err_set(err, RK_EINTERNAL, "the Parquet batch's text overflows");
                    return;
                }
                memcpy(t, s.p, s.n);
                s.p = t;
            }
            e->v.p = s.p;
            e->n = s.n;
            e->null = false;
        } else {
            e->v.p = "";
        }
        break;
    case GK_NUMBER:
        if (s.n && text_double(cv, c, s, &e->v.d, err)) e->null = false;
        break;
    case GK_TIME: {
        if (!s.n) break;
        tcache_e *tc = &cv->tcache[i];
        if (tc->n != s.n || memcmp(tc->txt, s.p, s.n) != 0) {
            int64_t ms;
            if (s.n >= sizeof tc->txt || rk_time_parse(s.p, s.n, &ms) != RK_OK) {
                cv->st = rk_err_set(err, RK_EINTERNAL, "%s: \"%.*s\" is not a time", c->name, (int)s.n, s.p);
                return;
            }
            memcpy(tc->txt, s.p, s.n);
            tc->n = (uint8_t)s.n;
            tc->ms = ms;
        }
        e->v.i = tc->ms;
        e->null = false;
        break;
    }
    default:
        e->null = true;
        if (s.n) {
            /* The discount map: parsed for its row, into the arena. */
            enum { CAP = 64 };
            pmap *m = arena(bt, sizeof *m);
            span *kv = arena(bt, 2 * CAP * sizeof *kv);
            double *num = arena(bt, CAP * sizeof *num);
            char *store = arena(bt, s.n);
            if (!m || !kv || !num || !store) {
                cv->st = rk_err_set(err, RK_EINTERNAL, "the Parquet batch's text overflows");
                return;
            }
            int n = json_map(s.p, s.n, store, kv, kv + CAP, CAP);
            if (n < 0) {
                cv->st = rk_err_set(err, RK_EINTERNAL, "%s: not the JSON the generator writes: %.*s", c->name, (int)s.n, s.p);
                return;
            }
            *m = (pmap){.k = kv, .v = kv + CAP, .num = num, .n = (uint32_t)n};
            for (int k = 0; k < n && c->kind == GK_MAP_NUMBER; k++)
                if (!text_double(cv, c, m->v[k], &num[k], err)) return;
            e->v.p = m;
            e->null = false;
        }
        break;
    }
}

/* Hands the current batch to the helper (or encodes it), then captures
 * into the other one. */
static rk_status submit(gen_pqconv *cv, rk_err *err)
{
    batch *b = &cv->b[cv->cur];
    if (b->nrows == 0) return RK_OK;
    uint64_t rpg = gpq_rows_per_group(b->w);
    cv->rg_used = (cv->rg_used + b->nrows) % rpg;
    if (!cv->threaded) return encode(cv->plan, b, err);
    pthread_mutex_lock(&cv->mu);
    /* The next batch is free once fewer than NBATCH − 1 wait before it. */
    while (cv->queued + 1 >= NBATCH && cv->hst == RK_OK) pthread_cond_wait(&cv->cond, &cv->mu);
    rk_status st = cv->hst;
    if (st != RK_OK) {
        if (err) *err = cv->herr;
    } else {
        cv->queued++;
        pthread_cond_broadcast(&cv->cond);
        cv->cur = (cv->cur + 1) % NBATCH;
    }
    pthread_mutex_unlock(&cv->mu);
    return st;
}

rk_status gen_pq_row(gen_pqconv *cv, const gen_layout *l, const grow *r, gpq_writer *w, rk_err *err)
{
    if (cv->st != RK_OK) return cv->st;
    if (w != cv->rw) {
        /* a new part: the rows before went to the previous writer */
        RK_TRY(gen_pq_flush(cv, err));
        cv->rw = w;
        cv->rg_used = 0;
    }
    batch *b = &cv->b[cv->cur];
    /* A row's text is under GEN_ROW_MAX; it takes at most twice that here. */
    if (ARENA - b->al < 2 * (size_t)GEN_ROW_MAX + 4096) {
        RK_TRY(submit(cv, err));
        b = &cv->b[cv->cur];
    }
    b->w = w;
    const gen_pqplan *p = cv->plan;
    for (int k = 0; k < 3; k++) {
        b->blk[k][b->nrows] = row_block(cv, p, l, r, block_gc[k], err);
        if (!b->blk[k][b->nrows]) return cv->st;
    }
    for (int i = 0; i < p->ncols && cv->st == RK_OK; i++)
        if (p->blk[i] < 0) capture(cv, r, i, &b->ent[(size_t)i * BATCH + b->nrows], err);
    if (cv->st != RK_OK) return cv->st;
    b->nrows++;
    if (b->nrows == BATCH || cv->rg_used + b->nrows == gpq_rows_per_group(w)) return submit(cv, err);
    return RK_OK;
}

rk_status gen_pq_flush(gen_pqconv *cv, rk_err *err)
{
    if (cv->st != RK_OK) return cv->st;
    RK_TRY(submit(cv, err));
    cv->rw = NULL; /* the caller closes it; another writer may take its address */
    cv->rg_used = 0;
    if (!cv->threaded) return RK_OK;
    pthread_mutex_lock(&cv->mu);
    while (cv->queued > 0) pthread_cond_wait(&cv->cond, &cv->mu);
    rk_status st = cv->hst;
    if (st != RK_OK && err) *err = cv->herr;
    pthread_mutex_unlock(&cv->mu);
    return st;
}

rk_status gen_pq_status_file(const char *path, rk_err *err)
{
    gpq_schema *s = gpq_schema_new(ATHENA_ROOT);
    if (!s) return rk_err_set(err, RK_ENOMEM, "out of memory");
    gpq_schema_leaf(s, "status", GPQ_REQUIRED, GPQ_BYTE_ARRAY, GPQ_UTF8);
    rk_status st = gpq_schema_finish(s, err);
    gpq_writer *w = NULL;
    if (st == RK_OK) st = gpq_open(path, s, 1, &w, err);
    if (st == RK_OK) {
        gpq_bytes(w, 0, 0, 0, "READY", 5);
        st = gpq_end_row(w, err);
        rk_status st2 = gpq_close(w, NULL, st == RK_OK ? err : NULL);
        if (st == RK_OK) st = st2;
    }
    gpq_schema_free(s);
    return st;
}
