// The engine as the reference model computes it (model::EngineModel: the control-plane
// model for the registers, the SA table and the counters, and the ESP datapath model for
// the frames, packet offload's included when its CtrlModelConfig asks). It has no clock
// of its own: run() moves the model's time on by the beats its frames would take (one
// 16-byte beat per clock per direction, both directions at once) plus a fixed latency,
// stretched by the stall percentage, so that cycle counts are plausible, not exact.
#pragma once

#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "engine_model.h"
#include "engine_port.h"

namespace ipsec::tool {

class ModelEngine final : public EnginePort {
 public:
  static constexpr uint64_t kLatencyCycles = 32;  // a frame's first beat in to first out
  static constexpr size_t kBeatBytes = 16;

  explicit ModelEngine(EngineConfig config = {}, model::CtrlModelConfig ctrl = {});

  driver::RegisterBus& bus() override { return model_; }
  void host_tx(const std::vector<uint8_t>& frame) override;
  void wire_rx(const std::vector<uint8_t>& frame, bool tuser = false) override;
  void run() override;
  std::vector<PortFrame> take_wire_tx() override;
  std::vector<PortFrame> take_host_rx() override;
  uint64_t cycles() const override { return model_.ctrl().cycle(); }

  // The control-plane model: SA table, counters, fault injection.
  model::CtrlModel& ctrl() { return model_.ctrl(); }
  const model::CtrlModel& ctrl() const { return model_.ctrl(); }

 private:
  std::vector<PortFrame> take(std::vector<std::vector<uint8_t>>& q) const;
  uint64_t stretched(uint64_t beats) const;

  EngineConfig config_;
  model::EngineModel model_;
  std::deque<std::vector<uint8_t>> host_tx_queue_;
  std::deque<std::pair<std::vector<uint8_t>, bool>> wire_rx_queue_;
  std::vector<std::vector<uint8_t>> wire_tx_;
  std::vector<std::vector<uint8_t>> host_rx_;
};

}  // namespace ipsec::tool
