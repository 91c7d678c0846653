/* calendar: hand-computed examples — daylight-saving days (repeated hours count twice, skipped
 * ones never occur), Lord Howe's 30-minute shift, holidays, split days, 24:00 ends, and the
 * Haptik and Chatti worked examples of SPEC §1. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatop/calendar.h"

/* Builds a calendar: `week` has 7 fields Mon..Sun separated by '|', each a comma list of
 * "HH:MM-HH:MM" (empty = closed); `holidays` a comma list of YYYY-MM-DD (or ""). */
static cal_calendar *mkcal(const char *zone, const char *week, const char *holidays)
{
    cal_calendar *c = calloc(1, sizeof *c);
    st_err err;
    cr_assert_eq(tz_load(zone, &c->zone, &err), ST_OK, "%s", err.msg);
    const char *p = week;
    for (int d = 0; d < 7; d++) {
        c->week[d] = calloc(8, sizeof(cal_interval));
        while (*p && *p != '|') {
            int h1, m1, h2, m2, n = 0;
            cr_assert_eq(sscanf(p, "%d:%d-%d:%d%n", &h1, &m1, &h2, &m2, &n), 4, "bad spec %s", p);
            c->week[d][c->n_week[d]++] = (cal_interval){h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60};
            p += n;
            if (*p == ',')
                p++;
        }
        if (*p == '|')
            p++;
    }
    c->holidays = calloc(16, sizeof(int64_t));
    for (const char *h = holidays; *h;) {
        char buf[11];
        memcpy(buf, h, 10);
        buf[10] = '\0';
        cr_assert(date_parse(buf, &c->holidays[c->n_holidays++]), "bad date %s", buf);
        h += 10;
        if (*h == ',')
            h++;
    }
    return c;
}

static st_time T(const char *iso)
{
    st_time t;
    cr_assert(time_parse_iso(iso, &t), "bad time %s", iso);
    return t;
}

#define HAPTIK_WEEK "10:00-19:00|10:00-19:00|10:00-19:00|10:00-19:00|10:00-19:00||"
#define HAPTIK_HOL "2026-01-26,2026-08-15,2026-10-02,2027-01-26"
#define CHATTI_WEEK "09:00-17:30|09:00-17:30|09:00-17:30|09:00-17:30|09:00-17:30||"
#define CHATTI_HOL "2026-12-25,2026-12-28,2027-01-01"
#define SUNDAY_ONLY(x) "||||||" x

/* ---- daylight saving ---- */

Test(calendar, new_york_spring_forward_skipped_hour_never_occurs)
{
    /* Sunday 2026-03-08: 02:00 EST -> 03:00 EDT. Sunday 00:00-04:00 local holds
     * 00:00-02:00 EST (05:00Z-07:00Z) and 03:00-04:00 EDT (07:00Z-08:00Z): 3 hours, not 4. */
    cal_calendar *c = mkcal("America/New_York", SUNDAY_ONLY("00:00-04:00"), "");
    cr_assert_eq(cal_business_seconds(c, T("2026-03-08T05:00:00Z"), T("2026-03-09T05:00:00Z")), 3 * 3600);
    cr_assert_eq(cal_add_business(c, T("2026-03-08T05:00:00Z"), 2 * 3600), T("2026-03-08T07:00:00Z"));
    cr_assert_eq(cal_add_business(c, T("2026-03-08T05:00:00Z"), 2 * 3600 + 1), T("2026-03-08T07:00:01Z"));
    cr_assert_eq(cal_add_business(c, T("2026-03-08T05:00:00Z"), 3 * 3600), T("2026-03-08T08:00:00Z"));
    /* One more second: the next Sunday 00:00 EDT = 2026-03-15T04:00Z, plus 1 s. */
    cr_assert_eq(cal_add_business(c, T("2026-03-08T05:00:00Z"), 3 * 3600 + 1), T("2026-03-15T04:00:01Z"));
    /* The whole run 05:00Z-08:00Z is open: the offset change inside it is no boundary. */
    cr_assert_eq(cal_next_boundary(c, T("2026-03-08T06:00:00Z")), T("2026-03-08T08:00:00Z"));
    cal_free(c);

    /* An interval lying wholly in the skipped hour never occurs that day. */
    c = mkcal("America/New_York", SUNDAY_ONLY("02:00-03:00"), "");
    cr_assert_eq(cal_business_seconds(c, T("2026-03-08T05:00:00Z"), T("2026-03-09T05:00:00Z")), 0);
    cr_assert_eq(cal_next_open(c, T("2026-03-08T05:00:00Z")), T("2026-03-15T06:00:00Z"));
    cal_free(c);
}

