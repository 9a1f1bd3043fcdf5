#!/bin/sh
# systemd.sh — the example drop-in, examples/systemd/sockshim.conf, used
# the way systemd uses it: its Environment= lines parsed by systemd's
# rules (words split on blanks, double and single quotes, C escapes,
# %% for %, an empty assignment clearing the list), and a service started
# with exactly that environment and nothing else (env -i). Three values
# are redirected for the test, none dropped: LD_PRELOAD to the built
# library, SOCKSHIM_CONFIG to a policy of the test's, and SOCKSHIM_LOG=syslog
# to syslog:SOCKET, a private datagram socket a small receiver here reads
# (no journald or rsyslogd needed). The service is examples/closewait-server
# with its CLOSE_WAIT bug; its close_wait must arrive as JSON, tagged with
# the program's name, as journalctl -t would find it.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

DROPIN=$BUILD/examples/systemd/sockshim.conf
[ -f "$DROPIN" ] || skip_all "$DROPIN not built"
CWS=$EX/closewait-server
[ -x "$CWS" ] || skip_all "$CWS not built"
PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "$PY not installed"

plan 9

# ------------------------------------------------- 1. the drop-in's words

# Environment= as systemd reads it (systemd.exec(5), systemd.syntax(7)):
# one VAR=VALUE per word, in order, later ones winning; prints them one
# a line (the values here have no newline).
cat >"$TMP/dropin.py" <<'EOF'
import re, sys

ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
           "t": "\t", "v": "\v", "\\": "\\", '"': '"', "'": "'",
           "s": " "}

def words(text):
    """Split TEXT as systemd's extract_first_word() with UNQUOTE and
    CUNESCAPE: blanks separate words, quotes group, backslash escapes."""
    out, word, quote, i, have = [], "", None, 0, False
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n in ESCAPES:
                word += ESCAPES[n]; i += 2
            elif n == "x" and re.match(r"[0-9a-fA-F]{2}", text[i + 2:i + 4]):
                word += chr(int(text[i + 2:i + 4], 16)); i += 4
            else:
                sys.exit("bad escape \\%s" % n)
            have = True
            continue
        if quote:
            if c == quote:
                quote = None
            else:
                word += c
        elif c in "\"'":
            quote, have = c, True
        elif c in " \t":
            if have:
                out.append(word)
            word, have = "", False
        else:
            word += c; have = True
        i += 1
    if quote:
        sys.exit("unterminated quote")
    if have:
        out.append(word)
    return out

env, section, lines = {}, None, open(sys.argv[1]).read().split("\n")
logical = []
while lines:
    line = lines.pop(0).strip()
    while line.endswith("\\") and lines:
        line = line[:-1] + " " + lines.pop(0).strip()
    logical.append(line)
for line in logical:
    if not line or line[0] in "#;":
        continue
    if line.startswith("["):
        section = line.strip("[]")
        continue
    key, _, value = line.partition("=")
    if section != "Service" or key.strip() != "Environment":
        continue
    value = value.strip()
    if value == "":
        env.clear()
        continue
    for w in words(value.replace("%%", "\0")):
        if "%" in w:
            sys.exit("a specifier this parser does not expand: %r" % w)
        w = w.replace("\0", "%")
        name, eq, val = w.partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            sys.exit("not VAR=VALUE: %r" % w)
        env.pop(name, None)
        env[name] = val
for name, val in env.items():
    print("%s=%s" % (name, val))
EOF
"$PY" "$TMP/dropin.py" "$DROPIN" >"$TMP/env" 2>"$TMP/env.err"
ok $? "the drop-in parses as systemd reads Environment=" ||
    diag "$(cat "$TMP/env.err")"
value() { sed -n "s/^$1=//p" "$TMP/env"; }
like "$(value LD_PRELOAD)" "^/.*/libsockshim\.so$" \
    "LD_PRELOAD is the installed library's absolute path"
is "/etc/sockshim.conf syslog json" \
    "$(value SOCKSHIM_CONFIG) $(value SOCKSHIM_LOG) $(value SOCKSHIM_LOG_FORMAT)" \
    "SOCKSHIM_CONFIG, SOCKSHIM_LOG and SOCKSHIM_LOG_FORMAT as documented"
