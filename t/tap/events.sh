# events.sh — running a program under sockshim and reading the text events
# it wrote to stderr (sourced after libtap.sh). The readers look at ERR, as
# shim sets it; an event is its header line, "sockshim[PID]: LEVEL: KIND
# ...", then the indented stack lines under it.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).

# shim [VAR=VALUE...] PROGRAM [ARGS...]: PROGRAM under sockshim, bounded,
# to its end, with the settings of SHIM_ENV first (a list of VAR=VALUE
# words, for the settings every run of a test shares; later ones override
# them); sets OUT (stdout), ERR (stderr) and RC.
SHIM_ENV=
shim() {
    # shellcheck disable=SC2086 # SHIM_ENV is a list of settings
    bounded env LD_PRELOAD="$PRELOAD" $SHIM_ENV "$@" >"$TMP/out" 2>"$TMP/err"
    # shellcheck disable=SC2034 # for the scripts that source this file
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

# pick BRE: the first \(group\) of the first line of OUT matching BRE.
pick() { printf '%s\n' "$OUT" | sed -n "s/$1/\\1/p" | head -n 1; }

# events KIND: the header lines of ERR's KIND events (KIND an ERE), the
# short lines that count repeats ("... repeat=N") included. nevents KIND:
# how many. full KIND: the header lines without those short ones.
HEAD='^sockshim\[[0-9]+\]: [a-z]+: '
events() { printf '%s\n' "$ERR" | grep -E "$HEAD$1( |\$)"; }
nevents() { printf '%s\n' "$ERR" | grep -cE "$HEAD$1( |\$)"; }
full() { events "$1" | grep -v ' repeat='; }

# one_event KIND ERE DESC: exactly one KIND event in ERR, and its line
# matches ERE. A repeat line counts as one more KIND event, unless
# REPEATS=aside: then only the lines shown in full count (and match), for
# tests that fold repeats. 1 test.
REPEATS=counted
one_event() {
    if [ "$REPEATS" = aside ]; then
        _n=$(full "$1" | grep -c .)
        full "$1" | grep -Eq -- "$2"
    else
        _n=$(nevents "$1")
        events "$1" | grep -Eq -- "$2"
    fi
    _match=$?
    if [ "$_n" = 1 ] && [ "$_match" = 0 ]; then
        ok 0 "$3"
    else
        ok 1 "$3"
        diag "expected one $1 event ($_n seen) matching /$2/; stderr:" \
            "${ERR:-(empty)}"
    fi
}

# one_like KIND ERE DESC: of the KIND events in ERR (repeat lines aside),
# exactly one matches ERE. 1 test.
one_like() {
    _n=$(full "$1" | grep -cE -- "$2")
    if [ "$_n" = 1 ]; then ok 0 "$3"; else
        ok 1 "$3"
        diag "expected one $1 event matching /$2/, $_n seen; stderr:" \
            "${ERR:-(empty)}"
    fi
}

# no_event KIND DESC: no KIND event in ERR. 1 test.
no_event() {
    _n=$(nevents "$1")
    if [ "$_n" = 0 ]; then ok 0 "$2"; else
        ok 1 "$2"
        diag "expected no $1 event, $_n seen; stderr:" "$ERR"
    fi
}

# block KIND [N]: the Nth KIND event of ERR, its header line and the
# stack lines under it; without N, every KIND event.
block() {
    printf '%s\n' "$ERR" | awk -v k="$1" -v n="${2:-0}" '
        /^sockshim\[/ { on = ($3 == k && (n == 0 || ++seen == n)) } on'
}

# frames TEXT LABEL: the frame lines of TEXT's stacks titled LABEL (an
# event's "    LABEL:" line: "close() at", "socket created at", ...).
frames() {
    printf '%s\n' "$1" | awk -v l="    $2:" '$0 == l { on = 1; next }
        on && /^    #[0-9]/ { print; next } { on = 0 }'
}

# frame_re FUNC MODULE: an ERE for a frame line naming function FUNC (an
# ERE) in module MODULE.
frame_re() { printf '^    #[0-9]+ 0x[0-9a-f]+ %s\\+0x[0-9a-f]+ \\(%s\\)$' "$1" "$2"; }

# has_frame TEXT LABEL FUNC MODULE DESC: TEXT's LABEL stack has a frame in
# FUNC. 1 test.
has_frame() {
    if frames "$1" "$2" | grep -Eq -- "$(frame_re "$3" "$4")"; then
        ok 0 "$5"
    else
        ok 1 "$5"
        diag "no $3 frame under \"$2:\" in:" "${1:-(empty)}"
    fi
}

# jcheck DESC COMMAND ARGS...: t/helpers/jcheck.py COMMAND ARGS (checks
# of a JSON log; its usage says which) passes. 1 test.
jcheck() {
    _desc=$1
    shift
    if _why=$(bounded "${PY:-python3}" "$JCHECK" "$@" 2>&1); then
        ok 0 "$_desc"
    else
        ok 1 "$_desc"
        diag "$_why"
    fi
}
