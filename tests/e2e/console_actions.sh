#!/bin/sh
# The console's write actions for the whole ticket life (issue 11, SPEC §8) in a real pty (tmux):
# a reply and a note written through a scripted $EDITOR, checked with `show --json` and the audit
# log; an empty file and a failing editor cancel (nothing recorded, the temp file removed); the
# terminal is the editor's while it runs (the console neither draws nor spins) and comes back
# redrawn at the size the window was resized to meanwhile; pending with a reason, then a customer
# message from outside reopening it, seen live in the detail view; a stale version refused with
# who changed it; resolve, reopen, raise and assign from the detail view, each audited.
. "$SLATOP_SOURCE_DIR/tests/e2e/lib/console_lib.sh"
unset VISUAL EDITOR

"$BIN" --db "$DB" init --policy "$SLATOP_SOURCE_DIR/share/policies/haptik.json" >/dev/null || fail "init"
ID=$("$BIN" --db "$DB" add --title "Editor target" --level S2 --customer Acme) || fail "add"
show() { "$BIN" --db "$DB" show "$ID" --json || fail "show $ID"; }
audit() { "$BIN" --db "$DB" audit "$ID" --json || fail "audit $ID"; }
count() { printf '%s' "$1" | grep -o -- "$2" | wc -l; }

# The scripted editor: what it does is in $T/mode (reply, note, empty, fail; "hold" also waits
# for $T/go). It leaves its parent's pid, the file's path and the file as given for the checks.
cat >"$T/editor.sh" <<'EOF'
#!/bin/sh
dir=$(dirname "$0")
mode=$(cat "$dir/mode")
echo "$PPID" >"$dir/editor.ppid"
echo "$1" >"$dir/editor.path"
cp "$1" "$dir/editor.seen"
printf '\033[2J\033[HEDITOR-RUNNING %s\n' "$mode"
case $mode in
*hold*) i=0; while [ ! -e "$dir/go" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done ;;
esac
case $mode in
*reply*) printf 'Thanks, we are on it.\nA fix ships tonight.\n' >>"$1" ;;
*note*) printf '# not part of it\nCustomer is on the old SDK.\n' >>"$1" ;;
*fail*) exit 3 ;;
esac
exit 0
EOF
chmod +x "$T/editor.sh"

start_console ac TERM=xterm-256color LC_ALL=C.UTF-8 "EDITOR=$T/editor.sh" -- --db "$DB"
wait_for ac "Editor target" 10

# --- a reply, with the window resized while the editor holds the terminal ---
echo hold-reply >"$T/mode"
tmx send-keys -t e2e:ac e
i=0; while [ ! -s "$T/editor.ppid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/editor.ppid" ] || fail "the editor did not start"
wait_for ac "EDITOR-RUNNING hold-reply" 5
pid=$(cat "$T/editor.ppid")
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
c0=$(cpu "$pid")
tmx resize-window -t e2e:ac -x 100 -y 30
sleep 1.5
c1=$(cpu "$pid")
screen ac | grep -q "EDITOR-RUNNING" || fail "the console drew over the editor"
screen ac | grep -q "COUNTDOWN" && fail "the console drew while the editor ran"
echo "console CPU while the editor ran 1.5 s: $((c1 - c0)) ticks"
[ $((c1 - c0)) -le 5 ] || fail "the console spun while the editor ran: $((c1 - c0)) ticks in 1.5 s"
touch "$T/go"
wait_for ac "#$ID: reply recorded" 10
rm -f "$T/go"
s=$(screen ac)
printf '%s\n' "$s" | grep -q "EDITOR-RUNNING" && fail "the editor's output is left on the screen"
printf '%s\n' "$s" | grep -q "COUNTDOWN" || fail "the list is not redrawn after the editor"
printf '%s\n' "$s" | grep -q "Editor target" || fail "the ticket's row is not redrawn after the editor"
last=$(printf '%s\n' "$s" | sed -n 30p)
printf '%s\n' "$last" | grep -q "UTC" || fail "the status line is not on row 30 after the resize: '$last'"
[ "$(printf '%s\n' "$s" | wc -l)" -eq 30 ] || fail "the pane is not 30 rows"
grep -q "^# Reply on ticket #$ID: Editor target$" "$T/editor.seen" || fail "header: $(cat "$T/editor.seen")"
grep -q "^# Lines starting with # are removed; an empty message cancels.$" "$T/editor.seen" || fail "header rules"
[ -e "$(cat "$T/editor.path")" ] && fail "the temp file was not removed"
j=$(show)
printf '%s' "$j" | grep -q '"kind":"reply","author":"[^"]*","at":"[^"]*","recorded_at":"[^"]*","body":"Thanks, we are on it.\\nA fix ships tonight."' ||
    fail "the reply is not recorded with its body: $j"
