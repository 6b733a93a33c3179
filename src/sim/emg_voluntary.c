/*
 * emg_voluntary.c - voluntary MUP trains in contraction epochs: recruitment
 * and rate coding (clinical.md 2.4), reduced and early recruitment (2.3).
 *
 * Rate coding after Fuglevand AJ, Winter DA, Patla AE. Models of
 * recruitment and rate coding organization in motor-unit pools.
 * J Neurophysiol 1993;70:2470-2488: a unit fires from its threshold at its
 * onset rate, its rate rises 1 Hz per unit of excitation above threshold up
 * to its peak rate, intervals vary with CV 0.2. Numbers from clinical.md
 * 2.4: onset interval 132 +- 32 ms (~7.6 Hz) [S54]; the first unit fires
 * ~11 Hz when the second is recruited (recruitment interval 90 ms) [S54],
 * so thresholds of the first two units lie 3.4 excitation units apart (later
 * ones closer, see pool_init);
 * peak rates 30-50 Hz [S110]. By ~71 y about 40 % fewer units [S60].
 *
 * Effort is a force target: the force of the normal pool at the epoch's
 * excitation (minimal: 1-3 normal units on, moderate: 4-7, maximal: all).
 * The actual pool (units lost with mu_loss, units smaller in myopathy,
 * larger after reinnervation) reaches that force with the excitation found
 * by bisection: few survivors fire fast (reduced recruitment, recruitment
 * ratio > 5), many small units come on early (early recruitment).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/emg_internal.h"

#define POOL_UNITS 18    /* units a needle site sees [E] */
#define FIRST_STEP 3.4   /* 11 Hz - 7.6 Hz [S54] */
#define LATER_STEP 2.5   /* keeps a normal pool's recruitment ratio <= ~5 [S110] [E] */
#define SIZE_GROWTH 1.10 /* force per Hz of later (larger) units [E] */
#define ISI_CV 0.2       /* Fuglevand 1993 */

typedef struct vol_unit {
    double threshold, onset_hz, max_hz;
    double size; /* force per Hz, normal pool = 1.0 * growth */
    bool alive;
    bool built;
    bool fired_minmod;     /* fired in a minimal / moderate epoch */
    double rate_minmod_hz; /* highest mean rate there */
    emg_unit u;
} vol_unit;

typedef struct vol_pool {
    vol_unit v[POOL_UNITS];
    size_t n;
    bool ready;
} vol_pool;

static double rate_of(const vol_unit *u, double e)
{
    if (e < u->threshold)
        return 0;
    double r = u->onset_hz + (e - u->threshold);
    return r > u->max_hz ? u->max_hz : r;
}

/* Force of the pool at excitation e; normal = as if no unit were lost or
 * changed (the reference for the effort's target). */
static double force(const vol_pool *p, double e, bool normal)
{
    double f = 0;
    for (size_t i = 0; i < p->n; i++)
        if (normal || p->v[i].alive)
            f += (normal ? pow(SIZE_GROWTH, (double)i) : p->v[i].size) * rate_of(&p->v[i], e);
    return f;
}

