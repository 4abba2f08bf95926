/* ini.c — the configparser subset the AWS CLI's shared files use. */
#include "aws/ini.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/xml.h"
#include "common/buf.h"
#include "common/mem.h"

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

static void trim(const char **s, size_t *n)
{
    while (*n && is_space(**s)) (*s)++, (*n)--;
    while (*n && is_space((*s)[*n - 1])) (*n)--;
}

/* Section name trimmed, inner runs of blanks folded to one space. */
static char *section_name(const char *s, size_t n)
{
    trim(&s, &n);
    char *d = malloc(n + 1);
    if (!d) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_space(s[i])) {
            if (o && d[o - 1] != ' ') d[o++] = ' ';
        } else {
            d[o++] = s[i];
        }
    }
    d[o] = 0;
    return d;
}

static rk_ini_entry *find(const rk_ini *ini, const char *section, const char *key)
{
    for (size_t i = ini->n; i-- > 0;)
        if (strcmp(ini->v[i].section, section) == 0 && strcmp(ini->v[i].key, key) == 0) return &ini->v[i];
    return NULL;
}

static rk_status add_section(rk_ini *ini, char *name)
{
    for (size_t i = 0; i < ini->nsections; i++)
        if (strcmp(ini->sections[i], name) == 0) {
            free(name);
            return RK_OK;
        }
    if (RK_GROW(ini->sections, ini->scap, ini->nsections + 1) != RK_OK) {
        free(name);
        return RK_ENOMEM;
    }
    ini->sections[ini->nsections++] = name;
    return RK_OK;
}

/* Takes key and value. */
static rk_status set(rk_ini *ini, const char *section, char *key, char *value)
{
    rk_ini_entry *e = find(ini, section, key);
    if (e) {
        free(key);
        rk_secret_free(e->value);
        e->value = value;
        return RK_OK;
    }
    char *sec = rk_strdup(section);
    if (!sec || RK_GROW(ini->v, ini->cap, ini->n + 1) != RK_OK) {
        free(sec);
        free(key);
        rk_secret_free(value);
        return RK_ENOMEM;
    }
    ini->v[ini->n++] = (rk_ini_entry){sec, key, value};
    return RK_OK;
}

static char *lower_dup(const char *s, size_t n)
{
    char *d = rk_strndup(s, n);
    for (size_t i = 0; d && i < n; i++) d[i] = (char)tolower((unsigned char)d[i]);
    return d;
}

/* Splits "key = value" at the first '=' or ':'. */
static bool split_kv(const char *s, size_t n, const char **k, size_t *kn, const char **v, size_t *vn)
{
    const char *d = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '=' || s[i] == ':') {
            d = s + i;
            break;
        }
    if (!d) return false;
    *k = s;
    *kn = (size_t)(d - s);
    trim(k, kn);
    *v = d + 1;
    *vn = n - (size_t)(d - s) - 1;
    trim(v, vn);
    return *kn > 0;
}

