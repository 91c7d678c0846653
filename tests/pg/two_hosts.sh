#!/bin/sh
# A team across hosts (SPEC §10; run under tests/pg/pg_server.sh run, as root): two UTS
# namespaces with their own host names (unshare --uts) stand for two engineers' machines sharing
# one server. A console on host-b shows, live, a raise written on host-a, and lowers the ticket
# itself; host-a sees that; then a console on host-a shows a raise written on host-b. The audit
# log names the host of every change (host-a for its writer's raise, host-b for its console's
# lower, ...) and the chain verifies. Exit 77 (skipped) only when unshare is not permitted.
PTY_NAME=two-hosts
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/pty_lib.sh"
: "${PGHOST:?run under tests/pg/pg_server.sh run}"
if ! unshare --uts true 2>"$T/unshare.err"; then
    echo "skipped: unshare --uts is not permitted here (needs root or user namespaces): $(cat "$T/unshare.err")"
    exit 77
fi
# on_host NAME CMD...: CMD with the host name NAME (its own UTS namespace).
on_host() {
    unshare --uts sh -c 'hostname "$0" && exec "$@"' "$@"
}
on_host probe-name hostname >"$T/name" 2>&1 && [ "$(cat "$T/name")" = probe-name ] ||
    { echo "skipped: cannot set a host name inside unshare --uts: $(cat "$T/name")"; exit 77; }

export SLATOP_DB=postgresql:///hosts
on_host host-a "$BIN" init --policy "$SRC/share/policies/chatti.json" >/dev/null || fail "init"
ID=$(on_host host-a "$BIN" add --title "Shared probe" --level HIGH --customer Probe-Customer) || fail "add"

# console_on HOST OTHER FROM TO: a console on HOST; once it shows the probe, OTHER raises it
# (FROM -> TO... the console must show TO), then the console lowers it back to FROM itself.
console_on() {
    host=$1 other=$2 from=$3 to=$4
    cat >"$T/keys" <<KEYS
wait $to
send -
wait Reason required
send lowered on $host\r
wait Apply this change?
send y
wait #$ID $to → $from
KEYS
    out=$(on_host "$host" "$PTYRUN" --size 120x40 --timeout-ms 20000 --dump \
        --wait-text "Probe-Customer" --then-wait-row "never shown,never shown" \
        --then-run "unshare --uts sh -c 'hostname $other && exec \"\$0\" \"\$@\"' '$BIN' raise $ID --reason 'raised on $other' >/dev/null" \
        --script "$T/keys" -- "$BIN" 2>"$T/screen") || true
    steps=$(echo "$out" | tr ' ' '\n' | sed -n 's/^script_steps=//p')
    then=$(echo "$out" | tr ' ' '\n' | sed -n 's/^run_ms=//p')
    [ "$steps" = 7 ] || { cat "$T/screen" >&2; fail "console on $host: step $((steps + 1)) never happened: $out"; }
    echo "console on $host: the raise from $other shown and lowered back (raise ran in $then ms)"
}
console_on host-b host-a HIGH URGENT
on_host host-a "$BIN" show "$ID" | grep -q "HIGH" || fail "host-a does not see host-b's change"
console_on host-a host-b HIGH URGENT

"$BIN" audit "$ID" --json | tr '{' '\n' >"$T/entries" || fail "audit"
expect_entry() { # REASON HOST: the entry with that reason records that host
    grep -F "\"reason\":\"$1\"" "$T/entries" | grep -q "\"host\":\"$2\"" ||
        fail "no entry '$1' from $2: $(cat "$T/entries")"
}
expect_entry "raised on host-a" host-a
expect_entry "lowered on host-b" host-b
expect_entry "raised on host-b" host-b
expect_entry "lowered on host-a" host-a
"$BIN" audit verify >/dev/null || fail "audit verify"
pty_asan_check
echo "ok: two hosts saw each other's changes live; the audit log names host-a and host-b"
