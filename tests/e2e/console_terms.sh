#!/bin/sh
# The console under every supported terminal type and in a non-UTF-8 locale and without colour:
# it draws the list (ASCII symbols when the locale is not UTF-8), and q exits 0, leaving the
# alternate screen, with nothing on stderr.
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/console_lib.sh"

"$BIN" --db "$DB" init --policy "$SLATOP_SOURCE_DIR/share/policies/chatti.json" >/dev/null || fail "init"
"$BIN" --db "$DB" add --title "$(printf 'Caf\303\251 terminal check')" --level URGENT \
    --customer "$(printf 'Zo\303\253')" >/dev/null || fail "add"
"$BIN" --db "$DB" add --title "Second ticket" --level LOW >/dev/null || fail "add"

n=0
for term in xterm-256color screen-256color tmux-256color linux vt100; do
    n=$((n + 1))
    start_console "t$n" TERM=$term LC_ALL=C.UTF-8 -- --db "$DB"
    wait_for "t$n" "COUNTDOWN" 10
    wait_for "t$n" "terminal check" 5
    screen "t$n" | grep -q "ok" || fail "TERM=$term: no state shown"
    # Down arrow moves the reverse-video selection to the second row (the keypad works).
    tmx send-keys -t "e2e:t$n" Down
    sleep 0.3
    tmx capture-pane -e -p -t "e2e:t$n" | sed -n 4p | grep -q "$(printf '')\[7m" ||
        fail "TERM=$term: Down did not select the second row: $(tmx capture-pane -e -p -t "e2e:t$n" | sed -n 3,4p | cat -v)"
    # Esc (a lone ESC byte, told apart from a key sequence) closes the help.
    tmx send-keys -t "e2e:t$n" '?'
    wait_for "t$n" "this help" 5
    tmx send-keys -t "e2e:t$n" Escape
    wait_for "t$n" "COUNTDOWN" 5
    quit_and_check "t$n"
done

# A non-UTF-8 locale: ASCII placeholders and symbols only (the title's é becomes '?').
start_console cloc TERM=xterm-256color LANG=C LC_ALL=C -- --db "$DB"
wait_for cloc "COUNTDOWN" 10
wait_for cloc "Caf? terminal check" 5
# (how many are ok depends on the hour: the LOW ticket's business clock pauses outside 9 to 5)
screen cloc | tail -n 1 | grep -q "X 0 breached ! 0 warn = [01] paused o [12] ok" || fail "LC_ALL=C: ASCII state symbol missing: $(screen cloc | tail -n 1)"
screen cloc | LC_ALL=C grep -q "$(printf '[\200-\377]')" && fail "LC_ALL=C: non-ASCII on screen"
quit_and_check cloc

# --now: the console's clock ticks forward from the given instant.
start_console now TERM=xterm-256color LC_ALL=C.UTF-8 -- --db "$DB" --now 2030-01-02T03:04:05Z
wait_for now "2030-01-02 03:04 UTC" 10
quit_and_check now

# No colour: NO_COLOR and --no-color.
start_console nocol TERM=xterm-256color LC_ALL=C.UTF-8 NO_COLOR=1 -- --db "$DB"
wait_for nocol "COUNTDOWN" 10
quit_and_check nocol
start_console nocol2 TERM=xterm-256color LC_ALL=C.UTF-8 -- --no-color --db "$DB"
wait_for nocol2 "COUNTDOWN" 10
quit_and_check nocol2

# --read-only: badge shown, a raise refused, nothing written.
before=$("$BIN" --db "$DB" audit head)
start_console ro TERM=xterm-256color LC_ALL=C.UTF-8 -- --read-only --db "$DB"
wait_for ro "urgency  RO" 10
tmx send-keys -t e2e:ro +
wait_for ro "read-only" 5
quit_and_check ro
[ "$("$BIN" --db "$DB" audit head)" = "$before" ] || fail "read-only console wrote to the audit log"
echo "ok: TERM variants, C locale, NO_COLOR, --no-color, --read-only"
