// esp_tx with packet offload's stages joined (PktOffload = 1: the encapsulator in front, the
// lifetime unit's verdict joined to each frame sent), against the reference model with
// packet offload on (docs/packet_offload.md, P3, P5, P6, P8): frames byte for byte on the
// wire, the Innova counters, the events and every packet SA's counters, under random host
// pauses and wire back-pressure (IPSEC_STALL, default 25 %) unless a test measures timing.
#include <doctest/doctest.h>

#include <random>

#include "frames.h"
#include "latency_stats.h"
#include "pkt_tx_rig.h"
#include "test_seed.h"

using namespace ipsec;
using namespace ipsec::tb;
using pkt::SaSpec;

namespace {

SaSpec transport_sa(bool v6, uint32_t spi, uint32_t handle) {
  SaSpec s;
  s.ipv6 = v6;
  if (v6) {
    s.sip = pkt::v6addr(0x2001, 0x11);
    s.dip = pkt::v6addr(0x2001, 0x22);
  } else {
    s.sip = pkt::v4addr(10, 0, 0, 1);
    s.dip = pkt::v4addr(10, 0, 0, 2);
  }
  s.spi = spi;
  s.handle = handle;
  return s;
}

SaSpec tunnel_sa(bool outer6, uint32_t spi, uint32_t handle, uint8_t flags = 0) {
  SaSpec s = transport_sa(outer6, spi, handle);
  s.tunnel = true;
  s.ttl = 61;
  s.dscp_ecn = 0x28;
  s.tunnel_flags = flags;
  s.flow_label = outer6 ? 0x5A5A5 : 0;
  return s;
}

// A packet for a transport SA: its own addresses, so that the encapsulated frame names the SA.
Bytes packet_for(const SaSpec& s, size_t payload, uint8_t first = 0, uint8_t tos = 0) {
  const Bytes p = pkt::payload_of(payload, first);
  if (s.ipv6) return pkt::ipv6_packet(s.sip, s.dip, 17, p, tos);
  pkt::Ipv4Opts o;
  o.tos = tos;
  o.df = first & 1;
  return pkt::ipv4_packet(s.sip, s.dip, 17, p, o);
}

// An inner packet of either family for a tunnel.
Bytes inner_packet(bool v6, size_t payload, uint8_t first = 0, uint8_t tos = 0) {
  const Bytes p = pkt::payload_of(payload, first);
  if (v6) return pkt::ipv6_packet(pkt::v6addr(0xfd00, 1), pkt::v6addr(0xfd00, 2), 6, p, tos);
  pkt::Ipv4Opts o;
  o.tos = tos;
  o.df = first & 1;
  return pkt::ipv4_packet(pkt::v4addr(192, 168, 1, 1), pkt::v4addr(192, 168, 2, 1), 6, p, o);
}

Bytes frame_for(const Bytes& ip, uint16_t index, const SaSpec& s) {
  return pkt::host_frame(ip, index, static_cast<uint16_t>(s.handle));
}

// A crypto SA of the Innova (ADD_SA_V2) for the stimulus' default packet and `spi`, and a
// frame for it as the host builds one.
SaSpec crypto_sa(uint32_t spi) {
  PacketSpec p;
  EspSpec e;
  e.spi = spi;
  const model::SaKey k = sa_key_for(true, ip_packet(p), e);
  SaSpec s;
  s.sip = k.sip;
  s.dip = k.dip;
  s.spi = spi;
  s.handle = 0;
  return s;
}

Bytes crypto_frame(uint32_t spi, uint64_t seq, size_t payload) {
  PacketSpec p;
  p.payload = pattern(payload);
  EspSpec e;
  e.spi = spi;
  e.seq = seq;
  return host_esp_frame(ip_packet(p), e);
}

}  // namespace

TEST_CASE("transport IPv4 and IPv6 packet frames leave as the model encapsulates and encrypts them") {
  PktTxRig r(test_seed(), stall_percent(25), stall_percent(25));
  const SaSpec s4 = transport_sa(false, 0x100, 0xA0000001);
  const SaSpec s6 = transport_sa(true, 0x200, 0xA0000002);
  const uint16_t i4 = r.add_packet_sa(s4);
  const uint16_t i6 = r.add_packet_sa(s6);
  for (size_t n : {0, 1, 2, 3, 17, 18, 100, 1000, 1472, 9000}) {
    r.send(frame_for(packet_for(s4, n, static_cast<uint8_t>(n)), i4, s4), false, "transport v4");
    r.send(frame_for(packet_for(s6, n, static_cast<uint8_t>(n)), i6, s6), false, "transport v6");
  }
  r.finish();
  CHECK(r.frames_out() == 20);
}

