#!/bin/sh
# policy-matrix.sh — every policy option x role x family: the value read
# back with getsockopt() (examples/sockopts) is the policy's.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

# option variable, value, and what sockopts must print for it on the
# listen, connect and accept lines (a backlog only exists on the listener).
CASES='SOCKSHIM_REUSEADDR on SO_REUSEADDR=on
SOCKSHIM_REUSEPORT on SO_REUSEPORT=on
SOCKSHIM_LINGER 5 SO_LINGER=on:5s
SOCKSHIM_LINGER 0 SO_LINGER=on:0s
SOCKSHIM_KEEPALIVE 60:10:5 SO_KEEPALIVE=on.*TCP_KEEPIDLE=60s.*TCP_KEEPINTVL=10s.*TCP_KEEPCNT=5
SOCKSHIM_KEEPALIVE 2m SO_KEEPALIVE=on.*TCP_KEEPIDLE=120s.*TCP_KEEPINTVL=75s
SOCKSHIM_USER_TIMEOUT 10s TCP_USER_TIMEOUT=10s
SOCKSHIM_RCVTIMEO 1500ms SO_RCVTIMEO=1500ms
SOCKSHIM_SNDTIMEO 2s SO_SNDTIMEO=2s
SOCKSHIM_NODELAY on TCP_NODELAY=on'
ncases=$(printf '%s\n' "$CASES" | wc -l)

# per family: 3 roles per case + backlog + flags variant (3) + baseline
plan $(( 2 * (ncases * 3 + 1 + 3 + 1) + 2 ))

for family in -4 -6; do
    baseline=$(bounded "$EX/sockopts" $family)
    unlike "$baseline" 'SO_KEEPALIVE=on|TCP_NODELAY=on|SO_LINGER=on|backlog=77' \
        "$family: without sockshim the defaults differ from every policy"

    # A here-document, not a pipe: the loop must run in this shell so
    # that the TAP test counter advances.
    while read -r var value expect; do
        out=$(bounded env "$var=$value" LD_PRELOAD="$SHIM_LIB" \
            "$EX/sockopts" $family)
        for role in listen connect accept; do
            line=$(printf '%s\n' "$out" | grep "^$role ")
            # SO_RCVTIMEO would make a blocking accept() time out: it is
            # left off listeners (accepted sockets get it at accept()).
            if [ "$role $var" = "listen SOCKSHIM_RCVTIMEO" ]; then
                like "$line" 'SO_RCVTIMEO=0s' "$family listen: $var=$value is not set on a listener"
                continue
            fi
            like "$line" "$expect" "$family $role: $var=$value"
        done
    done <<EOF
$CASES
EOF

    out=$(SOCKSHIM_BACKLOG=77 LD_PRELOAD="$SHIM_LIB" bounded \
        "$EX/sockopts" $family)
    like "$(printf '%s\n' "$out" | grep '^listen')" 'backlog=77$' \
        "$family listen: SOCKSHIM_BACKLOG=77 is the kernel's backlog"

    # SOCK_NONBLOCK | SOCK_CLOEXEC sockets, non-blocking connect, accept4.
    out=$(SOCKSHIM_KEEPALIVE=45 SOCKSHIM_NODELAY=on LD_PRELOAD="$SHIM_LIB" \
        bounded "$EX/sockopts" $family --nonblock --accept4)
    for role in listen connect accept; do
        like "$(printf '%s\n' "$out" | grep "^$role ")" \
            'SO_KEEPALIVE=on.*TCP_KEEPIDLE=45s.*TCP_NODELAY=on' \
            "$family $role: non-blocking sockets and accept4 get the policy"
    done
done

# UNIX and UDP sockets are outside the global rule.
py=/usr/bin/python3
unix_udp=$(SOCKSHIM_SNDTIMEO=2s SOCKSHIM_RCVTIMEO=2s LD_PRELOAD="$SHIM_LIB" \
    bounded $py -c '
import socket, struct, os, tempfile
d = tempfile.mkdtemp()
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(os.path.join(d, "s")); srv.listen(1)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(os.path.join(d, "s"))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect(("127.0.0.1", 9))
for s in (c, u):
    tv = s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, 16)
    print(struct.unpack("ll", tv))
')
is "(0, 0)
(0, 0)" "$unix_udp" "UNIX and UDP sockets keep their options (global rule is TCP only)"

# MPTCP or SCTP would not be TCP either; a raw TCP-protocol stream is.
tcp_proto=$(SOCKSHIM_NODELAY=on LD_PRELOAD="$SHIM_LIB" bounded $py -c '
import socket
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
l.bind(("127.0.0.1", 0)); l.listen(1)
print(l.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))')
is "1" "$tcp_proto" "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) is TCP"
