// esp_pkt_life, random: many SAs of both directions with random limits (small enough to be
// reached, now and then none), frames at each direction's full rate with random gaps and
// lengths, drop counts among them, SAs re-added now and then (with their ops in flight),
// snapshots and pops interleaved; the event queue overflows at times. Every answer, event,
// EVT_DROP, mark and snapshot is compared with the model's packet SA (LifeRig). The seed is
// printed; IPSEC_SEED reruns it.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "life_rig.h"
#include "test_seed.h"

using ipsec::tb::seed_hint;
using ipsec::tb::test_seed;
using namespace ipsec::tb::life;

namespace {

uint64_t pick_limit(std::mt19937_64& rng, uint64_t scale) {
  switch (rng() % 6) {
    case 0: return kNone;
    case 1: return rng() % 3;  // 0, 1, 2: the first frames
    default: return rng() % scale;
  }
}

Limits random_limits(std::mt19937_64& rng) {
  Limits l;
  l.hard_bytes = pick_limit(rng, 40000);
  l.soft_bytes = l.hard_bytes == kNone ? pick_limit(rng, 40000) : rng() % (l.hard_bytes + 1);
  l.hard_packets = pick_limit(rng, 40);
  l.soft_packets = l.hard_packets == kNone ? pick_limit(rng, 40) : rng() % (l.hard_packets + 1);
  return l;
}

}  // namespace

TEST_CASE("random SAs, ops at the ports' rate, inits, snapshots and pops agree with the model") {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  std::mt19937_64 rng(seed);
  LifeRig rig;

  // Indices spread over the table; a few never added.
  std::vector<uint32_t> idx;
  for (int i = 0; i < 48; ++i) idx.push_back(static_cast<uint32_t>(rng() % kNumSa));
  std::vector<int> dir(kNumSa, -1);  // the direction each index was added with (-1: none)
  for (size_t i = 0; i + 4 < idx.size(); ++i) {
    const bool tx = (rng() & 1) != 0;
    rig.init(idx[i], tx, static_cast<uint32_t>(rng()), random_limits(rng));
    dir[idx[i]] = tx;
  }

  constexpr uint64_t kClocks = 120000;
  const uint64_t end = rig.cycle() + kClocks;
  int pop_bias = 50;  // percent of clocks a pop is asked, changed now and then
  while (rig.cycle() < end) {
    if (rng() % 5000 == 0) pop_bias = rng() % 3 == 0 ? 0 : static_cast<int>(rng() % 40);
    for (bool tx : {true, false}) {
      if (!rig.op_allowed(tx) || rng() % 3 == 0) continue;
      // Mostly an index of this direction; now and then any (another direction's, or none).
      uint32_t i = idx[rng() % idx.size()];
      for (int tries = 0; tries < 4 && dir[i] != tx; ++tries) i = idx[rng() % idx.size()];
      const uint32_t r = static_cast<uint32_t>(rng() % 100);
      Op op = Op::kCheck;
      if (r >= 80) op = tx ? kSeqExhausted : static_cast<Op>(1 + rng() % 3);
      const uint32_t len = rng() % 8 == 0 ? static_cast<uint32_t>(rng() % 131072) : static_cast<uint32_t>(rng() % 2000);
      rig.request_op(tx, op, i, op == Op::kCheck ? len : 0);
    }
    if (!rig.init_pending() && rng() % 150 == 0) {
      const uint32_t i = idx[rng() % idx.size()];
      const bool sa = rng() % 8 != 0;
      const bool tx = (rng() & 1) != 0;
      rig.request_init(i, sa, tx, static_cast<uint32_t>(rng()), random_limits(rng));
      dir[i] = sa ? tx : -1;
    }
    if (rig.snapshot_allowed() && rng() % 12 == 0) rig.request_snapshot(idx[rng() % idx.size()]);
    if (static_cast<int>(rng() % 100) < pop_bias) rig.request_pop();
    rig.tick();
  }
  rig.drain();
  MESSAGE("answers compared " << rig.answers_compared() << ", snapshots " << rig.snapshots_compared()
                              << ", events " << rig.events_pushed() << " (lost " << rig.events_lost() << ")");
  CHECK(rig.answers_compared() > 20000);
  CHECK(rig.snapshots_compared() > 1000);
  CHECK(rig.events_pushed() > 300);
  CHECK(rig.events_lost() > 0);  // the queue overflowed at times
}
