// The packet-offload build of the engine (PktOffload = 1, docs/packet_offload.md) beside the
// model with packet offload on. The Innova's suite runs on this build too
// (testbench/engine/CMakeLists.txt), so the crypto behaviour is checked unchanged here; this
// file adds what only this build has: the capability, the register side of the per-SA
// counters and the event queue (esp_pkt_life beside the register block: PKT_STATS_*, EVT_*,
// EVT_DROP, EVENT_READY), random packet and crypto traffic both ways with SAs added and
// deleted under it, and the full rate with packet SAs.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <ios>
#include <map>
#include <optional>
#include <utility>
#include <random>
#include <set>
#include <vector>

#include "contract.h"
#include "driver_fixture.h"
#include "engine_fixture.h"
#include "random_states.h"
#include "sa_frames.h"
#include "driver/generated/ipsec_regs.h"

using namespace ipsec;
using namespace ipsec::tb;

namespace {

constexpr uint32_t kNumSa = 1024;  // ipsec_engine's NumSa

// Reads `addr` from the RTL and from the model; both must answer alike. Returns the RTL's.
uint32_t read_both(EngineFixture& f, uint32_t addr) {
  uint32_t rtl = 0, ref = 0;
  const driver::BusStatus a = f.sim().bus().read32(addr, rtl);
  const driver::BusStatus b = f.model().read32(addr, ref);
  CHECK_MESSAGE(a == b, "bus status of 0x" << std::hex << addr);
  CHECK_MESSAGE(rtl == ref, "0x" << std::hex << addr << ": RTL 0x" << rtl << ", model 0x" << ref);
  return rtl;
}

void write_both(EngineFixture& f, uint32_t addr, uint32_t data) {
  const driver::BusStatus a = f.sim().bus().write32(addr, data);
  const driver::BusStatus b = f.model().write32(addr, data);
  CHECK_MESSAGE(a == b, "bus status of the write of 0x" << std::hex << addr);
}

// The ten PKT_STATS words, read from both.
std::vector<uint32_t> stats_words(EngineFixture& f) {
  std::vector<uint32_t> w;
  for (uint32_t i = 0; i < 10; ++i) w.push_back(read_both(f, IPSEC_REGS_PKT_STATS_WORD0_OFFSET + 4 * i));
  return w;
}

}  // namespace

TEST_CASE("the packet build advertises packet offload, and the driver's probe finds it") {
  EngineFixture f(test_seed());
  f.probe();
  CHECK(f.dut().caps().pkt_offload);
  CHECK(f.dut().caps().pkt_max_replay_window == f.ref().caps().pkt_max_replay_window);
  CHECK(f.dut().caps().pkt_max_replay_window == 1024);
  const uint32_t cap_flags = read_both(f, IPSEC_REGS_CAP_FLAGS_OFFSET);
  CHECK(((cap_flags >> driver::packet::kCapBitPktOffload) & 1) == 1);
  read_both(f, IPSEC_REGS_CAP_PKT_OFFSET);
}

TEST_CASE("a PKT_STATS snapshot asked while the lifetime unit clears after reset reads zeros at once") {
  // The unit clears its 1,024 entries after reset (one a clock), and no SA can be added
  // meanwhile (the SA table clears as long): a snapshot asked then (a driver's first register
  // accesses come sooner) is answered zeros without reaching the unit, whose assertion, on
  // in this build, would stop the run if it did, and without holding the read.
  EngineFixture f(test_seed());
  const uint64_t start = f.sim().cycles();
  write_both(f, IPSEC_REGS_PKT_STATS_INDEX_OFFSET, 5);
  CHECK(stats_words(f) == std::vector<uint32_t>(10, 0));
  REQUIRE(f.sim().cycles() - start < kNumSa / 2);  // asked and read inside the clearing
  // Once the unit is ready, the same index again: a real snapshot, zeros as well.
  while (f.sim().cycles() - start < kNumSa + 16) f.sim().tick();
  write_both(f, IPSEC_REGS_PKT_STATS_INDEX_OFFSET, 5);
  CHECK(stats_words(f) == std::vector<uint32_t>(10, 0));
}

