// Packet offload's RX datapath (esp_rx with PktOffload = 1, esp_pkt_life beside it) against
// the reference model with packet offload on: delivery (P4), the replay window (P4, P8),
// lifetimes and events (P5, P6), crypto SAs beside packet SAs, the wire's rate. Every frame,
// counter pulse, per-SA counter and event is the model's (pkt_rx_harness.h); the host output
// stalls at random (IPSEC_STALL), the wire pauses at random.
#include <doctest/doctest.h>

#include <random>

#include "pkt_rx_harness.h"
#include "test_seed.h"

using namespace ipsec;
using namespace ipsec::tb;
using pkt::SaSpec;

namespace {

uint32_t g_handle = 0x100;

// An RX packet SA of the given shape; its peer's addresses, SPI and key from `n`.
SaSpec rx_sa(unsigned n, bool ipv6, bool tunnel, bool esn, uint8_t words, uint64_t edge = 0) {
  SaSpec s;
  s.tx = false;
  s.ipv6 = ipv6;
  s.tunnel = tunnel;
  s.esn = esn;
  s.replay_words = words;
  s.seq = edge;
  s.spi = 0x2000 + n;
  s.handle = ++g_handle;
  s.sip = ipv6 ? pkt::v6addr(0x2001, static_cast<uint16_t>(n)) : pkt::v4addr(192, 0, 2, static_cast<uint8_t>(n));
  s.dip = ipv6 ? pkt::v6addr(0x2001, 0xFF00) : pkt::v4addr(198, 51, 100, 1);
  for (size_t i = 0; i < s.key.size(); ++i) s.key[i] = static_cast<uint8_t>(n * 7 + 3 * i);
  s.aes256 = n % 3 == 1;
  return s;
}

// What a peer sends: tunnel, an inner IPv4 (even `n`) or IPv6 packet of `bytes` payload
// bytes; transport, `bytes` of UDP-ish payload.
struct Inner {
  Bytes data;
  uint8_t next_header;
};
Inner inner_of(const SaSpec& s, size_t bytes, unsigned n) {
  const Bytes pl = pkt::payload_of(bytes, static_cast<uint8_t>(n));
  if (!s.tunnel) return {pl, 17};
  if (n % 2 == 0) return {pkt::ipv4_packet(pkt::v4addr(10, 1, 0, 1), pkt::v4addr(10, 2, 0, 2), 17, pl), 4};
  return {pkt::ipv6_packet(pkt::v6addr(0xFD00, 1), pkt::v6addr(0xFD00, 2), 17, pl), 41};
}

Bytes frame(const SaSpec& s, uint64_t sn, size_t bytes = 40, bool corrupt = false, unsigned n = 0) {
  const Inner in = inner_of(s, bytes, n);
  return pkt::esp_frame(s, sn, in.data, in.next_header, corrupt);
}

struct Fixture {
  uint64_t seed = test_seed();
  std::mt19937_64 rng{seed};
  PktRxHarness h{seed, stall_percent(25), stall_percent(25)};
};

void check_totals(PktRxHarness& h) {
  const auto& r = h.rtl_counters();
  const auto& m = h.model_counters();
  CHECK(r.dec_in == m.dec_in);
  CHECK(r.dec_out == m.dec_out);
  CHECK(r.dec_bypass == m.dec_bypass);
  CHECK(r.dec_drop == m.dec_drop);
  CHECK(r.dec_auth_fail == m.dec_auth_fail);
}

}  // namespace

TEST_CASE("transport SAs, IPv4 and IPv6: delivered as 0x13 with the IP header restored, counted per SA") {
  Fixture f;
  const SaSpec a = rx_sa(1, false, false, false, 4);
  const SaSpec b = rx_sa(2, true, false, false, 32);
  const uint16_t ia = f.h.add_packet_sa(a), ib = f.h.add_packet_sa(b);
  for (uint64_t sn = 1; sn <= 12; ++sn) {
    f.h.push(frame(a, sn, static_cast<size_t>(1 + 37 * sn % 300), false, static_cast<unsigned>(sn)));
    f.h.push(frame(b, sn, static_cast<size_t>(3 * sn), false, static_cast<unsigned>(sn)));
  }
  f.h.run();
  CHECK(f.h.frames_out() == 24);
  CHECK(f.h.model_counters().dec_out == 24);
  check_totals(f.h);
  f.h.check_sa(ia);
  f.h.check_sa(ib);
  CHECK(f.h.check_events().empty());
}

