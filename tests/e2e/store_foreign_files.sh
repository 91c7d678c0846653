#!/bin/sh
# Files that are not slatop's are refused before anything writes to them (issue 12, defect 2): no
# byte, size or mtime changes and no -wal/-shm appear, for a write command as for a read. A read
# works where only reading is possible (defect 8), and a symlink loop is named as one.
set -u
BIN=${SLATOP_BINARY:?}
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d /tmp/slatop-foreign-XXXXXX)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
POLICY=$SLATOP_SOURCE_DIR/share/policies/haptik.json
command -v sqlite3 >/dev/null || fail "sqlite3 is needed to make a foreign SQLite file"

: >"$T/empty.db"
sqlite3 "$T/foreign.db" "create table x(a); insert into x values (1);" || fail "sqlite3"
printf 'hello, not a database\n' >"$T/text.db"
# A foreign SQLite file already in WAL mode, and one with another program's application_id.
sqlite3 "$T/walmode.db" "pragma journal_mode=wal; create table x(a);" >/dev/null || fail "sqlite3 wal"
rm -f "$T/walmode.db-wal" "$T/walmode.db-shm"
sqlite3 "$T/otherapp.db" "pragma application_id=1234; create table x(a);" || fail "sqlite3 appid"
state() { (cd "$T" && ls -la --time-style=full-iso "$1"* && md5sum "$1") 2>&1; }
for f in empty.db foreign.db text.db walmode.db otherapp.db; do
    for cmd in "add --title x" "list" "raise 1 --reason r" "policy apply $POLICY --reason r"; do
        before=$(state "$f")
        # shellcheck disable=SC2086
        if "$BIN" --db "$T/$f" $cmd >/dev/null 2>"$T/err"; then fail "$f: '$cmd' succeeded"; fi
        grep -q "$f: not a slatop database" "$T/err" || { cat "$T/err" >&2; fail "$f: '$cmd': wrong error"; }
        [ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err" >&2; fail "$f: not one line"; }
        after=$(state "$f")
        [ "$before" = "$after" ] || { printf '%s\n---\n%s\n' "$before" "$after" >&2; fail "$f: '$cmd' changed the file"; }
        [ ! -e "$T/$f-wal" ] && [ ! -e "$T/$f-shm" ] || fail "$f: '$cmd' left -wal/-shm"
    done
done

# A real database still opens, reads and writes.
"$BIN" --db "$T/ok.db" --now 2026-11-20T10:00:00Z init --policy "$POLICY" >/dev/null || fail init
"$BIN" --db "$T/ok.db" --now 2026-11-20T10:00:00Z add --title first >/dev/null || fail add
"$BIN" --db "$T/ok.db" --now 2026-11-20T10:00:00Z list | grep -q first || fail "list after add"

# Reading in a directory this user cannot write (no -wal/-shm there yet: a copied database).
mkdir "$T/ro"
"$BIN" --db "$T/ro/db" --now 2026-11-20T10:00:00Z init --policy "$POLICY" >/dev/null || fail "init ro"
"$BIN" --db "$T/ro/db" --now 2026-11-20T10:00:00Z add --title readable >/dev/null || fail "add ro"
rm -f "$T/ro/db-wal" "$T/ro/db-shm"
chmod 555 "$T/ro"
chmod 444 "$T/ro/db"
chmod 755 "$T"
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/unprivileged.sh"
$AS sh -c ": >'$T/ro/probe'" 2>/dev/null && fail "this user can write the read-only directory: test cannot run"
$AS "$BIN" --db "$T/ro/db" --now 2026-11-20T10:00:00Z list >"$T/out" 2>"$T/err" ||
    { cat "$T/err" >&2; fail "list in a read-only directory"; }
grep -q readable "$T/out" || fail "list in a read-only directory shows nothing"
$AS "$BIN" --db "$T/ro/db" --now 2026-11-20T10:00:00Z show 1 >/dev/null 2>"$T/err" ||
    { cat "$T/err" >&2; fail "show in a read-only directory"; }
if $AS "$BIN" --db "$T/ro/db" --now 2026-11-20T10:00:00Z add --title no >/dev/null 2>"$T/err"; then
    fail "add in a read-only directory succeeded"
fi
grep -q "ro/db" "$T/err" || { cat "$T/err" >&2; fail "add error names no file"; }
[ ! -e "$T/ro/db-wal" ] || fail "read-only directory got a -wal"

# A symlink loop is a symlink loop, not "no such file", wherever a path is taken.
ln -s loop1 "$T/loop2"
ln -s loop2 "$T/loop1"
"$BIN" --db "$T/loop1" list >/dev/null 2>"$T/err" && fail "--db loop succeeded"
grep -q "loop1: symlink loop" "$T/err" || { cat "$T/err" >&2; fail "--db loop"; }
"$BIN" --db "$T/loop1" init --policy "$POLICY" >/dev/null 2>"$T/err" && fail "init on a loop succeeded"
grep -q "loop1: symlink loop" "$T/err" || { cat "$T/err" >&2; fail "init on a loop"; }
"$BIN" --config "$T/loop1" --db "$T/ok.db" list >/dev/null 2>"$T/err" && fail "--config loop succeeded"
grep -q "loop1: symlink loop" "$T/err" || { cat "$T/err" >&2; fail "--config loop"; }
SLATOP_CONFIG="$T/loop1" "$BIN" --db "$T/ok.db" list >/dev/null 2>"$T/err" && fail "SLATOP_CONFIG loop succeeded"
grep -q "loop1: symlink loop" "$T/err" || { cat "$T/err" >&2; fail "SLATOP_CONFIG loop"; }
echo ok
