#!/usr/bin/env python3
"""report-log.py — write a synthetic sockshim JSON log for the
sockshim-report benchmark: N events (default 1,000,000) of mixed kinds
from 50 processes on 5 hosts, their stacks drawn from 200 distinct call
stacks, in the library's own layout (schema 1, module events first in
each process, repeat lines, open_sockets reports with groups, summaries).

    python3 tools/bench/report-log.py [N] > log.jsonl

Seeded: the same N gives the same file."""
import random
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
PROCS, HOSTS, STACKS = 50, 5, 200
rng = random.Random(18)
out = sys.stdout
BUILD_ID = {1: "39772463d80b7e4e71ae358a6feae88e41818b5c",
            2: "93ac61ec5a8eb1396f9fbd350e3169a558528a40"}
PATHS = {1: "/usr/sbin/app-server", 2: "/lib/x86_64-linux-gnu/libc.so.6"}
FUNCS = ["serve_request", "handle_conn", "worker_loop", "accept_loop",
         "dial_backend", "pool_get", "main", "run"]

# Each distinct stack: 4 to 7 frames (module_id, offset, func).
stacks = []
for s in range(STACKS):
    frames = [(1, 0x1000 + 0x40 * s + 0x10 * i, FUNCS[(s + i) % len(FUNCS)])
              for i in range(rng.randint(2, 5))]
    frames += [(2, 0x2724a, None), (2, 0x27305, "__libc_start_main")]
    stacks.append(frames)


def frames_json(stack, base):
    parts = []
    for mid, off, func in stack:
        fn = '"%s","func_offset":"0x%x"' % (func, off & 0xff) if func else "null"
        parts.append('{"ip":"0x%x","module":"%s","module_id":%d,'
                     '"offset":"0x%x","ret":true,"func":%s}'
                     % (base[mid] + off, PATHS[mid].rsplit("/", 1)[1], mid,
                        off, fn))
    return "[" + ",".join(parts) + "]"


procs = []
for p in range(PROCS):
    base = {1: 0x560000000000 + p * 0x1000000, 2: 0x7f0000000000 + p * 0x1000000}
    procs.append({"pid": 1000 + p, "host": "node%d" % (p % HOSTS),
                  "prog": "app-server", "base": base, "stack_ids": {},
                  "seen": {}, "rendered": {}})

t0 = 1796385600  # 2026-12-04T00:00:00Z
KINDS = (["close_wait"] * 12 + ["double_close"] * 6 + ["close_unread"] * 6 +
         ["abortive_close"] * 4 + ["repeat"] * 30 + ["open_sockets"] * 8 +
         ["policy"] * 24 + ["summary"] * 2 + ["leak_at_exit"] * 8)
LEVEL = {"close_wait": "error", "double_close": "error",
         "close_unread": "warn", "abortive_close": "warn",
         "leak_at_exit": "warn", "open_sockets": "info", "policy": "info",
         "summary": "info"}
written = 0


def emit(p, i, level, kind, rest):
    global written
    sec = t0 + i * 86400 // N
    ts = "2026-12-04T%02d:%02d:%02d.%06dZ" % (sec // 3600 % 24, sec // 60 % 60,
                                              sec % 60, i % 1000000)
    out.write('{"schema":1,"ts":"%s","host":"%s","pid":%d,"tid":%d,'
              '"prog":"%s","level":"%s","kind":"%s"%s}\n'
              % (ts, p["host"], p["pid"], p["pid"], p["prog"], level, kind,
                 rest))
    written += 1


def stack_of(p, s):
    r = p["rendered"].get(s)
    if r is None:
        r = p["rendered"][s] = frames_json(stacks[s], p["base"])
    return r


for p in procs:
    for mid in (1, 2):
        emit(p, 0, "info", "module",
             ',"module_id":%d,"path":"%s","build_id":"%s","base":"0x%x",'
             '"size":1974096' % (mid, PATHS[mid], BUILD_ID[mid], p["base"][mid]))

i = written
while written < N:
    p = procs[rng.randrange(PROCS)]
    s = min(int(rng.paretovariate(1.2)) - 1, STACKS - 1)
    s = (s * 37 + p["pid"]) % STACKS if rng.random() < 0.5 else s
    kind = rng.choice(KINDS)
    i += 1
    if kind == "repeat":
        if not p["seen"]:
            continue
        k, sid = rng.choice(list(p["seen"].items()))
        p["seen"][k] = (sid[0], min(sid[1] * 10, 10 ** 9))
        emit(p, i, LEVEL[k[0]], k[0], ',"fd":7,"stack_id":%d,"repeat":%d'
             % (sid[0], sid[1]))
    elif kind == "open_sockets":
        groups = ",".join(
            '{"count":%d,"close_wait":%d,"role":"accept","created_at":%s}'
            % (rng.randint(1, 200), rng.randint(0, 5),
               stack_of(p, (s + g) % STACKS)) for g in range(3))
        emit(p, i, "info", kind, ',"sockets":%d,"close_wait":3,"fds_open":40,'
             '"fds_sockshim":2,"fd_limit":1024,"groups":[%s]'
             % (rng.randint(1, 600), groups))
    elif kind == "policy":
        emit(p, i, "info", kind, ',"fd":%d,"family":"inet","type":"stream",'
             '"applied":["SO_KEEPALIVE=60","TCP_NODELAY=1"]'
             % rng.randint(3, 900))
    elif kind == "summary":
        emit(p, i, "info", kind, ',"counts":{"policy":120,"close_wait":4,'
             '"double_close":1},"repeated":9,"suppressed":0,"stacks":31')
    else:
        sid = p["stack_ids"].setdefault((kind, s), len(p["stack_ids"]) + 1)
        p["seen"][(kind, s)] = (sid, 10)
        extra = ""
        if kind == "close_wait":
            extra = ',"age_ms":%d' % rng.randint(1000, 900000)
        if kind == "double_close":
            extra = ',"closed_at":%s' % stack_of(p, (s + 1) % STACKS)
        emit(p, i, LEVEL[kind], kind,
             ',"fd":%d,"stack_id":%d%s,"why":"a synthetic event for the '
             'benchmark","stack":%s' % (rng.randint(3, 900), sid, extra,
                                        stack_of(p, s)))
