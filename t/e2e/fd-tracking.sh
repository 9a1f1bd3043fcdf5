#!/bin/sh
# fd-tracking.sh — what a preload library can get wrong about descriptors:
# errno transparency of every wrapper, the dup family, our own log
# descriptor, high fds and EMFILE, close_range/closefrom/raw close, fork
# and spawn.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

FDOPS=$BUILD/t/helpers/fdops
[ -x "$FDOPS" ] || bail "$FDOPS not built"

# plain ARGS: fdops without sockshim. shimmed ARGS: under sockshim with a
# policy visible through getsockopt (TCP_NODELAY) and info-level events on
# stderr; shimmed_env [VAR=VALUE...] PROGRAM ARGS: the same with more
# settings. Settings go through env, so this shell keeps none of them.
plain() { bounded "$FDOPS" "$@"; }
shimmed_env() {
    bounded env LD_PRELOAD="$PRELOAD" \
        SOCKSHIM_NODELAY=on SOCKSHIM_KEEPALIVE=60 SOCKSHIM_LOG_LEVEL=info \
        "$@"
}
shimmed() { shimmed_env "$FDOPS" "$@"; }

# has OUTPUT LINE DESC: OUTPUT holds exactly the line LINE.
has() {
    if printf '%s\n' "$1" | grep -Fqx -- "$2"; then ok 0 "$3"; else
        ok 1 "$3"; diag "no line \"$2\" in:"; diag "$1"; fi
}

# between FILE FROM TO: the lines of FILE after a line matching FROM and
# before one matching TO (FROM empty: from the start).
between() {
    awk -v from="$2" -v to="$3" '
        from == "" || started { if (to != "" && $0 ~ to) exit; print; next }
        $0 ~ from { started = 1 }' "$1"
}

plan 79

# --- (a) errno transparency ---------------------------------------------
# Every wrapped call failing (and a few succeeding, errno preset to EDOM),
# compared byte for byte with the run without sockshim.
plain errno >"$TMP/errno.plain" 2>"$TMP/errno.plain.err"
st_plain=$?
shimmed_env SOCKSHIM_LOG="file:$TMP/errno.log" "$FDOPS" errno \
    >"$TMP/errno.shim" 2>"$TMP/errno.shim.err"
st_shim=$?
shimmed_env SOCKSHIM_MODE=audit SOCKSHIM_LOG="file:$TMP/errno-audit.log" \
    "$FDOPS" errno >"$TMP/errno.audit" 2>"$TMP/errno.audit.err"
st_audit=$?
n=$(grep -c ' rc=' "$TMP/errno.plain")
ok "$([ "$n" -ge 80 ] && echo 0 || echo 1)" \
    "errno matrix: the helper ran its $n calls"
n=$(grep -Fxc -e 'close_range_inverted rc=-1 errno=EINVAL' \
    -e 'dup3_same rc=-1 errno=EINVAL' \
    -e 'setsockopt_nodelay_efault rc=-1 errno=EFAULT' \
    -e 'close_never_opened rc=-1 errno=EBADF' \
    -e 'connect_refused rc=-1 errno=ECONNREFUSED' "$TMP/errno.plain")
is 5 "$n" "errno matrix: libc gives the expected errors without sockshim"
if cmp -s "$TMP/errno.plain" "$TMP/errno.shim"; then
    ok 0 "errno matrix: output under sockshim identical to libc's"
else
    ok 1 "errno matrix: output under sockshim identical to libc's"
    diag "$(diff "$TMP/errno.plain" "$TMP/errno.shim")"
fi
is "$st_plain" "$st_shim" "errno matrix: same exit status"
like "$(cat "$TMP/errno.log" 2>/dev/null)" "info: policy fd=" \
    "errno matrix: sockshim was active (policy events logged)"
is "" "$(cat "$TMP/errno.shim.err")" \
    "errno matrix: nothing of ours on the program's stderr"
