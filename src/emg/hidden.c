/*
 * hidden.c - a fibrillating fibre whose discharges template matching has
 * spread over trains of other activity.
 *
 * Where end-plate spikes or end-plate noise fire densely (tens per second,
 * irregular [S53, S47]), a fibrillation potential of like size matches
 * their mean waveforms well enough to be taken into them, one discharge
 * here and the next there; the fibre's rhythm is then lost in theirs, and
 * its discharges are counted as end-plate activity or left unclassified.
 * A reader still sees it by what tells a fibrillation from an end-plate
 * spike (clinical.md 1.3): its initial positivity where the spikes start
 * negative [S53, S51], its regular firing at 0.5-15 Hz where they are
 * irregular [S52, S51], and its constant size (a single fibre's potential
 * keeps its amplitude from discharge to discharge [S52]). So, per needle
 * site:
 *   1. candidates: the discharges of unclassified and end-plate trains;
 *      seeds: those of them that start positive;
 *   2. a chain is followed among the seeds from a pair of like size, as
 *      phase.c does (each next one the nearest to where it is due, the
 *      interval updated as it goes), of the pair's size;
 *   3. it stands when it is long, runs for several seconds, finds most of
 *      the discharges it is due (in noise, or on top of another discharge,
 *      some of the fibre's read initial negative), holds most of the seeds
 *      of its size where it runs, and is beyond chance: the binomial tail
 *      of its hits, given the other seeds of its size and the number of
 *      chains tried, is below 1 %;
 *   4. the discharges it missed are taken from the candidates of either
 *      polarity, of its size, where they are due;
 *   5. it becomes a train of its own (trains.c emg_classify_chain), or the
 *      discharges go back where they were.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edx/common.h"
#include "emg/emg_internal.h"

/* Fibrillation rate 0.5-15 Hz [S52]: the intervals a chain may keep. */
#define MIN_INTERVAL_S (1.0 / 15.0)
#define MAX_INTERVAL_S 2.0
/* The next discharge within 8 % of the interval from where it is due,
 * widened by the square root of the intervals since the last one found (a
 * regular rhythm's small changes add up over missed discharges) [E]:
 * tighter than phase.c's 12 %, as the chain runs among denser activity. */
#define TOLERANCE 0.08
/* A discharge of the chain's size: within EMG_FIBRE_SIZE_TOLERANCE. */
/* Weight of each new interval in the running one (phase.c SMOOTH) [E]. */
#define SMOOTH 0.25
/* Missed discharges in a row before the chain ends (phase.c) [E]. */
#define MAX_MISSES 5
/* Seeds paired with each: the next few of its size [E]. */
#define PAIRS 16
/* What a chain must be: MIN_CHAIN hits (phase.c), over MIN_SPAN_S (a
 * fibrillating fibre fires on while the needle stays [S51]), half of the
 * discharges it is due, MIN_PURITY of the seeds of its size where it
 * runs, and a chance below MAX_CHANCE [E]. */
#define MIN_CHAIN 10
#define MIN_SPAN_S 5.0
#define MIN_HIT_SHARE 0.5
#define MIN_PURITY 0.7
#define MAX_CHANCE 0.01
/* Chains taken out per needle site at most [E]. */
#define MAX_CHAINS 4

typedef struct seeds {
    size_t n;
    double *t;         /* times, sorted */
    float *amp;        /* amplitudes */
    size_t *event;     /* index into r->events */
    unsigned char *in; /* 1: in the chain being followed */
} seeds;

typedef struct chain {
    size_t hits, misses, tried;
    double base_s, amp_uv;
    double first_s, last_s;
} chain;

static bool same_size(double a, double ref)
{
    return fabs(a - ref) <= EMG_FIBRE_SIZE_TOLERANCE * ref;
}

/* The free seed of the chain's size nearest x within tol, or s->n. */
static size_t nearest(const seeds *s, double x, double tol, double amp)
{
    size_t best = s->n;
    for (size_t k = edx_lower_bound(s->t, s->n, x - tol); k < s->n && s->t[k] <= x + tol; k++)
        if (!s->in[k] && same_size(s->amp[k], amp) &&
            (best == s->n || fabs(s->t[k] - x) < fabs(s->t[best] - x)))
            best = k;
    return best;
}

