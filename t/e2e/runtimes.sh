#!/bin/sh
# runtimes.sh — diagnostic truth on real runtimes. Programs whose runtime
# does its socket work its own way must get the same verdict as plain C
# ones: silence when correct, the event when not. Under SOCKSHIM_CLOSE_WAIT=1s,
# a scan every 200 ms and log level info:
#   - Node.js: a correct net echo server and a correct http server
#     (short and keep-alive connections), and their node clients, held
#     past the threshold after the last connection: no warn or error event
#     (libuv closes with syscall(SYS_close, fd)), ss shows no CLOSE-WAIT,
#     each summary is there. Positive control: a net server with
#     allowHalfOpen that keeps 2 connections after 'end' gets close_wait
#     (eof=read) while it runs, counted exactly twice, and a warn
#     leak_at_exit close_wait=2.
#   - The JDK: a ServerSocket closed while another thread is blocked in
#     accept(), then a normal exit: no warn or error event.
#   - haproxy (mode http) in front of python3 http.server, 2000 requests:
#     no abortive_close (its SO_LINGER {1,0} close of a finished backend
#     connection loses nothing), no other warn or error, its summary after
#     a soft stop. Positive twin: rst-peer --linger0 gets abortive_close.
#   - CLI clients that leave their connection open until exit (socat,
#     python3, redis-cli when installed): no warn event; a socket merely
#     open at exit is an info leak_at_exit. Positive twin: a client that
#     read its peer's EOF and never closed gets warn leak_at_exit
#     close_wait=1.
# Every program's output and exit status are those of a run without the
# shim.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/logfiles.sh"

# Debian's interpreter, not a wrapper script (pyenv's shim is bash).
PY=/usr/bin/python3
RST=$EX/rst-peer
[ -x "$RST" ] || skip_all "$RST not built"
for tool in ss socat timeout ps "$PY"; do
    command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed"
done
env --default-signal=INT true 2>/dev/null ||
    skip_all "env(1) has no --default-signal (coreutils < 8.31)"
# haproxy is in /usr/sbin, which a user's PATH may lack.
HAPROXY=$(command -v haproxy 2>/dev/null || echo /usr/sbin/haproxy)

plan 46

# ---------------------------------------------------------------- helpers

# launch MODE LOG CMD...: exec CMD with a deadline (call it in a subshell
# or in the background: the process becomes timeout(1), so that $! is the
# pid to signal, and timeout(1) passes SIGTERM and SIGINT on to CMD).
# MODE shim: under the library with the test's settings and its log in
# LOG; MODE plain: without it. As in no-false-positives.sh: timeout in the
# foreground mode (a signal reaches the program once), and
# env --default-signal=INT undoes the SIG_IGN of a background job.
launch() {
    _mode=$1 _log=$2
    shift 2
    if [ "$_mode" = shim ]; then
        set -- env LD_PRELOAD="$PRELOAD" SOCKSHIM_CLOSE_WAIT=1s \
            SOCKSHIM_SCAN=200ms SOCKSHIM_LOG_LEVEL=info \
            SOCKSHIM_LOG="file:$_log" "$@"
    fi
    exec timeout --foreground -k 5 "${TEST_TIMEOUT:-60}" \
        env --default-signal=INT "$@"
}

# Milliseconds since the epoch (GNU date), and a wait until such a time.
now_ms() { date +%s%3N; }
hold_until() { while [ "$(now_ms)" -lt "$1" ]; do sleep 0.1; done; }

# no_warnings TEXT DESC: TEXT holds no warn or error event (info events,
# among them the summary and an info leak_at_exit, are no diagnosis).
no_warnings() {
    _bad=$(printf '%s\n' "$1" | grep -E '^sockshim\[[0-9]+\]: (warn|error): ')
    if [ -z "$_bad" ]; then ok 0 "$2"; else
        ok 1 "$2"
        diag "unexpected events (kinds: $(printf '%s\n' "$_bad" |
            sed -E 's/^[^:]*: ([a-z]+): ([a-z_]+).*/\1:\2/' | sort | uniq -c |
            awk '{ printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1 }')):"
        diag "$(printf '%s\n' "$_bad" | head -n 6 | cut -c 1-300)"
    fi
}

# skip_checks N REASON WHAT: the N checks of a section that cannot run.
skip_checks() {
    _i=0
    while [ $_i -lt "$1" ]; do
        _i=$((_i + 1))
        skip "$3 (check $_i of $1)" "$2"
    done
}

# listen_port FILE: the port of a "listening on 127.0.0.1:PORT" line.
listen_port() {
    sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$1" | head -n 1
}

