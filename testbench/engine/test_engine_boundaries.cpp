// The engine at its edges (issue 13): one direction's consumer stalled for a long time while
// the other direction runs at line rate, and TX frames at and one byte past the largest
// frame (MaxFrame, 9,216 bytes). Every frame and counter against the reference model. With
// host RX held the wire RX input still takes a beat on every clock (issue 11): the frames
// the RX ingress FIFO has no room for are dropped whole and counted.
#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <vector>
#include <random>
#include <string>

#include "driver_fixture.h"
#include "engine_fixture.h"
#include "rx_pressure.h"

using namespace ipsec;
using namespace ipsec::tb;

namespace {

// One offloaded SA of the given direction, its datapath key and context.
struct Sa {
  model::SaKey key;
  model::SaContext ctx;
};

Sa add_sa(EngineFixture& f, bool in, uint32_t spi) {
  StateSpec s;
  s.dir = in ? drv::OffloadDirection::kIn : drv::OffloadDirection::kOut;
  s.spi = spi;
  auto id = f.add(offloadable_state(s));
  REQUIRE(id.ok());
  Sa sa;
  sa.key = f.key_of(*id);
  sa.ctx = *f.model().lookup(sa.key);
  return sa;
}

PacketSpec packet_for(const model::SaKey& key, Bytes payload) {
  PacketSpec p;
  p.ipv6 = key.ipv6;
  p.src = key.sip;
  p.dst = key.dip;
  p.payload = std::move(payload);
  return p;
}

// The host's frame for TX offload with the SA of `key`: an IP packet carrying `payload`.
Bytes tx_frame(const model::SaKey& key, Bytes payload, uint64_t seq) {
  EspSpec e;
  e.spi = key.spi;
  e.seq = seq;
  return host_esp_frame(ip_packet(packet_for(key, std::move(payload))), e);
}

// A peer's ESP frame for the RX SA `sa`.
Bytes rx_frame(const Sa& sa, Bytes payload, uint64_t seq) {
  EspSpec e;
  e.spi = sa.key.spi;
  e.seq = seq;
  return wire_esp_frame(ip_packet(packet_for(sa.key, std::move(payload))), e, sa.ctx);
}

// The counters of one direction (ipsec_enc_* or ipsec_dec_*) on the RTL and the model agree.
void check_direction_counters(EngineFixture& f, const std::string& prefix) {
  auto a = f.dut().ethtool_stats();
  auto b = f.ref().ethtool_stats();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  for (size_t i = 0; i < 14; ++i) {
    if (a.value()[i].name.rfind(prefix, 0) != 0) continue;
    INFO(a.value()[i].name << "; " << seed_hint());
    CHECK(a.value()[i].value == b.value()[i].value);
  }
}

// Host RX held for 100,000 clocks while the wire sends RX frames at line rate (a beat on
// every clock, no pause: issue 11) and TX flows at line rate beside it. The wire RX input
// never waits (the checking build asserts tready on every clock); the frames the engine
// has no room for are lost whole, every one counted in ipsec_dec_drop_packets and in
// DEC_OVERFLOW_DROP_PACKETS; TX is untouched; after the release every frame that was kept
// leaves as the model says and the model's accounting of all of them holds. With `stall`,
// every port but the held one pauses at random too, and the wire RX traffic mixes bypass
// frames, IPv4 and IPv6 into the ESP.
void host_rx_held_wire_at_line_rate(int stall) {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  MESSAGE(seed_hint());
  std::mt19937_64 rng(seed);
  EngineFixture f(seed, stall);
  f.probe();
  const Sa tx = add_sa(f, false, 0x3001), rx = add_sa(f, true, 0x4001);
  StateSpec s6;
  s6.dir = drv::OffloadDirection::kIn;
  s6.spi = 0x4002;
  s6.family = Family::kIpv6;
  auto id6 = f.add(offloadable_state(s6));
  REQUIRE(id6.ok());
  Sa rx6;
  rx6.key = f.key_of(*id6);
  rx6.ctx = *f.model().lookup(rx6.key);

  constexpr uint64_t kWindow = 100000;
  // Enough RX frames (about 90 beats each) to keep the wire busy through the window and a
  // while after; TX as in one_way_held.
  constexpr size_t kRxFrames = 1300, kTxFrames = 1400;
  auto payload = [&rng] { return random_bytes(rng, 1200 + rng() % 250); };
  RxUnderPressure rxp(f);
  for (size_t i = 0; i < std::max(kRxFrames, kTxFrames); ++i) {
    if (i < kTxFrames) f.host_tx(tx_frame(tx.key, payload(), 100 + i), false, "tx " + std::to_string(i));
    if (i >= kRxFrames) continue;
    const std::string what = "rx " + std::to_string(i);
    const uint64_t kind = stall ? rng() % 4 : 0;
    if (kind == 1) {
      rxp.send(rx_frame(rx6, payload(), 100 + i), false, what + " (IPv6)");
    } else if (kind == 2) {
      PacketSpec p = packet_for(rx.key, payload());
      p.proto = kIpProtoUdp;  // UDP to the same peer: bypass
      rxp.send(ethernet_ip(ip_packet(p)), false, what + " (bypass)");
    } else {
      rxp.send(rx_frame(rx, payload(), 100 + i), false, what);
    }
  }
  f.sim().hold_host_rx(true);
  const uint64_t rx_before = f.sim().wire_rx_stats().beats;
  for (uint64_t i = 0; i < kWindow; ++i) f.sim().tick();
  REQUIRE(f.sim().wire_rx_waiting() > 0);  // the wire had frames to send throughout
  const double rx_in_use =
      static_cast<double>(f.sim().wire_rx_stats().beats - rx_before) / static_cast<double>(kWindow);
  MESSAGE("host RX held " << kWindow << " clocks: wire RX took " << rx_in_use << " beats per clock");
  // Never back-pressured: at line rate a beat on every clock, with stalls every beat offered.
  CHECK(rx_in_use >= (stall ? 0.9 * (100 - stall) / 100.0 : 1.0));
  CHECK(f.sim().host_rx_stats().beats == 0);
  const uint64_t overflow_during = f.dut().rx_overflow_drops().value();
  CHECK(overflow_during > 0);

  f.sim().hold_host_rx(false);
  f.sim().run();
  f.check_wire_tx();  // TX against the model; host RX is reconciled below
  const size_t sent = rxp.sent();
  // Every frame here leaves unless dropped: the ones missing are the ingress FIFO's.
  const uint64_t lost = rxp.reconcile();
  MESSAGE(sent << " RX frames: " << sent - lost << " delivered, " << lost << " dropped whole at the ingress FIFO");
  CHECK(lost >= overflow_during);
  CHECK(lost < sent);
  // The rule (docs/architecture.md, "RX ingress"): a frame dropped there counts in
  // ipsec_dec_drop_packets and DEC_OVERFLOW_DROP_PACKETS, nowhere else.
  CHECK(f.dut().rx_overflow_drops().value() == lost);
  CHECK(f.counter("ipsec_dec_drop_packets") == lost);
  CHECK(f.counter("ipsec_dec_out_packets") + f.counter("ipsec_dec_bypass_packets") == sent - lost);
  CHECK(f.counter("ipsec_dec_in_packets") == f.counter("ipsec_dec_out_packets"));
  CHECK(f.counter("ipsec_dec_auth_fail_packets") == 0);
  CHECK(f.counter("ipsec_enc_out_packets") == kTxFrames);
}

// One direction's output held for 100,000 clocks while the other flows at line rate (no
// stalls: a random pause would lower the rate this measures). The flowing direction must
// keep its busier bus carrying a beat on at least 99 % of the window's clocks, its frames and
// counters those of the model while the other is still held; after the release every held
// frame comes out as the model predicts.
void one_way_held(bool hold_rx) {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  std::mt19937_64 rng(seed);
  EngineFixture f(seed, 0);
  f.probe();
  const Sa tx = add_sa(f, false, 0x3001), rx = add_sa(f, true, 0x4001);
  // Full-size frames of random length: about 90 beats each, so the flowing direction needs
  // some 1,200 of them to stay busy through the window; held TX gets enough to fill the
  // engine's buffers and stall its input. Held RX gets as many as the engine keeps without
  // dropping one (its wire input never stalls: the frames without room are dropped, which
  // host_rx_held_wire_at_line_rate tests).
  constexpr size_t kHeldFrames = 64, kHeldRxFrames = 16, kFlowingFrames = 1400;
  constexpr uint64_t kWindow = 100000, kWarmup = 1000;
  auto payload = [&rng] { return random_bytes(rng, 1200 + rng() % 250); };
  const size_t n_tx = hold_rx ? kFlowingFrames : kHeldFrames;
  const size_t n_rx = hold_rx ? kHeldRxFrames : kFlowingFrames;
  for (size_t i = 0; i < std::max(n_tx, n_rx); ++i) {
    if (i < n_tx) f.host_tx(tx_frame(tx.key, payload(), 100 + i), false, "tx " + std::to_string(i));
    if (i < n_rx) f.wire_rx(rx_frame(rx, payload(), 100 + i), false, "rx " + std::to_string(i));
  }
  if (hold_rx) {
    f.sim().hold_host_rx(true);
  } else {
    f.sim().hold_wire_tx(true);
  }
  // Line rate of a direction is its busier bus kept busy: TX adds trailer and ICV, so its
  // output (wire TX) carries more beats than its input; RX strips them, so its input (wire
  // RX) is the busier. Both are measured and printed, the busier one asserted.
  auto flowing_in = [&]() -> const sim::PortStats& {
    return hold_rx ? f.sim().host_tx_stats() : f.sim().wire_rx_stats();
  };
  auto flowing_out = [&]() -> const sim::PortStats& {
    return hold_rx ? f.sim().wire_tx_stats() : f.sim().host_rx_stats();
  };
  auto held_out = [&]() -> const sim::PortStats& {
    return hold_rx ? f.sim().host_rx_stats() : f.sim().wire_tx_stats();
  };
  auto flowing_waiting = [&] { return hold_rx ? f.sim().host_tx_waiting() : f.sim().wire_rx_waiting(); };

  for (uint64_t i = 0; i < kWarmup; ++i) f.sim().tick();
  const uint64_t in_before = flowing_in().beats, out_before = flowing_out().beats;
  for (uint64_t i = 0; i < kWindow; ++i) f.sim().tick();
  // The window measured traffic that was offered throughout it.
  REQUIRE(flowing_waiting() > 0);
  const double in_use = static_cast<double>(flowing_in().beats - in_before) / static_cast<double>(kWindow);
  const double out_use = static_cast<double>(flowing_out().beats - out_before) / static_cast<double>(kWindow);
  MESSAGE(std::string(hold_rx ? "host RX held; TX bus utilization: host TX "
                              : "wire TX held; RX bus utilization: wire RX ")
          << in_use << std::string(hold_rx ? ", wire TX " : ", host RX ") << out_use << " over " << kWindow
          << " clocks");
  CHECK((hold_rx ? out_use : in_use) >= 0.99);
  CHECK(held_out().beats == 0);

  // Still held: the rest of the flowing traffic drains; it and its counters are the model's.
  while (flowing_waiting() > 0) f.sim().tick();
  for (int i = 0; i < 2000; ++i) f.sim().tick();
  CHECK(held_out().beats == 0);
  if (hold_rx) {
    f.check_wire_tx();
    check_direction_counters(f, "ipsec_enc_");
  } else {
    f.check_host_rx();
    check_direction_counters(f, "ipsec_dec_");
  }

  // Released: every held frame leaves, as predicted, and every count adds up.
  f.sim().hold_host_rx(false);
  f.sim().hold_wire_tx(false);
  f.run_and_check();
  f.check_counters();
  CHECK(f.counter("ipsec_enc_out_packets") == n_tx);
  CHECK(f.counter("ipsec_dec_out_packets") == n_rx);
  CHECK(f.counter("ipsec_enc_bypass_packets") + f.counter("ipsec_enc_drop_packets") == 0);
  CHECK(f.counter("ipsec_dec_bypass_packets") + f.counter("ipsec_dec_drop_packets") +
            f.counter("ipsec_dec_auth_fail_packets") ==
        0);
}

// A host frame for TX offload of exactly `size` bytes, metadata included, its payload random.
Bytes tx_frame_of_size(const model::SaKey& key, size_t size, uint64_t seq, std::mt19937_64& rng) {
  const size_t empty = tx_frame(key, {}, seq).size();
  REQUIRE(size >= empty);
  Bytes f = tx_frame(key, random_bytes(rng, size - empty), seq);
  REQUIRE(f.size() == size);
  return f;
}

}  // namespace

