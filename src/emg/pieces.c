/*
 * pieces.c - one generator's train found in pieces, joined again: pieces of
 * one rhythm (a small regular generator in noise) and pieces that follow
 * one another (a discharge whose amplitude waxes or wanes faster than a
 * train follows it), and the pieces of one myotonic run.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edx/common.h"
#include "emg/emg_internal.h"

/* ---- one rhythm in pieces -------------------------------------------------------------
 * In noise, a small regular generator's discharges may fall into several
 * trains of like shape. A reader joins such pieces when together they keep
 * one rhythm: trains of one site whose mean waveforms agree (first
 * polarity, phases within 1, duration within 1.5 ms, amplitude within
 * 30 %) are merged when the union is regular at the larger piece's rate
 * (within 15 %) [E]. A single fibre's potential keeps its shape from
 * discharge to discharge [S52], while a piece's mean waveform can carry
 * what its neighbours or the noise left in it (a small initial phase, a
 * longer tail): between fibrillation, PSW and unclassified trains the
 * typical discharges (typical_discharge, the measures of each discharge)
 * may agree instead. */
#define PIECE_MIN_N 3
#define PIECE_AMP 0.3
#define PIECE_DUR_MS 1.5
#define PIECE_RATE 0.15
#define PIECE_MAX_N 200 /* a piece is small; a long train stands on its own [E] */

static bool alike(const emg_features *a, const emg_features *b)
{
    return a->first_polarity == b->first_polarity && abs(a->phases - b->phases) <= 1 &&
           fabs(a->duration_ms - b->duration_ms) <= PIECE_DUR_MS &&
           fabs(a->amplitude_uv - b->amplitude_uv) <= PIECE_AMP * fmax(a->amplitude_uv,
                                                                         b->amplitude_uv);
}

void emg_rebuild_train(emg_spont_result *r, size_t k, double *times, float *amps)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].unit == k + 1) {
            times[n] = r->events[i].time_s;
            amps[n++] = r->events[i].amplitude_uv;
        }
    emg_train *t = &r->trains[k];
    emg_train_timing(times, amps, n, t);
    t->type = n ? emg_classify_train(t) : EMG_UNCLASSIFIED;
}

void emg_move_discharges(emg_spont_result *r, size_t from, size_t to)
{
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].unit == from + 1)
            r->events[i].unit = (uint32_t)(to + 1);
}

/* Train `from` joined to train `to`: its discharges move, it is left empty. */
static void absorb(emg_spont_result *r, size_t from, size_t to)
{
    emg_move_discharges(r, from, to);
    r->trains[from].n = 0;
    r->trains[from].type = EMG_UNCLASSIFIED;
}

/* The discharges found where they were due (is_due) are read in more noise
 * than the rest: the median is of the others, when there are any. */
double emg_train_median(const emg_spont_result *r, size_t k, emg_event_field what, double *v)
{
    size_t n = 0;
    for (int due = 0; due <= 1 && n == 0; due++)
        for (size_t i = 0; i < r->n_events; i++) {
            const emg_event *e = &r->events[i];
            if (e->unit == k + 1 && (due || !e->is_due))
                v[n++] = what == EMG_FIELD_DURATION ? e->duration_ms
                         : what == EMG_FIELD_PHASES ? e->phases
                                                    : e->amplitude_uv;
        }
    return emg_small_median(v, n);
}

size_t emg_train_times(const emg_spont_result *r, size_t k, double *times)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].unit == k + 1)
            times[n++] = r->events[i].time_s;
    return n;
}

/* Whether piece b falls into a's rhythm: each of its discharges lies 1..5
 * base intervals (within 15 %) from a's nearest, never closer than half a
 * base interval (binary search: O(n_b log n_a)). */
