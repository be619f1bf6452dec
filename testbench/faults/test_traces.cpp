// The --reg-log format (sim/reg_trace.h) on a small known sequence of accesses to the RTL,
// and the `fault` command of the scenario language: its syntax, its errors, and a fault
// armed from a script firing on the RTL.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "driver/generated/ipsec_regs.h"
#include "engine_sim.h"
#include "fault_injector.h"
#include "reg_trace.h"
#include "scenario.h"
#include "verilated_engine.h"

using namespace ipsec;

namespace {

std::vector<std::string> split(const std::string& text, const std::string& words) {
  std::vector<std::string> w;
  std::istringstream in(text + " " + words);
  for (std::string s; in >> s;) w.push_back(s);
  return w;
}

std::vector<std::string> fault_words(const std::string& args) { return split("fault", args); }

}  // namespace

TEST_CASE("--reg-log: one line per access, cycle, R/W, address, name, value, response") {
  // No bus delays: the cycles are fixed, a read 4 clocks and a write 3.
  sim::EngineSim sim(sim::EngineSimOptions{1, 0, 0});
  sim::FaultInjector faults(sim.bus());
  std::vector<std::string> lines;
  sim::RegTrace trace(faults, [&](const sim::RegAccess& a) { lines.push_back(sim::format_reg_access(a)); });
  faults.set_observer([&](const std::string& what) { trace.annotate(what); });

  uint32_t v = 0;
  CHECK(trace.read32(IPSEC_REGS_VENDOR_ID_OFFSET, v) == driver::BusStatus::kOk);
  CHECK(trace.write32(IPSEC_REGS_CONTROL_OFFSET, IPSEC_REGS_CONTROL_FWD_BAD_FRAMES_MASK) == driver::BusStatus::kOk);
  CHECK(trace.read32(IPSEC_REGS_CONTROL_OFFSET, v) == driver::BusStatus::kOk);
  CHECK(trace.write32(IPSEC_REGS_VENDOR_ID_OFFSET, 1) == driver::BusStatus::kSlvErr);  // read-only
  CHECK(trace.read32(IPSEC_REGS_CMD_WINDOW_OFFSET + 12, v) == driver::BusStatus::kSlvErr);  // write-only
  CHECK(trace.read32(IPSEC_REGS_DEC_IN_PACKETS_HI_OFFSET, v) == driver::BusStatus::kOk);
  faults.slverr(sim::BusAccess::kWrite, IPSEC_REGS_CMD_DOORBELL_OFFSET);
  CHECK(trace.write32(IPSEC_REGS_CMD_DOORBELL_OFFSET, 148) == driver::BusStatus::kSlvErr);

  const std::vector<std::string> golden = {
      "           4 R 0x000 VENDOR_ID                0x000002c9 OKAY",
      "           7 W 0x040 CONTROL                  0x00000002 OKAY",
      "          11 R 0x040 CONTROL                  0x00000002 OKAY",
      "          14 W 0x000 VENDOR_ID                0x00000001 SLVERR",
      "          18 R 0x10c CMD_WINDOW[3]            0x00000000 SLVERR",
      "          22 R 0x204 DEC_IN_PACKETS_HI        0x00000000 OKAY",
      "          22 W 0x050 CMD_DOORBELL             0x00000094 SLVERR # SLVERR on write CMD_DOORBELL (0x050)",
  };
  REQUIRE(lines.size() == golden.size());
  for (size_t i = 0; i < golden.size(); ++i) CHECK(lines[i] == golden[i]);
}

TEST_CASE("register names: the generated header's, both ways") {
  CHECK(sim::reg_name(IPSEC_REGS_CMD_DOORBELL_OFFSET) == "CMD_DOORBELL");
  CHECK(sim::reg_name(IPSEC_REGS_CMD_WINDOW_OFFSET + 4 * 36) == "CMD_WINDOW[36]");
  CHECK(sim::reg_name(IPSEC_REGS_CMD_DROP_HI_OFFSET) == "CMD_DROP_HI");
  CHECK(sim::reg_name(0x7f0) == "0x7f0");
  CHECK(sim::reg_address("cmd_doorbell") == IPSEC_REGS_CMD_DOORBELL_OFFSET);
  CHECK(sim::reg_address("CMD_WINDOW[3]") == IPSEC_REGS_CMD_WINDOW_OFFSET + 12);
  CHECK(sim::reg_address("DEC_IN_PACKETS_HI") == IPSEC_REGS_DEC_IN_PACKETS_HI_OFFSET);
  CHECK(sim::reg_address("0x50") == IPSEC_REGS_CMD_DOORBELL_OFFSET);
  CHECK_FALSE(sim::reg_address("0x51"));     // not a word address
  CHECK_FALSE(sim::reg_address("0x1000"));   // outside the register space
  CHECK_FALSE(sim::reg_address("DOORBELL"));
}

