/*
 * edf_testutil.h - helpers for tests of the reader: open what a builder made,
 * look diagnostics up by code, print them when a test fails.
 */
#ifndef EDX_TESTS_EDF_TESTUTIL_H
#define EDX_TESTS_EDF_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edf_builder.h"
#include "edx/common.h"
#include "edx/edf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A file opened from memory together with its bytes and its diagnostics. */
typedef struct edft_mem {
    uint8_t *data;   /* owned; must outlive f */
    size_t size;
    edf_file *f;     /* NULL when edf_open_mem failed */
    edx_diags diags;
    int rc;          /* what edf_open_mem returned */
} edft_mem;

/* Builds b and opens it with edf_open_mem. Returns the open's result
 * (EDX_ERR_INVALID when the builder itself failed). Always edft_close(m). */
int edft_open_builder(edft_mem *m, const edfb *b);
/* Copies size bytes and opens them (size may be 0; data may then be NULL). */
int edft_open_bytes(edft_mem *m, const void *data, size_t size);
void edft_close(edft_mem *m);

/* The first kept diagnostic with this code, or NULL. */
const edx_diag *edft_find(const edx_diags *d, const char *code);
/* The first kept diagnostic whose code starts with prefix, or NULL. */
const edx_diag *edft_find_prefix(const edx_diags *d, const char *prefix);
/* Prints every kept diagnostic to stderr (for failing tests). */
void edft_dump(const edx_diags *d, const char *title);

/*
 * A small valid file: n_sig ordinary signals "S1", "S2", ... with spr samples
 * per record each (samples edft_pattern()), record duration 0.1 s, n_rec
 * records; for EDF+/BDF+ kinds also one annotation signal of 120 bytes (the
 * last signal) with time-keeping TALs "+0", "+0.1", "+0.2", ... (contiguous).
 * NULL when out of memory.
 */
edfb *edft_make_simple(edfb_kind kind, int n_sig, int spr, int n_rec);
/* The digital sample edft_make_simple writes (within the default digital range). */
int32_t edft_pattern(edfb_kind kind, int rec, int sig, int k);
/* "+<rec/10>.<rec%10>": the onset text of record rec at 0.1 s per record. */
const char *edft_onset_text(int rec, char *buf, size_t size);

/* Reads all samples of every ordinary signal (digital and, when scalable, µV)
 * and all annotations; returns 0 when every read succeeded with the expected
 * count. Used by the robustness loop. */
int edft_read_everything(edf_file *f);

/* cmocka group or test fixtures: *state becomes a fresh edfb_tmpdir, which
 * the teardown removes with everything in it. */
int edft_setup_tmpdir(void **state);
/* Switches LC_NUMERIC to a comma-decimal locale if the machine has one and
 * returns true; otherwise leaves "C" in force and returns false (the caller
 * skips). Restore with setlocale(LC_NUMERIC, "C"). */
bool edft_use_comma_locale(void);
int edft_teardown_tmpdir(void **state);

#ifdef __cplusplus
}
#endif
#endif /* EDX_TESTS_EDF_TESTUTIL_H */
