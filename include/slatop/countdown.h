/* countdown: how the console writes a remaining time (SPEC §11). Seconds are shown only where a
 * second matters, so that a screen of tickets far from their deadlines changes once a minute. */
#ifndef SLATOP_COUNTDOWN_H
#define SLATOP_COUNTDOWN_H

#include <stdbool.h>
#include <stdint.h>

/* Formats remaining_s into buf (>= 24 bytes; returns buf): one hour or more reads "XhYYm"
 * ("27h04m", "1h00m"), under one hour "M:SS" ("59:59" ... "0:00"), overdue the same with a
 * leading '-' ("-0:42", "-59:59", "-1h00m"); seconds are cut, never rounded up. With
 * always_seconds, "[-]H:MM:SS" everywhere (the configuration's "countdown_seconds": "always"). */
char *countdown_format(int64_t remaining_s, bool always_seconds, char buf[static 24]);

#endif
