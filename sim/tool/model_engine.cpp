#include "model_engine.h"

#include <algorithm>

namespace ipsec::tool {

ModelEngine::ModelEngine(EngineConfig config, model::CtrlModelConfig ctrl)
    : config_(config), model_(ctrl) {
  config_.stall_percent = std::clamp(config_.stall_percent, 0, 95);
}

void ModelEngine::host_tx(const std::vector<uint8_t>& frame) { host_tx_queue_.push_back(frame); }

void ModelEngine::wire_rx(const std::vector<uint8_t>& frame, bool tuser) {
  wire_rx_queue_.emplace_back(frame, tuser);
}

uint64_t ModelEngine::stretched(uint64_t beats) const {
  return beats * 100 / static_cast<uint64_t>(100 - config_.stall_percent);
}

void ModelEngine::run() {
  if (host_tx_queue_.empty() && wire_rx_queue_.empty()) return;
  auto beats = [](size_t bytes) {
    return std::max<uint64_t>(1, (bytes + kBeatBytes - 1) / kBeatBytes);
  };
  uint64_t tx_beats = 0, rx_beats = 0;
  while (!host_tx_queue_.empty()) {
    const std::vector<uint8_t> frame = std::move(host_tx_queue_.front());
    host_tx_queue_.pop_front();
    model::FrameResult r = model_.host_tx(frame);
    tx_beats += std::max(beats(frame.size()), r.out ? beats(r.out->size()) : 0);
    if (r.out) wire_tx_.push_back(std::move(*r.out));
  }
  while (!wire_rx_queue_.empty()) {
    auto [frame, tuser] = std::move(wire_rx_queue_.front());
    wire_rx_queue_.pop_front();
    model::FrameResult r = model_.wire_rx(frame, tuser);
    rx_beats += std::max(beats(frame.size()), r.out ? beats(r.out->size()) : 0);
    if (r.out) host_rx_.push_back(std::move(*r.out));
  }
  uint64_t wait = stretched(std::max(tx_beats, rx_beats)) + kLatencyCycles;
  while (wait) {
    const uint32_t step = static_cast<uint32_t>(std::min<uint64_t>(wait, UINT32_MAX));
    model_.ctrl().wait_cycles(step);
    wait -= step;
  }
}

// The model keeps no clocks: every frame of a run carries the clock it ended on.
std::vector<PortFrame> ModelEngine::take(std::vector<std::vector<uint8_t>>& q) const {
  std::vector<PortFrame> out;
  for (auto& f : q) out.push_back({std::move(f), cycles()});
  q.clear();
  return out;
}

std::vector<PortFrame> ModelEngine::take_wire_tx() { return take(wire_tx_); }

std::vector<PortFrame> ModelEngine::take_host_rx() { return take(host_rx_); }

}  // namespace ipsec::tool
