/* alert_detect: crossings into warn or breached reported exactly once per clock and state
 * (SPEC §8 "Alerts"), with a bounded memory. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "slatop/alert_detect.h"
#include "slatop/policy.h"

#define FR POL_METRIC_FIRST_RESPONSE
#define NR POL_METRIC_NEXT_RESPONSE

static alert_obs ob(int64_t id, int metric, int cycle, sla_state s)
{
    return (alert_obs){id, metric, cycle, s};
}

/* Feeds one batch; returns the crossings as "obs-index:state" codes summed into a small string. */
static size_t step(alert_detector *det, const alert_obs *o, size_t n, char *buf, size_t cap)
{
    const alert_crossing *x;
    size_t k = alert_detect_step(det, o, n, &x);
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < k && used + 16 < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%zu:%s", i ? " " : "", x[i].obs,
                                 sla_state_name(x[i].state));
    return k;
}

static alert_detector *d; /* each test's own detector (the suite's set-up and tear-down) */
static char b[256];       /* the last step's crossings */

static void setup(void)
{
    d = alert_detect_new();
}

static void teardown(void)
{
}

TestSuite(alert_detect, .init = setup, .fini = teardown);

Test(alert_detect, first_observation_is_quiet_then_each_crossing_once)
{
    alert_obs t0[] = {ob(1, FR, 1, SLA_OK), ob(2, FR, 1, SLA_WARN), ob(3, FR, 1, SLA_BREACHED)};
    cr_expect_eq(step(d, t0, 3, b, sizeof b), 0, "started warn/breached: no alert (%s)", b);
    alert_obs t1[] = {ob(1, FR, 1, SLA_WARN), ob(2, FR, 1, SLA_WARN), ob(3, FR, 1, SLA_BREACHED)};
    cr_expect_eq(step(d, t1, 3, b, sizeof b), 1);
    cr_expect_str_eq(b, "0:warn");
    cr_expect_eq(step(d, t1, 3, b, sizeof b), 0, "still warn: %s", b);
    alert_obs t2[] = {ob(1, FR, 1, SLA_BREACHED), ob(2, FR, 1, SLA_BREACHED), ob(3, FR, 1, SLA_BREACHED)};
    cr_expect_eq(step(d, t2, 3, b, sizeof b), 2);
    cr_expect_str_eq(b, "0:breached 1:breached", "warn -> breached rings once more, per clock");
    cr_expect_eq(step(d, t2, 3, b, sizeof b), 0, "%s", b);
}

/* Overnight pauses, a level lowered and raised again: the same clock and state never again. */
Test(alert_detect, never_again_for_the_same_clock_and_state)
{
    sla_state seq[] = {SLA_OK, SLA_WARN, SLA_PAUSED, SLA_WARN, SLA_OK, SLA_WARN, SLA_BREACHED,
                       SLA_PAUSED, SLA_BREACHED, SLA_WARN, SLA_BREACHED, SLA_MISSED};
    size_t total = 0;
    for (size_t i = 0; i < sizeof seq / sizeof *seq; i++) {
        alert_obs o = ob(7, FR, 1, seq[i]);
        total += step(d, &o, 1, b, sizeof b);
    }
    cr_expect_eq(total, 2, "one warn and one breached alert, got %zu", total);
}

/* A reload that re-sorts the list: the clocks keep their history whatever their position. */
Test(alert_detect, resorting_and_reloading_change_nothing)
{
    alert_obs a[] = {ob(5, FR, 1, SLA_OK), ob(9, FR, 1, SLA_OK), ob(2, FR, 1, SLA_OK)};
    step(d, a, 3, b, sizeof b);
    alert_obs c[] = {ob(9, FR, 1, SLA_WARN), ob(2, FR, 1, SLA_OK), ob(5, FR, 1, SLA_OK)};
    cr_expect_eq(step(d, c, 3, b, sizeof b), 1);
    cr_expect_str_eq(b, "0:warn", "the index is the observation's in this batch");
    alert_obs e[] = {ob(2, FR, 1, SLA_OK), ob(5, FR, 1, SLA_OK), ob(9, FR, 1, SLA_WARN)};
    cr_expect_eq(step(d, e, 3, b, sizeof b), 0, "re-sorted: %s", b);
    /* the same clock twice in one batch counts once */
    alert_obs f[] = {ob(2, FR, 1, SLA_WARN), ob(2, FR, 1, SLA_WARN), ob(9, FR, 1, SLA_WARN)};
    cr_expect_eq(step(d, f, 3, b, sizeof b), 1);
    cr_expect_str_eq(b, "0:warn");
}

