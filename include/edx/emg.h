/*
 * edx/emg.h - the needle EMG measure stage: spontaneous activity at rest.
 *
 * Two layers:
 *
 *   building blocks (emg_biquad ... emg_reader): streaming filters, mains-hum
 *   removal, a robust noise estimate, threshold detection, waveform features,
 *   up-sampled alignment and template matching, and a block reader over one
 *   muscle's part of a signal. They keep their state in structs the caller
 *   owns, allocate only where a function says so, and are shared with the
 *   motor unit potential analysis (src/emg/mup/).
 *
 *   the analyser (emg_spont_*): rest epochs -> candidate potentials ->
 *   features -> trains of one generator -> classification (clinical.md
 *   section 1) -> per-muscle counts and one row per discharge.
 *
 * Polarity: amplitudes keep the sign stored in the file (EDF+ rule: the
 * potential of the active electrode, positive stored positive). A
 * fibrillation's "initial positive" phase is therefore positive here and
 * drawn downward in the report (negativity up).
 *
 * Units are in the names (_uv, _ms, _s, _hz). Nothing here prints or exits;
 * errors are negative edx_err values with details in an edx_diags sink.
 */
#ifndef EDX_EMG_H
#define EDX_EMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edx/common.h"
#include "edx/edf.h"
#include "edx/study.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EMG_PI 3.14159265358979323846 /* for the filters, the hum and MUP tapers */

/* ---- filters (src/emg/filter.c) --------------------------------------------
 * Second-order sections (RBJ cookbook form, Butterworth Q = 1/sqrt(2)) run
 * causally, sample by sample, keeping their state between calls so that a
 * signal can be filtered block by block with the same result as at once.
 */
typedef struct emg_biquad {
    double b0, b1, b2, a1, a2; /* a0 normalised to 1 */
    double z1, z2;             /* transposed direct form II state */
} emg_biquad;

/* Designs a Butterworth high- or low-pass section; the state is cleared.
 * EDX_ERR_INVALID unless 0 < fc_hz < fs_hz / 2. */
int emg_biquad_highpass(emg_biquad *q, double fs_hz, double fc_hz);
int emg_biquad_lowpass(emg_biquad *q, double fs_hz, double fc_hz);
/* Filters n samples; in and out may be the same array. */
void emg_biquad_run(emg_biquad *q, const double *in, double *out, size_t n);

/* A band-pass: high-pass at lo_hz, then low-pass at hi_hz when hi_hz is
 * below 0.45 fs (otherwise the low-pass is left out). */
typedef struct emg_bandpass {
    emg_biquad hp, lp;
    bool has_lp;
} emg_bandpass;
int emg_bandpass_init(emg_bandpass *bp, double fs_hz, double lo_hz, double hi_hz);
void emg_bandpass_run(emg_bandpass *bp, const double *in, double *out, size_t n);

/* A cheap high-pass for detection: x minus its moving mean over `width`
 * samples, centred (the output lags the input by (width - 1) / 2 samples,
 * which the caller accounts for), then a [1 2 1] / 4 smoothing when
 * `smooth`. Streaming: emg_hpmean_run takes the newest n samples, with the
 * `width + 1` samples before them at x[-width-1 .. -1] (the caller keeps
 * that history), and writes y for the samples (width - 1) / 2 + 1 earlier.
 * A few additions per sample, where a biquad pair costs a chain of
 * multiplications: the analyser's detection band on long recordings. */
typedef struct emg_hpmean {
    size_t width;
    double sum;      /* of the last `width` inputs */
    double prev[2];  /* last two unsmoothed outputs */
    bool smooth;
    bool is_primed;
} emg_hpmean;
void emg_hpmean_init(emg_hpmean *h, size_t width, bool smooth);
/* Delay (samples) of y behind x. */
size_t emg_hpmean_delay(const emg_hpmean *h);
/* x points at the first new sample (history before it, see above); y[k] is
 * the output for input x[k - delay]. */
void emg_hpmean_run(emg_hpmean *h, const double *x, size_t n, double *y);

/* Block-averaging decimator (factor >= 1): out gets one mean per `factor`
 * input samples, carrying partial sums between calls. Returns the number of
 * output samples (at most n / factor + 1). */
typedef struct emg_decimator {
    int factor;
    int count;
    double sum;
} emg_decimator;
void emg_decimator_init(emg_decimator *d, int factor);
size_t emg_decimate(emg_decimator *d, const double *in, size_t n, double *out);

