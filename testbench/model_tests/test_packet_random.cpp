// Seeded random round trips through the model's packet offload: what a TX packet SA sends,
// reordered, duplicated and now and then corrupted on the way, reaches an RX packet SA of the
// same key, which delivers each packet the host sent exactly once, as RFC 4303's receiver
// would; the driver's replay window (kept as the kernel keeps it) is the independent judge of
// each frame's fate. Rerun a failure with IPSEC_SEED=N.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "driver/replay.h"
#include "packet_fixture.h"
#include "test_seed.h"

namespace model = ipsec::model;
using ipsec::tb::seed_hint;
using ipsec::tb::test_seed;
using ipsec::tb::pkt::Bytes;
using ipsec::tb::pkt::host_frame;
using ipsec::tb::pkt::ipv4_packet;
using ipsec::tb::pkt::Ipv4Opts;
using ipsec::tb::pkt::ipv6_packet;
using ipsec::tb::pkt::open_esp;
using ipsec::tb::pkt::PacketEngine;
using ipsec::tb::pkt::payload_of;
using ipsec::tb::pkt::SaSpec;
using ipsec::tb::pkt::v4addr;
using ipsec::tb::pkt::v6addr;
using F = model::Fate;
using Verdict = ipsec::xfrm::ReplayVerdict;

namespace {

constexpr int kPairs = 40;
constexpr int kPacketsPerPair = 60;

struct Sent {
  uint64_t sn;
  Bytes ip;      // what the host sent
  Bytes wire;    // what the engine sent
  uint8_t next;  // the next header the receiver reports
};

}  // namespace

