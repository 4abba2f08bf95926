/* select.h — which delivery answers for each payer and billing period.
 *
 * Several reports can cover the same payer and month (a live CUR and older
 * CSV exports dropped in the same bucket, a legacy CUR and a CUR 2.0 export).
 * Exactly one is used, never both summed. The rule, first difference wins:
 *   1. a report the user pinned with `reckon prefer` (payer+period, payer,
 *      period, or everywhere: the most specific pin first);
 *   2. an AWS delivery with a manifest over CSV files without one;
 *   3. the finer granularity (hourly over daily over monthly);
 *   4. with resource IDs over without;
 *   5. the newer delivery (its newest data file);
 *   6. the report name, alphabetically (only to be deterministic).
 * It is computed from the catalog each time, so a pin takes effect at once
 * and `reckon status` shows the same choice the reports use.
 */
#ifndef RK_SELECT_H
#define RK_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/catalog.h"

typedef struct rk_cand {
    int64_t delivery;
    int64_t report_id;
    int64_t source_id; /* the folder or bucket it came from */
    char *report;  /* display: path/name */
    char *format;
    bool manifest;
    char *granularity;
    bool resource_ids;
    int64_t delivered_at, ingested_at;
    char *delivery_id;
    char *segment; /* file name */
    uint64_t rows;  /* of this payer */
    char *unblended, *amortized;
    char *currency;
    int pin; /* 0 none; 4 payer+period … 1 everywhere */
} rk_cand;

typedef struct rk_choice {
    char *payer;
    char *period;
    rk_cand *c; /* sorted best first: c[0] is used */
    size_t nc;
    char *reason; /* why c[0] over c[1]; NULL when alone */
} rk_choice;

typedef struct rk_active {
    int64_t delivery;
    int64_t source_id;
    char *segment;
    char *period;
    bool all_payers;
    char **payers; /* when !all_payers: the payers this delivery answers for */
    size_t npayers;
} rk_active;

typedef struct rk_selection {
    rk_choice *choices;
    size_t nchoices;
    rk_active *active;
    size_t nactive;
} rk_selection;

rk_status rk_ws_select(rk_ws *ws, rk_selection *out, rk_err *err);
void rk_selection_free(rk_selection *s);
/* Keeps the choices won by, and the deliveries of, one source (a folder or a
 * connection's bucket): what that source contributes to the reports. */
void rk_selection_keep_source(rk_selection *s, int64_t source_id);

/* Pins report_id for (payer, period); NULL means every payer / period. */
rk_status rk_ws_prefer(rk_ws *ws, int64_t report_id, const char *payer, const char *period, rk_err *err);
/* Removes pins matching (payer, period); NULL matches only the '*' pin. */
rk_status rk_ws_prefer_clear(rk_ws *ws, const char *payer, const char *period, int *removed, rk_err *err);

#endif