/* ---- mains hum (src/emg/mains.c) --------------------------------------------
 * emg_mains_detect looks at 50 and 60 Hz and their odd harmonics (Goertzel
 * power against neighbouring frequencies) and returns 50, 60, or 0 when
 * neither stands out; *hum_uv (may be NULL) receives the fundamental's
 * amplitude.
 *
 * emg_mains removes the hum with a running periodic template: the average
 * waveform over whole mains periods (all harmonics at once), subtracted
 * sample by sample. Each sample moves the template by a small step whose
 * innovation is clipped to clip_uv, so that a potential (which is not phase
 * locked to the mains) barely moves it: potentials keep their shape. The
 * period is a whole number of samples spanning k mains cycles (k chosen so
 * that k * fs / mains_hz is within 0.02 samples of an integer).
 */
double emg_mains_detect(const double *x, size_t n, double fs_hz, double *hum_uv);

typedef struct emg_mains {
    double *tmpl;       /* period samples */
    size_t period;
    double alpha;       /* template step per visit (1 / periods averaged) */
    double clip_uv;     /* largest innovation per sample */
    uint64_t visits;    /* samples learnt from, for the start-up average */
    bool frozen;        /* set: subtracts only and learns nothing (dense activity) */
    double *mark;       /* the template at the last emg_mains_mark (period samples) */
    uint64_t mark_visits;
} emg_mains;
/* EDX_ERR_INVALID when no usable period exists, EDX_ERR_NOMEM. */
int emg_mains_init(emg_mains *m, double fs_hz, double mains_hz, double clip_uv);
/* Removes the hum from x[0..n) in place; `first` is the absolute index of
 * x[0] in the signal (the template is indexed by phase). While m->frozen
 * the template is subtracted as it stands and not updated. */
void emg_mains_run(emg_mains *m, double *x, size_t n, int64_t first);
/* Remembers the template as it stands; emg_mains_undo returns to it,
 * forgetting what was learnt since (from activity that was no hum). */
void emg_mains_mark(emg_mains *m);
void emg_mains_undo(emg_mains *m);
void emg_mains_free(emg_mains *m);

/* ---- noise (src/emg/detect.c) ------------------------------------------------
 * Robust standard deviation of a zero-mean (band-passed) signal: the median
 * of |x| over every stride-th sample, divided by 0.6745 (the median absolute
 * deviation of a normal distribution). Potentials occupy a small share of
 * the samples and hardly move it. scratch holds n / stride + 1 doubles.
 * Returns 0 when n == 0.
 */
double emg_noise_sd(const double *x, size_t n, size_t stride, double *scratch);

/* ---- detection (src/emg/detect.c) ------------------------------------------
 * A candidate potential is a run of samples where |y| >= threshold, runs
 * closer than gap samples being merged. Runs longer than max_len are split
 * at the local maxima of |y| that are the largest within split_half samples
 * either side.
 */
typedef struct emg_run {
    int64_t start, end; /* [start, end) in the signal's sample index */
    int64_t peak;       /* largest |y| */
    double peak_uv;     /* y at peak (signed) */
} emg_run;

/* Finds the runs of y[lo..hi) (indices relative to y, `first` the absolute
 * index of y[0]) and appends up to cap of them to out. A run that has not
 * ended by hi is not reported: *resume (relative) receives where the next
 * call should start scanning (hi when everything was closed). Returns the
 * number of runs written. */
size_t emg_detect_runs(const double *y, size_t lo, size_t hi, int64_t first, double threshold,
                       size_t gap, size_t max_len, size_t split_half, emg_run *out, size_t cap,
                       size_t *resume);

/* ---- waveform features (src/emg/features.c) ---------------------------------
 * Measured on a baseline-corrected waveform x[0..n) at fs_hz around its
 * largest deflection, with noise_uv the noise standard deviation:
 *   amplitude_uv  peak to peak;
 *   onset / end   first departure from and last return to the baseline: where
 *                 |x| first and last exceeds max(3 noise, 5 % of the
 *                 amplitude) (clinical.md 2.1, "duration");
 *   phases        baseline crossings + 1, counting only excursions beyond
 *                 max(3 noise, 5 % of the amplitude);
 *   turns         direction changes of at least max(25 uV, 4 noise) that do
 *                 not cross the baseline (clinical.md 2.1 [U]: 25 uV);
 *   first_polarity sign of the first phase as stored (+1 positive, -1 negative);
 *   rise_time_ms  from the preceding extreme of opposite sign (or the onset)
 *                 to the largest deflection;
 *   area_uv_ms    integral of |x| between onset and end;
 *   peak_index    index of the largest |x|; main_sign its sign;
 *   after_peak_ms time from the largest deflection to the end.
 */
typedef struct emg_features {
    double amplitude_uv;
    double duration_ms;
    double onset_ms, end_ms;  /* relative to x[0] */
    int phases, turns;
    int first_polarity;       /* +1, -1, 0 when nothing rises above noise */
    double rise_time_ms;
    double area_uv_ms;
    size_t peak_index;
    int main_sign;
    double max_pos_uv, max_neg_uv; /* largest positive value, most negative value */
    double after_peak_ms;
} emg_features;
int emg_features_measure(const double *x, size_t n, double fs_hz, double noise_uv, emg_features *f);
/* The same, measured around the deflection at index pk (a potential aligned
 * there) rather than the largest in x, the potential ending where the
 * signal has stayed at baseline for quiet_ms (emg_features_measure: 3 ms):
 * a larger neighbour elsewhere in the window, beyond that stretch of
 * baseline, is not measured as this potential. */
