#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/out.h"
#include "ingest/ingest.h"

static const char help[] =
    "Usage: reckon ingest [OPTIONS] PATH\n"
    "       reckon ingest [OPTIONS] s3://BUCKET[/PREFIX]\n"
    "\n"
    "Discovers every billing period in PATH, a local folder that mirrors the S3 bucket (or\n"
    "any prefix of it) where AWS delivers your Cost and Usage Report, or in the bucket\n"
    "itself, and loads each period whose delivery changed since the last ingest. Recognised:\n"
    "  legacy CUR (CSV .csv.gz/.csv.zip/.csv), create-new-version and overwrite layouts,\n"
    "  read exactly as the period's manifest lists them; CUR 2.0 Data Exports in CSV;\n"
    "  CSV files without a manifest (their billing period comes from the rows); Parquet\n"
    "  deliveries (the Athena integration's year=/month= folders, CUR 2.0 Parquet exports,\n"
    "  Parquet files without a manifest), read by reckon's own decoder. While an Athena\n"
    "  report's status file says UPDATING, its changed months wait for the next run.\n"
    "A period that fails keeps its previous delivery; the others are still loaded.\n"
    "\n"
    "Options:\n"
    "  --format table|json   summary format (default table)\n"
    "  --threads N           worker threads (default: one per core)\n"
    "  --verbose             also list the files that were ignored, and why\n"
    "  --inflate zlib|isal   force a gzip implementation (default: ISA-L when built with it)\n"
    "  -h, --help            this help\n"
    "\n"
    "Reading s3:// (credentials, region and endpoint as the AWS CLI finds them: the\n"
    "AWS_* environment variables, then ~/.aws/credentials and ~/.aws/config):\n"
    "  --profile NAME        a profile of ~/.aws/credentials or ~/.aws/config (may\n"
    "                        assume a role: role_arn, source_profile, external_id)\n"
    "  --region REGION       the bucket's region (default: AWS_REGION, the profile's,\n"
    "                        else us-east-1; a bucket elsewhere is followed)\n"
    "  --endpoint-url URL    an S3-compatible store (path-style requests)\n"
    "  --role-arn ARN        assume this role (STS AssumeRole) with those credentials\n"
    "  --external-id ID      the external ID the role's trust policy requires\n"
    "Objects are streamed, checked against the listing (size, ETag), and resumed where a\n"
    "connection broke; throttling, 5xx answers and stalls are retried with backoff.\n"
    "\n"
    "Exit status: 0 when every period is loaded or unchanged, 1 when some failed or are\n"
    "not supported, 2 on a usage error (a role or profile that cannot be used included),\n"
    "3 when the workspace or the bucket cannot be read.\n";