is "LD_PRELOAD SOCKSHIM_CONFIG SOCKSHIM_LOG SOCKSHIM_LOG_FORMAT" \
    "$(sed 's/=.*//' "$TMP/env" | sort | tr '\n' ' ' | sed 's/ $//')" \
    "and nothing else"

# ------------------------------------------- 2. a service under it

# The receiver: each datagram as one line of recv.out; it binds before
# it prints "ready".
cat >"$TMP/recv.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(65536).decode("utf-8", "replace").rstrip("\n") + "\n")
        out.flush()
EOF
: >"$TMP/recv.out"
"$PY" "$TMP/recv.py" "$TMP/log.sock" "$TMP/recv.out" >"$TMP/recv.ready" &
PIDS="$PIDS $!"
poll 10 grep -q ready "$TMP/recv.ready"
ok $? "the private syslog socket is ready"

# The policy the service reads: a short CLOSE_WAIT threshold, and a
# keepalive the accepted socket must show (proof the file was read).
printf 'keepalive = 60:10:3\nclose_wait = 1s\nscan = 200ms\n' >"$TMP/sockshim.conf"
# The drop-in's environment, three values pointed at the test's own.
sed -e "s|^LD_PRELOAD=.*|LD_PRELOAD=$SHIM_LIB|" \
    -e "s|^SOCKSHIM_CONFIG=.*|SOCKSHIM_CONFIG=$TMP/sockshim.conf|" \
    -e "s|^SOCKSHIM_LOG=syslog\$|SOCKSHIM_LOG=syslog:$TMP/log.sock|" \
    "$TMP/env" >"$TMP/env.test"

# systemd starts a service with a near-empty environment (PATH and the
# unit's own): env -i and the drop-in's words, read one a line.
: >"$TMP/cws.out"
(
    set -f
    IFS='
'
    # shellcheck disable=SC2046 # one VAR=VALUE a line
    # shellcheck disable=SC2016 # expanded by that sh, not this one
    exec timeout -k 5 60 sh -c 'echo $$ >"$0" && exec "$@"' "$TMP/cws.pid" \
        env -i PATH=/usr/bin:/bin $(cat "$TMP/env.test") \
        "$CWS" --port 0 --connections 1 --hold 30 --show-options
) >"$TMP/cws.out" 2>"$TMP/cws.err" &
PIDS="$PIDS $!"
poll 10 grep -q '^listening on 127\.0\.0\.1:' "$TMP/cws.out"
ok $? "the service starts with the drop-in's environment" ||
    diag "$(cat "$TMP/cws.err")"
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/cws.out")

# One client: a line, its echo, then the client closes; the server never
# does, and its socket waits in CLOSE_WAIT.
bounded "$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"hello\n")
s.makefile("rb").readline()  # the echo, read whole: a close with it unread would reset
s.close()
' "${port:-0}"
poll 10 grep -q 'TCP_KEEPIDLE=60s' "$TMP/cws.out"
ok $? "the service's accepted socket has the configured keepalive" ||
    diag "$(cat "$TMP/cws.out")"

poll 15 grep -q '"kind":"close_wait"' "$TMP/recv.out"
pid=$(cat "$TMP/cws.pid")
line=$(grep '"kind":"close_wait"' "$TMP/recv.out" | head -n 1)
like "$line" \
    "^<[0-9]+>[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} closewait-server\[$pid\]: @cee:\{" \
    "its close_wait arrives over syslog, tagged closewait-server[PID]" ||
    diag "$(head -5 "$TMP/recv.out")"
printf '%s\n' "${line#*@cee:}" >"$TMP/event.json"
"$PY" -c '
import json, sys
ev = json.load(open(sys.argv[1]))
sys.exit(0 if ev.get("kind") == "close_wait" else 1)
' "$TMP/event.json" 2>/dev/null
ok $? "... as one JSON object (SOCKSHIM_LOG_FORMAT=json)"
kill -USR1 "$pid" 2>/dev/null