TEST_CASE("tunnel SAs, outer IPv4 and IPv6, inner IPv4 and IPv6: the inner packet delivered without TFC padding, another next header or a malformed inner packet dropped") {
  Fixture f;
  std::vector<SaSpec> sas;
  std::vector<uint16_t> idx;
  for (unsigned n = 0; n < 2; ++n) {
    sas.push_back(rx_sa(10 + n, n == 1, true, false, 2));
    idx.push_back(f.h.add_packet_sa(sas.back()));
  }
  for (uint64_t sn = 1; sn <= 8; ++sn) {
    for (const SaSpec& s : sas) f.h.push(frame(s, sn, 20 + 50 * sn, false, static_cast<unsigned>(sn)));
  }
  // Next header 59 (no next header) and 17 in tunnel mode: dropped after the ICV, nothing
  // counted in the SA, the window unmoved: the same number delivered after.
  f.h.push(pkt::esp_frame(sas[0], 20, pkt::payload_of(40), 59));
  f.h.push(pkt::esp_frame(sas[1], 20, pkt::payload_of(40), 17));
  f.h.run();
  f.h.push(frame(sas[0], 20, 64, false, 2));
  f.h.push(frame(sas[1], 20, 64, false, 3));
  f.h.run();
  // TFC padding after the inner packet (RFC 4303 section 2.7): delivered without it, its
  // bytes not counted.
  for (uint64_t sn = 21; sn <= 26; ++sn) {
    for (const SaSpec& s : sas) {
      const Inner in = inner_of(s, 10 * sn, static_cast<unsigned>(sn));
      f.h.push(pkt::esp_frame(s, sn, in.data, in.next_header, false, static_cast<size_t>(sn % 4 * 9)));
    }
  }
  f.h.run();
  // Malformed inner packets, dropped after the ICV (P8), the window unmoved: a version that
  // disagrees with the next header, a length beyond the payload, below the header, an
  // inner packet shorter than its header, an IHL below 5, a length below the IHL's header.
  Bytes v4 = pkt::ipv4_packet(pkt::v4addr(10, 1, 0, 1), pkt::v4addr(10, 2, 0, 2), 17, pkt::payload_of(30));
  Bytes bad_version = v4;
  bad_version[0] = 0x65;
  Bytes too_long = v4;
  too_long[3] = static_cast<uint8_t>(too_long[3] + 1);
  Bytes below_header = v4;
  below_header[2] = 0;
  below_header[3] = 19;
  Bytes ihl_4 = v4;
  ihl_4[0] = 0x44;
  Bytes below_ihl = v4;
  below_ihl[0] = 0x46;  // a 24-byte header
  below_ihl[2] = 0;
  below_ihl[3] = 23;
  Bytes v6 = pkt::ipv6_packet(pkt::v6addr(0xFD00, 1), pkt::v6addr(0xFD00, 2), 17, pkt::payload_of(30));
  Bytes v6_long = v6;
  v6_long[5] = static_cast<uint8_t>(v6_long[5] + 1);
  f.h.push(pkt::esp_frame(sas[0], 30, bad_version, 4));
  f.h.push(pkt::esp_frame(sas[1], 30, too_long, 4));
  f.h.push(pkt::esp_frame(sas[0], 31, below_header, 4));
  f.h.push(pkt::esp_frame(sas[1], 31, v6_long, 41));
  f.h.push(pkt::esp_frame(sas[0], 32, Bytes(12, 0x45), 4));
  f.h.push(pkt::esp_frame(sas[1], 32, v4, 41));
  f.h.push(pkt::esp_frame(sas[0], 33, ihl_4, 4));
  f.h.push(pkt::esp_frame(sas[0], 34, below_ihl, 4));
  f.h.run();
  f.h.push(frame(sas[0], 30, 64, false, 2));
  f.h.push(frame(sas[1], 30, 64, false, 3));
  f.h.run();
  CHECK(f.h.frames_out() == 32);
  CHECK(f.h.model_counters().dec_drop == 10);
  check_totals(f.h);
  for (uint16_t i : idx) f.h.check_sa(i);
}

