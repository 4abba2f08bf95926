/* Fuzz target: STS answers — AssumeRole credentials, GetCallerIdentity and
 * STS error documents. */
#include <stddef.h>
#include <stdint.h>

#include "aws/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *x = (const char *)data;
    rk_sts_creds c;
    rk_err err;
    rk_sts_parse_assume_role(x, size, &c, &err);
    rk_sts_creds_free(&c);
    rk_aws_identity id;
    rk_sts_parse_identity(x, size, &id, &err);
    rk_aws_error e;
    rk_aws_parse_error(x, size, &e);
    return 0;
}
