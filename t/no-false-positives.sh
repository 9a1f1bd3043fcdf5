#!/bin/sh
# no-false-positives.sh — correct programs under load stay silent. Under an
# aggressive setting (SOCKSHIM_CLOSE_WAIT=1s, a kernel scan every 100 ms,
# log level info, a keepalive/nodelay/backlog policy), unmodified python3
# http.server (HTTP/1.0, Connection: close), a python3 HTTP/1.1 keep-alive
# server built on http.server, curl and a forking socat echo server serve
# thousands of short connections and idle keep-alive ones held past the
# threshold: no close_wait, no late_close, no other diagnostic event, in
# the servers and in the clients; each server's summary is there; each
# program's own output and exit status are those of a run without the
# shim. Negative controls prove the checks can fail: a server that keeps 5
# connections after the peer's EOF (read, or only seen by the kernel) gets
# close_wait=5, and exits reporting exactly those 5 as leak_at_exit, while
# the 20 it closes within the threshold never appear.
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/logfiles.sh"

# Debian's interpreter, not a wrapper script (pyenv's shim is bash).
PY=/usr/bin/python3
for tool in ss socat curl timeout "$PY"; do
    command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed"
done
env --default-signal=INT true 2>/dev/null ||
    skip_all "env(1) has no --default-signal (coreutils < 8.31)"

plan 53

# ---------------------------------------------------------------- helpers

# launch MODE LOG CMD...: exec CMD with a deadline (call it in a subshell
# or in the background: the process becomes timeout(1), so that $! is the
# pid to signal). MODE shim: under the library with the test's settings and
# its log in LOG (%p: one file per process); MODE plain: without it.
# timeout runs in the foreground mode, so that a SIGINT sent to it reaches
# the program once (not a second time through the process group), and
# env --default-signal=INT undoes the SIG_IGN that a background job of a
# non-interactive shell starts with (python would never see KeyboardInterrupt).
launch() {
    _mode=$1 _log=$2
    shift 2
    if [ "$_mode" = shim ]; then
        set -- env LD_PRELOAD="$PRELOAD" SOCKSHIM_CLOSE_WAIT=1s \
            SOCKSHIM_SCAN=100ms SOCKSHIM_LOG_LEVEL=info \
            SOCKSHIM_KEEPALIVE=30 SOCKSHIM_NODELAY=on SOCKSHIM_BACKLOG=128 \
            SOCKSHIM_LOG="file:$_log" "$@"
    fi
    exec timeout --foreground -k 5 "${TEST_TIMEOUT:-60}" \
        env --default-signal=INT "$@"
}

# What a correct program may log: policy and app_override (info, the
# policy at work) and its summary. Anything else is a diagnostic.
QUIET='^sockshim\[[0-9]+\]: info: (policy|app_override|summary) '

# no_diagnostics TEXT DESC: TEXT holds no event but QUIET ones.
no_diagnostics() {
    _other=$(printf '%s\n' "$1" | grep -Ev -- "$QUIET")
    if [ -z "$_other" ]; then ok 0 "$2"; else
        ok 1 "$2"
        diag "unexpected events (kinds: $(printf '%s\n' "$_other" |
            sed -E 's/^[^:]*: [a-z]+: ([a-z_]+).*/\1/' | sort | uniq -c |
            awk '{ printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1 }')):"
        diag "$(printf '%s\n' "$_other" | head -n 10)"
    fi
}

# http_port FILE: the port in a python server's "Serving HTTP ... port N".
http_port() { sed -n 's/^Serving HTTP.* port \([0-9][0-9]*\).*/\1/p' "$1"; }

# ss_states PORT: "ESTAB CLOSE-WAIT" counts of the server side of PORT.
ss_states() {
    ss -Htan "( sport = :$1 )" 2>/dev/null | awk '
        $1 == "ESTAB" { e++ } $1 == "CLOSE-WAIT" { c++ }
        END { printf "%d %d\n", e, c }'
}

