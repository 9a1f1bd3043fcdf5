#!/bin/sh
# unseen-closes.sh — descriptors that change behind sockshim's back, end
# to end: (A) a socket closed with fclose() or syscall(SYS_close), its
# number reused by a file, pipe or eventfd: no event about the newcomer,
# and the stale entry counted as closed_unseen; (B) syscall() transparent,
# a socket made through it tracked; (C) an inetd-style vfork() child must
# not rewrite the parent's table; (D) a server built with _FORTIFY_SOURCE
# (__read_chk, __recv_chk, __recvfrom_chk): its EOF seen, its fortify
# abort kept; (E) the EOF label with SOCKSHIM_STACKS=off; (F) closefrom()
# when close_range() fails with ENOSYS (glibc's /proc fallback closes
# sockshim's log too). Every diagnostic run uses a 300 ms threshold and a
# scan every 100 ms; the programs hold 1-2 s at most, and runs of a
# section go side by side.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/events.sh"

# No program here runs longer than 3 s: a hang is a failure, not a stall.
TEST_TIMEOUT=${TEST_TIMEOUT:-20}
UNSEEN=$BUILD/t/helpers/unseen
INETD=$BUILD/t/helpers/inetd-vfork
CFE=$BUILD/t/helpers/closefrom-enosys
FORT=$BUILD/t/helpers/fortified
CWS=$EX/closewait-server
for f in "$UNSEEN" "$INETD" "$CFE" "$FORT" "$CWS"; do
    [ -x "$f" ] || skip_all "$f not built"
done
command -v timeout >/dev/null 2>&1 || skip_all "timeout not installed"

plan 71

# ---------------------------------------------------------------- helpers

# The settings of every diagnostic run: info level (the summary at exit
# proves the library ran), a 300 ms CLOSE_WAIT threshold, a scan every
# 100 ms (a setting given after these overrides them).
FAST="SOCKSHIM_LOG_LEVEL=info SOCKSHIM_CLOSE_WAIT=300ms SOCKSHIM_SCAN=100ms"
# one_event counts the lines shown in full, not the short repeat=N lines
# sockshim folds an event's repeats into.
# shellcheck disable=SC2034 # events.sh's one_event reads it
REPEATS=aside

# launch TAG shim|bare [VAR=VALUE...] PROGRAM [ARGS...]: in the background,
# under sockshim with FAST and the settings, or without it (the settings
# then do nothing); stdout in $TMP/TAG.out, stderr in $TMP/TAG.err, stdin
# from $STDIN (default /dev/null).
STDIN=/dev/null
launch() {
    _tag=$1 _how=$2
    shift 2
    # There before the job writes it: wait_line reads it.
    : >"$TMP/$_tag.out"
    if [ "$_how" = shim ]; then
        # shellcheck disable=SC2086 # FAST is a list of settings
        bounded env LD_PRELOAD="$PRELOAD" $FAST "$@" <"$STDIN" \
            >"$TMP/$_tag.out" 2>"$TMP/$_tag.err" &
    else
        bounded env "$@" <"$STDIN" >"$TMP/$_tag.out" 2>"$TMP/$_tag.err" &
    fi
    echo $! >"$TMP/$_tag.pid"
    PIDS="$PIDS $!"
}

# finish TAG: wait for TAG's run to end; sets RC, OUT and ERR.
finish() {
    _pid=$(cat "$TMP/$1.pid")
    wait "$_pid"
    RC=$?
    PIDS=$(echo " $PIDS " | sed "s/ $_pid / /")
    OUT=$(cat "$TMP/$1.out")
    ERR=$(cat "$TMP/$1.err")
}

# wait_line TAG ERE: wait (10 s at most) for a line of TAG's stdout
# matching ERE.
wait_line() {
    _i=0
    while ! grep -Eq -- "$2" "$TMP/$1.out" && [ $_i -lt 200 ]; do
        sleep 0.05
        _i=$((_i + 1))
    done
}

