/*
 * files.c - the recordings of a simulated study, laid out as
 * recording-conventions.md says: needle EMG as EDF+C through EDFlib (one
 * muscle per file, "EMG <side> <muscle>" label, Rest / contraction epochs
 * and "Needle site n" annotations), nerve conduction as EDF+D through our
 * own writer (one sweep per record, test code in the recording field,
 * "Stimulus ..." and "Response ..." annotations, conditions).
 *
 * EDFlib facts used here (shared/reference/toolchain.md 2): annotation
 * onsets and durations are written in 100 us units; at most one annotation
 * per record per annotation signal, so the files carry three annotation
 * signals; physical->digital conversion truncates, so we convert with
 * lround() ourselves and write digital samples; the physical range must
 * print exactly in 8 characters (+/-32767 uV over +/-32767 gives exactly
 * 1 uV per step, well below the 10 uV noise of a needle recording [S51]).
 */
#include <ctype.h>
#include <edflib.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/plan.h"

/* snprintf whose truncation is deliberate: header fields and annotation
 * texts have fixed sizes, and a longer text is cut, never overflowed. */
__attribute__((format(printf, 3, 4))) static void cut_printf(char *buf, size_t size,
                                                              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

static const char *const month_names[12] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                            "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

enum { EMG_DIG_MAX = 32767 };
static const double emg_phys_max_uv = 32767.0;

void sim_file_ident(const sim_study_plan *sp, const char *test_code, int minutes_after,
                    sim_edf_ident *id)
{
    memset(id, 0, sizeof *id);
    int total = sp->hour * 60 + sp->minute + minutes_after;
    id->year = sp->year;
    id->month = sp->month;
    id->day = sp->day;
    id->hour = (total / 60) % 24;
    id->minute = total % 60;
    id->second = 0;
    snprintf(id->patient, sizeof id->patient, "%s %c %02d-%s-%04d %s", sp->patient_code,
             sp->sex, sp->birth_day, month_names[sp->birth_month - 1], sp->birth_year,
             sp->patient_name);
    char code[48];
    snprintf(code, sizeof code, "%s", test_code ? test_code : "");
    cut_printf(id->recording, sizeof id->recording, "Startdate %02d-%s-%04d X Tech edxreport%s%s",
               sp->day, month_names[sp->month - 1], sp->year, code[0] ? " " : "", code);
}

/* ---- needle EMG through EDFlib ------------------------------------------- */

static const char *epoch_text(sim_epoch_kind k)
{
    switch (k) {
    case SIM_EPOCH_REST: return "Rest";
    case SIM_EPOCH_MINIMAL: return "Minimal contraction";
    case SIM_EPOCH_MODERATE: return "Moderate contraction";
    case SIM_EPOCH_MAXIMAL: return "Maximal contraction";
    }
    return "Rest";
}

static long long units_100us(double s)
{
    return llround(s * 10000.0);
}

static int emg_header(int h, const sim_study_plan *sp, const sim_muscle_entry *m,
                      const sim_edf_ident *id)
{
    int fs = (int)lround(m->plan.fs_hz);
    int rc = 0;
    rc |= edf_set_samplefrequency(h, 0, fs);
    rc |= edf_set_physical_maximum(h, 0, emg_phys_max_uv);
    rc |= edf_set_physical_minimum(h, 0, -emg_phys_max_uv);
    rc |= edf_set_digital_maximum(h, 0, EMG_DIG_MAX);
    rc |= edf_set_digital_minimum(h, 0, -EMG_DIG_MAX);
    rc |= edf_set_label(h, 0, m->label);
    rc |= edf_set_physical_dimension(h, 0, "uV");
    rc |= edf_set_prefilter(h, 0, "HP:2Hz LP:5kHz");
    rc |= edf_set_transducer(h, 0, "concentric needle electrode");
    rc |= edf_set_startdatetime(h, id->year, id->month, id->day, id->hour, id->minute,
                                id->second);
    rc |= edf_set_patientcode(h, sp->patient_code);
    rc |= edf_set_gender(h, sp->sex == 'M' ? 1 : 0);
    rc |= edf_set_birthdate(h, sp->birth_year, sp->birth_month, sp->birth_day);
    rc |= edf_set_patientname(h, sp->patient_name);
    rc |= edf_set_admincode(h, sp->patient_code);
    rc |= edf_set_technician(h, "Tech");
    rc |= edf_set_equipment(h, "edxreport");
    rc |= edf_set_number_of_annotation_signals(h, 3);
    return rc ? EDX_ERR_IO : EDX_OK;
}

/* Needle sites and epochs, merged in time order (EDFlib stores annotations
 * in the order they are added; a needle move comes before the epoch that
 * starts with it). Both lists are in time order already. */
static int emg_annotations(int h, const sim_muscle_plan *p)
{
    int rc = 0;
    char text[40];
    size_t i = 0, k = 0;
    while (i < p->n_needle_moves || k < p->n_epochs) {
        if (i < p->n_needle_moves &&
            (k == p->n_epochs || p->needle_move_s[i] <= p->epochs[k].start_s)) {
            snprintf(text, sizeof text, "Needle site %zu", i + 1);
            rc |= edfwrite_annotation_utf8(h, units_100us(p->needle_move_s[i]), -1, text);
            i++;
        } else {
            rc |= edfwrite_annotation_utf8(h, units_100us(p->epochs[k].start_s),
                                           units_100us(p->epochs[k].duration_s),
                                           epoch_text(p->epochs[k].kind));
            k++;
        }
    }
    return rc ? EDX_ERR_IO : EDX_OK;
}

static int emg_samples(int h, const double *uv, size_t n, size_t per_record)
{
    int *buf = malloc(per_record * sizeof *buf);
    if (!buf)
        return EDX_ERR_NOMEM;
    const double step_uv = emg_phys_max_uv / EMG_DIG_MAX;
    int rc = EDX_OK;
    for (size_t at = 0; at + per_record <= n && rc == EDX_OK; at += per_record) {
        for (size_t j = 0; j < per_record; j++) {
            long v = lround(uv[at + j] / step_uv);
            buf[j] = (int)(v > EMG_DIG_MAX ? EMG_DIG_MAX : v < -EMG_DIG_MAX ? -EMG_DIG_MAX : v);
        }
        if (edfwrite_digital_samples(h, buf) != 0)
            rc = EDX_ERR_IO;
    }
    free(buf);
    return rc;
}

int sim_write_emg_file(const char *path, const sim_study_plan *sp, const sim_muscle_entry *m,
                       int minutes_after, const double *uv, size_t n, edx_diags *d)
{
    sim_edf_ident id;
    sim_file_ident(sp, NULL, minutes_after, &id);
    size_t per_record = (size_t)lround(m->plan.fs_hz);
    if (per_record == 0 || n % per_record) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-WRITE", EDX_LOC_FIELD(path, EDX_DIAG_NONE),
                     "needle EMG of %zu samples is not whole 1 s records", n);
        return EDX_ERR_INVALID;
    }
    int h = edfopen_file_writeonly(path, EDFLIB_FILETYPE_EDFPLUS, 1);
    if (h < 0) {
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-WRITE", EDX_LOC_FIELD(path, EDX_DIAG_NONE),
                     "EDFlib cannot create the file (error %d)", h);
        return EDX_ERR_IO;
    }
    int rc = emg_header(h, sp, m, &id);
    if (!rc)
        rc = emg_samples(h, uv, n, per_record);
    if (!rc)
        rc = emg_annotations(h, &m->plan);
    if (edfclose_file(h) != 0 && !rc)
        rc = EDX_ERR_IO;
    if (rc)
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-WRITE", EDX_LOC_FIELD(path, EDX_DIAG_NONE),
                     "EDFlib failed while writing the needle EMG (%s)", edx_strerror(rc));
    return rc;
}

