/* thrift.h — reader for the Thrift compact protocol (Parquet's metadata).
 *
 * A cursor over a caller's buffer. Every read checks bounds; nesting deeper
 * than RK_THRIFT_MAX_DEPTH or a length beyond the buffer is "corrupt", never
 * a crash. Callers walk a struct with rk_thrift_field() and skip what they do
 * not know with rk_thrift_skip().
 */
#ifndef RK_THRIFT_H
#define RK_THRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RK_THRIFT_MAX_DEPTH 64

enum {
    RK_TT_STOP = 0,
    RK_TT_TRUE = 1,
    RK_TT_FALSE = 2,
    RK_TT_BYTE = 3,
    RK_TT_I16 = 4,
    RK_TT_I32 = 5,
    RK_TT_I64 = 6,
    RK_TT_DOUBLE = 7,
    RK_TT_BINARY = 8,
    RK_TT_LIST = 9,
    RK_TT_SET = 10,
    RK_TT_MAP = 11,
    RK_TT_STRUCT = 12
};

typedef struct rk_thrift {
    const uint8_t *p, *end;
    bool bad;           /* sticky: any error makes every later read fail */
    int depth;
    int16_t last[RK_THRIFT_MAX_DEPTH]; /* last field id per struct level */
    bool bool_pending;  /* a bool field's value lives in its header */
    bool bool_value;
} rk_thrift;

void rk_thrift_init(rk_thrift *t, const uint8_t *p, size_t n);
/* Enters a struct (resets the field-id delta base). */
bool rk_thrift_struct_begin(rk_thrift *t);
void rk_thrift_struct_end(rk_thrift *t);
/* Next field of the current struct: false at STOP or on error. */
bool rk_thrift_field(rk_thrift *t, int16_t *id, uint8_t *type);
int64_t rk_thrift_int(rk_thrift *t);  /* i8/i16/i32/i64 (zigzag varint; byte for i8) */
int64_t rk_thrift_i8(rk_thrift *t);
bool rk_thrift_bool(rk_thrift *t, uint8_t type); /* field or list element */
double rk_thrift_double(rk_thrift *t);
/* A binary/string: pointer into the buffer, not NUL-terminated. */
const uint8_t *rk_thrift_binary(rk_thrift *t, size_t *len);
/* List or set header: element type and count. */
bool rk_thrift_list(rk_thrift *t, uint8_t *elem_type, uint32_t *count);
/* Skips one value of the given type (recursing into containers). */
void rk_thrift_skip(rk_thrift *t, uint8_t type);
/* Bytes consumed so far from the start given to rk_thrift_init. */
size_t rk_thrift_pos(const rk_thrift *t, const uint8_t *start);

#endif
