/* policy: every validation rule of SPEC §6 refuses with the exact "FILE: KEY: reason" message and
 * ST_INVALID; minimal valid policies get the documented defaults. JSON is written with single
 * quotes here for readability and turned into double quotes before parsing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slatop/policy.h"

static char *dq(const char *s)
{
    char *r = strdup(s);
    for (char *p = r; *p; p++)
        if (*p == '\'')
            *p = '"';
    return r;
}

static st_code parse(const char *json, st_policy **p, st_err *err)
{
    char *text = dq(json);
    st_err_clear(err);
    st_code rc = policy_parse(text, strlen(text), "p.json", p, err);
    free(text);
    return rc;
}

static void refuse(const char *json, const char *expected)
{
    st_policy *p = (st_policy *)0x1;
    st_err err;
    st_code rc = parse(json, &p, &err);
    cr_assert_eq(rc, ST_INVALID, "accepted: %s", json);
    cr_assert_eq(err.code, ST_INVALID);
    cr_assert_null(p);
    cr_assert_str_eq(err.msg, expected);
}

static st_policy *accept(const char *json)
{
    st_policy *p = NULL;
    st_err err;
    st_code rc = parse(json, &p, &err);
    cr_assert_eq(rc, ST_OK, "refused: %s", err.msg);
    cr_assert_not_null(p);
    return p;
}

/* Building blocks. */
#define L24(id) "{'id':'" id "','response_minutes':60,'clock':'24x7'}"
#define LBIZ(id) "{'id':'" id "','response_minutes':60,'clock':'business'}"
#define WEEK "'week':{'mon':[['09:00','17:00']]}"
#define BH(extra) "'business_hours':{'timezone':'UTC'," WEEK extra "}"
#define POL(levels, rest) "{'name':'T','levels':[" levels "]" rest "}"
/* A business policy whose business_hours is given in full by the caller. */
#define BPOL(bh) POL(LBIZ("A"), ",'business_hours':" bh)

/* ---- valid policies ---- */

Test(policy, minimal_24x7_without_business_hours)
{
    st_policy *p = accept(POL(L24("A"), ""));
    cr_assert_str_eq(p->name, "T");
    cr_assert_null(p->description);
    cr_assert_eq(p->n_levels, 1);
    cr_assert_str_eq(p->levels[0].id, "A");
    cr_assert_null(p->levels[0].label);
    cr_assert_null(p->levels[0].description);
    cr_assert_eq(p->levels[0].n_examples, 0);
    cr_assert(!p->levels[0].has_criteria);
    cr_assert_eq(p->levels[0].clock, POL_CLOCK_24X7);
    cr_assert_null(p->calendar);
    cr_assert_null(p->zone_name);
    cr_assert_float_eq(p->warn_fraction, 0.25, 1e-12);
    cr_assert_eq(p->reprioritize_from, POL_REPRIO_CREATED);
    cr_assert_eq(p->n_channels, 0);
    cr_assert(!p->uptime.has_target);
    cr_assert_float_eq(p->uptime.error_rate_threshold, 0.05, 1e-12);
    cr_assert_eq(p->uptime.notice_days, 7);
    cr_assert_eq(p->uptime.n_maintenance, 0);
    cr_assert_eq(policy_level_target_s(p, 0), 3600);
    cr_assert_eq(policy_level_target_s(p, 1), 0);
    cr_assert_eq(policy_level_index(p, "A"), 0);
    cr_assert_eq(policy_level_index(p, "B"), -1);
    cr_assert_null(policy_channel_level(p, "email"));
    policy_free(p);
}

