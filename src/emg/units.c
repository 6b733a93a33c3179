/*
 * units.c - trains of one generator, built while the signal streams past:
 * each aligned discharge is compared with the mean waveform of every train
 * still active at its needle site and joins the one it matches best, or
 * starts a new train. Only active trains keep a waveform, so memory follows
 * the number of generators firing at once, not the length of the recording.
 *
 * Match (template matching on aligned, up-sampled waveforms, clinical.md
 * 1.3): in the window where the train's mean waveform rises above noise,
 *   - the first deflections have one polarity;
 *   - the waveform is first lined up with the mean (the extreme of the
 *     mean's main sign nearest its peak, then sub-sample by a parabola
 *     through the correlations of neighbouring lags);
 *   - the least-squares gain of the discharge on the mean waveform lies
 *     within 0.7..1.4 of the gain of the train's last discharge
 *     (generators change amplitude gradually: myotonic waxing and waning,
 *     neuromyotonic waning) and within 0.67..1.5 of the mean [E];
 *   - the normalised correlation reaches match_score times the correlation
 *     that noise alone would leave to a perfect match,
 *     sqrt(E_t / (E_t + N noise^2)) [E].
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/hot.h"
#include "emg/emg_internal.h"

#define GAIN_LO 0.67
#define GAIN_HI 1.5
#define AMP_STEP_LO 0.7
#define AMP_STEP_HI 1.4
#define AVERAGE_MAX 32.0
#define UPDATE_EVERY 4
#define CLAMP_SD 4.0     /* step limit of the mean's update: noise sd ... [E] */
#define CLAMP_PEAK 0.1   /* ... plus this share of the discharge's peak [E] */
#define FLANK_MS 2.0     /* the start of the window: before any potential [E] */
#define FLANK_GAP_MS 3.5 /* ... ending this far before the aligned peak [E] */
/* A mean waveform ends at 3 ms of baseline: the neighbours of its
 * discharges have averaged out, and a slow phase hovering near a level the
 * residual noise raised (a small PSW's) stays whole [E]. */
#define MEAN_QUIET_MS 3.0
/* cheap test first: the amplitude within 0.5..2 of the last discharge's (the
 * gain test that follows is stricter) */
#define PREFILTER_LO 0.5
#define PREFILTER_HI 2.0
/* Trains compared at once; beyond, the one idle longest is closed. A
 * muscle at rest has far fewer generators firing at one time [E]. */
#define MAX_ACTIVE 64
#define WINDOW_BEFORE_MS 4.0
#define WINDOW_AFTER_MS 14.0
/* A train of one discharge not seen again within 10 s is closed (a
 * fasciculating unit firing again later starts another) [E]. */
#define SINGLE_RETIRE_S 10.0
#define TIMING_BONUS 0.15
/* Candidates between the low and the detection threshold only join a train
 * of 5 or more that they match with a margin [E]. */
#define WEAK_MIN_N 5
#define SUBTRACT_MIN_N 5 /* a mean of 5 discharges is fit to take out [E] */
/* An established train explains most of a waveform (ncc^2 = share of its
 * energy, in the train's window): 0.75 leaves 44 % to another discharge [E]. */
#define EXPLAIN_NCC 0.75
#define WEAK_MARGIN 0.05 /* the mean follows the last ~32 discharges [E] */

int emg_units_init(emg_units *u, double fs_hz, size_t pre, size_t len, double match_score)
{
    memset(u, 0, sizeof *u);
    if (!(fs_hz > 0) || pre >= len)
        return EDX_ERR_INVALID;
    u->fs_hz = fs_hz;
    u->pre = pre;
    u->len = len;
    u->match_score = match_score;
    u->retire_s = 30.0; /* a fasciculating unit may rest for many seconds [S34] [E] */
    u->work = malloc(4 * len * sizeof *u->work);
    return u->work ? EDX_OK : EDX_ERR_NOMEM;
}

