/*
 * nc_physiology.c - the normal physiology of the nerves the simulator
 * stimulates, how age, height and temperature change it, and what each fibre
 * does under a plan's pathology.
 *
 * A response is a sum over fibres: fibre i's potential starts at
 *     residual_i + sum over segments k of length_k / CV_i,k
 * so latency, velocity, dispersion and phase cancellation come out of the
 * fibre population rather than being set directly. The fibre CV
 * distributions and residual latencies below were tuned so that, at the
 * standard distances (8 cm motor, 14 cm digits and sural, 10 cm radial, 12
 * cm superficial peroneal), 33 °C, 45 years and 170 cm, the measured onset
 * latency, amplitude, velocity and duration land on the Buschbacher means
 * (clinical.md §4; sources are the S-numbers of clinical-sources.md).
 * [E] marks an engineering choice, [U] standard teaching not located in a
 * source (clinical.md §0).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/nc_internal.h"

/* Reference conditions of the normative studies: skin >= 32 °C [S02, S05],
 * palm target 33 °C [S14]; age and height near the middle of the cohorts. */
#define REF_TEMP_C 33.0
#define REF_AGE_Y 45.0
#define REF_HEIGHT_CM 170.0

/* ---- the nerve table ----------------------------------------------------------
 * Targets per row (clinical.md §4.2-4.4), all at the standard distance:
 *   median APB   DML 3.7 ms, 10.2 mV, CV 57 m/s, duration 5.9 ms [S01]
 *   ulnar ADM    DML 3.0 ms, 11.6 mV, CV 61 m/s, duration 6.0 ms [S02]
 *   peroneal EDB DML 4.8 ms,  5.9 mV, CV 47 m/s (across fibular head 57),
 *                duration 5.7 ms [S03]
 *   tibial AH    DML 4.5 ms, 12.9 mV, CV 47 m/s, duration 6.3 ms [S04]
 *   radial EIP   DML ~2.4 ms, ~5 mV, CV ~61 m/s [U; P&S cutoffs DL <= 2.9,
 *                amp >= 2.0, CV >= 49 via S85]
 *   median D2    onset 2.6 ms, peak 3.4 ms, 37 µV (D3 41 µV) at 14 cm [S05]
 *   ulnar D5     onset 2.6 ms, peak 3.4 ms, 33 µV at 14 cm [S06]
 *   radial       onset 1.7 ms, peak 2.2 ms, 24.6 µV at 10 cm [S89]
 *   sural        onset 3.1 ms, peak 3.8 ms, 17 µV at 14 cm [S07]
 *   sup peroneal CV 42-47 m/s, 6.5-7.6 µV at 10 cm (distal branches) [S90];
 *                LLN 6 µV at 12 cm [S84, U]
 *   F min latency at 170 cm: median ~26 (24.8 +- 1.7 [S108]), ulnar 26.5 +-
 *                2.1, tibial 47.0 +- 4.1 [S65]; peroneal ~47 [U]; upper
 *                limits 30.9 / 30.2 / 59.7 / 60.0 ms [S09]
 *   F persistence: ulnar 83 %, tibial 97 % [S65]; median ~80 % [U, as
 *                ulnar]; peroneal lower, ~60 % [U]
 * Motor unit numbers: thenar, hypothenar and EDB MUNE of the order of 100-
 * 200 units [U]; sensory nerves are modelled with 300 fibres [E] (enough for
 * a smooth compound potential).
 * Unit potentials: x^2 e^-x (1 - x/c), x = t / tau, negative first; its
 * negative phase lasts c x tau. Motor c = 3: a positive phase ~45 % of the
 * negative one as in a belly-tendon CMAP [E]. Sensory c = 3.2 with tau ~0.3
 * ms: after summation peak-to-peak is ~1.4 x onset-to-peak, as in S05-S07
 * (sural 17 vs 21 µV) [E]. tau was tuned to the distal CMAP durations and
 * the onset-to-peak times above.
 * Age: amplitude falls by ~0.9-1 %/year for peroneal and tibial (S03 6.8 ->
 * 5.1 mV, S04 15.3 -> 9.8 mV across age bands), median LLN 5.9 -> 3.8 mV
 * [S01]; SNAPs fall faster, especially sural [S05, S07] (slopes [E] fitted to
 * those bands). Thresholds and sweeps: [E] (§3.2 windows: hand 20 ms, foot
 * 50 ms, sensory 10 ms; F >= 50 ms arm, 80-100 ms leg [S01-S07, U]).
 */
