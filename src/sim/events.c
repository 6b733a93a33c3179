/*
 * events.c - the list of generated discharges (the needle EMG truth).
 */
#include <stdlib.h>

#include "sim/sim_internal.h"

static const char *const type_names[SIM_EV_COUNT] = {
    [SIM_EV_FIBRILLATION] = "fibrillation",
    [SIM_EV_PSW] = "positive_sharp_wave",
    [SIM_EV_FASCICULATION] = "fasciculation",
    [SIM_EV_CRD] = "complex_repetitive",
    [SIM_EV_MYOTONIC] = "myotonic",
    [SIM_EV_MYOKYMIC] = "myokymic",
    [SIM_EV_NEUROMYOTONIC] = "neuromyotonic",
    [SIM_EV_CRAMP] = "cramp",
    [SIM_EV_END_PLATE] = "end_plate",
    [SIM_EV_INSERTIONAL] = "insertional",
    [SIM_EV_MUP] = "mup",
};

const char *sim_event_type_name(sim_event_type t)
{
    return (t >= 0 && t < SIM_EV_COUNT) ? type_names[t] : "unknown";
}

int sim_events_push(sim_events *e, const sim_event *ev)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 256;
        sim_event *v = realloc(e->v, cap * sizeof *v);
        if (!v)
            return EDX_ERR_NOMEM;
        e->v = v;
        e->cap = cap;
    }
    e->v[e->n++] = *ev;
    return EDX_OK;
}

static int by_time(const void *a, const void *b)
{
    const sim_event *x = a, *y = b;
    if (x->time_s != y->time_s)
        return x->time_s < y->time_s ? -1 : 1;
    if (x->unit != y->unit)
        return x->unit < y->unit ? -1 : 1;
    return (int)x->type - (int)y->type;
}

void sim_events_sort(sim_events *e)
{
    if (e->n > 1)
        qsort(e->v, e->n, sizeof *e->v, by_time);
}

void sim_events_free(sim_events *e)
{
    free(e->v);
    e->v = NULL;
    e->n = e->cap = 0;
}
