// The model's RX path (wire -> host, contract section 7): decryption in place, no-trailer
// mode, ESN inference, and every drop, auth failure and bypass with its counters, the
// expected frames built byte by byte here.
#include <doctest/doctest.h>

#include <random>

#include "esp_checks.h"
#include "esp_model.h"
#include "frames.h"
#include "test_seed.h"

namespace model = ipsec::model;
using ipsec::tb::Bytes;
using ipsec::tb::describe;
using ipsec::tb::EspMode;
using ipsec::tb::EspSpec;
using ipsec::tb::frame_difference;
using ipsec::tb::PacketSpec;
using ipsec::tb::SaPair;
using ipsec::tb::seed_hint;
using ipsec::tb::test_seed;
using ipsec::tb::TrailerFault;
using ipsec::tb::WireOptions;

namespace {

constexpr uint32_t kHandle = 0x00C0FFEE;

// One RX flow: a packet as a peer encrypts it, the RX SA, the engine's state.
struct RxFlow {
  PacketSpec spec;
  EspSpec esp;
  SaPair sa;
  WireOptions opts;
  model::SaTable table;
  model::DatapathControl ctl;
  model::DatapathCounters counters;

  Bytes pkt() const { return ipsec::tb::ip_packet(spec); }
  Bytes wire() const { return ipsec::tb::wire_esp_frame(pkt(), esp, sa.ctx, opts); }
  model::FrameResult rx(const Bytes& frame, bool tuser = false) {
    return model::rx(frame, tuser, model::lookup_in(table), ctl, counters);
  }
};

RxFlow make_flow(std::mt19937_64& rng, bool v6, EspMode mode, bool aes256, bool esn,
                 size_t payload_len, bool inner_v6 = false) {
  RxFlow f;
  f.spec.ipv6 = mode == EspMode::kTunnel ? inner_v6 : v6;
  f.spec.src = f.spec.ipv6 ? ipsec::tb::ipv6("2001:db8:2::20") : ipsec::tb::ipv4("198.51.100.20");
  f.spec.dst = f.spec.ipv6 ? ipsec::tb::ipv6("2001:db8:1::10") : ipsec::tb::ipv4("192.0.2.10");
  f.spec.proto = rng() % 2 ? ipsec::tb::kIpProtoTcp : ipsec::tb::kIpProtoUdp;
  f.spec.payload = ipsec::tb::random_bytes(rng, payload_len);
  f.esp.spi = 0x20000 + static_cast<uint32_t>(rng() % 1000);
  f.esp.seq = 1 + rng() % 0x7FFFFFFF;
  f.esp.mode = mode;
  f.esp.outer_ipv6 = v6;
  f.esp.outer_src = v6 ? ipsec::tb::ipv6("2001:db8:ff::2") : ipsec::tb::ipv4("203.0.113.2");
  f.esp.outer_dst = v6 ? ipsec::tb::ipv6("2001:db8:ff::1") : ipsec::tb::ipv4("203.0.113.1");
  f.sa = ipsec::tb::make_sa_pair(rng, f.pkt(), f.esp, aes256, esn, kHandle);
  f.table.emplace(f.sa.rx_key, f.sa.ctx);
  return f;
}

model::DatapathCounters counters(uint64_t in, uint64_t out, uint64_t bypass, uint64_t drop,
                                 uint64_t auth_fail) {
  model::DatapathCounters c;
  c.dec_in = in;
  c.dec_out = out;
  c.dec_bypass = bypass;
  c.dec_drop = drop;
  c.dec_auth_fail = auth_fail;
  return c;
}

uint16_t rd16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
void wr16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

Bytes rx_metadata(uint8_t syndrome, uint8_t nexthdr, uint32_t handle) {
  return {0x8C,
          0xE4,
          syndrome,
          nexthdr,
          static_cast<uint8_t>(handle >> 24),
          static_cast<uint8_t>(handle >> 16),
          static_cast<uint8_t>(handle >> 8),
          static_cast<uint8_t>(handle)};
}

// What the host must receive for `wire`, a frame of flow `f` (built with f.opts and no
// fault): MACs, metadata, EtherType, then the datagram with the ciphertext replaced by
// payload and trailer (default), or shortened to end with the payload (no trailer).
Bytes expected_host(const RxFlow& f, const Bytes& wire, uint8_t syndrome, uint8_t nexthdr,
                    bool no_trailer) {
  const Bytes plain_pkt =
      ipsec::tb::esp_plaintext_packet(f.pkt(), f.esp);  // headers, ESP, IV, payload
  const bool v6 = rd16(wire, 12) == 0x86DD;
  const size_t hdr = v6 ? 40 : 20;
  const size_t payload_len = plain_pkt.size() - hdr - 16;
  size_t pad = f.opts.extra_pad;
  while ((payload_len + pad + 2) % 4) ++pad;
  const size_t datagram = hdr + 16 + payload_len + pad + 2 + 16;

  Bytes want(wire.begin(), wire.begin() + 12);
  const Bytes meta = rx_metadata(syndrome, nexthdr, kHandle);
  want.insert(want.end(), meta.begin(), meta.end());
  want.insert(want.end(), wire.begin() + 12, wire.begin() + 14);
  const size_t ip = want.size();
  want.insert(want.end(), wire.begin() + 14,
              wire.begin() + 14 + static_cast<std::ptrdiff_t>(hdr + 16));
  want.insert(want.end(), plain_pkt.begin() + static_cast<std::ptrdiff_t>(hdr + 16),
              plain_pkt.end());
  if (no_trailer) {
    if (v6) {
      wr16(want, ip + 4, static_cast<uint16_t>(16 + payload_len));
    } else {
      wr16(want, ip + 2, static_cast<uint16_t>(20 + 16 + payload_len));
      wr16(want, ip + 10, 0);
      uint32_t sum = 0;
      for (size_t i = 0; i < 20; i += 2) sum += rd16(want, ip + i);
      while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
      wr16(want, ip + 10, static_cast<uint16_t>(~sum));
    }
    return want;
  }
  for (size_t i = 1; i <= pad; ++i) want.push_back(static_cast<uint8_t>(i));
  want.push_back(static_cast<uint8_t>(pad));
  want.push_back(ipsec::tb::esp_next_proto(f.pkt(), f.esp.mode));
  want.insert(want.end(), wire.begin() + static_cast<std::ptrdiff_t>(14 + datagram - 16),
              wire.begin() + static_cast<std::ptrdiff_t>(14 + datagram));
  return want;
}

// The wire frame of flow `f` with its ESP plaintext replaced by `plain` (payload, pad, pad
// length, next header), encrypted and authenticated afresh: trailers no peer would build.
Bytes reseal(const RxFlow& f, const Bytes& plain) {
  const Bytes wire = f.wire();
  const bool v6 = rd16(wire, 12) == 0x86DD;
  const size_t esp = 14 + (v6 ? 40 : 20);
  Bytes out(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(esp + 16));
  Bytes aad(wire.begin() + static_cast<std::ptrdiff_t>(esp),
            wire.begin() + static_cast<std::ptrdiff_t>(esp + 4));
  if (f.sa.ctx.esn_en) {
    for (int s = 56; s >= 32; s -= 8) aad.push_back(static_cast<uint8_t>(f.esp.seq >> s));
  }
  aad.insert(aad.end(), wire.begin() + static_cast<std::ptrdiff_t>(esp + 4),
             wire.begin() + static_cast<std::ptrdiff_t>(esp + 8));
  model::Iv nonce{};
  for (int i = 0; i < 4; ++i) nonce[i] = static_cast<uint8_t>(f.sa.ctx.salt >> (24 - 8 * i));
  std::copy(wire.begin() + static_cast<std::ptrdiff_t>(esp + 8),
            wire.begin() + static_cast<std::ptrdiff_t>(esp + 16), nonce.begin() + 4);
  const Bytes key(f.sa.ctx.key.begin(), f.sa.ctx.key.begin() + (f.sa.ctx.key256 ? 32 : 16));
  const model::Sealed sealed = model::gcm_seal(key, nonce, aad, plain);
  out.insert(out.end(), sealed.ciphertext.begin(), sealed.ciphertext.end());
  out.insert(out.end(), sealed.tag.begin(), sealed.tag.end());
  if (v6) {
    wr16(out, 18, static_cast<uint16_t>(out.size() - 54));
  } else {
    wr16(out, 16, static_cast<uint16_t>(out.size() - 14));
    wr16(out, 24, model::ipv4_header_checksum(&out[14], 20));
  }
  return out;
}

}  // namespace

