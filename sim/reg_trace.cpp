#include "reg_trace.h"

#include <cstdio>

#include "fault_injector.h"

namespace ipsec::sim {

std::string format_reg_access(const RegAccess& a) {
  char text[128];
  std::snprintf(text, sizeof text, "%12llu %c 0x%03x %-24s 0x%08x %s",
                static_cast<unsigned long long>(a.cycle), a.write ? 'W' : 'R',
                static_cast<unsigned>(a.addr), reg_name(a.addr).c_str(),
                static_cast<unsigned>(a.value), driver::bus_status_name(a.status));
  std::string line = text;
  if (!a.note.empty()) line += " # " + a.note;
  return line;
}

void RegTrace::emit(bool write, uint32_t addr, uint32_t value, driver::BusStatus status) {
  RegAccess a;
  a.cycle = inner_.now();
  a.write = write;
  a.addr = addr;
  a.value = value;
  a.status = status;
  a.note = std::move(note_);
  note_.clear();
  if (sink_) sink_(a);
}

driver::BusStatus RegTrace::read32(uint32_t addr, uint32_t& data) {
  const driver::BusStatus s = inner_.read32(addr, data);
  emit(false, addr, data, s);
  return s;
}

driver::BusStatus RegTrace::write32(uint32_t addr, uint32_t data) {
  const driver::BusStatus s = inner_.write32(addr, data);
  emit(true, addr, data, s);
  return s;
}

}  // namespace ipsec::sim
