/*
 * truth.c - what the simulator put into a study, in the vocabulary of the
 * findings file (shared/spec/findings-json.md) so that a scorer can lay
 * findings and truth side by side: truth.json plus, per muscle, an events
 * table with the columns of findings' events.tsv. The format is described
 * for users in edxreport-truth(5).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/plan.h"

/* Insertional activity: discharges within 300 ms after a needle move
 * (recording-conventions.md 4; clinical.md 1.2 [S85]). */
static const double insertion_window_s = 0.300;
/* A sustained train for grading: >= 10 discharges of one generator
 * (clinical.md 1.2 implementation notes, [E]). */
enum { SUSTAINED_TRAIN = 10 };

static json_t *num(double v, int decimals)
{
    if (!isfinite(v))
        return json_null();
    double f = pow(10.0, decimals);
    return json_real(round(v * f) / f);
}

static const char *test_name(sim_nc_test t)
{
    return t == SIM_NC_MOTOR ? "motor" : t == SIM_NC_SENSORY ? "sensory" : "fwave";
}

static json_t *site_json(const sim_nerve_plan *p, size_t k, const sim_site_truth *t)
{
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "site",
                     p->sites[k].name, "distance_cm", num(p->sites[k].distance_cm, 1),
                     "onset_latency_ms", num(t->onset_latency_ms, 3), "first_arrival_ms",
                     num(t->first_arrival_ms, 3), "peak_latency_ms", num(t->peak_latency_ms, 3),
                     "amplitude_uv", num(t->amplitude_uv, 2), "peak_to_peak_uv",
                     num(t->peak_to_peak_uv, 2), "duration_ms", num(t->duration_ms, 3),
                     "area_uv_ms", num(t->area_uv_ms, 2), "stimulus_ma", num(t->intensity_ma, 1));
}

static json_t *fwave_json(const sim_nc_output *o)
{
    const sim_fwave_truth *f = &o->fwave;
    json_t *lat = json_array();
    size_t n_f = 0;
    for (size_t i = 0; i < o->n_sweeps && i < SIM_MAX_SWEEPS; i++) {
        json_array_append_new(lat, num(f->latency_ms[i], 3));
        n_f += isfinite(f->latency_ms[i]) ? 1 : 0;
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:o}", "min_latency_ms",
                     num(f->min_latency_ms, 3), "max_latency_ms", num(f->max_latency_ms, 3),
                     "mean_latency_ms", num(f->mean_latency_ms, 3), "persistence_pct",
                     num(f->persistence_pct, 1), "chronodispersion_ms",
                     num(f->chronodispersion_ms, 3), "sweeps", (int)o->n_sweeps, "f_waves",
                     (int)n_f, "latencies_ms", lat);
}

static json_t *nerve_json(const sim_nerve_entry *e, const sim_nc_output *o)
{
    const sim_nerve_plan *p = &e->plan;
    char side[2] = {p->side, '\0'};
    json_t *sites = json_array(), *segs = json_array(), *knobs = json_array();
    for (size_t k = 0; k < p->n_sites; k++)
        json_array_append_new(sites, site_json(p, k, &o->site[k]));
    for (size_t k = 1; p->test == SIM_NC_MOTOR && k < p->n_sites; k++) {
        const sim_segment_truth *s = &o->segment[k];
        json_array_append_new(
            segs, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "from", p->sites[k - 1].name,
                            "to", p->sites[k].name, "velocity_m_s", num(s->velocity_m_s, 2),
                            "fastest_fibre_m_s", num(s->fastest_fibre_m_s, 2),
                            "amplitude_drop_pct", num(s->amplitude_drop_pct, 1), "area_drop_pct",
                            num(s->area_drop_pct, 1), "duration_increase_pct",
                            num(s->duration_increase_pct, 1)));
    }
    for (size_t k = 0; k < p->n_sites; k++)
        json_array_append_new(knobs, json_pack("{s:o, s:o}", "slowing", num(p->seg_slowing[k], 3),
                                               "block", num(p->seg_block[k], 3)));
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "file", e->file, "nerve",
                          p->nerve, "side", side, "test", test_name(p->test), "recording_site",
                          p->recording_site, "sites", sites, "segments", segs);
    json_object_set_new(j, "sensory_velocity_m_s",
                        p->test == SIM_NC_SENSORY ? num(o->sensory_velocity_m_s, 2) : json_null());
    json_object_set_new(j, "fwave", p->test == SIM_NC_FWAVE ? fwave_json(o) : json_null());
    json_object_set_new(j, "physiology",
                        json_pack("{s:o, s:o, s:o, s:o, s:o}", "temperature_c",
                                  num(p->temperature_c, 1), "axon_loss", num(p->axon_loss, 3),
                                  "demyelination", num(p->demyelination, 3), "segments", knobs,
                                  "prestim_ms", num(o->prestim_ms, 3)));
    return j;
}

