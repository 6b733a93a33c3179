/*
 * spont.c - spontaneous activity of one muscle, streamed: rest intervals
 * (rest epochs minus 300 ms after each needle move), decimation to an
 * analysis rate of 10 kHz or more, mains-hum removal, a detection band,
 * a threshold from the running noise level, then one aligned waveform per
 * candidate handed to the train builder (units.c). Classification and
 * counting follow in summary.c once every interval has streamed past.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emg/emg_internal.h"

#define PREROLL_S 0.1     /* filters settle before an interval */
#define POSTROLL_S 0.04   /* so discharges at an interval's end are whole */
#define GAP_MS 1.0        /* supra-threshold samples closer than this form one run */
#define MAX_RUN_MS 20.0   /* longer runs are overlapping discharges: split */
#define SPLIT_HALF_MS 2.0
#define DEDUP_MS 1.0      /* two candidates this close are one discharge */
#define MAINS_CLIP_UV 20.0
#define TAIL_RATIO 0.6
#define MAX_PEEL 3
#define REFRACTORY_S 0.002
#define DOMINATED_MS 4.0
#define DOMINATED_RATIO 4.0
#define PEEL_FRAC 0.25 /* what is left must be a quarter of the first peak [E] */
/* One discharge, measured amid its neighbours, ends at 1 ms of baseline: a
 * component beyond that is another potential or a satellite, not part of
 * its duration [S58] (as the MUP markers, edxreport(1)). */
#define SINGLE_QUIET_MS 1.0
/* ... while its slow phase, near the noise, may dip to baseline that long:
 * where it ends, and its size, are read with 3 ms (a PSW's 5-30 ms [S52]) [E] */
#define TAIL_QUIET_MS 3.0
#define BLOCK_SAMPLES 16384
/* The buffers hold this many blocks, and keep 1 s of signal behind the
 * scan: a regular train's missed discharges are looked for there once its
 * next one is found (bridge) [E]. */
#define BLOCKS_HELD 6
#define BRIDGE_KEEP_S 1.0
/* The noise level is each block's robust estimate; one more than
 * NOISE_INFLATED times the lower quartile of the blocks of the last 10 s
 * of the same rest interval is taken as that quartile: a dense train (a
 * neuromyotonic discharge fills its 0.5-2 s [S44], a myotonic run a few
 * seconds [S45]) raises a block's median |v| to its own size, and would
 * raise the threshold above its discharges. Noise is what the quieter
 * blocks show: early in a rest interval, when few blocks have been seen,
 * one such train fills most of them, and a median of them is the train's
 * (a 2 s neuromyotonic discharge 1 s into the interval went undetected
 * after its first second); a real change of the noise takes over once it
 * fills three quarters of the window [E]. What a block that busy taught
 * the mains template is undone, and the template is frozen while the
 * blocks stay that busy (mains.c). */
#define NOISE_WINDOW_S 10.0
#define NOISE_INFLATED 1.5
#define NOISE_RECENT_MAX 64
#define NOISE_STRIDE 8 /* every 8th sample is plenty for a median [E] */

void emg_options_default(emg_options *o)
{
    o->threshold_sd = 4.5;   /* ~0.1 false crossings/s of band-limited noise [E] */
    o->detect_lo_hz = 150.0; /* above the hum's fundamental and movement [E] */
    o->weak_sd = 3.5;        /* weak candidates: they only extend a train [E] */
    o->match_ncc = 0.8;      /* of the noise-limited correlation (units.c) [E] */
    o->insertion_s = 0.3;    /* insertional activity < 300 ms [S85]; conventions */
    o->max_events = 500000;
}

typedef struct spont_ctx {
    const emg_options *opt;
    const study_muscle *m;
    edx_diags *d;
    emg_spont_result *res;
    double fs_raw, fa;
    int dec;
    size_t pre, post, len;
    emg_mains mains;
    emg_hpmean hp;
    emg_units units;
    double *bx, *by, *scratch, *snip, *bsnip; /* bsnip: snip in the detection band */
    size_t blen, bcap;
    size_t keep;          /* samples kept behind the scan (BRIDGE_KEEP_S) */
    size_t block_a;       /* most samples one read brings at the analysis rate */
    int64_t b0;           /* analysis index of bx[0] */
    emg_run *runs;
    double *sd_hist;
    size_t n_sd, cap_sd;
    double recent_sd[NOISE_RECENT_MAX]; /* the last blocks' estimates (a ring) */
    size_t n_recent, k_recent;          /* pushed in this rest interval; ring size */
    double noise_uv;
    double last_peak_s;
    double last_end_s;    /* where the last discharge returned to baseline */
    double last_peak_y;   /* its largest |y| in the detection band */
    size_t cap_events;
} spont_ctx;