TEST_CASE(
    "RX: a peer's ESP frame is decrypted in place with metadata 0x11, next header and handle") {
  std::mt19937_64 rng(test_seed());
  int frames = 0;
  for (bool no_trailer : {false, true}) {
    for (bool v6 : {false, true}) {
      for (EspMode mode : {EspMode::kTransport, EspMode::kTunnel}) {
        for (bool aes256 : {false, true}) {
          for (bool esn : {false, true}) {
            for (size_t len : {0, 1, 2, 3, 4, 5, 6, 7, 300, 1400, 9000}) {
              RxFlow f = make_flow(rng, v6, mode, aes256, esn, len, rng() % 2);
              f.ctl.no_trailer = no_trailer;
              f.opts.extra_pad = rng() % 3 == 0 ? 4 * (rng() % 62) : 0;
              f.opts.iv_override = rng() % 2 ? static_cast<int>(rng() % 256) : -1;
              const Bytes wire = f.wire();
              if (wire.size() > f.ctl.max_frame) continue;
              INFO(describe(wire) << (no_trailer ? ", no trailer" : "") << "; " << seed_hint());
              const auto r = f.rx(wire);
              REQUIRE(r.fate == model::Fate::kOut);
              const uint8_t nh = ipsec::tb::esp_next_proto(f.pkt(), mode);
              const Bytes want = expected_host(f, wire, 0x11, nh, no_trailer);
              CHECK_MESSAGE(frame_difference(*r.out, want) == "", frame_difference(*r.out, want));
              ++frames;
            }
          }
        }
      }
    }
  }
  CHECK(frames >= 300);
}

