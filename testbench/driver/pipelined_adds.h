// SAs added back to back through the asynchronous command path: each ADD posted as soon as
// the previous one is, the credits and the backlog pacing them, completions taken on the
// way. What `make bench` reports as sa_add.pipelined_cycles_per_sa and what the transport
// test bounds, on the same code.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "driver_fixture.h"
#include "ipsec_device.h"

namespace ipsec::tb {

// The i-th of the states: TX and RX in turn, distinct SPIs and addresses, AES-128 and -256.
inline driver::XfrmState pipelined_state(int i) {
  StateSpec s;
  s.dir = i % 2 ? driver::OffloadDirection::kIn : driver::OffloadDirection::kOut;
  s.key_bytes = i % 4 < 2 ? 16 : 32;
  s.spi = 0x100000u + static_cast<uint32_t>(i);
  s.host = static_cast<uint8_t>(1 + i % 250);
  return offloadable_state(s);
}

struct PipelinedAdds {
  int sas = 0;
  uint64_t cycles = 0;  // first doorbell's first window write to the last completion
  double cycles_per_sa() const { return sas ? static_cast<double>(cycles) / sas : 0; }
};

// Posts `n` ADDs on a probed device and settles; `clock` is the device's clock. Throws if
// any add fails.
inline PipelinedAdds add_pipelined(driver::IpsecDevice& dev, int n) {
  int failed = 0;
  std::string first_error;
  const uint64_t start = dev.commands().now();
  for (int i = 0; i < n; ++i) {
    auto r = dev.add_state_async(pipelined_state(i), [&](const driver::Status& s) {
      if (!s.ok() && failed++ == 0) first_error = s.message();
    });
    if (!r.ok()) throw std::runtime_error("add " + std::to_string(i) + ": " + r.status().message());
    // The interrupt handler runs between posts, as the completions come.
    (void)dev.service();
  }
  dev.settle();
  if (failed) throw std::runtime_error(std::to_string(failed) + " adds failed, first: " + first_error);
  return PipelinedAdds{n, dev.commands().now() - start};
}

}  // namespace ipsec::tb
