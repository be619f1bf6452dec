#!/usr/bin/env python3
"""Line and toggle coverage of rtl/ from a merged Verilator coverage file (make coverage).

Reads the file `verilator_coverage --write` made from every test's data, keeps the points of
files under rtl/, merges each point over instances and models (a line of a module is covered
when any instance in any model the suite ran executed it; a bit of a signal when it toggled
in any of them), and writes into OUT:

  summary.txt   per-file table, figures, explained points, unused explanations
  gaps.txt      every uncovered point no explanation names (file:line, or module.signal[bits])
  explained.txt every uncovered point an explanation names, with its reason

Line coverage counts Verilator's line points (statement blocks, `v_line`) and branch points
(each arm of an if/case, `v_branch`); toggle coverage counts one point per signal bit
(`v_toggle`). The register block generated from the SystemRDL (rtl/regs/generated/) is
reported apart; the two figures printed last are those of the hand-written RTL.

Explanations (the waiver file, rtl/coverage_waivers.txt) are lines of four fields separated
by `|`: kind | where | what | reason. Kinds:
  toggle | <module> | <signal glob>[<hi>:<lo>] or [<bit>] or no bits (all) | reason
  line   | <file under rtl/> | <first>-<last>, <line>, or text:<words on the line> | reason
An explained point still counts as uncovered in the figures: explaining a point does not
raise them. An explanation that names no uncovered point is reported as unused.

Uncovered line points that no explanation names are listed as gaps (summary.txt, gaps.txt).
Exit status: 0; 1 when --check is given and a figure is below its target; 2 on bad input.
"""

import argparse
import fnmatch
import os
import re
import sys
from collections import defaultdict

GENERATED = "rtl/regs/generated/"