/* ---- rest intervals ------------------------------------------------------------ */

/* Removes [w0, w1) from the spans (at most one more span results). */
static size_t cut(span *v, size_t n, size_t cap, double w0, double w1)
{
    for (size_t i = 0; i < n; i++) {
        if (w1 <= v[i].a_s || w0 >= v[i].b_s)
            continue;
        if (w0 > v[i].a_s && w1 < v[i].b_s) {
            if (n == cap)
                return n;
            memmove(&v[i + 2], &v[i + 1], (n - i - 1) * sizeof *v);
            v[i + 1] = (span){w1, v[i].b_s};
            v[i].b_s = w0;
            return n + 1;
        }
        if (w0 <= v[i].a_s)
            v[i].a_s = fmin(w1, v[i].b_s);
        else
            v[i].b_s = w0;
    }
    return n;
}

/* Rest epochs (or the whole muscle without activation annotations), clipped
 * to the muscle's part of the signal, minus the insertional windows. */
static size_t rest_spans(const study_muscle *m, double win, span *out, size_t cap)
{
    size_t n = 0;
    if (!m->has_activation_annotations) {
        out[n++] = (span){m->t0_s, m->t1_s};
    } else {
        for (size_t e = 0; e < m->n_epochs && n < cap; e++) {
            if (m->epochs[e].state != CONV_STATE_REST)
                continue;
            double a = fmax(m->t0_s, m->epochs[e].onset_s);
            double b = fmin(m->t1_s, m->epochs[e].onset_s + m->epochs[e].duration_s);
            if (b > a)
                out[n++] = (span){a, b};
        }
    }
    for (size_t i = 0; i < m->n_sites; i++)
        n = cut(out, n, cap, m->sites[i].onset_s, m->sites[i].onset_s + win);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (out[i].b_s - out[i].a_s > 0.01)
            out[k++] = out[i];
    return k;
}

static unsigned site_of(const study_muscle *m, double t)
{
    unsigned s = 0;
    for (size_t i = 0; i < m->n_sites; i++)
        s += m->sites[i].onset_s <= t;
    return s;
}

/* ---- buffers ----------------------------------------------------------------------- */

static int ctx_init(spont_ctx *c)
{
    c->dec = (int)floor(c->fs_raw / 10000.0);
    if (c->dec < 1)
        c->dec = 1;
    c->fa = c->fs_raw / c->dec;
    c->pre = (size_t)ceil(EMG_PRE_MS * c->fa / 1000.0);
    c->post = (size_t)ceil(EMG_POST_MS * c->fa / 1000.0);
    c->len = c->pre + c->post + 1;
    c->block_a = BLOCK_SAMPLES / (size_t)c->dec + 2;
    double k = ceil(NOISE_WINDOW_S * c->fs_raw / BLOCK_SAMPLES);
    c->k_recent = k < 1 ? 1 : k > NOISE_RECENT_MAX ? NOISE_RECENT_MAX : (size_t)k;
    size_t hist = (size_t)ceil(MAX_RUN_MS * 4 * c->fa / 1000.0) + 2 * c->len + 16;
    c->keep = (size_t)ceil(BRIDGE_KEEP_S * c->fa);
    c->bcap = c->block_a * BLOCKS_HELD + hist + c->keep;
    c->bx = malloc(c->bcap * sizeof *c->bx);
    c->by = malloc(c->bcap * sizeof *c->by);
    c->scratch = malloc((c->bcap + 1) * sizeof *c->scratch);
    c->snip = malloc((c->len + 4) * sizeof *c->snip);
    c->bsnip = malloc((c->len + 4) * sizeof *c->bsnip);
    c->runs = malloc(c->bcap * sizeof *c->runs);
    if (!c->bx || !c->by || !c->scratch || !c->snip || !c->bsnip || !c->runs)
        return EDX_ERR_NOMEM;
    return emg_units_init(&c->units, c->fa, c->pre, c->len, c->opt->match_ncc);
}