static void pool_init(emg_ctx *c, vol_pool *p, size_t site)
{
    const sim_muscle_plan *pl = c->plan;
    sim_rng r;
    sim_rng_init(&r, c->seed, sim_stream_id("emg-vol-pool", site));
    double sev = pl->mup_severity;
    p->n = (size_t)floor(POOL_UNITS * (1.0 - 0.4 * fmin(c->age_factor, 1.0)) + 0.5);
    double thr = 0;
    size_t alive = 0;
    for (size_t i = 0; i < p->n; i++) {
        vol_unit *u = &p->v[i];
        memset(u, 0, sizeof *u);
        /* the second unit joins when the first has gained 3.4 Hz [S54];
         * later ones each ~2.5 Hz further (+-20 %), which keeps the normal
         * recruitment ratio (fastest rate / units firing) at 5 or below
         * once several units fire [S110] [E] */
        u->threshold = thr;
        thr += i ? LATER_STEP * sim_rng_range(&r, 0.8, 1.2) : FIRST_STEP;
        double onset_ms = fmin(fmax(132.0 + 32.0 * sim_rng_normal(&r), 90.0), 200.0);
        u->onset_hz = 1000.0 / onset_ms;
        u->max_hz = sim_rng_range(&r, 30.0, 50.0);
        u->size = pow(SIZE_GROWTH, (double)i);
        if (pl->mup_kind == SIM_MUP_NEUROGENIC)
            u->size *= 1.0 + 0.5 * sev; /* adopted fibres, partial compensation [E] */
        else if (pl->mup_kind == SIM_MUP_MYOPATHIC)
            u->size *= 1.0 - 0.6 * sev; /* fibre loss [E] */
        u->alive = sim_rng_uniform(&r) >= pl->mu_loss;
        alive += u->alive;
    }
    if (!alive) /* at least one unit survives */
        p->v[sim_rng_below(&r, (uint32_t)p->n)].alive = true;
    p->ready = true;
}

/* The normal pool's excitation for an epoch kind. */
static double normal_excitation(const vol_pool *p, sim_epoch_kind k, sim_rng *r)
{
    size_t on;
    if (k == SIM_EPOCH_MINIMAL)
        on = 1 + sim_rng_below(r, 3);
    else if (k == SIM_EPOCH_MODERATE)
        on = 4 + sim_rng_below(r, 4);
    else
        return p->v[p->n - 1].threshold + 60.0;
    if (on > p->n)
        on = p->n;
    double next = on < p->n ? p->v[on].threshold : p->v[on - 1].threshold + 10.0;
    double e = p->v[on - 1].threshold + sim_rng_range(r, 0.5, 2.5);
    return e < next - 0.2 ? e : next - 0.2;
}

