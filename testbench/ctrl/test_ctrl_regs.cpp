// The control plane's registers: identity and capabilities, access errors, the interrupt,
// the hardware counters.

#include <doctest/doctest.h>

#include <map>
#include <stdexcept>
#include <vector>

#include "Vipsec_ctrl.h"
#include "ctrl_harness.h"
#include "ctrl_test_helpers.h"
#include "test_seed.h"

namespace ipsec::tb {
namespace {

using driver::BusStatus;

bool mapped(uint32_t addr) {
  return addr <= 0x014 || (addr >= 0x020 && addr <= 0x048) ||
         (addr >= 0x050 && addr <= 0x058) || (addr >= 0x060 && addr <= 0x07C) ||
         (addr >= 0x100 && addr < 0x100 + 4 * reg::kWindowWords) ||
         (addr >= 0x200 && addr < 0x278);  // the 14 counters, DEC_OVERFLOW_DROP_PACKETS
}

bool write_only(uint32_t addr) {
  return addr == reg::kCmdDoorbell || addr == reg::kRspPop ||
         (addr >= reg::kCmdWindow && addr < reg::kCmdWindow + 4 * reg::kWindowWords);
}

bool writable(uint32_t addr) {
  return write_only(addr) || addr == reg::kControl || addr == reg::kIntrEnable;
}

// Every readable register and its value.
std::map<uint32_t, uint32_t> snapshot(CtrlHarness& h) {
  std::map<uint32_t, uint32_t> values;
  for (uint32_t addr = 0; addr < 0x1000; addr += 4) {
    if (mapped(addr) && !write_only(addr)) values[addr] = h.read(addr);
  }
  return values;
}

TEST_CASE("identity and capability registers read their contract values") {
  CtrlHarness h(test_seed(), 30);
  CHECK(h.read(reg::kVendorId) == 0x2C9);
  CHECK(h.read(reg::kProductId) == 2);  // the IPsec sandbox product
  CHECK(h.read(reg::kProductVersion) == 1);
  CHECK(h.read(reg::kImageVersion) == 0x00010000);
  CHECK(h.read(reg::kShellVersion) == 0x00010000);
  CHECK(h.read(reg::kEngineParams) == ((kMaxFrame << 16) | kNumSa));

  CHECK(h.read(reg::kCapEncapsulation) == 0);
  const uint32_t flags = h.read(reg::kCapFlags);
  CHECK(flags == 0x2BF4);
  // The bits the driver acts on (contract section 2).
  CHECK((flags >> 13 & 1) == 1);  // v2_command
  CHECK((flags >> 12 & 1) == 0);  // udp_encap
  CHECK((flags >> 11 & 1) == 1);  // rx_no_trailer
  CHECK((flags >> 9 & 1) == 1);   // ipv6
  CHECK((flags >> 8 & 1) == 1);   // esn
  CHECK((flags >> 7 & 1) == 1);   // lso
  CHECK((flags >> 2 & 1) == 1);   // esp
  CHECK(h.read(reg::kCapAuthAlg) == 0);
  CHECK(h.read(reg::kCapEncAlg) == 3);  // AES-GCM-128 and -256
  CHECK(h.read(reg::kCapSa) == kNumSa);
  CHECK(h.read(reg::kCapCounters) == 14);
  CHECK(h.read(reg::kCapCountersAddrLow) == reg::kCounters);
  CHECK(h.read(reg::kCapCountersAddrHigh) == 0);

  // State after reset.
  CHECK(h.read(reg::kControl) == 0);
  CHECK(h.read(reg::kIntrEnable) == 1);
  CHECK(h.read(reg::kIntrStatus) == 0);
  CHECK(h.read(reg::kCmdStatus) == 0);
  for (uint32_t i = 0; i < 8; ++i) CHECK(h.read(reg::kRspWord0 + 4 * i) == 0);
  for (int c = 0; c < 14; ++c) CHECK(h.read_counter(static_cast<Counter>(c)) == 0);
  CHECK_FALSE(h.dut().irq_o);
  CHECK_FALSE(h.dut().no_trailer_o);
  CHECK_FALSE(h.dut().fwd_bad_frames_o);
}

TEST_CASE("writes to read-only or unmapped addresses answer SLVERR and change nothing") {
  INFO(seed_hint());
  CtrlHarness h(test_seed(), 30);
  const auto before = snapshot(h);
  uint32_t refused = 0;
  for (uint32_t addr = 0; addr < 0x1000; addr += 4) {
    if (writable(addr)) continue;
    INFO("address " << addr);
    CHECK(h.bus().write32(addr, 0xFFFFFFFF) == BusStatus::kSlvErr);
    ++refused;
  }
  CHECK(refused > 900);
  CHECK(snapshot(h) == before);
  CHECK_FALSE(h.dut().irq_o);

  // CONTROL.NO_TRAILER is set by SET_CAP only: writing it has no effect.
  h.write(reg::kControl, 1);
  CHECK(h.read(reg::kControl) == 0);
  CHECK_FALSE(h.dut().no_trailer_o);
  // Reserved bits read 0.
  h.write(reg::kIntrEnable, 0xFFFFFFFF);
  CHECK(h.read(reg::kIntrEnable) == 1);
}

TEST_CASE("reads of unmapped and write-only addresses answer SLVERR") {
  CtrlHarness h(test_seed(), 30);
  for (uint32_t addr = 0; addr < 0x1000; addr += 4) {
    if (mapped(addr) && !write_only(addr)) continue;
    INFO("address " << addr);
    uint32_t data = 0xDEADBEEF;
    CHECK(h.bus().read32(addr, data) == BusStatus::kSlvErr);
    CHECK(data == 0);
  }
}

TEST_CASE("the command window cannot be read back") {
  CtrlHarness h(test_seed(), 30);
  for (uint32_t i = 0; i < reg::kWindowWords; ++i) h.write(reg::kCmdWindow + 4 * i, 0xA5A50000 + i);
  for (uint32_t i = 0; i < reg::kWindowWords; ++i) {
    uint32_t data = 0xDEADBEEF;
    CHECK(h.bus().read32(reg::kCmdWindow + 4 * i, data) == BusStatus::kSlvErr);
    CHECK(data == 0);
  }
}

TEST_CASE("CONTROL.FWD_BAD_FRAMES reaches the datapath") {
  CtrlHarness h(test_seed());
  h.write(reg::kControl, 2);
  CHECK(h.read(reg::kControl) == 2);
  CHECK(h.dut().fwd_bad_frames_o);
  h.write(reg::kControl, 0);
  CHECK_FALSE(h.dut().fwd_bad_frames_o);
}

TEST_CASE("the interrupt follows INTR_STATUS.RSP_READY and INTR_ENABLE") {
  CtrlHarness h(test_seed(), 30);
  CHECK_FALSE(h.bus().irq());
  h.write_window(set_cap_image(0));
  h.ring_doorbell(contract::kLenSetCap);
  h.wait_response_ready();
  CHECK(h.bus().irq());
  CHECK(h.read(reg::kIntrStatus) == 1);

  h.write(reg::kIntrEnable, 0);
  CHECK_FALSE(h.bus().irq());
  CHECK(h.read(reg::kIntrStatus) == 1);  // the cause stays; only the line is masked
  h.write(reg::kIntrEnable, 1);
  CHECK(h.bus().irq());

  h.write(reg::kRspPop, 1);
  CHECK_FALSE(h.bus().irq());
  CHECK(h.read(reg::kIntrStatus) == 0);
}

TEST_CASE("each datapath counter input counts one per clock it is high") {
  CtrlHarness h(test_seed());
  for (int c = 0; c <= static_cast<int>(Counter::kEncDrop); ++c) {
    h.pulse_counter(static_cast<Counter>(c), static_cast<uint32_t>(3 * c + 1));
  }
  for (int c = 0; c <= static_cast<int>(Counter::kEncDrop); ++c) {
    INFO("counter " << c);
    CHECK(h.read_counter(static_cast<Counter>(c)) == static_cast<uint64_t>(3 * c + 1));
  }
  for (int c = static_cast<int>(Counter::kAddSaSuccess); c < 14; ++c) {
    CHECK(h.read_counter(static_cast<Counter>(c)) == 0);
  }
}

TEST_CASE("an RX frame dropped at the ingress FIFO counts in DEC_OVERFLOW_DROP_PACKETS and DEC_DROP_PACKETS, which adds 2 when another drop comes in the same clock") {
  CtrlHarness h(test_seed());
  h.pulse_counter(Counter::kDecOverflowDrop, 5);
  CHECK(h.read_counter(Counter::kDecOverflowDrop) == 5);
  CHECK(h.read_counter(Counter::kDecDrop) == 5);
  h.pulse_counters({Counter::kDecOverflowDrop, Counter::kDecDrop}, 7);
  CHECK(h.read_counter(Counter::kDecOverflowDrop) == 12);
  CHECK(h.read_counter(Counter::kDecDrop) == 5 + 2 * 7);
  h.pulse_counter(Counter::kDecDrop, 3);
  CHECK(h.read_counter(Counter::kDecOverflowDrop) == 12);
  CHECK(h.read_counter(Counter::kDecDrop) == 5 + 2 * 7 + 3);
  // No other counter moved.
  for (int c = 0; c < 14; ++c) {
    if (c == static_cast<int>(Counter::kDecDrop)) continue;
    INFO("counter " << c);
    CHECK(h.read_counter(static_cast<Counter>(c)) == 0);
  }
}

TEST_CASE("64-bit counters carry into the high word, and reading the low word latches it") {
  // Counting to 2^32 through the increment inputs would take 2^32 clocks: the counter is
  // preloaded through the simulation-only view of the register block's storage.
  CtrlHarness h(test_seed());
  h.preload_counter(Counter::kDecIn, 0xFFFFFFFEull);
  h.pulse_counter(Counter::kDecIn, 3);
  CHECK(h.read_counter(Counter::kDecIn) == 0x100000001ull);

  h.preload_counter(Counter::kEncDrop, 0xFFFFFFFFull);
  CHECK(h.read(counter_addr(Counter::kEncDrop)) == 0xFFFFFFFF);  // latches high = 0
  h.pulse_counter(Counter::kEncDrop, 1);                          // now 0x1_0000_0000
  CHECK(h.read(counter_addr(Counter::kEncDrop) + 4) == 0);        // the latched high word
  CHECK(h.read(counter_addr(Counter::kEncDrop)) == 0);            // a new snapshot
  CHECK(h.read(counter_addr(Counter::kEncDrop) + 4) == 1);
  CHECK(h.read_counter(Counter::kDecIn) == 0x100000001ull);       // others untouched
}

TEST_CASE("a bus transaction the slave never answers fails with a clear error") {
  CtrlHarness h(test_seed());
  h.dut().rst_ni = 0;  // a register block held in reset answers nothing
  CHECK_THROWS_WITH_AS(h.bus().write32(reg::kControl, 2),
                       doctest::Contains("AXI4-Lite write of 0x040: no BVALID"),
                       std::runtime_error);
  uint32_t data = 0;
  CHECK_THROWS_WITH_AS(h.bus().read32(reg::kVendorId, data),
                       doctest::Contains("AXI4-Lite read of 0x000: no"), std::runtime_error);
  h.reset();
  CHECK(h.read(reg::kVendorId) == 0x2C9);
}

}  // namespace
}  // namespace ipsec::tb
