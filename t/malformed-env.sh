#!/bin/sh
# malformed-env.sh — every variable with malformed values (empty, 10x, -1,
# overflow, huge, embedded newline and per-variable near misses). Each
# must give exactly one config_error warning naming the variable, the
# value and what is accepted; the option is ignored and sockopts' stdout
# and exit status are byte-identical to a run without sockshim.
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

# A hang is a failure, not a stalled test run (a run takes milliseconds).
TEST_TIMEOUT=${TEST_TIMEOUT:-20}
# Runs the JSON checks (jcheck.py); the system's, not a slower wrapper.
PY=/usr/bin/python3

nl='
'
BOOLS="SOCKSHIM_REUSEADDR SOCKSHIM_REUSEPORT SOCKSHIM_NODELAY"
DURATIONS="SOCKSHIM_USER_TIMEOUT SOCKSHIM_RCVTIMEO SOCKSHIM_SNDTIMEO
SOCKSHIM_CONNECT_TIMEOUT"
ALL_VARS="$BOOLS $DURATIONS SOCKSHIM_KEEPALIVE SOCKSHIM_LINGER
SOCKSHIM_BACKLOG SOCKSHIM_MODE SOCKSHIM_LOG SOCKSHIM_LOG_FORMAT
SOCKSHIM_LOG_LEVEL"

