#!/bin/sh
# The real console in a real pty (tests/bench/ptyrun: forkpty + libvterm), dashboard panel open
# (d), monitoring pointed at a misbehaving server (tests/tools/uptime/faultd), one console per
# fault, all side by side: connection refused, 503, a 502 HTML page, a 30-second stall, garbage,
# a 50 MB body with and without a length, a slow drip, wrong JSON types, NaN everywhere. For each:
#   1. the countdowns keep ticking: the first ticket row (its countdown changes every second) is
#      sampled every 100 ms for the whole run; the longest time between two changes must stay
#      <= 1.5 s;
#   2. the panel names the fault ("Fetch failed: ... <what went wrong>");
#   3. the fault lasts HOLD ms, then the server is switched to a good answer (faultd's /ctl/NAME
#      control file; for the refused port a server is started on it), and the panel shows data
#      with no error within poll_s + timeout_s (+ a margin).
# Figures (largest gap, recovery time) are printed per fault. Timing margins are generous (the
# ASan build passes too); not meant for valgrind.
set -u
BIN=${SLATOP_BINARY:?}
BUILD=${SLATOP_BUILD_DIR:?}
FAULTD=$BUILD/tests/tools/uptime/faultd
PTYRUN=$BUILD/bench/ptyrun
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$FAULTD" ] || fail "$FAULTD not built"
[ -x "$PTYRUN" ] || fail "$PTYRUN not built (libvterm missing? sh share/setup.sh --test)"
command -v pgrep >/dev/null 2>&1 || fail "pgrep (procps) is needed"

