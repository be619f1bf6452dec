// Key hygiene (docs/architecture.md, "Key hygiene"): once a deleted SA's frames have left,
// and after a reset, no copy of its key and none of its AES round keys is anywhere in the
// engine. Checked by searching the whole state of the Verilated model, every byte of it
// (EngineSim::state_bytes), for the key and each round key in every byte order at every bit
// offset, whole or any 8 contiguous bytes (secret_search.h). Control searches while the SAs
// live must find them, or the search would prove nothing.
#include <doctest/doctest.h>

#include <random>
#include <sstream>

#include "driver_fixture.h"
#include "engine_fixture.h"
#include "secret_search.h"

using namespace ipsec;
using namespace ipsec::tb;

namespace {

SecretBytes hex(const std::string& h) {
  SecretBytes b;
  for (size_t i = 0; i + 1 < h.size(); i += 2) b.push_back(static_cast<uint8_t>(std::stoul(h.substr(i, 2), nullptr, 16)));
  return b;
}

std::string listing(const std::vector<SecretFinding>& found) {
  std::ostringstream o;
  for (const SecretFinding& f : found) o << "\n  " << f.describe();
  return o.str();
}

bool has_whole(const std::vector<SecretFinding>& found, const std::string& what) {
  for (const SecretFinding& f : found) {
    if (f.whole() && f.what.rfind(what + ",", 0) == 0) return true;
  }
  return false;
}

// An SA under test: its key, its match key and context (for the frames), and the search for
// its key and round keys rk[1] .. rk[Nr] (rk[0] is the key's first 16 bytes).
struct KeyedSa {
  std::string name;
  drv::SaId id{};
  SecretBytes key;
  model::SaKey match;
  model::SaContext ctx;
  SecretSearch search;
  size_t rounds = 0;
};

KeyedSa add_sa(EngineFixture& f, std::mt19937_64& rng, drv::OffloadDirection dir, size_t key_bytes,
               uint32_t spi) {
  KeyedSa sa;
  sa.name = dir == drv::OffloadDirection::kOut ? "TX" : "RX";
  StateSpec s;
  s.dir = dir;
  s.key_bytes = key_bytes;
  s.spi = spi;
  s.host = static_cast<uint8_t>(spi);
  drv::XfrmState x = offloadable_state(s);
  // Random keys: no 8 bytes of one can be anywhere by chance (2^-64 a place).
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t i = 0; i < key_bytes; ++i) sa.key.push_back(static_cast<uint8_t>(byte(rng)));
  drv::Bytes material(sa.key.begin(), sa.key.end());
  for (int i = 0; i < 4; ++i) material.push_back(static_cast<uint8_t>(byte(rng)));  // salt
  REQUIRE(x.attach_aead({drv::kAeadRfc4106Gcm, material, 128}).ok());
  auto id = f.add(x);
  REQUIRE_MESSAGE(id.ok(), id.status().message());
  sa.id = *id;
  sa.match = f.key_of(sa.id);
  sa.ctx = *f.model().lookup(sa.match);
  const std::vector<SecretBytes> rk = aes_round_keys(sa.key);
  sa.rounds = rk.size() - 1;
  sa.search.add(sa.name + " key", sa.key);
  for (size_t r = 1; r < rk.size(); ++r) sa.search.add(sa.name + " rk[" + std::to_string(r) + "]", rk[r]);
  return sa;
}

std::vector<SecretFinding> hunt(EngineFixture& f, const KeyedSa& sa) {
  const sim::EngineSim::StateBytes state = f.sim().state_bytes();
  return sa.search.find(state.data, state.size);
}

// Frames through both SAs at once: the host's for the TX SA, the peer's ESP for the RX SA.
// `checked`: through the fixture, which predicts every frame with the model.
void send_frames(EngineFixture& f, std::mt19937_64& rng, const KeyedSa& tx, const KeyedSa& rx, size_t n,
                 bool checked) {
  for (size_t i = 0; i < n; ++i) {
    PacketSpec p;
    p.src = tx.match.sip;
    p.dst = tx.match.dip;
    p.payload = random_bytes(rng, 40 + rng() % 400);
    EspSpec e;
    e.spi = tx.match.spi;
    e.seq = i + 1;
    const Bytes host = host_esp_frame(ip_packet(p), e);
    PacketSpec q;
    q.src = rx.match.sip;
    q.dst = rx.match.dip;
    q.payload = random_bytes(rng, 40 + rng() % 400);
    EspSpec g;
    g.spi = rx.match.spi;
    g.seq = i + 1;
    const Bytes wire = wire_esp_frame(ip_packet(q), g, rx.ctx);
    if (checked) {
      f.host_tx(host, false, "TX SA frame");
      f.wire_rx(wire, false, "RX SA frame");
    } else {
      f.sim().host_tx(host);
      f.sim().wire_rx(wire);
    }
  }
}

