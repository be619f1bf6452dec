// The SA table's hashed index against its specification (docs/architecture.md, "The SA
// index"), on the control plane RTL and the reference model side by side: keys crafted to
// share one bucket pair fill it, and the RTL must refuse exactly the ADD the model predicts
// from the documented hash and insertion rule, with the same response, counters and table.

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "colliding_keys.h"
#include "ctrl_harness.h"
#include "ctrl_lockstep.h"
#include "ctrl_model.h"
#include "ctrl_test_helpers.h"
#include "test_seed.h"

namespace ipsec::tb {
namespace {

using driver::BusStatus;
using model::IndexHalf;

model::SaKey model_key(const SaSpec& sa) {
  model::SaKey k;
  k.tx = sa.tx;
  k.ipv6 = sa.ipv6;
  k.sip = sa.sip;
  k.dip = sa.dip;
  k.spi = sa.spi;
  return k;
}

// One command on both, answered alike (Lockstep CHECKs each read); the RTL's response.
Response run(Lockstep& lock, const Bytes& image) {
  Bytes padded = image;
  padded.resize(4 * reg::kWindowWords, 0);
  for (uint32_t w = 0; w < reg::kWindowWords; ++w) {
    const uint32_t v = uint32_t{padded[4 * w]} << 24 | uint32_t{padded[4 * w + 1]} << 16 |
                       uint32_t{padded[4 * w + 2]} << 8 | padded[4 * w + 3];
    lock.write(reg::kCmdWindow + 4 * w, v);
  }
  lock.write(reg::kCmdDoorbell, static_cast<uint32_t>(image.size()));
  Response r;
  r.syndrome = lock.read(reg::kRspWord0).data;
  r.echo = lock.read(reg::kRspWord0 + 4).data;
  lock.write(reg::kRspPop, 1);
  return r;
}

Response add(Lockstep& lock, const SaSpec& sa) { return run(lock, sa_image(contract::kAddSaV2, sa)); }
Response del(Lockstep& lock, const SaSpec& sa) { return run(lock, sa_image(contract::kDelSaV2, sa)); }

// The RTL's TX or RX lookup port finds `sa` with its context, or (present false) finds nothing.
void check_rtl_lookup(CtrlHarness& h, const SaSpec& sa, bool present) {
  INFO((sa.tx ? "TX " : "RX ") << sa.match_key().str() << (present ? " present" : " absent"));
  SaCtx got;
  const bool hit = h.lookup(sa.tx ? 0 : 1, sa.match_key(), got);
  CHECK(hit == present);
  if (hit && present) CHECK(got == sa.ctx());
}

// An SA of one of four kinds (RX/TX x IPv4/IPv6), its addresses fixed by the kind, its SPI
// chosen by the caller; handle and key vary with `n`.
SaSpec sa_of_kind(int kind, uint32_t spi, uint32_t n) {
  SaSpec sa = example_sa(n, kind & 1, (kind & 2) != 0, n % 2 == 0);
  // example_sa varies the destination with n; the search needs it fixed per kind.
  const SaSpec base = example_sa(0x51, kind & 1, (kind & 2) != 0);
  sa.sip = base.sip;
  sa.dip = base.dip;
  sa.spi = spi;
  sa.esn = n % 3 == 0;
  sa.esn_hi = n;
  return sa;
}

// `n` SAs of the four kinds in turn, all in bucket pair `pair`, SPIs from `first` up.
std::vector<SaSpec> sas_in_pair(BucketPair pair, size_t n, uint32_t first, uint32_t tag) {
  std::vector<std::vector<uint32_t>> spis(4);
  const size_t per_kind = (n + 3) / 4;
  for (int kind = 0; kind < 4; ++kind) {
    spis[kind] = spis_in_pair(model_key(sa_of_kind(kind, 0, 0)), kNumSa, pair, per_kind, first);
  }
  std::vector<SaSpec> out;
  for (size_t i = 0; i < n; ++i) {
    const int kind = static_cast<int>(i % 4);
    out.push_back(sa_of_kind(kind, spis[kind][i / 4], tag + static_cast<uint32_t>(i)));
    REQUIRE(bucket_pair(model_key(out.back()), kNumSa) == pair);
  }
  return out;
}

}  // namespace

TEST_CASE("16 SAs crafted into one bucket pair fill it: the RTL refuses the 17th ADD as the model predicts") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 20);  // random delays on the register bus
  model::CtrlModel m(rtl_like_model());
  Lockstep lock(h, m);
  // The pair of an RX IPv4 SA with SPI 0x1000; 18 SAs of all four kinds in it.
  const BucketPair pair = bucket_pair(model_key(sa_of_kind(0, 0x1000, 0)), kNumSa);
  MESSAGE("bucket pair (" << pair.a << ", " << pair.b << ")");
  const std::vector<SaSpec> crowd = sas_in_pair(pair, 18, 0x1000, 1);

  for (size_t i = 0; i < 16; ++i) {
    CAPTURE(i);
    const Response r = add(lock, crowd[i]);
    CHECK(r.syndrome == contract::kOk);
    CHECK(r.echo == crowd[i].handle);
  }
  CHECK(m.sa_index().load(IndexHalf::kA, pair.a) == 8);
  CHECK(m.sa_index().load(IndexHalf::kB, pair.b) == 8);

  // Both buckets full: SADB_ISSUE, the handle echoed, a failure counted, nothing installed.
  Response r = add(lock, crowd[16]);
  CHECK(r.syndrome == contract::kSadbIssue);
  CHECK(r.echo == crowd[16].handle);
  lock.check_state();
  check_sa_counters(h, {16, 1, 0, 0});
  for (size_t i = 0; i < 17; ++i) check_rtl_lookup(h, crowd[i], i < 16);

  // The refusal is the pair's, not a bucket's: SAs sharing only one of the two buckets fit,
  // each in its other bucket.
  SaSpec share_a = sa_of_kind(1, 0, 100), share_b = sa_of_kind(2, 0, 101);
  for (uint32_t spi = 0x1000;; ++spi) {
    share_a.spi = spi;
    const BucketPair p = bucket_pair(model_key(share_a), kNumSa);
    if (p.a == pair.a && p.b != pair.b) break;
  }
  for (uint32_t spi = 0x1000;; ++spi) {
    share_b.spi = spi;
    const BucketPair p = bucket_pair(model_key(share_b), kNumSa);
    if (p.b == pair.b && p.a != pair.a) break;
  }
  CHECK(add(lock, share_a).syndrome == contract::kOk);
  CHECK(add(lock, share_b).syndrome == contract::kOk);
  CHECK(m.sa_index().place_of(model_key(share_a))->half == IndexHalf::kB);
  CHECK(m.sa_index().place_of(model_key(share_b))->half == IndexHalf::kA);
  check_rtl_lookup(h, share_a, true);
  check_rtl_lookup(h, share_b, true);

  // A DEL frees a slot of the pair: the refused SA goes in, and the pair is full again.
  CHECK(del(lock, crowd[7]).syndrome == contract::kOk);
  check_rtl_lookup(h, crowd[7], false);
  CHECK(add(lock, crowd[16]).syndrome == contract::kOk);
  check_rtl_lookup(h, crowd[16], true);
  CHECK(add(lock, crowd[17]).syndrome == contract::kSadbIssue);
  CHECK(add(lock, crowd[7]).syndrome == contract::kSadbIssue);
  // A duplicate of a live SA in the full pair is a duplicate either way: SADB_ISSUE.
  CHECK(add(lock, crowd[0]).syndrome == contract::kSadbIssue);
  lock.check_state();
  check_sa_counters(h, {16 + 2 + 1, 4, 1, 0});
  for (size_t i = 0; i < 18; ++i) check_rtl_lookup(h, crowd[i], i != 7 && i != 17);
  CHECK(m.sa_count() == 18);
}

