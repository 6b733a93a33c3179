/*
 * mup_decompose.c - the streaming decomposer of contraction epochs.
 *
 * Detection: a slope signal d[i] = x[i+h] - x[i-h] (h = 0.1 ms) emphasises
 * the near-field spike of each MUP. A candidate is a peak of |d| above
 * max(3.5 x the robust noise of d (from every other slope of each 0.5 s
 * block), a 100 uV/ms slope) that is the largest within +-1 ms, with at
 * least MUP_MIN_SPIKE_UV peak to peak around it. Candidates below 5 x
 * (MUP_NOISE_K) are weak: they match and start weak tracks only, whose
 * units are counted among those firing (recruitment) but not measured (too
 * close to the noise; at 5 x the measured means were found right, and
 * lower levels let such units shorten them [E]).
 * Its time is refined to a fraction of a sample (parabola through |d|),
 * and the window [-18, +27] ms is taken by cubic interpolation, so that
 * 4 kHz recordings are aligned as well as 10 kHz ones.
 *
 * Template matching: the spike part [-1.5, +2.5] ms (mean removed) is
 * compared with each unit's template by the normalised squared difference;
 * the best unit within MUP_MATCH_BASE plus MUP_MATCH_NOISE times the share
 * of noise energy expected takes it, otherwise it starts a unit.
 * Superimposed discharges match nothing and start units that never reach
 * the discharges needed for acceptance. At the end of an epoch units whose
 * templates match within +-1 ms of shift are merged (a polyphasic MUP may
 * be aligned on either of two equal slopes).
 *
 * Streaming: samples are kept only for the scan block being processed plus
 * one window of history; each unit keeps at most EMG_MUP_MAX_MEMBERS
 * discharge windows, so memory does not grow with the epoch's length.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emg/mup/mup_decompose.h"

#define MUP_SLOPE_HALF_MS 0.1
#define MUP_ISOLATION_MS 1.0
#define MUP_NOISE_K 5.0           /* spikes measured: x robust noise of d [E] */
#define MUP_COUNT_K 3.5           /* spikes of units only counted: x robust noise of d [E] */
#define MUP_MIN_SLOPE_UV_MS 100.0 /* smallest spike slope looked at [E] */
#define MUP_MIN_SPIKE_UV 50.0    /* smallest spike measured [E] */
#define MUP_PRE_MS 18.0
#define MUP_POST_MS 27.0
#define MUP_MATCH_PRE_MS 1.5
#define MUP_MATCH_POST_MS 2.5
#define MUP_MATCH_BASE 0.02      /* normalised squared difference allowed for shape change [E] */
#define MUP_MATCH_NOISE 4.0      /* plus this many times the noise energy share [E] */
#define MUP_TEMPLATE_N 32        /* discharges averaged into a template */
#define MUP_BLOCK_S 0.5          /* scan block */
#define MUP_NOISE_STRIDE 2       /* slopes the noise is estimated from: one in 2 [E] */
#define WILLISON_UV 100.0        /* interference turns [U] */
#define MUP_MAINS_MIN_S 1.0      /* the hum is looked for in the first second (1 Hz bins) */
#define MUP_MAINS_CLIP_UV 20.0   /* hum template step clip, as for rest (src/emg/spont.c) */

static size_t ms_to_n(double ms, double fs)
{
    return (size_t)(ms * fs / 1000.0 + 0.5);
}

