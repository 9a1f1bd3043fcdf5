#!/bin/sh
# closewait.sh — sockets a program leaves in CLOSE_WAIT (the peer closed,
# the program never does), end to end: close_wait for
# examples/closewait-server, its EOF read by each call of the read family
# or never read (only the kernel knows); the kernel's view (ss) agrees;
# silence for the fixed server and for a close within the threshold;
# late_close for a close past it; fork-server --bug, whose parent keeps
# the children's connections; SOCKSHIM_SCAN=0 and SOCKSHIM_CHECKS; JSON;
# leak_at_exit grouped by creation stack (t/helpers/leaky); repeats
# folded. Every run uses a 1 s threshold and a scan every 200 ms; the
# servers of a section run side by side.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/events.sh"

# A hang is a failure, not a stalled test run: clients and other runs get
# TEST_TIMEOUT. A server's deadline (SERVER_TIMEOUT) covers its whole
# life, its start, its clients' and its hold until the test releases it:
# all of which stretch on a loaded machine (at 20 s, under make -j4 with
# a load of 12, the last servers of section 2 were killed while the test
# still judged the first ones). Its hold itself is bounded by HOLD_MAX.
TEST_TIMEOUT=${TEST_TIMEOUT:-20}
SERVER_TIMEOUT=${SERVER_TIMEOUT:-60}
CWS=$EX/closewait-server
FORK=$EX/fork-server
LEAKY=$BUILD/t/helpers/leaky
for f in "$CWS" "$FORK" "$LEAKY"; do
    [ -x "$f" ] || skip_all "$f not built"
done
for tool in ss timeout; do
    command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed"
done
# The clients run without the preload: any python3 will do, but the
# interpreter itself starts faster than a wrapper script (pyenv). Asking
# python3 for it runs the wrapper once, which takes a second: Debian's
# interpreter first.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -x "$PY" ] || skip_all "python3 not installed"

plan 99

# ---------------------------------------------------------------- helpers

# Every run under sockshim: a 1 s threshold, a scan every 200 ms (a
# setting given to start or shim after these overrides them).
SHIM_ENV="SOCKSHIM_CLOSE_WAIT=1s SOCKSHIM_SCAN=200ms"
# one_event counts the lines shown in full: sockshim folds an event's
# repeats into short repeat=N lines (section 9).
# shellcheck disable=SC2034 # events.sh's one_event reads it
REPEATS=aside

# client.py PORT COUNT [--no-echo]: COUNT connections one after another;
# each prints "client 127.0.0.1:PORT" (its own port), sends a line, reads
# the echo back in full (not with --no-echo) and closes.
cat >"$TMP/client.py" <<'EOF'
import socket, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
echo = "--no-echo" not in sys.argv[3:]
for i in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    print("client 127.0.0.1:%d" % s.getsockname()[1], flush=True)
    line = b"hello %d\n" % i
    s.sendall(line)
    got = b""
    while echo and len(got) < len(line):
        data = s.recv(4096)
        if not data:
            break
        got += data
    if echo and got != line:
        sys.exit("client: echo %r, not %r" % (got, line))
    s.close()
EOF

