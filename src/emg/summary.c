/*
 * summary.c - from trains to what the findings report per muscle: each
 * train's class (trains.c) given to its discharges, rest found without
 * annotations, counts, fasciculating units, the fibrillation / PSW grade
 * (clinical.md 1.2), and the events table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emg/emg_internal.h"

/* A train needs 10 discharges of one template to count as sustained for
 * grading, so that insertional activity is not graded (clinical.md 1.2). */
#define SUSTAINED_N 10
/* Voluntary trains cover their span plus this margin (automatic rest) [E]. */
#define VOLUNTARY_MARGIN_S 0.25

static const char *const type_names[EMG_TYPE_COUNT] = {
    [EMG_UNCLASSIFIED] = "unclassified", [EMG_FIBRILLATION] = "fibrillation",
    [EMG_PSW] = "positive_sharp_wave",   [EMG_FASCICULATION] = "fasciculation",
    [EMG_CRD] = "complex_repetitive",    [EMG_MYOTONIC] = "myotonic",
    [EMG_MYOKYMIC] = "myokymic",         [EMG_NEUROMYOTONIC] = "neuromyotonic",
    [EMG_END_PLATE] = "end_plate",       [EMG_MUP] = "mup",
};

const char *emg_type_name(emg_type t)
{
    return (unsigned)t < EMG_TYPE_COUNT ? type_names[t] : "unclassified";
}

/* ---- trains ---------------------------------------------------------------------- */

/* ---- time-locked components ---------------------------------------------------------
 * A train whose every discharge follows or precedes one of a larger train's
 * at a fixed lag is part of that generator's discharge - another fibre of a
 * CRD complex, a satellite, a late phase - not a generator of its own
 * (clinical.md 2.1 "time-locked"; CRD "identical from cycle to cycle" [S46]).
 * Fixed: 80 % of its discharges within 15 ms of the larger train's at a lag
 * whose SD is below 0.5 ms [E]; to a CRD, the lag to the complex before (or
 * after) each discharge may be the fixed one, as a fibre halfway through a
 * fast CRD's cycle lies as near the next complex as its own [E; simulator,
 * 60 Hz mains, seeds 1-4: 125 false CRD discharges of one such fibre, none
 * after]. */
#define LOCK_WINDOW_S 0.015
#define LOCK_SHARE 0.8
#define LOCK_SD_S 0.0005
/* A single fibre's potential lasts 1-5 ms [S52]: a lesser phase of one
 * detected on its own lies within that (and 2 ms of measuring allowance,
 * trains.c) of the main phase, at a lag that jitters as its timing is read
 * off a small deflection in noise. A train of smaller potentials 80 % of
 * whose discharges lie that close to a larger train's is part of it, when
 * independent firing would bring fewer than half as many that close [E]. */
#define PHASE_WINDOW_S 0.007
#define PHASE_CHANCE 0.5

/* SD of n lags from their sum s and sum of squares s2 (INFINITY: none). */
static double lag_sd(double s, double s2, size_t n)
{
    if (n == 0)
        return INFINITY;
    double mean = s / (double)n;
    return sqrt(fmax(s2 / (double)n - mean * mean, 0));
}

/* Discharges of b[0..nb) within window_s of one of a[0..na) (both
 * sorted); *lag_sd_s: SD of their lags. */
static size_t near_hits(const double *b, size_t nb, const double *a, size_t na, double window_s,
                        double *lag_sd_s)
{
    size_t j = 0, hits = 0;
    double s = 0, s2 = 0;
    for (size_t i = 0; i < nb; i++) {
        while (j + 1 < na && fabs(a[j + 1] - b[i]) <= fabs(a[j] - b[i]))
            j++;
        double lag = b[i] - a[j];
        if (fabs(lag) <= window_s) {
            hits++;
            s += lag;
            s2 += lag * lag;
        }
    }
    *lag_sd_s = lag_sd(s, s2, hits);
    return hits;
}

