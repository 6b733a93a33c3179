/*
 * rules_emg.c - the needle EMG rules (clinical.md 5.4-5.6): suspicious for
 * motor neuron disease, benign fasciculation, radiculopathy, myopathy,
 * peripheral nerve hyperexcitability, normal.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "classify/facts.h"

/* Complex fasciculation potentials are a red flag against the benign label
 * (clinical.md 5.5: "complex/unstable FPs"; FP morphology simple, <= 4
 * phases). Judged over all the study's fasciculations, so that one
 * complex discharge in a muscle with no other is not a pattern: a majority
 * of complex discharges blocks the label (the 50 % cut is an engineering
 * choice [E]). */
#define FASC_COMPLEX_RED_FLAG_PCT 50.0

static const char *const regions[] = {"bulbar", "cervical", "thoracic", "lumbosacral"};

/* Limb regions need two LMN muscles from different roots and different
 * peripheral nerves; bulbar and thoracic one (clinical.md 5.4.1 [U], rule
 * 5.4.2). */
static bool region_involved(const cls_facts *f, const char *region, cls_rule *r)
{
    bool limb = !strcmp(region, "cervical") || !strcmp(region, "lumbosacral");
    const cls_muscle *lmn[CLS_MAX_MUSCLES];
    size_t n = 0;
    for (size_t i = 0; i < f->n_muscles; i++)
        if (!strcmp(f->muscles[i].region, region) && cls_muscle_lmn(&f->muscles[i]))
            lmn[n++] = &f->muscles[i];
    if (n == 0)
        return false;
    if (!limb) {
        cls_note(r, "%s: %s; ", region, lmn[0]->muscle);
        return true;
    }
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++)
            if (strcmp(lmn[a]->roots, lmn[b]->roots) && strcmp(lmn[a]->nerve, lmn[b]->nerve)) {
                cls_note(r, "%s: %s (%s, %s) and %s (%s, %s); ", region, lmn[a]->muscle,
                         lmn[a]->roots, lmn[a]->nerve, lmn[b]->muscle, lmn[b]->roots,
                         lmn[b]->nerve);
                return true;
            }
    cls_note(r, "%s: %zu muscle(s) with LMN signs, not from two roots and nerves; ", region,
             n);
    return false;
}

static bool block_outside_entrapment(const cls_facts *f)
{
    for (size_t i = 0; i < f->n_nerves; i++) {
        const cls_nerve *n = &f->nerves[i];
        if (n->has_block && !n->has_ulnar_elbow_slowing)
            return true;
    }
    return false;
}

/* SUSPICIOUS-FOR-MND (clinical.md 5.4.2; Gold Coast [S23], Awaji [S21]). */
void cls_rule_mnd(const cls_facts *f, cls_rule *r, json_t *out_regions)
{
    r->id = "SUSPICIOUS-FOR-MND";
    r->source = "clinical.md 5.4: Gold Coast 2020 [S23], Awaji-shima 2008 [S21]";
    size_t n_reg = 0;
    for (size_t k = 0; k < 4; k++)
        if (region_involved(f, regions[k], r)) {
            n_reg++;
            json_array_append_new(out_regions, json_string(regions[k]));
        }
    char demy[CLS_TEXT / 2];
    bool sensory_ok = cls_sensory_normal(f, true);
    bool no_block = !block_outside_entrapment(f);
    bool no_demy = cls_demyelinating_nerves(f, demy, sizeof demy) == 0;
    r->holds = n_reg >= 2 && sensory_ok && no_block && no_demy;
    cls_note(r, "regions with lower motor neuron signs: %zu (>= 2 needed); sensory conduction "
                "%s; conduction block outside entrapment sites %s; demyelinating-range "
                "conduction %s",
             n_reg, sensory_ok ? "normal" : "abnormal", no_block ? "absent" : "present",
             no_demy ? "absent" : "present");
    cls_note_expected_absence(f, r);
}

static bool nerves_normal(const cls_facts *f)
{
    for (size_t i = 0; i < f->n_nerves; i++) {
        const cls_nerve *n = &f->nerves[i];
        if (n->is_measured && !n->is_absence_expected &&
            (n->is_low || n->is_absent || n->is_prolonged || n->is_slow || n->has_block ||
             n->has_dispersion))
            return false;
    }
    return true;
}

