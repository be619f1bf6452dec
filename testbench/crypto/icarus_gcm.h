// The gcm_stream unit under Icarus Verilog (testbench/crypto/gcm_stream_icarus_tb.sv): the
// same messages and the same stall decisions as GcmStreamHarness, outputs read back in the
// harness's form so that the two simulators can be compared beat for beat.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gcm_stream_harness.h"

namespace ipsec::tb {

// Empty when iverilog and vvp are on PATH; otherwise why the Icarus path cannot run.
std::string icarus_missing();

struct IcarusRun {
  std::vector<GcmResult> results;  // pass, text, tag, tag_ok (no cycle stamps)
  uint64_t clocks = 0;             // clocks simulated after reset
  double seconds = 0;              // wall time of the run less vvp's start-up
};

class IcarusGcm {
 public:
  // Compiles the bench with `iverilog -g2012` in a new temporary directory (removed by the
  // destructor). Throws std::runtime_error with iverilog's messages if it fails.
  IcarusGcm();
  ~IcarusGcm();
  IcarusGcm(const IcarusGcm&) = delete;
  IcarusGcm& operator=(const IcarusGcm&) = delete;

  // Runs `jobs` with the stall decisions GcmStreamHarness(seed, in_stall, out_stall) draws;
  // `clocks_bound` bounds the decisions written (the Verilated run's clocks are enough).
  IcarusRun run(const std::vector<GcmJob>& jobs, uint64_t seed, int in_stall_percent,
                int out_stall_percent, uint64_t clocks_bound);

 private:
  std::string dir_;
  std::string vvp_;
};

// The first difference between two runs' outputs (pass beats, text, tag, tag_ok), or empty.
std::string compare_gcm_results(const std::vector<GcmResult>& a, const std::vector<GcmResult>& b);

}  // namespace ipsec::tb
