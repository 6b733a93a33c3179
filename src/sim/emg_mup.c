/*
 * emg_mup.c - motor units as a needle sees them: anatomy, MUP assembly,
 * jitter and blocking, and the neurogenic / myopathic changes.
 *
 * Anatomy (after Hamilton-Wright & Stashuk, IEEE TBME 2005;52:171, and the
 * defaults of their simulator's source): a unit's fibres lie uniformly in a
 * circular territory 2-8 mm across; fibre diameters are normal with mean
 * 55 um, 25-85 um; end plates scatter about the end-plate zone with
 * 2 SD = 2.5 mm. Only fibres within EMG_DETECT_MM of the needle are built:
 * farther ones add less than the amplifier noise. The nearest fibres are
 * kept as separate waveforms and jittered one by one; the rest is one fixed
 * waveform. The numbers marked [E] are engineering choices tuned so that
 * normal MUPs fall in clinical.md 2.2 (TA: 661 +- 92 uV, 9.35 +- 0.93 ms,
 * 3.47 phases; adults 300 uV - 3 mV, 2-15 ms); bench_sim_mup prints how
 * close they are (bench/README.md).
 *
 * Muscles differ: a muscle's mean normal duration (templates/mup_normals.tsv
 * rows: TA 9.35 ms [S28], the others 10.2 ms, the middle of the biceps
 * tolerance limits [S56]) is reached by scaling its fibres' conduction
 * velocity, which stretches every fibre potential in time alike; and its
 * polyphasia (TA up to 35 % [S28], others up to 15 % [S55]) by the scatter
 * of its end plates. The differences in fibre length and terminal branching
 * that make real muscles differ are lumped into these two [E].
 *
 * Jitter: TA controls 37.0 +- 5.6 us MCD per fibre pair (clinical.md 2.1,
 * [S28]); for independent normal latencies MCD = 2 sd / sqrt(pi) * sqrt(2),
 * so one fibre's latency sd is MCD / 1.596. Unstable units: jitter beyond
 * the pair ULN (58 us) and blocking beyond the 10 % ULN [S28] [E: degree].
 *
 * Disease (clinical.md 2.3): reinnervated units adopt orphaned fibres
 * (more fibres, grouped near the surviving axon: large), have wider
 * end-plate scatter, slow immature terminal sprouts (long, polyphasic) and
 * late time-locked components (satellites); myopathic units lose fibres
 * and keep thin and variable ones (small, short, polyphasic). Age: by ~71 y
 * surviving units are ~50 % larger ([S60], clinical.md 2.2).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/emg_internal.h"

#define EMG_DETECT_MM 3.0     /* fibres beyond add < 1-2 uV each [E] */
#define FIBRE_DENSITY_MM2 2.7 /* fibres of one unit per mm^2 of territory [E] */
#define MCD_NORMAL_US 37.0    /* [S28] */
#define MCD_SD_US 5.6         /* [S28] */
#define MCD_TO_SD 1.596       /* 2 / sqrt(pi) * sqrt(2) */
#define BUILD_TRIES 16
/* Mean duration of adult normal units at velocity scale 1 (bench_sim_mup,
 * 60 seeds: 8.15 ms) [E] */
#define BASE_DURATION_MS 8.15
/* Adult mean normal durations (clinical.md 2.2) */
#define TA_DURATION_MS 9.35      /* [S28] */
#define DEFAULT_DURATION_MS 10.2 /* middle of the biceps limits 7.4-13.0 ms [S56] */

typedef struct anatomy {
    double territory_mm, density, ep_sd_mm, diam_mean_um, diam_sd_um;
    double sprout_ms, satellite_p, survive_p, cluster;
    double cv_scale; /* the muscle's time scale (header) */
} anatomy;

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* End-plate scatter (SD) of a muscle's normal units (header). TA: 2 SD =
 * 4 mm, wider than HW&S's 2.5 mm, so that with the fibre density its
 * amplitudes and phases meet S28's means (3.47 phases, polyphasic share up
 * to its 35 % limit) [E]. The others: 2 SD = 3 mm, which puts the mean
 * polyphasic share near 7-8 % and the amplitude at the default row's
 * 700 uV: a muscle whose true share is 7 % shows >= 4 polyphasic MUPs of 20
 * (above the 15 % limit [S55]) in 5 % of samples (binomial) [E]. */
