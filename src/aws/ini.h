/* ini.h — the AWS CLI's shared files, ~/.aws/credentials and ~/.aws/config.
 *
 * Read as the AWS CLI (Python's configparser) reads them: "[section]"
 * headers, "key = value" or "key: value" (the first '=' or ':' splits),
 * whole-line comments starting with '#' or ';', keys case-insensitive,
 * indented lines continuing the previous value. A key with an empty value
 * followed by indented "sub = value" lines is a nested section, stored as
 * "key.sub" ("s3 =\n  addressing_style = path" gives "s3.addressing_style").
 * Section names are trimmed with inner runs of spaces folded, so
 * "[profile   dev ]" is "profile dev".
 *
 * Values may be secrets: errors name the file and line, never its text, and
 * rk_ini_free overwrites every value before freeing it.
 */
#ifndef RK_AWS_INI_H
#define RK_AWS_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

#define RK_INI_MAX_BYTES ((size_t)1 << 20)

typedef struct rk_ini_entry {
    char *section;
    char *key; /* lower case; "parent.child" when nested */
    char *value;
} rk_ini_entry;

typedef struct rk_ini {
    rk_ini_entry *v;
    size_t n, cap;
    char **sections;
    size_t nsections, scap;
} rk_ini;

/* name is what errors call the text (a path). A later key replaces an
 * earlier one; a repeated section adds to the first. */
rk_status rk_ini_parse(const char *text, size_t len, const char *name, rk_ini *out, rk_err *err);
/* Reads and parses path; a missing file is an empty rk_ini with *found false. */
rk_status rk_ini_load(const char *path, rk_ini *out, bool *found, rk_err *err);
const char *rk_ini_get(const rk_ini *ini, const char *section, const char *key);
bool rk_ini_has_section(const rk_ini *ini, const char *section);
void rk_ini_free(rk_ini *ini);

#endif
