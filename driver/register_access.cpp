#include "register_access.h"

#include <cerrno>
#include <cstdio>

#include "driver/generated/ipsec_regs.h"

namespace ipsec::driver {

namespace {

struct NamedRegister {
  uint32_t offset;
  const char* name;
};

// The names of docs/registers.md, by address.
constexpr NamedRegister kRegisters[] = {
    {IPSEC_REGS_VENDOR_ID_OFFSET, "VENDOR_ID"},
    {IPSEC_REGS_PRODUCT_ID_OFFSET, "PRODUCT_ID"},
    {IPSEC_REGS_PRODUCT_VERSION_OFFSET, "PRODUCT_VERSION"},
    {IPSEC_REGS_IMAGE_VERSION_OFFSET, "IMAGE_VERSION"},
    {IPSEC_REGS_SHELL_VERSION_OFFSET, "SHELL_VERSION"},
    {IPSEC_REGS_ENGINE_PARAMS_OFFSET, "ENGINE_PARAMS"},
    {IPSEC_REGS_CAP_ENCAPSULATION_OFFSET, "CAP_ENCAPSULATION"},
    {IPSEC_REGS_CAP_FLAGS_OFFSET, "CAP_FLAGS"},
    {IPSEC_REGS_CAP_AUTH_ALG_OFFSET, "CAP_AUTH_ALG"},
    {IPSEC_REGS_CAP_ENC_ALG_OFFSET, "CAP_ENC_ALG"},
    {IPSEC_REGS_CAP_SA_OFFSET, "CAP_SA"},
    {IPSEC_REGS_CAP_COUNTERS_OFFSET, "CAP_COUNTERS"},
    {IPSEC_REGS_CAP_COUNTERS_ADDR_LOW_OFFSET, "CAP_COUNTERS_ADDR_LOW"},
    {IPSEC_REGS_CAP_COUNTERS_ADDR_HIGH_OFFSET, "CAP_COUNTERS_ADDR_HIGH"},
    {IPSEC_REGS_CONTROL_OFFSET, "CONTROL"},
    {IPSEC_REGS_INTR_ENABLE_OFFSET, "INTR_ENABLE"},
    {IPSEC_REGS_INTR_STATUS_OFFSET, "INTR_STATUS"},
    {IPSEC_REGS_CMD_DOORBELL_OFFSET, "CMD_DOORBELL"},
    {IPSEC_REGS_CMD_STATUS_OFFSET, "CMD_STATUS"},
    {IPSEC_REGS_RSP_POP_OFFSET, "RSP_POP"},
    {IPSEC_REGS_RSP_WORD0_OFFSET, "RSP_WORD0"},
    {IPSEC_REGS_RSP_WORD1_OFFSET, "RSP_WORD1"},
    {IPSEC_REGS_RSP_WORD2_OFFSET, "RSP_WORD2"},
    {IPSEC_REGS_RSP_WORD3_OFFSET, "RSP_WORD3"},
    {IPSEC_REGS_RSP_WORD4_OFFSET, "RSP_WORD4"},
    {IPSEC_REGS_RSP_WORD5_OFFSET, "RSP_WORD5"},
    {IPSEC_REGS_RSP_WORD6_OFFSET, "RSP_WORD6"},
    {IPSEC_REGS_RSP_WORD7_OFFSET, "RSP_WORD7"},
    {IPSEC_REGS_DEC_IN_PACKETS_OFFSET, "DEC_IN_PACKETS"},
    {IPSEC_REGS_DEC_OUT_PACKETS_OFFSET, "DEC_OUT_PACKETS"},
    {IPSEC_REGS_DEC_BYPASS_PACKETS_OFFSET, "DEC_BYPASS_PACKETS"},
    {IPSEC_REGS_ENC_IN_PACKETS_OFFSET, "ENC_IN_PACKETS"},
    {IPSEC_REGS_ENC_OUT_PACKETS_OFFSET, "ENC_OUT_PACKETS"},
    {IPSEC_REGS_ENC_BYPASS_PACKETS_OFFSET, "ENC_BYPASS_PACKETS"},
    {IPSEC_REGS_DEC_DROP_PACKETS_OFFSET, "DEC_DROP_PACKETS"},
    {IPSEC_REGS_DEC_AUTH_FAIL_PACKETS_OFFSET, "DEC_AUTH_FAIL_PACKETS"},
    {IPSEC_REGS_ENC_DROP_PACKETS_OFFSET, "ENC_DROP_PACKETS"},
    {IPSEC_REGS_ADD_SA_SUCCESS_OFFSET, "ADD_SA_SUCCESS"},
    {IPSEC_REGS_ADD_SA_FAIL_OFFSET, "ADD_SA_FAIL"},
    {IPSEC_REGS_DEL_SA_SUCCESS_OFFSET, "DEL_SA_SUCCESS"},
    {IPSEC_REGS_DEL_SA_FAIL_OFFSET, "DEL_SA_FAIL"},
    {IPSEC_REGS_CMD_DROP_OFFSET, "CMD_DROP"},
    {IPSEC_REGS_DEC_OVERFLOW_DROP_PACKETS_OFFSET, "DEC_OVERFLOW_DROP_PACKETS"},
};

// The 64-bit counters occupy two words each from DEC_IN_PACKETS to CMD_DROP, and the
// engine's own DEC_OVERFLOW_DROP_PACKETS right after.
constexpr uint32_t kCountersFirst = IPSEC_REGS_DEC_IN_PACKETS_OFFSET;
constexpr uint32_t kCountersEnd = IPSEC_REGS_DEC_OVERFLOW_DROP_PACKETS_HI_OFFSET + 4;
static_assert(IPSEC_REGS_DEC_OVERFLOW_DROP_PACKETS_OFFSET == IPSEC_REGS_CMD_DROP_OFFSET + 8,
              "the counters are contiguous");

std::string hex_address(uint32_t addr) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%03x", addr);
  return text;
}

Status bus_error(const char* access, uint32_t addr, BusStatus s) {
  return Status(-EIO, std::string("bus error (") + bus_status_name(s) + ") " + access + " " +
                          register_name(addr) + " at " + hex_address(addr));
}

}  // namespace

