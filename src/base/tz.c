/* tz: TZif (RFC 8536) zones read once, then plain arithmetic. Instants past the last
 * transition follow the POSIX TZ footer rule. No global state, never touches TZ/tzset, so
 * any number of zones can be used side by side. */
#include "slatop/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_MAX_FILE (1u << 20) /* real zone files are a few KB */
#define TZ_ABBR_MAX 16

/* One end of a POSIX DST rule: which day, and the local time of day (may be negative or
 * past 24h, RFC 8536 §3.3.1). */
typedef enum { RULE_MWD, RULE_JULIAN1, RULE_JULIAN0 } rule_kind;
typedef struct {
    rule_kind kind;
    int month, week, wday; /* Mm.w.d: wday 0 = Sunday */
    int day;               /* Jn (1..365, no Feb 29) or n (0..365) */
    int32_t time;          /* seconds after local midnight */
} tz_rule;

typedef struct {
    bool present;
    int32_t std_off, dst_off; /* seconds east of UTC */
    char std_abbr[TZ_ABBR_MAX], dst_abbr[TZ_ABBR_MAX];
    bool has_dst;
    tz_rule start, end; /* start: std -> dst (time in std); end: dst -> std (time in dst) */
} tz_footer;

struct tz_zone {
    char *name;
    size_t n_trans;
    int64_t *trans;     /* sorted UTC instants */
    uint8_t *trans_idx; /* type in force from trans[i] */
    size_t n_types;
    int32_t *type_off;
    uint8_t *type_abbr; /* index into abbrs */
    char *abbrs;
    size_t n_abbrs;
    tz_footer footer;
};

/* ---- TZif parsing ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_counts;

static bool read_header(const unsigned char *p, size_t len, char *version, tzif_counts *c)
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return false;
    *version = (char)p[4];
    c->isutcnt = be32(p + 20);
    c->isstdcnt = be32(p + 24);
    c->leapcnt = be32(p + 28);
    c->timecnt = be32(p + 32);
    c->typecnt = be32(p + 36);
    c->charcnt = be32(p + 40);
    /* Bounds that keep the size arithmetic below far from overflow. */
    return c->timecnt < 1000000 && c->typecnt >= 1 && c->typecnt <= 256 && c->charcnt >= 1 &&
           c->charcnt < 100000 && c->leapcnt < 100000 && c->isutcnt <= c->typecnt &&
           c->isstdcnt <= c->typecnt;
}

static size_t block_size(const tzif_counts *c, size_t tsize)
{
    return (size_t)c->timecnt * tsize + c->timecnt + (size_t)c->typecnt * 6 + c->charcnt +
           (size_t)c->leapcnt * (tsize + 4) + c->isstdcnt + c->isutcnt;
}

/* Fills the transition/type tables from one data block (tsize 4 for v1, 8 for v2+). */
static bool read_block(tz_zone *z, const unsigned char *p, const tzif_counts *c, size_t tsize)
{
    z->n_trans = c->timecnt;
    z->n_types = c->typecnt;
    z->n_abbrs = c->charcnt;
    z->trans = xcalloc(c->timecnt + 1, sizeof *z->trans);
    z->trans_idx = xcalloc(c->timecnt + 1, 1);
    z->type_off = xcalloc(c->typecnt, sizeof *z->type_off);
    z->type_abbr = xcalloc(c->typecnt, 1);
    z->abbrs = xcalloc(c->charcnt + 1, 1);
    for (size_t i = 0; i < c->timecnt; i++) {
        z->trans[i] = tsize == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
        if (i > 0 && z->trans[i] <= z->trans[i - 1])
            return false;
        p += tsize;
    }
    for (size_t i = 0; i < c->timecnt; i++) {
        if (p[i] >= c->typecnt)
            return false;
        z->trans_idx[i] = p[i];
    }
    p += c->timecnt;
    for (size_t i = 0; i < c->typecnt; i++) {
        int32_t off = (int32_t)be32(p);
        if (off <= -26 * 3600 || off >= 26 * 3600 || p[5] >= c->charcnt)
            return false;
        z->type_off[i] = off;
        z->type_abbr[i] = p[5];
        p += 6;
    }
    memcpy(z->abbrs, p, c->charcnt);
    z->abbrs[c->charcnt] = '\0';
    return true;
}

/* ---- POSIX TZ footer parsing ---- */

