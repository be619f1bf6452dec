// The packet-offload build of the engine (PktOffload = 1, docs/packet_offload.md) beside the
// model with packet offload on: what of packet offload the engine holds so far. The
// Innova's suite runs on this build too (testbench/engine/CMakeLists.txt), so the crypto
// behaviour is checked unchanged here; this file adds what only this build has: the
// capability, and the register side of the per-SA counters and the event queue
// (esp_pkt_life beside the register block: PKT_STATS_*, EVT_*, EVT_DROP, EVENT_READY).
#include <doctest/doctest.h>

#include <cstdint>
#include <ios>
#include <vector>

#include "contract.h"
#include "engine_fixture.h"
#include "driver/generated/ipsec_regs.h"

using namespace ipsec;
using namespace ipsec::tb;

namespace {

constexpr uint32_t kNumSa = 1024;  // ipsec_engine's NumSa

// Reads `addr` from the RTL and from the model; both must answer alike. Returns the RTL's.
uint32_t read_both(EngineFixture& f, uint32_t addr) {
  uint32_t rtl = 0, ref = 0;
  const driver::BusStatus a = f.sim().bus().read32(addr, rtl);
  const driver::BusStatus b = f.model().read32(addr, ref);
  CHECK_MESSAGE(a == b, "bus status of 0x" << std::hex << addr);
  CHECK_MESSAGE(rtl == ref, "0x" << std::hex << addr << ": RTL 0x" << rtl << ", model 0x" << ref);
  return rtl;
}

void write_both(EngineFixture& f, uint32_t addr, uint32_t data) {
  const driver::BusStatus a = f.sim().bus().write32(addr, data);
  const driver::BusStatus b = f.model().write32(addr, data);
  CHECK_MESSAGE(a == b, "bus status of the write of 0x" << std::hex << addr);
}

// The ten PKT_STATS words, read from both.
std::vector<uint32_t> stats_words(EngineFixture& f) {
  std::vector<uint32_t> w;
  for (uint32_t i = 0; i < 10; ++i) w.push_back(read_both(f, IPSEC_REGS_PKT_STATS_WORD0_OFFSET + 4 * i));
  return w;
}

}  // namespace

TEST_CASE("the packet build advertises packet offload, and the driver's probe finds it") {
  EngineFixture f(test_seed());
  f.probe();
  CHECK(f.dut().caps().pkt_offload);
  CHECK(f.dut().caps().pkt_max_replay_window == f.ref().caps().pkt_max_replay_window);
  CHECK(f.dut().caps().pkt_max_replay_window == 1024);
  const uint32_t cap_flags = read_both(f, IPSEC_REGS_CAP_FLAGS_OFFSET);
  CHECK(((cap_flags >> driver::packet::kCapBitPktOffload) & 1) == 1);
  read_both(f, IPSEC_REGS_CAP_PKT_OFFSET);
}

TEST_CASE("a PKT_STATS snapshot asked while the lifetime unit clears after reset reads zeros at once") {
  // The unit clears its 1,024 entries after reset (one a clock), and no SA can be added
  // meanwhile (the SA table clears as long): a snapshot asked then (a driver's first register
  // accesses come sooner) is answered zeros without reaching the unit, whose assertion, on
  // in this build, would stop the run if it did, and without holding the read.
  EngineFixture f(test_seed());
  const uint64_t start = f.sim().cycles();
  write_both(f, IPSEC_REGS_PKT_STATS_INDEX_OFFSET, 5);
  CHECK(stats_words(f) == std::vector<uint32_t>(10, 0));
  REQUIRE(f.sim().cycles() - start < kNumSa / 2);  // asked and read inside the clearing
  // Once the unit is ready, the same index again: a real snapshot, zeros as well.
  while (f.sim().cycles() - start < kNumSa + 16) f.sim().tick();
  write_both(f, IPSEC_REGS_PKT_STATS_INDEX_OFFSET, 5);
  CHECK(stats_words(f) == std::vector<uint32_t>(10, 0));
}

TEST_CASE("PKT_STATS of indices beyond the table, and snapshots asked back to back, read as the model's") {
  EngineFixture f(test_seed());
  f.probe();
  for (const uint32_t index : {kNumSa - 1, kNumSa, kNumSa + 1, 0x7FFFu, 0xFFFFu, 0u}) {
    CAPTURE(index);
    write_both(f, IPSEC_REGS_PKT_STATS_INDEX_OFFSET, index);
    CHECK(stats_words(f) == std::vector<uint32_t>(10, 0));
  }
  // Index writes closer together than the unit's snapshot takes (pipelined, a clock or two
  // apart), then a read: the snapshots queue and the read sees the last.
  std::vector<sim::AxiLiteCompletion> reqs;
  for (const uint32_t index : {3u, 4u, 0xFFFFu, 7u}) {
    reqs.push_back({true, IPSEC_REGS_PKT_STATS_INDEX_OFFSET, index, 0xF});
  }
  reqs.push_back({false, IPSEC_REGS_PKT_STATS_WORD0_OFFSET, 0, 0xF});
  const std::vector<sim::AxiLiteCompletion> done = f.sim().transact(reqs);
  REQUIRE(done.size() == reqs.size());
  for (const sim::AxiLiteCompletion& c : done) CHECK(c.status == driver::BusStatus::kOk);
  CHECK(done.back().data == 0);
}

TEST_CASE("the event queue of the packet build is empty, and its registers read as the model's") {
  EngineFixture f(test_seed());
  f.probe();
  CHECK(read_both(f, IPSEC_REGS_EVT_WORD0_OFFSET) == 0);
  CHECK(read_both(f, IPSEC_REGS_EVT_WORD1_OFFSET) == 0);
  CHECK((read_both(f, IPSEC_REGS_INTR_STATUS_OFFSET) & driver::packet::kIntrEventReady) == 0);
  // A pop of the empty queue changes nothing; EVT_DROP reads 0, low word first.
  write_both(f, IPSEC_REGS_EVT_POP_OFFSET, 1);
  CHECK(read_both(f, IPSEC_REGS_EVT_WORD0_OFFSET) == 0);
  CHECK(read_both(f, IPSEC_REGS_EVT_DROP_OFFSET) == 0);
  CHECK(read_both(f, IPSEC_REGS_EVT_DROP_HI_OFFSET) == 0);
  // The enable bit of EVENT_READY exists on this build: it reads back as written.
  const uint32_t enable = read_both(f, IPSEC_REGS_INTR_ENABLE_OFFSET);
  write_both(f, IPSEC_REGS_INTR_ENABLE_OFFSET, enable & ~driver::packet::kIntrEventReady);
  CHECK((read_both(f, IPSEC_REGS_INTR_ENABLE_OFFSET) & driver::packet::kIntrEventReady) == 0);
  write_both(f, IPSEC_REGS_INTR_ENABLE_OFFSET, enable | driver::packet::kIntrEventReady);
  CHECK((read_both(f, IPSEC_REGS_INTR_ENABLE_OFFSET) & driver::packet::kIntrEventReady) != 0);
}