#define TA_EP_SD_MM 2.0
#define DEFAULT_EP_SD_MM 1.5

static bool is_ta(const char *muscle)
{
    return muscle && strcmp(muscle, "tibialis anterior") == 0;
}

/* Velocity scale that gives a muscle its mean normal duration (header). */
static double muscle_cv_scale(const char *muscle)
{
    return BASE_DURATION_MS / (is_ta(muscle) ? TA_DURATION_MS : DEFAULT_DURATION_MS);
}

static void anatomy_for(const emg_ctx *c, const emg_unit_spec *s, sim_rng *r, anatomy *a)
{
    double sev = clampd(s->severity, 0, 1);
    a->cv_scale = muscle_cv_scale(c->plan->muscle);
    a->territory_mm = sim_rng_range(r, 3.0, 8.0); /* 2-8 mm (HW&S) */
    a->density = FIBRE_DENSITY_MM2 * (s->size_factor > 0 ? s->size_factor : 1.0);
    a->ep_sd_mm = is_ta(c->plan->muscle) ? TA_EP_SD_MM : DEFAULT_EP_SD_MM;
    a->diam_mean_um = 55.0;
    a->diam_sd_um = 9.0;
    a->sprout_ms = 0;
    a->satellite_p = 0;
    a->survive_p = 1.0;
    a->cluster = 0;
    if (s->kind == SIM_MUP_NEUROGENIC) {
        a->territory_mm *= 1.0 + 0.25 * sev;
        a->density *= 1.0 + 2.5 * sev;  /* collateral reinnervation [E] */
        a->cluster = 0.6 * sev;         /* fibre-type grouping [E] */
        a->ep_sd_mm *= 1.0 + 1.2 * sev; /* new end plates [E] */
        a->diam_sd_um *= 1.0 + 0.8 * sev;
        a->sprout_ms = 1.2 * sev;    /* immature sprouts, mean extra delay [E] */
        a->satellite_p = 0.04 * sev; /* late time-locked components [E] */
    } else if (s->kind == SIM_MUP_MYOPATHIC) {
        a->survive_p = 1.0 - 0.75 * sev; /* fibre loss [E] */
        a->diam_mean_um *= 1.0 - 0.4 * sev;
        a->diam_sd_um *= 1.0 + 3.0 * sev; /* atrophic and hypertrophic fibres */
        a->sprout_ms = 1.0 * sev;         /* slow regenerating fibres [E] */
    }
}