T=$(mktemp -d /tmp/slatop-console-faults-XXXXXX)
cleanup() {
    for f in "$T"/*.pid; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$T/home" "$T/data" "$T/config" "$T/state" "$T/ctl"
export HOME="$T/home" XDG_DATA_HOME="$T/data" XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state"
export TZ=UTC LC_ALL=C.UTF-8 TERM=xterm-256color
unset SLATOP_DB SLATOP_CONFIG NO_COLOR SLATOP_PROM_TOKEN
# Under the ASan build, reports go to files that are checked at the end (the pty is not kept).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/asan"
START=$(date +%s)

DB="$T/db"
"$BIN" --db "$DB" init --policy "$SLATOP_SOURCE_DIR/share/policies/chatti.json" >/dev/null || fail init
for i in 1 2 3; do
    "$BIN" --db "$DB" add --title "ticking $i" --level URGENT --customer "Customer $i" >/dev/null || fail "add $i"
done

# wait_port FILE: the port a faultd wrote.
wait_port() {
    i=0
    while [ ! -s "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    cat "$1" 2>/dev/null || fail "faultd did not start ($1)"
}
"$FAULTD" "$T/port" "$T/ctl" &
echo $! >"$T/faultd.pid"
PORT=$(wait_port "$T/port")
# A dead port that can be brought back: a faultd's own port, once it is gone.
"$FAULTD" "$T/dead.port" "$T/ctl" &
DPID=$!
DEAD=$(wait_port "$T/dead.port")
kill $DPID
wait $DPID 2>/dev/null
curl -s -m 2 "http://127.0.0.1:$DEAD/ok" >/dev/null 2>&1 && fail "port $DEAD still answers"

TIMEOUT=3
POLL=2
HOLD=7000                                     # ms the fault lasts once the panel names it
RECOVER_MAX=$(( (POLL + TIMEOUT) * 1000 + 1500 )) # poll_s + timeout_s, plus a margin
MAX_GAP=1500

# start NAME URL WANT-TEXT SWITCH-CMD: one console in its own pty, in the background.
start() {
    name=$1 url=$2 want=$3 switch=$4
    cat >"$T/$name.json" <<JSON
{"monitoring":{"prometheus":{"url":"$url","timeout_s":$TIMEOUT,"poll_s":$POLL}}}
JSON
    "$PTYRUN" --size 160x40 --send d --sample-row 2 --sample-ms 100 --wait-text "$want" --hold-ms $HOLD \
        --then-run "$switch" --then-wait-row "Data fetched,ago" --timeout-ms 60000 --dump \
        -- "$BIN" --db "$DB" --config "$T/$name.json" >"$T/$name.out" 2>"$T/$name.screen" &
    echo $! >"$T/$name.pid"
}
# fault NAME FAULT-PATH WANT-TEXT: a fault served by faultd until its control file says /ok.
fault() {
    echo "$2" >"$T/ctl/$1"
    start "$1" "http://127.0.0.1:$PORT/ctl/$1" "Fetch failed: http://127.0.0.1:$PORT/ctl/$1/api/v1/query_range: $3" \
        "echo /ok >'$T/ctl/$1'"
}

start refused "http://127.0.0.1:$DEAD/ok" "Fetch failed: http://127.0.0.1:$DEAD/ok/api/v1/query_range: Failed to connect" \
    "'$FAULTD' '$T/revived.port' '$T/ctl' $DEAD >/dev/null 2>&1 & echo \$! >'$T/revived.pid'"
fault 503 /503 "HTTP 503 timeout: query timed out"
fault 502 /502 "HTTP 502: not JSON (text/html)"
fault stall /stall "timed out after $TIMEOUT s"
fault garbage /garbage "answer is not valid JSON"
fault huge /huge "response larger than 16 MiB"
fault hugestream /huge-stream "response larger than 16 MiB"
fault drip /drip "timed out after $TIMEOUT s"
fault types /types "data.result[0].values[0]: expected [time"
# NaN everywhere is not an error (SPEC §2: NaN minutes are not downtime): the panel shows data,
# the service up, no downtime (nothing to recover from: the switch is a no-op).
echo /nan >"$T/ctl/nan"
start nan "http://127.0.0.1:$PORT/ctl/nan" "Data fetched" true
# The instrument itself: a console that is stopped (SIGSTOP, 2 s) must show a gap above the limit,
# so a sampler that cannot see stalls would fail here. The console is ptyrun's child (the sh
# running the command is its sibling).
echo /ok >"$T/ctl/selfcheck"
start selfcheck "http://127.0.0.1:$PORT/ctl/selfcheck" "Data fetched" \
    "c=\$(pgrep -P \$PPID -x slatop) && kill -STOP \$c && sleep 2 && kill -CONT \$c"

for name in refused 503 502 stall garbage huge hugestream drip types nan selfcheck; do
    wait "$(cat "$T/$name.pid")"
    rm -f "$T/$name.pid"
done

failed=0
bad() { echo "FAIL: $*" >&2; failed=1; }
for name in refused 503 502 stall garbage huge hugestream drip types nan; do
    out=$(tr '\n' ' ' <"$T/$name.out")
    get() { echo "$out" | sed -n "s/.*[ ^]$1=\([-0-9]*\).*/\1/p; s/^$1=\([-0-9]*\).*/\1/p" | head -n 1; }
    wait_ms=$(get wait_ms) then_ms=$(get then_ms) gap=$(get max_gap_ms) changes=$(get sample_changes)
    tout=$(get timed_out) st=$(get exit_status)
    cpu=$(echo "$out" | sed -n 's/.* cpu_s=\([0-9.]*\).*/\1/p')
    echo "$name: panel text after ${wait_ms} ms, largest tick gap ${gap} ms (${changes} changes)," \
        "recovered ${then_ms} ms after the switch, console CPU ${cpu} s"
    if [ "$tout" != 0 ] || [ "$wait_ms" = -1 ] || [ "$then_ms" = -1 ]; then
        bad "$name: fault never named or never recovered ($out)"
        sed 's/^/    /' "$T/$name.screen" >&2
        continue
    fi
    [ "$gap" -ge 0 ] && [ "$gap" -le $MAX_GAP ] || bad "$name: the countdowns stood still for $gap ms (max $MAX_GAP)"
    # HOLD ms of fault at one change a second, at least.
    [ "$changes" -ge $((HOLD / 1000)) ] || bad "$name: only $changes changes of the status row"
    [ "$then_ms" -le $RECOVER_MAX ] || bad "$name: recovery took $then_ms ms (max $RECOVER_MAX)"
    [ "$st" = 1 ] || bad "$name: exit status $st after SIGTERM (want 1: stopped by signal)"
    grep -q "Fetch failed" "$T/$name.screen" && { bad "$name: error still shown after recovery"; cat "$T/$name.screen" >&2; }
    grep -q "Uptime 20" "$T/$name.screen" || bad "$name: no dashboard panel on the screen"
done
grep -q "State: up" "$T/nan.screen" && grep -q "Downtime 0 min  excluded 0 min  no data [0-9] min" "$T/nan.screen" ||
    { bad "nan: NaN minutes shown as downtime or as no data"; cat "$T/nan.screen" >&2; }
gap=$(sed -n 's/.*max_gap_ms=\([-0-9]*\).*/\1/p' "$T/selfcheck.out")
echo "selfcheck: a console stopped for 2 s shows a gap of ${gap:-?} ms"
[ "${gap:-0}" -gt $MAX_GAP ] || bad "selfcheck: the sampler missed a 2 s stop (gap ${gap:-none})"
for f in "$T"/asan*; do
    [ -e "$f" ] && { bad "sanitizer report: $f"; cat "$f" >&2; }
done
[ $failed = 0 ] || exit 1
echo "ok: 10 fault cases ticking, named and recovered in $(( $(date +%s) - START )) s"
