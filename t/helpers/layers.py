#!/usr/bin/env python3
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
"""layers.py: checks the library's layering, for t/source/layers.sh.

  layers.py LIBDIR [MAX_LINES]

The library's folders are layers, and an #include may only point to the
same folder or to a lower layer:

  interpose  ->  policy, diagnose  ->  config  ->  output  ->  base

(policy and diagnose are one level: neither includes the other). Prints
one line per finding, nothing when all is well:

  placement FILE          a source file outside the layer folders
  bare FILE:LINE HEADER   a library header included without its folder
  upward FILE:LINE HEADER an include of a higher layer or a sibling
  cycle A -> B -> ... -> A  modules (x.c and x.h) that include each other
  long FILE N             a file over MAX_LINES lines (default 500)
"""
import os
import re
import sys

RANKS = {"base": 1, "output": 2, "config": 3, "diagnose": 4, "policy": 4,
         "interpose": 5}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main():
    libdir = sys.argv[1]
    max_lines = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    headers = {}  # basename -> layer, for bare includes
    files = []
    for root, _dirs, names in os.walk(libdir):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, libdir)
            layer = rel.split(os.sep)[0] if os.sep in rel else None
            if layer not in RANKS:
                print("placement %s" % rel)
                continue
            files.append((rel, layer))
            if name.endswith(".h"):
                headers[name] = layer
    graph = {}
    for rel, layer in sorted(files):
        module = os.path.splitext(rel)[0]
        graph.setdefault(module, set())
        with open(os.path.join(libdir, rel), encoding="utf-8",
                  errors="replace") as f:
            lines = f.readlines()
        if len(lines) > max_lines:
            print("long %s %d" % (rel, len(lines)))
        for number, line in enumerate(lines, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            if "/" not in target:
                if target in headers:
                    print("bare %s:%d %s" % (rel, number, target))
                continue  # config.h, the build's own
            to_layer = target.split("/")[0]
            if to_layer not in RANKS:
                continue
            if to_layer != layer and RANKS[to_layer] >= RANKS[layer]:
                print("upward %s:%d %s" % (rel, number, target))
            to_module = os.path.splitext(target)[0]
            if to_module != module:
                graph[module].add(to_module)
    report_cycles(graph)


def report_cycles(graph):
    """Print each include cycle once (depth-first, colouring)."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {m: WHITE for m in graph}
    stack = []
    seen = set()

    def visit(module):
        colour[module] = GREY
        stack.append(module)
        for to in sorted(graph.get(module, ())):
            if colour.get(to, BLACK) == GREY:
                cycle = stack[stack.index(to):] + [to]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    print("cycle " + " -> ".join(cycle))
            elif colour.get(to) == WHITE:
                visit(to)
        stack.pop()
        colour[module] = BLACK

    for module in sorted(graph):
        if colour[module] == WHITE:
            visit(module)


if __name__ == "__main__":
    main()
