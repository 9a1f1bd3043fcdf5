#!/bin/sh
# live-report.sh — open_sockets, the report of a running process's open
# sockets by creation stack: periodic (SOCKSHIM_REPORT) and on demand
# (`sockshim report PID`). A fork server whose parent forgets
# close(connfd), stopped by SIGTERM, has left the count of its sockets in
# CLOSE_WAIT per stack before it died; its correct twin reports none; a
# pool of idle connections the peer closed stays flat (growth 0) while a
# leaking server grows; a request is answered within a scan period and
# says where the report went; another user's request is refused; the
# program's own system calls do not change.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

FORK=$EX/fork-server
CWS=$EX/closewait-server
LAUNCHER=$BUILD/tools/sockshim
for f in "$FORK" "$CWS" "$LAUNCHER"; do
    [ -x "$f" ] || skip_all "$f not built"
done
# The pool is Debian's own interpreter when there is one: an unmodified
# program.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
[ -n "$PY" ] || skip_all "python3 not installed"

plan 28

# serve TAG VAR=VALUE... PROGRAM ARGS...: PROGRAM under sockshim in the
# background, its JSON log in TAG.log, its pid in TAG.pid (the program's
# own: env execs it); waits until it prints "listening on 127.0.0.1:PORT"
# (or "port PORT") and keeps PORT in TAG.port.
serve() {
    _tag=$1
    shift
    : >"$TMP/$_tag.out"
    env LD_PRELOAD="$PRELOAD" SOCKSHIM_LOG="file:$TMP/$_tag.log" \
        SOCKSHIM_LOG_FORMAT=json "$@" >"$TMP/$_tag.out" 2>"$TMP/$_tag.err" &
    echo $! >"$TMP/$_tag.pid"
    PIDS="$PIDS $!"
    poll 20 grep -Eq '^(listening on 127\.0\.0\.1:|port )[0-9]+$' \
        "$TMP/$_tag.out" || diag "$_tag did not start: $(cat "$TMP/$_tag.err")"
    sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p; s/^port \([0-9]*\)$/\1/p' \
        "$TMP/$_tag.out" | head -n 1 >"$TMP/$_tag.port"
}
pid_of() { cat "$TMP/$1.pid"; }
# has_kind TAG KIND: TAG's log holds a KIND event.
has_kind() { grep -q "\"kind\":\"$2\"" "$TMP/$1.log" 2>/dev/null; }
port_of() { cat "$TMP/$1.port"; }

# clients PORT N: N connections, one after another, each sending a line,
# reading the echo and closing (no preload).
cat >"$TMP/clients.py" <<'EOF'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"hello\n")
    got = b""
    while len(got) < 6:
        data = s.recv(64)
        if not data:
            break
        got += data
    s.close()
EOF
clients() { bounded "$PY" "$TMP/clients.py" "$1" "$2"; }

# has_report TAG SPEC...: the log holds an open_sockets event matching
# every SPEC (jcheck.py's).
has_report() {
    _t=$1
    shift
    [ "$("$PY" "$JCHECK" count "$TMP/$_t.log" kind=open_sockets "$@" \
        2>/dev/null)" -ge 1 ] 2>/dev/null
}

# ------------------------------------------- 1. a leak, stopped by SIGTERM
LIVE="SOCKSHIM_CLOSE_WAIT=1s SOCKSHIM_SCAN=200ms SOCKSHIM_REPORT=1s"
# shellcheck disable=SC2086 # LIVE is a list of settings
serve leak $LIVE "$FORK" --bug --connections 2 --hold 60
clients "$(port_of leak)" 2
poll 20 has_report leak level=warn groups.0.close_wait=2
ok $? "fork-server --bug: an open_sockets warning while it runs, 2 in CLOSE_WAIT"
kill -TERM "$(pid_of leak)"
wait "$(pid_of leak)"
is 143 $? "the server was stopped by SIGTERM"
"$PY" "$JCHECK" lines "$TMP/leak.log" >"$TMP/leak.check"
ok $? "every line is a complete JSON event" || diag "$(cat "$TMP/leak.check")"
"$PY" "$JCHECK" every "$TMP/leak.log" @kind=open_sockets @level=warn \
    groups.0.count=2 groups.0.close_wait=2 groups.0.role=accept \
    'groups.0.created_at~main' 'groups.0.oldest_ms>=0' 'fds_open>=4' \
    'fd_limit>0' 'sockets>=3' >"$TMP/leak.check"
ok $? "its groups: 2 accepted sockets in CLOSE_WAIT, created in main" ||
    diag "$(cat "$TMP/leak.check")"
"$PY" "$JCHECK" every "$TMP/leak.log" @kind=open_sockets @level=warn \
    groups.1.role=listen groups.1.listen=1 groups.1.close_wait=0 \
    >"$TMP/leak.check"
ok $? "and the listener in a group of its own" || diag "$(cat "$TMP/leak.check")"
is 0 "$("$PY" "$JCHECK" count "$TMP/leak.log" kind=leak_at_exit)" \
    "no leak_at_exit: a process killed by SIGTERM makes no exit report"

