/* status.h — what `reckon status` shows, read from the catalog. */
#ifndef RK_STATUS_H
#define RK_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/catalog.h"

typedef struct rk_src_status {
    int64_t id;
    char *kind, *uri;
    int64_t last_run, last_start, last_end;
    char *last_status;
    unsigned ingested, unchanged, failed, unsupported;
} rk_src_status;

typedef struct rk_period_issue {
    int64_t report_id;
    char *report, *format, *period;
    char *status; /* failed, unsupported */
    char *message;
    int64_t at;
    bool has_current; /* an older delivery is still used */
} rk_period_issue;

typedef struct rk_report_info {
    int64_t id;
    int64_t source_id;
    char *display, *format, *path, *name;
    bool manifest;
} rk_report_info;

typedef struct rk_pin {
    char *payer, *period;
    int64_t report_id;
} rk_pin;

typedef struct rk_ws_status {
    rk_src_status *sources;
    size_t nsources;
    rk_report_info *reports;
    size_t nreports;
    rk_period_issue *issues;
    size_t nissues;
    rk_pin *pins;
    size_t npins;
} rk_ws_status;

rk_status rk_ws_status_read(rk_ws *ws, rk_ws_status *out, rk_err *err);
void rk_ws_status_free(rk_ws_status *s);
/* "path/name" as people see a report. */
void rk_report_display(const char *path, const char *name, char *out, size_t cap);

#endif
