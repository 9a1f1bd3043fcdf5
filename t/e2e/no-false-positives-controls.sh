#!/bin/sh
# no-false-positives-controls.sh — the negative controls of the
# no-false-positives tests (t/tap/quiet.sh): they prove the checks can
# fail. A server that keeps 5 connections after the peer's EOF (read, or
# only seen by the kernel) gets close_wait=5, and exits reporting exactly
# those 5 as leak_at_exit, while the 20 it closes within the threshold
# never appear.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"
. "$SRC/t/tap/logfiles.sh"
. "$SRC/t/tap/quiet.sh"

plan 12

# ------------------------------------------ 5. negative controls

# holder.py MODE BRIEF LATE KEEP PORT-FILE STOP-FILE LATE-HOLD: a server that takes
# BRIEF + LATE + KEEP connections, a thread each. MODE read: recv() until
# b"" (the peer's EOF); MODE kernel: never read, wait until poll() says
# the peer closed (only the kernel knows). Then it closes the first BRIEF
# 0.5s later (within the threshold), the next LATE LATE-HOLD s later (past it),
# and keeps the last KEEP (detached: not even the interpreter's exit
# closes them). Prints a line when all are handled; once STOP-FILE exists
# it closes its listener and exits 0.
cat >"$TMP/holder.py" <<'EOF'
import os, select, socket, sys, threading, time
mode, brief, late, keep = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
port_file, stop_file, late_hold = sys.argv[5], sys.argv[6], float(sys.argv[7])
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(64)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
kept = []
lock = threading.Lock()

def handle(c, hold):
    c.settimeout(30)
    if mode == "read":
        while c.recv(4096):
            pass
    else:
        p = select.poll()
        p.register(c, select.POLLIN | select.POLLRDHUP)
        p.poll(30000)
    if hold is None:
        with lock:
            kept.append(c.detach())
    else:
        time.sleep(hold)
        c.close()

threads = []
for i in range(brief + late + keep):
    c, _ = ls.accept()
    hold = 0.5 if i < brief else late_hold if i < brief + late else None
    threads.append(threading.Thread(target=handle, args=(c, hold)))
    threads[-1].start()
for t in threads:
    t.join()
print("closed %d within the threshold, %d past it, kept %d" % (brief, late, len(kept)), flush=True)
deadline = time.time() + 40
while not os.path.exists(stop_file) and time.time() < deadline:
    time.sleep(0.05)
ls.close()
EOF
# conns.py PORT N MODE: N connections one after another; MODE data sends a
# line before closing, MODE bare only connects and closes.
cat >"$TMP/conns.py" <<'EOF'
import socket, sys
port, n, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    if mode == "data":
        s.sendall(b"hello %d\n" % i)
    s.close()
print("connected %d" % n)
EOF

# control_start NAME MODE HOLDER-MODE LATE CLIENT-MODE: holder.py with 20
# brief, LATE late and 5 kept connections, and its client, in the
# background; control NAME then waits for them and sets CTL_RC, CTL_SS
# (ss_states while it holds them). The four controls run side by side:
# each one's time is mostly its holds and the wait past the threshold.
control_start() {
    _n=$1
    (serve "$2" "$TMP/$_n.log" "$PY" "$TMP/holder.py" "$3" 20 "$4" 5 \
        "$TMP/$_n.port" "$TMP/$_n.stop" $((QUIET_CLOSE_WAIT + 1))) >"$TMP/$_n.out" 2>"$TMP/$_n.err" &
    echo $! >"$TMP/$_n.pid"
    PIDS="$PIDS $!"
    control_client "$@" &
    echo $! >"$TMP/$_n.cpid"
}
# control_client NAME MODE HOLDER-MODE LATE CLIENT-MODE: the connections,
# then ss once the holder has handled them all; then its stop file.
control_client() {
    _n=$1
    poll 20 test -s "$TMP/$_n.port"
    _p=$(cat "$TMP/$_n.port" 2>/dev/null)
    (launch plain - "$PY" "$TMP/conns.py" "${_p:-1}" $((25 + $4)) "$5") \
        >"$TMP/$_n.client" 2>&1
    poll 20 test -s "$TMP/$_n.out"
    # Past the threshold and many scans, the server holding its 5.
    [ "$2" = plain ] || sleep "$PAST_THRESHOLD"
    ss_states "${_p:-1}" >"$TMP/$_n.ss"
    : >"$TMP/$_n.stop"
}
control() {
    wait "$(cat "$TMP/$1.cpid")"
    # The stop file is its signal to exit.
    stop "$(cat "$TMP/$1.pid")" 0
    CTL_RC=$?
    CTL_SS=$(cat "$TMP/$1.ss")
}

