// The stimulus library checked on its own: builders make what their names promise, byte by
// byte, so a model or RTL failure is never a stimulus bug.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <stdexcept>

#include "esp_checks.h"
#include "frames.h"
#include "test_seed.h"

namespace model = ipsec::model;
using ipsec::tb::Bytes;
using ipsec::tb::describe;
using ipsec::tb::EspMode;
using ipsec::tb::EspSpec;
using ipsec::tb::PacketSpec;
using ipsec::tb::test_seed;
using ipsec::tb::TrailerFault;
using ipsec::tb::WireOptions;

namespace {

uint16_t rd16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
uint32_t rd32(const Bytes& b, size_t at) { return uint32_t{rd16(b, at)} << 16 | rd16(b, at + 2); }

uint32_t sum_words(const Bytes& b, size_t at, size_t len, uint32_t sum = 0) {
  for (size_t i = 0; i < len; i += 2) {
    sum += static_cast<uint32_t>(b[at + i] << 8 | (i + 1 < len ? b[at + i + 1] : 0));
  }
  return sum;
}
uint16_t folded(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// True when the L4 checksum of `pkt` (no extension headers) verifies.
bool l4_checksum_ok(const Bytes& pkt) {
  const bool v6 = pkt[0] >> 4 == 6;
  const size_t l4 = v6 ? 40 : 4u * (pkt[0] & 15);
  const uint8_t proto = pkt[v6 ? 6 : 9];
  const size_t len = pkt.size() - l4;
  uint32_t sum = sum_words(pkt, l4, len);
  if (proto != ipsec::tb::kIpProtoIcmp) {
    sum = v6 ? sum_words(pkt, 8, 32, sum) : sum_words(pkt, 12, 8, sum);
    sum += static_cast<uint32_t>(len) + proto;
  }
  return folded(sum) == 0xFFFF;
}

}  // namespace

TEST_CASE(
    "stimulus: IP packets carry valid IPv4 header and L4 checksums and the asked-for fields") {
  std::mt19937_64 rng(test_seed());
  for (bool v6 : {false, true}) {
    for (uint8_t proto : {ipsec::tb::kIpProtoTcp, ipsec::tb::kIpProtoUdp,
                          v6 ? ipsec::tb::kIpProtoIcmpv6 : ipsec::tb::kIpProtoIcmp}) {
      for (size_t len : {0, 1, 2, 3, 100, 1001}) {
        PacketSpec s;
        s.ipv6 = v6;
        if (v6) {
          s.src = ipsec::tb::ipv6("2001:db8::1");
          s.dst = ipsec::tb::ipv6("2001:db8::2");
        }
        s.proto = proto;
        s.payload = ipsec::tb::random_bytes(rng, len);
        const Bytes p = ipsec::tb::ip_packet(s);
        const size_t l4_hdr = proto == ipsec::tb::kIpProtoTcp ? 20 : 8;
        INFO(describe(ipsec::tb::ethernet_ip(p)));
        REQUIRE(p.size() == (v6 ? 40 : 20) + l4_hdr + len);
        if (v6) {
          CHECK((p[0] >> 4) == 6);
          CHECK(rd16(p, 4) + 40u == p.size());
          CHECK(p[6] == proto);
        } else {
          CHECK(p[0] == 0x45);
          CHECK(rd16(p, 2) == p.size());
          CHECK(p[9] == proto);
          CHECK(ipsec::tb::ipv4_checksum_ok(p, 0));
          CHECK(rd32(p, 12) == 0xC0000201);  // 192.0.2.1
        }
        CHECK(l4_checksum_ok(p));
        CHECK(Bytes(p.end() - static_cast<std::ptrdiff_t>(len), p.end()) == s.payload);
      }
    }
  }
  // Options and extension headers.
  PacketSpec s;
  s.ipv4_options = {0x94, 0x04, 0, 0, 0x01};
  Bytes p = ipsec::tb::ip_packet(s);
  CHECK(p[0] == 0x47);  // 5 bytes of options padded to 8
  CHECK(ipsec::tb::ipv4_checksum_ok(p, 0));
  CHECK(l4_checksum_ok(p));
  s = PacketSpec{};
  s.ipv6 = true;
  s.src = ipsec::tb::ipv6("2001:db8::1");
  s.dst = ipsec::tb::ipv6("2001:db8::2");
  s.ipv6_ext_header = true;
  p = ipsec::tb::ip_packet(s);
  CHECK(p[6] == ipsec::tb::kIpv6DestOptions);
  CHECK(p[40] == ipsec::tb::kIpProtoUdp);
  CHECK(rd16(p, 4) == p.size() - 40);
  CHECK_THROWS_AS(ipsec::tb::ipv4("300.1.1.1"), std::invalid_argument);
  CHECK_THROWS_AS(ipsec::tb::ipv6("2001:db8::g"), std::invalid_argument);
}

TEST_CASE(
    "stimulus: a host ESP frame is what the driver hands the engine (contract sections 5, 6)") {
  PacketSpec s;
  s.proto = ipsec::tb::kIpProtoTcp;
  s.payload = Bytes(10, 0x77);
  const Bytes pkt = ipsec::tb::ip_packet(s);
  EspSpec e;
  e.spi = 0xA1B2C3D4;
  e.seq = 0x0000000500000010ull;
  // Transport: ESP header and IV after the IP header, protocol 50, no trailer.
  Bytes f = ipsec::tb::host_esp_frame(pkt, e);
  CHECK(rd16(f, 12) == 0x8CE4);
  CHECK(Bytes(f.begin() + 14, f.begin() + 22) == Bytes{0x08, 0, 0, 0, 0, 6, 0x08, 0x00});
  CHECK(f.size() == 22 + pkt.size() + 16);
  CHECK(rd16(f, 24) == pkt.size() + 16);
  CHECK(f[31] == 50);
  CHECK(ipsec::tb::ipv4_checksum_ok(f, 22));
  CHECK(rd32(f, 42) == 0xA1B2C3D4);
  CHECK(rd32(f, 46) == 0x00000010);
  CHECK(rd32(f, 50) == 5);
  CHECK(rd32(f, 54) == 0x10);
  CHECK(Bytes(f.begin() + 58, f.end()) == Bytes(pkt.begin() + 20, pkt.end()));
  // LSO metadata.
  ipsec::tb::TxMeta m;
  m.syndrome = 0x09;
  m.mss_inv = ipsec::tb::mss_inverse(1448);
  m.seq = 0xBEEF;
  f = ipsec::tb::host_esp_frame(pkt, e, m);
  CHECK(Bytes(f.begin() + 14, f.begin() + 20) == Bytes{0x09, 0x00, 45, 0xBE, 0xEF, 6});
  // Tunnel: a new outer header, the whole packet inside, next protocol 4 (41 for IPv6).
  e.mode = EspMode::kTunnel;
  e.outer_ipv6 = true;
  e.outer_src = ipsec::tb::ipv6("2001:db8::a");
  e.outer_dst = ipsec::tb::ipv6("2001:db8::b");
  f = ipsec::tb::host_esp_frame(pkt, e);
  CHECK(f[19] == 4);
  CHECK(rd16(f, 20) == 0x86DD);
  CHECK(f[28] == 50);
  CHECK(rd16(f, 26) == 16 + pkt.size());
  CHECK(Bytes(f.begin() + 78, f.end()) == pkt);
  const auto key = ipsec::tb::sa_key_for(true, pkt, e);
  CHECK(key.ipv6);
  CHECK(key.sip == e.outer_src);
  CHECK(key.spi == 0xA1B2C3D4);
}

TEST_CASE("stimulus: an LSO send is cut into MSS-sized segments with shared metadata and IV") {
  PacketSpec s;
  s.proto = ipsec::tb::kIpProtoTcp;
  s.tcp_seq = 0x0001FFF0;
  s.payload = ipsec::tb::pattern(5000);
  EspSpec e;
  e.seq = 77;
  const auto frames = ipsec::tb::host_lso_frames(ipsec::tb::ip_packet(s), e, 1400);
  REQUIRE(frames.size() == 4);
  for (size_t i = 0; i < frames.size(); ++i) {
    const Bytes& f = frames[i];
    CHECK(f[14] == 0x09);
    CHECK(rd16(f, 15) == 65536 / 1400);
    CHECK(rd16(f, 17) == 0xFFF0);
    CHECK(rd32(f, 54) == 77);  // the IV: the first segment's sequence number
    CHECK(rd32(f, 58 + 4) == 0x0001FFF0 + 1400 * i);
    CHECK(f.size() == 58 + 20 + (i < 3 ? 1400 : 800));
  }
}

TEST_CASE("stimulus: a wire ESP frame opens with plain EVP into payload and RFC 4303 trailer") {
  std::mt19937_64 rng(test_seed());
  for (bool esn : {false, true}) {
    for (size_t extra : {0, 4, 252}) {
      for (TrailerFault fault :
           {TrailerFault::kNone, TrailerFault::kBadPadBytes, TrailerFault::kBadPadLength}) {
        PacketSpec s;
        s.payload = ipsec::tb::random_bytes(rng, rng() % 50);
        const Bytes pkt = ipsec::tb::ip_packet(s);
        EspSpec e;
        e.seq = 0x00000002FFFFFFFEull;
        const auto sa = ipsec::tb::make_sa_pair(rng, pkt, e, rng() % 2, esn);
        WireOptions o;
        o.extra_pad = extra;
        o.fault = fault;
        const Bytes f = ipsec::tb::wire_esp_frame(pkt, e, sa.ctx, o);
        CHECK(ipsec::tb::ipv4_checksum_ok(f, 14));
        CHECK(rd16(f, 16) == f.size() - 14);
        const size_t esp = 34, ct_len = f.size() - esp - 16 - 16;
        Bytes aad{0, 0, 0x10, 0};
        if (esn) aad.insert(aad.end(), {0, 0, 0, 2});
        aad.insert(aad.end(), {0xFF, 0xFF, 0xFF, 0xFE});
        uint8_t nonce[12];
        for (int i = 0; i < 4; ++i) nonce[i] = static_cast<uint8_t>(sa.ctx.salt >> (24 - 8 * i));
        std::copy(f.begin() + esp + 8, f.begin() + esp + 16, nonce + 4);
        const Bytes key(sa.ctx.key.begin(), sa.ctx.key.begin() + (sa.ctx.key256 ? 32 : 16));
        const auto pt =
            ipsec::tb::evp_gcm_open(key, nonce, aad, &f[esp + 16], ct_len, &f[f.size() - 16]);
        REQUIRE(pt);
        CHECK(ct_len % 4 == 0);
        const size_t payload = pkt.size() - 20;
        CHECK(Bytes(pt->begin(), pt->begin() + static_cast<std::ptrdiff_t>(payload)) ==
              Bytes(pkt.begin() + 20, pkt.end()));
        CHECK(pt->back() == 17);
        const size_t pad = ct_len - 2 - payload;
        const size_t padlen = (*pt)[ct_len - 2];
        bool sequence_ok = padlen <= ct_len - 2;
        for (size_t i = 0; sequence_ok && i < padlen; ++i)
          sequence_ok = (*pt)[ct_len - 2 - padlen + i] == i + 1;
        INFO("extra " << extra << " pad " << pad << " padlen " << padlen);
        CHECK(sequence_ok == (fault == TrailerFault::kNone));
        if (fault == TrailerFault::kNone) CHECK(padlen == pad);
        if (fault == TrailerFault::kNone) CHECK(pad == extra + (4 - (payload + 2) % 4) % 4);
      }
    }
  }
}

TEST_CASE("stimulus: corruptors change what they name and nothing else") {
  std::mt19937_64 rng(test_seed());
  const Bytes pkt = ipsec::tb::ip_packet(PacketSpec{});
  const auto sa = ipsec::tb::make_sa_pair(rng, pkt, EspSpec{}, false);
  const Bytes f = ipsec::tb::wire_esp_frame(pkt, EspSpec{}, sa.ctx);
  Bytes padded = f;
  padded.resize(f.size() + 6, 0);
  for (unsigned bit : {0u, 7u, 64u, 127u}) {
    const Bytes g = ipsec::tb::flip_icv_bit(padded, bit);
    size_t diffs = 0, at = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      if (g[i] != padded[i]) {
        ++diffs;
        at = i;
      }
    }
    CHECK(diffs == 1);
    CHECK(at == f.size() - 16 + bit / 8);
  }
  Bytes t = ipsec::tb::truncate_datagram(f, 5);
  CHECK(t.size() == f.size() - 5);
  CHECK(rd16(t, 16) == rd16(f, 16));
  t = ipsec::tb::truncate_datagram(f, 5, true);
  CHECK(rd16(t, 16) == rd16(f, 16) - 5);
  CHECK(ipsec::tb::ipv4_checksum_ok(t, 14));
  const Bytes m = ipsec::tb::with_wire_metadata(f, 0x11, 0x01020304);
  CHECK(Bytes(m.begin() + 12, m.begin() + 22) ==
        Bytes{0x8C, 0xE4, 0x11, 0, 1, 2, 3, 4, 0x08, 0x00});
  CHECK(Bytes(m.begin() + 20, m.end()) == Bytes(f.begin() + 12, f.end()));
  CHECK(ipsec::tb::pad_to_minimum(Bytes(20, 1)).size() == 60);
  CHECK(ipsec::tb::pad_to_minimum(f) == f);
}

