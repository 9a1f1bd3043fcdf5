#!/bin/sh
# connect-timeout.sh — SOCKSHIM_CONNECT_TIMEOUT: a blocking connect() fails
# with ETIMEDOUT after the duration; a non-blocking one keeps its semantics.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

PROBE=$BUILD/t/helpers/connect-probe
[ -x "$PROBE" ] || bail "$PROBE not built"

# The address that never answers: a loopback listener made with
# listen(fd, 0) whose accept queue connect-probe --listen has filled with
# connections it never accepts. The kernel then drops every new SYN
# (tcp_conn_request checks the accept queue before SYN cookies), so a
# blocking connect() sits in SYN_SENT retransmitting for about two
# minutes. Chosen over a network namespace: it needs no privilege, no
# extra package, and nothing leaves loopback. Test 1 proves it hangs.

# start_listener HOST FILE: start the targets, wait until FILE holds
# "OPEN FULL CLOSED"; status 1 when they could not be set up.
start_listener() {
    # timeout itself, not the bounded function: $! must be its pid.
    timeout -k 5 150 "$PROBE" --listen "$1" "$2" 120 2>"$2.err" &
    PIDS="$PIDS $!"
    n=0
    while [ ! -s "$2" ]; do
        kill -0 "$!" 2>/dev/null || return 1
        n=$((n + 1))
        [ "$n" -gt 300 ] && return 1
        sleep 0.1
    done
}

# shimmed VAR=VALUE... PROGRAM ARGS: run PROGRAM bounded, with the library
# preloaded and the given settings (env keeps them out of this shell).
shimmed() {
    bounded env LD_PRELOAD="$PRELOAD" "$@"
}

