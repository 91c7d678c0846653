/* config: parsing and validation of the configuration file (SPEC §5, §7), and how it is found. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "slatop/config.h"
#include "support_cli.h"

static st_config *parse_ok(const char *text)
{
    st_config *c = NULL;
    st_err err;
    st_err_clear(&err);
    st_code rc = config_parse(text, strlen(text), "cfg.json", &c, &err);
    cr_assert_eq(rc, ST_OK, "%s", err.msg);
    cr_assert(c != NULL);
    return c;
}

static void parse_bad(const char *text, const char *msg)
{
    st_config *c = NULL;
    st_err err;
    st_err_clear(&err);
    st_code rc = config_parse(text, strlen(text), "cfg.json", &c, &err);
    cr_expect_eq(rc, ST_INVALID, "accepted: %s", text);
    cr_expect(c == NULL);
    cr_expect_str_eq(err.msg, msg);
}

Test(config, empty_object_gives_defaults)
{
    st_config *c = parse_ok("{}");
    cr_expect_str_eq(c->path, "cfg.json");
    cr_expect(c->db == NULL);
    cr_expect(c->display_timezone == NULL);
    cr_expect_str_eq(c->theme, "default");
    cr_expect_eq(c->n_colors, 0);
    cr_expect_eq(c->n_keys, 0);
    cr_expect(!c->has_prometheus);
    cr_expect(c->statuspage_url == NULL);
    config_free(c);
}

Test(config, full_file)
{
    setenv("HOME", "/home/eng", 1);
    st_config *c = parse_ok(
        "{\"db\": \"~/slatop.db\", \"display_timezone\": \"Europe/Berlin\","
        " \"theme\": {\"breached\": {\"fg\": \"red\", \"bold\": true}, \"selected\": {\"reverse\": true, \"bg\": \"color236\"}},"
        " \"keys\": {\"raise\": [\"+\", \"K\"], \"quit\": []},"
        " \"monitoring\": {\"prometheus\": {\"url\": \"https://prom.example:9090\", \"username\": \"u\","
        "   \"password_file\": \"~/.prom-pass\", \"ca_file\": \"/etc/ca.pem\", \"timeout_s\": 5, \"poll_s\": 30,"
        "   \"requests_query\": \"sum(x)\"},"
        "  \"statuspage\": {\"url\": \"https://status.example/api/v2/scheduled-maintenances.json\"}}}");
    cr_expect_str_eq(c->db, "/home/eng/slatop.db");
    cr_expect_str_eq(c->display_timezone, "Europe/Berlin");
    cr_expect_str_eq(c->theme, "custom");
    cr_assert_eq(c->n_colors, 2);
    cr_expect_str_eq(c->colors[0].element, "breached");
    cr_expect_str_eq(c->colors[0].fg, "red");
    cr_expect(c->colors[0].bold && !c->colors[0].reverse);
    cr_expect(c->colors[0].bg == NULL);
    cr_expect_str_eq(c->colors[1].bg, "color236");
    cr_expect(c->colors[1].reverse);
    cr_assert_eq(c->n_keys, 2);
    cr_expect_str_eq(c->keys[0].action, "raise");
    cr_assert_eq(c->keys[0].n_keys, 2);
    cr_expect_str_eq(c->keys[0].keys[1], "K");
    cr_expect_eq(c->keys[1].n_keys, 0);
    cr_assert(c->has_prometheus);
    cr_expect_str_eq(c->prometheus.url, "https://prom.example:9090");
    cr_expect(strstr(c->prometheus.query, "code=\"500\"") != NULL, "default query: %s", c->prometheus.query);
    cr_expect_str_eq(c->prometheus.requests_query, "sum(x)");
    cr_expect_str_eq(c->prometheus.password_file, "/home/eng/.prom-pass");
    cr_expect_str_eq(c->prometheus.ca_file, "/etc/ca.pem");
    cr_expect(c->prometheus.bearer_token_file == NULL);
    cr_expect_eq(c->prometheus.timeout_s, 5);
    cr_expect_eq(c->prometheus.poll_s, 30);
    cr_expect_str_eq(c->statuspage_url, "https://status.example/api/v2/scheduled-maintenances.json");
    config_free(c);
}

Test(config, prometheus_defaults)
{
    st_config *c = parse_ok("{\"theme\": \"mono\", \"monitoring\": {\"prometheus\": {\"url\": \"file:///tmp/p.json\"}}}");
    cr_expect_str_eq(c->theme, "mono");
    cr_expect_eq(c->prometheus.timeout_s, 15);
    cr_expect_eq(c->prometheus.poll_s, 60);
    cr_expect_str_eq(c->prometheus.query, "sum(increase(http_requests_total{code=\"500\"}[1m])) / "
                                          "sum(increase(http_requests_total{code!~\"4..\"}[1m]))");
    cr_expect(c->prometheus.username == NULL);
    config_free(c);
}

Test(config, refusals_name_file_and_key)
{
    parse_bad("{\"dbb\": \"x\"}", "cfg.json: dbb: unknown key");
    parse_bad("[]", "cfg.json: (top level): must be a JSON object");
    parse_bad("{\"db\": true}", "cfg.json: db: must be a string");
    parse_bad("{\"db\": \"\"}", "cfg.json: db: must not be empty");
    parse_bad("{\"display_timezone\": \"Nowhere/Land\"}", "cfg.json: display_timezone: unknown time zone 'Nowhere/Land'");
    parse_bad("{\"theme\": \"neon\"}", "cfg.json: theme: must be \"default\", \"mono\" or an object of elements");
    parse_bad("{\"theme\": 3}", "cfg.json: theme: must be \"default\", \"mono\" or an object of elements");
    parse_bad("{\"theme\": {\"warn\": {\"fg\": \"puce\"}}}",
              "cfg.json: theme.warn.fg: unknown colour (default, black, red, green, yellow, blue, magenta, cyan, "
              "white, color0..color255)");
    parse_bad("{\"theme\": {\"warn\": {\"blink\": true}}}", "cfg.json: theme.warn.blink: unknown key");
    parse_bad("{\"theme\": {\"warn\": {\"bold\": 1}}}", "cfg.json: theme.warn.bold: must be true or false");
    parse_bad("{\"keys\": []}", "cfg.json: keys: must be an object of action -> list of keys");
    parse_bad("{\"keys\": {\"raise\": \"+\"}}", "cfg.json: keys.raise: must be an array of key names");
    parse_bad("{\"keys\": {\"raise\": [\"+\", 5]}}", "cfg.json: keys.raise[1]: must be a string");
    parse_bad("{\"monitoring\": 1}", "cfg.json: monitoring: must be an object");
    parse_bad("{\"monitoring\": {\"grafana\": {}}}", "cfg.json: monitoring.grafana: unknown key");
    parse_bad("{\"monitoring\": {\"prometheus\": {}}}", "cfg.json: monitoring.prometheus.url: missing");
    parse_bad("{\"monitoring\": {\"prometheus\": {\"url\": \"ftp://x\"}}}",
              "cfg.json: monitoring.prometheus.url: must start with http://, https:// or file://");
    parse_bad("{\"monitoring\": {\"prometheus\": {\"url\": \"http://x\", \"timeout_s\": 0}}}",
              "cfg.json: monitoring.prometheus.timeout_s: must be a whole number from 1 to 3600");
    parse_bad("{\"monitoring\": {\"prometheus\": {\"url\": \"http://x\", \"poll_s\": 1.5}}}",
              "cfg.json: monitoring.prometheus.poll_s: must be a whole number from 1 to 86400");
    parse_bad("{\"monitoring\": {\"prometheus\": {\"url\": \"http://x\", \"password\": \"hunter2\"}}}",
              "cfg.json: monitoring.prometheus.password: unknown key");
    parse_bad("{\"monitoring\": {\"statuspage\": {\"url\": 1}}}", "cfg.json: monitoring.statuspage.url: must be a string");
    parse_bad("{\"monitoring\": {\"statuspage\": {}}}", "cfg.json: monitoring.statuspage.url: missing");
    parse_bad("{\n\"db\": \"x\",\n}", "cfg.json: line 3: not valid JSON");
}

/* A second document after the first is refused, as the policy parser does, not ignored. */
Test(config, trailing_text_refused)
{
    parse_bad("{\"theme\":\"mono\"} {\"db\":\"/x\"}", "cfg.json: line 1: text after the JSON value");
    parse_bad("{\"theme\":\"mono\"}\n\nx", "cfg.json: line 3: text after the JSON value");
    config_free(parse_ok("{\"theme\":\"mono\"}\n \t\r\n"));
}

