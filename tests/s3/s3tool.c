/* s3tool — drives reckon's S3 client and S3 source from the tests.
 *
 *   s3tool [OPTIONS] ls s3://BUCKET/PREFIX        keys (relative), sizes, ETags
 *   s3tool [OPTIONS] get s3://BUCKET/KEY [OFF]    the object from OFF to stdout
 *   s3tool [OPTIONS] range s3://BUCKET/KEY OFF LEN
 *   s3tool [OPTIONS] head s3://BUCKET/KEY
 *   s3tool [OPTIONS] location BUCKET
 *   s3tool [OPTIONS] whoami
 *   s3tool [OPTIONS] par s3://BUCKET/PREFIX KEY THREADS CHUNK
 *       THREADS threads read KEY through the source in CHUNK-byte ranges,
 *       each its share, and one thread streams it; prints the SHA-256 of
 *       both (they must agree) — a concurrency check of one source.
 *   s3tool [OPTIONS] pages s3://BUCKET/PREFIX MAXKEYS [DELIMITER]
 *       ListObjectsV2 itself, MAXKEYS a page: "key SIZE" and "prefix P" lines
 *   s3tool [OPTIONS] heads s3://BUCKET/KEY THREADS N
 *       THREADS threads each send N HeadObject requests through one session
 *       (credentials renewed under them); prints the number that succeeded.
 * OPTIONS: --endpoint-url URL --profile P --region R --role-arn A --external-id X
 * The session's counters go to stderr as "stats requests=… retries=…
 * resumes=… bytes=… assume_role=…". Exit 0 on success, 1 with the error.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/s3.h"
#include "source/source.h"

static rk_aws_opts opts;

static int fail(const rk_err *e)
{
    fprintf(stderr, "s3tool: %s\n", e->msg);
    return 1;
}

static void split(const char *uri, char *bucket, size_t bcap, const char **key)
{
    const char *b = uri + 5;
    size_t n = strcspn(b, "/");
    snprintf(bucket, bcap, "%.*s", (int)n, b);
    *key = b[n] ? b + n + 1 : "";
}

static void stats(rk_aws *a)
{
    rk_aws_stats s = rk_aws_get_stats(a);
    fprintf(stderr, "stats requests=%llu retries=%llu resumes=%llu bytes=%llu assume_role=%llu\n",
            (unsigned long long)s.requests, (unsigned long long)s.retries, (unsigned long long)s.resumes,
            (unsigned long long)s.bytes, (unsigned long long)s.assume_role);
}

typedef struct par {
    rk_source *src;
    const char *key;
    uint64_t size, chunk;
    int id, n;
    uint8_t *out;
    rk_err err;
    rk_status st;
} par;

static void *par_thread(void *arg)
{
    par *p = arg;
    for (uint64_t off = (uint64_t)p->id * p->chunk; off < p->size && p->st == RK_OK;
         off += (uint64_t)p->n * p->chunk) {
        size_t len = (size_t)(p->size - off < p->chunk ? p->size - off : p->chunk);
        p->st = rk_source_read_range(p->src, p->key, off, p->out + off, len, &p->err);
    }
    return NULL;
}

static void hex_sha(const uint8_t *d, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int l;
    EVP_Digest(d, n, md, &l, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", md[i]);
}

static int cmd_par(int argc, char **argv)
{
    if (argc != 5) return fprintf(stderr, "par s3://BUCKET/PREFIX KEY THREADS CHUNK\n"), 2;
    rk_err err = {0};
    rk_source *src;
    if (rk_source_open_uri(argv[1], &opts, &src, &err) != RK_OK) return fail(&err);
    rk_object *objs;
    size_t n;
    if (rk_source_list(src, &objs, &n, &err) != RK_OK) return fail(&err);
    uint64_t size = 0;
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(objs[i].key, argv[2]) == 0) size = objs[i].size, found = true;
    rk_objects_free(objs, n);
    if (!found) return fprintf(stderr, "s3tool: %s not listed\n", argv[2]), 1;
    int threads = atoi(argv[3]);
    uint64_t chunk = strtoull(argv[4], NULL, 10);
    uint8_t *a = malloc(size + 1), *b = malloc(size + 1);
    par *ps = calloc((size_t)threads, sizeof *ps);
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    for (int i = 0; i < threads; i++) {
        ps[i] = (par){.src = src, .key = argv[2], .size = size, .chunk = chunk, .id = i, .n = threads, .out = a};
        pthread_create(&t[i], NULL, par_thread, &ps[i]);
    }
    /* meanwhile, a stream of the whole object on this thread */
    rk_in *in;
    size_t got = 0, total = 0;
    rk_status st = rk_source_open(src, argv[2], &in, &err);
    while (st == RK_OK && (st = rk_in_read(in, b + total, size + 1 - total, &got, &err)) == RK_OK && got) total += got;
    if (in && st == RK_OK) rk_in_close(in);
    int rc = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        if (ps[i].st != RK_OK) rc = fail(&ps[i].err);
    }
    if (st != RK_OK) rc = fail(&err);
    if (!rc && total != size) {
        fprintf(stderr, "s3tool: streamed %zu bytes of %llu\n", total, (unsigned long long)size);
        rc = 1;
    }
    if (!rc) {
        char ha[65], hb[65];
        hex_sha(a, size, ha);
        hex_sha(b, size, hb);
        printf("ranges %s\nstream %s\n", ha, hb);
    }
    rk_aws_stats s;
    if (rk_source_aws_stats(src, &s))
        fprintf(stderr, "stats requests=%llu retries=%llu resumes=%llu bytes=%llu assume_role=%llu\n",
                (unsigned long long)s.requests, (unsigned long long)s.retries, (unsigned long long)s.resumes,
                (unsigned long long)s.bytes, (unsigned long long)s.assume_role);
    rk_source_close(src);
    free(a);
    free(b);
    free(ps);
    free(t);
    return rc;
}

