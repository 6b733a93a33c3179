/*
 * source.c - where the bytes come from: a file read with pread, a .gz file
 * inflated once into an anonymous temporary file (so that samples still
 * stream and seeking stays cheap), or a memory buffer (fuzzing, tests).
 */
#define _DEFAULT_SOURCE /* MAP_POPULATE */
#include "edf_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* A compressed file may not inflate to more than this (a zip bomb guard). */
#define EDF_GZIP_MAX_BYTES ((int64_t)64 * 1024 * 1024 * 1024)

static int read_fully(int fd, int64_t off, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return EDX_ERR_IO;
        p += r;
        off += r;
        n -= (size_t)r;
    }
    return EDX_OK;
}

static int write_fully(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return EDX_ERR_IO;
        p += w;
        n -= (size_t)w;
    }
    return EDX_OK;
}

/* Inflates the gzip file open on fd into s->tmp. */
static int inflate_to_tmp(edf_source *s, int fd, const char *path, edx_diags *diags)
{
    int dfd = dup(fd);
    gzFile gz = dfd >= 0 ? gzdopen(dfd, "rb") : NULL;
    if (gz == NULL) {
        if (dfd >= 0)
            close(dfd);
        edx_diag_add(diags, EDX_SEV_ERROR, "EDF-GZIP", EDX_LOC_NONE,
                     "%s: cannot start gzip decompression", path);
        return EDX_ERR_IO;
    }
    gzbuffer(gz, 256 * 1024);
    s->tmp = tmpfile();
    if (s->tmp == NULL) {
        gzclose(gz);
        edx_diag_add(diags, EDX_SEV_ERROR, "EDF-GZIP", EDX_LOC_NONE,
                     "%s: cannot create a temporary file to decompress into: %s", path,
                     strerror(errno));
        return EDX_ERR_IO;
    }
    int tfd = fileno(s->tmp);
    enum { CHUNK = 256 * 1024 };
    uint8_t *buf = malloc(CHUNK);
    int rc = buf != NULL ? EDX_OK : EDX_ERR_NOMEM;
    int64_t total = 0;
    while (rc == EDX_OK) {
        int n = gzread(gz, buf, CHUNK);
        if (n < 0) {
            int zerr = 0;
            const char *msg = gzerror(gz, &zerr);
            edx_diag_add(diags, EDX_SEV_ERROR, "EDF-GZIP",
                         EDX_LOC_FIELD(NULL, (int64_t)gzoffset(gz)),
                         "%s: corrupt gzip data after %lld decompressed bytes: %s", path,
                         (long long)total, msg ? msg : "unknown zlib error");
            rc = EDX_ERR_FORMAT;
            break;
        }
        if (n == 0) {
            /* a truncated stream ends quietly; zlib reports it only here */
            int zerr = Z_OK;
            const char *msg = gzerror(gz, &zerr);
            if (zerr != Z_OK) {
                edx_diag_add(diags, EDX_SEV_ERROR, "EDF-GZIP", EDX_LOC_NONE,
                             "%s: gzip data ends early after %lld decompressed bytes: %s",
                             path, (long long)total, msg ? msg : "unexpected end of file");
                rc = EDX_ERR_FORMAT;
            }
            break;
        }
        total += n;
        if (total > EDF_GZIP_MAX_BYTES) {
            edx_diag_add(diags, EDX_SEV_ERROR, "EDF-GZIP", EDX_LOC_NONE,
                         "%s: decompresses to more than %lld bytes; refused", path,
                         (long long)EDF_GZIP_MAX_BYTES);
            rc = EDX_ERR_RANGE;
            break;
        }
        rc = write_fully(tfd, buf, (size_t)n);
        if (rc != EDX_OK)
            edx_diag_add(diags, EDX_SEV_ERROR, "EDF-GZIP", EDX_LOC_NONE,
                         "%s: cannot write the decompressed temporary file: %s", path,
                         strerror(errno));
    }
    free(buf);
    gzclose(gz);
    if (rc == EDX_OK) {
        s->fd = tfd;
        s->size = total;
        s->is_gzip = true;
    }
    return rc;
}

