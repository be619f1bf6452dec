// The model's TX path (host -> wire, contract section 6) against plain OpenSSL and the rules
// of docs in esp_model.h: encryption, trailer, lengths, sequence numbers, LSO, every drop.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <random>
#include <stdexcept>

#include "esp_checks.h"
#include "esp_model.h"
#include "frames.h"
#include "test_seed.h"

namespace model = ipsec::model;
using ipsec::tb::Bytes;
using ipsec::tb::describe;
using ipsec::tb::EspMode;
using ipsec::tb::EspSpec;
using ipsec::tb::PacketSpec;
using ipsec::tb::SaPair;
using ipsec::tb::seed_hint;
using ipsec::tb::test_seed;
using ipsec::tb::TxMeta;

namespace {

// One TX flow: a packet, how it goes into ESP, the SAs, and the engine's state.
struct TxFlow {
  PacketSpec spec;
  EspSpec esp;
  SaPair sa;
  model::SaTable table;
  model::DatapathControl ctl;
  model::DatapathCounters counters;
  uint8_t ihl_override = 0, inner_proto_override = 0;  // for fault tests

  Bytes pkt() const { return ipsec::tb::ip_packet(spec); }
  Bytes host(const TxMeta& meta = {}) const { return ipsec::tb::host_esp_frame(pkt(), esp, meta); }
  model::FrameResult tx(const Bytes& frame, bool tuser = false) {
    return model::tx(frame, tuser, model::lookup_in(table), ctl, counters);
  }
};

TxFlow make_flow(std::mt19937_64& rng, bool v6, EspMode mode, bool aes256, bool esn,
                 size_t payload_len, uint8_t proto = ipsec::tb::kIpProtoUdp,
                 bool inner_v6 = false) {
  TxFlow f;
  f.spec.ipv6 = mode == EspMode::kTunnel ? inner_v6 : v6;
  f.spec.src = f.spec.ipv6 ? ipsec::tb::ipv6("2001:db8:1::10") : ipsec::tb::ipv4("192.0.2.10");
  f.spec.dst = f.spec.ipv6 ? ipsec::tb::ipv6("2001:db8:2::20") : ipsec::tb::ipv4("198.51.100.20");
  f.spec.proto = proto;
  f.spec.payload = ipsec::tb::random_bytes(rng, payload_len);
  f.esp.spi = 0x10000 + static_cast<uint32_t>(rng() % 1000);
  f.esp.seq = esn ? (uint64_t{static_cast<uint32_t>(rng())} << 32 | static_cast<uint32_t>(rng()))
                  : 1 + rng() % 0xFFFFFFFEu;
  f.esp.mode = mode;
  f.esp.outer_ipv6 = v6;
  f.esp.outer_src = v6 ? ipsec::tb::ipv6("2001:db8:ff::1") : ipsec::tb::ipv4("203.0.113.1");
  f.esp.outer_dst = v6 ? ipsec::tb::ipv6("2001:db8:ff::2") : ipsec::tb::ipv4("203.0.113.2");
  f.sa = ipsec::tb::make_sa_pair(rng, f.pkt(), f.esp, aes256, esn);
  f.table = ipsec::tb::table_of(f.sa);
  return f;
}

// Turns a transport flow into a tunnel (outer family v6) with SAs for the outer addresses.
void tunnel(TxFlow& f, bool v6) {
  std::mt19937_64 rng(f.esp.spi);
  f.esp.mode = EspMode::kTunnel;
  f.esp.outer_ipv6 = v6;
  f.esp.outer_src = v6 ? ipsec::tb::ipv6("2001:db8:ff::1") : ipsec::tb::ipv4("203.0.113.1");
  f.esp.outer_dst = v6 ? ipsec::tb::ipv6("2001:db8:ff::2") : ipsec::tb::ipv4("203.0.113.2");
  f.spec.ipv6 = v6;
  f.spec.src = v6 ? ipsec::tb::ipv6("2001:db8:1::10") : ipsec::tb::ipv4("192.0.2.10");
  f.spec.dst = v6 ? ipsec::tb::ipv6("2001:db8:2::20") : ipsec::tb::ipv4("198.51.100.20");
  f.sa = ipsec::tb::make_sa_pair(rng, f.pkt(), f.esp, false);
  f.table = ipsec::tb::table_of(f.sa);
}

void wr16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

model::DatapathCounters counters(uint64_t enc_in, uint64_t enc_out, uint64_t enc_bypass,
                                 uint64_t enc_drop) {
  model::DatapathCounters c;
  c.enc_in = enc_in;
  c.enc_out = enc_out;
  c.enc_bypass = enc_bypass;
  c.enc_drop = enc_drop;
  return c;
}

// The low 16 bits of the TCP sequence in a host frame whose TCP header is at payload offset
// `tcp_off`, set to `lo16`.
void set_tcp_seq_lo16(Bytes& frame, bool v6, size_t tcp_off, uint16_t lo16) {
  wr16(frame, 22 + (v6 ? 40 : 20) + 16 + tcp_off + 6, lo16);
}

}  // namespace

