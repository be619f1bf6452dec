// esp_rx_replay (rtl/esp/) on its own, clock by clock, against the software stack's window
// (driver/replay.h, ipsec::xfrm::ReplayWindow) kept per SA index: every check's inferred
// high half and verdict and every commit's verdict are compared with it, at the clock the
// unit answers, and every init's ready with when a commit writes.
//
// Timing the reference follows (the unit's header): a commit issued on clock k reads the
// state on k and writes it at the end of k + 3, so checks issued from k + 4 on see it; an
// init accepted on clock j is seen from j + 1 and cancels a commit of its index issued on
// j - 3 to j (not yet written).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "replay.h"

class Vesp_rx_replay;
class VerilatedContext;

namespace ipsec::tb::replay {

using xfrm::ReplayVerdict;

// The unit's figures (esp_rx_replay_pkg).
constexpr uint32_t kNumSa = 1024;
constexpr uint64_t kCheckLatency = 4;
constexpr uint64_t kCommitLatency = 3;
constexpr uint64_t kCommitSpacing = 4;

struct CheckAnswer {
  uint32_t seq_hi = 0;
  ReplayVerdict verdict = ReplayVerdict::kFresh;
};

std::string verdict_name(ReplayVerdict v);

class ReplayRig {
 public:
  ReplayRig();
  ~ReplayRig();
  ReplayRig(const ReplayRig&) = delete;
  ReplayRig& operator=(const ReplayRig&) = delete;

  // ---- one clock at a time ----
  // What the next tick() presents: at most one of each. An init is held until accepted.
  void issue_check(uint32_t idx, uint32_t sn);
  void issue_commit(uint32_t idx, uint64_t seq);
  void issue_init(uint32_t idx, uint32_t words, bool esn, uint64_t top);
  bool init_pending() const { return init_.has_value(); }
  // Whether a commit may be issued for the next tick (the port's spacing rule).
  bool commit_allowed() const;
  // One clock: answers due compared, the requests issued, the clock edge.
  void tick();
  uint64_t cycle() const { return cycle_; }

  // ---- whole operations, for directed tests: each returns the unit's answer ----
  void init(uint32_t idx, uint32_t words, bool esn, uint64_t top);
  CheckAnswer check(uint32_t idx, uint32_t sn);
  ReplayVerdict commit(uint32_t idx, uint64_t seq);
  // Ticks until nothing is in flight.
  void drain();

  // The answers the unit gave, oldest first (consumed by the caller if it wants them).
  std::deque<CheckAnswer>& check_answers() { return check_answers_; }
  std::deque<ReplayVerdict>& commit_answers() { return commit_answers_; }
  // The reference window of an index (after init), as it stands for requests issued now.
  const xfrm::ReplayWindow& reference(uint32_t idx) const;

  uint64_t checks_compared() const { return checks_compared_; }
  uint64_t commits_compared() const { return commits_compared_; }
  uint64_t mismatches() const { return mismatches_; }
  // Whether the unit is compared with the reference (a directed test of a case where the
  // reference is known to differ turns it off and states its own expectations).
  void compare_with_reference(bool on) { compare_ = on; }

 private:
  struct CheckReq {
    uint32_t idx;
    uint32_t sn;
  };
  struct CommitReq {
    uint32_t idx;
    uint64_t seq;
  };
  struct InitReq {
    uint32_t idx;
    uint32_t words;
    bool esn;
    uint64_t top;
  };
  struct CheckExpect {
    uint64_t due;
    CheckReq req;
    CheckAnswer answer;
  };
  struct CommitExpect {
    uint64_t due;
    CommitReq req;
    ReplayVerdict verdict;
  };
  // A state change the unit makes visible at `apply` (the reference applies it then).
  struct Pending {
    uint64_t issued;
    bool init;
    uint32_t idx;
    uint64_t seq;     // commit
    InitReq params;   // init
  };

  void compare_outputs();
  void apply_pending();
  xfrm::ReplayWindow& ref(uint32_t idx);

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_rx_replay> m_;
  uint64_t cycle_ = 0;
  std::optional<uint64_t> last_commit_;
  bool compare_ = true;
  int64_t trace_ = -1;

  std::optional<CheckReq> check_;
  std::optional<CommitReq> commit_;
  std::optional<InitReq> init_;

  std::vector<std::optional<xfrm::ReplayWindow>> refs_;
  std::multimap<uint64_t, Pending> pending_;  // by the clock it applies from
  std::deque<CheckExpect> check_expect_;
  std::deque<CommitExpect> commit_expect_;
  std::deque<CheckAnswer> check_answers_;
  std::deque<ReplayVerdict> commit_answers_;
  uint64_t checks_compared_ = 0;
  uint64_t commits_compared_ = 0;
  uint64_t mismatches_ = 0;
};

}  // namespace ipsec::tb::replay
