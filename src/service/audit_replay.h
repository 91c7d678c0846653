/* audit_replay: `audit verify`'s second half (issue 12, defect 5). The hash chain proves the log
 * was not edited; the replay proves the ticket rows are what the log says they are. It rides on
 * the chain's one pass in seq order, keeping per ticket only what the rows are compared on
 * (level, status, assignee, first response, resolved, version): a sorted array of 40-byte records,
 * strings interned; then it walks the tickets in id order beside that array (a merge, no lookups).
 * Memory grows with the number of tickets, never with the log. Private to the service layer:
 * what each entry does to a row mirrors the writes in ops.c. */
#ifndef SLATOP_AUDIT_REPLAY_H
#define SLATOP_AUDIT_REPLAY_H

#include <stdint.h>

#include "slatop/store.h"
#include "slatop/util.h"

/* store_audit_verify (chain and anchor, whose problems are said first), then the replay: ST_VERIFY
 * naming the first ticket that disagrees and how ("ticket 12: level is S1 but the log says S2",
 * "ticket 3: not in the audit log (no creation entry)", "ticket 4: in the audit log but missing
 * from the database (removed)"). A change committed between reading the log and the rows is no
 * disagreement: the pass is repeated (up to three times) when the log's head moved meanwhile. */
st_code audit_replay_verify(st_store *s, int64_t anchor_seq, const char *anchor_hash, int64_t *checked,
                            st_err *err);

#endif
