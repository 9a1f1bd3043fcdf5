#!/bin/sh
# modes.sh — enforce, force, audit and off: who wins when the program sets a
# policed option itself, and what each mode logs.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/events.sh"

PY=$(command -v python3) || skip_all "python3 not installed"
plan 21

POLICY="SOCKSHIM_KEEPALIVE=60:10:5 SOCKSHIM_NODELAY=on SOCKSHIM_LINGER=5
SOCKSHIM_USER_TIMEOUT=10s SOCKSHIM_RCVTIMEO=2s SOCKSHIM_SNDTIMEO=3s
SOCKSHIM_REUSEADDR=on SOCKSHIM_BACKLOG=77"
SHIM_ENV=$POLICY

# in_mode MODE LOGFILE ARGS...: sockopts under the policy in MODE, info
# log as JSON into LOGFILE; sets OUT, ERR and RC (see shim).
in_mode() {
    _mode=$1 _log=$2
    shift 2
    shim SOCKSHIM_MODE="$_mode" SOCKSHIM_LOG_LEVEL=info \
        SOCKSHIM_LOG_FORMAT=json SOCKSHIM_LOG="file:$_log" "$EX/sockopts" "$@"
}

# count FILE SPEC...: how many events of FILE match every SPEC (jcheck.py's).
count() { "$PY" "$JCHECK" count "$@"; }

# --- audit: nothing changes, each item is logged with its current value --
plain=$(bounded "$EX/sockopts" --set TCP_NODELAY=0)
in_mode audit "$TMP/audit.log" --set TCP_NODELAY=0
is "$plain" "$OUT" "audit: every option reads back as without sockshim"
# 3 sockets x (SO_LINGER, SO_KEEPALIVE, 3 keepalive times, TCP_USER_TIMEOUT,
# SO_RCVTIMEO, SO_SNDTIMEO, TCP_NODELAY), except SO_RCVTIMEO on the
# listener (it would time out accept()), + reuseaddr on listener and
# client + backlog on the listener
is 29 "$(count "$TMP/audit.log" kind=would_apply)" \
    "audit: one would_apply per option and socket"
is 0 "$(count "$TMP/audit.log" kind=policy)" "audit: no policy event"
is 1 "$(count "$TMP/audit.log" kind=would_apply role=accept \
    sockopt=TCP_KEEPIDLE value=60s current=7200s)" \
    "audit: would_apply shows the policy value and the current one"
is 1 "$(count "$TMP/audit.log" kind=would_apply option=backlog \
    value==77 current==16)" "audit: backlog would be 77, is 16"

# --- enforce: the program's own value stands --------------------------------
in_mode enforce "$TMP/enforce.log" --set TCP_NODELAY=0 --set SO_KEEPALIVE=0
out=$OUT
is 3 "$(printf '%s\n' "$out" | grep -c 'SO_KEEPALIVE=off.*TCP_NODELAY=off')" \
    "enforce: the program's TCP_NODELAY=0 and SO_KEEPALIVE=0 stand on all 3"
is 3 "$(printf '%s\n' "$out" | grep -c 'TCP_KEEPIDLE=60s.*SO_SNDTIMEO=3s')" \
    "enforce: options the program did not touch are the policy's"
# listener and client: 2 each; the accepted socket: 2 inherited from the
# listener (decided at accept) + 2 from the program's own calls after it.
is 8 "$(count "$TMP/enforce.log" kind=app_override action=kept)" \
    "enforce: app_override kept, per socket and option"
is 2 "$(count "$TMP/enforce.log" kind=app_override role=accept \
    sockopt=TCP_NODELAY policy=on app=off)" \
    "enforce: app_override records both values"
is 3 "$(count "$TMP/enforce.log" kind=policy applied.TCP_KEEPIDLE=60s)" \
    "enforce: one policy event per socket with what was applied"

# --- force: the policy wins over the program --------------------------------
in_mode force "$TMP/force.log" --set TCP_NODELAY=0 --set SO_KEEPALIVE=0 \
    --set SO_RCVTIMEO=100
out=$OUT
is 2 "$(printf '%s\n' "$out" | grep -c '^[ca].*SO_KEEPALIVE=on.*SO_RCVTIMEO=2s.*TCP_NODELAY=on')" \
    "force: the policy replaces the program's values on client and accepted"
like "$(printf '%s\n' "$out" | grep '^listen')" \
    'SO_KEEPALIVE=on.*SO_RCVTIMEO=100ms.*TCP_NODELAY=on' \
    "force: on the listener too, but for SO_RCVTIMEO (never set on listeners)"
# listener 2, client 3, accepted: 1 inherited (SO_RCVTIMEO, the others
# were already the policy's) + 3 from the program's own calls.
is 9 "$(count "$TMP/force.log" kind=app_override action=overridden)" \
    "force: app_override overridden, per socket and option"
# The accepted socket's setsockopt comes after the policy was applied: the
# override happens in the program's call, which still returns success
# (once at accept, the value inherited from the listener; once in the call).
is 2 "$(count "$TMP/force.log" kind=app_override role=accept \
    sockopt=SO_RCVTIMEO app=100ms policy=2s)" \
    "force: a later setsockopt is replaced in the call itself"
is "" "$ERR" \
    "force: every setsockopt of the program returned success"

# --- off: pure pass-through -----------------------------------------------
# shellcheck disable=SC2086 # POLICY is a list of settings
out=$(bounded env $POLICY SOCKSHIM_MODE=off SOCKSHIM_LOG_LEVEL=debug \
    SOCKSHIM_LOG="file:$TMP/off.log" LD_PRELOAD="$SHIM_LIB" \
    "$EX/sockopts" --set TCP_NODELAY=0 2>"$TMP/off.err")
is "$plain" "$out" "off: every option as without sockshim"
ok "$(test ! -s "$TMP/off.log" && test ! -s "$TMP/off.err"; echo $?)" \
    "off: nothing logged"
fds=$(bounded env SOCKSHIM_MODE=off LD_PRELOAD="$SHIM_LIB" \
    /bin/ls /proc/self/fd | sort -n | tr '\n' ' ')
plain_fds=$(bounded /bin/ls /proc/self/fd | sort -n | tr '\n' ' ')
is "$plain_fds" "$fds" "off: sockshim keeps no descriptor open"

# --- the mode names are validated -----------------------------------------
out=$(bounded env SOCKSHIM_MODE=Audit SOCKSHIM_NODELAY=on \
    LD_PRELOAD="$SHIM_LIB" "$EX/sockopts" 2>/dev/null)
like "$out" '^accept .*TCP_NODELAY=off' "mode names are case-insensitive (Audit)"
err=$(bounded env SOCKSHIM_MODE=dry SOCKSHIM_NODELAY=on \
    LD_PRELOAD="$SHIM_LIB" "$EX/sockopts" 2>&1 >"$TMP/out")
like "$err" 'config_error SOCKSHIM_MODE="dry".*enforce, force, audit or off' \
    "a bad mode is reported with the accepted words"
like "$(cat "$TMP/out")" '^accept .*TCP_NODELAY=on' \
    "and the default mode (enforce) applies"
