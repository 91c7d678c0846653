#!/bin/sh
# After its first frame the console asks whether anything changed since the read that frame shows
# (app.c's recheck, after the frame so that the first screen waits for no round trip), then waits:
# it must not spin until the next second. In a real pty (tests/bench/ptyrun), three starts, each's
# CPU time over its first 1.5 s: a console that waits uses about 0.01 s of it (a few times that
# under ASan); one that spins until the next second burns the rest of that second, 0 to 1 s by the
# phase of the clock, so three runs all under the limit by luck is a 1-in-300 chance.
PTY_NAME=start-idle
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/pty_lib.sh"
LIMIT_S=0.15

DB=$T/idle.db
"$BIN" --db "$DB" init --policy "$SRC/share/policies/chatti.json" >/dev/null || fail "init"
"$BIN" --db "$DB" add --title "Idle probe" --level HIGH --customer "Probe-Customer" >/dev/null || fail "add"
runs=""
for _ in 1 2 3; do
    l=$("$PTYRUN" --size 120x40 --warmup-ms 0 --duration-ms 1500 -- "$BIN" --db "$DB")
    cpu=$(kv cpu_s "$l")
    [ -n "$cpu" ] || fail "no CPU time measured: $l"
    runs="$runs $cpu"
    awk -v c="$cpu" -v l="$LIMIT_S" 'BEGIN { exit !(c <= l) }' ||
        fail "the console used $cpu s of CPU in its first 1.5 s (runs:$runs s; limit $LIMIT_S s)"
done
pty_asan_check
echo "ok: the console waits after its first frame (CPU in the first 1.5 s:$runs s)"
