/*
 * accuracy_score.c - adds one study's truth and findings to the running
 * totals of the accuracy benchmark: nerve conduction errors, discharge
 * detection in rest, per-muscle agreement and the interpretation pattern.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "accuracy_score.h"

enum { PATH_MAX_BYTES = 4096 };

static const struct {
    const char *key, *label;
} metrics[ACC_METRIC_COUNT] = {
    [ACC_CMAP_ONSET] = {"cmap_onset_latency_ms", "CMAP onset latency (ms)"},
    [ACC_SNAP_ONSET] = {"snap_onset_latency_ms", "SNAP onset latency (ms)"},
    [ACC_PEAK_LATENCY] = {"peak_latency_ms", "peak latency (ms)"},
    [ACC_CMAP_AMPLITUDE] = {"cmap_amplitude_pct", "CMAP amplitude (% of truth)"},
    [ACC_SNAP_AMPLITUDE] = {"snap_amplitude_pct", "SNAP amplitude (% of truth)"},
    [ACC_SNAP_AMPLITUDE_20DB] = {"snap_amplitude_pct_snr20", "  of SNR >= 20 dB (%)"},
    [ACC_MOTOR_VELOCITY] = {"motor_velocity_m_s", "motor velocity (m/s)"},
    [ACC_SENSORY_VELOCITY] = {"sensory_velocity_m_s", "sensory velocity (m/s)"},
    [ACC_SENSORY_VELOCITY_20DB] = {"sensory_velocity_m_s_snr20", "  of SNR >= 20 dB (m/s)"},
    [ACC_F_MIN_LATENCY] = {"fwave_min_latency_ms", "F min latency (ms)"},
    [ACC_F_PERSISTENCE] = {"fwave_persistence_pct", "F persistence (% points)"},
};

const char *acc_metric_key(acc_metric m)
{
    return (m >= 0 && m < ACC_METRIC_COUNT) ? metrics[m].key : "unknown";
}

const char *acc_metric_label(acc_metric m)
{
    return (m >= 0 && m < ACC_METRIC_COUNT) ? metrics[m].label : "unknown";
}

void acc_totals_init(acc_totals *t, FILE *warn)
{
    memset(t, 0, sizeof *t);
    t->warn = warn;
}

unsigned acc_extra_set(const acc_totals *t)
{
    unsigned set = 0;
    for (int k = 0; k < ACC_EXTRA_TYPES; k++)
        set |= t->type_in_findings[ACC_CORE_TYPES + k] ? 1u << k : 0u;
    return set;
}

void acc_totals_free(acc_totals *t)
{
    for (int m = 0; m < ACC_METRIC_COUNT; m++)
        free(t->nc[m].err);
    memset(t->nc, 0, sizeof t->nc);
    acc_mup_free(&t->mup_size);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void warn(const acc_totals *t, const char *fmt, ...)
{
    if (!t->warn)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_accuracy: ", t->warn);
    vfprintf(t->warn, fmt, ap);
    fputc('\n', t->warn);
    va_end(ap);
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static bool same_str(const json_t *a, const json_t *b, const char *key)
{
    const char *x = str(a, key), *y = str(b, key);
    return x && y && strcmp(x, y) == 0;
}

/* ---- nerve conduction ---------------------------------------------------------- */

static int series_push(acc_series *s, double err)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        double *v = realloc(s->err, cap * sizeof *v);
        if (!v)
            return EDX_ERR_NOMEM;
        s->err = v;
        s->cap = cap;
    }
    s->err[s->n++] = err;
    return EDX_OK;
}

/* One truth value against the found one (either may be NULL or null). */
static int score(acc_totals *t, acc_metric m, const json_t *truth, const json_t *found)
{
    acc_series *s = &t->nc[m];
    s->is_implemented |= json_is_number(found);
    if (!json_is_number(truth))
        return EDX_OK;
    double want = json_number_value(truth);
    if (!json_is_number(found)) {
        s->missed++;
        return EDX_OK;
    }
    double got = json_number_value(found);
    if (m == ACC_CMAP_AMPLITUDE || m == ACC_SNAP_AMPLITUDE || m == ACC_SNAP_AMPLITUDE_20DB)
        return want == 0 ? EDX_OK : series_push(s, 100.0 * (got - want) / fabs(want));
    return series_push(s, got - want);
}

