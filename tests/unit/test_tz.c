/* tz: offsets against glibc's localtime_r as the reference (TZ is set here, in the test only),
 * footer rules past 2037, hand-made TZif files for every POSIX rule form, and refusals. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "slatop/tz.h"

/* The reference: glibc under TZ=spec. */
static int32_t ref_offset(const char *spec, st_time t, char *abbr, size_t abbr_sz)
{
    static char cur[128];
    if (strcmp(cur, spec) != 0) {
        setenv("TZ", spec, 1);
        tzset();
        snprintf(cur, sizeof cur, "%s", spec);
    }
    time_t tt = (time_t)t;
    struct tm tm;
    cr_assert_not_null(localtime_r(&tt, &tm));
    if (abbr)
        snprintf(abbr, abbr_sz, "%s", tm.tm_zone);
    return (int32_t)tm.tm_gmtoff;
}

static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng_state >> 17;
}

static tz_zone *load(const char *name)
{
    tz_zone *z = NULL;
    st_err err;
    st_code rc = tz_load(name, &z, &err);
    cr_assert_eq(rc, ST_OK, "%s: %s", name, err.msg);
    return z;
}

#define T1970 ((st_time)0)
#define T2100 ((st_time)4102444800) /* 2100-01-01T00:00:00Z */

static void compare_zone(const char *name)
{
    tz_zone *z = load(name);
    cr_assert_str_eq(tz_name(z), name);
    rng_state = 42;
    char abbr[64];
    const char *mine;
    for (int i = 0; i < 20000; i++) {
        st_time t = T1970 + (st_time)(rng() % (uint64_t)(T2100 - T1970));
        int32_t want = ref_offset(name, t, abbr, sizeof abbr);
        int32_t got = tz_offset_at(z, t, &mine);
        cr_assert_eq(got, want, "%s at %lld: got %d want %d", name, (long long)t, got, want);
        cr_assert_str_eq(mine, abbr, "%s at %lld", name, (long long)t);
        /* The offset holds until the next change, which is a real change. */
        st_time nx = tz_next_change(z, t);
        if (nx != ST_TIME_NONE && nx < T2100 + 86400 * 400) {
            cr_assert_gt(nx, t);
            cr_assert_eq(ref_offset(name, nx - 1, NULL, 0), want, "%s before change %lld", name,
                         (long long)nx);
            cr_assert_neq(ref_offset(name, nx, NULL, 0), want, "%s at change %lld", name,
                          (long long)nx);
        }
    }
    /* Every change from 1970 to 2100, second-exact on both sides. */
    int changes = 0;
    for (st_time t = T1970; t < T2100;) {
        st_time nx = tz_next_change(z, t);
        if (nx == ST_TIME_NONE || nx >= T2100)
            break;
        cr_assert_eq(tz_offset_at(z, nx - 1, NULL), ref_offset(name, nx - 1, NULL, 0));
        cr_assert_eq(tz_offset_at(z, nx, NULL), ref_offset(name, nx, NULL, 0));
        cr_assert_neq(tz_offset_at(z, nx, NULL), tz_offset_at(z, nx - 1, NULL));
        t = nx;
        changes++;
    }
    if (strcmp(name, "UTC") == 0 || strcmp(name, "Asia/Kolkata") == 0)
        cr_assert_eq(changes, 0, "%s", name);
    else
        cr_assert_gt(changes, 100, "%s: %d changes", name, changes);
    tz_free(z);
}

Test(tz, london_vs_localtime) { compare_zone("Europe/London"); }
Test(tz, new_york_vs_localtime) { compare_zone("America/New_York"); }
Test(tz, kolkata_vs_localtime) { compare_zone("Asia/Kolkata"); }
Test(tz, lord_howe_vs_localtime) { compare_zone("Australia/Lord_Howe"); }
Test(tz, adelaide_vs_localtime) { compare_zone("Australia/Adelaide"); }
Test(tz, st_johns_vs_localtime) { compare_zone("America/St_Johns"); }
Test(tz, chatham_vs_localtime) { compare_zone("Pacific/Chatham"); }
Test(tz, utc_vs_localtime) { compare_zone("UTC"); }

Test(tz, footer_rule_after_2037)
{
    tz_zone *z = load("Europe/London");
    /* 2050-03-27 (last Sunday of March) 01:00 UTC: GMT -> BST. */
    const char *a;
    cr_assert_eq(tz_offset_at(z, 2531955599, &a), 0);
    cr_assert_str_eq(a, "GMT");
    cr_assert_eq(tz_offset_at(z, 2531955600, &a), 3600);
    cr_assert_str_eq(a, "BST");
    cr_assert_eq(tz_next_change(z, 2531955599 - 86400 * 30), 2531955600);
    /* 2050-10-30 01:00 UTC: BST -> GMT. */
    cr_assert_eq(tz_next_change(z, 2531955600), 2550704400);
    char buf[64];
    cr_assert_str_eq(tz_format(z, 2550704400 - 1, buf, sizeof buf), "2050-10-30 01:59:59 BST");
    cr_assert_str_eq(tz_format(z, 2550704400, buf, sizeof buf), "2050-10-30 01:00:00 GMT");
    tz_free(z);

    /* Lord Howe: first Sunday of October 2040 at 02:00 +10:30 goes to +11 (a 30-minute shift). */
    z = load("Australia/Lord_Howe");
    cr_assert_eq(tz_offset_at(z, 2233150200 - 1, NULL), 37800);
    cr_assert_eq(tz_offset_at(z, 2233150200, &a), 39600);
    cr_assert_str_eq(a, "+11");
    cr_assert_eq(tz_next_change(z, 2233150200 - 1000), 2233150200);
    tz_free(z);
}

