/*
 * test_edf_robust.c - mutated files never crash the reader.
 *
 * Valid files of every format are changed byte by byte (a deterministic
 * xorshift PRNG; a few thousand variants, most edits in the header and the
 * annotation bytes where the parsing is) or cut short, and opened from an
 * exact-size heap copy (so ASan sees any read past the end). Each variant
 * must either fail with an error diagnostic and no file, or open and let
 * every sample, annotation and segment be read, with annotation texts in
 * valid UTF-8 and record onsets finite.
 *
 * A failing variant is printed with its seed so it can be replayed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edf_builder.h"
#include "edf_testutil.h"

enum { VARIANTS_PER_BASE = 1500 };

static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t len = *p < 0x80 ? 1 : (*p >= 0xC2 && *p <= 0xDF) ? 2
                                     : (*p >= 0xE0 && *p <= 0xEF) ? 3
                                     : (*p >= 0xF0 && *p <= 0xF4) ? 4 : 0;
        if (len == 0)
            return false;
        for (size_t i = 1; i < len; i++)
            if ((p[i] & 0xC0) != 0x80)
                return false;
        p += len;
    }
    return true;
}

/* Bytes that make parsers take other paths. */
static const uint8_t interesting[] = {'0', '1', '9', '-', '+', '.', ' ', 'e', 'X', 0,
                                      0x14, 0x15, 0xFF, 0x80, 0xC3, 0x7F, '_', ':'};

static void mutate(uint8_t *d, size_t *size, size_t header_bytes, size_t annot_begin,
                   size_t annot_end, uint64_t *rng)
{
    int n_edits = 1 + (int)(next(rng) % 6);
    for (int e = 0; e < n_edits; e++) {
        uint64_t r = next(rng);
        size_t pos;
        switch (r % 4) {
        case 0: /* main header */
            pos = (size_t)(next(rng) % 256);
            break;
        case 1: /* signal headers */
            pos = 256 + (size_t)(next(rng) % (header_bytes - 256));
            break;
        case 2: /* annotation bytes of some record, if any */
            if (annot_end > annot_begin) {
                size_t rec_bytes = (*size - header_bytes) / 3; /* every base has 3 records */
                pos = annot_begin + (size_t)(next(rng) % (annot_end - annot_begin)) +
                      (size_t)(next(rng) % 3) * rec_bytes;
                break;
            }
            /* fall through */
        default:
            pos = (size_t)(next(rng) % *size);
            break;
        }
        if (pos >= *size)
            continue;
        uint64_t how = next(rng);
        if (how % 3 == 0)
            d[pos] = interesting[(how >> 8) % sizeof interesting];
        else if (how % 3 == 1)
            d[pos] = (uint8_t)(how >> 16);
        else
            d[pos] = (uint8_t)('0' + (how >> 16) % 10);
    }
    if (next(rng) % 10 == 0) /* sometimes also cut the file short */
        *size = (size_t)(next(rng) % (*size + 1));
}

/* Opens one variant and checks the contract; returns 0 when it holds. */
static int check_variant(const uint8_t *d, size_t size, const char *tag, uint64_t seed,
                         int *opened)
{
    uint8_t *copy = malloc(size ? size : 1);
    assert_non_null(copy);
    if (size)
        memcpy(copy, d, size);
    edx_diags diags;
    edx_diags_init(&diags);
    edf_file *f = (edf_file *)copy; /* must be overwritten */
    int rc = edf_open_mem(copy, size, tag, &diags, &f);
    int bad = 0;
    if (rc != EDX_OK) {
        if (f != NULL || diags.n_errors == 0 || rc >= 0) {
            fprintf(stderr, "%s seed %llu: failed (%d) without error diagnostic or set *out\n",
                    tag, (unsigned long long)seed, rc);
            bad = 1;
            f = NULL;
        }
    } else {
        (*opened)++;
        const edf_info *in = edf_get_info(f);
        if (in->n_records < 0 || in->n_signals <= 0 ||
            in->header_bytes + in->n_records * in->record_bytes > (int64_t)size) {
            fprintf(stderr, "%s seed %llu: inconsistent info\n", tag, (unsigned long long)seed);
            bad = 1;
        }
        if (edft_read_everything(f) != 0) {
            fprintf(stderr, "%s seed %llu: opened but cannot be read\n", tag,
                    (unsigned long long)seed);
            bad = 1;
        }
        for (size_t i = 0; i < edf_annotation_count(f); i++)
            if (!valid_utf8(edf_annotation_at(f, i)->text)) {
                fprintf(stderr, "%s seed %llu: annotation %zu not UTF-8\n", tag,
                        (unsigned long long)seed, i);
                bad = 1;
                break;
            }
        for (int64_t r = 0; r < in->n_records; r++)
            if (!isfinite(edf_record_onset_s(f, r))) {
                fprintf(stderr, "%s seed %llu: record %lld has no onset\n", tag,
                        (unsigned long long)seed, (long long)r);
                bad = 1;
                break;
            }
        /* a read by time in the first segment works too */
        for (int s = 0; s < in->n_signals && edf_segment_count(f) > 0; s++) {
            const edf_signal *sg = edf_get_signal(f, s);
            if (sg->is_annotation || !sg->is_scalable || sg->uv_per_unit <= 0 ||
                sg->sample_rate_hz <= 0)
                continue;
            double buf[64], t0 = edf_get_segment(f, 0)->onset_s, tf = 0;
            size_t n = 0;
            if (edf_read_time_uv(f, s, t0, t0 + 1.0, buf, 64, &n, &tf) != EDX_OK) {
                fprintf(stderr, "%s seed %llu: read by time failed\n", tag,
                        (unsigned long long)seed);
                bad = 1;
            }
            break;
        }
    }
    edf_close(f);
    edx_diags_free(&diags);
    free(copy);
    return bad;
}

