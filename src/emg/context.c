/*
 * context.c - a discharge among its neighbours: whether a fasciculation-like
 * discharge is one (isolated, random, MUP-sized [S34]) or part of other
 * activity beside it - end-plate spikes summed, sustained motor unit firing,
 * a burst of another unit - which discharges of a bursting unit fire
 * alone, outside its bursts or off its rhythm, and which unplaced potentials
 * fire alone (clinical.md 1.1).
 */
#include <math.h>
#include <stdlib.h>

#include "emg/emg_internal.h"

/* A fasciculation-like discharge within 20 ms of a discharge of a high-rate
 * or voluntary train is part of that activity (a burst, a run, an end-plate
 * spike), not an isolated discharge [S34]; it is left unclassified [E]. */
#define CONTEXT_S 0.020
#define HIGH_RATE_HZ 15.0

static bool is_busy(const emg_spont_result *r, const emg_event *e)
{
    const emg_train *t = &r->trains[e->unit - 1];
    switch ((emg_type)e->type) {
    case EMG_MYOKYMIC:
    case EMG_NEUROMYOTONIC:
    case EMG_CRD:
    case EMG_MYOTONIC:
    case EMG_END_PLATE:
    case EMG_MUP:
        return true;
    case EMG_UNCLASSIFIED:
        return t->n >= 3 && t->rate_hz > HIGH_RATE_HZ;
    case EMG_FASCICULATION: /* two "isolated" discharges 20 ms apart are not */
        return true;
    default:
        return false;
    }
}

/* MUP-sized on its own (clinical.md 1.3: > ~100 uV, > ~5 ms; polyphasic
 * ones may be shorter [S28]): a train's mean waveform says little when it
 * holds one or two discharges. A duration read on one noisy sweep runs
 * short, so a discharge whose first deflection is positive is allowed
 * EVENT_ALLOWANCE_MS below the limit (as the end-plate limit is above it,
 * src/emg/trains.c) [E]; a brief initially negative one is the end-plate
 * spike's signature (clinical.md 1.3 [S53]), and two such spikes summed
 * reach MUP size. One whose extent fills its whole window (it never
 * settled within 32 ms) is no simple MUP, which lasts 5-15 ms (clinical.md
 * 1.3 [S28]): a slow wave such as a PSW's negative phase, or overlapping
 * activity; only a polyphasic (complex) potential lasts that long. */
#define EVENT_ALLOWANCE_MS 1.0
static bool event_is_mup_sized(const emg_event *e)
{
    if (e->duration_ms >= EMG_PRE_MS + EMG_POST_MS && e->phases < EMG_POLYPHASIC)
        return false;
    double ms = e->duration_ms + (e->first_polarity > 0 ? EVENT_ALLOWANCE_MS : 0.0);
    return emg_is_mup_sized(e->amplitude_uv, ms, e->phases, e->first_polarity);
}

/* A discharge whose size differs from a unit's typical one
 * by more than this share is another unit's of like shape: one motor
 * unit's potential keeps its size from discharge to discharge [E]. */
#define OTHER_UNIT_SIZE 0.2

/* Two peaks closer than this lie on one main spike (a MUP's spike phase
 * lasts a few ms [S28]): the later is a piece of the earlier or too
 * overlapped to be measured alone [E]. */
#define ONE_SPIKE_S 0.002

/* A discharge more than this many of its unit's intervals within bursts
 * (their median, the train's burst_within_ms) from each of its unit's
 * others is outside the bursts: within one, the
 * unit fires at its steady rate [S43], so even with a discharge or two of
 * the burst missed its neighbour comes sooner [E]. */
#define OUT_OF_BURST_INTERVALS 3.0

/* Two of a unit's discharges are on its rhythm when the interval between
 * them lies within RHYTHM_FIT of a whole number of its intervals within
 * bursts, up to OUT_OF_BURST_INTERVALS (two discharges of the burst missed
 * between): within a burst the unit fires at its steady rate [S43] [E].
 * q: the interval in intervals within bursts. */
