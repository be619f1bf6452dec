// The whole engine's datapath (issue: ESP datapath): random traffic in both directions at
// once with random stalls on every port, SAs added and deleted while frames flow, every
// frame and counter against the reference model; and interoperation with plain OpenSSL.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>

#include "driver_fixture.h"
#include "engine_fixture.h"
#include "esp_checks.h"
#include "random_states.h"

using namespace ipsec;
using namespace ipsec::tb;

namespace {

// The SAs the datapath holds now, as the stimulus generator wants them.
model::SaTable live_table(const model::EngineModel& m, const std::set<model::SaKey>& except = {}) {
  model::SaTable t;
  for (const model::SaEntry& e : m.ctrl().sas()) {
    if (except.count(e.key)) continue;
    t[e.key] = *m.lookup(e.key);
  }
  return t;
}

// A random state of one kind (frame_coverage.h): family, mode, key length and ESN as asked.
drv::XfrmState state_of_kind(std::mt19937_64& rng, bool in, const SaKind& kind) {
  StateSpec s;
  s.dir = in ? drv::OffloadDirection::kIn : drv::OffloadDirection::kOut;
  s.family = kind.ipv6 ? Family::kIpv6 : Family::kIpv4;
  s.key_bytes = kind.key256 ? 32 : 16;
  s.spi = static_cast<uint32_t>(rng()) | 1u;
  s.host = static_cast<uint8_t>(rng());
  s.esn = kind.esn;
  drv::XfrmState x = offloadable_state(s);
  drv::Bytes key;
  for (size_t i = 0; i < s.key_bytes + 4; ++i) key.push_back(static_cast<uint8_t>(rng()));
  (void)x.attach_aead({drv::kAeadRfc4106Gcm, key, 128});
  x.mode = kind.tunnel ? drv::XfrmMode::kTunnel : drv::XfrmMode::kTransport;
  return x;
}

}  // namespace

// Functional coverage (docs/coverage.md) counts this test's frames: at each stall level the
// SA table holds an SA of each of the 16 kinds both ways, and the first round begins with a
// sweep (RandomFrames::sweep_tx/rx: every fate x size bucket x kind, random order).
TEST_CASE("random frames of every fate, size and SA kind, both ways at stall 0, 25 and 60 %, SAs changing under traffic, match the model") {
  const uint64_t seed = test_seed();
  // IPSEC_STALL, if set, runs one level: that one.
  const std::vector<int> levels = stall_levels();
  constexpr int kRounds = 3, kPerRound = 1000;
  uint64_t total_frames = 0;
  for (size_t level = 0; level < levels.size(); ++level) {
    const int stall = levels[level];
    CAPTURE(stall);
    const uint64_t level_seed = seed + 1000 * level;
    std::mt19937_64 rng(level_seed);
    EngineFixture f(level_seed, stall, 20);
    f.record_coverage("engine random frames");
    f.probe();
    // One SA of each kind each way stays all along; the others come and go.
    for (int k = 0; k < 32; ++k) {
      const SaKind kind{(k & 8) != 0, (k & 4) != 0, (k & 2) != 0, (k & 1) != 0};
      REQUIRE(f.add(state_of_kind(rng, k & 16, kind)).ok());
    }
    std::vector<drv::SaId> live;
    for (int i = 0; i < 8; ++i) {
      auto r = f.add(random_state(rng, i % 2));
      REQUIRE(r.ok());
      live.push_back(*r);
    }
    uint64_t sent_tx = 0, sent_rx = 0;
    for (int round = 0; round < kRounds; ++round) {
      // Some SAs go while this round's frames flow: the frames never use them.
      std::set<model::SaKey> going;
      std::vector<drv::SaId> to_delete;
      for (int i = 0; i < 3 && live.size() > 4; ++i) {
        const size_t k = rng() % live.size();
        going.insert(f.key_of(live[k]));
        to_delete.push_back(live[k]);
        live.erase(live.begin() + static_cast<long>(k));
      }
      RandomFrames gen(level_seed + static_cast<uint64_t>(round), live_table(f.model(), going));
      gen.set_modes(f.modes());
      std::vector<GeneratedFrame> sweep_tx, sweep_rx;
      if (round == 0) {
        sweep_tx = gen.sweep_tx();
        sweep_rx = gen.sweep_rx();
      }
      // kPerRound random frames each way, and the sweep's frames spread among them at random.
      size_t left_tx = kPerRound + sweep_tx.size(), left_rx = kPerRound + sweep_rx.size();
      size_t at_tx = 0, at_rx = 0;
      while (left_tx + left_rx > 0) {
        if (left_tx > 0) {
          const bool swept = rng() % left_tx < sweep_tx.size() - at_tx;
          const GeneratedFrame tx = swept ? sweep_tx[at_tx++] : gen.next_tx();
          f.host_tx(tx.frame, tx.tuser, to_string(tx.cls));
          --left_tx;
          ++sent_tx;
        }
        if (left_rx > 0) {
          const bool swept = rng() % left_rx < sweep_rx.size() - at_rx;
          const GeneratedFrame rx = swept ? sweep_rx[at_rx++] : gen.next_rx();
          f.wire_rx(rx.frame, rx.tuser, to_string(rx.cls));
          --left_rx;
          ++sent_rx;
        }
      }
      // Let traffic start, then change the table while it flows.
      for (int i = 0; i < 2000; ++i) f.sim().tick();
      for (drv::SaId id : to_delete) REQUIRE(f.remove(id).ok());
      for (int i = 0; i < 3; ++i) {
        auto r = f.add(random_state(rng, rng() % 2));
        REQUIRE(r.ok());
        live.push_back(*r);
      }
      f.run_and_check();
    }
    f.check_counters();
    // Conservation (contract section 4): every frame ended exactly once.
    const uint64_t rx_end = f.counter("ipsec_dec_out_packets") + f.counter("ipsec_dec_bypass_packets") +
                            f.counter("ipsec_dec_drop_packets") + f.counter("ipsec_dec_auth_fail_packets");
    const uint64_t tx_end = f.counter("ipsec_enc_out_packets") + f.counter("ipsec_enc_bypass_packets") +
                            f.counter("ipsec_enc_drop_packets");
    CHECK(rx_end == sent_rx);
    CHECK(tx_end == sent_tx);
    MESSAGE("stall " << stall << " %: " << f.sim().cycles() << " clocks for " << sent_tx + sent_rx << " frames");
    total_frames += sent_tx + sent_rx;
  }
  MESSAGE(total_frames << " frames");
}