static double actual_excitation(const vol_pool *p, double target)
{
    double lo = 0, hi = p->v[p->n - 1].threshold + 60.0;
    if (force(p, hi, false) <= target)
        return hi;
    for (int it = 0; it < 60; it++) {
        double mid = 0.5 * (lo + hi);
        if (force(p, mid, false) < target)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

static int build_unit(emg_ctx *c, vol_unit *u, size_t site, size_t i, size_t n)
{
    sim_rng r;
    sim_rng_init(&r, c->seed, sim_stream_id("emg-vol-mu", site * 64 + i));
    emg_unit_spec spec = {0};
    spec.kind = c->plan->mup_kind;
    spec.severity = c->plan->mup_severity;
    spec.unstable = c->plan->mup_unstable;
    spec.ep_zone_mm = c->ep_zone_mm[site] + 2.0 * sim_rng_normal(&r);
    /* age [S60]; later-recruited units somewhat larger (size principle) [E] */
    spec.size_factor = (1.0 + 0.5 * c->age_factor) * (0.85 + 0.3 * (double)i / (double)n) *
                       sim_rng_range(&r, 0.85, 1.15);
    int rc = emg_unit_build(c, &spec, &r, &u->u);
    u->built = rc == 0;
    return rc;
}

/* One unit's train over [t0, t1) at mean rate hz. */
static int unit_train(emg_ctx *c, vol_unit *u, size_t site, size_t i, size_t n, double t0,
                      double t1, double hz, sim_rng *r, bool minmod)
{
    int rc = EDX_OK;
    for (double t = t0 + sim_rng_range(r, 0, 1.0 / hz); t < t1 && !rc;) {
        if (!u->built && (rc = build_unit(c, u, site, i, n)))
            return rc;
        sim_event m;
        int pr = emg_unit_fire(c, &u->u, r, t, 1.0, SIM_EV_MUP, 100 * (int)(site + 1) + (int)i,
                               t0, t1, &m);
        if (pr < 0)
            return pr;
        if (pr > 0 && minmod) {
            u->fired_minmod = true;
            u->rate_minmod_hz = fmax(u->rate_minmod_hz, hz);
        }
        double isi = (1.0 + ISI_CV * sim_rng_normal(r)) / hz;
        t += fmax(isi, 0.4 / hz);
    }
    return rc;
}

/* The part [t0, t1) of epoch e that lies in one site. */
static int epoch_part(emg_ctx *c, vol_pool *pools, const sim_epoch *e, size_t ei, double t0,
                      double t1)
{
    size_t site = emg_site_of(c, t0);
    vol_pool *p = &pools[site];
    if (!p->ready)
        pool_init(c, p, site);
    sim_rng r;
    sim_rng_init(&r, c->seed, sim_stream_id("emg-vol-epoch", ei * 16 + site));
    double target = force(p, normal_excitation(p, e->kind, &r), true);
    double ex = actual_excitation(p, target);
    bool minmod = e->kind == SIM_EPOCH_MINIMAL || e->kind == SIM_EPOCH_MODERATE;
    int rc = EDX_OK;
    for (size_t i = 0; i < p->n && !rc; i++) {
        double hz = p->v[i].alive ? rate_of(&p->v[i], ex) : 0;
        if (hz > 0)
            rc = unit_train(c, &p->v[i], site, i, p->n, t0, t1, hz, &r, minmod);
    }
    return rc;
}

static void fill_truth(const emg_ctx *c, vol_pool *pools, sim_mup_truth *mt)
{
    const sim_muscle_plan *p = c->plan;
    memset(mt, 0, sizeof *mt);
    int poly = 0;
    for (size_t s = 0; s < c->n_sites; s++)
        for (size_t i = 0; pools[s].ready && i < pools[s].n; i++) {
            const vol_unit *u = &pools[s].v[i];
            if (!u->fired_minmod || !u->built)
                continue;
            mt->count++;
            mt->amplitude_uv_mean += u->u.nominal.amplitude_uv;
            mt->duration_ms_mean += u->u.nominal.duration_ms;
            mt->phases_mean += u->u.nominal.phases;
            poly += u->u.nominal.phases >= 5;
            mt->max_firing_hz = fmax(mt->max_firing_hz, u->rate_minmod_hz);
        }
    if (mt->count) {
        mt->amplitude_uv_mean /= mt->count;
        mt->duration_ms_mean /= mt->count;
        mt->phases_mean /= mt->count;
        mt->polyphasic_pct = 100.0 * poly / mt->count;
    }
    bool changed = p->mup_severity >= 0.15;
    mt->pattern = !changed || p->mup_kind == SIM_MUP_NORMAL ? "normal"
                  : p->mup_kind == SIM_MUP_NEUROGENIC       ? "neurogenic"
                                                            : "myopathic";
    mt->recruitment = p->mu_loss >= 0.25                                            ? "reduced"
                      : p->mup_kind == SIM_MUP_MYOPATHIC && p->mup_severity >= 0.25 ? "early"
                                                                                    : "normal";
}

int emg_voluntary_render(emg_ctx *c, sim_mup_truth *mt)
{
    const sim_muscle_plan *p = c->plan;
    vol_pool *pools = calloc(c->n_sites, sizeof *pools);
    if (!pools)
        return EDX_ERR_NOMEM;
    int rc = EDX_OK;
    for (size_t ei = 0; ei < p->n_epochs && !rc; ei++) {
        const sim_epoch *e = &p->epochs[ei];
        if (e->kind == SIM_EPOCH_REST || e->duration_s <= 0)
            continue;
        double t = e->start_s, end = e->start_s + e->duration_s;
        while (t < end && !rc) {
            size_t s = emg_site_of(c, t);
            double part_end = fmin(end, c->site_end_s[s]);
            rc = epoch_part(c, pools, e, ei, t, part_end);
            t = part_end;
        }
    }
    if (!rc)
        fill_truth(c, pools, mt);
    for (size_t s = 0; s < c->n_sites; s++)
        for (size_t i = 0; pools[s].ready && i < pools[s].n; i++)
            if (pools[s].v[i].built)
                emg_unit_free(&pools[s].v[i].u);
    free(pools);
    return rc;
}
