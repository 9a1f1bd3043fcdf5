#!/bin/sh
# malformed-env.sh — bad configuration in a real process: a bad value of a
# SOCKSHIM_* variable or config-file line gives one warning line (naming
# the variable or FILE:LINE, the value and what is accepted) on stderr or
# in the log, in text or JSON, and sockopts' stdout and exit status stay
# byte-identical to a run without sockshim.
#
# Which values are bad, and what each variable then holds, is
# t/unit/configuration-t's part (table-driven through config_load(), one
# process for all of them); here are only the cases that need a process:
# the warning's form and bounds as written, its destination, good
# settings applied to real sockets next to bad ones, misspelt variables
# (read from the process's environment) and mode off.
# shellcheck disable=SC1091
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
# shellcheck disable=SC1091
. "$SRC/t/tap/runs.sh"

# A hang is a failure, not a stalled test run (a run takes milliseconds).
TEST_TIMEOUT=${TEST_TIMEOUT:-20}

nl='
'
plan 30

go base plain "$EX/sockopts"
base_rc=$rc
if [ "$base_rc" != 0 ] || [ "$(grep -c TCP_NODELAY=off "$TMP/base.out")" != 3 ]
then
    bail "sockopts without sockshim: exit $base_rc, unexpected output"
fi
is "" "$(cat "$TMP/base.err")" "sockopts without sockshim writes no stderr"