# start TAG shim|bare [VAR=VALUE...] PROGRAM [ARGS...]: a server in the
# background (under sockshim with SHIM_ENV and the settings, or bare), its
# stdout in $TMP/TAG.out, stderr in $TMP/TAG.err; waits (5 s at most) for
# its "listening on 127.0.0.1:PORT" line and keeps PORT in $TMP/TAG.port.
# The server's own pid goes to $TMP/TAG.spid, for release.
start() {
    _tag=$1 _how=$2
    shift 2
    # There before the background job opens it: the loop below reads it.
    : >"$TMP/$_tag.out"
    # shellcheck disable=SC2016 # expanded by that sh, not this one
    _spid='echo $$ >"$0" && exec "$@"'
    if [ "$_how" = shim ]; then
        # shellcheck disable=SC2086 # SHIM_ENV is a list of settings
        timeout -k 5 "$SERVER_TIMEOUT" sh -c "$_spid" "$TMP/$_tag.spid" \
            env LD_PRELOAD="$PRELOAD" $SHIM_ENV "$@" \
            >"$TMP/$_tag.out" 2>"$TMP/$_tag.err" &
    else
        timeout -k 5 "$SERVER_TIMEOUT" sh -c "$_spid" "$TMP/$_tag.spid" "$@" \
            >"$TMP/$_tag.out" 2>"$TMP/$_tag.err" &
    fi
    echo $! >"$TMP/$_tag.pid"
    PIDS="$PIDS $!"
    _port=
    _i=0
    while [ -z "$_port" ] && [ $_i -lt 100 ]; do
        _port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
            "$TMP/$_tag.out")
        [ -n "$_port" ] || sleep 0.05
        _i=$((_i + 1))
    done
    echo "$_port" >"$TMP/$_tag.port"
}

port() { cat "$TMP/$1.port"; }

# A server holds (--hold) until the test has checked what it must see
# while the server runs, not for a fixed time: a fixed hold is a guess of
# how long the checks take, wrong on a loaded machine (the server gone
# before ss looks). Such a server gets a --hold of HOLD_MAX seconds, a
# bound, and release ends it (SIGUSR1) once the checks are done and
# sockshim has reported what it was waiting for.
HOLD_MAX=15

# release TAG: end TAG's hold now.
release() { kill -USR1 "$(cat "$TMP/$1.spid")" 2>/dev/null; }

# reported TAG ERE: wait (10 s at most) until TAG's stderr (sockshim's
# events) has a line matching ERE.
reported() { poll 10 file_has "$TMP/$1.err" "$2"; }

# release_after TAG T0 SECONDS: release TAG once SECONDS have passed since
# T0 (now_ms when its hold began), for a server whose last event is
# folded into a repeat, which only its summary at exit shows: the scans
# get the time a fixed --hold gave them, and the checks still come first.
now_ms() { date +%s%3N; }
release_after() {
    while [ "$(now_ms)" -lt $(($2 + $3 * 1000)) ]; do sleep 0.05; done
    release "$1"
}

# client TAG [COUNT [--no-echo]]: client.py against TAG's server; prints
# the clients' own ports, one a line.
client() {
    bounded "$PY" "$TMP/client.py" "$(port "$1")" "${2:-1}" ${3:+"$3"} |
        sed -n 's/^client 127\.0\.0\.1:\([0-9]*\)$/\1/p'
}

# wait_for TAG ERE [COUNT]: wait (5 s at most) until COUNT (default 1)
# lines of TAG's stdout match ERE.
wait_for() {
    _i=0
    while [ "$(grep -cE -- "$2" "$TMP/$1.out")" -lt "${3:-1}" ] &&
        [ $_i -lt 100 ]; do
        sleep 0.05
        _i=$((_i + 1))
    done
}

# finish TAG: wait for TAG's server to exit; sets RC, OUT, ERR and P (its
# port).
finish() {
    _pid=$(cat "$TMP/$1.pid")
    wait "$_pid"
    RC=$?
    PIDS=$(echo " $PIDS " | sed "s/ $_pid / /")
    OUT=$(cat "$TMP/$1.out")
    ERR=$(cat "$TMP/$1.err")
    P=$(port "$1")
}

# cw_sockets PORT [WANT]: how many sockets of local port PORT the kernel
# has in CLOSE_WAIT; with WANT, asks again for up to 2 s until it is WANT.
cw_sockets() {
    _i=0
    while :; do
        _n=$(ss -Htan state close-wait "( sport = :$1 )" | grep -c .)
        if [ -z "${2:-}" ] || [ "$_n" = "$2" ] || [ $_i -ge 40 ]; then
            echo "$_n"
            return
        fi
        sleep 0.05
        _i=$((_i + 1))
    done
}