Test(config, load_finds_files_in_order)
{
    support_sandbox();
    st_config *c = NULL;
    st_err err;
    /* nothing anywhere (assuming no /etc/slatop/config.json on the test host): defaults */
    struct stat st;
    if (stat("/etc/slatop/config.json", &st) != 0) {
        cr_assert_eq(config_load(NULL, &c, &err), ST_OK, "%s", err.msg);
        cr_expect(c->path == NULL);
        config_free(c);
    }
    mkdir(support_path(".config"), 0700);
    mkdir(support_path(".config/slatop"), 0700);
    const char *home_cfg = support_path(".config/slatop/config.json");
    support_write_file(home_cfg, "{\"db\": \"/from/home\"}", 20);
    cr_assert_eq(config_load(NULL, &c, &err), ST_OK, "%s", err.msg);
    cr_expect_str_eq(c->db, "/from/home");
    config_free(c);

    mkdir(support_path("config"), 0700);
    mkdir(support_path("config/slatop"), 0700);
    support_write_file(support_path("config/slatop/config.json"), "{\"db\": \"/from/xdg\"}", 19);
    cr_assert_eq(config_load(NULL, &c, &err), ST_OK, "%s", err.msg);
    cr_expect_str_eq(c->db, "/from/xdg");
    config_free(c);

    const char *env_cfg = support_path("env.json");
    support_write_file(env_cfg, "{\"db\": \"/from/env\"}", 19);
    setenv("SLATOP_CONFIG", env_cfg, 1);
    cr_assert_eq(config_load(NULL, &c, &err), ST_OK, "%s", err.msg);
    cr_expect_str_eq(c->db, "/from/env");
    cr_expect_str_eq(c->path, env_cfg);
    config_free(c);

    /* explicit beats everything; files do not merge */
    const char *explicit = support_path("explicit.json");
    support_write_file(explicit, "{\"theme\": \"mono\"}", 17);
    cr_assert_eq(config_load(explicit, &c, &err), ST_OK, "%s", err.msg);
    cr_expect(c->db == NULL);
    cr_expect_str_eq(c->theme, "mono");
    config_free(c);
    unsetenv("SLATOP_CONFIG");

    cr_expect_neq(config_load(support_path("missing.json"), &c, &err), ST_OK);
    cr_expect(strstr(err.msg, "missing.json") != NULL, "%s", err.msg);
    cr_expect(c == NULL);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", support_path(""));
    cr_expect(system(cmd) == 0);
}

