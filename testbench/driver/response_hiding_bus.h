// A register bus in front of a device whose command responses go astray, for the transport
// tests (the general fault injector, sim/fault_injector.h, does more):
//  - while hidden, a response waits in the device unseen: CMD_STATUS reads without RSP_VALID
//    and RSP_LEVEL, INTR_STATUS without RSP_READY, the interrupt line low. OUTSTANDING still
//    counts the command, as it is in the device: a device that answers late;
//  - drop_next_response(): the next response to arrive is popped by this bus before the
//    driver sees it (it reads CMD_STATUS and writes RSP_POP itself): a vanished response,
//    its command having taken effect.
#pragma once

#include <cstdint>

#include "driver/generated/ipsec_regs.h"
#include "register_bus.h"

namespace ipsec::tb {

class ResponseHidingBus final : public driver::RegisterBus {
 public:
  explicit ResponseHidingBus(driver::RegisterBus& inner) : inner_(inner) {}

  void hide(bool hidden) { hidden_ = hidden; }
  void drop_next_response() { drop_ = true; }
  bool drop_pending() const { return drop_; }

  driver::BusStatus read32(uint32_t addr, uint32_t& data) override {
    maybe_drop();
    const driver::BusStatus s = inner_.read32(addr, data);
    if (hidden_ && addr == IPSEC_REGS_CMD_STATUS_OFFSET) {
      data &= ~(IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK | IPSEC_REGS_CMD_STATUS_RSP_LEVEL_MASK);
    }
    if (hidden_ && addr == IPSEC_REGS_INTR_STATUS_OFFSET) data = 0;
    return s;
  }
  driver::BusStatus write32(uint32_t addr, uint32_t data) override {
    maybe_drop();
    return inner_.write32(addr, data);
  }
  void wait_cycles(uint32_t cycles) override {
    inner_.wait_cycles(cycles);
    maybe_drop();
  }
  bool irq() override {
    maybe_drop();
    return !hidden_ && inner_.irq();
  }
  uint64_t now() const override { return inner_.now(); }

 private:
  void maybe_drop() {
    if (!drop_) return;
    uint32_t status = 0;
    if (inner_.read32(IPSEC_REGS_CMD_STATUS_OFFSET, status) != driver::BusStatus::kOk) return;
    if ((status & IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK) == 0) return;
    drop_ = false;
    (void)inner_.write32(IPSEC_REGS_RSP_POP_OFFSET, IPSEC_REGS_RSP_POP_POP_MASK);
  }

  driver::RegisterBus& inner_;
  bool hidden_ = false;
  bool drop_ = false;
};

}  // namespace ipsec::tb
