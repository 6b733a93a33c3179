/*
 * describe.c - one line per nerve test or muscle, as `edxreport check`
 * prints them:
 *   "R median motor, APB: wrist 6.5 cm, elbow 28.5 cm"
 *   "L tibialis anterior (lumbosacral, L4-L5, deep peroneal): rest 62 s, minimal 20 s,
 *    3 needle sites"
 * Numbers go through edx_fmt_double: the same text in every locale.
 */
#include "conv_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct out {
    char *buf;
    size_t size, len;
} out;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void put(out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *dst = o->len < o->size ? o->buf + o->len : NULL;
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int r = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (r > 0)
        o->len += (size_t)r;
}

/* A number with at most `decimals` decimals, trailing zeros dropped. */
static const char *num(char *b, size_t size, double v, int decimals)
{
    edx_fmt_double(b, size, v, decimals);
    if (strchr(b, '.')) {
        size_t l = strlen(b);
        while (l > 0 && b[l - 1] == '0')
            b[--l] = '\0';
        if (l > 0 && b[l - 1] == '.')
            b[--l] = '\0';
    }
    return b;
}

size_t study_describe_nerve_test(const study_nerve_test *n, char *buf, size_t size)
{
    out o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    if (!n)
        return 0;
    if (n->side)
        put(&o, "%s ", conv_side_name(n->side));
    put(&o, "%s %s, %s:", n->nerve[0] ? n->nerve : "unknown nerve",
        n->test ? conv_test_name(n->test) : "unknown test",
        n->recording_site[0] ? n->recording_site : "unknown recording site");
    if (n->n_sweeps == 0)
        put(&o, " no sweeps");
    for (size_t i = 0; i < n->n_sweeps;) {
        const study_sweep *w = &n->sweeps[i];
        size_t j = i + 1;
        while (j < n->n_sweeps && strcmp(n->sweeps[j].site, w->site) == 0 &&
               (n->sweeps[j].distance_cm == w->distance_cm ||
                (isnan(n->sweeps[j].distance_cm) && isnan(w->distance_cm))))
            j++;
        char d[32];
        put(&o, "%s %s", i ? "," : "", w->site[0] ? w->site : "unnamed site");
        if (!isnan(w->distance_cm))
            put(&o, " %s cm", num(d, sizeof d, w->distance_cm, 1));
        else if (n->test != CONV_TEST_FWAVE)
            put(&o, " (no distance)");
        if (j - i > 1)
            put(&o, " (%zu sweeps)", j - i);
        i = j;
    }
    return o.len;
}

double study_muscle_state_s(const study_muscle *m, conv_state state)
{
    double s = 0.0;
    for (size_t i = 0; m && i < m->n_epochs; i++)
        if (m->epochs[i].state == state)
            s += m->epochs[i].duration_s;
    return s;
}

size_t study_describe_muscle(const study_muscle *m, char *buf, size_t size)
{
    out o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    if (!m)
        return 0;
    if (m->side)
        put(&o, "%s ", conv_side_name(m->side));
    put(&o, "%s", m->muscle[0] ? m->muscle : "unknown muscle");
    if (m->row)
        put(&o, " (%s, %s, %s):", conv_region_name(m->region), m->roots, m->nerve);
    else
        put(&o, " (not in %s):", CONV_MUSCLES_FILE);
    const char *sep = " ";
    if (!m->has_activation_annotations) {
        put(&o, "%sno activation annotations", sep);
        sep = ", ";
    }
    for (int s = CONV_STATE_REST; s < CONV_STATE_COUNT; s++) {
        double t = study_muscle_state_s(m, (conv_state)s);
        if (t > 0) {
            char d[32];
            put(&o, "%s%s %s s", sep, conv_state_name((conv_state)s), num(d, sizeof d, t, 1));
            sep = ", ";
        }
    }
    if (m->n_sites)
        put(&o, "%s%zu needle site%s", sep, m->n_sites, m->n_sites == 1 ? "" : "s");
    return o.len;
}
