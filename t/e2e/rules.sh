#!/bin/sh
# rules.sh — scoped policies: the config file (SOCKSHIM_CONFIG), the rules
# of SOCKSHIM_RULES, their match terms (port=, addr=, family=, proc=), roles
# and precedence, read back with getsockopt() (examples/sockopts, python3);
# the moment of the reuse options; every kind of malformed line; the
# launcher's --config, --rules and --check; and one unmodified program
# (socat as a proxy) getting two policies from one file, seen with ss(8).
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

# A run takes milliseconds: a hang is a failure, not a stalled test run.
TEST_TIMEOUT=${TEST_TIMEOUT:-20}
PY=/usr/bin/python3
LAUNCHER=$BUILD/tools/sockshim
for f in "$EX/sockopts" "$EX/timewait-client" "$LAUNCHER" "$PY"; do
    [ -x "$f" ] || skip_all "$f not built or not installed"
done
for tool in ss socat timeout; do
    command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed"
done

plan 196

# ---------------------------------------------------------------- helpers


# The library first in LD_PRELOAD, as run_with_shim does; through env(1) so
# that the preload reaches only the program, not timeout(1).

# sox FAMILY [VAR=VALUE...]: examples/sockopts FAMILY under the shim with
# the settings; sets OUT (stdout), ERR (stderr) and RC.
sox() {
    _fam=$1
    shift
    bounded env "$@" LD_PRELOAD="$PRELOAD" "$EX/sockopts" "$_fam" \
        >"$TMP/so.out" 2>"$TMP/so.err"
    RC=$?
    OUT=$(cat "$TMP/so.out")
    ERR=$(cat "$TMP/so.err")
}

# line ROLE: the ROLE line of OUT.
line() { printf '%s\n' "$OUT" | grep "^$1 "; }

# roles "ROLES" ERE DESC: the lines of ROLES (of listen, connect, accept)
# match ERE, the other lines do not. 3 tests.
roles() {
    for _r in listen connect accept; do
        case " $1 " in
        *" $_r "*) like "$(line $_r)" "$2" "$3: $_r socket has it" ;;
        *) unlike "$(line $_r)" "$2" "$3: not on the $_r socket" ;;
        esac
    done
}

# same_as DESC EXPECTED-OUT: OUT is EXPECTED-OUT, RC 0 and ERR empty. 1 test.
same_as() {
    if [ "$RC" = 0 ] && [ "$OUT" = "$2" ] && [ -z "$ERR" ]; then
        ok 0 "$1"
    else
        ok 1 "$1"
        diag "exit status $RC; stdout:" "$OUT" "expected:" "$2" "stderr:" "$ERR"
    fi
}

# one_error DESC WHERE TERM: ERR is exactly one config_error line, naming
# WHERE and the quoted TERM ('WHERE="TERM'), with what is accepted. 1 test.
one_error() {
    _n=$(printf '%s\n' "$ERR" | grep -c .)
    if [ "$_n" = 1 ] &&
        printf '%s\n' "$ERR" | grep -q 'warn: config_error ' &&
        printf '%s\n' "$ERR" | grep -qF -- "$2=\"$3" &&
        printf '%s\n' "$ERR" | grep -q 'accepted: .'; then
        ok 0 "$1"
    else
        ok 1 "$1"
        diag "expected one config_error line naming $2=\"$3...; stderr:" \
            "${ERR:-(empty)}"
    fi
}