static bool fits_rhythm(const double *a, size_t na, const double *b, size_t nb, double base)
{
    size_t fit = 0;
    for (size_t i = 0; i < nb; i++) {
        size_t lo = edx_lower_bound(a, na, b[i]);
        double d = INFINITY;
        if (lo < na)
            d = fmin(d, a[lo] - b[i]);
        if (lo > 0)
            d = fmin(d, b[i] - a[lo - 1]);
        if (d < 0.5 * base)
            return false; /* two discharges of one generator this close: not one rhythm */
        double k = floor(d / base + 0.5);
        fit += k >= 1 && k <= 5 && fabs(d - k * base) <= PIECE_RATE * base;
    }
    return (double)fit >= 0.75 * (double)nb;
}

/* A train others may join: its discharge times, and its typical discharge
 * once asked for (typical_discharge). */
typedef struct join_host {
    size_t k;
    const double *times;
    size_t n;
    emg_features typical;
    bool has_typical;
    const emg_features *shape; /* the mean waveform the union takes, or NULL: its own */
} join_host;

emg_features emg_typical_discharge(const emg_spont_result *r, size_t k, double *scratch)
{
    emg_features f = {0};
    int polarity = 0;
    size_t n = 0, up = 0;
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].unit == k + 1) {
            polarity += r->events[i].first_polarity;
            up += r->events[i].main_sign > 0;
            n++;
        }
    f.first_polarity = polarity > 0 ? 1 : polarity < 0 ? -1 : 0;
    f.main_sign = 2 * up > n ? 1 : -1;
    f.amplitude_uv = emg_train_median(r, k, EMG_FIELD_AMPLITUDE, scratch);
    f.duration_ms = emg_train_median(r, k, EMG_FIELD_DURATION, scratch);
    f.phases = (int)lround(emg_train_median(r, k, EMG_FIELD_PHASES, scratch));
    /* what only a mean waveform shows */
    f.rise_time_ms = f.area_uv_ms = f.after_peak_ms = NAN;
    f.onset_ms = f.end_ms = NAN;
    f.max_pos_uv = f.max_neg_uv = NAN;
    return f;
}

/* Whether train b's typical discharge agrees with the host's (alike); the
 * host's is worked out once. scratch: room for n_events. */
static bool typical_alike(const emg_spont_result *r, join_host *h, size_t b, double *scratch)
{
    if (!h->has_typical) {
        h->typical = emg_typical_discharge(r, h->k, scratch);
        h->has_typical = true;
    }
    emg_features fb = emg_typical_discharge(r, b, scratch);
    return alike(&h->typical, &fb);
}

/* Whether train b joins the host; piece and scratch: room for n_events. */
typedef bool (*join_fits)(const emg_spont_result *r, join_host *h, size_t b, double *piece,
                          double *scratch);

/* Each train that is_host admits takes every smaller train of its site
 * (no voluntary MUP train) that `fits`, and is timed and classified again. */
static int join_into_hosts(emg_spont_result *r, bool (*is_host)(const emg_train *), join_fits fits)
{
    double *times = malloc((r->n_events + 1) * sizeof *times);
    double *piece = malloc((r->n_events + 1) * sizeof *piece);
    double *scratch = malloc((r->n_events + 1) * sizeof *scratch);
    float *amps = malloc((r->n_events + 1) * sizeof *amps);
    int rc = times && piece && scratch && amps ? EDX_OK : EDX_ERR_NOMEM;
    for (size_t a = 0; !rc && a < r->n_trains; a++) {
        const emg_train *ta = &r->trains[a];
        if (!is_host(ta))
            continue;
        join_host h = {.k = a, .times = times, .n = emg_train_times(r, a, times)};
        size_t joined = 0;
        for (size_t b = 0; b < r->n_trains; b++) {
            const emg_train *tb = &r->trains[b];
            if (b == a || tb->n == 0 || tb->n > ta->n || tb->site != ta->site ||
                tb->type == EMG_MUP || !fits(r, &h, b, piece, scratch))
                continue;
            absorb(r, b, a);
            joined++;
        }
        if (h.shape)
            r->trains[a].shape = *h.shape;
        if (joined)
            emg_rebuild_train(r, a, piece, amps);
    }
    free(times);
    free(piece);
    free(scratch);
    free(amps);
    return rc;
}