/* Metric and cycle are part of a clock's identity: a new next-reply cycle alerts on its own. */
Test(alert_detect, metric_and_cycle_tell_clocks_apart)
{
    alert_obs a[] = {ob(1, FR, 1, SLA_OK), ob(1, NR, 1, SLA_OK)};
    step(d, a, 2, b, sizeof b);
    alert_obs c[] = {ob(1, FR, 1, SLA_MET), ob(1, NR, 1, SLA_WARN)};
    cr_expect_eq(step(d, c, 2, b, sizeof b), 1);
    cr_expect_str_eq(b, "1:warn");
    alert_obs e[] = {ob(1, FR, 1, SLA_MET), ob(1, NR, 1, SLA_MET), ob(1, NR, 2, SLA_OK)};
    cr_expect_eq(step(d, e, 3, b, sizeof b), 0, "%s", b);
    alert_obs f[] = {ob(1, NR, 2, SLA_WARN)};
    cr_expect_eq(step(d, f, 1, b, sizeof b), 1);
    cr_expect_str_eq(b, "0:warn", "cycle 2 is a clock of its own");
}

/* A ticket that scrolls out of the window and back is remembered: a crossing meanwhile alerts
 * once, an alerted state does not alert again. */
Test(alert_detect, out_of_view_and_back)
{
    alert_obs a[] = {ob(1, FR, 1, SLA_OK), ob(2, FR, 1, SLA_OK)};
    step(d, a, 2, b, sizeof b);
    alert_obs w[] = {ob(1, FR, 1, SLA_WARN)};
    cr_expect_eq(step(d, w, 1, b, sizeof b), 1);
    alert_obs other[] = {ob(3, FR, 1, SLA_OK)};
    step(d, other, 1, b, sizeof b);
    alert_obs back[] = {ob(1, FR, 1, SLA_WARN), ob(2, FR, 1, SLA_BREACHED)};
    cr_expect_eq(step(d, back, 2, b, sizeof b), 1);
    cr_expect_str_eq(b, "1:breached");
}

/* Memory stays bounded: past ALERT_DETECT_MEMORY the least recently seen clocks go, never one of
 * the latest batch, and a forgotten clock seen again is a quiet first observation. */
Test(alert_detect, memory_is_bounded)
{
    size_t n = ALERT_DETECT_MEMORY + 500;
    alert_obs *o = malloc(n * sizeof *o);
    for (size_t i = 0; i < n; i++)
        o[i] = ob((int64_t)i + 1, FR, 1, SLA_OK);
    step(d, o, n, b, sizeof b);
    cr_expect_eq(alert_detect_remembered(d), n, "a batch is always remembered whole");
    for (int64_t round = 0; round < 20; round++) {
        for (size_t i = 0; i < 300; i++)
            o[i] = ob(1000000 + round * 300 + (int64_t)i, FR, 1, SLA_OK);
        step(d, o, 300, b, sizeof b);
        cr_expect_leq(alert_detect_remembered(d), ALERT_DETECT_MEMORY);
    }
    /* ticket 1 was seen longest ago: forgotten, so its warn now is a first observation */
    alert_obs one = ob(1, FR, 1, SLA_WARN);
    cr_expect_eq(step(d, &one, 1, b, sizeof b), 0, "%s", b);
    /* the latest round's clocks are still known: their crossing alerts */
    alert_obs last = ob(1000000 + 19 * 300, FR, 1, SLA_WARN);
    cr_expect_eq(step(d, &last, 1, b, sizeof b), 1);
    free(o);
}

/* Random state walks against the rule stated plainly: an alert for each state in {warn,
 * breached} a clock enters after its first observation, the first time only. */
Test(alert_detect, random_walks_match_the_rule)
{
    srand(11);
    for (int run = 0; run < 200; run++) {
        alert_detect_free(d);
        d = alert_detect_new();
        enum { K = 6 };
        unsigned seen[K] = {0};
        bool first[K];
        for (int k = 0; k < K; k++)
            first[k] = true;
        for (int tick = 0; tick < 60; tick++) {
            alert_obs o[K];
            size_t n = 0;
            for (int k = 0; k < K; k++)
                if (rand() % 4) /* sometimes out of view */
                    o[n++] = ob(k / 2 + 1, k % 2 ? NR : FR, 1, (sla_state)(rand() % SLA_STATE_COUNT));
            const alert_crossing *x;
            size_t got = alert_detect_step(d, o, n, &x);
            size_t want = 0;
            for (size_t i = 0; i < n; i++) {
                int k = (int)(o[i].ticket_id - 1) * 2 + (o[i].metric == NR);
                unsigned bit = 1u << (unsigned)o[i].state;
                if (!first[k] && (o[i].state == SLA_WARN || o[i].state == SLA_BREACHED) && !(seen[k] & bit))
                    want++;
                first[k] = false;
                seen[k] |= bit;
            }
            cr_assert_eq(got, want, "run %d tick %d", run, tick);
        }
    }
}
