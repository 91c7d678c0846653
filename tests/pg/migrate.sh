#!/bin/sh
# slatop migrate --to URI (SPEC §10 "Moving a team") on a server started by pg_server.sh (ctest runs
# this under `pg_server.sh run`). Two SQLite databases are copied into empty PostgreSQL databases:
# the demo, and one full of hostile text (control characters, terminal escapes, COPY's own escapes,
# quotes, bytes that are not UTF-8, the longest message a ticket may hold). On each pair: `audit
# head` equal, every command's JSON equal (list, every ticket's show --explain, audit, policy,
# report), `audit verify` passes on the copy, and a change on the copy chains on. Then the refusals: a database with slatop's tables
# and one with a table of its own are refused with one line naming them and left as they were; a
# locator with a password, one that cannot connect and one that is no PostgreSQL are one line each;
# a row the server rejects rolls the whole copy back (no table left), and the copy then succeeds.
. "$SLATOP_SOURCE_DIR/tests/pg/lib/cli_env.sh"
NOW=2026-11-20T10:00:00Z
LATER=2026-11-27T16:30:00Z
for d in mig_demo mig_hostile mig_foreign mig_rollback; do # a server kept between runs starts clean too
    q postgres "DROP DATABASE IF EXISTS $d" > /dev/null 2>&1
done

# views DB OUT: everything the commands show of DB, as JSON, at a fixed time.
views() {
    {
        "$BIN" --db "$1" --now "$LATER" list --json --all
        "$BIN" --db "$1" audit --json
        "$BIN" --db "$1" audit head
        "$BIN" --db "$1" policy show --json
        "$BIN" --db "$1" --now "$LATER" report --month 2026-11 --json
        for id in $("$BIN" --db "$1" list --json --all | grep -o '"id":[0-9]*' | cut -d: -f2); do
            "$BIN" --db "$1" --now "$LATER" show "$id" --json --explain
            "$BIN" --db "$1" audit "$id" --json
        done
    } > "$2" 2>&1 || fail "reading $1: $(tail -3 "$2")"
}

