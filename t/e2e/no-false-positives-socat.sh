#!/bin/sh
# no-false-positives-socat.sh — correct programs under load stay silent
# (t/tap/quiet.sh): a forking socat echo server, 300 connections: nothing
# but policy events and summaries in the parent and its 300 children.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/logfiles.sh"
. "$SRC/t/tap/quiet.sh"

plan 8

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
# The two runs side by side, their servers started from this shell.
# -t 10: once the client half-closes, socat gives cat that long to answer
# before it ends the connection (0.5 s by default, which a loaded machine
# can miss: an echo lost, with or without the shim).
for mode in plain shim; do
    (serve "$mode" "$TMP/socat/socat-%p.log" socat -d -d -t 10 \
        TCP4-LISTEN:0,bind=127.0.0.1,fork,reuseaddr EXEC:cat) \
        >"$TMP/s-$mode.out" 2>"$TMP/s-$mode.err" &
    eval "S_PID_$mode=\$!"
    PIDS="$PIDS $!"
done
for mode in plain shim; do
    poll 20 file_has "$TMP/s-$mode.err" 'listening on .*:[0-9]+$'
    P=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$TMP/s-$mode.err" |
        head -n 1)
    # 300 connections, a fork and an exec of cat each: on a loaded machine
    # more than a minute; the deadline only guards against a hang.
    (LAUNCH_DEADLINE=300 launch plain - "$PY" "$TMP/echo.py" "${P:-1}" 300) \
        >"$TMP/s-echo-$mode.out" 2>&1 &
    eval "E_PID_$mode=\$!"
done
# shellcheck disable=SC2154 # set by eval above
wait "$E_PID_plain"
# shellcheck disable=SC2154 # set by eval above
wait "$E_PID_shim"
# Past the threshold, for the scans to find any socket left open.
sleep "$PAST_THRESHOLD"
# shellcheck disable=SC2154 # set by eval above
stop "$S_PID_plain" TERM
S_RC_plain=$?
# shellcheck disable=SC2154 # set by eval above
stop "$S_PID_shim" TERM
S_RC_shim=$?
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
