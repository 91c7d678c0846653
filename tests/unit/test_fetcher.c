/* The fetcher without a network: file:// transfers, the size cap, a stalled peer (timeout), a
 * refused connection (retries), redaction, secret files, and the socket interface on a reactor. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slatop/fetcher.h"
#include "slatop/reactor.h"

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/slatop-fetch-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static char *write_file(const char *name, const char *content, size_t len, mode_t mode)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(content, 1, len, f), len);
    fclose(f);
    chmod(path, mode);
    return path;
}

/* One transfer to completion. */
static fetch_result fetch1(const fetch_request *req)
{
    fetcher *f;
    st_err err;
    cr_assert_eq(fetcher_new(&f, &err), ST_OK);
    cr_assert_eq(fetcher_add(f, req, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(fetcher_run(f, &err), ST_OK, "%s", err.msg);
    fetch_result r;
    cr_assert(fetcher_take_finished(f, &r));
    fetch_result no;
    cr_assert_not(fetcher_take_finished(f, &no));
    fetcher_free(f);
    return r;
}

/* A loopback port: listening but never accepting (listen_on: the socket, to close), or where
 * nothing listens (-1). */
static int loopback(bool listen_on, int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    if (listen_on)
        cr_assert_eq(listen(s, 8), 0);
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    *port = ntohs(a.sin_port);
    if (listen_on)
        return s;
    close(s);
    return -1;
}

TestSuite(fetcher, .init = setup, .fini = teardown, .timeout = 30);

Test(fetcher, file_url_reads_the_body)
{
    char *path = write_file("a.json", "{\"status\":\"success\"}", 20, 0644);
    char *url = xasprintf("file://%s", path);
    fetch_request req = {.url = url, .index = 7};
    fetch_result r = fetch1(&req);
    cr_assert_eq(r.err.code, ST_OK, "%s", r.err.msg);
    cr_assert_eq(r.index, 7);
    cr_assert_eq(r.len, 20);
    cr_assert_str_eq(r.body, "{\"status\":\"success\"}");
    fetch_result_done(&r);
    free(url);
    free(path);
}

Test(fetcher, missing_file_names_the_url)
{
    char *url = xasprintf("file://%s/nope.json", dir);
    fetch_request req = {.url = url};
    fetch_result r = fetch1(&req);
    cr_assert_eq(r.err.code, ST_NET);
    cr_assert(strstr(r.err.msg, url), "%s", r.err.msg);
    fetch_result_done(&r);
    free(url);
}

Test(fetcher, size_cap)
{
    char *big = malloc(100000);
    memset(big, 'x', 100000);
    char *path = write_file("big", big, 100000, 0644);
    char *url = xasprintf("file://%s", path);
    fetch_request req = {.url = url, .max_bytes = 50000};
    fetch_result r = fetch1(&req);
    cr_assert_eq(r.err.code, ST_NET);
    cr_assert(strstr(r.err.msg, "size cap"), "%s", r.err.msg);
    fetch_result_done(&r);
    free(url);
    free(path);
    free(big);
}

Test(fetcher, unsupported_scheme_refused)
{
    fetcher *f;
    st_err err;
    cr_assert_eq(fetcher_new(&f, &err), ST_OK);
    fetch_request req = {.url = "ftp://u:secret@example/x"};
    cr_assert_eq(fetcher_add(f, &req, &err), ST_USAGE);
    cr_assert_null(strstr(err.msg, "secret"), "%s", err.msg);
    cr_assert(strstr(err.msg, "ftp://REDACTED@example/x"), "%s", err.msg);
    fetcher_free(f);
}

/* A listening socket that never accepts: connect succeeds (backlog), nothing is ever answered. */
Test(fetcher, stalled_server_times_out)
{
    int port;
    int s = loopback(true, &port);
    char *url = xasprintf("http://user:hunter2@127.0.0.1:%d/api/v1/query_range", port);
    fetch_request req = {.url = url, .timeout_s = 1, .max_retries = 2, .post_body = "query=up"};
    st_mono t0 = mono_now();
    fetch_result r = fetch1(&req);
    double secs = (double)(mono_now() - t0) / 1e9;
    cr_assert_eq(r.err.code, ST_NET);
    cr_assert(strstr(r.err.msg, "timed out after 1 s"), "%s", r.err.msg);
    cr_assert_null(strstr(r.err.msg, "hunter2"), "%s", r.err.msg);
    cr_assert(strstr(r.err.msg, "http://REDACTED@127.0.0.1"), "%s", r.err.msg);
    cr_assert_lt(secs, 2.5, "timeouts are not retried: took %.2f s", secs);
    fetch_result_done(&r);
    free(url);
    close(s);
}

Test(fetcher, refused_connection_is_retried_then_reported)
{
    int port;
    loopback(false, &port);
    char *url = xasprintf("http://127.0.0.1:%d/", port);
    fetch_request req = {.url = url, .timeout_s = 2, .max_retries = 2};
    fetch_result r = fetch1(&req);
    cr_assert_eq(r.err.code, ST_NET);
    cr_assert_eq(r.attempts, 3);
    cr_assert(strstr(r.err.msg, "after 3 attempts"), "%s", r.err.msg);
    fetch_result_done(&r);
    free(url);
}

/* The socket interface wired to a reactor, as the console does: curl's sockets and timer are
 * reactor events. */
typedef struct {
    reactor *r;
    fetcher *f;
    int64_t timer;
    int watched; /* descriptors curl has asked to watch, now */
} io_glue;

static void glue_fd(reactor *r, int fd, int mask, void *data)
{
    (void)r;
    io_glue *g = data;
    st_err err;
    int ev = (mask & REACTOR_READABLE ? FETCH_IO_IN : 0) | (mask & REACTOR_WRITABLE ? FETCH_IO_OUT : 0);
    cr_assert_eq(fetcher_socket_action(g->f, fd, ev, &err), ST_OK, "%s", err.msg);
}

static void glue_timer(reactor *r, int64_t id, void *data)
{
    (void)r;
    (void)id;
    io_glue *g = data;
    g->timer = 0;
    st_err err;
    cr_assert_eq(fetcher_timeout(g->f, &err), ST_OK, "%s", err.msg);
}

static void glue_watch(void *data, int fd, int events)
{
    io_glue *g = data;
    st_err err;
    if (!events) {
        reactor_unwatch(g->r, fd);
        g->watched--;
        return;
    }
    int mask = (events & FETCH_IO_IN ? REACTOR_READABLE : 0) | (events & FETCH_IO_OUT ? REACTOR_WRITABLE : 0);
    cr_assert_eq(reactor_watch(g->r, fd, mask, glue_fd, g, &err), ST_OK);
    g->watched++; /* counts re-registrations too: only "> 0" is asserted */
}

static void glue_set_timer(void *data, int ms)
{
    io_glue *g = data;
    reactor_timer_del(g->r, g->timer);
    g->timer = ms < 0 ? 0 : reactor_timer_in(g->r, ms, glue_timer, g);
}

static void on_key(reactor *r, int fd, int mask, void *data)
{
    (void)r;
    (void)mask;
    char c;
    cr_assert_eq(read(fd, &c, 1), 1);
    ++*(int *)data;
}

static void glue_open(io_glue *g)
{
    st_err err;
    g->r = reactor_new();
    cr_assert_eq(fetcher_new(&g->f, &err), ST_OK);
    fetch_io io = {.watch = glue_watch, .timer = glue_set_timer, .data = g};
    cr_assert_eq(fetcher_set_io(g->f, &io, &err), ST_OK, "%s", err.msg);
}

/* Waits in the reactor (as the console's loop) until the transfer finishes. */
static fetch_result glue_run(io_glue *g, double max_s)
{
    st_err err;
    fetch_result r;
    st_mono end = mono_now() + (st_mono)(max_s * 1e9);
    while (!fetcher_take_finished(g->f, &r)) {
        cr_assert_lt(mono_now(), end, "the transfer never finished");
        cr_assert_eq(reactor_wait_once(g->r, 1000, NULL, &err), ST_OK);
    }
    return r;
}

static void glue_close(io_glue *g)
{
    fetcher_free(g->f);
    reactor_free(g->r);
}

Test(fetcher, socket_interface_keeps_keys_moving_while_a_peer_stalls)
{
    int port;
    int s = loopback(true, &port);
    char *url = xasprintf("http://127.0.0.1:%d/", port);
    io_glue g = {0};
    glue_open(&g);
    int keys[2], n_keys = 0;
    cr_assert_eq(pipe(keys), 0);
    st_err err;
    cr_assert_eq(reactor_watch(g.r, keys[0], REACTOR_READABLE, on_key, &n_keys, &err), ST_OK);
    fetch_request req = {.url = url, .timeout_s = 1};
    cr_assert_eq(fetcher_add(g.f, &req, &err), ST_OK, "%s", err.msg);
    /* A key while the transfer is in flight is dispatched at once. */
    for (int i = 0; i < 5; i++)
        cr_assert_eq(reactor_wait_once(g.r, 50, NULL, &err), ST_OK);
    cr_assert_gt(g.watched, 0, "curl's socket is a reactor event");
    cr_assert_eq(write(keys[1], "k", 1), 1);
    st_mono t0 = mono_now();
    cr_assert_eq(reactor_wait_once(g.r, 5000, NULL, &err), ST_OK);
    cr_assert_eq(n_keys, 1);
    cr_assert_lt(mono_now() - t0, 200000000);
    /* curl's own timer ends the stalled transfer. */
    fetch_result r = glue_run(&g, 5);
    cr_assert_eq(r.err.code, ST_NET);
    cr_assert(strstr(r.err.msg, "timed out after 1 s"), "%s", r.err.msg);
    fetch_result_done(&r);
    glue_close(&g);
    close(keys[0]);
    close(keys[1]);
    free(url);
    close(s);
}

Test(fetcher, socket_interface_retries_and_reads_files)
{
    int port;
    loopback(false, &port);
    char *url = xasprintf("http://127.0.0.1:%d/", port);
    io_glue g = {0};
    glue_open(&g);
    st_err err;
    fetch_request req = {.url = url, .timeout_s = 2, .max_retries = 2};
    cr_assert_eq(fetcher_add(g.f, &req, &err), ST_OK, "%s", err.msg);
    st_mono t0 = mono_now();
    fetch_result r = glue_run(&g, 10);
    cr_assert_eq(r.err.code, ST_NET);
    cr_assert_eq(r.attempts, 3);
    cr_assert_geq(mono_now() - t0, 1400000000, "the backoff (0.5 s, 1 s) is the reactor's timer");
    fetch_result_done(&r);
    char *path = write_file("b.json", "{}", 2, 0644);
    char *furl = xasprintf("file://%s", path);
    fetch_request freq = {.url = furl, .index = 3};
    cr_assert_eq(fetcher_add(g.f, &freq, &err), ST_OK, "%s", err.msg);
    r = glue_run(&g, 5);
    cr_assert_eq(r.err.code, ST_OK, "%s", r.err.msg);
    cr_assert_eq(r.index, 3);
    cr_assert_str_eq(r.body, "{}");
    fetch_result_done(&r);
    glue_close(&g);
    free(furl);
    free(path);
    free(url);
}

Test(fetcher, redaction)
{
    char *r = fetch_redact_url("https://alice:s3cr%40t@prom.example:9090/p?q=1");
    cr_assert_str_eq(r, "https://REDACTED@prom.example:9090/p?q=1");
    free(r);
    r = fetch_redact_url("http://prom:9090/a@b");
    cr_assert_str_eq(r, "http://prom:9090/a@b");
    free(r);
    /* Secret query parameters keep their names; their values go. */
    r = fetch_redact_url("https://status.example/api?page=2&api_key=k3y&Access_Token=t0k&password=p&x=1#frag");
    cr_assert_str_eq(r, "https://status.example/api?page=2&api_key=REDACTED&Access_Token=REDACTED&password=REDACTED&x=1#frag");
    free(r);
    r = fetch_redact_url("http://u:p@h/?secret=s&key=&token");
    cr_assert_str_eq(r, "http://REDACTED@h/?secret=REDACTED&key=REDACTED&token");
    free(r);
}

Test(fetcher, secret_files)
{
    char *open_path = write_file("pw-open", "hunter2\n", 8, 0644);
    char *ok_path = write_file("pw", "hunter2\n", 8, 0600);
    char *tok_path = write_file("tok", "tok123", 6, 0400);
    fetch_auth a;
    st_err err;
    cr_assert_eq(fetch_auth_load("alice", open_path, NULL, &a, &err), ST_INVALID);
    char *want = xasprintf("%s: readable by group or others; run chmod 600 %s", open_path, open_path);
    cr_assert_str_eq(err.msg, want);
    free(want);
    cr_assert_eq(fetch_auth_load("alice", ok_path, tok_path, &a, &err), ST_OK, "%s", err.msg);
    cr_assert_str_eq(a.username, "alice");
    cr_assert_str_eq(a.password, "hunter2");
    cr_assert_str_eq(a.bearer, "tok123");
    fetch_auth_done(&a);
    setenv("SLATOP_PROM_PASSWORD", "envpw", 1);
    setenv("SLATOP_PROM_TOKEN", "envtok", 1);
    cr_assert_eq(fetch_auth_load("bob", NULL, NULL, &a, &err), ST_OK);
    cr_assert_str_eq(a.password, "envpw");
    cr_assert_str_eq(a.bearer, "envtok");
    fetch_auth_done(&a);
    cr_assert_eq(fetch_auth_load(NULL, NULL, NULL, &a, &err), ST_OK);
    cr_assert_null(a.password); /* no username: no basic auth */
    fetch_auth_done(&a);
    unsetenv("SLATOP_PROM_PASSWORD");
    unsetenv("SLATOP_PROM_TOKEN");
    free(open_path);
    free(ok_path);
    free(tok_path);
}
