/* source_local.c — a local folder that mirrors a bucket (any prefix depth). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/mem.h"
#include "source/source.h"

typedef struct local {
    rk_source base;
    char *root;
} local;

typedef struct walk {
    rk_object *v;
    size_t n, cap;
} walk;

static int64_t mtime_ms(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

static rk_status walk_dir(const char *root, const char *rel, int depth, walk *w, rk_err *err)
{
    if (depth > 64) return rk_err_set(err, RK_ELIMIT, "%s/%s: folders nested deeper than 64 levels (a link loop?)", root, rel);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d) return rk_err_set(err, RK_EIO, "cannot list %s: %s", path, strerror(errno));
    struct dirent *e;
    rk_status st = RK_OK;
    while ((e = readdir(d)) && st == RK_OK) {
        if (e->d_name[0] == '.') continue; /* ., .., and hidden files such as .DS_Store */
        char crel[PATH_MAX], cpath[PATH_MAX];
        snprintf(crel, sizeof crel, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        snprintf(cpath, sizeof cpath, "%s/%s", root, crel);
        struct stat sb;
        if (stat(cpath, &sb) != 0) continue; /* dangling link */
        if (S_ISDIR(sb.st_mode)) {
            st = walk_dir(root, crel, depth + 1, w, err);
        } else if (S_ISREG(sb.st_mode)) {
            if (RK_GROW(w->v, w->cap, w->n + 1) != RK_OK) {
                st = rk_err_set(err, RK_ENOMEM, "out of memory");
                break;
            }
            rk_object *o = &w->v[w->n];
            o->key = rk_strdup(crel);
            o->etag = NULL;
            o->size = (uint64_t)sb.st_size;
            o->mtime_ms = mtime_ms(&sb);
            if (!o->key) st = rk_err_set(err, RK_ENOMEM, "out of memory");
            else w->n++;
        }
    }
    closedir(d);
    return st;
}

static int cmp_obj(const void *a, const void *b)
{
    return strcmp(((const rk_object *)a)->key, ((const rk_object *)b)->key);
}

static rk_status l_list(rk_source *s, rk_object **objs, size_t *n, rk_err *err)
{
    local *l = (local *)s;
    walk w = {0};
    rk_status st = walk_dir(l->root, "", 0, &w, err);
    if (st != RK_OK) {
        rk_objects_free(w.v, w.n);
        return st;
    }
    if (w.n) qsort(w.v, w.n, sizeof *w.v, cmp_obj);
    *objs = w.v;
    *n = w.n;
    return RK_OK;
}

static rk_status l_open(rk_source *s, const char *key, uint64_t offset, rk_in **out, rk_err *err)
{
    local *l = (local *)s;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", l->root, key);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rk_err_set(err, errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "cannot open %s: %s", path, strerror(errno));
    if (offset && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
        close(fd);
        return rk_err_set(err, RK_EIO, "cannot seek in %s: %s", path, strerror(errno));
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    *out = rk_in_fd(fd);
    if (!*out) {
        close(fd);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    return RK_OK;
}

static rk_status l_stat(rk_source *s, const char *key, rk_object *out, rk_err *err)
{
    local *l = (local *)s;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", l->root, key);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return rk_err_set(err, errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "cannot stat %s: %s", path, strerror(errno));
    out->key = NULL;
    out->etag = NULL;
    out->size = (uint64_t)sb.st_size;
    out->mtime_ms = mtime_ms(&sb);
    return RK_OK;
}

static rk_status l_read_range(rk_source *s, const char *key, uint64_t off, void *buf, size_t len, rk_err *err)
{
    local *l = (local *)s;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", l->root, key);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rk_err_set(err, errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "cannot open %s: %s", path, strerror(errno));
    size_t done = 0;
    rk_status st = RK_OK;
    while (done < len) {
        ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            st = n == 0 ? rk_err_set(err, RK_EBADDATA, "%s is shorter than expected (read past its end at %llu)", key,
                                     (unsigned long long)(off + done))
                        : rk_err_set(err, RK_EIO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        done += (size_t)n;
    }
    close(fd);
    return st;
}

static void l_close(rk_source *s)
{
    local *l = (local *)s;
    free(l->root);
    free(l->base.uri);
    free(l);
}

static const rk_source_ops local_ops = {
    .kind = "local", .list = l_list, .open = l_open, .stat = l_stat, .read_range = l_read_range, .close = l_close};

rk_status rk_source_local(const char *path, rk_source **out, rk_err *err)
{
    char abs[PATH_MAX];
    if (!realpath(path, abs)) return rk_err_set(err, RK_ENOTFOUND, "%s: %s", path, strerror(errno));
    struct stat sb;
    if (stat(abs, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return rk_err_set(err, RK_EUSAGE, "%s is not a folder; give the folder that mirrors the CUR bucket", path);
    local *l = calloc(1, sizeof *l);
    if (!l) return rk_err_set(err, RK_ENOMEM, "out of memory");
    l->base.ops = &local_ops;
    l->root = rk_strdup(abs);
    l->base.uri = rk_strdup(abs);
    if (!l->root || !l->base.uri) {
        l_close(&l->base);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    *out = &l->base;
    return RK_OK;
}
