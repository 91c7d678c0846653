#!/bin/sh
# Crash consistency (SPEC §10 "Writers on many hosts", §2 "every change is one transaction"; run
# under tests/pg/pg_server.sh run with SLATOP_PG_SYNCHRONOUS=on: an acknowledged commit must be in
# the server's WAL, not only in its memory). Four writers change levels through the command line
# with --expect-version, each on a ticket of its own, all appending to the one audit chain; every
# two changes in three of each writer are SIGKILLed after a random time up to 0.9 x what the
# writer's last unkilled change took (100 kills in all, at random points: before, during or after
# its transaction, whatever the machine's speed); and mid-run the server itself is killed
# (pg_ctl -m immediate) and started again (crash recovery). Afterwards:
#   - every acknowledged change (exit status 0, its line printed) is in the audit log, once;
#   - a writer's failures are only the outage's (no busy or deadlock), and a version conflict
#     only after a change that was never acknowledged but committed;
#   - audit verify passes (one chain, no fork, no gap);
#   - replaying the log gives every ticket's final level, and each ticket's version counts
#     exactly its logged changes (no change half-applied: row and entry or neither).
. "$SLATOP_SOURCE_DIR/tests/pg/lib/cli_env.sh"
: "${SLATOP_PG_DIR:?run under tests/pg/pg_server.sh run}"
KILLS=${SLATOP_PG_KILLS:-25} # per writer
START=$(date +%s)

export SLATOP_DB="postgresql:///crash"
"$BIN" init --policy "$SRC/share/policies/chatti.json" >/dev/null 2>"$tmp/err" || fail "init: $(cat "$tmp/err")"
for w in 1 2 3 4; do
    "$BIN" add --title "crash $w" --level NORMAL >/dev/null 2>"$tmp/err" || fail "add: $(cat "$tmp/err")"
done

# A failure the server's own crash explains (the command then exits 1 naming the locator).
outage_error() {
    grep -qE 'cannot connect|unreachable|shutting down|starting up|recovery|terminat|server closed|No such file' "$1"
}

writer() { # writer W: ticket W, until it made KILLS kills and the stop file exists
    w=$1 kills=0 i=0 lvl= ver= dur=50 unacked=
    "$BIN" show "$w" --json >"$tmp/s$w" 2>>"$tmp/errors" || return 1
    lvl=$(grep -o '"level":"[A-Z]*"' "$tmp/s$w" | head -1 | cut -d'"' -f4)
    ver=$(grep -o '"version":[0-9]*' "$tmp/s$w" | head -1 | cut -d: -f2)
    while [ $kills -lt "$KILLS" ] || [ ! -e "$tmp/stop" ]; do
        i=$((i + 1))
        [ $i -le 2000 ] || { echo "writer $w: no end after 2000 changes" >>"$tmp/errors"; return 1; }
        case $lvl in LOW) to=NORMAL ;; NORMAL) to=HIGH ;; HIGH) to=URGENT ;; *) to=LOW ;; esac
        set -- "$BIN" set-level "$w" $to --reason "w$w-$i" --expect-version "$ver"
        if [ $((i % 3)) != 1 ] && [ $kills -lt "$KILLS" ]; then
            r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
            d=$((r % (dur * 9 / 10 + 1)))
            timeout -s KILL "$((d / 1000)).$(printf %03d $((d % 1000)))" "$@" >"$tmp/o$w" 2>"$tmp/e$w"
            st=$?
        else
            t0=$(date +%s%N)
            "$@" >"$tmp/o$w" 2>"$tmp/e$w"
            st=$?
            dur=$(( ($(date +%s%N) - t0) / 1000000 ))
        fi
        if [ $st = 0 ] && [ -s "$tmp/o$w" ]; then
            echo "$w $to w$w-$i" >>"$tmp/acks$w"
            lvl=$to ver=$((ver + 1))
            continue
        fi
        # Not acknowledged: committed or not, unknown. Only this writer changes ticket w, so the
        # next change's version check tells: refused as changed since, the unacknowledged one
        # committed (the refusal names the version now), else it did not.
        if [ $st = 137 ]; then
            kills=$((kills + 1))
            unacked=$to
        elif grep -q 'changed since version' "$tmp/e$w"; then
            ver=$(sed -n 's/.*(now version \([0-9]*\)).*/\1/p' "$tmp/e$w")
            [ -n "$ver" ] || { echo "writer $w: $(cat "$tmp/e$w")" >>"$tmp/errors"; return 1; }
            lvl=$unacked
            echo x >>"$tmp/committed$w"
        elif outage_error "$tmp/e$w"; then
            unacked=$to
            echo x >>"$tmp/outage$w"
            sleep 0.1
        else
            echo "writer $w: exit $st: $(cat "$tmp/e$w")" >>"$tmp/errors"
            return 1
        fi
    done
    echo $kills >"$tmp/kills$w"
}
for w in 1 2 3 4; do writer $w & done
sleep 4
sh "$SRC/tests/pg/pg_server.sh" halt "$SLATOP_PG_DIR" immediate || fail "pg_ctl -m immediate stop"
sleep 1
sh "$SRC/tests/pg/pg_server.sh" resume "$SLATOP_PG_DIR" || fail "the server did not start again"
sleep 2
touch "$tmp/stop"
wait
[ -s "$tmp/errors" ] && fail "$(head -5 "$tmp/errors")"
kills=$(cat "$tmp"/kills* | awk '{ s += $1 } END { print s }')
[ "$kills" -ge $((4 * KILLS)) ] || fail "$kills writers killed, want $((4 * KILLS))"
acks=$(cat "$tmp"/acks* | wc -l)
outage=$(cat "$tmp"/outage* 2>/dev/null | wc -l)
unacked=$(cat "$tmp"/committed* 2>/dev/null | wc -l)

