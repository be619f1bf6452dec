// Fault injection between the driver and the engine (docs/fault_injection.md): a
// RegisterBus decorator that makes chosen register accesses, interrupts and command
// responses go wrong, and a hook on the frames the engine hands the host (host RX) that
// rewrites their RX metadata. The engine underneath is whatever bus it wraps (the Verilated
// RTL, the reference model, a TLM socket); nothing here knows which.
//
// Every fault fires once (the RX metadata rewrites: on a chosen number of frames), at the
// first access, command or frame it matches after it was armed. What the driver sees is
// exactly what a real device going wrong would show it; what the engine sees stays a legal
// AXI4-Lite conversation, so its state stays meaningful:
//
//  - SLVERR on the N-th read or write of a register: the access is answered SLVERR and does
//    not reach the engine (a slave error means the slave did not do it).
//  - A lost interrupt: irq() and INTR_STATUS.RSP_READY read low while the response of the
//    targeted command is the oldest waiting (the line is level-sensitive: a later response
//    does not raise it either until that one is popped). CMD_STATUS still shows RSP_VALID,
//    so a driver that polls on a timeout recovers (as mlx5's command EQ recovery does).
//  - A late interrupt: the same, for N clocks after the line rose.
//  - A dropped response: when the targeted command's response arrives, the injector pops it
//    from the engine's response queue itself (it reads CMD_STATUS and writes RSP_POP), so
//    the engine goes on and the driver never sees it. The command took effect in the engine.
//  - A held response: the targeted response, once it has arrived, stays unseen for N clocks
//    (CMD_STATUS without RSP_VALID and RSP_LEVEL, INTR_STATUS.RSP_READY and the line low);
//    CMD_STATUS.OUTSTANDING still counts the command, which the engine holds. Held past the
//    driver's command timeout, it makes the command time out; with a drop on the same
//    command, the response is dropped when the hold ends: a response that never came.
//  - A corrupted handle echo: RSP_WORD1 of the targeted response reads with bit 31 flipped
//    (handles count from 1, so the echo can never match). The command took effect.
//  - A response with syndrome 1, 2 or 3 (contract section 3) in place of the engine's: the
//    targeted command reaches the engine with a doorbell length 4 short of its own, which
//    the engine refuses (ILLEGAL_REQUEST, counted in add_sa_fail / del_sa_fail, nothing
//    changed), and RSP_WORD0 reads the chosen syndrome. A device answering an error has
//    done nothing, and so has this one.
//  - Datapath: CONTROL.FWD_BAD_FRAMES set or cleared (the RTL's debug bit, kept set across
//    the driver's own writes of CONTROL); the SA handle or the syndrome of the RX metadata
//    of the next N frames the engine hands the host rewritten.
//
// The injector follows the commands the driver sends (the opcode written to CMD_WINDOW[0],
// each doorbell that reached the engine, each RSP_POP) to know which response belongs to
// which command: the engine answers strictly in order (contract section 3).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "register_bus.h"
#include "status.h"

namespace ipsec::sim {

enum class BusAccess : uint8_t { kRead, kWrite };

// What can go wrong with a command's response and its interrupt.
enum class ResponseFaultKind : uint8_t {
  kIrqLost,    // the interrupt never reaches the driver while this response waits
  kIrqLate,    // it reaches the driver `clocks` after the line rose
  kDrop,       // the response is popped before the driver sees it
  kHold,       // the response stays unseen for `clocks` after it arrived
  kBadHandle,  // the echoed handle (RSP_WORD1) is corrupted
  kSyndrome,   // the engine refuses the command; the response carries `syndrome`
};

struct ResponseFault {
  ResponseFaultKind kind = ResponseFaultKind::kDrop;
  std::optional<uint32_t> opcode;  // only a command with this opcode; nothing: the next one
  uint32_t clocks = 0;             // kIrqLate, kHold
  uint32_t syndrome = 1;           // kSyndrome: 1, 2 or 3
};

// The register names of --reg-log and of the `fault` command: the generated header's
// (driver/generated/ipsec_regs.h): "CMD_DOORBELL", "CMD_WINDOW[3]", the high word of a
// counter "DEC_IN_PACKETS_HI"; an unmapped address as "0x7f0".
std::string reg_name(uint32_t addr);
// The address of a register name as reg_name() spells it (case-insensitive), or of a number
// ("0x50", "80") that is a word address inside the register space; nothing otherwise.
std::optional<uint32_t> reg_address(const std::string& name_or_number);

class FaultInjector final : public driver::RegisterBus {
 public:
  explicit FaultInjector(driver::RegisterBus& inner) : inner_(inner) {}
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  // ---- arming ----
  // SLVERR on the `occurrence`-th (1, 2, ...) access of this kind to `addr` from now on.
  void slverr(BusAccess access, uint32_t addr, uint32_t occurrence = 1);
  void response_fault(const ResponseFault& fault);
  // CONTROL.FWD_BAD_FRAMES: the engine forwards RX frames that fail authentication (0x12)
  // or carry a bad trailer (0x17) to the host instead of dropping them. A read-modify-write
  // of CONTROL through the wrapped bus: -EIO when the bus refuses it.
  driver::Status forward_bad_frames(bool on);
  // The RX metadata of the next `frames` frames that carry it: the SA handle, or the
  // syndrome, replaced.
  void rewrite_rx_handle(uint32_t handle, uint32_t frames = 1);
  void rewrite_rx_syndrome(uint8_t syndrome, uint32_t frames = 1);
  // Disarms every fault not yet fired (the forward-bad-frames bit stays as it is).
  void clear();

