#!/bin/sh
# A resize storm, down below 40x10 and back, never crashes the console; it says the terminal is
# too small and recovers to the full list.
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/console_lib.sh"

"$BIN" --db "$DB" init --policy "$SLATOP_SOURCE_DIR/share/policies/haptik.json" >/dev/null || fail "init"
add_tickets 30 S2 "Resize ticket"
start_console rs TERM=xterm-256color LC_ALL=C.UTF-8 -- --db "$DB"
wait_for rs "COUNTDOWN" 10
tmx send-keys -t e2e:rs j j j
i=0
for size in 100x30 60x20 80x24 79x24 80x23 200x60 20x5 1x1 120x40 81x25 40x40 150x24 80x24 132x43 10x10 120x40; do
    w=${size%x*}
    h=${size#*x}
    tmx resize-window -t e2e:rs -x "$w" -y "$h" || fail "resize to $size"
    sleep 0.05
    i=$((i + 1))
done
j=0
while [ $j -lt 40 ]; do # fast, without pauses
    tmx resize-window -t e2e:rs -x $((60 + (j * 7) % 80)) -y $((15 + (j * 5) % 30))
    j=$((j + 1))
done
tmx resize-window -t e2e:rs -x 30 -y 8
wait_for rs "terminal too small" 5
tmx resize-window -t e2e:rs -x 120 -y 40
wait_for rs "COUNTDOWN" 5
wait_for rs "Resize ticket" 5
screen rs | tail -n 1 | grep -q "UTC" || fail "status line missing after the storm"
[ -s "$T/rs.exit" ] && fail "console died during the resize storm: status $(cat "$T/rs.exit")"
quit_and_check rs
echo "ok: resize storm"
