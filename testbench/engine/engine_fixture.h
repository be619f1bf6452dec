// The whole engine under test: the Verilated RTL (EngineSim) beside the reference model
// (EngineModel), each driven by its own instance of the same driver. Every SA operation goes
// to both and must answer the same; every frame goes to both and what leaves the RTL, port
// by port and in order, must be what the model predicts; the counters the driver reads
// (ethtool -S) must be equal.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "bytes.h"
#include "engine_model.h"
#include "engine_sim.h"
#include "frame_coverage.h"
#include "frames.h"
#include "ipsec_device.h"
#include "test_seed.h"

namespace ipsec::tb {

class EngineFixture {
 public:
  // `host_tx_stall`: the host TX source's own pause percentage (-1: `stall`).
  explicit EngineFixture(uint64_t seed, int stall = 0, int axil_delay = 0, int host_tx_stall = -1)
      : sim_(sim_options(seed, stall, axil_delay, host_tx_stall)),
        model_(model_config()),
        dut_(sim_.bus(), device_options(seed)),
        ref_(model_, device_options(seed)),
        stall_(stall) {}

  // The options by name: EngineSimOptions grows, and a positional list would put a value
  // into whichever field now stands at its place.
  static sim::EngineSimOptions sim_options(uint64_t seed, int stall, int axil_delay,
                                           int host_tx_stall) {
    sim::EngineSimOptions o;
    o.seed = seed;
    o.stall_percent = stall;
    o.axil_delay_percent = axil_delay;
#if defined(IPSEC_RTL_BUILD_PACKET)  // test_engine_packet (sim/CMakeLists.txt)
    o.build = sim::RtlBuild::kPacket;
#elif defined(IPSEC_RTL_BUILD_CHECKING)  // test_engine_checking
    o.build = sim::RtlBuild::kChecking;
#else
    o.build = sim::RtlBuild::kFast;
#endif
    o.host_tx_stall_percent = host_tx_stall;
    return o;
  }

  // The model is the engine the RTL build is: with packet offload on the packet build.
  static model::CtrlModelConfig model_config() {
    model::CtrlModelConfig c;
#ifdef IPSEC_RTL_BUILD_PACKET
    c.packet_offload = true;
#endif
    return c;
  }

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
    if (a.ok()) {
      modes_[key_of(*a)] = x.mode == driver::XfrmMode::kTunnel ? EspMode::kTunnel : EspMode::kTransport;
    }
    return a;
  }

  driver::Status remove(driver::SaId id) {
    const std::optional<model::SaKey> key =
        dut_.find(id) ? std::optional<model::SaKey>(key_of(id)) : std::nullopt;
    const driver::Status a = dut_.delete_state(id), b = ref_.delete_state(id);
    CHECK_MESSAGE(a.code() == b.code(), "delete: RTL " << a.message() << " / model " << b.message());
    if (a.ok() && key) modes_.erase(*key);
    return a;
  }

  // The xfrm mode of each SA added through add(): what RandomFrames::set_modes() takes, and
  // the mode in the kind of SA functional coverage records.
  const std::map<model::SaKey, EspMode>& modes() const { return modes_; }

  // From now on, every frame sent through host_tx() and wire_rx() is sampled into functional
  // coverage (frame_coverage.h) as the model classifies it, under the name `test`, at the
  // stall level of this fixture's ports; written to $IPSEC_FCOV_DIR when the fixture goes.
  void record_coverage(const std::string& test) { fcov_.emplace(test); }

  void host_tx(const Bytes& frame, bool tuser = false, const std::string& what = "") {
    const std::optional<Bytes> aborted =
        tx_aborted(frame, tuser, [this](const model::SaKey& k) { return model_.lookup(k); }, model_.control());
    const model::FrameResult r = model_.host_tx(frame, tuser);
    sample(true, frame, r);
    if (r.out) {
      want_wire_.push_back({*r.out, false, what + " | " + describe(frame)});
    } else if (model_.ctrl().packet_offload()) {
      // On the packet-offload build a frame the model drops either leaves marked with tuser
      // (the MAC discards it, whatever its bytes) or not at all: a packet frame's refusal or
      // lifetime verdict is known only once it is encrypted, and esp_tx's parser takes
      // datagrams up to MaxFrame + 56 bytes (for what encapsulation adds) behind a length
      // check of its own, so a crypto frame's late error may be caught at its head or at its
      // end (docs/packet_offload.md, P8).
      Want w;
      w.user = true;
      w.may_be_discarded = true;
      w.what = what + " | dropped, may leave with tuser | " + describe(frame);
      want_wire_.push_back(std::move(w));
    } else if (aborted) {
      want_wire_.push_back({*aborted, true, what + " | aborted with tuser | " + describe(frame)});
    }
    sim_.host_tx(frame, tuser);
  }

  // RX is store-and-forward: a frame with a late error never leaves, so host RX never
  // carries tuser (docs/architecture.md, "Frames").
  void wire_rx(const Bytes& frame, bool tuser = false, const std::string& what = "") {
    const model::FrameResult r = model_.wire_rx(frame, tuser);
    sample(false, frame, r);
    if (r.out) want_host_.push_back({*r.out, false, what + " | " + describe(frame)});
    sim_.wire_rx(frame, tuser);
  }

