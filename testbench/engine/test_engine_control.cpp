// The driver against the RTL control plane (issue: control plane): probe, validation,
// SA add/delete/modify agreeing with the reference model step by step, ESN across the
// 2^31 and 2^32 boundaries, keys never readable, and the cost of one ADD.
#include <doctest/doctest.h>

#include <iostream>
#include <random>
#include <set>

#include "driver_fixture.h"
#include "engine_fixture.h"
#include "esp_checks.h"
#include "validation_rules.h"

using namespace ipsec;
using namespace ipsec::tb;

TEST_CASE("the driver probes the RTL: identity, capabilities, SET_CAP granted") {
  EngineFixture f(test_seed());
  f.probe();
  CHECK(f.dut().identity().vendor_id == 0x2c9);
  CHECK(f.dut().caps().v2_command);
  CHECK(f.dut().caps().esn);
  CHECK(f.dut().caps().ipv6);
  CHECK(f.dut().caps().rx_no_trailer);
  CHECK(f.dut().rx_no_trailer());
  CHECK(f.dut().granted_caps() == f.ref().granted_caps());
}

TEST_CASE("each refused state gives the contract's message and sends no command to the RTL") {
  EngineFixture f(test_seed());
  f.probe();
  for (const Rule& rule : kRules) {
    drv::XfrmState x = offloadable_state();
    drv::DeviceCaps caps = f.dut().caps();
    rule.break_it(x, caps);
    CAPTURE(rule.number);
    const uint64_t writes = f.sim().bus_writes();
    auto r = f.dut().add_state(x);
    if (rule.number == 4 || rule.number == 15) {
      // The RTL offers ESN and IPv6: these states offload (the refusals are tested against
      // devices without the capability in the driver's own tests).
      CHECK(r.ok());
      continue;
    }
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == -EINVAL);
    CHECK(r.status().message() == rule.message);
    CHECK(f.sim().bus_writes() == writes);
  }
}

TEST_CASE("1,000 SAs added and deleted in random order agree with the model at every step") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  EngineFixture f(seed, 0, 30);  // random delays on the register bus
  f.probe();
  std::vector<drv::SaId> live;
  std::set<uint32_t> used_spi;
  int adds = 0;
  while (adds < 1000 || !live.empty()) {
    const bool add = adds < 1000 && (live.empty() || rng() % 3 != 0);
    if (add) {
      StateSpec s;
      s.dir = rng() % 2 ? drv::OffloadDirection::kIn : drv::OffloadDirection::kOut;
      s.family = rng() % 4 == 0 ? Family::kIpv6 : Family::kIpv4;
      s.key_bytes = rng() % 2 ? 32 : 16;
      do s.spi = static_cast<uint32_t>(rng()); while (!used_spi.insert(s.spi).second);
      s.host = static_cast<uint8_t>(rng());
      s.esn = rng() % 4 == 0;
      auto r = f.add(offloadable_state(s));
      REQUIRE_MESSAGE(r.ok(), r.status().message() << "; " << seed_hint());
      live.push_back(*r);
      ++adds;
    } else {
      const size_t i = rng() % live.size();
      REQUIRE(f.remove(live[i]).ok());
      live.erase(live.begin() + static_cast<long>(i));
    }
    // The driver's view of the table is the model's, entry for entry.
    REQUIRE(f.dut().sas().size() == f.model().ctrl().sa_count());
    REQUIRE(f.dut().rx_handles() == f.ref().rx_handles());
  }
  f.check_counters();
  CHECK(f.counter("ipsec_add_sa_success") == 1000);
  CHECK(f.counter("ipsec_del_sa_success") == 1000);
}

TEST_CASE("a duplicate SA and a delete of an unknown one fail in the RTL as in the model") {
  EngineFixture f(test_seed());
  f.probe();
  auto a = f.add(tx_state(0x1234));
  REQUIRE(a.ok());
  // Same key, different key material: a different image, so the driver sends it and the
  // table refuses it (SADB_ISSUE -> -EEXIST).
  drv::XfrmState x = tx_state(0x1234);
  REQUIRE(x.attach_aead({drv::kAeadRfc4106Gcm, test_key_material(16, 0x77), 128}).ok());
  auto b = f.add(x);
  CHECK(b.status().code() == -EEXIST);
  f.check_counters();
  CHECK(f.counter("ipsec_add_sa_fail") == 1);
}

