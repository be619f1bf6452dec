// The whole engine under test: the Verilated RTL (EngineSim) beside the reference model
// (EngineModel), each driven by its own instance of the same driver. Every SA operation goes
// to both and must answer the same; every frame goes to both and what leaves the RTL, port
// by port and in order, must be what the model predicts; the counters the driver reads
// (ethtool -S) must be equal.
#pragma once

#include <doctest/doctest.h>

#include <deque>
#include <string>

#include "bytes.h"
#include "engine_model.h"
#include "engine_sim.h"
#include "frames.h"
#include "ipsec_device.h"
#include "test_seed.h"

namespace ipsec::tb {

class EngineFixture {
 public:
  explicit EngineFixture(uint64_t seed, int stall = 0, int axil_delay = 0)
      : sim_(sim::EngineSimOptions{seed, stall, axil_delay,
#ifdef IPSEC_RTL_BUILD_CHECKING  // test_engine_checking (sim/CMakeLists.txt)
                                   sim::RtlBuild::kChecking}),
#else
                                   sim::RtlBuild::kFast}),
#endif
        dut_(sim_.bus(), device_options(seed)),
        ref_(model_, device_options(seed)) {}

  static driver::DeviceOptions device_options(uint64_t seed) {
    driver::DeviceOptions o;
    o.seq_iv = driver::seeded_seq_iv(seed);
    return o;
  }

  void probe() {
    const driver::Status a = dut_.probe(), b = ref_.probe();
    REQUIRE_MESSAGE(a.ok(), "probe of the RTL: " << a.message());
    REQUIRE_MESSAGE(b.ok(), "probe of the model: " << b.message());
  }

  // The same state to both devices; both must answer alike. Returns the RTL's answer.
  driver::StatusOr<driver::SaId> add(const driver::XfrmState& x) {
    auto a = dut_.add_state(x);
    auto b = ref_.add_state(x);
    CHECK_MESSAGE(a.status().code() == b.status().code(),
                  "add: RTL " << a.status().message() << " / model " << b.status().message());
    return a;
  }

  driver::Status remove(driver::SaId id) {
    const driver::Status a = dut_.delete_state(id), b = ref_.delete_state(id);
    CHECK_MESSAGE(a.code() == b.code(), "delete: RTL " << a.message() << " / model " << b.message());
    return a;
  }

  void host_tx(const Bytes& frame, bool tuser = false, const std::string& what = "") {
    const model::FrameResult r = model_.host_tx(frame, tuser);
    if (r.out) want_wire_.push_back({*r.out, what + " | " + describe(frame)});
    sim_.host_tx(frame, tuser);
  }

  void wire_rx(const Bytes& frame, bool tuser = false, const std::string& what = "") {
    const model::FrameResult r = model_.wire_rx(frame, tuser);
    if (r.out) want_host_.push_back({*r.out, what + " | " + describe(frame)});
    sim_.wire_rx(frame, tuser);
  }

  // Runs the RTL until quiet and checks every frame that left against the model.
  void run_and_check() {
    sim_.run();
    check_port(sim_.wire_tx(), want_wire_, "wire TX");
    check_port(sim_.host_rx(), want_host_, "host RX");
  }

  // ethtool -S of both: the 14 hardware counters must agree.
  void check_counters() {
    auto a = dut_.ethtool_stats();
    auto b = ref_.ethtool_stats();
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    for (size_t i = 0; i < 14; ++i) {
      INFO(a.value()[i].name << "; " << seed_hint());
      CHECK(a.value()[i].value == b.value()[i].value);
    }
  }

  uint64_t counter(const std::string& name) {
    auto a = dut_.ethtool_stats();
    REQUIRE(a.ok());
    for (const auto& s : a.value()) {
      if (s.name == name) return s.value;
    }
    FAIL("no counter " << name);
    return 0;
  }

  // The datapath's key of an offloaded SA (contract section 3: direction, addresses, SPI).
  model::SaKey key_of(driver::SaId id) {
    const driver::OffloadedSa* sa = dut_.find(id);
    REQUIRE(sa);
    model::SaKey k;
    k.tx = !sa->inbound();
    k.ipv6 = sa->state.daddr.is_v6();
    const size_t off = k.ipv6 ? 0 : 12;  // IPv4 in the last word
    std::copy(sa->state.saddr.data(), sa->state.saddr.data() + sa->state.saddr.size(), k.sip.begin() + off);
    std::copy(sa->state.daddr.data(), sa->state.daddr.data() + sa->state.daddr.size(), k.dip.begin() + off);
    k.spi = sa->state.spi;
    return k;
  }

  sim::EngineSim& sim() { return sim_; }
  model::EngineModel& model() { return model_; }
  driver::IpsecDevice& dut() { return dut_; }
  driver::IpsecDevice& ref() { return ref_; }
  size_t frames_expected() const { return want_wire_.size() + want_host_.size(); }

 private:
  struct Want {
    Bytes frame;
    std::string what;
  };

  void check_port(std::deque<sim::OutFrame>& got, std::deque<Want>& want, const char* port) {
    while (!got.empty()) {
      sim::OutFrame f = std::move(got.front());
      got.pop_front();
      if (f.user) continue;  // discarded by the MAC: a drop
      REQUIRE_MESSAGE(!want.empty(), port << ": the RTL sent a frame the model dropped: "
                                          << describe(f.data) << "; " << seed_hint());
      INFO(std::string(port) << " frame: " << want.front().what << "; " << seed_hint());
      CHECK_MESSAGE(first_difference(f.data, want.front().frame) == "",
                    first_difference(f.data, want.front().frame));
      want.pop_front();
    }
    INFO(seed_hint());
    CHECK_MESSAGE(want.empty(), port << ": " << want.size() << " frames the model sent never left the RTL, first: "
                                     << (want.empty() ? std::string() : want.front().what));
    want.clear();
  }

  sim::EngineSim sim_;
  model::EngineModel model_;
  driver::IpsecDevice dut_;
  driver::IpsecDevice ref_;
  std::deque<Want> want_wire_, want_host_;
};

}  // namespace ipsec::tb
