#!/bin/sh
# run.sh — sockshim's benchmark: one table, every figure measured side by
# side in this run (without and with sockshim, runs alternated, medians).
#
#   sh tools/bench/run.sh BUILDDIR      (what `make bench` runs)
#
# BUILDDIR holds lib/.libs/libsockshim.so and the bench programs
# (tools/bench/{connloop,iocost,scanpass,startup,memrss,stack-capture}).
# Environment knobs: BENCH_RUNS (alternated pairs for nginx and the
# connection loop, default 5), BENCH_SECS (seconds per wrk run, default 3),
# BENCH_PORT (default: a free port from 18080). See tools/bench/README.
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
set -u
BUILD=$(cd "${1:-.}" && pwd)
LIB=$BUILD/lib/.libs/libsockshim.so
BIN=$BUILD/tools/bench
RUNS=${BENCH_RUNS:-5}
SECS=${BENCH_SECS:-3}
START=$(date +%s)

for p in connloop iocost scanpass startup memrss stack-capture; do
    [ -x "$BIN/$p" ] || { echo "run.sh: $BIN/$p missing (make bench builds it)" >&2; exit 1; }
done
[ -f "$LIB" ] || { echo "run.sh: $LIB missing" >&2; exit 1; }

TMP=$(mktemp -d /tmp/sockshim-bench.XXXXXX)
NGINX_PID=
cleanup() {
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The realistic configuration sockshim runs with (the shimmed side only:
# the plain side gets no SOCKSHIM_* at all, except in the start-up row,
# where both sides get it and only the shimmed side loads sockshim).
SHIM_ENV="SOCKSHIM_MODE=enforce SOCKSHIM_KEEPALIVE=60 SOCKSHIM_NODELAY=on \
SOCKSHIM_CHECKS=all SOCKSHIM_STACKS=on SOCKSHIM_SCAN=1s \
SOCKSHIM_LOG=file:$TMP/sockshim-%p.log SOCKSHIM_LOG_LEVEL=warn"
# shim CMD...: run CMD under sockshim, configured as above.
# shellcheck disable=SC2086 # SHIM_ENV is a list of settings
shim() { env $SHIM_ENV LD_PRELOAD="$LIB" "$@"; }
# shim_exec CMD...: the same, replacing the current (sub)shell, so that a
# backgrounded "shim_exec nginx ... &" has the pid of nginx itself.
# shellcheck disable=SC2086 # SHIM_ENV is a list of settings
shim_exec() { exec env $SHIM_ENV LD_PRELOAD="$LIB" "$@"; }

median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
calc() { awk "BEGIN {printf \"%s\", $1}"; }
# fmt FORMAT EXPR: EXPR (awk) printed with FORMAT.
fmt() { awk "BEGIN {printf \"$1\", $2}"; }
note() { echo "bench: $*" >&2; }

ROWS=$TMP/rows
: >"$ROWS"
# row FIGURE WITHOUT WITH RESULT TARGET VERDICT
row() { printf '%s|%s|%s|%s|%s|%s\n' "$@" >>"$ROWS"; }
# verdict VALUE OP LIMIT  (OP: ge or le) -> met / NOT met
verdict() {
    case $1 in nan|""|-) echo "n/a"; return;; esac
    if [ "$2" = ge ]; then r=$(calc "($1 >= $3) ? \"met\" : \"NOT met\"")
    else r=$(calc "($1 <= $3) ? \"met\" : \"NOT met\""); fi
    echo "$r"
}

# --- background scan: measured before anything else ---------------------------
# The dump walks the kernel's whole TCP hash, which would otherwise also
# hold the TIME_WAIT sockets the runs below leave behind (up to the host's
# tcp_max_tw_buckets, for 60 s): the figure is the scan's own. Its row
# goes in its place in the table.
# tw_now: the host's TIME_WAIT sockets (0 if unknown).
tw_now() {
    _tw=$(awk '$1 == "TCP:" {for (i = 2; i < NF; i++) if ($i == "tw") print $(i+1)}' /proc/net/sockstat 2>/dev/null)
    echo "${_tw:-0}"
}
# TIME_WAIT left by earlier runs (ours or anyone's) expires within 60 s:
# wait for it, up to 65 s, so that the figure is the scan's own.
waited=0
while [ "$(tw_now)" -gt 1000 ] && [ $waited -lt 65 ]; do
    [ $waited -eq 0 ] && note "waiting for $(tw_now) TIME_WAIT sockets to expire (at most 65 s)"
    sleep 5; waited=$((waited + 5))
done
SCAN_TW0=$(tw_now)
note "background scan over 100,000 sockets (scanpass; host TIME_WAIT: $SCAN_TW0)"
SOCKSHIM_BENCH_LOG=$TMP/scanpass.log "$BIN/scanpass" 50000 15 >"$TMP/scan.out" 2>&1
echo "scanpass: measured with $SCAN_TW0 TIME_WAIT sockets on the host" >>"$TMP/scan.out"
# first_ms PATTERN FILE: the number before the first "ms" (or "ms;") of the first
# line matching PATTERN ("nan" when none).
first_ms() {
    _v=$(awk "/$1/"' {for (i = 2; i <= NF; i++) if ($i ~ /^ms[;,]?$/) {print $(i-1); exit}}' "$2")
    echo "${_v:-nan}"
}
SCAN_MS=$(first_ms "median of .* passes" "$TMP/scan.out")
# The open_sockets report over the same sockets (scanpass times it after
# the passes): census + event written, and the census alone.
REPORT_MS=$(first_ms "report median of" "$TMP/scan.out")
CENSUS_MS=$(first_ms "census alone" "$TMP/scan.out")
REPORT_WRITTEN=$(awk '/open_sockets report: .* written/ {print ($4 == $6) ? "yes" : "no"; exit}' "$TMP/scan.out")
REPORT_EST_MS=$(first_ms "estimate with all" "$TMP/scan.out")
REAL_FDS=$(awk '/open_sockets report: .* fds_open/ {for (i = 1; i < NF; i++) if ($i == "fds_open") {print $(i+1); exit}}' "$TMP/scan.out")
FD_LIMIT=$(awk '/fd_limit/ {for (i = 1; i < NF; i++) if ($i == "fd_limit") {sub(",", "", $(i+1)); print $(i+1); exit}}' "$TMP/scan.out")
# A process with 1,000 connections: the scan asks its own sockets (poll).
SOCKSHIM_BENCH_LOG=$TMP/scanpass.log "$BIN/scanpass" 500 15 >"$TMP/scan-small.out" 2>&1
SCAN_SMALL_MS=$(first_ms "median of .* passes" "$TMP/scan-small.out")

# --- nginx + wrk -------------------------------------------------------------
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
WRK=$(command -v wrk || true)
port_free() { ! ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
PORT=${BENCH_PORT:-18080}
while ! port_free "$PORT"; do PORT=$((PORT + 1)); done

mkdir -p "$TMP/nginx/html" "$TMP/nginx/logs"
head -c 1024 /dev/zero | tr '\0' x >"$TMP/nginx/html/index.html"
cat >"$TMP/nginx/nginx.conf" <<NGX
daemon off;
master_process on;
worker_processes 1;
user root;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    default_type text/html;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$PORT;
        root $TMP/nginx/html;
    }
}
NGX