TEST_CASE("PKT_STATS of indices beyond the table, and snapshots asked back to back, read as the model's") {
  EngineFixture f(test_seed());
  f.probe();
  for (const uint32_t index : {kNumSa - 1, kNumSa, kNumSa + 1, 0x7FFFu, 0xFFFFu, 0u}) {
    CAPTURE(index);
    write_both(f, IPSEC_REGS_PKT_STATS_INDEX_OFFSET, index);
    CHECK(stats_words(f) == std::vector<uint32_t>(10, 0));
  }
  // Index writes closer together than the unit's snapshot takes (pipelined, a clock or two
  // apart), then a read: the snapshots queue and the read sees the last.
  std::vector<sim::AxiLiteCompletion> reqs;
  for (const uint32_t index : {3u, 4u, 0xFFFFu, 7u}) {
    reqs.push_back({true, IPSEC_REGS_PKT_STATS_INDEX_OFFSET, index, 0xF});
  }
  reqs.push_back({false, IPSEC_REGS_PKT_STATS_WORD0_OFFSET, 0, 0xF});
  const std::vector<sim::AxiLiteCompletion> done = f.sim().transact(reqs);
  REQUIRE(done.size() == reqs.size());
  for (const sim::AxiLiteCompletion& c : done) CHECK(c.status == driver::BusStatus::kOk);
  CHECK(done.back().data == 0);
}

TEST_CASE("the event queue of the packet build is empty, and its registers read as the model's") {
  EngineFixture f(test_seed());
  f.probe();
  CHECK(read_both(f, IPSEC_REGS_EVT_WORD0_OFFSET) == 0);
  CHECK(read_both(f, IPSEC_REGS_EVT_WORD1_OFFSET) == 0);
  CHECK((read_both(f, IPSEC_REGS_INTR_STATUS_OFFSET) & driver::packet::kIntrEventReady) == 0);
  // A pop of the empty queue changes nothing; EVT_DROP reads 0, low word first.
  write_both(f, IPSEC_REGS_EVT_POP_OFFSET, 1);
  CHECK(read_both(f, IPSEC_REGS_EVT_WORD0_OFFSET) == 0);
  CHECK(read_both(f, IPSEC_REGS_EVT_DROP_OFFSET) == 0);
  CHECK(read_both(f, IPSEC_REGS_EVT_DROP_HI_OFFSET) == 0);
  // The enable bit of EVENT_READY exists on this build: it reads back as written.
  const uint32_t enable = read_both(f, IPSEC_REGS_INTR_ENABLE_OFFSET);
  write_both(f, IPSEC_REGS_INTR_ENABLE_OFFSET, enable & ~driver::packet::kIntrEventReady);
  CHECK((read_both(f, IPSEC_REGS_INTR_ENABLE_OFFSET) & driver::packet::kIntrEventReady) == 0);
  write_both(f, IPSEC_REGS_INTR_ENABLE_OFFSET, enable | driver::packet::kIntrEventReady);
  CHECK((read_both(f, IPSEC_REGS_INTR_ENABLE_OFFSET) & driver::packet::kIntrEventReady) != 0);
}

// ---- Traffic: packet SAs beside crypto SAs ----------------------------------------------

