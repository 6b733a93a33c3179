/*
 * json_get.c - reading the findings defensively: any key may be missing,
 * null or of the wrong type (a hand-edited file, an older analyser), and
 * the report then prints a dash instead of failing.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/rpt_internal.h"

const char *rpt_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

bool rpt_num(const json_t *obj, const char *key, double *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_number(v))
        return false;
    double x = json_number_value(v);
    if (!isfinite(x))
        return false;
    *out = x;
    return true;
}

void rpt_fmt_num(const json_t *obj, const char *key, int decimals, double scale, char *buf,
                 size_t size)
{
    double v;
    if (rpt_num(obj, key, &v))
        edx_fmt_double(buf, size, v * scale, decimals);
    else
        snprintf(buf, size, "\xE2\x80\x93"); /* – */
}

bool rpt_has_flag(const json_t *obj, const char *flag)
{
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(obj, "flags"), i, f) {
        const char *s = json_string_value(f);
        if (s && strcmp(s, flag) == 0)
            return true;
    }
    return false;
}

void rpt_words(const char *value, char *out, size_t size)
{
    if (size == 0)
        return;
    snprintf(out, size, "%s", value ? value : "");
    for (char *p = out; *p; p++)
        if (*p == '_')
            *p = ' ';
}