TEST_CASE("tunnel frames, outer IPv4 and IPv6 over inner IPv4 and IPv6, leave as the model builds them") {
  PktTxRig r(test_seed(), stall_percent(25), stall_percent(25));
  const SaSpec t4 = tunnel_sa(false, 0x300, 0xB0000001);
  const SaSpec t6 = tunnel_sa(true, 0x400, 0xB0000002);
  const SaSpec t4c = tunnel_sa(false, 0x500, 0xB0000003, 3);  // DSCP and DF from the inner header
  const SaSpec t6c = tunnel_sa(true, 0x600, 0xB0000004, 1);
  const uint16_t i4 = r.add_packet_sa(t4), i6 = r.add_packet_sa(t6);
  const uint16_t i4c = r.add_packet_sa(t4c), i6c = r.add_packet_sa(t6c);
  int sent = 0;
  for (size_t n : {0, 5, 30, 64, 333, 1400, 9100}) {
    for (bool inner6 : {false, true}) {
      const Bytes in = inner_packet(inner6, n, static_cast<uint8_t>(n + inner6), 0xB9);
      r.send(frame_for(in, i4, t4), false, "tunnel 4");
      r.send(frame_for(in, i6, t6), false, "tunnel 6");
      r.send(frame_for(in, i4c, t4c), false, "tunnel 4, copied");
      r.send(frame_for(in, i6c, t6c), false, "tunnel 6, copied");
      sent += 4;
    }
  }
  r.finish();
  CHECK(r.frames_out() == static_cast<uint64_t>(sent));
}

TEST_CASE("ESN across 2^32 on TX: the IV and the AAD carry the high half") {
  PktTxRig r(test_seed(), stall_percent(25), stall_percent(25));
  SaSpec s = transport_sa(false, 0x700, 0xC0000001);
  s.esn = true;
  s.seq = 0xFFFFFFFDull;
  SaSpec t = tunnel_sa(true, 0x701, 0xC0000002);
  t.esn = true;
  t.seq = 0x1FFFFFFFEull;
  const uint16_t is = r.add_packet_sa(s), it = r.add_packet_sa(t);
  for (int k = 0; k < 6; ++k) {
    r.send(frame_for(packet_for(s, 40 + k, static_cast<uint8_t>(k)), is, s), false, "ESN transport");
    r.send(frame_for(inner_packet(k & 1, 80 + k), it, t), false, "ESN tunnel");
  }
  r.finish();
  CHECK(r.frames_out() == 12);
}

TEST_CASE("exhaustion without ESN: the frame that would carry 2^32 and every later one dropped and counted, one hard event") {
  PktTxRig r(test_seed(), stall_percent(25), stall_percent(25));
  SaSpec s = transport_sa(false, 0x800, 0xD0000001);
  s.seq = 0xFFFFFFFEull;
  const uint16_t i = r.add_packet_sa(s);
  for (int k = 0; k < 7; ++k) r.send(frame_for(packet_for(s, 60 + k), i, s), false, "towards 2^32");
  r.finish();
  CHECK(r.frames_out() == 2);
  CHECK(r.model().counter(model::CtrlCounter::kEncDropPackets) == 5);
  CHECK(r.model().stats(i)[2] == 5);  // seq_exhausted
  CHECK(r.events_seen() == 1);
}

TEST_CASE("exhaustion, then bad packets of the SA right behind: seq_exhausted counts them as the model does") {
  // The model drops a dead SA's frame before it parses it: a malformed packet, or one whose
  // datagram goes past the frame's end, counts in seq_exhausted once the SA died of
  // exhaustion, and not while it lives (the first exhausted frame bad: nothing counted).
  for (int stall : {0, stall_percent(25)}) {
    PktTxRig r(test_seed(), stall, stall);
    SaSpec s = transport_sa(false, 0x880, 0xD1000001);
    s.seq = 0xFFFFFFFFull;
    const SaSpec other = transport_sa(true, 0x881, 0xD1000002);
    const uint16_t i = r.add_packet_sa(s);
    Bytes cut = frame_for(packet_for(s, 200), i, s);
    cut.resize(cut.size() - 20);
    r.send(frame_for(packet_for(s, 40), i, s), false, "the last number");
    r.send(cut, false, "exhausted, cut: nothing counted");
    r.send(frame_for(packet_for(other, 40), i, s), false, "exhausted, other family: nothing counted");
    r.send(frame_for(packet_for(s, 40), i, s), false, "exhausted");
    for (int k = 0; k < 4; ++k) {
      r.send(cut, false, "dead, cut");
      r.send(frame_for(packet_for(other, 40 + k), i, s), false, "dead, other family");
      r.send(frame_for(packet_for(s, 40 + k), i, s), false, "dead");
    }
    // Frames of 60 bytes (4 beats) back to back, each with its op: 4 clocks apart, the
    // lifetime unit's rule (its assertion and esp_tx's).
    for (int k = 0; k < 10; ++k) r.send(frame_for(packet_for(s, 10), i, s), false, "dead, 60 bytes");
    r.finish();
    CHECK(r.frames_out() == 1);
    CHECK(r.model().stats(i)[2] == 23);
  }
}

