/* Statuspage v2 scheduled-maintenances bodies. */
#include <criterion/criterion.h>
#include <string.h>

#include "slatop/statuspage.h"

static const char *BODY =
    "{\"page\":{\"id\":\"y2j98763l56x\",\"name\":\"Atlassian Statuspage\",\"url\":\"http://status.example\","
    "\"updated_at\":\"2014-05-14T14:22:39.441-06:00\"},"
    "\"scheduled_maintenances\":[{\"created_at\":\"2014-05-14T14:24:40.430-06:00\",\"id\":\"w1zdr745wmfy\","
    "\"impact\":\"none\",\"incident_updates\":[{\"body\":\"Our data center has informed us...\"}],"
    "\"monitoring_at\":null,\"name\":\"Planned Database Upgrade\",\"page_id\":\"y2j98763l56x\","
    "\"resolved_at\":null,\"scheduled_for\":\"2014-05-21T14:00:00.000-06:00\","
    "\"scheduled_until\":\"2014-05-21T16:00:00.000-06:00\",\"shortlink\":\"http://stspg.dev:5000/Q0E\","
    "\"status\":\"scheduled\",\"updated_at\":\"2014-05-14T14:24:40.430-06:00\"},"
    "{\"created_at\":\"2014-05-20T10:00:00Z\",\"id\":\"late1\",\"name\":\"Emergency patch\u202e\","
    "\"scheduled_for\":\"2014-05-21T18:00:00Z\",\"scheduled_until\":\"2014-05-21T18:30:00Z\","
    "\"status\":\"completed\"}]}";

Test(statuspage, parses_windows_with_offsets_and_milliseconds)
{
    uptime_window *w;
    size_t n;
    st_err err;
    cr_assert_eq(statuspage_parse(BODY, strlen(BODY), 200, "application/json; charset=utf-8", &w, &n, &err),
                 ST_OK, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(w[0].id, "w1zdr745wmfy");
    cr_assert_str_eq(w[0].name, "Planned Database Upgrade");
    cr_assert_str_eq(w[0].status, "scheduled");
    st_time t;
    cr_assert(time_parse_iso("2014-05-21T20:00:00Z", &t));
    cr_assert_eq(w[0].start, t);
    cr_assert_eq(w[0].end, t + 7200);
    cr_assert(time_parse_iso("2014-05-14T20:24:40Z", &t));
    cr_assert_eq(w[0].announced, t); /* .430 dropped, -06:00 applied */
    cr_assert_str_eq(w[1].status, "completed");
    cr_assert_eq(w[1].end - w[1].start, 1800);
    uptime_windows_free(w, n);
}

Test(statuspage, refuses_bad_entries_by_key)
{
    uptime_window *w;
    size_t n;
    st_err err;
    const char *b1 = "{\"scheduled_maintenances\":[{\"id\":\"a\",\"scheduled_for\":\"soon\","
                     "\"scheduled_until\":\"2014-05-21T18:30:00Z\"}]}";
    cr_assert_eq(statuspage_parse(b1, strlen(b1), 200, NULL, &w, &n, &err), ST_INVALID);
    cr_assert_str_eq(err.msg, "scheduled_maintenances[0].scheduled_for: expected an ISO 8601 time");
    const char *b2 = "{\"scheduled_maintenances\":[{\"id\":\"a\",\"scheduled_for\":\"2014-05-21T18:00:00Z\","
                     "\"scheduled_until\":\"2014-05-21T18:30:00Z\"},{\"name\":\"no id\"}]}";
    cr_assert_eq(statuspage_parse(b2, strlen(b2), 200, NULL, &w, &n, &err), ST_INVALID);
    cr_assert_str_eq(err.msg, "scheduled_maintenances[1].id: expected a string");
    const char *b3 = "{\"incidents\":[]}";
    cr_assert_eq(statuspage_parse(b3, strlen(b3), 200, NULL, &w, &n, &err), ST_INVALID);
    const char *b4 = "<html>maintenance</html>";
    cr_assert_eq(statuspage_parse(b4, strlen(b4), 503, "text/html", &w, &n, &err), ST_NET);
    cr_assert_str_eq(err.msg, "HTTP 503: not JSON (text/html)");
}

Test(statuspage, empty_list)
{
    uptime_window *w;
    size_t n;
    st_err err;
    const char *b = "{\"scheduled_maintenances\":[]}";
    cr_assert_eq(statuspage_parse(b, strlen(b), 200, NULL, &w, &n, &err), ST_OK);
    cr_assert_eq(n, 0);
    uptime_windows_free(w, n);
}