/* Fibres of one unit within EMG_DETECT_MM of the needle; *nf of cap. */
static int draw_fibres(const emg_unit_spec *s, const anatomy *a, sim_rng *r, emg_fibre **out,
                       size_t *nf)
{
    double rt = a->territory_mm / 2.0;
    double area = SIM_PI * rt * rt;
    size_t total = (size_t)(a->density * area + 0.5);
    /* needle somewhere in the territory (units are recorded from inside) */
    double dn = rt * sqrt(sim_rng_uniform(r)), an = sim_rng_range(r, 0, 2 * SIM_PI);
    double nx = dn * cos(an), ny = dn * sin(an);
    /* grouped reinnervation: part of the fibres crowd round a centre near the needle */
    double gx = nx + sim_rng_normal(r) * 0.4, gy = ny + sim_rng_normal(r) * 0.4;
    double phi = sim_rng_range(r, 0, 2 * SIM_PI);
    double rx = nx + EMG_REF_DIST_MM * cos(phi), ry = ny + EMG_REF_DIST_MM * sin(phi);
    emg_fibre *f = malloc((total + 1) * sizeof *f);
    if (!f)
        return EDX_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < total; i++) {
        double x, y;
        if (sim_rng_uniform(r) < a->cluster) {
            x = gx + 0.9 * sim_rng_normal(r);
            y = gy + 0.9 * sim_rng_normal(r);
        } else {
            double rr = rt * sqrt(sim_rng_uniform(r)), th = sim_rng_range(r, 0, 2 * SIM_PI);
            x = rr * cos(th);
            y = rr * sin(th);
        }
        double diam = a->diam_mean_um + a->diam_sd_um * sim_rng_normal(r);
        double ep = s->ep_zone_mm + a->ep_sd_mm * sim_rng_normal(r);
        double lp = sim_rng_range(r, 25.0, 60.0), ln = sim_rng_range(r, 25.0, 60.0);
        double delay = 0.3 + 0.1 * fabs(sim_rng_normal(r)); /* terminal axon + NMJ [E] */
        double u_surv = sim_rng_uniform(r), u_sat = sim_rng_uniform(r);
        if (a->sprout_ms > 0)
            delay += sim_rng_exponential(r, a->sprout_ms);
        double dist = hypot(x - nx, y - ny);
        if (dist > EMG_DETECT_MM || u_surv >= a->survive_p)
            continue;
        if (u_sat < a->satellite_p && dist < 1.0)
            delay += sim_rng_range(r, 4.0, 12.0);
        f[k].r_mm = sqrt(dist * dist + EMG_CORE_MM * EMG_CORE_MM);
        f[k].r_ref_mm = fmax(hypot(x - rx, y - ry), EMG_REF_MIN_MM);
        f[k].ep_mm = ep;
        f[k].len_pos_mm = lp;
        f[k].len_neg_mm = ln;
        f[k].diam_um = clampd(diam, s->kind == SIM_MUP_MYOPATHIC ? 12.0 : 25.0,
                              s->kind == SIM_MUP_NORMAL ? 85.0 : 110.0);
        f[k].cv_m_s = emg_cv_for_diameter(f[k].diam_um) * a->cv_scale;
        f[k].delay_ms = delay;
        k++;
    }
    *out = f;
    *nf = k;
    return EDX_OK;
}

static double near_score(const emg_fibre *f)
{
    return f->diam_um * f->diam_um / (f->r_mm * sqrt(f->r_mm)); /* ~ spike size */
}

/* Moves the EMG_NEAR_MAX fibres with the largest expected spikes to the front. */
static size_t pick_near(emg_fibre *f, size_t nf)
{
    size_t n_near = nf < EMG_NEAR_MAX ? nf : EMG_NEAR_MAX;
    for (size_t i = 0; i < n_near; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < nf; j++)
            if (near_score(&f[j]) > near_score(&f[best]))
                best = j;
        emg_fibre t = f[i];
        f[i] = f[best];
        f[best] = t;
    }
    return n_near;
}

void emg_unit_free(emg_unit *u)
{
    emg_wave_free(&u->base);
    for (size_t i = 0; i < EMG_NEAR_MAX; i++)
        emg_wave_free(&u->near[i]);
    memset(u, 0, sizeof *u);
}

static int64_t wave_end(const emg_wave *w)
{
    return w->off + (int64_t)w->len;
}

/* Measures the jitter-free MUP at output phase 0. */
static int measure_nominal(emg_ctx *c, emg_unit *u)
{
    int64_t lo = u->base.len ? u->base.off : 0, hi = u->base.len ? wave_end(&u->base) : 0;
    for (size_t i = 0; i < u->n_near; i++) {
        lo = u->near[i].off < lo ? u->near[i].off : lo;
        hi = wave_end(&u->near[i]) > hi ? wave_end(&u->near[i]) : hi;
    }
    u->span_os = hi;
    int rc = emg_disc_begin(c, lo, hi);
    if (rc)
        return rc;
    emg_disc_add(c, &u->base, 0, 1.0);
    for (size_t i = 0; i < u->n_near; i++)
        emg_disc_add(c, &u->near[i], 0, 1.0);
    emg_measure(c->disc.y, c->disc.len, c->fs_hz, &u->nominal);
    return EDX_OK;
}