void emg_units_free(emg_units *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->n_rec; i++)
        free(u->rec[i].tmpl);
    free(u->rec);
    free(u->active);
    free(u->work);
    memset(u, 0, sizeof *u);
}

/* Comparison window: where the mean waveform exceeds 3 noise or 5 % of its
 * peak, widened by 1.5 ms of baseline (other activity there counts against
 * the match); at least 2 ms around the aligned peak. */
static void set_window(emg_units *u, emg_unit_rec *r, double noise_uv)
{
    const float *t = r->btmpl;
    double peak = fabs(t[u->pre]), level = fmax(3.0 * noise_uv, 0.05 * peak);
    size_t a = u->pre, z = u->pre + 1, pad = (size_t)(0.0005 * u->fs_hz) + 1;
    for (size_t i = 0; i < u->len; i++)
        if (fabs(t[i]) >= level) {
            a = i < a ? i : a;
            z = i + 1 > z ? i + 1 : z;
        }
    size_t min_half = (size_t)(0.001 * u->fs_hz) + 1;
    a = a > pad ? a - pad : 0;
    z = z + pad < u->len ? z + pad : u->len;
    /* the comparison needs the potential's core, not its whole tail [E] */
    size_t lo = u->pre > (size_t)(WINDOW_BEFORE_MS * u->fs_hz / 1000.0)
                    ? u->pre - (size_t)(WINDOW_BEFORE_MS * u->fs_hz / 1000.0) : 0;
    size_t hi = u->pre + (size_t)(WINDOW_AFTER_MS * u->fs_hz / 1000.0);
    a = a < lo ? lo : a;
    z = z > hi ? hi : z;
    if (u->pre >= min_half && a > u->pre - min_half)
        a = u->pre - min_half;
    if (z < u->pre + min_half && u->pre + min_half <= u->len)
        z = u->pre + min_half;
    r->win_a = a;
    r->win_z = z;
    double e = 0;
    for (size_t i = a; i < z; i++) {
        e += (double)t[i] * t[i];
        u->work[i] = r->tmpl[i];
    }
    r->tmpl_energy = e;
    emg_features f;
    emg_features_measure(u->work + a, z - a, u->fs_hz, noise_uv, &f);
    r->first_polarity = f.first_polarity;
}

/* sum v t into *vt, and sum v v returned: four partial sums each, so that
 * the loop vectorises. */
EDX_HOT_CLONES
static double dot_energy(const double *v, const float *t, size_t n, double *vt)
{
    double st[4] = {0, 0, 0, 0}, e[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) {
            st[k] += v[i + (size_t)k] * t[i + (size_t)k];
            e[k] += v[i + (size_t)k] * v[i + (size_t)k];
        }
    for (; i < n; i++) {
        st[0] += v[i] * t[i];
        e[0] += v[i] * v[i];
    }
    *vt = (st[0] + st[1]) + (st[2] + st[3]);
    return (e[0] + e[1]) + (e[2] + e[3]);
}

/* Dot product of w shifted by lag samples with the template, in its window;
 * *ss receives the energy of the part of w compared. */
static double dot_at(const emg_units *u, const emg_unit_rec *r, const double *w, long lag,
                     double *ss)
{
    double st = 0, e = 0;
    long a = (long)r->win_a, z = (long)r->win_z;
    if (a + lag >= 0 && z + lag <= (long)u->len) { /* the usual case: no edge */
        *ss = dot_energy(w + a + lag, r->btmpl + a, (size_t)(z - a), &st);
        return st;
    }
    for (long i = a; i < z; i++) {
        long j = i + lag;
        double v = j < 0 ? w[0] : j >= (long)u->len ? w[u->len - 1] : w[j];
        st += v * r->btmpl[i];
        e += v * v;
    }
    *ss = e;
    return st;
}

/* Lag (fractional) that lines w up with r: the extreme of w of the
 * template's main sign nearest its peak within 1.5 ms, then the best of
 * the neighbouring whole lags, refined by a parabola through them. *st and
 * *ss receive the dot product and energy (dot_at) at the whole lag nearest
 * it, mostly one of the three already computed. */