#define RHYTHM_FIT 0.25
static bool on_rhythm(double q)
{
    double k = floor(q + 0.5);
    return k >= 1 && k <= OUT_OF_BURST_INTERVALS && fabs(q - k) <= RHYTHM_FIT;
}

/* Whether discharge i lies on the rhythm of bursting train `unit`: the
 * interval to the train's discharge before it or after it is. */
static bool on_rhythm_of(const emg_spont_result *r, size_t i, uint32_t unit)
{
    const emg_event *e = &r->events[i];
    double intra_s = r->trains[unit - 1].burst_within_ms / 1000.0;
    if (!(intra_s > 0))
        return true; /* no rhythm known: nothing tells it apart */
    double reach_s = (OUT_OF_BURST_INTERVALS + 1.0) * intra_s;
    for (size_t j = i; j-- > 0 && e->time_s - r->events[j].time_s <= reach_s;)
        if (r->events[j].unit == unit) {
            if (on_rhythm((e->time_s - r->events[j].time_s) / intra_s))
                return true;
            break;
        }
    for (size_t j = i + 1; j < r->n_events && r->events[j].time_s - e->time_s <= reach_s; j++)
        if (r->events[j].unit == unit)
            return on_rhythm((r->events[j].time_s - e->time_s) / intra_s);
    return false;
}

/* A busy neighbour; a fasciculation neighbour counts only when larger, any
 * other only when at least half as large: a small end-plate spike or
 * fibrillation beside a large discharge does not make it part of that
 * activity [E]. A myokymic unit's potential keeps its size from burst to
 * burst, and within a burst it fires at its steady rate [S43], so a
 * discharge beside one of its discharges (not on its spike) of another
 * size, or off the unit's rhythm, is another unit firing meanwhile, not a
 * piece of the burst (one of the burst's discharges the template matching
 * gave to no train falls on the rhythm) [E; simulator corpus C, 352
 * studies: fasciculation sensitivity 92.0 -> 92.5 %, precision 96.8 %
 * both]; a neuromyotonic train's size wanes as it fires [S44], so there
 * neither tells anything. */
#define BUSY_MIN_RATIO 0.5
static bool bigger_busy(const emg_spont_result *r, const emg_event *o, size_t i)
{
    const emg_event *e = &r->events[i];
    if (o->type == EMG_FASCICULATION && o->amplitude_uv < e->amplitude_uv)
        return false;
    if (o->amplitude_uv < BUSY_MIN_RATIO * e->amplitude_uv)
        return false;
    if (o->type == EMG_MYOKYMIC && fabs(o->time_s - e->time_s) > ONE_SPIKE_S) {
        double typical_uv = r->trains[o->unit - 1].shape.amplitude_uv;
        if (fabs(e->amplitude_uv - typical_uv) > OTHER_UNIT_SIZE * typical_uv ||
            !on_rhythm_of(r, i, o->unit))
            return false;
    }
    return is_busy(r, o);
}

/* Whether discharge e lies within the span of an end-plate train at its
 * needle site and is shaped like that train's spikes [S53, S51]. */
static bool like_end_plate_here(const emg_spont_result *r, const emg_event *e)
{
    for (size_t k = 0; k < r->n_trains; k++) {
        const emg_train *ep = &r->trains[k];
        if (ep->type == EMG_END_PLATE && ep->site == e->site && ep->first_s <= e->time_s &&
            e->time_s <= ep->last_s && emg_event_like_end_plate(e, ep))
            return true;
    }
    return false;
}

/* A discharge of a one- or two-discharge generator amid the irregular
 * firing of an end-plate train at its needle site, shaped like that
 * train's spikes: end-plate spikes summed or cut by a neighbour, which
 * matched no template, not a fasciculation [S53, S51]. A longer train most
 * of whose discharges (more than half) are such spikes is a piece of the
 * end-plate activity the template matching split off: a motor unit's
 * discharges keep one MUP shape [S28], so the few of its discharges a
 * neighbour stretched beyond an end-plate spike's duration, and a mean
 * waveform stretched by the spikes around it, do not make it a
 * fasciculating unit [E]. ep_like[k] counts train k's discharges that are
 * such spikes. */
