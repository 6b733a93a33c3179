/*
 * pool.c - the worker processes: at most `jobs` at a time, one study each.
 *
 * Each worker is fork(2)ed from the run's process (so it shares the loaded
 * tables and the grouped studies) and reports on a pipe of its own. The run's
 * process waits in poll(2) on those pipes and, when signals are handled, on a
 * signalfd; end of file on a pipe means the worker is gone, and wait4(2) says
 * how (exit status or signal) and how much memory it used. A worker past its
 * deadline is killed with SIGKILL. Workers die with the run's process
 * (PR_SET_PDEATHSIG), so a killed run leaves no worker writing behind it.
 */
#define _DEFAULT_SOURCE /* wait4 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch/internal.h"
#include "edx/common.h"

typedef struct slot {
    pid_t pid;        /* 0: free */
    int fd;           /* read end of the worker's pipe */
    size_t entry;
    double started_s, deadline_s;
    bool is_timed_out;
    char *buf;
    size_t len, cap;
} slot;

typedef struct pool {
    const batch_work *w;
    batch_entry *entries;
    size_t n, next, n_finished, done_before, total;
    slot *slots;
    unsigned n_slots;
    struct pollfd *fds; /* n_slots + 1, for poll(2) */
    slot **fd_slot;     /* the slot of each; NULL for the signalfd */
    bool is_interrupted;
    char *msg;
    size_t msg_size;
} pool;

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- the worker's side ------------------------------------------------------- */

/* In the child: let go of everything of the run's process that is not the
 * worker's, then work and report. Never returns. */
static void worker_child(pool *p, size_t entry, int fd, pid_t parent)
{
    const batch_work *w = p->w;
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(111); /* the run died before the line above */
    for (unsigned i = 0; i < p->n_slots; i++)
        if (p->slots[i].pid != 0)
            close(p->slots[i].fd);
    if (w->sig_fd >= 0)
        close(w->sig_fd);
    if (w->lock && w->lock->fd >= 0)
        close(w->lock->fd);
    if (w->has_old_mask)
        sigprocmask(SIG_SETMASK, &w->old_mask, NULL);
    if (w->opt->memory_limit_bytes > 0) {
        struct rlimit rl = {(rlim_t)w->opt->memory_limit_bytes,
                            (rlim_t)w->opt->memory_limit_bytes};
        (void)setrlimit(RLIMIT_AS, &rl);
    }
    char *report = batch_worker_main(w, &p->entries[entry], w->study_of[entry]);
    int rc = report && write_all(fd, report, strlen(report)) == 0 ? 0 : 70;
    /* _exit, not exit: the worker shares the run's stdio buffers and
     * atexit handlers, which are the run's to flush and run. */
    _exit(rc);
}

/* ---- the run's side ------------------------------------------------------------ */

static void report(pool *p, size_t entry)
{
    p->n_finished++;
    if (p->w->opt->progress)
        p->w->opt->progress(p->w->opt->progress_user, &p->entries[entry],
                            p->done_before + p->n_finished, p->total);
}

static void fail_entry(pool *p, size_t entry, const char *why)
{
    batch_entry *e = &p->entries[entry];
    e->status = BATCH_FAILED;
    snprintf(e->reason, sizeof e->reason, "%s", why);
    if (e->n_inputs && e->inputs[0].sha256[0] == '\0') {
        char keep[BATCH_REASON_MAX];
        memcpy(keep, e->reason, sizeof keep);
        (void)batch_hash_inputs(e); /* for the manifest; the reason stays */
        memcpy(e->reason, keep, sizeof keep);
    }
    report(p, entry);
}

static int start(pool *p, slot *s, size_t entry)
{
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(p->msg, p->msg_size, "cannot create a pipe: %s", strerror(errno));
        return EDX_ERR_IO;
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(p->msg, p->msg_size, "cannot start a worker: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return EDX_ERR_IO;
    }
    if (pid == 0) {
        close(fds[0]);
        worker_child(p, entry, fds[1], parent);
    }
    close(fds[1]);
    double t = edx_monotonic_s();
    *s = (slot){.pid = pid, .fd = fds[0], .entry = entry, .started_s = t,
                .deadline_s = p->w->opt->timeout_s > 0 ? t + p->w->opt->timeout_s : INFINITY};
    p->entries[entry].pid = (int)pid;
    return EDX_OK;
}

/* Why a worker that did not report ended. */
static void describe_end(const pool *p, const slot *s, int status, char *why, size_t size)
{
    char secs[32];
    if (s->is_timed_out)
        snprintf(why, size, "timed out after %s s (worker killed)",
                 edx_fmt_double(secs, sizeof secs, p->w->opt->timeout_s, 1));
    else if (p->is_interrupted)
        snprintf(why, size, "interrupted (worker killed)");
    else if (WIFSIGNALED(status))
        snprintf(why, size, "worker killed by signal %d (%s)%s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)),
                 WTERMSIG(status) == SIGKILL && p->w->opt->memory_limit_bytes > 0
                     ? ", perhaps out of memory"
                     : "");
    else if (WIFEXITED(status))
        snprintf(why, size, "worker exited with status %d without a report", WEXITSTATUS(status));
    else
        snprintf(why, size, "worker ended for an unknown reason");
}

