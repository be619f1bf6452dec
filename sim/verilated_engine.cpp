#include "verilated_engine.h"

namespace ipsec::sim {

VerilatedEngine::VerilatedEngine(const tool::EngineConfig& config, const TraceOptions& trace)
    : sim_(EngineSimOptions{config.seed, config.stall_percent, 0}) {
  if (!trace.vcd.empty()) sim_.open_vcd(trace.vcd, trace.depth, trace.from, trace.to);
}

std::vector<std::vector<uint8_t>> VerilatedEngine::take(std::deque<OutFrame>& q) {
  std::vector<std::vector<uint8_t>> out;
  for (OutFrame& f : q) {
    if (!f.user) out.push_back(std::move(f.data));
  }
  q.clear();
  return out;
}

}  // namespace ipsec::sim
