/*
 * accuracy_events.c - discharges for the accuracy benchmark: events tables,
 * the rest filter, one-to-one matching within 5 ms, and quantiles.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accuracy_score.h"

/* ---- quantiles -------------------------------------------------------------- */

double acc_quantile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double pos = p * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    if (lo + 1 >= n)
        return sorted[n - 1];
    double frac = pos - (double)lo;
    return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int acc_summarise(const double *err, size_t n, acc_stat *out)
{
    out->n = n;
    out->median_abs = out->p95_abs = out->bias = NAN;
    if (n == 0)
        return EDX_OK;
    double *v = malloc(n * sizeof *v);
    if (!v)
        return EDX_ERR_NOMEM;
    memcpy(v, err, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_double);
    out->bias = acc_quantile(v, n, 0.5);
    for (size_t i = 0; i < n; i++)
        v[i] = fabs(err[i]);
    qsort(v, n, sizeof *v, cmp_double);
    out->median_abs = acc_quantile(v, n, 0.5);
    out->p95_abs = acc_quantile(v, n, 0.95);
    free(v);
    return EDX_OK;
}

/* ---- types and lists ------------------------------------------------------------ */

static const char *const type_names[ACC_TYPE_COUNT] = {
    [ACC_FIBRILLATION] = "fibrillation",     [ACC_PSW] = "positive_sharp_wave",
    [ACC_FASCICULATION] = "fasciculation",   [ACC_CRD] = "complex_repetitive",
    [ACC_MYOTONIC] = "myotonic",             [ACC_MYOKYMIC] = "myokymic",
    [ACC_NEUROMYOTONIC] = "neuromyotonic",   [ACC_CRAMP] = "cramp",
    [ACC_END_PLATE] = "end_plate",
};

const char *acc_type_name(acc_type t)
{
    return (t >= 0 && t < ACC_TYPE_COUNT) ? type_names[t] : "unknown";
}

bool acc_type_in_set(int type, unsigned extras)
{
    if (type < 0 || type >= ACC_TYPE_COUNT)
        return false;
    return type < ACC_CORE_TYPES || (extras >> (type - ACC_CORE_TYPES)) & 1u;
}

int acc_type_find(const char *name)
{
    for (int t = 0; t < ACC_TYPE_COUNT; t++)
        if (strcmp(name, type_names[t]) == 0)
            return t;
    return -1;
}

void acc_events_free(acc_events *e)
{
    free(e->v);
    memset(e, 0, sizeof *e);
}

int acc_events_push(acc_events *e, double time_s, int type)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 256;
        acc_event *v = realloc(e->v, cap * sizeof *v);
        if (!v)
            return EDX_ERR_NOMEM;
        e->v = v;
        e->cap = cap;
    }
    e->v[e->n++] = (acc_event){time_s, type};
    return EDX_OK;
}

static int cmp_event(const void *a, const void *b)
{
    const acc_event *x = a, *y = b;
    if (x->time_s != y->time_s)
        return (x->time_s > y->time_s) - (x->time_s < y->time_s);
    return (x->type > y->type) - (x->type < y->type);
}

void acc_events_sort(acc_events *e)
{
    if (e->n > 1)
        qsort(e->v, e->n, sizeof *e->v, cmp_event);
}

/* ---- the rest filter -------------------------------------------------------------- */

void acc_timeline_free(acc_timeline *tl)
{
    free(tl->rest_start_s);
    memset(tl, 0, sizeof *tl);
}

static size_t count_rest(const json_t *states)
{
    size_t n = 0, i;
    const json_t *s;
    json_array_foreach(states, i, s)
    {
        const char *kind = json_string_value(json_object_get(s, "state"));
        n += kind && strcmp(kind, "rest") == 0;
    }
    return n;
}

static int fill_rest(const json_t *states, acc_timeline *tl)
{
    size_t i;
    const json_t *s;
    json_array_foreach(states, i, s)
    {
        const char *kind = json_string_value(json_object_get(s, "state"));
        if (!kind || strcmp(kind, "rest") != 0)
            continue;
        const json_t *start = json_object_get(s, "start_s");
        const json_t *dur = json_object_get(s, "duration_s");
        if (!json_is_number(start) || !json_is_number(dur))
            return EDX_ERR_FORMAT;
        tl->rest_start_s[tl->n_rest] = json_number_value(start);
        tl->rest_end_s[tl->n_rest++] = json_number_value(start) + json_number_value(dur);
    }
    return EDX_OK;
}

