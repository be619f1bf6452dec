// The reference model's RX datapath of full packet offload (docs/packet_offload.md, packet
// section P4): delivery with syndrome 0x13, the replay window (RFC 4303 section 3.4.3) and the
// ESN inference (Appendix A2.2) checked against numbers worked out here, the driver's replay
// window as a second opinion, ICV failures, the recheck, and lifetimes.
#include <doctest/doctest.h>

#include "driver/generated/ipsec_regs.h"
#include "driver/replay.h"
#include "packet_fixture.h"

namespace model = ipsec::model;
using ipsec::tb::pkt::Bytes;
using ipsec::tb::pkt::checksum;
using ipsec::tb::pkt::esp_frame;
using ipsec::tb::pkt::ipv4_packet;
using ipsec::tb::pkt::Ipv4Opts;
using ipsec::tb::pkt::ipv6_packet;
using ipsec::tb::pkt::PacketEngine;
using ipsec::tb::pkt::payload_of;
using ipsec::tb::pkt::SaSpec;
using ipsec::tb::pkt::v4addr;
using ipsec::tb::pkt::v6addr;
using F = model::Fate;

namespace {

uint16_t rd16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
uint32_t rd32(const Bytes& b, size_t at) { return uint32_t{rd16(b, at)} << 16 | rd16(b, at + 2); }
Bytes tail(const Bytes& b, size_t from) { return Bytes(b.begin() + static_cast<std::ptrdiff_t>(from), b.end()); }

constexpr size_t kDelivered = 22;  // MACs, 8 bytes of metadata, EtherType

// An RX SA on an engine; `rx` sends one ESP frame of it and returns its result.
struct RxBench {
  PacketEngine e;
  SaSpec sa;
  uint16_t index = 0;
  explicit RxBench(uint8_t replay_words, bool esn = false, uint64_t right_edge = 0) {
    sa.tx = false, sa.seq = right_edge, sa.esn = esn, sa.replay_words = replay_words;
    sa.handle = 0xD00D0001;
    index = e.add(sa);
  }
  model::FrameResult rx(uint64_t sn, bool corrupt = false) {
    return e.model().wire_rx(esp_frame(sa, sn, payload_of(24), 17, corrupt));
  }
  F fate(uint64_t sn) { return rx(sn).fate; }
  // replay_window, replay, integrity_failed
  std::array<uint64_t, 3> drops() {
    const auto s = e.stats(index);
    return {s[2], s[3], s[4]};
  }
};

}  // namespace

TEST_CASE("RX transport IPv4: the IP header restored, syndrome 0x13, next header and handle") {
  RxBench b(2);
  const Bytes payload = payload_of(45, 9);
  const model::FrameResult r = b.e.model().wire_rx(esp_frame(b.sa, 1, payload, 6));
  REQUIRE(r.fate == F::kOut);
  const Bytes& out = *r.out;
  CHECK(rd16(out, 12) == 0x8CE4);
  CHECK(out[14] == 0x13);
  CHECK(out[15] == 6);
  CHECK(rd32(out, 16) == b.sa.handle);
  CHECK(rd16(out, 20) == 0x0800);
  // What the peer would have sent without IPsec: the header with protocol 6 and its length.
  const Bytes want = ipv4_packet(b.sa.sip, b.sa.dip, 6, payload);
  CHECK(tail(out, kDelivered) == want);
  CHECK(checksum(&out[kDelivered], 20) == 0);
  CHECK(b.e.counter(model::CtrlCounter::kDecInPackets) == 1);
  CHECK(b.e.counter(model::CtrlCounter::kDecOutPackets) == 1);
  const std::array<uint64_t, 5> stats = {1, want.size(), 0, 0, 0};
  CHECK(b.e.stats(b.index) == stats);
}

TEST_CASE("RX transport IPv6: next header and payload length restored") {
  PacketEngine e;
  SaSpec s;
  s.tx = false, s.seq = 0, s.replay_words = 1, s.ipv6 = true;
  s.sip = v6addr(0x2001, 5), s.dip = v6addr(0x2001, 6);
  e.add(s);
  const Bytes payload = payload_of(33);
  const model::FrameResult r = e.model().wire_rx(esp_frame(s, 1, payload, 58));
  REQUIRE(r.fate == F::kOut);
  CHECK(r.out->at(14) == 0x13);
  CHECK(r.out->at(15) == 58);
  CHECK(rd16(*r.out, 20) == 0x86DD);
  CHECK(tail(*r.out, kDelivered) == ipv6_packet(s.sip, s.dip, 58, payload));
}

