/*
 * emg_internal.h - the needle EMG renderer's parts (emg_*.c).
 *
 *   emg_sfap.c       single-fibre action potentials (line-source model),
 *                    the oversampled waveform type and its low-pass filter
 *   emg_mup.c        motor unit anatomy, MUP assembly, jitter and blocking
 *   emg_spont.c      spontaneous generators (clinical.md 1.1)
 *   emg_voluntary.c  recruitment and voluntary MUP trains (clinical.md 2.4)
 *   emg_render.c     sim_emg_render(): sites, placement, measurement, noise
 *
 * Time runs on two grids: the output grid (fs_hz) and an oversampled grid
 * (fs_hz * os). Waveforms are built and low-pass filtered on the oversampled
 * grid; a discharge is placed by picking every os-th sample from an
 * oversampled offset, which both decimates and shifts with sub-sample
 * resolution.
 *
 * Generator ids (sim_event.unit), unique within a muscle: voluntary unit i
 * at needle site s is 100 * (s + 1) + i (below 1000); spontaneous
 * generator k of a kind is EMG_ID_<kind> + k; cramp unit i of burst k is
 * EMG_ID_CRAMP + 100 * k + i; the insertional burst after needle move m
 * (starting site m + 1) is EMG_ID_INSERTIONAL + m + 1.
 */
#ifndef EDX_SIM_EMG_INTERNAL_H
#define EDX_SIM_EMG_INTERNAL_H

#include "sim/sim_internal.h"

enum {
    EMG_ID_FIB = 10000,
    EMG_ID_PSW = 20000,
    EMG_ID_FASC = 30000,
    EMG_ID_CRD = 40000,
    EMG_ID_MYOTONIC = 50000,
    EMG_ID_MYOKYMIC = 60000,
    EMG_ID_NEUROMYOTONIC = 70000,
    EMG_ID_CRAMP = 80000, /* + 100 * burst + unit (bursts <= 200) */
    EMG_ID_END_PLATE = 110000,
    EMG_ID_INSERTIONAL = 120000
};

/* ------------------------------------------------------------ emg_sfap.c */

/* Concentric needle, approximated [E] after the core / cannula modelling of
 * Nandedkar SD, Sanders DB, Stalberg EV, Andreassen S (Muscle Nerve
 * 1988;11:151): the core is a point that no fibre comes nearer than
 * EMG_CORE_MM (its ~150 x 580 um surface averages the nearest fibres); the
 * cannula is a reference point EMG_REF_DIST_MM along the shaft that no fibre
 * comes nearer than EMG_REF_MIN_MM (its large surface averages). Their
 * difference removes most far-field (fibre-end) potential, as the cannula
 * does in a real recording. */
#define EMG_CORE_MM 0.2
#define EMG_REF_DIST_MM 2.0
#define EMG_REF_MIN_MM 0.8

/* Radial distance bins of the SFAP cache: log-spaced, ratio EMG_R_RATIO. */
#define EMG_R_MIN_MM 0.06
#define EMG_R_RATIO 1.08
enum { EMG_R_BINS = 64 };  /* 0.06 mm .. ~7.5 mm */
#define EMG_X_MAX_MM 110.0 /* axial extent handled around the needle */

/* One radial distance: the propagating-wave response along the fibre axis
 * and the lazily computed initiation / termination corrections. */
typedef struct emg_rbin {
    double r_mm, ds_mm;
    int s_len;     /* samples of the AP profile (covers 15 mm) */
    int n_half;    /* axial positions -n_half..n_half (ds_mm apart) */
    double *g;     /* f''(s) of the Rosenfalck profile, mV/mm^2, s_len */
    double *fp;    /* running sum of g * ds: the discrete f'(s), mV/mm */
    double *h;     /* 1/sqrt(K r^2 + x^2), 1/mm, positions -n_half-s_len.. */
    double *full;  /* ds * sum g h: infinite-fibre response at position n */
    double **init; /* per end-plate position: s_len correction values */
    double **term; /* per fibre-end position: s_len correction values */
} emg_rbin;