TEST_CASE(
    "TX: an offloaded frame is encrypted into payload and RFC 4303 trailer that plain EVP opens") {
  std::mt19937_64 rng(test_seed());
  int frames = 0;
  for (bool v6 : {false, true}) {
    for (EspMode mode : {EspMode::kTransport, EspMode::kTunnel}) {
      for (bool aes256 : {false, true}) {
        for (bool esn : {false, true}) {
          // Payload lengths covering every pad length 0..3, empty, and large.
          for (size_t len : {0, 1, 2, 3, 4, 5, 6, 7, 61, 1400, 8000}) {
            for (uint8_t proto :
                 {ipsec::tb::kIpProtoTcp, ipsec::tb::kIpProtoUdp, ipsec::tb::kIpProtoIcmp}) {
              TxFlow f = make_flow(rng, v6, mode, aes256, esn, len, proto, rng() % 2);
              const Bytes host = ipsec::tb::pad_to_minimum(f.host());
              const auto r = f.tx(host);
              INFO(describe(host) << "; " << seed_hint());
              REQUIRE(r.fate == model::Fate::kOut);
              REQUIRE(r.out);
              const uint8_t np = ipsec::tb::esp_next_proto(f.pkt(), mode);
              CHECK(ipsec::tb::verify_wire_frame(host, *r.out, f.sa.ctx, f.esp.seq, np) == "");
              ++frames;
            }
          }
        }
      }
    }
  }
  CHECK(frames == 528);
}

TEST_CASE(
    "TX: the ESP sequence number and IV come from the 64-bit IV field, not the host's ESP field") {
  std::mt19937_64 rng(test_seed());
  for (bool v6 : {false, true}) {
    TxFlow f = make_flow(rng, v6, EspMode::kTransport, false, true, 100);
    f.esp.seq = 0x0123456789ABCDEFull;
    Bytes host = f.host();
    const size_t esp = 22 + (v6 ? 40 : 20);
    for (size_t i = 4; i < 8; ++i) host[esp + i] = 0xEE;  // the host's ESP sequence field
    f.sa.ctx.esn_en = true;
    const auto r = f.tx(host);
    REQUIRE(r.fate == model::Fate::kOut);
    CHECK(ipsec::tb::verify_wire_frame(host, *r.out, f.sa.ctx, 0x0123456789ABCDEFull, 17) == "");
  }
}

TEST_CASE("TX: ESN SAs authenticate SPI || SN_hi || SN_lo, others SPI || SN_lo") {
  std::mt19937_64 rng(test_seed());
  for (bool esn : {false, true}) {
    TxFlow f = make_flow(rng, false, EspMode::kTransport, true, esn, 200);
    f.esp.seq = 0x00000005FFFFFFF0ull;
    const Bytes host = f.host();
    const auto r = f.tx(host);
    REQUIRE(r.fate == model::Fate::kOut);
    model::SaContext as_sent = f.sa.ctx;
    CHECK(ipsec::tb::verify_wire_frame(host, *r.out, as_sent, f.esp.seq, 17) == "");
    // The other AAD layout does not verify.
    model::SaContext other = f.sa.ctx;
    other.esn_en = !esn;
    CHECK(ipsec::tb::verify_wire_frame(host, *r.out, other, f.esp.seq, 17) ==
          "ICV does not verify with EVP");
  }
}