static double best_lag(const emg_units *u, const emg_unit_rec *r, const double *w, double *st,
                       double *ss)
{
    double sign = r->btmpl[u->pre] >= 0 ? 1.0 : -1.0;
    long max_lag = (long)(0.0015 * u->fs_hz), pre = (long)u->pre, j0 = pre;
    double top = sign * w[j0]; /* held, not reloaded: no chain through memory */
    for (long j = pre - max_lag; j <= pre + max_lag; j++)
        if (j >= 0 && j < (long)u->len && sign * w[j] > top) {
            top = sign * w[j];
            j0 = j;
        }
    long lag = j0 - pre;
    double e[3], c[3];
    for (int k = -1; k <= 1; k++)
        c[k + 1] = dot_at(u, r, w, lag + k, &e[k + 1]);
    int best = c[0] > c[1] && c[0] >= c[2] ? 0 : c[2] > c[1] ? 2 : 1;
    lag += best - 1;
    double v = (double)lag;
    if (best == 1) {
        double den = c[0] - 2.0 * c[1] + c[2];
        double frac = den < 0 ? 0.5 * (c[0] - c[2]) / den : 0;
        v += frac > 0.5 ? 0.5 : frac < -0.5 ? -0.5 : frac;
    }
    if (lround(v) == lag) {
        *st = c[best];
        *ss = e[best];
    } else { /* a refinement of exactly half a sample rounds away */
        *st = dot_at(u, r, w, lround(v), ss);
    }
    return v;
}

/* Score of w against train r lined up (*lag the shift, *gain_out its
 * least-squares gain): its normalised correlation over what noise alone
 * would leave to a perfect match; 0 when the gain lies outside
 * gain_lo..GAIN_HI, or (step) its change from the last discharge's outside
 * AMP_STEP_LO..AMP_STEP_HI. */
static double fit_score(const emg_units *u, const emg_unit_rec *r, const double *w, double noise_uv,
                        double gain_lo, bool step, double *lag, double *gain_out)
{
    double ss, st, tt = r->tmpl_energy;
    *lag = best_lag(u, r, w, &st, &ss);
    if (!(tt > 0) || !(ss > 0))
        return 0;
    double gain = st / tt, ratio = gain / r->last_gain;
    if (gain < gain_lo || gain > GAIN_HI || (step && (ratio < AMP_STEP_LO || ratio > AMP_STEP_HI)))
        return 0;
    double ncc = st / sqrt(ss * tt);
    double n_noise = (double)(r->win_z - r->win_a) * noise_uv * noise_uv;
    double expected = sqrt(tt / (tt + n_noise));
    *gain_out = gain;
    return ncc / expected;
}

/* Score of w against train r (0 when it cannot belong); *lag the shift. */
static double score(const emg_units *u, emg_unit_rec *r, const double *w, double noise_uv,
                    double *lag, double *gain_out)
{
    return fit_score(u, r, w, noise_uv, GAIN_LO, true, lag, gain_out);
}

static int push_active(emg_units *u, size_t idx)
{
    if (u->n_active == u->cap_active) {
        size_t cap = u->cap_active ? 2 * u->cap_active : 32;
        size_t *a = realloc(u->active, cap * sizeof *a);
        if (!a)
            return EDX_ERR_NOMEM;
        u->active = a;
        u->cap_active = cap;
    }
    u->active[u->n_active++] = idx;
    return EDX_OK;
}

static void retire_oldest(emg_units *u);

/* One more discharge of train r, in a signal of noise sd noise_uv. */
static void count(emg_unit_rec *r, double noise_uv)
{
    r->n++;
    r->noise_uv += (noise_uv - r->noise_uv) / (double)r->n;
}

