/*
 * cmd_check.c - `edxreport check FILE...|DIR`: what each recording is and
 * every deviation from the specification found in it.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/check_study.h"
#include "cli/cli.h"
#include "edx/edf.h"
#include "edx/common.h"

typedef struct check_opts {
    bool json;
    bool decode;
} check_opts;

static void check_usage(FILE *out)
{
    fprintf(out,
            "usage: edxreport check [--json] [--decode] FILE...|DIR...\n\n"
            "Reads each EDF, EDF+, BDF recording (also .gz) and prints its format, signals,\n"
            "records, gaps and annotations, and every diagnostic with its code.\n"
            "Folders are searched recursively for *.edf, *.bdf, *.edf.gz, *.bdf.gz.\n\n"
            "  --json      one JSON document on stdout instead of text\n"
            "  --decode    also decode every sample to microvolts (checks the data area)\n"
            "  --help      this text\n"
            "  --version   the program version\n\n"
            "After the files it prints what the recording conventions say of them\n"
            "(see edxreport-conventions(5)): the studies they form, each nerve conduction\n"
            "test with its stimulation sites and distances, each needle-EMG muscle with\n"
            "its region, roots, nerve and activation epochs, and every warning.\n\n"
            "exit status: 0 all readable, 65 some file has errors, 66 no input, 64 usage,\n"
            "78 the tables in the template folder cannot be loaded\n");
}

/* ---- decoding every sample ------------------------------------------------ */

typedef struct decode_stats {
    int64_t samples;
    double seconds;
    double checksum; /* keeps the work observable */
    int rc;
} decode_stats;

/*
 * Decodes every sample of every signal to µV, one signal's slice of one
 * record at a time: each read lands in cache and is decoded while it is
 * still there, and memory stays at one record of one signal.
 */
static decode_stats decode_all(edf_file *f)
{
    decode_stats st = {0, 0, 0, EDX_OK};
    const edf_info *in = edf_get_info(f);
    size_t max_spr = 0;
    for (int s = 0; s < in->n_signals; s++)
        if ((size_t)edf_get_signal(f, s)->samples_per_record > max_spr)
            max_spr = (size_t)edf_get_signal(f, s)->samples_per_record;
    double *uv = malloc((max_spr ? max_spr : 1) * sizeof *uv);
    if (uv == NULL) {
        st.rc = EDX_ERR_NOMEM;
        return st;
    }
    double t0 = edx_monotonic_s();
    for (int64_t r = 0; r < in->n_records && st.rc == EDX_OK; r++) {
        for (int s = 0; s < in->n_signals && st.rc == EDX_OK; s++) {
            const edf_signal *sg = edf_get_signal(f, s);
            size_t spr = (size_t)sg->samples_per_record, got = 0;
            if (sg->is_annotation || spr == 0)
                continue;
            int rc = edf_read_uv(f, s, r * (int64_t)spr, spr, uv, &got);
            if (rc == EDX_ERR_UNSUPPORTED)
                continue; /* not a voltage, or no valid scaling: reported by the header */
            st.rc = rc;
            st.samples += (int64_t)got;
            if (got > 0)
                st.checksum += uv[0] + uv[got - 1];
        }
    }
    st.seconds = edx_monotonic_s() - t0;
    free(uv);
    return st;
}

/* ---- text output -------------------------------------------------------------- */

static void print_diag(FILE *out, const edx_diag *d)
{
    fprintf(out, "  %s %s", d->severity == EDX_SEV_ERROR ? "error" : "warning", d->code);
    const char *sep = " (";
    if (d->field[0]) {
        fprintf(out, "%sfield %s", sep, d->field);
        sep = ", ";
    }
    if (d->byte_offset != EDX_DIAG_NONE) {
        fprintf(out, "%sbyte %lld", sep, (long long)d->byte_offset);
        sep = ", ";
    }
    if (d->record != EDX_DIAG_NONE) {
        fprintf(out, "%srecord %lld", sep, (long long)d->record);
        sep = ", ";
    }
    if (d->signal != EDX_DIAG_NONE) {
        fprintf(out, "%ssignal %d", sep, d->signal + 1);
        sep = ", ";
    }
    fprintf(out, "%s: %s\n", sep[0] == ',' ? ")" : "", d->message);
}

