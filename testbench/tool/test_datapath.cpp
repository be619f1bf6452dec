// The driver's datapath (contract sections 5 to 7): TX metadata, IV and trailer removal,
// the NIC's LSO segmentation, RX syndromes and the handle table, the software counters.
#include <doctest/doctest.h>

#include <random>

#include "esp_model.h"
#include "frames.h"
#include "test_seed.h"
#include "tool_fixture.h"

using namespace ipsec::tb::tool;
namespace tb = ipsec::tb;
namespace model = ipsec::model;
using drv::ipsec_handle_rx;
using drv::ipsec_handle_tx;

namespace {

constexpr size_t kMeta = 12;  // metadata after the MACs

// A host with an offloaded outbound state (and policy) for host -> peer traffic.
struct TxHost : ModelHost {
  explicit TxHost(bool tunnel = false, bool ipv6 = false) {
    StateSpec s;
    s.offload = Offload::kOut;
    s.tunnel = tunnel;
    if (ipv6) {
      s.src = smp::kHost6;
      s.dst = smp::kPeer6;
    }
    add(make_state(s));
    add(make_policy(ipv6 ? "::/0" : "0.0.0.0/0", ipv6 ? "::/0" : "0.0.0.0/0",
                    ipsec::xfrm::PolicyDir::kOut, s.src, s.dst, tunnel));
  }
  drv::TxSkb skb_for(const Bytes& frame) {
    std::vector<drv::TxSkb> skbs = stack.output(frame);
    REQUIRE(skbs.size() == 1);
    REQUIRE(skbs[0].offload.has_value());
    return skbs[0];
  }
};

Bytes ip_of(const Bytes& frame) { return Bytes(frame.begin() + 14, frame.end()); }

Bytes with_rx_metadata(const Bytes& frame, uint8_t syndrome, uint8_t nexthdr, uint32_t handle) {
  const Bytes meta = {0x8C,
                      0xE4,
                      syndrome,
                      nexthdr,
                      static_cast<uint8_t>(handle >> 24),
                      static_cast<uint8_t>(handle >> 16),
                      static_cast<uint8_t>(handle >> 8),
                      static_cast<uint8_t>(handle)};
  Bytes f = frame;
  f.insert(f.begin() + 12, meta.begin(), meta.end());
  return f;
}

}  // namespace

TEST_CASE("the driver's TX frame equals the stimulus builder's host ESP frame byte by byte") {
  for (const bool ipv6 : {false, true}) {
    CAPTURE(ipv6);
    TxHost host(false, ipv6);
    smp::PacketSpec p;
    if (ipv6) {
      p.src = smp::kHost6;
      p.dst = smp::kPeer6;
    }
    p.proto = 17;
    p.payload = 101;
    const Bytes frame = smp::ethernet_frame(smp::ip_packet(p));
    const std::optional<Bytes> out = ipsec_handle_tx(host.device, host.skb_for(frame));
    REQUIRE(out);
    tb::EspSpec esp;
    esp.spi = smp::kSpiOut;
    esp.seq = 1;
    const Bytes want = tb::host_esp_frame(ip_of(frame), esp);
    CHECK_MESSAGE(*out == want, tb::first_difference(*out, want));
  }
}

TEST_CASE("TX metadata is 0x8CE4, syndrome 0x08, zero LSO fields and the next header") {
  TxHost host;
  const Bytes frame = host_frame(6, 300);
  const std::optional<Bytes> out = ipsec_handle_tx(host.device, host.skb_for(frame));
  REQUIRE(out);
  CHECK(tb::to_hex(Bytes(out->begin() + kMeta, out->begin() + kMeta + 10)) ==
        "8ce40800000000060800");
  CHECK(out->size() == frame.size() + 8 + 16);  // metadata, ESP header and IV; no trailer
}

TEST_CASE("tunnel mode TX metadata carries next header 4 for IPv4 inside and the outer header") {
  TxHost host(true);
  const Bytes frame = host_frame(17, 120);
  const std::optional<Bytes> out = ipsec_handle_tx(host.device, host.skb_for(frame));
  REQUIRE(out);
  CHECK((*out)[kMeta + 7] == 4);
  const std::optional<drv::IpHeader> outer = drv::parse_ip(*out, 22);
  REQUIRE(outer);
  CHECK(outer->proto == 50);
  CHECK(outer->total_len == 20 + 16 + (frame.size() - 14));
  // The inner packet follows the ESP header and IV unchanged.
  CHECK(Bytes(out->begin() + 22 + 36, out->end()) == ip_of(frame));
}

