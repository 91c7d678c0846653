#!/bin/sh
# Installs what slatop needs on Debian/Ubuntu (only what is missing), then configures and builds
# into build/. With --test it also installs the test tools and builds the test suite.
# Idempotent: when nothing is missing and nothing changed it only runs an incremental build.
#
#   sh share/setup.sh            build dependencies, then build/slatop
#   sh share/setup.sh --test     the same plus the test tools, then the tests too
#
# Environment: SLATOP_WERROR=ON turns compiler warnings into errors (CI sets it);
# SLATOP_BUILD_DIR overrides build/; SLATOP_SKIP_INSTALL=1 skips the package step.
set -eu

want_tests=0
for arg in "$@"; do
    case "$arg" in
        --test) want_tests=1 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "setup.sh: unknown argument '$arg' (expected --test or --help)" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
build=${SLATOP_BUILD_DIR:-$root/build}

build_pkgs="gcc make cmake pkg-config libncurses-dev libsqlite3-dev libcurl4-openssl-dev libcjson-dev libssl-dev libpq-dev"
# ca-certificates so TLS verification works against real monitoring endpoints.
build_pkgs="$build_pkgs ca-certificates"
# postgresql: the server the PostgreSQL backend's tests start in a temporary directory (tests/pg).
test_pkgs="libcriterion-dev prometheus tmux libvterm-dev valgrind clang procps curl sqlite3 postgresql"

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# The fuzzer runtime: Debian 12 names it libclang-rt-14-dev; newer releases have libclang-rt-dev.
fuzz_pkg() {
    for p in libclang-rt-dev libclang-rt-14-dev; do
        if installed "$p"; then echo "$p"; return; fi
    done
    if apt-cache show libclang-rt-dev >/dev/null 2>&1; then echo libclang-rt-dev; else echo libclang-rt-14-dev; fi
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ "${SLATOP_SKIP_INSTALL:-0}" != 1 ]; then
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "setup.sh: this script installs packages with apt-get (Debian/Ubuntu); install the equivalent of: $build_pkgs" >&2
        exit 1
    fi
    pkgs=$build_pkgs
    if [ "$want_tests" = 1 ]; then
        pkgs="$pkgs $test_pkgs"
    fi
    missing=""
    for p in $pkgs; do
        installed "$p" || missing="$missing $p"
    done
    if [ "$want_tests" = 1 ]; then
        # apt-cache needs the package lists; only consult them when something is missing anyway.
        rt=""
        for p in libclang-rt-dev libclang-rt-14-dev; do
            if installed "$p"; then rt=$p; fi
        done
        if [ -z "$rt" ]; then
            as_root apt-get update -qq
            missing="$missing $(fuzz_pkg)"
        fi
    fi
    if [ -n "$missing" ]; then
        echo "setup.sh: installing:$missing"
        export DEBIAN_FRONTEND=noninteractive
        as_root apt-get update -qq
        # Keep packaged services (prometheus, postgresql) from starting during the install: the tests start
        # their own server on a free loopback port.
        policy=/usr/sbin/policy-rc.d
        made_policy=0
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
            as_root chmod 755 "$policy"
            made_policy=1
        fi
        status=0
        # shellcheck disable=SC2086
        as_root apt-get install -y -qq --no-install-recommends $missing || status=$?
        if [ "$made_policy" = 1 ]; then as_root rm -f "$policy"; fi
        [ "$status" -eq 0 ] || { echo "setup.sh: apt-get install failed ($status)" >&2; exit "$status"; }
    fi
    # Whatever a package shipped as a service stays stopped and disabled.
    for svc in prometheus postgresql; do
        installed "$svc" || continue
        if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
            as_root systemctl disable --now "$svc" >/dev/null 2>&1 || true
        else
            as_root service "$svc" stop >/dev/null 2>&1 || true
            as_root update-rc.d "$svc" disable >/dev/null 2>&1 || true
        fi
    done
fi

tests=OFF
if [ "$want_tests" = 1 ] || installed libcriterion-dev; then
    tests=ON
fi
werror=${SLATOP_WERROR:-OFF}

# Configure only when needed: a missing cache or changed options. Otherwise an incremental build.
stamp="$build/.setup-options"
opts="tests=$tests werror=$werror"
if [ ! -f "$build/CMakeCache.txt" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$opts" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLATOP_TESTS="$tests" \
        -DSLATOP_WERROR="$werror" >/dev/null
    echo "$opts" > "$stamp"
fi
jobs=$(nproc 2>/dev/null || echo 2)
cmake --build "$build" -j "$jobs"
echo "setup.sh: built $build/slatop"
