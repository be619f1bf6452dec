// The engine seen from the host: its register bus and its four frame ports. ipsec-sim
// drives any implementation of it the same way: the reference model (model_engine.h) or
// the Verilated RTL stepped clock by clock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "register_bus.h"

namespace ipsec::tool {

// A frame that left the engine on one of its output ports.
struct PortFrame {
  std::vector<uint8_t> data;
  // The clock its first beat crossed the port (sim/engine_clock.h). The reference model
  // keeps no clocks: its frames carry the clock its run ended on.
  uint64_t first_cycle = 0;
};

class EnginePort {  // one engine: its register bus and its four frame ports
 public:
  virtual ~EnginePort() = default;
  virtual ipsec::driver::RegisterBus& bus() = 0;
  // A frame from the NIC into the engine.
  virtual void host_tx(const std::vector<uint8_t>& frame) = 0;
  // A frame from the network into the engine; tuser: the MAC saw an error in it.
  virtual void wire_rx(const std::vector<uint8_t>& frame, bool tuser = false) = 0;
  // Simulate until every queued frame has left.
  virtual void run() = 0;
  // Frames the engine put on the wire (tuser frames excluded: the MAC drops them).
  virtual std::vector<PortFrame> take_wire_tx() = 0;
  // Frames the engine handed the NIC (metadata included).
  virtual std::vector<PortFrame> take_host_rx() = 0;
  virtual uint64_t cycles() const = 0;
};

// What the runner asks of an engine it creates.
struct EngineConfig {
  uint64_t seed = 1;      // random stalls and anything else random in the port
  int stall_percent = 0;  // random valid/ready stalls on every stream port, 0..95
};

using EngineFactory = std::function<std::unique_ptr<EnginePort>(const EngineConfig&)>;

}  // namespace ipsec::tool
