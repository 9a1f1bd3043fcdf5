# logfiles.sh — reading sockshim's text logs written to files (sourced
# after libtap.sh by the tests that run programs with SOCKSHIM_LOG=file:).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).

# log_events FILE...: the event lines (not their indented stack frames).
# (events.sh's events KIND reads a run's stderr instead.)
log_events() { cat "$@" 2>/dev/null | grep -E '^sockshim\[[0-9]+\]: [a-z]+: '; }

# count KIND TEXT: how many events of KIND (repeat lines included) TEXT has.
count() {
    printf '%s\n' "$2" | grep -Ec "^sockshim\\[[0-9]+\\]: [a-z]+: $1( |\$)"
}

# summary_sockets TEXT: the sockets= count of the (first) summary in TEXT.
summary_sockets() {
    printf '%s\n' "$1" | sed -n 's/.*: info: summary sockets=\([0-9]*\) .*/\1/p' |
        head -n 1
}
