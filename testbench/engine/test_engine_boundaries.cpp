// The engine at its edges (issue 13): one direction's consumer stalled for a long time while
// the other direction runs at line rate, TX frames at and one byte past the largest frame
// (MaxFrame, 9,216 bytes), and the wire TX never underrunning whatever pauses the host makes.
// Every frame and counter against the reference model.
#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "driver_fixture.h"
#include "engine_fixture.h"

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
  // some 1,200 of them to stay busy through the window; the held one gets enough to fill
  // the engine's buffers and stall its input.
  constexpr size_t kHeldFrames = 64, kFlowingFrames = 1400;
  constexpr uint64_t kWindow = 100000, kWarmup = 1000;
  auto payload = [&rng] { return random_bytes(rng, 1200 + rng() % 250); };
  const size_t n_tx = hold_rx ? kFlowingFrames : kHeldFrames;
  const size_t n_rx = hold_rx ? kHeldFrames : kFlowingFrames;
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

TEST_CASE("wire TX held 100,000 clocks: host RX keeps line rate, the held TX frames all leave after") {
  one_way_held(false);
}

// Contract section 4: a frame longer than the largest frame is dropped and counted in its
// direction's drop counter. One of 9,216 bytes, metadata included, is encrypted and leaves
// whole although its ESP output is longer. Of 9,217 bytes there are two kinds: one whose IP
// length already says the datagram cannot fit is refused by the parser at the start, so
// nothing leaves; one whose datagram fits but whose frame runs on (bytes after the
// datagram) is known oversize only at its end, and the TX pipeline is cut-through up to the
// wire buffer (docs/architecture.md, "Frames"): it has been edited and encrypted before its
// end was seen, so it leaves whole with tuser set for the MAC to discard. The fixture
// predicts each frame that leaves; the frame after each is unharmed.
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

// The wire never underruns (docs/architecture.md, "TX: the wire buffer"): the host pauses
// on half of its clocks, inside frames too, and the wire MAC stalls at random; once a
// frame's first beat is on the wire, valid stays high until its last beat has gone. The
// mix holds every TX frame class (bypass, LSO, faults, MAC errors, oversize) and frames of
// up to MaxFrame; every frame leaves as the model predicts, byte for byte, tuser included.
// The checking build also enforces the rule clock by clock (stream_gapless_check).
TEST_CASE("wire TX never underruns: the host pausing on 50 % of clocks, the wire stalling, frames as the model") {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  std::mt19937_64 rng(seed);
  EngineFixture f(seed, stall_percent(25), 0, 50);
  f.probe();
  std::vector<model::SaKey> keys;
  for (uint32_t i = 0; i < 6; ++i) keys.push_back(add_sa(f, false, 0x6001 + i).key);
  model::SaTable table;
  for (const model::SaEntry& e : f.model().ctrl().sas()) table[e.key] = *f.model().lookup(e.key);
  RandomFrames gen(seed, table);
  constexpr int kRandom = 600, kLarge = 40;
  uint64_t seq = 1;
  for (int i = 0; i < kRandom + kLarge; ++i) {
    if (i % ((kRandom + kLarge) / kLarge) == 0) {
      // A large offloaded frame: 1,000 bytes up to MaxFrame (9,216, metadata included).
      const model::SaKey& key = keys[rng() % keys.size()];
      const size_t size = i % 4 == 0 ? 9216 : 1000 + rng() % 8000;
      f.host_tx(tx_frame_of_size(key, size, seq++, rng), false, "large " + std::to_string(size));
    } else {
      const GeneratedFrame g = gen.next_tx();
      f.host_tx(g.frame, g.tuser, to_string(g.cls));
    }
  }
  f.run_and_check();
  f.check_counters();
  const sim::PortStats& in = f.sim().host_tx_stats();
  const sim::PortStats& out = f.sim().wire_tx_stats();
  MESSAGE("host TX: " << in.frames << " frames, " << in.gap_clocks << " clocks paused inside frames; wire TX: "
                      << out.frames << " frames, " << out.gap_clocks << " clocks of valid low inside frames");
  // The host really paused inside frames, and large frames were encrypted.
  CHECK(in.gap_clocks > in.beats / 4);
  CHECK(f.counter("ipsec_enc_out_packets") >= kLarge);
  CHECK(out.gap_clocks == 0);
}
