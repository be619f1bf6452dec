// The register block driven as a real AXI4-Lite master drives it: W before AW, AW before W
// or both together, random delays on every channel, and several transactions outstanding
// (IHI 0022, A3.3.1 and B1.1). Whatever the master does, each request gets exactly one
// response, in order, and the register effects are those of the reference model.

#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "ctrl_harness.h"
#include "ctrl_lockstep.h"
#include "ctrl_model.h"
#include "ctrl_test_helpers.h"
#include "test_seed.h"

namespace ipsec::tb {
namespace {

using driver::BusStatus;

sim::AxiLiteBusOptions real_master(unsigned outstanding) {
  sim::AxiLiteBusOptions o;
  o.delay_percent = 40;
  o.max_delay = 3;
  o.random_order = true;
  o.max_outstanding = outstanding;
  return o;
}

// The model's answer to a posted transaction, applied in posted order.
sim::AxiLiteCompletion on_model(model::CtrlModel& m, const sim::AxiLiteCompletion& c) {
  sim::AxiLiteCompletion r = c;
  if (c.write) {
    r.status = m.write32_strobe(c.addr, c.data, c.strb);
  } else {
    r.status = m.read32(c.addr, r.data);
  }
  return r;
}

TEST_CASE("pipelined reads: one response per request, in the order posted") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), real_master(4));
  // Registers whose values differ from their neighbours', and unmapped or write-only
  // addresses between them: a response given to the wrong request shows as a wrong value
  // or a wrong OKAY/SLVERR.
  const std::vector<std::pair<uint32_t, uint32_t>> readable = {
      {reg::kVendorId, 0x2C9}, {reg::kProductId, 2},        {reg::kCapFlags, 0x2BF4},
      {reg::kCapEncAlg, 3},    {reg::kCapCounters, 14},     {reg::kCapSa, kNumSa},
      {reg::kIntrEnable, 1},   {reg::kCapCountersAddrLow, reg::kCounters},
      {reg::kEngineParams, (kMaxFrame << 16) | kNumSa}};
  const std::vector<uint32_t> refused = {0x018, reg::kCmdDoorbell, 0x4C, reg::kCmdWindow, 0x800};
  std::mt19937_64 rng(test_seed());
  struct Want {
    uint32_t addr;
    bool ok;
    uint32_t value;
  };
  std::vector<Want> want;
  for (int i = 0; i < 200; ++i) {
    if (rng() % 3 == 0) {
      const uint32_t a = refused[rng() % refused.size()];
      want.push_back({a, false, 0});
    } else {
      const auto& r = readable[rng() % readable.size()];
      want.push_back({r.first, true, r.second});
    }
    h.bus().post_read(want.back().addr);
  }
  const auto done = h.bus().drain();
  REQUIRE(done.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("request " << i << ", read of " << hex(want[i].addr));
    CHECK_FALSE(done[i].write);
    CHECK(done[i].addr == want[i].addr);
    CHECK(done[i].status == (want[i].ok ? BusStatus::kOk : BusStatus::kSlvErr));
    CHECK(done[i].data == want[i].value);
  }
  // Evidence that requests really overlapped: the block holds more than one read open.
  CHECK(h.bus().max_reads_open() >= 2);
}

TEST_CASE("pipelined writes: one response per request, in order, the last write wins") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), real_master(4));
  std::mt19937_64 rng(test_seed());
  std::vector<BusStatus> want;
  uint32_t last_control = 0, last_enable = 1;
  for (int i = 0; i < 200; ++i) {
    const uint32_t v = static_cast<uint32_t>(rng());
    switch (rng() % 4) {
      case 0:
        h.bus().post_write(reg::kControl, v);
        last_control = v & 2u;  // FWD_BAD_FRAMES; NO_TRAILER and bits 31:2 ignore writes
        want.push_back(BusStatus::kOk);
        break;
      case 1:
        h.bus().post_write(reg::kIntrEnable, v);
        last_enable = v & 1u;
        want.push_back(BusStatus::kOk);
        break;
      case 2:
        h.bus().post_write(reg::kVendorId, v);  // read-only
        want.push_back(BusStatus::kSlvErr);
        break;
      default:
        h.bus().post_write(0x1F0, v);  // unmapped
        want.push_back(BusStatus::kSlvErr);
        break;
    }
  }
  const auto done = h.bus().drain();
  REQUIRE(done.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("request " << i << ", write of " << hex(done[i].addr));
    CHECK(done[i].write);
    CHECK(done[i].status == want[i]);
  }
  CHECK(h.bus().max_writes_open() >= 2);
  CHECK(h.read(reg::kControl) == last_control);
  CHECK(h.read(reg::kIntrEnable) == last_enable);
  CHECK(h.read(reg::kVendorId) == 0x2C9);
}

