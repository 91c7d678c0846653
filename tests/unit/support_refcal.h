/* support_refcal: the property tests' shared reference calendar. A random weekly calendar with
 * holidays, the slow per-instant business check through glibc's localtime_r (the caller sets TZ),
 * the same calendar built as the engine's cal_calendar, and the seeded generator. Linked into
 * every unit test executable; everything is prefixed support_. */
#ifndef SLATOP_SUPPORT_REFCAL_H
#define SLATOP_SUPPORT_REFCAL_H

#include <stdbool.h>
#include <stdint.h>

#include "slatop/calendar.h"

#define SUPPORT_MAX_HOL 6

/* A deterministic generator (one state per process: Criterion runs each test in its own). */
void support_seed(uint64_t seed);
uint64_t support_rng(void);
int64_t support_rnd(int64_t lo, int64_t hi); /* inclusive */

typedef struct {
    int32_t start[7][3], end[7][3]; /* seconds after local midnight; Monday = 0 */
    int n[7];
    int64_t hol[SUPPORT_MAX_HOL]; /* local dates as days since 1970-01-01, sorted, distinct */
    int n_hol;
} support_refcal;

/* Business time at t by the definition of SPEC §2, asked of localtime_r under the process TZ. */
bool support_refcal_is_business(const support_refcal *r, st_time t);
/* A random week (zeroing r): at least two open days, one to three whole-minute intervals a day,
 * some from midnight, some early (around the usual change hours), some to 24:00. */
void support_refcal_random_week(support_refcal *r);
/* Up to SUPPORT_MAX_HOL random holidays on local days [day(start) + lo, day(start) + hi]. */
void support_refcal_random_holidays(support_refcal *r, st_time start, int64_t lo, int64_t hi);
/* The same calendar for the engine, in `zone` (caller owns: cal_free). */
cal_calendar *support_refcal_build(const support_refcal *r, const char *zone);

/* Prints "NAME: ZONE seed S, N cases" (so a failure can be replayed), seeds the generator, sets
 * the process TZ for the reference and returns the zone loaded for the engine (caller frees). */
tz_zone *support_zone_begin(const char *name, const char *zone, unsigned seed, int cases);

/* One Criterion test per zone (Criterion runs them in parallel), each announcing itself, seeding
 * the generator with seed + its index and calling run_zone(zone name, loaded zone, cases): both
 * hemispheres'
 * daylight saving, a half-hour shift (Lord Howe), half- and quarter-hour offsets (Kolkata,
 * Kathmandu; St John's has both). */
#define SUPPORT_ZONE_TESTS(suite, timeout_s, seed, cases, run_zone)                                \
    static void suite##_zone(unsigned idx, const char *zone)                                       \
    {                                                                                              \
        tz_zone *z = support_zone_begin(#suite, zone, (seed) + idx, (cases));                      \
        run_zone(zone, z, (cases));                                                                \
        tz_free(z);                                                                                \
    }                                                                                              \
    Test(suite, london, .timeout = timeout_s) { suite##_zone(0, "Europe/London"); }                \
    Test(suite, new_york, .timeout = timeout_s) { suite##_zone(1, "America/New_York"); }           \
    Test(suite, lord_howe, .timeout = timeout_s) { suite##_zone(2, "Australia/Lord_Howe"); }       \
    Test(suite, kolkata, .timeout = timeout_s) { suite##_zone(3, "Asia/Kolkata"); }                \
    Test(suite, st_johns, .timeout = timeout_s) { suite##_zone(4, "America/St_Johns"); }           \
    Test(suite, kathmandu, .timeout = timeout_s) { suite##_zone(5, "Asia/Kathmandu"); }

#endif
