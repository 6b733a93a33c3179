/*
 * edx/norms.h - normal limits for nerve conduction studies, loaded from
 * templates/normals.tsv, and the lookup that picks the limit for one measure
 * of one patient.
 *
 * The table is immutable once loaded; every function takes it as a const
 * argument, so one table can serve any number of studies (and threads).
 *
 * Matching rules (norms_find):
 *   - nerve, test and parameter must match; recording site too unless the
 *     query leaves it NULL. Names compare ignoring case and every character
 *     but letters and digits ("Below Elbow" == "below-elbow").
 *   - the segment: a NULL segment_from means the standard distal measure
 *     (rows with an empty/'*' segment); segment_from without segment_to is a
 *     distal measure from another site (e.g. "palm" for the 7-cm studies);
 *     both name the segment between two stimulation sites.
 *   - bands: a row restricting age, height or sex matches only when the
 *     patient's value is known and inside the band. Age bands are inclusive
 *     on whole years (age_min <= floor(age) <= age_max); height bands are
 *     half-open (height_min_cm <= height < height_max_cm).
 *   - among matching rows the one restricting the most of age, height and
 *     sex wins ("men 50-79 y" over "all"); on a tie, the earlier row in the
 *     file wins. Unknown age or height therefore falls back to the "all"
 *     row.
 */
#ifndef EDX_NORMS_H
#define EDX_NORMS_H

#include <stddef.h>

#include "edx/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum norms_kind {
    NORMS_ULN = 1, /* upper limit of normal: a larger value is abnormal */
    NORMS_LLN = 2  /* lower limit of normal: a smaller value is abnormal */
} norms_kind;

typedef enum norms_sex {
    NORMS_SEX_ANY = 0, /* in a query: unknown */
    NORMS_SEX_MALE = 1,
    NORMS_SEX_FEMALE = 2
} norms_sex;

enum { NORMS_NAME_MAX = 48, NORMS_SOURCE_MAX = 192, NORMS_BAND_MAX = 64 };

/* One limit as the lookup returns it. Values are in the parameter's unit:
 * ms, µV (amplitudes; mV in the table is converted), m/s or %. */
typedef struct norms_limit {
    norms_kind kind;
    double value;
    char nerve[NORMS_NAME_MAX];
    char test[16];                 /* motor, sensory, fwave */
    char recording_site[NORMS_NAME_MAX];
    char parameter[NORMS_NAME_MAX];
    char segment[2 * NORMS_NAME_MAX]; /* "" (distal), "palm", "wrist>elbow" */
    const char *unit;              /* "ms", "uV", "m/s", "%" (static string) */
    /* the band that matched; NAN (or NORMS_SEX_ANY) = not restricted */
    double age_min, age_max;
    double height_min_cm, height_max_cm;
    norms_sex sex;
    char band[NORMS_BAND_MAX];     /* human-readable: "all", "age 50-79 y, male" */
    /* technique the limit is bound to; NAN = not stated */
    double distance_cm;
    double temp_min_c;
    double lff_min_hz, lff_max_hz;
    char source[NORMS_SOURCE_MAX]; /* source IDs and evidence tags */
    int line;                      /* line in normals.tsv */
} norms_limit;

typedef struct norms_query {
    const char *nerve;          /* "median", "superficial peroneal", ... */
    const char *test;           /* "motor", "sensory", "fwave" */
    const char *recording_site; /* "APB", "D2", ...; NULL = any */
    const char *parameter;      /* "onset_latency_ms", "amplitude_uv", ... */
    const char *segment_from;   /* NULL = standard distal measure */
    const char *segment_to;     /* NULL = distal measure from segment_from */
    double age_years;           /* NAN = unknown */
    double height_cm;           /* NAN = unknown */
    norms_sex sex;              /* NORMS_SEX_ANY = unknown */
} norms_query;

/* A query with everything unknown (NAN age/height, unknown sex). */
norms_query norms_query_init(const char *nerve, const char *test, const char *recording_site,
                             const char *parameter);

typedef struct norms_table norms_table;

/*
 * Loads <template_dir>/normals.tsv (template_dir NULL: edx_find_template_dir).
 * A bad row (unknown parameter/kind/unit/test, a bad number, no source) is
 * skipped with a warning naming file and line ("NORMS-ROW-..."); the good
 * rows still load. A missing/unreadable file or a header without the
 * required columns is an error: EDX_ERR_NOT_FOUND / EDX_ERR_IO /
 * EDX_ERR_CONFIG with an error diagnostic and *out = NULL.
 */
int norms_table_load(const char *template_dir, edx_diags *d, norms_table **out);
/* The same from a file path. */
int norms_table_load_file(const char *path, edx_diags *d, norms_table **out);
void norms_table_free(norms_table *t); /* NULL is fine */

size_t norms_table_count(const norms_table *t);
/* Row i (0-based) in file order, or NULL. */
const norms_limit *norms_table_at(const norms_table *t, size_t i);

/* The best matching limit (rules above): EDX_OK, EDX_ERR_NOT_FOUND, or
 * EDX_ERR_INVALID for a NULL argument or a query without nerve, test or
 * parameter. */
int norms_find(const norms_table *t, const norms_query *q, norms_limit *out);

/*
 * The flag for a measured value, or NULL when it is within limits (a value
 * equal to the limit is normal) or not a number:
 *   LLN on amplitude_uv / amplitude_pp_uv            -> "low"
 *   LLN on velocity_m_s                              -> "slow"
 *   ULN on *_latency_ms and duration_ms              -> "prolonged"
 *   ULN on drops, increases and differences (%, ms) -> "excessive"
 *   any other combination beyond its limit           -> "abnormal"
 */
const char *norms_flag(const norms_limit *lim, double value);

#ifdef __cplusplus
}
#endif
#endif /* EDX_NORMS_H */
