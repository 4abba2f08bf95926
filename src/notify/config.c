#include "notify/config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/mem.h"
#include "format/csv.h"
#include "store/settings.h"

#define PASSWORD_MAX 4096

static rk_status dup_out(const char *s, size_t n, char **norm, rk_err *err)
{
    *norm = rk_strndup(s, n);
    return *norm ? RK_OK : rk_err_set(err, RK_ENOMEM, "out of memory");
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

static rk_status check_url(const char *v, char **norm, char *warn, size_t wcap, rk_err *err)
{
    size_t n = strlen(v);
    trim(&v, &n);
    rk_smtp_url u;
    RK_TRY(rk_smtp_url_parse(v, n, &u, err));
    if (!u.implicit_tls && u.port == 465)
        snprintf(warn, wcap, "port 465 usually means TLS from the start; if sending fails, try smtps://%s%s%s:465",
                 u.ipv6 ? "[" : "", u.host, u.ipv6 ? "]" : "");
    return dup_out(v, n, norm, err);
}

static rk_status check_user(const char *v, char **norm, char *warn, size_t wcap, rk_err *err)
{
    size_t n = strlen(v);
    if (n == 0 || n > 256) return rk_err_set(err, RK_EUSAGE, "smtp.user must have 1 to 256 characters");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return rk_err_set(err, RK_EUSAGE, "smtp.user must not hold control characters");
    if (!rk_utf8_valid(v, n)) return rk_err_set(err, RK_EUSAGE, "smtp.user is not valid UTF-8");
    return dup_out(v, n, norm, err);
}

/* A readable regular file, stored as an absolute path (the setting must
 * mean the same file whatever folder reckon later runs in). */
static rk_status check_file(const char *key, const char *v, char **norm, struct stat *sb, rk_err *err)
{
    char abs[PATH_MAX];
    if (!*v) return rk_err_set(err, RK_EUSAGE, "%s needs a file path", key);
    if (!realpath(v, abs)) return rk_err_set(err, RK_EUSAGE, "%s: cannot use %s: %s", key, v, strerror(errno));
    if (stat(abs, sb) != 0 || !S_ISREG(sb->st_mode)) return rk_err_set(err, RK_EUSAGE, "%s: %s is not a regular file", key, abs);
    if (access(abs, R_OK) != 0) return rk_err_set(err, RK_EUSAGE, "%s: cannot read %s: %s", key, abs, strerror(errno));
    return dup_out(abs, strlen(abs), norm, err);
}

static rk_status check_password_file(const char *v, char **norm, char *warn, size_t wcap, rk_err *err)
{
    struct stat sb;
    RK_TRY(check_file("smtp.password-file", v, norm, &sb, err));
    if (sb.st_size == 0) {
        free(*norm);
        *norm = NULL;
        return rk_err_set(err, RK_EUSAGE, "smtp.password-file: %s is empty; write the password in it", v);
    }
    if (sb.st_mode & 077)
        snprintf(warn, wcap, "%s can be read by other users (mode %03o); run `chmod 600 %s`", *norm,
                 (unsigned)(sb.st_mode & 0777), *norm);
    return RK_OK;
}

static rk_status check_cafile(const char *v, char **norm, char *warn, size_t wcap, rk_err *err)
{
    struct stat sb;
    RK_TRY(check_file("smtp.cafile", v, norm, &sb, err));
    /* A CA file that is not PEM would only fail later, at the first send,
     * with a TLS error; say it now. */
    FILE *f = fopen(*norm, "rb");
    char head[65536];
    size_t n = f ? fread(head, 1, sizeof head - 1, f) : 0;
    if (f) fclose(f);
    head[n] = 0;
    if (!strstr(head, "-----BEGIN CERTIFICATE-----")) {
        rk_status st = rk_err_set(err, RK_EUSAGE,
                                  "smtp.cafile: %s holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the CA "
                                  "certificate in PEM form",
                                  *norm);
        free(*norm);
        *norm = NULL;
        return st;
    }
    return RK_OK;
}

static rk_status check_from(const char *v, char **norm, char *warn, size_t wcap, rk_err *err)
{
    size_t n = strlen(v);
    trim(&v, &n);
    rk_mail_addr a;
    rk_status st = rk_mail_addr_parse(v, n, &a, err);
    if (st != RK_OK) {
        rk_err_prefix(err, "smtp.from: ");
        return st;
    }
    return dup_out(v, n, norm, err);
}

static rk_status check_starttls(const char *v, char **norm, char *warn, size_t wcap, rk_err *err)
{
    if (strcmp(v, "required") && strcmp(v, "optional") && strcmp(v, "off"))
        return rk_err_set(err, RK_EUSAGE, "smtp.starttls must be required, optional or off, not \"%.40s\"", v);
    if (strcmp(v, "off") == 0)
        snprintf(warn, wcap,
                 "with smtp.starttls off, an smtp:// server gets the password and every email in clear text; use it "
                 "only for a server on this machine");
    return dup_out(v, strlen(v), norm, err);
}

static rk_status check_uint(const char *key, const char *v, unsigned lo, unsigned hi, char **norm, rk_err *err)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (!*v || *end || errno || v[0] == '-' || v[0] == '+' || x < lo || x > hi)
        return rk_err_set(err, RK_EUSAGE, "%s must be a whole number from %u to %u, not \"%.40s\"", key, lo, hi, v);
    char buf[32];
    snprintf(buf, sizeof buf, "%lu", x);
    return dup_out(buf, strlen(buf), norm, err);
}