# close_wait_on PORT: how many sockets of local port PORT are in
# CLOSE-WAIT (the kernel's view: what the silence must agree with).
close_wait_on() {
    ss -Htan state close-wait "( sport = :$1 )" 2>/dev/null | grep -c .
}

listening() { ss -Htln "( sport = :$1 )" 2>/dev/null | grep -q .; }

# A loopback port free right now, for a program that cannot take port 0.
free_port() {
    "$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Output with the port numbers and pids that differ from run to run made
# the same.
same_out() {
    sed -E 's/127\.0\.0\.1:[0-9]+/127.0.0.1:N/g; s/port [0-9]+/port N/g;
        s/^pid [0-9]+/pid N/; s/\([0-9]+\)/(N)/g' "$1" 2>/dev/null
}

# -------------------------------------------------- 1. Node.js: correct servers

if command -v node >/dev/null 2>&1; then
    NODE=$(command -v node)
else
    NODE=
fi

# echo-server.js: a correct net echo server: echoes, and ends its side
# when the client ends its own. On SIGTERM it stops listening and exits 0
# once every connection is gone (server.close's callback).
cat >"$TMP/echo-server.js" <<'EOF'
const net = require('net');
let connections = 0;
const server = net.createServer((s) => {
  connections++;
  s.on('data', (d) => s.write(d));
  s.on('end', () => s.end());
  s.on('error', (e) => console.log('socket error: ' + e.code));
});
server.listen(0, '127.0.0.1', () => {
  console.log('listening on 127.0.0.1:' + server.address().port);
});
process.on('SIGTERM', () => {
  server.close(() => {
    console.log('served ' + connections + ' connections');
    process.exit(0);
  });
});
EOF
# echo-client.js PORT N CONC HOLD_MS: N connections, CONC at a time: send
# a line and end, read the echo to the server's EOF. Prints its result once
# the last connection is closed, then stays HOLD_MS (a false close_wait of
# its own would show meanwhile) and exits.
cat >"$TMP/echo-client.js" <<'EOF'
const net = require('net');
const [port, n, conc, hold] = process.argv.slice(2).map(Number);
let next = 0, good = 0;
function one(i) {
  return new Promise((resolve) => {
    const msg = 'ping ' + i + '\n';
    let got = '';
    const c = net.connect(port, '127.0.0.1', () => c.end(msg));
    c.setEncoding('utf8');
    c.on('data', (d) => { got += d; });
    c.on('error', (e) => console.error('client: ' + e.message));
    c.on('close', () => { if (got === msg) good++; resolve(); });
  });
}
async function worker() {
  while (next < n) await one(next++);
}
Promise.all(Array.from({ length: conc }, worker)).then(() => {
  console.log('echoed ' + good + ' of ' + n);
  setTimeout(() => process.exit(0), hold);
});
EOF
# http-server.js: a correct http server; keep-alive connections idle for
# 500 ms are closed (its clients' agents close them first, having read the
# Keep-Alive hint). SIGTERM: stop, close the idle ones, exit 0 when none
# is left.
cat >"$TMP/http-server.js" <<'EOF'
const http = require('http');
const body = 'hello from node http\n'.repeat(20);
let requests = 0;
const server = http.createServer((req, res) => {
  requests++;
  res.setHeader('Content-Type', 'text/plain');
  res.end(body);
});
server.keepAliveTimeout = 500;
server.listen(0, '127.0.0.1', () => {
  console.log('listening on 127.0.0.1:' + server.address().port);
});
process.on('SIGTERM', () => {
  server.close(() => {
    console.log('served ' + requests + ' requests');
    process.exit(0);
  });
  server.closeIdleConnections();
});
EOF
# http-client.js PORT NCLOSE NKEEP HOLD_MS: NCLOSE requests with
# Connection: close, one after another, then NKEEP over a keep-alive
# agent of 4 sockets; waits until those 4 are closed, prints its result,
# stays HOLD_MS and exits.
cat >"$TMP/http-client.js" <<'EOF'
const http = require('http');
const [port, nclose, nkeep, hold] = process.argv.slice(2).map(Number);
const expected = 'hello from node http\n'.repeat(20);
let good = 0, bad = 0;
function get(agent, headers) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent, headers }, (r) => {
      let b = '';
      r.setEncoding('utf8');
      r.on('data', (d) => { b += d; });
      r.on('end', () => { (r.statusCode === 200 && b === expected) ? good++ : bad++; resolve(); });
    });
    req.on('error', (e) => { console.error('client: ' + e.message); bad++; resolve(); });
  });
}
(async () => {
  const closing = new http.Agent({ keepAlive: false });
  for (let i = 0; i < nclose; i++) await get(closing, { Connection: 'close' });
  const keep = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const sockets = new Set(), closed = [];
  keep.on('free', (s) => {
    if (!sockets.has(s)) {
      sockets.add(s);
      closed.push(new Promise((r) => s.on('close', r)));
    }
  });
  await Promise.all(Array.from({ length: nkeep }, () => get(keep, {})));
  await Promise.all(closed);
  console.log('ok=' + good + ' fail=' + bad + ' keepalive_connections=' + sockets.size);
  setTimeout(() => process.exit(0), hold);
})();
EOF

