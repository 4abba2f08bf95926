#include "format/parquet.h"

#include <inttypes.h>
#include <lz4.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "common/mem.h"
#include "format/thrift.h"

/* HOW IT WORKS
 * rk_pq_open reads the last 8 bytes (footer length + "PAR1"), then the
 * footer, and parses FileMetaData into plain structs: the flattened schema,
 * and per row group the metadata of each column chunk. Walking the schema
 * tree gives the leaf columns with their maximum definition and repetition
 * levels and what they are (flat field, map key/value, list element).
 *
 * A reader owns one column chunk: it reads the chunk's compressed bytes with
 * one call, then walks its pages. A dictionary page is decoded once. Each
 * data page is decompressed (never past its declared size), its levels are
 * decoded into byte arrays and its non-null values into typed arrays (byte
 * arrays as slices into the page, the dictionary, or an arena for
 * DELTA_BYTE_ARRAY). rk_pq_reader_next copies the next `rows` rows' levels
 * and values into the batch, crossing pages as needed; byte-array slices
 * point into pages, which are kept until the following call. */

#define MAX_PAGE (512u << 20)      /* a page larger than this is refused */
#define MAX_PAGE_VALUES (1u << 24) /* values in one page; real writers stay far below */
#define MAX_FOOTER (256u << 20)

enum { CODEC_UNCOMPRESSED = 0, CODEC_SNAPPY = 1, CODEC_GZIP = 2, CODEC_LZO = 3, CODEC_BROTLI = 4, CODEC_LZ4 = 5,
       CODEC_ZSTD = 6, CODEC_LZ4_RAW = 7 };
enum { ENC_PLAIN = 0, ENC_PLAIN_DICT = 2, ENC_RLE = 3, ENC_BIT_PACKED = 4, ENC_DELTA_BP = 5, ENC_DELTA_LBA = 6,
       ENC_DELTA_BA = 7, ENC_RLE_DICT = 8, ENC_BSS = 9 };
enum { PAGE_DATA = 0, PAGE_INDEX = 1, PAGE_DICT = 2, PAGE_DATA_V2 = 3 };

typedef struct schema_el {
    char *name;
    int type;        /* -1 when a group */
    int type_length;
    int repetition;  /* 0 required, 1 optional, 2 repeated; -1 root */
    int num_children;
    int converted;   /* -1 none */
    int scale, precision;
    int logical;     /* LogicalType union field id, 0 none */
    int ts_unit;
    bool ts_utc;
    bool int_unsigned; /* INT logical type with isSigned false, or UINT_* */
} schema_el;

typedef struct chunk_meta {
    int type;
    int codec;
    int64_t num_values;
    int64_t total_compressed;
    int64_t data_page_offset;
    int64_t dict_page_offset; /* -1 when absent */
    bool has_meta;
} chunk_meta;

typedef struct rowgroup {
    int64_t num_rows;
    chunk_meta *cols;
    size_t ncols;
} rowgroup;

struct rk_pq {
    rk_pq_read_fn rd;
    void *ctx;
    uint64_t size;
    schema_el *schema;
    size_t nschema;
    rk_pq_col *leaves;
    size_t nleaves;
    rowgroup *rgs;
    size_t nrg;
    int64_t num_rows;
    char *created_by;
};

/* ---- FileMetaData ---- */

static char *dup_bin(rk_thrift *t)
{
    size_t n;
    const uint8_t *p = rk_thrift_binary(t, &n);
    if (!p) return NULL;
    return rk_strndup((const char *)p, n);
}

static void parse_logical(rk_thrift *t, schema_el *e)
{
    /* LogicalType is a union: one field set, each a struct. */
    if (!rk_thrift_struct_begin(t)) return;
    int16_t id;
    uint8_t ty;
    while (rk_thrift_field(t, &id, &ty)) {
        e->logical = id;
        if ((id == 8 || id == 5) && ty == RK_TT_STRUCT) { /* TIMESTAMP or DECIMAL */
            if (!rk_thrift_struct_begin(t)) return;
            int16_t fid;
            uint8_t fty;
            while (rk_thrift_field(t, &fid, &fty)) {
                if (id == 8 && fid == 1) e->ts_utc = rk_thrift_bool(t, fty);
                else if (id == 8 && fid == 2 && fty == RK_TT_STRUCT) {
                    /* TimeUnit union: 1 MILLIS, 2 MICROS, 3 NANOS */
                    if (!rk_thrift_struct_begin(t)) return;
                    int16_t uid;
                    uint8_t uty;
                    while (rk_thrift_field(t, &uid, &uty)) {
                        e->ts_unit = uid == 2 ? RK_PQ_MICROS : uid == 3 ? RK_PQ_NANOS : RK_PQ_MILLIS;
                        rk_thrift_skip(t, uty);
                    }
                    rk_thrift_struct_end(t);
                } else if (id == 5 && fid == 1) e->scale = (int)rk_thrift_int(t);
                else if (id == 5 && fid == 2) e->precision = (int)rk_thrift_int(t);
                else rk_thrift_skip(t, fty);
            }
            rk_thrift_struct_end(t);
        } else if (id == 10 && ty == RK_TT_STRUCT) { /* INT: bitWidth, isSigned */
            if (!rk_thrift_struct_begin(t)) return;
            int16_t fid;
            uint8_t fty;
            while (rk_thrift_field(t, &fid, &fty)) {
                if (fid == 2) e->int_unsigned = !rk_thrift_bool(t, fty);
                else rk_thrift_skip(t, fty);
            }
            rk_thrift_struct_end(t);
        } else {
            rk_thrift_skip(t, ty);
        }
    }
    rk_thrift_struct_end(t);
}

static bool parse_schema_el(rk_thrift *t, schema_el *e)
{
    memset(e, 0, sizeof *e);
    e->type = e->repetition = e->converted = -1;
    if (!rk_thrift_struct_begin(t)) return false;
    int16_t id;
    uint8_t ty;
    while (rk_thrift_field(t, &id, &ty)) {
        switch (id) {
        case 1: e->type = (int)rk_thrift_int(t); break;
        case 2: e->type_length = (int)rk_thrift_int(t); break;
        case 3: e->repetition = (int)rk_thrift_int(t); break;
        case 4:
            free(e->name);
            e->name = dup_bin(t);
            break;
        case 5: e->num_children = (int)rk_thrift_int(t); break;
        case 6: e->converted = (int)rk_thrift_int(t); break;
        case 7: e->scale = (int)rk_thrift_int(t); break;
        case 8: e->precision = (int)rk_thrift_int(t); break;
        case 10:
            if (ty == RK_TT_STRUCT) parse_logical(t, e);
            else rk_thrift_skip(t, ty);
            break;
        default: rk_thrift_skip(t, ty);
        }
    }
    rk_thrift_struct_end(t);
    return !t->bad && e->name != NULL;
}

static void parse_col_meta(rk_thrift *t, chunk_meta *c)
{
    if (!rk_thrift_struct_begin(t)) return;
    c->has_meta = true;
    int16_t id;
    uint8_t ty;
    while (rk_thrift_field(t, &id, &ty)) {
        switch (id) {
        case 1: c->type = (int)rk_thrift_int(t); break;
        case 4: c->codec = (int)rk_thrift_int(t); break;
        case 5: c->num_values = rk_thrift_int(t); break;
        case 7: c->total_compressed = rk_thrift_int(t); break;
        case 9: c->data_page_offset = rk_thrift_int(t); break;
        case 11: c->dict_page_offset = rk_thrift_int(t); break;
        default: rk_thrift_skip(t, ty);
        }
    }
    rk_thrift_struct_end(t);
}

static bool parse_rowgroup(rk_thrift *t, rowgroup *g)
{
    memset(g, 0, sizeof *g);
    if (!rk_thrift_struct_begin(t)) return false;
    int16_t id;
    uint8_t ty;
    while (rk_thrift_field(t, &id, &ty)) {
        if (id == 1 && ty == RK_TT_LIST) {
            uint8_t et;
            uint32_t n;
            if (!rk_thrift_list(t, &et, &n) || et != RK_TT_STRUCT) return false;
            free(g->cols);
            g->cols = calloc(n ? n : 1, sizeof *g->cols);
            if (!g->cols) return false;
            g->ncols = n;
            for (uint32_t i = 0; i < n; i++) {
                chunk_meta *c = &g->cols[i];
                c->dict_page_offset = -1;
                if (!rk_thrift_struct_begin(t)) return false;
                int16_t cid;
                uint8_t cty;
                while (rk_thrift_field(t, &cid, &cty)) {
                    if (cid == 3 && cty == RK_TT_STRUCT) parse_col_meta(t, c);
                    else if (cid == 1 && cty == RK_TT_BINARY) {
                        /* file_path: column data in another file; not for us */
                        size_t n2;
                        rk_thrift_binary(t, &n2);
                        if (n2) c->has_meta = false, c->total_compressed = -1;
                    } else rk_thrift_skip(t, cty);
                }
                rk_thrift_struct_end(t);
            }
        } else if (id == 3) {
            g->num_rows = rk_thrift_int(t);
        } else {
            rk_thrift_skip(t, ty);
        }
    }
    rk_thrift_struct_end(t);
    return !t->bad;
}

