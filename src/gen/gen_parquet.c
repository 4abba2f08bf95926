/* gen_parquet.c — the generator's Parquet writer (see gen_parquet.h).
 *
 * HOW IT WORKS
 * A file is "PAR1", the row groups, the footer (FileMetaData in the Thrift
 * compact protocol), the footer's length as 4 little-endian bytes, "PAR1".
 * A row group is one column chunk per leaf, one after the other; a chunk is
 * an optional dictionary page followed by data pages, each page a Thrift
 * PageHeader and its SNAPPY-compressed body.
 *
 * Each column keeps, for the page being filled, its levels (one byte per
 * entry) and its values: dictionary indices for a dictionary-encoded
 * BYTE_ARRAY column, PLAIN bytes otherwise. Pages close at row boundaries
 * (gpq_end_row[s]) once they hold PAGE_VALUES entries or PAGE_BYTES of
 * values, looked at every PAGE_CHECK rows or at the end of a batch (the
 * limits are soft); a closed page is encoded, compressed and appended to
 * the column's chunk buffer in memory. When the row group is full, every
 * chunk is written to the file, the dictionary page first, and the chunk's
 * offsets, sizes, encodings and null count are kept for the footer; then
 * the chunks start again, dictionaries included. So memory holds one
 * compressed row group plus one raw page and one dictionary per column.
 * The footer carries no min/max statistics (only null counts), no page
 * index and no key/value metadata; ColumnChunk.file_offset is 0, as the
 * format asks when no ColumnMetaData is written outside the footer.
 *
 * Dictionary decisions, per column chunk: the first page that holds values
 * decides. If it holds more distinct values than half its values (an id,
 * where a dictionary only costs), the page is re-encoded PLAIN and the rest
 * of the chunk stays PLAIN, with no dictionary page. Otherwise the chunk is
 * dictionary-encoded until its dictionary passes DICT_MAX bytes; the page
 * then closes at the end of the row and the chunk continues in PLAIN pages
 * (the dictionary page still precedes them). A page with only nulls is
 * written PLAIN (it has no values) and decides nothing.
 *
 * Finding a value's dictionary entry, cheapest first: the caller's
 * gpq_memo, when it was filled for this very dictionary (each dictionary
 * gets an epoch from a process-wide counter, so a memo can never name an
 * entry of another column, row group or file); the column's last value,
 * compared inline when short (most columns repeat their previous row);
 * then the hash table (open addressing, the hash kept beside the entry).
 *
 * The RLE/bit-packed hybrid (levels, dictionary indices): a run of 8 or
 * more equal values becomes an RLE run; other values are bit-packed in
 * groups of 8. A bit-packed run must hold a multiple of 8 values except at
 * the very end, so before an RLE run the pending literal values borrow the
 * first values of the run to complete their last group (when the run stays
 * at least 8 long; otherwise the run joins the literals).
 */
#include <errno.h>
#include <snappy-c.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "gen/gen_parquet.h"

#define PAGE_VALUES 8192
#define PAGE_BYTES (1u << 20)
#define DICT_MAX (1u << 20)
#define PAGE_CHECK 64
#define CREATED_BY "reckon generate"

/* Thrift compact types. */
enum { CT_TRUE = 1, CT_FALSE = 2, CT_BYTE = 3, CT_I16 = 4, CT_I32 = 5, CT_I64 = 6, CT_BINARY = 8, CT_LIST = 9, CT_STRUCT = 12 };
/* Parquet enums. */
enum { PT_INT64 = 2, PT_DOUBLE = 5, PT_BYTE_ARRAY = 6 };
enum { ENC_PLAIN = 0, ENC_RLE = 3, ENC_RLE_DICTIONARY = 8 };
enum { PAGE_DATA = 0, PAGE_DICTIONARY = 2 };
enum { CONV_UTF8 = 0, CONV_MAP = 1, CONV_TIMESTAMP_MILLIS = 9 };
enum { CODEC_SNAPPY = 1 };

/* ---- a growable byte buffer ---- */

typedef struct gbuf {
    uint8_t *p;
    size_t len, cap;
} gbuf;

static bool gb_grow(gbuf *b, size_t extra)
{
    size_t need = b->len + extra;
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) return false;
    b->p = p;
    b->cap = cap;
    return true;
}

static inline bool gb_put(gbuf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap && !gb_grow(b, n)) return false;
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
    return true;
}

static inline bool gb_byte(gbuf *b, uint8_t c)
{
    if (b->len + 1 > b->cap && !gb_grow(b, 1)) return false;
    b->p[b->len++] = c;
    return true;
}

