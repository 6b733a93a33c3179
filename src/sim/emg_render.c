/*
 * emg_render.c - sim_emg_render(): one muscle's needle EMG.
 *
 * The file is split into needle sites (the intervals between "Needle site"
 * moves); each site sits at its own distance from the end-plate zone, and
 * the site-bound generators (fibrillations, positive sharp waves, CRDs, the
 * end plate) are seen only there. Every discharge is built noise free on
 * the oversampled grid, sampled at the output rate, measured, added to the
 * signal and listed as one sim_event. Recording noise comes last.
 *
 * Measurement (clinical.md 1.3 and 2.1), on the noise-free samples of the
 * one discharge as placed: amplitude = peak to peak; duration = first
 * departure from to last return to baseline, the baseline band being 5 % of
 * the amplitude held within 2-10 uV (relative for small single-fibre
 * potentials, absolute like a visual reading for MUPs) [E]; phases =
 * baseline crossings + 1 and first polarity, counting only excursions beyond
 * max(2 uV, 5 % of the amplitude) so that ripples do not count [E]; time =
 * the sample of the largest absolute deflection.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/emg_internal.h"

#define DUR_FLOOR_UV 2.0
#define DUR_FRAC 0.05
#define DUR_CAP_UV 10.0
#define DUR_QUIET_MS 1.0 /* baseline that ends a discharge (as the analyser, [S58]) */
#define PHASE_FLOOR_UV 2.0
#define PHASE_FRAC 0.05
#define INSERTIONAL_S 0.3    /* clinical.md 1.2, recording-conventions 4 */
#define OS_TARGET_HZ 80000.0 /* oversampled grid: 12.5 us steps at 10 kHz [E] */
#define HFF_HZ 10000.0       /* amplifier high-frequency filter [S51] */

/* ---- discharges ---------------------------------------------------------- */

