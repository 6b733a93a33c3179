/*
 * edx/study.h - the conventions stage: what each recording is, and which
 * recordings make one study.
 *
 * Input contract: man/edxreport-conventions.5 (recording-conventions.md).
 *
 *   conv_*   tables (templates/muscles.tsv, nerves.tsv, local aliases) and the
 *            grammars of signal labels, test codes and annotations. Pure
 *            functions of their text and the loaded tables.
 *   study_*  the study model: patient, conditions, one entry per nerve
 *            conduction test with its sweeps, one entry per needle-EMG
 *            muscle with its epochs, and every warning. Built from open EDF
 *            files (or from their parts, for tests) and grouped into studies.
 *
 * Nothing here prints. Anything the layer cannot place becomes a
 * study_warning with a stable code (CONV-...) and a message naming the label
 * or text; nothing is dropped silently and nothing is guessed.
 *
 * Units are in the names: _s seconds from the file's header start, _ms, _cm,
 * _ma, _uv, _m_s, _c. A number that was not given is NAN.
 */
#ifndef EDX_STUDY_H
#define EDX_STUDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edx/common.h"
#include "edx/edf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- vocabulary ------------------------------------------------------------
 * Names are those of the findings JSON: sides "L"/"R", tests "motor",
 * "sensory", "fwave", regions "bulbar", "cervical", "thoracic", "lumbosacral",
 * nerves in lower case ("median", "superficial peroneal").
 */
typedef enum conv_side { CONV_SIDE_NONE = 0, CONV_SIDE_LEFT = 'L', CONV_SIDE_RIGHT = 'R' } conv_side;

typedef enum conv_region {
    CONV_REGION_NONE = 0,
    CONV_REGION_BULBAR,
    CONV_REGION_CERVICAL,
    CONV_REGION_THORACIC,
    CONV_REGION_LUMBOSACRAL
} conv_region;

typedef enum conv_test { CONV_TEST_NONE = 0, CONV_TEST_MOTOR, CONV_TEST_SENSORY, CONV_TEST_FWAVE } conv_test;

typedef enum conv_kind { CONV_KIND_UNKNOWN = 0, CONV_KIND_EMG, CONV_KIND_NC } conv_kind;

/* Activation states of needle EMG, in the order a muscle is examined. */
typedef enum conv_state {
    CONV_STATE_NONE = 0,
    CONV_STATE_REST,
    CONV_STATE_INSERTION,
    CONV_STATE_MINIMAL,
    CONV_STATE_MODERATE,
    CONV_STATE_MAXIMAL
} conv_state;
enum { CONV_STATE_COUNT = 6 };

const char *conv_side_name(conv_side s);     /* "L", "R", or "" */
const char *conv_region_name(conv_region r); /* "cervical", ...; "" for NONE */
const char *conv_test_name(conv_test t);     /* "motor", ...; "" for NONE */
const char *conv_kind_name(conv_kind k);     /* "EMG", "NC", "unknown" */
const char *conv_state_name(conv_state s);   /* "rest", "insertion", "minimal", ... */

/* ---- tables ---------------------------------------------------------------- */

enum {
    CONV_NAME_MAX = 64,   /* canonical names, sites, nerve names */
    CONV_ROOTS_MAX = 32,  /* "C8-T1" */
    CONV_SOURCE_MAX = 256,
    CONV_MAX_STIM_SITES = 8,
    CONV_TEXT_MAX = 256
};

/* One row of muscles.tsv. */
typedef struct conv_muscle {
    char name[CONV_NAME_MAX];   /* canonical, lower case: "tibialis anterior" */
    conv_region region;         /* MND region (revised El Escorial) */
    char roots[CONV_ROOTS_MAX]; /* "L4-L5" */
    char nerve[CONV_NAME_MAX];  /* peripheral nerve: "deep peroneal" */
    char source[CONV_SOURCE_MAX];
} conv_muscle;

