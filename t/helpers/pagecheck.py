#!/usr/bin/env python3
# Copyright (c) 2026 The sockshim authors; MIT License (see LICENSE).
"""pagecheck.py: checks of sockshim-report's HTML page, for
t/e2e/report-html.sh. Python 3 standard library only.

  pagecheck.py wellformed FILE
      Every element is closed, in order (void elements and <x/> aside);
      no src, href, url() or @import names anything outside the page
      (no scheme but data: and no //host). Prints each problem; exit 1.
  pagecheck.py summary FILE
      What the page shows, one sorted line each: "svg N" (the charts),
      "row KIND SIGNATURE" per finding of the table, "series SIGNATURE
      points=N dots=D first=C last=C" per line of the chart (N its
      polyline's points, D its dots, C the counts in the first and last
      dot's tooltip). Works on the page and on a browser's DOM dump.
  pagecheck.py expect JSON LOG...
      The summary the page of these LOGs should have, from
      sockshim-report --json's findings (JSON) and the logs' open_sockets
      reports: a point per report of a group whose role is the finding's,
      its count the sum of each process's latest count.
  pagecheck.py jsonseries JSON LOG...
      Each open_sockets finding's growth.series in sockshim-report
      --json's output (JSON) against the logs' reports, as for expect:
      "series SIGNATURE points=N last=C" per finding, then "match" when
      every count is the expected one, else the first difference.
  pagecheck.py png FILE
      "size WxH" and "colours N" (distinct RGB values) of the PNG FILE
      (8-bit RGB or RGBA, not interlaced), then "#rrggbb" for each of
      the chart's colours present as is. Exit 1 if FILE is no such PNG.
"""
import html.parser
import json
import re
import struct
import sys
import zlib

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
INSIDE = re.compile(r"^\s*(?![a-z][a-z0-9+.-]*:)(?!//)|^\s*data:", re.I)


class Balance(html.parser.HTMLParser):
    """Open elements on a stack; a problem per mismatch or outside name."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open, self.problems = [], []

    def where(self):
        return "line %d" % self.getpos()[0]

    def check_refs(self, attrs):
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "poster") \
                    and value and not INSIDE.match(value):
                self.problems.append("%s: %s=%s names something outside "
                                     "the page" % (self.where(), name, value))
            if name == "style" and value:
                self.check_css(value)

    def check_css(self, text):
        for m in re.finditer(r"url\(\s*['\"]?([^'\")]*)|@import", text):
            if m.group(0) == "@import" or not INSIDE.match(m.group(1)):
                self.problems.append("%s: %s in a style" %
                                     (self.where(), m.group(0)))

    def handle_starttag(self, tag, attrs):
        self.check_refs(attrs)
        if tag not in VOID:
            self.open.append((tag, self.where()))

    def handle_startendtag(self, tag, attrs):
        self.check_refs(attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.open or self.open[-1][0] != tag:
            self.problems.append("%s: </%s> closes %s" % (
                self.where(), tag,
                "<%s> of %s" % self.open[-1] if self.open else "nothing"))
            return
        self.open.pop()

    def handle_data(self, data):
        if self.open and self.open[-1][0] == "style":
            self.check_css(data)


def wellformed(path):
    b = Balance()
    with open(path, encoding="utf-8") as f:
        b.feed(f.read())
    b.close()
    for tag, where in b.open:
        b.problems.append("<%s> of %s never closed" % (tag, where))
    for p in b.problems:
        print(p)
    return 1 if b.problems else 0


class Shown(html.parser.HTMLParser):
    """The findings' rows, the chart's series and their dots."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.svgs, self.rows, self.series = 0, [], []
        self.open = []  # the elements the parser is in

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = a.get("class", "").split()
        if tag == "svg":
            self.svgs += 1
        elif tag == "tr" and "finding" in classes:
            self.rows.append((a.get("data-kind"), a.get("id", "")[2:]))
        elif tag == "g" and "series" in classes:
            self.series.append({"sig": a.get("data-signature"), "points": 0,
                                "counts": []})
        elif tag == "polyline" and self.series:
            self.series[-1]["points"] = len(a.get("points", "").split())
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data):
        # A dot's tooltip: "TIME: COUNT".
        if self.open[-2:] == ["circle", "title"] and self.series:
            self.series[-1]["counts"].append(int(data.rsplit(":", 1)[1]))