Test(policy, full_policy_with_every_key)
{
    st_policy *p = accept(
        "{'name':'Full','version':3,'description':'d',"
        "'levels':[{'id':'P1','label':'One','description':'first','response_minutes':15,'clock':'24x7',"
        "'examples':['e1','e2'],'criteria':{'mode':'any','items':['c1']}}," LBIZ("P2") "],"
        "'business_hours':{'timezone':'Europe/London','week':{'mon':[['13:00','17:00'],['08:00','12:00']],"
        "'tue':[['00:00','24:00']],'sat':[],'sun':[['09:00','12:00'],['12:00','13:00']]},"
        "'holidays':['2026-12-25','2026-01-01','2026-12-25']},"
        "'warn_fraction':0.5,'reprioritize_from':'change','channels':{'email':'P2','phone':'P1'},"
        "'uptime':{'target_percent':100,'error_rate_threshold':0,'maintenance_notice_days':0,"
        "'maintenance':[{'id':'m1','name':'DB upgrade','start':'2026-11-20T10:00:00Z',"
        "'end':'2026-11-20T11:00:00Z','announced':'2026-11-10T09:00:00Z'},"
        "{'id':'m2','name':'n','start':'2026-11-21T10:00:00Z','end':'2026-11-21T10:00:01Z'}]}}");
    cr_assert_str_eq(p->description, "d");
    cr_assert_str_eq(p->levels[0].label, "One");
    cr_assert_eq(p->levels[0].response_minutes, 15);
    cr_assert_eq(p->levels[0].n_examples, 2);
    cr_assert_str_eq(p->levels[0].examples[1], "e2");
    cr_assert(p->levels[0].has_criteria);
    cr_assert_eq(p->levels[0].criteria_mode, POL_CRIT_ANY);
    cr_assert_str_eq(p->levels[0].criteria[0], "c1");
    cr_assert_str_eq(p->zone_name, "Europe/London");
    const cal_calendar *c = p->calendar;
    /* Monday's intervals are sorted. */
    cr_assert_eq(c->n_week[0], 2);
    cr_assert_eq(c->week[0][0].start, 8 * 3600);
    cr_assert_eq(c->week[0][0].end, 12 * 3600);
    cr_assert_eq(c->week[0][1].start, 13 * 3600);
    cr_assert_eq(c->week[0][1].end, 17 * 3600);
    cr_assert_eq(c->n_week[1], 1);
    cr_assert_eq(c->week[1][0].start, 0);
    cr_assert_eq(c->week[1][0].end, 86400);
    cr_assert_eq(c->n_week[2], 0);
    cr_assert_eq(c->n_week[5], 0);
    /* Touching intervals are merged into one. */
    cr_assert_eq(c->n_week[6], 1);
    cr_assert_eq(c->week[6][0].start, 9 * 3600);
    cr_assert_eq(c->week[6][0].end, 13 * 3600);
    /* Holidays sorted, a repeated date kept once. */
    cr_assert_eq(c->n_holidays, 2);
    int64_t d1, d2;
    cr_assert(date_parse("2026-01-01", &d1) && date_parse("2026-12-25", &d2));
    cr_assert_eq(c->holidays[0], d1);
    cr_assert_eq(c->holidays[1], d2);
    cr_assert_float_eq(p->warn_fraction, 0.5, 1e-12);
    cr_assert_eq(p->reprioritize_from, POL_REPRIO_CHANGE);
    cr_assert_str_eq(policy_channel_level(p, "email"), "P2");
    cr_assert_str_eq(policy_channel_level(p, "phone"), "P1");
    cr_assert(p->uptime.has_target);
    cr_assert_float_eq(p->uptime.target_percent, 100.0, 1e-12);
    cr_assert_float_eq(p->uptime.error_rate_threshold, 0.0, 1e-12);
    cr_assert_eq(p->uptime.notice_days, 0);
    cr_assert_eq(p->uptime.n_maintenance, 2);
    st_time t;
    cr_assert(time_parse_iso("2026-11-20T10:00:00Z", &t));
    cr_assert_eq(p->uptime.maintenance[0].start, t);
    cr_assert_eq(p->uptime.maintenance[0].end, t + 3600);
    cr_assert_str_eq(p->uptime.maintenance[0].name, "DB upgrade");
    cr_assert(time_parse_iso("2026-11-10T09:00:00Z", &t));
    cr_assert_eq(p->uptime.maintenance[0].announced, t);
    cr_assert_eq(p->uptime.maintenance[1].announced, ST_TIME_NONE);
    policy_free(p);
}

Test(policy, business_hours_without_business_levels_still_builds_calendar)
{
    st_policy *p = accept(POL(L24("A"), "," BH("")));
    cr_assert_not_null(p->calendar);
    cr_assert_str_eq(p->zone_name, "UTC");
    policy_free(p);
    /* A closed week is fine while no level uses the business clock. */
    p = accept(POL(L24("A"), ",'business_hours':{'timezone':'UTC','week':{}}"));
    policy_free(p);
}

Test(policy, fraction_free_large_integers_accepted)
{
    st_policy *p = accept(POL("{'id':'A','response_minutes':5270400,'clock':'24x7'}", ""));
    cr_assert_eq(p->levels[0].response_minutes, 5270400);
    cr_assert_eq(policy_level_target_s(p, 0), 5270400LL * 60);
    policy_free(p);
    p = accept(POL("{'id':'A','response_minutes':1.2e2,'clock':'24x7'}", ""));
    cr_assert_eq(p->levels[0].response_minutes, 120);
    policy_free(p);
}

Test(policy, load_file_names_the_path)
{
    st_policy *p = NULL;
    st_err err;
    cr_assert_eq(policy_load_file("/nonexistent/dir/x.json", &p, &err), ST_IO);
    cr_assert_null(p);
    cr_assert_not_null(strstr(err.msg, "/nonexistent/dir/x.json"));

    char path[] = "/tmp/slatop-policy-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("{\"name\":\"T\",\"levels\":[{\"id\":\"A\",\"response_minutes\":60,\"clock\":\"weekly\"}]}", f);
    fclose(f);
    cr_assert_eq(policy_load_file(path, &p, &err), ST_INVALID);
    char expected[256];
    snprintf(expected, sizeof expected, "%s: levels[0].clock: must be \"24x7\" or \"business\"", path);
    cr_assert_str_eq(err.msg, expected);
    unlink(path);
}

Test(policy, load_file_caps_size)
{
    char path[] = "/tmp/slatop-policy-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("{\"name\":\"", f);
    for (int i = 0; i < 1100 * 1024; i++)
        fputc('x', f);
    fputs("\"}", f);
    fclose(f);
    st_policy *p = NULL;
    st_err err;
    cr_assert_eq(policy_load_file(path, &p, &err), ST_INVALID);
    cr_assert_null(p);
    cr_assert_not_null(strstr(err.msg, "larger than"), "%s", err.msg);
    unlink(path);
}

/* ---- document-level errors ---- */

Test(policy, invalid_json_with_position)
{
    refuse("{'name':'T',\n  'levels': [,]}", "p.json: invalid JSON at line 2, column 14");
    refuse("", "p.json: invalid JSON at line 1, column 1");
    refuse(POL(L24("A"), "") " x", "p.json: invalid JSON at line 1, column 73: text after the value");
}

