#!/bin/sh
# robustness.sh — hostile programs and hostile surroundings (README.md,
# "Guarantees and limits": errno, signals, small stacks, threads, our own
# descriptors): errno at main() whatever happens to the log; a bad address
# to connect(); a signal handler on a small alternate stack; a thread with
# a 16 KiB stack; socket/close races against the enforce mode; a failed
# setsockopt() that is not the program's choice; a stderr whose reader is
# gone (SIGPIPE), that is a TCP socket (inetd), or that nobody reads (a
# full pipe). Every run is compared with the run without sockshim, and
# every check that could pass vacuously has a control showing the set-up
# would catch the failure.
# The sh -c scripts are single-quoted on purpose (SC2016).
# shellcheck disable=SC2016
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/runs.sh"

# A hang is a failure: each run takes milliseconds (close-race ~1 s).
TEST_TIMEOUT=${TEST_TIMEOUT:-30}
PY=/usr/bin/python3
HELPER=$BUILD/t/helpers/hostile
[ -x "$HELPER" ] || bail "$HELPER not built"
[ -x "$PY" ] || skip_all "$PY not found"

plan 45


# A private /dev (tmpfs, the usual nodes bound back) in a private mount
# namespace, where devlog.py provides /dev/log or not. Nothing outside the
# namespace changes; without unshare -m those checks are skipped.
cat >"$TMP/devlog.py" <<'EOF'
# devlog.py MODE GOT CMD...: run CMD with /dev/log in state MODE: "none"
# (absent), "read" (a receiver draining datagrams into GOT, one a line) or
# "stale" (a socket file nobody listens on: ECONNREFUSED).
import os, socket, subprocess, sys, threading
mode, got, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
grams = []
if mode in ("read", "stale"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("/dev/log")
    if mode == "stale":
        s.close()
    else:
        def drain():
            while True:
                d = s.recv(65536)
                if d == b"STOP":
                    return
                grams.append(d)
        t = threading.Thread(target=drain, daemon=True)
        t.start()
try:
    rc = subprocess.run(cmd, timeout=20).returncode
except subprocess.TimeoutExpired:
    rc = 124
if rc < 0:
    rc = 128 - rc
if mode == "read":
    c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    c.sendto(b"STOP", "/dev/log")
    t.join(5)
with open(got, "wb") as f:
    for d in grams:
        f.write(d.replace(b"\n", b"\\n") + b"\n")
sys.exit(rc)
EOF
# ns_go TAG MODE [VAR=VALUE...] PROGRAM ARGS...: as go TAG shim, under the
# private /dev with /dev/log in MODE; datagrams in $TMP/TAG.got.
ns_go() {
    _tag=$1 _mode=$2
    shift 2
    mkdir -p "$TMP/olddev"
    bounded unshare -m sh -c '
        T=$0
        mount --make-rprivate / && mount --bind /dev "$T/olddev" &&
            mount -t tmpfs -o mode=755 tmpfs /dev || exit 99
        for d in null zero full random urandom; do
            : >"/dev/$d" && mount --bind "$T/olddev/$d" "/dev/$d" || exit 99
        done
        exec "$@"' "$TMP" "$PY" "$TMP/devlog.py" "$_mode" "$TMP/$_tag.got" \
        env LD_PRELOAD="$PRELOAD" "$@" >"$TMP/$_tag.out" 2>"$TMP/$_tag.err"
    rc=$?
}
if unshare -m true 2>/dev/null; then NS=yes; else NS=; fi

# A config warning at start (SOCKSHIM_KEEPALIVE=10x) makes sockshim write
# to its log before main(), whatever the level.
BAD=SOCKSHIM_KEEPALIVE=10x

# === 1. errno at main() (10) ===============================================
# C: errno is 0 when main() starts. The constructor fails to open the log
# (ENOENT, ECONNREFUSED, EBADF) and writes a warning; none of that may
# show. The warning's presence proves the failing path ran.
go 1plain plain "$HELPER" errno-at-main
expect 1plain errno=0 "errno at main: 0 without sockshim"
go 1file shim SOCKSHIM_LOG=file:/nonexistent/dir/x.log "$BAD" "$HELPER" errno-at-main
expect 1file errno=0 "errno at main: 0 with SOCKSHIM_LOG=file:/nonexistent/dir/x.log"
like "$(cat "$TMP/1file.err")" 'config_error SOCKSHIM_LOG=.*/nonexistent/dir/x\.log' \
    "errno at main: (the log file could not be opened: warning on stderr)"
if [ -e /dev/log ]; then
    skip "errno at main: 0 with SOCKSHIM_LOG=syslog, no /dev/log" "this machine has /dev/log (see the namespace checks)"
    skip "errno at main: (no /dev/log: warning on stderr)" "this machine has /dev/log"
else
    go 1syslog shim SOCKSHIM_LOG=syslog "$BAD" "$HELPER" errno-at-main
    expect 1syslog errno=0 "errno at main: 0 with SOCKSHIM_LOG=syslog, no /dev/log"
    like "$(cat "$TMP/1syslog.err")" 'config_error SOCKSHIM_LOG=.*/dev/log' \
        "errno at main: (no /dev/log: warning on stderr)"
fi
bounded env LD_PRELOAD="$PRELOAD" SOCKSHIM_LOG_LEVEL=info "$BAD" \
    "$HELPER" errno-at-main >"$TMP/1closed.out" 2>&-
rc=$?
: >"$TMP/1closed.err"
expect 1closed errno=0 "errno at main: 0 with stderr closed (fstat EBADF) and a warning to log"
if [ -n "$NS" ]; then
    ns_go 1ns-none none SOCKSHIM_LOG=syslog "$BAD" "$HELPER" errno-at-main
    expect 1ns-none errno=0 "errno at main: 0 with SOCKSHIM_LOG=syslog, /dev/log absent (private /dev)"
    ns_go 1ns-read read SOCKSHIM_LOG=syslog "$BAD" "$HELPER" errno-at-main
    expect 1ns-read errno=0 "errno at main: 0 with SOCKSHIM_LOG=syslog, /dev/log present"
    like "$(cat "$TMP/1ns-read.got" 2>/dev/null)" '^<12>[A-Z][a-z]{2} [ 1-3][0-9] [0-9:]{8} [^ ]+\[[0-9]+\]: sockshim: warn: config_error SOCKSHIM_KEEPALIVE=' \
        "errno at main: (the warning went to /dev/log)"
    ns_go 1ns-stale stale SOCKSHIM_LOG=syslog "$BAD" "$HELPER" errno-at-main
    expect 1ns-stale errno=0 "errno at main: 0 with SOCKSHIM_LOG=syslog, /dev/log nobody listens on (ECONNREFUSED)"
else
    for d in "/dev/log absent (private /dev)" "/dev/log present" \
        "(the warning went to /dev/log)" "/dev/log nobody listens on"; do
        skip "errno at main: syslog, $d" "no private mount namespace (unshare -m)"
    done
fi

# === 2. connect(), readv(), recvmsg() with bad pointers (8) ==================
# Guarantee 1 and 2: the program gets libc's EFAULT, sockshim does not
# fault reading the address. --no-vm-readv: a sandbox (seccomp) refuses
# process_vm_readv() with EPERM, as some container profiles do.
EFAULT_LINE="rc=-1 errno=EFAULT"
go 2plain plain "$HELPER" bad-connect-addr
expect 2plain "$EFAULT_LINE" "bad connect address: EFAULT without sockshim"
go 2nodelay shim SOCKSHIM_NODELAY=on SOCKSHIM_LOG_LEVEL=info "$HELPER" bad-connect-addr
expect 2nodelay "$EFAULT_LINE" "bad connect address: EFAULT, no crash (enforce, nodelay, level info)"
go 2audit shim SOCKSHIM_MODE=audit SOCKSHIM_CONNECT_TIMEOUT=1s SOCKSHIM_LOG_LEVEL=info \
    "$HELPER" bad-connect-addr
expect 2audit "$EFAULT_LINE" "bad connect address: EFAULT, no crash (audit, connect_timeout 1s)"
go 2timeout shim SOCKSHIM_CONNECT_TIMEOUT=1s SOCKSHIM_LOG_LEVEL=info \
    "$HELPER" bad-connect-addr
expect 2timeout "$EFAULT_LINE" "bad connect address: EFAULT, no crash (enforce, connect_timeout 1s)"
# readv()/recvmsg() with a bad iovec or message: the kernel's EFAULT, not
# a fault in sockshim (which looks at them only after a return of 0).
IOV_LINE="readv rc=-1 errno=EFAULT recvmsg rc=-1 errno=EFAULT"
go 2iovplain plain "$HELPER" bad-read-iov
expect 2iovplain "$IOV_LINE" "readv/recvmsg with bad pointers: EFAULT without sockshim"
go 2iov shim SOCKSHIM_LOG_LEVEL=info "$HELPER" bad-read-iov
expect 2iov "$IOV_LINE" "readv/recvmsg with bad pointers: EFAULT, no crash"
go 2seccomp-plain plain "$HELPER" bad-connect-addr --no-vm-readv
if [ "$rc" = 1 ] && grep -q 'hostile: seccomp\|not refused' "$TMP/2seccomp-plain.err"; then
    skip "bad connect address, process_vm_readv forbidden: EFAULT without sockshim" \
        "cannot install a seccomp filter: $(head -n 1 "$TMP/2seccomp-plain.err")"
    skip "bad connect address, process_vm_readv forbidden: EFAULT, no crash" "no seccomp"
else
    expect 2seccomp-plain "$EFAULT_LINE" \
        "bad connect address, process_vm_readv forbidden: EFAULT without sockshim"
    go 2seccomp shim SOCKSHIM_NODELAY=on SOCKSHIM_LOG_LEVEL=info \
        "$HELPER" bad-connect-addr --no-vm-readv
    expect 2seccomp "$EFAULT_LINE" \
        "bad connect address, process_vm_readv forbidden: EFAULT, no crash"
fi

# === 3. a signal handler on an 8 KiB sigaltstack (2) =======================
# Guarantee 4: the handler's socket()/connect()/close() run through the
# policy and the log on the alternate stack; a guard page below it turns an
# overflow into SIGSEGV (status 139).
go 3plain plain "$HELPER" altstack
expect 3plain "altstack ok" "altstack: handler connects without sockshim"
diag "$(grep 'altstack used' "$TMP/3plain.err")"
go 3shim shim SOCKSHIM_NODELAY=on SOCKSHIM_LOG_LEVEL=info "$HELPER" altstack
expect 3shim "altstack ok" "altstack: handler connects under sockshim (nodelay, level info), no overflow"

# === 4. a thread with a 16 KiB stack (6) ===================================
go 4plain plain "$HELPER" small-thread
expect 4plain "small-thread ok" "small thread: runs without sockshim"
go 4shim shim SOCKSHIM_NODELAY=on SOCKSHIM_KEEPALIVE=60 SOCKSHIM_LOG_LEVEL=info \
    "$HELPER" small-thread
expect 4shim "small-thread ok" "small thread: runs under sockshim (nodelay, keepalive, level info)"
is 3 "$(grep -c ': info: policy fd=' "$TMP/4shim.err")" \
    "small thread: (the 3 policy events were logged from that thread)"
go 4syslog shim SOCKSHIM_LOG=syslog SOCKSHIM_NODELAY=on SOCKSHIM_KEEPALIVE=60 \
    SOCKSHIM_LOG_LEVEL=info "$HELPER" small-thread
expect 4syslog "small-thread ok" "small thread: runs with SOCKSHIM_LOG=syslog$([ -e /dev/log ] || echo ' (no /dev/log: stderr)')"
if [ -n "$NS" ]; then
    ns_go 4ns read SOCKSHIM_LOG=syslog SOCKSHIM_NODELAY=on SOCKSHIM_KEEPALIVE=60 \
        SOCKSHIM_LOG_LEVEL=info "$HELPER" small-thread
    expect 4ns "small-thread ok" "small thread: runs with SOCKSHIM_LOG=syslog, /dev/log present"
    is 3 "$(grep -cE '^<14>[A-Z][a-z]{2} [ 1-3][0-9] [0-9:]{8} [^ ]+\[[0-9]+\]: sockshim: info: policy fd=' "$TMP/4ns.got" 2>/dev/null)" \
        "small thread: (the 3 policy events went to /dev/log)"
else
    skip "small thread: runs with SOCKSHIM_LOG=syslog, /dev/log present" "no unshare -m"
    skip "small thread: (the 3 policy events went to /dev/log)" "no unshare -m"
fi

# === 5. socket/close race against enforce mode (3) =========================
# 8 threads x 5000 listeners, each with the program's SO_KEEPALIVE=0 set
# before listen(): in enforce mode the program's value stands on every one,
# whatever fd numbers the threads recycle. Control: force mode replaces it
# on every one, so the counter does see overrides.
go 5plain plain "$HELPER" close-race
expect 5plain overridden=0 "close race: no override without sockshim"
go 5shim shim SOCKSHIM_KEEPALIVE=on "$HELPER" close-race
expect 5shim overridden=0 "close race: enforce mode keeps the program's SO_KEEPALIVE=0 on all 40000"
go 5force shim SOCKSHIM_KEEPALIVE=on SOCKSHIM_MODE=force "$HELPER" close-race
expect 5force overridden=40000 "close race: (control: force mode overrides all 40000)"

# === 6. a failed setsockopt() is not the program's choice (2) ==============
go 6plain plain "$HELPER" failed-setsockopt
expect 6plain linger=off "failed setsockopt: SO_LINGER stays off without sockshim"
go 6shim shim SOCKSHIM_LINGER=5 "$HELPER" failed-setsockopt
expect 6shim linger=on:5s "failed setsockopt: SOCKSHIM_LINGER=5 still applies (the EINVAL call is not a choice)"

# === 7. stderr is a pipe whose reader is gone: no SIGPIPE (5) ==============
# nopipe.py makes a pipe, closes its read end, puts the write end on fd 2
# and execs CMD with SIGPIPE at its default (python ignores it, and exec
# would pass that on). Deterministic: the reader is gone before CMD starts.
cat >"$TMP/nopipe.py" <<'EOF'
import os, signal, sys
r, w = os.pipe()
os.close(r)
os.dup2(w, 2)
os.close(w)
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])
EOF
LOUD="$BAD SOCKSHIM_NODELAY=on SOCKSHIM_LOG_LEVEL=info"
bounded "$PY" "$TMP/nopipe.py" sh -c 'echo canary >&2; echo survived' >"$TMP/7ctl.out"
is 141 "$?" "no reader: (control: a write to that stderr dies of SIGPIPE, status 141)"
# shellcheck disable=SC2086 # LOUD is a list of settings
bounded "$PY" "$TMP/nopipe.py" env $LOUD "$HELPER" sigpipe-stderr >"$TMP/7plain.out"
rc=$?
: >"$TMP/7plain.err"
expect 7plain "done" "no reader: helper runs without sockshim"
# shellcheck disable=SC2086 # LOUD is a list of settings
bounded "$PY" "$TMP/nopipe.py" env LD_PRELOAD="$PRELOAD" $LOUD "$HELPER" sigpipe-stderr \
    >"$TMP/7shim.out"
