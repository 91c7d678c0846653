#!/bin/sh
# The PostgreSQL locator's errors through the command line (SPEC §10), on a server started by
# pg_server.sh (ctest runs this under `pg_server.sh run`): a password in the locator is refused
# from --db, SLATOP_DB and the configuration alike and never printed; a missing database, a refused
# connection, tables already there, a newer schema and a database that would not keep bytes as
# given are each one line naming the locator, exit 1 (a password: exit 2, a usage error).
. "$SLATOP_SOURCE_DIR/tests/pg/lib/cli_env.sh"
POLICY="$SRC/share/policies/chatti.json"

L="postgresql:///loc_main"
for d in loc_main loc_utf8; do # a server kept between runs starts clean too
    "$psql_bin" -q -d postgres -c "DROP DATABASE IF EXISTS $d" > /dev/null 2>&1
done
"$BIN" --db "$L" init --policy "$POLICY" > /dev/null 2> "$tmp/err" || fail "init: $(cat "$tmp/err")"

# Passwords: refused wherever the locator comes from (a usage error: exit 2), shown as ***.
expect_fail 2 'postgresql://alice:***@localhost/loc_main: a password in the locator is refused' \
    "$BIN" --db "postgresql://alice:hunter2@localhost/loc_main" list
expect_fail 2 'password=***' "$BIN" --db "postgresql:///loc_main?password=hunter2" list
SLATOP_DB="postgres://bob:hunter2@db.example/slatop" expect_fail 2 'postgres://bob:***@db.example/slatop' "$BIN" list
printf '{"db": "postgresql://carol:hunter2@db.example/slatop"}\n' > "$tmp/config.json"
expect_fail 2 'carol:***@' "$BIN" --config "$tmp/config.json" list
# --read-only refuses a change before opening anything: its message hides the password too.
expect_fail 1 'refusing to change the database postgresql://alice:***@' \
    "$BIN" --read-only --db "postgresql://alice:hunter2@localhost/loc_main" raise 1 --reason r
expect_fail 1 'refusing to create the database postgresql://alice:***@' \
    "$BIN" --read-only --db "postgresql://alice:hunter2@localhost/loc_main" init --policy "$POLICY"

# Each failure names the locator.
expect_fail 1 'postgresql:///loc_none' "$BIN" --db "postgresql:///loc_none" list
expect_fail 1 'cannot connect' "$BIN" --db "postgresql://127.0.0.1:1/loc_main?connect_timeout=3" list
expect_fail 1 'already exists' "$BIN" --db "$L" init --policy "$POLICY"
"$psql_bin" -q -d loc_main -c "UPDATE slatop_schema SET version = 9" > /dev/null 2> "$tmp/err" ||
    fail "psql: $(cat "$tmp/err")"
expect_fail 1 'schema version 9 is newer than this slatop supports' "$BIN" --db "$L" list
"$psql_bin" -q -d postgres -c "CREATE DATABASE loc_utf8 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" \
    > /dev/null 2> "$tmp/err" || fail "psql: $(cat "$tmp/err")"
expect_fail 1 "ENCODING 'SQL_ASCII'" "$BIN" --db "postgresql:///loc_utf8" init --policy "$POLICY"
"$psql_bin" -Atq -d loc_utf8 -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" > "$tmp/n" 2>&1
[ "$(cat "$tmp/n")" = 0 ] || fail "a refused init left tables: $(cat "$tmp/n")"
echo "ok: PostgreSQL locator errors"
