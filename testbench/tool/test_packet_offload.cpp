// Packet offload (docs/packet_offload.md) from the host's side: the stack, the driver and an
// engine with the capability, against a peer doing ESP in software. The engine does the
// whole of ESP; the host hands it plain packets and gets plain packets back, reads the counts
// through PKT_STATS and expires states on the engine's events. The engine is the reference
// model with packet offload (CtrlModelConfig::packet_offload) in test_tool, and the RTL's
// packet-offload build (RtlBuild::kPacket) in test_tool_rtl_packet
// (IPSEC_TOOL_ON_RTL_PACKET), where the same tests run unchanged but for the few that look
// into the model.
#include <doctest/doctest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "driver/generated/ipsec_regs.h"
#include "test_seed.h"
#include "tool_fixture.h"
#ifdef IPSEC_TOOL_ON_RTL_PACKET
#include "verilated_engine.h"
#endif

using namespace ipsec::tb::tool;
namespace model = ipsec::model;
using ipsec::xfrm::PolicyDir;
using ipsec::xfrm::XfrmMib;

namespace {

#ifndef IPSEC_TOOL_ON_RTL_PACKET
model::CtrlModelConfig with_packet_offload() {
  model::CtrlModelConfig c;
  c.packet_offload = true;
  return c;
}
#endif

// A host whose engine has packet offload.
#ifdef IPSEC_TOOL_ON_RTL_PACKET
struct PacketEngineHost : EngineHost<ipsec::sim::VerilatedEngine> {
  PacketEngineHost()
      : EngineHost(3, 1500, tl::EngineConfig{}, ipsec::sim::TraceOptions{}, ipsec::sim::RtlBuild::kPacket) {}
};
#else
struct PacketEngineHost : ModelHost {
  PacketEngineHost() : ModelHost(with_packet_offload()) {}
};
#endif

// Whether the engine's event queue holds an event (INTR_STATUS.EVENT_READY, packet section P6).
template <class Host>
bool event_waiting(Host& host) {
  uint32_t status = 0;
  REQUIRE(host.engine.bus().read32(IPSEC_REGS_INTR_STATUS_OFFSET, status) == drv::BusStatus::kOk);
  return (status & drv::packet::kIntrEventReady) != 0;
}

// The host's packet-offloaded states: out (host -> peer, reqid 1) and in (peer -> host,
// reqid 2, a 64-packet window), with their policies.
drv::XfrmState packet_state(bool inbound, bool tunnel = false) {
  StateSpec s;
  if (inbound) {
    s.src = smp::kPeer;
    s.dst = smp::kHost;
    s.spi = smp::kSpiIn;
    s.key = smp::kKeyIn;
    s.replay_window = 64;
  }
  s.tunnel = tunnel;
  s.reqid = inbound ? 2 : 1;
  s.offload = inbound ? Offload::kIn : Offload::kOut;
  drv::XfrmState x = make_state(s);
  x.offload->type = drv::OffloadType::kPacket;
  return x;
}

// The peer: the same two SAs in software, mirrored.
struct PeerHost : SoftwareHost {
  PeerHost() {
    StateSpec from_host;  // host -> peer, opened here
    add(make_state(from_host));
    StateSpec to_host;
    to_host.src = smp::kPeer;
    to_host.dst = smp::kHost;
    to_host.spi = smp::kSpiIn;
    to_host.key = smp::kKeyIn;
    add(make_state(to_host));
    add(make_policy("198.51.100.2/32", "192.0.2.1/32", PolicyDir::kOut, smp::kPeer, smp::kHost));
  }
  Bytes send(const Bytes& frame) {
    std::vector<Bytes> out = stack.transmit(frame);
    REQUIRE(out.size() == 1);
    return out[0];
  }
};

struct PacketHost : PacketEngineHost {
  PacketHost() {
    add(packet_state(false));
    add(packet_state(true));
    add(make_policy("192.0.2.1/32", "198.51.100.2/32", PolicyDir::kOut, smp::kHost, smp::kPeer,
                    false, 1));
    add(make_policy("198.51.100.2/32", "192.0.2.1/32", PolicyDir::kIn, smp::kPeer, smp::kHost,
                    false, 2));
  }
  const xf::StateEntry& state(uint32_t spi) {
    for (const xf::StateEntry* e : stack.states()) {
      if (e->state.spi == spi) return *e;
    }
    FAIL("no state with spi " << spi);
    throw;
  }
};

}  // namespace

