#!/bin/sh
# A PostgreSQL database of schema 3 (before audit.host, SPEC §10) migrates to 6 on open, one step
# at a time, and keeps verifying (on a server started by pg_server.sh; ctest runs this under
# `pg_server.sh run`). The v3 database: the entries of tests/fixtures/schema1.db (written before
# hosts existed, so none has one) in a PostgreSQL database, taken back to schema 3 by hand-written
# SQL (schema 4 is 5 without the per-state counts and list-order indexes; 3 is 4 without
# audit.host). Opening it adds the column, the counts (equal to a GROUP BY of the tickets) and
# the indexes, replaces the counts' trigger with schema 6's, and sets version 6; the old entries keep host null and verify; a new entry
# records its host and chains on, and the counts follow it.
. "$SLATOP_SOURCE_DIR/tests/pg/lib/cli_env.sh"
L=postgresql:///schema_v3
q postgres "DROP DATABASE IF EXISTS schema_v3" > /dev/null 2>&1

cp "$SRC/tests/fixtures/schema1.db" "$tmp/old.db"
"$BIN" --db "$tmp/old.db" migrate --to "$L" > /dev/null 2> "$tmp/err" || fail "migrate: $(cat "$tmp/err")"
head=$("$BIN" --db "$tmp/old.db" audit head)
[ "$(q schema_v3 "SELECT count(*) FROM audit WHERE host IS NOT NULL")" = 0 ] || fail "the fixture has hosts"
q schema_v3 "BEGIN; DROP TABLE ticket_groups; DROP FUNCTION slatop_group_tickets() CASCADE;
    DROP INDEX tickets_next_state, tickets_created_order, tickets_customer_order, tickets_resolved_urgency,
      tickets_resolved_level, tickets_resolved_created, tickets_resolved_customer;
    ALTER TABLE audit DROP COLUMN host; UPDATE slatop_schema SET version = 3; COMMIT" > /dev/null ||
    fail "could not make schema 3"
# groups_match: ticket_groups holds what a GROUP BY of the open tickets gives, and nothing else.
groups_match() {
    want=$(q schema_v3 "SELECT level, count(*) FROM tickets WHERE status <> 'resolved' GROUP BY 1 ORDER BY 1")
    got=$(q schema_v3 "SELECT level, sum(n) FROM ticket_groups GROUP BY 1 HAVING sum(n) > 0 ORDER BY 1")
    [ -n "$want" ] && [ "$got" = "$want" ] || fail "$1: ticket_groups says '$got', the tickets '$want'"
}
[ "$(q schema_v3 "SELECT count(*) FROM information_schema.columns WHERE table_name = 'audit' AND column_name = 'host'")" = 0 ] ||
    fail "audit.host is still there"

"$BIN" --db "$L" audit verify > "$tmp/verify" 2> "$tmp/err" || fail "audit verify on schema 3: $(cat "$tmp/err")"
[ "$(q schema_v3 "SELECT version FROM slatop_schema")" = 6 ] || fail "not migrated to schema 6"
# schema 6's trigger: it compares the key's columns, not the key (pg_schema.c GROUPS_UPDATE_TRIGGER)
q schema_v3 "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'tickets_groups_update'" |
    grep -q "old.first_response IS DISTINCT FROM new.first_response" || fail "the counts' trigger is not schema 6's"
groups_match "after the migration"
[ "$(q schema_v3 "SELECT count(*) FROM pg_indexes WHERE indexname IN ('tickets_next_state',
    'tickets_created_order', 'tickets_customer_order', 'tickets_resolved_urgency', 'tickets_resolved_level',
    'tickets_resolved_created', 'tickets_resolved_customer')")" = 7 ] || fail "the schema 5 indexes are missing"
[ "$("$BIN" --db "$L" audit head)" = "$head" ] || fail "the head moved: $("$BIN" --db "$L" audit head), was $head"
"$BIN" --db "$L" audit --json > "$tmp/audit" 2> "$tmp/err" || fail "audit --json: $(cat "$tmp/err")"
old=$(grep -o '"host":null' "$tmp/audit" | wc -l)
[ "$old" -eq "$(echo "$head" | cut -d: -f1)" ] || fail "$old entries without a host, want every old one"
# A new entry records this host and chains to the old ones.
"$BIN" --db "$L" raise 1 --reason "after the upgrade" > /dev/null 2> "$tmp/err" || fail "raise: $(cat "$tmp/err")"
groups_match "after a raise"
"$BIN" --db "$L" audit verify > "$tmp/verify2" 2> "$tmp/err" || fail "audit verify after a change: $(cat "$tmp/err")"
[ "$(q schema_v3 "SELECT host FROM audit ORDER BY seq DESC LIMIT 1")" = "$(hostname)" ] ||
    fail "the new entry's host is '$(q schema_v3 "SELECT host FROM audit ORDER BY seq DESC LIMIT 1")', want $(hostname)"
echo "ok: schema 3 -> 6 on open: $(cat "$tmp/verify"); after a change: $(cat "$tmp/verify2")"
