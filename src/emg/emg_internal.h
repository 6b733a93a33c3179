/*
 * emg_internal.h - what the files of the spontaneous-activity analyser
 * share (the .c files of src/emg, not those of src/emg/mup).
 *
 *   spont.c    the driver: rest intervals, streaming, detection, alignment
 *   units.c    trains of one generator by template matching (online)
 *   trains.c   train statistics and the classification rules
 *   summary.c  per-muscle counts, grade, automatic rest, events table
 *   context.c  a fasciculation-like discharge among its neighbours
 *   pieces.c   one generator's train found in pieces, joined
 *   split.c    two generators' discharges in one train, taken apart
 *   phase.c    two fibres at nearly one rate, followed phase by phase
 *   hidden.c   a fibrillating fibre's discharges among other activity
 */
#ifndef EDX_EMG_INTERNAL_H
#define EDX_EMG_INTERNAL_H

#include "edx/emg.h"

/* Timing of one train from its discharge times (s) and amplitudes (µV),
 * sorted by time; fills the timing fields of t (not unit, type, shape). */
void emg_train_timing(const double *time_s, const float *amp_uv, size_t n, emg_train *t);

/* log10 of P(X >= h) for X ~ Binomial(n, p): how likely chance alone
 * gives h hits or more in n tries of probability p each (trains.c); in
 * O(min(h, n - h)) plus the terms that matter. */
double emg_log10_binomial_tail(size_t h, size_t n, double p);

/* Median (v[n / 2] of v sorted) of v[0..n), reordering v: sorted when
 * short, partly ordered by selection when longer; NAN when n is 0. */
double emg_small_median(double *v, size_t n);

/* k-th smallest of v[0..n), n > 0, k < n (v is reordered): Hoare's
 * selection, linear on average (src/emg/detect.c). */
double emg_select_kth(double *v, size_t n, size_t k);

/* The rules of clinical.md 1.3 applied to one train (timing + mean shape). */
emg_type emg_classify_train(const emg_train *t);

/* A discharge's window around its largest deflection: before it, MUP
 * onsets [S28]; after it, PSWs last up to 30 ms [S52]. A duration of the
 * whole window means the potential never settled within it. */
#define EMG_PRE_MS 6.0
#define EMG_POST_MS 26.0

/* A discharge with none of its unit's others within this on either side
 * is isolated [S34]; five or more MUP-sized discharges each less than
 * 250 ms after the one before are sustained firing at recruitment rates
 * (clinical.md 1.3 [S54]); five phases or more make a potential
 * polyphasic [S55]. */
#define EMG_ISOLATED_S 0.25
#define EMG_RUN_GAP_S 0.25
#define EMG_RUN_MIN_N 5
#define EMG_POLYPHASIC 5

/* MUP-sized at rest: > ~100 uV, > ~5 ms (clinical.md 1.3); FPs 0.1-3.6 mV,
 * ALS TA 123-1480 uV, 2.8-23.9 ms [S28]: the shortest, 2.8 ms. */
#define EMG_MUP_MIN_UV 100.0
#define EMG_FP_MIN_MS 2.8

/* Neuromyotonic: one motor unit firing above 150 Hz [S44] (clinical.md
 * 1.1), five discharges at least to tell (trains.c's rule, split.c's runs)
 * [E]. */
#define EMG_NEUROMYOTONIC_HZ 150.0
#define EMG_NEUROMYOTONIC_MIN_N 5

/* A single fibre's potential, measured in noise and beside others, keeps
 * its size within 30 % (hidden.c's chains, split.c's sums) [E]. */
#define EMG_FIBRE_SIZE_TOLERANCE 0.30

/* Discharges of one unit less than this apart form a burst: myokymic
 * bursts fire at 20-70 Hz within [S96] (src/emg/trains.c) [E]. */
#define EMG_BURST_GAP_S 0.100

/* The timing of a myotonic run (clinical.md 1.1 [S45, S52]): one run or
 * two at 15-150 Hz whose intervals change gradually (src/emg/trains.c);
 * whether rate and amplitude wax and wane enough is emg_classify_train's. */
bool emg_is_gradual_run(const emg_train *t);

/* The timing of myokymic discharges (clinical.md 1.1 [S43, S96]): three or
 * more bursts recurring semi-rhythmically, at a steady rate of <= 70 Hz
 * within each; whether most discharges are in bursts is the caller's. */
