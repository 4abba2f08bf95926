#include "format/manifest.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/timeparse.h"

static rk_status opt_str(json_t *root, const char *field, char **out, rk_err *err)
{
    json_t *v = json_object_get(root, field);
    *out = NULL;
    if (!v || json_is_null(v)) return RK_OK;
    if (!json_is_string(v))
        return rk_err_set(err, RK_EBADDATA, "manifest field \"%s\" must be a string", field);
    *out = rk_strndup(json_string_value(v), json_string_length(v));
    return *out ? RK_OK : rk_err_set(err, RK_ENOMEM, "out of memory");
}

/* s3://bucket/key -> key; "/key" -> "key". */
static char *key_of(const char *s)
{
    if (strncmp(s, "s3://", 5) == 0) {
        const char *slash = strchr(s + 5, '/');
        s = slash ? slash + 1 : s + strlen(s);
    }
    while (*s == '/') s++;
    return rk_strdup(s);
}

static rk_status add_key(rk_manifest *m, size_t *cap, const char *s, rk_err *err)
{
    if (RK_GROW(m->keys, *cap, m->nkeys + 1) != RK_OK)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    char *k = key_of(s);
    if (!k) return rk_err_set(err, RK_ENOMEM, "out of memory");
    if (!*k) {
        free(k);
        return rk_err_set(err, RK_EBADDATA, "manifest lists an empty object key");
    }
    m->keys[m->nkeys++] = k;
    return RK_OK;
}

static rk_status parse_keys(json_t *root, rk_manifest *m, rk_err *err)
{
    size_t cap = 0;
    const char *field = "reportKeys";
    json_t *arr = json_object_get(root, field);
    if (!arr) {
        field = "dataFiles";
        arr = json_object_get(root, field);
    }
    if (!arr || json_is_null(arr)) return RK_OK;
    if (!json_is_array(arr))
        return rk_err_set(err, RK_EBADDATA, "manifest field \"%s\" must be an array", field);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v)) {
            RK_TRY(add_key(m, &cap, json_string_value(v), err));
        } else if (json_is_object(v)) {
            static const char *const names[] = {"s3Uri", "key", "url", "uri", "name", "path"};
            const char *s = NULL;
            for (size_t k = 0; k < sizeof names / sizeof *names && !s; k++) {
                json_t *x = json_object_get(v, names[k]);
                if (json_is_string(x)) s = json_string_value(x);
            }
            if (!s)
                return rk_err_set(err, RK_EBADDATA,
                                  "manifest field \"%s\" item %zu is an object without a key, "
                                  "s3Uri or url",
                                  field, i + 1);
            RK_TRY(add_key(m, &cap, s, err));
        } else {
            return rk_err_set(err, RK_EBADDATA,
                              "manifest field \"%s\" item %zu must be a string (an object key)",
                              field, i + 1);
        }
    }
    return RK_OK;
}

static rk_status parse_period(json_t *root, rk_manifest *m, rk_err *err)
{
    json_t *bp = json_object_get(root, "billingPeriod");
    if (!bp || json_is_null(bp)) return RK_OK;
    if (json_is_string(bp)) {
        /* "2024-09" */
        char tmp[32];
        const char *s = json_string_value(bp);
        if (strlen(s) == 7) {
            snprintf(tmp, sizeof tmp, "%s-01", s);
            if (rk_time_parse(tmp, strlen(tmp), &m->period_start) == RK_OK) {
                m->period_end = rk_time_add_months(m->period_start, 1);
                return RK_OK;
            }
        }
        return rk_err_set(err, RK_EBADDATA, "manifest field \"billingPeriod\" is not a period: \"%s\"", s);
    }
    if (!json_is_object(bp))
        return rk_err_set(err, RK_EBADDATA, "manifest field \"billingPeriod\" must be an object");
    static const char *const ends[2] = {"start", "end"};
    int64_t *dst[2] = {&m->period_start, &m->period_end};
    for (int k = 0; k < 2; k++) {
        json_t *v = json_object_get(bp, ends[k]);
        if (!v) continue;
        if (!json_is_string(v) ||
            rk_time_parse(json_string_value(v), json_string_length(v), dst[k]) != RK_OK)
            return rk_err_set(err, RK_EBADDATA,
                              "manifest field \"billingPeriod.%s\" must be a timestamp such as "
                              "20250301T000000.000Z",
                              ends[k]);
    }
    return RK_OK;
}