  // Faults armed and not yet fired (RX rewrites count their frames still to go).
  size_t armed() const;
  // One line per fault as it fires ("SLVERR on write CMD_DOORBELL (0x050)", ...).
  const std::vector<std::string>& fired() const { return fired_; }
  // Called with each fired() line as it happens (e.g. --reg-log annotates the access).
  void set_observer(std::function<void(const std::string&)> observer) {
    observer_ = std::move(observer);
  }

  // ---- the host-RX frame hook ----
  // Applies the RX metadata rewrites to a frame the engine handed the host; true when it
  // changed it.
  bool filter_host_rx(std::vector<uint8_t>& frame);
  std::vector<std::vector<uint8_t>> filter_host_rx(std::vector<std::vector<uint8_t>> frames);

  // ---- RegisterBus ----
  driver::BusStatus read32(uint32_t addr, uint32_t& data) override;
  driver::BusStatus write32(uint32_t addr, uint32_t data) override;
  void wait_cycles(uint32_t cycles) override;
  bool irq() override;
  uint64_t now() const override { return inner_.now(); }

 private:
  // A command that reached the engine and whose response the driver has not popped.
  struct Pending {
    uint32_t opcode = 0;
    std::vector<ResponseFault> faults;
    std::optional<uint64_t> irq_rose;  // when the line was first seen high for it
    std::optional<uint64_t> arrived;   // kHold: when its response was first seen waiting
    const ResponseFault* find(ResponseFaultKind kind) const;
  };
  struct BusError {
    BusAccess access;
    uint32_t addr;
    uint32_t remaining;
  };

  bool bus_error_due(BusAccess access, uint32_t addr);
  // Pops the responses of dropped commands that have arrived (and are not held).
  void drop_arrived_responses();
  // Whether the oldest waiting response is held from the driver now (fires when a hold ends).
  bool response_held();
  // Whether the interrupt line, high on the engine, reaches the driver now.
  bool irq_delivered();
  void fire(const std::string& what);

  driver::RegisterBus& inner_;
  std::vector<BusError> bus_errors_;
  std::vector<ResponseFault> response_faults_;
  std::deque<Pending> pending_;
  uint32_t window_opcode_ = 0;  // CMD_WINDOW[0] as last written
  bool forward_bad_ = false;
  std::optional<uint32_t> rx_handle_;
  uint32_t rx_handle_frames_ = 0;
  std::optional<uint8_t> rx_syndrome_;
  uint32_t rx_syndrome_frames_ = 0;
  std::vector<std::string> fired_;
  std::function<void(const std::string&)> observer_;
};

// The `fault` command of the scenario language (sim/tool/README.md):
//   fault slverr read|write REGISTER [N]     fault response drop|handle [OPCODE]
//   fault irq lost [OPCODE]                  fault response syndrome 1|2|3 [OPCODE]
//   fault irq late CLOCKS [OPCODE]           fault rx forward-bad on|off
//   fault response hold CLOCKS [OPCODE]
//   fault rx handle HANDLE [FRAMES]          fault rx syndrome SYNDROME [FRAMES]
//   fault clear
// `words` starts with "fault". check_fault_command: the usage message of a malformed one,
// or empty. apply_fault_command: arms it on `injector`; the message when it is malformed or
// the bus refused it, or empty.
std::string check_fault_command(const std::vector<std::string>& words);
std::string apply_fault_command(FaultInjector& injector, const std::vector<std::string>& words);

}  // namespace ipsec::sim