# node_pair NAME MODE SERVER CLIENT ARGS...: the node SERVER in the
# background, the node CLIENT PORT ARGS... against it (under the shim in
# MODE shim, each with its log: $TMP/NAME-MODE.log and
# $TMP/NAME-client-MODE.log). Under the shim the client stays 1.5 s after
# its last connection, and the server is held 2 s from the moment the
# client reported its last connection closed (past the 1 s threshold and
# ~10 scans), then ss's CLOSE-WAIT count for its port goes into N_CW;
# SIGTERM. Appends "MODE:SERVER-STATUS,CLIENT-STATUS" to N_RC.
node_pair() {
    _n=$1 _m=$2 _srv=$3 _cli=$4
    shift 4
    (launch "$_m" "$TMP/$_n-$_m.log" "$NODE" "$_srv") \
        >"$TMP/$_n-$_m.out" 2>"$TMP/$_n-$_m.err" &
    _spid=$!
    PIDS="$PIDS $_spid"
    poll 30 file_has "$TMP/$_n-$_m.out" '^listening on 127\.0\.0\.1:[0-9]+$'
    _p=$(listen_port "$TMP/$_n-$_m.out")
    _hold=0
    [ "$_m" = plain ] || _hold=1500
    (launch "$_m" "$TMP/$_n-client-$_m.log" "$NODE" "$_cli" "${_p:-1}" \
        "$@" $_hold) >"$TMP/$_n-client-$_m.out" 2>&1 &
    _cpid=$!
    PIDS="$PIDS $_cpid"
    poll 60 file_has "$TMP/$_n-client-$_m.out" '^(echoed|ok=)'
    _last=$(now_ms)
    wait "$_cpid"
    _crc=$?
    if [ "$_m" = shim ]; then
        hold_until $((_last + 2000))
        N_CW=$(close_wait_on "${_p:-1}")
    fi
    kill -TERM "$_spid" 2>/dev/null
    wait "$_spid"
    N_RC="$N_RC $_m:$?,$_crc"
}

# node_checks NAME WHAT EXPECTED-CLIENT-LINE MIN-SOCKETS: the 7 checks of a
# correct node server and its client, from node_pair's runs (N_RC, N_CW).
node_checks() {
    _n=$1 _w=$2
    is "$3
$3" "$(head -n 1 "$TMP/$_n-client-plain.out")
$(head -n 1 "$TMP/$_n-client-shim.out")" \
        "$_w: the client's result, without and with the shim"
    if [ "$(same_out "$TMP/$_n-plain.out")" = "$(same_out "$TMP/$_n-shim.out")" ] &&
        [ "$N_RC" = " plain:0,0 shim:0,0" ]; then
        ok 0 "$_w: server and client exit 0, the server's stdout (port aside) the same, without and with the shim"
    else
        ok 1 "$_w: server and client exit 0, the server's stdout (port aside) the same, without and with the shim"
        diag "exit status (server, client):$N_RC" \
            "without:" "$(cat "$TMP/$_n-plain.out")" "with:" "$(cat "$TMP/$_n-shim.out")"
    fi
    is 0 "$N_CW" "$_w: ss shows no server socket in CLOSE-WAIT after the hold (the silence below is true)"
    _log=$(log_events "$TMP/$_n-shim.log")
    no_warnings "$_log" \
        "$_w server: no warn or error event (no close_wait, no leak_at_exit: libuv's syscall(SYS_close) closes are closes)"
    at_least "$4" "$(summary_sockets "$_log")" \
        "$_w server: its summary at exit counts every connection and the listener (>= $4)"
    _log=$(log_events "$TMP/$_n-client-shim.log")
    no_warnings "$_log" "$_w client: no warn or error event"
    like "$_log" '^sockshim\[[0-9]+\]: info: summary sockets=[1-9]' \
        "$_w client: its summary at exit (the library was active there)"
}