Test(tz, to_local_fields)
{
    tz_zone *z = load("Asia/Kolkata");
    tz_local l;
    /* 2026-01-26T04:30:00Z = 10:00 IST on Monday 2026-01-26. */
    tz_to_local(z, 1769401800, &l);
    cr_assert_eq(l.days, days_from_civil(2026, 1, 26));
    cr_assert_eq(l.sec_of_day, 36000);
    cr_assert_eq(l.weekday, 0);
    cr_assert_eq(l.offset, 19800);
    cr_assert_str_eq(l.abbr, "IST");
    /* Before the epoch, floor division. */
    tz_free(z);
    z = load("UTC");
    tz_to_local(z, -1, &l);
    cr_assert_eq(l.days, -1);
    cr_assert_eq(l.sec_of_day, 86399);
    cr_assert_eq(l.weekday, 2); /* 1969-12-31 was a Wednesday */
    tz_free(z);
}

Test(tz, unknown_zone)
{
    tz_zone *z = (tz_zone *)1;
    st_err err;
    cr_assert_eq(tz_load("Mars/Olympus_Mons", &z, &err), ST_INVALID);
    cr_assert_null(z);
    cr_assert_str_eq(err.msg, "unknown time zone 'Mars/Olympus_Mons'");
    cr_assert_eq(tz_load("", &z, &err), ST_INVALID);
}

Test(tz, refuses_dotdot_and_absolute)
{
    tz_zone *z = NULL;
    st_err err;
    cr_assert_eq(tz_load("../zoneinfo/UTC", &z, &err), ST_INVALID);
    cr_assert_str_eq(err.msg, "unknown time zone '../zoneinfo/UTC'");
    cr_assert_eq(tz_load("Europe/../UTC", &z, &err), ST_INVALID);
    cr_assert_eq(tz_load("/usr/share/zoneinfo/UTC", &z, &err), ST_INVALID);
    cr_assert_null(z);
}

Test(tz, refuses_non_tzif)
{
    char dir[] = "/tmp/slatop-tz-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/Bogus", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("not a zone file at all, not even close to one\n", f);
    fclose(f);
    setenv("TZDIR", dir, 1);
    tz_zone *z = NULL;
    st_err err;
    cr_assert_eq(tz_load("Bogus", &z, &err), ST_INVALID);
    cr_assert(strstr(err.msg, "Bogus") != NULL);
    unsetenv("TZDIR");
    unlink(path);
    rmdir(dir);
}

/* A TZif v2 file with no transitions, so the footer rule governs every instant. */
static void write_footer_zone(const char *dir, const char *name, const char *footer)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    unsigned char hdr[44] = {'T', 'Z', 'i', 'f', '2'};
    hdr[39] = 1; /* typecnt */
    hdr[43] = 4; /* charcnt */
    const unsigned char data[10] = {0, 0, 0, 0, 0, 0, 'U', 'T', 'C', 0};
    for (int i = 0; i < 2; i++) {
        fwrite(hdr, 1, sizeof hdr, f);
        fwrite(data, 1, sizeof data, f);
    }
    fprintf(f, "\n%s\n", footer);
    fclose(f);
}

static void compare_footer(const char *footer)
{
    char dir[] = "/tmp/slatop-tz-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    write_footer_zone(dir, "Custom", footer);
    setenv("TZDIR", dir, 1);
    tz_zone *z = load("Custom");
    unsetenv("TZDIR");
    rng_state = 7;
    for (int i = 0; i < 5000; i++) {
        st_time t = T1970 + (st_time)(rng() % (uint64_t)(T2100 - T1970));
        cr_assert_eq(tz_offset_at(z, t, NULL), ref_offset(footer, t, NULL, 0), "%s at %lld", footer,
                     (long long)t);
    }
    int changes = 0;
    for (st_time t = 946684800; t < T2100;) { /* from 2000 */
        st_time nx = tz_next_change(z, t);
        if (nx == ST_TIME_NONE || nx >= T2100)
            break;
        cr_assert_eq(tz_offset_at(z, nx - 1, NULL), ref_offset(footer, nx - 1, NULL, 0), "%s", footer);
        cr_assert_eq(tz_offset_at(z, nx, NULL), ref_offset(footer, nx, NULL, 0), "%s", footer);
        t = nx;
        changes++;
    }
    cr_assert_eq(changes, 200, "%s: %d changes", footer, changes);
    tz_free(z);
    char path[256];
    snprintf(path, sizeof path, "%s/Custom", dir);
    unlink(path);
    rmdir(dir);
}