Test(calendar, new_york_fall_back_repeated_hour_counts_twice)
{
    /* Sunday 2026-11-01: 02:00 EDT -> 01:00 EST. 00:00-04:00 local holds 00:00-02:00 EDT
     * (04:00Z-06:00Z) and 01:00-04:00 EST (06:00Z-09:00Z): 5 hours. */
    cal_calendar *c = mkcal("America/New_York", SUNDAY_ONLY("00:00-04:00"), "");
    cr_assert_eq(cal_business_seconds(c, T("2026-11-01T04:00:00Z"), T("2026-11-02T05:00:00Z")), 5 * 3600);
    cr_assert_eq(cal_add_business(c, T("2026-11-01T04:00:00Z"), 5 * 3600), T("2026-11-01T09:00:00Z"));
    cr_assert_eq(cal_add_business(c, T("2026-11-01T04:00:00Z"), 2 * 3600 + 60), T("2026-11-01T06:01:00Z"));
    cal_free(c);

    /* 01:00-02:00 occurs twice back to back: 05:00Z-06:00Z (EDT) then 06:00Z-07:00Z (EST). */
    c = mkcal("America/New_York", SUNDAY_ONLY("01:00-02:00"), "");
    cr_assert_eq(cal_business_seconds(c, T("2026-11-01T00:00:00Z"), T("2026-11-02T00:00:00Z")), 2 * 3600);
    cr_assert(cal_is_business(c, T("2026-11-01T05:30:00Z")));
    cr_assert(cal_is_business(c, T("2026-11-01T06:30:00Z")));
    cr_assert_not(cal_is_business(c, T("2026-11-01T07:00:00Z")));
    cr_assert_eq(cal_next_boundary(c, T("2026-11-01T05:00:00Z")), T("2026-11-01T07:00:00Z"));
    cr_assert_eq(cal_next_boundary(c, T("2026-11-01T04:59:59Z")), T("2026-11-01T05:00:00Z"));
    cal_free(c);
}

Test(calendar, london_spring_and_fall)
{
    cal_calendar *c = mkcal("Europe/London", SUNDAY_ONLY("00:00-04:00"), "");
    /* 2026-03-29: 01:00 GMT -> 02:00 BST. 00:00-01:00 GMT (00:00Z-01:00Z) and 02:00-04:00 BST
     * (01:00Z-03:00Z): 3 hours, contiguous in UTC. */
    cr_assert_eq(cal_business_seconds(c, T("2026-03-28T12:00:00Z"), T("2026-03-30T00:00:00Z")), 3 * 3600);
    cr_assert_eq(cal_add_business(c, T("2026-03-28T12:00:00Z"), 3 * 3600), T("2026-03-29T03:00:00Z"));
    cr_assert_eq(cal_next_open(c, T("2026-03-28T12:00:00Z")), T("2026-03-29T00:00:00Z"));
    /* 2026-10-25: 02:00 BST -> 01:00 GMT. 00:00-02:00 BST (Sat 23:00Z-01:00Z) and 01:00-04:00 GMT
     * (01:00Z-04:00Z): 5 hours. */
    cr_assert_eq(cal_business_seconds(c, T("2026-10-24T12:00:00Z"), T("2026-10-26T00:00:00Z")), 5 * 3600);
    cr_assert_eq(cal_next_open(c, T("2026-10-24T12:00:00Z")), T("2026-10-24T23:00:00Z"));
    cr_assert_eq(cal_add_business(c, T("2026-10-24T23:00:00Z"), 5 * 3600), T("2026-10-25T04:00:00Z"));
    cr_assert_eq(cal_next_boundary(c, T("2026-10-24T23:00:00Z")), T("2026-10-25T04:00:00Z"));
    cal_free(c);
}