rk_status rk_ini_parse(const char *text, size_t len, const char *name, rk_ini *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    if (len > RK_INI_MAX_BYTES)
        return rk_err_set(err, RK_ELIMIT, "%s is larger than %zu bytes; is it the right file?", name, RK_INI_MAX_BYTES);
    char *section = NULL;
    char *key = NULL;           /* the key indented lines continue */
    bool nested = false;        /* key had an empty value: its lines are sub-keys */
    rk_status st = RK_OK;
    size_t line = 0;
    const char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) p += 3; /* a UTF-8 BOM, as Windows editors write */
    while (p < end && st == RK_OK) {
        line++;
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        const char *s = p;
        size_t n = (size_t)(e - p);
        p = e + 1;
        if (memchr(s, 0, n)) {
            st = rk_err_set(err, RK_EBADDATA, "%s line %zu holds a NUL byte; is it a text file?", name, line);
            break;
        }
        bool indented = n && is_space(s[0]) && s[0] != '\r';
        trim(&s, &n);
        if (n == 0) continue;
        if (s[0] == '#' || s[0] == ';') continue;
        if (indented && key && section) {
            const char *k, *v;
            size_t kn, vn;
            if (nested && split_kv(s, n, &k, &kn, &v, &vn)) {
                char *lk = lower_dup(k, kn);
                char *full = lk ? malloc(strlen(key) + kn + 2) : NULL;
                char *val = rk_strndup(v, vn);
                if (!full || !val) {
                    free(lk), free(full), rk_secret_free(val);
                    st = RK_ENOMEM;
                    break;
                }
                sprintf(full, "%s.%s", key, lk);
                free(lk);
                st = set(out, section, full, val);
            } else {
                /* a continued value: joined with a newline, as configparser does */
                rk_ini_entry *ent = find(out, section, key);
                size_t a = strlen(ent->value);
                char *joined = malloc(a + n + 2);
                if (!joined) {
                    st = RK_ENOMEM;
                    break;
                }
                memcpy(joined, ent->value, a);
                joined[a] = '\n';
                memcpy(joined + a + 1, s, n);
                joined[a + 1 + n] = 0;
                rk_secret_free(ent->value);
                ent->value = joined;
                nested = false;
            }
            continue;
        }
        if (s[0] == '[') {
            if (s[n - 1] != ']' || n < 3) {
                st = rk_err_set(err, RK_EBADDATA, "%s line %zu: a section header must look like [name]", name, line);
                break;
            }
            free(section);
            section = section_name(s + 1, n - 2);
            if (!section) {
                st = RK_ENOMEM;
                break;
            }
            char *copy = rk_strdup(section);
            if (!copy) {
                st = RK_ENOMEM;
                break;
            }
            st = add_section(out, copy);
            free(key);
            key = NULL;
            continue;
        }
        const char *k, *v;
        size_t kn, vn;
        if (!split_kv(s, n, &k, &kn, &v, &vn)) {
            st = rk_err_set(err, RK_EBADDATA,
                            "%s line %zu is neither a [section], a \"key = value\" line nor a comment", name, line);
            break;
        }
        if (!section) {
            st = rk_err_set(err, RK_EBADDATA, "%s line %zu: a key comes before any [section] header", name, line);
            break;
        }
        free(key);
        key = lower_dup(k, kn);
        char *lk = lower_dup(k, kn);
        char *val = rk_strndup(v, vn);
        if (!key || !lk || !val) {
            free(lk), rk_secret_free(val);
            st = RK_ENOMEM;
            break;
        }
        nested = vn == 0;
        st = set(out, section, lk, val);
    }
    free(section);
    free(key);
    if (st == RK_ENOMEM) rk_err_set(err, st, "out of memory");
    if (st != RK_OK) rk_ini_free(out);
    return st;
}

rk_status rk_ini_load(const char *path, rk_ini *out, bool *found, rk_err *err)
{
    memset(out, 0, sizeof *out);
    *found = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return RK_OK;
        return rk_err_set(err, RK_EIO, "cannot read %s: %s", path, strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return rk_err_set(err, RK_EUSAGE, "%s is not a regular file", path);
    }
    if ((uint64_t)sb.st_size > RK_INI_MAX_BYTES) {
        close(fd);
        return rk_err_set(err, RK_ELIMIT, "%s is larger than %zu bytes; is it the right file?", path, RK_INI_MAX_BYTES);
    }
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    char *text = malloc(cap);
    if (!text) {
        close(fd);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    while (n < cap - 1) {
        ssize_t r = read(fd, text + n, cap - 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            free(text);
            return rk_err_set(err, RK_EIO, "cannot read %s: %s", path, strerror(e));
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    rk_status st = rk_ini_parse(text, n, path, out, err);
    OPENSSL_cleanse(text, n); /* it may hold secrets */
    free(text);
    if (st == RK_OK) *found = true;
    return st;
}

const char *rk_ini_get(const rk_ini *ini, const char *section, const char *key)
{
    rk_ini_entry *e = find(ini, section, key);
    return e ? e->value : NULL;
}

bool rk_ini_has_section(const rk_ini *ini, const char *section)
{
    for (size_t i = 0; i < ini->nsections; i++)
        if (strcmp(ini->sections[i], section) == 0) return true;
    return false;
}

void rk_ini_free(rk_ini *ini)
{
    for (size_t i = 0; i < ini->n; i++) {
        free(ini->v[i].section);
        free(ini->v[i].key);
        rk_secret_free(ini->v[i].value);
    }
    free(ini->v);
    for (size_t i = 0; i < ini->nsections; i++) free(ini->sections[i]);
    free(ini->sections);
    memset(ini, 0, sizeof *ini);
}
