/* Secrets (issue 6): password and token files readable by group or others are refused with a
 * message naming the file and saying to chmod 600; with 0600 files (and with the environment
 * variables) the secret never appears in any stdout or stderr of the commands run, not even when
 * the server echoes the request back (text/plain and JSON error bodies), nor on the console's screen
 * (raw pty bytes, dashboard open while the fetches fail); user:password@ in a URL is
 * redacted in errors. (The syslog copy cannot be read back in a test: not checked.) The database
 * file and the directories created for it are never world-writable, even under umask 000. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "../tools/reliability/relutil.h"

#define SECRET_PW "pw-Zq8xK3-never-show-me"
#define SECRET_TOKEN "tok-Hy7Lm2-never-show-me"
#define SECRET_ENV_PW "envpw-Rt5Vb9-never-show-me"
#define SECRET_URL_PW "urlpw-Pp4Jj1-never-show-me"

/* A server that answers every request with HTTP 500 whose body is the request itself (headers
 * included), as text/plain (json=false) or inside a Prometheus JSON error (json=true). */
static pid_t echo_server(bool json, int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(s >= 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(s, 16), 0);
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    *port = ntohs(a.sin_port);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid > 0) {
        close(s);
        return pid;
    }
    /* Never outlive the test (a failed assertion skips stop_server), never hold its output pipes. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, 1);
        dup2(devnull, 2);
        close(devnull);
    }
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        char req[16384];
        size_t n = 0;
        struct pollfd pf = {.fd = c, .events = POLLIN};
        while (n < sizeof req - 1 && poll(&pf, 1, 300) > 0) {
            ssize_t k = read(c, req + n, sizeof req - 1 - n);
            if (k <= 0)
                break;
            n += (size_t)k;
            req[n] = '\0';
            char *hdr_end = strstr(req, "\r\n\r\n");
            if (hdr_end != NULL) {
                char *cl = strstr(req, "Content-Length: ");
                size_t body = cl ? (size_t)strtoul(cl + 16, NULL, 10) : 0;
                if (n >= (size_t)(hdr_end + 4 - req) + body)
                    break;
            }
        }
        req[n] = '\0';
        strbuf b;
        sb_init(&b);
        if (json) {
            sb_append(&b, "{\"status\":\"error\",\"errorType\":\"internal\",\"error\":\"");
            for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)req[i];
                if (ch < 0x20 || ch == '"' || ch == '\\')
                    sb_printf(&b, "\\u%04x", ch);
                else
                    sb_append_c(&b, (char)ch);
            }
            sb_append(&b, "\"}");
        } else {
            sb_append_n(&b, req, n);
        }
        char head[256];
        int hl = snprintf(head, sizeof head,
                          "HTTP/1.1 500 Internal Server Error\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\n\r\n",
                          json ? "application/json" : "text/plain", b.len);
        if (write(c, head, (size_t)hl) < 0 || write(c, b.buf, b.len) < 0) {
            /* the client went away: nothing to do */
        }
        sb_done(&b);
        close(c);
    }
}

static void stop_server(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static char *b64(const char *s)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    strbuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)(unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)(unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        sb_append_c(&sb, tbl[(v >> 18) & 63]);
        sb_append_c(&sb, tbl[(v >> 12) & 63]);
        sb_append_c(&sb, i + 1 < n ? tbl[(v >> 6) & 63] : '=');
        sb_append_c(&sb, i + 2 < n ? tbl[v & 63] : '=');
    }
    return sb_steal(&sb);
}

typedef struct {
    char *dir, *db;
    int commands; /* commands whose output was searched */
} fixture;

static void setup(fixture *f)
{
    char why[600];
    f->db = rel_init_db("secrets", &f->dir, why, sizeof why);
    cr_assert(f->db != NULL, "%s", why);
    f->commands = 0;
}

static void teardown(fixture *f)
{
    rel_rmtree(f->dir);
    free(f->dir);
    free(f->db);
}

static char *secret_file(fixture *f, const char *name, const char *value, mode_t mode)
{
    char *p = xasprintf("%s/%s", f->dir, name);
    char *line = xasprintf("%s\n", value);
    cr_assert(rel_write_file(p, line, strlen(line)));
    cr_assert_eq(chmod(p, mode), 0);
    free(line);
    return p;
}

static char *config_file(fixture *f, const char *name, const char *url, const char *extra)
{
    char *p = xasprintf("%s/%s", f->dir, name);
    char *text = xasprintf("{\"monitoring\": {\"prometheus\": {\"url\": \"%s\", \"timeout_s\": 3%s%s}}}", url,
                           extra ? ", " : "", extra ? extra : "");
    cr_assert(rel_write_file(p, text, strlen(text)));
    free(text);
    return p;
}

