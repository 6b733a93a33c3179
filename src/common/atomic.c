/*
 * atomic.c - outputs appear whole or not at all.
 *
 * The bytes go to a temporary file in the destination's own folder (same
 * file system, so rename(2) is atomic), which is flushed and fsync'ed, then
 * renamed over the destination, and finally the folder itself is fsync'ed so
 * that the rename survives a power cut. This is the sequence Redis uses for
 * its dump file (rdb.c, rdbSave: write temp, fflush, fsync, rename) with the
 * folder fsync that POSIX requires for the directory entry. A reader sees the
 * old file or the new one, never a partial one; a killed writer leaves at
 * most a hidden ".<name>.tmp.<pid>" file, which edx_atomic_sweep_stale()
 * removes on the next run.
 */
#include "edx/common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_TAG ".tmp."

/* Splits path into folder (".": none given) and base name. */
static int split_path(const char *path, char *dir, size_t dsize, const char **base)
{
    const char *slash = strrchr(path, '/');
    int n;
    if (slash == NULL) {
        n = snprintf(dir, dsize, ".");
        *base = path;
    } else {
        n = snprintf(dir, dsize, "%.*s", (int)(slash == path ? 1 : slash - path), path);
        *base = slash + 1;
    }
    if (n < 0 || (size_t)n >= dsize || **base == '\0')
        return EDX_ERR_INVALID;
    return EDX_OK;
}

static int write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int edx_write_file_atomic(const char *path, const void *data, size_t len, char *err,
                          size_t err_size)
{
    char dir[4096], tmp[4096 + 64];
    const char *base = NULL;
    if (path == NULL || (data == NULL && len > 0) ||
        split_path(path, dir, sizeof dir, &base) != EDX_OK) {
        snprintf(err, err_size, "invalid output path '%s'", path ? path : "(null)");
        return EDX_ERR_INVALID;
    }
    int n = snprintf(tmp, sizeof tmp, "%s/.%s" TMP_TAG "%ld", dir, base, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        snprintf(err, err_size, "output path too long: '%s'", path);
        return EDX_ERR_RANGE;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, err_size, "cannot create '%s': %s", tmp, strerror(errno));
        return EDX_ERR_IO;
    }
    const char *step = NULL;
    if (write_all(fd, data, len) != 0)
        step = "write";
    else if (fsync(fd) != 0)
        step = "fsync";
    int saved = errno;
    if (close(fd) != 0 && step == NULL) {
        step = "close";
        saved = errno;
    }
    if (step == NULL && rename(tmp, path) != 0) {
        step = "rename";
        saved = errno;
    }
    if (step != NULL) {
        unlink(tmp);
        snprintf(err, err_size, "cannot %s '%s': %s", step, path, strerror(saved));
        return EDX_ERR_IO;
    }
    if (fsync_dir(dir) != 0) {
        snprintf(err, err_size, "cannot fsync folder '%s': %s", dir, strerror(errno));
        return EDX_ERR_IO;
    }
    return EDX_OK;
}

/* ".<name>.tmp.<pid>" whose pid is no longer running (or is ours). */
static int is_stale_tmp(const char *name)
{
    if (name[0] != '.')
        return 0;
    const char *tag = strstr(name, TMP_TAG);
    if (tag == NULL)
        return 0;
    const char *digits = tag + strlen(TMP_TAG);
    char *end = NULL;
    long pid = strtol(digits, &end, 10);
    if (end == digits || *end != '\0' || pid <= 0)
        return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int edx_atomic_sweep_stale(const char *dir, size_t *n_removed)
{
    size_t removed = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? EDX_ERR_NOT_FOUND : EDX_ERR_IO;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_stale_tmp(e->d_name))
            continue;
        char p[4096 + 256];
        int n = snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (n > 0 && (size_t)n < sizeof p && unlink(p) == 0)
            removed++;
    }
    closedir(d);
    if (n_removed)
        *n_removed = removed;
    return EDX_OK;
}