if cmp -s "$TMP/errno.plain" "$TMP/errno.audit"; then
    ok 0 "errno matrix: output in audit mode identical to libc's"
else
    ok 1 "errno matrix: output in audit mode identical to libc's"
    diag "$(diff "$TMP/errno.plain" "$TMP/errno.audit")"
fi
is "$st_plain" "$st_audit" "errno matrix: audit mode, same exit status"

# --- (b) the policy follows the dup family --------------------------------
out=$(plain dup-policy dup 2>&1)
has "$out" "original nodelay=0" "without sockshim TCP_NODELAY stays 0"
for m in dup dup2 dup3 fcntl-dupfd fcntl-dupfd-cloexec fcntl64-dupfd \
    dup2-self; do
    out=$(shimmed dup-policy "$m" 2>&1)
    has "$out" "original nodelay=1" \
        "$m: connect through the copy, the original shows the policy"
done
# The program sets TCP_NODELAY=0 itself before the dup: enforce mode keeps
# its value, which sockshim only knows through the copied table entry.
for m in dup dup2 dup3 fcntl-dupfd fcntl-dupfd-cloexec fcntl64-dupfd \
    dup2-self; do
    out=$(shimmed dup-policy "$m" --app-off 2>&1)
    if printf '%s\n' "$out" | grep -Fqx "original nodelay=0" &&
        printf '%s\n' "$out" | grep -Fqx "original keepalive=1"; then
        ok 0 "$m: the program's own setting follows the copy (kept)"
    else
        ok 1 "$m: the program's own setting follows the copy (kept)"
        diag "$out"
    fi
done
# dup2 onto a connected, tracked socket retires its entry: the number now
# is a fresh socket, and connecting through it applies the policy.
out=$(shimmed dup2-onto-tracked socket 2>&1)
has "$out" "through_target nodelay=1" \
    "dup2 of a new socket onto a tracked one: policy at its connect"
out=$(shimmed dup2-onto-tracked raw 2>&1)
has "$out" "through_target nodelay=1" \
    "dup2 of an unseen socket onto a tracked one: policy at its connect"

# --- (c) our log descriptor: invisible and protected ----------------------
# fd 2 closed, a socket takes number 2: its peer (a child reading until
# EOF, after the program's exit) gets nothing; the events still reach the
# original stderr through the library's private copy.
out=$(shimmed stderr-socket 2>"$TMP/stderr-socket.err")
has "$out" "socket_number=2" "stderr closed: the new socket is fd 2"
has "$out" "socket_on_2 nodelay=1" "... and got the policy at connect"
has "$out" "peer_bytes=0 eof=1" "not one byte of sockshim's reached fd 2"
like "$(cat "$TMP/stderr-socket.err")" "info: policy fd=2 .*role=connect" \
    "the event about fd 2 reached the original stderr"
like "$(cat "$TMP/stderr-socket.err")" "app_override fd=2 " \
    "... and so did a later one"

# close_range(3, ~0U, 0): the program's fds (below and above ours) closed,
# the log survives.
out=$(shimmed close-all close_range 2>"$TMP/cr.err")
has "$out" "private_fd=found" "sockshim holds a private copy of stderr"
has "$out" "close_range_3_max rc=0 errno=EDOM" "close_range(3, ~0U, 0) = 0"
n=$(printf '%s\n' "$out" | grep -Ec '^(mine\[[0-9]\]|socket) EBADF$')
is 8 "$n" "close_range: every fd of the program is closed (EBADF)"
has "$out" "after nodelay=1" "close_range: sockets made after get the policy"
like "$(between "$TMP/cr.err" "" "end of sequence")" \
    "info: policy fd=[0-9]+ .*role=connect" \
    "close_range: an event after it is still logged"