static rk_status print_obj(void *ctx, const rk_s3_obj *o, bool *stop, rk_err *err)
{
    (void)ctx, (void)stop, (void)err;
    printf("key %s\t%llu\n", o->key, (unsigned long long)o->size);
    return RK_OK;
}

static rk_status print_prefix(void *ctx, const char *p, bool *stop, rk_err *err)
{
    (void)ctx, (void)stop, (void)err;
    printf("prefix %s\n", p);
    return RK_OK;
}

static int cmd_pages(rk_aws *a, int argc, char **argv)
{
    if (argc < 3) return fprintf(stderr, "pages s3://BUCKET/PREFIX MAXKEYS [DELIMITER]\n"), 2;
    char bucket[256];
    const char *prefix;
    split(argv[1], bucket, sizeof bucket, &prefix);
    rk_err err = {0};
    rk_s3 *s;
    if (rk_s3_open(a, bucket, &s, &err) != RK_OK) return fail(&err);
    rk_s3_list_opts o = {.prefix = prefix, .delimiter = argc > 3 ? argv[3] : NULL, .max_keys = atoi(argv[2]),
                         .on_obj = print_obj, .on_prefix = print_prefix};
    int rc = rk_s3_list(s, &o, &err) == RK_OK ? 0 : fail(&err);
    rk_s3_close(s);
    return rc;
}

typedef struct heads {
    rk_s3 *s3;
    const char *key;
    int n, ok;
    rk_err err;
} heads;

static void *heads_thread(void *arg)
{
    heads *h = arg;
    for (int i = 0; i < h->n; i++) {
        rk_s3_obj o;
        if (rk_s3_head(h->s3, h->key, &o, &h->err) == RK_OK) h->ok++;
        rk_s3_obj_clear(&o);
    }
    return NULL;
}