/* Follows the rhythm from seed j (dir +1 later, -1 earlier), marking the
 * seeds taken with 1. */
static void follow(seeds *s, size_t j, int dir, chain *c)
{
    double anchor = s->t[j], base = c->base_s;
    size_t missed = 0;
    for (;;) {
        double due = anchor + (double)dir * (double)(missed + 1) * base;
        double tol = TOLERANCE * base * sqrt((double)(missed + 1));
        if (due < s->t[0] - tol || due > s->t[s->n - 1] + tol)
            return;
        size_t k = nearest(s, due, tol, c->amp_uv);
        if (k == s->n) {
            if (++missed > MAX_MISSES)
                return;
            continue;
        }
        base = (1.0 - SMOOTH) * base + SMOOTH * fabs(s->t[k] - anchor) / (double)(missed + 1);
        s->in[k] = 1;
        c->hits++;
        c->misses += missed;
        c->first_s = fmin(c->first_s, s->t[k]);
        c->last_s = fmax(c->last_s, s->t[k]);
        anchor = s->t[k];
        missed = 0;
    }
}

/* The chain through seeds i and j; its seeds marked 1. */
static chain track(seeds *s, size_t i, size_t j)
{
    chain c = {2, 0, 0, s->t[j] - s->t[i], 0.5 * (s->amp[i] + s->amp[j]), s->t[i], s->t[j]};
    s->in[i] = s->in[j] = 1;
    follow(s, j, +1, &c);
    follow(s, i, -1, &c);
    return c;
}

static void clear_marks(seeds *s)
{
    memset(s->in, 0, s->n);
}

/* Whether chain c (its seeds marked 1) stands, running min_span_s or more. */
static bool stands(const seeds *s, const chain *c, double min_span_s)
{
    double span_s = c->last_s - c->first_s;
    if (c->hits < MIN_CHAIN || !(span_s >= min_span_s) || !(span_s > 0) ||
        (double)c->hits < MIN_HIT_SHARE * (double)(c->hits + c->misses))
        return false;
    size_t others = 0;
    for (size_t k = edx_lower_bound(s->t, s->n, c->first_s); k < s->n && s->t[k] <= c->last_s; k++)
        others += s->in[k] != 1 && same_size(s->amp[k], c->amp_uv);
    if ((double)c->hits < MIN_PURITY * (double)(c->hits + others))
        return false;
    double p = (double)others / span_s * 2.0 * TOLERANCE * c->base_s;
    return emg_log10_binomial_tail(c->hits, c->hits + c->misses, p) + log10((double)c->tried) <=
           log10(MAX_CHANCE);
}

/* The longest chain that stands among the free seeds; its seeds marked 1,
 * or none marked and hits 0. */
static chain best_chain(seeds *s, double min_span_s)
{
    chain best = {0};
    size_t bi = 0, bj = 0, tried = 0;
    for (size_t i = 0; i < s->n; i++) {
        size_t paired = 0;
        for (size_t j = i + 1; !s->in[i] && j < s->n && paired < PAIRS; j++) {
            double d = s->t[j] - s->t[i];
            if (d > MAX_INTERVAL_S)
                break;
            if (s->in[j] || d < MIN_INTERVAL_S || !same_size(s->amp[j], s->amp[i]))
                continue;
            paired++;
            tried++;
            chain c = track(s, i, j);
            c.tried = tried;
            if (c.hits > best.hits && stands(s, &c, min_span_s)) {
                best = c;
                bi = i;
                bj = j;
            }
            clear_marks(s);
        }
    }
    if (best.hits == 0)
        return best;
    size_t all_tried = tried;
    best = track(s, bi, bj);
    best.tried = all_tried;
    return stands(s, &best, min_span_s) ? best : (clear_marks(s), (chain){0});
}

/* ---- one site ------------------------------------------------------------------------ */

static bool is_candidate(const emg_spont_result *r, const emg_event *e, unsigned site)
{
    emg_type ty = r->trains[e->unit - 1].type;
    return e->site == site && (ty == EMG_UNCLASSIFIED || ty == EMG_END_PLATE);
}

/* The free candidate of either polarity of the chain's size nearest x
 * within tol, or SIZE_MAX; cand: event indices, sorted by time. */
