// Which xfrm states the device offloads (contract section 8).
#pragma once

#include "accel_attrs.h"
#include "device_caps.h"
#include "status.h"
#include "xfrm_state.h"

namespace ipsec::driver {

// mlx5e_xfrm_validate_state: the contract's 15 checks in its order, the first failing one
// answers -EINVAL with its message, word for word.
Status validate_state(const XfrmState& state, const DeviceCaps& caps);

// Packet offload (docs/packet_offload.md, P1 and P2), after validate_state's checks, as
// mlx5e_xfrm_validate_state's XFRM_DEV_OFFLOAD_PACKET case does (Linux 6.2 and later):
// -EINVAL with mlx5's extended-ack message. Where this device differs from mlx5's first
// version: tunnel mode is offloaded, RX windows are any multiple of 32 bits up to CAP_PKT's,
// and byte limits are kept (6.2's mlx5 refused them; later versions keep them too).
Status validate_packet_state(const XfrmState& state, const DeviceCaps& caps);

// What mlx5e_xfrm_validate_policy looks at in a policy offered to the device
// (xfrm_dev_policy_add, `ip xfrm policy add ... offload packet dev DEV`).
struct PolicyOffloadView {
  bool forward = false;          // dir fwd
  size_t templates = 0;          // xfrm_nr
  uint32_t reqid = 0;            // the first template's
  uint8_t selector_proto = 0;    // 0: any
  bool selector_addrs_any = true;  // both selector addresses all zero
};

// mlx5e_xfrm_validate_policy (mlx5 after 6.2, once one set of xfrmdev_ops serves both
// modes and a device without packet offload refuses with the capability's message): -EINVAL
// with mlx5's extended-ack message. The engine keeps no policy table: the policy is checked
// and remembered by the driver only (packet section P7).
Status validate_packet_policy(const PolicyOffloadView& policy, const DeviceCaps& caps);

// mlx5_fpga_esp_validate_xfrm_attrs: what the FPGA layer refuses with -EOPNOTSUPP, which
// leaves the state to software ESP: hardware anti-replay, ESN without V2 commands (and, as
// a second line behind validate_state, TFC padding, an ICV or key length it cannot do).
Status validate_accel_attrs(const AccelAttrs& attrs, const DeviceCaps& caps);

}  // namespace ipsec::driver