# nginx_start [PREFIX-CMD...]: nginx in the foreground, in the background.
nginx_start() {
    "$@" "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" \
        >>"$TMP/nginx/logs/stdout" 2>&1 &
    NGINX_PID=$!
    i=0
    while port_free "$PORT"; do
        i=$((i + 1))
        if [ $i -gt 300 ] || ! kill -0 "$NGINX_PID" 2>/dev/null; then
            note "nginx did not start ($*)"; cat "$TMP/nginx/logs/error.log" >&2
            NGINX_PID=; return 1
        fi
        sleep 0.1
    done
}
nginx_stop() {
    [ -n "$NGINX_PID" ] || return 0
    # The master by its pid file (under strace or valgrind, NGINX_PID is
    # theirs), then the wrapper; a hard kill after 10 s.
    if [ -s "$TMP/nginx/nginx.pid" ]; then
        kill -QUIT "$(cat "$TMP/nginx/nginx.pid")" 2>/dev/null
    else
        kill -QUIT "$NGINX_PID" 2>/dev/null
    fi
    i=0
    while kill -0 "$NGINX_PID" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1))
    done
    kill -KILL "$NGINX_PID" 2>/dev/null
    wait "$NGINX_PID" 2>/dev/null
    NGINX_PID=
    i=0
    while ! port_free "$PORT" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}