# free_port: a TCP port on 127.0.0.1 that nothing uses (nor TIME_WAIT).
free_port() {
    "$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Launcher: bounded, with the library under test and no inherited preload.
launch() {
    timeout -k 5 30 env -u LD_PRELOAD SOCKSHIM_LIBRARY="$SHIM_LIB" \
        "$LAUNCHER" "$@"
}

# ------------------------------------------------------------ baselines

BASE4=$(bounded "$EX/sockopts" -4)
BASE6=$(bounded "$EX/sockopts" -6)
unlike "$BASE4$BASE6" 'SO_KEEPALIVE=on|TCP_NODELAY=on|SO_LINGER=on|SO_REUSEADDR=on|backlog=77|SO_SNDTIMEO=[1-9]' \
    "without sockshim sockopts shows the kernel defaults (IPv4 and IPv6)"

# ---------------------------------- 1. each match term alone, IPv4 + IPv6

for fam in -4 -6; do
    if [ "$fam" = -4 ]; then
        base=$BASE4 net=127.0.0.0/8 nonet=10.0.0.0/8 fname=inet other=inet6
    else
        base=$BASE6 net=::1 nonet=2001:db8::/32 fname=inet6 other=inet
    fi

    # port=: the local port for accept, the remote one for connect (both
    # the ephemeral listener port).
    sox "$fam" SOCKSHIM_RULES='accept port=1024-65535 nodelay=on'
    roles "accept" 'TCP_NODELAY=on' "$fam accept port=1024-65535"
    sox "$fam" SOCKSHIM_RULES='connect port=1-10 nodelay=on'
    same_as "$fam connect port=1-10: no socket matches, all keep the defaults" "$base"
    sox "$fam" SOCKSHIM_RULES='connect port=1-10,1024-65535 linger=4'
    like "$(line connect)" 'SO_LINGER=on:4s' "$fam connect port=1-10,1024-65535: the remote port is in the list"

    # addr=: the peer's for accept (and connect), the local one for listen.
    sox "$fam" SOCKSHIM_RULES="accept addr=$net linger=6"
    roles "accept" 'SO_LINGER=on:6s' "$fam accept addr=$net"
    sox "$fam" SOCKSHIM_RULES="any addr=$nonet linger=6"
    same_as "$fam any addr=$nonet: no socket matches, all keep the defaults" "$base"

    # family=
    sox "$fam" SOCKSHIM_RULES="connect family=$fname nodelay=on"
    roles "connect" 'TCP_NODELAY=on' "$fam connect family=$fname"
    sox "$fam" SOCKSHIM_RULES="any family=$other nodelay=on"
    same_as "$fam any family=$other: no socket matches, all keep the defaults" "$base"

    # proc= (program_invocation_short_name)
    sox "$fam" SOCKSHIM_RULES='connect proc=sockopts keepalive=44:11:3'
    roles "connect" 'SO_KEEPALIVE=on TCP_KEEPIDLE=44s TCP_KEEPINTVL=11s TCP_KEEPCNT=3' \
        "$fam connect proc=sockopts"
    sox "$fam" SOCKSHIM_RULES='any proc=other,sockopt keepalive=44:11:3'
    same_as "$fam any proc=other,sockopt: no socket matches, all keep the defaults" "$base"
done

# ------------------------------------------------------------ 2. each role

# A listener's options are copied by the kernel to the sockets it accepts
# (nothing sockshim does), so a listen rule is checked on the listen and
# connect lines; the backlog belongs to the listener alone.
sox -4 SOCKSHIM_RULES='listen nodelay=on backlog=77'
like "$(line listen)" 'TCP_NODELAY=on backlog=77$' "listen nodelay=on backlog=77: on the listener"
unlike "$(line connect)" 'TCP_NODELAY=on' "listen nodelay=on: not on the connect socket"
sox -4 SOCKSHIM_RULES='accept nodelay=on'
roles "accept" 'TCP_NODELAY=on' "accept nodelay=on"
sox -4 SOCKSHIM_RULES='connect nodelay=on'
roles "connect" 'TCP_NODELAY=on' "connect nodelay=on"
sox -4 SOCKSHIM_RULES='any nodelay=on'
roles "listen connect accept" 'TCP_NODELAY=on' "any nodelay=on"
sox -6 SOCKSHIM_RULES='ANY nodelay=on'
roles "listen connect accept" 'TCP_NODELAY=on' "-6 ANY nodelay=on (role words in any case)"

# ---------------------------------------------------- 3. combinations

for fam in -4 -6; do
    if [ "$fam" = -4 ]; then
        base=$BASE4 net=127.0.0.1 nonet=10.0.0.0/8 fname=inet
    else
        base=$BASE6 net=::1/128 nonet=2001:db8::/32 fname=inet6
    fi
    sox "$fam" SOCKSHIM_RULES="accept port=1024-65535 addr=$net user_timeout=9s"
    roles "accept" 'TCP_USER_TIMEOUT=9s' "$fam accept port=1024-65535 addr=$net"
    sox "$fam" SOCKSHIM_RULES="accept port=1024-65535 addr=$nonet user_timeout=9s; accept port=1-10 addr=$net user_timeout=9s"
    same_as "$fam port+addr: a rule matches only when both terms do" "$base"
    sox "$fam" SOCKSHIM_RULES="connect family=$fname proc=sockopts linger=3"
    roles "connect" 'SO_LINGER=on:3s' "$fam connect family=$fname proc=sockopts"
    sox "$fam" SOCKSHIM_RULES="connect family=$fname proc=other linger=3; listen family=$fname proc=sockopts backlog=77 linger=3; any family=unix proc=sockopts linger=3"
    like "$(line listen)" 'SO_LINGER=on:3s .*backlog=77$' "$fam role+family+proc: the listen rule gives the listener its options"
    unlike "$(line connect)" 'SO_LINGER=on' "$fam role+family+proc: the connect socket matches none of the rules"
done

# Two rules: the later overrides one option, the earlier's other stays;
# keepalive=IDLE[:INTVL[:CNT]] is one option, replaced whole.
sox -4 SOCKSHIM_RULES='any keepalive=50:10:5 nodelay=on linger=2; connect keepalive=40 linger=off'
roles "listen accept" 'SO_LINGER=on:2s SO_KEEPALIVE=on TCP_KEEPIDLE=50s TCP_KEEPINTVL=10s TCP_KEEPCNT=5 .*TCP_NODELAY=on' \
    "two rules: the first alone"
like "$(line connect)" 'SO_LINGER=off SO_KEEPALIVE=on TCP_KEEPIDLE=40s TCP_KEEPINTVL=75s TCP_KEEPCNT=9 .*TCP_NODELAY=on' \
    "two rules: the later one's keepalive (whole) and linger win on connect, the earlier one's nodelay stays"

# --------------------------------------------------------- 4. precedence

printf '# global options\nkeepalive = 120\n' >"$TMP/global.conf"
sox -4 SOCKSHIM_CONFIG="$TMP/global.conf"
roles "listen connect accept" 'TCP_KEEPIDLE=120s' "file keepalive = 120"
sox -4 SOCKSHIM_CONFIG="$TMP/global.conf" SOCKSHIM_KEEPALIVE=90
roles "listen connect accept" 'TCP_KEEPIDLE=90s' "SOCKSHIM_KEEPALIVE=90 overrides the file's 120"
timeout -k 5 30 env -u LD_PRELOAD SOCKSHIM_LIBRARY="$SHIM_LIB" \
    SOCKSHIM_KEEPALIVE=90 "$LAUNCHER" --config "$TMP/global.conf" \
    --keepalive 60 -- "$EX/sockopts" >"$TMP/so.out" 2>"$TMP/so.err"
RC=$? OUT=$(cat "$TMP/so.out") ERR=$(cat "$TMP/so.err")
roles "listen connect accept" 'TCP_KEEPIDLE=60s' "sockshim --keepalive 60 overrides SOCKSHIM_KEEPALIVE=90 and the file"

cat >"$TMP/prec.conf" <<'EOF'
keepalive = 120
connect keepalive=30 nodelay=on linger=5
EOF
sox -4 SOCKSHIM_CONFIG="$TMP/prec.conf"
like "$(line connect)" 'SO_LINGER=on:5s SO_KEEPALIVE=on TCP_KEEPIDLE=30s .*TCP_NODELAY=on' \
    "a file rule overrides the global keepalive on its sockets"
like "$(line listen)$(line accept)" '^listen .*TCP_KEEPIDLE=120s .*accept .*TCP_KEEPIDLE=120s' \
    "the other sockets keep the global keepalive"
sox -4 SOCKSHIM_CONFIG="$TMP/prec.conf" SOCKSHIM_KEEPALIVE=90
like "$(line connect)$(line accept)" '^connect .*TCP_KEEPIDLE=30s .*accept .*TCP_KEEPIDLE=90s' \
    "the file's rule overrides SOCKSHIM_KEEPALIVE too (global options first)"
# An accepted socket starts with its listener's options (Linux copies
# them); sockshim skips the setsockopt() only where the values agree, so
# rules that give the two roles different values still hold.
sox -4 SOCKSHIM_KEEPALIVE=120:30:4 SOCKSHIM_NODELAY=on SOCKSHIM_RULES='listen keepalive=50:20:3 nodelay=off'
like "$(line listen)$(line accept)" '^listen .*TCP_KEEPIDLE=50s TCP_KEEPINTVL=20s TCP_KEEPCNT=3 .*TCP_NODELAY=off.*accept .*TCP_KEEPIDLE=120s TCP_KEEPINTVL=30s TCP_KEEPCNT=4 .*TCP_NODELAY=on' \
    "a listen rule's values stay on the listener; the accepted socket gets the global ones, not the listener's"
sox -4 SOCKSHIM_KEEPALIVE=120:30:4 SOCKSHIM_RULES='accept keepalive=45:15:2'
like "$(line listen)$(line accept)" '^listen .*TCP_KEEPIDLE=120s TCP_KEEPINTVL=30s TCP_KEEPCNT=4.*accept .*TCP_KEEPIDLE=45s TCP_KEEPINTVL=15s TCP_KEEPCNT=2' \
    "an accept rule's values replace the ones inherited from the listener"
sox -4 SOCKSHIM_KEEPALIVE=120:30:4 SOCKSHIM_RULES='listen keepalive=120:30:4 nodelay=on; accept nodelay=on'
like "$(line accept)" 'SO_KEEPALIVE=on TCP_KEEPIDLE=120s TCP_KEEPINTVL=30s TCP_KEEPCNT=4 .*TCP_NODELAY=on' \
    "equal values on both roles: the accepted socket holds them (inherited)"
# A listener shared through dup() may have been changed through the copy:
# nothing is taken as inherited, and the policy event matches the socket.
cat >"$TMP/dupl.py" <<'PYEOF'
import socket
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
d = l.dup(); d.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
c = socket.create_connection(l.getsockname()); s, _ = l.accept()
print("accepted TCP_NODELAY=%s" % ("on" if s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) else "off"))
PYEOF
out=$(bounded env SOCKSHIM_NODELAY=on SOCKSHIM_LOG_LEVEL=info LD_PRELOAD="$PRELOAD" "$PY" "$TMP/dupl.py" 2>&1)
like "$(printf '%s\n' "$out" | grep -E 'role=accept|^accepted' | tr '\n' ' ')" \
    'role=accept .*TCP_NODELAY=on .*accepted TCP_NODELAY=on' \
    "listener shared by dup(), nodelay changed through the copy: the accepted socket has what the policy event says"