static bool parse_abbr(const char **sp, char *out)
{
    const char *s = *sp;
    size_t n = 0;
    if (*s == '<') {
        s++;
        while (*s && *s != '>') {
            if (n + 1 >= TZ_ABBR_MAX)
                return false;
            out[n++] = *s++;
        }
        if (*s != '>')
            return false;
        s++;
    } else {
        while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) {
            if (n + 1 >= TZ_ABBR_MAX)
                return false;
            out[n++] = *s++;
        }
    }
    if (n < 1)
        return false;
    out[n] = '\0';
    *sp = s;
    return true;
}

static bool parse_num(const char **sp, int max, int *out)
{
    const char *s = *sp;
    int v = 0, digits = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s++ - '0');
        if (++digits > 3 || v > max)
            return false;
    }
    if (digits == 0)
        return false;
    *out = v;
    *sp = s;
    return true;
}

/* [+-]hh[:mm[:ss]] with hours up to max_h, as signed seconds. */
static bool parse_hms(const char **sp, int max_h, int32_t *out)
{
    const char *s = *sp;
    int sign = 1, h, m = 0, sec = 0;
    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    if (!parse_num(&s, max_h, &h))
        return false;
    if (*s == ':') {
        s++;
        if (!parse_num(&s, 59, &m))
            return false;
        if (*s == ':') {
            s++;
            if (!parse_num(&s, 59, &sec))
                return false;
        }
    }
    *out = (int32_t)(sign * (h * 3600 + m * 60 + sec));
    *sp = s;
    return true;
}

static bool parse_rule(const char **sp, tz_rule *r)
{
    const char *s = *sp;
    if (*s == 'M') {
        s++;
        r->kind = RULE_MWD;
        if (!parse_num(&s, 12, &r->month) || r->month < 1 || *s++ != '.' ||
            !parse_num(&s, 5, &r->week) || r->week < 1 || *s++ != '.' ||
            !parse_num(&s, 6, &r->wday))
            return false;
    } else if (*s == 'J') {
        s++;
        r->kind = RULE_JULIAN1;
        if (!parse_num(&s, 365, &r->day) || r->day < 1)
            return false;
    } else {
        r->kind = RULE_JULIAN0;
        if (!parse_num(&s, 365, &r->day))
            return false;
    }
    r->time = 2 * 3600;
    if (*s == '/') {
        s++;
        if (!parse_hms(&s, 167, &r->time))
            return false;
    }
    *sp = s;
    return true;
}

/* Parses e.g. "GMT0BST,M3.5.0/1,M10.5.0" or "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0".
 * POSIX offsets count west of UTC, hence the negations. */
static bool parse_footer(const char *s, tz_footer *f)
{
    int32_t off;
    memset(f, 0, sizeof *f);
    if (*s == '\0')
        return true; /* empty footer: no rule, the last transition holds forever */
    if (!parse_abbr(&s, f->std_abbr) || !parse_hms(&s, 24, &off))
        return false;
    f->std_off = -off;
    f->present = true;
    if (*s == '\0')
        return true;
    if (!parse_abbr(&s, f->dst_abbr))
        return false;
    f->has_dst = true;
    f->dst_off = f->std_off + 3600;
    if (*s != ',' && *s != '\0') {
        if (!parse_hms(&s, 24, &off))
            return false;
        f->dst_off = -off;
    }
    if (*s == '\0') {
        /* POSIX leaves the default rule to the implementation; the US rule is customary. */
        f->start = (tz_rule){RULE_MWD, 3, 2, 0, 0, 7200};
        f->end = (tz_rule){RULE_MWD, 11, 1, 0, 0, 7200};
        return true;
    }
    if (*s++ != ',' || !parse_rule(&s, &f->start) || *s++ != ',' || !parse_rule(&s, &f->end))
        return false;
    return *s == '\0';
}

/* ---- footer rule evaluation ---- */

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Local date (days since epoch) on which rule r falls in year y. */
static int64_t rule_day(const tz_rule *r, int64_t y)
{
    int64_t jan1 = days_from_civil(y, 1, 1);
    switch (r->kind) {
    case RULE_JULIAN1:
        return jan1 + r->day - 1 + (is_leap(y) && r->day >= 60 ? 1 : 0);
    case RULE_JULIAN0:
        return jan1 + r->day;
    case RULE_MWD:
    default: {
        unsigned m = (unsigned)r->month;
        int64_t first = days_from_civil(y, m, 1);
        int64_t next = m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1);
        int target = (r->wday + 6) % 7; /* to Monday = 0 */
        int64_t d = first + (target - weekday_from_days(first) + 7) % 7 + 7 * (r->week - 1);
        while (d >= next)
            d -= 7;
        return d;
    }
    }
}

