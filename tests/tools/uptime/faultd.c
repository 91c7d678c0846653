/* faultd: a tiny HTTP server of the tests' own that misbehaves on purpose, for
 * tests/e2e/uptime_faults.sh. It listens on 127.0.0.1 (an ephemeral port, written to PORT_FILE),
 * forks per connection, and picks the fault from the first path segment:
 *   /503      Prometheus JSON error, HTTP 503 timeout      /401  text/plain Unauthorized
 *   /502      an HTML proxy page                           /stall  reads the request, never answers
 *   /garbage  200 application/json with bytes that are not JSON
 *   /huge     200 with a 50 MB body and Content-Length     /huge-stream  the same, no length
 *   /drip     200 then one byte every half second, forever /types  200 JSON of the wrong types
 *   /ok       a valid empty matrix                         /nan  a valid matrix, every value "NaN"
 *   /ctl/NAME/...  the fault named by the first line of CONTROL_DIR/NAME (e.g. "/stall"), read per
 *             request, so a test switches one client's fault at run time by rewriting that file
 *   /auth-basic   the empty matrix only with basic auth alice:s3cretpw, else 401 text/plain
 *   /auth-bearer  the empty matrix only with "Authorization: Bearer tok-123", else 401
 *   /echo     HTTP 500 text/plain whose body is the request's head (request line and headers,
 *             Authorization included), as a misconfigured server or debugging proxy answers
 *   /echo-json  the same head inside a Prometheus JSON error ("error": "...")
 * usage: faultd PORT_FILE [CONTROL_DIR [PORT]] (runs until killed; children die with it). PORT
 * binds a given port instead of an ephemeral one: a test can bring a dead port back to life. */
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

static const char *control_dir;

/* /ctl/NAME/rest -> the path written in CONTROL_DIR/NAME (unchanged when there is none). */
static void resolve_control(char *path, size_t size)
{
    if (!control_dir || strncmp(path, "/ctl/", 5) != 0)
        return;
    char name[64];
    size_t n = strcspn(path + 5, "/?");
    if (n == 0 || n >= sizeof name)
        return;
    memcpy(name, path + 5, n);
    name[n] = '\0';
    char file[512];
    snprintf(file, sizeof file, "%s/%s", control_dir, name);
    FILE *f = fopen(file, "r");
    if (!f)
        return;
    char want[256] = "";
    if (fgets(want, sizeof want, f))
        want[strcspn(want, "\r\n")] = '\0';
    fclose(f);
    if (want[0] == '/')
        snprintf(path, size, "%s", want);
}

/* NaN everywhere: the minutes the query asked for (start, end, step of its form body), each
 * "NaN". The body is read here; only /nan needs it. */
static void nan_matrix(int fd, char *req, size_t len, size_t size)
{
    char *body = strstr(req, "\r\n\r\n") + 4;
    const char *cl = strcasestr(req, "\r\nContent-Length:");
    size_t want = cl ? (size_t)atol(cl + 17) : 0;
    while ((size_t)(req + len - body) < want && len < size - 1) {
        ssize_t r = read(fd, req + len, size - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        req[len] = '\0';
    }
    const char *s = strstr(body, "&start="), *e = strstr(body, "&end="), *st = strstr(body, "&step=");
    long start = s ? atol(s + 7) : 0, end = e ? atol(e + 5) : 0, step = st ? atol(st + 6) : 60;
    if (step <= 0)
        step = 60;
    if (end < start || (end - start) / step > 11000)
        end = start;
    size_t cap = 128 + (size_t)((end - start) / step + 1) * 24, n = 0;
    char *out = malloc(cap);
    if (!out)
        _exit(1);
    n += (size_t)snprintf(out, cap,
                          "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{"
                          "\"metric\":{},\"values\":[");
    for (long t = start; t <= end && s; t += step)
        n += (size_t)snprintf(out + n, cap - n, "%s[%ld,\"NaN\"]", t == start ? "" : ",", t);
    snprintf(out + n, cap - n, "]}]}}");
    respond(fd, 200, "application/json", out);
    free(out);
}

/* The request's head (up to the blank line) sent back in an HTTP 500: raw as text/plain, or
 * escaped into a Prometheus JSON error. */
static void echo_head(int fd, const char *req, bool json)
{
    const char *end = strstr(req, "\r\n\r\n");
    size_t n = end ? (size_t)(end - req) : strlen(req);
    char body[8192 * 6 + 128];
    size_t k = 0;
    if (json)
        k += (size_t)snprintf(body, sizeof body, "{\"status\":\"error\",\"errorType\":\"internal\",\"error\":\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)req[i];
        if (json && (ch < 0x20 || ch == '"' || ch == '\\'))
            k += (size_t)snprintf(body + k, sizeof body - k, "\\u%04x", ch);
        else
            body[k++] = (char)ch;
    }
    k += (size_t)snprintf(body + k, sizeof body - k, "%s", json ? "\"}" : "\n");
    respond(fd, 500, json ? "application/json" : "text/plain", body);
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
    resolve_control(path, sizeof path);
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
    } else if (strncmp(path, "/nan", 4) == 0)
        nan_matrix(fd, req, len, sizeof req);
    else if (strncmp(path, "/echo", 5) == 0)
        echo_head(fd, req, strncmp(path, "/echo-json", 10) == 0);
    else if (strncmp(path, "/ok", 3) == 0)
        respond(fd, 200, "application/json",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}");
    else
        respond(fd, 404, "text/plain", "404 page not found\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: faultd PORT_FILE [CONTROL_DIR [PORT]]\n");
        return 2;
    }
    control_dir = argc > 2 ? argv[2] : NULL;
    signal(SIGCHLD, SIG_IGN); /* no zombies */
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (argc > 3)
        a.sin_port = htons((uint16_t)atoi(argv[3]));
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