static int64_t div_floor(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int emg_disc_begin(emg_ctx *c, int64_t t0_os, int64_t t1_os)
{
    emg_disc *d = &c->disc;
    int64_t i0 = -div_floor(-t0_os, c->os); /* ceil */
    int64_t i1 = div_floor(t1_os - 1, c->os);
    size_t len = i1 >= i0 ? (size_t)(i1 - i0 + 1) : 0;
    if (len > d->cap) {
        double *y = realloc(d->y, len * sizeof *y);
        if (!y)
            return EDX_ERR_NOMEM;
        d->y = y;
        d->cap = len;
    }
    d->i0 = i0;
    d->len = len;
    if (len)
        memset(d->y, 0, len * sizeof *d->y);
    return EDX_OK;
}

void emg_disc_add(emg_ctx *c, const emg_wave *w, int64_t origin_os, double gain)
{
    emg_disc *d = &c->disc;
    if (!w->len || !d->len)
        return;
    int64_t w0 = origin_os + w->off; /* oversampled time of w->v[0] */
    int64_t i = -div_floor(-w0, c->os);
    if (i < d->i0)
        i = d->i0;
    int64_t iend = d->i0 + (int64_t)d->len;
    for (int64_t j = i * c->os - w0; i < iend && j < (int64_t)w->len; i++, j += c->os)
        d->y[i - d->i0] += gain * w->v[j];
}

void emg_measure(const double *y, size_t len, double fs_hz, emg_shape *s)
{
    memset(s, 0, sizeof *s);
    if (!len)
        return;
    double lo = y[0], hi = y[0];
    size_t pk = 0;
    for (size_t i = 0; i < len; i++) {
        lo = fmin(lo, y[i]);
        hi = fmax(hi, y[i]);
        if (fabs(y[i]) > fabs(y[pk]))
            pk = i;
    }
    s->amplitude_uv = hi - lo;
    s->peak_ms = (double)pk * 1000.0 / fs_hz;
    double thr = fmin(DUR_CAP_UV, fmax(DUR_FLOOR_UV, DUR_FRAC * s->amplitude_uv));
    if (fabs(y[pk]) < thr)
        return;
    /* satellites beyond 1 ms of baseline are not part of it [S58] */
    size_t quiet = (size_t)(DUR_QUIET_MS * fs_hz / 1000.0 + 0.5);
    size_t a = edx_quiet_end(y, len, pk, -1, quiet, thr);
    size_t z = edx_quiet_end(y, len, pk, +1, quiet, thr) + 1;
    s->duration_ms = (double)(z - a) * 1000.0 / fs_hz;
    double pthr = fmax(PHASE_FLOOR_UV, PHASE_FRAC * s->amplitude_uv);
    int sign = 0;
    for (size_t i = a; i < z; i++) {
        if (fabs(y[i]) < pthr)
            continue;
        int sg = y[i] > 0 ? 1 : -1;
        if (!sign) {
            s->first_polarity = sg;
            s->phases = 1;
        } else if (sg != sign) {
            s->phases++;
        }
        sign = sg;
    }
}

int emg_disc_emit(emg_ctx *c, sim_event_type type, int unit, double lo_s, double hi_s,
                  sim_event *measured)
{
    emg_disc *d = &c->disc;
    emg_shape s;
    emg_measure(d->y, d->len, c->fs_hz, &s);
    if (s.amplitude_uv <= 0 || s.phases == 0)
        return 0;
    int64_t ipk = d->i0 + (int64_t)floor(s.peak_ms * c->fs_hz / 1000.0 + 0.5);
    double t_pk = (double)ipk / c->fs_hz;
    if (ipk < 0 || ipk >= (int64_t)c->n || t_pk < lo_s || t_pk >= hi_s)
        return 0;
    for (size_t j = 0; j < d->len; j++) {
        int64_t i = d->i0 + (int64_t)j;
        if (i >= 0 && i < (int64_t)c->n)
            c->out[i] += d->y[j];
    }
    sim_event ev = {
        t_pk, type, unit, s.amplitude_uv, s.duration_ms, s.phases, s.first_polarity};
    int rc = sim_events_push(c->ev, &ev);
    if (rc)
        return rc;
    if (measured)
        *measured = ev;
    return 1;
}

int emg_place(emg_ctx *c, const emg_wave *w, double t_s, double gain, sim_event_type type,
              int unit, double lo_s, double hi_s, sim_event *measured)
{
    int64_t origin = emg_os_index(c, t_s);
    int rc = emg_disc_begin(c, origin + w->off, origin + w->off + (int64_t)w->len);
    if (rc)
        return rc;
    emg_disc_add(c, w, origin, gain);
    return emg_disc_emit(c, type, unit, lo_s, hi_s, measured);
}

/* ---- sites and epochs ---------------------------------------------------- */

size_t emg_site_of(const emg_ctx *c, double t_s)
{
    size_t s = 0;
    while (s + 1 < c->n_sites && t_s >= c->site_start_s[s + 1])
        s++;
    return s;
}

double emg_site_quiet_start_s(const emg_ctx *c, size_t site)
{
    return site == 0 ? c->site_start_s[0] : c->site_start_s[site] + INSERTIONAL_S;
}

bool emg_in_contraction(const emg_ctx *c, double t_s, double span_s)
{
    const sim_muscle_plan *p = c->plan;
    for (size_t i = 0; i < p->n_epochs; i++) {
        const sim_epoch *e = &p->epochs[i];
        if (e->kind != SIM_EPOCH_REST && t_s < e->start_s + e->duration_s &&
            t_s + span_s > e->start_s)
            return true;
    }
    return false;
}

static void layout_sites(emg_ctx *c)
{
    const sim_muscle_plan *p = c->plan;
    double mv[SIM_MAX_NEEDLE_MOVES];
    size_t nm = p->n_needle_moves;
    memcpy(mv, p->needle_move_s, nm * sizeof *mv);
    qsort(mv, nm, sizeof *mv, edx_cmp_double);
    c->n_sites = nm + 1;
    c->site_start_s[0] = 0;
    for (size_t i = 0; i < nm; i++) {
        c->site_end_s[i] = mv[i];
        c->site_start_s[i + 1] = mv[i];
    }
    c->site_end_s[nm] = p->duration_s;
    /* Each site lies 3-15 mm from the end-plate zone, on either side [E]. */
    sim_rng r;
    sim_rng_init(&r, c->seed, sim_stream_id("emg-sites", 0));
    for (size_t s = 0; s < c->n_sites; s++) {
        double sign = sim_rng_uniform(&r) < 0.5 ? -1.0 : 1.0;
        c->ep_zone_mm[s] = sign * sim_rng_range(&r, 3.0, 15.0);
    }
    c->ep_site = p->end_plate ? (int)sim_rng_below(&r, (uint32_t)c->n_sites) : -1;
    if (c->ep_site >= 0)
        c->ep_zone_mm[c->ep_site] = sim_rng_range(&r, -0.5, 0.5);
}

/* ---- the plan's sanity --------------------------------------------------- */

static int bad(edx_diags *d, const char *what)
{
    edx_diag_add(d, EDX_SEV_ERROR, "SIM-EMG-PLAN", EDX_LOC_NONE, "muscle plan: %s", what);
    return EDX_ERR_INVALID;
}

static bool in01(double x)
{
    return x >= 0 && x <= 1;
}

static int check_plan(const sim_muscle_plan *p, size_t n, edx_diags *d)
{
    if (!(p->fs_hz >= 1000 && p->fs_hz <= 200000))
        return bad(d, "sampling rate outside 1-200 kHz");
    if (!(p->duration_s > 0 && p->duration_s <= 3600))
        return bad(d, "duration outside 0-3600 s");
    if (n != (size_t)(p->fs_hz * p->duration_s + 0.5))
        return bad(d, "sample count does not match fs_hz * duration_s");
    if (p->n_epochs > SIM_MAX_EPOCHS || p->n_needle_moves > SIM_MAX_NEEDLE_MOVES)
        return bad(d, "too many epochs or needle moves");
    for (size_t i = 0; i < p->n_epochs; i++) {
        const sim_epoch *e = &p->epochs[i];
        if (e->kind < SIM_EPOCH_REST || e->kind > SIM_EPOCH_MAXIMAL || !(e->start_s >= 0) ||
            !(e->duration_s >= 0) || e->start_s + e->duration_s > p->duration_s + 1e-9)
            return bad(d, "epoch outside the file");
    }
    for (size_t i = 0; i < p->n_needle_moves; i++)
        if (!(p->needle_move_s[i] >= 0 && p->needle_move_s[i] < p->duration_s))
            return bad(d, "needle move outside the file");
    if (p->mup_kind < SIM_MUP_NORMAL || p->mup_kind > SIM_MUP_MYOPATHIC ||
        !in01(p->mup_severity) || !in01(p->mu_loss) || !in01(p->fasc_complex_fraction))
        return bad(d, "MUP kind, severity, loss or complex fraction out of range");
    int counts[] = {
        p->fib_units,     p->psw_units,      p->fasc_units,           p->crd_units,
        p->myotonic_runs, p->myokymic_units, p->neuromyotonic_trains, p->cramp_bursts};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        if (counts[i] < 0 || counts[i] > 200)
            return bad(d, "generator count outside 0-200");
    if (!(p->fasc_per_min >= 0 && p->fasc_per_min <= 600))
        return bad(d, "fasciculation rate outside 0-600 per minute");
    if (!(p->age_years >= 0 && p->age_years <= 120))
        return bad(d, "age outside 0-120 years");
    return EDX_OK;
}

/* ---- the render ---------------------------------------------------------- */

static void ctx_free(emg_ctx *c)
{
    emg_sfap_cache_free(&c->sfap);
    free(c->xbuf);
    free(c->disc.y);
}

/* Sorts the events this call appended, leaving the caller's earlier ones. */
static void sort_new_events(sim_events *ev, size_t n0)
{
    sim_events view = {ev->v + n0, ev->n - n0, ev->n - n0};
    sim_events_sort(&view);
}

int sim_emg_render(const sim_muscle_plan *p, uint64_t seed, double *out_uv, size_t n,
                   sim_events *ev, sim_mup_truth *mt, edx_diags *d)
{
    if (!p || !out_uv || !ev || !mt) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-EMG-ARG", EDX_LOC_NONE,
                     "sim_emg_render: missing plan, output, events or truth");
        return EDX_ERR_INVALID;
    }
    int rc = check_plan(p, n, d);
    if (rc)
        return rc;
    memset(out_uv, 0, n * sizeof *out_uv);
    memset(mt, 0, sizeof *mt);
    emg_ctx c;
    memset(&c, 0, sizeof c);
    c.plan = p;
    c.seed = seed;
    c.fs_hz = p->fs_hz;
    c.os = (int)ceil(OS_TARGET_HZ / p->fs_hz);
    c.os = c.os < 2 ? 2 : c.os > 16 ? 16 : c.os;
    c.fs_os_hz = p->fs_hz * c.os;
    c.dt_os_ms = 1000.0 / c.fs_os_hz;
    c.out = out_uv;
    c.n = n;
    c.ev = ev;
    c.d = d;
    emg_lowpass_init(&c.lp, c.fs_os_hz, fmin(HFF_HZ, 0.4 * p->fs_hz));
    double af = (p->age_years - 30.0) / (71.0 - 30.0);
    c.age_factor = af < 0 ? 0 : af > 1.2 ? 1.2 : af;
    layout_sites(&c);

    size_t n0 = ev->n;
    rc = emg_spont_render(&c);
    if (!rc)
        rc = emg_voluntary_render(&c, mt);
    if (!rc) {
        sort_new_events(ev, n0);
        sim_rng r;
        sim_rng_init(&r, seed, sim_stream_id("emg-noise", 0));
        rc = sim_noise_add(out_uv, n, p->fs_hz, 0, &p->noise, &r, NULL, NULL, 0);
    }
    ctx_free(&c);
    if (rc) {
        ev->n = n0;
        if (rc == EDX_ERR_NOMEM)
            edx_diag_add(d, EDX_SEV_ERROR, "SIM-EMG-NOMEM", EDX_LOC_NONE,
                         "out of memory rendering muscle %s", p->muscle ? p->muscle : "?");
    }
    return rc;
}