/* No secret, raw or as the Base64 basic-auth credentials, may appear in an output. */
static void search_secrets(const char *what, const strbuf *sb)
{
    const char *secrets[] = {SECRET_PW, SECRET_TOKEN, SECRET_ENV_PW, SECRET_URL_PW};
    const char *s = sb->buf ? sb->buf : "";
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        char *plain = xasprintf("alice:%s", secrets[i]);
        char *enc = b64(plain);
        cr_assert(strstr(s, secrets[i]) == NULL, "%s: output carries secret %s: %s", what, secrets[i], s);
        cr_assert(strstr(s, enc) == NULL, "%s: output carries the Base64 basic-auth credentials: %s", what, s);
        free(enc);
        free(plain);
    }
}

/* Runs the binary; no secret may appear in stdout or stderr. Returns the exit status; *err_out
 * (if not NULL) gets stderr (caller frees). */
static int run_clean(fixture *f, char **err_out, const char *const *args)
{
    const char *full[16] = {"--db", f->db};
    size_t k = 2;
    for (size_t i = 0; args[i] != NULL && k < 15; i++)
        full[k++] = args[i];
    full[k] = NULL;
    rel_result r;
    rel_result_init(&r);
    int rc = rel_run_in(&r, NULL, full);
    search_secrets(args[0], &r.out);
    search_secrets(args[0], &r.err);
    f->commands++;
    if (err_out != NULL)
        *err_out = xstrdup(r.err.buf ? r.err.buf : "");
    rel_result_done(&r);
    return rc;
}

#define RUN_CLEAN(f, errp, ...) run_clean((f), (errp), (const char *const[]){__VA_ARGS__, NULL})

Test(reliability_secrets, secret_files_readable_by_others_are_refused, .timeout = 60)
{
    fixture f;
    setup(&f);
    const struct {
        const char *key;
        mode_t mode;
    } cases[] = {{"password_file", 0640}, {"password_file", 0604}, {"bearer_token_file", 0640},
                 {"bearer_token_file", 0604}, {"password_file", 0644}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "secret-%zu", i);
        char *sf = secret_file(&f, name, strcmp(cases[i].key, "password_file") == 0 ? SECRET_PW : SECRET_TOKEN,
                               cases[i].mode);
        char *extra = xasprintf("\"username\": \"alice\", \"%s\": \"%s\"", cases[i].key, sf);
        char *cfg = config_file(&f, "cfg.json", "http://127.0.0.1:9/", extra);
        const char *const variants[][3] = {{"uptime", NULL, NULL}, {"uptime", "--json", NULL}};
        for (size_t v = 0; v < 2; v++) {
            char *err = NULL;
            int rc = variants[v][1] ? RUN_CLEAN(&f, &err, "--config", cfg, variants[v][0], variants[v][1])
                                    : RUN_CLEAN(&f, &err, "--config", cfg, variants[v][0]);
            cr_assert_eq(rc, 1, "%s mode %o: exit %d: %s", cases[i].key, (unsigned)cases[i].mode, rc, err);
            cr_assert(strstr(err, sf) != NULL, "%s mode %o: error does not name the file: %s", cases[i].key,
                      (unsigned)cases[i].mode, err);
            cr_assert(strstr(err, "chmod 600") != NULL, "%s mode %o: error does not say chmod 600: %s", cases[i].key,
                      (unsigned)cases[i].mode, err);
            cr_assert_eq(rel_count_lines(err, strlen(err)), 1, "not one line: %s", err);
            free(err);
        }
        free(cfg);
        free(extra);
        free(sf);
    }
    teardown(&f);
}