TEST_CASE("probe reads PKT_OFFLOAD and CAP_PKT's window from the engine that offers them") {
  ModelHost plain;
  CHECK_FALSE(plain.device.caps().pkt_offload);
  CHECK(plain.device.caps().pkt_max_replay_window == 0);
  PacketEngineHost pkt;
  CHECK(pkt.device.caps().pkt_offload);
  CHECK(pkt.device.caps().pkt_max_replay_window == 1024);
}

TEST_CASE("a packet state is added by ADD_SA_PKT and named by the index the engine answers") {
  PacketHost host;
  CHECK(host.commands("ADD_SA_PKT") == 2);
  CHECK(host.commands("ADD_SA_V2") == 0);
  REQUIRE(host.device.sas().size() == 2);
  for (const auto& [id, sa] : host.device.sas()) {
    CHECK(sa.packet);
    CHECK(sa.rx_handle != 0);  // both directions hold a handle
#ifndef IPSEC_TOOL_ON_RTL_PACKET  // the model's own table
    const model::SaEntry* e = host.engine.ctrl().sa_at(sa.pkt_index);
    REQUIRE(e);
    CHECK(e->sw_sa_handle == sa.rx_handle);
#endif
    CHECK(host.device.find_pkt(sa.pkt_index) == &sa);
  }
}

TEST_CASE("packet offload end to end: plain packets out and in, ESP on the wire") {
  PacketHost host;
  PeerHost peer;
  for (const size_t size : {60u, 61u, 100u, 777u, 1400u}) {
    CAPTURE(size);
    // Out: the host hands the engine the plain packet; the peer opens the ESP it built.
    const Bytes out = host_frame(17, size);
    const std::vector<Bytes> wire = host.to_wire(out);
    REQUIRE(wire.size() == 1);
    const std::optional<Bytes> opened = peer.stack.receive(wire[0]);
    REQUIRE(opened);
    CHECK_MESSAGE(*opened == out, describe_diff(*opened, out));
    // In: the peer's ESP, delivered decapsulated.
    const Bytes in = host_frame(6, size, false);
    const std::vector<Bytes> got = host.from_wire(peer.send(in));
    REQUIRE(got.size() == 1);
    CHECK_MESSAGE(got[0] == in, describe_diff(got[0], in));
  }
  // The stack took no sequence numbers and counted nothing itself: the engine did. Its
  // counts reach the states through PKT_STATS (xdo_dev_state_update_stats).
  CHECK(host.state(smp::kSpiOut).curlft.packets == 0);
  host.stack.update_packet_stats();
  CHECK(host.state(smp::kSpiOut).curlft.packets == 5);
  CHECK(host.state(smp::kSpiIn).curlft.packets == 5);
  CHECK(host.state(smp::kSpiOut).curlft.bytes == (60 + 61 + 100 + 777 + 1400) - 5 * 14);
  CHECK(host.counter_named("ipsec_enc_out_packets") == 5);
  CHECK(host.counter_named("ipsec_dec_out_packets") == 5);
  CHECK(host.stack.mib(XfrmMib::kInStateSeqError) == 0);
}

