// The ESN state the device needs to infer the high 32 bits of an RX sequence number
// (contract section 7; mlx5e_ipsec_update_esn_state, RFC 4303 appendix A).
#pragma once

#include <cstdint>

#include "xfrm_state.h"

namespace ipsec::driver {

// Half of the 32-bit sequence space: the bottom of the replay window at or above it sets
// ESN_OVERLAP (MLX5E_IPSEC_ESN_SCOPE_MID).
inline constexpr uint32_t kEsnScopeMid = 0x80000000u;

// Which ESN behaviour the driver has (DeviceOptions::driver, `--driver`).
enum class DriverVariant : uint8_t {
  // The default: esn is the seq_hi of the window bottom, MOD_SA_V2 is sent whenever the
  // device's ESN state changes.
  kCorrected,
  // The Innova driver as Linux 5.x shipped it (v4.17..v5.7): mlx5e_ipsec_update_esn_state
  // adds one to esn when the overlap bit clears and reports a change only when overlap
  // flips; mlx5_fpga_esp_modify_xfrm then refuses every valid update (its check of
  // mlx5_fpga_esp_validate_xfrm_attrs is inverted, and so is the V2 check after it), so no
  // MOD_SA_V2 is ever sent and the device keeps the ESN state of the ADD.
  kInnovaAsShipped,
};

// What the SA image's ESN_EN, ESN_OVERLAP and esn fields carry.
struct EsnState {
  bool triggered = false;  // ESN_EN: the state has flag esn
  bool overlap = false;    // ESN_OVERLAP
  uint32_t esn = 0;        // high 32 bits of the window bottom's sequence number

  bool operator==(const EsnState& o) const {
    return triggered == o.triggered && overlap == o.overlap && esn == o.esn;
  }
  bool operator!=(const EsnState& o) const { return !(*this == o); }
};

struct EsnUpdate {
  EsnState state;
  bool changed = false;  // differs from the previous state: the driver sends MOD_SA_V2
};

// Bottom of the replay window: seq - window + 1, or 0 while seq < window (section 7).
uint32_t replay_seq_bottom(uint32_t seq, uint32_t window);

// The kernel's xfrm_replay_seqhi(): the high 32 bits of a received sequence number `seq`
// given the replay state (highest seq and seq_hi received) and the window.
uint32_t xfrm_replay_seqhi(const XfrmReplayState& replay, uint32_t window, uint32_t seq);

// The next ESN state from the previous one and the replay state. Not ESN: nothing
// triggered, never changed. Else esn = the seq_hi of the window bottom, overlap flips to 1
// when the bottom reaches 2^31 and back to 0 when it wraps below (then esn has advanced by
// one with seq_hi). `changed` is true whenever esn or overlap differ from `previous`.
EsnUpdate update_esn_state(const EsnState& previous, bool flag_esn,
                           const XfrmReplayState& replay, uint32_t window);

// mlx5e_ipsec_update_esn_state exactly as v4.17..v5.7 have it: the bottom is seq - window + 1
// in 32-bit arithmetic (no clamp at 0), esn is recomputed every time, overlap flips at 2^31
// and back, esn gets one more when it clears; `changed` only on a flip (an esn that moves
// without one is not reported, so no update is attempted for it).
EsnUpdate update_esn_state_as_shipped(const EsnState& previous, bool flag_esn,
                                      const XfrmReplayState& replay, uint32_t window);

}  // namespace ipsec::driver