sox -4 SOCKSHIM_CONFIG="$TMP/prec.conf" SOCKSHIM_RULES='connect nodelay=off keepalive=20'
like "$(line connect)" 'SO_LINGER=on:5s SO_KEEPALIVE=on TCP_KEEPIDLE=20s .*TCP_NODELAY=off' \
    "SOCKSHIM_RULES come after the file's rules: they override nodelay and keepalive, linger stays"

# ------------------------------------------- 5. IPv4-mapped peers on ::

cat >"$TMP/dual.py" <<'EOF'
import socket, struct
ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
ls.bind(("::", 0))
ls.listen(4)
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("127.0.0.1", ls.getsockname()[1]))
a, peer = ls.accept()
def linger(s):
    on, secs = struct.unpack("ii", s.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8))
    return "on:%ds" % secs if on else "off"
print("peer=%s accept=%s connect=%s listen=%s" % (peer[0], linger(a), linger(c), linger(ls)))
EOF
dual() {
    bounded env SOCKSHIM_RULES="$1" LD_PRELOAD="$PRELOAD" "$PY" "$TMP/dual.py" 2>&1
}
is "peer=::ffff:127.0.0.1 accept=on:5s connect=off listen=off" \
    "$(dual 'accept addr=127.0.0.1 linger=5')" \
    "dual-stack listener on ::, IPv4 client: accept addr=127.0.0.1 matches the mapped peer"