/* Discharges of b[0..nb) with one of a[0..na) within window_s before them
 * (side < 0) or after them (side > 0); *lag_sd_s: SD of those lags. */
static size_t side_hits(const double *b, size_t nb, const double *a, size_t na, double window_s,
                        int side, double *lag_sd_s)
{
    size_t hits = 0;
    double s = 0, s2 = 0;
    for (size_t i = 0; i < nb; i++) {
        size_t j = edx_lower_bound(a, na, b[i]); /* a[j] >= b[i] */
        if (side < 0 ? j == 0 : j == na)
            continue;
        double lag = side < 0 ? b[i] - a[j - 1] : a[j] - b[i];
        if (lag <= window_s) {
            hits++;
            s += lag;
            s2 += lag * lag;
        }
    }
    *lag_sd_s = lag_sd(s, s2, hits);
    return hits;
}

/* hits of nb discharges at a lag of SD sd: LOCK_SHARE of them, 5 at least. */
static bool fixed_lag(size_t hits, size_t nb, double sd)
{
    return (double)hits >= LOCK_SHARE * (double)nb && hits >= 5 && sd < LOCK_SD_S;
}

/* Locked: at a fixed lag to the nearest of a's discharges, or to the one
 * before or after each (a component halfway through a fast CRD's cycle is
 * as near the next complex as its own, and the nearest then alternates). */
static bool is_locked(const double *b, size_t nb, const double *a, size_t na, bool a_is_crd)
{
    double sd;
    size_t hits = near_hits(b, nb, a, na, LOCK_WINDOW_S, &sd);
    bool locked = fixed_lag(hits, nb, sd);
    for (int side = -1; a_is_crd && !locked && side <= 1; side += 2) {
        hits = side_hits(b, nb, a, na, LOCK_WINDOW_S, side, &sd);
        locked = fixed_lag(hits, nb, sd);
    }
    return locked;
}

/* Whether single-fibre train b (times tb[0..nb)) is a lesser phase of the
 * potentials of train a (ta[0..na)). */
static bool is_lesser_phase(const emg_train *b, const double *tb, size_t nb, const emg_train *a,
                            const double *ta, size_t na)
{
    const emg_features *fb = &b->shape;
    if (nb < 5 || na < 2 || fb->amplitude_uv >= a->shape.amplitude_uv ||
        emg_is_mup_sized(fb->amplitude_uv, fb->duration_ms, fb->phases, fb->first_polarity))
        return false;
    double sd, span_s = ta[na - 1] - ta[0];
    size_t hits = near_hits(tb, nb, ta, na, PHASE_WINDOW_S, &sd);
    double chance = span_s > 0 ? fmin(1.0, 2.0 * PHASE_WINDOW_S * (double)na / span_s) : 1.0;
    return (double)hits >= LOCK_SHARE * (double)nb &&
           chance * (double)nb < PHASE_CHANCE * (double)hits;
}

/* Marks in locked_to[k] the train each locked train belongs to (0: none). */
static void link_locked(const emg_spont_result *r, const size_t *off, const double *times,
                        uint32_t *locked_to)
{
    for (size_t k = 0; k < r->n_trains; k++) {
        const emg_train *b = &r->trains[k];
        size_t nb = off[k + 1] - off[k];
        for (size_t j = 0; nb >= 5 && j < r->n_trains && !locked_to[k]; j++) {
            const emg_train *a = &r->trains[j];
            size_t na = off[j + 1] - off[j];
            bool bigger = na > nb || (na == nb && a->shape.amplitude_uv > b->shape.amplitude_uv);
            if (j == k || a->site != b->site || !bigger || locked_to[j] == b->unit)
                continue;
            if (is_locked(times + off[k], nb, times + off[j], na, a->type == EMG_CRD) ||
                is_lesser_phase(b, times + off[k], nb, a, times + off[j], na))
                locked_to[k] = a->unit;
        }
    }
}