static inline void le32(uint8_t *o, uint32_t v)
{
    o[0] = (uint8_t)v;
    o[1] = (uint8_t)(v >> 8);
    o[2] = (uint8_t)(v >> 16);
    o[3] = (uint8_t)(v >> 24);
}

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool gb_uvarint(gbuf *b, uint64_t v)
{
    uint8_t t[10];
    int n = 0;
    while (v >= 0x80) {
        t[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (uint8_t)v;
    return gb_put(b, t, (size_t)n);
}

/* ---- Thrift compact protocol ---- */

typedef struct tc {
    gbuf *b;
    bool ok;
    int sp;
    int16_t last[16]; /* the last field id of each open struct */
} tc;

static void tc_init(tc *t, gbuf *b)
{
    memset(t, 0, sizeof *t);
    t->b = b;
    t->ok = true;
}

static void tc_field(tc *t, int16_t id, uint8_t type)
{
    int d = id - t->last[t->sp];
    if (d > 0 && d <= 15) {
        t->ok &= gb_byte(t->b, (uint8_t)(d << 4 | type));
    } else {
        t->ok &= gb_byte(t->b, type);
        t->ok &= gb_uvarint(t->b, (uint16_t)((id << 1) ^ (id >> 15)));
    }
    t->last[t->sp] = id;
}

static void tc_i32(tc *t, int16_t id, int32_t v)
{
    tc_field(t, id, CT_I32);
    t->ok &= gb_uvarint(t->b, (uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31)));
}

static void tc_i16(tc *t, int16_t id, int16_t v)
{
    tc_field(t, id, CT_I16);
    t->ok &= gb_uvarint(t->b, (uint16_t)(((uint16_t)v << 1) ^ (uint16_t)(v >> 15)));
}

static void tc_i64(tc *t, int16_t id, int64_t v)
{
    tc_field(t, id, CT_I64);
    t->ok &= gb_uvarint(t->b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void tc_bool(tc *t, int16_t id, bool v) { tc_field(t, id, v ? CT_TRUE : CT_FALSE); }

static void tc_str(tc *t, int16_t id, const char *s)
{
    size_t n = strlen(s);
    tc_field(t, id, CT_BINARY);
    t->ok &= gb_uvarint(t->b, n);
    t->ok &= gb_put(t->b, s, n);
}

/* A struct field: its fields follow, then tc_end. */
static void tc_struct(tc *t, int16_t id)
{
    tc_field(t, id, CT_STRUCT);
    t->last[++t->sp] = 0;
}

/* A struct element of a list. */
static void tc_elem(tc *t) { t->last[++t->sp] = 0; }

static void tc_end(tc *t)
{
    t->ok &= gb_byte(t->b, 0);
    t->sp--;
}

static void tc_list(tc *t, int16_t id, uint8_t etype, size_t n)
{
    tc_field(t, id, CT_LIST);
    if (n < 15) {
        t->ok &= gb_byte(t->b, (uint8_t)(n << 4 | etype));
    } else {
        t->ok &= gb_byte(t->b, (uint8_t)(0xf0 | etype));
        t->ok &= gb_uvarint(t->b, n);
    }
}

static void tc_list_i32(tc *t, int32_t v) { t->ok &= gb_uvarint(t->b, (uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31))); }

static void tc_list_str(tc *t, const char *s)
{
    size_t n = strlen(s);
    t->ok &= gb_uvarint(t->b, n);
    t->ok &= gb_put(t->b, s, n);
}

/* ---- schema ---- */

typedef struct snode {
    char *name;
    uint8_t rep, type, ann;
    int nchildren; /* -1: a leaf */
} snode;

typedef struct sleaf {
    int node;
    uint8_t max_def, max_rep, type;
    int depth;
    const char *path[8];
} sleaf;

struct gpq_schema {
    char *root;
    snode *n;
    int nn, ncap;
    sleaf *leaf;
    int nleaf, lcap;
    int ntop;   /* elements directly under the root */
    int nadded; /* leaves added */
    bool oom, finished;
};

gpq_schema *gpq_schema_new(const char *root_name)
{
    gpq_schema *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->root = strdup(root_name);
    if (!s->root) {
        free(s);
        return NULL;
    }
    return s;
}

static int schema_add(gpq_schema *s, const char *name, gpq_repetition rep, int nchildren, gpq_type type, gpq_annotation ann)
{
    if (s->nn == s->ncap) {
        int cap = s->ncap ? s->ncap * 2 : 64;
        snode *n = realloc(s->n, (size_t)cap * sizeof *n);
        if (!n) {
            s->oom = true;
            return -1;
        }
        s->n = n;
        s->ncap = cap;
    }
    snode *e = &s->n[s->nn];
    e->name = strdup(name);
    if (!e->name) {
        s->oom = true;
        return -1;
    }
    e->rep = (uint8_t)rep;
    e->type = (uint8_t)type;
    e->ann = (uint8_t)ann;
    e->nchildren = nchildren;
    s->nn++;
    return s->nn - 1;
}

void gpq_schema_group(gpq_schema *s, const char *name, gpq_repetition rep, int nchildren, gpq_annotation ann)
{
    schema_add(s, name, rep, nchildren < 1 ? 1 : nchildren, GPQ_BYTE_ARRAY, ann);
}

int gpq_schema_leaf(gpq_schema *s, const char *name, gpq_repetition rep, gpq_type type, gpq_annotation ann)
{
    schema_add(s, name, rep, -1, type, ann);
    return s->nadded++;
}

/* Walks the subtree at node i (depth d, levels so far); returns the node after it. */
static int walk(gpq_schema *s, int i, int d, int def, int rep, const char **path, rk_err *err, rk_status *st)
{
    if (i >= s->nn) {
        *st = rk_err_set(err, RK_EINTERNAL, "Parquet schema: a group has fewer children than declared");
        return s->nn;
    }
    snode *e = &s->n[i];
    if (d >= 8) {
        *st = rk_err_set(err, RK_EINTERNAL, "Parquet schema: nested too deep at %s", e->name);
        return s->nn;
    }
    path[d] = e->name;
    if (e->rep != GPQ_REQUIRED) def++;
    if (e->rep == GPQ_REPEATED) rep++;
    if (e->nchildren < 0) {
        if (s->nleaf == s->lcap) {
            int cap = s->lcap ? s->lcap * 2 : 64;
            sleaf *l = realloc(s->leaf, (size_t)cap * sizeof *l);
            if (!l) {
                *st = rk_err_set(err, RK_ENOMEM, "out of memory");
                return s->nn;
            }
            s->leaf = l;
            s->lcap = cap;
        }
        sleaf *l = &s->leaf[s->nleaf++];
        l->node = i;
        l->max_def = (uint8_t)def;
        l->max_rep = (uint8_t)rep;
        l->type = e->type;
        l->depth = d + 1;
        for (int k = 0; k <= d; k++) l->path[k] = path[k];
        return i + 1;
    }
    int j = i + 1;
    for (int c = 0; c < e->nchildren && *st == RK_OK; c++) j = walk(s, j, d + 1, def, rep, path, err, st);
    return j;
}

rk_status gpq_schema_finish(gpq_schema *s, rk_err *err)
{
    if (s->oom) return rk_err_set(err, RK_ENOMEM, "out of memory");
    rk_status st = RK_OK;
    const char *path[8];
    s->nleaf = 0;
    s->ntop = 0;
    int *tops = malloc(((size_t)s->nn + 1) * sizeof *tops);
    if (!tops) return rk_err_set(err, RK_ENOMEM, "out of memory");
    for (int i = 0; i < s->nn && st == RK_OK;) {
        tops[s->ntop++] = i;
        i = walk(s, i, 0, 0, 0, path, err, &st);
    }
    /* Column names are unique (nested names are fixed by the caller's layout). */
    for (int a = 0; a < s->ntop && st == RK_OK; a++)
        for (int b = a + 1; b < s->ntop; b++)
            if (strcmp(s->n[tops[a]].name, s->n[tops[b]].name) == 0) {
                st = rk_err_set(err, RK_EINTERNAL, "Parquet schema: two columns are named %s", s->n[tops[a]].name);
                break;
            }
    free(tops);
    s->finished = st == RK_OK;
    return st;
}

int gpq_schema_columns(const gpq_schema *s) { return s->nleaf; }
int gpq_schema_max_def(const gpq_schema *s, int col) { return s->leaf[col].max_def; }
int gpq_schema_max_rep(const gpq_schema *s, int col) { return s->leaf[col].max_rep; }

void gpq_schema_free(gpq_schema *s)
{
    if (!s) return;
    for (int i = 0; i < s->nn; i++) free(s->n[i].name);
    free(s->n);
    free(s->leaf);
    free(s->root);
    free(s);
}

static void schema_element(tc *t, const snode *e)
{
    tc_elem(t);
    if (e->nchildren < 0) {
        static const int32_t phys[] = {[GPQ_BYTE_ARRAY] = PT_BYTE_ARRAY, [GPQ_DOUBLE] = PT_DOUBLE, [GPQ_INT64] = PT_INT64};
        tc_i32(t, 1, phys[e->type]);
    }
    tc_i32(t, 3, e->rep);
    tc_str(t, 4, e->name);
    if (e->nchildren >= 0) tc_i32(t, 5, e->nchildren);
    switch (e->ann) {
    case GPQ_UTF8: tc_i32(t, 6, CONV_UTF8); break;
    case GPQ_STRING:
        tc_i32(t, 6, CONV_UTF8);
        tc_struct(t, 10);
        tc_struct(t, 1); /* StringType */
        tc_end(t);
        tc_end(t);
        break;
    case GPQ_TIMESTAMP_MILLIS: tc_i32(t, 6, CONV_TIMESTAMP_MILLIS); break;
    case GPQ_TIMESTAMP_MILLIS_UTC:
        tc_i32(t, 6, CONV_TIMESTAMP_MILLIS);
        tc_struct(t, 10);
        tc_struct(t, 8); /* TimestampType */
        tc_bool(t, 1, true);
        tc_struct(t, 2); /* TimeUnit */
        tc_struct(t, 1); /* MilliSeconds */
        tc_end(t);
        tc_end(t);
        tc_end(t);
        tc_end(t);
        break;
    case GPQ_MAP:
        tc_i32(t, 6, CONV_MAP);
        tc_struct(t, 10);
        tc_struct(t, 2); /* MapType */
        tc_end(t);
        tc_end(t);
        break;
    default: break;
    }
    tc_end(t);
}

/* ---- the RLE / bit-packed hybrid ---- */

static int bit_width(uint32_t max)
{
    int w = 0;
    while (max) {
        w++;
        max >>= 1;
    }
    return w;
}

static bool rle_run(gbuf *b, uint32_t v, size_t n, int bw)
{
    bool ok = gb_uvarint(b, (uint64_t)n << 1);
    for (int k = 0; k < (bw + 7) / 8; k++) ok &= gb_byte(b, (uint8_t)(v >> (8 * k)));
    return ok;
}

/* n values, bit-packed in groups of 8 (the last one padded with zeros). */
static bool bit_pack(gbuf *b, const uint32_t *v, size_t n, int bw)
{
    size_t groups = (n + 7) / 8;
    if (!gb_uvarint(b, (uint64_t)groups << 1 | 1) || !gb_grow(b, groups * (size_t)bw)) return false;
    uint8_t *o = b->p + b->len;
    uint64_t acc = 0;
    int nb = 0;
    for (size_t i = 0; i < groups * 8; i++) {
        acc |= (uint64_t)(i < n ? v[i] : 0) << nb;
        nb += bw;
        while (nb >= 8) {
            *o++ = (uint8_t)acc;
            acc >>= 8;
            nb -= 8;
        }
    }
    b->len = (size_t)(o - b->p);
    return true;
}

static bool hybrid(gbuf *b, const uint32_t *v, size_t n, int bw)
{
    if (n == 0) return true;
    if (bw == 0) return rle_run(b, 0, n, 0);
    bool ok = true;
    size_t i = 0, lit = SIZE_MAX;
    while (i < n && ok) {
        size_t j = i + 1;
        while (j < n && v[j] == v[i]) j++;
        size_t run = j - i;
        if (run >= 8) {
            if (lit != SIZE_MAX) {
                size_t pad = (8 - (i - lit) % 8) % 8;
                if (run - pad < 8) {
                    i = j; /* too short once the literals are completed: join them */
                    continue;
                }
                ok &= bit_pack(b, v + lit, i + pad - lit, bw);
                i += pad;
                lit = SIZE_MAX;
            }
            ok &= rle_run(b, v[i], j - i, bw);
            i = j;
            continue;
        }
        if (lit == SIZE_MAX) lit = i;
        i = j;
    }
    if (ok && lit != SIZE_MAX) ok &= bit_pack(b, v + lit, n - lit, bw);
    return ok;
}

/* ---- columns ---- */

enum { M_UNDECIDED = 0, M_DICT, M_PLAIN };

typedef struct chunkmeta {
    uint64_t num_values, unc, comp, nulls;
    uint64_t data_off, dict_off;
    uint32_t enc; /* bit k: encoding k used */
    bool has_dict;
} chunkmeta;

#define LAST_INLINE 24

typedef struct gcol {
    /* hot: touched for every value */
    uint8_t type, max_def, max_rep, mode;
    uint32_t n, nn; /* entries, values of the page */
    uint8_t *def, *rep;
    uint32_t *idx;
    size_t lcap, icap;
    bool has_last;   /* last is the entry of the last value put */
    uint8_t last_n;  /* its length when <= LAST_INLINE (text in last_txt), else 255 */
    uint32_t last;
    char last_txt[LAST_INLINE];
    uint64_t epoch;  /* names this dictionary for gpq_memo; never reused */
    gbuf plain;
    uint64_t nulls; /* of the chunk */
    /* the dictionary: PLAIN-encoded entries and their offsets */
    gbuf dict;
    uint32_t *doff;
    uint32_t ndict, dcap;
    uint64_t *slots; /* hash << 32 | entry + 1; 0 = free */
    uint32_t smask;
    /* the chunk: page headers and compressed pages */
    gbuf chunk;
    uint64_t values, unc, comp;
    uint32_t dict_pages;
    uint32_t enc; /* bit k: encoding k used */
} gcol;

typedef struct rgmeta {
    uint64_t rows, offset, unc, comp;
    chunkmeta *cols;
} rgmeta;

struct gpq_writer {
    FILE *f;
    char *path;
    const gpq_schema *s;
    gcol *cols;
    int ncols;
    uint64_t rows_per_group, rg_rows, rows, pos;
    rgmeta *rgs;
    size_t nrg, rgcap;
    gbuf page, zpage, hdr;
    bool oom;
};

static void col_free(gcol *c)
{
    free(c->def);
    free(c->rep);
    free(c->idx);
    free(c->plain.p);
    free(c->dict.p);
    free(c->doff);
    free(c->slots);
    free(c->chunk.p);
}

/* Room for one more level entry. */
static inline bool lev_room(gcol *c)
{
    if (c->n < c->lcap) return true;
    size_t cap = c->lcap ? c->lcap * 2 : 1024;
    if (c->max_def) {
        uint8_t *p = realloc(c->def, cap);
        if (!p) return false;
        c->def = p;
    }
    if (c->max_rep) {
        uint8_t *p = realloc(c->rep, cap);
        if (!p) return false;
        c->rep = p;
    }
    c->lcap = cap;
    return true;
}

static inline bool entry(gpq_writer *w, gcol *c, int rep, int def)
{
    if (!lev_room(c)) {
        w->oom = true;
        return false;
    }
    if (c->max_def) c->def[c->n] = (uint8_t)def;
    if (c->max_rep) c->rep[c->n] = (uint8_t)rep;
    c->n++;
    if (def < c->max_def) {
        c->nulls++;
        return false;
    }
    c->nn++;
    return true;
}

static bool dict_rehash(gcol *c, uint32_t size)
{
    uint64_t *s = calloc(size, sizeof *s);
    if (!s) return false;
    uint64_t *old = c->slots;
    uint32_t omask = c->smask;
    c->slots = s;
    c->smask = size - 1;
    for (uint32_t i = 0; old && i <= omask; i++) {
        if (!old[i]) continue;
        uint32_t k = (uint32_t)(old[i] >> 32) & c->smask;
        while (s[k]) k = (k + 1) & c->smask;
        s[k] = old[i];
    }
    free(old);
    return true;
}

static inline bool entry_is(const gcol *c, uint32_t e, const void *p, uint32_t n)
{
    const uint8_t *d = c->dict.p + c->doff[e];
    return rd32(d) == n && memcmp(d + 4, p, n) == 0;
}

static inline uint32_t set_last(gcol *c, uint32_t e, const void *p, uint32_t n)
{
    c->has_last = true;
    c->last = e;
    if (n <= LAST_INLINE) {
        memcpy(c->last_txt, p, n);
        c->last_n = (uint8_t)n;
    } else {
        c->last_n = 255;
    }
    return e;
}

/* Whether p is the last value put, without touching the dictionary when short. */
static inline bool is_last(const gcol *c, const void *p, uint32_t n)
{
    if (!c->has_last) return false;
    if (c->last_n == 255) return entry_is(c, c->last, p, n);
    if (n != c->last_n) return false;
    const char *a = c->last_txt, *b = p;
    for (uint32_t i = 0; i < n; i++)
        if (a[i] != b[i]) return false;
    return true;
}

/* The dictionary entry of p, added when new; UINT32_MAX when out of memory. */
static uint32_t dict_find(gcol *c, const void *p, uint32_t n)
{
    if (is_last(c, p, n)) return c->last;
    uint32_t h = (uint32_t)rk_hash(p, n);
    if (!c->slots && !dict_rehash(c, 16)) return UINT32_MAX;
    uint32_t k = h & c->smask;
    for (uint64_t s; (s = c->slots[k]) != 0; k = (k + 1) & c->smask) {
        uint32_t e = (uint32_t)s - 1;
        if ((uint32_t)(s >> 32) == h && entry_is(c, e, p, n)) return set_last(c, e, p, n);
    }
    if (c->ndict == c->dcap) {
        uint32_t cap = c->dcap ? c->dcap * 2 : 256;
        uint32_t *o = realloc(c->doff, cap * sizeof *o);
        if (!o) return UINT32_MAX;
        c->doff = o;
        c->dcap = cap;
    }
    if (!gb_grow(&c->dict, 4 + (size_t)n)) return UINT32_MAX;
    uint32_t e = c->ndict++;
    c->doff[e] = (uint32_t)c->dict.len;
    le32(c->dict.p + c->dict.len, n);
    memcpy(c->dict.p + c->dict.len + 4, p, n);
    c->dict.len += 4 + (size_t)n;
    c->slots[k] = (uint64_t)h << 32 | (e + 1);
    if ((uint64_t)c->ndict * 2 > (uint64_t)c->smask + 1 && !dict_rehash(c, (c->smask + 1) * 2)) return UINT32_MAX;
    return set_last(c, e, p, n);
}

/* Epochs name dictionaries across every writer of the process, so a memo
 * filled for one dictionary is never taken for another's. */
static atomic_uint_fast64_t next_epoch = 1;

static void dict_reset(gcol *c)
{
    c->epoch = atomic_fetch_add(&next_epoch, 1);
    if (c->ndict && c->slots) memset(c->slots, 0, ((size_t)c->smask + 1) * sizeof *c->slots);
    c->ndict = 0;
    c->dict.len = 0;
    c->has_last = false;
}

static inline bool plain_bytes(gcol *c, const void *p, uint32_t n)
{
    if (!gb_grow(&c->plain, 4 + (size_t)n)) return false;
    le32(c->plain.p + c->plain.len, n);
    memcpy(c->plain.p + c->plain.len + 4, p, n);
    c->plain.len += 4 + (size_t)n;
    return true;
}

static inline void put_bytes(gpq_writer *w, gcol *c, int rep, int def, const void *p, size_t n, gpq_memo *m);

void gpq_bytes(gpq_writer *w, int col, int rep, int def, const void *p, size_t n) { put_bytes(w, &w->cols[col], rep, def, p, n, NULL); }

void gpq_bytes_memo(gpq_writer *w, int col, int rep, int def, const void *p, size_t n, gpq_memo *m)
{
    put_bytes(w, &w->cols[col], rep, def, p, n, m);
}

static inline void put_bytes(gpq_writer *w, gcol *c, int rep, int def, const void *p, size_t n, gpq_memo *m)
{
    if (!entry(w, c, rep, def)) return;
    if (c->mode == M_PLAIN) {
        if (!plain_bytes(c, p, (uint32_t)n)) w->oom = true;
        return;
    }
    if (c->nn > c->icap) {
        size_t cap = c->icap ? c->icap * 2 : 1024;
        uint32_t *q = realloc(c->idx, cap * sizeof *q);
        if (!q) {
            w->oom = true;
            return;
        }
        c->idx = q;
        c->icap = cap;
    }
    uint32_t e;
    if (m && m->epoch == c->epoch) {
        e = m->entry;
        c->has_last = true;
        c->last = e;
        c->last_n = 255;
    } else {
        e = dict_find(c, p, (uint32_t)n);
        if (e == UINT32_MAX) {
            w->oom = true;
            return;
        }
        if (m) {
            m->epoch = c->epoch;
            m->entry = e;
        }
    }
    c->idx[c->nn - 1] = e;
}

void gpq_put_flat(gpq_writer *w, int col, const gpq_value *v, size_t n)
{
    gcol *c = &w->cols[col];
    int max = c->max_def;
    if (c->type != GPQ_BYTE_ARRAY) {
        /* DOUBLE and INT64: 8 bytes each, PLAIN */
        if (!gb_grow(&c->plain, n * 8)) {
            w->oom = true;
            return;
        }
        for (size_t i = 0; i < n; i++) {
            if (!entry(w, c, 0, v[i].null ? 0 : max)) continue;
            memcpy(c->plain.p + c->plain.len, &v[i].v, 8);
            c->plain.len += 8;
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i].null) entry(w, c, 0, 0);
        else put_bytes(w, c, 0, max, v[i].v.p, v[i].n, v[i].memo);
    }
}

static inline void put8(gpq_writer *w, int col, int rep, int def, const void *v)
{
    gcol *c = &w->cols[col];
    if (!entry(w, c, rep, def)) return;
    if (!gb_put(&c->plain, v, 8)) w->oom = true;
}

/* PLAIN values are little-endian; so is every machine reckon builds on. */
void gpq_double(gpq_writer *w, int col, int rep, int def, double v) { put8(w, col, rep, def, &v); }
void gpq_int64(gpq_writer *w, int col, int rep, int def, int64_t v) { put8(w, col, rep, def, &v); }
void gpq_null(gpq_writer *w, int col, int rep, int def) { entry(w, &w->cols[col], rep, def); }

/* ---- pages ---- */

static bool page_header(gbuf *b, int type, size_t unc, size_t comp, uint32_t nvalues, int encoding)
{
    tc t;
    tc_init(&t, b);
    tc_i32(&t, 1, type);
    tc_i32(&t, 2, (int32_t)unc);
    tc_i32(&t, 3, (int32_t)comp);
    if (type == PAGE_DATA) {
        tc_struct(&t, 5);
        tc_i32(&t, 1, (int32_t)nvalues);
        tc_i32(&t, 2, encoding);
        tc_i32(&t, 3, ENC_RLE);
        tc_i32(&t, 4, ENC_RLE);
        tc_end(&t);
    } else {
        tc_struct(&t, 7);
        tc_i32(&t, 1, (int32_t)nvalues);
        tc_i32(&t, 2, ENC_PLAIN);
        tc_end(&t);
    }
    t.ok &= gb_byte(b, 0);
    return t.ok;
}

/* Compresses body into w->zpage and appends header + compressed body to out;
 * adds the sizes to *unc and *comp. */
static bool emit_page(gpq_writer *w, gbuf *out, int type, const gbuf *body, uint32_t nvalues, int encoding, uint64_t *unc,
                      uint64_t *comp)
{
    size_t zcap = snappy_max_compressed_length(body->len);
    w->zpage.len = 0;
    if (!gb_grow(&w->zpage, zcap)) return false;
    size_t zlen = zcap;
    if (snappy_compress((const char *)body->p, body->len, (char *)w->zpage.p, &zlen) != SNAPPY_OK) return false;
    if (body->len > INT32_MAX || zlen > INT32_MAX) return false;
    w->hdr.len = 0;
    if (!page_header(&w->hdr, type, body->len, zlen, nvalues, encoding)) return false;
    if (!gb_put(out, w->hdr.p, w->hdr.len) || !gb_put(out, w->zpage.p, zlen)) return false;
    *unc += w->hdr.len + body->len;
    *comp += w->hdr.len + zlen;
    return true;
}

/* Levels as in a v1 data page: 4-byte length, then the hybrid. */
static bool put_levels(gpq_writer *w, gbuf *b, const uint8_t *lev, uint32_t n, int max)
{
    /* the hybrid encoder reads 32-bit values: widen through the idle zpage buffer */
    w->zpage.len = 0;
    if (!gb_grow(&w->zpage, (size_t)n * 4)) return false;
    uint32_t *v = (uint32_t *)(void *)w->zpage.p;
    for (uint32_t i = 0; i < n; i++) v[i] = lev[i];
    size_t at = b->len;
    if (!gb_grow(b, 4)) return false;
    b->len += 4;
    if (!hybrid(b, v, n, bit_width((uint32_t)max))) return false;
    le32(b->p + at, (uint32_t)(b->len - at - 4));
    return true;
}

static bool page_flush(gpq_writer *w, gcol *c)
{
    if (c->n == 0) return true;
    bool dict = false;
    if (c->type == GPQ_BYTE_ARRAY && c->mode != M_PLAIN && c->nn > 0) {
        if (c->mode == M_UNDECIDED) {
            if (c->ndict > c->nn / 2) {
                /* An id column: PLAIN, without a dictionary, for the rest of the chunk. */
                for (uint32_t i = 0; i < c->nn; i++) {
                    const uint8_t *d = c->dict.p + c->doff[c->idx[i]];
                    if (!plain_bytes(c, d + 4, rd32(d))) return false;
                }
                dict_reset(c);
                c->mode = M_PLAIN;
            } else {
                c->mode = M_DICT;
            }
        }
        dict = c->mode == M_DICT;
    }
    gbuf *b = &w->page;
    b->len = 0;
    if (c->max_rep && !put_levels(w, b, c->rep, c->n, c->max_rep)) return false;
    if (c->max_def && !put_levels(w, b, c->def, c->n, c->max_def)) return false;
    if (dict) {
        int bw = bit_width(c->ndict - 1);
        if (!gb_byte(b, (uint8_t)bw) || !hybrid(b, c->idx, c->nn, bw)) return false;
    } else if (!gb_put(b, c->plain.p, c->plain.len)) {
        return false;
    }
    int enc = dict ? ENC_RLE_DICTIONARY : ENC_PLAIN;
    if (!emit_page(w, &c->chunk, PAGE_DATA, b, c->n, enc, &c->unc, &c->comp)) return false;
    c->enc |= 1u << enc;
    if (c->max_def || c->max_rep) c->enc |= 1u << ENC_RLE;
    c->dict_pages += dict;
    c->values += c->n;
    c->n = c->nn = 0;
    c->plain.len = 0;
    return true;
}

static bool write_all(gpq_writer *w, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, w->f) != n) return false;
    w->pos += n;
    return true;
}