is "peer=::ffff:127.0.0.1 accept=on:5s connect=off listen=off" \
    "$(dual 'accept addr=::ffff:127.0.0.0/104 linger=5')" \
    "an IPv4-mapped CIDR (::ffff:127.0.0.0/104) is the IPv4 block 127.0.0.0/8"
is "peer=::ffff:127.0.0.1 accept=off connect=off listen=off" \
    "$(dual 'accept addr=10.0.0.0/8 linger=5; accept addr=::1 linger=5')" \
    "the mapped peer matches neither 10.0.0.0/8 nor ::1"

# ------------------------------------------------------ 6. UNIX sockets

cat >"$TMP/unix.py" <<'EOF'
import socket, struct, sys
path = sys.argv[1]
ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ls.bind(path)
ls.listen(1)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(path)
a, _ = ls.accept()
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.bind(("127.0.0.1", 0))
t.listen(1)
def sndtimeo(s):
    sec, usec = struct.unpack("ll", s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, 16))
    return "%dms" % (sec * 1000 + usec // 1000)
def keepalive(s):
    return "on" if s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) else "off"
for name, s in (("unix-listen", ls), ("unix-connect", c), ("unix-accept", a), ("tcp-listen", t)):
    print(name, "SO_SNDTIMEO=" + sndtimeo(s), "SO_KEEPALIVE=" + keepalive(s))
EOF
unix_run() {
    bounded env SOCKSHIM_KEEPALIVE=60 SOCKSHIM_RULES="$2" \
        LD_PRELOAD="$PRELOAD" "$PY" "$TMP/unix.py" "$TMP/$1.sock" 2>&1
}
is "unix-listen SO_SNDTIMEO=2000ms SO_KEEPALIVE=off
unix-connect SO_SNDTIMEO=2000ms SO_KEEPALIVE=off
unix-accept SO_SNDTIMEO=2000ms SO_KEEPALIVE=off
tcp-listen SO_SNDTIMEO=0ms SO_KEEPALIVE=on" \
    "$(unix_run u1 'any family=unix sndtimeo=2s')" \
    "any family=unix sndtimeo=2s: on the UNIX listener, client and accepted socket; the global keepalive stays on TCP"
is "unix-listen SO_SNDTIMEO=0ms SO_KEEPALIVE=off
unix-connect SO_SNDTIMEO=0ms SO_KEEPALIVE=off
unix-accept SO_SNDTIMEO=0ms SO_KEEPALIVE=off
tcp-listen SO_SNDTIMEO=2000ms SO_KEEPALIVE=on" \
    "$(unix_run u2 'any sndtimeo=2s')" \
    "without family=unix a rule reaches TCP sockets only: UNIX sockets untouched"

# ------------------------------------------------- 7. reuseaddr moments

# At bind() the role is not known: listen and any rules decide the reuse
# options, on the bind address.
sox -4 SOCKSHIM_RULES='listen addr=127.0.0.0/8 reuseaddr=on'
like "$(line listen)" 'SO_REUSEADDR=on' "listen addr=127.0.0.0/8 reuseaddr=on: set on the listener at bind()"
unlike "$(line connect)" 'SO_REUSEADDR=on' "listen addr=127.0.0.0/8 reuseaddr=on: not on the connect socket"
sox -6 SOCKSHIM_RULES='listen addr=::1 reuseaddr=on'
like "$(line listen)" 'SO_REUSEADDR=on' "-6 listen addr=::1 reuseaddr=on: set on the listener at bind()"
sox -6 SOCKSHIM_RULES='listen addr=2001:db8::/32 reuseaddr=on'
same_as "-6 listen addr=2001:db8::/32 reuseaddr=on: the bind address does not match" "$BASE6"

tw() { # tw LOG [VAR=VALUE...] -- ARGS: timewait-client under the shim
    _log=$1
    shift
    # Level info: the policy events make sure the log is written (it is
    # created only at its first line).
    bounded env SOCKSHIM_LOG="file:$_log" SOCKSHIM_LOG_LEVEL=info "$@" \
        LD_PRELOAD="$PRELOAD" \
        "$EX/timewait-client" --rounds 3 ${TW_PORT:+--port "$TW_PORT"} \
        2>"$TMP/tw.err"
}
norm() { sed 's/:[0-9][0-9]*/:PORT/g'; }

# Other tests (make -j) and other jobs on the host share its TIME_WAIT
# table: sampled once, full or not, it may fill during the runs. The
# kernel's overflow count, before and after, says whether it did.
tw0=$(tw_overflows)
plain_tw=$(bounded "$EX/timewait-client" --rounds 2)
plain_rc=$?
TW_PORT=
out=$(tw "$TMP/tw-any.log" SOCKSHIM_RULES='any reuseaddr=on')
is "0 3" "$? $(printf '%s\n' "$out" | grep -c 'connected and closed first')" \
    "timewait-client with 'any reuseaddr=on': all 3 rounds connect from the same port"
TW_FULL=$(tw_table_full)
out=$(tw "$TMP/tw-nomatch.log" SOCKSHIM_RULES='listen port=1-10 reuseaddr=on')
rc=$?
[ -n "$TW_FULL" ] || [ "$(tw_overflows)" = "$tw0" ] ||
    TW_FULL="the host's TIME_WAIT table overflowed during the runs: the kernel kept no TIME_WAIT for some"
