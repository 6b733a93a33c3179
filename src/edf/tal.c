/*
 * tal.c - Time-stamped Annotations Lists (EDF+ section 2.2.2):
 *
 *   TAL   = onset [0x15 duration] 0x14 { text 0x14 } 0x00
 *   onset = ('+' | '-') digits ['.' digits]      seconds
 *
 * An annotation signal of a record holds TALs one after the other, padded
 * with zeros. The parser is lenient: every deviation is a warning and it
 * resynchronises at the next zero byte. It never reads past the buffer.
 */
#include "edf_internal.h"

#include <string.h>

enum { TAL_DUR = 0x15, TAL_SEP = 0x14 };

typedef struct tal_cursor {
    const uint8_t *b;
    size_t n, i;
    edx_diags *diags;
    edx_loc loc; /* byte_offset: where the buffer starts in the file, or NONE */
} tal_cursor;

static edx_loc at(const tal_cursor *c, size_t pos)
{
    edx_loc l = c->loc;
    if (l.byte_offset != EDX_DIAG_NONE)
        l.byte_offset += (int64_t)pos;
    return l;
}

/* Index of the first byte at or after i that is one of the stop bytes, or n. */
static size_t scan_until(const tal_cursor *c, size_t i, uint8_t s1, uint8_t s2, uint8_t s3)
{
    while (i < c->n && c->b[i] != s1 && c->b[i] != s2 && c->b[i] != s3)
        i++;
    return i;
}

static void skip_to_nul(tal_cursor *c)
{
    while (c->i < c->n && c->b[c->i] != 0)
        c->i++;
}

static int parse_number(const tal_cursor *c, size_t from, size_t to, double *out)
{
    return edx_parse_double((const char *)c->b + from, to - from, out);
}

/* Reads "onset[\x15duration]" up to the first 0x14; false after a warning. */
static bool parse_times(tal_cursor *c, double *onset, double *dur)
{
    size_t start = c->i;
    if (c->b[start] != '+' && c->b[start] != '-')
        edx_diag_add(c->diags, EDX_SEV_WARNING, "TAL-ONSET-SIGN", at(c, start),
                     "TAL onset does not start with '+' or '-'");
    size_t e = scan_until(c, start, TAL_DUR, TAL_SEP, 0);
    if (parse_number(c, start, e, onset) != EDX_OK) {
        edx_diag_add(c->diags, EDX_SEV_WARNING, "TAL-ONSET", at(c, start),
                     "TAL onset '%.*s' is not a number of seconds",
                     (int)(e - start > 24 ? 24 : e - start), (const char *)c->b + start);
        return false;
    }
    *dur = -1;
    if (e < c->n && c->b[e] == TAL_DUR) {
        size_t d0 = e + 1;
        e = scan_until(c, d0, TAL_SEP, 0, TAL_DUR);
        if (parse_number(c, d0, e, dur) != EDX_OK || *dur < 0) {
            edx_diag_add(c->diags, EDX_SEV_WARNING, "TAL-DURATION", at(c, d0),
                         "TAL duration '%.*s' is not a non-negative number of seconds",
                         (int)(e - d0 > 24 ? 24 : e - d0), (const char *)c->b + d0);
            *dur = -1;
        }
    }
    if (e >= c->n || c->b[e] != TAL_SEP) {
        edx_diag_add(c->diags, EDX_SEV_WARNING, "TAL-SYNTAX", at(c, e),
                     "TAL onset is not followed by 0x14");
        return false;
    }
    c->i = e + 1;
    return true;
}

/* One TAL from c->i (at its onset); calls fn for each annotation. */
static int parse_one(tal_cursor *c, edf_tal_fn fn, void *ctx)
{
    size_t tal_start = c->i;
    edf_tal_item it = {0};
    if (!parse_times(c, &it.onset_s, &it.duration_s)) {
        skip_to_nul(c);
        return EDX_OK;
    }
    it.byte_offset = tal_start;
    size_t k = 0;
    for (;;) {
        size_t t0 = c->i, t1 = scan_until(c, t0, TAL_SEP, 0, 0);
        bool closed = t1 < c->n && c->b[t1] == TAL_SEP;
        if (!closed && t1 >= c->n)
            edx_diag_add(c->diags, EDX_SEV_WARNING, "TAL-UNTERMINATED", at(c, tal_start),
                         "TAL at byte %zu has no terminating 0x00", tal_start);
        if (closed || t1 > t0 || k == 0) {
            it.text = (const char *)c->b + t0;
            it.text_len = t1 - t0;
            it.index_in_tal = k++;
            if (!closed && t1 > t0)
                edx_diag_add(c->diags, EDX_SEV_WARNING, "TAL-TEXT-UNTERMINATED", at(c, t0),
                             "annotation text '%.*s' is not closed by 0x14",
                             (int)(t1 - t0 > 40 ? 40 : t1 - t0), it.text);
            int rc = fn(ctx, &it);
            if (rc != 0)
                return rc;
        }
        c->i = t1 + (t1 < c->n ? 1 : 0);
        if (!closed)
            return EDX_OK;
    }
}

int edf_parse_tals(const uint8_t *bytes, size_t n, edx_diags *diags, edx_loc loc,
                   edf_tal_fn fn, void *ctx)
{
    tal_cursor c = {bytes, n, 0, diags, loc};
    while (c.i < c.n) {
        uint8_t b = c.b[c.i];
        if (b == 0) {
            c.i++;
            continue;
        }
        if (b == '+' || b == '-' || (b >= '0' && b <= '9')) {
            int rc = parse_one(&c, fn, ctx);
            if (rc != 0)
                return rc;
            continue;
        }
        edx_diag_add(diags, EDX_SEV_WARNING, "TAL-SYNTAX", at(&c, c.i),
                     "byte 0x%02X where a TAL should start; skipped to the next 0x00", b);
        skip_to_nul(&c);
    }
    return EDX_OK;
}

/* ---- UTF-8 ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (of at most n bytes), or 0. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

size_t edf_utf8_sanitize(const char *in, size_t n, char *out, size_t out_size)
{
    const uint8_t *p = (const uint8_t *)in;
    size_t o = 0, bad = 0;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq(p + i, n - i);
        const char *src = in + i;
        size_t w = len;
        if (len == 0) {
            src = "\xEF\xBF\xBD"; /* U+FFFD */
            w = 3;
            bad++;
            len = 1;
        }
        if (o + w + 1 > out_size)
            break;
        memcpy(out + o, src, w);
        o += w;
        i += len;
    }
    if (out_size > 0)
        out[o] = '\0';
    return bad;
}