/* ---- needle EMG ---------------------------------------------------------- */

static bool in_rest(const sim_muscle_plan *p, double t)
{
    for (size_t i = 0; i < p->n_needle_moves; i++)
        if (t >= p->needle_move_s[i] && t < p->needle_move_s[i] + insertion_window_s)
            return false;
    for (size_t i = 0; i < p->n_epochs; i++)
        if (p->epochs[i].kind == SIM_EPOCH_REST && t >= p->epochs[i].start_s &&
            t < p->epochs[i].start_s + p->epochs[i].duration_s)
            return true;
    return false;
}

static double rest_seconds(const sim_muscle_plan *p)
{
    double s = 0;
    for (size_t i = 0; i < p->n_epochs; i++)
        if (p->epochs[i].kind == SIM_EPOCH_REST)
            s += p->epochs[i].duration_s;
    return s;
}

/* Site of time t: index of the last needle move at or before t. */
static size_t site_of(const sim_muscle_plan *p, double t)
{
    size_t s = 0;
    for (size_t i = 0; i < p->n_needle_moves; i++)
        if (t >= p->needle_move_s[i])
            s = i;
    return s;
}

typedef struct unit_count {
    int unit;
    size_t n;
    size_t site_n[SIM_MAX_NEEDLE_MOVES];
    int complex_n;
} unit_count;

enum { MAX_UNITS = 256 };

/* Discharges of one type in rest, grouped by generator. */
static size_t count_units(const sim_muscle_plan *p, const sim_events *ev, sim_event_type a,
                          sim_event_type b, unit_count *u, size_t *discharges, size_t *complex)
{
    size_t n_units = 0;
    *discharges = *complex = 0;
    for (size_t i = 0; i < ev->n; i++) {
        const sim_event *e = &ev->v[i];
        if ((e->type != a && e->type != b) || !in_rest(p, e->time_s))
            continue;
        size_t k = 0;
        while (k < n_units && !(u[k].unit == e->unit))
            k++;
        if (k == n_units) {
            if (n_units == MAX_UNITS)
                continue;
            memset(&u[n_units++], 0, sizeof *u);
            u[k].unit = e->unit;
        }
        u[k].n++;
        u[k].site_n[site_of(p, e->time_s)]++;
        (*discharges)++;
        *complex += e->phases >= 5 ? 1 : 0;
    }
    return n_units;
}

static json_t *activity_json(const sim_muscle_plan *p, const sim_events *ev, sim_event_type t,
                             bool fasc)
{
    unit_count u[MAX_UNITS];
    size_t discharges, complex;
    size_t n_units = count_units(p, ev, t, t, u, &discharges, &complex);
    double per_min = discharges / rest_seconds(p) * 60.0;
    json_t *j = json_pack("{s:i, s:i, s:o}", fasc ? "units" : "trains", (int)n_units,
                          "discharges", (int)discharges, "per_min", num(per_min, 2));
    if (fasc)
        json_object_set_new(j, "complex_pct",
                            discharges ? num(100.0 * complex / discharges, 1) : json_null());
    return j;
}

/* Grade per clinical.md 1.2, from sites with sustained fib/PSW trains. */
static json_t *grade_json(const sim_muscle_plan *p, const sim_events *ev, int *sites_out)
{
    unit_count u[MAX_UNITS];
    size_t discharges, complex;
    size_t n_units = count_units(p, ev, SIM_EV_FIBRILLATION, SIM_EV_PSW, u, &discharges, &complex);
    int sites = 0, crowded = 0;
    for (size_t s = 0; s < p->n_needle_moves; s++) {
        int trains = 0;
        for (size_t k = 0; k < n_units; k++)
            trains += u[k].site_n[s] >= SUSTAINED_TRAIN ? 1 : 0;
        sites += trains > 0;
        crowded += trains > 1;
    }
    *sites_out = sites;
    int all = (int)p->n_needle_moves;
    const char *g = sites == 0 ? "0" : sites < 3 || sites < all ? "1+" : crowded == all ? "3+" : "2+";
    return json_string(g);
}

