#define _GNU_SOURCE /* memmem, explicit_bzero */
/* fetcher: curl multi transfers for the monitoring sources (see fetcher.h). */
#define _POSIX_C_SOURCE 200809L
#include "slatop/fetcher.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* libcurl is loaded on first use rather than linked: linking it maps ~30 shared libraries (TLS,
 * LDAP, Kerberos, ...) at every start, ~2.5 ms before the first screen, although most runs never
 * fetch anything. curl.h still supplies the types and constants; __typeof__ keeps every pointer's
 * type exactly the prototype curl.h declares. */
static struct {
    __typeof__(curl_easy_cleanup) *easy_cleanup;
    __typeof__(curl_easy_getinfo) *easy_getinfo;
    __typeof__(curl_easy_init) *easy_init;
    __typeof__(curl_easy_setopt) *easy_setopt;
    __typeof__(curl_easy_strerror) *easy_strerror;
    __typeof__(curl_global_init) *global_init;
    __typeof__(curl_multi_add_handle) *multi_add_handle;
    __typeof__(curl_multi_cleanup) *multi_cleanup;
    __typeof__(curl_multi_info_read) *multi_info_read;
    __typeof__(curl_multi_init) *multi_init;
    __typeof__(curl_multi_perform) *multi_perform;
    __typeof__(curl_multi_poll) *multi_poll;
    __typeof__(curl_multi_remove_handle) *multi_remove_handle;
    __typeof__(curl_multi_setopt) *multi_setopt;
    __typeof__(curl_multi_socket_action) *multi_socket_action;
    __typeof__(curl_multi_strerror) *multi_strerror;
} lc;

static bool lc_ok;                 /* every pointer resolved and curl_global_init done */
static const char *lc_load_error; /* why not, otherwise */

static void lc_load(void)
{
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        lc_load_error = "libcurl.so.4 not found: install libcurl4";
        return;
    }
    /* memcpy: ISO C has no conversion from dlsym's void * to a function pointer. */
#define LC_SYM(name)                                                                                         \
    do {                                                                                                     \
        void *sym = dlsym(h, "curl_" #name);                                                                 \
        if (!sym) {                                                                                          \
            lc_load_error = "libcurl.so.4 lacks curl_" #name ": install libcurl4 7.66 or later";           \
            return;                                                                                          \
        }                                                                                                    \
        memcpy(&lc.name, &sym, sizeof lc.name);                                                              \
    } while (0)
    LC_SYM(easy_cleanup);
    LC_SYM(easy_getinfo);
    LC_SYM(easy_init);
    LC_SYM(easy_setopt);
    LC_SYM(easy_strerror);
    LC_SYM(global_init);
    LC_SYM(multi_add_handle);
    LC_SYM(multi_cleanup);
    LC_SYM(multi_info_read);
    LC_SYM(multi_init);
    LC_SYM(multi_perform);
    LC_SYM(multi_poll);
    LC_SYM(multi_remove_handle);
    LC_SYM(multi_setopt);
    LC_SYM(multi_socket_action);
    LC_SYM(multi_strerror);
#undef LC_SYM
    if (lc.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        lc_load_error = "libcurl initialisation failed";
        return;
    }
    lc_ok = true;
}

typedef struct xfer {
    struct xfer *next;
    CURL *easy;
    fetcher *f;
    void *owner;
    size_t index;
    char *url_redacted;
    char *post_body; /* kept alive: CURLOPT_POSTFIELDS does not copy */
    int timeout_s;
    size_t max_bytes;
    int retries_left;
    int attempts;
    bool too_big;
    bool in_multi;
    st_mono retry_at; /* when waiting to retry */
    strbuf body;
    char errbuf[CURL_ERROR_SIZE];
    /* This transfer's credentials in every form a server could echo back (a debugging proxy or
     * a misconfigured server may quote the request): masked out of whatever it answers, so no
     * later error message or display can show them. */
    char *secrets[24];
    size_t n_secrets;
} xfer;