Test(tz, footer_forms_vs_glibc)
{
    compare_footer("GMT0BST,M3.5.0/1,M10.5.0");
    compare_footer("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
    compare_footer("EST5EDT,M3.2.0,M11.1.0");
    compare_footer("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1"); /* negative transition times */
    compare_footer("IST-2IDT,M3.4.4/26,M10.5.0");        /* past 24:00 */
    compare_footer("XST3XDT,J60/2,J300/2");               /* Jn: Feb 29 never counted */
    compare_footer("XST3XDT,59/2,299/2");                 /* n: zero-based, Feb 29 counted */
    compare_footer("<+0545>-5:45<+0645>-6:45,M4.1.0/0:30,M9.5.0/23:59:59");
}

Test(tz, footer_without_dst)
{
    char dir[] = "/tmp/slatop-tz-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    write_footer_zone(dir, "Fixed", "<+0530>-5:30");
    setenv("TZDIR", dir, 1);
    tz_zone *z = load("Fixed");
    unsetenv("TZDIR");
    const char *a;
    cr_assert_eq(tz_offset_at(z, 4000000000, &a), 19800);
    cr_assert_str_eq(a, "+0530");
    cr_assert_eq(tz_next_change(z, 0), ST_TIME_NONE);
    tz_free(z);
    char path[256];
    snprintf(path, sizeof path, "%s/Fixed", dir);
    unlink(path);
    rmdir(dir);
}

Test(tz, many_zones_at_once)
{
    const char *names[] = {"Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"};
    tz_zone *z[4];
    for (int i = 0; i < 4; i++)
        z[i] = load(names[i]);
    /* 2026-07-01T12:00:00Z */
    cr_assert_eq(tz_offset_at(z[0], 1782907200, NULL), 3600);
    cr_assert_eq(tz_offset_at(z[1], 1782907200, NULL), -4 * 3600);
    cr_assert_eq(tz_offset_at(z[2], 1782907200, NULL), 19800);
    cr_assert_eq(tz_offset_at(z[3], 1782907200, NULL), 37800);
    for (int i = 0; i < 4; i++)
        tz_free(z[i]);
}

Test(tz, extreme_instants_do_not_overflow)
{
    tz_zone *z = load("Europe/London");
    /* Far outside any rule: standard time, no further change (and no UB under UBSan). */
    cr_assert_eq(tz_offset_at(z, (st_time)1 << 62, NULL), 0);
    cr_assert_eq(tz_next_change(z, (st_time)1 << 62), ST_TIME_NONE);
    /* Before the first transition: time type 0 (local mean time, -0:01:15). */
    cr_assert_eq(tz_offset_at(z, -((st_time)1 << 62), NULL), -75);
    cr_assert_neq(tz_next_change(z, -((st_time)1 << 62)), ST_TIME_NONE);
    tz_free(z);
}

/* A time without an offset is read in the zone, as date(1) reads it in $TZ; Z or an offset wins. */
Test(tz, parse_iso_in_zone)
{
    tz_zone *z;
    st_err err;
    cr_assert_eq(tz_load("Asia/Kolkata", &z, &err), ST_OK, "%s", err.msg);
    st_time t;
    cr_assert(tz_parse_iso(z, "2026-11-20T15:30:00", &t));
    cr_assert_eq(t, 1795132800 + 15 * 3600 + 1800 - 19800); /* 10:00Z */
    cr_assert(tz_parse_iso(z, "2026-11-20T15:30:00Z", &t));
    cr_assert_eq(t, 1795132800 + 15 * 3600 + 1800);
    cr_assert(tz_parse_iso(z, "2026-11-20T15:30+01:00", &t));
    cr_assert_eq(t, 1795132800 + 14 * 3600 + 1800);
    cr_assert(tz_parse_iso(NULL, "2026-11-20T15:30", &t));
    cr_assert_eq(t, 1795132800 + 15 * 3600 + 1800);
    cr_assert_not(tz_parse_iso(z, "2026-11-20", &t));
    tz_free(z);
    /* London: summer time, a gap and an overlap. */
    cr_assert_eq(tz_load("Europe/London", &z, &err), ST_OK, "%s", err.msg);
    cr_assert(tz_parse_iso(z, "2026-07-01T12:00:00", &t));
    st_time noon;
    cr_assert(time_parse_iso("2026-07-01T11:00:00Z", &noon));
    cr_assert_eq(t, noon);
    cr_assert(tz_parse_iso(z, "2026-03-29T01:30:00", &t)); /* in the gap: 02:30 BST */
    cr_assert(time_parse_iso("2026-03-29T01:30:00Z", &noon));
    cr_assert_eq(t, noon);
    cr_assert(tz_parse_iso(z, "2026-10-25T01:30:00", &t)); /* twice: the later, GMT */
    cr_assert(time_parse_iso("2026-10-25T01:30:00Z", &noon));
    cr_assert_eq(t, noon);
    tz_free(z);
}
