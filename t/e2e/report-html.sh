#!/bin/sh
# report-html.sh — sockshim-report --html on real logs, opened in a real
# browser. Two closewait-server processes under sockshim (JSON logs,
# open_sockets reports every 300 ms) get clients one after another that
# each leave a connection in CLOSE_WAIT, so that the accepted sockets'
# group grows report by report (3 in one process, 2 in the other). The
# page is well-formed, names nothing outside itself, and shows the
# findings' table and a chart with a line per creation stack, a point per
# report, the counts of both processes summed. A log of 1000 reports
# gives a chart of at most 257 points that still starts at the first
# count and ends at the last. Headless Chromium (when installed) loads
# the page without a console message, its DOM has the same table and
# chart, and its 1200x900 screenshot is a PNG with the chart's colours.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
. "$SOCKSHIM_TEST_SRC/t/tap/libtap.sh"

# Chromium starts slowly on a small, busy machine.
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
REPORT=$BUILD/tools/report/sockshim-report
CWS=$EX/closewait-server
for f in "$REPORT" "$CWS"; do
    [ -x "$f" ] || skip_all "$f not built"
done
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -x "$PY" ] || skip_all "python3 not installed"
CHECK="$SRC/t/helpers/pagecheck.py"
CHROMIUM=$(command -v chromium 2>/dev/null)

plan 18

LOGS=$TMP/logs
mkdir "$LOGS"

# ------------------------------------------------------- making real logs

# One connection that sends a line, reads its echo and closes: the
# server reads the EOF and never closes (CLOSE_WAIT).
CLIENT=$SRC/t/helpers/echo-client.py

# start_cws NAME N: closewait-server under sockshim for N connections,
# its log in $LOGS/NAME-PID.jsonl (info level, so that the reports come
# before any socket is overdue in CLOSE_WAIT); waits for its port (in
# NAME.port) and its first report (of the listener).
start_cws() {
    # shellcheck disable=SC2086 # one setting a word
    bounded env LD_PRELOAD="$PRELOAD" SOCKSHIM_LOG_FORMAT=json \
        SOCKSHIM_LOG_LEVEL=info SOCKSHIM_REPORT=300ms SOCKSHIM_SCAN=100ms \
        SOCKSHIM_CLOSE_WAIT=1s SOCKSHIM_LOG="file:$LOGS/$1-%p.jsonl" \
        "$CWS" --connections "$2" --hold "$TEST_TIMEOUT" \
        >"$TMP/$1.out" 2>&1 &
    PIDS="$PIDS $!"
    poll 10 file_has "$TMP/$1.out" '^listening on 127\.0\.0\.1:[0-9]+$'
    sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/$1.out" \
        >"$TMP/$1.port"
    poll 10 reported "$1" listen 1
}

# reported NAME ROLE N: NAME's log has a report of N sockets in ROLE's
# group.
reported() {
    cat "$LOGS/$1"-*.jsonl 2>/dev/null |
        grep -Eq "\"kind\":\"open_sockets\".*\"count\":$3,[^{}]*\"role\":\"$2\""
}

# connect NAME N: a client of NAME that leaves its Nth connection in
# CLOSE_WAIT; waits for the report that counts it.
connect() {
    bounded "$PY" "$CLIENT" "$(cat "$TMP/$1.port")"
    poll 10 reported "$1" accept "$2"
}

start_cws a 3
start_cws b 2
connect a 1
connect b 1
connect a 2
connect b 2
connect a 3
# Released from --hold: each ends, its last report written.
for s in a b; do
    pid=$(sed -n '1s/.*"pid":\([0-9]*\).*/\1/p' "$LOGS/$s"-*.jsonl)
    kill -USR1 "$pid"
