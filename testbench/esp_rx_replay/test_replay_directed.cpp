// esp_rx_replay, directed: each case states what RFC 4303 section 3.4.3 and appendix A ask
// of the window, and checks the unit's answers for it; every check and commit is compared
// with driver/replay.h's ReplayWindow besides (ReplayRig), clock by clock.
#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>

#include "replay_rig.h"

using ipsec::tb::replay::CheckAnswer;
using ipsec::tb::replay::ReplayRig;
using ipsec::tb::replay::ReplayVerdict;

namespace {

constexpr ReplayVerdict kFresh = ReplayVerdict::kFresh;
constexpr ReplayVerdict kReplayed = ReplayVerdict::kReplayed;
constexpr ReplayVerdict kTooOld = ReplayVerdict::kTooOld;
constexpr ReplayVerdict kInvalid = ReplayVerdict::kInvalid;
constexpr uint64_t k2To32 = uint64_t{1} << 32;

// A check's verdict, its inferred high half required to be `hi`.
ReplayVerdict check_hi(ReplayRig& rig, uint32_t idx, uint64_t seq) {
  const CheckAnswer a = rig.check(idx, static_cast<uint32_t>(seq));
  CHECK_MESSAGE(a.seq_hi == static_cast<uint32_t>(seq >> 32),
                "sequence number " << seq << ": inferred high half " << a.seq_hi);
  return a.verdict;
}

}  // namespace

TEST_CASE("a duplicate is replayed, at the check and at the commit") {
  ReplayRig rig;
  rig.init(5, 2, false, 0);
  CHECK(check_hi(rig, 5, 1) == kFresh);
  CHECK(rig.commit(5, 1) == kFresh);
  CHECK(check_hi(rig, 5, 1) == kReplayed);
  CHECK(rig.commit(5, 1) == kReplayed);
  CHECK(rig.commit(5, 7) == kFresh);
  CHECK(check_hi(rig, 5, 3) == kFresh);  // inside, below the edge, not seen
  CHECK(rig.commit(5, 3) == kFresh);
  CHECK(check_hi(rig, 5, 3) == kReplayed);
  CHECK(check_hi(rig, 5, 7) == kReplayed);  // the edge itself
  CHECK(rig.mismatches() == 0);
}

TEST_CASE("the window's left edge: just inside, exactly at it, one past it (windows 32, 64, 96, 1024)") {
  for (const bool esn : {false, true}) {
    for (const uint32_t words : {1u, 2u, 3u, 32u}) {
      ReplayRig rig;
      const uint32_t w = words * 32;
      const uint64_t top = esn ? (uint64_t{7} << 32) + 5000 : 5000;
      CAPTURE(esn);
      CAPTURE(w);
      rig.init(9, words, esn, top);
      // One past the left edge. Its 32 bits alone, with ESN, are taken for the next 2^32
      // subspace's (appendix A2.2: below the window's bottom): fresh, far ahead. The
      // 64-bit number is too old.
      if (esn) {
        CHECK(check_hi(rig, 9, top - w + k2To32) == kFresh);
      } else {
        CHECK(check_hi(rig, 9, top - w) == kTooOld);
      }
      CHECK(rig.commit(9, top - w) == kTooOld);
      CHECK(check_hi(rig, 9, top - w + 1) == kFresh);   // the left edge
      CHECK(rig.commit(9, top - w + 1) == kFresh);
      CHECK(check_hi(rig, 9, top - w + 1) == kReplayed);
      CHECK(check_hi(rig, 9, top - w + 2) == kFresh);   // just inside
      CHECK(rig.commit(9, top - w + 2) == kFresh);
      CHECK(rig.commit(9, top - w + 2) == kReplayed);
      // One step right: the left edge's number falls out, the next stays replayed.
      CHECK(rig.commit(9, top + 1) == kFresh);
      CHECK(rig.commit(9, top - w + 1) == kTooOld);
      if (!esn) CHECK(check_hi(rig, 9, top - w + 1) == kTooOld);
      CHECK(check_hi(rig, 9, top - w + 2) == kReplayed);
      CHECK(check_hi(rig, 9, top) == kFresh);  // the old edge was never received
      CHECK(rig.mismatches() == 0);
    }
  }
}