Test(calendar, lord_howe_half_hour_shift)
{
    cal_calendar *c = mkcal("Australia/Lord_Howe", SUNDAY_ONLY("00:00-04:00"), "");
    /* 2026-10-04: 02:00 +10:30 -> 02:30 +11. 00:00-02:00 +10:30 (Sat 13:30Z-15:30Z) and
     * 02:30-04:00 +11 (15:30Z-17:00Z): 3.5 hours. */
    cr_assert_eq(cal_business_seconds(c, T("2026-10-03T00:00:00Z"), T("2026-10-05T00:00:00Z")), 12600);
    cr_assert_eq(cal_next_open(c, T("2026-10-03T00:00:00Z")), T("2026-10-03T13:30:00Z"));
    cr_assert_eq(cal_add_business(c, T("2026-10-03T13:30:00Z"), 12600), T("2026-10-03T17:00:00Z"));
    cr_assert_eq(cal_add_business(c, T("2026-10-03T13:30:00Z"), 7200), T("2026-10-03T15:30:00Z"));
    /* 2026-04-05: 02:00 +11 -> 01:30 +10:30. 00:00-02:00 +11 (Sat 13:00Z-15:00Z) and
     * 01:30-04:00 +10:30 (15:00Z-17:30Z): 4.5 hours. */
    cr_assert_eq(cal_business_seconds(c, T("2026-04-04T00:00:00Z"), T("2026-04-06T00:00:00Z")), 16200);
    cr_assert_eq(cal_add_business(c, T("2026-04-04T00:00:00Z"), 16200), T("2026-04-04T17:30:00Z"));
    cal_free(c);
}

/* ---- shapes of the week ---- */

Test(calendar, split_day_two_intervals)
{
    cal_calendar *c = mkcal("UTC", "09:00-12:00,13:00-17:00||||||", "");
    /* Monday 2026-11-16. 11:00 + 2h: 11:00-12:00, lunch, 13:00-14:00. */
    cr_assert_eq(cal_add_business(c, T("2026-11-16T11:00:00Z"), 7200), T("2026-11-16T14:00:00Z"));
    cr_assert_eq(cal_next_open(c, T("2026-11-16T12:30:00Z")), T("2026-11-16T13:00:00Z"));
    cr_assert_eq(cal_next_boundary(c, T("2026-11-16T10:00:00Z")), T("2026-11-16T12:00:00Z"));
    cr_assert_eq(cal_next_boundary(c, T("2026-11-16T12:00:00Z")), T("2026-11-16T13:00:00Z"));
    cr_assert_eq(cal_business_seconds(c, T("2026-11-16T00:00:00Z"), T("2026-11-17T00:00:00Z")), 7 * 3600);
    cr_assert_not(cal_is_business(c, T("2026-11-16T12:00:00Z")));
    cr_assert(cal_is_business(c, T("2026-11-16T11:59:59Z")));
    /* Exactly used up at 12:00: due at 12:00, not at 13:00. */
    cr_assert_eq(cal_add_business(c, T("2026-11-16T11:00:00Z"), 3600), T("2026-11-16T12:00:00Z"));
    cal_free(c);
}

Test(calendar, end_at_24_00_runs_into_next_day)
{
    cal_calendar *c = mkcal("UTC", "18:00-24:00|00:00-06:00|||||", "");
    /* Mon 2026-11-16 18:00 + 10h: 6h Monday night, 4h Tuesday morning. */
    cr_assert_eq(cal_add_business(c, T("2026-11-16T18:00:00Z"), 36000), T("2026-11-17T04:00:00Z"));
    cr_assert(cal_is_business(c, T("2026-11-16T23:59:59Z")));
    cr_assert(cal_is_business(c, T("2026-11-17T00:00:00Z")));
    cr_assert_eq(cal_next_boundary(c, T("2026-11-16T20:00:00Z")), T("2026-11-17T06:00:00Z"));
    /* Exactly the 12 hours: due at Tuesday's 06:00 close. */
    cr_assert_eq(cal_add_business(c, T("2026-11-16T18:00:00Z"), 43200), T("2026-11-17T06:00:00Z"));
    cal_free(c);
}

Test(calendar, no_open_time)
{
    cal_calendar *c = mkcal("UTC", "||||||", "");
    cr_assert_not(cal_has_open_time(c));
    cr_assert_eq(cal_add_business(c, 0, 60), ST_TIME_NONE);
    cr_assert_eq(cal_next_open(c, 0), ST_TIME_NONE);
    cr_assert_eq(cal_next_boundary(c, 0), ST_TIME_NONE);
    cr_assert_eq(cal_business_seconds(c, 0, 86400 * 30), 0);
    cal_free(c);
    cal_free(NULL);
}