TEST_CASE("no key byte can be read back from any register") {
  EngineFixture f(test_seed());
  f.probe();
  StateSpec s;
  s.key_bytes = 32;
  REQUIRE(f.add(offloadable_state(s)).ok());
  const drv::Bytes key = test_key_material(32);
  for (uint32_t addr = 0; addr < 0x1000; addr += 4) {
    uint32_t v = 0;
    f.sim().bus().read32(addr, v);
    for (size_t i = 0; i + 4 <= 32; ++i) {
      const uint32_t be = uint32_t{key[i]} << 24 | uint32_t{key[i + 1]} << 16 | uint32_t{key[i + 2]} << 8 | key[i + 3];
      CHECK_MESSAGE(v != be, "key bytes at register 0x" << std::hex << addr);
    }
  }
}

TEST_CASE("one ADD_SA_V2 costs at most 45 register writes and 400 clocks") {
  EngineFixture f(test_seed());
  f.probe();
  const uint64_t writes = f.sim().bus_writes(), cycles = f.sim().cycles();
  REQUIRE(f.add(tx_state()).ok());
  const uint64_t w = f.sim().bus_writes() - writes, c = f.sim().cycles() - cycles;
  MESSAGE("ADD_SA_V2: " << w << " register writes, " << c << " clocks");
  CHECK(w <= 45);
  CHECK(c <= 400);
}

TEST_CASE("unaligned register accesses reach the containing word, in the RTL as in the model") {
  // The register block decodes address bits [11:2] and ignores bits [1:0]; the model does
  // the same (docs/architecture.md, "Register access rules"). Here on the whole engine's
  // AXI4-Lite port, after a probe, so that the control plane has state worth reading.
  EngineFixture f(test_seed());
  f.probe();
  auto& rtl = f.sim().bus();
  auto& ref = f.model();
  for (uint32_t addr = 0; addr < 0x280; addr += 4) {
    for (uint32_t k = 0; k < 4; ++k) {
      uint32_t a = 0xDEADBEEF, b = 0xDEADBEEF;
      const auto sa = rtl.read32(addr + k, a);
      const auto sb = ref.read32(addr + k, b);
      INFO("read of 0x" << std::hex << addr + k);
      CHECK(static_cast<int>(sa) == static_cast<int>(sb));
      CHECK(a == b);
    }
  }
  for (uint32_t k = 1; k < 4; ++k) {
    INFO("offset " << k);
    uint32_t a = 0, b = 0;
    // CONTROL.FWD_BAD_FRAMES written through an unaligned address, and a read-only
    // register refusing one.
    CHECK(rtl.write32(0x040 + k, 2) == driver::BusStatus::kOk);
    CHECK(ref.write32(0x040 + k, 2) == driver::BusStatus::kOk);
    CHECK(rtl.read32(0x040, a) == driver::BusStatus::kOk);
    CHECK(ref.read32(0x040, b) == driver::BusStatus::kOk);
    CHECK(a == b);
    CHECK((a & 2u) == 2u);
    CHECK(rtl.write32(0x040, a & ~2u) == driver::BusStatus::kOk);
    CHECK(ref.write32(0x040, b & ~2u) == driver::BusStatus::kOk);
    CHECK(rtl.write32(0x000 + k, 0) == driver::BusStatus::kSlvErr);
    CHECK(ref.write32(0x000 + k, 0) == driver::BusStatus::kSlvErr);
  }
}

// ---- ESN on the whole engine (contract sections 3, 6, 7; RFC 4303 appendix A) --------------
//
// Every expected seq_hi below is worked out by hand from the contract and written as a
// literal: the RX side takes SN_hi = esn while ESN_OVERLAP is clear; with it set, esn for
// SN_lo >= 2^31 and esn + 1 for SN_lo < 2^31 (the window's bottom is in the upper half, so
// a low SN_lo has wrapped into the next 2^32 subspace). The driver derives esn and the
// overlap from the replay state: seq_bottom = seq - window + 1, overlap once it is >= 2^31.

