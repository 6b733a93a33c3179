/*
 * accuracy_report.c - the accuracy totals as a text table and as JSON. A
 * section no findings file reported prints "not implemented", never zeros.
 * Numbers go through edx_fmt_double / jansson: a '.' whatever the locale.
 */
#include <math.h>
#include <string.h>

#include "accuracy_score.h"

enum { NUM = 32 };

static const char *const not_impl = "not implemented";

/* v with `decimals` digits, "+" in front when signed and >= 0, "-" for NAN. */
static const char *fmt(char *buf, double v, int decimals, bool is_signed)
{
    if (!isfinite(v))
        return strcpy(buf, "-");
    char tmp[NUM - 1];
    edx_fmt_double(tmp, sizeof tmp, v, decimals);
    snprintf(buf, NUM, "%s%s", is_signed && tmp[0] != '-' ? "+" : "", tmp);
    return buf;
}

static double pct(size_t part, size_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : NAN;
}

/* ---- the table --------------------------------------------------------------- */

static int print_nc(const acc_totals *t, FILE *out)
{
    fprintf(out, "\n%-32s %6s %7s %12s %10s %10s\n", "Nerve conduction (found - truth)", "n",
            "missed", "median|err|", "p95|err|", "bias");
    for (int m = 0; m < ACC_METRIC_COUNT; m++) {
        const acc_series *s = &t->nc[m];
        if (!s->is_implemented) {
            fprintf(out, "  %-30s %6s %s\n", acc_metric_label((acc_metric)m), "", not_impl);
            continue;
        }
        acc_stat st;
        if (acc_summarise(s->err, s->n, &st))
            return EDX_ERR_NOMEM;
        char a[NUM], b[NUM], c[NUM];
        fprintf(out, "  %-30s %6zu %7zu %12s %10s %10s\n", acc_metric_label((acc_metric)m), st.n,
                s->missed, fmt(a, st.median_abs, 3, false), fmt(b, st.p95_abs, 3, false),
                fmt(c, st.bias, 3, true));
    }
    if (t->has_nc)
        fprintf(out, "  sites with a truth onset latency: %zu; missing or null in findings: %zu\n",
                t->truth_sites, t->sites_missed);
    else
        fprintf(out, "  sites missing or null in findings: %s\n", not_impl);
    return EDX_OK;
}

static void print_detect(const acc_totals *t, FILE *out, const char *label, const acc_detect *d)
{
    if (!t->has_events) {
        fprintf(out, "  %-30s %8zu  %s\n", label, d->truth_n, not_impl);
        return;
    }
    char a[NUM], b[NUM];
    fprintf(out, "  %-30s %8zu %8zu %8zu %8s %8s\n", label, d->truth_n, d->found_n, d->matched_n,
            fmt(a, pct(d->matched_n, d->truth_n), 1, false),
            fmt(b, pct(d->matched_n, d->found_n), 1, false));
}

static size_t wrong_total(const acc_totals *t)
{
    unsigned set = acc_extra_set(t);
    size_t n = 0;
    for (int a = 0; a < ACC_TYPE_COUNT; a++)
        for (int b = 0; b < ACC_TYPE_COUNT; b++)
            n += t->wrong_type[set][a][b];
    return n;
}

static void print_wrong_types(const acc_totals *t, FILE *out)
{
    if (!t->has_events) {
        fprintf(out, "  matched in time, wrong type: %s\n", not_impl);
        return;
    }
    unsigned set = acc_extra_set(t);
    fprintf(out, "  matched in time, wrong type: %zu\n", wrong_total(t));
    for (int a = 0; a < ACC_TYPE_COUNT; a++)
        for (int b = 0; b < ACC_TYPE_COUNT; b++)
            if (t->wrong_type[set][a][b])
                fprintf(out, "    %s found as %s: %zu\n", acc_type_name((acc_type)a),
                        acc_type_name((acc_type)b), t->wrong_type[set][a][b]);
}

static void print_discharges(const acc_totals *t, FILE *out)
{
    fprintf(out, "\n%-32s %8s %8s %8s %8s %8s\n", "Discharges in rest, |dt| <= 5 ms", "truth",
            "found", "matched", "sens %", "prec %");
    for (int k = 0; k < ACC_TYPE_COUNT; k++)
        if (k < ACC_CORE_TYPES || t->type_in_findings[k])
            print_detect(t, out, acc_type_name((acc_type)k), &t->type[k]);
    print_detect(t, out, "any spontaneous", &t->any[acc_extra_set(t)]);
    print_wrong_types(t, out);
    if (!t->has_events)
        return;
    fprintf(out,
            "  fibrillation or PSW found in the %zu muscles truth has none: %zu in %.1f min "
            "of rest (%.3f per min)\n",
            t->clean_muscles, t->clean_found, t->clean_rest_s / 60.0,
            t->clean_rest_s > 0 ? t->clean_found / (t->clean_rest_s / 60.0) : 0.0);
    fprintf(out, "  fibrillation and PSW in the %zu muscles with a needle site on the end plate:\n",
            t->end_plate_muscles);
    print_detect(t, out, "  fibrillation", &t->end_plate_fib[0]);
    print_detect(t, out, "  positive_sharp_wave", &t->end_plate_fib[1]);
    fprintf(out, "  fasciculation by scenario:\n");
    for (size_t k = 0; k < t->n_scenarios; k++) {
        const acc_detect *d = &t->fasc_by_scenario[k];
        if (d->truth_n || d->found_n) {
            char label[ACC_NAME_MAX + 2];
            snprintf(label, sizeof label, "  %s", t->scenario[k]);
            print_detect(t, out, label, d);
        }
    }
}