# wrk_rps SECONDS [HEADER]: requests/s of one wrk run ("nan" on errors).
wrk_rps() {
    if [ -n "${2:-}" ]; then
        "$WRK" -t1 -c32 -d"$1"s -H "$2" "http://127.0.0.1:$PORT/" >"$TMP/wrk.out" 2>&1
    else
        "$WRK" -t1 -c32 -d"$1"s "http://127.0.0.1:$PORT/" >"$TMP/wrk.out" 2>&1
    fi
    if grep -q "Non-2xx\|Socket errors: connect [1-9]" "$TMP/wrk.out"; then
        note "wrk reported errors:"; grep "Non-2xx\|Socket errors" "$TMP/wrk.out" >&2
    fi
    awk '/^Requests\/sec:/ {print $2; f=1} END {if (!f) print "nan"}' "$TMP/wrk.out"
}
# nginx_pair NAME HEADER: RUNS alternated runs each way -> rows.
nginx_pair() {
    : >"$TMP/plain.$1"; : >"$TMP/shim.$1"
    for r in $(seq "$RUNS"); do
        for side in plain shim; do
            if [ $side = plain ]; then nginx_start env; else nginx_start shim_exec; fi || continue
            wrk_rps 1 "$2" >/dev/null   # warm-up
            wrk_rps "$SECS" "$2" >>"$TMP/$side.$1"
            nginx_stop
        done
    done
    P=$(median <"$TMP/plain.$1"); S=$(median <"$TMP/shim.$1")
}

if [ -n "$WRK" ] && [ -x "$NGINX" ]; then
    note "nginx + wrk, keep-alive ($RUNS x 2 runs of ${SECS}s)"
    nginx_pair ka ""
    KA_PLAIN=$P
    R=$(calc "$S / $P"); row "nginx+wrk keep-alive, req/s (ratio)" "$P" "$S" "$(fmt "%.3f" "$R")" ">= 0.97" "$(verdict "$R" ge 0.97)"
    note "nginx + wrk, Connection: close"
    nginx_pair close "Connection: close"
    R=$(calc "$S / $P"); row "nginx+wrk Connection: close, req/s (ratio)" "$P" "$S" "$(fmt "%.3f" "$R")" ">= 0.90" "$(verdict "$R" ge 0.90)"

    # References: strace and valgrind on the same keep-alive workload
    # (one short run each, against the keep-alive plain median).
    if command -v strace >/dev/null 2>&1; then
        note "reference: strace -f -k"
        if nginx_start strace -f -k -e trace=network,close -o "$TMP/strace.out"; then
            sleep 0.5; S=$(wrk_rps "$SECS"); nginx_stop
            row "  reference: strace -f -k -e trace=network,close" "$KA_PLAIN" "$S" "$(fmt "%.3f" "$S / $KA_PLAIN")" "-" "reference"
        fi
    fi
    if command -v valgrind >/dev/null 2>&1; then
        note "reference: valgrind --track-fds=yes"
        if nginx_start valgrind -q --track-fds=yes --log-file="$TMP/vg.%p"; then
            sleep 0.5; S=$(wrk_rps "$SECS"); nginx_stop
            row "  reference: valgrind --track-fds=yes" "$KA_PLAIN" "$S" "$(fmt "%.3f" "$S / $KA_PLAIN")" "-" "reference"
        fi
    fi
