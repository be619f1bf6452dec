// esp_pkt_life, directed: the limits of packet section P8 frame by frame (the frame just
// under a limit, at it, just over), the events of P6 and their queue, the drop counters and
// snapshots of P5, init and the cancel of an op in flight. Each test states what it expects;
// the rig compares every answer, event, mark and snapshot with the model's packet SA besides.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "life_rig.h"

using namespace ipsec::tb::life;

namespace {

constexpr uint32_t kSoftBytes = 1, kSoftPackets = 2, kHardBytes = 3, kHardPackets = 4, kSeqExh = 5;

// Pops the queue whole: the events in order.
std::vector<Event> take_events(LifeRig& rig) {
  rig.drain();
  std::vector<Event> got;
  while (rig.event_ready()) {
    got.push_back(rig.head());
    rig.pop();
  }
  return got;
}

std::vector<uint32_t> kinds(const std::vector<Event>& evs) {
  std::vector<uint32_t> k;
  for (const Event& e : evs) k.push_back(e.kind);
  return k;
}

uint64_t word64(const Words& w, size_t i) { return uint64_t{w[2 * i + 1]} << 32 | w[2 * i]; }

}  // namespace

TEST_CASE("packet limits: soft passes and raises its event past L, hard allows L packets and drops the next") {
  for (bool tx : {true, false}) {
    CAPTURE(tx);
    LifeRig rig;
    Limits lim;
    lim.soft_packets = 2;
    lim.hard_packets = 4;
    rig.init(7, tx, 0xA0A0'0007, lim);
    CHECK(rig.check(tx, 7, 100));  // 1
    CHECK(rig.check(tx, 7, 100));  // 2: at the soft limit, no event
    CHECK(take_events(rig).empty());
    CHECK(rig.check(tx, 7, 100));  // 3: past soft: passes, soft event
    std::vector<Event> evs = take_events(rig);
    REQUIRE(evs.size() == 1);
    CHECK(evs[0] == Event{kSoftPackets, 7, 0xA0A0'0007});
    CHECK(rig.check(tx, 7, 100));  // 4: at the hard limit, sent
    CHECK(take_events(rig).empty());
    CHECK_FALSE(rig.check(tx, 7, 100));  // 5: would pass hard: dropped, hard event
    evs = take_events(rig);
    REQUIRE(evs.size() == 1);
    CHECK(evs[0] == Event{kHardPackets, 7, 0xA0A0'0007});
    CHECK_FALSE(rig.check(tx, 7, 1));  // dead: dropped, no event
    CHECK(take_events(rig).empty());
    const Words w = rig.snapshot(7);
    CHECK(word64(w, 0) == 4);
    CHECK(word64(w, 1) == 400);
  }
}

TEST_CASE("byte limits: just under, at and just over soft and hard") {
  for (bool tx : {true, false}) {
    CAPTURE(tx);
    LifeRig rig;
    Limits lim;
    lim.soft_bytes = 1000;
    lim.hard_bytes = 2000;
    rig.init(300, tx, 0x300, lim);
    CHECK(rig.check(tx, 300, 999));  // just under soft
    CHECK(rig.check(tx, 300, 1));    // at soft: no event
    CHECK(take_events(rig).empty());
    CHECK(rig.check(tx, 300, 1));  // just over soft: event, passes
    CHECK(kinds(take_events(rig)) == std::vector<uint32_t>{kSoftBytes});
    CHECK(rig.check(tx, 300, 998));  // 1999: just under hard
    CHECK(rig.check(tx, 300, 1));    // 2000: at hard, passes
    CHECK(take_events(rig).empty());
    CHECK_FALSE(rig.check(tx, 300, 1));  // 2001: over hard, dropped
    CHECK(kinds(take_events(rig)) == std::vector<uint32_t>{kHardBytes});
    CHECK_FALSE(rig.check(tx, 300, 0));  // dead
    const Words w = rig.snapshot(300);
    CHECK(word64(w, 0) == 5);
    CHECK(word64(w, 1) == 2000);
  }
}

TEST_CASE("a frame over the hard byte limit is dropped and a later smaller one too") {
  LifeRig rig;
  Limits lim;
  lim.hard_bytes = 1500;
  rig.init(1, true, 1, lim);
  CHECK(rig.check(true, 1, 1400));
  CHECK_FALSE(rig.check(true, 1, 101));  // 1501 would pass
  CHECK_FALSE(rig.check(true, 1, 100));  // would fit, but the SA ended
  CHECK(kinds(take_events(rig)) == std::vector<uint32_t>{kHardBytes});
  CHECK(word64(rig.snapshot(1), 1) == 1400);
}

TEST_CASE("one frame past both hard limits raises both events, bytes first, and past both soft limits too") {
  LifeRig rig;
  Limits hard;
  hard.hard_bytes = 100;
  hard.hard_packets = 1;
  rig.init(20, false, 0x20, hard);
  CHECK(rig.check(false, 20, 50));
  CHECK_FALSE(rig.check(false, 20, 60));
  CHECK(kinds(take_events(rig)) == std::vector<uint32_t>{kHardBytes, kHardPackets});

  Limits soft;
  soft.soft_bytes = 10;
  soft.soft_packets = 0;
  rig.init(21, true, 0x21, soft);
  CHECK(rig.check(true, 21, 20));
  CHECK(kinds(take_events(rig)) == std::vector<uint32_t>{kSoftBytes, kSoftPackets});
  CHECK(rig.check(true, 21, 20));  // once per SA and kind
  CHECK(take_events(rig).empty());
}

TEST_CASE("hard limit 0: the first frame is dropped") {
  LifeRig rig;
  Limits lim;
  lim.hard_packets = 0;
  rig.init(5, true, 5, lim);
  CHECK_FALSE(rig.check(true, 5, 60));
  CHECK(kinds(take_events(rig)) == std::vector<uint32_t>{kHardPackets});
  CHECK(word64(rig.snapshot(5), 0) == 0);
}

TEST_CASE("seq exhausted: kind 5 once, the SA ends, later frames dropped and counted in seq_exhausted") {
  LifeRig rig;
  rig.init(9, true, 0x99, Limits{});
  CHECK(rig.check(true, 9, 80));
  rig.drop(true, kSeqExhausted, 9);
  CHECK(kinds(take_events(rig)) == std::vector<uint32_t>{kSeqExh});
  CHECK_FALSE(rig.check(true, 9, 80));
  rig.drop(true, kSeqExhausted, 9);
  CHECK(take_events(rig).empty());
  const Words w = rig.snapshot(9);
  CHECK(word64(w, 0) == 1);
  CHECK(word64(w, 1) == 80);
  CHECK(word64(w, 2) == 3);  // seq_exhausted: the exhaustion, the check, the drop after
  CHECK(word64(w, 3) == 0);
  CHECK(word64(w, 4) == 0);
}

TEST_CASE("seq_exhausted after a hard limit is not counted") {
  LifeRig rig;
  Limits lim;
  lim.hard_packets = 0;
  rig.init(9, true, 0x99, lim);
  CHECK_FALSE(rig.check(true, 9, 80));
  rig.drop(true, kSeqExhausted, 9);
  CHECK(kinds(take_events(rig)) == std::vector<uint32_t>{kHardPackets});
  CHECK(word64(rig.snapshot(9), 2) == 0);
}

TEST_CASE("RX drop counters in their words, none after a hard event") {
  LifeRig rig;
  Limits lim;
  lim.hard_packets = 1;
  rig.init(40, false, 0x40, lim);
  rig.drop(false, kReplayWindow, 40);
  rig.drop(false, kReplay, 40);
  rig.drop(false, kReplay, 40);
  rig.drop(false, kIntegrity, 40);
  rig.drop(false, kIntegrity, 40);
  rig.drop(false, kIntegrity, 40);
  Words w = rig.snapshot(40);
  CHECK(word64(w, 2) == 1);
  CHECK(word64(w, 3) == 2);
  CHECK(word64(w, 4) == 3);
  CHECK(rig.check(false, 40, 64));
  CHECK_FALSE(rig.check(false, 40, 64));  // the hard event
  rig.drop(false, kReplay, 40);
  rig.drop(false, kIntegrity, 40);
  w = rig.snapshot(40);
  CHECK(word64(w, 0) == 1);
  CHECK(word64(w, 3) == 2);
  CHECK(word64(w, 4) == 3);
}

TEST_CASE("init of a used index forgets it: counters, fired events, the end of the SA") {
  LifeRig rig;
  Limits lim;
  lim.soft_packets = 0;
  lim.hard_packets = 1;
  rig.init(77, false, 0x1, lim);
  CHECK(rig.check(false, 77, 10));
  CHECK_FALSE(rig.check(false, 77, 10));
  rig.drop(false, kReplay, 77);  // dead: not counted
  CHECK(kinds(take_events(rig)) == std::vector<uint32_t>{kSoftPackets, kHardPackets});
  rig.init(77, true, 0x2, lim);  // the index reused, another direction and handle
  CHECK(rig.snapshot(77) == Words{});
  CHECK_FALSE(rig.check(false, 77, 10));  // an RX op on a TX SA
  CHECK(rig.check(true, 77, 10));
  std::vector<Event> evs = take_events(rig);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0] == Event{kSoftPackets, 77, 0x2});
  rig.remove(77);
  CHECK(rig.snapshot(77) == Words{});
  CHECK_FALSE(rig.check(true, 77, 10));
  CHECK(take_events(rig).empty());
}

TEST_CASE("an index never added snapshots zeros and drops its frames") {
  LifeRig rig;
  CHECK(rig.snapshot(1023) == Words{});
  CHECK_FALSE(rig.check(true, 1023, 1));
  CHECK_FALSE(rig.check(false, 0, 1));
  CHECK(take_events(rig).empty());
}

TEST_CASE("two SAs are independent") {
  LifeRig rig;
  Limits a;
  a.hard_packets = 2;
  Limits b;
  b.soft_bytes = 100;
  rig.init(3, true, 0x3, a);
  rig.init(4, true, 0x4, b);
  for (int i = 0; i < 3; ++i) {
    const bool pa = rig.check(true, 3, 60);
    CHECK(pa == (i < 2));
    CHECK(rig.check(true, 4, 60));
  }
  const std::vector<Event> evs = take_events(rig);
  REQUIRE(evs.size() == 2);
  CHECK(evs[0] == Event{kSoftBytes, 4, 0x4});
  CHECK(evs[1] == Event{kHardPackets, 3, 0x3});
  CHECK(word64(rig.snapshot(3), 0) == 2);
  CHECK(word64(rig.snapshot(4), 0) == 3);
  CHECK(word64(rig.snapshot(4), 1) == 180);
}

TEST_CASE("snapshot words: 64-bit counts past 2^32 bytes, low word first, a soft limit above 2^32") {
  LifeRig rig;
  Limits lim;
  lim.soft_bytes = (uint64_t{1} << 32) + 5;
  rig.init(600, false, 0x600, lim);
  constexpr uint32_t kLen = 131071;  // the largest frame count the port takes (17 bits)
  const uint64_t frames = ((uint64_t{1} << 32) / kLen) + 1;  // just past 2^32 bytes
  for (uint64_t i = 0; i < frames; ++i) {
    while (!rig.op_allowed(false)) rig.tick();
    rig.request_op(false, Op::kCheck, 600, kLen);
    rig.tick();
  }
  rig.drain();
  const uint64_t total = frames * kLen;
  REQUIRE(total > lim.soft_bytes);
  const Words w = rig.snapshot(600);
  CHECK(w[0] == static_cast<uint32_t>(frames));
  CHECK(w[1] == 0);
  CHECK(w[2] == static_cast<uint32_t>(total));
  CHECK(w[3] == 1);
  CHECK(kinds(take_events(rig)) == std::vector<uint32_t>{kSoftBytes});
  CHECK(rig.answers_compared() == frames);
}

TEST_CASE("the event queue: order, pop, 16 entries, overflow counted in EVT_DROP") {
  LifeRig rig;
  Limits lim;
  lim.hard_packets = 0;
  for (uint32_t i = 0; i < 20; ++i) rig.init(100 + i, (i & 1) != 0, 0x5000 + i, lim);
  CHECK_FALSE(rig.event_ready());
  CHECK(rig.head() == Event{});  // EVT_WORD0/1 read 0 with the queue empty
  for (uint32_t i = 0; i < 20; ++i) CHECK_FALSE(rig.check((i & 1) != 0, 100 + i, 1));
  rig.drain();
  CHECK(rig.event_ready());
  CHECK(rig.evt_drop() == 4);
  for (uint32_t i = 0; i < 16; ++i) {
    CHECK(rig.head() == Event{kHardPackets, 100 + i, 0x5000 + i});
    rig.pop();
  }
  CHECK_FALSE(rig.event_ready());
  CHECK(rig.head() == Event{});
  rig.pop();  // a pop of the empty queue does nothing
  CHECK(rig.evt_drop() == 4);
}

TEST_CASE("a push into the full queue on the clock of a pop is lost") {
  LifeRig rig;
  Limits lim;
  lim.hard_packets = 0;
  for (uint32_t i = 0; i < 17; ++i) rig.init(i, true, i, lim);
  for (uint32_t i = 0; i < 16; ++i) CHECK_FALSE(rig.check(true, i, 1));
  rig.drain();
  REQUIRE(rig.queue().size() == 16);
  // The 17th check's event enters on its issue clock + 3: pop on that very clock.
  while (!rig.op_allowed(true) || rig.cycle() % 4 != 0) rig.tick();
  rig.request_op(true, Op::kCheck, 16, 1);
  for (int i = 0; i < 3; ++i) rig.tick();
  rig.request_pop();
  rig.tick();
  rig.drain();
  CHECK(rig.evt_drop() == 1);
  CHECK(rig.queue().size() == 15);
}

TEST_CASE("an init of the index on an op's read clock or two after cancels the op") {
  for (uint64_t at : {0, 2}) {
    CAPTURE(at);
    LifeRig rig;
    Limits lim;
    lim.soft_packets = 0;
    rig.init(50, true, 0x50, lim);
    rig.drain();
    while (rig.cycle() % 4 != 0) rig.tick();  // the TX slot: the op reads on this clock
    rig.request_op(true, Op::kCheck, 50, 10);
    for (uint64_t i = 0; i < at; ++i) rig.tick();
    rig.request_init(50, true, true, 0x51, lim);
    rig.tick();
    REQUIRE_FALSE(rig.init_pending());
    rig.drain();
    CHECK(rig.answers_compared() == 1);  // dropped, as the model (the rig) says
    CHECK(take_events(rig).empty());
    CHECK(rig.snapshot(50) == Words{});
    CHECK(rig.check(true, 50, 10));
    CHECK(take_events(rig) == std::vector<Event>{Event{kSoftPackets, 50, 0x51}});
  }
}

TEST_CASE("a snapshot on the clock after an op's read counts it, and not when an init then cancels it") {
  for (bool cancel : {false, true}) {
    CAPTURE(cancel);
    LifeRig rig;
    rig.init(60, false, 0x60, Limits{});
    CHECK(rig.check(false, 60, 7));
    while (rig.cycle() % 4 != 2) rig.tick();  // the RX slot
    rig.request_op(false, Op::kCheck, 60, 5);
    rig.tick();
    rig.request_snapshot(60);  // reads on this (odd) clock
    if (cancel) rig.request_init(60, true, false, 0x61, Limits{});  // held to the next clock
    rig.tick();
    rig.drain();
    REQUIRE(rig.snapshots_compared() == 1);
    CHECK(word64(*rig.last_snapshot(), 0) == (cancel ? 1 : 2));
    CHECK(word64(*rig.last_snapshot(), 1) == (cancel ? 7 : 12));
    CHECK(word64(rig.snapshot(60), 0) == (cancel ? 0 : 2));
  }
}