TEST_CASE("a jump ahead by more than the window forgets every old bit") {
  for (const uint32_t words : {1u, 2u, 3u, 32u}) {
    ReplayRig rig;
    const uint32_t w = words * 32;
    CAPTURE(w);
    rig.init(100, words, false, 0);
    for (uint64_t s = 1; s <= w; s += 3) CHECK(rig.commit(100, s) == kFresh);
    const uint64_t far = w + w + 5;  // every number received so far is left of the new window
    CHECK(rig.commit(100, far) == kFresh);
    CHECK(check_hi(rig, 100, w) == kTooOld);
    for (uint64_t s = far - w + 1; s < far; s += 7) CHECK(check_hi(rig, 100, s) == kFresh);
    CHECK(check_hi(rig, 100, far) == kReplayed);
    // Exactly one window ahead: the old edge is just out, nothing in between was seen.
    CHECK(rig.commit(100, far + w) == kFresh);
    CHECK(check_hi(rig, 100, far) == kTooOld);
    for (uint64_t s = far + 1; s < far + w; s += 5) CHECK(check_hi(rig, 100, s) == kFresh);
    CHECK(rig.mismatches() == 0);
  }
}

TEST_CASE("window 1024: the ring's words are reused as the window slides round") {
  {
    ReplayRig rig;
    rig.init(1, 32, false, 0);
    for (uint64_t s = 1; s <= 40; ++s) CHECK(rig.commit(1, s) == kFresh);
    // 1000 ahead: the new edge shares a ring word with numbers 17..31, still in the window.
    CHECK(rig.commit(1, 1040) == kFresh);
    CHECK(check_hi(rig, 1, 16) == kTooOld);
    for (uint64_t s : {17, 31, 32, 40}) CHECK(check_hi(rig, 1, s) == kReplayed);
    for (uint64_t s : {41, 1000, 1024, 1039}) CHECK(check_hi(rig, 1, s) == kFresh);
    CHECK(check_hi(rig, 1, 1040) == kReplayed);
    // Exactly 1024 ahead of 1040: only the new edge is left.
    CHECK(rig.commit(1, 2064) == kFresh);
    CHECK(check_hi(rig, 1, 1040) == kTooOld);
    CHECK(check_hi(rig, 1, 1041) == kFresh);
    CHECK(rig.mismatches() == 0);
  }
  {
    // 1020 ahead: the new edge lands in the old edge's own ring word a lap later; numbers
    // 37..40 of that word are still in the window, every other word was skipped.
    ReplayRig rig;
    rig.init(1, 32, false, 0);
    for (uint64_t s = 1; s <= 40; ++s) CHECK(rig.commit(1, s) == kFresh);
    CHECK(rig.commit(1, 1060) == kFresh);
    CHECK(check_hi(rig, 1, 36) == kTooOld);
    for (uint64_t s : {37, 40, 1060}) CHECK(check_hi(rig, 1, s) == kReplayed);
    for (uint64_t s : {41, 64, 1056, 1059}) CHECK(check_hi(rig, 1, s) == kFresh);
    CHECK(rig.mismatches() == 0);
  }
}

TEST_CASE("window 0: no replay check and no state") {
  ReplayRig rig;
  rig.init(2, 0, false, 0);
  CHECK(check_hi(rig, 2, 0) == kFresh);
  CHECK(rig.commit(2, 10) == kFresh);
  CHECK(rig.commit(2, 10) == kFresh);
  CHECK(rig.commit(2, 0) == kFresh);
  CHECK(check_hi(rig, 2, 10) == kFresh);
  CHECK(rig.mismatches() == 0);
}

TEST_CASE("sequence number 0 is invalid (never sent, RFC 4303 section 3.3.3)") {
  ReplayRig rig;
  rig.init(3, 1, false, 0);
  CHECK(check_hi(rig, 3, 0) == kInvalid);
  CHECK(rig.commit(3, 0) == kInvalid);
  CHECK(rig.commit(3, 50) == kFresh);
  CHECK(check_hi(rig, 3, 0) == kInvalid);  // even far left of the window
  // With ESN, a new SA infers high half 0 for it: the 64-bit number 0, as invalid.
  rig.init(4, 2, true, 0);
  CHECK(check_hi(rig, 4, 0) == kInvalid);
  CHECK(rig.mismatches() == 0);
}

