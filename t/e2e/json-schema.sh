#!/bin/sh
# json-schema.sh — real JSON logs of every event kind, validated against
# the schema sockshim ships (doc/sockshim-log.schema.json) with
# python3-jsonschema: each example program that shows one misuse, under
# sockshim, and the policy, audit, configuration, fork, descriptor-limit
# and live-report cases, all logging JSON at level info.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "Debian's python3 not installed"
"$PY" -c 'import jsonschema' 2>/dev/null ||
    skip_all "python3-jsonschema not installed (tools/setup-debian.sh installs it)"
command -v prlimit >/dev/null 2>&1 || skip_all "prlimit not installed"
SCHEMA=$SRC/doc/sockshim-log.schema.json

plan 4

LOGS=$TMP/logs
mkdir -p "$LOGS"
# json NAME VAR=VALUE... -- COMMAND...: COMMAND under sockshim, its JSON
# log in LOGS/NAME-PID.jsonl, level info, every check.
json() {
    _name=$1
    shift
    _env=
    while [ "$1" != -- ]; do
        _env="$_env $1"
        shift
    done
    shift
    # shellcheck disable=SC2086 # _env is a list of settings
    bounded env LD_PRELOAD="$PRELOAD" SOCKSHIM_LOG_FORMAT=json \
        SOCKSHIM_LOG_LEVEL=info SOCKSHIM_LOG="file:$LOGS/$_name-%p.jsonl" \
        SOCKSHIM_CLOSE_WAIT=1s SOCKSHIM_SCAN=200ms $_env "$@" \
        >"$TMP/$_name.out" 2>&1 </dev/null
}

json unread -- "$EX/rst-peer" --unread
json linger -- "$EX/rst-peer" --linger0
json double -- "$EX/double-close" --bug
json shutdown -- "$EX/shutdown-misuse" --unconnected
json wsd -- "$EX/write-after-reset" --after-shutdown
json overflow -- "$EX/backlog-overflow"
json timewait -- "$EX/timewait-client" --rounds 2
json policy SOCKSHIM_NODELAY=on -- "$EX/sockopts"
json override SOCKSHIM_NODELAY=on SOCKSHIM_KEEPALIVE=bogus -- \
    "$EX/sockopts" --set TCP_NODELAY=0
json audit SOCKSHIM_MODE=audit SOCKSHIM_NODELAY=on -- "$EX/sockopts"
# TCP_NODELAY on a UNIX listener: the kernel refuses, policy_failed.
echo 'any family=unix nodelay=on' >"$TMP/unix.conf"
json failed "SOCKSHIM_CONFIG=$TMP/unix.conf" -- "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen()' "$TMP/unix.sock"

# A leaking server: close_wait, late_close, leak_at_exit, open_sockets.
json leak SOCKSHIM_REPORT=200ms -- "$EX/closewait-server" --connections 2 \
    --close-after 2 >/dev/null &
PIDS="$PIDS $!"
poll 20 grep -q '^listening on' "$TMP/leak.out"
PORT=$(sed -n 's/^listening on 127\.0\.0\.1://p' "$TMP/leak.out")
for _ in 1 2; do
    "$PY" -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"x\n"); s.recv(8); s.close()' "$PORT"
done
wait

# Out of descriptors: fd_pressure, fd_exhausted.
cat >"$TMP/exhaust.py" <<'EOF'
import socket
kept = []
try:
    while True:
        kept.append(socket.socket())
except OSError:
    pass
EOF
json exhaust -- prlimit --nofile=32 "$PY" "$TMP/exhaust.py"

"$PY" - "$SCHEMA" "$LOGS" >"$TMP/validate.out" 2>&1 <<'EOF'
import glob, json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
kinds, lines, bad = set(), 0, 0
for path in sorted(glob.glob(sys.argv[2] + "/*.jsonl")):
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        lines += 1
        event = json.loads(line)
        kinds.add(event.get("kind"))
        for error in validator.iter_errors(event):
            bad += 1
            print("%s:%d: %s at %s" % (path.rsplit("/", 1)[1], n,
                                        error.message[:200],
                                        "/".join(map(str, error.path))))
print("lines %d invalid %d" % (lines, bad))
print("kinds " + " ".join(sorted(k for k in kinds if k)))
EOF
ok $? "the schema is a valid JSON Schema (2020-12), every line parses" ||
    diag "$(tail -n 20 "$TMP/validate.out")"
like "$(cat "$TMP/validate.out")" '^lines [1-9][0-9]* invalid 0$' \
    "every line of every log matches the schema"
ALL=$(printf '%s ' abortive_close accept_overflow addr_in_use app_override \
    close_unread close_wait config_error double_close fd_exhausted \
    fd_pressure late_close leak_at_exit module open_sockets policy \
    policy_failed shutdown_misuse summary would_apply write_after_shutdown)
seen=$(sed -n 's/^kinds //p' "$TMP/validate.out")
is "${ALL% }" "$seen" "the logs hold every event kind"
"$PY" - "$SCHEMA" >"$TMP/negative.out" 2>&1 <<'EOF'
import json, sys
import jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
base = {"schema": 1, "ts": "2026-12-04T10:00:00.000000Z", "host": "h",
        "pid": 1, "tid": 1, "prog": "p", "level": "warn"}
wrong = [
    dict(base, kind="late_close", fd=3, after="12.0s", why="w"),
    dict(base, kind="leak_at_exit", count=1, close_wait=1, role="accept",
         fds="5,6", why="w"),
    dict(base, kind="addr_in_use", call="bind", errno="EADDRINUSE",
         reuseaddr="off", why="w"),
    dict(base, kind="close_wait", fd=3, age_ms=1200, eof="read", why="w",
         child_alive="no"),
    dict(base, kind="close_unread", fd=3, unread=1, why="w",
         stack=[{"ip": "0x1", "module": "m", "offset": "0x1", "func": None}]),
]
print(sum(1 for e in wrong if not v.is_valid(e)), "of", len(wrong))
EOF
is "5 of 5" "$(cat "$TMP/negative.out")" \
    "and it refuses the old untyped forms (a text duration, fds as text, yes/no, frames without ret)"