/* One row of nerves.tsv: a nerve, a test and its usual recording site. */
typedef struct conv_nerve {
    char name[CONV_NAME_MAX];            /* "median" */
    conv_test test;
    char recording_site[CONV_NAME_MAX];  /* canonical: "APB", "D2" */
    char stim_sites[CONV_MAX_STIM_SITES][CONV_NAME_MAX]; /* distal to proximal */
    size_t n_stim_sites;
    char source[CONV_SOURCE_MAX];
} conv_nerve;

typedef struct conv_tables conv_tables; /* opaque; immutable once loaded */

/* The file names looked for in the template folder. */
#define CONV_MUSCLES_FILE "muscles.tsv"
#define CONV_NERVES_FILE "nerves.tsv"
#define CONV_LOCAL_ALIASES_FILE "local-aliases.tsv"
#define CONV_LOCAL_ALIASES_ENV "EDX_LOCAL_ALIASES"

/*
 * Loads muscles.tsv and nerves.tsv from `template_dir` (NULL: the folder
 * edx_find_template_dir() finds), then the site's own aliases: the file named
 * by $EDX_LOCAL_ALIASES when set, else local-aliases.tsv in the template
 * folder when it exists. Problems in a table are EDX_SEV_ERROR diagnostics
 * (file, line) and make it return EDX_ERR_CONFIG; problems in the local
 * aliases are warnings (the row is skipped).
 */
int conv_tables_load(const char *template_dir, edx_diags *diags, conv_tables **out);

/* Adds the aliases of one more local-aliases file (same format). */
int conv_tables_add_aliases(conv_tables *t, const char *path, edx_diags *diags);

void conv_tables_free(conv_tables *t); /* NULL is fine */

size_t conv_muscle_count(const conv_tables *t);
const conv_muscle *conv_muscle_at(const conv_tables *t, size_t i);
size_t conv_nerve_count(const conv_tables *t);
const conv_nerve *conv_nerve_at(const conv_tables *t, size_t i);

typedef enum conv_match {
    CONV_MATCH_NONE = 0,
    CONV_MATCH_EXACT,     /* canonical name or alias */
    CONV_MATCH_PREFIX,    /* a 16-character label cut a unique name short */
    CONV_MATCH_AMBIGUOUS  /* the cut name starts several muscles' names */
} conv_match;

/*
 * Matching ignores case and everything but letters and digits ("L_Biceps_Bra"
 * = "l biceps bra" = "lbicepsbra"). allow_prefix: also accept a unique
 * canonical name or alias that starts with the text (for labels cut at 16
 * characters). *out is the muscle, or NULL.
 */
conv_match conv_find_muscle(const conv_tables *t, const char *text, size_t len,
                            bool allow_prefix, const conv_muscle **out);

/* Canonical nerve name ("fibular nerve" -> "peroneal"); NULL when unknown. */
const char *conv_find_nerve_name(const conv_tables *t, const char *text, size_t len);

/* Canonical recording site ("digit 2", "index" -> "D2"); NULL when unknown. */
const char *conv_find_recording_site(const conv_tables *t, const char *text, size_t len);

/* Canonical stimulation site ("BFH" -> "below fibular head"); NULL when unknown. */
const char *conv_find_stim_site(const conv_tables *t, const char *text, size_t len);

/* The nerves.tsv row for a nerve, test and recording site (site NULL: the
 * first row of that nerve and test), or NULL. */
const conv_nerve *conv_find_nerve_row(const conv_tables *t, const char *nerve, conv_test test,
                                      const char *recording_site);

/* ---- warnings ---------------------------------------------------------------- */

/* A problem of one text, label or file; code is a static string. */
typedef struct conv_warning {
    const char *code; /* NULL when there is none */
    char message[CONV_TEXT_MAX];
} conv_warning;

/* ---- labels and test codes ------------------------------------------------- */

