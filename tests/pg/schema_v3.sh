#!/bin/sh
# A PostgreSQL database of schema 3 (before audit.host, SPEC §10) migrates to 4 on open and keeps
# verifying (on a server started by pg_server.sh; ctest runs this under `pg_server.sh run`).
# The v3 database: the entries of tests/fixtures/schema1.db (written before hosts existed, so none
# has one) in a PostgreSQL database, taken back to schema 3 by hand-written SQL (schema 3 is
# schema 4 without audit.host). Opening it adds the column and sets version 4; the old entries
# keep host null and verify; a new entry records its host and chains on.
. "$SLATOP_SOURCE_DIR/tests/pg/lib/cli_env.sh"
L=postgresql:///schema_v3
q postgres "DROP DATABASE IF EXISTS schema_v3" > /dev/null 2>&1

cp "$SRC/tests/fixtures/schema1.db" "$tmp/old.db"
"$BIN" --db "$tmp/old.db" migrate --to "$L" > /dev/null 2> "$tmp/err" || fail "migrate: $(cat "$tmp/err")"
head=$("$BIN" --db "$tmp/old.db" audit head)
[ "$(q schema_v3 "SELECT count(*) FROM audit WHERE host IS NOT NULL")" = 0 ] || fail "the fixture has hosts"
q schema_v3 "BEGIN; ALTER TABLE audit DROP COLUMN host; UPDATE slatop_schema SET version = 3; COMMIT" > /dev/null ||
    fail "could not make schema 3"
[ "$(q schema_v3 "SELECT count(*) FROM information_schema.columns WHERE table_name = 'audit' AND column_name = 'host'")" = 0 ] ||
    fail "audit.host is still there"

"$BIN" --db "$L" audit verify > "$tmp/verify" 2> "$tmp/err" || fail "audit verify on schema 3: $(cat "$tmp/err")"
[ "$(q schema_v3 "SELECT version FROM slatop_schema")" = 4 ] || fail "not migrated to schema 4"
[ "$("$BIN" --db "$L" audit head)" = "$head" ] || fail "the head moved: $("$BIN" --db "$L" audit head), was $head"
"$BIN" --db "$L" audit --json > "$tmp/audit" 2> "$tmp/err" || fail "audit --json: $(cat "$tmp/err")"
old=$(grep -o '"host":null' "$tmp/audit" | wc -l)
[ "$old" -eq "$(echo "$head" | cut -d: -f1)" ] || fail "$old entries without a host, want every old one"
# A new entry records this host and chains to the old ones.
"$BIN" --db "$L" raise 1 --reason "after the upgrade" > /dev/null 2> "$tmp/err" || fail "raise: $(cat "$tmp/err")"
"$BIN" --db "$L" audit verify > "$tmp/verify2" 2> "$tmp/err" || fail "audit verify after a change: $(cat "$tmp/err")"
[ "$(q schema_v3 "SELECT host FROM audit ORDER BY seq DESC LIMIT 1")" = "$(hostname)" ] ||
    fail "the new entry's host is '$(q schema_v3 "SELECT host FROM audit ORDER BY seq DESC LIMIT 1")', want $(hostname)"
echo "ok: schema 3 -> 4 on open: $(cat "$tmp/verify"); after a change: $(cat "$tmp/verify2")"