/* The element of array whose key1 (and key2, when given) equal want's. */
static const json_t *find_by(const json_t *array, const json_t *want, const char *key1,
                             const char *key2)
{
    size_t i;
    const json_t *e;
    json_array_foreach(array, i, e)
    {
        if (same_str(e, want, key1) && (!key2 || same_str(e, want, key2)))
            return e;
    }
    return NULL;
}

static const json_t *find_nerve(const json_t *found_ncs, const json_t *truth_nerve)
{
    size_t i;
    const json_t *e;
    json_array_foreach(found_ncs, i, e)
    {
        if (same_str(e, truth_nerve, "nerve") && same_str(e, truth_nerve, "side") &&
            same_str(e, truth_nerve, "test") && same_str(e, truth_nerve, "recording_site"))
            return e;
    }
    return NULL;
}

/* Whether the truth amplitude of a site is 20 dB or more above the noise
 * of the waveform found for it (unknown without both). */
static bool snr_20db(const json_t *truth_site, const json_t *found_site)
{
    const json_t *a = json_object_get(truth_site, "amplitude_uv"),
                 *noise = json_object_get(found_site, "noise_uv");
    return json_is_number(a) && json_is_number(noise) && json_number_value(noise) > 0 &&
           fabs(json_number_value(a)) >= 10.0 * json_number_value(noise);
}

static int score_sites(acc_totals *t, const json_t *truth_nerve, const json_t *found_nerve)
{
    const json_t *found_sites = json_object_get(found_nerve, "sites");
    const char *test = str(truth_nerve, "test");
    bool sensory = test && strcmp(test, "sensory") == 0;
    size_t i;
    const json_t *ts;
    int rc = EDX_OK;
    json_array_foreach(json_object_get(truth_nerve, "sites"), i, ts)
    {
        const json_t *fs = find_by(found_sites, ts, "site", NULL);
        if (json_is_number(json_object_get(ts, "onset_latency_ms"))) {
            t->truth_sites++;
            t->sites_missed += !json_is_number(json_object_get(fs, "onset_latency_ms"));
        }
        if (!rc)
            rc = score(t, sensory ? ACC_SNAP_ONSET : ACC_CMAP_ONSET,
                       json_object_get(ts, "onset_latency_ms"),
                       json_object_get(fs, "onset_latency_ms"));
        if (!rc)
            rc = score(t, ACC_PEAK_LATENCY, json_object_get(ts, "peak_latency_ms"),
                       json_object_get(fs, "peak_latency_ms"));
        if (!rc)
            rc = score(t, sensory ? ACC_SNAP_AMPLITUDE : ACC_CMAP_AMPLITUDE,
                       json_object_get(ts, "amplitude_uv"),
                       json_object_get(fs, "amplitude_uv"));
        if (!rc && sensory && snr_20db(ts, fs))
            rc = score(t, ACC_SNAP_AMPLITUDE_20DB, json_object_get(ts, "amplitude_uv"),
                       json_object_get(fs, "amplitude_uv"));
    }
    return rc;
}

/* Findings may give a sensory velocity at the nerve (as truth does) or as
 * the velocity of its one segment. */
static const json_t *found_sensory_velocity(const json_t *found_nerve)
{
    const json_t *v = json_object_get(found_nerve, "sensory_velocity_m_s");
    if (json_is_number(v))
        return v;
    const json_t *segs = json_object_get(found_nerve, "segments");
    return json_object_get(json_array_get(segs, 0), "velocity_m_s");
}

static int score_nerve(acc_totals *t, const json_t *tn, const json_t *fn)
{
    int rc = score_sites(t, tn, fn);
    const json_t *found_segs = json_object_get(fn, "segments");
    size_t i;
    const json_t *ts;
    const char *test = str(tn, "test");
    if (test && strcmp(test, "motor") == 0) {
        json_array_foreach(json_object_get(tn, "segments"), i, ts)
        {
            const json_t *fs = find_by(found_segs, ts, "from", "to");
            if (!rc)
                rc = score(t, ACC_MOTOR_VELOCITY, json_object_get(ts, "velocity_m_s"),
                           json_object_get(fs, "velocity_m_s"));
        }
    }
    if (!rc && test && strcmp(test, "sensory") == 0)
        rc = score(t, ACC_SENSORY_VELOCITY, json_object_get(tn, "sensory_velocity_m_s"),
                   fn ? found_sensory_velocity(fn) : NULL);
    /* the velocity of a sensory nerve is read at its one site */
    const json_t *site = json_array_get(json_object_get(tn, "sites"), 0);
    if (!rc && test && strcmp(test, "sensory") == 0 &&
        snr_20db(site, find_by(json_object_get(fn, "sites"), site, "site", NULL)))
        rc = score(t, ACC_SENSORY_VELOCITY_20DB, json_object_get(tn, "sensory_velocity_m_s"),
                   found_sensory_velocity(fn));
    const json_t *tf = json_object_get(tn, "fwave"), *ff = json_object_get(fn, "fwave");
    if (!rc && json_is_object(tf))
        rc = score(t, ACC_F_MIN_LATENCY, json_object_get(tf, "min_latency_ms"),
                   json_object_get(ff, "min_latency_ms"));
    if (!rc && json_is_object(tf))
        rc = score(t, ACC_F_PERSISTENCE, json_object_get(tf, "persistence_pct"),
                   json_object_get(ff, "persistence_pct"));
    return rc;
}