static rk_status check_timeout(const char *v, char **norm, char *warn, size_t wcap, rk_err *err)
{
    return check_uint("smtp.timeout", v, 1, 600, norm, err);
}

static rk_status check_retries(const char *v, char **norm, char *warn, size_t wcap, rk_err *err)
{
    return check_uint("smtp.retries", v, 0, 10, norm, err);
}

static rk_status check_dashboard(const char *v, char **norm, char *warn, size_t wcap, rk_err *err)
{
    size_t n = strlen(v);
    bool ok = (strncmp(v, "http://", 7) == 0 && n > 7) || (strncmp(v, "https://", 8) == 0 && n > 8);
    for (size_t i = 0; ok && i < n; i++)
        if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f || strchr("\"<>\\^`{|}", v[i])) ok = false;
    if (!ok || n > 2048)
        return rk_err_set(err, RK_EUSAGE,
                          "notify.dashboard-url must be an http:// or https:// URL without spaces, such as "
                          "https://reckon.example.com/");
    if (memchr(v, '@', n))
        return rk_err_set(err, RK_EUSAGE, "notify.dashboard-url must not hold a user or password (it is sent in emails)");
    return dup_out(v, n, norm, err);
}

const rk_setting_def rk_notify_settings[] = {
    {"smtp.url", "URL", "the SMTP server: smtps://host[:port] (TLS) or smtp://host[:port] (STARTTLS)", NULL, false,
     check_url},
    {"smtp.user", "NAME", "the user name for SMTP AUTH (no AUTH when unset)", NULL, false, check_user},
    {"smtp.password", "-", "the SMTP password: `set smtp.password -` reads it from stdin into a 0600 file", NULL, true,
     NULL},
    {"smtp.password-file", "FILE", "a file whose first line is the SMTP password (RECKON_SMTP_PASSWORD wins)", NULL,
     false, check_password_file},
    {"smtp.from", "ADDRESS", "the sender, e.g. 'Reckon <reckon@example.com>'", "smtp.user", false, check_from},
    {"smtp.starttls", "MODE", "for smtp:// URLs: required, optional or off", "required", false, check_starttls},
    {"smtp.timeout", "SECONDS", "how long one attempt may take, 1 to 600", "30", false, check_timeout},
    {"smtp.retries", "N", "attempts after the first on a transient failure, 0 to 10", "3", false, check_retries},
    {"smtp.cafile", "FILE", "a PEM file of CA certificates to trust instead of the system's", NULL, false, check_cafile},
    {"notify.dashboard-url", "URL", "where the dashboard is served, linked from emails", NULL, false, check_dashboard},
};
const size_t rk_notify_nsettings = sizeof rk_notify_settings / sizeof *rk_notify_settings;

const rk_setting_def *rk_notify_setting(const char *key)
{
    for (size_t i = 0; i < rk_notify_nsettings; i++)
        if (strcmp(rk_notify_settings[i].key, key) == 0) return &rk_notify_settings[i];
    return NULL;
}

/* ---- the password ---- */

static void secret_path(rk_ws *ws, char *out, size_t cap) { snprintf(out, cap, "%s/secrets/smtp-password", rk_ws_dir(ws)); }

