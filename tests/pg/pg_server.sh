#!/bin/sh
# pg_server.sh: a throwaway PostgreSQL server for the tests (POSTGRES.md "A throwaway server").
#
#   pg_server.sh start DIR   initdb + pg_ctl start in DIR (a new empty directory), listening only
#                            on the Unix socket DIR/sock (no TCP port, so concurrent runs never
#                            collide); prints the environment to use it (PGHOST, PGUSER, PGDATABASE)
#                            as shell assignments for eval.
#   pg_server.sh stop DIR    pg_ctl -m fast stop, then removes DIR.
#   pg_server.sh halt DIR [MODE]   stops the server (pg_ctl -m MODE: fast, the default, or
#                            immediate: a crash) and keeps DIR: the fault tests' outage.
#   pg_server.sh resume DIR  starts a halted server again (crash recovery after immediate).
#                            With SLATOP_PG_TCP=1 it also listens on 127.0.0.1 at a free port
#                            (PGPORT: the socket's name carries it too), for tests of TCP itself.
#   pg_server.sh run CMD...  start in a new temporary directory, run CMD with that environment
#                            (and SLATOP_TEST_PG=1, SLATOP_PG_DIR=DIR for halt and resume), stop
#                            and remove on any exit; CMD's status.
#
# Commits are acknowledged before their WAL leaves the server's memory (synchronous_commit=off:
# fast tests) unless SLATOP_PG_SYNCHRONOUS=on, which a test that crashes the server needs.
#
# initdb refuses to run as root: as root every server command runs as the postgres user (which
# the postgresql package creates), in a directory given to it. Exit 77 (the test is not run) only
# when no PostgreSQL server binaries are installed; ctest counts 77 as skipped, never as passed.
set -eu

bindir=
for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && bindir=$d
done
if [ -z "$bindir" ]; then
    command -v initdb >/dev/null 2>&1 && bindir=$(dirname "$(command -v initdb)")
fi
[ -n "$bindir" ] || { echo "pg_server.sh: no PostgreSQL server (initdb) installed: sh share/setup.sh --test" >&2; exit 77; }

as_server() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    dir=$1
    mkdir -p "$dir/sock"
    [ "$(id -u)" -eq 0 ] && chown -R postgres "$dir"
    as_server "$bindir/initdb" -D "$dir/data" -U slatop --auth=trust --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; return 1; }
    if [ -n "${SLATOP_PG_TCP:-}" ]; then
        # A random port, another one if it is taken (another run's server).
        for try in 1 2 3 4 5 6; do
            echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000)) >"$dir/port"
            resume "$dir" 2>"$dir/resume.err" && break
            [ "$try" -lt 6 ] || { cat "$dir/resume.err" >&2; return 1; }
        done
        echo "PGPORT=$(cat "$dir/port"); export PGPORT"
    else
        resume "$dir" || return 1
    fi
    echo "PGHOST='$dir/sock'; PGUSER=slatop; PGDATABASE=postgres; export PGHOST PGUSER PGDATABASE"
}

resume() {
    listen="listen_addresses=''"
    [ -f "$1/port" ] && listen="listen_addresses=127.0.0.1 -p $(cat "$1/port")"
    as_server "$bindir/pg_ctl" -D "$1/data" -l "$1/server.log" -w -o \
        "-k $1/sock -c $listen -c fsync=off -c synchronous_commit=${SLATOP_PG_SYNCHRONOUS:-off} -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$1/server.log" >&2; return 1; }
}

stop() {
    dir=$1
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_server "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start "$2" ;;
    stop) stop "$2" ;;
    halt) as_server "$bindir/pg_ctl" -D "$2/data" -m "${3:-fast}" -w stop >/dev/null ;;
    resume) resume "$2" ;;
    run)
        shift
        dir=$(mktemp -d /tmp/slatop-pg-XXXXXX)
        chmod 755 "$dir"
        trap 'stop "$dir"' EXIT INT TERM
        eval "$(start "$dir")"
        SLATOP_TEST_PG=1
        SLATOP_PG_DIR=$dir
        export SLATOP_TEST_PG SLATOP_PG_DIR
        status=0
        "$@" || status=$?
        exit $status
        ;;
    *) echo "usage: pg_server.sh start DIR | stop DIR | run CMD..." >&2; exit 2 ;;
esac
