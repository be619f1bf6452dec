#include "tlm_register_bus.h"

#include <cstring>

namespace ipsec::systemc {

TlmRegisterBus::TlmRegisterBus(sc_core::sc_module_name name, sc_core::sc_time clock_period)
    : sc_module(name), socket("socket"), irq_in("irq_in"), clock_period_(clock_period) {}

driver::BusStatus TlmRegisterBus::read32(uint32_t addr, uint32_t& data) {
  ++reads_;
  uint8_t bytes[4] = {};
  const driver::BusStatus status = transport(tlm::TLM_READ_COMMAND, addr, bytes);
  std::memcpy(&data, bytes, 4);  // host byte order, as the target stores a 32-bit register
  return status;
}

driver::BusStatus TlmRegisterBus::write32(uint32_t addr, uint32_t data) {
  ++writes_;
  uint8_t bytes[4];
  std::memcpy(bytes, &data, 4);
  return transport(tlm::TLM_WRITE_COMMAND, addr, bytes);
}

void TlmRegisterBus::wait_cycles(uint32_t cycles) {
  if (cycles > 0) wait(static_cast<double>(cycles) * clock_period_);
}

driver::BusStatus TlmRegisterBus::transport(tlm::tlm_command cmd, uint32_t addr, uint8_t* data) {
  tlm::tlm_generic_payload trans;
  trans.set_command(cmd);
  trans.set_address(addr);
  trans.set_data_ptr(data);
  trans.set_data_length(4);
  trans.set_streaming_width(4);
  trans.set_byte_enable_ptr(nullptr);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  socket->b_transport(trans, delay);
  // A target that annotates instead of waiting: the time passes here, before the driver
  // sees the answer.
  if (delay > sc_core::SC_ZERO_TIME) wait(delay);
  switch (trans.get_response_status()) {
    case tlm::TLM_OK_RESPONSE: return driver::BusStatus::kOk;
    case tlm::TLM_ADDRESS_ERROR_RESPONSE: return driver::BusStatus::kDecErr;
    default: return driver::BusStatus::kSlvErr;
  }
}

}  // namespace ipsec::systemc