/* A fibrillation or PSW train (or, with unplaced, one without a class). */
static bool is_fibre(const emg_train *t)
{
    return t->type == EMG_FIBRILLATION || t->type == EMG_PSW;
}

static bool is_fibre_or_unplaced(const emg_train *t)
{
    return is_fibre(t) || t->type == EMG_UNCLASSIFIED;
}

static bool keeps_a_rhythm(const emg_train *t)
{
    return t->n >= PIECE_MIN_N && t->rate_hz > 0 && t->type != EMG_MUP &&
           t->regular_fraction >= 0.75;
}

static bool piece_of_rhythm(const emg_spont_result *r, join_host *h, size_t b, double *piece,
                            double *scratch)
{
    const emg_train *ta = &r->trains[h->k], *tb = &r->trains[b];
    if (tb->n > PIECE_MAX_N)
        return false;
    bool by_discharges = !alike(&ta->shape, &tb->shape);
    if (by_discharges && !(tb->n >= PIECE_MIN_N && is_fibre_or_unplaced(ta) &&
                           is_fibre_or_unplaced(tb) && typical_alike(r, h, b, scratch)))
        return false;
    size_t nb = emg_train_times(r, b, piece);
    if (!fits_rhythm(h->times, h->n, piece, nb, 1.0 / ta->rate_hz))
        return false;
    /* the one mean of the two that shows the fibre's class is the one no
     * neighbour changed: the union takes it */
    if (by_discharges && ta->type == EMG_UNCLASSIFIED && is_fibre(tb) && !h->shape)
        h->shape = &tb->shape;
    return true;
}

static int join_rhythms(emg_spont_result *r)
{
    return join_into_hosts(r, keeps_a_rhythm, piece_of_rhythm);
}

/* ---- one discharge in sequels -------------------------------------------------------
 * A generator whose amplitude changes faster than a train's mean follows
 * (a myotonic discharge waning, a neuromyotonic one) continues as a new
 * train. A reader sees one discharge: pieces of one site are joined when
 * the later starts where the earlier stops (the gap between them within
 * SEQUEL_GAP of the intervals at the junction, never closer than half of
 * one), their mean waveforms agree but for amplitude (first polarity,
 * phases within 1, duration within 1.5 ms), and the amplitude runs on
 * across the junction (the last discharges of the one and the first of
 * the next within 0.6..1.6 of each other) [E]. */
#define SEQUEL_MIN_N 3
#define SEQUEL_GAP 2.5
#define SEQUEL_AMP_LO 0.6
#define SEQUEL_AMP_HI 1.6
#define SEQUEL_EDGE 3 /* discharges at each side of the junction [E] */

static bool alike_but_size(const emg_features *a, const emg_features *b)
{
    return a->first_polarity == b->first_polarity && abs(a->phases - b->phases) <= 1 &&
           fabs(a->duration_ms - b->duration_ms) <= PIECE_DUR_MS;
}

/* Median amplitude and interval of the first and of the last SEQUEL_EDGE
 * discharges of a train. */
typedef struct edge {
    double amp_uv, idi_s;
} edge;

typedef struct edge_acc {
    double a[SEQUEL_EDGE], d[SEQUEL_EDGE], prev_s;
    size_t na, nd;
} edge_acc;

static void edge_add(edge_acc *e, double amp_uv, double t_s)
{
    if (e->na == SEQUEL_EDGE)
        return;
    e->a[e->na++] = amp_uv;
    if (e->na > 1)
        e->d[e->nd++] = fabs(t_s - e->prev_s);
    e->prev_s = t_s;
}

static edge edge_done(edge_acc *e)
{
    return (edge){emg_small_median(e->a, e->na), emg_small_median(e->d, e->nd)};
}

