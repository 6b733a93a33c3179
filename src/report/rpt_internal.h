/*
 * rpt_internal.h - what the files of the report stage share: the render
 * context (one per rpt_render call, nothing global), the page frame, text
 * functions and the readers of the findings JSON.
 *
 * Coordinates are PDF points (1/72 in), origin at the bottom left; `y` is
 * the baseline-free top of the next block, moving down the page.
 */
#ifndef EDX_RPT_INTERNAL_H
#define EDX_RPT_INTERNAL_H

#include <hpdf.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "edx/common.h"
#include "edx/edf.h"
#include "edx/report.h"
#include "edx/study.h"

typedef struct rpt_source rpt_source; /* recordings.c */

enum {
    RPT_TEXT_MAX = 512,   /* one printed field after sanitising (bytes) */
    RPT_LINE_MAX = 2048,  /* one paragraph (bytes) */
    RPT_ADDRESS_LINES = 3,
    RPT_MAX_PAGES = 200   /* a report longer than this is cut, with a warning */
};

struct rpt_config {
    char paper[16];                      /* "A4" or "Letter" */
    char title[RPT_TEXT_MAX];
    char institution[RPT_TEXT_MAX];
    char address[RPT_ADDRESS_LINES][RPT_TEXT_MAX];
    size_t n_address;
    char logo_path[4352];                /* "" = no logo */
    char signoff[RPT_TEXT_MAX];
    char font_dir[1024];
};

/* Type sizes (pt) and colours, one place. */
#define RPT_FS_BODY 8.5f
#define RPT_FS_SMALL 7.0f
#define RPT_FS_H1 13.0f
#define RPT_FS_H2 10.5f
#define RPT_MARGIN 36.0f
#define RPT_HEADER_H 46.0f   /* institution band on every page */
#define RPT_FOOTER_H 30.0f

typedef struct rpt_ctx {
    HPDF_Doc pdf;
    HPDF_Font font, bold;
    HPDF_Page page;          /* current page */
    size_t n_pages;
    float page_w, page_h;
    float y;                 /* top of the next block on the current page */
    float bottom;            /* lowest y the body may use */
    const rpt_config *cfg;
    const rpt_options *opt;
    const json_t *findings;
    edx_diags *d;
    HPDF_Image logo;
    HPDF_STATUS hpdf_error;  /* first error libharu reported; 0 = none */
    HPDF_STATUS hpdf_detail;
    bool is_truncated;       /* RPT_MAX_PAGES reached */
    char page_title[RPT_TEXT_MAX]; /* running head of continuation pages */
    rpt_source *src;         /* the recordings, read on first use */
    bool src_failed;
} rpt_ctx;

/* ---- document and page frame (page.c) ------------------------------------ */
int rpt_doc_open(rpt_ctx *c);
/* Starts a new page with the frame drawn; the body begins at c->y. */
int rpt_new_page(rpt_ctx *c);
/* Starts a new page when fewer than `height` points remain. */
int rpt_need(rpt_ctx *c, float height);
/* Footers ("page n of N", versions, hashes) on every page; call once at the end. */
void rpt_draw_footers(rpt_ctx *c);
/* Saves into memory. */
int rpt_doc_save(rpt_ctx *c, unsigned char **pdf, size_t *size);
bool rpt_failed(const rpt_ctx *c);
float rpt_body_left(const rpt_ctx *c);
float rpt_body_width(const rpt_ctx *c);

/* ---- text (text.c) --------------------------------------------------------- */
/*
 * Copies UTF-8 text into out as something safe to print on one line:
 * invalid bytes become U+FFFD-free '?', control and bidi-override characters
 * and characters outside the Basic Multilingual Plane become a space or '?',
 * runs of white space collapse. Always NUL-terminates. NULL prints "".
 */
void rpt_sanitize(const char *in, char *out, size_t size);
/* Width in points of sanitised text in a font and size. */
float rpt_text_width(rpt_ctx *c, HPDF_Font f, float size, const char *text);
/* Shortens sanitised text in place (ending in "…") to fit max_w. */
void rpt_fit(rpt_ctx *c, HPDF_Font f, float size, char *text, float max_w);
/* Draws text (sanitised and fitted to max_w; max_w <= 0: no limit) with its
 * baseline at y. align: 'l', 'r' or 'c' (x is the left, right or centre). */
void rpt_text(rpt_ctx *c, HPDF_Font f, float size, float x, float y, float max_w, char align,
              const char *text);
/* Word-wraps a paragraph into the body from c->y down, starting new pages as
 * needed; returns the height used. indent: left offset in points. */
float rpt_paragraph(rpt_ctx *c, HPDF_Font f, float size, float indent, const char *text);
/* Bytes of sanitised text s that fit on one line of width w (breaking at a
 * space; an over-long word is cut). */
size_t rpt_wrap_len(rpt_ctx *c, HPDF_Font f, float size, const char *s, float w);
/* Lines a paragraph would take at width w (for keeping blocks together). */
int rpt_paragraph_lines(rpt_ctx *c, HPDF_Font f, float size, float w, const char *text);
/* A section heading with a rule under it; keeps `keep` points below it on
 * the same page. */