TEST_CASE("frames the RTL encrypts decrypt with plain OpenSSL, and OpenSSL's decrypt in the RTL") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  EngineFixture f(seed, stall_percent(25));
  f.probe();
  for (bool ipv6 : {false, true}) {
    for (size_t key_bytes : {16, 32}) {
      CAPTURE(ipv6);
      CAPTURE(key_bytes);
      StateSpec s;
      s.family = ipv6 ? Family::kIpv6 : Family::kIpv4;
      s.key_bytes = key_bytes;
      s.spi = 0x5000 + static_cast<uint32_t>(key_bytes);
      auto id = f.add(offloadable_state(s));
      REQUIRE(id.ok());
      const model::SaKey key = f.key_of(*id);
      const model::SaContext ctx = *f.model().lookup(key);
      // TX: the host's frame, encrypted by the RTL, opened with EVP.
      PacketSpec p;
      p.ipv6 = ipv6;
      p.src = key.sip;
      p.dst = key.dip;
      p.payload = random_bytes(rng, 200 + key_bytes);
      EspSpec e;
      e.spi = s.spi;
      e.seq = 0x1234567;
      const Bytes host = host_esp_frame(ip_packet(p), e);
      f.host_tx(host, false, "interop");
      f.sim().run();
      REQUIRE(f.sim().wire_tx().size() == 1);
      const Bytes wire = f.sim().wire_tx().front().data;
      f.sim().wire_tx().clear();
      CHECK(verify_wire_frame(host, wire, ctx, e.seq, esp_next_proto(ip_packet(p), EspMode::kTransport)) == "");
    }
  }
  // RX: a peer's frame sealed with OpenSSL (through the stimulus builder, which calls EVP),
  // decrypted by the RTL: the host gets the plaintext back.
  StateSpec s;
  s.dir = drv::OffloadDirection::kIn;
  s.spi = 0x7000;
  auto id = f.add(offloadable_state(s));
  REQUIRE(id.ok());
  const model::SaKey key = f.key_of(*id);
  const model::SaContext ctx = *f.model().lookup(key);
  PacketSpec p;
  p.src = key.sip;
  p.dst = key.dip;
  p.payload = random_bytes(rng, 333);
  EspSpec e;
  e.spi = s.spi;
  const Bytes wire = wire_esp_frame(ip_packet(p), e, ctx);
  f.sim().wire_rx(wire);
  f.sim().run();
  REQUIRE(f.sim().host_rx().size() == 1);
  const Bytes host = f.sim().host_rx().front().data;
  const Bytes inner = decapsulate(host, f.dut().rx_no_trailer(), EspMode::kTransport);
  CHECK_MESSAGE(frame_difference(inner, ethernet_ip(ip_packet(p))) == "", frame_difference(inner, ethernet_ip(ip_packet(p))));
}

