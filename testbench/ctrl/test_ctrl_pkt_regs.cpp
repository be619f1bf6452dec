// Packet offload's registers (docs/packet_offload.md, packet sections P1, P5, P6, P8), on
// both builds of the control plane: in test_ctrl (ipsec_ctrl's PktOffload 0) they must be
// absent, answering SLVERR as unmapped words do, as the reference model without
// packet_offload answers; in test_ctrl_pkt (PktOffload 1, IPSEC_CTRL_PKT_OFFLOAD) they are
// the registers of P1, P5 and P6, run in lockstep against the model with packet_offload.
// The packet SA unit behind the counters and the event queue is the harness's stand-in
// (PktUnitStub): the tests give it events and counter words and read them back.

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "ctrl_harness.h"
#include "ctrl_lockstep.h"
#include "ctrl_model.h"
#include "ctrl_test_helpers.h"
#include "ipsec_device.h"
#include "test_seed.h"

namespace ipsec::tb {
namespace {

using driver::BusStatus;

#ifdef IPSEC_CTRL_PKT_OFFLOAD
constexpr bool kPkt = true;
#else
constexpr bool kPkt = false;
#endif

// The packet-offload addresses (packet sections P1, P5, P6), as the contract names them.
constexpr uint32_t kCapPkt = 0x018, kPktStatsIndex = 0x080, kEvtWord0 = 0x084,
                   kEvtWord1 = 0x088, kEvtPop = 0x08C, kPktStatsWord0 = 0x0A0,
                   kEvtDrop = 0x278;
constexpr uint32_t kCapFlagsInnova = 0x2BF4, kCapFlagsPktOffload = 1u << 16;
constexpr uint32_t kEventReady = 1u << 1;  // INTR_STATUS / INTR_ENABLE bit 1
constexpr uint32_t kWindowWordsPkt = 52;    // 208 bytes (packet section P2)

const BusStatus kPktAnswer = kPkt ? BusStatus::kOk : BusStatus::kSlvErr;

model::CtrlModelConfig model_config() {
  model::CtrlModelConfig c = rtl_like_model();
  c.packet_offload = kPkt;
  return c;
}

// Every word only packet offload has: CAP_PKT, PKT_STATS_INDEX, EVT_WORD0/1, EVT_POP,
// PKT_STATS_WORD0..9, command window words 37..51, EVT_DROP's two words.
[[maybe_unused]] std::vector<uint32_t> packet_words() {
  std::vector<uint32_t> a = {kCapPkt, kPktStatsIndex, kEvtWord0, kEvtWord1, kEvtPop};
  for (uint32_t i = 0; i < 10; ++i) a.push_back(kPktStatsWord0 + 4 * i);
  for (uint32_t w = reg::kWindowWords; w < kWindowWordsPkt; ++w) a.push_back(reg::kCmdWindow + 4 * w);
  a.push_back(kEvtDrop);
  a.push_back(kEvtDrop + 4);
  return a;
}

uint32_t read_ok(CtrlHarness& h, uint32_t addr) {
  uint32_t v = 0;
  INFO("read of " << hex(addr));
  REQUIRE(h.bus().read32(addr, v) == BusStatus::kOk);
  return v;
}

TEST_CASE("packet offload: CAP_FLAGS bit 16 and CAP_PKT say whether the engine has it") {
  CtrlHarness h(test_seed());
  model::CtrlModel m(model_config());
  Lockstep lock(h, m);
  const auto flags = lock.read(reg::kCapFlags);
  CHECK(flags.data == (kCapFlagsInnova | (kPkt ? kCapFlagsPktOffload : 0)));
  const auto cap = lock.read(kCapPkt);
  CHECK(bus_status_name(cap.status) == std::string(bus_status_name(kPktAnswer)));
  CHECK(cap.data == (kPkt ? 1024u : 0u));  // P1: the largest replay window in bits
  // INTR_ENABLE: bit 1 resets to 1 with packet offload, and is absent (0) without.
  CHECK(lock.read(reg::kIntrEnable).data == (kPkt ? 0x3u : 0x1u));
}

TEST_CASE("packet offload: every word of the register space read, written and read again, as the model") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 30);
  model::CtrlModel m(model_config());
  Lockstep lock(h, m);
  std::mt19937_64 rng(test_seed());
  std::vector<uint32_t> addrs;
  for (uint32_t a = 0; a < 0x290; a += 4) addrs.push_back(a);
  for (uint32_t a : {0x300u, 0x7FCu, 0x800u, 0xFFCu}) addrs.push_back(a);
  for (uint32_t a : addrs) lock.read(a);
  for (int round = 0; round < 2; ++round) {
    for (uint32_t a : addrs) {
      // The doorbell is left out: a random image and length is the commands' business.
      if (a == reg::kCmdDoorbell) continue;
      const uint32_t data = static_cast<uint32_t>(rng());
      const uint8_t strb = round == 0 ? 0xF : static_cast<uint8_t>(rng() & 0xF);
      lock.write(a, data, strb);
    }
    for (uint32_t a : addrs) lock.read(a);
    CHECK(h.bus().irq() == m.irq());
  }
  // Nothing a refused (or, with packet offload, an accepted) access did reached the unit
  // beyond the snapshot requests and pops its writes asked for.
  if (!kPkt) {
    CHECK(h.pkt_unit().requests.empty());
    CHECK(h.pkt_unit().pops == 0);
  }
}

