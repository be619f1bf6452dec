// The whole engine at transaction level: the control-plane model (registers, commands, SA
// table, counters) and the ESP datapath rules, joined as the RTL joins them. It is a
// RegisterBus, so the driver runs against it exactly as against the RTL, and it predicts
// for every frame what leaves and how the counters move.
#pragma once

#include "ctrl_model.h"
#include "esp_model.h"

namespace ipsec::model {

class EngineModel final : public driver::RegisterBus {
 public:
  explicit EngineModel(CtrlModelConfig config = {}) : ctrl_(config) {}

  driver::BusStatus read32(uint32_t addr, uint32_t& data) override { return ctrl_.read32(addr, data); }
  driver::BusStatus write32(uint32_t addr, uint32_t data) override { return ctrl_.write32(addr, data); }
  void wait_cycles(uint32_t cycles) override { ctrl_.wait_cycles(cycles); }
  bool irq() override { return ctrl_.irq(); }
  uint64_t now() const override { return ctrl_.now(); }

  // A frame from the NIC / from the network: what leaves, counted in the hardware counters.
  FrameResult host_tx(const Bytes& frame, bool tuser = false);
  FrameResult wire_rx(const Bytes& frame, bool tuser = false);
  // A wire frame the engine dropped whole at its RX ingress FIFO, for want of room
  // (docs/architecture.md, "RX ingress"). Which frames drop depends on clocks this model
  // does not keep, so the caller says so, in place of wire_rx for that frame. The rule: such
  // a frame is refused before classification, so it counts in dec_drop and in
  // DEC_OVERFLOW_DROP_PACKETS only (not in dec_in, even if it was ESP for an RX SA).
  FrameResult wire_rx_overflow();

  // The SA the datapath would find for `key`.
  std::optional<SaContext> lookup(const SaKey& key) const;
  DatapathControl control() const;

  CtrlModel& ctrl() { return ctrl_; }
  const CtrlModel& ctrl() const { return ctrl_; }

 private:
  void count(const DatapathCounters& before, const DatapathCounters& after);

  CtrlModel ctrl_;
  DatapathCounters counters_;
};

}  // namespace ipsec::model
