/*
 * paths.c - where edxreport finds its templates, installed or in a source tree.
 */
#include "edx/common.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef EDX_VERSION
#define EDX_VERSION "0.0.0"
#endif
#ifndef EDX_TEMPLATE_INSTALL_DIR
#define EDX_TEMPLATE_INSTALL_DIR "/usr/local/share/edxreport/templates"
#endif
#ifndef EDX_TEMPLATE_SOURCE_DIR
#define EDX_TEMPLATE_SOURCE_DIR "templates"
#endif

const char *edx_version(void)
{
    return EDX_VERSION;
}

double edx_monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int use_dir(const char *dir, char *buf, size_t size)
{
    if (!is_dir(dir))
        return EDX_ERR_NOT_FOUND;
    int n = snprintf(buf, size, "%s", dir);
    return (n < 0 || (size_t)n >= size) ? EDX_ERR_RANGE : EDX_OK;
}

/* <dir of the running executable>/../share/edxreport/templates */
static int beside_executable(char *buf, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return EDX_ERR_NOT_FOUND;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return EDX_ERR_NOT_FOUND;
    *slash = '\0';
    char cand[PATH_MAX + 64];
    snprintf(cand, sizeof cand, "%s/../share/edxreport/templates", exe);
    return use_dir(cand, buf, size);
}

int edx_find_template_dir(char *buf, size_t size)
{
    const char *env = getenv("EDX_TEMPLATE_DIR");
    if (env != NULL && env[0] != '\0')
        return use_dir(env, buf, size);
    if (beside_executable(buf, size) == EDX_OK)
        return EDX_OK;
    if (use_dir(EDX_TEMPLATE_INSTALL_DIR, buf, size) == EDX_OK)
        return EDX_OK;
    return use_dir(EDX_TEMPLATE_SOURCE_DIR, buf, size);
}

int edx_read_small_file(const char *path, size_t max_bytes, char **out, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return errno == ENOENT ? EDX_ERR_NOT_FOUND : EDX_ERR_IO;
    char *buf = malloc(max_bytes + 1);
    if (!buf) {
        fclose(fp);
        return EDX_ERR_NOMEM;
    }
    size_t n = fread(buf, 1, max_bytes + 1, fp);
    int bad = ferror(fp);
    fclose(fp);
    if (bad || n > max_bytes) {
        free(buf);
        return bad ? EDX_ERR_IO : EDX_ERR_RANGE;
    }
    buf[n] = '\0';
    *out = buf;
    *size = n;
    return EDX_OK;
}
