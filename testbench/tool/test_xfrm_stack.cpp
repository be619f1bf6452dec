// The host xfrm stack: SPD lookups, SAD management, transport and tunnel mode, software ESP
// interoperating with the engine's offload, anti-replay, ESN across 2^32, the inbound policy
// check and the kernel's counters.
#include <doctest/doctest.h>

#include <cerrno>
#include <random>

#include "driver/generated/ipsec_regs.h"
#include "test_seed.h"
#include "tool_fixture.h"

using namespace ipsec::tb::tool;
namespace model = ipsec::model;
using ipsec::xfrm::PolicyDir;
using ipsec::xfrm::XfrmMib;

namespace {

// The host's inbound transport state (peer -> host), as StateSpec.
StateSpec inbound(Offload offload = Offload::kNone) {
  StateSpec s;
  s.src = smp::kPeer;
  s.dst = smp::kHost;
  s.spi = smp::kSpiIn;
  s.key = smp::kKeyIn;
  s.offload = offload;
  return s;
}

xf::XfrmPolicy out_policy() {
  return make_policy("192.0.2.1/32", "198.51.100.2/32", PolicyDir::kOut, smp::kHost, smp::kPeer);
}
xf::XfrmPolicy peer_out_policy() {
  return make_policy("198.51.100.2/32", "192.0.2.1/32", PolicyDir::kOut, smp::kPeer, smp::kHost);
}
xf::XfrmPolicy in_policy() {
  return make_policy("198.51.100.2/32", "192.0.2.1/32", PolicyDir::kIn, smp::kPeer, smp::kHost);
}

// The ESP sequence number (low half) of a wire frame.
uint32_t esp_seq(const Bytes& frame) {
  const std::optional<drv::IpHeader> ip = drv::parse_ip_frame(frame);
  REQUIRE(ip);
  REQUIRE(ip->proto == 50);
  return drv::load_be32(frame, ip->l4() + 4);
}

// A peer sending to the host through the host's inbound state's twin.
struct Peer : SoftwareHost {
  explicit Peer(StateSpec s = inbound()) {
    s.offload = Offload::kNone;
    add(make_state(s));
    add(peer_out_policy());
  }
  Bytes send(const Bytes& frame) {
    std::vector<Bytes> out = stack.transmit(frame);
    REQUIRE(out.size() == 1);
    return out[0];
  }
};

}  // namespace

// ---- SPD -----------------------------------------------------------------------------------

TEST_CASE("a policy lookup takes the lowest priority value and the older of equal ones") {
  xf::PolicyTable spd;
  xf::XfrmPolicy wide = make_policy("0.0.0.0/0", "0.0.0.0/0", PolicyDir::kOut, "", "");
  wide.priority = 10;
  xf::XfrmPolicy narrow = make_policy("192.0.2.0/24", "198.51.100.0/24", PolicyDir::kOut, "", "");
  narrow.priority = 5;
  xf::XfrmPolicy narrow_too =
      make_policy("192.0.2.0/25", "198.51.100.0/24", PolicyDir::kOut, "", "");
  narrow_too.priority = 5;
  REQUIRE(spd.add(wide).ok());
  REQUIRE(spd.add(narrow).ok());
  REQUIRE(spd.add(narrow_too).ok());
  drv::Flow fl;
  fl.src = addr("192.0.2.1");
  fl.dst = addr("198.51.100.2");
  const xf::XfrmPolicy* p = spd.lookup(PolicyDir::kOut, fl);
  REQUIRE(p);
  CHECK(p->sel.prefixlen_s == 24);
  fl.src = addr("192.0.3.1");
  REQUIRE(spd.lookup(PolicyDir::kOut, fl));
  CHECK(spd.lookup(PolicyDir::kOut, fl)->priority == 10);
  CHECK(spd.lookup(PolicyDir::kIn, fl) == nullptr);
  fl.src = addr("2001:db8::1");
  fl.dst = addr("2001:db8::2");
  CHECK(spd.lookup(PolicyDir::kOut, fl) == nullptr);  // no IPv4 selector matches IPv6
}

TEST_CASE("a selector matches protocol and ports and a policy cannot be added twice") {
  xf::PolicyTable spd;
  xf::XfrmPolicy p = make_policy("0.0.0.0/0", "0.0.0.0/0", PolicyDir::kOut, "", "");
  p.sel.proto = 6;
  p.sel.dport = 443;
  p.sel.dport_mask = 0xFFFF;
  REQUIRE(spd.add(p).ok());
  CHECK(spd.add(p).code() == -EEXIST);
  drv::Flow fl;
  fl.src = addr("1.1.1.1");
  fl.dst = addr("2.2.2.2");
  fl.proto = 6;
  fl.dport = 443;
  CHECK(spd.lookup(PolicyDir::kOut, fl));
  fl.dport = 80;
  CHECK_FALSE(spd.lookup(PolicyDir::kOut, fl));
  fl.dport = 443;
  fl.proto = 17;
  CHECK_FALSE(spd.lookup(PolicyDir::kOut, fl));
  CHECK(spd.remove(p.sel, PolicyDir::kIn).code() == -ENOENT);
  CHECK(spd.remove(p.sel, PolicyDir::kOut).ok());
  CHECK(spd.size() == 0);
}