TEST_CASE("RX: Ethernet padding after the datagram is not forwarded") {
  std::mt19937_64 rng(test_seed());
  for (bool no_trailer : {false, true}) {
    RxFlow f = make_flow(rng, false, EspMode::kTransport, false, false, 0);
    f.ctl.no_trailer = no_trailer;
    const Bytes wire = f.wire();
    Bytes padded = wire;
    padded.resize(wire.size() + 9, 0xEE);
    const auto a = f.rx(wire), b = f.rx(padded);
    REQUIRE(a.fate == model::Fate::kOut);
    REQUIRE(b.fate == model::Fate::kOut);
    CHECK(*a.out == *b.out);
  }
}

TEST_CASE("RX: ESN high bits come from esn_hi and the overlap bit (RFC 4303 appendix A)") {
  std::mt19937_64 rng(test_seed());
  struct Row {
    uint32_t esn_hi;
    bool overlap;
    uint32_t sn_lo;
    uint32_t want_hi;
  };
  const Row rows[] = {
      {5, false, 0x00000000, 5},         {5, false, 0x7FFFFFFF, 5},
      {5, false, 0x80000000, 5},         {5, false, 0xFFFFFFFF, 5},
      {5, true, 0x80000000, 5},          {5, true, 0xFFFFFFFF, 5},
      {5, true, 0x7FFFFFFF, 6},          {5, true, 0x00000000, 6},
      {0xFFFFFFFF, true, 0x00000001, 0}, {0xFFFFFFFF, true, 0x90000000, 0xFFFFFFFF},
  };
  for (const Row& row : rows) {
    model::SaContext sa;
    sa.esn_en = true;
    sa.esn_hi = row.esn_hi;
    sa.esn_overlap = row.overlap;
    CHECK(model::rx_esn_high(sa, row.sn_lo) == row.want_hi);

    // A frame sent with the right high bits decrypts; with any other it fails authentication.
    for (uint32_t hi : {row.want_hi, row.want_hi + 1, row.want_hi - 1}) {
      RxFlow f = make_flow(rng, rng() % 2, EspMode::kTransport, rng() % 2, true, 64);
      f.table.begin()->second.esn_hi = row.esn_hi;
      f.table.begin()->second.esn_overlap = row.overlap;
      f.esp.seq = uint64_t{hi} << 32 | row.sn_lo;
      INFO("esn_hi " << row.esn_hi << " overlap " << row.overlap << " sn_lo " << row.sn_lo
                     << " sent hi " << hi);
      CHECK(f.rx(f.wire()).fate ==
            (hi == row.want_hi ? model::Fate::kOut : model::Fate::kAuthFail));
    }
  }
  // Without ESN the high bits are not authenticated at all.
  RxFlow f = make_flow(rng, false, EspMode::kTransport, false, false, 64);
  f.esp.seq = 0x1234567800000010ull;
  CHECK(f.rx(f.wire()).fate == model::Fate::kOut);
}