static void finish(pool *p, slot *s)
{
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(s->pid, &status, 0, &ru) < 0 && errno == EINTR)
        ;
    batch_entry *e = &p->entries[s->entry];
    e->duration_s = edx_monotonic_s() - s->started_s;
    e->max_rss_kb = ru.ru_maxrss;
    json_t *j = NULL;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !s->is_timed_out && s->buf)
        j = json_loadb(s->buf, s->len, 0, NULL);
    if (j && batch_entry_from_json(j, e) == EDX_OK)
        report(p, s->entry);
    else {
        char why[BATCH_REASON_MAX];
        describe_end(p, s, status, why, sizeof why);
        fail_entry(p, s->entry, why);
    }
    json_decref(j);
    close(s->fd);
    free(s->buf);
    memset(s, 0, sizeof *s);
}

/* Reads what the worker wrote; finishes it at end of file. */
static void drain(pool *p, slot *s)
{
    if (s->cap - s->len < 4096) {
        size_t cap = s->cap ? s->cap * 2 : 8192;
        char *b = realloc(s->buf, cap);
        if (b == NULL) {
            kill(s->pid, SIGKILL); /* its report cannot be kept */
            s->len = 0;
        } else {
            s->buf = b;
            s->cap = cap;
        }
    }
    ssize_t n = s->cap > s->len ? read(s->fd, s->buf + s->len, s->cap - s->len) : -1;
    if (n > 0)
        s->len += (size_t)n;
    else if (n == 0 || (errno != EINTR && errno != EAGAIN))
        finish(p, s);
}

static void interrupt(pool *p)
{
    p->is_interrupted = true;
    for (unsigned i = 0; i < p->n_slots; i++)
        if (p->slots[i].pid != 0)
            kill(p->slots[i].pid, SIGKILL);
    while (p->next < p->n)
        fail_entry(p, p->next++, "not started: the run was interrupted");
}

static void read_signal(pool *p)
{
    struct signalfd_siginfo si;
    if (read(p->w->sig_fd, &si, sizeof si) == (ssize_t)sizeof si)
        interrupt(p);
}

static unsigned running(const pool *p)
{
    unsigned r = 0;
    for (unsigned i = 0; i < p->n_slots; i++)
        r += p->slots[i].pid != 0;
    return r;
}

/* Starts workers in free slots; an entry that cannot start fails. */
static void fill(pool *p)
{
    for (unsigned i = 0; i < p->n_slots && p->next < p->n && !p->is_interrupted; i++) {
        if (p->slots[i].pid != 0)
            continue;
        size_t entry = p->next++;
        if (start(p, &p->slots[i], entry) != EDX_OK)
            fail_entry(p, entry, p->msg);
    }
}

static int poll_timeout_ms(const pool *p)
{
    double first = INFINITY, t = edx_monotonic_s();
    for (unsigned i = 0; i < p->n_slots; i++)
        if (p->slots[i].pid != 0 && !p->slots[i].is_timed_out && p->slots[i].deadline_s < first)
            first = p->slots[i].deadline_s;
    if (!isfinite(first))
        return -1;
    double ms = ceil((first - t) * 1000.0);
    return ms < 0 ? 0 : ms > 60000 ? 60000 : (int)ms;
}

static void kill_late(pool *p)
{
    double t = edx_monotonic_s();
    for (unsigned i = 0; i < p->n_slots; i++) {
        slot *s = &p->slots[i];
        if (s->pid != 0 && !s->is_timed_out && t >= s->deadline_s) {
            s->is_timed_out = true;
            kill(s->pid, SIGKILL);
        }
    }
}

static void wait_once(pool *p)
{
    struct pollfd *fds = p->fds;
    slot **of = p->fd_slot;
    nfds_t nf = 0;
    for (unsigned i = 0; i < p->n_slots; i++)
        if (p->slots[i].pid != 0) {
            fds[nf] = (struct pollfd){.fd = p->slots[i].fd, .events = POLLIN};
            of[nf++] = &p->slots[i];
        }
    if (p->w->sig_fd >= 0 && !p->is_interrupted) {
        fds[nf] = (struct pollfd){.fd = p->w->sig_fd, .events = POLLIN};
        of[nf++] = NULL;
    }
    int r = poll(fds, nf, poll_timeout_ms(p));
    for (nfds_t i = 0; r > 0 && i < nf; i++) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        if (of[i] == NULL)
            read_signal(p);
        else if (of[i]->pid != 0)
            drain(p, of[i]);
    }
    kill_late(p);
}

int batch_pool_run(const batch_work *w, batch_entry *entries, size_t n, size_t done_before,
                   size_t total, char *msg, size_t msg_size)
{
    unsigned jobs = w->opt->jobs ? w->opt->jobs : 1;
    pool p = {.w = w, .entries = entries, .n = n, .done_before = done_before, .total = total,
              .n_slots = jobs, .msg = msg, .msg_size = msg_size};
    p.slots = calloc(jobs, sizeof *p.slots);
    p.fds = calloc(jobs + 1, sizeof *p.fds);
    p.fd_slot = calloc(jobs + 1, sizeof *p.fd_slot);
    if (p.slots == NULL || p.fds == NULL || p.fd_slot == NULL) {
        free(p.slots);
        free(p.fds);
        free(p.fd_slot);
        snprintf(msg, msg_size, "out of memory starting the workers");
        return EDX_ERR_NOMEM;
    }
    while (p.n_finished < n) {
        fill(&p);
        if (running(&p) == 0)
            continue; /* every remaining entry failed to start or was interrupted */
        wait_once(&p);
    }
    free(p.slots);
    free(p.fds);
    free(p.fd_slot);
    return p.is_interrupted ? BATCH_ERR_INTERRUPTED : EDX_OK;
}
