#!/bin/sh
# log.sh — the event log: destinations (stderr, file:PATH with %p/%n,
# syslog), text and JSON formats, levels, and where a log can go wrong: a
# planted symlink, /dev/full, a missing or read-only directory, fd 2
# reused by a socket, secure execution (setuid).
# Every run is compared with the same run without sockshim.
# The sh -c scripts are single-quoted on purpose (SC2016).
# shellcheck disable=SC2016
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/events.sh"
. "$SRC/t/tap/runs.sh"

# A hang is a failure: each run takes milliseconds.
TEST_TIMEOUT=${TEST_TIMEOUT:-20}
PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "$PY not found"

# Mounts made by this test live in private mount namespaces (unshare -m):
# they vanish with the process, whatever happens to the test.
plan 72


# shim_run OUT ERR VAR=VALUE... [-- ARGS...]: sockopts under the shim; its
# pid lands in $TMP/pid (sh execs env, env execs sockopts: one pid).
shim_run() {
    _out=$1 _err=$2
    shift 2
    bounded sh -c 'echo $$ >"$0"; exec "$@"' "$TMP/pid" \
        env "$@" LD_PRELOAD="$PRELOAD" "$EX/sockopts" >"$_out" 2>"$_err"
}

# nlines FILE: how many lines FILE has (0 if it is missing).
nlines() { if [ -e "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }

# roles FILE: the roles of the JSON log FILE's policy events, sorted, on
# one line.
roles() {
    "$PY" "$JCHECK" print "$1" 'policy={role}' 2>/dev/null | LC_ALL=C sort |
        paste -sd ' ' -
}

# one_warning ERR PATH DESC: exactly one config_error line, for
# SOCKSHIM_LOG naming PATH, and it is on stderr.
one_warning() {
    _w=$(grep -c 'config_error SOCKSHIM_LOG=' "$1")
    # (the warning cuts a value after 80 bytes)
    _p=$(grep 'config_error SOCKSHIM_LOG=' "$1" | grep -cF "\"$(printf '%.80s' "$2")")
    if [ "$_w" = 1 ] && [ "$_p" = 1 ]; then ok 0 "$3"; else
        ok 1 "$3"
        diag "want one config_error SOCKSHIM_LOG=\"$2\" line; stderr:"
        show_file "$1"
    fi
}

bounded "$EX/sockopts" >"$TMP/plain.out" 2>"$TMP/plain.err" ||
    bail "sockopts fails without sockshim"
# The policy used below, SOCKSHIM_NODELAY=on, changes just this in stdout.
sed 's/TCP_NODELAY=off/TCP_NODELAY=on/g' "$TMP/plain.out" >"$TMP/nodelay.out"
cmp -s "$TMP/plain.out" "$TMP/nodelay.out" &&
    bail "sockopts output has no TCP_NODELAY=off"
POLICY=SOCKSHIM_NODELAY=on

# === 1. file:PATH with %p and %n, text, level info (6) =====================
(
    umask 000 # the file must still be 0600
    shim_run "$TMP/1.out" "$TMP/1.err" SOCKSHIM_LOG="file:$TMP/log-%p-%n.txt" \
        SOCKSHIM_LOG_LEVEL=info "$POLICY"
)
rc=$?
pid=$(cat "$TMP/pid")
log1=$TMP/log-$pid-sockopts.txt
ok "$(test -f "$log1"; echo $?)" "file: %p and %n expand to pid $pid and sockopts"
is "$TMP/log-$pid-sockopts.txt" "$(ls -d "$TMP"/log-*)" "file: no other log file"
is "600 $(id -u)" "$(stat -c '%a %u' "$log1" 2>&1)" \
    "file: created mode 0600 (umask 000) and owned by us"
is 3 "$(grep -c ': info: policy ' "$log1" 2>/dev/null)" \
    "file: holds the 3 policy events"
is "" "$(cat "$TMP/1.err")" "file: nothing from sockshim on stderr"
same_out $rc "$TMP/1.out" "$TMP/nodelay.out" "file: stdout as expected"

# === 3. text line shape (3) ================================================
# The shape README.md shows, `sockshim[4242]: info: policy fd=4 tcp
# 127.0.0.1:8080 <- 127.0.0.1:51234 role=accept ...`: pid, level, kind,
# fd, protocol, addresses.
L=$(grep 'role=listen' "$log1")
port=$(printf '%s\n' "$L" | sed -n 's/^.* tcp 127\.0\.0\.1:\([0-9][0-9]*\) .*$/\1/p')
like "$L" "^sockshim\[$pid\]: info: policy fd=[0-9]+ tcp 127\.0\.0\.1:[0-9]+ role=listen TCP_NODELAY=on\$" \
    "text: the listener's policy line"
like "$(grep 'role=connect' "$log1")" \
    "^sockshim\[$pid\]: info: policy fd=[0-9]+ tcp [0-9.]+:[0-9]+ -> 127\.0\.0\.1:${port:-X} role=connect TCP_NODELAY=on\$" \
    "text: the client's line names the listener's port as peer (->)"
like "$(grep 'role=accept' "$log1")" \
    "^sockshim\[$pid\]: info: policy fd=[0-9]+ tcp 127\.0\.0\.1:${port:-X} <- 127\.0\.0\.1:[0-9]+ role=accept TCP_NODELAY=on\$" \
    "text: the accepted socket's line reads local <- peer"

# === 2. JSON (5) ===========================================================
shim_run "$TMP/2.out" "$TMP/2.err" SOCKSHIM_LOG="file:$TMP/json-%p.log" \
    SOCKSHIM_LOG_FORMAT=json SOCKSHIM_LOG_LEVEL=info "$POLICY" \
    SOCKSHIM_KEEPALIVE=bogus
rc=$?
pid=$(cat "$TMP/pid")
same_out $rc "$TMP/2.out" "$TMP/nodelay.out" "json: stdout as expected"
J=$TMP/json-$pid.log
jcheck "json: every line is one JSON object ($(nlines "$J") lines)" \
    lines --min 4 "$J"
jcheck "json: ts, pid, tid, prog, level, kind on every line" every "$J" \
    'ts=~\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z' pid=="$pid" tid=="$pid" \
    prog=sockopts 'level=~error|warn|info|debug' kind
roles=$(roles "$J")
if [ "$roles" = "accept connect listen" ] &&
    _why=$("$PY" "$JCHECK" every "$J" @kind=policy 'fd>=0' family=inet \
        proto=tcp role local applied.TCP_NODELAY=on level=info 2>&1) &&
    _why=$("$PY" "$JCHECK" every "$J" @kind=policy '@role=~accept|connect' \
        peer 2>&1); then
    ok 0 "json: policy events have fd, family, proto, role, local, peer, applied{}"
else
    ok 1 "json: policy events have fd, family, proto, role, local, peer, applied{}"
    diag "policy roles: $roles (want accept connect listen)" "${_why:-}"
fi
lport=$("$PY" "$JCHECK" get "$J" local kind=policy role=listen)
case $lport in
127.0.0.1:*) _why= ;;
*) _why="the listener's local address: '$lport'" ;;
esac
if [ -z "$_why" ] &&
    _why=$("$PY" "$JCHECK" event "$J" policy @role=connect peer="$lport" 2>&1) &&
    _why=$("$PY" "$JCHECK" event "$J" policy @role=accept local="$lport" \
        'peer=~127\.0\.0\.1:.*' 2>&1); then
    ok 0 "json: addresses agree (client's peer = listener = accepted local)"