# Only the port differs from one run to the next.
mask() { printf '%s\n' "$1" | sed 's/127\.0\.0\.1:[0-9]*/127.0.0.1:PORT/g'; }

# ------------------------------------------- 1. the leak, seen and confirmed

start def shim "$CWS" --hold "$HOLD_MAX"
start bare bare "$CWS" --hold "$HOLD_MAX"
CP=$(client def)
client bare >/dev/null
wait_for def 'peer closed'
is 1 "$(cw_sockets "$(port def)" 1)" \
    "ss: the kernel has the server's side in CLOSE_WAIT while it holds"
reported def ': close_wait fd='
release def
wait_for bare 'peer closed'
release bare
finish bare
BRC=$RC BOUT=$OUT
finish def
fd=$(pick '^fd \([0-9]*\): peer closed (recv returned 0), NOT closing.*')
if [ "$RC" = 0 ] && [ "$RC" = "$BRC" ] && [ -n "$fd" ] &&
    [ "$(mask "$OUT")" = "$(mask "$BOUT")" ]; then
    ok 0 "closewait-server: stdout and exit status (0) as without sockshim"
else
    ok 1 "closewait-server: stdout and exit status (0) as without sockshim"
    diag "exit status $BRC without sockshim, $RC with it" \
        "stdout without:" "$BOUT" "stdout with:" "$OUT" "stderr:" "$ERR"
fi
one_event close_wait "^sockshim\[[0-9]+\]: error: close_wait fd=$fd " \
    "closewait-server: one close_wait, at level error, fd=$fd as the server printed"
like "$(full close_wait)" " tcp 127\.0\.0\.1:$P <- 127\.0\.0\.1:$CP role=accept " \
    "close_wait: tcp 127.0.0.1:$P <- 127.0.0.1:$CP (the client) role=accept"
like "$(full close_wait)" ' open [1-9][0-9]*\.[0-9]s after peer FIN ' \
    "close_wait: open N.Ns after peer FIN, N >= 1 (the threshold)"
like "$(full close_wait)" ' after peer FIN eof=read -- ' \
    "close_wait: eof=read (the program read the EOF)"
unlike "$(full close_wait)" ' fork=' "close_wait: no fork note (no fork)"
CW=$(block close_wait 1)
has_frame "$CW" "peer's EOF read at" serve_client closewait-server \
    "close_wait: the EOF stack names serve_client"
has_frame "$CW" 'socket created at' main closewait-server \
    "close_wait: the creation stack names main (which accepts)"
one_like leak_at_exit "^sockshim\[[0-9]+\]: warn: leak_at_exit count=1 close_wait=1 role=accept fds=$fd -- " \
    "at exit: leak_at_exit count=1 close_wait=1 role=accept fds=$fd"
# The server never closes its listener either: merely still open, which
# is information (level info), not shown at the default level.
is 1 "$(nevents leak_at_exit)" \
    "at exit: no leak_at_exit for the listener at the default level (still open is info)"
has_frame "$(block leak_at_exit 1)" '1 socket created at' main closewait-server \
    "the accepted socket's leak_at_exit: 1 socket created at main"
no_event summary "no summary at the default level (warn)"

# ----------------------------------------- 2. every call of the read family

CALLS="read recv recvfrom recvmsg readv recvmmsg"
for c in $CALLS; do
    start "call-$c" shim "$CWS" --call "$c" --hold "$HOLD_MAX"
done
# The clients side by side too: one after another, the last server would
# wait for its client for as long as five python3 start-ups take, on a
# loaded machine past its deadline.
cpids=
for c in $CALLS; do
    client "call-$c" >/dev/null &
    cpids="$cpids $!"
done
for p in $cpids; do wait "$p"; done
# Each released as soon as it has reported, before any is judged.
for c in $CALLS; do
    reported "call-$c" ': close_wait fd='
    release "call-$c"