# closefrom(3): the same.
out=$(shimmed close-all closefrom 2>"$TMP/cf.err")
if printf '%s\n' "$out" | grep -q '^skip:'; then
    for d in "closefrom: every fd closed" "closefrom: policy after" \
        "closefrom: event still logged"; do
        skip "$d" "$(printf '%s\n' "$out" | sed -n 's/^skip: //p')"
    done
else
    n=$(printf '%s\n' "$out" | grep -Ec '^(mine\[[0-9]\]|socket) EBADF$')
    is 8 "$n" "closefrom(3): every fd of the program is closed (EBADF)"
    has "$out" "after nodelay=1" \
        "closefrom: sockets made after get the policy"
    like "$(between "$TMP/cf.err" "" "end of sequence")" \
        "info: policy fd=[0-9]+ .*role=connect" \
        "closefrom: an event after it is still logged"
fi

# close_range(3, ~0U, CLOSE_RANGE_CLOEXEC): nothing closed, log intact.
out=$(shimmed close-all close_range_cloexec 2>"$TMP/crc.err")
n=$(printf '%s\n' "$out" | grep -Ec '^(mine\[[0-9]\]|socket) open$')
is 8 "$n" "close_range CLOEXEC over everything: every fd still open"
like "$(between "$TMP/crc.err" "" "end of sequence")" \
    "info: policy fd=[0-9]+ .*role=connect" \
    "close_range CLOEXEC: an event after it is still logged"

# The program meets our descriptor's number: close() says EBADF (it never
# opened it), dup2() onto it works and the library moves out of the way.
out=$(shimmed logfd 2>"$TMP/logfd.err")
has "$out" "private_fd=found" "the private log fd is found (a high copy of stderr)"
has "$out" "close_private_fd rc=-1 errno=EBADF" \
    "close() of our fd: EBADF, as for an fd the program never opened"
like "$(between "$TMP/logfd.err" "" "marker 1")" \
    "info: policy fd=[0-9]+ .*role=connect" \
    "after that close(): events still logged"
has "$out" "dup2_pipe_onto_private_fd rc=1 errno=EDOM" \
    "dup2() onto our fd's number succeeds"
has "$out" "taken_fd_is_pipe=1" "... and the number is the program's pipe"
like "$(between "$TMP/logfd.err" "marker 1" "marker 2")" \
    "info: policy fd=[0-9]+ .*role=connect" \
    "after that dup2(): events still logged"
has "$out" "pipe_bytes=0" "... and none went into the program's pipe"
has "$out" "close_taken_fd rc=0 errno=EDOM" \
    "the program closes its fd at that number normally"
like "$(between "$TMP/logfd.err" "marker 2" "marker 3")" \
    "info: policy fd=[0-9]+ .*role=connect" \
    "after that close(): events still logged"

# --- (d) high fds and EMFILE ------------------------------------------------
p=$(plain highfd 2>&1)
out=$(shimmed highfd 2>/dev/null)
has "$out" "dup2_to_limit_minus_1 rc=1 errno=EDOM" \
    "dup2 onto RLIMIT_NOFILE-1 (limit raised)"
has "$out" "high nodelay=1" "connect through fd limit-1: policy applied"
is "$(printf '%s\n' "$p" | grep -v nodelay=)" \
    "$(printf '%s\n' "$out" | grep -v nodelay=)" \
    "high fds: every call returns what libc returns"
p=$(plain emfile 2>&1)
# Once a process makes a socket, sockshim's own descriptors (its stderr
# copy, libunwind's pipe, the scan's) count against the limit too; with a
# log file that nothing is written to, no stacks and no scan it holds
# none, and the program reaches exactly libc's count.
out=$(shimmed_env SOCKSHIM_LOG_LEVEL=warn SOCKSHIM_LOG="file:$TMP/emfile.log" \
    SOCKSHIM_STACKS=off SOCKSHIM_SCAN=0 "$FDOPS" emfile 2>/dev/null)