rc=$?
: >"$TMP/7shim.err"
expect 7shim "done" "no reader: under sockshim (a warning and policy events to log), status 0, no SIGPIPE"
# The same the shell way: stderr into "| true", which has exited after
# the sleep; the status comes out through a file.
# shellcheck disable=SC2086 # LOUD is a list of settings
{
    bounded sh -c 'sleep 0.5; exec "$@"' sh env LD_PRELOAD="$PRELOAD" $LOUD \
        "$HELPER" sigpipe-stderr >"$TMP/7sh.out"
    echo "status=$?" >"$TMP/7sh.st"
} 2>&1 | true
is "status=0 done" "$(cat "$TMP/7sh.st") $(cat "$TMP/7sh.out")" \
    "no reader (sh -c ... 2>&1 | true): status 0, no SIGPIPE"
{
    bounded sh -c 'sleep 0.5; exec "$@"' sh sh -c 'echo canary >&2; echo survived' \
        >"$TMP/7shctl.out"
    echo "status=$?" >"$TMP/7shctl.st"
} 2>&1 | true
is "status=141" "$(cat "$TMP/7shctl.st")" \
    "no reader (sh -c ... 2>&1 | true): (control: a write to that stderr dies, 141)"

# === 8. inetd-style: stderr is a connected TCP socket (4) ==================
# tcpstderr.py accepts its own connection on 127.0.0.1 and runs CMD with
# the client end as fd 2; GOT receives every byte the peer got.
cat >"$TMP/tcpstderr.py" <<'EOF'
import socket, subprocess, sys, threading
got, cmd = sys.argv[1], sys.argv[2:]
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
c = socket.create_connection(l.getsockname())
a, _ = l.accept()
l.close()
data = []
def reader():
    while True:
        b = a.recv(65536)
        if not b:
            return
        data.append(b)
