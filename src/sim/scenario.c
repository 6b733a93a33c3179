/*
 * scenario.c - the eleven simulated patients: which nerves and muscles the
 * protocol samples and how the disease changes each of them, scaled by
 * severity s (0..1).
 *
 * The disease pictures follow clinical.md: ALS / suspicious for MND (5.4:
 * chronic neurogenic change plus fibrillations or fasciculations in >= 2
 * regions, low CMAPs with CV >= 80 % LLN, normal sensory; 1.4: larger,
 * complex, unstable fasciculations), benign fasciculation and cramp-
 * fasciculation (5.5: simple stable fasciculations, otherwise normal),
 * length-dependent axonal polyneuropathy (5.1), demyelinating
 * polyneuropathy (5.1-5.2: CV < 70 % LLN, prolonged distal and F latency,
 * block, dispersion), carpal tunnel (5.3: median slowing at the wrist,
 * ulnar normal), ulnar neuropathy at the elbow (5.3: across-elbow slowing
 * and amplitude drop), L5 radiculopathy (myotomal denervation with normal
 * sensory NCS, TSAO03 in templates/muscles.tsv), myopathy (5.6: short
 * small polyphasic MUPs, early recruitment, irritable with fibrillations),
 * neuromyotonia (1.1, 5.5: neuromyotonic and myokymic discharges, "label
 * peripheral nerve hyperexcitability").
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "sim/plan.h"

/* ---- small setters keep the scenario bodies readable ------------------- */

static sim_muscle_plan *muscle(sim_study_plan *sp, const char *name, const char *abbrev)
{
    sim_muscle_entry *e = sim_plan_add_muscle(sp, name, abbrev, 'R');
    return e ? &e->plan : NULL;
}

static sim_nerve_plan *nerve(sim_study_plan *sp, const char *name, sim_nc_test t,
                             const char *rec)
{
    sim_nerve_entry *e = sim_plan_add_nerve(sp, name, 'R', t, rec);
    return e ? &e->plan : NULL;
}

static void denervated(sim_muscle_plan *m, int fibs, int psws)
{
    if (!m)
        return;
    m->fib_units = fibs;
    m->psw_units = psws;
}

static void neurogenic(sim_muscle_plan *m, double severity, double mu_loss, bool unstable)
{
    if (!m)
        return;
    m->mup_kind = SIM_MUP_NEUROGENIC;
    m->mup_severity = severity;
    m->mu_loss = mu_loss;
    m->mup_unstable = unstable;
}

static void fasciculating(sim_muscle_plan *m, int units, double per_min, double complex,
                          bool unstable)
{
    if (!m)
        return;
    m->fasc_units = units;
    m->fasc_per_min = per_min;
    m->fasc_complex_fraction = complex;
    m->fasc_unstable = unstable;
}

static int at_least(int n, double x)
{
    int v = (int)(x + 0.5);
    return v > n ? v : n;
}

/* Generalised protocol: one arm and one leg, motor and sensory, F-waves. */
static void general_nerves(sim_study_plan *sp)
{
    nerve(sp, "median", SIM_NC_MOTOR, NULL);
    nerve(sp, "ulnar", SIM_NC_MOTOR, NULL);
    nerve(sp, "peroneal", SIM_NC_MOTOR, NULL);
    nerve(sp, "tibial", SIM_NC_MOTOR, NULL);
    nerve(sp, "median", SIM_NC_SENSORY, "D2");
    nerve(sp, "ulnar", SIM_NC_SENSORY, "D5");
    nerve(sp, "sural", SIM_NC_SENSORY, NULL);
    nerve(sp, "tibial", SIM_NC_FWAVE, NULL);
}

static sim_nerve_plan *find_nerve(sim_study_plan *sp, const char *name, sim_nc_test t)
{
    for (size_t i = 0; i < sp->n_nerves; i++)
        if (sp->nerves[i].plan.test == t && strcmp(sp->nerves[i].plan.nerve, name) == 0)
            return &sp->nerves[i].plan;
    return NULL;
}

