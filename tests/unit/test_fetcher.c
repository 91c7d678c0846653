/* The fetcher without a network: file:// transfers, the size cap, a stalled peer (timeout), a
 * refused connection (retries), redaction, secret files and the extra descriptor. */
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
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(s, 8), 0);
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    char *url = xasprintf("http://user:hunter2@127.0.0.1:%d/api/v1/query_range", ntohs(a.sin_port));
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
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    close(s); /* nothing listens there now */
    char *url = xasprintf("http://127.0.0.1:%d/", ntohs(a.sin_port));
    fetch_request req = {.url = url, .timeout_s = 2, .max_retries = 2};
    fetch_result r = fetch1(&req);
    cr_assert_eq(r.err.code, ST_NET);
    cr_assert_eq(r.attempts, 3);
    cr_assert(strstr(r.err.msg, "after 3 attempts"), "%s", r.err.msg);
    fetch_result_done(&r);
    free(url);
}

Test(fetcher, wait_reports_the_extra_descriptor)
{
    fetcher *f;
    st_err err;
    cr_assert_eq(fetcher_new(&f, &err), ST_OK);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    bool ready = true;
    st_mono t0 = mono_now();
    cr_assert_eq(fetcher_wait(f, 50, p[0], &ready, &err), ST_OK);
    cr_assert_not(ready);
    cr_assert_geq(mono_now() - t0, 40000000);
    cr_assert_eq(write(p[1], "k", 1), 1);
    cr_assert_eq(fetcher_wait(f, 5000, p[0], &ready, &err), ST_OK);
    cr_assert(ready);
    int active = -1;
    cr_assert_eq(fetcher_perform(f, &active, &err), ST_OK);
    cr_assert_eq(active, 0);
    close(p[0]);
    close(p[1]);
    fetcher_free(f);
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
