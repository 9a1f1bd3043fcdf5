# quiet.sh — what the tests of correct programs under load share
# (t/e2e/no-false-positives.sh, t/e2e/no-false-positives-http11.sh,
# t/e2e/no-false-positives-socat.sh, t/e2e/no-false-positives-controls.sh; sourced
# after libtap.sh and logfiles.sh). One script once, four tests now: make
# -j runs them side by side.
#
# Correct programs under load stay silent. Under an aggressive setting
# (SOCKSHIM_CLOSE_WAIT=3s, a kernel scan every 100 ms, log level info, a
# keepalive/nodelay/backlog policy), unmodified python3
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
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).

# Debian's interpreter, not a wrapper script (pyenv's shim is bash).
PY=/usr/bin/python3
for tool in ss socat curl timeout "$PY"; do
    command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed"
done
env --default-signal=INT true 2>/dev/null ||
    skip_all "env(1) has no --default-signal (coreutils < 8.31)"

# The CLOSE_WAIT threshold of these tests, in seconds: short, so that a
# wait past it is short too, but with room for a correct server that a
# loaded machine delays between the peer's FIN and its close() (1.2 s was
# seen at load 12 under make -j4 check, with a threshold of 1 s then).
QUIET_CLOSE_WAIT=3
# How long to wait, once a program should have closed everything, for the
# scans (every 100 ms) to find a socket left open past the threshold.
# shellcheck disable=SC2034 # for the scripts that source this file
PAST_THRESHOLD=$QUIET_CLOSE_WAIT.6

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
        set -- env LD_PRELOAD="$PRELOAD" SOCKSHIM_CLOSE_WAIT=${QUIET_CLOSE_WAIT}s \
            SOCKSHIM_SCAN=100ms SOCKSHIM_LOG_LEVEL=info \
            SOCKSHIM_KEEPALIVE=30 SOCKSHIM_NODELAY=on SOCKSHIM_BACKLOG=128 \
            SOCKSHIM_LOG="file:$_log" "$@"
    fi
    exec timeout --foreground -k 5 "${LAUNCH_DEADLINE:-${TEST_TIMEOUT:-60}}" \
        env --default-signal=INT "$@"
}

# serve MODE LOG CMD...: launch for a server. A server lives through a
# whole section, while the clients do their thousands of requests one
# bounded run after another: how long that takes depends on the machine's
# load, and a deadline on the server's whole life (it once had
# TEST_TIMEOUT, like a client) killed it under load while the test still
# used it. Its deadline is now SERVER_TIMEOUT, only there to reap it if
# the test itself dies; stop bounds the part a server is responsible for,
# its exit.
SERVER_TIMEOUT=${SERVER_TIMEOUT:-900}
serve() {
    LAUNCH_DEADLINE=$SERVER_TIMEOUT
    launch "$@"
}

# stop PID SIGNAL: send SIGNAL to a server started with serve (PID: its
# timeout(1)) and wait for it to exit, TEST_TIMEOUT at most: then it gets
# SIGTERM through timeout(1), and SIGKILL 5 s later. Returns its exit
# status.
stop() {
    kill -"$2" "$1" 2>/dev/null
    # The watchdog's output goes nowhere: it must not hold the TAP stream.
    sh -c 'sleep "$1" && kill -TERM "$2"' sh "${TEST_TIMEOUT:-60}" "$1" \
        >/dev/null 2>&1 &
    _dog=$!
    wait "$1"
    _st=$?
    kill "$_dog" 2>/dev/null
    return $_st
}

# What a correct program may log: policy and app_override (info, the
# policy at work), its summary, and the periodic report of its open
# sockets at info level (a run longer than SOCKSHIM_REPORT, a minute,
# under load: nothing in CLOSE_WAIT, or it would be a warning).
# Anything else is a diagnostic.
QUIET='^sockshim\[[0-9]+\]: info: (policy|app_override|summary|open_sockets) '

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

# ports_masked FILE: a python server's stdout, its port made the same
# (not runs.sh's same_out, a verdict on a whole run).
ports_masked() { sed 's/port [0-9][0-9]*/port N/; s/:[0-9][0-9]*\//:N\//' "$1"; }

# ss_states PORT: "ESTAB CLOSE-WAIT" counts of the server side of PORT.
ss_states() {
    ss -Htan "( sport = :$1 )" 2>/dev/null | awk '
        $1 == "ESTAB" { e++ } $1 == "CLOSE-WAIT" { c++ }
        END { printf "%d %d\n", e, c }'
}

# http_fixtures: the file the HTTP servers serve ($TMP/www/file), the load
# client ($TMP/load.py) and the HTTP/1.1 server ($TMP/server11.py).
http_fixtures() {
    mkdir "$TMP/www"
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
}