t = threading.Thread(target=reader, daemon=True)
t.start()
try:
    rc = subprocess.run(cmd, stderr=c.fileno(), timeout=20).returncode
except subprocess.TimeoutExpired:
    rc = 124
c.close()
t.join(5)
with open(got, "wb") as f:
    f.write(b"".join(data))
sys.exit(128 - rc if rc < 0 else rc)
EOF
bounded "$PY" "$TMP/tcpstderr.py" "$TMP/8ctl.got" sh -c 'echo canary >&2' >/dev/null
is "0 canary" "$? $(cat "$TMP/8ctl.got" 2>/dev/null)" \
    "inetd stderr: (control: what the program writes to fd 2 reaches the peer)"
bounded "$PY" "$TMP/tcpstderr.py" "$TMP/8plain.got" "$HELPER" sigpipe-stderr \
    >"$TMP/8plain.out" 2>"$TMP/8plain.err"
rc=$?
expect 8plain "done" "inetd stderr: helper runs without sockshim"
# shellcheck disable=SC2086 # LOUD is a list of settings
bounded "$PY" "$TMP/tcpstderr.py" "$TMP/8shim.got" env LD_PRELOAD="$PRELOAD" $LOUD \
    "$HELPER" sigpipe-stderr >"$TMP/8shim.out" 2>"$TMP/8shim.err"