int emg_mup_new(double fs_hz, edx_diags *diags, emg_mup_analyser **out)
{
    if (!out)
        return EDX_ERR_INVALID;
    *out = NULL;
    if (!(fs_hz >= EMG_MUP_MIN_RATE_HZ) || fs_hz > EDX_MAX_RATE_HZ) {
        edx_diag_add(diags, EDX_SEV_ERROR, "EMG-MUP-RATE", EDX_LOC_NONE,
                     "sampled at %.0f Hz: MUP analysis needs at least %.0f Hz", fs_hz,
                     EMG_MUP_MIN_RATE_HZ);
        return EDX_ERR_UNSUPPORTED;
    }
    if (fs_hz < EMG_MUP_EXPECTED_RATE_HZ)
        edx_diag_add(diags, EDX_SEV_WARNING, "EMG-MUP-RATE", EDX_LOC_NONE,
                     "sampled at %.0f Hz (expected %.0f Hz or more): MUP spikes are sampled "
                     "every %.2f ms, so amplitudes and rise times are less exact",
                     fs_hz, EMG_MUP_EXPECTED_RATE_HZ, 1000.0 / fs_hz);
    emg_mup_analyser *a = calloc(1, sizeof *a);
    if (!a)
        return EDX_ERR_NOMEM;
    a->fs = fs_hz;
    a->diags = diags;
    a->h = ms_to_n(MUP_SLOPE_HALF_MS, fs_hz);
    a->h = a->h ? a->h : 1;
    a->pre = ms_to_n(MUP_PRE_MS, fs_hz);
    a->post = ms_to_n(MUP_POST_MS, fs_hz);
    a->win = a->pre + a->post + 1;
    a->mlo = a->pre - ms_to_n(MUP_MATCH_PRE_MS, fs_hz);
    a->mlen = ms_to_n(MUP_MATCH_PRE_MS + MUP_MATCH_POST_MS, fs_hz) + 1;
    a->iso = ms_to_n(MUP_ISOLATION_MS, fs_hz);
    a->min_d = MUP_MIN_SLOPE_UV_MS * 2.0 * (double)a->h * 1000.0 / fs_hz;
    a->block = ms_to_n(MUP_BLOCK_S * 1000.0, fs_hz);
    a->margin = a->post + a->iso + a->h + 4;
    a->history = a->pre + a->iso + a->h + 4;
    *out = a;
    return EDX_OK;
}

static void track_free(mup_track *t)
{
    free(t->members);
    free(t->tmpl);
    free(t->times);
    memset(t, 0, sizeof *t);
}

static void free_tracks(emg_mup_analyser *a)
{
    for (size_t i = 0; i < a->n_tracks; i++)
        track_free(&a->tracks[i]);
    a->n_tracks = 0;
}

void emg_mup_free(emg_mup_analyser *a)
{
    if (!a)
        return;
    free_tracks(a);
    for (size_t i = 0; i < a->n_units; i++)
        free(a->units[i].wave_uv);
    free(a->units);
    free(a->epochs);
    free(a->buf);
    free(a->d);
    free(a->scratch);
    free(a->win_buf);
    free(a->cand);
    emg_mains_free(&a->mains);
    free(a);
}

int emg_mup_set_mains(emg_mup_analyser *a, double mains_hz)
{
    if (!a || a->in_epoch || a->n_epochs > 0 || a->mains_state != 0 ||
        (mains_hz != 0 && mains_hz != 50 && mains_hz != 60))
        return EDX_ERR_INVALID;
    if (mains_hz == 0) {
        a->mains_state = -1; /* known absent: not looked for */
        return EDX_OK;
    }
    int rc = emg_mains_init(&a->mains, a->fs, mains_hz, MUP_MAINS_CLIP_UV);
    if (rc == EDX_ERR_INVALID) {
        edx_diag_add(a->diags, EDX_SEV_WARNING, "EMG-MAINS-PERIOD", EDX_LOC_NONE,
                     "MUP analysis: no whole-sample mains period at %.0f Hz; hum left in",
                     a->fs);
        a->mains_state = -1;
        return EDX_OK;
    }
    if (rc)
        return rc;
    a->mains_hz = mains_hz;
    a->mains_state = 1;
    return EDX_OK;
}

int emg_mup_begin_epoch(emg_mup_analyser *a, conv_state state)
{
    if (!a || a->in_epoch)
        return EDX_ERR_INVALID;
    a->in_epoch = true;
    a->state = state;
    a->buf_len = 0;
    a->buf_abs0 = 0;
    a->scan_from = 0;
    a->hum_to = 0;
    a->n_fed = 0;
    a->epoch_t0_s = NAN;
    a->noise_sum = 0;
    a->noise_n = 0;
    a->n_spikes = a->n_assigned = 0;
    a->turns = 0;
    a->turn_amp_sum = 0;
    a->turn_dir = 1;
    a->turn_ext = NAN;
    return EDX_OK;
}