TEST_CASE("stimulus: describe() summarises a frame on one line") {
  PacketSpec s;
  s.proto = ipsec::tb::kIpProtoTcp;
  s.payload = Bytes(10);
  const Bytes pkt = ipsec::tb::ip_packet(s);
  CHECK(describe(ipsec::tb::ethernet_ip(pkt)) ==
        "64 B | IPv4 192.0.2.1 > 198.51.100.2 len 50 proto 6 | TCP 40000 > 4500 seq 1000");
  EspSpec e;
  e.seq = 9;
  CHECK(describe(ipsec::tb::host_esp_frame(pkt, e)) ==
        "88 B | meta 0x08 np 6 | IPv4 192.0.2.1 > 198.51.100.2 len 66 proto 50 | ESP spi 0x1000 sn "
        "9");
  CHECK(describe(ipsec::tb::with_wire_metadata(ipsec::tb::ethernet_ip(pkt), 0x17, 3))
            .find("meta 0x17 nh 0 handle 3") != std::string::npos);
  CHECK(describe(Bytes(5)) == "5 B | runt");
  CHECK(describe(ipsec::tb::ethernet(0x0806, Bytes(28))) == "42 B | type 0x0806");
}

TEST_CASE("stimulus: IMIX is 7:4:1 of 60, 590 and 1514 bytes and random sizes span 60 to 9216") {
  std::mt19937_64 rng(test_seed());
  std::map<size_t, int> imix;
  for (int i = 0; i < 120000; ++i) ++imix[ipsec::tb::imix_frame_size(rng)];
  REQUIRE(imix.size() == 3);
  CHECK(imix[60] == doctest::Approx(70000).epsilon(0.03));
  CHECK(imix[590] == doctest::Approx(40000).epsilon(0.03));
  CHECK(imix[1514] == doctest::Approx(10000).epsilon(0.05));
  size_t lo = SIZE_MAX, hi = 0, jumbo = 0;
  for (int i = 0; i < 100000; ++i) {
    const size_t n = ipsec::tb::random_frame_size(rng);
    lo = std::min(lo, n);
    hi = std::max(hi, n);
    jumbo += n > 1514;
  }
  CHECK(lo == 60);
  CHECK(hi > 9100);
  CHECK(hi <= 9216);
  CHECK(jumbo > 15000);
}

