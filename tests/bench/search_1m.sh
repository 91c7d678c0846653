#!/bin/sh
# search_1m, sort_1m, search_state_1m, search_scan_1m and tick_gap_heavy's measurements (issues 13
# and 15): each a console session in a real pty (ptyrun --steps) on a database `slatop_bench gen`
# made, every key timed from its write to the text it brings on the screen, while ptyrun samples a
# countdown row every 50 ms (the console runs with "countdown_seconds": "always", so every countdown
# ticks each second and a gap between two changes of the row is a frozen screen). Prints key=value
# lines:
#   search step_ms=...   the 20 searches' times (ms, comma-separated), gap_ms=...
#   sort step_ms=...     8 sort keys (s, twice round the four orders), gap_ms=...
#   audit step_ms=...    `a` to the first audit screen, gap_ms=...
#   state step_ms=...    6 searches with a state filter on (f breached, then / each text), gap_ms=...
#   scan step_ms=...     2 texts no index narrows in the list's order, each with ? and Esc while its
#                        matches are still read, gap_ms=... (its rows may be empty: not a tick gap)
#   search_1m.sh BUILD_DIR WORK_DIR DB
set -eu
build=$1
work=$2
db=$3
mkdir -p "$work/steps"
printf '{"countdown_seconds": "always"}\n' > "$work/steps/config.json"

# The 20 searches: a level and a state (f), then 18 texts (/): ids, rare words (one ticket's own
# tracking code, a word in ten bodies), common words (every title, one body in eight),
# customers. Each PRE opens the prompt and clears it (C-u) before typing. The step after the state
# (f, empty: back to the whole list) is not one of the 20 and is left out of the figures.
{
    printf 'f\\x15URGENT\t\\r\tfilter: URGENT |\n'
    printf 'f\\x15breached\t\\r\tfilter: breached |\n'
    printf 'f\\x15\t\\r\t open |\n'
    while IFS= read -r t; do printf '/\\x15%s\t\\r\tfilter: /%s |\n' "$t" "$t"; done <<EOF
4242
500000
999999
zeppelin
GEN-777777.
GEN-123456.
receipts
delayed
carrier
webhook
invoice
porting
dashboard
Acme
Globex
Initech
Umbrella
Stark Freight
EOF
} > "$work/steps/search"
n=$(wc -l < "$work/steps/search")
[ "$n" = 21 ] || { echo "search_1m.sh: $n steps, expected 21" >&2; exit 2; }
printf '\ts\tsort:level\n\ts\tsort:created\n\ts\tsort:customer\n\ts\tsort:urgency\n' > "$work/steps/sort1"
cat "$work/steps/sort1" "$work/steps/sort1" > "$work/steps/sort"
printf '\ta\tAudit log:\n' > "$work/steps/audit"
# A state and a text together (SPEC §11: the state is a scan, read in slices between ticks): an
# id, rare and common words of titles and bodies, a customer, under `f breached`. The state's own
# step is not one of the 6. In 160 columns: at 120, while a large list is counted its status bar
# shortens the filter's label ("/delaye…") until the counts are done, seconds later, and the step
# would time the count instead of the key.
{
    printf 'f\\x15breached\t\\r\tfilter: breached |\n'
    for t in 4242 zeppelin GEN-777777. delayed invoice Acme; do
        printf '/\\x15%s\t\\r\tfilter: breached /%s |\n' "$t" "$t"
    done
} > "$work/steps/state"

# Texts whose page the indexes cannot give at once (SPEC §11: typing is never held up, countdowns
# never miss a tick): "zq", two letters in no ticket (no trigram: every open ticket is tested), and
# "low", a level's name, whose tickets come last in the urgency order. Each page has a budget, past
# which the matches are read between ticks; `?` and Esc are timed while that runs. In 160 columns,
# as the state session.
{
    for t in zq low; do
        printf '/\x15%s	\r	filter: /%s |
	?	slatop keys
	\e	filter: /%s |
' "$t" "$t" "$t"
    done
} > "$work/steps/scan"

# session NAME [COLSxROWS]: one console session running steps/NAME (in a 120x40 terminal unless
# told); prints "NAME step_ms=... gap_ms=..."
session() {
    # ptyrun's failure is reported with its status and its line (empty when it failed before
    # starting: then its reason is on stderr): an assignment failing under set -e would end this
    # script without a word.
    l=$("$build/bench/ptyrun" --size "${2:-120x40}" --wait-text " open |" --steps "$work/steps/$1" --sample-row 2 \
        --sample-ms 50 --timeout-ms 600000 -- "$build/slatop" --config "$work/steps/config.json" --db "$db") ||
        { echo "search_1m.sh: $1: ptyrun exited with status $?: $l" >&2; exit 2; }
    done_n=$(printf '%s\n' "$l" | tr ' ' '\n' | sed -n 's/^steps_done=//p')
    want=$(wc -l < "$work/steps/$1")
    [ "$done_n" = "$want" ] || { echo "search_1m.sh: $1: $done_n of $want steps done: $l" >&2; exit 2; }
    ms=$(printf '%s\n' "$l" | tr ' ' '\n' | sed -n 's/^step_ms=//p')
    [ "$1" = search ] && ms=$(printf '%s\n' "$ms" | cut -d, -f1,2,4-)
    [ "$1" = state ] && ms=$(printf '%s\n' "$ms" | cut -d, -f2-)
    echo "$1 step_ms=$ms gap_ms=$(printf '%s\n' "$l" | tr ' ' '\n' | sed -n 's/^max_gap_ms=//p')"
}
session search
session sort
session audit
session state 160x40
session scan 160x40
