/*
 * text.c - the small text tools of the conventions stage: matching keys,
 * words, sides, and numbers with their units. ASCII rules only, so that the
 * process locale never changes what a label or an annotation means.
 */
#include "conv_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *conv_side_name(conv_side s)
{
    return s == CONV_SIDE_LEFT ? "L" : s == CONV_SIDE_RIGHT ? "R" : "";
}

const char *conv_region_name(conv_region r)
{
    switch (r) {
    case CONV_REGION_BULBAR: return "bulbar";
    case CONV_REGION_CERVICAL: return "cervical";
    case CONV_REGION_THORACIC: return "thoracic";
    case CONV_REGION_LUMBOSACRAL: return "lumbosacral";
    case CONV_REGION_NONE: break;
    }
    return "";
}

const char *conv_test_name(conv_test t)
{
    switch (t) {
    case CONV_TEST_MOTOR: return "motor";
    case CONV_TEST_SENSORY: return "sensory";
    case CONV_TEST_FWAVE: return "fwave";
    case CONV_TEST_NONE: break;
    }
    return "";
}

const char *conv_kind_name(conv_kind k)
{
    return k == CONV_KIND_EMG ? "EMG" : k == CONV_KIND_NC ? "NC" : "unknown";
}

const char *conv_state_name(conv_state s)
{
    switch (s) {
    case CONV_STATE_REST: return "rest";
    case CONV_STATE_INSERTION: return "insertion";
    case CONV_STATE_MINIMAL: return "minimal";
    case CONV_STATE_MODERATE: return "moderate";
    case CONV_STATE_MAXIMAL: return "maximal";
    case CONV_STATE_NONE: break;
    }
    return "";
}

size_t conv_key(const char *s, size_t len, char *out, size_t size)
{
    size_t n = 0;
    if (size == 0)
        return 0;
    for (size_t i = 0; i < len && n + 1 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0)
            break;
        if (conv_is_digit(c) || conv_is_alpha(c))
            out[n++] = conv_lower((char)c);
        else if (c >= 0x80)
            out[n++] = (char)c;
    }
    out[n] = '\0';
    return n;
}

bool conv_eq_word(const char *s, size_t len, const char *word)
{
    size_t wl = strlen(word);
    if (wl != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (conv_lower(s[i]) != conv_lower(word[i]))
            return false;
    return true;
}

size_t conv_clean_text(const char *s, size_t len, bool lower, char *out, size_t size)
{
    size_t n = 0;
    bool pending_space = false;
    if (size == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == 0)
            break;
        if (c == '_' || conv_is_space((unsigned char)c)) {
            pending_space = n > 0;
            continue;
        }
        if ((unsigned char)c < 0x20 || c == 0x7f)
            continue; /* control characters never reach names */
        if (pending_space) {
            if (n + 2 >= size)
                break;
            out[n++] = ' ';
            pending_space = false;
        }
        if (n + 1 >= size)
            break;
        out[n++] = lower ? conv_lower(c) : c;
    }
    /* never end in the middle of a UTF-8 sequence */
    while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0xC0)
        n--;
    if (n > 0 && ((unsigned char)out[n - 1] & 0x80)) {
        size_t k = n;
        while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
            k--;
        if (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0xC0) {
            unsigned char lead = (unsigned char)out[k - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (n - (k - 1) < need)
                n = k - 1;
        }
    }
    out[n] = '\0';
    return n;
}

