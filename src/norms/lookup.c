/*
 * lookup.c - picking the limit that applies to one measure of one patient
 * (rules in include/edx/norms.h) and flagging a value against it.
 */
#include "edx/norms.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

norms_query norms_query_init(const char *nerve, const char *test, const char *recording_site,
                             const char *parameter)
{
    norms_query q;
    memset(&q, 0, sizeof q);
    q.nerve = nerve;
    q.test = test;
    q.recording_site = recording_site;
    q.parameter = parameter;
    q.age_years = NAN;
    q.height_cm = NAN;
    q.sex = NORMS_SEX_ANY;
    return q;
}

/* Next letter or digit of s at or after *i (lower-cased), or '\0'. */
static char next_alnum(const char *s, size_t *i)
{
    while (s[*i] && !isalnum((unsigned char)s[*i]))
        (*i)++;
    return s[*i] ? (char)tolower((unsigned char)s[(*i)++]) : '\0';
}

/* Equal ignoring case and everything but letters and digits, over s[0..len). */
static bool key_eq_n(const char *a, size_t alen, const char *b)
{
    size_t i = 0, j = 0;
    for (;;) {
        char ca = '\0';
        while (i < alen && !isalnum((unsigned char)a[i]))
            i++;
        if (i < alen)
            ca = (char)tolower((unsigned char)a[i++]);
        char cb = next_alnum(b, &j);
        if (ca != cb)
            return false;
        if (ca == '\0')
            return true;
    }
}

static bool key_eq(const char *a, const char *b)
{
    return key_eq_n(a, strlen(a), b);
}

/* Row segment "" (distal), "site" or "from>to" against the query's. */
static bool segment_matches(const char *seg, const norms_query *q)
{
    if (!q->segment_from)
        return seg[0] == '\0';
    const char *gt = strchr(seg, '>');
    if (!q->segment_to)
        return !gt && seg[0] && key_eq(seg, q->segment_from);
    return gt && key_eq_n(seg, (size_t)(gt - seg), q->segment_from) &&
           key_eq(gt + 1, q->segment_to);
}

/* -1: the row does not apply; else how many of age, height, sex it restricts. */
static int band_score(const norms_limit *l, const norms_query *q)
{
    int score = 0;
    if (!isnan(l->age_min) || !isnan(l->age_max)) {
        if (isnan(q->age_years))
            return -1;
        double age = floor(q->age_years);
        if ((!isnan(l->age_min) && age < l->age_min) || (!isnan(l->age_max) && age > l->age_max))
            return -1;
        score++;
    }
    if (!isnan(l->height_min_cm) || !isnan(l->height_max_cm)) {
        double h = q->height_cm;
        if (isnan(h) || (!isnan(l->height_min_cm) && h < l->height_min_cm) ||
            (!isnan(l->height_max_cm) && h >= l->height_max_cm))
            return -1;
        score++;
    }
    if (l->sex != NORMS_SEX_ANY) {
        if (q->sex != l->sex)
            return -1;
        score++;
    }
    return score;
}

static bool row_applies(const norms_limit *l, const norms_query *q)
{
    return key_eq(l->nerve, q->nerve) && key_eq(l->test, q->test) &&
           strcmp(l->parameter, q->parameter) == 0 &&
           (!q->recording_site || key_eq(l->recording_site, q->recording_site)) &&
           segment_matches(l->segment, q);
}

int norms_find(const norms_table *t, const norms_query *q, norms_limit *out)
{
    if (!t || !q || !out || !q->nerve || !q->test || !q->parameter)
        return EDX_ERR_INVALID;
    const norms_limit *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < norms_table_count(t); i++) {
        const norms_limit *l = norms_table_at(t, i);
        if (!row_applies(l, q))
            continue;
        int s = band_score(l, q);
        if (s > best_score) {
            best = l;
            best_score = s;
        }
    }
    if (!best)
        return EDX_ERR_NOT_FOUND;
    *out = *best;
    return EDX_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *uln_word(const char *p)
{
    if (strcmp(p, "duration_ms") == 0 ||
        (ends_with(p, "_latency_ms") && strncmp(p, "side_", 5) != 0))
        return "prolonged";
    if (ends_with(p, "_pct") || ends_with(p, "_diff_ms") || ends_with(p, "_drop_m_s"))
        return "excessive";
    return "abnormal";
}

static const char *lln_word(const char *p)
{
    if (strcmp(p, "amplitude_uv") == 0 || strcmp(p, "amplitude_pp_uv") == 0)
        return "low";
    if (strcmp(p, "velocity_m_s") == 0)
        return "slow";
    return "abnormal";
}

const char *norms_flag(const norms_limit *lim, double value)
{
    if (!lim || isnan(value))
        return NULL;
    if (lim->kind == NORMS_ULN && value > lim->value)
        return uln_word(lim->parameter);
    if (lim->kind == NORMS_LLN && value < lim->value)
        return lln_word(lim->parameter);
    return NULL;
}
