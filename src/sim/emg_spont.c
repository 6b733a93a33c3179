/*
 * emg_spont.c - spontaneous activity at rest (clinical.md 1.1, 1.4).
 *
 * Single-fibre generators (fibrillations, positive sharp waves, myotonic
 * runs, end-plate spikes, insertional spikes) are line-source fibres
 * (emg_sfap.c) scaled to an amplitude drawn in the table's range; motor
 * unit generators (fasciculations, myokymic, neuromyotonic, cramp) fire
 * whole MUPs (emg_mup.c). Each generator draws from its own stream, so
 * adding one does not reshuffle the others.
 *
 * Where they are seen: fibrillations and PSWs belong to needle sites (one
 * site each, a quarter of fibrillating fibres also a neighbouring one, in
 * round-robin so that the number of positive sites follows the number of
 * generators); they fire all through their sites, voluntary epochs
 * included, but not in the insertional 300 ms after a move. CRDs and the
 * end plate belong to one site. Motor-unit generators are seen from every
 * site (each site its own MUP shape), and like myotonic runs they are
 * placed at rest only (outside contraction epochs).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/emg_internal.h"

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static void gen_rng(const emg_ctx *c, sim_rng *r, const char *kind, uint64_t k)
{
    sim_rng_init(r, c->seed, sim_stream_id(kind, k));
}

/* ---- single-fibre templates ---------------------------------------------- */

/* A fibre whose origin lies ep_mm from the needle, both ways 25-60 mm. */
static emg_fibre fibre_at(sim_rng *r, double ep_mm, double dist_mm)
{
    emg_fibre f = {0};
    f.r_mm = sqrt(dist_mm * dist_mm + EMG_CORE_MM * EMG_CORE_MM);
    f.ep_mm = ep_mm;
    f.len_pos_mm = sim_rng_range(r, 25.0, 60.0);
    f.len_neg_mm = sim_rng_range(r, 25.0, 60.0);
    f.diam_um = clampd(55.0 + 9.0 * sim_rng_normal(r), 25.0, 85.0);
    f.cv_m_s = emg_cv_for_diameter(f.diam_um);
    f.r_ref_mm = sim_rng_range(r, EMG_REF_MIN_MM, 2.5);
    return f;
}

/* Template of f whose peak-to-peak is target_uv: the distance is searched
 * first (amplitude falls ~ r^-1.4 near the fibre), the rest is a gain. */
static int fibre_template(emg_ctx *c, emg_fibre f, double target_uv, emg_wave *w, double *gain)
{
    double pp = 0;
    int tries = f.r_mm > 0 ? 4 : 1; /* negative: keep this distance, no search */
    f.r_mm = fabs(f.r_mm);
    for (int it = 0; it < tries; it++) {
        int rc = emg_wave_from_fibres(c, &f, 1, NULL, w);
        if (rc)
            return rc;
        pp = emg_wave_pp_uv(w);
        double ratio = pp / target_uv;
        double r_new = clampd(f.r_mm * pow(ratio, 0.7), EMG_CORE_MM, 2.5);
        if (fabs(log(ratio)) < 0.1 || fabs(r_new - f.r_mm) < 1e-3 || it == tries - 1)
            break;
        emg_wave_free(w);
        f.r_mm = r_new;
    }
    *gain = pp > 0 ? target_uv / pp : 0;
    return EDX_OK;
}

/* Positive sharp wave: the fibre's AP runs into the needle and stops there
 * (Dumitru D, King JC, Stegeman DF, Muscle Nerve 1999;22:242); the blocked,
 * damaged segment repolarises slowly, modelled by stretching the part after
 * the positive peak in time (x stretch) and damping its negative phase, so
 * the total lasts dur_ms (5-30 ms, clinical.md 1.1) [E]. */