int acc_timeline_from_json(const json_t *epochs, acc_timeline *tl)
{
    memset(tl, 0, sizeof *tl);
    const json_t *states = json_object_get(epochs, "states");
    const json_t *moves = json_object_get(epochs, "needle_moves_s");
    const json_t *win = json_object_get(epochs, "insertion_window_s");
    if (!json_is_array(states) || !json_is_array(moves) || !json_is_number(win))
        return EDX_ERR_FORMAT;
    size_t n_rest = count_rest(states), n_moves = json_array_size(moves);
    tl->rest_start_s = malloc((2 * n_rest + n_moves + 1) * sizeof(double));
    if (!tl->rest_start_s)
        return EDX_ERR_NOMEM;
    tl->rest_end_s = tl->rest_start_s + n_rest;
    tl->move_s = tl->rest_end_s + n_rest;
    tl->insertion_window_s = json_number_value(win);
    int rc = fill_rest(states, tl);
    for (size_t i = 0; !rc && i < n_moves; i++) {
        const json_t *m = json_array_get(moves, i);
        if (!json_is_number(m))
            rc = EDX_ERR_FORMAT;
        else
            tl->move_s[tl->n_moves++] = json_number_value(m);
    }
    if (rc)
        acc_timeline_free(tl);
    return rc;
}

bool acc_in_rest(const acc_timeline *tl, double t_s)
{
    for (size_t i = 0; i < tl->n_moves; i++)
        if (t_s >= tl->move_s[i] && t_s < tl->move_s[i] + tl->insertion_window_s)
            return false;
    for (size_t i = 0; i < tl->n_rest; i++)
        if (t_s >= tl->rest_start_s[i] && t_s < tl->rest_end_s[i])
            return true;
    return false;
}

double acc_rest_s(const acc_timeline *tl)
{
    double total = 0;
    for (size_t i = 0; i < tl->n_rest; i++) {
        double a = tl->rest_start_s[i], z = tl->rest_end_s[i], len = z - a;
        for (size_t k = 0; k < tl->n_moves; k++) {
            double lo = fmax(a, tl->move_s[k]),
                   hi = fmin(z, tl->move_s[k] + tl->insertion_window_s);
            len -= hi > lo ? hi - lo : 0;
        }
        total += len > 0 ? len : 0;
    }
    return total;
}

/* ---- events tables ------------------------------------------------------------------ */

enum { MAX_COLUMNS = 32 };

/* Splits line (modified in place) at tabs; drops the line end. */
static size_t split_tabs(char *line, char **col)
{
    line[strcspn(line, "\r\n")] = '\0';
    size_t n = 0;
    for (char *p = line; n < MAX_COLUMNS;) {
        col[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

static int header_columns(char *line, size_t *time_col, size_t *type_col)
{
    char *col[MAX_COLUMNS];
    size_t n = split_tabs(line, col);
    *time_col = *type_col = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(col[i], "time_s") == 0)
            *time_col = i;
        else if (strcmp(col[i], "type") == 0)
            *type_col = i;
    }
    return (*time_col == SIZE_MAX || *type_col == SIZE_MAX) ? EDX_ERR_FORMAT : EDX_OK;
}

static int read_row(char *line, size_t time_col, size_t type_col, const acc_timeline *tl,
                    acc_events *out)
{
    char *col[MAX_COLUMNS];
    size_t n = split_tabs(line, col);
    double t_s = 0;
    if (n == 1 && col[0][0] == '\0')
        return EDX_OK; /* blank line */
    if (time_col >= n || type_col >= n ||
        edx_parse_double(col[time_col], strlen(col[time_col]), &t_s) != EDX_OK || !isfinite(t_s)) {
        out->bad_rows++;
        return EDX_OK;
    }
    int type = acc_type_find(col[type_col]);
    if (type < 0 || !acc_in_rest(tl, t_s))
        return EDX_OK;
    return acc_events_push(out, t_s, type);
}

int acc_events_read(const char *path, const acc_timeline *tl, acc_events *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? EDX_ERR_NOT_FOUND : EDX_ERR_IO;
    char *line = NULL;
    size_t cap = 0, time_col = 0, type_col = 0;
    int rc = getline(&line, &cap, f) < 0 ? EDX_ERR_FORMAT
                                          : header_columns(line, &time_col, &type_col);
    while (!rc && getline(&line, &cap, f) >= 0)
        rc = read_row(line, time_col, type_col, tl, out);
    if (!rc && ferror(f))
        rc = EDX_ERR_IO;
    free(line);
    fclose(f);
    if (rc)
        acc_events_free(out);
    else
        acc_events_sort(out);
    return rc;
}

/* ---- matching ---------------------------------------------------------------------------- */

/* The merged time line: node k is truth[idx] or found[idx]. */
typedef struct merge_node {
    double time_s;
    int type;
    size_t idx;
    bool is_found, is_alive;
    size_t prev, next; /* SIZE_MAX at the ends */
} merge_node;

typedef struct pair {
    double dt_s;
    bool is_cross_type;
    size_t left, right; /* adjacent nodes, left before right */
} pair;

typedef struct pair_heap {
    pair *v;
    size_t n;
} pair_heap;

/* Closest first; at equal |dt| a pair of one type first, then the earlier. */
static bool pair_less(const pair *a, const pair *b)
{
    if (a->dt_s != b->dt_s)
        return a->dt_s < b->dt_s;
    if (a->is_cross_type != b->is_cross_type)
        return !a->is_cross_type;
    return a->left < b->left;
}

static void heap_push(pair_heap *h, pair p)
{
    size_t i = h->n++;
    while (i > 0 && pair_less(&p, &h->v[(i - 1) / 2])) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = p;
}

static pair heap_pop(pair_heap *h)
{
    pair top = h->v[0], last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && pair_less(&h->v[c + 1], &h->v[c]))
            c++;
        if (!pair_less(&h->v[c], &last))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n)
        h->v[i] = last;
    return top;
}