struct fetcher {
    CURLM *multi;
    xfer *active;       /* running or waiting to retry */
    fetch_result *done; /* finished, oldest first */
    size_t n_done, cap_done;
    /* With an event loop (fetcher_set_io): curl's sockets and its one timer are the loop's. */
    fetch_io io;
    bool has_io;
    bool curl_timer; /* curl asked for fetcher_timeout at curl_due */
    st_mono curl_due;
};

void fetch_result_done(fetch_result *r)
{
    if (!r)
        return;
    free(r->content_type);
    free(r->body);
    free(r->url);
    memset(r, 0, sizeof *r);
}

/* Query parameters whose value is a credential: a name containing one of these (any case). Broad
 * on purpose: hiding a harmless value costs nothing, showing a key costs the key. */
static bool secret_param(const char *name, size_t n)
{
    static const char *const words[] = {"key", "token", "secret", "pass", "pwd", "auth", "sig", "credential",
                                        "session"};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t k = strlen(words[w]);
        for (size_t i = 0; i + k <= n; i++)
            if (strncasecmp(name + i, words[w], k) == 0)
                return true;
    }
    return false;
}

/* Appends the part of a URL after "://" (n bytes of s) with its userinfo and the values of its
 * secret query parameters replaced by REDACTED. */
static void redact_url_rest(strbuf *sb, const char *s, size_t n)
{
    size_t auth_len = strcspn(s, "/?#");
    if (auth_len > n)
        auth_len = n;
    const char *at = NULL;
    for (const char *q = s; q < s + auth_len; q++)
        if (*q == '@')
            at = q;
    if (at) {
        sb_append(sb, "REDACTED");
        sb_append_n(sb, at, (size_t)(s + auth_len - at));
    } else {
        sb_append_n(sb, s, auth_len);
    }
    const char *p = s + auth_len, *end = s + n;
    const char *query = memchr(p, '?', (size_t)(end - p));
    if (!query) {
        sb_append_n(sb, p, (size_t)(end - p));
        return;
    }
    sb_append_n(sb, p, (size_t)(query + 1 - p));
    p = query + 1;
    while (p < end) {
        size_t len = strcspn(p, "&#");
        if (len > (size_t)(end - p))
            len = (size_t)(end - p);
        const char *eq = memchr(p, '=', len);
        if (eq && secret_param(p, (size_t)(eq - p))) {
            sb_append_n(sb, p, (size_t)(eq + 1 - p));
            sb_append(sb, "REDACTED");
        } else {
            sb_append_n(sb, p, len);
        }
        p += len;
        if (p < end && *p == '#') {
            sb_append_n(sb, p, (size_t)(end - p));
            return;
        }
        if (p < end)
            sb_append_c(sb, *p++);
    }
}

char *fetch_redact_url(const char *url)
{
    if (!url)
        return xstrdup("");
    const char *p = strstr(url, "://");
    if (!p)
        return xstrdup(url);
    p += 3;
    strbuf sb;
    sb_init(&sb);
    sb_append_n(&sb, url, (size_t)(p - url));
    redact_url_rest(&sb, p, strlen(p));
    return sb_steal(&sb);
}

/* Removes anything that looks like credentials in a URL inside a free-form message (curl's error
 * buffer may quote the URL). */
static void redact_text(strbuf *sb, const char *msg)
{
    const char *p = msg;
    const char *s;
    while ((s = strstr(p, "://")) != NULL) {
        s += 3;
        sb_append_n(sb, p, (size_t)(s - p));
        size_t n = strcspn(s, " \t\r\n\"'<>");
        redact_url_rest(sb, s, n);
        p = s + n;
    }
    sb_append(sb, p);
}

static char *base64(const char *s)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    strbuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)(unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)(unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned)(unsigned char)s[i + 2];
        sb_append_c(&sb, tab[(v >> 18) & 63]);
        sb_append_c(&sb, tab[(v >> 12) & 63]);
        sb_append_c(&sb, i + 1 < n ? tab[(v >> 6) & 63] : '=');
        sb_append_c(&sb, i + 2 < n ? tab[v & 63] : '=');
    }
    return sb_steal(&sb);
}