TEST_CASE("reset mid-traffic: no partial frame leaves, SA table, keys and counters clear, traffic resumes") {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (uint64_t cut : {7u, 40u, 333u}) {
    CAPTURE(cut);
    INFO(seed_hint());
    EngineFixture f(seed, stall_percent(25));
    f.probe();
    auto tx = f.add(random_state(rng, false));
    auto rx = f.add(random_state(rng, true));
    REQUIRE(tx.ok());
    REQUIRE(rx.ok());
    const model::SaKey tx_key = f.key_of(*tx), rx_key = f.key_of(*rx);
    const model::SaContext rx_ctx = *f.model().lookup(rx_key);
    RandomFrames gen(seed, live_table(f.model()));
    constexpr size_t kFrames = 40;
    std::vector<Bytes> txs, rxs;
    for (size_t i = 0; i < kFrames; ++i) {
      txs.push_back(gen.next_tx().frame);
      rxs.push_back(gen.next_rx().frame);
      f.sim().host_tx(txs.back());
      f.sim().wire_rx(rxs.back());
    }
    for (uint64_t i = 0; i < cut; ++i) f.sim().tick();
    f.sim().reset();
    const size_t before[2] = {f.sim().wire_tx().size(), f.sim().host_rx().size()};
    // The frames not yet begun when the reset came (the last ones queued; the one half sent
    // is lost) enter an engine that must have forgotten everything: no SA, no SET_CAP grant,
    // counters at 0. A model fresh from reset predicts each of them and every count.
    const size_t waiting[2] = {f.sim().host_tx_waiting(), f.sim().wire_rx_waiting()};
    REQUIRE(waiting[0] <= kFrames);
    REQUIRE(waiting[1] <= kFrames);
    model::EngineModel blank;
    std::deque<std::pair<Bytes, bool>> want[2];  // data, tuser
    const model::SaLookup no_sa = [](const model::SaKey&) { return std::optional<model::SaContext>(); };
    for (size_t i = kFrames - waiting[0]; i < kFrames; ++i) {
      const auto aborted = EngineFixture::tx_aborted(txs[i], false, no_sa, blank.control());
      if (auto o = blank.host_tx(txs[i]).out) {
        want[0].push_back({*o, false});
      } else if (aborted) {
        want[0].push_back({*aborted, true});
      }
    }
    for (size_t i = kFrames - waiting[1]; i < kFrames; ++i) {
      if (auto o = blank.wire_rx(rxs[i]).out) want[1].push_back({*o, false});
    }
    f.sim().run();
    // Each frame that leaves after the reset is the fresh model's: none is a piece of a
    // frame cut by the reset, none was encrypted or decrypted with a key from before.
    int q_index = 0;
    for (auto* q : {&f.sim().wire_tx(), &f.sim().host_rx()}) {
      CAPTURE(q_index);
      for (size_t i = before[q_index]; i < q->size(); ++i) {
        const sim::OutFrame& o = (*q)[i];
        REQUIRE_MESSAGE(!want[q_index].empty(), "a frame the fresh engine drops left: " << describe(o.data));
        CHECK(o.user == want[q_index].front().second);  // tuser: the MAC discards it
        CHECK_MESSAGE(first_difference(o.data, want[q_index].front().first) == "",
                      first_difference(o.data, want[q_index].front().first));
        want[q_index].pop_front();
      }
      CHECK_MESSAGE(want[q_index].empty(), want[q_index].size() << " frames predicted never left");
      q->clear();
      ++q_index;
    }
    // A new driver instance probes the engine from scratch; its counters are those of the
    // fresh model, which began at 0: nothing from before the reset survived.
    driver::IpsecDevice again(f.sim().bus(), EngineFixture::device_options(seed));
    driver::IpsecDevice again_ref(blank, EngineFixture::device_options(seed));
    REQUIRE(again.probe().ok());
    REQUIRE(again_ref.probe().ok());
    auto count = [](driver::IpsecDevice& d, const std::string& name) -> uint64_t {
      auto stats = d.ethtool_stats();
      REQUIRE(stats.ok());
      for (const auto& st : stats.value()) {
        if (st.name == name) return st.value;
      }
      FAIL("no counter " << name);
      return 0;
    };
    // `except`: a counter only the RTL was given cause to move (checked literally instead).
    auto same_counters = [&](const std::string& except) {
      auto a = again.ethtool_stats(), b = again_ref.ethtool_stats();
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      for (size_t i = 0; i < 14; ++i) {
        INFO(a.value()[i].name);
        if (a.value()[i].name == except) continue;
        CHECK(a.value()[i].value == b.value()[i].value);
      }
    };
    same_counters("");
    for (const char* zero : {"ipsec_add_sa_success", "ipsec_add_sa_fail", "ipsec_del_sa_success",
                             "ipsec_del_sa_fail", "ipsec_cmd_drop", "ipsec_enc_out_packets",
                             "ipsec_dec_in_packets", "ipsec_dec_out_packets", "ipsec_dec_auth_fail_packets"}) {
      CAPTURE(zero);
      CHECK(count(again, zero) == 0);
    }
    // Every count since the reset is one of the frames that entered after it (section 4).
    CHECK(count(again, "ipsec_enc_bypass_packets") + count(again, "ipsec_enc_drop_packets") == waiting[0]);
    CHECK(count(again, "ipsec_dec_bypass_packets") + count(again, "ipsec_dec_drop_packets") == waiting[1]);

    // The SA table is empty: the DEL of each old SA, its full image as stored, is refused
    // (SADB_ISSUE -> -EEXIST, contract section 3) and counted as a failed delete.
    CHECK(f.dut().delete_state(*tx).code() == -EEXIST);
    CHECK(f.dut().delete_state(*rx).code() == -EEXIST);
    CHECK(count(again, "ipsec_del_sa_fail") == 2);
    CHECK(count(again, "ipsec_del_sa_success") == 0);

    // No key survived: a frame for the old TX SA is not encrypted, and the peer's frame for
    // the old RX SA is not decrypted but reaches the host unchanged (bypass, section 7).
    PacketSpec p;
    p.ipv6 = tx_key.ipv6;
    p.src = tx_key.sip;
    p.dst = tx_key.dip;
    EspSpec e;
    e.spi = tx_key.spi;
    const Bytes old_tx = host_esp_frame(ip_packet(p), e);
    p.ipv6 = rx_key.ipv6;
    p.src = rx_key.sip;
    p.dst = rx_key.dip;
    e.spi = rx_key.spi;
    const Bytes old_rx = wire_esp_frame(ip_packet(p), e, rx_ctx);
    const model::FrameResult tx_fate = blank.host_tx(old_tx), rx_fate = blank.wire_rx(old_rx);
    CHECK(tx_fate.fate != model::Fate::kOut);
    REQUIRE(rx_fate.fate == model::Fate::kBypass);
    f.sim().host_tx(old_tx);
    f.sim().wire_rx(old_rx);
    f.sim().run();
    REQUIRE(f.sim().host_rx().size() == 1);
    CHECK(f.sim().host_rx().front().data == old_rx);
    CHECK(f.sim().wire_tx().size() == (tx_fate.out ? 1u : 0u));
    if (tx_fate.out && !f.sim().wire_tx().empty()) {
      CHECK_FALSE(f.sim().wire_tx().front().user);
      CHECK(f.sim().wire_tx().front().data == *tx_fate.out);
    }
    f.sim().host_rx().clear();
    f.sim().wire_tx().clear();
    CHECK(count(again, "ipsec_enc_out_packets") == 0);
    CHECK(count(again, "ipsec_dec_out_packets") == 0);
    CHECK(count(again, "ipsec_dec_in_packets") == 0);
    same_counters("ipsec_del_sa_fail");  // the old DELs went to the RTL only

    // And works: an SA added now encrypts.
    auto id = again.add_state(random_state(rng, false));
    REQUIRE(id.ok());
    const driver::OffloadedSa* sa = again.find(*id);
    REQUIRE(sa);
    p = PacketSpec{};
    p.src = {};
    p.dst = {};
    std::copy(sa->state.saddr.data(), sa->state.saddr.data() + sa->state.saddr.size(),
              p.src.begin() + (sa->state.saddr.is_v6() ? 0 : 12));
    std::copy(sa->state.daddr.data(), sa->state.daddr.data() + sa->state.daddr.size(),
              p.dst.begin() + (sa->state.daddr.is_v6() ? 0 : 12));
    p.ipv6 = sa->state.daddr.is_v6();
    e = EspSpec{};
    e.spi = sa->state.spi;
    f.sim().host_tx(host_esp_frame(ip_packet(p), e));
    f.sim().run();
    REQUIRE(f.sim().wire_tx().size() == 1);
    CHECK(f.sim().wire_tx().front().data.size() > host_esp_frame(ip_packet(p), e).size());
    f.sim().wire_tx().clear();
  }
}
