/*
 * test_edf_tal.c - Time-stamped Annotations Lists, through edf_parse_tals
 * (one line per case) and through whole files (text kept as UTF-8, invalid
 * bytes replaced, diagnostics located at record and byte).
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

/* Collects the items of a parse as "onset_us,dur_us|-,index,text;" */
typedef struct collect {
    char out[1024];
    size_t n_items;
    size_t offsets[16];
    int stop_after; /* return 77 after this many items; 0: never */
} collect;

static int on_item(void *ctx, const edf_tal_item *it)
{
    collect *c = ctx;
    char dur[32];
    if (it->duration_s < 0)
        snprintf(dur, sizeof dur, "-");
    else
        snprintf(dur, sizeof dur, "%lld", (long long)llround(it->duration_s * 1e6));
    size_t len = strlen(c->out);
    snprintf(c->out + len, sizeof c->out - len, "%lld,%s,%zu,%.*s;",
             (long long)llround(it->onset_s * 1e6), dur, it->index_in_tal, (int)it->text_len,
             it->text);
    if (c->n_items < 16)
        c->offsets[c->n_items] = it->byte_offset;
    c->n_items++;
    if (c->stop_after > 0 && c->n_items == (size_t)c->stop_after)
        return 77;
    return 0;
}

#define B(s) s, sizeof(s) - 1

typedef struct talcase {
    const char *name;
    const char *bytes;
    size_t n;
    const char *want;  /* items, as on_item writes them */
    const char *diag;  /* a warning expected, or NULL: no diagnostic at all */
    int64_t diag_pos;  /* its byte position in the buffer (-1: not checked) */
} talcase;

static const talcase talcases[] = {
    {"time-keeping", B("+0\x14\x14\0"), "0,-,0,;", NULL, -1},
    {"time-keeping padded", B("+12.5\x14\x14\0\0\0\0\0\0"), "12500000,-,0,;", NULL, -1},
    {"one annotation", B("+1.5\x14Stim\x14\0"), "1500000,-,0,Stim;", NULL, -1},
    {"duration", B("+1.5\x15" "0.25\x14Rest\x14\0"), "1500000,250000,0,Rest;", NULL, -1},
    {"several per TAL", B("+2\x14" "A\x14" "B\x14" "C\x14\0"), "2000000,-,0,A;2000000,-,1,B;2000000,-,2,C;", NULL, -1},
    {"time-keeping with text", B("+0\x14\x14" "Start\x14\0"), "0,-,0,;0,-,1,Start;", NULL, -1},
    {"several TALs", B("+0\x14\x14\0+0.5\x14X\x14\0-1\x15" "2\x14Y\x14\0\0\0"),
     "0,-,0,;500000,-,0,X;-1000000,2000000,0,Y;", NULL, -1},
    {"negative onset", B("-0.5\x14Pre\x14\0"), "-500000,-,0,Pre;", NULL, -1},
    {"large onset", B("+86399.9999\x14Late\x14\0"), "86399999900,-,0,Late;", NULL, -1},
    {"UTF-8 text", B("+3\x14Zo\xc3\xab M\xc3\xbcller \xc2\xb5V\x14\0"), "3000000,-,0,Zo\xc3\xab M\xc3\xbcller \xc2\xb5V;", NULL, -1},
    {"invalid UTF-8 passes raw", B("+3\x14\xff\xfe\x14\0"), "3000000,-,0,\xff\xfe;", NULL, -1},
    {"all zeros", B("\0\0\0\0"), "", NULL, -1},
    {"empty", "", 0, "", NULL, -1},
    {"zero duration", B("+1\x15" "0\x14Z\x14\0"), "1000000,0,0,Z;", NULL, -1},
    /* deviations: a warning, and what can still be read */
    {"no terminating zero", B("+4\x14Y\x14"), "4000000,-,0,Y;", "TAL-UNTERMINATED", 0},
    {"text not closed", B("+1\x14Q\0"), "1000000,-,0,Q;", "TAL-TEXT-UNTERMINATED", 3},
    {"text runs to the end", B("+1\x14QQ"), "1000000,-,0,QQ;", "TAL-UNTERMINATED", 0},
    {"onset without sign", B("5\x14Z\x14\0"), "5000000,-,0,Z;", "TAL-ONSET-SIGN", 0},
    {"onset not a number", B("+1x\x14Q\x14\0"), "", "TAL-ONSET", 0},
    {"onset sign only", B("+\x14Q\x14\0"), "", "TAL-ONSET", 0},
    {"onset with comma", B("+1,5\x14Q\x14\0"), "", "TAL-ONSET", 0},
    {"duration not a number", B("+1\x15" "abc\x14Q\x14\0"), "1000000,-,0,Q;", "TAL-DURATION", 3},
    {"negative duration", B("+1\x15-2\x14Q\x14\0"), "1000000,-,0,Q;", "TAL-DURATION", 3},
    {"no 0x14 after onset", B("+1\0"), "", "TAL-SYNTAX", 2},
    {"onset at end of buffer", B("+1"), "", "TAL-SYNTAX", 2},
    {"garbage then TAL", B("abc\0+1\x14Q\x14\0"), "1000000,-,0,Q;", "TAL-SYNTAX", 0},
    {"garbage after TAL", B("+1\x14Q\x14\0zz\0"), "1000000,-,0,Q;", "TAL-SYNTAX", 6},
    {"control bytes", B("\x14\x14\x15\0"), "", "TAL-SYNTAX", 0},
    {"bad TAL then good TAL", B("+x\x14Q\x14\0+2\x14R\x14\0"), "2000000,-,0,R;", "TAL-ONSET", 0},
};