TEST_CASE("RX tunnel: the inner packet with its family's EtherType, TFC padding removed") {
  PacketEngine e;
  SaSpec s6;  // IPv4 in IPv6
  s6.tx = false, s6.seq = 0, s6.replay_words = 1, s6.tunnel = true, s6.ipv6 = true;
  s6.sip = v6addr(0x2001, 0x11), s6.dip = v6addr(0x2001, 0x22), s6.handle = 0x600D;
  e.add(s6);
  Ipv4Opts o;
  o.ttl = 3, o.tos = 0x11;
  const Bytes inner4 = ipv4_packet(v4addr(10, 0, 0, 9), v4addr(10, 0, 0, 8), 17, payload_of(21), o);
  model::FrameResult r = e.model().wire_rx(esp_frame(s6, 1, inner4, 4, false, 13));
  REQUIRE(r.fate == F::kOut);
  CHECK(r.out->at(15) == 4);
  CHECK(rd32(*r.out, 16) == 0x600D);
  CHECK(rd16(*r.out, 20) == 0x0800);
  CHECK(tail(*r.out, kDelivered) == inner4);

  SaSpec s4;  // IPv6 in IPv4
  s4.tx = false, s4.seq = 0, s4.replay_words = 1, s4.tunnel = true, s4.spi = 0x4444;
  const uint16_t i4 = e.add(s4);
  const Bytes inner6 = ipv6_packet(v6addr(0xFD00, 1), v6addr(0xFD00, 2), 17, payload_of(11));
  r = e.model().wire_rx(esp_frame(s4, 1, inner6, 41));
  REQUIRE(r.fate == F::kOut);
  CHECK(rd16(*r.out, 20) == 0x86DD);
  CHECK(tail(*r.out, kDelivered) == inner6);
  CHECK(e.stats(i4)[1] == inner6.size());

  SUBCASE("a next header other than 4 or 41, or a wrong inner version, is dropped") {
    CHECK(e.model().wire_rx(esp_frame(s4, 2, inner6, 17)).fate == F::kDrop);
    CHECK(e.model().wire_rx(esp_frame(s4, 3, inner6, 4)).fate == F::kDrop);
    // Neither moved the window: both numbers are taken afterwards.
    CHECK(e.model().wire_rx(esp_frame(s4, 3, inner6, 41)).fate == F::kOut);
    CHECK(e.model().wire_rx(esp_frame(s4, 2, inner6, 41)).fate == F::kOut);
  }
}

TEST_CASE("RX replay window: duplicate, oldest inside, just outside, jump ahead (32, 64, 1024 bits)") {
  for (uint8_t words : {1, 2, 32}) {
    const uint64_t w = 32u * words;
    CAPTURE(w);
    RxBench b(words);
    const uint64_t top = w + 100;
    REQUIRE(b.fate(top) == F::kOut);
    CHECK(b.fate(top) == F::kDrop);  // duplicate
    CHECK(b.drops() == std::array<uint64_t, 3>{0, 1, 0});
    CHECK(b.fate(top - w + 1) == F::kOut);  // the oldest number inside the window
    CHECK(b.fate(top - w + 1) == F::kDrop);
    CHECK(b.fate(top - w) == F::kDrop);  // just outside: too old
    CHECK(b.drops() == std::array<uint64_t, 3>{1, 2, 0});
    CHECK(b.fate(top - 1) == F::kOut);  // inside, not seen
    // A jump ahead by more than the window empties it.
    const uint64_t jump = top + w + 5;
    CHECK(b.fate(jump) == F::kOut);
    CHECK(b.fate(top) == F::kDrop);  // now too old
    CHECK(b.fate(jump - w + 1) == F::kOut);
    CHECK(b.fate(jump - 1) == F::kOut);
    CHECK(b.drops() == std::array<uint64_t, 3>{2, 2, 0});
    CHECK(b.e.counter(model::CtrlCounter::kDecDropPackets) == 4);
    CHECK(b.e.counter(model::CtrlCounter::kDecInPackets) == 10);
    CHECK(b.e.stats(b.index)[0] == 6);
  }
}

