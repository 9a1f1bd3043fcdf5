#!/bin/sh
# report-symbols.sh — sockshim-report's file:line against addr2line's, on
# logs of real runs. 1: two fork-server --bug and two closewait-server
# processes under sockshim, a socat client each, each stopped by SIGTERM
# as a service manager stops it, their logs in one directory: one
# close_wait finding per bug in 2 processes; the accept() of the creation
# stacks and closewait-server's recv() of the EOF stack (fork-server's
# EOF is read by the child, which closes its copy) at the file:line
# addr2line gives for the same module offset, which is also the line of
# that call in the source. 2: another host's program, stripped, its
# debugging information split into a .build-id tree, the program itself
# gone: --debug-dir gives the lines of the unstripped build; without it,
# module+offset.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

TEST_TIMEOUT=${TEST_TIMEOUT:-60}
REPORT=$BUILD/tools/report/sockshim-report
FORK=$EX/fork-server
CWS=$EX/closewait-server
for f in "$REPORT" "$FORK" "$CWS"; do
    [ -x "$f" ] || skip_all "$f not built"
done
for c in addr2line readelf objcopy socat; do
    command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
done
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -x "$PY" ] || skip_all "python3 not installed"
# Symbols from this machine's files only, never from a debuginfod server.
unset DEBUGINFOD_URLS

plan 27

SHIM_ENV="SOCKSHIM_LOG_FORMAT=json SOCKSHIM_CLOSE_WAIT=500ms SOCKSHIM_SCAN=100ms"

# serve NAME LOGDIR PROGRAM ARGS...: PROGRAM under sockshim in the
# background, its log in LOGDIR/x-PID.jsonl, its own pid in NAME.pid
# (the shell execs it), timeout's in NAME.job; waits for "listening on",
# then one client (socat) sends a line, reads the echo and closes: the
# server never closes its side, which stays in CLOSE_WAIT.
serve() {
    _name=$1 _logs=$2
    shift 2
    # shellcheck disable=SC2016 # $$ and $0 are the inner shell's
    # shellcheck disable=SC2086 # SHIM_ENV is a list of settings
    bounded sh -c 'echo "$$" >"$0"; exec "$@"' "$TMP/$_name.pid" \
        env LD_PRELOAD="$PRELOAD" $SHIM_ENV \
        SOCKSHIM_LOG="file:$_logs/x-%p.jsonl" "$@" >"$TMP/$_name.out" 2>&1 &
    echo $! >"$TMP/$_name.job"
    PIDS="$PIDS $!"
    poll 10 file_has "$TMP/$_name.out" '^listening on 127\.0\.0\.1:[0-9]+$'
    _port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
        "$TMP/$_name.out")
    echo hello | bounded socat - "TCP:127.0.0.1:$_port" >/dev/null
}

# stop NAME LOGDIR PROGRAM: once NAME's log holds its close_wait and the
# module event of PROGRAM (written right after it), SIGTERM to the
# program itself; its exit status, through timeout(1), in STATUS.
stop() {
    _pid=$(cat "$TMP/$1.pid")
    poll 20 file_has "$2/x-$_pid.jsonl" '"kind":"close_wait"'
    poll 5 file_has "$2/x-$_pid.jsonl" \
        "\"kind\":\"module\".*\"path\":\"[^\"]*/$3\""
    kill -TERM "$_pid"
    wait "$(cat "$TMP/$1.job")"
    STATUS=$?
}

# report ARGS...: sockshim-report's stdout in OUT (and report.out),
# stderr in ERR, exit status in RC.
report() {
    bounded "$REPORT" "$@" >"$TMP/report.out" 2>"$TMP/report.err"
    RC=$?
    OUT=$(cat "$TMP/report.out")
    ERR=$(cat "$TMP/report.err")
}

# frame.py REPORT_JSON PROG ROLE LOG...: in the ROLE stack (created_at,
# stack) of PROG's close_wait finding, the first frame in PROG itself:
# "OFFSET RET SYMBOLS". RET (1: a return address) comes from the logged
# frame, the report leaving it out; SYMBOLS are the report's "func
# file:line", innermost first, ";"-joined ("-": none).
cat >"$TMP/frame.py" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
prog, role = sys.argv[2], sys.argv[3]
found = [f for f in doc["findings"]
         if f["kind"] == "close_wait" and f["programs"] == [prog]]