Test(policy, top_level_not_object)
{
    refuse("[1,2]", "p.json: top level: must be a JSON object, not an array");
    refuse("'x'", "p.json: top level: must be a JSON object, not a string");
}

Test(policy, nul_byte_refused)
{
    st_policy *p = NULL;
    st_err err;
    cr_assert_eq(policy_parse("{}\0{}", 5, "p.json", &p, &err), ST_INVALID);
    cr_assert_str_eq(err.msg, "p.json: not a JSON text (contains a NUL byte)");
}

/* ---- unknown and duplicate keys, at every level ---- */

Test(policy, unknown_keys_everywhere)
{
    refuse(POL(L24("A"), ",'colour':1"), "p.json: colour: unknown key");
    refuse(POL("{'id':'A','response_minutes':60,'clock':'24x7','sla':1}", ""), "p.json: levels[0].sla: unknown key");
    refuse(POL(L24("A"), ",'business_hours':{'timezone':'UTC','week':{},'tz':1}"),
           "p.json: business_hours.tz: unknown key");
    refuse(POL(L24("A"), ",'business_hours':{'timezone':'UTC','week':{'monday':[]}}"),
           "p.json: business_hours.week.monday: unknown key (weekdays are mon, tue, wed, thu, fri, sat, sun)");
    refuse(POL(L24("A"), ",'uptime':{'target':99}"), "p.json: uptime.target: unknown key");
    refuse(POL(L24("A"), ",'uptime':{'maintenance':[{'id':'m','name':'n','start':'2026-01-01T00:00Z',"
                         "'end':'2026-01-01T01:00Z','why':1}]}"),
           "p.json: uptime.maintenance[0].why: unknown key");
    refuse(POL("{'id':'A','response_minutes':60,'clock':'24x7','criteria':{'mode':'all','items':['x'],'n':2}}", ""),
           "p.json: levels[0].criteria.n: unknown key");
}

Test(policy, duplicate_keys)
{
    refuse("{'name':'T','name':'U','levels':[" L24("A") "]}", "p.json: name: duplicate key");
    refuse(POL(L24("A"), ",'business_hours':{'timezone':'UTC','week':{'mon':[],'mon':[]}}"),
           "p.json: business_hours.week.mon: duplicate key");
    refuse(POL(L24("A"), ",'channels':{'email':'A','email':'A'}"), "p.json: channels.email: duplicate key");
}

/* ---- required keys and types ---- */

Test(policy, missing_required_keys)
{
    refuse("{'levels':[" L24("A") "]}", "p.json: name: required key is missing");
    refuse("{'name':'T'}", "p.json: levels: required key is missing");
    refuse(POL("{'response_minutes':60,'clock':'24x7'}", ""), "p.json: levels[0].id: required key is missing");
    refuse(POL("{'id':'A','clock':'24x7'}", ""), "p.json: levels[0].response_minutes: required key is missing");
    refuse(POL("{'id':'A','response_minutes':60}", ""), "p.json: levels[0].clock: required key is missing");
    refuse(POL(L24("A") "," LBIZ("B"), ""),
           "p.json: business_hours: required key is missing (levels[1].clock is \"business\")");
    refuse(POL(L24("A"), ",'business_hours':{" WEEK "}"), "p.json: business_hours.timezone: required key is missing");
    refuse(POL(L24("A"), ",'business_hours':{'timezone':'UTC'}"), "p.json: business_hours.week: required key is missing");
    refuse(POL("{'id':'A','response_minutes':1,'clock':'24x7','criteria':{'items':['x']}}", ""),
           "p.json: levels[0].criteria.mode: required key is missing");
    refuse(POL("{'id':'A','response_minutes':1,'clock':'24x7','criteria':{'mode':'all'}}", ""),
           "p.json: levels[0].criteria.items: required key is missing");
}

Test(policy, wrong_types)
{
    refuse("{'name':7,'levels':[" L24("A") "]}", "p.json: name: must be a string, not a number");
    refuse("{'name':'T','levels':{}}", "p.json: levels: must be an array, not an object");
    refuse(POL("'S0'", ""), "p.json: levels[0]: must be an object, not a string");
    refuse(POL("{'id':1,'response_minutes':60,'clock':'24x7'}", ""), "p.json: levels[0].id: must be a string, not a number");
    refuse(POL("{'id':'A','response_minutes':'60','clock':'24x7'}", ""),
           "p.json: levels[0].response_minutes: must be a number, not a string");
    refuse(POL("{'id':'A','response_minutes':60,'clock':'24x7','label':null}", ""),
           "p.json: levels[0].label: must be a string, not null");
    refuse(POL("{'id':'A','response_minutes':60,'clock':'24x7','examples':'x'}", ""),
           "p.json: levels[0].examples: must be an array of strings, not a string");
    refuse(POL("{'id':'A','response_minutes':60,'clock':'24x7','examples':['x',2]}", ""),
           "p.json: levels[0].examples[1]: must be a string, not a number");
    refuse(POL("{'id':'A','response_minutes':60,'clock':'24x7','criteria':['x']}", ""),
           "p.json: levels[0].criteria: must be an object, not an array");
    refuse(POL(L24("A"), ",'business_hours':[]"), "p.json: business_hours: must be an object, not an array");
    refuse(POL(L24("A"), ",'business_hours':{'timezone':'UTC','week':[]}"),
           "p.json: business_hours.week: must be an object, not an array");
    refuse(POL(L24("A"), ",'warn_fraction':'0.2'"), "p.json: warn_fraction: must be a number, not a string");
    refuse(POL(L24("A"), ",'reprioritize_from':true"), "p.json: reprioritize_from: must be a string, not a boolean");
    refuse(POL(L24("A"), ",'channels':[]"), "p.json: channels: must be an object, not an array");
    refuse(POL(L24("A"), ",'channels':{'email':1}"), "p.json: channels.email: must be a level id string, not a number");
    refuse(POL(L24("A"), ",'uptime':7"), "p.json: uptime: must be an object, not a number");
    refuse(POL(L24("A"), ",'uptime':{'maintenance':{}}"), "p.json: uptime.maintenance: must be an array, not an object");
    refuse(POL(L24("A"), ",'uptime':{'maintenance':[1]}"), "p.json: uptime.maintenance[0]: must be an object, not a number");
    refuse(POL(L24("A"), ",'version':'1'"), "p.json: version: must be a number, not a string");
    refuse(POL(L24("A"), ",'description':['d']"), "p.json: description: must be a string, not an array");
}

