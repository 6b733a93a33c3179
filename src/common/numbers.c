/*
 * numbers.c - decimal numbers in and out with '.' as the decimal point,
 * whatever LC_NUMERIC the host program has set.
 *
 * Parsing accumulates up to 19 significant digits into an integer mantissa
 * and scales it by a power of ten. When the mantissa is below 2^53 and the
 * power within 10^22, both operands are exact doubles and the one
 * multiplication or division is correctly rounded: always the case for EDF's
 * 8-character fields and the annotation texts we read.
 */
#include "edx/common.h"

#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static double scale_pow10(double m, int e)
{
    while (e > 22) {
        m *= 1e22;
        e -= 22;
    }
    while (e < -22) {
        m /= 1e22;
        e += 22;
    }
    return e >= 0 ? m * pow10_exact[e] : m / pow10_exact[-e];
}

/*
 * The slow path for long mantissas and large exponents: the C library's
 * correctly rounded strtod, given the text with '.' replaced by whatever
 * decimal point the current locale uses (the approach jansson takes).
 */
static int strtod_c(const char *s, size_t n, double *out)
{
    char small[128];
    const struct lconv *lc = localeconv();
    const char *dp = (lc != NULL && lc->decimal_point != NULL && lc->decimal_point[0] != '\0')
                         ? lc->decimal_point
                         : ".";
    size_t dl = strlen(dp), need = n * dl + 1, o = 0;
    char *buf = need <= sizeof small ? small : malloc(need);
    if (buf == NULL)
        return EDX_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            memcpy(buf + o, dp, dl);
            o += dl;
        } else {
            buf[o++] = s[i];
        }
    }
    buf[o] = '\0';
    char *endp = NULL;
    *out = strtod(buf, &endp);
    int rc = endp == buf + o ? EDX_OK : EDX_ERR_FORMAT;
    if (buf != small)
        free(buf);
    return rc;
}

int edx_parse_double(const char *s, size_t len, double *out)
{
    size_t i = 0, end = len;
    while (i < end && is_space(s[i]))
        i++;
    while (end > i && is_space(s[end - 1]))
        end--;
    if (i == end)
        return EDX_ERR_FORMAT;
    bool neg = false;
    if (s[i] == '+' || s[i] == '-') {
        neg = s[i] == '-';
        i++;
    }
    size_t start = i;
    uint64_t mant = 0;
    int exp10 = 0, n_digits = 0, n_sig = 0;
    bool dot = false;
    for (; i < end; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            n_digits++;
            if (n_sig < 19) {
                if (mant != 0 || c != '0')
                    n_sig++;
                mant = mant * 10 + (uint64_t)(c - '0');
                if (dot)
                    exp10--;
            } else if (!dot) {
                exp10++; /* digits past 19 significant ones only scale */
            }
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (n_digits == 0)
        return EDX_ERR_FORMAT;
    if (i < end && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < end && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        if (i == end || s[i] < '0' || s[i] > '9')
            return EDX_ERR_FORMAT;
        int e = 0;
        for (; i < end && s[i] >= '0' && s[i] <= '9'; i++)
            if (e < 10000)
                e = e * 10 + (s[i] - '0');
        exp10 += eneg ? -e : e;
    }
    if (i != end)
        return EDX_ERR_FORMAT;
    double v;
    if (mant <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22)
        v = scale_pow10((double)mant, exp10); /* exact operands: correctly rounded */
    else if (strtod_c(s + start, end - start, &v) != EDX_OK)
        return EDX_ERR_FORMAT;
    else
        v = fabs(v);
    if (!isfinite(v))
        return EDX_ERR_FORMAT;
    *out = neg ? -v : v;
    return EDX_OK;
}

int edx_parse_int64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0, end = len;
    while (i < end && is_space(s[i]))
        i++;
    while (end > i && is_space(s[end - 1]))
        end--;
    if (i == end)
        return EDX_ERR_FORMAT;
    bool neg = false;
    if (s[i] == '+' || s[i] == '-') {
        neg = s[i] == '-';
        i++;
    }
    if (i == end)
        return EDX_ERR_FORMAT;
    uint64_t v = 0;
    for (; i < end; i++) {
        if (s[i] < '0' || s[i] > '9')
            return EDX_ERR_FORMAT;
        if (v > (UINT64_MAX - 9) / 10)
            return EDX_ERR_RANGE;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (!neg && v > (uint64_t)INT64_MAX)
        return EDX_ERR_RANGE;
    if (neg && v > (uint64_t)INT64_MAX + 1)
        return EDX_ERR_RANGE;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return EDX_OK;
}

/* Replaces the locale's decimal point (if not '.') with '.', as jansson does. */
static void fix_decimal_point(char *buf)
{
    const struct lconv *lc = localeconv();
    const char *dp = lc != NULL ? lc->decimal_point : NULL;
    if (dp == NULL || dp[0] == '\0' || (dp[0] == '.' && dp[1] == '\0'))
        return;
    size_t dl = strlen(dp);
    char *p = strstr(buf, dp);
    if (p == NULL)
        return;
    *p = '.';
    memmove(p + 1, p + dl, strlen(p + dl) + 1);
}

static bool fmt_nonfinite(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "nan");
    else if (isinf(v))
        snprintf(buf, size, v < 0 ? "-inf" : "inf");
    else
        return false;
    return true;
}

char *edx_fmt_double(char *buf, size_t size, double v, int decimals)
{
    if (size == 0)
        return buf;
    if (fmt_nonfinite(buf, size, v))
        return buf;
    if (decimals < 0)
        decimals = 0;
    if (decimals > 17)
        decimals = 17;
    snprintf(buf, size, "%.*f", decimals, v);
    fix_decimal_point(buf);
    /* "-0.00" reads badly in a clinical table */
    if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
        memmove(buf, buf + 1, strlen(buf));
    return buf;
}

char *edx_fmt_double_g(char *buf, size_t size, double v)
{
    if (size == 0)
        return buf;
    if (fmt_nonfinite(buf, size, v))
        return buf;
    double back;
    /* plain decimals for everyday magnitudes: "20000", "1953.125", "0.05" */
    if (fabs(v) < 1e15 && (v == 0 || fabs(v) >= 1e-6)) {
        for (int dec = 0; dec <= 12; dec++) {
            snprintf(buf, size, "%.*f", dec, v);
            fix_decimal_point(buf);
            if (edx_parse_double(buf, strlen(buf), &back) == EDX_OK && back == v)
                return buf;
        }
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        fix_decimal_point(buf);
        if (edx_parse_double(buf, strlen(buf), &back) == EDX_OK && back == v)
            break;
    }
    return buf;
}