static int stretch_after_peak(emg_ctx *c, emg_wave *w, double dur_ms, sim_rng *r)
{
    size_t pk = 0, a = 0, mn, z;
    for (size_t i = 0; i < w->len; i++)
        if (w->v[i] > w->v[pk])
            pk = i;
    while (a < pk && w->v[a] < 0.05 * w->v[pk])
        a++;
    for (z = pk; z < w->len && w->v[z] >= 0; z++) /* down to the negative phase */
        ;
    for (mn = z; z < w->len && w->v[z] < 0; z++) /* and back to baseline */
        if (w->v[z] < w->v[mn])
            mn = z;
    double pre_ms = (double)(pk - a) * c->dt_os_ms;
    double post_ms = (double)(z - pk) * c->dt_os_ms;
    double stretch = fmax(1.0, (dur_ms - pre_ms) / fmax(post_ms, 0.2));
    double neg_gain = sim_rng_range(r, 0.8, 1.2) / sqrt(stretch);
    size_t len = pk + (size_t)((double)(z - pk) * stretch) + 1;
    double *v = malloc(len * sizeof *v);
    if (!v)
        return EDX_ERR_NOMEM;
    memcpy(v, w->v, pk * sizeof *v);
    for (size_t i = pk; i < len; i++) {
        double x = (double)pk + (double)(i - pk) / stretch;
        size_t j = (size_t)x;
        double fr = x - (double)j;
        double y = j + 1 < z ? w->v[j] + fr * (w->v[j + 1] - w->v[j]) : 0.0;
        v[i] = y < 0 ? y * neg_gain : (x > (double)mn ? 0.0 : y);
    }
    free(w->v);
    w->v = v;
    w->len = len;
    return EDX_OK;
}

/* A positive sharp wave begins with its positive deflection, and that
 * deflection is its largest: "sharp initial positive deflection followed by
 * a slow, long negative phase; no initial negativity", lasting 5-30 ms
 * (clinical.md 1.1, [S52, S45]). Judged on the wave at its final size as
 * the truth measures a discharge (emg_measure). A fibre ending just past
 * the needle, or close beneath it, sends a negative spike under it before
 * the positive peak or leaves a negative phase larger than that peak; a
 * stretched phase that sinks within 5 % of the amplitude early leaves a
 * potential under 5 ms: each the shape of a fibrillation (1-5 ms), not of
 * a PSW. */
#define PSW_MIN_MS 5.0
#define PSW_MAX_MS 30.0
static bool psw_shaped(const emg_ctx *c, const emg_wave *w, double gain)
{
    double *y = malloc((w->len ? w->len : 1) * sizeof *y), hi = 0, lo = 0;
    if (y == NULL)
        return true; /* kept as drawn; the caller's allocations fail next */
    for (size_t i = 0; i < w->len; i++) {
        y[i] = gain * w->v[i];
        hi = fmax(hi, y[i]);
        lo = fmin(lo, y[i]);
    }
    emg_shape s;
    emg_measure(y, w->len, c->fs_os_hz, &s);
    free(y);
    return s.first_polarity > 0 && hi >= -lo && s.duration_ms >= PSW_MIN_MS &&
           s.duration_ms <= PSW_MAX_MS;
}

/* Geometries drawn for one PSW before the last drawn is kept as it is: a
 * PSW under ~40 uV may not reach 5 ms above the truth's 2 uV floor however
 * it is drawn [E]. */
#define PSW_TRIES 16

static int psw_template(emg_ctx *c, sim_rng *r, double target_uv, double dur_ms, emg_wave *w,
                        double *gain)
{
    for (int tries = 1;; tries++) {
        double origin = sim_rng_range(r, 10.0, 30.0);
        emg_fibre f = fibre_at(r, -origin, sim_rng_range(r, 0.1, 0.5));
        f.len_pos_mm = origin + sim_rng_range(r, -0.5, 0.2); /* ends at the needle */
        int rc = fibre_template(c, f, target_uv, w, gain);
        if (!rc)
            rc = stretch_after_peak(c, w, dur_ms, r);
        if (rc) {
            emg_wave_free(w);
            return rc;
        }
        double pp = emg_wave_pp_uv(w);
        *gain = pp > 0 ? target_uv / pp : 0;
        if (tries == PSW_TRIES || psw_shaped(c, w, *gain))
            return EDX_OK;
        emg_wave_free(w);
    }
}

