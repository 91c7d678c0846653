/* reactor: descriptors and timers for the console's loop (see reactor.h). Sizes are tiny (the
 * keyboard, the store's descriptor, a few curl sockets, a handful of timers), so plain arrays and
 * linear scans serve, as in ae.c's timer list. */
#define _POSIX_C_SOURCE 200809L
#include "slatop/reactor.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int mask; /* 0: not watched */
    reactor_file_fn *fn;
    void *data; /* borrowed */
} file_event;

typedef struct {
    int64_t id; /* 0: deleted or fired, its slot reclaimed by the next wait */
    st_mono when;
    reactor_timer_fn *fn;
    void *data; /* borrowed */
} timer_event;

struct reactor {
    file_event *files; /* indexed by descriptor */
    size_t n_files;
    timer_event *timers;
    size_t n_timers, cap_timers;
    int64_t next_id;
    struct pollfd *pfd; /* the wait's snapshot of what is watched */
    size_t cap_pfd;
};

reactor *reactor_new(void)
{
    reactor *r = xcalloc(1, sizeof *r);
    r->next_id = 1;
    return r;
}

void reactor_free(reactor *r)
{
    if (!r)
        return;
    free(r->files);
    free(r->timers);
    free(r->pfd);
    free(r);
}

st_code reactor_watch(reactor *r, int fd, int mask, reactor_file_fn *fn, void *data, st_err *err)
{
    if (fd < 0 || (mask & ~(REACTOR_READABLE | REACTOR_WRITABLE)) || (mask && !fn))
        return st_fail(err, ST_USAGE, "reactor: cannot watch descriptor %d for mask %d", fd, mask);
    if (!mask) {
        reactor_unwatch(r, fd);
        return ST_OK;
    }
    if ((size_t)fd >= r->n_files) {
        size_t n = r->n_files ? r->n_files : 16;
        while (n <= (size_t)fd)
            n *= 2;
        r->files = xrealloc(r->files, n * sizeof *r->files);
        memset(r->files + r->n_files, 0, (n - r->n_files) * sizeof *r->files);
        r->n_files = n;
    }
    r->files[fd] = (file_event){.mask = mask, .fn = fn, .data = data};
    return ST_OK;
}

void reactor_unwatch(reactor *r, int fd)
{
    if (fd >= 0 && (size_t)fd < r->n_files)
        r->files[fd] = (file_event){0};
}

int64_t reactor_timer_add(reactor *r, st_mono when, reactor_timer_fn *fn, void *data)
{
    if (r->n_timers == r->cap_timers) {
        r->cap_timers = r->cap_timers ? 2 * r->cap_timers : 8;
        r->timers = xrealloc(r->timers, r->cap_timers * sizeof *r->timers);
    }
    int64_t id = r->next_id++;
    r->timers[r->n_timers++] = (timer_event){.id = id, .when = when, .fn = fn, .data = data};
    return id;
}

int64_t reactor_timer_in(reactor *r, int ms, reactor_timer_fn *fn, void *data)
{
    return reactor_timer_add(r, mono_now() + (st_mono)(ms > 0 ? ms : 0) * 1000000, fn, data);
}

void reactor_timer_del(reactor *r, int64_t id)
{
    /* Only marked: the slot may be in the middle of a dispatch pass. */
    for (size_t i = 0; id > 0 && i < r->n_timers; i++)
        if (r->timers[i].id == id)
            r->timers[i].id = 0;
}

/* Drops deleted and fired timers; never called while timers are being dispatched. */
static void compact_timers(reactor *r)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n_timers; i++)
        if (r->timers[i].id)
            r->timers[k++] = r->timers[i];
    r->n_timers = k;
}

/* Index of the earliest live timer with an id below limit, or SIZE_MAX. */
static size_t earliest(const reactor *r, int64_t limit)
{
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < r->n_timers; i++)
        if (r->timers[i].id && r->timers[i].id < limit &&
            (best == SIZE_MAX || r->timers[i].when < r->timers[best].when))
            best = i;
    return best;
}

static int fire_timers(reactor *r)
{
    int n = 0;
    int64_t limit = r->next_id; /* timers added by a callback wait for the next call, as in ae.c */
    for (;;) {
        size_t i = earliest(r, limit);
        if (i == SIZE_MAX || r->timers[i].when > mono_now())
            break;
        timer_event t = r->timers[i];
        r->timers[i].id = 0; /* one-shot; the callback may add timers and move the array */
        t.fn(r, t.id, t.data);
        n++;
    }
    return n;
}

static int fire_files(reactor *r, size_t n_pfd)
{
    int n = 0;
    for (size_t i = 0; i < n_pfd; i++) {
        short re = r->pfd[i].revents;
        int fd = r->pfd[i].fd;
        if (!re || (size_t)fd >= r->n_files)
            continue;
        /* Read the registration now, not from the snapshot: an earlier callback may have
         * changed or deleted it. */
        file_event fe = r->files[fd];
        int mask = 0;
        if ((fe.mask & REACTOR_READABLE) && (re & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
            mask |= REACTOR_READABLE;
        if ((fe.mask & REACTOR_WRITABLE) && (re & (POLLOUT | POLLHUP | POLLERR | POLLNVAL)))
            mask |= REACTOR_WRITABLE;
        if (!mask)
            continue;
        fe.fn(r, fd, mask, fe.data);
        n++;
    }
    return n;
}

st_code reactor_wait_once(reactor *r, int max_ms, int *dispatched, st_err *err)
{
    if (dispatched)
        *dispatched = 0;
    compact_timers(r);
    size_t n_pfd = 0;
    for (size_t fd = 0; fd < r->n_files; fd++) {
        if (!r->files[fd].mask)
            continue;
        if (n_pfd == r->cap_pfd) {
            r->cap_pfd = r->cap_pfd ? 2 * r->cap_pfd : 8;
            r->pfd = xrealloc(r->pfd, r->cap_pfd * sizeof *r->pfd);
        }
        short ev = 0;
        if (r->files[fd].mask & REACTOR_READABLE)
            ev |= POLLIN;
        if (r->files[fd].mask & REACTOR_WRITABLE)
            ev |= POLLOUT;
        r->pfd[n_pfd++] = (struct pollfd){.fd = (int)fd, .events = ev};
    }
    int timeout = max_ms < 0 ? -1 : max_ms;
    size_t first = earliest(r, INT64_MAX);
    if (first != SIZE_MAX) {
        st_mono d = r->timers[first].when - mono_now();
        d = d <= 0 ? 0 : (d + 999999) / 1000000; /* rounded up: never wake before it is due */
        if (d > INT32_MAX / 2)
            d = INT32_MAX / 2;
        if (timeout < 0 || d < timeout)
            timeout = (int)d;
    }
    if (timeout < 0 && n_pfd == 0)
        return ST_OK;
    int ready = poll(n_pfd ? r->pfd : NULL, (nfds_t)n_pfd, timeout);
    if (ready < 0 && errno != EINTR)
        return st_fail(err, ST_IO, "waiting for events: %s", strerror(errno));
    int n = ready > 0 ? fire_files(r, n_pfd) : 0;
    n += fire_timers(r);
    if (dispatched)
        *dispatched = n;
    return ST_OK;
}
