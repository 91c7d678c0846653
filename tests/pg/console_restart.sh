#!/bin/sh
# The console through a database server restart (SPEC §10 "Lost connection"; run under
# tests/pg/pg_server.sh run). The real console in a real pty (tests/bench/ptyrun), the first
# ticket row (a countdown that changes every second) sampled every 100 ms throughout. Twice, once
# with pg_ctl stop -m fast and once with -m immediate (a crash): the server goes away for ~3 s,
# then comes back and another process adds a ticket. Each round:
#   1. the countdowns keep ticking: the longest time between two changes of the row <= 1.5 s;
#   2. the status line says "database unreachable since HH:MM:SS, retrying";
#   3. a raise typed during the outage is refused with that message, and nothing is recorded;
#   4. after the restart the console reconnects by itself (LISTEN, then a reload: the ticket added
#      meanwhile shows), the outage's line goes, and the same raise goes through.
PTY_NAME=console-restart
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/pty_lib.sh"
: "${SLATOP_PG_DIR:?run under tests/pg/pg_server.sh run}"
PG="$SRC/tests/pg/pg_server.sh"
MAX_GAP=1500

export SLATOP_DB=postgresql:///restart
"$BIN" init --policy "$SRC/share/policies/chatti.json" >/dev/null || fail "init"
for i in 1 2 3; do
    "$BIN" add --title "ticking $i" --level URGENT --customer "Customer $i" >/dev/null || fail "add $i"
done
ID=$("$BIN" add --title "probe" --level LOW --customer Probe-Customer) || fail "add probe"

# round MODE FROM TO: one outage made with pg_ctl -m MODE; the probe goes from FROM to TO.
round() {
    mode=$1 from=$2 to=$3
    cat >"$T/outage.sh" <<SH
sleep 1
sh '$PG' halt '$SLATOP_PG_DIR' $mode || echo "halt failed"
sleep 3
sh '$PG' resume '$SLATOP_PG_DIR' || echo "resume failed"
'$BIN' add --title 'Back online $mode' --level HIGH --customer Back >/dev/null || echo "add after the restart failed"
SH
    cat >"$T/keys" <<KEYS
wait database unreachable since
send G
send +
wait restart: database unreachable since
wait Back online $mode
gone database unreachable
send G
send +
wait Reason required
send after the $mode restart\r
wait Apply this change?
send y
wait #$ID $from → $to
KEYS
    out=$("$PTYRUN" --size 120x40 --sample-row 2 --sample-ms 100 --timeout-ms 40000 --dump \
        --wait-text "ticking 1" --then-run "sh '$T/outage.sh' >'$T/outage.log' 2>&1 &" \
        --then-wait-row "never shown,never shown" \
        --script "$T/keys" -- "$BIN" 2>"$T/screen") || true
    out=$(echo "$out" | tr '\n' ' ')
    get() { echo "$out" | sed -n "s/.*\\b$1=\\([-0-9]*\\).*/\\1/p"; }
    gap=$(get max_gap_ms) failed=$(get script_failed) changes=$(get sample_changes) steps=$(get script_steps)
    sleep 0.5 # the background outage script's last command
    echo "$mode: largest tick gap $gap ms ($changes changes), script ${out#*script_steps=}"
    [ "$failed" = 0 ] && [ "$steps" = "$(grep -c . "$T/keys")" ] ||
        { cat "$T/screen" >&2; fail "$mode: script step $failed never happened: $out"; }
    [ -s "$T/outage.log" ] && fail "$mode: the outage script: $(cat "$T/outage.log")"
    # max_gap_step: how many script lines were done when the longest gap ended (which step held it)
    [ "$gap" -ge 0 ] && [ "$gap" -le $MAX_GAP ] ||
        fail "$mode: the countdowns stood still for $gap ms (max $MAX_GAP), until script line $(get max_gap_step) of: $(tr '\n' '|' < "$T/keys")"
    [ "$changes" -ge 5 ] || fail "$mode: only $changes changes of the ticking row"
    "$BIN" show "$ID" | grep -q "$to" || fail "$mode: ticket $ID is not $to in the database"
}
round fast LOW NORMAL
round immediate NORMAL HIGH
# The raises refused during the outages left nothing behind: two level changes in the log, and
# the chain verifies.
raises=$("$BIN" audit "$ID" --json | grep -o '"kind":"[a-z_]*"' | grep -c -v created)
[ "$raises" -eq 2 ] || fail "ticket $ID: $raises entries besides its creation, want the 2 raises"
"$BIN" audit verify >/dev/null || fail "audit verify"
pty_asan_check
echo "ok: the console ticked through a fast and an immediate server restart, refused changes during them, reconnected"
