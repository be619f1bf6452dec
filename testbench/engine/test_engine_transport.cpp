// The asynchronous command path on the RTL (rtl/regs/cmd_mailbox.sv, 8 deep): commands in
// flight against the credits, the backlog, an overrun the engine drops and counts, a
// timeout, and the clocks per SA of adds back to back.
#include <doctest/doctest.h>

#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "driver/generated/ipsec_regs.h"
#include "driver_fixture.h"
#include "engine_sim.h"
#include "ipsec_device.h"
#include "pipelined_adds.h"
#include "response_hiding_bus.h"
#include "test_seed.h"

namespace drv = ipsec::driver;
namespace sim = ipsec::sim;

namespace {

sim::EngineSimOptions rtl_options(uint64_t seed, int axil_delay) {
  sim::EngineSimOptions o;
  o.seed = seed;
  o.axil_delay_percent = axil_delay;
#ifdef IPSEC_RTL_BUILD_CHECKING  // test_engine_checking (sim/CMakeLists.txt)
  o.build = sim::RtlBuild::kChecking;
#endif
  return o;
}

// The driver on the Verilated engine, optionally through a ResponseHidingBus.
struct OnRtl {
  explicit OnRtl(uint64_t seed = 1, int axil_delay = 0, drv::DeviceOptions o = {})
      : sim(rtl_options(seed, axil_delay)), hiding(sim.bus()), dev(hiding, o) {
    REQUIRE(dev.probe().ok());
    dev.set_observer([this](const drv::BusTransfer& t) {
      if (t.kind == drv::BusTransfer::Kind::kCommand) {
        doorbells.push_back(t.doorbell_cycle);
      } else {
        completions.emplace_back(t.doorbell_cycle, t.completion_cycle);
      }
    });
  }
  uint64_t counter(const std::string& name) {
    const auto stats = dev.ethtool_stats();
    REQUIRE(stats.ok());
    for (const drv::EthtoolStat& s : *stats) {
      if (s.name == name) return s.value;
    }
    FAIL("no counter " << name);
    return 0;
  }
  uint32_t cmd_status() {
    uint32_t v = 0;
    REQUIRE(sim.bus().read32(IPSEC_REGS_CMD_STATUS_OFFSET, v) == drv::BusStatus::kOk);
    return v;
  }
  sim::EngineSim sim;
  ipsec::tb::ResponseHidingBus hiding;
  drv::IpsecDevice dev;
  std::vector<uint64_t> doorbells;                         // SA commands, after probe
  std::vector<std::pair<uint64_t, uint64_t>> completions;  // (doorbell, completion)
};

uint32_t outstanding(uint32_t status) {
  return (status & IPSEC_REGS_CMD_STATUS_OUTSTANDING_MASK) >> IPSEC_REGS_CMD_STATUS_OUTSTANDING_SHIFT;
}

}  // namespace

TEST_CASE("RTL: eight commands in flight fill the engine's queue, and a ninth waits for a credit") {
  const uint64_t seed = ipsec::tb::test_seed();
  OnRtl r(seed, 25);  // random AXI4-Lite delays
  INFO("seed " << seed << " (rerun with IPSEC_SEED=" << seed << ")");
  std::vector<int> order;
  for (int i = 0; i < 9; ++i) {
    REQUIRE(r.dev.add_state_async(ipsec::tb::pipelined_state(i), [&order, i](const drv::Status& s) {
      CHECK_MESSAGE(s.ok(), s.message());
      order.push_back(i);
    }).ok());
  }
  CHECK(r.dev.commands().in_flight() == 8);
  CHECK(r.dev.commands().backlog() == 1);
  const uint32_t st = r.cmd_status();
  CHECK(outstanding(st) == 8);
  CHECK((st & IPSEC_REGS_CMD_STATUS_FULL_MASK) != 0);

  r.dev.settle();
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(r.dev.sas().size() == 9);
  // --cmd-log: the n-th response names the n-th command's doorbell and comes after it.
  REQUIRE(r.doorbells.size() == 9);
  REQUIRE(r.completions.size() == 9);
  for (size_t i = 0; i < 9; ++i) {
    CHECK(r.completions[i].first == r.doorbells[i]);
    CHECK(r.completions[i].second > r.doorbells[i]);
    if (i > 0) CHECK(r.doorbells[i] > r.doorbells[i - 1]);
  }
  // The ninth went out only after a completion freed a credit.
  CHECK(r.doorbells[8] > r.completions[0].second);
  CHECK(r.counter("ipsec_add_sa_success") == 9);
  CHECK(r.counter("ipsec_cmd_drop") == 0);
}

