# Shared set-up of the e2e tests that drive the console in a real pty through tests/bench/ptyrun
# (forkpty + libvterm): the binaries, fail, a scratch directory $T removed at exit, a clean home and
# locale, sanitizer reports to files checked by pty_asan_check, and kv to read ptyrun's line. Source
# it with PTY_NAME set.
set -u
BIN=${SLATOP_BINARY:?}
BUILD=${SLATOP_BUILD_DIR:?}
SRC=${SLATOP_SOURCE_DIR:?}
PTYRUN=$BUILD/bench/ptyrun
fail() { echo "FAIL: $*" >&2; exit 1; }
# kv KEY LINE: KEY's value in one of ptyrun's "key=value key=value" lines (empty when absent).
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
[ -x "$PTYRUN" ] || fail "$PTYRUN not built (libvterm missing? sh share/setup.sh --test)"

T=$(mktemp -d "/tmp/slatop-${PTY_NAME:?}-XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$T/home"
export HOME="$T/home" XDG_DATA_HOME="$T/home/data" XDG_CONFIG_HOME="$T/home/config" XDG_STATE_HOME="$T/home/state"
export TZ=UTC LC_ALL=C.UTF-8 TERM=xterm-256color
unset SLATOP_DB SLATOP_CONFIG NO_COLOR 2>/dev/null || true
# Under the ASan build, reports go to a file that is checked at the end (the pty is not kept).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/asan"

# pty_asan_check: fails when the sanitizer build reported anything.
pty_asan_check() {
    if ls "$T"/asan* >/dev/null 2>&1; then
        cat "$T"/asan* >&2
        fail "sanitizer reports"
    fi
}