static void free_file(rk_pq *f)
{
    for (size_t i = 0; i < f->nschema; i++) free(f->schema[i].name);
    free(f->schema);
    for (size_t i = 0; i < f->nleaves; i++) {
        free(f->leaves[i].path);
        free(f->leaves[i].top);
    }
    free(f->leaves);
    for (size_t i = 0; i < f->nrg; i++) free(f->rgs[i].cols);
    free(f->rgs);
    free(f->created_by);
    free(f);
}

void rk_pq_close(rk_pq *f)
{
    if (f) free_file(f);
}

static rk_status bad(rk_err *err, const char *what)
{
    return rk_err_set(err, RK_EBADDATA, "Parquet: %s", what);
}

/* ---- schema tree -> leaves ---- */

typedef struct walk {
    rk_pq *f;
    size_t next; /* next schema element */
    size_t cap;
    rk_err *err;
    bool ok;
} walk;

static bool is_map(const schema_el *e) { return e->converted == 1 || e->converted == 2 || e->logical == 2; }
static bool is_list(const schema_el *e) { return e->converted == 3 || e->logical == 3; }

static void add_leaf(walk *w, const schema_el *e, char **path, int depth, int def, int rep, rk_pq_shape shape,
                     int entry_def)
{
    if (RK_GROW(w->f->leaves, w->cap, w->f->nleaves + 1) != RK_OK) {
        w->ok = false;
        return;
    }
    rk_pq_col *c = &w->f->leaves[w->f->nleaves];
    memset(c, 0, sizeof *c);
    size_t len = 0;
    for (int i = 0; i < depth; i++) len += strlen(path[i]) + 1;
    c->path = malloc(len + 1);
    c->top = rk_strdup(path[0]);
    if (!c->path || !c->top) {
        free(c->path);
        free(c->top);
        w->ok = false;
        return;
    }
    c->path[0] = 0;
    for (int i = 0; i < depth; i++) {
        if (i) strcat(c->path, ".");
        strcat(c->path, path[i]);
    }
    c->phys = (rk_pq_phys)e->type;
    c->type_length = e->type_length;
    c->max_def = def;
    c->max_rep = rep;
    c->shape = shape;
    c->entry_def = entry_def;
    c->scale = e->scale;
    c->precision = e->precision;
    c->unit = RK_PQ_MILLIS;
    /* logical type first, converted type as the fallback */
    switch (e->logical) {
    case 1: case 4: case 12: c->logical = RK_PQL_STRING; break; /* STRING, ENUM, JSON */
    case 5: c->logical = RK_PQL_DECIMAL; break;
    case 6: c->logical = RK_PQL_DATE; break;
    case 8:
        c->logical = RK_PQL_TIMESTAMP;
        c->unit = (rk_pq_unit)e->ts_unit;
        break;
    case 10: c->logical = RK_PQL_INT; break;
    case 0:
        switch (e->converted) {
        case 0: case 4: case 19: c->logical = RK_PQL_STRING; break;
        case 5: c->logical = RK_PQL_DECIMAL; break;
        case 6: c->logical = RK_PQL_DATE; break;
        case 9: c->logical = RK_PQL_TIMESTAMP; c->unit = RK_PQ_MILLIS; break;
        case 10: c->logical = RK_PQL_TIMESTAMP; c->unit = RK_PQ_MICROS; break;
        case 11: case 12: case 13: case 14: case 15: case 16: case 17: case 18: c->logical = RK_PQL_INT; break;
        case -1: c->logical = RK_PQL_NONE; break;
        default: c->logical = RK_PQL_OTHER;
        }
        break;
    default: c->logical = RK_PQL_OTHER;
    }
    if (c->phys == RK_PQ_INT96 && c->logical == RK_PQL_NONE) c->logical = RK_PQL_TIMESTAMP;
    c->is_unsigned = c->logical == RK_PQL_INT &&
                     (e->logical == 10 ? e->int_unsigned : e->converted >= 11 && e->converted <= 14);
    w->f->nleaves++;
}

/* Visits schema element w->next (and its subtree). */
static void visit(walk *w, char **path, int depth, int def, int rep, rk_pq_shape ctx, int entry_def)
{
    if (!w->ok || w->next >= w->f->nschema || depth >= 32) {
        w->ok = false;
        return;
    }
    const schema_el *e = &w->f->schema[w->next++];
    if (e->repetition == 1) def++;
    else if (e->repetition == 2) def++, rep++;
    path[depth] = e->name;
    if (e->num_children <= 0) {
        if (e->type < 0 || e->type > RK_PQ_FIXED) {
            w->ok = false;
            return;
        }
        rk_pq_shape shape = ctx;
        if (depth == 0) shape = rep ? RK_PQ_NESTED : RK_PQ_FLAT;
        add_leaf(w, e, path, depth + 1, def, rep, shape, entry_def);
        return;
    }
    rk_pq_shape inner = RK_PQ_NESTED;
    int inner_entry = entry_def;
    if (depth == 0 && is_map(e)) inner = RK_PQ_MAP_KEY; /* children decide key vs value below */
    if (depth == 0 && is_list(e)) inner = RK_PQ_LIST_ELEM;
    for (int i = 0; i < e->num_children && w->ok; i++) {
        if (depth == 0 && (inner == RK_PQ_MAP_KEY || inner == RK_PQ_LIST_ELEM)) {
            /* the repeated group under a MAP or LIST: entries exist at its def */
            const schema_el *kv = w->next < w->f->nschema ? &w->f->schema[w->next] : NULL;
            if (!kv) break;
            int d2 = def + (kv->repetition >= 1 ? 1 : 0);
            inner_entry = d2;
            if (kv->num_children <= 0) {
                /* legacy two-level list: the repeated element is the leaf */
                visit(w, path, depth + 1, def, rep, inner == RK_PQ_LIST_ELEM ? RK_PQ_LIST_ELEM : RK_PQ_NESTED, inner_entry);
                continue;
            }
            /* the group itself */
            const schema_el *g = &w->f->schema[w->next++];
            int gdef = def + (g->repetition >= 1 ? 1 : 0), grep = rep + (g->repetition == 2 ? 1 : 0);
            path[depth + 1] = g->name;
            for (int k = 0; k < g->num_children && w->ok; k++) {
                rk_pq_shape s = RK_PQ_NESTED;
                if (inner == RK_PQ_MAP_KEY) s = (k == 0) ? RK_PQ_MAP_KEY : (k == 1 ? RK_PQ_MAP_VALUE : RK_PQ_NESTED);
                else if (g->num_children == 1) s = RK_PQ_LIST_ELEM;
                visit(w, path, depth + 2, gdef, grep, s, inner_entry);
            }
        } else {
            visit(w, path, depth + 1, def, rep, depth == 0 ? RK_PQ_NESTED : ctx, inner_entry);
        }
    }
}

/* ---- open ---- */