TEST_CASE("TX: Ethernet padding after the IP datagram is discarded") {
  std::mt19937_64 rng(test_seed());
  for (bool v6 : {false, true}) {
    TxFlow f = make_flow(rng, v6, EspMode::kTransport, false, false, 0, ipsec::tb::kIpProtoIcmp);
    Bytes host = f.host();
    Bytes zeros = host, junk = host;
    zeros.resize(std::max<size_t>(host.size() + 7, 60), 0x00);
    junk.resize(std::max<size_t>(host.size() + 7, 60), 0xEE);
    const auto a = f.tx(zeros);
    const auto b = f.tx(junk);
    REQUIRE(a.fate == model::Fate::kOut);
    REQUIRE(b.fate == model::Fate::kOut);
    CHECK(*a.out == *b.out);
    CHECK(ipsec::tb::verify_wire_frame(zeros, *a.out, f.sa.ctx, f.esp.seq,
                                       ipsec::tb::kIpProtoIcmp) == "");
  }
}

TEST_CASE("TX: frames without metadata bypass unchanged and count in enc_bypass only") {
  std::mt19937_64 rng(test_seed());
  TxFlow f = make_flow(rng, false, EspMode::kTransport, false, false, 300);
  std::vector<Bytes> frames;
  for (bool v6 : {false, true}) {
    PacketSpec s;
    s.ipv6 = v6;
    s.src = v6 ? ipsec::tb::ipv6("2001:db8::1") : ipsec::tb::ipv4("10.0.0.1");
    s.dst = v6 ? ipsec::tb::ipv6("2001:db8::2") : ipsec::tb::ipv4("10.0.0.2");
    for (uint8_t p : {ipsec::tb::kIpProtoTcp, ipsec::tb::kIpProtoUdp}) {
      s.proto = p;
      frames.push_back(ipsec::tb::pad_to_minimum(ipsec::tb::ethernet_ip(ipsec::tb::ip_packet(s))));
    }
  }
  frames.push_back(
      ipsec::tb::pad_to_minimum(ipsec::tb::ethernet(ipsec::tb::kEthertypeArp, Bytes(28, 1))));
  // ESP already encrypted by software, and the plaintext ESP packet without its metadata.
  frames.push_back(ipsec::tb::wire_esp_frame(f.pkt(), f.esp, f.sa.ctx));
  frames.push_back(ipsec::tb::ethernet_ip(ipsec::tb::esp_plaintext_packet(f.pkt(), f.esp)));
  for (const Bytes& frame : frames) {
    const auto r = f.tx(frame);
    INFO(describe(frame));
    CHECK(r.fate == model::Fate::kBypass);
    REQUIRE(r.out);
    CHECK(*r.out == frame);
  }
  CHECK(f.counters == counters(0, 0, frames.size(), 0));
}

TEST_CASE("TX: tuser, runts and oversize frames are dropped before classification, enc_drop only") {
  std::mt19937_64 rng(test_seed());
  TxFlow f = make_flow(rng, false, EspMode::kTransport, false, false, 100);
  const Bytes good = f.host();
  // tuser on a good offload and on a plain frame.
  CHECK(f.tx(good, true).fate == model::Fate::kDrop);
  CHECK(f.tx(ipsec::tb::pad_to_minimum(ipsec::tb::ethernet(0x0800, Bytes(46, 0x45))), true).fate ==
        model::Fate::kDrop);
  CHECK(f.counters == counters(0, 0, 0, 2));

  // 60 bytes and max_frame bytes pass the length check; 59 and max_frame + 1 do not.
  f.counters = {};
  for (size_t max : {size_t{9216}, size_t{1518}, size_t{128}}) {
    f.ctl.max_frame = max;
    Bytes at_max = good, over = good, at_min = good, runt = good;
    at_max.resize(max, 0);
    over.resize(max + 1, 0);
    at_min.resize(60);
    runt.resize(59);
    INFO("max_frame " << max);
    const auto fits = f.tx(at_max);
    CHECK(fits.fate == (at_max.size() >= good.size() ? model::Fate::kOut : model::Fate::kDrop));
    CHECK(f.tx(over).why.find("oversize") == 0);
    CHECK(f.tx(runt).why.find("runt") == 0);
    f.tx(at_min);  // a datagram cut short by the length: dropped after classification
  }
  // Per max_frame: at_max out (9216, 1518) or classified drop (128); over and runt
  // unclassified drops; at_min a classified drop (the datagram is longer than 60 bytes).
  CHECK(f.counters == counters(6, 2, 0, 10));
  f.ctl.max_frame = 65536;
  CHECK_THROWS_AS(f.tx(good), std::invalid_argument);
}