TEST_CASE("RX sequence number 0 is dropped, counted in dec_drop only, and window 0 checks nothing") {
  RxBench b(1);
  CHECK(b.fate(0) == F::kDrop);
  CHECK(b.drops() == std::array<uint64_t, 3>{0, 0, 0});
  CHECK(b.e.counter(model::CtrlCounter::kDecDropPackets) == 1);

  RxBench none(0);
  CHECK(none.fate(5) == F::kOut);
  CHECK(none.fate(5) == F::kOut);
  CHECK(none.fate(1) == F::kOut);
  CHECK(none.fate(0) == F::kOut);
  CHECK(none.e.stats(none.index)[0] == 4);
  CHECK(none.e.model().ctrl().packet_sa(none.index)->seq == 0);  // no window, no edge kept
  CHECK(none.drops() == std::array<uint64_t, 3>{0, 0, 0});
}

TEST_CASE("RX ICV failure: dec_auth_fail and integrity_failed, the window does not move") {
  RxBench b(1);
  for (uint64_t sn = 1; sn <= 5; ++sn) REQUIRE(b.fate(sn) == F::kOut);
  const model::FrameResult bad = b.rx(100, true);
  CHECK(bad.fate == F::kAuthFail);
  CHECK_FALSE(bad.out.has_value());
  CHECK(b.drops() == std::array<uint64_t, 3>{0, 0, 1});
  CHECK(b.e.counter(model::CtrlCounter::kDecAuthFailPackets) == 1);
  // Had 100 moved the right edge, 6 would be too old now.
  CHECK(b.fate(6) == F::kOut);
  CHECK(b.fate(100) == F::kOut);
  // A failed duplicate is a replay drop before the ICV is looked at.
  CHECK(b.rx(100, true).fate == F::kDrop);
  CHECK(b.drops() == std::array<uint64_t, 3>{0, 1, 1});
}

TEST_CASE("RX bad padding is dropped after the ICV and does not move the window") {
  RxBench b(1);
  const Bytes f = esp_frame(b.sa, 7, payload_of(25), 17, false, 0, uint8_t{9});
  CHECK(b.e.model().wire_rx(f).fate == F::kDrop);
  CHECK(b.drops() == std::array<uint64_t, 3>{0, 0, 0});
  CHECK(b.fate(7) == F::kOut);
}

TEST_CASE("RX recheck: frames in the pipe together are checked again before the window moves") {
  RxBench b(1);
  REQUIRE(b.fate(7) == F::kOut);
  const Bytes nine = esp_frame(b.sa, 9, payload_of(24), 17);
  // Two copies of 9 in the pipe: both pass the first check, the second fails the recheck.
  auto r = b.e.model().wire_rx_together({nine, nine});
  CHECK(r[0].fate == F::kOut);
  CHECK(r[1].fate == F::kDrop);
  CHECK(b.drops() == std::array<uint64_t, 3>{0, 1, 0});
  // 100 ahead of 8 in the pipe: 8 was inside the window at its check, too old at its recheck.
  r = b.e.model().wire_rx_together({esp_frame(b.sa, 100, payload_of(24), 17), esp_frame(b.sa, 8, payload_of(24), 17)});
  CHECK(r[0].fate == F::kOut);
  CHECK(r[1].fate == F::kDrop);
  CHECK(b.drops() == std::array<uint64_t, 3>{1, 1, 0});
  CHECK(b.e.counter(model::CtrlCounter::kDecDropPackets) == 2);
  CHECK(b.e.counter(model::CtrlCounter::kDecOutPackets) == 3);
}