TEST_CASE("a pipelined master with random channel order and delays: RTL and model agree") {
  INFO(seed_hint());
  const uint64_t seed = test_seed();
  CtrlHarness h(seed, real_master(2 + static_cast<unsigned>(seed % 3)));
  model::CtrlModel m(rtl_like_model());
  Lockstep lock(h, m);
  std::mt19937_64 rng(seed);
  // A counter's high word reads the value latched by the last read of its low word; before
  // the first such read the RTL's latch holds no defined value (it has no reset), so every
  // low word is read once here, on both, before the random reads begin.
  lock.check_state();

  std::vector<SaSpec> pool;
  for (uint32_t n = 0; n < 6; ++n) pool.push_back(example_sa(n, n % 2 == 1, n % 3 == 2));
  // Addresses a batch reads or writes: every register, and some that are not.
  std::vector<uint32_t> addrs = readable_registers();
  for (uint32_t a : {0x018u, 0x04Cu, 0x05Cu, 0x080u, 0x194u, 0x278u, 0xFFCu, reg::kCmdDoorbell,
                     reg::kRspPop, reg::kCmdWindow, reg::kControl, reg::kIntrEnable}) {
    addrs.push_back(a);
  }
  const uint32_t opcodes[] = {contract::kAddSa, contract::kDelSa, contract::kAddSaV2,
                              contract::kDelSaV2, contract::kModSaV2};

  uint64_t transactions = 0, commands = 0;
  for (int round = 0; round < 150; ++round) {
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      const uint32_t addr = addrs[rng() % addrs.size()];
      if ((addr & ~3u) == reg::kCmdDoorbell) continue;  // a doorbell only ends a batch
      if (rng() % 2) {
        h.bus().post_read(addr);
      } else {
        // Pops and control bits with their ordinary values mostly, anything sometimes.
        uint32_t v = static_cast<uint32_t>(rng());
        if (addr == reg::kRspPop && rng() % 4) v = 1;
        h.bus().post_write(addr, v);
      }
    }
    const bool command = rng() % 3 == 0;
    if (command) {
      // A whole command: the image into the window, then the doorbell, in one batch.
      Bytes image = rng() % 6 == 0
                        ? set_cap_image(static_cast<uint32_t>(rng() % 4))
                        : sa_image(opcodes[rng() % 5], pool[rng() % pool.size()]);
      uint32_t len = static_cast<uint32_t>(image.size());
      if (rng() % 8 == 0) len = static_cast<uint32_t>(rng() % 256);
      image.resize(148, 0);
      for (uint32_t w = 0; w < reg::kWindowWords; ++w) {
        const uint32_t v = uint32_t{image[4 * w]} << 24 | uint32_t{image[4 * w + 1]} << 16 |
                           uint32_t{image[4 * w + 2]} << 8 | image[4 * w + 3];
        h.bus().post_write(reg::kCmdWindow + 4 * w, v);
      }
      h.bus().post_write(reg::kCmdDoorbell, len);
    }
    // The model takes the same transactions in posted order (drain() issues a read only
    // after the writes posted before it are answered, and the other way round).
    const auto done = h.bus().drain();
    std::vector<sim::AxiLiteCompletion> want;
    for (const auto& c : done) want.push_back(on_model(m, c));
    transactions += done.size();
    for (size_t i = 0; i < done.size(); ++i) {
      INFO("round " << round << ", request " << i << ": " << (done[i].write ? "write" : "read")
                    << " of " << hex(done[i].addr));
      CHECK(bus_status_name(done[i].status) == std::string(bus_status_name(want[i].status)));
      if (!done[i].write) CHECK(done[i].data == want[i].data);
    }
    if (command) {
      ++commands;
      lock.settle();
    }
    if (round % 10 == 9) lock.check_state();
  }
  lock.check_state();
  MESSAGE(transactions << " transactions, " << commands << " commands; at most "
                       << h.bus().max_writes_open() << " writes and "
                       << h.bus().max_reads_open() << " reads open at once");
  CHECK(transactions > 1000);
  CHECK(commands > 20);
}

}  // namespace
}  // namespace ipsec::tb