# The "1 MB" value. Linux limits one argv/environment string, "NAME=VALUE"
# with its NUL, to MAX_ARG_STRLEN = 32 pages = 131072 bytes: a longer value
# cannot reach the program at all (execve fails with E2BIG). So the huge
# value is the largest that works: 131072 - len("NAME=") - 1 bytes.
huge_for() { # huge_for VAR [PREFIX]: PREFIX then '1's up to the limit
    printf '%s' "$2"
    head -c $((131072 - ${#1} - 2 - ${#2})) /dev/zero | tr '\0' 1
}

show() { # a short printable form of a value, for test names
    if [ -z "$1" ]; then
        printf '(empty)'
    elif [ ${#1} -gt 40 ]; then
        printf '<%d bytes: %.12s...>' ${#1} "$1"
    else
        # <NL> for a newline: libtap's echo would expand a backslash.
        printf '"%s"' "$1" | awk 'NR > 1 { printf "%s", "<NL>" } { printf "%s", $0 }'
    fi
}

escaped() { # the value as the text log quotes it: a newline is \x0a
    case $1 in
    *"$nl"*) printf '%s' "$1" | awk 'NR > 1 { printf "%s", "\\x0a" } { printf "%s", $0 }' ;;
    *) printf '%s' "$1" ;;
    esac
}

show_file() { # diag the start of a file that may be huge
    diag "$(head -c 600 "$1" | head -n 5)"
}

shim_env() { # shim_env OUT ERR NAME=VALUE...: sockopts under the shim
    _out=$1 _err=$2
    shift 2
    bounded env "$@" LD_PRELOAD="$SHIM_LIB${LD_PRELOAD:+ $LD_PRELOAD}" \
        "$EX/sockopts" >"$_out" 2>"$_err"
}

same_as_plain() { # same_as_plain RC OUT DESC: stdout and status as without us
    if [ "$1" = "$base_rc" ] && cmp -s "$TMP/base.out" "$2"; then
        ok 0 "$3"
    else
        ok 1 "$3"
        diag "exit status $1 (without sockshim: $base_rc); stdout:"
        show_file "$2"
    fi
}

# --- one (variable, value) case --------------------------------------------
n_text=0 n_huge=0 n_json=0
bad() { # bad VAR VALUE
    n_text=$((n_text + 1))
    [ ${#2} -gt 1000 ] && n_huge=$((n_huge + 1))
    [ -n "$counting" ] && return 0
    _d="$1=$(show "$2")"
    shim_env "$TMP/out" "$TMP/err" "$1=$2"
    _rc=$?

    # (i) stderr is one line: the warning, naming variable, value, remedy.
    _line=$(head -n 1 "$TMP/err")
    _why=
    if [ "$(grep -c '' "$TMP/err")" != 1 ]; then
        _why="stderr has $(grep -c '' "$TMP/err") lines, not 1"
    elif ! printf '%s\n' "$_line" | grep -Eq "^sockshim\[[0-9]+\]: warn: config_error $1=\"[^\"]*\"(\.\.\.)?: (empty value|not a valid value); accepted: .+; ignored\$"; then
        _why="not a config_error warning naming $1 with what is accepted"
    elif [ ${#2} -le 80 ] &&
        ! printf '%s\n' "$_line" | grep -Fq "$1=\"$(escaped "$2")\":"; then
        _why="the value is not echoed (escaped) in the warning"
    elif [ ${#2} -gt 80 ] &&
        ! printf '%s\n' "$_line" | grep -Fq "$1=\"$(printf '%.16s' "$2")"; then
        _why="the start of the value is not echoed in the warning"
    fi
    if [ -z "$_why" ]; then
        ok 0 "$_d: one config_error warning naming it"
    else
        ok 1 "$_d: one config_error warning naming it"
        diag "$_why; stderr:"
        show_file "$TMP/err"
    fi
    # The echoed value of a huge one is cut: the line stays short.
    if [ ${#2} -gt 1000 ]; then
        _len=$(head -n 1 "$TMP/err" | wc -c)
        ok "$([ "$_len" -lt 1000 ]; echo $?)" \
            "$_d: the warning line is bounded ($_len bytes < 1000)"
    fi
    # (ii) the option is ignored: stdout and status as without sockshim.
    same_as_plain "$_rc" "$TMP/out" "$_d: stdout and exit status unchanged"
}

# JSON variant: its stderr checked at once, the result told with the
# others at the end (in $TMP/json.results, as "0 DESC" or "1 DESC" and
# "# why" lines).
json_bad() { # json_bad VAR VALUE
    n_json=$((n_json + 1))
    [ -n "$counting" ] && return 0
    shim_env "$TMP/out" "$TMP/j.err" SOCKSHIM_LOG_FORMAT=json "$1=$2"
    same_as_plain $? "$TMP/out" "json: $1=$(show "$2"): stdout and exit status unchanged"
    _d="json: $1=$(show "$2"): one valid, bounded config_error object"
    # One complete line under 1000 bytes, a config_error object naming
    # the variable and echoing the value, or the start of a long one. The
    # argument value^=VALUE is shorter than the NAME=VALUE that reached
    # sockopts: it fits wherever that did.
    if _why=$(bounded "$PY" "$JCHECK" event --max 1 --width 999 "$TMP/j.err" \
        config_error level=warn where="$1" "value^=$2" problem accepted \
        ts pid tid prog 2>&1); then
        printf '0 %s\n' "$_d"
    else
        printf '1 %s\n' "$_d"
        printf '%s\n' "$_why" "stderr starts:" "$(head -c 300 "$TMP/j.err")" |
            sed 's/^/# /'
    fi >>"$TMP/json.results"
}

# bad_common VAR NEWLINE_VALUE: the values every variable must reject.
bad_common() {
    bad "$1" ""
    bad "$1" 10x
    bad "$1" -1
    bad "$1" 99999999999999999999
    _huge=
    [ -z "$counting" ] && _huge=$(huge_for "$1")
    [ -n "$counting" ] && _huge=$(printf '%01001d' 1) # only its length counts
    bad "$1" "$_huge"
    bad "$1" "$2"
    if [ "$1" != SOCKSHIM_LOG_FORMAT ]; then
        json_bad "$1" 10x
        json_bad "$1" "$2"
        json_bad "$1" "$_huge"
    fi
}

all_cases() {
    for v in $BOOLS; do
        bad_common "$v" "on${nl}off"
        for x in maybe 2 enabled 0x1 "o n" onn " on"; do bad "$v" "$x"; done
    done
    for v in $DURATIONS; do
        bad_common "$v" "10${nl}s"
        # 2147483648ms, 2147484s and 35792m are just above INT_MAX ms.
        for x in 1.5s 10h "5 s" ms s 2147483648ms 2147484s 35792m +5 0x10 \
            -5s 5sec; do
            bad "$v" "$x"
        done
    done
    v=SOCKSHIM_KEEPALIVE
    bad_common "$v" "60${nl}:10"
    for x in 60: :10 60:10:5:1 0 32768 60:10:128 60:0 60:10:0 1500ms 60::5 \
        60:10:5s onx -60 60:10:-1 :; do
        bad "$v" "$x"
    done
    v=SOCKSHIM_LINGER
    bad_common "$v" "5${nl}0"
    # 1093m = 65580 s, just above 65535.
    for x in 500ms 65536 1.5 on 1093m 1500ms 5x; do bad "$v" "$x"; done
    v=SOCKSHIM_BACKLOG
    bad_common "$v" "128${nl}1"
    for x in 0 2147483648 1k +5 0x10 " 5"; do bad "$v" "$x"; done
    v=SOCKSHIM_MODE
    bad_common "$v" "audit${nl}off"
    for x in fast enforced on enforce,audit; do bad "$v" "$x"; done
    v=SOCKSHIM_LOG
    bad_common "$v" "stderr${nl}syslog"
    for x in file: tcp:1.2.3.4 fil:/tmp/x stdout syslog: "stderr "; do
        bad "$v" "$x"
    done
    # A path far beyond PATH_MAX: refused, one warning either way.
    if [ -n "$counting" ]; then bad "$v" "$(printf '%01001d' 1)"; else
        bad "$v" "$(huge_for "$v" "file:$TMP/")"
    fi
    v=SOCKSHIM_LOG_FORMAT
    bad_common "$v" "json${nl}text"
    for x in xml jsonl txt; do bad "$v" "$x"; done
    v=SOCKSHIM_LOG_LEVEL
    bad_common "$v" "info${nl}debug"
    for x in verbose warning trace 3; do bad "$v" "$x"; done
}

counting=1
all_cases
counting=
N_EXTRA=9
plan $((n_text * 2 + n_huge + n_json * 2 + N_EXTRA))

bounded "$EX/sockopts" >"$TMP/base.out" 2>"$TMP/base.err"
base_rc=$?
if [ "$base_rc" != 0 ] || [ "$(grep -c TCP_NODELAY=off "$TMP/base.out")" != 3 ]
then
    bail "sockopts without sockshim: exit $base_rc, unexpected output"
fi

n_text=0 n_huge=0 n_json=0
all_cases

# --- the JSON variants' checks ----------------------------------------------
if [ "$(grep -c '^[01] ' "$TMP/json.results")" != "$n_json" ]; then
    bail "the JSON checks are not all there: $(head -c 300 "$TMP/json.results")"
fi
while IFS= read -r r; do
    case $r in
    '#'*) printf '%s\n' "$r" ;;
    *) ok "${r%% *}" "${r#? }" ;;
    esac
done <"$TMP/json.results"

# --- a valid value next to a bad one ----------------------------------------
shim_env "$TMP/out" "$TMP/err" SOCKSHIM_NODELAY=on SOCKSHIM_KEEPALIVE=bogus
sed 's/TCP_NODELAY=off/TCP_NODELAY=on/g' "$TMP/base.out" >"$TMP/want"
if cmp -s "$TMP/want" "$TMP/out"; then
    ok 0 "NODELAY=on next to KEEPALIVE=bogus: nodelay applied, keepalive off"
else
    ok 1 "NODELAY=on next to KEEPALIVE=bogus: nodelay applied, keepalive off"
    show_file "$TMP/out"
fi
is "1 1" "$(grep -c '' "$TMP/err") $(grep -c 'config_error SOCKSHIM_KEEPALIVE=' "$TMP/err")" \
    "NODELAY=on next to KEEPALIVE=bogus: only the keepalive warning"

# A bad log variable does not stop the policy either.
shim_env "$TMP/out" "$TMP/err" SOCKSHIM_LOG_LEVEL=verbose SOCKSHIM_LINGER=5
sed 's/SO_LINGER=off/SO_LINGER=on:5s/g' "$TMP/base.out" >"$TMP/want"
if cmp -s "$TMP/want" "$TMP/out"; then
    ok 0 "LINGER=5 next to LOG_LEVEL=verbose: linger applied"
else
    ok 1 "LINGER=5 next to LOG_LEVEL=verbose: linger applied"
    show_file "$TMP/out"
fi
is "1 1" "$(grep -c '' "$TMP/err") $(grep -c 'config_error SOCKSHIM_LOG_LEVEL=' "$TMP/err")" \
    "LINGER=5 next to LOG_LEVEL=verbose: only the log level warning"

# --- every variable bad at once: one warning each ---------------------------
set --
for v in $ALL_VARS; do set -- "$@" "$v=10x"; done
n_vars=$#
shim_env "$TMP/out" "$TMP/err" "$@"
same_as_plain $? "$TMP/out" "all $n_vars variables bad: stdout and exit status unchanged"
_why=
for v in $ALL_VARS; do
    [ "$(grep -c "config_error $v=\"10x\"" "$TMP/err")" = 1 ] ||
        _why="$_why $v"
done
n=$(grep -c '' "$TMP/err")
if [ -z "$_why" ] && [ "$n" = "$n_vars" ]; then
    ok 0 "all $n_vars variables bad: $n_vars lines, one warning naming each"
else
    ok 1 "all $n_vars variables bad: $n_vars lines, one warning naming each"
    diag "$n lines; not named exactly once:$_why"
    show_file "$TMP/err"
fi

# --- a misspelt variable ----------------------------------------------------
shim_env "$TMP/out" "$TMP/err" SOCKSHIM_KEEPALVE=60
same_as_plain $? "$TMP/out" "SOCKSHIM_KEEPALVE (typo): stdout and exit status unchanged"
is "1 1" "$(grep -c '' "$TMP/err") $(grep -Ec '^sockshim\[[0-9]+\]: warn: config_error SOCKSHIM_KEEPALVE: unknown variable' "$TMP/err")" \
    "SOCKSHIM_KEEPALVE (typo): one 'unknown variable' warning"

# The baseline itself stayed silent (sockopts prints nothing on stderr).
is "" "$(cat "$TMP/base.err")" "sockopts without sockshim writes no stderr"
