#!/bin/sh
# slatop's benchmarks. Each prints one line
#     bench NAME: VALUE UNIT (floor FLOOR UNIT, ratio R)
# with the floor measured in the same run on the same machine, then whether its goal is met.
# Uses the build that `sh share/setup.sh --test` makes (build/, or $SLATOP_BUILD_DIR).
#
#   tests/bench/run.sh           full run (idle: three 30 s windows for each program)
#   tests/bench/run.sh --quick   at most ~4 minutes, every benchmark still measured (idle: 10 s windows)
#   tests/bench/run.sh [--quick] --only idle_bytes_near   just the idle section (idle_bytes_far,
#                                idle_bytes_near and idle_cpu are measured together), then stop
#   tests/bench/run.sh --only list_json_1m [--db-1m FILE]   just list_json_1m (and its _rss line);
#                                on a copy of FILE, a database of 1,000,000 tickets at the current
#                                schema, instead of generating one (11+ minutes)
#
# Exit status: 0 when every goal is met, 1 when one is missed, 2 when a benchmark could not run.
set -eu

quick=0
only=""
db1m=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --only)
            case "${2:-}" in
                idle_bytes_far | idle_bytes_near | idle_cpu) only=idle ;;
                list_json_1m | list_json_1m_rss) only=list_json ;;
                *) echo "run.sh: --only takes idle_bytes_far, idle_bytes_near, idle_cpu or list_json_1m" >&2; exit 2 ;;
            esac
            shift ;;
        --db-1m)
            [ -f "${2:-}" ] || { echo "run.sh: --db-1m '${2:-}': no such file" >&2; exit 2; }
            db1m=$2
            shift ;;
        *) echo "run.sh: unknown argument '$1' (expected --quick, --only NAME or --db-1m FILE)" >&2; exit 2 ;;
    esac
    shift
done

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${SLATOP_BUILD_DIR:-$root/build}
slatop=$build/slatop
tools=$build/bench
for f in "$slatop" "$tools/ptyrun" "$tools/floor_timers" "$tools/slatop_bench" "$tools/floor_select" "$tools/outrun" \
    "$tools/slatop_bench_pg" "$tools/floor_pgquery"; do
    [ -x "$f" ] || { echo "run.sh: $f is missing: run 'sh share/setup.sh --test' first" >&2; exit 2; }
done