static void test_parse_tals_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof talcases / sizeof talcases[0]; i++) {
        const talcase *c = &talcases[i];
        /* an exact-size heap copy, so that a read past n is caught by ASan */
        uint8_t *buf = malloc(c->n ? c->n : 1);
        assert_non_null(buf);
        if (c->n)
            memcpy(buf, c->bytes, c->n);
        edx_diags d;
        edx_diags_init(&d);
        collect col;
        memset(&col, 0, sizeof col);
        edx_loc loc = {NULL, 1000, 7, 3};
        int rc = edf_parse_tals(buf, c->n, &d, loc, on_item, &col);
        assert_int_equal(EDX_OK, rc);
        if (strcmp(col.out, c->want) != 0)
            fail_msg("case '%s': items '%s', want '%s'", c->name, col.out, c->want);
        if (c->diag == NULL) {
            if (d.count != 0) {
                edft_dump(&d, c->name);
                fail_msg("case '%s': unexpected diagnostics", c->name);
            }
        } else {
            const edx_diag *x = edft_find(&d, c->diag);
            if (x == NULL) {
                edft_dump(&d, c->name);
                fail_msg("case '%s': no %s", c->name, c->diag);
            }
            assert_int_equal(EDX_SEV_WARNING, x->severity);
            assert_int_equal(7, x->record);
            assert_int_equal(3, x->signal);
            if (c->diag_pos >= 0 && x->byte_offset != 1000 + c->diag_pos)
                fail_msg("case '%s': %s at byte %lld, want %lld", c->name, c->diag,
                         (long long)x->byte_offset, (long long)(1000 + c->diag_pos));
        }
        edx_diags_free(&d);
        free(buf);
    }
}

/* Item byte offsets point at each TAL's onset; a callback's non-zero result stops. */
static void test_parse_tals_offsets_and_stop(void **state)
{
    (void)state;
    static const char tals[] = "+0\x14\x14\0+0.5\x14X\x14Y\x14\0\0+1\x14Z\x14\0";
    collect col;
    memset(&col, 0, sizeof col);
    assert_int_equal(EDX_OK, edf_parse_tals((const uint8_t *)tals, sizeof tals - 1, NULL,
                                            EDX_LOC_NONE, on_item, &col));
    assert_int_equal(4, col.n_items);
    assert_int_equal(0, col.offsets[0]);
    assert_int_equal(5, col.offsets[1]);
    assert_int_equal(5, col.offsets[2]);
    assert_int_equal(16, col.offsets[3]);

    memset(&col, 0, sizeof col);
    col.stop_after = 2;
    assert_int_equal(77, edf_parse_tals((const uint8_t *)tals, sizeof tals - 1, NULL,
                                        EDX_LOC_NONE, on_item, &col));
    assert_int_equal(2, col.n_items);

    /* without a file position, diagnostics keep EDX_DIAG_NONE */
    edx_diags d;
    edx_diags_init(&d);
    memset(&col, 0, sizeof col);
    edf_parse_tals((const uint8_t *)"zz", 2, &d, EDX_LOC_NONE, on_item, &col);
    assert_int_equal(1, d.count);
    assert_int_equal(EDX_DIAG_NONE, d.items[0].byte_offset);
    edx_diags_free(&d);
}

