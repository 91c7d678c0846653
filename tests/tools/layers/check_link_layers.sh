#!/bin/sh
# Checks that the per-folder static libraries call only down the layers (ARCHITECTURE.md, "Where
# the code stands"): for every symbol a library's objects use and another library defines, the
# defining library must come later in LAYERS (lower). Calls inside one library are free. Since
# every edge must point down one total order, the libraries' link graph has no cycle.
#
#   check_link_layers.sh NM LIBDIR LAYER...
# LAYERS top first; LIBDIR holds libslatop_<LAYER>.a for each. Prints each offending edge (object, symbol,
# object that defines it) and exits 1 when there is one; exits 2 when a library is missing.
set -eu
nm=$1
dir=$2
shift 2
LAYERS="$*"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
rank=0
for l in $LAYERS; do
    lib="$dir/libslatop_$l.a"
    [ -f "$lib" ] || { echo "check_link_layers: $lib is missing" >&2; exit 2; }
    # "rank layer object symbol" for what the library defines (D) and what it uses (U).
    "$nm" -A --defined-only --extern-only "$lib" 2>/dev/null |
        awk -v r=$rank -v l=$l '{ n = split($1, p, ":"); print r, l, p[n-1], $NF }' >>"$tmp/def"
    "$nm" -A --undefined-only "$lib" 2>/dev/null |
        awk -v r=$rank -v l=$l '{ n = split($1, p, ":"); print r, l, p[n-1], $NF }' >>"$tmp/use"
    rank=$((rank + 1))
done

# An edge goes up when the user's rank is greater than the definer's: a lower layer calling up.
awk 'NR == FNR { dr[$4] = $1; dl[$4] = $2; dobj[$4] = $3; next }
     ($4 in dr) && dr[$4] < $1 {
         printf "layer violation: %s (%s) uses %s, defined by %s (%s), a layer above\n", $3, $2, $4, dobj[$4], dl[$4]
         bad = 1
     }
     END { exit bad }' "$tmp/def" "$tmp/use" && { echo "link layers: ok ($LAYERS)"; exit 0; }
exit 1
