#!/usr/bin/env python3
"""Logic depth and resources of a Yosys netlist mapped to Xilinx UltraScale (docs/fpga.md).

Reads what scripts/fpga leaves in build/fpga/TOP/ (net.json from `write_json` after
`synth_xilinx -family xcu`, memories.rtlil, yosys.log, time.txt), prints one table line per
block and writes a JSON report. Exits 1 when a block is deeper than the level limit or holds
a memory above 4 kbit that is neither block RAM nor an allowed LUTRAM (--report-only: 0).

The count: a path runs from a start point (a flip-flop, block RAM, DSP or SRL output, the
stored bits of a LUTRAM, a top input port) to an end point (any input of those cells, a top
output port). Along it each LUT (and INV, a LUT1) counts 1, each MUXF7/8/9 0.5, each CARRY8
(or CARRY4) cell 0.25. A LUTRAM's or SRL's read is asynchronous: from its read address to its
data output it counts 1, like the LUT it is. The depth of a block is its longest path.
"""
import argparse
import json
import os
import re
import sys

LEVEL_LIMIT = 5.0
MEMORY_LIMIT_BITS = 4096

# Delay model for the Fmax estimate (docs/fpga.md states where the figures come from): a
# clock costs the fixed part (clock-to-out, setup, skew) plus one LUT-and-route per level.
FIXED_NS = 0.5
LEVEL_NS = (0.45, 0.6)  # fast and slow end of one level, net included, UltraScale -2

LUT_TYPES = {"LUT1", "LUT2", "LUT3", "LUT4", "LUT5", "LUT6", "LUT6_2", "INV"}
MUXF_TYPES = {"MUXF7", "MUXF8", "MUXF9"}
# Yosys 0.23 maps some carry chains for xcu to CARRY4 (4 bits) rather than CARRY8 (8 bits);
# a CARRY4 counts half a CARRY8, so a chain costs 0.25 per 8 bits either way.
CARRY_WEIGHT = {"CARRY8": 0.25, "CARRY4": 0.125}
CONST_TYPES = {"VCC", "GND"}
# LUTs each distributed-RAM primitive occupies.
LUTRAM_LUTS = {
    "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4, "RAM512X1S": 8,
    "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4, "RAM256X1D": 8,
    "RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8,
    "RAM32X16DR8": 8, "RAM64X8SW": 8,
}
SRL_TYPES = {"SRL16E", "SRLC16E", "SRLC32E"}


def cell_kind(ctype):
    """What a cell is to the level count: (kind, weight)."""
    if ctype in LUT_TYPES:
        return "comb", 1.0
    if ctype in MUXF_TYPES:
        return "comb", 0.5
    if ctype in CARRY_WEIGHT:
        return "carry", CARRY_WEIGHT[ctype]
    if ctype in CONST_TYPES:
        return "const", 0.0
    if ctype in LUTRAM_LUTS or ctype in SRL_TYPES:
        return "asyncread", 1.0
    if ctype.startswith(("FD", "LD")) or ctype.startswith(("RAMB", "FIFO18", "FIFO36", "URAM")):
        return "seq", 0.0
    if ctype.startswith("DSP48"):
        return "seq", 0.0
    return None, 0.0


def async_read_inputs(out_port, inputs):
    """The input ports a LUTRAM/SRL output reads through (its read address), others none."""
    if out_port.startswith("DO"):  # RAM32M/RAM64M/RAM64M8: DOx reads at ADDRx
        return [p for p in inputs if p == "ADDR" + out_port[2:]]
    if out_port in ("SPO", "O", "Q"):  # single-port read, SRL tap
        return [p for p in inputs if re.fullmatch(r"A\d*", p)]
    if out_port == "DPO":
        return [p for p in inputs if re.fullmatch(r"DPRA\d*", p)]
    return []  # Q15/Q31 of an SRL: the last stage, a register


