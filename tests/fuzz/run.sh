#!/bin/sh
# Runs every libFuzzer target for a bounded time, two at a time (2 cores), each on a scratch
# corpus seeded from tests/fuzz/corpus/<target>/ (so the seeds, including every earlier crash
# kept as regress-*, are replayed first). Prints the executions per target. Any crash, leak,
# timeout or out-of-memory input is copied into the seed corpus as a regression input and fails
# the run. Usage: run.sh BUILD_DIR [SECONDS_PER_TARGET]
set -u
build=${1:?usage: run.sh BUILD_DIR [SECONDS_PER_TARGET]}
secs=${2:-40}
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/tests/fuzz
targets="fuzz_policy fuzz_import fuzz_prometheus fuzz_statuspage fuzz_text fuzz_config"
work=$(mktemp -d "${TMPDIR:-/tmp}/slatop-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

run_one() {
    t=$1
    mkdir -p "$work/$t/corpus" "$work/$t/artifacts" "$here/corpus/$t"
    "$bin/$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/$t/artifacts/" "$work/$t/corpus" "$here/corpus/$t" \
        >"$work/$t/log" 2>&1
    echo $? >"$work/$t/rc"
}

set -- $targets
while [ $# -gt 0 ]; do
    run_one "$1" &
    if [ $# -gt 1 ]; then
        run_one "$2" &
        shift
    fi
    shift
    wait
done

fail=0
total=0
for t in $targets; do
    rc=$(cat "$work/$t/rc" 2>/dev/null || echo 99)
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$work/$t/log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$work/$t/log" | tail -n 1)
    echo "$t: ${execs:-?} executions in ${secs} s (${cov:-cov: ?}), exit $rc"
    total=$((total + ${execs:-0}))
    for a in "$work/$t/artifacts/"*; do
        [ -e "$a" ] || continue
        fail=1
        known=
        for c in "$here/corpus/$t/"*; do
            if cmp -s "$a" "$c"; then
                known=$c
                break
            fi
        done
        if [ -n "$known" ]; then
            echo "  $t: regression input ${known#"$here"/} still fails"
            continue
        fi
        name=regress-$(basename "$a")
        cp "$a" "$here/corpus/$t/$name"
        echo "  $t: failing input saved as tests/fuzz/corpus/$t/$name (commit it as a regression input)"
    done
    if [ "$rc" != 0 ]; then
        echo "  $t failed; the end of its log:"
        tail -n 40 "$work/$t/log" | sed 's/^/    /'
        fail=1
    fi
done
echo "fuzz: $total executions in total"
exit $fail
