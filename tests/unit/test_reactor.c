/* The reactor on its own: timers fire earliest first and never early, a pipe's readiness is
 * dispatched, and events deleted from inside a callback (its own or another's) stay quiet. */
#include <criterion/criterion.h>
#include <unistd.h>

#include "slatop/reactor.h"

typedef struct {
    char order[16];
    int n;
    int64_t victim; /* a timer the callback deletes */
    int victim_fd;  /* a descriptor the callback unwatches; -1: none */
} log_t;

static void on_timer(reactor *r, int64_t id, void *data)
{
    (void)r;
    log_t *l = data;
    l->order[l->n++] = (char)('a' + id % 26);
    if (l->victim)
        reactor_timer_del(r, l->victim);
}

static void drain(reactor *r, st_mono until)
{
    st_err err;
    while (mono_now() < until)
        cr_assert_eq(reactor_wait_once(r, (int)((until - mono_now()) / 1000000) + 1, NULL, &err), ST_OK);
}

Test(reactor, timers_fire_in_deadline_order_and_not_early)
{
    reactor *r = reactor_new();
    log_t l = {.victim_fd = -1};
    st_mono t0 = mono_now();
    /* ids 1, 2, 3 ('b', 'c', 'd') added out of deadline order */
    reactor_timer_add(r, t0 + 30000000, on_timer, &l);
    reactor_timer_add(r, t0 + 10000000, on_timer, &l);
    reactor_timer_add(r, t0 + 20000000, on_timer, &l);
    st_err err;
    int n = -1;
    cr_assert_eq(reactor_wait_once(r, -1, &n, &err), ST_OK);
    cr_assert_geq(mono_now() - t0, 10000000, "woke before the earliest timer");
    cr_assert_geq(n, 1);
    drain(r, t0 + 60000000);
    cr_assert_eq(l.n, 3);
    cr_assert_str_eq(l.order, "cdb");
    /* Nothing left to wait for: returns at once. */
    st_mono t1 = mono_now();
    cr_assert_eq(reactor_wait_once(r, -1, &n, &err), ST_OK);
    cr_assert_eq(n, 0);
    cr_assert_lt(mono_now() - t1, 5000000);
    reactor_free(r);
}

Test(reactor, max_wait_bounds_the_sleep)
{
    reactor *r = reactor_new();
    log_t l = {.victim_fd = -1};
    reactor_timer_in(r, 5000, on_timer, &l);
    st_mono t0 = mono_now();
    st_err err;
    int n = -1;
    cr_assert_eq(reactor_wait_once(r, 20, &n, &err), ST_OK);
    cr_assert_eq(n, 0);
    cr_assert_geq(mono_now() - t0, 15000000);
    cr_assert_lt(mono_now() - t0, 1000000000);
    reactor_free(r);
}

Test(reactor, deleted_timers_never_fire)
{
    reactor *r = reactor_new();
    log_t l = {.victim_fd = -1};
    int64_t a = reactor_timer_in(r, 5, on_timer, &l);
    int64_t b = reactor_timer_in(r, 10, on_timer, &l);
    reactor_timer_del(r, a);
    /* b's callback deletes c, which is due in the same turn. */
    int64_t c = reactor_timer_in(r, 12, on_timer, &l);
    l.victim = c;
    usleep(30000);
    st_err err;
    cr_assert_eq(reactor_wait_once(r, 0, NULL, &err), ST_OK);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(l.order[0], 'a' + b % 26);
    reactor_timer_del(r, b); /* already fired: nothing */
    reactor_timer_del(r, 0);
    reactor_free(r);
}

static void readd(reactor *r, int64_t id, void *data)
{
    (void)id;
    int *count = data;
    if (++*count < 3)
        reactor_timer_in(r, 0, readd, data);
}

Test(reactor, a_timer_added_by_a_callback_waits_for_the_next_turn)
{
    reactor *r = reactor_new();
    int count = 0;
    reactor_timer_in(r, 0, readd, &count);
    st_err err;
    cr_assert_eq(reactor_wait_once(r, 0, NULL, &err), ST_OK);
    cr_assert_eq(count, 1);
    cr_assert_eq(reactor_wait_once(r, 0, NULL, &err), ST_OK);
    cr_assert_eq(count, 2);
    reactor_free(r);
}