if len(found) != 1:
    sys.exit("%d close_wait findings of %s" % (len(found), prog))
frames = found[0].get(role, [])
at = [i for i, fr in enumerate(frames) if fr["module"] == prog]
if not at:
    sys.exit("no frame of %s in %s" % (prog, role))
i, fr = at[0], frames[at[0]]
rets = set()
for name in sys.argv[4:]:
    for line in open(name):
        ev = json.loads(line)
        logged = ev.get(role) or []
        if (ev.get("kind") == "close_wait" and ev.get("prog") == prog
                and len(logged) > i and logged[i]["offset"] == fr["offset"]):
            rets.add(int(logged[i].get("ret", i > 0)))
if len(rets) != 1:
    sys.exit("the log's frame #%d of %s: ret %s" % (i, role, sorted(rets)))
syms = ";".join("%s %s:%s" % (s.get("func"), s.get("file"), s.get("line"))
                for s in fr.get("symbols", []))
print(fr["offset"], rets.pop(), syms or "-")
EOF

# addr2line_at BINARY OFFSET RET: what addr2line says of the module
# offset (from the first mapping, as the library logs it; a return
# address looked up a byte earlier, at the call), in frame.py's form.
addr2line_at() {
    _load=$(readelf -lW "$1" | awk '$1 == "LOAD" { print $3; exit }')
    addr2line -e "$1" -f -i "$(printf '0x%x' $(((_load & ~4095) + $2 - $3)))" |
        sed 's/ (discriminator [0-9]*)$//' | paste -d' ' - - | paste -sd';' -
}

# check_frame DESC BINARY SOURCE ERE PROG ROLE LOG...: the report in
# report.out (--json) names PROG's first frame of ROLE as addr2line on
# BINARY does, and that line is SOURCE's one line matching ERE. 2 tests.
check_frame() {
    _desc=$1 _bin=$2 _source=$3 _ere=$4 _prog=$5 _role=$6
    shift 6
    _seen=$("$PY" "$TMP/frame.py" "$TMP/report.out" "$_prog" "$_role" "$@" 2>&1)
    # shellcheck disable=SC2086 # OFFSET RET SYMBOLS, split on purpose
    set -- $_seen
    _want=$(addr2line_at "$_bin" "$1" "$2" 2>&1)
    shift 2
    is "$_want" "$*" "$_desc: the report's func file:line is addr2line's"
    # The innermost function's line, as addr2line gives it.
    _a2l=$(printf '%s\n' "$_want" | sed 's/;.*//; s/.*://')
    is "$(grep -n -E -- "$_ere" "$_source" | cut -d: -f1)" "$_a2l" \
        "$_desc: that is the line of '$_ere' in ${_source##*/}"
}

# ------------------------------------------------ 1. findings of real runs

LOGS=$TMP/logs
mkdir "$LOGS"
for n in 1 2; do
    serve "fork$n" "$LOGS" "$FORK" --bug --hold 50
    serve "cws$n" "$LOGS" "$CWS" --hold 50
done
codes=
for n in 1 2; do
    stop "fork$n" "$LOGS" fork-server
    codes="$codes${codes:+ }$STATUS"
    stop "cws$n" "$LOGS" closewait-server
    codes="$codes $STATUS"
done
PIDS=
is "143 143 143 143" "$codes" \
    "each server ran until SIGTERM ended it (status 143)"