/* Edges of every train in two passes over the events (forward, backward). */
static int edges_of(const emg_spont_result *r, edge *first, edge *last)
{
    edge_acc *acc = calloc(r->n_trains + 1, sizeof *acc);
    if (!acc)
        return EDX_ERR_NOMEM;
    for (size_t i = 0; i < r->n_events; i++)
        edge_add(&acc[r->events[i].unit - 1], r->events[i].amplitude_uv, r->events[i].time_s);
    for (size_t k = 0; k < r->n_trains; k++) {
        first[k] = edge_done(&acc[k]);
        acc[k] = (edge_acc){0};
    }
    for (size_t i = r->n_events; i-- > 0;)
        edge_add(&acc[r->events[i].unit - 1], r->events[i].amplitude_uv, r->events[i].time_s);
    for (size_t k = 0; k < r->n_trains; k++)
        last[k] = edge_done(&acc[k]);
    free(acc);
    return EDX_OK;
}

static bool is_sequel(const emg_spont_result *r, size_t a, size_t b, const edge *ea,
                      const edge *eb)
{
    const emg_train *ta = &r->trains[a], *tb = &r->trains[b];
    if (tb->n < SEQUEL_MIN_N || tb->site != ta->site || !(tb->first_s > ta->last_s) ||
        !alike_but_size(&ta->shape, &tb->shape))
        return false;
    double gap = tb->first_s - ta->last_s, ratio = eb->amp_uv / ea->amp_uv;
    return isfinite(ea->idi_s) && isfinite(eb->idi_s) &&
           gap <= SEQUEL_GAP * fmax(ea->idi_s, eb->idi_s) &&
           gap >= 0.5 * fmin(ea->idi_s, eb->idi_s) && ratio >= SEQUEL_AMP_LO &&
           ratio <= SEQUEL_AMP_HI;
}

static int join_sequels(emg_spont_result *r)
{
    size_t nt = r->n_trains + 1;
    double *times = malloc((r->n_events + 1) * sizeof *times);
    float *amps = malloc((r->n_events + 1) * sizeof *amps);
    edge *first = malloc(nt * sizeof *first), *last = malloc(nt * sizeof *last);
    int rc = times && amps && first && last ? edges_of(r, first, last) : EDX_ERR_NOMEM;
    for (size_t a = 0; !rc && a < r->n_trains; a++) {
        if (r->trains[a].n < SEQUEL_MIN_N)
            continue;
        for (bool grew = true; grew;) { /* a chain of sequels: follow it */
            grew = false;
            for (size_t b = 0; b < r->n_trains && !grew; b++) {
                if (b == a || !is_sequel(r, a, b, &last[a], &first[b]))
                    continue;
                absorb(r, b, a);
                last[a] = last[b]; /* b followed a: its end is the end now */
                emg_rebuild_train(r, a, times, amps);
                grew = true;
            }
        }
    }
    free(times);
    free(amps);
    free(first);
    free(last);
    return rc;
}

/* ---- a fibre's discharge matched elsewhere -------------------------------------------
 * A fibrillating fibre fires regularly [S51, S52]: where its train misses
 * discharges (neighbours a whole number of intervals apart, up to
 * trains.c's MAX_MULTIPLE) and a discharge of another train of its site
 * lies where one is due (whole intervals from both neighbours, each within
 * 12 % of the interval, as split.c's GAP_TOLERANCE), of the fibre's size
 * within a factor two, that discharge is the fibre's, its waveform changed
 * by noise or by another potential on top so that it matched elsewhere
 * [E]. A CRD fires as rigidly [S46, S52], and its complex changes
 * configuration abruptly [S46]: a discharge whose peak fell on another of
 * its phases matches elsewhere, often alone, as a "fasciculation" of the
 * CRD's size where its discharge is due. Only trains without a class of
 * their own give discharges up (unclassified, end-plate spikes; to a CRD
 * also fasciculations), and only those too sparse to put one where a
 * discharge is due by chance more than one time in ten [E]. */