namespace {

// The SA match fields of an offloaded SA as a frame must carry them.
PacketSpec packet_for(EngineFixture& f, drv::SaId id, std::mt19937_64& rng) {
  const model::SaKey key = f.key_of(id);
  PacketSpec p;
  p.ipv6 = key.ipv6;
  p.src = key.sip;
  p.dst = key.dip;
  p.payload = random_bytes(rng, 40 + rng() % 200);
  return p;
}

// A peer's ESP frame for RX SA `id`, sealed with the 64-bit sequence number `sn`: the ESP
// header carries its low half, the AAD SPI || SN_hi || SN_lo (RFC 4106 section 5).
Bytes peer_frame(EngineFixture& f, drv::SaId id, uint64_t sn, std::mt19937_64& rng) {
  const model::SaKey key = f.key_of(id);
  const model::SaContext ctx = *f.model().lookup(key);  // key and salt only
  REQUIRE(ctx.esn_en);
  EspSpec e;
  e.spi = key.spi;
  e.seq = sn;
  return wire_esp_frame(ip_packet(packet_for(f, id, rng)), e, ctx);
}

drv::SaId add_esn_rx(EngineFixture& f, uint32_t spi, uint8_t host, drv::XfrmReplayState replay) {
  StateSpec s;
  s.dir = drv::OffloadDirection::kIn;
  s.spi = spi;
  s.host = host;
  s.esn = true;
  s.replay_window = 64;
  drv::XfrmState x = offloadable_state(s);
  x.replay = replay;
  auto id = f.add(x);
  REQUIRE_MESSAGE(id.ok(), id.status().message());
  return *id;
}

struct EsnCase {
  const char* what;
  int sa;        // index into the test's SAs
  uint64_t sn;   // the peer's 64-bit sequence number
  bool decrypts; // the engine's seq_hi equals SN_hi: the ICV verifies
};

// Sends one frame, runs, checks it against the model and the literal expectation.
void expect_esn_fate(EngineFixture& f, drv::SaId id, const EsnCase& c, std::mt19937_64& rng) {
  CAPTURE(c.what);
  const uint64_t out0 = f.counter("ipsec_dec_out_packets"), fail0 = f.counter("ipsec_dec_auth_fail_packets");
  f.wire_rx(peer_frame(f, id, c.sn, rng), false, c.what);
  f.run_and_check();
  INFO(seed_hint());
  CHECK(f.counter("ipsec_dec_out_packets") - out0 == (c.decrypts ? 1u : 0u));
  CHECK(f.counter("ipsec_dec_auth_fail_packets") - fail0 == (c.decrypts ? 0u : 1u));
}

}  // namespace

TEST_CASE("ESN RX: seq_hi is the SA's esn, or esn + 1 for a low half SN when the overlap bit is set") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  EngineFixture f(seed, stall_percent(25));
  f.probe();
  // Window 64. Replay seq 0x100, seq_hi 5: bottom 0xC1 < 2^31, so esn 5, no overlap.
  // Replay seq 0x90000000, seq_hi 7: bottom 0x8FFFFFC1 >= 2^31, so esn 7, overlap.
  const drv::SaId sas[2] = {add_esn_rx(f, 0x4e01, 31, {0x100, 0, 5, 0}),
                            add_esn_rx(f, 0x4e02, 32, {0x90000000, 0, 7, 0})};
  CHECK(f.dut().find(sas[0])->attrs.esn == drv::EsnState{true, false, 5});
  CHECK(f.dut().find(sas[1])->attrs.esn == drv::EsnState{true, true, 7});
  auto image_of = [&](drv::SaId id) {
    const auto& bytes = f.dut().find(id)->image.bytes();
    return drv::decode_sa_image(bytes.data(), bytes.size());
  };
  const drv::SaImageFields img0 = image_of(sas[0]), img1 = image_of(sas[1]);
  CHECK(img0.flags == 0x71);  // RX IPv4 + ESN_EN (contract section 3)
  CHECK(img0.esn == 5);
  CHECK(img1.flags == 0x73);  // + ESN_OVERLAP
  CHECK(img1.esn == 7);
  const EsnCase cases[] = {
      {"no overlap: SN 5:0x00000101 above the window", 0, 0x0000000500000101, true},
      {"no overlap: the whole 32-bit space is subspace 5", 0, 0x00000005F0000000, true},
      {"no overlap: SN_hi 6 is never inferred", 0, 0x0000000600000010, false},
      {"no overlap: SN_hi 4 is never inferred", 0, 0x00000004FFFFFFF0, false},
      {"overlap: SN_lo >= 2^31 takes esn 7", 1, 0x0000000790000001, true},
      {"overlap: SN_lo = 2^31 exactly takes esn 7", 1, 0x0000000780000000, true},
      {"overlap: SN_lo < 2^31 has wrapped, esn + 1 = 8", 1, 0x0000000800000005, true},
      {"overlap: SN_lo = 2^31 - 1 has wrapped too", 1, 0x000000087FFFFFFF, true},
      {"overlap: SN 7:0x00000005 is read as 8:0x00000005", 1, 0x0000000700000005, false},
      {"overlap: SN 8:0x90000002 is read as 7:0x90000002", 1, 0x0000000890000002, false},
  };
  for (const EsnCase& c : cases) expect_esn_fate(f, sas[c.sa], c, rng);
  f.check_counters();
  CHECK(f.counter("ipsec_dec_in_packets") == 10);
  CHECK(f.counter("ipsec_dec_out_packets") == 6);
  CHECK(f.counter("ipsec_dec_auth_fail_packets") == 4);
}

