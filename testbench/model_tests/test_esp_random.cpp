// Seeded random traffic through the model: every frame ends as the generator meant it to,
// the counters add up exactly (contract section 4), and what TX sends the peer decrypts.
#include <doctest/doctest.h>

#include <map>
#include <random>

#include "esp_checks.h"
#include "esp_model.h"
#include "frames.h"
#include "test_seed.h"

namespace model = ipsec::model;
using ipsec::tb::Bytes;
using ipsec::tb::describe;
using ipsec::tb::frame_difference;
using ipsec::tb::FrameClass;
using ipsec::tb::GeneratedFrame;
using ipsec::tb::RandomFrames;
using ipsec::tb::seed_hint;
using ipsec::tb::test_seed;

namespace {

constexpr int kFrames = 6000;
constexpr size_t kTxClasses = 16, kRxClasses = 17;

uint16_t rd16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }

// Dropped before classification: not counted in *_in.
bool unclassified_drop(FrameClass c) {
  return c == FrameClass::kTxTuser || c == FrameClass::kTxRunt || c == FrameClass::kTxOversize ||
         c == FrameClass::kRxTuser || c == FrameClass::kRxRunt || c == FrameClass::kRxOversize ||
         c == FrameClass::kRxMetadata;
}

// The counters a frame of class `c` must move, kept apart from the model.
void count_expected(model::DatapathCounters& want, FrameClass c, bool tx) {
  const model::Fate fate = ipsec::tb::intended_fate(c);
  const bool in = fate == model::Fate::kOut || fate == model::Fate::kAuthFail ||
                  (fate == model::Fate::kDrop && !unclassified_drop(c));
  (tx ? want.enc_in : want.dec_in) += in;
  switch (fate) {
    case model::Fate::kOut: ++(tx ? want.enc_out : want.dec_out); break;
    case model::Fate::kBypass: ++(tx ? want.enc_bypass : want.dec_bypass); break;
    case model::Fate::kDrop: ++(tx ? want.enc_drop : want.dec_drop); break;
    case model::Fate::kAuthFail: ++want.dec_auth_fail; break;
  }
}

// What the peer (no-trailer mode) must deliver for an offloaded host frame `host` whose wire
// frame is `wire`: the host frame up to the end of its datagram, with RX metadata in place of
// TX metadata and the ESP sequence number and IV the engine put on the wire.
Bytes peer_delivery(const Bytes& host, const Bytes& wire, uint32_t handle) {
  const bool v6 = rd16(host, 20) == 0x86DD;
  const size_t hdr = v6 ? 40 : 20;
  const size_t datagram = v6 ? 40 + rd16(host, 26) : rd16(host, 24);
  Bytes want(host.begin(), host.begin() + static_cast<std::ptrdiff_t>(22 + datagram));
  const uint8_t np = host[19];
  want[14] = 0x11;
  want[15] = np;
  for (int i = 0; i < 4; ++i) want[16 + i] = static_cast<uint8_t>(handle >> (24 - 8 * i));
  const size_t esp = 22 + hdr, wire_esp = 14 + hdr;
  std::copy(wire.begin() + static_cast<std::ptrdiff_t>(wire_esp + 4),
            wire.begin() + static_cast<std::ptrdiff_t>(wire_esp + 16),
            want.begin() + static_cast<std::ptrdiff_t>(esp + 4));
  return want;
}

}  // namespace

TEST_CASE(
    "random TX traffic: every frame ends as meant, counters add up, the peer decrypts each "
    "offload") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  const model::SaTable sas = ipsec::tb::random_sa_table(rng, 16, 0);
  model::SaTable peers;
  uint32_t handle = 100;
  for (const auto& [key, ctx] : sas) peers.insert(ipsec::tb::peer_rx_sa(key, ctx, handle++));
  RandomFrames gen(seed + 1, sas);

  model::DatapathControl ctl;
  model::DatapathControl peer_ctl;
  peer_ctl.no_trailer = true;
  peer_ctl.max_frame = model::kDefaultMaxFrame + 13;  // TX adds up to 13 bytes to a frame
  model::DatapathCounters c, want, peer_counters;
  std::map<FrameClass, int> seen;
  size_t bytes = 0, largest = 0;
  for (int i = 0; i < kFrames; ++i) {
    const GeneratedFrame g = gen.next_tx();
    ++seen[g.cls];
    bytes += g.frame.size();
    largest = std::max(largest, g.frame.size());
    const auto r = model::tx(g.frame, g.tuser, model::lookup_in(sas), ctl, c);
    count_expected(want, g.cls, true);
    INFO("frame " << i << " (" << std::string(to_string(g.cls)) << "): " << describe(g.frame)
                  << "; model: " << r.why << "; " << seed_hint());
    REQUIRE(r.fate == ipsec::tb::intended_fate(g.cls));
    if (r.fate != model::Fate::kOut) continue;

    // The peer's ESN window holds the sequence number the engine sent (the IV).
    const size_t iv = 14 + (rd16(*r.out, 12) == 0x86DD ? 40 : 20) + 8;
    const uint32_t sn_hi = uint32_t{rd16(*r.out, iv)} << 16 | rd16(*r.out, iv + 2);
    const model::SaLookup peer = [&](const model::SaKey& k) -> std::optional<model::SaContext> {
      const auto it = peers.find(k);
      if (it == peers.end()) return std::nullopt;
      model::SaContext ctx = it->second;
      ctx.esn_hi = sn_hi;
      ctx.esn_overlap = false;
      return ctx;
    };
    const auto p = model::rx(*r.out, false, peer, peer_ctl, peer_counters);
    REQUIRE_MESSAGE(p.fate == model::Fate::kOut, "peer: " << p.why);
    const uint32_t h = uint32_t{rd16(*p.out, 16)} << 16 | rd16(*p.out, 18);
    const Bytes expect = peer_delivery(g.frame, *r.out, h);
    REQUIRE_MESSAGE(frame_difference(*p.out, expect) == "", frame_difference(*p.out, expect));
  }
  CHECK_MESSAGE(c == want, "model " << to_string(c) << "\nwant  " << to_string(want));
  CHECK(c.enc_out + c.enc_bypass + c.enc_drop == kFrames);
  CHECK(c.dec_in + c.dec_out + c.dec_bypass + c.dec_drop + c.dec_auth_fail == 0);
  CHECK(peer_counters.dec_out == c.enc_out);
  CHECK(seen.size() == kTxClasses);
  MESSAGE(kFrames << " TX frames, " << bytes << " bytes, largest " << largest << "; "
                  << to_string(c));
}