class Netlist:
    """The bit-level graph of one flattened module."""

    def __init__(self, data, top=None):
        mods = data["modules"]
        if top is None:
            tops = [n for n, m in mods.items()
                    if int(str(m.get("attributes", {}).get("top", "0")), 2) == 1]
            if len(tops) != 1:
                tops = [n for n, m in mods.items()
                        if not m.get("attributes", {}).get("blackbox")]
            if len(tops) != 1:
                raise ValueError("cannot tell the top module among %s" % sorted(mods))
            top = tops[0]
        self.top = top
        mod = mods[top]
        self.ports = mod.get("ports", {})
        self.cells = mod.get("cells", {})
        self.names = self._bit_names(mod.get("netnames", {}))
        self.netnames = mod.get("netnames", {})

    @staticmethod
    def _bit_names(netnames):
        best = {}
        for name, n in netnames.items():
            bits = n["bits"]
            width = len(bits)
            offset = n.get("offset", 0)
            upto = n.get("upto", 0)
            score = (n.get("hide_name", 0), "$" in name, len(name))
            for i, b in enumerate(bits):
                if isinstance(b, str):
                    continue
                if width == 1:
                    label = name
                else:
                    label = "%s[%d]" % (name, offset + (width - 1 - i if upto else i))
                if b not in best or score < best[b][0]:
                    best[b] = (score, label)
        return {b: label for b, (_, label) in best.items()}

    def name(self, bit):
        return self.names.get(bit, "<net %s>" % bit)


def _port_bits(cell):
    """(inputs, outputs): dicts port -> list of bits, by the cell's port directions."""
    dirs = cell.get("port_directions", {})
    ins, outs = {}, {}
    for port, bits in cell.get("connections", {}).items():
        d = dirs.get(port)
        if d == "output":
            outs[port] = bits
        elif d == "input":
            ins[port] = bits
        elif d == "inout":
            ins[port] = bits
            outs[port] = bits
        else:
            raise ValueError("cell of type %s: no direction for port %s" % (cell["type"], port))
    return ins, outs


def _flop_label(net, cell, fallback):
    """A register named by its output net; where only a name the mapper made is left, by
    the signal that name still carries, or else by the flop's source line."""
    q = cell["connections"].get("Q", [None])[0]
    if q is None or isinstance(q, str):
        return fallback
    name = net.name(q)
    if "$" not in name:
        return name
    m = re.search(r"\$lut\\([^$]+?)(\.[A-Z]\[\d+\])?$", name)
    if m:
        return "register of %s" % m.group(1)
    src = [s for s in str(cell.get("attributes", {}).get("src", "")).split("|")
           if s and not s.startswith("/")]
    if src:
        # Yosys lists the instance lines and the flop's own line, in no order to rely on.
        return "register at %s" % ", ".join(
            re.sub(r"\.\d+-\d+\.\d+$", "", os.path.basename(x)) for x in src)
    return name


def _clean(name):
    return name[1:] if name.startswith("\\") else name


