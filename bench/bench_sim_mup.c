/*
 * bench_sim_mup.c - do the simulator's normal MUPs look like the cited
 * normals? For a few muscles and ages it renders the needle protocol's
 * contraction epochs (normal pool, no disease) for many seeds and prints the
 * per-muscle mean amplitude and duration of the voluntary units (the truth
 * edxreport-truth(5) writes) next to the reference row of
 * templates/mup_normals.tsv, with how many muscle means fall inside the
 * limits for their MUP count.
 *
 *   bench_sim_mup [--seeds N] [--fs HZ]
 *
 * A simulator whose normal units sit off the reference means would make the
 * analyser's pattern look wrong where it measured right.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edx/mup.h"
#include "sim/sim_internal.h"

typedef struct case_def {
    const char *muscle, *region;
    double age_years;
} case_def;

typedef struct tally {
    int n, inside_amp, inside_dur, units;
    double amp, amp2, dur, dur2, phases, poly_pct;
} tally;

static void plan_for(const case_def *k, double fs_hz, sim_muscle_plan *p)
{
    memset(p, 0, sizeof *p);
    p->muscle = k->muscle;
    p->label = "EMG R Test";
    p->side = 'R';
    p->region = k->region;
    p->fs_hz = fs_hz;
    p->age_years = k->age_years;
    p->temperature_c = 33;
    p->mup_kind = SIM_MUP_NORMAL;
    /* the protocol's contraction epochs (src/sim/protocol.c), no rest */
    p->epochs[p->n_epochs++] = (sim_epoch){SIM_EPOCH_MINIMAL, 0.5, 4.0};
    p->epochs[p->n_epochs++] = (sim_epoch){SIM_EPOCH_MODERATE, 5.0, 3.0};
    p->duration_s = 9.0;
}

static int run_case(const case_def *k, int seeds, double fs_hz, const emg_mup_normals *nt)
{
    tally tl, *t = &tl;
    sim_muscle_plan p;
    plan_for(k, fs_hz, &p);
    size_t n = (size_t)(p.fs_hz * p.duration_s + 0.5);
    double *x = malloc(n * sizeof *x);
    if (!x)
        return EDX_ERR_NOMEM;
    const emg_mup_limits *row = emg_mup_normals_find(nt, k->muscle, (int)k->age_years);
    memset(t, 0, sizeof *t);
    int rc = EDX_OK;
    for (int s = 1; s <= seeds && !rc; s++) {
        sim_events ev = {0};
        sim_mup_truth mt;
        edx_diags d;
        edx_diags_init(&d);
        rc = sim_emg_render(&p, (uint64_t)s, x, n, &ev, &mt, &d);
        sim_events_free(&ev);
        edx_diags_free(&d);
        if (rc || mt.count == 0)
            continue;
        emg_mup_limits lim;
        emg_mup_limits_for_count(row, (size_t)mt.count, &lim);
        t->n++;
        t->units += mt.count;
        t->amp += mt.amplitude_uv_mean;
        t->amp2 += mt.amplitude_uv_mean * mt.amplitude_uv_mean;
        t->dur += mt.duration_ms_mean;
        t->dur2 += mt.duration_ms_mean * mt.duration_ms_mean;
        t->phases += mt.phases_mean;
        t->poly_pct += mt.polyphasic_pct;
        t->inside_amp += mt.amplitude_uv_mean >= lim.amplitude_uv_lln &&
                         mt.amplitude_uv_mean <= lim.amplitude_uv_uln;
        t->inside_dur += mt.duration_ms_mean >= lim.duration_ms_lln &&
                         mt.duration_ms_mean <= lim.duration_ms_uln;
    }
    free(x);
    if (!rc && t->n)
        printf("%-26s %3.0f y  %3d  %5.1f  %6.0f %5.0f  %6.0f  %5.1f%%   %5.2f %4.2f  %5.2f  "
               "%5.1f%%  %4.2f %5.1f%%\n",
               k->muscle, k->age_years, t->n, (double)t->units / t->n, t->amp / t->n,
               sqrt(fmax(0, t->amp2 / t->n - pow(t->amp / t->n, 2))), row->amplitude_uv_mean,
               100.0 * t->inside_amp / t->n, t->dur / t->n,
               sqrt(fmax(0, t->dur2 / t->n - pow(t->dur / t->n, 2))), row->duration_ms_mean,
               100.0 * t->inside_dur / t->n, t->phases / t->n, t->poly_pct / t->n);
    return rc;
}

int main(int argc, char **argv)
{
    int seeds = 40;
    double fs_hz = 10000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seeds") && i + 1 < argc)
            seeds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--fs") && i + 1 < argc)
            fs_hz = strtod(argv[++i], NULL);
        else {
            fprintf(stderr, "usage: bench_sim_mup [--seeds N] [--fs HZ]\n");
            return 2;
        }
    }
    edx_diags d;
    edx_diags_init(&d);
    emg_mup_normals *nt = NULL;
    if (emg_mup_normals_load(NULL, &d, &nt) != EDX_OK) {
        fprintf(stderr, "bench_sim_mup: cannot load %s\n", EMG_MUP_NORMALS_FILE);
        edx_diags_free(&d);
        return 1;
    }
    edx_diags_free(&d);
    static const case_def cases[] = {{"tibialis anterior", "lumbosacral", 45},
                                     {"tibialis anterior", "lumbosacral", 68},
                                     {"biceps brachii", "cervical", 45},
                                     {"biceps brachii", "cervical", 68},
                                     {"first dorsal interosseous", "cervical", 45},
                                     {"vastus lateralis", "lumbosacral", 45},
                                     {"deltoid", "cervical", 45}};
    printf("normal simulated MUPs against templates/mup_normals.tsv (%d seeds, %.0f Hz)\n", seeds,
           fs_hz);
    printf("%-26s %5s  %3s  %5s  %6s %5s  %6s  %6s   %5s %4s  %5s  %6s  %4s %6s\n", "muscle", "age",
           "n", "MUPs", "amp_uv", "sd", "ref", "in", "dur_ms", "sd", "ref", "in", "phas", "poly");
    int rc = EDX_OK;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] && !rc; i++)
        rc = run_case(&cases[i], seeds, fs_hz, nt);
    emg_mup_normals_free(nt);
    if (rc)
        fprintf(stderr, "bench_sim_mup: %s\n", edx_strerror(rc));
    return rc ? 1 : 0;
}