Test(policy, invalid_utf8_in_strings)
{
    refuse("{'name':'T\xff','levels':[" L24("A") "]}", "p.json: name: invalid UTF-8");
}

/* ---- levels ---- */

Test(policy, empty_levels)
{
    refuse("{'name':'T','levels':[]}", "p.json: levels: must list at least one level");
}

Test(policy, empty_name)
{
    refuse("{'name':'','levels':[" L24("A") "]}", "p.json: name: must not be empty");
}

Test(policy, duplicate_level_ids)
{
    refuse(POL(L24("A") "," L24("B") "," L24("A"), ""),
           "p.json: levels[2].id: duplicate level id 'A' (also levels[0])");
}

Test(policy, bad_level_ids)
{
    refuse(POL(L24(""), ""), "p.json: levels[0].id: must not be empty");
    refuse(POL(L24("A B"), ""), "p.json: levels[0].id: must not contain spaces or control characters");
    refuse(POL(L24("A\\u001b"), ""), "p.json: levels[0].id: must not contain spaces or control characters");
}

Test(policy, response_minutes_positive_integer)
{
    refuse(POL("{'id':'A','response_minutes':0,'clock':'24x7'}", ""),
           "p.json: levels[0].response_minutes: must be a positive whole number of minutes in 1..5270400 (got 0)");
    refuse(POL("{'id':'A','response_minutes':-5,'clock':'24x7'}", ""),
           "p.json: levels[0].response_minutes: must be a positive whole number of minutes in 1..5270400 (got -5)");
    refuse(POL("{'id':'A','response_minutes':1.5,'clock':'24x7'}", ""),
           "p.json: levels[0].response_minutes: must be a positive whole number of minutes, not a fraction (1.5)");
    refuse(POL("{'id':'A','response_minutes':5270401,'clock':'24x7'}", ""),
           "p.json: levels[0].response_minutes: must be a positive whole number of minutes in 1..5270400 (got 5270401)");
    refuse(POL("{'id':'A','response_minutes':1e400,'clock':'24x7'}", ""),
           "p.json: levels[0].response_minutes: number out of range");
}

Test(policy, clock_values)
{
    refuse(POL(L24("A") ",{'id':'B','response_minutes':60,'clock':'24/7'}", ""),
           "p.json: levels[1].clock: must be \"24x7\" or \"business\"");
}

Test(policy, criteria_mode_and_items)
{
    refuse(POL("{'id':'A','response_minutes':1,'clock':'24x7','criteria':{'mode':'either','items':['x']}}", ""),
           "p.json: levels[0].criteria.mode: must be \"all\" or \"any\"");
    refuse(POL("{'id':'A','response_minutes':1,'clock':'24x7','criteria':{'mode':'all','items':'x'}}", ""),
           "p.json: levels[0].criteria.items: must be an array of strings, not a string");
    refuse(POL("{'id':'A','response_minutes':1,'clock':'24x7','criteria':{'mode':'all','items':[]}}", ""),
           "p.json: levels[0].criteria.items: must not be empty");
    refuse(POL("{'id':'A','response_minutes':1,'clock':'24x7','criteria':{'mode':'any','items':['a',null]}}", ""),
           "p.json: levels[0].criteria.items[1]: must be a string, not null");
}

/* ---- business hours ---- */

Test(policy, unknown_time_zone)
{
    refuse(BPOL("{'timezone':'Mars/Olympus'," WEEK "}"), "p.json: business_hours.timezone: unknown time zone 'Mars/Olympus'");
    refuse(BPOL("{'timezone':'../../etc/passwd'," WEEK "}"),
           "p.json: business_hours.timezone: unknown time zone '../../etc/passwd'");
}

Test(policy, interval_shape)
{
    refuse(BPOL("{'timezone':'UTC','week':{'mon':'09:00-17:00'}}"),
           "p.json: business_hours.week.mon: must be an array of [\"HH:MM\", \"HH:MM\"] intervals, not a string");
    refuse(BPOL("{'timezone':'UTC','week':{'mon':[['09:00']]}}"),
           "p.json: business_hours.week.mon[0]: must be a pair of strings [\"HH:MM\", \"HH:MM\"]");
    refuse(BPOL("{'timezone':'UTC','week':{'mon':[['09:00','12:00'],[9,17]]}}"),
           "p.json: business_hours.week.mon[1]: must be a pair of strings [\"HH:MM\", \"HH:MM\"]");
}

