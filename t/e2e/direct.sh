#!/bin/sh
# direct.sh — the direct system calls (lib/base/direct.h: the read and write
# families, close, accept, connect) change nothing a program can see:
# thread cancellation through read/recv/write/send/accept still works,
# with threads made by pthread_create() or thrd_create() and for a
# single-threaded program cancelling itself (close too); a program whose last thread ends through
# cancellation or pthread_exit() still ends (sockshim's scan thread must
# not keep it alive); another preload library after sockshim still sees
# every call. (The errno matrix of t/e2e/fd-tracking.sh covers results and
# errno of every call made directly.)
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

CANCEL=$BUILD/t/helpers/cancel
COUNTIO=$BUILD/t/helpers/.libs/libcountio.so
COUNTCONN=$BUILD/t/helpers/.libs/libcountconn.so
[ -x "$CANCEL" ] || bail "missing $CANCEL (make check builds it)"
[ -f "$COUNTIO" ] || bail "missing $COUNTIO (make check builds it)"
[ -f "$COUNTCONN" ] || bail "missing $COUNTCONN (make check builds it)"

plan 41

LOG="file:$TMP/shim.log"
# cancel_shim ARGS...: the helper under sockshim, killed after 15 s (a
# thread that cannot be cancelled, or a process kept alive, then shows as
# 137); cancel_plain ARGS...: the same without sockshim.
cancel_shim() { timeout -s KILL 15 env LD_PRELOAD="$PRELOAD" SOCKSHIM_LOG="$LOG" "$CANCEL" "$@"; }
cancel_plain() { timeout -s KILL 15 "$CANCEL" "$@"; }

# summary_direct LOG: the direct_syscalls field of LOG's summary event.
summary_direct() {
    sed -n 's/.* summary .*direct_syscalls=\([a-z:]*\).*/\1/p' "$1" | tail -n 1
}

# The helper cancels once the thread sleeps in the call (its state in
# /proc), so the cancellation acts inside the system call.
for call in read recv write send accept; do
    out=$(cancel_plain blocked "$call" pthread 2>&1)
    is "cancelled" "$out" "without sockshim: a thread blocked in $call() is cancelled"
    for how in pthread thrd; do
        rm -f "$TMP/shim.log"
        out=$(SOCKSHIM_LOG_LEVEL=info cancel_shim blocked "$call" "$how" 2>&1)
        is "cancelled" "$out" "sockshim: a thread ($how) blocked in $call() is cancelled by pthread_cancel()"
    done
done
is "off:threads" "$(summary_direct "$TMP/shim.log")" "summary: direct_syscalls=off:threads once the program made a thread"

# A single-threaded program cancels itself: the next cancellation point
# acts, and the cancelled main thread ends the process with status 0.
for call in read recv write send accept close; do
    p=$(cancel_plain self "$call" 2>&1; echo "status=$?")
    s=$(cancel_shim self "$call" 2>&1; echo "status=$?")
    # shellcheck disable=SC2086,SC2116 # echo joins the lines with spaces
    is "cancelled at $call status=0|$p" "$(echo $s)|$s" \
        "self-cancel at $call(): cancelled there, status 0, as without sockshim"
done

# The scan thread runs (close_wait on, scan 200 ms); the program's only
# thread ends through cancellation: the process must end, not linger
# with sockshim's thread alone. Wall time is bounded by the KILL above.
start=$(date +%s)
s=$(SOCKSHIM_SCAN=200ms cancel_shim self recv --threads 2>&1; echo "status=$?")
end=$(date +%s)
# shellcheck disable=SC2086,SC2116 # echo joins the lines with spaces
is "threads=2 cancelled at recv status=0" "$(echo $s)" "the process (2 threads: the scan thread runs) ends once its last own thread is cancelled"
ok "$([ $((end - start)) -le 5 ]; echo $?)" "and within a few scan periods ($((end - start)) s)"
# With a scan period of an hour, the check still runs every second.
rm -f "$TMP/shim.log"
start=$(date +%s)
s=$(SOCKSHIM_SCAN=60m cancel_shim self send --threads 2>&1; echo "status=$?")
end=$(date +%s)
# shellcheck disable=SC2086,SC2116 # echo joins the lines with spaces
is "threads=2 cancelled at send status=0" "$(echo $s)" "SOCKSHIM_SCAN=60m: the process still ends"
ok "$([ $((end - start)) -le 5 ]; echo $?)" "within seconds, not a scan period ($((end - start)) s)"
unlike "$(cat "$TMP/shim.log" 2>/dev/null)" "config_error" "SOCKSHIM_SCAN=60m is accepted (no config_error)"