static int fib_template(emg_ctx *c, sim_rng *r, double target_uv, emg_wave *w, double *gain)
{
    /* origin 4-15 mm away, so the wave is seen approaching: initial positive */
    double sign = sim_rng_uniform(r) < 0.5 ? -1.0 : 1.0;
    emg_fibre f = fibre_at(r, sign * sim_rng_range(r, 4.0, 15.0), sim_rng_range(r, 0.1, 0.6));
    return fibre_template(c, f, target_uv, w, gain);
}

/* Amplitude of a single-fibre discharge: log-normal, clamped inside the
 * clinical.md 1.1 range lo..hi with a 10 % margin for sampling. */
static double draw_amp(sim_rng *r, double median, double lo, double hi)
{
    return clampd(sim_rng_lognormal(r, median, 0.6), 1.15 * lo, 0.9 * hi);
}

/* ---- fibrillations and positive sharp waves ------------------------------ */

static int regular_train(emg_ctx *c, int k, bool psw, size_t site_off)
{
    sim_rng r;
    gen_rng(c, &r, psw ? "emg-psw" : "emg-fib", (uint64_t)k);
    size_t sites[2] = {((size_t)k + site_off) % c->n_sites, 0};
    size_t ns = 1;
    if (!psw && c->n_sites > 1 && sim_rng_uniform(&r) < 0.25)
        sites[ns++] = (sites[0] + 1) % c->n_sites;
    emg_wave w[2] = {{0}, {0}};
    double gain[2] = {1, 1};
    int rc = EDX_OK;
    for (size_t i = 0; i < ns && !rc; i++) {
        /* fibs 20-300 uV, 1-5 ms; PSW 20-300 uV, 5-30 ms (clinical.md 1.1) */
        double amp = draw_amp(&r, psw ? 100.0 : 80.0, 20.0, 300.0);
        rc = psw ? psw_template(c, &r, amp, clampd(sim_rng_lognormal(&r, 11.0, 0.35), 6, 24),
                                &w[i], &gain[i])
                 : fib_template(c, &r, amp, &w[i], &gain[i]);
    }
    /* regular 0.5-15 Hz, slowing gradually (self-inhibition), low IDI CV [E] */
    double rate0 = clampd(sim_rng_lognormal(&r, 4.0, 0.6), 0.8, 13.0);
    double slowing = sim_rng_range(&r, 0.0, 0.25), cv = sim_rng_range(&r, 0.01, 0.05);
    double dur = c->plan->duration_s;
    int id = (psw ? EMG_ID_PSW : EMG_ID_FIB) + k;
    for (double t = sim_rng_range(&r, 0, 1.0 / rate0); !rc && t < dur;) {
        size_t s = emg_site_of(c, t);
        for (size_t i = 0; i < ns && !rc; i++)
            if (sites[i] == s && t >= emg_site_quiet_start_s(c, s)) {
                int pr = emg_place(c, &w[i], t, gain[i], psw ? SIM_EV_PSW : SIM_EV_FIBRILLATION,
                                   id, emg_site_quiet_start_s(c, s), c->site_end_s[s], NULL);
                rc = pr < 0 ? pr : 0;
            }
        double rate = rate0 * (1.0 - slowing * t / dur);
        t += fmax(0.02, (1.0 + cv * sim_rng_normal(&r)) / rate);
    }
    emg_wave_free(&w[0]);
    emg_wave_free(&w[1]);
    return rc;
}

/* ---- scheduling helpers -------------------------------------------------- */

/* A start for a run of span_s at rest, inside one site, after its
 * insertional window; *site receives the site. false if none was found. */
static bool rest_slot(const emg_ctx *c, sim_rng *r, double span_s, double *t_s, size_t *site)
{
    double dur = c->plan->duration_s;
    for (int tries = 0; tries < 40; tries++) {
        double t = sim_rng_range(r, 0.0, fmax(dur - span_s, 0.0));
        size_t s = emg_site_of(c, t);
        if (t >= emg_site_quiet_start_s(c, s) && t + span_s <= c->site_end_s[s] &&
            !emg_in_contraction(c, t, span_s)) {
            *t_s = t;
            *site = s;
            return true;
        }
    }
    return false;
}