TEST_CASE("policies get the kernel's indexes and dump newest first") {
  xf::PolicyTable spd;
  REQUIRE(spd.add(make_policy("1.0.0.0/8", "0.0.0.0/0", PolicyDir::kOut, "", "")).ok());
  REQUIRE(spd.add(make_policy("2.0.0.0/8", "0.0.0.0/0", PolicyDir::kIn, "", "")).ok());
  REQUIRE(spd.add(make_policy("3.0.0.0/8", "0.0.0.0/0", PolicyDir::kFwd, "", "")).ok());
  const auto d = spd.dump();
  REQUIRE(d.size() == 3);
  CHECK(d[0]->index == 18);
  CHECK(d[1]->index == 8);
  CHECK(d[2]->index == 1);
}

// ---- output --------------------------------------------------------------------------------

TEST_CASE("a packet no policy covers leaves unchanged, a non-IP frame too") {
  ModelHost host;
  const Bytes frame = host_frame(17, 100);
  CHECK(host.stack.transmit(frame) == std::vector<Bytes>{frame});
  Bytes arp = frame;
  arp[12] = 0x08;
  arp[13] = 0x06;
  CHECK(host.stack.transmit(arp) == std::vector<Bytes>{arp});
}

TEST_CASE("a blocking policy and a template without a state drop and count") {
  ModelHost host;
  xf::XfrmPolicy block = out_policy();
  block.action = xf::PolicyAction::kBlock;
  host.add(block);
  CHECK(host.stack.transmit(host_frame(17, 100)).empty());
  CHECK(host.stack.mib(XfrmMib::kOutPolBlock) == 1);
  host.stack.policies().flush();
  host.add(out_policy());
  CHECK(host.stack.transmit(host_frame(17, 100)).empty());
  CHECK(host.stack.mib(XfrmMib::kOutNoStates) == 1);
}

TEST_CASE("the newest state matching the template protects the packet and reqid picks") {
  SoftwareHost host;
  StateSpec a;
  a.spi = 0x1111;
  a.reqid = 1;
  StateSpec b;
  b.spi = 0x2222;
  b.reqid = 2;
  host.add(make_state(a));
  host.add(make_state(b));
  host.add(make_policy("0.0.0.0/0", "0.0.0.0/0", PolicyDir::kOut, "", ""));
  std::vector<Bytes> out = host.stack.transmit(host_frame(17, 100));
  REQUIRE(out.size() == 1);
  CHECK(drv::load_be32(out[0], 34) == 0x2222);
  host.stack.policies().flush();
  host.add(make_policy("0.0.0.0/0", "0.0.0.0/0", PolicyDir::kOut, "", "", false, 1));
  out = host.stack.transmit(host_frame(17, 100));
  REQUIRE(out.size() == 1);
  CHECK(drv::load_be32(out[0], 34) == 0x1111);
}

TEST_CASE("the next frame carries replay-oseq + 1 and without ESN the sequence never cycles") {
  SoftwareHost host;
  StateSpec s;
  s.replay.oseq = 0xFFFFFFFE;
  host.add(make_state(s));
  host.add(out_policy());
  const std::vector<Bytes> out = host.stack.transmit(host_frame(17, 100));
  REQUIRE(out.size() == 1);
  CHECK(esp_seq(out[0]) == 0xFFFFFFFF);
  CHECK(host.stack.transmit(host_frame(17, 100)).empty());
  CHECK(host.stack.mib(XfrmMib::kOutStateSeqError) == 1);
}

// ---- software ESP and the engine -----------------------------------------------------------

TEST_CASE("frames encrypted in software decrypt in the engine model") {
  Peer peer;
  ModelHost host;
  host.add(make_state(inbound(Offload::kIn)));
  host.add(in_policy());
  const Bytes frame = host_frame(6, 700, false);
  const std::vector<Bytes> got = host.from_wire(peer.send(frame));
  REQUIRE(got.size() == 1);
  CHECK_MESSAGE(got[0] == frame, describe_diff(got[0], frame));
  CHECK(host.counter(model::CtrlCounter::kDecOutPackets) == 1);
  CHECK(host.stack.states()[0]->curlft.packets == 1);
  CHECK(host.stack.states()[0]->curlft.bytes == 700 - 34);
}

TEST_CASE("frames the engine encrypts decrypt in software") {
  ModelHost host;
  StateSpec s;
  s.offload = Offload::kOut;
  host.add(make_state(s));
  host.add(out_policy());
  SoftwareHost peer;
  StateSpec twin;
  peer.add(make_state(twin));
  // 1480: the largest frame (DF set) whose ESP datagram fits the MTU of 1500: 20 + 16 (ESP
  // header, IV) + 1446 + 2 (trailer, no padding) + 16 (ICV) = 1500 (esp4_get_mtu).
  for (const size_t size : {60u, 61u, 62u, 63u, 200u, 1480u}) {
    CAPTURE(size);
    const Bytes frame = host_frame(17, size);
    const std::vector<Bytes> wire = host.to_wire(frame);
    REQUIRE(wire.size() == 1);
    if (size == 1480) CHECK(wire[0].size() == 14 + 1500);
    const std::optional<Bytes> got = peer.stack.receive(wire[0]);
    REQUIRE(got);
    CHECK_MESSAGE(*got == frame, describe_diff(*got, frame));
  }
  CHECK(host.counter(model::CtrlCounter::kEncOutPackets) == 6);
  // One byte more, DF set: refused before the device (EMSGSIZE; transport mode: the ESP
  // datagram fails ip_fragment, IpFragFails).
  CHECK(host.to_wire(host_frame(17, 1481)).empty());
  CHECK(host.stack.ip_frag_counters()[1] == 1);
  CHECK(host.counter(model::CtrlCounter::kEncInPackets) == 6);
}

