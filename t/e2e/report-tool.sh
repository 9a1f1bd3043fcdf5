#!/bin/sh
# report-tool.sh — sockshim-report on real logs: three closewait-server
# processes, two double-close --bug and one rst-peer --unread, each
# under sockshim with a JSON log of its own. The same stack in three
# processes is one finding "in 3 processes"; findings come worst first;
# frames are symbolized to closewait-server.c:LINE; journalctl -o json,
# @cee: and TAG[PID]: syslog lines, --field exports and gzip'd files
# give the same report as the plain logs; a bad line is counted, not
# fatal; repeat lines count into their finding; schema 1's module events
# and host field are used; --fail-on, --baseline, --json, --html,
# --gen-suppressions fed back through --suppress, the filters and the
# exit status of a usage error.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

TEST_TIMEOUT=${TEST_TIMEOUT:-30}
REPORT=$BUILD/tools/report/sockshim-report
CWS=$EX/closewait-server
DC=$EX/double-close
RST=$EX/rst-peer
for f in "$REPORT" "$CWS" "$DC" "$RST"; do
    [ -x "$f" ] || skip_all "$f not built"
done
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -x "$PY" ] || skip_all "python3 not installed"
command -v gzip >/dev/null 2>&1 || skip_all "gzip not installed"

plan 57

LOGS=$TMP/logs
mkdir "$LOGS"
SHIM_ENV="SOCKSHIM_LOG_FORMAT=json SOCKSHIM_CLOSE_WAIT=1s SOCKSHIM_SCAN=200ms"

# ------------------------------------------------------- making real logs

# One connection that sends a line, reads its echo and closes: the
# server reads the EOF and never closes (CLOSE_WAIT).
CLIENT=$SRC/t/helpers/echo-client.py

# start_cws TAG: closewait-server under sockshim, 2 connections, its log
# in $LOGS/cw-PID.jsonl, reports of open sockets every 300 ms; waits (5 s
# at most) for "listening on 127.0.0.1:PORT" and keeps PORT in TAG.port.
start_cws() {
    : >"$TMP/$1.out"
    # shellcheck disable=SC2086 # SHIM_ENV is a list of settings
    bounded env LD_PRELOAD="$PRELOAD" $SHIM_ENV SOCKSHIM_REPORT=300ms \
        SOCKSHIM_LOG="file:$LOGS/cw-%p.jsonl" \
        "$CWS" --connections 2 --hold 3 >"$TMP/$1.out" 2>&1 &
    echo $! >"$TMP/$1.pid"
    PIDS="$PIDS $!"
    poll 5 file_has "$TMP/$1.out" '^listening on 127\.0\.0\.1:[0-9]+$'
    sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/$1.out" \
        >"$TMP/$1.port"
}

# each_logged ERE: a line of each server's log matches ERE.
each_logged() {
    [ "$(grep -El -- "$1" "$LOGS"/cw-*.jsonl 2>/dev/null | wc -l)" -ge 3 ]
}

for s in cw1 cw2 cw3; do start_cws "$s"; done
for s in cw1 cw2 cw3; do
    bounded "$PY" "$CLIENT" "$(cat "$TMP/$s.port")"
done
# A second connection once each server has reported its accepted socket
# (a group of 1): the group grows between two reports of each.
poll 10 each_logged '"kind":"open_sockets".*"role":"accept"'
for s in cw1 cw2 cw3; do
    bounded "$PY" "$CLIENT" "$(cat "$TMP/$s.port")"
done
# Meanwhile, the other misuses: each run is a process of its own.
for _ in 1 2; do
    bounded env LD_PRELOAD="$PRELOAD" SOCKSHIM_LOG_FORMAT=json \
        SOCKSHIM_LOG="file:$LOGS/dc-%p.jsonl" "$DC" --bug >/dev/null 2>&1
done
bounded env LD_PRELOAD="$PRELOAD" SOCKSHIM_LOG_FORMAT=json \
    SOCKSHIM_LOG="file:$LOGS/rst-%p.log" "$RST" --unread >/dev/null 2>&1
for s in cw1 cw2 cw3; do wait "$(cat "$TMP/$s.pid")"; done
PIDS=

# report ARGS...: sockshim-report's stdout in OUT, stderr in ERR, exit
# status in RC; PATH leads to the examples for --local.
report() {
    PATH="$EX:$PATH" bounded "$REPORT" "$@" >"$TMP/report.out" \
        2>"$TMP/report.err"
    RC=$?
    OUT=$(cat "$TMP/report.out")
    ERR=$(cat "$TMP/report.err")
}