static void ctx_free(spont_ctx *c)
{
    free(c->bx);
    free(c->by);
    free(c->scratch);
    free(c->snip);
    free(c->bsnip);
    free(c->runs);
    free(c->sd_hist);
    emg_mains_free(&c->mains);
    emg_units_free(&c->units);
}

static int push_sd(spont_ctx *c, double sd)
{
    if (c->n_sd == c->cap_sd) {
        size_t cap = c->cap_sd ? 2 * c->cap_sd : 64;
        double *v = realloc(c->sd_hist, cap * sizeof *v);
        if (!v)
            return EDX_ERR_NOMEM;
        c->sd_hist = v;
        c->cap_sd = cap;
    }
    c->sd_hist[c->n_sd++] = sd;
    return EDX_OK;
}

static int push_event(spont_ctx *c, const emg_event *e)
{
    emg_spont_result *r = c->res;
    if (r->n_events >= c->opt->max_events) {
        r->is_events_capped = true;
        return EDX_OK;
    }
    if (r->n_events == c->cap_events) {
        size_t cap = c->cap_events ? 2 * c->cap_events : 1024;
        if (cap > c->opt->max_events)
            cap = c->opt->max_events;
        emg_event *v = realloc(r->events, cap * sizeof *v);
        if (!v)
            return EDX_ERR_NOMEM;
        r->events = v;
        c->cap_events = cap;
    }
    r->events[r->n_events++] = *e;
    return EDX_OK;
}

/* ---- one candidate ------------------------------------------------------------------ */

/* Median of a long list, without reordering it. */
static double median_of_copy(const double *v, size_t n)
{
    double *w = malloc(n * sizeof *w);
    if (!w)
        return v[n / 2];
    memcpy(w, v, n * sizeof *w);
    double s = emg_noise_sd(w, n, 1, w) * 0.6745; /* median of |v|; v >= 0 */
    free(w);
    return s;
}

/* Baseline before a run: median of the 3 ms ending 1 ms before it. */
static double baseline(spont_ctx *c, size_t start)
{
    size_t ms = (size_t)(c->fa / 1000.0) + 1;
    size_t z = start > ms ? start - ms : 0, a = z > 3 * ms ? z - 3 * ms : 0;
    double buf[256];
    size_t n = 0;
    for (size_t i = a; i < z && n < 256; i++)
        buf[n++] = c->bx[i];
    return n ? emg_small_median(buf, n) : 0;
}

/* A candidate beside a deflection four times its own within 4 ms is part of
 * that potential (a filter echo, a late phase) and is left to it; a real
 * discharge there is found when the larger one is peeled off [E]. */
static bool dominated(const spont_ctx *c)
{
    size_t w = (size_t)(DOMINATED_MS * c->fa / 1000.0);
    size_t a = c->pre > w ? c->pre - w : 0, z = c->pre + w < c->len ? c->pre + w : c->len;
    double own = fabs(c->snip[c->pre]);
    for (size_t i = a; i < z; i++)
        if (fabs(c->snip[i]) > DOMINATED_RATIO * own)
            return true;
    return false;
}

/* A candidate whose potential (its own extent) holds a later deflection
 * more than LEAD_RATIO times its peak is a leading phase of that potential;
 * so is one whose slow-phase extent (3 ms of baseline end it, as a complex
 * discharge's spikes may be apart) holds one more than LEAD_COMPLEX_RATIO
 * times its peak (a complex repetitive discharge's first spike). It starts
 * no train of its own: the larger deflection, found next, times the
 * discharge [E]. */
#define LEAD_RATIO 1.5
#define LEAD_COMPLEX_RATIO 3.0

/* Time of analysis sample bx[i]: the mean of dec raw samples sits at their
 * middle. */
static double time_of(const spont_ctx *c, size_t i)
{
    return (double)(c->b0 + (int64_t)i) / c->fa + (c->dec - 1) / (2.0 * c->fs_raw);
}