typedef struct {
    int calls;
    int mask;
    int unwatch; /* descriptor to unwatch from the callback; -1: none */
} fd_log;

static void on_fd(reactor *r, int fd, int mask, void *data)
{
    fd_log *l = data;
    l->calls++;
    l->mask = mask;
    char c;
    if (mask & REACTOR_READABLE)
        cr_assert_eq(read(fd, &c, 1), 1);
    if (l->unwatch >= 0)
        reactor_unwatch(r, l->unwatch);
}

Test(reactor, a_pipe_becomes_readable)
{
    reactor *r = reactor_new();
    int p[2];
    cr_assert_eq(pipe(p), 0);
    fd_log l = {.unwatch = -1};
    st_err err;
    cr_assert_eq(reactor_watch(r, p[0], REACTOR_READABLE, on_fd, &l, &err), ST_OK);
    int n = -1;
    st_mono t0 = mono_now();
    cr_assert_eq(reactor_wait_once(r, 30, &n, &err), ST_OK);
    cr_assert_eq(n, 0);
    cr_assert_eq(l.calls, 0);
    cr_assert_geq(mono_now() - t0, 25000000);
    cr_assert_eq(write(p[1], "k", 1), 1);
    t0 = mono_now();
    cr_assert_eq(reactor_wait_once(r, 5000, &n, &err), ST_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(l.calls, 1);
    cr_assert_eq(l.mask, REACTOR_READABLE);
    cr_assert_lt(mono_now() - t0, 1000000000);
    /* The write end is always writable. */
    fd_log w = {.unwatch = -1};
    cr_assert_eq(reactor_watch(r, p[1], REACTOR_WRITABLE, on_fd, &w, &err), ST_OK);
    cr_assert_eq(reactor_wait_once(r, 1000, &n, &err), ST_OK);
    cr_assert_eq(w.calls, 1);
    cr_assert_eq(w.mask, REACTOR_WRITABLE);
    cr_assert_eq(l.calls, 1);
    cr_assert_eq(reactor_watch(r, -1, REACTOR_READABLE, on_fd, &l, &err), ST_USAGE);
    cr_assert_eq(reactor_watch(r, p[0], 4, on_fd, &l, &err), ST_USAGE);
    reactor_free(r);
    close(p[0]);
    close(p[1]);
}

Test(reactor, a_descriptor_unwatched_from_a_callback_is_not_dispatched)
{
    reactor *r = reactor_new();
    int a[2], b[2];
    cr_assert_eq(pipe(a), 0);
    cr_assert_eq(pipe(b), 0);
    /* Both ready in the same turn; whichever runs first unwatches the other. */
    fd_log la = {.unwatch = b[0]}, lb = {.unwatch = a[0]};
    st_err err;
    cr_assert_eq(reactor_watch(r, a[0], REACTOR_READABLE, on_fd, &la, &err), ST_OK);
    cr_assert_eq(reactor_watch(r, b[0], REACTOR_READABLE, on_fd, &lb, &err), ST_OK);
    cr_assert_eq(write(a[1], "x", 1), 1);
    cr_assert_eq(write(b[1], "y", 1), 1);
    int n = -1;
    cr_assert_eq(reactor_wait_once(r, 1000, &n, &err), ST_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(la.calls + lb.calls, 1);
    /* A callback that unwatches itself is not called again. */
    fd_log self = {.unwatch = a[0]};
    cr_assert_eq(reactor_watch(r, a[0], REACTOR_READABLE, on_fd, &self, &err), ST_OK);
    cr_assert_eq(write(a[1], "xx", 2), 2);
    cr_assert_eq(reactor_wait_once(r, 1000, &n, &err), ST_OK);
    cr_assert_eq(self.calls, 1);
    cr_assert_eq(reactor_wait_once(r, 20, &n, &err), ST_OK);
    cr_assert_eq(n, 0);
    cr_assert_eq(self.calls, 1);
    reactor_free(r);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
}