TEST_CASE("RX ESN: the high half inferred on both sides of 2^32, the window straddling it") {
  // W = 64, right edge just below 2^32 (RFC 4303 Appendix A2.2, case A).
  RxBench b(2, true, 0xFFFFFFF0ull);
  ipsec::driver::XfrmReplayState initial;
  initial.seq = 0xFFFFFFF0;
  ipsec::xfrm::ReplayWindow second(64, true, initial);  // the driver's window, a second opinion
  struct Step {
    uint64_t sn;       // what the peer sent, all 64 bits
    uint32_t inferred;  // the high half the receiver infers from the low half
    F fate;
  };
  const Step steps[] = {
      {0xFFFFFFF8ull, 0, F::kOut},   // ahead, same subspace
      {0x100000005ull, 1, F::kOut},  // low half 5: below the window's bottom, so high half 1
      {0xFFFFFFFAull, 0, F::kOut},   // case B now: the window straddles 2^32, high half 0
      {0xFFFFFFF8ull, 0, F::kDrop},  // seen: replay
      {0xFFFFFFC6ull, 0, F::kOut},   // 0x1_00000005 - 63: the oldest number inside the window
      // One further left: below the window's bottom, which A2.2 takes for the next subspace
      // (2^33 - 59); the ICV, computed with high half 0, fails.
      {0xFFFFFFC5ull, 1, F::kAuthFail},
      {0x100000003ull, 1, F::kOut},
      {0x1FFFFFF00ull, 1, F::kOut},  // far ahead in subspace 1
  };
  for (const Step& s : steps) {
    CAPTURE(s.sn);
    const uint32_t lo = static_cast<uint32_t>(s.sn);
    CHECK(second.infer_seq_hi(lo) == s.inferred);
    const uint64_t inferred = uint64_t{s.inferred} << 32 | lo;
    const bool fresh = second.check(inferred) == ipsec::xfrm::ReplayVerdict::kFresh;
    CHECK(fresh == (s.fate != F::kDrop));
    if (s.fate == F::kOut) second.advance(inferred);
    CHECK(b.fate(s.sn) == s.fate);
  }
  CHECK(b.drops() == std::array<uint64_t, 3>{0, 1, 1});
  CHECK(b.e.model().ctrl().packet_sa(b.index)->seq == 0x1FFFFFF00ull);

  SUBCASE("a frame whose real high half differs from the inferred one fails its ICV") {
    // Right edge 0x1_FFFFFF00: low half 5 is inferred as 2^33 + 5; the peer meant 2^32 + 5.
    const model::FrameResult r = b.rx(0x100000005ull + 2);
    CHECK(r.fate == F::kAuthFail);
    CHECK(b.drops()[2] == 2);
  }
}

TEST_CASE("RX ESN: a window that does not divide 2^32 keeps numbers apart across the boundary") {
  // W = 224: 2^32 - 2 and 2^32 + 30 are 32 apart, inside the window, and distinct. A bitmap
  // indexed by (n - 1) mod W of the low half (as the kernel's ESN bitmap is) puts both at bit
  // 29, since 2^32 = 32 (mod 224); the model's window is relative to its right edge.
  RxBench b(7, true, 0xFFFFFFF0ull);
  CHECK(b.fate(0xFFFFFFFEull) == F::kOut);
  CHECK(b.fate(0x100000030ull) == F::kOut);
  CHECK(b.fate(0x10000001Eull) == F::kOut);
  CHECK(b.fate(0xFFFFFFFEull) == F::kDrop);
  CHECK(b.fate(0x10000001Eull) == F::kDrop);
  CHECK(b.drops() == std::array<uint64_t, 3>{0, 2, 0});
  // 223 back is the window's oldest number; 224 back is below its bottom, which A2.2 takes for
  // the next subspace: the ICV (made with high half 0) fails.
  CHECK(b.fate(0x100000030ull - 223) == F::kOut);
  CHECK(b.fate(0x100000030ull - 224) == F::kAuthFail);
  CHECK(b.drops() == std::array<uint64_t, 3>{0, 2, 1});
}