rc=$?
expect 8shim "done" "inetd stderr: helper runs normally under sockshim (warning, policy events)"
if [ -f "$TMP/8shim.got" ] && [ ! -s "$TMP/8shim.got" ]; then
    ok 0 "inetd stderr: the TCP peer receives 0 bytes of sockshim's text"
else
    ok 1 "inetd stderr: the TCP peer receives 0 bytes of sockshim's text"
    show_file "$TMP/8shim.got"
fi

# === 9. stderr is a pipe nobody reads: lines dropped, no block (5) =========
# A python3 program makes 1000 loopback connections at level info: two
# policy events each, well over the 64 KiB a pipe holds. stall.py holds
# the read end without reading until the program ends (20 s at most, then
# status 124; bounded kills at TEST_TIMEOUT=30 s whatever happens).
cat >"$TMP/churn.py" <<'EOF'
import socket, sys
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
print("churned", n)
EOF
cat >"$TMP/stall.py" <<'EOF'
import os, subprocess, sys
got, cmd = sys.argv[1], sys.argv[2:]
r, w = os.pipe()
p = subprocess.Popen(cmd, stderr=w)
os.close(w)
try:
    rc = p.wait(timeout=20)
except subprocess.TimeoutExpired:
    p.kill()
    p.wait()
    rc = 124
