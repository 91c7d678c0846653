# cli_env.sh: the shared start of the command-line tests on PostgreSQL (sourced by tests/pg/*.sh,
# run under tests/pg/pg_server.sh run): the binary and the source tree, a scratch directory $tmp
# removed at exit, a clean home and locale, fail, psql and q, expect_fail.
set -u
BIN=${SLATOP_BINARY:?SLATOP_BINARY not set}
SRC=${SLATOP_SOURCE_DIR:?SLATOP_SOURCE_DIR not set}
: "${PGHOST:?run under tests/pg/pg_server.sh run}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config"
export TZ=UTC LC_ALL=C.UTF-8
unset SLATOP_DB SLATOP_CONFIG NO_COLOR
fail() { echo "FAIL: $*"; exit 1; }
psql_bin=$(dirname "$(command -v pg_ctl 2>/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1)")/psql
[ -x "$psql_bin" ] || psql_bin=psql
# q DATABASE SQL: the rows, unaligned, no headers.
q() { "$psql_bin" -X -q -t -A -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# expect_fail STATUS NEEDLE CMD...: exit STATUS, one stderr line containing NEEDLE, no password
# (hunter2) printed, nothing on stdout.
expect_fail() {
    want=$1 needle=$2
    shift 2
    "$@" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    [ "$rc" -eq "$want" ] || fail "$*: exit $rc, want $want: $(cat "$tmp/err")"
    [ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "$*: stderr is not one line: $(cat "$tmp/err")"
    grep -qF -- "$needle" "$tmp/err" || fail "$*: stderr lacks '$needle': $(cat "$tmp/err")"
    grep -q 'hunter2' "$tmp/err" "$tmp/out" && fail "$*: the password was printed: $(cat "$tmp/err")"
    [ -s "$tmp/out" ] && fail "$*: stdout on error: $(cat "$tmp/out")"
    return 0
}
