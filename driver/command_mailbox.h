// SA command submission and completion over the engine's mailbox (docs/registers.md,
// "Command window"; contract section 3): the command words into CMD_WINDOW, its length
// into CMD_DOORBELL, then wait for RSP_VALID (or the interrupt), read the response, pop.
// One command at a time, as the driver's synchronous ADD/DEL.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "register_access.h"
#include "status.h"

namespace ipsec::driver {

enum class CompletionWait : uint8_t {
  kPollStatus,  // read CMD_STATUS until RSP_VALID
  kInterrupt,   // watch the interrupt line (INTR_ENABLE.RSP_READY set at probe)
};

struct MailboxTiming {
  CompletionWait wait = CompletionWait::kPollStatus;
  uint32_t poll_interval_cycles = 4;  // clocks between two looks at the device
  // Stands in for the driver's 60 s command timeout (mlx5_fpga_ipsec_cmd_wait): an engine
  // answers within a few hundred clocks, so this only fires when it never will.
  uint64_t timeout_cycles = 100000;
};

// The two response words the driver reads (contract section 3).
struct CommandResponse {
  uint32_t syndrome = 0;
  uint32_t echo = 0;  // sw_sa_handle of an SA command, granted flags of SET_CAP
};

// What crossed the register bus: a command as written to CMD_WINDOW, or a response as read
// from RSP_WORD0 and RSP_WORD1 (8 bytes, big-endian words).
struct BusTransfer {
  enum class Kind : uint8_t { kCommand, kResponse };
  Kind kind = Kind::kCommand;
  std::vector<uint8_t> bytes;
};
using TransferObserver = std::function<void(const BusTransfer&)>;

// One `--cmd-log` line: "cmd ADD_SA_V2 00000002..." or "rsp 0000000000000001"
// (lower-case hex of every byte, no separators, no newline).
std::string format_cmd_log(const BusTransfer& transfer);

class CommandMailbox {
 public:
  CommandMailbox(RegisterAccess& regs, MailboxTiming timing) : regs_(regs), timing_(timing) {}

  // Submit one command (32, 132 or 148 bytes) and wait for its response. -ETIMEDOUT when
  // none comes in time (its late response is then discarded when it arrives), -EIO on a bus
  // error. The syndrome is the caller's to judge.
  StatusOr<CommandResponse> execute(const std::vector<uint8_t>& command);

  void set_observer(TransferObserver observer) { observer_ = std::move(observer); }
  const MailboxTiming& timing() const { return timing_; }

 private:
  Status submit(const std::vector<uint8_t>& command);
  StatusOr<CommandResponse> next_response();
  Status wait_for_response();
  void notify(BusTransfer::Kind kind, std::vector<uint8_t> bytes);

  RegisterAccess& regs_;
  MailboxTiming timing_;
  TransferObserver observer_;
  uint32_t late_responses_ = 0;  // owed to commands that timed out: discard them, in order
};

}  // namespace ipsec::driver
