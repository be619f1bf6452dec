// The asynchronous command path (mlx5's SBU connection: credits, in-order completions on the
// interrupt, per-command timeouts), the kernel's delete/free split with its deferred work,
// and the kernel log, against the control-plane reference model.
#include <doctest/doctest.h>

#include <cerrno>
#include <set>
#include <string>
#include <vector>

#include "driver_fixture.h"
#include "esn.h"
#include "response_hiding_bus.h"

namespace drv = ipsec::driver;
namespace model = ipsec::model;
using ipsec::tb::DriverOnModel;

namespace {

constexpr uint32_t kOpAddSaV2 = 2;
constexpr uint32_t kOpDelSaV2 = 3;
constexpr uint32_t kOpModSaV2 = 4;

// The driver on the model through a ResponseHidingBus.
struct HiddenResponses {
  explicit HiddenResponses(drv::DeviceOptions o = {}) : bus(model), device(bus, with_iv(o)) {
    device.set_observer([this](const drv::BusTransfer& t) {
      if (t.kind == drv::BusTransfer::Kind::kCommand) ops.push_back(drv::decode_sa_image(t.bytes).cmd);
    });
  }
  static drv::DeviceOptions with_iv(drv::DeviceOptions o) {
    o.seq_iv = ipsec::tb::constant_seq_iv();
    return o;
  }
  model::CtrlModel model;
  ipsec::tb::ResponseHidingBus bus;
  drv::IpsecDevice device;
  std::vector<uint32_t> ops;
};

bool log_has(const drv::KernelLog& log, drv::LogLevel level, const std::string& text) {
  for (const drv::LogLine& l : log.lines()) {
    if (l.level == level && l.text == text) return true;
  }
  return false;
}

std::string log_text(const drv::KernelLog& log) { return log.dmesg(); }

}  // namespace

// ---- credits and order --------------------------------------------------------------------

TEST_CASE("eight commands go out at once, and a ninth waits for a credit and is never dropped") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  f.model.hold_commands(true);  // nothing completes until released
  std::vector<int> completed;
  std::vector<drv::SaId> ids;
  for (int i = 0; i < 9; ++i) {
    auto id = f.device.add_state_async(ipsec::tb::tx_state(0x100 + static_cast<uint32_t>(i)),
                                       [&completed, i](const drv::Status& s) {
                                         CHECK(s.ok());
                                         completed.push_back(i);
                                       });
    REQUIRE(id.ok());
    ids.push_back(*id);
  }
  CHECK(f.device.commands().in_flight() == 8);
  CHECK(f.device.commands().backlog() == 1);
  CHECK(f.model.outstanding() == 8);
  CHECK(f.model.doorbells() == 1 + 8);  // SET_CAP, then eight ADDs
  CHECK(completed.empty());

  f.model.hold_commands(false);
  f.device.settle();
  CHECK(completed == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8});  // in order
  CHECK(f.device.sas().size() == 9);
  CHECK(f.model.sa_count() == 9);
  CHECK(f.model.counter(model::CtrlCounter::kCmdDrop) == 0);
  CHECK(f.model.counter(model::CtrlCounter::kAddSaSuccess) == 9);
  CHECK(f.device.commands().stats().backlogged == 1);
  for (drv::SaId id : ids) CHECK(f.device.find(id) != nullptr);
}

TEST_CASE("completions are taken on the interrupt: nothing is read while the line is low") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  f.model.hold_commands(true);
  int done = 0;
  for (uint32_t spi : {1u, 2u, 3u}) {
    REQUIRE(f.device.add_state_async(ipsec::tb::tx_state(spi), [&](const drv::Status& s) {
      CHECK(s.ok());
      ++done;
    }).ok());
  }
  const drv::BusAccessCounts before = f.device.bus_accesses();
  f.model.wait_cycles(100);
  REQUIRE_FALSE(f.model.irq());
  CHECK(f.device.service().ok());
  CHECK(f.device.bus_accesses().reads == before.reads);
  CHECK(done == 0);

  f.model.hold_commands(false);
  f.model.wait_cycles(100);  // all three answered: one interrupt takes them all
  REQUIRE(f.model.irq());
  CHECK(f.device.service().ok());
  CHECK(done == 3);
  // Per response: CMD_STATUS, RSP_WORD0, RSP_WORD1.
  CHECK(f.device.bus_accesses().reads - before.reads == 3 * 3);
  CHECK(f.device.bus_accesses().writes - before.writes == 3);  // three RSP_POPs
  CHECK_FALSE(f.model.irq());
}