TEST_CASE(
    "RX: an ICV mismatch is dropped in dec_auth_fail, or forwarded with 0x12 by the debug bit") {
  std::mt19937_64 rng(test_seed());
  for (bool fwd : {false, true}) {
    for (bool v6 : {false, true}) {
      RxFlow f = make_flow(rng, v6, EspMode::kTransport, rng() % 2, rng() % 2, 100);
      f.ctl.fwd_bad_frames = fwd;
      f.ctl.no_trailer = rng() % 2;  // failures keep the default layout either way
      const Bytes good = f.wire();
      const size_t esp = 14 + (v6 ? 40 : 20);
      const size_t end = ipsec::tb::datagram_end(good);
      // Every ICV bit, a ciphertext bit, the sequence number, the IV.
      std::vector<std::pair<std::string, Bytes>> bad;
      for (unsigned bit = 0; bit < 128; ++bit)
        bad.emplace_back("ICV bit", ipsec::tb::flip_icv_bit(good, bit));
      Bytes b = good;
      b[end - 17] ^= 0x01;
      bad.emplace_back("ciphertext", b);
      b = good;
      b[esp + 7] ^= 0x01;
      bad.emplace_back("sequence number", b);
      b = good;
      b[esp + 8] ^= 0x80;
      bad.emplace_back("IV", b);
      // Named references, not a structured binding: doctest's INFO captures them in a
      // lambda, which C++17 does not allow for a binding (clang refuses it).
      for (const auto& entry : bad) {
        const std::string& what = entry.first;
        const Bytes& frame = entry.second;
        INFO(what << ": " << describe(frame));
        const auto r = f.rx(frame);
        CHECK(r.fate == model::Fate::kAuthFail);
        CHECK(r.out.has_value() == fwd);
        if (fwd && r.out && what == "ICV bit") {
          // Plaintext in place, next header 0, the (bad) ICV as received.
          const Bytes want = expected_host(f, frame, 0x12, 0, false);
          CHECK_MESSAGE(frame_difference(*r.out, want) == "", frame_difference(*r.out, want));
        }
      }
      CHECK(f.counters == counters(bad.size(), 0, 0, 0, bad.size()));
    }
  }
}

TEST_CASE("RX: a bad trailer under a good ICV is dropped in dec_drop, or forwarded with 0x17") {
  std::mt19937_64 rng(test_seed());
  for (bool fwd : {false, true}) {
    for (TrailerFault fault : {TrailerFault::kBadPadBytes, TrailerFault::kBadPadLength}) {
      for (size_t len : {0, 1, 2, 3, 100, 300, 1000}) {
        RxFlow f = make_flow(rng, rng() % 2, EspMode::kTransport, rng() % 2, rng() % 2, len);
        f.ctl.fwd_bad_frames = fwd;
        f.opts.fault = fault;
        f.opts.extra_pad = rng() % 2 ? 4 * (rng() % 60) : 0;
        const Bytes wire = f.wire();
        INFO(describe(wire) << (fault == TrailerFault::kBadPadBytes ? " bad pad bytes"
                                                                    : " bad pad length"));
        const auto r = f.rx(wire);
        CHECK(r.fate == model::Fate::kDrop);
        REQUIRE(r.out.has_value() == fwd);
        if (fwd) {
          CHECK(Bytes(r.out->begin() + 12, r.out->begin() + 20) == rx_metadata(0x17, 0, kHandle));
          CHECK(r.out->size() == wire.size() + 8);
        }
        CHECK(f.counters == counters(1, 0, 0, 1, 0));
      }
    }
  }
}