if [ -n "$NODE" ]; then
    # 200 connections, 4 at a time.
    N_RC='' N_CW=''
    for mode in plain shim; do
        node_pair echo "$mode" "$TMP/echo-server.js" "$TMP/echo-client.js" 200 4
    done
    node_checks echo "node net" "echoed 200 of 200" 201
    # 200 short requests, then 100 over 4 keep-alive connections.
    N_RC='' N_CW=''
    for mode in plain shim; do
        node_pair http "$mode" "$TMP/http-server.js" "$TMP/http-client.js" 200 100
    done
    node_checks http "node http" "ok=300 fail=0 keepalive_connections=4" 205
else
    skip_checks 14 "node not installed (tools/setup-debian.sh installs nodejs)" \
        "node net and http servers"
fi

# ------------------------------- 2. Node.js: positive control, half-open kept

# keep-server.js: allowHalfOpen, and never end()s or destroy()s: every
# connection the client ends stays in CLOSE_WAIT. SIGTERM: exit 0 at once.
cat >"$TMP/keep-server.js" <<'EOF'
const net = require('net');
let ended = 0;
const server = net.createServer({ allowHalfOpen: true }, (s) => {
  s.on('data', () => {});
  s.on('end', () => { ended++; console.log('end ' + ended + ', kept open'); });
});
server.listen(0, '127.0.0.1', () => {
  console.log('listening on 127.0.0.1:' + server.address().port);
});
process.on('SIGTERM', () => {
  console.log('exiting with ' + ended + ' kept');
  process.exit(0);
});
EOF
# conns.py PORT N: N connections that send a line and close.
cat >"$TMP/conns.py" <<'EOF'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"hello %d\n" % i)
    s.close()
print("connected %d" % n)
EOF

if [ -n "$NODE" ]; then
    K_RC='' K_CW='' K_POLL=''
    for mode in plain shim; do
        (launch "$mode" "$TMP/keep-$mode.log" "$NODE" "$TMP/keep-server.js") \
            >"$TMP/keep-$mode.out" 2>"$TMP/keep-$mode.err" &
        K_PID=$!
        PIDS="$PIDS $K_PID"
        poll 30 file_has "$TMP/keep-$mode.out" '^listening on 127\.0\.0\.1:[0-9]+$'
        P=$(listen_port "$TMP/keep-$mode.out")
        (launch plain - "$PY" "$TMP/conns.py" "${P:-1}" 2) >"$TMP/keep-conns.out" 2>&1
        poll 30 file_has "$TMP/keep-$mode.out" '^end 2, kept open$'
        if [ "$mode" = shim ]; then
            # Until the event is in (past the threshold). The second
            # socket's, from the same stacks, is folded as a repeat and
            # only counted (the summary's close_wait=); its peer closed in
            # the same few milliseconds, so 1 s more (5 scans) lets it
            # and any wrong second report of either socket be counted.
            poll 30 file_has "$TMP/keep-shim.log" ': error: close_wait '
            K_POLL=$?
            sleep 1
        fi
        K_CW="$K_CW $(close_wait_on "${P:-1}")"
        kill -TERM "$K_PID" 2>/dev/null
        wait "$K_PID"
        K_RC="$K_RC $?"
    done
    if [ "$(same_out "$TMP/keep-plain.out")" = "$(same_out "$TMP/keep-shim.out")" ] &&
        [ "$K_RC" = " 0 0" ] && [ "$K_CW" = " 2 2" ]; then
        ok 0 "node half-open: exit 0, the same stdout, 2 connections kept in CLOSE-WAIT (ss), without and with the shim"
    else
        ok 1 "node half-open: exit 0, the same stdout, 2 connections kept in CLOSE-WAIT (ss), without and with the shim"
        diag "exit:$K_RC, CLOSE-WAIT:$K_CW" \
            "without:" "$(cat "$TMP/keep-plain.out")" "with:" "$(cat "$TMP/keep-shim.out")"
    fi
    klog=$(log_events "$TMP/keep-shim.log")
    is 0 "$K_POLL" "node half-open: close_wait reported while the server runs"
    like "$klog" ': error: close_wait fd=[0-9]+ tcp 127\.0\.0\.1:[0-9]+ <- 127\.0\.0\.1:[0-9]+ role=accept open [0-9.]+s after peer FIN eof=read ' \
        "node half-open: the close_wait event, on an accepted socket, eof=read"
    like "$klog" '^sockshim\[[0-9]+\]: info: summary sockets=3 (.* )?close_wait=2 ' \
        "node half-open: close_wait exactly once per connection kept (summary: 3 sockets, close_wait=2)"
    like "$klog" ': warn: leak_at_exit count=2 close_wait=2 role=accept ' \
        "node half-open: at exit, the 2 kept sockets are a warn leak_at_exit, both in CLOSE_WAIT"