/* The waveform around bx[pk] (baseline base) lined up on its peak, sub-sample,
 * into snip, and the same stretch of the detection band into bsnip;
 * returns the peak's fractional offset from pk. pk - pre - 2 .. pk + post
 * + 3 must lie in the buffer. */
static double snip_at(spont_ctx *c, size_t pk, double base)
{
    for (size_t i = 0; i < c->len + 4; i++)
        c->scratch[i] = c->bx[pk - c->pre - 2 + i] - base;
    double frac = emg_peak_refine(c->scratch, c->len + 4, c->pre + 2) - (double)(c->pre + 2);
    emg_resample(c->scratch + 2, c->len + 2, frac, c->snip, c->len);
    emg_resample(c->by + pk - c->pre, c->len + 2, frac, c->bsnip, c->len); /* in place */
    return frac;
}

static int push_discharge(spont_ctx *c, double t_s, uint32_t unit, const emg_features *own,
                          unsigned site, bool is_due)
{
    emg_event e = {t_s,
                   (float)own->amplitude_uv,
                   (float)own->duration_ms,
                   unit,
                   EMG_UNCLASSIFIED,
                   (uint8_t)(own->phases > 255 ? 255 : own->phases),
                   (int8_t)own->first_polarity,
                   (uint8_t)(site > 255 ? 255 : site),
                   0,
                   (int8_t)own->main_sign,
                   is_due};
    return push_event(c, &e);
}

/* Whether a discharge was listed within tol_s of t_s (peeled ones may be a
 * little out of order: the last second is looked at). */
static bool listed_near(const spont_ctx *c, double t_s, double tol_s)
{
    const emg_spont_result *r = c->res;
    for (size_t i = r->n_events; i-- > 0 && r->events[i].time_s > t_s - tol_s - 1.0;)
        if (fabs(r->events[i].time_s - t_s) <= tol_s)
            return true;
    return false;
}

/* The discharge of train `unit` due at t_s (interval step_s) that
 * detection missed (emg_units_missed): the best fit of the train's mean
 * within EMG_TIMING_FIT of an interval, listed when it matches as a weak
 * candidate due then would. Nothing when the buffer no longer holds it,
 * it lies outside the interval analysed, or something was listed there. */
static int bridge_one(spont_ctx *c, uint32_t unit, double t_s, double step_s, double t_lo)
{
    double tol_s = EMG_TIMING_FIT * step_s, at = (t_s - time_of(c, 0)) * c->fa;
    double lo = at - tol_s * c->fa, hi = at + tol_s * c->fa + 1;
    size_t d = emg_hpmean_delay(&c->hp);
    if (t_s - tol_s < t_lo || lo < (double)(c->pre + 2) ||
        hi + (double)(c->post + 3 + d) > (double)c->blen)
        return EDX_OK;
    double ncc;
    size_t pk = emg_units_search(&c->units, unit, c->by, (size_t)lo, (size_t)hi, &ncc);
    if (!(ncc > 0))
        return EDX_OK;
    size_t ms = (size_t)(c->fa / 1000.0) + 1;
    double frac = snip_at(c, pk, baseline(c, pk > ms ? pk - ms : 0));
    double t_found = time_of(c, pk) + frac / c->fa;
    /* listed already (as another train's), or not the train's: the train
     * counts only what is listed as its discharge */
    if (listed_near(c, t_found, REFRACTORY_S) || dominated(c) ||
        !emg_units_take_due(&c->units, unit, c->bsnip, c->noise_uv))
        return EDX_OK;
    emg_features f, own;
    emg_features_measure_two(c->snip, c->len, c->pre, c->fa, c->noise_uv, TAIL_QUIET_MS,
                             SINGLE_QUIET_MS, &f, &own);
    return push_discharge(c, t_found, unit, &own, site_of(c->m, t_found), true);
}

/* The discharges train `unit` missed before the one just listed. */
static int bridge(spont_ctx *c, uint32_t unit, double t_lo)
{
    double from_s, step_s;
    int k = emg_units_missed(&c->units, unit, &from_s, &step_s), rc = EDX_OK;
    for (int j = 1; j <= k && !rc; j++)
        rc = bridge_one(c, unit, from_s + j * step_s, step_s, t_lo);
    if (k > 0)
        emg_units_set_rhythm(&c->units, unit, step_s);
    return rc;
}