Test(policy, interval_times)
{
    refuse(BPOL("{'timezone':'UTC','week':{'tue':[['9:00','17:00']]}}"),
           "p.json: business_hours.week.tue[0]: bad start time '9:00' (want HH:MM, 00:00..23:59)");
    refuse(BPOL("{'timezone':'UTC','week':{'tue':[['24:00','24:00']]}}"),
           "p.json: business_hours.week.tue[0]: bad start time '24:00' (want HH:MM, 00:00..23:59)");
    refuse(BPOL("{'timezone':'UTC','week':{'tue':[['09:00','24:30']]}}"),
           "p.json: business_hours.week.tue[0]: bad end time '24:30' (want HH:MM, 00:00..24:00)");
    refuse(BPOL("{'timezone':'UTC','week':{'tue':[['09:00','17:60']]}}"),
           "p.json: business_hours.week.tue[0]: bad end time '17:60' (want HH:MM, 00:00..24:00)");
    refuse(BPOL("{'timezone':'UTC','week':{'tue':[['09:00','25:00']]}}"),
           "p.json: business_hours.week.tue[0]: bad end time '25:00' (want HH:MM, 00:00..24:00)");
}

Test(policy, reversed_and_empty_intervals)
{
    refuse(BPOL("{'timezone':'UTC','week':{'wed':[['17:00','09:00']]}}"),
           "p.json: business_hours.week.wed[0]: interval 17:00-09:00 ends before it starts (or is empty)");
    refuse(BPOL("{'timezone':'UTC','week':{'wed':[['09:00','09:00']]}}"),
           "p.json: business_hours.week.wed[0]: interval 09:00-09:00 ends before it starts (or is empty)");
}

Test(policy, overlapping_intervals)
{
    refuse(BPOL("{'timezone':'UTC','week':{'mon':[['09:00','12:00'],['11:00','13:00']]}}"),
           "p.json: business_hours.week.mon[1]: overlaps business_hours.week.mon[0]");
    /* Found after sorting, even when listed out of order. */
    refuse(BPOL("{'timezone':'UTC','week':{'fri':[['14:00','18:00'],['08:00','10:00'],['09:59','11:00']]}}"),
           "p.json: business_hours.week.fri[2]: overlaps business_hours.week.fri[1]");
    refuse(BPOL("{'timezone':'UTC','week':{'sun':[['00:00','24:00'],['10:00','11:00']]}}"),
           "p.json: business_hours.week.sun[1]: overlaps business_hours.week.sun[0]");
}

Test(policy, no_open_time_with_business_clock)
{
    refuse(BPOL("{'timezone':'UTC','week':{'mon':[],'sat':[]}}"),
           "p.json: business_hours.week: no open time on any weekday, but levels[0].clock is \"business\"");
}

Test(policy, holidays)
{
    refuse(BPOL("{'timezone':'UTC'," WEEK ",'holidays':'2026-01-01'}"),
           "p.json: business_hours.holidays: must be an array of \"YYYY-MM-DD\" dates, not a string");
    refuse(BPOL("{'timezone':'UTC'," WEEK ",'holidays':['2026-01-01',20260102]}"),
           "p.json: business_hours.holidays[1]: must be a \"YYYY-MM-DD\" string, not a number");
    refuse(BPOL("{'timezone':'UTC'," WEEK ",'holidays':['2026-01-01','2026-02-30']}"),
           "p.json: business_hours.holidays[1]: bad date '2026-02-30' (want a real date as YYYY-MM-DD)");
    refuse(BPOL("{'timezone':'UTC'," WEEK ",'holidays':['2026-1-1']}"),
           "p.json: business_hours.holidays[0]: bad date '2026-1-1' (want a real date as YYYY-MM-DD)");
    refuse(BPOL("{'timezone':'UTC'," WEEK ",'holidays':['2025-02-29']}"),
           "p.json: business_hours.holidays[0]: bad date '2025-02-29' (want a real date as YYYY-MM-DD)");
}

/* ---- top-level options ---- */

Test(policy, warn_fraction_range)
{
    refuse(POL(L24("A"), ",'warn_fraction':0"), "p.json: warn_fraction: must be more than 0 and less than 1 (got 0)");
    refuse(POL(L24("A"), ",'warn_fraction':1"), "p.json: warn_fraction: must be more than 0 and less than 1 (got 1)");
    refuse(POL(L24("A"), ",'warn_fraction':-0.1"), "p.json: warn_fraction: must be more than 0 and less than 1 (got -0.1)");
}

Test(policy, reprioritize_from_values)
{
    refuse(POL(L24("A"), ",'reprioritize_from':'now'"), "p.json: reprioritize_from: must be \"created\" or \"change\"");
}

Test(policy, channel_naming_no_level)
{
    refuse(POL(L24("A"), ",'channels':{'email':'NORMAL'}"), "p.json: channels.email: names no level of this policy ('NORMAL')");
    refuse(POL(L24("A"), ",'channels':{'':'A'}"), "p.json: channels.: empty channel name");
}

Test(policy, version_positive_integer)
{
    refuse(POL(L24("A"), ",'version':0"), "p.json: version: must be a positive whole number in 1..2147483647 (got 0)");
    refuse(POL(L24("A"), ",'version':1.5"), "p.json: version: must be a positive whole number, not a fraction (1.5)");
}

/* ---- uptime ---- */