TEST_CASE("the IV is the 64-bit sequence number big-endian, also above 2^32 with ESN") {
  ModelHost host;
  StateSpec s;
  s.offload = Offload::kOut;
  s.esn = true;
  s.replay_window = 32;
  s.replay.oseq = 0xFFFFFFFF;
  s.replay.oseq_hi = 0x00000002;
  host.add(make_state(s));
  host.add(
      make_policy("0.0.0.0/0", "0.0.0.0/0", ipsec::xfrm::PolicyDir::kOut, smp::kHost, smp::kPeer));
  const std::vector<drv::TxSkb> skbs = host.stack.output(host_frame(17, 100));
  REQUIRE(skbs.size() == 1);
  CHECK(skbs[0].offload->seq == 0x300000000ull);
  const std::optional<Bytes> out = ipsec_handle_tx(host.device, skbs[0]);
  REQUIRE(out);
  const size_t esp = 22 + 20;
  CHECK(tb::to_hex(Bytes(out->begin() + esp, out->begin() + esp + 16)) ==
        "00001000000000000000000300000000");
}

TEST_CASE("the trailer and ICV room come off and the IP length and checksum shrink") {
  TxHost host;
  const Bytes frame = host_frame(17, 99);  // 65 bytes of UDP: pad 1
  const drv::TxSkb skb = host.skb_for(frame);
  const std::optional<drv::IpHeader> before = drv::parse_ip_frame(skb.frame);
  REQUIRE(before);
  CHECK(before->total_len == 20 + 16 + 65 + 1 + 2 + 16);
  const std::optional<Bytes> out = ipsec_handle_tx(host.device, skb);
  REQUIRE(out);
  const std::optional<drv::IpHeader> after = drv::parse_ip(*out, 22);
  REQUIRE(after);
  CHECK(after->total_len == 20 + 16 + 65);
  CHECK(drv::ipv4_header_checksum(&(*out)[22], 20) == drv::load_be16(*out, 22 + 10));
}

TEST_CASE("a packet without offload passes the driver unchanged") {
  ModelHost host;
  const Bytes frame = host_frame(17, 100);
  const std::optional<Bytes> out = ipsec_handle_tx(host.device, drv::TxSkb{frame, std::nullopt, 0});
  REQUIRE(out);
  CHECK(*out == frame);
}

TEST_CASE("TX drops are counted in the driver's software counters in the driver's order") {
  TxHost host;
  const drv::TxSkb skb = host.skb_for(host_frame(17, 100));
  const drv::SaId id = skb.offload->sec_path.front();
  const drv::TxSkb bundle{skb.frame, drv::TxOffload{{id, id}, skb.offload->seq, 17}, 0};
  CHECK_FALSE(ipsec_handle_tx(host.device, bundle));
  CHECK(host.device.sw_counters().tx_drop_bundle == 1);

  const drv::TxSkb stale{skb.frame, drv::TxOffload{{drv::SaId{999}}, skb.offload->seq, 17}, 0};
  CHECK_FALSE(ipsec_handle_tx(host.device, stale));
  CHECK(host.device.sw_counters().tx_drop_no_state == 1);

  drv::TxSkb arp = skb;
  arp.frame[12] = 0x08;
  arp.frame[13] = 0x06;
  CHECK_FALSE(ipsec_handle_tx(host.device, arp));
  CHECK(host.device.sw_counters().tx_drop_not_ip == 1);

  drv::TxSkb garbage = skb;
  garbage.frame[garbage.frame.size() - 16 - 2] = 200;  // a pad length past the payload
  CHECK_FALSE(ipsec_handle_tx(host.device, garbage));
  CHECK(host.device.sw_counters().tx_drop_trailer == 1);

  CHECK(ipsec_handle_tx(host.device, skb));
  CHECK(host.device.sw_counters().tx_drop_metadata == 0);
}

