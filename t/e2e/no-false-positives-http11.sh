#!/bin/sh
# no-false-positives-http11.sh — correct programs under load stay silent
# (t/tap/quiet.sh): a python3 HTTP/1.1 keep-alive server built on
# http.server, 3000 keep-alive requests and 1000 Connection: close ones at
# once, then 30 connections held idle past the threshold: no close_wait,
# no late_close, no other diagnostic event, in the server and its clients.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/logfiles.sh"
. "$SRC/t/tap/quiet.sh"

plan 17

http_fixtures
# ------------------------------------------- 1, 2. the HTTP/1.1 server

# Without and with the shim: 3000 keep-alive requests over 30 persistent
# connections and, at the same time, 1000 Connection: close requests from 4
# threads; then 30 connections that make a request and stay idle, the
# server waiting for the next one, past the threshold and many scans
# (kernel: ESTABLISHED, not CLOSE_WAIT), then make a second request on the
# same connection and close; a pause; SIGINT.
# The two runs side by side: the servers from this shell (killed at exit
# if the test is interrupted), each one's clients in a subshell of their
# own; the results in files.
# b_clients MODE: the clients of MODE's server; ss's view of the idle
# connections in $TMP/idle-MODE.ss.
b_clients() {
    P=$(http_port "$TMP/b-$1.out")
    (launch "$1" "$TMP/b-keep-$1.log" "$PY" "$TMP/load.py" 127.0.0.1 \
        "${P:-1}" /file keepalive 3000 30 "$TMP/www/file") \
        >"$TMP/b-keep-$1.out" 2>&1 &
    K_PID=$!
    (launch "$1" "$TMP/b-close-$1.log" "$PY" "$TMP/load.py" 127.0.0.1 \
        "${P:-1}" /file close 1000 4 "$TMP/www/file") \
        >"$TMP/b-close-$1.out" 2>&1
    wait "$K_PID"
    (launch "$1" "$TMP/b-idle-$1.log" "$PY" "$TMP/load.py" 127.0.0.1 \
        "${P:-1}" /file idle 0 30 "$TMP/www/file" "$TMP/idle-$1.mark" \
        "$TMP/idle-$1.stop") >"$TMP/b-idle-$1.out" 2>&1 &
    I_PID=$!
    poll 30 test -e "$TMP/idle-$1.mark"
    # Idle past the threshold and many scans (without the shim there is
    # nothing to wait for).
    [ "$1" = plain ] || sleep "$PAST_THRESHOLD"
    ss_states "${P:-1}" >"$TMP/idle-$1.ss"
    : >"$TMP/idle-$1.stop"
    wait "$I_PID"
}
for mode in plain shim; do
    (serve "$mode" "$TMP/b-$mode.log" "$PY" -u "$TMP/server11.py" "$TMP/www") \
        >"$TMP/b-$mode.out" 2>"$TMP/b-$mode.err" &
    eval "B_PID_$mode=\$!"
    PIDS="$PIDS $!"
done
for mode in plain shim; do
    poll 20 file_has "$TMP/b-$mode.out" '^Serving HTTP/1.1 on .* port [0-9]+'
    b_clients "$mode" &
    eval "C_PID_$mode=\$!"
done
# shellcheck disable=SC2154 # set by eval above
wait "$C_PID_plain"
# shellcheck disable=SC2154 # set by eval above
wait "$C_PID_shim"
IDLE_SS_shim=$(cat "$TMP/idle-shim.ss")
# Past the threshold, for the scans to find any socket left open.
sleep "$PAST_THRESHOLD"
# shellcheck disable=SC2154 # set by eval above
stop "$B_PID_plain" INT
B_RC_plain=$?
# shellcheck disable=SC2154 # set by eval above
stop "$B_PID_shim" INT
B_RC_shim=$?
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
    "HTTP/1.1 server: ss shows the 30 idle connections ESTABLISHED, none in CLOSE_WAIT, ${PAST_THRESHOLD}s into the idle time"
is "0 0" "$B_RC_plain $B_RC_shim" \
    "HTTP/1.1 server: exit status 0 after SIGINT, with and without the shim"
}
if [ -s "$TMP/b-plain.out" ] &&
    [ "$(ports_masked "$TMP/b-plain.out")" = "$(ports_masked "$TMP/b-shim.out")" ]; then
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
