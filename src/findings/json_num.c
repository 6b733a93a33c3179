/*
 * json_num.c - numbers as the findings file writes them: rounded to a fixed
 * number of decimals, null when not finite (findings-json.md: a value that
 * could not be measured is null, never 0).
 */
#include <math.h>

#include "findings/internal.h"

double fnd_round(double v, int decimals)
{
    double f = pow(10.0, decimals);
    return round(v * f) / f;
}

json_t *fnd_num(double v, int decimals)
{
    return isfinite(v) ? json_real(fnd_round(v, decimals)) : json_null();
}