typedef struct conv_label {
    conv_kind kind;                    /* from the prefix "EMG", "NC", "NCS"; UNKNOWN without */
    bool has_prefix;
    conv_side side;                    /* "R", "L", "Rt", "right", ... first or last word */
    char rest[CONV_NAME_MAX];          /* the words after prefix and side, '_' read as ' ' */
    const conv_muscle *muscle;         /* when the rest names a muscle */
    conv_match muscle_match;
    char recording_site[CONV_NAME_MAX]; /* canonical, when the rest names a recording site */
    conv_warning warning;
} conv_label;

/*
 * Parses a signal label. `is_cut`: the label filled all 16 header bytes, so
 * a muscle name may be cut short (then a unique prefix match is accepted).
 * Warnings: CONV-UNKNOWN-MUSCLE (EMG label naming no muscle),
 * CONV-AMBIGUOUS-MUSCLE, CONV-LABEL-EMPTY. Returns EDX_OK or EDX_ERR_INVALID.
 */
int conv_parse_label(const conv_tables *t, const char *label, bool is_cut, conv_label *out);

typedef struct conv_testcode {
    bool found;
    conv_test test;           /* MNC motor, SNC sensory, FW fwave */
    conv_side side;
    char nerve[CONV_NAME_MAX]; /* canonical, "" when not given or unknown */
    conv_warning warning;     /* CONV-UNKNOWN-NERVE, CONV-TESTCODE-MALFORMED */
} conv_testcode;

/* Finds "MNC|SNC|FW [side] [nerve words]" in a text (a recording field's extra
 * subfields, or what follows "Test:"). */
int conv_parse_testcode(const conv_tables *t, const char *text, size_t len, conv_testcode *out);

/* ---- annotations -------------------------------------------------------------- */

/* What an annotation text said; several bits when an XML note holds several. */
enum {
    CONV_HAS_STIMULUS = 1u << 0,
    CONV_HAS_RESPONSE = 1u << 1,    /* the acquisition system's own measurement */
    CONV_HAS_TEMPERATURE = 1u << 2,
    CONV_HAS_HEIGHT = 1u << 3,
    CONV_HAS_INDICATION = 1u << 4,
    CONV_HAS_REFERRER = 1u << 5,
    CONV_HAS_STATE = 1u << 6,       /* an activation epoch keyword */
    CONV_HAS_NEEDLE_SITE = 1u << 7,
    CONV_HAS_TEST = 1u << 8,        /* "Test: MNC R Median" */
    CONV_HAS_NERVE = 1u << 9,       /* "Nerve: R median" */
    CONV_HAS_MUSCLE = 1u << 10,     /* "Muscle: L TA" */
    CONV_HAS_IGNORED = 1u << 11,    /* a known text with nothing to use ("Recording starts") */
    CONV_HAS_XML = 1u << 12         /* the text was an <EDF_XMLnote> */
};

/* Largest XML note parsed (bytes); longer ones give CONV-XML-TOO-LARGE. */
enum { CONV_XML_MAX_BYTES = 64 * 1024 };

typedef struct conv_annot {
    unsigned what;                    /* CONV_HAS_* bits; 0: not understood */
    /* stimulus */
    conv_side side;                   /* also of Nerve:/Muscle:/Test: */
    char site[CONV_NAME_MAX];         /* stimulation site, canonical when the table knows it */
    double duration_ms, intensity_ma, distance_cm;
    /* response as measured by the acquisition system */
    double amplitude_uv, latency_ms, velocity_m_s;
    bool is_response_absent;          /* "Response absent" */
    /* conditions */
    double temperature_c;
    char temperature_site[CONV_NAME_MAX]; /* XML position="...", "" when not given */
    double height_cm;
    char text[CONV_TEXT_MAX];         /* Indication:/Referrer: text */
    /* needle EMG */
    conv_state state;
    int needle_site;                  /* >= 1 */
    const conv_muscle *muscle;        /* Muscle: */
    char muscle_text[CONV_NAME_MAX];  /* Muscle: name as written */
    /* Test:/Nerve: */
    conv_test test;
    char nerve[CONV_NAME_MAX];        /* canonical, "" when unknown */
    conv_warning warning;             /* the first problem found, or code NULL */
} conv_annot;