static bool amid_end_plate(const emg_spont_result *r, const emg_event *e, const size_t *ep_like)
{
    size_t k = e->unit - 1, n = r->trains[k].n;
    if (n > 2)
        return 2 * ep_like[k] > n;
    return like_end_plate_here(r, e);
}

/* An initially negative "fibrillation" train: a fibrillation's first
 * deflection is positive, an end-plate spike's negative (clinical.md 1.1
 * [S52, S53, S51]); what makes such a train a fibrillation is its regular
 * rhythm alone. Amid an end-plate train of its site that fires tens of
 * like-shaped spikes a second, some spike lies near every time a rhythm
 * predicts, so a regular-looking subset of them is chance, not a fibre's
 * pacemaker: most of its discharges (more than half) shaped like that
 * train's spikes make it end-plate activity [E; simulator corpus, 528
 * studies: two initially negative fibrillation trains lay within such an
 * end-plate train, neither a fibrillation; the one of 6 discharges shaped
 * like its spikes was end-plate spikes, the other, 38 discharges each
 * initially positive, positive sharp waves, and keeps its type]. */
static bool negative_fibrillation(const emg_train *t)
{
    return t->type == EMG_FIBRILLATION && t->shape.first_polarity < 0;
}

/* Counts, per fasciculation or initially negative fibrillation train, the
 * discharges shaped like end-plate spikes amid an end-plate train of their
 * site; NULL when memory fails. */
static size_t *count_end_plate_like(const emg_spont_result *r)
{
    size_t *ep_like = calloc(r->n_trains ? r->n_trains : 1, sizeof *ep_like);
    for (size_t i = 0; ep_like && i < r->n_events; i++) {
        const emg_event *e = &r->events[i];
        const emg_train *t = &r->trains[e->unit - 1];
        if (t->type == EMG_FASCICULATION || negative_fibrillation(t))
            ep_like[e->unit - 1] += like_end_plate_here(r, e);
    }
    return ep_like;
}

int emg_end_plate_amid(emg_spont_result *r)
{
    size_t *ep_like = count_end_plate_like(r);
    if (!ep_like)
        return EDX_ERR_NOMEM;
    for (size_t k = 0; k < r->n_trains; k++)
        if (negative_fibrillation(&r->trains[k]) && 2 * ep_like[k] > r->trains[k].n)
            r->trains[k].type = EMG_END_PLATE;
    for (size_t i = 0; i < r->n_events; i++) {
        emg_event *e = &r->events[i];
        emg_type own = r->trains[e->unit - 1].type;
        if ((e->type == EMG_FASCICULATION && amid_end_plate(r, e, ep_like)) ||
            (e->type == EMG_FIBRILLATION && own == EMG_END_PLATE))
            e->type = EMG_END_PLATE;
    }
    free(ep_like);
    return EDX_OK;
}

/* ---- sustained motor unit activity ----------------------------------------------------
 * Fasciculations are isolated, random discharges at a very low rate [S34]
 * (clinical.md 1.1). MUP-sized discharges of any generators at one needle
 * site following one another less than 250 ms apart, five or more in a
 * row, are sustained motor unit firing at recruitment rates [S54] - a
 * voluntary contraction or a cramp, whose summed, ever-changing complexes
 * match no template - not fasciculations; the runs are as for one unit's
 * voluntary firing (EMG_RUN_GAP_S, EMG_RUN_MIN_N). A discharge counts when it and
 * its generator's mean waveform are MUP-sized (a brief spike a neighbour
 * stretched does not), and the generator is not an unplaced train of its
 * own above 15 Hz (high-rate activity, judged by the 20 ms context below).
 * Discharges already placed in another class (myokymic bursts,
 * neuromyotonic trains, ...) are not counted: they are what they are. */
