// The SA table behind the commands: capacity, lookups on both ports, random operations
// against a reference map, and what happens to key material.

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "ctrl_harness.h"
#include "ctrl_test_helpers.h"
#include "sa_add_bench.h"
#include "test_seed.h"

namespace ipsec::tb {
namespace {

constexpr int kTx = 0, kRx = 1;

// Both lookup ports must give the same answer for a key.
void check_lookup_both_ports(CtrlHarness& h, const SaKey& key, bool want_hit,
                             const SaCtx& want = {}) {
  for (int port : {kTx, kRx}) {
    INFO((port == kTx ? "TX port, " : "RX port, ") << key.str());
    SaCtx ctx;
    const bool hit = h.lookup(port, key, ctx);
    CHECK(hit == want_hit);
    if (hit && want_hit) CHECK(ctx == want);
    if (!hit) CHECK(ctx == SaCtx{});
  }
}

std::array<uint8_t, 32> padded_key(const SaSpec& sa) { return sa.ctx().key; }

TEST_CASE("the table holds exactly NumSa SAs: the next ADD fails until one is deleted") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 10);
  h.enable_lookups(true);
  std::vector<SaSpec> sas;
  uint32_t refused = 0;
  for (uint32_t i = 0; i < kNumSa; ++i) {
    sas.push_back(example_sa(i, i % 2 == 1, i % 3 == 0, i % 5 == 0));
    if (h.add_sa(sas.back(), i % 4 == 0).syndrome != contract::kOk) ++refused;
  }
  REQUIRE(refused == 0);
  CHECK(h.live().size() == kNumSa);

  const SaSpec extra = example_sa(kNumSa + 7);
  Response r = h.add_sa(extra, true);
  CHECK(r.syndrome == contract::kSadbIssue);
  CHECK(r.echo == extra.handle);
  check_sa_counters(h, {kNumSa, 1, 0, 0});

  REQUIRE(h.del_sa(sas[517], true).syndrome == contract::kOk);
  r = h.add_sa(extra, true);
  CHECK(r.syndrome == contract::kOk);
  check_sa_counters(h, {kNumSa + 1, 1, 1, 0});

  // Every one of the NumSa live SAs is found with its context.
  uint32_t wrong = 0;
  for (const auto& [key, ctx] : h.live()) {
    SaCtx got;
    if (!h.lookup(key.tx ? kTx : kRx, key, got) || got != ctx) ++wrong;
  }
  CHECK(wrong == 0);
  SaCtx unused;
  CHECK_FALSE(h.lookup(kRx, sas[517].match_key(), unused));
  check_no_lookup_errors(h);
  CHECK(h.lookup_hits() > 10000);
  CHECK(h.lookup_misses() > 10000);
}

TEST_CASE("lookups find every live SA with its context, never a deleted one, and keep TX and RX apart") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  h.enable_lookups(true);
  // Pairs: the same addresses and SPI once as an RX SA and once as a TX SA, other keys.
  std::vector<SaSpec> rx_pair, tx_pair, singles;
  for (uint32_t i = 0; i < 24; ++i) {
    SaSpec rx = example_sa(i, false, i % 2 == 1, i % 3 == 0);
    rx.esn = i % 4 == 0;
    rx.esn_hi = i;
    SaSpec tx = rx;
    tx.tx = true;
    tx.handle = 0;
    tx.salt = ~rx.salt;
    for (auto& b : tx.key) b = static_cast<uint8_t>(~b);
    REQUIRE(h.add_sa(rx, true).syndrome == contract::kOk);
    REQUIRE(h.add_sa(tx, i % 2 == 0 && !rx.esn ? false : true).syndrome == contract::kOk);
    rx_pair.push_back(rx);
    tx_pair.push_back(tx);
  }
  for (uint32_t i = 100; i < 124; ++i) {
    singles.push_back(example_sa(i, i % 2 == 0, i % 3 == 0, i % 2 == 1));
    REQUIRE(h.add_sa(singles.back(), false).syndrome == contract::kOk);
  }

  for (size_t i = 0; i < rx_pair.size(); ++i) {
    check_lookup_both_ports(h, rx_pair[i].match_key(), true, rx_pair[i].ctx());
    check_lookup_both_ports(h, tx_pair[i].match_key(), true, tx_pair[i].ctx());
  }
  for (const SaSpec& sa : singles) {
    check_lookup_both_ports(h, sa.match_key(), true, sa.ctx());
    SaKey other = sa.match_key();
    other.tx = !other.tx;
    check_lookup_both_ports(h, other, false);
  }

  // Delete the TX half of every pair and every other single.
  for (size_t i = 0; i < tx_pair.size(); ++i) {
    REQUIRE(h.del_sa(tx_pair[i], i % 2 == 0).syndrome == contract::kOk);
  }
  for (size_t i = 0; i < singles.size(); i += 2) {
    REQUIRE(h.del_sa(singles[i], true).syndrome == contract::kOk);
  }
  for (size_t i = 0; i < rx_pair.size(); ++i) {
    check_lookup_both_ports(h, tx_pair[i].match_key(), false);
    check_lookup_both_ports(h, rx_pair[i].match_key(), true, rx_pair[i].ctx());
  }
  for (size_t i = 0; i < singles.size(); ++i) {
    if (i % 2 == 0) check_lookup_both_ports(h, singles[i].match_key(), false);
    else check_lookup_both_ports(h, singles[i].match_key(), true, singles[i].ctx());
  }
  check_no_lookup_errors(h);
}

