#!/bin/sh
# Hostile text never reaches the terminal raw: titles, customers, assignees and reasons carrying
# OSC 0/8/52, CSI clear/cursor/DSR/window-report, a C1 CSI, BS/CR, bidi override, zero-width and
# invalid UTF-8 are added through the command line, the console shows the list, a detail and the
# audit log, and every byte it wrote (tmux pipe-pane) is searched for the raw sequences. Done in
# UTF-8 and in the C locale (where nothing but ASCII may be written).
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/console_lib.sh"

"$BIN" --db "$DB" init --policy "$SLATOP_SOURCE_DIR/share/policies/chatti.json" >/dev/null || fail "init"
E=$(printf '\033')
add() { "$BIN" --db "$DB" add --level "$1" --title "$2" --customer "$3" || fail "add: $2"; }
ID1=$(add URGENT "$(printf 'T1 \033]0;PWNED-TITLE\007 osc0 \033]8;;http://evil.example/\033\\link\033]8;;\033\\ end')" \
    "$(printf 'C1 \033]52;c;cHduZWQ=\007 clip')")
ID2=$(add HIGH "$(printf 'T2 MARKA\033[2J MARKB\033[10;10H dsr\033[6n win\033[21t')" \
    "$(printf 'C2 c1csi\302\2336n end')")
ID3=$(add LOW "$(printf 'T3 XQ\010ZQ YQ\rWQ bidi\342\200\256desrever zw\342\200\213x bad\377\376end')" "$(printf 'C3 \033[31mred')")
"$BIN" --db "$DB" assign "$ID2" --to "$(printf 'A \033]0;PWNED-ASSIGNEE\007')" >/dev/null || fail "assign"
"$BIN" --db "$DB" raise "$ID3" --reason "$(printf 'R \033]52;c;cmVhc29u\007 \302\233 2J \342\200\256')" >/dev/null ||
    fail "raise with a hostile reason"

check_raw() { # FILE LABEL: none of the hostile sequences is in the bytes written
    for pat in "${E}]0;PWNED" "${E}]8;;http" "${E}]52;" "MARKA${E}[2J" "MARKB${E}[10;10H" "dsr${E}[6n" "win${E}[21t" \
        "$(printf '\302\233')" "$(printf 'XQ\010ZQ')" "$(printf 'YQ\rWQ')" "$(printf '\342\200\256')" \
        "$(printf '\342\200\213')" "$(printf '\377')" "$(printf '\033[31mred')"; do
        if LC_ALL=C grep -a -F -q -- "$pat" "$1"; then
            fail "$2: raw hostile bytes reached the terminal: $(printf '%s' "$pat" | od -c | head -n 2)"
        fi
    done
    for seen in PWNED-TITLE MARKA MARKB PWNED-ASSIGNEE desrever; do # drawn, defused
        LC_ALL=C grep -a -F -q -- "$seen" "$1" || fail "$2: '$seen' was never drawn: the check would prove nothing"
    done
}

for loc in C.UTF-8 C; do
    w=h$(echo "$loc" | tr -d '.-')
    raw="$T/$w.raw"
    : >"$raw"
    start_console "$w" TERM=xterm-256color LC_ALL=$loc -- --db "$DB"
    tmx pipe-pane -o -t "e2e:$w" "cat >>'$raw'"
    wait_for "$w" "COUNTDOWN" 10
    wait_for "$w" "T1 " 5
    if [ "$loc" = C.UTF-8 ]; then
        wait_for "$w" "$(printf '\342\220\233')]0;PWNED" 5 # the ESC shows as the visible U+241B
    else
        wait_for "$w" "?]0;PWNED" 5
    fi
    for k in Enter q j Enter q j Enter q a G; do # each ticket's detail, then the audit log
        tmx send-keys -t "e2e:$w" "$k"
        sleep 0.15
    done
    wait_for "$w" "chain verifies" 5
    sleep 0.3
    tmx send-keys -t "e2e:$w" q # back from the audit log to the list
    wait_for "$w" "COUNTDOWN" 5
    quit_and_check "$w"
    sleep 0.2
    check_raw "$raw" "LC_ALL=$loc"
    if [ "$loc" = C ] && LC_ALL=C grep -a -q "$(printf '[\200-\377]')" "$raw"; then
        fail "LC_ALL=C: the console wrote non-ASCII bytes"
    fi
done
echo "ok: hostile text shown as placeholders, never raw"
