#include "fault_injector.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "contract.h"
#include "driver/generated/ipsec_regs.h"
#include "register_access.h"

namespace ipsec::sim {

namespace {

using driver::BusStatus;

constexpr uint32_t kBadHandleBit = 0x80000000u;

std::string hex(uint32_t v, int digits) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%0*x", digits, v);
  return text;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A whole unsigned number (decimal or 0x hex) up to `max`.
std::optional<uint64_t> number(const std::string& text, uint64_t max) {
  if (text.empty() || text[0] == '-' || text[0] == '+') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 0);
  if (errno || *end || v > max) return std::nullopt;
  return v;
}

std::string access_name(BusAccess a) { return a == BusAccess::kRead ? "read" : "write"; }

}  // namespace

// ---- register names --------------------------------------------------------------------------

std::string reg_name(uint32_t addr) {
  // driver::register_name is the table of the generated header's offsets; the high word of
  // a 64-bit counter gets the header's own spelling (IPSEC_REGS_<NAME>_HI_OFFSET).
  std::string name = driver::register_name(addr);
  const std::string high = " (high word)";
  if (name.size() > high.size() && name.compare(name.size() - high.size(), high.size(), high) == 0) {
    name.replace(name.size() - high.size(), high.size(), "_HI");
  }
  return name;
}

std::optional<uint32_t> reg_address(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    const std::optional<uint64_t> v = number(text, IPSEC_REGS_SPACE_BYTES - 4);
    if (!v || *v % 4 != 0) return std::nullopt;
    return static_cast<uint32_t>(*v);
  }
  const std::string want = upper(text);
  for (uint32_t addr = 0; addr < IPSEC_REGS_SPACE_BYTES; addr += 4) {
    if (reg_name(addr) == want) return addr;
  }
  return std::nullopt;
}

// ---- arming ----------------------------------------------------------------------------------

void FaultInjector::slverr(BusAccess access, uint32_t addr, uint32_t occurrence) {
  bus_errors_.push_back(BusError{access, addr, std::max<uint32_t>(occurrence, 1)});
}

void FaultInjector::response_fault(const ResponseFault& fault) {
  response_faults_.push_back(fault);
}

driver::Status FaultInjector::forward_bad_frames(bool on) {
  uint32_t control = 0;
  BusStatus s = inner_.read32(IPSEC_REGS_CONTROL_OFFSET, control);
  if (s == BusStatus::kOk) {
    control = on ? control | IPSEC_REGS_CONTROL_FWD_BAD_FRAMES_MASK
                 : control & ~IPSEC_REGS_CONTROL_FWD_BAD_FRAMES_MASK;
    s = inner_.write32(IPSEC_REGS_CONTROL_OFFSET, control);
  }
  if (s != BusStatus::kOk) {
    return driver::Status(-EIO, "fault injection: the bus refused the access to CONTROL");
  }
  forward_bad_ = on;
  fire(std::string("CONTROL.FWD_BAD_FRAMES ") + (on ? "set" : "cleared"));
  return driver::Status::success();
}

void FaultInjector::rewrite_rx_handle(uint32_t handle, uint32_t frames) {
  rx_handle_ = handle;
  rx_handle_frames_ = frames;
}

void FaultInjector::rewrite_rx_syndrome(uint8_t syndrome, uint32_t frames) {
  rx_syndrome_ = syndrome;
  rx_syndrome_frames_ = frames;
}

void FaultInjector::clear() {
  bus_errors_.clear();
  response_faults_.clear();
  for (Pending& p : pending_) p.faults.clear();
  rx_handle_frames_ = 0;
  rx_syndrome_frames_ = 0;
}

size_t FaultInjector::armed() const {
  size_t n = bus_errors_.size() + response_faults_.size() + rx_handle_frames_ + rx_syndrome_frames_;
  for (const Pending& p : pending_) n += p.faults.size();
  return n;
}

void FaultInjector::fire(const std::string& what) {
  fired_.push_back(what);
  if (observer_) observer_(what);
}

// ---- the host-RX hook ------------------------------------------------------------------------

