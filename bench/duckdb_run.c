/* duckdb_run — runs SQL statements with DuckDB's C API, for benchmarks.
 *
 *   duckdb_run DBFILE|:memory: SQL...
 *
 * DuckDB comes from the npm package @duckdb/node-bindings-linux-x64 (its
 * libduckdb.so), loaded with dlopen so reckon never links DuckDB. Prints the
 * last statement's result as CSV-ish lines and the time of each statement on
 * stderr. The declarations below are DuckDB's stable C API (duckdb.h). */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef uint64_t idx_t;
typedef struct { void *p; } duckdb_database;
typedef struct { void *p; } duckdb_connection;
typedef struct {
    idx_t cc, rc, rch;
    void *cols;
    char *err;
    void *internal;
} duckdb_result; /* 48 bytes, as in duckdb.h */

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: duckdb_run DBFILE SQL...\n");
        return 2;
    }
    const char *lib = getenv("DUCKDB_LIB");
    void *h = dlopen(lib ? lib : "libduckdb.so", RTLD_NOW);
    if (!h) {
        fprintf(stderr, "cannot load DuckDB: %s\n", dlerror());
        return 3;
    }
    int (*db_open)(const char *, duckdb_database *) = dlsym(h, "duckdb_open");
    int (*db_connect)(duckdb_database, duckdb_connection *) = dlsym(h, "duckdb_connect");
    int (*db_query)(duckdb_connection, const char *, duckdb_result *) = dlsym(h, "duckdb_query");
    const char *(*db_error)(duckdb_result *) = dlsym(h, "duckdb_result_error");
    idx_t (*db_rows)(duckdb_result *) = dlsym(h, "duckdb_row_count");
    idx_t (*db_cols)(duckdb_result *) = dlsym(h, "duckdb_column_count");
    char *(*db_varchar)(duckdb_result *, idx_t, idx_t) = dlsym(h, "duckdb_value_varchar");
    void (*db_free)(void *) = dlsym(h, "duckdb_free");
    void (*db_destroy)(duckdb_result *) = dlsym(h, "duckdb_destroy_result");
    void (*db_disconnect)(duckdb_connection *) = dlsym(h, "duckdb_disconnect");
    void (*db_close)(duckdb_database *) = dlsym(h, "duckdb_close");
    duckdb_database db;
    duckdb_connection con;
    if (db_open(strcmp(argv[1], ":memory:") ? argv[1] : NULL, &db) != 0 || db_connect(db, &con) != 0) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 3;
    }
    int rc = 0;
    for (int i = 2; i < argc && rc == 0; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        duckdb_result r;
        memset(&r, 0, sizeof r);
        if (db_query(con, argv[i], &r) != 0) {
            fprintf(stderr, "DuckDB error: %s\n", db_error(&r));
            rc = 1;
        } else if (i == argc - 1) {
            idx_t nr = db_rows(&r), nc = db_cols(&r);
            for (idx_t row = 0; row < nr; row++)
                for (idx_t c = 0; c < nc; c++) {
                    char *v = db_varchar(&r, c, row);
                    printf("%s%s", v ? v : "", c + 1 == nc ? "\n" : ",");
                    db_free(v);
                }
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        fprintf(stderr, "statement %d: %.3f s\n", i - 1, (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
        db_destroy(&r);
    }
    db_disconnect(&con);
    db_close(&db);
    return rc;
}