// Clocks until frames have begun to leave on wire TX (both pipes are busy with the SAs'
// frames then), or on both output ports.
void until_wire_tx_sends(EngineFixture& f, bool and_host_rx = false) {
  const uint64_t start = f.sim().cycles();
  const uint64_t wire0 = f.sim().wire_tx_stats().beats, host0 = f.sim().host_rx_stats().beats;
  while (f.sim().wire_tx_stats().beats == wire0 || (and_host_rx && f.sim().host_rx_stats().beats == host0)) {
    REQUIRE(f.sim().cycles() - start < 10000);
    f.sim().tick();
  }
}

// Nothing of the SA anywhere: not 8 bytes of its key nor of a round key, in any order.
void check_gone(EngineFixture& f, const KeyedSa& sa, const std::string& when) {
  const std::vector<SecretFinding> found = hunt(f, sa);
  INFO(when);
  CHECK_MESSAGE(found.empty(), sa.name << " SA: key material left in the engine " << when << ":" << listing(found));
}

// The control: a live SA's key is in the engine (its record in the SA table).
void check_present(EngineFixture& f, const KeyedSa& sa, const std::string& when) {
  const std::vector<SecretFinding> found = hunt(f, sa);
  INFO(when);
  CHECK_MESSAGE(has_whole(found, sa.name + " key"),
                sa.name << " SA: the control search did not find the live key " << when << ":" << listing(found));
}

}  // namespace