# port TAG: the port of TAG's "listening on 127.0.0.1:PORT" line.
port() {
    sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/$1.out"
}

# client TAG: once TAG's server listens, one echo exchange with it
# (without sockshim); "echo ok" and more in $TMP/TAG.client.
client() {
    wait_line "$1" '^listening on '
    bounded "$UNSEEN" client "$(port "$1")" >"$TMP/$1.client" 2>&1
}

# Only the pid and the port differ from one run to the next.
mask() { printf '%s\n' "$1" | sed 's/^pid [0-9]*$/pid PID/; s/127\.0\.0\.1:[0-9]*/127.0.0.1:PORT/'; }

# loud TEXT: the warn and error events of TEXT.
loud() { printf '%s\n' "$1" | grep -E '^sockshim\[[0-9]+\]: (warn|error): '; }

# silent TEXT DESC: no warn or error event in TEXT. 1 test.
silent() {
    if loud "$1" >/dev/null; then
        ok 1 "$2"
        diag "events that should not be there:" "$(loud "$1")"
    else
        ok 0 "$2"
    fi
}

# has_summary TEXT: TEXT holds sockshim's summary line (the library ran
# in that process and reached its exit).
has_summary() {
    printf '%s\n' "$1" | grep -Eq '^sockshim\[[0-9]+\]: info: summary '
}

# ------------------------------- A. closed behind sockshim's back, reused

# Contract: before reporting anything about a socket, sockshim confirms the
# descriptor still is that socket; an entry whose socket was closed where
# it could not see (glibc's internal close in fclose(), a raw syscall())
# is dropped silently and counted in the summary as closed_unseen=N. So:
# no warn or error event about the file, pipe or eventfd that took the
# number (a close_wait or leak_at_exit for the gone socket, close_unread
# from FIONREAD on a file, write_after_shutdown for a write to a file).
# --no-eof: the server read its peer's line but no EOF, which is when
# sockshim's close() checks for unread data (not after an EOF read).
# The reused file has bytes nobody reads (FIONREAD on a regular file gives
# what is left of it, which looks like a socket's unread data).
seq 1 2000 >"$TMP/data"
# CLOSER.REUSE[.keep|.no-eof]: unseen CLOSER REUSE [--keep|--no-eof].
A_TAGS="fclose.file fclose.pipe fclose.eventfd
syscall.file syscall.pipe syscall.eventfd
fclose.file.keep fclose.pipe.keep fclose.eventfd.keep
syscall.file.keep syscall.pipe.keep syscall.eventfd.keep
fclose.file.no-eof syscall.file.no-eof"
for t in $A_TAGS; do
    # shellcheck disable=SC2046 # the tag's words are the arguments
    set -- $(echo "$t" | tr . ' ')
    launch "$t" shim "$UNSEEN" "$1" "$2" ${3:+"--$3"} --file "$TMP/data"
    launch "$t.bare" bare "$UNSEEN" "$1" "$2" ${3:+"--$3"} --file "$TMP/data"
done
launch shutwr shim "$UNSEEN" shutwr --file "$TMP/shutwr.shim"
launch shutwr.bare bare "$UNSEEN" shutwr --file "$TMP/shutwr.bare"
# B's leak through a socket made with syscall(), side by side.
launch raw shim "$UNSEEN" raw-leak

# ------------------------------------- B. syscall(), byte for byte (meanwhile)

# Contract: syscall() (wrapped for the descriptor-lifecycle numbers) gives
# the program exactly what libc's gives, errno included.

bounded "$UNSEEN" syscalls >"$TMP/sys.bare" 2>"$TMP/sys.bare.err"
st_bare=$?
bounded env LD_PRELOAD="$PRELOAD" SOCKSHIM_LOG_LEVEL=info \
    SOCKSHIM_LOG="file:$TMP/sys.log" "$UNSEEN" syscalls \
    >"$TMP/sys.shim" 2>"$TMP/sys.shim.err"