/* Reads the first line of a password file into a fresh string. */
static rk_status read_password_file(const char *path, char **out, rk_err *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rk_err_set(err, RK_EUSAGE, "cannot read the SMTP password file %s (smtp.password-file): %s", path,
                          strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > PASSWORD_MAX) {
        close(fd);
        return rk_err_set(err, RK_EUSAGE,
                          "the SMTP password file %s (smtp.password-file) must be a regular file of at most %d bytes",
                          path, PASSWORD_MAX);
    }
    char *buf = malloc(PASSWORD_MAX + 1);
    if (!buf) {
        close(fd);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    size_t n = 0;
    ssize_t r;
    while (n < PASSWORD_MAX && (r = read(fd, buf + n, PASSWORD_MAX - n)) > 0) n += (size_t)r;
    close(fd);
    buf[n] = 0;
    size_t len = strcspn(buf, "\r\n"); /* the first line; a NUL ends it too */
    if (len == 0) {
        explicit_bzero(buf, PASSWORD_MAX + 1);
        free(buf);
        return rk_err_set(err, RK_EUSAGE, "the SMTP password file %s (smtp.password-file) has an empty first line", path);
    }
    *out = rk_strndup(buf, len);
    explicit_bzero(buf, PASSWORD_MAX + 1);
    free(buf);
    return *out ? RK_OK : rk_err_set(err, RK_ENOMEM, "out of memory");
}

static const char *env_password(void)
{
    const char *e = getenv(RK_SMTP_PASSWORD_ENV);
    return e && *e ? e : NULL;
}

rk_status rk_smtp_password_describe(rk_ws *ws, char *out, size_t cap, rk_err *err)
{
    if (env_password()) {
        snprintf(out, cap, "(set, from environment %s)", RK_SMTP_PASSWORD_ENV);
        return RK_OK;
    }
    char *file;
    RK_TRY(rk_ws_setting_get(ws, "smtp.password-file", &file, err));
    if (!file) {
        snprintf(out, cap, "(not set)");
        return RK_OK;
    }
    if (access(file, R_OK) != 0) snprintf(out, cap, "(set, from file %s, which cannot be read: %s)", file, strerror(errno));
    else snprintf(out, cap, "(set, from file %s)", file);
    free(file);
    return RK_OK;
}

rk_status rk_smtp_password_store(rk_ws *ws, const char *password, size_t len, rk_err *err)
{
    if (len == 0 || len > PASSWORD_MAX || memchr(password, '\n', len) || memchr(password, '\r', len) ||
        memchr(password, 0, len))
        return rk_err_set(err, RK_EUSAGE, "the password must be one line of 1 to %d bytes", PASSWORD_MAX);
    char dir[PATH_MAX], tmp[PATH_MAX + 32], final[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/secrets", rk_ws_dir(ws));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return rk_err_set(err, RK_EIO, "cannot create %s: %s", dir, strerror(errno));
    if (chmod(dir, 0700) != 0) return rk_err_set(err, RK_EIO, "cannot make %s private (chmod 700): %s", dir, strerror(errno));
    snprintf(tmp, sizeof tmp, "%s/.smtp-password.XXXXXX", dir);
    secret_path(ws, final, sizeof final);
    int fd = mkstemp(tmp); /* created 0600 whatever the umask */
    if (fd < 0) return rk_err_set(err, RK_EIO, "cannot create a file in %s: %s", dir, strerror(errno));
    rk_status st = RK_OK;
    if (fchmod(fd, 0600) != 0 || write(fd, password, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) != 0)
        st = rk_err_set(err, RK_EIO, "cannot write %s: %s", tmp, strerror(errno));
    close(fd);
    if (st == RK_OK && rename(tmp, final) != 0) st = rk_err_set(err, RK_EIO, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
    if (st != RK_OK) {
        unlink(tmp);
        return st;
    }
    char abs[PATH_MAX];
    if (!realpath(final, abs)) return rk_err_set(err, RK_EIO, "cannot resolve %s: %s", final, strerror(errno));
    return rk_ws_setting_set(ws, "smtp.password-file", abs, err);
}

rk_status rk_smtp_password_forget(rk_ws *ws, bool *removed, rk_err *err)
{
    char *file;
    RK_TRY(rk_ws_setting_get(ws, "smtp.password-file", &file, err));
    char own[PATH_MAX + 32], abs[PATH_MAX];
    secret_path(ws, own, sizeof own);
    if (file && realpath(own, abs) && strcmp(abs, file) == 0) unlink(abs);
    free(file);
    return rk_ws_setting_unset(ws, "smtp.password-file", removed, err);
}

/* ---- loading ---- */

/* The stored value of key re-checked (the catalog may have been edited by
 * hand), or NULL when unset. */
static rk_status load_key(rk_ws *ws, const char *key, char **out, rk_err *err)
{
    *out = NULL;
    char *v;
    RK_TRY(rk_ws_setting_get(ws, key, &v, err));
    if (!v) return RK_OK;
    const rk_setting_def *d = rk_notify_setting(key);
    char warn[512];
    rk_status st = d->check(v, out, warn, sizeof warn, err);
    free(v);
    if (st != RK_OK) rk_err_prefix(err, "the stored setting is not valid (fix it with `reckon config set %s …`): ", key);
    return st;
}

rk_status rk_smtp_conf_load(rk_ws *ws, rk_smtp_conf *c, rk_err *err)
{
    memset(c, 0, sizeof *c);
    char *v = NULL;
    rk_status st = load_key(ws, "smtp.url", &v, err);
    if (st != RK_OK) goto fail;
    if (!v) {
        st = rk_err_set(err, RK_EUSAGE,
                        "no SMTP server is configured; run `reckon config set smtp.url smtps://mail.example.com` (see "
                        "`reckon config --help`)");
        goto fail;
    }
    st = rk_smtp_url_parse(v, strlen(v), &c->url, err);
    free(v);
    v = NULL;
    if (st != RK_OK) goto fail;

    if ((st = load_key(ws, "smtp.user", &c->user, err)) != RK_OK) goto fail;
    if (c->user) {
        const char *e = env_password();
        if (e) {
            if (strlen(e) > PASSWORD_MAX || strpbrk(e, "\r\n")) {
                st = rk_err_set(err, RK_EUSAGE, "%s must be one line of at most %d bytes", RK_SMTP_PASSWORD_ENV,
                                PASSWORD_MAX);
                goto fail;
            }
            c->password = rk_strdup(e);
            snprintf(c->password_source, sizeof c->password_source, "%s", RK_SMTP_PASSWORD_ENV);
        } else {
            if ((st = rk_ws_setting_get(ws, "smtp.password-file", &v, err)) != RK_OK) goto fail;
            if (!v) {
                st = rk_err_set(err, RK_EUSAGE,
                                "smtp.user is set but no password is: run `reckon config set smtp.password -` (reads "
                                "it from stdin), set smtp.password-file to a file holding it, or set %s",
                                RK_SMTP_PASSWORD_ENV);
                goto fail;
            }
            st = read_password_file(v, &c->password, err);
            snprintf(c->password_source, sizeof c->password_source, "the file %s (smtp.password-file)", v);
            free(v);
            v = NULL;
            if (st != RK_OK) goto fail;
        }
        if (!c->password) {
            st = rk_err_set(err, RK_ENOMEM, "out of memory");
            goto fail;
        }
    }

    if ((st = load_key(ws, "smtp.from", &v, err)) != RK_OK) goto fail;
    const char *from = v ? v : c->user;
    if (!from || rk_mail_addr_parse(from, strlen(from), &c->from, NULL) != RK_OK) {
        st = rk_err_set(err, RK_EUSAGE,
                        "no sender address: run `reckon config set smtp.from 'Reckon <reckon@example.com>'`%s",
                        c->user ? " (smtp.user is not an email address)" : "");
        goto fail;
    }
    free(v);
    v = NULL;

    if ((st = load_key(ws, "smtp.starttls", &v, err)) != RK_OK) goto fail;
    c->starttls = !v || strcmp(v, "required") == 0 ? RK_STARTTLS_REQUIRED
                  : strcmp(v, "optional") == 0     ? RK_STARTTLS_OPTIONAL
                                                   : RK_STARTTLS_OFF;
    free(v);
    v = NULL;
    if ((st = load_key(ws, "smtp.timeout", &v, err)) != RK_OK) goto fail;
    c->timeout_s = v ? (unsigned)atoi(v) : 30;
    free(v);
    v = NULL;
    if ((st = load_key(ws, "smtp.retries", &v, err)) != RK_OK) goto fail;
    c->retries = v ? (unsigned)atoi(v) : 3;
    free(v);
    v = NULL;
    if ((st = load_key(ws, "smtp.cafile", &c->cafile, err)) != RK_OK) goto fail;
    return RK_OK;
fail:
    free(v);
    rk_smtp_conf_free(c);
    return st;
}
