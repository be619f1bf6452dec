// What the tools print, byte for byte: `ip [-s] xfrm state` and `ip [-s] xfrm policy` as
// iproute2 6.2 prints the kernel's dump (ip/ipxfrm.c xfrm_state_info_print,
// xfrm_policy_info_print, xfrm_xfrma_print and the attributes a kernel sends for a state: the
// replay state, XFRMA_REPLAY_ESN_VAL when the state has the ESN flag or a window over 32,
// XFRMA_ENCAP with its original address, XFRMA_OFFLOAD_DEV (6.2: "... dir DIR mode crypto"),
// XFRMA_TFCPAD when not zero; a policy's XFRMA_POLICY_TYPE, which a kernel built with
// CONFIG_XFRM_SUB_POLICY sends, as Debian's does: "ptype main"), and `ethtool -S`
// (`NIC statistics:` then `     name: value`).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "ipsec_device.h"
#include "xfrm_stack.h"

namespace ipsec::tool {

// One state as `ip xfrm state` (show_stats 0) or `ip -s xfrm state` prints it.
std::string format_state(const xfrm::StateEntry& state, const std::string& device, int show_stats);
// One policy as `ip xfrm policy` or `ip -s xfrm policy` prints it.
std::string format_policy(const xfrm::XfrmPolicy& policy, int show_stats);
// `ethtool -S DEV`.
std::string format_ethtool_stats(const std::vector<driver::EthtoolStat>& stats);

// strxf_time: "%Y-%m-%d %T" in local time, "-" for 0.
std::string format_xfrm_time(uint64_t seconds);

}  // namespace ipsec::tool