bool emg_recurring_bursts(const emg_train *t);

/* MUP-sized: >= 100 uV, at least biphasic, longer than 5 ms or polyphasic,
 * or from 2.8 ms when larger than a fibrillation (300 uV) or, starting
 * negative, than two end-plate spikes (400 uV) (clinical.md 1.1, 1.3, 2.1;
 * src/emg/trains.c). */
bool emg_is_mup_sized(double amplitude_uv, double duration_ms, int phases, int first_polarity);

/* A PSW's shape: initial positive sharp deflection that dominates, then a
 * long negative phase, no initial negativity (clinical.md 1.1 [S52, S45];
 * src/emg/trains.c). */
bool emg_is_psw_shaped(const emg_features *f);

/* Whether discharge e is shaped like a spike of end-plate train ep. */
bool emg_event_like_end_plate(const emg_event *e, const emg_train *ep);

/* A stretch of rest analysed, seconds from the file's start. */
typedef struct span {
    double a_s, b_s;
} span;

/* ---- trains being built (units.c) ---------------------------------------- */

typedef struct emg_unit_rec {
    uint32_t id;
    unsigned site;
    size_t n;
    double last_s, prev_s; /* last two discharges */
    double older_s[2];     /* the two before them (-INFINITY when unknown) */
    double last_amp_uv;   /* peak-to-peak of the last discharge */
    double last_gain;     /* of the last discharge on the mean waveform */
    int first_polarity;   /* of the mean waveform */
    double noise_uv;      /* mean noise sd of the signal where its discharges lay */
    uint32_t alias;       /* the train it was merged into, 0 when none */
    float *tmpl;          /* mean aligned waveform while active, NULL once retired */
    float *btmpl;         /* the same in the detection band (tmpl + len): matched */
    double tmpl_energy;   /* of btmpl in the comparison window */
    size_t win_a, win_z;  /* comparison window in the template */
    emg_features shape;   /* measured on the mean waveform at retirement */
} emg_unit_rec;

typedef struct emg_units {
    size_t len;           /* samples per waveform */
    size_t pre;           /* index of the aligned largest deflection */
    double fs_hz;
    double match_score;   /* options' match_ncc */
    double retire_s;      /* a train not seen for this long is closed */
    emg_unit_rec *rec;    /* every train, index = id - 1 */
    size_t n_rec, cap_rec;
    size_t *active;       /* indices into rec */
    size_t n_active, cap_active;
    double *work;         /* 4 len doubles */
    double last_t_s;      /* time of the last discharge assigned, on its train's mean */
} emg_units;

int emg_units_init(emg_units *u, double fs_hz, size_t pre, size_t len, double match_score);
void emg_units_free(emg_units *u);
/* Assigns an aligned waveform w (len samples, largest deflection at pre) of
 * amplitude amp_uv at time t_s, site
 * `site`, to a train: an active one it matches, or a new one. *unit
 * receives the id. bw is the same stretch in the detection band, whose
 * noise sd is noise_uv: trains are matched there, where slow noise and
 * baseline wander do not count against a match, and w goes into the mean
 * waveform that is measured. */
int emg_units_assign(emg_units *u, const double *w, const double *bw, double amp_uv, double t_s,
                     unsigned site, double noise_uv, bool is_weak, uint32_t *unit);
/* A waveform no train matches may be an established train's discharge with
 * another on top (overlap): the established train of the site that
 * explains it best (correlation >= 0.75 in its window, amplitude step as
 * for a match), and leaves a residual peak of min_residual_uv or more (the
 * other discharge), gets the discharge counted, its mean untouched; returns its
 * id, or 0. */
uint32_t emg_units_explain(emg_units *u, const double *bw, unsigned site, double t_s,
                           double min_residual_uv);
/* Takes the fitted mean waveform of train id out of x[0..len) and its band
 * mean out of y[0..len), the same stretch in the detection band (the
 * waveform's largest deflection at pre; fitted in y): peeling apart
 * overlapping discharges; only [lo..hi) changes. false (both untouched)
 * when the train is not established (fewer than 5 discharges) or does not
 * fit. */
