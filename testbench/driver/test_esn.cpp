// The ESN state across the 2^31 and 2^32 boundaries (contract section 7), and MOD_SA_V2
// sent exactly when it changes.
#include <doctest/doctest.h>

#include "driver_fixture.h"
#include "esn.h"

namespace drv = ipsec::driver;
using ipsec::tb::DriverOnModel;
using ipsec::tb::StateSpec;

namespace {

constexpr uint32_t kWindow = 64;

struct Step {
  const char* what;
  uint32_t seq;     // highest sequence number received, low 32 bits
  uint32_t seq_hi;  // and its high 32 bits
  uint32_t bottom;  // expected seq_bottom
  uint32_t esn;     // expected esn
  bool overlap;     // expected ESN_OVERLAP
  bool changed;     // expected: MOD_SA_V2 sent
};

// Successive replay states of one RX SA with a 64-packet window, from a state added at
// seq 0, seq_hi 0 (esn 0, no overlap).
const Step kSteps[] = {
    {"window inside the low half", 100, 0, 37, 0, false, false},
    {"bottom one below 2^31", 0x8000003E, 0, 0x7FFFFFFF, 0, false, false},
    {"bottom reaches 2^31: overlap", 0x8000003F, 0, 0x80000000, 0, true, true},
    {"bottom in the high half", 0xC0000000, 0, 0xBFFFFFC1, 0, true, false},
    {"top at 2^32 - 1", 0xFFFFFFFF, 0, 0xFFFFFFC0, 0, true, false},
    {"seq wraps past 2^32: esn + 1, overlap ends", 10, 1, 0, 1, false, true},
    {"seq = window - 1: bottom still 0", 63, 1, 0, 1, false, false},
    {"seq = window: bottom 1", 64, 1, 1, 1, false, false},
    {"second 2^31 crossing", 0x80000040, 1, 0x80000001, 1, true, true},
    {"no move: nothing to send", 0x80000040, 1, 0x80000001, 1, true, false},
    {"second 2^32 wrap", 0x100, 2, 0xC1, 2, false, true},
    {"seq_hi jumps without an overlap change", 0x100, 5, 0xC1, 5, false, true},
};

}  // namespace

TEST_CASE("seq_bottom is seq - window + 1, or 0 while seq < window") {
  CHECK(drv::replay_seq_bottom(0, 64) == 0);
  CHECK(drv::replay_seq_bottom(63, 64) == 0);
  CHECK(drv::replay_seq_bottom(64, 64) == 1);
  CHECK(drv::replay_seq_bottom(0xFFFFFFFF, 64) == 0xFFFFFFC0);
  CHECK(drv::replay_seq_bottom(5, 1) == 5);
}

TEST_CASE("xfrm_replay_seqhi infers the high bits as the kernel does") {
  // Window within one subspace: below the bottom is the next subspace.
  CHECK(drv::xfrm_replay_seqhi({100, 0, 1, 0}, 64, 37) == 1);
  CHECK(drv::xfrm_replay_seqhi({100, 0, 1, 0}, 64, 36) == 2);
  // Window spanning two subspaces: at or above the wrapped bottom is the previous one.
  CHECK(drv::xfrm_replay_seqhi({10, 0, 1, 0}, 64, 0xFFFFFFF0) == 0);
  CHECK(drv::xfrm_replay_seqhi({10, 0, 1, 0}, 64, 5) == 1);
}

TEST_CASE("the ESN state across the 2^31 and 2^32 boundaries") {
  drv::EsnState state = drv::update_esn_state({}, true, {}, kWindow).state;
  CHECK(state == drv::EsnState{true, false, 0});
  for (const Step& step : kSteps) {
    CAPTURE(step.what);
    CHECK(drv::replay_seq_bottom(step.seq, kWindow) == step.bottom);
    const drv::EsnUpdate u =
        drv::update_esn_state(state, true, {step.seq, 0, step.seq_hi, 0}, kWindow);
    CHECK(u.state.triggered);
    CHECK(u.state.esn == step.esn);
    CHECK(u.state.overlap == step.overlap);
    CHECK(u.changed == step.changed);
    state = u.state;
  }
}

TEST_CASE("a state without ESN never triggers nor changes") {
  const drv::EsnUpdate u = drv::update_esn_state({}, false, {0x90000000, 0, 3, 0}, kWindow);
  CHECK_FALSE(u.state.triggered);
  CHECK_FALSE(u.changed);
}

