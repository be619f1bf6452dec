// `ip [-s] xfrm state|policy ...` parsed as iproute2 parses it (ip/ip.c, ip/ipxfrm.c,
// ip/xfrm_state.c, ip/xfrm_policy.c): objects and subcommands by unique prefix (`ip x s`,
// `ip xfrm pol flush`), options by exact word in any order, numbers in C notation (decimal,
// 0x hex, 0 octal), keys as 0x hex or literal text. Usage errors carry iproute2's wording
// ("Error: argument \"X\" is wrong: ...").
//
// What this simulator leaves out, refused with a message saying so: subcommands other than
// add, delete, flush and list; state options mark, seq, coa, ctx, extra-flag, if_id, and
// time limits (`limit byte-*` and `packet-*` are kept); policy options index, flag, limit,
// ctx, mark, if_id; flags other than esn; protocols other than ESP; modes other than
// transport and tunnel; more than one template per policy. `offload packet` (states and
// policies, iproute2 6.2) is parsed and goes to the driver, which decides.
#pragma once

#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "policy.h"
#include "status.h"
#include "xfrm_state.h"

namespace ipsec::tool {

// An `ip` command line the way iproute2 would refuse it.
class IpUsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StateAdd {
  driver::XfrmState state;
  // What the kernel answers before any state exists (an algorithm it does not know:
  // -ENOSYS); success otherwise.
  driver::Status kernel_error;
};
struct StateDelete {
  driver::IpAddress daddr;
  driver::XfrmProto proto = driver::XfrmProto::kEsp;
  uint32_t spi = 0;
};
struct StateFlush {};
struct StateList {};
struct PolicyAdd {
  xfrm::XfrmPolicy policy;
};
struct PolicyDelete {
  driver::XfrmSelector sel;
  xfrm::PolicyDir dir = xfrm::PolicyDir::kOut;
};
struct PolicyFlush {};
struct PolicyList {};
// `ip xfrm monitor expire`: from here on, print each expire as it happens.
struct MonitorExpire {};

using IpXfrmAction = std::variant<StateAdd, StateDelete, StateFlush, StateList, PolicyAdd,
                                  PolicyDelete, PolicyFlush, PolicyList, MonitorExpire>;

struct IpXfrmCommand {
  int show_stats = 0;  // -s given (once or more)
  IpXfrmAction action;
};

// `words[0]` is "ip". `device` is the only network device there is: `offload dev` must name
// it. Throws IpUsageError.
IpXfrmCommand parse_ip_command(const std::vector<std::string>& words, const std::string& device);

// Protocol names as /etc/protocols has them ("tcp", "ipv6-icmp"); the number when unnamed.
std::string protocol_name(uint8_t proto);

// iproute2's get_u32 (strtoul, base 0): false for anything but a whole number in range.
bool parse_u32(const std::string& text, uint32_t& value);
bool parse_u64(const std::string& text, uint64_t& value);

}  // namespace ipsec::tool