# first FILE...: the first of the files a glob gave.
first() { echo "$1"; }

# headlines: the finding lines of OUT, level first.
headlines() { printf '%s\n' "$OUT" | grep -E '^(error|warn|info|debug) '; }

# ------------------------------------------------ 1. grouping and ordering

report --local "$LOGS"
is 0 "$RC" "exit status 0 without --fail-on"
like "$(headlines)" '^error close_wait ×3 in 3 processes on 1 host \(closewait-server\) ' \
    "one close_wait finding in 3 processes (the same stack in each)"
is 1 "$(headlines | grep -c ' close_wait ')" "and only one close_wait finding"
like "$(headlines)" '^error double_close ×2 in 2 processes on 1 host \(double-close\) ' \
    "double-close --bug twice: one finding in 2 processes"
like "$(headlines)" '^warn close_unread ×1 in 1 process on 1 host \(rst-peer\) ' \
    "rst-peer --unread (a *.log file): close_unread"
like "$(headlines)" '^warn leak_at_exit ×3 in 3 processes ' \
    "leak_at_exit at exit of the 3 servers: one finding"
order=$(headlines | awk '{ l = index("error warn  info  debug", $1); if (l < last) bad = 1; last = l } END { print bad ? "unsorted" : "sorted" }')
is sorted "$order" "findings worst first (error, warn, info)"
first_error=$(headlines | head -n 1 | cut -d' ' -f2)
is close_wait "$first_error" "among errors, more processes first (close_wait's 3 before double_close's 2)"

# The accepted sockets' group: 1, then 2 in a later report of the same
# process.
like "$OUT" 'sockets first 1, last 2, max 2, growing within a process' \
    "open_sockets: the group of accepted sockets grew within a process"
like "$(headlines)" '^warn open_sockets accept ×[0-9]+ in 3 processes ' \
    "open_sockets: the accepted sockets' group, one finding for 3 processes"
like "$OUT" 'age_ms min [0-9]+, median [0-9]+, max [0-9]+' \
    "close_wait: min, median and max age"

# ---------------------------------------------------------- 2. symbols

CALL_LINE=$(grep -n 'while ((n = read_some(' "$SRC/examples/closewait-server.c" |
    cut -d: -f1)
ACCEPT_LINE=$(grep -n 'int conn = accept(listener' "$SRC/examples/closewait-server.c" |
    cut -d: -f1)
like "$OUT" "^    #1 serve_client \\(closewait-server\\.c:$CALL_LINE\\) closewait-server\\+0x[0-9a-f]+$" \
    "the EOF stack: serve_client at closewait-server.c:$CALL_LINE (--local, by name)"
like "$OUT" "^    #0 main \\(closewait-server\\.c:$ACCEPT_LINE\\) closewait-server\\+0x" \
    "the creation stack: main at closewait-server.c:$ACCEPT_LINE, the accept()"
report "$LOGS"
like "$OUT" '^    #[0-9]+ main \(closewait-server\.c:[0-9]+\) closewait-server\+0x' \
    "without --local: the library's module events (schema 1) name the file"
like "$OUT" "^    #1 serve_client \\(closewait-server\\.c:$CALL_LINE\\) closewait-server\\+0x" \
    "a module event after the first stack naming the module serves it too"

# Inline frames: a program built here with -O2, whose close() is in an
# always_inline function inlined twice into twice(); the first close is
# closed_at, the second a double_close.
cat >"$TMP/inl.c" <<'EOF'
#include <sys/socket.h>
#include <unistd.h>

static inline __attribute__((always_inline)) int drop(int fd) {
    return close(fd);
}

__attribute__((noinline)) static int twice(int fd) {
    int a = drop(fd);
    int b = drop(fd);
    return a + b;
}

int main(void) { return twice(socket(AF_INET, SOCK_STREAM, 0)) == -1 ? 0 : 1; }
EOF
mkdir "$TMP/inl"
if ${CC:-cc} -g -O2 -o "$TMP/inl/inl" "$TMP/inl.c" 2>/dev/null; then
    bounded env LD_PRELOAD="$PRELOAD" SOCKSHIM_LOG_FORMAT=json \
        SOCKSHIM_LOG="file:$TMP/inl/inl-%p.jsonl" "$TMP/inl/inl"
    PATH="$TMP/inl:$PATH" bounded "$REPORT" --local "$TMP/inl" \
        >"$TMP/inl.out" 2>&1
    INL=$(cat "$TMP/inl.out")
    like "$INL" '^    #0 drop \(inl\.c:5\) inl\+0x[0-9a-f]+$' \
        "an inlined frame: the inline function at its line"
    like "$INL" '^        inlined in twice \(inl\.c:(9|10)\)$' \
        "then the function it was inlined into, at the call"
