/*
 * page.c - the document (fonts, compression, metadata, dates) and the frame
 * of every page: institution band with logo and running patient line on top;
 * versions, input hashes, the review notice and "page n of N" at the bottom.
 *
 * libharu keeps every page's content stream in memory until the document is
 * saved, so the footers (which need N) are drawn onto all pages at the end.
 * Two fonts only: libharu 2.3.0 builds each embedded font's width table
 * over the whole font (most of the fixed cost of a report), so a third face
 * would cost about 40 ms and 40 KB per report.
 * Any libharu error is fatal for the document (toolchain.md §3): the handler
 * records the first one and every later step checks rpt_failed().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/rpt_internal.h"

static void on_hpdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
    rpt_ctx *c = user_data;
    if (c->hpdf_error == 0) {
        c->hpdf_error = error_no;
        c->hpdf_detail = detail_no;
    }
}

bool rpt_failed(const rpt_ctx *c)
{
    return c->hpdf_error != 0 || c->pdf == NULL;
}

float rpt_body_left(const rpt_ctx *c)
{
    (void)c;
    return RPT_MARGIN;
}

float rpt_body_width(const rpt_ctx *c)
{
    return c->page_w - 2 * RPT_MARGIN;
}

static HPDF_Font load_font(rpt_ctx *c, const char *file)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", c->cfg->font_dir, file);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        edx_diag_add(c->d, EDX_SEV_ERROR, "RPT-FONT", EDX_LOC_NONE,
                     "font %s cannot be read (install fonts-dejavu-core or set [fonts] dir)",
                     path);
        return NULL;
    }
    fclose(fp);
    const char *name = HPDF_LoadTTFontFromFile(c->pdf, path, HPDF_TRUE);
    return name ? HPDF_GetFont(c->pdf, name, "UTF-8") : NULL;
}

/* The document date: now, or in deterministic mode SOURCE_DATE_EPOCH, else
 * the study's start. */
static HPDF_Date doc_date(const rpt_ctx *c)
{
    HPDF_Date dt = {2000, 1, 1, 0, 0, 0, '+', 0, 0}; /* never 'Z' (toolchain.md §3) */
    struct tm tm;
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    int64_t epoch = 0;
    bool have = !c->opt->is_deterministic;
    if (c->opt->is_deterministic && sde && edx_parse_int64(sde, strlen(sde), &epoch) == EDX_OK &&
        epoch >= 0) {
        t = (time_t)epoch;
        have = true;
    }
    if (have && gmtime_r(&t, &tm)) {
        dt.year = tm.tm_year + 1900, dt.month = tm.tm_mon + 1, dt.day = tm.tm_mday;
        dt.hour = tm.tm_hour, dt.minutes = tm.tm_min, dt.seconds = tm.tm_sec;
        return dt;
    }
    const char *start = rpt_str(json_object_get(c->findings, "study"), "start");
    int y, mo, d, h = 0, mi = 0, s = 0;
    if (start && sscanf(start, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) >= 3 &&
        y >= 1900 && y < 10000 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 &&
        h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 60) {
        dt.year = y, dt.month = mo, dt.day = d, dt.hour = h, dt.minutes = mi, dt.seconds = s;
    }
    return dt;
}

static void set_info(rpt_ctx *c)
{
    const json_t *pat = json_object_get(json_object_get(c->findings, "study"), "patient");
    char name[RPT_TEXT_MAX], title[RPT_TEXT_MAX + 64];
    rpt_sanitize(rpt_str(pat, "name") ? rpt_str(pat, "name") : rpt_str(pat, "code"), name,
                 sizeof name);
    snprintf(title, sizeof title, "EMG/NCS report%s%s", name[0] ? " \xE2\x80\x93 " : "", name);
    HPDF_SetInfoAttr(c->pdf, HPDF_INFO_TITLE, title);
    HPDF_SetInfoAttr(c->pdf, HPDF_INFO_SUBJECT,
                     "Automated preliminary analysis for physician review");
    char creator[64];
    snprintf(creator, sizeof creator, "edxreport %s", edx_version());
    HPDF_SetInfoAttr(c->pdf, HPDF_INFO_CREATOR, creator);
    HPDF_Date dt = doc_date(c);
    HPDF_SetInfoDateAttr(c->pdf, HPDF_INFO_CREATION_DATE, dt);
    HPDF_SetInfoDateAttr(c->pdf, HPDF_INFO_MOD_DATE, dt);
}