done
for c in $CALLS; do
    finish "call-$c"
    fd=$(pick "^fd \\([0-9]*\\): peer closed ($c returned 0), NOT closing.*")
    if [ "$RC" = 0 ] && [ -n "$fd" ]; then
        ok 0 "--call $c: the server saw $c() return 0"
    else
        ok 1 "--call $c: the server saw $c() return 0"
        diag "exit status $RC; stdout:" "$OUT" "stderr:" "$ERR"
    fi
    one_event close_wait "^sockshim\[[0-9]+\]: error: close_wait fd=$fd tcp 127\.0\.0\.1:$P <- .* role=accept open [1-9][0-9]*\.[0-9]s after peer FIN eof=read -- " \
        "--call $c: one close_wait, fd=$fd eof=read"
    CW=$(block close_wait 1)
    if frames "$CW" "peer's EOF read at" | head -n 1 |
        grep -Eq "$(frame_re 'read_some[.a-z0-9]*' closewait-server)" &&
        frames "$CW" "peer's EOF read at" |
        grep -Eq "$(frame_re serve_client closewait-server)"; then
        ok 0 "--call $c: the EOF stack starts in read_some, then serve_client"
    else
        ok 1 "--call $c: the EOF stack starts in read_some, then serve_client"
        diag "stderr:" "${ERR:-(empty)}"
    fi
done

# ------------------------------------------- 3. EOF never read: the kernel's

start never shim "$CWS" --never-read --hold "$HOLD_MAX"
client never 1 --no-echo >/dev/null
wait_for never 'never reading'
is 1 "$(cw_sockets "$(port never)" 1)" \
    "--never-read: ss has the server's side in CLOSE_WAIT"
reported never ': close_wait fd='
release never
finish never
fd=$(pick '^fd \([0-9]*\): accepted, never reading it$')
is "0 yes" "$RC ${fd:+yes}" "--never-read: accepted, never read, exit status 0"
one_event close_wait "^sockshim\[[0-9]+\]: error: close_wait fd=$fd tcp 127\.0\.0\.1:$P <- .* role=accept open [1-9][0-9]*\.[0-9]s after peer FIN eof=kernel -- " \
    "--never-read: one close_wait, fd=$fd eof=kernel (the scan saw it)"
CW=$(block close_wait 1)
unlike "$CW" "^    peer's EOF read at:" "--never-read: no EOF stack"
has_frame "$CW" 'socket created at' main closewait-server \
    "--never-read: the creation stack names main"
one_like leak_at_exit " count=1 close_wait=1 role=accept fds=$fd -- " \
    "--never-read: leak_at_exit count=1 close_wait=1 for the accepted socket"

# ------------------------- 4. closed in time: silence; closed late: late_close

start fixed shim SOCKSHIM_LOG_LEVEL=info "$CWS" --fixed --hold 3
start early shim SOCKSHIM_LOG_LEVEL=info "$CWS" --close-after 0.3 --hold 2
start late shim SOCKSHIM_LOG_LEVEL=info "$CWS" --close-after 1.6 --hold 1
client fixed >/dev/null
client early >/dev/null
client late >/dev/null
wait_for fixed 'peer closed'
# The client's side, not the server's, waits in TIME_WAIT: nothing here.
is 0 "$(cw_sockets "$(port fixed)" 0)" "--fixed: ss has nothing in CLOSE_WAIT"
finish fixed
is "0 1" "$RC $(printf '%s\n' "$OUT" | grep -c '^fd [0-9]*: peer closed (recv returned 0), closing$')" \
    "--fixed: the server closes, exit status 0"
no_event close_wait "--fixed: no close_wait"
# At level info: the listener, merely still open at exit, is information.
if events leak_at_exit | grep -q ' info: leak_at_exit .* role=listen ' &&
    [ "$(nevents leak_at_exit)" = 1 ] && [ "$(nevents summary)" = 1 ] &&
    [ "$(nevents '[a-z_]+')" = 2 ]; then
    ok 0 "--fixed: an info leak_at_exit for the listener and the summary, nothing else"