TEST_CASE("RX: the largest pad and an all-pad payload are accepted") {
  std::mt19937_64 rng(test_seed());
  RxFlow f = make_flow(rng, false, EspMode::kTransport, false, false, 0);
  f.spec.proto = 59;  // no next header: the ESP payload is just these bytes
  f.spec.payload = {0xAB, 0xCD, 0xEF};
  f.opts.extra_pad = 252;  // 3 + 3 minimal pad + 2 = 8; 252 more: 255 pad bytes
  auto r = f.rx(f.wire());
  REQUIRE(r.fate == model::Fate::kOut);
  CHECK(r.out->at(r.out->size() - 16 - 2) == 255);
  // No payload: 2 pad bytes (pad length == C - 2), then 254.
  f.spec.payload.clear();
  f.opts.extra_pad = 0;
  CHECK(f.rx(f.wire()).fate == model::Fate::kOut);
  f.opts.extra_pad = 252;
  CHECK(f.rx(f.wire()).fate == model::Fate::kOut);
  CHECK(f.counters == counters(3, 3, 0, 0, 0));
}

TEST_CASE(
    "RX: a trailer is valid iff pad length <= C - 2 and the pad bytes are 1, 2, ..., alignment "
    "unchecked") {
  std::mt19937_64 rng(test_seed());
  struct Row {
    Bytes plain;  // payload, pad, pad length, next header
    bool ok;
  };
  const Row rows[] = {
      {{0, 17}, true},        // C == 2: nothing but the trailer
      {{0xAA, 0, 17}, true},  // C == 3, unaligned
      {{1, 1, 17}, true},     // all pad
      {{0xAA, 1, 2, 2, 6}, true},
      {{2, 1, 17}, false},  // pad byte 2 where 1 belongs
      {{1, 3, 2, 6}, false},
      {{1, 17}, false},                // pad length 1 > C - 2 = 0
      {{0xAA, 1, 2, 3, 4, 6}, false},  // pad length 4 == C - 2, but 0xAA, 1, 2, 3
      {{1, 2, 3, 4, 4, 6}, true},      // pad length 4 == C - 2
      {{1, 2, 3, 4, 5, 6}, false},     // pad length 5 > C - 2
  };
  for (bool fwd : {false, true}) {
    for (const Row& row : rows) {
      RxFlow f = make_flow(rng, rng() % 2, EspMode::kTransport, rng() % 2, rng() % 2, 0);
      f.ctl.fwd_bad_frames = fwd;
      f.ctl.no_trailer = rng() % 2;
      const Bytes frame = ipsec::tb::pad_to_minimum(reseal(f, row.plain));
      INFO("plaintext " << ipsec::tb::to_hex(row.plain)
                        << (f.ctl.no_trailer ? ", no trailer" : ""));
      const auto r = f.rx(frame);
      CHECK(r.fate == (row.ok ? model::Fate::kOut : model::Fate::kDrop));
      if (row.ok) {
        REQUIRE(r.out);
        CHECK(r.out->at(15) == row.plain.back());
        if (!f.ctl.no_trailer) {
          const Bytes tail(r.out->end() - 16 - static_cast<std::ptrdiff_t>(row.plain.size()),
                           r.out->end() - 16);
          CHECK(tail == row.plain);
        } else {
          const size_t keep = row.plain.size() - 2 - row.plain[row.plain.size() - 2];
          const size_t hdr = rd16(frame, 12) == 0x86DD ? 40 : 20;
          CHECK(r.out->size() == 22 + hdr + 16 + keep);
        }
      } else {
        REQUIRE(r.out.has_value() == fwd);
        if (fwd) CHECK(r.out->at(14) == 0x17);
      }
    }
  }
}