def parse_dat(path):
    """Yields (keys dict, count) for each point of a Verilator coverage file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            if not raw.startswith("C '"):
                continue
            end = raw.rfind("'")
            body, count = raw[3:end], int(raw[end + 1:].strip())
            keys = {}
            for item in body.split("\x01")[1:]:
                k, _, v = item.partition("\x02")
                keys[k] = v
            yield keys, count


def split_bit(signal):
    """'data_q[12]' -> ('data_q', 12); 'st_q.x[3]' -> ('st_q.x', 3); 'valid' -> ('valid', None)."""
    m = re.match(r"^(.*)\[(\d+)\]$", signal)
    if m:
        return m.group(1), int(m.group(2))
    return signal, None


class Point:
    __slots__ = ("kind", "file", "line", "col", "module", "what", "count", "lines")

    def __init__(self, kind, file, line, col, module, what):
        self.kind, self.file, self.line, self.col = kind, file, line, col
        self.module, self.what = module, what
        self.count = 0
        self.lines = ""


def load_points(dat, root, instances=None):
    """The points of rtl/ merged over instances and models. With `instances` (a dict), also
    the toggle points per instance: instances[hierarchy] = [module, hit, total, file]."""
    points = {}
    per_instance = {}
    root = os.path.realpath(root)
    for keys, count in parse_dat(dat):
        page = keys.get("page", "")
        ptype, _, module = page.partition("/")
        # Verilator names each parameterization of a module <module>__<suffix>: one module.
        module = re.sub(r"__.*$", "", module)
        if ptype in ("v_line", "v_branch"):
            kind = "line"
        elif ptype == "v_toggle":
            kind = "toggle"
        else:
            continue  # user cover points, assertions: not line or toggle
        f = keys.get("f", "")
        rel = os.path.relpath(os.path.realpath(f), root) if os.path.isabs(f) else os.path.normpath(f)
        if not rel.startswith("rtl/"):
            continue  # the coverage flush module, anything outside the RTL
        line = int(keys.get("l", "0"))
        col = int(keys.get("n", "0"))
        what = keys.get("o", "")
        ident = (kind, rel, line, col, module, what, ptype)
        p = points.get(ident)
        if p is None:
            p = points[ident] = Point(kind, rel, line, col, module, what)
            p.lines = keys.get("S", "")
        p.count += count
        if kind == "toggle" and instances is not None:
            key = (keys.get("h", "?"), what)
            per_instance[key] = per_instance.get(key, 0) + count
            instances.setdefault(keys.get("h", "?"), [module, 0, 0, rel])
    if instances is not None:
        for (h, _), count in per_instance.items():
            instances[h][2] += 1
            if count > 0:
                instances[h][1] += 1
    return list(points.values())


class Waiver:
    def __init__(self, lineno, kind, where, what, reason):
        self.lineno, self.kind, self.where, self.what, self.reason = lineno, kind, where, what, reason
        self.used = 0
        self.lo = self.hi = None
        self.glob = None
        self.text = None
        if kind == "toggle":
            m = re.match(r"^(.*?)(?:\[(\d+)(?::(\d+))?\])?$", what)
            self.glob = m.group(1)
            if m.group(2) is not None:
                a = int(m.group(2))
                b = int(m.group(3)) if m.group(3) is not None else a
                self.lo, self.hi = min(a, b), max(a, b)
        elif kind == "line":
            if what.startswith("text:"):
                self.text = what[5:].strip()
            else:
                m = re.match(r"^(\d+)(?:-(\d+))?$", what)
                if not m:
                    raise ValueError(f"line range '{what}'")
                self.lo = int(m.group(1))
                self.hi = int(m.group(2)) if m.group(2) else self.lo
        else:
            raise ValueError(f"kind '{kind}' (toggle or line)")

    def matches(self, p, source_line):
        if p.kind != self.kind:
            return False
        if self.kind == "toggle":
            if p.module != self.where:
                return False
            name, bit = split_bit(p.what)
            if not fnmatch.fnmatchcase(name, self.glob):
                return False
            return self.lo is None or (bit is not None and self.lo <= bit <= self.hi) or \
                (bit is None and self.lo == 0)
        if p.file != self.where:
            return False
        if self.text is not None:
            return self.text in source_line
        return self.lo <= p.line <= self.hi


def load_waivers(path):
    waivers = []
    if not path or not os.path.exists(path):
        return waivers
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            s = raw.strip()
            if not s or s.startswith("#"):
                continue
            fields = [x.strip() for x in s.split("|", 3)]
            if len(fields) != 4 or not all(fields):
                sys.exit(f"{path}:{n}: want 'kind | where | what | reason', each non-empty")
            try:
                waivers.append(Waiver(n, *fields))
            except ValueError as e:
                sys.exit(f"{path}:{n}: bad {e}")
    return waivers


class Sources:
    def __init__(self, root):
        self.root, self.cache = root, {}

    def line(self, rel, n):
        if rel not in self.cache:
            try:
                with open(os.path.join(self.root, rel), encoding="utf-8", errors="replace") as f:
                    self.cache[rel] = f.read().split("\n")
            except OSError:
                self.cache[rel] = []
        lines = self.cache[rel]
        return lines[n - 1] if 0 < n <= len(lines) else ""


def pct(hit, total):
    return 100.0 * hit / total if total else 100.0


def fmt_pct(hit, total):
    return f"{pct(hit, total):6.2f}%" if total else "     - "


def bit_ranges(bits):
    """[0,1,2,5,7,8] -> '[2:0],[5],[8:7]'"""
    bits = sorted(bits)
    out, start = [], None
    for i, b in enumerate(bits):
        if start is None:
            start = b
        if i + 1 == len(bits) or bits[i + 1] != b + 1:
            out.append(f"[{b}:{start}]" if b != start else f"[{b}]")
            start = None
    return ",".join(out)


def group_toggles(points):
    """Uncovered toggle points grouped per (module, signal): 'module  signal[hi:lo],...'"""
    groups = defaultdict(list)
    where = {}
    for p in points:
        name, bit = split_bit(p.what)
        groups[(p.module, name)].append(bit)
        where[(p.module, name)] = f"{p.file}:{p.line}"
    rows = []
    for (module, name), bits in sorted(groups.items()):
        real = [b for b in bits if b is not None]
        rows.append((module, name + (bit_ranges(real) if real else ""), len(bits), where[(module, name)]))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dat", help="merged coverage file (verilator_coverage --write)")
    ap.add_argument("--root", default=".", help="repository root")
    ap.add_argument("--waivers", default="rtl/coverage_waivers.txt")
    ap.add_argument("--out", required=True, help="report folder")
    ap.add_argument("--line-target", type=float, default=95.0)
    ap.add_argument("--toggle-target", type=float, default=85.0)
    ap.add_argument("--label", default="",
                    help="a word before the two final figures (the wide run: 'wide')")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when a figure is below its target")
    args = ap.parse_args()

    instances = {}
    points = load_points(args.dat, args.root, instances)
    if not points:
        print(f"coverage: no point of rtl/ in {args.dat}", file=sys.stderr)
        return 2
    waivers = load_waivers(os.path.join(args.root, args.waivers))
    src = Sources(args.root)

    explained, gaps = [], []
    for p in points:
        if p.count > 0:
            continue
        text = src.line(p.file, p.line) if p.kind == "line" else ""
        w = next((w for w in waivers if w.matches(p, text)), None)
        if w:
            w.used += 1
            explained.append((p, w))
        else:
            gaps.append(p)

    # Per file: [line hit, line total, line explained, toggle hit, toggle total, toggle explained]
    per_file = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for p in points:
        row = per_file[p.file]
        base = 0 if p.kind == "line" else 3
        row[base + 1] += 1
        if p.count > 0:
            row[base] += 1
    for p, _ in explained:
        per_file[p.file][2 if p.kind == "line" else 5] += 1

    def total(select):
        t = [0] * 6
        for f, row in per_file.items():
            if select(f):
                t = [a + b for a, b in zip(t, row)]
        return t

    hand = total(lambda f: not f.startswith(GENERATED))
    gen = total(lambda f: f.startswith(GENERATED))
    everything = total(lambda f: True)

    os.makedirs(args.out, exist_ok=True)
    out = []
    w = out.append
    w("RTL coverage of the suite (make coverage; docs/coverage.md)")
    w("line = Verilator line and branch points, toggle = one point per signal bit;")
    w("points merged over instances and models; 'expl.' = uncovered and explained in "
      f"{args.waivers}")
    w("")
    head = (f"{'file':44} {'line points':>15} {'':>7} {'expl.':>5}   "
            f"{'toggle points':>15} {'':>7} {'expl.':>5}")
    w(head)
    w("-" * len(head))

    def row_text(name, r):
        return (f"{name:44} {f'{r[0]}/{r[1]}':>15} {fmt_pct(r[0], r[1])} {r[2]:>5}   "
                f"{f'{r[3]}/{r[4]}':>15} {fmt_pct(r[3], r[4])} {r[5]:>5}")

    for f in sorted(per_file, key=lambda f: (f.startswith(GENERATED), f)):
        w(row_text(f, per_file[f]))
    w("-" * len(head))
    w(row_text("hand-written RTL (rtl/ less generated)", hand))
    w(row_text("generated register block", gen))
    w(row_text("all of rtl/", everything))
    w("")
    line_gaps = [p for p in gaps if p.kind == "line"]
    toggle_gaps = [p for p in gaps if p.kind == "toggle"]
    w(f"uncovered line points: {hand[1] - hand[0]} hand-written ({hand[2]} explained), "
      f"{gen[1] - gen[0]} generated ({gen[2]} explained); unexplained: {len(line_gaps)}")
    w(f"uncovered toggle points: {hand[4] - hand[3]} hand-written ({hand[5]} explained), "
      f"{gen[4] - gen[3]} generated ({gen[5]} explained); unexplained: {len(toggle_gaps)}")
    unused = [x for x in waivers if not x.used]
    for x in unused:
        w(f"unused explanation ({args.waivers}:{x.lineno}): {x.kind} | {x.where} | {x.what}")
    if line_gaps:
        w("")
        w("gaps: uncovered line points no explanation names (file:line: kind: source):")
        for p in sorted(line_gaps, key=lambda p: (p.file, p.line, p.col)):
            w(f"  {p.file}:{p.line}: {p.what}: {src.line(p.file, p.line).strip()[:90]}")
    w("")
    w(f"toggle per instance ({len(instances)} instances; the merged figure above counts a bit "
      "as toggled when it toggled in any instance):")
    ihead = f"  {'instance':70} {'module':22} {'toggle points':>15} {'':>7}"
    w(ihead)
    for h in sorted(instances):
        module, ihit, itotal, _ = instances[h]
        w(f"  {h:70} {module:22} {f'{ihit}/{itotal}':>15} {fmt_pct(ihit, itotal)}")
    ihit = sum(v[1] for v in instances.values())
    itotal = sum(v[2] for v in instances.values())
    w(f"  {'all instances (each bit of each instance one point)':93} {f'{ihit}/{itotal}':>15} "
      f"{fmt_pct(ihit, itotal)}")
    w("")
    line_pct, toggle_pct = pct(hand[0], hand[1]), pct(hand[3], hand[4])
    ok_line = line_pct >= args.line_target
    ok_toggle = toggle_pct >= args.toggle_target
    w(f"targets: line >= {args.line_target:g} % ({'met' if ok_line else 'NOT met'}), "
      f"toggle >= {args.toggle_target:g} % ({'met' if ok_toggle else 'NOT met'})")
    prefix = f"{args.label} " if args.label else ""
    w(f"{prefix}line coverage: {line_pct:.2f}%")
    w(f"{prefix}toggle coverage: {toggle_pct:.2f}%")
    text = "\n".join(out) + "\n"
    with open(os.path.join(args.out, "summary.txt"), "w", encoding="utf-8") as f:
        f.write(text)

    with open(os.path.join(args.out, "gaps.txt"), "w", encoding="utf-8") as f:
        f.write("Uncovered points no explanation names.\n\nline points (file:line: kind: source)\n")
        for p in sorted(line_gaps, key=lambda p: (p.file, p.line, p.col)):
            f.write(f"{p.file}:{p.line}: {p.what}: {src.line(p.file, p.line).strip()}\n")
        f.write("\ntoggle points (module signal[bits] (points) declared at)\n")
        for module, sig, n, at in group_toggles(toggle_gaps):
            f.write(f"{module:20} {sig:50} ({n}) {at}\n")

    with open(os.path.join(args.out, "explained.txt"), "w", encoding="utf-8") as f:
        f.write("Uncovered points an explanation names, with its reason.\n\n")
        by_waiver = defaultdict(list)
        for p, x in explained:
            by_waiver[x.lineno].append(p)
        for x in waivers:
            ps = by_waiver.get(x.lineno, [])
            f.write(f"{args.waivers}:{x.lineno}: {x.kind} | {x.where} | {x.what}: {len(ps)} points\n")
            f.write(f"  reason: {x.reason}\n")
            if x.kind == "line":
                for p in sorted(ps, key=lambda p: (p.line, p.col)):
                    f.write(f"  {p.file}:{p.line}: {p.what}: {src.line(p.file, p.line).strip()}\n")
            else:
                for module, sig, n, at in group_toggles(ps):
                    f.write(f"  {sig} ({n})\n")

    sys.stdout.write(text)
    if line_gaps:
        print(f"coverage: {len(line_gaps)} uncovered line points are gaps, not explained "
              f"(listed above and in {os.path.join(args.out, 'gaps.txt')})", file=sys.stderr)
    if args.check and (not ok_line or not ok_toggle):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