/* Pushes (a, b) when they are a truth and a found event within tolerance. */
static void offer(pair_heap *h, const merge_node *node, size_t a, size_t b, double tol_s)
{
    if (a == SIZE_MAX || b == SIZE_MAX || node[a].is_found == node[b].is_found)
        return;
    double dt_s = node[b].time_s - node[a].time_s;
    if (dt_s <= tol_s)
        heap_push(h, (pair){dt_s, node[a].type != node[b].type, a, b});
}

static bool is_sorted(const acc_event *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (v[i].time_s < v[i - 1].time_s)
            return false;
    return true;
}

static bool event_before(const acc_event *a, const acc_event *b)
{
    return a->time_s < b->time_s || (a->time_s == b->time_s && a->type < b->type);
}

/* Two pointers: truth and found into one time-ordered, doubly linked list.
 * At equal times types stay together (truth before found), so that
 * simultaneous discharges of two types pair each with its own type. */
static void merge(const acc_event *truth, size_t n_truth, const acc_event *found, size_t n_found,
                  merge_node *node)
{
    size_t i = 0, j = 0, n = n_truth + n_found;
    for (size_t k = 0; k < n; k++) {
        bool take_found = i == n_truth || (j < n_found && event_before(&found[j], &truth[i]));
        const acc_event *e = take_found ? &found[j] : &truth[i];
        node[k] = (merge_node){e->time_s, e->type, take_found ? j++ : i++, take_found, true,
                               k ? k - 1 : SIZE_MAX, k + 1 < n ? k + 1 : SIZE_MAX};
    }
}

/* Takes pairs closest first; unlinks both ends and offers their new neighbours. */
static long take_pairs(merge_node *node, pair_heap *h, double tol_s, ptrdiff_t *found_of_truth)
{
    long matched = 0;
    while (h->n) {
        pair p = heap_pop(h);
        merge_node *a = &node[p.left], *b = &node[p.right];
        if (!a->is_alive || !b->is_alive)
            continue; /* while both live they stay adjacent: nothing is ever inserted */
        a->is_alive = b->is_alive = false;
        found_of_truth[a->is_found ? b->idx : a->idx] = (ptrdiff_t)(a->is_found ? a->idx : b->idx);
        matched++;
        size_t before = a->prev, after = b->next;
        if (before != SIZE_MAX)
            node[before].next = after;
        if (after != SIZE_MAX)
            node[after].prev = before;
        offer(h, node, before, after, tol_s);
    }
    return matched;
}

long acc_match(const acc_event *truth, size_t n_truth, const acc_event *found, size_t n_found,
               double tol_s, ptrdiff_t *found_of_truth)
{
    if (!is_sorted(truth, n_truth) || !is_sorted(found, n_found))
        return EDX_ERR_INVALID;
    for (size_t i = 0; i < n_truth; i++)
        found_of_truth[i] = -1;
    size_t n = n_truth + n_found;
    if (n_truth == 0 || n_found == 0)
        return 0;
    merge_node *node = malloc(n * sizeof *node);
    pair_heap h = {malloc(2 * n * sizeof *h.v), 0};
    if (!node || !h.v) {
        free(node);
        free(h.v);
        return EDX_ERR_NOMEM;
    }
    merge(truth, n_truth, found, n_found, node);
    /* A hair over the tolerance, so that 5.000 ms written with 5 decimals
     * still counts; 4.9 and 5.1 ms are far from it. */
    double tol_eps_s = tol_s + 1e-9;
    for (size_t k = 0; k + 1 < n; k++)
        offer(&h, node, k, k + 1, tol_eps_s);
    long matched = take_pairs(node, &h, tol_eps_s, found_of_truth);
    free(node);
    free(h.v);
    return matched;
}
