/*
 * paths.c - turning command-line arguments into a sorted list of recordings
 * (the scan itself is the batch library's: batch_scan_add).
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "edx/batch.h"

bool cli_is_recording_name(const char *name)
{
    return batch_is_recording_name(name);
}

int cli_paths_add(cli_paths *p, const char *path)
{
    batch_paths found = {.items = p->items, .count = p->count, .capacity = p->capacity};
    char err[4096 + 128];
    int rc = batch_scan_add(&found, path, err, sizeof err);
    p->items = found.items;
    p->count = found.count;
    p->capacity = found.capacity;
    if (rc != EDX_OK) {
        fprintf(stderr, "edxreport: %s\n", err);
        return -1;
    }
    return 0;
}

void cli_paths_free(cli_paths *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->items[i]);
    free(p->items);
    memset(p, 0, sizeof *p);
}
