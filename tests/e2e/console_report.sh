#!/bin/sh
# The console's `:report YYYY-MM` (SPEC §9) on a planted March 2026: the rows and their bars
# (block characters in UTF-8, '#' under LANG=C), Enter on a row lists its missed and breached
# tickets (when each stopped, or that it is open at the month's end; a hostile title stays inert)
# with what shaped each breach (level changes and pauses: who, when, why; a hostile reason stays
# inert), Enter on a ticket opens its detail, Esc goes back. Under the rows, each metric's total
# over its levels, and the month's uptime or
# why it is missing: the reason without a monitoring source, the figures of `slatop report` on the
# demo's source.
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/console_lib.sh"

POL="$T/p.json"
printf '%s' '{"name":"T","levels":[{"id":"P1","targets":{"first_response":{"minutes":60,"clock":"24x7"},"resolution":{"minutes":240,"clock":"24x7"}}},{"id":"P2","targets":{"first_response":{"minutes":120,"clock":"24x7"},"resolution":{"minutes":180,"clock":"24x7"}}}]}' >"$POL"
run() { now=$1; shift; "$BIN" --db "$DB" --now "$now" "$@" >/dev/null || fail "$*"; }
run 2026-03-01T00:00:00Z init --policy "$POL"
# 1: met (answered after 30 min, resolved after 1 h).
run 2026-03-02T10:00:00Z add --title "Met ticket" --level P1
run 2026-03-02T10:30:00Z reply 1 --body a
run 2026-03-02T11:00:00Z resolve 1
# 2: first response missed by 30 min (hostile title); resolution met after 2 h.
run 2026-03-03T10:00:00Z add --title "$(printf 'Late \033[31mRED\033]0;PWNED\007 end')" --level P1
run 2026-03-03T11:30:00Z reply 2 --body b
run 2026-03-03T12:00:00Z resolve 2
# 3: untouched from 19:00 on the 31st: both clocks breached and open at the month's end.
run 2026-03-31T19:00:00Z add --title "Open breach" --level P1
# 4 (made last: ids follow creation): lowered to P2 at 10:30 (hostile reason), pending 10:45-13:00;
# first response at 12:30, past P2's 12:00; resolved at 16:15, an hour past P2's due (10:00 + 3 h of
# counted time, 2:15 of it paused: 15:15).
run 2026-03-20T10:00:00Z add --title "Lowered ticket" --level P1
run 2026-03-20T10:30:00Z set-level 4 P2 --reason "$(printf 'calmer \033[31mRED2 now')"
run 2026-03-20T10:45:00Z set-status 4 pending --reason "waiting on logs"
run 2026-03-20T12:30:00Z reply 4 --body c
run 2026-03-20T13:00:00Z set-status 4 open --reason "logs came"
run 2026-03-20T16:15:00Z resolve 4
# first_response P1: 1 met, 1 missed, 1 open: 33.33 %; resolution P1: 2 met, 1 open: 66.67 %;
# first_response P2 and resolution P2: 1 missed each: 0.00 %.

# open_report WINDOW: types :report 2026-03 in that console.
open_report() {
    tmx send-keys -t "e2e:$1" ":"
    sleep 0.2
    tmx send-keys -t "e2e:$1" -l "report 2026-03"
    tmx send-keys -t "e2e:$1" Enter
}