static bool is_motor_unit_activity(const emg_spont_result *r, const emg_event *e)
{
    const emg_train *t = &r->trains[e->unit - 1];
    const emg_features *f = &t->shape;
    bool high_rate = t->type == EMG_UNCLASSIFIED && t->n >= 3 && t->rate_hz > HIGH_RATE_HZ;
    return (e->type == EMG_FASCICULATION || e->type == EMG_UNCLASSIFIED || e->type == EMG_MUP) &&
           !high_rate && event_is_mup_sized(e) &&
           emg_is_mup_sized(f->amplitude_uv, f->duration_ms, f->phases, f->first_polarity);
}

/* Flags the fasciculation discharges of a run of motor unit activity of
 * EMG_RUN_MIN_N or more (idx: the run's n event indices). */
static void flag_run(emg_spont_result *r, const size_t *idx, size_t n)
{
    if (n < EMG_RUN_MIN_N)
        return;
    for (size_t k = 0; k < n; k++)
        if (r->events[idx[k]].type == EMG_FASCICULATION)
            r->events[idx[k]].flag_busy = 1;
}

static int sustained_activity(emg_spont_result *r)
{
    size_t *idx = malloc((r->n_events ? r->n_events : 1) * sizeof *idx), n = 0;
    if (!idx)
        return EDX_ERR_NOMEM;
    const emg_event *last = NULL;
    for (size_t i = 0; i < r->n_events; i++) {
        const emg_event *e = &r->events[i];
        if (!is_motor_unit_activity(r, e))
            continue;
        if (last && (e->site != last->site || e->time_s - last->time_s > EMG_RUN_GAP_S)) {
            flag_run(r, idx, n);
            n = 0;
        }
        idx[n++] = i;
        last = e;
    }
    flag_run(r, idx, n);
    free(idx);
    return EDX_OK;
}

int emg_fasc_context(emg_spont_result *r)
{
    int rc = emg_end_plate_amid(r);
    if (!rc)
        rc = sustained_activity(r);
    if (rc)
        return rc;
    for (size_t i = 0; i < r->n_events; i++) {
        emg_event *e = &r->events[i];
        if (e->type != EMG_FASCICULATION || e->flag_busy)
            continue;
        bool busy = !event_is_mup_sized(e);
        for (size_t j = i; j-- > 0 && e->time_s - r->events[j].time_s <= CONTEXT_S && !busy;)
            busy = r->events[j].unit != e->unit && bigger_busy(r, &r->events[j], i);
        for (size_t j = i + 1;
             j < r->n_events && r->events[j].time_s - e->time_s <= CONTEXT_S && !busy; j++)
            busy = r->events[j].unit != e->unit && bigger_busy(r, &r->events[j], i);
        if (busy)
            e->flag_busy = 1;
    }
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].flag_busy) {
            r->events[i].type = EMG_UNCLASSIFIED;
            r->events[i].flag_busy = 0;
        }
    return EDX_OK;
}

/* ---- isolated discharges of a bursting unit -------------------------------------------
 * A unit that fires in bursts (myokymic, neuromyotonic) may also fire
 * alone between them, as hyperexcitable motor axons do (clinical.md 1.1,
 * 5.5 [S43, S44]): a MUP-sized discharge of such a train with no other of
 * its discharges within 250 ms on either side is an isolated discharge, a
 * fasciculation by definition [S34], not part of a burst. Conversely a
 * fasciculating unit (mostly single discharges) whose bursts recur as
 * myokymic ones do fires those bursts as myokymic discharges [S43]. */
static bool is_bursting(const emg_spont_result *r, const emg_event *e)
{
    emg_type ty = r->trains[e->unit - 1].type;
    return ty == EMG_MYOKYMIC || ty == EMG_NEUROMYOTONIC;
}

