/*
 * nc_render.c - a nerve plan becomes sweeps and truth.
 *
 * A compound response is the sum of its fibres' potentials (nc_physiology.c
 * says when each starts and how large it is). Each site is stimulated
 * several times with rising current: the first sweeps are submaximal (only
 * fibres whose threshold is reached respond), the last is supramaximal
 * (every conducting fibre). Every sweep carries the stimulus artefact and
 * recording noise; the truth is measured on the noise-free, artefact-free
 * supramaximal waveform, sampled on the sweep's own grid.
 *
 * Truth definitions (clinical.md §3.1, with the choices a program needs):
 *   onset      first instant |x| reaches 1 % of the negative-peak amplitude,
 *              linearly interpolated between the two samples around it
 *   amplitude  baseline (0) to negative peak; peak-to-peak = max - min
 *   duration   onset to the return to baseline (upward zero crossing,
 *              interpolated) of the last negative phase that reaches 10 %
 *              of the negative peak [E: a threshold so that ripples do not
 *              count; EAN/PNS definition of S14]
 *   area       integral of the negative part over the duration (µV·ms)
 *   segment velocity = delta distance / delta onset (the tested identity)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/nc_internal.h"

#define NC_FS_HZ 20000.0       /* 20 kHz: latency resolution 0.05 ms (clinical.md §3.2) */
#define NC_PRESTIM_MS 2.0      /* default pre-stimulus baseline [E] */
#define NC_MAX_POST_MS 500.0

/* ---- waveforms -------------------------------------------------------------------- */

void nc_add_potential(double *x, size_t n, double t_first_ms, double dt_ms, double at_ms,
                      double amp_uv, double tau_ms, const nc_model *m)
{
    /* beyond 25 tau the potential is below 1e-7 of its peak */
    double c = m->def->shape_c, k = -amp_uv / m->shape_norm;
    double j0 = ceil((at_ms - t_first_ms) / dt_ms);
    double j1 = floor((at_ms + 25.0 * tau_ms - t_first_ms) / dt_ms);
    if (j1 < 0 || j0 >= (double)n)
        return;
    size_t a = j0 < 0 ? 0 : (size_t)j0;
    size_t b = j1 >= (double)n ? n - 1 : (size_t)j1;
    for (size_t j = a; j <= b; j++) {
        double u = (t_first_ms + (double)j * dt_ms - at_ms) / tau_ms;
        if (u > 0)
            x[j] += k * u * u * exp(-u) * (1.0 - u / c);
    }
}

double nc_onset_ms(const double *x, size_t n, double t_first_ms, double dt_ms)
{
    double lo = 0;
    for (size_t j = 0; j < n; j++)
        if (x[j] < lo)
            lo = x[j];
    if (!(lo < 0))
        return NAN;
    double thr = 0.01 * -lo;
    for (size_t j = 0; j < n; j++) {
        double b = fabs(x[j]);
        if (b < thr)
            continue;
        if (j == 0)
            return t_first_ms;
        double a = fabs(x[j - 1]);
        return t_first_ms + ((double)(j - 1) + (thr - a) / (b - a)) * dt_ms;
    }
    return NAN;
}

/* Adds the response to site k of the fibres excited by intensity_ma. */
static void add_response(double *x, size_t n, double t_first_ms, double dt_ms,
                         const nc_model *m, const nc_cond *c, size_t site, double theta_ma,
                         double intensity_ma)
{
    for (size_t i = 0; i < c->n_fibre; i++) {
        if (!c->conducts[i * c->n_sites + site])
            continue;
        if (m->fibre[i].threshold * theta_ma > intensity_ma)
            continue;
        nc_add_potential(x, n, t_first_ms, dt_ms, c->arrival_ms[i * c->n_sites + site],
                         c->amp_uv[i], c->tau_ms[i], m);
    }
}

/* Latest instant the response at `site` is still moving (ms). */
static double response_end_ms(const nc_cond *c, size_t site)
{
    double end = 1.0;
    for (size_t i = 0; i < c->n_fibre; i++)
        if (c->conducts[i * c->n_sites + site]) {
            double e = c->arrival_ms[i * c->n_sites + site] + 12.0 * c->tau_ms[i];
            if (e > end)
                end = e;
        }
    return end;
}