/* The two footer transitions of year y: [0] into DST, [1] back to standard time. */
static void footer_year(const tz_footer *f, int64_t y, int64_t out[2])
{
    out[0] = rule_day(&f->start, y) * 86400 + f->start.time - f->std_off;
    out[1] = rule_day(&f->end, y) * 86400 + f->end.time - f->dst_off;
}

static int64_t year_of(st_time t)
{
    int64_t y;
    unsigned m, d;
    int64_t days = t / 86400 - (t % 86400 < 0);
    civil_from_days(days, &y, &m, &d);
    return y;
}

typedef struct {
    int64_t at;
    bool dst; /* offset from `at` on */
} ftrans;

/* Footer transitions of years y-1 .. y+2, in order. At equal instants the DST start sorts last
 * so an all-year-DST rule (e.g. "J1/0,J365/25") stays in DST. Returns the count (8). */
static size_t footer_window(const tz_footer *f, int64_t y, ftrans out[8])
{
    size_t n = 0;
    for (int64_t yy = y - 1; yy <= y + 2; yy++) {
        int64_t tr[2];
        footer_year(f, yy, tr);
        out[n++] = (ftrans){tr[0], true};
        out[n++] = (ftrans){tr[1], false};
    }
    for (size_t i = 1; i < n; i++) { /* insertion sort: 8 entries, nearly sorted */
        ftrans x = out[i];
        size_t j = i;
        while (j > 0 && (out[j - 1].at > x.at || (out[j - 1].at == x.at && out[j - 1].dst && !x.dst))) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = x;
    }
    return n;
}

/* Rules are evaluated only within +-100,000 years of the epoch; beyond that (never a real
 * ticket) standard time holds, which keeps the day arithmetic far from overflow. */
#define TZ_RULE_RANGE ((st_time)100000 * 366 * 86400)

static bool footer_is_dst(const tz_footer *f, st_time t)
{
    if (!f->has_dst || t > TZ_RULE_RANGE || t < -TZ_RULE_RANGE)
        return false;
    ftrans w[8];
    size_t n = footer_window(f, year_of(t), w);
    bool dst = false; /* before the first of the window's transitions (never reached) */
    for (size_t i = 0; i < n && w[i].at <= t; i++)
        dst = w[i].dst;
    return dst;
}

/* ---- public ---- */

static bool name_ok(const char *name)
{
    if (!name || !*name || name[0] == '/' || strstr(name, "..") || strlen(name) > 255)
        return false;
    for (const char *p = name; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch < 0x21 || ch == 0x7f || ch == '\\')
            return false;
    }
    return true;
}

void tz_free(tz_zone *z)
{
    if (!z)
        return;
    free(z->name);
    free(z->trans);
    free(z->trans_idx);
    free(z->type_off);
    free(z->type_abbr);
    free(z->abbrs);
    free(z);
}

static bool parse_tzif(tz_zone *z, const unsigned char *p, size_t len)
{
    char version;
    tzif_counts c;
    if (!read_header(p, len, &version, &c))
        return false;
    size_t v1 = block_size(&c, 4);
    if (len - 44 < v1)
        return false;
    if (version == '\0')
        return read_block(z, p + 44, &c, 4); /* v1 only: 32-bit times, no footer */
    const unsigned char *h2 = p + 44 + v1;
    size_t rest = len - 44 - v1;
    char v2;
    if (!read_header(h2, rest, &v2, &c))
        return false;
    size_t b2 = block_size(&c, 8);
    if (rest - 44 < b2)
        return false;
    if (!read_block(z, h2 + 44, &c, 8))
        return false;
    /* Footer: "\n" POSIX-TZ "\n". */
    const char *f = (const char *)h2 + 44 + b2;
    size_t flen = rest - 44 - b2;
    if (flen < 2 || f[0] != '\n')
        return false;
    const char *nl = memchr(f + 1, '\n', flen - 1);
    if (!nl || nl - f - 1 > 200)
        return false;
    char buf[256];
    memcpy(buf, f + 1, (size_t)(nl - f - 1));
    buf[nl - f - 1] = '\0';
    return parse_footer(buf, &z->footer);
}

st_code tz_load(const char *name, tz_zone **out, st_err *err)
{
    *out = NULL;
    if (!name_ok(name))
        return st_fail(err, ST_INVALID, "unknown time zone '%s'", name ? name : "");
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = "/usr/share/zoneinfo";
    char *path = xasprintf("%s/%s", dir, name);
    char *data = NULL;
    size_t len = 0;
    st_err ignored;
    st_code rc = read_file_all(path, TZ_MAX_FILE, &data, &len, &ignored);
    free(path);
    if (rc != ST_OK)
        return st_fail(err, ST_INVALID, "unknown time zone '%s'", name);
    tz_zone *z = xcalloc(1, sizeof *z);
    bool ok = parse_tzif(z, (const unsigned char *)data, len);
    free(data);
    if (!ok) {
        tz_free(z);
        return st_fail(err, ST_INVALID, "unknown time zone '%s' (not a valid TZif file)", name);
    }
    z->name = xstrdup(name);
    *out = z;
    return ST_OK;
}

