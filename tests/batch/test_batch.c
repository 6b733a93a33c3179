/*
 * test_batch.c - the batch library with injected jobs on tiny studies made by
 * the byte-level builder: scanning, shards, worker isolation (crash, hang,
 * memory limit), quarantine, reruns, the lock and interruption.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch/internal.h"
#include "edf_builder.h"
#include "edf_testutil.h"
#include "edx/batch.h"
#include "edx/study.h"

enum { N_STUDIES = 5 };

typedef struct fixture {
    char dir[512]; /* temp folder */
    char in[600], out[600];
    conv_tables *tables;
} fixture;

/* ---- tiny studies --------------------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    fclose(f);
}

/* One EDF+C file of one needle-EMG signal: patient P<k>, started at 08:0<k>. */
static void write_study(const char *folder, int k)
{
    char patient[80], time[16], path[800];
    snprintf(patient, sizeof patient, "P%03d M 01-JAN-1970 Test_%d", k, k);
    snprintf(time, sizeof time, "08.%02d.00", k);
    edfb *b = edfb_new(EDFB_EDFPLUS_C);
    int emg = edfb_add_signal(b, "EMG R TibAnt", 20);
    int ann = edfb_add_annotation_signal(b, 60);
    edfb_set(b, EDFB_PATIENT, patient);
    edfb_set(b, EDFB_RECORDING, "Startdate 02-MAR-2024 X X X");
    edfb_set(b, EDFB_STARTDATE, "02.03.24");
    edfb_set(b, EDFB_STARTTIME, time);
    for (int r = 0; r < 2; r++) {
        char onset[16];
        int rec = edfb_add_record_at(b, edft_onset_text(r, onset, sizeof onset));
        for (int s = 0; s < 20; s++)
            edfb_set_sample(b, rec, emg, s, (s * 37 + k) % 200 - 100);
    }
    (void)ann;
    uint8_t *data = NULL;
    size_t size = 0;
    assert_int_equal(edfb_build(b, &data, &size), 0);
    mkdir(folder, 0755);
    snprintf(path, sizeof path, "%s/emg.edf", folder);
    write_file(path, data, size);
    free(data);
    edfb_free(b);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/edx-batch-test-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->in, sizeof fx->in, "%s/in", fx->dir);
    snprintf(fx->out, sizeof fx->out, "%s/out", fx->dir);
    mkdir(fx->in, 0755);
    for (int k = 0; k < N_STUDIES; k++) {
        char folder[700];
        snprintf(folder, sizeof folder, "%s/s%d", fx->in, k);
        write_study(folder, k);
    }
    edx_diags d;
    edx_diags_init(&d);
    assert_int_equal(conv_tables_load(getenv("EDX_TEMPLATE_DIR"), &d, &fx->tables), EDX_OK);
    edx_diags_free(&d);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    assert_int_equal(system(cmd), 0);
    conv_tables_free(fx->tables);
    free(fx);
    return 0;
}

/* ---- jobs --------------------------------------------------------------------------- */

/* What the test job does per study id: "crash:ID", "hang:ID", "fail:ID",
 * "quarantine:ID", "nomem:ID", "term:ID" (signals the run). */
typedef struct job_plan {
    const char *plan;
} job_plan;

/* Whether the plan holds "what:PREFIX" with PREFIX starting the id. */
static bool planned(const job_plan *p, const char *what, const char *id)
{
    size_t wl = strlen(what);
    for (const char *s = p->plan; s && (s = strstr(s, what)) != NULL; s += wl) {
        if (s[wl] != ':')
            continue;
        size_t n = strcspn(s + wl + 1, " ");
        if (n > 0 && strncmp(s + wl + 1, id, n) == 0)
            return true;
    }
    return false;
}