static rk_status write_row_group(gpq_writer *w, rk_err *err)
{
    if (w->rg_rows == 0) return RK_OK;
    if (w->nrg == w->rgcap) {
        size_t cap = w->rgcap ? w->rgcap * 2 : 8;
        rgmeta *r = realloc(w->rgs, cap * sizeof *r);
        if (!r) return rk_err_set(err, RK_ENOMEM, "out of memory");
        w->rgs = r;
        w->rgcap = cap;
    }
    rgmeta *rg = &w->rgs[w->nrg];
    memset(rg, 0, sizeof *rg);
    rg->cols = calloc((size_t)w->ncols, sizeof *rg->cols);
    if (!rg->cols) return rk_err_set(err, RK_ENOMEM, "out of memory");
    w->nrg++;
    rg->rows = w->rg_rows;
    rg->offset = w->pos;
    for (int i = 0; i < w->ncols; i++) {
        gcol *c = &w->cols[i];
        if (!page_flush(w, c)) return rk_err_set(err, RK_ENOMEM, "out of memory");
        chunkmeta *m = &rg->cols[i];
        m->dict_off = w->pos;
        if (c->dict_pages) {
            gbuf body = {c->dict.p, c->dict.len, c->dict.cap};
            w->page.len = 0;
            uint64_t unc = 0, comp = 0;
            if (!emit_page(w, &w->page, PAGE_DICTIONARY, &body, c->ndict, ENC_PLAIN, &unc, &comp))
                return rk_err_set(err, RK_ENOMEM, "out of memory");
            if (!write_all(w, w->page.p, w->page.len)) return rk_err_set(err, RK_EIO, "cannot write %s: %s", w->path, strerror(errno));
            c->unc += unc;
            c->comp += comp;
            c->enc |= 1u << ENC_PLAIN;
            m->has_dict = true;
        }
        m->data_off = w->pos;
        if (!write_all(w, c->chunk.p, c->chunk.len)) return rk_err_set(err, RK_EIO, "cannot write %s: %s", w->path, strerror(errno));
        m->num_values = c->values;
        m->unc = c->unc;
        m->comp = c->comp;
        m->nulls = c->nulls;
        m->enc = c->enc;
        rg->unc += c->unc;
        rg->comp += c->comp;
        /* the next chunk starts afresh */
        c->chunk.len = 0;
        c->values = c->unc = c->comp = c->nulls = 0;
        c->dict_pages = 0;
        c->enc = 0;
        c->mode = c->type == GPQ_BYTE_ARRAY ? M_UNDECIDED : M_PLAIN;
        dict_reset(c);
    }
    w->rg_rows = 0;
    return RK_OK;
}