TEST_CASE("RX ESN near sequence number 0: a low half at the top of the space fails its ICV") {
  // Edge 0, W = 32: low half 0xFFFFFFF0 is at or above the bottom 0xFFFFFFE1 of a window
  // straddling 0, so its high half is Th - 1 = 2^32 - 1 (A2.2 in 32-bit arithmetic, as Linux
  // computes it): far ahead, not what the peer sent.
  RxBench b(1, true, 0);
  CHECK(b.e.model().wire_rx(esp_frame(b.sa, 0xFFFFFFF0ull, payload_of(8), 17)).fate == F::kAuthFail);
  CHECK(b.drops() == std::array<uint64_t, 3>{0, 0, 1});
  // The driver's window (the kernel's xfrm_replay_seqhi) infers the same high half.
  CHECK(ipsec::xfrm::ReplayWindow(32, true, {}).infer_seq_hi(0xFFFFFFF0u) == 0xFFFFFFFFu);
  // Sent with that high half, the same low half authenticates: the inference refused the
  // first frame, not the window.
  CHECK(b.e.model().wire_rx(esp_frame(b.sa, 0xFFFFFFFFFFFFFFF0ull, payload_of(8), 17)).fate == F::kOut);
  // A fresh SA (edge 0 again): low half 0 with the right edge at 1 is inferred as 64-bit 0,
  // never sent: dec_drop only.
  RxBench c(1, true, 0);
  CHECK(c.fate(1) == F::kOut);
  CHECK(c.fate(0x100000000ull) == F::kDrop);
  CHECK(c.drops() == std::array<uint64_t, 3>{0, 0, 0});
  CHECK(c.e.counter(model::CtrlCounter::kDecDropPackets) == 1);
}

TEST_CASE("RX lifetimes: soft events once, hard limits drop at delivery and end the SA") {
  PacketEngine e;
  SaSpec s;
  s.tx = false, s.seq = 0, s.replay_words = 1, s.soft_packets = 1, s.hard_packets = 3;
  s.soft_bytes = 100;  // each delivered packet is 20 + 24 bytes
  const uint16_t i = e.add(s);
  std::vector<F> fates;
  std::vector<std::vector<uint8_t>> kinds;
  for (uint64_t sn = 1; sn <= 5; ++sn) {
    const model::FrameResult r = e.model().wire_rx(esp_frame(s, sn, payload_of(24), 17));
    fates.push_back(r.fate);
    std::vector<uint8_t> k;
    for (const auto& ev : r.events) k.push_back(static_cast<uint8_t>(ev.kind));
    kinds.push_back(k);
  }
  CHECK(fates == std::vector<F>{F::kOut, F::kOut, F::kOut, F::kDrop, F::kDrop});
  CHECK(kinds == std::vector<std::vector<uint8_t>>{{}, {2}, {1}, {4}, {}});
  const std::array<uint64_t, 5> want = {3, 132, 0, 0, 0};
  CHECK(e.stats(i) == want);
  CHECK(e.model().ctrl().packet_sa(i)->seq == 3);  // the dropped frames moved nothing
  const auto ev = e.pop_events();
  REQUIRE(ev.size() == 3);
  CHECK(ev[2].kind == 4);
  CHECK(ev[2].handle == s.handle);

  SUBCASE("by bytes") {
    PacketEngine e2;
    SaSpec b = s;
    b.soft_packets = b.hard_packets = ~uint64_t{0};
    b.soft_bytes = 44, b.hard_bytes = 88;
    e2.add(b);
    CHECK(e2.model().wire_rx(esp_frame(b, 1, payload_of(24), 17)).events.empty());
    CHECK(e2.model().wire_rx(esp_frame(b, 2, payload_of(24), 17)).events.size() == 1);  // 88 > 44
    const model::FrameResult third = e2.model().wire_rx(esp_frame(b, 3, payload_of(24), 17));
    CHECK(third.fate == F::kDrop);
    REQUIRE(third.events.size() == 1);
    CHECK(third.events[0].kind == model::pkt::EventKind::kHardBytes);
  }
}

TEST_CASE("RX: FWD_BAD_FRAMES and NO_TRAILER do not apply to packet SAs") {
  RxBench b(1);
  b.e.write(IPSEC_REGS_CONTROL_OFFSET, IPSEC_REGS_CONTROL_FWD_BAD_FRAMES_MASK);
  const model::FrameResult bad = b.rx(3, true);
  CHECK(bad.fate == F::kAuthFail);
  CHECK_FALSE(bad.out.has_value());
  const model::FrameResult old = b.rx(3);
  REQUIRE(old.fate == F::kOut);
  CHECK(old.out->at(14) == 0x13);  // decapsulated, not a 0x11 frame with the trailer
  const model::FrameResult dup = b.rx(3);
  CHECK(dup.fate == F::kDrop);
  CHECK_FALSE(dup.out.has_value());
}