/* A key given twice is refused wherever it is (found by fuzz_config: a repeated "theme" object
 * was parsed twice and overflowed the colour table). */
Test(config, duplicate_keys_refused_at_any_depth)
{
    parse_bad("{\"theme\": {\"breached\": {\"fg\": \"red\"}}, \"theme\": {\"breached\": {\"fg\": \"red\"},"
              " \"selected\": {\"reverse\": true}}}",
              "cfg.json: theme: duplicate key");
    parse_bad("{\"db\": \"/a\", \"db\": \"/b\"}", "cfg.json: db: duplicate key");
    parse_bad("{\"monitoring\": {\"prometheus\": {\"url\": \"http://a\", \"url\": \"http://b\"}}}",
              "cfg.json: monitoring.prometheus.url: duplicate key");
    parse_bad("{\"keys\": {\"raise\": [\"+\"], \"raise\": [\"K\"]}}", "cfg.json: keys.raise: duplicate key");
}

/* Numbers outside any integer's range are refused, not cast (fuzz_config found 1e300 in timeout_s
 * reaching a float-to-integer cast, undefined behaviour). */
Test(config, huge_numbers_refused_without_overflow)
{
    parse_bad("{\"monitoring\": {\"prometheus\": {\"url\": \"http://a\", \"timeout_s\": 1e300}}}",
              "cfg.json: monitoring.prometheus.timeout_s: must be a whole number from 1 to 3600");
    parse_bad("{\"monitoring\": {\"prometheus\": {\"url\": \"http://a\", \"poll_s\": -1e300}}}",
              "cfg.json: monitoring.prometheus.poll_s: must be a whole number from 1 to 86400");
}

