// The driver's register accesses: bus errors turned into -EIO naming the register, 64-bit
// counters read low word first, every access counted.
#pragma once

#include <cstdint>
#include <string>

#include "register_bus.h"
#include "status.h"

namespace ipsec::driver {

struct BusAccessCounts {
  uint64_t reads = 0;
  uint64_t writes = 0;
};

// "CMD_STATUS", "CMD_WINDOW[3]", "DEC_IN_PACKETS (high word)", "0x7f0" when unmapped.
std::string register_name(uint32_t addr);

class RegisterAccess {
 public:
  explicit RegisterAccess(RegisterBus& bus) : bus_(bus) {}

  Status read(uint32_t addr, uint32_t& value);
  Status write(uint32_t addr, uint32_t value);
  // A 64-bit counter: the low word first (reading it latches the high word), then the high.
  Status read_counter(uint32_t low_addr, uint64_t& value);

  void wait_cycles(uint32_t cycles) { bus_.wait_cycles(cycles); }
  bool irq() { return bus_.irq(); }
  // The device's clock (RegisterBus::now()): timestamps of the kernel log and --cmd-log.
  uint64_t now() const { return bus_.now(); }

  const BusAccessCounts& counts() const { return counts_; }

 private:
  RegisterBus& bus_;
  BusAccessCounts counts_;
};

}  // namespace ipsec::driver
