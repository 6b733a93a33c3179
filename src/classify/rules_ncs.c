/*
 * rules_ncs.c - the nerve conduction rules (clinical.md 5.1-5.3): a
 * polyneuropathy and its type, carpal tunnel syndrome, ulnar neuropathy at
 * the elbow. Each rule records whether it held and why.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "classify/facts.h"

/* EAN/PNS 2021 motor criteria a-f [S14] (clinical.md 5.2); distal latency
 * of the median nerve is left out (carpal tunnel excluded by the criteria). */
#define DEMY_DL_ULN 1.5    /* a: >= 50 % above ULN */
#define DEMY_CV_LLN 0.7    /* b: >= 30 % below LLN */
#define DEMY_F_ULN 1.2     /* c: >= 20 % above ULN ... */
#define DEMY_F_ULN_LOW 1.5 /* ... >= 50 % when the distal CMAP is < 80 % LLN */
/* Axon loss alone: CV rarely < 80 % LLN, DL and F rarely > 125 % ULN [S26]. */
#define AXONAL_CV_LLN 0.8
#define AXONAL_DL_ULN 1.25

static bool is_test(const cls_nerve *n, const char *nerve, const char *test)
{
    return !strcmp(n->nerve, nerve) && !strcmp(n->test, test);
}

bool cls_sensory_normal(const cls_facts *f, bool except_median)
{
    for (size_t i = 0; i < f->n_nerves; i++) {
        const cls_nerve *n = &f->nerves[i];
        if (strcmp(n->test, "sensory") || (except_median && !strcmp(n->nerve, "median")))
            continue;
        if (cls_nerve_abnormal(n))
            return false;
    }
    return true;
}

static bool demyelinating(const cls_nerve *n)
{
    if (strcmp(n->test, "motor") && strcmp(n->test, "fwave"))
        return false;
    bool low = n->amp_lln_ratio < 0.8;
    bool a = strcmp(n->nerve, "median") && n->dl_uln_ratio >= DEMY_DL_ULN;
    bool b = n->cv_lln_ratio <= DEMY_CV_LLN;
    bool c = n->f_uln_ratio >= (low ? DEMY_F_ULN_LOW : DEMY_F_ULN);
    return a || b || c || n->has_block || n->has_dispersion;
}

size_t cls_demyelinating_nerves(const cls_facts *f, char *names, size_t size)
{
    size_t count = 0, used = 0;
    if (size)
        names[0] = '\0';
    char seen[CLS_MAX_NERVES][56];
    for (size_t i = 0; i < f->n_nerves; i++) {
        const cls_nerve *n = &f->nerves[i];
        if (!n->is_measured || !demyelinating(n))
            continue;
        char key[56];
        snprintf(key, sizeof key, "%s %s", n->side, n->nerve);
        bool dup = false;
        for (size_t k = 0; k < count; k++)
            dup |= !strcmp(seen[k], key);
        if (dup)
            continue;
        snprintf(seen[count++], sizeof seen[0], "%s", key);
        int w = snprintf(names + used, size > used ? size - used : 0, "%s%s", used ? ", " : "",
                         key);
        used += w > 0 ? (size_t)w : 0;
    }
    return count;
}

static void count_abnormal(const cls_facts *f, size_t *upper, size_t *lower, size_t *sens,
                           size_t *motor)
{
    *upper = *lower = *sens = *motor = 0;
    for (size_t i = 0; i < f->n_nerves; i++) {
        const cls_nerve *n = &f->nerves[i];
        if (!cls_nerve_abnormal(n) || !strcmp(n->test, "fwave"))
            continue;
        *(n->is_lower_limb ? lower : upper) += 1;
        *(!strcmp(n->test, "sensory") ? sens : motor) += 1;
    }
}

static bool distal_sensory_low(const cls_facts *f)
{
    for (size_t i = 0; i < f->n_nerves; i++) {
        const cls_nerve *n = &f->nerves[i];
        if ((is_test(n, "sural", "sensory") || is_test(n, "superficial peroneal", "sensory")) &&
            n->is_measured && !n->is_absence_expected && (n->is_low || n->is_absent))
            return true;
    }
    return false;
}

static bool axonal_range(const cls_facts *f)
{
    for (size_t i = 0; i < f->n_nerves; i++) {
        const cls_nerve *n = &f->nerves[i];
        if (strcmp(n->test, "motor") || !n->is_measured)
            continue;
        if (n->cv_lln_ratio < AXONAL_CV_LLN ||
            (strcmp(n->nerve, "median") && n->dl_uln_ratio > AXONAL_DL_ULN))
            return false;
    }
    return true;
}

