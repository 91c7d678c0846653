#!/bin/sh
# Ticks keep coming while a search runs on a large database (SPEC §11, issue 13): 100,000
# generated tickets (titles, customers and message bodies, through the store), the console in a
# real pty with every countdown showing its seconds, three searches typed one after another (one
# matching every ticket, a word in one message body, a customer); ptyrun samples the first row
# every 50 ms all through them. Each search must reach the screen, and no two changes of the row
# may be more than 1.1 s apart (a tick each second, a frozen screen otherwise).
. "$(dirname "$0")/lib/console_lib.sh"
BUILD=${SLATOP_BUILD_DIR:?SLATOP_BUILD_DIR must name the build directory}
N=100000
"$BUILD/bench/slatop_bench" gen "$DB" $N >/dev/null || fail "generating $N tickets"
printf '{"countdown_seconds": "always"}\n' >"$T/config.json"
# PRE<TAB>KEY<TAB>TEXT (ptyrun --steps): open the prompt, clear it, type; Enter is timed.
printf '/\\x15receipts\t\\r\tfilter: /receipts |\n/\\x15zeppelin\t\\r\tfilter: /zeppelin |\n/\\x15Acme\t\\r\tfilter: /Acme |\n' \
    >"$T/steps"
l=$("$BUILD/bench/ptyrun" --size 120x40 --wait-text " open |" --steps "$T/steps" --sample-row 2 --sample-ms 50 \
    --timeout-ms 120000 -- "$BIN" --config "$T/config.json" --db "$DB")
kv() { printf '%s\n' "$l" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
[ "$(kv steps_done)" = 3 ] || fail "the searches did not all reach the screen: $l"
[ "$(kv sample_changes)" -ge 3 ] || fail "the first row hardly changed: $l"
gap=$(kv max_gap_ms)
[ "$gap" -le 1100 ] || fail "a gap of $gap ms between two ticks while searching $N tickets (search ms: $(kv step_ms))"
echo "ok: $N tickets, search ms $(kv step_ms), largest tick gap $gap ms"