static int grow(double **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return EDX_OK;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    double *q = realloc(*p, n * sizeof *q);
    if (!q)
        return EDX_ERR_NOMEM;
    *p = q;
    *cap = n;
    return EDX_OK;
}

/* Willison turns of the raw signal (interference pattern) over [s, e); the
 * running state in locals, which the compiler cannot keep a->'s in. */
static void willison(emg_mup_analyser *a, const double *x, size_t s, size_t e)
{
    double ext = a->turn_ext, last = a->turn_last, amp_sum = a->turn_amp_sum;
    size_t turns = a->turns;
    int dir = a->turn_dir;
    for (size_t i = s; i < e; i++) {
        double v = x[i];
        if (isnan(ext)) {
            ext = v;
            last = v;
            continue;
        }
        double back; /* dir is +1 or -1; the extremum as a select, not a branch */
        if (dir > 0) {
            ext = v > ext ? v : ext;
            back = ext - v;
        } else {
            ext = v < ext ? v : ext;
            back = v - ext;
        }
        if (back >= WILLISON_UV) {
            turns++;
            amp_sum += fabs(ext - last);
            last = ext;
            dir = -dir;
            ext = v;
        }
    }
    a->turn_ext = ext, a->turn_last = last, a->turn_amp_sum = amp_sum;
    a->turns = turns;
    a->turn_dir = dir;
}

/* Samples [k0, k1) of the window of a candidate at buffer position
 * p + frac into a->win_buf[k0..k1). */
static void take_window(emg_mup_analyser *a, size_t p, double frac, size_t k0, size_t k1)
{
    double t0 = (double)p + frac - (double)a->pre;
    emg_mup_interp_run(a->buf, a->buf_len, t0, k0, k1, a->win_buf + k0);
}

void match_part_of(const emg_mup_analyser *a, const double *w, double *c)
{
    double m = 0;
    for (size_t k = 0; k < a->mlen; k++)
        m += w[a->mlo + k];
    m /= (double)a->mlen;
    for (size_t k = 0; k < a->mlen; k++)
        c[k] = w[a->mlo + k] - m;
}

/* out[k] = (float)x[k], k < n */
EDX_HOT_CLONES
static void to_float(const double *restrict x, size_t n, float *restrict out)
{
    for (size_t k = 0; k < n; k++)
        out[k] = (float)x[k];
}

/* The member window of a candidate at buffer position p + frac into the
 * float row: the spike part from a->win_buf (taken first, for matching),
 * the rest interpolated straight into the row. */
static void take_member(emg_mup_analyser *a, size_t p, double frac, float *row)
{
    double t0 = (double)p + frac - (double)a->pre;
    emg_mup_interp_run_float(a->buf, a->buf_len, t0, 0, a->mlo, row, 1);
    to_float(a->win_buf + a->mlo, a->mlen, row + a->mlo);
    emg_mup_interp_run_float(a->buf, a->buf_len, t0, a->mlo + a->mlen, a->win,
                             row + a->mlo + a->mlen, 1);
}

/* Adds a discharge at time_s (buffer position p + frac, spike part c) to
 * track t. */