Test(policy, uptime_target_percent)
{
    refuse(POL(L24("A"), ",'uptime':{'target_percent':0}"),
           "p.json: uptime.target_percent: must be more than 0 and at most 100 (got 0)");
    refuse(POL(L24("A"), ",'uptime':{'target_percent':100.5}"),
           "p.json: uptime.target_percent: must be more than 0 and at most 100 (got 100.5)");
}

Test(policy, uptime_error_rate_threshold)
{
    refuse(POL(L24("A"), ",'uptime':{'error_rate_threshold':1}"),
           "p.json: uptime.error_rate_threshold: must be at least 0 and less than 1 (got 1)");
    refuse(POL(L24("A"), ",'uptime':{'error_rate_threshold':-0.01}"),
           "p.json: uptime.error_rate_threshold: must be at least 0 and less than 1 (got -0.01)");
}

Test(policy, uptime_notice_days)
{
    refuse(POL(L24("A"), ",'uptime':{'maintenance_notice_days':-1}"),
           "p.json: uptime.maintenance_notice_days: must be a whole number of days in 0..3660 (got -1)");
    refuse(POL(L24("A"), ",'uptime':{'maintenance_notice_days':2.5}"),
           "p.json: uptime.maintenance_notice_days: must be a whole number of days, not a fraction (2.5)");
}

#define MW(body) POL(L24("A"), ",'uptime':{'maintenance':[" body "]}")

Test(policy, maintenance_entries)
{
    refuse(MW("{'name':'n','start':'2026-01-01T00:00Z','end':'2026-01-01T01:00Z'}"),
           "p.json: uptime.maintenance[0].id: required key is missing");
    refuse(MW("{'id':'m','start':'2026-01-01T00:00Z','end':'2026-01-01T01:00Z'}"),
           "p.json: uptime.maintenance[0].name: required key is missing");
    refuse(MW("{'id':'m','name':'n','end':'2026-01-01T01:00Z'}"),
           "p.json: uptime.maintenance[0].start: required key is missing");
    refuse(MW("{'id':'m','name':'n','start':'2026-01-01T00:00Z'}"),
           "p.json: uptime.maintenance[0].end: required key is missing");
    refuse(MW("{'id':'m','name':'n','start':'yesterday','end':'2026-01-01T01:00Z'}"),
           "p.json: uptime.maintenance[0].start: bad time 'yesterday' (want ISO 8601, e.g. 2026-11-20T10:00:00Z)");
    refuse(MW("{'id':'m','name':'n','start':'2026-01-01T00:00Z','end':'2026-01-01T01:00Z','announced':'soon'}"),
           "p.json: uptime.maintenance[0].announced: bad time 'soon' (want ISO 8601, e.g. 2026-11-20T10:00:00Z)");
    refuse(MW("{'id':'m','name':'n','start':'2026-01-01T01:00Z','end':'2026-01-01T01:00Z'}"),
           "p.json: uptime.maintenance[0].end: must be after start");
    refuse(MW("{'id':'m','name':'n','start':'2026-01-01T01:00Z','end':'2026-01-01T00:00Z'}"),
           "p.json: uptime.maintenance[0].end: must be after start");
    refuse(MW("{'id':'m','name':'n','start':'2026-01-01T00:00Z','end':'2026-01-01T01:00Z'},"
              "{'id':'m','name':'n2','start':'2026-02-01T00:00Z','end':'2026-02-01T01:00Z'}"),
           "p.json: uptime.maintenance[1].id: duplicate maintenance id 'm' (also uptime.maintenance[0])");
}

/* ---- messages stay terminal-safe ---- */

Test(policy, hostile_key_names_are_sanitised_in_messages)
{
    refuse(POL(L24("A"), ",'\\u001b[2J':1"), "p.json: \xe2\x90\x9b[2J: unknown key");
}

Test(policy, null_source_gets_a_name)
{
    st_policy *p = NULL;
    st_err err;
    cr_assert_eq(policy_parse("[]", 2, NULL, &p, &err), ST_INVALID);
    cr_assert_str_eq(err.msg, "policy: top level: must be a JSON object, not an array");
}

/* Robustness: every prefix of a real policy, and byte flips through it, are refused cleanly
 * (ST_INVALID with a "p.json: " message) or accepted, never crash or leak. */
extern const char embedded_chatti[];
extern const size_t embedded_chatti_len;

Test(policy, truncations_and_mutations_are_refused_cleanly)
{
    char *buf = malloc(embedded_chatti_len + 1);
    for (size_t cut = 0; cut < embedded_chatti_len; cut++) {
        st_policy *p = NULL;
        st_err err;
        st_err_clear(&err);
        st_code rc = policy_parse(embedded_chatti, cut, "p.json", &p, &err);
        if (strspn(embedded_chatti + cut, " \n") == embedded_chatti_len - cut) { /* only the final newline cut */
            cr_assert_eq(rc, ST_OK, "%s", err.msg);
            policy_free(p);
            continue;
        }
        cr_assert_eq(rc, ST_INVALID, "prefix of %zu bytes", cut);
        cr_assert_null(p);
        cr_assert(strncmp(err.msg, "p.json: ", 8) == 0, "%s", err.msg);
    }
    static const char flips[] = {'"', '{', '[', ']', ':', ',', '0', 'x', ' ', '-'};
    uint32_t seed = 99;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(buf, embedded_chatti, embedded_chatti_len);
        seed = seed * 1103515245u + 12345u;
        size_t at = (seed >> 8) % embedded_chatti_len;
        buf[at] = flips[(seed >> 4) % sizeof flips];
        st_policy *p = NULL;
        st_err err;
        st_err_clear(&err);
        st_code rc = policy_parse(buf, embedded_chatti_len, "p.json", &p, &err);
        if (rc == ST_OK) {
            cr_assert_not_null(p);
            policy_free(p);
        } else {
            cr_assert_eq(rc, ST_INVALID);
            cr_assert_null(p);
            cr_assert(strncmp(err.msg, "p.json: ", 8) == 0, "%s", err.msg);
        }
    }
    free(buf);
}

