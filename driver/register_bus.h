// The register bus between the driver and the engine: 32-bit reads and writes on the
// engine's AXI4-Lite port. One implementation per transport (the Verilated model stepped
// clock by clock, the SystemC TLM-2.0 socket), so the same driver code runs on each.
#pragma once

#include <cstdint>

namespace ipsec::driver {

enum class BusStatus {
  kOk,      // AXI OKAY
  kSlvErr,  // AXI SLVERR: unmapped address, write to read-only, read of write-only
  kDecErr,  // AXI DECERR
};

// The response as AXI names it: "OKAY", "SLVERR", "DECERR".
inline const char* bus_status_name(BusStatus s) {
  switch (s) {
    case BusStatus::kOk: return "OKAY";
    case BusStatus::kSlvErr: return "SLVERR";
    case BusStatus::kDecErr: return "DECERR";
  }
  return "?";
}

class RegisterBus {
 public:
  virtual ~RegisterBus() = default;

  virtual BusStatus read32(uint32_t addr, uint32_t& data) = 0;
  virtual BusStatus write32(uint32_t addr, uint32_t data) = 0;

  // Lets `cycles` clocks of the device pass: what a driver polling a status register does
  // between two reads.
  virtual void wait_cycles(uint32_t cycles) = 0;

  // The device's interrupt line.
  virtual bool irq() = 0;
  // The device's clock count: timestamps of the kernel log, --cmd-log and --reg-log lines.
  // A transport without a clock of its own answers 0.
  virtual uint64_t now() const { return 0; }
};

}  // namespace ipsec::driver
