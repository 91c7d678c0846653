#!/usr/bin/env bash
# CI: builds the libFuzzer targets with clang ($SLATOP_FUZZ_BUILD, default build-fuzz) and runs
# each for a bounded time (SLATOP_FUZZ_SECONDS per target, default 40, two at a time): about 2
# minutes of fuzzing plus the build. Fails on any crash; the failing input is kept in tests/fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${SLATOP_FUZZ_SECONDS:-40}
build=${SLATOP_FUZZ_BUILD:-build-fuzz}
start=$(date +%s)
CC=clang cmake -S . -B "$build" -DSLATOP_FUZZ=ON -DSLATOP_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j 2 --target fuzz_all
echo "=== fuzz build done ($(( $(date +%s) - start )) s)"
sh tests/fuzz/run.sh "$build" "$secs"
echo "=== fuzz done ($(( $(date +%s) - start )) s)"
