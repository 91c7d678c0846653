#!/bin/sh
# Proves that the two layer checks catch what they are for, on small files made here: an upward
# call between two libraries, and a file outside the console including curses.h.
#   selftest.sh CC NM AR
set -eu
cc=$1 nm=$2 ar=$3
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT INT TERM
fail() { echo "selftest: $*" >&2; exit 1; }

# low calls high: a violation; high calls low: fine.
printf 'int high_fn(void);\nint low_fn(void);\nint low_fn(void) { return high_fn(); }\n' >"$t/low.c"
printf 'int low_fn(void);\nint high_fn(void);\nint high_fn(void) { return 1; }\nint top(void);\nint top(void) { return low_fn(); }\n' >"$t/high.c"
"$cc" -c "$t/low.c" -o "$t/low.o" && "$cc" -c "$t/high.c" -o "$t/high.o"
"$ar" rcs "$t/libslatop_high.a" "$t/high.o" && "$ar" rcs "$t/libslatop_low.a" "$t/low.o"
out=$(sh "$here/check_link_layers.sh" "$nm" "$t" high low) && fail "an upward call passed: $out"
echo "$out" | grep -q 'low.o (low) uses high_fn, defined by high.o (high)' || fail "unexpected report: $out"
# Without the upward call the same layers pass.
printf 'int low_fn(void);\nint low_fn(void) { return 0; }\n' >"$t/low.c"
"$cc" -c "$t/low.c" -o "$t/low.o" && rm "$t/libslatop_low.a" && "$ar" rcs "$t/libslatop_low.a" "$t/low.o"
sh "$here/check_link_layers.sh" "$nm" "$t" high low >/dev/null || fail "a clean graph was refused"

mkdir -p "$t/src/console" "$t/src/engine"
printf '#include <curses.h>\nint e(void);\nint e(void) { return 0; }\n' >"$t/src/engine/e.c"
printf '#include <curses.h>\nint c(void);\nint c(void) { return 0; }\n' >"$t/src/console/c.c"
out=$(sh "$here/check_includes.sh" "$cc" "$t/src") && fail "curses.h in the engine passed: $out"
echo "$out" | grep -q 'engine/e.c includes curses.h' || fail "unexpected report: $out"
echo "$out" | grep -q 'console/c.c' && fail "the console's own curses.h was refused: $out"
echo "layer checks selftest: ok"