else
    ok 1 "json: addresses agree (client's peer = listener = accepted local)"
    diag "$_why"
fi
jcheck "json: the config_error object has where, value, problem, accepted" \
    event "$J" config_error where=SOCKSHIM_KEEPALIVE value=bogus level=warn \
    problem accepted

# === 4. levels (5) =========================================================
shim_run "$TMP/4.out" "$TMP/4.err" "$POLICY"
rc=$?
is "" "$(cat "$TMP/4.err")" "level warn (default): no info events on stderr"
same_out $rc "$TMP/4.out" "$TMP/nodelay.out" \
    "level warn (default): the policy applies all the same"
shim_run "$TMP/4.out" "$TMP/4.err" "$POLICY" SOCKSHIM_KEEPALIVE=bogus
is "1 1" "$(grep -c '' "$TMP/4.err") $(grep -c ': warn: config_error SOCKSHIM_KEEPALIVE=' "$TMP/4.err")" \
    "level warn (default): the config warning and nothing else"
# config_error is shown whatever the level: it is the user's only sign
# that a setting is ignored (sockshim(7)).
shim_run "$TMP/4.out" "$TMP/4.err" "$POLICY" SOCKSHIM_KEEPALIVE=bogus \
    SOCKSHIM_LOG_LEVEL=error
is 1 "$(grep -c ': warn: config_error SOCKSHIM_KEEPALIVE=' "$TMP/4.err")" \
    "level error: the config warning is still shown"
shim_run "$TMP/4.out" "$TMP/4.err" "$POLICY" SOCKSHIM_LOG_LEVEL=debug
is 3 "$(grep -c ': info: policy ' "$TMP/4.err")" \
    "level debug: includes the info-level policy events"