typedef struct emg_sfap_cache {
    emg_rbin bin[EMG_R_BINS];
} emg_sfap_cache;

/* A fibre as the needle sees it. Axial positions are relative to the
 * needle's recording point, in the direction of the muscle's long axis. */
typedef struct emg_fibre {
    double r_mm;       /* radial distance from the recording point */
    double ep_mm;      /* axial position of the end plate (origin of the AP) */
    double len_pos_mm; /* fibre length from the end plate towards +z */
    double len_neg_mm; /* ... towards -z */
    double diam_um;
    double cv_m_s;
    double delay_ms; /* firing instant relative to the owner's origin */
    double r_ref_mm; /* distance to the cannula's effective point; 0 = none */
} emg_fibre;

/* A waveform on the oversampled grid: v[0] sits at oversampled offset
 * `off` from its owner's origin. */
typedef struct emg_wave {
    double *v;
    size_t len;
    int64_t off;
} emg_wave;

/* Zero-phase low-pass (two Butterworth biquads run forward and back). */
typedef struct emg_lowpass {
    double b[2][3], a[2][3];
    size_t pad; /* samples of margin a filtered buffer needs */
} emg_lowpass;

void emg_sfap_cache_free(emg_sfap_cache *c);
void emg_lowpass_init(emg_lowpass *lp, double fs_os_hz, double cutoff_hz);
void emg_lowpass_apply(const emg_lowpass *lp, double *x, size_t n);
void emg_wave_free(emg_wave *w);

/* The fibre's potential in µV added into buf (oversampled grid, buf[0] at
 * time 0 of the owner, dt_os_ms apart), scaled by gain. */
int emg_sfap_add(emg_sfap_cache *c, const emg_fibre *f, double gain, double *buf, size_t n,
                 double dt_os_ms, double **scratch, size_t *scratch_cap);
/* Length (ms) after the fibre's firing instant until its potential ends. */
double emg_sfap_span_ms(const emg_fibre *f);
/* Conduction velocity for a fibre diameter (clamped to 3-5 m/s). */
double emg_cv_for_diameter(double diam_um);

/* ------------------------------------------------------- shared context */

typedef struct emg_disc {
    double *y; /* one discharge, noise free, at the output rate */
    size_t cap, len;
    int64_t i0; /* output sample index of y[0] */
} emg_disc;

typedef struct emg_ctx {
    const sim_muscle_plan *plan;
    uint64_t seed;
    double fs_hz, fs_os_hz, dt_os_ms;
    int os;
    double *out;
    size_t n;
    sim_events *ev;
    edx_diags *d;
    emg_sfap_cache sfap;
    emg_lowpass lp;
    double *xbuf; /* scratch for emg_sfap_add */
    size_t xcap;
    emg_disc disc;
    /* needle sites: [site_start_s, site_end_s) */
    size_t n_sites;
    double site_start_s[SIM_MAX_NEEDLE_MOVES + 1];
    double site_end_s[SIM_MAX_NEEDLE_MOVES + 1];
    double ep_zone_mm[SIM_MAX_NEEDLE_MOVES + 1]; /* end-plate zone vs needle */
    int ep_site;                                 /* site near an end plate, or -1 */
    double age_factor; /* 0 at 30 y .. 1 at 71 y (clinical.md 2.2, [S60]) */
} emg_ctx;

/* A waveform built from fibres on the oversampled grid and filtered:
 * adds fibres f[0..nf) (with their delays) into a fresh wave. */
int emg_wave_from_fibres(emg_ctx *c, const emg_fibre *f, size_t nf, const double *gain,
                         emg_wave *w);
/* Peak-to-peak of a wave on the oversampled grid. */
double emg_wave_pp_uv(const emg_wave *w);