TEST_CASE("the fault command: every form parses, malformed ones say what is wrong") {
  for (const char* ok : {"slverr write CMD_DOORBELL", "slverr read RSP_WORD0 3", "slverr write 0x050 2",
                         "irq lost", "irq lost ADD_SA_V2", "irq late 500", "irq late 500 DEL_SA_V2",
                         "response drop", "response drop del_sa_v2", "response hold 9000", "response hold 1 MOD_SA_V2", "response handle ADD_SA_V2",
                         "response syndrome 1", "response syndrome 3 MOD_SA_V2", "rx forward-bad on",
                         "rx forward-bad off", "rx handle 0x77", "rx handle 0x77 6", "rx syndrome 0x13 2",
                         "clear"}) {
    CAPTURE(ok);
    CHECK(sim::check_fault_command(fault_words(ok)) == "");
  }
  const struct {
    const char* words;
    const char* message;
  } bad[] = {
      {"", "usage: fault slverr"},
      {"slverr write DOORBELL", "\"DOORBELL\" is not a register"},
      {"slverr write CMD_DOORBELL 0", "N must be 1 or more"},
      {"slverr poke CMD_DOORBELL", "usage: fault slverr read|write REGISTER [N]"},
      {"irq late", "usage: fault irq late CLOCKS"},
      {"irq late 0", "CLOCKS must be 1 or more"},
      {"irq lost ADD", "\"ADD\" is not an opcode"},
      {"response hold", "usage: fault response hold CLOCKS [OPCODE]"},
      {"response hold 0", "CLOCKS must be 1 or more"},
      {"response syndrome 4", "1 (ILLEGAL_REQUEST), 2 (SADB_ISSUE) or 3"},
      {"response drop ADD_SA_V2 extra", "too many arguments"},
      {"rx forward-bad maybe", "usage: fault rx forward-bad on|off"},
      {"rx handle 0x1ffffffff", "is not a 32-bit handle"},
      {"rx syndrome 0x100", "is not a syndrome byte"},
      {"rx nexthdr 4", "\"nexthdr\" is not forward-bad, handle or syndrome"},
      {"clear now", "usage: fault clear (no arguments)"},
      {"bitflip", "unknown fault \"bitflip\""},
  };
  for (const auto& b : bad) {
    CAPTURE(b.words);
    const std::string m = sim::check_fault_command(fault_words(b.words));
    CHECK_MESSAGE(m.find(b.message) != std::string::npos, m);
  }
}

TEST_CASE("a malformed fault command stops the script before it runs, with SCRIPT:LINE") {
  tool::RunnerOptions o;
  o.quiet = true;
  std::ostringstream out, err;
  const int rc = tool::run_script_text("ethtool -S eth0\nfault response syndrome 9\n", "f.ipsec", o, out, err);
  CHECK(rc == 1);
  CHECK(err.str().find("f.ipsec:2: fault response syndrome: the syndrome is 1") == 0);
  CHECK(out.str().empty());  // nothing ran
}

TEST_CASE("fault from a script on the RTL: a refused ADD fails `ip xfrm state add`, counted and logged") {
  tool::RunnerOptions o;
  o.quiet = true;
  std::vector<std::string> reg_log;
  o.reg_log = [&](const std::string& line) { reg_log.push_back(line); };
  o.make_engine = [](const tool::EngineConfig& c) {
    return std::make_unique<sim::VerilatedEngine>(c, sim::TraceOptions{});
  };
  const std::string script =
      "fault response syndrome 2 ADD_SA_V2\n"
      "! ip xfrm state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x1000 reqid 1 mode transport "
      "aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 offload dev eth0 dir out\n"
      "expect ipsec_add_sa_fail == 1\n"
      "expect ipsec_add_sa_success == 0\n"
      "fault slverr write CMD_DOORBELL\n"
      "! ip xfrm state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x1000 reqid 1 mode transport "
      "aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 offload dev eth0 dir out\n"
      "ip xfrm state add src 192.0.2.1 dst 198.51.100.2 proto esp spi 0x1000 reqid 1 mode transport "
      "aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 offload dev eth0 dir out\n"
      "expect ipsec_add_sa_success == 1\n";
  std::ostringstream out, err;
  const int rc = tool::run_script_text(script, "s.ipsec", o, out, err);
  INFO(err.str());
  CHECK(rc == 0);
  size_t marked = 0;
  for (const std::string& l : reg_log) marked += l.find(" # ") != std::string::npos;
  CHECK(marked == 3);  // the refused doorbell, the rewritten syndrome, the SLVERR
}
