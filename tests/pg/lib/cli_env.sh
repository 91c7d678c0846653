# cli_env.sh: the shared start of the command-line tests on PostgreSQL (sourced by tests/pg/*.sh,
# run under tests/pg/pg_server.sh run): the binary and the source tree, a scratch directory $tmp
# removed at exit, a clean home and locale, and fail.
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