const char *tz_name(const tz_zone *z)
{
    return z->name;
}

/* Index of the last transition <= t, or -1 when t is before the first. */
static ptrdiff_t trans_search(const tz_zone *z, st_time t)
{
    size_t lo = 0, hi = z->n_trans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (ptrdiff_t)lo - 1;
}

static bool use_footer(const tz_zone *z, ptrdiff_t i)
{
    return z->footer.present && (size_t)(i + 1) == z->n_trans;
}

int32_t tz_offset_at(const tz_zone *z, st_time t, const char **abbr)
{
    ptrdiff_t i = trans_search(z, t);
    if (use_footer(z, i)) {
        bool dst = footer_is_dst(&z->footer, t);
        if (abbr)
            *abbr = dst ? z->footer.dst_abbr : z->footer.std_abbr;
        return dst ? z->footer.dst_off : z->footer.std_off;
    }
    /* Before the first transition: time type 0 (RFC 8536 §3.2). */
    size_t type = i < 0 ? 0 : z->trans_idx[i];
    if (abbr)
        *abbr = z->abbrs + z->type_abbr[type];
    return z->type_off[type];
}

st_time tz_next_change(const tz_zone *z, st_time t)
{
    int32_t cur = tz_offset_at(z, t, NULL);
    ptrdiff_t i = trans_search(z, t);
    /* Table transitions that change only the abbreviation or isdst are not changes. */
    for (size_t j = (size_t)(i + 1); j < z->n_trans; j++)
        if (z->type_off[z->trans_idx[j]] != cur)
            return z->trans[j];
    if (!z->footer.present || !z->footer.has_dst || z->footer.std_off == z->footer.dst_off ||
        t > TZ_RULE_RANGE || t < -TZ_RULE_RANGE)
        return ST_TIME_NONE;
    /* Past the table (or its remaining entries were no-ops): the footer rule. The search
     * starts no earlier than the last table transition, where the rule takes over. */
    st_time from = t;
    if (z->n_trans > 0 && from < z->trans[z->n_trans - 1])
        from = z->trans[z->n_trans - 1];
    for (int64_t y = year_of(from);; y += 2) {
        ftrans w[8];
        size_t n = footer_window(&z->footer, y, w);
        for (size_t k = 0; k < n; k++) {
            if (w[k].at <= from)
                continue;
            int32_t off = w[k].dst ? z->footer.dst_off : z->footer.std_off;
            if (off != cur)
                return w[k].at;
        }
        if (y > year_of(from) + 4) /* a rule that never flips (all-year DST) */
            return ST_TIME_NONE;
    }
}

void tz_to_local(const tz_zone *z, st_time t, tz_local *out)
{
    out->offset = tz_offset_at(z, t, &out->abbr);
    int64_t l = t + out->offset;
    int64_t days = l / 86400 - (l % 86400 < 0);
    out->days = days;
    out->sec_of_day = (int32_t)(l - days * 86400);
    out->weekday = weekday_from_days(days);
}

char *tz_format(const tz_zone *z, st_time t, char *buf, size_t bufsz)
{
    tz_local l;
    tz_to_local(z, t, &l);
    int64_t y;
    unsigned m, d;
    civil_from_days(l.days, &y, &m, &d);
    snprintf(buf, bufsz, "%04lld-%02u-%02u %02d:%02d:%02d %s", (long long)y, m, d,
             (int)(l.sec_of_day / 3600), (int)(l.sec_of_day / 60 % 60), (int)(l.sec_of_day % 60),
             l.abbr);
    return buf;
}

st_time tz_local_to_utc(const tz_zone *z, st_time wall)
{
    /* Two passes: the offset at the first guess may differ from the offset at the answer near a
     * change. */
    st_time t = wall - tz_offset_at(z, wall, NULL);
    return wall - tz_offset_at(z, t, NULL);
}

bool tz_parse_iso(const tz_zone *z, const char *s, st_time *out)
{
    bool has_offset;
    st_time t;
    if (!time_parse_iso_offset(s, &t, &has_offset))
        return false;
    *out = has_offset || !z ? t : tz_local_to_utc(z, t);
    return true;
}