/*
 * Parses one annotation text (UTF-8, len bytes, need not be NUL-terminated).
 * Never fails on bad text: a text it cannot read gives what == 0 and a
 * warning (CONV-ANNOTATION-UNKNOWN, CONV-STIM-MALFORMED, ...). Returns EDX_OK,
 * EDX_ERR_INVALID (NULL arguments) or EDX_ERR_NOMEM.
 */
int conv_parse_annotation(const conv_tables *t, const char *text, size_t len, conv_annot *out);

/* A canonical one-line description of a parse result, as the tests compare
 * it: "stimulus side=R site=wrist duration_ms=0.2 intensity_ma=8.2
 * distance_cm=6.5". Returns the length it needed (like snprintf). */
size_t conv_annot_describe(const conv_annot *a, char *buf, size_t size);

/* ---- the study model ------------------------------------------------------------ */

typedef struct study_warning {
    const char *code;  /* "CONV-UNKNOWN-MUSCLE", ...; static */
    int file;          /* index in study.files, or -1 */
    int signal;        /* header index of the signal, or -1 */
    double onset_s;    /* of the annotation concerned, or NAN */
    size_t n_more;     /* later warnings of this code and file that were not kept */
    char message[CONV_TEXT_MAX];
} study_warning;

/* One stimulus and the stretch of signal that holds its response. */
typedef struct study_sweep {
    double stimulus_s;     /* onset of the stimulus annotation: latency zero */
    double t0_s, t1_s;     /* the sweep: the data record (EDF+D) or up to the next stimulus (EDF+C) */
    int64_t record;        /* data record the stimulus annotation is in, or -1 */
    conv_side stim_side;
    char site[CONV_NAME_MAX];
    double distance_cm;    /* stimulus cathode to active recording electrode; NAN if not given */
    double duration_ms, intensity_ma;
    bool has_reported;     /* the system's own measurement, compared, never used */
    bool is_reported_absent;
    double reported_latency_ms, reported_amplitude_uv, reported_velocity_m_s;
} study_sweep;

typedef struct study_nerve_test {
    char nerve[CONV_NAME_MAX];          /* "median"; "" when unknown (with a warning) */
    conv_side side;
    conv_test test;
    char recording_site[CONV_NAME_MAX]; /* "APB" */
    const conv_nerve *row;              /* nerves.tsv row, or NULL */
    int file, signal;                   /* where the samples are */
    char label[CONV_NAME_MAX];
    double sample_rate_hz;
    study_sweep *sweeps;
    size_t n_sweeps;
} study_nerve_test;

typedef struct study_epoch {
    conv_state state;
    double onset_s, duration_s;
} study_epoch;

typedef struct study_needle_site {
    int number;
    double onset_s; /* discharges in the 300 ms after it are insertional */
} study_needle_site;

typedef struct study_muscle {
    char muscle[CONV_NAME_MAX];  /* canonical; the label's text when unknown (with a warning) */
    conv_side side;
    conv_region region;
    char roots[CONV_ROOTS_MAX];
    char nerve[CONV_NAME_MAX];
    const conv_muscle *row;      /* muscles.tsv row, or NULL */
    int file, signal;
    char label[CONV_NAME_MAX];
    double sample_rate_hz;
    double t0_s, t1_s;           /* the part of the signal recorded from this muscle */
    bool has_activation_annotations; /* false: the analyser separates rest itself */
    study_epoch *epochs;
    size_t n_epochs;
    study_needle_site *sites;
    size_t n_sites;
} study_muscle;

typedef struct study_file {
    char *path;
    edf_format format;
    bool has_plus_subfields;     /* false: a legacy EDF, joined to its folder's study */
    int start_year, start_month, start_day, start_hour, start_minute, start_second;
    double duration_s;
    int n_signals;
} study_file;

