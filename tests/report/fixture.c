/*
 * fixture.c - hand-made findings for the report tests (see fixture.h).
 * Values are plausible for the sites they name; a few are abnormal (with
 * limits and flags) so that marks, bold type and the summary are exercised.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"

static const char *const nerve_names[] = {"median", "ulnar", "peroneal", "tibial",
                                          "radial", "sural", "superficial peroneal"};
static const char *const muscle_names[][3] = {
    {"genioglossus", "bulbar", "XII"},
    {"first dorsal interosseous", "cervical", "C8-T1"},
    {"biceps brachii", "cervical", "C5-C6"},
    {"deltoid", "cervical", "C5-C6"},
    {"thoracic paraspinal", "thoracic", "T6-T10"},
    {"tibialis anterior", "lumbosacral", "L4-L5"},
    {"vastus lateralis", "lumbosacral", "L2-L4"},
    {"gastrocnemius medial head", "lumbosacral", "S1-S2"},
};

#define HOSTILE_NAME                                                                   \
    "M\xC3\xBCller, Zo\xC3\xAB \x01\x1b[31m \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D "           \
    "\xE2\x80\xAE\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7\xE2\x80\xAC \xF0\x9F\x98\x80 " \
    "\xE4\xB8\xAD\xE6\x96\x87 \xEF\xBF\xBF end"

static json_t *site(const char *name, double dist, double onset, double amp_uv, double dur,
                    bool is_motor)
{
    json_t *s = json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:n, s:[], s:[]}", "site", name,
                          "distance_cm", dist, "onset_latency_ms", onset, "peak_latency_ms",
                          onset + (is_motor ? 2.8 : 0.8), "amplitude_uv", amp_uv, "duration_ms",
                          dur, "reported_by_system", "flags", "warnings");
    return s;
}

static json_t *limits2(const char *p1, const char *k1, double v1, const char *p2,
                       const char *k2, double v2)
{
    return json_pack("{s:{s:f}, s:{s:f}}", p1, k1, v1, p2, k2, v2);
}

static json_t *motor_nerve(size_t i, unsigned parts)
{
    const char *nerve = nerve_names[i % 4];
    bool abnormal = i % 3 == 1;
    json_t *sites = json_array(), *segs = json_array();
    json_t *s0 = site("wrist", 8.0, abnormal ? 5.2 : 3.6, abnormal ? 2100 : 7400, 6.1, true);
    json_t *s1 = site(parts & FX_HOSTILE ? "elbow \xE2\x80\xAE" "wobla\xE2\x80\xAC with a site "
                                           "name far longer than any column could hold"
                                         : "elbow",
                      29.0, abnormal ? 11.9 : 7.9, abnormal ? 900 : 7000, 6.9, true);
    json_object_set_new(s0, "limits", limits2("onset_latency_ms", "uln", 4.4, "amplitude_uv", "lln", 4000));
    if (abnormal) {
        json_array_append_new(json_object_get(s0, "flags"), json_string("prolonged"));
        json_array_append_new(json_object_get(s0, "flags"), json_string("low"));
        json_array_append_new(json_object_get(s1, "flags"), json_string("low"));
    }
    json_array_append_new(sites, s0);
    json_array_append_new(sites, s1);
    json_t *seg = json_pack("{s:s, s:s, s:f, s:f, s:f, s:[], s:{s:{s:f}}}", "from", "wrist", "to",
                            json_string_value(json_object_get(s1, "site")), "velocity_m_s",
                            abnormal ? 31.2 : 55.4, "amplitude_drop_pct", abnormal ? 57.0 : 5.0,
                            "duration_increase_pct", 8.0, "flags", "limits", "velocity_m_s",
                            "lln", 49.0);
    if (abnormal) {
        json_array_append_new(json_object_get(seg, "flags"), json_string("slow"));
        json_array_append_new(json_object_get(seg, "flags"), json_string("conduction_block"));
    }
    json_array_append_new(segs, seg);
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:n, s:n, s:[]}", "nerve", nerve, "side",
                     i % 2 ? "L" : "R", "test", "motor", "recording_site",
                     i % 4 < 2 ? (i % 4 ? "ADM" : "APB") : (i % 4 == 2 ? "EDB" : "AH"), "sites",
                     sites, "segments", segs, "sensory_velocity_m_s", "fwave", "warnings");
}

static json_t *sensory_nerve(size_t i)
{
    bool absent = i % 4 == 3;
    json_t *s = absent ? json_pack("{s:s, s:f, s:n, s:n, s:n, s:n, s:[s], s:[s]}", "site", "calf",
                                   "distance_cm", 14.0, "onset_latency_ms", "peak_latency_ms",
                                   "amplitude_uv", "duration_ms", "flags", "absent", "warnings",
                                   "no response above noise in any sweep")
                       : site("wrist", 14.0, 2.6, 25.0 - (double)(i % 5), 1.6, false);
    json_object_set_new(s, "limits", limits2("peak_latency_ms", "uln", 3.6, "amplitude_uv", "lln", 15));
    return json_pack("{s:s, s:s, s:s, s:s, s:[o], s:[], s:f, s:n, s:[]}", "nerve",
                     absent ? "sural" : nerve_names[i % 2], "side", "R", "test", "sensory",
                     "recording_site", absent ? "lateral malleolus" : "D2", "sites", s, "segments",
                     "sensory_velocity_m_s", absent ? 0.0 : 53.3, "fwave", "warnings");
}

static json_t *fwave_nerve(void)
{
    json_t *m = site("ankle", 8.0, 5.0, 5900, 7.1, true);
    return json_pack("{s:s, s:s, s:s, s:s, s:[o], s:[], s:n, s:{s:f, s:f, s:f, s:i, s:i, s:{s:{s:f}}}, s:[]}",
                     "nerve", "tibial", "side", "R", "test", "fwave", "recording_site", "AH", "sites",
                     m, "segments", "sensory_velocity_m_s", "fwave", "min_latency_ms", 61.3,
                     "persistence_pct", 85.0, "chronodispersion_ms", 4.2, "sweeps", 20, "f_waves",
                     17, "limits", "min_latency_ms", "uln", 56.0, "warnings");
}

static json_t *rate(double per_min, int trains)
{
    return json_pack("{s:i, s:i, s:f}", "trains", per_min > 0 ? trains : 0, "discharges",
                     (int)(per_min * 0.5), "per_min", per_min);
}

static json_t *spont(double fib, double psw, double fasc, double crd)
{
    json_t *fa = rate(fasc, 4);
    json_object_set_new(fa, "complex_pct", json_real(25.0));
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "fibrillation", rate(fib, 3),
                     "positive_sharp_wave", rate(psw, 2), "fasciculation", fa,
                     "complex_repetitive", rate(crd, 1), "myotonic", rate(0, 0), "myokymic",
                     rate(0, 0), "fib_psw_grade",
                     fib + psw > 8 ? "2+" : fib + psw > 0 ? "1+" : "0");
}

static json_t *muscle(size_t i, unsigned parts)
{
    const char *const *m = muscle_names[i % 8];
    bool lmn = i % 3 != 2;
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:f, s:o, s:{s:i, s:f, s:f, s:f, s:f, s:s},"
                          " s:{s:s, s:f}, s:n, s:[]}",
                          "muscle", m[0], "side", "R", "region", m[1], "roots", m[2], "rest_s",
                          i % 5 == 4 ? 12.0 : 30.0, "spontaneous",
                          spont(lmn ? 6.5 : 0, lmn ? 4.0 : 0, i % 2 ? 9.5 : 0, i == 4 ? 2 : 0),
                          "mup", "count", 20, "amplitude_uv_mean", lmn ? 2450.0 : 650.0,
                          "duration_ms_mean", lmn ? 15.2 : 9.8, "phases_mean", 3.4,
                          "polyphasic_pct", lmn ? 35.0 : 10.0, "pattern",
                          lmn ? "neurogenic" : "normal", "recruitment", "pattern",
                          lmn ? "reduced" : "normal", "max_firing_hz", lmn ? 22.0 : 12.0,
                          "events", "warnings");
    if (parts & FX_HOSTILE && i == 0) {
        json_object_set_new(j, "muscle", json_string(HOSTILE_NAME HOSTILE_NAME));
        json_object_del(j, "region");
        json_array_append_new(json_object_get(j, "warnings"), json_string(HOSTILE_NAME));
    }
    return j;
}

static json_t *interpretation(void)
{
    return json_pack(
        "{s:s, s:n, s:[s, s, s], s:[{s:s, s:b, s:s}, {s:s, s:b, s:s}, {s:s, s:b, s:s}], s:s}",
        "pattern", "suspicious_mnd", "subtype", "regions_with_lmn_signs", "bulbar", "cervical",
        "lumbosacral", "evidence", "rule", "lmn_regions_ge_2", "holds", 1, "detail",
        "lower motor neuron signs in 3 regions (bulbar, cervical, lumbosacral)", "rule",
        "sensory_ncs_normal", "holds", 1, "detail", "sensory nerve action potentials within limits",
        "rule", "conduction_block_outside_entrapment", "holds", 0, "detail",
        "no motor conduction block outside entrapment sites", "statement",
        "Active denervation and chronic reinnervation in bulbar, cervical and lumbosacral "
        "muscles with normal sensory conduction: consistent with widespread lower motor neuron "
        "involvement, as seen in motor neuron disease in the appropriate clinical context.");
}

static json_t *study(unsigned parts)
{
    json_t *files = json_array();
    for (int i = 0; i < 3; i++)
        json_array_append_new(files, json_pack("{s:s, s:s, s:i, s:s, s:[]}", "path",
                                               i ? "nowhere/emg_r_deltoid.edf.gz" : "nowhere/nc.edf",
                                               "sha256",
                                               "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                                               "size_bytes", 1000 + i, "format", i ? "EDF+C" : "EDF+D",
                                               "warnings"));
    const char *name = parts & FX_HOSTILE ? HOSTILE_NAME HOSTILE_NAME HOSTILE_NAME : "M\xC3\xBCller, Zo\xC3\xAB";
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:i}, s:s, s:o, s:s, s:s}", "id",
                     "P-0042-20260316-120100", "folder", "fixture", "patient", "code", "P-0042",
                     "name", name, "sex", "F", "birthdate", "1961-05-02", "age_years", 64, "start",
                     "2026-03-16T12:01:00", "files", files, "indication",
                     parts & FX_HOSTILE ? HOSTILE_NAME HOSTILE_NAME HOSTILE_NAME HOSTILE_NAME
                                        : "progressive weakness of the right hand, fasciculations \xC2\xB1 cramps",
                     "referrer", "Dr. A. Referrer, Neurology");
}

json_t *fx_findings(size_t n_nerves, size_t n_muscles, unsigned parts)
{
    json_t *ncs = json_array(), *emg = json_array();
    for (size_t i = 0; (parts & FX_NCS) && i < n_nerves; i++) {
        size_t kind = i % 5;
        json_array_append_new(ncs, kind == 4 ? fwave_nerve() : kind >= 2 ? sensory_nerve(i) : motor_nerve(i, parts));
    }
    for (size_t i = 0; (parts & FX_EMG) && i < n_muscles; i++)
        json_array_append_new(emg, muscle(i, parts));
    json_t *f = json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:f, s:s, s:f}, s:o, s:o}", "schema",
                          "edxreport-findings/1", "software", "name", "edxreport", "version",
                          "0.1.0", "norms", "normals.tsv 40ff534c6b39", "study", study(parts),
                          "conditions", "temperature_c", 31.2, "temperature_site", "right palm",
                          "height_cm", 168.0, "nerve_conduction", ncs, "needle_emg", emg);
    if (parts & FX_INTERP)
        json_object_set_new(f, "interpretation", interpretation());
    return f;
}

void fx_complete(json_t *findings)
{
    size_t i;
    json_t *m, *n;
    json_array_foreach(json_object_get(findings, "needle_emg"), i, m) {
        json_t *src = muscle(i, 0);
        json_object_set(m, "spontaneous", json_object_get(src, "spontaneous"));
        json_object_set(m, "mup", json_object_get(src, "mup"));
        json_object_set(m, "recruitment", json_object_get(src, "recruitment"));
        json_array_clear(json_object_get(m, "warnings"));
        json_decref(src);
        /* the simulator's truth events, where the test copies them beside the findings */
        char name[160];
        const char *side = json_string_value(json_object_get(m, "side"));
        const char *mus = json_string_value(json_object_get(m, "muscle"));
        snprintf(name, sizeof name, "truth.emg_%s_%s.events.tsv", side && side[0] == 'L' ? "l" : "r",
                 mus ? mus : "");
        for (char *p = name; *p; p++)
            *p = *p == ' ' ? '_' : *p;
        json_object_set_new(m, "events", json_string(name));
    }
    json_array_foreach(json_object_get(findings, "nerve_conduction"), i, n) {
        json_t *s0 = json_array_get(json_object_get(n, "sites"), 0);
        const char *test = json_string_value(json_object_get(n, "test"));
        if (!s0 || !test || strcmp(test, "motor") != 0)
            continue;
        json_object_set_new(s0, "limits", limits2("onset_latency_ms", "uln", 4.2, "amplitude_uv", "lln", 4100));
    }
    json_object_set_new(findings, "interpretation", interpretation());
}
