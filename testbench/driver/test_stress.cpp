// 1,000 SAs added and deleted in a random (seeded) order; after every step the model's SA
// table must be exactly the driver's view.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>

#include "driver_fixture.h"
#include "test_seed.h"

namespace drv = ipsec::driver;
namespace model = ipsec::model;
using ipsec::tb::Family;
using ipsec::tb::StateSpec;

namespace {

constexpr size_t kNumStates = 1000;

drv::XfrmState random_state(std::mt19937_64& rng, uint32_t spi) {
  StateSpec spec;
  spec.dir = rng() % 2 ? drv::OffloadDirection::kIn : drv::OffloadDirection::kOut;
  spec.family = rng() % 3 ? Family::kIpv4 : Family::kIpv6;
  spec.key_bytes = rng() % 2 ? 16 : 32;
  spec.esn = rng() % 4 == 0;
  spec.spi = spi;
  spec.host = static_cast<uint8_t>(rng());
  drv::XfrmState x = ipsec::tb::offloadable_state(spec);
  drv::Bytes key(spec.key_bytes + 4);
  for (auto& b : key) b = static_cast<uint8_t>(rng());
  x.aead->key = key;
  x.replay = {static_cast<uint32_t>(rng()), 0, static_cast<uint32_t>(rng() % 4), 0};
  return x;
}

// Every SA of the driver is in the model with the same image content, and nothing else.
std::string table_mismatch(const drv::IpsecDevice& dev, const model::CtrlModel& m) {
  if (dev.sas().size() != m.sa_count()) {
    return "driver has " + std::to_string(dev.sas().size()) + " SAs, model " +
           std::to_string(m.sa_count());
  }
  for (const auto& [id, sa] : dev.sas()) {
    const model::SaEntry* e = m.find_sa(ipsec::tb::model_key(sa));
    const std::string which = "SA spi " + std::to_string(sa.state.spi);
    if (!e) return which + " missing in the model";
    const drv::SaImageFields f =
        drv::decode_sa_image(sa.image.bytes().data(), sa.image.bytes().size());
    if (e->key_enc != f.key_enc) return which + ": key differs";
    if (e->salt_iv != f.salt_iv) return which + ": salt_iv differs";
    const uint32_t salt = uint32_t{e->salt[0]} << 24 | uint32_t{e->salt[1]} << 16 |
                          uint32_t{e->salt[2]} << 8 | e->salt[3];
    if (salt != f.salt) return which + ": salt differs";
    if (e->sw_sa_handle != sa.rx_handle) return which + ": handle differs";
    if (e->flags != f.flags) return which + ": flags differ";
    if (e->enc_mode != f.enc_mode) return which + ": enc_mode differs";
    if (e->esn != f.esn) return which + ": esn differs";
  }
  return "";
}

}  // namespace

TEST_CASE("1000 SAs added and deleted in random order: device and driver always agree") {
  const uint64_t seed = ipsec::tb::test_seed();
  std::mt19937_64 rng(seed);
  drv::DeviceOptions options;
  options.seq_iv = drv::seeded_seq_iv(seed);
  ipsec::tb::DriverOnModel f(model::CtrlModelConfig{}, options);
  REQUIRE(f.device.probe().ok());

  std::vector<drv::XfrmState> states;
  for (uint32_t i = 0; i < kNumStates; ++i) states.push_back(random_state(rng, 0x10000 + i));
  std::shuffle(states.begin(), states.end(), rng);

  std::vector<drv::SaId> live;
  size_t next = 0;
  size_t steps = 0;
  while (next < states.size() || !live.empty()) {
    const bool add = next < states.size() && (live.empty() || rng() % 10 < 6);
    if (add) {
      // The lowest RX handle not in use before this add.
      uint32_t expected_handle = 1;
      while (f.device.find_rx(expected_handle)) ++expected_handle;
      const drv::XfrmState& x = states[next++];
      const auto id = f.device.add_state(x);
      REQUIRE_MESSAGE(id.ok(), id.status().to_string(), " (", ipsec::tb::seed_hint(), ")");
      const drv::OffloadedSa* sa = f.device.find(*id);
      CHECK(sa->rx_handle == (x.inbound() ? expected_handle : 0u));
      live.push_back(*id);
    } else {
      const size_t pick = rng() % live.size();
      REQUIRE(f.device.delete_state(live[pick]).ok());
      live[pick] = live.back();
      live.pop_back();
    }
    ++steps;
    const std::string mismatch = table_mismatch(f.device, f.model);
    REQUIRE_MESSAGE(mismatch.empty(), "step ", steps, ": ", mismatch, " (",
                    ipsec::tb::seed_hint(), ")");
  }
  CHECK(steps == 2 * kNumStates);
  CHECK(f.model.sa_count() == 0);
  CHECK(f.device.rx_handles().empty());
  CHECK(f.model.counter(model::CtrlCounter::kAddSaSuccess) == kNumStates);
  CHECK(f.model.counter(model::CtrlCounter::kDelSaSuccess) == kNumStates);
  CHECK(f.model.counter(model::CtrlCounter::kAddSaFail) == 0);
}
