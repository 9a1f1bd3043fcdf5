#!/bin/sh
# demo.sh — sockshim over an example server with a CLOSE_WAIT bug (make demo).
#
# examples/closewait-server never closes a connection after recv() == 0:
# every client that hangs up leaves a socket in CLOSE_WAIT, and a busy
# server runs out of descriptors ("too many open files"). The demo runs
# it twice with a client that connects, sends a line and closes: first
# plainly (the kernel's view, from ss, is all there is), then under
# sockshim with a keepalive + nodelay policy, which shows the options
# applied to the unmodified server, the close_wait report with the stack
# where the socket was created and the stack where its EOF was read, the
# report of its open sockets asked of it while it runs (sockshim report
# PID), and the leak report at exit.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
set -eu
BUILD=${1:-$(cd "$(dirname "$0")/.." && pwd)}
SHIM="$BUILD/tools/sockshim"
SERVER="$BUILD/examples/closewait-server"
OUT=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$OUT"' EXIT

client() { # client PORT: connect, send a line, read the echo, close
    python3 -c 'import socket,sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"hello\n"); s.recv(64); s.close()' "$1"
}

# wait_for SECONDS CMD...: until CMD succeeds, SECONDS at most (a loaded
# machine is slow, an idle one need not wait a fixed time).
wait_for() {
    tries=$(($1 * 20))
    shift
    while [ "$tries" -gt 0 ] && ! "$@" 2>/dev/null; do
        sleep 0.05
        tries=$((tries - 1))
    done
}

run() { # run LABEL COMMAND...: start the server, drive one client, report
    label=$1; shift
    echo "== $label"
    : >"$OUT/server"
    : >"$OUT/log"
    "$@" "$SERVER" --show-options --hold 4 >"$OUT/server" 2>"$OUT/log" &
    pid=$!
    wait_for 10 grep -q listening "$OUT/server"
    port=$(sed -n 's/^listening on 127.0.0.1://p' "$OUT/server")
    client "$port"
    wait_for 10 grep -q 'peer closed' "$OUT/server"
    if [ "$1" != env ]; then
        # Past the 1s threshold (the close_wait event is out): ask the
        # running server for its report.
        wait_for 10 grep -q ' close_wait ' "$OUT/log"
        "$SHIM" report "$pid" | sed 's/^/   report: /'
    fi
    echo "   kernel (ss -tn state close-wait sport = :$port):"
    ss -tn state close-wait "sport = :$port" | sed 's/^/     /'
    wait "$pid" || true
    sed 's/^/   server: /' "$OUT/server"
    sed 's/^/   /' "$OUT/log"
    echo
}

run "without sockshim" env
run "with sockshim --keepalive 60:10:5 --nodelay on --close-wait 1s --scan 250ms --log-level info" \
    "$SHIM" --keepalive 60:10:5 --nodelay on --close-wait 1s --scan 250ms \
    --log-level info --
cat <<'TEXT'
Without sockshim, the kernel's view shows a connection stuck in CLOSE_WAIT,
and nothing says why. Under sockshim, with no change to the server:
  - 'policy' lines: keepalive (idle 60s) and nodelay were applied to the
    listener and the accepted socket (the server prints them too);
  - 'close_wait': the peer closed 1s ago and the server still holds the
    socket, with the stack where it read the EOF (serve_client) and the
    stack where the socket was created (accept in main);
  - 'open_sockets': asked of the running server with 'sockshim report PID'
    (a service stopped by SIGTERM writes no exit report; this one it has
    written while running, and by itself every minute when its sockets
    change): its sockets grouped by creation stack, how many sit in
    CLOSE_WAIT, how many descriptors are open against the limit;
  - 'leak_at_exit': what was still open when the server exited, grouped by
    the stack that created it; then the summary.
The fix is in examples/closewait-server --fixed: close() after recv() == 0.
TEXT