static void set_expected(sim_study_plan *sp, const char *pattern, const char *subtype,
                         const char *statement)
{
    sp->pattern = pattern;
    sp->subtype = subtype;
    sp->statement = statement;
}

static void add_region(sim_study_plan *sp, const char *region)
{
    if (sp->n_regions < SIM_MAX_REGIONS)
        sp->regions_with_lmn_signs[sp->n_regions++] = region;
}

/* ---- the scenarios ------------------------------------------------------- */

static void build_normal(sim_study_plan *sp, sim_rng *r)
{
    (void)r;
    general_nerves(sp);
    muscle(sp, "first dorsal interosseous", "FDI");
    muscle(sp, "biceps brachii", "Biceps");
    muscle(sp, "deltoid", "Deltoid");
    muscle(sp, "tibialis anterior", "TibAnt");
    muscle(sp, "vastus lateralis", "VastLat");
    muscle(sp, "gastrocnemius medial head", "GastrocMed");
    set_expected(sp, "normal", NULL,
                 "Nerve conduction and needle EMG within normal limits.");
}

static void build_benign_fasciculation(sim_study_plan *sp, sim_rng *r)
{
    double s = sp->opt.severity;
    general_nerves(sp);
    fasciculating(muscle(sp, "first dorsal interosseous", "FDI"), 1, 1.0 + 2 * s, 0, false);
    muscle(sp, "biceps brachii", "Biceps");
    muscle(sp, "deltoid", "Deltoid");
    fasciculating(muscle(sp, "tibialis anterior", "TibAnt"), 2, 2.0 + 4 * s, 0, false);
    muscle(sp, "vastus lateralis", "VastLat");
    fasciculating(muscle(sp, "gastrocnemius medial head", "GastrocMed"),
                  at_least(2, 2 + 3 * s * sim_rng_uniform(r)), 4.0 + 8 * s, 0, false);
    set_expected(sp, "benign_fasciculation", NULL,
                 "Simple, stable fasciculation potentials without fibrillations, chronic "
                 "neurogenic change or nerve conduction abnormality.");
}

static void build_als(sim_study_plan *sp, sim_rng *r)
{
    double s = sp->opt.severity;
    general_nerves(sp);
    static const char *const motor[] = {"median", "ulnar", "peroneal", "tibial"};
    for (size_t i = 0; i < 4; i++) {
        sim_nerve_plan *n = find_nerve(sp, motor[i], SIM_NC_MOTOR);
        if (n) /* asymmetric, patchy loss of motor axons */
            n->axon_loss = (0.35 + 0.5 * s) * sim_rng_range(r, 0.7, 1.0);
    }
    sim_nerve_plan *f = find_nerve(sp, "tibial", SIM_NC_FWAVE);
    if (f)
        f->axon_loss = 0.3 + 0.4 * s;

    sim_muscle_plan *gg = muscle(sp, "genioglossus", "Tongue");
    fasciculating(gg, 1, 2 + 4 * s, 0.5, true);
    if (s >= 0.7) {
        denervated(gg, 1, 1);
        neurogenic(gg, 0.5 * s, 0.3, true);
        add_region(sp, "bulbar");
    }
    sim_muscle_plan *fdi = muscle(sp, "first dorsal interosseous", "FDI");
    denervated(fdi, at_least(2, 4 * s), at_least(1, 2 * s));
    neurogenic(fdi, 0.4 + 0.6 * s, 0.4 + 0.5 * s, true);
    fasciculating(fdi, 3, 6 + 14 * s, 0.6, true);
    sim_muscle_plan *bic = muscle(sp, "biceps brachii", "Biceps");
    denervated(bic, at_least(1, 3 * s), 1);
    neurogenic(bic, 0.3 + 0.5 * s, 0.3 + 0.4 * s, true);
    fasciculating(bic, 3, 8 + 16 * s, 0.5, true);
    add_region(sp, "cervical");
    sim_muscle_plan *tps = muscle(sp, "thoracic paraspinal", "TPS");
    if (s >= 0.4) {
        denervated(tps, at_least(1, 3 * s), 1);
        neurogenic(tps, 0.3 + 0.4 * s, 0.3, true);
        add_region(sp, "thoracic");
    }
    sim_muscle_plan *ta = muscle(sp, "tibialis anterior", "TibAnt");
    denervated(ta, at_least(2, 5 * s), at_least(1, 3 * s));
    neurogenic(ta, 0.5 + 0.5 * s, 0.5 + 0.4 * s, true);
    fasciculating(ta, 4, 8 + 12 * s, 0.6, true);
    ta->end_plate = true; /* hard case: end-plate spikes beside fibrillations */
    sim_muscle_plan *vl = muscle(sp, "vastus lateralis", "VastLat");
    denervated(vl, 1, at_least(1, 2 * s));
    neurogenic(vl, 0.3 + 0.5 * s, 0.3 + 0.4 * s, true);
    fasciculating(vl, 2, 4 + 8 * s, 0.5, true);
    sim_muscle_plan *gm = muscle(sp, "gastrocnemius medial head", "GastrocMed");
    neurogenic(gm, 0.3 + 0.4 * s, 0.3, false);
    fasciculating(gm, 3, 10 + 10 * s, 0.4, true);
    if (gm && s >= 0.6) /* chronic neurogenic: complex repetitive discharge [S50] */
        gm->crd_units = 1;
    add_region(sp, "lumbosacral");
    set_expected(sp, "suspicious_mnd", NULL,
                 "Widespread active denervation and chronic neurogenic change in several "
                 "regions with low motor amplitudes and normal sensory conduction.");
}