TEST_CASE("TX: a frame with metadata is dropped after enc_in when it cannot be offloaded") {
  std::mt19937_64 rng(test_seed());
  struct Fault {
    const char* name;
    bool v6;
    std::function<Bytes(TxFlow&)> make;
  };
  auto mutate = [](std::function<void(Bytes&, TxFlow&)> m) {
    return [m](TxFlow& f) {
      Bytes b = f.host();
      m(b, f);
      return ipsec::tb::pad_to_minimum(b);
    };
  };
  auto lso = [](int np, std::function<void(TxFlow&)> setup) {
    return [np, setup](TxFlow& f) {
      setup(f);
      TxMeta m;
      m.syndrome = model::kSyndTxLso;
      m.mss_inv = ipsec::tb::mss_inverse(1000);
      m.next_proto = np;
      return ipsec::tb::pad_to_minimum(f.host(m));
    };
  };
  const std::vector<Fault> faults = {
      {"syndrome 0x00", false, mutate([](Bytes& b, TxFlow&) { b[14] = 0x00; })},
      {"syndrome 0x07", false, mutate([](Bytes& b, TxFlow&) { b[14] = 0x07; })},
      {"syndrome 0x0a", true, mutate([](Bytes& b, TxFlow&) { b[14] = 0x0A; })},
      {"syndrome 0x11", false, mutate([](Bytes& b, TxFlow&) { b[14] = 0x11; })},
      {"EtherType ARP under metadata", false,
       mutate([](Bytes& b, TxFlow&) { wr16(b, 20, 0x0806); })},
      {"EtherType 0x8CE4 twice", false, mutate([](Bytes& b, TxFlow&) { wr16(b, 20, 0x8CE4); })},
      {"IPv4 with options", false,
       [](TxFlow& f) {
         f.spec.ipv4_options = {0x94, 0x04, 0, 0};  // router alert
         return f.host();
       }},
      {"IPv4 version 5", false, mutate([](Bytes& b, TxFlow&) { b[22] = 0x55; })},
      {"IPv4 protocol UDP", false, mutate([](Bytes& b, TxFlow&) { b[31] = 17; })},
      {"IPv6 version 4", true, mutate([](Bytes& b, TxFlow&) { b[22] = 0x40; })},
      {"IPv6 extension header", true,
       [](TxFlow& f) {
         f.spec.ipv6_ext_header = true;
         return f.host();
       }},
      {"IPv6 next header UDP", true, mutate([](Bytes& b, TxFlow&) { b[28] = 17; })},
      {"IPv4 datagram of header + 15", false, mutate([](Bytes& b, TxFlow&) { wr16(b, 24, 35); })},
      {"IPv6 datagram of header + 15", true, mutate([](Bytes& b, TxFlow&) { wr16(b, 26, 15); })},
      {"IPv4 datagram one byte beyond the frame", false,
       mutate([](Bytes& b, TxFlow&) { wr16(b, 24, static_cast<uint16_t>(b.size() - 22 + 1)); })},
      {"IPv6 datagram one byte beyond the frame", true,
       mutate([](Bytes& b, TxFlow&) { wr16(b, 26, static_cast<uint16_t>(b.size() - 62 + 1)); })},
      {"unknown SPI", false, mutate([](Bytes& b, TxFlow&) { b[42] ^= 1; })},
      {"unknown destination", true, mutate([](Bytes& b, TxFlow&) { b[61] ^= 1; })},
      {"only an RX SA", false,
       [](TxFlow& f) {
         f.table.erase(f.sa.tx_key);
         return f.host();
       }},
      {"LSO of UDP", false, lso(17, [](TxFlow&) {})},
      {"LSO of next protocol 50", false, lso(50, [](TxFlow&) {})},
      {"LSO with a TCP header cut short", false,
       lso(6, [](TxFlow& f) { f.spec.payload.resize(11); })},
      {"LSO of tunnelled IPv4 UDP", false, lso(4, [](TxFlow& f) { tunnel(f, false); })},
      {"LSO of tunnelled IPv6 UDP", true, lso(41, [](TxFlow& f) { tunnel(f, true); })},
      {"LSO of tunnelled IPv4 with IHL 4", false,
       lso(4,
           [](TxFlow& f) {
             f.spec.proto = ipsec::tb::kIpProtoTcp;
             tunnel(f, false);
             f.ihl_override = 0x44;
           })},
      {"LSO of tunnelled IPv4 TCP with version 6", false,
       lso(4,
           [](TxFlow& f) {
             f.spec.proto = ipsec::tb::kIpProtoTcp;
             tunnel(f, false);
             f.ihl_override = 0x65;
           })},
      {"LSO of tunnelled IPv6 TCP with version 4", true,
       lso(41,
           [](TxFlow& f) {
             f.spec.proto = ipsec::tb::kIpProtoTcp;
             tunnel(f, true);
             f.ihl_override = 0x45;
           })},
      {"IPv4 options that look like the SA's SPI", false,
       [](TxFlow& f) {
         const uint32_t spi = f.esp.spi;
         f.spec.ipv4_options = {static_cast<uint8_t>(spi >> 24), static_cast<uint8_t>(spi >> 16),
                                static_cast<uint8_t>(spi >> 8), static_cast<uint8_t>(spi)};
         return f.host();
       }},
      {"LSO of tunnelled IPv4 TCP cut short", false,
       lso(4,
           [](TxFlow& f) {
             f.spec.proto = 99;  // no L4 header: a 20-byte inner header and 10 bytes
             f.spec.payload.resize(10);
             tunnel(f, false);
             f.inner_proto_override = ipsec::tb::kIpProtoTcp;
           })},
  };
  for (const Fault& fault : faults) {
    TxFlow f = make_flow(rng, fault.v6, EspMode::kTransport, false, false, 40);
    Bytes frame = fault.make(f);
    // Edits of the inner IPv4 header of a tunnelled packet (at payload offset 0).
    const size_t inner = 22 + (fault.v6 ? 40 : 20) + 16;
    if (f.ihl_override) frame[inner] = f.ihl_override;
    if (f.inner_proto_override) frame[inner + 9] = f.inner_proto_override;
    INFO(std::string(fault.name) << ": " << describe(frame));
    const auto r = f.tx(frame);
    CHECK(r.fate == model::Fate::kDrop);
    CHECK_FALSE(r.out);
    CHECK(f.counters == counters(1, 0, 0, 1));
  }
}