TEST_CASE("replays are the engine's: dropped there, counted in the state's stats") {
  PacketHost host;
  PeerHost peer;
  const Bytes f1 = peer.send(host_frame(17, 100, false));
  const Bytes f2 = peer.send(host_frame(17, 100, false));
  CHECK(host.from_wire(std::vector<Bytes>{f1, f2, f1, f2, f1}).size() == 2);
  host.stack.update_packet_stats();
  const xf::StateEntry& in = host.state(smp::kSpiIn);
  CHECK(in.stats.replay == 3);
  CHECK(in.curlft.packets == 2);
  // The stack saw only what the engine delivered.
  CHECK(host.stack.mib(XfrmMib::kInStateSeqError) == 0);
}

TEST_CASE("the engine's lifetime events expire the state: soft once, hard deletes it") {
  PacketEngineHost host;
  drv::XfrmState x = packet_state(false);
  x.lft.soft_packet_limit = 2;
  x.lft.hard_packet_limit = 3;
  host.add(x);
  host.add(make_policy("192.0.2.1/32", "198.51.100.2/32", PolicyDir::kOut, smp::kHost, smp::kPeer,
                       false, 1));
  // The engine counts (packet sections P3, P6; a limit L allows L packets): packets 1-3 go
  // out, the soft event raised when the 3rd takes the count past 2, the hard one when the
  // 4th would take it past 3 (dropped); the 5th finds no state.
  size_t sent = 0;
  for (int i = 0; i < 5; ++i) {
    sent += host.to_wire(host_frame(17, 100)).size();
    host.stack.poll_device_events();
  }
  CHECK(sent == 3);
  const std::vector<xf::KmExpire> expires = host.stack.take_expires();
  REQUIRE(expires.size() == 2);
  CHECK_FALSE(expires[0].hard);
  CHECK(expires[1].hard);
  CHECK(expires[1].state.curlft.packets == 3);
  CHECK(host.stack.states().empty());
  host.device.settle();
  CHECK(host.commands("DEL_SA_V2") == 1);
  CHECK(host.counter_named("ipsec_del_sa_success") == 1);
}

TEST_CASE("events of a state deleted before they are read are dropped, not applied to another") {
  PacketEngineHost host;
  drv::XfrmState x = packet_state(false);
  x.lft.soft_packet_limit = 1;
  host.add(x);
  host.add(make_policy("192.0.2.1/32", "198.51.100.2/32", PolicyDir::kOut, smp::kHost, smp::kPeer,
                       false, 1));
  // Two packets: the second passes the soft limit and the engine queues the soft event.
  CHECK(host.to_wire(std::vector<Bytes>{host_frame(17, 100), host_frame(17, 100)}).size() == 2);
  CHECK(event_waiting(host));
  // The user deletes the state first; the same index goes to a new state of another handle.
  REQUIRE(host.stack.delete_state(addr(smp::kPeer), smp::kSpiOut, drv::XfrmProto::kEsp).ok());
  host.device.settle();
  drv::XfrmState again = packet_state(false);
  again.spi = 0x9999;
  host.add(again);
  host.stack.poll_device_events();
  CHECK(host.stack.take_expires().empty());  // the stale event touched nothing
  CHECK_FALSE(event_waiting(host));  // but it was popped
  REQUIRE(host.stack.states().size() == 1);
  CHECK_FALSE(host.stack.states()[0]->dying);
}