def analyse_levels(net, worst=10):
    """Longest paths. Returns (depth, paths): paths are the worst per end signal."""
    driver = {}  # bit -> (cell name, weight, [input bits])
    starts = {}  # bit -> what starts there
    start_flop = {}  # bit -> the flip-flop whose output it is
    ends = []  # (bit, end label)
    unknown = set()
    for pname, p in net.ports.items():
        for i, b in enumerate(p["bits"]):
            if isinstance(b, str):
                continue
            label = pname if len(p["bits"]) == 1 else "%s[%d]" % (pname, i)
            if p["direction"] in ("input", "inout"):
                starts[b] = "port"
            if p["direction"] in ("output", "inout"):
                ends.append((b, label))
    for cname, cell in net.cells.items():
        ctype = cell["type"]
        kind, weight = cell_kind(ctype)
        if kind is None:
            unknown.add(ctype)
            continue
        ins, outs = _port_bits(cell)
        if kind == "const":
            for bits in outs.values():
                for b in bits:
                    if not isinstance(b, str):
                        starts[b] = ctype
            continue
        if kind in ("seq", "asyncread"):
            # Every input is captured at the clock edge (data, address, enables).
            label = _clean(cname)
            for port, bits in ins.items():
                for b in bits:
                    if isinstance(b, str):
                        continue
                    if kind == "seq" and ctype.startswith("FD"):
                        # A register is named by its output; a path into its clock enable
                        # or reset says so.
                        reg = _flop_label(net, cell, label)
                        ends.append((b, reg if port == "D" else "%s (%s)" % (reg, port)))
                    else:
                        ends.append((b, "%s/%s" % (label, port)))
            for port, bits in outs.items():
                deps = [] if kind == "seq" else [
                    b for p in async_read_inputs(port, list(ins)) for b in ins[p]]
                for b in bits:
                    if isinstance(b, str):
                        continue
                    if kind == "seq" or not deps:  # Q31 of an SRL: a register
                        starts[b] = ctype
                        if ctype.startswith("FD"):
                            start_flop[b] = cell
                    else:
                        driver[b] = (cname, weight, [d for d in deps if not isinstance(d, str)])
            continue
        flat_in = [b for bits in ins.values() for b in bits if not isinstance(b, str)]
        for port, bits in outs.items():
            for i, b in enumerate(bits):
                if isinstance(b, str):
                    continue
                if kind == "carry":
                    # Bit i of O/CO depends on the carry in and on DI/S bits 0..i only.
                    deps = [x for p, pb in ins.items() for j, x in enumerate(pb)
                            if (len(pb) == 1 or j <= i) and not isinstance(x, str)]
                else:
                    deps = flat_in
                driver[b] = (cname, weight, deps)
    if unknown:
        raise ValueError("cell types the level count does not know: %s" % ", ".join(sorted(unknown)))

    arrival = {}
    pred = {}
    state = {}  # bit -> 1 on the stack, 2 done
    for root in list(driver):
        if root in arrival:
            continue
        stack = [root]
        while stack:
            b = stack[-1]
            if b in arrival:
                stack.pop()
                continue
            drv = driver.get(b)
            if drv is None:  # a start point, or undriven
                arrival[b] = 0.0
                stack.pop()
                continue
            if state.get(b) != 1:
                state[b] = 1
                pending = [d for d in drv[2] if d not in arrival]
                for d in pending:
                    if state.get(d) == 1:
                        raise ValueError("combinational loop through %s" % net.name(d))
                stack.extend(pending)
                continue
            best, arg = 0.0, None
            for d in drv[2]:
                if arrival[d] > best or arg is None:
                    best, arg = arrival[d], d
            arrival[b] = drv[1] + best
            if arg is not None:
                pred[b] = arg
            state[b] = 2
            stack.pop()

    def path_of(bit):
        cells = []
        b = bit
        while b in driver:
            cname, _, _ = driver[b]
            cells.append({"cell": net.cells[cname]["type"], "net": net.name(b)})
            if b not in pred:
                break
            b = pred[b]
        start = b if b not in driver else None
        cells.reverse()
        return start, cells

    scored = sorted(((arrival.get(b, 0.0), label, b) for b, label in ends),
                    key=lambda t: (-t[0], t[1]))
    depth = scored[0][0] if scored else 0.0
    paths, seen = [], set()
    for lv, label, b in scored:
        if len(paths) >= worst:
            break
        # One line per signal: the bits of a bus and the slices of one memory are one.
        base = re.sub(r"(\.\d+)+(/\w+)$", r"\2", re.sub(r"\[\d+\]( \(\w+\))?$", r"\1", label))
        if base in seen:
            continue
        seen.add(base)
        start, cells = path_of(b)
        start_label = net.name(start) if start is not None else "<loop>"
        if start in start_flop:
            start_label = _flop_label(net, start_flop[start], start_label)
        if start is not None and starts.get(start) == "port":
            start_label = _port_label(net, start) or start_label
        paths.append({"levels": lv, "start": start_label, "end": label, "through": cells})
    return depth, paths


def _port_label(net, bit):
    for pname, p in net.ports.items():
        if bit in p["bits"]:
            i = p["bits"].index(bit)
            return pname if len(p["bits"]) == 1 else "%s[%d]" % (pname, i)
    return None


def resources(net):
    counts = {}
    for cell in net.cells.values():
        counts[cell["type"]] = counts.get(cell["type"], 0) + 1
    get = counts.get
    return {
        "lut": sum(get(t, 0) for t in LUT_TYPES),
        "ff": sum(n for t, n in counts.items() if t.startswith("FD")),
        "carry8": get("CARRY8", 0),
        "carry4": get("CARRY4", 0),
        "muxf7": get("MUXF7", 0),
        "muxf8": get("MUXF8", 0),
        "ramb36": get("RAMB36E2", 0),
        "ramb18": get("RAMB18E2", 0),
        "dsp48e2": get("DSP48E2", 0),
        "lutram": sum(LUTRAM_LUTS[t] * n for t, n in counts.items() if t in LUTRAM_LUTS),
        "srl": sum(n for t, n in counts.items() if t in SRL_TYPES),
        "latch": sum(n for t, n in counts.items() if t.startswith("LD")),
        "cells": dict(sorted(counts.items())),
    }


