/*
 * common/jsonget.h - reading the findings object: the few lookups the
 * stages after the measurement (limits, classification) share.
 */
#ifndef EDX_COMMON_JSONGET_H
#define EDX_COMMON_JSONGET_H

#include <jansson.h>
#include <stdbool.h>

/* The string at key, or "" when missing or not a string. */
const char *edx_json_str(const json_t *obj, const char *key);
/* The number at key, or NAN when missing, null or not a number. */
double edx_json_num(const json_t *obj, const char *key);
/* Whether the string array `arr` holds `item`. */
bool edx_json_array_has(const json_t *arr, const char *item);

#endif
