// The reference model's TX datapath of full packet offload (docs/packet_offload.md, packet
// section P3): what leaves for a host frame with metadata 0x0A, byte for byte, opened with
// AES-GCM apart from the model; sequence numbers, ESN, exhaustion and lifetimes.
#include <doctest/doctest.h>

#include "packet_fixture.h"

namespace model = ipsec::model;
using ipsec::tb::pkt::Address;
using ipsec::tb::pkt::Bytes;
using ipsec::tb::pkt::checksum;
using ipsec::tb::pkt::host_frame;
using ipsec::tb::pkt::ipv4_packet;
using ipsec::tb::pkt::Ipv4Opts;
using ipsec::tb::pkt::ipv6_packet;
using ipsec::tb::pkt::open_esp;
using ipsec::tb::pkt::open_esp_with_driver;
using ipsec::tb::pkt::Opened;
using ipsec::tb::pkt::PacketEngine;
using ipsec::tb::pkt::payload_of;
using ipsec::tb::pkt::SaSpec;
using ipsec::tb::pkt::v4addr;
using ipsec::tb::pkt::v6addr;

namespace {

uint16_t rd16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
uint32_t rd32(const Bytes& b, size_t at) { return uint32_t{rd16(b, at)} << 16 | rd16(b, at + 2); }
Bytes slice(const Bytes& b, size_t at, size_t n) {
  return Bytes(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + n));
}

constexpr size_t kL2 = 14;  // MACs and EtherType on the wire

// Sends `ip` on the TX SA at `index`; requires it to leave and returns the wire frame.
Bytes send(PacketEngine& e, const SaSpec& s, uint16_t index, const Bytes& ip) {
  const model::FrameResult r = e.model().host_tx(host_frame(ip, index, static_cast<uint16_t>(s.handle)));
  INFO(r.why);
  REQUIRE(r.fate == model::Fate::kOut);
  REQUIRE(r.out.has_value());
  return *r.out;
}

// Opens the ESP packet at `esp` and checks what every ESP packet of P3 carries: the SA's SPI,
// sequence number `sn` in the header (low half) and IV (all 64 bits), padding 1, 2, ... to 4
// bytes, the next header; the driver's software ESP agrees.
Opened check_esp(const SaSpec& s, const Bytes& wire, size_t esp, uint64_t sn, uint8_t next_header) {
  const std::optional<Opened> o = open_esp(s, wire, esp, static_cast<uint32_t>(sn >> 32));
  REQUIRE(o.has_value());
  CHECK(o->spi == s.spi);
  CHECK(o->sn_lo == static_cast<uint32_t>(sn));
  CHECK(o->iv == sn);
  CHECK(o->next_header == next_header);
  CHECK((o->payload.size() + o->pad.size() + 2) % 4 == 0);
  CHECK(o->pad.size() < 4);
  CHECK(o->pad_length == o->pad.size());
  for (size_t i = 0; i < o->pad.size(); ++i) CHECK(o->pad[i] == i + 1);
  const std::optional<Bytes> second = open_esp_with_driver(s, wire, esp, static_cast<uint32_t>(sn >> 32));
  REQUIRE(second.has_value());
  CHECK(slice(*second, 0, o->payload.size()) == o->payload);
  return *o;
}

void check_ipv4_checksum(const Bytes& b, size_t at) { CHECK(checksum(&b[at], 20) == 0); }

}  // namespace

