#!/bin/sh
# The Debian package (issue 12, Deliver): cpack -G DEB in the build directory makes a .deb whose
# dependencies dpkg-shlibdeps computed (plus libssl3, which is dlopen'd); dpkg -x unpacks it and
# the unpacked binary runs: --version, init with the shipped policy at the path the binary itself
# names (its installed path under the package's prefix), add, list.
set -u
BIN=${SLATOP_BINARY:?SLATOP_BINARY not set}
BUILD=${SLATOP_BUILD_DIR:?SLATOP_BUILD_DIR not set}
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d /tmp/slatop-deb-XXXXXX)
trap 'rm -rf "$T"' EXIT
export HOME="$T" XDG_STATE_HOME="$T/state" XDG_DATA_HOME="$T/data" XDG_CONFIG_HOME="$T/config"
unset SLATOP_DB SLATOP_CONFIG
for tool in cpack dpkg-deb dpkg-shlibdeps dpkg; do
    command -v $tool > /dev/null || fail "$tool is needed (cmake, dpkg-dev)"
done

(cd "$BUILD" && cpack -G DEB -B "$T/out") > "$T/cpack.log" 2>&1 || fail "cpack: $(tail -5 "$T/cpack.log")"
set -- "$T"/out/slatop_*.deb
[ -f "$1" ] || fail "no slatop_*.deb in $T/out: $(ls "$T/out")"
DEB=$1
deps=$(dpkg-deb -f "$DEB" Depends) || fail "dpkg-deb -f Depends"
for lib in libssl3 libsqlite3-0 libncursesw6 libcjson1 libc6; do
    echo "$deps" | grep -q "$lib" || fail "Depends lacks $lib: $deps"
done

dpkg -x "$DEB" "$T/root" || fail "dpkg -x"
set -- "$T"/root/usr/*bin/slatop "$T"/root/usr/local/*bin/slatop
for b; do [ -x "$b" ] && X=$b && break; done
[ -n "${X:-}" ] || fail "no slatop binary in the package: $(dpkg-deb -c "$DEB")"
prefix=${X%/bin/slatop}
for f in share/man/man1/slatop.1 share/slatop/policies/haptik.json share/slatop/policies/chatti.json \
    share/bash-completion/completions/slatop share/zsh/vendor-completions/_slatop \
    share/fish/vendor_completions.d/slatop.fish; do
    [ -s "$prefix/$f" ] || fail "package lacks $f under ${prefix#"$T/root"}"
done
cmp -s "$X" "$BIN" || fail "the packaged binary is not the built one"

v=$("$X" --version) || fail "--version exited $?"
echo "$v" | grep -q '^slatop ' || fail "--version said: $v"
# The binary names where its policies are installed; the package put them there.
msg=$("$X" --db "$T/none.db" list 2>&1) && fail "list on no database succeeded"
policy=$(echo "$msg" | sed -n "s/.*init --policy \([^']*haptik\.json\).*/\1/p")
[ -n "$policy" ] || fail "no policy path in: $msg"
[ "$policy" = "${prefix#"$T/root"}/share/slatop/policies/haptik.json" ] ||
    fail "the binary names $policy, the package installs under ${prefix#"$T/root"}"
"$X" --db "$T/p.db" init --policy "$T/root$policy" > /dev/null || fail "init --policy $T/root$policy"
"$X" --db "$T/p.db" --now 2026-11-20T10:00:00Z add --title "from the package" --level S1 > /dev/null || fail "add"
out=$("$X" --db "$T/p.db" --now 2026-11-20T10:00:00Z list) || fail "list exited $?"
echo "$out" | grep -q 'from the package' || fail "list: $out"
echo ok