/* Discharge assembly (emg_render.c): begin a discharge covering oversampled
 * times [t0_os, t1_os), add waves at oversampled instants, then emit it. */
int emg_disc_begin(emg_ctx *c, int64_t t0_os, int64_t t1_os);
void emg_disc_add(emg_ctx *c, const emg_wave *w, int64_t origin_os, double gain);
/* Measures the discharge, adds it to the signal and lists it when its peak
 * lies in [lo_s, hi_s) and in the file. Returns 1 placed, 0 skipped, < 0 error. */
int emg_disc_emit(emg_ctx *c, sim_event_type type, int unit, double lo_s, double hi_s,
                  sim_event *measured);
/* One wave placed as one discharge (begin + add + emit). */
int emg_place(emg_ctx *c, const emg_wave *w, double t_s, double gain, sim_event_type type,
              int unit, double lo_s, double hi_s, sim_event *measured);

typedef struct emg_shape {
    double amplitude_uv, duration_ms, peak_ms;
    int phases, first_polarity;
} emg_shape;
/* Measures samples y[0..len) at fs_hz (clinical.md 1.3 / 2.1 definitions). */
void emg_measure(const double *y, size_t len, double fs_hz, emg_shape *s);

/* Site of time t_s (0..n_sites-1). */
size_t emg_site_of(const emg_ctx *c, double t_s);
/* Start of the part of a site where spontaneous activity is listed: after
 * the insertional window that follows a needle move. */
double emg_site_quiet_start_s(const emg_ctx *c, size_t site);
/* Whether [t_s, t_s + span_s) lies in a contraction epoch. */
bool emg_in_contraction(const emg_ctx *c, double t_s, double span_s);

static inline int64_t emg_os_index(const emg_ctx *c, double t_s)
{
    double x = t_s * c->fs_os_hz;
    return (int64_t)(x < 0 ? x - 0.5 : x + 0.5);
}

/* ------------------------------------------------------------- emg_mup.c */

typedef struct emg_unit_spec {
    sim_mup_kind kind;
    double severity;               /* 0..1 */
    double size_factor;            /* fibre count multiplier (age, chance) */
    bool unstable;                 /* increased jitter and blocking */
    double ep_zone_mm;             /* end-plate zone centre vs the needle */
    int min_phases;                /* 0 = any; e.g. 5 for complex fasciculations */
    int max_phases;                /* 0 = any; e.g. 4 for simple ones */
    double min_amp_uv, max_amp_uv; /* 0 = any */
} emg_unit_spec;

enum { EMG_NEAR_MAX = 10 };

typedef struct emg_unit {
    emg_wave base;                  /* the fibres that are not jittered */
    emg_wave near[EMG_NEAR_MAX];    /* the nearest fibres, jittered singly */
    double jitter_os[EMG_NEAR_MAX]; /* sd of each near fibre's latency, os samples */
    double block_p[EMG_NEAR_MAX];   /* probability of blocking per discharge */
    size_t n_near;
    int64_t span_os;   /* origin .. end of the waveform */
    emg_shape nominal; /* measured without jitter at phase 0 */
} emg_unit;

/* Builds a unit: anatomy from r, templates in c's cache. */
int emg_unit_build(emg_ctx *c, const emg_unit_spec *spec, sim_rng *r, emg_unit *u);
void emg_unit_free(emg_unit *u);
/* One discharge of u whose origin (motor neuron volley at the terminal
 * branches) is at t_s; gain scales it (waning trains). */
int emg_unit_fire(emg_ctx *c, const emg_unit *u, sim_rng *r, double t_s, double gain,
                  sim_event_type type, int unit, double lo_s, double hi_s, sim_event *m);

/* ----------------------------------------------------------- emg_spont.c */

int emg_spont_render(emg_ctx *c);

/* ------------------------------------------------------- emg_voluntary.c */

int emg_voluntary_render(emg_ctx *c, sim_mup_truth *mt);

#endif /* EDX_SIM_EMG_INTERNAL_H */