like "$out" "^sockets_until_failure=[0-9]+ errno=EMFILE$" \
    "sockets until EMFILE"
is "$(printf '%s\n' "$p" | grep -v nodelay=)" \
    "$(printf '%s\n' "$out" | grep -v nodelay=)" \
    "EMFILE: same count, and every creating call fails EMFILE as in libc"
has "$out" "after_emfile nodelay=1" \
    "after EMFILE the program runs on: policy on its next socket"

# --- (e) closing paths, then the number reused ------------------------------
# A connected socket is closed by each path; a new socket at the same number
# must get the policy at its connect (a stale entry would say "connected").
for c in close close_range closefrom syscall; do
    out=$(shimmed reuse "$c" socket 2>&1)
    if printf '%s\n' "$out" | grep -q '^skip:'; then
        skip "$c, then socket() at the same number: policy" \
            "$(printf '%s\n' "$out" | sed -n 's/^skip: //p')"
        continue
    fi
    if printf '%s\n' "$out" | grep -Fqx "same_number rc=1 errno=0" &&
        printf '%s\n' "$out" | grep -Fqx "fresh nodelay=1"; then
        ok 0 "$c, then socket() at the same number: policy at connect"
    else
        ok 1 "$c, then socket() at the same number: policy at connect"
        diag "$out"
    fi
done
# The new socket made where sockshim cannot see it (syscall(SYS_socket)):
# only a close path that cleared the entry lets it be classified afresh.
for c in close close_range closefrom; do
    out=$(shimmed reuse "$c" raw 2>&1)
    if printf '%s\n' "$out" | grep -q '^skip:'; then
        skip "$c, then an unseen socket at the same number: policy" \
            "$(printf '%s\n' "$out" | sed -n 's/^skip: //p')"
        continue
    fi
    if printf '%s\n' "$out" | grep -Fqx "same_number rc=1 errno=0" &&
        printf '%s\n' "$out" | grep -Fqx "fresh nodelay=1"; then
        ok 0 "$c, then an unseen socket at the same number: policy"
    else
        ok 1 "$c, then an unseen socket at the same number: policy"
        diag "$out"
    fi
done
out=$(shimmed cloexec 2>&1)
has "$out" "getfd rc=1 errno=EDOM" \
    "close_range(s, s, CLOSE_RANGE_CLOEXEC): s open, FD_CLOEXEC set"
has "$out" "marked nodelay=1" "... and still tracked: policy at its connect"

# --- (f) fork, posix_spawn, vfork -----------------------------------------
out=$(shimmed fork 2>&1)
has "$out" "child nodelay=1" "forked child: its new socket gets the policy"
has "$out" "child_inherited nodelay=1" \
    "forked child: an inherited socket gets the policy"
has "$out" "child_status=0" "forked child exits normally"
has "$out" "parent nodelay=1" "parent after fork: policy still applied"
for how in spawn vfork; do
    out=$(shimmed "$how" "$EX/sockopts" 2>&1)
    like "$out" "^connect .*TCP_NODELAY=on" \
        "$how of examples/sockopts: the child's socket gets the policy"
    has "$out" "child_status=0" "$how: the child exits normally"
    has "$out" "parent_before nodelay=1" \
        "$how: the parent's earlier socket still tracked (policy)"
    has "$out" "parent_after nodelay=1" \
        "$how: the parent's next socket gets the policy"
done
# Our descriptors are O_CLOEXEC: a child spawned without LD_PRELOAD
# inherits exactly what it would inherit without sockshim.
p=$(plain spawn-fds 2>&1)
out=$(shimmed spawn-fds 2>/dev/null)
like "$p" '^fds:' "spawn-fds reports the child's descriptors"
is "$p" "$out" "spawned child inherits the same fds with and without us"
unlike "$out" "^fds:.* (9[0-9][0-9]|[0-9]{4,})( |$)" \
    "... and no high-numbered fd of ours"