int emg_features_measure_at(const double *x, size_t n, size_t pk, double fs_hz, double noise_uv,
                            double quiet_ms, emg_features *f);
/* Both at once for two lengths of baseline, quiet_a_ms into fa and
 * quiet_b_ms into fb: one walk out from the peak serves both. */
int emg_features_measure_two(const double *x, size_t n, size_t pk, double fs_hz, double noise_uv,
                             double quiet_a_ms, double quiet_b_ms, emg_features *fa,
                             emg_features *fb);

/* Whether x holds, after x[pk] and within the extent f measured at pk
 * (f->end_ms), a deflection larger than ratio times |x[pk]|: x[pk] is then
 * a leading phase of a larger potential. */
bool emg_features_later_larger(const double *x, size_t n, size_t pk, double fs_hz,
                               const emg_features *f, double ratio);

/* Standard deviation of x[0..n) about its mean: the noise left in an
 * averaged waveform, read from a stretch of it before the potential. */
double emg_flank_noise_uv(const double *x, size_t n);

/* ---- alignment and template matching (src/emg/template.c) -------------------
 * emg_peak_refine: fractional index of the extreme at i (parabola through
 * i-1, i, i+1). emg_resample: out[k] = x(k + shift) by cubic (Catmull-Rom)
 * interpolation, x held at its end values outside [0, n) - up-sampling for
 * sub-sample alignment. emg_ncc: normalised correlation of two waveforms.
 * emg_fit: least-squares gain g of t in s (s ~ g t) and the residual energy
 * per sample of s - g t.
 */
double emg_peak_refine(const double *x, size_t n, size_t i);
void emg_resample(const double *x, size_t n, double shift, double *out, size_t n_out);
/* The same for out[k0..k1) only (the rest of out untouched). */
void emg_resample_range(const double *x, size_t n, double shift, double *out, size_t k0, size_t k1);
double emg_ncc(const double *a, const double *b, size_t n);
double emg_fit(const double *s, const double *t, size_t n, double *residual_per_sample);

/* ---- reading one muscle (src/emg/reader.c) -----------------------------------
 * Streams a signal between two times in blocks of at most `block` samples
 * (µV), across EDF+D gaps, with bounded memory.
 */
typedef struct emg_reader {
    edf_file *file;
    int signal;
    double fs_hz;
    double next_s, end_s;
    double *buf;
    size_t cap;
    int64_t next_index; /* absolute sample index of the next block's first sample */
    /* decimating (emg_reader_open_mean): digital samples summed in groups */
    int factor;
    edf_mean_carry carry; /* the group the last block left open */
    double uv_a, uv_b;    /* microvolts = a * digital + b */
} emg_reader;
int emg_reader_open(emg_reader *r, edf_file *f, int signal, double t0_s, double t1_s,
                    size_t block);
/* The same, decimating: each sample returned is the mean of `factor`
 * consecutive samples of the file (groups counted from t0_s on, carried
 * across blocks and EDF+D gaps), as emg_decimate would give, but summed as
 * the integers stored and scaled once per group; `block` counts the file's
 * samples, *n the means, and *first and *t_s still refer to the first
 * sample of the file read for the block (the first mean may complete a
 * group the block before began). */
int emg_reader_open_mean(emg_reader *r, edf_file *f, int signal, double t0_s, double t1_s,
                         size_t block, int factor);
/* *n == 0 at the end. *first receives the absolute sample index of x[0],
 * *t_s its time. */
int emg_reader_next(emg_reader *r, const double **x, size_t *n, int64_t *first, double *t_s);
/* The same into the caller's out, which holds `block` samples (means:
 * block / factor + 1), so that they need not be copied on. */
int emg_reader_next_into(emg_reader *r, double *out, size_t *n, int64_t *first, double *t_s);
void emg_reader_close(emg_reader *r);

/* ---- the spontaneous-activity analyser (src/emg/spont.c) ---------------------- */

typedef enum emg_type {
    EMG_UNCLASSIFIED = 0,
    EMG_FIBRILLATION,
    EMG_PSW,
    EMG_FASCICULATION,
    EMG_CRD,
    EMG_MYOTONIC,
    EMG_MYOKYMIC,
    EMG_NEUROMYOTONIC,
    EMG_END_PLATE,
    EMG_MUP, /* a voluntary (or continuously firing) motor unit: not spontaneous */
    EMG_TYPE_COUNT
} emg_type;