namespace {

// A packet SA the test added through both drivers, and what its traffic needs.
struct PacketSa {
  drv::SaId id{};
  bool in = false;
  model::SaKey key;
  EspMode mode = EspMode::kTransport;
  bool esn = false;
  uint32_t window = 0;  // RX: replay window in packets
  uint64_t top = 0;     // RX: the highest sequence number the peer sent so far
  uint16_t index = 0;
  uint16_t handle_lo = 0;
  model::SaContext ctx;  // the peer's side: key, salt, ESN (the model's lookup serves crypto SAs)
};

// Adds packet state `x` to both engines through their drivers (they must answer alike, and
// give it the same table index) and returns what its traffic needs.
PacketSa add_packet_sa(EngineFixture& f, const drv::XfrmState& x) {
  auto r = f.add(x);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  const drv::OffloadedSa* sa = f.dut().find(*r);
  const drv::OffloadedSa* ref = f.ref().find(*r);
  REQUIRE(sa);
  REQUIRE(ref);
  REQUIRE(sa->packet);
  CHECK(sa->pkt_index == ref->pkt_index);
  PacketSa p;
  p.id = *r;
  p.in = x.inbound();
  p.key = f.key_of(*r);
  p.mode = x.mode == drv::XfrmMode::kTunnel ? EspMode::kTunnel : EspMode::kTransport;
  p.esn = x.flag_esn;
  p.window = x.replay_window;
  p.top = uint64_t{x.replay.seq_hi} << 32 | x.replay.seq;
  p.index = sa->pkt_index;
  p.handle_lo = static_cast<uint16_t>(sa->rx_handle);
  const drv::Bytes& km = x.aead->key;  // the key, then 4 bytes of salt
  const size_t key_bytes = km.size() - 4;
  std::copy(km.begin(), km.begin() + static_cast<long>(key_bytes), p.ctx.key.begin());
  p.ctx.key256 = key_bytes == 32;
  p.ctx.salt = uint32_t{km[key_bytes]} << 24 | uint32_t{km[key_bytes + 1]} << 16 |
               uint32_t{km[key_bytes + 2]} << 8 | km[key_bytes + 3];
  p.ctx.esn_en = x.flag_esn;
  return p;
}

// A packet-offload state: random family, mode, key, ESN (some starting just below 2^32, so
// that both sides cross it), replay window (RX: 0 to 1,024 in steps of 32) and, now and then,
// byte and packet limits low enough for the traffic to reach.
drv::XfrmState packet_state(std::mt19937_64& rng, bool in) {
  StateSpec s = random_spec(rng, in, 3);
  s.replay_window = in ? 32 * static_cast<uint32_t>((s.esn ? 1 : 0) + rng() % (s.esn ? 32 : 33)) : 0;
  drv::XfrmState x = with_random_key(rng, s);
  if (rng() % 2 == 0) x.mode = drv::XfrmMode::kTunnel;
  x.offload->type = drv::OffloadType::kPacket;
  x.reqid = 1 + static_cast<uint32_t>(rng() % 1000);
  if (s.esn && rng() % 2 == 0) {
    if (in) {
      x.replay.seq = 0xFFFFFFFFu - static_cast<uint32_t>(rng() % 64);
    } else {
      x.replay.oseq = 0xFFFFFFFFu - static_cast<uint32_t>(rng() % 64);
    }
  }
  switch (rng() % 6) {
    case 0:
      x.lft.soft_packet_limit = 5 + rng() % 20;
      x.lft.hard_packet_limit = x.lft.soft_packet_limit + 1 + rng() % 30;
      break;
    case 1:
      x.lft.soft_byte_limit = 1000 + rng() % 5000;
      x.lft.hard_byte_limit = x.lft.soft_byte_limit + 1 + rng() % 20000;
      break;
    default:
      break;
  }
  return x;
}

// An IP packet for a packet SA's host side: in transport mode of the SA's family and
// addresses; in tunnel mode of either family (the inner packet).
Bytes inner_packet(std::mt19937_64& rng, const PacketSa& sa, size_t payload) {
  PacketSpec p;
  if (sa.mode == EspMode::kTransport) {
    p = packet_for(sa.key, Bytes());
  } else {
    p.ipv6 = rng() % 2 == 0;
    if (p.ipv6) {
      p.src = ipv6("2001:db8:99::1");
      p.dst = ipv6("2001:db8:98::2");
    }
  }
  p.proto = rng() % 2 ? kIpProtoUdp : kIpProtoTcp;
  p.payload = random_bytes(rng, payload);
  return ip_packet(p);
}

// A payload length: mostly small, now and then up to a jumbo frame's worth.
size_t payload_size(std::mt19937_64& rng) {
  switch (rng() % 8) {
    case 0:
      return rng() % 8000;
    case 1:
    case 2:
      return 200 + rng() % 1300;
    default:
      return rng() % 200;
  }
}

}  // namespace

