#!/bin/sh
# --demo on a terminal opens the console (SPEC §3); on a pipe it prints the list instead.
# Runs the real binary under script(1) for a pty, with HOME/XDG pinned to a temporary directory.
set -u
BIN=${SLATOP_BINARY:?SLATOP_BINARY not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config"
export TZ=UTC LC_ALL=C.UTF-8 TERM=xterm-256color
unset SLATOP_DB SLATOP_CONFIG NO_COLOR

fail() { echo "FAIL: $*"; exit 1; }

# On a pipe: the list, and the demo database marked as ours.
"$BIN" --now 2026-11-20T10:00:00Z --demo > "$tmp/list.txt" 2> "$tmp/err.txt" || fail "--demo on a pipe exited $?: $(cat "$tmp/err.txt")"
grep -q '^LEVEL' "$tmp/list.txt" || fail "no list header: $(cat "$tmp/list.txt")"
# The list shows each ticket's next clock (SPEC §8): its metric, countdown and state.
for s in ok warn breached paused pending on_hold; do
    grep -q " $s" "$tmp/list.txt" || fail "no $s ticket in the demo list"
done
for m in FR NR RES; do
    grep -q "^[A-Z]* *[0-9]*  $m " "$tmp/list.txt" || fail "no $m clock in the demo list: $(cat "$tmp/list.txt")"
done
[ -s "$tmp/err.txt" ] && fail "stderr not empty: $(cat "$tmp/err.txt")"
[ -f "$tmp/state/slatop/demo.db" ] || fail "demo database not at \$XDG_STATE_HOME/slatop/demo.db"

# On a terminal: the console (full screen), quitting after a few frames.
command -v script > /dev/null 2>&1 || { echo "FAIL: no script(1) (util-linux/bsdutils)" >&2; exit 1; }
timeout 30 script -qec "'$BIN' --demo --max-frames 3" /dev/null > "$tmp/tty.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "--demo on a terminal exited $rc: $(head -c 400 "$tmp/tty.txt")"
grep -q "$(printf '\033\\[?1049h')" "$tmp/tty.txt" || fail "the console did not take the screen"
grep -q 'URGENT' "$tmp/tty.txt" || fail "no tickets drawn by the console"
grep -q '^LEVEL' "$tmp/tty.txt" && fail "printed the list instead of opening the console"
echo "ok"