else
    skip "an inlined frame" "no C compiler (${CC:-cc}) to build the program"
    skip "the function it was inlined into" "no C compiler"
fi

# debuginfod: a schema 1 log whose module path does not exist here, the
# program served by build-id from a local HTTP server laid out as
# debuginfod's (/buildid/ID/executable).
BUILD_ID=$(readelf -n "$CWS" 2>/dev/null | sed -n 's/.*Build ID: *//p')
if [ -n "$BUILD_ID" ]; then
    mkdir -p "$TMP/dbgd/buildid/$BUILD_ID"
    cp "$CWS" "$TMP/dbgd/buildid/$BUILD_ID/executable"
    bounded "$PY" -u -m http.server 0 --bind 127.0.0.1 \
        --directory "$TMP/dbgd" >"$TMP/http.out" 2>/dev/null &
    PIDS="$PIDS $!"
    poll 5 file_has "$TMP/http.out" ' port [0-9]+ '
    HPORT=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$TMP/http.out")
    first_cw=$(first "$LOGS"/cw-*)
    "$PY" - "$first_cw" "$BUILD_ID" >"$TMP/remote.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    ev = json.loads(line)
    ev["schema"] = 1
    for st in [ev.get("stack"), ev.get("created_at")]:
        for i, fr in enumerate(st or []):
            if fr["module"] == "closewait-server":
                fr["module_id"] = 1
    module = {"ts": ev["ts"], "pid": ev["pid"], "tid": ev["pid"],
              "prog": ev["prog"], "level": "debug", "kind": "module",
              "schema": 1, "module_id": 1,
              "path": "/nonexistent/closewait-server",
              "build_id": sys.argv[2], "base": "0x0", "size": 0}
    # The same process: the same host (schema 1 logs name one).
    if "host" in ev:
        module["host"] = ev["host"]
    print(json.dumps(module))
    print(json.dumps(ev))
EOF
    DEBUGINFOD_URLS=http://127.0.0.1:$HPORT \
        DEBUGINFOD_CACHE_PATH=$TMP/dbgd-cache report "$TMP/remote.jsonl"
    like "$OUT" "^    #1 serve_client \\(closewait-server\\.c:$CALL_LINE\\) " \
        "debuginfod: the program fetched by build-id, frames symbolized"
else
    skip "debuginfod" "readelf found no build-id in $CWS"
fi

# ------------------------------------------------- 3. wrapped and packed

report --local "$LOGS"
PLAIN=$OUT
# wrap.py MODE FILE...: the lines of FILE as a shipper would give them.
cat >"$TMP/wrap.py" <<'EOF'
import json, sys
mode, files = sys.argv[1], sys.argv[2:]
for name in files:
    for line in open(name):
        line = line.rstrip("\n")
        ev = json.loads(line)
        pid = ev["pid"]
        if mode == "journal":
            print(json.dumps({"__REALTIME_TIMESTAMP": "1764842883000000",
                              "_PID": str(pid), "SYSLOG_IDENTIFIER": "sockshim",
                              "MESSAGE": line}))
        elif mode == "cee":
            print("Dec  4 10:08:03 web1 sockshim[%d]: @cee:%s" % (pid, line))
        elif mode == "tag":
            print("2026-12-04T10:08:03+00:00 web1 %s[%d]: %s"
                  % (ev["prog"], pid, line))
        elif mode == "loki":
            print(json.dumps({"line": line, "timestamp": "1764842883"}))
        elif mode == "elastic":
            print(json.dumps({"_index": "logs", "_source": {"message": line}}))
        elif mode == "fluentbit-loki":
            # Fluent Bit's systemd input, Loki output with line_format json:
            # the line is the journal record, its MESSAGE the @cee: datagram.
            record = {"SYSLOG_IDENTIFIER": ev["prog"], "_PID": str(pid),
                      "MESSAGE": "@cee:" + line}
            print(json.dumps({"stream": {"job": "sockshim"},
                              "line": json.dumps(record)}))
        elif mode == "vector-elastic":
            # Vector's journald source into Elasticsearch: the message field.
            print(json.dumps({"_index": "sockshim-2026.12.04",
                              "_source": {"message": "@cee:" + line,
                                          "host": "web1"}}))