TEST_CASE("tunnel mode puts an outer IPv6 header around IPv4 and takes it off again") {
  SoftwareHost a, b;
  StateSpec s;
  s.src = smp::kHost6;
  s.dst = smp::kPeer6;
  s.tunnel = true;
  a.add(make_state(s));
  a.add(make_policy(smp::kHostNet, smp::kPeerNet, PolicyDir::kOut, smp::kHost6, smp::kPeer6, true));
  b.add(make_state(s));
  b.add(make_policy(smp::kHostNet, smp::kPeerNet, PolicyDir::kIn, smp::kHost6, smp::kPeer6, true));
  smp::PacketSpec p;
  p.src = "10.1.0.1";
  p.dst = "10.2.0.1";
  const Bytes frame = smp::ethernet_frame(smp::ip_packet(p));
  const std::vector<Bytes> wire = a.stack.transmit(frame);
  REQUIRE(wire.size() == 1);
  const Bytes& w = wire[0];
  CHECK(drv::load_be16(w, 12) == 0x86DD);
  const std::optional<drv::IpHeader> outer = drv::parse_ip_frame(w);
  REQUIRE(outer);
  CHECK(outer->ipv6);
  CHECK(outer->proto == 50);
  CHECK(w[14 + 7] == 64);  // hop limit
  CHECK(outer->src == addr(smp::kHost6));
  CHECK(outer->dst == addr(smp::kPeer6));
  const std::optional<Bytes> got = b.stack.receive(w);
  REQUIRE(got);
  CHECK_MESSAGE(*got == frame, describe_diff(*got, frame));
}

TEST_CASE("tunnel mode carries IPv6 inside IPv4 with next header 41") {
  SoftwareHost a, b;
  StateSpec s;
  s.tunnel = true;
  a.add(make_state(s));
  a.add(make_policy("2001:db8:1::/48", "2001:db8:2::/48", PolicyDir::kOut, smp::kHost, smp::kPeer,
                    true));
  b.add(make_state(s));
  smp::PacketSpec p;
  p.src = "2001:db8:1::1";
  p.dst = "2001:db8:2::1";
  p.proto = 58;
  const Bytes frame = smp::ethernet_frame(smp::ip_packet(p));
  const std::vector<Bytes> wire = a.stack.transmit(frame);
  REQUIRE(wire.size() == 1);
  CHECK(drv::load_be16(wire[0], 12) == 0x0800);
  // No inbound policy on b: a tunnel's inner packet is refused (XfrmInNoPols) ...
  CHECK_FALSE(b.stack.receive(wire[0]));
  CHECK(b.stack.mib(XfrmMib::kInNoPols) == 1);
  // ... and accepted with one.
  b.add(make_policy("2001:db8:1::/48", "2001:db8:2::/48", PolicyDir::kIn, smp::kHost, smp::kPeer,
                    true));
  a.stack.policies().flush();
  a.add(make_policy("2001:db8:1::/48", "2001:db8:2::/48", PolicyDir::kOut, smp::kHost, smp::kPeer,
                    true));
  const std::vector<Bytes> again = a.stack.transmit(frame);
  const std::optional<Bytes> got = b.stack.receive(again.at(0));
  REQUIRE(got);
  CHECK(*got == frame);
}

TEST_CASE("IPv4 options are not offloaded: software ESP instead and the engine bypasses it") {
  ModelHost host;
  StateSpec s;
  s.offload = Offload::kOut;
  host.add(make_state(s));
  host.add(out_policy());
  smp::PacketSpec p;
  p.ipv4_options = {0x94, 0x04, 0x00, 0x00};
  const Bytes frame = smp::ethernet_frame(smp::ip_packet(p));
  const std::vector<Bytes> wire = host.to_wire(frame);
  REQUIRE(wire.size() == 1);
  CHECK(host.counter(model::CtrlCounter::kEncBypassPackets) == 1);
  CHECK(host.counter(model::CtrlCounter::kEncInPackets) == 0);
  SoftwareHost peer;
  peer.add(make_state(StateSpec{}));
  const std::optional<Bytes> got = peer.stack.receive(wire[0]);
  REQUIRE(got);
  CHECK(*got == frame);
}

// ---- SAD and the device --------------------------------------------------------------------

