/*
 * test_numbers.c - edx_parse_double, edx_parse_int64, edx_fmt_double and
 * edx_fmt_double_g: table-driven, one line per case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "edf_testutil.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edx/common.h"

#define STRLEN ((size_t)-1)

/* ---- edx_parse_double ------------------------------------------------------ */

typedef struct dcase {
    const char *s;
    size_t len;     /* STRLEN: strlen(s) */
    int ok;         /* 1: must parse to want; 0: must fail with EDX_ERR_FORMAT */
    double want;
} dcase;

static const dcase dcases[] = {
    {"-12.5", STRLEN, 1, -12.5},
    {"+3", STRLEN, 1, 3.0},
    {"1e-3", STRLEN, 1, 1e-3},
    {" 7 ", STRLEN, 1, 7.0},
    {"\t5\t", STRLEN, 1, 5.0},
    {"0", STRLEN, 1, 0.0},
    {"-0", STRLEN, 1, -0.0},
    {"0.064", STRLEN, 1, 0.064},
    {"0.3", STRLEN, 1, 0.3},
    {"3276.7", STRLEN, 1, 3276.7},
    {"-3276.8 ", STRLEN, 1, -3276.8},
    {"1953.125", STRLEN, 1, 1953.125},
    {"-8388608", STRLEN, 1, -8388608.0},
    {"99999999", STRLEN, 1, 99999999.0},
    {".5", STRLEN, 1, 0.5},
    {"5.", STRLEN, 1, 5.0},
    {"1E3", STRLEN, 1, 1000.0},
    {"2.5e+2", STRLEN, 1, 250.0},
    {"-1.5E-2", STRLEN, 1, -0.015},
    {"0.000001", STRLEN, 1, 1e-6},
    {"00012", STRLEN, 1, 12.0},
    {"0.1000000000000000055511151231257827", STRLEN, 1, 0.1},
    {"12345", 3, 1, 123.0},            /* only len bytes are read */
    {"12.5xyz", 4, 1, 12.5},
    {"7", 1, 1, 7.0},
    {"", STRLEN, 0, 0},
    {"   ", STRLEN, 0, 0},
    {"-", STRLEN, 0, 0},
    {"+", STRLEN, 0, 0},
    {".", STRLEN, 0, 0},
    {"-.", STRLEN, 0, 0},
    {"1.2.3", STRLEN, 0, 0},
    {"1,5", STRLEN, 0, 0},              /* a locale comma is never a decimal point */
    {"abc", STRLEN, 0, 0},
    {"1e", STRLEN, 0, 0},
    {"1e+", STRLEN, 0, 0},
    {"e5", STRLEN, 0, 0},
    {"nan", STRLEN, 0, 0},
    {"inf", STRLEN, 0, 0},
    {"-infinity", STRLEN, 0, 0},
    {"1e400", STRLEN, 0, 0},            /* not finite */
    {"0x10", STRLEN, 0, 0},
    {"1 2", STRLEN, 0, 0},
    {"--1", STRLEN, 0, 0},
    {"+-1", STRLEN, 0, 0},
    {"12a", STRLEN, 0, 0},
    {"1\0" "2", 3, 0, 0},               /* NUL inside the field */
    {"5", 0, 0, 0},                     /* empty range */
};

static void test_parse_double_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof dcases / sizeof dcases[0]; i++) {
        const dcase *c = &dcases[i];
        size_t len = c->len == STRLEN ? strlen(c->s) : c->len;
        double v = 42.4242;
        int rc = edx_parse_double(c->s, len, &v);
        if (c->ok) {
            if (rc != EDX_OK || v != c->want || signbit(v) != signbit(c->want))
                fail_msg("case %zu '%s': rc %d value %.17g, want %.17g", i, c->s, rc, v,
                         c->want);
        } else {
            if (rc != EDX_ERR_FORMAT)
                fail_msg("case %zu '%s': rc %d, want EDX_ERR_FORMAT", i, c->s, rc);
            if (v != 42.4242)
                fail_msg("case %zu '%s': output written on failure", i, c->s);
        }
    }
}

/* Many significant digits: the result is close, whatever the exact rounding. */
static void test_parse_double_long(void **state)
{
    (void)state;
    double v = 0;
    assert_int_equal(EDX_OK, edx_parse_double("123456789012345678901234", 24, &v));
    assert_true(fabs(v - 1.23456789012345678901234e23) <= 1e8);
    {
        const char *tiny = "-0.00000000000000000000000000001";
        assert_int_equal(EDX_OK, edx_parse_double(tiny, strlen(tiny), &v));
    }
    assert_true(fabs(v + 1e-29) <= 1e-43);
    assert_int_equal(EDX_OK, edx_parse_double("1e-400", 6, &v)); /* underflow is finite */
    assert_true(fabs(v) < 1e-300);
    /* a long but valid number: 1 followed by 149 zeros, and 0.000...0001 (200 zeros) */
    char big[256];
    big[0] = '1';
    memset(big + 1, '0', 149);
    assert_int_equal(EDX_OK, edx_parse_double(big, 150, &v));
    assert_true(fabs(v - 1e149) <= 1e134);
    memcpy(big, "-0.", 3);
    memset(big + 3, '0', 200);
    big[203] = '1';
    assert_int_equal(EDX_OK, edx_parse_double(big, 204, &v));
    assert_true(fabs(v + 1e-201) <= 1e-215);
}

