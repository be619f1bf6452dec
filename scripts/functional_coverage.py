#!/usr/bin/env python3
"""Functional coverage of the datapath from the files the tests wrote (make coverage).

Each test that records functional coverage (testbench/common/frame_coverage.h) writes a file
into $IPSEC_FCOV_DIR: the bin space (its dimensions) and a count per bin it hit. This script
merges them, takes out the bins that cannot happen (the exclusions file, each with its
reason), and writes into OUT:

  functional.txt  the figure, the holes, the exclusions with the bins each took out, the
                  counts of every bin

It prints, last, `functional coverage: X% (hit/total bins)` and lists the holes above it.
Exit status: 0; 1 with --check when a bin is a hole (not hit and not excluded), when an
excluded bin was hit (its reason is wrong) or when an exclusion names no bin; 2 on bad input.
"""

import argparse
import fnmatch
import glob
import itertools
import os
import sys
from collections import defaultdict

DIMENSIONS = ("direction", "fate", "size", "sa", "stall")


def load(folder):
    space, counts, files = None, defaultdict(int), 0
    for path in sorted(glob.glob(os.path.join(folder, "*.fcov"))):
        files += 1
        dims = {}
        with open(path, encoding="utf-8") as f:
            for n, raw in enumerate(f, 1):
                parts = raw.split()
                if not parts or parts[0].startswith("#"):
                    continue
                if parts[0] == "dimension":
                    dims[parts[1]] = tuple(parts[2:])
                elif parts[0] == "bin" and len(parts) == 2 + len(DIMENSIONS):
                    counts[tuple(parts[1:1 + len(DIMENSIONS)])] += int(parts[-1])
                else:
                    sys.exit(f"{path}:{n}: not a dimension or bin line")
        this = tuple(dims.get(d, ()) for d in DIMENSIONS)
        if not all(this):
            sys.exit(f"{path}: dimensions missing (want {', '.join(DIMENSIONS)})")
        if space is not None and this != space:
            sys.exit(f"{path}: a bin space unlike that of the other files")
        space = this
    return space, counts, files


class Exclusion:
    def __init__(self, lineno, patterns, reason):
        self.lineno, self.patterns, self.reason = lineno, patterns, reason
        self.bins = []

    def matches(self, b):
        for pattern, value in zip(self.patterns, b):
            negate = pattern.startswith("!")
            hit = fnmatch.fnmatchcase(value, pattern[1:] if negate else pattern)
            if hit == negate:
                return False
        return True

    def text(self):
        return " ".join(self.patterns)


def load_exclusions(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            s = raw.strip()
            if not s or s.startswith("#"):
                continue
            pats, sep, reason = s.partition("|")
            pats = pats.split()
            if not sep or len(pats) != len(DIMENSIONS) or not reason.strip():
                sys.exit(f"{path}:{n}: want '{' '.join(DIMENSIONS)} | reason'")
            out.append(Exclusion(n, pats, reason.strip()))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", help="the files the tests wrote ($IPSEC_FCOV_DIR)")
    ap.add_argument("--exclusions", default="testbench/coverage/functional_exclusions.txt")
    ap.add_argument("--out", help="report folder (functional.txt)")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 on a hole, a hit excluded bin or an unused exclusion")
    args = ap.parse_args()

    space, counts, files = load(args.folder)
    if space is None:
        print(f"functional coverage: no file in {args.folder}", file=sys.stderr)
        return 2
    exclusions = load_exclusions(args.exclusions)
    for b in counts:
        for d, value in zip(DIMENSIONS, b):
            if value not in space[DIMENSIONS.index(d)]:
                sys.exit(f"functional coverage: bin {' '.join(b)}: '{value}' is no {d}")

    bins, excluded = [], {}
    for b in itertools.product(*space):
        x = next((x for x in exclusions if x.matches(b)), None)
        if x:
            x.bins.append(b)
            excluded[b] = x
        else:
            bins.append(b)
    hit = [b for b in bins if counts.get(b, 0) > 0]
    holes = [b for b in bins if counts.get(b, 0) == 0]
    wrong = [(b, excluded[b]) for b in counts if b in excluded]
    unused = [x for x in exclusions if not x.bins]
    frames = sum(counts.values())
    pct = 100.0 * len(hit) / len(bins) if bins else 100.0

    out = []
    w = out.append
    w("Functional coverage of the datapath (make coverage; docs/coverage.md)")
    w(f"bins: {' x '.join(f'{d} ({len(v)})' for d, v in zip(DIMENSIONS, space))} = "
      f"{len(bins) + len(excluded)}; {len(excluded)} excluded ({args.exclusions}), "
      f"{len(bins)} counted")
    w(f"{frames} frames sampled, from {files} files")
    w("")
    w("exclusions (bins each takes out; a bin goes to the first that names it):")
    for x in exclusions:
        w(f"  {args.exclusions}:{x.lineno}: {x.text()}: {len(x.bins)} bins")
        w(f"    {x.reason}")
    for x in unused:
        w(f"unused exclusion ({args.exclusions}:{x.lineno}): {x.text()}")
    for b, x in sorted(wrong):
        w(f"excluded bin hit {counts[b]} times: {' '.join(b)} "
          f"(excluded by {args.exclusions}:{x.lineno}: the reason is wrong)")
    w("")
    # Per dimension value: counted bins hit / counted bins.
    w("per dimension (bins hit / counted bins):")
    for i, d in enumerate(DIMENSIONS):
        cells = []
        for v in space[i]:
            mine = [b for b in bins if b[i] == v]
            if mine:
                cells.append(f"{v} {sum(1 for b in mine if counts.get(b, 0))}/{len(mine)}")
        w(f"  {d}: " + ", ".join(cells))
    w("")
    if holes:
        w(f"holes: {len(holes)} bins no frame hit (direction fate size sa stall):")
        for b in holes:
            w("  " + " ".join(b))
    else:
        w("holes: none")
    w(f"functional coverage: {pct:.2f}% ({len(hit)}/{len(bins)} bins)")
    text = "\n".join(out) + "\n"

    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "functional.txt"), "w", encoding="utf-8") as f:
            f.write(text)
            f.write("\ncounts of the counted bins (direction fate size sa stall: frames):\n")
            for b in bins:
                f.write(f"  {' '.join(b)}: {counts.get(b, 0)}\n")
    sys.stdout.write(text)
    if args.check and (holes or wrong or unused):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