TEST_CASE("random traffic of packet and crypto SAs both ways, SAs added and deleted under it, at stall 0, 25 and 60 %, matches the model frame by frame, counter by counter and event by event") {
  const uint64_t seed = test_seed();
  const std::vector<int> levels = stall_levels();
  constexpr int kRounds = 3, kPerRound = 300;
  for (size_t level = 0; level < levels.size(); ++level) {
    const int stall = levels[level];
    CAPTURE(stall);
    const uint64_t level_seed = seed + 1000 * level;
    std::mt19937_64 rng(level_seed);
    EngineFixture f(level_seed, stall, 20);
    f.probe();

    std::vector<drv::SaId> crypto;
    std::vector<PacketSa> packet;
    auto add_crypto = [&](bool in) {
      auto r = f.add(random_state(rng, in));
      REQUIRE(r.ok());
      crypto.push_back(*r);
    };
    auto add_packet = [&](bool in) { packet.push_back(add_packet_sa(f, packet_state(rng, in))); };
    // Crypto SAs 0 (TX) and 1 (RX) stay all along: the Innova's traffic always has an SA.
    for (int i = 0; i < 6; ++i) add_crypto(i % 2 == 1);
    for (int i = 0; i < 12; ++i) add_packet(i % 2 == 0);

    uint64_t sent_tx = 0, sent_rx = 0;
    for (int round = 0; round < kRounds; ++round) {
      // Some SAs of each kind go while this round's frames flow: the frames never use them.
      std::set<model::SaKey> going;
      std::vector<drv::SaId> to_delete;
      for (int i = 0; i < 2 && crypto.size() > 3; ++i) {
        const size_t k = 2 + rng() % (crypto.size() - 2);
        going.insert(f.key_of(crypto[k]));
        to_delete.push_back(crypto[k]);
        crypto.erase(crypto.begin() + static_cast<long>(k));
      }
      std::vector<PacketSa> flowing;
      for (PacketSa& p : packet) {
        if (flowing.size() + 3 >= packet.size() || rng() % 4 != 0) {
          flowing.push_back(p);
        } else {
          to_delete.push_back(p.id);
        }
      }
      std::set<model::SaKey> packet_keys;
      for (const PacketSa& p : packet) packet_keys.insert(p.key);
      model::SaTable table;
      for (const model::SaEntry& e : f.model().ctrl().sas()) {
        if (going.count(e.key) || packet_keys.count(e.key)) continue;
        table[e.key] = *f.model().lookup(e.key);
      }
      RandomFrames gen(level_seed + static_cast<uint64_t>(round), table);
      gen.set_modes(f.modes());
      std::vector<PacketSa*> tx_sas, rx_sas;
      for (PacketSa& p : flowing) (p.in ? rx_sas : tx_sas).push_back(&p);

      for (int i = 0; i < kPerRound; ++i) {
        // TX: a packet SA's 0x0A frame or the Innova's traffic; now and then a host's own
        // (0x08) frame naming a packet SA's key, which finds no SA (packet section P3).
        if (!tx_sas.empty() && rng() % 40 == 0) {
          const PacketSa& p = *tx_sas[rng() % tx_sas.size()];
          f.host_tx(tx_frame(p.key, random_bytes(rng, payload_size(rng)), 1 + rng() % 1000), false,
                    "crypto TX naming a packet SA's key");
        } else if (!tx_sas.empty() && rng() % 2 == 0) {
          const PacketSa& p = *tx_sas[rng() % tx_sas.size()];
          Bytes ip = inner_packet(rng, p, payload_size(rng));
          if (p.mode == EspMode::kTransport && rng() % 8 == 0) {
            // Other addresses than the SA's: the SA is the one the metadata names.
            PacketSpec o = packet_for(p.key, random_bytes(rng, payload_size(rng)));
            o.dst.back() ^= 0x5A;
            o.src.back() ^= 0x3C;
            ip = ip_packet(o);
          }
          uint16_t handle = p.handle_lo;
          if (rng() % 40 == 0) handle ^= 0x100;  // a stale handle: refused
          f.host_tx(insert_metadata(ethernet_ip(ip), drv::packet::kTxSyndromePktOffload,
                                    {static_cast<uint8_t>(p.index >> 8), static_cast<uint8_t>(p.index),
                                     static_cast<uint8_t>(handle >> 8), static_cast<uint8_t>(handle), 0}),
                    false, "packet TX");
        } else {
          const GeneratedFrame tx = gen.next_tx();
          f.host_tx(tx.frame, tx.tuser, to_string(tx.cls));
        }
        ++sent_tx;
        // RX: a peer's ESP frame for a packet SA (in order, with gaps, replayed, old, far
        // ahead, or corrupted) or the Innova's traffic.
        if (!rx_sas.empty() && rng() % 2 == 0) {
          PacketSa& p = *rx_sas[rng() % rx_sas.size()];
          uint64_t sn = 0;
          const unsigned pick = static_cast<unsigned>(rng() % 20);
          if (pick < 12) {
            sn = p.top + 1 + (rng() % 4 == 0 ? rng() % 3 : 0);  // next, or a gap before it
          } else if (pick < 16) {
            sn = p.top - std::min<uint64_t>(p.top, rng() % (p.window + 8));  // inside, at, or left of the window
          } else if (pick < 18) {
            sn = p.top + p.window + 1 + rng() % 64;  // far ahead
          } else {
            sn = p.top + 1;
          }
          if (!p.esn) sn &= 0xFFFFFFFFu;
          const bool corrupt = pick >= 18;
          if (sn > p.top && !corrupt) p.top = sn;
          EspSpec e;
          e.spi = p.key.spi;
          e.seq = sn;
          e.mode = p.mode;
          e.outer_ipv6 = p.key.ipv6;
          e.outer_src = p.key.sip;
          e.outer_dst = p.key.dip;
          model::SaContext ctx = p.ctx;
          ctx.esn_hi = static_cast<uint32_t>(sn >> 32);
          Bytes frame = wire_esp_frame(inner_packet(rng, p, payload_size(rng)), e, ctx);
          if (corrupt) frame = flip_icv_bit(frame, static_cast<unsigned>(rng() % 128));
          // With ESN a number left of the window is inferred into the next subspace, from the
          // window as it stands when the frame is checked, before its ICV (RFC 4303 appendix
          // A2.2): the engine checks while the SA's earlier frames may still be in flight,
          // uncommitted (as Linux's xfrm_input does with asynchronous crypto), the model one
          // frame at a time after all of them. Such a frame is sent once those have gone
          // through, so that both infer from the same window.
          if (p.esn && sn + p.window <= p.top) f.sim().run();
          f.wire_rx(frame, false, "packet RX");
        } else {
          const GeneratedFrame rx = gen.next_rx();
          f.wire_rx(rx.frame, rx.tuser, to_string(rx.cls));
        }
        ++sent_rx;
      }
      // Let traffic start, then change the table while it flows.
      for (int i = 0; i < 2000; ++i) f.sim().tick();
      for (drv::SaId id : to_delete) REQUIRE(f.remove(id).ok());
      packet = flowing;
      for (int i = 0; i < 2; ++i) add_crypto(rng() % 2 == 0);
      for (int i = 0; i < 3; ++i) add_packet(rng() % 2 == 0);
      f.run_and_check();
    }
    f.check_counters();
    // The per-SA counters (ip -s xfrm state) and the events, through each driver.
    for (const PacketSa& p : packet) {
      CAPTURE(p.index);
      auto a = f.dut().read_pkt_counters(p.id);
      auto b = f.ref().read_pkt_counters(p.id);
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      CHECK(a.value().packets == b.value().packets);
      CHECK(a.value().bytes == b.value().bytes);
      CHECK(a.value().replay_window == b.value().replay_window);
      CHECK(a.value().replay == b.value().replay);
      CHECK(a.value().integrity_failed == b.value().integrity_failed);
      CHECK(a.value().seq_exhausted == b.value().seq_exhausted);
    }
    // The events, SA by SA in the order each SA raised them: between SAs the order is the
    // clocks' (TX and RX frames interleave in time in the RTL, in sending order in the model).
    auto ea = f.dut().take_pkt_events();
    auto eb = f.ref().take_pkt_events();
    REQUIRE(ea.ok());
    REQUIRE(eb.ok());
    auto by_sa = [](const std::vector<drv::PktEvent>& events) {
      std::map<drv::SaId, std::vector<drv::packet::EventKind>> m;
      for (const drv::PktEvent& e : events) m[e.sa].push_back(e.kind);
      return m;
    };
    CHECK(ea.value().size() == eb.value().size());
    CHECK(by_sa(ea.value()) == by_sa(eb.value()));
    MESSAGE("stall " << stall << " %: " << f.sim().cycles() << " clocks for " << sent_tx + sent_rx
                     << " frames, " << ea.value().size() << " events");
  }
}