/* events.tsv names: "fibrillation", "positive_sharp_wave", ..., "unclassified". */
const char *emg_type_name(emg_type t);

/* One discharge. */
typedef struct emg_event {
    double time_s;       /* of the largest deflection, from the file's start */
    float amplitude_uv;  /* peak to peak */
    float duration_ms;
    uint32_t unit;       /* train (generator) number within the muscle, from 1 */
    uint8_t type;        /* emg_type */
    uint8_t phases;
    int8_t first_polarity;
    uint8_t site;        /* needle site index (0 before the first annotated move) */
    uint8_t flag_busy;   /* working flag of the analyser; 0 in results */
    int8_t main_sign;    /* sign of the largest deflection, 0 when not measured */
    uint8_t is_due;      /* found where its regular train's rhythm had it due, under
                          * the detection threshold (a weaker reading: left out of
                          * the train's typical size and shape) */
} emg_event;

/* One train: the discharges of one generator and what they add up to. */
typedef struct emg_train {
    uint32_t unit;
    emg_type type;
    size_t n;                 /* discharges */
    unsigned site;
    double first_s, last_s;
    double rate_hz;           /* median of 1 / interval */
    double interval_cv;       /* of intervals within 15 % of a multiple of the base interval */
    double steady_cv;         /* the same within the stretches between abrupt rate steps */
    double min_interval_ms;
    double median_interval_ms;
    double interval_p10_ms;   /* 10th percentile of the intervals */
    double regular_fraction;  /* intervals that fit the base interval (or a multiple) */
    double rate_trend;        /* last / first quarter rate, 1 = steady */
    double rate_swing, amp_swing; /* max / min of smoothed rate and amplitude */
    double interval_jitter;   /* median |ln| of consecutive interval ratios */
    int n_bursts;             /* groups of >= 2 discharges < 100 ms apart (or less than
                               * a fast-bursting unit's pauses, trains.c) */
    double burst_fraction;    /* discharges in such groups */
    double burst_interval_cv; /* of the intervals between group onsets (1.4826 MAD / median) */
    double burst_rate_cv;     /* of the intervals within groups (the same) */
    double burst_within_ms;   /* median interval within groups (NAN: no group) */
    int doublets;             /* pairs 2-20 ms apart standing alone [S83] */
    emg_features shape;       /* of the mean waveform */
} emg_train;

typedef struct emg_options {
    double threshold_sd;     /* detection threshold, noise SDs (4.5) */
    double weak_sd;          /* lower threshold: candidates that may only join a train (3.5) */
    double detect_lo_hz;     /* detection band's lower edge (150 Hz) */
    double match_ncc;        /* a discharge joins a train when its correlation with the train's
                                mean reaches this share of what its noise allows (0.8) */
    double insertion_s;      /* skipped after each needle move (0.3) */
    size_t max_events;       /* bound on discharges kept (500000) */
} emg_options;
void emg_options_default(emg_options *o);

typedef struct emg_type_count {
    size_t trains, discharges;
} emg_type_count;

typedef struct emg_spont_result {
    double rest_s;            /* rest analysed, seconds */
    bool is_rest_automatic;   /* no activation annotations: rest found by the analyser */
    double noise_uv;          /* median noise SD of the detection band */
    double mains_hz;          /* 50, 60, 0 (none found), NAN (no rest to look in) */
    double mains_uv;          /* hum amplitude before removal */
    double sample_rate_hz;    /* of the analysis (after decimation) */
    emg_type_count count[EMG_TYPE_COUNT];
    size_t fasc_units;        /* most fasciculating units seen at one needle site */
    double fasc_complex_pct;  /* NAN without fasciculations */
    size_t fasc_isolated;     /* fasciculations > 250 ms from the unit's others [S34] */
    size_t doublets;
    int fib_psw_grade;        /* 0..4, or -1 without needle sites */
    size_t n_sites, n_sites_positive;
    bool is_events_capped;
    emg_event *events;
    size_t n_events;
    emg_train *trains;
    size_t n_trains;
} emg_spont_result;

/*
 * Analyses the rest of one muscle (m->file's signal m->signal, opened as f).
 * On success *out holds the result (free with emg_spont_free); warnings go
 * to d (EMG-... codes). Errors: EDX_ERR_INVALID, EDX_ERR_NOMEM, the reader's.
 */
int emg_spont_analyse(edf_file *f, const study_muscle *m, const emg_options *opt,
                      emg_spont_result *out, edx_diags *d);
void emg_spont_free(emg_spont_result *r);

/* The events table (findings-json.md): header and one row per discharge,
 * sorted by time, numbers printed with a '.'. *text is malloc'ed. */
int emg_events_tsv(const emg_spont_result *r, char **text, size_t *size);

#ifdef __cplusplus
}
#endif
#endif /* EDX_EMG_H */
