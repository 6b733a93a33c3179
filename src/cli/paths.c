/*
 * paths.c - turning command-line arguments into a sorted list of recordings.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/cli.h"

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

bool cli_is_recording_name(const char *name)
{
    return ends_with_ci(name, ".edf") || ends_with_ci(name, ".bdf") ||
           ends_with_ci(name, ".edf.gz") || ends_with_ci(name, ".bdf.gz");
}

static int push(cli_paths *p, const char *path)
{
    if (p->count == p->capacity) {
        size_t cap = p->capacity ? p->capacity * 2 : 16;
        char **n = realloc(p->items, cap * sizeof *n);
        if (n == NULL)
            return -1;
        p->items = n;
        p->capacity = cap;
    }
    char *copy = strdup(path);
    if (copy == NULL)
        return -1;
    p->items[p->count++] = copy;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_dir(cli_paths *p, const char *dir, int depth)
{
    if (depth > 32)
        return 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "edxreport: cannot read folder %s: %s\n", dir, strerror(errno));
        return -1;
    }
    cli_paths names = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            push(&names, e->d_name);
    closedir(d);
    qsort(names.items, names.count, sizeof *names.items, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < names.count && rc == 0; i++) {
        size_t len = strlen(dir) + strlen(names.items[i]) + 2;
        char *full = malloc(len);
        if (full == NULL) {
            rc = -1;
            break;
        }
        size_t dl = strlen(dir);
        snprintf(full, len, "%s%s%s", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/",
                 names.items[i]);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
            rc = add_dir(p, full, depth + 1);
        else if (cli_is_recording_name(names.items[i]))
            rc = push(p, full);
        free(full);
    }
    cli_paths_free(&names);
    return rc;
}

int cli_paths_add(cli_paths *p, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "edxreport: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return add_dir(p, path, 0);
    return push(p, path);
}

void cli_paths_free(cli_paths *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->items[i]);
    free(p->items);
    memset(p, 0, sizeof *p);
}