# migrated SQLITE URI: the copy equals the original in every view, verifies, and chains on.
migrated() {
    "$BIN" --db "$1" migrate --to "$2" > "$tmp/out" 2> "$tmp/err" || fail "migrate $1: $(cat "$tmp/err")"
    [ -s "$tmp/err" ] && fail "migrate $1: stderr on a short copy: $(cat "$tmp/err")"
    head=$("$BIN" --db "$1" audit head)
    grep -qF "audit head $(echo "$head" | tr ':' ' ')" "$tmp/out" || fail "migrate's line lacks the head $head: $(cat "$tmp/out")"
    [ "$("$BIN" --db "$2" audit head)" = "$head" ] || fail "$2: audit head differs from $head"
    views "$1" "$tmp/sqlite.json"
    views "$2" "$tmp/pg.json"
    cmp -s "$tmp/sqlite.json" "$tmp/pg.json" ||
        fail "$2 differs from $1: $(diff "$tmp/sqlite.json" "$tmp/pg.json" | head -c 2000)"
    "$BIN" --db "$2" audit verify > "$tmp/verify" 2> "$tmp/err" || fail "$2: audit verify: $(cat "$tmp/err")"
    # The copy is a working database: a change appends to the copied chain (seq, counts go on).
    id=$("$BIN" --db "$2" list --json | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
    "$BIN" --db "$2" --now "$LATER" assign "$id" --to "after the move" > /dev/null 2> "$tmp/err" ||
        fail "$2: a change after the move: $(cat "$tmp/err")"
    "$BIN" --db "$2" audit verify > /dev/null 2> "$tmp/err" || fail "$2: audit verify after a change: $(cat "$tmp/err")"
    seq=$("$BIN" --db "$2" audit head | cut -d: -f1)
    [ "$seq" -eq $(( $(echo "$head" | cut -d: -f1) + 1 )) ] || fail "$2: head $seq after one change on $head"
    echo "ok: $1 -> $2: $(wc -c < "$tmp/pg.json") bytes of JSON equal, $(cat "$tmp/verify")"
}

# --- the demo ---------------------------------------------------------------------------------
"$BIN" --now "$NOW" --db "$tmp/demo.db" --demo > /dev/null 2> "$tmp/err" || fail "--demo: $(cat "$tmp/err")"
migrated "$tmp/demo.db" "postgresql:///mig_demo"
[ "$(q mig_demo "SELECT count(*) FROM messages")" -gt 0 ] || fail "the demo's messages were not copied"

# --- hostile text -----------------------------------------------------------------------------
H="$tmp/hostile.db"
"$BIN" --db "$H" --now "$NOW" init --policy "$SRC/share/policies/chatti.json" > /dev/null 2> "$tmp/err" ||
    fail "init: $(cat "$tmp/err")"
esc=$(printf '\033[31mred\033[0m \033]0;title\007 bell\007 del\177 cr\r tab\t nl\n end')
copy=$(printf '\\N \\. \\\\ back\\slash \\t \\n "double" '"'"'single'"'"' ;DROP TABLE tickets;--')
binary=$(printf 'bytes \303\050 \377\376 \300\200 half-\342\202 emoji \360\237\230\200 nbsp\302\240')
awk 'BEGIN { for (i = 0; i < 800; i++) printf "line %d: \\\\ \t \"quoted\" %s\n", i, "caf\303\251 ascii text to make it long" }' > "$tmp/long"
head -c 65000 "$tmp/long" > "$tmp/longer"; cat "$tmp/long" >> "$tmp/longer"; head -c 65536 "$tmp/longer" > "$tmp/longest"
"$BIN" --db "$H" --now "$NOW" add --title "$esc" --customer "$copy" --channel "$binary" --level HIGH \
    --ref "$copy" --body-file "$tmp/long" > /dev/null 2> "$tmp/err" || fail "add: $(cat "$tmp/err")"
"$BIN" --db "$H" --now "$NOW" add --title "$copy" --customer "$binary" --level LOW --body "$esc" > /dev/null 2> "$tmp/err" ||
    fail "add: $(cat "$tmp/err")"
"$BIN" --db "$H" --now "$NOW" add --title "$binary$binary" --customer "$esc" --level URGENT > /dev/null 2> "$tmp/err" ||
    fail "add: $(cat "$tmp/err")"
"$BIN" --db "$H" --now "$NOW" raise 2 --reason "$esc$copy" > /dev/null 2> "$tmp/err" || fail "raise: $(cat "$tmp/err")"
"$BIN" --db "$H" --now "$NOW" assign 1 --to "$binary" > /dev/null 2> "$tmp/err" || fail "assign: $(cat "$tmp/err")"
"$BIN" --db "$H" --now "$NOW" message 1 --from "$copy" --body "$binary$copy" > /dev/null 2> "$tmp/err" ||
    fail "message: $(cat "$tmp/err")"
"$BIN" --db "$H" --now "$NOW" reply 1 --body-file "$tmp/longest" > /dev/null 2> "$tmp/err" || fail "reply: $(cat "$tmp/err")"
"$BIN" --db "$H" --now "$NOW" note 2 --body "$copy$esc" > /dev/null 2> "$tmp/err" || fail "note: $(cat "$tmp/err")"
"$BIN" --db "$H" --now "$NOW" set-status 3 pending --reason "$binary" > /dev/null 2> "$tmp/err" ||
    fail "set-status: $(cat "$tmp/err")"
"$BIN" --db "$H" --now "$NOW" resolve 2 > /dev/null 2> "$tmp/err" || fail "resolve: $(cat "$tmp/err")"
migrated "$H" "postgresql:///mig_hostile"
# Byte for byte, not only as the commands show it: the longest stored text is the same bytes.
sq=$(sqlite3 "$H" "SELECT hex(body) FROM messages ORDER BY length(body) DESC LIMIT 1")
pq=$(q mig_hostile "SELECT upper(encode(convert_to(body, 'SQL_ASCII'), 'hex')) FROM messages ORDER BY length(body) DESC LIMIT 1")
[ ${#sq} -eq 131072 ] && [ "$sq" = "$pq" ] || fail "the longest message's bytes differ (${#sq} and ${#pq} hex digits)"
sq=$(sqlite3 "$H" "SELECT hex(title) FROM tickets WHERE id = 1")
pq=$(q mig_hostile "SELECT upper(encode(convert_to(title, 'SQL_ASCII'), 'hex')) FROM tickets WHERE id = 1")
[ "$sq" = "$pq" ] || fail "ticket 1's title bytes differ: $sq / $pq"

# --- refusals: not empty, bad locators ----------------------------------------------------------
before=$("$BIN" --db postgresql:///mig_demo audit head)
expect_fail 1 'postgresql:///mig_demo: not empty: it has slatop' "$BIN" --db "$H" migrate --to postgresql:///mig_demo
[ "$("$BIN" --db postgresql:///mig_demo audit head)" = "$before" ] || fail "a refused migrate changed the target"
q postgres "CREATE DATABASE mig_foreign ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" > /dev/null
q mig_foreign "CREATE TABLE inventory(item text); INSERT INTO inventory VALUES ('kept')" > /dev/null
expect_fail 1 'postgresql:///mig_foreign: not empty: it has the table public.inventory' \
    "$BIN" --db "$H" migrate --to postgresql:///mig_foreign
[ "$(q mig_foreign "SELECT string_agg(tablename || ':' || (SELECT item FROM inventory), ',') FROM pg_tables WHERE schemaname = 'public'")" = "inventory:kept" ] ||
    fail "a refused migrate touched mig_foreign"
expect_fail 2 'postgresql://alice:***@localhost/mig_x: a password in the locator is refused' \
    "$BIN" --db "$H" migrate --to "postgresql://alice:hunter2@localhost/mig_x"
expect_fail 1 'postgresql:///mig_x?host=/nonexistent: cannot connect' \
    "$BIN" --db "$H" migrate --to "postgresql:///mig_x?host=/nonexistent"
expect_fail 2 "migrate --to $tmp/other.db: not a PostgreSQL locator" "$BIN" --db "$H" migrate --to "$tmp/other.db"
expect_fail 2 'migrate: missing --to' "$BIN" --db "$H" migrate
[ -e "$tmp/other.db" ] && fail "migrate --to a path created it"

# --- a failure rolls everything back --------------------------------------------------------------
# A row the server rejects (text in an integer column: SQLite keeps it, PostgreSQL refuses it),
# after hundreds of rows have been sent: nothing stays, not even the tables.
B="$tmp/broken.db"
cp "$H" "$B"
i=0
while [ $i -lt 300 ]; do echo "INSERT INTO meta(key, value) VALUES ('filler$i', 'x');"; i=$((i + 1)); done > "$tmp/fill.sql"
echo "UPDATE tickets SET created = 'not a time' WHERE id = 3;" >> "$tmp/fill.sql"
sqlite3 "$B" < "$tmp/fill.sql" || fail "could not break the copy"
expect_fail 1 'postgresql:///mig_rollback: copying tickets failed' "$BIN" --db "$B" migrate --to postgresql:///mig_rollback
[ "$(q mig_rollback "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ] ||
    fail "a failed migrate left tables behind: $(q mig_rollback "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")"
"$BIN" --db "$H" migrate --to postgresql:///mig_rollback > /dev/null 2> "$tmp/err" ||
    fail "migrate after a rolled-back one: $(cat "$tmp/err")"
"$BIN" --db postgresql:///mig_rollback audit verify > /dev/null 2> "$tmp/err" || fail "verify: $(cat "$tmp/err")"
echo "ok: a non-empty target refused and untouched, bad locators one line each, a failed copy rolled back"