TEST_CASE(
    "TX: the smallest datagrams are offloaded: no payload at all, ending at the frame's end") {
  std::mt19937_64 rng(test_seed());
  for (bool v6 : {false, true}) {
    for (EspMode mode : {EspMode::kTransport, EspMode::kTunnel}) {
      TxFlow f = make_flow(rng, v6, mode, false, false, 0, 59 /* no next header */, v6);
      const Bytes host = f.host();  // transport: IP header + 16; no Ethernet padding
      INFO(describe(host));
      const auto r = f.tx(ipsec::tb::pad_to_minimum(host));
      REQUIRE(r.fate == model::Fate::kOut);
      CHECK(ipsec::tb::verify_wire_frame(host, *r.out, f.sa.ctx, f.esp.seq,
                                         ipsec::tb::esp_next_proto(f.pkt(), mode)) == "");
      if (host.size() >= 60) {
        const auto exact = f.tx(host);
        CHECK(exact.fate == model::Fate::kOut);
      }
    }
  }
}

// ---- LSO (contract section 6) -----------------------------------------------------------------

namespace {

// The contract's formula, computed another way: the nearest integer, halves up.
uint32_t nearest_index(uint16_t tcp_lo16, uint16_t meta_seq, uint16_t mss_inv) {
  const double delta = static_cast<uint16_t>(tcp_lo16 - meta_seq);
  return static_cast<uint32_t>(std::floor(delta * mss_inv / 65536.0 + 0.5));
}

}  // namespace

TEST_CASE(
    "TX LSO: the segment index is (tcp_seq - meta.seq) mod 2^16 times mss_inv / 2^16, rounded to "
    "nearest") {
  // Halves round up, just below a half rounds down, the sequence wraps at 16 bits.
  CHECK(model::lso_segment_index(0, 0, 1) == 0);
  CHECK(model::lso_segment_index(32768, 0, 1) == 1);
  CHECK(model::lso_segment_index(32767, 0, 1) == 0);
  CHECK(model::lso_segment_index(16384 + 100, 100, 2) == 1);
  CHECK(model::lso_segment_index(16383 + 100, 100, 2) == 0);
  CHECK(model::lso_segment_index(0x0010, 0xFFF0, 0x8000) == 16);
  CHECK(model::lso_segment_index(0xFFFF, 0x0000, 0xFFFF) == 65534);
  CHECK(model::lso_segment_index(1460, 0, ipsec::tb::mss_inverse(1460)) == 1);
  std::mt19937_64 rng(test_seed());
  for (int i = 0; i < 100000; ++i) {
    const auto t = static_cast<uint16_t>(rng()), s = static_cast<uint16_t>(rng()),
               inv = static_cast<uint16_t>(rng());
    REQUIRE_MESSAGE(model::lso_segment_index(t, s, inv) == nearest_index(t, s, inv),
                    "tcp " << t << " seq " << s << " mss_inv " << inv << "; " << seed_hint());
  }
}