# ---------------------------------------------------- 2. the correct twin
# shellcheck disable=SC2086 # LIVE is a list of settings
serve twin $LIVE SOCKSHIM_LOG_LEVEL=info "$FORK" --connections 2 --hold 60
clients "$(port_of twin)" 2
# The children have closed; the report that follows shows the listener.
poll 20 has_report twin sockets=1 groups.0.role=listen
ok $? "fork-server (fixed): a report with the listener alone"
kill -TERM "$(pid_of twin)"
wait "$(pid_of twin)"
is 0 "$("$PY" "$JCHECK" count "$TMP/twin.log" kind=open_sockets level=warn)" \
    "no open_sockets warning"
"$PY" "$JCHECK" every "$TMP/twin.log" @kind=open_sockets close_wait=0 \
    level=info >"$TMP/twin.check"
ok $? "every report at level info, none in CLOSE_WAIT" ||
    diag "$(cat "$TMP/twin.check")"
# shellcheck disable=SC2086 # LIVE is a list of settings
serve quiet $LIVE "$FORK" --connections 2 --hold 60
clients "$(port_of quiet)" 2
"$LAUNCHER" report "$(pid_of quiet)" >/dev/null 2>&1
kill -TERM "$(pid_of quiet)"
wait "$(pid_of quiet)"
is 1 "$("$PY" "$JCHECK" count "$TMP/quiet.log" kind=open_sockets)" \
    "at the default level (warn) only the one asked for is written"

# ---------------------------------- 3. on demand: where it went, who asks
REQ="SOCKSHIM_CLOSE_WAIT=1s SOCKSHIM_SCAN=200ms SOCKSHIM_REPORT=0"
# shellcheck disable=SC2086 # REQ is a list of settings
serve asked $REQ XDG_RUNTIME_DIR="$TMP/run" "$CWS" --connections 2 --hold 60
mkdir -p "$TMP/run"
chmod 700 "$TMP/run"
clients "$(port_of asked)" 1
bounded "$LAUNCHER" report "$(pid_of asked)" >"$TMP/asked.out" 2>&1
ok $? "sockshim report PID: answered" || diag "$(cat "$TMP/asked.out")"
like "$(cat "$TMP/asked.out")" \
    "^sockshim: process $(pid_of asked) wrote an open_sockets report to file:$TMP/asked.log$" \
    "it says where the report went"
has_report asked sockets=2 groups.0.close_wait=1
ok $? "the report is in the log: the listener and the connection"
is "" "$(ls "$TMP/run/sockshim")" "request and answer are gone"
bounded "$LAUNCHER" report --timeout 1s 999999999 >"$TMP/none.out" 2>&1
is 1 $? "no such process: exit 1"
bounded "$LAUNCHER" report --timeout 1s $$ >"$TMP/notshim.out" 2>&1
like "$(cat "$TMP/notshim.out")" "does not run under sockshim" \
    "a process without the library: said so"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
    bounded setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$LAUNCHER" report --timeout 1s "$(pid_of asked)" \
        >"$TMP/other.out" 2>&1
    _rc=$?
    is 1 "$_rc" "another user's request: refused by the launcher"
    like "$(cat "$TMP/other.out")" "belongs to user 0, not to you: refused" \
        "and it says why"
    # One planted by another user, behind the launcher's back. That it is
    # never taken can only be shown by waiting: five scan periods.
    _before=$("$PY" "$JCHECK" count "$TMP/asked.log" kind=open_sockets)
    _req="$TMP/run/sockshim/$(pid_of asked).request"
    # Made elsewhere and renamed into place: the scan thread must never
    # see it owned by root.
    : >"$TMP/planted"
    chown 65534 "$TMP/planted"
    mv "$TMP/planted" "$_req"
    sleep 1
    test -e "$_req"
    ok $? "a request file of another user's is left alone"
    is "$_before" "$("$PY" "$JCHECK" count "$TMP/asked.log" kind=open_sockets)" \
        "and not answered"
    rm -f "$_req"
else
    for d in "refused by the launcher" "it says why" "left alone" \
        "not answered"; do
        skip "another user's request: $d" "needs root and setpriv"
    done
fi

# ------------------------------ 4. a pool stays flat, a leak grows
# keepalive-server.py: HTTP/1.1 answers on keep-alive connections, each
# closed by the server once answered and idle (a server's keep-alive
# timeout). The pool, under sockshim, keeps 3 such connections idle: the
# peer closed them, they sit in CLOSE_WAIT, their number does not grow.
cat >"$TMP/keepalive-server.py" <<'EOF'
import socket, threading
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(16)
print("port %d" % ls.getsockname()[1], flush=True)
def serve(c):
    req = b""
    while b"\r\n\r\n" not in req:
        data = c.recv(4096)
        if not data:
            break
        req += data
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    c.close()
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
cat >"$TMP/pool.py" <<'EOF'
import http.client, signal, sys
port = int(sys.argv[1])
pool = []
for i in range(3):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/")
    c.getresponse().read()
    pool.append(c)
