/*
 * nerve.c - one nerve conduction test of a study: read each sweep, measure
 * it, choose or average per stimulation site, then segment velocities and
 * proximal-versus-distal changes (clinical.md 3.1):
 *
 *   motor: per site the supramaximal response = the largest amplitude among
 *          the sweeps that are present and not saturated (n_used = 1);
 *   sensory: mains hum, when there is any beyond chance, is first read from
 *          all the sweeps of a site together and taken out (hum.c); then
 *          the supramaximal sweeps of a site (within 10 % of the largest,
 *          sizes from a least-squares fit to the site's average) are
 *          averaged sample by sample, aligned on the stimulus, and the
 *          average is measured (n_used = sweeps kept); the onset is read on
 *          the mean of all the site's sweeps weighted by their sizes, which
 *          submaximal sweeps join because they carry the same take-off;
 *   segment velocity = (distance proximal - distance distal) / (onset
 *          latency proximal - onset latency distal), sites ordered distal to
 *          proximal by distance; sensory velocity = distance / onset latency;
 *   change % = (proximal - distal) / distal x 100 for amplitude, area and
 *          duration (a drop is reported positive).
 *
 * The acquisition system's own "Response" values are compared, never used
 * (recording-conventions.md 3.4); they disagree when the onset differs by
 * more than 0.2 ms or the amplitude by more than 10 % [E: two samples at
 * 10 kHz, and the amplitude difference visible on a 5 mV/div screen].
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edx/ncs.h"
#include "ncs/ncs_internal.h"

static const double reported_latency_tol_ms = 0.2;
static const double reported_amplitude_tol = 0.10;
/* A sensory sweep counts as supramaximal within 10 % of the largest: the
 * response has stopped growing with the stimulus [E]. */
#define SUPRAMAXIMAL_FRAC 0.90

static void site_warn(ncs_site_result *s, const char *msg)
{
    if (s->n_warnings < NCS_MAX_WARNINGS)
        snprintf(s->warnings[s->n_warnings++], sizeof s->warnings[0], "%s", msg);
}

int ncs_read_sweep(edf_file *f, int signal, const study_sweep *sw, double **uv, size_t *n,
                      double *stim_off_s)
{
    const edf_signal *sig = edf_get_signal(f, signal);
    if (!sig || sig->sample_rate_hz <= 0 || !(sw->t1_s > sw->t0_s))
        return EDX_ERR_INVALID;
    /* no window holds more samples than the signal (times from a damaged
     * file can be absurd; the cast below must see a bounded value) */
    double want = (sw->t1_s - sw->t0_s) * sig->sample_rate_hz;
    double all = (double)edf_signal_samples(f, signal);
    size_t cap = (size_t)(want < all ? want : all) + 2;
    *uv = malloc(cap * sizeof **uv);
    if (!*uv)
        return EDX_ERR_NOMEM;
    double first_s = 0;
    int rc = edf_read_time_uv(f, signal, sw->t0_s, sw->t1_s, *uv, cap, n, &first_s);
    *stim_off_s = sw->stimulus_s - first_s;
    if (rc == EDX_OK && (*n < 8 || *stim_off_s < -1e-9))
        rc = EDX_ERR_FORMAT;
    if (rc != EDX_OK) {
        free(*uv);
        *uv = NULL;
    }
    return rc;
}

void ncs_clip_limits(const edf_signal *sig, double *lo, double *hi)
{
    double a = (sig->gain * sig->dig_min + sig->offset) * sig->uv_per_unit;
    double b = (sig->gain * sig->dig_max + sig->offset) * sig->uv_per_unit;
    *lo = a < b ? a : b;
    *hi = a < b ? b : a;
}

static int measure_one(edf_file *f, const study_nerve_test *t, const study_sweep *sw,
                       ncs_kind kind, ncs_response *r, edx_diags *d)
{
    double *uv = NULL, off = 0, lo, hi;
    size_t n = 0;
    int rc = ncs_read_sweep(f, t->signal, sw, &uv, &n, &off);
    if (rc)
        return rc;
    ncs_clip_limits(edf_get_signal(f, t->signal), &lo, &hi);
    ncs_sweep_input in = {uv, n, edf_get_signal(f, t->signal)->sample_rate_hz, off, kind};
    rc = ncs_measure_sweep(&in, lo, hi, r, d);
    free(uv);
    return rc;
}

