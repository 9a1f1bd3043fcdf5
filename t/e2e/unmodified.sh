#!/bin/sh
# unmodified.sh — sockshim over unmodified Debian binaries (socat, python3's
# http.server, curl), verified from outside the program: ss(8) shows the
# kernel's view of the sockets, the programs' own output is compared with a
# run without the shim, and the log is checked for the events it must hold.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

PY=/usr/bin/python3
for tool in ss socat curl timeout "$PY"; do
    command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed"
done

plan 36

# ---------------------------------------------------------------- helpers



# stop PID: end a background process started here and reap it.
stop() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

# ss_settled FILTER: capture `ss -tnoie state established FILTER` in SS_OUT;
# succeeds once a socket shows and no data is in flight (no retransmit or
# persist timer, which would hide the keepalive timer).
ss_settled() {
    SS_OUT=$(ss -Htnoie state established "$1" 2>&1)
    [ -n "$SS_OUT" ] &&
        ! printf '%s\n' "$SS_OUT" | grep -Eq 'timer:\((on|persist)'
}

# ss_keepalive FILTER: as ss_settled, and a keepalive timer is armed.
ss_keepalive() {
    ss_settled "$1" && printf '%s\n' "$SS_OUT" | grep -q 'timer:(keepalive,'
}

# ka_ms: the remaining time of the first keepalive timer in ss's output on
# stdin, in milliseconds (ss prints 1min16sec, 59sec, 9.500ms, 500ms, 120min).
ka_ms() {
    sed -n 's/.*timer:(keepalive,\([^,]*\),.*/\1/p' | head -n 1 | awk '
    { s = $0; ms = 0
      if (match(s, /^[0-9]+min/)) {
          ms += substr(s, 1, RLENGTH - 3) * 60000; s = substr(s, RLENGTH + 1) }
      if (match(s, /^[0-9]+sec/)) {
          ms += substr(s, 1, RLENGTH - 3) * 1000; s = substr(s, RLENGTH + 1)
      } else if (match(s, /^[0-9]+\./)) {
          ms += substr(s, 1, RLENGTH - 1) * 1000; s = substr(s, RLENGTH + 1) }
      if (match(s, /^[0-9]+ms/)) ms += substr(s, 1, RLENGTH - 2)
      print ms }'
}

# in_range VALUE LOW HIGH: LOW < VALUE <= HIGH (integers; VALUE may be empty).
in_range() {
    case $1 in '' | *[!0-9]*) return 1 ;; esac
    [ "$1" -gt "$2" ] && [ "$1" -le "$3" ]
}

# A client that connects, sends "ping\n", writes the echo it gets back to
# ECHO-FILE, then holds the connection open until STOP-FILE exists.
cat >"$TMP/hold.py" <<'EOF'
import os, socket, sys, time
host, port, echo_file, stop_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
family = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
s.settimeout(30)
s.connect((host, port))
s.sendall(b"ping\n")
got = b""
while not got.endswith(b"\n"):
    chunk = s.recv(100)
    if not chunk:
        break
    got += chunk
with open(echo_file + ".tmp", "wb") as f:
    f.write(got)
os.rename(echo_file + ".tmp", echo_file)
deadline = time.time() + 60
while not os.path.exists(stop_file) and time.time() < deadline:
    time.sleep(0.1)
s.close()
EOF

# A tiny HTTP server on HOST, port 0 (the port is written to PORT-FILE):
# GET /hold/NAME answers only once DIR/release.NAME exists, any other path
# at once; the body is always the same 180 kB of text.
cat >"$TMP/slow.py" <<'EOF'
import os, socket, sys, threading, time
host, port_file, release_dir = sys.argv[1], sys.argv[2], sys.argv[3]
family = socket.AF_INET6 if ":" in host else socket.AF_INET
ls = socket.socket(family, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((host, 0))
ls.listen(16)
body = b"".join(b"line %05d of the sockshim test body\n" % i for i in range(5000))
head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))

