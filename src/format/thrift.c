#include "format/thrift.h"

#include <string.h>

void rk_thrift_init(rk_thrift *t, const uint8_t *p, size_t n)
{
    memset(t, 0, sizeof *t);
    t->p = p;
    t->end = p + n;
}

static uint64_t varint(rk_thrift *t)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (t->p >= t->end) {
            t->bad = true;
            return 0;
        }
        uint8_t b = *t->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    t->bad = true;
    return 0;
}

static int64_t zigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

bool rk_thrift_struct_begin(rk_thrift *t)
{
    if (t->bad || t->depth + 1 >= RK_THRIFT_MAX_DEPTH) {
        t->bad = true;
        return false;
    }
    t->depth++;
    t->last[t->depth] = 0;
    return true;
}

void rk_thrift_struct_end(rk_thrift *t)
{
    if (t->depth > 0) t->depth--;
}

bool rk_thrift_field(rk_thrift *t, int16_t *id, uint8_t *type)
{
    if (t->bad || t->p >= t->end) {
        t->bad = true;
        return false;
    }
    uint8_t b = *t->p++;
    uint8_t ty = b & 0x0f;
    if (ty == RK_TT_STOP) return false;
    uint8_t delta = b >> 4;
    int16_t fid;
    if (delta) fid = (int16_t)(t->last[t->depth] + delta);
    else fid = (int16_t)zigzag(varint(t));
    t->last[t->depth] = fid;
    if (ty == RK_TT_TRUE || ty == RK_TT_FALSE) {
        t->bool_pending = true;
        t->bool_value = ty == RK_TT_TRUE;
    }
    if (ty > RK_TT_STRUCT) {
        t->bad = true;
        return false;
    }
    *id = fid;
    *type = ty;
    return !t->bad;
}

int64_t rk_thrift_int(rk_thrift *t)
{
    if (t->bad) return 0;
    return zigzag(varint(t));
}

int64_t rk_thrift_i8(rk_thrift *t)
{
    if (t->bad || t->p >= t->end) {
        t->bad = true;
        return 0;
    }
    return (int8_t)*t->p++;
}

bool rk_thrift_bool(rk_thrift *t, uint8_t type)
{
    if (t->bool_pending && (type == RK_TT_TRUE || type == RK_TT_FALSE)) {
        t->bool_pending = false;
        return t->bool_value;
    }
    /* inside a container: one byte, 1 is true */
    if (t->bad || t->p >= t->end) {
        t->bad = true;
        return false;
    }
    return *t->p++ == 1;
}

double rk_thrift_double(rk_thrift *t)
{
    if (t->bad || t->end - t->p < 8) {
        t->bad = true;
        return 0;
    }
    double d;
    memcpy(&d, t->p, 8);
    t->p += 8;
    return d;
}

const uint8_t *rk_thrift_binary(rk_thrift *t, size_t *len)
{
    uint64_t n = varint(t);
    if (t->bad || n > (uint64_t)(t->end - t->p)) {
        t->bad = true;
        *len = 0;
        return NULL;
    }
    const uint8_t *p = t->p;
    t->p += n;
    *len = (size_t)n;
    return p;
}

bool rk_thrift_list(rk_thrift *t, uint8_t *elem_type, uint32_t *count)
{
    if (t->bad || t->p >= t->end) {
        t->bad = true;
        return false;
    }
    uint8_t b = *t->p++;
    uint64_t n = b >> 4;
    if (n == 15) n = varint(t);
    *elem_type = b & 0x0f;
    /* every element takes at least one byte (bools and structs too) */
    if (t->bad || n > (uint64_t)(t->end - t->p) || *elem_type > RK_TT_STRUCT) {
        t->bad = true;
        return false;
    }
    *count = (uint32_t)n;
    return true;
}

void rk_thrift_skip(rk_thrift *t, uint8_t type)
{
    if (t->bad) return;
    switch (type) {
    case RK_TT_TRUE:
    case RK_TT_FALSE: rk_thrift_bool(t, type); break;
    case RK_TT_BYTE: rk_thrift_i8(t); break;
    case RK_TT_I16:
    case RK_TT_I32:
    case RK_TT_I64: varint(t); break;
    case RK_TT_DOUBLE: rk_thrift_double(t); break;
    case RK_TT_BINARY: {
        size_t n;
        rk_thrift_binary(t, &n);
        break;
    }
    case RK_TT_LIST:
    case RK_TT_SET: {
        uint8_t et;
        uint32_t n;
        if (!rk_thrift_list(t, &et, &n)) return;
        if (t->depth + 1 >= RK_THRIFT_MAX_DEPTH) {
            t->bad = true;
            return;
        }
        t->depth++;
        t->last[t->depth] = 0;
        for (uint32_t i = 0; i < n && !t->bad; i++) rk_thrift_skip(t, et);
        t->depth--;
        break;
    }
    case RK_TT_MAP: {
        uint64_t n = varint(t);
        if (n == 0 || t->bad) return;
        if (t->p >= t->end || n > (uint64_t)(t->end - t->p)) {
            t->bad = true;
            return;
        }
        uint8_t kv = *t->p++;
        if (t->depth + 1 >= RK_THRIFT_MAX_DEPTH) {
            t->bad = true;
            return;
        }
        t->depth++;
        t->last[t->depth] = 0;
        for (uint64_t i = 0; i < n && !t->bad; i++) {
            rk_thrift_skip(t, kv >> 4);
            rk_thrift_skip(t, kv & 0x0f);
        }
        t->depth--;
        break;
    }
    case RK_TT_STRUCT: {
        if (!rk_thrift_struct_begin(t)) return;
        int16_t id;
        uint8_t ty;
        while (rk_thrift_field(t, &id, &ty)) rk_thrift_skip(t, ty);
        rk_thrift_struct_end(t);
        break;
    }
    default: t->bad = true;
    }
}

size_t rk_thrift_pos(const rk_thrift *t, const uint8_t *start) { return (size_t)(t->p - start); }