/* One discharge whose largest deflection is bx[pk] (baseline base):
 * aligned, measured, given to a train and listed. *unit receives the train,
 * 0 when the discharge was not taken. */
static int take(spont_ctx *c, size_t pk, double base, bool is_weak, double t_lo, double t_hi,
                uint32_t *unit)
{
    *unit = 0;
    if (pk < c->pre + 2 || pk + c->post + 3 > c->blen)
        return EDX_OK;
    double t_pk = time_of(c, pk);
    if (t_pk < t_lo || t_pk >= t_hi || fabs(t_pk - c->last_peak_s) < DEDUP_MS / 1000.0)
        return EDX_OK;
    /* its site, wherever within half a sample the alignment puts it */
    if (is_weak && !emg_units_can_take_weak(&c->units, site_of(c->m, t_pk - 0.5 / c->fa),
                                            site_of(c->m, t_pk + 0.5 / c->fa)))
        return EDX_OK;
    double frac = snip_at(c, pk, base);
    if (dominated(c))
        return EDX_OK;
    /* f: the potential with its slow phase whole (where its tail ends, its
     * size for the train); own: what the events table lists of it */
    emg_features f, own;
    emg_features_measure_two(c->snip, c->len, c->pre, c->fa, c->noise_uv, TAIL_QUIET_MS,
                             SINGLE_QUIET_MS, &f, &own);
    double t_s = t_pk + frac / c->fa;
    unsigned site = site_of(c->m, t_s);
    double amp = f.amplitude_uv; /* peak to peak: whichever phase is largest */
    int rc = emg_units_assign(&c->units, c->snip, c->bsnip, amp, t_s, site, c->noise_uv, true,
                              unit);
    if (!rc && *unit == 0 && !is_weak) {
        /* no train matches: an overlap of a known one, or a new generator */
        *unit = emg_units_explain(&c->units, c->bsnip, site, t_s,
                                  c->opt->threshold_sd * c->noise_uv);
        if (*unit == 0 &&
            !emg_features_later_larger(c->snip, c->len, c->pre, c->fa, &own, LEAD_RATIO) &&
            !emg_features_later_larger(c->snip, c->len, c->pre, c->fa, &f, LEAD_COMPLEX_RATIO))
            rc = emg_units_assign(&c->units, c->snip, c->bsnip, amp, t_s, site, c->noise_uv,
                                  false, unit);
    }
    if (rc || *unit == 0)
        return rc;
    t_s = c->units.last_t_s;
    /* one generator cannot fire twice within 2 ms (the shortest doublet
     * interval [S83]): the same discharge seen twice */
    if (t_s - emg_units_prev_s(&c->units, *unit) < REFRACTORY_S)
        return EDX_OK;
    c->last_peak_s = t_pk;
    c->last_end_s = fmax(c->last_end_s,
                         t_pk + (f.end_ms - (double)c->pre * 1000.0 / c->fa) / 1000.0);
    rc = push_discharge(c, t_s, *unit, &own, site, false);
    return rc ? rc : bridge(c, *unit, t_lo);
}

/* Largest |bx - base| in [a, z). */
static size_t arg_peak(const spont_ctx *c, size_t a, size_t z, double base)
{
    size_t pk = a;
    double best = fabs(c->bx[a] - base); /* held, not reloaded */
    for (size_t i = a; i < z; i++)
        if (fabs(c->bx[i] - base) > best) {
            best = fabs(c->bx[i] - base);
            pk = i;
        }
    return pk;
}

/*
 * A run: its largest deflection is a discharge. When that discharge belongs
 * to an established train, the train's mean waveform is fitted and taken
 * out of the signal, and what is left is looked at again: overlapping
 * discharges (a fibrillation on an end-plate spike, a fasciculation over a
 * fibrillation) are peeled apart, up to MAX_PEEL of them [E].
 */