TEST_CASE("soft and hard limits by packets and by bytes: exactly the packet the model drops") {
  for (int stall : {0, stall_percent(25)}) {
    PktTxRig r(test_seed(), stall, stall);
    SaSpec sp = transport_sa(false, 0x900, 0xE0000001);
    sp.soft_packets = 3;
    sp.hard_packets = 5;
    SaSpec sb = tunnel_sa(true, 0x901, 0xE0000002);
    sb.soft_bytes = 500;
    sb.hard_bytes = 1000;
    SaSpec s6 = transport_sa(true, 0x902, 0xE0000003);
    s6.soft_bytes = 100;
    s6.hard_bytes = 400;
    s6.soft_packets = 8;
    s6.hard_packets = 10;
    const uint16_t ip = r.add_packet_sa(sp), ib = r.add_packet_sa(sb), i6 = r.add_packet_sa(s6);
    // Back to back, so that frames behind the one a hard limit drops are already inside.
    for (int k = 0; k < 9; ++k) {
      r.send(frame_for(packet_for(sp, 30 + 7 * k), ip, sp), false, "packet limits");
      r.send(frame_for(inner_packet(k & 1, 100 + 20 * k), ib, sb), false, "byte limits");
      r.send(frame_for(packet_for(s6, 20 + 10 * k), i6, s6), false, "byte limits v6");
    }
    r.finish();
    CHECK(r.frames_out() > 0);
    CHECK(r.frames_dropped() > 0);
    CHECK(r.events_seen() >= 6);
  }
}

TEST_CASE("a sent packet frame the crypto path finds no SA for: dropped there, the verdicts of the frames behind it still theirs") {
  // Each frame sent has its verdict; one the path behind the encapsulator drops lets its
  // verdict go in its turn. With a hard packet limit, the frames past it fail: a verdict
  // taken by the wrong frame would put a frame on the wire the model drops, or the reverse.
  for (int stall : {0, stall_percent(25)}) {
    PktTxRig r(test_seed(), stall, stall);
    SaSpec s = transport_sa(false, 0xB00, 0xF1000001);
    s.soft_packets = 10;
    s.hard_packets = 21;
    const uint16_t i = r.add_packet_sa(s);
    for (int k = 0; k < 30; ++k) {
      if (k % 3 == 1) {
        r.send_unfound(frame_for(packet_for(s, 30 + k), i, s), "its lookup missing");
      } else {
        r.send(frame_for(packet_for(s, 30 + k), i, s), false, "sent");
      }
    }
    r.finish();
    CHECK(r.frames_out() == 14);
  }
}