static size_t nearest_candidate(const emg_spont_result *r, const size_t *cand, const double *ct,
                                size_t nc, const unsigned char *taken, double x, double tol,
                                double amp)
{
    size_t best = SIZE_MAX;
    double bd = tol;
    for (size_t k = edx_lower_bound(ct, nc, x - tol); k < nc && ct[k] <= x + tol; k++)
        if (!taken[k] && same_size(r->events[cand[k]].amplitude_uv, amp) && fabs(ct[k] - x) <= bd) {
            bd = fabs(ct[k] - x);
            best = k;
        }
    return best;
}

/* Marks (taken = 1) the candidates of the chain (the seeds marked 1) and
 * those due in its gaps. */
static void gather(const emg_spont_result *r, const seeds *s, const chain *c, const size_t *cand,
                   const double *ct, size_t nc, unsigned char *taken)
{
    double prev = NAN;
    for (size_t k = 0, q = 0; k < s->n; k++) {
        if (s->in[k] != 1)
            continue;
        while (q < nc && cand[q] != s->event[k])
            q++;
        if (q < nc)
            taken[q] = 1;
        double gap = s->t[k] - prev, steps = round(gap / c->base_s);
        for (double m = 1; isfinite(gap) && m < steps; m++) {
            double step = gap / steps;
            size_t f = nearest_candidate(r, cand, ct, nc, taken, prev + m * step, TOLERANCE * step,
                                         c->amp_uv);
            if (f != SIZE_MAX)
                taken[f] = 1;
        }
        prev = s->t[k];
    }
}

/* The taken candidates back to their trains; the last train dropped. */
static void put_back(emg_spont_result *r, const size_t *cand, size_t nc, const unsigned char *taken,
                     const uint32_t *old)
{
    for (size_t q = 0; q < nc; q++)
        if (taken[q])
            r->events[cand[q]].unit = old[q];
    r->n_trains--;
}

/* Moves the taken candidates to a new train (r->n_trains, room made by the
 * caller), its shape the medians of its discharges', and keeps it when
 * emg_classify_chain places it; otherwise puts them back. old: room for
 * the candidates' units. */
static bool take_out(emg_spont_result *r, const size_t *cand, size_t nc, const unsigned char *taken,
                     unsigned site, uint32_t *old, double *times, float *amps)
{
    size_t k = r->n_trains;
    for (size_t q = 0; q < nc; q++) {
        if (!taken[q])
            continue;
        emg_event *e = &r->events[cand[q]];
        old[q] = e->unit;
        e->unit = (uint32_t)(k + 1);
    }
    emg_train *t = &r->trains[k];
    memset(t, 0, sizeof *t);
    t->unit = (uint32_t)(k + 1);
    t->site = site;
    r->n_trains++;
    t->shape = emg_typical_discharge(r, k, times);
    t->shape.first_polarity = 1; /* its seeds' */
    emg_rebuild_train(r, k, times, amps);
    t->type = emg_classify_chain(t);
    if (t->type != EMG_UNCLASSIFIED)
        return true;
    put_back(r, cand, nc, taken, old);
    return false;
}

/* Re-times and re-classifies the trains the chain's discharges came from
 * (a few; each once while they fit in `done`). */
static void rebuild_sources(emg_spont_result *r, const unsigned char *taken, const uint32_t *old,
                            size_t nc, double *times, float *amps)
{
    uint32_t done[16];
    size_t n_done = 0;
    for (size_t q = 0; q < nc; q++) {
        if (!taken[q])
            continue;
        bool seen = false;
        for (size_t p = 0; p < n_done && !seen; p++)
            seen = done[p] == old[q];
        if (seen)
            continue;
        if (n_done < sizeof done / sizeof done[0])
            done[n_done++] = old[q];
        emg_rebuild_train(r, old[q] - 1, times, amps);
    }
}

typedef struct work {
    size_t *cand;
    double *ct, *times;
    float *amps;
    uint32_t *old;
    unsigned char *taken;
    seeds s;
} work;

