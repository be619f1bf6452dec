#include "replay.h"

#include "esn.h"

namespace ipsec::xfrm {

namespace {
constexpr uint32_t kLegacyWindowMax = 32;  // sizeof(xfrm_replay_state.bitmap) * 8
}

ReplayWindow::ReplayWindow(uint32_t window, bool esn, const driver::XfrmReplayState& initial)
    : window_(window), esn_(esn), bitmap_mode_(esn || window > kLegacyWindowMax), state_(initial) {
  if (!esn_) {
    // Without ESN the kernel keeps no high halves.
    state_.seq_hi = 0;
    state_.oseq_hi = 0;
  }
  if (bitmap_mode_) bitmap_.assign((window_ + 31) / 32, 0);
}

uint64_t ReplayWindow::top() const { return uint64_t{state_.seq_hi} << 32 | state_.seq; }

uint32_t ReplayWindow::infer_seq_hi(uint32_t seq) const {
  if (!esn_) return 0;
  return driver::xfrm_replay_seqhi(state_, window_, seq);
}

bool ReplayWindow::bit(uint64_t seq) const {
  const uint32_t n = (static_cast<uint32_t>(seq) - 1) % window_;
  return (bitmap_[n >> 5] >> (n & 31)) & 1;
}

void ReplayWindow::set_bit(uint64_t seq, bool on) {
  const uint32_t n = (static_cast<uint32_t>(seq) - 1) % window_;
  if (on) {
    bitmap_[n >> 5] |= 1u << (n & 31);
  } else {
    bitmap_[n >> 5] &= ~(1u << (n & 31));
  }
}

ReplayVerdict ReplayWindow::check(uint64_t seq) const {
  if (window_ == 0) return ReplayVerdict::kFresh;  // xfrm_replay_check: no window, no check
  if (seq == 0) return ReplayVerdict::kInvalid;
  const uint64_t t = top();
  if (seq > t) return ReplayVerdict::kFresh;
  const uint64_t diff = t - seq;
  if (diff >= window_) return ReplayVerdict::kTooOld;
  if (!bitmap_mode_) {
    return (legacy_bitmap_ >> diff) & 1 ? ReplayVerdict::kReplayed : ReplayVerdict::kFresh;
  }
  return bit(seq) ? ReplayVerdict::kReplayed : ReplayVerdict::kFresh;
}

void ReplayWindow::advance(uint64_t seq) {
  if (window_ == 0) return;  // the kernel keeps no state without a window
  const uint64_t t = top();
  if (!bitmap_mode_) {
    if (seq > t) {
      const uint64_t diff = seq - t;
      legacy_bitmap_ = diff < window_ ? legacy_bitmap_ << diff | 1u : 1u;
      state_.seq = static_cast<uint32_t>(seq);
    } else {
      legacy_bitmap_ |= 1u << (t - seq);
    }
    return;
  }
  if (seq > t) {
    const uint64_t diff = seq - t;
    if (diff >= window_) {
      for (uint32_t& w : bitmap_) w = 0;
    } else {
      for (uint64_t i = 1; i < diff; ++i) set_bit(t + i, false);
    }
    set_bit(seq, true);
    state_.seq = static_cast<uint32_t>(seq);
    if (esn_) state_.seq_hi = static_cast<uint32_t>(seq >> 32);
  } else {
    set_bit(seq, true);
  }
}

uint64_t ReplayWindow::last_output() const { return uint64_t{state_.oseq_hi} << 32 | state_.oseq; }

std::optional<uint64_t> ReplayWindow::next_output(uint32_t count) {
  const uint64_t last = last_output();
  const uint64_t limit = esn_ ? UINT64_MAX : UINT32_MAX;
  if (count == 0 || last > limit - count) return std::nullopt;
  const uint64_t next = last + count;
  state_.oseq = static_cast<uint32_t>(next);
  state_.oseq_hi = static_cast<uint32_t>(next >> 32);
  return last + 1;
}

}  // namespace ipsec::xfrm
