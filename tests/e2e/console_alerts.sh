#!/bin/sh
# Alerts (SPEC §8) in a real terminal: a ticket whose first response falls due seconds after the
# console starts crosses into warn, then into breached; so does another's next response, armed by a
# customer message after its first response (alerts watch each row's next clock). Every byte the console writes is recorded
# (tmux pipe-pane): the bell (BEL) goes out exactly once per crossing, never for a ticket already
# breached at start, and not at all with "bell": false; alerts.command (a script writing its argv
# and environment to a file) runs once per crossing with the alert in its environment, the hostile
# title cleaned; a command that does not exist is reported on the status line while the clocks
# keep ticking. The three consoles run side by side, each on its own --now.
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/console_lib.sh"

cat >"$T/policy.json" <<'JSON'
{"name": "Alerts test", "warn_fraction": 0.1,
 "levels": [{"id": "FAST", "response_minutes": 1, "clock": "24x7"},
            {"id": "SLOW", "response_minutes": 600, "clock": "24x7"},
            {"id": "CHAT", "targets": {"first_response": {"minutes": 600, "clock": "24x7"},
                                       "next_response": {"minutes": 1, "clock": "24x7"}}}]}
JSON
"$BIN" --db "$DB" init --policy "$T/policy.json" >/dev/null || fail "init"
# Ticket 1: created 10:00:00, warn from 10:00:54 (6 s left of 60), breached from 10:01:00.
"$BIN" --db "$DB" --now 2030-01-01T10:00:00Z add --level FAST --customer c \
    --title "$(printf 'T1 \033]0;PWNED\007 \342\200\256rev\342\200\254 c1\302\233 bad\377 end')" >/dev/null || fail "add 1"
# Ticket 2: breached a day before the consoles start: it must never alert.
"$BIN" --db "$DB" --now 2029-12-31T10:00:00Z add --level FAST --title "old" --customer c >/dev/null || fail "add 2"
# Ticket 3: far from due: never alerts either.
"$BIN" --db "$DB" --now 2030-01-01T10:00:00Z add --level SLOW --title "calm" --customer c >/dev/null || fail "add 3"
# Ticket 4: answered at 09:51; the customer writes again at 10:00:10, arming a next response due
# 10:01:10 (warn from 10:01:04), after ticket 1's two crossings.
"$BIN" --db "$DB" --now 2030-01-01T09:50:00Z add --level CHAT --title "chat" --customer c >/dev/null || fail "add 4"
"$BIN" --db "$DB" --now 2030-01-01T09:51:00Z reply 4 --body "on it" >/dev/null || fail "reply 4"
"$BIN" --db "$DB" --now 2030-01-01T10:00:10Z message 4 --body "still broken" >/dev/null || fail "message 4"

cat >"$T/alert.sh" <<'SH'
#!/bin/sh
{
    printf 'argv:'
    for a in "$@"; do printf ' [%s]' "$a"; done
    printf '\n'
    env | grep -E '^SLATOP_(TICKET_ID|LEVEL|METRIC|STATE|TITLE)=' | sort
    [ -t 0 ] || { read -r x && echo "stdin had: $x"; } || echo "stdin: empty"
    echo ---
} >>"$ALERT_OUT"
SH
chmod +x "$T/alert.sh"
mkdir -p "$T/cmd" "$T/quiet" "$T/missing"
printf '{"alerts": {"command": ["%s", "one arg", "$(touch %s/pwned)"]}}\n' "$T/alert.sh" "$T" >"$T/cmd/config.json"
printf '{"alerts": {"bell": false}}\n' >"$T/quiet/config.json"
# countdown_seconds: ticket 1's countdown, hours overdue, would otherwise change once a minute and
# could not show within seconds that the clocks go on.
printf '{"alerts": {"command": ["slatop-no-such-alert-command"]}, "countdown_seconds": "always"}\n' \
    >"$T/missing/config.json"

START=2030-01-01T10:00:47Z # warn about 7 s after the start, breached 6 s later
for w in cmd quiet missing; do
    : >"$T/$w.raw"
    start_console "$w" TERM=xterm-256color LC_ALL=C.UTF-8 "ALERT_OUT=$T/alerts.out" -- \
        --config "$T/$w/config.json" --db "$DB" --now "$START"
    tmx pipe-pane -o -t "e2e:$w" "cat >>'$T/$w.raw'"
done
for w in cmd quiet missing; do wait_for "$w" "COUNTDOWN" 10; done