static const nc_nerve_def nerve_table[] = {
    /* nerve, test, recording, leg, n, cv_ref, cv mean/sd/hi/lo, residual, nmj,
     * res sd, tau, c, size sigma, amp, age slope, seg factors, threshold,
     * sweep, F path/height, F cv factor, F persistence, F sweep */
    {"median", SIM_NC_MOTOR, NULL, false, 120, 57.0, 53.5, 3.5, 2.0, 2.5, 2.10, 0.8, 0.10,
     1.97, 3.0, 0.6, 10200.0, 0.008, {1.0, 1.0, 1.08, 1.08, 1.08, 1.08}, 18.0, 20.0,
     0.41, 1.12, 0.80, 50.0},
    {"ulnar", SIM_NC_MOTOR, "FDI", false, 150, 61.0, 58.0, 3.5, 2.0, 2.5, 2.25, 0.8, 0.10,
     2.0, 3.0, 0.6, 12000.0, 0.005, {1.0, 1.0, 1.0, 1.03, 1.03, 1.03}, 18.0, 20.0, 0.40,
     1.0, 0.83, 50.0},
    {"ulnar", SIM_NC_MOTOR, NULL, false, 150, 61.0, 58.0, 3.5, 2.0, 2.5, 1.55, 0.8, 0.10,
     2.0, 3.0, 0.6, 11600.0, 0.005, {1.0, 1.0, 1.0, 1.03, 1.03, 1.03}, 18.0, 20.0, 0.40,
     1.0, 0.83, 50.0},
    {"radial", SIM_NC_MOTOR, NULL, false, 80, 61.0, 56.0, 3.5, 2.0, 2.5, 1.05, 0.8, 0.10,
     1.60, 3.0, 0.6, 5000.0, 0.006, {1.0, 1.0, 1.05, 1.05, 1.05, 1.05}, 20.0, 20.0, 0.0,
     1.0, 0.0, 50.0},
    {"peroneal", SIM_NC_MOTOR, "TA", true, 150, 47.0, 43.0, 3.0, 2.0, 2.5, 1.40, 0.8, 0.10,
     1.85, 3.0, 0.6, 4000.0, 0.009, {1.0, 1.0, 1.2, 1.2, 1.2, 1.2}, 30.0, 30.0, 0.0, 1.0,
     0.0, 100.0},
    {"peroneal", SIM_NC_MOTOR, NULL, true, 100, 47.0, 43.7, 3.0, 2.0, 2.5, 2.95, 0.8, 0.12,
     1.90, 3.0, 0.6, 5900.0, 0.009, {1.0, 1.0, 1.2, 1.2, 1.2, 1.2}, 28.0, 50.0, 0.68,
     1.15, 0.60, 100.0},
    {"tibial", SIM_NC_MOTOR, NULL, true, 150, 47.0, 43.0, 3.0, 2.0, 2.5, 2.60, 0.8, 0.12,
     2.10, 3.0, 0.6, 12900.0, 0.010, {1.0, 1.0, 1.05, 1.05, 1.05, 1.05}, 30.0, 50.0, 0.68,
     1.15, 0.97, 100.0},
    {"median", SIM_NC_SENSORY, "D3", false, 300, 54.0, 50.5, 5.0, 2.2, 2.5, 0.15, 0.0, 0.03,
     0.33, 3.2, 0.4, 41.0, 0.012, {1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, 14.0, 10.0, 0.0, 1.0, 0.0,
     0.0},
    {"median", SIM_NC_SENSORY, NULL, false, 300, 54.0, 50.5, 5.0, 2.2, 2.5, 0.15, 0.0, 0.03,
     0.33, 3.2, 0.4, 37.0, 0.012, {1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, 14.0, 10.0, 0.0, 1.0, 0.0,
     0.0},
    {"ulnar", SIM_NC_SENSORY, NULL, false, 300, 54.0, 50.5, 5.0, 2.2, 2.5, 0.15, 0.0, 0.03,
     0.33, 3.2, 0.4, 33.0, 0.012, {1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, 14.0, 10.0, 0.0, 1.0, 0.0,
     0.0},
    {"radial", SIM_NC_SENSORY, NULL, false, 300, 59.0, 58.0, 5.0, 2.2, 2.5, 0.12, 0.0, 0.03,
     0.27, 3.2, 0.4, 24.6, 0.012, {1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, 14.0, 10.0, 0.0, 1.0, 0.0,
     0.0},
    {"sural", SIM_NC_SENSORY, NULL, true, 300, 45.0, 41.8, 4.0, 2.2, 2.5, 0.15, 0.0, 0.03,
     0.27, 3.2, 0.4, 17.0, 0.015, {1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, 20.0, 15.0, 0.0, 1.0, 0.0,
     0.0},
    {"superficial peroneal", SIM_NC_SENSORY, NULL, true, 300, 44.0, 40.7, 4.0, 2.2, 2.5, 0.15,
     0.0, 0.03, 0.32, 3.2, 0.4, 10.0, 0.015, {1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, 20.0, 15.0, 0.0,
     1.0, 0.0, 0.0},
};

static bool site_matches(const char *want, const char *have)
{
    if (want == NULL)
        return true;
    return have != NULL && strcasecmp(want, have) == 0;
}

const nc_nerve_def *nc_find_def(const sim_nerve_plan *p)
{
    if (p == NULL || p->nerve == NULL)
        return NULL;
    sim_nc_test want = p->test == SIM_NC_FWAVE ? SIM_NC_MOTOR : p->test;
    size_t n = sizeof nerve_table / sizeof nerve_table[0];
    for (size_t i = 0; i < n; i++) {
        const nc_nerve_def *r = &nerve_table[i];
        if (strcasecmp(r->nerve, p->nerve) != 0 || r->test != want)
            continue;
        if (!site_matches(r->recording, p->recording_site))
            continue;
        if (p->test == SIM_NC_FWAVE && r->f_persistence <= 0)
            return NULL;
        return r;
    }
    return NULL;
}

/* ---- plan checks ---------------------------------------------------------------- */

static bool in_range(double v, double lo, double hi)
{
    return isfinite(v) && v >= lo && v <= hi;
}

static int plan_error(edx_diags *d, const char *what)
{
    edx_diag_add(d, EDX_SEV_ERROR, "SIM-NC-PLAN", EDX_LOC_NONE, "nerve plan: %s", what);
    return EDX_ERR_INVALID;
}

static int check_sites(const sim_nerve_plan *p, edx_diags *d)
{
    if (p->n_sites < 1 || p->n_sites > SIM_MAX_SITES)
        return plan_error(d, "needs 1 to 6 stimulation sites");
    if (p->test == SIM_NC_FWAVE && p->n_sites != 1)
        return plan_error(d, "an F-wave test has one (distal) stimulation site");
    for (size_t k = 0; k < p->n_sites; k++) {
        if (!in_range(p->sites[k].distance_cm, 0.5, 150.0))
            return plan_error(d, "site distance outside 0.5-150 cm");
        if (k > 0 && !(p->sites[k].distance_cm > p->sites[k - 1].distance_cm))
            return plan_error(d, "site distances must increase from distal to proximal");
        if (!in_range(p->seg_slowing[k], 0, 0.95) || !in_range(p->seg_block[k], 0, 1))
            return plan_error(d, "segment slowing must be 0-0.95 and block 0-1");
    }
    return EDX_OK;
}

int nc_check_plan(const sim_nerve_plan *p, edx_diags *d)
{
    if (p == NULL || p->nerve == NULL)
        return plan_error(d, "no nerve");
    if (p->test != SIM_NC_MOTOR && p->test != SIM_NC_SENSORY && p->test != SIM_NC_FWAVE)
        return plan_error(d, "unknown test");
    if (nc_find_def(p) == NULL) {
        static const char *const tests[] = {"motor", "sensory", "F-wave"};
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-NC-NERVE", EDX_LOC_NONE,
                     "no physiology for nerve '%s' (%s test, recording %s)", p->nerve,
                     tests[p->test], p->recording_site ? p->recording_site : "default");
        return EDX_ERR_INVALID;
    }
    int rc = check_sites(p, d);
    if (rc != EDX_OK)
        return rc;
    if (!in_range(p->age_years, 1, 110) || !in_range(p->height_cm, 100, 230) ||
        !in_range(p->temperature_c, 20, 40))
        return plan_error(d, "age 1-110 y, height 100-230 cm and temperature 20-40 C expected");
    if (!in_range(p->axon_loss, 0, 1) || !in_range(p->demyelination, 0, 1))
        return plan_error(d, "axon loss and demyelination must be 0-1");
    if (!(p->f_persistence <= 1.0) || isnan(p->f_persistence))
        return plan_error(d, "F persistence must be <= 1 (or < 0 for the default)");
    if (!(p->prestim_ms <= 100.0) || !(p->sweep_ms <= 1000.0) || !(p->stim_duration_ms <= 2.0))
        return plan_error(d, "pre-stimulus <= 100 ms, sweep <= 1000 ms, stimulus <= 2 ms");
    if (p->n_sweeps > SIM_MAX_SWEEPS)
        return plan_error(d, "too many sweeps");
    return EDX_OK;
}

/* ---- the subject and its fibres -------------------------------------------------- */

void nc_stream_key(const sim_nerve_plan *p, char *buf, size_t size)
{
    /* F-waves and motor conduction of one nerve share their motor units. */
    if (p->test == SIM_NC_SENSORY)
        snprintf(buf, size, "nc/%s/%c/sensory/%s", p->nerve, p->side,
                 p->recording_site ? p->recording_site : "");
    else
        snprintf(buf, size, "nc/%s/%c/motor/%s", p->nerve, p->side,
                 p->recording_site ? p->recording_site : "");
}

static double clamped_normal(sim_rng *r, double limit_sd)
{
    double z = sim_rng_normal(r);
    return z > limit_sd ? limit_sd : z < -limit_sd ? -limit_sd : z;
}

/* Temperature: CV falls 1.5 m/s per °C of cooling (ulnar motor [S62]),
 * sensory ~1.3 m/s per °C [S63]; applied as a fraction of the nerve's mean
 * CV so that slow fibres slow in proportion. Warming speeds up the same way
 * (linear; [S61] finds it steeper when cold, not modelled). */
static double temperature_cv_factor(const nc_nerve_def *def, double temp_c)
{
    double per_c = def->test == SIM_NC_SENSORY ? 1.3 : 1.5;
    double f = 1.0 - per_c * (REF_TEMP_C - temp_c) / def->cv_ref_m_s;
    return f < 0.4 ? 0.4 : f;
}

/* Age: CV stable from ~20 to ~60 years, declining thereafter [S51]; 0.3 %
 * per year [E], about the 2 m/s between S01's younger and older bands. */
static double age_cv_factor(double age_y)
{
    return age_y > 60.0 ? 1.0 - 0.003 * (age_y - 60.0) : 1.0;
}

/* Height: taller subjects conduct more slowly, 2-3 m/s per 10 cm [S51]
 * (legs; S03, S04 band lower-limb CV by height); arms 1 m/s per 10 cm [E]. */
static double height_cv_factor(const nc_nerve_def *def, double height_cm)
{
    double per_cm = def->is_leg ? 0.25 : 0.10;
    return 1.0 - per_cm * (height_cm - REF_HEIGHT_CM) / def->cv_ref_m_s;
}

static void subject_draw(nc_model *m, const sim_nerve_plan *p, uint64_t seed,
                         const char *key, double *residual_shift_ms)
{
    const nc_nerve_def *def = m->def;
    sim_rng r;
    sim_rng_init(&r, seed, sim_stream_id(key, 1));
    /* Between-subject spread kept below the published SDs (S01: CV 57 +- 5,
     * DML 3.7 +- 0.5, amplitude 10.2 +- 3.6) so that a normal plan stays
     * inside normal limits [E]. Clamped at 2 SD. */
    double cv_subject = 1.0 + 0.03 * clamped_normal(&r, 2.0);
    *residual_shift_ms = (def->test == SIM_NC_SENSORY ? 0.02 : 0.10) * clamped_normal(&r, 2.0);
    double amp_subject = exp(0.12 * clamped_normal(&r, 2.0));
    for (size_t k = 0; k < SIM_MAX_SITES; k++)
        m->art_polarity[k] = sim_rng_uniform(&r) < 0.5 ? -1.0 : 1.0;

    m->cv_factor_ref = cv_subject * age_cv_factor(p->age_years) *
                       height_cv_factor(def, p->height_cm);
    m->cv_factor = m->cv_factor_ref * temperature_cv_factor(def, p->temperature_c);
    m->amp_target_uv =
        def->amp_uv * exp(-def->amp_age_per_year * (p->age_years - REF_AGE_Y)) * amp_subject;
}

/* Cooling: distal motor latency +0.2 ms per °C [S64]; what the slower
 * conduction over the standard 8 cm does not explain goes to the terminal
 * and junctional delay. Sensory: the terminal delay slows like the CV. */
static void temperature_effects(nc_model *m, const sim_nerve_plan *p)
{
    const nc_nerve_def *def = m->def;
    double cool_c = REF_TEMP_C - p->temperature_c;
    double f_t = temperature_cv_factor(def, p->temperature_c);
    if (def->test == SIM_NC_SENSORY) {
        m->cool_residual_ms = def->residual_ms * (1.0 / f_t - 1.0);
        /* SNAP duration grows linearly with cooling [S61]; slope [E].
         * Amplitude grows with cooling ([S99, S] negative correlation; [S61]
         * found none); slope [E]. */
        m->tau_factor_temp = 1.0 + 0.03 * cool_c;
        m->amp_factor_temp = 1.0 + 0.02 * cool_c;
    } else {
        double conduction_ms = 80.0 / (def->cv_ref_m_s * f_t) - 80.0 / def->cv_ref_m_s;
        m->cool_residual_ms = 0.2 * cool_c - conduction_ms;
        /* muscle fibre action potentials lengthen when cold [E, direction
         * as S61 for nerve] */
        m->tau_factor_temp = 1.0 + 0.015 * cool_c;
        m->amp_factor_temp = 1.0 + 0.01 * cool_c;
    }
    if (m->tau_factor_temp < 0.8)
        m->tau_factor_temp = 0.8;
    if (m->amp_factor_temp < 0.8)
        m->amp_factor_temp = 0.8;
}

/* A fibre CV from the truncated normal distribution (rejection, bounded). */
static double draw_cv(const nc_nerve_def *def, sim_rng *r)
{
    double lo = def->cv_mean_m_s - def->cv_lo_sd * def->cv_sd_m_s;
    double hi = def->cv_mean_m_s + def->cv_hi_sd * def->cv_sd_m_s;
    for (int tries = 0; tries < 64; tries++) {
        double v = def->cv_mean_m_s + def->cv_sd_m_s * sim_rng_normal(r);
        if (v >= lo && v <= hi)
            return v;
    }
    return def->cv_mean_m_s;
}

static void draw_fibre(nc_fibre *f, const nc_nerve_def *def, double residual_shift_ms,
                       sim_rng *r)
{
    f->cv_m_s = draw_cv(def, r);
    f->size = sim_rng_lognormal(r, 1.0, def->size_sigma_ln);
    f->tau_factor = sim_rng_lognormal(r, 1.0, 0.10); /* [E] */
    f->residual_ms = def->residual_ms + residual_shift_ms +
                     def->residual_sd_ms * clamped_normal(r, 2.5);
    /* Large, fast fibres have the lowest electrical threshold [U]; the
     * weights (thresholds 45-100 % of the maximal one) are [E]. */
    double lo = def->cv_mean_m_s - def->cv_lo_sd * def->cv_sd_m_s;
    double hi = def->cv_mean_m_s + def->cv_hi_sd * def->cv_sd_m_s;
    double z = (f->cv_m_s - lo) / (hi - lo);
    f->threshold = 0.45 + 0.35 * (1.0 - z) + 0.2 * sim_rng_uniform(r);
    for (size_t k = 0; k < NC_N_SEG; k++)
        f->u_demy[k] = sim_rng_uniform(r);
    for (size_t k = 0; k < SIM_MAX_SITES; k++) {
        f->u_focal[k] = sim_rng_uniform(r);
        f->u_block[k] = sim_rng_uniform(r);
    }
    f->u_loss = sim_rng_uniform(r);
}

static double shape_norm(double c)
{
    /* peak of x^2 e^-x (1 - x/c): root of x^2 - (c + 3) x + 2c = 0 */
    double xp = ((c + 3.0) - sqrt((c + 3.0) * (c + 3.0) - 8.0 * c)) / 2.0;
    return xp * xp * exp(-xp) * (1.0 - xp / c);
}

int nc_model_init(nc_model *m, const sim_nerve_plan *p, uint64_t seed, edx_diags *d)
{
    memset(m, 0, sizeof *m);
    m->def = nc_find_def(p);
    if (m->def == NULL)
        return EDX_ERR_INVALID;
    m->test = p->test;
    m->n_sites = p->n_sites;
    for (size_t k = 0; k < p->n_sites; k++)
        m->seg_len_cm[k] = k == 0 ? p->sites[0].distance_cm
                                  : p->sites[k].distance_cm - p->sites[k - 1].distance_cm;
    char key[160];
    nc_stream_key(p, key, sizeof key);
    double shift_ms = 0;
    subject_draw(m, p, seed, key, &shift_ms);
    temperature_effects(m, p);
    m->f_path_cm = m->def->f_path_per_height * p->height_cm;
    m->shape_norm = shape_norm(m->def->shape_c);

    m->n_fibre = (size_t)m->def->n_fibres;
    m->fibre = calloc(m->n_fibre, sizeof *m->fibre);
    if (m->fibre == NULL) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-NOMEM", EDX_LOC_NONE, "out of memory (nerve fibres)");
        return EDX_ERR_NOMEM;
    }
    sim_rng r;
    sim_rng_init(&r, seed, sim_stream_id(key, 2));
    for (size_t i = 0; i < m->n_fibre; i++)
        draw_fibre(&m->fibre[i], m->def, shift_ms, &r);
    return EDX_OK;
}

void nc_model_free(nc_model *m)
{
    if (m == NULL)
        return;
    free(m->fibre);
    m->fibre = NULL;
    m->n_fibre = 0;
}

/* ---- fibres under the plan ------------------------------------------------------- */

void nc_cond_free(nc_cond *c)
{
    if (c == NULL)
        return;
    free(c->arrival_ms);
    free(c->seg_cv_m_s);
    free(c->conducts);
    free(c->amp_uv);
    free(c->tau_ms);
    free(c->f_return_ms);
    memset(c, 0, sizeof *c);
}

static int cond_alloc(nc_cond *c, size_t n_fibre, size_t n_sites)
{
    memset(c, 0, sizeof *c);
    c->n_fibre = n_fibre;
    c->n_sites = n_sites;
    c->arrival_ms = calloc(n_fibre * n_sites, sizeof *c->arrival_ms);
    c->seg_cv_m_s = calloc(n_fibre * n_sites, sizeof *c->seg_cv_m_s);
    c->conducts = calloc(n_fibre * n_sites, 1);
    c->amp_uv = calloc(n_fibre, sizeof *c->amp_uv);
    c->tau_ms = calloc(n_fibre, sizeof *c->tau_ms);
    c->f_return_ms = calloc(n_fibre, sizeof *c->f_return_ms);
    if (!c->arrival_ms || !c->seg_cv_m_s || !c->conducts || !c->amp_uv || !c->tau_ms ||
        !c->f_return_ms) {
        nc_cond_free(c);
        return EDX_ERR_NOMEM;
    }
    return EDX_OK;
}

/* Diffuse demyelination slows every fibre in every segment by 60-95 % of
 * its severity, unevenly (so the spread of CVs, and with it temporal
 * dispersion, grows) [E; EAN/PNS demyelinating range CV < 70 % LLN, S14]. */
static double demy_loss(double demyelination, double u)
{
    return demyelination * (0.6 + 0.35 * u);
}

/* Focal slowing: the plan's fraction, varying +-20 % between fibres [E]. */
static double focal_loss(double slowing, double u)
{
    return slowing * (0.8 + 0.4 * u);
}

/* Chronic axon loss: surviving units grow by collateral reinnervation, so
 * the CMAP falls less than the number of units (exponent [E]; CMAP stays
 * normal until much of the pool is lost [U]); at most 5-fold [E]. SNAPs
 * have no such compensation. Axon loss slows CV a little, rarely below 80 %
 * LLN [S26]: 10 % at complete loss [E]. */
static double reinnervation_gain(const nc_model *m, double axon_loss)
{
    if (m->def->test == SIM_NC_SENSORY || axon_loss <= 0)
        return 1.0;
    double g = pow(1.0 / fmax(1.0 - axon_loss, 1e-3), 0.6);
    return g > 5.0 ? 5.0 : g;
}

typedef struct cond_knobs {
    double cv_factor, residual_extra_ms, tau_factor, amp_scale, demyelination, axon_loss;
    const double *seg_slowing, *seg_block;
} cond_knobs;

static void fibre_conduct(const nc_model *m, const cond_knobs *kn, size_t i, nc_cond *c)
{
    const nc_fibre *f = &m->fibre[i];
    size_t ns = m->n_sites;
    bool alive = !(f->u_loss < kn->axon_loss), blocked = false;
    double base = f->cv_m_s * kn->cv_factor * (1.0 - 0.1 * kn->axon_loss);
    double t = f->residual_ms + kn->residual_extra_ms;
    if (t < 0.2)
        t = 0.2;
    for (size_t k = 0; k < ns; k++) {
        double keep = (1.0 - demy_loss(kn->demyelination, f->u_demy[k])) *
                      (1.0 - focal_loss(kn->seg_slowing[k], f->u_focal[k]));
        double v = base * m->def->seg_cv_factor[k] * keep;
        if (v < 2.0)
            v = 2.0;
        if (k == 0) /* terminal conduction slows with the distal segment */
            t += (t - m->def->nmj_ms > 0 ? t - m->def->nmj_ms : 0) * (1.0 / fmax(keep, 0.05) - 1.0);
        t += m->seg_len_cm[k] * 10.0 / v; /* cm -> mm; mm / (m/s) = ms */
        blocked = blocked || f->u_block[k] < kn->seg_block[k];
        c->seg_cv_m_s[i * ns + k] = v;
        c->arrival_ms[i * ns + k] = t;
        c->conducts[i * ns + k] = (unsigned char)(alive && !blocked);
    }
    double v_f = base * m->def->f_cv_factor *
                 (1.0 - demy_loss(kn->demyelination, f->u_demy[NC_F_SEG]));
    /* F: antidromic to the cord and back, ~1 ms turnaround at the
     * anterior horn cell [U]. */
    c->f_return_ms[i] = 2.0 * m->f_path_cm * 10.0 / fmax(v_f, 2.0) + 1.0;
    c->amp_uv[i] = f->size * kn->amp_scale;
    c->tau_ms[i] = m->def->tau_ms * f->tau_factor * kn->tau_factor;
}

int nc_cond_compute(const nc_model *m, const sim_nerve_plan *p, bool healthy_ref,
                    double unit_scale_uv, nc_cond *c)
{
    if (cond_alloc(c, m->n_fibre, m->n_sites) != EDX_OK)
        return EDX_ERR_NOMEM;
    static const double zeros[SIM_MAX_SITES] = {0};
    cond_knobs kn;
    if (healthy_ref) {
        kn = (cond_knobs){m->cv_factor_ref, 0.0, 1.0, 1.0, 0.0, 0.0, zeros, zeros};
    } else {
        double gain = reinnervation_gain(m, p->axon_loss);
        /* reinnervated units are also a little longer [E] */
        double tau_f = m->tau_factor_temp *
                       (m->def->test == SIM_NC_SENSORY ? 1.0 : 1.0 + 0.2 * p->axon_loss);
        kn = (cond_knobs){m->cv_factor,     m->cool_residual_ms,
                          tau_f,            unit_scale_uv * gain * m->amp_factor_temp,
                          p->demyelination, p->axon_loss,
                          p->seg_slowing,   p->seg_block};
    }
    for (size_t i = 0; i < m->n_fibre; i++)
        fibre_conduct(m, &kn, i, c);
    return EDX_OK;
}

/* ---- stimulation and F-waves ------------------------------------------------------ */

double nc_site_threshold_ma(const nc_model *m, const sim_nerve_plan *p, size_t site)
{
    /* Proximal sites lie deeper; demyelinated nerves need more current [E]. */
    return m->def->threshold_ma * (1.0 + 0.35 * (double)site) * (1.0 + 0.8 * p->demyelination);
}

double nc_f_persistence(const nc_model *m, const sim_nerve_plan *p)
{
    if (p->f_persistence >= 0)
        return p->f_persistence;
    size_t alive = 0;
    for (size_t i = 0; i < m->n_fibre; i++)
        if (!(m->fibre[i].u_loss < p->axon_loss) && !(m->fibre[i].u_block[0] < p->seg_block[0]))
            alive++;
    /* Each unit backfires independently: with fewer units, fewer sweeps
     * show an F-wave (persistence falls with axon loss [U]). */
    double share = (double)alive / (double)m->n_fibre;
    return 1.0 - pow(1.0 - m->def->f_persistence, share);
}