E=$(printf '\033')
for loc in C.UTF-8 C; do
    w=r$(echo "$loc" | tr -d '.-')
    raw="$T/$w.raw"
    : >"$raw"
    start_console "$w" TERM=xterm-256color LC_ALL=$loc LANG=$loc -- --db "$DB" --now 2026-04-05T12:00:00Z
    tmx pipe-pane -o -t "e2e:$w" "cat >>'$raw'"
    wait_for "$w" "Open breach" 10
    open_report "$w"
    wait_for "$w" "SLA compliance 2026-03" 5
    wait_for "$w" "first_response" 5
    s=$(screen "$w")
    echo "$s" | grep -E -q 'first_response +P1 +1:00:00 +1 +1 +1 +33\.33%' || fail "$loc: the first_response row: $s"
    echo "$s" | grep -E -q 'resolution +P1 +4:00:00 +2 +0 +1 +66\.67%' || fail "$loc: the resolution row: $s"
    # Each metric over all its levels under the rows, as the text report's "all" lines.
    echo "$s" | grep -E -q 'first_response +all +1 +2 +1 +25\.00%' || fail "$loc: first_response's total: $s"
    echo "$s" | grep -E -q 'resolution +all +2 +1 +1 +50\.00%' || fail "$loc: resolution's total: $s"
    # No monitoring source here: the uptime under the rows says why it is missing, as `report` does.
    echo "$s" | grep -F -q "uptime        not available: no monitoring source configured (config: monitoring.prometheus.url)" ||
        fail "$loc: the missing uptime's reason: $s"
    if [ "$loc" = C.UTF-8 ]; then # 20 cells: 53/8 and 107/8 filled
        echo "$s" | grep -F -q "33.33% ██████▋" || fail "UTF-8: the 33% bar: $s"
        echo "$s" | grep -F -q "66.67% █████████████▍" || fail "UTF-8: the 67% bar: $s"
    else
        echo "$s" | grep -F -q "33.33% #######............." || fail "C: the 33% bar: $s"
        echo "$s" | grep -F -q "66.67% #############......." || fail "C: the 67% bar: $s"
    fi
    tmx send-keys -t "e2e:$w" Enter # first_response P1's tickets
    wait_for "$w" "missed and breached" 5
    wait_for "$w" "Open breach" 5
    s=$(screen "$w")
    echo "$s" | grep -E -q '#2 +1 +2026-03-03 11:00[^ ]* [^ ]+ +2026-03-03 11:30[^ ]* [^ ]+ +0:30:00 +Late .*RED.*PWNED.*end' || fail "$loc: ticket 2's line: $s"
    echo "$s" | grep -E -q '#3 +1 +2026-03-31 20:00[^ ]* [^ ]+ +open at the end +4:00:00 +Open breach' || fail "$loc: ticket 3's line: $s"
    echo "$s" | grep -q "Met ticket" && fail "$loc: a met ticket in the drill-down: $s"
    tmx send-keys -t "e2e:$w" Enter # ticket 2's detail
    wait_for "$w" "#2" 5
    sleep 0.3
    screen "$w" | grep -q "missed and breached" && fail "$loc: Enter on a ticket did not open its detail: $(screen "$w")"
    tmx send-keys -t "e2e:$w" Escape
    wait_for "$w" "missed and breached" 5
    tmx send-keys -t "e2e:$w" Escape
    wait_for "$w" "Enter lists a row" 5
    # resolution P2 (the fourth row): ticket 4 with its level change and its pause under it.
    tmx send-keys -t "e2e:$w" Down Down Down Enter
    wait_for "$w" "resolution P2, missed" 5
    wait_for "$w" "Lowered ticket" 5
    s=$(screen "$w")
    echo "$s" | grep -E -q '#4 +1 +2026-03-20 15:15[^ ]* [^ ]+ +2026-03-20 16:15[^ ]* [^ ]+ +1:00:00 +Lowered ticket' || fail "$loc: ticket 4's line: $s"
    echo "$s" | grep -E -q 'level 2026-03-20 10:30.* P1 -> P2 by [^ ]+: calmer .*RED2 now' ||
        fail "$loc: ticket 4's level change: $s"
    echo "$s" | grep -E -q 'pending 2026-03-20 10:45.* to 2026-03-20 13:00.* by [^ ]+: waiting on logs' ||
        fail "$loc: ticket 4's pause: $s"
    tmx send-keys -t "e2e:$w" Enter # the cursor skips the cause lines: ticket 4's detail
    wait_for "$w" "#4" 5
    sleep 0.3
    screen "$w" | grep -q "missed and breached" && fail "$loc: Enter on ticket 4 did not open its detail"
    tmx send-keys -t "e2e:$w" Escape
    wait_for "$w" "missed and breached" 5
    tmx send-keys -t "e2e:$w" Escape
    wait_for "$w" "Enter lists a row" 5
    tmx send-keys -t "e2e:$w" q
    wait_for "$w" "COUNTDOWN" 5
    quit_and_check "$w"
    sleep 0.2
    for pat in "${E}[31mRED" "${E}]0;PWNED" "${E}[31mRED2"; do
        LC_ALL=C grep -a -F -q -- "$pat" "$raw" && fail "$loc: raw hostile bytes reached the terminal"
    done
    if [ "$loc" = C ] && LC_ALL=C grep -a -q "$(printf '[\200-\377]')" "$raw"; then
        fail "LC_ALL=C: the console wrote non-ASCII bytes"
    fi
done

# The demo's monitoring source (file:// URLs, a synthetic March with 62 minutes down and 4 without
# data): :report shows the month's uptime under the rows with the figures `slatop report` prints.
w=demo
start_console "$w" TERM=xterm-256color LC_ALL=C.UTF-8 LANG=C.UTF-8 -- --demo --db "$T/demo.db" --now 2026-04-05T12:00:00Z
wait_for "$w" "COUNTDOWN" 10
open_report "$w"
wait_for "$w" "uptime  " 10
s=$(screen "$w")
text=$("$BIN" --db "$T/demo.db" --now 2026-04-05T12:00:00Z --demo report --month 2026-03) || fail "report on the demo"
echo "$text" | grep -F -q "uptime        99.861% (target 99.990%)" || fail "the CLI's demo uptime changed: $text"
echo "$s" | grep -F -q "uptime        99.861% (target 99.990%)  [incomplete]" || fail "demo: the uptime line: $s"
echo "$s" | grep -F -q "downtime 62 min   excluded by maintenance 0 min   no data 4 min" ||
    fail "demo: the uptime's minutes: $s"
echo "$s" | grep -E -q 'first_response +URGENT +0:30:00 +1 +1 +1 +33\.33%' || fail "demo: the URGENT row: $s"
tmx send-keys -t "e2e:$w" Escape
wait_for "$w" "COUNTDOWN" 5
quit_and_check "$w"
echo "ok"
