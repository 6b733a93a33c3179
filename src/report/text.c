/*
 * text.c - printing text that came from recordings and findings safely:
 * sanitising (hostile EDF header and annotation text), fitting to a width,
 * word-wrapping paragraphs across pages, headings.
 *
 * libharu 2.3.0's UTF-8 encoder handles U+0000..U+FFFF only (toolchain.md
 * §3), and has no bidirectional layout: right-to-left letters are printed in
 * stored order, and the bidi controls that could reorder them in a viewer's
 * text layer are removed.
 */
#include <stdint.h>
#include <string.h>

#include "report/rpt_internal.h"

/* Decodes one UTF-8 character at s (len bytes left); returns its length, or
 * 0 for an invalid sequence. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
    if (n == 0 || n > len)
        return 0;
    uint32_t v = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min_for_len[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

static bool is_space_like(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x85;
}

/* Zero-width and direction controls: dropped. */
static bool is_invisible_control(uint32_t cp)
{
    return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF || cp == 0x061C ||
           (cp >= 0xFFF0 && cp <= 0xFFFF) || cp == 0xAD;
}

static size_t put(char *out, size_t size, size_t at, const char *bytes, size_t n)
{
    if (at + n + 1 > size)
        return at;
    memcpy(out + at, bytes, n);
    return at + n;
}

void rpt_sanitize(const char *in, char *out, size_t size)
{
    if (size == 0)
        return;
    size_t at = 0;
    bool pending_space = false;
    const unsigned char *s = (const unsigned char *)(in ? in : "");
    size_t len = strlen((const char *)s);
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t n = utf8_decode(s + i, len - i, &cp);
        const char *bytes = (const char *)s + i;
        size_t nb = n;
        i += n ? n : 1;
        if (n == 0 || cp > 0xFFFF || (cp >= 0xE000 && cp <= 0xF8FF)) {
            bytes = "?"; /* invalid, astral (emoji) or private use */
            nb = 1;
        } else if (is_space_like(cp) || cp == ' ' || cp == 0xA0) {
            pending_space = at > 0;
            continue;
        } else if (is_invisible_control(cp)) {
            continue;
        }
        if (pending_space)
            at = put(out, size, at, " ", 1);
        pending_space = false;
        size_t before = at;
        at = put(out, size, at, bytes, nb);
        if (at == before)
            break; /* full: stop at a character boundary */
    }
    out[at] = '\0';
}

float rpt_text_width(rpt_ctx *c, HPDF_Font f, float size, const char *text)
{
    if (!text || !*text || rpt_failed(c))
        return 0;
    HPDF_TextWidth tw = HPDF_Font_TextWidth(f, (const HPDF_BYTE *)text, (HPDF_UINT)strlen(text));
    return (float)tw.width * size / 1000.0f;
}

/* Index of the start of the UTF-8 character before position i. */
static size_t prev_char(const char *s, size_t i)
{
    while (i > 0 && ((unsigned char)s[--i] & 0xC0) == 0x80)
        ;
    return i;
}

void rpt_fit(rpt_ctx *c, HPDF_Font f, float size, char *text, float max_w)
{
    if (max_w <= 0 || rpt_text_width(c, f, size, text) <= max_w)
        return;
    static const char ell[] = "\xE2\x80\xA6"; /* … */
    float ell_w = rpt_text_width(c, f, size, ell);
    size_t n = strlen(text);
    /* Halve first (very long names), then step back one character at a time. */
    while (n > 64 && rpt_text_width(c, f, size, text) > 2 * max_w) {
        n = prev_char(text, n / 2 + 1);
        text[n] = '\0';
    }
    while (n > 0) {
        n = prev_char(text, n);
        text[n] = '\0';
        if (rpt_text_width(c, f, size, text) + ell_w <= max_w)
            break;
    }
    while (n > 0 && text[n - 1] == ' ')
        text[--n] = '\0';
    if (n + sizeof ell <= RPT_TEXT_MAX)
        memcpy(text + n, ell, sizeof ell);
}

