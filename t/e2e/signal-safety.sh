#!/bin/sh
# signal-safety.sh — sockshim inside signal handlers and around the
# program's own signals (README, "Guarantees and limits": transparent, so
# async-signal-safe where libc is; small stacks, our own descriptors).
# Extends t/e2e/robustness.sh, whose handler runs with the library already
# warm: here the process's first socket is made inside a handler (one that
# interrupted malloc(), one on a 6 KiB signal stack), every wrapped call
# runs on AT_MINSIGSTKSZ + 4 KiB, a connect() is interrupted by an
# SA_RESTART signal under SOCKSHIM_CONNECT_TIMEOUT, a program that makes
# no socket must not find our descriptors, and a timer handler every 50 us
# must not starve the program. Every run is compared with the run without
# sockshim. CPython's own suites, the longest part, are
# t/e2e/signal-safety-cpython.sh: a test of their own, which make -j runs
# alongside this one.
# The sh -c scripts are single-quoted on purpose (SC2016).
# shellcheck disable=SC2016
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/runs.sh"

TEST_TIMEOUT=${TEST_TIMEOUT:-30}
PY=/usr/bin/python3
HELPER=$BUILD/t/helpers/sigsafe
[ -x "$HELPER" ] || bail "$HELPER not built"
[ -x "$PY" ] || skip_all "$PY not found"

plan 29

# same_as PLAIN TAG DESC: the run TAG exited with the status of the run
# PLAIN and printed the same.
same_as() {
    _want_rc=$(cat "$TMP/$1.rc")
    if [ "$rc" = "$_want_rc" ] && cmp -s "$TMP/$1.out" "$TMP/$2.out"; then
        ok 0 "$3"
    else
        ok 1 "$3"
        diag "without sockshim: status $_want_rc and:"
        show_file "$TMP/$1.out"
        diag "with sockshim: status $rc and:"
        show_file "$TMP/$2.out"
        diag "stderr:"
        show_file "$TMP/$2.err"
    fi
}
keep_rc() { echo "$rc" >"$TMP/$1.rc"; }

# === 1. the first socket, made in a handler that interrupted malloc (2) ===
# The main thread mallocs and frees while a second thread exists (so
# malloc holds its arena locks); a SIGALRM handler every 1 ms makes and
# closes a TCP socket, the process's first. Whatever sockshim does at the
# first socket (it starts its scan thread: pthread_create() callocs) must
# be async-signal-safe. 20 runs at once, each bounded: the deadlocked
# thread has every signal blocked (sockshim blocks them around
# pthread_create), so timeout -k: SIGKILL when SIGTERM finds no taker.
FIRST_LINE="handler-first-socket runs=50 failed=0"
# first_runs TAG [VAR=VALUE...]: 20 runs; sets fine (finished with status
# 0 and FIRST_LINE) and hung (timed out: 124, or 137 when killed).
first_runs() {
    _tag=$1
    shift
    _i=0 _pids='' _before=$PIDS
    while [ "$_i" -lt 20 ]; do
        _i=$((_i + 1))
        (
            timeout -k 2 10 env "$@" "$HELPER" handler-first-socket 50 \
                >"$TMP/$_tag.$_i.out" 2>"$TMP/$_tag.$_i.err"
            echo "$?" >"$TMP/$_tag.$_i.rc"
        ) &
        _pids="$_pids $!"
    done
    # Killed at exit if the test is interrupted; forgotten once reaped.
    PIDS="$PIDS $_pids"
    for _p in $_pids; do wait "$_p"; done
    PIDS=$_before
    fine=0 hung=0 _i=0
    while [ "$_i" -lt 20 ]; do
        _i=$((_i + 1))
        _rc=$(cat "$TMP/$_tag.$_i.rc" 2>/dev/null)
        if [ "$_rc" = 0 ] && [ "$(cat "$TMP/$_tag.$_i.out")" = "$FIRST_LINE" ]; then
            fine=$((fine + 1))
        elif [ "$_rc" = 124 ] || [ "$_rc" = 137 ]; then
            hung=$((hung + 1))
        else
            diag "$_tag run $_i: status $_rc"
            show_file "$TMP/$_tag.$_i.err"
        fi
    done
}
t0=$(date +%s)
first_runs 1plain
is "20 finished, 0 hung" "$fine finished, $hung hung" \
    "handler makes the first socket, malloc interrupted: 20 of 20 finish without sockshim"
t1=$(date +%s)
first_runs 1shim LD_PRELOAD="$PRELOAD" SOCKSHIM_SCAN=200ms
is "20 finished, 0 hung" "$fine finished, $hung hung" \
    "handler makes the first socket, malloc interrupted: 20 of 20 finish under sockshim (SOCKSHIM_SCAN=200ms)"
diag "20 runs: $((t1 - t0)) s without sockshim, $(($(date +%s) - t1)) s with (a hung run is killed at 10 s)"