TEST_CASE("a doorbell past the credits is dropped by the device, and the driver finds out and recovers") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  std::vector<drv::Status> results;
  for (uint32_t i = 0; i < 9; ++i) {
    if (i == 8) f.device.overrun_next_command_for_test();
    REQUIRE(f.device.add_state_async(ipsec::tb::rx_state(0x200 + i), [&](const drv::Status& s) {
      results.push_back(s);
    }).ok());
  }
  CHECK(f.device.commands().in_flight() == 9);  // the driver rang nine doorbells
  CHECK(f.model.outstanding() == 8);             // the device took eight
  CHECK(f.model.counter(model::CtrlCounter::kCmdDrop) == 1);

  f.device.settle();
  REQUIRE(results.size() == 9);
  // The dropped one is found at the first look at CMD_STATUS, before any response is
  // matched to it: it fails first, the eight others succeed.
  CHECK(results[0].code() == -EIO);
  CHECK(results[0].message().find("dropped by the device") != std::string::npos);
  for (size_t i = 1; i < 9; ++i) CHECK(results[i].ok());
  CHECK(f.device.commands().stats().dropped == 1);
  CHECK(f.device.sas().size() == 8);
  CHECK(f.device.rx_handles_in_use().size() == 8);  // the dropped SA's handle is free again
  CHECK(f.device.images_reserved() == 8);
  CHECK(f.device.commands().in_flight() == 0);

  // The tables agree: the ninth goes in now, and every SA comes out with a successful DEL.
  auto again = f.device.add_state(ipsec::tb::rx_state(0x208));
  REQUIRE(again.ok());
  CHECK(f.model.sa_count() == 9);
  std::vector<drv::SaId> live;
  for (const auto& [id, sa] : f.device.sas()) live.push_back(id);
  for (drv::SaId id : live) CHECK(f.device.delete_state(id).ok());
  CHECK(f.model.sa_count() == 0);
  CHECK(f.device.images_reserved() == 0);
  CHECK(log_text(f.device.kernel_log()).find("was dropped by the device: its command queue was full") !=
        std::string::npos);
}

// ---- timeouts -------------------------------------------------------------------------------

TEST_CASE("an ADD answered after its timeout fails with -ETIMEDOUT and leaves no SA behind") {
  drv::DeviceOptions o;
  o.commands.timeout_cycles = 500;
  HiddenResponses h(o);
  REQUIRE(h.device.probe().ok());
  h.bus.hide(true);
  const uint64_t start = h.model.cycle();
  const auto r = h.device.add_state(ipsec::tb::rx_state(0x300));
  CHECK(r.status().code() == -ETIMEDOUT);
  CHECK(r.status().message() == "ADD_SA_V2: no response to ADD_SA_V2 within 500 clocks");
  CHECK(h.model.cycle() - start >= 500);
  CHECK(h.model.sa_count() == 1);  // the engine did install it: only its answer is late
  CHECK(h.device.sas().empty());
  CHECK(h.device.commands().in_flight() == 1);  // still holds its slot in the device
  CHECK(log_has(h.device.kernel_log(), drv::LogLevel::kWarn,
                "mlx5_core 0000:01:00.0: FPGA: mlx5_fpga_ipsec_cmd_wait: Failure waiting for "
                "IPSec command response"));
  // Meanwhile its handle and image are given to no one else.
  CHECK(h.device.rx_handles_in_use() == std::set<uint32_t>{1});
  CHECK(h.device.images_reserved() == 1);

  h.bus.hide(false);
  h.device.settle();  // the late success is taken; deferred work sends the DEL
  CHECK(h.ops.back() == kOpDelSaV2);
  CHECK(h.model.sa_count() == 0);
  CHECK(h.device.sas().empty());
  CHECK(h.device.rx_handles_in_use().empty());
  CHECK(h.device.images_reserved() == 0);
  CHECK(h.device.commands().stats().late_responses == 1);
  CHECK(h.device.stats().add_cleanups == 1);
  CHECK(log_has(h.device.kernel_log(), drv::LogLevel::kWarn,
                "mlx5_core 0000:01:00.0: FPGA: mlx5_fpga_ipsec_create_sa_ctx: ADD_SA_V2 of RX SA "
                "spi 0x00000300 10.0.0.1 -> 10.0.1.1 succeeded after its timeout: deleting it "
                "from the device"));
  // And the same state offloads normally now.
  CHECK(h.device.add_state(ipsec::tb::rx_state(0x300)).ok());
  CHECK(h.model.sa_count() == 1);
}

