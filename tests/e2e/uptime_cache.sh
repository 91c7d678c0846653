#!/bin/sh
# A past month cached complete is not fetched twice: read once from a file:// source (layout
# DIR/YYYY-MM.json, one query_range answer per month), then answered from the database with the
# source gone. A month that was not complete is fetched again (and fails without its source).
set -u
BIN=${SLATOP_BINARY:?}
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d /tmp/slatop-ucache-XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/mon"
# 2026-09: 43,200 minutes; downtime at minutes 100-104 (5) only.
awk 'BEGIN {
    ms = 1788220800; printf "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":["
    for (i = 0; i < 43200; i++) {
        v = (i >= 100 && i < 105) ? "0.5" : "0.001"
        printf "%s[%d,\"%s\"]", (i ? "," : ""), ms + 60 * i + 60, v
    }
    print "]}]}}"
}' >"$T/mon/2026-09.json"
# 2026-08 has a gap (incomplete).
awk 'BEGIN {
    ms = 1785542400; printf "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":["
    for (i = 0; i < 44640; i++) { if (i == 7) continue; printf "%s[%d,\"0\"]", (i ? "," : ""), ms + 60 * i + 60 }
    print "]}]}}"
}' >"$T/mon/2026-08.json"
printf '{"monitoring":{"prometheus":{"url":"file://%s/mon"}}}\n' "$T" >"$T/cfg.json"
"$BIN" --db "$T/db" --now 2026-11-05T00:00:00Z init --policy "$SLATOP_SOURCE_DIR/share/policies/chatti.json" >/dev/null ||
    fail init
run() { "$BIN" --db "$T/db" --config "$T/cfg.json" --now "$1" uptime --month "$2" --json; }
run 2026-11-05T00:00:00Z 2026-09 >"$T/a.json" 2>"$T/err" || { cat "$T/err" >&2; fail "first read"; }
grep -q '"downtime_minutes":5,' "$T/a.json" || { cat "$T/a.json" >&2; fail "downtime"; }
grep -q '"complete":true' "$T/a.json" || fail "not complete"
grep -q '"target_percent":99.989999999999995,' "$T/a.json" || fail "chatti target"
grep -q '"fetched_at":"2026-11-05T00:00:00Z"' "$T/a.json" || fail "fetched_at"
run 2026-11-05T00:00:00Z 2026-08 >/dev/null 2>"$T/err" || { cat "$T/err" >&2; fail "2026-08"; }
rm "$T/mon/2026-09.json" "$T/mon/2026-08.json"
run 2026-11-06T00:00:00Z 2026-09 >"$T/b.json" 2>"$T/err" || { cat "$T/err" >&2; fail "cached month was fetched again"; }
cmp -s "$T/a.json" "$T/b.json" || { diff "$T/a.json" "$T/b.json" >&2; fail "cached report differs"; }
if run 2026-11-06T00:00:00Z 2026-08 >/dev/null 2>"$T/err"; then fail "incomplete month served from cache"; fi
grep -q "2026-08.json" "$T/err" || { cat "$T/err" >&2; fail "error names no file"; }
# --read-only never writes the cache but still reports.
"$BIN" --db "$T/db" --config "$T/cfg.json" --now 2026-11-06T00:00:00Z --read-only uptime --month 2026-09 >"$T/c.txt" ||
    fail "read-only"
grep -q "uptime        99.988% (target 99.990%)" "$T/c.txt" || { cat "$T/c.txt" >&2; fail "text"; }
# Usage errors exit 2; a month not yet started exits 1.
run 2026-11-06T00:00:00Z 2026-9 >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad --month not a usage error"
run 2026-11-06T00:00:00Z 2027-01 >/dev/null 2>"$T/err"; [ $? -eq 1 ] || fail "future month"
grep -q "has not started" "$T/err" || fail "future month message"
echo "ok: uptime cache"