/* EMG_COMPATIBLE_WITH_BENIGN_FASCICULATIONS (clinical.md 5.5 [S39, S40]). */
void cls_rule_benign_fasciculation(const cls_facts *f, cls_rule *r)
{
    r->id = "BENIGN-FASCICULATION";
    r->source = "clinical.md 5.5 [S39, S40, S27, S31]";
    size_t fasc = 0, fib = 0, mup_bad = 0, rec_bad = 0, n_fasc = 0;
    double n_complex = 0;
    for (size_t i = 0; i < f->n_muscles; i++) {
        const cls_muscle *m = &f->muscles[i];
        fasc += m->has_fasc;
        fib += m->has_fib_psw;
        mup_bad += m->mup && (!strcmp(m->mup, "neurogenic") || !strcmp(m->mup, "myopathic"));
        rec_bad += m->recruitment && strcmp(m->recruitment, "normal") != 0;
        if (m->has_fasc && isfinite(m->fasc_complex_pct)) {
            n_fasc += m->fasc_discharges;
            n_complex += m->fasc_complex_pct / 100.0 * (double)m->fasc_discharges;
        }
    }
    bool ncs = nerves_normal(f);
    double complex_pct = n_fasc ? 100.0 * n_complex / (double)n_fasc : 0.0;
    bool simple = !(complex_pct > FASC_COMPLEX_RED_FLAG_PCT);
    r->holds = fasc > 0 && fib == 0 && mup_bad == 0 && rec_bad == 0 && ncs && simple;
    cls_note(r,
             "fasciculations in %zu muscle(s); fibrillations/PSWs in %zu; abnormal MUPs in "
             "%zu; abnormal recruitment in %zu; complex fasciculations %.0f %% of %zu (> %.0f %% "
             "blocks the label); nerve conduction %s",
             fasc, fib, mup_bad, rec_bad, complex_pct, n_fasc, FASC_COMPLEX_RED_FLAG_PCT,
             ncs ? "normal" : "abnormal");
    cls_note_expected_absence(f, r);
}

/* A muscle of the ulnar nerve on a side whose ulnar nerve conducts slowly
 * or with a drop across the elbow: the focal lesion the conduction study
 * shows explains its denervation, so it is no evidence of a root lesion
 * (every ulnar-innervated muscle lies distal to the elbow; clinical.md
 * 5.3, 5.4.2: a radiculopathy needs muscles of one root from >= 2
 * peripheral nerves, which a mononeuropathy cannot make [S51]). */
static bool explained_by_ulnar_elbow(const cls_facts *f, const cls_muscle *m)
{
    if (strcmp(m->nerve, "ulnar") != 0)
        return false;
    for (size_t i = 0; i < f->n_nerves; i++)
        if (f->nerves[i].has_ulnar_elbow_slowing && !strcmp(f->nerves[i].side, m->side))
            return true;
    return false;
}

/* A root lesion shows as neurogenic change in its myotome: denervation or
 * neurogenic MUPs (clinical.md 5.4.2, myotomal vs multisegmental
 * distribution). Myopathic-type MUPs are no segmental sign: they neither
 * place a root nor, in a muscle outside it, spread the lesion to another. */
static bool root_evidence(const cls_facts *f, const cls_muscle *m)
{
    bool neurogenic = m->has_fib_psw || (m->mup && !strcmp(m->mup, "neurogenic"));
    return neurogenic && !explained_by_ulnar_elbow(f, m);
}

/* The root most muscles with neurogenic change share, and how many do / don't. */
static void best_root(const cls_facts *f, char *root, size_t size, size_t *n_in,
                      size_t *n_out, size_t *n_nerves)
{
    *n_in = *n_out = *n_nerves = 0;
    root[0] = '\0';
    for (size_t i = 0; i < f->n_muscles; i++) {
        if (!root_evidence(f, &f->muscles[i]))
            continue;
        char cand[8][8];
        size_t nc = 0;
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%s", f->muscles[i].roots);
        /* candidates: each single root of this muscle */
        for (const char *p = "C5C6C7C8T1L2L3L4L5S1S2"; *p && nc < 8;) {
            char one[4] = {p[0], p[1], '\0', '\0'};
            p += 2;
            if (cls_roots_contain(tmp, one))
                snprintf(cand[nc++], 8, "%s", one);
        }
        for (size_t c = 0; c < nc; c++) {
            size_t in = 0, out = 0, nn = 0;
            const char *nerves[CLS_MAX_MUSCLES];
            for (size_t j = 0; j < f->n_muscles; j++) {
                const cls_muscle *m = &f->muscles[j];
                if (!root_evidence(f, m))
                    continue;
                if (!cls_roots_contain(m->roots, cand[c])) {
                    out++;
                    continue;
                }
                in++;
                bool seen = false;
                for (size_t k = 0; k < nn; k++)
                    seen |= !strcmp(nerves[k], m->nerve);
                if (!seen)
                    nerves[nn++] = m->nerve;
            }
            if (in > *n_in || (in == *n_in && out < *n_out)) {
                *n_in = in, *n_out = out, *n_nerves = nn;
                snprintf(root, size, "%.7s", cand[c]);
            }
        }
    }
}