# bells WINDOW: BEL bytes written, less those ending an OSC sequence (curses sends OSC 104, the
# palette reset, terminated by BEL).
E=$(printf '\033') BEL=$(printf '\007')
bells() {
    LC_ALL=C tr '\n' ' ' <"$T/$1.raw" | LC_ALL=C sed "s/${E}][^${BEL}${E}]*${BEL}//g" | LC_ALL=C tr -cd "$BEL" |
        wc -c | tr -d ' '
}
# wait_breached WINDOW [LEVEL ID]: until that row (ticket 1's by default) shows breached (both of
# its crossings are behind it).
wait_breached() {
    i=0
    while [ $i -lt 300 ]; do
        screen "$1" | grep -E -q "^${2:-FAST} +${3:-1} .*breached" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    PANE="e2e:$1"
    fail "$1: ticket ${3:-1} never showed breached"
}

# The warn crossing first: one bell, one command run, before the breach.
i=0
while [ "$(bells cmd)" -lt 1 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(bells cmd)" = 1 ] || fail "cmd: expected 1 bell at the warn crossing, got $(bells cmd)"
screen cmd | grep -E -q '^FAST +1 .*warn' || fail "cmd: the bell rang but ticket 1 is not warn: $(screen cmd | sed -n 3,5p)"
for w in cmd quiet missing; do wait_breached "$w"; done
# Ticket 4's next response: NR on its row, then its two crossings.
screen cmd | grep -E -q '^CHAT +4 .*NR' || fail "cmd: ticket 4's row does not show its next response: $(screen cmd | grep -E '^CHAT')"
for w in cmd quiet missing; do wait_breached "$w" CHAT 4; done
# Re-sorts, a reload and another engineer's change (which reloads the list) ring nothing again.
for k in s s s s R; do tmx send-keys -t e2e:cmd "$k"; sleep 0.2; done
"$BIN" --db "$DB" assign 1 --to someone >/dev/null || fail "assign"
wait_for cmd "someone" 5
sleep 2 # more ticks: nothing may ring again

[ "$(bells cmd)" = 4 ] || fail "cmd: expected 4 bells (warn, breached for tickets 1 and 4), got $(bells cmd)"
[ "$(bells missing)" = 4 ] || fail "missing: expected 4 bells, got $(bells missing)"
[ "$(bells quiet)" = 0 ] || fail "quiet: \"bell\": false, yet $(bells quiet) bells"

# alerts.command: four times, tickets 1 and 4 only, its argv literal, the alert in its environment.
out=$(cat "$T/alerts.out")
[ "$(grep -c '^---$' "$T/alerts.out")" = 4 ] || fail "the command ran $(grep -c '^---$' "$T/alerts.out") times, not 4: $out"
record() { # STATE [LEVEL METRIC ID TITLE]: what the script writes for one run
    printf '%s\n' "argv: [one arg] [\$(touch $T/pwned)]" "SLATOP_LEVEL=${2:-FAST}" \
        "SLATOP_METRIC=${3:-first_response}" "SLATOP_STATE=$1" "SLATOP_TICKET_ID=${4:-1}" \
        "SLATOP_TITLE=${5:-T1 ]0;PWNED rev c1 bad end}" "stdin: empty" ---
}
expect=$(record warn; record breached; record warn CHAT next_response 4 chat; record breached CHAT next_response 4 chat)
[ "$out" = "$expect" ] || fail "the command's record differs:
$out
--- expected:
$expect"
[ -e "$T/pwned" ] && fail "an argument of alerts.command went through a shell"
LC_ALL=C grep -q "$(printf '[\001-\010\016-\037\177]')" "$T/alerts.out" && fail "a control byte reached the command"
LC_ALL=C grep -q "$(printf '\302\233\|\342\200\256\|\377')" "$T/alerts.out" && fail "C1, bidi or invalid UTF-8 reached the command"

# A command that cannot start: said on the status line, and the clocks go on.
wait_for missing "alerts.command: slatop-no-such-alert-command: No such file or directory" 5
a=$(screen missing | grep -E '^FAST +1 ')
sleep 2.2
b=$(screen missing | grep -E '^FAST +1 ')
[ "$a" != "$b" ] || fail "missing: ticket 1's countdown stopped after the failure: $a"

for w in cmd quiet missing; do quit_and_check "$w"; done
echo "ok: bells cmd=$(bells cmd) quiet=$(bells quiet) missing=$(bells missing); command ran four times"