Test(calendar, always_open_has_no_boundary)
{
    cal_calendar *c = mkcal("UTC", "00:00-24:00|00:00-24:00|00:00-24:00|00:00-24:00|00:00-24:00|00:00-24:00|00:00-24:00", "");
    cr_assert_eq(cal_next_boundary(c, 1000), ST_TIME_NONE);
    cr_assert_eq(cal_add_business(c, 1000, 86400 * 10), 1000 + 86400 * 10);
    cal_free(c);
}

/* ---- Haptik: Asia/Kolkata (+05:30, no DST), Mon-Fri 10:00-19:00, 9 hours a day ---- */

Test(calendar, haptik_worked_examples)
{
    cal_calendar *c = mkcal("Asia/Kolkata", HAPTIK_WEEK, HAPTIK_HOL);
    /* S2 (240 min) opened Fri 2026-01-23 17:00 IST: 2h Friday (17:00-19:00), weekend,
     * Mon 01-26 Republic Day holiday, so 2h more on Tue 01-27 from 10:00: due 12:00 IST. */
    cr_assert_eq(cal_add_business(c, T("2026-01-23T17:00:00+05:30"), 240 * 60), T("2026-01-27T12:00:00+05:30"));
    /* S1 (60 min) opened on the holiday itself (Mon 01-26 11:00): starts Tue 10:00, due 11:00. */
    cr_assert_eq(cal_add_business(c, T("2026-01-26T11:00:00+05:30"), 3600), T("2026-01-27T11:00:00+05:30"));
    cr_assert_not(cal_is_business(c, T("2026-01-26T11:00:00+05:30")));
    cr_assert_eq(cal_next_open(c, T("2026-01-26T11:00:00+05:30")), T("2026-01-27T10:00:00+05:30"));
    /* Opened before hours (Mon 2026-11-16 08:00): counting starts at 10:00; 240 min -> 14:00. */
    cr_assert_eq(cal_add_business(c, T("2026-11-16T08:00:00+05:30"), 240 * 60), T("2026-11-16T14:00:00+05:30"));
    /* Target running out exactly at closing: 15:00 + 4h = 19:00 the same day, not next morning. */
    cr_assert_eq(cal_add_business(c, T("2026-11-16T15:00:00+05:30"), 240 * 60), T("2026-11-16T19:00:00+05:30"));
    /* One second later it spills into Tuesday: 1 s after 10:00. */
    cr_assert_eq(cal_add_business(c, T("2026-11-16T15:00:01+05:30"), 240 * 60), T("2026-11-17T10:00:01+05:30"));
    /* S2 opened Fri 2026-10-02 (Gandhi Jayanti) 12:00: holiday + weekend; Mon 10-05 10:00 + 4h. */
    cr_assert_eq(cal_add_business(c, T("2026-10-02T12:00:00+05:30"), 240 * 60), T("2026-10-05T14:00:00+05:30"));
    /* Independence Day 2026-08-15 falls on a Saturday: no effect. Fri 08-14 18:00 + 4h:
     * 1h Friday, 3h Monday 08-17 -> 13:00. */
    cr_assert_eq(cal_add_business(c, T("2026-08-14T18:00:00+05:30"), 240 * 60), T("2026-08-17T13:00:00+05:30"));
    /* Mon 2027-01-25 17:00 + 4h: 2h Monday, Tue 01-26 holiday, 2h Wednesday -> 12:00. */
    cr_assert_eq(cal_add_business(c, T("2027-01-25T17:00:00+05:30"), 240 * 60), T("2027-01-27T12:00:00+05:30"));
    /* A week of business time (45h) from Mon 10:00 ends Fri 19:00. */
    cr_assert_eq(cal_business_seconds(c, T("2026-11-16T00:00:00+05:30"), T("2026-11-23T00:00:00+05:30")), 45 * 3600);
    cr_assert_eq(cal_add_business(c, T("2026-11-16T10:00:00+05:30"), 45 * 3600), T("2026-11-20T19:00:00+05:30"));
    cal_free(c);
}

/* ---- Chatti: Europe/London, Mon-Fri 09:00-17:30, 8.5 hours a day ---- */

