// The driver on the Verilated RTL with a fault injector between them (sim/fault_injector.h),
// and a way to read the engine's SA table without trusting the driver: for each image the
// driver ever sent with ADD, the bench sends the same image with ADD_SA_V2 itself, on the
// engine's own bus (under the injector): the engine answers SADB_ISSUE (2) when it holds
// the SA (a duplicate, contract section 3) and success when it does not, in which case the
// bench deletes it again. So "the tables agree" is checked image by image: the engine
// holds an image exactly when the driver has a live SA with it.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <ios>
#include <set>
#include <string>
#include <vector>

#include "byte_order.h"
#include "driver/generated/ipsec_regs.h"
#include "driver_fixture.h"
#include "engine_sim.h"
#include "fault_injector.h"
#include "ipsec_device.h"
#include "kernel_log.h"
#include "test_seed.h"

namespace ipsec::tb {

class FaultBench {
 public:
  explicit FaultBench(driver::CompletionWait wait = driver::CompletionWait::kInterrupt)
      : sim_(sim::EngineSimOptions{test_seed(), 0, 0}),
        faults_(sim_.bus()),
        dev_(faults_, options(wait, &log_)) {
    dev_.set_observer([this](const driver::BusTransfer& t) {
      if (t.kind != driver::BusTransfer::Kind::kCommand || t.bytes.size() != driver::kSaImageV2Bytes) return;
      if (driver::load_be32(t.bytes.data()) != static_cast<uint32_t>(driver::SaOpcode::kAddSaV2)) return;
      driver::SaImage::Array a{};
      std::copy(t.bytes.begin() + 4, t.bytes.end(), a.begin() + 4);  // opcode field zero
      added_.insert(driver::SaImage(a));
    });
    const driver::Status s = dev_.probe();
    REQUIRE_MESSAGE(s.ok(), "probe: " << s.message());
    log_from_ = log_.lines().size();
  }

  static driver::DeviceOptions options(driver::CompletionWait wait, driver::KernelLog* log) {
    driver::DeviceOptions o;
    o.seq_iv = constant_seq_iv();
    o.kernel_log = log;
    o.commands.wait = wait;
    // An engine answers in a few hundred clocks; a fault that withholds an answer should
    // not cost the default 100,000.
    o.commands.timeout_cycles = kTimeout;
    return o;
  }

  static constexpr uint64_t kTimeout = 4000;

  sim::EngineSim& sim() { return sim_; }
  sim::FaultInjector& faults() { return faults_; }
  driver::IpsecDevice& dev() { return dev_; }
  driver::KernelLog& log() { return log_; }

  // The kernel log since the probe.
  std::string dmesg() const { return log_.dmesg(log_from_); }
  bool logged(const std::string& text) const { return dmesg().find(text) != std::string::npos; }

  uint64_t counter(const std::string& name) {
    auto stats = dev_.ethtool_stats();
    REQUIRE(stats.ok());
    for (const auto& s : *stats) {
      if (s.name == name) return s.value;
    }
    FAIL("no counter " << name);
    return 0;
  }

  // The engine holds an SA with this image (see the file comment). Leaves the engine's
  // table as it found it; counts in add_sa_* and del_sa_* as the probe commands do.
  bool engine_holds(const driver::SaImage& image) {
    const uint32_t syndrome = raw_command(image.command(driver::SaOpcode::kAddSaV2));
    if (syndrome == 2) return true;
    REQUIRE_MESSAGE(syndrome == 0, "probe ADD answered syndrome " << syndrome);
    REQUIRE(raw_command(image.command(driver::SaOpcode::kDelSaV2)) == 0);
    return false;
  }

  bool driver_holds(const driver::SaImage& image) const {
    for (const auto& [id, sa] : dev_.sas()) {
      if (sa.image == image) return true;
    }
    return false;
  }

  // The driver settles (deferred work, outstanding commands), then every image it ever sent
  // with ADD is held by the engine exactly when the driver holds it live. Returns how many
  // the engine holds.
  size_t check_tables_agree() {
    dev_.settle();
    REQUIRE_MESSAGE(faults_.armed() == 0, "a fault was armed but never fired");
    size_t held = 0;
    for (const driver::SaImage& image : added_) {
      const bool engine = engine_holds(image), driver = driver_holds(image);
      INFO("SPI " << std::hex << driver::load_be32(image.bytes().data() + driver::sa_image::kSpi)
                  << "; kernel log:\n" << dmesg());
      CHECK(engine == driver);
      held += engine;
    }
    CHECK(held == dev_.sas().size());
    return held;
  }

 private:
  // One command on the engine's own bus, the response popped: its syndrome.
  uint32_t raw_command(const std::vector<uint8_t>& cmd) {
    driver::RegisterBus& bus = sim_.bus();
    for (size_t i = 0; i < cmd.size() / 4; ++i) {
      REQUIRE(bus.write32(IPSEC_REGS_CMD_WINDOW_OFFSET + static_cast<uint32_t>(4 * i),
                          driver::load_be32(&cmd[4 * i])) == driver::BusStatus::kOk);
    }
    REQUIRE(bus.write32(IPSEC_REGS_CMD_DOORBELL_OFFSET, static_cast<uint32_t>(cmd.size())) ==
            driver::BusStatus::kOk);
    uint32_t status = 0;
    for (int i = 0; i < 1000 && !(status & IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK); ++i) {
      bus.wait_cycles(4);
      REQUIRE(bus.read32(IPSEC_REGS_CMD_STATUS_OFFSET, status) == driver::BusStatus::kOk);
    }
    REQUIRE_MESSAGE((status & IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK), "the engine never answered a probe");
    uint32_t syndrome = 0;
    REQUIRE(bus.read32(IPSEC_REGS_RSP_WORD0_OFFSET, syndrome) == driver::BusStatus::kOk);
    REQUIRE(bus.write32(IPSEC_REGS_RSP_POP_OFFSET, 1) == driver::BusStatus::kOk);
    return syndrome;
  }

  sim::EngineSim sim_;
  sim::FaultInjector faults_;
  driver::KernelLog log_;
  driver::IpsecDevice dev_;
  size_t log_from_ = 0;
  std::set<driver::SaImage> added_;
};

}  // namespace ipsec::tb