printf '%s' "$j" | grep -q '"first_response":null' && fail "the reply did not record the first response"
printf '%s' "$j" | grep -q '"metric":"first_response","cycle":1,[^}]*"state":"met"' || fail "first_response not met: $j"
audit | grep -q '"kind":"message"[^}]*"message_kind":"reply"' || fail "the reply is not audited"

# --- a note: comment lines dropped, stops nothing, audited ---
echo note >"$T/mode"
tmx send-keys -t e2e:ac n
wait_for ac "#$ID: note recorded" 10
grep -q "^# Note on ticket #$ID: Editor target$" "$T/editor.seen" || fail "note header"
screen ac | grep -q "EDITOR-RUNNING" && fail "the editor's output is left on the screen after the note"
j=$(show)
printf '%s' "$j" | grep -q '"kind":"note","author":"[^"]*","at":"[^"]*","recorded_at":"[^"]*","body":"Customer is on the old SDK."' ||
    fail "the note is not recorded: $j"
audit | grep -q '"message_kind":"note"' || fail "the note is not audited"

# --- an empty file and a failing editor cancel: nothing recorded, the file removed ---
n_before=$(count "$(show)" '"kind":"\(reply\|note\|customer\)"')
echo empty >"$T/mode"
tmx send-keys -t e2e:ac e
wait_for ac "reply #$ID cancelled: empty message" 10
[ -e "$(cat "$T/editor.path")" ] && fail "the temp file of a cancelled reply was not removed"
echo fail >"$T/mode"
tmx send-keys -t e2e:ac n
wait_for ac "note #$ID cancelled: the editor exited with status 3" 10
[ "$(count "$(show)" '"kind":"\(reply\|note\|customer\)"')" -eq "$n_before" ] || fail "a cancelled message was recorded"

# --- a reply refused as stale (another engineer changed the ticket meanwhile): the text is kept ---
tmx resize-window -t e2e:ac -x 120 -y 40
echo hold-reply >"$T/mode"
rm -f "$T/editor.ppid"
tmx send-keys -t e2e:ac e
wait_for ac "EDITOR-RUNNING hold-reply" 5
"$BIN" --db "$DB" assign "$ID" --to "someone-else" >/dev/null || fail "assign from outside"
touch "$T/go"
wait_for ac "not recorded, kept in" 10
rm -f "$T/go"
kept=$(cat "$T/editor.path")
screen ac | grep -q "ticket $ID changed" || fail "the stale reply does not say the ticket changed"
grep -q "A fix ships tonight." "$kept" || fail "the refused reply's text is not kept in $kept"
rm -f "$kept"
[ "$(count "$(show)" '"kind":"\(reply\|note\|customer\)"')" -eq "$n_before" ] || fail "a stale reply was recorded"