report --json "$LOGS"
counts=$("$PY" -c '
import json, sys
doc = json.load(open(sys.argv[1]))
for prog in ("fork-server", "closewait-server"):
    cw = [f for f in doc["findings"]
          if f["kind"] == "close_wait" and prog in f["programs"]]
    print(prog, len(cw), *[(f["events"], f["processes"]) for f in cw])
' "$TMP/report.out" 2>&1)
is "fork-server 1 (2, 2)
closewait-server 1 (2, 2)" "$counts" \
    "--json: one close_wait finding per program, 2 events in 2 processes each"
# The bug fork-server --bug has: the parent's copy of a connection its
# child served. The child read the EOF and closed its own copy, so the
# parent's event has no EOF stack: the kernel saw the CLOSE_WAIT.
forked=$("$PY" -c '
import json, sys
for name in sys.argv[1:]:
    for line in open(name):
        ev = json.loads(line)
        if ev["kind"] == "close_wait" and ev["prog"] == "fork-server":
            print(ev.get("fork"), "child_pid" in ev, ev.get("eof"))
' "$LOGS"/x-*.jsonl 2>&1)
is "parent True kernel
parent True kernel" "$forked" \
    "fork-server: each event is the parent's copy after fork(), its child named"

report "$LOGS"
like "$OUT" '^error close_wait ×2 in 2 processes on 1 host \(fork-server\) ' \
    "text: fork-server's close_wait in 2 processes"
like "$OUT" '^error close_wait ×2 in 2 processes on 1 host \(closewait-server\) ' \
    "text: closewait-server's close_wait in 2 processes"

report --json "$LOGS"
check_frame "fork-server's creation stack" "$FORK" \
    "$SRC/examples/fork-server.c" 'fd = accept\(listener' \
    fork-server created_at "$LOGS"/x-*.jsonl
check_frame "closewait-server's creation stack" "$CWS" \
    "$SRC/examples/closewait-server.c" 'int conn = accept\(listener' \
    closewait-server created_at "$LOGS"/x-*.jsonl
check_frame "closewait-server's EOF stack" "$CWS" \
    "$SRC/examples/closewait-server.c" 'return recv\(conn' \
    closewait-server stack "$LOGS"/x-*.jsonl

# The library writes a module event after the first stack that names the
# module; one process's events before it in its log (as when an earlier
# event had named the module) must not make a second finding.
mkdir "$TMP/reordered"
"$PY" - "$TMP/reordered" "$LOGS"/x-*.jsonl <<'EOF'
import json, os, sys
first = True
for name in sys.argv[2:]:
    lines = open(name).read().splitlines()
    if first and any('"prog":"closewait-server"' in l for l in lines):
        lines.sort(key=lambda l: json.loads(l)["kind"] != "module")
        first = False
    with open(os.path.join(sys.argv[1], os.path.basename(name)), "w") as out:
        out.write("\n".join(lines) + "\n")
EOF
report "$TMP/reordered"
like "$OUT" '^error close_wait ×2 in 2 processes on 1 host \(closewait-server\) ' \
    "module events first in one process's log: still one finding in 2 processes"

# ------------------------------------------ 2. another host's debug files

# The host that ran the program keeps it stripped; its debugging
# information went to a .build-id tree, as a -dbgsym package ships it.
# This directory is where the report runs: --debug-dir is relative.
cd "$TMP" || bail "cannot cd to $TMP"
mkdir host full gone
CROSS=$TMP/host/closewait-server
if ${CC:-cc} -g -O1 -fno-omit-frame-pointer -o full/closewait-server \
    "$SRC/examples/closewait-server.c" 2>"$TMP/cc.err"; then
    BUILD_ID=$(readelf -n full/closewait-server | sed -n 's/.*Build ID: *//p')
    XX=$(printf '%s' "$BUILD_ID" | cut -c1-2)
    REST=$(printf '%s' "$BUILD_ID" | cut -c3-)
    mkdir -p "DEBUG/.build-id/$XX" "DEBUG2/$XX"
    cp full/closewait-server "$CROSS"
    objcopy --only-keep-debug "$CROSS" "DEBUG/.build-id/$XX/$REST.debug"
    objcopy --strip-debug \
        --add-gnu-debuglink="DEBUG/.build-id/$XX/$REST.debug" "$CROSS"
    cp "DEBUG/.build-id/$XX/$REST.debug" "DEBUG2/$XX/"
    stripped="$(readelf -n "$CROSS" | sed -n 's/.*Build ID: *//p') $(readelf -S "$CROSS" | grep -c '\.debug_info')"
    is "$BUILD_ID 0" "$stripped" \
        "the program: stripped of .debug_info, the build-id kept ($BUILD_ID)"

    mkdir cross
    serve cross "$TMP/cross" "$CROSS" --hold 50
    stop cross "$TMP/cross" closewait-server
    PIDS=
    is 143 "$STATUS" \
        "the stripped program ran under sockshim until SIGTERM"
    mv "$CROSS" gone/
    like "$(cat cross/x-*.jsonl)" "\"kind\":\"module\".*\"path\":\"$CROSS\"" \
        "its log names the program's path"
    [ ! -e "$CROSS" ]
    ok $? "and that path no longer exists"

    report --json --debug-dir DEBUG cross
    check_frame "--debug-dir DEBUG (.build-id/xx/rest.debug), accept()" \
        full/closewait-server "$SRC/examples/closewait-server.c" \
        'int conn = accept\(listener' closewait-server created_at \
        cross/x-*.jsonl
    check_frame "--debug-dir DEBUG, recv()" full/closewait-server \
        "$SRC/examples/closewait-server.c" 'return recv\(conn' \
        closewait-server stack cross/x-*.jsonl
    with_debug=$OUT
    # same_report DESC: OUT is that report, the program's frames resolved.
    same_report() {
        case $OUT in
        *'closewait-server.c"'*) is "$with_debug" "$OUT" "$1" ;;
        *) ok 1 "$1" || diag "no frame at closewait-server.c:" "$OUT" ;;
        esac
    }
    report --json --debug-dir "$TMP/DEBUG2" cross
    same_report "--debug-dir DEBUG2 (the xx/rest.debug layout): the same report"
    # The unstripped program as .build-id/xx/rest (no .debug), which only
    # libdwfl's own search finds, and it skips relative directories.
    mkdir -p "DEBUG3/.build-id/$XX"
    cp full/closewait-server "DEBUG3/.build-id/$XX/$REST"
    report --json --debug-dir DEBUG3 cross
    same_report "--debug-dir DEBUG3, relative, the program at .build-id/xx/rest: the same report"

    report cross
    is "0:" "$RC:$ERR" "without --debug-dir: exit 0, nothing on stderr"
    frames=$(printf '%s\n' "$OUT" | grep -E '^    #[0-9]+ .*closewait-server\+0x')
    like "$frames" '^    #0 read_some closewait-server\+0x[0-9a-f]+$' \
        "without --debug-dir: a frame of the program is the logged name, module+offset"
    unlike "$frames" '\(' "and none of the program's frames has a file:line"
    report --json cross
    bare=$("$PY" -c '
import json, sys
doc = json.load(open(sys.argv[1]))
for f in doc["findings"]:
    for role in ("stack", "created_at"):
        for fr in f.get(role, []):
            if fr["module"] == "closewait-server":
                print(fr.get("build_id"), "symbols" in fr)
' "$TMP/report.out" | sort -u)
    is "$BUILD_ID False" "$bare" \
        "--json without --debug-dir: the program's frames keep the build-id, no symbols"

    # Another build at the logged path, without a build-id to tell: its
    # offsets point at other code, so it must not name lines.
    if ${CC:-cc} -g -O0 -Wl,--build-id=none -o "$CROSS" \
        "$SRC/examples/closewait-server.c" 2>"$TMP/cc.err"; then
        report cross
        frames=$(printf '%s\n' "$OUT" | grep -E '^    #[0-9]+ .*closewait-server\+0x')
        unlike "$frames" '\(' \
            "another build without a build-id at the logged path: refused, module+offset"
    else
        skip "another build at the logged path" "$(cat "$TMP/cc.err")"
    fi
else
    diag "$(cat "$TMP/cc.err")"
    for t in "the stripped program" "it ran under sockshim" \
        "its log names the program's path" "that path no longer exists" \
        "--debug-dir, accept()" "accept()'s source line" \
        "--debug-dir, recv()" "recv()'s source line" "the xx/rest.debug layout" \
        "the program at .build-id/xx/rest" \
        "without --debug-dir: exit 0" "module+offset" "no file:line" \
        "--json without --debug-dir" "another build at the logged path"; do
        skip "$t" "no C compiler (${CC:-cc}) to build the program"
    done
fi