int edf_source_open_file(edf_source *s, const char *path, edx_diags *diags)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        edx_diag_add(diags, EDX_SEV_ERROR, "EDF-OPEN", EDX_LOC_NONE, "%s: cannot open: %s",
                     path, strerror(e));
        return e == ENOENT ? EDX_ERR_NOT_FOUND : EDX_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        edx_diag_add(diags, EDX_SEV_ERROR, "EDF-OPEN", EDX_LOC_NONE,
                     "%s: not a regular file", path);
        close(fd);
        return EDX_ERR_IO;
    }
    uint8_t magic[2] = {0, 0};
    if (st.st_size >= 2 && read_fully(fd, 0, magic, 2) == EDX_OK && magic[0] == 0x1f &&
        magic[1] == 0x8b) {
        int rc = inflate_to_tmp(s, fd, path, diags);
        close(fd);
        if (rc != EDX_OK)
            edf_source_close(s);
        return rc;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    s->fd = fd;
    s->size = (int64_t)st.st_size;
    return EDX_OK;
}

void edf_source_open_mem(edf_source *s, const void *data, size_t size)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->mem = data;
    s->size = (int64_t)size;
}

int edf_source_read(const edf_source *s, int64_t off, void *buf, size_t n)
{
    if (off < 0 || (uint64_t)off > (uint64_t)s->size || n > (uint64_t)(s->size - off))
        return EDX_ERR_IO;
    if (n == 0)
        return EDX_OK;
    if (s->mem != NULL) {
        memcpy(buf, s->mem + off, n);
        return EDX_OK;
    }
    return read_fully(s->fd, off, buf, n);
}

/* The mapped window: large enough that mapping costs vanish, small enough
 * that the pages it holds do not grow the resident set much. */
#define EDF_WINDOW_BYTES ((size_t)8 * 1024 * 1024)

static void unmap_window(edf_source *s)
{
    if (s->win != NULL)
        munmap((void *)s->win, s->win_len);
    s->win = NULL;
    s->win_len = 0;
}

int edf_source_view(edf_source *s, int64_t off, size_t n, uint8_t *fallback,
                    const uint8_t **p)
{
    if (off < 0 || (uint64_t)off > (uint64_t)s->size || n > (uint64_t)(s->size - off))
        return EDX_ERR_IO;
    if (s->mem != NULL) {
        *p = s->mem + off;
        return EDX_OK;
    }
    if (s->win != NULL && off >= s->win_off && off + (int64_t)n <= s->win_off + (int64_t)s->win_len) {
        *p = s->win + (off - s->win_off);
        return EDX_OK;
    }
    unmap_window(s);
    long page = sysconf(_SC_PAGESIZE);
    int64_t base = off - off % (page > 0 ? page : 4096);
    size_t len = (size_t)(off - base) + n;
    if (len < EDF_WINDOW_BYTES)
        len = EDF_WINDOW_BYTES;
    if ((int64_t)len > s->size - base)
        len = (size_t)(s->size - base);
    /* Note: a file truncated by another process while mapped raises SIGBUS;
     * the batch runs every study in its own worker process for that reason. */
#ifdef MAP_POPULATE
    const int flags = MAP_PRIVATE | MAP_POPULATE; /* fault the window in at once */
#else
    const int flags = MAP_PRIVATE;
#endif
    void *m = mmap(NULL, len, PROT_READ, flags, s->fd, (off_t)base);
    if (m == MAP_FAILED) {
        int rc = read_fully(s->fd, off, fallback, n);
        *p = fallback;
        return rc;
    }
#ifdef POSIX_MADV_SEQUENTIAL
    (void)posix_madvise(m, len, POSIX_MADV_SEQUENTIAL);
#endif
    s->win = m;
    s->win_off = base;
    s->win_len = len;
    *p = s->win + (off - base);
    return EDX_OK;
}

void edf_source_close(edf_source *s)
{
    unmap_window(s);
    if (s->tmp != NULL)
        fclose(s->tmp); /* also closes s->fd */
    else if (s->fd >= 0)
        close(s->fd);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}
