#!/bin/sh
# A database of the schema-1 release migrates forward on open for every command, reading ones
# included (SPEC §8), keeping its tickets and a verifying audit chain; a file this user cannot
# write is left as it is with one line naming it.
set -u
BIN=${SLATOP_BINARY:?}
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d /tmp/slatop-schema1-XXXXXX)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
FIXTURE=$SLATOP_SOURCE_DIR/tests/fixtures/schema1.db
command -v sqlite3 >/dev/null || fail "sqlite3 is needed to read the schema version"
version() { sqlite3 "$1" "PRAGMA user_version"; }
[ "$(version "$FIXTURE")" = 1 ] || fail "the fixture is not schema 1"
# The schema this build writes: that of a database it creates.
"$BIN" --db "$T/new.db" --now 2026-11-20T10:00:00Z init --policy "$SLATOP_SOURCE_DIR/share/policies/haptik.json" >/dev/null ||
    fail "init"
LATEST=$(version "$T/new.db")
[ "$LATEST" -gt 1 ] || fail "init wrote schema $LATEST"

n=0
for cmd in "list" "list --all --json" "show 1" "show 1 --json" "show 2 --explain" "audit" "audit 1 --json" \
    "audit verify" "audit export --format csv" "audit export --format json"; do
    n=$((n + 1))
    cp "$FIXTURE" "$T/$n.db"
    # shellcheck disable=SC2086
    "$BIN" --db "$T/$n.db" --now 2026-11-20T10:00:00Z $cmd >"$T/out" 2>"$T/err" ||
        { cat "$T/err" >&2; fail "'$cmd' on a schema-1 database"; }
    [ ! -s "$T/err" ] || { cat "$T/err" >&2; fail "'$cmd' wrote to stderr"; }
    [ -s "$T/out" ] || fail "'$cmd' printed nothing"
    [ "$(version "$T/$n.db")" = "$LATEST" ] || fail "'$cmd' left the file at schema $(version "$T/$n.db")"
done
# What the migration kept: every ticket, and the chain.
"$BIN" --db "$T/1.db" list --all --json | grep -o "\"ref\":" | wc -l | grep -qx 4 || fail "tickets lost"
"$BIN" --db "$T/1.db" audit verify >/dev/null || fail "audit verify after a read migrated"
# --read-only refuses changes, not the migration.
cp "$FIXTURE" "$T/ro-flag.db"
"$BIN" --db "$T/ro-flag.db" --read-only list >/dev/null || fail "--read-only list"
[ "$(version "$T/ro-flag.db")" = "$LATEST" ] || fail "--read-only did not migrate"

# A file this user cannot write: one line, naming the file, and the file untouched.
mkdir "$T/ro"
cp "$FIXTURE" "$T/ro/old.db"
chmod 444 "$T/ro/old.db"
chmod 555 "$T/ro"
chmod 755 "$T"
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/unprivileged.sh"
before=$(md5sum "$T/ro/old.db")
for cmd in "list" "show 1" "audit verify"; do
    # shellcheck disable=SC2086
    if $AS "$BIN" --db "$T/ro/old.db" $cmd >"$T/out" 2>"$T/err"; then fail "'$cmd' on an unwritable schema-1 file succeeded"; fi
    [ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err" >&2; fail "'$cmd': not one line"; }
    grep -q "$T/ro/old.db: database schema version 1 needs migrating to $LATEST, and this user cannot write the file" "$T/err" ||
        { cat "$T/err" >&2; fail "'$cmd': wrong error"; }
    [ ! -s "$T/out" ] || fail "'$cmd' printed on stdout"
done
# A writing command says the file is read-only for this user, as for any database.
if $AS "$BIN" --db "$T/ro/old.db" add --title x >/dev/null 2>"$T/err"; then fail "add on an unwritable file succeeded"; fi
[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "$T/ro/old.db: .*read-only for this user" "$T/err" ||
    { cat "$T/err" >&2; fail "add: wrong error"; }
[ "$before" = "$(md5sum "$T/ro/old.db")" ] || fail "the unwritable file changed"
echo ok