/* t_s: the train's latest discharge. */
static void note_time(emg_unit_rec *r, double t_s)
{
    r->older_s[1] = r->older_s[0];
    r->older_s[0] = r->prev_s;
    r->prev_s = r->last_s;
    r->last_s = t_s;
}

static int new_unit(emg_units *u, const double *w, const double *bw, double amp_uv, double t_s,
                    unsigned site, double noise_uv, uint32_t *unit)
{
    if (u->n_active >= MAX_ACTIVE)
        retire_oldest(u);
    if (u->n_rec == u->cap_rec) {
        size_t cap = u->cap_rec ? 2 * u->cap_rec : 64;
        emg_unit_rec *r = realloc(u->rec, cap * sizeof *r);
        if (!r)
            return EDX_ERR_NOMEM;
        u->rec = r;
        u->cap_rec = cap;
    }
    emg_unit_rec *r = &u->rec[u->n_rec];
    memset(r, 0, sizeof *r);
    r->tmpl = malloc(2 * u->len * sizeof *r->tmpl);
    if (!r->tmpl || push_active(u, u->n_rec) != EDX_OK) {
        free(r->tmpl);
        return EDX_ERR_NOMEM;
    }
    r->btmpl = r->tmpl + u->len;
    for (size_t i = 0; i < u->len; i++) {
        r->tmpl[i] = (float)w[i];
        r->btmpl[i] = (float)bw[i];
    }
    r->id = (uint32_t)(u->n_rec + 1);
    r->site = site;
    r->n = 1;
    r->noise_uv = noise_uv;
    r->last_s = r->prev_s = t_s;
    r->older_s[0] = r->older_s[1] = -INFINITY;
    r->last_amp_uv = amp_uv;
    r->last_gain = 1.0;
    set_window(u, r, noise_uv);
    u->n_rec++;
    *unit = r->id;
    return EDX_OK;
}

/* Two active trains of one site whose mean waveforms have become the same
 * generator's (correlation >= 0.95 of what their noise allows, lined up;
 * gains within 0.8..1.25) are
 * one train: the smaller joins the larger, and keeps its id as an alias
 * [E]. */
#define TWIN_NCC 0.95
#define TWIN_GAIN_LO 0.8
#define TWIN_GAIN_HI 1.25

static void merge_into(emg_units *u, emg_unit_rec *big, emg_unit_rec *small, double lag,
                       double noise_uv)
{
    double *src = u->work, *dst = u->work + u->len;
    double wb = (double)big->n, ws = (double)small->n;
    for (size_t i = 0; i < 2 * u->len; i++) /* both means: shape and band */
        src[i] = small->tmpl[i];
    emg_resample(src, u->len, lag, dst, u->len);
    for (size_t i = 0; i < u->len; i++)
        big->tmpl[i] = (float)((wb * big->tmpl[i] + ws * dst[i]) / (wb + ws));
    emg_resample(src + u->len, u->len, lag, dst, u->len);
    for (size_t i = 0; i < u->len; i++)
        big->btmpl[i] = (float)((wb * big->btmpl[i] + ws * dst[i]) / (wb + ws));
    big->noise_uv = (wb * big->noise_uv + ws * small->noise_uv) / (wb + ws);
    big->n += small->n;
    big->last_s = fmax(big->last_s, small->last_s);
    big->older_s[0] = big->older_s[1] = -INFINITY; /* the rhythm is not known again yet */
    small->alias = big->id;
    small->n = 0;
    free(small->tmpl);
    small->tmpl = small->btmpl = NULL;
    set_window(u, big, noise_uv);
}