TEST_CASE("ESN across 2^32: the window straddles the wrap, the high half inferred on both sides") {
  for (const uint32_t words : {2u, 32u}) {
    ReplayRig rig;
    const uint64_t w = words * 32;
    CAPTURE(w);
    rig.init(7, words, true, k2To32 - 10);
    CHECK(check_hi(rig, 7, k2To32 - 5) == kFresh);
    CHECK(rig.commit(7, k2To32 - 5) == kFresh);
    CHECK(check_hi(rig, 7, k2To32 + 20) == kFresh);  // ahead: high half 1 (appendix A2.2 case A)
    CHECK(rig.commit(7, k2To32 + 20) == kFresh);
    // The edge has passed 2^32: below it the window's numbers take high half 0 (case B).
    CHECK(check_hi(rig, 7, k2To32 - 5) == kReplayed);
    CHECK(check_hi(rig, 7, k2To32 - 8) == kFresh);
    CHECK(rig.commit(7, k2To32 - 8) == kFresh);  // a number just below 2^32, after the edge
    CHECK(check_hi(rig, 7, k2To32 - 8) == kReplayed);
    CHECK(rig.commit(7, k2To32 + 20 - w) == kTooOld);
    CHECK(check_hi(rig, 7, 2 * k2To32 + 20 - w) == kFresh);  // its 32 bits: the next subspace
    CHECK(check_hi(rig, 7, k2To32 + 21 - w) == kFresh);
    CHECK(check_hi(rig, 7, k2To32 + 3) == kFresh);
    CHECK(check_hi(rig, 7, k2To32 + 20) == kReplayed);
    // Once the whole window is above 2^32, a number just below it is taken for the next
    // subspace's (case A: below the window's bottom means 2^33 - 8, far ahead).
    CHECK(rig.commit(7, k2To32 + 2000) == kFresh);
    CHECK(check_hi(rig, 7, 2 * k2To32 - 8) == kFresh);
    CHECK(check_hi(rig, 7, k2To32 + 2000) == kReplayed);
    CHECK(rig.mismatches() == 0);
  }
  // The edge at 2^32 - 1 exactly: 0 is 2^32, ahead, not sequence number 0.
  ReplayRig rig;
  rig.init(8, 1, true, k2To32 - 1);
  CHECK(check_hi(rig, 8, k2To32) == kFresh);
  CHECK(rig.commit(8, k2To32) == kFresh);
  CHECK(check_hi(rig, 8, k2To32) == kReplayed);
  CHECK(check_hi(rig, 8, k2To32 - 1) == kFresh);
  CHECK(rig.mismatches() == 0);
}

TEST_CASE("two SAs do not disturb each other") {
  ReplayRig rig;
  rig.init(3, 2, false, 0);
  rig.init(700, 2, true, 0);
  CHECK(rig.commit(3, 10) == kFresh);
  CHECK(check_hi(rig, 700, 10) == kFresh);
  CHECK(rig.commit(700, 500) == kFresh);
  CHECK(check_hi(rig, 3, 10) == kReplayed);
  CHECK(check_hi(rig, 3, 12) == kFresh);
  CHECK(rig.commit(700, 10) == kTooOld);
  CHECK(check_hi(rig, 700, 500) == kReplayed);
  CHECK(rig.commit(3, 11) == kFresh);
  CHECK(check_hi(rig, 700, 499) == kFresh);
  CHECK(rig.mismatches() == 0);
}

TEST_CASE("an init of a used index forgets its old state") {
  ReplayRig rig;
  rig.init(11, 32, true, 0);
  for (uint64_t s = 1; s < 300; s += 2) CHECK(rig.commit(11, s) == kFresh);
  rig.init(11, 1, false, 100);
  CHECK(check_hi(rig, 11, 99) == kFresh);   // seen under the old SA, unknown to the new
  CHECK(check_hi(rig, 11, 101) == kFresh);
  CHECK(check_hi(rig, 11, 299) == kFresh);  // ahead of the new edge
  CHECK(check_hi(rig, 11, 60) == kTooOld);  // left of the new, smaller window
  CHECK(rig.commit(11, 99) == kFresh);
  CHECK(check_hi(rig, 11, 99) == kReplayed);
  CHECK(rig.mismatches() == 0);
}

