// Seeds of random tests: printed, and settable to reproduce a failure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ipsec::tb {

// The seed of this test run: $IPSEC_SEED if set, else a fresh random one. Printed on first
// use as "seed N (rerun with IPSEC_SEED=N)".
uint64_t test_seed();

// Percentage of clocks on which a stream source pauses or a sink refuses: $IPSEC_STALL if
// set (0..95), else `fallback`.
int stall_percent(int fallback = 25);

// The stall levels a test sweeps: $IPSEC_STALL alone if set, else `levels`.
std::vector<int> stall_levels(std::vector<int> levels = {0, 25, 60});

// A reproduction hint for failure messages.
std::string seed_hint();

}  // namespace ipsec::tb
