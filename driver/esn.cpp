#include "esn.h"

namespace ipsec::driver {

uint32_t replay_seq_bottom(uint32_t seq, uint32_t window) {
  return seq >= window ? seq - window + 1 : 0;
}

uint32_t xfrm_replay_seqhi(const XfrmReplayState& replay, uint32_t window, uint32_t seq) {
  // net/xfrm/xfrm_replay.c, in 32-bit arithmetic like the kernel.
  const uint32_t bottom = replay.seq - window + 1;
  uint32_t seq_hi = replay.seq_hi;
  if (replay.seq >= window - 1) {
    // The window lies in one 2^32 subspace: below its bottom is the next subspace.
    if (seq < bottom) ++seq_hi;
  } else {
    // The window spans two subspaces: at or above its (wrapped) bottom is the previous one.
    if (seq >= bottom) --seq_hi;
  }
  return seq_hi;
}

EsnUpdate update_esn_state(const EsnState& previous, bool flag_esn,
                           const XfrmReplayState& replay, uint32_t window) {
  EsnUpdate out;
  if (!flag_esn) return out;  // not triggered, nothing for the device to track

  const uint32_t seq_bottom = replay_seq_bottom(replay.seq, window);
  EsnState next;
  next.triggered = true;
  next.overlap = previous.overlap;
  next.esn = xfrm_replay_seqhi(replay, window, seq_bottom);
  // The overlap flips as in mlx5e_ipsec_update_esn_state. v4.17..v5.7 also incremented esn
  // when overlap fell back to 0, on top of the seq_hi that had already advanced with the
  // wrap (one too many; later kernels dropped it). Here esn is always the seq_hi of the
  // bottom, so "back to 0 with esn + 1" of section 7 is the seq_hi advance itself.
  if (previous.overlap && seq_bottom < kEsnScopeMid) {
    next.overlap = false;
  } else if (!previous.overlap && seq_bottom >= kEsnScopeMid) {
    next.overlap = true;
  }
  out.state = next;
  out.changed = next != previous;
  return out;
}

EsnUpdate update_esn_state_as_shipped(const EsnState& previous, bool flag_esn,
                                      const XfrmReplayState& replay, uint32_t window) {
  EsnUpdate out;
  if (!flag_esn) return out;  // trigger = 0, no update
  const uint32_t seq_bottom = replay.seq - window + 1;  // wraps while seq < window
  out.state.triggered = true;
  out.state.overlap = previous.overlap;
  out.state.esn = xfrm_replay_seqhi(replay, window, seq_bottom);
  if (previous.overlap && seq_bottom < kEsnScopeMid) {
    ++out.state.esn;  // the extra increment: seq_hi has already moved on with the wrap
    out.state.overlap = false;
    out.changed = true;
  } else if (!previous.overlap && seq_bottom >= kEsnScopeMid) {
    out.state.overlap = true;
    out.changed = true;
  }
  return out;
}

}  // namespace ipsec::driver