static int track_add(emg_mup_analyser *a, mup_track *t, const double *c, double time_s, size_t p,
                     double frac)
{
    if (t->n_times == t->cap_times) {
        size_t n = t->cap_times ? 2 * t->cap_times : 64;
        double *q = realloc(t->times, n * sizeof *q);
        if (!q)
            return EDX_ERR_NOMEM;
        t->times = q;
        t->cap_times = n;
    }
    t->times[t->n_times++] = time_s;
    if (t->n_members < EMG_MUP_MAX_MEMBERS) {
        t->member_t[t->n_members] = time_s;
        take_member(a, p, frac, t->members + t->n_members * a->win);
        t->n_members++;
    }
    if (t->n_tmpl < MUP_TEMPLATE_N) {
        double n = (double)t->n_tmpl, e = 0; /* e in a local: not stored at every step */
        double *restrict tm = t->tmpl;
        for (size_t k = 0; k < a->mlen; k++) {
            tm[k] = (tm[k] * n + c[k]) / (n + 1.0);
            e += tm[k] * tm[k];
        }
        double lo = tm[0], hi = tm[0];
        for (size_t k = 1; k < a->mlen; k++) {
            lo = tm[k] < lo ? tm[k] : lo;
            hi = tm[k] > hi ? tm[k] : hi;
        }
        t->tmpl_lo = lo, t->tmpl_hi = hi;
        t->energy = e;
        t->root_energy = sqrt(e);
        t->n_tmpl++;
    }
    return EDX_OK;
}

static int track_new(emg_mup_analyser *a, mup_track **out)
{
    *out = NULL;
    if (a->n_tracks >= EMG_MUP_MAX_UNITS)
        return EDX_OK;
    mup_track *t = &a->tracks[a->n_tracks];
    memset(t, 0, sizeof *t);
    t->members = malloc(EMG_MUP_MAX_MEMBERS * a->win * sizeof *t->members);
    t->tmpl = calloc(a->mlen, sizeof *t->tmpl);
    if (!t->members || !t->tmpl) {
        track_free(t);
        return EDX_ERR_NOMEM;
    }
    a->n_tracks++;
    *out = t;
    return EDX_OK;
}

/* Floors under the distance (normalised by e_max) of a candidate and a
 * template, lowered by 1e-6 of themselves, far more than any rounding:
 * - their extremes: a largest (or smallest) sample differs by no more
 *   than |c - t|, so the distance is at least (hi - t's largest)^2 / e_max;
 * - their sizes (energies e_c and e_t, sums of squares in index order as
 *   emg_mup_distance_below() takes them; r_c and r_t their square roots):
 *   |c - t|^2 >= (|c| - |t|)^2, so the distance is at least
 *   (1 - sqrt(lo / hi))^2; 0 when that is below 1e-6, where the rounding
 *   of the square roots would matter, or an energy is 0 or NaN.
 * The larger of the two, or 0 (with a NaN: no floor). */
static double distance_floor(double lo, double hi, const mup_track *t, double e_c, double r_c,
                             double e_max)
{
    double dh = hi - t->tmpl_hi, dl = lo - t->tmpl_lo, d2 = dh * dh > dl * dl ? dh * dh : dl * dl;
    double f = d2 / (e_max * (1.0 + 1e-6));
    /* selects, not fmin and fmax calls: with a NaN the floor is 0 */
    double e_lo = e_c < t->energy ? e_c : t->energy, e_hi = e_c < t->energy ? t->energy : e_c;
    if (e_lo > 0) {
        double gap = r_c - t->root_energy, g = gap * gap / (e_hi * (1.0 + 1e-6));
        f = g >= 1e-6 && g > f ? g : f;
    }
    return f >= 0 ? f : 0;
}

/* A track that may match a candidate: its floor, its limit and its index. */
typedef struct {
    double floor, limit;
    size_t i;
} match_try;

/* The tracks whose floor lies below their limit into tries[], by floor
 * (ties in track order); returns how many. */
static size_t match_tries(const emg_mup_analyser *a, const double *c_span, double e_c, double r_c,
                          bool weak, match_try *tries)
{
    double noise_e = (double)a->mlen * a->noise_d * a->noise_d / 2.0;
    size_t n = 0;
    for (size_t i = 0; i < a->n_tracks; i++) {
        const mup_track *t = &a->tracks[i];
        if (t->is_weak != weak)
            continue;
        double limit = MUP_MATCH_BASE + MUP_MATCH_NOISE * noise_e / t->energy;
        double e_max = e_c > t->energy ? e_c : t->energy;
        double f = distance_floor(c_span[0], c_span[1], t, e_c, r_c, e_max);
        if (!(f < limit) && limit < HUGE_VAL)
            continue;
        size_t j = n++;
        for (; j > 0 && tries[j - 1].floor > f; j--) /* insertion: stable */
            tries[j] = tries[j - 1];
        tries[j] = (match_try){f, limit, i};
    }
    return n;
}

