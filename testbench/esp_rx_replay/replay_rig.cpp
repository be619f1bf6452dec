#include "replay_rig.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "Vesp_rx_replay.h"
#include "verilated.h"
#include "verilated_reset.h"

namespace ipsec::tb::replay {

std::string verdict_name(ReplayVerdict v) {
  switch (v) {
    case ReplayVerdict::kFresh:
      return "fresh";
    case ReplayVerdict::kReplayed:
      return "replayed";
    case ReplayVerdict::kTooOld:
      return "too old";
    case ReplayVerdict::kInvalid:
      return "invalid";
  }
  return "?";
}

namespace {

// The RTL's encoding (esp_rx_replay_pkg::replay_verdict_e) is driver/replay.h's order.
ReplayVerdict from_rtl(uint32_t v) { return static_cast<ReplayVerdict>(v & 3); }

}  // namespace

ReplayRig::ReplayRig() : ctx_(std::make_unique<VerilatedContext>()), refs_(kNumSa) {
  // IPSEC_REPLAY_TRACE=N: print every request of SA index N, and its answers.
  if (const char* t = std::getenv("IPSEC_REPLAY_TRACE")) trace_ = std::strtoll(t, nullptr, 0);
  ctx_->randReset(2);  // memories and data flops start random: only init may make them sane
  m_ = std::make_unique<Vesp_rx_replay>(ctx_.get());
  m_->init_valid_i = 0;
  m_->chk_valid_i = 0;
  m_->cmt_valid_i = 0;
  async_reset(*m_);
}

ReplayRig::~ReplayRig() { m_->final(); }

xfrm::ReplayWindow& ReplayRig::ref(uint32_t idx) {
  if (!refs_.at(idx)) throw std::logic_error("SA index used before its init");
  return *refs_[idx];
}

const xfrm::ReplayWindow& ReplayRig::reference(uint32_t idx) const {
  if (!refs_.at(idx)) throw std::logic_error("SA index used before its init");
  return *refs_[idx];
}

void ReplayRig::issue_check(uint32_t idx, uint32_t sn) { check_ = CheckReq{idx, sn}; }

void ReplayRig::issue_commit(uint32_t idx, uint64_t seq) { commit_ = CommitReq{idx, seq}; }

void ReplayRig::issue_init(uint32_t idx, uint32_t words, bool esn, uint64_t top) {
  init_ = InitReq{idx, words, esn, top};
}

bool ReplayRig::commit_allowed() const { return !last_commit_ || cycle_ >= *last_commit_ + kCommitSpacing; }

void ReplayRig::compare_outputs() {
  const bool chk_due = !check_expect_.empty() && check_expect_.front().due == cycle_;
  CHECK_MESSAGE(static_cast<bool>(m_->chk_valid_o) == chk_due, "clock " << cycle_ << ": check answer "
                                                                        << (chk_due ? "missing" : "unexpected"));
  if (m_->chk_valid_o) {
    const CheckAnswer got{static_cast<uint32_t>(m_->chk_seq_hi_o), from_rtl(m_->chk_verdict_o)};
    check_answers_.push_back(got);
    if (chk_due) {
      const CheckExpect& e = check_expect_.front();
      if (compare_) {
        const bool same = got.seq_hi == e.answer.seq_hi && got.verdict == e.answer.verdict;
        if (!same) ++mismatches_;
        CHECK_MESSAGE(same, "clock " << cycle_ << ": check of SA " << e.req.idx << " sn " << e.req.sn
                                     << ": unit says hi " << got.seq_hi << " " << verdict_name(got.verdict)
                                     << ", reference hi " << e.answer.seq_hi << " "
                                     << verdict_name(e.answer.verdict));
      }
      ++checks_compared_;
      check_expect_.pop_front();
    }
  }
  const bool cmt_due = !commit_expect_.empty() && commit_expect_.front().due == cycle_;
  CHECK_MESSAGE(static_cast<bool>(m_->cmt_valid_o) == cmt_due, "clock " << cycle_ << ": commit answer "
                                                                        << (cmt_due ? "missing" : "unexpected"));
  if (m_->cmt_valid_o) {
    const ReplayVerdict got = from_rtl(m_->cmt_verdict_o);
    commit_answers_.push_back(got);
    if (cmt_due) {
      const CommitExpect& e = commit_expect_.front();
      if (compare_) {
        if (got != e.verdict) ++mismatches_;
        CHECK_MESSAGE(got == e.verdict, "clock " << cycle_ << ": commit of SA " << e.req.idx << " seq "
                                                 << e.req.seq << ": unit says " << verdict_name(got)
                                                 << ", reference " << verdict_name(e.verdict));
      }
      ++commits_compared_;
      commit_expect_.pop_front();
    }
  }
}

void ReplayRig::apply_pending() {
  while (!pending_.empty() && pending_.begin()->first <= cycle_) {
    const Pending& p = pending_.begin()->second;
    if (trace_ == p.idx) {
      std::printf("clock %llu: %s %llx\n", static_cast<unsigned long long>(cycle_), p.init ? "init" : "advance",
                  static_cast<unsigned long long>(p.init ? p.params.top : p.seq));
      if (p.init) std::printf("  words %u esn %d\n", p.params.words, p.params.esn);
    }
    if (p.init) {
      driver::XfrmReplayState st;
      st.seq = static_cast<uint32_t>(p.params.top);
      st.seq_hi = static_cast<uint32_t>(p.params.top >> 32);
      refs_.at(p.idx).emplace(p.params.words * 32, p.params.esn, st);
    } else {
      ref(p.idx).advance(p.seq);
    }
    pending_.erase(pending_.begin());
  }
}

void ReplayRig::tick() {
  compare_outputs();
  apply_pending();

  // The init port's ready: low only on the clock a commit writes, the third after its own.
  bool writing = false;
  for (const auto& entry : pending_) {
    const Pending& p = entry.second;
    if (!p.init && p.issued + kCommitLatency == cycle_) writing = true;
  }
  // (Known from the reference's verdicts: only while the unit is compared with it.)
  if (compare_) {
    CHECK_MESSAGE(static_cast<bool>(m_->init_ready_o) == !writing,
                  "clock " << cycle_ << ": init_ready " << static_cast<int>(m_->init_ready_o));
  }

  m_->chk_valid_i = check_.has_value();
  if (check_) {
    m_->chk_idx_i = check_->idx;
    m_->chk_sn_i = check_->sn;
    const xfrm::ReplayWindow& r = ref(check_->idx);
    CheckAnswer want;
    want.seq_hi = r.infer_seq_hi(check_->sn);
    want.verdict = r.check(uint64_t{want.seq_hi} << 32 | check_->sn);
    check_expect_.push_back({cycle_ + kCheckLatency, *check_, want});
    check_.reset();
  }

  m_->cmt_valid_i = commit_.has_value();
  if (commit_) {
    REQUIRE_MESSAGE(commit_allowed(), "test error: commits closer than " << kCommitSpacing << " clocks");
    m_->cmt_idx_i = commit_->idx;
    m_->cmt_seq_i = commit_->seq;
    const xfrm::ReplayWindow& r = ref(commit_->idx);
    const ReplayVerdict want = r.check(commit_->seq);
    if (trace_ == commit_->idx) {
      std::printf("clock %llu: commit %llx, reference top %x:%08x says %s\n",
                  static_cast<unsigned long long>(cycle_), static_cast<unsigned long long>(commit_->seq),
                  r.state().seq_hi, r.state().seq, verdict_name(want).c_str());
    }
    commit_expect_.push_back({cycle_ + kCommitLatency, *commit_, want});
    // Recorded when fresh with a window (without one the kernel keeps no state), seen by
    // requests from the clock after its write.
    if (want == ReplayVerdict::kFresh && r.window() != 0) {
      Pending p{};
      p.issued = cycle_;
      p.init = false;
      p.idx = commit_->idx;
      p.seq = commit_->seq;
      pending_.emplace(cycle_ + kCommitLatency + 1, p);
    }
    last_commit_ = cycle_;
    commit_.reset();
  }

  m_->init_valid_i = init_.has_value();
  if (init_) {
    m_->init_idx_i = init_->idx;
    m_->init_words_i = init_->words;
    m_->init_esn_i = init_->esn;
    m_->init_top_i = init_->top;
    if (m_->init_ready_o) {
      // Accepted: commits of the index not yet written are cancelled (this clock's too).
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (!it->second.init && it->second.idx == init_->idx && it->second.issued + kCommitLatency >= cycle_) {
          it = pending_.erase(it);
        } else {
          ++it;
        }
      }
      Pending p{};
      p.issued = cycle_;
      p.init = true;
      p.idx = init_->idx;
      p.params = *init_;
      pending_.emplace(cycle_ + 1, p);
      init_.reset();
    }
  }