# field NAME OUTPUT: the value of NAME=... in the probe's OUTPUT.
field() {
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# result OUTPUT: the first line without elapsed_ms (what must match).
result() {
    printf '%s\n' "$1" | sed -n '1s/ elapsed_ms=.*//p'
}

# second OUTPUT: the result of the probe's second connect (--twice).
second() {
    printf '%s\n' "$1" | sed -n '3s/ elapsed_ms=.*//p'
}

# in_range DESC OUTPUT LO HI: elapsed_ms of OUTPUT lies in [LO, HI].
in_range() {
    ms=$(field elapsed_ms "$2")
    if [ -n "$ms" ] && [ "$ms" -ge "$3" ] && [ "$ms" -le "$4" ]; then
        ok 0 "$1"
    else
        ok 1 "$1"
        diag "elapsed_ms=$ms, expected $3..$4"
    fi
}

# probe TAG COMMAND...: start COMMAND in the background, its stdout to be
# read by got TAG. Every run below waits on its own (for a timeout, an
# alarm, the kernel's answer) and none disturbs another: they all start at
# once, and the checks take their results in order. The wall time is the
# longest run's (4 s), not their sum (15 s).
probe() {
    _tag=$1
    shift
    "$@" >"$TMP/probe.$_tag" &
    echo $! >"$TMP/probe.$_tag.pid"
    PIDS="$PIDS $!"
}
# got TAG: wait for TAG's run (from this shell: a command substitution
# could not wait for it); its output in $out.
got() {
    wait "$(cat "$TMP/probe.$1.pid")"
    out=$(cat "$TMP/probe.$1")
}

start_listener 127.0.0.1 "$TMP/ports4" ||
    skip_all "cannot fill a loopback accept queue: $(cat "$TMP/ports4.err")"
read -r OPEN FULL CLOSED <"$TMP/ports4"
HAVE6=
if start_listener ::1 "$TMP/ports6"; then
    HAVE6=yes
    read -r OPEN6 FULL6 _ <"$TMP/ports6"
fi

plan 34

# The runs of the checks below, numbered as they are.
probe 1 bounded "$PROBE" --alarm 2 127.0.0.1 "$FULL"
probe 2 shimmed SOCKSHIM_CONNECT_TIMEOUT=1s "$PROBE" 127.0.0.1 "$FULL"
probe 3 shimmed SOCKSHIM_CONNECT_TIMEOUT=1500ms "$PROBE" 127.0.0.1 "$FULL"
probe 4 shimmed SOCKSHIM_CONNECT_TIMEOUT=1s "$PROBE" --nonblock 127.0.0.1 "$FULL"
probe 6open shimmed SOCKSHIM_CONNECT_TIMEOUT=1s "$PROBE" 127.0.0.1 "$OPEN"
probe 6plain bounded "$PROBE" 127.0.0.1 "$CLOSED"
probe 6closed shimmed SOCKSHIM_CONNECT_TIMEOUT=1s "$PROBE" 127.0.0.1 "$CLOSED"
if [ -n "$HAVE6" ]; then
    probe 7plain bounded "$PROBE" --alarm 2 ::1 "$FULL6"
    probe 7full shimmed SOCKSHIM_CONNECT_TIMEOUT=1s "$PROBE" ::1 "$FULL6"
    probe 7open shimmed SOCKSHIM_CONNECT_TIMEOUT=1s "$PROBE" ::1 "$OPEN6"
fi
probe 8 shimmed SOCKSHIM_MODE=audit SOCKSHIM_CONNECT_TIMEOUT=1s \
    SOCKSHIM_LOG_LEVEL=info SOCKSHIM_LOG="file:$TMP/audit.log" \
    "$PROBE" --alarm 2 127.0.0.1 "$FULL"
probe 9intr shimmed SOCKSHIM_CONNECT_TIMEOUT=5s "$PROBE" --alarm 1 127.0.0.1 "$FULL"
probe 9restart shimmed SOCKSHIM_CONNECT_TIMEOUT=2s "$PROBE" \
    --restart --alarm 1 127.0.0.1 "$FULL"
probe 10plain bounded "$PROBE" --twice 127.0.0.1 "$CLOSED"
probe 10refused shimmed SOCKSHIM_CONNECT_TIMEOUT=1s "$PROBE" --twice 127.0.0.1 "$CLOSED"
probe 10timeout shimmed SOCKSHIM_CONNECT_TIMEOUT=1s "$PROBE" --twice --alarm 4 \
    127.0.0.1 "$FULL"

# 1. The setup: without sockshim the connect hangs past every timeout used
# below (interrupted by the probe's own 2 s alarm).
got 1
is "rc=-1 errno=EINTR" "$(result "$out")" \
    "without sockshim: blocking connect to the full queue still waits at 2s"
in_range "without sockshim: ... for the whole 2s" "$out" 1900 10000

# 2. 1s: ETIMEDOUT after about one second.
got 2
is "rc=-1 errno=ETIMEDOUT" "$(result "$out")" \
    "CONNECT_TIMEOUT=1s: blocking connect fails with ETIMEDOUT"
in_range "CONNECT_TIMEOUT=1s: after about 1s" "$out" 900 5000
# 5. ... and the socket is blocking again.
is "nonblock=0" "$(printf '%s\n' "$out" | sed -n 2p)" \
    "CONNECT_TIMEOUT=1s: O_NONBLOCK not left set after the timeout"

# 3. 1500ms: about 1.5s (the lower bound tells it from 1s: a deadline
# never fires early).
got 3
is "rc=-1 errno=ETIMEDOUT" "$(result "$out")" \
    "CONNECT_TIMEOUT=1500ms: blocking connect fails with ETIMEDOUT"
in_range "CONNECT_TIMEOUT=1500ms: after about 1.5s" "$out" 1400 5500
is "nonblock=0" "$(printf '%s\n' "$out" | sed -n 2p)" \
    "CONNECT_TIMEOUT=1500ms: O_NONBLOCK not left set after the timeout"

# 4. Non-blocking connect: EINPROGRESS at once, socket stays non-blocking.
got 4
is "rc=-1 errno=EINPROGRESS" "$(result "$out")" \
    "non-blocking connect under the timeout: EINPROGRESS"
in_range "non-blocking connect under the timeout: immediately" "$out" 0 499
is "nonblock=1" "$(printf '%s\n' "$out" | sed -n 2p)" \
    "non-blocking connect under the timeout: socket still O_NONBLOCK"

# 6. Reachable and refusing loopback ports: exactly as without sockshim.
got 6open
is "rc=0 errno=-" "$(result "$out")" \
    "CONNECT_TIMEOUT=1s: connect to a listening port succeeds"
in_range "... without waiting for the timeout" "$out" 0 800
is "nonblock=0" "$(printf '%s\n' "$out" | sed -n 2p)" \
    "... and the connected socket is blocking"
got 6plain
plain=$out
got 6closed
is "rc=-1 errno=ECONNREFUSED" "$(result "$plain")" \
    "without sockshim: the closed port refuses"
is "$(result "$plain")" "$(result "$out")" \
    "CONNECT_TIMEOUT=1s: closed port gives the same rc/errno as libc"
is "nonblock=0" "$(printf '%s\n' "$out" | sed -n 2p)" \
    "... and the refused socket is blocking"

# 7. IPv6: the same on ::1.
if [ -n "$HAVE6" ]; then
    got 7plain
    is "rc=-1 errno=EINTR" "$(result "$out")" \
        "IPv6 without sockshim: connect to the full queue waits at 2s"
    got 7full
    is "rc=-1 errno=ETIMEDOUT" "$(result "$out")" \
        "IPv6 CONNECT_TIMEOUT=1s: blocking connect fails with ETIMEDOUT"
    in_range "IPv6 CONNECT_TIMEOUT=1s: after about 1s" "$out" 900 5000
    is "nonblock=0" "$(printf '%s\n' "$out" | sed -n 2p)" \
        "IPv6 CONNECT_TIMEOUT=1s: O_NONBLOCK not left set"
    got 7open
    is "rc=0 errno=-" "$(result "$out")" \
        "IPv6 CONNECT_TIMEOUT=1s: connect to a listening port succeeds"
else
    why="no IPv6 loopback listener: $(head -n 1 "$TMP/ports6.err")"
    for d in "IPv6 without sockshim: connect waits" \
        "IPv6 CONNECT_TIMEOUT=1s: ETIMEDOUT" "IPv6: after about 1s" \
        "IPv6: O_NONBLOCK not left set" "IPv6: listening port succeeds"; do
        skip "$d" "$why"
    done
fi

# 8. Audit mode: no timeout, only a would_apply event.
got 8
is "rc=-1 errno=EINTR" "$(result "$out")" \
    "audit mode: no ETIMEDOUT, the connect still waits at 2s"
in_range "audit mode: ... for the whole 2s" "$out" 1900 10000
log=$(cat "$TMP/audit.log" 2>/dev/null)
like "$log" "would_apply .*option=connect_timeout" \
    "audit mode: would_apply event for connect_timeout"
like "$log" "would_apply .*option=connect_timeout.* value=1s" \
    "audit mode: the event names the value 1s"

# 9. Signals: a handler without SA_RESTART interrupts a blocking connect
# with EINTR (a common way to time out connect); the timeout must not
# swallow it. With SA_RESTART the call goes on and the timeout applies.
got 9intr
is "rc=-1 errno=EINTR" "$(result "$out")" \
    "CONNECT_TIMEOUT=5s: SIGALRM (no SA_RESTART) at 1s gives EINTR as libc"
in_range "... at about 1s, not at the 5s timeout" "$out" 900 4000
got 9restart
is "rc=-1 errno=ETIMEDOUT" "$(result "$out")" \
    "CONNECT_TIMEOUT=2s: a SA_RESTART signal at 1s, then ETIMEDOUT"
in_range "... after about 2s" "$out" 1900 6000

# 10. A retry on the same socket (a server not up yet, or a fallback):
# Linux lets a failed blocking connect() be called again; it must behave
# as in libc, and a blocking retry is bounded too.
got 10plain
plain=$out
got 10refused
is "rc=-1 errno=ECONNREFUSED" "$(second "$plain")" \
    "without sockshim: a retry after ECONNREFUSED is refused again"
is "$(second "$plain")" "$(second "$out")" \
    "CONNECT_TIMEOUT=1s: a retry after ECONNREFUSED gives what libc gives"
got 10timeout
is "rc=-1 errno=ETIMEDOUT" "$(second "$out")" \
    "CONNECT_TIMEOUT=1s: a retry after ETIMEDOUT times out too"
in_range "... after about 1s" "$(printf '%s\n' "$out" | sed -n 3p)" 900 3900
