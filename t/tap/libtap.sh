# libtap.sh — TAP helpers for sockshim's shell tests (sourced).
#
# plan N | skip_all REASON | ok COND_STATUS DESC | is EXPECTED SEEN DESC |
# like TEXT REGEX DESC | unlike TEXT REGEX DESC | diag MSG | skip DESC REASON
# | bail MSG | at_least N SEEN DESC | poll SECONDS CMD... | file_has FILE ERE. Also: run_with_shim (LD_PRELOAD the built library), PRELOAD,
# PIDS (background pids killed at exit),
# SHIM_LIB, BUILD, SRC from the test environment, and JCHECK, the checker
# of JSON logs (t/helpers/jcheck.py; python3 runs it).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).

: "${SOCKSHIM_TEST_LIB:?run the tests with make check}"
SHIM_LIB=$SOCKSHIM_TEST_LIB
BUILD=$SOCKSHIM_TEST_BUILD
SRC=$SOCKSHIM_TEST_SRC
# shellcheck disable=SC2034 # for the scripts that source this file
SAN_LIB=${SOCKSHIM_TEST_SAN_LIB:-}
# shellcheck disable=SC2034 # for the scripts that source this file
EX=$BUILD/examples
# shellcheck disable=SC2034 # for the scripts that source this file
JCHECK=$SRC/t/helpers/jcheck.py
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sockshim-test.XXXXXX")
# Background processes a test starts: add their pids to PIDS and they are
# killed (and reaped) at exit, with the temporary directory removed.
PIDS=
_tap_cleanup() {
    # Only in the test's own shell: a child forked for a background
    # command keeps these traps until it execs, and a signal it gets then
    # (a watchdog killed at once) would end the test's processes and
    # remove TMP under it. The exec'd sh's parent is the shell running this.
    [ "$(exec sh -c 'echo "$PPID"')" = "$$" ] || return 0
    for _p in $PIDS; do kill "$_p" 2>/dev/null; done
    for _p in $PIDS; do wait "$_p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap _tap_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# A clean slate: no SOCKSHIM_* variable reaches the programs under test
# (not even the harness's own SOCKSHIM_TEST_*, which sockshim would report
# as unknown); the shell variables above keep what the tests need.
for v in $(env | sed -n 's/^\(SOCKSHIM_[A-Z_0-9]*\)=.*/\1/p'); do
    unset "$v"
done

# Loops that call ok/is/like must not run in a subshell (no "cmd | while"):
# the counter below would not advance.
_tap_n=0
_tap_failed=0

plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
bail() { echo "Bail out! $*"; exit 255; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

ok() { # ok STATUS DESC: STATUS 0 passes; returns 1 for a failure, so
    # that "ok $? DESC || diag ..." says why
    _tap_n=$((_tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $_tap_n - $2"
    else
        echo "not ok $_tap_n - $2"
        _tap_failed=$((_tap_failed + 1))
        return 1
    fi
}

is() { # is EXPECTED SEEN DESC
    if [ "$1" = "$2" ]; then ok 0 "$3"; else
        ok 1 "$3"; diag "expected: $1" "seen:     $2"; fi
}

like() { # like TEXT ERE DESC
    if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
        ok 1 "$3"; diag "no line matches /$2/ in:"; diag "$1"; fi
}

unlike() { # unlike TEXT ERE DESC
    if printf '%s\n' "$1" | grep -Eq -- "$2"; then
        ok 1 "$3"; diag "a line matches /$2/:"
        diag "$(printf '%s\n' "$1" | grep -E -- "$2")"
    else ok 0 "$3"; fi
}

# poll SECONDS CMD...: run CMD every 0.1s until it succeeds; status 1 if it
# still fails after SECONDS.
poll() {
    _poll_end=$(($(date +%s) + $1))
    shift
    until "$@"; do
        [ "$(date +%s)" -lt "$_poll_end" ] || return 1
        sleep 0.1
    done
}

file_has() { [ -s "$1" ] && grep -Eq -- "$2" "$1"; }

# at_least N SEEN DESC: SEEN is a number no smaller than N. 1 test.
at_least() {
    case $2 in
    '' | *[!0-9]*) ok 1 "$3"; diag "not a number: '$2'" ;;
    *)
        [ "$2" -ge "$1" ]
        ok $? "$3"
        [ "$2" -ge "$1" ] || diag "expected at least $1, seen $2"
        ;;
    esac
}

# tw_table_full: prints why, when the host's TIME_WAIT table is full (the
# kernel then keeps no TIME_WAIT at all, so an EADDRINUSE from a port in
# TIME_WAIT cannot be shown; right after a benchmark's million
# connections); prints nothing otherwise.
# tw_overflows: the kernel's count of TIME_WAIT sockets it could not keep
# (TcpExt TCPTimeWaitOverflow), host-wide: when it grows during a run,
# that run's ports may have had no TIME_WAIT. Empty when unreadable.
tw_overflows() {
    awk '/^TcpExt:/ { if (!_h) { for (_i = 1; _i <= NF; _i++)
        if ($_i == "TCPTimeWaitOverflow") _c = _i; _h = 1 } else if (_c) print $_c }' \
        /proc/net/netstat 2>/dev/null
}

tw_table_full() {
    _tw_max=$(cat /proc/sys/net/ipv4/tcp_max_tw_buckets 2>/dev/null || echo 0)
    _tw_now=$(ss -Htan state time-wait 2>/dev/null | wc -l)
    if [ "$_tw_max" -gt 0 ] && [ "$_tw_now" -ge $((_tw_max - 100)) ]; then
        echo "the host's TIME_WAIT table is full ($_tw_now of $_tw_max): the kernel keeps no TIME_WAIT"
    fi
}

skip() { # skip DESC REASON
    _tap_n=$((_tap_n + 1))
    echo "ok $_tap_n - $1 # SKIP $2"
}

# The library first in LD_PRELOAD, keeping what was there; for env(1) so
# that the preload reaches only the program, not timeout(1).
PRELOAD="$SHIM_LIB${LD_PRELOAD:+ $LD_PRELOAD}"

# Run a command with the library preloaded (before any LD_PRELOAD).
run_with_shim() {
    LD_PRELOAD="$PRELOAD" "$@"
}

# Bounded run: every external program gets a deadline.
bounded() { timeout -k 5 "${TEST_TIMEOUT:-60}" "$@"; }