/*
 * Up to 15 significant digits (the documented exact range: mantissa below
 * 2^53, power of ten within 10^22) every number reads back as the correctly
 * rounded double, the same as the C library's strtod in the "C" locale.
 */
static void test_parse_double_roundtrip(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* values of the magnitudes found in EDF headers and TALs */
        double v = (double)(int64_t)(x % 200000001u - 100000000) / (double)(1 + (x >> 40) % 100000);
        char buf[64];
        snprintf(buf, sizeof buf, "%.*g", 1 + (int)((x >> 20) % 15), v);
        double back = 0;
        assert_int_equal(EDX_OK, edx_parse_double(buf, strlen(buf), &back));
        if (back != strtod(buf, NULL))
            fail_msg("'%s' read back as %.17g, strtod gives %.17g", buf, back, strtod(buf, NULL));
    }
    /* every 8-character EDF field with up to 5 decimals */
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        char buf[16];
        snprintf(buf, sizeof buf, "%.*f", (int)(x % 6), (double)(x % 99999999u) / 1e5);
        buf[8] = '\0';
        double back = 0;
        assert_int_equal(EDX_OK, edx_parse_double(buf, strlen(buf), &back));
        if (back != strtod(buf, NULL))
            fail_msg("'%s' read back as %.17g", buf, back);
    }
}

/* ---- edx_parse_int64 --------------------------------------------------------- */

typedef struct icase {
    const char *s;
    size_t len;
    int ok;
    int64_t want;
} icase;

static const icase icases[] = {
    {"0", STRLEN, 1, 0},
    {"-1", STRLEN, 1, -1},
    {"+42", STRLEN, 1, 42},
    {" 99999999 ", STRLEN, 1, 99999999},
    {"256    ", STRLEN, 1, 256},
    {"007", STRLEN, 1, 7},
    {"9223372036854775807", STRLEN, 1, INT64_MAX},
    {"-9223372036854775808", STRLEN, 1, INT64_MIN},
    {"12345", 2, 1, 12},
    {"9223372036854775808", STRLEN, 0, 0},
    {"-9223372036854775809", STRLEN, 0, 0},
    {"99999999999999999999999", STRLEN, 0, 0},
    {"1.0", STRLEN, 0, 0},
    {"1e3", STRLEN, 0, 0},
    {"", STRLEN, 0, 0},
    {"    ", STRLEN, 0, 0},
    {"-", STRLEN, 0, 0},
    {"+", STRLEN, 0, 0},
    {"12a", STRLEN, 0, 0},
    {"1 2", STRLEN, 0, 0},
    {"0x1F", STRLEN, 0, 0},
    {"--3", STRLEN, 0, 0},
    {"4\0" "2", 3, 0, 0},
};

static void test_parse_int64_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof icases / sizeof icases[0]; i++) {
        const icase *c = &icases[i];
        size_t len = c->len == STRLEN ? strlen(c->s) : c->len;
        int64_t v = 4242;
        int rc = edx_parse_int64(c->s, len, &v);
        if (c->ok) {
            if (rc != EDX_OK || v != c->want)
                fail_msg("case %zu '%s': rc %d value %lld, want %lld", i, c->s, rc,
                         (long long)v, (long long)c->want);
        } else {
            if (rc >= 0)
                fail_msg("case %zu '%s': rc %d, want a negative edx_err", i, c->s, rc);
            if (v != 4242)
                fail_msg("case %zu '%s': output written on failure", i, c->s);
        }
    }
}

/* ---- edx_fmt_double ----------------------------------------------------------- */

typedef struct fcase {
    double v;
    int decimals;
    const char *want;
} fcase;

static const fcase fcases[] = {
    {1.5, 2, "1.50"},
    {-12.25, 2, "-12.25"},
    {1953.125, 3, "1953.125"},
    {0.0, 0, "0"},
    {-0.004, 2, "0.00"},   /* no "-0.00" */
    {-0.0, 1, "0.0"},
    {-0.4, 0, "0"},
    {-0.6, 0, "-1"},
    {3.7, -1, "4"},        /* negative decimals count as 0 */
    {0.5, 30, "0.50000000000000000"}, /* at most 17 decimals */
    {55.0, 1, "55.0"},
    {-7200.0, 0, "-7200"},
    {1e15, 1, "1000000000000000.0"},
    {NAN, 2, "nan"},
    {INFINITY, 2, "inf"},
    {-INFINITY, 0, "-inf"},
};