TEST_CASE("TX transport IPv4: ESP header and IV after the IP header, protocol 50, lengths, checksum") {
  PacketEngine e;
  SaSpec s;
  const uint16_t i = e.add(s);
  Ipv4Opts o;
  o.tos = 0x28, o.df = true, o.ttl = 17, o.id = 0xBEEF;
  const Bytes payload = payload_of(37);
  const Bytes ip = ipv4_packet(s.sip, s.dip, 17, payload, o);
  const Bytes wire = send(e, s, i, ip);
  // MACs as sent, IPv4 EtherType, no metadata.
  CHECK(slice(wire, 0, 12) == slice(host_frame(ip, i, 1), 0, 12));
  CHECK(rd16(wire, 12) == 0x0800);
  const size_t ct = 37 + 1 + 2;  // payload, one pad byte, pad length, next header
  REQUIRE(wire.size() == kL2 + 20 + 8 + 8 + ct + 16);
  CHECK(wire[kL2] == 0x45);
  CHECK(wire[kL2 + 1] == 0x28);
  CHECK(rd16(wire, kL2 + 2) == 20 + 8 + 8 + ct + 16);
  CHECK(rd16(wire, kL2 + 4) == 0xBEEF);
  CHECK(rd16(wire, kL2 + 6) == 0x4000);
  CHECK(wire[kL2 + 8] == 17);
  CHECK(wire[kL2 + 9] == 50);
  check_ipv4_checksum(wire, kL2);
  CHECK(slice(wire, kL2 + 12, 8) == slice(ip, 12, 8));
  const Opened op = check_esp(s, wire, kL2 + 20, 1, 17);
  CHECK(op.payload == payload);
  CHECK(op.pad == Bytes{1});
  // The counters: enc_in, enc_out; the SA's packets and bytes (the IP packet, 57 bytes).
  CHECK(e.counter(model::CtrlCounter::kEncInPackets) == 1);
  CHECK(e.counter(model::CtrlCounter::kEncOutPackets) == 1);
  const std::array<uint64_t, 5> want = {1, 57, 0, 0, 0};
  CHECK(e.stats(i) == want);
}

TEST_CASE("TX transport IPv6: next header 50, payload length, the rest of the header as sent") {
  PacketEngine e;
  SaSpec s;
  s.ipv6 = true, s.sip = v6addr(0x2001, 1), s.dip = v6addr(0x2001, 2);
  const uint16_t i = e.add(s);
  for (size_t n : {20u, 21u, 22u, 23u}) {
    CAPTURE(n);
    const Bytes payload = payload_of(n, static_cast<uint8_t>(n));
    const Bytes ip = ipv6_packet(s.sip, s.dip, 6, payload, 0x5C, 0x12345, 9);
    const Bytes wire = send(e, s, i, ip);
    CHECK(rd16(wire, 12) == 0x86DD);
    const size_t ct = (n + 2 + 3) / 4 * 4;
    REQUIRE(wire.size() == kL2 + 40 + 16 + ct + 16);
    CHECK(rd32(wire, kL2) == rd32(ip, 0));  // version, traffic class, flow label
    CHECK(rd16(wire, kL2 + 4) == 16 + ct + 16);
    CHECK(wire[kL2 + 6] == 50);
    CHECK(wire[kL2 + 7] == 9);
    CHECK(slice(wire, kL2 + 8, 32) == slice(ip, 8, 32));
    CHECK(check_esp(s, wire, kL2 + 40, n - 19, 6).payload == payload);
  }
}

TEST_CASE("TX transport refuses what P3 leaves out, without taking a sequence number") {
  PacketEngine e;
  SaSpec s;
  const uint16_t i = e.add(s);
  SaSpec s6;
  s6.spi = 0x66, s6.handle = 0x66, s6.ipv6 = true, s6.sip = v6addr(0xFD00, 1), s6.dip = v6addr(0xFD00, 2);
  const uint16_t i6 = e.add(s6);
  auto dropped = [&](const Bytes& ip, uint16_t index, uint32_t handle) {
    const model::FrameResult r = e.model().host_tx(host_frame(ip, index, static_cast<uint16_t>(handle)));
    INFO(r.why);
    CHECK(r.fate == model::Fate::kDrop);
  };
  Ipv4Opts options;
  options.ihl = 6;
  dropped(ipv4_packet(s.sip, s.dip, 17, payload_of(30), options), i, s.handle);
  Ipv4Opts fragment;
  fragment.frag = 0x2000;  // MF
  dropped(ipv4_packet(s.sip, s.dip, 17, payload_of(30), fragment), i, s.handle);
  dropped(ipv6_packet(s6.sip, s6.dip, 0, payload_of(30)), i6, s6.handle);   // hop-by-hop
  dropped(ipv6_packet(s6.sip, s6.dip, 44, payload_of(30)), i6, s6.handle);  // fragment
  dropped(ipv6_packet(s6.sip, s6.dip, 17, payload_of(30)), i, s.handle);    // other family
  dropped(ipv4_packet(s.sip, s.dip, 17, payload_of(30)), i, s.handle ^ 1);  // stale handle
  dropped(ipv4_packet(s.sip, s.dip, 17, payload_of(30)), 9, s.handle);      // no SA there
  CHECK(e.counter(model::CtrlCounter::kEncDropPackets) == 7);
  CHECK(e.counter(model::CtrlCounter::kEncInPackets) == 7);
  // The sequence numbers are untouched: the next packets carry 1.
  check_esp(s, send(e, s, i, ipv4_packet(s.sip, s.dip, 17, payload_of(30))), kL2 + 20, 1, 17);
  check_esp(s6, send(e, s6, i6, ipv6_packet(s6.sip, s6.dip, 17, payload_of(30))), kL2 + 40, 1, 17);
}