  // What the wire MAC receives, to discard it, for a TX frame the model drops because of an
  // error known only at the frame's end (docs/architecture.md, "Frames"). The TX pipeline
  // is cut-through up to the wire buffer: a frame longer than the parser's window of 10
  // beats of 16 bytes has been edited and encrypted before its end is seen, so it leaves
  // whole, edited as if the error were not there, with tuser on its last beat; it counts as
  // enc_drop (contract section 4). The late errors: a
  // MAC error (tuser), an oversize frame, and an offloaded datagram longer than its frame
  // (the engine emits zeros for the bytes that never came). Nothing when the frame is not
  // aborted so.
  static std::optional<Bytes> tx_aborted(const Bytes& frame, bool tuser, const model::SaLookup& lookup,
                                         model::DatapathControl ctl) {
    constexpr size_t kWindow = 10 * 16;
    if (frame.size() <= kWindow) return std::nullopt;  // dropped by the parser outright
    bool late = tuser || frame.size() > ctl.max_frame;
    Bytes whole = frame;
    // Metadata (section 5) at byte 12, the IP header at 22.
    constexpr size_t kIp = 22;
    auto be16 = [&](size_t at) { return static_cast<size_t>(frame[at] << 8 | frame[at + 1]); };
    if (be16(12) == 0x8CE4) {
      size_t end = 0;
      if (be16(20) == 0x0800) end = kIp + be16(kIp + 2);
      if (be16(20) == 0x86DD) end = kIp + 40 + be16(kIp + 4);
      // A datagram the largest frame could not hold is refused by the parser (a drop).
      if (end > ctl.max_frame) return std::nullopt;
      if (end > whole.size()) {
        late = true;
        whole.resize(end, 0);
      }
    }
    if (!late) return std::nullopt;
    ctl.max_frame = 65535;
    model::DatapathCounters scratch;
    model::FrameResult r = model::tx(whole, false, lookup, ctl, scratch);
    if (r.fate != model::Fate::kOut && r.fate != model::Fate::kBypass) return std::nullopt;
    return r.out;
  }

  // Runs the RTL until quiet and checks every frame that left against the model.
  void run_and_check() {
    sim_.run();
    check_port(sim_.wire_tx(), want_wire_, "wire TX");
    check_port(sim_.host_rx(), want_host_, "host RX");
  }

  // Checks the frames that left one port against the model, every frame predicted for that
  // port included, without running the RTL: the other port may still be held.
  void check_wire_tx() { check_port(sim_.wire_tx(), want_wire_, "wire TX"); }
  void check_host_rx() { check_port(sim_.host_rx(), want_host_, "host RX"); }

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
  void sample(bool tx, const Bytes& frame, const model::FrameResult& r) {
    if (!fcov_) return;
    std::optional<SaKind> kind;
    if (r.sa) {
      const std::optional<model::SaContext> ctx = model_.lookup(*r.sa);
      const auto mode = modes_.find(*r.sa);
      REQUIRE_MESSAGE((ctx && mode != modes_.end()), "a frame matched an SA the fixture did not add");
      kind = SaKind{r.sa->ipv6, mode->second == EspMode::kTunnel, ctx->key256, ctx->esn_en};
    }
    CoverFate fate = CoverFate::kDrop;
    switch (r.fate) {
      case model::Fate::kOut: fate = CoverFate::kOut; break;
      case model::Fate::kBypass: fate = CoverFate::kBypass; break;
      case model::Fate::kDrop: fate = CoverFate::kDrop; break;
      case model::Fate::kAuthFail: fate = CoverFate::kAuthFail; break;
    }
    fcov_->sample(tx, fate, frame.size(), kind, stall_level(stall_));
  }

  struct Want {
    Bytes frame;
    bool user = false;  // leaves with tuser: the MAC discards it
    std::string what;
    // Either leaves with tuser (its bytes not compared: the MAC discards them) or not at all.
    bool may_be_discarded = false;
  };

  void check_port(std::deque<sim::OutFrame>& got, std::deque<Want>& want, const char* port) {
    while (!got.empty()) {
      sim::OutFrame f = std::move(got.front());
      got.pop_front();
      // A frame with tuser is discarded by the MAC (a drop) but still on the wire: its data
      // and its flag are compared like any other's.
      // A frame that may leave discarded, or not at all: this one is it, or it did not leave.
      while (!want.empty() && want.front().may_be_discarded && !f.user) want.pop_front();
      REQUIRE_MESSAGE(!want.empty(), port << ": the RTL sent a frame the model dropped: "
                                          << describe(f.data) << (f.user ? " (tuser)" : "") << "; "
                                          << seed_hint());
      if (want.front().may_be_discarded) {
        want.pop_front();
        continue;
      }
      INFO(std::string(port) << " frame: " << want.front().what << "; " << seed_hint());
      CHECK_MESSAGE(f.user == want.front().user, "tuser " << f.user << ", predicted " << want.front().user
                                                   << "; the frame that left: " << describe(f.data));
      CHECK_MESSAGE(first_difference(f.data, want.front().frame) == "",
                    first_difference(f.data, want.front().frame));
      want.pop_front();
    }
    // Frames that may leave discarded and have not left (yet) stay for the next check, in
    // order; any other frame not seen is a failure.
    const auto missing =
        std::find_if(want.begin(), want.end(), [](const Want& w) { return !w.may_be_discarded; });
    INFO(seed_hint());
    const bool only_discardable = missing == want.end();
    CHECK_MESSAGE(only_discardable, port << ": frames the model sent never left the RTL, first: "
                                         << (only_discardable ? std::string() : missing->what));
    if (!only_discardable) want.clear();
  }

  sim::EngineSim sim_;
  model::EngineModel model_;
  driver::IpsecDevice dut_;
  driver::IpsecDevice ref_;
  std::deque<Want> want_wire_, want_host_;
  int stall_;
  std::map<model::SaKey, EspMode> modes_;
  std::optional<FrameCoverage> fcov_;
};

}  // namespace ipsec::tb