/* The track nearest to candidate c (spanning c_span[0..1]) within its
 * limit, the first of equals in track order; NULL when none. The tracks
 * are tried from the lowest floor up, so the best distance found early
 * bounds (and cuts short) the later ones, and once a floor reaches it no
 * later track can do better. */
static mup_track *nearest_track(emg_mup_analyser *a, const double *c, const double *c_span,
                                bool weak)
{
    match_try tries[EMG_MUP_MAX_UNITS];
    double e_c = emg_mup_energy(c, a->mlen), r_c = sqrt(e_c), best_d = HUGE_VAL;
    size_t n = match_tries(a, c_span, e_c, r_c, weak, tries), best = SIZE_MAX;
    for (size_t k = 0; k < n && !(tries[k].floor > best_d); k++) {
        mup_track *t = &a->tracks[tries[k].i];
        double limit = tries[k].limit, bound = best_d < limit ? best_d : limit;
        double e_max = e_c > t->energy ? e_c : t->energy;
        double dist = emg_mup_distance_below(c, t->tmpl, a->mlen, 0, e_max, bound);
        if (dist < limit && (dist < best_d || (dist == best_d && tries[k].i < best)))
            best_d = dist, best = tries[k].i;
    }
    return best == SIZE_MAX ? NULL : &a->tracks[best];
}

static int assign(emg_mup_analyser *a, size_t p, double frac, bool weak)
{
    /* the spike part first: most candidates go to units that keep no more
     * members, or are no spike at all, and need no more of their window */
    take_window(a, p, frac, a->mlo, a->mlo + a->mlen);
    double *c = a->cand;
    match_part_of(a, a->win_buf, c);
    /* selects, not fmin and fmax calls: a NaN sample makes the mean and so
     * every c[k] NaN, and the test below fails either way */
    double lo = c[0], hi = c[0];
    for (size_t k = 1; k < a->mlen; k++) {
        lo = c[k] < lo ? c[k] : lo;
        hi = c[k] > hi ? c[k] : hi;
    }
    if (hi - lo < MUP_MIN_SPIKE_UV)
        return EDX_OK;
    a->n_spikes += !weak;
    double span[2] = {lo, hi};
    mup_track *best = nearest_track(a, c, span, weak);
    int rc = EDX_OK;
    if (!best && !(rc = track_new(a, &best)) && best)
        best->is_weak = weak;
    if (rc || !best)
        return rc;
    a->n_assigned += !weak;
    double t = a->epoch_t0_s + ((double)(a->buf_abs0 + (int64_t)p) + frac) / a->fs;
    if (best->n_times && t - best->times[best->n_times - 1] < MUP_SAME_DISCHARGE_S)
        return EDX_OK; /* another slope of the discharge just taken */
    return track_add(a, best, c, t, p, frac);
}

/* Whether |d[0]| = v is the largest of |d[-iso..iso]|, the first of equal
 * ones. The neighbours first: most samples above the threshold lie on a
 * spike's flank and fail there. */
static bool is_peak(const double *d, size_t iso, double v)
{
    if (iso > 0 && (fabs(d[1]) > v || fabs(d[-1]) >= v))
        return false;
    for (size_t j = 1; j <= iso; j++)
        if (fabs(d[j]) > v || fabs(d[-(ptrdiff_t)j]) >= v)
            return false;
    return true;
}

/* The first of y[0..n) that is not below thr in size (NaN included), or n:
 * eight at a time with one test, as a vector, since most samples are
 * below the detection threshold. */
EDX_HOT_CLONES
static size_t next_not_below(const double *y, size_t n, double thr)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const double *b = y + i;
        long any = 0;
        for (size_t l = 0; l < 8; l++)
            any |= !(fabs(b[l]) < thr);
        if (any)
            break;
    }
    while (i < n && fabs(y[i]) < thr)
        i++;
    return i;
}

