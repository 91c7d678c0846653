/* jsonout: the JSON objects of the command line (SPEC §3): tickets, audit entries, explain
 * segments. Every string goes through json_append_string, so output is valid UTF-8 with every
 * control, bidi and invisible character escaped: safe to print to a terminal. */
#ifndef SLATOP_JSONOUT_H
#define SLATOP_JSONOUT_H

#include <stddef.h>

#include "slatop/model.h"
#include "slatop/ops.h"
#include "slatop/sla.h"
#include "slatop/util.h"

/* Appends "YYYY-MM-DDTHH:MM:SSZ" (quoted) or null for ST_TIME_NONE. */
void jsonout_time(strbuf *sb, st_time t);
/* Appends the ticket object of SPEC §3 WITHOUT its closing brace, so callers can add keys
 * (show adds history/explain); close it with sb_append_c(sb, '}'). */
void jsonout_ticket_open(strbuf *sb, const ops_view *v);
/* The complete ticket object. */
void jsonout_ticket(strbuf *sb, const ops_view *v);
/* One audit entry object (SPEC §3 keys plus "detail"). */
void jsonout_audit_entry(strbuf *sb, const st_audit_entry *e);
/* An array of audit entries, oldest first as given. */
void jsonout_audit_array(strbuf *sb, const st_audit_entry *e, size_t n);
/* A message (SPEC §8: id, kind, author, at, recorded_at, body; the body escaped like every string),
 * and an array of them. */
void jsonout_message(strbuf *sb, const st_message *m);
void jsonout_message_array(strbuf *sb, const st_message *m, size_t n);
/* Appends `,"next":{...}|null,"clocks":[...]` (SPEC §8) to an open ticket object. */
void jsonout_clocks(strbuf *sb, const clk_result *r);
/* One explain segment: start, end, kind, counted_s, rule. */
void jsonout_segment(strbuf *sb, const sla_segment *s);
/* Arrays of ticket objects / explain segments. */
void jsonout_ticket_array(strbuf *sb, const ops_view *v, size_t n);
void jsonout_segment_array(strbuf *sb, const sla_segment *s, size_t n);

/* A number in its shortest form that reads back as the same double (99.99, not
 * 99.989999999999995); integers without a fraction; null for NaN and infinities. */
void json_append_number(strbuf *sb, double d);

/* Re-serialises arbitrary JSON text safely (strings through json_append_string, numbers as
 * written by cJSON). When the top level is an object and override_key is not NULL, that key is
 * written (first) with the integer override_value instead of any value the text has for it.
 * Errors: ST_INVALID "SOURCE: not valid JSON". */
st_code jsonout_reserialize(strbuf *sb, const char *json, const char *source, const char *override_key,
                            int64_t override_value, st_err *err);

#endif
