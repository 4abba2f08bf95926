/* cmd_generate.c — `reckon generate OUTDIR`: a synthetic organization's CUR,
 * laid out as AWS delivers it, for demos, tests and benchmarks. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "common/buf.h"
#include "gen/gen.h"

static const char help[] =
    "Usage: reckon generate [OPTIONS] OUTDIR\n"
    "\n"
    "Writes into OUTDIR the folder a CUR bucket would hold for a synthetic organization:\n"
    "a payer and linked accounts running EC2 (on-demand, Spot, covered by Reserved\n"
    "Instances and Savings Plans), RDS, ElastiCache, Fargate, Lambda, S3, data transfer,\n"
    "CloudWatch and a Marketplace subscription, with RI and SP fees and purchases,\n"
    "support, tax, credits, refunds and an EDP discount. Usage follows a weekday/weekend\n"
    "cycle and grows; a migration mid-window leaves an RI underused; an RI expires in the\n"
    "last month. Every amount is exact and the cost identities hold in every period.\n"
    "The same options always give byte-identical files.\n"
    "\n"
    "Options:\n"
    "  --seed N                 random seed (default 1)\n"
    "  --months N               billing periods to write (default 3)\n"
    "  --end YYYY-MM            the last period (default: last month)\n"
    "  --accounts N             accounts, the first being the payer (default 8)\n"
    "  --scale X                multiplies resources; rows grow with it (default 1: about\n"
    "                           190,000 rows a month, hourly; 14 about 2 million; 70 about\n"
    "                           10 million, in flat memory)\n"
    "  --format F               legacy-csv (default), cur2-csv, athena-parquet (legacy CUR\n"
    "                           with the Athena integration: year=/month= Parquet) or\n"
    "                           cur2-parquet; a Parquet format holds the same rows and\n"
    "                           values as its CSV twin (legacy-csv, cur2-csv)\n"
    "  --versioning V           overwrite (default) or new-version (assembly folders; not\n"
    "                           with athena-parquet, which always overwrites)\n"
    "  --granularity G          hourly (default) or daily\n"
    "  --bucket NAME            bucket named in the manifests (default acme-cur)\n"
    "  --prefix P               report prefix (default cur; \"\" for none)\n"
    "  --report NAME            report or export name (default acme-hourly)\n"
    "  --rows-per-part N        split a period into parts of N rows (default 1000000)\n"
    "  --rows-per-group N       Parquet rows per row group (default 131072)\n"
    "  --threads N              months generated at once (default: one per core)\n"
    "  --json                   print the summary as JSON\n"
    "  -h, --help               this help\n"
    "\n"
    "Then: reckon ingest OUTDIR\n"
    "\n"
    "Exit status: 0 done, 2 usage error, 3 could not write.\n";

typedef struct gprog {
    bool tty;
    size_t last_len;
} gprog;

static void on_progress(void *ctx, const rk_gen_progress *p)
{
    gprog *g = ctx;
    if (!g->tty) return;
    char rows[32], line[200];
    rk_count(p->rows, rows, sizeof rows);
    int len = snprintf(line, sizeof line, "\rgenerating: month %u of %u, %s rows, %.1f MB", p->month + 1, p->months, rows,
                       (double)p->bytes / 1e6);
    fputs(line, stderr);
    if ((size_t)len < g->last_len) fprintf(stderr, "%*s", (int)(g->last_len - (size_t)len), "");
    g->last_len = (size_t)len;
    fflush(stderr);
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *e;
    if (!*s || *s == '-') return false;
    unsigned long long v = strtoull(s, &e, 10);
    if (*e) return false;
    *out = v;
    return true;
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
    uint64_t v;
    if (!parse_u64(s, &v) || v < (uint64_t)lo || v > (uint64_t)hi) return false;
    *out = (int)v;
    return true;
}

int rk_cmd_generate(rk_cli *cli, int argc, char **argv)
{
    if (rk_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return RK_EXIT_OK;
    }
    static const struct option longopts[] = {
        {"seed", required_argument, 0, 's'},        {"months", required_argument, 0, 'm'},
        {"end", required_argument, 0, 'e'},         {"accounts", required_argument, 0, 'a'},
        {"scale", required_argument, 0, 'x'},       {"format", required_argument, 0, 'f'},
        {"versioning", required_argument, 0, 'v'},  {"granularity", required_argument, 0, 'g'},
        {"bucket", required_argument, 0, 'b'},      {"prefix", required_argument, 0, 'p'},
        {"report", required_argument, 0, 'r'},      {"rows-per-part", required_argument, 0, 'n'},
        {"threads", required_argument, 0, 't'},     {"json", no_argument, 0, 'j'},
        {"rows-per-group", required_argument, 0, 'G'},
        {0, 0, 0, 0}};
    rk_gen_opts o;
    rk_gen_opts_default(&o);
    bool json = false;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (!parse_u64(optarg, &o.seed)) return rk_cli_fail(RK_EXIT_USAGE, "--seed takes a non-negative integer");
            break;
        case 'm':
            if (!parse_int(optarg, 1, 60, &o.months)) return rk_cli_fail(RK_EXIT_USAGE, "--months takes 1 to 60");
            break;
        case 'e': {
            int y, mo;
            char tail;
            if (sscanf(optarg, "%4d-%2d%c", &y, &mo, &tail) != 2 || strlen(optarg) != 7 || mo < 1 || mo > 12 || y < 1990)
                return rk_cli_fail(RK_EXIT_USAGE, "--end takes a month as YYYY-MM, e.g. 2025-03");
            o.end_year = y;
            o.end_month = mo;
            break;
        }
        case 'a':
            if (!parse_int(optarg, 1, 999, &o.accounts)) return rk_cli_fail(RK_EXIT_USAGE, "--accounts takes 1 to 999");
            break;
        case 'x': {
            char *e;
            o.scale = strtod(optarg, &e);
            if (*e || !(o.scale > 0) || o.scale > 100000)
                return rk_cli_fail(RK_EXIT_USAGE, "--scale takes a number above 0 (e.g. 0.2, 1, 50)");
            break;
        }
        case 'f':
            if (rk_gen_format_parse(optarg, &o.format) != RK_OK)
                return rk_cli_fail(RK_EXIT_USAGE, "--format must be legacy-csv, cur2-csv, athena-parquet or cur2-parquet");
            break;
        case 'v':
            if (strcmp(optarg, "overwrite") == 0) o.versioning = RK_GEN_OVERWRITE;
            else if (strcmp(optarg, "new-version") == 0) o.versioning = RK_GEN_NEW_VERSION;
            else return rk_cli_fail(RK_EXIT_USAGE, "--versioning must be overwrite or new-version");
            break;
        case 'g':
            if (strcmp(optarg, "hourly") == 0) o.granularity = RK_GEN_HOURLY;
            else if (strcmp(optarg, "daily") == 0) o.granularity = RK_GEN_DAILY;
            else return rk_cli_fail(RK_EXIT_USAGE, "--granularity must be hourly or daily");
            break;
        case 'b': o.bucket = optarg; break;
        case 'p': o.prefix = optarg; break;
        case 'r': o.report = optarg; break;
        case 'n':
            if (!parse_u64(optarg, &o.rows_per_part) || o.rows_per_part < 1)
                return rk_cli_fail(RK_EXIT_USAGE, "--rows-per-part takes a positive integer");
            break;
        case 't':
            if (!parse_int(optarg, 1, 64, &o.threads)) return rk_cli_fail(RK_EXIT_USAGE, "--threads takes 1 to 64");
            break;
        case 'G':
            if (!parse_u64(optarg, &o.rows_per_group) || o.rows_per_group < 1 || o.rows_per_group > 100000000)
                return rk_cli_fail(RK_EXIT_USAGE, "--rows-per-group takes 1 to 100000000");
            break;
        case 'j': json = true; break;
        default:
            return rk_cli_fail(RK_EXIT_USAGE, "unknown option %s; see `reckon generate --help`", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return rk_cli_fail(RK_EXIT_USAGE, "generate takes one OUTDIR; see `reckon generate --help`");
    o.outdir = argv[optind];
    gprog pg = {.tty = !cli->quiet && !json && isatty(STDERR_FILENO)};
    o.progress = on_progress;
    o.progress_ctx = &pg;
    rk_gen_result res;
    rk_err err = {0};
    double t0 = mono();
    rk_status st = rk_gen_run(&o, &res, &err);
    double secs = mono() - t0;
    if (pg.tty && pg.last_len) fprintf(stderr, "\r%*s\r", (int)pg.last_len, "");
    if (st != RK_OK) {
        int code = (st == RK_EUSAGE || st == RK_EUNSUPPORTED) ? RK_EXIT_USAGE : RK_EXIT_FATAL;
        return rk_cli_fail(code, "%s", err.msg);
    }
    if (json) {
        rk_buf b;
        rk_buf_init(&b, (size_t)1 << 26);
        rk_buf_puts(&b, "{\"outdir\":");
        rk_json_str(&b, o.outdir);
        rk_buf_puts(&b, ",\"report\":");
        rk_json_str(&b, res.report_path);
        rk_buf_printf(&b, ",\"format\":\"%s\",\"seed\":%llu,\"accounts\":%u,\"resources\":%u,\"reservations\":%u,"
                          "\"savings_plans\":%u,\"rows\":%llu,\"bytes\":%llu,\"seconds\":%.3f,\"months\":[",
                      rk_gen_format_name(o.format), (unsigned long long)o.seed, res.accounts, res.resources,
                      res.reservations, res.savings_plans, (unsigned long long)res.rows,
                      (unsigned long long)res.bytes, secs);
        for (size_t i = 0; i < res.nmonths; i++) {
            const rk_gen_month *m = &res.months[i];
            rk_buf_printf(&b, "%s{\"period\":\"%s\",\"rows\":%llu,\"parts\":%u,\"bytes\":%llu,\"unblended\":%s}",
                          i ? "," : "", m->period, (unsigned long long)m->rows, m->parts, (unsigned long long)m->bytes,
                          m->unblended);
        }
        rk_buf_puts(&b, "]}\n");
        fputs(b.p, stdout);
        rk_buf_free(&b);
    } else {
        printf("reckon generate %s  (%s, seed %llu, %u accounts, %u resources, %u RIs, %u Savings Plans)\n", o.outdir,
               rk_gen_format_name(o.format), (unsigned long long)o.seed, res.accounts, res.resources, res.reservations,
               res.savings_plans);
        rk_table t;
        rk_table_init(&t, 5);
        rk_table_header(&t, 0, "PERIOD", false);
        rk_table_header(&t, 1, "ROWS", true);
        rk_table_header(&t, 2, "PARTS", true);
        rk_table_header(&t, 3, "SIZE", true);
        rk_table_header(&t, 4, "UNBLENDED", true);
        for (size_t i = 0; i < res.nmonths; i++) {
            const rk_gen_month *m = &res.months[i];
            char rows[32], parts[16], size[32], money[64];
            rk_count(m->rows, rows, sizeof rows);
            snprintf(parts, sizeof parts, "%u", m->parts);
            snprintf(size, sizeof size, "%.1f MB", (double)m->bytes / 1e6);
            rk_dec d;
            rk_dec_parse(m->unblended, strlen(m->unblended), &d, NULL);
            rk_money(rk_dec_to18(d), "USD", money, sizeof money);
            const char *cells[5] = {m->period, rows, parts, size, money};
            rk_table_row(&t, cells);
        }
        rk_table_print(&t, stdout, 2);
        rk_table_free(&t);
        char rows[32];
        rk_count(res.rows, rows, sizeof rows);
        printf("%s rows in %.1f s (%.0f rows/s), %.1f MB, under %s/%s\n", rows, secs, secs > 0 ? (double)res.rows / secs : 0,
               (double)res.bytes / 1e6, o.outdir, res.report_path);
        printf("Next: reckon ingest %s\n", o.outdir);
    }
    rk_gen_result_free(&res);
    return RK_EXIT_OK;
}
