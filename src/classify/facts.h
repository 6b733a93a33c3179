/*
 * classify/facts.h - the facts the rules read, taken once from the findings:
 * per nerve test what is abnormal and how far, per muscle what was found.
 */
#ifndef EDX_CLASSIFY_FACTS_H
#define EDX_CLASSIFY_FACTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum { CLS_MAX_NERVES = 64, CLS_MAX_MUSCLES = 64, CLS_TEXT = 512 };

typedef enum cls_tri { CLS_UNKNOWN = 0, CLS_NO, CLS_YES } cls_tri;

typedef struct cls_nerve {
    char nerve[48], side[4], test[16], rec[48];
    bool is_measured;        /* a distal response (or F-waves) was measured */
    bool is_absent;          /* no distal response */
    bool is_low, is_prolonged, is_slow;   /* distal amplitude, latency; any segment */
    bool has_block, has_dispersion;       /* EAN/PNS 2021 [S14] */
    bool is_cold_withheld;   /* a slowing or latency flag was withheld (cold limb) */
    bool has_ulnar_elbow_slowing;         /* across-elbow findings (ulnar only) */
    /* the worst ratios to the limits (NAN: not available): latency / ULN,
     * velocity / LLN, amplitude / LLN, F latency / ULN */
    double dl_uln_ratio, cv_lln_ratio, amp_lln_ratio, f_uln_ratio;
    bool f_absent;
    bool is_lower_limb;
    /* an absent superficial peroneal SNAP that is not counted: patient over
     * 40, the sural on the same side normal, no present response on the
     * other side (clinical.md 4.3 [S84]) */
    bool is_absence_expected;
} cls_nerve;

typedef struct cls_muscle {
    char muscle[64], side[4], region[16], roots[32], nerve[48];
    bool is_assessed;        /* spontaneous activity analysed */
    bool is_rest_short;
    bool has_fib_psw;        /* fibrillations or positive sharp waves */
    bool has_fasc;
    size_t fasc_discharges;  /* fasciculations in the muscle */
    double fasc_complex_pct; /* of those discharges; NAN when no fasciculation */
    bool has_myokymia, has_neuromyotonia, has_crd, has_myotonia;
    const char *mup;         /* "normal", "neurogenic", "myopathic", "indeterminate", NULL */
    const char *recruitment; /* "normal", "reduced", "early", NULL */
} cls_muscle;

typedef struct cls_facts {
    cls_nerve nerves[CLS_MAX_NERVES];
    size_t n_nerves;
    cls_muscle muscles[CLS_MAX_MUSCLES];
    size_t n_muscles;
    double temperature_c;
    double age_years; /* NAN: not known */
    /* the median comparison studies of "ncs_comparisons" (d2_d5, ring,
     * thumb, palmar, csi): how many were done, how many abnormal, and a
     * summary of them ("ring 0.62 ms abnormal; csi 1.10 ms abnormal") */
    size_t n_median_comparisons, n_median_comparisons_abnormal;
    char median_comparisons[256];
} cls_facts;

void cls_facts_from_findings(const json_t *findings, cls_facts *f);

/* Lower motor neuron signs in a muscle (clinical.md 5.4.2, Gold Coast [S23],
 * Awaji [S21]): chronic neurogenic MUPs and active denervation (fib/PSW or
 * fasciculations). */
bool cls_muscle_lmn(const cls_muscle *m);
bool cls_muscle_abnormal(const cls_muscle *m);
/* Any root named in a roots text ("L4-L5", "C5-C6", "L5-S1") shared by both. */
bool cls_roots_share(const char *a, const char *b, char *shared, size_t size);
/* Does roots contain root ("L5" in "L4-L5", "L5-S1", "L4-S1")? */
bool cls_roots_contain(const char *roots, const char *root);

/* The result of one rule: holds, and a sentence of evidence. */
typedef struct cls_rule {
    const char *id;      /* "LD-AXONAL-SMPN", ... */
    const char *source;  /* "clinical.md 5.1 [S26]" */
    bool holds;
    char detail[CLS_TEXT];
    const char *subtype; /* when it holds: "axonal", "l5", ... (static or in subtype_buf) */
    char subtype_buf[16];
} cls_rule;

/* Appends text to the rule's detail. */
__attribute__((format(printf, 2, 3))) void cls_note(cls_rule *r, const char *fmt, ...);

/* The rules (rules_ncs.c, rules_emg.c). */
void cls_rule_polyneuropathy(const cls_facts *f, cls_rule *r);
void cls_rule_carpal_tunnel(const cls_facts *f, cls_rule *r);
void cls_rule_ulnar_elbow(const cls_facts *f, cls_rule *r);
void cls_rule_mnd(const cls_facts *f, cls_rule *r, json_t *regions);
void cls_rule_benign_fasciculation(const cls_facts *f, cls_rule *r);
void cls_rule_radiculopathy(const cls_facts *f, cls_rule *r);
void cls_rule_myopathy(const cls_facts *f, cls_rule *r);
void cls_rule_hyperexcitability(const cls_facts *f, cls_rule *r);
void cls_rule_normal(const cls_facts *f, cls_rule *r);

/* Sensory conduction normal (no low/absent/prolonged/slow sensory test),
 * ignoring median sensory when `except_median` (an entrapment). */
bool cls_sensory_normal(const cls_facts *f, bool except_median);
/* A nerve test with an abnormal finding (an absence expected for the
 * patient's age is not one). */
bool cls_nerve_abnormal(const cls_nerve *n);
/* Appends to r which absent responses were not counted, and why. */
void cls_note_expected_absence(const cls_facts *f, cls_rule *r);
/* Motor nerves with a demyelinating-range feature (clinical.md 5.1, 5.2). */
size_t cls_demyelinating_nerves(const cls_facts *f, char *names, size_t size);

#endif