void conv_fmt(char *buf, size_t size, const char *fmt, ...)
{
    if (size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (r < 0)
        buf[0] = '\0';
}

void conv_warn(conv_warning *w, const char *code, const char *fmt, ...)
{
    if (!w || w->code)
        return;
    w->code = code;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(w->message, sizeof w->message, fmt, ap);
    va_end(ap);
    if (r < 0)
        w->message[0] = '\0';
}

size_t conv_split_words(const char *s, size_t len, conv_word *words, size_t max, size_t *n_more)
{
    size_t n = 0, more = 0, i = 0;
    while (i < len) {
        while (i < len && (conv_is_space((unsigned char)s[i]) || s[i] == '_'))
            i++;
        if (i >= len)
            break;
        size_t b = i;
        while (i < len && !conv_is_space((unsigned char)s[i]) && s[i] != '_')
            i++;
        if (n < max) {
            words[n].s = s + b;
            words[n].len = i - b;
            n++;
        } else {
            more++;
        }
    }
    if (n_more)
        *n_more = more;
    return n;
}

conv_side conv_side_word(const char *s, size_t len)
{
    if (len > 1 && s[len - 1] == '.')
        len--;
    /* Sources: EDF+ specification label "R APB" and stimulus texts "right",
     * "left"; "Rt"/"Lt" and German "re"/"li" are common in exported labels. */
    static const char *const right[] = {"r", "rt", "right", "re", "rechts"};
    static const char *const left[] = {"l", "lt", "left", "li", "links"};
    for (size_t k = 0; k < sizeof right / sizeof right[0]; k++)
        if (conv_eq_word(s, len, right[k]))
            return CONV_SIDE_RIGHT;
    for (size_t k = 0; k < sizeof left / sizeof left[0]; k++)
        if (conv_eq_word(s, len, left[k]))
            return CONV_SIDE_LEFT;
    return CONV_SIDE_NONE;
}

/* ---- numbers with units ------------------------------------------------------------ */

bool conv_starts_number(const char *s, size_t len, size_t i)
{
    if (i >= len)
        return false;
    if (conv_is_digit((unsigned char)s[i]))
        return true;
    if ((s[i] == '+' || s[i] == '-' || s[i] == '.') && i + 1 < len) {
        if (conv_is_digit((unsigned char)s[i + 1]))
            return true;
        if (s[i] != '.' && s[i + 1] == '.' && i + 2 < len && conv_is_digit((unsigned char)s[i + 2]))
            return true;
    }
    return false;
}

static bool unit_char(const char *s, size_t len, size_t i, size_t *adv)
{
    unsigned char c = (unsigned char)s[i];
    if (conv_is_alpha(c) || c == '/') {
        *adv = 1;
        return true;
    }
    /* UTF-8 degree sign (C2 B0), micro sign (C2 B5), Greek mu (CE BC) */
    if (i + 1 < len) {
        unsigned char d = (unsigned char)s[i + 1];
        if ((c == 0xC2 && (d == 0xB0 || d == 0xB5)) || (c == 0xCE && d == 0xBC)) {
            *adv = 2;
            return true;
        }
    }
    return false;
}

conv_unit conv_unit_of(const char *s, size_t len)
{
    char k[24];
    size_t n = 0;
    /* a key that keeps '/' and spells the degree and micro signs as words */
    for (size_t i = 0; i < len && n + 7 < sizeof k; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xB0) {
            memcpy(k + n, "deg", 3);
            n += 3;
            i++;
        } else if ((c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xB5) ||
                   (c == 0xCE && i + 1 < len && (unsigned char)s[i + 1] == 0xBC)) {
            k[n++] = 'u';
            i++;
        } else if (conv_is_alpha(c) || c == '/') {
            k[n++] = conv_lower((char)c);
        } else if (c == ' ' || c == '.') {
            continue; /* "degree C", "m/s." */
        } else {
            return CONV_UNIT_UNKNOWN;
        }
    }
    k[n] = '\0';
    if (n == 0)
        return CONV_UNIT_NONE;
    static const struct {
        const char *name;
        conv_unit unit;
    } units[] = {
        {"ms", CONV_UNIT_MS},      {"msec", CONV_UNIT_MS},    {"us", CONV_UNIT_US},
        {"usec", CONV_UNIT_US},    {"s", CONV_UNIT_S},        {"sec", CONV_UNIT_S},
        {"ma", CONV_UNIT_MA},      {"ua", CONV_UNIT_UA},      {"cm", CONV_UNIT_CM},
        {"mm", CONV_UNIT_MM},      {"m", CONV_UNIT_M},        {"mv", CONV_UNIT_MV},
        {"uv", CONV_UNIT_UV},      {"v", CONV_UNIT_V},        {"m/s", CONV_UNIT_M_S},
        {"ms-1", CONV_UNIT_M_S},   {"c", CONV_UNIT_DEG_C},    {"degc", CONV_UNIT_DEG_C},
        {"degreec", CONV_UNIT_DEG_C}, {"degreesc", CONV_UNIT_DEG_C}, {"celsius", CONV_UNIT_DEG_C},
        {"f", CONV_UNIT_DEG_F},    {"degf", CONV_UNIT_DEG_F}, {"degreef", CONV_UNIT_DEG_F},
    };
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
        if (strcmp(k, units[u].name) == 0)
            return units[u].unit;
    return CONV_UNIT_UNKNOWN;
}