/* Length-dependent axonal sensorimotor polyneuropathy (clinical.md 5.1,
 * [S76]): axons die back from their far ends, so the longest nerves lose
 * most and first. Share of axons lost = base + slope x severity, by the
 * length of the nerve's axons [E]; the surviving share varies +-10 %
 * between patients. At the default age (68 y) that gives: sural and
 * superficial peroneal SNAPs below their limits at any severity (S07 p3
 * 4 uV; P&S 6 uV [S84]) and absent when severe; the peroneal to EDB, the
 * longest motor axons, reduced to a third or less of normal at moderate
 * severity and low or absent when severe (reinnervation keeps the CMAP up
 * until most units are gone, nc_physiology.c); tibial to AH reduced; finger
 * SNAPs reduced but mostly normal, hand CMAPs hardly changed. Conduction
 * slows only as the fastest fibres are lost, above 80 % LLN [S26]. The
 * protocol adds the superficial peroneal nerve: the rule's evidence asks for
 * the sural and one other sensory nerve (clinical.md 5.1). */
static void build_axonal_pn(sim_study_plan *sp, sim_rng *r)
{
    double s = sp->opt.severity;
    general_nerves(sp);
    nerve(sp, "superficial peroneal", SIM_NC_SENSORY, NULL);
    static const struct {
        const char *n;
        sim_nc_test t;
        double base, slope;
    } loss[] = {
        {"sural", SIM_NC_SENSORY, 0.78, 0.2},   {"superficial peroneal", SIM_NC_SENSORY, 0.78, 0.2},
        {"peroneal", SIM_NC_MOTOR, 0.88, 0.1},  {"tibial", SIM_NC_MOTOR, 0.75, 0.2},
        {"median", SIM_NC_SENSORY, 0.15, 0.35}, {"ulnar", SIM_NC_SENSORY, 0.15, 0.35},
        {"median", SIM_NC_MOTOR, 0.05, 0.15},   {"ulnar", SIM_NC_MOTOR, 0.05, 0.15}};
    for (size_t i = 0; i < sizeof loss / sizeof loss[0]; i++) {
        sim_nerve_plan *n = find_nerve(sp, loss[i].n, loss[i].t);
        double kept = (1.0 - loss[i].base - loss[i].slope * s) * sim_rng_range(r, 0.9, 1.1);
        if (n)
            n->axon_loss = fmin(fmax(1.0 - kept, 0.0), 0.99);
    }
    sim_nerve_plan *tm = find_nerve(sp, "tibial", SIM_NC_MOTOR);
    sim_nerve_plan *tf = find_nerve(sp, "tibial", SIM_NC_FWAVE);
    if (tm && tf) /* the F-waves come from the same motor units */
        tf->axon_loss = tm->axon_loss;
    muscle(sp, "first dorsal interosseous", "FDI");
    muscle(sp, "biceps brachii", "Biceps");
    muscle(sp, "vastus lateralis", "VastLat");
    sim_muscle_plan *ta = muscle(sp, "tibialis anterior", "TibAnt");
    denervated(ta, at_least(1, 3 * s), at_least(1, 2 * s));
    neurogenic(ta, 0.3 + 0.5 * s, 0.3 + 0.4 * s, false);
    sim_muscle_plan *gm = muscle(sp, "gastrocnemius medial head", "GastrocMed");
    denervated(gm, at_least(1, 3 * s), 1);
    neurogenic(gm, 0.3 + 0.4 * s, 0.3 + 0.3 * s, false);
    sim_muscle_plan *eh = muscle(sp, "extensor hallucis longus", "EHL");
    denervated(eh, at_least(2, 4 * s), 1);
    neurogenic(eh, 0.4 + 0.5 * s, 0.4 + 0.4 * s, false);
    set_expected(sp, "neuropathy", "axonal",
                 "Length-dependent loss of sensory and motor amplitudes with preserved "
                 "conduction velocities and distal denervation.");
}