if [ -n "$TW_FULL" ]; then
    skip "timewait-client with 'listen port=1-10 reuseaddr=on': no match, a later round fails" "$TW_FULL"
else
    is "1" "$rc" "timewait-client with 'listen port=1-10 reuseaddr=on': no match, a later round fails"
fi
TW_PORT=$(free_port)
out=$(tw "$TMP/tw-listen.log" SOCKSHIM_RULES="listen port=${TW_PORT:-1} reuseaddr=on")
is "0 3" "$? $(printf '%s\n' "$out" | grep -c "127\\.0\\.0\\.1:${TW_PORT:-1} -> .*connected and closed first")" \
    "timewait-client --port P with 'listen port=P reuseaddr=on': matched at bind(), all rounds connect"
TW_PORT=
out=$(tw "$TMP/tw-connect.log" SOCKSHIM_RULES='connect reuseaddr=on' \
    SOCKSHIM_LOG_FORMAT=json)
rc=$?
[ -n "$TW_FULL" ] || [ "$(tw_overflows)" = "$tw0" ] ||
    TW_FULL="the host's TIME_WAIT table overflowed during the runs: the kernel kept no TIME_WAIT for some"
if [ -n "$TW_FULL" ]; then
    skip "'connect reuseaddr=on' on a socket bound first: it fails as without sockshim (exit 1)" "$TW_FULL"
    skip "  with the same round 2 EADDRINUSE output as without sockshim" "$TW_FULL"
else
    is "1 1" "$rc $plain_rc" "'connect reuseaddr=on' on a socket bound first: it fails as without sockshim (exit 1)"
    is "$(printf '%s\n' "$plain_tw" | norm)" \
        "$(printf '%s\n' "$out" | sed -n 1,2p | norm)" \
        "  with the same round 2 EADDRINUSE output as without sockshim"
fi
like "$(cat "$TMP/tw-connect.log" 2>/dev/null)" \
    '"level":"warn","kind":"policy_failed",.*"role":"connect".*"sockopt":"SO_REUSEADDR".*"reason":"too_late"' \
    "  and the log holds a warn policy_failed event with reason too_late"
out=$(tw "$TMP/tw-connect-text.log" SOCKSHIM_RULES='connect reuseaddr=on')
like "$(cat "$TMP/tw-connect-text.log" 2>/dev/null)" \
    'warn: policy_failed fd=[0-9]+ tcp .*role=connect .*SO_REUSEADDR.* reason=too_late' \
    "  (text log: warn: policy_failed ... reason=too_late)"
if [ -f "$TMP/tw-any.log" ] && [ -f "$TMP/tw-listen.log" ]; then
    unlike "$(cat "$TMP/tw-any.log" "$TMP/tw-listen.log")" 'policy_failed' \
        "no policy_failed when a listen or any rule set the reuse option at bind()"
else
    ok 1 "no policy_failed when a listen or any rule set the reuse option at bind()"
    diag "sockshim opened no log file for the any or the listen run"
fi

# ------------------------------------------------- 8. malformed lines

# Each bad line sits on line 3 between two good rules; the good rules must
# apply, stdout be as with the good rules alone, the exit status 0, and
# stderr one config_error line naming FILE:3 and the term.
printf '# rules test\nconnect nodelay=on\naccept linger=7\n' >"$TMP/good.conf"
sox -4 SOCKSHIM_CONFIG="$TMP/good.conf"
REF=$OUT
if [ "$RC" = 0 ] && [ -z "$ERR" ] &&
    [ "$(line listen)" = "$(printf '%s\n' "$BASE4" | grep '^listen ')" ] &&
    printf '%s\n' "$(line connect)" | grep -q 'SO_LINGER=off .*TCP_NODELAY=on' &&
    printf '%s\n' "$(line accept)" | grep -q 'SO_LINGER=on:7s .*TCP_NODELAY=off'; then
    ok 0 "reference: the two good rules apply (connect nodelay, accept linger 7)"
else
    ok 1 "reference: the two good rules apply (connect nodelay, accept linger 7)"
    diag "$OUT" "$ERR"
fi

# as_ref DESC: RC 0, OUT as REF (the good rules alone), and the good rules
# show in it: connect nodelay on, accept linger 7. 1 test.
as_ref() {
    if [ "$RC" = 0 ] && [ "$OUT" = "$REF" ] &&
        line connect | grep -q 'TCP_NODELAY=on' &&
        line accept | grep -q 'SO_LINGER=on:7s'; then
        ok 0 "$1"
    else
        ok 1 "$1"
        diag "exit status $RC; stdout:" "$OUT"
    fi
}

# TERM (as quoted in the message) | the bad line
while IFS='|' read -r term bad; do
    f=$TMP/bad.conf
    printf '# rules test\nconnect nodelay=on\n%s\naccept linger=7\n' "$bad" >"$f"
    sox -4 SOCKSHIM_CONFIG="$f"
    one_error "'$bad': one config_error naming FILE:3 and '$term'" "$f:3" "$term"
    as_ref "'$bad': the other rules apply, same stdout, exit 0"