else
    ok 1 "--fixed: an info leak_at_exit for the listener and the summary, nothing else"
    diag "stderr:" "${ERR:-(empty)}"
fi

finish early
is "0 closing it 0.3s later|closed" \
    "$RC $(printf '%s\n' "$OUT" | sed -n 's/^fd [0-9]*: \(peer closed (recv returned 0), \)\{0,1\}//p' | paste -sd '|')" \
    "--close-after 0.3: the server closes 0.3 s after the EOF"
no_event close_wait "--close-after 0.3 (threshold 1 s): no close_wait"
no_event late_close "--close-after 0.3: no late_close, even at level info"
is "1 0" "$(events leak_at_exit | grep -c ' role=listen ') $(events leak_at_exit | grep -c ' role=accept ')" \
    "--close-after 0.3: leak_at_exit for the listener only, none for the connection"

finish late
fd=$(pick '^fd \([0-9]*\): closed$')
is "0 closing it 1.6s later|closed" \
    "$RC $(printf '%s\n' "$OUT" | sed -n 's/^fd [0-9]*: \(peer closed (recv returned 0), \)\{0,1\}//p' | paste -sd '|')" \
    "--close-after 1.6: the server closes 1.6 s after the EOF"
one_event close_wait "^sockshim\[[0-9]+\]: error: close_wait fd=$fd .* eof=read -- " \
    "--close-after 1.6: close_wait fd=$fd while it waits"
one_event late_close "^sockshim\[[0-9]+\]: info: late_close fd=$fd tcp 127\.0\.0\.1:$P <- 127\.0\.0\.1:[0-9]+ role=accept after=([1-9][0-9]*)\.[0-9]s -- " \
    "--close-after 1.6: late_close (info) fd=$fd role=accept after=N.Ns, N >= 1"
has_frame "$(block late_close 1)" 'socket created at' main closewait-server \
    "late_close: the creation stack names main"
one_event summary ' close_wait=1 late_close=1 ' \
    "--close-after 1.6: the summary counts close_wait=1 late_close=1"
is "1 0" "$(events leak_at_exit | grep -c ' role=listen ') $(events leak_at_exit | grep -c ' role=accept ')" \
    "--close-after 1.6: leak_at_exit for the listener only, none for the connection (it was closed)"

# ------------------------------------------- 5. fork-server: the parent's copy

start forkbug shim SOCKSHIM_LOG_LEVEL=info "$FORK" --bug --connections 2 --hold "$HOLD_MAX"
start forkok shim "$FORK" --connections 2 --hold 3
client forkbug 2 >/dev/null
wait_for forkbug '^child [0-9]+ exited$' 2
t0=$(now_ms)
client forkok 2 >/dev/null
wait_for forkok '^child [0-9]+ exited$' 2
is 2 "$(cw_sockets "$(port forkbug)" 2)" \
    "fork-server --bug: ss has both connections in CLOSE_WAIT once the children exited"
is 0 "$(cw_sockets "$(port forkok)" 0)" \
    "fork-server: ss has nothing in CLOSE_WAIT"
# Its second close_wait is a repeat of the first: at least 3 s.
release_after forkbug "$t0" 3

finish forkbug
kids=$(printf '%s\n' "$OUT" | sed -n 's/^child \([0-9]*\) exited$/\1/p' | paste -sd ' ')
is "0 2" "$RC $(printf '%s\n' "$OUT" | grep -c '^child [0-9]* exited$')" \
    "fork-server --bug: two children exited, exit status 0"
parent=$(events leak_at_exit | sed -n 's/^sockshim\[\([0-9]*\)\]: .*/\1/p' | head -n 1)
fd=$(full close_wait | sed -n 's/.* close_wait fd=\([0-9]*\) .*/\1/p')
child=$(full close_wait | sed -n 's/.* child_pid=\([0-9]*\) .*/\1/p')
one_event close_wait "^sockshim\[$parent\]: error: close_wait fd=$fd tcp 127\.0\.0\.1:$P <- 127\.0\.0\.1:[0-9]+ role=accept open [1-9][0-9]*\.[0-9]s after peer FIN eof=kernel fork=parent child_pid=[0-9]+ child_alive=no -- " \
    "fork-server --bug: close_wait from the parent ($parent), eof=kernel fork=parent child_alive=no"