print("port %d" % port, flush=True)
signal.pause()
EOF
bounded "$PY" "$TMP/keepalive-server.py" >"$TMP/ka.out" 2>&1 &
PIDS="$PIDS $!"
poll 20 grep -q '^port ' "$TMP/ka.out"
KA_PORT=$(sed -n 's/^port //p' "$TMP/ka.out")
# shellcheck disable=SC2086 # REQ is a list of settings
serve pool $REQ "$PY" "$TMP/pool.py" "$KA_PORT"
# Once the three are in CLOSE_WAIT, three reports asked for: the first
# finds them, the next two find them unchanged.
# shellcheck disable=SC2016 # the inner shell expands $1
poll 20 sh -c '[ "$(ss -Htn state close-wait "( dport = :$1 )" | wc -l)" -ge 3 ]' \
    - "$KA_PORT"
answered=0
for _ in 1 2 3; do
    bounded "$LAUNCHER" report "$(pid_of pool)" >/dev/null 2>&1 &&
        answered=$((answered + 1))
done
is 3 "$answered" "the pool answers three requests"
is 2 "$("$PY" "$JCHECK" count "$TMP/pool.log" kind=open_sockets \
    groups.0.count=3 groups.0.close_wait=3 groups.0.growth=0)" \
    "the pool of 3 idle connections the peer closed: growth 0, twice" ||
    diag "$("$PY" "$JCHECK" print "$TMP/pool.log" 'open_sockets={groups}')"
"$PY" "$JCHECK" every "$TMP/pool.log" @kind=open_sockets \
    'why=~(?!.*grows: a leak).*' >"$TMP/pool.check"
ok $? "its reports do not call it a growing leak" ||
    diag "$(cat "$TMP/pool.check")"

# closewait-server never closes a connection its client closed.
# shellcheck disable=SC2086 # REQ is a list of settings
serve grow $REQ "$CWS" --connections 4 --hold 60
in_close_wait() { [ "$(ss -Htn state close-wait "( sport = :$1 )" | wc -l)" -ge "$2" ]; }
clients "$(port_of grow)" 1
poll 20 in_close_wait "$(port_of grow)" 1
bounded "$LAUNCHER" report "$(pid_of grow)" >/dev/null 2>&1
# The first past SOCKSHIM_CLOSE_WAIT before the second report.
poll 20 has_kind grow close_wait
clients "$(port_of grow)" 2
poll 20 in_close_wait "$(port_of grow)" 3
bounded "$LAUNCHER" report "$(pid_of grow)" >/dev/null 2>&1
is 1 "$("$PY" "$JCHECK" count "$TMP/grow.log" kind=open_sockets \
    groups.0.count=3 groups.0.growth=2 groups.0.role=accept)" \
    "the leaking server: its group grew by the 2 new connections" ||
    diag "$("$PY" "$JCHECK" print "$TMP/grow.log" 'open_sockets={groups}')"
"$PY" "$JCHECK" every "$TMP/grow.log" @kind=open_sockets @groups.0.growth=2 \
    'why=~.*grows: a leak.*' >"$TMP/grow.check"
ok $? "and the report calls it a leak" || diag "$(cat "$TMP/grow.check")"

# --------------------------------- 5. the program's own calls unchanged
if command -v strace >/dev/null 2>&1; then
    mkdir -p "$TMP/st"
    : >"$TMP/traced.out"
    # strace itself runs without the preload; -ff: one file per thread.
    # shellcheck disable=SC2086 # REQ is a list of settings
    strace -ff -o "$TMP/st/trace" env LD_PRELOAD="$PRELOAD" $REQ \
        "$CWS" --connections 1 --hold 60 >"$TMP/traced.out" 2>/dev/null &
    PIDS="$PIDS $!"
    poll 20 grep -q '^listening on' "$TMP/traced.out"
    TRACED=$(pgrep -f "^$CWS --connections 1 --hold 60" | head -n 1)
    clients "$(sed -n 's/^listening on 127\.0\.0\.1://p' "$TMP/traced.out")" 1
    bounded "$LAUNCHER" report "$TRACED" >"$TMP/traced.rep" 2>&1
    ok $? "a report asked of a program under strace" ||
        diag "$(cat "$TMP/traced.rep")"
    kill -TERM "$TRACED"
    # shellcheck disable=SC2016 # the inner shell expands $1
    poll 20 sh -c '! kill -0 "$1" 2>/dev/null' - "$TRACED"
    # Which threads touched the request: sockshim's scan thread alone.
    _threads=$(grep -l '\.request' "$TMP"/st/trace.* |
        sed 's/.*trace\.//' | while read -r t; do
        if [ "$t" = "$TRACED" ]; then echo main; else echo other; fi
    done | sort -u | tr '\n' ' ')
    is "other " "$_threads" \
        "the request was handled by another thread than the program's"
    is 0 "$(grep -cE '\.request|\.done|/sockshim[/"]' "$TMP/st/trace.$TRACED")" \
        "the program's thread made no call naming sockshim's files"
else
    for d in "a report under strace" "handled by another thread" \
        "the program's thread made no call"; do
        skip "$d" "strace not installed"
    done
fi