static void print_agree(FILE *out, const char *label, const acc_agree *a)
{
    char b[NUM];
    if (!a->is_implemented)
        fprintf(out, "  %-30s %8s %s\n", label, "", not_impl);
    else
        fprintf(out, "  %-30s %8zu %8zu %8s\n", label, a->n, a->agree_n,
                fmt(b, pct(a->agree_n, a->n), 1, false));
}

static void print_muscles(const acc_totals *t, FILE *out)
{
    fprintf(out, "\n%-32s %8s %8s %8s\n", "Per muscle", "n", "agree", "agree %");
    print_agree(out, "fib/PSW grade", &t->grade);
    print_agree(out, "MUP pattern", &t->mup);
    print_agree(out, "recruitment pattern", &t->recruitment);
    acc_mup_print(&t->mup_size, out);
}

static size_t row_sum(const acc_totals *t, size_t r)
{
    size_t n = 0;
    for (size_t c = 0; c < t->n_patterns; c++)
        n += t->confusion[r][c];
    return n;
}

static size_t col_sum(const acc_totals *t, size_t c)
{
    size_t n = 0;
    for (size_t r = 0; r < t->n_patterns; r++)
        n += t->confusion[r][c];
    return n;
}

static size_t diagonal(const acc_totals *t)
{
    size_t n = 0;
    for (size_t r = 0; r < t->n_patterns; r++)
        n += t->confusion[r][r];
    return n;
}

static void print_patterns(const acc_totals *t, FILE *out)
{
    fprintf(out, "\nInterpretation pattern (rows truth, columns found)\n");
    if (!t->has_pattern) {
        fprintf(out, "  %s\n", not_impl);
        return;
    }
    fprintf(out, "  %-40s", "");
    for (size_t c = 0; c < t->n_patterns; c++)
        if (col_sum(t, c))
            fprintf(out, " [%2zu]", c + 1);
    fputc('\n', out);
    for (size_t r = 0; r < t->n_patterns; r++) {
        fprintf(out, "  [%2zu] %-35s", r + 1, t->pattern[r]);
        for (size_t c = 0; row_sum(t, r) && c < t->n_patterns; c++)
            if (col_sum(t, c))
                fprintf(out, " %4zu", t->confusion[r][c]);
        fputc('\n', out);
    }
    char a[NUM];
    fprintf(out, "  accuracy: %zu of %zu (%s %%)\n", diagonal(t), t->studies,
            fmt(a, pct(diagonal(t), t->studies), 1, false));
}

int acc_print_table(const acc_totals *t, FILE *out)
{
    fprintf(out, "Accuracy of findings against simulated truth: studies %zu, with findings %zu\n",
            t->studies, t->studies_with_findings);
    if (!t->studies_with_findings)
        fprintf(out, "(no findings.json in any study: no analyser has run)\n");
    int rc = print_nc(t, out);
    if (rc)
        return rc;
    print_discharges(t, out);
    print_muscles(t, out);
    print_patterns(t, out);
    return ferror(out) ? EDX_ERR_IO : EDX_OK;
}

/* ---- JSON ------------------------------------------------------------------------------ */

static json_t *real(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *count(size_t n)
{
    return json_integer((json_int_t)n);
}

static json_t *not_implemented(void)
{
    return json_pack("{s:b}", "implemented", 0);
}

static json_t *nc_json(const acc_totals *t)
{
    json_t *j = json_pack("{s:b}", "implemented", t->has_nc);
    if (j && t->has_nc) {
        json_object_set_new(j, "truth_sites", count(t->truth_sites));
        json_object_set_new(j, "sites_missed", count(t->sites_missed));
    }
    for (int m = 0; j && m < ACC_METRIC_COUNT; m++) {
        const acc_series *s = &t->nc[m];
        acc_stat st;
        json_t *o = !s->is_implemented       ? not_implemented()
                    : acc_summarise(s->err, s->n, &st) ? NULL
                    : json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "implemented", 1, "n",
                                count(st.n), "missed", count(s->missed), "median_abs_error",
                                real(st.median_abs), "p95_abs_error", real(st.p95_abs), "bias",
                                real(st.bias));
        if (!o || json_object_set_new(j, acc_metric_key((acc_metric)m), o)) {
            json_decref(j);
            return NULL;
        }
    }
    return j;
}