/* Median discharge amplitude of each bursting train into typical_uv
 * (NAN for the others); scratch: room for n_events. */
static void typical_sizes(const emg_spont_result *r, double *typical_uv, double *scratch)
{
    for (size_t k = 0; k < r->n_trains; k++) {
        emg_type ty = r->trains[k].type;
        typical_uv[k] = ty == EMG_MYOKYMIC || ty == EMG_NEUROMYOTONIC
                            ? emg_train_median(r, k, EMG_FIELD_AMPLITUDE, scratch)
                            : NAN;
    }
}

/* Outside its bursts (no other of its discharges within a burst gap on
 * either side), a discharge whose size differs from its unit's typical one
 * by more than OTHER_UNIT_SIZE is another unit's of like shape. */
static bool other_units(const emg_event *e, double typical_uv, double before_s, double after_s)
{
    return before_s > EMG_BURST_GAP_S && after_s > EMG_BURST_GAP_S &&
           fabs(e->amplitude_uv - typical_uv) > OTHER_UNIT_SIZE * typical_uv;
}

/* A discharge between two of its unit's that are one interval within
 * bursts apart (on its rhythm), of another size than the unit's: the unit
 * fired at both at its steady rate [S43], and the one between, of another
 * size (OTHER_UNIT_SIZE), is another unit's [E]. */
static bool intruder(const emg_event *e, double typical_uv, double intra_s, double before_s,
                     double after_s)
{
    return fabs(before_s + after_s - intra_s) <= RHYTHM_FIT * intra_s &&
           fabs(e->amplitude_uv - typical_uv) > OTHER_UNIT_SIZE * typical_uv;
}

static bool out_of_bursts(double intra_s, double before_s, double after_s)
{
    return before_s > OUT_OF_BURST_INTERVALS * intra_s &&
           after_s > OUT_OF_BURST_INTERVALS * intra_s;
}

/* A discharge beside a burst: its unit's nearest discharge (near_s away)
 * on one side, none within OUT_OF_BURST_INTERVALS on the other (far_s of
 * quiet), and the interval to that neighbour off the unit's rhythm - more
 * than one interval within bursts and no whole number of them, counting up
 * to two discharges of the burst missed between. A burst's first and last
 * discharges keep its steady rate [S43]; one off it fired alone, beside
 * the burst: a fasciculation [S34] [E; simulator corpus C, 352 studies:
 * of the discharges of myokymic trains beside a burst, 4 of the 40,300
 * myokymic ones lie off the rhythm and 43 of the 98 fasciculations of
 * other units taken into the trains; fasciculation sensitivity 91.2 ->
 * 92.0 %, precision 96.8 % both]. */
static bool beside_burst(double intra_s, double near_s, double far_s)
{
    if (!(intra_s > 0) || !(far_s > OUT_OF_BURST_INTERVALS * intra_s))
        return false;
    double q = near_s / intra_s;
    return q > 1.0 && q < OUT_OF_BURST_INTERVALS + 0.5 && !on_rhythm(q);
}

/* beside_burst on the side of the nearer neighbour, when that neighbour
 * lies within the rest analysed (before_s, after_s: to the unit's previous
 * and next discharges; room_*: to the ends of the rest analysed). */
static bool beside_a_burst(double intra_s, double before_s, double after_s, double room_before_s,
                           double room_after_s)
{
    if (before_s <= after_s)
        return before_s <= room_before_s &&
               beside_burst(intra_s, before_s, fmin(after_s, room_after_s));
    return after_s <= room_after_s && beside_burst(intra_s, after_s, fmin(before_s, room_before_s));
}

/* How far the rest analysed around t reaches before and after it (spans in
 * time order; *j: the span index to start from, moved down as t falls). */
static void seen_around(const span *spans, size_t n_spans, size_t *j, double t_s, double *before_s,
                        double *after_s)
{
    while (*j > 0 && spans[*j].a_s > t_s)
        (*j)--;
    *before_s = n_spans ? fmax(t_s - spans[*j].a_s, 0.0) : INFINITY;
    *after_s = n_spans ? fmax(spans[*j].b_s - t_s, 0.0) : INFINITY;
}