TEST_CASE("an ADD refused after its timeout needs no DEL") {
  drv::DeviceOptions o;
  o.commands.timeout_cycles = 500;
  HiddenResponses h(o);
  REQUIRE(h.device.probe().ok());
  h.model.fail_next_command(2);  // SADB_ISSUE
  h.bus.hide(true);
  CHECK(h.device.add_state(ipsec::tb::tx_state(0x310)).status().code() == -ETIMEDOUT);
  h.bus.hide(false);
  h.device.settle();
  CHECK(h.ops.back() == kOpAddSaV2);
  CHECK(h.device.images_reserved() == 0);
  CHECK(h.device.stats().add_cleanups == 0);
}

TEST_CASE("a response that vanishes fails its ADD with -EIO and the SA is taken out again") {
  HiddenResponses h;
  REQUIRE(h.device.probe().ok());
  h.bus.drop_next_response();
  const auto r = h.device.add_state(ipsec::tb::rx_state(0x320));
  CHECK(r.status().code() == -EIO);
  CHECK(r.status().message().find("accepted by the device but its response never came") !=
        std::string::npos);
  h.device.settle();
  CHECK(h.ops.back() == kOpDelSaV2);
  CHECK(h.model.sa_count() == 0);
  CHECK(h.device.images_reserved() == 0);
  CHECK(h.device.commands().stats().no_response == 1);
}

TEST_CASE("a backlogged command times out too when no credit ever frees") {
  drv::DeviceOptions o;
  o.commands.timeout_cycles = 300;
  HiddenResponses h(o);
  REQUIRE(h.device.probe().ok());
  h.bus.hide(true);
  std::vector<int> codes;
  for (uint32_t i = 0; i < 9; ++i) {
    REQUIRE(h.device.add_state_async(ipsec::tb::tx_state(0x400 + i), [&](const drv::Status& s) {
      codes.push_back(s.code());
    }).ok());
  }
  h.device.settle();  // returns: every command had its first completion
  CHECK(codes == std::vector<int>(9, -ETIMEDOUT));
  CHECK(h.device.commands().in_flight() == 8);  // their answers still owed
  CHECK(h.device.commands().backlog() == 0);    // the ninth never went out
  CHECK(h.model.doorbells() == 1 + 8);
  h.bus.hide(false);
  h.device.settle();
  CHECK(h.model.sa_count() == 0);  // eight late successes, eight DELs
  CHECK(h.device.images_reserved() == 0);
}

// ---- delete and free ----------------------------------------------------------------------

TEST_CASE("delete is immediate, DEL goes out from free, an RX handle is reused only after its DEL") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  const auto a = f.device.add_state(ipsec::tb::rx_state(0x500));
  REQUIRE(a.ok());
  REQUIRE(f.device.find(*a)->rx_handle == 1);
  const size_t sent = f.commands.size();

  REQUIRE(f.device.state_delete(*a).ok());  // xdo_dev_state_delete: no command
  CHECK(f.commands.size() == sent);
  CHECK(f.device.find(*a) == nullptr);
  CHECK(f.device.find_rx(1) == nullptr);  // RX metadata no longer finds it
  CHECK(f.model.sa_count() == 1);         // still in the engine
  CHECK(f.device.dying() == 1);
  CHECK(f.device.state_delete(*a).code() == -ENOENT);

  // Handle 1 is still taken: the next RX SA gets 2.
  const auto b = f.device.add_state(ipsec::tb::rx_state(0x501));
  REQUIRE(b.ok());
  CHECK(f.device.find(*b)->rx_handle == 2);

  // xdo_dev_state_free, deferred as the xfrm GC work defers it.
  f.device.queue_work([&] { CHECK(f.device.state_free(*a).ok()); });
  CHECK(f.commands.size() == sent + 1);  // only b's ADD so far
  f.device.run_deferred_work();
  CHECK(f.opcodes().back() == kOpDelSaV2);
  CHECK(f.device.state_free(*a).code() == -EALREADY);
  CHECK(f.device.rx_handles_in_use() == std::set<uint32_t>{1, 2});  // DEL not yet complete
  f.device.settle();
  CHECK(f.device.dying() == 0);
  CHECK(f.model.sa_count() == 1);
  CHECK(f.device.rx_handles_in_use() == std::set<uint32_t>{2});
  const auto c = f.device.add_state(ipsec::tb::rx_state(0x502));
  REQUIRE(c.ok());
  CHECK(f.device.find(*c)->rx_handle == 1);
  CHECK(f.device.state_free(*a).code() == -ENOENT);
}