TEST_CASE("mss_inv is floor(65536 / mss) and the segment index rounds as the contract says") {
  CHECK(drv::mss_inverse(1) == 0xFFFF);
  CHECK(drv::mss_inverse(2) == 0x8000);
  CHECK(drv::mss_inverse(536) == 122);
  CHECK(drv::mss_inverse(1400) == 46);
  std::mt19937_64 rng(tb::test_seed());
  for (int i = 0; i < 1000; ++i) {
    const auto a = static_cast<uint16_t>(rng()), b = static_cast<uint16_t>(rng()),
               c = static_cast<uint16_t>(rng());
    CHECK(drv::lso_segment_index(a, b, c) == model::lso_segment_index(a, b, c));
  }
}

TEST_CASE("an LSO send is never longer than the device numbers its segments right") {
  for (const uint16_t mss :
       {uint16_t{536}, uint16_t{1000}, uint16_t{1400}, uint16_t{1448}, uint16_t{9000}}) {
    CAPTURE(mss);
    const uint32_t n = drv::max_lso_segments(mss);
    const uint16_t inv = drv::mss_inverse(mss);
    for (uint32_t k = 0; k < n; ++k) {
      CHECK(drv::lso_segment_index(static_cast<uint16_t>(k * mss), 0, inv) == k);
    }
    CHECK((uint64_t{n} * mss > 0xFFFF ||
           drv::lso_segment_index(static_cast<uint16_t>(n * mss), 0, inv) != n));
  }
}

TEST_CASE("LSO metadata is 0x09 with mss_inv and the first segment's TCP sequence") {
  ModelHost host;
  StateSpec s;
  s.offload = Offload::kOut;
  host.add(make_state(s));
  host.add(
      make_policy("0.0.0.0/0", "0.0.0.0/0", ipsec::xfrm::PolicyDir::kOut, smp::kHost, smp::kPeer));
  smp::PacketSpec p;
  p.proto = 6;
  p.payload = 4000;
  p.tcp_seq = 0x12345678;
  const std::vector<drv::TxSkb> skbs = host.stack.output(smp::ethernet_frame(smp::ip_packet(p)));
  REQUIRE(skbs.size() == 1);
  const uint16_t mss = skbs[0].gso_size;
  CHECK(mss == 1500 - (20 + 16 + 20 + 3 + 2 + 16));
  const std::optional<Bytes> out = ipsec_handle_tx(host.device, skbs[0]);
  REQUIRE(out);
  const uint16_t inv = drv::mss_inverse(mss);
  CHECK(tb::to_hex(Bytes(out->begin() + kMeta, out->begin() + kMeta + 8)) ==
        tb::to_hex(Bytes{0x8C, 0xE4, 0x09, static_cast<uint8_t>(inv >> 8),
                         static_cast<uint8_t>(inv), 0x56, 0x78, 6}));
}

TEST_CASE("the NIC cuts an LSO send into segments with their own TCP numbers and checksums") {
  ModelHost host;
  StateSpec s;
  s.offload = Offload::kOut;
  host.add(make_state(s));
  host.add(
      make_policy("0.0.0.0/0", "0.0.0.0/0", ipsec::xfrm::PolicyDir::kOut, smp::kHost, smp::kPeer));
  smp::PacketSpec p;
  p.proto = 6;
  p.payload = 4000;
  p.tcp_seq = 100;
  p.ipv4_id = 7;
  const Bytes original = smp::ethernet_frame(smp::ip_packet(p));
  const std::vector<Bytes> segs = host.stack.transmit(original);
  REQUIRE(segs.size() == 3);
  const size_t mss = 1423;  // 1500 - (20 + 16 + 20 + 3 + 2 + 16)
  Bytes data;
  for (size_t i = 0; i < segs.size(); ++i) {
    CAPTURE(i);
    const Bytes& f = segs[i];
    CHECK(Bytes(f.begin() + 12, f.begin() + 20) ==
          Bytes(segs[0].begin() + 12, segs[0].begin() + 20));
    const std::optional<drv::IpHeader> ip = drv::parse_ip(f, 22);
    REQUIRE(ip);
    CHECK(ip->end() == f.size());
    CHECK(drv::load_be16(f, 22 + 4) == 7 + i);
    CHECK(drv::ipv4_header_checksum(&f[22], 20) == drv::load_be16(f, 32));
    // ESP header and IV: the same on every segment (the device numbers them).
    CHECK(Bytes(f.begin() + 42, f.begin() + 58) ==
          Bytes(segs[0].begin() + 42, segs[0].begin() + 58));
    const size_t tcp = 58;
    CHECK(drv::load_be32(f, tcp + 4) == 100 + i * mss);
    const uint8_t flags = f[tcp + 13];
    CHECK(((flags & 0x08) != 0) == (i + 1 == segs.size()));  // PSH on the last only
    CHECK(drv::l4_checksum(ip->src, ip->dst, 6, &f[tcp], f.size() - tcp, 16) ==
          drv::load_be16(f, tcp + 16));
    data.insert(data.end(), f.begin() + tcp + 20, f.end());
  }
  CHECK(data == Bytes(original.begin() + 54, original.end()));
}