TEST_CASE("ESN TX across 2^32: the IV carries all 64 bits, the ESP header the low 32, the AAD both") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  EngineFixture f(seed, stall_percent(25));
  f.probe();
  StateSpec s;
  s.spi = 0x4e10;
  s.host = 33;
  s.esn = true;
  auto id = f.add(offloadable_state(s));
  REQUIRE(id.ok());
  const model::SaContext ctx = *f.model().lookup(f.key_of(*id));
  REQUIRE(ctx.esn_en);
  struct TxCase {
    uint64_t sn;
    std::array<uint8_t, 4> esp_sn;  // the ESP header's sequence number field
    std::array<uint8_t, 8> iv;      // the IV the driver wrote (contract section 6)
  };
  const TxCase cases[] = {
      {0x00000000FFFFFFFE, {0xFF, 0xFF, 0xFF, 0xFE}, {0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFE}},
      {0x00000000FFFFFFFF, {0xFF, 0xFF, 0xFF, 0xFF}, {0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF}},
      {0x0000000100000000, {0x00, 0x00, 0x00, 0x00}, {0, 0, 0, 1, 0x00, 0x00, 0x00, 0x00}},
      {0x0000000100000001, {0x00, 0x00, 0x00, 0x01}, {0, 0, 0, 1, 0x00, 0x00, 0x00, 0x01}},
      {0x000000027FFFFFFF, {0x7F, 0xFF, 0xFF, 0xFF}, {0, 0, 0, 2, 0x7F, 0xFF, 0xFF, 0xFF}},
  };
  for (const TxCase& c : cases) {
    CAPTURE(c.sn);
    INFO(seed_hint());
    const PacketSpec p = packet_for(f, *id, rng);
    EspSpec e;
    e.spi = s.spi;
    e.seq = c.sn;
    const Bytes host = host_esp_frame(ip_packet(p), e);
    const model::FrameResult want = f.model().host_tx(host);
    f.sim().host_tx(host);
    f.sim().run();
    REQUIRE(f.sim().wire_tx().size() == 1);
    const Bytes wire = f.sim().wire_tx().front().data;
    f.sim().wire_tx().clear();
    REQUIRE(want.out);
    CHECK_MESSAGE(first_difference(wire, *want.out) == "", first_difference(wire, *want.out));
    constexpr size_t kEsp = 14 + 20;  // Ethernet, IPv4 header
    REQUIRE(wire.size() > kEsp + 16);
    CHECK(Bytes(wire.begin() + kEsp + 4, wire.begin() + kEsp + 8) == Bytes(c.esp_sn.begin(), c.esp_sn.end()));
    CHECK(Bytes(wire.begin() + kEsp + 8, wire.begin() + kEsp + 16) == Bytes(c.iv.begin(), c.iv.end()));
    // EVP opens it only with AAD = SPI || SN_hi || SN_lo (RFC 4106 section 5).
    CHECK(verify_wire_frame(host, wire, ctx, c.sn, esp_next_proto(ip_packet(p), EspMode::kTransport)) == "");
  }
  f.check_counters();
  CHECK(f.counter("ipsec_enc_out_packets") == 5);
}