# === 5. planted symlinks and foreign files (12) ============================
printf 'precious\n' >"$TMP/target"
touch -d '2001-02-03 04:05:06.123456789' "$TMP/target"
cp -p "$TMP/target" "$TMP/target.orig"
before=$(stat -c '%i %s %y' "$TMP/target")
ln -s "$TMP/target" "$TMP/link"
shim_run "$TMP/5.out" "$TMP/5.err" SOCKSHIM_LOG="file:$TMP/link" \
    SOCKSHIM_LOG_LEVEL=info "$POLICY"
rc=$?
if cmp -s "$TMP/target" "$TMP/target.orig" &&
    [ "$before" = "$(stat -c '%i %s %y' "$TMP/target")" ] && [ -L "$TMP/link" ]
then ok 0 "symlink: target untouched (content, size, mtime)"; else
    ok 1 "symlink: target untouched (content, size, mtime)"
    diag "before: $before" "after:  $(stat -c '%i %s %y' "$TMP/target")"
    show_file "$TMP/target"
fi
same_out $rc "$TMP/5.out" "$TMP/nodelay.out" "symlink: program runs normally"
one_warning "$TMP/5.err" "$TMP/link" "symlink: refused with one warning on stderr"
is 3 "$(grep -c ': info: policy ' "$TMP/5.err")" \
    "symlink: the events go to stderr instead"

# A dangling symlink must not create its target (O_CREAT through a link).
ln -s "$TMP/created-through-link" "$TMP/dangling"
shim_run "$TMP/5.out" "$TMP/5.err" SOCKSHIM_LOG="file:$TMP/dangling" "$POLICY"
rc=$?
ok "$(test ! -e "$TMP/created-through-link"; echo $?)" \
    "dangling symlink: its target is not created"
same_out $rc "$TMP/5.out" "$TMP/nodelay.out" "dangling symlink: program runs normally"
one_warning "$TMP/5.err" "$TMP/dangling" "dangling symlink: one warning"

# A file owned by someone else (needs root to plant).
printf 'theirs\n' >"$TMP/foreign.log"
if [ "$(id -u)" = 0 ] && chown 65534 "$TMP/foreign.log" 2>/dev/null; then
    touch -d '2001-02-03 04:05:06' "$TMP/foreign.log"
    before=$(stat -c '%s %y' "$TMP/foreign.log")
    shim_run "$TMP/5.out" "$TMP/5.err" SOCKSHIM_LOG="file:$TMP/foreign.log" \
        SOCKSHIM_LOG_LEVEL=info "$POLICY"
    rc=$?
    is "$before theirs" "$(stat -c '%s %y' "$TMP/foreign.log") $(cat "$TMP/foreign.log")" \
        "file of another user: untouched"
    one_warning "$TMP/5.err" "$TMP/foreign.log" "file of another user: refused, one warning"
else
    skip "file of another user: untouched" "not root: cannot plant one"
    skip "file of another user: refused, one warning" "not root: cannot plant one"
fi

# A FIFO without reader: opening must neither block nor write.
mkfifo "$TMP/fifo"
start=$(date +%s)
shim_run "$TMP/5.out" "$TMP/5.err" SOCKSHIM_LOG="file:$TMP/fifo" \
    SOCKSHIM_LOG_LEVEL=info "$POLICY"
rc=$?
same_out $rc "$TMP/5.out" "$TMP/nodelay.out" \
    "fifo: no hang ($(($(date +%s) - start)) s), program runs normally"
one_warning "$TMP/5.err" "$TMP/fifo" "fifo: refused (not a regular file), one warning"

# === 6. /dev/full (4) ======================================================
shim_run "$TMP/6.out" "$TMP/6.err" SOCKSHIM_LOG=file:/dev/full \
    SOCKSHIM_LOG_LEVEL=info "$POLICY"
rc=$?
same_out $rc "$TMP/6.out" "$TMP/nodelay.out" "file:/dev/full: program runs normally"
one_warning "$TMP/6.err" /dev/full "file:/dev/full: refused (not a regular file), one warning"
# stderr itself on /dev/full: every write of ours fails with ENOSPC.
shim_run "$TMP/6.out" /dev/full SOCKSHIM_LOG=stderr SOCKSHIM_LOG_LEVEL=debug \
    "$POLICY" SOCKSHIM_KEEPALIVE=bogus
rc=$?
same_out $rc "$TMP/6.out" "$TMP/nodelay.out" \
    "stderr on /dev/full: no hang, no crash, same stdout and status"