/* ---- nerve conduction as EDF+D ------------------------------------------- */

static void fmt(char *buf, size_t size, double v, int decimals)
{
    edx_fmt_double(buf, size, v, decimals);
}

static const char *side_word(char side)
{
    return side == 'L' ? "left" : "right";
}

/* The acquisition system's own cursor: a little off the truth, as real
 * systems are (the analyser must compare, never copy; conventions 3.4). */
static void response_text(char *out, size_t size, const sim_nerve_plan *p,
                          const sim_site_truth *t, double velocity_m_s, sim_rng *r)
{
    char amp[24], lat[24], vel[24];
    double lat_ms = t->onset_latency_ms + sim_rng_range(r, -0.1, 0.15);
    double amp_uv = t->amplitude_uv * sim_rng_range(r, 0.95, 1.05);
    fmt(lat, sizeof lat, lat_ms, 1);
    if (p->test == SIM_NC_MOTOR) {
        fmt(amp, sizeof amp, amp_uv / 1000.0, 1);
        if (velocity_m_s > 0) {
            fmt(vel, sizeof vel, velocity_m_s, 1);
            snprintf(out, size, "Response %smV at %sms (%sm/s)", amp, lat, vel);
        } else
            snprintf(out, size, "Response %smV at %sms", amp, lat);
    } else {
        fmt(amp, sizeof amp, amp_uv, 1);
        snprintf(out, size, "Response %suV at %sms", amp, lat);
    }
}

static int push_annot(sim_annot *a, size_t *n, size_t cap, double onset_s, double dur_s,
                      const char *text)
{
    if (*n >= cap)
        return EDX_ERR_RANGE;
    a[*n].onset_s = onset_s;
    a[*n].duration_s = dur_s;
    snprintf(a[*n].text, sizeof a[*n].text, "%s", text);
    (*n)++;
    return EDX_OK;
}