mkdir "$TMP/www" "$TMP/curl"
"$PY" -c 'import sys
sys.stdout.write("".join("line %04d of a file served to sockshim\n" % i
                         for i in range(150)))' >"$TMP/www/file"

# The load: MODE close, N requests with Connection: close, each on its own
# connection, from a pool of CONC threads; MODE keepalive, N requests over
# CONC persistent connections; MODE idle, CONC connections that make a
# request, hold the connection idle (MARK created) until STOP exists, and
# make a second request on it. Every response must be 200 and the file.
# Prints ok= fail= connections= (keep-alive: the distinct connections).
cat >"$TMP/load.py" <<'EOF'
import http.client, os, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
host, port, path, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
n, conc, expected = int(sys.argv[5]), int(sys.argv[6]), open(sys.argv[7], "rb").read()
lock = threading.Lock()
stats = {"ok": 0, "fail": 0, "connections": 0}
errors = []

def count(good, why, connections=0):
    with lock:
        stats["ok" if good else "fail"] += 1
        stats["connections"] += connections
        if not good and len(errors) < 5:
            errors.append(why)

def fetch(conn, headers):
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    return r.status == 200 and body == expected, "%s, %d bytes" % (r.status, len(body))

def one_close(_):
    try:
        c = http.client.HTTPConnection(host, port, timeout=30)
        good, why = fetch(c, {"Connection": "close"})
        c.close()
        count(good, why, 1)
    except Exception as e:
        count(False, repr(e))

def persistent(k, between=None):
    c = http.client.HTTPConnection(host, port, timeout=30)
    ports = set()
    for i in range(k):
        if i > 0 and between:
            between()
        try:
            good, why = fetch(c, {})
            ports.add(c.sock.getsockname()[1])
            count(good, why)
        except Exception as e:
            count(False, repr(e))
    c.close()
    with lock:
        stats["connections"] += len(ports)

def hold():
    barrier.wait()
    while not os.path.exists(stop) and time.time() < deadline:
        time.sleep(0.05)