void rpt_text(rpt_ctx *c, HPDF_Font f, float size, float x, float y, float max_w, char align,
              const char *text)
{
    char buf[RPT_TEXT_MAX];
    rpt_sanitize(text, buf, sizeof buf);
    if (!buf[0] || rpt_failed(c))
        return;
    rpt_fit(c, f, size, buf, max_w);
    float w = rpt_text_width(c, f, size, buf);
    if (align == 'r')
        x -= w;
    else if (align == 'c')
        x -= w / 2;
    HPDF_Page_BeginText(c->page);
    HPDF_Page_SetFontAndSize(c->page, f, size);
    HPDF_Page_TextOut(c->page, x, y, buf);
    HPDF_Page_EndText(c->page);
}

/* Length (bytes) of the longest prefix of s, ending at a space, that fits w;
 * a single over-long word is cut at a character boundary. */
size_t rpt_wrap_len(rpt_ctx *c, HPDF_Font f, float size, const char *s, float w)
{
    char line[RPT_LINE_MAX];
    size_t len = strlen(s), best = 0;
    for (size_t i = 0; i <= len; i++) {
        if (s[i] != ' ' && s[i] != '\0')
            continue;
        memcpy(line, s, i);
        line[i] = '\0';
        if (rpt_text_width(c, f, size, line) > w)
            break;
        best = i;
        if (s[i] == '\0')
            break;
    }
    if (best > 0)
        return best;
    size_t n = len; /* one word wider than the line */
    memcpy(line, s, len + 1);
    while (n > 1 && rpt_text_width(c, f, size, line) > w) {
        n = prev_char(line, n);
        line[n] = '\0';
    }
    return n > 0 ? n : 1;
}

/* Calls fn for each wrapped line of text; returns the number of lines. */
static int each_line(rpt_ctx *c, HPDF_Font f, float size, float w, const char *text,
                     void (*fn)(rpt_ctx *, HPDF_Font, float, float, const char *), float indent)
{
    char buf[RPT_LINE_MAX], line[RPT_LINE_MAX];
    rpt_sanitize(text, buf, sizeof buf);
    const char *s = buf;
    int n = 0;
    while (*s && !rpt_failed(c)) {
        size_t k = rpt_wrap_len(c, f, size, s, w);
        memcpy(line, s, k);
        line[k] = '\0';
        if (fn)
            fn(c, f, size, indent, line);
        n++;
        s += k;
        while (*s == ' ')
            s++;
    }
    return n;
}

int rpt_paragraph_lines(rpt_ctx *c, HPDF_Font f, float size, float w, const char *text)
{
    return each_line(c, f, size, w, text, NULL, 0);
}

static void draw_line(rpt_ctx *c, HPDF_Font f, float size, float indent, const char *line)
{
    float lead = size * 1.3f;
    rpt_need(c, lead);
    rpt_text(c, f, size, rpt_body_left(c) + indent, c->y - size, 0, 'l', line);
    c->y -= lead;
}

float rpt_paragraph(rpt_ctx *c, HPDF_Font f, float size, float indent, const char *text)
{
    float y0 = c->y;
    int n = each_line(c, f, size, rpt_body_width(c) - indent, text, draw_line, indent);
    return n > 0 ? y0 - c->y : 0;
}

void rpt_heading(rpt_ctx *c, const char *text, float keep)
{
    rpt_need(c, RPT_FS_H2 * 2.2f + keep);
    c->y -= 6;
    rpt_text(c, c->bold, RPT_FS_H2, rpt_body_left(c), c->y - RPT_FS_H2, rpt_body_width(c), 'l',
             text);
    c->y -= RPT_FS_H2 + 3;
    HPDF_Page_SetLineWidth(c->page, 0.6f);
    HPDF_Page_SetGrayStroke(c->page, 0.0f);
    HPDF_Page_MoveTo(c->page, rpt_body_left(c), c->y);
    HPDF_Page_LineTo(c->page, rpt_body_left(c) + rpt_body_width(c), c->y);
    HPDF_Page_Stroke(c->page);
    c->y -= 5;
}