else
    skip_checks 5 "node not installed (tools/setup-debian.sh installs nodejs)" \
        "node half-open control"
fi

# ------------------------------------ 3. JDK: ServerSocket closed under accept()

cat >"$TMP/AcceptClose.java" <<'EOF'
import java.net.*;
import java.nio.file.*;

/* A thread named "acceptor" blocks in accept(); once GO-FILE exists the
 * main thread closes the ServerSocket under it, which must end that
 * accept() with a SocketException; then a normal exit. */
public class AcceptClose {
    public static void main(String[] args) throws Exception {
        Path go = Paths.get(args[0]);
        ServerSocket ss = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread t = new Thread(() -> {
            try {
                Socket s = ss.accept();
                System.out.println("acceptor: accepted " + s);
            } catch (SocketException e) {
                System.out.println("acceptor: accept ended: SocketException");
            } catch (Exception e) {
                System.out.println("acceptor: " + e);
            }
        }, "acceptor");
        t.start();
        System.out.println("pid " + ProcessHandle.current().pid() + " port " + ss.getLocalPort());
        long end = System.nanoTime() + 50_000_000_000L;
        while (!Files.exists(go) && System.nanoTime() < end)
            Thread.sleep(10);
        ss.close();
        t.join(30_000);
        System.out.println("main: closed, acceptor " + (t.isAlive() ? "still blocked" : "ended"));
    }
}
EOF

# in_accept PID: a thread of PID named acceptor is in accept() or
# accept4() (syscalls 43 and 288 on x86_64), or, where the syscall file
# cannot be read, waits in a kernel function named for accept.
in_accept() {
    for _t in /proc/"$1"/task/*; do
        [ "$(cat "$_t/comm" 2>/dev/null)" = acceptor ] || continue
        case $(cut -d ' ' -f 1 "$_t/syscall" 2>/dev/null) in
        43 | 288) return 0 ;;
        esac
        case $(cat "$_t/wchan" 2>/dev/null) in
        *accept*) return 0 ;;
        esac
    done
    return 1
}

if command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
    (cd "$TMP" && bounded javac -d "$TMP" AcceptClose.java) >"$TMP/javac.out" 2>&1
    JAVAC_RC=$?
    is 0 "$JAVAC_RC" "javac compiles the JDK program"
    [ "$JAVAC_RC" -eq 0 ] || diag "$(cat "$TMP/javac.out")"
    J_SEEN='' J_RC=''
    for mode in plain shim; do
        rm -f "$TMP/go"
        # A JVM starts slowly under load: a generous deadline, and the
        # options that start it fastest.
        (launch "$mode" "$TMP/java-$mode.log" java -Xshare:auto \
            -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$TMP" \
            AcceptClose "$TMP/go") >"$TMP/java-$mode.out" 2>"$TMP/java-$mode.err" &
        J_PID=$!
        PIDS="$PIDS $J_PID"
        poll 60 file_has "$TMP/java-$mode.out" '^pid [0-9]+ port [0-9]+$'
        JPID=$(sed -n 's/^pid \([0-9][0-9]*\) .*/\1/p' "$TMP/java-$mode.out")
        if [ -n "$JPID" ] && poll 30 in_accept "$JPID"; then
            J_SEEN="$J_SEEN yes"
        else
            J_SEEN="$J_SEEN no"
        fi
        : >"$TMP/go"
        wait "$J_PID"
        J_RC="$J_RC $?"
    done
    is " yes yes" "$J_SEEN" \
        "java: the acceptor thread seen blocked in accept() before the close, without and with the shim"
    if [ "$J_RC" = " 0 0" ] &&
        grep -q '^main: closed, acceptor ended$' "$TMP/java-shim.out" &&
        [ "$(same_out "$TMP/java-plain.out")" = "$(same_out "$TMP/java-shim.out")" ]; then
        ok 0 "java: accept() ended by the close, exit 0, the same stdout, without and with the shim"
    else
        ok 1 "java: accept() ended by the close, exit 0, the same stdout, without and with the shim"
        diag "exit:$J_RC" "without:" "$(cat "$TMP/java-plain.out")" \
            "with:" "$(cat "$TMP/java-shim.out" "$TMP/java-shim.err")"
    fi
    jlog=$(log_events "$TMP/java-shim.log")
    no_warnings "$jlog" \
        "java: no warn or error event (no shutdown_misuse for the JDK's close of a listener under accept, no leak_at_exit)"
    like "$jlog" '^sockshim\[[0-9]+\]: info: summary sockets=[1-9]' \
        "java: its summary at exit (the library was active in the JVM)"
else
    skip_checks 5 "javac or java not installed (tools/setup-debian.sh installs default-jdk-headless)" \
        "JDK accept/close"
fi

# -------------------------------------------- 4. haproxy in front of a backend

# The load: N GET requests, one after another, each on a new connection
# (Connection: close); every answer must be 200 and the file.
cat >"$TMP/hload.py" <<'EOF'
import http.client, sys
port, n, expected = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "rb").read()
good = bad = 0
errors = []
for i in range(n):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/file", headers={"Connection": "close"})
        r = c.getresponse()
        body = r.read()
        c.close()
        if r.status == 200 and body == expected:
            good += 1
        else:
            bad += 1
            errors.append("%d, %d bytes" % (r.status, len(body)))
    except Exception as e:
        bad += 1
        errors.append(repr(e))