/* The noise-free supramaximal response at a site, from the stimulus on. */
static int truth_wave(const nc_model *m, const nc_cond *c, size_t site, double dt_ms,
                      double **wave, size_t *n)
{
    *n = (size_t)ceil(response_end_ms(c, site) / dt_ms) + 2;
    *wave = calloc(*n, sizeof **wave);
    if (*wave == NULL)
        return EDX_ERR_NOMEM;
    add_response(*wave, *n, 0.0, dt_ms, m, c, site, 1.0, INFINITY);
    return EDX_OK;
}

/* ---- truth ------------------------------------------------------------------------ */

static void set_absent(sim_site_truth *st)
{
    st->onset_latency_ms = st->first_arrival_ms = st->peak_latency_ms = NAN;
    st->duration_ms = NAN;
    st->amplitude_uv = st->peak_to_peak_uv = st->area_uv_ms = 0;
}

/* End of the last negative phase that reaches 10 % of the peak, searching
 * from sample j0 (just past the onset). */
static double negative_end_ms(const double *x, size_t n, size_t j0, double dt_ms, double amp)
{
    double end = (double)(n - 1) * dt_ms, phase_min = 0;
    bool have = false;
    for (size_t j = j0; j < n; j++) {
        if (x[j] < 0) {
            if (x[j] < phase_min)
                phase_min = x[j];
            continue;
        }
        if (j > 0 && x[j - 1] < 0 && phase_min <= -0.1 * amp) {
            end = ((double)(j - 1) + x[j - 1] / (x[j - 1] - x[j])) * dt_ms;
            have = true;
        }
        phase_min = 0;
    }
    return have ? end : (double)(n - 1) * dt_ms;
}

static double negative_area(const double *x, size_t n, double dt_ms, double from_ms,
                            double to_ms)
{
    double area = 0;
    for (size_t j = 1; j < n; j++) {
        double ta = (double)(j - 1) * dt_ms, tb = (double)j * dt_ms;
        if (tb <= from_ms || ta >= to_ms)
            continue;
        double a = x[j - 1] < 0 ? -x[j - 1] : 0, b = x[j] < 0 ? -x[j] : 0;
        double lo = ta < from_ms ? from_ms : ta, hi = tb > to_ms ? to_ms : tb;
        area += 0.5 * (a + b) * (hi - lo);
    }
    return area;
}

static void measure_wave(const double *x, size_t n, double dt_ms, sim_site_truth *st)
{
    size_t jmin = 0;
    double hi = 0;
    for (size_t j = 0; j < n; j++) {
        if (x[j] < x[jmin])
            jmin = j;
        if (x[j] > hi)
            hi = x[j];
    }
    double amp = -x[jmin];
    double onset = nc_onset_ms(x, n, 0.0, dt_ms);
    if (!(amp > 1e-6) || isnan(onset)) {
        set_absent(st);
        return;
    }
    st->amplitude_uv = amp;
    st->onset_latency_ms = onset;
    st->peak_latency_ms = (double)jmin * dt_ms;
    st->peak_to_peak_uv = hi + amp;
    size_t j0 = (size_t)(onset / dt_ms) + 1;
    double end = negative_end_ms(x, n, j0, dt_ms, amp);
    st->duration_ms = end - onset;
    st->area_uv_ms = negative_area(x, n, dt_ms, onset, end);
}

static double first_arrival_ms(const nc_cond *c, size_t site)
{
    double t = NAN;
    for (size_t i = 0; i < c->n_fibre; i++)
        if (c->conducts[i * c->n_sites + site]) {
            double a = c->arrival_ms[i * c->n_sites + site];
            if (isnan(t) || a < t)
                t = a;
        }
    return t;
}

