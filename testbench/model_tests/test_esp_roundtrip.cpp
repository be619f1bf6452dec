// The model against itself: what TX puts on the wire, RX (with the peer's SA) turns back into
// the packet the host sent, in every mode, across 2^32 with extended sequence numbers, and
// through LSO.
#include <doctest/doctest.h>

#include <algorithm>
#include <ios>
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
using ipsec::tb::seed_hint;
using ipsec::tb::test_seed;

namespace {

uint16_t rd16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }

PacketSpec packet(std::mt19937_64& rng, bool v6, uint8_t proto, size_t len) {
  PacketSpec s;
  s.ipv6 = v6;
  s.src = v6 ? ipsec::tb::ipv6("2001:db8:a::1") : ipsec::tb::ipv4("192.0.2.33");
  s.dst = v6 ? ipsec::tb::ipv6("2001:db8:b::2") : ipsec::tb::ipv4("198.51.100.44");
  s.proto = proto;
  s.sport = static_cast<uint16_t>(rng());
  s.dport = static_cast<uint16_t>(rng());
  s.tcp_seq = static_cast<uint32_t>(rng());
  s.payload = ipsec::tb::random_bytes(rng, len);
  return s;
}

EspSpec esp_for(std::mt19937_64& rng, EspMode mode, bool outer_v6, uint64_t seq) {
  EspSpec e;
  e.spi = 0x300 + static_cast<uint32_t>(rng() % 0x1000);
  e.seq = seq;
  e.mode = mode;
  e.outer_ipv6 = outer_v6;
  e.outer_src = outer_v6 ? ipsec::tb::ipv6("2001:db8:ff::a") : ipsec::tb::ipv4("203.0.113.10");
  e.outer_dst = outer_v6 ? ipsec::tb::ipv6("2001:db8:ff::b") : ipsec::tb::ipv4("203.0.113.20");
  return e;
}

// The window state the driver programs (contract section 7): esn = high bits of the window's
// bottom, overlap when its low bits are in the upper half.
struct EsnWindow {
  uint32_t esn_hi;
  bool overlap;
};
EsnWindow window_after(uint64_t highest_seen, uint64_t window) {
  const uint64_t bottom = highest_seen >= window ? highest_seen - window + 1 : 0;
  return {static_cast<uint32_t>(bottom >> 32), static_cast<uint32_t>(bottom) >= 0x80000000u};
}

}  // namespace

TEST_CASE("round trip: RX turns TX's wire frame back into the original packet, in every mode") {
  std::mt19937_64 rng(test_seed());
  int frames = 0;
  for (bool no_trailer : {false, true}) {
    for (bool outer_v6 : {false, true}) {
      for (EspMode mode : {EspMode::kTransport, EspMode::kTunnel}) {
        for (bool inner_v6 : {false, true}) {
          if (mode == EspMode::kTransport && inner_v6 != outer_v6) continue;
          for (bool aes256 : {false, true}) {
            for (bool esn : {false, true}) {
              for (int n = 0; n < 6; ++n) {
                const uint8_t protos[] = {
                    ipsec::tb::kIpProtoTcp, ipsec::tb::kIpProtoUdp,
                    inner_v6 ? ipsec::tb::kIpProtoIcmpv6 : ipsec::tb::kIpProtoIcmp};
                const size_t len = n < 4 ? rng() % 64 : n == 4 ? rng() % 1500 : 1500 + rng() % 7500;
                const Bytes pkt =
                    ipsec::tb::ip_packet(packet(rng, inner_v6, protos[rng() % 3], len));
                const uint64_t seq = esn ? rng() : 1 + rng() % 0xFFFFFFFEu;
                const EspSpec esp = esp_for(rng, mode, outer_v6, seq);
                const auto sa = ipsec::tb::make_sa_pair(rng, pkt, esp, aes256, esn);
                const model::SaTable table = ipsec::tb::table_of(sa);
                model::DatapathControl ctl;
                ctl.no_trailer = no_trailer;
                model::DatapathCounters c;

                const Bytes host = ipsec::tb::pad_to_minimum(ipsec::tb::host_esp_frame(pkt, esp));
                INFO(describe(host) << (no_trailer ? ", no trailer" : "") << "; " << seed_hint());
                const auto tx = model::tx(host, false, model::lookup_in(table), ctl, c);
                REQUIRE(tx.fate == model::Fate::kOut);
                const auto rx = model::rx(*tx.out, false, model::lookup_in(table), ctl, c);
                REQUIRE(rx.fate == model::Fate::kOut);
                const Bytes got = ipsec::tb::decapsulate(*rx.out, no_trailer, mode);
                const Bytes want = ipsec::tb::ethernet_ip(pkt);
                CHECK_MESSAGE(frame_difference(got, want) == "", frame_difference(got, want));
                CHECK(rd16(*rx.out, 16) == 0);  // handle 7, be32
                CHECK(rx.out->at(19) == 7);
                ++frames;
              }
            }
          }
        }
      }
    }
  }
  CHECK(frames == 2 * 6 * 4 * 6);
}