void conv_read_quantity(const char *s, size_t len, size_t i, conv_quantity *q)
{
    memset(q, 0, sizeof *q);
    q->value = NAN;
    size_t b = i;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    /* the number: digits, '.', and ',' (read, then refused: EDF+ numbers use '.') */
    while (i < len && (conv_is_digit((unsigned char)s[i]) || s[i] == '.' || s[i] == ','))
        i++;
    /* an exponent only when digits follow ("1e-3"), so "5e" stays a unit */
    if (i + 1 < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < len && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < len && conv_is_digit((unsigned char)s[j])) {
            while (j < len && conv_is_digit((unsigned char)s[j]))
                j++;
            i = j;
        }
    }
    q->num_s = s + b;
    q->num_len = i - b;
    bool has_comma = memchr(q->num_s, ',', q->num_len) != NULL;
    q->is_valid = !has_comma && edx_parse_double(q->num_s, q->num_len, &q->value) == EDX_OK &&
                  isfinite(q->value);
    if (!q->is_valid)
        q->value = NAN;
    /* the unit: maybe after spaces, letters, '/', degree and micro signs */
    size_t j = i;
    while (j < len && s[j] == ' ')
        j++;
    size_t ub = j, adv = 0;
    while (j < len && unit_char(s, len, j, &adv))
        j += adv;
    /* "degree C": a unit word followed by a single C */
    if (j - ub >= 3 && conv_eq_word(s + ub, j - ub, "degree") && j + 1 < len && s[j] == ' ' &&
        (s[j + 1] == 'C' || s[j + 1] == 'c' || s[j + 1] == 'F' || s[j + 1] == 'f') &&
        (j + 2 >= len || !conv_is_alpha((unsigned char)s[j + 2])))
        j += 2;
    /* a unit is only the letters right after the number; a plain word after a
     * space ("6.5 at ...") is not a unit */
    if (j > ub && ub > i && conv_unit_of(s + ub, j - ub) == CONV_UNIT_UNKNOWN) {
        q->unit = CONV_UNIT_NONE;
        q->unit_s = s + i;
        q->unit_len = 0;
        q->end = i;
        return;
    }
    q->unit_s = s + ub;
    q->unit_len = j - ub;
    q->unit = q->unit_len ? conv_unit_of(q->unit_s, q->unit_len) : CONV_UNIT_NONE;
    q->end = j;
}

bool conv_to_ms(const conv_quantity *q, double *out)
{
    switch (q->unit) {
    case CONV_UNIT_MS: *out = q->value; return true;
    case CONV_UNIT_US: *out = q->value / 1000.0; return true;
    case CONV_UNIT_S: *out = q->value * 1000.0; return true;
    default: return false;
    }
}

bool conv_to_ma(const conv_quantity *q, double *out)
{
    switch (q->unit) {
    case CONV_UNIT_MA: *out = q->value; return true;
    case CONV_UNIT_UA: *out = q->value / 1000.0; return true;
    default: return false;
    }
}

bool conv_to_cm(const conv_quantity *q, double *out)
{
    switch (q->unit) {
    case CONV_UNIT_CM: *out = q->value; return true;
    case CONV_UNIT_MM: *out = q->value / 10.0; return true;
    case CONV_UNIT_M: *out = q->value * 100.0; return true;
    default: return false;
    }
}

bool conv_to_uv(const conv_quantity *q, double *out)
{
    switch (q->unit) {
    case CONV_UNIT_UV: *out = q->value; return true;
    case CONV_UNIT_MV: *out = q->value * 1000.0; return true;
    case CONV_UNIT_V: *out = q->value * 1e6; return true;
    default: return false;
    }
}

bool conv_to_m_s(const conv_quantity *q, double *out)
{
    if (q->unit != CONV_UNIT_M_S)
        return false;
    *out = q->value;
    return true;
}

bool conv_to_c(const conv_quantity *q, double *out)
{
    if (q->unit != CONV_UNIT_DEG_C)
        return false;
    *out = q->value;
    return true;
}

int conv_grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return EDX_OK;
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap < n + 1 || ncap > SIZE_MAX / size)
        return EDX_ERR_NOMEM;
    void *p = realloc(*items, ncap * size);
    if (!p)
        return EDX_ERR_NOMEM;
    *items = p;
    *cap = ncap;
    return EDX_OK;
}

int conv_push(void **items, size_t n, size_t size)
{
    /* the capacity is implicit: 8, then the next power of two */
    if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
        return EDX_OK;
    size_t ncap = n == 0 ? 8 : n * 2;
    if (ncap > SIZE_MAX / size)
        return EDX_ERR_NOMEM;
    void *p = realloc(*items, ncap * size);
    if (!p)
        return EDX_ERR_NOMEM;
    *items = p;
    return EDX_OK;
}