done <<'EOF'
lisen|lisen port=80 nodelay=on
colour=red"|listen colour=red backlog=77
colour"|colour = red
port=0"|any port=0 backlog=77 sndtimeo=3s
port=70000"|any port=70000 backlog=77 sndtimeo=3s
port=9-3"|any port=9-3 backlog=77 sndtimeo=3s
port=80,"|any port=80, backlog=77 sndtimeo=3s
addr=10.0.0.0/33"|any addr=10.0.0.0/33 backlog=77 sndtimeo=3s
addr=::1/129"|any addr=::1/129 backlog=77 sndtimeo=3s
addr=example.com"|any addr=example.com backlog=77 sndtimeo=3s
family=ipx"|any family=ipx backlog=77 sndtimeo=3s
keepalive=abc"|any keepalive=abc backlog=77
nodelay=off"|any nodelay=on nodelay=off backlog=77
port=2"|any port=1 port=2 backlog=77
connect"|connect port=80
port"|any port = 80 backlog=77 sndtimeo=3s
keepalive"|keepalive =
maybe"|nodelay = maybe
EOF

# SOCKSHIM_RULES: the same, named by the rule's number among non-empty ones.
sox -4 SOCKSHIM_RULES='connect nodelay=on; lisen backlog=77; accept linger=7'
one_error "SOCKSHIM_RULES 'lisen ...': one config_error naming SOCKSHIM_RULES #2" \
    "SOCKSHIM_RULES #2" "lisen"
as_ref "SOCKSHIM_RULES 'lisen ...': the other rules apply, same stdout, exit 0"
sox -4 SOCKSHIM_RULES='connect nodelay=on;; any port=x backlog=77 ; accept linger=7'
one_error "SOCKSHIM_RULES 'port=x' after an empty rule: #2 (non-empty rules count)" \
    "SOCKSHIM_RULES #2" 'port=x"'
as_ref "SOCKSHIM_RULES 'port=x': the other rules apply, same stdout, exit 0"

# Too many rules: 64 in all; the 65th (file line 66) is refused.
{
    printf '# rules test\nconnect nodelay=on\naccept linger=7\n'
    i=0
    while [ $i -lt 62 ]; do
        printf 'listen port=1 backlog=5\n'
        i=$((i + 1))
    done
} >"$TMP/64.conf"
cp "$TMP/64.conf" "$TMP/65.conf"
printf 'any backlog=77 sndtimeo=3s\n' >>"$TMP/65.conf"
sox -4 SOCKSHIM_CONFIG="$TMP/64.conf"
as_ref "64 rules are accepted, the good ones apply"
sox -4 SOCKSHIM_CONFIG="$TMP/65.conf"
one_error "65 rules: one config_error naming FILE:66 and the rule" \
    "$TMP/65.conf:66" "any backlog=77"
as_ref "65 rules: the first 64 apply, same stdout, exit 0"
sox -4 SOCKSHIM_CONFIG="$TMP/64.conf" SOCKSHIM_RULES='any backlog=77'
one_error "64 file rules + 1 in SOCKSHIM_RULES: one config_error naming SOCKSHIM_RULES #1" \
    "SOCKSHIM_RULES #1" "any backlog=77"
as_ref "64 + 1 rules: the file's 64 apply, same stdout, exit 0"

# A config file that cannot be read.
sox -4 SOCKSHIM_CONFIG="$TMP/missing.conf" SOCKSHIM_RULES='connect nodelay=on; accept linger=7'
one_error "missing config file: one config_error naming SOCKSHIM_CONFIG and the path" \
    "SOCKSHIM_CONFIG" "$TMP/missing.conf"
as_ref "missing config file: SOCKSHIM_RULES still apply, same stdout, exit 0"
mkdir "$TMP/dir.conf"
sox -4 SOCKSHIM_CONFIG="$TMP/dir.conf" SOCKSHIM_RULES='connect nodelay=on; accept linger=7'
one_error "a directory as config file (read fails, EISDIR): one config_error naming SOCKSHIM_CONFIG and the path" \
    "SOCKSHIM_CONFIG" "$TMP/dir.conf"
as_ref "a directory as config file: SOCKSHIM_RULES still apply, same stdout, exit 0"
# A FIFO would block the program at start-up (nobody writes it); a pipe
# as the suppressions file would be read from the program's own input.
mkfifo "$TMP/fifo.conf"
sox -4 SOCKSHIM_CONFIG="$TMP/fifo.conf" SOCKSHIM_RULES='connect nodelay=on; accept linger=7'
one_error "a FIFO as config file: no hang, one config_error naming SOCKSHIM_CONFIG and the path" \
    "SOCKSHIM_CONFIG" "$TMP/fifo.conf"
as_ref "a FIFO as config file: SOCKSHIM_RULES still apply, same stdout, exit 0"
OUT=$(echo "the program's input" | bounded env LD_PRELOAD="$PRELOAD" SOCKSHIM_SUPPRESS=/dev/stdin cat 2>"$TMP/so.err")
ERR=$(cat "$TMP/so.err")
is "the program's input" "$OUT" "SOCKSHIM_SUPPRESS=/dev/stdin (a pipe): cat still reads all of its input"
one_error "SOCKSHIM_SUPPRESS=/dev/stdin: one config_error naming SOCKSHIM_SUPPRESS" \
    "SOCKSHIM_SUPPRESS" "/dev/stdin"
cp "$TMP/good.conf" "$TMP/noread.conf"
chmod 000 "$TMP/noread.conf"
if [ "$(id -u)" = 0 ]; then
    skip "an unreadable (mode 000) config file gives one config_error" "root reads any file"
    skip "an unreadable config file: same stdout as without it, exit 0" "root reads any file"