else
    note "nginx or wrk missing (sh tools/bench/setup.sh): nginx rows skipped"
    row "nginx+wrk keep-alive, req/s (ratio)" - - - ">= 0.97" "n/a (no nginx/wrk)"
    row "nginx+wrk Connection: close, req/s (ratio)" - - - ">= 0.90" "n/a (no nginx/wrk)"
fi

# --- connection loop -------------------------------------------------------
# --uring needs io_uring's socket commands (Linux 6.7) and io_uring not
# disabled (kernel.io_uring_disabled): a short trial run decides.
URING=0
"$BIN/connloop" 0.05 --uring >/dev/null 2>"$TMP/uring.err" && URING=1
note "connect/accept/close loop ($RUNS x $((5 + URING)) runs of 1 s)"
: >"$TMP/cl.plain"; : >"$TMP/cl.on"; : >"$TMP/cl.off"; : >"$TMP/cl.opts"
: >"$TMP/cl.same"; : >"$TMP/cl.uring"
for r in $(seq "$RUNS"); do
    [ $URING = 1 ] && "$BIN/connloop" 1 --uring >>"$TMP/cl.uring"
    "$BIN/connloop" 1 >>"$TMP/cl.plain"
    "$BIN/connloop" 1 --setopts >>"$TMP/cl.opts"
    "$BIN/connloop" 1 --same-syscalls >>"$TMP/cl.same"
    shim "$BIN/connloop" 1 >>"$TMP/cl.on"
    shim env SOCKSHIM_STACKS=off "$BIN/connloop" 1 >>"$TMP/cl.off"
done
P=$(median <"$TMP/cl.plain")
S=$(median <"$TMP/cl.on"); R=$(calc "$S / $P")
row "connect/accept/close loop, conn/s (ratio), stacks on" "$P" "$S" "$(fmt "%.3f" "$R")" ">= 0.85" "$(verdict "$R" ge 0.85)"
S=$(median <"$TMP/cl.off"); R=$(calc "$S / $P")
row "same, stacks off" "$P" "$S" "$(fmt "%.3f" "$R")" ">= 0.95" "$(verdict "$R" ge 0.95)"
S=$(median <"$TMP/cl.opts"); R=$(calc "$S / $P")
row "  reference: no sockshim, program sets keepalive+nodelay" "$P" "$S" "$(fmt "%.3f" "$R")" "-" "reference"
# The program itself makes every system call sockshim adds (the policy's
# setsockopt()s, close_unread's FIONREAD at each close): the best any
# preload library can do with this policy and this check.
S=$(median <"$TMP/cl.same"); R=$(calc "$S / $P")
row "  reference: no sockshim, program makes sockshim's syscalls" "$P" "$S" "$(fmt "%.3f" "$R")" "-" "reference"
# The same calls batched, one io_uring_enter() for the three options and
# one per FIONREAD + close(): whether batching could lift that ceiling.
if [ $URING = 1 ]; then
    S=$(median <"$TMP/cl.uring"); R=$(calc "$S / $P")
    row "  reference: same syscalls batched through io_uring" "$P" "$S" "$(fmt "%.3f" "$R")" "-" "reference"
else
    row "  reference: same syscalls batched through io_uring" - - - "-" "n/a ($(tr -d '\n' <"$TMP/uring.err" | head -c 50))"
fi

