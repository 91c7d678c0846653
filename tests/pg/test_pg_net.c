/* test_pg_net: the network side of a PostgreSQL connection (SPEC §10, pg_net.c), on the real
 * socket of a real connection over TCP to the throwaway server (run under tests/pg/pg_server.sh
 * run with SLATOP_PG_TCP=1: it listens on 127.0.0.1:$PGPORT). The store's watch descriptor is the
 * connection's socket: its options are read back with getsockopt, so what is checked is what the
 * kernel was told, not what slatop meant to ask. */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "slatop/store.h"
#include "slatop/store_search.h"
#include "slatop/util.h"
/* the backend itself, for pg_run_within (store_backend.h: a backend's own tests include it) */
#include "../../src/store/pg/pg_internal.h"
#include "../../src/store/store_backend.h"

typedef struct {
    int keepalive, idle, interval, count, user_timeout;
} sock_opts;

static sock_opts read_opts(int fd)
{
    sock_opts o = {-1, -1, -1, -1, -1};
    socklen_t len = sizeof(int);
    cr_assert_eq(getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &o.keepalive, &len), 0);
    cr_assert_eq(getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &o.idle, &len), 0);
    cr_assert_eq(getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &o.interval, &len), 0);
    cr_assert_eq(getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &o.count, &len), 0);
    cr_assert_eq(getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &o.user_timeout, &len), 0);
    return o;
}

/* A database of the test's own on host:PGPORT, with query appended to the locator. */
static char *locator(const char *host, const char *name, const char *query)
{
    const char *port = getenv("PGPORT");
    cr_assert(port && *port, "run under pg_server.sh run with SLATOP_PG_TCP=1");
    return xasprintf("postgresql://%s:%s/net_%d_%s?user=slatop%s", host, port, (int)getpid(), name, query);
}

static st_store *open_at(const char *loc, store_mode mode)
{
    st_store *s = NULL;
    st_err err = {0};
    cr_assert_eq(store_open(loc, mode, &s, &err), ST_OK, "%s: %s", loc, err.msg);
    return s;
}

/* The connection's socket: TCP to the server's port, at an IPv4 or IPv6 loopback address. */
static int tcp_socket(st_store *s)
{
    int fd = store_watch_fd(s);
    cr_assert_geq(fd, 0);
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    cr_assert_eq(getpeername(fd, (struct sockaddr *)&peer, &len), 0);
    cr_assert(peer.ss_family == AF_INET || peer.ss_family == AF_INET6, "not a TCP connection");
    int port = ntohs(peer.ss_family == AF_INET ? ((struct sockaddr_in *)&peer)->sin_port
                                               : ((struct sockaddr_in6 *)&peer)->sin6_port);
    cr_assert_eq(port, atoi(getenv("PGPORT")));
    return fd;
}

static void drop(st_store *s, const char *loc)
{
    st_err err = {0};
    store_close(s);
    cr_assert_eq(store_remove(loc, &err), ST_OK, "%s", err.msg);
}

/* A connection over TCP to 127.0.0.1 with query in its locator carries want's options. */
static void expect_opts(const char *name, const char *query, sock_opts want)
{
    char *loc = locator("127.0.0.1", name, query);
    st_store *s = open_at(loc, STORE_OPEN_CREATE);
    sock_opts o = read_opts(tcp_socket(s));
    cr_expect_eq(o.keepalive, want.keepalive, "%s: SO_KEEPALIVE %d", name, o.keepalive);
    cr_expect_eq(o.idle, want.idle, "%s: TCP_KEEPIDLE %d", name, o.idle);
    cr_expect_eq(o.interval, want.interval, "%s: TCP_KEEPINTVL %d", name, o.interval);
    cr_expect_eq(o.count, want.count, "%s: TCP_KEEPCNT %d", name, o.count);
    cr_expect_eq(o.user_timeout, want.user_timeout, "%s: TCP_USER_TIMEOUT %d", name, o.user_timeout);
    drop(s, loc);
    free(loc);
}