TEST_CASE("sequence-number exhaustion: the last number goes out, then the engine's event ends the state") {
  PacketEngineHost host;
  drv::XfrmState x = packet_state(false);
  x.replay.oseq = 0xFFFFFFFD;  // the next packets carry 0xFFFFFFFE and 0xFFFFFFFF
  host.add(x);
  host.add(make_policy("192.0.2.1/32", "198.51.100.2/32", PolicyDir::kOut, smp::kHost, smp::kPeer,
                       false, 1));
  SoftwareHost peer;
  peer.add(make_state(StateSpec{}));
  for (const uint32_t seq : {0xFFFFFFFEu, 0xFFFFFFFFu}) {
    const std::vector<Bytes> wire = host.to_wire(host_frame(17, 100));
    REQUIRE(wire.size() == 1);
    const std::optional<drv::IpHeader> ip = drv::parse_ip_frame(wire[0]);
    REQUIRE(ip);
    CHECK(drv::load_be32(wire[0], ip->l4() + 4) == seq);
    CHECK(peer.stack.receive(wire[0]));
    host.stack.poll_device_events();
    CHECK(host.stack.take_expires().empty());
  }
  // 2^32 is never sent (RFC 4303 section 3.3.3): dropped, counted, and the hard event.
  CHECK(host.to_wire(host_frame(17, 100)).empty());
  CHECK(host.counter_named("ipsec_enc_drop_packets") == 1);
  host.stack.poll_device_events();
  const std::vector<xf::KmExpire> expires = host.stack.take_expires();
  REQUIRE(expires.size() == 1);
  CHECK(expires[0].hard);
  CHECK(host.stack.states().empty());
  host.device.settle();
  CHECK(host.counter_named("ipsec_del_sa_success") == 1);
}

TEST_CASE("a byte hard limit: the packet that would pass it is dropped and the state expires") {
  PacketEngineHost host;
  drv::XfrmState x = packet_state(false);
  // Two 86-byte IP packets fit under 250, a third would pass it; mlx5's rules want a soft
  // limit below the hard one: the second packet passes 100.
  x.lft.soft_byte_limit = 100;
  x.lft.hard_byte_limit = 250;
  host.add(x);
  host.add(make_policy("192.0.2.1/32", "198.51.100.2/32", PolicyDir::kOut, smp::kHost, smp::kPeer,
                       false, 1));
  size_t sent = 0;
  for (int i = 0; i < 3; ++i) {
    sent += host.to_wire(host_frame(17, 100)).size();  // 100-byte frames: 86-byte IP packets
    host.stack.poll_device_events();
  }
  CHECK(sent == 2);
  const std::vector<xf::KmExpire> expires = host.stack.take_expires();
  REQUIRE(expires.size() == 2);
  CHECK_FALSE(expires[0].hard);
  CHECK(expires[0].state.curlft.bytes == 2 * 86);  // read from the device on the event
  CHECK(expires[1].hard);
  CHECK(expires[1].state.curlft.bytes == 2 * 86);
  CHECK(host.stack.states().empty());
}

TEST_CASE("tunnel mode in packet offload: the engine builds the outer header the peer opens") {
  PacketEngineHost host;
  host.add(packet_state(false, true));
  host.add(make_policy("10.1.0.0/16", "10.2.0.0/16", PolicyDir::kOut, smp::kHost, smp::kPeer, true,
                       1));
  SoftwareHost peer;
  StateSpec twin;
  twin.tunnel = true;
  peer.add(make_state(twin));
  // A tunnel's inner packet needs the peer's inbound policy (__xfrm_policy_check).
  peer.add(make_policy("10.1.0.0/16", "10.2.0.0/16", PolicyDir::kIn, smp::kHost, smp::kPeer, true));
  smp::PacketSpec s;
  s.src = "10.1.0.1";
  s.dst = "10.2.0.1";
  s.proto = 17;
  const Bytes inner = smp::frame_of_size(s, 300, true);
  const std::vector<Bytes> wire = host.to_wire(inner);
  REQUIRE(wire.size() == 1);
  const std::optional<Bytes> opened = peer.stack.receive(wire[0]);
  CAPTURE(peer.stack.mib(XfrmMib::kInNoPols));
  REQUIRE(opened);
  CHECK_MESSAGE(*opened == inner, describe_diff(*opened, inner));
  // The outer header is the state's: host to peer, ESP.
  const std::optional<drv::IpHeader> outer = drv::parse_ip_frame(wire[0]);
  REQUIRE(outer);
  CHECK(outer->src == addr(smp::kHost));
  CHECK(outer->dst == addr(smp::kPeer));
  CHECK(outer->proto == 50);
}

// ---- crypto and packet offload mixed, SAs coming and going under traffic -------------------