# === 2. small signal stacks (15) ==========================================
# A guard page lies below each signal stack: an overflow is a SIGSEGV
# (status 139). The helper is linked with -z now (Makefile.am): lazy
# binding would spend 2.7 KiB of the stack on the program's own PLT.
MINSIG=$("$HELPER" minsigstksz)
case $MINSIG in '' | *[!0-9]*) bail "sigsafe minsigstksz: '$MINSIG'" ;; esac
ROOMY=$((MINSIG + 4096))
diag "AT_MINSIGSTKSZ=$MINSIG: signal stacks of 6144 and $ROOMY bytes"
# first_on_stack BYTES LABEL: the first socket (and a connect) made in a
# handler on a signal stack of BYTES, as without sockshim (6 checks).
first_on_stack() {
    for _v in "" --connect; do
        _what="socket()+close()"
        [ -n "$_v" ] && _what="socket()+connect()+close()"
        _t="2-$1$_v"
        # shellcheck disable=SC2086 # _v: an optional word, or none
        go "$_t-plain" plain "$HELPER" altstack-first "$1" $_v
        keep_rc "$_t-plain"
        expect "$_t-plain" "altstack-first ok" \
            "$2: first $_what in a handler, without sockshim"
        diag "$(grep 'altstack used' "$TMP/$_t-plain.err")"
        # shellcheck disable=SC2086 # _v: an optional word, or none
        go "$_t-shim" shim "$HELPER" altstack-first "$1" $_v
        same_as "$_t-plain" "$_t-shim" \
            "$2: first $_what in a handler, under sockshim, as without"
        diag "$(grep 'altstack used' "$TMP/$_t-shim.err")"
        # shellcheck disable=SC2086 # _v: an optional word, or none
        go "$_t-nostacks" shim SOCKSHIM_STACKS=off "$HELPER" altstack-first "$1" $_v
        same_as "$_t-plain" "$_t-nostacks" \
            "$2: first $_what in a handler, SOCKSHIM_STACKS=off, as without"
    done
}
# 6 KiB, when it leaves the program's handler 2 KiB above the kernel's
# frame (the handler and socket() take far less; AVX-512's frame is 3.3
# KiB); on a CPU whose frame leaves less, the checks are skipped.
if [ $((6144 - MINSIG)) -ge 2048 ]; then
    first_on_stack 6144 "6 KiB signal stack"
else
    for d in "socket()+close()" "socket()+connect()+close()"; do
        for w in "without sockshim" "under sockshim" "SOCKSHIM_STACKS=off"; do
            skip "6 KiB signal stack: first $d in a handler, $w" \
                "AT_MINSIGSTKSZ=$MINSIG leaves less than 2 KiB in 6 KiB"
        done
    done
fi
first_on_stack "$ROOMY" "AT_MINSIGSTKSZ + 4 KiB signal stack"

# Warm: main() made sockets first, then a handler on AT_MINSIGSTKSZ + 4
# KiB calls every wrapped function once, with events to log from the
# handler (policy at level info, app_override, and a double_close: the
# close of a descriptor never opened).
WARM="SOCKSHIM_LOG_LEVEL=info SOCKSHIM_KEEPALIVE=60 SOCKSHIM_NODELAY=on"
go 2warm-plain plain "$HELPER" altstack-warm
expect 2warm-plain "altstack-warm ok" \
    "every wrapped call in a handler on AT_MINSIGSTKSZ + 4 KiB: without sockshim"
diag "$(grep 'altstack used' "$TMP/2warm-plain.err")"
# shellcheck disable=SC2086 # WARM is a list of settings
go 2warm-shim shim $WARM "$HELPER" altstack-warm
expect 2warm-shim "altstack-warm ok" \
    "every wrapped call in a handler on AT_MINSIGSTKSZ + 4 KiB: under sockshim (level info, keepalive, nodelay)"
diag "$(grep 'altstack used' "$TMP/2warm-shim.err")"
# 3 policy events before the handler, 3 in it; the double close in it.
n=$(grep -c ': info: policy fd=' "$TMP/2warm-shim.err")
if [ "$n" = 6 ] && grep -Eq ': error: double_close fd=[0-9]+ ' "$TMP/2warm-shim.err"; then
    ok 0 "... (the handler's events were written: policy x3, a double_close)"
else
    ok 1 "... (the handler's events were written: policy x3, a double_close)"
    diag "$n policy lines (want 6); stderr:"
    show_file "$TMP/2warm-shim.err"
fi

# === 3. connect() and SA_RESTART under SOCKSHIM_CONNECT_TIMEOUT (5) =======
# A blocking connect() to a full accept queue (the SYN is dropped); a
# SIGTERM handler without SA_RESTART is installed but never raised;
# SIGALRM 200 ms in, a thread drains the queue at 800 ms, the kernel's
# retransmitted SYN (1 s, then 3 s) completes the handshake. The signal
# that interrupted the call had SA_RESTART: connect() returns 0, as in
# libc, whatever other handler lacks it. Twin: SIGALRM without SA_RESTART
# gives EINTR in both.
CT=SOCKSHIM_CONNECT_TIMEOUT=10s
go 3plain plain "$HELPER" connect-restart
keep_rc 3plain
if [ "$rc" = 3 ]; then
    diag "could not fill a loopback accept queue:"
    show_file "$TMP/3plain.err"