Test(calendar, chatti_worked_examples)
{
    cal_calendar *c = mkcal("Europe/London", CHATTI_WEEK, CHATTI_HOL);
    /* NORMAL (480 min) opened Thu 2026-12-24 16:00 GMT: 1.5h Thursday; Fri 25 holiday,
     * weekend, Mon 28 holiday; 6.5h on Tue 29 from 09:00: due 15:30 GMT. */
    cr_assert_eq(cal_add_business(c, T("2026-12-24T16:00:00Z"), 480 * 60), T("2026-12-29T15:30:00Z"));
    /* LOW (1440 min) opened Thu 2026-12-31 09:00: 8.5h Thursday (15.5h left), Fri 2027-01-01
     * holiday, weekend, 8.5h Mon 01-04 (7h left), Tue 01-05 09:00 + 7h = 16:00. */
    cr_assert_eq(cal_add_business(c, T("2026-12-31T09:00:00Z"), 1440 * 60), T("2027-01-05T16:00:00Z"));
    /* NORMAL opened Fri 2026-03-27 14:00 GMT: 3.5h Friday; clocks go forward Sunday; 4.5h on
     * Mon 03-30 from 09:00 BST: due 13:30 BST = 12:30Z. */
    cr_assert_eq(cal_add_business(c, T("2026-03-27T14:00:00Z"), 480 * 60), T("2026-03-30T12:30:00Z"));
    /* NORMAL opened Fri 2026-10-23 13:00 BST (12:00Z): 4.5h Friday; clocks go back Sunday;
     * 3.5h Mon 10-26 from 09:00 GMT: due 12:30 GMT. */
    cr_assert_eq(cal_add_business(c, T("2026-10-23T12:00:00Z"), 480 * 60), T("2026-10-26T12:30:00Z"));
    /* Exactly at closing: Mon 2026-11-16 09:00 + 480 min = 17:00; 09:00 + 510 min = 17:30. */
    cr_assert_eq(cal_add_business(c, T("2026-11-16T09:00:00Z"), 510 * 60), T("2026-11-16T17:30:00Z"));
    /* Opened after hours on Friday 18:00 BST in summer: next opening Monday 09:00 BST. */
    cr_assert_eq(cal_next_open(c, T("2026-07-03T17:00:00Z")), T("2026-07-06T08:00:00Z"));
    cr_assert_eq(cal_next_boundary(c, T("2026-07-03T17:00:00Z")), T("2026-07-06T08:00:00Z"));
    cr_assert_eq(cal_next_boundary(c, T("2026-07-06T08:00:00Z")), T("2026-07-06T16:30:00Z"));
    cr_assert(cal_is_business(c, T("2026-07-06T08:00:00Z")));
    cr_assert_not(cal_is_business(c, T("2026-07-06T07:59:59Z")));
    /* Business seconds between the worked example's open and due add up to the target. */
    cr_assert_eq(cal_business_seconds(c, T("2026-12-24T16:00:00Z"), T("2026-12-29T15:30:00Z")), 480 * 60);
    cr_assert_eq(cal_business_seconds(c, T("2026-12-29T15:30:00Z"), T("2026-12-24T16:00:00Z")), 0);
    cal_free(c);
}

Test(calendar, holiday_uses_local_date)
{
    /* 24h every day in Kolkata with 2026-01-26 a holiday: the holiday is 2026-01-25T18:30Z to
     * 2026-01-26T18:30Z, not the UTC date. */
    cal_calendar *c = mkcal("Asia/Kolkata",
                            "00:00-24:00|00:00-24:00|00:00-24:00|00:00-24:00|00:00-24:00|00:00-24:00|00:00-24:00",
                            "2026-01-26");
    cr_assert(cal_is_business(c, T("2026-01-25T18:29:59Z")));
    cr_assert_not(cal_is_business(c, T("2026-01-25T18:30:00Z")));
    cr_assert_not(cal_is_business(c, T("2026-01-26T18:29:59Z")));
    cr_assert(cal_is_business(c, T("2026-01-26T18:30:00Z")));
    cr_assert_eq(cal_next_boundary(c, T("2026-01-25T00:00:00Z")), T("2026-01-25T18:30:00Z"));
    cr_assert_eq(cal_next_boundary(c, T("2026-01-25T18:30:00Z")), T("2026-01-26T18:30:00Z"));
    cr_assert_eq(cal_business_seconds(c, T("2026-01-25T00:00:00Z"), T("2026-01-28T00:00:00Z")), 2 * 86400);
    cal_free(c);
}