static double fastest_in_segment(const nc_cond *c, size_t site)
{
    double v = NAN;
    for (size_t i = 0; i < c->n_fibre; i++)
        if (c->conducts[i * c->n_sites + site]) {
            double s = c->seg_cv_m_s[i * c->n_sites + site];
            if (isnan(v) || s > v)
                v = s;
        }
    return v;
}

static double drop_pct(double distal, double proximal)
{
    return distal > 0 ? (distal - proximal) / distal * 100.0 : NAN;
}

static void segment_truth(const sim_nerve_plan *p, const nc_cond *c, sim_nc_output *out)
{
    for (size_t k = 0; k < SIM_MAX_SITES; k++) {
        sim_segment_truth *s = &out->segment[k];
        s->velocity_m_s = s->fastest_fibre_m_s = s->amplitude_drop_pct = NAN;
        s->area_drop_pct = s->duration_increase_pct = NAN;
        if (k == 0 || k >= p->n_sites)
            continue;
        const sim_site_truth *a = &out->site[k - 1], *b = &out->site[k];
        double dd_cm = p->sites[k].distance_cm - p->sites[k - 1].distance_cm;
        double dt = b->onset_latency_ms - a->onset_latency_ms;
        if (dt > 0)
            s->velocity_m_s = dd_cm * 10.0 / dt;
        s->fastest_fibre_m_s = fastest_in_segment(c, k);
        s->amplitude_drop_pct = drop_pct(a->amplitude_uv, b->amplitude_uv);
        s->area_drop_pct = drop_pct(a->area_uv_ms, b->area_uv_ms);
        if (a->duration_ms > 0 && isfinite(b->duration_ms))
            s->duration_increase_pct = (b->duration_ms - a->duration_ms) / a->duration_ms * 100.0;
    }
}

static int site_truths(const nc_model *m, const nc_cond *c, const sim_nerve_plan *p,
                       double dt_ms, sim_nc_output *out, double *needed_post_ms)
{
    /* a margin after the negative phase keeps the positive phase in view */
    double margin_ms = m->def->test == SIM_NC_SENSORY ? 1.5 : 4.0; /* [E] */
    *needed_post_ms = 0;
    for (size_t k = 0; k < SIM_MAX_SITES; k++) {
        set_absent(&out->site[k]);
        out->site[k].intensity_ma = NAN;
        if (k >= p->n_sites)
            continue;
        double *w = NULL;
        size_t n = 0;
        if (truth_wave(m, c, k, dt_ms, &w, &n) != EDX_OK)
            return EDX_ERR_NOMEM;
        measure_wave(w, n, dt_ms, &out->site[k]);
        free(w);
        out->site[k].first_arrival_ms = first_arrival_ms(c, k);
        double end = out->site[k].onset_latency_ms + out->site[k].duration_ms + margin_ms;
        if (isfinite(end) && end > *needed_post_ms)
            *needed_post_ms = end;
    }
    return EDX_OK;
}

/* ---- calibration ------------------------------------------------------------------ */

/* Scales unit sizes so that the healthy nerve of this subject, at the
 * reference temperature, gives the target distal amplitude. */
static int calibrate(const nc_model *m, const sim_nerve_plan *p, double dt_ms, double *scale,
                     edx_diags *d)
{
    nc_cond ref;
    if (nc_cond_compute(m, p, true, 1.0, &ref) != EDX_OK)
        return EDX_ERR_NOMEM;
    double *w = NULL;
    size_t n = 0;
    int rc = truth_wave(m, &ref, 0, dt_ms, &w, &n);
    nc_cond_free(&ref);
    if (rc != EDX_OK)
        return rc;
    double lo = 0;
    for (size_t j = 0; j < n; j++)
        lo = w[j] < lo ? w[j] : lo;
    free(w);
    if (!(lo < 0)) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-NC-MODEL", EDX_LOC_NONE,
                     "the reference response of the %s nerve is empty", p->nerve);
        return EDX_ERR_INVALID;
    }
    *scale = m->amp_target_uv / -lo;
    return EDX_OK;
}

/* ---- stimulus artefact ------------------------------------------------------------ */