static void print_file(FILE *out, const char *path, const edf_file *f, const decode_stats *ds)
{
    const edf_info *in = edf_get_info(f);
    char b1[32], b2[32];
    size_t gaps = edf_segment_count(f) > 0 ? edf_segment_count(f) - 1 : 0;
    fprintf(out, "%s: %s%s, %d signal%s, %lld records of %s s, duration %s s, %zu gap%s, "
                 "%zu annotation%s\n",
            path, edf_format_name(in->format), in->is_gzip ? " (gzip)" : "", in->n_signals,
            in->n_signals == 1 ? "" : "s", (long long)in->n_records,
            edx_fmt_double_g(b1, sizeof b1, in->record_duration_s),
            edx_fmt_double(b2, sizeof b2, in->duration_s, 3), gaps, gaps == 1 ? "" : "s",
            edf_annotation_count(f), edf_annotation_count(f) == 1 ? "" : "s");
    fprintf(out, "  start %04d-%02d-%02d %02d:%02d:%02d", in->start_year, in->start_month,
            in->start_day, in->start_hour, in->start_minute, in->start_second);
    if (in->start_subsecond_s > 0)
        fprintf(out, " +%s s", edx_fmt_double(b1, sizeof b1, in->start_subsecond_s, 7));
    if (in->has_plus_subfields)
        fprintf(out, "; patient %s%s%s", in->patient.code[0] ? in->patient.code : "(no code)",
                in->patient.sex ? (in->patient.sex == 'F' ? " F" : " M") : "",
                in->recording.additional[0] ? "; recording " : "");
    if (in->has_plus_subfields && in->recording.additional[0])
        fprintf(out, "%s", in->recording.additional);
    fprintf(out, "\n");
    for (int s = 0; s < in->n_signals; s++) {
        const edf_signal *sg = edf_get_signal(f, s);
        if (sg->is_annotation) {
            fprintf(out, "  %2d %-16s annotations\n", s + 1, sg->label);
            continue;
        }
        fprintf(out, "  %2d %-16s %s Hz, %s%s\n", s + 1, sg->label,
                edx_fmt_double_g(b1, sizeof b1, sg->sample_rate_hz),
                sg->physdim[0] ? sg->physdim : "(no unit)",
                sg->is_scalable ? "" : ", cannot be scaled");
    }
    if (ds != NULL && ds->rc == EDX_OK) {
        double mb = (double)(in->n_records * in->record_bytes) / 1e6;
        fprintf(out, "  decoded %lld samples in %s s (%s MB/s)\n", (long long)ds->samples,
                edx_fmt_double(b1, sizeof b1, ds->seconds, 3),
                edx_fmt_double(b2, sizeof b2, ds->seconds > 0 ? mb / ds->seconds : 0, 1));
    } else if (ds != NULL) {
        fprintf(out, "  error EDF-DECODE: decoding failed: %s\n", edx_strerror(ds->rc));
    }
}

/* ---- JSON output ------------------------------------------------------------------- */

