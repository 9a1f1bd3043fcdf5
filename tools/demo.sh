#!/bin/sh
# demo.sh — sockshim over an unmodified example server (make demo).
#
# Runs examples/closewait-server twice, without and with sockshim and a
# keepalive + nodelay policy, with a client that connects, sends a line and
# closes; shows the accepted socket's options as getsockopt() sees them
# and, from outside, the kernel's view (ss): the keepalive timer, and the
# connection the server leaves in CLOSE_WAIT.
set -eu
BUILD=${1:-$(cd "$(dirname "$0")/.." && pwd)}
SHIM="$BUILD/tools/sockshim"
SERVER="$BUILD/examples/closewait-server"
OUT=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$OUT"' EXIT

client() { # client PORT: connect, send a line, close
    python3 -c 'import socket,sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"hello\n"); s.recv(64); s.close()' "$1"
}

run() { # run LABEL COMMAND...: start the server, drive one client, report
    label=$1; shift
    "$@" "$SERVER" --show-options --hold 3 >"$OUT/server" 2>"$OUT/log" &
    pid=$!
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        grep -q listening "$OUT/server" 2>/dev/null && break; sleep 0.2
    done
    port=$(sed -n 's/^listening on 127.0.0.1://p' "$OUT/server")
    client "$port"
    sleep 0.5
    echo "== $label"
    sed 's/^/   server: /' "$OUT/server"
    sed 's/^/   /' "$OUT/log"
    echo "   kernel (ss -tnoe state close-wait sport = :$port):"
    ss -tnoe state close-wait "sport = :$port" | sed 's/^/     /'
    wait "$pid" || true
    echo
}

run "without sockshim" env
run "with sockshim --keepalive 60:10:5 --nodelay on --log-level info" \
    "$SHIM" --keepalive 60:10:5 --nodelay on --log-level info --
echo "The second run's accepted socket has keepalive (idle 60s) and nodelay"
echo "without any change to the server; the 'policy' lines are sockshim's log."
echo "Both runs leave the connection in CLOSE_WAIT: the server never closes"
echo "after recv() == 0 (leak reports with stacks come with the diagnostics)."