static void build_demyelinating_pn(sim_study_plan *sp, sim_rng *r)
{
    double s = sp->opt.severity;
    general_nerves(sp);
    for (size_t i = 0; i < sp->n_nerves; i++) {
        sim_nerve_plan *n = &sp->nerves[i].plan;
        n->demyelination = (0.55 + 0.4 * s) * sim_rng_range(r, 0.9, 1.0);
        n->axon_loss = n->test == SIM_NC_SENSORY ? 0.3 + 0.4 * s : 0.1 + 0.2 * s;
    }
    sim_nerve_plan *med = find_nerve(sp, "median", SIM_NC_MOTOR);
    if (med) /* forearm block: >= 30 % proximal amplitude drop (EAN/PNS 2021 [S14]) */
        med->seg_block[1] = 0.4 + 0.3 * s;
    sim_nerve_plan *uln = find_nerve(sp, "ulnar", SIM_NC_MOTOR);
    if (uln)
        uln->seg_block[1] = 0.35 + 0.25 * s;
    muscle(sp, "first dorsal interosseous", "FDI");
    muscle(sp, "biceps brachii", "Biceps");
    muscle(sp, "deltoid", "Deltoid");
    sim_muscle_plan *ta = muscle(sp, "tibialis anterior", "TibAnt");
    if (ta) /* block, not loss: few units fire fast, MUPs near normal */
        ta->mu_loss = 0.4 + 0.3 * s;
    muscle(sp, "vastus lateralis", "VastLat");
    sim_muscle_plan *gm = muscle(sp, "gastrocnemius medial head", "GastrocMed");
    if (gm)
        gm->mu_loss = 0.3 + 0.3 * s;
    set_expected(sp, "neuropathy", "demyelinating",
                 "Diffuse slowing in the demyelinating range with prolonged distal and F "
                 "latencies, conduction block and temporal dispersion.");
}