done
for p in $PIDS; do wait "$p"; done
PIDS=
reports=$(cat "$LOGS"/*.jsonl | grep -c '"kind":"open_sockets"')
at_least 7 "$reports" "the two servers logged open_sockets reports as their groups grew"

# ------------------------------------------------------------- the page

PAGE=$TMP/page.html
bounded "$REPORT" --json --html "$PAGE" "$LOGS" >"$TMP/report.json" \
    2>"$TMP/report.err"
is 0 "$?" "sockshim-report --html: exit status 0"
out=$("$PY" "$CHECK" wellformed "$PAGE")
ok $? "the page is well-formed: every element closed, in order" ||
    diag "$out"
unlike "$(grep -Eio '[a-z]+://[^"<> ]*' "$PAGE")" '^https?://' \
    "no http(s):// address anywhere in the page"

# The checker itself: a page with an element left open and an outside
# script and image is refused, each problem named.
printf '%s\n' '<!DOCTYPE html><html><head><style>p{background:url(https://x.example/p.png)}</style><script src="http://x.example/x.js"></script></head><body><div><p>x</div></body></html>' \
    >"$TMP/broken.html"
out=$("$PY" "$CHECK" wellformed "$TMP/broken.html")
st=$?
[ "$st" -eq 1 ] && [ "$(printf '%s\n' "$out" |
    grep -cE 'closes <p>|outside the page|in a style')" -ge 3 ]
ok $? "the checker refuses an unclosed <p>, an outside script and image" ||
    diag "status $st:" "$out"

expected=$("$PY" "$CHECK" expect "$TMP/report.json" "$LOGS"/*.jsonl)
shown=$("$PY" "$CHECK" summary "$PAGE")
is "$expected" "$shown" \
    "the page: a row per finding, a chart line per creation stack with a point per report"
like "$shown" '^series [0-9a-f]+ points=[0-9]+ dots=[0-9]+ first=1 last=5$' \
    "the accepted sockets' line ends at 3 + 2: both processes summed"
like "$shown" '^series [0-9a-f]+ points=[0-9]+ dots=[0-9]+ first=1 last=2$' \
    "the listeners' line: one listener in each process, 2 in all"
out=$("$PY" "$CHECK" jsonseries "$TMP/report.json" "$LOGS"/*.jsonl)
ok $? "--json: each group's growth.series holds the chart's points" ||
    diag "$out"

# A long run: 1000 reports of one group, counting up from 1 each second.
awk 'BEGIN {
    for (i = 0; i < 1000; i++)
        printf "{\"schema\":1,\"ts\":\"2026-12-04T%02d:%02d:%02d.000000Z\"," \
            "\"host\":\"h\",\"pid\":7,\"prog\":\"p\",\"level\":\"info\"," \
            "\"kind\":\"open_sockets\",\"groups\":[{\"count\":%d," \
            "\"role\":\"accept\",\"created_at\":[{\"ip\":\"0x1010\"," \
            "\"module\":\"p\",\"offset\":\"0x10\",\"func\":\"main\"}]}]}\n",
            10 + int(i / 3600), int(i / 60) % 60, i % 60, i + 1
}' >"$TMP/long.jsonl"
bounded "$REPORT" --html "$TMP/long.html" "$TMP/long.jsonl" >/dev/null 2>&1
long=$("$PY" "$CHECK" summary "$TMP/long.html")
like "$long" '^series [0-9a-f]+ points=([0-9]+) dots=[0-9]+ first=1 last=1000$' \
    "1000 reports: the line starts at the first count and ends at the last"
points=$(printf '%s\n' "$long" | sed -n 's/^series .* points=\([0-9]*\) .*/\1/p')
[ "${points:-0}" -ge 129 ] && [ "$points" -le 257 ]
ok $? "1000 reports: evenly thinned to 129..257 points ($points)"

# ----------------------------------------------------- in a real browser

# browse ARGS...: headless Chromium on ARGS, its own profile and home in
# TMP, nothing fetched in the background; stdout in browse.out, stderr
# (its log, console messages included) in browse.err.
browse() {
    HOME=$TMP bounded "$CHROMIUM" --headless --disable-gpu --no-sandbox \
        --user-data-dir="$TMP/chromium" --no-first-run \
        --no-default-browser-check --disable-background-networking \
        --disable-component-update --disable-sync --disable-extensions \
        --hide-scrollbars --enable-logging=stderr --v=0 "$@" \
        >"$TMP/browse.out" 2>"$TMP/browse.err"
}

# console: the console messages in Chromium's log.
console() { grep -E ':CONSOLE[(:]' "$TMP/browse.err"; }

if [ -z "$CHROMIUM" ]; then
    for t in "the page loads" "no console message" \
        "the console check sees a page's messages" \
        "the DOM: the findings and the chart" "a screenshot: a 1200x900 PNG" \
        "the screenshot is not blank" "the screenshot shows the chart's lines"; do
        skip "$t" "chromium not installed (apt-get install chromium)"
    done
    exit 0
fi

browse --dump-dom "file://$PAGE"
st=$?
[ "$st" -eq 0 ] && grep -q '</html>' "$TMP/browse.out"
ok $? "Chromium loads the page and dumps its DOM" ||
    diag "status $st" "$(tail -n 5 "$TMP/browse.err")"
cp "$TMP/browse.out" "$TMP/dom.html"
is "" "$(console)" "no console message while the page loads"

printf '%s\n' '<!DOCTYPE html><html><body><script>console.error("probe-" + 6 * 7)</script></body></html>' \
    >"$TMP/console.html"
browse --dump-dom "file://$TMP/console.html"
like "$(console)" 'probe-42' \
    "the console check sees a page's own console.error"

is "$expected" "$("$PY" "$CHECK" summary "$TMP/dom.html")" \
    "Chromium's DOM: the findings' rows, one chart line per stack, a point per report"

browse --screenshot="$TMP/shot.png" --window-size=1200,900 "file://$PAGE"
png=$("$PY" "$CHECK" png "$TMP/shot.png" 2>&1)
like "$png" '^size 1200x900$' "a screenshot: a valid 1200x900 PNG" ||
    diag "$(tail -n 5 "$TMP/browse.err")"
colours=$(printf '%s\n' "$png" | sed -n 's/^colours //p')
at_least 50 "${colours:-0}" "the screenshot is not blank (distinct colours)"
# The two lines' colours, the first two of the page's palette.
is 2 "$(printf '%s\n' "$png" | grep -cxE '#1f77b4|#ff7f0e')" \
    "the screenshot shows both chart lines' colours"