bool emg_units_subtract(emg_units *u, uint32_t id, double *x, double *y, size_t lo, size_t hi);
/* The discharge of train id before its last one (-INFINITY if none). */
double emg_units_prev_s(const emg_units *u, uint32_t id);
/* A discharge of a regular train is due within this share of its interval
 * of where the rhythm puts it (units.c, spont.c) [E]. */
#define EMG_TIMING_FIT 0.1

/* Discharges of train id missed since its previous one: when the train is
 * established, its two intervals before that one are alike and its latest
 * interval spans 2..4 of them, returns how many were missed (1..3),
 * *from_s the previous discharge and *step_s the interval they were due
 * at; 0 otherwise. */
int emg_units_missed(const emg_units *u, uint32_t id, double *from_s, double *step_s);
/* Position in y[lo..hi) (indices of the aligned peak, y long enough around
 * them for the train's comparison window) where train id's mean waveform
 * in the detection band fits best (largest normalised correlation,
 * *ncc); lo when none fits with its own sign. */
size_t emg_units_search(const emg_units *u, uint32_t id, const double *y, size_t lo, size_t hi,
                        double *ncc);
/* Counts the aligned waveform bw (detection band) a discharge of train id
 * at a time it was due, when it matches as a weak candidate due then
 * would (emg_units_assign); the mean and the train's times are left
 * alone. */
bool emg_units_take_due(emg_units *u, uint32_t id, const double *bw, double noise_uv);
/* The train's missed discharges looked for: its last intervals are its
 * rhythm, step_s apart. */
void emg_units_set_rhythm(emg_units *u, uint32_t id, double step_s);
/* Whether a weak candidate at site lo_site or hi_site could join a train
 * (an active one there established enough to be followed through noise):
 * when not, it is not worth aligning and measuring. */
bool emg_units_can_take_weak(const emg_units *u, unsigned lo_site, unsigned hi_site);
/* The train a (possibly merged) id belongs to now. */
uint32_t emg_units_root(const emg_units *u, uint32_t id);
/* Closes trains idle since before now_s (all when now_s is INFINITY),
 * measuring each mean waveform against the noise its discharges lay in. */
void emg_units_retire(emg_units *u, double now_s);

/* ---- after streaming (split.c, pieces.c, summary.c, context.c) ---------------------- */

/* Joins the pieces of one generator's train (one rhythm in pieces, one
 * discharge continuing as another train, or a myotonic run whose small
 * first and last discharges went to trains of their own); re-times and
 * re-classifies the trains that grow. */
int emg_join_pieces(emg_spont_result *r);

/* Timing and class of train k (unit k + 1) from its events, after its
 * discharges changed (pieces.c); times and amps: room for them. */
void emg_rebuild_train(emg_spont_result *r, size_t k, double *times, float *amps);

/* All discharges of train `from` (unit from + 1) to train `to` (pieces.c). */
void emg_move_discharges(emg_spont_result *r, size_t from, size_t to);

/* Median of one measure of train k's discharges (pieces.c); v: room for
 * them. */
typedef enum emg_event_field {
    EMG_FIELD_DURATION,
    EMG_FIELD_PHASES,
    EMG_FIELD_AMPLITUDE
} emg_event_field;
double emg_train_median(const emg_spont_result *r, size_t k, emg_event_field what, double *v);

/* Train k's typical discharge (pieces.c): the median amplitude, duration
 * and phases of its discharges as each was measured, their usual first
 * polarity and sign of the largest deflection (main_sign -1 on a tie);
 * what only a mean waveform shows is NAN. Within bursts, or among other
 * activity, the mean waveform of a part taken from a train holds its
 * neighbours' tails; its discharges, each measured on its own, do not.
 * scratch: room for n_events. */
emg_features emg_typical_discharge(const emg_spont_result *r, size_t k, double *scratch);

/* Times of train k (unit k + 1) into times, sorted as the events are;
 * returns how many (pieces.c). */
size_t emg_train_times(const emg_spont_result *r, size_t k, double *times);

/* Trains that are part of another's discharges (summary.c): another fibre
 * of a complex at a fixed lag, or a single fibre potential's lesser phase
 * detected on its own, within the potential's duration of a larger
 * train's; their discharges are removed and they are left empty and
 * unclassified. Events sorted by time, trains[k] of unit k + 1. EDX_OK or
 * EDX_ERR_NOMEM. */