EOF
for mode in journal cee tag loki elastic fluentbit-loki vector-elastic; do
    "$PY" "$TMP/wrap.py" "$mode" "$LOGS"/* >"$TMP/$mode.txt"
done
report --local "$TMP/journal.txt"
is "$PLAIN" "$OUT" "journalctl -o json records: the same report"
report --local - <"$TMP/cee.txt"
is "$PLAIN" "$OUT" "@cee: syslog lines on standard input: the same report"
report --local "$TMP/tag.txt"
is "$PLAIN" "$OUT" "TAG[PID]: syslog lines: the same report"
report --local --field line "$TMP/loki.txt"
is "$PLAIN" "$OUT" "a Loki export with --field line: the same report"
report --local --field _source.message "$TMP/elastic.txt"
is "$PLAIN" "$OUT" "an Elasticsearch export with --field _source.message: the same report"
report --local --field line "$TMP/fluentbit-loki.txt"
is "$PLAIN" "$OUT" "Loki lines holding journal records (Fluent Bit): the same report"
report --local --field _source.message "$TMP/vector-elastic.txt"
is "$PLAIN" "$OUT" "Elasticsearch documents of @cee: messages (Vector): the same report"
mkdir -p "$TMP/gz/deeper"
for f in "$LOGS"/cw-*; do gzip -c "$f" >"$TMP/gz/deeper/${f##*/}.gz"; done
for f in "$LOGS"/dc-* "$LOGS"/rst-*; do gzip -c "$f" >"$TMP/gz/${f##*/}.gz"; done
report --local "$TMP/gz"
is "$PLAIN" "$OUT" "a directory of gzip'd logs, one level deeper too: the same report"

# -------------------------------------------------------- 4. bad lines