/* Removes the discharges of locked trains: they are parts of another's. */
static void drop_locked(emg_spont_result *r, const uint32_t *locked_to)
{
    size_t keep = 0;
    for (size_t i = 0; i < r->n_events; i++)
        if (!locked_to[r->events[i].unit - 1])
            r->events[keep++] = r->events[i];
    r->n_events = keep;
    for (size_t k = 0; k < r->n_trains; k++)
        if (locked_to[k]) {
            r->trains[k].n = 0;
            r->trains[k].type = EMG_UNCLASSIFIED;
        }
}

int emg_drop_locked(emg_spont_result *r)
{
    size_t nt = r->n_trains, ne = r->n_events;
    size_t *off = calloc(nt + 2, sizeof *off);
    double *times = malloc((ne ? ne : 1) * sizeof *times);
    uint32_t *locked_to = calloc(nt ? nt : 1, sizeof *locked_to);
    int rc = off && times && locked_to ? EDX_OK : EDX_ERR_NOMEM;
    for (size_t i = 0; !rc && i < ne; i++)
        off[r->events[i].unit + 1]++; /* ids start at 1: off[id + 1] counts unit id */
    for (size_t k = 1; !rc && k <= nt + 1; k++)
        off[k] += off[k - 1]; /* train k (unit k + 1) starts at off[k + 1] */
    for (size_t i = 0; !rc && i < ne; i++)
        times[off[r->events[i].unit]++] = r->events[i].time_s; /* events sorted by time */
    if (!rc) { /* the fill moved each start to the next train's: off[k] starts train k */
        link_locked(r, off, times, locked_to);
        drop_locked(r, locked_to);
    }
    free(off);
    free(times);
    free(locked_to);
    return rc;
}

static int build_trains(emg_spont_result *r, const emg_units *u)
{
    size_t nu = u->n_rec, ne = r->n_events;
    r->trains = calloc(nu ? nu : 1, sizeof *r->trains);
    size_t *off = calloc(nu + 1, sizeof *off);
    double *times = malloc((ne ? ne : 1) * sizeof *times);
    float *amps = malloc((ne ? ne : 1) * sizeof *amps);
    size_t *fill = calloc(nu + 1, sizeof *fill);
    int rc = (!r->trains || !off || !times || !amps || !fill) ? EDX_ERR_NOMEM : EDX_OK;
    for (size_t i = 0; !rc && i < ne; i++)
        off[r->events[i].unit]++; /* ids start at 1: off[id] counts unit id */
    for (size_t k = 1; !rc && k <= nu; k++)
        off[k] += off[k - 1];     /* off[id] = end of unit id; start = off[id - 1] */
    for (size_t i = 0; !rc && i < ne; i++) {
        size_t id = r->events[i].unit, at = off[id - 1] + fill[id]++;
        times[at] = r->events[i].time_s;
        amps[at] = r->events[i].amplitude_uv;
    }
    for (size_t k = 0; !rc && k < nu; k++) {
        emg_train *t = &r->trains[k];
        t->unit = u->rec[k].id;
        t->site = u->rec[k].site;
        t->shape = u->rec[k].shape;
        size_t a = off[k], n = off[k + 1] - off[k];
        emg_train_timing(times + a, amps + a, n, t);
        t->type = n ? emg_classify_train(t) : EMG_UNCLASSIFIED;
    }
    if (!rc)
        r->n_trains = nu;
    free(off);
    free(times);
    free(amps);
    free(fill);
    return rc ? rc : emg_drop_locked(r);
}

/* ---- rest ------------------------------------------------------------------------- */

static double overlap(double a0, double a1, double b0, double b1)
{
    return fmax(0, fmin(a1, b1) - fmax(a0, b0));
}

/* ---- voluntary segments -------------------------------------------------------------
 * A voluntary motor unit fires in sustained runs at recruitment rates
 * (clinical.md 1.3, [S54]): runs of 5 or more discharges < 250 ms apart.
 * Its discharges outside such runs are isolated discharges at rest - the
 * same unit fasciculating, as the first recruited units do in ALS [S30] -
 * and are called fasciculations when the unit is MUP-sized. Without
 * activation annotations, the runs (plus a margin) are not rest
 * (EMG_RUN_GAP_S, EMG_RUN_MIN_N). */