Test(pg_net, defaults_reach_the_socket)
{
    expect_opts("defaults", "", (sock_opts){1, 10, 5, 3, 15000});
}

/* The locator's values win; the others keep slatop's defaults. keepalives=0 is a value too. */
Test(pg_net, the_locators_values_win)
{
    expect_opts("locator", "&keepalives_idle=42&tcp_user_timeout=7000", (sock_opts){1, 42, 5, 3, 7000});
    /* Without keepalives libpq sets none of their timings, nor tcp_user_timeout (libpq 15 sets it
     * in the same step): the kernel's own stay. */
    int fresh = socket(AF_INET, SOCK_STREAM, 0);
    sock_opts kernel = read_opts(fresh);
    close(fresh);
    expect_opts("nokeep", "&keepalives=0", (sock_opts){0, kernel.idle, kernel.interval, kernel.count, kernel.user_timeout});
}

Test(pg_net, the_service_files_values_win)
{
    char dir[] = "/tmp/slatop-pgnet-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *file = xasprintf("%s/pg_service.conf", dir);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("[slatop_net]\ntcp_user_timeout=9000\nkeepalives_count=7\n", f);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(setenv("PGSERVICEFILE", file, 1), 0);
    cr_assert_eq(setenv("PGSERVICE", "slatop_net", 1), 0);
    /* what the service leaves unset keeps slatop's default */
    expect_opts("service", "", (sock_opts){1, 10, 5, 7, 9000});
    unlink(file);
    rmdir(dir);
    free(file);
}

static void server(const char *verb)
{
    char *cmd = xasprintf("sh '%s/tests/pg/pg_server.sh' %s '%s'", SLATOP_SOURCE_DIR, verb, getenv("SLATOP_PG_DIR"));
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    free(cmd);
}

/* The server stopped under s until s notices (its socket reads EOF), then started again. */
static void outage(st_store *s)
{
    server("halt");
    char msg[128];
    st_mono give_up = mono_now() + 10 * (st_mono)1000000000;
    while (!store_unreachable(s, msg, sizeof msg) && mono_now() < give_up) {
        struct pollfd p = {.fd = store_watch_fd(s), .events = POLLIN};
        poll(&p, p.fd >= 0 ? 1 : 0, store_watch_timeout_ms(s, 100));
        store_watch_due(s);
    }
    cr_assert(store_unreachable(s, msg, sizeof msg), "the outage was never noticed");
    server("resume");
}

/* The reconnect path with a host name (localhost, from /etc/hosts): resolved by getaddrinfo_a,
 * given to libpq as hostaddr beside host, and the new connection carries the same options. */
Test(pg_net, a_host_name_reconnects_with_the_same_options)
{
    char *loc = locator("localhost", "reconnect", "");
    st_store *s = open_at(loc, STORE_OPEN_CREATE);
    cr_expect_eq(read_opts(tcp_socket(s)).user_timeout, 15000);
    outage(s);
    bool back = false;
    st_mono give_up = mono_now() + 20 * (st_mono)1000000000;
    while (!back && mono_now() < give_up) {
        int wait = store_watch_timeout_ms(s, 1000);
        cr_assert_leq(wait, 5001, "the loop was told to sleep %d ms", wait);
        poll(NULL, 0, wait);
        back = store_watch_due(s);
    }
    cr_assert(back, "not reconnected within 20 s");
    sock_opts o = read_opts(tcp_socket(s));
    cr_expect_eq(o.keepalive, 1);
    cr_expect_eq(o.idle, 10);
    cr_expect_eq(o.user_timeout, 15000);
    char *v = NULL;
    st_err err = {0};
    cr_expect_eq(store_meta_get(s, "demo", &v, &err), ST_OK, "%s", err.msg);
    free(v);
    drop(s, loc);
    free(loc);
}

