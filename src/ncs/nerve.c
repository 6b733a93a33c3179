/*
 * nerve.c - one nerve conduction test of a study: read each sweep, measure
 * it, choose or average per stimulation site, then segment velocities and
 * proximal-versus-distal changes (clinical.md 3.1):
 *
 *   motor: per site the supramaximal response = the largest amplitude among
 *          the sweeps that are present and not saturated (n_used = 1);
 *   sensory: the sweeps of a site are averaged sample by sample, aligned on
 *          the stimulus, and the average is measured (n_used = sweeps);
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
    size_t cap = (size_t)((sw->t1_s - sw->t0_s) * sig->sample_rate_hz) + 2;
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

/* Sensory: average the site's sweeps aligned on the stimulus, then measure. */
static int average_and_measure(edf_file *f, const study_nerve_test *t, const size_t *idx,
                               size_t n_idx, ncs_site_result *s, edx_diags *d)
{
    double *sum = NULL, pre_s = INFINITY, fs = edf_get_signal(f, t->signal)->sample_rate_hz;
    size_t len = 0, used = 0;
    int rc = EDX_OK;
    for (size_t pass = 0; pass < 2 && rc == EDX_OK; pass++)
        for (size_t i = 0; i < n_idx && rc == EDX_OK; i++) {
            double *uv = NULL, off = 0;
            size_t n = 0;
            rc = ncs_read_sweep(f, t->signal, &t->sweeps[idx[i]], &uv, &n, &off);
            if (rc == EDX_ERR_NOMEM)
                break;
            if (rc != EDX_OK) {
                rc = EDX_OK;
                continue;
            }
            size_t skip = 0;
            if (pass == 0) { /* common pre-stimulus length and sweep length */
                pre_s = off < pre_s ? off : pre_s;
            } else {
                skip = (size_t)lround((off - pre_s) * fs);
                size_t m = n > skip ? n - skip : 0;
                if (!sum) {
                    len = m;
                    sum = calloc(len ? len : 1, sizeof *sum);
                    if (!sum)
                        rc = EDX_ERR_NOMEM;
                }
                for (size_t k = 0; sum && k < len && k < m; k++)
                    sum[k] += uv[skip + k];
                used++;
            }
            free(uv);
        }
    if (rc == EDX_OK && sum && used) {
        for (size_t k = 0; k < len; k++)
            sum[k] /= (double)used;
        double lo, hi;
        ncs_clip_limits(edf_get_signal(f, t->signal), &lo, &hi);
        ncs_sweep_input in = {sum, len, fs, pre_s, NCS_SENSORY};
        rc = ncs_measure_sweep(&in, lo, hi, &s->response, d);
        s->n_used = used;
    }
    free(sum);
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