typedef struct seg_state {
    double start_s, last_s;
    size_t first, n; /* index of the run's first event, discharges */
} seg_state;

typedef struct seg_list {
    span *v;
    size_t n, cap;
} seg_list;

static int close_run(emg_spont_result *r, seg_state *st, uint32_t unit, seg_list *out)
{
    if (st->n == 0)
        return EDX_OK;
    bool sustained = st->n >= EMG_RUN_MIN_N;
    for (size_t i = st->first; i < r->n_events && r->events[i].time_s <= st->last_s; i++)
        if (r->events[i].unit == unit)
            r->events[i].type = sustained ? EMG_MUP : EMG_FASCICULATION;
    if (!sustained || !out)
        return EDX_OK;
    if (out->n == out->cap) {
        size_t cap = out->cap ? 2 * out->cap : 16;
        span *v = realloc(out->v, cap * sizeof *v);
        if (!v)
            return EDX_ERR_NOMEM;
        out->v = v;
        out->cap = cap;
    }
    out->v[out->n++] = (span){st->start_s - VOLUNTARY_MARGIN_S, st->last_s + VOLUNTARY_MARGIN_S};
    return EDX_OK;
}

static int voluntary_runs(emg_spont_result *r, seg_list *out)
{
    seg_state *st = calloc(r->n_trains + 1, sizeof *st);
    if (!st)
        return EDX_ERR_NOMEM;
    int rc = EDX_OK;
    for (size_t i = 0; i < r->n_events && !rc; i++) {
        const emg_event *e = &r->events[i];
        if (r->trains[e->unit - 1].type != EMG_MUP)
            continue;
        seg_state *s = &st[e->unit - 1];
        if (s->n && e->time_s - s->last_s > EMG_RUN_GAP_S) {
            rc = close_run(r, s, e->unit, out);
            s->n = 0;
        }
        if (s->n == 0) {
            s->start_s = e->time_s;
            s->first = i;
        }
        s->last_s = e->time_s;
        s->n++;
    }
    for (size_t k = 0; k < r->n_trains && !rc; k++)
        rc = close_run(r, &st[k], (uint32_t)(k + 1), out);
    free(st);
    return rc;
}

static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return (x->a_s > y->a_s) - (x->a_s < y->a_s);
}

/* Rest left when the (merged) voluntary runs are taken out of the spans;
 * discharges inside the runs are not spontaneous. */
static double automatic_rest(emg_spont_result *r, const span *spans, size_t n_spans,
                             seg_list *runs)
{
    double rest = 0;
    for (size_t i = 0; i < n_spans; i++)
        rest += spans[i].b_s - spans[i].a_s;
    if (runs->n > 1)
        qsort(runs->v, runs->n, sizeof *runs->v, cmp_span);
    double a = -INFINITY, b = -INFINITY;
    for (size_t k = 0; k <= runs->n; k++) {
        if (k < runs->n && runs->v[k].a_s <= b) {
            b = fmax(b, runs->v[k].b_s);
            continue;
        }
        for (size_t i = 0; isfinite(a) && i < n_spans; i++)
            rest -= overlap(a, b, spans[i].a_s, spans[i].b_s);
        for (size_t i = 0; isfinite(a) && i < r->n_events; i++)
            if (r->events[i].time_s >= a && r->events[i].time_s < b)
                r->events[i].type = EMG_MUP;
        if (k < runs->n) {
            a = runs->v[k].a_s;
            b = runs->v[k].b_s;
        }
    }
    return fmax(rest, 0);
}

/* ---- counts and grade ------------------------------------------------------------------ */

