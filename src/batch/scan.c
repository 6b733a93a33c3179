/*
 * scan.c - which files are recordings, the recursive folder scan, and the
 * stable split of studies into shards.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "batch/internal.h"

enum { SCAN_MAX_DEPTH = 32 };

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

bool batch_is_recording_name(const char *name)
{
    return ends_with_ci(name, ".edf") || ends_with_ci(name, ".bdf") ||
           ends_with_ci(name, ".edf.gz") || ends_with_ci(name, ".bdf.gz");
}

int batch_paths_push(batch_paths *p, const char *path)
{
    if (p->count == p->capacity) {
        size_t cap = p->capacity ? p->capacity * 2 : 16;
        char **n = realloc(p->items, cap * sizeof *n);
        if (n == NULL)
            return EDX_ERR_NOMEM;
        p->items = n;
        p->capacity = cap;
    }
    char *copy = strdup(path);
    if (copy == NULL)
        return EDX_ERR_NOMEM;
    p->items[p->count++] = copy;
    return EDX_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The visible entries of a folder, sorted. */
static int list_dir(const char *dir, batch_paths *names, char *err, size_t err_size)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, err_size, "cannot read folder %s: %s", dir, strerror(errno));
        return EDX_ERR_IO;
    }
    int rc = EDX_OK;
    struct dirent *e;
    while (rc == EDX_OK && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            rc = batch_paths_push(names, e->d_name);
    closedir(d);
    if (rc != EDX_OK)
        snprintf(err, err_size, "out of memory listing %s", dir);
    else if (names->count > 1)
        qsort(names->items, names->count, sizeof *names->items, cmp_str);
    return rc;
}

static int add_dir(batch_paths *p, const char *dir, int depth, char *err, size_t err_size)
{
    if (depth > SCAN_MAX_DEPTH)
        return EDX_OK;
    batch_paths names = {0};
    int rc = list_dir(dir, &names, err, err_size);
    size_t dl = strlen(dir);
    const char *sep = dl > 0 && dir[dl - 1] == '/' ? "" : "/";
    for (size_t i = 0; i < names.count && rc == EDX_OK; i++) {
        size_t len = dl + strlen(names.items[i]) + 2;
        char *full = malloc(len);
        if (full == NULL) {
            snprintf(err, err_size, "out of memory scanning %s", dir);
            rc = EDX_ERR_NOMEM;
            break;
        }
        snprintf(full, len, "%s%s%s", dir, sep, names.items[i]);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
            rc = add_dir(p, full, depth + 1, err, err_size);
        else if (batch_is_recording_name(names.items[i]) && (rc = batch_paths_push(p, full)) != EDX_OK)
            snprintf(err, err_size, "out of memory scanning %s", dir);
        free(full);
    }
    batch_paths_free(&names);
    return rc;
}

int batch_scan_add(batch_paths *p, const char *path, char *err, size_t err_size)
{
    struct stat st;
    if (p == NULL || path == NULL) {
        snprintf(err, err_size, "no path given");
        return EDX_ERR_INVALID;
    }
    if (stat(path, &st) != 0) {
        int e = errno;
        snprintf(err, err_size, "%s: %s", path, strerror(e));
        return e == ENOENT || e == ENOTDIR ? EDX_ERR_NOT_FOUND : EDX_ERR_IO;
    }
    if (S_ISDIR(st.st_mode))
        return add_dir(p, path, 0, err, err_size);
    int rc = batch_paths_push(p, path);
    if (rc != EDX_OK)
        snprintf(err, err_size, "out of memory");
    return rc;
}

void batch_paths_free(batch_paths *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->count; i++)
        free(p->items[i]);
    free(p->items);
    memset(p, 0, sizeof *p);
}

/* ---- shards ------------------------------------------------------------------ */

static bool parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;
    if (len == 0 || len > 9)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    *out = v;
    return v <= max;
}

int batch_shard_parse(const char *text, batch_shard *out)
{
    const char *slash = text ? strchr(text, '/') : NULL;
    unsigned long k, n;
    if (slash == NULL || !parse_uint(text, (size_t)(slash - text), 100000, &k) ||
        !parse_uint(slash + 1, strlen(slash + 1), 100000, &n) || n == 0 || k >= n)
        return EDX_ERR_INVALID;
    out->index = (unsigned)k;
    out->count = (unsigned)n;
    return EDX_OK;
}

uint64_t batch_id_hash(const char *id)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a 64 offset basis */
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull; /* FNV prime */
    }
    return h;
}

bool batch_shard_owns(const batch_shard *s, const char *id)
{
    if (s == NULL || s->count <= 1)
        return true;
    return batch_id_hash(id) % s->count == s->index;
}
