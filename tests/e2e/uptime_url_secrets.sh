#!/bin/sh
# Credentials carried by a monitoring URL itself never show (issue 12, defect 1): the userinfo of
# http://alice:PASSWORD@host/ (curl sends it as basic auth, so a server that echoes the request
# quotes "Authorization: Basic base64(alice:PASSWORD)") and secret query parameters
# (?api_key=, token=, ...) of the status page URL. The fault server (tests/tools/uptime/faultd)
# echoes each request's head back, as text/plain and inside a Prometheus JSON error; neither the
# secrets nor their Base64 may appear in `uptime`, `uptime --json` or on the console's dashboard.
set -u
BIN=${SLATOP_BINARY:?}
BUILD=${SLATOP_BUILD_DIR:?}
FAULTD=$BUILD/tests/tools/uptime/faultd
PTYRUN=$BUILD/bench/ptyrun
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$FAULTD" ] || fail "$FAULTD not built"
[ -x "$PTYRUN" ] || fail "$PTYRUN not built (libvterm missing? sh share/setup.sh --test)"

T=$(mktemp -d /tmp/slatop-url-secrets-XXXXXX)
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$T/home" "$T/data" "$T/config" "$T/state"
export HOME="$T/home" XDG_DATA_HOME="$T/data" XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state"
export TZ=UTC LC_ALL=C.UTF-8 TERM=xterm-256color
unset SLATOP_DB SLATOP_CONFIG NO_COLOR SLATOP_PROM_TOKEN SLATOP_PROM_PASSWORD

"$FAULTD" "$T/port" &
PID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$T/port") || fail "faultd did not start"

PW=hunter2pw
PW_B64=$(printf 'alice:%s' "$PW" | base64)   # YWxpY2U6aHVudGVyMnB3
KEY=spkey-Q7wX2-never-show
TOK=tok-Z9cV4-never-show
"$BIN" --db "$T/db" init --policy "$SLATOP_SOURCE_DIR/share/policies/haptik.json" >/dev/null || fail init
"$BIN" --db "$T/db" add --title "a ticket" >/dev/null || fail add

# no_secret WHAT FILE: none of the secrets, raw or as basic-auth Base64, in FILE.
no_secret() {
    for s in "$PW" "$PW_B64" "$KEY" "$TOK"; do
        grep -qF -- "$s" "$2" && { cat "$2" >&2; fail "$1: shows '$s'"; }
    done
    return 0
}

for route in echo echo-json; do
    cat >"$T/cfg.json" <<JSON
{"monitoring":{"prometheus":{"url":"http://alice:$PW@127.0.0.1:$PORT/$route","timeout_s":3},
  "statuspage":{"url":"http://127.0.0.1:$PORT/$route?page=1&api_key=$KEY&access_token=$TOK"}}}
JSON
    "$BIN" --db "$T/db" --config "$T/cfg.json" uptime >"$T/out" 2>"$T/err"
    rc=$?
    [ $rc -eq 1 ] || { cat "$T/err" >&2; fail "$route uptime: exit $rc, expected 1"; }
    grep -q "127.0.0.1:$PORT" "$T/err" || { cat "$T/err" >&2; fail "$route uptime: error does not name the source"; }
    no_secret "$route uptime stdout" "$T/out"
    no_secret "$route uptime stderr" "$T/err"
    "$BIN" --db "$T/db" --config "$T/cfg.json" uptime --json >"$T/out" 2>"$T/err"
    no_secret "$route uptime --json stdout" "$T/out"
    no_secret "$route uptime --json stderr" "$T/err"
    # The status page's own error, with the Prometheus source answering well.
    cat >"$T/cfg-sp.json" <<JSON
{"monitoring":{"prometheus":{"url":"http://127.0.0.1:$PORT/ok","timeout_s":3},
  "statuspage":{"url":"http://127.0.0.1:$PORT/$route?api_key=$KEY&token=$TOK"}}}
JSON
    "$BIN" --db "$T/db" --config "$T/cfg-sp.json" uptime >"$T/out" 2>"$T/err"
    no_secret "$route status page uptime stdout" "$T/out"
    no_secret "$route status page uptime stderr" "$T/err"
    grep -q "api_key=REDACTED" "$T/out" "$T/err" || { cat "$T/out" "$T/err" >&2; fail "$route: status page URL not shown redacted"; }
    # The dashboard while the fetches fail.
    "$PTYRUN" --size 160x40 --send d --wait-text "Fetch failed" --timeout-ms 20000 --dump \
        -- "$BIN" --db "$T/db" --config "$T/cfg.json" >"$T/pty.out" 2>"$T/screen" ||
        { cat "$T/screen" >&2; fail "$route: the dashboard never showed the failure"; }
    no_secret "$route dashboard" "$T/screen"
    echo "ok: $route"
done
echo "ok: URL credentials and secret query parameters never shown"