/* The shock: a flat pulse for the stimulus duration, a fast overshoot of
 * the other sign as the amplifier recovers, and a slower tail of ~0.5 ms
 * that can reach a short-latency SNAP [E; shape after common recordings].
 * Size grows with the current: ~100 µV/mA motor, ~60 µV/mA over ring
 * electrodes close to the cathode [E]. */
static void add_artefact(double *x, size_t n, size_t pre, double dt_ms, double amp_uv,
                         double dur_ms, double sign)
{
    for (size_t j = pre; j < n; j++) {
        double t = (double)(j - pre) * dt_ms;
        if (t < dur_ms) {
            x[j] += sign * amp_uv;
            continue;
        }
        double u = t - dur_ms;
        if (u > 10.0)
            break;
        x[j] += -sign * 0.3 * amp_uv * exp(-u / 0.1) + sign * 0.05 * amp_uv * exp(-u / 0.5);
    }
}

/* ---- sweeps and the time line ----------------------------------------------------- */

typedef struct sweep_setup {
    size_t n_per_site, pre, n_samples;
    double dt_ms, stim_ms, art_uv_per_ma;
} sweep_setup;

static int default_sweeps(const sim_nerve_plan *p)
{
    if (p->n_sweeps > 0)
        return p->n_sweeps;
    /* F: >= 10, preferably 20 supramaximal stimuli [S66, S65] */
    return p->test == SIM_NC_FWAVE ? 20 : 3;
}

static int setup_sweeps(const nc_model *m, const sim_nerve_plan *p, double needed_post_ms,
                        sweep_setup *s, edx_diags *d)
{
    s->n_per_site = (size_t)default_sweeps(p);
    if (s->n_per_site * p->n_sites > SIM_MAX_SWEEPS) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-NC-PLAN", EDX_LOC_NONE,
                     "nerve plan: %zu sweeps at %zu sites exceed %d", s->n_per_site, p->n_sites,
                     SIM_MAX_SWEEPS);
        return EDX_ERR_RANGE;
    }
    s->dt_ms = 1000.0 / NC_FS_HZ;
    double pre_ms = p->prestim_ms < 0 ? NC_PRESTIM_MS : p->prestim_ms;
    s->pre = (size_t)lround(pre_ms / s->dt_ms);
    double post_ms;
    if (p->sweep_ms > 0) {
        post_ms = p->sweep_ms - (double)s->pre * s->dt_ms;
        if (post_ms < 1.0) {
            edx_diag_add(d, EDX_SEV_ERROR, "SIM-NC-PLAN", EDX_LOC_NONE,
                         "nerve plan: sweep of %.3f ms leaves no room after the stimulus",
                         p->sweep_ms);
            return EDX_ERR_INVALID;
        }
    } else {
        post_ms = p->test == SIM_NC_FWAVE ? m->def->f_sweep_ms : m->def->sweep_ms;
        while (post_ms < needed_post_ms && post_ms < NC_MAX_POST_MS)
            post_ms += 10.0; /* whole 10 ms steps keep the record duration short to print */
    }
    if (needed_post_ms > post_ms)
        edx_diag_add(d, EDX_SEV_WARNING, "SIM-NC-SWEEP", EDX_LOC_NONE,
                     "%s: the response lasts to %.1f ms, past the %.1f ms sweep", p->nerve,
                     needed_post_ms, post_ms);
    s->n_samples = s->pre + (size_t)lround(post_ms / s->dt_ms);
    s->stim_ms = p->stim_duration_ms > 0 ? p->stim_duration_ms
                                         : (p->test == SIM_NC_SENSORY ? 0.1 : 0.2); /* [U] */
    s->art_uv_per_ma = p->test == SIM_NC_SENSORY ? 60.0 : 100.0;
    return EDX_OK;
}

/* Rising intensities: from 70 % of the maximal threshold to 125 % (the
 * usual 20-30 % above maximal for supramaximal stimulation [U]). */
static double sweep_intensity_ma(double theta_ma, size_t j, size_t n, bool fwave)
{
    double frac = (fwave || n == 1) ? 1.25 : 0.7 + 0.55 * (double)j / (double)(n - 1);
    return round(theta_ma * frac * 10.0) / 10.0;
}

