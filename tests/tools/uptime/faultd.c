/* faultd: a tiny HTTP server of the tests' own that misbehaves on purpose, for
 * tests/e2e/uptime_faults.sh. It listens on 127.0.0.1 (an ephemeral port, written to PORT_FILE),
 * forks per connection, and picks the fault from the first path segment:
 *   /503      Prometheus JSON error, HTTP 503 timeout      /401  text/plain Unauthorized
 *   /502      an HTML proxy page                           /stall  reads the request, never answers
 *   /garbage  200 application/json with bytes that are not JSON
 *   /huge     200 with a 50 MB body and Content-Length     /huge-stream  the same, no length
 *   /drip     200 then one byte every half second, forever /types  200 JSON of the wrong types
 *   /ok       a valid empty matrix
 *   /auth-basic   the empty matrix only with basic auth alice:s3cretpw, else 401 text/plain
 *   /auth-bearer  the empty matrix only with "Authorization: Bearer tok-123", else 401
 * usage: faultd PORT_FILE (runs until killed; children die with it). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void put(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            _exit(0);
        s += w;
        n -= (size_t)w;
    }
}

static void respond(int fd, int status, const char *type, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, type, strlen(body));
    put(fd, head, (size_t)n);
    put(fd, body, strlen(body));
}

/* Waits until the peer closes (or 30 s pass), so a stalled child never outlives its client. */
static void wait_for_close(int fd, int max_ms)
{
    char buf[512];
    for (int waited = 0; waited < max_ms; waited += 100) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) > 0 && read(fd, buf, sizeof buf) <= 0)
            return;
    }
}

static void big(int fd, bool with_length)
{
    const size_t total = (size_t)50 * 1024 * 1024;
    char head[256];
    int n = with_length
                ? snprintf(head, sizeof head,
                           "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                           "Connection: close\r\n\r\n",
                           total)
                : snprintf(head, sizeof head,
                           "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n");
    put(fd, head, (size_t)n);
    static char chunk[65536];
    memset(chunk, ' ', sizeof chunk);
    for (size_t sent = 0; sent < total; sent += sizeof chunk)
        put(fd, chunk, sizeof chunk);
}

static void serve(int fd)
{
    char req[8192] = "";
    size_t len = 0;
    while (len < sizeof req - 1 && !strstr(req, "\r\n\r\n")) {
        ssize_t r = read(fd, req + len, sizeof req - 1 - len);
        if (r <= 0)
            return;
        len += (size_t)r;
        req[len] = '\0';
    }
    char path[256] = "";
    sscanf(req, "%*s %255s", path);
    if (strncmp(path, "/503", 4) == 0)
        respond(fd, 503, "application/json",
                "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out in expression "
                "evaluation\"}");
    else if (strncmp(path, "/401", 4) == 0)
        respond(fd, 401, "text/plain; charset=utf-8", "Unauthorized\n");
    else if (strncmp(path, "/502", 4) == 0)
        respond(fd, 502, "text/html",
                "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>");
    else if (strncmp(path, "/stall", 6) == 0)
        wait_for_close(fd, 30000);
    else if (strncmp(path, "/garbage", 8) == 0)
        respond(fd, 200, "application/json", "\x01\x02 garbage {{{ \xff\xfe not json");
    else if (strncmp(path, "/huge-stream", 12) == 0)
        big(fd, false);
    else if (strncmp(path, "/huge", 5) == 0)
        big(fd, true);
    else if (strncmp(path, "/drip", 5) == 0) {
        const char *h =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{";
        put(fd, h, strlen(h));
        for (int i = 0; i < 120; i++) {
            usleep(500000);
            put(fd, " ", 1);
        }
    } else if (strncmp(path, "/types", 6) == 0)
        respond(fd, 200, "application/json",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
                "\"values\":[[\"1790812860\",0.5]]}]}}");
    else if (strncmp(path, "/auth-basic", 11) == 0 || strncmp(path, "/auth-bearer", 12) == 0) {
        const char *want = path[6] == 'b' && path[7] == 'a'
                               ? "\r\nAuthorization: Basic YWxpY2U6czNjcmV0cHc=\r\n"
                               : "\r\nAuthorization: Bearer tok-123\r\n";
        if (strstr(req, want))
            respond(fd, 200, "application/json",
                    "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}");
        else
            respond(fd, 401, "text/plain; charset=utf-8", "Unauthorized\n");
    } else if (strncmp(path, "/ok", 3) == 0)
        respond(fd, 200, "application/json",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}");
    else
        respond(fd, 404, "text/plain", "404 page not found\n");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: faultd PORT_FILE\n");
        return 2;
    }
    signal(SIGCHLD, SIG_IGN); /* no zombies */
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 64) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &al) != 0) {
        perror("faultd");
        return 1;
    }
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fprintf(f, "%d\n", ntohs(a.sin_port));
    fclose(f);
    pid_t parent = getpid();
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        pid_t pid = fork();
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(0);
            close(s);
            serve(c);
            close(c);
            _exit(0);
        }
        close(c);
    }
}
