// Host A's frames through A's stack, driver and engine onto the wire, then through B's
// engine, driver and stack: B delivers exactly what A sent.
#include <doctest/doctest.h>

#include <random>

#include "frames.h"
#include "test_seed.h"
#include "tool_fixture.h"

using namespace ipsec::tb::tool;
namespace model = ipsec::model;
namespace tb = ipsec::tb;
using ipsec::xfrm::PolicyDir;

namespace {

struct Link {
  std::string src = smp::kHost;  // the SA's addresses (outer ones in tunnel mode)
  std::string dst = smp::kPeer;
  std::string net_src = "0.0.0.0/0";  // the traffic's selectors
  std::string net_dst = "0.0.0.0/0";
  bool tunnel = false;
  bool esn = false;
  uint32_t oseq = 0;
  bool offload_a = true;
  bool offload_b = true;
  const char* key = smp::kKeyOut;
};

// A holds the outbound SA and policy, B the inbound ones.
void connect(ModelHost& a, ModelHost& b, const Link& l) {
  StateSpec s;
  s.src = l.src;
  s.dst = l.dst;
  s.tunnel = l.tunnel;
  s.key = l.key;
  s.esn = l.esn;
  s.replay_window = 64;
  s.replay.oseq = l.oseq;
  s.replay.seq = l.oseq;
  s.offload = l.offload_a ? Offload::kOut : Offload::kNone;
  a.add(make_state(s));
  s.offload = l.offload_b ? Offload::kIn : Offload::kNone;
  b.add(make_state(s));
  a.add(make_policy(l.net_src, l.net_dst, PolicyDir::kOut, l.src, l.dst, l.tunnel));
  b.add(make_policy(l.net_src, l.net_dst, PolicyDir::kIn, l.src, l.dst, l.tunnel));
}

std::vector<Bytes> random_frames(std::mt19937_64& rng, size_t n, const std::string& src,
                                 const std::string& dst) {
  std::vector<Bytes> frames;
  const bool v6 = src.find(':') != std::string::npos;
  for (size_t i = 0; i < n; ++i) {
    smp::PacketSpec p;
    p.src = src;
    p.dst = dst;
    const uint8_t protos[] = {6, 17, static_cast<uint8_t>(v6 ? 58 : 1)};
    p.proto = protos[rng() % 3];
    p.ipv4_id = static_cast<uint16_t>(i);
    p.tcp_seq = static_cast<uint32_t>(rng());
    // Frames that fit the 1500-byte MTU once in ESP, tunnel headers and all (no LSO, no
    // fragments: the sample packets have DF set, larger ones would be refused).
    const size_t max = 1400;
    const size_t min = v6 ? 14 + 40 + 20 : 60;
    frames.push_back(smp::frame_of_size(p, min + rng() % (max - min + 1)));
  }
  return frames;
}

void check_loop(const Link& link, const std::string& src, const std::string& dst,
                model::CtrlModelConfig b_config = {}) {
  ModelHost a;
  ModelHost b(b_config, 5);
  connect(a, b, link);
  std::mt19937_64 rng(tb::test_seed());
  const std::vector<Bytes> sent = random_frames(rng, 40, src, dst);
  const std::vector<Bytes> wire = a.to_wire(sent);
  REQUIRE(wire.size() == sent.size());
  const std::vector<Bytes> got = b.from_wire(wire);
  REQUIRE(got.size() == sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    CAPTURE(i);
    CHECK_MESSAGE(got[i] == sent[i], tb::first_difference(got[i], sent[i])
                                         << " " << tb::seed_hint());
  }
  CHECK(a.counter(model::CtrlCounter::kEncOutPackets) == (link.offload_a ? sent.size() : 0));
  CHECK(b.counter(model::CtrlCounter::kDecOutPackets) == (link.offload_b ? sent.size() : 0));
  CHECK(b.stack.states()[0]->curlft.packets == sent.size());
}

}  // namespace

TEST_CASE("loop: IPv4 transport through both engines delivers what A sent") {
  check_loop(Link{}, smp::kHost, smp::kPeer);
}

TEST_CASE("loop: IPv6 transport through both engines delivers what A sent") {
  Link l;
  l.src = smp::kHost6;
  l.dst = smp::kPeer6;
  l.net_src = "::/0";
  l.net_dst = "::/0";
  check_loop(l, smp::kHost6, smp::kPeer6);
}

TEST_CASE("loop: an IPv6 tunnel carrying IPv4 with ESN across 2^32 delivers what A sent") {
  Link l;
  l.src = smp::kHost6;
  l.dst = smp::kPeer6;
  l.net_src = smp::kHostNet;
  l.net_dst = smp::kPeerNet;
  l.tunnel = true;
  l.esn = true;
  l.oseq = 0xFFFFFFF0;
  l.key = smp::kKeyTunnelOut;
  check_loop(l, "10.1.0.1", "10.2.0.1");
}