# ... and a log file on a full file system (a tiny tmpfs, filled up).
if unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs -o size=64k tmpfs "$0"' \
    "$TMP" 2>/dev/null; then
    mkdir "$TMP/fullfs"
    bounded unshare -m sh -c '
        mount --make-rprivate / && mount -t tmpfs -o size=64k tmpfs "$0" || exit 99
        dd if=/dev/zero of="$0/fill" bs=4k 2>/dev/null
        exec "$@"' "$TMP/fullfs" env SOCKSHIM_LOG="file:$TMP/fullfs/x.log" \
        SOCKSHIM_LOG_LEVEL=debug "$POLICY" LD_PRELOAD="$PRELOAD" "$EX/sockopts" \
        >"$TMP/6.out" 2>"$TMP/6.err"
    same_out $? "$TMP/6.out" "$TMP/nodelay.out" \
        "log file on a full file system: no hang, same stdout and status"
else
    skip "log file on a full file system" "cannot mount a tmpfs in a private mount namespace"
fi

# === 7. missing and read-only directories (6) ==============================
shim_run "$TMP/7.out" "$TMP/7.err" SOCKSHIM_LOG="file:$TMP/nope/x.log" "$POLICY"
rc=$?
same_out $rc "$TMP/7.out" "$TMP/nodelay.out" "missing directory: program runs normally"
one_warning "$TMP/7.err" "$TMP/nope/x.log" "missing directory: one warning on stderr"
ok "$(test ! -e "$TMP/nope"; echo $?)" "missing directory: not created"

mkdir "$TMP/ro"
ro_how=
if [ "$(id -u)" != 0 ]; then
    chmod 555 "$TMP/ro" && ro_how="chmod"
elif unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs -o ro tmpfs "$0"' \
    "$TMP/ro" 2>/dev/null; then
    ro_how=mount # root ignores directory modes: a read-only tmpfs instead
fi
if [ -n "$ro_how" ]; then
    if [ $ro_how = chmod ]; then
        bounded env SOCKSHIM_LOG="file:$TMP/ro/x.log" "$POLICY" \
            LD_PRELOAD="$PRELOAD" "$EX/sockopts" >"$TMP/7.out" 2>"$TMP/7.err"
    else
        bounded unshare -m sh -c '
            mount --make-rprivate / && mount -t tmpfs -o ro tmpfs "$0" || exit 99
            exec "$@"' "$TMP/ro" env SOCKSHIM_LOG="file:$TMP/ro/x.log" \
            "$POLICY" LD_PRELOAD="$PRELOAD" "$EX/sockopts" \
            >"$TMP/7.out" 2>"$TMP/7.err"
    fi
    rc=$?
    same_out $rc "$TMP/7.out" "$TMP/nodelay.out" \
        "read-only directory ($ro_how): program runs normally"
    one_warning "$TMP/7.err" "$TMP/ro/x.log" "read-only directory ($ro_how): one warning"
    ok "$(test ! -e "$TMP/ro/x.log"; echo $?)" "read-only directory ($ro_how): no file"
else
    for d in "program runs normally" "one warning" "no file"; do
        skip "read-only directory: $d" \
            "root ignores directory modes and a ro tmpfs cannot be mounted here"
    done
fi

# === 8. concurrent writers on one file (3) =================================
cat >"$TMP/churn.py" <<'EOF'
import os, socket, sys
n = int(sys.argv[1])
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(64)
for i in range(n):
    c = socket.socket()
    c.connect(l.getsockname())
    a, _ = l.accept()
    a.close()
    c.close()
l.close()
print(os.getpid())
EOF
CHURN=200 # connections per process: 1 + 2 * CHURN policy events
pids=
for i in 1 2 3 4; do
    bounded env SOCKSHIM_LOG="file:$TMP/shared.log" SOCKSHIM_LOG_FORMAT=json \
        SOCKSHIM_LOG_LEVEL=info "$POLICY" LD_PRELOAD="$PRELOAD" \
        "$PY" "$TMP/churn.py" $CHURN >"$TMP/churn.$i" 2>&1 &
    pids="$pids $!"
done
rcs=
for p in $pids; do
    wait "$p"
    rcs="$rcs $?"
done
is " 0 0 0 0" "$rcs" "4 concurrent writers: all exit 0"
# A policy event without its pid would not be counted for any writer.
jcheck "4 concurrent writers: $(nlines "$TMP/shared.log") lines, each one complete JSON object" \
    every "$TMP/shared.log" @kind=policy pid
_why=
writers=$(cat "$TMP"/churn.[1-4])
for p in $writers; do
    n=$("$PY" "$JCHECK" count "$TMP/shared.log" kind=policy pid=="$p")
    [ "$n" = $((1 + 2 * CHURN)) ] || _why="$_why pid $p: ${n:-?};"