static rk_status parse_cols(json_t *root, rk_manifest *m, rk_err *err)
{
    json_t *arr = json_object_get(root, "columns");
    if (!arr || json_is_null(arr)) return RK_OK;
    if (!json_is_array(arr)) return rk_err_set(err, RK_EBADDATA, "manifest field \"columns\" must be an array");
    size_t n = json_array_size(arr);
    m->cols = calloc(n ? n : 1, sizeof *m->cols);
    if (!m->cols) return rk_err_set(err, RK_ENOMEM, "out of memory");
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_object(v))
            return rk_err_set(err, RK_EBADDATA, "manifest field \"columns\" item %zu must be an object", i + 1);
        rk_manifest_col *c = &m->cols[m->ncols++];
        RK_TRY(opt_str(v, "category", &c->category, err));
        RK_TRY(opt_str(v, "name", &c->name, err));
        RK_TRY(opt_str(v, "type", &c->type, err));
        if (!c->name)
            return rk_err_set(err, RK_EBADDATA, "manifest field \"columns\" item %zu has no name", i + 1);
    }
    return RK_OK;
}

rk_status rk_manifest_parse(const char *json, size_t len, rk_manifest *out, rk_err *err)
{
    memset(out, 0, sizeof *out);
    if (len > RK_MANIFEST_MAX)
        return rk_err_set(err, RK_ELIMIT, "manifest is larger than %u bytes", RK_MANIFEST_MAX);
    json_error_t je;
    json_t *root = json_loadb(json, len, 0, &je);
    if (!root)
        return rk_err_set(err, RK_EBADDATA, "manifest is not valid JSON (line %d, column %d: %s)",
                          je.line, je.column, je.text);
    rk_status st = RK_OK;
    if (!json_is_object(root)) {
        st = rk_err_set(err, RK_EBADDATA, "manifest must be a JSON object");
        goto done;
    }
    char *exec = NULL;
    if ((st = opt_str(root, "assemblyId", &out->delivery_id, err)) != RK_OK) goto done;
    if ((st = opt_str(root, "executionId", &exec, err)) != RK_OK) goto done;
    if (exec) {
        out->has_execution_id = 1;
        free(out->delivery_id);
        out->delivery_id = exec;
    }
    if ((st = opt_str(root, "account", &out->account, err)) != RK_OK) goto done;
    if ((st = opt_str(root, "reportName", &out->report_name, err)) != RK_OK) goto done;
    if (!out->report_name && (st = opt_str(root, "exportName", &out->report_name, err)) != RK_OK) goto done;
    if ((st = opt_str(root, "reportId", &out->report_id, err)) != RK_OK) goto done;
    if ((st = opt_str(root, "bucket", &out->bucket, err)) != RK_OK) goto done;
    if ((st = opt_str(root, "compression", &out->compression, err)) != RK_OK) goto done;
    if ((st = opt_str(root, "contentType", &out->content_type, err)) != RK_OK) goto done;
    if ((st = parse_period(root, out, err)) != RK_OK) goto done;
    if ((st = parse_keys(root, out, err)) != RK_OK) goto done;
    if ((st = parse_cols(root, out, err)) != RK_OK) goto done;
done:
    json_decref(root);
    if (st != RK_OK) rk_manifest_free(out);
    return st;
}

void rk_manifest_free(rk_manifest *m)
{
    free(m->delivery_id);
    free(m->account);
    free(m->report_name);
    free(m->report_id);
    free(m->bucket);
    free(m->compression);
    free(m->content_type);
    for (size_t i = 0; i < m->nkeys; i++) free(m->keys[i]);
    free(m->keys);
    for (size_t i = 0; i < m->ncols; i++) {
        free(m->cols[i].category);
        free(m->cols[i].name);
        free(m->cols[i].type);
    }
    free(m->cols);
    memset(m, 0, sizeof *m);
}
