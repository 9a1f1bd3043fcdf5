#!/bin/sh
# demo.sh — the README's first command ends in make demo: tools/demo.sh
# runs examples/closewait-server without and with sockshim. Its output
# must show what the README promises: the connection in CLOSE_WAIT in the
# kernel's view without sockshim; under sockshim the policy applied to
# the listener and the accepted socket, the close_wait event with the
# stack where the EOF was read (serve_client) and where the socket was
# created (main), the open_sockets report asked of the running server,
# the leak at exit and the summary.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

for f in "$BUILD/tools/sockshim" "$EX/closewait-server"; do
    [ -x "$f" ] || skip_all "$f not built"
done
for tool in ss python3; do
    command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed"
done

plan 11

bounded sh "$SRC/tools/demo.sh" "$BUILD" >"$TMP/demo.out" 2>&1
is 0 "$?" "the demo exits 0"
# The two runs, each from its header to the next blank line.
sed -n '/^== without sockshim/,/^$/p' "$TMP/demo.out" >"$TMP/plain"
sed -n '/^== with sockshim/,/^$/p' "$TMP/demo.out" >"$TMP/shim"
PLAIN=$(cat "$TMP/plain")
SHIM=$(cat "$TMP/shim")
ADDR='127\.0\.0\.1:[0-9]+'

like "$PLAIN" "^ +0 +0 +$ADDR +$ADDR" \
    "without sockshim: ss shows the connection in CLOSE_WAIT"
unlike "$PLAIN" 'sockshim\[' "without sockshim: no line of sockshim's"
like "$SHIM" "info: policy fd=[0-9]+ tcp $ADDR role=listen SO_KEEPALIVE=on TCP_KEEPIDLE=60s TCP_KEEPINTVL=10s TCP_KEEPCNT=5 TCP_NODELAY=on" \
    "with sockshim: the policy applied to the listener"
like "$SHIM" "info: policy fd=[0-9]+ tcp $ADDR <- $ADDR role=accept SO_KEEPALIVE=on .*TCP_NODELAY=on" \
    "and to the accepted socket"
# The close_wait event, its EOF stack, then its creation stack.
sed -n '/error: close_wait /,/sockshim\[/p' "$TMP/shim" >"$TMP/cw"
like "$(cat "$TMP/cw")" "error: close_wait fd=[0-9]+ tcp $ADDR <- $ADDR role=accept open [0-9.]+s after peer FIN eof=read" \
    "the close_wait event, the EOF read by the server"
like "$(sed -n '/peer.s EOF read at:/,/socket created at:/p' "$TMP/cw")" \
    '#[0-9]+ 0x[0-9a-f]+ serve_client\+0x[0-9a-f]+ \(closewait-server\)' \
    "its EOF stack names serve_client, where the server read the EOF"
like "$(sed -n '/socket created at:/,$p' "$TMP/cw")" \
    '#0 0x[0-9a-f]+ main\+0x[0-9a-f]+ \(closewait-server\)' \
    "its creation stack starts in main, at the accept"
like "$SHIM" 'report: sockshim: process [0-9]+ wrote an open_sockets report' \
    "sockshim report PID: the running server wrote its report"
like "$SHIM" 'warn: open_sockets sockets=2 close_wait=1 ' \
    "... with the socket in CLOSE_WAIT"
like "$SHIM" 'warn: leak_at_exit count=1 close_wait=1 role=accept' \
    "at exit: the leaked socket, reported with its stack"