namespace {

// One tunnel between the host's network 10.0.i.0/24 and the peer's 10.1.i.0/24 over the
// host and peer addresses: SPIs and reqids of its own, crypto or packet offloaded on the
// host, in software on the peer.
struct Tunnel {
  size_t slot = 0;
  bool packet = false;
  bool esn = false;
  uint32_t window = 0;
  std::string key_out, key_in;  // hex, kept alive for StateSpec
  uint64_t sent_out = 0, sent_in = 0;

  uint32_t spi_out() const { return 0x5000 + static_cast<uint32_t>(slot); }
  uint32_t spi_in() const { return 0x6000 + static_cast<uint32_t>(slot); }
  uint32_t reqid_out() const { return 10 + static_cast<uint32_t>(slot); }
  uint32_t reqid_in() const { return 50 + static_cast<uint32_t>(slot); }
  std::string host_net() const { return "10.0." + std::to_string(slot) + ".0/24"; }
  std::string peer_net() const { return "10.1." + std::to_string(slot) + ".0/24"; }
  std::string host_addr() const { return "10.0." + std::to_string(slot) + ".1"; }
  std::string peer_addr() const { return "10.1." + std::to_string(slot) + ".1"; }

  StateSpec spec(bool inbound) const {
    StateSpec s;
    s.src = inbound ? smp::kPeer : smp::kHost;
    s.dst = inbound ? smp::kHost : smp::kPeer;
    s.spi = inbound ? spi_in() : spi_out();
    s.key = inbound ? key_in.c_str() : key_out.c_str();
    s.tunnel = true;
    s.reqid = inbound ? reqid_in() : reqid_out();
    s.esn = esn;
    s.replay_window = window;
    return s;
  }
};

std::string random_key(std::mt19937_64& rng) {
  static const char* hex = "0123456789abcdef";
  std::string k = "0x";
  for (int i = 0; i < 2 * 20; ++i) k += hex[rng() % 16];  // AES-128 and the salt
  return k;
}

}  // namespace