TEST_CASE("RX metadata 0x11 is crypto done, the metadata comes off and the handle finds the SA") {
  for (const bool no_trailer : {true, false}) {
    CAPTURE(no_trailer);
    model::CtrlModelConfig cfg;
    if (!no_trailer) cfg.cap_flags &= ~(1u << 11);  // no rx_no_trailer: default layout
    ModelHost host(cfg);
    StateSpec s;
    s.src = smp::kPeer;
    s.dst = smp::kHost;
    s.spi = smp::kSpiIn;
    s.offload = Offload::kIn;
    host.add(make_state(s));
    const drv::OffloadedSa& sa = host.device.sas().begin()->second;
    const Bytes frame = host_frame(17, 100, false);
    const std::optional<drv::RxSkb> skb =
        ipsec_handle_rx(host.device, with_rx_metadata(frame, 0x11, 17, sa.rx_handle));
    REQUIRE(skb);
    CHECK(skb->frame == frame);
    REQUIRE(skb->offload);
    CHECK(skb->offload->sa == sa.id);
    CHECK(skb->offload->status == drv::RxCryptoStatus::kSuccess);
    CHECK(skb->offload->no_trailer == no_trailer);
    CHECK(skb->offload->proto == (no_trailer ? 17 : 0));
  }
}

TEST_CASE(
    "RX syndromes 0x12 and 0x17 go up for the stack to drop and others are dropped and counted") {
  ModelHost host;
  StateSpec s;
  s.src = smp::kPeer;
  s.dst = smp::kHost;
  s.spi = smp::kSpiIn;
  s.offload = Offload::kIn;
  host.add(make_state(s));
  const uint32_t handle = host.device.sas().begin()->second.rx_handle;
  const Bytes frame = host_frame(17, 100, false);
  const auto auth = ipsec_handle_rx(host.device, with_rx_metadata(frame, 0x12, 0, handle));
  REQUIRE(auth);
  CHECK(auth->offload->status == drv::RxCryptoStatus::kAuthFailed);
  const auto bad = ipsec_handle_rx(host.device, with_rx_metadata(frame, 0x17, 0, handle));
  REQUIRE(bad);
  CHECK(bad->offload->status == drv::RxCryptoStatus::kBadProto);
  CHECK_FALSE(ipsec_handle_rx(host.device, with_rx_metadata(frame, 0x05, 0, handle)));
  CHECK(host.device.sw_counters().rx_drop_syndrome == 1);
  CHECK_FALSE(ipsec_handle_rx(host.device, with_rx_metadata(frame, 0x11, 17, handle + 1)));
  CHECK(host.device.sw_counters().rx_drop_sadb_miss == 1);
  // The handle is looked up before the syndrome.
  CHECK_FALSE(ipsec_handle_rx(host.device, with_rx_metadata(frame, 0x05, 0, handle + 1)));
  CHECK(host.device.sw_counters().rx_drop_sadb_miss == 2);
  CHECK(host.device.sw_counters().rx_drop_syndrome == 1);
}

TEST_CASE("a frame without metadata goes up untouched") {
  ModelHost host;
  const Bytes frame = host_frame(17, 100, false);
  const auto skb = ipsec_handle_rx(host.device, frame);
  REQUIRE(skb);
  CHECK(skb->frame == frame);
  CHECK_FALSE(skb->offload);
}

TEST_CASE("TX metadata insertion matches the contract's offsets") {
  const Bytes frame = host_frame(17, 80);
  const Bytes out = drv::insert_tx_metadata(frame, 0x09, 0x0102, 0x0304, 41);
  CHECK(tb::to_hex(Bytes(out.begin(), out.begin() + 22)) ==
        tb::to_hex(Bytes(frame.begin(), frame.begin() + 12)) + "8ce4090102030429" + "0800");
  CHECK(Bytes(out.begin() + 20, out.end()) == Bytes(frame.begin() + 12, frame.end()));
}