#define FILL_TOL 0.12
#define FILL_AMP 2.0
#define FILL_CHANCE 0.1
#define FILL_MAX_MULTIPLE 6

static bool keeps_rhythm(const emg_train *t)
{
    return (t->type == EMG_FIBRILLATION || t->type == EMG_PSW || t->type == EMG_CRD) &&
           t->regular_fraction >= 0.9 && t->rate_hz > 0;
}

/* Whether train b may give train a (interval base) discharges. */
static bool may_give(const emg_train *a, const emg_train *b, double base)
{
    bool unplaced = b->type == EMG_UNCLASSIFIED || b->type == EMG_END_PLATE ||
                    (a->type == EMG_CRD && b->type == EMG_FASCICULATION);
    if (b == a || b->n == 0 || b->site != a->site || !unplaced)
        return false;
    double span_s = b->last_s - b->first_s;
    double rate = b->n >= 2 && span_s > 0 ? (double)(b->n - 1) / span_s : 0;
    return rate * 2.0 * FILL_TOL * base <= FILL_CHANCE;
}

/* Where t falls in a gap of a[0..n) (interval base) where a discharge is
 * due: the discharge after the gap times FILL_MAX_MULTIPLE plus the missed
 * discharge's place in it (1..), or 0 when none is due there. */
static size_t due_slot(const double *a, size_t n, double base, double t)
{
    size_t lo = edx_lower_bound(a, n, t);
    if (lo == 0 || lo == n)
        return 0;
    double tol = FILL_TOL * base, gap = a[lo] - a[lo - 1];
    double m = floor(gap / base + 0.5), j = floor((t - a[lo - 1]) / base + 0.5);
    bool due = m >= 2 && m <= FILL_MAX_MULTIPLE && j >= 1 && j < m && fabs(gap - m * base) <= tol &&
               fabs(t - a[lo - 1] - j * base) <= tol && fabs(a[lo] - t - (m - j) * base) <= tol;
    return due ? lo * FILL_MAX_MULTIPLE + (size_t)j : 0;
}

/* Moves to rhythmic train a the discharges of other trains where its
 * missed ones are due, one each, setting gave[] of the trains they left;
 * how many. times: a's; used: room for FILL_MAX_MULTIPLE flags per
 * discharge of a. */
static size_t fill_train(emg_spont_result *r, size_t a, const double *times, size_t na,
                         unsigned char *used, unsigned char *gave)
{
    const emg_train *ta = &r->trains[a];
    double base = 1.0 / ta->rate_hz, amp = ta->shape.amplitude_uv;
    size_t moved = 0;
    for (size_t i = 0; i < na * FILL_MAX_MULTIPLE; i++)
        used[i] = 0;
    for (size_t i = 0; i < r->n_events; i++) {
        emg_event *e = &r->events[i];
        if (e->unit == a + 1 || !may_give(ta, &r->trains[e->unit - 1], base) ||
            !(e->amplitude_uv * FILL_AMP >= amp && e->amplitude_uv <= FILL_AMP * amp))
            continue;
        size_t g = due_slot(times, na, base, e->time_s);
        if (g == 0 || used[g])
            continue;
        used[g] = 1;
        gave[e->unit - 1] = 1;
        e->unit = (uint32_t)(a + 1);
        moved++;
    }
    return moved;
}

static int fill_gaps(emg_spont_result *r)
{
    double *times = malloc((r->n_events + 1) * sizeof *times);
    float *amps = malloc((r->n_events + 1) * sizeof *amps);
    unsigned char *used = malloc((r->n_events + 1) * FILL_MAX_MULTIPLE);
    unsigned char *gave = calloc(r->n_trains + 1, 1);
    int rc = times && amps && used && gave ? EDX_OK : EDX_ERR_NOMEM;
    for (size_t a = 0; !rc && a < r->n_trains; a++) {
        if (!keeps_rhythm(&r->trains[a]))
            continue;
        size_t na = emg_train_times(r, a, times);
        if (fill_train(r, a, times, na, used, gave) == 0)
            continue;
        gave[a] = 1;
        for (size_t k = 0; k < r->n_trains; k++) /* a and the trains that gave */
            if (gave[k]) {
                emg_rebuild_train(r, k, times, amps);
                gave[k] = 0;
            }
    }
    free(times), free(amps), free(used), free(gave);
    return rc;
}