st_shim=$?
n=$(grep -Fxc -e 'getpid equal=1 errno=EDOM' -e 'gettid equal=1 errno=EDOM' \
    -e 'invalid_100000 rc=-1 errno=ENOSYS' -e 'mmap ok=1 errno=EDOM' \
    -e 'sendto rc=5 errno=EDOM' -e 'recvfrom data=hello addrlen=16 from_a=1' \
    -e 'close_not_open rc=-1 errno=EBADF' -e 'dup3_1_to_51_cloexec rc=51 errno=EDOM' \
    "$TMP/sys.bare")
is "0 8" "$st_bare $n" \
    "syscalls without sockshim: getpid, gettid, ENOSYS, six-argument mmap/sendto/recvfrom, EBADF, dup3 as expected"
if cmp -s "$TMP/sys.bare" "$TMP/sys.shim"; then
    ok 0 "syscalls: stdout under sockshim identical to libc's (results, errno kept on success)"
else
    ok 1 "syscalls: stdout under sockshim identical to libc's (results, errno kept on success)"
    diag "$(diff "$TMP/sys.bare" "$TMP/sys.shim")"
fi
is "$st_bare" "$st_shim" "syscalls: same exit status"
if [ ! -s "$TMP/sys.shim.err" ] && has_summary "$(cat "$TMP/sys.log" 2>/dev/null)"; then
    ok 0 "syscalls: nothing on stderr, the summary in sockshim's log (it ran)"
else
    ok 1 "syscalls: nothing on stderr, the summary in sockshim's log (it ran)"
    diag "stderr:" "$(cat "$TMP/sys.shim.err")" "log:" "$(cat "$TMP/sys.log" 2>/dev/null)"
fi

# --------------------------- F. closefrom() with close_range() ENOSYS (meanwhile)

# Contract: when glibc's closefrom() falls back to closing /proc/self/fd's
# list itself, sockshim's own descriptors are gone too: it must stop
# claiming their numbers (the program's next descriptor there closes
# normally) and reopen its log when it next writes.

bounded "$CFE" >"$TMP/cf.bare" 2>&1
st_bare=$?
bounded env LD_PRELOAD="$PRELOAD" SOCKSHIM_LOG="file:$TMP/cf.log" "$CFE" \
    >"$TMP/cf.shim" 2>&1
st_shim=$?
if grep -q '^skip:' "$TMP/cf.bare"; then
    why=$(sed -n 's/^skip: //p' "$TMP/cf.bare")
    for d in "closefrom-enosys: the filter makes close_range() ENOSYS" \
        "closefrom-enosys: without sockshim the dup at 1000 closes" \
        "closefrom-enosys: output and exit status as without sockshim" \
        "closefrom-enosys: double_close before closefrom logged" \
        "closefrom-enosys: double_close after closefrom still logged"; do
        skip "$d" "$why"
    done
else
    like "$(cat "$TMP/cf.bare")" '^close_range rc=-1 errno=ENOSYS$' \
        "closefrom-enosys: the seccomp filter makes close_range() fail ENOSYS"
    is "0|dupfd rc=1000 errno=0|close_dup rc=0 errno=EDOM" \
        "$st_bare|$(grep -E '^(dupfd|close_dup) ' "$TMP/cf.bare" | paste -sd '|')" \
        "closefrom-enosys: without sockshim, F_DUPFD from 1000 gets 1000 and close() closes it"
    # The dup's number itself may differ: sockshim makes libunwind's pipe
    # again at the numbers it had (libunwind keeps them), so the program
    # gets the next number sockshim held (its log's) instead of 1000.
    sed -E 's/^dupfd rc=[0-9]{4,} /dupfd rc=N /' "$TMP/cf.bare" >"$TMP/cf.bare.m"
    sed -E 's/^dupfd rc=[0-9]{4,} /dupfd rc=N /' "$TMP/cf.shim" >"$TMP/cf.shim.m"
    if [ "$st_bare" = "$st_shim" ] && cmp -s "$TMP/cf.bare.m" "$TMP/cf.shim.m"; then
        ok 0 "closefrom-enosys: output (close of the dup returns 0) and exit status as without sockshim"
    else
        ok 1 "closefrom-enosys: output (close of the dup returns 0) and exit status as without sockshim"
        diag "exit status $st_bare without, $st_shim with" \
            "$(diff "$TMP/cf.bare" "$TMP/cf.shim")"
    fi
    CF=$(cat "$TMP/cf.log" 2>/dev/null)
    like "$CF" '^sockshim\[[0-9]+\]: error: double_close fd=900 ' \
        "closefrom-enosys: the double_close before closefrom is in the log"
    like "$CF" '^sockshim\[[0-9]+\]: error: double_close fd=901 ' \
        "closefrom-enosys: the double_close after closefrom still reaches the log"
