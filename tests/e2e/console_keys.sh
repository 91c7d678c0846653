#!/bin/sh
# The real binary driven by --keys FILE (a raise typed from the file lands in the audit log; the
# file's end quits with status 0), --max-frames N (exits by itself), a malformed keys file
# (usage error naming the file and line), and the bytes sent per second while idle.
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/console_lib.sh"

"$BIN" --db "$DB" init --policy "$SLATOP_SOURCE_DIR/share/policies/haptik.json" >/dev/null || fail "init"
ID=$("$BIN" --db "$DB" add --title "keys file target" --level S3 --customer K) || fail "add"
cat >"$T/keys" <<'KEYS'
# raise the only ticket, then look at its detail
+
reason from the keys file<Enter>
y
<sleep 0.5>
<Enter><sleep 0.3><Esc>
KEYS
start_console kf TERM=xterm-256color LC_ALL=C.UTF-8 -- --db "$DB" --keys "$T/keys"
st=$(wait_exit kf 15)
[ "$st" = 0 ] || fail "--keys run: status $st: $(cat "$T/kf.err")"
"$BIN" --db "$DB" audit "$ID" --json | grep -q "reason from the keys file" || fail "the raise from --keys is not audited"
"$BIN" --db "$DB" show "$ID" --json | tr -d ' \n' | grep -q '"level":"S2"' || fail "ticket not raised to S2"

# --max-frames: the first frame plus two ticks, then a clean exit.
start_console mf TERM=xterm-256color LC_ALL=C.UTF-8 -- --db "$DB" --max-frames 3
st=$(wait_exit mf 10)
[ "$st" = 0 ] || fail "--max-frames: status $st: $(cat "$T/mf.err")"

# A malformed keys file is a usage error naming the file and the line.
printf 'j\n<Bogus>\n' >"$T/bad.keys"
start_console bad TERM=xterm-256color LC_ALL=C.UTF-8 -- --db "$DB" --keys "$T/bad.keys"
st=$(wait_exit bad 10)
[ "$st" = 2 ] || fail "bad keys file: status $st (want 2)"
grep -q "bad.keys: line 2" "$T/bad.err" || fail "bad keys file: error does not name the line: $(cat "$T/bad.err")"

# Idle output: 30 ticking countdowns for 4 s. Only changed cells go out (ARCHITECTURE.md measured
# ~267 B/s for 38 timers with plain ncurses); allow 3x.
add_tickets 30 S0 idle
start_console idle TERM=xterm-256color LC_ALL=C.UTF-8 -- --db "$DB"
wait_for idle "idle 29" 10
sleep 1
: >"$T/idle.raw"
tmx pipe-pane -o -t e2e:idle "cat >>'$T/idle.raw'"
sleep 4
tmx pipe-pane -t e2e:idle
bytes=$(wc -c <"$T/idle.raw")
echo "idle output: $bytes bytes in 4 s"
[ "$bytes" -gt 0 ] || fail "nothing sent while ticking"
[ "$bytes" -lt 3200 ] || fail "too much output while idle: $bytes bytes in 4 s"
quit_and_check idle
echo "ok: --keys, --max-frames, bad keys file, idle output"