static int candidate(spont_ctx *c, const emg_run *run, double t_lo, double t_hi)
{
    /* The slow tail of the last discharge (a PSW's negative phase, a MUP's
     * late phase) crossing the threshold again is not a discharge of its
     * own; a sharp potential riding on it is [E]. */
    double t_start = (double)run->start / c->fa;
    if (t_start < c->last_end_s && fabs(run->peak_uv) < TAIL_RATIO * c->last_peak_y)
        return EDX_OK;
    size_t start = (size_t)(run->start - c->b0), end = (size_t)(run->end - c->b0);
    size_t ms = (size_t)(c->fa / 1000.0) + 1;
    double base = baseline(c, start), first = 0;
    size_t a = start > ms ? start - ms : 0, z = end + ms < c->blen ? end + ms : c->blen;
    bool is_weak = fabs(run->peak_uv) < c->opt->threshold_sd * c->noise_uv;
    for (int peel = 0; peel < MAX_PEEL; peel++) {
        size_t pk = arg_peak(c, a, z, base);
        double v = fabs(c->bx[pk] - base);
        if (peel == 0)
            first = v;
        else if (v < fmax(c->opt->threshold_sd * c->noise_uv, PEEL_FRAC * first))
            break;
        uint32_t unit = 0;
        int rc = take(c, pk, base, is_weak, t_lo, t_hi, &unit);
        if (rc || unit == 0 || pk < c->pre || pk + c->post >= c->blen)
            return rc;
        /* only inside the run: a neighbour outside it is its own run */
        size_t lo = a + c->pre > pk ? a + c->pre - pk : 0, hi = z + c->pre - pk;
        if (!emg_units_subtract(&c->units, unit, c->bx + pk - c->pre, c->by + pk - c->pre, lo,
                                hi))
            break;
    }
    c->last_peak_y = fmax(fabs(run->peak_uv), 0);
    return EDX_OK;
}

/* ---- streaming ----------------------------------------------------------------------- */

/* The noise level given this block's estimate sd (NOISE_WINDOW_S). */
static double recent_noise(spont_ctx *c, double sd)
{
    c->recent_sd[c->n_recent++ % c->k_recent] = sd;
    size_t n = c->n_recent < c->k_recent ? c->n_recent : c->k_recent;
    double v[NOISE_RECENT_MAX];
    memcpy(v, c->recent_sd, n * sizeof *v);
    double typical = emg_select_kth(v, n, n / 4);
    bool busy = sd > NOISE_INFLATED * typical;
    if (busy && !c->mains.frozen)
        emg_mains_undo(&c->mains); /* what this block taught it was no hum */
    c->mains.frozen = busy;
    return busy ? typical : sd;
}

/* Filters the m new samples at bx[blen..blen+m) and detects what can be. */
static int process(spont_ctx *c, size_t m, bool is_last, double t_lo, double t_hi,
                   int64_t *scan_from)
{
    size_t d = emg_hpmean_delay(&c->hp);
    double *y = c->by + c->blen - d; /* the detection band lags by d */
    c->blen += m;
    if (m >= 64) {
        double sd = emg_noise_sd(y, m, NOISE_STRIDE, c->scratch);
        c->noise_uv = recent_noise(c, sd);
        if (push_sd(c, sd))
            return EDX_ERR_NOMEM;
    }
    size_t lo = (size_t)(*scan_from - c->b0);
    /* a run's peak may lie up to 1 ms past it, and its snippet in the
     * detection band must be there whole */
    size_t tail = c->post + d + 3 + (size_t)(c->fa / 1000.0) + 1;
    size_t hi = c->blen > tail ? c->blen - tail : 0;
    if (is_last)
        hi = c->blen;
    if (hi <= lo)
        return EDX_OK;
    size_t gap = (size_t)(GAP_MS * c->fa / 1000.0) + 1, resume = hi;
    size_t n_runs = emg_detect_runs(c->by, lo, hi, c->b0, c->opt->weak_sd * c->noise_uv,
                                    gap, (size_t)(MAX_RUN_MS * c->fa / 1000.0),
                                    (size_t)(SPLIT_HALF_MS * c->fa / 1000.0), c->runs,
                                    c->bcap, &resume);
    for (size_t i = 0; i < n_runs; i++) {
        int rc = candidate(c, &c->runs[i], t_lo, t_hi);
        if (rc)
            return rc;
    }
    *scan_from = c->b0 + (int64_t)resume;
    return EDX_OK;
}

