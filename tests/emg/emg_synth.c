/* emg_synth.c - see emg_synth.h. */
#include "emg_synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

double synth_uniform(synth_rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return ((double)(r->s >> 11) + 0.5) / 9007199254740992.0;
}

double synth_normal(synth_rng *r)
{
    double u = synth_uniform(r), v = synth_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * PI * v);
}

synth_shape synth_fib(double amp_uv)
{
    double a = amp_uv / 1.45;
    return (synth_shape){{{0.3 * a, -0.6, 0.22}, {-1.0 * a, 0.0, 0.25}, {0.45 * a, 0.8, 0.35}},
                         3};
}

synth_shape synth_end_plate(double amp_uv)
{
    double a = amp_uv / 1.5;
    return (synth_shape){{{-1.0 * a, 0.0, 0.45}, {0.5 * a, 1.6, 0.6}}, 2};
}

synth_shape synth_psw(double amp_uv)
{
    double a = amp_uv / 1.3;
    return (synth_shape){{{1.0 * a, 0.0, 0.35}, {-0.3 * a, 5.0, 2.5}}, 2};
}

synth_shape synth_mup(double amp_uv)
{
    double a = amp_uv / 1.8;
    return (synth_shape){{{0.2 * a, -3.0, 0.6},
                          {-1.0 * a, -1.0, 0.5},
                          {0.8 * a, 0.6, 0.5},
                          {-0.5 * a, 2.4, 0.6},
                          {0.3 * a, 4.5, 0.8}},
                         5};
}

void synth_add(double *x, size_t n, double fs_hz, const synth_shape *s, double t_ms)
{
    for (size_t k = 0; k < s->n; k++) {
        const synth_phase *p = &s->ph[k];
        double c = t_ms + p->at_ms, half = 5.0 * p->sd_ms;
        long a = (long)floor((c - half) * fs_hz / 1000.0);
        long z = (long)ceil((c + half) * fs_hz / 1000.0);
        for (long i = a < 0 ? 0 : a; i <= z && i < (long)n; i++) {
            double d = ((double)i * 1000.0 / fs_hz - c) / p->sd_ms;
            x[i] += p->amp_uv * exp(-0.5 * d * d);
        }
    }
}

void synth_noise(double *x, size_t n, double sd_uv, synth_rng *r)
{
    for (size_t i = 0; i < n; i++)
        x[i] += sd_uv * synth_normal(r);
}

void synth_hum(double *x, size_t n, double fs_hz, double f_hz, double amp_uv)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs_hz;
        x[i] += amp_uv * (sin(2 * PI * f_hz * t + 0.3) + 0.3 * sin(2 * PI * 3 * f_hz * t));
    }
}

size_t synth_count_unit(const emg_spont_result *r, uint32_t unit)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_events; i++)
        n += r->events[i].unit == unit;
    return n;
}

emg_spont_result synth_result(emg_train *tr, size_t n_trains, emg_event *ev, size_t n_events)
{
    emg_spont_result r;
    memset(&r, 0, sizeof r);
    r.trains = tr;
    r.n_trains = n_trains;
    r.events = ev;
    r.n_events = n_events;
    return r;
}

void synth_free_result(emg_spont_result *r)
{
    free(r->events);
    free(r->trains);
}