TEST_CASE(
    "RX: a truncated ESP datagram is dropped in dec_drop, or forwarded undecrypted with 0x17") {
  std::mt19937_64 rng(test_seed());
  for (bool fwd : {false, true}) {
    for (bool v6 : {false, true}) {
      RxFlow f = make_flow(rng, v6, EspMode::kTransport, false, false, 200);
      f.ctl.fwd_bad_frames = fwd;
      const Bytes good = f.wire();
      const size_t hdr = v6 ? 40 : 20;
      std::vector<Bytes> bad;
      bad.push_back(ipsec::tb::truncate_datagram(good, 1));                 // one byte short
      bad.push_back(ipsec::tb::truncate_datagram(good, good.size() - 70));  // down to 70 bytes
      // Headers consistent, but fewer than 2 bytes of ciphertext (C = 1, 0) or none at all.
      const size_t ct = good.size() - 14 - hdr - 32;
      bad.push_back(ipsec::tb::truncate_datagram(good, ct - 1, true));
      bad.push_back(ipsec::tb::pad_to_minimum(ipsec::tb::truncate_datagram(good, ct, true)));
      bad.push_back(ipsec::tb::pad_to_minimum(ipsec::tb::truncate_datagram(good, ct + 16, true)));
      for (const Bytes& frame : bad) {
        INFO(describe(frame));
        const auto r = f.rx(frame);
        CHECK(r.fate == model::Fate::kDrop);
        REQUIRE(r.out.has_value() == fwd);
        if (fwd) {
          Bytes want(frame.begin(), frame.begin() + 12);
          const Bytes meta = rx_metadata(0x17, 0, kHandle);
          want.insert(want.end(), meta.begin(), meta.end());
          want.insert(want.end(), frame.begin() + 12, frame.end());
          CHECK(frame_difference(*r.out, want) == "");
        }
      }
      CHECK(f.counters == counters(bad.size(), 0, 0, bad.size(), 0));
      // The smallest datagram a peer builds (no payload, C == 4) is not truncated.
      f.spec.proto = 59;
      f.spec.payload.clear();
      CHECK(f.rx(ipsec::tb::pad_to_minimum(f.wire())).fate == model::Fate::kOut);
    }
  }
}

TEST_CASE(
    "RX: metadata from the wire, tuser, runts and oversize frames are dropped before "
    "classification") {
  std::mt19937_64 rng(test_seed());
  RxFlow f = make_flow(rng, false, EspMode::kTransport, false, false, 100);
  const Bytes good = f.wire();
  CHECK(f.rx(ipsec::tb::with_wire_metadata(good)).why == "metadata from the wire");
  CHECK(f.rx(ipsec::tb::with_wire_metadata(good, 0x08, 0)).fate == model::Fate::kDrop);
  CHECK(f.rx(ipsec::tb::pad_to_minimum(ipsec::tb::insert_metadata(
                 ipsec::tb::ethernet(0x0800, Bytes(30, 0)), 0x11, {0, 0, 0, 0, 1})))
            .fate == model::Fate::kDrop);
  CHECK(f.rx(good, true).why.find("tuser") == 0);
  Bytes runt = good;
  runt.resize(59);
  CHECK(f.rx(runt).why.find("runt") == 0);
  f.ctl.max_frame = good.size() - 1;
  CHECK(f.rx(good).why.find("oversize") == 0);
  f.ctl.max_frame = good.size();
  CHECK(f.rx(good).fate == model::Fate::kOut);
  Bytes sixty = ipsec::tb::pad_to_minimum(ipsec::tb::ethernet(0x0800, Bytes(20, 0)));
  CHECK(f.rx(sixty).fate == model::Fate::kBypass);
  CHECK(f.counters == counters(1, 1, 1, 6, 0));
}

