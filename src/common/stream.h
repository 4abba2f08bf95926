/* stream.h — the pull byte stream every decoder reads from.
 *
 * A decoder is itself an rk_in over another rk_in, so sources, gzip, zip and
 * the CSV reader compose: file -> gunzip -> csv. read() fills at most `cap`
 * bytes and sets *got; *got == 0 with RK_OK means end of stream. close()
 * releases the stream and whatever it owns (a decoder owns its upstream).
 */
#ifndef RK_STREAM_H
#define RK_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef struct rk_in rk_in;
struct rk_in {
    rk_status (*read)(rk_in *self, uint8_t *buf, size_t cap, size_t *got, rk_err *err);
    void (*close)(rk_in *self);
};

static inline rk_status rk_in_read(rk_in *in, uint8_t *buf, size_t cap, size_t *got, rk_err *err)
{
    return in->read(in, buf, cap, got, err);
}

static inline void rk_in_close(rk_in *in)
{
    if (in) in->close(in);
}

/* Reads until buf is full or the stream ends. */
rk_status rk_in_read_full(rk_in *in, uint8_t *buf, size_t cap, size_t *got, rk_err *err);

/* A stream over memory the caller keeps alive (borrowed). */
rk_in *rk_in_mem(const void *data, size_t len);
/* Same, but reads at most `step` bytes per call: tests use it to cut every
 * structure at every possible boundary. */
rk_in *rk_in_mem_stepped(const void *data, size_t len, size_t step);
/* A stream over an open file descriptor; takes ownership of fd. */
rk_in *rk_in_fd(int fd);

/* Reads up to `want` bytes from the front of *in without losing them: on
 * return *in is replaced by a stream that yields those bytes first. Used to
 * sniff compression by magic bytes. */
rk_status rk_in_peek(rk_in **in, uint8_t *buf, size_t want, size_t *got, rk_err *err);

/* Adds every byte read through it to *counter (atomically); takes ownership
 * of upstream. For progress display. */
rk_in *rk_in_counting(rk_in *upstream, uint64_t *counter);

#endif
