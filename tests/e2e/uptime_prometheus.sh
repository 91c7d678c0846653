#!/bin/sh
# End to end against a REAL Prometheus: a 31-day month (2026-10) of OpenMetrics counters with
# planted incidents (tests/tools/uptime/gen_openmetrics.c) is backfilled with promtool, served by a
# prometheus started here on a free loopback port, and `slatop uptime --month 2026-10 --json` must
# report exactly the planted truth. Never skipped: without prometheus/promtool it fails.
set -u
BIN=${SLATOP_BINARY:?}
BUILD=${SLATOP_BUILD_DIR:?}
GEN=$BUILD/tests/tools/uptime/gen_openmetrics
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 ||
    fail "prometheus and promtool are needed: run sh share/setup.sh --test"
[ -x "$GEN" ] || fail "$GEN not built (cmake --build builds it with the tests)"

T=$(mktemp -d /tmp/slatop-prom-XXXXXX)
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

MS=1790812800 # 2026-10-01T00:00:00Z
"$GEN" $MS 44640 "$T/om.txt" || fail "generator"
promtool tsdb create-blocks-from openmetrics --max-block-duration=24h "$T/om.txt" "$T/data" >"$T/promtool.log" 2>&1 ||
    { cat "$T/promtool.log" >&2; fail "promtool"; }
printf 'global:\n  scrape_interval: 1h\n' >"$T/prom.yml"

# A free port: try a few, and keep the one the server really listens on.
PORT=
for try in 1 2 3 4 5 6 7 8; do
    P=$(( 20000 + ( $$ * 7 + try * 977 ) % 40000 ))
    prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/data" --storage.tsdb.retention.time=10y \
        --web.listen-address=127.0.0.1:$P >"$T/prom.log" 2>&1 &
    PID=$!
    i=0
    while [ $i -lt 100 ]; do
        if ! kill -0 "$PID" 2>/dev/null; then PID=; break; fi
        if curl -sf "http://127.0.0.1:$P/-/ready" >/dev/null 2>&1; then PORT=$P; break; fi
        sleep 0.1; i=$((i + 1))
    done
    [ -n "$PORT" ] && break
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    PID=
done
[ -n "$PORT" ] || { cat "$T/prom.log" >&2; fail "prometheus did not start"; }

# Maintenance from a file:// status page: one window announced 7+ days ahead (excluded), one
# announced 3 days ahead (counted). Times carry milliseconds and a -06:00 offset.
cat >"$T/sp.json" <<'JSON'
{"page":{"id":"p"},"scheduled_maintenances":[
 {"id":"mw-early","name":"Database upgrade","status":"completed","impact":"maintenance",
  "created_at":"2026-09-28T10:00:00.123-06:00","scheduled_for":"2026-10-06T07:20:00.000-06:00",
  "scheduled_until":"2026-10-06T07:50:00.000-06:00"},
 {"id":"mw-late","name":"Emergency patch","status":"completed","impact":"maintenance",
  "created_at":"2026-10-04T00:00:00Z","scheduled_for":"2026-10-07T06:00:00Z","scheduled_until":"2026-10-07T07:00:00Z"}]}
JSON
cat >"$T/cfg.json" <<JSON
{"monitoring":{"prometheus":{"url":"http://127.0.0.1:$PORT","timeout_s":10},
               "statuspage":{"url":"file://$T/sp.json"}}}
JSON
NOW=2026-11-05T00:00:00Z
"$BIN" --db "$T/db" --now $NOW init --policy "$SLATOP_SOURCE_DIR/share/policies/haptik.json" >/dev/null ||
    fail "init"
"$BIN" --db "$T/db" --config "$T/cfg.json" --now $NOW uptime --month 2026-10 --json >"$T/out.json" 2>"$T/err" ||
    { cat "$T/err" >&2; fail "slatop uptime exited $?"; }