print("ok=%d fail=%d" % (good, bad))
for e in errors[:5]:
    print("error: " + e)
EOF

if [ -x "$HAPROXY" ]; then
    mkdir "$TMP/www"
    "$PY" -c 'import sys
sys.stdout.write("".join("line %04d served through haproxy\n" % i for i in range(40)))' \
        >"$TMP/www/file"
    # The backend serves both haproxy runs, 4000 requests whose time
    # depends on the machine's load: a deadline of TEST_TIMEOUT on its
    # whole life would kill it under load while haproxy still uses it (as
    # it did the servers of t/e2e/no-false-positives.sh). Its deadline only
    # reaps it if the test dies; the test kills it at exit.
    (TEST_TIMEOUT=900 launch plain - "$PY" -u -m http.server --bind 127.0.0.1 \
        --directory "$TMP/www" 0) >"$TMP/backend.out" 2>"$TMP/backend.err" &
    B_PID=$!
    PIDS="$PIDS $B_PID"
    poll 30 file_has "$TMP/backend.out" '^Serving HTTP on .* port [0-9]+ '
    BP=$(sed -n 's/^Serving HTTP.* port \([0-9][0-9]*\).*/\1/p' "$TMP/backend.out")
    H_RC='' H_SERVED=''
    for mode in plain shim; do
        FP=$(free_port)
        cat >"$TMP/haproxy-$mode.cfg" <<EOF
global
    nbthread 2
    maxconn 512
defaults
    mode http
    timeout connect 10s
    timeout client 30s
    timeout server 30s
frontend fe
    bind 127.0.0.1:${FP:-1}
    default_backend be
backend be
    server s1 127.0.0.1:${BP:-1}
EOF
        served0=$(grep -c '"GET /file HTTP/1.1" 200 ' "$TMP/backend.err")
        (launch "$mode" "$TMP/haproxy-$mode.log" "$HAPROXY" -db \
            -f "$TMP/haproxy-$mode.cfg") >"$TMP/haproxy-$mode.out" 2>&1 &
        H_PID=$!
        PIDS="$PIDS $H_PID"
        poll 30 listening "${FP:-1}"
        # haproxy is timeout(1)'s child (env execs it): SIGUSR1, a soft
        # stop, goes to haproxy itself; timeout(1) would die of it.
        HPID=$(ps -o pid= --ppid "$H_PID" | tr -d ' ')
        (launch plain - "$PY" "$TMP/hload.py" "${FP:-1}" 2000 "$TMP/www/file") \
            >"$TMP/hload-$mode.out" 2>&1
        served=$(grep -c '"GET /file HTTP/1.1" 200 ' "$TMP/backend.err")
        H_SERVED="$H_SERVED $((served - served0))"
        [ -n "$HPID" ] && kill -USR1 "$HPID" 2>/dev/null
        wait "$H_PID"
        H_RC="$H_RC $?"
    done
    is "ok=2000 fail=0
ok=2000 fail=0" "$(cat "$TMP/hload-plain.out" "$TMP/hload-shim.out")" \
        "haproxy: 2000 requests over new connections, all 200 with the file, without and with the shim"
    is " 2000 2000" "$H_SERVED" \
        "haproxy: the backend served the 2000 requests, without and with the shim"
    if [ "$H_RC" = " 0 0" ] &&
        [ "$(same_out "$TMP/haproxy-plain.out")" = "$(same_out "$TMP/haproxy-shim.out")" ]; then
        ok 0 "haproxy: exit 0 after SIGUSR1 (soft stop), the same output (pids aside), without and with the shim"
    else
        ok 1 "haproxy: exit 0 after SIGUSR1 (soft stop), the same output (pids aside), without and with the shim"
        diag "exit:$H_RC" "without:" "$(cat "$TMP/haproxy-plain.out")" \
            "with:" "$(cat "$TMP/haproxy-shim.out")"
    fi
    hlog=$(log_events "$TMP/haproxy-shim.log")
    ab=$(count abortive_close "$hlog")
    is 0 "$ab" \
        "haproxy: no abortive_close (its SO_LINGER {1,0} close of a finished backend connection loses no data)"
    [ "$ab" -eq 0 ] || diag "$(printf '%s\n' "$hlog" | grep ': abortive_close ' |
        head -n 2 | cut -c 1-300)" "$(printf '%s\n' "$hlog" | grep ': summary ')"
    no_warnings "$(printf '%s\n' "$hlog" | grep -v ': abortive_close ')" \
        "haproxy: no other warn or error event"
    # One process, two threads: one summary, at its exit.
    is 1 "$(printf '%s\n' "$hlog" | grep -c ': info: summary sockets=')" \
        "haproxy: one summary line (one process, multi-threaded)"
    at_least 4001 "$(summary_sockets "$hlog")" \
        "haproxy: its summary counts the 2000 client and 2000 backend connections and the listener (>= 4001)"
