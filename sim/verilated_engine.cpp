#include "verilated_engine.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>

#include "wave_layout.h"

namespace ipsec::sim {

namespace {

EngineSimOptions sim_options(const tool::EngineConfig& config, RtlBuild build) {
  EngineSimOptions o;
  o.seed = config.seed;
  o.stall_percent = config.stall_percent;
  o.build = build;
  return o;
}

}  // namespace

VerilatedEngine::VerilatedEngine(const tool::EngineConfig& config, const TraceOptions& trace, RtlBuild build)
    : trace_(trace), sim_(sim_options(config, build)) {
  if (!trace.vcd.empty()) {
    sim_.open_vcd(trace.vcd, trace.depth, trace.from, trace.to);
    if (trace.frame) sim_.trace_frame(trace.frame);
  }
}

VerilatedEngine::~VerilatedEngine() {
  if (trace_.vcd.empty() || trace_.layout.empty()) return;
  try {
    write_engine_layout(trace_.layout, trace_.wave.empty() ? trace_.vcd : trace_.wave, sim_.first_traced_beat(),
                        trace_.from);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ipsec-sim: %s\n", e.what());
  }
}

void VerilatedEngine::run() {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const uint64_t cycles0 = sim_.cycles();
  const bool tty = ::isatty(2);
  bool shown = false;
  sim_.run(kQuietClocks, 100000, [&] {
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    if (!tty || wall < 2.0) return;
    std::fprintf(stderr, "\rclock %llu: frames in %llu host-tx %llu wire-rx, out %llu wire-tx %llu host-rx, %.0f kHz ",
                 static_cast<unsigned long long>(sim_.cycles()),
                 static_cast<unsigned long long>(sim_.host_tx_stats().frames),
                 static_cast<unsigned long long>(sim_.wire_rx_stats().frames),
                 static_cast<unsigned long long>(sim_.wire_tx_stats().frames),
                 static_cast<unsigned long long>(sim_.host_rx_stats().frames),
                 static_cast<double>(sim_.cycles() - cycles0) / wall / 1000.0);
    shown = true;
  });
  if (shown) std::fprintf(stderr, "\r\033[K");  // the closing statistics line follows
}

std::vector<tool::PortFrame> VerilatedEngine::take(std::deque<OutFrame>& q) {
  std::vector<tool::PortFrame> out;
  for (OutFrame& f : q) {
    if (!f.user) out.push_back({std::move(f.data), f.first_cycle});
  }
  q.clear();
  return out;
}

}  // namespace ipsec::sim