/* 60,000 channels load (duplicate detection is by sorting, not by comparing each channel with all
 * before it: that took 4.4 s per `add`), every channel keeps its level, and a duplicate deep in
 * the list is still reported, as the second occurrence in document order. */
static char *many_channels(size_t n, size_t dup_at)
{
    size_t cap = 64 + n * 32;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    size_t k = (size_t)snprintf(s, cap, "{\"name\":\"T\",\"levels\":[{\"id\":\"A\",\"response_minutes\":60,"
                                        "\"clock\":\"24x7\"},{\"id\":\"B\",\"response_minutes\":90,"
                                        "\"clock\":\"24x7\"}],\"channels\":{");
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(s + k, cap - k, "%s\"ch%zu\":\"%s\"", i ? "," : "",
                              i == dup_at ? (size_t)7 : i, i % 2 ? "B" : "A");
    snprintf(s + k, cap - k, "}}");
    return s;
}

Test(policy, sixty_thousand_channels)
{
    const size_t n = 60000;
    char *text = many_channels(n, (size_t)-1);
    st_policy *p = NULL;
    st_err err;
    cr_assert_eq(policy_parse(text, strlen(text), "p.json", &p, &err), ST_OK, "%s", err.msg);
    cr_assert_eq(p->n_channels, n);
    cr_assert_str_eq(p->channels[0].channel, "ch0");
    cr_assert_str_eq(p->channels[n - 1].channel, "ch59999");
    cr_assert_str_eq(policy_channel_level(p, "ch59999"), "B");
    cr_assert_str_eq(policy_channel_level(p, "ch31416"), "A");
    cr_assert_null(policy_channel_level(p, "ch60000"));
    policy_free(p);
    free(text);

    /* "ch7" again at position 59,990 (odd: level B, like the first ch7). */
    text = many_channels(n, 59990);
    p = (st_policy *)0x1;
    cr_assert_eq(policy_parse(text, strlen(text), "p.json", &p, &err), ST_INVALID);
    cr_assert_null(p);
    cr_assert_str_eq(err.msg, "p.json: channels.ch7: duplicate key");
    free(text);
}

/* ---- SPEC §8: per-metric targets and pause_on ---- */

#define TGT(m, c) "{'minutes':" #m ",'clock':'" c "'}"

Test(policy, targets_long_form_and_shorthand)
{
    st_policy *p = accept(POL("{'id':'A','targets':{'first_response':" TGT(30, "24x7") ",'next_response':"
                              TGT(45, "24x7") ",'resolution':" TGT(600, "business") "}},"
                              "{'id':'B','response_minutes':60,'clock':'24x7','targets':{'resolution':"
                              TGT(900, "24x7") "}}," L24("C"),
                              "," BH("")));
    /* The long form fills the §6 fields too, so today's callers read the same target. */
    cr_assert_eq(p->levels[0].response_minutes, 30);
    cr_assert_eq(p->levels[0].clock, POL_CLOCK_24X7);
    pol_target t;
    cr_assert(policy_level_target(p, 0, POL_METRIC_FIRST_RESPONSE, &t));
    cr_assert_eq(t.minutes, 30);
    cr_assert(policy_level_target(p, 0, POL_METRIC_NEXT_RESPONSE, &t));
    cr_assert_eq(t.minutes, 45);
    cr_assert(policy_level_target(p, 0, POL_METRIC_RESOLUTION, &t));
    cr_assert_eq(t.minutes, 600);
    cr_assert_eq(t.clock, POL_CLOCK_BUSINESS);
    /* The shorthand with other metrics beside it. */
    cr_assert(policy_level_target(p, 1, POL_METRIC_FIRST_RESPONSE, &t));
    cr_assert_eq(t.minutes, 60);
    cr_assert_not(policy_level_target(p, 1, POL_METRIC_NEXT_RESPONSE, &t));
    cr_assert_eq(t.minutes, 0);
    cr_assert(policy_level_target(p, 1, POL_METRIC_RESOLUTION, &t));
    cr_assert_eq(t.minutes, 900);
    cr_assert_not(policy_level_target(p, 2, POL_METRIC_RESOLUTION, &t));
    cr_assert_not(policy_level_target(p, 3, POL_METRIC_FIRST_RESPONSE, &t), "no such level");
    cr_assert_str_eq(policy_metric_name(POL_METRIC_NEXT_RESPONSE), "next_response");
    cr_assert_str_eq(policy_metric_name(POL_METRIC_COUNT), "?");
    cr_assert_str_eq(policy_status_name(POL_STATUS_ON_HOLD), "on_hold");
    cr_assert_str_eq(policy_status_name(POL_STATUS_COUNT), "?");
    policy_free(p);
}