TEST_CASE("TX tunnel IPv4 in IPv4: outer header from the SA, inner packet whole, next header 4") {
  PacketEngine e;
  SaSpec s;
  s.tunnel = true, s.sip = v4addr(192, 0, 2, 1), s.dip = v4addr(198, 51, 100, 7);
  s.ttl = 33, s.dscp_ecn = 0xB8;
  const uint16_t i = e.add(s);
  Ipv4Opts o;
  o.tos = 0x03, o.df = false, o.ttl = 5;
  o.ihl = 6;  // tunnel mode carries options
  const Bytes inner = ipv4_packet(v4addr(10, 1, 0, 1), v4addr(10, 2, 0, 1), 17, payload_of(50), o);
  const Bytes wire = send(e, s, i, inner);
  CHECK(rd16(wire, 12) == 0x0800);
  const size_t ct = (inner.size() + 2 + 3) / 4 * 4;
  REQUIRE(wire.size() == kL2 + 20 + 16 + ct + 16);
  CHECK(wire[kL2] == 0x45);
  CHECK(wire[kL2 + 1] == 0xB8);  // the image's byte: no copy asked
  CHECK(rd16(wire, kL2 + 2) == 20 + 16 + ct + 16);
  CHECK(rd16(wire, kL2 + 4) == 1);       // identification: the sequence number's low 16 bits
  CHECK(rd16(wire, kL2 + 6) == 0x4000);  // DF set, no copy asked
  CHECK(wire[kL2 + 8] == 33);
  CHECK(wire[kL2 + 9] == 50);
  check_ipv4_checksum(wire, kL2);
  CHECK(slice(wire, kL2 + 12, 4) == Bytes{192, 0, 2, 1});
  CHECK(slice(wire, kL2 + 16, 4) == Bytes{198, 51, 100, 7});
  CHECK(check_esp(s, wire, kL2 + 20, 1, 4).payload == inner);
  CHECK(e.stats(i)[1] == inner.size());

  SUBCASE("copy DSCP and DF: the inner TOS whole (ECN as RFC 6040's normal mode) and DF") {
    SaSpec c = s;
    c.spi = 0x99, c.handle = 0x99, c.tunnel_flags = 3;
    const uint16_t ci = e.add(c);
    Ipv4Opts ce;
    ce.tos = 0xBB, ce.df = false;  // DSCP 46, ECN CE
    const Bytes w1 = send(e, c, ci, ipv4_packet(v4addr(10, 1, 0, 1), v4addr(10, 2, 0, 1), 6, payload_of(9), ce));
    CHECK(w1[kL2 + 1] == 0xBB);
    CHECK(rd16(w1, kL2 + 6) == 0);
    ce.df = true;
    const Bytes w2 = send(e, c, ci, ipv4_packet(v4addr(10, 1, 0, 1), v4addr(10, 2, 0, 1), 6, payload_of(9), ce));
    CHECK(rd16(w2, kL2 + 6) == 0x4000);
    CHECK(rd16(w2, kL2 + 4) == 2);
    check_ipv4_checksum(w2, kL2);
  }
}

