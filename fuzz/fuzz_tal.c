/*
 * fuzz_tal.c - the Time-stamped Annotations List parser over arbitrary bytes.
 */
#include <stdint.h>
#include <string.h>

#include "edx/edf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int touch(void *ctx, const edf_tal_item *it)
{
    size_t *sum = ctx;
    for (size_t i = 0; i < it->text_len; i++)
        *sum += (uint8_t)it->text[i];
    *sum += (size_t)(it->onset_s != it->onset_s) + it->index_in_tal;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    edx_diags d;
    edx_diags_init(&d);
    size_t sum = 0;
    edf_parse_tals(data, size, &d, EDX_LOC_NONE, touch, &sum);
    edx_diags_free(&d);
    return 0;
}
