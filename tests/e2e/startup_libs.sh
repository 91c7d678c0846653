#!/bin/sh
# Start-up cost: libcurl and libcrypto are loaded on first use (fetcher.c, audit.c), never linked,
# because mapping them and their ~30 dependencies cost ~3.5 ms of every start (issue 5,
# first_paint_1m). Checks that nothing links them back in, and that the lazily loaded code still
# works: audit hashes (libcrypto) through init/add/raise/audit verify, and a file:// uptime fetch
# (libcurl).
set -u
BIN=${SLATOP_BINARY:?SLATOP_BINARY not set}
SRC=${SLATOP_SOURCE_DIR:?SLATOP_SOURCE_DIR not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config"
export TZ=UTC LC_ALL=C.UTF-8
unset SLATOP_DB SLATOP_CONFIG NO_COLOR

fail() { echo "FAIL: $*"; exit 1; }

# Every library the loader maps at exec, dependencies included.
command -v ldd > /dev/null 2>&1 || { echo "FAIL: no ldd (libc-bin)" >&2; exit 1; }
ldd "$BIN" > "$tmp/ldd.txt" 2>&1 || fail "ldd failed: $(cat "$tmp/ldd.txt")"
grep -q 'libsqlite3' "$tmp/ldd.txt" || fail "ldd output has no libsqlite3 (not the slatop binary?): $(cat "$tmp/ldd.txt")"
for lib in libcurl libcrypto libssl libgnutls libldap libgssapi; do
    grep -q "$lib" "$tmp/ldd.txt" && fail "$lib is mapped at every start: $(grep "$lib" "$tmp/ldd.txt")"
done

# libcrypto, loaded at the first hash: the chain written and then verified.
DB="$tmp/t.db"
"$BIN" --db "$DB" init --policy "$SRC/share/policies/chatti.json" > /dev/null 2> "$tmp/err" ||
    fail "init: $(cat "$tmp/err")"
id=$("$BIN" --db "$DB" add --title "Lazy crypto" --level HIGH --customer Acme 2> "$tmp/err") ||
    fail "add: $(cat "$tmp/err")"
"$BIN" --db "$DB" raise "$id" --reason "lazy libcrypto" > /dev/null 2> "$tmp/err" || fail "raise: $(cat "$tmp/err")"
"$BIN" --db "$DB" audit verify > "$tmp/verify" 2> "$tmp/err" || fail "audit verify: $(cat "$tmp/err")"
"$BIN" --db "$DB" audit head > "$tmp/head" 2> "$tmp/err" || fail "audit head: $(cat "$tmp/err")"
grep -Eq '[0-9a-f]{64}' "$tmp/head" || fail "audit head shows no SHA-256: $(cat "$tmp/head")"
# libcurl, loaded by the first fetcher: a file:// source with no month file fails with curl's own
# message (not "libcurl.so.4 not found").
printf '{"monitoring": {"prometheus": {"url": "file://%s/prom"}}}\n' "$tmp" > "$tmp/config.json"
"$BIN" --db "$DB" --config "$tmp/config.json" uptime --month 2025-04 > /dev/null 2> "$tmp/err" &&
    fail "uptime from a missing file:// source succeeded"
grep -q "Couldn't open file" "$tmp/err" || fail "uptime did not fetch through libcurl: $(cat "$tmp/err")"
# Without a usable libcrypto (a stand-in libcrypto.so.3 that has no EVP_Digest) a hash is an error
# value, not an abort: init is refused before it creates anything, a change is refused and the
# chain is left as it was; each says so on stderr with exit status 1.
mkdir "$tmp/nocrypto"
echo 'int slatop_no_evp;' > "$tmp/nocrypto/stub.c"
${CC:-cc} -shared -fPIC -o "$tmp/nocrypto/libcrypto.so.3" "$tmp/nocrypto/stub.c" 2> "$tmp/err" ||
    fail "cannot build the stand-in libcrypto: $(cat "$tmp/err")"
LD_LIBRARY_PATH="$tmp/nocrypto" "$BIN" --db "$tmp/none.db" init --policy "$SRC/share/policies/chatti.json" \
    > /dev/null 2> "$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "init without EVP_Digest: exit $rc, want 1: $(cat "$tmp/err")"
grep -q 'libcrypto.so.3 not found (or without EVP_Digest): install libssl3' "$tmp/err" ||
    fail "init without EVP_Digest: $(cat "$tmp/err")"
[ -e "$tmp/none.db" ] && fail "init without EVP_Digest left a database behind"
LD_LIBRARY_PATH="$tmp/nocrypto" "$BIN" --db "$DB" add --title "No hash" --level HIGH --customer Acme \
    > /dev/null 2> "$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "add without EVP_Digest: exit $rc, want 1: $(cat "$tmp/err")"
grep -q 'install libssl3' "$tmp/err" || fail "add without EVP_Digest: $(cat "$tmp/err")"
"$BIN" --db "$DB" list --json 2> "$tmp/err" | grep -q 'No hash' && fail "add without EVP_Digest wrote the ticket"
"$BIN" --db "$DB" audit verify > /dev/null 2> "$tmp/err" || fail "audit verify after the refused add: $(cat "$tmp/err")"
echo "ok: startup_libs"