static int test_job(void *user, const batch_job_input *in, batch_job_output *out)
{
    const job_plan *p = user;
    if (planned(p, "crash", in->id))
        raise(SIGKILL);
    if (planned(p, "term", in->id))
        kill(getppid(), SIGTERM);
    if (planned(p, "hang", in->id) || planned(p, "term", in->id))
        for (;;)
            pause();
    if (planned(p, "fail", in->id)) {
        snprintf(out->reason, sizeof out->reason, "planned failure");
        return EDX_ERR_FORMAT;
    }
    if (planned(p, "quarantine", in->id)) {
        out->status = BATCH_QUARANTINED;
        snprintf(out->reason, sizeof out->reason, "planned quarantine");
        return EDX_ERR_FORMAT;
    }
    if (planned(p, "nomem", in->id)) {
        char *big = malloc((size_t)512 << 20);
        if (big == NULL)
            return EDX_ERR_NOMEM;
        memset(big, 1, (size_t)512 << 20);
        free(big);
    }
    char path[1024], err[256], text[256];
    snprintf(path, sizeof path, "%s/%s.out", in->out_dir, in->id);
    snprintf(text, sizeof text, "%s %zu files\n", in->id, in->study->n_files);
    int rc = edx_write_file_atomic(path, text, strlen(text), err, sizeof err);
    if (rc == EDX_OK) {
        snprintf(path, sizeof path, "%s.out", in->id);
        rc = batch_job_add_output(out, path);
    }
    return rc;
}

static batch_options options(fixture *fx, job_plan *plan, const char *const *inputs)
{
    batch_options o = {.inputs = inputs, .n_inputs = 1, .out_dir = fx->out, .tables = fx->tables,
                       .jobs = 2, .software_version = "test", .norms_version = "n1",
                       .config_version = "c1", .job = test_job, .job_user = plan};
    return o;
}

static const batch_entry *find(const batch_result *r, const char *id_prefix)
{
    for (size_t i = 0; i < r->n_entries; i++)
        if (strncmp(r->entries[i].id, id_prefix, strlen(id_prefix)) == 0)
            return &r->entries[i];
    return NULL;
}

/* ---- scanning and shards --------------------------------------------------------------- */

