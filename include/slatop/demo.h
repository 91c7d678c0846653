/* demo: the `--demo` database (SPEC §3): the shipped Chatti policy (business zone chosen so that
 * now is outside business hours, so every timer state shows), tickets relative to now covering
 * every level and every timer state, a few audited changes. */
#ifndef SLATOP_DEMO_H
#define SLATOP_DEMO_H

#include "slatop/config.h"
#include "slatop/util.h"

/* The default demo path: $XDG_STATE_HOME/slatop/demo.db (XDG_STATE_HOME defaults to
 * ~/.local/state). Caller owns the result (free); NULL when neither variable is set. */
char *demo_default_path(void);

/* Builds a fresh demo database at path, with times relative to clock_now(clock). Replaces only a
 * database that a previous demo_build created (store meta "demo" = "1"); any other existing file
 * is refused (ST_CONFLICT "PATH: not a demo database; refusing to replace it"). At a database
 * server's locator the database may exist without slatop's tables; one with them that is not a
 * demo is refused the same way (the locator shown without a password), one out of reach fails
 * with the store's own error. */
st_code demo_build(const char *path, const st_clock *clock, st_err *err);
/* Adds the previous calendar month (relative to now) to the demo database at path: tickets with
 * known outcomes for the SLA report (demo_month.c). */
st_code demo_past_month(const char *path, st_time now, st_err *err);

/* Writes the demo's monitoring source (a synthetic month of per-minute error ratios with a few
 * incidents, and a status page file) into the directory "DB_PATH.uptime" (for a database server's
 * locator, beside demo_default_path's file, named after the locator) and points cfg's
 * monitoring at it (file:// URLs), replacing whatever monitoring the user's config named: the demo
 * always shows its own data. Errors name the file (ST_IO). */
st_code demo_monitoring(const char *db_path, st_time now, st_config *cfg, st_err *err);

#endif
