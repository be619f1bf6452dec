// sim.icarus_ratio: the AES-GCM unit simulated by Verilator and by Icarus Verilog on the same
// stimulus, the first message of the gcm section (no stalls). Both must give the same
// ciphertext and tags in the same clocks, or the bench fails. Wall time: Verilator's
// clocks per second over the same messages (run again and again to time them) divided by
// Icarus's (less vvp's start-up; compiling is not timed). Absent, with a note, when iverilog
// is not installed.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "bench.h"
#include "icarus_gcm.h"

namespace ipsec::bench {

Section bench_icarus() {
  // The first message (AES-128, 1,500 bytes): 111 clocks. Icarus 11 runs this unit at
  // 5..25 clocks per second (the AES pipe busy on every clock): 5..20 seconds.
  constexpr int kMessages = 1;
  const std::string missing = tb::icarus_missing();
  if (!missing.empty()) {
    std::fprintf(stderr, "ipsec-bench: sim.icarus_ratio absent: %s\n", missing.c_str());
    return {"sim",
            {{"icarus_ratio", std::nan(""), "absent: " + missing},
             {"icarus_cycles_per_second", std::nan(""), "absent: " + missing}}};
  }
  const auto jobs = gcm_bench_messages(kMessages);

  tb::GcmStreamHarness reference(1, 0, 0);
  for (const auto& j : jobs) reference.push(j);
  const auto expected = reference.run();
  const uint64_t clocks = reference.cycles();

  // Verilator on the same messages, repeated until the time is measurable.
  uint64_t v_clocks = 0;
  double v_wall = 0;
  while (v_wall < 0.5) {
    tb::GcmStreamHarness h(1, 0, 0);
    for (int rep = 0; rep < 100; ++rep) {
      for (const auto& j : jobs) h.push(j);
    }
    const auto t0 = std::chrono::steady_clock::now();
    (void)h.run();
    v_wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    v_clocks += h.cycles();
  }

  tb::IcarusGcm icarus;
  const tb::IcarusRun run = icarus.run(jobs, 1, 0, 0, clocks);
  const std::string diff = tb::compare_gcm_results(run.results, expected);
  if (!diff.empty()) throw std::runtime_error("sim.icarus_ratio: Icarus and Verilator differ: " + diff);
  if (run.clocks != clocks) {
    throw std::runtime_error("sim.icarus_ratio: Icarus took " + std::to_string(run.clocks) +
                             " clocks, Verilator " + std::to_string(clocks));
  }
  const double icarus_speed = static_cast<double>(run.clocks) / run.seconds;
  const double verilator_speed = static_cast<double>(v_clocks) / v_wall;
  return {"sim",
          {{"icarus_ratio", verilator_speed / icarus_speed,
            "wall time: gcm_stream clocks/s, Verilator over Icarus (gcm message 1, outputs equal)"},
           {"icarus_cycles_per_second", icarus_speed,
            "wall time: gcm_stream under Icarus (" + std::to_string(run.clocks) + " clocks)"}}};
}

}  // namespace ipsec::bench