/* Discharges per type, and trains with at least one discharge of it. */
static int count_types(emg_spont_result *r)
{
    uint8_t *seen = calloc(r->n_trains ? r->n_trains : 1, EMG_TYPE_COUNT);
    if (!seen)
        return EDX_ERR_NOMEM;
    for (size_t i = 0; i < r->n_events; i++) {
        const emg_event *e = &r->events[i];
        r->count[e->type].discharges++;
        uint8_t *s = &seen[(size_t)(e->unit - 1) * EMG_TYPE_COUNT + e->type];
        if (!*s && e->type != EMG_UNCLASSIFIED)
            r->count[e->type].trains++;
        *s = 1;
    }
    free(seen);
    return EDX_OK;
}

static void fasciculations(emg_spont_result *r)
{
    size_t per_site[256] = {0}, complex = 0, total = 0;
    size_t *n_fasc = calloc(r->n_trains + 1, sizeof *n_fasc);
    if (!n_fasc)
        return;
    for (size_t i = 0; i < r->n_events; i++)
        n_fasc[r->events[i].unit - 1] += r->events[i].type == EMG_FASCICULATION;
    for (size_t k = 0; k < r->n_trains; k++) {
        const emg_train *t = &r->trains[k];
        if (!n_fasc[k])
            continue;
        per_site[t->site < 256 ? t->site : 255]++;
        total += n_fasc[k];
        complex += t->shape.phases >= EMG_POLYPHASIC ? n_fasc[k] : 0;
        r->doublets += (size_t)t->doublets;
    }
    free(n_fasc);
    for (size_t s = 0; s < 256; s++)
        r->fasc_units = per_site[s] > r->fasc_units ? per_site[s] : r->fasc_units;
    r->fasc_complex_pct = total ? 100.0 * (double)complex / (double)total : NAN;
    /* isolated: more than 250 ms from the unit's neighbours on both sides [S34] */
    double *last = calloc(r->n_trains + 1, sizeof *last);
    if (!last)
        return;
    for (size_t i = 0; i < r->n_events; i++) {
        const emg_event *e = &r->events[i];
        if (e->type != EMG_FASCICULATION)
            continue;
        double prev = last[e->unit], next = INFINITY;
        for (size_t j = i + 1; j < r->n_events; j++)
            if (r->events[j].unit == e->unit) {
                next = r->events[j].time_s;
                break;
            }
        r->fasc_isolated +=
            (prev == 0 || e->time_s - prev > EMG_ISOLATED_S) && next - e->time_s > EMG_ISOLATED_S;
        last[e->unit] = e->time_s;
    }
    free(last);
}

/*
 * Grade (clinical.md 1.2; the contract has no "+-", so one site is 1+):
 * 0 no sustained train anywhere; 1+ sustained trains in one or two sites;
 * 2+ in three sites or more, or in every site sampled; 3+ every site with
 * two trains or more. 4+ (a baseline filled with potentials) is not
 * assessed. Sites: needle positions with at least 1 s of rest analysed.
 */
static void grade(emg_spont_result *r, const study_muscle *m, const span *spans, size_t n_spans)
{
    if (m->n_sites == 0)
        return;
    enum { MAX_SITES = 256 };
    double rest_at[MAX_SITES] = {0};
    size_t trains_at[MAX_SITES] = {0};
    for (size_t i = 0; i < n_spans; i++) {
        unsigned s = 0;
        double mid = 0.5 * (spans[i].a_s + spans[i].b_s);
        for (size_t k = 0; k < m->n_sites; k++)
            s += m->sites[k].onset_s <= mid;
        rest_at[s < MAX_SITES ? s : MAX_SITES - 1] += spans[i].b_s - spans[i].a_s;
    }
    for (size_t k = 0; k < r->n_trains; k++) {
        const emg_train *t = &r->trains[k];
        if ((t->type == EMG_FIBRILLATION || t->type == EMG_PSW) && t->n >= SUSTAINED_N)
            trains_at[t->site < MAX_SITES ? t->site : MAX_SITES - 1]++;
    }
    size_t sampled = 0, positive = 0, doubly = 0;
    for (size_t s = 0; s < MAX_SITES; s++) {
        if (rest_at[s] < 1.0)
            continue;
        sampled++;
        positive += trains_at[s] > 0;
        doubly += trains_at[s] >= 2;
    }
    r->n_sites = sampled;
    r->n_sites_positive = positive;
    if (positive == 0)
        r->fib_psw_grade = 0;
    else if (doubly == sampled && sampled >= 2)
        r->fib_psw_grade = 3;
    else if (positive >= 3 || (positive == sampled && sampled >= 2))
        r->fib_psw_grade = 2;
    else
        r->fib_psw_grade = 1;
}