rk_status rk_pq_open(rk_pq_read_fn rd, void *ctx, uint64_t size, rk_pq **out, rk_err *err)
{
    if (size < 12) return bad(err, "file is too short to be Parquet (no footer)");
    uint8_t tail[8];
    RK_TRY(rd(ctx, size - 8, tail, 8, err));
    if (memcmp(tail + 4, "PAR1", 4) != 0) {
        if (memcmp(tail + 4, "PARE", 4) == 0) return rk_err_set(err, RK_EUNSUPPORTED, "Parquet: the file is encrypted");
        return bad(err, "wrong magic at the end of the file (not Parquet, or truncated)");
    }
    uint32_t flen = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
    if (flen == 0 || flen > size - 12 || flen > MAX_FOOTER)
        return bad(err, "footer length points outside the file (truncated or corrupt footer)");
    uint8_t head[4];
    RK_TRY(rd(ctx, 0, head, 4, err));
    if (memcmp(head, "PAR1", 4) != 0) return bad(err, "wrong magic at the start of the file");
    uint8_t *foot = malloc(flen);
    if (!foot) return rk_err_set(err, RK_ENOMEM, "out of memory");
    rk_status st = rd(ctx, size - 8 - flen, foot, flen, err);
    if (st != RK_OK) {
        free(foot);
        return st;
    }
    rk_pq *f = calloc(1, sizeof *f);
    if (!f) {
        free(foot);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    f->rd = rd;
    f->ctx = ctx;
    f->size = size;
    rk_thrift t;
    rk_thrift_init(&t, foot, flen);
    bool ok = rk_thrift_struct_begin(&t);
    int16_t id;
    uint8_t ty;
    bool have_schema = false, have_rg = false;
    while (ok && rk_thrift_field(&t, &id, &ty)) {
        if (id == 2 && ty == RK_TT_LIST) {
            uint8_t et;
            uint32_t n;
            if (!rk_thrift_list(&t, &et, &n) || et != RK_TT_STRUCT || n == 0) {
                ok = false;
                break;
            }
            f->schema = calloc(n, sizeof *f->schema);
            if (!f->schema) {
                ok = false;
                break;
            }
            for (uint32_t i = 0; i < n && ok; i++) {
                ok = parse_schema_el(&t, &f->schema[i]);
                f->nschema = i + 1;
            }
            have_schema = ok;
        } else if (id == 3) {
            f->num_rows = rk_thrift_int(&t);
        } else if (id == 4 && ty == RK_TT_LIST) {
            uint8_t et;
            uint32_t n;
            if (!rk_thrift_list(&t, &et, &n) || et != RK_TT_STRUCT) {
                ok = false;
                break;
            }
            f->rgs = calloc(n ? n : 1, sizeof *f->rgs);
            if (!f->rgs) {
                ok = false;
                break;
            }
            for (uint32_t i = 0; i < n && ok; i++) {
                ok = parse_rowgroup(&t, &f->rgs[i]);
                f->nrg = i + 1;
            }
            have_rg = ok;
        } else if (id == 6 && ty == RK_TT_BINARY) {
            free(f->created_by);
            f->created_by = dup_bin(&t);
        } else {
            rk_thrift_skip(&t, ty);
        }
    }
    free(foot);
    if (!ok || t.bad || !have_schema || !have_rg) {
        free_file(f);
        return bad(err, "corrupt footer metadata (Thrift)");
    }
    /* Leaves from the schema tree. */
    walk w = {.f = f, .next = 1, .err = err, .ok = true};
    char *path[40];
    int nroot = f->schema[0].num_children;
    for (int i = 0; i < nroot && w.ok; i++) visit(&w, path, 0, 0, 0, RK_PQ_FLAT, 0);
    if (!w.ok || w.next != f->nschema) {
        free_file(f);
        return bad(err, "the schema tree is inconsistent (children counts do not add up)");
    }
    for (size_t g = 0; g < f->nrg; g++) {
        rowgroup *r = &f->rgs[g];
        if (r->ncols != f->nleaves) {
            rk_status e2 = rk_err_set(err, RK_EBADDATA,
                                      "Parquet: row group %zu has %zu column chunks but the schema has %zu columns", g,
                                      r->ncols, f->nleaves);
            free_file(f);
            return e2;
        }
        for (size_t c = 0; c < r->ncols; c++) {
            chunk_meta *m = &r->cols[c];
            if (!m->has_meta || m->type != (int)f->leaves[c].phys) {
                rk_status e2 = rk_err_set(err, RK_EBADDATA,
                                          "Parquet: column %s, row group %zu: chunk metadata is missing or does not "
                                          "match the schema's type",
                                          f->leaves[c].path, g);
                free_file(f);
                return e2;
            }
        }
        if (r->num_rows < 0) {
            free_file(f);
            return bad(err, "negative row count");
        }
    }
    *out = f;
    return RK_OK;
}

size_t rk_pq_ncols(const rk_pq *f) { return f->nleaves; }
const rk_pq_col *rk_pq_column(const rk_pq *f, size_t i) { return &f->leaves[i]; }
size_t rk_pq_nrowgroups(const rk_pq *f) { return f->nrg; }
int64_t rk_pq_rowgroup_rows(const rk_pq *f, size_t rg) { return f->rgs[rg].num_rows; }
int64_t rk_pq_rows(const rk_pq *f) { return f->num_rows; }
const char *rk_pq_created_by(const rk_pq *f) { return f->created_by ? f->created_by : ""; }

/* ---- bit-level decoding ---- */

typedef struct bytes {
    const uint8_t *p, *end;
} bytes;

/* The RLE / bit-packing hybrid, decoded as it is consumed. */
typedef struct hybrid {
    bytes b;
    int width;
    uint32_t left;     /* values left in the current run */
    bool rle;
    uint32_t value;    /* the RLE run's value */
    const uint8_t *packed;
    size_t pidx;       /* next value in the bit-packed run */
} hybrid;

static bool uvarint(bytes *b, uint64_t *v)
{
    uint64_t x = 0;
    for (int s = 0; s < 64; s += 7) {
        if (b->p >= b->end) return false;
        uint8_t c = *b->p++;
        x |= (uint64_t)(c & 0x7f) << s;
        if (!(c & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

static int64_t unzig(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* Reads value i of a little-endian bit-packed run of `width` bits. */
static inline uint64_t unpack(const uint8_t *p, size_t i, int width)
{
    uint64_t bit = (uint64_t)i * (uint64_t)width, v = 0;
    size_t byte = (size_t)(bit >> 3);
    int shift = (int)(bit & 7), got = 0;
    while (got < width) {
        uint64_t bits = (uint64_t)(p[byte] >> shift);
        int take = 8 - shift;
        v |= bits << got;
        got += take;
        shift = 0;
        byte++;
    }
    return width == 64 ? v : v & ((1ull << width) - 1);
}

/* The RLE / bit-packing hybrid: decodes exactly n values (0..2^width-1). */
static bool rle_hybrid(bytes *b, int width, size_t n, uint32_t *out)
{
    if (width < 0 || width > 32) return false;
    size_t k = 0;
    size_t vbytes = (size_t)(width + 7) / 8;
    while (k < n) {
        uint64_t h;
        if (!uvarint(b, &h)) return false;
        if (h & 1) {
            uint64_t groups = h >> 1;
            if (groups == 0 || groups > ((uint64_t)(b->end - b->p)) / (uint64_t)(width ? width : 1) + 1) return false;
            uint64_t count = groups * 8;
            size_t need = (size_t)(groups * (uint64_t)width);
            if ((size_t)(b->end - b->p) < need) return false;
            for (uint64_t i = 0; i < count && k < n; i++) out[k++] = width ? (uint32_t)unpack(b->p, (size_t)i, width) : 0;
            b->p += need;
        } else {
            uint64_t count = h >> 1;
            if ((size_t)(b->end - b->p) < vbytes || count == 0) return false;
            uint32_t v = 0;
            for (size_t i = 0; i < vbytes; i++) v |= (uint32_t)b->p[i] << (8 * i);
            b->p += vbytes;
            if (width < 32 && v >> width) return false;
            for (uint64_t i = 0; i < count && k < n; i++) out[k++] = v;
        }
    }
    return true;
}

static int bit_width(int max) { int w = 0; while ((1 << w) <= max) w++; return w; }

static void hy_init(hybrid *h, bytes b, int width)
{
    memset(h, 0, sizeof *h);
    h->b = b;
    h->width = width;
}

/* The next n values; false on corrupt or missing data. */
static bool hy_next(hybrid *h, size_t n, uint32_t *out)
{
    size_t k = 0;
    int w = h->width;
    while (k < n) {
        if (h->left == 0) {
            uint64_t hd;
            if (!uvarint(&h->b, &hd)) return false;
            if (hd & 1) {
                uint64_t groups = hd >> 1;
                size_t need = (size_t)(groups * (uint64_t)w);
                if (groups == 0 || groups > (1u << 26) || (size_t)(h->b.end - h->b.p) < need) return false;
                h->rle = false;
                h->packed = h->b.p;
                h->pidx = 0;
                h->left = (uint32_t)(groups * 8);
                h->b.p += need;
            } else {
                uint64_t count = hd >> 1;
                size_t vbytes = (size_t)(w + 7) / 8;
                if (count == 0 || count > UINT32_MAX || (size_t)(h->b.end - h->b.p) < vbytes) return false;
                uint32_t v = 0;
                for (size_t i = 0; i < vbytes; i++) v |= (uint32_t)h->b.p[i] << (8 * i);
                h->b.p += vbytes;
                if (w < 32 && v >> w) return false;
                h->rle = true;
                h->value = v;
                h->left = (uint32_t)count;
            }
        }
        size_t take = n - k < h->left ? n - k : h->left;
        if (h->rle) {
            for (size_t i = 0; i < take; i++) out[k + i] = h->value;
        } else {
            for (size_t i = 0; i < take; i++) out[k + i] = w ? (uint32_t)unpack(h->packed, h->pidx + i, w) : 0;
            h->pidx += take;
        }
        h->left -= (uint32_t)take;
        k += take;
    }
    return true;
}

/* DELTA_BINARY_PACKED into int64 (int32 columns too). Consumes what it reads. */
static bool delta_bp(bytes *b, int64_t *out, size_t want, size_t *got_out)
{
    uint64_t block, mini, total, first;
    if (!uvarint(b, &block) || !uvarint(b, &mini) || !uvarint(b, &total) || !uvarint(b, &first)) return false;
    if (block == 0 || block % 128 || mini == 0 || block % mini || (block / mini) % 32 || total > want)
        return false;
    size_t got = 0;
    int64_t v = unzig(first);
    if (total > 0 && got < want) out[got++] = v;
    uint64_t per = block / mini;
    uint64_t left = total ? total - 1 : 0;
    while (left > 0) {
        uint64_t md;
        if (!uvarint(b, &md)) return false;
        int64_t min_delta = unzig(md);
        if ((uint64_t)(b->end - b->p) < mini) return false;
        const uint8_t *widths = b->p;
        b->p += mini;
        for (uint64_t m = 0; m < mini && left > 0; m++) {
            int w = widths[m];
            if (w > 64) return false;
            size_t bytes_needed = (size_t)(per * (uint64_t)w / 8);
            if ((size_t)(b->end - b->p) < bytes_needed) return false;
            for (uint64_t i = 0; i < per && left > 0; i++, left--) {
                uint64_t d = w ? unpack(b->p, (size_t)i, w) : 0;
                v = (int64_t)((uint64_t)v + (uint64_t)min_delta + d);
                if (got < want) out[got++] = v;
            }
            b->p += bytes_needed;
        }
    }
    *got_out = got;
    return true;
}

/* ---- decompression ---- */

static rk_status decompress(int codec, const uint8_t *in, size_t n, uint8_t *out, size_t outn, rk_err *err)
{
    switch (codec) {
    case CODEC_UNCOMPRESSED:
        if (n != outn) return rk_err_set(err, RK_EBADDATA, "uncompressed page size does not match its declared size");
        memcpy(out, in, n);
        return RK_OK;
    case CODEC_SNAPPY: {
        size_t len;
        if (snappy_uncompressed_length((const char *)in, n, &len) != SNAPPY_OK || len != outn)
            return rk_err_set(err, RK_EBADDATA, "snappy page inflates to a size other than declared");
        len = outn;
        if (snappy_uncompress((const char *)in, n, (char *)out, &len) != SNAPPY_OK || len != outn)
            return rk_err_set(err, RK_EBADDATA, "corrupt snappy data");
        return RK_OK;
    }
    case CODEC_GZIP: {
        z_stream zs = {0};
        if (inflateInit2(&zs, 15 + 32) != Z_OK) return rk_err_set(err, RK_ENOMEM, "out of memory");
        zs.next_in = (Bytef *)in;
        zs.avail_in = (uInt)n;
        zs.next_out = out;
        zs.avail_out = (uInt)outn;
        int rc = inflate(&zs, Z_FINISH);
        size_t made = outn - zs.avail_out;
        inflateEnd(&zs);
        if (rc != Z_STREAM_END || made != outn)
            return rk_err_set(err, RK_EBADDATA, "gzip page is corrupt or inflates to a size other than declared");
        return RK_OK;
    }
    case CODEC_ZSTD: {
        size_t r = ZSTD_decompress(out, outn, in, n);
        if (ZSTD_isError(r) || r != outn)
            return rk_err_set(err, RK_EBADDATA, "zstd page is corrupt or inflates to a size other than declared");
        return RK_OK;
    }
    case CODEC_LZ4_RAW: {
        if (n > INT32_MAX || outn > INT32_MAX) return rk_err_set(err, RK_ELIMIT, "page too large");
        int r = LZ4_decompress_safe((const char *)in, (char *)out, (int)n, (int)outn);
        if (r < 0 || (size_t)r != outn)
            return rk_err_set(err, RK_EBADDATA, "lz4 page is corrupt or inflates to a size other than declared");
        return RK_OK;
    }
    case CODEC_LZ4: return rk_err_set(err, RK_EUNSUPPORTED, "codec LZ4 (Hadoop framing) is not supported; LZ4_RAW is");
    case CODEC_BROTLI: return rk_err_set(err, RK_EUNSUPPORTED, "codec BROTLI is not supported");
    case CODEC_LZO: return rk_err_set(err, RK_EUNSUPPORTED, "codec LZO is not supported");
    default: return rk_err_set(err, RK_EBADDATA, "unknown compression codec %d", codec);
    }
}

/* ---- the reader ---- */

enum { V_PLAIN_FIXED, V_PLAIN_BA, V_PLAIN_BOOL, V_DICT, V_RLE_BOOL, V_ARRAY };

typedef struct page {
    uint8_t *buf;   /* decompressed page (owned) */
    uint8_t *arena; /* built values (DELTA_BYTE_ARRAY), owned */
    size_t nvals, pos;  /* level entries, next one */
    uint8_t *def, *rep; /* nvals each or NULL */
    size_t nnn, vpos;   /* non-null values, next one */
    /* values are decoded as batches take them (V_ARRAY: all at once) */
    int vkind;
    bytes vb;
    hybrid hy;
    size_t fixed_w;
    void *vals; /* V_ARRAY: typed array of nnn values */
} page;

struct rk_pq_reader {
    rk_pq *f;
    const rk_pq_col *col;
    size_t rg, ci;
    int codec;
    uint8_t *chunk;
    size_t len, pos;
    int64_t values_left; /* level entries the chunk still has */
    /* dictionary */
    uint8_t *dict_buf;
    void *dict;
    size_t ndict;
    bool have_dict;
    page cur;
    bool have_page;
    page *retired; /* pages the current batch points into */
    size_t nretired, rcap;
    /* batch storage */
    uint8_t *bdef, *brep;
    size_t blcap;
    void *bvals;
    size_t bvcap;
    int vsize; /* bytes per value in the typed arrays */
};

static int value_size(rk_pq_phys t)
{
    switch (t) {
    case RK_PQ_BOOLEAN: return 1;
    case RK_PQ_INT32: return 4;
    case RK_PQ_FLOAT: return 4;
    case RK_PQ_INT64: return 8;
    case RK_PQ_DOUBLE: return 8;
    default: return (int)sizeof(rk_pq_slice);
    }
}

static rk_status rerr(rk_pq_reader *r, rk_err *err, rk_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static rk_status rerr(rk_pq_reader *r, rk_err *err, rk_status code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rk_err_set(err, code, "Parquet column %s, row group %zu: %s", r->col->path, r->rg, msg);
}

static void page_free(page *p)
{
    free(p->buf);
    free(p->arena);
    free(p->def);
    free(p->rep);
    free(p->vals);
    memset(p, 0, sizeof *p);
}

rk_status rk_pq_reader_open(rk_pq *f, size_t rg, size_t col, rk_pq_reader **out, rk_err *err)
{
    if (rg >= f->nrg || col >= f->nleaves) return rk_err_set(err, RK_EUSAGE, "no such row group or column");
    rk_pq_reader *r = calloc(1, sizeof *r);
    if (!r) return rk_err_set(err, RK_ENOMEM, "out of memory");
    r->f = f;
    r->col = &f->leaves[col];
    r->rg = rg;
    r->ci = col;
    chunk_meta *m = &f->rgs[rg].cols[col];
    r->codec = m->codec;
    r->values_left = m->num_values;
    r->vsize = value_size(r->col->phys);
    int64_t start = m->data_page_offset;
    if (m->dict_page_offset >= 4 && m->dict_page_offset < start) start = m->dict_page_offset;
    if (m->total_compressed == 0) {
        /* An empty row group may carry chunks without pages; with values
         * promised, the pages are missing. */
        if (m->num_values == 0 && f->rgs[rg].num_rows == 0) {
            *out = r;
            return RK_OK;
        }
        rk_status st = rerr(r, err, RK_EBADDATA, "the chunk promises %" PRId64 " values but has no pages",
                            m->num_values);
        free(r);
        return st;
    }
    if (start < 4 || m->total_compressed <= 0 || (uint64_t)start >= f->size ||
        (uint64_t)m->total_compressed > f->size - (uint64_t)start || m->num_values < 0) {
        rk_status st = rerr(r, err, RK_EBADDATA, "the chunk's offset or size points outside the file");
        free(r);
        return st;
    }
    r->len = (size_t)m->total_compressed;
    r->chunk = malloc(r->len);
    if (!r->chunk) {
        free(r);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    rk_status st = f->rd(f->ctx, (uint64_t)start, r->chunk, r->len, err);
    if (st != RK_OK) {
        rk_pq_reader_close(r);
        return st;
    }
    *out = r;
    return RK_OK;
}

void rk_pq_reader_close(rk_pq_reader *r)
{
    if (!r) return;
    page_free(&r->cur);
    for (size_t i = 0; i < r->nretired; i++) page_free(&r->retired[i]);
    free(r->retired);
    free(r->chunk);
    free(r->dict_buf);
    free(r->dict);
    free(r->bdef);
    free(r->brep);
    free(r->bvals);
    free(r);
}

/* Decodes n PLAIN values of the column's type from b into out (typed array). */
static rk_status plain_values(rk_pq_reader *r, bytes *b, size_t n, void *out, rk_err *err)
{
    size_t avail = (size_t)(b->end - b->p);
    switch (r->col->phys) {
    case RK_PQ_BOOLEAN: {
        if (avail < (n + 7) / 8) return rerr(r, err, RK_EBADDATA, "PLAIN booleans run past the page");
        uint8_t *o = out;
        for (size_t i = 0; i < n; i++) o[i] = (b->p[i >> 3] >> (i & 7)) & 1;
        b->p += (n + 7) / 8;
        return RK_OK;
    }
    case RK_PQ_INT32:
    case RK_PQ_FLOAT:
    case RK_PQ_INT64:
    case RK_PQ_DOUBLE: {
        size_t w = (size_t)r->vsize;
        if (avail / w < n) return rerr(r, err, RK_EBADDATA, "PLAIN values run past the page");
        memcpy(out, b->p, n * w);
        b->p += n * w;
        return RK_OK;
    }
    case RK_PQ_INT96:
    case RK_PQ_FIXED: {
        size_t w = r->col->phys == RK_PQ_INT96 ? 12 : (size_t)r->col->type_length;
        if (w == 0 || avail / w < n) return rerr(r, err, RK_EBADDATA, "PLAIN fixed-length values run past the page");
        rk_pq_slice *o = out;
        for (size_t i = 0; i < n; i++) o[i] = (rk_pq_slice){b->p + i * w, (uint32_t)w};
        b->p += n * w;
        return RK_OK;
    }
    case RK_PQ_BYTE_ARRAY: {
        rk_pq_slice *o = out;
        for (size_t i = 0; i < n; i++) {
            if (b->end - b->p < 4) return rerr(r, err, RK_EBADDATA, "PLAIN byte array runs past the page");
            uint32_t l;
            memcpy(&l, b->p, 4);
            b->p += 4;
            if ((size_t)(b->end - b->p) < l) return rerr(r, err, RK_EBADDATA, "a byte array's length runs past the page");
            o[i] = (rk_pq_slice){b->p, l};
            b->p += l;
        }
        return RK_OK;
    }
    }
    return rerr(r, err, RK_EBADDATA, "unknown physical type");
}

static rk_status load_dict(rk_pq_reader *r, const uint8_t *data, size_t clen, size_t ulen, int32_t nvals, int enc,
                           rk_err *err)
{
    if (r->have_dict) return rerr(r, err, RK_EBADDATA, "a second dictionary page");
    if (enc != ENC_PLAIN && enc != ENC_PLAIN_DICT) return rerr(r, err, RK_EUNSUPPORTED, "dictionary page encoding %d", enc);
    if (nvals < 0) return rerr(r, err, RK_EBADDATA, "negative dictionary size");
    r->dict_buf = malloc(ulen ? ulen : 1);
    if (!r->dict_buf) return rk_err_set(err, RK_ENOMEM, "out of memory");
    rk_status st = decompress(r->codec, data, clen, r->dict_buf, ulen, err);
    if (st != RK_OK) {
        rk_err_prefix(err, "Parquet column %s, row group %zu: dictionary page: ", r->col->path, r->rg);
        return st;
    }
    size_t min_bytes = r->col->phys == RK_PQ_BOOLEAN ? 0 : r->col->phys == RK_PQ_BYTE_ARRAY ? 4
                       : r->col->phys == RK_PQ_FIXED ? (size_t)r->col->type_length : (size_t)r->vsize;
    if ((size_t)nvals > MAX_PAGE_VALUES || (min_bytes && (size_t)nvals > ulen / min_bytes) ||
        (!min_bytes && (size_t)nvals > ulen * 8))
        return rerr(r, err, RK_EBADDATA, "dictionary claims more values than its page holds");
    r->dict = malloc(((size_t)nvals ? (size_t)nvals : 1) * (size_t)r->vsize);
    if (!r->dict) return rk_err_set(err, RK_ENOMEM, "out of memory");
    bytes b = {r->dict_buf, r->dict_buf + ulen};
    RK_TRY(plain_values(r, &b, (size_t)nvals, r->dict, err));
    r->ndict = (size_t)nvals;
    r->have_dict = true;
    return RK_OK;
}

static rk_status decode_levels(rk_pq_reader *r, bytes *b, int enc, int max, size_t n, bool v1, size_t v2len,
                               uint8_t **out, rk_err *err)
{
    uint32_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    uint8_t *lv = malloc(n ? n : 1);
    if (!tmp || !lv) {
        free(tmp);
        free(lv);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    int w = bit_width(max);
    bool ok;
    if (enc == ENC_BIT_PACKED && v1) {
        /* deprecated: MSB-first packing, no length prefix */
        size_t need = (n * (size_t)w + 7) / 8;
        ok = (size_t)(b->end - b->p) >= need;
        for (size_t i = 0; ok && i < n; i++) {
            uint32_t v = 0;
            for (int k = 0; k < w; k++) {
                size_t bit = i * (size_t)w + (size_t)k;
                v = v << 1 | ((b->p[bit >> 3] >> (7 - (bit & 7))) & 1);
            }
            tmp[i] = v;
        }
        if (ok) b->p += need;
    } else {
        size_t len;
        if (v1) {
            if (b->end - b->p < 4) {
                ok = false;
                goto done;
            }
            uint32_t l;
            memcpy(&l, b->p, 4);
            b->p += 4;
            len = l;
        } else {
            len = v2len;
        }
        if ((size_t)(b->end - b->p) < len) {
            ok = false;
            goto done;
        }
        bytes lb = {b->p, b->p + len};
        ok = rle_hybrid(&lb, w, n, tmp);
        b->p += len;
    }
done:
    for (size_t i = 0; ok && i < n; i++) {
        if (tmp[i] > (uint32_t)max) ok = false;
        lv[i] = (uint8_t)tmp[i];
    }
    free(tmp);
    if (!ok) {
        free(lv);
        return rerr(r, err, RK_EBADDATA, "corrupt %s levels", max == r->col->max_rep && r->col->max_rep ? "repetition" : "definition");
    }
    *out = lv;
    return RK_OK;
}

/* The encodings decoded whole: delta and BYTE_STREAM_SPLIT pages. */
static rk_status decode_array(rk_pq_reader *r, page *pg, bytes *b, int enc, rk_err *err)
{
    size_t n = pg->nnn;
    pg->vals = malloc((n ? n : 1) * (size_t)r->vsize);
    if (!pg->vals) return rk_err_set(err, RK_ENOMEM, "out of memory");
    rk_pq_phys t = r->col->phys;
    switch (enc) {
    case ENC_DELTA_BP: {
        if (t != RK_PQ_INT32 && t != RK_PQ_INT64) return rerr(r, err, RK_EBADDATA, "DELTA_BINARY_PACKED on a non-integer column");
        int64_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
        if (!tmp) return rk_err_set(err, RK_ENOMEM, "out of memory");
        size_t got = 0;
        bool ok = delta_bp(b, tmp, n, &got) && got == n;
        for (size_t i = 0; ok && i < n; i++) {
            if (t == RK_PQ_INT32) ((int32_t *)pg->vals)[i] = (int32_t)tmp[i];
            else ((int64_t *)pg->vals)[i] = tmp[i];
        }
        free(tmp);
        return ok ? RK_OK : rerr(r, err, RK_EBADDATA, "corrupt DELTA_BINARY_PACKED values");
    }
    case ENC_DELTA_LBA:
    case ENC_DELTA_BA: {
        if (t != RK_PQ_BYTE_ARRAY && !(enc == ENC_DELTA_BA && t == RK_PQ_FIXED))
            return rerr(r, err, RK_EBADDATA, "delta byte-array encoding on a non byte-array column");
        int64_t *pre = NULL, *len = malloc((n ? n : 1) * sizeof *len);
        bool ok = len != NULL;
        size_t got = 0;
        if (ok && enc == ENC_DELTA_BA) {
            pre = malloc((n ? n : 1) * sizeof *pre);
            ok = pre && delta_bp(b, pre, n, &got) && got == n;
        }
        if (ok) ok = delta_bp(b, len, n, &got) && got == n;
        rk_pq_slice *o = pg->vals;
        size_t total = 0;
        for (size_t i = 0; ok && i < n; i++) {
            if (len[i] < 0 || (pre && pre[i] < 0) || (uint64_t)len[i] > (uint64_t)(b->end - b->p)) ok = false;
            else total += (size_t)len[i] + (pre ? (size_t)pre[i] : 0);
        }
        if (ok && enc == ENC_DELTA_LBA) {
            for (size_t i = 0; ok && i < n; i++) {
                if ((size_t)(b->end - b->p) < (size_t)len[i]) ok = false;
                else {
                    o[i] = (rk_pq_slice){b->p, (uint32_t)len[i]};
                    b->p += len[i];
                }
            }
        } else if (ok) {
            /* prefix of the previous value + suffix: build the values */
            if (total > MAX_PAGE) ok = false;
            pg->arena = ok ? malloc(total ? total : 1) : NULL;
            size_t ap = 0;
            for (size_t i = 0; ok && pg->arena && i < n; i++) {
                size_t pl = (size_t)pre[i], sl = (size_t)len[i];
                if ((i == 0 && pl) || (i > 0 && pl > o[i - 1].n) || (size_t)(b->end - b->p) < sl) {
                    ok = false;
                    break;
                }
                uint8_t *dst = pg->arena + ap;
                if (pl) memcpy(dst, o[i - 1].p, pl);
                memcpy(dst + pl, b->p, sl);
                b->p += sl;
                o[i] = (rk_pq_slice){dst, (uint32_t)(pl + sl)};
                ap += pl + sl;
                if (t == RK_PQ_FIXED && pl + sl != (size_t)r->col->type_length) ok = false;
            }
            if (!pg->arena) ok = false;
        }
        free(pre);
        free(len);
        return ok ? RK_OK : rerr(r, err, RK_EBADDATA, "corrupt delta byte-array values");
    }
    case ENC_BSS: {
        size_t w = t == RK_PQ_FIXED ? (size_t)r->col->type_length : (size_t)r->vsize;
        if (t != RK_PQ_FLOAT && t != RK_PQ_DOUBLE && t != RK_PQ_INT32 && t != RK_PQ_INT64 && t != RK_PQ_FIXED)
            return rerr(r, err, RK_EBADDATA, "BYTE_STREAM_SPLIT on an unsupported type");
        if (w == 0 || (size_t)(b->end - b->p) / w < n) return rerr(r, err, RK_EBADDATA, "BYTE_STREAM_SPLIT values run past the page");
        if (t == RK_PQ_FIXED) {
            size_t alen = n * w;
            pg->arena = malloc(alen > 0 ? alen : 1);
            if (!pg->arena) return rk_err_set(err, RK_ENOMEM, "out of memory");
            for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < w; k++) pg->arena[i * w + k] = b->p[k * n + i];
                ((rk_pq_slice *)pg->vals)[i] = (rk_pq_slice){pg->arena + i * w, (uint32_t)w};
            }
        } else {
            uint8_t *o = pg->vals;
            for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < w; k++) o[i * w + k] = b->p[k * n + i];
        }
        b->p += n * w;
        return RK_OK;
    }
    default: return rerr(r, err, RK_EUNSUPPORTED, "encoding %d is not supported", enc);
    }
}

/* Prepares a page's values: cursors for PLAIN, dictionary and RLE pages
 * (decoded as batches take them), whole arrays for the delta encodings and
 * BYTE_STREAM_SPLIT. */
static rk_status decode_values(rk_pq_reader *r, page *pg, bytes *b, int enc, rk_err *err)
{
    rk_pq_phys t = r->col->phys;
    if (enc == ENC_PLAIN) {
        pg->vb = *b;
        if (t == RK_PQ_BOOLEAN) pg->vkind = V_PLAIN_BOOL;
        else if (t == RK_PQ_BYTE_ARRAY) pg->vkind = V_PLAIN_BA;
        else {
            pg->vkind = V_PLAIN_FIXED;
            pg->fixed_w = t == RK_PQ_INT96 ? 12 : t == RK_PQ_FIXED ? (size_t)r->col->type_length : (size_t)r->vsize;
            if (pg->fixed_w == 0 || (size_t)(b->end - b->p) / pg->fixed_w < pg->nnn)
                return rerr(r, err, RK_EBADDATA, "PLAIN values run past the page");
            /* Writers fill the value section exactly; bytes left over mean
             * the schema's type or width does not match the page, and
             * reading on would turn doubles into garbage strings. */
            if ((size_t)(b->end - b->p) != pg->fixed_w * pg->nnn)
                return rerr(r, err, RK_EBADDATA,
                            "the page holds %zu value bytes but %zu values of %zu bytes were expected (the schema's "
                            "type does not match the data)",
                            (size_t)(b->end - b->p), pg->nnn, pg->fixed_w);
        }
        if (t == RK_PQ_BOOLEAN && (size_t)(b->end - b->p) < (pg->nnn + 7) / 8)
            return rerr(r, err, RK_EBADDATA, "PLAIN booleans run past the page");
        return RK_OK;
    }
    if (enc == ENC_PLAIN_DICT || enc == ENC_RLE_DICT) {
        if (!r->have_dict) return rerr(r, err, RK_EBADDATA, "dictionary-encoded page without a dictionary page");
        pg->vkind = V_DICT;
        if (pg->nnn == 0) return RK_OK;
        if (b->p >= b->end) return rerr(r, err, RK_EBADDATA, "dictionary indices missing");
        int w = *b->p++;
        if (w > 32) return rerr(r, err, RK_EBADDATA, "dictionary index width %d", w);
        hy_init(&pg->hy, *b, w);
        return RK_OK;
    }
    if (enc == ENC_RLE) {
        if (t != RK_PQ_BOOLEAN) return rerr(r, err, RK_EUNSUPPORTED, "RLE encoding for a non-boolean column");
        if (b->end - b->p < 4) return rerr(r, err, RK_EBADDATA, "RLE booleans truncated");
        uint32_t l;
        memcpy(&l, b->p, 4);
        b->p += 4;
        if ((size_t)(b->end - b->p) < l) return rerr(r, err, RK_EBADDATA, "RLE booleans truncated");
        pg->vkind = V_RLE_BOOL;
        hy_init(&pg->hy, (bytes){b->p, b->p + l}, 1);
        return RK_OK;
    }
    pg->vkind = V_ARRAY;
    return decode_array(r, pg, b, enc, err);
}

/* Decodes the next n values of a page into out (the batch's typed array). */
static rk_status take_values(rk_pq_reader *r, page *pg, size_t n, void *out, rk_err *err)
{
    size_t vs = (size_t)r->vsize;
    if (n == 0) return RK_OK; /* all-null batches may have no value array at all */
    switch (pg->vkind) {
    case V_PLAIN_FIXED: {
        rk_pq_phys t = r->col->phys;
        if (t == RK_PQ_INT96 || t == RK_PQ_FIXED) {
            rk_pq_slice *o = out;
            for (size_t i = 0; i < n; i++) o[i] = (rk_pq_slice){pg->vb.p + (pg->vpos + i) * pg->fixed_w, (uint32_t)pg->fixed_w};
        } else {
            memcpy(out, pg->vb.p + pg->vpos * vs, n * vs);
        }
        return RK_OK;
    }
    case V_PLAIN_BOOL: {
        uint8_t *o = out;
        for (size_t i = 0; i < n; i++) {
            size_t k = pg->vpos + i;
            o[i] = (pg->vb.p[k >> 3] >> (k & 7)) & 1;
        }
        return RK_OK;
    }
    case V_PLAIN_BA: {
        rk_pq_slice *o = out;
        for (size_t i = 0; i < n; i++) {
            if (pg->vb.end - pg->vb.p < 4) return rerr(r, err, RK_EBADDATA, "PLAIN byte array runs past the page");
            uint32_t l;
            memcpy(&l, pg->vb.p, 4);
            pg->vb.p += 4;
            if ((size_t)(pg->vb.end - pg->vb.p) < l) return rerr(r, err, RK_EBADDATA, "a byte array's length runs past the page");
            o[i] = (rk_pq_slice){pg->vb.p, l};
            pg->vb.p += l;
        }
        return RK_OK;
    }
    case V_DICT: {
        uint32_t idx[512];
        for (size_t done = 0; done < n;) {
            size_t k = n - done < 512 ? n - done : 512;
            if (!hy_next(&pg->hy, k, idx)) return rerr(r, err, RK_EBADDATA, "corrupt dictionary indices");
            uint8_t *dst = (uint8_t *)out + done * vs;
            for (size_t i = 0; i < k; i++) {
                if (idx[i] >= r->ndict)
                    return rerr(r, err, RK_EBADDATA, "dictionary index %u out of range (the dictionary has %zu values)",
                                idx[i], r->ndict);
                memcpy(dst + i * vs, (uint8_t *)r->dict + (size_t)idx[i] * vs, vs);
            }
            done += k;
        }
        return RK_OK;
    }
    case V_RLE_BOOL: {
        uint32_t v[512];
        uint8_t *o = out;
        for (size_t done = 0; done < n;) {
            size_t k = n - done < 512 ? n - done : 512;
            if (!hy_next(&pg->hy, k, v)) return rerr(r, err, RK_EBADDATA, "corrupt RLE booleans");
            for (size_t i = 0; i < k; i++) o[done + i] = (uint8_t)v[i];
            done += k;
        }
        return RK_OK;
    }
    default:
        memcpy(out, (uint8_t *)pg->vals + pg->vpos * vs, n * vs);
        return RK_OK;
    }
}

typedef struct page_header {
    int type;
    int32_t usize, csize;
    int32_t nvals, nnulls, nrows;
    int enc, def_enc, rep_enc;
    int32_t def_len, rep_len;
    bool compressed;
    bool have_data, have_dict, have_v2;
    int dict_enc;
    int32_t dict_n;
} page_header;

static bool parse_page_header(rk_thrift *t, page_header *h)
{
    memset(h, 0, sizeof *h);
    h->type = -1;
    h->compressed = true;
    if (!rk_thrift_struct_begin(t)) return false;
    int16_t id;
    uint8_t ty;
    while (rk_thrift_field(t, &id, &ty)) {
        switch (id) {
        case 1: h->type = (int)rk_thrift_int(t); break;
        case 2: h->usize = (int32_t)rk_thrift_int(t); break;
        case 3: h->csize = (int32_t)rk_thrift_int(t); break;
        case 5:
        case 7:
        case 8: {
            if (ty != RK_TT_STRUCT || !rk_thrift_struct_begin(t)) return false;
            int16_t fid;
            uint8_t fty;
            while (rk_thrift_field(t, &fid, &fty)) {
                if (id == 5) {
                    h->have_data = true;
                    if (fid == 1) h->nvals = (int32_t)rk_thrift_int(t);
                    else if (fid == 2) h->enc = (int)rk_thrift_int(t);
                    else if (fid == 3) h->def_enc = (int)rk_thrift_int(t);
                    else if (fid == 4) h->rep_enc = (int)rk_thrift_int(t);
                    else rk_thrift_skip(t, fty);
                } else if (id == 7) {
                    h->have_dict = true;
                    if (fid == 1) h->dict_n = (int32_t)rk_thrift_int(t);
                    else if (fid == 2) h->dict_enc = (int)rk_thrift_int(t);
                    else rk_thrift_skip(t, fty);
                } else {
                    h->have_v2 = true;
                    if (fid == 1) h->nvals = (int32_t)rk_thrift_int(t);
                    else if (fid == 2) h->nnulls = (int32_t)rk_thrift_int(t);
                    else if (fid == 3) h->nrows = (int32_t)rk_thrift_int(t);
                    else if (fid == 4) h->enc = (int)rk_thrift_int(t);
                    else if (fid == 5) h->def_len = (int32_t)rk_thrift_int(t);
                    else if (fid == 6) h->rep_len = (int32_t)rk_thrift_int(t);
                    else if (fid == 7) h->compressed = rk_thrift_bool(t, fty);
                    else rk_thrift_skip(t, fty);
                }
            }
            rk_thrift_struct_end(t);
            break;
        }
        default: rk_thrift_skip(t, ty);
        }
    }
    rk_thrift_struct_end(t);
    return !t->bad;
}

/* Loads the next data page into r->cur (retiring the old one). false at the end. */
static rk_status next_page(rk_pq_reader *r, bool *got, rk_err *err)
{
    *got = false;
    for (;;) {
        if (r->values_left <= 0 || r->pos >= r->len) return RK_OK;
        rk_thrift t;
        rk_thrift_init(&t, r->chunk + r->pos, r->len - r->pos);
        page_header h;
        if (!parse_page_header(&t, &h) || h.type < 0)
            return rerr(r, err, RK_EBADDATA, "corrupt page header at chunk offset %zu", r->pos);
        size_t hlen = rk_thrift_pos(&t, r->chunk + r->pos);
        if (h.csize < 0 || h.usize < 0 || (size_t)h.csize > r->len - r->pos - hlen)
            return rerr(r, err, RK_EBADDATA, "page size %d runs past the end of the column chunk", h.csize);
        if ((uint32_t)h.usize > MAX_PAGE)
            return rerr(r, err, RK_ELIMIT, "page claims %d bytes uncompressed (more than the %u allowed)", h.usize, MAX_PAGE);
        const uint8_t *data = r->chunk + r->pos + hlen;
        r->pos += hlen + (size_t)h.csize;
        if (h.type == PAGE_DICT) {
            if (!h.have_dict) return rerr(r, err, RK_EBADDATA, "dictionary page without its header");
            RK_TRY(load_dict(r, data, (size_t)h.csize, (size_t)h.usize, h.dict_n, h.dict_enc, err));
            continue;
        }
        if (h.type == PAGE_INDEX) continue;
        if (h.type != PAGE_DATA && h.type != PAGE_DATA_V2) continue; /* unknown page types are skipped */
        bool v2 = h.type == PAGE_DATA_V2;
        if (v2 ? !h.have_v2 : !h.have_data) return rerr(r, err, RK_EBADDATA, "data page without its header");
        if ((uint32_t)h.nvals > MAX_PAGE_VALUES)
            return rerr(r, err, RK_ELIMIT, "page claims %d values (more than the %u allowed)", h.nvals, MAX_PAGE_VALUES);
        if (h.nvals < 0 || (int64_t)h.nvals > r->values_left)
            return rerr(r, err, RK_EBADDATA, "page holds %d values but the chunk has %lld left", h.nvals,
                        (long long)r->values_left);
        /* retire the current page: the batch in progress may point into it */
        if (r->have_page) {
            if (RK_GROW(r->retired, r->rcap, r->nretired + 1) != RK_OK) return rk_err_set(err, RK_ENOMEM, "out of memory");
            r->retired[r->nretired++] = r->cur;
            memset(&r->cur, 0, sizeof r->cur);
            r->have_page = false;
        }
        page *pg = &r->cur;
        size_t n = (size_t)h.nvals;
        pg->nvals = n;
        const rk_pq_col *c = r->col;
        bytes b;
        if (!v2) {
            pg->buf = malloc(h.usize ? (size_t)h.usize : 1);
            if (!pg->buf) return rk_err_set(err, RK_ENOMEM, "out of memory");
            rk_status st = decompress(r->codec, data, (size_t)h.csize, pg->buf, (size_t)h.usize, err);
            if (st != RK_OK) {
                rk_err_prefix(err, "Parquet column %s, row group %zu: ", c->path, r->rg);
                return st;
            }
            b = (bytes){pg->buf, pg->buf + h.usize};
            if (c->max_rep) RK_TRY(decode_levels(r, &b, h.rep_enc, c->max_rep, n, true, 0, &pg->rep, err));
            if (c->max_def) RK_TRY(decode_levels(r, &b, h.def_enc, c->max_def, n, true, 0, &pg->def, err));
        } else {
            if (h.rep_len < 0 || h.def_len < 0 || (int64_t)h.rep_len + h.def_len > h.csize ||
                (int64_t)h.rep_len + h.def_len > h.usize)
                return rerr(r, err, RK_EBADDATA, "level sizes exceed the page");
            bytes lb = {data, data + h.rep_len + h.def_len};
            if (c->max_rep) RK_TRY(decode_levels(r, &lb, ENC_RLE, c->max_rep, n, false, (size_t)h.rep_len, &pg->rep, err));
            else lb.p += h.rep_len;
            if (c->max_def) RK_TRY(decode_levels(r, &lb, ENC_RLE, c->max_def, n, false, (size_t)h.def_len, &pg->def, err));
            size_t vc = (size_t)h.csize - (size_t)h.rep_len - (size_t)h.def_len;
            size_t vu = (size_t)h.usize - (size_t)h.rep_len - (size_t)h.def_len;
            pg->buf = malloc(vu ? vu : 1);
            if (!pg->buf) return rk_err_set(err, RK_ENOMEM, "out of memory");
            rk_status st = h.compressed ? decompress(r->codec, data + h.rep_len + h.def_len, vc, pg->buf, vu, err)
                                        : decompress(CODEC_UNCOMPRESSED, data + h.rep_len + h.def_len, vc, pg->buf, vu, err);
            if (st != RK_OK) {
                rk_err_prefix(err, "Parquet column %s, row group %zu: ", c->path, r->rg);
                return st;
            }
            b = (bytes){pg->buf, pg->buf + vu};
        }
        size_t nnn = n;
        if (c->max_def) {
            nnn = 0;
            for (size_t i = 0; i < n; i++) nnn += pg->def[i] == c->max_def;
        }
        if (v2 && h.nnulls >= 0 && c->max_rep == 0 && (size_t)h.nnulls != n - nnn)
            return rerr(r, err, RK_EBADDATA, "the page's null count disagrees with its definition levels");
        pg->nnn = nnn;
        RK_TRY(decode_values(r, pg, &b, h.enc, err));
        r->values_left -= (int64_t)n;
        r->have_page = true;
        *got = true;
        return RK_OK;
    }
}

static rk_status grow_batch(rk_pq_reader *r, size_t nl, size_t nv, rk_err *err)
{
    if (nl > r->blcap) {
        size_t c = r->blcap ? r->blcap : 1024;
        while (c < nl) c *= 2;
        uint8_t *d = realloc(r->bdef, c), *p = d ? realloc(r->brep, c) : NULL;
        if (d) r->bdef = d;
        if (p) r->brep = p;
        if (!d || !p) return rk_err_set(err, RK_ENOMEM, "out of memory");
        r->blcap = c;
    }
    if (nv > r->bvcap) {
        size_t c = r->bvcap ? r->bvcap : 1024;
        while (c < nv) c *= 2;
        void *v = realloc(r->bvals, c * (size_t)r->vsize);
        if (!v) return rk_err_set(err, RK_ENOMEM, "out of memory");
        r->bvals = v;
        r->bvcap = c;
    }
    return RK_OK;
}

rk_status rk_pq_reader_next(rk_pq_reader *r, size_t rows, rk_pq_batch *bt, rk_err *err)
{
    memset(bt, 0, sizeof *bt);
    /* pages the previous batch pointed into can go now */
    for (size_t i = 0; i < r->nretired; i++) page_free(&r->retired[i]);
    r->nretired = 0;
    const rk_pq_col *c = r->col;
    size_t nl = 0, nv = 0, nrows = 0;
    for (;;) {
        if (!r->have_page || r->cur.pos >= r->cur.nvals) {
            bool got;
            RK_TRY(next_page(r, &got, err));
            if (!got) break;
            if (r->cur.nvals == 0) continue;
        }
        page *pg = &r->cur;
        /* take entries while they belong to the first `rows` rows */
        size_t start = pg->pos, k = pg->pos;
        while (k < pg->nvals) {
            bool row_start = !c->max_rep || pg->rep[k] == 0;
            if (row_start) {
                if (nrows == rows) break;
                nrows++;
            } else if (nrows == 0 && nl == 0 && k == start) {
                /* a batch cannot start inside a row */
                return rerr(r, err, RK_EBADDATA, "a page starts in the middle of a repeated value");
            }
            k++;
        }
        size_t take = k - start, vtake = take;
        if (c->max_def) {
            vtake = 0;
            for (size_t i = start; i < k; i++) vtake += pg->def[i] == c->max_def;
        }
        RK_TRY(grow_batch(r, nl + take, nv + vtake, err));
        if (c->max_def) memcpy(r->bdef + nl, pg->def + start, take);
        if (c->max_rep) memcpy(r->brep + nl, pg->rep + start, take);
        RK_TRY(take_values(r, pg, vtake, (uint8_t *)r->bvals + nv * (size_t)r->vsize, err));
        nl += take;
        nv += vtake;
        pg->pos = k;
        pg->vpos += vtake;
        if (k < pg->nvals) break; /* the batch is full */
    }
    bt->nvals = nl;
    bt->nrows = nrows;
    bt->def = c->max_def ? r->bdef : NULL;
    bt->rep = c->max_rep ? r->brep : NULL;
    bt->nnn = nv;
    switch (c->phys) {
    case RK_PQ_BOOLEAN: bt->b8 = r->bvals; break;
    case RK_PQ_INT32: bt->i32 = r->bvals; break;
    case RK_PQ_INT64: bt->i64 = r->bvals; break;
    case RK_PQ_FLOAT: bt->f32 = r->bvals; break;
    case RK_PQ_DOUBLE: bt->f64 = r->bvals; break;
    default: bt->bin = r->bvals;
    }
    return RK_OK;
}

/* ---- value helpers ---- */

int64_t rk_pq_ts_ms(int64_t v, rk_pq_unit unit)
{
    int64_t d = unit == RK_PQ_MICROS ? 1000 : unit == RK_PQ_NANOS ? 1000000 : 1;
    if (d == 1) return v;
    return v / d - ((v % d != 0) && (v < 0));
}

int64_t rk_pq_int96_ms(const uint8_t *p)
{
    int64_t nanos;
    int32_t jday;
    memcpy(&nanos, p, 8);
    memcpy(&jday, p + 8, 4);
    /* Julian day 2440588 is 1970-01-01 */
    return ((int64_t)jday - 2440588) * 86400000LL + nanos / 1000000;
}

rk_status rk_pq_decimal_i64(int64_t v, int scale, rk_dec *out)
{
    if (scale < 0 || scale > RK_DEC_MAXE) return RK_EUNSUPPORTED;
    *out = rk_dec_normalize((rk_dec){v, scale});
    return RK_OK;
}

rk_status rk_pq_decimal_be(const uint8_t *p, size_t n, int scale, rk_dec *out)
{
    if (scale < 0 || scale > RK_DEC_MAXE) return RK_EUNSUPPORTED;
    if (n == 0) {
        *out = rk_dec_zero();
        return RK_OK;
    }
    if (n > 16) {
        /* wider than 128 bits: fine only if the extra bytes are sign extension */
        uint8_t ext = (p[0] & 0x80) ? 0xff : 0;
        for (size_t i = 0; i < n - 16; i++)
            if (p[i] != ext) return RK_ELIMIT;
        p += n - 16;
        n = 16;
    }
    unsigned __int128 u = (p[0] & 0x80) ? ~(unsigned __int128)0 : 0;
    for (size_t i = 0; i < n; i++) u = (u << 8) | p[i];
    rk_i128 v = (rk_i128)u;
    rk_dec d = {v, scale};
    rk_i128 lim = rk_pow10_128[20 + scale];
    if (v >= lim || v <= -lim) return RK_ELIMIT;
    *out = rk_dec_normalize(d);
    return RK_OK;
}