/* Onsets: 1-3 s between sweeps at one site, 5-15 s to move the stimulator,
 * ~1 s between F stimuli [E]; whole milliseconds after t0_s. */
static void time_line(const sim_nerve_plan *p, uint64_t seed, double t0_s,
                      const sweep_setup *s, sim_nc_output *out)
{
    char key[160];
    nc_stream_key(p, key, sizeof key);
    sim_rng r;
    sim_rng_init(&r, seed, sim_stream_id(key, 5 + (uint64_t)p->test));
    double min_gap_ms = ceil((double)s->n_samples * s->dt_ms) + 100.0;
    long long off_ms = 0;
    for (size_t i = 0; i < out->n_sweeps; i++) {
        if (i > 0) {
            bool same = out->sweeps[i].site == out->sweeps[i - 1].site;
            double gap = p->test == SIM_NC_FWAVE ? sim_rng_range(&r, 900, 1300)
                         : same                  ? sim_rng_range(&r, 1000, 3000)
                                                 : sim_rng_range(&r, 5000, 15000);
            off_ms += (long long)fmax(floor(gap), min_gap_ms);
        }
        out->sweeps[i].onset_s = t0_s + (double)off_ms / 1000.0;
        out->sweeps[i].stimulus_s = out->sweeps[i].onset_s + (double)s->pre / NC_FS_HZ;
    }
}

static int render_sweeps(const nc_model *m, const nc_cond *c, const sim_nerve_plan *p,
                         const sweep_setup *s, const nc_fdraw *fd, uint64_t seed,
                         sim_nc_output *out)
{
    char key[160];
    nc_stream_key(p, key, sizeof key);
    sim_rng noise_rng;
    sim_rng_init(&noise_rng, seed, sim_stream_id(key, 10 + (uint64_t)p->test));
    double t_first_ms = -(double)s->pre * s->dt_ms;
    for (size_t i = 0; i < out->n_sweeps; i++) {
        sim_sweep *sw = &out->sweeps[i];
        sw->uv = calloc(s->n_samples, sizeof *sw->uv);
        if (sw->uv == NULL)
            return EDX_ERR_NOMEM;
        double theta = nc_site_threshold_ma(m, p, sw->site);
        add_response(sw->uv, s->n_samples, t_first_ms, s->dt_ms, m, c, sw->site, theta,
                     sw->intensity_ma);
        if (fd != NULL)
            nc_fwave_add(sw->uv, s->n_samples, t_first_ms, s->dt_ms, m, c, &fd[i]);
        add_artefact(sw->uv, s->n_samples, s->pre, s->dt_ms, s->art_uv_per_ma * sw->intensity_ma,
                     s->stim_ms, m->art_polarity[sw->site]);
        int rc = sim_noise_add(sw->uv, s->n_samples, NC_FS_HZ, sw->onset_s, &p->noise,
                               &noise_rng, NULL, NULL, 0);
        if (rc != EDX_OK)
            return rc;
    }
    return EDX_OK;
}

static void plan_sweeps(const nc_model *m, const sim_nerve_plan *p, const sweep_setup *s,
                        sim_nc_output *out)
{
    bool fwave = p->test == SIM_NC_FWAVE;
    out->n_sweeps = 0;
    for (size_t k = 0; k < p->n_sites; k++) {
        double theta = nc_site_threshold_ma(m, p, k);
        for (size_t j = 0; j < s->n_per_site; j++) {
            sim_sweep *sw = &out->sweeps[out->n_sweeps++];
            sw->site = k;
            sw->intensity_ma = sweep_intensity_ma(theta, j, s->n_per_site, fwave);
        }
        out->site[k].intensity_ma = sweep_intensity_ma(theta, s->n_per_site - 1,
                                                       s->n_per_site, fwave);
    }
}

/* ---- F-wave plumbing -------------------------------------------------------------- */