TEST_CASE("round trip: ESN across 2^32 and the 2^31 halves, with the window's overlap bit") {
  std::mt19937_64 rng(test_seed());
  constexpr uint64_t kWindow = 32;
  for (bool aes256 : {false, true}) {
    const Bytes pkt = ipsec::tb::ip_packet(packet(rng, false, ipsec::tb::kIpProtoUdp, 100));
    EspSpec esp = esp_for(rng, EspMode::kTransport, false, 0);
    auto sa = ipsec::tb::make_sa_pair(rng, pkt, esp, aes256, true);
    model::SaTable table = ipsec::tb::table_of(sa);
    model::DatapathControl ctl;
    model::DatapathCounters c;

    // Clusters of 40 sequence numbers around every half boundary from 5 * 2^32 + 2^31 to
    // 7 * 2^32 + 2^31, some out of order within the window, a frame midway between clusters.
    std::vector<uint64_t> seqs;
    for (uint64_t b = (uint64_t{5} << 32) + 0x80000000u; b <= (uint64_t{7} << 32) + 0x80000000u;
         b += 0x80000000u) {
      for (uint64_t s = b - 20; s < b + 20; ++s) {
        seqs.push_back(s);
        if (rng() % 4 == 0) seqs.push_back(s - rng() % (kWindow / 2));  // late, in the window
      }
      seqs.push_back(b + 0x40000000u);
    }
    uint64_t highest = seqs.front() - 1;
    int decrypted = 0, flipped_fail = 0;
    for (uint64_t seq : seqs) {
      const EsnWindow w = window_after(highest, kWindow);
      auto& rx_sa = table.at(sa.rx_key);
      rx_sa.esn_hi = w.esn_hi;
      rx_sa.esn_overlap = w.overlap;

      esp.seq = seq;
      const Bytes host = ipsec::tb::host_esp_frame(pkt, esp);
      const auto tx = model::tx(host, false, model::lookup_in(table), ctl, c);
      REQUIRE(tx.fate == model::Fate::kOut);
      INFO("seq " << std::hex << seq << " esn_hi " << w.esn_hi << " overlap " << w.overlap);
      const auto rx = model::rx(*tx.out, false, model::lookup_in(table), ctl, c);
      REQUIRE(rx.fate == model::Fate::kOut);
      CHECK(frame_difference(ipsec::tb::decapsulate(*rx.out, false, EspMode::kTransport),
                             ipsec::tb::ethernet_ip(pkt)) == "");
      ++decrypted;

      // The other overlap bit infers other high bits exactly for the lower half.
      rx_sa.esn_overlap = !w.overlap;
      const auto wrong = model::rx(*tx.out, false, model::lookup_in(table), ctl, c);
      const bool lower_half = static_cast<uint32_t>(seq) < 0x80000000u;
      CHECK(wrong.fate == (lower_half ? model::Fate::kAuthFail : model::Fate::kOut));
      flipped_fail += lower_half;
      highest = std::max(highest, seq);
    }
    CHECK(decrypted == static_cast<int>(seqs.size()));
    CHECK(flipped_fail > 40);
    CHECK(c.dec_in == 2 * seqs.size());
    CHECK(c.dec_out + c.dec_auth_fail == c.dec_in);
  }
}

TEST_CASE(
    "round trip: an LSO send comes back as its segments, in order, with consecutive sequence "
    "numbers") {
  std::mt19937_64 rng(test_seed());
  for (bool v6 : {false, true}) {
    for (EspMode mode : {EspMode::kTransport, EspMode::kTunnel}) {
      for (uint16_t mss : {536, 1448, 8960}) {
        const size_t data = mss == 8960 ? 60000 : 15000 + rng() % 5000;
        const bool inner_v6 = mode == EspMode::kTransport ? v6 : rng() % 2;
        PacketSpec spec = packet(rng, inner_v6, ipsec::tb::kIpProtoTcp, data);
        const Bytes pkt = ipsec::tb::ip_packet(spec);
        const EspSpec esp =
            esp_for(rng, mode, v6, (uint64_t{rng() % 3} << 32) | (0xFFFFFFFFu - rng() % 8));
        const auto sa = ipsec::tb::make_sa_pair(rng, pkt, esp, rng() % 2, true);
        model::SaTable table = ipsec::tb::table_of(sa);
        model::DatapathControl ctl;
        ctl.no_trailer = rng() % 2;
        model::DatapathCounters c;

        const auto frames = ipsec::tb::host_lso_frames(pkt, esp, mss);
        REQUIRE(frames.size() == (data + mss - 1) / mss);
        Bytes reassembled;
        for (size_t i = 0; i < frames.size(); ++i) {
          INFO("segment " << i << " of " << frames.size() << ": " << describe(frames[i]) << "; "
                          << seed_hint());
          const auto tx = model::tx(frames[i], false, model::lookup_in(table), ctl, c);
          REQUIRE(tx.fate == model::Fate::kOut);
          // The peer receives SN esp.seq + i (ESN: its window follows, overlap off).
          table.at(sa.rx_key).esn_hi = static_cast<uint32_t>((esp.seq + i) >> 32);
          const auto rx = model::rx(*tx.out, false, model::lookup_in(table), ctl, c);
          REQUIRE(rx.fate == model::Fate::kOut);
          const Bytes seg = ipsec::tb::decapsulate(*rx.out, ctl.no_trailer, mode);
          const size_t ip = 14, hdr = seg[ip] >> 4 == 6 ? 40 : 20;
          const size_t tcp = ip + hdr;
          const uint32_t seq = uint32_t{rd16(seg, tcp + 4)} << 16 | rd16(seg, tcp + 6);
          CHECK(seq == static_cast<uint32_t>(spec.tcp_seq + reassembled.size()));
          reassembled.insert(reassembled.end(), seg.begin() + static_cast<std::ptrdiff_t>(tcp + 20),
                             seg.end());
        }
        CHECK(reassembled == spec.payload);
        CHECK(c.enc_out == frames.size());
        CHECK(c.dec_out == frames.size());
      }
    }
  }
}