# The largest value a process can be given: Linux limits one environment
# string, NAME=VALUE with its NUL, to 32 pages (131072 bytes).
huge_for() { # huge_for VAR: '1's up to the limit
    head -c $((131072 - ${#1} - 2)) /dev/zero | tr '\0' 1
}

unchanged() { # unchanged TAG DESC: stdout and status as without sockshim
    if [ "$rc" = "$base_rc" ] && cmp -s "$TMP/base.out" "$TMP/$1.out"; then
        ok 0 "$2"
    else
        ok 1 "$2"
        diag "exit status $rc (without sockshim: $base_rc); stdout:"
        show_file "$TMP/$1.out"
    fi
}

# applied TAG SED DESC: stdout is the plain one edited by SED (the policy
# took effect on all three sockets), exit status unchanged.
applied() {
    sed "$2" "$TMP/base.out" >"$TMP/$1.want"
    if [ "$rc" = "$base_rc" ] && cmp -s "$TMP/$1.want" "$TMP/$1.out"; then
        ok 0 "$3"
    else
        ok 1 "$3"
        diag "exit status $rc; stdout:"
        show_file "$TMP/$1.out"
    fi
}

# one_warning TAG ERE DESC: stderr is exactly one line, matching ERE.
one_warning() {
    if [ "$(grep -c '' "$TMP/$1.err")" = 1 ] &&
        grep -Eq -- "$2" "$TMP/$1.err"; then
        ok 0 "$3"
    else
        ok 1 "$3"
        diag "want one line matching /$2/; stderr:"
        show_file "$TMP/$1.err"
    fi
}

W='^sockshim\[[0-9]+\]: warn: config_error'

# --- the text warning --------------------------------------------------------
go bad shim SOCKSHIM_KEEPALIVE=10x "$EX/sockopts"
one_warning bad "$W SOCKSHIM_KEEPALIVE=\"10x\": not a valid value; accepted: off, on, or IDLE\[:INTVL\[:CNT\]\] .+; ignored\$" \
    "KEEPALIVE=10x: one warning naming variable, value and what is accepted"
unchanged bad "KEEPALIVE=10x: stdout and exit status unchanged"

go empty shim SOCKSHIM_NODELAY= "$EX/sockopts"
one_warning empty "$W SOCKSHIM_NODELAY=\"\": empty value; accepted: on\|off .+; ignored\$" \
    "NODELAY= (empty): one 'empty value' warning"
unchanged empty "NODELAY= (empty): stdout and exit status unchanged"

# A newline in the value must not make a second, forged log line.
go newline shim "SOCKSHIM_LINGER=5${nl}0" "$EX/sockopts"
one_warning newline "$W SOCKSHIM_LINGER=\"5\\\\x0a0\": not a valid value; " \
    "LINGER=5<NL>0: one line, the newline escaped as \\x0a"
unchanged newline "LINGER=5<NL>0: stdout and exit status unchanged"

# A 128 KiB value is echoed cut: the warning line stays short.
go huge shim "SOCKSHIM_BACKLOG=$(huge_for SOCKSHIM_BACKLOG)" "$EX/sockopts"
one_warning huge "$W SOCKSHIM_BACKLOG=\"1111111111111111[1]*\"\.\.\.: not a valid value; " \
    "BACKLOG=<128 KiB>: one warning quoting the start of the value"
len=$(head -n 1 "$TMP/huge.err" | wc -c)
ok "$([ "$len" -lt 1000 ]; echo $?)" \
    "BACKLOG=<128 KiB>: the warning line is bounded ($len bytes < 1000)"
unchanged huge "BACKLOG=<128 KiB>: stdout and exit status unchanged"

# --- the JSON warning (checked with jcheck.py further down) -----------------
go json shim SOCKSHIM_LOG_FORMAT=json SOCKSHIM_KEEPALIVE=10x "$EX/sockopts"
unchanged json "json, KEEPALIVE=10x: stdout and exit status unchanged"
go jsonnl shim SOCKSHIM_LOG_FORMAT=json "SOCKSHIM_LOG_LEVEL=info${nl}debug" \
    "$EX/sockopts"
go jsonhuge shim SOCKSHIM_LOG_FORMAT=json \
    "SOCKSHIM_RCVTIMEO=$(huge_for SOCKSHIM_RCVTIMEO)" "$EX/sockopts"

# --- good settings next to bad ones ------------------------------------------
go mixed shim SOCKSHIM_NODELAY=on SOCKSHIM_KEEPALIVE=bogus "$EX/sockopts"
applied mixed 's/TCP_NODELAY=off/TCP_NODELAY=on/g' \
    "NODELAY=on next to KEEPALIVE=bogus: nodelay applied, keepalive not"
one_warning mixed "$W SOCKSHIM_KEEPALIVE=\"bogus\"" \
    "NODELAY=on next to KEEPALIVE=bogus: only the keepalive warning"

# A bad log setting does not stop the policy either.
go loglevel shim SOCKSHIM_LOG_LEVEL=verbose SOCKSHIM_LINGER=5 "$EX/sockopts"
applied loglevel 's/SO_LINGER=off/SO_LINGER=on:5s/g' \
    "LINGER=5 next to LOG_LEVEL=verbose: linger applied"
one_warning loglevel "$W SOCKSHIM_LOG_LEVEL=\"verbose\"" \
    "LINGER=5 next to LOG_LEVEL=verbose: only the log level warning"

# A bad mode leaves the default one (enforce): the policy still applies.
go mode shim SOCKSHIM_MODE=fast SOCKSHIM_NODELAY=on "$EX/sockopts"
applied mode 's/TCP_NODELAY=off/TCP_NODELAY=on/g' \
    "MODE=fast next to NODELAY=on: enforced as by default"
one_warning mode "$W SOCKSHIM_MODE=\"fast\": not a valid value; accepted: enforce, force, audit or off; ignored\$" \
    "MODE=fast: one warning"

# --- every variable bad at once: one line each ------------------------------
ALL_VARS="SOCKSHIM_REUSEADDR SOCKSHIM_REUSEPORT SOCKSHIM_NODELAY
SOCKSHIM_USER_TIMEOUT SOCKSHIM_RCVTIMEO SOCKSHIM_SNDTIMEO
SOCKSHIM_CONNECT_TIMEOUT SOCKSHIM_KEEPALIVE SOCKSHIM_LINGER SOCKSHIM_BACKLOG
SOCKSHIM_MODE SOCKSHIM_LOG SOCKSHIM_LOG_FORMAT SOCKSHIM_LOG_LEVEL
SOCKSHIM_CHECKS SOCKSHIM_STACKS SOCKSHIM_STACK_DEPTH SOCKSHIM_CLOSE_WAIT
SOCKSHIM_SCAN SOCKSHIM_SUMMARY"
set --
for v in $ALL_VARS; do set -- "$@" "$v=10x"; done
n_vars=$#
go all shim "$@" "$EX/sockopts"
unchanged all "all $n_vars variables bad: stdout and exit status unchanged"
why=
for v in $ALL_VARS; do
    [ "$(grep -c "config_error $v=\"10x\"" "$TMP/all.err")" = 1 ] ||
        why="$why $v"
done
n=$(grep -c '' "$TMP/all.err")
if [ -z "$why" ] && [ "$n" = "$n_vars" ]; then
    ok 0 "all $n_vars variables bad: $n_vars lines, one warning naming each"
else
    ok 1 "all $n_vars variables bad: $n_vars lines, one warning naming each"
    diag "$n lines; not named exactly once:$why"
    show_file "$TMP/all.err"
fi

# --- a misspelt variable (found in the process's environment) ---------------
go typo shim SOCKSHIM_KEEPALVE=60 "$EX/sockopts"
one_warning typo "$W SOCKSHIM_KEEPALVE: unknown variable; " \
    "SOCKSHIM_KEEPALVE (typo): one 'unknown variable' warning"
unchanged typo "SOCKSHIM_KEEPALVE (typo): stdout and exit status unchanged"

# --- a config file: the warning names FILE:LINE, the good lines apply --------
printf '# settings\nkeepalive = 60:10\nnodelay = maybe\nlinger = 5\n' \
    >"$TMP/bad.conf"
go conf shim SOCKSHIM_CONFIG="$TMP/bad.conf" "$EX/sockopts"
one_warning conf "$W $TMP/bad.conf:3=\"maybe\": not a valid value; accepted: on\|off " \
    "config file, bad line 3: one warning naming FILE:3 and the value"
applied conf 's/SO_LINGER=off/SO_LINGER=on:5s/g
s/SO_KEEPALIVE=off TCP_KEEPIDLE=[0-9]*s TCP_KEEPINTVL=[0-9]*s/SO_KEEPALIVE=on TCP_KEEPIDLE=60s TCP_KEEPINTVL=10s/g' \
    "config file, bad line 3: lines 2 and 4 apply to every socket"

# --- the warning goes where the log goes ------------------------------------
# Set in the config file, the log is known before the errors are reported
# (the configuration is read twice): they land in it, not on stderr.
printf 'log = file:%s/shim.log\n' "$TMP" >"$TMP/log.conf"
go logfile shim SOCKSHIM_CONFIG="$TMP/log.conf" SOCKSHIM_SNDTIMEO=5sec \
    "$EX/sockopts"
is "" "$(cat "$TMP/logfile.err")" "log file from the config file: nothing on stderr"
is 1 "$(grep -Ec "$W SOCKSHIM_SNDTIMEO=\"5sec\": not a valid value" "$TMP/shim.log" 2>/dev/null)" \
    "log file from the config file: the SNDTIMEO warning is in it"

# --- mode off: sockshim does nothing, not even warn -------------------------
go off shim SOCKSHIM_MODE=off SOCKSHIM_KEEPALIVE=bogus SOCKSHIM_KEEPALVE=1 \
    "$EX/sockopts"
is "" "$(cat "$TMP/off.err")" "MODE=off with bad values: no warning at all"
unchanged off "MODE=off with bad values: stdout and exit status unchanged"

# --- the JSON warnings: one valid, bounded object each ----------------------
# One complete line under 1000 bytes, a config_error object naming the
# variable and echoing the value, or the start of a long one.
json_warning() { # json_warning TAG VAR VALUE DESC
    if _why=$(bounded /usr/bin/python3 "$JCHECK" event --max 1 --width 999 \
        "$TMP/$1.err" config_error level=warn where="$2" "value^=$3" \
        problem accepted ts pid tid prog 2>&1); then
        ok 0 "$4"
    else
        ok 1 "$4"
        diag "$_why" "stderr starts:" "$(head -c 300 "$TMP/$1.err")"
    fi
}
json_warning json SOCKSHIM_KEEPALIVE 10x \
    "json, KEEPALIVE=10x: one valid, bounded config_error object"
json_warning jsonnl SOCKSHIM_LOG_LEVEL "info${nl}debug" \
    "json, LOG_LEVEL=info<NL>debug: one valid, bounded config_error object"
json_warning jsonhuge SOCKSHIM_RCVTIMEO "$(huge_for SOCKSHIM_RCVTIMEO)" \
    "json, RCVTIMEO=<128 KiB>: one valid, bounded config_error object"