mkdir "$TMP/bad"
cp "$LOGS"/* "$TMP/bad/"
bad=$(first "$TMP/bad"/dc-*)
{
    echo 'sockshim[12]: error: double_close fd=5 errno=EBADF -- text, not JSON'
    echo '{"truncated":'
} >>"$bad"
report --local "$TMP/bad"
is 0 "$RC" "bad lines are not fatal (exit 0)"
# All but the footer's two last lines: the first counts the bad lines.
is "$(printf '%s\n' "$PLAIN" | sed '$d' | sed '$d')" \
    "$(printf '%s\n' "$OUT" | sed '$d' | sed '$d')" \
    "bad lines: the same findings"
like "$OUT" '\(2 lines not events\)' "bad lines: the footer counts them"
nlines=$(wc -l <"$bad")
like "$ERR" "^sockshim-report: 2 lines were not sockshim JSON events \\(first at $bad:$((nlines - 1))\\)$" \
    "bad lines counted once on stderr, with the first one's FILE:LINE"

# ------------------------------------------------- 5. repeats, schema 1

# Repeat lines after double_close's full event: the 10th from its stack,
# then a full event from another stack, then the 100th from the first:
# both repeats count into the first stack's finding.
dc1=$(first "$LOGS"/dc-*)
"$PY" - "$dc1" >"$TMP/repeat.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    print(line, end="")
    ev = json.loads(line)
    if ev["kind"] == "double_close":
        rep = {k: ev[k] for k in ("ts", "pid", "tid", "prog", "level", "kind")}
        rep.update(fd=5, repeat=10, stack_id=3)
        print(json.dumps(rep))
        other = dict(ev, stack=[dict(ev["stack"][0], offset="0x1")])
        print(json.dumps(other))
        rep.update(repeat=100)
        print(json.dumps(rep))
EOF
report "$TMP/repeat.jsonl"
like "$(headlines)" '^error double_close ×100 in 1 process ' \
    "repeat lines (10, then 100) count into their finding: x100"
like "$(headlines)" '^error double_close ×1 in 1 process ' \
    "a full event from another stack in between: a finding of its own"

# Schema 1: host, module_id in frames and module events with a path: a
# frame is symbolized through the module event, without --local.
"$PY" - "$LOGS"/cw-* >"$TMP/schema1.jsonl" <<EOF
import json, sys
for n, name in enumerate(sys.argv[1:]):
    for line in open(name):
        ev = json.loads(line)
        ev.update(schema=1, host="web%d" % (n % 2))
        ids = {}
        stacks = [ev.get(k) for k in ("stack", "created_at")]
        stacks += [g.get("created_at") for g in ev.get("groups", [])]
        for st in stacks:
            for i, fr in enumerate(st or []):
                fr["module_id"] = 1 if fr["module"] == "closewait-server" else 2
                if i > 0:
                    fr["ret"] = True
        print(json.dumps({"ts": ev["ts"], "pid": ev["pid"], "tid": ev["pid"],
              "prog": ev["prog"], "level": "debug", "kind": "module",
              "schema": 1, "host": ev["host"], "module_id": 1,
              "path": "$CWS", "base": "0x0", "size": 0}))
        print(json.dumps(ev))
EOF
report "$TMP/schema1.jsonl"
like "$(headlines)" '^error close_wait ×3 in 3 processes on 2 hosts ' \
    "schema 1: hosts counted from the host field"
like "$OUT" "^    #1 serve_client \\(closewait-server\\.c:$CALL_LINE\\) " \
    "schema 1: a frame symbolized through its module event's path"

# ----------------------------------------------------------- 6. gating

report --fail-on error "$LOGS"
is 1 "$RC" "--fail-on error: exit 1 (close_wait, double_close)"
report --fail-on error "$LOGS"/rst-*
is 0 "$RC" "--fail-on error on rst-peer's log alone (warn only): exit 0"
report --fail-on close_unread "$LOGS"/rst-*
is 1 "$RC" "--fail-on close_unread (a kind): exit 1"
report --fail-on warn "$LOGS"/rst-*
is 1 "$RC" "--fail-on warn: warn findings fail too"

report --json "$LOGS"/cw-*
cp "$TMP/report.out" "$TMP/baseline.json"
checked=$("$PY" -c '
import json, sys
doc = json.load(open(sys.argv[1]))
cw = [f for f in doc["findings"] if f["kind"] == "close_wait"]
print(len(cw), cw[0]["processes"], cw[0]["events"], cw[0]["level"])
' "$TMP/baseline.json" 2>&1)
is "1 3 3 error" "$checked" "--json: one document; close_wait in 3 processes, 3 events, error"
report --baseline "$TMP/baseline.json" --fail-on error "$LOGS"
unlike "$(headlines)" ' close_wait ' "--baseline: the known close_wait is left out"
like "$(headlines)" '^error double_close ' "--baseline: the new double_close is shown"
is 1 "$RC" "--baseline: the new error still fails"
report --baseline "$TMP/baseline.json" --fail-on error "$LOGS"/cw-*
is 0 "$RC" "--baseline: nothing new, nothing fails"

# ------------------------------------------------------ 7. suppressions

report --gen-suppressions "$LOGS"
printf '%s\n' "$OUT" >"$TMP/supp"
like "$OUT" '^close_wait:read_some' "--gen-suppressions: close_wait:read_some..."
report --suppress "$TMP/supp" --fail-on error "$LOGS"
like "$OUT" '^0 findings .* [1-9][0-9]* suppressed' \
    "its lines fed back with --suppress leave nothing"
is 0 "$RC" "and nothing fails"

# ----------------------------------------------- 8. filters, html, usage

report --kind double_close "$LOGS"
is "double_close" "$(headlines | cut -d' ' -f2 | sort -u)" "--kind: that kind only"
report --prog 'rst-*' --min-level warn "$LOGS"
is "close_unread" "$(headlines | cut -d' ' -f2 | sort -u)" "--prog and --min-level"
# rst-peer ran after every double-close: since its event, no double_close.
RST_TS=$(sed -n 's/^.*"ts":"\([^"]*\)".*"kind":"close_unread".*/\1/p' \
    "$LOGS"/rst-*)
report --since "$RST_TS" "$LOGS"
unlike "$(headlines)" ' double_close ' "--since: earlier events left out"
like "$(headlines)" '^warn close_unread ' "--since: an event at that time kept"
report --since yesterday "$LOGS"
is 2 "$RC" "--since with a word that is not a time: usage error, exit 2"
report --until "$RST_TS" "$LOGS"
like "$(headlines)" ' double_close ' "--until: earlier events kept"
report --until 2000 "$LOGS"
like "$OUT" '^SUMMARY: sockshim-report: 0 findings \(0 errors, 0 warnings, 0 info\) in 0 processes on 0 hosts$' \
    "--until 2000: nothing; SUMMARY says so"
report "$LOGS"
like "$OUT" '^SUMMARY: sockshim-report: [1-9][0-9]* findings \([1-9][0-9]* errors?, [1-9][0-9]* warnings?, [0-9]+ info\) in [1-9][0-9]* process(es)? on 1 host$' \
    "the last line: SUMMARY with findings by level, processes and hosts"
report --html "$TMP/r.html" --local "$LOGS"
file_has "$TMP/r.html" 'serve_client \(closewait-server\.c:'
ok $? "--html: a page with the symbolized stacks"
report --fail-on bogus "$LOGS"
is 2 "$RC" "--fail-on with an unknown word: usage error, exit 2"
report "$TMP/no-such-file"
is 2 "$RC" "an input that cannot be read: exit 2"
