/*
 * edf_testutil.c - see edf_testutil.h.
 */
#include "edf_testutil.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int open_owned(edft_mem *m)
{
    m->f = NULL;
    m->rc = edf_open_mem(m->data, m->size, "test.edf", &m->diags, &m->f);
    return m->rc;
}

int edft_open_builder(edft_mem *m, const edfb *b)
{
    memset(m, 0, sizeof *m);
    edx_diags_init(&m->diags);
    if (edfb_build(b, &m->data, &m->size) != 0) {
        m->rc = EDX_ERR_INVALID;
        return m->rc;
    }
    return open_owned(m);
}

int edft_open_bytes(edft_mem *m, const void *data, size_t size)
{
    memset(m, 0, sizeof *m);
    edx_diags_init(&m->diags);
    m->data = malloc(size > 0 ? size : 1);
    if (m->data == NULL) {
        m->rc = EDX_ERR_NOMEM;
        return m->rc;
    }
    if (size > 0)
        memcpy(m->data, data, size);
    m->size = size;
    return open_owned(m);
}

void edft_close(edft_mem *m)
{
    edf_close(m->f);
    m->f = NULL;
    edx_diags_free(&m->diags);
    free(m->data);
    m->data = NULL;
    m->size = 0;
}

const edx_diag *edft_find(const edx_diags *d, const char *code)
{
    for (size_t i = 0; i < d->count; i++)
        if (strcmp(d->items[i].code, code) == 0)
            return &d->items[i];
    return NULL;
}

const edx_diag *edft_find_prefix(const edx_diags *d, const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < d->count; i++)
        if (strncmp(d->items[i].code, prefix, n) == 0)
            return &d->items[i];
    return NULL;
}

void edft_dump(const edx_diags *d, const char *title)
{
    fprintf(stderr, "-- diagnostics (%s): %zu kept, %zu suppressed\n", title ? title : "",
            d->count, d->n_suppressed);
    for (size_t i = 0; i < d->count; i++) {
        const edx_diag *x = &d->items[i];
        fprintf(stderr, "   %s %s field='%s' off=%lld rec=%lld sig=%d: %s\n",
                x->severity == EDX_SEV_ERROR ? "E" : "W", x->code, x->field,
                (long long)x->byte_offset, (long long)x->record, x->signal, x->message);
    }
}

int edft_read_everything(edf_file *f)
{
    const edf_info *info = edf_get_info(f);
    if (info == NULL)
        return -1;
    enum { CHUNK = 4096 };
    int32_t *dig = malloc(CHUNK * sizeof *dig);
    double *phys = malloc(CHUNK * sizeof *phys);
    int rc = (dig != NULL && phys != NULL) ? 0 : -1;
    for (int s = 0; rc == 0 && s < info->n_signals; s++) {
        const edf_signal *sg = edf_get_signal(f, s);
        if (sg == NULL) {
            rc = -1;
            break;
        }
        if (sg->is_annotation)
            continue;
        int64_t total = edf_signal_samples(f, s);
        if (total < 0) {
            rc = -1;
            break;
        }
        for (int64_t first = 0; first < total; first += CHUNK) {
            size_t want = (size_t)(total - first < CHUNK ? total - first : CHUNK);
            size_t got = 0;
            if (edf_read_digital(f, s, first, want, dig, &got) != EDX_OK || got != want) {
                rc = -1;
                break;
            }
            if (sg->is_scalable) {
                got = 0;
                if (edf_read_physical(f, s, first, want, phys, &got) != EDX_OK || got != want) {
                    rc = -1;
                    break;
                }
            }
        }
    }
    size_t na = edf_annotation_count(f);
    for (size_t i = 0; rc == 0 && i < na; i++) {
        const edf_annotation *a = edf_annotation_at(f, i);
        if (a == NULL || a->text == NULL)
            rc = -1;
        else
            (void)strlen(a->text);
    }
    for (size_t i = 0; rc == 0 && i < edf_segment_count(f); i++)
        if (edf_get_segment(f, i) == NULL)
            rc = -1;
    free(dig);
    free(phys);
    return rc;
}

int32_t edft_pattern(edfb_kind kind, int rec, int sig, int k)
{
    int32_t v = (int32_t)(((unsigned)rec * 131u + (unsigned)sig * 17u + (unsigned)k * 7u) % 2001u) -
                1000;
    return edfb_kind_is_bdf(kind) ? v * 4001 : v * 31;
}

const char *edft_onset_text(int rec, char *buf, size_t size)
{
    snprintf(buf, size, "+%d.%d", rec / 10, rec % 10);
    return buf;
}

edfb *edft_make_simple(edfb_kind kind, int n_sig, int spr, int n_rec)
{
    edfb *b = edfb_new(kind);
    if (b == NULL)
        return NULL;
    edfb_set(b, EDFB_DURATION, "0.1");
    for (int s = 0; s < n_sig; s++) {
        char label[16];
        snprintf(label, sizeof label, "S%d", s + 1);
        edfb_add_signal(b, label, spr);
    }
    if (edfb_kind_is_plus(kind))
        edfb_add_annotation_signal(b, 120);
    for (int r = 0; r < n_rec; r++) {
        char on[32];
        int rec = edfb_add_record_at(b, edft_onset_text(r, on, sizeof on));
        for (int s = 0; s < n_sig; s++)
            for (int k = 0; k < spr; k++)
                edfb_set_sample(b, rec, s, k, edft_pattern(kind, r, s, k));
    }
    if (edfb_error(b) != NULL) {
        edfb_free(b);
        return NULL;
    }
    return b;
}

int edft_setup_tmpdir(void **state)
{
    edfb_tmpdir *t = calloc(1, sizeof *t);
    if (t == NULL || edfb_tmpdir_create(t) != 0) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

int edft_teardown_tmpdir(void **state)
{
    edfb_tmpdir *t = *state;
    int rc = edfb_tmpdir_remove(t);
    free(t);
    return rc;
}

bool edft_use_comma_locale(void)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                                        "nl_NL.UTF-8", "de_DE", "fr_FR"};
    const char *got = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && got == NULL; i++)
        got = setlocale(LC_NUMERIC, names[i]);
    if (got == NULL || strcmp(localeconv()->decimal_point, ",") != 0) {
        setlocale(LC_NUMERIC, "C");
        return false;
    }
    return true;
}