work=$(mktemp -d /tmp/slatop-bench.XXXXXX)
prom_pid=""
pg_dir=""
cleanup() {
    [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null
    [ -n "$pg_dir" ] && { sh "$root/tests/pg/pg_server.sh" stop "$pg_dir/srv" 2>/dev/null; rm -rf "$pg_dir"; }
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share" \
    XDG_STATE_HOME="$work/home/.local/state" TZ=UTC LC_ALL=C.UTF-8 TERM=xterm-256color
unset NO_COLOR SLATOP_DB SLATOP_CONFIG 2>/dev/null || true
mkdir -p "$HOME"

if [ "$quick" = 1 ]; then idle_ms=10000; else idle_ms=30000; fi
missed=0

# kv KEY LINE: the value of KEY in a line of key=value pairs.
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# calc EXPR: floating-point arithmetic through awk.
calc() { awk "BEGIN { printf \"%.6g\", ($1) }"; }
# report NAME VALUE UNIT FLOOR GOAL-EXPR GOAL-TEXT (GOAL-EXPR uses v, f, r)
report() {
    ratio=$(calc "$4 > 0 ? $2 / $4 : 0")
    printf 'bench %s: %s %s (floor %s %s, ratio %s)\n' "$1" "$2" "$3" "$4" "$3" "$ratio"
    ok=$(awk -v v="$2" -v f="$4" -v r="$ratio" "BEGIN { print ($5) ? 1 : 0 }")
    if [ "$ok" = 1 ]; then echo "  goal met: $6"; else echo "  GOAL MISSED: $6"; missed=1; fi
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), $(uname -r)"

# db_1m: $work/1m.db, 1,000,000 tickets and their 1,000,000 audit entries: made by the generator,
# or a copy of --db-1m's file, opened once first so that an older schema migrates before any timing.
db_1m() {
    if [ -n "$db1m" ]; then
        cp "$db1m" "$work/1m.db"
        "$slatop" --db "$work/1m.db" list --limit 1 >/dev/null
        echo "  1,000,000 tickets: a copy of $db1m"
    else
        g1m=$("$tools/slatop_bench" gen "$work/1m.db" 1000000)
        echo "  generator: $(kv rate_per_s "$g1m") tickets/s through the store (1,000,000 in $(kv ms "$g1m") ms)"
    fi
}

# --- list_json_1m: `list --json` on 1,000,000 tickets (and their 1,000,000 audit entries) ---------
# The floor: the list's SELECT of the same columns through the SQLite API, written out
# (tests/bench/floor_select.c). Both write to /dev/null, measured by outrun; they alternate and
# each figure is the median of 3.
list_json_1m() {
    : > "$work/lj_ours"; : > "$work/lj_floor"
    for _ in 1 2 3; do
        l=$("$tools/outrun" -- "$slatop" --db "$work/1m.db" list --json)
        [ "$(kv exit_status "$l")" = 0 ] || { echo "run.sh: list --json failed: $l" >&2; exit 2; }
        echo "$(kv ms "$l") $(kv maxrss_kb "$l")" >> "$work/lj_ours"
        l=$("$tools/outrun" -- "$tools/floor_select" "$work/1m.db" 2> "$work/lj_floor_rows")
        echo "$(kv ms "$l") $(kv maxrss_kb "$l")" >> "$work/lj_floor"
    done
    lj_rows=$(kv rows "$(cat "$work/lj_floor_rows")")
    lj_ms=$(cut -d' ' -f1 "$work/lj_ours" | median); lj_rss=$(cut -d' ' -f2 "$work/lj_ours" | median)
    lf_ms=$(cut -d' ' -f1 "$work/lj_floor" | median); lf_rss=$(cut -d' ' -f2 "$work/lj_floor" | median)
    echo "  $lj_rows tickets, $(kv audit_entries "$(cat "$work/lj_floor_rows")") audit entries: list --json $lj_ms ms, $lj_rss kB; floor $lf_ms ms, $lf_rss kB"
    report list_json_1m "$(calc "$lj_rows * 1000 / $lj_ms")" tickets/s "$(calc "$lj_rows * 1000 / $lf_ms")" "r >= 0.5" \
        "rate >= 0.5x the floor"
    report list_json_1m_rss "$(calc "$lj_rss / 1024")" MB "$(calc "$lf_rss / 1024")" "v <= 16" "peak RSS <= 16 MB"
}
if [ "$only" = list_json ]; then
    db_1m
    list_json_1m
    [ "$missed" = 1 ] && { echo "run.sh: a goal was missed"; exit 1; }
    echo "run.sh: every goal met (list_json_1m only)"; exit 0
fi

# --- idle_bytes_far, idle_bytes_near and idle_cpu: 38 ticking countdowns in a 120x40 terminal -----
# far: 38 HIGH tickets, most of them hours from their due time (countdowns read XhYYm and change
# once a minute: SPEC §11); near: 38 URGENT tickets all inside their last hour (M:SS, every second).
# idle_db DB LEVEL STEP: 38 tickets of LEVEL created STEP seconds apart, the newest now.
idle_db() {
    "$slatop" --db "$1" init --policy "$root/share/policies/chatti.json" >/dev/null
    now=$(date -u +%s)
    i=1
    while [ $i -le 38 ]; do
        created=$(date -u -d "@$((now - i * $3))" +%Y-%m-%dT%H:%M:%SZ)
        "$slatop" --db "$1" add --title "Delivery receipts delayed, region $i" --level "$2" \
            --customer "Customer $i" --created "$created" >/dev/null
        i=$((i + 1))
    done
}
db="$work/idle.db"
idle_db "$db" HIGH 97
idle_db "$work/near.db" URGENT 30
# Each window starts half a second past a wall-clock second, so it holds exactly 10 (30) ticks;
# unaligned, it could catch one tick more or less (+-10% of a 10 s window). Floor and slatop
# alternate three times and each figure is the median of its three windows: one window's hiccup
# (a page reclaim, a late tick) moved a 10 s CPU figure by half.
: > "$work/idle_floor"; : > "$work/idle_ours"; : > "$work/idle_near"
for _ in 1 2 3; do
    l=$("$tools/ptyrun" --size 120x40 --warmup-ms 3000 --align-ms 500 --duration-ms $idle_ms -- "$tools/floor_timers")
    echo "$(kv bytes "$l") $(kv window_cpu_s "$l")" >> "$work/idle_floor"
    l=$("$tools/ptyrun" --size 120x40 --warmup-ms 3000 --align-ms 500 --duration-ms $idle_ms -- "$slatop" --db "$db")
    echo "$(kv bytes "$l") $(kv window_cpu_s "$l")" >> "$work/idle_ours"
    l=$("$tools/ptyrun" --size 120x40 --warmup-ms 3000 --align-ms 500 --duration-ms $idle_ms -- "$slatop" --db "$work/near.db")
    echo "$(kv bytes "$l") $(kv window_cpu_s "$l")" >> "$work/idle_near"
done
fb=$(calc "$(cut -d' ' -f1 "$work/idle_floor" | median) * 1000 / $idle_ms")
ob=$(calc "$(cut -d' ' -f1 "$work/idle_ours" | median) * 1000 / $idle_ms")
nb=$(calc "$(cut -d' ' -f1 "$work/idle_near" | median) * 1000 / $idle_ms")
echo "  bytes per window: floor $(cut -d' ' -f1 "$work/idle_floor" | tr '\n' ' ')| far $(cut -d' ' -f1 "$work/idle_ours" | tr '\n' ' ')| near $(cut -d' ' -f1 "$work/idle_near" | tr '\n' ' ')"
report idle_bytes_far "$ob" B/s "$fb" "r <= 0.5" "ratio <= 0.5"
report idle_bytes_near "$nb" B/s "$fb" "r <= 1.0" "ratio <= 1.0"
fc=$(calc "$(cut -d' ' -f2 "$work/idle_floor" | median) * 100000 / $idle_ms")
oc=$(calc "$(cut -d' ' -f2 "$work/idle_ours" | median) * 100000 / $idle_ms")
echo "  CPU s per window: floor $(cut -d' ' -f2 "$work/idle_floor" | tr '\n' ' ')| slatop $(cut -d' ' -f2 "$work/idle_ours" | tr '\n' ' ')"
report idle_cpu "$oc" % "$fc" "v <= 0.05" "<= 0.05% of one core ($(calc "$oc * 0.6") CPU s per minute)"
if [ "$only" = idle ]; then
    [ "$missed" = 1 ] && { echo "run.sh: a goal was missed"; exit 1; }
    echo "run.sh: every goal met (idle only)"; exit 0
fi

# --- first_paint_1m: exec to the first complete list screen with 1,000,000 tickets ----------------
# paint DB: one first screen; appends "ms rss_kb last_output_ms" to $work/paint.DB's name (times to
# the microsecond). The figure is exec to exit, which the screen precedes: the goal is judged on it,
# the stricter; the last output (screen drawn, terminal restored) is shown beside it.
paint() {
    l=$("$tools/ptyrun" --size 120x40 --until-exit --timeout-ms 20000 -- "$slatop" --db "$1" --max-frames 1)
    [ "$(kv exit_status "$l")" = 0 ] || { echo "run.sh: slatop --max-frames 1 failed: $l" >&2; exit 2; }
    echo "$(calc "$(kv exit_us "$l") / 1000") $(kv maxrss_kb "$l") $(calc "$(kv out_us "$l") / 1000")" >> "$work/paint.$(basename "$1")"
}
g10k=$("$tools/slatop_bench" gen "$work/10k.db" 10000)
db_1m
# The floor: the query as a fresh process gets it (open, first query, close: the first screen is
# always a cold start) plus the minimal curses program's start-up. slatop's runs and the floor's
# alternate, so that both meet the machine in the same state; each figure is a median of 9.
: > "$work/paint.10k.db"; : > "$work/paint.1m.db"; : > "$work/curses"; : > "$work/query"; : > "$work/warm"
for _ in 1 2 3 4 5 6 7 8 9; do
    paint "$work/10k.db"
    paint "$work/1m.db"
    l=$("$tools/ptyrun" --size 120x40 --until-exit -- "$tools/floor_timers" --frames 1)
    calc "$(kv exit_us "$l") / 1000" >> "$work/curses"
    echo >> "$work/curses"
    q=$("$tools/slatop_bench" list-floor "$work/1m.db")
    echo "$(kv cold_ms "$q")" >> "$work/query"
    echo "$(kv query_ms "$q")" >> "$work/warm"
done
ms10k=$(cut -d' ' -f1 "$work/paint.10k.db" | median); rss10k=$(cut -d' ' -f2 "$work/paint.10k.db" | median)
ms1m=$(cut -d' ' -f1 "$work/paint.1m.db" | median); rss1m=$(cut -d' ' -f2 "$work/paint.1m.db" | median)
curses_ms=$(median < "$work/curses")
query_ms=$(median < "$work/query")
floor_ms=$(calc "$query_ms + $curses_ms")
echo "  10k tickets: $ms10k ms, $rss10k kB; 1M tickets: $ms1m ms, $rss1m kB (its last output, the screen drawn and the terminal restored: $(cut -d' ' -f3 "$work/paint.1m.db" | median) ms; the rest is the process's exit)"
echo "  floor: query $query_ms ms (fresh connection: open, first query, close; repeated on a warm connection $(median < "$work/warm") ms) + curses start $curses_ms ms"
report first_paint_1m "$ms1m" ms "$floor_ms" "v <= 50 && r <= 2" "<= 50 ms, ratio <= 2"
report first_paint_rss "$(calc "$rss1m / 1024")" MB "$(calc "$rss10k / 1024")" "v <= 16 && r <= 1.25" \
    "peak RSS <= 16 MB and flat from 10k to 1M (floor here: the same console on 10k tickets; ratio <= 1.25)"

list_json_1m

# --- audit_open_1m: `a` -> the first screen of the audit log with 1,000,001 entries -------------
# ptyrun types `a` once the list is drawn; the figure is the time from the key to "Audit log:" on
# the screen (a window of the log by keyset; the chain walk goes on in slices afterwards), and the
# peak RSS. The floor is first_paint_1m's. Median of 5.
: > "$work/audit_open"
for _ in 1 2 3 4 5; do
    l=$("$tools/ptyrun" --size 120x40 --send a --wait-text "Audit log:" --timeout-ms 30000 -- "$slatop" --db "$work/1m.db")
    [ "$(kv wait_ms "$l")" != -1 ] || { echo "run.sh: the audit log never showed: $l" >&2; exit 2; }
    echo "$(( $(kv wait_ms "$l") - $(kv send_ms "$l") )) $(kv maxrss_kb "$l")" >> "$work/audit_open"
done
ao_ms=$(cut -d' ' -f1 "$work/audit_open" | median); ao_rss=$(cut -d' ' -f2 "$work/audit_open" | median)
echo "  key to screen per run: $(cut -d' ' -f1 "$work/audit_open" | tr '\n' ' ')ms; peak RSS $ao_rss kB"
report audit_open_1m "$ao_ms" ms "$floor_ms" "v <= 100" "<= 100 ms"
report audit_open_1m_rss "$(calc "$ao_rss / 1024")" MB 32 "v <= 32" "peak RSS <= 32 MB"

# --- console_rss_1m: peak RSS over a scripted console session at 1,000,000 tickets ---------------
# tests/bench/console_session.keys (a search, each sort, the audit log, a ticket's detail), played
# by ptyrun in a 120x40 pty, each step waiting for its screen; the figure is VmHWM read just before
# the console is stopped. The floor: the same session on 10,000 tickets. Median of 3 each (one
# each with --quick), alternating. A session that does not finish in 120 s misses the goal, with
# its peak so far and the step it waited at.
if [ "$quick" = 1 ]; then sessions=1; else sessions=3; fi
: > "$work/session_1m"; : > "$work/session_10k"; session_stuck=""
s=0
while [ $s -lt $sessions ]; do
    s=$((s + 1))
    for n in 10k 1m; do
        l=$("$tools/ptyrun" --size 120x40 --timeout-ms 120000 --script "$root/tests/bench/console_session.keys" \
            -- "$slatop" --db "$work/$n.db") || true
        [ "$(kv vmhwm_kb "$l")" -gt 0 ] 2>/dev/null ||
            { echo "run.sh: the console session on $n tickets could not be measured: $l" >&2; exit 2; }
        [ "$(kv script_failed "$l")" = 0 ] || session_stuck="$session_stuck $n:step$(kv script_failed "$l")"
        echo "$(kv vmhwm_kb "$l") $(kv script_ms "$l")" >> "$work/session_$n"
    done
done
cs_1m=$(cut -d' ' -f1 "$work/session_1m" | median); cs_10k=$(cut -d' ' -f1 "$work/session_10k" | median)
echo "  session: 1M tickets $(cut -d' ' -f2 "$work/session_1m" | tr '\n' ' ')ms, peak $(cut -d' ' -f1 "$work/session_1m" | tr '\n' ' ')kB; 10k tickets $(cut -d' ' -f2 "$work/session_10k" | tr '\n' ' ')ms, peak $(cut -d' ' -f1 "$work/session_10k" | tr '\n' ' ')kB"
[ -z "$session_stuck" ] || echo "  not finished in 120 s (tests/bench/console_session.keys step):$session_stuck"
report console_rss_1m "$(calc "$cs_1m / 1024")" MB "$(calc "$cs_10k / 1024")" \
    "v <= 32 && r <= 1.5 && $([ -z "$session_stuck" ] && echo 1 || echo 0)" \
    "peak RSS <= 32 MB and <= 1.5x the same session on 10,000 tickets, the session finished"

# --- search_1m, sort_1m, search_state_1m, search_scan_1m, tick_gap_heavy: keys -> screen, 1M -------
# tests/bench/search_1m.sh: five console sessions in a pty (20 searches: ids, rare and common
# words of titles and message bodies, customers, a level, a state; the four sort keys twice; `a`;
# 6 texts under `f breached`; /zq and /low, each with ? and Esc while its matches are read), each
# key timed from its write to the text it brings on the screen, a countdown row sampled every 50 ms
# throughout. p99 of 20 (or 8, or 6) is the slowest. The floor is first_paint_1m's.
"$root/tests/bench/search_1m.sh" "$build" "$work" "$work/1m.db" > "$work/search" || { cat "$work/search" >&2; exit 2; }
p99() { tr ',' '\n' | sort -n | awk '{ a[NR] = $1 } END { i = int(NR * 0.99 + 0.999); print a[i < 1 ? 1 : i] }'; }
s_ms=$(kv step_ms "$(grep '^search ' "$work/search")"); o_ms=$(kv step_ms "$(grep '^sort ' "$work/search")")
echo "  search ms: $s_ms"
echo "  sort ms: $o_ms"
report search_1m "$(printf '%s\n' "$s_ms" | p99)" ms "$floor_ms" "v <= 100" "p99 <= 100 ms"
report sort_1m "$(printf '%s\n' "$o_ms" | p99)" ms "$floor_ms" "v <= 100" "p99 <= 100 ms"
t_ms=$(kv step_ms "$(grep '^state ' "$work/search")")
echo "  search under a state filter ms: $t_ms"
report search_state_1m "$(printf '%s\n' "$t_ms" | p99)" ms "$floor_ms" "v <= 100" "p99 <= 100 ms"
c_ms=$(kv step_ms "$(grep '^scan ' "$work/search")")
echo "  texts no index narrows (/zq ? Esc /low ? Esc) ms: $c_ms; largest gap $(kv gap_ms "$(grep '^scan ' "$work/search")") ms"
report search_scan_1m "$(printf '%s\n' "$c_ms" | p99)" ms "$floor_ms" "v <= 100" "p99 <= 100 ms"
gaps=$(grep -v '^scan ' "$work/search" | sed -n 's/.*gap_ms=//p' | tr '\n' ' ')
echo "  largest tick gap per session (search, sort, audit, state): $gaps"
report tick_gap_heavy "$(printf '%s\n' $gaps | sort -n | tail -n 1)" ms 1000 "v <= 1100" "<= 1.1 s"

# --- reprioritize: a raise through the console's store path -------------------------------------
r=$("$tools/slatop_bench" reprioritize "$work/10k.db" 1000)
echo "  p50 $(kv p50_ms "$r") ms (floor p50 $(kv floor_p50_ms "$r") ms)"
report reprioritize "$(kv p99_ms "$r")" ms "$(kv floor_p99_ms "$r")" "r <= 1.5" "p99 ratio <= 1.5"

# --- due_throughput: every SLA clock (first_response, next_response cycles, resolution) of ticket
# histories with pauses, level changes, resolves and reopenings (SPEC §8, issue 11) ---------------
c=$("$tools/slatop_bench" clocks 200000)
[ "$(kv mismatches "$c")" = 0 ] || { echo "run.sh: the clocks engine disagreed with the reference: $c" >&2; exit 2; }
echo "  $(kv clocks "$c") clocks of $(kv tickets "$c") tickets ($(kv tickets_with_pauses "$c") with pending/on_hold pauses); reference sample $(kv sample_clocks "$c") clocks, $(kv paused_by_status "$c") paused by status"
report due_throughput "$(kv clocks_per_s "$c")" /s "$(kv ref_per_s "$c")" "v >= 1000000 && r >= 100" \
    ">= 1,000,000 clocks/s with pauses and >= 100x the minute-stepping reference"

# --- due_throughput_no_pauses: the first response's due alone (SPEC §2) ----------------------------
d=$("$tools/slatop_bench" due 1000000)
[ "$(kv mismatches "$d")" = 0 ] || { echo "run.sh: the engine disagreed with the reference: $d" >&2; exit 2; }
report due_throughput_no_pauses "$(kv due_per_s "$d")" /s "$(kv ref_per_s "$d")" "v >= 2000000 && r >= 100" \
    ">= 2,000,000/s and >= 100x the minute-stepping reference"

# --- report_month_100k: the SLA report of a month of 100,000 tickets (SPEC §9) ---------------------
g=$("$tools/slatop_bench" report-gen "$work/report.db" 100000)
echo "  generator: $(kv tickets "$g") tickets, $(kv entries "$g") audit entries in March 2026 ($(kv ms "$g") ms)"
# Floor and report alternate, three times each; each figure is the median.
: > "$work/report_ours"; : > "$work/report_floor"; : > "$work/report_rss"
for _ in 1 2 3; do
    f=$("$tools/slatop_bench" report-floor "$work/report.db")
    kv ms "$f" >> "$work/report_floor"
    o=$("$tools/slatop_bench" report-run "$slatop" "$work/report.db")
    kv ms "$o" >> "$work/report_ours"
    kv maxrss_kb "$o" >> "$work/report_rss"
done
echo "  report ms: $(tr '\n' ' ' < "$work/report_ours")| floor (the month's audit entries through the SQLite API) ms: $(tr '\n' ' ' < "$work/report_floor")"
report report_month_100k "$(median < "$work/report_ours")" ms "$(median < "$work/report_floor")" "v <= 1000 && r <= 3" \
    "<= 1 s and ratio <= 3"
report report_month_100k_rss "$(calc "$(sort -n "$work/report_rss" | tail -n 1) / 1024")" MB 32 "v <= 32" \
    "peak RSS <= 32 MB (the worst of 3)"
# report --csv streams its breaches (SPEC §11): its peak RSS must not grow with the month.
o=$("$tools/slatop_bench" report-run "$slatop" "$work/report.db" --csv)
report report_csv_100k_rss "$(calc "$(kv maxrss_kb "$o") / 1024")" MB 32 "v <= 16" "peak RSS <= 16 MB"

# --- live_propagation: a raise in one instance, seen on another instance's screen --------------
db="$work/live.db"
"$slatop" --db "$db" init --policy "$root/share/policies/chatti.json" >/dev/null
id=$("$slatop" --db "$db" add --title "Propagation probe" --level HIGH --customer "Probe-Customer")
: > "$work/live"
for _ in 1 2 3; do
    "$slatop" --db "$db" set-level "$id" HIGH --reason "reset" >/dev/null 2>&1 || true
    l=$("$tools/ptyrun" --size 120x40 --timeout-ms 20000 --wait-text "Probe-Customer" \
        --then-run "'$slatop' --db '$db' raise $id --reason 'bench: live propagation' >/dev/null" \
        --then-wait-row "Probe-Customer,URGENT" -- "$slatop" --db "$db")
    t=$(kv then_ms "$l")
    [ "$t" != -1 ] || { echo "run.sh: the raise never showed on the second instance: $l" >&2; exit 2; }
    echo "$t" >> "$work/live"
done
report live_propagation "$(sort -n "$work/live" | tail -n 1)" ms 1000 "v <= 1000" "<= 1 s (the worst of 3)"

# --- live_propagation_pg: the same on PostgreSQL (LISTEN/NOTIFY), against the server's own NOTIFY --
l=$("$root/tests/bench/live_pg.sh" "$build" "$work") || exit 2
echo "  rounds (ms): $(kv rounds "$l")"
report live_propagation_pg "$(kv worst_ms "$l")" ms "$(kv floor_ms "$l")" "v <= 50" "<= 50 ms (the worst of 3)"

# --- uptime_month: parse + compute of a month against the real Prometheus's own time -------------
"$root/tests/bench/uptime_month.sh" "$build" "$work" > "$work/uptime" || { cat "$work/uptime" >&2; exit 2; }
u=$(tail -n 1 "$work/uptime")
report uptime_month "$(kv parse_ms "$u")" ms "$(kv prometheus_ms "$u")" "r <= 0.10" "<= 10% of Prometheus's time"
report uptime_month_mem "$(calc "$(kv peak_extra_kb "$u") / 1024")" MB 8 "v <= 8" "peak memory <= 8 MB"

# --- reprioritize_pg and first_paint_pg_1m: on a throwaway PostgreSQL server (SPEC §10) -----------
# tests/pg/pg_server.sh starts one in a temporary directory (Unix socket only; fsync and
# synchronous_commit off, as in the tests: floor and slatop alike). Without PostgreSQL's server
# binaries both are skipped with one line each, neither met nor missed. The databases are the
# SQLite ones above, moved with `slatop migrate --to` (its time is printed).
pg_dir=$(mktemp -d /tmp/slatop-bench-pg.XXXXXX)
chmod 755 "$pg_dir" # as root the server runs as the postgres user
pg_rc=0
pg_env=$(sh "$root/tests/pg/pg_server.sh" start "$pg_dir/srv" 2> "$work/pg_err") || pg_rc=$?
if [ "$pg_rc" = 77 ]; then
    rm -rf "$pg_dir"; pg_dir=""
    for b in reprioritize_pg first_paint_pg_1m search_1m_pg sort_1m_pg search_state_1m_pg search_scan_1m_pg \
        tick_gap_heavy_pg; do
        echo "bench $b: skipped (no PostgreSQL server binaries (initdb): sh share/setup.sh --test)"
    done
elif [ "$pg_rc" != 0 ]; then
    echo "run.sh: the PostgreSQL server did not start: $(cat "$work/pg_err")" >&2; exit 2
else
    eval "$pg_env"
    pg_migrate() { # pg_migrate DB URI: prints the seconds it took
        t0=$(date +%s.%N)
        "$slatop" --db "$1" migrate --to "$2" > /dev/null 2> "$work/pg_err" ||
            { echo "run.sh: migrate $1 failed: $(cat "$work/pg_err")" >&2; exit 2; }
        calc "$(date +%s.%N) - $t0"
    }
    # reprioritize_pg: as reprioritize, on the 10k database moved to PostgreSQL; the floor is an
    # UPDATE + INSERT commit through libpq on the same database, interleaved.
    pg_migrate "$work/10k.db" postgresql:///bench10k > /dev/null
    # At rest before it is timed, as first_paint_pg_1m below: right after the copy an autovacuum
    # worker analyzes the new tables on one of the two cores, under both the raises and the floor.
    "$tools/slatop_bench_pg" settle postgresql:///bench10k > /dev/null || { echo "run.sh: settle failed" >&2; exit 2; }
    r=$("$tools/slatop_bench_pg" reprioritize postgresql:///bench10k 1000)
    echo "  p50 $(kv p50_ms "$r") ms (floor p50 $(kv floor_p50_ms "$r") ms)"
    report reprioritize_pg "$(kv p99_ms "$r")" ms "$(kv floor_p99_ms "$r")" "r <= 1.5" "p99 ratio <= 1.5"
    # first_paint_pg_1m: as first_paint_1m, on the 1M database moved to PostgreSQL. The floor is the
    # query as a fresh process gets it: libpq loaded (a fresh process must load it to connect at all;
    # slatop dlopens it too, binding eagerly, where the floor takes the cheaper lazy binding),
    # connect, the first screen's query, close (floor_pgquery, timed inside the process), plus the
    # curses start above. first_paint_1m's floor leaves out its library's load (libsqlite3, one
    # library mapped at exec); libpq's is 22 libraries. Until fec3ba3 this floor left it out too:
    # that figure is printed as a bench line of its own, a reference judged against no goal.
    s1m=$(pg_migrate "$work/1m.db" postgresql:///bench1m)
    echo "  migrate: 1,000,000 tickets and their audit entries into PostgreSQL in $s1m s"
    # At rest before it is timed: right after the bulk load an autovacuum worker and the
    # checkpointer took one of the two cores for minutes (first paints of 24-26 ms against 19).
    st=$("$tools/slatop_bench_pg" settle postgresql:///bench1m) || { echo "run.sh: settle failed" >&2; exit 2; }
    echo "  settled (VACUUM ANALYZE, CHECKPOINT) in $(kv ms "$st") ms"
    : > "$work/paint_pg"; : > "$work/load_pg"; : > "$work/query_pg"; : > "$work/conn_pg"; : > "$work/warm_pg"
    : > "$work/proc_pg"
    for _ in 1 2 3 4 5 6 7 8 9; do
        l=$("$tools/ptyrun" --size 120x40 --until-exit --timeout-ms 20000 -- "$slatop" --db postgresql:///bench1m --max-frames 1)
        [ "$(kv exit_status "$l")" = 0 ] || { echo "run.sh: slatop --max-frames 1 on PostgreSQL failed: $l" >&2; exit 2; }
        echo "$(calc "$(kv exit_us "$l") / 1000") $(kv maxrss_kb "$l") $(calc "$(kv out_us "$l") / 1000")" >> "$work/paint_pg"
        f=$("$tools/floor_pgquery" postgresql:///bench1m) ||
            { echo "run.sh: floor_pgquery exited with status $? (its reason above)" >&2; exit 2; }
        kv load_ms "$f" >> "$work/load_pg"
        kv cold_ms "$f" >> "$work/query_pg"
        q=$("$tools/slatop_bench_pg" list-floor postgresql:///bench1m)
        kv cold_ms "$q" >> "$work/conn_pg"
        kv query_ms "$q" >> "$work/warm_pg"
        p=$("$tools/ptyrun" --size 120x40 --until-exit --timeout-ms 20000 -- "$tools/floor_pgquery" postgresql:///bench1m)
        [ "$(kv exit_status "$p")" = 0 ] || { echo "run.sh: floor_pgquery failed: $p" >&2; exit 2; }
        echo "$(calc "$(kv exit_us "$p") / 1000")" >> "$work/proc_pg"
    done
    mspg=$(cut -d' ' -f1 "$work/paint_pg" | median); rsspg=$(cut -d' ' -f2 "$work/paint_pg" | median)
    lpg=$(median < "$work/load_pg"); qpg=$(median < "$work/query_pg")
    echo "  1M tickets on PostgreSQL: $mspg ms, $rsspg kB; per run: $(cut -d' ' -f1 "$work/paint_pg" | tr '\n' ' ')ms; its last output $(cut -d' ' -f3 "$work/paint_pg" | median) ms"
    echo "  floor: libpq's load $lpg ms + query $qpg ms (fresh connection: connect, first query, close; repeated on a warm connection $(median < "$work/warm_pg") ms) + curses start $curses_ms ms"
    fpg=$(calc "$lpg + $qpg + $curses_ms")
    report first_paint_pg_1m "$mspg" ms "$fpg" "v <= 50 && r <= 2" "<= 50 ms, ratio <= 2"
    # Beside the floor, not instead of it: the floor without libpq's load (the connection's query
    # alone, in a process that had libpq mapped at exec: the floor before fec3ba3), and the floor's
    # program timed as slatop is, exec to exit.
    cpg=$(median < "$work/conn_pg"); ppg=$(median < "$work/proc_pg")
    printf 'bench first_paint_pg_1m_without_load: %s ms (floor %s ms, ratio %s)\n' "$mspg" \
        "$(calc "$cpg + $curses_ms")" "$(calc "$mspg / ($cpg + $curses_ms)")"
    echo "  a reference, judged against no goal: the floor before fec3ba3 (a fresh connection's query in a" \
        "process with libpq mapped at exec, + curses start); 2 would be the goal's ratio"
    echo "  for reference: floor_pgquery exec to exit $ppg ms, with the curses start $(calc "$ppg + $curses_ms") ms" \
        "(ratio $(calc "$mspg / ($ppg + $curses_ms)"))"
    # search_1m_pg, sort_1m_pg, search_state_1m_pg, tick_gap_heavy_pg: search_1m.sh's sessions on
    # the same database moved to PostgreSQL, every key timed there too; the floor is
    # first_paint_pg_1m's.
    "$root/tests/bench/search_1m.sh" "$build" "$work/pg_keys" postgresql:///bench1m > "$work/search_pg" ||
        { cat "$work/search_pg" >&2; exit 2; }
    s_ms=$(kv step_ms "$(grep '^search ' "$work/search_pg")"); o_ms=$(kv step_ms "$(grep '^sort ' "$work/search_pg")")
    echo "  search ms: $s_ms"
    echo "  sort ms: $o_ms"
    report search_1m_pg "$(printf '%s\n' "$s_ms" | p99)" ms "$fpg" "v <= 100" "p99 <= 100 ms"
    report sort_1m_pg "$(printf '%s\n' "$o_ms" | p99)" ms "$fpg" "v <= 100" "p99 <= 100 ms"
    t_ms=$(kv step_ms "$(grep '^state ' "$work/search_pg")")
    echo "  search under a state filter ms: $t_ms"
    report search_state_1m_pg "$(printf '%s\n' "$t_ms" | p99)" ms "$fpg" "v <= 100" \
        "p99 <= 100 ms"
    c_ms=$(kv step_ms "$(grep '^scan ' "$work/search_pg")")
    echo "  texts no index narrows (/zq ? Esc /low ? Esc) ms: $c_ms; largest gap $(kv gap_ms "$(grep '^scan ' "$work/search_pg")") ms"
    report search_scan_1m_pg "$(printf '%s\n' "$c_ms" | p99)" ms "$fpg" "v <= 100" \
        "p99 <= 100 ms"
    gaps=$(grep -v '^scan ' "$work/search_pg" | sed -n 's/.*gap_ms=//p' | tr '\n' ' ')
    echo "  largest tick gap per session (search, sort, audit, state): $gaps"
    report tick_gap_heavy_pg "$(printf '%s\n' $gaps | sort -n | tail -n 1)" ms 1000 "v <= 1100" "<= 1.1 s"
fi

if [ "$missed" = 1 ]; then echo "run.sh: a goal was missed"; exit 1; fi
echo "run.sh: every goal met"
