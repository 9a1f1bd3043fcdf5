#!/bin/sh
# diagnostics.sh — the diagnostic events, end to end: each kind from the
# example that shows it (close_unread, abortive_close, double_close,
# shutdown_misuse, write_after_shutdown, addr_in_use, accept_overflow),
# from the -O1 frame-pointer build (examples/) and the -O2
# -fomit-frame-pointer one (t/nofp/); the examples' own output unchanged;
# silence for their clean counterparts; every write call; JSON; and the
# diagnostic options SOCKSHIM_CHECKS, SOCKSHIM_SUPPRESS, SOCKSHIM_STACKS,
# SOCKSHIM_STACK_DEPTH; repeats folded; an unmodified program (python3).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/events.sh"

# A run takes milliseconds (backlog-overflow half a second): a hang is a
# failure, not a stalled test run.
TEST_TIMEOUT=${TEST_TIMEOUT:-20}
NOFP=$BUILD/t/nofp
BOTH="rst-peer double-close shutdown-misuse write-after-reset backlog-overflow"
for p in $BOTH; do
    for d in "$EX" "$NOFP"; do
        [ -x "$d/$p" ] || skip_all "$d/$p not built"
    done
done
[ -x "$EX/timewait-client" ] || skip_all "$EX/timewait-client not built"
command -v timeout >/dev/null 2>&1 || skip_all "timeout not installed"

# python3: the interpreter itself, not a wrapper script (a pyenv shim is a
# bash script, which the preload would reach first). PY_SOCKET_SO is set
# when its _socket module is a shared object (where sock_close is named).
# Debian's first: a wrapper on PATH (pyenv) takes a second to say where
# its interpreter is, and pyenv's builds have _socket built in.
PY=
PY_SOCKET_SO=
for cand in /usr/bin/python3 python3; do
    exe=$(bounded "$cand" -c 'import sys; print(sys.executable)' 2>/dev/null) ||
        continue
    [ -x "$exe" ] || continue
    [ -n "$PY" ] || PY=$exe
    if bounded "$exe" -c 'import _socket; _socket.__file__' 2>/dev/null; then
        PY=$exe PY_SOCKET_SO=yes
        break
    fi
done
[ -n "$PY" ] || skip_all "python3 not installed"

plan 127

# ---------------------------------------------------------------- helpers

# bare PROGRAM [ARGS...]: PROGRAM without sockshim; sets BOUT and BRC.
bare() {
    bounded "$@" >"$TMP/bout" 2>"$TMP/berr"
    BRC=$?
    BOUT=$(cat "$TMP/bout")
}

# The output with every number masked: fd numbers and ports vary. With
# UNORDERED set, its lines sorted too: rst-peer --clean prints from two
# threads, and its client's last line races the server's (with or without
# sockshim).
mask() {
    if [ -n "${UNORDERED:-}" ]; then
        printf '%s\n' "$1" | sed 's/[0-9][0-9]*/N/g' | LC_ALL=C sort
    else
        printf '%s\n' "$1" | sed 's/[0-9][0-9]*/N/g'
    fi
}

# same_run DESC: the shim's run printed what the bare run did (numbers
# masked) and exited alike. 1 test.
same_run() {
    # shellcheck disable=SC2153 # OUT is shim's (events.sh), not a BOUT typo
    if [ "$RC" = "$BRC" ] && [ "$(mask "$OUT")" = "$(mask "$BOUT")" ]; then
        ok 0 "$1"
    else
        ok 1 "$1"
        diag "exit status $BRC without sockshim, $RC with it" \
            "stdout without:" "$BOUT" "stdout with:" "$OUT" "stderr:" "$ERR"
    fi
}

# clean_run DESC: as same_run, and not one line on stderr. 1 test.
clean_run() {
    if [ -z "$ERR" ] && [ "$RC" = "$BRC" ] &&
        [ "$(mask "$OUT")" = "$(mask "$BOUT")" ]; then
        ok 0 "$1"
    else
        ok 1 "$1"
        diag "exit status $BRC without sockshim, $RC with it; stderr:" \
            "${ERR:-(empty)}" "stdout without:" "$BOUT" "stdout with:" "$OUT"
    fi
}

