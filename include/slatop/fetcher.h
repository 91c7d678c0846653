/* fetcher: non-blocking HTTP(S) and file:// transfers on one curl multi handle — the only module
 * that includes curl.h. Built for the console's single-threaded loop (fetcher_set_io hands curl's
 * sockets and timer to the loop, which calls back fetcher_socket_action and fetcher_timeout;
 * fetcher_take_finished) and, through the blocking fetcher_run, for the command line. Timeouts, a
 * response size cap, retries with backoff on 5xx/429/connection errors, TLS verification always
 * on, http/https only (file only for a file:// request). Secrets are never put in a message;
 * user:password@ in a URL is redacted everywhere. */
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
/* An event loop's side of the transfers (curl's socket interface, without curl.h). */
enum { FETCH_IO_IN = 1, FETCH_IO_OUT = 2 };
typedef struct {
    /* Watch fd for events (FETCH_IO_IN and/or FETCH_IO_OUT, replacing what was asked before;
     * 0: stop watching it) and call fetcher_socket_action when it is ready. */
    void (*watch)(void *data, int fd, int events);
    /* Call fetcher_timeout in ms milliseconds (0: at once), replacing the previous request;
     * -1: no call needed. */
    void (*timer)(void *data, int ms);
    void *data; /* borrowed, passed back */
} fetch_io;
/* Hands the transfers to an event loop: call before the first fetcher_add and never mix with
 * fetcher_run. The callbacks run from inside fetcher_add, fetcher_socket_action, fetcher_timeout
 * and fetcher_free (stopping the watches). io NULL detaches: later requests go nowhere (before the
 * loop goes away). ST_NET when libcurl refuses. */
st_code fetcher_set_io(fetcher *f, const fetch_io *io, st_err *err);
/* The loop's call when a watched fd is ready (events as in fetch_io.watch): progress without
 * blocking; finished transfers wait for fetcher_take_finished. ST_NET when curl fails. */
st_code fetcher_socket_action(fetcher *f, int fd, int events, st_err *err);
/* The loop's call when the requested timer falls due: curl's timeouts and retries falling due.
 * Calling it early is harmless: it makes what progress it can without blocking. */
st_code fetcher_timeout(fetcher *f, st_err *err);
/* Moves one finished transfer into *out (caller owns: fetch_result_done); false when none. */
bool fetcher_take_finished(fetcher *f, fetch_result *out);
/* Blocking helper for the command line (no event loop): waits (curl_multi_poll) and performs
 * until nothing is active. */
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