# The planted truth (minute numbers from gen_openmetrics.c):
#  1000-1014 outage (15); 2000 blip 3.8% (up); 3000 exactly 5% (up); 3100 5.1% (1); 4000 no
#  traffic (NaN, up); 4995-4999 outage (5) then a 10-minute scrape gap 5000-5009 (no data, flagged);
#  6000-6009 outage across a counter reset (10); 7000-7002 + 7004-7006 two periods (3 + 3);
#  8010-8019 and 8025-8029 inside the early window (15 excluded), 8030-8034 overrun (5);
#  9010-9019 inside the late window (10); 10000 many 404s, 3% (up).
#  downtime 15+1+5+10+3+3+5+10 = 52; excluded 15; no data 10; 44,640 minutes.
EXPECT='{"month":"2026-10","minutes":44640,"downtime_minutes":52,"excluded_minutes":15,"no_data_minutes":10,'
EXPECT=$EXPECT$(awk 'BEGIN{u=(44640-52)/44640*100; printf "\"uptime_percent\":%.17g,", u}')
EXPECT=$EXPECT'"target_percent":99.900000000000006,'
EXPECT=$EXPECT'"budget_minutes":44.64,"budget_left_minutes":-7.36,'
EXPECT=$EXPECT'"burn_rate_1h":0,"burn_rate_6h":0,'
EXPECT=$EXPECT$(awk 'BEGIN{u=(44640-52)/44640*100; printf "\"projected_uptime_percent\":%.17g,", u}')
EXPECT=$EXPECT'"complete":false,"periods":['
EXPECT=$EXPECT'{"start":"2026-10-01T16:40:00Z","end":"2026-10-01T16:55:00Z","minutes":15,"peak_error_rate":0.5},'
EXPECT=$EXPECT'{"start":"2026-10-03T03:40:00Z","end":"2026-10-03T03:41:00Z","minutes":1,"peak_error_rate":0.050999999999999997},'
EXPECT=$EXPECT'{"start":"2026-10-04T11:15:00Z","end":"2026-10-04T11:20:00Z","minutes":5,"peak_error_rate":0.80000000000000004},'
EXPECT=$EXPECT'{"start":"2026-10-05T04:00:00Z","end":"2026-10-05T04:10:00Z","minutes":10,"peak_error_rate":0.5},'
EXPECT=$EXPECT'{"start":"2026-10-05T20:40:00Z","end":"2026-10-05T20:43:00Z","minutes":3,"peak_error_rate":0.90000000000000002},'
EXPECT=$EXPECT'{"start":"2026-10-05T20:44:00Z","end":"2026-10-05T20:47:00Z","minutes":3,"peak_error_rate":0.90000000000000002},'
EXPECT=$EXPECT'{"start":"2026-10-06T13:50:00Z","end":"2026-10-06T13:55:00Z","minutes":5,"peak_error_rate":0.59999999999999998},'
EXPECT=$EXPECT'{"start":"2026-10-07T06:10:00Z","end":"2026-10-07T06:20:00Z","minutes":10,"peak_error_rate":0.59999999999999998}],'
EXPECT=$EXPECT'"maintenance":['
EXPECT=$EXPECT'{"id":"mw-early","name":"Database upgrade","start":"2026-10-06T13:20:00Z","end":"2026-10-06T13:50:00Z","announced":"2026-09-28T16:00:00Z","notice_days":7.8888888888888893,"excluded":true},'
EXPECT=$EXPECT'{"id":"mw-late","name":"Emergency patch","start":"2026-10-07T06:00:00Z","end":"2026-10-07T07:00:00Z","announced":"2026-10-04T00:00:00Z","notice_days":3.25,"excluded":false}],'
EXPECT=$EXPECT"\"source\":\"http://127.0.0.1:$PORT\",\"fetched_at\":\"$NOW\"}"
GOT=$(cat "$T/out.json")
if [ "$GOT" != "$EXPECT" ]; then
    echo "expected: $EXPECT" >&2
    echo "got:      $GOT" >&2
    fail "uptime --json differs from the planted truth"
fi

# The text report says the same, rounded to three decimals, and flags the no-data minutes.
"$BIN" --db "$T/db" --config "$T/cfg.json" --now $NOW uptime --month 2026-10 >"$T/out.txt" 2>&1 ||
    fail "text report"
grep -q "uptime        99.884% (target 99.900%)" "$T/out.txt" || { cat "$T/out.txt" >&2; fail "text uptime"; }
grep -q "2026-10-04T11:15:00Z - 2026-10-04T11:20:00Z .*possible downtime" "$T/out.txt" ||
    { cat "$T/out.txt" >&2; fail "no-data flag"; }

# With the server gone the month cannot be read (it was never complete): a clear one-line error.
kill "$PID"; wait "$PID" 2>/dev/null; PID=
if "$BIN" --db "$T/db" --config "$T/cfg.json" --now $NOW uptime --month 2026-10 --json >/dev/null 2>"$T/err"; then
    fail "uptime succeeded with prometheus stopped"
fi
[ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err" >&2; fail "error is not one line"; }
grep -q "http://127.0.0.1:$PORT/api/v1/query_range" "$T/err" || { cat "$T/err" >&2; fail "error names no URL"; }
echo "ok: uptime matches the planted truth against prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}')"