static void build_carpal_tunnel(sim_study_plan *sp, sim_rng *r)
{
    double s = sp->opt.severity;
    sim_nerve_plan *mm = nerve(sp, "median", SIM_NC_MOTOR, NULL);
    nerve(sp, "ulnar", SIM_NC_MOTOR, NULL);
    sim_nerve_plan *ms = nerve(sp, "median", SIM_NC_SENSORY, "D2");
    nerve(sp, "ulnar", SIM_NC_SENSORY, "D5");
    nerve(sp, "radial", SIM_NC_SENSORY, NULL);
    nerve(sp, "sural", SIM_NC_SENSORY, NULL);
    nerve(sp, "median", SIM_NC_FWAVE, NULL);
    if (mm) { /* focal demyelination at the wrist: the distal segment */
        mm->seg_slowing[0] = (0.25 + 0.4 * s) * sim_rng_range(r, 0.9, 1.1);
        mm->axon_loss = 0.4 * s * s;
    }
    if (ms) {
        ms->seg_slowing[0] = (0.2 + 0.35 * s) * sim_rng_range(r, 0.9, 1.1);
        ms->axon_loss = 0.2 + 0.5 * s;
    }
    sim_muscle_plan *apb = muscle(sp, "abductor pollicis brevis", "APB");
    if (s >= 0.5)
        denervated(apb, at_least(1, 3 * (s - 0.4)), 1);
    if (s >= 0.3)
        neurogenic(apb, 0.5 * s, 0.4 * s, false);
    muscle(sp, "first dorsal interosseous", "FDI");
    muscle(sp, "pronator teres", "PronTeres");
    muscle(sp, "extensor digitorum communis", "EDC");
    muscle(sp, "biceps brachii", "Biceps");
    muscle(sp, "flexor pollicis longus", "FPL");
    set_expected(sp, "neuropathy", "focal_median_wrist",
                 "Focal slowing of median motor and sensory conduction across the wrist with "
                 "normal ulnar, radial and sural studies.");
}

static void build_ulnar_elbow(sim_study_plan *sp, sim_rng *r)
{
    double s = sp->opt.severity;
    sim_nerve_plan *um = nerve(sp, "ulnar", SIM_NC_MOTOR, NULL);
    nerve(sp, "median", SIM_NC_MOTOR, NULL);
    sim_nerve_plan *us = nerve(sp, "ulnar", SIM_NC_SENSORY, "D5");
    nerve(sp, "median", SIM_NC_SENSORY, "D2");
    nerve(sp, "radial", SIM_NC_SENSORY, NULL);
    nerve(sp, "ulnar", SIM_NC_FWAVE, NULL);
    if (um) { /* segment 2 = below elbow -> above elbow (AAEM 1999 [S72]) */
        um->seg_slowing[2] = (0.3 + 0.35 * s) * sim_rng_range(r, 0.9, 1.1);
        um->seg_block[2] = 0.2 + 0.35 * s;
        um->axon_loss = 0.3 * s;
    }
    if (us)
        us->axon_loss = 0.3 + 0.5 * s;
    sim_muscle_plan *fdi = muscle(sp, "first dorsal interosseous", "FDI");
    denervated(fdi, at_least(1, 3 * s), at_least(1, 2 * s));
    neurogenic(fdi, 0.3 + 0.5 * s, 0.3 + 0.4 * s, false);
    sim_muscle_plan *adm = muscle(sp, "abductor digiti minimi", "ADM");
    denervated(adm, at_least(1, 2 * s), 1);
    neurogenic(adm, 0.3 + 0.4 * s, 0.3 + 0.3 * s, false);
    sim_muscle_plan *fdp = muscle(sp, "flexor digitorum profundus 4-5", "FDP4");
    if (s >= 0.5)
        denervated(fdp, 1, 0);
    muscle(sp, "abductor pollicis brevis", "APB");
    muscle(sp, "extensor indicis proprius", "EIP");
    muscle(sp, "biceps brachii", "Biceps");
    set_expected(sp, "neuropathy", "focal_ulnar_elbow",
                 "Focal ulnar slowing and amplitude drop across the elbow with denervation of "
                 "ulnar hand muscles; median and radial studies normal.");
}