  clock_edge(*m_);
  ++cycle_;
  m_->chk_valid_i = 0;
  m_->cmt_valid_i = 0;
  m_->init_valid_i = 0;
}

void ReplayRig::drain() {
  while (check_ || commit_ || init_ || !check_expect_.empty() || !commit_expect_.empty() || !pending_.empty()) {
    tick();
  }
}

void ReplayRig::init(uint32_t idx, uint32_t words, bool esn, uint64_t top) {
  issue_init(idx, words, esn, top);
  while (init_) tick();
  drain();
}

CheckAnswer ReplayRig::check(uint32_t idx, uint32_t sn) {
  drain();
  check_answers_.clear();
  issue_check(idx, sn);
  drain();
  REQUIRE(check_answers_.size() == 1);
  const CheckAnswer a = check_answers_.front();
  check_answers_.clear();
  return a;
}

ReplayVerdict ReplayRig::commit(uint32_t idx, uint64_t seq) {
  drain();
  while (!commit_allowed()) tick();
  commit_answers_.clear();
  issue_commit(idx, seq);
  drain();
  REQUIRE(commit_answers_.size() == 1);
  const ReplayVerdict v = commit_answers_.front();
  commit_answers_.clear();
  return v;
}

}  // namespace ipsec::tb::replay