def fmax_mhz(levels):
    """Estimated Fmax at the slow and the fast end of the per-level delay."""
    return {"slow": round(1000.0 / (FIXED_NS + levels * LEVEL_NS[1]), 1),
            "fast": round(1000.0 / (FIXED_NS + levels * LEVEL_NS[0]), 1)}


# ---- memories --------------------------------------------------------------------------

def parse_memories(rtlil_text):
    """The $mem_v2 cells `dump` listed before memory mapping."""
    mems, cur, src = [], None, None
    for line in rtlil_text.splitlines():
        s = line.strip()
        m = re.match(r'attribute \\src "(.*)"$', s)
        if m:
            src = m.group(1)
            continue
        m = re.match(r"cell \$mem_v2 (\S+)$", s)
        if m:
            cur = {"cell": m.group(1), "src": src or "", "memid": None, "size": 0, "width": 0}
            mems.append(cur)
            src = None
            continue
        if cur is not None:
            m = re.match(r"parameter \\(MEMID|SIZE|WIDTH|RD_PORTS|WR_PORTS) (.*)$", s)
            if m:
                key, val = m.group(1).lower(), m.group(2)
                if key == "memid":
                    cur["memid"] = json.loads(val)
                else:
                    cur[key] = int(val)
            elif s == "end":
                cur = None
        if not s.startswith("attribute"):
            src = None if cur is None else src
    for mem in mems:
        mem["bits"] = mem["size"] * mem["width"]
        mem["name"] = memory_name(mem["memid"] or mem["cell"])
        mem["source"] = _src_file(mem["src"])
    return mems


def _src_file(src):
    """The file that declares a memory: after flattening, src is 'instance|...|declaration'."""
    return re.sub(r":[\d.\-]+$", "", src.split("|")[-1])


def memory_name(memid):
    """A memory's hierarchical name as the RTL spells it: '$flatten\\u_rx.\\u_ram.mem_q' ->
    'u_rx.u_ram.mem_q'."""
    return re.sub(r"^\$flatten", "", memid).replace("\\", "")


def allowed_reason(name, allowed):
    """The reason an allow-list entry gives for this memory: an entry names the memory by its
    hierarchical name, or by its last components (u_res_fifo.mem_q matches
    u_rx.u_res_fifo.mem_q in the engine and u_res_fifo.mem_q in esp_rx)."""
    for entry, reason in allowed.items():
        if name == entry or name.endswith("." + entry):
            return entry, reason
    return None, None


def parse_mappings(log_text, top):
    """memory name -> the library cell memory_libmap chose, from the Yosys log."""
    out = {}
    for m in re.finditer(r"^mapping memory (\S+) via (\S+)", log_text, re.M):
        name = m.group(1)
        if name.startswith(top + "."):
            name = name[len(top) + 1:]
        out[memory_name(name)] = m.group(2)
    return out


def register_arrays(log_text, net):
    """Arrays the front end turned into registers (not memories): name -> (bits, source)."""
    found = {}
    for m in re.finditer(r"Replacing memory \\?(\S+) with list of registers\. See (\S+)",
                         log_text):
        local, where = m.group(1), m.group(2)
        pat = re.compile(r"(?:^|.*\.)%s\[\d+\]$" % re.escape(local))
        groups = {}
        for nn, n in net.netnames.items():
            if pat.match(nn):
                prefix = nn[:nn.rfind("[")]
                groups[prefix] = groups.get(prefix, 0) + len(n["bits"])
        for prefix, bits in groups.items():
            found[prefix] = (bits, where)
    return found


def read_allow_list(path):
    allowed = {}
    if not path or not os.path.exists(path):
        return allowed
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
            if not line:
                continue
            parts = line.split(None, 1)
            if len(parts) < 2 or not parts[1].strip():
                raise ValueError("%s:%d: an allowed LUTRAM needs its reason: %s" % (path, n, line))
            allowed[parts[0]] = parts[1].strip()
    return allowed