TEST_CASE("a lookup during an ADD, MOD or DEL sees the SA entirely before or entirely after it") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);
  h.enable_lookups(true);
  std::vector<SaSpec> sas;
  std::vector<SaKey> keys;
  for (uint32_t i = 0; i < 4; ++i) {
    sas.push_back(example_sa(200 + i, i % 2 == 0, i == 3, i % 2 == 1));
    keys.push_back(sas.back().match_key());
  }
  h.focus_lookups(keys);  // most lookups ask for these four, on both ports, every clock
  for (uint32_t round = 0; round < 40; ++round) {
    for (SaSpec& sa : sas) {
      for (auto& b : sa.key) b = static_cast<uint8_t>(b + 1 + round);
      sa.esn = round % 2 == 0;
      sa.esn_hi = round;
      REQUIRE(h.add_sa(sa, true).syndrome == contract::kOk);
      sa.esn = !sa.esn;
      sa.esn_overlap = !sa.esn_overlap;
      sa.esn_hi = ~round;
      REQUIRE(h.mod_sa(sa).syndrome == contract::kOk);
      REQUIRE(h.del_sa(sa, round % 2 == 1).syndrome == contract::kOk);
    }
  }
  check_no_lookup_errors(h);
  CHECK(h.lookup_hits() > 5000);
  CHECK(h.lookup_misses() > 5000);
}

TEST_CASE("random adds, deletes and modifies agree with a reference map, with lookups on both ports every clock") {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  CtrlHarness h(seed, 20);
  h.enable_lookups(true);
  std::mt19937_64 rng(seed);

  std::map<SaKey, SaSpec> live;
  std::vector<SaSpec> gone;  // deleted SAs, for deletes and modifies of unknown SAs
  SaCounters want;
  auto pick_live = [&]() {
    auto it = live.begin();
    std::advance(it, static_cast<long>(rng() % live.size()));
    return it->second;
  };
  auto maybe_esn = [&](SaSpec& sa) {
    sa.esn = rng() % 2 == 0;
    sa.esn_overlap = rng() % 2 == 0;
    sa.esn_hi = static_cast<uint32_t>(rng());
  };

  constexpr int kOps = 2000;
  for (int op = 0; op < kOps; ++op) {
    const int r = static_cast<int>(rng() % 100);
    INFO("operation " << op);
    if (r < 40 || live.empty()) {  // add a new SA
      SaSpec sa = random_sa(rng);
      const bool v2 = rng() % 2 == 0;
      if (v2) maybe_esn(sa);
      const bool ok = !live.count(sa.match_key()) && live.size() < kNumSa;
      const Response resp = h.add_sa(sa, v2);
      CHECK(resp.syndrome == (ok ? contract::kOk : contract::kSadbIssue));
      CHECK(resp.echo == sa.handle);
      if (ok) live[sa.match_key()] = sa;
      ++(ok ? want.add_success : want.add_fail);
    } else if (r < 48) {  // add an SA that exists, with other key material
      SaSpec sa = pick_live();
      sa.key = Bytes(32, static_cast<uint8_t>(rng()));
      CHECK(h.add_sa(sa, true).syndrome == contract::kSadbIssue);
      ++want.add_fail;
    } else if (r < 78) {  // delete a live SA
      const SaSpec sa = pick_live();
      const Response resp = h.del_sa(sa, rng() % 2 == 0);
      CHECK(resp.syndrome == contract::kOk);
      CHECK(resp.echo == sa.handle);
      live.erase(sa.match_key());
      gone.push_back(sa);
      ++want.del_success;
    } else if (r < 86) {  // delete an SA that is not there
      const SaSpec sa = gone.empty() || rng() % 2 ? random_sa(rng) : gone[rng() % gone.size()];
      if (live.count(sa.match_key())) continue;
      CHECK(h.del_sa(sa, rng() % 2 == 0).syndrome == contract::kSadbIssue);
      ++want.del_fail;
    } else if (r < 96) {  // modify the ESN state of a live SA
      SaSpec sa = pick_live();
      maybe_esn(sa);
      CHECK(h.mod_sa(sa).syndrome == contract::kOk);
      live[sa.match_key()] = sa;
      ++want.add_success;
    } else {  // modify an SA that is not there
      SaSpec sa = random_sa(rng);
      CHECK(h.mod_sa(sa).syndrome == contract::kSadbIssue);
      ++want.add_fail;
    }
  }

  check_sa_counters(h, want);
  REQUIRE(h.live().size() == live.size());
  for (const auto& [key, sa] : live) {
    const auto it = h.live().find(key);
    REQUIRE(it != h.live().end());
    CHECK(it->second == sa.ctx());
    check_lookup_both_ports(h, key, true, sa.ctx());
  }
  for (const SaSpec& sa : gone) {
    if (!live.count(sa.match_key())) check_lookup_both_ports(h, sa.match_key(), false);
  }
  check_no_lookup_errors(h);
  MESSAGE(live.size() << " SAs live after " << kOps << " operations; " << h.lookup_hits()
                      << " lookup hits and " << h.lookup_misses() << " misses checked in "
                      << h.cycle() << " clocks");
}

