#!/bin/sh
# The shell completions come from the command table: bash's is loaded into a test bash and asked
# with complete/compgen; zsh's and fish's are checked for the same words (and parsed by their
# shells where installed). An unknown shell is a usage error naming the valid ones.
set -u
BIN=${SLATOP_BINARY:?}
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d /tmp/slatop-compl-XXXXXX)
trap 'rm -rf "$T"' EXIT
command -v bash >/dev/null || fail "bash is needed"
"$BIN" completion bash >"$T/slatop.bash" || fail "completion bash"
"$BIN" completion zsh >"$T/_slatop" || fail "completion zsh"
"$BIN" completion fish >"$T/slatop.fish" || fail "completion fish"
if "$BIN" completion tcsh >/dev/null 2>"$T/err"; then fail "tcsh accepted"; fi
grep -q "unknown shell 'tcsh' (valid: bash, zsh, fish)" "$T/err" || { cat "$T/err" >&2; fail "tcsh error"; }

# complete COMP-LINE: the words bash offers for the last word of the line (empty last word when
# the line ends in a space).
cat >"$T/ask.bash" <<'EOS'
. "$1"
shift
complete -p slatop >/dev/null || { echo "no complete for slatop"; exit 1; }
line=$1
read -ra COMP_WORDS <<<"$line"
[ "${line% }" != "$line" ] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
_slatop slatop "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}" | sort
EOS
ask() { (cd "$T" && bash "$T/ask.bash" "$T/slatop.bash" "$1"); }
expect() { # LINE WORD...: each WORD is offered
    line=$1; shift
    out=$(ask "$line") || fail "'$line': $out"
    for w in "$@"; do
        printf '%s\n' "$out" | grep -qx -- "$w" || { printf '%s\n' "$out" >&2; fail "'$line' does not offer '$w'"; }
    done
}
expect_not() { # LINE WORD
    out=$(ask "$1")
    if printf '%s\n' "$out" | grep -qx -- "$2"; then fail "'$1' offers '$2'"; fi
}
expect "slatop " list add raise set-level help --db --demo
expect "slatop li" list
expect_not "slatop li" add
expect "slatop --db x.db ra" raise
expect "slatop add --" --title --level --customer --created --help --db
expect_not "slatop add --" --json
expect "slatop list --" --json --all
expect "slatop help se" set-level
expect "slatop audit --f" --format
: >"$T/policy-one.json"
expect "slatop init --policy policy-" policy-one.json
expect "slatop --db poli" policy-one.json

# Every command and every option of the table is in each script.
"$BIN" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z-][a-z-]*\).*/\1/p' | sort -u >"$T/cmds"
[ "$(wc -l <"$T/cmds")" -ge 10 ] || fail "too few commands read from --help"
while read -r c; do
    grep -q "$c" "$T/_slatop" || fail "zsh lacks $c"
    grep -q -- "-a $c " "$T/slatop.fish" || fail "fish lacks $c"
    "$BIN" help "$c" | sed -n 's/^  --\([a-z-]*\).*/\1/p' | while read -r o; do
        grep -q -- "'--$o\[" "$T/_slatop" || fail "zsh lacks $c --$o"
        grep -q "from $c' -l $o " "$T/slatop.fish" || fail "fish lacks $c --$o"
        out=$(ask "slatop $c --") && printf '%s\n' "$out" | grep -qx -- "--$o" || fail "bash lacks $c --$o"
    done || exit 1
done <"$T/cmds"
if command -v zsh >/dev/null; then zsh -n "$T/_slatop" || fail "zsh cannot parse its script"; fi
if command -v fish >/dev/null; then fish -n "$T/slatop.fish" || fail "fish cannot parse its script"; fi

# The build wrote the same scripts for cmake --install.
if [ -n "${SLATOP_BUILD_DIR:-}" ]; then
    cmp -s "$T/slatop.bash" "$SLATOP_BUILD_DIR/completions/slatop" || fail "build's bash script differs"
    cmp -s "$T/_slatop" "$SLATOP_BUILD_DIR/completions/_slatop" || fail "build's zsh script differs"
    cmp -s "$T/slatop.fish" "$SLATOP_BUILD_DIR/completions/slatop.fish" || fail "build's fish script differs"
fi
echo ok