done
n=$("$PY" "$JCHECK" count "$TMP/shared.log" kind=policy)
[ "$n" = $((4 * (1 + 2 * CHURN))) ] || _why="$_why all pids: ${n:-?}"
ok "$([ -z "$_why" ]; echo $?)" \
    "4 concurrent writers: $((1 + 2 * CHURN)) policy events from each, none lost"
[ -z "$_why" ] || diag "policy events per pid:$_why"

# === 9. fork: one file per process with %p (4) =============================
cat >"$TMP/fork.py" <<'EOF'
import os, socket
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(8)
child = os.fork()
if child == 0:
    c = socket.create_connection(l.getsockname())
    c.close()
    os._exit(0)
c = socket.create_connection(l.getsockname())
a1, _ = l.accept()
a2, _ = l.accept()
os.waitpid(child, 0)
print(os.getpid(), child)
EOF
bounded env SOCKSHIM_LOG="file:$TMP/f-%p.log" SOCKSHIM_LOG_FORMAT=json \
    SOCKSHIM_LOG_LEVEL=info "$POLICY" LD_PRELOAD="$PRELOAD" \
    "$PY" "$TMP/fork.py" >"$TMP/9.out" 2>"$TMP/9.err"
rc=$?
read -r parent child <"$TMP/9.out"
is "0 $(printf '%s\n' "$TMP/f-$parent.log" "$TMP/f-$child.log" | LC_ALL=C sort | tr '\n' ' ')" \
    "$rc $(for f in "$TMP"/f-*.log; do echo "$f"; done | LC_ALL=C sort | tr '\n' ' ')" \
    "fork: two files, f-PARENT.log and f-CHILD.log"
for who in parent child; do
    if [ $who = parent ]; then
        p=${parent:-0} want="accept accept connect listen"
    else
        p=${child:-0} want="connect"
    fi
    d="fork: the $who's file holds only its own events ($(echo "$want" | sed 's/ /, /g'))"
    if _why=$("$PY" "$JCHECK" every "$TMP/f-$p.log" pid=="$p" 2>&1) &&
        [ "$(roles "$TMP/f-$p.log")" = "$want" ]; then
        ok 0 "$d"
    else
        ok 1 "$d"
        diag "$_why" "policy roles: $(roles "$TMP/f-$p.log")"
    fi
done
is "" "$(cat "$TMP/9.err")" "fork: nothing on stderr"

# === 9b. a file only for a process with something to say (4) ==============
# A service's processes that log nothing leave no empty file behind: the
# file is created at the first line. At the default level (warn) a
# correct socket is silent; a close() of a descriptor never opened is a
# double_close (error).
cat >"$TMP/quiet.py" <<'EOF'
import os, socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
s.close()
quiet = os.fork()
if quiet == 0:
    socket.socket().close()
    os._exit(0)
noisy = os.fork()
if noisy == 0:
    try:
        os.close(900)
    except OSError:
        pass
    os._exit(0)
os.waitpid(quiet, 0)
os.waitpid(noisy, 0)
print(os.getpid(), quiet, noisy)
EOF
bounded env SOCKSHIM_LOG="file:$TMP/q-%p.log" "$POLICY" \
    LD_PRELOAD="$PRELOAD" "$PY" "$TMP/quiet.py" >"$TMP/9b.out" 2>"$TMP/9b.err"
rc=$?
read -r parent quiet noisy <"$TMP/9b.out"
is "0 $TMP/q-${noisy:-X}.log" \
    "$rc $(for f in "$TMP"/q-*.log; do echo "$f"; done | tr '\n' ' ' | sed 's/ $//')" \
    "lazy file: only the process that logged has a file (not the parent $parent, not the quiet child $quiet)"
like "$(cat "$TMP/q-${noisy:-X}.log" 2>/dev/null)" \
    "^sockshim\\[${noisy:-X}\\]: error: double_close fd=900 " \
    "lazy file: it holds that process's double_close"
is "600" "$(stat -c '%a' "$TMP/q-${noisy:-X}.log" 2>&1)" \
    "lazy file: created mode 0600 at its first line"
is "" "$(cat "$TMP/9b.err")" "lazy file: nothing on stderr"