else
    sox -4 SOCKSHIM_CONFIG="$TMP/noread.conf"
    one_error "an unreadable (mode 000) config file gives one config_error" \
        "SOCKSHIM_CONFIG" "$TMP/noread.conf"
    is "0 $BASE4" "$RC $OUT" "an unreadable config file: same stdout as without it, exit 0"
fi

# ------------------------------------------------------- 9. --check

cat >"$TMP/check.conf" <<'EOF'
# a valid file
mode = enforce
keepalive = 120
log_level = warn
stacks = on
listen  port=8080            reuseaddr=on backlog=4096
connect port=6379,26379      keepalive=30:5:3 nodelay=on user_timeout=10s
accept  addr=10.0.0.0/8      linger=5   # trailing comment
connect proc=curl            connect_timeout=2s
any     family=unix          sndtimeo=2s
EOF
out=$(launch --check --config "$TMP/check.conf" 2>&1)
is 0 "$?" "--check on a valid file: exit 0"
table=$(printf '%s\n' "$out" | sed -n '/^SOURCE/,/^$/p' | tr -s ' ' | sed '/^$/d')
C=$TMP/check.conf
is "SOURCE APPLIES TO OPTIONS
global (file, environment) any TCP socket keepalive=120
$C:6 listen port=8080 reuseaddr=on backlog=4096
$C:7 connect port=6379,26379 keepalive=30:5:3 user_timeout=10s nodelay=on
$C:8 accept addr=10.0.0.0/8 linger=5s
$C:9 connect proc=curl connect_timeout=2s
$C:10 any family=unix sndtimeo=2s" "$table" \
    "--check: the table has the global options, then each rule with FILE:LINE, scope and options"
like "$out" '^0 errors$' "--check on a valid file: '0 errors'"
unlike "$out" '^error:' "--check on a valid file: no error line"

out=$(SOCKSHIM_KEEPALIVE=90 SOCKSHIM_RULES='accept linger=9' \
    launch --check --config "$C" --keepalive 60 2>&1)
rc=$?
table=$(printf '%s\n' "$out" | sed -n '/^SOURCE/,/^$/p' | tr -s ' ')
like "$table" '^global \(file, environment\) any TCP socket keepalive=60$' \
    "--check: --keepalive 60 over SOCKSHIM_KEEPALIVE=90 over the file's 120"
is "0 SOCKSHIM_RULES #1 accept linger=9s" \
    "$rc $(printf '%s\n' "$table" | grep -v '^$' | tail -n 1)" \
    "--check: SOCKSHIM_RULES listed after the file's rules"

cat >"$TMP/checkbad.conf" <<'EOF'
# an invalid file
connect nodelay=on
lisen port=80 nodelay=on
accept linger=7
colour = red
connect port=x linger=3
EOF
B=$TMP/checkbad.conf
out=$(launch --check --config "$B" 2>&1)
is 1 "$?" "--check on an invalid file: exit 1"
like "$out" "^error: $B:3: 'lisen[^']*': .*; accepted: " "--check: error for line 3 (lisen)"
like "$out" "^error: $B:5: 'colour': unknown key; accepted: " "--check: error for line 5 (colour)"
like "$out" "^error: $B:6: 'port=x': .*; accepted: port=" "--check: error for line 6 (port=x)"
like "$out" "^$B:2 +connect +nodelay=on$" "--check: the valid rule of line 2 is still listed"
like "$out" "^$B:4 +accept +linger=7s$" "--check: the valid rule of line 4 is still listed"
is "2 3 errors" "$(printf '%s\n' "$out" | grep -c "^$B:[0-9]") $(printf '%s\n' "$out" | tail -n 1)" \
    "--check: only the 2 valid rules listed, and '3 errors'"

out=$(SOCKSHIM_NODELAY=maybe launch --check 2>&1)
rc=$?
is 1 "$rc" "--check with SOCKSHIM_NODELAY=maybe: exit 1"
like "$out" "^error: SOCKSHIM_NODELAY: 'maybe': not a valid value; accepted: " \
    "--check names SOCKSHIM_NODELAY and the value"
out=$(launch --check --rules 'connect port=x' 2>&1)
rc=$?
is 1 "$rc" "--check --rules 'connect port=x': exit 1"
like "$out" "^error: --rules( #1)?: 'port=x': " \
    "--check --rules 'connect port=x': the error names --rules (where it came from)"
out=$(SOCKSHIM_LINGER=never launch --check --config "$B" --nodelay maybe 2>&1)
is "1 5 errors" "$? $(printf '%s\n' "$out" | tail -n 1)" \
    "--check validates file, environment and flags together (3 + 1 + 1 errors)"
like "$out" "^error: --nodelay: 'maybe'" "--check names the flag --nodelay for a flag's error"
out=$(launch --check --config "$TMP/missing.conf" 2>&1)
rc=$?
like "$rc $out" "^1 error: [^ ]*: '$TMP/missing\.conf': No such file" \
    "--check --config MISSING: exit 1, the error names the file"
out=$(launch --check --config "$TMP/dir.conf" 2>&1)
rc=$?
like "$rc $out" "^1 error: [^ ]*: '$TMP/dir\.conf': " \
    "--check --config DIRECTORY: exit 1, the error names the file"

# --------------------------------------------------- 10. --config FILE