/* Motor units of one generator, one per site, built when first needed. */
typedef struct site_units {
    emg_unit u[SIM_MAX_NEEDLE_MOVES + 1];
    bool built[SIM_MAX_NEEDLE_MOVES + 1];
} site_units;

static void site_units_free(site_units *su)
{
    for (size_t s = 0; s <= SIM_MAX_NEEDLE_MOVES; s++)
        if (su->built[s])
            emg_unit_free(&su->u[s]);
}

static int unit_at(emg_ctx *c, site_units *su, size_t s, emg_unit_spec spec, const char *kind,
                   uint64_t k)
{
    if (su->built[s])
        return EDX_OK;
    sim_rng r;
    gen_rng(c, &r, kind, k * 16 + s);
    spec.ep_zone_mm = c->ep_zone_mm[s] + 2.0 * sim_rng_normal(&r);
    spec.size_factor = (spec.size_factor > 0 ? spec.size_factor : 1.0) *
                       (1.0 + 0.5 * c->age_factor) * sim_rng_range(&r, 0.8, 1.25);
    int rc = emg_unit_build(c, &spec, &r, &su->u[s]);
    su->built[s] = rc == 0;
    return rc;
}

static emg_unit_spec muscle_spec(const emg_ctx *c)
{
    emg_unit_spec s = {0};
    s.kind = c->plan->mup_kind;
    s.severity = c->plan->mup_severity;
    s.unstable = c->plan->mup_unstable;
    return s;
}

/* Fires unit k of a site_units set at t (site of t) unless in contraction. */
static int fire_at(emg_ctx *c, site_units *su, emg_unit_spec spec, const char *kind, int k,
                   sim_rng *fr, double t, double gain, sim_event_type type, int id)
{
    size_t s = emg_site_of(c, t);
    if (t < emg_site_quiet_start_s(c, s) || emg_in_contraction(c, t, 0.03))
        return 0;
    int rc = unit_at(c, su, s, spec, kind, (uint64_t)k);
    if (rc)
        return rc;
    rc = emg_unit_fire(c, &su->u[s], fr, t, gain, type, id, emg_site_quiet_start_s(c, s),
                       c->site_end_s[s], NULL);
    return rc < 0 ? rc : 0;
}

/* ---- fasciculations (clinical.md 1.1, 1.4) ------------------------------- */

static int fasc_unit(emg_ctx *c, int k, int n_complex)
{
    const sim_muscle_plan *p = c->plan;
    emg_unit_spec spec = muscle_spec(c);
    spec.min_amp_uv = 123.0; /* ALS TA FPs 123-1480 uV [S28]; FPs 0.1-3.6 mV */
    spec.max_amp_uv = 1480.0;
    spec.unstable = p->fasc_unstable;
    if (k < n_complex) { /* complex: reinnervating, >= 5 phases [S27, S28] */
        spec.kind = SIM_MUP_NEUROGENIC;
        spec.severity = 0.9;
        spec.size_factor = 0.4; /* sprouting, not yet enlarged [E] */
        spec.min_phases = 5;
    } else { /* simple: normal MUP parameters, smaller (benign) */
        spec.severity *= 0.5;
        spec.max_phases = 4;
        spec.max_amp_uv = 1200.0;
    }
    sim_rng r;
    gen_rng(c, &r, "emg-fasc", (uint64_t)k);
    /* isolated random discharges: exponential intervals after a 250 ms gap
     * (ISI > 250 ms, [S34]); the muscle's rate shared by its units */
    double mean_s = 60.0 * p->fasc_units / p->fasc_per_min;
    double gap = fmin(0.25, 0.5 * mean_s);
    site_units su;
    memset(&su, 0, sizeof su);
    int rc = EDX_OK;
    for (double t = sim_rng_exponential(&r, mean_s); !rc && t < p->duration_s;
         t += gap + sim_rng_exponential(&r, mean_s - gap))
        rc = fire_at(c, &su, spec, "emg-fasc-mu", k, &r, t, 1.0, SIM_EV_FASCICULATION,
                     EMG_ID_FASC + k);
    site_units_free(&su);
    return rc;
}

