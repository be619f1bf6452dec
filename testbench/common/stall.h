// Random valid/ready stalls for stream ports.
#pragma once

#include <cstdint>
#include <random>

namespace ipsec::tb {

// Decides, clock by clock, whether a source presents its next beat or a sink is ready.
// A source that has raised valid keeps it until the beat is taken (AXI4-Stream rule): the
// caller asks only when no beat is presented.
class Staller {
 public:
  Staller(uint64_t seed, int stall_percent) : rng_(seed), percent_(stall_percent) {}
  bool go() { return percent_ == 0 || dist_(rng_) >= percent_; }

 private:
  std::mt19937_64 rng_;
  std::uniform_int_distribution<int> dist_{0, 99};
  int percent_;
};

}  // namespace ipsec::tb