int rk_cmd_ingest(rk_cli *cli, int argc, char **argv)
{
    if (rk_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return RK_EXIT_OK;
    }
    static const struct option longopts[] = {{"format", required_argument, 0, 'f'},
                                              {"threads", required_argument, 0, 't'},
                                              {"verbose", no_argument, 0, 'v'},
                                              {"inflate", required_argument, 0, 'i'},
                                              {"profile", required_argument, 0, 'P'},
                                              {"region", required_argument, 0, 'R'},
                                              {"endpoint-url", required_argument, 0, 'E'},
                                              {"role-arn", required_argument, 0, 'A'},
                                              {"external-id", required_argument, 0, 'X'},
                                              {0, 0, 0, 0}};
    rk_outfmt fmt = RK_FMT_TABLE;
    rk_ingest_opts opts = {0};
    rk_aws_opts aws = {0};
    bool verbose = false;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (rk_outfmt_parse(optarg, &fmt) != 0 || fmt == RK_FMT_CSVOUT)
                return rk_cli_fail(RK_EXIT_USAGE, "--format must be table or json");
            break;
        case 't': opts.threads = atoi(optarg); break;
        case 'v': verbose = true; break;
        case 'i':
            if (strcmp(optarg, "zlib") == 0) opts.inflate = RK_INFLATE_ZLIB;
            else if (strcmp(optarg, "isal") == 0) opts.inflate = RK_INFLATE_ISAL;
            else return rk_cli_fail(RK_EXIT_USAGE, "--inflate must be zlib or isal");
            break;
        case 'P': aws.profile = optarg; break;
        case 'R': aws.region = optarg; break;
        case 'E': aws.endpoint_url = optarg; break;
        case 'A': aws.role_arn = optarg; break;
        case 'X': aws.external_id = optarg; break;
        default: return rk_cli_fail(RK_EXIT_USAGE, "unknown option %s; see `reckon ingest --help`", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return rk_cli_fail(RK_EXIT_USAGE, "ingest takes one PATH; see `reckon ingest --help`");
    const char *path = argv[optind];
    bool s3 = strncmp(path, "s3://", 5) == 0;
    if (!s3 && (aws.profile || aws.region || aws.endpoint_url || aws.role_arn || aws.external_id))
        return rk_cli_fail(RK_EXIT_USAGE, "--profile, --region, --endpoint-url, --role-arn and --external-id are for "
                                          "s3:// URLs; %s is a local path",
                           path);
    rk_err err = {0};
    rk_source *src;
    if (rk_source_open_uri(path, &aws, &src, &err) != RK_OK)
        return rk_cli_fail(err.code == RK_EUSAGE || !s3 ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    rk_ws *ws;
    if (rk_ws_open(cli->data, RK_WS_WRITE, &ws, &err) != RK_OK) {
        rk_source_close(src);
        return rk_cli_fail(err.code == RK_EUSAGE ? RK_EXIT_USAGE : RK_EXIT_FATAL, "%s", err.msg);
    }
    rk_progress pg = {.tty = !cli->quiet && isatty(STDERR_FILENO), .t0 = rk_mono()};
    opts.progress = rk_progress_cb;
    opts.progress_ctx = &pg;
    opts.command = "ingest";
    rk_ingest_result res;
    double t0 = rk_mono();
    rk_status st = rk_ingest(ws, src, &opts, &res, &err);
    double secs = rk_mono() - t0;
    rk_aws_stats s3st;
    bool have_s3 = rk_source_aws_stats(src, &s3st);
    rk_source_close(src);
    rk_ws_close(ws);
    if (st != RK_OK) return rk_cli_fail(RK_EXIT_FATAL, "%s", err.msg);
    rk_period_results_sort(res.v, res.n);
    const rk_run_counts *k = &res.counts;
    if (fmt == RK_FMT_JSONOUT) {
        rk_buf b;
        rk_buf_init(&b, (size_t)1 << 30);
        rk_buf_printf(&b, "{\"run\":%lld,\"seconds\":%.3f,\"ingested\":%u,\"unchanged\":%u,\"failed\":%u,"
                          "\"unsupported\":%u,\"waiting\":%u,\"rows\":%llu,\"ignored_files\":%u,\"periods\":",
                      (long long)res.run_id, secs, k->ingested, k->unchanged, k->failed, k->unsupported, k->waiting,
                      (unsigned long long)k->rows, k->ignored_files);
        rk_period_results_json(&b, res.v, res.n);
        rk_buf_puts(&b, ",\"ignored\":[");
        for (size_t i = 0; i < res.disc.nignored; i++) {
            rk_buf_puts(&b, i ? ",{\"key\":" : "{\"key\":");
            rk_json_str(&b, res.disc.ignored[i].key);
            rk_buf_puts(&b, ",\"why\":");
            rk_json_str(&b, res.disc.ignored[i].why);
            rk_buf_putc(&b, '}');
        }
        rk_buf_puts(&b, "]");
        if (have_s3)
            rk_buf_printf(&b, ",\"s3\":{\"requests\":%llu,\"retries\":%llu,\"resumes\":%llu,\"bytes\":%llu,"
                              "\"assume_role\":%llu}",
                          (unsigned long long)s3st.requests, (unsigned long long)s3st.retries,
                          (unsigned long long)s3st.resumes, (unsigned long long)s3st.bytes,
                          (unsigned long long)s3st.assume_role);
        rk_buf_puts(&b, "}\n");
        fputs(b.p, stdout);
        rk_buf_free(&b);
    } else {
        printf("reckon ingest %s\n", path);
        if (res.n == 0) printf("  No CUR data found in %s (looked for manifests, .csv/.csv.gz/.csv.zip and .parquet files).\n", path);
        rk_period_results_table(res.v, res.n, stdout);
        if (res.disc.nignored) {
            if (verbose) {
                printf("Ignored files:\n");
                for (size_t i = 0; i < res.disc.nignored; i++)
                    printf("  %s  (%s)\n", res.disc.ignored[i].key, res.disc.ignored[i].why);
            } else {
                printf("Ignored %zu file%s that belong to no current delivery (--verbose lists them).\n",
                       res.disc.nignored, res.disc.nignored == 1 ? "" : "s");
            }
        }
        char rows[32];
        rk_count(k->rows, rows, sizeof rows);
        printf("%u ingested, %u unchanged, %u failed, %u not supported; %s rows in %.1f s.\n", k->ingested,
               k->unchanged, k->failed, k->unsupported, rows, secs);
        if (have_s3 && (verbose || s3st.retries || s3st.resumes)) {
            char bb[32];
            rk_fmt_bytes(s3st.bytes, bb, sizeof bb);
            printf("S3: %llu requests, %s downloaded, %llu retried, %llu resumed mid-object.\n",
                   (unsigned long long)s3st.requests, bb, (unsigned long long)s3st.retries,
                   (unsigned long long)s3st.resumes);
        }
        if (k->waiting)
            printf("%u period%s waiting for AWS to finish updating (read on the next run).\n", k->waiting,
                   k->waiting == 1 ? "" : "s");
        if (k->failed) printf("Failed periods kept their previous delivery. Fix the files named above and run the ingest again.\n");
    }
    int rc = (k->failed || k->unsupported) ? RK_EXIT_PROBLEMS : RK_EXIT_OK;
    rk_ingest_result_free(&res);
    return rc;
}