TEST_CASE("packet offload: INTR_ENABLE bit 1 is written and read as the model says") {
  CtrlHarness h(test_seed());
  model::CtrlModel m(model_config());
  Lockstep lock(h, m);
  for (uint32_t v : {0x3u, 0x1u, 0x2u, 0x0u, 0xFFFFFFFFu, 0x2u}) {
    CHECK(lock.write(reg::kIntrEnable, v) == BusStatus::kOk);
    // Read at once and again later: held clear without packet offload, over the write.
    lock.read(reg::kIntrEnable);
    h.ticks(3);
    lock.read(reg::kIntrEnable);
  }
  // Bit 1 without lane 0 is not written.
  lock.write(reg::kIntrEnable, 0x3, 0xE);
  lock.read(reg::kIntrEnable);
}

TEST_CASE("packet offload: window words 37..51 and a 148-byte command after them") {
  CtrlHarness h(test_seed());
  model::CtrlModel m(model_config());
  Lockstep lock(h, m);
  for (uint32_t w = reg::kWindowWords; w < kWindowWordsPkt; ++w) {
    const auto s = lock.write(reg::kCmdWindow + 4 * w, 0xA5A50000u + w);
    CHECK(bus_status_name(s) == std::string(bus_status_name(kPktAnswer)));
    // Write-only in either build: key material is never read back.
    CHECK(lock.read(reg::kCmdWindow + 4 * w).status == BusStatus::kSlvErr);
  }
  // The 148-byte commands ignore what follows their image.
  const SaSpec sa = example_sa(7);
  const Bytes image = sa_image(contract::kAddSaV2, sa);
  for (uint32_t w = 0; w < reg::kWindowWords; ++w) {
    const uint32_t v = uint32_t{image[4 * w]} << 24 | uint32_t{image[4 * w + 1]} << 16 |
                       uint32_t{image[4 * w + 2]} << 8 | image[4 * w + 3];
    lock.write(reg::kCmdWindow + 4 * w, v);
  }
  lock.write(reg::kCmdDoorbell, 148);
  lock.check_state();
  CHECK(lock.read(reg::kRspWord0).data == 0);  // success
}

TEST_CASE("the driver's probe on the RTL sees packet offload, and CAP_PKT, as the build has them") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 30);
  driver::IpsecDevice dev(h.bus());
  const driver::Status s = dev.probe();
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(dev.caps().pkt_offload == kPkt);
  CHECK(dev.caps().pkt_max_replay_window == (kPkt ? 1024u : 0u));
  // The same probe on the model configured alike finds the same.
  model::CtrlModel m(model_config());
  driver::IpsecDevice ref(m);
  REQUIRE(ref.probe().ok());
  CHECK(ref.caps().pkt_offload == dev.caps().pkt_offload);
  CHECK(ref.caps().pkt_max_replay_window == dev.caps().pkt_max_replay_window);
}

#ifdef IPSEC_CTRL_PKT_OFFLOAD

// ---- PktOffload 1: the registers of P5 and P6 on the unit's ports -------------------------

