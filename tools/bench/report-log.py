#!/usr/bin/env python3
"""report-log.py — write a synthetic sockshim JSON log for the
sockshim-report benchmark: N events (default 1,000,000) of mixed kinds
from 50 processes on 5 hosts, their stacks drawn from 200 distinct call
stacks, in the library's own layout (schema 1, module events first in
each process, repeat lines, open_sockets reports with groups, summaries).

    python3 tools/bench/report-log.py [N] [--libc PATH] > log.jsonl

No host has the log's modules (their build-ids are made up, their paths
absent): the report reads it without symbolizing a frame. With --libc
PATH, the libc of the log is PATH, with its own build-id, and each stack
has two frames of its own in PATH's .text (400 distinct frames, on this
host's code): the report symbolizes them.

Seeded: the same arguments give the same file."""
import random
import struct
import sys


def elf_facts(path):
    """The hex build-id of the ELF file PATH (64-bit, little-endian), its
    .text as (offset from the first mapping, size)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit("report-log.py: %s: not a 64-bit little-endian ELF file" % path)
    phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
    phentsize, phnum, shentsize, shnum, shstrndx = \
        struct.unpack_from("<HHHHH", data, 0x36)
    # Offsets in a log are from the start of the first PT_LOAD's page.
    base = None
    for i in range(phnum):
        p_type, _, _, p_vaddr = struct.unpack_from("<IIQQ", data,
                                                   phoff + i * phentsize)
        if p_type == 1:
            base = p_vaddr & ~4095
            break
    sections = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    names = sections[shstrndx][4]
    build_id = text = None
    for name, sh_type, _, addr, offset, size in sections:
        end = data.index(b"\0", names + name)
        if data[names + name:end] == b".text":
            text = (addr - (base or 0), size)
        pos = offset
        while sh_type == 7 and pos + 12 <= offset + size:  # SHT_NOTE
            namesz, descsz, note_type = struct.unpack_from("<III", data, pos)
            desc = pos + 12 + ((namesz + 3) & ~3)
            if note_type == 3 and data[pos + 12:pos + 15] == b"GNU":
                build_id = data[desc:desc + descsz].hex()
            pos = desc + ((descsz + 3) & ~3)
    if build_id is None or text is None:
        sys.exit("report-log.py: %s: no build-id or no .text" % path)
    return build_id, text


args = sys.argv[1:]
LIBC = None
if "--libc" in args:
    i = args.index("--libc")
    LIBC = args[i + 1]
    del args[i:i + 2]
N = int(args[0]) if args else 1000000
PROCS, HOSTS, STACKS = 50, 5, 200
rng = random.Random(18)
out = sys.stdout
BUILD_ID = {1: "39772463d80b7e4e71ae358a6feae88e41818b5c",
            2: "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed"}
PATHS = {1: "/usr/sbin/app-server",
         2: "/usr/lib/sockshim-bench-absent/libc.so.6"}
LIBC_FRAMES = [(0x2724a, None), (0x27305, "__libc_start_main")]
if LIBC is not None:
    BUILD_ID[2], (text_start, text_size) = elf_facts(LIBC)
    PATHS[2] = LIBC
FUNCS = ["serve_request", "handle_conn", "worker_loop", "accept_loop",
         "dial_backend", "pool_get", "main", "run"]

# Each distinct stack: 4 to 7 frames (module_id, offset, func).
stacks = []
for s in range(STACKS):
    frames = [(1, 0x1000 + 0x40 * s + 0x10 * i, FUNCS[(s + i) % len(FUNCS)])
              for i in range(rng.randint(2, 5))]
    if LIBC is None:
        frames += [(2, off, func) for off, func in LIBC_FRAMES]
    else:
        # Two frames of this stack's own, spread over the real .text.
        frames += [(2, text_start + (0x9e3779b1 * (2 * s + k + 1)) % text_size,
                    None) for k in range(2)]
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