/* ---- a myotonic run in pieces --------------------------------------------------------
 * A myotonic discharge's amplitude waxes and wanes within one run [S45]
 * faster than template matching follows it: the run's small first and last
 * discharges fall into trains of their own, and the middle left in one
 * train swings too little in rate and size to show the waxing and waning.
 * A reader sees one run: at one site, discharges of one shape but not one
 * size whose intervals change gradually throughout. So a train firing as
 * a gradual run (emg_is_gradual_run) takes the trains of its shape but
 * not its size that lie within its run, give or take RUN_REACH_S, each
 * one only if the run stays gradual with it; the whole stands when it is
 * a myotonic train, as the middle alone was not [E].
 * The same holds when the train that waxed and waned is myotonic already
 * and a stretch of its run went to a train of its own: a steady middle,
 * regular at one rate, reads as a complex repetitive discharge alone
 * ("uniform frequency" [S46]), or another stretch reads as a myotonic
 * discharge of its own. Within the run's span and in step with its
 * gradual change (a complex repetitive discharge keeps its rate rigidly
 * and stops abruptly [S46, S52]: it does not fall in step with a run
 * that waxes and wanes), it is the run's [E; simulator: the middle of a
 * myotonic run 105 Hz and 140 uV, its ends 85 Hz and 80 uV in another
 * train, the run read as two]. */
#define RUN_REACH_S 0.5
/* ... and a piece is of the run when its discharges fall in step: the
 * intervals beside each (and those beside them) change from one to the
 * next by less than twice trains.c's MYOTONIC_JITTER (15 %), for two of
 * three of its discharges at least; a stray discharge of the shape halves
 * an interval of the run [E]. */
#define RUN_STEP 0.3
#define RUN_IN_STEP 0.67

/* A train a run's other pieces may join: one whose class the run's
 * waxing and waning has not shown yet, or a myotonic one. */
static bool may_hold_run(const emg_train *t)
{
    return t->n > 0 &&
           (t->type == EMG_UNCLASSIFIED || t->type == EMG_MUP || t->type == EMG_END_PLATE ||
            t->type == EMG_FASCICULATION || t->type == EMG_MYOTONIC);
}

/* A train that may be a piece of a run: as a host, or a steady stretch
 * read as a complex repetitive discharge. */
static bool may_be_run_piece(const emg_train *t)
{
    return may_hold_run(t) || (t->n > 0 && t->type == EMG_CRD);
}

/* Room to time a union of trains: the times, amplitudes and trains of
 * its discharges, and a flag per train (in the union or not). */
typedef struct union_work {
    double *times;
    float *amps;
    uint32_t *unit;
    unsigned char *in;
} union_work;

static int union_work_init(union_work *w, const emg_spont_result *r)
{
    w->times = malloc((r->n_events + 1) * sizeof *w->times);
    w->amps = malloc((r->n_events + 1) * sizeof *w->amps);
    w->unit = malloc((r->n_events + 1) * sizeof *w->unit);
    w->in = malloc(r->n_trains + 1);
    return w->times && w->amps && w->unit && w->in ? EDX_OK : EDX_ERR_NOMEM;
}

static void union_work_free(union_work *w)
{
    free(w->times), free(w->amps), free(w->unit), free(w->in);
}

/* Timing of the union of the trains flagged in w->in, into u (shape
 * kept); returns its discharges, listed in w. */