/* ---- complex repetitive discharges --------------------------------------- */

/* A chain of 3-8 ephaptically linked fibres, 0.8-2.5 ms apart (complex
 * 5-15 ms), scaled to amp_uv (100 uV - 1 mV) [S46, S52]. */
static int crd_complex(emg_ctx *c, sim_rng *r, size_t site, int n_fib, double amp_uv,
                       emg_wave *w, double *gain)
{
    emg_fibre f[9];
    double t = 0, ep = c->ep_zone_mm[site];
    for (int i = 0; i < n_fib; i++) {
        f[i] = fibre_at(r, ep + sim_rng_range(r, -6.0, 6.0), sim_rng_range(r, 0.1, 0.9));
        f[i].delay_ms = t;
        t += sim_rng_range(r, 0.8, 2.5);
    }
    int rc = emg_wave_from_fibres(c, f, (size_t)n_fib, NULL, w);
    double pp = rc ? 0 : emg_wave_pp_uv(w);
    *gain = pp > 0 ? amp_uv / pp : 0;
    return rc;
}

static int crd_gen(emg_ctx *c, int k)
{
    sim_rng r;
    gen_rng(c, &r, "emg-crd", (uint64_t)k);
    double span = sim_rng_range(&r, 2.0, 10.0), t0;
    size_t s;
    if (!rest_slot(c, &r, span, &t0, &s))
        return EDX_OK;
    emg_wave w[2] = {{0}, {0}};
    double gain[2];
    int n_fib = 3 + (int)sim_rng_below(&r, 5);
    double amp = draw_amp(&r, 300.0, 100.0, 1000.0);
    int rc = crd_complex(c, &r, s, n_fib, amp, &w[0], &gain[0]);
    /* abrupt change of configuration half the time: a link drops or joins */
    bool change = sim_rng_uniform(&r) < 0.5;
    double t_change = t0 + span * sim_rng_range(&r, 0.3, 0.7);
    if (!rc && change)
        rc = crd_complex(c, &r, s, n_fib + (n_fib > 3 && sim_rng_uniform(&r) < 0.5 ? -1 : 1),
                         amp * sim_rng_range(&r, 0.8, 1.2), &w[1], &gain[1]);
    /* 5-100 Hz, nearly no interval variation [S46, S52]; 0.2 % [E] */
    double rate = clampd(sim_rng_lognormal(&r, 25.0, 0.6), 6.0, 90.0);
    double rate2 = clampd(rate * sim_rng_range(&r, 0.85, 1.15), 5.5, 95.0);
    for (double t = t0; !rc && t < t0 + span;) {
        int which = change && t >= t_change;
        int pr = emg_place(c, &w[which], t, gain[which], SIM_EV_CRD, EMG_ID_CRD + k, t0,
                           c->site_end_s[s], NULL);
        rc = pr < 0 ? pr : 0;
        t += (1.0 + 0.002 * sim_rng_normal(&r)) / (which ? rate2 : rate);
    }
    emg_wave_free(&w[0]);
    emg_wave_free(&w[1]);
    return rc;
}

/* ---- myotonic runs ------------------------------------------------------- */

/* Rate and amplitude wax and wane together [S45]: rate 20-80 Hz (AANEM;
 * 150 in other texts), runs 0.5-3 s, fib-like (< 5 ms) or PSW-like
 * (5-20 ms) potentials, 10 uV - 1 mV; often set off by a needle move. */
