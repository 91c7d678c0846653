#!/bin/sh
# The audit view on a long log in a real terminal (tmux, 120x30): it opens on the first screenful
# (a window of the log by keyset, SPEC §11), G and g reach both ends, and on a log tampered in the
# middle the chain walk (in slices between ticks) shows the mismatch naming the entry, while the
# view keeps answering keys.
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/console_lib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 is needed to tamper with the log"

"$BIN" --db "$DB" init --policy "$SLATOP_SOURCE_DIR/share/policies/chatti.json" >/dev/null || fail init
# 3000 tickets in one import: 3001 audit entries (the policy's, then one per ticket).
i=0
while [ $i -lt 3000 ]; do
    printf '{"title": "paging probe %d", "level": "URGENT", "customer": "Customer %d"}\n' $i $i
    i=$((i + 1))
done > "$T/tickets.jsonl"
"$BIN" --db "$DB" import "$T/tickets.jsonl" >/dev/null || fail import
"$BIN" --db "$DB" audit verify | grep -q "ok: 3001 entries" || fail "the log does not verify before tampering"

start_console one TERM=xterm-256color LC_ALL=C.UTF-8 -- --db "$DB"
wait_for one "COUNTDOWN" 15
tmx send-keys -t e2e:one a
wait_for one "Audit log: 3001 entries" 5
wait_for one "chain verifies: 3001 entries checked" 10
screen one | grep -q "^ *1 .*policy_applied" || fail "the view does not open on the first entry"
tmx send-keys -t e2e:one G
wait_for one "#3000 URGENT" 5
screen one | grep -q "^ *3001 " || fail "G does not reach the last entry"
tmx send-keys -t e2e:one g
wait_for one "policy_applied" 5
tmx send-keys -t e2e:one q
sleep 0.3

# An entry in the middle edited behind slatop's back.
sqlite3 "$DB" "DROP TRIGGER audit_no_update; UPDATE audit SET reason = 'tampered' WHERE seq = 2500;" ||
    fail "could not tamper with the log"
tmx send-keys -t e2e:one a
wait_for one "CHAIN DOES NOT VERIFY" 10
screen one | grep -q "audit entry 2500" || fail "the mismatch does not name entry 2500"
# Still answering keys after the mismatch.
tmx send-keys -t e2e:one G
wait_for one "#3000 URGENT" 5
tmx send-keys -t e2e:one q
tmx send-keys -t e2e:one q
wait_exit one 5
echo "ok: audit view paging and the tampered log"