TEST_CASE("TX tunnel IPv6 in IPv4: next header 41, traffic class copied when asked, DF set") {
  PacketEngine e;
  SaSpec s;
  s.tunnel = true, s.ttl = 64, s.tunnel_flags = 3;  // copy DSCP and DF
  const uint16_t i = e.add(s);
  const Bytes inner = ipv6_packet(v6addr(0x2001, 0xA), v6addr(0x2001, 0xB), 58, payload_of(64), 0x71, 0xABCDE, 3);
  const Bytes wire = send(e, s, i, inner);
  CHECK(rd16(wire, 12) == 0x0800);
  CHECK(wire[kL2 + 1] == 0x71);
  CHECK(rd16(wire, kL2 + 6) == 0x4000);  // an inner IPv6 packet has no DF to copy
  CHECK(wire[kL2 + 8] == 64);
  check_ipv4_checksum(wire, kL2);
  CHECK(check_esp(s, wire, kL2 + 20, 1, 41).payload == inner);
}

TEST_CASE("TX tunnel IPv4 in IPv6 and IPv6 in IPv6: the outer IPv6 header from the SA") {
  PacketEngine e;
  SaSpec s;
  s.tunnel = true, s.ipv6 = true, s.sip = v6addr(0x2001, 0x11), s.dip = v6addr(0x2001, 0x22);
  s.ttl = 200, s.dscp_ecn = 0x48, s.flow_label = 0x9F00D;
  const uint16_t i = e.add(s);
  Ipv4Opts o;
  o.tos = 0xFF;
  const Bytes inner4 = ipv4_packet(v4addr(10, 9, 9, 9), v4addr(10, 8, 8, 8), 17, payload_of(31), o);
  const Bytes w4 = send(e, s, i, inner4);
  CHECK(rd16(w4, 12) == 0x86DD);
  const size_t ct = (inner4.size() + 2 + 3) / 4 * 4;
  REQUIRE(w4.size() == kL2 + 40 + 16 + ct + 16);
  CHECK(rd32(w4, kL2) == (6u << 28 | 0x48u << 20 | 0x9F00D));
  CHECK(rd16(w4, kL2 + 4) == 16 + ct + 16);
  CHECK(w4[kL2 + 6] == 50);
  CHECK(w4[kL2 + 7] == 200);
  CHECK(slice(w4, kL2 + 8, 16) == Bytes(s.sip.begin(), s.sip.end()));
  CHECK(slice(w4, kL2 + 24, 16) == Bytes(s.dip.begin(), s.dip.end()));
  CHECK(check_esp(s, w4, kL2 + 40, 1, 4).payload == inner4);
  const Bytes inner6 = ipv6_packet(v6addr(0xFD00, 1), v6addr(0xFD00, 2), 0, payload_of(8));  // ext. headers inside: fine
  const Bytes w6 = send(e, s, i, inner6);
  CHECK(check_esp(s, w6, kL2 + 40, 2, 41).payload == inner6);
}

TEST_CASE("TX sequence numbers start at the image's seq and advance by one per packet sent") {
  PacketEngine e;
  SaSpec s;
  s.seq = 1000;
  const uint16_t i = e.add(s);
  for (uint64_t sn = 1000; sn < 1005; ++sn) {
    check_esp(s, send(e, s, i, ipv4_packet(s.sip, s.dip, 17, payload_of(20))), kL2 + 20, sn, 17);
  }
}

TEST_CASE("TX with ESN across 2^32: the header carries the low half, IV and AAD all 64 bits") {
  PacketEngine e;
  SaSpec s;
  s.esn = true, s.seq = 0xFFFFFFFE;
  const uint16_t i = e.add(s);
  for (uint64_t sn : {0xFFFFFFFEull, 0xFFFFFFFFull, 0x100000000ull, 0x100000001ull}) {
    CAPTURE(sn);
    const Bytes wire = send(e, s, i, ipv4_packet(s.sip, s.dip, 17, payload_of(24)));
    check_esp(s, wire, kL2 + 20, sn, 17);
    // The high half is in the AAD: opening with the wrong one fails.
    CHECK_FALSE(open_esp(s, wire, kL2 + 20, static_cast<uint32_t>(sn >> 32) ^ 1).has_value());
  }
  CHECK(e.stats(i)[2] == 0);  // no exhaustion
}