TEST_CASE(
    "random RX traffic: every frame ends as meant, counters add up, bad frames forwarded only by "
    "the debug bit") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed + 2);
  model::SaTable sas = ipsec::tb::random_sa_table(rng, 4, 16);
  // At least one RX SA with ESN, for the wrong-ESN class.
  bool any_esn = false;
  for (const auto& sa : sas) any_esn |= !sa.first.tx && sa.second.esn_en;
  for (auto& sa : sas) {
    if (!any_esn && !sa.first.tx) any_esn = sa.second.esn_en = true;
  }
  RandomFrames gen(seed + 3, sas);
  model::DatapathCounters c, want;
  std::map<FrameClass, int> seen;
  for (int i = 0; i < kFrames; ++i) {
    const GeneratedFrame g = gen.next_rx();
    ++seen[g.cls];
    model::DatapathControl ctl;
    ctl.no_trailer = rng() % 2;
    ctl.fwd_bad_frames = rng() % 2;
    const auto r = model::rx(g.frame, g.tuser, model::lookup_in(sas), ctl, c);
    count_expected(want, g.cls, false);
    INFO("frame " << i << " (" << std::string(to_string(g.cls)) << "): " << describe(g.frame)
                  << "; model: " << r.why << "; " << seed_hint());
    REQUIRE(r.fate == ipsec::tb::intended_fate(g.cls));
    const bool forwarded_bad = ctl.fwd_bad_frames && !unclassified_drop(g.cls) &&
                               (r.fate == model::Fate::kDrop || r.fate == model::Fate::kAuthFail);
    const bool forwarded =
        r.fate == model::Fate::kOut || r.fate == model::Fate::kBypass || forwarded_bad;
    REQUIRE(r.out.has_value() == forwarded);
    if (r.fate == model::Fate::kOut) CHECK(r.out->at(14) == 0x11);
    if (forwarded_bad) CHECK(r.out->at(14) == (r.fate == model::Fate::kAuthFail ? 0x12 : 0x17));
    if (forwarded_bad) CHECK(r.out->at(15) == 0);
  }
  CHECK_MESSAGE(c == want, "model " << to_string(c) << "\nwant  " << to_string(want));
  CHECK(c.dec_out + c.dec_bypass + c.dec_drop + c.dec_auth_fail == kFrames);
  CHECK(c.enc_in + c.enc_out + c.enc_bypass + c.enc_drop == 0);
  CHECK(seen.size() == kRxClasses);
  MESSAGE(kFrames << " RX frames; " << to_string(c));
}

TEST_CASE("random traffic in both directions at once keeps each direction's counters apart") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed + 4);
  const model::SaTable sas = ipsec::tb::random_sa_table(rng, 8, 8);
  RandomFrames gen(seed + 5, sas);
  model::DatapathControl ctl;
  model::DatapathCounters c, want;
  for (int i = 0; i < 2000; ++i) {
    const bool tx = rng() % 2;
    const GeneratedFrame g = tx ? gen.next_tx() : gen.next_rx();
    const auto r = tx ? model::tx(g.frame, g.tuser, model::lookup_in(sas), ctl, c)
                      : model::rx(g.frame, g.tuser, model::lookup_in(sas), ctl, c);
    count_expected(want, g.cls, tx);
    INFO(std::string(to_string(g.cls)) << ": " << describe(g.frame) << "; " << seed_hint());
    REQUIRE(r.fate == ipsec::tb::intended_fate(g.cls));
  }
  CHECK_MESSAGE(c == want, "model " << to_string(c) << "\nwant  " << to_string(want));
  CHECK(c.enc_out + c.enc_bypass + c.enc_drop + c.dec_out + c.dec_bypass + c.dec_drop +
            c.dec_auth_fail ==
        2000);
}

TEST_CASE("random frames are reproducible from the seed") {
  std::mt19937_64 rng(test_seed());
  const model::SaTable sas = ipsec::tb::random_sa_table(rng, 4, 4);
  const uint64_t seed = rng();
  RandomFrames a(seed, sas), b(seed, sas);
  for (int i = 0; i < 300; ++i) {
    const GeneratedFrame x = i % 2 ? a.next_tx() : a.next_rx();
    const GeneratedFrame y = i % 2 ? b.next_tx() : b.next_rx();
    REQUIRE(x.frame == y.frame);
    REQUIRE(x.tuser == y.tuser);
    REQUIRE(x.cls == y.cls);
  }
}