TEST_CASE("a state the device refuses with EOPNOTSUPP stays in software as Linux leaves it") {
  model::CtrlModelConfig cfg;
  cfg.cap_flags &= ~(1u << 13);  // ESN offered, V2 commands not: the FPGA layer says no
  ModelHost host(cfg);
  StateSpec s;
  s.offload = Offload::kOut;
  s.esn = true;
  s.replay_window = 32;
  const xf::AddStateResult r = host.stack.add_state(make_state(s));
  REQUIRE(r.status.ok());
  // The add succeeds with nothing to say (netlink has no message for it); why the state
  // stays in software is the state's and the kernel log's.
  CHECK(r.note.empty());
  CHECK(host.stack.states()[0]->software_reason ==
        "Cannot offload ESN xfrm states: the device lacks V2 SA commands");
  CHECK(contains(host.device.kernel_log().dmesg(),
                 "Cannot offload ESN xfrm states: the device lacks V2 SA commands"));
  CHECK_FALSE(host.stack.states()[0]->offload);
  host.add(out_policy());
  CHECK(host.to_wire(host_frame(17, 100)).size() == 1);
  CHECK(host.counter(model::CtrlCounter::kEncBypassPackets) == 1);
}

TEST_CASE("a state the driver refuses with EINVAL is not added and the message is the driver's") {
  ModelHost host;
  StateSpec s;
  s.offload = Offload::kOut;
  s.icv_bits = 64;
  const xf::AddStateResult r = host.stack.add_state(make_state(s));
  CHECK(r.status.code() == -EINVAL);
  CHECK(r.driver_refused);
  // rfc4106 with a 64-bit ICV is SADB_X_EALG_AES_GCM_ICV8: the algorithm check comes first.
  CHECK(r.status.message() == "Only AES-GCM-ICV16 xfrm state may be offloaded");
  CHECK(host.stack.states().empty());
  CHECK(host.commands("ADD_SA_V2") == 0);
}

TEST_CASE("the kernel's own refusals come before the driver") {
  ModelHost host;
  StateSpec bad;
  bad.spi = 7;
  bad.offload = Offload::kOut;
  drv::XfrmState x = make_state(bad);
  x.aead->key.resize(17);  // not 16, 24 or 32 bytes and a salt: esp_init_state says no
  xf::AddStateResult r = host.stack.add_state(x);
  CHECK(r.status.code() == -EINVAL);
  CHECK_FALSE(r.driver_refused);
  StateSpec other;
  other.spi = 8;
  drv::XfrmState y = make_state(other);
  y.offload = drv::XfrmOffloadRequest{"eth9", drv::OffloadDirection::kOut};
  r = host.stack.add_state(y);
  CHECK(r.status.code() == -ENODEV);
  CHECK_FALSE(r.driver_refused);
  CHECK(host.commands("ADD_SA_V2") == 0);
  CHECK(host.stack.states().empty());
}

// xfrm_add_sa (v5.7): xfrm_state_construct ends with xfrm_dev_state_add, and only then does
// xfrm_state_add look for a state with the same dst, spi and protocol. So the device sees
// the duplicate's ADD first.
TEST_CASE("a duplicate state goes to the device before the xfrm core refuses it") {
  ModelHost host;
  StateSpec s;
  s.offload = Offload::kOut;
  host.add(make_state(s));
  // The same SA for the device too (direction, addresses, SPI): the device refuses its ADD
  // (SADB_ISSUE -> -EEXIST), the driver's answer is netlink's.
  xf::AddStateResult r = host.stack.add_state(make_state(s));
  CHECK(r.status.code() == -EEXIST);
  CHECK(r.driver_refused);
  CHECK(host.commands("ADD_SA_V2") == 2);
  CHECK(host.counter(model::CtrlCounter::kAddSaFail) == 1);
  // Another source: a different SA for the device, which takes it; then the xfrm core finds
  // the duplicate (dst, spi, esp), deletes the new state from the device at once and frees
  // it from the GC work (DEL_SA_V2 once the deferred work runs).
  StateSpec moved = s;
  moved.src = "192.0.2.99";
  r = host.stack.add_state(make_state(moved));
  CHECK(r.status.code() == -EEXIST);
  CHECK_FALSE(r.driver_refused);
  CHECK(host.commands("ADD_SA_V2") == 3);
  CHECK(host.counter(model::CtrlCounter::kAddSaSuccess) == 2);
  CHECK(host.commands("DEL_SA_V2") == 0);
  host.device.settle();
  CHECK(host.commands("DEL_SA_V2") == 1);
  CHECK(host.engine.ctrl().sa_count() == 1);
  REQUIRE(host.stack.states().size() == 1);
  CHECK(host.stack.states()[0]->state.saddr == addr(smp::kHost));
}

TEST_CASE("delete goes by dst, spi and protocol and deletes the device's SA too") {
  ModelHost host;
  StateSpec s;
  s.offload = Offload::kOut;
  host.add(make_state(s));
  CHECK(host.stack.delete_state(addr(smp::kPeer), 0x9999, drv::XfrmProto::kEsp).code() == -ESRCH);
  CHECK(host.stack.delete_state(addr(smp::kHost), smp::kSpiOut, drv::XfrmProto::kEsp).code() ==
        -ESRCH);
  CHECK(host.stack.delete_state(addr(smp::kPeer), smp::kSpiOut, drv::XfrmProto::kEsp).ok());
  CHECK(host.stack.states().empty());
  // __xfrm_state_delete calls xdo_dev_state_delete at once; DEL_SA_V2 goes out from
  // xdo_dev_state_free, which the GC work calls later: `ip xfrm state delete` does not wait.
  CHECK(host.device.sas().empty());
  CHECK(host.commands("DEL_SA_V2") == 0);
  CHECK(host.engine.ctrl().sa_count() == 1);
  host.device.settle();
  CHECK(host.commands("DEL_SA_V2") == 1);
  CHECK(host.engine.ctrl().sa_count() == 0);
}