static void merge_twins(emg_units *u, emg_unit_rec *r, double noise_uv)
{
    for (size_t k = 0; k < u->n_active; k++) {
        emg_unit_rec *o = &u->rec[u->active[k]];
        if (o == r || o->site != r->site || !o->tmpl)
            continue;
        for (size_t i = 0; i < u->len; i++)
            u->work[i] = o->btmpl[i];
        double ss, st, tt = r->tmpl_energy;
        double lag = best_lag(u, r, u->work, &st, &ss);
        double gain = tt > 0 ? st / tt : 0, ncc = ss > 0 && tt > 0 ? st / sqrt(ss * tt) : 0;
        /* both means still carry noise: sd / sqrt(discharges averaged) */
        double nz = noise_uv * noise_uv * (1.0 / fmin((double)o->n, AVERAGE_MAX) +
                                           1.0 / fmin((double)r->n, AVERAGE_MAX));
        double expected = sqrt(tt / (tt + (double)(r->win_z - r->win_a) * nz));
        if (ncc < TWIN_NCC * expected || gain < TWIN_GAIN_LO || gain > TWIN_GAIN_HI)
            continue;
        if (o->n > r->n) /* the larger stays; r's waveform is re-lined to o */
            merge_into(u, o, r, -lag, noise_uv);
        else
            merge_into(u, r, o, lag, noise_uv);
        size_t keep = 0;
        for (size_t j = 0; j < u->n_active; j++)
            if (u->rec[u->active[j]].tmpl)
                u->active[keep++] = u->active[j];
        u->n_active = keep;
        return; /* one merge per call; r may have gone */
    }
}

/* Largest |w - gain * mean| where the mean is lined up by lag. */
static double residual_peak(emg_units *u, const emg_unit_rec *r, const double *w, double lag,
                            double gain)
{
    double *t = u->work + u->len, *m = u->work;
    for (size_t i = 0; i < u->len; i++)
        m[i] = r->btmpl[i];
    emg_resample(m, u->len, -lag, t, u->len);
    double peak = 0;
    for (size_t i = 0; i < u->len; i++)
        peak = fmax(peak, fabs(w[i] - gain * t[i]));
    return peak;
}

uint32_t emg_units_explain(emg_units *u, const double *bw, unsigned site, double t_s,
                           double min_residual_uv)
{
    double best = EXPLAIN_NCC, best_lag_v = 0, best_gain = 1;
    emg_unit_rec *hit = NULL;
    for (size_t k = 0; k < u->n_active; k++) {
        emg_unit_rec *r = &u->rec[u->active[k]];
        if (r->site != site || r->n < SUBTRACT_MIN_N)
            continue;
        double ss, st, tt = r->tmpl_energy;
        double lag = best_lag(u, r, bw, &st, &ss);
        double gain = tt > 0 ? st / tt : 0, step = gain / r->last_gain;
        double ncc = ss > 0 && tt > 0 ? st / sqrt(ss * tt) : 0;
        if (ncc > best && step >= AMP_STEP_LO && step <= AMP_STEP_HI) {
            best = ncc;
            hit = r;
            best_lag_v = lag;
            best_gain = gain;
        }
    }
    /* an overlap leaves another discharge once the train's is taken out;
     * a look-alike of another generator leaves noise */
    if (!hit || residual_peak(u, hit, bw, best_lag_v, best_gain) < min_residual_uv)
        return 0;
    u->last_t_s = t_s;
    hit->n++; /* counted; the mean is left alone: this waveform holds another */
    note_time(hit, t_s);
    return hit->id;
}

/* mean += a * (x - mean), each sample's step held within +-c: noise
 * (symmetric) averages out as before, while another discharge in the
 * window (an overlap outside the compared part) moves the mean by at most
 * a * c (a robust running mean) [E]. */
static void update_mean(float *mean, const double *x, size_t n, double a, double c)
{
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - mean[i];
        d = d > c ? c : d < -c ? -c : d;
        mean[i] += (float)(a * d);
    }
}

