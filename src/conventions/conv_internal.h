/*
 * conv_internal.h - what the files of the conventions stage share: text
 * helpers (keys, words, numbers with units), the tables' layout, and the
 * study builders' private entry points.
 */
#ifndef EDX_CONV_INTERNAL_H
#define EDX_CONV_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "edx/study.h"

/* ---- text ------------------------------------------------------------------ */

/* ASCII-only classification, independent of the locale. */
static inline bool conv_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static inline bool conv_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline bool conv_is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static inline char conv_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/*
 * The matching key of a name: lower-case letters and digits only (bytes >=
 * 0x80 kept as they are), so "L_Biceps_Bra", "l biceps-bra" and "lbicepsbra"
 * are equal. Writes at most size-1 bytes and a NUL; returns the key length.
 */
size_t conv_key(const char *s, size_t len, char *out, size_t size);

/* Case-insensitive ASCII comparison of s[0..len) with a NUL-terminated word. */
bool conv_eq_word(const char *s, size_t len, const char *word);

/* Copies s[0..len) into out (size bytes), trimmed, '_' read as ' ', runs of
 * spaces collapsed, lower-cased when `lower`. Returns the length written. */
size_t conv_clean_text(const char *s, size_t len, bool lower, char *out, size_t size);

/* Bounded formatting that always terminates (truncating). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void conv_fmt(char *buf, size_t size, const char *fmt, ...);

/* Sets a warning if none is set yet (the first problem wins). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void conv_warn(conv_warning *w, const char *code, const char *fmt, ...);

/* A word of a text: [start, start+len). */
typedef struct conv_word {
    const char *s;
    size_t len;
} conv_word;

/* Splits s[0..len) on spaces and '_' into at most max words; returns the
 * number found (more are ignored and *n_more set). */
size_t conv_split_words(const char *s, size_t len, conv_word *words, size_t max, size_t *n_more);

/* Reads a side word ("R", "L", "Rt", "Lt", "right", "left", "re", "li",
 * optional trailing '.'); CONV_SIDE_NONE when it is not one. */
conv_side conv_side_word(const char *s, size_t len);

/* ---- numbers with units ----------------------------------------------------------- */

typedef enum conv_unit {
    CONV_UNIT_NONE = 0, /* no unit written */
    CONV_UNIT_UNKNOWN,  /* letters we do not know */
    CONV_UNIT_MS, CONV_UNIT_US, CONV_UNIT_S,
    CONV_UNIT_MA, CONV_UNIT_UA,
    CONV_UNIT_CM, CONV_UNIT_MM, CONV_UNIT_M,
    CONV_UNIT_MV, CONV_UNIT_UV, CONV_UNIT_V,
    CONV_UNIT_M_S,
    CONV_UNIT_DEG_C, CONV_UNIT_DEG_F
} conv_unit;

/* A number and the unit written after it (maybe after spaces). */
typedef struct conv_quantity {
    double value;
    bool is_valid;           /* false: the number was malformed */
    conv_unit unit;
    const char *num_s;       /* the number as written */
    size_t num_len;
    const char *unit_s;      /* the unit as written ("" when none) */
    size_t unit_len;
    size_t end;              /* offset just past the unit */
} conv_quantity;

/* True when s[i] starts a number ("7", "-1", ".5", "+3"). */
bool conv_starts_number(const char *s, size_t len, size_t i);

/* Reads the number at s[i] and the unit after it. */
void conv_read_quantity(const char *s, size_t len, size_t i, conv_quantity *q);

/* Reads a unit word alone (for XML unit="..." attributes). */
conv_unit conv_unit_of(const char *s, size_t len);

/* Value of q in the wanted scale: ms, mA, cm, uV, m/s, degree C; false when
 * the unit does not measure that (or is missing). */
bool conv_to_ms(const conv_quantity *q, double *out);
bool conv_to_ma(const conv_quantity *q, double *out);
bool conv_to_cm(const conv_quantity *q, double *out);
bool conv_to_uv(const conv_quantity *q, double *out);
bool conv_to_m_s(const conv_quantity *q, double *out);
bool conv_to_c(const conv_quantity *q, double *out);

/* ---- tables (tables.c) ------------------------------------------------------------ */

typedef enum conv_alias_kind {
    CONV_ALIAS_MUSCLE = 0,
    CONV_ALIAS_NERVE,
    CONV_ALIAS_RECORDING_SITE,
    CONV_ALIAS_STIM_SITE,
    CONV_ALIAS_KINDS
} conv_alias_kind;

/* ---- annotations (annotation.c, xmlnote.c) --------------------------------------- */

void conv_annot_init(conv_annot *a);

/* Parses an <EDF_XMLnote> text into a (what |= CONV_HAS_XML ...). */
int conv_parse_xmlnote(const conv_tables *t, const char *text, size_t len, conv_annot *a);

/* Stores a stimulation site: canonical when the table knows it, else the
 * cleaned text. */
void conv_set_site(const conv_tables *t, const char *s, size_t len, conv_annot *a);

/* ---- study building (study.c, study_nc.c, grouping.c) ------------------------------- */

/* Appends a warning to a study, keeping at most STUDY_WARNINGS_PER_CODE of
 * one code per file (the rest are counted). Returns EDX_OK or EDX_ERR_NOMEM. */
#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
int study_warn(study *st, const char *code, int file, int signal, double onset_s,
               const char *fmt, ...);

/* Frees what a study holds (not the struct itself). */
void study_clear(study *st);

/* Builds a one-file study from an input. */
int study_build_file(const conv_tables *t, const study_input *in, study *st);

/* Grows an array (elements of `size` bytes) to hold n+1 elements. */
int conv_grow(void **items, size_t *cap, size_t n, size_t size);

/* The same with an implicit capacity (8, then powers of two): for arrays
 * that only grow and whose count is all that is stored. */
int conv_push(void **items, size_t n, size_t size);

#endif /* EDX_CONV_INTERNAL_H */
