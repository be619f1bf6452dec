#include "sa_add_bench.h"

#include <stdexcept>

#include "ctrl_harness.h"

namespace ipsec::tb {

SaAddCost measure_sa_add(uint64_t seed) {
  CtrlHarness h(seed);
  SaSpec sa;
  sa.tx = false;
  sa.sip = ipv4(192, 168, 1, 1);
  sa.dip = ipv4(192, 168, 1, 2);
  sa.spi = 0x1000;
  sa.salt = 0xa1b2c3d4;
  sa.handle = 1;
  sa.key = Bytes(32);
  for (size_t i = 0; i < sa.key.size(); ++i) sa.key[i] = static_cast<uint8_t>(0x40 + i);
  sa.esn = true;
  sa.esn_hi = 7;

  const uint64_t writes0 = h.bus().writes(), reads0 = h.bus().reads(), cycle0 = h.cycle();
  const Response r = h.add_sa(sa, /*v2=*/true);
  SaAddCost cost;
  cost.writes = h.bus().writes() - writes0;
  cost.reads = h.bus().reads() - reads0;
  cost.cycles = h.cycle() - cycle0;
  if (r.syndrome != contract::kOk || r.echo != sa.handle) {
    throw std::runtime_error("sa_add bench: ADD_SA_V2 answered syndrome " +
                             std::to_string(r.syndrome));
  }
  return cost;
}

}  // namespace ipsec::tb
