#include "common/stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

rk_status rk_in_read_full(rk_in *in, uint8_t *buf, size_t cap, size_t *got, rk_err *err)
{
    size_t total = 0;
    while (total < cap) {
        size_t n = 0;
        RK_TRY(rk_in_read(in, buf + total, cap - total, &n, err));
        if (n == 0) break;
        total += n;
    }
    *got = total;
    return RK_OK;
}

typedef struct mem_in {
    rk_in base;
    const uint8_t *p;
    size_t len, pos, step;
} mem_in;

static rk_status mem_read(rk_in *self, uint8_t *buf, size_t cap, size_t *got, rk_err *err)
{
    mem_in *m = (mem_in *)self;
    size_t n = m->len - m->pos;
    if (n > cap) n = cap;
    if (m->step && n > m->step) n = m->step;
    if (n) memcpy(buf, m->p + m->pos, n);
    m->pos += n;
    *got = n;
    return RK_OK;
}

static void mem_close(rk_in *self) { free(self); }

rk_in *rk_in_mem_stepped(const void *data, size_t len, size_t step)
{
    mem_in *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->base.read = mem_read;
    m->base.close = mem_close;
    m->p = data;
    m->len = len;
    m->step = step;
    return &m->base;
}

rk_in *rk_in_mem(const void *data, size_t len) { return rk_in_mem_stepped(data, len, 0); }

typedef struct fd_in {
    rk_in base;
    int fd;
} fd_in;

static rk_status fd_read(rk_in *self, uint8_t *buf, size_t cap, size_t *got, rk_err *err)
{
    fd_in *f = (fd_in *)self;
    for (;;) {
        ssize_t n = read(f->fd, buf, cap);
        if (n >= 0) {
            *got = (size_t)n;
            return RK_OK;
        }
        if (errno == EINTR) continue;
        return rk_err_set(err, RK_EIO, "read failed: %s", strerror(errno));
    }
}

static void fd_close(rk_in *self)
{
    fd_in *f = (fd_in *)self;
    close(f->fd);
    free(f);
}

rk_in *rk_in_fd(int fd)
{
    fd_in *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->base.read = fd_read;
    f->base.close = fd_close;
    f->fd = fd;
    return &f->base;
}

typedef struct peek_in {
    rk_in base;
    rk_in *up;
    uint8_t head[64];
    size_t n, pos;
} peek_in;

static rk_status peek_read(rk_in *self, uint8_t *buf, size_t cap, size_t *got, rk_err *err)
{
    peek_in *p = (peek_in *)self;
    if (p->pos < p->n) {
        size_t k = p->n - p->pos;
        if (k > cap) k = cap;
        memcpy(buf, p->head + p->pos, k);
        p->pos += k;
        *got = k;
        return RK_OK;
    }
    return rk_in_read(p->up, buf, cap, got, err);
}

static void peek_close(rk_in *self)
{
    peek_in *p = (peek_in *)self;
    rk_in_close(p->up);
    free(p);
}

rk_status rk_in_peek(rk_in **in, uint8_t *buf, size_t want, size_t *got, rk_err *err)
{
    peek_in *p = calloc(1, sizeof *p);
    if (!p) return rk_err_set(err, RK_ENOMEM, "out of memory");
    if (want > sizeof p->head) want = sizeof p->head;
    rk_status st = rk_in_read_full(*in, p->head, want, &p->n, err);
    if (st != RK_OK) {
        free(p);
        return st;
    }
    memcpy(buf, p->head, p->n);
    *got = p->n;
    p->base.read = peek_read;
    p->base.close = peek_close;
    p->up = *in;
    *in = &p->base;
    return RK_OK;
}

typedef struct count_in {
    rk_in base;
    rk_in *up;
    uint64_t *counter;
} count_in;

static rk_status count_read(rk_in *self, uint8_t *buf, size_t cap, size_t *got, rk_err *err)
{
    count_in *c = (count_in *)self;
    rk_status st = rk_in_read(c->up, buf, cap, got, err);
    if (st == RK_OK && *got) __atomic_add_fetch(c->counter, *got, __ATOMIC_RELAXED);
    return st;
}

static void count_close(rk_in *self)
{
    count_in *c = (count_in *)self;
    rk_in_close(c->up);
    free(c);
}

rk_in *rk_in_counting(rk_in *upstream, uint64_t *counter)
{
    count_in *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->base.read = count_read;
    c->base.close = count_close;
    c->up = upstream;
    c->counter = counter;
    return &c->base;
}