data = []
while True:  # every write end is closed now: read to EOF
    b = os.read(r, 65536)
    if not b:
        break
    data.append(b)
with open(got, "wb") as f:
    f.write(b"".join(data))
sys.exit(128 - rc if rc < 0 else rc)
EOF
go 9plain plain "$PY" "$TMP/churn.py" 1000
expect 9plain "churned 1000" "full pipe: the program runs without sockshim"
go 9file shim SOCKSHIM_LOG="file:$TMP/9.log" SOCKSHIM_NODELAY=on SOCKSHIM_LOG_LEVEL=info \
    "$PY" "$TMP/churn.py" 1000
size=$(wc -c <"$TMP/9.log" 2>/dev/null || echo 0)
ok "$([ "$rc" = 0 ] && [ "$size" -gt 65536 ] && echo 0 || echo 1)" \
    "full pipe: (control: the same run logs $size bytes, more than a pipe holds)"
start=$(date +%s)
bounded "$PY" "$TMP/stall.py" "$TMP/9.got" env LD_PRELOAD="$PRELOAD" \
    SOCKSHIM_NODELAY=on SOCKSHIM_LOG_LEVEL=info "$PY" "$TMP/churn.py" 1000 \
    >"$TMP/9stall.out" 2>"$TMP/9stall.err"
rc=$?
expect 9stall "churned 1000" \
    "full pipe: the program finishes ($(($(date +%s) - start)) s), status 0 (124 = blocked)"
got=$(wc -c <"$TMP/9.got" 2>/dev/null || echo 0)
ok "$([ "$got" -gt 0 ] && [ "$got" -le 65536 ] && [ "$got" -lt "$size" ] && echo 0 || echo 1)" \
    "full pipe: lines dropped, not queued ($got bytes reached the pipe, of $size)"
bad=$(grep -cv '^sockshim\[[0-9]*\]: info: policy fd=.* TCP_NODELAY=on$' "$TMP/9.got")
if [ "$bad" = 0 ] && [ "$(tail -c 1 "$TMP/9.got" | od -An -c | tr -d ' ')" = '\n' ]; then
    ok 0 "full pipe: what reached the pipe is whole lines"
else
    ok 1 "full pipe: what reached the pipe is whole lines"
    diag "$bad bad lines; end: $(tail -c 120 "$TMP/9.got")"
fi