static int cmp_event_time(const void *a, const void *b)
{
    const emg_event *x = a, *y = b;
    return (x->time_s > y->time_s) - (x->time_s < y->time_s);
}

int emg_summarise(emg_spont_result *r, const emg_units *u, const study_muscle *m,
                  const span *spans, size_t n_spans)
{
    /* peeled discharges may come a little out of order */
    if (r->n_events > 1)
        qsort(r->events, r->n_events, sizeof *r->events, cmp_event_time);
    for (size_t i = 0; i < r->n_events; i++)
        r->events[i].unit = emg_units_root(u, r->events[i].unit);
    int rc = build_trains(r, u);
    if (!rc)
        rc = emg_split_mixed(r);
    if (!rc)
        rc = emg_join_pieces(r);
    if (!rc)
        rc = emg_hidden_fibrillation(r);
    if (!rc)
        rc = emg_return_summed(r);
    if (rc)
        return rc;
    for (size_t i = 0; i < r->n_events; i++)
        r->events[i].type = (uint8_t)r->trains[r->events[i].unit - 1].type;
    seg_list runs = {0};
    rc = voluntary_runs(r, r->is_rest_automatic ? &runs : NULL);
    if (rc) {
        free(runs.v);
        return rc;
    }
    if (r->is_rest_automatic) {
        r->rest_s = automatic_rest(r, spans, n_spans, &runs);
        free(runs.v);
    } else {
        r->rest_s = 0;
        for (size_t i = 0; i < n_spans; i++)
            r->rest_s += spans[i].b_s - spans[i].a_s;
    }
    rc = emg_isolated_from_bursts(r, spans, n_spans);
    if (!rc)
        rc = emg_fasc_context(r);
    if (!rc)
        rc = emg_fired_alone(r);
    if (!rc)
        rc = count_types(r);
    if (rc)
        return rc;
    fasciculations(r);
    grade(r, m, spans, n_spans);
    return EDX_OK;
}

/* ---- events table ---------------------------------------------------------------------- */

int emg_events_tsv(const emg_spont_result *r, char **text, size_t *size)
{
    if (!r || !text)
        return EDX_ERR_INVALID;
    static const char header[] =
        "time_s\ttype\tunit\tamplitude_uv\tduration_ms\tphases\tfirst_polarity\n";
    size_t cap = sizeof header + r->n_events * 96 + 1, n = 0;
    char *out = malloc(cap);
    if (!out)
        return EDX_ERR_NOMEM;
    n += (size_t)snprintf(out, cap, "%s", header);
    for (size_t i = 0; i < r->n_events; i++) {
        const emg_event *e = &r->events[i];
        char t[32], a[32], d[32];
        const char *pol = e->first_polarity > 0 ? "positive"
                          : e->first_polarity < 0 ? "negative" : "";
        n += (size_t)snprintf(out + n, cap - n, "%s\t%s\t%u\t%s\t%s\t%u\t%s\n",
                              edx_fmt_double(t, sizeof t, e->time_s, 5),
                              emg_type_name((emg_type)e->type), e->unit,
                              edx_fmt_double(a, sizeof a, e->amplitude_uv, 1),
                              edx_fmt_double(d, sizeof d, e->duration_ms, 2), e->phases, pol);
    }
    *text = out;
    if (size)
        *size = n;
    return EDX_OK;
}