/* ---- a slow DNS server -------------------------------------------------------------------- */

#define DNS_DELAY_MS 2000

/* Answers every query on fd DNS_DELAY_MS after it arrives: A with 127.0.0.1, anything else with
 * no answer. Enough of RFC 1035 for glibc's stub resolver. */
static void *slow_dns(void *arg)
{
    int fd = *(int *)arg;
    for (;;) {
        unsigned char q[512];
        struct sockaddr_storage from;
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(fd, q, sizeof q - 16, 0, (struct sockaddr *)&from, &len);
        if (n < 12)
            continue;
        poll(NULL, 0, DNS_DELAY_MS);
        for (;;) { /* this query, then any that came meanwhile (glibc asks A and AAAA at once) */
            size_t end = 12;
            while (end < (size_t)n && q[end])
                end += q[end] + 1u;
            end += 5; /* the name's 0, QTYPE, QCLASS */
            if (end <= (size_t)n) {
                bool a = q[end - 4] == 0 && q[end - 3] == 1;
                q[2] = 0x81, q[3] = 0x80;                   /* a response, recursion available, no error */
                q[6] = 0, q[7] = a ? 1 : 0, q[8] = q[9] = q[10] = q[11] = 0;
                static const unsigned char answer[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 127, 0, 0, 1};
                size_t out = end;
                if (a) {
                    memcpy(q + end, answer, sizeof answer);
                    out += sizeof answer;
                }
                sendto(fd, q, out, 0, (struct sockaddr *)&from, len);
            }
            len = sizeof from;
            n = recvfrom(fd, q, sizeof q - 16, MSG_DONTWAIT, (struct sockaddr *)&from, &len);
            if (n < 12)
                break;
        }
    }
    return NULL;
}

/* In a mount namespace of this test's own (root only), /etc/resolv.conf names a DNS server at
 * 127.0.0.2 that takes DNS_DELAY_MS to answer; slowdb.test (not in /etc/hosts) then resolves to
 * 127.0.0.1 only that slowly. */
static void use_slow_dns(void)
{
    cr_assert_eq(geteuid(), 0, "this test needs root (a mount namespace for /etc/resolv.conf)");
    cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare(CLONE_NEWNS)");
    cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    char conf[] = "/tmp/slatop-pgnet-resolv-XXXXXX";
    int cfd = mkstemp(conf);
    cr_assert_geq(cfd, 0);
    static const char text[] = "nameserver 127.0.0.2\noptions timeout:5 attempts:1\n";
    cr_assert_eq(write(cfd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(cfd);
    cr_assert_eq(mount(conf, "/etc/resolv.conf", NULL, MS_BIND, NULL), 0, "bind-mounting %s", conf);
    unlink(conf);
    static int fd;
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, "127.0.0.2", &at.sin_addr);
    cr_assert_eq(bind(fd, (struct sockaddr *)&at, sizeof at), 0, "binding 127.0.0.2:53");
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, slow_dns, &fd), 0);
    pthread_detach(t);
}

/* The console's loop while the server's name takes 2 s to resolve: no call into the store during
 * the reconnect takes long (libpq alone would have resolved the name inside PQconnectStartParams,
 * holding the loop for the whole lookup), and it reconnects. The first connect may block (the
 * console has no screen yet): it is timed to show the lookup really is slow. */