TEST_CASE("ESN RX under MOD_SA_V2: frames before the update take the old seq_hi, frames after the new") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  EngineFixture f(seed, stall_percent(25));
  f.probe();
  // Replay seq 0x7FFFFF00, seq_hi 0: bottom 0x7FFFFEC1 < 2^31, esn 0, no overlap.
  const drv::SaId id = add_esn_rx(f, 0x4e20, 34, {0x7FFFFF00, 0, 0, 0});
  CHECK(f.dut().find(id)->attrs.esn == drv::EsnState{true, false, 0});
  // Stable: SN 0:0x800000xx takes seq_hi 0 under both the old and the new state.
  // Wrapped: SN 1:0x000000xx takes seq_hi 1 only once the overlap bit is set.
  auto stable = [](uint32_t i) { return uint64_t{0x80000010} + i; };
  auto wrapped = [](uint32_t i) { return uint64_t{0x0000000100000010} + i; };
  auto outs = [&] { return f.counter("ipsec_dec_out_packets"); };
  auto fails = [&] { return f.counter("ipsec_dec_auth_fail_packets"); };

  // Before: the wrapped frame is read as 0:0x00000010 and fails.
  f.wire_rx(peer_frame(f, id, wrapped(0), rng), false, "wrapped before the update");
  f.wire_rx(peer_frame(f, id, stable(0), rng), false, "stable before the update");
  f.run_and_check();
  CHECK(outs() == 1);
  CHECK(fails() == 1);

  // Stable frames flow while the driver sends MOD_SA_V2: the replay window's top reaches
  // 0x80000040, bottom 0x80000001 >= 2^31, so overlap 1, esn 0.
  constexpr uint32_t kDuring = 40;
  for (uint32_t i = 1; i <= kDuring; ++i) f.wire_rx(peer_frame(f, id, stable(i), rng), false, "stable during");
  for (int i = 0; i < 300; ++i) f.sim().tick();
  CHECK(f.sim().wire_rx_waiting() > 0);  // the update really happens under traffic
  const drv::XfrmReplayState moved{0x80000040, 0, 0, 0};
  REQUIRE(f.dut().advance_esn(id, moved).ok());
  REQUIRE(f.ref().advance_esn(id, moved).ok());
  CHECK(f.dut().find(id)->attrs.esn == drv::EsnState{true, true, 0});
  CHECK(f.model().lookup(f.key_of(id))->esn_overlap);
  // After: wrapped frames take esn + 1 = 1 and decrypt.
  for (uint32_t i = 1; i <= 10; ++i) {
    f.wire_rx(peer_frame(f, id, wrapped(i), rng), false, "wrapped after the update");
    f.wire_rx(peer_frame(f, id, stable(kDuring + i), rng), false, "stable after");
  }
  f.run_and_check();
  CHECK(outs() == 1 + kDuring + 20);
  CHECK(fails() == 1);

  // The window's top passes 2^32: seq 0x50, seq_hi 1, bottom 0x11 < 2^31: overlap clears
  // and esn becomes 1. SN 1:0x60 decrypts; 0:0x80000010 is now read as 1:0x80000010, and
  // 2:0x10 as 1:0x10: both fail.
  const drv::XfrmReplayState wrapped_top{0x50, 0, 1, 0};
  REQUIRE(f.dut().advance_esn(id, wrapped_top).ok());
  REQUIRE(f.ref().advance_esn(id, wrapped_top).ok());
  CHECK(f.dut().find(id)->attrs.esn == drv::EsnState{true, false, 1});
  f.wire_rx(peer_frame(f, id, 0x0000000100000060, rng), false, "1:0x60 after the wrap");
  f.wire_rx(peer_frame(f, id, 0x0000000080000010, rng), false, "0:0x80000010 after the wrap");
  f.wire_rx(peer_frame(f, id, 0x0000000200000010, rng), false, "2:0x10 after the wrap");
  f.run_and_check();
  CHECK(outs() == 1 + kDuring + 20 + 1);
  CHECK(fails() == 1 + 2);
  f.check_counters();
}