TEST_CASE("a commit rechecks: a number an earlier commit recorded is a replay after all") {
  ReplayRig rig;
  rig.init(20, 1, false, 0);
  // Two frames of one number checked back to back: both fresh before their ICVs.
  rig.issue_check(20, 8);
  rig.tick();
  rig.issue_check(20, 8);
  rig.tick();
  // Their commits, 4 clocks apart (the port's closest).
  rig.issue_commit(20, 8);
  for (int i = 0; i < 4; ++i) rig.tick();
  rig.issue_commit(20, 8);
  rig.drain();
  REQUIRE(rig.check_answers().size() == 2);
  CHECK(rig.check_answers()[0].verdict == kFresh);
  CHECK(rig.check_answers()[1].verdict == kFresh);
  REQUIRE(rig.commit_answers().size() == 2);
  CHECK(rig.commit_answers()[0] == kFresh);
  CHECK(rig.commit_answers()[1] == kReplayed);
  rig.check_answers().clear();
  rig.commit_answers().clear();
  // The same with a number the commit before pushed left of the window.
  rig.issue_commit(20, 9);
  for (int i = 0; i < 4; ++i) rig.tick();
  rig.issue_commit(20, 100);
  for (int i = 0; i < 4; ++i) rig.tick();
  rig.issue_commit(20, 60);
  rig.drain();
  REQUIRE(rig.commit_answers().size() == 3);
  CHECK(rig.commit_answers()[0] == kFresh);
  CHECK(rig.commit_answers()[1] == kFresh);
  CHECK(rig.commit_answers()[2] == kTooOld);
  CHECK(rig.mismatches() == 0);
}

TEST_CASE("a check sees a commit from the fourth clock after it, not before") {
  ReplayRig rig;
  rig.init(30, 2, false, 0);
  rig.issue_commit(30, 40);
  rig.issue_check(30, 40);  // the commit's own clock
  rig.tick();
  for (int i = 1; i <= 4; ++i) {
    rig.issue_check(30, 40);
    rig.tick();
  }
  rig.drain();
  REQUIRE(rig.check_answers().size() == 5);
  for (int i = 0; i < 4; ++i) CHECK(rig.check_answers()[i].verdict == kFresh);
  CHECK(rig.check_answers()[4].verdict == kReplayed);
  CHECK(rig.mismatches() == 0);
}

TEST_CASE("an init cancels a commit of its index in flight, and waits for one writing") {
  for (int gap = 0; gap <= 3; ++gap) {
    ReplayRig rig;
    CAPTURE(gap);
    rig.init(40, 2, false, 0);
    rig.init(41, 2, false, 0);
    rig.issue_commit(40, 77);
    for (int i = 0; i < gap; ++i) rig.tick();
    rig.issue_init(40, 2, false, 0);
    rig.drain();
    REQUIRE(rig.commit_answers().size() == 1);
    CHECK(rig.commit_answers()[0] == kFresh);  // against the state before the init
    // gap 0..2: cancelled; gap 3: the commit writes first, the init a clock later.
    CHECK(check_hi(rig, 40, 77) == kFresh);
    // A commit of another index is not disturbed by an init beside it.
    rig.issue_commit(41, 5);
    rig.issue_init(40, 1, false, 0);
    rig.drain();
    CHECK(check_hi(rig, 41, 5) == kReplayed);
    CHECK(rig.mismatches() == 0);
  }
}

TEST_CASE("ESN, window 96 across 2^32: the window stays exact where the reference's bit positions fold") {
  // driver/replay.h keeps number n at bit (n - 1) mod W of the low 32 bits of n, as the
  // kernel's xfrm_replay_advance_esn does: for a window that does not divide 2^32 the
  // positions jump at the wrap, so that 2^32 - 32 and 2^32 + 32 share bit 31 of a window of
  // 96. The unit keeps n at n mod 1024 of the whole number and stays exact; its answers
  // here are RFC 4303 appendix A's, stated outright.
  ReplayRig rig;
  rig.compare_with_reference(false);
  rig.init(12, 3, true, k2To32 + 31);
  CHECK(rig.commit(12, k2To32 + 32) == kFresh);
  CHECK(check_hi(rig, 12, k2To32 - 32) == kFresh);  // never received (the reference: replayed)
  CHECK(rig.commit(12, k2To32 - 32) == kFresh);
  CHECK(check_hi(rig, 12, k2To32 - 32) == kReplayed);
  CHECK(check_hi(rig, 12, k2To32 + 32) == kReplayed);
  CHECK(check_hi(rig, 12, k2To32 - 63) == kFresh);    // the window's left edge
  CHECK(rig.commit(12, k2To32 - 64) == kTooOld);
  CHECK(check_hi(rig, 12, k2To32 + 33) == kFresh);
}