TEST_CASE("a failed DEL keeps the image, warns in the kernel log and counts") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  const auto id = f.device.add_state(ipsec::tb::rx_state(0x600));
  REQUIRE(id.ok());
  f.model.fail_next_command(3);  // WRITE_RESPONSE_ISSUE
  REQUIRE(f.device.state_delete(*id).ok());
  drv::Status result;
  REQUIRE(f.device.state_free(*id, [&](const drv::Status& s) { result = s; }).ok());
  f.device.settle();
  CHECK(result.code() == -EIO);
  CHECK(f.device.stats().del_failed == 1);
  CHECK(f.device.dying() == 0);
  CHECK(f.device.rx_handles_in_use().empty());  // the handle goes all the same
  CHECK(f.device.images_reserved() == 1);       // the image does not
  CHECK(f.device.kernel_log().warnings() >= 1);
  CHECK(log_has(f.device.kernel_log(), drv::LogLevel::kWarn,
                "mlx5_core 0000:01:00.0: FPGA: mlx5_fpga_ipsec_release_sa_ctx: WARNING: DEL_SA_V2 "
                "of RX SA spi 0x00000600 10.0.0.1 -> 10.0.1.1 failed (-5 EIO): its image stays "
                "reserved"));
  CHECK(log_has(f.device.kernel_log(), drv::LogLevel::kWarn,
                "mlx5_core 0000:01:00.0: FPGA: mlx5_fpga_ipsec_recv: IPSec command failed with "
                "syndrome 00000003"));
  // The same image can never be offloaded again (the kernel's sa_hash entry stays).
  CHECK(f.device.add_state(ipsec::tb::rx_state(0x600)).status().code() == -EEXIST);
  // ethtool -S keeps its 22 names.
  const auto stats = f.device.ethtool_stats();
  REQUIRE(stats.ok());
  CHECK(stats->size() == 22);
}

// ---- ESN from deferred work ---------------------------------------------------------------

TEST_CASE("ESN MOD_SA_V2 goes out from deferred work while adds are in flight") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  ipsec::tb::StateSpec spec;
  spec.dir = drv::OffloadDirection::kIn;
  spec.esn = true;
  spec.spi = 0x700;
  const auto esn_sa = f.device.add_state(ipsec::tb::offloadable_state(spec));
  REQUIRE(esn_sa.ok());
  f.model.hold_commands(true);
  for (uint32_t i = 0; i < 3; ++i) {
    REQUIRE(f.device.add_state_async(ipsec::tb::tx_state(0x710 + i)).ok());
  }
  // The window bottom passes 2^31: ESN_OVERLAP must be set.
  drv::XfrmReplayState replay;
  replay.seq = 0x80000100u;
  REQUIRE(f.device.advance_esn_deferred(*esn_sa, replay).ok());
  CHECK(f.device.deferred_work() == 1);
  CHECK(f.opcodes().back() == kOpAddSaV2);  // nothing sent from the caller's context

  f.device.run_deferred_work();
  CHECK(f.opcodes().back() == kOpModSaV2);
  CHECK(f.device.commands().in_flight() == 4);  // behind the three adds
  f.model.hold_commands(false);
  f.device.settle();
  CHECK(f.device.sas().size() == 4);
  const drv::OffloadedSa* sa = f.device.find(*esn_sa);
  REQUIRE(sa != nullptr);
  CHECK(sa->attrs.esn.overlap);
  const model::SaEntry* e = f.model.find_sa(ipsec::tb::model_key(*sa));
  REQUIRE(e != nullptr);
  CHECK(e->esn_overlap);
  CHECK(f.device.stats().esn_failed == 0);

  // Two updates queued back to back for one change send one MOD.
  const size_t sent = f.commands.size();
  replay.seq = 0x80000200u;
  REQUIRE(f.device.advance_esn_deferred(*esn_sa, replay).ok());
  REQUIRE(f.device.advance_esn_deferred(*esn_sa, replay).ok());
  f.device.settle();
  CHECK(f.commands.size() == sent);  // nothing changed: overlap already set
}

