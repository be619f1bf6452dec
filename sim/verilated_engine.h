// The tool's engine port on the Verilated RTL (EngineSim): what ipsec-sim runs scenarios on.
#pragma once

#include <memory>
#include <string>

#include "engine_port.h"
#include "engine_sim.h"

namespace ipsec::sim {

struct TraceOptions {
  std::string vcd;                 // empty: no waveform
  int depth = 3;                   // hierarchy levels: 1 the engine's ports, 3 its blocks'; 99 all
  uint64_t from = 0, to = UINT64_MAX;  // clocks traced
  uint64_t frame = 0;                  // else only while the n-th frame is inside (1, 2, ...)
  // The GTKWave layout to write beside it when the engine goes (wave_layout.h), naming the
  // waveform `wave` (the VCD, or the FST it becomes); empty: none.
  std::string layout;
  std::string wave;
};

class VerilatedEngine final : public tool::EnginePort {
 public:
  // `build`: the Innova's fast build (the default), or the packet-offload one (RtlBuild::kPacket).
  VerilatedEngine(const tool::EngineConfig& config, const TraceOptions& trace,
                  RtlBuild build = RtlBuild::kFast);
  ~VerilatedEngine() override;
  VerilatedEngine(const VerilatedEngine&) = delete;
  VerilatedEngine& operator=(const VerilatedEngine&) = delete;

  driver::RegisterBus& bus() override { return sim_.bus(); }
  void host_tx(const std::vector<uint8_t>& frame) override { sim_.host_tx(frame); }
  void wire_rx(const std::vector<uint8_t>& frame, bool tuser) override { sim_.wire_rx(frame, tuser); }
  // On a terminal, a run longer than two seconds shows a progress line.
  void run() override;
  std::vector<tool::PortFrame> take_wire_tx() override { return take(sim_.wire_tx()); }
  std::vector<tool::PortFrame> take_host_rx() override { return take(sim_.host_rx()); }
  uint64_t cycles() const override { return sim_.cycles(); }

 private:
  // Frames that left; those with tuser set are discarded by the MAC.
  static std::vector<tool::PortFrame> take(std::deque<OutFrame>& q);

  TraceOptions trace_;
  EngineSim sim_;
};

}  // namespace ipsec::sim
