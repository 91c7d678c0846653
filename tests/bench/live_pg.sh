#!/bin/sh
# live_propagation_pg (run by tests/bench/run.sh BUILD WORK): on a throwaway PostgreSQL server
# (tests/pg/pg_server.sh), a raise written by another process (another host's engineer) until
# the console's screen shows it: ptyrun's then_ms, from the raise's return to the row on screen,
# the worst of 3, as live_propagation measures it on SQLite. The floor, measured in the same run
# on the same server: a NOTIFY committed on one connection until another connection waiting on
# its socket has it (floor_notify, median of 50). Prints worst_ms=W floor_ms=F rounds=...
# Exit 2 when it cannot run (no server installed: sh share/setup.sh --test).
set -eu
build=$1 work=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
slatop=$build/slatop tools=$build/bench
[ -x "$tools/floor_notify" ] || { echo "live_pg.sh: $tools/floor_notify is missing" >&2; exit 2; }
# its own directory under /tmp: as root the server runs as the postgres user, which cannot enter
# run.sh's private work directory
dir=$(mktemp -d /tmp/slatop-live-pg.XXXXXX)
chmod 755 "$dir"
set +e
env=$(sh "$root/tests/pg/pg_server.sh" start "$dir")
st=$?
set -e
[ $st = 0 ] || { echo "live_pg.sh: no PostgreSQL server (status $st): sh share/setup.sh --test" >&2; exit 2; }
trap 'sh "$root/tests/pg/pg_server.sh" stop "$dir"; rm -rf "$dir"' EXIT
eval "$env"
db=postgresql:///live_bench
"$slatop" --db "$db" init --policy "$root/share/policies/chatti.json" >/dev/null
id=$("$slatop" --db "$db" add --title "Propagation probe" --level HIGH --customer "Probe-Customer")
rounds=
worst=0
for _ in 1 2 3; do
    "$slatop" --db "$db" set-level "$id" HIGH --reason "reset" >/dev/null 2>&1 || true
    l=$("$tools/ptyrun" --size 120x40 --timeout-ms 20000 --wait-text "Probe-Customer" \
        --then-run "'$slatop' --db '$db' raise $id --reason 'bench: live propagation' >/dev/null" \
        --then-wait-row "Probe-Customer,URGENT" -- "$slatop" --db "$db")
    t=$(printf '%s\n' "$l" | tr ' ' '\n' | sed -n 's/^then_ms=//p')
    [ -n "$t" ] && [ "$t" != -1 ] || { echo "live_pg.sh: the raise never showed on the console: $l" >&2; exit 2; }
    rounds="$rounds${rounds:+,}$t"
    [ "$t" -gt "$worst" ] && worst=$t
done
f=$("$tools/floor_notify" "dbname=live_bench" 50)
echo "worst_ms=$worst floor_ms=$(printf '%s\n' "$f" | tr ' ' '\n' | sed -n 's/^ms=//p') rounds=$rounds"