def check_memories(mems, mappings, arrays, allowed, limit=MEMORY_LIMIT_BITS):
    """Each memory's home; a problem for each above the limit outside block RAM."""
    report, problems = [], []
    for mem in mems:
        via = mappings.get(mem["name"], "")
        if "BLOCKRAM" in via or "URAM" in via or "HUGERAM" in via:
            home = "block RAM"
        elif "LUTRAM" in via:
            home = "LUTRAM"
        elif mem.get("wr_ports", 1) == 0:
            home = "LUTs (ROM)"
        else:
            home = "flip-flops"
        entry = {"memory": mem["name"], "source": mem["source"], "depth": mem["size"],
                 "width": mem["width"], "bits": mem["bits"], "home": home}
        if mem["bits"] > limit and home != "block RAM":
            key, reason = allowed_reason(mem["name"], allowed)
            if home == "LUTRAM" and reason:
                entry["allowed"] = reason
                entry["allow_entry"] = key
            else:
                problems.append("memory %s (%s, %d x %d = %d bits) is in %s, not block RAM%s"
                                % (mem["name"], mem["source"], mem["size"], mem["width"],
                                   mem["bits"], home, "" if home != "LUTRAM" else
                                   " (not in the LUTRAM allow list)"))
        report.append(entry)
    for name, (bits, where) in sorted(arrays.items()):
        entry = {"memory": name, "source": where, "bits": bits, "home": "flip-flops (array)"}
        if bits > limit:
            problems.append("array %s (%s, %d bits) became flip-flops, not block RAM"
                            % (name, where, bits))
        report.append(entry)
    return report, problems


# ---- one block, many blocks ------------------------------------------------------------

def analyse_block(directory, allowed, top=None):
    top = top or os.path.basename(os.path.normpath(directory))
    with open(os.path.join(directory, "net.json")) as f:
        net = Netlist(json.load(f), top)
    depth, paths = analyse_levels(net)
    res = resources(net)
    log_text = ""
    log_path = os.path.join(directory, "yosys.log")
    if os.path.exists(log_path):
        with open(log_path, errors="replace") as f:
            log_text = f.read()
    mems = []
    mem_path = os.path.join(directory, "memories.rtlil")
    if os.path.exists(mem_path):
        with open(mem_path, errors="replace") as f:
            mems = parse_memories(f.read())
    memories, problems = check_memories(mems, parse_mappings(log_text, top),
                                        register_arrays(log_text, net), allowed)
    out = {"top": top, **{k: v for k, v in res.items() if k != "cells"},
           "lut_levels": depth, "fmax_mhz": fmax_mhz(depth), "worst_paths": paths,
           "memories": memories, "cells": res["cells"]}
    m = re.search(r"Yosys (\d+\.\d+\S*)", log_text)
    if m:
        out["yosys"] = m.group(1)
    # ABC's own figure for its mapping (its delay units: the LUT library's, 300 a wire): the
    # largest over its runs (one per module mapped apart, FPGA_KEEP), and the LUT library it
    # was given (none: synth_xilinx's, Yosys's xc7 pin delays).
    dels = re.findall(r"ABC: A:\s+Del =\s*(\d+(?:\.\d+)?)", log_text)
    if dels:
        out["abc_delay"] = max(float(d) for d in dels)
    fpath = os.path.join(directory, "flow.ys")
    if os.path.exists(fpath):
        with open(fpath) as f:
            m = re.search(r"^abc9 .*-lut (\S+)", f.read(), re.M)
        out["abc9_lut_library"] = m.group(1) if m else None
    tpath = os.path.join(directory, "time.txt")
    if os.path.exists(tpath):
        with open(tpath) as f:
            t = re.search(r"([\d.]+) s, (\d+) kB", f.read())
        if t:
            out["synth_seconds"] = round(float(t.group(1)))
            out["synth_peak_mb"] = round(int(t.group(2)) / 1024)
    if depth > LEVEL_LIMIT:
        problems.insert(0, "%.2f levels, above %.1f: %s -> %s"
                        % (depth, LEVEL_LIMIT, paths[0]["start"], paths[0]["end"]))
    if res["latch"]:
        problems.append("%d latches" % res["latch"])
    out["problems"] = problems
    return out


COLUMNS = [("block", "top", 12), ("LUT", "lut", 7), ("FF", "ff", 7), ("CARRY8", "carry8", 6),
           ("CARRY4", "carry4", 6),
           ("MUXF7", "muxf7", 6), ("MUXF8", "muxf8", 6), ("RAMB36", "ramb36", 6),
           ("RAMB18", "ramb18", 6), ("DSP", "dsp48e2", 4), ("LUTRAM", "lutram", 7),
           ("SRL", "srl", 5), ("levels", "lut_levels", 6)]