/* Conditions and the referral question, in the first record. */
static int condition_annots(const sim_study_plan *sp, const sim_nerve_plan *p, double at_s,
                            bool with_indication, sim_annot *a, size_t *n, size_t cap)
{
    char text[96], num[24];
    int rc = EDX_OK;
    fmt(num, sizeof num, p->temperature_c, 1);
    bool leg = strcmp(p->nerve, "peroneal") == 0 || strcmp(p->nerve, "tibial") == 0 ||
               strcmp(p->nerve, "sural") == 0 || strcmp(p->nerve, "superficial peroneal") == 0;
    snprintf(text, sizeof text, "Temperature %s C %s %s", num, side_word(p->side),
             leg ? "lateral malleolus" : "palm");
    rc |= push_annot(a, n, cap, at_s, -1, text);
    fmt(num, sizeof num, sp->opt.height_cm, 0);
    snprintf(text, sizeof text, "Height %s cm", num);
    rc |= push_annot(a, n, cap, at_s, -1, text);
    if (with_indication) {
        snprintf(text, sizeof text, "Indication: %s", sp->indication);
        rc |= push_annot(a, n, cap, at_s, -1, text);
    }
    return rc;
}

static int sweep_annots(const sim_nerve_plan *p, const sim_nc_output *o, sim_rng *r,
                        sim_annot *a, size_t *n, size_t cap)
{
    char text[96], dist[24], ma[24], dur[24];
    int rc = EDX_OK;
    for (size_t i = 0; i < o->n_sweeps; i++) {
        const sim_sweep *s = &o->sweeps[i];
        const sim_nc_site *site = &p->sites[s->site];
        fmt(dist, sizeof dist, site->distance_cm, 1);
        fmt(ma, sizeof ma, s->intensity_ma, 1);
        fmt(dur, sizeof dur, p->stim_duration_ms, 1);
        cut_printf(text, sizeof text, "Stimulus %s %s %sms x %smA at %scm from recording site",
                   side_word(p->side), site->name, dur, ma, dist);
        rc |= push_annot(a, n, cap, s->stimulus_s, -1, text);
        bool last_of_site = i + 1 == o->n_sweeps || o->sweeps[i + 1].site != s->site;
        if (p->test != SIM_NC_FWAVE && last_of_site) {
            double v = s->site > 0 ? o->segment[s->site].velocity_m_s : 0;
            response_text(text, sizeof text, p, &o->site[s->site], v, r);
            rc |= push_annot(a, n, cap, s->stimulus_s, -1, text);
        }
    }
    return rc;
}

int sim_write_nc_file(const char *path, const sim_study_plan *sp, const sim_nerve_entry *e,
                      const sim_nc_output *o, int minutes_after, bool with_indication,
                      edx_diags *d)
{
    const sim_nerve_plan *p = &e->plan;
    sim_edf_ident id;
    sim_file_ident(sp, e->test_code, minutes_after, &id);
    size_t cap = 2 * o->n_sweeps + 8, n = 0;
    sim_annot *a = calloc(cap, sizeof *a);
    const double **recs = calloc(o->n_sweeps ? o->n_sweeps : 1, sizeof *recs);
    double *onsets = calloc(o->n_sweeps ? o->n_sweeps : 1, sizeof *onsets);
    int rc = (a && recs && onsets) ? EDX_OK : EDX_ERR_NOMEM;
    sim_rng r;
    sim_rng_init(&r, sp->opt.seed, sim_stream_id(e->file, 7));
    if (!rc && o->n_sweeps)
        rc = condition_annots(sp, p, o->sweeps[0].onset_s, with_indication, a, &n, cap);
    if (!rc)
        rc = sweep_annots(p, o, &r, a, &n, cap);
    for (size_t i = 0; !rc && i < o->n_sweeps; i++) {
        recs[i] = o->sweeps[i].uv;
        onsets[i] = o->sweeps[i].onset_s;
    }
    /* 1 uV steps for motor and F-wave sweeps (+/-32.767 mV), 0.05 uV for
     * sensory (+/-1.638 mV): amplifiers saturate on the artefact, as real ones do. */
    bool sensory = p->test == SIM_NC_SENSORY;
    sim_edf_signal sig = {e->label,
                          sensory ? "HP:20Hz LP:2kHz" : "HP:2Hz LP:10kHz",
                          o->fs_hz,
                          sensory ? -1638.35 : -32767.0,
                          sensory ? 1638.35 : 32767.0,
                          -32767,
                          32767};
    if (!rc)
        rc = sim_edfd_write(path, &id, &sig, o->samples_per_sweep, recs, onsets, o->n_sweeps, a,
                            n, d);
    else
        edx_diag_add(d, EDX_SEV_ERROR, "SIM-WRITE", EDX_LOC_FIELD(path, EDX_DIAG_NONE),
                     "cannot prepare the nerve conduction file (%s)", edx_strerror(rc));
    free(a);
    free(recs);
    free(onsets);
    return rc;
}