TEST_CASE("PKT_STATS_INDEX: a write with lanes 0 and 1 asks one snapshot, its words read back") {
  CtrlHarness h(test_seed());
  PktUnitStub& u = h.pkt_unit();
  std::array<uint32_t, 10> counts{};
  for (uint32_t i = 0; i < 10; ++i) counts[i] = 0x01000000u * (i + 1) + 0x1234u;
  u.stats[5] = counts;
  u.stats[0xBEEF] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

  CHECK(h.bus().write32(kPktStatsIndex, 0xABCD0005u) == BusStatus::kOk);  // bits 31:16 ignored
  h.ticks(4);
  REQUIRE(u.requests.size() == 1);
  CHECK(u.requests[0] == 5);
  for (uint32_t i = 0; i < 10; ++i) CHECK(read_ok(h, kPktStatsWord0 + 4 * i) == counts[i]);

  // P8: without lane 0 or lane 1 there is no snapshot; the words keep the last one.
  for (uint8_t strb : {0x1, 0x2, 0x4, 0x8, 0xC, 0xD, 0xE}) {
    CHECK(h.bus().write32_strobe(kPktStatsIndex, 0xBEEF, strb) == BusStatus::kOk);
  }
  h.ticks(4);
  CHECK(u.requests.size() == 1);
  CHECK(read_ok(h, kPktStatsWord0) == counts[0]);
  // Lanes 0 and 1 alone: the index as written then (both lanes), a snapshot.
  CHECK(h.bus().write32_strobe(kPktStatsIndex, 0xBEEF, 0x3) == BusStatus::kOk);
  h.ticks(4);
  REQUIRE(u.requests.size() == 2);
  CHECK(u.requests[1] == 0xBEEF);
  for (uint32_t i = 0; i < 10; ++i) CHECK(read_ok(h, kPktStatsWord0 + 4 * i) == i + 1);
  // An index the unit has no SA at: it answers zeros, and so do the words.
  h.write(kPktStatsIndex, 17);
  h.ticks(4);
  REQUIRE(u.requests.size() == 3);
  CHECK(u.requests[2] == 17);
  for (uint32_t i = 0; i < 10; ++i) CHECK(read_ok(h, kPktStatsWord0 + 4 * i) == 0);
  // Write-only, read-only.
  uint32_t v = 0;
  CHECK(h.bus().read32(kPktStatsIndex, v) == BusStatus::kSlvErr);
  CHECK(h.bus().write32(kPktStatsWord0, 1) == BusStatus::kSlvErr);
  // Back to back, each write its own request, in order.
  for (uint32_t i = 0; i < 8; ++i) h.bus().post_write(kPktStatsIndex, 100 + i);
  h.bus().drain();
  h.ticks(4);
  REQUIRE(u.requests.size() == 11);
  for (uint32_t i = 0; i < 8; ++i) CHECK(u.requests[3 + i] == 100 + i);
}

TEST_CASE("events: EVT_WORD0/1 show the head, EVENT_READY and the interrupt, EVT_POP drops it") {
  CtrlHarness h(test_seed());
  PktUnitStub& u = h.pkt_unit();
  CHECK(read_ok(h, kEvtWord0) == 0);
  CHECK(read_ok(h, kEvtWord1) == 0);
  CHECK((read_ok(h, reg::kIntrStatus) & kEventReady) == 0);
  CHECK_FALSE(h.bus().irq());

  u.events.push_back({0x03FF0001u, 0x11111111u});  // soft bytes, SA 1023
  u.events.push_back({0x00020005u, 0x22222222u});  // seq exhausted, SA 2
  u.events.push_back({0x12340004u, 0xFFFFFFFFu});  // hard packets
  h.ticks(2);
  CHECK(read_ok(h, kEvtWord0) == 0x03FF0001u);
  CHECK(read_ok(h, kEvtWord1) == 0x11111111u);
  CHECK((read_ok(h, reg::kIntrStatus) & kEventReady) != 0);
  CHECK(h.bus().irq());  // INTR_ENABLE.EVENT_READY resets to 1
  h.write(reg::kIntrEnable, 0x1);
  h.ticks(2);
  CHECK_FALSE(h.bus().irq());
  CHECK((read_ok(h, reg::kIntrStatus) & kEventReady) != 0);  // status is not masked
  h.write(reg::kIntrEnable, 0x3);
  h.ticks(2);
  CHECK(h.bus().irq());

  // P8: EVT_POP acts on bit 0 of lane 0 only.
  h.write(kEvtPop, 0x0);
  CHECK(h.bus().write32_strobe(kEvtPop, 0x1, 0xE) == BusStatus::kOk);
  CHECK(h.bus().write32(kEvtPop, 0xFFFFFFFEu) == BusStatus::kOk);
  h.ticks(2);
  CHECK(u.pops == 0);
  h.write(kEvtPop, 1);
  h.ticks(2);
  CHECK(u.pops == 1);
  CHECK(read_ok(h, kEvtWord0) == 0x00020005u);
  CHECK(read_ok(h, kEvtWord1) == 0x22222222u);
  // Bits 15:8 of the head's word 0 are reserved: they read 0 whatever the unit drives.
  h.write(kEvtPop, 1);
  h.ticks(2);
  CHECK(read_ok(h, kEvtWord0) == 0x12340004u);
  h.write(kEvtPop, 1);
  h.ticks(2);
  CHECK(u.events.empty());
  CHECK(read_ok(h, kEvtWord0) == 0);
  CHECK(read_ok(h, kEvtWord1) == 0);
  CHECK((read_ok(h, reg::kIntrStatus) & kEventReady) == 0);
  CHECK_FALSE(h.bus().irq());
  // A pop with nothing waiting reaches the unit, which ignores it.
  h.write(kEvtPop, 1);
  h.ticks(2);
  CHECK(u.pops == 4);
  CHECK(u.pops_while_empty == 1);
  uint32_t v = 0;
  CHECK(h.bus().read32(kEvtPop, v) == BusStatus::kSlvErr);
  CHECK(h.bus().write32(kEvtWord0, 1) == BusStatus::kSlvErr);
  CHECK(h.bus().write32(kEvtWord1, 1) == BusStatus::kSlvErr);
}

