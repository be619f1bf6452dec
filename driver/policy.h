// The security policy database (SPD) of the host stack: what `ip xfrm policy` adds, and
// the lookups the kernel's xfrm_policy.c does for outgoing packets (dir out) and for
// packets delivered to the host (the dir in check).
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <vector>

#include "packet.h"
#include "status.h"
#include "xfrm_state.h"

namespace ipsec::xfrm {

using driver::AddressFamily;
using driver::Flow;
using driver::IpAddress;
using driver::Status;
using driver::XfrmSelector;

// XFRM_POLICY_IN / OUT / FWD.
enum class PolicyDir : uint8_t { kIn = 0, kOut = 1, kFwd = 2 };
const char* to_string(PolicyDir dir);

enum class PolicyAction : uint8_t { kAllow = 0, kBlock = 1 };

// One template (xfrm_user_tmpl): which state must protect the traffic.
struct XfrmTmpl {
  IpAddress saddr;  // AF_UNSPEC: any (transport mode takes the packet's addresses)
  IpAddress daddr;
  driver::XfrmProto proto = driver::XfrmProto::kEsp;
  uint32_t spi = 0;    // 0: any
  uint32_t reqid = 0;  // 0: any
  driver::XfrmMode mode = driver::XfrmMode::kTransport;
  bool optional = false;  // `level use`
};

struct XfrmPolicy {
  XfrmSelector sel;
  PolicyDir dir = PolicyDir::kOut;
  PolicyAction action = PolicyAction::kAllow;
  uint32_t priority = 0;
  uint32_t index = 0;  // given by the table, as the kernel's xfrm_gen_index
  std::vector<XfrmTmpl> tmpls;
  uint64_t add_time = 0;  // seconds since the epoch, for `ip -s xfrm policy`
  // `offload packet dev DEV` (XFRMA_OFFLOAD_DEV with XFRM_OFFLOAD_PACKET, Linux 6.2): the
  // device the policy is offloaded to; empty: none.
  std::string offload_dev;
};

// The family of a selector: its addresses'; AF_UNSPEC when none is given.
AddressFamily selector_family(const XfrmSelector& sel);
// xfrm_selector_match: addresses under their prefixes, protocol (0 matches any), ports
// under their masks. A selector of one family never matches a flow of the other.
bool selector_match(const XfrmSelector& sel, const Flow& flow);
// Both selectors cover exactly the same traffic (the kernel's xfrm_sec_ctx / selector
// comparison that makes a second policy for the same selector and direction a duplicate).
bool same_selector(const XfrmSelector& a, const XfrmSelector& b);

class PolicyTable {
 public:
  // -EEXIST for a second policy with the same selector and direction (xfrm_policy_insert
  // without NLM_F_REPLACE).
  Status add(XfrmPolicy policy);
  // -ENOENT when no policy has this selector and direction.
  Status remove(const XfrmSelector& sel, PolicyDir dir);
  // Removes every policy; how many there were.
  size_t flush();

  // The policy of `dir` for a flow: the lowest priority value among those whose selector
  // matches, the older one first among equals; nullptr when none matches.
  const XfrmPolicy* lookup(PolicyDir dir, const Flow& flow) const;

  // In the kernel's dump order: the newest policy first.
  std::vector<const XfrmPolicy*> dump() const;
  size_t size() const { return policies_.size(); }

 private:
  uint32_t gen_index(PolicyDir dir);

  std::list<XfrmPolicy> policies_;  // oldest first
  uint32_t idx_generator_ = 0;
};

}  // namespace ipsec::xfrm