TEST_CASE("replay window: a duplicate, just inside, just outside, and a jump ahead by more than the window") {
  Fixture f;
  const SaSpec s = rx_sa(20, false, false, false, 1);  // 32 numbers
  const uint16_t i = f.h.add_packet_sa(s);
  for (uint64_t sn = 1; sn <= 5; ++sn) f.h.push(frame(s, sn));
  f.h.run();
  f.h.push(frame(s, 3));    // seen before: dropped before the ICV, `replay`
  f.h.push(frame(s, 100));  // ahead by more than the window: fresh, the window slides
  f.h.run();
  f.h.push(frame(s, 69));   // 100 - 31: the window's left edge, not seen
  f.h.push(frame(s, 68));   // 100 - 32: left of the window, `replay_window`
  f.h.push(frame(s, 100));  // the edge again: `replay`
  f.h.push(frame(s, 0));    // sequence number 0: dec_drop only
  f.h.run();
  // Back to back, both in the pipe before the first commits: the second is refused at the
  // recheck after its ICV (P4 step 3), counted in `replay` as well.
  f.h.push(frame(s, 101));
  f.h.push(frame(s, 101));
  f.h.run();
  CHECK(f.h.model_counters().dec_out == 8);
  CHECK(f.h.model_counters().dec_drop == 5);
  check_totals(f.h);
  f.h.check_sa(i);
  const auto st = f.h.engine().stats(i);
  CHECK(st[2] == 1);  // replay_window
  CHECK(st[3] == 3);  // replay
}

TEST_CASE("ESN across 2^32: the high half inferred on RX, in the AAD, the window across the wrap") {
  Fixture f;
  const uint64_t edge = (uint64_t{1} << 32) - 3;
  const SaSpec s = rx_sa(30, true, false, true, 2, edge);
  const SaSpec t = rx_sa(31, false, true, true, 1, edge);
  const uint16_t i = f.h.add_packet_sa(s), j = f.h.add_packet_sa(t);
  for (uint64_t sn = edge - 2; sn <= edge + 6; ++sn) {
    f.h.push(frame(s, sn, 30));
    f.h.push(frame(t, sn, 30, false, static_cast<unsigned>(sn & 1)));
  }
  f.h.run();
  // After the wrap: an old number of the last subspace, a duplicate across it, one far left
  // (inferred into the next subspace: its ICV fails, `integrity_failed`, P8).
  f.h.push(frame(s, edge - 1, 30));
  f.h.push(frame(s, edge + 4, 30));
  f.h.push(frame(s, edge - 100, 30));
  f.h.push(frame(t, edge + 5, 30));
  f.h.run();
  check_totals(f.h);
  f.h.check_sa(i);
  f.h.check_sa(j);
  CHECK(f.h.model_counters().dec_auth_fail >= 1);
}

TEST_CASE("an ICV failure is dec_auth_fail and integrity_failed and does not move the window") {
  Fixture f;
  const SaSpec s = rx_sa(40, false, false, false, 1);
  const uint16_t i = f.h.add_packet_sa(s);
  f.h.push(frame(s, 1));
  f.h.push(frame(s, 50, 40, true));  // far ahead, a bad ICV: the window stays at 1
  f.h.run();
  f.h.push(frame(s, 2));             // still inside the window: delivered
  f.h.push(frame(s, 50));            // and 50, good this time
  f.h.run();
  CHECK(f.h.model_counters().dec_auth_fail == 1);
  CHECK(f.h.model_counters().dec_out == 3);
  check_totals(f.h);
  f.h.check_sa(i);
  CHECK(f.h.engine().stats(i)[4] == 1);
}