TEST_CASE("host RX held 100,000 clocks: wire TX keeps line rate, the held RX frames all leave after") {
  one_way_held(true);
}

TEST_CASE("host RX held 100,000 clocks while the wire sends at line rate: wire RX never waits, the frames without room are dropped whole and each counted in ipsec_dec_drop_packets and DEC_OVERFLOW_DROP_PACKETS, the rest as the model says") {
  host_rx_held_wire_at_line_rate(0);
}

TEST_CASE("host RX held 100,000 clocks, random stalls on the other ports, ESP IPv4 and IPv6 and bypass: only whole frames are lost, every one counted, the model's accounting holds") {
  host_rx_held_wire_at_line_rate(stall_percent());
}

// RX latency through the ingress FIFO (cut-through, 2 clocks) and esp_rx: last beat in to
// first beat out, a frame into an idle engine (the product's target, 30 clocks), and every
// frame of a stream that the wire sends as fast as the host port carries (each frame
// followed by as many idle clocks as it gains beats: EngineSim::wire_rx), which must lose
// nothing and queue nowhere (the bound, 40 clocks).
TEST_CASE("RX latency with the ingress FIFO: at most 30 clocks into an idle engine, at most 40 for every frame of a stream at the host port's rate, nothing dropped") {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  std::mt19937_64 rng(seed);
  EngineFixture f(seed, 0);
  f.probe();
  const Sa rx = add_sa(f, true, 0x4001);
  f.sim().record_inputs(true);
  uint64_t worst_idle = 0;
  for (size_t payload : {0, 100, 1000, 8000}) {
    f.wire_rx(rx_frame(rx, random_bytes(rng, payload), 10 + payload), false, "idle");
    f.sim().run();
    REQUIRE(f.sim().host_rx().size() == 1);
    REQUIRE(f.sim().wire_rx_in().size() == 1);
    const uint64_t lat = f.sim().host_rx().front().first_cycle - f.sim().wire_rx_in().front().last_cycle;
    worst_idle = std::max(worst_idle, lat);
    CHECK(lat <= 30);
    f.check_host_rx();
    f.sim().wire_rx_in().clear();
  }
  // Streams of one size each (behind a longer frame a shorter one waits for its output:
  // store and forward, in order), every frame's payload random within its size class.
  uint64_t worst = 0;
  size_t frames = 0;
  for (size_t size : {40, 600, 1460, 8900}) {
    const size_t n = size > 2000 ? 20 : 100;
    std::vector<Bytes> want_stream;
    for (size_t i = 0; i < n; ++i) {
      const Bytes w = rx_frame(rx, random_bytes(rng, size + rng() % 16), 1000 * size + i);
      const std::optional<Bytes> out = f.model().wire_rx(w).out;
      REQUIRE(out);
      const size_t in_beats = (w.size() + 15) / 16, out_beats = (out->size() + 15) / 16;
      f.sim().wire_rx(w, false, out_beats > in_beats ? static_cast<uint32_t>(out_beats - in_beats) : 0);
      want_stream.push_back(*out);
    }
    f.sim().run();
    auto& got = f.sim().host_rx();
    auto& ins = f.sim().wire_rx_in();
    REQUIRE(got.size() == n);
    REQUIRE(ins.size() == n);
    uint64_t worst_here = 0;
    for (size_t i = 0; i < n; ++i) {
      CHECK(got[i].data == want_stream[i]);
      worst_here = std::max(worst_here, got[i].first_cycle - ins[i].last_cycle);
    }
    INFO(size << "-byte payloads");
    CHECK(worst_here <= 40);
    worst = std::max(worst, worst_here);
    frames += n;
    got.clear();
    ins.clear();
  }
  MESSAGE("RX latency, last beat in to first out: " << worst_idle << " clocks into an idle engine, worst " << worst
                                                    << " over " << frames << " frames at the host port's rate");
  CHECK(f.dut().rx_overflow_drops().value() == 0);
  f.check_counters();
}

