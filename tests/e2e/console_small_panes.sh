#!/bin/sh
# SPEC §11's small panes in a real pty: a running console resized 80x24 -> 40x10 -> 30x8 -> 80x24.
# At 40x10 the list keeps level, id, countdown, state symbol and title (assignee, customer and the
# state word dropped), the countdowns keep ticking and nothing wraps; below 40x10 one line says
# "terminal too small"; back at 80x24 every column returns.
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/console_lib.sh"

"$BIN" --db "$DB" init --policy "$SLATOP_SOURCE_DIR/share/policies/chatti.json" >/dev/null || fail "init"
add_tickets 12 URGENT "Pane ticket"
"$BIN" --db "$DB" assign 1 --to priya >/dev/null || fail "assign"
start_console sp TERM=xterm-256color LC_ALL=C.UTF-8 -- --db "$DB"
size() { tmx resize-window -t e2e:sp -x "$1" -y "$2" || fail "resize to $1x$2"; }
# rows_start_with FIRST LAST TEXT: rows FIRST..LAST of the screen each begin with TEXT (a row
# written past the pane's edge would wrap onto the next one and shift it).
rows_start_with() {
    screen sp | sed -n "$1,$2p" > "$T/sp.rows"
    [ "$(grep -c "^$3" "$T/sp.rows")" = $(($2 - $1 + 1)) ] || fail "rows $1-$2 do not all begin with $3: $(screen sp)"
}

size 80 24
wait_for sp "ASSIGNEE" 10
wait_for sp "priya" 5
screen sp | grep -q "CUSTOMER" || fail "80x24: no CUSTOMER column"
screen sp | grep -q "● ok" || fail "80x24: no state word"

size 40 10
wait_for sp "TITLE" 5
s=$(screen sp)
printf '%s\n' "$s" | grep -q "ASSIGNEE\|CUSTOMER\|priya\|Customer " && fail "40x10: a dropped column still shows: $s"
printf '%s\n' "$s" | grep -q "● Pane ticket" || fail "40x10: no state symbol before the title: $s"
printf '%s\n' "$s" | grep -q "● ok" && fail "40x10: the state word still shows: $s"
[ "$(printf '%s\n' "$s" | sed -n 2p | cut -c1-5)" = "LEVEL" ] || fail "40x10: the column header is not on row 2: $s"
printf '%s\n' "$s" | tail -n 1 | grep -q "UTC" || fail "40x10: the status line lost its clock: $s"
rows_start_with 3 9 URGENT
# the countdowns still tick at 40x10: the first row's seconds change within 3 s
first=$(screen sp | sed -n 3p)
i=0
while [ $i -lt 30 ] && [ "$(screen sp | sed -n 3p)" = "$first" ]; do sleep 0.1; i=$((i + 1)); done
[ "$(screen sp | sed -n 3p)" != "$first" ] || fail "40x10: the countdown did not tick: $first"
# a key still works in the small pane: the help opens and closes
tmx send-keys -t e2e:sp '?'
wait_for sp "slatop keys" 5
tmx send-keys -t e2e:sp q
wait_for sp "TITLE" 5

size 30 8
wait_for sp "terminal too small" 5
[ "$(screen sp | grep -c .)" = 1 ] || fail "30x8: more than the one line: $(screen sp)"

size 80 24
wait_for sp "ASSIGNEE" 5
wait_for sp "priya" 5
s=$(screen sp)
printf '%s\n' "$s" | grep -q "terminal too small" && fail "80x24: the notice stayed: $s"
printf '%s\n' "$s" | grep -q "CUSTOMER" || fail "80x24: no CUSTOMER column after growing: $s"
printf '%s\n' "$s" | grep -q "● ok" || fail "80x24: no state word after growing: $s"
[ -s "$T/sp.exit" ] && fail "console died: status $(cat "$T/sp.exit")"
quit_and_check sp
echo "ok: small panes 80x24 -> 40x10 -> 30x8 -> 80x24"