TEST_CASE("TX exhaustion without ESN: the packet that would carry 2^32 is dropped, one hard event") {
  PacketEngine e;
  SaSpec s;
  s.seq = 0xFFFFFFFF;
  const uint16_t i = e.add(s);
  check_esp(s, send(e, s, i, ipv4_packet(s.sip, s.dip, 17, payload_of(24))), kL2 + 20, 0xFFFFFFFF, 17);
  for (int k = 0; k < 3; ++k) {
    CAPTURE(k);
    const model::FrameResult r =
        e.model().host_tx(host_frame(ipv4_packet(s.sip, s.dip, 17, payload_of(24)), i, static_cast<uint16_t>(s.handle)));
    CHECK(r.fate == model::Fate::kDrop);
    CHECK_FALSE(r.out.has_value());
  }
  CHECK(e.counter(model::CtrlCounter::kEncDropPackets) == 3);
  CHECK(e.counter(model::CtrlCounter::kEncOutPackets) == 1);
  const std::array<uint64_t, 5> want = {1, 44, 3, 0, 0};  // packets, bytes, seq_exhausted
  CHECK(e.stats(i) == want);
  const auto ev = e.pop_events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == 5);
  CHECK(ev[0].index == i);
  CHECK(ev[0].handle == s.handle);
}

TEST_CASE("TX exhaustion with ESN: the bound is 2^64") {
  PacketEngine e;
  SaSpec s;
  s.esn = true, s.seq = ~uint64_t{0};
  const uint16_t i = e.add(s);
  check_esp(s, send(e, s, i, ipv4_packet(s.sip, s.dip, 17, payload_of(24))), kL2 + 20, ~uint64_t{0}, 17);
  const model::FrameResult r =
      e.model().host_tx(host_frame(ipv4_packet(s.sip, s.dip, 17, payload_of(24)), i, static_cast<uint16_t>(s.handle)));
  CHECK(r.fate == model::Fate::kDrop);
  CHECK(e.stats(i)[2] == 1);
  REQUIRE(e.pop_events().size() == 1);
}

TEST_CASE("TX lifetimes by packets: soft event once and sent, hard limit drops and ends the SA") {
  PacketEngine e;
  SaSpec s;
  s.soft_packets = 2, s.hard_packets = 4;
  const uint16_t i = e.add(s);
  std::vector<std::vector<uint8_t>> kinds;
  std::vector<model::Fate> fates;
  for (int k = 0; k < 6; ++k) {
    const model::FrameResult r =
        e.model().host_tx(host_frame(ipv4_packet(s.sip, s.dip, 17, payload_of(30)), i, static_cast<uint16_t>(s.handle)));
    fates.push_back(r.fate);
    std::vector<uint8_t> k_of;
    for (const auto& ev : r.events) k_of.push_back(static_cast<uint8_t>(ev.kind));
    kinds.push_back(k_of);
  }
  using F = model::Fate;
  CHECK(fates == std::vector<F>{F::kOut, F::kOut, F::kOut, F::kOut, F::kDrop, F::kDrop});
  CHECK(kinds == std::vector<std::vector<uint8_t>>{{}, {}, {2}, {}, {4}, {}});
  CHECK(e.stats(i)[0] == 4);
  const auto ev = e.pop_events();
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == 2);
  CHECK(ev[1].kind == 4);
}

TEST_CASE("TX lifetimes by bytes: counted as the host's IP packet, the crossing packet dropped") {
  PacketEngine e;
  SaSpec s;
  s.soft_bytes = 250, s.hard_bytes = 400;
  const uint16_t i = e.add(s);
  auto send_100 = [&] {  // an IP packet of 100 bytes in a frame of 122
    return e.model().host_tx(host_frame(ipv4_packet(s.sip, s.dip, 17, payload_of(80)), i, static_cast<uint16_t>(s.handle)));
  };
  CHECK(send_100().events.empty());
  CHECK(send_100().events.empty());
  const model::FrameResult third = send_100();  // 300 > 250
  CHECK(third.fate == model::Fate::kOut);
  REQUIRE(third.events.size() == 1);
  CHECK(third.events[0].kind == model::pkt::EventKind::kSoftBytes);
  CHECK(send_100().fate == model::Fate::kOut);  // 400: the limit allows it
  const model::FrameResult fifth = send_100();
  CHECK(fifth.fate == model::Fate::kDrop);
  REQUIRE(fifth.events.size() == 1);
  CHECK(fifth.events[0].kind == model::pkt::EventKind::kHardBytes);
  // A small packet that would fit is dropped too: the SA has ended.
  const model::FrameResult small =
      e.model().host_tx(host_frame(ipv4_packet(s.sip, s.dip, 17, payload_of(0)), i, static_cast<uint16_t>(s.handle)));
  CHECK(small.fate == model::Fate::kDrop);
  const std::array<uint64_t, 5> want = {4, 400, 0, 0, 0};
  CHECK(e.stats(i) == want);
}