/* Motor: the largest present, unsaturated response of the site. */
static int choose_supramaximal(edf_file *f, const study_nerve_test *t, const size_t *idx,
                               size_t n_idx, ncs_site_result *s, edx_diags *d)
{
    bool found = false;
    for (size_t i = 0; i < n_idx; i++) {
        ncs_response r;
        int rc = measure_one(f, t, &t->sweeps[idx[i]], NCS_MOTOR, &r, d);
        if (rc == EDX_ERR_NOMEM)
            return rc;
        if (rc != EDX_OK || r.is_absent)
            continue;
        if (r.is_saturated)
            site_warn(s, "a saturated sweep at this site was not used");
        else if (!found || r.amplitude_uv > s->response.amplitude_uv) {
            s->response = r;
            found = true;
        }
    }
    s->n_used = found ? 1 : 0;
    if (!found) {
        memset(&s->response, 0, sizeof s->response);
        s->response.is_absent = true;
        s->response.onset_latency_ms = s->response.peak_latency_ms = NAN;
        s->response.amplitude_uv = s->response.peak_to_peak_uv = NAN;
        s->response.duration_ms = s->response.area_uv_ms = NAN;
        site_warn(s, "no response above noise in any sweep");
    }
    return EDX_OK;
}

/* Mean of the rows of a marked in use[] into avg; returns how many. */
static size_t average_rows(const ncs_aligned *a, const bool *use, double *avg)
{
    size_t used = 0;
    memset(avg, 0, a->len * sizeof *avg);
    for (size_t i = 0; i < a->n_sweeps; i++) {
        if (!use[i])
            continue;
        for (size_t k = 0; k < a->len; k++)
            avg[k] += a->x[i * a->len + k];
        used++;
    }
    for (size_t k = 0; used && k < a->len; k++)
        avg[k] /= (double)used;
    return used;
}

/* Each sweep's size relative to the average: least-squares scale over the
 * response of the first average (ncs_size_span: onset to twice its duration
 * later, about the mean of the 0.5 ms before the onset), so the stimulus
 * artefact does not count. A sweep is supramaximal unless it is below the
 * largest by more than SUPRAMAXIMAL_FRAC and by more than twice the
 * standard error of the
 * difference: in noise, a sweep is not dropped for a difference the noise
 * alone makes. The standard errors allow for noise correlated from sample
 * to sample (ncs_scale_fit): hum, 1/f noise and the baseline's own error
 * move a whole sweep's scale, and an error counted as white dropped
 * supramaximal sweeps of noisy sites. Without a measurable first average all are kept
 * (scale[] is then left as it was). */
static void keep_supramaximal(const ncs_aligned *a, const double *avg, const ncs_response *r,
                              bool *use, double *scale)
{
    size_t b0, on, end;
    if (!ncs_size_span(a, r, 0, &b0, &on, &end))
        return;
    double se[NCS_ALIGNED_MAX];
    size_t top = 0;
    for (size_t i = 0; i < a->n_sweeps; i++) {
        scale[i] = ncs_scale_fit(a->x + i * a->len, avg, b0, on, end, &se[i]);
        top = scale[i] > scale[top] ? i : top;
    }
    for (size_t i = 0; i < a->n_sweeps; i++) {
        double gap = scale[top] - scale[i], noise = 2.0 * hypot(se[i], se[top]);
        use[i] = gap <= fmax((1.0 - SUPRAMAXIMAL_FRAC) * scale[top], noise);
    }
}

/* A working measurement: its diagnostics (those of an average not yet
 * final) are dropped; the final measurement reports its own. */
static int measure_quietly(const ncs_sweep_input *in, double lo, double hi, ncs_response *r)
{
    edx_diags quiet;
    edx_diags_init(&quiet);
    int rc = ncs_measure_sweep(in, lo, hi, r, &quiet);
    edx_diags_free(&quiet);
    return rc;
}

/* The onset of a sensory site, read on the mean of all its sweeps weighted by
 * their sizes (ncs_scaled_mean): the least-squares estimate of one waveform
 * that each sweep holds at its own scale. A submaximal sweep's response comes
 * from the fibres of lowest threshold to an electric shock, the large fast
 * ones (Erlanger & Gasser; the basis of supramaximal stimulation), so it
 * starts at the same instant as the supramaximal one and its samples add to
 * the take-off's; the supramaximal average alone leaves them out. Amplitude
 * and the other sizes stay those of the supramaximal average; the duration
 * keeps its end and moves with the onset [E; simulator, corpora A and B
 * (seeds 1-16): SNAP onset |err| p95 0.146 -> 0.130 ms (A), 0.134 ->
 * 0.131 ms (B); sensory velocity p95 2.21 -> 1.79 m/s (A), 2.22 -> 2.23
 * (B)]. Left as it is when the weighted mean shows no response. */