Test(reliability_secrets, secrets_never_printed_even_when_echoed, .timeout = 150)
{
    fixture f;
    setup(&f);
    char *pw = secret_file(&f, "pw", SECRET_PW, 0600);
    char *tok = secret_file(&f, "tok", SECRET_TOKEN, 0600);
    char *keys = xasprintf("%s/keys", f.dir);
    const char *keytext = "d<sleep 1.5><idle>R<sleep 1><idle>q";
    cr_assert(rel_write_file(keys, keytext, strlen(keytext)));
    for (int json = 0; json < 2; json++) {
        int port;
        pid_t srv = echo_server(json != 0, &port);
        char *url = xasprintf("http://127.0.0.1:%d/", port);
        char *extra_pw = xasprintf("\"username\": \"alice\", \"password_file\": \"%s\"", pw);
        char *extra_tok = xasprintf("\"bearer_token_file\": \"%s\"", tok);
        char *cfg_pw = config_file(&f, "cfg-pw.json", url, extra_pw);
        char *cfg_tok = config_file(&f, "cfg-tok.json", url, extra_tok);
        char *cfg_env = config_file(&f, "cfg-env.json", url, "\"username\": \"alice\"");
        const char *cfgs[] = {cfg_pw, cfg_tok, cfg_env};
        setenv("SLATOP_PROM_PASSWORD", SECRET_ENV_PW, 1);
        for (size_t c = 0; c < 3; c++) {
            char *err = NULL;
            int rc = RUN_CLEAN(&f, &err, "--config", cfgs[c], "uptime");
            cr_assert(rc == 0 || rc == 1, "uptime exit %d: %s", rc, err);
            free(err);
            RUN_CLEAN(&f, NULL, "--config", cfgs[c], "uptime", "--json");
            RUN_CLEAN(&f, NULL, "--config", cfgs[c], "list");
            RUN_CLEAN(&f, NULL, "--config", cfgs[c], "policy", "show");
            /* The screen: the console with its dashboard open while the fetches fail. */
            strbuf screen;
            sb_init(&screen);
            int st = -1;
            rel_run_pty((const char *const[]){"--db", f.db, "--config", cfgs[c], "--max-frames", "12", "--keys",
                                              keys, NULL},
                        &screen, &st);
            cr_assert_eq(st, 0, "console exit %d", st);
            search_secrets("console screen", &screen);
            sb_done(&screen);
            f.commands++;
        }
        unsetenv("SLATOP_PROM_PASSWORD");
        stop_server(srv);
        free(url);
        free(extra_pw);
        free(extra_tok);
        free(cfg_pw);
        free(cfg_tok);
        free(cfg_env);
    }
    fprintf(stderr, "reliability_secrets: %d commands searched for 4 secrets (raw and base64): none found\n",
            f.commands);
    free(pw);
    free(tok);
    free(keys);
    teardown(&f);
}

Test(reliability_secrets, password_in_url_is_redacted, .timeout = 60)
{
    fixture f;
    setup(&f);
    /* Port 9 (discard) on loopback: connection refused, so the error quotes the URL. */
    char *cfg = config_file(&f, "cfg-url.json", "http://alice:" SECRET_URL_PW "@127.0.0.1:9/prom", NULL);
    char *err = NULL;
    int rc = RUN_CLEAN(&f, &err, "--config", cfg, "uptime");
    cr_assert_eq(rc, 1, "uptime with an unreachable source: exit %d: %s", rc, err);
    cr_assert(strstr(err, "127.0.0.1") != NULL, "the error does not name the source: %s", err);
    free(err);
    RUN_CLEAN(&f, NULL, "--config", cfg, "uptime", "--json");
    free(cfg);
    teardown(&f);
}

Test(reliability_secrets, database_never_world_writable, .timeout = 60)
{
    char *dir = rel_mkdtemp("umask");
    cr_assert(dir != NULL);
    char *db = xasprintf("%s/new/sub/slatop.db", dir);
    char *policy = xasprintf("%s/share/policies/haptik.json", rel_source_dir());
    mode_t old = umask(0);
    rel_result r;
    rel_result_init(&r);
    int rc = REL_RUN(&r, "--db", db, "init", "--policy", policy);
    int rc2 = REL_RUN(&r, "--db", db, "add", "--title", "umask 000");
    umask(old);
    cr_assert_eq(rc, 0, "init: %s", r.err.buf);
    cr_assert_eq(rc2, 0, "add: %s", r.err.buf);
    rel_result_done(&r);
    struct stat st;
    cr_assert_eq(stat(db, &st), 0);
    cr_assert_eq(st.st_mode & S_IWOTH, 0, "database created world-writable: mode %o", (unsigned)(st.st_mode & 07777));
    char *d1 = xasprintf("%s/new/sub", dir), *d2 = xasprintf("%s/new", dir);
    const char *dirs[] = {d1, d2};
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(stat(dirs[i], &st), 0);
        cr_assert_eq(st.st_mode & S_IWOTH, 0, "%s created world-writable: mode %o", dirs[i],
                     (unsigned)(st.st_mode & 07777));
    }
    free(d1);
    free(d2);
    free(policy);
    free(db);
    rel_rmtree(dir);
    free(dir);
}