/* LD-AXONAL-SMPN and DEMYELINATING-RANGE (clinical.md 5.1, 5.2 [S14, S26]). */
void cls_rule_polyneuropathy(const cls_facts *f, cls_rule *r)
{
    r->id = "POLYNEUROPATHY";
    r->source = "clinical.md 5.1-5.2: EAN/PNS 2021 [S14], axonal guard band [S26]";
    char demy[CLS_TEXT / 2];
    size_t n_demy = cls_demyelinating_nerves(f, demy, sizeof demy);
    size_t up, low, sens, mot;
    count_abnormal(f, &up, &low, &sens, &mot);
    const char *kind = sens && mot ? "sensorimotor" : sens ? "sensory" : "motor";
    if (n_demy >= 2) {
        r->holds = true;
        r->subtype = "demyelinating";
        cls_note(r, "demyelinating-range conduction in %zu motor nerves (%s): EAN/PNS 2021 "
                    "criteria strongly supportive (>= 2 nerves); %s",
                 n_demy, demy, kind);
        return;
    }
    bool sural = distal_sensory_low(f);
    r->holds = sural && up + low >= 2 && low >= up;
    cls_note(r, "sural or superficial peroneal SNAP %s; abnormal nerves: %zu lower limb, %zu "
                "upper limb (%zu sensory, %zu motor); demyelinating-range nerves: %zu",
             sural ? "low or absent" : "normal or not studied", low, up, sens, mot, n_demy);
    cls_note_expected_absence(f, r);
    if (r->holds) {
        r->subtype = axonal_range(f) ? "axonal" : "mixed";
        cls_note(r, "; length-dependent %s, %s", kind,
                 !strcmp(r->subtype, "axonal") ? "conduction within the axonal range "
                                                 "(CV >= 80 % LLN, DL <= 125 % ULN)"
                                               : "some conduction beyond the axonal range");
    }
}

static bool any_abnormal(const cls_facts *f, const char *nerve, const char *test)
{
    for (size_t i = 0; i < f->n_nerves; i++)
        if (is_test(&f->nerves[i], nerve, test) && cls_nerve_abnormal(&f->nerves[i]))
            return true;
    return false;
}

/* CTS (clinical.md 5.3, AAEM/AAN/AAPM&R 2002 [S69]): median sensory or
 * distal motor abnormal, or a median comparison study abnormal (D2-D5,
 * ring, thumb, palmar, combined sensory index; their limits and sources in
 * src/findings/ncs_compare.c), the ulnar comparison nerve normal, no
 * generalized neuropathy (sural normal). */
void cls_rule_carpal_tunnel(const cls_facts *f, cls_rule *r)
{
    r->id = "CARPAL-TUNNEL";
    r->source = "clinical.md 5.3 [S69, S70, S71]";
    bool med_s = any_abnormal(f, "median", "sensory");
    bool med_m = false;
    for (size_t i = 0; i < f->n_nerves; i++) {
        const cls_nerve *n = &f->nerves[i];
        med_m |= is_test(n, "median", "motor") && (n->is_prolonged || n->is_low);
    }
    bool comp = f->n_median_comparisons_abnormal > 0;
    bool ulnar_ok = !any_abnormal(f, "ulnar", "sensory") && !any_abnormal(f, "ulnar", "motor");
    bool sural_ok = !any_abnormal(f, "sural", "sensory");
    r->holds = (med_s || med_m || comp) && ulnar_ok && sural_ok;
    r->subtype = "focal_median_wrist";
    cls_note(r, "median sensory %s, median distal motor %s", med_s ? "abnormal" : "normal",
             med_m ? "abnormal" : "normal");
    if (f->n_median_comparisons)
        cls_note(r, ", comparison studies: %s", f->median_comparisons);
    cls_note(r, "; ulnar %s; sural %s", ulnar_ok ? "normal" : "abnormal",
             sural_ok ? "normal or not studied" : "abnormal");
}

/* UNE (clinical.md 5.3, AAEM 1999 [S72]): across-elbow slowing, > 10 m/s
 * slower than the forearm, or > 20 % drop, with the median nerve normal. */
void cls_rule_ulnar_elbow(const cls_facts *f, cls_rule *r)
{
    r->id = "ULNAR-ELBOW";
    r->source = "clinical.md 5.3 [S72, S02]";
    r->subtype = "focal_ulnar_elbow";
    bool elbow = false;
    for (size_t i = 0; i < f->n_nerves; i++)
        elbow |= f->nerves[i].has_ulnar_elbow_slowing;
    bool median_ok = !any_abnormal(f, "median", "motor");
    r->holds = elbow && median_ok;
    cls_note(r, "ulnar across-elbow segment %s; median motor %s",
             elbow ? "slowed or with a drop" : "normal or not studied",
             median_ok ? "normal" : "abnormal");
}