TEST_CASE("a failed deferred ESN update warns, counts and keeps the old image") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  ipsec::tb::StateSpec spec;
  spec.dir = drv::OffloadDirection::kIn;
  spec.esn = true;
  const auto id = f.device.add_state(ipsec::tb::offloadable_state(spec));
  REQUIRE(id.ok());
  const drv::SaImage before = f.device.find(*id)->image;
  f.model.fail_next_command(1);
  drv::XfrmReplayState replay;
  replay.seq = 0x80000100u;
  REQUIRE(f.device.advance_esn_deferred(*id, replay).ok());
  f.device.settle();
  CHECK(f.device.stats().esn_failed == 1);
  CHECK(f.device.find(*id)->image == before);
  CHECK_FALSE(f.device.find(*id)->attrs.esn.overlap);
  CHECK(f.device.kernel_log().dmesg().find(
            "mlx5_core 0000:01:00.0 eth0: Failed to update the ESN state of RX SA spi 0x00001000") !=
        std::string::npos);
}

// ---- the kernel log -----------------------------------------------------------------------

TEST_CASE("validation refusals go to the given kernel log as netdev_info, stamped with the clock") {
  drv::KernelLog log;
  drv::DeviceOptions o;
  o.kernel_log = &log;
  o.pci_address = "0000:82:00.0";
  DriverOnModel f(model::CtrlModelConfig{}, o);
  REQUIRE(f.device.probe().ok());
  CHECK(&f.device.kernel_log() == &log);
  f.model.wait_cycles(77);
  drv::XfrmState x = ipsec::tb::tx_state();
  REQUIRE(x.attach_comp({"deflate"}).ok());
  CHECK(f.device.add_state(x).status().code() == -EINVAL);
  REQUIRE(log.lines().size() == 1);
  CHECK(log.lines()[0].level == drv::LogLevel::kInfo);
  CHECK(log.lines()[0].cycle == f.model.cycle());
  CHECK(log.lines()[0].text == "mlx5_core 0000:82:00.0 eth0: Cannot offload compressed xfrm states");
  CHECK(log.dmesg() == "[" + std::string(12 - std::to_string(f.model.cycle()).size(), ' ') +
                           std::to_string(f.model.cycle()) +
                           "] mlx5_core 0000:82:00.0 eth0: Cannot offload compressed xfrm states\n");
}

TEST_CASE("--cmd-log lines carry the doorbell's and the completion's cycles") {
  model::CtrlModelConfig c;
  c.exec_cycles = 10;
  DriverOnModel f(c);
  REQUIRE(f.device.probe().ok());
  f.model.wait_cycles(1000);
  const uint64_t start = f.model.cycle();
  REQUIRE(f.device.add_state(ipsec::tb::tx_state()).ok());
  const std::string cmd = f.timed_log.at(f.timed_log.size() - 2);
  const std::string rsp = f.timed_log.back();
  // The ctrl model's bus accesses take no time: the doorbell is at `start`, the response
  // is seen at the first look after exec_cycles.
  CHECK(cmd.substr(cmd.find(" doorbell=")) == " doorbell=" + std::to_string(start));
  const uint64_t done = f.model.cycle();
  CHECK(done - start >= 10);
  CHECK(rsp == "rsp 0000000000000000 doorbell=" + std::to_string(start) +
                   " completion=" + std::to_string(done));
}
