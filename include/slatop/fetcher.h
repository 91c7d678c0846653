/* fetcher: non-blocking HTTP(S) and file:// transfers on one curl multi handle — the only module
 * that includes curl.h. Built for the console's single-threaded loop (fetcher_wait with standard
 * input as an extra descriptor, fetcher_perform, fetcher_take_finished) and, through fetcher_run,
 * for the command line. Timeouts, a response size cap, retries with backoff on 5xx/429/connection
 * errors, TLS verification always on, http/https only (file only for a file:// request).
 * Secrets are never put in a message; user:password@ in a URL is redacted everywhere. */
#ifndef SLATOP_FETCHER_H
#define SLATOP_FETCHER_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/util.h"

#define FETCH_DEFAULT_MAX_BYTES ((size_t)16 * 1024 * 1024)

typedef struct fetcher fetcher; /* opaque */

/* One transfer. Every string is copied by fetcher_add (the caller may free its own at once). */
typedef struct {
    const char *url;       /* http://, https:// or file:// */
    const char *post_body; /* form body to POST (application/x-www-form-urlencoded), NULL = GET */
    const char *username;  /* basic auth with password; NULL = none */
    const char *password;
    const char *bearer;  /* bearer token (Authorization: Bearer); NULL = none */
    const char *ca_file; /* extra CA bundle, or NULL */
    int timeout_s;       /* total time per attempt; <= 0 means 15 */
    size_t max_bytes;    /* response cap; 0 = FETCH_DEFAULT_MAX_BYTES */
    int max_retries;     /* extra attempts on 5xx, 429 and connection errors (not timeouts) */
    void *owner;         /* caller's cookies, returned in the result */
    size_t index;
} fetch_request;

/* A finished transfer. err.code is ST_OK when an answer arrived (whatever its HTTP status);
 * otherwise ST_NET with a message naming the redacted URL and the fault. Everything owned by the
 * result: fetch_result_done. */
typedef struct {
    void *owner;
    size_t index;
    long http_status;   /* 0 for file:// */
    char *content_type; /* may be NULL */
    char *body;         /* NUL-terminated, len bytes (may hold NULs) */
    size_t len;
    char *url; /* redacted */
    int attempts;
    st_err err;
} fetch_result;
void fetch_result_done(fetch_result *r);

/* Caller owns *out (fetcher_free, which aborts transfers still running). ST_NET if curl fails. */
st_code fetcher_new(fetcher **out, st_err *err);
void fetcher_free(fetcher *f);

/* Queues a transfer. ST_USAGE for an unsupported URL scheme. */
st_code fetcher_add(fetcher *f, const fetch_request *req, st_err *err);
/* Waits up to timeout_ms for transfer activity, a retry falling due, or (extra_fd >= 0) input on
 * extra_fd; *extra_ready (may be NULL) tells whether extra_fd is readable. Never blocks longer. */
st_code fetcher_wait(fetcher *f, int timeout_ms, int extra_fd, bool *extra_ready, st_err *err);
/* Makes progress without blocking; *active (may be NULL) gets transfers running or waiting to
 * retry. */
st_code fetcher_perform(fetcher *f, int *active, st_err *err);
/* Moves one finished transfer into *out (caller owns: fetch_result_done); false when none. */
bool fetcher_take_finished(fetcher *f, fetch_result *out);
/* Blocking helper for the command line: waits and performs until nothing is active. */
st_code fetcher_run(fetcher *f, st_err *err);

/* url with any user:password@ replaced by "REDACTED@". Caller frees. */
char *fetch_redact_url(const char *url);

/* Credentials for a monitoring source. Owned; fetch_auth_done wipes and frees. */
typedef struct {
    char *username;
    char *password;
    char *bearer;
} fetch_auth;
/* Loads secrets: password from password_file, else $SLATOP_PROM_PASSWORD (only with a username);
 * token from bearer_token_file, else $SLATOP_PROM_TOKEN. A secret file readable by group or others
 * is refused: "FILE: readable by group or others; run chmod 600 FILE" (ST_INVALID). */
st_code fetch_auth_load(const char *username, const char *password_file, const char *bearer_token_file,
                        fetch_auth *out, st_err *err);
void fetch_auth_done(fetch_auth *a);

#endif