# stacks KIND MODULE LABEL FUNC CLABEL CFUNC DESC: the KIND event's LABEL
# stack has a frame in FUNC, its CLABEL stack one in CFUNC (CLABEL "-":
# it has no creation stack at all). 1 test.
stacks() {
    _call=$(frames "$(block "$1")" "$3")
    _fail=
    printf '%s\n' "$_call" | grep -Eq "$(frame_re "$4" "$2")" ||
        _fail="no $4 frame under \"$3:\""
    if [ "$5" = - ]; then
        ! printf '%s\n' "$ERR" | grep -q '^    socket created at:' ||
            _fail="$_fail; a creation stack for a non-socket"
    else
        frames "$(block "$1")" "$5" | grep -Eq "$(frame_re "$6" "$2")" ||
            _fail="$_fail; no $6 frame under \"$5:\""
    fi
    if [ -z "$_fail" ]; then ok 0 "$7"; else
        ok 1 "$7"
        diag "${_fail#; }; stderr:" "${ERR:-(empty)}"
    fi
}

# ------------------------- 1, 2. each event kind, in both builds, exactly

for d in "$EX" "$NOFP"; do
    b=${d##*/}

    # close_unread: the server closes with the request unread.
    bare "$d/rst-peer" --unread
    shim "$d/rst-peer" --unread
    same_run "$b rst-peer --unread: stdout and exit status as without sockshim"
    L=$(pick '^server: listening on 127\.0\.0\.1:\([0-9]*\)$')
    fd=$(pick '^server: accepted fd=\([0-9]*\) from .*')
    P=$(pick '^server: accepted fd=[0-9]* from 127\.0\.0\.1:\([0-9]*\)$')
    U=$(pick '^server: close(fd=[0-9]*) with \([0-9]*\) bytes unread.*')
    one_event close_unread "^sockshim\[[0-9]+\]: warn: close_unread fd=$fd tcp 127\.0\.0\.1:$L <- 127\.0\.0\.1:$P role=accept unread=$U -- " \
        "$b rst-peer --unread: one close_unread, fd=$fd 127.0.0.1:$L <- 127.0.0.1:$P unread=$U"
    stacks close_unread rst-peer 'close() at' close_with_unread_data \
        'socket created at' accept_connection \
        "$b rst-peer --unread: closed in close_with_unread_data, created in accept_connection"

    # abortive_close: SO_LINGER {1,0}, then close(), with a reply still
    # queued for the client: the reset throws it away.
    bare "$d/rst-peer" --linger0
    shim "$d/rst-peer" --linger0
    same_run "$b rst-peer --linger0: stdout and exit status as without sockshim"
    L=$(pick '^server: listening on 127\.0\.0\.1:\([0-9]*\)$')
    fd=$(pick '^server: accepted fd=\([0-9]*\) from .*')
    P=$(pick '^server: accepted fd=[0-9]* from 127\.0\.0\.1:\([0-9]*\)$')
    one_event abortive_close "^sockshim\[[0-9]+\]: warn: abortive_close fd=$fd tcp 127\.0\.0\.1:$L <- 127\.0\.0\.1:$P role=accept linger=on:0s unread=0 unacked=[1-9][0-9]* -- " \
        "$b rst-peer --linger0: one abortive_close, fd=$fd 127.0.0.1:$L <- 127.0.0.1:$P linger=on:0s unread=0 unacked>0"
    stacks abortive_close rst-peer 'close() at' close_abortively \
        'socket created at' accept_connection \
        "$b rst-peer --linger0: closed in close_abortively, created in accept_connection"

    # double_close: the worker thread closes, then main again.
    bare "$d/double-close" --bug
    shim "$d/double-close" --bug
    same_run "$b double-close --bug: stdout and exit status as without sockshim"
    fd=$(pick '^main: accepted fd=\([0-9]*\) from .*')
    one_event double_close "^sockshim\[[0-9]+\]: error: double_close fd=$fd errno=EBADF -- " \
        "$b double-close --bug: one double_close (error), fd=$fd errno=EBADF"
    stacks double_close double-close 'close() at' main_close_again \
        'first closed at' worker_close \
        "$b double-close --bug: closed again in main_close_again, first in worker_close"

    # shutdown() of a listener: how Linux programs wake accept(), no
    # misuse. Level info, so that the summary shows sockshim was there.
    bare "$d/shutdown-misuse" --listener
    shim SOCKSHIM_LOG_LEVEL=info "$d/shutdown-misuse" --listener
    same_run "$b shutdown-misuse --listener: stdout and exit status as without sockshim"
    no_event shutdown_misuse "$b shutdown-misuse --listener: no shutdown_misuse (it wakes accept())"
    one_event summary "^sockshim\[[0-9]+\]: info: summary sockets=[1-9][0-9]* repeated=0 " \
        "$b shutdown-misuse --listener: the summary counts the listener, and no event"

    # shutdown_misuse, three ways.

    bare "$d/shutdown-misuse" --unconnected
    shim "$d/shutdown-misuse" --unconnected
    same_run "$b shutdown-misuse --unconnected: stdout and exit status as without sockshim"
    fd=$(pick '^socket fd=\([0-9]*\) (not connected)$')
    one_event shutdown_misuse "^sockshim\[[0-9]+\]: warn: shutdown_misuse fd=$fd tcp( [^ ]+)? role=none how=SHUT_RDWR problem=not_connected errno=ENOTCONN -- " \
        "$b shutdown-misuse --unconnected: one shutdown_misuse, fd=$fd problem=not_connected errno=ENOTCONN"
    stacks shutdown_misuse shutdown-misuse 'shutdown() at' shutdown_unconnected \
        'socket created at' make_socket \
        "$b shutdown-misuse --unconnected: in shutdown_unconnected, created in make_socket"

    bare "$d/shutdown-misuse" --not-socket
    shim "$d/shutdown-misuse" --not-socket
    same_run "$b shutdown-misuse --not-socket: stdout and exit status as without sockshim"
    fd=$(pick '^pipe fd=\([0-9]*\) (read end).*')
    one_event shutdown_misuse "^sockshim\[[0-9]+\]: warn: shutdown_misuse fd=$fd how=SHUT_RDWR problem=not_a_socket errno=ENOTSOCK -- " \
        "$b shutdown-misuse --not-socket: one shutdown_misuse, fd=$fd problem=not_a_socket errno=ENOTSOCK"
    stacks shutdown_misuse shutdown-misuse 'shutdown() at' shutdown_pipe - - \
        "$b shutdown-misuse --not-socket: in shutdown_pipe, no creation stack for a pipe"

    bare "$d/shutdown-misuse" --twice
    shim "$d/shutdown-misuse" --twice
    same_run "$b shutdown-misuse --twice: stdout and exit status as without sockshim"
    L=$(pick '^server: listening on 127\.0\.0\.1:\([0-9]*\), fd=[0-9]*$')
    fd=$(pick '^client: connected fd=\([0-9]*\)$')
    one_event shutdown_misuse "^sockshim\[[0-9]+\]: warn: shutdown_misuse fd=$fd tcp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$L role=connect how=SHUT_WR problem=repeated -- " \
        "$b shutdown-misuse --twice: one shutdown_misuse, fd=$fd -> 127.0.0.1:$L how=SHUT_WR problem=repeated"
    stacks shutdown_misuse shutdown-misuse 'shutdown() at' shutdown_write_again \
        'socket created at' connect_client \
        "$b shutdown-misuse --twice: in shutdown_write_again, created in connect_client"

    # write_after_shutdown: after the program's own SHUT_WR, and EPIPE
    # after the peer's reset (the other calls: section 4).
    bare "$d/write-after-reset" --after-shutdown
    shim "$d/write-after-reset" --after-shutdown
    same_run "$b write-after-reset --after-shutdown: stdout and exit status as without sockshim"
    L=$(pick '^server: listening on 127\.0\.0\.1:\([0-9]*\)$')
    fd=$(pick '^client fd=\([0-9]*\) connected$')
    one_event write_after_shutdown "^sockshim\[[0-9]+\]: warn: write_after_shutdown fd=$fd tcp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$L role=connect call=write after=shutdown\(SHUT_WR\) -- " \
        "$b write-after-reset --after-shutdown: one write_after_shutdown, fd=$fd -> 127.0.0.1:$L call=write after=shutdown(SHUT_WR)"
    stacks write_after_shutdown write-after-reset 'write() at' write_message \
        'socket created at' connect_client \
        "$b write-after-reset --after-shutdown: in write_message, created in connect_client"
    shim env SOCKSHIM_CHECKS=write_after_shutdown "$d/write-after-reset" --after-shutdown
    L=$(pick '^server: listening on 127\.0\.0\.1:\([0-9]*\)$')
    fd=$(pick '^client fd=\([0-9]*\) connected$')
    one_event write_after_shutdown "^sockshim\[[0-9]+\]: warn: write_after_shutdown fd=$fd tcp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$L role=connect call=write after=shutdown\(SHUT_WR\) -- " \
        "$b write-after-reset --after-shutdown, SOCKSHIM_CHECKS=write_after_shutdown alone: still reported before the write"

    bare "$d/write-after-reset" --after-reset
    shim "$d/write-after-reset" --after-reset
    same_run "$b write-after-reset --after-reset: stdout and exit status as without sockshim"
    fd=$(pick '^client fd=\([0-9]*\) connected$')
    one_event write_after_shutdown "^sockshim\[[0-9]+\]: warn: write_after_shutdown fd=$fd tcp 127\.0\.0\.1:[0-9]+( -> [^ ]+)? role=connect call=write errno=EPIPE -- " \
        "$b write-after-reset --after-reset: one write_after_shutdown, fd=$fd call=write errno=EPIPE"
    # The server's reset lost nothing (the client had sent nothing): a
    # deliberate abortive close, no abortive_close.
    no_event abortive_close "$b write-after-reset --after-reset: no abortive_close (nothing in flight)"
    stacks write_after_shutdown write-after-reset 'write() at' write_message \
        'socket created at' connect_client \
        "$b write-after-reset --after-reset: in write_message, created in connect_client"

    # accept_overflow: backlog 1, four clients.
    bare "$d/backlog-overflow"
    shim "$d/backlog-overflow"
    same_run "$b backlog-overflow: stdout and exit status as without sockshim"
    fd=$(pick '^server: listen(fd=\([0-9]*\), backlog=[0-9]*) on .*')
    B=$(pick '^server: listen(fd=[0-9]*, backlog=\([0-9]*\)) on .*')
    L=$(pick '^server: listen(fd=[0-9]*, backlog=[0-9]*) on 127\.0\.0\.1:\([0-9]*\)$')
    Q=$(printf '%s\n' "$OUT" | grep -c ' ESTABLISHED after ')
    one_event accept_overflow "^sockshim\[[0-9]+\]: warn: accept_overflow fd=$fd tcp 127\.0\.0\.1:$L role=listen queued=$Q backlog=$B -- " \
        "$b backlog-overflow: one accept_overflow, fd=$fd 127.0.0.1:$L queued=$Q backlog=$B"
    stacks accept_overflow backlog-overflow 'accept() at' accept_all \
        'socket created at' open_listener \
        "$b backlog-overflow: in accept_all, created in open_listener"
done

# addr_in_use: round 2 binds the port round 1 left in TIME_WAIT. The
# program prints neither the fd nor a function of its own: client_round()
# is inlined into main().
# The table is the host's, shared with make -j's other tests and other
# jobs: it may also fill during the runs, which the kernel's overflow
# count, before and after, tells.
TW_FULL=$(tw_table_full)
tw0=$(tw_overflows)
if [ -z "$TW_FULL" ]; then
    bare "$EX/timewait-client"
    shim "$EX/timewait-client"
    [ "$(tw_overflows)" = "$tw0" ] || TW_FULL="the host's TIME_WAIT table overflowed during the run: the kernel kept no TIME_WAIT for some"
fi
if [ -n "$TW_FULL" ]; then
    skip "timewait-client: stdout and exit status (1) as without sockshim" "$TW_FULL"
    skip "timewait-client: one addr_in_use" "$TW_FULL"
    skip "timewait-client: bind() and socket() frames in the program" "$TW_FULL"
else
    same_run "timewait-client: stdout and exit status (1) as without sockshim"
    P=$(pick '^round 2: bind 127\.0\.0\.1:\([0-9]*\): .*(EADDRINUSE)$')
    one_event addr_in_use "^sockshim\[[0-9]+\]: warn: addr_in_use fd=[0-9]+ tcp( [^ ]+)? role=[a-z]+ addr=127\.0\.0\.1:$P call=bind errno=EADDRINUSE port=$P time_wait=[1-9][0-9]* reuseaddr=off help=\"reuseaddr \(SOCKSHIM_REUSEADDR=on\)\" -- " \
        "timewait-client: one addr_in_use, call=bind 127.0.0.1:$P EADDRINUSE time_wait>0 reuseaddr=off, help names SOCKSHIM_REUSEADDR"
    stacks addr_in_use timewait-client 'bind() at' '(client_round|main)' \
        'socket created at' '(client_round|main)' \
        "timewait-client: bind() and socket() frames in the program"
fi

# addr_in_use repeated: 50 failing bind()s from one place show one event,
# and only a shown event asks the kernel for its TIME_WAIT count (a dump
# of its whole TCP table, over a netlink socket sockshim closes through
# the close() next in line, which the counting library sees).
COUNTIO=$BUILD/t/helpers/.libs/libcountio.so
cat >"$TMP/bindloop.py" <<'PYEOF'
import socket
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
port = l.getsockname()[1]
fails = 0
for i in range(50):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        fails += 1
    s.close()
print("failed binds:", fails)
PYEOF
BARE=$(LD_PRELOAD="$COUNTIO" bounded "$PY" "$TMP/bindloop.py" 2>&1)
shim SOCKSHIM_SCAN=0 LD_PRELOAD="$PRELOAD $COUNTIO" "$PY" "$TMP/bindloop.py"
closes() { printf '%s\n' "$1" | sed -n 's/^countio .* close=\([0-9]*\)$/\1/p'; }
is "1 repeat=10" "$(events addr_in_use | grep -E ' call=bind errno=EADDRINUSE .* time_wait=0 ' | grep -vc ' repeat=') $(events addr_in_use | grep -o 'repeat=[0-9]*')" \
    "50 failing bind()s from one place: one addr_in_use in full (time_wait=0), then one line repeat=10"
N0=$(closes "$BARE") N1=$(closes "$ERR")
ok "$([ -n "$N0" ] && [ -n "$N1" ] && [ $((N1 - N0)) -le 2 ] && echo 0)" \
    "50 failing bind()s: sockshim's kernel count ran for the shown event only ($N0 sockets closed without sockshim, $N1 with)"

# ------------------------------------------- 3. clean counterparts: silence

for d in "$EX" "$NOFP"; do
    b=${d##*/}
    for run in "rst-peer --clean" "double-close --clean" \
        "shutdown-misuse --clean" "write-after-reset --clean" \
        "backlog-overflow --clean"; do
        # shellcheck disable=SC2086 # the program and its flag
        set -- $run
        p=$1
        shift
        bare "$d/$p" "$@"
        shim "$d/$p" "$@"
        UNORDERED=
        [ "$run" = "rst-peer --clean" ] && UNORDERED=yes
        clean_run "$b $run: no event, stdout and exit status as without sockshim"
        UNORDERED=
    done
done
shim SOCKSHIM_REUSEADDR=on "$EX/timewait-client"
if [ -z "$ERR" ] && [ "$RC" = 0 ]; then
    ok 0 "timewait-client with SOCKSHIM_REUSEADDR=on: both rounds, no event"
else
    ok 1 "timewait-client with SOCKSHIM_REUSEADDR=on: both rounds, no event"
    diag "exit status $RC; stdout:" "$OUT" "stderr:" "${ERR:-(empty)}"
fi

# ----------------------------------- 4. write_after_shutdown for every call

for call in writev send sendto sendmsg; do
    for mode in after-shutdown after-reset; do
        desc="write-after-reset --$mode --call $call"
        shim "$EX/write-after-reset" "--$mode" --call "$call"
        fd=$(pick '^client fd=\([0-9]*\) connected$')
        if [ "$mode" = after-shutdown ]; then
            fields='after=shutdown\(SHUT_WR\)' shown='after=shutdown(SHUT_WR)'
        else
            fields='errno=EPIPE' shown='errno=EPIPE'
        fi
        re="^sockshim\[[0-9]+\]: warn: write_after_shutdown fd=$fd tcp .* role=connect call=$call $fields -- "
        n=$(nevents write_after_shutdown)
        if [ "$n" = 1 ] && [ "$RC" = 0 ] && events write_after_shutdown | grep -Eq "$re" &&
            frames "$(block write_after_shutdown)" "$call() at" |
            grep -Eq "$(frame_re write_message write-after-reset)"; then
            ok 0 "$desc: one write_after_shutdown, fd=$fd call=$call $shown, at write_message"
        else
            ok 1 "$desc: one write_after_shutdown, fd=$fd call=$call $shown, at write_message"
            diag "exit status $RC, $n events; expected /$re/ and a write_message frame under \"$call() at:\"; stderr:" "${ERR:-(empty)}"
        fi
    done
done

# ------------------------------------------------------------------ 5. JSON

J=SOCKSHIM_LOG_FORMAT=json
jrun() { # jrun NAME PROGRAM [ARGS...]: under sockshim in JSON, stderr kept
    _name=$1
    shift
    shim "$J" "$@"
    printf '%s\n' "$ERR" >"$TMP/$_name.json"
}

jrun unread "$EX/rst-peer" --unread
L=$(pick '^server: listening on 127\.0\.0\.1:\([0-9]*\)$')
fd=$(pick '^server: accepted fd=\([0-9]*\) from .*')
P=$(pick '^server: accepted fd=[0-9]* from 127\.0\.0\.1:\([0-9]*\)$')
jcheck "JSON close_unread: fd, addresses, unread, stack and created_at functions" \
    event --diagnostic "$TMP/unread.json" close_unread prog=rst-peer \
    level=warn fd="$fd" family=inet proto=tcp role=accept \
    local="127.0.0.1:$L" peer="127.0.0.1:$P" unread=35 \
    'stack~close_with_unread_data' 'created_at~accept_connection'

jrun linger0 "$EX/rst-peer" --linger0
fd=$(pick '^server: accepted fd=\([0-9]*\) from .*')
jcheck "JSON abortive_close: fd, linger, unread, unacked, stack and created_at functions" \
    event --diagnostic "$TMP/linger0.json" abortive_close fd="$fd" \
    role=accept linger=on:0s unread=0 'unacked>0' 'stack~close_abortively' \
    'created_at~accept_connection'

jrun double "$EX/double-close" --bug
fd=$(pick '^main: accepted fd=\([0-9]*\) from .*')
jcheck "JSON double_close: level error, errno, stack and closed_at functions" \
    event --diagnostic "$TMP/double.json" double_close level=error \
    fd="$fd" errno=EBADF 'stack~main_close_again' 'closed_at~worker_close'

jrun twice "$EX/shutdown-misuse" --twice
L=$(pick '^server: listening on 127\.0\.0\.1:\([0-9]*\), fd=[0-9]*$')
fd=$(pick '^client: connected fd=\([0-9]*\)$')
jcheck "JSON shutdown_misuse (repeated): fd, peer, how, problem, functions" \
    event --diagnostic "$TMP/twice.json" shutdown_misuse fd="$fd" \
    role=connect peer="127.0.0.1:$L" how=SHUT_WR problem=repeated \
    'stack~shutdown_write_again' 'created_at~connect_client'

jrun notsock "$EX/shutdown-misuse" --not-socket
fd=$(pick '^pipe fd=\([0-9]*\) (read end).*')
jcheck "JSON shutdown_misuse (not a socket): how, problem, errno, function" \
    event --diagnostic "$TMP/notsock.json" shutdown_misuse fd="$fd" \
    how=SHUT_RDWR problem=not_a_socket errno=ENOTSOCK 'stack~shutdown_pipe'

jrun send "$EX/write-after-reset" --after-shutdown --call send
L=$(pick '^server: listening on 127\.0\.0\.1:\([0-9]*\)$')
fd=$(pick '^client fd=\([0-9]*\) connected$')
jcheck "JSON write_after_shutdown: call=send, after, peer, functions" \
    event --diagnostic "$TMP/send.json" write_after_shutdown fd="$fd" \
    peer="127.0.0.1:$L" call=send 'after=shutdown(SHUT_WR)' \
    'stack~write_message' 'created_at~connect_client'

jrun overflow "$EX/backlog-overflow"
fd=$(pick '^server: listen(fd=\([0-9]*\), backlog=[0-9]*) on .*')
L=$(pick '^server: listen(fd=[0-9]*, backlog=[0-9]*) on 127\.0\.0\.1:\([0-9]*\)$')
jcheck "JSON accept_overflow: fd, local, queued, backlog, functions" \
    event --diagnostic "$TMP/overflow.json" accept_overflow fd="$fd" \
    role=listen local="127.0.0.1:$L" 'queued>0' backlog=1 \
    'stack~accept_all' 'created_at~open_listener'

tw0=$(tw_overflows)
if [ -z "$TW_FULL" ]; then
    jrun tw "$EX/timewait-client"
    [ "$(tw_overflows)" = "$tw0" ] || TW_FULL="the host's TIME_WAIT table overflowed during the run: the kernel kept no TIME_WAIT for some"
fi
if [ -n "$TW_FULL" ]; then
    skip "JSON addr_in_use: call, errno, port, time_wait, reuseaddr, help" "$TW_FULL"
    : >"$TMP/tw.json"
else
    P=$(pick '^round 2: bind 127\.0\.0\.1:\([0-9]*\): .*')
    jcheck "JSON addr_in_use: call, errno, port, time_wait, reuseaddr, help" \
        event --diagnostic "$TMP/tw.json" addr_in_use call=bind \
        errno=EADDRINUSE port="$P" 'time_wait>0' reuseaddr==false \
        'help=reuseaddr (SOCKSHIM_REUSEADDR=on)'
fi

jcheck "JSON: every line of the 8 runs parses, with ts pid tid prog level kind fd family role why and stacks of {ip, module, offset, func}" \
    lines --diagnostic "$TMP/unread.json" "$TMP/linger0.json" \
    "$TMP/double.json" "$TMP/twice.json" "$TMP/notsock.json" \
    "$TMP/send.json" "$TMP/overflow.json" "$TMP/tw.json"

# -------------------------------------------------------- 6. SOCKSHIM_CHECKS

shim SOCKSHIM_CHECKS=none "$EX/rst-peer" --unread
is "" "$ERR" "SOCKSHIM_CHECKS=none: no close_unread"
shim SOCKSHIM_CHECKS=none "$EX/double-close" --bug
is "" "$ERR" "SOCKSHIM_CHECKS=none: no double_close (an error-level kind)"

shim SOCKSHIM_CHECKS=close_unread "$EX/rst-peer" --unread
one_event close_unread 'close_unread fd=[0-9]+ ' \
    "SOCKSHIM_CHECKS=close_unread: close_unread shown"
shim SOCKSHIM_CHECKS=close_unread "$EX/rst-peer" --linger0
is "" "$ERR" "SOCKSHIM_CHECKS=close_unread: abortive_close not shown"

shim SOCKSHIM_CHECKS=all,-close_unread "$EX/rst-peer" --unread
is "" "$ERR" "SOCKSHIM_CHECKS=all,-close_unread: close_unread removed"
shim SOCKSHIM_CHECKS=all,-close_unread "$EX/rst-peer" --linger0
one_event abortive_close 'abortive_close fd=[0-9]+ ' \
    "SOCKSHIM_CHECKS=all,-close_unread: abortive_close still shown"

bare "$EX/rst-peer" --unread
shim SOCKSHIM_CHECKS=bogus "$EX/rst-peer" --unread
one_event config_error '^sockshim\[[0-9]+\]: warn: config_error SOCKSHIM_CHECKS="bogus": .*accepted: ' \
    "SOCKSHIM_CHECKS=bogus: one config_error naming SOCKSHIM_CHECKS and the value"
one_event close_unread 'close_unread fd=[0-9]+ ' \
    "SOCKSHIM_CHECKS=bogus: ignored, all checks on (close_unread shown)"
same_run "SOCKSHIM_CHECKS=bogus: stdout and exit status as without sockshim"

# ------------------------------------------------------ 7. SOCKSHIM_SUPPRESS

printf 'close_unread:close_with_unread_data\n' >"$TMP/by-func.supp"
printf '*:rst-peer\n' >"$TMP/by-module.supp"
printf 'double_close:no_such_func*\n' >"$TMP/no-match.supp"
printf '# a comment\nnocolon\nclose_unread:close_with_unread_dat?\nbogus_kind:x\n' \
    >"$TMP/bad.supp"

shim SOCKSHIM_SUPPRESS="$TMP/by-func.supp" "$EX/rst-peer" --unread
is "" "$ERR" "suppress close_unread:close_with_unread_data: the event is gone"
shim SOCKSHIM_SUPPRESS="$TMP/by-func.supp" "$EX/rst-peer" --linger0
one_event abortive_close 'abortive_close fd=[0-9]+ ' \
    "suppress close_unread:...: another kind from the same program stays"
shim SOCKSHIM_SUPPRESS="$TMP/by-func.supp" SOCKSHIM_LOG_LEVEL=info \
    "$EX/rst-peer" --unread
one_event summary 'summary sockets=[0-9]+ .*close_unread=1 .*suppressed=1( |$)' \
    "suppress: the summary counts suppressed=1"

shim SOCKSHIM_SUPPRESS="$TMP/by-module.supp" "$EX/rst-peer" --unread
is "" "$ERR" "suppress *:rst-peer (module): no close_unread"
shim SOCKSHIM_SUPPRESS="$TMP/by-module.supp" "$EX/rst-peer" --linger0
is "" "$ERR" "suppress *:rst-peer (module): no abortive_close"

shim SOCKSHIM_SUPPRESS="$TMP/no-match.supp" "$EX/double-close" --bug
one_event double_close 'double_close fd=[0-9]+ errno=EBADF' \
    "suppress double_close:no_such_func*: nothing removed"

shim SOCKSHIM_SUPPRESS="$TMP/bad.supp" SOCKSHIM_LOG_LEVEL=info \
    "$EX/rst-peer" --unread
# has_errors N WHERE VALUE DESC: N config_error lines, one naming
# WHERE="VALUE (fixed strings). 1 test.
has_errors() {
    _n=$(nevents config_error)
    if [ "$_n" = "$1" ] && events config_error | grep -qF -- "config_error $2=\"$3"; then
        ok 0 "$4"
    else
        ok 1 "$4"
        diag "expected $1 config_error lines, one naming $2=\"$3; stderr:" "${ERR:-(empty)}"
    fi
}
has_errors 2 "$TMP/bad.supp:2" nocolon \
    "suppress: the malformed line nocolon is named FILE:2"
has_errors 2 "$TMP/bad.supp:4" bogus_kind \
    "suppress: the unknown kind bogus_kind is named FILE:4"
if [ "$(nevents close_unread)" = 0 ] &&
    events summary | grep -Eq 'suppressed=1( |$)'; then
    ok 0 "suppress: the good line between them (a ? glob) still applies"
else
    ok 1 "suppress: the good line between them (a ? glob) still applies"
    diag "stderr:" "$ERR"
fi

# ------------------------------------- 8. SOCKSHIM_STACKS, SOCKSHIM_STACK_DEPTH

shim SOCKSHIM_STACKS=off "$EX/rst-peer" --unread
one_event close_unread 'close_unread fd=[0-9]+ .* unread=[0-9]+ ' \
    "SOCKSHIM_STACKS=off: close_unread still reported"
unlike "$ERR" '^ +(#[0-9]|.* at:$)' "SOCKSHIM_STACKS=off: no stack, no frame line"

# stack_sizes: the frame count of each stack in ERR, one a line.
stack_sizes() {
    printf '%s\n' "$ERR" |
        awk '/^    #[0-9]/ { n++; next } n { print n; n = 0 } END { if (n) print n }'
}
shim SOCKSHIM_STACK_DEPTH=2 "$EX/rst-peer" --unread
sizes=$(stack_sizes | tr '\n' ' ')
if [ "$sizes" = "2 2 " ] &&
    frames "$(block close_unread)" 'close() at' | grep -Eq "^    #0 .* close_with_unread_data\\+"; then
    ok 0 "SOCKSHIM_STACK_DEPTH=2: two stacks of 2 frames, #0 still close_with_unread_data"
else
    ok 1 "SOCKSHIM_STACK_DEPTH=2: two stacks of 2 frames, #0 still close_with_unread_data"
    diag "frames per stack: $sizes; stderr:" "$ERR"
fi
shim SOCKSHIM_STACK_DEPTH=2 "$EX/double-close" --bug
sizes=$(stack_sizes | tr '\n' ' ')
is "2 2 " "$sizes" "SOCKSHIM_STACK_DEPTH=2: double_close's close and first-close stacks have 2 frames"
shim "$J" SOCKSHIM_STACK_DEPTH=2 "$EX/rst-peer" --unread
printf '%s\n' "$ERR" >"$TMP/depth.json"
jcheck "SOCKSHIM_STACK_DEPTH=2 in JSON: stack and created_at of 1..2 frames" \
    event --diagnostic "$TMP/depth.json" close_unread 'depth<=2' \
    'stack~close_with_unread_data'

# ---------------------------------------------------------------- 9. repeats

# 25 connections, each accepted side closed with 7 bytes unread, all from
# one line of the script: python's frames are libpython's, the same each
# time, so the event repeats from one call stack and creation stack.
cat >"$TMP/repeat.py" <<'EOF'
import select, socket
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(64); addr = l.getsockname()
for i in range(25): c = socket.create_connection(addr); a, _ = l.accept(); c.sendall(b"x" * 7); select.select([a], [], [], 2); a.close(); c.close()
l.close()
print("done")
EOF
shim SOCKSHIM_LOG_LEVEL=info "$PY" "$TMP/repeat.py"
is "0 done" "$RC $OUT" "repeats: the python program runs to its end"
full=$(events close_unread | grep -vc ' repeat=')
is 1 "$full" "repeats: close_unread shown in full once"
is "repeat=10" "$(events close_unread | grep -o ' repeat=[0-9]*' | tr -d ' ')" \
    "repeats: then one short line, repeat=10"
one_event summary 'summary .*close_unread=25 .*repeated=24( |$)' \
    "repeats: the summary counts close_unread=25 repeated=24"

# ----------------------------------------------- 10. an unmodified program

cat >"$TMP/unread.py" <<'EOF'
import select, socket
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(8)
c = socket.create_connection(l.getsockname()); a, peer = l.accept()
print("accepted fd=%d from %s:%d" % (a.fileno(), peer[0], peer[1]))
c.sendall(b"y" * 9); select.select([a], [], [], 2); a.close(); c.close(); l.close()
EOF
shim "$PY" "$TMP/unread.py"
fd=$(pick '^accepted fd=\([0-9]*\) from .*')
P=$(pick '^accepted fd=[0-9]* from 127\.0\.0\.1:\([0-9]*\)$')
one_event close_unread "^sockshim\[[0-9]+\]: warn: close_unread fd=$fd tcp 127\.0\.0\.1:[0-9]+ <- 127\.0\.0\.1:$P role=accept unread=9 -- " \
    "python3: close_unread fd=$fd <- 127.0.0.1:$P unread=9"
if [ -n "$PY_SOCKET_SO" ]; then
    like "$(frames "$(block close_unread)" 'close() at')" "$(frame_re sock_close '_socket[^)]*')" \
        "python3: the close() stack names sock_close in the _socket module"
    like "$(frames "$(block close_unread)" 'socket created at')" "$(frame_re sock_accept '_socket[^)]*')" \
        "python3: the creation stack names sock_accept in the _socket module"
else
    skip "python3: the close() stack names sock_close in the _socket module" \
        "$PY has _socket built in"
    skip "python3: the creation stack names sock_accept in the _socket module" \
        "$PY has _socket built in"
fi