TEST_CASE("flush deletes every state with one DEL per offloaded SA") {
  ModelHost host;
  StateSpec a;
  a.offload = Offload::kOut;
  host.add(make_state(a));
  host.add(make_state(inbound(Offload::kIn)));
  StateSpec soft;
  soft.spi = 0x5555;
  host.add(make_state(soft));
  REQUIRE(host.engine.ctrl().sa_count() == 2);
  host.stack.flush_states();
  CHECK(host.stack.states().empty());
  CHECK(host.commands("DEL_SA_V2") == 0);  // from the GC work, as for delete
  host.device.settle();
  CHECK(host.commands("DEL_SA_V2") == 2);
  CHECK(host.engine.ctrl().sa_count() == 0);
  CHECK(host.counter(model::CtrlCounter::kDelSaSuccess) == 2);
  host.stack.flush_states();  // an empty SAD flushes fine
}

// ---- input ---------------------------------------------------------------------------------

TEST_CASE("a replayed frame is dropped and counted, in software and after the engine") {
  for (const Offload o : {Offload::kNone, Offload::kIn}) {
    CAPTURE(static_cast<int>(o));
    Peer peer;
    ModelHost host;
    StateSpec s = inbound(o);
    s.replay_window = 32;
    host.add(make_state(s));
    const Bytes f1 = peer.send(host_frame(17, 100, false));
    const Bytes f2 = peer.send(host_frame(17, 100, false));
    CHECK(host.from_wire(std::vector<Bytes>{f1, f2, f1, f2}).size() == 2);
    const xf::StateEntry& e = *host.stack.states()[0];
    CHECK(e.stats.replay == 2);
    CHECK(host.stack.mib(XfrmMib::kInStateSeqError) == 2);
    CHECK(e.replay.state().seq == 2);
  }
}

TEST_CASE("a frame left of the window is dropped and counted as too old") {
  Peer peer;
  ModelHost host;
  StateSpec s = inbound(Offload::kIn);
  s.replay_window = 4;
  host.add(make_state(s));
  std::vector<Bytes> frames;
  for (int i = 0; i < 10; ++i) frames.push_back(peer.send(host_frame(17, 80, false)));
  // 10, then 8 (inside the window 7..10), then 5 and 1 (left of it).
  CHECK(host.from_wire(std::vector<Bytes>{frames[9], frames[7], frames[4], frames[0]}).size() == 2);
  CHECK(host.stack.states()[0]->stats.replay_window == 2);
  CHECK(host.stack.states()[0]->stats.replay == 0);
}

TEST_CASE("without a replay window nothing is checked, as the kernel does") {
  Peer peer;
  SoftwareHost host;
  host.add(make_state(inbound()));
  const Bytes f = peer.send(host_frame(17, 100, false));
  CHECK(host.stack.receive(f));
  CHECK(host.stack.receive(f));
  CHECK(host.stack.mib(XfrmMib::kInStateSeqError) == 0);
}

TEST_CASE("an ICV that does not authenticate is dropped and counted as failed") {
  Peer peer;
  SoftwareHost host;
  host.add(make_state(inbound()));
  Bytes f = peer.send(host_frame(17, 100, false));
  f.back() ^= 0x80;
  CHECK_FALSE(host.stack.receive(f));
  CHECK(host.stack.states()[0]->stats.integrity_failed == 1);
  CHECK(host.stack.mib(XfrmMib::kInStateProtoError) == 1);
}

TEST_CASE("an auth failure the engine forwards for debugging is dropped by the stack and counted") {
  Peer peer;
  ModelHost host;
  host.add(make_state(inbound(Offload::kIn)));
  REQUIRE(host.engine.bus().write32(IPSEC_REGS_CONTROL_OFFSET,
                                    IPSEC_REGS_CONTROL_FWD_BAD_FRAMES_MASK) == drv::BusStatus::kOk);
  Bytes f = peer.send(host_frame(17, 100, false));
  f.back() ^= 0x01;
  CHECK(host.from_wire(f).empty());
  CHECK(host.counter(model::CtrlCounter::kDecAuthFailPackets) == 1);
  CHECK(host.stack.states()[0]->stats.integrity_failed == 1);
  CHECK(host.stack.mib(XfrmMib::kInStateProtoError) == 1);
}

TEST_CASE("ESP for no state and plain traffic a policy wants protected are dropped and counted") {
  SoftwareHost host;
  host.add(in_policy());
  Peer stranger;
  CHECK_FALSE(host.stack.receive(stranger.send(host_frame(17, 100, false))));
  CHECK(host.stack.mib(XfrmMib::kInNoStates) == 1);
  CHECK_FALSE(host.stack.receive(host_frame(17, 100, false)));
  CHECK(host.stack.mib(XfrmMib::kInTmplMismatch) == 1);
  // Traffic no inbound policy covers goes up.
  CHECK(host.stack.receive(host_frame(17, 100)));
}