TEST_CASE("TX: a crypto-offload frame never uses a packet SA's key") {
  PacketEngine e;
  SaSpec s;
  e.add(s);
  // A 0x08 frame: IPv4 protocol 50, ESP header and IV the host wrote, for the SA's key.
  Bytes esp = {0, 0, 0x10, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 7};
  const Bytes body = payload_of(40);
  esp.insert(esp.end(), body.begin(), body.end());
  Bytes f = host_frame(ipv4_packet(s.sip, s.dip, 50, esp), 0, 0);
  f[14] = 0x08, f[15] = f[16] = f[17] = f[18] = 0, f[19] = 17;
  const model::FrameResult r = e.model().host_tx(f);
  INFO(r.why);
  CHECK(r.fate == model::Fate::kDrop);
  CHECK(e.counter(model::CtrlCounter::kEncDropPackets) == 1);
}

TEST_CASE("TX: an index holding a crypto SA or an RX packet SA is no TX packet SA") {
  PacketEngine e;
  SaSpec crypto;
  crypto.spi = 0x5151;
  Bytes v2 = ipsec::tb::pkt::del_image(crypto);
  v2[3] = 2;  // ADD_SA_V2
  REQUIRE(e.command(v2).syndrome == 0);  // index 0
  SaSpec rx;
  rx.tx = false, rx.seq = 0, rx.replay_words = 1, rx.spi = 0x5252;
  const uint16_t ri = e.add(rx);
  REQUIRE(ri == 1);
  const Bytes ip = ipv4_packet(crypto.sip, crypto.dip, 17, payload_of(30));
  CHECK(e.model().host_tx(host_frame(ip, 0, static_cast<uint16_t>(crypto.handle))).fate == model::Fate::kDrop);
  CHECK(e.model().host_tx(host_frame(ip, ri, static_cast<uint16_t>(rx.handle))).fate == model::Fate::kDrop);
  CHECK(e.counter(model::CtrlCounter::kEncDropPackets) == 2);
  CHECK(e.counter(model::CtrlCounter::kEncInPackets) == 2);
}

TEST_CASE("TX: tuser, runt and oversize 0x0A frames drop before classification, no enc_in") {
  PacketEngine e;
  SaSpec s;
  const uint16_t i = e.add(s);
  const Bytes f = host_frame(ipv4_packet(s.sip, s.dip, 17, payload_of(30)), i, static_cast<uint16_t>(s.handle));
  CHECK(e.model().host_tx(f, true).fate == model::Fate::kDrop);
  CHECK(e.model().host_tx(Bytes(f.begin(), f.begin() + 59)).fate == model::Fate::kDrop);
  Bytes big = host_frame(ipv4_packet(s.sip, s.dip, 17, payload_of(9300)), i, static_cast<uint16_t>(s.handle));
  CHECK(e.model().host_tx(big).fate == model::Fate::kDrop);
  CHECK(e.counter(model::CtrlCounter::kEncDropPackets) == 3);
  CHECK(e.counter(model::CtrlCounter::kEncInPackets) == 0);
  CHECK(e.stats(i)[0] == 0);
}

TEST_CASE("TX: one packet past both hard limits raises both hard events, bytes first") {
  PacketEngine e;
  SaSpec s;
  s.soft_packets = s.hard_packets = 1;
  s.soft_bytes = s.hard_bytes = 60;
  const uint16_t i = e.add(s);
  auto send_50 = [&] {
    return e.model().host_tx(host_frame(ipv4_packet(s.sip, s.dip, 17, payload_of(30)), i, static_cast<uint16_t>(s.handle)));
  };
  CHECK(send_50().fate == model::Fate::kOut);
  const model::FrameResult r = send_50();
  CHECK(r.fate == model::Fate::kDrop);
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].kind == model::pkt::EventKind::kHardBytes);
  CHECK(r.events[1].kind == model::pkt::EventKind::kHardPackets);
}
