// host: what ran the figures. The cycle figures do not depend on it; the wall-time ones
// (sim, gcm.sim_cycles_per_second) do, and so does the Verilator that built the models.
#include <fstream>
#include <string>
#include <thread>

#include <verilated.h>

#include "bench.h"

namespace ipsec::bench {

namespace {

// The "model name" of the first processor in /proc/cpuinfo (Linux on x86; other machines
// name the CPU otherwise, then this says so).
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) break;
    const size_t from = line.find_first_not_of(" \t", colon + 1);
    return from == std::string::npos ? std::string() : line.substr(from);
  }
  return "unknown (no model name in /proc/cpuinfo)";
}

}  // namespace

Section bench_host() {
  // The version compiled into the Verilated models: the one that built them, whatever
  // `verilator` on the PATH is today.
  return {"host",
          {text_figure("verilator_version", Verilated::productVersion()),
           text_figure("cpu_model", cpu_model()),
           {"logical_cpus", static_cast<double>(std::thread::hardware_concurrency()), "as the OS reports them"}}};
}

}  // namespace ipsec::bench