int emg_isolated_from_bursts(emg_spont_result *r, const span *spans, size_t n_spans)
{
    size_t nt = r->n_trains + 1, ne = r->n_events + 1, j = n_spans ? n_spans - 1 : 0;
    double *prev_s = malloc(nt * sizeof *prev_s), *typical_uv = malloc(nt * sizeof *typical_uv);
    double *gap_s = malloc(ne * sizeof *gap_s), *scratch = malloc(ne * sizeof *scratch);
    int rc = prev_s && typical_uv && gap_s && scratch ? EDX_OK : EDX_ERR_NOMEM;
    if (!rc) {
        typical_sizes(r, typical_uv, scratch);
        for (size_t k = 0; k < r->n_trains; k++)
            prev_s[k] = -INFINITY;
        for (size_t i = 0; i < r->n_events; i++) { /* gap to the unit's previous discharge */
            const emg_event *e = &r->events[i];
            gap_s[i] = e->time_s - prev_s[e->unit - 1];
            prev_s[e->unit - 1] = e->time_s;
        }
        for (size_t k = 0; k < r->n_trains; k++)
            prev_s[k] = INFINITY;
    }
    for (size_t i = r->n_events; !rc && i-- > 0;) { /* ... and to its next one */
        emg_event *e = &r->events[i];
        size_t k = e->unit - 1;
        double after_s = prev_s[k] - e->time_s, room_before_s, room_after_s;
        double intra_s = r->trains[k].burst_within_ms / 1000.0;
        prev_s[k] = e->time_s;
        /* no discharge seen is not none fired: beyond the rest analysed,
         * the unit's discharges are unknown */
        seen_around(spans, n_spans, &j, e->time_s, &room_before_s, &room_after_s);
        double quiet_before_s = fmin(gap_s[i], room_before_s);
        double quiet_after_s = fmin(after_s, room_after_s);
        if (is_bursting(r, e) && event_is_mup_sized(e) &&
            ((quiet_before_s > EMG_ISOLATED_S && quiet_after_s > EMG_ISOLATED_S) ||
             (r->trains[k].type == EMG_MYOKYMIC &&
              (out_of_bursts(intra_s, quiet_before_s, quiet_after_s) ||
               beside_a_burst(intra_s, gap_s[i], after_s, room_before_s, room_after_s) ||
               intruder(e, typical_uv[k], intra_s, gap_s[i], after_s))) ||
             other_units(e, typical_uv[k], quiet_before_s, quiet_after_s)))
            e->type = EMG_FASCICULATION;
        else if (e->type == EMG_FASCICULATION && emg_recurring_bursts(&r->trains[k]) &&
                 (gap_s[i] < EMG_BURST_GAP_S || after_s < EMG_BURST_GAP_S))
            e->type = EMG_MYOKYMIC;
    }
    free(prev_s);
    free(typical_uv);
    free(gap_s);
    free(scratch);
    return rc;
}

