#!/usr/bin/env python3
"""The level count and the memory check of `make fpga` on hand-written netlists whose
answers are known (docs/fpga.md). Runs without Yosys: `make test` runs it."""
import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fpga_levels as fl  # noqa: E402

# Port directions of the library cells these netlists use, as write_json gives them.
PORTS = {
    "FDRE": ({"C": 1, "CE": 1, "R": 1, "D": 1}, {"Q": 1}),
    "LUT1": ({"I0": 1}, {"O": 1}),
    "LUT2": ({"I0": 1, "I1": 1}, {"O": 1}),
    "LUT6": ({"I0": 1, "I1": 1, "I2": 1, "I3": 1, "I4": 1, "I5": 1}, {"O": 1}),
    "MUXF7": ({"I0": 1, "I1": 1, "S": 1}, {"O": 1}),
    "MUXF8": ({"I0": 1, "I1": 1, "S": 1}, {"O": 1}),
    "CARRY8": ({"CI": 1, "CI_TOP": 1, "DI": 8, "S": 8}, {"O": 8, "CO": 8}),
    "CARRY4": ({"CI": 1, "CYINIT": 1, "DI": 4, "S": 4}, {"O": 4, "CO": 4}),
    "RAMB36E2": ({"CLKARDCLK": 1, "ADDRARDADDR": 2, "DINADIN": 2}, {"DOUTADOUT": 2}),
    "RAM64M8": ({"WCLK": 1, "WE": 1, "ADDRA": 2, "ADDRH": 2, "DIA": 1, "DIH": 1},
                {"DOA": 1, "DOH": 1}),
    "SRLC32E": ({"CLK": 1, "CE": 1, "D": 1, "A": 5}, {"Q": 1, "Q31": 1}),
    "GND": ({}, {"G": 1}),
    "DSP_UNKNOWN": ({"A": 1}, {"P": 1}),
}


class Builder:
    """A flat module: nets are numbered bits, cells connect them by port."""

    def __init__(self):
        self.next_bit = 2
        self.cells, self.ports, self.netnames = {}, {}, {}

    def net(self, name=None, width=1):
        bits = list(range(self.next_bit, self.next_bit + width))
        self.next_bit += width
        if name:
            self.netnames[name] = {"hide_name": 0, "bits": bits}
        return bits if width > 1 else bits[0]

    def port(self, name, direction, width=1):
        bits = self.net(name, width)
        self.ports[name] = {"direction": direction,
                            "bits": bits if isinstance(bits, list) else [bits]}
        return bits

    def cell(self, ctype, name=None, **conn):
        ins, outs = PORTS[ctype]
        dirs = {p: "input" for p in ins}
        dirs.update({p: "output" for p in outs})
        connections = {}
        for p, width in {**ins, **outs}.items():
            v = conn.get(p)
            if v is None:
                v = self.net(None, width) if p in outs else ["0"] * width
            connections[p] = v if isinstance(v, list) else [v]
        name = name or "$cell%d" % len(self.cells)
        self.cells[name] = {"type": ctype, "port_directions": dirs, "connections": connections}
        return {p: (b if len(b) > 1 else b[0]) for p, b in connections.items()}

    def ff(self, q_name, d):
        q = self.net(q_name)
        self.cell("FDRE", "reg_" + q_name, D=d, Q=q, C=self.clk, CE="1", R="0")
        return q

    def lut(self, *inputs, ctype="LUT2", out=None):
        pins = {"I%d" % i: b for i, b in enumerate(inputs)}
        return self.cell(ctype, O=out if out is not None else self.net(), **pins)["O"]

    def netlist(self):
        return fl.Netlist({"modules": {"top": {
            "attributes": {"top": "00000000000000000000000000000001"},
            "ports": self.ports, "cells": self.cells, "netnames": self.netnames}}})


def new():
    b = Builder()
    b.clk = b.port("clk", "input")
    return b