static json_t *diags_json(const edx_diags *d)
{
    json_t *a = json_array();
    for (size_t i = 0; i < d->count; i++) {
        const edx_diag *x = &d->items[i];
        json_t *o = json_pack("{s:s, s:s, s:s}", "code", x->code, "severity",
                              x->severity == EDX_SEV_ERROR ? "error" : "warning", "message",
                              x->message);
        json_object_set_new(o, "field", x->field[0] ? json_string(x->field) : json_null());
        json_object_set_new(o, "byte_offset", x->byte_offset != EDX_DIAG_NONE
                                                  ? json_integer(x->byte_offset)
                                                  : json_null());
        json_object_set_new(o, "record",
                            x->record != EDX_DIAG_NONE ? json_integer(x->record) : json_null());
        json_object_set_new(o, "signal",
                            x->signal != EDX_DIAG_NONE ? json_integer(x->signal) : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *signals_json(const edf_file *f)
{
    json_t *a = json_array();
    const edf_info *in = edf_get_info(f);
    for (int s = 0; s < in->n_signals; s++) {
        const edf_signal *sg = edf_get_signal(f, s);
        json_array_append_new(
            a, json_pack("{s:s, s:b, s:s, s:f, s:i, s:s, s:s, s:b}", "label", sg->label,
                         "is_annotation", sg->is_annotation, "unit", sg->physdim,
                         "sample_rate_hz", sg->sample_rate_hz, "samples_per_record",
                         (int)sg->samples_per_record, "transducer", sg->transducer, "prefilter",
                         sg->prefilter, "is_scalable", sg->is_scalable));
    }
    return a;
}

static json_t *file_json(const char *path, const edf_file *f, const edx_diags *d,
                         const decode_stats *ds)
{
    json_t *o = json_pack("{s:s}", "path", path);
    json_object_set_new(o, "readable", json_boolean(f != NULL && d->n_errors == 0));
    if (f != NULL) {
        const edf_info *in = edf_get_info(f);
        char start[40];
        snprintf(start, sizeof start, "%04d-%02d-%02dT%02d:%02d:%02d", in->start_year,
                 in->start_month, in->start_day, in->start_hour, in->start_minute,
                 in->start_second);
        json_object_set_new(o, "format", json_string(edf_format_name(in->format)));
        json_object_set_new(o, "gzip", json_boolean(in->is_gzip));
        json_object_set_new(o, "start", json_string(start));
        json_object_set_new(o, "start_subsecond_s", json_real(in->start_subsecond_s));
        json_object_set_new(o, "records", json_integer(in->n_records));
        json_object_set_new(o, "record_duration_s", json_real(in->record_duration_s));
        json_object_set_new(o, "duration_s", json_real(in->duration_s));
        json_object_set_new(o, "segments", json_integer((json_int_t)edf_segment_count(f)));
        json_object_set_new(o, "annotations", json_integer((json_int_t)edf_annotation_count(f)));
        json_object_set_new(o, "signals", signals_json(f));
        if (ds != NULL && ds->rc == EDX_OK)
            json_object_set_new(o, "decoded_samples", json_integer(ds->samples));
    }
    json_object_set_new(o, "diagnostics", diags_json(d));
    json_object_set_new(o, "suppressed_diagnostics", json_integer((json_int_t)d->n_suppressed));
    return o;
}

/* ---- the command ------------------------------------------------------------------- */

/* Checks one file; returns true when it is fully readable. */
static bool check_one(const char *path, const check_opts *o, json_t *jfiles)
{
    edx_diags d;
    edx_diags_init(&d);
    edf_file *f = NULL;
    edf_open(path, &d, &f);
    decode_stats ds = {0, 0, 0, EDX_OK};
    if (f != NULL && o->decode) {
        ds = decode_all(f);
        if (ds.rc != EDX_OK)
            edx_diag_add(&d, EDX_SEV_ERROR, "EDF-DECODE", EDX_LOC_NONE,
                         "decoding the samples failed: %s", edx_strerror(ds.rc));
    }
    if (jfiles != NULL) {
        json_array_append_new(jfiles, file_json(path, f, &d, o->decode ? &ds : NULL));
    } else {
        if (f != NULL)
            print_file(stdout, path, f, o->decode ? &ds : NULL);
        else
            printf("%s: not readable\n", path);
        for (size_t i = 0; i < d.count; i++)
            print_diag(stdout, &d.items[i]);
        if (d.n_suppressed > 0)
            printf("  (%zu more diagnostics of the same kinds not shown)\n", d.n_suppressed);
    }
    bool ok = f != NULL && d.n_errors == 0;
    edf_close(f);
    edx_diags_free(&d);
    return ok;
}

static int parse_check_args(int argc, char **argv, check_opts *o, cli_paths *paths)
{
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && a[0] == '-' && a[1] != '\0') {
            if (strcmp(a, "--") == 0)
                options_done = true;
            else if (strcmp(a, "--json") == 0)
                o->json = true;
            else if (strcmp(a, "--decode") == 0)
                o->decode = true;
            else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                check_usage(stdout);
                return -1;
            } else if (strcmp(a, "--version") == 0) {
                cli_print_version(stdout);
                return -1;
            } else {
                fprintf(stderr, "edxreport check: unknown option '%s'\n", a);
                check_usage(stderr);
                return CLI_EX_USAGE;
            }
            continue;
        }
        if (cli_paths_add(paths, a) != 0)
            return CLI_EX_NOINPUT;
    }
    return 0;
}

int cmd_check(int argc, char **argv)
{
    check_opts o = {false, false};
    cli_paths paths = {0};
    int rc = parse_check_args(argc, argv, &o, &paths);
    if (rc != 0) {
        cli_paths_free(&paths);
        return rc < 0 ? CLI_EX_OK : rc;
    }
    if (paths.count == 0) {
        fprintf(stderr, "edxreport check: no recordings given or found\n");
        cli_paths_free(&paths);
        return argc > 1 ? CLI_EX_NOINPUT : CLI_EX_USAGE;
    }
    json_t *root = o.json ? json_object() : NULL;
    json_t *jfiles = o.json ? json_array() : NULL;
    size_t bad = 0;
    for (size_t i = 0; i < paths.count; i++)
        if (!check_one(paths.items[i], &o, jfiles))
            bad++;
    /* what the conventions layer understood: studies, nerves, muscles */
    json_t *jstudies = NULL;
    if (!o.json)
        printf("\n");
    int crc = check_studies((const char *const *)paths.items, paths.count,
                            o.json ? NULL : stdout, o.json ? &jstudies : NULL);
    if (o.json) {
        json_object_set_new(root, "files", jfiles);
        if (jstudies != NULL)
            json_object_set_new(root, "conventions", jstudies);
        json_object_set_new(root, "summary", json_pack("{s:i, s:i}", "files", (int)paths.count,
                                                       "unreadable", (int)bad));
        json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(root);
    } else {
        printf("%zu file%s checked, %zu with errors\n", paths.count,
               paths.count == 1 ? "" : "s", bad);
    }
    cli_paths_free(&paths);
    if (crc == EDX_ERR_CONFIG) {
        fprintf(stderr, "edxreport check: the tables in the template folder cannot be loaded\n");
        return CLI_EX_CONFIG;
    }
    if (crc != EDX_OK) {
        fprintf(stderr, "edxreport check: %s\n", edx_strerror(crc));
        return CLI_EX_SOFTWARE;
    }
    return bad > 0 ? CLI_EX_DATAERR : CLI_EX_OK;
}
