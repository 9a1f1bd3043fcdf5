# runs.sh — running a program with and without the library, and judging
# its output (sourced after libtap.sh by tests of hostile conditions).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).

# go TAG plain|shim [VAR=VALUE...] PROGRAM ARGS...: run bounded, with the
# library preloaded or not; stdout, stderr in $TMP/TAG.out, $TMP/TAG.err,
# the exit status in $rc.
go() {
    _tag=$1 _how=$2
    shift 2
    if [ "$_how" = shim ]; then
        bounded env LD_PRELOAD="$PRELOAD" "$@" >"$TMP/$_tag.out" 2>"$TMP/$_tag.err"
    else
        bounded env "$@" >"$TMP/$_tag.out" 2>"$TMP/$_tag.err"
    fi
    rc=$?
}

show_file() { # diag the start of a file
    if [ -s "$1" ]; then diag "$(head -c 800 "$1" | head -n 8)"; else
        diag "(${1##*/} is empty or missing)"; fi
}

# expect TAG LINE DESC: the run TAG exited 0 and printed exactly LINE
# (139 = SIGSEGV, 141 = SIGPIPE, 124 = timed out, 137 = killed after that).
expect() {
    if [ "$rc" = 0 ] && [ "$(cat "$TMP/$1.out")" = "$2" ]; then ok 0 "$3"; else
        ok 1 "$3"
        diag "want status 0 and \"$2\"; got status $rc and:"
        show_file "$TMP/$1.out"
        diag "stderr:"
        show_file "$TMP/$1.err"
    fi
}

# same_out RC OUT WANT DESC: exit status RC is 0 and the file OUT holds
# what the file WANT does. 1 test.
same_out() {
    if [ "$1" = 0 ] && cmp -s "$3" "$2"; then ok 0 "$4"; else
        ok 1 "$4"
        diag "exit status $1 (want 0; 124 = timed out); stdout:"
        show_file "$2"
        diag "want:"
        show_file "$3"
    fi
}
