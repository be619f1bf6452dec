// Sequence numbers of one state: the ones an outbound state hands out (RFC 4303 section
// 3.3.3) and the anti-replay window of an inbound one (RFC 4303 section 3.4.3 and appendix
// A), kept the way the kernel's net/xfrm/xfrm_replay.c keeps them so that `ip xfrm state`
// shows the same counters and bitmap.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "xfrm_state.h"

namespace ipsec::xfrm {

enum class ReplayVerdict {
  kFresh,     // new, or inside the window and not seen yet
  kReplayed,  // inside the window, seen before (stats.replay)
  kTooOld,    // left of the window (stats.replay_window)
  kInvalid,   // sequence number 0, never sent (RFC 4303 section 3.3.3)
};

class ReplayWindow {
 public:
  // `window` packets (0: no replay check, as the kernel). iproute2 hands the kernel the
  // ESN replay state (a bitmap of any size) when `flag esn` is set or the window is larger
  // than 32, else the legacy 32-bit one (XFRMA_REPLAY_VAL): bitmap_mode() tells which.
  ReplayWindow(uint32_t window, bool esn, const driver::XfrmReplayState& initial);

  bool esn() const { return esn_; }
  bool bitmap_mode() const { return bitmap_mode_; }
  uint32_t window() const { return window_; }
  const driver::XfrmReplayState& state() const { return state_; }
  // Legacy mode: bit i is sequence number seq - i. Bitmap mode: bit (n - 1) % window of
  // word ((n - 1) % window) / 32 is sequence number n, as xfrm_replay_advance_esn keeps it.
  uint32_t legacy_bitmap() const { return legacy_bitmap_; }
  const std::vector<uint32_t>& bitmap() const { return bitmap_; }

  // ---- receive ----
  // The high 32 bits of a received sequence number (the kernel's xfrm_replay_seqhi, RFC
  // 4303 appendix A); 0 without ESN.
  uint32_t infer_seq_hi(uint32_t seq) const;
  // Whether a 64-bit sequence number (high bits 0 without ESN) may be accepted.
  ReplayVerdict check(uint64_t seq) const;
  // Records an authenticated sequence number: the window slides right when it is new.
  void advance(uint64_t seq);

  // ---- send ----
  // The first of `count` consecutive sequence numbers for outgoing packets (one, or the
  // segments of an LSO send), advancing the last one sent; nothing when they would cycle
  // (32 bits without ESN, 64 with), as the kernel refuses (XfrmOutStateSeqError).
  std::optional<uint64_t> next_output(uint32_t count = 1);
  uint64_t last_output() const;

 private:
  uint64_t top() const;
  bool bit(uint64_t seq) const;
  void set_bit(uint64_t seq, bool on);

  uint32_t window_;
  bool esn_;
  bool bitmap_mode_;
  driver::XfrmReplayState state_;
  uint32_t legacy_bitmap_ = 0;
  std::vector<uint32_t> bitmap_;
};

}  // namespace ipsec::xfrm