printf 'keepalive = 120\nconnect keepalive=30 nodelay=on\n' >"$TMP/launch.conf"
OUT=$(launch --config "$TMP/launch.conf" -- "$EX/sockopts" 2>"$TMP/so.err")
RC=$?
is 0 "$RC" "sockshim --config FILE -- sockopts: exit 0"
roles "listen accept" 'TCP_KEEPIDLE=120s .*TCP_NODELAY=off' "sockshim --config FILE: the global keepalive"
like "$(line connect)" 'TCP_KEEPIDLE=30s .*TCP_NODELAY=on' "sockshim --config FILE: the connect rule"
OUT=$(launch --rules 'connect port=x nodelay=on' -- "$EX/sockopts" 2>"$TMP/so.err")
RC=$?
is "2 " "$RC $OUT" "sockshim --rules with a bad rule: exit 2, the command is not run"
like "$(cat "$TMP/so.err")" "^sockshim: error: --rules 'port=x': " "  and the message names --rules and the term"

# ------------------------------------ 11. socat proxy, two policies, ss

cat >"$TMP/echo.py" <<'EOF'
import os, socket, sys, threading
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(8)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
def serve(c):
    with c:
        while True:
            d = c.recv(4096)
            if not d:
                return
            c.sendall(d)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
cat >"$TMP/hold.py" <<'EOF'
import os, socket, sys, time
port, echo_file, stop_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=20)
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
deadline = time.time() + 40
while not os.path.exists(stop_file) and time.time() < deadline:
    time.sleep(0.1)
s.close()
EOF

# ss_keepalive FILTER: `ss -tnoie state established FILTER` in SS_OUT; true
# once a socket shows with a keepalive timer (no data in flight).
ss_keepalive() {
    SS_OUT=$(ss -Htnoie state established "$1" 2>&1)
    printf '%s\n' "$SS_OUT" | grep -q 'timer:(keepalive,' &&
        ! printf '%s\n' "$SS_OUT" | grep -Eq 'timer:\((on|persist)'
}
# ka_ms: the remaining time of the first keepalive timer in ss's output on
# stdin, in milliseconds (ss prints 1min11sec, 59sec, 9.500ms, 500ms).
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
# in_range VALUE LOW HIGH: LOW < VALUE <= HIGH (VALUE may be empty).
in_range() {
    case $1 in '' | *[!0-9]*) return 1 ;; esac
    [ "$1" -gt "$2" ] && [ "$1" -le "$3" ]
}
# ka_check FILTER LOW HIGH DESC: a keepalive timer in (LOW, HIGH] ms. 1 test.
ka_check() {
    poll 10 ss_keepalive "$1"
    _ms=$(printf '%s\n' "$SS_OUT" | ka_ms)
    if in_range "$_ms" "$2" "$3"; then
        ok 0 "$4 (${_ms}ms left)"
    else
        ok 1 "$4"
        diag "remaining: '$_ms' ms; ss said:" "${SS_OUT:-(nothing)}"
    fi
}

timeout -k 5 50 "$PY" "$TMP/echo.py" "$TMP/backend.port" \
    >/dev/null 2>"$TMP/backend.err" &
PIDS="$PIDS $!"
poll 10 test -s "$TMP/backend.port"
P2=$(cat "$TMP/backend.port" 2>/dev/null)
P1=$(free_port)
P1=${P1:-1} P2=${P2:-1}
cat >"$TMP/proxy.conf" <<EOF
# the proxy: its accepted sockets and its sockets to the backend
accept  port=$P1 keepalive=71
connect port=$P2 keepalive=33
EOF
timeout -k 5 50 env SOCKSHIM_CONFIG="$TMP/proxy.conf" LD_PRELOAD="$PRELOAD" \
    socat -d -d "TCP-LISTEN:$P1,bind=127.0.0.1,reuseaddr,fork" \
    "TCP:127.0.0.1:$P2" >/dev/null 2>"$TMP/proxy.err" &
PIDS="$PIDS $!"
poll 10 file_has "$TMP/proxy.err" "listening on .*:$P1\$"
timeout -k 5 50 "$PY" "$TMP/hold.py" "$P1" "$TMP/hold.echo" "$TMP/hold.stop" \
    >/dev/null 2>"$TMP/hold.err" &
HOLD=$!
PIDS="$PIDS $HOLD"
poll 10 test -e "$TMP/hold.echo"
is "ping" "$(cat "$TMP/hold.echo" 2>/dev/null)" \
    "socat proxy under the shim relays a held connection to the backend"
ka_check "( sport = :$P1 )" 60000 71000 \
    "ss: the proxy's accepted socket (port $P1) has a keepalive timer in (60s, 71s]"
ka_check "( dport = :$P2 )" 20000 33000 \
    "ss: the proxy's socket to the backend (port $P2) has a keepalive timer in (20s, 33s]"
unlike "$(cat "$TMP/proxy.err")" 'config_error|policy_failed' \
    "the proxy's log has no config_error or policy_failed"
: >"$TMP/hold.stop"
# Let the relay end by itself (socat's child exits on the client's EOF and
# its parent reaps it) before the trap stops what is left.
wait "$HOLD" 2>/dev/null
relay_gone() { [ -z "$(ss -Htn state established "( dport = :$P2 )" 2>/dev/null)" ]; }
poll 5 relay_gone

# The sample policies shipped in examples/ validate cleanly.
for conf in web-server redis-client reverse-proxy; do
    out=$(bounded "$BUILD/tools/sockshim" --check --config "$SRC/examples/$conf.conf")
    rc=$?
    is "0 0 errors" "$rc $(printf '%s\n' "$out" | tail -n 1)" \
        "examples/$conf.conf passes sockshim --check"
done