Test(pg_net, a_slow_dns_lookup_never_stalls_the_reconnect)
{
    use_slow_dns();
    char *loc = locator("slowdb.test", "slowdns", "");
    st_mono t0 = mono_now();
    st_store *s = open_at(loc, STORE_OPEN_CREATE);
    int64_t first_ms = (mono_now() - t0) / 1000000;
    cr_assert_geq(first_ms, DNS_DELAY_MS - 100, "the first connect took %lld ms: the lookup was not slow",
                  (long long)first_ms);
    outage(s);
    bool back = false;
    int64_t longest_us = 0;
    int calls = 0;
    st_mono give_up = mono_now() + 30 * (st_mono)1000000000;
    while (!back && mono_now() < give_up) {
        poll(NULL, 0, store_watch_timeout_ms(s, 1000));
        st_mono c0 = mono_now();
        back = store_watch_due(s);
        int64_t us = (mono_now() - c0) / 1000;
        longest_us = us > longest_us ? us : longest_us;
        calls++;
    }
    cr_assert(back, "not reconnected within 30 s");
    cr_log_info("reconnected through a %d ms lookup: %d calls, the longest %lld us", DNS_DELAY_MS, calls,
                (long long)longest_us);
    cr_expect_lt(longest_us, 200000, "one call into the store held the loop for %lld us", (long long)longest_us);
    cr_expect_gt(calls, 20, "the loop was not stepped while the name resolved (%d calls)", calls);
    sock_opts o = read_opts(tcp_socket(s));
    cr_expect_eq(o.user_timeout, 15000);
    drop(s, loc);
    free(loc);
}

/* A read the caller abandons (store_set_cancel): the server cancels the statement, the read fails
 * with ST_BUSY "interrupted" at once, and the connection goes on. The read is held up for real:
 * psql takes the tickets table's lock and keeps it 3 s. */
static bool stop_after(void *ctx)
{
    return mono_now() >= *(st_mono *)ctx;
}

Test(pg_net, a_read_is_abandoned_when_the_caller_says_so, .timeout = 60)
{
    char *loc = locator("127.0.0.1", "cancel", "");
    st_store *s = open_at(loc, STORE_OPEN_CREATE);
    char dir[] = "/tmp/slatop-pgcancel-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *script = xasprintf("%s/lock.sql", dir), *locked = xasprintf("%s/locked", dir);
    FILE *f = fopen(script, "w");
    cr_assert_not_null(f);
    fprintf(f, "BEGIN;\nLOCK TABLE tickets IN ACCESS EXCLUSIVE MODE;\n\\! touch '%s'\nSELECT pg_sleep(3);\nCOMMIT;\n",
            locked);
    cr_assert_eq(fclose(f), 0);
    char *cmd = xasprintf("p=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -1);"
                          " \"$p\" -X -q -d '%s' -f '%s' > /dev/null 2>&1 &",
                          loc, script);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    st_mono give_up = mono_now() + 20 * (st_mono)1000000000;
    while (access(locked, F_OK) != 0 && mono_now() < give_up)
        usleep(10000);
    cr_assert_eq(access(locked, F_OK), 0, "psql never took the lock");

    st_mono t0 = mono_now(), stop = t0 + 100 * (st_mono)1000000;
    cr_assert(store_set_cancel(s, stop_after, &stop), "PostgreSQL's reads can be abandoned");
    st_ticket *ts = NULL;
    size_t n = 0;
    st_err err = {0};
    st_code rc = store_ticket_search(s, NULL, STORE_SORT_URGENCY, 0, 25, &ts, &n, &err);
    double took_ms = (double)(mono_now() - t0) / 1e6;
    cr_assert_eq(rc, ST_BUSY, "the held-up read ended %d after %.0f ms: %s", rc, took_ms, err.msg);
    cr_expect(strstr(err.msg, "interrupted"), "%s", err.msg);
    cr_expect_lt(took_ms, 1500.0, "abandoned after %.0f ms, the lock is held 3,000 ms", took_ms);

    /* The connection goes on: a caller that never says stop gets the rows once the lock is gone. */
    st_mono never = t0 + 3600 * (st_mono)1000000000;
    store_set_cancel(s, stop_after, &never);
    rc = store_ticket_search(s, NULL, STORE_SORT_URGENCY, 0, 25, &ts, &n, &err);
    cr_assert_eq(rc, ST_OK, "%s", err.msg);
    free(ts);
    cr_expect_geq((double)(mono_now() - t0) / 1e6, 2000.0, "the second read did not wait for the lock");
    store_set_cancel(s, NULL, NULL);
    rc = store_ticket_search_count(s, NULL, (int64_t[]){0}, &err);
    cr_assert_eq(rc, ST_OK, "%s", err.msg);
    drop(s, loc);
    unlink(script);
    unlink(locked);
    rmdir(dir);
    free(cmd);
    free(script);
    free(locked);
    free(loc);
}