TEST_CASE("an SA added beyond 2^31 starts with the overlap set") {
  StateSpec spec;
  spec.dir = drv::OffloadDirection::kIn;
  spec.esn = true;
  drv::XfrmState x = ipsec::tb::offloadable_state(spec);
  x.replay = {0x90000000, 0, 7, 0};
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  const auto id = f.device.add_state(x);
  REQUIRE(id.ok());
  const drv::SaImageFields img = drv::decode_sa_image(f.commands.back());
  CHECK(img.cmd == static_cast<uint32_t>(drv::SaOpcode::kAddSaV2));
  CHECK(img.flags == 0x73);  // RX IPv4, ESN_EN, ESN_OVERLAP
  CHECK(img.esn == 7);
}

TEST_CASE("advance_esn sends MOD_SA_V2 exactly when the ESN state changes") {
  StateSpec spec;
  spec.dir = drv::OffloadDirection::kIn;
  spec.esn = true;
  spec.replay_window = kWindow;
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  const auto id = f.device.add_state(ipsec::tb::offloadable_state(spec));
  REQUIRE(id.ok());
  const ipsec::model::SaKey key = ipsec::tb::model_key(*f.device.find(*id));

  for (const Step& step : kSteps) {
    CAPTURE(step.what);
    const size_t sent_before = f.commands.size();
    REQUIRE(f.device.advance_esn(*id, {step.seq, 0, step.seq_hi, 0}).ok());
    const size_t sent = f.commands.size() - sent_before;
    CHECK(sent == (step.changed ? 1u : 0u));
    if (sent) {
      const drv::SaImageFields cmd = drv::decode_sa_image(f.commands.back());
      CHECK(cmd.cmd == static_cast<uint32_t>(drv::SaOpcode::kModSaV2));
      CHECK(f.commands.back().size() == 148);
      CHECK(cmd.esn == step.esn);
      CHECK(cmd.flags == (0x71 | (step.overlap ? 0x02 : 0)));
    }
    // The device holds what the driver believes.
    const ipsec::model::SaEntry* e = f.model.find_sa(key);
    REQUIRE(e != nullptr);
    CHECK(e->esn_en);
    CHECK(e->esn == step.esn);
    CHECK(e->esn_overlap == step.overlap);
    const drv::OffloadedSa* sa = f.device.find(*id);
    CHECK(sa->attrs.esn.esn == step.esn);
    CHECK(sa->attrs.esn.overlap == step.overlap);
    CHECK(sa->state.replay.seq == step.seq);
  }
  // DEL carries the image as last modified.
  REQUIRE(f.device.delete_state(*id).ok());
  const drv::SaImageFields del = drv::decode_sa_image(f.commands.back());
  CHECK(del.cmd == static_cast<uint32_t>(drv::SaOpcode::kDelSaV2));
  CHECK(del.esn == 5);
  CHECK(f.model.sa_count() == 0);
}

TEST_CASE("advance_esn on a state without ESN sends nothing") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  const auto id = f.device.add_state(ipsec::tb::rx_state());
  REQUIRE(id.ok());
  const size_t sent = f.commands.size();
  CHECK(f.device.advance_esn(*id, {0x90000000, 0, 1, 0}).ok());
  CHECK(f.commands.size() == sent);
}

TEST_CASE("a failed MOD_SA_V2 leaves driver and device with the old ESN state") {
  StateSpec spec;
  spec.dir = drv::OffloadDirection::kIn;
  spec.esn = true;
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  const auto id = f.device.add_state(ipsec::tb::offloadable_state(spec));
  REQUIRE(id.ok());
  const drv::SaImage before = f.device.find(*id)->image;
  f.model.fail_next_command(3);  // WRITE_RESPONSE_ISSUE
  const drv::Status s = f.device.advance_esn(*id, {0x80000040, 0, 0, 0});
  CHECK(s.code() == -EIO);
  CHECK(f.device.find(*id)->image == before);
  CHECK_FALSE(f.device.find(*id)->attrs.esn.overlap);
  CHECK_FALSE(f.model.find_sa(ipsec::tb::model_key(*f.device.find(*id)))->esn_overlap);
  // Retried, it goes through.
  CHECK(f.device.advance_esn(*id, {0x80000040, 0, 0, 0}).ok());
  CHECK(f.model.find_sa(ipsec::tb::model_key(*f.device.find(*id)))->esn_overlap);
}

TEST_CASE("advance_esn of an unknown SA is -ENOENT") {
  DriverOnModel f;
  REQUIRE(f.device.probe().ok());
  CHECK(f.device.advance_esn(drv::SaId{42}, {}).code() == -ENOENT);
}