static int cmd_heads(rk_aws *a, int argc, char **argv)
{
    if (argc != 4) return fprintf(stderr, "heads s3://BUCKET/KEY THREADS N\n"), 2;
    char bucket[256];
    const char *key;
    split(argv[1], bucket, sizeof bucket, &key);
    rk_err err = {0};
    rk_s3 *s;
    if (rk_s3_open(a, bucket, &s, &err) != RK_OK) return fail(&err);
    int threads = atoi(argv[2]), n = atoi(argv[3]), ok = 0, rc = 0;
    heads *h = calloc((size_t)threads, sizeof *h);
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    for (int i = 0; i < threads; i++) {
        h[i] = (heads){.s3 = s, .key = key, .n = n};
        pthread_create(&t[i], NULL, heads_thread, &h[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        ok += h[i].ok;
        if (h[i].ok != n) rc = fail(&h[i].err);
    }
    printf("%d\n", ok);
    free(h);
    free(t);
    rk_s3_close(s);
    return rc;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--endpoint-url") == 0) opts.endpoint_url = argv[i + 1];
        else if (strcmp(argv[i], "--profile") == 0) opts.profile = argv[i + 1];
        else if (strcmp(argv[i], "--region") == 0) opts.region = argv[i + 1];
        else if (strcmp(argv[i], "--role-arn") == 0) opts.role_arn = argv[i + 1];
        else if (strcmp(argv[i], "--external-id") == 0) opts.external_id = argv[i + 1];
        else return fprintf(stderr, "s3tool: unknown option %s\n", argv[i]), 2;
    }
    if (i >= argc) return fprintf(stderr, "usage: see the top of s3tool.c\n"), 2;
    const char *cmd = argv[i];
    argc -= i;
    argv += i;
    if (strcmp(cmd, "par") == 0) return cmd_par(argc, argv);
    rk_err err = {0};
    if (strcmp(cmd, "ls") == 0) {
        rk_source *src;
        if (argc != 2 || rk_source_open_uri(argv[1], &opts, &src, &err) != RK_OK) return fail(&err);
        rk_object *objs;
        size_t n;
        rk_status st = rk_source_list(src, &objs, &n, &err);
        if (st == RK_OK) {
            for (size_t k = 0; k < n; k++)
                printf("%s\t%llu\t%s\n", objs[k].key, (unsigned long long)objs[k].size, objs[k].etag ? objs[k].etag : "-");
            rk_objects_free(objs, n);
        }
        rk_aws_stats s;
        if (rk_source_aws_stats(src, &s))
            fprintf(stderr, "stats requests=%llu retries=%llu\n", (unsigned long long)s.requests,
                    (unsigned long long)s.retries);
        rk_source_close(src);
        return st == RK_OK ? 0 : fail(&err);
    }
    rk_aws *a;
    if (rk_aws_open(&opts, &a, &err) != RK_OK) return fail(&err);
    int rc = 0;
    if (strcmp(cmd, "heads") == 0) {
        rc = cmd_heads(a, argc, argv);
    } else if (strcmp(cmd, "pages") == 0) {
        rc = cmd_pages(a, argc, argv);
    } else if (strcmp(cmd, "whoami") == 0) {
        rk_aws_identity id;
        if (rk_aws_caller_identity(a, &id, &err) != RK_OK) rc = fail(&err);
        else printf("%s\t%s\t%s\n", id.account, id.arn, id.user_id);
    } else if (strcmp(cmd, "location") == 0 && argc == 2) {
        rk_s3 *s;
        char region[64];
        if (rk_s3_open(a, argv[1], &s, &err) != RK_OK || rk_s3_location(s, region, sizeof region, &err) != RK_OK)
            rc = fail(&err);
        else printf("%s\n", region);
        rk_s3_close(s);
    } else if ((strcmp(cmd, "get") == 0 || strcmp(cmd, "head") == 0 || strcmp(cmd, "range") == 0) && argc >= 2 &&
               strncmp(argv[1], "s3://", 5) == 0) {
        char bucket[256];
        const char *key;
        split(argv[1], bucket, sizeof bucket, &key);
        rk_s3 *s = NULL;
        if (rk_s3_open(a, bucket, &s, &err) != RK_OK) rc = fail(&err);
        else if (strcmp(cmd, "head") == 0) {
            rk_s3_obj o;
            if (rk_s3_head(s, key, &o, &err) != RK_OK) rc = fail(&err);
            else printf("%llu\t%s\t%lld\n", (unsigned long long)o.size, o.etag ? o.etag : "-", (long long)o.mtime_ms);
            rk_s3_obj_clear(&o);
        } else if (strcmp(cmd, "get") == 0) {
            rk_in *in;
            uint64_t off = argc > 2 ? strtoull(argv[2], NULL, 10) : 0;
            if (rk_s3_get(s, key, NULL, off, &in, &err) != RK_OK) rc = fail(&err);
            else {
                static uint8_t buf[1 << 16];
                size_t got;
                rk_status st;
                while ((st = rk_in_read(in, buf, sizeof buf, &got, &err)) == RK_OK && got) fwrite(buf, 1, got, stdout);
                if (st != RK_OK) rc = fail(&err);
                rk_in_close(in);
            }
        } else if (argc == 4) {
            uint64_t off = strtoull(argv[2], NULL, 10);
            size_t len = strtoull(argv[3], NULL, 10);
            uint8_t *buf = malloc(len ? len : 1);
            if (rk_s3_read_range(s, key, NULL, off, buf, len, &err) != RK_OK) rc = fail(&err);
            else fwrite(buf, 1, len, stdout);
            free(buf);
        } else {
            rc = 2;
        }
        rk_s3_close(s);
    } else {
        fprintf(stderr, "s3tool: unknown command %s\n", cmd);
        rc = 2;
    }
    fflush(stdout);
    stats(a);
    rk_aws_close(a);
    return rc;
}