bool FaultInjector::filter_host_rx(std::vector<uint8_t>& f) {
  using namespace driver;
  const size_t meta = kMetadataFrameOffset;
  if (f.size() < meta + kMetadataBytes) return false;
  if ((uint32_t{f[meta]} << 8 | f[meta + 1]) != kMetadataEthertype) return false;
  bool changed = false;
  if (rx_handle_frames_ > 0) {
    --rx_handle_frames_;
    const size_t at = meta + metadata::kRxSaHandle;
    const uint32_t old = uint32_t{f[at]} << 24 | uint32_t{f[at + 1]} << 16 |
                         uint32_t{f[at + 2]} << 8 | f[at + 3];
    for (int i = 0; i < 4; ++i) f[at + i] = static_cast<uint8_t>(*rx_handle_ >> (24 - 8 * i));
    fire("RX metadata handle " + hex(old, 8) + " rewritten to " + hex(*rx_handle_, 8));
    changed = true;
  }
  if (rx_syndrome_frames_ > 0) {
    --rx_syndrome_frames_;
    const size_t at = meta + metadata::kSyndrome;
    fire("RX metadata syndrome " + hex(f[at], 2) + " rewritten to " + hex(*rx_syndrome_, 2));
    f[at] = *rx_syndrome_;
    changed = true;
  }
  return changed;
}

std::vector<std::vector<uint8_t>> FaultInjector::filter_host_rx(
    std::vector<std::vector<uint8_t>> frames) {
  for (std::vector<uint8_t>& f : frames) filter_host_rx(f);
  return frames;
}

// ---- the bus ---------------------------------------------------------------------------------

const ResponseFault* FaultInjector::Pending::find(ResponseFaultKind kind) const {
  for (const ResponseFault& f : faults) {
    if (f.kind == kind) return &f;
  }
  return nullptr;
}

bool FaultInjector::bus_error_due(BusAccess access, uint32_t addr) {
  for (auto it = bus_errors_.begin(); it != bus_errors_.end(); ++it) {
    if (it->access != access || it->addr != addr) continue;
    if (--it->remaining > 0) continue;
    bus_errors_.erase(it);
    fire("SLVERR on " + access_name(access) + " " + reg_name(addr) + " (" + hex(addr, 3) + ")");
    return true;
  }
  return false;
}

bool FaultInjector::response_held() {
  if (pending_.empty()) return false;
  Pending& p = pending_.front();
  const ResponseFault* hold = p.find(ResponseFaultKind::kHold);
  if (!hold) return false;
  if (!p.arrived) {
    uint32_t status = 0;
    if (inner_.read32(IPSEC_REGS_CMD_STATUS_OFFSET, status) != BusStatus::kOk) return false;
    if (!(status & IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK)) return false;  // nothing to hide yet
    p.arrived = inner_.now();
  }
  if (inner_.now() < *p.arrived + hold->clocks) return true;
  fire("response to " + driver::opcode_name(p.opcode) + " held " +
       std::to_string(inner_.now() - *p.arrived) + " clocks");
  p.faults.erase(p.faults.begin() + (hold - p.faults.data()));
  return false;
}

void FaultInjector::drop_arrived_responses() {
  while (!pending_.empty() && pending_.front().find(ResponseFaultKind::kDrop) && !response_held()) {
    uint32_t status = 0;
    if (inner_.read32(IPSEC_REGS_CMD_STATUS_OFFSET, status) != BusStatus::kOk) return;
    if (!(status & IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK)) return;
    if (inner_.write32(IPSEC_REGS_RSP_POP_OFFSET, IPSEC_REGS_RSP_POP_POP_MASK) != BusStatus::kOk) {
      return;
    }
    fire("response to " + driver::opcode_name(pending_.front().opcode) +
         " dropped (popped before the driver saw it)");
    pending_.pop_front();
  }
}

bool FaultInjector::irq_delivered() {
  if (pending_.empty()) return true;
  Pending& p = pending_.front();
  if (!p.irq_rose) {
    p.irq_rose = inner_.now();
    if (p.find(ResponseFaultKind::kIrqLost)) {
      fire("interrupt for the response to " + driver::opcode_name(p.opcode) + " lost");
    }
  }
  if (p.find(ResponseFaultKind::kIrqLost)) return false;
  if (const ResponseFault* late = p.find(ResponseFaultKind::kIrqLate)) {
    if (inner_.now() < *p.irq_rose + late->clocks) return false;
    fire("interrupt for the response to " + driver::opcode_name(p.opcode) + " delivered " +
         std::to_string(inner_.now() - *p.irq_rose) + " clocks late");
    p.faults.erase(p.faults.begin() + (late - p.faults.data()));
  }
  return true;
}