/* ---- whole files ------------------------------------------------------------ */

/* An EDF+C file with 2 records of 1 s; record r's annotation signal holds
 * the time-keeping TAL then `extra[r]` bytes (may be NULL). */
static edfb *file_with(const char *extra0, size_t n0, const char *extra1, size_t n1)
{
    edfb *b = edfb_new(EDFB_EDFPLUS_C);
    edfb_set(b, EDFB_DURATION, "1");
    edfb_add_signal(b, "EMG", 4);
    int a = edfb_add_annotation_signal(b, 120);
    int r0 = edfb_add_record_at(b, "+0");
    if (extra0 != NULL)
        edfb_append_bytes(b, r0, a, extra0, n0);
    int r1 = edfb_add_record_at(b, "+1");
    if (extra1 != NULL)
        edfb_append_bytes(b, r1, a, extra1, n1);
    return b;
}

static void test_file_utf8_text(void **state)
{
    (void)state;
    edfb *b = file_with(B("+0.5\x14Zo\xc3\xab M\xc3\xbcller \xc2\xb5V\x14\0"),
                        B("+1.5\x15" "2\x14\xe2\x80\x93 artefact \xce\xa9\x14\0"));
    edft_mem m;
    assert_int_equal(EDX_OK, edft_open_builder(&m, b));
    assert_int_equal(0, m.diags.count);
    assert_int_equal(2, edf_annotation_count(m.f));
    assert_string_equal("Zo\xc3\xab M\xc3\xbcller \xc2\xb5V", edf_annotation_at(m.f, 0)->text);
    assert_string_equal("\xe2\x80\x93 artefact \xce\xa9", edf_annotation_at(m.f, 1)->text);
    assert_float_equal(2.0, edf_annotation_at(m.f, 1)->duration_s, 1e-12);
    edft_close(&m);
    edfb_free(b);
}

typedef struct utf8case {
    const char *raw;     /* the text's bytes in the file */
    const char *want;    /* what the reader keeps */
} utf8case;

#define FFFD "\xef\xbf\xbd"
static const utf8case utf8cases[] = {
    {"a\xff" "b", "a" FFFD "b"},               /* byte never valid */
    {"M\xfcller", "M" FFFD "ller"},            /* Latin-1 in a TAL */
    {"\xc3", FFFD},                            /* truncated sequence */
    {"\xc0\xaf", FFFD FFFD},                   /* overlong */
    {"\xed\xa0\x80", FFFD FFFD FFFD},          /* surrogate */
    {"\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD}, /* beyond U+10FFFF */
    {"ok \xf0\x9f\x98\x80", "ok \xf0\x9f\x98\x80"}, /* valid 4-byte: no warning */
};

static void test_file_invalid_utf8(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof utf8cases / sizeof utf8cases[0]; i++) {
        edfb_bytes bb = {0};
        const char *texts[] = {utf8cases[i].raw};
        edfb_bytes_tal(&bb, "+0.5", NULL, texts, 1);
        edfb *b = file_with((const char *)bb.data, bb.size, NULL, 0);
        edfb_bytes_free(&bb);
        edft_mem m;
        assert_int_equal(EDX_OK, edft_open_builder(&m, b));
        assert_int_equal(1, edf_annotation_count(m.f));
        const char *got = edf_annotation_at(m.f, 0)->text;
        if (strcmp(got, utf8cases[i].want) != 0)
            fail_msg("case %zu: text '%s', want '%s'", i, got, utf8cases[i].want);
        const edx_diag *d = edft_find(&m.diags, "TAL-UTF8");
        bool valid = strcmp(utf8cases[i].raw, utf8cases[i].want) == 0;
        if (valid) {
            assert_null(d);
        } else {
            if (d == NULL)
                fail_msg("case %zu: no TAL-UTF8 warning", i);
            assert_int_equal(EDX_SEV_WARNING, d->severity);
            assert_int_equal(0, d->record);
            assert_int_equal(1, d->signal);
        }
        edft_close(&m);
        edfb_free(b);
    }
}