TEST_CASE("wire TX held 100,000 clocks: host RX keeps line rate, the held TX frames all leave after") {
  one_way_held(false);
}

// Contract section 4: a frame longer than the largest frame is dropped and counted in its
// direction's drop counter. One of 9,216 bytes, metadata included, is encrypted and leaves
// whole although its ESP output is longer. Of 9,217 bytes there are two kinds: one whose IP
// length already says the datagram cannot fit is refused by the parser at the start, so
// nothing leaves; one whose datagram fits but whose frame runs on (bytes after the
// datagram) is known oversize only at its end, and TX is cut-through (docs/architecture.md,
// "Frames"): it has begun to leave, so it ends on the wire with tuser set for the MAC to
// discard. The fixture predicts each frame that leaves; the frame after each is unharmed.
TEST_CASE("TX MaxFrame: 9,216 bytes with metadata are encrypted, 9,217 dropped and counted, the next frame unharmed") {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  std::mt19937_64 rng(seed);
  enum class Fate { kOut, kRefused, kEndedWithTuser };
  struct Case {
    size_t datagram_frame;  // the frame up to the datagram's end
    size_t total;           // with the bytes after it
    Fate fate;
    const char* what;
  };
  const Case cases[] = {
      {9216, 9216, Fate::kOut, "9,216 bytes"},
      {9217, 9217, Fate::kRefused, "9,217 bytes, the IP length saying so"},
      {9200, 9217, Fate::kEndedWithTuser, "9,217 bytes, 17 of them after the datagram"},
  };
  for (bool ipv6 : {false, true}) {
    CAPTURE(ipv6);
    EngineFixture f(seed, stall_percent(25));
    f.probe();
    StateSpec s;
    s.family = ipv6 ? Family::kIpv6 : Family::kIpv4;
    s.spi = 0x5001;
    auto id = f.add(offloadable_state(s));
    REQUIRE(id.ok());
    const model::SaKey key = f.key_of(*id);
    REQUIRE(f.model().control().max_frame == 9216);
    uint64_t seq = 1;
    for (const Case& c : cases) {
      CAPTURE(c.what);
      const uint64_t out0 = f.counter("ipsec_enc_out_packets"), drop0 = f.counter("ipsec_enc_drop_packets");
      Bytes big = tx_frame_of_size(key, c.datagram_frame, seq++, rng);
      const Bytes tail = random_bytes(rng, c.total - c.datagram_frame);
      big.insert(big.end(), tail.begin(), tail.end());
      const Bytes next = tx_frame(key, random_bytes(rng, 100 + rng() % 1300), seq++);
      f.host_tx(big, false, c.what);
      f.host_tx(next, false, "the frame after it");
      f.sim().run();
      // What left the wire, before the fixture compares it frame by frame with the model.
      const std::deque<sim::OutFrame>& wire = f.sim().wire_tx();
      REQUIRE(!wire.empty());
      CHECK_FALSE(wire.back().user);  // the frame after: whole, encrypted, no tuser
      switch (c.fate) {
        case Fate::kOut:
          REQUIRE(wire.size() == 2);
          CHECK_FALSE(wire.front().user);
          CHECK(wire.front().data.size() > c.total - 8);  // metadata gone, trailer and ICV added
          break;
        case Fate::kRefused:
          CHECK(wire.size() == 1);
          break;
        case Fate::kEndedWithTuser:
          REQUIRE(wire.size() == 2);
          CHECK(wire.front().user);
          break;
      }
      f.run_and_check();
      f.check_counters();
      const bool out = c.fate == Fate::kOut;
      CHECK(f.counter("ipsec_enc_out_packets") - out0 == (out ? 2u : 1u));
      CHECK(f.counter("ipsec_enc_drop_packets") - drop0 == (out ? 0u : 1u));
    }
  }
}
