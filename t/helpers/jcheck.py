#!/usr/bin/env python3
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
"""jcheck.py: checks of sockshim's JSON log (one object a line), for the
shell tests. Python 3 standard library only.

  jcheck.py lines [--min N] [--max N] [--width N] [--diagnostic] FILE...
      Every line of every FILE is one JSON object, from its first byte to
      its newline; all FILEs together hold N lines at least (--min,
      default 1) and at most (--max); none is longer than --width bytes
      (its newline aside).
  jcheck.py event [OPTION...] FILE KIND SPEC...
      Exactly one KIND event among those that match every @SPEC, and it
      matches every other SPEC; FILE as lines with the OPTIONs would have it.
  jcheck.py every [OPTION...] FILE SPEC...
      The events that match every @SPEC (one at least) match every other
      SPEC; FILE as lines with the OPTIONs would have it.
  jcheck.py count FILE SPEC...
      Prints how many events match every SPEC (nothing if a line of FILE
      is no JSON object).
  jcheck.py get FILE KEY SPEC...
      Prints KEY of the one event that matches every SPEC.
  jcheck.py print FILE KIND=TEMPLATE...
      Prints each event in TEMPLATE, the one for its kind (KIND * for any
      kind not named; an empty TEMPLATE prints nothing); {KEY} is the
      value of KEY, {KEY|OTHER} that of the first present, an object its
      KEY=VALUE pairs, a missing field None. A line that is no JSON
      object prints as "NOT JSON: LINE" where it stands.

Every command fails (exit 1) when a line of FILE is no JSON object; the
checks print what is wrong on stdout, the other commands on stderr. A
wrong command line exits 2.

--diagnostic: each object also has the fields every event has (ts to
the microsecond, pid, tid, prog, level, kind) and, if it reports a
descriptor's misuse (any kind but summary and config_error), fd, why and
a stack; family and role too unless the descriptor is no socket; a
report on the process (open_sockets, fd_pressure, fd_exhausted) why,
sockets and groups instead. Stacks are lists of frames {ip, module,
offset, func}.

SPEC, of a field KEY (KEY.SUB: the field SUB of the object KEY, KEY.N
the Nth item, from 0, of the list KEY):
  KEY          present, and neither null nor empty
  !KEY         absent
  KEY=TEXT     its value as text (a number as written, a string as is) is TEXT
  KEY==JSON    it equals the JSON value JSON, type included
  KEY=~RE      a string that the Python regular expression RE matches in full
  KEY^=TEXT    TEXT, or sockshim's cut of it: its first 8 or more
               characters, then dots or an ellipsis (long values are cut)
  KEY>=N, KEY>N, KEY<=N, KEY<N
               an integer (not a boolean) so compared with N
  KEY~FUNC     a non-empty list of stack frames, one of them in function FUNC
  depth<=N     each of its stacks (stack, created_at, closed_at) has 1 to N
               frames
"""

import json
import re
import sys

STACKS = ("stack", "created_at", "closed_at")
FRAME_KEYS = ("ip", "module", "offset", "func")
# Kinds about the whole process: its open sockets in groups.
PROCESS_KINDS = {"open_sockets", "fd_pressure", "fd_exhausted"}
# Kinds about a descriptor that is no open socket need no family/role.
NO_SOCKET = {"double_close"}
MISSING = object()


class Usage(Exception):
    pass


def parse_line(line):
    """The JSON object that line is, or what is wrong with it."""
    try:
        ev = json.loads(line)
    except ValueError as e:
        return None, "not JSON (%s): %r" % (e, line[:200])
    # sockshim writes each object alone on its line: a space around one
    # is a line put together from others (concurrent writers).
    if not isinstance(ev, dict) or not line.startswith(b"{") or \
            not line.endswith(b"}"):
        return None, "not an object alone on its line: %r" % line[:200]
    return ev, None


