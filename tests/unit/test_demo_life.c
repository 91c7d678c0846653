/* The demo shows every clock and state of a ticket's whole life (SPEC §8, issue 11): a next-reply
 * cycle missed and one running, a pending ticket with its resolution clock paused, an on-hold one,
 * one reopened by its customer, a resolved one, and a conversation with each kind of message and
 * multi-line bodies. The real binary builds the demo; its JSON is read back. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <string.h>

#include "support_cli.h"

static const char *str(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(j, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static cJSON *run_json(const char *const *argv)
{
    support_result r;
    support_run_argv(&r, NULL, argv);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cJSON *j = cJSON_Parse(r.out);
    cr_assert_not_null(j, "not JSON: %s", r.out);
    support_result_done(&r);
    return j;
}

/* The clock of t with this metric and state (any cycle), or NULL. */
static const cJSON *clock_of(const cJSON *t, const char *metric, const char *state)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(t, "clocks"))
    {
        if (!strcmp(str(c, "metric"), metric) && !strcmp(str(c, "state"), state))
            return c;
    }
    return NULL;
}

Test(demo_life, every_clock_and_state_is_shown, .timeout = 120)
{
    support_sandbox();
    /* A weekday morning in London, and a Sunday night: the demo must show them whatever the hour. */
    const char *nows[] = {"2026-11-20T10:00:00Z", "2026-11-22T23:30:00Z"};
    for (size_t n = 0; n < 2; n++) {
        cJSON *list = run_json((const char *const[]){"--now", nows[n], "--demo", "list", "--json", "--all", NULL});
        bool nr_missed = false, nr_running = false, pending_paused = false, on_hold = false, resolved = false;
        const cJSON *t;
        cJSON_ArrayForEach(t, list)
        {
            nr_missed |= clock_of(t, "next_response", "missed") != NULL;
            nr_running |= clock_of(t, "next_response", "ok") || clock_of(t, "next_response", "warn") ||
                          clock_of(t, "next_response", "paused");
            const cJSON *res = clock_of(t, "resolution", "paused");
            pending_paused |= !strcmp(str(t, "status"), "pending") && res && !strcmp(str(res, "paused_by"), "pending");
            on_hold |= !strcmp(str(t, "status"), "on_hold");
            resolved |= !strcmp(str(t, "status"), "resolved");
        }
        cr_expect(nr_missed, "%s: no next-reply cycle missed", nows[n]);
        cr_expect(nr_running, "%s: no next-reply cycle running", nows[n]);
        cr_expect(pending_paused, "%s: no pending ticket with its resolution clock paused", nows[n]);
        cr_expect(on_hold, "%s: no on-hold ticket", nows[n]);
        cr_expect(resolved, "%s: no resolved ticket", nows[n]);
        cJSON_Delete(list);

        /* Without --all the resolved one is hidden (the console's f shows it). */
        list = run_json((const char *const[]){"--now", nows[n], "--demo", "list", "--json", NULL});
        cJSON_ArrayForEach(t, list) cr_expect_str_neq(str(t, "status"), "resolved");
        cJSON_Delete(list);
    }

    /* The reopened ticket: reopened by its customer's message. */
    cJSON *audit = run_json((const char *const[]){"--now", nows[0], "--demo", "audit", "--json", NULL});
    bool reopened = false;
    const cJSON *e;
    cJSON_ArrayForEach(e, audit)
    {
        reopened |= !strcmp(str(e, "kind"), "reopened") && !strcmp(str(e, "reason"), "customer message") &&
                    !strcmp(str(e, "to_status"), "open");
    }
    cr_expect(reopened, "no ticket reopened by a customer message");
    cJSON_Delete(audit);

    /* Ticket 1's conversation: each kind, multi-line bodies. */
    cJSON *one = run_json((const char *const[]){"--now", nows[0], "--demo", "show", "1", "--json", NULL});
    bool kinds[3] = {false, false, false}, multi = false;
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(one, "messages"))
    {
        kinds[0] |= !strcmp(str(m, "kind"), "customer");
        kinds[1] |= !strcmp(str(m, "kind"), "reply");
        kinds[2] |= !strcmp(str(m, "kind"), "note");
        multi |= strchr(str(m, "body"), '\n') != NULL;
    }
    cr_expect(kinds[0] && kinds[1] && kinds[2], "ticket 1 lacks a kind of message");
    cr_expect(multi, "no multi-line body");
    cJSON_Delete(one);
}
