/*
 * fixture.h - hand-made findings for the report tests: every section of the
 * findings spec filled (needle EMG with spontaneous activity, MUPs and
 * recruitment; limits and flags; the interpretation), so the report's
 * layout is exercised before the analysers that produce them exist.
 */
#ifndef EDX_TEST_REPORT_FIXTURE_H
#define EDX_TEST_REPORT_FIXTURE_H

#include <jansson.h>
#include <stddef.h>

/* Which parts a fixture holds. */
enum {
    FX_NCS = 1u << 0,
    FX_EMG = 1u << 1,
    FX_INTERP = 1u << 2,
    FX_HOSTILE = 1u << 3, /* hostile text in names, sites, warnings */
    FX_FULL = FX_NCS | FX_EMG | FX_INTERP
};

/* A findings object with n_nerves nerve tests and n_muscles muscles. */
json_t *fx_findings(size_t n_nerves, size_t n_muscles, unsigned parts);

/* Adds to real findings (from analyze) what the analysers do not write yet:
 * needle EMG results for every muscle, limits and flags on the first nerve
 * tests, and an interpretation. */
void fx_complete(json_t *findings);

#endif
