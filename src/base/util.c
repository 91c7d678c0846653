/* util: see util.h. */
#include "slatop/util.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

st_code st_fail(st_err *err, st_code code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

bool st_locale_init(void)
{
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

void st_err_prefix(st_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Built piecewise: the message may be cut, deliberately, at the buffer's end. */
    char old[sizeof err->msg];
    memcpy(old, err->msg, sizeof old);
    size_t cap = sizeof err->msg - 1, n = 0;
    for (const char *parts[] = {prefix, ": ", old}, **p = parts; p < parts + 3; p++) {
        size_t k = strlen(*p);
        if (k > cap - n)
            k = cap - n;
        memcpy(err->msg + n, *p, k);
        n += k;
    }
    err->msg[n] = '\0';
}

void st_err_clear(st_err *err)
{
    if (err) {
        err->code = ST_OK;
        err->msg[0] = '\0';
    }
}

int st_exit_status(st_code code)
{
    if (code == ST_OK)
        return 0;
    return code == ST_USAGE ? 2 : 1;
}

static void oom(size_t n)
{
    fprintf(stderr, "slatop: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    strbuf sb;
    sb_init(&sb);
    sb_vprintf(&sb, fmt, ap);
    return sb_steal(&sb);
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void sb_init(strbuf *sb)
{
    sb->buf = NULL;
    sb->len = 0;
    sb->cap = 0;
}

void sb_done(strbuf *sb)
{
    free(sb->buf);
    sb_init(sb);
}

void sb_reset(strbuf *sb)
{
    sb->len = 0;
    if (sb->buf)
        sb->buf[0] = '\0';
}

static void sb_grow(strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap *= 2;
    sb->buf = xrealloc(sb->buf, cap);
    sb->cap = cap;
}

void sb_append_n(strbuf *sb, const char *s, size_t n)
{
    sb_grow(sb, n);
    if (n)
        memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sb_append(strbuf *sb, const char *s)
{
    sb_append_n(sb, s, strlen(s));
}

void sb_append_c(strbuf *sb, char c)
{
    if (sb->len + 2 > sb->cap) /* the one character and the terminator */
        sb_grow(sb, 1);
    sb->buf[sb->len++] = c;
    sb->buf[sb->len] = '\0';
}

void sb_vprintf(strbuf *sb, const char *fmt, va_list ap)
{
    /* Formatted straight into the spare room when it fits (most calls: a number, a time), so
     * that streaming output formats each value once, not twice. */
    size_t room = sb->cap > sb->len ? sb->cap - sb->len : 0;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(room ? sb->buf + sb->len : NULL, room, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        if (sb->buf)
            sb->buf[sb->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        sb_grow(sb, (size_t)n);
        vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    }
    sb->len += (size_t)n;
}

void sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

char *sb_steal(strbuf *sb)
{
    if (!sb->buf)
        return xstrdup("");
    char *p = sb->buf;
    sb_init(sb);
    return p;
}

int hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static const char *file_kind(mode_t m)
{
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a file";
}

st_code open_regular_file(const char *path, int *fd_out, unsigned *mode_out, st_err *err)
{
    *fd_out = -1;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer before fstat can refuse it. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return st_fail(err, ST_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return st_fail(err, ST_IO, "%s: cannot open: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return st_fail(err, ST_INVALID, "%s: not a regular file (%s)", path, file_kind(st.st_mode));
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    *fd_out = fd;
    if (mode_out)
        *mode_out = (unsigned)st.st_mode;
    return ST_OK;
}

st_code read_file_all(const char *path, size_t max_bytes, char **out, size_t *out_len, st_err *err)
{
    int fd;
    st_code orc = open_regular_file(path, &fd, NULL, err);
    if (orc != ST_OK)
        return orc;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return st_fail(err, ST_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    strbuf sb;
    sb_init(&sb);
    char chunk[8192];
    size_t n;
    st_code rc = ST_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (sb.len + n > max_bytes) {
            rc = st_fail(err, ST_INVALID, "%s: file is larger than %zu bytes", path, max_bytes);
            break;
        }
        sb_append_n(&sb, chunk, n);
    }
    if (rc == ST_OK && ferror(f))
        rc = st_fail(err, ST_IO, "%s: read error: %s", path, strerror(errno));
    fclose(f);
    if (rc != ST_OK) {
        sb_done(&sb);
        return rc;
    }
    if (out_len)
        *out_len = sb.len;
    *out = sb_steal(&sb);
    return ST_OK;
}

/* Howard Hinnant's civil-date algorithms: exact for the proleptic Gregorian calendar. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t mm = m;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (mm + (mm > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int weekday_from_days(int64_t z)
{
    /* 1970-01-01 was a Thursday (index 3 with Monday = 0). */
    int64_t w = (z + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

bool date_parse(const char *s, int64_t *days_out)
{
    int y, m, d;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m)
        || !digits(s + 8, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || (unsigned)d > days_in_month(y, (unsigned)m))
        return false;
    *days_out = days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

bool time_parse_iso(const char *s, st_time *out)
{
    return time_parse_iso_offset(s, out, NULL);
}

bool time_parse_iso_offset(const char *s, st_time *out, bool *has_offset)
{
    int64_t days;
    char date[11];
    if (strlen(s) < 16)
        return false;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!date_parse(date, &days))
        return false;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return false;
    const char *p = s + 11;
    int hh, mm, ss = 0;
    if (!digits(p, 2, &hh) || p[2] != ':' || !digits(p + 3, 2, &mm))
        return false;
    p += 5;
    if (*p == ':') {
        if (!digits(p + 1, 2, &ss))
            return false;
        p += 3;
        if (*p == '.' || *p == ',') {
            p++;
            if (*p < '0' || *p > '9')
                return false;
            while (*p >= '0' && *p <= '9')
                p++;
        }
    }
    if (hh > 23 || mm > 59 || ss > 60)
        return false;
    if (ss == 60)
        ss = 59; /* a leap second is held at :59; POSIX time has no :60 */
    int64_t off = 0;
    if (has_offset)
        *has_offset = *p != '\0';
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om = 0;
        p++;
        if (!digits(p, 2, &oh))
            return false;
        p += 2;
        if (*p == ':') {
            if (!digits(p + 1, 2, &om))
                return false;
            p += 3;
        } else if (*p >= '0' && *p <= '9') {
            if (!digits(p, 2, &om))
                return false;
            p += 2;
        }
        if (oh > 23 || om > 59)
            return false;
        off = sign * (oh * 3600 + om * 60);
    }
    if (*p != '\0')
        return false;
    *out = days * 86400 + hh * 3600 + mm * 60 + ss - off;
    return true;
}

char *time_format_iso(st_time t, char buf[static 21])
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    /* Years outside 0000-9999 do not fit the format: clamp rather than overflow. */
    if (y < 0 || y > 9999) {
        snprintf(buf, 21, "%s", y < 0 ? "0000-01-01T00:00:00Z" : "9999-12-31T23:59:59Z");
        return buf;
    }
    /* Digits by hand, not snprintf: list --json and audit export format millions of times. */
    unsigned f[6] = {(unsigned)y, m, d, (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60)};
    memcpy(buf, "0000-00-00T00:00:00Z", 21);
    for (int k = 3; k >= 0; k--, f[0] /= 10)
        buf[k] = (char)('0' + f[0] % 10);
    for (int i = 1; i < 6; i++) {
        buf[3 * i + 2] = (char)('0' + f[i] / 10 % 10);
        buf[3 * i + 3] = (char)('0' + f[i] % 10);
    }
    return buf;
}

char *duration_format_hms(int64_t seconds, char buf[static 24])
{
    const char *sign = seconds < 0 ? "-" : "";
    uint64_t a = seconds < 0 ? (uint64_t)(-(seconds + 1)) + 1 : (uint64_t)seconds;
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%s%llu:%02u:%02u", sign, (unsigned long long)(a / 3600), (unsigned)(a / 60 % 60),
             (unsigned)(a % 60));
    snprintf(buf, 24, "%.23s", tmp);
    return buf;
}

void clock_init_real(st_clock *c)
{
    c->frozen = false;
    c->frozen_at = 0;
    c->offset_s = 0;
}

void clock_set_now(st_clock *c, st_time now)
{
    c->frozen = false;
    c->offset_s = now - wall_now();
}

void clock_freeze(st_clock *c, st_time at)
{
    c->frozen = true;
    c->frozen_at = at;
}

st_time clock_now(const st_clock *c)
{
    return c->frozen ? c->frozen_at : wall_now() + c->offset_s;
}

st_mono mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (st_mono)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

st_time wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (st_time)ts.tv_sec;
}

const char *os_host(void)
{
    static char name[256];
    if (!name[0] && (gethostname(name, sizeof name - 1) != 0 || !name[0]))
        snprintf(name, sizeof name, "unknown");
    return name;
}

const char *os_user(void)
{
    static char name[256];
    if (!name[0]) {
        struct passwd *pw = getpwuid(getuid());
        if (pw && pw->pw_name && pw->pw_name[0])
            snprintf(name, sizeof name, "%s", pw->pw_name);
        else
            snprintf(name, sizeof name, "uid:%u", (unsigned)getuid());
    }
    return name;
}