static void onset_from_all_sweeps(const ncs_aligned *a, const double *scale,
                                  const ncs_sweep_input *in, double lo, double hi, double *avg,
                                  ncs_response *r)
{
    if (r->is_absent || ncs_scaled_mean(a, scale, avg) == 0)
        return;
    ncs_response w;
    int rc = measure_quietly(in, lo, hi, &w);
    if (rc != EDX_OK || w.is_absent)
        return;
    r->duration_ms += r->onset_latency_ms - w.onset_latency_ms;
    r->onset_latency_ms = w.onset_latency_ms;
}

/* The hum is read before the stimulus and, after it, from 0.5 ms before
 * the response's onset on (with the response in, at each row's size; the
 * artefact before it left out: its size follows the stimulus current, which
 * rises from sweep to sweep, not the response's), or from HUM_ART_MS after
 * the stimulus without a response. */
#define HUM_ART_MS 1.0
/* Mains hum taken out of the site's sweeps (hum.c) before they are
 * averaged: the sizes and the artefact's extent come from the average of
 * the sweeps as read and its measurement *r; when hum was taken out, avg
 * and *r become those of the cleaned rows `use` marks, and s says so. */
static int take_out_hum(ncs_aligned *a, const bool *use, const ncs_sweep_input *in, double lo,
                        double hi, double *avg, ncs_site_result *s)
{
    double gain[NCS_ALIGNED_MAX];
    size_t from = ncs_hum_gains(a, avg, &s->response, gain);
    if (from == 0) {
        from = a->pre + (size_t)ceil(HUM_ART_MS * a->fs_hz / 1000.0);
        from = from < a->len ? from : a->len;
    }
    ncs_hum h;
    int rc = ncs_hum_remove(a, a->pre, from, gain, &h);
    if (rc != EDX_OK || !h.removed)
        return rc;
    char msg[sizeof s->warnings[0]];
    site_warn(s, ncs_hum_note(&h, msg, sizeof msg));
    average_rows(a, use, avg);
    return measure_quietly(in, lo, hi, &s->response);
}

/* Sensory: the supramaximal sweeps of the site averaged (aligned on the
 * stimulus), then measured. A first average of all sweeps is the template
 * each sweep is scaled against, so noise does not decide which are kept. */
static int average_and_measure(edf_file *f, const study_nerve_test *t, const size_t *idx,
                               size_t n_idx, ncs_site_result *s, edx_diags *d)
{
    ncs_aligned a;
    int rc = ncs_load_aligned(f, t, idx, n_idx, &a);
    if (rc != EDX_OK || a.n_sweeps == 0)
        return rc == EDX_OK ? EDX_ERR_FORMAT : rc;
    bool use[NCS_ALIGNED_MAX];
    double *avg = malloc(a.len * sizeof *avg);
    if (avg == NULL) {
        ncs_aligned_free(&a);
        return EDX_ERR_NOMEM;
    }
    for (size_t i = 0; i < a.n_sweeps; i++)
        use[i] = true;
    average_rows(&a, use, avg);
    double lo, hi;
    ncs_clip_limits(edf_get_signal(f, t->signal), &lo, &hi);
    ncs_sweep_input in = {avg, a.len, a.fs_hz, (double)a.pre / a.fs_hz, NCS_SENSORY};
    rc = measure_quietly(&in, lo, hi, &s->response);
    if (rc == EDX_OK)
        rc = take_out_hum(&a, use, &in, lo, hi, avg, s);
    if (rc == EDX_OK) {
        double scale[NCS_ALIGNED_MAX];
        for (size_t i = 0; i < a.n_sweeps; i++)
            scale[i] = 1.0;
        keep_supramaximal(&a, avg, &s->response, use, scale);
        s->n_used = average_rows(&a, use, avg);
        rc = ncs_measure_sweep(&in, lo, hi, &s->response, d);
        if (rc == EDX_OK)
            onset_from_all_sweeps(&a, scale, &in, lo, hi, avg, &s->response);
    }
    free(avg);
    ncs_aligned_free(&a);
    return rc;
}