static void test_shard_parse(void **state)
{
    (void)state;
    batch_shard s;
    assert_int_equal(batch_shard_parse("0/1", &s), EDX_OK);
    assert_int_equal(batch_shard_parse("2/3", &s), EDX_OK);
    assert_int_equal(s.index, 2);
    assert_int_equal(s.count, 3);
    const char *bad[] = {"3/3", "a/b", "1", "-1/2", "1/0", "1/", "/2", "1/2x", "", "0/1000001"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(batch_shard_parse(bad[i], &s), EDX_ERR_INVALID);
}

static void test_shards_cover_once(void **state)
{
    (void)state;
    for (unsigned n = 1; n <= 7; n++)
        for (int i = 0; i < 300; i++) {
            char id[64];
            snprintf(id, sizeof id, "P%04d-20240302-08%02d00", i, i % 60);
            int owners = 0;
            for (unsigned k = 0; k < n; k++) {
                batch_shard s = {k, n};
                owners += batch_shard_owns(&s, id);
            }
            assert_int_equal(owners, 1);
        }
    /* the hash is fixed: FNV-1a 64 of "" and of "a" */
    assert_true(batch_id_hash("") == 14695981039346656037ull);
    assert_true(batch_id_hash("a") == 0xaf63dc4c8601ec8cull);
}

static void test_scan(void **state)
{
    fixture *fx = *state;
    char d[700], p[800];
    snprintf(d, sizeof d, "%s/scan", fx->dir);
    mkdir(d, 0755);
    const char *names[] = {"b.edf", "A.BDF", "c.edf.gz", "d.txt", ".hidden.edf", "sub"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", d, names[i]);
        write_file(p, "x", 1);
    }
    snprintf(p, sizeof p, "%s/sub", d);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/e.Edf", d);
    write_file(p, "x", 1);
    batch_paths found = {0};
    char err[256];
    assert_int_equal(batch_scan_add(&found, d, err, sizeof err), EDX_OK);
    assert_int_equal(found.count, 4);
    assert_non_null(strstr(found.items[0], "/A.BDF"));
    assert_non_null(strstr(found.items[1], "/b.edf"));
    assert_non_null(strstr(found.items[2], "/c.edf.gz"));
    assert_non_null(strstr(found.items[3], "/sub/e.Edf"));
    snprintf(p, sizeof p, "%s/missing", d);
    assert_int_equal(batch_scan_add(&found, p, err, sizeof err), EDX_ERR_NOT_FOUND);
    assert_non_null(strstr(err, "missing"));
    batch_paths_free(&found);
}

/* ---- runs -------------------------------------------------------------------------------- */

static void test_isolation_and_quarantine(void **state)
{
    fixture *fx = *state;
    char bad[700];
    snprintf(bad, sizeof bad, "%s/s0/broken.edf", fx->in);
    write_file(bad, "not a recording", 15);
    job_plan plan = {"crash:P001 hang:P002 fail:P003 quarantine:P004"};
    const char *inputs[] = {fx->in};
    batch_options o = options(fx, &plan, inputs);
    o.timeout_s = 3;
    batch_result r;
    assert_int_equal(batch_run(&o, &r), EDX_OK);
    assert_int_equal(r.n_entries, N_STUDIES + 1);
    assert_int_equal(r.n_status[BATCH_DONE], 1);
    assert_int_equal(r.n_status[BATCH_FAILED], 3);
    assert_int_equal(r.n_status[BATCH_QUARANTINED], 2);
    assert_int_equal(find(&r, "P000")->status, BATCH_DONE);
    assert_non_null(strstr(find(&r, "P001")->reason, "signal 9"));
    assert_non_null(strstr(find(&r, "P002")->reason, "timed out"));
    assert_string_equal(find(&r, "P003")->reason, "planned failure");
    assert_int_equal(find(&r, "P004")->status, BATCH_QUARANTINED);
    const batch_entry *q = &r.entries[r.n_entries - 1];
    assert_null(q->folder);
    assert_non_null(strstr(q->reason, "EDF-HEADER-TRUNCATED"));
    assert_int_equal(strlen(q->inputs[0].sha256), 64);
    /* a crashed study's inputs are hashed for the manifest all the same */
    assert_int_equal(strlen(find(&r, "P001")->inputs[0].sha256), 64);
    assert_int_equal(access(r.manifest_path, R_OK), 0);
    batch_result_free(&r);
    unlink(bad);
}

static void test_rerun_skips_unchanged(void **state)
{
    fixture *fx = *state;
    job_plan plan = {NULL};
    const char *inputs[] = {fx->in};
    batch_options o = options(fx, &plan, inputs);
    batch_result r;
    assert_int_equal(batch_run(&o, &r), EDX_OK);
    assert_int_equal(r.n_status[BATCH_DONE], N_STUDIES);
    batch_result_free(&r);

    assert_int_equal(batch_run(&o, &r), EDX_OK);
    assert_int_equal(r.n_status[BATCH_SKIPPED_UNCHANGED], N_STUDIES);
    assert_int_equal(find(&r, "P000")->n_outputs, 1);
    char out0[1024];
    snprintf(out0, sizeof out0, "%s/%s", fx->out, find(&r, "P000")->outputs[0].path);
    batch_result_free(&r);

    write_file(out0, "edited", 6); /* an output changed by hand: redone */
    o.norms_version = "n2";        /* ... and for everyone, a new norms table */
    assert_int_equal(batch_run(&o, &r), EDX_OK);
    assert_int_equal(r.n_status[BATCH_DONE], N_STUDIES);
    batch_result_free(&r);

    write_file(out0, "edited", 6);
    assert_int_equal(batch_run(&o, &r), EDX_OK);
    assert_int_equal(r.n_status[BATCH_DONE], 1);
    assert_int_equal(find(&r, "P000")->status, BATCH_DONE);
    batch_result_free(&r);

    o.is_forced = true;
    o.jobs = 1;
    assert_int_equal(batch_run(&o, &r), EDX_OK);
    assert_int_equal(r.n_status[BATCH_DONE], N_STUDIES);
    batch_result_free(&r);
}

static void test_locked(void **state)
{
    fixture *fx = *state;
    char lock[800];
    mkdir(fx->out, 0755);
    snprintf(lock, sizeof lock, "%s/.edxreport", fx->out);
    mkdir(lock, 0755);
    snprintf(lock, sizeof lock, "%s/.edxreport/batch.lock", fx->out);
    batch_lock held;
    char msg[512];
    assert_int_equal(batch_lock_acquire(lock, &held, msg, sizeof msg), EDX_OK);
    job_plan plan = {NULL};
    const char *inputs[] = {fx->in};
    batch_options o = options(fx, &plan, inputs);
    batch_result r;
    assert_int_equal(batch_run(&o, &r), BATCH_ERR_LOCKED);
    assert_non_null(strstr(r.message, "another batch run"));
    batch_result_free(&r);
    /* another shard has a lock of its own */
    o.shard = (batch_shard){1, 2};
    assert_int_equal(batch_run(&o, &r), EDX_OK);
    batch_result_free(&r);
    batch_lock_release(&held);
    o.shard = (batch_shard){0, 1};
    assert_int_equal(batch_run(&o, &r), EDX_OK);
    batch_result_free(&r);
}

/* Two studies with one id (same patient code and start, two folders): the
 * second is "<id>_2" in every shard, and the shards cover each once. */
static void test_duplicate_ids_and_shards(void **state)
{
    fixture *fx = *state;
    char dup[700];
    snprintf(dup, sizeof dup, "%s/zz-copy", fx->in);
    write_study(dup, 0);
    job_plan plan = {NULL};
    const char *inputs[] = {fx->in};
    batch_options o = options(fx, &plan, inputs);
    batch_result r;
    assert_int_equal(batch_run(&o, &r), EDX_OK);
    assert_int_equal(r.n_status[BATCH_DONE], N_STUDIES + 1);
    const batch_entry *second = find(&r, "P000-20240302-080000_2");
    assert_non_null(second);
    assert_non_null(strstr(second->folder, "zz-copy"));
    char all[N_STUDIES + 1][BATCH_ID_MAX];
    for (size_t i = 0; i < r.n_entries; i++)
        snprintf(all[i], BATCH_ID_MAX, "%s", r.entries[i].id);
    batch_result_free(&r);
    int seen[N_STUDIES + 1] = {0};
    for (unsigned k = 0; k < 3; k++) {
        o.shard = (batch_shard){k, 3};
        assert_int_equal(batch_run(&o, &r), EDX_OK);
        assert_int_equal(r.n_studies_total, N_STUDIES + 1);
        for (size_t i = 0; i < r.n_entries; i++)
            for (size_t a = 0; a < N_STUDIES + 1; a++)
                seen[a] += strcmp(all[a], r.entries[i].id) == 0;
        batch_result_free(&r);
    }
    for (size_t a = 0; a < N_STUDIES + 1; a++)
        assert_int_equal(seen[a], 1);
}

static void test_no_input(void **state)
{
    fixture *fx = *state;
    char empty[700];
    snprintf(empty, sizeof empty, "%s/empty", fx->dir);
    mkdir(empty, 0755);
    job_plan plan = {NULL};
    const char *inputs[] = {empty};
    batch_options o = options(fx, &plan, inputs);
    batch_result r;
    assert_int_equal(batch_run(&o, &r), EDX_ERR_NOT_FOUND);
    batch_result_free(&r);
    snprintf(empty, sizeof empty, "%s/none", fx->dir);
    assert_int_equal(batch_run(&o, &r), EDX_ERR_NOT_FOUND);
    batch_result_free(&r);
}

static void test_interrupted(void **state)
{
    fixture *fx = *state;
    job_plan plan = {"term:P000"};
    const char *inputs[] = {fx->in};
    batch_options o = options(fx, &plan, inputs);
    o.jobs = 1;
    o.is_forced = true;
    o.handles_signals = true;
    batch_result r;
    assert_int_equal(batch_run(&o, &r), BATCH_ERR_INTERRUPTED);
    assert_int_equal(r.n_status[BATCH_FAILED], N_STUDIES);
    assert_non_null(strstr(find(&r, "P000")->reason, "interrupted"));
    assert_int_equal(access(r.manifest_path, R_OK), 0);
    batch_result_free(&r);
}

static void test_memory_limit(void **state)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)state;
    skip(); /* AddressSanitizer reserves terabytes of address space */
#else
    fixture *fx = *state;
    job_plan plan = {"nomem:P000"};
    const char *inputs[] = {fx->in};
    batch_options o = options(fx, &plan, inputs);
    o.memory_limit_bytes = (uint64_t)128 << 20;
    o.is_forced = true;
    batch_result r;
    assert_int_equal(batch_run(&o, &r), EDX_OK);
    assert_int_equal(find(&r, "P000")->status, BATCH_FAILED);
    assert_non_null(strstr(find(&r, "P000")->reason, "out of memory (limit 128 MiB)"));
    assert_int_equal(r.n_status[BATCH_DONE], N_STUDIES - 1);
    batch_result_free(&r);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shard_parse),
        cmocka_unit_test(test_shards_cover_once),
        cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isolation_and_quarantine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rerun_skips_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_ids_and_shards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_limit, setup, teardown),
    };
    return cmocka_run_group_tests_name("batch", tests, NULL, NULL);
}