/* ---- the file ---- */

rk_status gpq_open(const char *path, const gpq_schema *s, uint64_t rows_per_group, gpq_writer **out, rk_err *err)
{
    *out = NULL;
    if (!s->finished) return rk_err_set(err, RK_EINTERNAL, "Parquet schema not finished");
    gpq_writer *w = calloc(1, sizeof *w);
    if (!w) return rk_err_set(err, RK_ENOMEM, "out of memory");
    w->s = s;
    w->ncols = s->nleaf;
    w->rows_per_group = rows_per_group ? rows_per_group : 1;
    w->cols = calloc((size_t)w->ncols ? (size_t)w->ncols : 1, sizeof *w->cols);
    w->path = strdup(path);
    if (!w->cols || !w->path) {
        gpq_discard(w);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    for (int i = 0; i < w->ncols; i++) {
        gcol *c = &w->cols[i];
        c->type = s->leaf[i].type;
        c->max_def = s->leaf[i].max_def;
        c->max_rep = s->leaf[i].max_rep;
        c->mode = c->type == GPQ_BYTE_ARRAY ? M_UNDECIDED : M_PLAIN;
        dict_reset(c);
    }
    w->f = fopen(path, "wb");
    if (!w->f) {
        rk_status st = rk_err_set(err, RK_EIO, "cannot create %s: %s", path, strerror(errno));
        gpq_discard(w);
        return st;
    }
    setvbuf(w->f, NULL, _IOFBF, 1 << 20);
    if (!write_all(w, "PAR1", 4)) {
        rk_status st = rk_err_set(err, RK_EIO, "cannot write %s: %s", path, strerror(errno));
        gpq_discard(w);
        return st;
    }
    *out = w;
    return RK_OK;
}

rk_status gpq_end_row(gpq_writer *w, rk_err *err) { return gpq_end_rows(w, 1, err); }

uint64_t gpq_rows_per_group(const gpq_writer *w) { return w->rows_per_group; }

rk_status gpq_end_rows(gpq_writer *w, uint64_t nrows, rk_err *err)
{
    if (w->oom) return rk_err_set(err, RK_ENOMEM, "out of memory");
    if (nrows == 0) return RK_OK;
    if (nrows > w->rows_per_group - w->rg_rows) return rk_err_set(err, RK_EINTERNAL, "rows cross a row group boundary");
    uint64_t before = w->rows;
    w->rows += nrows;
    /* Page limits are soft: looked at every PAGE_CHECK rows. */
    bool check = nrows > 1 || (before / PAGE_CHECK != w->rows / PAGE_CHECK);
    for (int i = 0; check && i < w->ncols; i++) {
        gcol *c = &w->cols[i];
        size_t bytes = c->mode == M_PLAIN || c->type != GPQ_BYTE_ARRAY ? c->plain.len : (size_t)c->nn * 4;
        bool full = c->n >= PAGE_VALUES || bytes >= PAGE_BYTES;
        bool big_dict = c->mode != M_PLAIN && c->dict.len > DICT_MAX;
        if ((full || big_dict) && !page_flush(w, c)) return rk_err_set(err, RK_ENOMEM, "out of memory");
        /* A dictionary past its size: PLAIN for the rest of the chunk. */
        if (big_dict && c->mode == M_DICT) c->mode = M_PLAIN;
    }
    w->rg_rows += nrows;
    if (w->rg_rows >= w->rows_per_group) return write_row_group(w, err);
    return RK_OK;
}

static bool footer(gpq_writer *w, gbuf *b)
{
    const gpq_schema *s = w->s;
    tc t;
    tc_init(&t, b);
    tc_i32(&t, 1, 1);
    tc_list(&t, 2, CT_STRUCT, (size_t)s->nn + 1);
    tc_elem(&t);
    tc_str(&t, 4, s->root);
    tc_i32(&t, 5, s->ntop);
    tc_end(&t);
    for (int i = 0; i < s->nn; i++) schema_element(&t, &s->n[i]);
    tc_i64(&t, 3, (int64_t)w->rows);
    tc_list(&t, 4, CT_STRUCT, w->nrg);
    for (size_t r = 0; r < w->nrg; r++) {
        const rgmeta *rg = &w->rgs[r];
        tc_elem(&t);
        tc_list(&t, 1, CT_STRUCT, (size_t)w->ncols);
        for (int i = 0; i < w->ncols; i++) {
            const chunkmeta *m = &rg->cols[i];
            const sleaf *l = &s->leaf[i];
            tc_elem(&t);
            tc_i64(&t, 2, 0);
            tc_struct(&t, 3);
            static const int32_t phys[] = {[GPQ_BYTE_ARRAY] = PT_BYTE_ARRAY, [GPQ_DOUBLE] = PT_DOUBLE, [GPQ_INT64] = PT_INT64};
            tc_i32(&t, 1, phys[l->type]);
            int nenc = 0;
            for (int k = 0; k < 32; k++) nenc += (m->enc >> k) & 1;
            tc_list(&t, 2, CT_I32, (size_t)nenc);
            for (int k = 0; k < 32; k++)
                if ((m->enc >> k) & 1) tc_list_i32(&t, k);
            tc_list(&t, 3, CT_BINARY, (size_t)l->depth);
            for (int k = 0; k < l->depth; k++) tc_list_str(&t, l->path[k]);
            tc_i32(&t, 4, CODEC_SNAPPY);
            tc_i64(&t, 5, (int64_t)m->num_values);
            tc_i64(&t, 6, (int64_t)m->unc);
            tc_i64(&t, 7, (int64_t)m->comp);
            tc_i64(&t, 9, (int64_t)m->data_off);
            if (m->has_dict) tc_i64(&t, 11, (int64_t)m->dict_off);
            tc_struct(&t, 12); /* Statistics: the null count only */
            tc_i64(&t, 3, (int64_t)m->nulls);
            tc_end(&t);
            tc_end(&t);
            tc_end(&t);
        }
        tc_i64(&t, 2, (int64_t)rg->unc);
        tc_i64(&t, 3, (int64_t)rg->rows);
        tc_i64(&t, 5, (int64_t)rg->offset);
        tc_i64(&t, 6, (int64_t)rg->comp);
        tc_i16(&t, 7, (int16_t)r);
        tc_end(&t);
    }
    tc_str(&t, 6, CREATED_BY);
    t.ok &= gb_byte(b, 0);
    return t.ok;
}

rk_status gpq_close(gpq_writer *w, uint64_t *bytes, rk_err *err)
{
    if (!w) return RK_OK;
    rk_status st = w->oom ? rk_err_set(err, RK_ENOMEM, "out of memory") : RK_OK;
    if (st == RK_OK) st = write_row_group(w, err);
    if (st == RK_OK) {
        gbuf *b = &w->page;
        b->len = 0;
        if (!footer(w, b) || !gb_grow(b, 8)) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
        } else {
            size_t flen = b->len;
            le32(b->p + b->len, (uint32_t)flen);
            memcpy(b->p + b->len + 4, "PAR1", 4);
            b->len += 8;
            if (!write_all(w, b->p, b->len)) st = rk_err_set(err, RK_EIO, "cannot write %s: %s", w->path, strerror(errno));
        }
    }
    if (st == RK_OK && bytes) *bytes = w->pos;
    if (w->f) {
        int rc = fclose(w->f);
        w->f = NULL;
        if (rc != 0 && st == RK_OK) st = rk_err_set(err, RK_EIO, "cannot write %s: %s", w->path, strerror(errno));
    }
    gpq_discard(w);
    return st;
}

void gpq_discard(gpq_writer *w)
{
    if (!w) return;
    if (w->f) fclose(w->f);
    for (int i = 0; w->cols && i < w->ncols; i++) col_free(&w->cols[i]);
    free(w->cols);
    for (size_t r = 0; r < w->nrg; r++) free(w->rgs[r].cols);
    free(w->rgs);
    free(w->page.p);
    free(w->zpage.p);
    free(w->hdr.p);
    free(w->path);
    free(w);
}