static size_t time_union(const emg_spont_result *r, union_work *w, emg_train *u)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_events; i++)
        if (w->in[r->events[i].unit - 1]) {
            w->times[n] = r->events[i].time_s;
            w->unit[n] = r->events[i].unit;
            w->amps[n++] = r->events[i].amplitude_uv;
        }
    emg_train_timing(w->times, w->amps, n, u);
    return n;
}

/* Whether most discharges of train b fall in step in times[0..n) (the
 * union, sorted), their trains in unit[0..n). */
static bool in_step(const double *times, const uint32_t *unit, size_t n, size_t b)
{
    size_t own = 0, ok = 0;
    for (size_t j = 0; j < n; j++) {
        if (unit[j] != b + 1)
            continue;
        own++;
        bool step = true; /* each pair of intervals that has one beside j */
        for (size_t i = j >= 2 ? j - 2 : 0; i + 2 < n && i <= j && step; i++) {
            double d0 = times[i + 1] - times[i], d1 = times[i + 2] - times[i + 1];
            step = d0 > 0 && d1 > 0 && fabs(log(d1 / d0)) < RUN_STEP;
        }
        ok += step;
    }
    return own > 0 && (double)ok >= RUN_IN_STEP * (double)own;
}

/* Train a takes every train flagged in w->in; u: the union's timing and
 * class. */
static void absorb_union(emg_spont_result *r, const union_work *w, size_t a, const emg_train *u)
{
    for (size_t b = 0; b < r->n_trains; b++)
        if (w->in[b] && b != a)
            absorb(r, b, a);
    r->trains[a] = *u;
}

/* Gathers the pieces of train a's run into w->in; whether the whole is a
 * myotonic train (u: its timing and class). */
static bool gather_run(const emg_spont_result *r, size_t a, union_work *w, emg_train *u)
{
    const emg_train *ta = &r->trains[a];
    size_t taken = 0;
    memset(w->in, 0, r->n_trains);
    w->in[a] = 1;
    for (size_t b = 0; b < r->n_trains; b++) {
        const emg_train *tb = &r->trains[b];
        if (b == a || !may_be_run_piece(tb) || tb->site != ta->site ||
            !alike_but_size(&ta->shape, &tb->shape) || tb->first_s < ta->first_s - RUN_REACH_S ||
            tb->last_s > ta->last_s + RUN_REACH_S)
            continue;
        w->in[b] = 1;
        *u = *ta;
        size_t n = time_union(r, w, u);
        if (emg_is_gradual_run(u) && in_step(w->times, w->unit, n, b))
            taken++;
        else
            w->in[b] = 0;
    }
    if (taken == 0)
        return false;
    *u = *ta;
    time_union(r, w, u);
    u->type = emg_classify_train(u);
    return u->type == EMG_MYOTONIC;
}

static int join_runs(emg_spont_result *r)
{
    union_work w;
    int rc = union_work_init(&w, r);
    for (size_t a = 0; !rc && a < r->n_trains; a++) {
        emg_train u;
        if (r->trains[a].n >= SEQUEL_MIN_N && may_hold_run(&r->trains[a]) &&
            emg_is_gradual_run(&r->trains[a]) && gather_run(r, a, &w, &u))
            absorb_union(r, &w, a, &u);
    }
    union_work_free(&w);
    return rc;
}

/* ---- one unit's bursts in pieces ------------------------------------------------------
 * A myokymic unit fires bursts of a few identical potentials [S43], each
 * within EMG_BURST_GAP_S of the next. Within a burst the discharges overlap
 * one another's tails, and part of them may form a train of their own,
 * whose discharges then look like isolated fasciculations. A reader sees
 * one unit: a train of one site whose typical discharge agrees with a
 * myokymic train's (alike) and whose discharges, three or more, nearly all
 * fall within a burst gap of that train's is that train's [E]. */
#define BURST_JOIN_MIN_N 3
#define BURST_JOIN_SHARE 0.8

