/*
 * diag.c - the diagnostics sink and the error names.
 */
#include "edx/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *edx_strerror(int err)
{
    switch (err) {
    case EDX_OK: return "success";
    case EDX_ERR_NOMEM: return "out of memory";
    case EDX_ERR_IO: return "input/output error";
    case EDX_ERR_FORMAT: return "format error";
    case EDX_ERR_INVALID: return "invalid argument";
    case EDX_ERR_NOT_FOUND: return "not found";
    case EDX_ERR_RANGE: return "out of range";
    case EDX_ERR_UNSUPPORTED: return "not supported";
    case EDX_ERR_CONFIG: return "configuration error";
    default: return "unknown error";
    }
}

void edx_diags_init(edx_diags *d)
{
    memset(d, 0, sizeof *d);
}

void edx_diags_free(edx_diags *d)
{
    if (d == NULL)
        return;
    free(d->items);
    memset(d, 0, sizeof *d);
}

void edx_diags_clear(edx_diags *d)
{
    d->count = 0;
    d->n_suppressed = 0;
    d->n_errors = 0;
    d->n_warnings = 0;
}

size_t edx_diags_count_code(const edx_diags *d, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < d->count; i++)
        if (strcmp(d->items[i].code, code) == 0)
            n++;
    return n;
}

/* Room for one more item, or 0 when the sink is full or memory ran out. */
static int diags_reserve(edx_diags *d)
{
    if (d->count < d->capacity)
        return 1;
    if (d->capacity >= EDX_DIAG_MAX)
        return 0;
    size_t cap = d->capacity ? d->capacity * 2 : 16;
    if (cap > EDX_DIAG_MAX)
        cap = EDX_DIAG_MAX;
    edx_diag *p = realloc(d->items, cap * sizeof *p);
    if (p == NULL)
        return 0;
    d->items = p;
    d->capacity = cap;
    return 1;
}

void edx_diag_add(edx_diags *d, edx_severity sev, const char *code, edx_loc loc,
                  const char *fmt, ...)
{
    if (d == NULL)
        return;
    if (sev == EDX_SEV_ERROR)
        d->n_errors++;
    else
        d->n_warnings++;
    /* Errors are always kept while there is room; repeated warnings are capped per code. */
    if ((sev != EDX_SEV_ERROR && edx_diags_count_code(d, code) >= EDX_DIAG_PER_CODE) ||
        !diags_reserve(d)) {
        d->n_suppressed++;
        return;
    }
    edx_diag *x = &d->items[d->count++];
    memset(x, 0, sizeof *x);
    x->code = code;
    x->severity = sev;
    if (loc.field != NULL)
        snprintf(x->field, sizeof x->field, "%s", loc.field);
    x->byte_offset = loc.byte_offset;
    x->record = loc.record;
    x->signal = loc.signal;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->message, sizeof x->message, fmt, ap);
    va_end(ap);
}
