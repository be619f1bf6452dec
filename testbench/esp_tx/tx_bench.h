// TX figures at the limit: back-to-back offloaded frames of one size, no stalls, every
// frame through a different SA; measured in clock cycles.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ipsec::tb {

struct RateFigures {
  double bus_utilization;       // sum of max(in, out) beats per frame / clocks
  double wire_bytes_per_cycle;  // bytes leaving on the wire per clock (limit 16)
  // TX latency, last beat in to first beat out (TX stores and forwards), over every frame
  // of the stream (the first, into an idle engine, and every one behind it): the worst, the
  // best, the mean.
  double latency_cycles;
  double latency_min_cycles;
  double latency_mean_cycles;
  // First beat in to first beat out: the above plus the frame's own length; worst and best.
  double latency_first_cycles;
  double latency_first_min_cycles;
  uint64_t cycles;
  uint64_t frames;
};

// frame_size: bytes entering the engine (metadata included); 0 means IMIX (64, 594, 1518
// in the proportions 7:4:1).
RateFigures measure_tx(size_t frame_size, int frames, uint64_t seed);

}  // namespace ipsec::tb
