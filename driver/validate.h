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

// mlx5_fpga_esp_validate_xfrm_attrs: what the FPGA layer refuses with -EOPNOTSUPP, which
// leaves the state to software ESP: hardware anti-replay, ESN without V2 commands (and, as
// a second line behind validate_state, TFC padding, an ICV or key length it cannot do).
Status validate_accel_attrs(const AccelAttrs& attrs, const DeviceCaps& caps);

}  // namespace ipsec::driver