static int add_nerves(acc_totals *t, const json_t *truth_ncs, const json_t *found_ncs)
{
    if (!json_is_array(truth_ncs))
        return EDX_ERR_FORMAT;
    t->has_nc |= json_array_size(found_ncs) > 0;
    size_t i;
    const json_t *tn;
    int rc = EDX_OK;
    json_array_foreach(truth_ncs, i, tn)
    {
        if (!rc)
            rc = score_nerve(t, tn, find_nerve(found_ncs, tn));
    }
    return rc;
}

/* ---- discharges ------------------------------------------------------------------ */

static int join(char *buf, const char *dir, const char *name)
{
    int n = snprintf(buf, PATH_MAX_BYTES, "%s/%s", dir, name);
    return (n < 0 || n >= PATH_MAX_BYTES) ? EDX_ERR_RANGE : EDX_OK;
}

/* The events of one type, still in time order. */
static size_t pick(const acc_events *all, int type, acc_event *out)
{
    size_t n = 0;
    for (size_t i = 0; i < all->n; i++)
        if (all->v[i].type == type)
            out[n++] = all->v[i];
    return n;
}

static int match_by_type(acc_totals *t, const acc_events *truth, const acc_events *found,
                         acc_event *tbuf, acc_event *fbuf, ptrdiff_t *link)
{
    for (int type = 0; type < ACC_TYPE_COUNT; type++) {
        size_t nt = pick(truth, type, tbuf), nf = pick(found, type, fbuf);
        long m = acc_match(tbuf, nt, fbuf, nf, ACC_MATCH_TOLERANCE_S, link);
        if (m < 0)
            return (int)m;
        t->type[type].truth_n += nt;
        t->type[type].found_n += nf;
        t->type[type].matched_n += (size_t)m;
        t->type_in_findings[type] |= nf > 0;
    }
    return EDX_OK;
}

/* Type-agnostic matching over the core types and the extra types in `extras`. */
static int match_any_set(acc_totals *t, unsigned extras, const acc_events *truth,
                         const acc_events *found, acc_event *tbuf, acc_event *fbuf,
                         ptrdiff_t *link)
{
    size_t nt = 0, nf = 0;
    for (size_t i = 0; i < truth->n; i++)
        if (acc_type_in_set(truth->v[i].type, extras))
            tbuf[nt++] = truth->v[i];
    for (size_t i = 0; i < found->n; i++)
        if (acc_type_in_set(found->v[i].type, extras))
            fbuf[nf++] = found->v[i];
    long m = acc_match(tbuf, nt, fbuf, nf, ACC_MATCH_TOLERANCE_S, link);
    if (m < 0)
        return (int)m;
    acc_detect *any = &t->any[extras];
    any->truth_n += nt;
    any->found_n += nf;
    any->matched_n += (size_t)m;
    for (size_t i = 0; i < nt; i++) {
        if (link[i] < 0)
            continue;
        int tt = tbuf[i].type, ft = fbuf[link[i]].type;
        t->wrong_type[extras][tt][ft] += tt != ft;
    }
    return EDX_OK;
}

/* Fibrillations and PSWs found in a muscle whose truth has none in rest:
 * the false-positive rate over the clean muscles. */
static void count_clean(acc_totals *t, const acc_events *truth, const acc_events *found,
                        const acc_timeline *tl)
{
    for (size_t i = 0; i < truth->n; i++)
        if (truth->v[i].type == ACC_FIBRILLATION || truth->v[i].type == ACC_PSW)
            return;
    t->clean_muscles++;
    t->clean_rest_s += acc_rest_s(tl);
    for (size_t i = 0; i < found->n; i++)
        t->clean_found += found->v[i].type == ACC_FIBRILLATION || found->v[i].type == ACC_PSW;
}

