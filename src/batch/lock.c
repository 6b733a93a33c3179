/*
 * lock.c - one run (of a shard) at a time in an output folder.
 *
 * The lock is flock(2) on a file in <out>/.edxreport/: the kernel releases
 * it when the holder dies however it dies, so a lock left by a killed run is
 * never in the way. The file also holds "pid host started" of the holder,
 * for the message a second run prints and to notice (and report) that a
 * killed run's lock was taken over. Where flock is not supported (ENOLCK on
 * some network file systems) the pid alone decides: a lock whose process no
 * longer exists on this host is stale and taken over.
 *
 * The file is never removed (removing a locked file lets two runs lock two
 * different files); a clean release empties it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch/internal.h"

static void read_holder(int fd, long *pid, char *host, size_t host_size)
{
    char buf[256] = "";
    *pid = 0;
    host[0] = '\0';
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return;
    buf[n] = '\0';
    char h[128] = "";
    if (sscanf(buf, "%ld %127s", pid, h) >= 1)
        snprintf(host, host_size, "%s", h);
}

static bool is_alive_here(long pid, const char *host)
{
    char me[128] = "";
    gethostname(me, sizeof me - 1);
    if (pid <= 0)
        return false;
    if (host[0] && strcmp(host, me) != 0)
        return true; /* another machine's: cannot tell, assume alive */
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

static int write_holder(int fd)
{
    char host[128] = "", buf[256];
    gethostname(host, sizeof host - 1);
    if (host[0] == '\0')
        snprintf(host, sizeof host, "-");
    time_t now = time(NULL);
    struct tm tm;
    char when[32] = "";
    if (gmtime_r(&now, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = snprintf(buf, sizeof buf, "%ld %s %s\n", (long)getpid(), host, when);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
        return EDX_ERR_IO;
    return fsync(fd) == 0 ? EDX_OK : EDX_ERR_IO;
}

int batch_lock_acquire(const char *path, batch_lock *lk, char *msg, size_t msg_size)
{
    lk->fd = -1;
    lk->stale_pid = 0;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(msg, msg_size, "cannot open the lock file %s: %s", path, strerror(errno));
        return EDX_ERR_IO;
    }
    long pid;
    char host[128];
    read_holder(fd, &pid, host, sizeof host);
    bool locked = false;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            locked = true;
        else if (errno != ENOLCK && errno != EINVAL) {
            snprintf(msg, msg_size, "cannot lock %s: %s", path, strerror(errno));
            close(fd);
            return EDX_ERR_IO;
        } else
            locked = is_alive_here(pid, host); /* no flock here: the pid decides */
    }
    if (locked) {
        read_holder(fd, &pid, host, sizeof host);
        snprintf(msg, msg_size,
                 "another batch run (pid %ld on %s) is writing to this output folder; lock %s",
                 pid, host[0] ? host : "?", path);
        close(fd);
        return BATCH_ERR_LOCKED;
    }
    if (pid > 0 && pid != (long)getpid())
        lk->stale_pid = (int)pid;
    if (write_holder(fd) != EDX_OK) {
        snprintf(msg, msg_size, "cannot write the lock file %s: %s", path, strerror(errno));
        close(fd);
        return EDX_ERR_IO;
    }
    lk->fd = fd;
    return EDX_OK;
}

void batch_lock_release(batch_lock *lk)
{
    if (lk->fd < 0)
        return;
    if (ftruncate(lk->fd, 0) == 0)
        (void)fsync(lk->fd);
    flock(lk->fd, LOCK_UN);
    close(lk->fd);
    lk->fd = -1;
}