"$BIN" audit verify >"$tmp/verify" 2>"$tmp/err" || fail "audit verify: $(cat "$tmp/err")"
"$BIN" audit --json >"$tmp/audit" 2>"$tmp/err" || fail "audit: $(cat "$tmp/err")"
tr '{' '\n' <"$tmp/audit" >"$tmp/entries"
missing=0
while read -r t to reason; do
    n=$(grep -c "\"ticket_id\":$t,.*\"to_level\":\"$to\".*\"reason\":\"$reason\"" "$tmp/entries")
    [ "$n" -eq 1 ] || { echo "acknowledged change $reason (ticket $t to $to) is in the log $n times"; missing=1; }
done <<EOF2
$(cat "$tmp"/acks*)
EOF2
[ $missing = 0 ] || fail "acknowledged changes lost or doubled"
for t in 1 2 3 4; do
    "$BIN" show $t --json >"$tmp/show" 2>"$tmp/err" || fail "show: $(cat "$tmp/err")"
    now=$(grep -o '"level":"[A-Z]*"' "$tmp/show" | head -1 | cut -d'"' -f4)
    ver=$(grep -o '"version":[0-9]*' "$tmp/show" | head -1 | cut -d: -f2)
    grep "\"ticket_id\":$t," "$tmp/entries" | grep '"kind":"reprioritized"' >"$tmp/t$t"
    last=$(tail -1 "$tmp/t$t" | grep -o '"to_level":"[A-Z]*"' | cut -d'"' -f4)
    [ "$now" = "$last" ] || fail "ticket $t: level $now, replaying its log gives $last"
    changes=$(grep -c . "$tmp/t$t")
    [ "$ver" -eq $((changes + 1)) ] || fail "ticket $t: version $ver after $changes logged changes"
done
echo "ok: $acks acknowledged changes all present ($unacked more committed unacknowledged)," \
    "$kills writers SIGKILLed, $outage failures during a" \
    "server crash and restart, $(cat "$tmp/verify"), final levels replayed, in $(( $(date +%s) - START )) s"