# === 10. syslog (6) ========================================================
# The library writes to /dev/log, which this machine may not have. It is
# provided in a private mount namespace: a tmpfs over /dev holding the
# usual nodes (bind-mounted back) and a python3 datagram receiver bound at
# /dev/log. Nothing outside the namespace changes.
cat >"$TMP/syslogd.py" <<'EOF'
# syslogd.py GOT MODE CMD...: receive at /dev/log while CMD runs; MODE
# "read" drains as datagrams come, "stall" never reads (a hung syslogd).
import os, socket, subprocess, sys, threading
got, mode, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
grams = []
def drain():
    while True:
        d = s.recv(65536)
        if d == b"STOP":
            return
        grams.append(d)
t = threading.Thread(target=drain, daemon=True)
if mode == "read":
    t.start()
try:
    rc = subprocess.run(cmd, timeout=5).returncode
except subprocess.TimeoutExpired:
    rc = 124
if mode == "read":
    c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    c.sendto(b"STOP", "/dev/log")
    t.join(5)
with open(got, "wb") as f:
    for d in grams:
        f.write(d.replace(b"\n", b"\\n") + b"\n")
sys.exit(rc)
EOF
# ns_syslog MODE CMD...: run under the private /dev (status 99: no set-up)
ns_syslog() {
    mkdir -p "$TMP/olddev"
    bounded unshare -m sh -c '
        T=$0
        mount --make-rprivate / && mount --bind /dev "$T/olddev" &&
            mount -t tmpfs -o mode=755 tmpfs /dev || exit 99
        for d in null zero full random urandom; do
            : >"/dev/$d" && mount --bind "$T/olddev/$d" "/dev/$d" || exit 99
        done
        exec "$@"' "$TMP" "$PY" "$TMP/syslogd.py" "$TMP/syslog.got" "$@"
}
if ! unshare -m true 2>/dev/null; then
    for d in "events reach /dev/log" "priority prefix <14> on policy" \
        "priority <12> on the config warning" "stdout unchanged" "nothing on stderr" \
        "a syslogd that does not read: no hang"; do
        skip "syslog: $d" "no private mount namespace (unshare -m) to provide /dev/log"
    done
else
    ns_syslog read sh -c 'echo $$ >"$0"; exec "$@"' "$TMP/pid" env \
        SOCKSHIM_LOG=syslog SOCKSHIM_LOG_LEVEL=info "$POLICY" SOCKSHIM_KEEPALIVE=bogus \
        LD_PRELOAD="$PRELOAD" "$EX/sockopts" >"$TMP/10.out" 2>"$TMP/10.err"
    rc=$?
    pid=$(cat "$TMP/pid")
    is 5 "$(grep -c '' "$TMP/syslog.got" 2>/dev/null)" \
        "syslog: events reach /dev/log (1 warning + 3 policy datagrams + the summary)"
    like "$(cat "$TMP/syslog.got" 2>/dev/null)" \
        "^<14>[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} sockopts\[$pid\]: sockshim: info: policy fd=[0-9]+ tcp 127\.0\.0\.1:[0-9]+ role=listen TCP_NODELAY=on\$" \
        "syslog: <14> (user.info), date, TAG[PID] as syslog(3) sends them, then the text line"
    like "$(cat "$TMP/syslog.got" 2>/dev/null)" \
        "^<12>[A-Z][a-z]{2} [ 1-3][0-9] [0-9:]{8} sockopts\[$pid\]: sockshim: warn: config_error SOCKSHIM_KEEPALIVE=\"bogus\"" \
        "syslog: <12> (user.warning) on the config warning"
    same_out $rc "$TMP/10.out" "$TMP/nodelay.out" "syslog: stdout unchanged"
    is "" "$(cat "$TMP/10.err")" "syslog: nothing on stderr"
    # Guarantee 2 (never hangs): a stalled syslogd fills the datagram queue
    # (net.unix.max_dgram_qlen, 10 by default); 41 events must not block.
    ns_syslog stall env SOCKSHIM_LOG=syslog SOCKSHIM_LOG_LEVEL=info "$POLICY" \
        LD_PRELOAD="$PRELOAD" "$PY" "$TMP/churn.py" 20 >"$TMP/10.out" 2>"$TMP/10.err"
    rc=$?
    is 0 "$rc" "syslog: a syslogd that does not read: no hang (status 124 = hung 5 s)"
fi
# Without /dev/log (outside the namespace): a warning, then stderr.
if [ -e /dev/log ]; then
    skip "syslog without /dev/log: program runs normally" "this machine has /dev/log"
    skip "syslog without /dev/log: one warning on stderr" "this machine has /dev/log"
else
    shim_run "$TMP/10.out" "$TMP/10.err" SOCKSHIM_LOG=syslog "$POLICY"
    same_out $? "$TMP/10.out" "$TMP/nodelay.out" "syslog without /dev/log: program runs normally"
    one_warning "$TMP/10.err" /dev/log "syslog without /dev/log: one warning on stderr"
