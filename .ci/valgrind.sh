#!/usr/bin/env bash
# CI: the command line end to end (init, add, import, list, show --explain, raise/lower/set-level,
# respond/assign/resolve/reopen, audit verify/head/export, due, policy, uptime from file://
# sources, error paths, --demo without a terminal) and a short console run in a pty (script(1),
# --keys, --max-frames) under valgrind memcheck. Fails on any invalid read or write, use of
# uninitialised memory or definitely-lost block (exit 99 from valgrind). No timing assertions.
# Uses the plain build in $SLATOP_VALGRIND_BUILD (default: build, which .ci/run has built).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${SLATOP_VALGRIND_BUILD:-build}
start=$(date +%s)
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S . -B "$build" -DSLATOP_TESTS=OFF >/dev/null || exit 1
fi
cmake --build "$build" -j 2 --target slatop >/dev/null || exit 1
bin=$root/$build/slatop
case "$build" in /*) bin=$build/slatop ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/slatop-valgrind-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
export TZ=UTC LC_ALL=C.UTF-8 HOME=$work XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state \
    XDG_CONFIG_HOME=$work/config TERM=xterm-256color
unset SLATOP_DB SLATOP_CONFIG SLATOP_PROM_PASSWORD SLATOP_PROM_TOKEN NO_COLOR
VG="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --track-fds=no --num-callers=30"
n=0
fail=0

# vg EXPECTED_EXIT ARGS...: one command under memcheck. Arguments are echoed through cat -v:
# some are hostile on purpose.
vg() {
    local want=$1
    shift
    n=$((n + 1))
    local what
    what=$(printf '%s ' "$@" | cat -v)
    $VG --log-file="$work/vg-$n.log" "$bin" "$@" >"$work/out-$n" 2>"$work/err-$n" </dev/null
    local rc=$?
    if [ $rc -eq 99 ]; then
        echo "FAIL (memcheck) slatop $what"
        sed 's/^/    /' "$work/vg-$n.log" | head -n 80
        fail=1
    elif [ "$rc" != "$want" ] && [ "$want" != any ]; then
        echo "FAIL (exit $rc, expected $want) slatop $what"
        head -n 5 "$work/err-$n" | cat -v | sed 's/^/    /'
        fail=1
    else
        echo "ok   slatop $what"
    fi
}

db=$work/v.db
pol=$root/share/policies/haptik.json
cat >"$work/import.json" <<'JSON'
[{"title": "Bot response delayed by 20 s", "level": "S0", "customer": "Acme", "ref": "ZD-1", "created": "2026-11-20T10:00:00Z"},
 {"title": "\u001b]0;pwned\u0007 \u202eevil\u009b", "customer": "Globex", "ref": "ZD-2"},
 {"title": "usage question", "channel": "email"}]
JSON
printf '[{"title": "ok"}, {"title": 5}]' >"$work/bad-import.json"
printf '{"name": "T", "levels": [{"id": "A", "response_minutes": 60, "clock": "business"}]}' >"$work/bad-policy.json"
cat >"$work/prom.json" <<'JSON'
{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1743465660,"0.0011"],[1743465720,"NaN"],[1743465780,"+Inf"],[1743465840,"0.5"],[1743465900,"-Inf"]]}]}}
JSON
cat >"$work/sp.json" <<'JSON'
{"scheduled_maintenances":[{"id":"m1","name":"DB upgrade","status":"completed","created_at":"2025-03-01T00:00:00Z","scheduled_for":"2025-04-01T00:00:00Z","scheduled_until":"2025-04-01T01:00:00Z"}]}
JSON
cat >"$work/config.json" <<JSON
{"monitoring": {"prometheus": {"url": "file://$work/prom.json"}, "statuspage": {"url": "file://$work/sp.json"}}}
JSON

vg 0 --db "$db" init --policy "$pol"
vg 0 --db "$db" --now 2026-11-20T09:00:00Z add --title "Chats not assigned" --level S1 --customer "Acme" --ref R-1
vg 0 --db "$db" add --title $'hostile \e[2J\xc2\x9b \xe2\x80\xae \xff end' --customer $'\e]52;c;eA==\a'
vg 0 --db "$db" import "$work/import.json"
vg 1 --db "$db" import "$work/bad-import.json"
vg 0 --db "$db" list
vg 0 --db "$db" list --all --json
vg 0 --db "$db" show 1 --explain
vg 0 --db "$db" show 2 --json --explain
vg 0 --db "$db" raise 1 --reason "customer escalated"
vg 1 --db "$db" raise 1 --reason "stale" --expect-version 1
vg 0 --db "$db" lower 1 --reason "workaround found" --expect-version 2
vg 0 --db "$db" set-level 2 S0 --reason $'outage \e[6n'
vg 0 --db "$db" respond 2
vg 0 --db "$db" assign 3 --to "alice"
vg 0 --db "$db" resolve 3
vg 0 --db "$db" reopen 3 --reason "came back"
vg 0 --db "$db" audit
vg 0 --db "$db" audit 1 --json
vg 0 --db "$db" audit verify
vg 0 --db "$db" audit head
vg 0 --db "$db" audit export --format csv
vg 0 --db "$db" audit export --format json
vg 0 --db "$db" due --level S2 --created 2026-11-20T10:00:00Z
vg 0 due --level URGENT --created 2026-11-20T10:00:00Z --policy "$root/share/policies/chatti.json" --json
vg 0 --db "$db" policy show --json
vg 1 --db "$db" policy apply "$work/bad-policy.json" --reason "bad"
vg any --db "$db" --config "$work/config.json" uptime --month 2025-04
vg any --db "$db" --config "$work/config.json" uptime --month 2025-04 --json
vg 1 --db "$db" raise 999 --reason "no such ticket"
vg 2 --db "$db" raise 1
vg 2 --db "$db" --bogus list
vg 0 --demo --db "$work/demo.db" --max-frames 3

# The console in a pseudo-terminal: moves, detail, a raise through the prompt, audit, dashboard,
# help, quit.
printf 'jj<Enter><Esc>k+valgrind check<Enter>y<idle>a<Esc>d<idle>d?<Esc>/acme<Enter><Esc>q' >"$work/keys"
n=$((n + 1))
script -qec "stty rows 24 cols 80; $VG --log-file=$work/vg-$n.log $bin --db $db --max-frames 60 --keys $work/keys; echo \$? >$work/rc-$n" /dev/null >"$work/pty-$n" 2>&1 </dev/null
rc=$(cat "$work/rc-$n" 2>/dev/null || echo missing)
if [ "$rc" = 99 ]; then
    echo "FAIL (memcheck) console in a pty"
    sed 's/^/    /' "$work/vg-$n.log" | head -n 80
    fail=1
elif [ "$rc" != 0 ]; then
    echo "FAIL (exit $rc) console in a pty"
    tail -c 600 "$work/pty-$n" | sed 's/^/    /'
    fail=1
else
    echo "ok   console in a pty ($(wc -c <"$work/pty-$n") bytes of screen output)"
fi

echo "valgrind: $n runs, $(( $(date +%s) - start )) s, $([ $fail = 0 ] && echo 'no memory errors, no definitely-lost blocks' || echo FAILED)"
exit $fail