TEST_CASE("the search's key schedule is FIPS-197's: the last round keys of appendix A.1 and A.3") {
  CHECK(aes_round_keys(hex("2b7e151628aed2a6abf7158809cf4f3c")).back() == hex("d014f9a8c9ee2589e13f0cc8b6630ca6"));
  const auto rk256 = aes_round_keys(hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"));
  REQUIRE(rk256.size() == 15);
  CHECK(rk256[1] == hex("1f352c073b6108d72d9810a30914dff4"));
  CHECK(rk256.back() == hex("fe4890d1e6188d0b046df344706c631e"));
}

TEST_CASE("the search finds a secret in every byte order at every bit offset, whole or 8 bytes of it") {
  std::mt19937_64 rng(test_seed());
  const SecretBytes key = random_bytes(rng, 32);
  SecretSearch search;
  search.add("key", key);
  // Each order the search knows, planted once at every bit offset of a byte.
  const std::vector<std::pair<std::string, SecretBytes>> planted = {
      {"key, forward", key},
      {"key, reversed", SecretBytes(key.rbegin(), key.rend())},
      {"key, bytes reversed in each 4-byte group",
       [&] {
         SecretBytes b(32);
         for (size_t i = 0; i < 32; ++i) b[i] = key[i / 4 * 4 + 3 - i % 4];
         return b;
       }()},
      {"key, 16-byte groups reversed",
       [&] {
         SecretBytes b(key.begin() + 16, key.end());
         b.insert(b.end(), key.begin(), key.begin() + 16);
         return b;
       }()},
  };
  for (const auto& entry : planted) {
    // Named references, not a structured binding: CAPTURE captures them in a lambda, which
    // C++17 does not allow for a binding (clang refuses it).
    const std::string& what = entry.first;
    const SecretBytes& bytes = entry.second;
    for (size_t shift = 0; shift < 8; ++shift) {
      CAPTURE(what);
      CAPTURE(shift);
      std::vector<uint8_t> memory = random_bytes(rng, 4096);
      REQUIRE(search.find(memory.data(), memory.size()).empty());  // random memory: nothing
      // Bit i of the secret (little-endian within its bytes) at bit 8 * 1000 + shift + i.
      const size_t at = 8 * 1000 + shift;
      for (size_t i = 0; i < 8 * bytes.size(); ++i) {
        const size_t bit = at + i;
        const uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
        if (bytes[i / 8] >> (i % 8) & 1) {
          memory[bit / 8] |= mask;
        } else {
          memory[bit / 8] &= static_cast<uint8_t>(~mask);
        }
      }
      const auto whole = search.find(memory.data(), memory.size());
      CHECK_MESSAGE(has_whole(whole, "key"), listing(whole));
      bool here = false;
      for (const SecretFinding& f : whole) here |= f.whole() && f.what == what && f.bit == static_cast<int64_t>(at);
      CHECK_MESSAGE(here, listing(whole));
      // Only 8 bytes of it (its bytes 11..18), every bit of the memory around them flipped:
      // still found. Secret byte j lies in memory bytes 1000 + j and, shifted, 1001 + j.
      for (size_t i = 0; i < 11; ++i) memory[1000 + i] ^= 0xff;
      for (size_t i = 20; i < 33; ++i) memory[1000 + i] ^= 0xff;
      CHECK(!search.find(memory.data(), memory.size()).empty());
      // Fewer than 8 (byte 18 broken too): nothing.
      memory[1000 + 18] ^= 0xff;
      CHECK(search.find(memory.data(), memory.size()).empty());
    }
  }
}

TEST_CASE("no key left behind: a deleted SA's key and round keys are nowhere in the engine once its frames left, "
          "nor after a reset") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (size_t key_bytes : {16u, 32u}) {
    for (bool tx_first : {true, false}) {
      CAPTURE(key_bytes);
      CAPTURE(tx_first);
      INFO(seed_hint());
      EngineFixture f(seed, stall_percent(25));
      f.probe();
      KeyedSa tx = add_sa(f, rng, drv::OffloadDirection::kOut, key_bytes, 0x1100 + static_cast<uint32_t>(key_bytes));
      KeyedSa rx = add_sa(f, rng, drv::OffloadDirection::kIn, key_bytes, 0x2200 + static_cast<uint32_t>(key_bytes));

      // Controls while frames flow: the key (in the SA table) and, in the AES pipes, the last
      // round key rk[Nr] (rk[10]; for AES-256 rk[14]), which the pipe registers like every
      // round key. A pipe holds an SA's schedule while that SA's frames go through it, not in
      // the gaps between them: looked for clock by clock until seen.
      send_frames(f, rng, tx, rx, 24, true);
      until_wire_tx_sends(f);
      check_present(f, tx, "while its frames flow");
      check_present(f, rx, "while its frames flow");
      const size_t last_rk = tx.rounds;
      const std::vector<SecretBytes> tx_rk = aes_round_keys(tx.key), rx_rk = aes_round_keys(rx.key);
      SecretSearch last;
      last.add("TX last", tx_rk[last_rk]);
      last.add("RX last", rx_rk[last_rk]);
      bool seen_tx = false, seen_rx = false;
      for (int clock = 0; clock < 2000 && !(seen_tx && seen_rx); ++clock) {
        const sim::EngineSim::StateBytes state = f.sim().state_bytes();
        const std::vector<SecretFinding> found = last.find(state.data, state.size);
        seen_tx |= has_whole(found, "TX last");
        seen_rx |= has_whole(found, "RX last");
        f.sim().tick();
      }
      CHECK_MESSAGE(seen_tx, "TX SA: its round key rk[" << last_rk << "] never seen in the AES pipe while its frames flowed");
      CHECK_MESSAGE(seen_rx, "RX SA: its round key rk[" << last_rk << "] never seen in the AES pipe while its frames flowed");
      f.run_and_check();
      f.check_counters();
      check_present(f, tx, "with its frames gone, the SA live");
      check_present(f, rx, "with its frames gone, the SA live");

      // Delete one SA while frames of both are in flight (each leaves with the SA or without
      // it: not checked here, the faults suite does): once they have left, nothing of it is
      // left; the other's key still is (a control within the same engine). Then the other.
      KeyedSa& first = tx_first ? tx : rx;
      KeyedSa& second = tx_first ? rx : tx;
      send_frames(f, rng, tx, rx, 12, false);
      until_wire_tx_sends(f);
      REQUIRE(f.remove(first.id).ok());
      f.sim().run();
      check_gone(f, first, "after its delete, its frames gone");
      check_present(f, second, "after the other SA's delete");
      REQUIRE(f.remove(second.id).ok());
      f.sim().run();
      check_gone(f, second, "after its delete, its frames gone");
      check_gone(f, first, "after both deletes");

      // Again, but a reset takes the SAs, with their frames inside the engine.
      KeyedSa tx2 = add_sa(f, rng, drv::OffloadDirection::kOut, key_bytes, 0x3300 + static_cast<uint32_t>(key_bytes));
      KeyedSa rx2 = add_sa(f, rng, drv::OffloadDirection::kIn, key_bytes, 0x4400 + static_cast<uint32_t>(key_bytes));
      send_frames(f, rng, tx2, rx2, 24, false);
      until_wire_tx_sends(f, true);
      check_present(f, tx2, "before the reset");
      check_present(f, rx2, "before the reset");
      f.sim().reset();
      f.sim().run();  // the frames not yet begun go through the blank engine
      // The SA table's scrub after reset takes one clock per record (1024).
      for (int i = 0; i < 1100; ++i) f.sim().tick();
      check_gone(f, tx2, "after a reset");
      check_gone(f, rx2, "after a reset");
      f.sim().wire_tx().clear();
      f.sim().host_rx().clear();
    }
  }
}
