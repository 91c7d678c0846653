# console_lib.sh: helpers for the console's end-to-end tests (sourced by tests/e2e/console_*.sh;
# kept in lib/ so that ctest does not run it as a test). Each test gets its own tmux server
# (-L, a unique socket), a temp dir with HOME/XDG pinned into it, and a trap that kills the server
# and removes the dir whatever happens.
set -u
BIN=${SLATOP_BINARY:?SLATOP_BINARY must name the slatop binary}
fail() { echo "FAIL: $*" >&2; [ -n "${SOCK:-}" ] && tmux -L "$SOCK" capture-pane -p -t "${PANE:-0}" >&2 2>/dev/null; exit 1; }
command -v tmux >/dev/null 2>&1 || fail "tmux is needed (sh share/setup.sh --test)"

T=$(mktemp -d /tmp/slatop-console-XXXXXX)
SOCK="slatop-e2e-$$-$(basename "$0" .sh)"
PANE=0
cleanup() {
    tmux -L "$SOCK" kill-server >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$T/home" "$T/data" "$T/config" "$T/state"
export HOME="$T/home" XDG_DATA_HOME="$T/data" XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state" TZ=UTC
unset SLATOP_DB SLATOP_CONFIG NO_COLOR
DB="$T/console.db"

# tmx ARGS...: tmux on this test's own server, with no user config.
tmx() { tmux -L "$SOCK" -f /dev/null "$@"; }

# add_tickets N LEVEL TITLE-PREFIX: N tickets "PREFIX 0".."PREFIX N-1" through the command line.
add_tickets() {
    i=0
    while [ $i -lt "$1" ]; do
        "$BIN" --db "$DB" add --title "$3 $i" --level "$2" --customer "Customer $i" >/dev/null || fail "add $3 $i"
        i=$((i + 1))
    done
}

# start_console NAME ENV... -- ARGS...: runs slatop in a new session (first call) or window,
# under `env ENV...`, recording its exit status in $T/NAME.exit. The window is named NAME.
start_console() {
    name=$1; shift
    envs=
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs="$envs '$1'"; shift; done
    [ $# -gt 0 ] && shift
    args=
    for a in "$@"; do args="$args '$a'"; done
    cmd="env $envs '$BIN'$args 2>'$T/$name.err'; echo \$? >'$T/$name.exit'; sleep 60"
    if tmx has-session 2>/dev/null; then
        tmx new-window -d -n "$name" "$cmd"
    else
        tmx new-session -d -s e2e -n "$name" -x 120 -y 40 "$cmd"
        tmx set-option -g remain-on-exit off >/dev/null
    fi
}

screen() { tmx capture-pane -p -t "e2e:$1"; }

# wait_for WINDOW FIXED-STRING SECONDS: polls the screen until the text shows up.
wait_for() {
    i=0
    limit=$(( $3 * 10 ))
    while [ $i -lt $limit ]; do
        screen "$1" 2>/dev/null | grep -F -q -- "$2" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    PANE="e2e:$1"
    fail "window $1: '$2' did not show within $3 s"
}

# wait_for_line WINDOW FIXED-STRING NOT SECONDS: as wait_for, on a line without NOT (a status
# message that a prompt's own title also holds, "#1 pending", is told apart from the title).
wait_for_line() {
    i=0
    limit=$(( $4 * 10 ))
    while [ $i -lt $limit ]; do
        screen "$1" 2>/dev/null | grep -F -- "$2" | grep -F -q -v -- "$3" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    PANE="e2e:$1"
    fail "window $1: '$2' (on a line without '$3') did not show within $4 s"
}

# wait_exit NAME SECONDS: waits for the console to exit; prints its status.
wait_exit() {
    i=0
    while [ $i -lt $(( $2 * 10 )) ]; do
        [ -s "$T/$1.exit" ] && { cat "$T/$1.exit"; return 0; }
        sleep 0.1
        i=$((i + 1))
    done
    PANE="e2e:$1"
    fail "$1 did not exit within $2 s"
}

# quit_and_check NAME: q, then exit status 0, nothing on stderr, and the alternate screen left.
quit_and_check() {
    alt_before=$(tmx display-message -p -t "e2e:$1" '#{alternate_on}')
    tmx send-keys -t "e2e:$1" q
    st=$(wait_exit "$1" 10)
    [ "$st" = 0 ] || fail "$1: exit status $st: $(cat "$T/$1.err")"
    [ -s "$T/$1.err" ] && fail "$1: stderr: $(cat "$T/$1.err")"
    alt_after=$(tmx display-message -p -t "e2e:$1" '#{alternate_on}')
    [ "$alt_after" = 0 ] || fail "$1: still on the alternate screen after q (before: $alt_before)"
}