TEST_CASE("the SA of an encapsulated frame is the one its metadata names, not the one its addresses name") {
  // The crypto path looks an encapsulated frame's SA up by the index the encapsulator gives
  // it, and a host's own frame by its key among crypto SAs only (packet section P3):
  //  - a transport packet whose addresses are not its SA's leaves encrypted with its SA;
  //  - a host's crypto-offload frame whose key is a packet SA's finds no SA: dropped;
  //  - a transport packet whose addresses are a crypto SA's key, sent by index through a
  //    packet SA, is encrypted with the packet SA, not the crypto one.
  for (int stall : {0, stall_percent(25)}) {
    PktTxRig r(test_seed(), stall, stall);
    const SaSpec c = crypto_sa(0x2100);
    r.add_crypto_sa(c);
    const SaSpec s = transport_sa(false, 0xB10, 0xF2000001);
    const SaSpec s6 = transport_sa(true, 0xB11, 0xF2000002);
    const uint16_t i = r.add_packet_sa(s), i6 = r.add_packet_sa(s6);
    // A packet SA keyed as the stimulus' default packet's, as a host's crypto frame names it.
    SaSpec k = crypto_sa(0x2101);
    k.handle = 0xF2000003;
    const uint16_t ik = r.add_packet_sa(k);
    // A packet SA of the crypto SA's SPI (its own addresses): a packet of the crypto SA's
    // addresses sent through it makes a frame whose key is the crypto SA's.
    const SaSpec sc = transport_sa(false, 0x2100, 0xF2000004);
    const uint16_t isc = r.add_packet_sa(sc);
    SaSpec elsewhere = s, elsewhere6 = s6, as_crypto = sc;
    elsewhere.sip = pkt::v4addr(10, 9, 9, 9);
    elsewhere.dip = pkt::v4addr(10, 9, 9, 10);
    elsewhere6.dip = pkt::v6addr(0x2001, 0x99);
    as_crypto.sip = c.sip;
    as_crypto.dip = c.dip;
    for (int n = 0; n < 4; ++n) {
      r.send(frame_for(packet_for(elsewhere, 40 + 7 * n), i, s), false, "packet, other addresses");
      r.send(frame_for(packet_for(elsewhere6, 40 + 7 * n), i6, s6), false, "packet IPv6, other addresses");
      r.send(crypto_frame(0x2101, 1 + n, 60 + n), false, "crypto frame, a packet SA's key");
      r.send(frame_for(packet_for(k, 50 + n), ik, k), false, "packet, that SA's own");
      r.send(frame_for(packet_for(as_crypto, 50 + n), isc, sc), false, "packet, a crypto SA's key");
      r.send(crypto_frame(0x2100, 1 + n, 70 + n), false, "crypto");
    }
    r.finish();
    CHECK(r.frames_out() == 20);
  }
}

TEST_CASE("crypto frames, plain frames and refused packet frames beside packet frames, counted as the model counts them") {
  PktTxRig r(test_seed(), stall_percent(25), stall_percent(25));
  const SaSpec c = crypto_sa(0x2000);
  r.add_crypto_sa(c);
  const SaSpec s = transport_sa(false, 0xA00, 0xF0000001);
  const SaSpec t = tunnel_sa(true, 0xA01, 0xF0000002);
  const uint16_t is = r.add_packet_sa(s), it = r.add_packet_sa(t);
  const SaSpec s6 = transport_sa(true, 0xA02, 0xF0000003);
  for (int k = 0; k < 3; ++k) {
    r.send(crypto_frame(0x2000, 1 + k, 50 + 100 * k), false, "crypto");
    r.send(frame_for(packet_for(s, 70 + k), is, s), false, "packet");
    r.send(pad_to_minimum(ethernet_ip(ip_packet(PacketSpec{}))), false, "plain");
    r.send(frame_for(inner_packet(false, 200 + k), it, t), false, "packet tunnel");
    r.send(crypto_frame(0x2001, 1, 64), false, "crypto, no SA");
    r.send(frame_for(packet_for(s, 70), is, s6), false, "packet, wrong handle");
    r.send(frame_for(packet_for(s, 70), 77, s), false, "packet, no SA at the index");
    r.send(frame_for(packet_for(s6, 70), is, s), false, "packet, other family (transport)");
    r.send(frame_for(packet_for(s, 10), is, s), true, "packet, MAC error");
    const Bytes whole = frame_for(packet_for(s, 10), is, s);
    r.send(Bytes(whole.begin(), whole.begin() + 40), false, "packet, runt");
    Bytes cut = frame_for(packet_for(s, 300), is, s);
    cut.resize(cut.size() - 40);
    r.send(cut, false, "packet, datagram past the frame's end");
    r.send(frame_for(inner_packet(true, 9216), it, t), false, "packet, longer than MaxFrame");
    // Longer than MaxFrame by 1 to 56 bytes: the length check in front of the encapsulator
    // drops them (the path behind it takes up to MaxFrame + 56).
    r.send(crypto_frame(0x2000, 10 + k, 9216 - 66 + 1 + 27 * k), false, "crypto, longer than MaxFrame");
    PacketSpec big;
    big.payload = pattern(9216 - 42 + 1 + 20 * k);
    r.send(ethernet_ip(ip_packet(big)), false, "plain, longer than MaxFrame");
    r.send(frame_for(packet_for(s, 9216 - 42 + 1 + 30 * k), is, s), false, "packet, longer than MaxFrame by a little");
    r.send(frame_for(packet_for(s, 9216 - 42 - k), is, s), false, "packet, MaxFrame or just under");
    // The largest growth: MaxFrame in, a tunnel with an outer IPv6 header, 56 bytes more
    // into the crypto path, 9,282 bytes on the wire (the padding evens out k).
    r.send(frame_for(inner_packet(false, 9216 - 42 - k), it, t), false, "packet tunnel, MaxFrame or just under");
  }
  r.finish();
  CHECK(r.frames_out() == 18);
}