/* Share of b[0..nb) within EMG_BURST_GAP_S of a discharge of a[0..na). */
static double share_in_bursts(const double *a, size_t na, const double *b, size_t nb)
{
    size_t in = 0;
    for (size_t i = 0; i < nb; i++) {
        size_t k = edx_lower_bound(a, na, b[i]);
        double d = k < na ? a[k] - b[i] : INFINITY;
        if (k > 0)
            d = fmin(d, b[i] - a[k - 1]);
        in += d < EMG_BURST_GAP_S;
    }
    return nb ? (double)in / (double)nb : 0;
}

static bool is_myokymic(const emg_train *t)
{
    return t->type == EMG_MYOKYMIC;
}

static bool piece_of_bursts(const emg_spont_result *r, join_host *h, size_t b, double *piece,
                            double *scratch)
{
    if (r->trains[b].n < BURST_JOIN_MIN_N || !typical_alike(r, h, b, scratch))
        return false;
    size_t nb = emg_train_times(r, b, piece);
    return share_in_bursts(h->times, h->n, piece, nb) >= BURST_JOIN_SHARE;
}

static int join_bursts(emg_spont_result *r)
{
    return join_into_hosts(r, is_myokymic, piece_of_bursts);
}

/* ---- one unit's bursts in two trains --------------------------------------------------
 * A unit whose potential has two peaks of about one size is lined up on
 * either, whichever the noise made the larger, and its discharges can go
 * to two trains of one shape and size: each holds some of its bursts, or
 * part of each, and neither shows bursts recurring as myokymic ones do
 * [S43]. Two trains of one site, alike (as above), whose spans overlap and
 * which both have discharges in bursts are one unit when together they
 * are a myokymic train; two units fasciculating at random do not form
 * recurring bursts together [E; simulator: a myokymic unit's bursts of 2-3
 * discharges at 30 Hz every 1.2-1.6 s, lined up on one or the other of two
 * troughs 1.8 ms apart, read as two fasciculating units]. */
static bool may_be_burst_half(const emg_train *t)
{
    return t->n >= 2 && t->n_bursts >= 1 &&
           (t->type == EMG_FASCICULATION || t->type == EMG_UNCLASSIFIED);
}

/* Whether b may be train a's other half (its bursts' other discharges). */
static bool other_half(const emg_train *a, const emg_train *b)
{
    return may_be_burst_half(b) && b->site == a->site && alike(&a->shape, &b->shape) &&
           b->first_s <= a->last_s && b->last_s >= a->first_s;
}

/* Joins to train a every train whose union with it is a myokymic train. */
static void join_halves_of(emg_spont_result *r, size_t a, union_work *w)
{
    emg_train u;
    size_t taken = 0;
    memset(w->in, 0, r->n_trains);
    w->in[a] = 1;
    for (size_t b = 0; b < r->n_trains; b++) {
        if (b == a || !other_half(&r->trains[a], &r->trains[b]))
            continue;
        w->in[b] = 1;
        u = r->trains[a];
        time_union(r, w, &u);
        w->in[b] = emg_classify_train(&u) == EMG_MYOKYMIC;
        taken += w->in[b];
    }
    if (taken == 0)
        return;
    u = r->trains[a];
    time_union(r, w, &u);
    u.type = emg_classify_train(&u);
    absorb_union(r, w, a, &u);
}

static int join_burst_halves(emg_spont_result *r)
{
    union_work w;
    int rc = union_work_init(&w, r);
    for (size_t a = 0; !rc && a < r->n_trains; a++)
        if (may_be_burst_half(&r->trains[a]))
            join_halves_of(r, a, &w);
    union_work_free(&w);
    return rc;
}

int emg_join_pieces(emg_spont_result *r)
{
    int rc = join_rhythms(r);
    if (!rc)
        rc = join_sequels(r);
    if (!rc)
        rc = join_runs(r);
    if (!rc)
        rc = join_burst_halves(r);
    if (!rc)
        rc = join_bursts(r);
    return rc ? rc : fill_gaps(r);
}