case "${child:-none}  $kids " in
"none "*) ok 1 "close_wait: no child_pid in the event" ;;
"$child "*" $child "*) ok 0 "close_wait: child_pid=$child is a child the server saw exit ($kids)" ;;
*) ok 1 "close_wait: child_pid=$child is a child the server saw exit ($kids)" ;;
esac
like "$OUT" "^child $child: echoed [0-9]+ bytes, client closed, close\\(fd=$fd\\) = 0\$" \
    "close_wait: child $child is the one that served fd=$fd"
has_frame "$(block close_wait 1)" 'socket created at' accept_connection fork-server \
    "close_wait: the creation stack names accept_connection"
one_like summary "^sockshim\[$parent\]: info: summary .*close_wait=2 " \
    "the parent's summary counts close_wait=2 (the second folded as a repeat)"
one_like leak_at_exit "^sockshim\[$parent\]: warn: leak_at_exit count=2 close_wait=2 role=accept fds=[0-9]+,[0-9]+ -- " \
    "at exit: the parent's leak_at_exit count=2 close_wait=2 role=accept"
has_frame "$(block leak_at_exit 1)" '2 sockets created at' accept_connection fork-server \
    "leak_at_exit: 2 sockets created at accept_connection"

finish forkok
is "0 2" "$RC $(printf '%s\n' "$OUT" | grep -c '^child [0-9]* exited$')" \
    "fork-server: two children exited, exit status 0"
is "" "$ERR" "fork-server (parent closes connfd): no event at all, parent or child"

# ---------------------------------------- 6. SOCKSHIM_SCAN=0, SOCKSHIM_CHECKS

start scan0 shim SOCKSHIM_SCAN=0 "$CWS" --hold 2
start scan0nr shim SOCKSHIM_SCAN=0 "$CWS" --never-read --hold 2
start nocw shim SOCKSHIM_CHECKS=-close_wait "$CWS" --hold 2
client scan0 >/dev/null
client scan0nr 1 --no-echo >/dev/null
client nocw >/dev/null

finish scan0
fd=$(pick '^fd \([0-9]*\): peer closed.*')
no_event close_wait "SOCKSHIM_SCAN=0: no close_wait while the server runs"
one_like leak_at_exit " count=1 close_wait=1 role=accept fds=$fd -- " \
    "SOCKSHIM_SCAN=0: leak_at_exit still counts close_wait=1 (the EOF read)"
finish scan0nr
fd=$(pick '^fd \([0-9]*\): accepted, never reading it$')
no_event close_wait "SOCKSHIM_SCAN=0 --never-read: no close_wait"
one_like leak_at_exit " count=1 close_wait=1 role=accept fds=$fd -- " \
    "SOCKSHIM_SCAN=0 --never-read: leak_at_exit close_wait=1 (the kernel's state at exit)"
finish nocw
fd=$(pick '^fd \([0-9]*\): peer closed.*')
no_event close_wait "SOCKSHIM_CHECKS=-close_wait: no close_wait"
one_like leak_at_exit " count=1 close_wait=1 role=accept fds=$fd -- " \
    "SOCKSHIM_CHECKS=-close_wait: leak_at_exit stays, close_wait=1"

# ------------------------------------------------------------------ 7. JSON

start json shim SOCKSHIM_LOG_FORMAT=json "$CWS" --hold "$HOLD_MAX"
CP=$(client json)
reported json '"kind":"close_wait"'
release json
finish json
printf '%s\n' "$ERR" >"$TMP/json.err"
fd=$(pick '^fd \([0-9]*\): peer closed.*')
jcheck "JSON: every line of stderr is a JSON object" lines "$TMP/json.err"
jcheck "JSON close_wait: level, fd=$fd, family, proto, role, local, peer, eof=read" \
    event "$TMP/json.err" close_wait kind=close_wait level=error fd="$fd" \
    family=inet proto=tcp role=accept local="127.0.0.1:$P" \
    peer="127.0.0.1:$CP" eof=read