def summary_lines(svgs, rows, series):
    lines = ["svg %d" % svgs]
    lines += ["row %s %s" % r for r in rows]
    for s in series:
        c = s["counts"]
        lines.append("series %s points=%d dots=%d first=%s last=%s" % (
            s["sig"], s["points"], len(c), c[0] if c else "-",
            c[-1] if c else "-"))
    return sorted(lines)


def summary(path):
    p = Shown()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    print("\n".join(summary_lines(p.svgs, p.rows, p.series)))
    return 0


def expect(report, logs):
    with open(report, encoding="utf-8") as f:
        findings = json.load(f)["findings"]
    rows = [(f["kind"], f["signature"]) for f in findings]
    series = [{"sig": f["signature"], "points": len(counts),
               "counts": counts}
              for f, counts in group_counts(findings, logs)]
    print("\n".join(summary_lines(1 if series else 0, rows, series)))
    return 0


def group_counts(findings, logs):
    """Per open_sockets finding, the counts its chart and series should
    have: a point per report of a group of its role, the sum of each
    process's latest count."""
    reports = []
    for path in logs:
        with open(path, encoding="utf-8") as f:
            for line in f:
                ev = json.loads(line)
                if ev.get("kind") == "open_sockets":
                    reports.append(ev)
    reports.sort(key=lambda ev: ev["ts"])
    out = []
    for f in findings:
        if f["kind"] != "open_sockets":
            continue
        latest, counts = {}, []
        for ev in reports:
            for g in ev.get("groups", []):
                if g.get("role") == f.get("detail"):
                    latest[(ev.get("host"), ev["pid"])] = g["count"]
                    counts.append(sum(latest.values()))
        out.append((f, counts))
    return out


def jsonseries(report, logs):
    with open(report, encoding="utf-8") as f:
        findings = json.load(f)["findings"]
    problem = None
    for f, counts in group_counts(findings, logs):
        seen = [p["count"] for p in f["growth"]["series"]]
        ms = [p["ms"] for p in f["growth"]["series"]]
        print("series %s points=%d last=%s" % (f["signature"], len(seen),
                                               seen[-1] if seen else "-"))
        if problem is None and seen != counts:
            problem = "%s: counts %s, expected %s" % (f["signature"], seen,
                                                      counts)
        if problem is None and ms != sorted(ms):
            problem = "%s: times out of order %s" % (f["signature"], ms)
    print(problem or "match")
    return 0 if problem is None else 1


def png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        print("not a PNG")
        return 1
    pos, idat, head = 8, [], None
    while pos + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if zlib.crc32(kind + body) != struct.unpack(
                ">I", data[pos + 8 + n:pos + 12 + n])[0]:
            print("bad CRC in", kind)
            return 1
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    if head is None:
        print("no IHDR")
        return 1
    w, h, depth, ctype, _, _, interlace = head
    print("size %dx%d" % (w, h))
    if depth != 8 or ctype not in (2, 6) or interlace != 0:
        print("not 8-bit RGB(A), not interlaced: %r" % (head,))
        return 1
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    colours = set()
    for y in range(h):
        ft = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if ft == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 255
        elif ft == 2:
            row = bytearray((a + b) & 255 for a, b in zip(row, prev))
        elif ft == 3:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + ((left + prev[i]) >> 1)) & 255
        elif ft == 4:
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                row[i] = (row[i] + pred) & 255
        elif ft != 0:
            print("unknown filter", ft)
            return 1
        colours.update(bytes(row[i:i + 3]) for i in range(0, stride, bpp))
        prev = row
    print("colours %d" % len(colours))
    for c in PALETTE:
        if bytes.fromhex(c[1:]) in colours:
            print(c)
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "wellformed":
        return wellformed(argv[2])
    if len(argv) == 3 and argv[1] == "summary":
        return summary(argv[2])
    if len(argv) >= 4 and argv[1] == "expect":
        return expect(argv[2], argv[3:])
    if len(argv) >= 4 and argv[1] == "jsonseries":
        return jsonseries(argv[2], argv[3:])
    if len(argv) == 3 and argv[1] == "png":
        return png(argv[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