TEST_CASE("RX: frames that are not ESP for a known RX SA bypass unchanged") {
  std::mt19937_64 rng(test_seed());
  for (bool v6 : {false, true}) {
    RxFlow f = make_flow(rng, v6, EspMode::kTransport, false, false, 100);
    std::vector<std::pair<std::string, Bytes>> frames;
    PacketSpec plain = f.spec;
    for (uint8_t p : {ipsec::tb::kIpProtoTcp, ipsec::tb::kIpProtoUdp,
                      v6 ? ipsec::tb::kIpProtoIcmpv6 : ipsec::tb::kIpProtoIcmp}) {
      plain.proto = p;
      frames.emplace_back(
          "plain", ipsec::tb::pad_to_minimum(ipsec::tb::ethernet_ip(ipsec::tb::ip_packet(plain))));
    }
    frames.emplace_back("ARP", ipsec::tb::pad_to_minimum(
                                   ipsec::tb::ethernet(ipsec::tb::kEthertypeArp, Bytes(28, 0))));
    RxFlow g = f;
    g.esp.spi ^= 1;
    frames.emplace_back("unknown SPI", g.wire());
    g = f;
    g.spec.dst = v6 ? ipsec::tb::ipv6("2001:db8:1::11") : ipsec::tb::ipv4("192.0.2.11");
    frames.emplace_back("unknown destination", g.wire());
    g = f;
    g.spec.ipv6_ext_header = v6;
    if (v6) frames.emplace_back("IPv6 extension header", g.wire());
    g.spec.ipv4_options = {0x94, 0x04, 0, 0};
    if (!v6) frames.emplace_back("IPv4 options", g.wire());
    // Options whose bytes read as the SA's SPI where a 20-byte header would end.
    g.spec.ipv4_options = {static_cast<uint8_t>(f.esp.spi >> 24),
                           static_cast<uint8_t>(f.esp.spi >> 16),
                           static_cast<uint8_t>(f.esp.spi >> 8), static_cast<uint8_t>(f.esp.spi)};
    if (!v6) frames.emplace_back("IPv4 options like the SPI", g.wire());
    if (!v6) {
      for (uint16_t frag : {0x2000, 0x0001, 0x3FFF}) {
        Bytes b = f.wire();
        wr16(b, 20, frag);
        frames.emplace_back("fragment", b);
      }
      Bytes df = f.wire();
      wr16(df, 20, 0x4000);  // DF alone is not a fragment
      CHECK(f.rx(df).fate == model::Fate::kOut);
    } else {
      // Next header 50 and the SA's SPI, but the ESP header runs beyond a 60- or 61-byte frame.
      PacketSpec cut = f.spec;
      cut.proto = 50;
      for (size_t n : {6, 7}) {
        cut.payload = {static_cast<uint8_t>(f.esp.spi >> 24), static_cast<uint8_t>(f.esp.spi >> 16),
                       static_cast<uint8_t>(f.esp.spi >> 8), static_cast<uint8_t>(f.esp.spi)};
        cut.payload.resize(n, 0);
        frames.emplace_back("ESP header cut", ipsec::tb::ethernet_ip(ipsec::tb::ip_packet(cut)));
      }
    }
    // Only a TX SA for these addresses: RX does not match it.
    RxFlow t = f;
    t.table.clear();
    t.table.emplace(f.sa.tx_key, f.sa.ctx);
    const Bytes tx_only = f.wire();
    CHECK(t.rx(tx_only).fate == model::Fate::kBypass);
    for (const auto& entry : frames) {
      const std::string& what = entry.first;  // not a binding: INFO captures it
      const Bytes& frame = entry.second;
      INFO(what << ": " << describe(frame));
      const auto r = f.rx(frame);
      CHECK(r.fate == model::Fate::kBypass);
      REQUIRE(r.out);
      CHECK(*r.out == frame);
    }
    CHECK(f.counters == counters(v6 ? 0 : 1, v6 ? 0 : 1, frames.size(), 0, 0));
  }
}