std::string register_name(uint32_t addr) {
  const uint32_t window_end = IPSEC_REGS_CMD_WINDOW_OFFSET + IPSEC_REGS_CMD_WINDOW_BYTES;
  if (addr >= IPSEC_REGS_CMD_WINDOW_OFFSET && addr < window_end && addr % 4 == 0) {
    return "CMD_WINDOW[" + std::to_string((addr - IPSEC_REGS_CMD_WINDOW_OFFSET) / 4) + "]";
  }
  const bool counter_high =
      addr >= kCountersFirst && addr < kCountersEnd && (addr - kCountersFirst) % 8 == 4;
  const uint32_t lookup = counter_high ? addr - 4 : addr;
  for (const NamedRegister& r : kRegisters) {
    if (r.offset == lookup) return std::string(r.name) + (counter_high ? " (high word)" : "");
  }
  return hex_address(addr);
}

Status RegisterAccess::read(uint32_t addr, uint32_t& value) {
  ++counts_.reads;
  const BusStatus s = bus_.read32(addr, value);
  if (s != BusStatus::kOk) return bus_error("reading", addr, s);
  return Status::success();
}

Status RegisterAccess::write(uint32_t addr, uint32_t value) {
  ++counts_.writes;
  const BusStatus s = bus_.write32(addr, value);
  if (s != BusStatus::kOk) return bus_error("writing", addr, s);
  return Status::success();
}

Status RegisterAccess::read_counter(uint32_t low_addr, uint64_t& value) {
  uint32_t low = 0, high = 0;
  if (Status s = read(low_addr, low); !s.ok()) return s;
  if (Status s = read(low_addr + 4, high); !s.ok()) return s;
  value = uint64_t{high} << 32 | low;
  return Status::success();
}

}  // namespace ipsec::driver