# Another preload library after sockshim wraps recv() and send(): it
# must see every call (no direct system calls then).
out=$(LD_PRELOAD="$COUNTIO" timeout -s KILL 15 "$CANCEL" io 500 2>&1)
like "$out" "countio recv=500 send=500" "control: the counting library alone sees 500 recv() and 500 send()"
rm -f "$TMP/shim.log"
out=$(timeout -s KILL 15 env LD_PRELOAD="$SHIM_LIB $COUNTIO" \
    SOCKSHIM_LOG="$LOG" SOCKSHIM_LOG_LEVEL=info "$CANCEL" io 500 2>&1)
like "$out" "countio recv=500 send=500" "sockshim first, counting library second: it still sees all 500 of each"
is "off:interposed" "$(summary_direct "$TMP/shim.log")" "summary: direct_syscalls=off:interposed"
out=$(timeout -s KILL 15 env LD_PRELOAD="$COUNTIO $SHIM_LIB" \
    SOCKSHIM_LOG="$LOG" "$CANCEL" io 500 2>&1)
like "$out" "countio recv=500 send=500" "counting library first, sockshim second: 500 of each"
like "$out" "^io 500" "and the program's own output is there"
# The same for connect(), accept() and close() (of sockets), with a
# library that wraps only those.
ctl=$(LD_PRELOAD="$COUNTCONN" timeout -s KILL 15 "$CANCEL" conn 300 2>&1 | grep countio)
is "countio recv=0 send=0 connect=300 accept=300 close=601" "$ctl" "control: a library wrapping connect/accept/close alone sees 300, 300 and 601 (sockets)"
rm -f "$TMP/shim.log"
out=$(timeout -s KILL 15 env LD_PRELOAD="$SHIM_LIB $COUNTCONN" \
    SOCKSHIM_LOG="$LOG" SOCKSHIM_LOG_LEVEL=info "$CANCEL" conn 300 2>&1 | grep countio)
is "$ctl" "$out" "sockshim first, that library second: it sees the same"
is "off:interposed" "$(summary_direct "$TMP/shim.log")" "summary: direct_syscalls=off:interposed (connect/accept/close wrapped next in line)"
out=$(timeout -s KILL 15 env LD_PRELOAD="$COUNTCONN $SHIM_LIB" \
    SOCKSHIM_LOG="$LOG" "$CANCEL" conn 300 2>&1 | grep countio)
is "$ctl" "$out" "that library first, sockshim second: the same"

# Without threads, direct calls are on: the same loop, same output.
rm -f "$TMP/shim.log"
p=$(cancel_plain io 2000 2>&1; echo "status=$?")
s=$(SOCKSHIM_LOG_LEVEL=info cancel_shim io 2000 2>&1; echo "status=$?")
is "$p" "$s" "2000 send()/recv() single-threaded: output and status as without sockshim"
is "on" "$(summary_direct "$TMP/shim.log")" "summary: direct_syscalls=on (they were made directly)"
rm -f "$TMP/shim.log"
p=$(cancel_plain conn 2000 2>&1; echo "status=$?")
s=$(SOCKSHIM_LOG_LEVEL=info cancel_shim conn 2000 2>&1; echo "status=$?")
is "$p" "$s" "2000 connections (connect, accept, close made directly): output and status as without sockshim"
is "on" "$(summary_direct "$TMP/shim.log")" "summary: direct_syscalls=on for those too"
unlike "$(cat "$TMP/shim.log" 2>/dev/null)" "error|policy_failed" "no error event in sockshim's log"
