#!/bin/sh
# The triage box scrolls (issue 12, defect 13): at 80x24 its 4 headings and 13 criteria do not fit
# in the box, so moving down reaches every criterion, the box says how many lines are above and
# below on its borders, and the last criterion can be ticked and applied. At 120x40 all fit and no
# mark shows. (Below 80x24 the console says the terminal is too small, so that is the smallest.)
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/console_lib.sh"

"$BIN" --db "$DB" init --policy "$SLATOP_SOURCE_DIR/share/policies/chatti.json" > /dev/null || fail "init"
ID=$("$BIN" --db "$DB" add --title "triage target" --level NORMAL --customer K) || fail "add"
CRITERIA='All or many countries for this customer
In production
Prevents critical customer functionality
No viable workaround
Reduces functionality for customer
In production, no serious impact in functionality
Production issue, viable workaround exists
Production is not impacted
Work can be scheduled
Not impacting development or production'

start_console tr TERM=xterm-256color LC_ALL=C.UTF-8 -- --db "$DB"
tmx resize-window -t e2e:tr -x 80 -y 24 || fail "resize to 80x24"
wait_for tr "triage target" 10
tmx send-keys -t e2e:tr t
wait_for tr "Triage #$ID" 10
screen tr > "$T/first.txt"
grep -q '↓ [0-9]* more' "$T/first.txt" || fail "80x24: no 'more below' mark: $(cat "$T/first.txt")"
grep -q '↑ [0-9]* more' "$T/first.txt" && fail "80x24: 'more above' at the top: $(cat "$T/first.txt")"
grep -q 'URGENT Critical services unavailable' "$T/first.txt" || fail "80x24: first heading not shown"

# criteria: the criteria on a screen, without the box's right border (ACS 'x', '|' or '│').
criteria() { sed -n 's/^.*\[[ x]\] \(.*\)$/\1/p' | sed 's/ *[x|│] *$//'; }

# Down through all 13 criteria, collecting every one shown; the last screen is at the bottom.
: > "$T/seen.txt"
i=0
while [ $i -lt 13 ]; do
    screen tr > "$T/now.txt"
    criteria < "$T/now.txt" >> "$T/seen.txt"
    # The defect: the box scrolled while lines were left below it. With 15 lines shown, the
    # cursor on the 11th criterion (line 14 of 17) still has the first heading in view.
    if [ $i -eq 10 ]; then
        grep -q 'URGENT Critical services unavailable' "$T/now.txt" || fail "80x24: scrolled early: $(cat "$T/now.txt")"
        grep -q '↑ [0-9]* more' "$T/now.txt" && fail "80x24: 'more above' before scrolling: $(cat "$T/now.txt")"
    fi
    tmx send-keys -t e2e:tr Down
    sleep 0.15
    i=$((i + 1))
done
sleep 0.3
screen tr > "$T/last.txt"
criteria < "$T/last.txt" >> "$T/seen.txt"
echo "$CRITERIA" | while IFS= read -r c; do
    grep -qxF "$c" "$T/seen.txt" || fail "80x24: criterion '$c' never shown while moving down"
done || exit 1
grep -q '↑ [0-9]* more' "$T/last.txt" || fail "80x24: no 'more above' mark at the bottom: $(cat "$T/last.txt")"
grep -q '↓ [0-9]* more' "$T/last.txt" && fail "80x24: 'more below' at the bottom: $(cat "$T/last.txt")"
grep -q 'Not impacting development or production' "$T/last.txt" || fail "80x24: last criterion not shown"

# The last criterion ticks and applies: LOW, with it as the reason.
tmx send-keys -t e2e:tr Space
wait_for tr "Proposed level: LOW" 10
tmx send-keys -t e2e:tr Enter
wait_for tr "triage: Not impacting" 10
tmx send-keys -t e2e:tr Enter y
i=0
until "$BIN" --db "$DB" show "$ID" --json | tr -d ' \n' | grep -q '"level":"LOW"'; do
    i=$((i + 1))
    [ $i -lt 50 ] || fail "the triage did not lower ticket $ID to LOW"
    sleep 0.2
done

# At 120x40 everything fits: no marks.
tmx resize-window -t e2e:tr -x 120 -y 40 || fail "resize to 120x40"
sleep 0.3
tmx send-keys -t e2e:tr t
wait_for tr "Triage #$ID" 10
screen tr > "$T/big.txt"
grep -q 'more ' "$T/big.txt" && fail "120x40: a scroll mark with everything shown: $(cat "$T/big.txt")"
grep -q 'Not impacting development or production' "$T/big.txt" || fail "120x40: last criterion not shown"
tmx send-keys -t e2e:tr Escape
sleep 0.3
quit_and_check tr
echo ok