int emg_drop_locked(emg_spont_result *r);

/* Splits each train whose discharges fall into two amplitude groups of
 * which one fires with a rhythm of its own (split.c): the upper group
 * becomes a new train (unit id = its index + 1, after the others), and
 * both are timed and classified again. EDX_OK or EDX_ERR_NOMEM. */
int emg_split_mixed(emg_spont_result *r);

/* A discharge of a fasciculation train where rhythmic trains of its site
 * miss one that is due, no larger than their potentials together, goes to
 * the nearest of them (split.c): two fibres' discharges summed. The
 * fasciculation trains that gave are timed and classified again, the
 * rhythms timed again and keep their class. Events sorted by time. EDX_OK
 * or EDX_ERR_NOMEM. */
int emg_return_summed(emg_spont_result *r);

/* One fibre's discharges among another's at nearly the same rate (phase.c):
 * the longest chain of t[0..n) (sorted) that keeps a fibrillation rhythm,
 * followed from discharge to discharge, when it is long, nearly unbroken
 * and beyond chance given the train's density where it runs and the
 * chains tried; its discharges get mark[i] = 1 (the others 0). Returns how
 * many, 0 when none stands. */
size_t emg_phase_chain(const double *t, size_t n, unsigned char *mark);

/* A fibrillating fibre's discharges spread over unclassified and
 * end-plate trains of a needle site, found by their initial positivity,
 * size and rhythm (hidden.c), each become a train of their own when
 * emg_classify_chain places it. Events sorted by time. EDX_OK or
 * EDX_ERR_NOMEM. */
int emg_hidden_fibrillation(emg_spont_result *r);

/* The class of such a train (trains.c): its timing, and its shape from its
 * discharges' medians with the sign of their largest deflection. */
emg_type emg_classify_chain(const emg_train *t);

/* Fasciculation discharges that are end-plate activity become end_plate
 * (context.c): those of a one- or two-discharge generator shaped like the
 * spikes of an end-plate train at their needle site and within its span,
 * and all of a longer fasciculation train most of whose discharges are
 * (clinical.md 1.1 [S53, S51]); so does an initially negative fibrillation
 * train most of whose discharges are. Before the fasciculations' context
 * is judged. EDX_OK or EDX_ERR_NOMEM. */
int emg_end_plate_amid(emg_spont_result *r);

/* The fasciculations' context (src/emg/context.c), once events carry their
 * trains' types: end-plate activity (emg_end_plate_amid); discharges in
 * sustained motor unit activity (five or more MUP-sized discharges of any
 * generators each < 250 ms after the one before [S34, S54]) and those
 * within 20 ms of other high-rate or voluntary activity, or not MUP-sized
 * themselves, become unclassified. EDX_OK or EDX_ERR_NOMEM. */
int emg_fasc_context(emg_spont_result *r);

/* After emg_fasc_context: an unplaced potential that fires alone (its
 * generator fired at most twice, fires above 15 Hz or is a fasciculating
 * unit; nothing within 50 ms, nothing MUP-sized within 250 ms, but another
 * generator's spontaneous discharge of another size, the potential off its
 * rhythm, only within 20 ms), at least biphasic, 2.8 ms or longer and
 * larger than an end-plate spike, becomes a fasciculation (context.c).
 * EDX_OK. */
int emg_fired_alone(emg_spont_result *r);

/* Discharges of a myokymic or neuromyotonic train with none of the train's
 * others within 250 ms on either side, MUP-sized, become fasciculations
 * [S34], as do a myokymic train's outside its bursts; those of a
 * fasciculating unit whose bursts recur as myokymic ones do
 * (emg_recurring_bursts) that are in a burst become myokymic
 * (src/emg/context.c). Events sorted by time; trains' timing as
 * emg_train_timing left it for their discharges (bursts, intervals within
 * them); spans (n_spans, in time order): the rest analysed, beyond which
 * nothing is known of the unit's firing. */
int emg_isolated_from_bursts(emg_spont_result *r, const span *spans, size_t n_spans);

/* Trains from the retired units, their classification, the events' types,
 * the automatic rest (without activation annotations), counts and grade. */
int emg_summarise(emg_spont_result *r, const emg_units *u, const study_muscle *m,
                  const span *spans, size_t n_spans);

#endif