jcheck "JSON close_wait: age_ms >= 1000" event "$TMP/json.err" close_wait \
    'age_ms>=1000'
jcheck "JSON close_wait: stack (the EOF's) has a serve_client frame" \
    event "$TMP/json.err" close_wait 'stack~serve_client'
jcheck "JSON close_wait: created_at has a main frame" \
    event "$TMP/json.err" close_wait 'created_at~main'
jcheck "JSON close_wait: a why, no fork fields" event "$TMP/json.err" close_wait \
    why '!fork' '!child_pid'
jcheck "JSON leak_at_exit (accept): count=1 close_wait=1 fds=$fd, created_at in main" \
    event "$TMP/json.err" leak_at_exit @role=accept count=1 close_wait=1 \
    "fds==[$fd]" 'created_at~main'

# ------------------------------------------ 8. leak_at_exit by creation stack

shim SOCKSHIM_LOG_LEVEL=info "$LEAKY"
L=$(pick '^listeners fds=\([0-9,]*\)$')
C=$(pick '^clients fds=\([0-9,]*\)$')
A=$(pick '^accepted fds=\([0-9,]*\)$')
is "0 yes" "$RC ${L:+${C:+${A:+yes}}}" "leaky: 7 sockets from 3 sites, exit status 0"
is 3 "$(nevents leak_at_exit)" "leaky: three leak_at_exit events, one per site"
is "3 2 2" "$(events leak_at_exit | sed -n 's/.* leak_at_exit count=\([0-9]*\) .*/\1/p' | tr '\n' ' ' | sed 's/ $//')" \
    "leaky: biggest group first (count 3, 2, 2)"
B=$(block leak_at_exit 1)
like "$B" "^sockshim\[[0-9]+\]: info: leak_at_exit count=3 close_wait=0 role=listen fds=$L -- " \
    "leaky: count=3 close_wait=0 role=listen fds=$L"
has_frame "$B" '3 sockets created at' leak_listeners leaky \
    "leaky: 3 sockets created at leak_listeners"
B=$(block leak_at_exit 2)
like "$B" "^sockshim\[[0-9]+\]: info: leak_at_exit count=2 close_wait=0 role=connect fds=$C -- " \
    "leaky: count=2 close_wait=0 role=connect fds=$C"
has_frame "$B" '2 sockets created at' leak_clients leaky \
    "leaky: 2 sockets created at leak_clients"
B=$(block leak_at_exit 3)
like "$B" "^sockshim\[[0-9]+\]: info: leak_at_exit count=2 close_wait=0 role=accept fds=$A -- " \
    "leaky: count=2 close_wait=0 role=accept fds=$A"
has_frame "$B" '2 sockets created at' accept_pending leaky \
    "leaky: 2 sockets created at accept_pending"
one_event summary '^sockshim\[[0-9]+\]: info: summary sockets=7 .*leak_at_exit=3 ' \
    "leaky: the summary counts sockets=7 leak_at_exit=3"
shim SOCKSHIM_LOG_LEVEL=info "$LEAKY" --fixed
is "0 closed 7 sockets" "$RC $(printf '%s\n' "$OUT" | tail -n 1)" \
    "leaky --fixed: closes all 7, exit status 0"
no_event leak_at_exit "leaky --fixed: no leak_at_exit"
one_event summary '^sockshim\[[0-9]+\]: info: summary sockets=7 repeated=0 ' \
    "leaky --fixed: the summary counts 7 sockets and no event"

# ---------------------------------------------------------------- 9. repeats

