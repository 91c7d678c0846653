# Sourced by e2e scripts that test what a user without write permission sees. Sets AS to the
# command prefix that runs as such a user: nothing for an ordinary user, setpriv to nobody for
# root (root ignores permissions). Needs fail() defined by the caller.
if [ "$(id -u)" -eq 0 ]; then
    command -v setpriv >/dev/null || fail "setpriv is needed to test missing permissions as root"
    AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
    $AS true || fail "setpriv cannot switch to nobody here"
else
    AS=""
fi