TEST_CASE("events: bits 15:8 of the unit's word 0 are reserved and read 0") {
  CtrlHarness h(test_seed());
  h.pkt_unit().events.push_back({0xFFFFFFFFu, 0});
  h.ticks(2);
  CHECK(read_ok(h, kEvtWord0) == 0xFFFF00FFu);
}

TEST_CASE("EVT_DROP reads the unit's count of lost events, 64 bits, the high word latched") {
  CtrlHarness h(test_seed());
  CHECK(read_ok(h, kEvtDrop) == 0);
  CHECK(read_ok(h, kEvtDrop + 4) == 0);
  h.pkt_unit().evt_drop = 0x0000000500000025ull;
  h.ticks(2);
  CHECK(read_ok(h, kEvtDrop) == 0x25);
  // The high word as it was when the low word was read, whatever the count did since.
  h.pkt_unit().evt_drop = 0x00000007FFFFFFFFull;
  h.ticks(2);
  CHECK(read_ok(h, kEvtDrop + 4) == 5);
  CHECK(read_ok(h, kEvtDrop) == 0xFFFFFFFFu);
  CHECK(read_ok(h, kEvtDrop + 4) == 7);
  CHECK(h.bus().write32(kEvtDrop, 0) == BusStatus::kSlvErr);  // cleared only by reset
  CHECK(h.bus().write32(kEvtDrop + 4, 0) == BusStatus::kSlvErr);
  CHECK(read_ok(h, kEvtDrop) == 0xFFFFFFFFu);
  // Not one of the 14 counters.
  CHECK(h.read_counter(Counter::kDecDrop) == 0);
}

TEST_CASE("PKT_STATS: a read right behind the index's write waits for the unit's snapshot") {
  INFO(seed_hint());
  sim::AxiLiteBusOptions o;
  o.delay_percent = 20;
  o.random_order = true;
  CtrlHarness h(test_seed(), o);
  PktUnitStub& u = h.pkt_unit();
  std::mt19937_64 rng(test_seed());
  for (uint32_t busy : {0u, 1u, 4u, 9u}) {
    u.snap_busy_clocks = busy;
    for (uint32_t i = 0; i < 8; ++i) {
      const uint32_t index = static_cast<uint32_t>(rng() % kNumSa);
      std::array<uint32_t, 10> words{};
      for (uint32_t& w : words) w = static_cast<uint32_t>(rng());
      u.stats[index] = words;
      // The write and every word's read posted together: the reads follow the write as
      // closely as the bus allows.
      h.bus().post_write(kPktStatsIndex, index);
      for (uint32_t k = 0; k < 10; ++k) h.bus().post_read(kPktStatsWord0 + 4 * k);
      const auto done = h.bus().drain();
      INFO("busy " << busy << " index " << index);
      REQUIRE(done.size() == 11);
      CHECK(done[0].status == BusStatus::kOk);
      for (uint32_t k = 0; k < 10; ++k) {
        CHECK(done[1 + k].status == BusStatus::kOk);
        CHECK(done[1 + k].data == words[k]);
      }
    }
  }
  CHECK(u.requests.size() == 32);
}

#else

// ---- PktOffload 0: nothing of it reaches or leaves the engine ----------------------------

TEST_CASE("without packet offload: the unit's ports are ignored, its words answer SLVERR") {
  CtrlHarness h(test_seed());
  PktUnitStub& u = h.pkt_unit();
  u.events.push_back({0x00010001u, 0x1234u});
  u.words = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  u.evt_drop = 5;
  h.ticks(10);
  for (uint32_t a : packet_words()) {
    INFO("address " << hex(a));
    uint32_t v = 0xDEAD;
    CHECK(h.bus().read32(a, v) == BusStatus::kSlvErr);
    CHECK(v == 0);
    CHECK(h.bus().write32(a, 1) == BusStatus::kSlvErr);
  }
  h.ticks(4);
  CHECK(u.requests.empty());
  CHECK(u.pops == 0);
  CHECK(u.events.size() == 1);
  CHECK((read_ok(h, reg::kIntrStatus) & kEventReady) == 0);  // and RSP_READY 0: nothing waits
  CHECK(read_ok(h, reg::kIntrStatus) == 0);
  CHECK(read_ok(h, reg::kIntrEnable) == 0x1);
  CHECK_FALSE(h.bus().irq());
}

#endif

}  // namespace
}  // namespace ipsec::tb
