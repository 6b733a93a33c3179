/*
 * table.c - ruled tables that break across pages cleanly: the column heads
 * repeat on every page, a group of rows (one nerve, one muscle) is kept on
 * one page when it fits, abnormal cells print bold with their marker, and
 * normal limits print in a lighter, smaller face beside their value.
 */
#include <string.h>

#include "report/rpt_internal.h"

#define ROW_H 11.5f
#define HEAD_H 19.0f

static float col_x(const rpt_table *t, const rpt_ctx *c, size_t i)
{
    float x = rpt_body_left(c);
    for (size_t k = 0; k < i; k++)
        x += t->cols[k].frac * rpt_body_width(c);
    return x;
}

static void hline(rpt_ctx *c, float y, float width)
{
    HPDF_Page_SetLineWidth(c->page, width);
    HPDF_Page_MoveTo(c->page, rpt_body_left(c), y);
    HPDF_Page_LineTo(c->page, rpt_body_left(c) + rpt_body_width(c), y);
    HPDF_Page_Stroke(c->page);
}

/* Draws text in column i between its edges, honouring its alignment. */
static void cell_text(rpt_ctx *c, const rpt_table *t, size_t i, float base, HPDF_Font f,
                      float size, const char *text)
{
    float x0 = col_x(t, c, i), w = t->cols[i].frac * rpt_body_width(c);
    char a = t->cols[i].align;
    float x = a == 'r' ? x0 + w - 3 : a == 'c' ? x0 + w / 2 : x0 + 2;
    rpt_text(c, f, size, x, base, w - 4, a, text);
}

static void draw_head(rpt_ctx *c, rpt_table *t)
{
    float top = c->y;
    HPDF_Page_SetGrayFill(c->page, 0.90f);
    HPDF_Page_Rectangle(c->page, rpt_body_left(c), top - HEAD_H, rpt_body_width(c), HEAD_H);
    HPDF_Page_Fill(c->page);
    HPDF_Page_SetGrayFill(c->page, 0.0f);
    HPDF_Page_SetGrayStroke(c->page, 0.0f);
    hline(c, top, 0.8f);
    for (size_t i = 0; i < t->n_cols; i++) {
        const rpt_col *col = &t->cols[i];
        bool two = col->unit && col->unit[0];
        cell_text(c, t, i, top - (two ? 8.0f : 12.0f), c->bold, 6.5f, col->head);
        if (two)
            cell_text(c, t, i, top - 16.0f, c->font, 6.5f, col->unit);
    }
    c->y = top - HEAD_H;
    hline(c, c->y, 0.5f);
    t->page_of_head = c->n_pages;
}

void rpt_table_begin(rpt_ctx *c, rpt_table *t, const rpt_col *cols, size_t n_cols, float font_size)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->n_cols = n_cols;
    t->font_size = font_size;
    rpt_need(c, HEAD_H + 3 * ROW_H);
    draw_head(c, t);
}

void rpt_table_group(rpt_ctx *c, rpt_table *t, size_t n_rows)
{
    float h = (float)n_rows * ROW_H;
    float page_body = c->page_h - 2 * RPT_MARGIN - RPT_HEADER_H - RPT_FOOTER_H - HEAD_H;
    if (c->y - h < c->bottom && h < page_body) /* keep it together when it can be */
        rpt_new_page(c);
    if (t->page_of_head != c->n_pages)
        draw_head(c, t);
    t->row_in_group = 0;
}

void rpt_table_row(rpt_ctx *c, rpt_table *t, const rpt_cell *cells, bool is_group_head)
{
    if (c->y - ROW_H < c->bottom) {
        rpt_new_page(c);
        draw_head(c, t);
    } else if (t->page_of_head != c->n_pages) {
        draw_head(c, t);
    }
    float top = c->y, base = top - ROW_H + 3.2f;
    if (!is_group_head && (t->row_in_group % 2) == 1) {
        HPDF_Page_SetGrayFill(c->page, 0.96f);
        HPDF_Page_Rectangle(c->page, rpt_body_left(c), top - ROW_H, rpt_body_width(c), ROW_H);
        HPDF_Page_Fill(c->page);
        HPDF_Page_SetGrayFill(c->page, 0.0f);
    }
    for (size_t i = 0; i < t->n_cols; i++) {
        const rpt_cell *cell = &cells[i];
        if (!cell->text[0])
            continue;
        if (cell->is_limit)
            HPDF_Page_SetGrayFill(c->page, 0.35f);
        HPDF_Font f = (cell->is_abnormal || is_group_head) ? c->bold : c->font;
        float size = cell->is_limit ? t->font_size - 0.7f : t->font_size;
        if (is_group_head) { /* the group's title spans the row */
            rpt_text(c, f, size, col_x(t, c, i) + 2, base, rpt_body_width(c) - 4, 'l', cell->text);
            break;
        }
        cell_text(c, t, i, base, f, size, cell->text);
        if (cell->is_limit)
            HPDF_Page_SetGrayFill(c->page, 0.0f);
    }
    c->y = top - ROW_H;
    if (!is_group_head)
        t->row_in_group++;
}

void rpt_table_end(rpt_ctx *c, rpt_table *t)
{
    (void)t;
    HPDF_Page_SetGrayStroke(c->page, 0.0f);
    hline(c, c->y, 0.8f);
    c->y -= 4;
}

void rpt_cell_set(rpt_cell *cell, const char *text)
{
    rpt_sanitize(text, cell->text, sizeof cell->text);
}