TEST_CASE("a random mix of packet, crypto and plain frames and refusals, limits and exhaustion, matches the model") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  const int stall = stall_percent(25);
  PktTxRig r(seed, stall, stall);
  const SaSpec c = crypto_sa(0x3000);
  r.add_crypto_sa(c);
  std::vector<std::pair<SaSpec, uint16_t>> sas;
  for (int i = 0; i < 8; ++i) {
    SaSpec s = (i & 1) ? tunnel_sa(i & 2, 0x4000 + i, 0x77000000u + i, static_cast<uint8_t>(i & 3))
                       : transport_sa(i & 2, 0x4000 + i, 0x77000000u + i);
    s.esn = i & 4;
    s.aes256 = i % 3 == 0;
    if (i == 2) s.seq = 0xFFFFFFF0ull;                  // exhausts within the run
    if (i == 6) s.seq = 0xFFFFFFF0ull;                  // ESN: crosses 2^32
    if (i == 3) s.hard_packets = 40 + rng() % 20, s.soft_packets = 30;
    if (i == 5) s.soft_bytes = 5000, s.hard_bytes = 20000 + rng() % 5000;
    sas.push_back({s, r.add_packet_sa(s)});
  }
  for (int f = 0; f < 1200; ++f) {
    const unsigned pick = static_cast<unsigned>(rng() % 100);
    const auto& [s, index] = sas[rng() % sas.size()];
    const size_t n = rng() % 4 == 0 ? rng() % 1500 : rng() % 200;
    if (pick < 60) {
      const Bytes ip = s.tunnel ? inner_packet(rng() & 1, n, static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng()))
                                : packet_for(s, n, static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng()));
      r.send(frame_for(ip, index, s), false, "packet");
    } else if (pick < 75) {
      r.send(crypto_frame(0x3000, 1 + f, n), false, "crypto");
    } else if (pick < 85) {
      PacketSpec p;
      p.payload = pattern(n);
      r.send(pad_to_minimum(ethernet_ip(ip_packet(p))), false, "plain");
    } else if (pick < 89) {
      r.send(frame_for(packet_for(s, n), index, s), true, "packet, MAC error");
    } else if (pick < 93) {
      SaSpec other = s;
      other.handle ^= 0x10;
      r.send(frame_for(packet_for(s, n), index, other), false, "packet, wrong handle");
    } else if (pick < 96) {
      Bytes cut = frame_for(packet_for(s, n + 40), index, s);
      cut.resize(cut.size() - 1 - rng() % 30);
      r.send(cut, false, "packet, cut");
    } else {
      r.send(frame_for(packet_for(s, n), static_cast<uint16_t>(900 + rng() % 100), s), false, "packet, no SA");
    }
  }
  r.finish();
  MESSAGE(r.frames_out() << " frames out, " << r.frames_dropped() << " discarded on the wire, "
                         << r.events_seen() << " events, " << r.cycles() << " clocks; " << seed_hint());
  CHECK(r.frames_out() > 600);
}