static void build_l5_radiculopathy(sim_study_plan *sp, sim_rng *r)
{
    double s = sp->opt.severity;
    sim_nerve_plan *pm = nerve(sp, "peroneal", SIM_NC_MOTOR, NULL);
    nerve(sp, "tibial", SIM_NC_MOTOR, NULL);
    nerve(sp, "sural", SIM_NC_SENSORY, NULL);
    nerve(sp, "superficial peroneal", SIM_NC_SENSORY, NULL);
    nerve(sp, "peroneal", SIM_NC_FWAVE, NULL);
    nerve(sp, "tibial", SIM_NC_FWAVE, NULL);
    nerve(sp, "median", SIM_NC_MOTOR, NULL);
    if (pm) /* EDB is L5-S1: its CMAP may fall; sensory stays normal (preganglionic) */
        pm->axon_loss = 0.3 * s * sim_rng_range(r, 0.8, 1.0);
    static const struct { const char *m, *abbrev; double w; } myotome[] = {
        {"tibialis anterior", "TibAnt", 1.0},     {"extensor hallucis longus", "EHL", 1.0},
        {"tibialis posterior", "TibPost", 0.8},   {"gluteus medius", "GlutMed", 0.7},
        {"lumbosacral paraspinal", "LSP", 0.8},   {"peroneus longus", "PL", 0.6}};
    for (size_t i = 0; i < sizeof myotome / sizeof myotome[0]; i++) {
        sim_muscle_plan *m = muscle(sp, myotome[i].m, myotome[i].abbrev);
        double w = myotome[i].w * s;
        denervated(m, at_least(1, 3 * w), at_least(1, 2 * w));
        if (i != 4) /* paraspinals: denervation only */
            neurogenic(m, 0.2 + 0.5 * w, 0.2 + 0.4 * w, false);
    }
    muscle(sp, "vastus lateralis", "VastLat");
    muscle(sp, "gastrocnemius medial head", "GastrocMed");
    set_expected(sp, "radiculopathy", "l5",
                 "Denervation and chronic neurogenic change confined to the L5 myotome "
                 "including the paraspinals, with normal sensory conduction.");
}

static void build_myopathy(sim_study_plan *sp, sim_rng *r)
{
    double s = sp->opt.severity;
    nerve(sp, "median", SIM_NC_MOTOR, NULL);
    nerve(sp, "peroneal", SIM_NC_MOTOR, NULL);
    nerve(sp, "tibial", SIM_NC_MOTOR, NULL);
    nerve(sp, "median", SIM_NC_SENSORY, "D2");
    nerve(sp, "sural", SIM_NC_SENSORY, NULL);
    nerve(sp, "ulnar", SIM_NC_SENSORY, "D5");
    static const struct { const char *m, *abbrev; double w; } list[] = {
        {"deltoid", "Deltoid", 1.0}, {"biceps brachii", "Biceps", 1.0},
        {"iliopsoas", "Iliopsoas", 1.0}, {"vastus lateralis", "VastLat", 0.9},
        {"first dorsal interosseous", "FDI", 0.4}, {"tibialis anterior", "TibAnt", 0.5},
        {"thoracic paraspinal", "TPS", 0.8}};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
        sim_muscle_plan *m = muscle(sp, list[i].m, list[i].abbrev);
        if (!m)
            continue;
        m->mup_kind = SIM_MUP_MYOPATHIC;
        m->mup_severity = list[i].w * (0.4 + 0.6 * s);
        if (s >= 0.5 && list[i].w >= 0.8) /* irritable myopathy (clinical.md 5.6 [S50]) */
            denervated(m, at_least(1, 2 * s * sim_rng_range(r, 0.5, 1.0)), 1);
        if (s >= 0.5 && i == 3)
            m->crd_units = 1; /* chronic myopathy: complex repetitive discharge [S50] */
        if (s >= 0.5 && i < 2) /* brief myotonic runs occur in irritable myopathies [S49] */
            m->myotonic_runs = 1;
    }
    set_expected(sp, "myopathy", NULL,
                 "Short-duration, low-amplitude polyphasic motor unit potentials with early "
                 "recruitment in proximal muscles; nerve conduction normal.");
}