static void fwave_unused(sim_fwave_truth *f)
{
    f->min_latency_ms = f->max_latency_ms = f->mean_latency_ms = NAN;
    f->persistence_pct = f->chronodispersion_ms = NAN;
    for (size_t i = 0; i < SIM_MAX_SWEEPS; i++)
        f->latency_ms[i] = NAN;
}

/* ---- entry points ------------------------------------------------------------------ */

void sim_nc_output_free(sim_nc_output *out)
{
    if (out == NULL)
        return;
    for (size_t i = 0; i < SIM_MAX_SWEEPS; i++) {
        free(out->sweeps[i].uv);
        out->sweeps[i].uv = NULL;
    }
    out->n_sweeps = 0;
}

typedef struct render_ctx {
    nc_model m;
    nc_cond c;
    nc_fdraw *fd;
} render_ctx;

static int render_all(render_ctx *x, const sim_nerve_plan *p, uint64_t seed, double t0_s,
                      sim_nc_output *out, edx_diags *d)
{
    double dt_ms = 1000.0 / NC_FS_HZ, scale = 0, needed = 0;
    int rc = nc_model_init(&x->m, p, seed, d);
    if (rc == EDX_OK)
        rc = calibrate(&x->m, p, dt_ms, &scale, d);
    if (rc == EDX_OK)
        rc = nc_cond_compute(&x->m, p, false, scale, &x->c);
    if (rc == EDX_OK)
        rc = site_truths(&x->m, &x->c, p, dt_ms, out, &needed);
    if (rc != EDX_OK)
        return rc;
    size_t n_f = p->test == SIM_NC_FWAVE ? (size_t)default_sweeps(p) : 0;
    if (n_f > 0) {
        x->fd = calloc(n_f, sizeof *x->fd);
        if (x->fd == NULL)
            return EDX_ERR_NOMEM;
        nc_fwave_draw(&x->m, &x->c, p, seed, n_f, x->fd);
        double f_end = nc_fwave_end_ms(&x->c, x->fd, n_f) + 2.0;
        needed = f_end > needed ? f_end : needed;
        rc = nc_fwave_truth(&x->m, &x->c, x->fd, n_f, NC_FS_HZ, &out->fwave);
        if (rc != EDX_OK)
            return rc;
    }
    sweep_setup s;
    rc = setup_sweeps(&x->m, p, needed, &s, d);
    if (rc != EDX_OK)
        return rc;
    out->fs_hz = NC_FS_HZ;
    out->samples_per_sweep = s.n_samples;
    out->prestim_ms = (double)s.pre * s.dt_ms;
    plan_sweeps(&x->m, p, &s, out);
    time_line(p, seed, t0_s, &s, out);
    segment_truth(p, &x->c, out);
    out->sensory_velocity_m_s = p->test == SIM_NC_SENSORY && out->site[0].onset_latency_ms > 0
                                    ? p->sites[0].distance_cm * 10.0 / out->site[0].onset_latency_ms
                                    : NAN;
    return render_sweeps(&x->m, &x->c, p, &s, x->fd, seed, out);
}

int sim_nc_render(const sim_nerve_plan *p, uint64_t seed, double t0_s, sim_nc_output *out,
                  edx_diags *d)
{
    if (out == NULL)
        return EDX_ERR_INVALID;
    memset(out, 0, sizeof *out);
    fwave_unused(&out->fwave);
    out->sensory_velocity_m_s = NAN;
    int rc = nc_check_plan(p, d);
    if (rc != EDX_OK)
        return rc;
    if (!isfinite(t0_s)) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-NC-PLAN", EDX_LOC_NONE, "nerve plan: bad start time");
        return EDX_ERR_INVALID;
    }
    render_ctx x;
    memset(&x, 0, sizeof x);
    rc = render_all(&x, p, seed, t0_s, out, d);
    if (rc == EDX_ERR_NOMEM)
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-NOMEM", EDX_LOC_NONE,
                     "out of memory rendering the %s nerve", p->nerve);
    free(x.fd);
    nc_cond_free(&x.c);
    nc_model_free(&x.m);
    if (rc != EDX_OK)
        sim_nc_output_free(out);
    return rc;
}
