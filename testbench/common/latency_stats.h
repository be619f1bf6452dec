// Latency over every frame of a run, in clocks: the worst, the best and the mean. A figure
// taken from one isolated frame says nothing of the frames behind it in a loaded stream.
#pragma once

#include <algorithm>
#include <cstdint>

namespace ipsec::tb {

struct LatencyStats {
  uint64_t frames = 0;
  uint64_t worst = 0;
  uint64_t best = UINT64_MAX;
  double sum = 0;

  void add(uint64_t clocks) {
    ++frames;
    worst = std::max(worst, clocks);
    best = std::min(best, clocks);
    sum += static_cast<double>(clocks);
  }
  double max_cycles() const { return static_cast<double>(worst); }
  double min_cycles() const { return frames ? static_cast<double>(best) : 0.0; }
  double mean_cycles() const { return frames ? sum / static_cast<double>(frames) : 0.0; }
};

}  // namespace ipsec::tb