TEST_CASE("stimulus: random SA tables hold distinct SAs, RX handles 1, 2, ... and some ESN") {
  std::mt19937_64 rng(test_seed());
  const model::SaTable t = ipsec::tb::random_sa_table(rng, 50, 50);
  CHECK(t.size() == 100);
  std::set<uint32_t> handles;
  int esn = 0, v6 = 0, aes256 = 0;
  for (const auto& [k, c] : t) {
    if (!k.tx) handles.insert(c.handle);
    if (k.tx) CHECK(c.handle == 0);
    esn += c.esn_en;
    v6 += k.ipv6;
    aes256 += c.key256;
    if (!k.ipv6)
      CHECK(std::all_of(k.sip.begin(), k.sip.begin() + 12, [](uint8_t b) { return b == 0; }));
  }
  CHECK(handles.size() == 50);
  CHECK(*handles.begin() == 1);
  CHECK(*handles.rbegin() == 50);
  CHECK(esn > 10);
  CHECK(v6 > 20);
  CHECK(aes256 > 20);
}

TEST_CASE("stimulus: the sweep puts one frame into each bin of fate, size and SA kind, as the model classifies it") {
  using ipsec::tb::SaKind;
  std::mt19937_64 rng(test_seed());
  // Two SAs of each of the 16 kinds, each way; the table of random_sa_table() made to order.
  model::SaTable table;
  std::map<model::SaKey, EspMode> modes;
  uint32_t handle = 1;
  for (int i = 0; i < 64; ++i) {
    const SaKind kind{(i & 8) != 0, (i & 4) != 0, (i & 2) != 0, (i & 1) != 0};
    model::SaTable one;
    do {
      one = ipsec::tb::random_sa_table(rng, (i & 16) ? 0 : 1, (i & 16) ? 1 : 0);
    } while (one.begin()->first.ipv6 != kind.ipv6 || table.count(one.begin()->first));
    auto sa = *one.begin();
    sa.second.key256 = kind.key256;
    sa.second.esn_en = kind.esn;
    sa.second.esn_overlap = kind.esn && rng() % 2;
    sa.second.esn_hi = kind.esn ? static_cast<uint32_t>(rng()) : 0;
    sa.second.handle = sa.first.tx ? 0 : handle++;
    modes[sa.first] = kind.tunnel ? EspMode::kTunnel : EspMode::kTransport;
    table.insert(sa);
  }
  ipsec::tb::RandomFrames gen(test_seed(), table);
  gen.set_modes(modes);
  const model::SaLookup lookup = model::lookup_in(table);
  for (bool tx : {true, false}) {
    CAPTURE(tx);
    const std::vector<ipsec::tb::GeneratedFrame> frames = tx ? gen.sweep_tx() : gen.sweep_rx();
    std::set<std::string> bins;
    for (const auto& g : frames) {
      model::DatapathCounters n;
      const model::FrameResult r = tx ? model::tx(g.frame, g.tuser, lookup, {}, n)
                                      : model::rx(g.frame, g.tuser, lookup, {}, n);
      INFO(to_string(g.cls) << ": " << describe(g.frame) << ": " << r.why);
      CHECK(r.fate == ipsec::tb::intended_fate(g.cls));
      std::optional<SaKind> kind;
      if (r.sa) {
        const model::SaContext& c = table.at(*r.sa);
        kind = SaKind{r.sa->ipv6, modes.at(*r.sa) == EspMode::kTunnel, c.key256, c.esn_en};
      }
      const std::string bin = std::string(model::to_string(r.fate)) + " " +
                              to_string(ipsec::tb::size_bucket(g.frame.size())) + " " +
                              ipsec::tb::to_string(kind);
      CHECK_MESSAGE(bins.insert(bin).second, "a second frame in " << bin);
    }
    // Per size bucket: no-SA fates (bypass below 9,217 bytes, drop), then per kind out and
    // drop (TX; no IPv6 kind up to 64 bytes) or drop, out and auth-fail (RX; drop only up to
    // 64 bytes). functional_exclusions.txt says why the rest cannot be.
    const size_t want = tx ? 5 + 6 + 2 * 16 * 4 + 2 * 8 : 5 + 6 + 3 * 16 * 4 + 16;
    CHECK(frames.size() == want);
    CHECK(bins.size() == want);
  }
}
