/*
 * make_samples.c - writes the small recordings bundled in samples/, byte for
 * byte the same on every run (no clocks, a fixed pseudo-random sequence):
 *
 *   make_samples OUTDIR
 *
 * The test sample_files_are_reproducible runs it into a temporary folder and
 * compares the result with samples/.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edf_builder.h"

#define PATIENT "MCH-0234567 F 02-MAY-1951 Haagse_Harry"
#define RECORDING "Startdate 02-MAR-2002 EMR7 Tech Equipment"

static const double PI = 3.14159265358979323846;

/* A small linear congruential generator: the same numbers everywhere. */
static double noise_uv(uint32_t *state, double rms)
{
    double sum = 0;
    for (int i = 0; i < 4; i++) { /* sum of 4 uniforms: roughly Gaussian */
        *state = *state * 1664525u + 1013904223u;
        sum += (double)(*state >> 8) / 16777216.0 - 0.5;
    }
    return sum * rms * 1.7320508;
}

/* A fibrillation-like potential: initial positive, biphasic, ~2 ms.
 * Stored with EDF+ polarity (negative potential stored negative). */
static double fibrillation_uv(double t_ms, double amp_uv)
{
    if (t_ms < 0 || t_ms > 2.0)
        return 0;
    return amp_uv * sin(2 * PI * t_ms / 2.0) * exp(-t_ms / 1.5);
}

static int finish(edfb *b, const char *dir, const char *name, int gz)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = gz ? edfb_write_gz(b, path) : edfb_write_file(b, path);
    if (rc != 0)
        fprintf(stderr, "make_samples: %s: %s\n", path,
                edfb_error(b) ? edfb_error(b) : "cannot write");
    edfb_free(b);
    return rc;
}

/* The EDF+ specification's motor nerve conduction example (EDF+D). */
static int spec_mnc(const char *dir)
{
    edfb *b = edfb_fixture_mnc();
    return b ? finish(b, dir, "spec_mnc_median.edf", 0) : -1;
}

/* Needle EMG of tibialis anterior at rest with fibrillations (EDF+C). */
static int needle_ta(const char *dir)
{
    enum { RATE = 10000, SECONDS = 12 };
    edfb *b = edfb_new(EDFB_EDFPLUS_C);
    int emg = edfb_add_signal(b, "EMG R TibAnt", RATE);
    int ann = edfb_add_annotation_signal(b, 120);
    edfb_set(b, EDFB_PATIENT, PATIENT);
    edfb_set(b, EDFB_RECORDING, RECORDING);
    edfb_set(b, EDFB_STARTDATE, "02.03.02");
    edfb_set(b, EDFB_STARTTIME, "10.30.00");
    edfb_set_signal(b, emg, EDFB_S_TRANSDUCER, "concentric needle");
    edfb_set_signal(b, emg, EDFB_S_PREFILTER, "HP:20Hz LP:10kHz");
    uint32_t rng = 1;
    int32_t s[RATE];
    for (int r = 0; r < SECONDS; r++) {
        char onset[16];
        snprintf(onset, sizeof onset, "+%d", r);
        int rec = edfb_add_record_at(b, onset);
        for (int k = 0; k < RATE; k++) {
            double t = r + (double)k / RATE;
            double ms = fmod(t * 1000.0, 125.0); /* 8 Hz regular discharge */
            double v = noise_uv(&rng, 8.0) + (t < 10 ? fibrillation_uv(ms - 40, 120) : 0);
            s[k] = (int32_t)lround(v * 10.0); /* 0.1 uV per step */
        }
        edfb_set_samples(b, rec, emg, s, RATE);
        const char *rest[] = {"Rest"}, *site[] = {"Needle site 2"}, *mini[] = {"Minimal contraction"};
        if (r == 0)
            edfb_append_tal(b, rec, ann, "+0", "10", rest, 1);
        if (r == 5)
            edfb_append_tal(b, rec, ann, "+5.5", NULL, site, 1);
        if (r == 10)
            edfb_append_tal(b, rec, ann, "+10", "2", mini, 1);
    }
    return finish(b, dir, "needle_tibialis_anterior.edf", 0);
}

/* A legacy export that breaks the rules: plain EDF, Latin-1 name, record
 * count -1 and a truncated last record (read with warnings). */
static int legacy(const char *dir)
{
    enum { RATE = 4000 };
    edfb *b = edfb_new(EDFB_EDF);
    int emg = edfb_add_signal(b, "EMG L FDI", RATE);
    edfb_set(b, EDFB_PATIENT, "M\xfcller, Zo\xeb  1951");
    edfb_set(b, EDFB_RECORDING, "needle EMG, exported by a legacy system");
    edfb_set(b, EDFB_STARTDATE, "02.03.02");
    edfb_set(b, EDFB_STARTTIME, "11.00.00");
    edfb_set(b, EDFB_N_RECORDS, "-1");
    uint32_t rng = 7;
    int32_t s[RATE];
    for (int r = 0; r < 3; r++) {
        int rec = edfb_add_record(b);
        for (int k = 0; k < RATE; k++)
            s[k] = (int32_t)lround(noise_uv(&rng, 10.0) * 10.0);
        edfb_set_samples(b, rec, emg, s, RATE);
    }
    uint8_t *data = NULL;
    size_t size = 0;
    int rc = edfb_build(b, &data, &size);
    edfb_free(b);
    if (rc != 0)
        return -1;
    char path[1024];
    snprintf(path, sizeof path, "%s/legacy_fdi_truncated.edf", dir);
    rc = edfb_write_bytes(path, data, size - 1000); /* the export stopped mid-record */
    free(data);
    return rc;
}

/* Needle EMG of first dorsal interosseous as gzip-compressed BDF+C. */
static int needle_fdi_bdf(const char *dir)
{
    enum { RATE = 8000 };
    edfb *b = edfb_new(EDFB_BDFPLUS_C);
    int emg = edfb_add_signal(b, "EMG L FDI", RATE);
    int ann = edfb_add_annotation_signal(b, 60);
    edfb_set(b, EDFB_PATIENT, PATIENT);
    edfb_set(b, EDFB_RECORDING, RECORDING);
    edfb_set(b, EDFB_STARTDATE, "02.03.02");
    edfb_set(b, EDFB_STARTTIME, "10.45.00");
    uint32_t rng = 3;
    int32_t s[RATE];
    for (int r = 0; r < 3; r++) {
        char onset[16];
        snprintf(onset, sizeof onset, "+%d", r);
        int rec = edfb_add_record_at(b, onset);
        for (int k = 0; k < RATE; k++)
            s[k] = (int32_t)lround(noise_uv(&rng, 12.0)); /* 1 uV per step */
        edfb_set_samples(b, rec, emg, s, RATE);
        const char *rest[] = {"Rest"};
        if (r == 0)
            edfb_append_tal(b, rec, ann, "+0", "3", rest, 1);
    }
    return finish(b, dir, "needle_fdi.bdf.gz", 1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_samples OUTDIR\n");
        return 64;
    }
    int rc = spec_mnc(argv[1]) | needle_ta(argv[1]) | legacy(argv[1]) | needle_fdi_bdf(argv[1]);
    return rc == 0 ? 0 : 1;
}