# prompt KEY PROMPT-TEXT TYPED DONE-TEXT [COMMAND]: a key whose prompt shows, COMMAND run while
# it is open, the text typed, Enter, and what the status line then says (on a line other than the
# prompt's title, which may hold it: "#1 pending (waiting on the customer): reason").
prompt() {
    tmx send-keys -t e2e:ac "$1"
    wait_for ac "$2" 5
    [ $# -ge 5 ] && { eval "$5" || fail "$5"; }
    tmx send-keys -t e2e:ac C-u
    tmx send-keys -t e2e:ac -l "$3"
    tmx send-keys -t e2e:ac Enter
    wait_for_line ac "$4" "$2" 5
}

# --- pending with a reason; a customer message from outside reopens it, live in the detail ---
tmx send-keys -t e2e:ac p
wait_for ac "pending (waiting on the customer): reason (required)" 5
tmx send-keys -t e2e:ac Enter
wait_for ac "required: type something" 5
tmx send-keys -t e2e:ac Escape
prompt p "pending (waiting on the customer)" "waiting for the logs" "#$ID pending"
show | grep -q '"status":"pending"' || fail "not pending"
audit | grep -q '"kind":"status_changed"[^}]*"reason":"waiting for the logs"[^}]*"from_status":"open","to_status":"pending"' ||
    fail "the pending change is not audited with its reason"
tmx send-keys -t e2e:ac Enter
wait_for ac "Status     pending" 5
"$BIN" --db "$DB" message "$ID" --body "here are the logs" >/dev/null || fail "message from outside"
wait_for ac "Status     open" 3
audit | grep -q '"kind":"status_changed"[^}]*"reason":"customer message"[^}]*"to_status":"open"' ||
    fail "the reopening by the customer message is not audited"

# --- a stale version: the prompt opened, another engineer assigns, the change is refused ---
prompt h "on hold (waiting on a third party)" "vendor ticket 42" "changed since version" \
    '"$BIN" --db "$DB" assign "$ID" --to other-engineer >/dev/null'
show | grep -q '"status":"open"' || fail "a refused change changed the status"

# --- resolve, reopen, raise and assign from the detail view ---
tmx send-keys -t e2e:ac X
wait_for ac "Resolve #$ID now?" 5
tmx send-keys -t e2e:ac y
wait_for ac "#$ID resolved" 5
wait_for ac "Status     resolved" 5
show | grep -q '"status":"resolved"' || fail "not resolved"
audit | grep -q '"kind":"resolved"[^}]*"from_status":"open","to_status":"resolved"' || fail "resolve not audited"
tmx send-keys -t e2e:ac X
wait_for ac "#$ID is already resolved" 5
prompt O "Reopen #$ID: reason (required)" "customer says it is back" "#$ID reopened"
show | grep -q '"status":"open"' || fail "not reopened"
show | grep -q '"resolved":null' || fail "resolved is not null after the reopen"
audit | grep -q '"kind":"reopened"[^}]*"reason":"customer says it is back"[^}]*"to_status":"open"' ||
    fail "reopen not audited with its reason"
tmx send-keys -t e2e:ac +
wait_for ac "Raise #$ID" 5
tmx send-keys -t e2e:ac -l "escalated by phone"
tmx send-keys -t e2e:ac Enter
tmx send-keys -t e2e:ac y
wait_for ac "S2 → S1" 5
show | grep -q '"level":"S1"' || fail "not raised from the detail view"
audit | grep -q '"kind":"reprioritized"[^}]*"from_level":"S2","to_level":"S1"[^}]*"reason":"escalated by phone"' ||
    fail "raise not audited"
prompt A "Assign to (name)" "dana" "#$ID assigned to dana"
audit | grep -q '"kind":"assigned"[^}]*"detail":"dana"' || fail "assign not audited"
# open again from pending: the reason is optional, Enter alone does it
prompt p "pending (waiting on the customer)" "asked for a screenshot" "#$ID pending"
tmx send-keys -t e2e:ac o
wait_for ac "open (waiting on the support team): reason (optional)" 5
tmx send-keys -t e2e:ac Enter
wait_for_line ac "#$ID open" "waiting on the support team" 5
show | grep -q '"status":"open"' || fail "not open again"
audit | grep -q '"kind":"status_changed"[^}]*"reason":null[^}]*"from_status":"pending","to_status":"open"' ||
    fail "the change to open is not audited"
tmx send-keys -t e2e:ac o
wait_for ac "#$ID is already open" 5
"$BIN" --db "$DB" audit verify >/dev/null || fail "audit verify"
tmx send-keys -t e2e:ac q
wait_for ac "COUNTDOWN" 5
quit_and_check ac

# --- read-only: every write action refused, nothing opened ---
start_console ro TERM=xterm-256color LC_ALL=C.UTF-8 "EDITOR=$T/editor.sh" -- --db "$DB" --read-only
wait_for ro "Editor target" 10
rm -f "$T/editor.ppid"
n_audit=$(count "$(audit)" '"seq"')
for k in e n p h o X O; do
    tmx send-keys -t e2e:ro "$k"
    wait_for ro "read-only: changes are refused" 5
    tmx send-keys -t e2e:ro j
done
[ -e "$T/editor.ppid" ] && fail "the editor ran in a read-only console"
[ "$(count "$(audit)" '"seq"')" -eq "$n_audit" ] || fail "a read-only console wrote to the audit log"
quit_and_check ro
echo "ok: reply and note through \$EDITOR, cancels, handover, statuses, resolve/reopen from the detail"