TEST_CASE("loop: an IPv4 tunnel carrying IPv6 delivers what A sent") {
  Link l;
  l.net_src = "2001:db8:1::/48";
  l.net_dst = "2001:db8:2::/48";
  l.tunnel = true;
  check_loop(l, "2001:db8:1::1", "2001:db8:2::1");
}

TEST_CASE("loop: B without no-trailer mode strips the trailer in the stack") {
  model::CtrlModelConfig cfg;
  cfg.cap_flags &= ~(1u << 11);  // no rx_no_trailer
  check_loop(Link{}, smp::kHost, smp::kPeer, cfg);
}

TEST_CASE("loop: software ESP on one side and the engine on the other interoperate") {
  Link a_soft;
  a_soft.offload_a = false;
  check_loop(a_soft, smp::kHost, smp::kPeer);
  Link b_soft;
  b_soft.offload_b = false;
  check_loop(b_soft, smp::kHost, smp::kPeer);
}

TEST_CASE("loop: an LSO send arrives as segments that together carry A's TCP payload") {
  for (const bool tunnel : {false, true}) {
    CAPTURE(tunnel);
    // An MTU giving an MSS of 1400 (transport): the device numbers 29 segments of one send
    // right, so 60000 bytes go as several sends.
    const uint32_t mtu = tunnel ? 1497 : 1477;
    Link l;
    l.tunnel = tunnel;
    smp::PacketSpec whole;
    whole.proto = 6;
    whole.payload = 60000;       // more than one LSO send's worth: the stack splits it
    whole.tcp_seq = 0xFFFFF000;  // the TCP sequence wraps on the way
    const Bytes big = smp::ethernet_frame(smp::ip_packet(whole));
    {
      ModelHost probe({}, 3, mtu);
      ModelHost other;
      connect(probe, other, l);
      const std::vector<drv::TxSkb> sends = probe.stack.output(big);
      CHECK(sends.size() == 2);  // 43 segments, 29 per send at most
      CHECK(sends[0].gso_size == 1400);
      CHECK(drv::max_lso_segments(1400) == 29);
    }
    ModelHost a({}, 3, mtu);
    ModelHost b({}, 5);
    connect(a, b, l);
    const std::vector<Bytes> wire = a.to_wire(big);
    REQUIRE(wire.size() == (60000 + 1399) / 1400);
    CHECK(a.counter(model::CtrlCounter::kEncOutPackets) == wire.size());
    for (const Bytes& w : wire) CHECK(w.size() <= 14 + mtu);
    const std::vector<Bytes> got = b.from_wire(wire);
    REQUIRE(got.size() == wire.size());
    Bytes data;
    uint32_t next_seq = whole.tcp_seq;
    for (const Bytes& g : got) {
      const std::optional<drv::IpHeader> ip = drv::parse_ip_frame(g);
      REQUIRE(ip);
      REQUIRE(ip->proto == 6);
      const size_t tcp = ip->l4();
      CHECK(drv::load_be32(g, tcp + 4) == next_seq);
      CHECK(drv::l4_checksum(ip->src, ip->dst, 6, &g[tcp], g.size() - tcp, 16) ==
            drv::load_be16(g, tcp + 16));
      data.insert(data.end(), g.begin() + static_cast<std::ptrdiff_t>(tcp + 20), g.end());
      next_seq += static_cast<uint32_t>(g.size() - tcp - 20);
    }
    CHECK(data == Bytes(big.begin() + 54, big.end()));
    // The SNs the engine gave the segments follow on from each other.
    CHECK(b.stack.states()[0]->replay.state().seq == wire.size());
  }
}

TEST_CASE("loop: IPv6 with an extension header goes through software ESP on both sides") {
  ModelHost a;
  ModelHost b({}, 5);
  Link l;
  l.src = smp::kHost6;
  l.dst = smp::kPeer6;
  l.net_src = "::/0";
  l.net_dst = "::/0";
  connect(a, b, l);
  tb::PacketSpec p;
  p.ipv6 = true;
  p.src = tb::ipv6(smp::kHost6);
  p.dst = tb::ipv6(smp::kPeer6);
  p.ipv6_ext_header = true;
  p.payload = tb::pattern(300);
  const Bytes frame = tb::ethernet_ip(tb::ip_packet(p));
  const std::vector<Bytes> wire = a.to_wire(frame);
  REQUIRE(wire.size() == 1);
  CHECK(a.counter(model::CtrlCounter::kEncBypassPackets) == 1);  // mlx5e_ipsec_offload_ok: no
  const std::vector<Bytes> got = b.from_wire(wire);
  CHECK(b.counter(model::CtrlCounter::kDecBypassPackets) == 1);  // ESP after an extension header
  REQUIRE(got.size() == 1);
  CHECK_MESSAGE(got[0] == frame, tb::first_difference(got[0], frame));
}
