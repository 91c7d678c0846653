#!/bin/sh
# `audit verify` replays the log against the ticket rows (issue 12, defect 5): an emptied log with
# tickets left fails, and each ticket field edited behind slatop's back with sqlite3 is caught and
# named, with exit status 1. A clean demo database and a migrated schema-1 fixture verify.
set -u
BIN=${SLATOP_BINARY:?SLATOP_BINARY not set}
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d /tmp/slatop-replay-XXXXXX)
trap 'rm -rf "$T"' EXIT
export HOME="$T" XDG_STATE_HOME="$T/state" XDG_DATA_HOME="$T/data" XDG_CONFIG_HOME="$T/config"
unset SLATOP_DB SLATOP_CONFIG
POLICY=$SLATOP_SOURCE_DIR/share/policies/haptik.json
command -v sqlite3 > /dev/null || fail "sqlite3 is needed to edit the ticket table (share/setup.sh --test installs it)"

DB=$T/r.db
s() { "$BIN" --now 2026-11-20T10:00:00Z --db "$DB" "$@" > /dev/null || fail "slatop $*: exit $?"; }
# Every kind of change: levels, statuses (by set-status, resolve, reopen and customer messages,
# which also reopen), assignment, first responses by respond, reply and resolve.
s init --policy "$POLICY"
s add --title one --level S1 --body hello
s add --title two --level S2
# A reply in a later second than the add: a separate change beyond doubt (one in the add's own
# second could be the add's, and verify allows either version).
"$BIN" --now 2026-11-20T10:05:00Z --db "$DB" reply 2 --body hi >/dev/null || fail "reply"
s set-status 2 pending --reason waiting
s message 2 --body back
s resolve 2
s message 2 --body "it broke again"
s raise 1 --reason escalated
s assign 1 --to bob
s note 1 --body internal
s add --title three
s resolve 3
s reopen 3 --reason "came back"
s set-status 3 on_hold --reason vendor
out=$("$BIN" --db "$DB" audit verify 2>&1) || fail "clean database: $out"
echo "$out" | grep -q '^ok: 18 entries verified' || fail "clean database: $out"

# expect_bad SQL MESSAGE: the edit is caught, named, exit status 1; the anchor check still runs.
expect_bad() {
    cp "$DB" "$T/x.db"
    sqlite3 "$T/x.db" "$1" || fail "sqlite3 $1"
    err=$("$BIN" --db "$T/x.db" audit verify 2>&1 > /dev/null)
    rc=$?
    [ $rc -eq 1 ] || fail "$1: exit $rc, not 1 ($err)"
    [ "$err" = "slatop: $2" ] || fail "$1: said '$err', expected 'slatop: $2'"
}
expect_bad "update tickets set level='S3' where id=2" "ticket 2: level is S3 but the log says S2"
expect_bad "update tickets set status='open' where id=3" "ticket 3: status is open but the log says on_hold"
expect_bad "update tickets set status='resolved' where id=2" "ticket 2: status is resolved but the log says open"
expect_bad "update tickets set assignee='eve' where id=1" "ticket 1: assignee is eve but the log says bob"
expect_bad "update tickets set assignee=NULL where id=1" "ticket 1: assignee is none but the log says bob"
expect_bad "update tickets set assignee='mallory' where id=3" "ticket 3: assignee is mallory but the log says none"
expect_bad "update tickets set first_response=NULL where id=2" \
    "ticket 2: first response is none but the log says 2026-11-20T10:05:00Z"
expect_bad "update tickets set first_response=first_response-60 where id=3" \
    "ticket 3: first response is 2026-11-20T09:59:00Z but the log says 2026-11-20T10:00:00Z"
expect_bad "update tickets set resolved=1795168800 where id=3" \
    "ticket 3: resolved is 2026-11-20T10:00:00Z but the log says none"
expect_bad "update tickets set version=version+3 where id=2" "ticket 2: version is 9 but the log says 6"
expect_bad "update tickets set version=1 where id=3" "ticket 3: version is 1 but the log says 4"
expect_bad "delete from tickets where id=2" "ticket 2: in the audit log but missing from the database (removed)"
expect_bad "insert into tickets(id, title, level, status, created, due, policy_version, version)
            values (9, 'forged', 'S0', 'open', 1795168800, 1795172400, 1, 1)" \
    "ticket 9: not in the audit log (no creation entry)"
# A title is not replayed, but a hostile level in a row is named without its escape bytes.
cp "$DB" "$T/x.db"
sqlite3 "$T/x.db" "update tickets set level=char(27)||'[2J' where id=1" || fail "sqlite3 escape"
err=$("$BIN" --db "$T/x.db" audit verify 2>&1 > /dev/null) && fail "escape: verified"
printf '%s' "$err" | grep -q "$(printf '\033')" && fail "escape: raw ESC reached stderr"
# The case: the log emptied (past its triggers) while the tickets remain.
expect_bad "drop trigger audit_no_delete; delete from audit" "ticket 1: not in the audit log (no creation entry)"

# --anchor still works beside the replay.
head=$("$BIN" --db "$DB" audit head) || fail "audit head"
"$BIN" --db "$DB" audit verify --anchor "$head" > /dev/null || fail "verify --anchor $head"
cp "$DB" "$T/x.db"
sqlite3 "$T/x.db" "update tickets set level='S0' where id=2" || fail "sqlite3"
err=$("$BIN" --db "$T/x.db" audit verify --anchor "$head" 2>&1 > /dev/null) && fail "anchor + edit verified"
[ "$err" = "slatop: ticket 2: level is S0 but the log says S2" ] || fail "anchor + edit: $err"

# A clean demo database verifies.
"$BIN" --now 2026-11-20T10:00:00Z --db "$T/demo.db" --demo > /dev/null || fail "--demo"
out=$("$BIN" --db "$T/demo.db" audit verify 2>&1) || fail "demo: $out"

# The schema-1 fixture, migrated by its first write, verifies (its statuses had no from/to).
cp "$SLATOP_SOURCE_DIR/tests/fixtures/schema1.db" "$T/s1.db"
"$BIN" --db "$T/s1.db" --now 2026-11-20T10:00:00Z assign 2 --to carol > /dev/null || fail "migrating write"
out=$("$BIN" --db "$T/s1.db" audit verify 2>&1) || fail "schema 1: $out"
echo "$out" | grep -q '^ok: 14 entries verified' || fail "schema 1: $out"
sqlite3 "$T/s1.db" "update tickets set status='open' where id=3" || fail "sqlite3 s1"
err=$("$BIN" --db "$T/s1.db" audit verify 2>&1 > /dev/null) && fail "schema 1 edit verified"
[ "$err" = "slatop: ticket 3: status is open but the log says resolved" ] || fail "schema 1 edit: $err"
echo ok
