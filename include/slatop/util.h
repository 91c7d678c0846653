/* util: allocation that aborts on out-of-memory, growable strings, status codes
 * carrying their messages, ISO 8601 times, and the injectable clock. */
#ifndef SLATOP_UTIL_H
#define SLATOP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Seconds since the Unix epoch, UTC. Wall time only; monotonic time is st_mono. */
typedef int64_t st_time;
/* Marks "no time" (a ticket without first response, say). */
#define ST_TIME_NONE INT64_MIN

/* Monotonic nanoseconds: never mixed with st_time (redis keeps them apart the same way). */
typedef int64_t st_mono;

/* What went wrong, as a value. The exit status of the command line follows the code:
 * ST_USAGE -> 2, every other failure -> 1. */
typedef enum {
    ST_OK = 0,
    ST_USAGE,     /* malformed argument, unknown option, missing required option */
    ST_INVALID,   /* invalid file contents or data the operation refuses */
    ST_NOTFOUND,  /* unknown ticket, level, entry */
    ST_CONFLICT,  /* stale version, duplicate ref, level past top/bottom, wrong status */
    ST_VERIFY,    /* audit verification failure */
    ST_IO,        /* file or database I/O failure, disk full */
    ST_BUSY,      /* database locked past the busy timeout */
    ST_NET,       /* network or remote API failure */
} st_code;

/* An error: a code and one line naming the file, key, record or argument at fault.
 * Embedded by value; no ownership. */
typedef struct {
    st_code code;
    char msg[512];
} st_err;

/* Sets err (if not NULL) and returns code, so `return st_fail(err, ST_INVALID, "...")` reads well. */
st_code st_fail(st_err *err, st_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes err->msg with "prefix: " (e.g. a file name) keeping the code. */
void st_err_prefix(st_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Resets err to ST_OK with an empty message. */
void st_err_clear(st_err *err);
/* The command-line exit status for a code: 0, 1 or 2. */
int st_exit_status(st_code code);

/* Allocation: these never return NULL (they abort with a message on out-of-memory,
 * the one place util may write to stderr). Caller owns the result; free() it. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);           /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Sets the process locale from the environment for text (LC_CTYPE: the terminal's charset) but
 * keeps C conventions for numbers, so JSON, parsing and the console print "99.950" everywhere.
 * Returns whether the charset is UTF-8 (otherwise the console draws ASCII). */
bool st_locale_init(void);

/* A growable, always NUL-terminated byte string. Embedded by value: sb_init/sb_done.
 * sb_steal hands the buffer to the caller (who frees it) and leaves the strbuf empty. */
typedef struct {
    char *buf;
    size_t len;
    size_t cap;
} strbuf;
void sb_init(strbuf *sb);
void sb_done(strbuf *sb);
void sb_reset(strbuf *sb);
void sb_append(strbuf *sb, const char *s);
void sb_append_n(strbuf *sb, const char *s, size_t n);
void sb_append_c(strbuf *sb, char c);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
char *sb_steal(strbuf *sb);

/* The value of a hexadecimal digit (either case), or -1 when c is not one. */
int hex_digit_value(char c);

/* Opens path read-only and returns its descriptor in *fd_out (caller closes) and its permission
 * bits in *mode_out (may be NULL). Anything but a regular file is refused without waiting
 * ("PATH: not a regular file (a FIFO)", ST_INVALID): a FIFO with no writer would block the open
 * forever, a directory or device is no file to read. A failed open is ST_IO naming the path. */
st_code open_regular_file(const char *path, int *fd_out, unsigned *mode_out, st_err *err);

/* Reads a whole regular file (open_regular_file) into a NUL-terminated buffer (caller frees).
 * Refuses files larger than max_bytes. Errors name the path. */
st_code read_file_all(const char *path, size_t max_bytes, char **out, size_t *out_len, st_err *err);

/* Calendar arithmetic on the proleptic Gregorian calendar (no time zones). */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* 0 = Monday ... 6 = Sunday, for a day count since 1970-01-01. */
int weekday_from_days(int64_t z);

/* Parses ISO 8601 date-time: YYYY-MM-DDTHH:MM[:SS[.frac]][Z|+HH:MM|-HH:MM|+HHMM].
 * A space may replace 'T'; a missing zone means UTC; fractions are dropped (truncated
 * toward the past). Returns false on anything else. */
bool time_parse_iso(const char *s, st_time *out);
/* The same, and *has_offset (may be NULL) tells whether s named its zone (Z or an offset); without
 * one, *out is the wall time read as UTC (tz_parse_iso reads it in a zone instead). */
bool time_parse_iso_offset(const char *s, st_time *out, bool *has_offset);
/* Parses YYYY-MM-DD to a day count since 1970-01-01. */
bool date_parse(const char *s, int64_t *days_out);
/* Formats t as YYYY-MM-DDTHH:MM:SSZ into buf (at least 21 bytes). Returns buf. */
char *time_format_iso(st_time t, char buf[static 21]);
/* Formats a signed duration as [-]H:MM:SS (hours unbounded) into buf (>= 24 bytes). */
char *duration_format_hms(int64_t seconds, char buf[static 24]);

/* The clock. Real by default; `--now` sets an offset so it ticks forward from the given
 * instant; tests may freeze it. Embedded by value, no resources. */
typedef struct {
    bool frozen;        /* tests: now() returns frozen_at */
    st_time frozen_at;
    int64_t offset_s;   /* added to the real wall clock */
} st_clock;
void clock_init_real(st_clock *c);
/* Makes the clock read `now` at this moment and tick forward from it. */
void clock_set_now(st_clock *c, st_time now);
void clock_freeze(st_clock *c, st_time at);
st_time clock_now(const st_clock *c);
/* Monotonic time and the real wall clock, for timing and recorded_at. */
st_mono mono_now(void);
st_time wall_now(void);

/* The operating-system user running the program (getpwuid(getuid())), or "uid:N" when it has no
 * passwd entry. Owned by util (static); never a typed-in name. */
const char *os_user(void);
/* This machine's host name (gethostname), cached; "unknown" when it has none. Borrowed. */
const char *os_host(void);

#endif