/* Keeps what later detection still needs at the front of the buffers. */
static void compact(spont_ctx *c, int64_t scan_from)
{
    int64_t keep = scan_from - (int64_t)(c->pre + 4 * ((size_t)(c->fa / 1000.0) + 1) + c->keep);
    if (keep <= c->b0)
        return;
    size_t drop = (size_t)(keep - c->b0);
    if (drop > c->blen)
        drop = c->blen;
    memmove(c->bx, c->bx + drop, (c->blen - drop) * sizeof *c->bx);
    memmove(c->by, c->by + drop, (c->blen - drop) * sizeof *c->by);
    c->blen -= drop;
    c->b0 += (int64_t)drop;
}

/* The detection band runs on a copy; the analysis signal keeps its shape. */
static int stream_span(spont_ctx *c, edf_file *f, const span *s)
{
    emg_reader rd;
    double a = fmax(s->a_s - PREROLL_S, c->m->t0_s), b = fmin(s->b_s + POSTROLL_S, c->m->t1_s);
    int rc = emg_reader_open_mean(&rd, f, c->m->signal, a, b, BLOCK_SAMPLES, c->dec);
    if (rc)
        return rc;
    /* detection band: high-pass by the mean over one period of the lower
     * edge; smoothed [1 2 1] at 9 kHz and above (below, the decimation
     * average already smooths) [E] */
    emg_hpmean_init(&c->hp, (size_t)(c->fa / c->opt->detect_lo_hz), c->fa >= 9000.0);
    size_t pad = c->hp.width + 2; /* history the first samples need */
    c->blen = 0;
    c->n_recent = 0;
    c->mains.frozen = false;
    c->last_peak_s = c->last_end_s = -INFINITY;
    c->last_peak_y = 0;
    int64_t scan_from = 0;
    bool started = false;
    memset(c->bx, 0, pad * sizeof *c->bx);
    memset(c->by, 0, pad * sizeof *c->by);
    c->blen = pad;
    while (!rc) {
        size_t m;
        int64_t first;
        double t_s;
        if (started && c->blen + c->block_a > c->bcap)
            compact(c, scan_from);
        /* the means go straight to where the analysis keeps them */
        rc = emg_reader_next_into(&rd, c->bx + c->blen, &m, &first, &t_s);
        if (rc || m == 0)
            break;
        if (!started) {
            c->b0 = (int64_t)floor(t_s * c->fa + 0.5) - (int64_t)pad;
            scan_from = c->b0 + (int64_t)pad;
            started = true;
        }
        if (!c->mains.frozen)
            emg_mains_mark(&c->mains);
        emg_mains_run(&c->mains, c->bx + c->blen, c->mains.tmpl ? m : 0, c->b0 + (int64_t)c->blen);
        emg_hpmean_run(&c->hp, c->bx + c->blen, m, c->by + c->blen - emg_hpmean_delay(&c->hp));
        rc = process(c, m, false, s->a_s, s->b_s, &scan_from);
        emg_units_retire(&c->units, t_s); /* trains idle for long */
    }
    emg_reader_close(&rd);
    return rc;
}

/* ---- the analyser ------------------------------------------------------------------------ */

/* Mains frequency from up to 2 s of the first rest interval. */
static int find_mains(spont_ctx *c, edf_file *f, const span *s)
{
    emg_reader rd;
    double b = fmin(s->a_s + 2.0, s->b_s);
    size_t cap = (size_t)ceil((b - s->a_s) * c->fs_raw) + 16;
    int rc = emg_reader_open_mean(&rd, f, c->m->signal, s->a_s, b, cap, c->dec);
    if (rc)
        return rc;
    const double *x;
    size_t n = 0;
    int64_t first;
    double t_s;
    rc = emg_reader_next(&rd, &x, &n, &first, &t_s);
    if (!rc && n > 0)
        c->res->mains_hz = emg_mains_detect(x, n, c->fa, &c->res->mains_uv);
    emg_reader_close(&rd);
    if (!rc && c->res->mains_hz > 0) {
        rc = emg_mains_init(&c->mains, c->fa, c->res->mains_hz, MAINS_CLIP_UV);
        if (rc == EDX_ERR_INVALID) {
            edx_diag_add(c->d, EDX_SEV_WARNING, "EMG-MAINS-PERIOD", EDX_LOC_NONE,
                         "%s: no whole-sample mains period at %.0f Hz; hum left in",
                         c->m->label, c->fa);
            rc = EDX_OK;
        }
    }
    return rc;
}