fi
expect 3plain "connect rc=0 errno=-" \
    "connect, SIGALRM with SA_RESTART (SIGTERM without) at 200 ms: 0 without sockshim"
ms=$(sed -n 's/^sigsafe: connect returned after \([0-9]*\) ms.*/\1/p' "$TMP/3plain.err")
at_least 700 "${ms:-none}" "... (control: it waited for the drain at 800 ms: ${ms:-?} ms)"
go 3shim shim "$CT" "$HELPER" connect-restart
same_as 3plain 3shim \
    "connect, SIGALRM with SA_RESTART at 200 ms, $CT: returns 0 as without"
diag "under sockshim: $(sed -n 's/^sigsafe: //p' "$TMP/3shim.err" | grep 'connect returned')"
go 3intr-plain plain "$HELPER" connect-restart --no-restart
keep_rc 3intr-plain
expect 3intr-plain "connect rc=-1 errno=EINTR" \
    "connect, SIGALRM without SA_RESTART at 200 ms: EINTR without sockshim"
go 3intr-shim shim "$CT" "$HELPER" connect-restart --no-restart
same_as 3intr-plain 3intr-shim \
    "connect, SIGALRM without SA_RESTART at 200 ms, $CT: EINTR as without"

# === 4. a process that makes no socket sees no descriptor of ours (5) =====
LSFD='import os; print(sorted(os.listdir("/proc/self/fd")))'
go 4plain plain "$PY" -c "$LSFD"
keep_rc 4plain
like "$(cat "$TMP/4plain.out")" "^\['0', '1', .*'2'" \
    "no socket: (control: python3 lists its descriptors, 0, 1, 2 among them)"
go 4shim shim "$PY" -c "$LSFD"
same_as 4plain 4shim "no socket: python3 sees the same descriptors under sockshim"
go 4file shim SOCKSHIM_LOG="file:$TMP/4.log" "$PY" -c "$LSFD"
same_as 4plain 4file \
    "no socket: the same descriptors with SOCKSHIM_LOG=file:... as without"
# Under ulimit -n 8 a descriptor of ours takes one of the program's few.
emfile() { # emfile TAG [VAR=VALUE...]
    _tag=$1
    shift
    bounded sh -c 'ulimit -n 8 && exec env "$@"' sh "$@" "$HELPER" emfile \
        >"$TMP/$_tag.out" 2>"$TMP/$_tag.err"
    rc=$?
}
emfile 4emfile-plain
keep_rc 4emfile-plain
like "$(cat "$TMP/4emfile-plain.out")" '^opened=[1-5]$' \
    "no socket, ulimit -n 8: (control: without sockshim the program opens 1-5 files)"
emfile 4emfile-shim LD_PRELOAD="$PRELOAD"
same_as 4emfile-plain 4emfile-shim \
    "no socket, ulimit -n 8: as many files open before EMFILE as without sockshim"

# === 5. a timer handler every 50 us (2) ===================================
# The handler makes and closes a TCP socket on every tick while main()
# makes 100000 sockets of its own (ticks land inside wrapped calls). A
# handler slower than the 50 us period starves main(): a hang check, not
# a measure of speed, with a deadline of 30 s or 6 times the run without
# sockshim, whichever is longer (about 1.3 s idle; 13 s was seen on a
# machine loaded by a parallel make check); both times are shown. Under sockshim with stacks off: a stack
# captured in a handler that interrupted a wrapped call takes libunwind's
# slow path (~100 us), longer than the period, which starves such a
# program whatever sockshim does around it (README, limits).
STORM_DEADLINE=30
storm() { # storm TAG plain|shim
    _t0=$(date +%s.%N) _was=$TEST_TIMEOUT
    TEST_TIMEOUT=$STORM_DEADLINE
    go "$1" "$2" SOCKSHIM_STACKS=off "$HELPER" tick-storm 50 5000 100000
    keep_rc "$1"
    TEST_TIMEOUT=$_was _t1=$(date +%s.%N)
    echo "$_t0 $_t1" | awk '{printf "%.2f\n", $2 - $1}' >"$TMP/$1.time"
}
storm 5plain plain
expect 5plain "tick-storm done failed=0" \
    "timer every 50 us, socket in the handler: finishes without sockshim"
STORM_DEADLINE=$(awk -v t="$(cat "$TMP/5plain.time")" \
    'BEGIN { d = int(6 * t + 1); print (d > 30 ? d : 30) }')
storm 5shim shim
expect 5shim "tick-storm done failed=0" \
    "timer every 50 us, socket in the handler: finishes under sockshim (stacks off) within $STORM_DEADLINE s"
# storm_says TAG: the helper's account of the run, or how it ended.
storm_says() {
    _says=$(sed -n 's/^sigsafe: tick-storm: //p' "$TMP/$1.err")
    echo "${_says:-no report: status $(cat "$TMP/$1.rc") (124: killed at $STORM_DEADLINE s)}"
}
diag "without sockshim: $(cat "$TMP/5plain.time") s ($(storm_says 5plain))"
diag "with sockshim:    $(cat "$TMP/5shim.time") s ($(storm_says 5shim))"
