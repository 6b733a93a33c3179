/*
 * nc_fwave.c - F-waves: a few motor units backfire at the anterior horn
 * after antidromic activation and send a late response down the whole
 * nerve.
 *
 * Per sweep, whether any unit backfires is drawn with the persistence (ulnar
 * 83 %, tibial 97 % [S65]; lower with fewer units; the plan may override);
 * when one does, how many is a zero-truncated Poisson count whose mean
 * follows from the same persistence as if each unit backfired independently
 * (lambda = -ln(1 - P), capped [E]). A unit's F latency is its own M latency
 * plus 2 x path / proximal CV plus ~1 ms turnaround (nc_physiology.c); its
 * F-wave is its own surface potential, so a sweep's F is 1-5 % of the M
 * response as in normal recordings [U].
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/nc_internal.h"

/* Knuth's method; lambda here is at most a few. */
static size_t poisson(sim_rng *r, double lambda)
{
    double limit = exp(-lambda), prod = sim_rng_uniform(r);
    size_t k = 0;
    while (prod > limit && k < 1000) {
        prod *= sim_rng_uniform(r);
        k++;
    }
    return k;
}

static size_t truncated_poisson(sim_rng *r, double lambda)
{
    for (int tries = 0; tries < 200; tries++) {
        size_t k = poisson(r, lambda);
        if (k > 0)
            return k;
    }
    return 1;
}

/* Larger motoneurons backfire more readily than small ones [U]: a unit is
 * chosen with weight size^1.5 [E], which also keeps F-waves of a few units
 * at 1-5 % of the M response. */
static double backfire_weight(const nc_model *m, size_t i)
{
    return pow(m->fibre[i].size, 1.5);
}

/* A unit conducting from site 0, drawn by weight (total: sum of weights). */
static size_t draw_unit(const nc_model *m, const nc_cond *c, double total, sim_rng *r)
{
    double u = sim_rng_uniform(r) * total;
    size_t last = 0;
    for (size_t i = 0; i < c->n_fibre; i++) {
        if (!c->conducts[i * c->n_sites])
            continue;
        last = i;
        u -= backfire_weight(m, i);
        if (u < 0)
            return i;
    }
    return last;
}

static bool already(const nc_fdraw *f, size_t unit)
{
    for (size_t j = 0; j < f->n_units; j++)
        if (f->unit[j] == unit)
            return true;
    return false;
}

void nc_fwave_draw(const nc_model *m, const nc_cond *c, const sim_nerve_plan *p, uint64_t seed,
                   size_t n, nc_fdraw *draws)
{
    char key[160];
    nc_stream_key(p, key, sizeof key);
    sim_rng r;
    sim_rng_init(&r, seed, sim_stream_id(key, 3));
    size_t alive = 0;
    double total = 0;
    for (size_t i = 0; i < c->n_fibre; i++)
        if (c->conducts[i * c->n_sites]) {
            alive++;
            total += backfire_weight(m, i);
        }
    double persistence = nc_f_persistence(m, p);
    double lambda = -log(1.0 - fmin(persistence, 0.97));
    for (size_t s = 0; s < n; s++) {
        nc_fdraw *f = &draws[s];
        memset(f, 0, sizeof *f);
        if (alive == 0 || !(sim_rng_uniform(&r) < persistence))
            continue;
        size_t k = truncated_poisson(&r, fmax(lambda, 0.05));
        if (k > NC_F_MAX_UNITS)
            k = NC_F_MAX_UNITS;
        if (k > alive)
            k = alive;
        for (int tries = 0; f->n_units < k && tries < 1000; tries++) {
            size_t u = draw_unit(m, c, total, &r);
            if (!already(f, u))
                f->unit[f->n_units++] = u;
        }
    }
}

static double f_start_ms(const nc_cond *c, size_t unit)
{
    return c->arrival_ms[unit * c->n_sites] + c->f_return_ms[unit];
}

void nc_fwave_add(double *x, size_t n, double t_first_ms, double dt_ms, const nc_model *m,
                  const nc_cond *c, const nc_fdraw *draw)
{
    for (size_t j = 0; j < draw->n_units; j++) {
        size_t u = draw->unit[j];
        nc_add_potential(x, n, t_first_ms, dt_ms, f_start_ms(c, u), c->amp_uv[u], c->tau_ms[u], m);
    }
}

double nc_fwave_end_ms(const nc_cond *c, const nc_fdraw *draws, size_t n)
{
    double end = 0;
    for (size_t s = 0; s < n; s++)
        for (size_t j = 0; j < draws[s].n_units; j++) {
            size_t u = draws[s].unit[j];
            double e = f_start_ms(c, u) + 12.0 * c->tau_ms[u];
            end = e > end ? e : end;
        }
    return end;
}

static void summarise(sim_fwave_truth *t, size_t n)
{
    size_t count = 0;
    double sum = 0, lo = NAN, hi = NAN;
    for (size_t s = 0; s < n; s++) {
        double v = t->latency_ms[s];
        if (isnan(v))
            continue;
        count++;
        sum += v;
        lo = isnan(lo) || v < lo ? v : lo;
        hi = isnan(hi) || v > hi ? v : hi;
    }
    t->persistence_pct = n > 0 ? 100.0 * (double)count / (double)n : NAN;
    t->min_latency_ms = lo;
    t->max_latency_ms = hi;
    t->mean_latency_ms = count > 0 ? sum / (double)count : NAN;
    t->chronodispersion_ms = count > 0 ? hi - lo : NAN;
}

int nc_fwave_truth(const nc_model *m, const nc_cond *c, const nc_fdraw *draws, size_t n,
                   double fs_hz, sim_fwave_truth *t)
{
    double dt_ms = 1000.0 / fs_hz;
    size_t len = (size_t)ceil(nc_fwave_end_ms(c, draws, n) / dt_ms) + 2;
    double *w = calloc(len, sizeof *w);
    if (w == NULL)
        return EDX_ERR_NOMEM;
    for (size_t s = 0; s < SIM_MAX_SWEEPS; s++)
        t->latency_ms[s] = NAN;
    for (size_t s = 0; s < n && s < SIM_MAX_SWEEPS; s++) {
        if (draws[s].n_units == 0)
            continue;
        memset(w, 0, len * sizeof *w);
        nc_fwave_add(w, len, 0.0, dt_ms, m, c, &draws[s]);
        /* same 1 % rule as the M response, on this sweep's F component alone */
        t->latency_ms[s] = nc_onset_ms(w, len, 0.0, dt_ms);
    }
    summarise(t, n);
    free(w);
    return EDX_OK;
}