control_start read-plain plain read 0 data
control_start read-shim shim read 0 data
control_start kernel-plain plain kernel 3 bare
control_start kernel-shim shim kernel 3 bare

control read-plain
r0="$CTL_RC $CTL_SS $(cat "$TMP/read-plain.out")"
control read-shim
is "$r0" "$CTL_RC $CTL_SS $(cat "$TMP/read-shim.out")" \
    "control (EOF read): exit status, stdout and the kernel's CLOSE_WAIT count are the same with and without the shim"
is "0 0 5" "$CTL_RC $CTL_SS" \
    "control (EOF read): exit 0, and ss shows the 5 kept connections in CLOSE_WAIT"
rlog=$(log_events "$TMP/read-shim.log")
like "$rlog" ': info: summary sockets=26 close_wait=5 leak_at_exit=1 repeated=' \
    "control (EOF read): summary close_wait=5 (the 5 kept, not the 20 closed within the threshold), leak_at_exit=1"
like "$rlog" ': error: close_wait fd=[0-9]+ tcp 127\.0\.0\.1:[0-9]+ <- 127\.0\.0\.1:[0-9]+ role=accept open [0-9.]+s after peer FIN eof=read ' \
    "control (EOF read): the close_wait event, eof=read"
like "$rlog" ': warn: leak_at_exit count=5 close_wait=5 role=accept ' \
    "control (EOF read): at exit, exactly the 5 sockets left open, all in CLOSE_WAIT"
is 0 "$(count late_close "$rlog")" \
    "control (EOF read): no late_close (the 20 closed 0.5s after the EOF never appear)"

control kernel-plain
k0="$CTL_RC $CTL_SS $(cat "$TMP/kernel-plain.out")"
control kernel-shim
is "$k0" "$CTL_RC $CTL_SS $(cat "$TMP/kernel-shim.out")" \
    "control (EOF never read): exit status, stdout and the kernel's CLOSE_WAIT count are the same with and without the shim"
is "0 0 5" "$CTL_RC $CTL_SS" \
    "control (EOF never read): exit 0, and ss shows the 5 kept connections in CLOSE_WAIT"
klog=$(log_events "$TMP/kernel-shim.log")
like "$klog" ': info: summary sockets=29 close_wait=8 late_close=3 leak_at_exit=1 repeated=' \
    "control (EOF never read): summary close_wait=8 (5 kept, 3 closed late), late_close=3, leak_at_exit=1"
like "$klog" ': error: close_wait fd=[0-9]+ tcp 127\.0\.0\.1:[0-9]+ <- 127\.0\.0\.1:[0-9]+ role=accept open [0-9.]+s after peer FIN eof=kernel ' \
    "control (EOF never read): the close_wait event, eof=kernel (found by the scan)"
like "$klog" ': warn: leak_at_exit count=5 close_wait=5 role=accept ' \
    "control (EOF never read): at exit, exactly the 5 sockets left open, all in CLOSE_WAIT"
no_diagnostics "$(printf '%s\n' "$klog" | grep -Ev ': (close_wait|late_close|leak_at_exit) ')" \
    "control (EOF never read): no other diagnostic event"