/* A TAL that fills the annotation signal to its last byte, without the 0. */
static void test_file_unterminated_tal(void **state)
{
    (void)state;
    edfb *b = edfb_new(EDFB_EDFPLUS_C);
    edfb_set(b, EDFB_DURATION, "1");
    int a = edfb_add_annotation_signal(b, 30);
    int r = edfb_add_record_at(b, "+0"); /* 5 bytes */
    char fill[25];
    memcpy(fill, "+0.5\x14", 5);
    memset(fill + 5, 'x', 19);
    fill[24] = 0x14;
    edfb_append_bytes(b, r, a, fill, sizeof fill);
    edft_mem m;
    assert_int_equal(EDX_OK, edft_open_builder(&m, b));
    const edx_diag *d = edft_find(&m.diags, "TAL-UNTERMINATED");
    assert_non_null(d);
    assert_int_equal(EDX_SEV_WARNING, d->severity);
    assert_int_equal(0, d->record);
    assert_int_equal(edfb_data_offset(b, 0, a) + 5, d->byte_offset);
    assert_int_equal(1, edf_annotation_count(m.f));
    assert_string_equal("xxxxxxxxxxxxxxxxxxx", edf_annotation_at(m.f, 0)->text);
    edft_close(&m);
    edfb_free(b);
}

/* Warnings from TALs in a file carry the record and the file byte offset. */
static void test_file_tal_diag_location(void **state)
{
    (void)state;
    edfb *b = file_with(NULL, 0, B("7\x14NoSign\x14\0"));
    edft_mem m;
    assert_int_equal(EDX_OK, edft_open_builder(&m, b));
    const edx_diag *d = edft_find(&m.diags, "TAL-ONSET-SIGN");
    assert_non_null(d);
    assert_int_equal(1, d->record);
    assert_int_equal(1, d->signal);
    assert_int_equal(edfb_data_offset(b, 1, 1) + 5, d->byte_offset); /* after "+1\x14\x14\0" */
    assert_int_equal(1, edf_annotation_count(m.f));
    assert_float_equal(7.0, edf_annotation_at(m.f, 0)->onset_s, 1e-12);
    edft_close(&m);
    edfb_free(b);
}

/* Negative onsets and several annotations per TAL through a file. */
static void test_file_negative_and_multi(void **state)
{
    (void)state;
    edfb *b = file_with(B("-2.5\x15" "1\x14" "Before start\x14" "Second\x14\0"),
                        B("+1\x14" "A\x14" "B\x14" "C\x14\0"));
    edft_mem m;
    assert_int_equal(EDX_OK, edft_open_builder(&m, b));
    assert_int_equal(5, edf_annotation_count(m.f));
    static const struct { double onset, dur; const char *text; } want[] = {
        {-2.5, 1, "Before start"}, {-2.5, 1, "Second"}, {1, -1, "A"}, {1, -1, "B"}, {1, -1, "C"}};
    for (size_t i = 0; i < 5; i++) {
        const edf_annotation *a = edf_annotation_at(m.f, i);
        assert_float_equal(want[i].onset, a->onset_s, 1e-12);
        assert_string_equal(want[i].text, a->text);
        if (want[i].dur < 0)
            assert_true(a->duration_s < 0);
        else
            assert_float_equal(want[i].dur, a->duration_s, 1e-12);
    }
    edft_close(&m);
    edfb_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_tals_table),
        cmocka_unit_test(test_parse_tals_offsets_and_stop),
        cmocka_unit_test(test_file_utf8_text),
        cmocka_unit_test(test_file_invalid_utf8),
        cmocka_unit_test(test_file_unterminated_tal),
        cmocka_unit_test(test_file_tal_diag_location),
        cmocka_unit_test(test_file_negative_and_multi),
    };
    return cmocka_run_group_tests_name("edf_tal", tests, NULL, NULL);
}