static void test_fmt_double_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fcases / sizeof fcases[0]; i++) {
        char buf[64];
        memset(buf, 'Z', sizeof buf);
        const char *r = edx_fmt_double(buf, sizeof buf, fcases[i].v, fcases[i].decimals);
        assert_ptr_equal(r, buf);
        if (strcmp(buf, fcases[i].want) != 0)
            fail_msg("case %zu: '%s', want '%s'", i, buf, fcases[i].want);
    }
}

static void test_fmt_double_small_buffer(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'Z', sizeof buf);
    edx_fmt_double(buf, 4, 123.456, 2);
    assert_int_equal('\0', buf[3]);      /* truncated, still terminated */
    assert_string_equal("123", buf);
    assert_int_equal('Z', buf[4]);       /* nothing written past size */
    buf[0] = 'Q';
    edx_fmt_double(buf, 0, 1.0, 1);      /* size 0: untouched */
    assert_int_equal('Q', buf[0]);
    edx_fmt_double_g(buf, 0, 1.0);
    assert_int_equal('Q', buf[0]);
}

typedef struct gcase {
    double v;
    const char *want;
} gcase;

static const gcase gcases[] = {
    {0.1, "0.1"},
    {1953.125, "1953.125"},
    {-3276.8, "-3276.8"},
    {100.0, "100"},
    {20000.0, "20000"},
    {0.05, "0.05"},
    {0.064, "0.064"},
    {1e-7, "1e-07"},
    {NAN, "nan"},
    {-INFINITY, "-inf"},
};

static void test_fmt_double_g(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof gcases / sizeof gcases[0]; i++) {
        char buf[40];
        edx_fmt_double_g(buf, sizeof buf, gcases[i].v);
        if (strcmp(buf, gcases[i].want) != 0)
            fail_msg("case %zu: '%s', want '%s'", i, buf, gcases[i].want);
    }
    /* the printed form reads back exactly (checked with strtod, as a reader of
     * findings JSON such as jansson does): values of clinical magnitudes */
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v = ldexp((double)(x >> 11), (int)(x % 24) - 53); /* 2^-53 .. 2^23 */
        if (x & 1)
            v = -v;
        char buf[40];
        edx_fmt_double_g(buf, sizeof buf, v);
        double back = strtod(buf, NULL); /* the C locale: the process never calls setlocale here */
        if (back != v)
            fail_msg("%.17g printed as '%s' read back as %.17g", v, buf, back);
        assert_true(strchr(buf, ',') == NULL);
    }
}

/* The same over the whole exponent range the findings may hold (1e-12 .. 1e12). */
static void test_fmt_double_g_roundtrip_wide(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v = ldexp((double)(x >> 11), (int)(x % 80) - 93); /* 2^-93 .. 2^39 */
        if (x & 1)
            v = -v;
        char buf[40];
        edx_fmt_double_g(buf, sizeof buf, v);
        double back = strtod(buf, NULL);
        if (back != v)
            fail_msg("%.17g printed as '%s' reads back (strtod) as %.17g", v, buf, back);
    }
}

/*
 * With a comma-decimal locale in force, parsing and printing still use '.'.
 * Only machines that have such a locale can run it; others skip.
 */
static void test_numbers_under_comma_locale(void **state)
{
    (void)state;
    if (!edft_use_comma_locale())
        skip();
    char buf[32];
    double v = 0;
    int rc1 = edx_parse_double("1953.125", 8, &v);
    int rc2 = edx_parse_double("1,5", 3, &v);
    edx_fmt_double(buf, sizeof buf, 2.5, 2);
    char gbuf[32];
    edx_fmt_double_g(gbuf, sizeof gbuf, 0.064);
    setlocale(LC_NUMERIC, "C");
    assert_int_equal(EDX_OK, rc1);
    assert_int_equal(EDX_ERR_FORMAT, rc2);
    assert_string_equal("2.50", buf);
    assert_string_equal("0.064", gbuf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_double_table),
        cmocka_unit_test(test_parse_double_long),
        cmocka_unit_test(test_parse_double_roundtrip),
        cmocka_unit_test(test_parse_int64_table),
        cmocka_unit_test(test_fmt_double_table),
        cmocka_unit_test(test_fmt_double_small_buffer),
        cmocka_unit_test(test_fmt_double_g),
        cmocka_unit_test(test_fmt_double_g_roundtrip_wide),
        cmocka_unit_test(test_numbers_under_comma_locale),
    };
    return cmocka_run_group_tests_name("common_numbers", tests, NULL, NULL);
}