/* Secrets shorter than this are not masked: masking two letters would corrupt real data. */
#define MIN_SECRET_LEN 4

static void add_secret(xfer *x, char *owned)
{
    if (owned && strlen(owned) >= MIN_SECRET_LEN && x->n_secrets < sizeof x->secrets / sizeof x->secrets[0])
        x->secrets[x->n_secrets++] = owned;
    else if (owned) {
        explicit_bzero(owned, strlen(owned));
        free(owned);
    }
}

/* Overwrites every occurrence of a secret in buf[0..len) with '*', keeping the length. */
static void mask_secrets(const xfer *x, char *buf, size_t len)
{
    for (size_t i = 0; i < x->n_secrets; i++) {
        size_t k = strlen(x->secrets[i]);
        char *p = buf, *end = buf + len;
        while ((size_t)(end - p) >= k && (p = memmem(p, (size_t)(end - p), x->secrets[i], k)) != NULL) {
            memset(p, '*', k);
            p += k;
        }
    }
}

/* s[0..n) with %XX decoded (and '+' as a space when plus_space), as curl and servers read it.
 * Caller frees. */
static char *url_decode(const char *s, size_t n, bool plus_space)
{
    char *out = xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hex_digit_value(s[i + 1]) >= 0 && hex_digit_value(s[i + 2]) >= 0) {
            out[k++] = (char)(hex_digit_value(s[i + 1]) * 16 + hex_digit_value(s[i + 2]));
            i += 2;
        } else {
            out[k++] = plus_space && s[i] == '+' ? ' ' : s[i];
        }
    }
    out[k] = '\0';
    return out;
}

/* Adds a secret as written and as decoded (a server may quote either). */
static void add_secret_forms(xfer *x, const char *s, size_t n, bool plus_space)
{
    char *raw = xmalloc(n + 1);
    memcpy(raw, s, n);
    raw[n] = '\0';
    char *dec = url_decode(s, n, plus_space);
    if (strcmp(dec, raw) != 0)
        add_secret(x, dec);
    else
        free(dec);
    add_secret(x, raw);
}

/* The credentials a URL carries itself: the password of its userinfo (curl sends user:password as
 * basic auth, so also its Base64) and the values of secret query parameters. */
