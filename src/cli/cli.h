/* cli.h — the reckon command line. main() only calls rk_cli_main.
 *
 * Exit codes: 0 success; 1 the command ran but found problems (a period
 * failed or is not supported, nothing matched); 2 usage error; 3 could not
 * run (workspace, I/O). Each verb prints its help with --help.
 */
#ifndef RK_CLI_H
#define RK_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analytics/query.h"
#include "common/err.h"

#define RK_EXIT_OK 0
#define RK_EXIT_PROBLEMS 1
#define RK_EXIT_USAGE 2
#define RK_EXIT_FATAL 3

typedef struct rk_cli {
    const char *data; /* workspace folder */
    bool quiet;
} rk_cli;

int rk_cli_main(int argc, char **argv);

int rk_cmd_ingest(rk_cli *cli, int argc, char **argv);
int rk_cmd_status(rk_cli *cli, int argc, char **argv);
int rk_cmd_report(rk_cli *cli, int argc, char **argv);
int rk_cmd_prefer(rk_cli *cli, int argc, char **argv);
int rk_cmd_generate(rk_cli *, int, char **);
int rk_cmd_demo(rk_cli *, int, char **);
int rk_cmd_config(rk_cli *, int, char **);
int rk_cmd_notify(rk_cli *, int, char **);
int rk_cmd_commitments(rk_cli *, int, char **);
int rk_cmd_connect(rk_cli *, int, char **);
int rk_cmd_sync(rk_cli *, int, char **);
/* Sub-verbs of `reckon connect`, dispatched by rk_cmd_connect (cmd_connect.c):
 * `template` (cmd_connect_template.c) and `aws` (cmd_connect_aws.c). */
int rk_cmd_connect_template(rk_cli *, int, char **);
int rk_cmd_connect_aws(rk_cli *, int, char **);

/* Prints "reckon: msg" to stderr and returns the exit code. */
int rk_cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when argv has -h/--help before any "--". */
bool rk_cli_wants_help(int argc, char **argv);
/* YYYY-MM-DD, YYYY-MM or a timestamp, in ms (usage error otherwise). */
rk_status rk_cli_parse_date(const char *s, int64_t *ms, rk_err *err);
/* "a,b,c" -> {"a","b","c"}; each string and the array are the caller's. */
char **rk_cli_split_list(const char *s, size_t *n);

/* The time options every report verb shares. getopt codes: 'F' --from,
 * 'T' --to, 'g' --granularity. */
typedef struct rk_cli_range {
    bool has_from, has_to;
    int64_t from, to; /* ms; to is exclusive */
    rk_gran gran;
} rk_cli_range;
/* 1 when c was one of those options (parsed into r), 0 when it is another
 * option, -1 on a bad value (err says which). */
int rk_cli_range_opt(int c, const char *arg, rk_cli_range *r, rk_err *err);
/* After parsing: --to must come after --from. */
rk_status rk_cli_range_check(const rk_cli_range *r, rk_err *err);
/* --filter DIM=VALUE[,VALUE...]: *dim and *values (n) are the caller's. */
rk_status rk_cli_filter_arg(const char *arg, char **dim, char ***values, size_t *n, rk_err *err);

#endif