driver::BusStatus FaultInjector::read32(uint32_t addr, uint32_t& data) {
  drop_arrived_responses();
  if (bus_error_due(BusAccess::kRead, addr)) {
    data = 0;
    return BusStatus::kSlvErr;
  }
  const BusStatus s = inner_.read32(addr, data);
  if (s != BusStatus::kOk || pending_.empty()) return s;
  if (addr == IPSEC_REGS_CMD_STATUS_OFFSET && response_held()) {
    data &= ~(IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK | IPSEC_REGS_CMD_STATUS_RSP_LEVEL_MASK);
  }
  Pending& p = pending_.front();
  if (addr == IPSEC_REGS_INTR_STATUS_OFFSET && (data & IPSEC_REGS_INTR_STATUS_RSP_READY_MASK) &&
      (response_held() || !irq_delivered())) {
    data &= ~IPSEC_REGS_INTR_STATUS_RSP_READY_MASK;
  }
  if (addr == IPSEC_REGS_RSP_WORD0_OFFSET) {
    if (const ResponseFault* f = p.find(ResponseFaultKind::kSyndrome)) {
      fire("response to " + driver::opcode_name(p.opcode) + ": syndrome " + hex(data, 8) +
           " read as " + hex(f->syndrome, 8));
      data = f->syndrome;
    }
  }
  if (addr == IPSEC_REGS_RSP_WORD1_OFFSET && p.find(ResponseFaultKind::kBadHandle)) {
    fire("response to " + driver::opcode_name(p.opcode) + ": handle echo " + hex(data, 8) +
         " read as " + hex(data ^ kBadHandleBit, 8));
    data ^= kBadHandleBit;
  }
  return s;
}

driver::BusStatus FaultInjector::write32(uint32_t addr, uint32_t data) {
  drop_arrived_responses();
  if (bus_error_due(BusAccess::kWrite, addr)) return BusStatus::kSlvErr;

  if (addr == IPSEC_REGS_CONTROL_OFFSET && forward_bad_) {
    data |= IPSEC_REGS_CONTROL_FWD_BAD_FRAMES_MASK;  // the debug bit survives the driver
  }
  if (addr == IPSEC_REGS_CMD_DOORBELL_OFFSET) {
    Pending p;
    p.opcode = window_opcode_;
    // Each armed response fault that wants this command takes it, one of each kind.
    for (auto it = response_faults_.begin(); it != response_faults_.end();) {
      if ((!it->opcode || *it->opcode == p.opcode) && !p.find(it->kind)) {
        p.faults.push_back(*it);
        it = response_faults_.erase(it);
      } else {
        ++it;
      }
    }
    uint32_t doorbell = data;
    if (const ResponseFault* f = p.find(ResponseFaultKind::kSyndrome)) {
      // A length 4 short of the opcode's: the engine refuses it and changes nothing
      // (rtl/sadb/sa_cmd_exec.sv: the length must match the opcode).
      const uint32_t len = data & IPSEC_REGS_CMD_DOORBELL_LEN_MASK;
      doorbell = (data & ~IPSEC_REGS_CMD_DOORBELL_LEN_MASK) | (len >= 8 ? len - 4 : len + 4);
      fire(driver::opcode_name(p.opcode) + " refused by the engine, to answer syndrome " +
           std::to_string(f->syndrome));
    }
    const BusStatus s = inner_.write32(addr, doorbell);
    if (s == BusStatus::kOk) {
      pending_.push_back(std::move(p));
    } else {
      // The command never reached the engine: its faults wait for the next one.
      response_faults_.insert(response_faults_.begin(), p.faults.begin(), p.faults.end());
    }
    return s;
  }
  const BusStatus s = inner_.write32(addr, data);
  if (s != BusStatus::kOk) return s;
  if (addr == IPSEC_REGS_CMD_WINDOW_OFFSET) window_opcode_ = data;
  if (addr == IPSEC_REGS_RSP_POP_OFFSET && (data & IPSEC_REGS_RSP_POP_POP_MASK) &&
      !pending_.empty()) {
    pending_.pop_front();
  }
  return s;
}