/* RADICULOPATHY (clinical.md 5.4.2 mimics; standard myotomal rule): >= 2
 * muscles of one root from >= 2 peripheral nerves with neurogenic change,
 * none outside it,
 * sensory conduction normal (the lesion is proximal to the ganglion).
 * Muscles a shown ulnar neuropathy at the elbow explains do not count. */
void cls_rule_radiculopathy(const cls_facts *f, cls_rule *r)
{
    r->id = "RADICULOPATHY";
    r->source = "clinical.md 5.4.2 (myotomal vs multisegmental), 5.1 [S51]";
    size_t in, out, nn;
    best_root(f, r->subtype_buf, sizeof r->subtype_buf, &in, &out, &nn);
    bool sensory_ok = cls_sensory_normal(f, false);
    r->holds = in >= 2 && out == 0 && nn >= 2 && sensory_ok;
    for (char *p = r->subtype_buf; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    r->subtype = r->subtype_buf;
    cls_note(r,
             "muscles with neurogenic change sharing root %s (those a focal ulnar neuropathy "
             "explains left out): %zu from %zu nerve(s); outside it: %zu; sensory "
             "conduction %s",
             r->subtype_buf[0] ? r->subtype_buf : "-", in, nn, out,
             sensory_ok ? "normal" : "abnormal");
    cls_note_expected_absence(f, r);
}

/* MYOPATHIC_PATTERN (clinical.md 5.6 [S56, S50]). */
void cls_rule_myopathy(const cls_facts *f, cls_rule *r)
{
    r->id = "MYOPATHY";
    r->source = "clinical.md 5.6 [S56, S50]";
    size_t myo = 0, irritable = 0;
    for (size_t i = 0; i < f->n_muscles; i++) {
        const cls_muscle *m = &f->muscles[i];
        if (m->mup && !strcmp(m->mup, "myopathic")) {
            myo++;
            irritable += m->has_fib_psw;
        }
    }
    bool sensory_ok = cls_sensory_normal(f, false);
    r->holds = myo >= 2 && sensory_ok;
    r->subtype = irritable ? "irritable" : NULL;
    cls_note(r, "muscles with myopathic MUPs: %zu (>= 2 needed), %zu of them with "
                "fibrillations/PSWs; sensory conduction %s",
             myo, irritable, sensory_ok ? "normal" : "abnormal");
    cls_note_expected_absence(f, r);
}

/* Myokymic or neuromyotonic discharges: peripheral nerve hyperexcitability
 * rather than benign or cramp-fasciculation (clinical.md 5.5 [S50, S44]). */
void cls_rule_hyperexcitability(const cls_facts *f, cls_rule *r)
{
    r->id = "PERIPHERAL-NERVE-HYPEREXCITABILITY";
    r->source = "clinical.md 5.5 [S50, S44]";
    size_t myk = 0, nmt = 0;
    for (size_t i = 0; i < f->n_muscles; i++) {
        myk += f->muscles[i].has_myokymia;
        nmt += f->muscles[i].has_neuromyotonia;
    }
    r->holds = myk + nmt > 0;
    r->subtype = nmt ? "neuromyotonia" : "myokymia";
    cls_note(r, "muscles with myokymic discharges: %zu; with neuromyotonic discharges: %zu",
             myk, nmt);
}

/* Nothing abnormal in what was studied. */
void cls_rule_normal(const cls_facts *f, cls_rule *r)
{
    r->id = "NORMAL";
    r->source = "clinical.md 4 (normal limits), 1 and 2 (needle EMG)";
    size_t bad = 0, assessed = 0;
    for (size_t i = 0; i < f->n_muscles; i++) {
        const cls_muscle *m = &f->muscles[i];
        assessed += m->is_assessed;
        bad += m->has_fib_psw || m->has_fasc || m->has_crd || m->has_myotonia ||
               m->has_myokymia || m->has_neuromyotonia ||
               (m->mup && strcmp(m->mup, "normal") && strcmp(m->mup, "indeterminate")) ||
               (m->recruitment && strcmp(m->recruitment, "normal"));
    }
    bool ncs = nerves_normal(f);
    r->holds = ncs && bad == 0 && assessed == f->n_muscles && f->n_nerves + f->n_muscles > 0;
    cls_note(r, "nerve conduction %s; muscles with abnormal findings: %zu of %zu (%zu assessed)",
             ncs ? "within normal limits" : "abnormal", bad, f->n_muscles, assessed);
    cls_note_expected_absence(f, r);
}
