#!/bin/sh
# The list's search and filters in a real terminal (tmux): the status line's per-state counts are
# the whole list's after G (not the page's), after a level filter and after a text search (they
# add up to the matches the header shows), and the countdowns keep ticking while a search runs
# (ptyrun samples the first row: no gap over 1.1 s).
. "$(dirname "$0")/lib/console_lib.sh"
BUILD=${SLATOP_BUILD_DIR:?SLATOP_BUILD_DIR must name the build directory}
"$BUILD/bench/slatop_bench" gen "$DB" 3000 >/dev/null || fail "generating 3000 tickets"

start_console main -- --db "$DB"
wait_for main "3000 open" 20

# status_counts: the numbers of the status line's per-state counts, one per line.
status_counts() { screen main | tail -n 1 | sed 's/|.*//' | grep -o '[0-9][0-9]*'; }
sum_counts() { status_counts | awk '{ s += $1 } END { print s + 0 }'; }
header_n() { screen main | head -n 1 | grep -o "[0-9]* $1" | grep -o '[0-9]*'; }

top=$(status_counts | tr '\n' ' ')
[ "$(sum_counts)" = 3000 ] || fail "counts at the top add up to $(sum_counts), not 3000: $top"
tmx send-keys -t e2e:main G
sleep 1
bottom=$(status_counts | tr '\n' ' ')
[ "$bottom" = "$top" ] || fail "counts after G: '$bottom', at the top: '$top' (per page?)"

tmx send-keys -t e2e:main f
sleep 0.3
tmx send-keys -t e2e:main HIGH Enter
wait_for main "filter: HIGH" 10
n=$(header_n match)
[ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -lt 3000 ] || fail "level filter: '$n' matches"
[ "$(sum_counts)" = "$n" ] || fail "level filter: counts add up to $(sum_counts), header says $n"

# with the level filter still on: both apply
tmx send-keys -t e2e:main /
sleep 0.3
tmx send-keys -t e2e:main globex Enter
wait_for main "/globex |" 10
n=$(header_n match)
want=$("$BIN" --db "$DB" list | awk '$1 == "HIGH" && /Globex/' | wc -l)
[ "$n" = "$want" ] || fail "search: header says $n matches, the command line lists $want"
[ "$(sum_counts)" = "$n" ] || fail "search: counts add up to $(sum_counts), header says $n"
quit_and_check main

# Ticks while searching: type a search that matches every ticket and sample the first row. Every
# countdown shows its seconds (countdown_seconds: the generated tickets are hours overdue, whose
# XhYYm form changes once a minute).
printf '{"countdown_seconds": "always"}\n' >"$T/config.json"
l=$("$BUILD/bench/ptyrun" --size 120x40 --duration-ms 4000 --sample-row 2 --send "/receipts
" -- "$BIN" --config "$T/config.json" --db "$DB")
gap=$(printf '%s\n' "$l" | tr ' ' '\n' | sed -n 's/^max_gap_ms=//p')
changes=$(printf '%s\n' "$l" | tr ' ' '\n' | sed -n 's/^sample_changes=//p')
[ -n "$gap" ] && [ "$changes" -ge 3 ] || fail "ptyrun: $l"
[ "$gap" -le 1100 ] || fail "a gap of $gap ms between two ticks while searching"
echo "ok: counts whole-list after G, filter and search; largest tick gap while searching $gap ms"
