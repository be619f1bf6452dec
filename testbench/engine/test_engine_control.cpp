// The driver against the RTL control plane (issue: control plane): probe, validation,
// SA add/delete/modify agreeing with the reference model step by step, ESN across the
// 2^31 and 2^32 boundaries, keys never readable, and the cost of one ADD.
#include <doctest/doctest.h>

#include <iostream>
#include <random>
#include <set>

#include "driver_fixture.h"
#include "engine_fixture.h"
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