static json_t *detect_json(const acc_totals *t, const acc_detect *d)
{
    if (!t->has_events)
        return json_pack("{s:b, s:o}", "implemented", 0, "truth", count(d->truth_n));
    return json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "implemented", 1, "truth",
                     count(d->truth_n), "found", count(d->found_n), "matched", count(d->matched_n),
                     "sensitivity_pct", real(pct(d->matched_n, d->truth_n)), "precision_pct",
                     real(pct(d->matched_n, d->found_n)));
}

static json_t *wrong_json(const acc_totals *t)
{
    unsigned set = acc_extra_set(t);
    json_t *a = json_array();
    for (int x = 0; a && x < ACC_TYPE_COUNT; x++)
        for (int y = 0; y < ACC_TYPE_COUNT; y++)
            if (t->wrong_type[set][x][y])
                json_array_append_new(a, json_pack("{s:s, s:s, s:o}", "truth",
                                                   acc_type_name((acc_type)x), "found",
                                                   acc_type_name((acc_type)y), "n",
                                                   count(t->wrong_type[set][x][y])));
    return a;
}

static json_t *discharges_json(const acc_totals *t)
{
    json_t *types = json_object();
    for (int k = 0; types && k < ACC_TYPE_COUNT; k++)
        if (k < ACC_CORE_TYPES || t->type_in_findings[k])
            json_object_set_new(types, acc_type_name((acc_type)k), detect_json(t, &t->type[k]));
    json_t *j = json_pack("{s:b, s:f, s:o, s:o}", "implemented", t->has_events, "tolerance_ms",
                          1000.0 * ACC_MATCH_TOLERANCE_S, "types", types, "any",
                          detect_json(t, &t->any[acc_extra_set(t)]));
    if (j && t->has_events) {
        json_object_set_new(j, "wrong_type", count(wrong_total(t)));
        json_object_set_new(j, "wrong_type_pairs", wrong_json(t));
        json_object_set_new(j, "fib_psw_in_clean_muscles",
                            json_pack("{s:o, s:o, s:o}", "muscles", count(t->clean_muscles),
                                      "found", count(t->clean_found), "rest_min",
                                      real(t->clean_rest_s / 60.0)));
        json_t *by = json_object();
        for (size_t k = 0; by && k < t->n_scenarios; k++) {
            const acc_detect *d = &t->fasc_by_scenario[k];
            if (d->truth_n || d->found_n)
                json_object_set_new(by, t->scenario[k], detect_json(t, d));
        }
        json_object_set_new(j, "fasciculation_by_scenario", by);
        json_object_set_new(j, "end_plate_sites",
                            json_pack("{s:o, s:o, s:o}", "muscles", count(t->end_plate_muscles),
                                      "fibrillation", detect_json(t, &t->end_plate_fib[0]),
                                      "positive_sharp_wave", detect_json(t, &t->end_plate_fib[1])));
    }
    return j;
}

static json_t *agree_json(const acc_agree *a)
{
    if (!a->is_implemented)
        return not_implemented();
    return json_pack("{s:b, s:o, s:o, s:o}", "implemented", 1, "n", count(a->n), "agree",
                     count(a->agree_n), "agree_pct", real(pct(a->agree_n, a->n)));
}

static json_t *patterns_json(const acc_totals *t)
{
    if (!t->has_pattern)
        return not_implemented();
    json_t *cells = json_array();
    for (size_t r = 0; cells && r < t->n_patterns; r++)
        for (size_t c = 0; c < t->n_patterns; c++)
            if (t->confusion[r][c])
                json_array_append_new(cells, json_pack("{s:s, s:s, s:o}", "truth", t->pattern[r],
                                                       "found", t->pattern[c], "n",
                                                       count(t->confusion[r][c])));
    return json_pack("{s:b, s:o, s:o, s:o, s:o}", "implemented", 1, "n", count(t->studies),
                     "correct", count(diagonal(t)), "accuracy_pct",
                     real(pct(diagonal(t), t->studies)), "confusion", cells);
}

json_t *acc_totals_json(const acc_totals *t)
{
    /* json_pack's "o" takes NULL as a failure, so one missing part fails all. */
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o}, s:o}", "schema",
                     "edxreport-accuracy/1", "studies", count(t->studies),
                     "studies_with_findings", count(t->studies_with_findings),
                     "nerve_conduction", nc_json(t), "discharges", discharges_json(t), "muscles",
                     "fib_psw_grade", agree_json(&t->grade), "mup_pattern", agree_json(&t->mup),
                     "recruitment_pattern", agree_json(&t->recruitment), "mup_size",
                     acc_mup_json(&t->mup_size), "interpretation",
                     patterns_json(t));
}
