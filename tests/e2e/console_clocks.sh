#!/bin/sh
# The list's next clock and the detail view (SPEC §8 "Console"), in a real pty: the countdown
# column names the next clock's metric (FR, NR, RES), a pending ticket shows its paused
# resolution clock and why, the list is in §8's order, resolved tickets show only when the f
# filter asks; the detail view shows every clock, the conversation (each kind in words, multi-line
# bodies kept) and the history. Message bodies carry escape sequences, C1, bidi and invalid UTF-8:
# every byte the console wrote (tmux pipe-pane) is searched for them.
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/console_lib.sh"

"$BIN" --db "$DB" init --policy "$SLATOP_SOURCE_DIR/share/policies/chatti.json" >/dev/null || fail "init"
E=$(printf '\033')
s() { "$BIN" --db "$DB" "$@" >/dev/null || fail "$*"; }
add() { "$BIN" --db "$DB" add --level "$1" --title "$2" --customer "$3" ${4:+--body "$4"} || fail "add: $2"; }
# NR: answered, then the customer wrote back (next reply armed, URGENT: 30 min; resolution 240 min)
A=$(add URGENT "Alpha conversation" Acme "$(printf 'first line BODYA\033]0;PWNED-BODY\007 x\nsecond line of the body')")
s reply "$A" --body "$(printf 'We are on it.\nREPLYMARK\033[2J cleared?')"
s note "$A" --body "$(printf 'internal NOTEMARK\302\2336n c1 \342\200\256bidi bad\377\376end')"
s message "$A" --body "$(printf 'still broken CUSTMARK\033[31mred')"
# RES paused: answered, then pending (chatti pauses resolution on pending)
B=$(add HIGH "Bravo pending" Bigco)
s reply "$B" --body "done?"
s set-status "$B" pending --reason "waiting for logs"
# FR running
C=$(add LOW "Charlie fresh" Cust)
# resolved: hidden until f asks
D=$(add NORMAL "Delta resolved" Dco)
s resolve "$D"

# The command line's order is the console's: A (NR, due first), C (FR), B (all paused), no D.
order=$("$BIN" --db "$DB" list --json | tr ',' '\n' | sed -n 's/^{"id":\([0-9]*\).*/\1/p; s/^\[{"id":\([0-9]*\).*/\1/p' | tr '\n' ' ')
[ "$order" = "$A $C $B " ] || fail "list --json order: '$order', want '$A $C $B '"

w=clk
raw="$T/$w.raw"
: >"$raw"
start_console "$w" TERM=xterm-256color LC_ALL=C.UTF-8 -- --db "$DB"
tmx pipe-pane -o -t "e2e:$w" "cat >>'$raw'"
wait_for "$w" "COUNTDOWN" 10
wait_for "$w" "Alpha conversation" 5
scr=$(screen "$w")
echo "$scr" | grep -q "URGENT *$A NR " || fail "the NR clock is not in the list: $scr"
echo "$scr" | grep -q "HIGH *$B RES .*pending" || fail "the pending ticket's paused RES clock: $scr"
echo "$scr" | grep -q "LOW *$C FR " || fail "the FR clock: $scr"
echo "$scr" | grep -q "Delta resolved" && fail "a resolved ticket is listed: $scr"
rows=$(echo "$scr" | grep -n -e "Alpha conv" -e "Charlie fresh" -e "Bravo pending" | cut -d: -f2 | cut -c1-40 | awk '{print $2}' | tr '\n' ' ')
[ "$rows" = "$A $C $B " ] || fail "console order '$rows', want '$A $C $B '"

# f all: the resolved ticket too; f (empty) back to the open ones
tmx send-keys -t "e2e:$w" f
sleep 0.2
tmx send-keys -t "e2e:$w" -l all
tmx send-keys -t "e2e:$w" Enter
wait_for "$w" "Delta resolved" 5
wait_for "$w" "all statuses" 5
tmx send-keys -t "e2e:$w" f
sleep 0.2
tmx send-keys -t "e2e:$w" Enter
sleep 0.5
screen "$w" | grep -q "Delta resolved" && fail "f with nothing did not hide the resolved ticket again"

# the detail of A: every clock, the conversation, the history; scrolled with j and G
tmx send-keys -t "e2e:$w" g
sleep 0.2
tmx send-keys -t "e2e:$w" Enter
wait_for "$w" "Clocks: 3" 5
wait_for "$w" "first_response" 5
wait_for "$w" "next_response" 5
wait_for "$w" "resolution" 5
scr=$(screen "$w")
echo "$scr" | grep -q "first_response .*met" || fail "the first response is not met: $scr"
echo "$scr" | grep -q "Status     open" || fail "status: $scr"
tmx send-keys -t "e2e:$w" PageDown
wait_for "$w" "Conversation: 4 messages" 5
wait_for "$w" "-- customer from Acme" 5
wait_for "$w" "-- reply from" 5
wait_for "$w" "-- note (internal) from" 5
wait_for "$w" "second line of the body" 5
tmx send-keys -t "e2e:$w" G
wait_for "$w" "History:" 5
tmx send-keys -t "e2e:$w" q
wait_for "$w" "COUNTDOWN" 5
quit_and_check "$w"
sleep 0.2

for pat in "${E}]0;PWNED" "REPLYMARK${E}[2J" "$(printf 'NOTEMARK\302\233')" "$(printf '\342\200\256')" \
    "$(printf '\377')" "CUSTMARK${E}[31m"; do
    if LC_ALL=C grep -a -F -q -- "$pat" "$raw"; then
        fail "raw hostile bytes from a body reached the terminal: $(printf '%s' "$pat" | od -c | head -n 2)"
    fi
done
for seen in BODYA PWNED-BODY REPLYMARK NOTEMARK CUSTMARK bidi; do # drawn, defused
    LC_ALL=C grep -a -F -q -- "$seen" "$raw" || fail "'$seen' was never drawn: the check would prove nothing"
done
echo "ok: next clocks in the list, resolved behind f, the detail's clocks and conversation, bodies defused"