// ---- ESN -----------------------------------------------------------------------------------

TEST_CASE("ESN on output: the engine's sequence numbers go on past 2^32 and the peer follows") {
  ModelHost host;
  StateSpec s;
  s.offload = Offload::kOut;
  s.esn = true;
  s.replay_window = 64;
  s.replay.oseq = 0xFFFFFFFD;
  host.add(make_state(s));
  host.add(out_policy());
  SoftwareHost peer;
  StateSpec twin;
  twin.esn = true;
  twin.replay_window = 64;
  twin.replay.seq = 0xFFFFFFF0;
  peer.add(make_state(twin));
  std::vector<Bytes> frames;
  for (uint16_t i = 0; i < 6; ++i) frames.push_back(host_frame(17, 90, true, i));
  const std::vector<Bytes> wire = host.to_wire(frames);
  REQUIRE(wire.size() == 6);
  const uint32_t want[] = {0xFFFFFFFE, 0xFFFFFFFF, 0, 1, 2, 3};
  for (size_t i = 0; i < 6; ++i) {
    CAPTURE(i);
    CHECK(esp_seq(wire[i]) == want[i]);
    const std::optional<Bytes> got = peer.stack.receive(wire[i]);
    REQUIRE(got);
    CHECK(*got == frames[i]);
  }
  CHECK(peer.stack.states()[0]->replay.state().seq_hi == 1);
  CHECK(host.stack.states()[0]->replay.state().oseq_hi == 1);
  CHECK(host.stack.states()[0]->replay.state().oseq == 3);
}

TEST_CASE("ESN on input through the engine: MOD_SA keeps the device's high half in step") {
  StateSpec s = inbound(Offload::kIn);
  s.esn = true;
  s.replay_window = 32;
  s.replay.seq = 0x7FFFFFF0;
  StateSpec tx = s;
  tx.replay.oseq = 0x7FFFFFF0;
  Peer peer(tx);
  ModelHost host;
  host.add(make_state(s));
  // From just below 2^31 (the window's bottom crosses the middle: overlap) past 2^32.
  const uint64_t gap = 0xFFFFFFF8ull - 0x7FFFFFF0ull;
  std::vector<Bytes> frames;
  for (int i = 0; i < 64; ++i) frames.push_back(peer.send(host_frame(17, 80, false)));
  CHECK(host.from_wire(frames).size() == 64);
  const drv::EsnState mid = host.device.sas().begin()->second.attrs.esn;
  CHECK(mid.overlap);
  CHECK(mid.esn == 0);
  // Jump the peer near 2^32 and go over it.
  Peer later([&] {
    StateSpec t = tx;
    t.replay.oseq = static_cast<uint32_t>(0x7FFFFFF0ull + gap);
    return t;
  }());
  std::vector<Bytes> more;
  for (int i = 0; i < 40; ++i) more.push_back(later.send(host_frame(17, 80, false)));
  CHECK(host.from_wire(more).size() == 40);
  const xf::StateEntry& e = *host.stack.states()[0];
  CHECK(e.replay.state().seq_hi == 1);
  CHECK(e.replay.state().seq == 0x20);
  const drv::EsnState after = host.device.sas().begin()->second.attrs.esn;
  CHECK_FALSE(after.overlap);
  CHECK(after.esn == 1);
  CHECK(host.commands("MOD_SA_V2") >= 2);
  CHECK(host.counter(model::CtrlCounter::kDecOutPackets) == 104);
}

TEST_CASE("ESN on input in software across 2^32, and a stale high half fails authentication") {
  StateSpec s = inbound();
  s.esn = true;
  s.replay_window = 4;
  s.replay.seq = 0xFFFFFFF8;
  StateSpec tx = s;
  tx.replay.oseq = 0xFFFFFFF8;
  Peer peer(tx);
  SoftwareHost host;
  host.add(make_state(s));
  std::vector<Bytes> frames;
  for (int i = 0; i < 16; ++i) frames.push_back(peer.send(host_frame(17, 80, false)));
  for (const Bytes& f : frames) CHECK(host.stack.receive(f));
  CHECK(host.stack.states()[0]->replay.state().seq_hi == 1);
  CHECK(host.stack.states()[0]->replay.state().seq == 8);
  // 0xfffffffb (high half 0) is left of the window 1:0x5..1:0x8: its low half makes the
  // receiver infer the next high half (RFC 4303 appendix A) and the ICV says no.
  CHECK_FALSE(host.stack.receive(frames[2]));
  CHECK(host.stack.states()[0]->stats.integrity_failed == 1);
}

// ---- robustness ----------------------------------------------------------------------------