static int load_logo(rpt_ctx *c)
{
    if (!c->cfg->logo_path[0])
        return EDX_OK;
    char *data = NULL;
    size_t size = 0;
    int rc = edx_read_small_file(c->cfg->logo_path, 2 * 1024 * 1024, &data, &size);
    if (rc != EDX_OK || size < 8 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0) {
        edx_diag_add(c->d, EDX_SEV_WARNING, "RPT-LOGO", EDX_LOC_NONE,
                     "logo %s is not a readable PNG of at most 2 MB; printed without it",
                     c->cfg->logo_path);
        free(data);
        return rc == EDX_ERR_NOMEM ? rc : EDX_OK;
    }
    c->logo = HPDF_LoadPngImageFromMem(c->pdf, (const HPDF_BYTE *)data, (HPDF_UINT)size);
    free(data);
    if (!c->logo) { /* a broken PNG poisons the document (libharu#216): fail it */
        edx_diag_add(c->d, EDX_SEV_ERROR, "RPT-LOGO", EDX_LOC_NONE,
                     "logo %s cannot be decoded", c->cfg->logo_path);
        return EDX_ERR_IO;
    }
    return EDX_OK;
}

int rpt_doc_open(rpt_ctx *c)
{
    c->pdf = HPDF_New(on_hpdf_error, c);
    if (!c->pdf)
        return EDX_ERR_NOMEM;
    HPDF_SetCompressionMode(c->pdf, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(c->pdf);
    HPDF_SetCurrentEncoder(c->pdf, "UTF-8"); /* before any Info string */
    c->font = load_font(c, "DejaVuSans.ttf");
    c->bold = c->font ? load_font(c, "DejaVuSans-Bold.ttf") : NULL;
    if (!c->font || !c->bold)
        return rpt_failed(c) && c->hpdf_error == HPDF_FAILD_TO_ALLOC_MEM ? EDX_ERR_NOMEM
                                                                        : EDX_ERR_IO;
    set_info(c);
    int rc = load_logo(c);
    if (rc == EDX_OK && rpt_failed(c))
        rc = EDX_ERR_IO;
    if (rc == EDX_OK) {
        bool letter = strcmp(c->cfg->paper, "Letter") == 0;
        c->page_w = letter ? 612.0f : 595.276f;
        c->page_h = letter ? 792.0f : 841.89f;
    }
    return rc;
}

static void draw_header(rpt_ctx *c)
{
    float top = c->page_h - RPT_MARGIN + 10, left = rpt_body_left(c), right = left + rpt_body_width(c);
    float text_right = right;
    if (c->logo) {
        float ih = (float)HPDF_Image_GetHeight(c->logo), iw = (float)HPDF_Image_GetWidth(c->logo);
        float h = RPT_HEADER_H - 10, w = ih > 0 ? iw * h / ih : 0;
        if (w > 120)
            w = 120, h = ih * w / iw;
        HPDF_Page_DrawImage(c->page, c->logo, right - w, top - h, w, h);
        text_right = right - w - 8;
    }
    const char *inst = c->cfg->institution[0] ? c->cfg->institution : "Clinical neurophysiology";
    float half = (text_right - left) * 0.55f;
    rpt_text(c, c->bold, 10.5f, left, top - 10, half, 'l', inst);
    for (size_t i = 0; i < c->cfg->n_address; i++)
        rpt_text(c, c->font, RPT_FS_SMALL, left, top - 20 - 8.5f * (float)i, half, 'l',
                 c->cfg->address[i]);
    rpt_text(c, c->bold, 9.0f, text_right, top - 10, text_right - left - half - 10, 'r',
             c->cfg->title);
    rpt_text(c, c->font, RPT_FS_SMALL + 0.5f, text_right, top - 21, text_right - left - half - 10,
             'r', c->page_title);
    float rule_y = c->page_h - RPT_MARGIN - RPT_HEADER_H + 14;
    HPDF_Page_SetLineWidth(c->page, 1.0f);
    HPDF_Page_SetGrayStroke(c->page, 0.0f);
    HPDF_Page_MoveTo(c->page, left, rule_y);
    HPDF_Page_LineTo(c->page, right, rule_y);
    HPDF_Page_Stroke(c->page);
    c->y = rule_y - 8;
}

int rpt_new_page(rpt_ctx *c)
{
    if (rpt_failed(c))
        return EDX_ERR_IO;
    if (c->n_pages >= RPT_MAX_PAGES) {
        if (!c->is_truncated)
            edx_diag_add(c->d, EDX_SEV_WARNING, "RPT-TOO-LONG", EDX_LOC_NONE,
                         "the report reached %d pages; the rest is drawn over the last page",
                         RPT_MAX_PAGES);
        c->is_truncated = true;
        draw_header(c); /* keep going on the last page rather than fail */
        return EDX_OK;
    }
    c->page = HPDF_AddPage(c->pdf);
    if (!c->page)
        return EDX_ERR_IO;
    HPDF_Page_SetWidth(c->page, c->page_w);
    HPDF_Page_SetHeight(c->page, c->page_h);
    c->n_pages++;
    c->bottom = RPT_MARGIN + RPT_FOOTER_H; /* clear of the footer rule */
    draw_header(c);
    return rpt_failed(c) ? EDX_ERR_IO : EDX_OK;
}

int rpt_need(rpt_ctx *c, float height)
{
    if (c->y - height >= c->bottom)
        return EDX_OK;
    return rpt_new_page(c);
}

/* "Inputs (SHA-256, first 8): a1b2c3d4 …" over at most two lines. */
static void footer_hashes(rpt_ctx *c, char *out, size_t size)
{
    const json_t *files = json_object_get(json_object_get(c->findings, "study"), "files");
    size_t n = json_array_size(files), at = 0;
    at += (size_t)snprintf(out, size, "Input files (SHA-256 prefix):");
    for (size_t i = 0; i < n && at + 24 < size; i++) {
        const char *h = rpt_str(json_array_get(files, i), "sha256");
        at += (size_t)snprintf(out + at, size - at, " %.8s", h ? h : "--------");
        if (i + 1 < n && at > 105) {
            snprintf(out + at, size - at, " (+%zu, see Recordings)", n - i - 1);
            return;
        }
    }
}

void rpt_draw_footers(rpt_ctx *c)
{
    const json_t *sw = json_object_get(c->findings, "software");
    char line1[RPT_TEXT_MAX], line2[RPT_TEXT_MAX], num[64], date[32];
    HPDF_Date dt = doc_date(c);
    snprintf(date, sizeof date, "%04d-%02d-%02d", (int)dt.year, (int)dt.month, (int)dt.day);
    char sw_ver[96], norms[96];
    rpt_sanitize(rpt_str(sw, "version"), sw_ver, sizeof sw_ver);
    rpt_sanitize(rpt_str(sw, "norms"), norms, sizeof norms);
    snprintf(line1, sizeof line1, "edxreport %s (analysis %s) \xC2\xB7 normal limits: %s \xC2\xB7 %s %s",
             edx_version(), sw_ver[0] ? sw_ver : "?", norms[0] ? norms : "not stated",
             c->opt->is_deterministic ? "reproducible render dated" : "rendered", date);
    footer_hashes(c, line2, sizeof line2);
    for (size_t i = 0; i < c->n_pages && !rpt_failed(c); i++) {
        c->page = HPDF_GetPageByIndex(c->pdf, (HPDF_UINT)i);
        if (!c->page)
            return;
        float left = rpt_body_left(c), right = left + rpt_body_width(c), y = RPT_MARGIN + 6;
        HPDF_Page_SetLineWidth(c->page, 0.5f);
        HPDF_Page_SetGrayStroke(c->page, 0.0f);
        HPDF_Page_MoveTo(c->page, left, y + 16);
        HPDF_Page_LineTo(c->page, right, y + 16);
        HPDF_Page_Stroke(c->page);
        snprintf(num, sizeof num, "Page %zu of %zu", i + 1, c->n_pages);
        rpt_text(c, c->bold, RPT_FS_SMALL, right, y + 7, 0, 'r', num);
        rpt_text(c, c->font, 6.5f, left, y + 7, right - left - 70, 'l',
                 "Automated preliminary analysis \xE2\x80\x93 not valid until reviewed and "
                 "signed by a qualified physician.");
        rpt_text(c, c->font, 6.5f, left, y - 1, right - left, 'l', line1);
        rpt_text(c, c->font, 6.5f, left, y - 9, right - left, 'l', line2);
    }
}

int rpt_doc_save(rpt_ctx *c, unsigned char **pdf, size_t *size)
{
    if (rpt_failed(c) || HPDF_SaveToStream(c->pdf) != HPDF_OK)
        return EDX_ERR_IO;
    HPDF_UINT32 n = HPDF_GetStreamSize(c->pdf);
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf)
        return EDX_ERR_NOMEM;
    HPDF_ResetStream(c->pdf);
    HPDF_UINT32 got = n;
    HPDF_STATUS st = HPDF_ReadFromStream(c->pdf, buf, &got);
    if ((st != HPDF_OK && st != HPDF_STREAM_EOF) || got != n) {
        free(buf);
        return EDX_ERR_IO;
    }
    *pdf = buf;
    *size = n;
    return EDX_OK;
}