int emg_units_assign(emg_units *u, const double *w, const double *bw, double amp_uv, double t_s,
                     unsigned site, double noise_uv, bool is_weak, uint32_t *unit)
{
    *unit = 0;
    u->last_t_s = t_s;
    double best = 0, best_lag_v = 0, best_gain = 1;
    emg_unit_rec *hit = NULL;
    for (size_t k = 0; k < u->n_active; k++) {
        emg_unit_rec *r = &u->rec[u->active[k]];
        if (r->site != site)
            continue;
        double ratio = amp_uv / fmax(r->last_amp_uv, 1e-9);
        if (ratio < PREFILTER_LO || ratio > PREFILTER_HI) /* cheap: before any alignment */
            continue;
        double lag = 0, gain = 1, s = score(u, r, bw, noise_uv, &lag, &gain);
        /* a discharge due now in a regular train needs a little less shape
         * evidence (how a reader follows a train through noise) [E] */
        double idi = r->last_s - r->prev_s, due = r->last_s + idi;
        if (s > 0 && r->n >= 3 && idi > 0 && fabs(t_s - due) <= EMG_TIMING_FIT * idi)
            s += TIMING_BONUS;
        if (s > best) {
            best = s;
            hit = r;
            best_lag_v = lag;
            best_gain = gain;
        }
    }
    if (is_weak && (!hit || hit->n < WEAK_MIN_N || best < u->match_score + WEAK_MARGIN))
        return EDX_OK; /* a weak candidate never starts a train */
    if (!hit || best < u->match_score)
        return new_unit(u, w, bw, amp_uv, t_s, site, noise_uv, unit);
    /* the train's time reference is its mean's largest deflection: a
     * complex whose largest peak alternates keeps a steady rhythm */
    t_s += best_lag_v / u->fs_hz;
    u->last_t_s = t_s;
    count(hit, noise_uv);
    /* the mean settles within AVERAGE_MAX discharges; after that it follows
     * slow changes from every UPDATE_EVERY-th one (speed) [E] */
    if (hit->n <= AVERAGE_MAX || hit->n % UPDATE_EVERY == 0) {
        double a = hit->n <= AVERAGE_MAX ? 1.0 / (double)hit->n : UPDATE_EVERY / AVERAGE_MAX;
        /* a potential that waxes or wanes still moves its mean */
        emg_resample(w, u->len, best_lag_v, u->work, u->len);
        update_mean(hit->tmpl, u->work, u->len, a,
                    CLAMP_SD * noise_uv + CLAMP_PEAK * fabs(u->work[u->pre]));
        emg_resample(bw, u->len, best_lag_v, u->work, u->len);
        update_mean(hit->btmpl, u->work, u->len, a,
                    CLAMP_SD * noise_uv + CLAMP_PEAK * fabs(u->work[u->pre]));
    }
    note_time(hit, t_s);
    hit->last_amp_uv = amp_uv;
    hit->last_gain = best_gain;
    if (hit->n <= 8 || hit->n % 64 == 0) {
        set_window(u, hit, noise_uv);
        merge_twins(u, hit, noise_uv);
    }
    *unit = hit->id;
    return EDX_OK;
}

/* x[a..z) -= gain * m lined up by lag (m: len samples). */
static void take_out(emg_units *u, const float *m, double lag, double gain, double *x, long a,
                     long z)
{
    double *w = u->work, *t = u->work + u->len;
    a = a < 0 ? 0 : a;
    z = z < (long)u->len ? z : (long)u->len;
    if (z <= a)
        return;
    for (size_t i = 0; i < u->len; i++)
        w[i] = m[i];
    /* the mean on the signal's grid, where it is taken out */
    emg_resample_range(w, u->len, -lag, t, (size_t)a, (size_t)z);
    for (long i = a; i < z; i++)
        x[i] -= gain * t[i];
}

bool emg_units_subtract(emg_units *u, uint32_t id, double *x, double *y, size_t lo, size_t hi)
{
    id = emg_units_root(u, id);
    emg_unit_rec *r = id ? &u->rec[id - 1] : NULL;
    if (!r || !r->tmpl || r->n < SUBTRACT_MIN_N)
        return false;
    double ss, st, lag = best_lag(u, r, y, &st, &ss);
    double gain = r->tmpl_energy > 0 ? st / r->tmpl_energy : 0;
    if (gain < GAIN_LO || gain > GAIN_HI)
        return false;
    long a = (long)r->win_a + lround(lag), z = (long)r->win_z + lround(lag);
    a = a < (long)lo ? (long)lo : a;
    z = z > (long)hi ? (long)hi : z;
    take_out(u, r->tmpl, lag, gain, x, a, z);
    take_out(u, r->btmpl, lag, gain, y, a, z);
    return true;
}