void rpt_heading(rpt_ctx *c, const char *text, float keep);

/* ---- tables (table.c) -------------------------------------------------------- */
typedef struct rpt_col {
    const char *head;  /* bold column name */
    const char *unit;  /* second head line ("ms", "mV"), or NULL */
    float frac;        /* share of the body width */
    char align;        /* 'l', 'r', 'c' */
} rpt_col;

typedef struct rpt_cell {
    char text[96];
    bool is_abnormal;  /* bold (the text carries its marker) */
    bool is_limit;     /* a normal limit: lighter and smaller */
} rpt_cell;

typedef struct rpt_table {
    const rpt_col *cols;
    size_t n_cols;
    size_t page_of_head; /* page the column heads were last drawn on */
    size_t row_in_group;
    float font_size;     /* of the cells */
} rpt_table;

enum { RPT_MAX_COLS = 16 };

void rpt_table_begin(rpt_ctx *c, rpt_table *t, const rpt_col *cols, size_t n_cols,
                     float font_size);
/* Before a group of n_rows rows (kept on one page when they fit). */
void rpt_table_group(rpt_ctx *c, rpt_table *t, size_t n_rows);
/* A row; is_group_head: cells[0] is a bold title spanning the row. */
void rpt_table_row(rpt_ctx *c, rpt_table *t, const rpt_cell *cells, bool is_group_head);
void rpt_table_end(rpt_ctx *c, rpt_table *t);
void rpt_cell_set(rpt_cell *cell, const char *text); /* sanitised copy */

/* ---- normal limits and abnormal marks (limits.c) ------------------------------ */
/*
 * A measured value of a findings item with its normal limit and whether it
 * is abnormal. The limit is read from the item's "limits" or "normal_limits"
 * object, keyed by parameter: a number, {"uln": x} / {"lln": x} /
 * {"max": x} / {"min": x}, or {"kind": "ULN"|"LLN", "value": x}. A value is
 * abnormal when it is beyond its limit or when the item's "flags" hold a
 * flag naming it (see limits.c). Markers: ▲ above the upper limit, ▼ below
 * the lower limit, * abnormal without a direction.
 */
void rpt_value_cells(const json_t *item, const char *param, int decimals, double scale,
                     rpt_cell *value, rpt_cell *limit);

/* ---- findings readers (json_get.c) ----------------------------------------- */
const char *rpt_str(const json_t *obj, const char *key);        /* NULL when absent/not a string */
bool rpt_num(const json_t *obj, const char *key, double *out);   /* false when absent/null/NaN */
/* A number with `decimals` digits, or "–" when absent ("absent" when the site
 * was absent). */
void rpt_fmt_num(const json_t *obj, const char *key, int decimals, double scale, char *buf,
                 size_t size);
bool rpt_has_flag(const json_t *obj, const char *flag);
/* Pretty words for a vocabulary value: "positive_sharp_wave" -> "positive sharp wave". */
void rpt_words(const char *value, char *out, size_t size);

/* ---- the recordings behind the findings (recordings.c) ------------------- */
/* A file the findings name: as written, else relative to the findings
 * file's folder, else its name in that folder. False when none exists. */
bool rpt_resolve_path(const rpt_ctx *c, const char *path, char *out, size_t size);
/* The study re-read from study.files (once; NULL when none can be read). */
rpt_source *rpt_source_get(rpt_ctx *c);
void rpt_source_free(rpt_source *s);
/* The conventions' nerve test or muscle matching a findings item, or NULL. */
const study_nerve_test *rpt_source_nerve(const rpt_source *s, const json_t *item);
const study_muscle *rpt_source_muscle(const rpt_source *s, const json_t *item);
/* Opens study file `file` (the caller closes it). */
int rpt_source_open_file(const rpt_source *s, int file, edf_file **f);
/*
 * Samples (µV, as stored: negative = active electrode negative) of one
 * signal between t0_s and t1_s, at n_grid evenly spaced times from t0_ms to
 * t1_ms after the reference time at0_s (linear interpolation; NAN where the
 * data do not reach).
 */
int rpt_read_window(edf_file *f, int signal, double t0_s, double t1_s, double at0_s,
                    double t0_ms, double t1_ms, double *grid, size_t n_grid);

/* ---- sections ------------------------------------------------------------------ */
void rpt_patient_block(rpt_ctx *c);          /* header.c */
void rpt_disclaimer_box(rpt_ctx *c);         /* header.c */
void rpt_signoff(rpt_ctx *c);                /* header.c */
void rpt_ncs_tables(rpt_ctx *c);             /* ncs_table.c */
void rpt_emg_table(rpt_ctx *c);              /* emg_table.c */
void rpt_summary(rpt_ctx *c);                /* summary.c */
void rpt_ncs_traces(rpt_ctx *c);             /* traces.c */
void rpt_emg_panels(rpt_ctx *c);             /* emg_panels.c */
void rpt_sections(rpt_ctx *c);               /* sections.c: tables, summary */
void rpt_appendix(rpt_ctx *c);               /* sections.c: traces, panels, recordings */

#endif /* EDX_RPT_INTERNAL_H */
