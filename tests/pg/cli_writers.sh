#!/bin/sh
# Four engineers changing the same tickets through the command line at once, on PostgreSQL
# (SPEC §10 "Writers on many hosts"; run under tests/pg/pg_server.sh run). Each of 4 processes
# makes SLATOP_PG_CHANGES assignments (default 25: each is a process and a connection; the
# store-level test_store_concurrency_pg makes 4 x 1,000) with --expect-version, taking the version
# from the previous answer and, on a conflict, from the refusal ("now version W"). Afterwards: every refusal was a version conflict
# (none says busy or deadlock), each ticket's version counts exactly its successful changes (no
# lost update), audit verify passes with one entry per change, and each ticket's assignee is the
# one its last audit entry names.
. "$SLATOP_SOURCE_DIR/tests/pg/lib/cli_env.sh"
N=${SLATOP_PG_CHANGES:-25}

export SLATOP_DB="postgresql:///writers_$$"
"$BIN" init --policy "$SRC/share/policies/chatti.json" > /dev/null 2> "$tmp/err" || fail "init: $(cat "$tmp/err")"
for t in 1 2; do
    "$BIN" add --title "shared $t" --level HIGH > /dev/null 2> "$tmp/err" || fail "add: $(cat "$tmp/err")"
done

writer() { # writer W: N changes, alternating over the two tickets
    w=$1 v1=1 v2=1 i=0 ok=0
    while [ $i -lt "$N" ]; do
        t=$((1 + (i + w) % 2))
        eval "v=\$v$t"
        if out=$("$BIN" assign $t --to "w${w}_$i" --expect-version "$v" 2> "$tmp/e$w"); then
            eval "v$t=$((v + 1))"
            i=$((i + 1))
            ok=$((ok + 1))
        elif grep -q 'changed since version' "$tmp/e$w"; then
            now=$(sed -n 's/.*(now version \([0-9]*\)).*/\1/p' "$tmp/e$w")
            [ -n "$now" ] || { cat "$tmp/e$w" >> "$tmp/errors"; return 1; }
            eval "v$t=$now"
            echo conflict >> "$tmp/conflicts$w"
        else
            cat "$tmp/e$w" >> "$tmp/errors"
            return 1
        fi
    done
    echo "$ok" > "$tmp/ok$w"
}
for w in 1 2 3 4; do writer $w & done
wait
[ -s "$tmp/errors" ] && fail "errors other than version conflicts: $(head -5 "$tmp/errors")"
grep -qiE 'busy|deadlock' "$tmp"/e* 2>/dev/null && fail "a busy or deadlock error was shown"
total=$(cat "$tmp"/ok* | awk '{ s += $1 } END { print s }')
[ "$total" -eq $((4 * N)) ] || fail "$total changes made, want $((4 * N))"
conflicts=$(cat "$tmp"/conflicts* 2>/dev/null | wc -l)

"$BIN" list --json --all > "$tmp/list" 2> "$tmp/err" || fail "list: $(cat "$tmp/err")"
versions=$(grep -o '"version":[0-9]*' "$tmp/list" | awk -F: '{ s += $2 - 1 } END { print s }')
[ "$versions" -eq $((4 * N)) ] || fail "lost updates: versions count $versions changes of $((4 * N))"
"$BIN" audit verify > "$tmp/verify" 2> "$tmp/err" || fail "audit verify: $(cat "$tmp/err")"
"$BIN" audit --json > "$tmp/audit" 2> "$tmp/err" || fail "audit: $(cat "$tmp/err")"
assigned=$(grep -o '"kind":"assigned"' "$tmp/audit" | wc -l)
[ "$assigned" -eq $((4 * N)) ] || fail "$assigned assignment entries, want $((4 * N))"
for t in 1 2; do
    "$BIN" show $t --json > "$tmp/show" 2> "$tmp/err" || fail "show: $(cat "$tmp/err")"
    now=$(grep -o '"assignee":"[^"]*"' "$tmp/show" | head -1 | cut -d'"' -f4)
    "$BIN" audit $t --json > "$tmp/a$t" 2> "$tmp/err" || fail "audit $t: $(cat "$tmp/err")"
    grep -q "\"w[0-9]_[0-9]*\"" "$tmp/a$t" || fail "ticket $t: no assignee in its audit entries"
    last=$(grep -o '"w[0-9]_[0-9]*"' "$tmp/a$t" | tail -1 | tr -d '"')
    [ "$now" = "$last" ] || fail "ticket $t: assignee $now, its last audit entry names $last"
done
echo "ok: 4 writers x $N changes through the command line: $conflicts version conflicts retried, no lost update, $(cat "$tmp/verify")"