with ThreadPoolExecutor(conc) as ex:
    if mode == "close":
        list(ex.map(one_close, range(n)))
    elif mode == "keepalive":
        list(ex.map(persistent, [n // conc] * conc))
    else:
        mark, stop, deadline = sys.argv[8], sys.argv[9], time.time() + 40
        barrier = threading.Barrier(conc, action=lambda: open(mark, "w").close())
        list(ex.map(lambda _: persistent(2, hold), range(conc)))
print("ok=%(ok)d fail=%(fail)d connections=%(connections)d" % stats)
for e in errors:
    print("error: " + e)
EOF

# The HTTP/1.1 server: http.server's own handler and threading server, with
# protocol_version HTTP/1.1 (persistent connections); exits on SIGINT.
cat >"$TMP/server11.py" <<'EOF'
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
handler.func.protocol_version = "HTTP/1.1"
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print("Serving HTTP/1.1 on 127.0.0.1 port %d" % srv.server_address[1], flush=True)
try:
    srv.serve_forever()
except KeyboardInterrupt:
    print("Keyboard interrupt received, exiting.", flush=True)
srv.server_close()
EOF

# ------------------------------------ 1, 3. http.server (HTTP/1.0) and curl

# Without and with the shim, the same load: 3000 Connection: close requests
# from 8 threads (the client under the shim too), then 200 sequential
# curl runs (each under the shim, one log per process), a pause past the
# threshold and several scans with every connection closed, and SIGINT.
# (SOCKSHIM_BACKLOG=128: python's backlog of 5 really overflows under 8
# concurrent clients, and accept_overflow would rightly say so.)
for mode in plain shim; do
    (launch "$mode" "$TMP/a-$mode.log" "$PY" -u -m http.server \
        --bind 127.0.0.1 --directory "$TMP/www" 0) \
        >"$TMP/a-$mode.out" 2>"$TMP/a-$mode.err" &
    A_PID=$!
    PIDS="$PIDS $A_PID"
    poll 20 file_has "$TMP/a-$mode.out" '^Serving HTTP on .* port [0-9]+ '
    P=$(http_port "$TMP/a-$mode.out")
    (launch "$mode" "$TMP/a-client-$mode.log" "$PY" "$TMP/load.py" \
        127.0.0.1 "${P:-1}" /file close 3000 8 "$TMP/www/file") \
        >"$TMP/a-load-$mode.out" 2>&1
    i=0 bad=0
    while [ $i -lt 200 ]; do
        i=$((i + 1))
        (launch "$mode" "$TMP/curl/$mode-%p.log" curl -sS \
            "http://127.0.0.1:${P:-1}/file") >"$TMP/curl.out" 2>"$TMP/curl.err"
        rc=$?
        if [ $rc -ne 0 ] || [ -s "$TMP/curl.err" ] ||
            ! cmp -s "$TMP/curl.out" "$TMP/www/file"; then
            bad=$((bad + 1))
            [ $bad -gt 1 ] || diag "curl ($mode) run $i: exit $rc," \
                "$(cat "$TMP/curl.err")"
        fi
    done
    eval "CURL_BAD_$mode=\$bad"
    sleep 1.6
    kill -INT "$A_PID" 2>/dev/null
    wait "$A_PID"
    eval "A_RC_$mode=\$?"
done
# shellcheck disable=SC2154 # set by eval in the loop above, one per mode
{
is "ok=3000 fail=0 connections=3000" "$(head -n 1 "$TMP/a-load-plain.out")" \
    "http.server without the shim: 3000 Connection: close requests, all 200 with the file"
is "ok=3000 fail=0 connections=3000" "$(head -n 1 "$TMP/a-load-shim.out")" \
    "http.server under the shim: 3000 Connection: close requests, all 200 with the file"
is "0 0" "$CURL_BAD_plain $CURL_BAD_shim" \
    "curl: 200 runs exit 0 with the file, silent on stderr, with and without the shim"
is "0 0" "$A_RC_plain $A_RC_shim" \
    "http.server: exit status 0 after SIGINT, with and without the shim"
}
same_out() { sed 's/port [0-9][0-9]*/port N/; s/:[0-9][0-9]*\//:N\//' "$1"; }
if [ -s "$TMP/a-plain.out" ] &&
    [ "$(same_out "$TMP/a-plain.out")" = "$(same_out "$TMP/a-shim.out")" ]; then
    ok 0 "http.server: the same stdout (port aside) with and without the shim"
else
    ok 1 "http.server: the same stdout (port aside) with and without the shim"
    diag "without:" "$(cat "$TMP/a-plain.out")" "with:" "$(cat "$TMP/a-shim.out")"
fi
is "3200 3200" "$(grep -c '"GET /file HTTP/1.1" 200 ' "$TMP/a-plain.err") $(grep -c '"GET /file HTTP/1.1" 200 ' "$TMP/a-shim.err")" \
    "http.server: its access log holds 3200 requests answered 200, with and without the shim"
alog=$(log_events "$TMP/a-shim.log")
is 0 "$(count close_wait "$alog")" "http.server: no close_wait after 3200 short connections"
is 0 "$(count late_close "$alog")" "http.server: no late_close"
no_diagnostics "$alog" "http.server: no other diagnostic event (policy events only)"
like "$alog" '^sockshim\[[0-9]+\]: info: summary sockets=[0-9]+ repeated=0 suppressed=0 closed_unseen=0 stacks=[0-9]+' \
    "http.server: its summary at exit, with no event counted"
at_least 3201 "$(summary_sockets "$alog")" \
    "http.server: the summary counts every connection accepted and the listener (>= 3201)"
like "$alog" "info: policy fd=[0-9]+ tcp 127\\.0\\.0\\.1:[0-9]+ role=listen .*backlog=128" \
    "http.server: the shim was active (policy event for its listener)"
no_diagnostics "$(log_events "$TMP/a-client-shim.log")" \
    "the load client (3000 connections, under the shim): no diagnostic event"
is 1 "$(log_events "$TMP/a-client-shim.log" | grep -c ': info: summary sockets=3000 ')" \
    "the load client: its summary counts its 3000 connections"
set -- "$TMP"/curl/shim-*.log
is 200 "$(log_events "$@" | grep -c ': info: summary sockets=')" \
    "curl: a log with a summary for each of the 200 runs under the shim"
no_diagnostics "$(log_events "$@")" \
    "curl: no diagnostic event in any run (policy and app_override only)"
set --

# ------------------------------------------- 1, 2. the HTTP/1.1 server

# Without and with the shim: 3000 keep-alive requests over 30 persistent
# connections and, at the same time, 1000 Connection: close requests from 4
# threads; then 30 connections that make a request and stay idle, the
# server waiting for the next one, past the threshold and many scans
# (kernel: ESTABLISHED, not CLOSE_WAIT), then make a second request on the
# same connection and close; a pause; SIGINT.
for mode in plain shim; do
    (launch "$mode" "$TMP/b-$mode.log" "$PY" -u "$TMP/server11.py" "$TMP/www") \
        >"$TMP/b-$mode.out" 2>"$TMP/b-$mode.err" &
    B_PID=$!
    PIDS="$PIDS $B_PID"
    poll 20 file_has "$TMP/b-$mode.out" '^Serving HTTP/1.1 on .* port [0-9]+'
    P=$(http_port "$TMP/b-$mode.out")
    (launch "$mode" "$TMP/b-keep-$mode.log" "$PY" "$TMP/load.py" 127.0.0.1 \
        "${P:-1}" /file keepalive 3000 30 "$TMP/www/file") \
        >"$TMP/b-keep-$mode.out" 2>&1 &
    K_PID=$!
    PIDS="$PIDS $K_PID"
    (launch "$mode" "$TMP/b-close-$mode.log" "$PY" "$TMP/load.py" 127.0.0.1 \
        "${P:-1}" /file close 1000 4 "$TMP/www/file") \
        >"$TMP/b-close-$mode.out" 2>&1
    wait "$K_PID"
    (launch "$mode" "$TMP/b-idle-$mode.log" "$PY" "$TMP/load.py" 127.0.0.1 \
        "${P:-1}" /file idle 0 30 "$TMP/www/file" "$TMP/idle-$mode.mark" \
        "$TMP/idle-$mode.stop") >"$TMP/b-idle-$mode.out" 2>&1 &
    I_PID=$!
    PIDS="$PIDS $I_PID"
    poll 30 test -e "$TMP/idle-$mode.mark"
    [ "$mode" = plain ] || sleep 2.5
    eval "IDLE_SS_$mode=\$(ss_states \"\${P:-1}\")"
    : >"$TMP/idle-$mode.stop"
    wait "$I_PID"
    sleep 1.6
    kill -INT "$B_PID" 2>/dev/null
    wait "$B_PID"
    eval "B_RC_$mode=\$?"
done
for mode in plain shim; do
    w="without the shim"
    [ "$mode" = plain ] || w="under the shim"
    is "ok=3000 fail=0 connections=30" "$(head -n 1 "$TMP/b-keep-$mode.out")" \
        "HTTP/1.1 server $w: 3000 keep-alive requests over 30 connections, all 200"
    is "ok=1000 fail=0 connections=1000" "$(head -n 1 "$TMP/b-close-$mode.out")" \
        "HTTP/1.1 server $w: 1000 Connection: close requests alongside, all 200"
    is "ok=60 fail=0 connections=30" "$(head -n 1 "$TMP/b-idle-$mode.out")" \
        "HTTP/1.1 server $w: 30 connections held idle make a second request on the same connection"
done
# shellcheck disable=SC2154 # set by eval in the loop above, one per mode
{
is "30 0" "$IDLE_SS_shim" \
    "HTTP/1.1 server: ss shows the 30 idle connections ESTABLISHED, none in CLOSE_WAIT, 2.5s into the idle time"
is "0 0" "$B_RC_plain $B_RC_shim" \
    "HTTP/1.1 server: exit status 0 after SIGINT, with and without the shim"
}
if [ -s "$TMP/b-plain.out" ] &&
    [ "$(same_out "$TMP/b-plain.out")" = "$(same_out "$TMP/b-shim.out")" ]; then
    ok 0 "HTTP/1.1 server: the same stdout (port aside) with and without the shim"
else
    ok 1 "HTTP/1.1 server: the same stdout (port aside) with and without the shim"
    diag "without:" "$(cat "$TMP/b-plain.out")" "with:" "$(cat "$TMP/b-shim.out")"
fi
is "4060 4060" "$(grep -c '"GET /file HTTP/1.1" 200 ' "$TMP/b-plain.err") $(grep -c '"GET /file HTTP/1.1" 200 ' "$TMP/b-shim.err")" \
    "HTTP/1.1 server: its access log holds 4060 requests answered 200, with and without the shim"
blog=$(log_events "$TMP/b-shim.log")
is 0 "$(count close_wait "$blog")" \
    "HTTP/1.1 server: no close_wait (keep-alive, Connection: close, idle past the threshold)"
is 0 "$(count late_close "$blog")" "HTTP/1.1 server: no late_close"
no_diagnostics "$blog" "HTTP/1.1 server: no other diagnostic event (policy events only)"
like "$blog" '^sockshim\[[0-9]+\]: info: summary sockets=[0-9]+ repeated=0 suppressed=0 closed_unseen=0 stacks=[0-9]+' \
    "HTTP/1.1 server: its summary at exit, with no event counted"
at_least 1061 "$(summary_sockets "$blog")" \
    "HTTP/1.1 server: the summary counts every connection accepted and the listener (>= 1061)"
no_diagnostics "$(log_events "$TMP/b-keep-shim.log" "$TMP/b-close-shim.log" "$TMP/b-idle-shim.log")" \
    "HTTP/1.1 server's clients (keep-alive, close, idle; under the shim): no diagnostic event"
is 3 "$(log_events "$TMP/b-keep-shim.log" "$TMP/b-close-shim.log" "$TMP/b-idle-shim.log" | grep -c ': info: summary ')" \
    "HTTP/1.1 server's clients: each of the 3 logged its summary (the silence above is sockshim's)"

# ------------------------------------------------ 4. socat, forking

# A socat echo server (a child per connection, which runs cat), without and
# with the shim (one log per process), 300 connections one after another:
# send a line, half-close, read the echo to EOF, close. Then SIGTERM.
cat >"$TMP/echo.py" <<'EOF'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
good = 0
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    msg = b"ping %d\n" % i
    s.sendall(msg)
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    s.close()
    good += got == msg
print("echoed %d of %d" % (good, n))
EOF
mkdir "$TMP/socat"
for mode in plain shim; do
    (launch "$mode" "$TMP/socat/socat-%p.log" socat -d -d \
        TCP4-LISTEN:0,bind=127.0.0.1,fork,reuseaddr EXEC:cat) \
        >"$TMP/s-$mode.out" 2>"$TMP/s-$mode.err" &
    S_PID=$!
    PIDS="$PIDS $S_PID"
    poll 20 file_has "$TMP/s-$mode.err" 'listening on .*:[0-9]+$'
    P=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$TMP/s-$mode.err" |
        head -n 1)
    (launch plain - "$PY" "$TMP/echo.py" "${P:-1}" 300) >"$TMP/s-echo-$mode.out" 2>&1
    sleep 1.6
    kill -TERM "$S_PID" 2>/dev/null
    wait "$S_PID"
    eval "S_RC_$mode=\$?"
done
is "echoed 300 of 300
echoed 300 of 300" "$(cat "$TMP/s-echo-plain.out" "$TMP/s-echo-shim.out")" \
    "socat: 300 connections echoed, with and without the shim"
# shellcheck disable=SC2154 # set by eval in the loop above, one per mode
is "143 143" "$S_RC_plain $S_RC_shim" \
    "socat: exit status 143 on SIGTERM, with and without the shim"
set -- "$TMP"/socat/socat-*.log
slog=$(log_events "$@")
is 301 "$(printf '%s\n' "$slog" | grep -c ': info: summary sockets=')" \
    "socat: a summary from each process (the parent and its 300 children)"
is 0 "$(count close_wait "$slog")" "socat: no close_wait in the parent or any child"
is 0 "$(count late_close "$slog")" "socat: no late_close in the parent or any child"
# At exit a child still holds its socketpairs (to cat, and socat's own
# diagnostic pair): open for real, and leak_at_exit may say so; never the
# TCP connection, which it inherited from the parent.
unlike "$(printf '%s\n' "$slog" | grep ': leak_at_exit ')" \
    'role=[a-z,]*(accept|connect)|close_wait=[1-9]' \
    "socat: leak_at_exit names no TCP connection and no socket in CLOSE_WAIT"
# A child ends its connection with shutdown(SHUT_WR) then shutdown(SHUT_RDWR)
# once the client has closed: over loopback the FIN exchange completes in
# the first call, and the second fails with ENOTCONN, which socat ignores.
# A correct program, whatever the timing of the peer.
sm=$(printf '%s\n' "$slog" | grep -E ': shutdown_misuse .*role=accept')
is 0 "$(printf '%s\n' "$sm" | grep -c .)" \
    "socat: no shutdown_misuse on a connection the client closed first"
[ -z "$sm" ] || diag "$(printf '%s\n' "$sm" | head -n 2)"
# The parent, on SIGTERM, shuts its listener down (the Linux way to wake
# accept()): no misuse. What is still open at exit is information.
no_diagnostics "$(printf '%s\n' "$slog" | grep -Ev ': info: leak_at_exit ')" \
    "socat: no other diagnostic event (shutdown_misuse, close_unread, double_close, ...)"
set --

# ------------------------------------------ 5. negative controls

# holder.py MODE BRIEF LATE KEEP PORT-FILE STOP-FILE: a server that takes
# BRIEF + LATE + KEEP connections, a thread each. MODE read: recv() until
# b"" (the peer's EOF); MODE kernel: never read, wait until poll() says
# the peer closed (only the kernel knows). Then it closes the first BRIEF
# 0.5s later (within the threshold), the next LATE 1.5s later (past it),
# and keeps the last KEEP (detached: not even the interpreter's exit
# closes them). Prints a line when all are handled; once STOP-FILE exists
# it closes its listener and exits 0.
cat >"$TMP/holder.py" <<'EOF'
import os, select, socket, sys, threading, time
mode, brief, late, keep = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
port_file, stop_file = sys.argv[5], sys.argv[6]
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(64)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
kept = []
lock = threading.Lock()

def handle(c, hold):
    c.settimeout(30)
    if mode == "read":
        while c.recv(4096):
            pass
    else:
        p = select.poll()
        p.register(c, select.POLLIN | select.POLLRDHUP)
        p.poll(30000)
    if hold is None:
        with lock:
            kept.append(c.detach())
    else:
        time.sleep(hold)
        c.close()

threads = []
for i in range(brief + late + keep):
    c, _ = ls.accept()
    hold = 0.5 if i < brief else 1.5 if i < brief + late else None
    threads.append(threading.Thread(target=handle, args=(c, hold)))
    threads[-1].start()
for t in threads:
    t.join()
print("closed %d within the threshold, %d past it, kept %d" % (brief, late, len(kept)), flush=True)
deadline = time.time() + 40
while not os.path.exists(stop_file) and time.time() < deadline:
    time.sleep(0.05)
ls.close()
EOF
# conns.py PORT N MODE: N connections one after another; MODE data sends a
# line before closing, MODE bare only connects and closes.
cat >"$TMP/conns.py" <<'EOF'
import socket, sys
port, n, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    if mode == "data":
        s.sendall(b"hello %d\n" % i)
    s.close()
print("connected %d" % n)
EOF

# control NAME MODE HOLDER-MODE LATE CLIENT-MODE: holder.py with 20 brief,
# LATE late and 5 kept connections; sets CTL_RC, CTL_SS (ss_states while
# it holds them).
control() {
    _n=$1
    (launch "$2" "$TMP/$_n.log" "$PY" "$TMP/holder.py" "$3" 20 "$4" 5 \
        "$TMP/$_n.port" "$TMP/$_n.stop") >"$TMP/$_n.out" 2>"$TMP/$_n.err" &
    _pid=$!
    PIDS="$PIDS $_pid"
    poll 20 test -s "$TMP/$_n.port"
    _p=$(cat "$TMP/$_n.port" 2>/dev/null)
    (launch plain - "$PY" "$TMP/conns.py" "${_p:-1}" $((25 + $4)) "$5") \
        >"$TMP/$_n.client" 2>&1
    poll 20 test -s "$TMP/$_n.out"
    # Past the threshold and many scans, the server holding its 5.
    [ "$2" = plain ] || sleep 2.5
    CTL_SS=$(ss_states "${_p:-1}")
    : >"$TMP/$_n.stop"
    wait "$_pid"
    CTL_RC=$?
}

control read-plain plain read 0 data
r0="$CTL_RC $CTL_SS $(cat "$TMP/read-plain.out")"
control read-shim shim read 0 data
is "$r0" "$CTL_RC $CTL_SS $(cat "$TMP/read-shim.out")" \
    "control (EOF read): exit status, stdout and the kernel's CLOSE_WAIT count are the same with and without the shim"
is "0 0 5" "$CTL_RC $CTL_SS" \
    "control (EOF read): exit 0, and ss shows the 5 kept connections in CLOSE_WAIT"
rlog=$(log_events "$TMP/read-shim.log")
like "$rlog" ': info: summary sockets=26 close_wait=5 leak_at_exit=1 repeated=' \
    "control (EOF read): summary close_wait=5 (the 5 kept, not the 20 closed within the threshold), leak_at_exit=1"
like "$rlog" ': error: close_wait fd=[0-9]+ tcp 127\.0\.0\.1:[0-9]+ <- 127\.0\.0\.1:[0-9]+ role=accept open [0-9.]+s after peer FIN eof=read ' \
    "control (EOF read): the close_wait event, eof=read"
like "$rlog" ': warn: leak_at_exit count=5 close_wait=5 role=accept ' \
    "control (EOF read): at exit, exactly the 5 sockets left open, all in CLOSE_WAIT"
is 0 "$(count late_close "$rlog")" \
    "control (EOF read): no late_close (the 20 closed 0.5s after the EOF never appear)"

control kernel-plain plain kernel 3 bare
k0="$CTL_RC $CTL_SS $(cat "$TMP/kernel-plain.out")"
control kernel-shim shim kernel 3 bare
is "$k0" "$CTL_RC $CTL_SS $(cat "$TMP/kernel-shim.out")" \
    "control (EOF never read): exit status, stdout and the kernel's CLOSE_WAIT count are the same with and without the shim"
is "0 0 5" "$CTL_RC $CTL_SS" \
    "control (EOF never read): exit 0, and ss shows the 5 kept connections in CLOSE_WAIT"
klog=$(log_events "$TMP/kernel-shim.log")
like "$klog" ': info: summary sockets=29 close_wait=8 late_close=3 leak_at_exit=1 repeated=' \
    "control (EOF never read): summary close_wait=8 (5 kept, 3 closed late), late_close=3, leak_at_exit=1"
like "$klog" ': error: close_wait fd=[0-9]+ tcp 127\.0\.0\.1:[0-9]+ <- 127\.0\.0\.1:[0-9]+ role=accept open [0-9.]+s after peer FIN eof=kernel ' \
    "control (EOF never read): the close_wait event, eof=kernel (found by the scan)"
like "$klog" ': warn: leak_at_exit count=5 close_wait=5 role=accept ' \
    "control (EOF never read): at exit, exactly the 5 sockets left open, all in CLOSE_WAIT"
no_diagnostics "$(printf '%s\n' "$klog" | grep -Ev ': (close_wait|late_close|leak_at_exit) ')" \
    "control (EOF never read): no other diagnostic event"
