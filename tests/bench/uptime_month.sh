#!/bin/sh
# uptime_month's measurements: a 30-day month (2026-11) of planted counters backfilled into a real
# Prometheus, its own time to answer the month's 4 query_range chunks (the floor), then slatop's
# parse + compute of those answers and its peak memory. Prints the last line as key=value pairs.
#   uptime_month.sh BUILD_DIR WORK_DIR
set -eu
build=$1
work=$2
gen=$build/tests/tools/uptime/gen_openmetrics
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 ||
    { echo "prometheus and promtool are needed: run sh share/setup.sh --test" >&2; exit 2; }
d=$work/prom
mkdir -p "$d/answers"
ms=1793491200 # 2026-11-01T00:00:00Z
"$gen" $ms 43200 "$d/om.txt"
promtool tsdb create-blocks-from openmetrics --max-block-duration=24h "$d/om.txt" "$d/data" >"$d/promtool.log" 2>&1
printf 'global:\n  scrape_interval: 1h\n' >"$d/prom.yml"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null' EXIT
for try in 1 2 3 4 5 6; do
    port=$((20000 + ($$ * 13 + try * 1543) % 40000))
    prometheus --config.file="$d/prom.yml" --storage.tsdb.path="$d/data" --storage.tsdb.retention.time=10y \
        --web.listen-address=127.0.0.1:$port >"$d/prom.log" 2>&1 &
    pid=$!
    # Ready when a query answers (slatop_bench exits 0); give it up to 10 s.
    i=0
    while [ $i -lt 50 ]; do
        kill -0 "$pid" 2>/dev/null || break
        if "$build/bench/slatop_bench" uptime-fetch "http://127.0.0.1:$port" 2026-11 "$d/answers" >/dev/null 2>&1; then
            break 2
        fi
        sleep 0.2
        i=$((i + 1))
    done
    kill "$pid" 2>/dev/null || true
    pid=""
done
[ -n "$pid" ] || { cat "$d/prom.log" >&2; echo "prometheus did not start" >&2; exit 2; }
# Prometheus's time: the best of 5 fetches of the whole month (its caches warm, like ours).
best=""
for _ in 1 2 3 4 5; do
    l=$("$build/bench/slatop_bench" uptime-fetch "http://127.0.0.1:$port" 2026-11 "$d/answers")
    t=$(printf '%s\n' "$l" | tr ' ' '\n' | sed -n 's/^prometheus_ms=//p')
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
done
kill "$pid" 2>/dev/null || true
pid=""
p=$("$build/bench/slatop_bench" uptime-parse 2026-11 "$d/answers" 5)
echo "$p prometheus_ms=$best"