# The scan again, now that the loop has left TIME_WAIT sockets in the
# kernel's hash (they are walked by the dump too): a reference.
TW=$(tw_now)
SOCKSHIM_BENCH_LOG=$TMP/scanpass.log "$BIN/scanpass" 50000 15 >"$TMP/scan-tw.out" 2>&1
SCAN_TW_MS=$(first_ms "median of .* passes" "$TMP/scan-tw.out")

# --- instructions per call (callgrind) ----------------------------------------
N1=2000; N2=22000
# ir [shim] MODE N: total Ir of iocost MODE N under callgrind (IR_EXTRA:
# more VAR=VALUE for the shimmed side, after the configuration's).
IR_EXTRA=
ir() {
    pre=
    if [ "$1" = shim ]; then pre="env $SHIM_ENV $IR_EXTRA LD_PRELOAD=$LIB"; shift; fi
    _ir=$($pre valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" \
        "$BIN/iocost" "$1" "$2" 2>&1 | awk '/refs:/ {gsub(",", "", $NF); print $NF}')
    # The exact totals, under the table: equal builds give equal counts.
    _side=plain; [ -n "$pre" ] && _side="shim${IR_EXTRA:+ $IR_EXTRA}"
    echo "$_side $1 $2: $_ir" >>"$TMP/ir.raw"
    echo "$_ir"
}
if command -v valgrind >/dev/null 2>&1; then
    note "instructions per call (callgrind)"
    for mode in file sock; do
        a=$(ir "$mode" $N1); b=$(ir "$mode" $N2)
        c=$(ir shim "$mode" $N1); d=$(ir shim "$mode" $N2)
        # Two calls per iteration (write+read, send+recv).
        P=$(fmt "%.1f" "($b - $a) / ($N2 - $N1) / 2")
        S=$(fmt "%.1f" "($d - $c) / ($N2 - $N1) / 2")
        A=$(fmt "%.1f" "$S - $P")
        if [ $mode = file ]; then
            row "instructions added per read()/write(), non-socket fd" "$P" "$S" "$A" "<= 15" "$(verdict "$A" le 15)"
        else
            row "instructions added per recv()/send(), tracked socket" "$P" "$S" "$A" "<= 40" "$(verdict "$A" le 40)"
        fi
    done
    # A cancellable call sockshim does not wrap: what the scan thread
    # costs it in glibc (its multi-threaded path), and the same with
    # SOCKSHIM_SCAN=0 (no thread). Two poll()s per iteration.
    a=$(ir poll $N1); b=$(ir poll $N2)
    c=$(ir shim poll $N1); d=$(ir shim poll $N2)
    IR_EXTRA=SOCKSHIM_SCAN=0
    e=$(ir shim poll $N1); f=$(ir shim poll $N2)
    IR_EXTRA=
    P=$(fmt "%.1f" "($b - $a) / ($N2 - $N1) / 2")
    S=$(fmt "%.1f" "($d - $c) / ($N2 - $N1) / 2")
    row "  reference: poll() (not wrapped), scan thread running" "$P" "$S" "$(fmt "%.1f" "$S - $P")" "-" "reference"
    S=$(fmt "%.1f" "($f - $e) / ($N2 - $N1) / 2")
    row "  reference: poll() (not wrapped), SOCKSHIM_SCAN=0" "$P" "$S" "$(fmt "%.1f" "$S - $P")" "-" "reference"
    # syscall() is wrapped for the descriptor-lifecycle numbers: what it
    # adds to any other number (two per iteration).
    a=$(ir syscall $N1); b=$(ir syscall $N2)
    c=$(ir shim syscall $N1); d=$(ir shim syscall $N2)
    P=$(fmt "%.1f" "($b - $a) / ($N2 - $N1) / 2")
    S=$(fmt "%.1f" "($d - $c) / ($N2 - $N1) / 2")
    A=$(fmt "%.1f" "$S - $P")
    row "instructions added per syscall() of another number" "$P" "$S" "$A" "<= 20" "$(verdict "$A" le 20)"
else
    row "instructions added per read()/write(), non-socket fd" - - - "<= 15" "n/a (no valgrind)"
    row "instructions added per recv()/send(), tracked socket" - - - "<= 40" "n/a (no valgrind)"
    row "instructions added per syscall() of another number" - - - "<= 20" "n/a (no valgrind)"
fi

# --- stack capture + store ---------------------------------------------------
note "stack capture + store (tools/bench/stack-capture)"
"$BIN/stack-capture" >"$TMP/stack.out" 2>&1
S=$(awk '/^per socket: capture \+ store/ {print $7}' "$TMP/stack.out")
[ -n "$S" ] || S=nan
row "stack capture + store, depth 16, ns per new socket" "-" "$S" "$S" "<= 1500" "$(verdict "$S" le 1500)"

# --- background scan (measured first, see above) -----------------------------
S=$SCAN_MS
row "background scan, one pass, 100,000 sockets, ms" "-" "$S" "$S" "<= 5" "$(verdict "$S" le 5)"
row "  reference: one pass, 1,000 sockets (poll, no dump), ms" "-" "$SCAN_SMALL_MS" "$SCAN_SMALL_MS" "-" "reference"
row "  reference: 100,000, host also holding ${TW:-?} TIME_WAIT, ms" "-" "$SCAN_TW_MS" "$SCAN_TW_MS" "-" "reference"
# The scan thread's open_sockets report over the same 100,000: met only
# when every one timed was written to the log.
if [ "${REPORT_WRITTEN:-no}" = yes ]; then V=$(verdict "$REPORT_MS" le 10); else V="NOT met (not written)"; fi
# With copied slots (the limit too low for 100,000 real sockets) the
# poll() count saw only the real descriptors: the verdict says so, and
# the estimate scales that count to 100,000 open descriptors.
[ "$REPORT_EST_MS" != nan ] && V="$V, ${REAL_FDS:-?} fds open"
row "open_sockets report over 100,000 sockets, ms" "-" "$REPORT_MS" "$REPORT_MS" "<= 10" "$V"
row "  reference: census alone (no event), fd limit ${FD_LIMIT:-?}, ms" "-" "$CENSUS_MS" "$CENSUS_MS" "-" "reference"
if [ "$REPORT_EST_MS" != nan ]; then
    row "  estimate: the report, all 100,000 fds open, ms" "-" "$REPORT_EST_MS" "$REPORT_EST_MS" "<= 10" "$(verdict "$REPORT_EST_MS" le 10) (estimate)"
fi

# --- start-up ----------------------------------------------------------------
note "start-up of /bin/true (300 alternated runs each)"
# shellcheck disable=SC2046,SC2086 # settings in, the three figures out as $1 $2 $3
set -- $(env $SHIM_ENV "$BIN/startup" "$LIB" 300 /bin/true)
A=$(fmt "%.3f" "$3 / 1000")
row "start-up, /bin/true, added wall time, ms (median)" "$(fmt "%.3f" "$1 / 1000")" "$(fmt "%.3f" "$2 / 1000")" "$A" "<= 1" "$(verdict "$A" le 1)"

# --- memory ------------------------------------------------------------------
note "memory (memrss, 5 alternated runs)"
# Each run appends its RSS at start and its bytes per socket.
: >"$TMP/m.ps.all"; : >"$TMP/m.pd.all"; : >"$TMP/m.ss.all"; : >"$TMP/m.sd.all"
# shellcheck disable=SC2016 # an awk program: its $1 is awk's
per_socket='{print $1 >> s; print ($2-$1)*1024/$3 >> d}'
for r in 1 2 3 4 5; do
    "$BIN/memrss" 10000 | awk -v s="$TMP/m.ps.all" -v d="$TMP/m.pd.all" "$per_socket"
    shim "$BIN/memrss" 10000 | awk -v s="$TMP/m.ss.all" -v d="$TMP/m.sd.all" "$per_socket"
done
P=$(median <"$TMP/m.ps.all"); S=$(median <"$TMP/m.ss.all")
A=$(fmt "%.2f" "($S - $P) / 1024")
row "memory: RSS added at start, MiB" "$P KiB" "$S KiB" "$A" "<= 1" "$(verdict "$A" le 1)"
P=$(median <"$TMP/m.pd.all"); S=$(median <"$TMP/m.sd.all")
A=$(fmt "%.0f" "$S - $P")
row "memory: RSS added per tracked socket, bytes" "$(fmt "%.0f" "$P")" "$(fmt "%.0f" "$S")" "$A" "<= 128" "$(verdict "$A" le 128)"

# --- sockshim-report --------------------------------------------------------
# A generated log (tools/bench/report-log.py: 1,000,000 events of mixed
# kinds, 200 distinct stacks, 50 processes) read 3 times; the figure is
# events per CPU second (user + sys: one core, whatever else the machine
# runs), the wall-clock rate a reference. That log's modules exist on no
# host: it measures reading and grouping, no frame is symbolized. The
# same log made with --libc (this host's libc, two frames of their own in
# each stack) is read 3 times too: its rate is a reference, its peak RSS
# (symbolization's memory on top) the figure held to 64 MiB. The cost of
# symbolization is measured apart, on 20,000 events: the report with
# libc's frames symbolized and without (the same log, libc's build-id
# and path made up), 5 runs each, the difference over the distinct
# frames symbolized. debuginfod is not asked (DEBUGINFOD_URLS unset).
REPORT=$BUILD/tools/report/sockshim-report
REPORT_GEN=$(dirname "$0")/report-log.py
report_log() { python3 "$REPORT_GEN" "$@"; }
REPORT_LIBC=$(ldd "$REPORT" 2>/dev/null | awk '$1 ~ /^libc\.so/ {print $3; exit}')
# report_run LOG OUT: one report over LOG (its text in $TMP/rep.out);
# appends "CPU-SECONDS WALL-SECONDS PEAK-RSS-KIB" to OUT.
report_run() {
    env -u DEBUGINFOD_URLS /usr/bin/time -f '%U %S %e %M' -o "$TMP/rep.time" \
        "$REPORT" "$1" >"$TMP/rep.out" 2>/dev/null
    read -r u s e m <"$TMP/rep.time"
    echo "$(calc "$u + $s") $e $m" >>"$2"
}
# column N FILE: the median of column N of FILE.
column() { awk -v n="$1" '{print $n}' "$2" | median; }
if [ -x "$REPORT" ] && [ -x /usr/bin/time ] && report_log 1000000 >"$TMP/report.jsonl"; then
    note "sockshim-report over a generated 1,000,000-event log (3 runs)"
    : >"$TMP/rep.plain"
    for _ in 1 2 3; do report_run "$TMP/report.jsonl" "$TMP/rep.plain"; done
    rm -f "$TMP/report.jsonl"
    S=$(fmt "%.0f" "1000000 / $(column 1 "$TMP/rep.plain")")
    row "sockshim-report, 1M events, no symbols, events/CPU s" "-" "$S" "$S" ">= 300000" "$(verdict "$S" ge 300000)"
    S=$(fmt "%.0f" "1000000 / $(column 2 "$TMP/rep.plain")")
    row "  reference: the same, events per wall-clock s" "-" "$S" "$S" "-" "reference"
    RSS=$(column 3 "$TMP/rep.plain")
    if [ -n "$REPORT_LIBC" ] && report_log 1000000 --libc "$REPORT_LIBC" >"$TMP/report.jsonl"; then
        note "the same with $REPORT_LIBC's frames symbolized (3 runs)"
        : >"$TMP/rep.sym"
        for _ in 1 2 3; do report_run "$TMP/report.jsonl" "$TMP/rep.sym"; done
        S=$(fmt "%.0f" "1000000 / $(column 1 "$TMP/rep.sym")")
        row "  reference: libc's frames symbolized, events/CPU s" "-" "$S" "$S" "-" "reference"
        RSS=$(column 3 "$TMP/rep.sym")
    fi
    rm -f "$TMP/report.jsonl"
    S=$(fmt "%.1f" "$RSS / 1024")
    row "sockshim-report, 1M-event log, peak RSS, MiB" "-" "$S" "$S" "<= 64" "$(verdict "$S" le 64)"
    # Symbolization per distinct frame: with and without, alternated.
    SYMS=
    if [ -n "$REPORT_LIBC" ] && report_log 20000 --libc "$REPORT_LIBC" >"$TMP/sym.jsonl"; then
        note "sockshim-report: symbolization cost (5 runs with, 5 without)"
        id=$(sed -n 's/.*"module_id":2,"path":"[^"]*","build_id":"\([0-9a-f]*\)".*/\1/p' "$TMP/sym.jsonl" | head -n 1)
        sed -e "s/$id/5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed/g" \
            -e "s#\"$REPORT_LIBC\"#\"/usr/lib/sockshim-bench-absent/libc.so.6\"#g" \
            "$TMP/sym.jsonl" >"$TMP/nosym.jsonl"
        : >"$TMP/rep.on"; : >"$TMP/rep.off"
        for _ in 1 2 3 4 5; do
            report_run "$TMP/nosym.jsonl" "$TMP/rep.off"
            report_run "$TMP/sym.jsonl" "$TMP/rep.on"
        done
        # The frames of the last run with symbols: distinct, and printed
        # (a frame is symbolized for each finding that shows it).
        D=$(grep -o 'libc\.so\.6+0x[0-9a-f]*' "$TMP/rep.out" | sort -u | wc -l)
        P=$(grep -c 'libc\.so\.6+0x' "$TMP/rep.out")
        ON=$(column 1 "$TMP/rep.on"); OFF=$(column 1 "$TMP/rep.off")
        S=$(fmt "%.3f" "($ON - $OFF) * 1000 / ($D > 0 ? $D : 1)")
        row "sockshim-report: symbolization, CPU ms/distinct frame" "-" "$S" "$S" "-" "reference"
        SYMS="$D distinct libc frames ($P printed) in 20,000 events; CPU s with symbols $ON, without $OFF (medians of 5)"
        rm -f "$TMP/sym.jsonl" "$TMP/nosym.jsonl"
    fi
else
    rm -f "$TMP/report.jsonl"
    row "sockshim-report, 1M events, no symbols, events/CPU s" - - - ">= 300000" "n/a (no report tool, python3 or /usr/bin/time)"
fi

# --- the table ---------------------------------------------------------------
echo
echo "sockshim benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $RUNS alternated runs (medians)"
echo "sockshim: enforce, keepalive=60, nodelay=on, checks=all, stacks=on, scan=1s, log=file, level=warn"
awk -F'|' 'BEGIN {printf "%-54s %12s %12s %9s %9s  %s\n", "figure", "without", "with", "result", "target", "met?";
                  printf "%-54s %12s %12s %9s %9s  %s\n", "------", "-------", "----", "------", "------", "----"}
           {printf "%-54s %12s %12s %9s %9s  %s\n", $1, $2, $3, $4, $5, $6}' "$ROWS"
echo
echo "details: stack-capture:"; sed 's/^/  /' "$TMP/stack.out"
echo "details: scanpass:"; sed 's/^/  /' "$TMP/scan.out" "$TMP/scan-small.out"
if [ -s "$TMP/ir.raw" ]; then
    echo "details: callgrind, total instructions (Ir) of iocost MODE N:"; sed 's/^/  /' "$TMP/ir.raw"
fi
if [ -n "${SYMS:-}" ]; then
    echo "details: sockshim-report symbolization: $SYMS"
fi
echo "run time: $(( $(date +%s) - START )) s"
