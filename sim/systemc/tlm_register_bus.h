// The driver's register bus over a TLM-2.0 initiator socket: each read32/write32 is one
// blocking transport of a 4-byte generic payload, so the driver (probe, SA commands,
// ethtool counters) runs unchanged against any TLM target of the engine's register space,
// IpsecEngineTlm in particular.
//
// The driver calls the bus synchronously, and b_transport may wait: the driver must run in
// an SC_THREAD. wait_cycles waits that many clock periods; irq() reads the interrupt line
// bound to `irq_in`.
//
// Responses: TLM_OK_RESPONSE -> kOk, TLM_ADDRESS_ERROR_RESPONSE -> kDecErr, any other ->
// kSlvErr.
#pragma once

#include <cstdint>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "register_bus.h"

namespace ipsec::systemc {

class TlmRegisterBus final : public sc_core::sc_module, public driver::RegisterBus {
 public:
  tlm_utils::simple_initiator_socket<TlmRegisterBus> socket;
  sc_core::sc_in<bool> irq_in;

  TlmRegisterBus(sc_core::sc_module_name name, sc_core::sc_time clock_period);

  driver::BusStatus read32(uint32_t addr, uint32_t& data) override;
  driver::BusStatus write32(uint32_t addr, uint32_t data) override;
  void wait_cycles(uint32_t cycles) override;
  // Clocks of the bus's period since the simulation started.
  uint64_t now() const override {
    return static_cast<uint64_t>(sc_core::sc_time_stamp() / clock_period_);
  }
  bool irq() override { return irq_in.read(); }

  // Transactions so far.
  uint64_t reads() const { return reads_; }
  uint64_t writes() const { return writes_; }

 private:
  driver::BusStatus transport(tlm::tlm_command cmd, uint32_t addr, uint8_t* data);

  sc_core::sc_time clock_period_;
  uint64_t reads_ = 0;
  uint64_t writes_ = 0;
};

}  // namespace ipsec::systemc