fi

# ------------------------------------------------------------- A's results

for t in $A_TAGS; do
    finish "$t.bare"
    BRC=$RC BOUT=$OUT
    finish "$t"
    fd=$(pick '^reused fd=\([0-9]*\) as .*')
    if [ "$RC" = 0 ] && [ "$BRC" = 0 ] && [ -n "$fd" ] &&
        [ "$OUT" = "$BOUT" ] && has_summary "$ERR"; then
        ok 0 "$t: number reused (fd $fd), stdout and exit 0 as without sockshim, summary logged"
    else
        ok 1 "$t: number reused (fd $fd), stdout and exit 0 as without sockshim, summary logged"
        diag "exit status $BRC without, $RC with; stdout without:" "$BOUT" \
            "stdout with:" "$OUT" "stderr:" "$ERR"
    fi
    silent "$ERR" "$t: no warn or error event about what reuses fd $fd"
    case $t in fclose.*.keep)
        like "$(events summary)" ' closed_unseen=[1-9][0-9]*( |$)' \
            "$t: the summary counts the stale socket, closed_unseen >= 1"
        ;;
    esac
done

finish shutwr.bare
BRC=$RC BOUT=$OUT
finish shutwr
if [ "$RC" = 0 ] && [ "$BRC" = 0 ] && [ "$OUT" = "$BOUT" ] &&
    [ "$(cat "$TMP/shutwr.shim" 2>/dev/null)" = data ] && has_summary "$ERR"; then
    ok 0 "shutwr: the file at the shut-down socket's number written, stdout and exit 0 as without sockshim"
else
    ok 1 "shutwr: the file at the shut-down socket's number written, stdout and exit 0 as without sockshim"
    diag "exit status $BRC without, $RC with; stdout without:" "$BOUT" \
        "stdout with:" "$OUT" "stderr:" "$ERR"
fi
is 0 "$(nevents write_after_shutdown)" \
    "shutwr: no write_after_shutdown for the write to the file"
silent "$ERR" "shutwr: no warn or error event at all"

finish raw
fd=$(pick '^raw fd=\([0-9]*\) eof$')
is "0 yes" "$RC ${fd:+yes}" "raw-leak: the syscall() socket read to EOF, exit status 0"
# Today sockshim already reports it: it classifies an unseen socket when
# the program connects it.
one_event close_wait "^sockshim\[[0-9]+\]: error: close_wait fd=$fd tcp .* role=connect .* eof=read -- " \
    "raw-leak: close_wait fd=$fd role=connect eof=read for the socket made by syscall()"

# ------------------------- C, D, E: servers side by side, then their clients

