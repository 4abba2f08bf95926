/* Fuzz target: S3 answers — ListObjectsV2 pages (with encoding-type=url
 * decoding), error documents and GetBucketLocation. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aws/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *x = (const char *)data;
    rk_s3_page p;
    rk_err err;
    if (rk_s3_parse_list(x, size, &p, &err) == RK_OK) {
        size_t total = 0;
        for (size_t i = 0; i < p.n; i++) total += strlen(p.objs[i].key) + p.objs[i].size;
        for (size_t i = 0; i < p.nprefixes; i++) total += strlen(p.prefixes[i]);
        (void)total;
    }
    rk_s3_page_free(&p);
    rk_aws_error e;
    rk_aws_parse_error(x, size, &e);
    char region[64];
    rk_s3_parse_location(x, size, region, sizeof region, &err);
    return 0;
}
