#!/bin/sh
# timewait.sh — a client that binds a fixed local port cannot reconnect
# while its last connection is in TIME_WAIT; SO_REUSEADDR, set by sockshim
# before bind(), lets it.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

plan 5

out=$(bounded "$EX/timewait-client" --rounds 2)
status=$?
TW_FULL=$(tw_table_full)
if [ "$status" = 0 ] && [ -n "$TW_FULL" ]; then
    skip "without sockshim the second round fails" "$TW_FULL"
    skip "with EADDRINUSE from bind()" "$TW_FULL"
else
    is 1 "$status" "without sockshim the second round fails"
    like "$out" '^round 2: bind 127\.0\.0\.1:[0-9]+: .*\(EADDRINUSE\)$' \
        "with EADDRINUSE from bind()"
fi

out=$(SOCKSHIM_REUSEADDR=on SOCKSHIM_LOG_LEVEL=info \
    SOCKSHIM_LOG="file:$TMP/tw.log" LD_PRELOAD="$SHIM_LIB" \
    bounded "$EX/timewait-client" --rounds 3)
status=$?
is 0 "$status" "with SOCKSHIM_REUSEADDR=on every round connects"
is 3 "$(printf '%s\n' "$out" | grep -c 'connected and closed first')" \
    "three rounds from the same local port"
like "$(cat "$TMP/tw.log")" 'policy fd=[0-9]+ tcp .* role=none SO_REUSEADDR=on' \
    "the policy event shows SO_REUSEADDR set before bind()"