TEST_CASE("one beat per clock at every frame size with packet SAs, and the latency with the encapsulator") {
  // Packet frames (transport IPv4, 16 SAs in turn), then crypto frames on the same build:
  // every frame takes the encapsulator's 3 clocks.
  const uint64_t seed = test_seed();
  for (bool packet : {true, false}) {
    for (size_t size : {64, 128, 256, 512, 1024, 1500, 9000}) {
      PktTxRig r(seed, 0, 0);
      std::vector<std::pair<SaSpec, uint16_t>> sas;
      for (int i = 0; i < 16; ++i) {
        if (packet) {
          const SaSpec s = transport_sa(false, 0x5000 + i, 0x66000000u + i);
          sas.push_back({s, r.add_packet_sa(s)});
        } else {
          r.add_crypto_sa(crypto_sa(0x6000 + i));
        }
      }
      const int frames = size == 9000 ? 40 : 300;
      for (int f = 0; f < frames; ++f) {
        if (packet) {
          const auto& [s, index] = sas[f % sas.size()];
          // size bytes in: 14 + 8 (metadata) + 20 (IPv4) + payload.
          r.send(frame_for(packet_for(s, size - 42, static_cast<uint8_t>(f)), index, s), false, "rate");
        } else {
          // size bytes in: 14 + 8 (metadata) + 20 (IPv4) + 16 (ESP, IV) + payload, a
          // protocol without an L4 header (as testbench/esp_tx's figures).
          PacketSpec p;
          p.proto = 253;  // RFC 3692 experimentation
          p.payload = pattern(size - 58, static_cast<uint8_t>(f));
          EspSpec e;
          e.spi = 0x6000u + static_cast<uint32_t>(f % 16);
          e.seq = 1 + static_cast<uint64_t>(f);
          r.send(host_esp_frame(ip_packet(p), e), false, "rate, crypto");
        }
      }
      r.finish();
      REQUIRE(r.frames_out() == static_cast<uint64_t>(frames));
      const double span = static_cast<double>(r.last_out_cycle() - r.first_out_cycle() + 1);
      const double util = static_cast<double>(r.busy_beats()) / span;
      LatencyStats lat;
      for (size_t i = 0; i < r.frame_out_cycles().size(); ++i) {
        lat.add(r.frame_out_cycles()[i] - r.frame_in_last_cycles()[i]);
      }
      MESSAGE((packet ? "packet" : "crypto") << " frames, size " << size << ": utilization " << util
                                             << "; last beat in to first out: best " << lat.min_cycles()
                                             << ", worst " << lat.max_cycles() << ", mean " << lat.mean_cycles());
      CHECK(util >= 0.99);
      CHECK(r.out_gap_clocks() == 0);
      // Into an idle unit: esp_tx's 43 to 47 clocks (docs/architecture.md), the
      // encapsulator's 3, and a packet frame's 16 bytes of ESP header and IV (a beat).
      CHECK(lat.min_cycles() <= 47 + 3 + (packet ? 1 : 0));
    }
  }
}

TEST_CASE("packets shorter than the Ethernet minimum, padded to 60 bytes: one beat per clock, the padding not carried") {
  // A TCP ACK is a 40-byte IPv4 packet: the host pads its frame to 60 bytes (68 with the
  // metadata, 5 beats). Encapsulated, the packet grows by 16 bytes; its padding, carried
  // behind the datagram, would make the frame in the crypto path a beat longer than the
  // wire's. Transport IPv4 and IPv6 and tunnel, back to back, each run of one packet size
  // (the wire buffer stores and forwards: a frame longer than the one before it waits, as
  // for any size, "one beat per clock at every frame size" above).
  const uint64_t seed = test_seed();
  for (int kind = 0; kind < 3; ++kind) {
    const size_t header = kind == 1 ? 40 : 20;
    for (size_t payload = 0; payload <= 45 - header; ++payload) {
      PktTxRig r(seed, 0, 0);
      std::vector<std::pair<SaSpec, uint16_t>> sas;
      for (int i = 0; i < 8; ++i) {
        const SaSpec s = kind == 2 ? tunnel_sa(false, 0x7000 + i, 0x67000000u + i)
                                   : transport_sa(kind == 1, 0x7000 + i, 0x67000000u + i);
        sas.push_back({s, r.add_packet_sa(s)});
      }
      constexpr int kFrames = 300;
      for (int f = 0; f < kFrames; ++f) {
        const auto& [s, index] = sas[f % sas.size()];
        const Bytes ip = kind == 2 ? inner_packet(false, payload, static_cast<uint8_t>(f))
                                   : packet_for(s, payload, static_cast<uint8_t>(f));
        Bytes frame = frame_for(ip, index, s);
        REQUIRE(frame.size() < 68);
        frame.resize(68, 0);  // the MAC's padding, after the metadata: 60 bytes on the wire
        r.send(frame, false, "padded");
      }
      r.finish();
      REQUIRE(r.frames_out() == static_cast<uint64_t>(kFrames));
      const double span = static_cast<double>(r.last_out_cycle() - r.first_out_cycle() + 1);
      const double util = static_cast<double>(r.busy_beats()) / span;
      MESSAGE(std::string(kind == 0 ? "transport IPv4" : kind == 1 ? "transport IPv6" : "tunnel")
              << ", IP packet of " << header + payload << " bytes padded: " << util
              << " busy beats per clock");
      CHECK(util >= 0.99);
      CHECK(r.out_gap_clocks() == 0);
    }
  }
}