class LevelCount(unittest.TestCase):
    def test_lut_lut_muxf7_carry8_between_registers(self):
        b = new()
        a = b.ff("a_q", b.port("din", "input"))
        x = b.lut(a, a)
        y = b.lut(x, a)
        m = b.cell("MUXF7", I0=y, I1=x, S=a, O=b.net("sel"))["O"]
        c = b.cell("CARRY8", CI=m, S=[a] * 8, DI=["0"] * 8, O=b.net("sum", 8))
        b.ff("z_q", c["O"][7])
        depth, paths = fl.analyse_levels(b.netlist())
        self.assertEqual(depth, 2.75)  # LUT 1 + LUT 1 + MUXF7 0.5 + CARRY8 0.25
        self.assertEqual(paths[0]["start"], "a_q")
        self.assertEqual(paths[0]["end"], "z_q")
        self.assertEqual([c["cell"] for c in paths[0]["through"]],
                         ["LUT2", "LUT2", "MUXF7", "CARRY8"])

    def test_registers_with_mapper_made_names(self):
        # After abc9 a flop's output may keep only a name the mapper made: the signal it
        # still carries names it, or else the flop's source lines.
        b = new()
        a = b.ff("$techmap7$abc$3$lut\\ctr_q[2].A[1]", b.port("din", "input"))
        q = b.ff("$techmap9$abc$3$lut$aiger3$41.A[0]", b.lut(a, a))
        b.cells["reg_$techmap9$abc$3$lut$aiger3$41.A[0]"]["attributes"] = {
            "src": "rtl/x/top.sv:10.3-12.4|rtl/x/sub.sv:5.1-6.2|/usr/share/yosys/ff_map.v:31.4-31.9"}
        b.ff("out_q", b.lut(q, q))
        _, paths = fl.analyse_levels(b.netlist())
        ends = {p["end"]: p["start"] for p in paths}
        self.assertEqual(ends["register at top.sv:10, sub.sv:5"], "register of ctr_q[2]")
        self.assertEqual(ends["out_q"], "register at top.sv:10, sub.sv:5")

    def test_carry_chain_counts_a_quarter_per_cell(self):
        b = new()
        a = b.ff("a_q", b.port("din", "input"))
        ci = a
        for _ in range(4):
            c = b.cell("CARRY8", CI=ci, S=[a] * 8)
            ci = c["CO"][7]
        b.ff("carry_q", ci)
        self.assertEqual(fl.analyse_levels(b.netlist())[0], 1.0)

    def test_carry4_counts_half_a_carry8(self):
        b = new()
        a = b.ff("a_q", b.port("din", "input"))
        ci = a
        for _ in range(4):
            ci = b.cell("CARRY4", CI=ci, S=[a] * 4)["CO"][3]
        b.ff("carry_q", ci)
        self.assertEqual(fl.analyse_levels(b.netlist())[0], 0.5)

    def test_carry8_low_bits_do_not_see_high_inputs(self):
        b = new()
        a = b.ff("a_q", b.port("din", "input"))
        deep = b.lut(b.lut(b.lut(a, a), a), a)  # 3 levels into S[7] only
        c = b.cell("CARRY8", S=[a] * 7 + [deep])
        b.ff("low_q", c["O"][0])
        b.ff("high_q", c["O"][7])
        _, paths = fl.analyse_levels(b.netlist())
        by_end = {p["end"]: p["levels"] for p in paths}
        self.assertEqual(by_end["low_q"], 0.25)
        self.assertEqual(by_end["high_q"], 3.25)

    def test_port_to_port_path(self):
        b = new()
        i = b.port("in_a", "input")
        o = b.port("out_y", "output")
        b.lut(b.lut(i, i), i, out=o)
        depth, paths = fl.analyse_levels(b.netlist())
        self.assertEqual(depth, 2.0)
        self.assertEqual((paths[0]["start"], paths[0]["end"]), ("in_a", "out_y"))

    def test_block_ram_ends_and_starts_paths(self):
        b = new()
        a = b.ff("a_q", b.port("din", "input"))
        addr = b.lut(a, a)
        ram = b.cell("RAMB36E2", "u_ram", ADDRARDADDR=[addr, a], DINADIN=[a, a],
                     DOUTADOUT=b.net("ram_dout", 2))
        x = b.lut(b.lut(b.lut(ram["DOUTADOUT"][0], a), a), a)
        b.ff("after_q", x)
        depth, paths = fl.analyse_levels(b.netlist())
        # 3 after the RAM, not 1 + 3 through it.
        self.assertEqual(depth, 3.0)
        self.assertEqual((paths[0]["start"], paths[0]["end"]), ("ram_dout[0]", "after_q"))
        self.assertIn("u_ram/ADDRARDADDR", {p["end"] for p in paths})

    def test_lutram_read_is_one_level_and_its_write_an_end(self):
        b = new()
        a = b.ff("a_q", b.port("din", "input"))
        addr = b.lut(a, a)
        ram = b.cell("RAM64M8", "u_lutram", ADDRA=[addr, a], ADDRH=[a, a], DIA=b.lut(a, a),
                     WE=a, DOA=b.net("rd"))
        b.ff("rd_q", b.lut(ram["DOA"], a))
        _, paths = fl.analyse_levels(b.netlist())
        by_end = {p["end"]: p["levels"] for p in paths}
        self.assertEqual(by_end["rd_q"], 3.0)  # LUT, async read, LUT
        self.assertEqual(by_end["u_lutram/DIA"], 1.0)

    def test_srl_tap_address_is_combinational(self):
        b = new()
        a = b.ff("a_q", b.port("din", "input"))
        srl = b.cell("SRLC32E", "u_srl", D=a, A=[b.lut(a, a)] * 5, Q=b.net("tap"),
                     Q31=b.net("last"))
        b.ff("tap_q", b.lut(srl["Q"], a))
        b.ff("last_q", b.lut(srl["Q31"], a))
        _, paths = fl.analyse_levels(b.netlist())
        by_end = {p["end"]: p["levels"] for p in paths}
        self.assertEqual(by_end["tap_q"], 3.0)
        self.assertEqual(by_end["last_q"], 1.0)

    def test_combinational_loop_is_an_error(self):
        b = new()
        x = b.net("x")
        y = b.lut(x, x)
        b.lut(y, y, out=x)
        b.ff("q", y)
        with self.assertRaisesRegex(ValueError, "combinational loop"):
            fl.analyse_levels(b.netlist())

    def test_unknown_cell_type_is_an_error(self):
        b = new()
        b.cell("DSP_UNKNOWN", A=b.port("din", "input"))
        with self.assertRaisesRegex(ValueError, "DSP_UNKNOWN"):
            fl.analyse_levels(b.netlist())

    def test_resources(self):
        b = new()
        a = b.ff("a_q", b.port("din", "input"))
        b.cell("RAM64M8", ADDRA=[a, a])
        b.cell("MUXF8", I0=b.lut(a, ctype="LUT1"), I1=a, S=a)
        r = fl.resources(b.netlist())
        self.assertEqual((r["ff"], r["lut"], r["lutram"], r["muxf8"]), (1, 1, 8, 1))