static json_t *spontaneous_json(const sim_muscle_plan *p, const sim_events *ev)
{
    int sites = 0;
    json_t *grade = grade_json(p, ev, &sites);
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i}",
                     "fibrillation", activity_json(p, ev, SIM_EV_FIBRILLATION, false),
                     "positive_sharp_wave", activity_json(p, ev, SIM_EV_PSW, false),
                     "fasciculation", activity_json(p, ev, SIM_EV_FASCICULATION, true),
                     "complex_repetitive", activity_json(p, ev, SIM_EV_CRD, false), "myotonic",
                     activity_json(p, ev, SIM_EV_MYOTONIC, false), "myokymic",
                     activity_json(p, ev, SIM_EV_MYOKYMIC, false), "neuromyotonic",
                     activity_json(p, ev, SIM_EV_NEUROMYOTONIC, false), "cramp",
                     activity_json(p, ev, SIM_EV_CRAMP, false), "end_plate",
                     activity_json(p, ev, SIM_EV_END_PLATE, false), "fib_psw_grade", grade,
                     "fib_psw_sites", sites);
}

/* Every discharge injected anywhere in the file, by type. */
static json_t *injected_json(const sim_events *ev)
{
    size_t n[SIM_EV_COUNT] = {0};
    for (size_t i = 0; i < ev->n; i++)
        n[ev->v[i].type]++;
    json_t *j = json_object();
    for (int t = 0; t < SIM_EV_COUNT; t++)
        json_object_set_new(j, sim_event_type_name((sim_event_type)t), json_integer((json_int_t)n[t]));
    return j;
}

static json_t *noise_json(const sim_noise *n)
{
    return json_pack("{s:o, s:o, s:i, s:o, s:o, s:o}", "white_uv", num(n->white_uv, 2),
                     "pink_uv", num(n->pink_uv, 2), "mains_hz", n->mains_hz, "mains_uv",
                     num(n->mains_uv, 2), "movement_per_min", num(n->movement_per_min, 2),
                     "movement_uv", num(n->movement_uv, 1));
}

static const char *epoch_name(sim_epoch_kind k)
{
    return k == SIM_EPOCH_REST ? "rest" : k == SIM_EPOCH_MINIMAL ? "minimal" : k == SIM_EPOCH_MODERATE ? "moderate" : "maximal";
}

/* The time line the files' annotations carry, for scorers. */
static json_t *epochs_json(const sim_muscle_plan *p)
{
    json_t *a = json_array();
    for (size_t i = 0; i < p->n_epochs; i++)
        json_array_append_new(a, json_pack("{s:s, s:o, s:o}", "state", epoch_name(p->epochs[i].kind),
                                           "start_s", num(p->epochs[i].start_s, 4), "duration_s",
                                           num(p->epochs[i].duration_s, 4)));
    json_t *moves = json_array();
    for (size_t i = 0; i < p->n_needle_moves; i++)
        json_array_append_new(moves, num(p->needle_move_s[i], 4));
    return json_pack("{s:o, s:o, s:o}", "states", a, "needle_moves_s", moves, "insertion_window_s",
                     num(insertion_window_s, 3));
}

static json_t *muscle_json(const sim_muscle_entry *e, const sim_muscle_result *r)
{
    const sim_muscle_plan *p = &e->plan;
    const sim_mup_truth *m = &r->mup;
    char side[2] = {p->side, '\0'};
    json_t *spont = spontaneous_json(p, &r->events);
    json_object_set_new(spont, "injected", injected_json(&r->events));
    json_t *mup = json_pack("{s:i, s:o, s:o, s:o, s:o, s:s}", "count", m->count,
                            "amplitude_uv_mean", num(m->amplitude_uv_mean, 1), "duration_ms_mean",
                            num(m->duration_ms_mean, 2), "phases_mean", num(m->phases_mean, 2),
                            "polyphasic_pct", num(m->polyphasic_pct, 1), "pattern",
                            m->pattern ? m->pattern : "normal");
    json_t *rec = json_pack("{s:s, s:o}", "pattern", m->recruitment ? m->recruitment : "normal",
                            "max_firing_hz", num(m->max_firing_hz, 1));
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:o, s:o, s:o, s:s}", "file",
                          e->file, "muscle", p->muscle, "side", side, "region", p->region,
                          "roots", e->roots, "nerve", e->nerve, "rest_s",
                          num(rest_seconds(p), 3), "needle_sites", (int)p->n_needle_moves,
                          "spontaneous", spont, "mup", mup, "recruitment", rec, "events",
                          r->events_file);
    json_object_set_new(j, "epochs", epochs_json(p));
    json_object_set_new(j, "end_plate_site", json_boolean(p->end_plate));
    json_object_set_new(j, "noise", noise_json(&p->noise));
    return j;
}