static int myotonic_run(emg_ctx *c, int k)
{
    sim_rng r;
    gen_rng(c, &r, "emg-myotonic", (uint64_t)k);
    double span = sim_rng_range(&r, 0.5, 3.0), t0 = 0;
    size_t s = 0, nm = c->n_sites - 1;
    bool ok = false;
    if (nm > 0 && sim_rng_uniform(&r) < 0.7) {
        s = 1 + (size_t)k % nm;
        t0 = c->site_start_s[s] + sim_rng_range(&r, 0.3, 0.8);
        ok = t0 + span <= c->site_end_s[s] && !emg_in_contraction(c, t0, span);
    }
    if (!ok && !rest_slot(c, &r, span, &t0, &s))
        return EDX_OK;
    emg_wave w;
    double gain, amp = draw_amp(&r, 150.0, 10.0, 1000.0);
    bool pswlike = sim_rng_uniform(&r) < 0.5;
    int rc = pswlike ? psw_template(c, &r, amp, sim_rng_range(&r, 6.0, 16.0), &w, &gain)
                     : fib_template(c, &r, amp, &w, &gain);
    if (rc)
        return rc;
    double peak_hz = sim_rng_uniform(&r) < 0.9 ? sim_rng_range(&r, 40.0, 80.0)
                                               : sim_rng_range(&r, 80.0, 120.0);
    double low_hz = sim_rng_range(&r, 20.0, 30.0), shape = sim_rng_range(&r, 0.4, 0.8);
    for (double t = t0; !rc && t < t0 + span;) {
        double b = sin(SIM_PI * pow((t - t0) / span, shape)); /* 0 -> 1 -> 0 */
        double rate = low_hz + (peak_hz - low_hz) * b;
        int pr = emg_place(c, &w, t, gain * (0.3 + 0.7 * b), SIM_EV_MYOTONIC,
                           EMG_ID_MYOTONIC + k, t0, c->site_end_s[s], NULL);
        rc = pr < 0 ? pr : 0;
        t += (1.0 + 0.01 * sim_rng_normal(&r)) / rate;
    }
    emg_wave_free(&w);
    return rc;
}

/* ---- motor unit hyperexcitability ---------------------------------------- */

/* Bursts of 2-10 discharges at 20-70 Hz recurring 0.2-4 Hz [S43, S96].
 * One axon fires one burst at a time: a burst starts no sooner than
 * MYOKYMIC_GAP_INTERVALS intraburst intervals after the last discharge of
 * the one before, so bursts stay groups separated by silence (clinical.md
 * 1.1: "bursts (groups)") rather than one unit firing on without a pause
 * when a long, slow burst meets a fast burst rate [E]. */
#define MYOKYMIC_GAP_INTERVALS 2.0
static int myokymic_unit(emg_ctx *c, int k)
{
    sim_rng r;
    gen_rng(c, &r, "emg-myokymic", (uint64_t)k);
    double burst_hz = sim_rng_range(&r, 0.3, 3.5), intra_hz = sim_rng_range(&r, 20.0, 70.0);
    int n_lo = 2 + (int)sim_rng_below(&r, 4), n_hi = n_lo + (int)sim_rng_below(&r, 5);
    site_units su;
    memset(&su, 0, sizeof su);
    int rc = EDX_OK;
    double last = -INFINITY; /* the previous burst's last discharge */
    for (double t = sim_rng_range(&r, 0, 1.0 / burst_hz); !rc && t < c->plan->duration_s;
         t += (1.0 + 0.15 * sim_rng_normal(&r)) / burst_hz) {
        int nb = n_lo + (int)sim_rng_below(&r, (uint32_t)(n_hi - n_lo + 1));
        t = fmax(t, last + MYOKYMIC_GAP_INTERVALS / intra_hz);
        double tb = t;
        for (int i = 0; i < nb && !rc; i++) {
            rc = fire_at(c, &su, muscle_spec(c), "emg-myokymic-mu", k, &r, tb, 1.0,
                         SIM_EV_MYOKYMIC, EMG_ID_MYOKYMIC + k);
            last = tb;
            tb += (1.0 + 0.05 * sim_rng_normal(&r)) / intra_hz;
        }
    }
    site_units_free(&su);
    return rc;
}