/* Every ticket through an ordered cursor: the scan a state filter makes (its rows come from the
 * store's second, reader connection, connected without blocking: a read returns no row, not
 * done, while its handshake is under way). */
static void scan_all(st_store *s, const char *when)
{
    store_ticket_cursor *c = NULL;
    st_err err = {0};
    cr_assert_eq(store_ticket_cursor_open_all(s, STORE_SORT_URGENCY, &c, &err), ST_OK, "%s: %s", when, err.msg);
    st_ticket rows[8];
    bool done = false;
    st_code rc = ST_OK;
    st_mono give_up = mono_now() + 10 * (st_mono)1000000000;
    while (!done && rc == ST_OK && mono_now() < give_up) {
        size_t n = 0;
        rc = store_ticket_cursor_next(c, rows, 8, &n, &done, &err);
        for (size_t i = 0; i < n; i++)
            ticket_done(&rows[i]);
    }
    store_ticket_cursor_close(c);
    cr_assert_eq(rc, ST_OK, "%s: %s", when, err.msg);
    cr_assert(done, "%s: an empty database's scan did not end within 10 s", when);
}

/* The reader connection, idle while the server restarted, looks fine until used: the first scan
 * after the restart connects it again instead of failing once. */
Test(pg_net, a_scan_after_a_server_restart_reads, .timeout = 120)
{
    char *loc = locator("127.0.0.1", "reader", "");
    st_store *s = open_at(loc, STORE_OPEN_CREATE);
    scan_all(s, "before the restart");
    outage(s);
    bool back = false;
    st_mono give_up = mono_now() + 20 * (st_mono)1000000000;
    while (!back && mono_now() < give_up) {
        poll(NULL, 0, store_watch_timeout_ms(s, 1000));
        back = store_watch_due(s);
    }
    cr_assert(back, "not reconnected within 20 s");
    scan_all(s, "after the restart");
    drop(s, loc);
    free(loc);
}

/* A read with a budget (pg_run_within, the search's few-matches read under a state filter): once
 * past its budget the statement is cancelled on the server and reported late, without an error,
 * and the connection goes on; a statement within its budget gives its rows. pg_sleep(120) could
 * not end within the test's 60 s otherwise. */
Test(pg_net, a_read_past_its_budget_is_cancelled_and_reported_late, .timeout = 60)
{
    char *loc = locator("127.0.0.1", "budget", "");
    st_store *s = open_at(loc, STORE_OPEN_CREATE);
    PGresult *r = NULL;
    bool late = false;
    st_err err = {0};
    cr_assert_eq(pg_run_within(s->be, "SELECT pg_sleep(120)", NULL, 50, &r, &late, "sleeping", &err), ST_OK, "%s",
                 err.msg);
    cr_expect(late, "the statement ran to its end");
    cr_expect_null(r);
    late = true;
    cr_assert_eq(pg_run_within(s->be, "SELECT 42", NULL, 10000, &r, &late, "answering", &err), ST_OK, "%s",
                 err.msg);
    cr_expect_not(late);
    cr_assert_not_null(r);
    cr_expect_str_eq(PQgetvalue(r, 0, 0), "42");
    PQclear(r);
    int64_t n = -1; /* and through the store, as before */
    cr_assert_eq(store_ticket_search_count(s, NULL, &n, &err), ST_OK, "%s", err.msg);
    cr_expect_eq(n, 0);
    drop(s, loc);
    free(loc);
}
