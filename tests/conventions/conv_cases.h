/*
 * conv_cases.h - reading the table-driven test cases (*.cases): one case a
 * line, "input<TAB>expected", '#' comments and empty lines ignored. The
 * input may use the escapes \n \t \\ \xHH (so that XML notes and odd bytes
 * fit on one line).
 */
#ifndef EDX_TESTS_CONV_CASES_H
#define EDX_TESTS_CONV_CASES_H

#include <stddef.h>

#include "edx/study.h"

typedef struct conv_case {
    int line;
    char *input;      /* unescaped, NUL-terminated */
    size_t input_len; /* may hold NULs */
    char *expected;
} conv_case;

/* Reads CONV_CASES_DIR/<name>. Returns the number of cases (>= 0) or -1. */
int conv_cases_read(const char *name, conv_case **out);
void conv_cases_free(conv_case *cases, int n);

/* The tables from $EDX_TEMPLATE_DIR (set by CTest); NULL on failure. */
conv_tables *conv_cases_tables(void);

/* Describes a label parse as the cases expect it. */
void conv_cases_describe_label(const conv_label *l, char *buf, size_t size);
void conv_cases_describe_testcode(const conv_testcode *c, char *buf, size_t size);

#endif