/* ---- potentials that fire alone ------------------------------------------------------
 * An unplaced potential of two phases or more, at least as long as the
 * shortest fasciculation potential of [S28] (EMG_FP_MIN_MS) and larger than
 * an end-plate spike (100-200 uV [S53]), that fires alone is a
 * fasciculation [S34], even when briefer than a MUP's usual 5 ms (a small
 * motor unit whose low tails the noise hides: a duration read on one noisy
 * sweep runs short). Alone:
 *   - its generator fired at most twice in the rest analysed (a fibrillating
 *     fibre fires on, regularly [S51, S52]), or else fires at high rate
 *     (above HIGH_RATE_HZ: in bursts or cramps, which a hyperexcitable motor
 *     axon also fires alone between, as emg_isolated_from_bursts has it), or
 *     is a fasciculating unit whose discharge emg_fasc_context unplaced for
 *     its brevity;
 *   - no other discharge lies within BRIEF_QUIET_S (end-plate spikes fire in
 *     irregular runs, up to tens of Hz, with very short intervals [S53,
 *     S47]: 50 ms is the interval at 20 Hz), and none of MUP size
 *     (EMG_MUP_MIN_UV) within EMG_ISOLATED_S (isolated from motor unit
 *     activity [S34]);
 *   - except that a discharge of another generator's spontaneous activity
 *     (fibrillation, PSW, CRD, myotonic, myokymic, neuromyotonic), not of
 *     the potential's size (OTHER_UNIT_SIZE) and with the potential off its
 *     rhythm (on_rhythm_of), is neither an end-plate spike's run nor
 *     voluntary activity: it disturbs only within CONTEXT_S, as for
 *     emg_fasc_context's busy neighbours. On its rhythm and it may be that
 *     generator's own discharge, summed with another.
 * One that fills its whole window never settled: no simple potential [E;
 * simulator corpus C, 352 studies: 30 fasciculations more found, no other
 * discharge taken for one; the fasciculating units and the spontaneous
 * neighbours then 21 more, none taken in error]. */
#define EP_SPIKE_MAX_UV 200.0
#define BRIEF_QUIET_S 0.050

static bool may_fire_alone(const emg_spont_result *r, const emg_event *e)
{
    const emg_train *t = &r->trains[e->unit - 1];
    bool lone_generator = t->type == EMG_FASCICULATION ||
                          (t->type == EMG_UNCLASSIFIED && (t->n <= 2 || t->rate_hz > HIGH_RATE_HZ));
    return e->type == EMG_UNCLASSIFIED && lone_generator && e->phases >= 2 &&
           e->duration_ms >= EMG_FP_MIN_MS && e->duration_ms < EMG_PRE_MS + EMG_POST_MS &&
           e->amplitude_uv > EP_SPIKE_MAX_UV;
}

/* Whether discharge o is of another generator's spontaneous activity than
 * discharge i: a train of such a type, another size, i off its rhythm. */
static bool other_spontaneous(const emg_spont_result *r, size_t i, const emg_event *o)
{
    emg_type ty = (emg_type)o->type;
    if (ty != EMG_FIBRILLATION && ty != EMG_PSW && ty != EMG_CRD && ty != EMG_MYOTONIC &&
        ty != EMG_MYOKYMIC && ty != EMG_NEUROMYOTONIC)
        return false;
    double typical_uv = r->trains[o->unit - 1].shape.amplitude_uv;
    return fabs(r->events[i].amplitude_uv - typical_uv) > OTHER_UNIT_SIZE * typical_uv &&
           !on_rhythm_of(r, i, o->unit);
}

/* Whether discharge o, dt_s from discharge i, breaks i's isolation. */
static bool disturbs(const emg_spont_result *r, size_t i, const emg_event *o, double dt_s)
{
    if (other_spontaneous(r, i, o))
        return dt_s <= CONTEXT_S;
    return dt_s <= BRIEF_QUIET_S || o->amplitude_uv >= EMG_MUP_MIN_UV;
}

int emg_fired_alone(emg_spont_result *r)
{
    for (size_t i = 0; i < r->n_events; i++) {
        emg_event *e = &r->events[i];
        if (!may_fire_alone(r, e))
            continue;
        bool alone = true;
        for (size_t j = i; alone && j-- > 0 && e->time_s - r->events[j].time_s <= EMG_ISOLATED_S;)
            alone = !disturbs(r, i, &r->events[j], e->time_s - r->events[j].time_s);
        for (size_t j = i + 1;
             alone && j < r->n_events && r->events[j].time_s - e->time_s <= EMG_ISOLATED_S; j++)
            alone = !disturbs(r, i, &r->events[j], r->events[j].time_s - e->time_s);
        if (alone)
            e->type = EMG_FASCICULATION;
    }
    return EDX_OK;
}