// Keys crowded into two buckets of each half (four pairs sharing them), added and deleted at
// random: whether an ADD fits depends on where every earlier SA went, so the RTL agrees with
// the model on each response only if it hashes and places SAs as documented.
TEST_CASE("random ADDs and DELs of keys crowded into 2 + 2 buckets: each refusal as the model predicts") {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  std::mt19937_64 rng(seed);
  CtrlHarness h(seed, 20);
  model::CtrlModel m(rtl_like_model());
  Lockstep lock(h, m);
  // Buckets a0, a1 of half A and b0, b1 of half B: 32 slots for 48 keys.
  const BucketPair p00 = bucket_pair(model_key(sa_of_kind(0, 0x2000, 0)), kNumSa);
  const BucketPair p11 = bucket_pair(model_key(sa_of_kind(3, 0x3000, 0)), kNumSa);
  REQUIRE(p00.a != p11.a);
  REQUIRE(p00.b != p11.b);
  std::vector<SaSpec> pool;
  const BucketPair pairs[4] = {p00, {p00.a, p11.b}, {p11.a, p00.b}, p11};
  for (int p = 0; p < 4; ++p) {
    for (const SaSpec& sa : sas_in_pair(pairs[p], 12, 0x1000, 1000 + 100 * p)) pool.push_back(sa);
  }
  std::vector<bool> live(pool.size(), false);
  uint64_t refused = 0, added = 0, deleted = 0;
  SaCounters want;
  for (int step = 0; step < 500; ++step) {
    // ADDs of absent keys outnumber DELs 3 to 2, so the buckets stay near full and the
    // limit is met often; one ADD in ten is of a live key (a duplicate).
    const bool add_absent = rng() % 5 < 3;
    const bool duplicate_add = !add_absent && rng() % 10 == 0;
    size_t i = rng() % pool.size();
    for (int tries = 0; tries < 1000 && live[i] == add_absent; ++tries) i = rng() % pool.size();
    CAPTURE(step);
    CAPTURE(i);
    if (live[i] && !duplicate_add) {
      CHECK(del(lock, pool[i]).syndrome == contract::kOk);
      live[i] = false;
      ++want.del_success;
      ++deleted;
    } else {
      // The model's verdict, from the documented hash and the loads of the key's buckets.
      const model::SaKey key = model_key(pool[i]);
      const bool duplicate = live[i];
      const bool fits = !duplicate && m.sa_index().place_for(key).has_value();
      const Response r = add(lock, pool[i]);  // Lockstep: the RTL answers as the model does
      CHECK(r.syndrome == (fits ? contract::kOk : contract::kSadbIssue));
      if (fits) {
        live[i] = true;
        ++want.add_success;
        ++added;
      } else {
        ++want.add_fail;
        refused += !duplicate;
      }
    }
    if (step % 50 == 49) lock.check_state();
  }
  MESSAGE(added << " added, " << deleted << " deleted, " << refused << " refused for a full pair");
  // The crowd must have pressed on the limit often, or the test proved nothing.
  CHECK(refused >= 20);
  CHECK(added >= 100);
  lock.check_state();
  check_sa_counters(h, want);
  for (size_t i = 0; i < pool.size(); ++i) check_rtl_lookup(h, pool[i], live[i]);
}

}  // namespace ipsec::tb
