/*
 * jsonget.c - see common/jsonget.h.
 */
#include "common/jsonget.h"

#include <math.h>
#include <string.h>

const char *edx_json_str(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v ? v : "";
}

double edx_json_num(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

bool edx_json_array_has(const json_t *arr, const char *item)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);
        if (s && !strcmp(s, item))
            return true;
    }
    return false;
}