def table(blocks):
    def cell(value, width):
        if isinstance(value, str):
            return value.ljust(width)
        return ("%.2f" % value if isinstance(value, float) else str(value)).rjust(width)
    lines = [" ".join(h.ljust(w) if k == "top" else h.rjust(w) for h, k, w in COLUMNS)
             + "  worst path"]
    for b in blocks:
        row = " ".join(cell(b[k], w) for _, k, w in COLUMNS)
        if b["worst_paths"]:
            row += "  %s -> %s" % (b["worst_paths"][0]["start"], b["worst_paths"][0]["end"])
        lines.append(row)
    return "\n".join(lines)


def markdown(blocks):
    """The table as docs/fpga.md shows it."""
    head = ["block", "LUT", "FF", "CARRY8", "CARRY4", "MUXF7", "MUXF8", "RAMB36", "RAMB18", "DSP48E2",
            "LUTRAM", "SRL", "lut_levels", "Fmax (MHz)", "worst path", "synthesis"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for b in blocks:
        wp = b["worst_paths"][0] if b["worst_paths"] else {"start": "", "end": ""}
        synth = ("%d min, %.1f GB" % (round(b["synth_seconds"] / 60), b["synth_peak_mb"] / 1024)
                 if "synth_seconds" in b else "")
        cells = [b["top"]] + ["{:,}".format(b[k]) for _, k, _ in COLUMNS[1:-1]]
        cells += ["%.2f" % b["lut_levels"],
                  "%.0f-%.0f" % (b["fmax_mhz"]["slow"], b["fmax_mhz"]["fast"]),
                  "`%s` -> `%s`" % (wp["start"], wp["end"]), synth]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="+", help="build/fpga/TOP directories")
    ap.add_argument("--json", help="write the report here")
    ap.add_argument("--allow", help="LUTRAM allow list (MEMORY reason, one a line)")
    ap.add_argument("--report-only", action="store_true", help="exit 0 over the limits")
    ap.add_argument("--paths", action="store_true", help="print the cells of the worst paths")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    args = ap.parse_args(argv)

    allowed = read_allow_list(args.allow)
    blocks = [analyse_block(d, allowed) for d in args.dirs]
    print(table(blocks))
    for b in blocks:
        print("%s: Fmax about %.0f-%.0f MHz; worst paths:" % (b["top"], b["fmax_mhz"]["slow"],
                                                              b["fmax_mhz"]["fast"]))
        for p in b["worst_paths"]:
            print("  %6.2f  %s -> %s" % (p["levels"], p["start"], p["end"]))
            if args.paths:
                for c in p["through"]:
                    print("            %-7s %s" % (c["cell"], c["net"]))
    if args.markdown:
        print(markdown(blocks))
    used = {m["allow_entry"] for b in blocks for m in b["memories"] if "allowed" in m}
    for key in sorted(set(allowed) - used):
        print("fpga: note: allowed LUTRAM %s is not a LUTRAM above %d bits in these blocks"
              % (key, MEMORY_LIMIT_BITS))
    failed = [(b["top"], p) for b in blocks for p in b["problems"]]
    report = {
        "flow": "yosys synth_xilinx -family xcu -flatten -abc9 -noiopad -noclkbuf",
        "count": {"LUT": 1.0, "MUXF7/8/9": 0.5, "CARRY8": 0.25, "CARRY4": 0.125,
                  "LUTRAM/SRL async read": 1.0},
        "limits": {"lut_levels": LEVEL_LIMIT, "memory_bits_outside_block_ram": MEMORY_LIMIT_BITS},
        "delay_model_ns": {"fixed": FIXED_NS, "per_level": list(LEVEL_NS)},
        "blocks": {b["top"]: b for b in blocks},
        "pass": not failed,
    }
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")
    for top, p in failed:
        print("fpga: %s: %s" % (top, p), file=sys.stderr)
    if failed:
        print("fpga: %d problem(s)%s" % (len(failed),
              " (report only)" if args.report_only else ""), file=sys.stderr)
        return 0 if args.report_only else 1
    print("fpga: every block within %.1f levels, memories above %d bits in block RAM"
          % (LEVEL_LIMIT, MEMORY_LIMIT_BITS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
