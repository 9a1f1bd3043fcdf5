#!/bin/sh
# signal-safety-cpython.sh — CPython's own test suites without and with
# sockshim (the last part of t/e2e/signal-safety.sh's account: a real runtime's
# signal, subprocess and socket tests must give the same results). A test
# of its own: at about 40 s it is the suite's longest, and make -j runs it
# alongside the others.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "$PY not found"

plan 2

# === 6. CPython's own test suites (2) =====================================
# test_subprocess, test_socket, test_selectors, test_asyncio.test_events,
# without and with sockshim (default settings): the same result per
# module, all passed. The VSOCK tests are left out: they bind a fixed
# vsock port and talk to this machine's CID, not loopback (in a VM their
# accept() waits forever). Each run in a PID namespace of its own when
# possible, so that a timeout also ends regrtest's workers (they start
# sessions of their own); regrtest's --timeout bounds each module. Each
# run has its own TMPDIR: regrtest names its directory after its pid, the
# same small number in every PID namespace (two test runs at once, from
# two build trees, would remove each other's working directory).
# The modules spend most of their time waiting (timeouts, sleeps, child
# processes), not computing: a worker per module (-j4), and the two runs
# side by side, take the time of the slowest module (test_subprocess,
# about 30 s) instead of the 90 s of two -j2 runs one after the other.
PYMODS="test_subprocess test_socket test_selectors test_asyncio.test_events"
PYWANT=$(for m in $PYMODS; do echo "$m passed"; done | sort)
# pysuite TAG [VAR=VALUE...]: start the modules in the background (the
# pid in $TMP/TAG.pid, killed at exit if the test is interrupted).
pysuite() {
    _tag=$1
    shift
    date +%s >"$TMP/$_tag.t0"
    mkdir "$TMP/$_tag.tmp"
    # timeout itself in the background, so that the pid kept is its own.
    # shellcheck disable=SC2086 # PIDNS (a command or none), PYMODS: lists
    timeout -k 10 240 $PIDNS env TMPDIR="$TMP/$_tag.tmp" "$@" "$PY" -m test \
        -j4 --timeout 180 -i '*VSOCK*' $PYMODS >"$TMP/$_tag.out" 2>&1 &
    echo $! >"$TMP/$_tag.pid"
    PIDS="$PIDS $!"
}
# pysuite_done TAG: wait for the run; its exit status in $rc, per-module
# results (sorted) in $TMP/TAG.res, the time in $TMP/TAG.time.
pysuite_done() {
    wait "$(cat "$TMP/$1.pid")"
    rc=$?
    echo $(($(date +%s) - $(cat "$TMP/$1.t0"))) >"$TMP/$1.time"
    sed -n 's/.*\] \(test_[A-Za-z0-9_.]*\) \([a-z]*\).*/\1 \2/p' "$TMP/$1.out" |
        sort >"$TMP/$1.res"
}
# The test suites: Debian's libpython3.11-testsuite (tools/setup-debian.sh).
if ! why=$("$PY" -c 'import test.libregrtest, test.test_socket, test.test_subprocess, test.test_selectors, test.test_asyncio.test_events' 2>&1); then
    why=$(printf '%s\n' "$why" | tail -n 1)
    skip "CPython suites: all passed without sockshim" "python3 -m test unavailable: $why"
    skip "CPython suites: the same result per module under sockshim" "python3 -m test unavailable"
else
    PIDNS=
    if unshare -fp --kill-child true 2>/dev/null; then PIDNS="unshare -fp --kill-child"; fi
    # why_failed TAG LABEL: diag the failed test cases of a run.
    why_failed() {
        [ "$rc" = 0 ] && return
        diag "$2: status $rc; failed:"
        diag "$(grep -E '^(FAIL|ERROR): |^test test_.* failed|Error: |^Timeout' "$TMP/$1.out" |
            head -n 30)"
    }
    # Both runs at once.
    pysuite 6plain
    pysuite 6shim LD_PRELOAD="$PRELOAD"
    pysuite_done 6plain
    is "$PYWANT" "$(cat "$TMP/6plain.res")" \
        "CPython suites ($PYMODS): all passed without sockshim"
    why_failed 6plain "without sockshim"
    pysuite_done 6shim
    is "$(cat "$TMP/6plain.res")" "$(cat "$TMP/6shim.res")" \
        "CPython suites: the same result per module under sockshim (default settings)"
    why_failed 6shim "under sockshim"
    diag "CPython suites, side by side: $(cat "$TMP/6plain.time") s without sockshim, $(cat "$TMP/6shim.time") s with${PIDNS:+ (each in a PID namespace)}"
fi
