/* config: the user's configuration file (SPEC §5), loaded and validated. Only its parser includes
 * cJSON.h. slatop never writes it. */
#ifndef SLATOP_CONFIG_H
#define SLATOP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "slatop/util.h"

typedef struct {
    char *action;  /* action name, e.g. "raise" */
    char **keys;   /* key names as written: "+", "K", "Enter", "Esc", "Up", "PgDn", "C-x", "F1" */
    size_t n_keys;
} cfg_keybinding;

typedef struct {
    char *element; /* e.g. "breached", "warn", "selected", "status" */
    char *fg;      /* colour name ("red", "default", ...) or NULL */
    char *bg;
    bool bold, reverse, underline;
} cfg_color;

typedef struct {
    char *url;               /* http(s)://... or file://... */
    char *query;             /* default: SPEC §7's error-ratio expression */
    char *requests_query;    /* may be NULL */
    char *username;          /* may be NULL */
    char *password_file;     /* may be NULL */
    char *bearer_token_file; /* may be NULL */
    char *ca_file;           /* may be NULL */
    int timeout_s;           /* default 15 */
    int poll_s;              /* default 60 */
} cfg_prometheus;

/* Everything owned by the struct; config_free frees it. */
typedef struct {
    char *path;             /* the file it came from, NULL when no file was found (defaults) */
    char *db;               /* may be NULL */
    char *display_timezone; /* may be NULL ($TZ, else the system zone) */
    char *theme;            /* "default", "mono", or "custom" when a table was given */
    cfg_color *colors;
    size_t n_colors;
    cfg_keybinding *keys;
    size_t n_keys;
    bool has_prometheus;
    cfg_prometheus prometheus;
    char *statuspage_url;   /* may be NULL */
    bool alerts_bell;       /* "alerts.bell": ring on a clock's crossing (SPEC §8); default true */
    char **alerts_command;  /* "alerts.command": argv run on a crossing, NULL-terminated; NULL: none */
    size_t n_alerts_command;
    bool countdown_seconds_always; /* "countdown_seconds": "always": H:MM:SS everywhere (SPEC §11) */
} st_config;

/* Parses config JSON; errors read "SOURCE: KEY: reason" (unknown keys and wrong types refused).
 * Caller owns *out (config_free). */
st_code config_parse(const char *text, size_t len, const char *source, st_config **out, st_err *err);
/* Finds and loads the configuration: explicit_path (--config) if not NULL, else $SLATOP_CONFIG,
 * else the first existing of $XDG_CONFIG_HOME/slatop/config.json, ~/.config/slatop/config.json,
 * /etc/slatop/config.json (files do not merge). No file at all gives the defaults (path NULL);
 * an explicit path that does not exist is an error. */
st_code config_load(const char *explicit_path, st_config **out, st_err *err);
void config_free(st_config *c);
/* Frees the strings of a cfg_prometheus and zeroes it (used by config_free, and by the demo when
 * it replaces the monitoring source). */
void config_prometheus_done(cfg_prometheus *p);

#endif