/* One MU at 150-300 Hz for 0.5-2 s, amplitude waning [S44, S96]. */
static int neuromyotonic_train(emg_ctx *c, int k)
{
    sim_rng r;
    gen_rng(c, &r, "emg-neuromyotonic", (uint64_t)k);
    double span = sim_rng_range(&r, 0.5, 2.0), t0;
    size_t s;
    if (!rest_slot(c, &r, span, &t0, &s))
        return EDX_OK;
    site_units su;
    memset(&su, 0, sizeof su);
    double rate0 = sim_rng_range(&r, 180.0, 300.0), rate1 = fmax(155.0, 0.8 * rate0);
    double end_gain = sim_rng_range(&r, 0.3, 0.6);
    int rc = EDX_OK;
    for (double t = t0; !rc && t < t0 + span;) {
        double u = (t - t0) / span;
        rc = fire_at(c, &su, muscle_spec(c), "emg-neuromyotonic-mu", k, &r, t, pow(end_gain, u),
                     SIM_EV_NEUROMYOTONIC, EMG_ID_NEUROMYOTONIC + k);
        t += (1.0 + 0.02 * sim_rng_normal(&r)) / (rate0 + (rate1 - rate0) * u);
    }
    site_units_free(&su);
    return rc;
}

/* Many MUs at 40-60 Hz together for seconds, abrupt onset and offset
 * (clinical.md 1.1 [U]): 6-12 units seen, 2-8 s [E]. */
static int cramp_burst(emg_ctx *c, int k)
{
    sim_rng r;
    gen_rng(c, &r, "emg-cramp", (uint64_t)k);
    double span = sim_rng_range(&r, 2.0, 8.0), t0;
    size_t s;
    if (!rest_slot(c, &r, span, &t0, &s))
        return EDX_OK;
    int n_units = 6 + (int)sim_rng_below(&r, 7), rc = EDX_OK;
    for (int i = 0; i < n_units && !rc; i++) {
        site_units su;
        memset(&su, 0, sizeof su);
        double rate = sim_rng_range(&r, 40.0, 60.0);
        double on = t0 + sim_rng_range(&r, 0, 0.1), off = t0 + span - sim_rng_range(&r, 0, 0.1);
        for (double t = on; !rc && t < off; t += (1.0 + 0.1 * sim_rng_normal(&r)) / rate)
            rc = fire_at(c, &su, muscle_spec(c), "emg-cramp-mu", k * 64 + i, &r, t, 1.0,
                         SIM_EV_CRAMP, EMG_ID_CRAMP + 100 * k + i);
        site_units_free(&su);
    }
    return rc;
}

/* ---- end plate and insertion --------------------------------------------- */

/* End-plate noise: MEPPs, monophasic negative, 10-40 uV, ~0.5-3 ms,
 * continuous and irregular [S53, S51]; ~300 per second seen [E]. Not
 * listed as events. */
static void end_plate_noise(emg_ctx *c, sim_rng *r, double t0, double t1)
{
    for (double t = t0 + sim_rng_exponential(r, 1.0 / 300.0); t < t1;
         t += sim_rng_exponential(r, 1.0 / 300.0)) {
        double a = sim_rng_range(r, 10.0, 40.0), tau_s = sim_rng_range(r, 0.15e-3, 0.5e-3);
        int64_t i0 = (int64_t)ceil(t * c->fs_hz);
        for (int64_t i = i0; i < (int64_t)c->n; i++) {
            double u = ((double)i / c->fs_hz - t) / tau_s;
            if (u > 8.0 || (double)i / c->fs_hz >= t1)
                break;
            c->out[i] -= a * u * exp(1.0 - u);
        }
    }
}

/* End-plate spikes: APs started by irritated terminals right under the
 * needle, so initial negative and biphasic, 3-5 ms, 100-200 uV; irregular
 * with very short minimum intervals [S53, S51, S47]. 2-4 terminals [E]. */