start rep shim SOCKSHIM_LOG_LEVEL=info "$CWS" --connections 12 --hold "$HOLD_MAX"
client rep 12 >/dev/null
wait_for rep 'peer closed' 12
t0=$(now_ms)
is 12 "$(cw_sockets "$(port rep)" 12)" \
    "--connections 12: ss has all 12 in CLOSE_WAIT while the server holds"
# The last close_wait is one of the repeats: at least 3 s.
release_after rep "$t0" 3
finish rep
fd=$(pick '^fd \([0-9]*\): peer closed.*')
is "0 12" "$RC $(printf '%s\n' "$OUT" | grep -c 'peer closed')" \
    "--connections 12: 12 clients served one after another, exit status 0"
one_event close_wait "^sockshim\[[0-9]+\]: error: close_wait fd=$fd .* eof=read -- " \
    "repeats: close_wait shown in full once, for the first (fd=$fd)"
is "repeat=10" "$(events close_wait | grep -o ' repeat=[0-9]*' | tr -d ' ')" \
    "repeats: then one short line, repeat=10"
one_event summary ' close_wait=12 .*repeated=11 ' \
    "repeats: the summary counts close_wait=12 repeated=11"
one_like leak_at_exit " count=12 close_wait=12 role=accept fds=([0-9]+,){8}\\.\\.\\. -- " \
    "repeats: leak_at_exit count=12 close_wait=12, 8 fds shown then ..."

# ------------------------------------------- 10. the program's own SHUT_RD

# After shutdown(SHUT_RD) reads return 0 although the peer has not closed:
# no "peer closed", so no close_wait, however long the socket stays open.
cat >"$TMP/shutrd.py" <<'PYEOF'
import socket, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.create_connection(l.getsockname()); s, _ = l.accept()
s.shutdown(socket.SHUT_RD)
print("read after SHUT_RD:", len(s.recv(10)))
time.sleep(2.5)
s.close(); c.close(); l.close()
PYEOF
shim SOCKSHIM_LOG_LEVEL=info "$PY" "$TMP/shutrd.py"
is "0 read after SHUT_RD: 0" "$RC $OUT" \
    "python3, shutdown(SHUT_RD) then recv(): 0 bytes, exit status 0"
no_event close_wait "python3, shutdown(SHUT_RD) then recv() == 0, open 2.5 s: no close_wait"

# ------------------------------------------------- 11. a program that daemonises

# glibc's daemon() forks through its internal __fork(), not the exported
# fork(): the child's reset (its own scan thread, its own netlink socket)
# must come from the atfork handler. The parent has a TCP socket first, so
# its scan has started when it forks.
cat >"$TMP/daemon.py" <<'PYEOF'
import ctypes, os, socket, sys, time
pre = socket.socket()
libc = ctypes.CDLL(None, use_errno=True)
if libc.daemon(1, 1) != 0:
    sys.exit("daemon: errno %d" % ctypes.get_errno())
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.create_connection(l.getsockname()); s, _ = l.accept()
print("daemon %d fd %d" % (os.getpid(), s.fileno()), flush=True)
c.close()
time.sleep(2.5)
print("done", flush=True)
PYEOF
shim "$PY" "$TMP/daemon.py"
# The daemon outlives the parent that shim waited for: wait (10 s at
# most) for its last line.
_i=0
while ! grep -q '^done$' "$TMP/out" && [ $_i -lt 200 ]; do
    sleep 0.05
    _i=$((_i + 1))
done
OUT=$(cat "$TMP/out")
ERR=$(cat "$TMP/err")
dpid=$(pick '^daemon \([0-9]*\) fd [0-9]*$')
dfd=$(pick '^daemon [0-9]* fd \([0-9]*\)$')
is "0 done" "$RC $(printf '%s\n' "$OUT" | tail -n 1)" \
    "python3 daemon(): the parent exits 0, the daemon runs to its end"
one_event close_wait "^sockshim\[$dpid\]: error: close_wait fd=$dfd tcp .* eof=kernel " \
    "daemon(): close_wait from the daemon (pid $dpid, fd $dfd), the kernel's CLOSE_WAIT found by its own scan"