static int match_events(acc_totals *t, const acc_events *truth, const acc_events *found)
{
    size_t n = truth->n > found->n ? truth->n : found->n;
    acc_event *tbuf = malloc((n + 1) * sizeof *tbuf), *fbuf = malloc((n + 1) * sizeof *fbuf);
    ptrdiff_t *link = malloc((n + 1) * sizeof *link);
    int rc = (tbuf && fbuf && link) ? EDX_OK : EDX_ERR_NOMEM;
    if (!rc)
        rc = match_by_type(t, truth, found, tbuf, fbuf, link);
    for (unsigned extras = 0; !rc && extras < ACC_EXTRA_SETS; extras++)
        rc = match_any_set(t, extras, truth, found, tbuf, fbuf, link);
    free(tbuf);
    free(fbuf);
    free(link);
    return rc;
}

/* The found events of a muscle; none (a miss) when the findings name no
 * table or it cannot be read. */
static int read_found(acc_totals *t, const json_t *fm, const char *findings_dir,
                      const acc_timeline *tl, acc_events *found)
{
    memset(found, 0, sizeof *found);
    const char *name = str(fm, "events");
    if (!name)
        return EDX_OK;
    t->has_events = true;
    char path[PATH_MAX_BYTES];
    int rc = join(path, findings_dir ? findings_dir : ".", name);
    if (!rc)
        rc = acc_events_read(path, tl, found);
    if (rc == EDX_ERR_NOMEM)
        return rc;
    if (rc)
        warn(t, "%s: %s; its events count as missed", path, edx_strerror(rc));
    else if (found->bad_rows)
        warn(t, "%s: %zu unreadable rows skipped", path, found->bad_rows);
    return EDX_OK;
}

static void detect_add(acc_detect *sum, const acc_detect *after, const acc_detect *before)
{
    sum->truth_n += after->truth_n - before->truth_n;
    sum->found_n += after->found_n - before->found_n;
    sum->matched_n += after->matched_n - before->matched_n;
}

/* The fibrillations and PSWs one muscle added (before: the totals until
 * it), kept apart when its truth has a needle site on the end plate. */
static void count_end_plate(acc_totals *t, const json_t *tm, const acc_detect *before)
{
    if (!json_is_true(json_object_get(tm, "end_plate_site")))
        return;
    t->end_plate_muscles++;
    detect_add(&t->end_plate_fib[0], &t->type[ACC_FIBRILLATION], &before[0]);
    detect_add(&t->end_plate_fib[1], &t->type[ACC_PSW], &before[1]);
}

static int score_discharges(acc_totals *t, const json_t *tm, const char *truth_dir,
                            const json_t *fm, const char *findings_dir)
{
    const acc_detect before[2] = {t->type[ACC_FIBRILLATION], t->type[ACC_PSW]};
    acc_timeline tl;
    const char *name = str(tm, "events");
    if (!name)
        return EDX_ERR_FORMAT;
    int rc = acc_timeline_from_json(json_object_get(tm, "epochs"), &tl);
    if (rc)
        return rc;
    char path[PATH_MAX_BYTES];
    acc_events truth = {0}, found = {0};
    rc = join(path, truth_dir ? truth_dir : ".", name);
    if (!rc)
        rc = acc_events_read(path, &tl, &truth);
    if (!rc)
        rc = read_found(t, fm, findings_dir, &tl, &found);
    if (!rc)
        rc = match_events(t, &truth, &found);
    if (!rc) {
        count_clean(t, &truth, &found, &tl);
        count_end_plate(t, tm, before);
    }
    acc_events_free(&truth);
    acc_events_free(&found);
    acc_timeline_free(&tl);
    return rc;
}

/* ---- per muscle ------------------------------------------------------------------- */

static void agree(acc_agree *a, const char *want, const char *got)
{
    a->is_implemented |= got != NULL;
    if (!want)
        return;
    a->n++;
    a->agree_n += got && strcmp(want, got) == 0;
}

static const char *nested_str(const json_t *obj, const char *outer, const char *key)
{
    return str(json_object_get(obj, outer), key);
}

