/* demo_uptime: the demo's monitoring source (SPEC §3 --demo): a synthetic month of per-minute
 * error ratios with a few incidents, written as Prometheus query_range JSON for a file:// source
 * (layout: DIR/YYYY-MM.json, one answer per month — see uptime_source.h), plus a Statuspage
 * scheduled-maintenances file with one window announced in time and one too late. */
#ifndef SLATOP_DEMO_UPTIME_H
#define SLATOP_DEMO_UPTIME_H

#include "slatop/config.h"
#include "slatop/util.h"

/* Writes the month containing now (minutes before now) and the previous month into dir (created
 * if missing, mode 0700), and DIR/maintenance.json. Fills *out with the source to use: url
 * "file://DIR", default query, timeout 5 s, poll 60 s (strings owned by *out: free them with
 * demo_uptime_config_done); *statuspage_url gets "file://DIR/maintenance.json" (caller frees).
 * dir must be absolute. Errors name the file (ST_IO). */
st_code demo_uptime_write(const char *dir, st_time now, cfg_prometheus *out, char **statuspage_url,
                          st_err *err);
void demo_uptime_config_done(cfg_prometheus *p);

#endif