TEST_CASE("lifetimes on RX by packets: the soft event passes the frame, the hard limit drops it and ends the SA") {
  Fixture f;
  SaSpec s = rx_sa(50, false, false, false, 2);
  s.soft_packets = 2;
  s.hard_packets = 4;
  const uint16_t i = f.h.add_packet_sa(s);
  for (uint64_t sn = 1; sn <= 7; ++sn) f.h.push(frame(s, sn));
  f.h.run();
  // A dead SA: every frame dropped, its replay and ICV drops not counted (P8).
  f.h.push(frame(s, 3));
  f.h.push(frame(s, 9, 40, true));
  f.h.run();
  CHECK(f.h.model_counters().dec_out == 4);
  check_totals(f.h);
  f.h.check_sa(i);
  const auto ev = f.h.check_events();
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == 2);  // soft packets
  CHECK(ev[1].kind == 4);  // hard packets
}

TEST_CASE("lifetimes on RX by bytes: transport and tunnel bytes as delivered") {
  Fixture f;
  SaSpec s = rx_sa(60, true, false, false, 2);
  s.soft_bytes = 300;
  s.hard_bytes = 700;
  SaSpec t = rx_sa(61, false, true, false, 2);
  t.soft_bytes = 200;
  t.hard_bytes = 500;
  const uint16_t i = f.h.add_packet_sa(s), j = f.h.add_packet_sa(t);
  for (uint64_t sn = 1; sn <= 8; ++sn) {
    f.h.push(frame(s, sn, 60 + 10 * sn));
    f.h.push(frame(t, sn, 30 + 10 * sn, false, static_cast<unsigned>(sn)));
  }
  f.h.run();
  check_totals(f.h);
  f.h.check_sa(i);
  f.h.check_sa(j);
  const auto ev = f.h.check_events();
  CHECK(ev.size() == 4);  // soft and hard bytes, each SA
}

TEST_CASE("crypto SAs beside packet SAs: 0x11 unchanged, with and without NO_TRAILER, and the debug bit") {
  Fixture f;
  SaSpec c = rx_sa(70, false, false, false, 0);
  c.handle = 0x77;
  SaSpec c6 = rx_sa(71, true, false, false, 0);
  c6.handle = 0x78;
  f.h.add_crypto_sa(c);
  f.h.add_crypto_sa(c6);
  const SaSpec p = rx_sa(72, false, true, false, 4);
  const uint16_t ip = f.h.add_packet_sa(p);
  for (int mode = 0; mode < 3; ++mode) {
    model::DatapathControl ctl;
    ctl.no_trailer = mode == 1;
    ctl.fwd_bad_frames = mode == 2;
    f.h.set_control(ctl);
    for (uint64_t k = 1; k <= 6; ++k) {
      const uint64_t sn = 10 * static_cast<uint64_t>(mode) + k;
      f.h.push(frame(c, sn, 10 * k));
      f.h.push(frame(p, sn, 10 * k, k == 3, static_cast<unsigned>(k)));
      f.h.push(frame(c6, sn, 7 * k, k == 4));
      f.h.push(pkt::wire_frame(pkt::ipv4_packet(pkt::v4addr(1, 2, 3, 4), pkt::v4addr(5, 6, 7, 8), 17,
                                                pkt::payload_of(30 + k))));
    }
    f.h.run();
  }
  check_totals(f.h);
  f.h.check_sa(ip);
  CHECK(f.h.model_counters().dec_bypass == 18);
}

TEST_CASE("the wire side keeps one beat per clock at every frame size with packet SAs") {
  const uint64_t seed = test_seed();
  for (size_t bytes : {1u, 17u, 60u, 200u, 700u, 1400u}) {
    PktRxHarness h(seed, 0, 0);
    const SaSpec s = rx_sa(80, false, false, false, 32);
    const SaSpec t = rx_sa(81, true, true, false, 32);
    h.add_packet_sa(s);
    h.add_packet_sa(t);
    for (uint64_t sn = 1; sn <= 60; ++sn) {
      h.push(frame(sn % 2 ? s : t, sn, bytes, sn % 7 == 0, static_cast<unsigned>(sn)));
    }
    h.run();
    INFO("payload bytes " << bytes);
    CHECK(h.in_waits() == 0);
    check_totals(h);
  }
}