bool emg_units_can_take_weak(const emg_units *u, unsigned lo_site, unsigned hi_site)
{
    for (size_t k = 0; k < u->n_active; k++) {
        const emg_unit_rec *r = &u->rec[u->active[k]];
        if ((r->site == lo_site || r->site == hi_site) && r->n >= WEAK_MIN_N)
            return true;
    }
    return false;
}

/* ---- discharges a regular train missed ----------------------------------------------
 * A fibrillating fibre fires at a steady rate [S51] (so do positive sharp
 * waves [S52] and complex repetitive discharges [S46]). Where a train that
 * has fired at one rhythm leaves a gap of two to four intervals, the
 * discharges between were due at whole intervals, and one a little too
 * small for the detection threshold in the noise there is still a
 * discharge of the train: the train's mean waveform is looked for where
 * each was due, as a reader follows a train through noise, and what fits
 * there as a weak candidate due then would (emg_units_assign) is counted
 * [E]. Intervals alike: within EMG_TIMING_FIT; gaps of up to MAX_MISSED.
 * Intervals of at least 1/15 s, a fibrillation's highest rate [S52]:
 * denser trains are end-plate activity or bursts, whose gaps are not
 * missed discharges [S53]. Gain from DUE_GAIN_LO: the mean is of the
 * discharges the noise lifted over the threshold, the one missed is one it
 * pushed down, so the same fibre's potential reads smaller there [E;
 * simulator, a 24 uV fibrillation in 4 uV of noise: the discharges it
 * missed read 0.47-0.97 of the mean]. */
#define MAX_MISSED 3
#define MISSED_MIN_INTERVAL_S (1.0 / 15.0)
#define DUE_GAIN_LO 0.5

int emg_units_missed(const emg_units *u, uint32_t id, double *from_s, double *step_s)
{
    id = emg_units_root(u, id);
    const emg_unit_rec *r = id ? &u->rec[id - 1] : NULL;
    if (!r || !r->tmpl || r->n < WEAK_MIN_N)
        return 0;
    double i1 = r->prev_s - r->older_s[0], i2 = r->older_s[0] - r->older_s[1];
    double gap = r->last_s - r->prev_s;
    if (!(i1 >= MISSED_MIN_INTERVAL_S) || !(i2 > 0) || fabs(i1 - i2) > EMG_TIMING_FIT * i1)
        return 0;
    long k = lround(gap / i1);
    if (k < 2 || k > MAX_MISSED + 1 || fabs(gap / (double)k - i1) > EMG_TIMING_FIT * i1)
        return 0;
    *from_s = r->prev_s;
    *step_s = gap / (double)k;
    return (int)k - 1;
}

size_t emg_units_search(const emg_units *u, uint32_t id, const double *y, size_t lo, size_t hi,
                        double *ncc)
{
    id = emg_units_root(u, id);
    const emg_unit_rec *r = id ? &u->rec[id - 1] : NULL;
    *ncc = 0;
    if (!r || !r->tmpl)
        return lo;
    size_t best_at = lo, n = r->win_z - r->win_a;
    double sign = r->btmpl[u->pre] >= 0 ? 1.0 : -1.0;
    /* the mean is aligned on its largest deflection: only where the signal
     * has an extreme of that sign can it be lined up (as best_lag does) */
    for (size_t q = lo > 0 ? lo : 1; q < hi && r->tmpl_energy > 0; q++) {
        if (sign * y[q] < sign * y[q - 1] || sign * y[q] < sign * y[q + 1])
            continue;
        double st, ss = dot_energy(y + q - u->pre + r->win_a, r->btmpl + r->win_a, n, &st);
        double c = ss > 0 ? st / sqrt(ss * r->tmpl_energy) : 0;
        if (c > *ncc) {
            *ncc = c;
            best_at = q;
        }
    }
    return best_at;
}

