// The control plane RTL and the reference model (sim/model/ctrl_model.*) side by side: each
// register access goes to both, and the two must answer alike (response and data). The
// register corners (unaligned addresses, byte strobes, doorbell lengths, a pipelined
// master) are specified in docs/architecture.md, "Register access rules".
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "ctrl_harness.h"
#include "ctrl_model.h"

namespace ipsec::tb {

using driver::bus_status_name;

inline std::string hex(uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%03x", v);
  return text;
}

// Byte addresses of every readable register (docs/registers.md): identity, capabilities,
// control, status, the response words, the 14 counters (low word first, which latches the
// high word, so they are read in that order).
inline std::vector<uint32_t> readable_registers() {
  std::vector<uint32_t> a;
  for (uint32_t r = 0x000; r <= 0x014; r += 4) a.push_back(r);
  for (uint32_t r = 0x020; r <= 0x048; r += 4) a.push_back(r);
  a.push_back(reg::kCmdStatus);
  for (uint32_t r = 0x060; r <= 0x07C; r += 4) a.push_back(r);
  for (uint32_t r = 0x200; r < 0x278; r += 4) a.push_back(r);  // the 14 counters and DEC_OVERFLOW_DROP_PACKETS
  return a;
}

class Lockstep {
 public:
  struct Answer {
    driver::BusStatus status;
    uint32_t data;
  };

  Lockstep(CtrlHarness& h, model::CtrlModel& m) : h_(h), m_(m) {}

  // A read on both; CHECKs that they answer alike. Returns the RTL's answer.
  Answer read(uint32_t addr) {
    Answer rtl{driver::BusStatus::kOk, 0}, ref{driver::BusStatus::kOk, 0};
    rtl.status = h_.bus().read32(addr, rtl.data);
    ref.status = m_.read32(addr, ref.data);
    INFO("read of " << hex(addr));
    CHECK(bus_status_name(rtl.status) == std::string(bus_status_name(ref.status)));
    CHECK(rtl.data == ref.data);
    return rtl;
  }

  // A write on both; CHECKs the responses agree. A write that may ring the doorbell is
  // followed by settle(), so both have executed the command before anything else is read.
  driver::BusStatus write(uint32_t addr, uint32_t data, uint8_t strb = 0xF) {
    const auto rtl = h_.bus().write32_strobe(addr, data, strb);
    const auto ref = m_.write32_strobe(addr, data, strb);
    INFO("write of " << hex(data) << " to " << hex(addr) << " strobes " << int{strb});
    CHECK(bus_status_name(rtl) == std::string(bus_status_name(ref)));
    if ((addr & ~3u) == reg::kCmdDoorbell) settle();
    return rtl;
  }

  // Both finish every command they have queued: the RTL until CMD_STATUS shows every
  // outstanding command answered, the model by letting its clock run.
  void settle() {
    const uint64_t start = h_.cycle();
    for (;;) {
      uint32_t s = 0;
      REQUIRE(h_.bus().read32(reg::kCmdStatus, s) == driver::BusStatus::kOk);
      if (reg::outstanding(s) == reg::rsp_level(s)) break;
      if (h_.cycle() - start > 5000) FAIL("commands still executing after 5000 clocks");
    }
    m_.wait_cycles(256);
  }

  // Every readable register and the interrupt line agree.
  void check_state() {
    for (uint32_t addr : readable_registers()) read(addr);
    CHECK(h_.bus().irq() == m_.irq());
  }

  CtrlHarness& rtl() { return h_; }
  model::CtrlModel& ref() { return m_; }

 private:
  CtrlHarness& h_;
  model::CtrlModel& m_;
};

// The model configured as the RTL the ctrl harness builds (rtl/top/ipsec_ctrl.sv).
inline model::CtrlModelConfig rtl_like_model() {
  model::CtrlModelConfig c;
  c.num_sa = kNumSa;
  c.max_frame = kMaxFrame;
  return c;
}

}  // namespace ipsec::tb
