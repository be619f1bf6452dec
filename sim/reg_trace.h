// --reg-log: one line per AXI4-Lite access the driver makes, as the driver saw it (after
// any fault injected between it and the engine, which the line then names):
//
//   CYCLE R|W ADDRESS NAME VALUE RESPONSE[ # FAULT]
//          1290 W 0x050 CMD_DOORBELL             0x00000094 OKAY
//          1302 R 0x060 RSP_WORD0                0x00000000 OKAY
//          1340 W 0x050 CMD_DOORBELL             0x00000094 SLVERR # SLVERR on write CMD_DOORBELL (0x050)
//
// CYCLE is the engine's clock (RegisterBus::now()) when the access completed (the write
// response or the read data taken), right-aligned in 12 columns like the kernel log's
// stamps; R or W; the byte address (3 hex digits); the register's name from the generated
// header (sim/fault_injector.h, reg_name()) padded to 24 columns; the value written or read
// (a read answered SLVERR shows what the driver got); OKAY, SLVERR or DECERR. Accesses of a
// fault injector of its own (popping a dropped response) are not the driver's and are not
// listed; the fault it fired is named on the driver's access during which it happened.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "register_bus.h"

namespace ipsec::sim {

struct RegAccess {
  uint64_t cycle = 0;
  bool write = false;
  uint32_t addr = 0;
  uint32_t value = 0;
  driver::BusStatus status = driver::BusStatus::kOk;
  std::string note;  // the fault injected during this access, if any
};

// The line above, without a newline.
std::string format_reg_access(const RegAccess& access);

class RegTrace final : public driver::RegisterBus {
 public:
  using Sink = std::function<void(const RegAccess&)>;
  RegTrace(driver::RegisterBus& inner, Sink sink) : inner_(inner), sink_(std::move(sink)) {}

  // Adds a note to the access in progress (e.g. from FaultInjector::set_observer); outside
  // an access, to the next one.
  void annotate(const std::string& note) {
    if (!note_.empty()) note_ += "; ";
    note_ += note;
  }

  driver::BusStatus read32(uint32_t addr, uint32_t& data) override;
  driver::BusStatus write32(uint32_t addr, uint32_t data) override;
  void wait_cycles(uint32_t cycles) override { inner_.wait_cycles(cycles); }
  bool irq() override { return inner_.irq(); }
  uint64_t now() const override { return inner_.now(); }

 private:
  void emit(bool write, uint32_t addr, uint32_t value, driver::BusStatus status);

  driver::RegisterBus& inner_;
  Sink sink_;
  std::string note_;
};

}  // namespace ipsec::sim