def serve(c):
    with c:
        c.settimeout(60)
        req = b""
        while b"\r\n\r\n" not in req:
            chunk = c.recv(4096)
            if not chunk:
                return
            req += chunk
        path = req.split(b" ")[1].decode()
        if path.startswith("/hold/"):
            release = os.path.join(release_dir, "release." + path[6:])
            deadline = time.time() + 60
            while not os.path.exists(release) and time.time() < deadline:
                time.sleep(0.05)
        c.sendall(head + body)

with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF

# policy_lines LOG: the JSON log LOG as one line per policy,
# app_override and would_apply event, fields in a fixed order; a line
# that is no JSON object as "NOT JSON: LINE", and then status 1.
OVERRIDE='{kind} {family} {role} {sockopt} policy={policy|value} app={app|current} action={action}'
policy_lines() {
    "$PY" "$JCHECK" print "$1" 'policy=policy {family} {role} {applied}' \
        "app_override=$OVERRIDE" "would_apply=$OVERRIDE"
}

# start_echo NAME LISTEN-ADDRESS [VAR=VALUE...]: a socat echo server (one
# forked cat per connection) in the background, under the shim when
# settings are given. Sets ECHO_PID and PORT; status 1 if it never listens.
start_echo() {
    _name=$1 _addr=$2
    shift 2
    [ $# -gt 0 ] && set -- env LD_PRELOAD="$PRELOAD" "$@"
    timeout -k 5 120 "$@" socat -d -d "$_addr,reuseaddr,fork" SYSTEM:cat \
        >/dev/null 2>"$TMP/$_name.err" &
    ECHO_PID=$!
    PIDS="$PIDS $ECHO_PID"
    PORT=
    poll 20 file_has "$TMP/$_name.err" 'listening on .*:[0-9]+$' || return 1
    PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' \
        "$TMP/$_name.err" | head -n 1)
}

# hold_client NAME HOST PORT: hold.py in the background; waits for the echo.
hold_client() {
    timeout -k 5 90 "$PY" "$TMP/hold.py" "$2" "$3" "$TMP/$1.echo" \
        "$TMP/$1.stop" >/dev/null 2>"$TMP/$1.client.err" &
    HOLD_PID=$!
    PIDS="$PIDS $HOLD_PID"
    poll 20 test -e "$TMP/$1.echo"
}

# start_slow NAME HOST: slow.py in the background; sets SLOW_PID, SLOW_PORT.
start_slow() {
    timeout -k 5 300 "$PY" "$TMP/slow.py" "$2" "$TMP/$1.port" "$TMP" \
        >/dev/null 2>"$TMP/$1.err" &
    SLOW_PID=$!
    PIDS="$PIDS $SLOW_PID"
    SLOW_PORT=
    poll 20 test -s "$TMP/$1.port" || return 1
    SLOW_PORT=$(cat "$TMP/$1.port")
}

# ------------------------------------------- 1. socat server, keepalive

# echo_keepalive TAG HOST LISTEN-ADDRESS: socat under SOCKSHIM_KEEPALIVE=77:11:4
# serving a client that holds its connection; ss must show the accepted
# socket's keepalive timer at 77s or less, and more than 60s (not the
# kernel's default of 2 hours). 4 tests.
echo_keepalive() {
    _tag=$1 _host=$2
    start_echo "$_tag" "$3" SOCKSHIM_KEEPALIVE=77:11:4 \
        SOCKSHIM_LOG_LEVEL=info SOCKSHIM_LOG="file:$TMP/$_tag.log"
    hold_client "$_tag" "$_host" "${PORT:-1}"
    is "ping" "$(cat "$TMP/$_tag.echo" 2>/dev/null)" \
        "$_tag: socat echo server under the shim echoes a held connection"
    poll 10 ss_keepalive "( sport = :${PORT:-1} )"
    like "$SS_OUT" "timer:\\(keepalive," \
        "$_tag: ss shows a keepalive timer on socat's accepted socket"
    _ms=$(printf '%s\n' "$SS_OUT" | ka_ms)
    if in_range "$_ms" 60000 77000; then
        ok 0 "$_tag: keepalive timer ${_ms}ms: idle 77s, not the 2h default"
    else
        ok 1 "$_tag: keepalive timer in (60s, 77s]"
        diag "remaining: '$_ms' ms; ss said:" "$SS_OUT"
    fi
    like "$(cat "$TMP/$_tag.log" 2>/dev/null)" \
        "info: policy .*role=accept .*TCP_KEEPIDLE=77s TCP_KEEPINTVL=11s TCP_KEEPCNT=4" \
        "$_tag: the log holds socat's accept policy with idle, intvl and cnt"
    : >"$TMP/$_tag.stop"
    stop "$HOLD_PID"
    stop "$ECHO_PID"
}

echo_keepalive socat4 127.0.0.1 TCP4-LISTEN:0,bind=127.0.0.1

# The same server without the shim: no keepalive timer at all.
start_echo plain TCP4-LISTEN:0,bind=127.0.0.1
hold_client plain 127.0.0.1 "${PORT:-1}"
is "ping" "$(cat "$TMP/plain.echo" 2>/dev/null)" \
    "plain socat (no shim) echoes a held connection"
if poll 10 ss_settled "( sport = :${PORT:-1} )" &&
    ! printf '%s\n' "$SS_OUT" | grep -q 'timer:(keepalive'; then
    ok 0 "plain socat: ss shows the accepted socket with no keepalive timer"
else
    ok 1 "plain socat: ss shows the accepted socket with no keepalive timer"
    diag "ss said:" "${SS_OUT:-(nothing)}"
fi
: >"$TMP/plain.stop"
stop "$HOLD_PID"
stop "$ECHO_PID"

# ------------------------------------------- 2. python3 http.server, backlog

# SOCKSHIM_KEEPALIVE is there so that the accepted socket has an option to
# apply: a policy event is only logged for a socket that something was
# applied to, and the backlog belongs to the listener alone.
mkdir "$TMP/www"
"$PY" -c 'import sys
sys.stdout.write("".join("row %d: sockshim\n" % i for i in range(2000)))' \
    >"$TMP/www/index.html"
timeout -k 5 120 env LD_PRELOAD="$PRELOAD" SOCKSHIM_BACKLOG=77 \
    SOCKSHIM_KEEPALIVE=45 SOCKSHIM_LOG_LEVEL=info \
    SOCKSHIM_LOG="file:$TMP/py.log" \
    "$PY" -u -m http.server --bind 127.0.0.1 --directory "$TMP/www" 0 \
    >"$TMP/py.out" 2>"$TMP/py.err" &
PY_PID=$!
PIDS="$PIDS $PY_PID"
poll 20 file_has "$TMP/py.out" '^Serving HTTP on .* port [0-9]+ '
PORT=$(sed -n 's/^Serving HTTP on .* port \([0-9][0-9]*\) .*/\1/p' \
    "$TMP/py.out")
listener=$(ss -Hltn "( sport = :${PORT:-1} )" 2>&1)
is "77" "$(printf '%s\n' "$listener" | awk 'NR == 1 { print $3 }')" \
    "http.server: ss shows Send-Q (the kernel's backlog) 77"
code=$(timeout -k 5 30 curl -sS -o "$TMP/got.html" -w '%{http_code}' \
    "http://127.0.0.1:${PORT:-1}/" 2>"$TMP/got.err")
rc=$?
is "0 200" "$rc $code" "http.server under the shim: curl fetches / with exit 0 and HTTP 200"
cmp -s "$TMP/www/index.html" "$TMP/got.html"
ok $? "http.server under the shim: / is index.html, byte for byte"
pylog=$(cat "$TMP/py.log" 2>/dev/null)
like "$pylog" "info: policy fd=[0-9]+ tcp 127\\.0\\.0\\.1:${PORT:-1} role=listen .*backlog=77 app_backlog=5" \
    "http.server: policy event for role=listen, backlog 77 (python asked 5)"
like "$pylog" "info: policy fd=[0-9]+ tcp 127\\.0\\.0\\.1:${PORT:-1} <- 127\\.0\\.0\\.1:[0-9]+ role=accept SO_KEEPALIVE=on TCP_KEEPIDLE=45s" \
    "http.server: policy event for role=accept"
stop "$PY_PID"

# ------------------------------------------- 3. curl as a client

start_slow slow4 127.0.0.1
P=${SLOW_PORT:-1}
URL=http://127.0.0.1:$P

# curl_shim LOG MODE CURL-ARGS...: curl under the shim with the test's
# policy (nodelay on, keepalive idle 30s), in MODE, with a JSON log in LOG.
curl_shim() {
    _log=$1 _mode=$2
    shift 2
    timeout -k 5 60 env LD_PRELOAD="$PRELOAD" SOCKSHIM_MODE="$_mode" \
        SOCKSHIM_NODELAY=on SOCKSHIM_KEEPALIVE=30 SOCKSHIM_LOG_FORMAT=json \
        SOCKSHIM_LOG_LEVEL=info SOCKSHIM_LOG="file:$_log" curl "$@"
}

timeout -k 5 60 curl -sS "$URL/data" >"$TMP/base.out" 2>"$TMP/base.err"
base_rc=$?
curl_shim "$TMP/curl.log" enforce -sS "$URL/data" >"$TMP/shim.out" 2>"$TMP/shim.err"
rc=$?
is "0 $base_rc" "$base_rc $rc" "curl: same exit status (0) with and without the shim"
if [ -s "$TMP/base.out" ] && cmp -s "$TMP/base.out" "$TMP/shim.out" &&
    cmp -s "$TMP/base.err" "$TMP/shim.err"; then
    ok 0 "curl: byte-identical body and stderr with and without the shim"
else
    ok 1 "curl: byte-identical body and stderr with and without the shim"
    diag "sizes: $(wc -c <"$TMP/base.out") without, $(wc -c <"$TMP/shim.out") with"
fi
# curl sets SO_KEEPALIVE (idle 60s), TCP_KEEPINTVL and TCP_NODELAY itself
# before connect(): in enforce mode its values stand, every policed one is
# reported as kept, and nothing is left for a policy event to list.
events=$(policy_lines "$TMP/curl.log" 2>&1)
ok $? "curl: every line of the JSON log is a JSON object"
is "app_override inet connect SO_KEEPALIVE policy=on app=on action=kept
app_override inet connect TCP_KEEPIDLE policy=30s app=60s action=kept
app_override inet connect TCP_NODELAY policy=on app=on action=kept" "$events" \
    "curl (enforce): curl's own keepalive and nodelay are kept, app_override action kept"

# With --no-keepalive curl leaves keepalive alone: enforce applies it.
curl_shim "$TMP/nokeep.log" enforce --no-keepalive -sS "$URL/data" \
    >"$TMP/nokeep.out" 2>"$TMP/nokeep.err"
rc=$?
cmp -s "$TMP/base.out" "$TMP/nokeep.out"
is "0 0" "$rc $?" "curl --no-keepalive under the shim: exit 0, same body"
is "app_override inet connect TCP_NODELAY policy=on app=on action=kept
policy inet connect SO_KEEPALIVE=on TCP_KEEPIDLE=30s" \
    "$(policy_lines "$TMP/nokeep.log" 2>&1)" \
    "curl --no-keepalive (enforce): policy event role=connect applies SO_KEEPALIVE=on TCP_KEEPIDLE=30s"

# Force mode replaces curl's values.
curl_shim "$TMP/force.log" force -sS "$URL/data" \
    >"$TMP/force.out" 2>"$TMP/force.err"
rc=$?
cmp -s "$TMP/base.out" "$TMP/force.out"
is "0 0" "$rc $?" "curl in force mode: exit 0, same body"
is "app_override inet connect TCP_KEEPIDLE policy=30s app=60s action=overridden
policy inet connect SO_KEEPALIVE=on TCP_KEEPIDLE=30s TCP_NODELAY=on" \
    "$(policy_lines "$TMP/force.log" 2>&1)" \
    "curl (force): app_override overridden, policy event role=connect applies SO_KEEPALIVE=on TCP_KEEPIDLE=30s TCP_NODELAY=on"


# A failure passes through unchanged: a port that is bound but not listening
# refuses connections, and curl exits 7 with and without the shim.
timeout -k 5 120 "$PY" -c 'import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
deadline = time.time() + 100
while not os.path.exists(sys.argv[2]) and time.time() < deadline:
    time.sleep(0.1)' "$TMP/closed.port" "$TMP/closed.stop" >/dev/null 2>&1 &
RESERVE_PID=$!
PIDS="$PIDS $RESERVE_PID"
poll 20 test -s "$TMP/closed.port"
CP=$(cat "$TMP/closed.port" 2>/dev/null)
timeout -k 5 30 curl -sS "http://127.0.0.1:${CP:-1}/" >/dev/null 2>&1
r0=$?
curl_shim "$TMP/refused.log" enforce -sS "http://127.0.0.1:${CP:-1}/" \
    >/dev/null 2>&1
is "7 7" "$r0 $?" "curl to a refusing port: exit 7 with and without the shim"
: >"$TMP/closed.stop"
stop "$RESERVE_PID"

# curl_hold NAME LOW HIGH WHY MODE [CURL-ARGS...]: curl under the shim
# fetches /hold/NAME, which the server answers only when released; while
# it waits, ss shows curl's idle socket, whose keepalive timer must have
# LOW < remaining <= HIGH ms. Then the answer is released and curl must end
# with status 0 and the baseline's body. 2 tests.
curl_hold() {
    _n=$1 _low=$2 _high=$3 _why=$4 _mode=$5
    shift 5
    timeout -k 5 60 env LD_PRELOAD="$PRELOAD" SOCKSHIM_MODE="$_mode" \
        SOCKSHIM_NODELAY=on SOCKSHIM_KEEPALIVE=30 SOCKSHIM_LOG_LEVEL=info \
        SOCKSHIM_LOG="file:$TMP/$_n.log" \
        curl "$@" -sS "$URL/hold/$_n" >"$TMP/$_n.out" 2>"$TMP/$_n.err" &
    _cpid=$!
    PIDS="$PIDS $_cpid"
    poll 20 ss_keepalive "( dport = :$P )"
    _ms=$(printf '%s\n' "$SS_OUT" | ka_ms)
    if in_range "$_ms" "$_low" "$_high"; then
        ok 0 "curl $_n: keepalive timer ${_ms}ms seen by ss: $_why"
    else
        ok 1 "curl $_n: keepalive timer in (${_low}ms, ${_high}ms]: $_why"
        diag "remaining: '$_ms' ms; ss said:" "${SS_OUT:-(nothing)}"
    fi
    : >"$TMP/release.$_n"
    wait "$_cpid"
    _rc=$?
    cmp -s "$TMP/base.out" "$TMP/$_n.out"
    is "0 0" "$_rc $?" "curl $_n: exit 0 and the same body once answered"
}

curl_hold enforce 30000 60000 "enforce: curl's own idle 60s stands" enforce
curl_hold force 10000 30000 "force: the policy's idle 30s replaces curl's" \
    force
curl_hold nokeepalive 10000 30000 \
    "curl --no-keepalive, enforce: the policy's idle 30s" enforce \
    --no-keepalive
stop "$SLOW_PID"

# ------------------------------------------- 4. IPv6 on ::1

if "$PY" -c 'import socket
socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
    echo_keepalive socat6 ::1 'TCP6-LISTEN:0,bind=[::1]'

    start_slow slow6 ::1
    curl_shim "$TMP/curl6.log" force -g -sS "http://[::1]:${SLOW_PORT:-1}/data" \
        >"$TMP/curl6.out" 2>"$TMP/curl6.err"
    rc=$?
    cmp -s "$TMP/base.out" "$TMP/curl6.out"
    is "0 0" "$rc $?" "curl over ::1 under the shim: exit 0, same body"
    like "$(policy_lines "$TMP/curl6.log" 2>&1)" \
        '^policy inet6 connect SO_KEEPALIVE=on TCP_KEEPIDLE=30s TCP_NODELAY=on$' \
        "curl over ::1: policy event family inet6, role connect"
    stop "$SLOW_PID"
else
    for d in "socat6: socat echo server under the shim echoes a held connection" \
        "socat6: ss shows a keepalive timer" \
        "socat6: keepalive timer in (60s, 77s]" \
        "socat6: the log holds socat's accept policy" \
        "curl over ::1 under the shim: exit 0, same body" \
        "curl over ::1: policy event family inet6"; do
        skip "$d" "no IPv6 on loopback: ::1 cannot be bound"
    done
fi

# ------------------------------------------- 5. a program's own output

# Listener, non-blocking connect, accept, data both ways, a half close and a
# UNIX socketpair: what the program prints and its exit status must not
# change under a policy that touches every option.
cat >"$TMP/pair.py" <<'EOF2'
import errno, socket, sys
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.bind(("127.0.0.1", 0))
ls.listen(4)
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.setblocking(False)
rc = c.connect_ex(ls.getsockname())
print("non-blocking connect:", errno.errorcode.get(rc, rc))
a, _ = ls.accept()
c.setblocking(True)
c.sendall(b"hello over loopback\n" * 1000)
c.shutdown(socket.SHUT_WR)
got = b""
while True:
    chunk = a.recv(65536)
    if not chunk:
        break
    got += chunk
print("server got", len(got), "bytes,", got.count(b"\n"), "lines")
a.sendall(got.upper()[:40])
a.close()
back = b""
while True:
    chunk = c.recv(100)
    if not chunk:
        break
    back += chunk
print("client got", back)
u, v = socket.socketpair()
u.sendall(b"over a unix socketpair")
print("unix:", v.recv(100))
sys.exit(3)
EOF2

timeout -k 5 60 "$PY" "$TMP/pair.py" >"$TMP/pair0.out" 2>"$TMP/pair0.err"
p0=$?
timeout -k 5 60 env LD_PRELOAD="$PRELOAD" SOCKSHIM_KEEPALIVE=20:5:3 \
    SOCKSHIM_NODELAY=on SOCKSHIM_LINGER=5 SOCKSHIM_USER_TIMEOUT=10s \
    SOCKSHIM_RCVTIMEO=5s SOCKSHIM_SNDTIMEO=5s SOCKSHIM_CONNECT_TIMEOUT=5s \
    SOCKSHIM_REUSEADDR=on SOCKSHIM_BACKLOG=8 SOCKSHIM_LOG_LEVEL=info \
    SOCKSHIM_LOG="file:$TMP/pair.log" \
    "$PY" "$TMP/pair.py" >"$TMP/pair1.out" 2>"$TMP/pair1.err"
p1=$?
is "3 3" "$p0 $p1" "python3 program: exit status 3 with and without the shim"
if grep -q '^server got 20000 bytes' "$TMP/pair0.out" &&
    cmp -s "$TMP/pair0.out" "$TMP/pair1.out"; then
    ok 0 "python3 program: identical stdout with and without the shim"
else
    ok 1 "python3 program: identical stdout with and without the shim"
    diag "without:" "$(cat "$TMP/pair0.out")" "with:" "$(cat "$TMP/pair1.out")"
fi
cmp -s "$TMP/pair0.err" "$TMP/pair1.err"
ok $? "python3 program: identical stderr (the log went to its file)"
# (SO_REUSEADDR goes on before bind(), when the socket has no role yet: the
# log also holds a policy event for that; only the three roles matter here.)
missing=
for role in listen connect accept; do
    grep -q "info: policy .* role=$role " "$TMP/pair.log" 2>/dev/null ||
        missing="$missing $role"
done
[ -z "$missing" ]
ok $? "python3 program: the shim was active (policy events for listen, connect, accept)"
[ -z "$missing" ] || diag "no policy event for:$missing; log:" \
    "$(cat "$TMP/pair.log" 2>/dev/null)"
