/*
 * check_study.h - the conventions part of `edxreport check`: what the
 * conventions layer understood of each file and study.
 */
#ifndef EDX_CLI_CHECK_STUDY_H
#define EDX_CLI_CHECK_STUDY_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/*
 * Groups the given files (directories already expanded by the caller) into
 * studies and prints, per study and per file, what the conventions layer
 * understood, e.g.
 *     R median motor, APB: wrist 6.5 cm, elbow 28.5 cm
 *     L tibialis anterior (lumbosacral, L4-L5, deep peroneal): rest 62 s, ...
 * to text_out (if non-NULL), and builds a JSON object into *json_out (if
 * non-NULL; the caller owns it). Loads the tables from the template folder
 * (edx_find_template_dir). Returns 0 or a negative edx_err
 * (EDX_ERR_CONFIG when the tables cannot be loaded; the reason is printed
 * to text_out and put in the JSON's "errors").
 */
int check_studies(const char *const *paths, size_t n_paths, FILE *text_out, json_t **json_out);

#endif /* EDX_CLI_CHECK_STUDY_H */