fi

# === 11. secure execution (8) ==============================================
# ld.so ignores an LD_PRELOAD path for a setuid program, so the library's
# own AT_SECURE branch is reached the only way ld.so allows: a preload
# named without a slash, found in a system directory, with its set-user-ID
# bit on. In a private mount namespace an overlay adds such a copy to
# /usr/lib/<multiarch>; the setuid program runs as nobody, and a plain copy
# of it is the control that proves the same set-up does load sockshim.
SECURE_DESCS="ld.so ignores LD_PRELOAD=PATH for setuid|control: non-setuid copy is shimmed|setuid: AT_SECURE set and sockshim mapped|setuid: options unchanged|setuid: no log file|setuid: nothing on stderr|setuid with LD_PRELOAD=PATH: no log file, options unchanged|setuid with LD_PRELOAD=PATH: nothing on stderr"
secure_skip() {
    _IFS=$IFS
    IFS='|'
    for d in $SECURE_DESCS; do skip "secure: $d" "$1"; done
    IFS=$_IFS
}
multiarch=$(dirname "$(ldd "$EX/sockopts" | sed -n 's/.*=> \(\/[^ ]*libc\.so[^ ]*\).*/\1/p')")
if [ "$(id -u)" != 0 ]; then
    secure_skip "needs root: a setuid-root copy run as another user"
elif ! id nobody >/dev/null 2>&1 || ! command -v setpriv >/dev/null; then
    secure_skip "needs the nobody user and setpriv"
elif ! [ -d "$multiarch" ] || ! mkdir -p "$TMP/secure/up" "$TMP/secure/work" ||
    ! unshare -m sh -c 'mount --make-rprivate / && mount -t overlay overlay \
        -o "lowerdir=$0,upperdir=$1/up,workdir=$1/work" "$0"' \
        "$multiarch" "$TMP/secure" 2>/dev/null; then
    secure_skip "cannot overlay libc's directory ($multiarch) in a private mount namespace"
else
    diag "secure: sockshim reaches its AT_SECURE branch through a set-user-ID copy" \
        "of the library in $multiarch (overlay, private mount namespace)"
    S=$TMP/secure
    mkdir -p "$S/logs"
    chmod 755 "$TMP" "$S"
    chmod 777 "$S/logs"
    cp "$SHIM_LIB" "$S/up/libsockshim-secure-test.so"
    chmod 4755 "$S/up/libsockshim-secure-test.so"
    # run.sh S NAME PRELOAD MULTIARCH: run $S/NAME as nobody holding 1 s; records
    # NAME.out, NAME.err, NAME.rc and, while it holds, NAME.secure (the
    # AT_SECURE value from /proc/PID/auxv) and NAME.mapped (sockshim maps).
    cat >"$S/run.sh" <<'EOF'
S=$1 name=$2 preload=$3 multiarch=$4
mount --make-rprivate / &&
    mount -t overlay overlay -o "lowerdir=$multiarch,upperdir=$S/up,workdir=$S/work" \
        "$multiarch" || exit 99
sh -c 'echo $$ >"$0"; exec "$@"' "$S/$name.pid" setpriv --reuid=65534 \
    --regid=65534 --clear-groups env LD_PRELOAD="$preload" \
    SOCKSHIM_LOG="file:$S/logs/$name.log" SOCKSHIM_LOG_LEVEL=info \
    SOCKSHIM_NODELAY=on SOCKSHIM_KEEPALIVE=bogus "$S/$name" --hold 1 \
    >"$S/$name.out" 2>"$S/$name.err" &
job=$!
i=0
while [ "$(grep -c '' "$S/$name.out" 2>/dev/null)" != 3 ] && [ $i -lt 100 ]; do
    sleep 0.05
    i=$((i + 1))