bool emg_units_take_due(emg_units *u, uint32_t id, const double *bw, double noise_uv)
{
    id = emg_units_root(u, id);
    emg_unit_rec *r = id ? &u->rec[id - 1] : NULL;
    double lag, gain;
    if (!r || !r->tmpl)
        return false;
    double s = fit_score(u, r, bw, noise_uv, DUE_GAIN_LO, false, &lag, &gain);
    if (!(s > 0) || s + TIMING_BONUS < u->match_score + WEAK_MARGIN)
        return false;
    count(r, noise_uv);
    return true;
}

void emg_units_set_rhythm(emg_units *u, uint32_t id, double step_s)
{
    id = emg_units_root(u, id);
    if (id == 0)
        return;
    emg_unit_rec *r = &u->rec[id - 1];
    r->prev_s = r->last_s - step_s;
    r->older_s[0] = r->last_s - 2.0 * step_s;
    r->older_s[1] = r->last_s - 3.0 * step_s;
}

double emg_units_prev_s(const emg_units *u, uint32_t id)
{
    id = emg_units_root(u, id);
    return id && u->rec[id - 1].n > 1 ? u->rec[id - 1].prev_s : -INFINITY;
}

uint32_t emg_units_root(const emg_units *u, uint32_t id)
{
    for (size_t guard = 0; id && guard < u->n_rec && u->rec[id - 1].alias; guard++)
        id = u->rec[id - 1].alias;
    return id;
}

/* A train's mean is measured against the noise of the signal its
 * discharges lay in, not of whatever the signal holds when it closes (a
 * contraction may follow a rest epoch). */
static void close_unit(emg_units *u, emg_unit_rec *r)
{
    double noise_uv = r->noise_uv;
    for (size_t i = 0; i < u->len; i++)
        u->work[i] = r->tmpl[i];
    /* what noise is left in the mean: from the signal's noise and the
     * number averaged, or read off the mean's first FLANK_MS where that is
     * larger (slow noise the detection band does not see), up to the noise
     * of one discharge (a long potential may have begun there) [E] */
    size_t flank = (size_t)(FLANK_MS * u->fs_hz / 1000.0);
    double left = noise_uv / sqrt(fmin((double)r->n, AVERAGE_MAX));
    if (flank >= 8 && flank + (size_t)(FLANK_GAP_MS * u->fs_hz / 1000.0) <= u->pre)
        left = fmax(left, fmin(emg_flank_noise_uv(u->work, flank), noise_uv));
    emg_features_measure_at(u->work, u->len, u->pre, u->fs_hz, left, MEAN_QUIET_MS, &r->shape);
    free(r->tmpl);
    r->tmpl = NULL;
}

/* Closes the train idle longest, to make room. */
static void retire_oldest(emg_units *u)
{
    size_t old = 0;
    for (size_t k = 1; k < u->n_active; k++)
        if (u->rec[u->active[k]].last_s < u->rec[u->active[old]].last_s)
            old = k;
    close_unit(u, &u->rec[u->active[old]]);
    u->active[old] = u->active[--u->n_active];
}

void emg_units_retire(emg_units *u, double now_s)
{
    size_t keep = 0;
    for (size_t k = 0; k < u->n_active; k++) {
        emg_unit_rec *r = &u->rec[u->active[k]];
        double idle = r->n == 1 ? fmin(SINGLE_RETIRE_S, u->retire_s) : u->retire_s;
        if (isfinite(now_s) && now_s - r->last_s < idle) {
            u->active[keep++] = u->active[k];
            continue;
        }
        close_unit(u, r);
    }
    u->n_active = keep;
}