static edfb *base_file(int i)
{
    switch (i) {
    case 0: return edft_make_simple(EDFB_EDF, 2, 8, 3);
    case 1: return edft_make_simple(EDFB_EDFPLUS_C, 2, 5, 3);
    case 2: return edft_make_simple(EDFB_BDFPLUS_D, 1, 6, 3);
    case 3: return edft_make_simple(EDFB_BDF, 3, 2, 3);
    case 4: {
        edfb *b = edfb_fixture_mnc();
        edfb_add_record_at(b, "+20"); /* a third record, as the loop assumes 3 */
        return b;
    }
    case 5: { /* annotations with durations, several per TAL, UTF-8 */
        edfb *b = edft_make_simple(EDFB_EDFPLUS_D, 1, 4, 3);
        const char *t[] = {"Zo\xc3\xab", "Rest", "\xc2\xb5V"};
        for (int r = 0; r < 3; r++)
            edfb_append_tal(b, r, 1, r == 1 ? "-0.5" : "+1.25", "0.5", t, 3);
        return b;
    }
    default: return NULL;
    }
}

static void test_mutated_files(void **state)
{
    (void)state;
    int bad = 0, opened = 0, total = 0;
    for (int i = 0; i < 6; i++) {
        edfb *b = base_file(i);
        assert_non_null(b);
        uint8_t *data;
        size_t size;
        assert_int_equal(0, edfb_build(b, &data, &size));
        size_t hb = edfb_header_bytes(b);
        size_t ab = 0, ae = 0;
        for (int s = 0; s < edfb_signal_count(b); s++)
            if (edfb_kind_is_plus(edfb_get_kind(b)) && s == edfb_signal_count(b) - 1) {
                ab = (size_t)edfb_data_offset(b, 0, s);
                ae = ab + edfb_signal_bytes(b, s);
            }
        char tag[32];
        snprintf(tag, sizeof tag, "base %d", i);
        int base_opened = 0;
        bad += check_variant(data, size, tag, 0, &base_opened); /* the base itself */
        assert_int_equal(1, base_opened);
        uint8_t *work = malloc(size);
        assert_non_null(work);
        for (int v = 0; v < VARIANTS_PER_BASE; v++) {
            uint64_t seed = (uint64_t)i * 1000003u + (uint64_t)v + 1;
            uint64_t rng = seed * 0x9E3779B97F4A7C15ull | 1;
            memcpy(work, data, size);
            size_t n = size;
            mutate(work, &n, hb, ab, ae, &rng);
            bad += check_variant(work, n, tag, seed, &opened);
            total++;
        }
        free(work);
        free(data);
        edfb_free(b);
    }
    fprintf(stderr, "robustness: %d variants, %d opened, %d failed the contract\n", total,
            opened, bad);
    /* the loop must exercise both outcomes to mean anything */
    assert_true(opened > total / 10);
    assert_true(opened < total);
    assert_int_equal(0, bad);
}

/* Every prefix of a valid file (every truncation point) is handled. */
static void test_every_truncation(void **state)
{
    (void)state;
    edfb *b = edfb_fixture_mnc();
    uint8_t *data;
    size_t size;
    assert_int_equal(0, edfb_build(b, &data, &size));
    int bad = 0, opened = 0;
    for (size_t n = 0; n <= size; n += (n < 1024 ? 1 : 97))
        bad += check_variant(data, n, "prefix", n, &opened);
    assert_true(opened > 0);
    free(data);
    edfb_free(b);
    assert_int_equal(0, bad);
}

typedef struct span {
    const uint8_t *begin;
    size_t n;
    int outside;
    size_t items;
} span;

static int within(void *ctx, const edf_tal_item *it)
{
    span *sp = ctx;
    const uint8_t *t = (const uint8_t *)it->text;
    if (t < sp->begin || t + it->text_len > sp->begin + sp->n || it->byte_offset >= sp->n)
        sp->outside++;
    sp->items++;
    return 0;
}

/* edf_parse_tals over random bytes: never reads past n, items lie inside the buffer. */
static void test_random_tal_bytes(void **state)
{
    (void)state;
    uint64_t rng = 42;
    size_t items = 0;
    static const uint8_t alphabet[] = {'+', '-', '0', '1', '5', '.', 0x14, 0x15, 0, 'a', 0xC3, 0xA9, 0xFF, ' '};
    for (int it = 0; it < 5000; it++) {
        size_t n = (size_t)(next(&rng) % 64);
        uint8_t *buf = malloc(n ? n : 1);
        assert_non_null(buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = alphabet[next(&rng) % sizeof alphabet];
        edx_diags d;
        edx_diags_init(&d);
        span sp = {buf, n, 0, 0};
        assert_int_equal(EDX_OK, edf_parse_tals(buf, n, &d, EDX_LOC_NONE, within, &sp));
        assert_int_equal(0, sp.outside);
        items += sp.items;
        edx_diags_free(&d);
        free(buf);
    }
    assert_true(items > 100); /* the alphabet does make TALs */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutated_files),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_random_tal_bytes),
    };
    return cmocka_run_group_tests_name("edf_robust", tests, NULL, NULL);
}