/* d[i] = hi[i] - lo[i], i < n: the slope signal, with lo and hi the
 * samples h before and after; restrict, so that it is one vector loop. */
EDX_HOT_CLONES
static void slope(const double *restrict lo, const double *restrict hi, size_t n,
                  double *restrict d)
{
    for (size_t i = 0; i < n; i++)
        d[i] = hi[i] - lo[i];
}

/* Scans buffer positions [s, e) for candidates. */
static int scan(emg_mup_analyser *a, size_t s, size_t e)
{
    if (e <= s)
        return EDX_OK;
    size_t d0 = s - a->iso - 1, d1 = e + a->iso + 1; /* d over [d0, d1) */
    int rc = grow(&a->d, &a->d_cap, d1 - d0);
    if (!rc)
        rc = grow(&a->scratch, &a->scratch_cap, 2 * (d1 - d0)); /* slopes, then their sort room */
    if (rc)
        return rc;
    slope(a->buf + d0 - a->h, a->buf + d0 + a->h, d1 - d0, a->d);
    /* the noise from every MUP_NOISE_STRIDE-th slope: a 20th percentile is
     * still read from thousands of them in a block, in half the time */
    size_t nn = 0;
    for (size_t i = s; i < e; i += MUP_NOISE_STRIDE)
        a->scratch[nn++] = a->d[i - d0];
    double sd = emg_mup_robust_rms(a->scratch, nn, a->noise_d, a->scratch + nn);
    a->noise_sum += sd / sqrt(2.0) * (double)(e - s);
    a->noise_n += e - s;
    double thr = fmax(MUP_COUNT_K * sd, a->min_d), thr_measure = fmax(MUP_NOISE_K * sd, a->min_d);
    a->noise_d = sd;
    if (a->state == CONV_STATE_MAXIMAL) {
        /* the interference pattern only: no MUP is taken at full effort, and
         * turns are reported of full effort alone */
        willison(a, a->buf, s, e);
        return EDX_OK;
    }
    for (size_t i = s; i < e && !rc; i++) {
        i += next_not_below(a->d + (i - d0), e - i, thr);
        if (i == e)
            break;
        double v = fabs(a->d[i - d0]);
        if (!is_peak(a->d + (i - d0), a->iso, v))
            continue;
        double ym = fabs(a->d[i - 1 - d0]), yp = fabs(a->d[i + 1 - d0]);
        double den = ym - 2.0 * v + yp;
        double frac = den < 0 ? 0.5 * (ym - yp) / den : 0;
        rc = assign(a, i, fmax(-0.5, fmin(0.5, frac)), v < thr_measure);
        i += a->iso;
    }
    return rc;
}

/* Removes mains hum from the samples buffered since the last call, with
 * the running periodic template of src/emg/mains.c (phase from the
 * sample's index in the recording). The hum is looked for once, in the
 * first MUP_MAINS_MIN_S of the first epoch (or all of it when shorter).
 * Averaging does not cancel hum: discharges at rates near a subharmonic of
 * the mains sample it at slowly drifting phases. */
static int remove_hum(emg_mup_analyser *a, bool is_final)
{
    size_t from = (size_t)(a->hum_to - a->buf_abs0), n = a->buf_len - from;
    if (a->mains_state == 0) {
        if ((double)n < MUP_MAINS_MIN_S * a->fs && !is_final)
            return EDX_OK;
        a->mains_hz = emg_mains_detect(a->buf + from, n, a->fs, &a->hum_uv);
        a->mains_state = -1;
        if (a->mains_hz > 0) {
            int rc = emg_mains_init(&a->mains, a->fs, a->mains_hz, MUP_MAINS_CLIP_UV);
            if (rc && rc != EDX_ERR_INVALID)
                return rc;
            a->mains_state = rc ? -1 : 1;
        }
    }
    if (a->mains_state == 1 && n > 0)
        emg_mains_run(&a->mains, a->buf + from, n,
                      (int64_t)llround(a->epoch_t0_s * a->fs) + a->hum_to);
    a->hum_to += (int64_t)n;
    return EDX_OK;
}