else
    skip_checks 7 "haproxy not installed (tools/setup-debian.sh installs it)" \
        "haproxy in front of http.server"
fi

# Positive twin: a SO_LINGER {1,0} close that loses data is reported.
R_RC=
for mode in plain shim; do
    (launch "$mode" "$TMP/rst-$mode.log" "$RST" --linger0) >"$TMP/rst-$mode.out" 2>&1
    R_RC="$R_RC $?"
done
if [ "$R_RC" = " 0 0" ] &&
    [ "$(same_out "$TMP/rst-plain.out")" = "$(same_out "$TMP/rst-shim.out")" ]; then
    ok 0 "rst-peer --linger0: exit 0 (the client got its reset), the same stdout, without and with the shim"
else
    ok 1 "rst-peer --linger0: exit 0 (the client got its reset), the same stdout, without and with the shim"
    diag "exit:$R_RC" "without:" "$(cat "$TMP/rst-plain.out")" \
        "with:" "$(cat "$TMP/rst-shim.out")"
fi
rlog=$(log_events "$TMP/rst-shim.log")
like "$rlog" ': warn: abortive_close fd=' \
    "rst-peer --linger0: abortive_close"
# A library that says what was lost must say something was: unread= or
# unacked= non-zero when it prints them (older ones print neither).
rab=$(printf '%s\n' "$rlog" | grep ': warn: abortive_close fd=' | head -n 1)
if printf '%s\n' "$rab" | grep -Eq ' (unread|unacked)='; then
    printf '%s\n' "$rab" | grep -Eq ' (unread|unacked)=[1-9]'
    ok $? "rst-peer --linger0: abortive_close says data was lost (unread= or unacked= non-zero)"
    diag "$(printf '%s\n' "$rab" | cut -c 1-300)"
else
    ok 0 "rst-peer --linger0: abortive_close says data was lost (unread= or unacked= non-zero, when printed: not by this library)"
fi

# --------------------------------- 5. CLI clients that exit with a connection open

# keeper.py MODE PORT-FILE STOP-FILE: greets each connection ("hello", or
# "+PONG" in MODE pong, for redis-cli's PING) and keeps it open until
# STOP-FILE exists (MODE keep, pong), or closes it at once (MODE close).
cat >"$TMP/keeper.py" <<'EOF'
import os, socket, sys, time
mode, port_file, stop_file = sys.argv[1], sys.argv[2], sys.argv[3]
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
ls.settimeout(0.1)
kept = []
deadline = time.time() + 50
while not os.path.exists(stop_file) and time.time() < deadline:
    try:
        c, _ = ls.accept()
    except socket.timeout:
        continue
    c.sendall(b"+PONG\r\n" if mode == "pong" else b"hello\n")
    if mode == "close":
        c.close()
    else:
        kept.append(c)
for c in kept:
    c.close()
ls.close()
EOF
# pyclient.py PORT MODE: reads the greeting (MODE line) or everything up
# to the server's EOF (MODE eof), prints it, and exits without closing the
# socket (detach(): not even the interpreter's exit closes it).
cat >"$TMP/pyclient.py" <<'EOF'
import socket, sys
port, mode = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
got = b""
while mode == "eof" or not got.endswith(b"\n"):
    chunk = s.recv(4096)
    if not chunk:
        got += b"<EOF>\n"
        break
    got += chunk
sys.stdout.write(got.decode())
s.detach()
EOF

# keeper NAME MODE: a keeper.py in the background; sets KP (its port).
keeper() {
    (launch plain - "$PY" "$TMP/keeper.py" "$2" "$TMP/$1.port" "$TMP/$1.stop") \
        >"$TMP/$1.out" 2>&1 &
    PIDS="$PIDS $!"
    poll 30 test -s "$TMP/$1.port"
    KP=$(cat "$TMP/$1.port" 2>/dev/null)
}