TEST_CASE(
    "TX LSO: each segment's sequence number and IV advance by its index, carrying into the high "
    "word") {
  std::mt19937_64 rng(test_seed());
  for (int i = 0; i < 400; ++i) {
    const bool v6 = rng() % 2, esn = rng() % 2;
    TxFlow f = make_flow(rng, v6, EspMode::kTransport, rng() % 2, esn, 20 + rng() % 1500,
                         ipsec::tb::kIpProtoTcp);
    // Near a 2^32 boundary half of the time, so the index carries into SN_hi.
    if (rng() % 2) f.esp.seq = (f.esp.seq & 0xFFFFFFFF00000000ull) | (0xFFFFFFFFull - rng() % 100);
    TxMeta m;
    m.syndrome = model::kSyndTxLso;
    m.mss_inv = static_cast<uint16_t>(rng());
    m.seq = static_cast<uint16_t>(rng());
    Bytes host = f.host(m);
    const uint16_t tcp_lo = static_cast<uint16_t>(rng());
    set_tcp_seq_lo16(host, v6, 0, tcp_lo);
    const uint64_t want_sn = f.esp.seq + nearest_index(tcp_lo, m.seq, m.mss_inv);
    const auto r = f.tx(ipsec::tb::pad_to_minimum(host));
    INFO(describe(host) << "; " << seed_hint());
    REQUIRE(r.fate == model::Fate::kOut);
    CHECK(ipsec::tb::verify_wire_frame(host, *r.out, f.sa.ctx, want_sn, ipsec::tb::kIpProtoTcp) ==
          "");
  }
}

TEST_CASE("TX LSO: segments of a send get consecutive sequence numbers, transport and tunnel") {
  std::mt19937_64 rng(test_seed());
  for (bool v6 : {false, true}) {
    for (EspMode mode : {EspMode::kTransport, EspMode::kTunnel}) {
      for (bool inner_v6 : {false, true}) {
        TxFlow f = make_flow(rng, v6, mode, true, true, 0, ipsec::tb::kIpProtoTcp, inner_v6);
        f.spec.payload = ipsec::tb::random_bytes(rng, 20000);
        f.spec.tcp_seq = 0xFFFFF000u;  // the low 16 bits wrap within the send
        const uint16_t mss = 1448;     // 20000 bytes: 14 segments, index error below 1/2
        const auto frames = ipsec::tb::host_lso_frames(f.pkt(), f.esp, mss);
        REQUIRE(frames.size() == 14);
        for (size_t i = 0; i < frames.size(); ++i) {
          INFO("segment " << i << ": " << describe(frames[i]));
          const auto r = f.tx(frames[i]);
          REQUIRE(r.fate == model::Fate::kOut);
          const uint8_t np = ipsec::tb::esp_next_proto(f.pkt(), mode);
          CHECK(ipsec::tb::verify_wire_frame(frames[i], *r.out, f.sa.ctx, f.esp.seq + i, np) == "");
        }
      }
    }
  }
}

TEST_CASE(
    "TX LSO: with mss_inv = floor(65536 / mss) late segments of a large send get the contract's "
    "index, not i") {
  // mss 1460: mss_inv 44 where 65536 / 1460 = 44.89, so segment i gets round(i * 0.98): the
  // index lags from segment 26 on. The engine follows the contract's formula.
  const uint16_t mss = 1460, inv = ipsec::tb::mss_inverse(mss);
  CHECK(inv == 44);
  int first_lag = -1;
  for (uint32_t i = 0; i * mss < 65536; ++i) {
    const uint32_t idx = model::lso_segment_index(static_cast<uint16_t>(i * mss), 0, inv);
    CHECK(idx == nearest_index(static_cast<uint16_t>(i * mss), 0, inv));
    if (idx != i && first_lag < 0) first_lag = static_cast<int>(i);
  }
  CHECK(first_lag == 26);
}