/* alerts (SPEC §8): the bell is on unless turned off; the command is an argument vector. */
Test(config, alerts_defaults_and_values)
{
    st_config *c = parse_ok("{}");
    cr_expect(c->alerts_bell);
    cr_expect(c->alerts_command == NULL);
    cr_expect_eq(c->n_alerts_command, 0);
    config_free(c);
    c = parse_ok("{\"alerts\": {\"bell\": false, \"command\": [\"notify-send\", \"slatop\", \"a b\"]}}");
    cr_expect(!c->alerts_bell);
    cr_assert_eq(c->n_alerts_command, 3);
    cr_expect_str_eq(c->alerts_command[0], "notify-send");
    cr_expect_str_eq(c->alerts_command[2], "a b");
    cr_expect(c->alerts_command[3] == NULL, "the vector is NULL-terminated for posix_spawnp");
    config_free(c);
}

Test(config, alerts_refusals_name_file_and_key)
{
    parse_bad("{\"alerts\": true}", "cfg.json: alerts: must be an object with bell, command");
    parse_bad("{\"alerts\": {\"bell\": \"yes\"}}", "cfg.json: alerts.bell: must be true or false");
    parse_bad("{\"alerts\": {\"command\": []}}",
              "cfg.json: alerts.command: must be a non-empty array of strings (program, arguments)");
    parse_bad("{\"alerts\": {\"command\": \"notify-send slatop\"}}",
              "cfg.json: alerts.command: must be a non-empty array of strings (program, arguments)");
    parse_bad("{\"alerts\": {\"command\": [\"notify-send\", \"\"]}}", "cfg.json: alerts.command[1]: must not be empty");
    parse_bad("{\"alerts\": {\"command\": [\"x\", 3]}}", "cfg.json: alerts.command[1]: must be a string");
    parse_bad("{\"alerts\": {\"sound\": true}}", "cfg.json: alerts.sound: unknown key");
    parse_bad("{\"alerts\": {\"bell\": true, \"bell\": false}}", "cfg.json: alerts.bell: duplicate key");
}

Test(config, countdown_seconds)
{
    st_config *c = parse_ok("{}");
    cr_expect(!c->countdown_seconds_always);
    config_free(c);
    c = parse_ok("{\"countdown_seconds\": \"always\"}");
    cr_expect(c->countdown_seconds_always);
    config_free(c);
    c = parse_ok("{\"countdown_seconds\": \"last_hour\"}");
    cr_expect(!c->countdown_seconds_always);
    config_free(c);
    parse_bad("{\"countdown_seconds\": true}",
              "cfg.json: countdown_seconds: must be \"always\" or \"last_hour\"");
    parse_bad("{\"countdown_seconds\": \"never\"}",
              "cfg.json: countdown_seconds: must be \"always\" or \"last_hour\"");
}