static int add_muscles(acc_totals *t, const json_t *truth_emg, const char *truth_dir,
                       const json_t *found_emg, const char *findings_dir)
{
    if (!json_is_array(truth_emg))
        return EDX_ERR_FORMAT;
    size_t i;
    const json_t *tm;
    int rc = EDX_OK;
    json_array_foreach(truth_emg, i, tm)
    {
        const json_t *fm = find_by(found_emg, tm, "muscle", "side");
        if (!rc)
            rc = score_discharges(t, tm, truth_dir, fm, findings_dir);
        agree(&t->grade, nested_str(tm, "spontaneous", "fib_psw_grade"),
              nested_str(fm, "spontaneous", "fib_psw_grade"));
        agree(&t->mup, nested_str(tm, "mup", "pattern"), nested_str(fm, "mup", "pattern"));
        if (!rc)
            rc = acc_mup_add(&t->mup_size, tm, fm);
        agree(&t->recruitment, nested_str(tm, "recruitment", "pattern"),
              nested_str(fm, "recruitment", "pattern"));
    }
    return rc;
}

/* ---- interpretation ----------------------------------------------------------------- */

/* The index of name in a table of names (added when new; "(other)" once
 * only its place is left). */
static size_t name_index(char (*names)[ACC_NAME_MAX], size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    if (*n >= ACC_PATTERN_MAX - 1 && strcmp(name, "(other)") != 0)
        return name_index(names, n, "(other)");
    snprintf(names[*n], ACC_NAME_MAX, "%s", name);
    return (*n)++;
}

static size_t pattern_index(acc_totals *t, const char *name)
{
    return name_index(t->pattern, &t->n_patterns, name);
}

static int add_pattern(acc_totals *t, const json_t *truth, const json_t *findings)
{
    const char *want = nested_str(truth, "interpretation", "pattern");
    const char *got = nested_str(findings, "interpretation", "pattern");
    if (!want)
        return EDX_ERR_FORMAT;
    t->has_pattern |= got != NULL;
    size_t r = pattern_index(t, want);
    size_t c = pattern_index(t, got ? got : "(none)");
    t->confusion[r][c]++;
    return EDX_OK;
}

/* ---- studies ------------------------------------------------------------------------- */

int acc_add_study(acc_totals *t, const json_t *truth, const char *truth_dir,
                  const json_t *findings, const char *findings_dir)
{
    if (!json_is_object(truth))
        return EDX_ERR_INVALID;
    if (findings && !json_is_object(findings)) {
        warn(t, "findings are not a JSON object; counted as missing");
        findings = NULL;
    }
    t->studies++;
    t->studies_with_findings += findings != NULL;
    int rc = add_nerves(t, json_object_get(truth, "nerve_conduction"),
                        json_object_get(findings, "nerve_conduction"));
    const acc_detect fasc_before = t->type[ACC_FASCICULATION];
    if (!rc)
        rc = add_muscles(t, json_object_get(truth, "needle_emg"), truth_dir,
                         json_object_get(findings, "needle_emg"), findings_dir);
    if (!rc) {
        const char *sc = nested_str(truth, "simulation", "scenario");
        size_t k = name_index(t->scenario, &t->n_scenarios, sc ? sc : "(unknown)");
        detect_add(&t->fasc_by_scenario[k], &t->type[ACC_FASCICULATION], &fasc_before);
    }
    if (!rc)
        rc = add_pattern(t, truth, findings);
    return rc;
}

static json_t *load_findings(acc_totals *t, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return NULL;
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j)
        warn(t, "%s: %s (line %d); counted as missing", path, err.text, err.line);
    return j;
}

int acc_add_study_dir(acc_totals *t, const char *dir)
{
    char path[PATH_MAX_BYTES];
    int rc = join(path, dir, "truth.json");
    if (rc)
        return rc;
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        warn(t, "%s: %s", path, strerror(e));
        return e == ENOENT ? EDX_ERR_NOT_FOUND : EDX_ERR_IO;
    }
    json_error_t err;
    json_t *truth = json_load_file(path, 0, &err);
    if (!truth) {
        warn(t, "%s: %s (line %d)", path, err.text, err.line);
        return EDX_ERR_FORMAT;
    }
    rc = join(path, dir, "findings.json");
    json_t *findings = rc ? NULL : load_findings(t, path);
    if (!rc)
        rc = acc_add_study(t, truth, dir, findings, dir);
    if (rc)
        warn(t, "%s: %s", dir, edx_strerror(rc));
    json_decref(truth);
    json_decref(findings);
    return rc;
}
