// The SA table's limits through the driver (issue 13): the 1,025th ADD on a table of 1,024,
// and an ADD whose bucket pair in the hashed index is full (docs/architecture.md, "The SA
// index"). The RTL and the reference model each under their own driver: every ADD must
// answer alike, the refused one as mlx5 answers a SADB_ISSUE (-EEXIST), and nothing of a
// refused SA may stay behind in the driver (image, RX handle) or the engine (counters,
// lookups by the datapath).
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <string>
#include <vector>

#include "colliding_keys.h"
#include "driver_fixture.h"
#include "engine_fixture.h"
#include "sa_frames.h"

using namespace ipsec;
using namespace ipsec::tb;

namespace {

// The engine's match key (docs/architecture.md, "The SA index") of the state `spec` gives.
model::SaKey key_of_spec(const StateSpec& spec) {
  const drv::XfrmState x = offloadable_state(spec);
  model::SaKey k;
  k.tx = spec.dir == drv::OffloadDirection::kOut;
  k.ipv6 = spec.family == Family::kIpv6;
  const size_t off = k.ipv6 ? 0 : 12;
  std::copy(x.saddr.data(), x.saddr.data() + x.saddr.size(), k.sip.begin() + off);
  std::copy(x.daddr.data(), x.daddr.data() + x.daddr.size(), k.dip.begin() + off);
  k.spi = spec.spi;
  return k;
}

// The 14 hardware counters agree and the SA counters are these.
void check_sa_counters(EngineFixture& f, uint64_t add_ok, uint64_t add_fail, uint64_t del_ok) {
  f.check_counters();
  CHECK(f.counter("ipsec_add_sa_success") == add_ok);
  CHECK(f.counter("ipsec_add_sa_fail") == add_fail);
  CHECK(f.counter("ipsec_del_sa_success") == del_ok);
  CHECK(f.counter("ipsec_del_sa_fail") == 0);
}

// What the driver holds after the failed ADD: exactly the SAs that were accepted.
void check_driver_holds(drv::IpsecDevice& dev, size_t sas, size_t rx_sas) {
  CHECK(dev.sas().size() == sas);
  CHECK(dev.images_reserved() == sas);
  CHECK(dev.rx_handles_in_use().size() == rx_sas);
  CHECK(dev.rx_handles().size() == rx_sas);
  CHECK(dev.adds_pending() == 0);
}

bool log_says(drv::IpsecDevice& dev, const std::string& text) {
  for (const drv::LogLine& l : dev.kernel_log().lines()) {
    if (l.text.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the 1,025th ADD through the driver fails -EEXIST on the RTL as on the model, leaving nothing behind") {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  EngineFixture f(seed, 0, 20);  // random delays on the register bus
  f.probe();
  REQUIRE(f.dut().caps().num_sa == 1024);
  // RX and TX, IPv4 and IPv6, 128- and 256-bit keys; SPIs in sequence. The model predicts
  // each answer (f.add checks the RTL's against it); none may be refused before the table
  // is full, which with the documented hash and keys this ordinary cannot happen.
  auto spec = [](uint32_t i) {
    StateSpec s;
    s.dir = i % 2 == 0 ? drv::OffloadDirection::kIn : drv::OffloadDirection::kOut;
    s.family = i % 3 == 0 ? Family::kIpv6 : Family::kIpv4;
    s.key_bytes = i % 4 < 2 ? 16 : 32;
    s.spi = 0x10000 + i;
    s.host = static_cast<uint8_t>(1 + i % 200);
    return s;
  };
  std::vector<drv::SaId> ids;
  size_t rx = 0;
  for (uint32_t i = 0; i < 1024; ++i) {
    auto id = f.add(offloadable_state(spec(i)));
    REQUIRE_MESSAGE(id.ok(), "ADD " << i + 1 << ": " << id.status().message());
    ids.push_back(*id);
    rx += spec(i).dir == drv::OffloadDirection::kIn;
  }
  CHECK(f.model().ctrl().sa_count() == 1024);
  check_sa_counters(f, 1024, 0, 0);

  // The 1,025th, an RX SA: the driver gives it an RX handle, and must take it back.
  const StateSpec extra = spec(1024);
  REQUIRE(extra.dir == drv::OffloadDirection::kIn);
  auto refused = f.add(offloadable_state(extra));
  CHECK(refused.status().code() == -EEXIST);
  CHECK(refused.status().message().find("SADB_ISSUE") != std::string::npos);
  CHECK(log_says(f.dut(), "IPSec command failed with syndrome 00000002"));
  check_driver_holds(f.dut(), 1024, rx);
  check_driver_holds(f.ref(), 1024, rx);
  CHECK(f.model().ctrl().sa_count() == 1024);
  CHECK_FALSE(f.model().lookup(key_of_spec(extra)));
  check_sa_counters(f, 1024, 1, 0);

  // A DEL makes room: the same state now goes in, with the RX handle the deleted SA freed.
  const drv::SaId gone = ids[10];  // an RX SA
  const uint32_t freed_handle = f.dut().find(gone)->rx_handle;
  REQUIRE(f.remove(gone).ok());
  auto id = f.add(offloadable_state(extra));
  REQUIRE_MESSAGE(id.ok(), id.status().message());
  CHECK(f.dut().find(*id)->rx_handle == freed_handle);
  check_driver_holds(f.dut(), 1024, rx);
  check_sa_counters(f, 1025, 1, 1);
  // And the table is full again.
  CHECK(f.add(offloadable_state(spec(1025))).status().code() == -EEXIST);
  check_sa_counters(f, 1025, 2, 1);
}

TEST_CASE("16 states crafted into one bucket pair: the 17th ADD fails -EEXIST through the driver, as the model predicts") {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  std::mt19937_64 rng(seed);
  EngineFixture f(seed, stall_percent(25), 20);
  f.probe();
  // Four kinds of state (TX/RX x IPv4/IPv6), each with its own addresses; SPIs searched so
  // that all fall into the bucket pair of the first.
  auto kind = [](int k) {
    StateSpec s;
    s.dir = k % 2 == 0 ? drv::OffloadDirection::kOut : drv::OffloadDirection::kIn;
    s.family = k < 2 ? Family::kIpv4 : Family::kIpv6;
    s.key_bytes = k % 3 == 0 ? 32 : 16;
    s.host = static_cast<uint8_t>(20 + k);
    return s;
  };
  StateSpec first = kind(0);
  first.spi = 0x20000;
  const BucketPair pair = bucket_pair(key_of_spec(first), 1024);
  MESSAGE("bucket pair (" << pair.a << ", " << pair.b << ")");
  std::vector<StateSpec> crowd;
  std::vector<std::vector<uint32_t>> spis;
  for (int k = 0; k < 4; ++k) spis.push_back(spis_in_pair(key_of_spec(kind(k)), 1024, pair, 5, 0x20000));
  for (size_t i = 0; i < 18; ++i) {
    StateSpec s = kind(static_cast<int>(i % 4));
    s.spi = spis[i % 4][i / 4];
    crowd.push_back(s);
  }
  REQUIRE(crowd[0].spi == 0x20000);

  std::vector<drv::SaId> ids;
  for (size_t i = 0; i < 16; ++i) {
    CAPTURE(i);
    auto id = f.add(offloadable_state(crowd[i]));
    REQUIRE_MESSAGE(id.ok(), id.status().message());
    ids.push_back(*id);
  }
  CHECK(f.model().ctrl().sa_index().load(model::IndexHalf::kA, pair.a) == 8);
  CHECK(f.model().ctrl().sa_index().load(model::IndexHalf::kB, pair.b) == 8);

  // crowd[16] is TX IPv4 (kind 0), crowd[17] RX IPv4 (kind 1): both refused.
  for (size_t i : {16, 17}) {
    CAPTURE(i);
    auto r = f.add(offloadable_state(crowd[i]));
    CHECK(r.status().code() == -EEXIST);
  }
  check_driver_holds(f.dut(), 16, 8);
  check_sa_counters(f, 16, 2, 0);

  // The datapath finds every SA of the full pair, and not the refused one: a frame for a
  // crowded TX SA is encrypted, one for the refused key is dropped (TX metadata, no SA).
  const model::SaKey crowded = key_of_spec(crowd[4]), missing = key_of_spec(crowd[16]);
  REQUIRE(crowded.tx);
  f.host_tx(tx_frame(crowded, random_bytes(rng, 64 + rng() % 400), 1), false, "an SA of the full pair");
  f.host_tx(tx_frame(missing, random_bytes(rng, 64 + rng() % 400), 1), false, "the refused SA");
  f.run_and_check();
  CHECK(f.counter("ipsec_enc_out_packets") == 1);
  CHECK(f.counter("ipsec_enc_drop_packets") == 1);

  // A DEL of one of the pair lets the refused state in; then the pair is full again.
  REQUIRE(f.remove(ids[2]).ok());
  auto id = f.add(offloadable_state(crowd[16]));
  REQUIRE_MESSAGE(id.ok(), id.status().message());
  CHECK(f.add(offloadable_state(crowd[2])).status().code() == -EEXIST);
  f.host_tx(tx_frame(missing, random_bytes(rng, 64 + rng() % 400), 2), false, "the once refused SA, now in");
  f.run_and_check();
  CHECK(f.counter("ipsec_enc_out_packets") == 2);
  check_driver_holds(f.dut(), 16, 8);
  check_sa_counters(f, 17, 3, 1);
}