Test(policy, targets_refusals)
{
    refuse(POL("{'id':'A','response_minutes':60,'clock':'24x7','targets':{'first_response':" TGT(30, "24x7") "}}", ""),
           "p.json: levels[0].targets.first_response: given twice (also response_minutes and clock): use one form");
    refuse(POL("{'id':'A','clock':'24x7','targets':{'first_response':" TGT(30, "24x7") "}}", ""),
           "p.json: levels[0].targets.first_response: given twice (also response_minutes and clock): use one form");
    refuse(POL("{'id':'A','targets':{'resolution':" TGT(30, "24x7") "}}", ""),
           "p.json: levels[0].response_minutes: required key is missing");
    refuse(POL("{'id':'A','targets':{'first_reply':" TGT(30, "24x7") "}}", ""),
           "p.json: levels[0].targets.first_reply: unknown metric (metrics are first_response, next_response, resolution)");
    refuse(POL("{'id':'A','targets':[]}", ""), "p.json: levels[0].targets: must be an object, not an array");
    refuse(POL("{'id':'A','targets':{'first_response':5}}", ""),
           "p.json: levels[0].targets.first_response: must be an object, not a number");
    refuse(POL("{'id':'A','targets':{'first_response':{'clock':'24x7'}}}", ""),
           "p.json: levels[0].targets.first_response.minutes: required key is missing");
    refuse(POL("{'id':'A','targets':{'first_response':{'minutes':5}}}", ""),
           "p.json: levels[0].targets.first_response.clock: required key is missing");
    refuse(POL("{'id':'A','targets':{'first_response':" TGT(0, "24x7") "}}", ""),
           "p.json: levels[0].targets.first_response.minutes: must be a positive whole number of minutes in "
           "1..5270400 (got 0)");
    refuse(POL("{'id':'A','targets':{'first_response':" TGT(5, "weekly") "}}", ""),
           "p.json: levels[0].targets.first_response.clock: must be \"24x7\" or \"business\"");
    refuse(POL("{'id':'A','targets':{'first_response':{'minutes':5,'clock':'24x7','x':1}}}", ""),
           "p.json: levels[0].targets.first_response.x: unknown key");
    refuse(POL("{'id':'A','targets':{'first_response':" TGT(5, "24x7") ",'first_response':" TGT(5, "24x7") "}}", ""),
           "p.json: levels[0].targets.first_response: duplicate key");
    /* A business target anywhere needs the calendar, named by the key the file used. */
    refuse(POL("{'id':'A','response_minutes':60,'clock':'24x7','targets':{'resolution':" TGT(30, "business") "}}", ""),
           "p.json: business_hours: required key is missing (levels[0].targets.resolution.clock is \"business\")");
    refuse(POL(L24("A") ",{'id':'B','targets':{'first_response':" TGT(30, "business") "}}", ""),
           "p.json: business_hours: required key is missing (levels[1].targets.first_response.clock is \"business\")");
    refuse(POL("{'id':'A','response_minutes':60,'clock':'24x7','targets':{'next_response':" TGT(30, "business") "}}",
               ",'business_hours':{'timezone':'UTC','week':{'mon':[]}}"),
           "p.json: business_hours.week: no open time on any weekday, but levels[0].targets.next_response.clock is "
           "\"business\"");
}

Test(policy, pause_on_default_and_given)
{
    st_policy *p = accept(POL(L24("A"), ""));
    unsigned pend = 1u << POL_STATUS_PENDING, hold = 1u << POL_STATUS_ON_HOLD;
    cr_assert_eq(p->pause_on[POL_METRIC_RESOLUTION], pend | hold);
    cr_assert_eq(p->pause_on[POL_METRIC_FIRST_RESPONSE], 0);
    cr_assert_eq(p->pause_on[POL_METRIC_NEXT_RESPONSE], 0);
    policy_free(p);
    /* Given metrics replace their default; a metric left out keeps its own. */
    p = accept(POL(L24("A"), ",'pause_on':{'first_response':['on_hold','on_hold'],'next_response':['pending']}"));
    cr_assert_eq(p->pause_on[POL_METRIC_FIRST_RESPONSE], hold);
    cr_assert_eq(p->pause_on[POL_METRIC_NEXT_RESPONSE], pend);
    cr_assert_eq(p->pause_on[POL_METRIC_RESOLUTION], pend | hold);
    policy_free(p);
    p = accept(POL(L24("A"), ",'pause_on':{'resolution':[]}"));
    cr_assert_eq(p->pause_on[POL_METRIC_RESOLUTION], 0);
    policy_free(p);
}

Test(policy, pause_on_refusals)
{
    refuse(POL(L24("A"), ",'pause_on':[]"), "p.json: pause_on: must be an object, not an array");
    refuse(POL(L24("A"), ",'pause_on':{'update':[]}"),
           "p.json: pause_on.update: unknown metric (metrics are first_response, next_response, resolution)");
    refuse(POL(L24("A"), ",'pause_on':{'resolution':'pending'}"),
           "p.json: pause_on.resolution: must be an array of statuses, not a string");
    refuse(POL(L24("A"), ",'pause_on':{'resolution':['pending',3]}"),
           "p.json: pause_on.resolution[1]: must be a string, not a number");
    refuse(POL(L24("A"), ",'pause_on':{'resolution':['waiting']}"),
           "p.json: pause_on.resolution[0]: unknown status 'waiting' (statuses that pause are pending, on_hold)");
    refuse(POL(L24("A"), ",'pause_on':{'resolution':['resolved']}"),
           "p.json: pause_on.resolution[0]: unknown status 'resolved' (statuses that pause are pending, on_hold)");
    refuse(POL(L24("A"), ",'pause_on':{'resolution':[],'resolution':[]}"), "p.json: pause_on.resolution: duplicate key");
}