MEMORIES = """
  attribute \\src "rtl/x/top.sv:3.1-3.9|rtl/x/big.sv:10.3-10.20"
  cell $mem_v2 $flatten\\u_a.\\table
    parameter \\MEMID "$flatten\\\\u_a.\\\\table"
    parameter \\SIZE 512
    parameter \\WIDTH 16
  end
  attribute \\src "rtl/x/small.sv:4.3-4.9"
  cell $mem_v2 \\u_b.fifo
    parameter \\MEMID "\\\\u_b.fifo"
    parameter \\SIZE 32
    parameter \\WIDTH 128
  end
  attribute \\src "rtl/x/ram.sv:7.3-7.9"
  cell $mem_v2 \\u_c.mem
    parameter \\MEMID "\\\\u_c.mem"
    parameter \\SIZE 1024
    parameter \\WIDTH 128
  end
"""


class MemoryCheck(unittest.TestCase):
    def setUp(self):
        self.mems = fl.parse_memories(MEMORIES)

    def check(self, via, allowed=None):
        log = "".join("mapping memory top.%s via %s\n" % kv for kv in via.items())
        return fl.check_memories(self.mems, fl.parse_mappings(log, "top"), {}, allowed or {})

    def test_parse(self):
        self.assertEqual([(m["name"], m["bits"]) for m in self.mems],
                         [("u_a.table", 8192), ("u_b.fifo", 4096), ("u_c.mem", 131072)])
        self.assertEqual(self.mems[0]["source"], "rtl/x/big.sv")

    def test_big_lutram_fails_unless_allowed_with_its_reason(self):
        via = {"u_a.table": "$__XILINX_LUTRAM_SDP_", "u_b.fifo": "$__XILINX_LUTRAM_SDP_",
               "u_c.mem": "$__XILINX_BLOCKRAM_SDP_"}
        _, problems = self.check(via)
        self.assertEqual(len(problems), 1)
        self.assertIn("u_a.table", problems[0])  # 4096 bits is not above 4 kbit
        report, problems = self.check(via, {"u_a.table": "read by three ports"})
        self.assertEqual(problems, [])
        self.assertEqual(report[0]["allowed"], "read by three ports")
        # An entry matches whole trailing components of the hierarchical name only.
        self.assertEqual(len(self.check(via, {"table": "r"})[1]), 0)
        self.assertEqual(len(self.check(via, {"a.table": "r"})[1]), 1)

    def test_memory_in_flops_fails_even_if_listed(self):
        via = {"u_a.table": "$__XILINX_LUTRAM_SDP_"}  # u_c.mem: no mapping -> flip-flops
        _, problems = self.check(via, {"u_a.table": "r", "u_c.mem": "r"})
        self.assertEqual(len(problems), 1)
        self.assertIn("flip-flops", problems[0])

    def test_allow_list_entry_needs_a_reason(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("# comment\nu_a.table\n")
        try:
            with self.assertRaisesRegex(ValueError, "reason"):
                fl.read_allow_list(f.name)
        finally:
            os.unlink(f.name)


class Verdict(unittest.TestCase):
    """main(): the exit status against the 5.0 level limit, and --report-only."""

    def run_main(self, luts, extra=(), files=None):
        b = new()
        x = b.ff("a_q", b.port("din", "input"))
        for _ in range(luts):
            x = b.lut(x, x)
        x = b.cell("CARRY8", CI=x)["CO"][7]
        b.ff("z_q", x)
        net = {"modules": {"blk": {"attributes": {"top": "1"}, "ports": b.ports,
                                   "cells": b.cells, "netnames": b.netnames}}}
        with tempfile.TemporaryDirectory() as tmp:
            d = os.path.join(tmp, "blk")
            os.mkdir(d)
            with open(os.path.join(d, "net.json"), "w") as f:
                json.dump(net, f)
            for name, text in (files or {}).items():
                with open(os.path.join(d, name), "w") as f:
                    f.write(text)
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                rc = fl.main([d, "--json", os.path.join(tmp, "fpga.json"), *extra])
            with open(os.path.join(tmp, "fpga.json")) as f:
                report = json.load(f)
        return rc, report["blocks"]["blk"], out.getvalue() + err.getvalue()

    def test_within_limit_passes(self):
        rc, blk, _ = self.run_main(4)
        self.assertEqual((rc, blk["lut_levels"]), (0, 4.25))

    def test_above_limit_fails(self):
        rc, blk, text = self.run_main(5)
        self.assertEqual((rc, blk["lut_levels"]), (1, 5.25))
        self.assertIn("a_q -> z_q", text)

    def test_report_only_does_not_fail(self):
        rc, _, text = self.run_main(5, ["--report-only"])
        self.assertEqual(rc, 0)
        self.assertIn("5.25 levels, above 5.0", text)

    def test_abc_delay_and_lut_library_recorded(self):
        # The largest "A:" delay over ABC's runs; the library from the flow's abc9 line.
        log = ("ABC: A:  Del = 4071.00.  Ar =  9.0.\n"
               "ABC: A:  Del = 4454.00.  Ar =  8.0.  Edge = 10.\n"
               "ABC: A:  Del = 3600.00.  Ar =  7.0.\n")
        flow = "synth_xilinx -run map_memory:map_luts\nabc9 -W 300 -lut rtl/fpga/x.lut\n"
        _, blk, _ = self.run_main(2, files={"yosys.log": log, "flow.ys": flow})
        self.assertEqual((blk["abc_delay"], blk["abc9_lut_library"]), (4454.0, "rtl/fpga/x.lut"))
        _, blk, _ = self.run_main(2, files={"flow.ys": "synth_xilinx -run map_memory:\n"})
        self.assertIsNone(blk["abc9_lut_library"])
        self.assertNotIn("abc_delay", blk)


if __name__ == "__main__":
    unittest.main()