static size_t collect(const emg_spont_result *r, unsigned site, work *w)
{
    size_t nc = 0;
    w->s.n = 0;
    for (size_t i = 0; i < r->n_events; i++) {
        const emg_event *e = &r->events[i];
        if (!is_candidate(r, e, site))
            continue;
        w->cand[nc] = i;
        w->ct[nc] = e->time_s;
        w->taken[nc++] = 0;
        if (e->first_polarity > 0) {
            w->s.t[w->s.n] = e->time_s;
            w->s.amp[w->s.n] = e->amplitude_uv;
            w->s.event[w->s.n] = i;
            w->s.in[w->s.n++] = 0;
        }
    }
    return nc;
}

/* Train k (the last) joins train p, an earlier chain of the site, when
 * together they keep its class: one fibre's chain broken where more
 * discharges in a row than it bridges read initial negative. */
static bool join_earlier(emg_spont_result *r, size_t p, size_t k, double *times, float *amps)
{
    emg_train *a = &r->trains[p], *b = &r->trains[k];
    if (a->type != b->type || !same_size(b->shape.amplitude_uv, a->shape.amplitude_uv))
        return false;
    size_t n = 0;
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].unit == p + 1 || r->events[i].unit == k + 1) {
            times[n] = r->events[i].time_s;
            amps[n++] = r->events[i].amplitude_uv;
        }
    emg_train u = *a;
    emg_train_timing(times, amps, n, &u);
    if (emg_classify_chain(&u) != a->type)
        return false;
    emg_move_discharges(r, k, p);
    *a = u;
    r->n_trains--;
    return true;
}

/* Chains of a site: each new one runs MIN_SPAN_S or more, or is the rest of
 * an earlier one, broken where more of the fibre's discharges in a row than
 * a chain bridges read initial negative, and joins it. */
static int one_site(emg_spont_result *r, unsigned site, work *w)
{
    size_t made[MAX_CHAINS], n_made = 0;
    for (int found = 0; found < MAX_CHAINS; found++) {
        size_t nc = collect(r, site, w);
        if (w->s.n < MIN_CHAIN)
            return EDX_OK;
        chain c = best_chain(&w->s, MIN_SPAN_S);
        bool rest = c.hits == 0 && n_made > 0;
        if (rest)
            c = best_chain(&w->s, 0.0);
        if (c.hits == 0)
            return EDX_OK;
        emg_train *grown = realloc(r->trains, (r->n_trains + 1) * sizeof *grown);
        if (!grown)
            return EDX_ERR_NOMEM;
        r->trains = grown;
        gather(r, &w->s, &c, w->cand, w->ct, nc, w->taken);
        if (!take_out(r, w->cand, nc, w->taken, site, w->old, w->times, w->amps))
            return EDX_OK;
        bool joined = false;
        for (size_t q = 0; q < n_made && !joined; q++)
            joined = join_earlier(r, made[q], r->n_trains - 1, w->times, w->amps);
        if (!joined && rest) {
            put_back(r, w->cand, nc, w->taken, w->old);
            return EDX_OK;
        }
        rebuild_sources(r, w->taken, w->old, nc, w->times, w->amps);
        if (!joined)
            made[n_made++] = r->n_trains - 1;
    }
    return EDX_OK;
}

int emg_hidden_fibrillation(emg_spont_result *r)
{
    size_t n = r->n_events + 1;
    work w = {malloc(n * sizeof(size_t)),
              malloc(n * sizeof(double)),
              malloc(n * sizeof(double)),
              malloc(n * sizeof(float)),
              malloc(n * sizeof(uint32_t)),
              malloc(n),
              {0}};
    w.s.t = malloc(n * sizeof(double));
    w.s.amp = malloc(n * sizeof(float));
    w.s.event = malloc(n * sizeof(size_t));
    w.s.in = malloc(n);
    int rc = w.cand && w.ct && w.times && w.amps && w.old && w.taken && w.s.t && w.s.amp &&
                     w.s.event && w.s.in
                 ? EDX_OK
                 : EDX_ERR_NOMEM;
    bool sites[256] = {false};
    for (size_t i = 0; i < r->n_events; i++)
        sites[r->events[i].site] = true;
    for (unsigned site = 0; !rc && site < 256; site++)
        if (sites[site])
            rc = one_site(r, site, &w);
    free(w.cand), free(w.ct), free(w.times), free(w.amps), free(w.old), free(w.taken);
    free(w.s.t), free(w.s.amp), free(w.s.event), free(w.s.in);
    return rc;
}