static int check_input(const study_muscle *m, const edf_signal *sig, edx_diags *d)
{
    if (!sig || !(sig->sample_rate_hz > 0))
        return EDX_ERR_INVALID;
    if (sig->sample_rate_hz < 4000.0) {
        edx_diag_add(d, EDX_SEV_WARNING, "EMG-RATE-LOW", EDX_LOC_NONE,
                     "%s: %.0f Hz is below the 4 kHz needle EMG needs; not analysed",
                     m->label, sig->sample_rate_hz);
        return EDX_ERR_UNSUPPORTED;
    }
    /* beyond any amplifier (EDX_MAX_RATE_HZ): buffers sized from it would not
     * fit in memory, and "out of memory" would name the wrong cause */
    if (sig->sample_rate_hz > EDX_MAX_RATE_HZ) {
        edx_diag_add(d, EDX_SEV_WARNING, "EMG-RATE-HIGH", EDX_LOC_NONE,
                     "%s: %.3g Hz is beyond any EMG amplifier (is the record duration "
                     "damaged?); not analysed",
                     m->label, sig->sample_rate_hz);
        return EDX_ERR_UNSUPPORTED;
    }
    if (sig->sample_rate_hz < 10000.0)
        edx_diag_add(d, EDX_SEV_WARNING, "EMG-RATE", EDX_LOC_NONE,
                     "%s: %.0f Hz, below the 10 kHz expected: brief potentials lose detail",
                     m->label, sig->sample_rate_hz);
    return EDX_OK;
}

int emg_spont_analyse(edf_file *f, const study_muscle *m, const emg_options *opt,
                      emg_spont_result *out, edx_diags *d)
{
    if (!f || !m || !out)
        return EDX_ERR_INVALID;
    memset(out, 0, sizeof *out);
    out->fasc_complex_pct = NAN;
    out->fib_psw_grade = -1;
    emg_options def;
    if (!opt) {
        emg_options_default(&def);
        opt = &def;
    }
    const edf_signal *sig = edf_get_signal(f, m->signal);
    int rc = check_input(m, sig, d);
    if (rc)
        return rc;
    size_t cap = 2 * (m->n_epochs + m->n_sites) + 4;
    span *spans = malloc(cap * sizeof *spans);
    if (!spans)
        return EDX_ERR_NOMEM;
    size_t n_spans = rest_spans(m, opt->insertion_s, spans, cap);
    spont_ctx c = {0};
    c.opt = opt;
    c.m = m;
    c.d = d;
    c.res = out;
    c.fs_raw = sig->sample_rate_hz;
    out->is_rest_automatic = !m->has_activation_annotations;
    rc = ctx_init(&c);
    out->sample_rate_hz = c.fa;
    out->mains_hz = n_spans ? 0 : NAN; /* NAN: not looked for */
    if (!rc && n_spans)
        rc = find_mains(&c, f, &spans[0]);
    for (size_t i = 0; i < n_spans && !rc; i++) {
        rc = stream_span(&c, f, &spans[i]);
        emg_units_retire(&c.units, spans[i].b_s);
    }
    if (!rc) {
        double sd = c.n_sd ? median_of_copy(c.sd_hist, c.n_sd) : NAN;
        out->noise_uv = sd;
        emg_units_retire(&c.units, INFINITY);
        rc = emg_summarise(out, &c.units, m, spans, n_spans);
    }
    if (!rc && out->is_events_capped)
        edx_diag_add(d, EDX_SEV_WARNING, "EMG-EVENTS-CAPPED", EDX_LOC_NONE,
                     "%s: more than %zu discharges; the rest were not listed", m->label,
                     opt->max_events);
    ctx_free(&c);
    free(spans);
    if (rc)
        emg_spont_free(out);
    return rc;
}

void emg_spont_free(emg_spont_result *r)
{
    if (!r)
        return;
    free(r->events);
    free(r->trains);
    r->events = NULL;
    r->trains = NULL;
    r->n_events = r->n_trains = 0;
}