TEST_CASE("no register read returns key material") {
  INFO(seed_hint());
  std::mt19937_64 rng(test_seed());
  CtrlHarness h(test_seed(), 20);
  std::vector<Bytes> keys;
  for (int i = 0; i < 24; ++i) {
    SaSpec sa = random_sa(rng);
    REQUIRE(h.add_sa(sa, i % 2 == 0).syndrome == contract::kOk);
    keys.push_back(sa.key);
  }
  // And one image left in the command window, never submitted.
  SaSpec pending = random_sa(rng);
  h.write_window(sa_image(contract::kAddSaV2, pending));
  keys.push_back(pending.key);

  Bytes space;
  for (uint32_t addr = 0; addr < 0x1000; addr += 4) {
    uint32_t value = 0;
    (void)h.bus().read32(addr, value);
    for (int i = 0; i < 4; ++i) space.push_back(static_cast<uint8_t>(value >> (24 - 8 * i)));
  }
  // No 6-byte run of any key appears anywhere in the 4 KiB read back.
  constexpr size_t kRun = 6;
  uint32_t found = 0;
  for (const Bytes& key : keys) {
    for (size_t off = 0; off + kRun <= key.size(); ++off) {
      if (std::search(space.begin(), space.end(), key.begin() + off, key.begin() + off + kRun) !=
          space.end()) {
        ++found;
      }
    }
  }
  CHECK(found == 0);
}

TEST_CASE("key material in the SA store is zeroed when its SA is deleted and by reset") {
  INFO(seed_hint());
  std::mt19937_64 rng(test_seed());
  CtrlHarness h(test_seed());
  std::vector<SaSpec> sas;
  for (int i = 0; i < 40; ++i) {
    sas.push_back(random_sa(rng));
    REQUIRE(h.add_sa(sas.back(), i % 2 == 0).syndrome == contract::kOk);
  }
  // The non-zero keys in the store, with how often each appears (once in each copy).
  auto stored = [&] {
    std::map<std::array<uint8_t, 32>, int> keys;
    for (int copy = 0; copy < kRecordCopies; ++copy) {
      for (uint32_t i = 0; i < kNumSa; ++i) {
        const auto key = h.stored_key(copy, i);
        if (key != std::array<uint8_t, 32>{}) ++keys[key];
      }
    }
    return keys;
  };

  auto keys = stored();
  CHECK(keys.size() == sas.size());
  for (const SaSpec& sa : sas) CHECK(keys[padded_key(sa)] == kRecordCopies);

  for (size_t i = 0; i < sas.size(); i += 2) {
    REQUIRE(h.del_sa(sas[i], true).syndrome == contract::kOk);
  }
  keys = stored();
  CHECK(keys.size() == sas.size() / 2);
  for (size_t i = 0; i < sas.size(); ++i) CHECK(keys.count(padded_key(sas[i])) == (i % 2));

  h.reset();
  CHECK(stored().empty());
  SaCtx ctx;
  CHECK_FALSE(h.lookup(kRx, sas[1].match_key(), ctx));
  check_sa_counters(h, {0, 0, 0, 0});
}

TEST_CASE("installing one SA takes at most 45 register writes and 400 clocks") {
  const SaAddCost cost = measure_sa_add();
  MESSAGE("sa_add: " << cost.writes << " register writes, " << cost.reads << " reads, "
                     << cost.cycles << " clocks");
  CHECK(cost.writes <= 45);
  CHECK(cost.cycles <= 400);
}

}  // namespace
}  // namespace ipsec::tb