TEST_CASE(
    "garbage and damaged frames through stack, driver and engine never crash and all are counted") {
  std::mt19937_64 rng(ipsec::tb::test_seed());
  ModelHost host;
  StateSpec out;
  out.offload = Offload::kOut;
  host.add(make_state(out));
  host.add(make_state(inbound(Offload::kIn)));
  host.add(out_policy());
  host.add(in_policy());
  Peer peer;
  std::vector<Bytes> tx, rx;
  for (int i = 0; i < 400; ++i) {
    Bytes f = i % 2 ? host_frame(static_cast<uint8_t>(i % 3 == 0 ? 6 : 17), 60 + rng() % 1400)
                    : peer.send(host_frame(17, 60 + rng() % 1400, false));
    // Cut, flip bytes in the headers, or make it random.
    switch (rng() % 4) {
      case 0:
        f.resize(rng() % f.size());
        break;
      case 1:
        for (int k = 0; k < 3; ++k)
          f[rng() % std::min<size_t>(f.size(), 80)] ^= static_cast<uint8_t>(rng());
        break;
      case 2:
        for (uint8_t& b : f) b = static_cast<uint8_t>(rng());
        break;
      default:
        break;
    }
    (i % 2 ? tx : rx).push_back(f);
  }
  std::vector<Bytes> into_engine;
  for (const Bytes& f : tx) {
    for (const Bytes& o : host.stack.transmit(f)) into_engine.push_back(o);
  }
  for (const Bytes& f : into_engine) host.engine.host_tx(f);
  host.engine.run();
  (void)host.engine.take_wire_tx();
  (void)host.from_wire(rx);
  auto c = [&](model::CtrlCounter k) { return host.counter(k); };
  CHECK(c(model::CtrlCounter::kEncOutPackets) + c(model::CtrlCounter::kEncBypassPackets) +
            c(model::CtrlCounter::kEncDropPackets) ==
        into_engine.size());
  CHECK(c(model::CtrlCounter::kDecOutPackets) + c(model::CtrlCounter::kDecBypassPackets) +
            c(model::CtrlCounter::kDecDropPackets) + c(model::CtrlCounter::kDecAuthFailPackets) ==
        rx.size());
}

// ---- packets too large for the MTU once in ESP (xfrm4_tunnel_check_size, ip_fragment) -----

namespace {

// An IPv4 tunnel host -> peer for 10.1/16 -> 10.2/16, in software ESP (ICV 16).
void add_v4_tunnel(SoftwareHost& h, bool to_peer) {
  StateSpec s;
  s.tunnel = true;
  h.add(make_state(s));
  h.add(make_policy(smp::kHostNet, smp::kPeerNet, to_peer ? PolicyDir::kOut : PolicyDir::kIn,
                    smp::kHost, smp::kPeer, true));
}

Bytes big_udp(bool dont_fragment, size_t frame_bytes = 1514) {
  smp::PacketSpec p;
  p.src = "10.1.0.1";
  p.dst = "10.2.0.1";
  p.dont_fragment = dont_fragment;
  return smp::frame_of_size(p, frame_bytes);
}

}  // namespace

TEST_CASE("a 1,500-byte UDP packet without DF is fragmented before ESP in tunnel mode") {
  SoftwareHost a, b;
  add_v4_tunnel(a, true);
  add_v4_tunnel(b, false);
  const std::vector<Bytes> wire = a.stack.transmit(big_udp(false));
  REQUIRE(wire.size() == 2);
  for (const Bytes& w : wire) CHECK(w.size() - 14 <= 1500);  // each ESP datagram fits
  CHECK(a.stack.ip_frag_counters()[0] == 1);  // IpFragOKs
  CHECK(a.stack.ip_frag_counters()[2] == 2);  // IpFragCreates
  // The peer decrypts two inner fragments of the one datagram (MF, then offset).
  const std::optional<Bytes> first = b.stack.receive(wire[0]);
  const std::optional<Bytes> second = b.stack.receive(wire[1]);
  REQUIRE(first);
  REQUIRE(second);
  CHECK((drv::load_be16(*first, 14 + 6) & 0x2000) != 0);
  CHECK((drv::load_be16(*second, 14 + 6) & 0x1FFF) != 0);
  CHECK(first->size() - 14 + second->size() - 14 - 20 == 1500);
}

TEST_CASE("with DF the packet is refused: XfrmOutStateModeError in tunnel mode") {
  SoftwareHost a;
  add_v4_tunnel(a, true);
  CHECK(a.stack.transmit(big_udp(true)).empty());
  CHECK(a.stack.mib(xf::XfrmMib::kOutStateModeError) == 1);
  CHECK(a.stack.emsgsize_errors() == 1);
  // The largest packet that fits: 1500 - 20 (outer) - 16 (ESP, IV) - 16 (ICV) = 1448, less
  // the 2 trailer bytes: 1446 bytes of inner packet (esp4_get_mtu).
  CHECK(a.stack.transmit(big_udp(true, 14 + 1446)).size() == 1);
  CHECK(a.stack.transmit(big_udp(true, 14 + 1447)).empty());
  a.stack.set_mtu(1600);
  CHECK(a.stack.transmit(big_udp(true)).size() == 1);
}