TEST_CASE("packet SAs at the engine's full rate: 64-byte frames both ways, each through another SA, one beat per clock") {
  // The smallest frames, back to back from an idle engine, each of another packet SA:
  // host TX plain packets out as ESP, wire RX ESP in as plain packets. The SAs are all of one
  // kind (family and mode, chosen by the seed), so that the frames out are all of one size:
  // the wire buffer stores and forwards, and a frame longer than the one before it waits for
  // its own tail (IMIX's figure in make bench shows that cost). Each stream is
  // measured where it is busiest: TX at the wire (frames grow there), RX at the wire input,
  // which never waits, so the frames in must all come out again with no overflow drop.
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  EngineFixture f(seed);
  f.probe();
  constexpr int kSas = 8, kFrames = 1200;
  std::vector<PacketSa> tx, rx;
  std::optional<std::pair<bool, drv::XfrmMode>> kind;  // IPv6, mode
  for (int i = 0; i < 2 * kSas; ++i) {
    const bool in = i % 2 == 1;
    drv::XfrmState x = packet_state(rng, in);
    while (kind && std::make_pair(x.daddr.is_v6(), x.mode) != *kind) x = packet_state(rng, in);
    kind = std::make_pair(x.daddr.is_v6(), x.mode);
    x.lft = drv::XfrmLifetimeCfg{};
    x.replay.seq = x.replay.oseq = 0;
    const PacketSa p = add_packet_sa(f, x);
    (in ? rx : tx).push_back(p);
  }
  uint64_t rx_beats_in = 0, rx_first_beats = 0;
  std::vector<uint64_t> tx_beats_in;
  for (int i = 0; i < kFrames; ++i) {
    const PacketSa& t = tx[static_cast<size_t>(i % kSas)];
    // The smallest frame a MAC takes, 60 bytes, filled by the packet (no Ethernet padding),
    // and its 8 bytes of metadata: the same packet for every frame, so every frame out has
    // one size. (Shorter packets padded to 60 bytes, every size of them: testbench/esp_tx_pkt.)
    std::mt19937_64 same(seed);
    const size_t header = ethernet_ip(inner_packet(same, t, 0)).size();
    same.seed(seed);
    const Bytes ip = ethernet_ip(inner_packet(same, t, header < 60 ? 60 - header : 0));
    const Bytes h = insert_metadata(ip, drv::packet::kTxSyndromePktOffload,
                                    {static_cast<uint8_t>(t.index >> 8), static_cast<uint8_t>(t.index),
                                     static_cast<uint8_t>(t.handle_lo >> 8), static_cast<uint8_t>(t.handle_lo), 0});
    tx_beats_in.push_back((h.size() + 15) / 16);
    f.host_tx(h, false, "packet TX at rate");
    const PacketSa& r = rx[static_cast<size_t>(i % kSas)];
    EspSpec e;
    e.spi = r.key.spi;
    e.seq = 1 + static_cast<uint64_t>(i / kSas);
    e.mode = r.mode;
    e.outer_ipv6 = r.key.ipv6;
    e.outer_src = r.key.sip;
    e.outer_dst = r.key.dip;
    std::mt19937_64 same_rx(seed);
    const Bytes w = wire_esp_frame(inner_packet(same_rx, r, 0), e, r.ctx);
    rx_beats_in += (w.size() + 15) / 16;
    if (i == 0) rx_first_beats = rx_beats_in;
    f.wire_rx(w, false, "packet RX at rate");
  }
  const uint64_t start = f.sim().cycles();
  f.sim().run();
  // Before the check consumes them: the clocks of the first and last frames out.
  const std::deque<sim::OutFrame>& wire = f.sim().wire_tx();
  const std::deque<sim::OutFrame>& host = f.sim().host_rx();
  REQUIRE(wire.size() == static_cast<size_t>(kFrames));
  REQUIRE(host.size() == static_cast<size_t>(kFrames));
  // A frame's clocks at the rate: its beats in or out, whichever are more (as make bench
  // counts them).
  uint64_t tx_busy = 0;
  for (size_t i = 0; i < wire.size(); ++i) tx_busy += std::max<uint64_t>(tx_beats_in[i], (wire[i].data.size() + 15) / 16);
  const double tx_util = static_cast<double>(tx_busy) /
                         static_cast<double>(wire.back().last_cycle - wire.front().first_cycle + 1);
  // RX: the wire sent a beat on every clock; the engine kept pace if, from the first frame's
  // last beat out (it stores and forwards), the frames after it left in as many clocks as
  // their beats took to come in (as make bench counts it).
  const uint64_t rx_span = host.back().last_cycle - host.front().last_cycle;
  const uint64_t rx_later_beats = rx_beats_in - rx_first_beats;
  f.run_and_check();
  f.check_counters();
  CHECK(f.counter("ipsec_dec_out_packets") == static_cast<uint64_t>(kFrames));
  CHECK(f.counter("ipsec_enc_out_packets") == static_cast<uint64_t>(kFrames));
  const double rx_util = static_cast<double>(rx_later_beats) / static_cast<double>(rx_span);
  MESSAGE("TX " << tx_util << " busy beats per clock, RX " << rx_util << " (" << rx_later_beats << " beats in "
                << rx_span << " clocks), from " << start);
  CHECK(tx_util >= 0.99);
  CHECK(rx_util >= 0.99);
}
