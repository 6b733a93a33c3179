/*
 * rng.c - reproducible random numbers for the simulator.
 *
 * xoshiro256** 1.0 and splitmix64 (Blackman D, Vigna S. Scrambled linear
 * pseudorandom number generators. ACM Trans Math Softw 2021;47:36), written
 * from the published description. Same seed and stream -> same sequence on
 * every run; nothing here reads a clock.
 */
#include <math.h>

#include "sim/sim_internal.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void sim_rng_init(sim_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t sim_rng_next(sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sim_rng_uniform(sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

double sim_rng_range(sim_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * sim_rng_uniform(r);
}

uint32_t sim_rng_below(sim_rng *r, uint32_t n)
{
    /* Lemire's multiply-shift; the tiny bias (< 2^-32) does not matter here. */
    return (uint32_t)(((sim_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

double sim_rng_normal(sim_rng *r)
{
    /* Box-Muller; one value per call keeps the stream position obvious. */
    double u1 = 1.0 - sim_rng_uniform(r); /* (0, 1] */
    double u2 = sim_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * SIM_PI * u2);
}

double sim_rng_exponential(sim_rng *r, double mean)
{
    return -mean * log(1.0 - sim_rng_uniform(r));
}

double sim_rng_lognormal(sim_rng *r, double median, double sigma_ln)
{
    return median * exp(sigma_ln * sim_rng_normal(r));
}

uint64_t sim_stream_id(const char *text, uint64_t salt)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ salt;
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return h;
}
