// Wire RX traffic the engine may have to drop at its RX ingress FIFO (docs/architecture.md,
// "RX ingress"): which frames find no room depends on clocks the reference model does not
// keep, so they are checked after the run against the rule instead of frame by frame as
// they are sent.
//
// Each frame goes to the RTL only; the model's prediction is taken on the side. After the
// run, the frames that left host RX are matched in order with the predictions:
//  - a frame predicted to leave either left, byte for byte the prediction (never a part of
//    it), and the model counts it as usual; or it is missing: dropped whole at the ingress
//    FIFO, and the model counts it so (EngineModel::wire_rx_overflow: dec_drop and
//    DEC_OVERFLOW_DROP_PACKETS only);
//  - a frame predicted not to leave (an ICV failure, a truncated datagram, a MAC error ...)
//    left nothing either way, so which of those were dropped at the ingress FIFO instead is
//    read off the RTL's counters: those of its own fate that lost dec_in lost it, the ICV
//    failures among them moved from dec_auth_fail to dec_drop. The numbers must fit the
//    frames sent of each kind, and the model, so corrected, must then agree with the RTL on
//    every counter and on DEC_OVERFLOW_DROP_PACKETS.
#pragma once

#include <doctest/doctest.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "engine_fixture.h"

namespace ipsec::tb {

class RxUnderPressure {
 public:
  explicit RxUnderPressure(EngineFixture& f) : f_(f) {}

  void send(const Bytes& frame, bool tuser = false, const std::string& what = "") {
    model::DatapathCounters d;
    const model::FrameResult r =
        model::rx(frame, tuser, [this](const model::SaKey& k) { return f_.model().lookup(k); },
                  f_.model().control(), d);
    Sent s{frame, tuser, r.out, Kind::kLeaves, what};
    if (!r.out) s.kind = d.dec_auth_fail ? Kind::kAuthFail : d.dec_in ? Kind::kMatchedDrop : Kind::kDrop;
    sent_.push_back(std::move(s));
    f_.sim().wire_rx(frame, tuser);
  }

  size_t sent() const { return sent_.size(); }

  // After the run (nothing left inside): checks the frames that left and the counters as
  // above, and returns how many frames the engine dropped at the ingress FIFO.
  uint64_t reconcile() {
    INFO(seed_hint());
    auto& got = f_.sim().host_rx();
    uint64_t lost = 0;             // frames predicted to leave that did not
    uint64_t silent[3] = {0, 0, 0};  // frames predicted not to leave, by kind
    for (const Sent& s : sent_) {
      if (s.want) {
        if (!got.empty() && got.front().data == *s.want) {
          CHECK_FALSE(got.front().user);
          got.pop_front();
          f_.model().wire_rx(s.frame, s.tuser);
        } else {
          ++lost;
          f_.model().wire_rx_overflow();
        }
      } else {
        ++silent[static_cast<int>(s.kind)];
        f_.model().wire_rx(s.frame, s.tuser);
      }
    }
    CHECK_MESSAGE(got.empty(), got.size() << " frames left host RX that are no frame sent (a part of one?), first: "
                                          << (got.empty() ? std::string() : describe(got.front().data)));
    got.clear();

    // The frames predicted not to leave that were dropped at the ingress FIFO instead.
    const uint64_t overflow = f_.dut().rx_overflow_drops().value();
    REQUIRE(overflow >= lost);
    auto hw = [this](driver::HwCounter c) { return counter_of(f_.dut(), c); };
    auto ref = [this](driver::HwCounter c) { return counter_of(f_.ref(), c); };
    using driver::HwCounter;
    const uint64_t k = overflow - lost;
    const uint64_t n_auth = ref(HwCounter::kDecAuthFailPackets) - hw(HwCounter::kDecAuthFailPackets);
    const uint64_t n_in = ref(HwCounter::kDecInPackets) - hw(HwCounter::kDecInPackets);
    INFO("dropped at the ingress FIFO: " << lost << " frames that would have left, " << k
                                         << " that would not (" << n_auth << " ICV failures, " << n_in - n_auth
                                         << " other matched drops)");
    REQUIRE(n_auth <= silent[static_cast<int>(Kind::kAuthFail)]);
    REQUIRE(n_in >= n_auth);
    REQUIRE(n_in - n_auth <= silent[static_cast<int>(Kind::kMatchedDrop)]);
    REQUIRE(k >= n_in);
    REQUIRE(k - n_in <= silent[static_cast<int>(Kind::kDrop)]);
    // Correct the model for them: refused before classification, so dec_drop only.
    model::CtrlModel& m = f_.model().ctrl();
    using model::CtrlCounter;
    m.set_counter(CtrlCounter::kDecInPackets, m.counter(CtrlCounter::kDecInPackets) - n_in);
    m.set_counter(CtrlCounter::kDecAuthFailPackets, m.counter(CtrlCounter::kDecAuthFailPackets) - n_auth);
    m.count(CtrlCounter::kDecDropPackets, n_auth);
    m.count(CtrlCounter::kDecOverflowDropPackets, k);
    f_.check_counters();
    CHECK(f_.ref().rx_overflow_drops().value() == overflow);
    sent_.clear();
    return overflow;
  }

 private:
  enum class Kind { kDrop = 0, kMatchedDrop = 1, kAuthFail = 2, kLeaves = 3 };
  struct Sent {
    Bytes frame;
    bool tuser;
    std::optional<Bytes> want;
    Kind kind;
    std::string what;
  };

  static uint64_t counter_of(driver::IpsecDevice& d, driver::HwCounter c) {
    auto s = d.ethtool_stats();
    REQUIRE(s.ok());
    return s.value()[static_cast<size_t>(c)].value;
  }

  EngineFixture& f_;
  std::vector<Sent> sent_;
};

}  // namespace ipsec::tb
