#!/bin/sh
# Checks who includes the engine headers (ARCHITECTURE.md, "How we write code"), transitively, as
# the compiler resolves them: sqlite3.h only under src/store/sqlite/, libpq-fe.h only under
# src/store/pg/, curl.h only in the fetcher, curses.h only under src/console/, and no view
# (src/console/views/) reaching store.h.
#
#   check_includes.sh CC SRCDIR [-Idir | -DNAME=VALUE]...
# Prints each offending file with the header and exits 1 when there is one.
set -eu
cc=$1
src=$2
shift 2
bad=0
for f in $(find "$src" -name '*.c' | sort); do
    rel=${f#"$src"/}
    # -M lists every header, system ones included, one dependency per continuation line.
    deps=$("$cc" -M "$@" "$f" 2>/dev/null | tr ' \\' '\n\n' | sed -n 's,.*/,/,p') ||
        { echo "check_includes: $cc -M failed on $rel" >&2; exit 2; }
    check() { # check HEADER ALLOWED-PREFIX
        if printf '%s\n' "$deps" | grep -qx "/$1" && case "$rel" in "$2"*) false ;; *) true ;; esac; then
            echo "include violation: $rel includes $1 (only $2 may)"
            bad=1
        fi
    }
    check sqlite3.h store/sqlite/
    check libpq-fe.h store/pg/
    check curl.h sources/fetcher.c
    check curses.h console/
    check ncurses.h console/
    case "$rel" in
        console/views/*)
            if printf '%s\n' "$deps" | grep -qx /store.h; then
                echo "include violation: $rel includes store.h (views read through query.h and the model)"
                bad=1
            fi ;;
    esac
done
[ $bad = 0 ] && echo "includes: ok"
exit $bad