done
pid=$(cat "$S/$name.pid")
od -An -v -t u8 -w16 "/proc/$pid/auxv" | awk '$1 == 23 { print $2 }' >"$S/$name.secure"
grep -c libsockshim "/proc/$pid/maps" >"$S/$name.mapped"
wait $job
echo $? >"$S/$name.rc"
EOF
    secure_case() { # secure_case NAME MODE PRELOAD
        cp "$EX/sockopts" "$S/$1" && chmod "$2" "$S/$1"
        bounded unshare -m sh "$S/run.sh" "$S" "$1" "$3" "$multiarch"
    }
    secure_case sockopts-plain 755 libsockshim-secure-test.so
    secure_case sockopts-suid 4755 libsockshim-secure-test.so
    secure_case sockopts-suid-path 4755 "$SHIM_LIB"
    is 0 "$(cat "$S/sockopts-suid-path.mapped" 2>&1)" \
        "secure: ld.so ignores LD_PRELOAD=PATH for setuid (library not mapped)"
    if cmp -s "$S/sockopts-plain.out" "$TMP/nodelay.out" &&
        [ -s "$S/logs/sockopts-plain.log" ] &&
        [ "$(cat "$S/sockopts-plain.secure")" = 0 ]; then
        ok 0 "secure: control: non-setuid copy is shimmed (policy, log file)"
    else
        ok 1 "secure: control: non-setuid copy is shimmed (policy, log file)"
        diag "AT_SECURE=$(cat "$S/sockopts-plain.secure")"
        show_file "$S/sockopts-plain.out"
        show_file "$S/sockopts-plain.err"
    fi
    is "AT_SECURE=1 mapped=yes" \
        "AT_SECURE=$(cat "$S/sockopts-suid.secure") mapped=$([ "$(cat "$S/sockopts-suid.mapped")" -gt 0 ] 2>/dev/null && echo yes || echo no)" \
        "secure: setuid run has AT_SECURE set and sockshim mapped"
    if cmp -s "$S/sockopts-suid.out" "$TMP/plain.out" &&
        [ "$(cat "$S/sockopts-suid.rc")" = 0 ]; then
        ok 0 "secure: setuid: options unchanged (no environment read)"
    else
        ok 1 "secure: setuid: options unchanged (no environment read)"
        diag "status $(cat "$S/sockopts-suid.rc")"
        show_file "$S/sockopts-suid.out"
    fi
    ok "$(test ! -e "$S/logs/sockopts-suid.log"; echo $?)" "secure: setuid: no log file"
    is "" "$(cat "$S/sockopts-suid.err")" \
        "secure: setuid: nothing on stderr (SOCKSHIM_KEEPALIVE=bogus unread)"
    if cmp -s "$S/sockopts-suid-path.out" "$TMP/plain.out" &&
        [ ! -e "$S/logs/sockopts-suid-path.log" ]; then
        ok 0 "secure: setuid with LD_PRELOAD=PATH: no log file, options unchanged"
    else
        ok 1 "secure: setuid with LD_PRELOAD=PATH: no log file, options unchanged"
        show_file "$S/sockopts-suid-path.out"
    fi
    is "" "$(cat "$S/sockopts-suid-path.err")" \
        "secure: setuid with LD_PRELOAD=PATH: nothing on stderr"
fi

# === 12. fd 2 closed and reused by a socket (checklist 20) (4) =============
cat >"$TMP/fd2.py" <<'EOF'
# fd2.py closed|reused: a connected socket at fd 2; its peer must receive
# exactly what the program sent, not one byte of sockshim's log.
import os, socket, sys
if sys.argv[1] == "reused":
    os.close(2)            # sockshim opened its stderr log before this
c = socket.socket()        # the lowest free number: 2
assert c.fileno() == 2, c.fileno()
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
c.connect(l.getsockname())
a, _ = l.accept()
c.sendall(b"payload")
c.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = a.recv(4096)
    if not d:
        break
    got += d
os.write(1, repr(got).encode() + b"\n")
EOF
# Started with fd 2 closed: sockshim has no stderr at all.
bounded env SOCKSHIM_LOG_LEVEL=debug "$POLICY" SOCKSHIM_KEEPALIVE=bogus \
    LD_PRELOAD="$PRELOAD" "$PY" "$TMP/fd2.py" closed >"$TMP/12.out" 2>&-
rc=$?
is "0 b'payload'" "$rc $(cat "$TMP/12.out")" \
    "fd 2 closed at start, then a socket: its peer gets only the program's bytes"
# fd 2 closed after start-up: the log still goes to the original stderr.
bounded env SOCKSHIM_LOG_LEVEL=debug "$POLICY" SOCKSHIM_KEEPALIVE=bogus \
    LD_PRELOAD="$PRELOAD" "$PY" "$TMP/fd2.py" reused >"$TMP/12.out" 2>"$TMP/12.err"
rc=$?
is "0 b'payload'" "$rc $(cat "$TMP/12.out")" \
    "fd 2 closed later and reused by a socket: its peer gets only the program's bytes"
like "$(cat "$TMP/12.err")" 'config_error SOCKSHIM_KEEPALIVE=' \
    "fd 2 reused: the start-up warning reached the original stderr"
is 2 "$(grep -c ': info: policy .*role=\(connect\|accept\)' "$TMP/12.err")" \
    "fd 2 reused: later events still reach the original stderr"