static int build_once(emg_ctx *c, const emg_unit_spec *s, sim_rng *r, emg_unit *u)
{
    anatomy a;
    anatomy_for(c, s, r, &a);
    emg_fibre *f = NULL;
    size_t nf = 0;
    int rc = draw_fibres(s, &a, r, &f, &nf);
    if (rc)
        return rc;
    memset(u, 0, sizeof *u);
    u->n_near = pick_near(f, nf);
    double sev = clampd(s->severity, 0, 1);
    for (size_t i = 0; i < u->n_near && !rc; i++) {
        double mcd = MCD_NORMAL_US + MCD_SD_US * sim_rng_normal(r);
        double pb = 0;
        if (s->unstable) {
            mcd *= 2.0 + 3.0 * sev * sim_rng_uniform(r); /* > 58 us pair ULN */
            pb = sim_rng_uniform(r) < 0.5 ? sim_rng_range(r, 0.05, 0.1 + 0.3 * sev) : 0;
        }
        u->jitter_os[i] = fmax(mcd, 10.0) / MCD_TO_SD * 1e-3 / c->dt_os_ms;
        u->block_p[i] = pb;
        rc = emg_wave_from_fibres(c, &f[i], 1, NULL, &u->near[i]);
    }
    if (!rc)
        rc = emg_wave_from_fibres(c, f + u->n_near, nf - u->n_near, NULL, &u->base);
    free(f);
    if (!rc)
        rc = measure_nominal(c, u);
    if (rc)
        emg_unit_free(u);
    return rc;
}

/* How far a candidate is from the spec's phase and amplitude limits. */
static double miss(const emg_unit_spec *s, const emg_shape *m)
{
    double d = 0;
    if (s->min_phases > 0 && m->phases < s->min_phases)
        d += s->min_phases - m->phases;
    if (s->max_phases > 0 && m->phases > s->max_phases)
        d += m->phases - s->max_phases;
    if (s->min_amp_uv > 0 && m->amplitude_uv < s->min_amp_uv)
        d += log(s->min_amp_uv / fmax(m->amplitude_uv, 1e-3));
    if (s->max_amp_uv > 0 && m->amplitude_uv > s->max_amp_uv)
        d += log(m->amplitude_uv / s->max_amp_uv);
    return d;
}

int emg_unit_build(emg_ctx *c, const emg_unit_spec *spec, sim_rng *r, emg_unit *u)
{
    emg_unit best, cand;
    memset(&best, 0, sizeof best);
    double best_miss = HUGE_VAL;
    for (int t = 0; t < BUILD_TRIES; t++) {
        int rc = build_once(c, spec, r, &cand);
        if (rc) {
            emg_unit_free(&best);
            return rc;
        }
        double m = miss(spec, &cand.nominal);
        if (m < best_miss) {
            emg_unit_free(&best);
            best = cand;
            best_miss = m;
        } else {
            emg_unit_free(&cand);
        }
        if (best_miss == 0)
            break;
    }
    *u = best;
    return EDX_OK;
}

int emg_unit_fire(emg_ctx *c, const emg_unit *u, sim_rng *r, double t_s, double gain,
                  sim_event_type type, int unit, double lo_s, double hi_s, sim_event *m)
{
    int64_t origin = emg_os_index(c, t_s);
    int64_t shift[EMG_NEAR_MAX];
    bool blocked[EMG_NEAR_MAX];
    int64_t lo = u->base.len ? u->base.off : INT64_MAX, hi = u->span_os;
    for (size_t i = 0; i < u->n_near; i++) {
        double z = sim_rng_normal(r), b = sim_rng_uniform(r);
        shift[i] = (int64_t)floor(z * u->jitter_os[i] + 0.5);
        blocked[i] = b < u->block_p[i];
        lo = u->near[i].off + shift[i] < lo ? u->near[i].off + shift[i] : lo;
        hi = wave_end(&u->near[i]) + shift[i] > hi ? wave_end(&u->near[i]) + shift[i] : hi;
    }
    if (lo == INT64_MAX)
        return 0;
    int rc = emg_disc_begin(c, origin + lo, origin + hi);
    if (rc)
        return rc;
    emg_disc_add(c, &u->base, origin, gain);
    for (size_t i = 0; i < u->n_near; i++)
        if (!blocked[i])
            emg_disc_add(c, &u->near[i], origin + shift[i], gain);
    return emg_disc_emit(c, type, unit, lo_s, hi_s, m);
}