TEST_CASE("random round trips: TX packet SA to RX packet SA, reordered, duplicated, corrupted") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  auto pick = [&rng](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  INFO(seed_hint());

  for (int pair = 0; pair < kPairs; ++pair) {
    CAPTURE(pair);
    SaSpec tx;
    tx.ipv6 = pick(2) == 1;
    tx.tunnel = pick(2) == 1;
    tx.esn = pick(2) == 1;
    tx.aes256 = pick(2) == 1;
    if (tx.ipv6) {
      tx.sip = v6addr(0x2001, static_cast<uint16_t>(pick(0x10000)));
      tx.dip = v6addr(0x2002, static_cast<uint16_t>(pick(0x10000)));
    } else {
      tx.sip = v4addr(10, 0, static_cast<uint8_t>(pick(256)), 1);
      tx.dip = v4addr(10, 1, static_cast<uint8_t>(pick(256)), 2);
    }
    tx.spi = static_cast<uint32_t>(pick(0xFFFFFFFF)) + 1;
    tx.handle = static_cast<uint32_t>(pick(0x100000000));
    for (auto& k : tx.key) k = static_cast<uint8_t>(pick(256));
    for (auto& k : tx.salt) k = static_cast<uint8_t>(pick(256));
    // Start at 1, or just below 2^32 so that an ESN pair crosses it (a non-ESN pair then
    // stops short of exhaustion).
    const bool near_wrap = pick(2) == 1;
    tx.seq = !near_wrap ? 1 : tx.esn ? 0xFFFFFFFFull - pick(40) : 0xFFFFFFFFull - kPacketsPerPair - pick(40);
    if (tx.tunnel) {
      tx.ttl = static_cast<uint8_t>(1 + pick(255));
      tx.dscp_ecn = static_cast<uint8_t>(pick(256));
      tx.tunnel_flags = static_cast<uint8_t>(pick(4));
      tx.flow_label = tx.ipv6 ? static_cast<uint32_t>(pick(0x100000)) : 0;
    }
    // The judge keeps an ESN bitmap as the kernel does, sequence number n at bit (n - 1) mod W
    // of the low half: across 2^32 that aliases unless W divides 2^32, so a pair that crosses
    // it takes a power-of-two window. (The model keeps the window relative to its right edge
    // and has no such limit: "RX ESN: a window that does not divide 2^32 ..." in
    // test_packet_rx.cpp.)
    const uint8_t words = tx.esn && near_wrap ? static_cast<uint8_t>(1u << pick(6))
                                              : static_cast<uint8_t>(1 + pick(32));
    SaSpec rx = tx.peer_rx(words, tx.handle ^ 0x5A5A);
    rx.seq = tx.seq - 1;
    CAPTURE(tx.ipv6);
    CAPTURE(tx.tunnel);
    CAPTURE(tx.esn);
    CAPTURE(tx.seq);
    CAPTURE(words);

    PacketEngine host, peer;
    const uint16_t ti = host.add(tx);
    const uint16_t ri = peer.add(rx);

    // The host's packets, through the TX SA.
    std::vector<Sent> sent;
    uint64_t tx_bytes = 0;
    for (int k = 0; k < kPacketsPerPair; ++k) {
      const bool inner_v6 = tx.tunnel ? pick(2) == 1 : tx.ipv6;
      const uint8_t proto = static_cast<uint8_t>(std::array<int, 4>{6, 17, 58, 1}[pick(4)]);
      const Bytes payload = payload_of(pick(300), static_cast<uint8_t>(pick(256)));
      Bytes ip;
      if (inner_v6) {
        ip = tx.tunnel ? ipv6_packet(v6addr(0xFD00, 1), v6addr(0xFD00, 2), proto, payload,
                                     static_cast<uint8_t>(pick(256)))
                       : ipv6_packet(tx.sip, tx.dip, proto, payload, static_cast<uint8_t>(pick(256)));
      } else {
        Ipv4Opts o;
        o.tos = static_cast<uint8_t>(pick(256));
        o.df = pick(2) == 1;
        o.id = static_cast<uint16_t>(pick(0x10000));
        ip = tx.tunnel ? ipv4_packet(v4addr(192, 168, 0, 1), v4addr(192, 168, 1, 1), proto, payload, o)
                       : ipv4_packet(tx.sip, tx.dip, proto, payload, o);
      }
      const model::FrameResult r =
          host.model().host_tx(host_frame(ip, ti, static_cast<uint16_t>(tx.handle)));
      INFO(r.why);
      REQUIRE(r.fate == F::kOut);
      const uint64_t sn = tx.seq + static_cast<uint64_t>(k);
      const size_t esp = 14 + (tx.ipv6 ? 40 : 20);
      REQUIRE(open_esp(tx, *r.out, esp, static_cast<uint32_t>(sn >> 32)).has_value());
      const uint8_t next = tx.tunnel ? (inner_v6 ? 41 : 4) : proto;
      sent.push_back(Sent{sn, ip, *r.out, next});
      tx_bytes += ip.size();
    }
    CHECK(host.stats(ti) == std::array<uint64_t, 5>{kPacketsPerPair, tx_bytes, 0, 0, 0});

    // The way to the peer: each packet once in a locally shuffled order, some twice, some
    // corrupted (as a copy: the packet itself still arrives).
    std::vector<std::pair<size_t, bool>> wire;  // (which packet, corrupted)
    for (size_t k = 0; k < sent.size(); ++k) {
      wire.push_back({k, false});
      if (pick(8) == 0) wire.push_back({k, false});
      if (pick(10) == 0) wire.push_back({k, true});
    }
    for (size_t k = 1; k < wire.size(); ++k) {
      const size_t back = std::min<size_t>(k, pick(2) == 0 ? 0 : pick(48));
      std::swap(wire[k], wire[k - back]);
    }

    ipsec::driver::XfrmReplayState initial;
    initial.seq = static_cast<uint32_t>(rx.seq);
    initial.seq_hi = static_cast<uint32_t>(rx.seq >> 32);
    ipsec::xfrm::ReplayWindow judge(32u * words, rx.esn, initial);
    uint64_t delivered = 0, bytes = 0, too_old = 0, replayed = 0, failed = 0, dropped = 0;
    for (size_t w = 0; w < wire.size(); ++w) {
      const Sent& s = sent[wire[w].first];
      const bool corrupt = wire[w].second;
      CAPTURE(w);
      CAPTURE(s.sn);
      CAPTURE(corrupt);
      Bytes frame = s.wire;
      if (corrupt) frame[frame.size() - 20] ^= 0x80;  // a ciphertext byte
      const uint32_t lo = static_cast<uint32_t>(s.sn);
      const uint64_t inferred = uint64_t{judge.infer_seq_hi(lo)} << 32 | lo;
      const Verdict v = judge.check(inferred);
      const model::FrameResult r = peer.model().wire_rx(frame);
      INFO(r.why);
      if (v == Verdict::kTooOld) {
        CHECK(r.fate == F::kDrop);
        ++too_old, ++dropped;
      } else if (v == Verdict::kReplayed) {
        CHECK(r.fate == F::kDrop);
        ++replayed, ++dropped;
      } else if (v == Verdict::kInvalid) {
        CHECK(r.fate == F::kDrop);
        ++dropped;
      } else if (corrupt || inferred != s.sn) {
        CHECK(r.fate == F::kAuthFail);
        ++failed;
      } else {
        REQUIRE(r.fate == F::kOut);
        judge.advance(inferred);
        ++delivered;
        bytes += s.ip.size();
        const Bytes& out = *r.out;
        CHECK(out[14] == 0x13);
        CHECK(out[15] == s.next);
        CHECK(Bytes(out.begin() + 22, out.end()) == s.ip);
      }
    }
    CHECK(peer.stats(ri) == std::array<uint64_t, 5>{delivered, bytes, too_old, replayed, failed});
    CHECK(peer.counter(model::CtrlCounter::kDecInPackets) == wire.size());
    CHECK(peer.counter(model::CtrlCounter::kDecOutPackets) == delivered);
    CHECK(peer.counter(model::CtrlCounter::kDecDropPackets) == dropped);
    CHECK(peer.counter(model::CtrlCounter::kDecAuthFailPackets) == failed);
    // Reordering within the window loses nothing: every packet was delivered at most once.
    CHECK(delivered <= sent.size());
  }
}
