#!/bin/sh
# fd-limit.sh — running out of descriptors, as the program's users see it
# ("too many open files"): a Python server that leaks each accepted
# socket, under `ulimit -n 64`, with 100 clients. fd_pressure comes first,
# when 80% of the limit is reached; fd_exhausted when accept() fails with
# EMFILE, naming the call, the limit, the sockets in CLOSE_WAIT and the
# leaking creation stack; the server's retry loop does not flood the log.
# The correct twin, which closes each socket, reports neither; nor does
# SOCKSHIM_FD_WARN=0 report fd_pressure.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

command -v prlimit >/dev/null 2>&1 || skip_all "prlimit not installed"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
[ -n "$PY" ] || skip_all "python3 not installed"

plan 17

# server.py [--close]: listens, prints "port N", accepts once "go" is on
# stdin, keeping every socket (or closing each with --close), until
# accept() has failed with EMFILE 1000 times (a server retrying, as
# servers do) or 100 sockets were accepted; prints "accepted N failed M".
cat >"$TMP/server.py" <<'EOF'
import errno, socket, sys
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(128)
print("port %d" % ls.getsockname()[1], flush=True)
sys.stdin.readline()
kept, accepted, failed = [], 0, 0
while failed < 1000 and accepted < 100:
    try:
        c, _ = ls.accept()
    except OSError as e:
        if e.errno != errno.EMFILE:
            raise
        failed += 1
        continue
    accepted += 1
    if "--close" in sys.argv:
        c.close()
    else:
        kept.append(c)
print("accepted %d failed %d" % (accepted, failed), flush=True)
EOF
# clients.py PORT N: N connections, all made, then all closed: the
# server finds them in its backlog, already closed by their peer.
cat >"$TMP/clients.py" <<'EOF'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
conns = [socket.create_connection(("127.0.0.1", port), timeout=10)
         for _ in range(n)]
for c in conns:
    c.close()
EOF

# run TAG [VAR=VALUE...] -- [server options]: the server under sockshim
# with 64 descriptors, 100 clients, its JSON log in TAG.log.
run() {
    _tag=$1
    shift
    _env=
    while [ "$1" != -- ]; do
        _env="$_env $1"
        shift
    done
    shift
    mkfifo "$TMP/$_tag.in"
    # shellcheck disable=SC2086 # _env is a list of settings
    prlimit --nofile=64 timeout 60 env LD_PRELOAD="$PRELOAD" \
        SOCKSHIM_LOG="file:$TMP/$_tag.log" SOCKSHIM_LOG_FORMAT=json $_env \
        "$PY" "$TMP/server.py" "$@" \
        <"$TMP/$_tag.in" >"$TMP/$_tag.out" 2>"$TMP/$_tag.err" &
    _pid=$!
    PIDS="$PIDS $_pid"
    exec 8>"$TMP/$_tag.in"
    poll 20 grep -q '^port ' "$TMP/$_tag.out"
    bounded "$PY" "$TMP/clients.py" "$(sed -n 's/^port //p' "$TMP/$_tag.out")" 100
    echo go >&8
    exec 8>&-
    wait "$_pid"
    RC=$?
}

run leak --
is 0 "$RC" "the leaking server ran to its end" || diag "$(cat "$TMP/leak.err")"
like "$(cat "$TMP/leak.out")" '^accepted [0-9]+ failed 1000$' \
    "its accept() failed with EMFILE, again and again"
"$PY" "$JCHECK" lines --max 20 "$TMP/leak.log" >"$TMP/leak.check"
ok $? "a bounded log: 20 lines at most for 1000 failures" ||
    diag "$(cat "$TMP/leak.check")"
"$PY" "$JCHECK" event "$TMP/leak.log" fd_pressure level=warn \
    'fds_open>=51' fd_limit=64 groups.0.role=accept 'groups.0.count>=40' \
    'groups.0.created_at' >"$TMP/leak.check"
ok $? "fd_pressure at 80% of 64, the accepted sockets' group first" ||
    diag "$(cat "$TMP/leak.check")"
"$PY" "$JCHECK" event "$TMP/leak.log" fd_exhausted @call level=error \
    call=accept4 errno=EMFILE fd_limit=64 'fds_open>=60' \
    groups.0.role=accept 'groups.0.count>=50' 'groups.0.close_wait>=50' \
    'close_wait>=50' 'groups.0.created_at' >"$TMP/leak.check"
ok $? "fd_exhausted: accept4, EMFILE, the limit, the sockets in CLOSE_WAIT" ||
    diag "$(cat "$TMP/leak.check")"
"$PY" "$JCHECK" print "$TMP/leak.log" 'fd_pressure={kind}' \
    'fd_exhausted={kind}' '*=' >"$TMP/leak.kinds"
first=$(head -n 1 "$TMP/leak.kinds")
is fd_pressure "$first" "fd_pressure came before fd_exhausted"
at_least 1 "$("$PY" "$JCHECK" count "$TMP/leak.log" kind=fd_exhausted \
    repeat=1000)" "the 1000th failure counted in one short line"
is 1 "$("$PY" "$JCHECK" count "$TMP/leak.log" kind=fd_pressure)" \
    "fd_pressure once: one crossing"

run fixed -- --close
is 0 "$RC" "the correct twin ran to its end"
like "$(cat "$TMP/fixed.out")" '^accepted 100 failed 0$' \
    "and accepted every client"
# It has nothing to say: no log file at all, or none of these in it.
count_in() {
    if [ -e "$1" ]; then "$PY" "$JCHECK" count "$@"; else echo 0; fi
}
is 0 "$(count_in "$TMP/fixed.log" kind=fd_exhausted)" "no fd_exhausted for it"
is 0 "$(count_in "$TMP/fixed.log" kind=fd_pressure)" "no fd_pressure for it"

run off SOCKSHIM_FD_WARN=0 --
is 0 "$("$PY" "$JCHECK" count "$TMP/off.log" kind=fd_pressure)" \
    "SOCKSHIM_FD_WARN=0: no fd_pressure"
is 1 "$("$PY" "$JCHECK" count "$TMP/off.log" kind=fd_exhausted '!repeat')" \
    "but fd_exhausted still"

# The other calls that make descriptors: socket() and dup() (Python's
# os.dup() is fcntl(F_DUPFD_CLOEXEC)) until EMFILE.
cat >"$TMP/calls.py" <<'EOF'
import errno, os, socket
kept = []
try:
    while True:
        kept.append(socket.socket())
except OSError as e:
    assert e.errno == errno.EMFILE, e
kept.pop().close()
try:
    while True:
        kept.append(os.dup(0))
except OSError as e:
    assert e.errno == errno.EMFILE, e
print("done")
EOF
bounded prlimit --nofile=64 env LD_PRELOAD="$PRELOAD" \
    SOCKSHIM_LOG="file:$TMP/calls.log" SOCKSHIM_LOG_FORMAT=json \
    "$PY" "$TMP/calls.py" >"$TMP/calls.out" 2>&1
is "done" "$(cat "$TMP/calls.out")" "socket() and os.dup() ran out of descriptors"
for call in socket fcntl; do
    "$PY" "$JCHECK" event "$TMP/calls.log" fd_exhausted "@call=$call" \
        errno=EMFILE fd_limit=64 'fds_open>=60' >"$TMP/calls.check"
    ok $? "fd_exhausted names $call()" || diag "$(cat "$TMP/calls.check")"
done
