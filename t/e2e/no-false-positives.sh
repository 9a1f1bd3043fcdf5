#!/bin/sh
# no-false-positives.sh — correct programs under load stay silent (the
# settings and the verdict: t/tap/quiet.sh): unmodified python3 http.server
# (HTTP/1.0, Connection: close) serves 3000 connections from a python3
# load client and 200 curl runs, and neither they nor the server report
# anything but policy events and their summaries; outputs and exit
# statuses are those of a run without the shim. The HTTP/1.1 server, socat
# and the negative controls: t/e2e/no-false-positives-*.sh.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/logfiles.sh"
. "$SRC/t/tap/quiet.sh"

plan 16

http_fixtures
mkdir "$TMP/curl"
# ------------------------------------ 1, 3. http.server (HTTP/1.0) and curl

# Without and with the shim, the same load: 3000 Connection: close requests
# from 8 threads (the client under the shim too), then 200 sequential
# curl runs (each under the shim, one log per process), a pause past the
# threshold and several scans with every connection closed, and SIGINT.
# (SOCKSHIM_BACKLOG=128: python's backlog of 5 really overflows under 8
# concurrent clients, and accept_overflow would rightly say so.)
# The two runs side by side: the servers from this shell (killed at exit
# if the test is interrupted), each one's clients in a subshell of their
# own; the results in files.
# a_clients MODE: the load and the curl runs against MODE's server.
a_clients() {
    P=$(http_port "$TMP/a-$1.out")
    (launch "$1" "$TMP/a-client-$1.log" "$PY" "$TMP/load.py" \
        127.0.0.1 "${P:-1}" /file close 3000 8 "$TMP/www/file") \
        >"$TMP/a-load-$1.out" 2>&1
    i=0 bad=0
    while [ $i -lt 200 ]; do
        i=$((i + 1))
        (launch "$1" "$TMP/curl/$1-%p.log" curl -sS \
            "http://127.0.0.1:${P:-1}/file") >"$TMP/curl-$1.out" 2>"$TMP/curl-$1.err"
        rc=$?
        if [ $rc -ne 0 ] || [ -s "$TMP/curl-$1.err" ] ||
            ! cmp -s "$TMP/curl-$1.out" "$TMP/www/file"; then
            bad=$((bad + 1))
            [ $bad -gt 1 ] || diag "curl ($1) run $i: exit $rc," \
                "$(cat "$TMP/curl-$1.err")" >"$TMP/a-diag-$1"
        fi
    done
    echo "$bad" >"$TMP/a-curl-bad-$1"
}
for mode in plain shim; do
    (serve "$mode" "$TMP/a-$mode.log" "$PY" -u -m http.server \
        --bind 127.0.0.1 --directory "$TMP/www" 0) \
        >"$TMP/a-$mode.out" 2>"$TMP/a-$mode.err" &
    eval "A_PID_$mode=\$!"
    PIDS="$PIDS $!"
done
for mode in plain shim; do
    poll 20 file_has "$TMP/a-$mode.out" '^Serving HTTP on .* port [0-9]+ '
    a_clients "$mode" &
    eval "C_PID_$mode=\$!"
done
# shellcheck disable=SC2154 # set by eval above
wait "$C_PID_plain"
# shellcheck disable=SC2154 # set by eval above
wait "$C_PID_shim"
cat "$TMP"/a-diag-* 2>/dev/null
CURL_BAD_plain=$(cat "$TMP/a-curl-bad-plain") CURL_BAD_shim=$(cat "$TMP/a-curl-bad-shim")
# Past the threshold, for the scans to find any socket left open.
sleep "$PAST_THRESHOLD"
# shellcheck disable=SC2154 # set by eval above
stop "$A_PID_plain" INT
A_RC_plain=$?
# shellcheck disable=SC2154 # set by eval above
stop "$A_PID_shim" INT
A_RC_shim=$?
# shellcheck disable=SC2154 # set by eval above
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
if [ -s "$TMP/a-plain.out" ] &&
    [ "$(ports_masked "$TMP/a-plain.out")" = "$(ports_masked "$TMP/a-shim.out")" ]; then
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