TEST_CASE("RTL: an overrun past the credits counts in ipsec_cmd_drop and the driver recovers") {
  const uint64_t seed = ipsec::tb::test_seed();
  OnRtl r(seed, 25);
  INFO("seed " << seed << " (rerun with IPSEC_SEED=" << seed << ")");
  std::vector<drv::Status> results;
  for (int i = 0; i < 9; ++i) {
    if (i == 8) r.dev.overrun_next_command_for_test();
    REQUIRE(r.dev.add_state_async(ipsec::tb::pipelined_state(i), [&](const drv::Status& s) {
      results.push_back(s);
    }).ok());
  }
  CHECK(r.counter("ipsec_cmd_drop") == 1);
  r.dev.settle();
  REQUIRE(results.size() == 9);
  CHECK(results[0].code() == -EIO);  // the dropped one, found before any response is matched
  for (size_t i = 1; i < 9; ++i) CHECK_MESSAGE(results[i].ok(), results[i].message());
  CHECK(r.dev.sas().size() == 8);
  CHECK(r.dev.commands().stats().dropped == 1);

  // The tables agree: the dropped SA goes in now, and all nine come out with successful DELs.
  REQUIRE(r.dev.add_state(ipsec::tb::pipelined_state(8)).ok());
  std::vector<drv::SaId> live;
  for (const auto& [id, sa] : r.dev.sas()) live.push_back(id);
  for (drv::SaId id : live) CHECK(r.dev.delete_state(id).ok());
  CHECK(r.counter("ipsec_add_sa_success") == 9);
  CHECK(r.counter("ipsec_add_sa_fail") == 0);
  CHECK(r.counter("ipsec_del_sa_success") == 9);
  CHECK(r.counter("ipsec_del_sa_fail") == 0);
  CHECK(r.dev.images_reserved() == 0);
}

TEST_CASE("RTL: an ADD whose response comes too late times out, then a DEL takes it out") {
  drv::DeviceOptions o;
  o.commands.timeout_cycles = 2000;
  OnRtl r(1, 0, o);
  r.hiding.hide(true);
  const uint64_t start = r.sim.cycles();
  const auto a = r.dev.add_state(ipsec::tb::pipelined_state(1));
  CHECK(a.status().code() == -ETIMEDOUT);
  CHECK(r.sim.cycles() - start >= 2000);
  CHECK(r.dev.sas().empty());
  CHECK(r.counter("ipsec_add_sa_success") == 1);  // the engine has it; the driver does not

  r.hiding.hide(false);
  r.dev.settle();
  CHECK(r.counter("ipsec_del_sa_success") == 1);  // now neither has it
  CHECK(r.dev.images_reserved() == 0);
  CHECK(r.dev.rx_handles_in_use().empty());
  CHECK(r.dev.add_state(ipsec::tb::pipelined_state(1)).ok());
  CHECK(r.counter("ipsec_add_sa_fail") == 0);
}

TEST_CASE("RTL: 1,000 SAs added back to back take at most 150 clocks each") {
  OnRtl r;
  const ipsec::tb::PipelinedAdds p = ipsec::tb::add_pipelined(r.dev, 1000);
  MESSAGE("sa_add.pipelined_cycles_per_sa = " << p.cycles_per_sa());
  CHECK(p.cycles_per_sa() <= 150.0);
  CHECK(r.dev.sas().size() == 1000);
  CHECK(r.counter("ipsec_add_sa_success") == 1000);
  CHECK(r.counter("ipsec_cmd_drop") == 0);
  // The table holds 1,024: the 1,025th SA does not fit.
  for (int i = 1000; i < 1024; ++i) REQUIRE(r.dev.add_state(ipsec::tb::pipelined_state(i)).ok());
  CHECK(r.dev.add_state(ipsec::tb::pipelined_state(1024)).status().code() == -EEXIST);
}

TEST_CASE("RTL: one ADD waited for costs 39 writes and 3 reads, the interrupt saying when") {
  OnRtl r;
  const drv::BusAccessCounts before = r.dev.bus_accesses();
  const uint64_t start = r.sim.cycles();
  REQUIRE(r.dev.add_state(ipsec::tb::pipelined_state(0)).ok());
  MESSAGE("one blocking ADD_SA_V2: " << r.sim.cycles() - start << " clocks");
  CHECK(r.dev.bus_accesses().writes - before.writes == 37 + 1 + 1);  // window, doorbell, pop
  CHECK(r.dev.bus_accesses().reads - before.reads == 3);  // CMD_STATUS, RSP_WORD0, RSP_WORD1
}