static void build_neuromyotonia(sim_study_plan *sp, sim_rng *r)
{
    double s = sp->opt.severity;
    general_nerves(sp);
    static const char *const names[][2] = {
        {"first dorsal interosseous", "FDI"}, {"abductor pollicis brevis", "APB"},
        {"biceps brachii", "Biceps"},          {"tibialis anterior", "TibAnt"},
        {"gastrocnemius medial head", "GastrocMed"}, {"vastus lateralis", "VastLat"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        sim_muscle_plan *m = muscle(sp, names[i][0], names[i][1]);
        if (!m)
            continue;
        m->neuromyotonic_trains = at_least(i % 2 ? 0 : 1, 3 * s * sim_rng_range(r, 0.5, 1.0));
        m->myokymic_units = at_least(1, 2 * s);
        fasciculating(m, 2, 4 + 6 * s, 0, false);
    }
    set_expected(sp, "peripheral_nerve_hyperexcitability", "neuromyotonia",
                 "Neuromyotonic and myokymic discharges with fasciculations: peripheral "
                 "nerve hyperexcitability; nerve conduction normal.");
}

static void build_cramp_fasciculation(sim_study_plan *sp, sim_rng *r)
{
    double s = sp->opt.severity;
    general_nerves(sp);
    fasciculating(muscle(sp, "first dorsal interosseous", "FDI"), 1, 2 + 2 * s, 0, false);
    muscle(sp, "biceps brachii", "Biceps");
    fasciculating(muscle(sp, "tibialis anterior", "TibAnt"), 2, 3 + 4 * s, 0, false);
    muscle(sp, "vastus lateralis", "VastLat");
    sim_muscle_plan *gm = muscle(sp, "gastrocnemius medial head", "GastrocMed");
    fasciculating(gm, 3, 6 + 8 * s, 0, false);
    if (gm)
        gm->cramp_bursts = at_least(1, 2 * s * sim_rng_range(r, 0.6, 1.0));
    sim_muscle_plan *so = muscle(sp, "soleus", "Soleus");
    fasciculating(so, 2, 4 + 6 * s, 0, false);
    if (so && s >= 0.6)
        so->cramp_bursts = 1;
    set_expected(sp, "benign_fasciculation", "cramp_fasciculation",
                 "Simple, stable fasciculations and cramp discharges without denervation, "
                 "chronic neurogenic change or conduction abnormality.");
}

/* name, summary, default age, height, limb temperature, severity, sex, builder */
static const sim_scenario scenarios[] = {
    {"normal", "normal study", 45, 172, 33.0, 0.0, 'F', build_normal},
    {"benign_fasciculation", "benign fasciculation syndrome", 34, 180, 33.0, 0.5, 'M',
     build_benign_fasciculation},
    {"als", "amyotrophic lateral sclerosis (suspicious for MND)", 62, 176, 32.5, 0.6, 'M',
     build_als},
    {"axonal_polyneuropathy", "length-dependent axonal sensorimotor polyneuropathy", 68, 178,
     31.5, 0.6, 'M', build_axonal_pn},
    {"demyelinating_polyneuropathy", "demyelinating polyneuropathy (CIDP-like)", 55, 170, 33.0,
     0.6, 'F', build_demyelinating_pn},
    {"carpal_tunnel", "median neuropathy at the wrist", 52, 164, 32.5, 0.5, 'F',
     build_carpal_tunnel},
    {"ulnar_elbow", "ulnar neuropathy at the elbow", 48, 181, 33.0, 0.6, 'M', build_ulnar_elbow},
    {"l5_radiculopathy", "right L5 radiculopathy", 50, 175, 32.0, 0.6, 'M',
     build_l5_radiculopathy},
    {"myopathy", "proximal (irritable) myopathy", 40, 166, 33.0, 0.6, 'F', build_myopathy},
    {"neuromyotonia", "acquired neuromyotonia (Isaacs' syndrome)", 42, 170, 33.0, 0.6, 'M',
     build_neuromyotonia},
    {"cramp_fasciculation", "cramp-fasciculation syndrome", 38, 183, 33.0, 0.5, 'M',
     build_cramp_fasciculation},
};
enum { N_SCENARIOS = sizeof scenarios / sizeof scenarios[0] };

const sim_scenario *sim_scenario_at(size_t i)
{
    return i < N_SCENARIOS ? &scenarios[i] : NULL;
}

size_t sim_scenario_count(void)
{
    return N_SCENARIOS;
}
