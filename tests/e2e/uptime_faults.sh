#!/bin/sh
# `slatop uptime` against a misbehaving server of the tests' own (tests/tools/uptime/faultd.c):
# every fault ends in exit status 1 with one clear line naming the fault and the (redacted) URL,
# within the configured timeout (never hanging), and the password never shows.
set -u
BIN=${SLATOP_BINARY:?}
BUILD=${SLATOP_BUILD_DIR:?}
FAULTD=$BUILD/tests/tools/uptime/faultd
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$FAULTD" ] || fail "$FAULTD not built"

T=$(mktemp -d /tmp/slatop-faults-XXXXXX)
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

"$FAULTD" "$T/port" &
PID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$T/port") || fail "faultd did not start"
# A port where nothing listens: bind-free ports are hard to find portably; faultd's own port + 1
# is used only if nothing answers there.
DEAD=$((PORT + 1))
curl -s "http://127.0.0.1:$DEAD/" >/dev/null 2>&1 && fail "port $DEAD unexpectedly in use"

NOW=2026-11-05T00:00:00Z
"$BIN" --db "$T/db" --now $NOW init --policy "$SLATOP_SOURCE_DIR/share/policies/haptik.json" >/dev/null || fail init
printf 's3cretpw\n' >"$T/pw"
chmod 600 "$T/pw"

TIMEOUT=3
# check NAME URL_PATH EXPECTED_TEXT MAX_SECONDS [HOSTPORT]
check() {
    name=$1 path=$2 want=$3 max=$4 hp=${5:-127.0.0.1:$PORT}
    cat >"$T/cfg.json" <<JSON
{"monitoring":{"prometheus":{"url":"http://alice:s3cretpw@$hp$path","timeout_s":$TIMEOUT,
  "username":"alice","password_file":"$T/pw"}}}
JSON
    t0=$(date +%s)
    "$BIN" --db "$T/db" --config "$T/cfg.json" --now $NOW uptime --month 2026-10 --json >"$T/out" 2>"$T/err"
    rc=$?
    t1=$(date +%s)
    [ $rc -eq 1 ] || { cat "$T/err" >&2; fail "$name: exit $rc, expected 1"; }
    [ ! -s "$T/out" ] || fail "$name: printed a report"
    [ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err" >&2; fail "$name: error is not one line"; }
    grep -q "s3cretpw" "$T/err" && fail "$name: password in the message"
    grep -qF "http://REDACTED@$hp$path/api/v1/query_range" "$T/err" ||
        { cat "$T/err" >&2; fail "$name: message does not name the redacted URL"; }
    grep -qF "$want" "$T/err" || { cat "$T/err" >&2; fail "$name: message lacks '$want'"; }
    [ $((t1 - t0)) -le "$max" ] || fail "$name: took $((t1 - t0)) s (max $max)"
    echo "ok: $name ($((t1 - t0)) s): $(cat "$T/err")"
}

check refused "" "after 3 attempts" 6 "127.0.0.1:$DEAD"
check 503 /503 "HTTP 503 timeout: query timed out in expression evaluation" 6
check 502-html /502 "HTTP 502: not JSON (text/html)" 6
check 401-text /401 "HTTP 401: not JSON (text/plain; charset=utf-8): Unauthorized" 3
check stall /stall "timed out after $TIMEOUT s" $((TIMEOUT + 2))
check drip /drip "timed out after $TIMEOUT s" $((TIMEOUT + 2))
check garbage /garbage "answer is not valid JSON" 3
check huge /huge "response larger than 16 MiB (size cap)" $((TIMEOUT + 2))
check huge-stream /huge-stream "response larger than 16 MiB (size cap)" $((TIMEOUT + 2))
check wrong-types /types 'data.result[0].values[0]: expected [time, "value"]' 3

# A password file others can read is refused before anything is sent.
chmod 644 "$T/pw"
cat >"$T/cfg.json" <<JSON
{"monitoring":{"prometheus":{"url":"http://127.0.0.1:$PORT/ok","username":"alice","password_file":"$T/pw"}}}
JSON
"$BIN" --db "$T/db" --config "$T/cfg.json" --now $NOW uptime --month 2026-10 >/dev/null 2>"$T/err" &&
    fail "world-readable password file accepted"
grep -qF "$T/pw: readable by group or others; run chmod 600 $T/pw" "$T/err" || { cat "$T/err" >&2; fail "pw perms"; }

# No monitoring source at all.
echo '{}' >"$T/empty.json"
"$BIN" --db "$T/db" --config "$T/empty.json" --now $NOW uptime >/dev/null 2>"$T/err"
[ $? -eq 1 ] || fail "no source: exit status"
grep -qF "no monitoring source configured (config: monitoring.prometheus.url)" "$T/err" || fail "no source message"

# A good answer after all: an empty matrix is a month of no data, reported, not an error.
chmod 600 "$T/pw"
"$BIN" --db "$T/db" --config "$T/cfg.json" --now $NOW uptime --month 2026-10 --json >"$T/out" 2>"$T/err" ||
    { cat "$T/err" >&2; fail "empty matrix"; }
grep -q '"no_data_minutes":44640,' "$T/out" || { cat "$T/out" >&2; fail "empty matrix: no-data minutes"; }
grep -q '"complete":false' "$T/out" || fail "empty matrix: complete"
# Credentials reach the server: basic auth from the password file, a bearer token from the
# environment (SLATOP_PROM_TOKEN), and neither ever shows.
cat >"$T/cfg.json" <<JSON
{"monitoring":{"prometheus":{"url":"http://127.0.0.1:$PORT/auth-basic","username":"alice","password_file":"$T/pw"}}}
JSON
chmod 600 "$T/pw"
"$BIN" --db "$T/db" --config "$T/cfg.json" --now $NOW uptime --month 2026-10 --json >"$T/out" 2>"$T/err" ||
    { cat "$T/err" >&2; fail "basic auth not sent"; }
cat >"$T/cfg.json" <<JSON
{"monitoring":{"prometheus":{"url":"http://127.0.0.1:$PORT/auth-bearer"}}}
JSON
SLATOP_PROM_TOKEN=tok-123 "$BIN" --db "$T/db" --config "$T/cfg.json" --now $NOW uptime --month 2026-10 --json \
    >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "bearer token not sent"; }
SLATOP_PROM_TOKEN=wrong "$BIN" --db "$T/db" --config "$T/cfg.json" --now $NOW uptime --month 2026-10 >"$T/out" 2>"$T/err" &&
    fail "wrong token accepted"
grep -q "HTTP 401" "$T/err" || { cat "$T/err" >&2; fail "wrong token: no 401"; }
grep -q "wrong\|tok-123\|s3cretpw" "$T/err" "$T/out" && fail "a secret was printed"
echo "ok: basic and bearer credentials"

echo "ok: all faults"
