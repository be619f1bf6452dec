// The cost of installing one SA through the registers, for `make bench` (key "sa_add"):
// one ADD_SA_V2 from its first register write to its response popped.
#pragma once

#include <cstdint>

namespace ipsec::tb {

struct SaAddCost {
  uint64_t writes = 0;  // register writes: the 37 window words, the doorbell, the pop
  uint64_t reads = 0;   // register reads: CMD_STATUS polls and the two response words
  uint64_t cycles = 0;  // clocks from the first write to the pop's write response
};

// Builds a control-plane model, lets its reset scrub finish, then installs one IPv4
// AES-GCM-256 ESN SA the way a driver does: write the image, ring the doorbell, poll
// CMD_STATUS until a response is waiting, read it, pop it. Throws if the SA is refused.
SaAddCost measure_sa_add(uint64_t seed = 1);

}  // namespace ipsec::tb