/* ---- the whole file -------------------------------------------------------- */

static json_t *study_json(const sim_study_plan *sp)
{
    char birth[16], start[24], sex[2] = {sp->sex, '\0'};
    snprintf(birth, sizeof birth, "%04d-%02d-%02d", sp->birth_year, sp->birth_month,
             sp->birth_day);
    snprintf(start, sizeof start, "%04d-%02d-%02dT%02d:%02d:00", sp->year, sp->month, sp->day,
             sp->hour, sp->minute);
    int age = sp->year - sp->birth_year -
              ((sp->month < sp->birth_month ||
                (sp->month == sp->birth_month && sp->day < sp->birth_day)) ? 1 : 0);
    json_t *patient = json_pack("{s:s, s:s, s:s, s:s, s:i}", "code", sp->patient_code, "name",
                                sp->patient_name, "sex", sex, "birthdate", birth, "age_years", age);
    json_t *files = json_array();
    for (size_t i = 0; i < sp->n_nerves; i++)
        json_array_append_new(files, json_string(sp->nerves[i].file));
    for (size_t i = 0; i < sp->n_muscles; i++)
        json_array_append_new(files, json_string(sp->muscles[i].file));
    return json_pack("{s:o, s:s, s:s, s:o}", "patient", patient, "start", start, "indication",
                     sp->indication, "files", files);
}

static json_t *interpretation_json(const sim_study_plan *sp)
{
    json_t *regions = json_array();
    for (size_t i = 0; i < sp->n_regions; i++)
        json_array_append_new(regions, json_string(sp->regions_with_lmn_signs[i]));
    return json_pack("{s:s, s:o, s:o, s:s}", "pattern", sp->pattern, "subtype",
                     sp->subtype ? json_string(sp->subtype) : json_null(),
                     "regions_with_lmn_signs", regions, "statement", sp->statement);
}

json_t *sim_truth_json(const sim_study_plan *sp, const sim_nc_output *nc,
                       const sim_muscle_result *mr)
{
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_string("edxreport-truth/1"));
    const sim_options *o = &sp->opt;
    json_object_set_new(
        root, "simulation",
        json_pack("{s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:i, s:o, s:b}", "version", edx_version(),
                  "scenario", sp->scenario, "seed", (json_int_t)o->seed, "age_years",
                  num(o->age_years, 1), "height_cm", num(o->height_cm, 1), "temperature_c",
                  num(o->temperature_c, 1), "severity", num(o->severity, 3), "mains_hz",
                  o->mains_hz, "rest_s", num(o->rest_s, 1), "gzip", o->gzip));
    json_object_set_new(root, "study", study_json(sp));
    json_object_set_new(root, "conditions",
                        json_pack("{s:o, s:o}", "temperature_c", num(o->temperature_c, 1),
                                  "height_cm", num(o->height_cm, 1)));
    json_t *ncs = json_array(), *emg = json_array();
    for (size_t i = 0; i < sp->n_nerves; i++)
        json_array_append_new(ncs, nerve_json(&sp->nerves[i], &nc[i]));
    for (size_t i = 0; i < sp->n_muscles; i++)
        json_array_append_new(emg, muscle_json(&sp->muscles[i], &mr[i]));
    json_object_set_new(root, "nerve_conduction", ncs);
    json_object_set_new(root, "needle_emg", emg);
    json_object_set_new(root, "interpretation", interpretation_json(sp));
    return root;
}

/* ---- events table ---------------------------------------------------------- */

int sim_events_write_tsv(FILE *f, const sim_events *ev)
{
    char t[32], a[32], du[32];
    if (fputs("time_s\ttype\tunit\tamplitude_uv\tduration_ms\tphases\tfirst_polarity\n", f) < 0)
        return EDX_ERR_IO;
    for (size_t i = 0; i < ev->n; i++) {
        const sim_event *e = &ev->v[i];
        edx_fmt_double(t, sizeof t, e->time_s, 5);
        edx_fmt_double(a, sizeof a, e->amplitude_uv, 1);
        edx_fmt_double(du, sizeof du, e->duration_ms, 2);
        if (fprintf(f, "%s\t%s\t%d\t%s\t%s\t%d\t%s\n", t, sim_event_type_name(e->type), e->unit,
                    a, du, e->phases, e->first_polarity > 0 ? "positive" : "negative") < 0)
            return EDX_ERR_IO;
    }
    return EDX_OK;
}
