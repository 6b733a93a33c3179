/*
 * accuracy_mup.c - per-muscle MUP size accuracy for bench_accuracy: the
 * found mean duration against the truth's (ms) and the found mean amplitude
 * against the truth's (% of the truth), for muscles where both exist.
 * The acceptance of the MUP analysis asks for |duration error| <= 1 ms and
 * |amplitude error| <= 10 %; the table prints the median, mean and 95th
 * percentile of |error| and the bias (median signed error).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "accuracy_score.h"

static double num_at(const json_t *obj, const char *outer, const char *key)
{
    const json_t *v = json_object_get(json_object_get(obj, outer), key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

int acc_mup_add(acc_mup *m, const json_t *tm, const json_t *fm)
{
    double td = num_at(tm, "mup", "duration_ms_mean"), ta = num_at(tm, "mup", "amplitude_uv_mean");
    double fd = num_at(fm, "mup", "duration_ms_mean"), fa = num_at(fm, "mup", "amplitude_uv_mean");
    m->is_implemented |= !isnan(fd);
    if (isnan(td) || isnan(ta) || !(ta > 0))
        return EDX_OK;
    if (isnan(fd) || isnan(fa)) {
        m->missed++;
        return EDX_OK;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        double *d = realloc(m->duration_err_ms, cap * sizeof *d);
        if (!d)
            return EDX_ERR_NOMEM;
        m->duration_err_ms = d;
        double *a = realloc(m->amplitude_err_pct, cap * sizeof *a);
        if (!a)
            return EDX_ERR_NOMEM;
        m->amplitude_err_pct = a;
        m->cap = cap;
    }
    m->duration_err_ms[m->n] = fd - td;
    m->amplitude_err_pct[m->n] = 100.0 * (fa / ta - 1.0);
    m->n++;
    return EDX_OK;
}

void acc_mup_free(acc_mup *m)
{
    free(m->duration_err_ms);
    free(m->amplitude_err_pct);
    memset(m, 0, sizeof *m);
}

static double mean_abs(const double *e, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += fabs(e[i]);
    return n ? s / (double)n : NAN;
}

static void print_row(FILE *out, const char *label, const double *e, size_t n, size_t missed)
{
    acc_stat st;
    char a[32], b[32], c[32], d[32];
    if (acc_summarise(e, n, &st) != EDX_OK)
        return;
    fprintf(out, "  %-30s %8zu %8zu %8s %8s %8s %8s\n", label, n, missed,
            edx_fmt_double(a, sizeof a, st.median_abs, 2), edx_fmt_double(b, sizeof b, mean_abs(e, n), 2),
            edx_fmt_double(c, sizeof c, st.p95_abs, 2), edx_fmt_double(d, sizeof d, st.bias, 2));
}

void acc_mup_print(const acc_mup *m, FILE *out)
{
    if (!m->is_implemented)
        return; /* the MUP pattern row already says "not implemented" */
    fprintf(out, "\n%-32s %8s %8s %8s %8s %8s %8s\n", "MUP means per muscle", "n", "missed",
            "med|e|", "mean|e|", "p95|e|", "bias");
    print_row(out, "mean duration error (ms)", m->duration_err_ms, m->n, m->missed);
    print_row(out, "mean amplitude error (%)", m->amplitude_err_pct, m->n, m->missed);
}

static json_t *stat_json(const double *e, size_t n)
{
    acc_stat st;
    if (acc_summarise(e, n, &st) != EDX_OK)
        return NULL;
    return json_pack("{s:f, s:f, s:f, s:f}", "median_abs", isnan(st.median_abs) ? 0 : st.median_abs,
                     "mean_abs", n ? mean_abs(e, n) : 0, "p95_abs", isnan(st.p95_abs) ? 0 : st.p95_abs,
                     "bias", isnan(st.bias) ? 0 : st.bias);
}

json_t *acc_mup_json(const acc_mup *m)
{
    if (!m->is_implemented)
        return json_pack("{s:b}", "implemented", 0);
    return json_pack("{s:b, s:I, s:I, s:o, s:o}", "implemented", 1, "n", (json_int_t)m->n,
                     "missed", (json_int_t)m->missed, "duration_error_ms",
                     stat_json(m->duration_err_ms, m->n), "amplitude_error_pct",
                     stat_json(m->amplitude_err_pct, m->n));
}