/* Scans what the buffer allows; at the end of an epoch, up to its end. */
static int scan_ready(emg_mup_analyser *a, bool is_final)
{
    int rc = remove_hum(a, is_final);
    if (rc || a->mains_state == 0)
        return rc;
    for (;;) {
        size_t s = (size_t)(a->scan_from - a->buf_abs0);
        if (s < a->history)
            s = a->history; /* the epoch's first window of samples has no history */
        if (a->buf_len < a->margin + s)
            break;
        size_t limit = a->buf_len - a->margin;
        size_t e = s + a->block < limit ? s + a->block : limit;
        if (!is_final && e - s < a->block)
            break;
        rc = scan(a, s, e);
        a->scan_from = a->buf_abs0 + (int64_t)e;
        if (rc || e == limit)
            break;
    }
    /* keep one window of history */
    size_t keep_from = (size_t)(a->scan_from - a->buf_abs0);
    keep_from = keep_from > a->history ? keep_from - a->history : 0;
    if (keep_from > 0) {
        memmove(a->buf, a->buf + keep_from, (a->buf_len - keep_from) * sizeof *a->buf);
        a->buf_len -= keep_from;
        a->buf_abs0 += (int64_t)keep_from;
    }
    return rc;
}

int emg_mup_feed(emg_mup_analyser *a, const double *x_uv, size_t n, double t_first_s)
{
    if (!a || !a->in_epoch || (!x_uv && n))
        return EDX_ERR_INVALID;
    if (isnan(a->epoch_t0_s))
        a->epoch_t0_s = t_first_s;
    if (!a->win_buf) {
        a->win_buf = malloc(a->win * sizeof *a->win_buf);
        a->cand = malloc(a->mlen * sizeof *a->cand);
        if (!a->win_buf || !a->cand)
            return EDX_ERR_NOMEM;
    }
    size_t off = 0;
    while (off < n) {
        size_t take = n - off < a->block ? n - off : a->block;
        int rc = grow(&a->buf, &a->buf_cap, a->buf_len + take);
        if (rc)
            return rc;
        memcpy(a->buf + a->buf_len, x_uv + off, take * sizeof *x_uv);
        a->buf_len += take;
        a->n_fed += (int64_t)take;
        off += take;
        if ((rc = scan_ready(a, false)))
            return rc;
    }
    return EDX_OK;
}

int emg_mup_end_epoch(emg_mup_analyser *a)
{
    if (!a || !a->in_epoch)
        return EDX_ERR_INVALID;
    int rc = a->win_buf ? scan_ready(a, true) : EDX_OK;
    if (!rc)
        rc = emg_mup_merge_tracks(a);
    if (!rc)
        rc = emg_mup_drop_locked(a);
    if (!rc)
        rc = emg_mup_peel(a);
    if (!rc)
        rc = emg_mup_finish_epoch(a);
    free_tracks(a);
    a->in_epoch = false;
    return rc;
}

size_t emg_mup_wide_len(const emg_mup_analyser *a)
{
    return 2 * ms_to_n(MUP_WIDE_MS, a->fs) + 1;
}

size_t emg_mup_unit_count(const emg_mup_analyser *a)
{
    return a ? a->n_units : 0;
}

const emg_mup_unit *emg_mup_unit_at(const emg_mup_analyser *a, size_t i)
{
    return a && i < a->n_units ? &a->units[i] : NULL;
}

size_t emg_mup_epoch_count(const emg_mup_analyser *a)
{
    return a ? a->n_epochs : 0;
}

const emg_mup_epoch_stats *emg_mup_epoch_at(const emg_mup_analyser *a, size_t i)
{
    return a && i < a->n_epochs ? &a->epochs[i] : NULL;
}

double emg_mup_rate_hz(const emg_mup_analyser *a)
{
    return a ? a->fs : NAN;
}

double emg_mup_mains_hz(const emg_mup_analyser *a)
{
    return a && a->mains_state == 1 ? a->mains_hz : 0;
}
