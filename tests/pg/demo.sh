#!/bin/sh
# --demo on PostgreSQL (SPEC §3 and §10; run under tests/pg/pg_server.sh run): the demo is built
# in an empty database (made by its administrator, as README says), built again over its own
# earlier demo (replaced: a ticket added meanwhile is gone), refused on a database that is not a
# demo with one line naming it (left untouched: the same audit head and ticket count), and the
# console opens on it.
. "$SLATOP_SOURCE_DIR/tests/pg/lib/cli_env.sh"
PTYRUN=${SLATOP_BUILD_DIR:?}/bench/ptyrun
created="ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
q postgres "CREATE DATABASE demo_empty $created" || fail "create demo_empty"
DEMO=postgresql:///demo_empty

count() { "$BIN" --db "$1" list --all --json | grep -o '"id":' | wc -l; }

# 1. An empty database: the demo is built in it and the command runs on it.
"$BIN" --db "$DEMO" --demo list >"$tmp/list1" 2>"$tmp/err" || fail "demo on an empty database: $(cat "$tmp/err")"
grep -q "Northwind Telecom" "$tmp/list1" || fail "the demo's tickets are not listed: $(cat "$tmp/list1")"
n1=$(count "$DEMO")
[ "$n1" -ge 10 ] || fail "the demo has $n1 tickets"
"$BIN" --db "$DEMO" audit verify >/dev/null || fail "the demo's audit chain does not verify"
[ "$(q demo_empty "SELECT value FROM meta WHERE key = 'demo'")" = 1 ] || fail "the demo is not marked as one"
ls "$XDG_STATE_HOME"/slatop/*.uptime/maintenance.json >/dev/null 2>&1 || fail "no monitoring files for the demo"

# 2. Again on the same database: the earlier demo is replaced, not added to.
"$BIN" --db "$DEMO" add --title "added after the demo" --customer Extra >/dev/null || fail "add"
"$BIN" --db "$DEMO" --demo list >/dev/null 2>"$tmp/err" || fail "demo over a demo: $(cat "$tmp/err")"
[ "$(count "$DEMO")" -eq "$n1" ] || fail "the second demo has $(count "$DEMO") tickets, want $n1"
"$BIN" --db "$DEMO" list --all | grep -q "added after the demo" && fail "the earlier demo was not replaced"
"$BIN" --db "$DEMO" audit verify >/dev/null || fail "the replaced demo's audit chain does not verify"

# 3. A database that is not a demo: refused in one line naming it, and left as it was.
PLAIN=postgresql:///plain
"$BIN" --db "$PLAIN" init --policy "$SRC/share/policies/chatti.json" >/dev/null || fail "init plain"
"$BIN" --db "$PLAIN" add --title "real work" --customer Real >/dev/null || fail "add plain"
head=$("$BIN" --db "$PLAIN" audit head) || fail "audit head"
expect_fail 1 "--db $PLAIN: not a demo database; refusing to replace it" "$BIN" --db "$PLAIN" --demo list
[ "$("$BIN" --db "$PLAIN" audit head)" = "$head" ] || fail "the refused database's audit head moved"
[ "$(count "$PLAIN")" -eq 1 ] || fail "the refused database has $(count "$PLAIN") tickets, want 1"
# A database whose server cannot be reached says so (not "not a demo").
expect_fail 1 "cannot connect" "$BIN" --db "postgresql:///x?host=$tmp/nowhere" --demo list

# 4. Without a command the console opens on the demo.
l=$("$PTYRUN" --size 120x40 --timeout-ms 20000 --wait-text "Northwind Telecom" -- "$BIN" --db "$DEMO" --demo) || true
case $l in
    *wait_ms=-1* | '') fail "the console did not open on the demo: $l" ;;
    *wait_ms=*) ;;
    *) fail "the console did not open on the demo: $l" ;;
esac
[ "$(count "$DEMO")" -eq "$n1" ] || fail "the console's demo has $(count "$DEMO") tickets, want $n1"
echo "ok: --demo on PostgreSQL: built in an empty database, replaced its own, refused another ($n1 tickets)"
