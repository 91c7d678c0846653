#!/bin/sh
# The console in a real terminal (tmux, 120x40): the demo starts; its countdowns and clock advance;
# a raise typed at the keyboard (+, reason, Enter, y) lands in the audit log with the OS user as
# actor; a second console on the same database shows it within 3 s; q exits 0 and leaves the
# alternate screen.
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/console_lib.sh"

start_console one TERM=xterm-256color LC_ALL=C.UTF-8 -- --demo --db "$DB"
wait_for one "COUNTDOWN" 15
wait_for one "breached" 5

# Countdowns tick: two reads 1.5 s apart differ in the third row's countdown (in its last hour, so
# it reads M:SS; the first two rows, an hour overdue, read -1h00m and change once a minute). (The
# status line's clock shows minutes: the countdowns carry the seconds.)
a=$(screen one)
sleep 1.5
b=$(screen one)
clock_a=$(printf '%s\n' "$a" | tail -n 1 | awk '{print $(NF-1)}')
case $clock_a in [0-2][0-9]:[0-5][0-9]) ;; *) fail "no HH:MM clock on the status line: '$clock_a'" ;; esac
row_a=$(printf '%s\n' "$a" | sed -n 5p | awk '{print $4}') # LEVEL ID METRIC COUNTDOWN (SPEC §8)
row_b=$(printf '%s\n' "$b" | sed -n 5p | awk '{print $4}')
case $(printf '%s\n' "$a" | sed -n 3p | awk '{print $3}') in FR|NR|RES) ;; *) fail "no clock metric in the first row" ;; esac
case $row_a in [0-5][0-9]:[0-5][0-9] | [0-9]:[0-5][0-9]) ;; *) fail "no M:SS countdown in the third row: '$row_a'" ;; esac
[ "$row_a" != "$row_b" ] || fail "countdown did not advance: '$row_a' -> '$row_b'"

# A ticket to raise, added from the command line (the first console picks it up within a second).
ID=$("$BIN" --db "$DB" add --title "e2e raise target" --level LOW --customer "E2E Co") || fail "add"
wait_for one "e2e raise target" 3

start_console two TERM=xterm-256color LC_ALL=C.UTF-8 -- --db "$DB"
wait_for two "e2e raise target" 10
screen two | grep -F "e2e raise target" | grep -q '^LOW ' || fail "second console: not LOW before the raise"

tmx send-keys -t e2e:one ":ticket $ID" Enter
sleep 0.3
tmx send-keys -t e2e:one +
wait_for one "Reason:" 5
tmx send-keys -t e2e:one -l "raised from e2e keyboard"
tmx send-keys -t e2e:one Enter
wait_for one "Apply this change?" 5
tmx send-keys -t e2e:one y
wait_for one "#$ID LOW" 5

# The second console sees it within ~3 s (it checks the database's data version every second).
wait_for two "NORMAL" 3
i=0
until screen two | grep -F "e2e raise target" | grep -q '^NORMAL '; do
    i=$((i + 1))
    [ $i -lt 30 ] || fail "second console did not show the raise within 3 s"
    sleep 0.1
done

# The audit log has it, by the OS user.
json=$("$BIN" --db "$DB" audit "$ID" --json) || fail "audit --json"
me=$(id -un)
printf '%s' "$json" | tr -d ' \n' | grep -q "\"kind\":\"reprioritized\"" || fail "no reprioritized entry: $json"
printf '%s' "$json" | tr -d '\n' | grep -q "\"actor\": *\"$me\"" || fail "actor is not $me: $json"
printf '%s' "$json" | grep -q "raised from e2e keyboard" || fail "reason missing: $json"
"$BIN" --db "$DB" audit verify >/dev/null || fail "audit chain does not verify"

# A change made against a version someone else has since changed is refused, naming them.
tmx send-keys -t e2e:one ":ticket $ID" Enter
sleep 0.3
tmx send-keys -t e2e:one -
wait_for one "Reason:" 5
tmx send-keys -t e2e:one -l "stale attempt"
tmx send-keys -t e2e:one Enter
wait_for one "Apply this change?" 5
"$BIN" --db "$DB" assign "$ID" --to "bob" >/dev/null || fail "assign from the command line"
sleep 1.2
tmx send-keys -t e2e:one y
wait_for one "changed since version" 5
"$BIN" --db "$DB" audit "$ID" --json | grep -q "stale attempt" && fail "a stale change was written"

quit_and_check one
quit_and_check two
echo "ok: console demo, ticking, raise, audit, second instance"