void FaultInjector::wait_cycles(uint32_t cycles) {
  inner_.wait_cycles(cycles);
  drop_arrived_responses();
}

bool FaultInjector::irq() {
  drop_arrived_responses();
  if (!inner_.irq() || response_held()) return false;
  return irq_delivered();
}

// ---- the `fault` command ---------------------------------------------------------------------

namespace {

constexpr const char* kUsage =
    "usage: fault slverr read|write REGISTER [N] | fault irq lost [OPCODE] | "
    "fault irq late CLOCKS [OPCODE] | fault response drop|handle [OPCODE] | "
    "fault response hold CLOCKS [OPCODE] | "
    "fault response syndrome 1|2|3 [OPCODE] | fault rx forward-bad on|off | "
    "fault rx handle HANDLE [FRAMES] | fault rx syndrome SYNDROME [FRAMES] | fault clear";

// A fault command, parsed; `error` set when it is malformed.
struct FaultCommand {
  std::string error;
  std::function<std::string(FaultInjector&)> apply;
};

std::optional<uint32_t> parse_opcode(const std::string& word) {
  const std::string want = upper(word);
  for (uint32_t op = 0; op <= static_cast<uint32_t>(driver::SaOpcode::kSetCap); ++op) {
    if (driver::opcode_name(op) == want) return op;
  }
  return std::nullopt;
}

FaultCommand parse(const std::vector<std::string>& w) {
  FaultCommand c;
  auto fail = [&c](std::string message) {
    c.error = std::move(message);
    return c;
  };
  if (w.size() < 2) return fail(kUsage);
  const std::string& what = w[1];

  if (what == "clear") {
    if (w.size() != 2) return fail("usage: fault clear (no arguments)");
    c.apply = [](FaultInjector& f) {
      f.clear();
      return std::string();
    };
    return c;
  }

  if (what == "slverr") {
    if (w.size() < 4 || w.size() > 5 || (w[2] != "read" && w[2] != "write")) {
      return fail("usage: fault slverr read|write REGISTER [N] (the N-th access from now, 1 by default)");
    }
    const std::optional<uint32_t> addr = reg_address(w[3]);
    if (!addr) {
      return fail("fault slverr: \"" + w[3] +
                  "\" is not a register: a name of docs/registers.md (CMD_DOORBELL, "
                  "CMD_WINDOW[3], DEC_IN_PACKETS_HI) or a word address below 0x1000");
    }
    uint32_t nth = 1;
    if (w.size() == 5) {
      const std::optional<uint64_t> n = number(w[4], UINT32_MAX);
      if (!n || *n == 0) return fail("fault slverr: N must be 1 or more, not \"" + w[4] + "\"");
      nth = static_cast<uint32_t>(*n);
    }
    const BusAccess access = w[2] == "read" ? BusAccess::kRead : BusAccess::kWrite;
    c.apply = [access, a = *addr, nth](FaultInjector& f) {
      f.slverr(access, a, nth);
      return std::string();
    };
    return c;
  }

  if (what == "irq" || what == "response") {
    ResponseFault rf;
    size_t next = 3;  // the word after the fault's own arguments
    if (w.size() < 3) return fail(kUsage);
    const std::string& how = w[2];
    if (what == "irq" && how == "lost") {
      rf.kind = ResponseFaultKind::kIrqLost;
    } else if (what == "irq" && how == "late") {
      if (w.size() < 4) return fail("usage: fault irq late CLOCKS [OPCODE]");
      const std::optional<uint64_t> n = number(w[3], UINT32_MAX);
      if (!n || *n == 0) return fail("fault irq late: CLOCKS must be 1 or more, not \"" + w[3] + "\"");
      rf.kind = ResponseFaultKind::kIrqLate;
      rf.clocks = static_cast<uint32_t>(*n);
      next = 4;
    } else if (what == "response" && how == "hold") {
      if (w.size() < 4) return fail("usage: fault response hold CLOCKS [OPCODE]");
      const std::optional<uint64_t> n = number(w[3], UINT32_MAX);
      if (!n || *n == 0) return fail("fault response hold: CLOCKS must be 1 or more, not \"" + w[3] + "\"");
      rf.kind = ResponseFaultKind::kHold;
      rf.clocks = static_cast<uint32_t>(*n);
      next = 4;
    } else if (what == "response" && how == "drop") {
      rf.kind = ResponseFaultKind::kDrop;
    } else if (what == "response" && how == "handle") {
      rf.kind = ResponseFaultKind::kBadHandle;
    } else if (what == "response" && how == "syndrome") {
      const std::optional<uint64_t> n = w.size() >= 4 ? number(w[3], 3) : std::nullopt;
      if (!n || *n == 0) {
        return fail("fault response syndrome: the syndrome is 1 (ILLEGAL_REQUEST), 2 "
                    "(SADB_ISSUE) or 3 (WRITE_RESPONSE_ISSUE), contract section 3");
      }
      rf.kind = ResponseFaultKind::kSyndrome;
      rf.syndrome = static_cast<uint32_t>(*n);
      next = 4;
    } else {
      return fail(what == "irq" ? "usage: fault irq lost|late ..." : "usage: fault response drop|hold|handle|syndrome ...");
    }
    if (w.size() > next + 1) return fail("fault " + what + " " + how + ": too many arguments");
    if (w.size() == next + 1) {
      rf.opcode = parse_opcode(w[next]);
      if (!rf.opcode) {
        return fail("fault " + what + " " + how + ": \"" + w[next] +
                    "\" is not an opcode (ADD_SA, DEL_SA, ADD_SA_V2, DEL_SA_V2, MOD_SA_V2, SET_CAP)");
      }
    }
    c.apply = [rf](FaultInjector& f) {
      f.response_fault(rf);
      return std::string();
    };
    return c;
  }

  if (what == "rx") {
    if (w.size() < 4) return fail("usage: fault rx forward-bad on|off | fault rx handle|syndrome VALUE [FRAMES]");
    const std::string& field = w[2];
    if (field == "forward-bad") {
      if (w.size() != 4 || (w[3] != "on" && w[3] != "off")) {
        return fail("usage: fault rx forward-bad on|off");
      }
      const bool on = w[3] == "on";
      c.apply = [on](FaultInjector& f) {
        const driver::Status s = f.forward_bad_frames(on);
        return s.ok() ? std::string() : s.message();
      };
      return c;
    }
    if (field != "handle" && field != "syndrome") {
      return fail("fault rx: \"" + field + "\" is not forward-bad, handle or syndrome");
    }
    if (w.size() > 5) return fail("fault rx " + field + ": too many arguments");
    const std::optional<uint64_t> v = number(w[3], field == "handle" ? UINT32_MAX : 0xFF);
    if (!v) {
      return fail("fault rx " + field + ": \"" + w[3] + "\" is not a " +
                  (field == "handle" ? "32-bit handle" : "syndrome byte"));
    }
    uint32_t frames = 1;
    if (w.size() == 5) {
      const std::optional<uint64_t> n = number(w[4], UINT32_MAX);
      if (!n || *n == 0) return fail("fault rx " + field + ": FRAMES must be 1 or more, not \"" + w[4] + "\"");
      frames = static_cast<uint32_t>(*n);
    }
    const bool handle = field == "handle";
    c.apply = [handle, value = *v, frames](FaultInjector& f) {
      if (handle) f.rewrite_rx_handle(static_cast<uint32_t>(value), frames);
      else f.rewrite_rx_syndrome(static_cast<uint8_t>(value), frames);
      return std::string();
    };
    return c;
  }
  return fail("fault: unknown fault \"" + what + "\"; " + kUsage);
}

}  // namespace

std::string check_fault_command(const std::vector<std::string>& words) {
  return parse(words).error;
}

std::string apply_fault_command(FaultInjector& injector, const std::vector<std::string>& words) {
  const FaultCommand c = parse(words);
  if (!c.error.empty()) return c.error;
  return c.apply(injector);
}

}  // namespace ipsec::sim
