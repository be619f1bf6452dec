// The engine's nominal clock: the one frequency every simulated time is computed from, the
// times of VCD and FST waveforms, pcap timestamps and the SystemC clock alike. 312.5 MHz:
// a 128-bit beat per clock is 40 Gb/s, a 40 GbE port's line rate, and the period is a
// whole number of picoseconds (3,200).
#pragma once

#include <cstdint>

namespace ipsec::sim {

inline constexpr uint64_t kClockHz = 312'500'000;
inline constexpr uint64_t kPsPerSecond = 1'000'000'000'000;
inline constexpr uint64_t kClockPeriodPs = kPsPerSecond / kClockHz;
static_assert(kPsPerSecond % kClockHz == 0, "the clock period must be a whole number of picoseconds");
static_assert(kClockPeriodPs % 2 == 0, "the clock is high for half a period");

// When clock `cycle` (0, 1, ...) begins: its inputs are set up, the clock low. Its rising
// edge, where the engine takes them, is half a period later.
constexpr uint64_t cycle_start_ps(uint64_t cycle) { return cycle * kClockPeriodPs; }
constexpr uint64_t cycle_edge_ps(uint64_t cycle) { return cycle * kClockPeriodPs + kClockPeriodPs / 2; }
// The start of `cycle` in whole nanoseconds (truncated: pcap's finest resolution).
constexpr uint64_t cycle_start_ns(uint64_t cycle) { return cycle_start_ps(cycle) / 1000; }

}  // namespace ipsec::sim