static void compare_reported(const study_nerve_test *t, const size_t *idx, size_t n_idx,
                             ncs_site_result *s)
{
    for (size_t i = 0; i < n_idx; i++) {
        const study_sweep *sw = &t->sweeps[idx[i]];
        if (!sw->has_reported || sw->is_reported_absent)
            continue;
        s->has_reported = true;
        s->reported_latency_ms = sw->reported_latency_ms;
        s->reported_amplitude_uv = sw->reported_amplitude_uv;
    }
    if (!s->has_reported || s->response.is_absent)
        return;
    double dl = fabs(s->reported_latency_ms - s->response.onset_latency_ms);
    double da = fabs(s->reported_amplitude_uv - s->response.amplitude_uv) /
                s->response.amplitude_uv;
    s->reported_disagrees = dl > reported_latency_tol_ms || da > reported_amplitude_tol;
    if (s->reported_disagrees)
        site_warn(s, "the acquisition system's Response differs from the measurement "
                     "(onset by more than 0.2 ms or amplitude by more than 10 %)");
}

/* Sites in distal-to-proximal order (by distance), with their sweeps. */
static size_t collect_sites(const study_nerve_test *t, ncs_nerve_result *out)
{
    for (size_t i = 0; i < t->n_sweeps; i++) {
        const study_sweep *sw = &t->sweeps[i];
        size_t k = 0;
        while (k < out->n_sites && strcmp(out->sites[k].site, sw->site) != 0)
            k++;
        if (k == out->n_sites) {
            if (k == NCS_MAX_SITES)
                continue;
            ncs_site_result *s = &out->sites[out->n_sites++];
            memset(s, 0, sizeof *s);
            snprintf(s->site, sizeof s->site, "%s", sw->site);
            s->distance_cm = sw->distance_cm;
        }
        out->sites[k].n_sweeps++;
    }
    for (size_t a = 1; a < out->n_sites; a++) /* insertion sort by distance */
        for (size_t b = a; b > 0 && out->sites[b].distance_cm < out->sites[b - 1].distance_cm; b--) {
            ncs_site_result tmp = out->sites[b];
            out->sites[b] = out->sites[b - 1];
            out->sites[b - 1] = tmp;
        }
    return out->n_sites;
}

static size_t sweeps_of(const study_nerve_test *t, const char *site, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_sweeps; i++)
        if (strcmp(t->sweeps[i].site, site) == 0)
            idx[n++] = i;
    return n;
}

static double change_pct(double distal, double proximal)
{
    return isfinite(distal) && isfinite(proximal) && distal > 0
               ? (proximal - distal) / distal * 100.0
               : NAN;
}

static void segments(ncs_nerve_result *out)
{
    out->n_segments = 0;
    for (size_t k = 1; k < out->n_sites; k++) {
        const ncs_site_result *a = &out->sites[k - 1], *b = &out->sites[k];
        ncs_segment_result *g = &out->segments[out->n_segments++];
        snprintf(g->from, sizeof g->from, "%s", a->site);
        snprintf(g->to, sizeof g->to, "%s", b->site);
        double dl = b->response.onset_latency_ms - a->response.onset_latency_ms;
        double dd = b->distance_cm - a->distance_cm;
        g->velocity_m_s = dl > 0 && dd > 0 ? dd * 10.0 / dl : NAN;
        g->amplitude_drop_pct = -change_pct(a->response.amplitude_uv, b->response.amplitude_uv);
        g->area_drop_pct = -change_pct(a->response.area_uv_ms, b->response.area_uv_ms);
        g->duration_increase_pct = change_pct(a->response.duration_ms, b->response.duration_ms);
    }
}

int ncs_measure_nerve(edf_file *f, const study_nerve_test *t, bool is_sensory,
                      ncs_nerve_result *out, edx_diags *d)
{
    if (!f || !t || !out)
        return EDX_ERR_INVALID;
    memset(out, 0, sizeof *out);
    out->sensory_velocity_m_s = NAN;
    collect_sites(t, out);
    size_t *idx = malloc((t->n_sweeps ? t->n_sweeps : 1) * sizeof *idx);
    if (!idx)
        return EDX_ERR_NOMEM;
    int rc = EDX_OK;
    for (size_t k = 0; k < out->n_sites && rc == EDX_OK; k++) {
        ncs_site_result *s = &out->sites[k];
        size_t n_idx = sweeps_of(t, s->site, idx);
        rc = is_sensory ? average_and_measure(f, t, idx, n_idx, s, d)
                        : choose_supramaximal(f, t, idx, n_idx, s, d);
        compare_reported(t, idx, n_idx, s);
    }
    free(idx);
    if (rc)
        return rc;
    if (is_sensory && out->n_sites > 0 && !out->sites[0].response.is_absent &&
        out->sites[0].response.onset_latency_ms > 0)
        out->sensory_velocity_m_s =
            out->sites[0].distance_cm * 10.0 / out->sites[0].response.onset_latency_ms;
    if (!is_sensory)
        segments(out);
    return EDX_OK;
}