TEST_CASE("transport mode without DF seals in software, then fragments the ESP datagram") {
  SoftwareHost a;
  a.add(make_state(StateSpec{}));
  a.add(make_policy("192.0.2.1/32", "198.51.100.2/32", PolicyDir::kOut, smp::kHost, smp::kPeer));
  smp::PacketSpec p;
  p.dont_fragment = false;
  const std::vector<Bytes> wire = a.stack.transmit(smp::frame_of_size(p, 1514));
  REQUIRE(wire.size() == 2);
  CHECK(wire[0][14 + 9] == 50);  // each fragment of the ESP datagram
  CHECK((drv::load_be16(wire[0], 14 + 6) & 0x2000) != 0);
  p.dont_fragment = true;
  CHECK(a.stack.transmit(smp::frame_of_size(p, 1514)).empty());
  CHECK(a.stack.ip_frag_counters()[1] == 1);  // IpFragFails
  CHECK(a.stack.mib(xf::XfrmMib::kOutStateModeError) == 0);
}

TEST_CASE("IPv6 has no DF: too large once in ESP is refused (EMSGSIZE, Ip6FragFails)") {
  SoftwareHost a;
  StateSpec s;
  s.src = smp::kHost6;
  s.dst = smp::kPeer6;
  a.add(make_state(s));
  a.add(make_policy("2001:db8::1/128", "2001:db8::2/128", PolicyDir::kOut, smp::kHost6,
                    smp::kPeer6));
  smp::PacketSpec p;
  p.src = smp::kHost6;
  p.dst = smp::kPeer6;
  CHECK(a.stack.transmit(smp::frame_of_size(p, 1514)).empty());
  CHECK(a.stack.ip_frag_counters()[4] == 1);  // Ip6FragFails
  CHECK(a.stack.emsgsize_errors() == 1);
  CHECK(a.stack.transmit(smp::frame_of_size(p, 1400)).size() == 1);
}

// ---- lifetimes (xfrm_state_check_expire) ---------------------------------------------------

TEST_CASE("a packet hard limit passes that many packets, drops the next and deletes the state") {
  for (const Offload o : {Offload::kNone, Offload::kOut}) {
    CAPTURE(static_cast<int>(o));
    ModelHost host;
    StateSpec s;
    s.offload = o;
    drv::XfrmState x = make_state(s);
    x.lft.soft_packet_limit = 2;
    x.lft.hard_packet_limit = 3;
    host.add(x);
    host.add(out_policy());
    // Packets 1 and 2 pass; the check before packet 3 finds 2 >= soft: the soft expire.
    CHECK(host.to_wire(host_frame(17, 100)).size() == 1);
    CHECK(host.to_wire(host_frame(17, 100)).size() == 1);
    CHECK(host.stack.take_expires().empty());
    CHECK(host.to_wire(host_frame(17, 100)).size() == 1);
    std::vector<xf::KmExpire> soft = host.stack.take_expires();
    REQUIRE(soft.size() == 1);
    CHECK_FALSE(soft[0].hard);
    CHECK(soft[0].state.curlft.packets == 2);  // as the check saw it
    // Packet 4: 3 >= hard. Dropped, the hard expire sent and the state deleted.
    CHECK(host.to_wire(host_frame(17, 100)).empty());
    std::vector<xf::KmExpire> hard = host.stack.take_expires();
    REQUIRE(hard.size() == 1);
    CHECK(hard[0].hard);
    CHECK(hard[0].state.curlft.packets == 3);
    CHECK(host.stack.states().empty());
    CHECK(host.stack.mib(XfrmMib::kOutStateExpired) == 1);
    // Without a state the template finds none.
    CHECK(host.to_wire(host_frame(17, 100)).empty());
    CHECK(host.stack.mib(XfrmMib::kOutNoStates) == 1);
    if (o == Offload::kOut) {
      host.device.settle();
      CHECK(host.counter(model::CtrlCounter::kDelSaSuccess) == 1);
      CHECK(host.counter(model::CtrlCounter::kEncOutPackets) == 3);
    }
  }
}

TEST_CASE("byte limits count the protected bytes and the soft expire is sent once") {
  Peer peer;
  ModelHost host;
  drv::XfrmState x = make_state(inbound());
  // Each frame protects 100 - 34 = 66 bytes (the UDP datagram after the IPv4 header).
  x.lft.soft_byte_limit = 100;
  x.lft.hard_byte_limit = 200;
  host.add(x);
  for (int i = 0; i < 4; ++i) {
    CAPTURE(i);
    const std::vector<Bytes> got = host.from_wire(peer.send(host_frame(17, 100, false)));
    // 0, 66, 132 bytes before frames 1-3: all pass, the soft expire before frame 3; 198 < 200
    // before frame 4 passes too.
    CHECK(got.size() == 1);
    CHECK(host.stack.take_expires().size() == (i == 2 ? 1u : 0u));
  }
  // 264 >= 200: frame 5 is dropped and the state expires hard.
  CHECK(host.from_wire(peer.send(host_frame(17, 100, false))).empty());
  CHECK(host.stack.mib(XfrmMib::kInStateExpired) == 1);
  const std::vector<xf::KmExpire> hard = host.stack.take_expires();
  REQUIRE(hard.size() == 1);
  CHECK(hard[0].hard);
  CHECK(hard[0].state.curlft.bytes == 4 * 66);
  CHECK(host.stack.states().empty());
}