def load(path):
    """The objects of path, what is wrong with its lines, and its lines."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        return [], ["%s: cannot read it: %s" % (path, e)], []
    lines = raw.split(b"\n")
    tail = lines.pop()
    problems, events = [], []
    for n, line in enumerate(lines, 1):
        ev, why = parse_line(line)
        if why:
            problems.append("%s:%d: %s" % (path, n, why))
        else:
            events.append(ev)
    if tail:
        problems.append("%s: last line without a newline: %r" % (path, tail[:200]))
    return events, problems, lines


def frame_problem(frames):
    if not isinstance(frames, list) or not frames:
        return "not a non-empty list"
    for f in frames:
        if not isinstance(f, dict) or any(k not in f for k in FRAME_KEYS):
            return "a frame lacks one of %s: %r" % (FRAME_KEYS, f)
        if not isinstance(f["ip"], str) or not isinstance(f["offset"], str) or \
                not re.fullmatch(r"0x[0-9a-f]+", f["ip"]) or \
                not re.fullmatch(r"0x[0-9a-f]+", f["offset"]):
            return "ip/offset not hex: %r" % f
        if not isinstance(f["module"], str) or not f["module"]:
            return "no module: %r" % f
        if f["func"] is not None and not isinstance(f["func"], str):
            return "func neither string nor null: %r" % f
    return None


def diagnostic_problems(ev):
    """What a sockshim event lacks (see --diagnostic)."""
    p = []
    kind = ev.get("kind")
    need = ["ts", "pid", "tid", "prog", "level", "kind"]
    if kind in PROCESS_KINDS:
        need += ["why", "sockets", "groups"]
    elif kind == "module":
        need += ["module_id", "path", "base", "size"]
    elif kind not in ("summary", "config_error"):
        need += ["fd", "why", "stack"]
        if kind not in NO_SOCKET and ev.get("problem") != "not_a_socket":
            need += ["family", "role"]
    p += ["(%s) no %s" % (kind, k) for k in need if k not in ev]
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z",
                        str(ev.get("ts"))):
        p.append("ts %r" % (ev.get("ts"),))
    for k in ("pid", "tid"):
        if not is_int(ev.get(k)) or ev.get(k) <= 0:
            p.append("%s %r" % (k, ev.get(k)))
    if ev.get("level") not in ("error", "warn", "info", "debug"):
        p.append("level %r" % (ev.get("level"),))
    if "fd" in ev and (not is_int(ev["fd"]) or ev["fd"] < 0):
        p.append("fd %r" % (ev["fd"],))
    for k in STACKS:
        if k in ev:
            why = frame_problem(ev[k])
            if why:
                p.append("%s %s" % (k, why))
    for i, g in enumerate(ev.get("groups", [])):
        if "created_at" in g:
            why = frame_problem(g["created_at"])
            if why:
                p.append("groups.%d.created_at %s" % (i, why))
    return p


def is_int(v):
    return type(v) is int


def field(ev, key):
    for part in key.split("."):
        if isinstance(ev, list) and part.isdigit() and int(part) < len(ev):
            ev = ev[int(part)]
        elif isinstance(ev, dict) and part in ev:
            ev = ev[part]
        else:
            return MISSING
    return ev


def text(v):
    if isinstance(v, dict):
        return " ".join("%s=%s" % kv for kv in v.items())
    return str(v)


SPEC = re.compile(r"(!?)([\w.]+)(?:(==|=~|\^=|=|>=|<=|>|<|~)(.*))?", re.S)


def parse(spec):
    m = SPEC.fullmatch(spec)
    if not m or (m.group(1) and m.group(3)) or \
            (m.group(3) in (">=", ">", "<=", "<") and
             not re.fullmatch(r"-?\d+", m.group(4))):
        raise Usage("not a SPEC: %r" % spec)
    return m.groups()


def spec_problem(ev, spec):
    """None if ev matches spec, else what is wrong."""
    neg, key, op, want = parse(spec)
    if key == "depth" and op == "<=":
        for k in STACKS:
            if k in ev and not (isinstance(ev[k], list) and
                                1 <= len(ev[k]) <= int(want)):
                return "%s has %r frames, not 1 to %s" % (
                    k, len(ev[k]) if isinstance(ev[k], list) else ev[k], want)
        return None
    v = field(ev, key)
    if neg:
        return None if v is MISSING else "has %s: %r" % (key, v)
    if v is MISSING:
        return "no %s" % key
    if op is None:
        return None if v not in (None, "", [], {}) else "%s is %r" % (key, v)
    if op == "=":
        return None if text(v) == want else "%s is %r, not %r" % (key, v, want)
    if op == "==":
        try:
            w = json.loads(want)
        except ValueError:
            raise Usage("not JSON in %r" % spec)
        return None if type(v) is type(w) and v == w else \
            "%s is %r, not %s" % (key, v, want)
    if op == "=~":
        try:
            good = isinstance(v, str) and re.fullmatch(want, v)
        except re.error as e:
            raise Usage("%s in %r" % (e, spec))
        return None if good else "%s is %r, not /%s/" % (key, v, want)
    if op == "^=":
        cut = v.rstrip(".\u2026") if isinstance(v, str) else None
        if v == want or (cut is not None and 8 <= len(cut) < len(want) and
                         want.startswith(cut)):
            return None
        return "%s is %r, neither %r nor a cut of it" % (key, v, want[:80])
    if op in (">=", ">", "<=", "<"):
        n = int(want)
        good = is_int(v) and {">=": v >= n, ">": v > n,
                              "<=": v <= n, "<": v < n}[op]
        return None if good else "%s is %r, not an integer %s %d" % (key, v, op, n)
    # op == "~"
    if not isinstance(v, list) or not v:
        return "%s is %r, not a non-empty list" % (key, v)
    funcs = [f.get("func") if isinstance(f, dict) else f for f in v]
    return None if want in funcs else "no %s frame in %s: %r" % (want, key, funcs)


def selected(events, specs):
    return [e for e in events if all(spec_problem(e, s) is None for s in specs)]


def options(args, names):
    """Leading --NAME [VALUE] options of args, and the rest."""
    got = {}
    while args and args[0].startswith("--"):
        name = args.pop(0)[2:]
        if name not in names:
            raise Usage("unknown option --%s" % name)
        if not names[name]:
            got[name] = True
        elif args and re.fullmatch(r"\d+", args[0]):
            got[name] = int(args.pop(0))
        else:
            raise Usage("--%s needs a number" % name)
    return got, args


LINE_OPTIONS = {"min": 1, "max": 1, "width": 1, "diagnostic": 0}


def read(paths, opt):
    """The events of all paths, and what is wrong with them (see the
    options of lines)."""
    events, problems, total = [], [], 0
    for path in paths:
        mine, p, lines = load(path)
        events += mine
        problems += p
        total += len(lines)
        for n, line in enumerate(lines, 1):
            if "width" in opt and len(line) > opt["width"]:
                problems.append("%s:%d: %d bytes, more than %d" %
                                (path, n, len(line), opt["width"]))
        if opt.get("diagnostic"):
            problems += ["%s: %s" % (path, x)
                         for e in mine for x in diagnostic_problems(e)]
    if total < opt.get("min", 1):
        problems.append("%d lines in all, fewer than %d" % (total, opt.get("min", 1)))
    if "max" in opt and total > opt["max"]:
        problems.append("%d lines in all, more than %d" % (total, opt["max"]))
    return events, problems


def cmd_lines(args):
    opt, files = options(args, LINE_OPTIONS)
    if not files:
        raise Usage("lines needs a FILE")
    return read(files, opt)[1]


def checked(args):
    """The events of FILE (args' first after the options of lines), what
    is wrong with them, and the arguments after FILE."""
    opt, args = options(args, LINE_OPTIONS)
    if not args:
        raise Usage("no FILE")
    events, problems = read(args[:1], opt)
    if not events:
        problems.append("%s: no event at all" % args[0])
    return events, problems, args[1:]


def split(specs):
    return ([s[1:] for s in specs if s.startswith("@")],
            [s for s in specs if not s.startswith("@")])


def cmd_event(args):
    events, problems, args = checked(args)
    if not args:
        raise Usage("event needs a KIND")
    where, specs = split(args[1:])
    mine = selected(events, ["kind=" + args[0]] + where)
    if len(mine) != 1:
        return problems + ["%d %s events %s, not 1; the kinds: %s" % (
            len(mine), args[0], where, [e.get("kind") for e in events])]
    wrong = [p for p in (spec_problem(mine[0], s) for s in specs) if p]
    if wrong:
        wrong.append("in %s" % json.dumps(mine[0])[:600])
    return problems + wrong


def cmd_every(args):
    events, problems, args = checked(args)
    where, specs = split(args)
    mine = selected(events, where)
    if not mine:
        problems.append("no event %s" % where)
    for e in mine:
        problems += ["%s: %s" % (p, json.dumps(e)[:300])
                     for p in (spec_problem(e, s) for s in specs) if p]
    return problems


def cmd_count(args):
    if not args:
        raise Usage("count needs a FILE")
    events, problems, _ = load(args[0])
    if not problems:
        print(len(selected(events, [s.lstrip("@") for s in args[1:]])))
    return problems


def cmd_get(args):
    if len(args) < 2:
        raise Usage("get needs FILE and KEY")
    events, problems, _ = load(args[0])
    mine = selected(events, [s.lstrip("@") for s in args[2:]])
    if len(mine) != 1:
        problems.append("%d events %s, not 1" % (len(mine), args[2:]))
    elif field(mine[0], args[1]) is MISSING:
        problems.append("no %s in %s" % (args[1], json.dumps(mine[0])[:300]))
    if not problems:
        print(text(field(mine[0], args[1])))
    return problems


def fill(template, ev):
    def one(m):
        for key in m.group(1).split("|"):
            v = field(ev, key)
            if v is not MISSING:
                return text(v)
        return "None"
    return re.sub(r"\{([\w.|]+)\}", one, template)


def cmd_print(args):
    if not args:
        raise Usage("print needs a FILE")
    rules = {}
    for r in args[1:]:
        kind, eq, template = r.partition("=")
        if not eq:
            raise Usage("not KIND=TEMPLATE: %r" % r)
        rules[kind] = template
    try:
        with open(args[0], "rb") as f:
            lines = f.read().split(b"\n")
    except OSError as e:
        return ["%s: cannot read it: %s" % (args[0], e)]
    if lines[-1] == b"":
        lines.pop()
    bad = False
    for line in lines:
        ev, why = parse_line(line)
        if why:
            print("NOT JSON: " + line.decode(errors="replace").rstrip())
            bad = True
            continue
        template = rules.get(ev.get("kind"), rules.get("*", ""))
        if template:
            print(fill(template, ev))
    return ["a line is no JSON object"] if bad else []


COMMANDS = {"lines": cmd_lines, "event": cmd_event, "every": cmd_every,
            "count": cmd_count, "get": cmd_get, "print": cmd_print}
# Where each command says what is wrong: the checks on stdout (the
# tests show it), the queries on stderr (stdout is their answer).
QUERIES = ("count", "get", "print")


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        sys.stderr.write(__doc__)
        return 2
    try:
        problems = COMMANDS[argv[1]](list(argv[2:]))
    except Usage as e:
        sys.stderr.write("jcheck.py: %s\n" % e)
        return 2
    out = sys.stderr if argv[1] in QUERIES else sys.stdout
    for p in problems:
        out.write(p + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