static int end_plate(emg_ctx *c)
{
    if (c->ep_site < 0)
        return EDX_OK;
    size_t s = (size_t)c->ep_site;
    double t0 = emg_site_quiet_start_s(c, s), t1 = c->site_end_s[s];
    sim_rng r;
    gen_rng(c, &r, "emg-endplate", 0);
    end_plate_noise(c, &r, t0, t1);
    int n_spk = 2 + (int)sim_rng_below(&r, 3), rc = EDX_OK;
    for (int k = 0; k < n_spk && !rc; k++) {
        sim_rng g;
        gen_rng(c, &g, "emg-endplate-spike", (uint64_t)k);
        emg_fibre f = fibre_at(&g, sim_rng_range(&g, -0.3, 0.3), sim_rng_range(&g, 0.5, 0.8));
        f.r_mm = -f.r_mm;                          /* fixed distance, amplitude by gain */
        f.diam_um = sim_rng_range(&g, 25.0, 40.0); /* slow: 3-5 ms spikes [E] */
        f.cv_m_s = emg_cv_for_diameter(f.diam_um);
        emg_wave w;
        double gain;
        rc = fibre_template(c, f, sim_rng_range(&g, 115.0, 185.0), &w, &gain);
        double median_s = sim_rng_range(&g, 0.04, 0.12);
        for (double t = t0 + sim_rng_exponential(&g, median_s); !rc && t < t1;
             t += 0.003 + sim_rng_lognormal(&g, median_s, 0.9)) {
            int pr =
                emg_place(c, &w, t, gain, SIM_EV_END_PLATE, EMG_ID_END_PLATE + k, t0, t1, NULL);
            rc = pr < 0 ? pr : 0;
        }
        emg_wave_free(&w);
    }
    return rc;
}

/* Insertional activity: a burst of fibre spikes for < 300 ms after each
 * needle move [S85, S51]; 4-20 spikes of 30-900 uV [E]. */
static int insertional(emg_ctx *c, size_t site)
{
    sim_rng r;
    gen_rng(c, &r, "emg-insertional", site);
    double t0 = c->site_start_s[site], t1 = fmin(t0 + 0.3, c->site_end_s[site]);
    int n_spk = 4 + (int)sim_rng_below(&r, 17), rc = EDX_OK;
    for (int i = 0; i < n_spk && !rc; i++) {
        double sign = sim_rng_uniform(&r) < 0.5 ? -1.0 : 1.0;
        emg_fibre f =
            fibre_at(&r, sign * sim_rng_range(&r, 0.0, 8.0), sim_rng_range(&r, 0.1, 0.8));
        emg_wave w;
        double gain;
        rc = fibre_template(c, f, draw_amp(&r, 150.0, 30.0, 900.0), &w, &gain);
        double t = t0 + fmin(sim_rng_exponential(&r, 0.06), 0.24);
        if (!rc) {
            int pr = emg_place(c, &w, t, gain, SIM_EV_INSERTIONAL,
                               EMG_ID_INSERTIONAL + (int)site, t0, t1, NULL);
            rc = pr < 0 ? pr : 0;
        }
        emg_wave_free(&w);
    }
    return rc;
}

int emg_spont_render(emg_ctx *c)
{
    const sim_muscle_plan *p = c->plan;
    sim_rng r;
    gen_rng(c, &r, "emg-spont-sites", 0);
    size_t fib_off = sim_rng_below(&r, (uint32_t)c->n_sites);
    size_t psw_off = sim_rng_below(&r, (uint32_t)c->n_sites);
    int rc = EDX_OK;
    for (int k = 0; k < p->fib_units && !rc; k++)
        rc = regular_train(c, k, false, fib_off);
    for (int k = 0; k < p->psw_units && !rc; k++)
        rc = regular_train(c, k, true, psw_off);
    int n_complex = (int)floor(p->fasc_complex_fraction * p->fasc_units + 0.5);
    for (int k = 0; k < p->fasc_units && p->fasc_per_min > 0 && !rc; k++)
        rc = fasc_unit(c, k, n_complex);
    for (int k = 0; k < p->crd_units && !rc; k++)
        rc = crd_gen(c, k);
    for (int k = 0; k < p->myotonic_runs && !rc; k++)
        rc = myotonic_run(c, k);
    for (int k = 0; k < p->myokymic_units && !rc; k++)
        rc = myokymic_unit(c, k);
    for (int k = 0; k < p->neuromyotonic_trains && !rc; k++)
        rc = neuromyotonic_train(c, k);
    for (int k = 0; k < p->cramp_bursts && !rc; k++)
        rc = cramp_burst(c, k);
    if (!rc)
        rc = end_plate(c);
    for (size_t s = 1; s < c->n_sites && !rc; s++)
        rc = insertional(c, s);
    return rc;
}