static void add_url_secrets(xfer *x, const char *url)
{
    const char *s = strstr(url, "://");
    if (!s)
        return;
    s += 3;
    size_t auth_len = strcspn(s, "/?#");
    const char *at = NULL;
    for (const char *q = s; q < s + auth_len; q++)
        if (*q == '@')
            at = q;
    const char *colon = at ? memchr(s, ':', (size_t)(at - s)) : NULL;
    if (colon && colon + 1 < at) {
        add_secret_forms(x, colon + 1, (size_t)(at - colon - 1), false);
        char *user = url_decode(s, (size_t)(colon - s), false);
        char *pw = url_decode(colon + 1, (size_t)(at - colon - 1), false);
        char *pair = xasprintf("%s:%s", user, pw);
        add_secret(x, base64(pair));
        add_secret(x, pair);
        explicit_bzero(pw, strlen(pw));
        free(pw);
        free(user);
    }
    const char *q = strchr(s, '?');
    if (!q)
        return;
    const char *end = q + 1 + strcspn(q + 1, "#");
    for (const char *p = q + 1; p < end;) {
        size_t len = strcspn(p, "&#");
        const char *eq = memchr(p, '=', len);
        if (eq && eq + 1 < p + len && secret_param(p, (size_t)(eq - p)))
            add_secret_forms(x, eq + 1, (size_t)(p + len - eq - 1), true);
        p += len + (p + len < end);
    }
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *user)
{
    xfer *x = user;
    size_t n = size * nmemb;
    if (x->body.len + n > x->max_bytes) {
        x->too_big = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    sb_append_n(&x->body, data, n);
    return n;
}

static void xfer_free(xfer *x)
{
    if (!x)
        return;
    if (x->easy) {
        if (x->in_multi)
            lc.multi_remove_handle(x->f->multi, x->easy);
        lc.easy_cleanup(x->easy);
    }
    free(x->url_redacted);
    free(x->post_body);
    sb_done(&x->body);
    for (size_t i = 0; i < x->n_secrets; i++) {
        explicit_bzero(x->secrets[i], strlen(x->secrets[i]));
        free(x->secrets[i]);
    }
    free(x);
}

st_code fetcher_new(fetcher **out, st_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    *out = NULL;
    pthread_once(&once, lc_load);
    if (!lc_ok)
        return st_fail(err, ST_NET, "%s", lc_load_error);
    fetcher *f = xcalloc(1, sizeof *f);
    f->multi = lc.multi_init();
    if (!f->multi) {
        free(f);
        return st_fail(err, ST_NET, "libcurl initialisation failed");
    }
    *out = f;
    return ST_OK;
}

void fetcher_free(fetcher *f)
{
    if (!f)
        return;
    while (f->active) {
        xfer *x = f->active;
        f->active = x->next;
        xfer_free(x);
    }
    for (size_t i = 0; i < f->n_done; i++)
        fetch_result_done(&f->done[i]);
    free(f->done);
    lc.multi_cleanup(f->multi);
    free(f);
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

#define SETOPT(opt, val)                                                                                     \
    do {                                                                                                     \
        if (lc.easy_setopt(e, opt, val) != CURLE_OK)                                                       \
            goto setopt_failed;                                                                              \
    } while (0)

st_code fetcher_add(fetcher *f, const fetch_request *req, st_err *err)
{
    bool is_file = has_prefix(req->url, "file://");
    if (!is_file && !has_prefix(req->url, "http://") && !has_prefix(req->url, "https://")) {
        char *r = fetch_redact_url(req->url);
        st_fail(err, ST_USAGE, "%s: unsupported URL (http://, https:// or file:// expected)", r);
        free(r);
        return ST_USAGE;
    }
    xfer *x = xcalloc(1, sizeof *x);
    x->f = f;
    x->owner = req->owner;
    x->index = req->index;
    x->url_redacted = fetch_redact_url(req->url);
    x->timeout_s = req->timeout_s > 0 ? req->timeout_s : 15;
    x->max_bytes = req->max_bytes ? req->max_bytes : FETCH_DEFAULT_MAX_BYTES;
    x->retries_left = req->max_retries > 0 ? req->max_retries : 0;
    sb_init(&x->body);
    CURL *e = x->easy = lc.easy_init();
    if (!e)
        goto setopt_failed;
    SETOPT(CURLOPT_URL, req->url);
    SETOPT(CURLOPT_PROTOCOLS_STR, is_file ? "file" : "http,https");
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
    SETOPT(CURLOPT_WRITEDATA, x);
    SETOPT(CURLOPT_ERRORBUFFER, x->errbuf);
    SETOPT(CURLOPT_TIMEOUT, (long)x->timeout_s);
    SETOPT(CURLOPT_CONNECTTIMEOUT, (long)(x->timeout_s < 10 ? x->timeout_s : 10));
    SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_bytes);
    SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    SETOPT(CURLOPT_USERAGENT, "slatop");
    if (req->ca_file)
        SETOPT(CURLOPT_CAINFO, req->ca_file);
    if (req->post_body && !is_file) {
        x->post_body = xstrdup(req->post_body);
        SETOPT(CURLOPT_POSTFIELDS, x->post_body);
        SETOPT(CURLOPT_POSTFIELDSIZE, (long)strlen(x->post_body));
    }
    add_url_secrets(x, req->url);
    if (req->bearer)
        add_secret(x, xstrdup(req->bearer));
    if (req->password) {
        add_secret(x, xstrdup(req->password));
        char *pair = xasprintf("%s:%s", req->username ? req->username : "", req->password);
        add_secret(x, base64(pair));
        add_secret(x, pair);
    }
    if (!is_file && req->bearer) {
        SETOPT(CURLOPT_XOAUTH2_BEARER, req->bearer);
        SETOPT(CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
    } else if (!is_file && req->username) {
        SETOPT(CURLOPT_USERNAME, req->username);
        SETOPT(CURLOPT_PASSWORD, req->password ? req->password : "");
        SETOPT(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    }
    if (lc.multi_add_handle(f->multi, e) != CURLM_OK)
        goto setopt_failed;
    x->in_multi = true;
    x->attempts = 1;
    x->next = f->active;
    f->active = x;
    return ST_OK;
setopt_failed:
    st_fail(err, ST_NET, "%s: libcurl refused the transfer options", x->url_redacted);
    xfer_free(x);
    return ST_NET;
}

static int ms_until(st_mono t)
{
    st_mono d = t - mono_now();
    if (d <= 0)
        return 0;
    d = (d + 999999) / 1000000;
    return d > 1000000 ? 1000000 : (int)d;
}

/* The command line's blocking wait (fetcher_run): up to timeout_ms for transfer activity or a
 * retry falling due. */
static st_code fetcher_wait(fetcher *f, int timeout_ms, st_err *err)
{
    for (xfer *x = f->active; x; x = x->next)
        if (!x->in_multi) {
            int ms = ms_until(x->retry_at);
            if (ms < timeout_ms)
                timeout_ms = ms;
        }
    if (timeout_ms < 0)
        timeout_ms = 0;
    int numfds = 0;
    CURLMcode mc = lc.multi_poll(f->multi, NULL, 0, timeout_ms, &numfds);
    if (mc != CURLM_OK)
        return st_fail(err, ST_NET, "waiting for transfers: %s", lc.multi_strerror(mc));
    return ST_OK;
}

static bool retryable(CURLcode cc, long status)
{
    if (cc == CURLE_OK)
        return status == 429 || status >= 500;
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR ||
           cc == CURLE_GOT_NOTHING || cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_PARTIAL_FILE;
}

static void push_done(fetcher *f, fetch_result *r)
{
    if (f->n_done == f->cap_done) {
        f->cap_done = f->cap_done ? 2 * f->cap_done : 8;
        f->done = xrealloc(f->done, f->cap_done * sizeof *f->done);
    }
    f->done[f->n_done++] = *r;
}

static void unlink_xfer(fetcher *f, xfer *x)
{
    for (xfer **pp = &f->active; *pp; pp = &(*pp)->next)
        if (*pp == x) {
            *pp = x->next;
            return;
        }
}

static void finish(fetcher *f, xfer *x, CURLcode cc)
{
    long status = 0;
    lc.easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    lc.multi_remove_handle(f->multi, x->easy);
    x->in_multi = false;
    if (!x->too_big && retryable(cc, status) && x->retries_left > 0) {
        /* Backoff: 0.5 s, 1 s, 2 s, ... */
        x->retries_left--;
        x->retry_at = mono_now() + ((st_mono)500000000 << (x->attempts - 1 < 4 ? x->attempts - 1 : 4));
        sb_reset(&x->body);
        x->errbuf[0] = '\0';
        return;
    }
    fetch_result r;
    memset(&r, 0, sizeof r);
    r.owner = x->owner;
    r.index = x->index;
    r.http_status = status;
    r.attempts = x->attempts;
    r.url = xstrdup(x->url_redacted);
    const char *ct = NULL;
    if (lc.easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
        r.content_type = xstrdup(ct);
    if (x->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        st_fail(&r.err, ST_NET, "%s: response larger than %zu MiB (size cap)", x->url_redacted,
                x->max_bytes / (1024 * 1024));
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        st_fail(&r.err, ST_NET, "%s: timed out after %d s", x->url_redacted, x->timeout_s);
    } else if (cc != CURLE_OK) {
        strbuf sb;
        sb_init(&sb);
        mask_secrets(x, x->errbuf, strlen(x->errbuf));
        redact_text(&sb, x->errbuf[0] ? x->errbuf : lc.easy_strerror(cc));
        char tries[48] = "";
        if (x->attempts > 1)
            snprintf(tries, sizeof tries, " (after %d attempts)", x->attempts);
        st_fail(&r.err, ST_NET, "%s: %s%s", x->url_redacted, sb.buf, tries);
        sb_done(&sb);
    } else {
        r.len = x->body.len;
        r.body = x->body.buf ? sb_steal(&x->body) : xstrdup("");
        mask_secrets(x, r.body, r.len);
    }
    push_done(f, &r);
    unlink_xfer(f, x);
    xfer_free(x);
}

/* Puts transfers whose retry fell due back into the multi handle. */
static st_code start_due_retries(fetcher *f, st_err *err)
{
    st_mono now = mono_now();
    for (xfer *x = f->active; x; x = x->next)
        if (!x->in_multi && x->retry_at <= now) {
            if (lc.multi_add_handle(f->multi, x->easy) != CURLM_OK)
                return st_fail(err, ST_NET, "%s: libcurl refused a retry", x->url_redacted);
            x->in_multi = true;
            x->attempts++;
        }
    return ST_OK;
}

/* Finishes (or schedules the retry of) every transfer curl reports done. */
static void collect(fetcher *f)
{
    CURLMsg *msg;
    int left = 0;
    while ((msg = lc.multi_info_read(f->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        for (xfer *x = f->active; x; x = x->next)
            if (x->easy == msg->easy_handle) {
                finish(f, x, msg->data.result);
                break;
            }
    }
}

/* The command line's progress step (fetcher_run): *active gets transfers running or waiting to
 * retry. */
static st_code fetcher_perform(fetcher *f, int *active, st_err *err)
{
    st_code rc = start_due_retries(f, err);
    if (rc)
        return rc;
    int running = 0;
    CURLMcode mc = lc.multi_perform(f->multi, &running);
    if (mc != CURLM_OK)
        return st_fail(err, ST_NET, "transfers: %s", lc.multi_strerror(mc));
    collect(f);
    int n = 0;
    for (xfer *x = f->active; x; x = x->next)
        n++;
    *active = n;
    return ST_OK;
}

/* Tells the loop the earliest of curl's timer and the next retry (io.timer). */
static void update_timer(fetcher *f)
{
    if (!f->has_io)
        return;
    bool any = f->curl_timer;
    st_mono due = f->curl_due;
    for (xfer *x = f->active; x; x = x->next)
        if (!x->in_multi && (!any || x->retry_at < due)) {
            any = true;
            due = x->retry_at;
        }
    f->io.timer(f->io.data, any ? ms_until(due) : -1);
}

static int on_curl_socket(CURL *e, curl_socket_t s, int what, void *user, void *socketp)
{
    (void)e;
    (void)socketp;
    fetcher *f = user;
    if (!f->has_io)
        return 0;
    int events = 0;
    if (what != CURL_POLL_REMOVE) {
        if (what & CURL_POLL_IN)
            events |= FETCH_IO_IN;
        if (what & CURL_POLL_OUT)
            events |= FETCH_IO_OUT;
    }
    f->io.watch(f->io.data, (int)s, events);
    return 0;
}

static int on_curl_timer(CURLM *m, long timeout_ms, void *user)
{
    (void)m;
    fetcher *f = user;
    f->curl_timer = timeout_ms >= 0;
    f->curl_due = mono_now() + (st_mono)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
    update_timer(f);
    return 0;
}

st_code fetcher_set_io(fetcher *f, const fetch_io *io, st_err *err)
{
    if (!io) {
        f->has_io = false; /* curl's later calls (freeing, say) go nowhere */
        return ST_OK;
    }
    if (lc.multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK ||
        lc.multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f) != CURLM_OK ||
        lc.multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) != CURLM_OK ||
        lc.multi_setopt(f->multi, CURLMOPT_TIMERDATA, f) != CURLM_OK)
        return st_fail(err, ST_NET, "libcurl refused the socket interface");
    f->io = *io;
    f->has_io = true;
    return ST_OK;
}

/* One curl_multi_socket_action step, then what finished and the loop's next timer. */
static st_code socket_action(fetcher *f, curl_socket_t s, int ev, st_err *err)
{
    int running = 0;
    CURLMcode mc = lc.multi_socket_action(f->multi, s, ev, &running);
    collect(f);
    update_timer(f);
    if (mc != CURLM_OK)
        return st_fail(err, ST_NET, "transfers: %s", lc.multi_strerror(mc));
    return ST_OK;
}

st_code fetcher_socket_action(fetcher *f, int fd, int events, st_err *err)
{
    int ev = 0;
    if (events & FETCH_IO_IN)
        ev |= CURL_CSELECT_IN;
    if (events & FETCH_IO_OUT)
        ev |= CURL_CSELECT_OUT;
    return socket_action(f, (curl_socket_t)fd, ev, err);
}

st_code fetcher_timeout(fetcher *f, st_err *err)
{
    st_code rc = start_due_retries(f, err); /* curl then asks for its timer at once */
    if (f->curl_timer && f->curl_due <= mono_now())
        f->curl_timer = false; /* spent; curl asks again when it needs one */
    st_code rc2 = socket_action(f, CURL_SOCKET_TIMEOUT, 0, err);
    return rc ? rc : rc2;
}

bool fetcher_take_finished(fetcher *f, fetch_result *out)
{
    if (f->n_done == 0)
        return false;
    *out = f->done[0];
    memmove(f->done, f->done + 1, (f->n_done - 1) * sizeof *f->done);
    f->n_done--;
    return true;
}

st_code fetcher_run(fetcher *f, st_err *err)
{
    int active = 0;
    st_code rc = fetcher_perform(f, &active, err);
    while (rc == ST_OK && active > 0) {
        rc = fetcher_wait(f, 1000, err);
        if (rc == ST_OK)
            rc = fetcher_perform(f, &active, err);
    }
    return rc;
}

static void wipe_free(char *s)
{
    if (!s)
        return;
    volatile char *v = s;
    while (*v)
        *v++ = 0;
    free(s);
}

void fetch_auth_done(fetch_auth *a)
{
    if (!a)
        return;
    free(a->username);
    wipe_free(a->password);
    wipe_free(a->bearer);
    memset(a, 0, sizeof *a);
}

/* Reads a secret file: refused when group or others may read it; one line, trailing newline
 * dropped. The secret never appears in a message. */
static st_code read_secret(const char *path, char **out, st_err *err)
{
    *out = NULL;
    int fd;
    unsigned mode;
    if (open_regular_file(path, &fd, &mode, err) != ST_OK)
        return err ? (err->code = ST_INVALID) : ST_INVALID;
    if (mode & (S_IRGRP | S_IROTH)) {
        close(fd);
        return st_fail(err, ST_INVALID, "%s: readable by group or others; run chmod 600 %s", path, path);
    }
    char buf[4096];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return st_fail(err, ST_INVALID, "%s: read failed: %s", path, strerror(errno));
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == sizeof buf - 1) {
            close(fd);
            memset(buf, 0, sizeof buf);
            return st_fail(err, ST_INVALID, "%s: secret longer than %zu bytes", path, sizeof buf - 2);
        }
    }
    close(fd);
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    buf[len] = '\0';
    if (len == 0 || memchr(buf, '\n', len)) {
        memset(buf, 0, sizeof buf);
        return st_fail(err, ST_INVALID, "%s: expected the secret on one line", path);
    }
    *out = xstrdup(buf);
    memset(buf, 0, sizeof buf);
    return ST_OK;
}

st_code fetch_auth_load(const char *username, const char *password_file, const char *bearer_token_file,
                        fetch_auth *out, st_err *err)
{
    memset(out, 0, sizeof *out);
    st_code rc = ST_OK;
    if (username) {
        out->username = xstrdup(username);
        if (password_file)
            rc = read_secret(password_file, &out->password, err);
        else if (getenv("SLATOP_PROM_PASSWORD"))
            out->password = xstrdup(getenv("SLATOP_PROM_PASSWORD"));
    }
    if (rc == ST_OK) {
        if (bearer_token_file)
            rc = read_secret(bearer_token_file, &out->bearer, err);
        else if (getenv("SLATOP_PROM_TOKEN") && *getenv("SLATOP_PROM_TOKEN"))
            out->bearer = xstrdup(getenv("SLATOP_PROM_TOKEN"));
    }
    if (rc)
        fetch_auth_done(out);
    return rc;
}