typedef struct study_patient {
    char code[128];
    char name[160];
    char sex;                 /* 'F', 'M' or 0 */
    int birth_year, birth_month, birth_day; /* 0 when unknown */
    int age_years;            /* at the study's start date; -1 when unknown */
} study_patient;

typedef struct study_conditions {
    double temperature_c;     /* NAN when not given */
    char temperature_site[CONV_NAME_MAX];
    double height_cm;
    char indication[CONV_TEXT_MAX];
    char referrer[CONV_TEXT_MAX];
} study_conditions;

typedef struct study {
    char *folder;
    study_patient patient;
    int start_year, start_month, start_day; /* of the earliest file */
    int start_hour, start_minute, start_second;
    study_conditions conditions;
    study_file *files;
    size_t n_files;
    study_nerve_test *nerve_tests;
    size_t n_nerve_tests;
    study_muscle *muscles;
    size_t n_muscles;
    study_warning *warnings;
    size_t n_warnings;
} study;

typedef struct study_set {
    study *studies;
    size_t n_studies;
    study_warning *warnings; /* files that could not be read at all */
    size_t n_warnings;
    bool is_finished;
} study_set;

/* Largest number of warnings of one code kept per file; more are counted in
 * the last kept one (n_more). */
enum { STUDY_WARNINGS_PER_CODE = 8 };

/* ---- building and grouping ------------------------------------------------------- */

int study_set_new(study_set **out);
void study_set_free(study_set *s); /* NULL is fine */

/*
 * The parts of one recording the layer reads (all borrowed for the call).
 * study_set_add_edf fills it from an open file; tests may fill it by hand.
 */
typedef struct study_input {
    const char *path;
    const edf_info *info;
    const edf_signal *signals;      /* info->n_signals of them */
    const edf_annotation *annots;
    size_t n_annots;
    const edf_segment *segments;
    size_t n_segments;
} study_input;

/* Adds one file as understood (a study of its own until study_set_finish). */
int study_set_add_input(study_set *s, const conv_tables *t, const study_input *in);

/* The same from an open recording. */
int study_set_add_edf(study_set *s, const conv_tables *t, const char *path, const edf_file *f);

/* Opens, adds and closes a file. A file that cannot be read becomes a set
 * warning CONV-FILE-UNREADABLE (with the reader's reason) and EDX_OK is
 * returned; the reader's diagnostics go to `diags`. */
int study_set_add_path(study_set *s, const conv_tables *t, const char *path, edx_diags *diags);

/*
 * Groups what was added into studies: the files of one folder that share the
 * EDF+ patient code and start date. A legacy EDF file joins its folder's
 * study (the one with its start date when there are several; a study of its
 * own with CONV-LEGACY-AMBIGUOUS when that does not decide). Computes the age
 * at the start date, merges conditions, sorts studies (folder, patient,
 * start) and files (start, path). Call once, after the last add.
 */
int study_set_finish(study_set *s);

/* All of the above over a list of paths. */
int study_group_paths(const conv_tables *t, const char *const *paths, size_t n_paths,
                      edx_diags *diags, study_set **out);

/* ---- describing ---------------------------------------------------------------------
 * One line each, as `edxreport check` prints them (no newline). Return the
 * length needed, like snprintf.
 *   "R median motor, APB: wrist 6.5 cm, elbow 28.5 cm"
 *   "L tibialis anterior (lumbosacral, L4-L5, deep peroneal): rest 62 s, minimal 20 s, 3 needle sites"
 */
size_t study_describe_nerve_test(const study_nerve_test *n, char *buf, size_t size);
size_t study_describe_muscle(const study_muscle *m, char *buf, size_t size);

/* Seconds spent in a state over a muscle's epochs. */
double study_muscle_state_s(const study_muscle *m, conv_state state);

#ifdef __cplusplus
}
#endif
#endif /* EDX_STUDY_H */