TEST_CASE("crypto and packet tunnels mixed, added and deleted under traffic, against a peer") {
  const uint64_t seed = ipsec::tb::test_seed();
  INFO(ipsec::tb::seed_hint());
  std::mt19937_64 rng(seed);
  PacketHost host;  // also the packet transport pair of PacketHost's own
  PeerHost peer;
  constexpr size_t kSlots = 6;
  std::vector<std::optional<Tunnel>> slots(kSlots);
  size_t adds = 0, deletes = 0, frames = 0;

  auto add = [&](size_t slot) {
    Tunnel t;
    t.slot = slot;
    t.packet = adds < 2 ? adds == 0 : rng() % 2;  // the first two: one of each kind
    t.esn = rng() % 2;
    const uint32_t windows[] = {32, 64, 96, 128, 1024};
    t.window = windows[rng() % 5];
    t.key_out = random_key(rng);
    t.key_in = random_key(rng);
    CAPTURE(slot);
    CAPTURE(t.packet);
    for (const bool inbound : {false, true}) {
      StateSpec s = t.spec(inbound);
      s.offload = inbound ? Offload::kIn : Offload::kOut;
      drv::XfrmState x = make_state(s);
      if (t.packet) x.offload->type = drv::OffloadType::kPacket;
      host.add(x);
      StateSpec twin = t.spec(inbound);
      peer.add(make_state(twin));
    }
    xf::XfrmPolicy out = make_policy(t.host_net(), t.peer_net(), PolicyDir::kOut, smp::kHost,
                                     smp::kPeer, true, t.reqid_out());
    xf::XfrmPolicy in = make_policy(t.peer_net(), t.host_net(), PolicyDir::kIn, smp::kPeer,
                                    smp::kHost, true, t.reqid_in());
    if (t.packet) out.offload_dev = in.offload_dev = "eth0";
    REQUIRE(host.stack.add_policy(out).ok());
    REQUIRE(host.stack.add_policy(in).ok());
    peer.add(make_policy(t.peer_net(), t.host_net(), PolicyDir::kOut, smp::kPeer, smp::kHost, true,
                         t.reqid_in()));
    peer.add(make_policy(t.host_net(), t.peer_net(), PolicyDir::kIn, smp::kHost, smp::kPeer, true,
                         t.reqid_out()));
    slots[slot] = t;
    ++adds;
  };
  auto remove = [&](size_t slot) {
    const Tunnel& t = *slots[slot];
    for (xf::XfrmStack* st : {&host.stack, &peer.stack}) {
      REQUIRE(st->delete_state(addr(smp::kPeer), t.spi_out(), drv::XfrmProto::kEsp).ok());
      REQUIRE(st->delete_state(addr(smp::kHost), t.spi_in(), drv::XfrmProto::kEsp).ok());
    }
    const drv::XfrmSelector hs = make_selector(t.host_net(), t.peer_net());
    const drv::XfrmSelector ps = make_selector(t.peer_net(), t.host_net());
    REQUIRE(host.stack.policies().remove(hs, PolicyDir::kOut).ok());
    REQUIRE(host.stack.policies().remove(ps, PolicyDir::kIn).ok());
    REQUIRE(peer.stack.policies().remove(ps, PolicyDir::kOut).ok());
    REQUIRE(peer.stack.policies().remove(hs, PolicyDir::kIn).ok());
    host.device.settle();  // the DELs from the GC work: index and handle free again
    slots[slot].reset();
    ++deletes;
  };
  auto check_counts = [&](const Tunnel& t) {
    host.stack.update_packet_stats();
    for (const xf::StateEntry* e : host.stack.states()) {
      if (e->state.spi == t.spi_out()) CHECK(e->curlft.packets == t.sent_out);
      if (e->state.spi == t.spi_in()) CHECK(e->curlft.packets == t.sent_in);
    }
  };

  for (int round = 0; round < 150; ++round) {
    CAPTURE(round);
    const size_t slot = rng() % kSlots;
    const unsigned op = rng() % 10;
    if (op < 3 && !slots[slot]) {
      add(slot);
    } else if (op < 5 && slots[slot]) {
      check_counts(*slots[slot]);
      remove(slot);
    } else {
      for (std::optional<Tunnel>& t : slots) {
        if (!t) continue;
        CAPTURE(t->slot);
        CAPTURE(t->packet);
        smp::PacketSpec out;
        out.src = t->host_addr();
        out.dst = t->peer_addr();
        out.proto = rng() % 2 ? 6 : 17;
        out.ipv4_id = static_cast<uint16_t>(rng());
        const Bytes fo = smp::frame_of_size(out, 60 + rng() % 1300, true);
        const std::vector<Bytes> wire = host.to_wire(fo);
        REQUIRE(wire.size() == 1);
        const std::optional<Bytes> opened = peer.stack.receive(wire[0]);
        REQUIRE(opened);
        CHECK_MESSAGE(*opened == fo, describe_diff(*opened, fo));
        ++t->sent_out;
        smp::PacketSpec in = out;
        in.src = t->peer_addr();
        in.dst = t->host_addr();
        const Bytes fi = smp::frame_of_size(in, 60 + rng() % 1300, false);
        const std::vector<Bytes> got = host.from_wire(peer.send(fi));
        REQUIRE(got.size() == 1);
        CHECK_MESSAGE(got[0] == fi, describe_diff(got[0], fi));
        ++t->sent_in;
        frames += 2;
      }
    }
  }
  for (const std::optional<Tunnel>& t : slots) {
    if (t) check_counts(*t);
  }
  // The run did what it is for: both kinds of tunnel, index and handle reuse after deletes.
  CHECK(adds >= 5);
  CHECK(deletes >= 2);
  CHECK(frames >= 40);
  CHECK(host.counter_named("ipsec_dec_auth_fail_packets") == 0);
  CHECK(host.stack.mib(XfrmMib::kInNoStates) == 0);
}