# C. The parent reads this as its own stdin.
seq 1 300 >"$TMP/input"
STDIN=$TMP/input
launch inetd shim SOCKSHIM_LOG="file:$TMP/inetd.%p.log" "$INETD" --hold 800
launch inetd.bare bare "$INETD" --hold 800
STDIN=/dev/null
CALLS="read recv recvfrom"
for c in $CALLS; do
    # The leak seen by the scan; a late close and a leak at exit without
    # any scan (only the read wrapper can know the EOF then).
    launch "fort.$c" shim "$FORT" server --call "$c" --hold 1.5
    launch "fort.$c.bare" bare "$FORT" server --call "$c" --hold 1.5
    launch "late.$c" shim SOCKSHIM_SCAN=0 "$FORT" server --call "$c" \
        --close-after 0.9
    launch "exit.$c" shim SOCKSHIM_SCAN=0 "$FORT" server --call "$c" \
        --hold 0.5
done
launch nostacks shim SOCKSHIM_STACKS=off "$CWS" --hold 2
for t in inetd inetd.bare nostacks; do
    client "$t"
done
for c in $CALLS; do
    for t in "fort.$c" "fort.$c.bare" "late.$c" "exit.$c"; do
        client "$t"
    done
done

# ------------------------------------------------------ C. inetd and vfork

# Contract: the calls a vfork() child makes before it execs (dup2 onto 0
# and 1, close) change the child's descriptors, not the parent's: they
# must not change what sockshim records for the parent.

finish inetd.bare
BRC=$RC BOUT=$OUT
finish inetd
is "echo ok" "$(cat "$TMP/inetd.client")" \
    "inetd-vfork: the exec'd service echoed the client's line"
if [ "$RC" = 0 ] && [ "$BRC" = 0 ] &&
    [ "$(mask "$OUT")" = "$(mask "$BOUT")" ] &&
    printf '%s\n' "$OUT" | grep -qx 'child status 0' &&
    printf '%s\n' "$OUT" | grep -qx "stdin bytes=$(wc -c <"$TMP/input" | tr -d ' ')"; then
    ok 0 "inetd-vfork: child status 0, its own stdin read in full, stdout and exit 0 as without sockshim"
else
    ok 1 "inetd-vfork: child status 0, its own stdin read in full, stdout and exit 0 as without sockshim"
    diag "exit status $BRC without, $RC with; stdout without:" "$BOUT" \
        "stdout with:" "$OUT" "stderr:" "$ERR"
fi
ppid=$(pick '^pid \([0-9]*\)$')
PLOG=$(cat "$TMP/inetd.$ppid.log" 2>/dev/null)
if [ -n "$ppid" ] && has_summary "$PLOG"; then
    ok 0 "inetd-vfork: the parent's own log (pid $ppid) has its summary"
else
    ok 1 "inetd-vfork: the parent's own log (pid $ppid) has its summary"
    diag "logs:" "$(cd "$TMP" && echo inetd.*.log)" "parent's:" "$PLOG"
fi
silent "$PLOG" "inetd-vfork: no warn or error event in the parent (its stdin and stdout are not the child's connection)"

# ----------------------------------------------- D. a fortified server

# Contract: __read_chk, __recv_chk and __recvfrom_chk are reads like the
# others: the EOF they return is recorded (eof=read, with the stack of the
# function that read it; without any scan, a late close and the leak at
# exit are known from it) and their buffer check still aborts.

if command -v nm >/dev/null 2>&1; then
    SYMS=$(nm -D "$FORT" 2>&1)
    for s in __read_chk __recv_chk __recvfrom_chk; do
        like "$SYMS" "^ +U $s(@|\$)" "fortified: nm -D shows $s (the build is fortified)"
    done
else
    for s in __read_chk __recv_chk __recvfrom_chk; do
        skip "fortified: nm -D shows $s" "nm not installed"
    done
fi