# feed OUT: a client's stdin: a line, then, once the client has printed
# something to OUT (the greeting), EOF. socat exits 0.5 s after its
# stdin's EOF whatever the server did: the EOF must not come before the
# greeting, however slow the machine.
feed() {
    printf 'quit\n'
    poll 30 test -s "$1"
}

# cli NAME CMD...: CMD without and with the shim (log $TMP/NAME-shim.log),
# stdin from feed; sets CLI_SAME (0 when both exit 0 with the same
# stdout) and CLI_LOG (the shim run's events).
cli() {
    _n=$1
    shift
    _rcs=
    for _m in plain shim; do
        # shellcheck disable=SC2094 # feed only waits for what CMD writes
        feed "$TMP/$_n-$_m.out" | (launch "$_m" "$TMP/$_n-$_m.log" "$@") \
            >"$TMP/$_n-$_m.out" 2>"$TMP/$_n-$_m.err"
        _rcs="$_rcs $?"
    done
    if [ "$_rcs" = " 0 0" ] && [ -s "$TMP/$_n-plain.out" ] &&
        cmp -s "$TMP/$_n-plain.out" "$TMP/$_n-shim.out"; then
        CLI_SAME=0
    else
        CLI_SAME=1
        diag "$_n: exit$_rcs" "without:" "$(cat "$TMP/$_n-plain.out" "$TMP/$_n-plain.err")" \
            "with:" "$(cat "$TMP/$_n-shim.out" "$TMP/$_n-shim.err")"
    fi
    CLI_LOG=$(log_events "$TMP/$_n-shim.log")
}

keeper keep keep
# socat sends stdin's line, prints the greeting, half-closes at its
# stdin's EOF, waits 0.5 s for the server (which keeps the connection)
# and exits with it open.
cli socat socat - "TCP:127.0.0.1:${KP:-1}"
is "0 hello" "$CLI_SAME $(cat "$TMP/socat-shim.out")" \
    "socat - TCP: prints the greeting and exits 0, the same without and with the shim"
no_warnings "$CLI_LOG" "socat - TCP: no warn or error event (a connection open at exit is no leak)"
like "$CLI_LOG" ': info: leak_at_exit .*role=connect' \
    "socat - TCP: its connection open at exit is an info leak_at_exit"
like "$CLI_LOG" '^sockshim\[[0-9]+\]: info: summary sockets=[1-9]' \
    "socat - TCP: its summary at exit"

cli pyclient "$PY" "$TMP/pyclient.py" "${KP:-1}" line
is "0 hello" "$CLI_SAME $(cat "$TMP/pyclient-shim.out")" \
    "python3 client: prints the greeting and exits 0, the same without and with the shim"
no_warnings "$CLI_LOG" "python3 client: no warn or error event (a connection open at exit is no leak)"
like "$CLI_LOG" ': info: leak_at_exit count=1 close_wait=0 role=connect ' \
    "python3 client: its connection open at exit is an info leak_at_exit, not in CLOSE_WAIT"
like "$CLI_LOG" '^sockshim\[[0-9]+\]: info: summary sockets=1 ' \
    "python3 client: its summary at exit"
: >"$TMP/keep.stop"

if command -v redis-cli >/dev/null 2>&1; then
    keeper pong pong
    cli redis redis-cli -h 127.0.0.1 -p "${KP:-1}" PING
    is "0 PONG" "$CLI_SAME $(cat "$TMP/redis-shim.out")" \
        "redis-cli PING: prints PONG and exits 0, the same without and with the shim"
    no_warnings "$CLI_LOG" "redis-cli PING: no warn or error event"
    : >"$TMP/pong.stop"
else
    skip "redis-cli PING: same output without and with the shim" "redis-cli not installed"
    skip "redis-cli PING: no warn or error event" "redis-cli not installed"
fi

# Positive twin: the peer closed first, the client read its EOF and exits
# without closing: a definite leak.
keeper gone close
cli pyeof "$PY" "$TMP/pyclient.py" "${KP:-1}" eof
is "0 hello
<EOF>" "$CLI_SAME $(cat "$TMP/pyeof-shim.out")" \
    "python3 client reading to EOF: its output and exit 0, the same without and with the shim"
like "$CLI_LOG" ': warn: leak_at_exit count=1 close_wait=1 role=connect ' \
    "python3 client reading to EOF: the socket it never closed after the peer's FIN is a warn leak_at_exit, close_wait=1"
: >"$TMP/gone.stop"