TEST_CASE("latency into an idle unit: a packet SA's frame and a crypto SA's, 18 clocks at most above PktOffload 0's 38") {
  // esp_rx's header: 38 clocks from a decrypted frame's last beat in to its first beat out
  // into an idle unit; with packet offload the replay check adds 4 (the lookup's result
  // waits for it), the decision pipeline behind the take 13, the beat queue and the
  // decapsulator's output register 1 or 2 between them.
  const uint64_t seed = test_seed();
  PktRxHarness h(seed, 0, 0);
  const SaSpec p = rx_sa(90, false, false, false, 4);
  SaSpec c = rx_sa(91, false, false, false, 0);
  h.add_packet_sa(p);
  h.add_crypto_sa(c);
  for (size_t bytes : {40u, 300u, 1400u}) {
    h.push(frame(p, bytes, bytes));
    h.run();
    const uint64_t lp = h.last_latency();
    h.push(frame(c, bytes, bytes));
    h.run();
    const uint64_t lc = h.last_latency();
    MESSAGE("payload " << bytes << " bytes: packet SA " << lp << " clocks, crypto SA " << lc);
    CHECK(lp <= 38 + 18);
    CHECK(lc <= 38 + 18);
  }
  check_totals(h);
}

TEST_CASE("random mix of crypto and packet SAs") {
  Fixture f;
  struct Sa {
    SaSpec spec;
    bool pkt;
    uint16_t index = 0;
    uint64_t next = 1;
  };
  std::vector<Sa> sas;
  for (unsigned n = 0; n < 8; ++n) {
    const bool pkt = n % 4 != 0;
    const bool esn = pkt && n % 3 == 0;
    SaSpec s = rx_sa(100 + n, n % 2 == 1, pkt && n % 4 == 2, esn,
                     static_cast<uint8_t>(pkt ? 1 + f.rng() % 32 : 0),
                     esn ? (uint64_t{1} << 32) - 20 : 0);
    if (pkt && f.rng() % 2) s.soft_packets = 5 + f.rng() % 20;
    if (pkt && f.rng() % 2) s.soft_bytes = 1000 + f.rng() % 5000;
    Sa sa{s, pkt};
    sa.next = s.seq + 1;
    if (pkt) sa.index = f.h.add_packet_sa(s);
    else f.h.add_crypto_sa(s);
    sas.push_back(sa);
  }
  for (int round = 0; round < 20; ++round) {
    for (int k = 0; k < 100; ++k) {
      Sa& sa = sas[f.rng() % sas.size()];
      const unsigned r = static_cast<unsigned>(f.rng() % 100);
      uint64_t sn = sa.next;
      if (r < 10 && sa.next > 3) sn = sa.next - 1 - f.rng() % 3;        // a recent number again
      else if (r < 15) sn = sa.next + f.rng() % 40;                     // ahead
      else if (r < 18 && sa.next > 40) sn = sa.next - 40 - f.rng() % 40;  // far behind
      else sa.next++;
      const bool corrupt = f.rng() % 100 < 5;
      const size_t bytes = f.rng() % 4 == 0 ? f.rng() % 1400 : f.rng() % 120;
      if (f.rng() % 50 == 0) {
        f.h.push(pkt::wire_frame(pkt::ipv6_packet(pkt::v6addr(1, 2), pkt::v6addr(3, 4), 6, pkt::payload_of(bytes))));
      } else {
        f.h.push(frame(sa.spec, sn, bytes, corrupt, static_cast<unsigned>(f.rng())));
      }
    }
    f.h.run();
  }
  MESSAGE("random mix: " << model::to_string(f.h.model_counters()) << ", " << f.h.frames_out() << " frames out in "
                         << f.h.cycles() << " clocks");
  check_totals(f.h);
  for (const Sa& sa : sas) {
    if (sa.pkt) f.h.check_sa(sa.index);
  }
  f.h.check_events();
}