for c in $CALLS; do
    finish "fort.$c.bare"
    BRC=$RC BOUT=$OUT
    finish "fort.$c"
    fd=$(pick "^fd \\([0-9]*\\): peer closed ($c returned 0)\$")
    if [ "$RC" = 0 ] && [ "$BRC" = 0 ] && [ -n "$fd" ] &&
        [ "$(mask "$OUT")" = "$(mask "$BOUT")" ] &&
        [ "$(cat "$TMP/fort.$c.client")" = "echo ok" ]; then
        ok 0 "fortified --call $c: echoed, saw $c() return 0; stdout and exit 0 as without sockshim"
    else
        ok 1 "fortified --call $c: echoed, saw $c() return 0; stdout and exit 0 as without sockshim"
        diag "exit status $BRC without, $RC with; client: $(cat "$TMP/fort.$c.client")" \
            "stdout without:" "$BOUT" "stdout with:" "$OUT" "stderr:" "$ERR"
    fi
    one_event close_wait "^sockshim\[[0-9]+\]: error: close_wait fd=$fd tcp .* role=accept .* eof=read -- " \
        "fortified --call $c: close_wait fd=$fd eof=read (the __${c}_chk EOF seen)"
    if frames "$(block close_wait 1)" "peer's EOF read at" |
        grep -Eq "$(frame_re 'serve_client[.a-z0-9]*' fortified)"; then
        ok 0 "fortified --call $c: the EOF stack names serve_client"
    else
        ok 1 "fortified --call $c: the EOF stack names serve_client"
        diag "close_wait:" "$(block close_wait 1)"
    fi

    finish "late.$c"
    fd=$(pick '^fd \([0-9]*\): closed$')
    one_event late_close "^sockshim\[[0-9]+\]: info: late_close fd=$fd tcp .* role=accept after=" \
        "fortified --call $c, SOCKSHIM_SCAN=0, closed 0.9 s after the EOF: late_close fd=$fd"

    finish "exit.$c"
    fd=$(pick "^fd \\([0-9]*\\): peer closed ($c returned 0)\$")
    one_like leak_at_exit "^sockshim\[[0-9]+\]: warn: leak_at_exit count=1 close_wait=1 role=accept fds=$fd -- " \
        "fortified --call $c, SOCKSHIM_SCAN=0, never closed: leak_at_exit close_wait=1 fds=$fd"
done

# The fortify check itself stays: a read of 64 bytes into 16.
bounded "$FORT" overflow 64 </dev/null >"$TMP/ovf.bare.out" 2>"$TMP/ovf.bare.err"
st_bare=$?
bounded env LD_PRELOAD="$PRELOAD" "$FORT" overflow 64 </dev/null \
    >"$TMP/ovf.shim.out" 2>"$TMP/ovf.shim.err"
st_shim=$?
is "134 134" "$st_bare $st_shim" \
    "fortified overflow: SIGABRT (status 134) without and with sockshim"
if grep -qF '*** buffer overflow detected ***' "$TMP/ovf.bare.err" &&
    grep -qF '*** buffer overflow detected ***' "$TMP/ovf.shim.err" &&
    [ ! -s "$TMP/ovf.shim.out" ]; then
    ok 0 "fortified overflow: glibc's \"*** buffer overflow detected ***\" under sockshim, nothing read"
else
    ok 1 "fortified overflow: glibc's \"*** buffer overflow detected ***\" under sockshim, nothing read"
    diag "stdout:" "$(cat "$TMP/ovf.shim.out")" "stderr:" "$(cat "$TMP/ovf.shim.err")"
fi

# ------------------------------------- E. the EOF label without stacks

# Contract: eof=read says the program read the EOF, whether or not a stack
# was captured (SOCKSHIM_STACKS=off captures none).

finish nostacks
fd=$(pick '^fd \([0-9]*\): peer closed (recv returned 0), NOT closing.*')
is "0 yes echo ok" "$RC ${fd:+yes} $(cat "$TMP/nostacks.client")" \
    "closewait-server, SOCKSHIM_STACKS=off: echoed, saw recv() return 0, exit status 0"
one_event close_wait "^sockshim\[[0-9]+\]: error: close_wait fd=$fd .* eof=read -- " \
    "SOCKSHIM_STACKS=off: close_wait fd=$fd still says eof=read (the program read it)"
