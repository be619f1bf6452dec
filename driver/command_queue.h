// The asynchronous SA command path, as mlx5's SBU connection was (Linux v5.7,
// drivers/net/ethernet/mellanox/mlx5/core/fpga/ipsec.c: mlx5_fpga_ipsec_cmd_exec,
// mlx5_fpga_ipsec_recv, mlx5_fpga_ipsec_cmd_wait; fpga/conn.c: mlx5_fpga_conn_send and
// its send-queue backlog). Commands go out through the engine's mailbox (docs/registers.md,
// "Command window"; contract section 3): the command words into CMD_WINDOW, the length into
// CMD_DOORBELL. Up to `credits` commands are in flight (the RTL's queue is 8 deep, as the
// kernel's SBU_QP_QUEUE_SIZE); a command posted without a credit waits in a backlog and goes
// out, in order, when a completion frees one: never dropped. Responses come strictly in
// order and are taken on the interrupt (or by polling CMD_STATUS), each completing the
// oldest command in flight. A command not answered within `timeout_cycles` of being posted
// completes with -ETIMEDOUT; it keeps its place (and its slot in the device), so its late
// response, when it comes, is recognised and handed to its owner.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kernel_log.h"
#include "register_access.h"
#include "status.h"

namespace ipsec::driver {

enum class CompletionWait : uint8_t {
  kPollStatus,  // read CMD_STATUS until RSP_VALID
  kInterrupt,   // watch the interrupt line (INTR_ENABLE.RSP_READY set at probe)
};

struct CommandTiming {
  // On the interrupt, as mlx5 took completions on its completion queue's event.
  CompletionWait wait = CompletionWait::kInterrupt;
  uint32_t poll_interval_cycles = 4;  // clocks between two looks at the device
  // Stands in for the driver's 60 s command timeout (MLX5_FPGA_IPSEC_CMD_TIMEOUT_MSEC): an
  // engine answers within a few hundred clocks, so this only fires when it never will.
  uint64_t timeout_cycles = 100000;
  // Commands in flight at most: SBU_QP_QUEUE_SIZE, the depth of the RTL's command queue.
  uint32_t credits = 8;
};

// The two response words the driver reads (contract section 3). The engine's response is 32
// bytes, but only its first two words carry anything (rtl/regs/cmd_mailbox.sv stores only
// them; RSP_WORD2..7 read 0) and the kernel used only these two fields of it.
struct CommandResponse {
  uint32_t syndrome = 0;
  uint32_t echo = 0;  // sw_sa_handle of an SA command, granted flags of SET_CAP
  // RSP_WORD2, read for ADD_SA_PKT only: bits 15:0 the SA's table index (packet section P2).
  uint32_t word2 = 0;
};

// What crossed the register bus: a command as written to CMD_WINDOW, or a response as read
// from RSP_WORD0 and RSP_WORD1 (8 bytes, big-endian words), with the device clock of the
// command's doorbell and, for a response, of its completion (RSP_POP written).
struct BusTransfer {
  enum class Kind : uint8_t { kCommand, kResponse };
  Kind kind = Kind::kCommand;
  std::vector<uint8_t> bytes;
  uint64_t doorbell_cycle = 0;
  uint64_t completion_cycle = 0;  // responses only
};
using TransferObserver = std::function<void(const BusTransfer&)>;

// One `--cmd-log` line (lower-case hex of every byte, no separators, no newline):
//   cmd ADD_SA_V2 00000002... doorbell=1234
//   rsp 0000000000000001 doorbell=1234 completion=1301
std::string format_cmd_log(const BusTransfer& transfer);

// How a command ended. A command's callback runs once with its outcome; a command that timed
// out runs it a second time, `late` set, when its fate becomes known (its response arrived,
// or the device was found not to hold it).
struct CommandCompletion {
  enum class Outcome : uint8_t {
    kAnswered,    // a response was taken: its syndrome and echo are the owner's to judge
    kTimedOut,    // no response within timeout_cycles (-ETIMEDOUT); its response is owed
    kSendFailed,  // a bus error while writing it (-EIO): the device never queued it
    kDropped,     // rung without a credit while the device's queue was full: dropped by
                  // the device (counted in ipsec_cmd_drop), never executed (-EIO)
    kNoResponse,  // accepted, but its response vanished (-EIO): it may have taken effect
  };
  Outcome outcome = Outcome::kAnswered;
  Status status;  // success when answered, else the error
  CommandResponse response;
  bool late = false;  // the second call of a command that timed out
  // kTimedOut only: the command is in the device's queue, so a second call (`late`) follows.
  // A command that timed out while still in the backlog was never sent: no second call.
  bool response_owed = false;
  uint64_t doorbell_cycle = 0;
  uint64_t completion_cycle = 0;
};
using CommandCallback = std::function<void(const CommandCompletion&)>;

// The driver's own counts of what went wrong on the command path.
struct CommandStats {
  uint64_t posted = 0;
  uint64_t answered = 0;
  uint64_t timed_out = 0;
  uint64_t late_responses = 0;  // responses taken for commands that had timed out
  uint64_t dropped = 0;         // found dropped by the device (overrun past the credits)
  uint64_t no_response = 0;     // found accepted but never answered
  uint64_t backlogged = 0;      // posts that waited for a credit
  uint64_t irq_missed = 0;      // responses found at a command's timeout, the interrupt low
};

class CommandQueue {
 public:
  using Ticket = uint64_t;
  // Messages for the kernel log (the device adds the prefix and the timestamp): the
  // function of mlx5 the message comes from, and the message.
  using LogSink = std::function<void(LogLevel, const char* function, const std::string&)>;

  CommandQueue(RegisterAccess& regs, CommandTiming timing) : regs_(regs), timing_(timing) {}
  CommandQueue(const CommandQueue&) = delete;
  CommandQueue& operator=(const CommandQueue&) = delete;

  // mlx5_fpga_ipsec_cmd_exec: queue a command (32, 132 or 148 bytes). It goes out now when
  // a credit is free, else it waits in the backlog (mlx5_fpga_conn_send's sq.backlog). The
  // callback runs from service() or a wait, never from post() itself.
  Ticket post(std::vector<uint8_t> command, CommandCallback done);

  // The interrupt handler (mlx5_fpga_conn_cq_tasklet -> mlx5_fpga_ipsec_recv): when the
  // device signals a response (the interrupt line; CMD_STATUS.RSP_VALID when polling), or a
  // command's timeout is due, take every waiting response in order, expire what is past its
  // timeout, and send from the backlog what the freed credits allow. Returns the first bus
  // error met (the response stays in the device and is taken again next time).
  Status service();

  // Let clocks pass, servicing the device, until `ticket` has had its (first) completion.
  void wait(Ticket ticket);
  // Until no command waits for a first completion: the backlog empty, every command in
  // flight answered or timed out. Late responses already waiting are taken.
  void wait_all();
  bool completed(Ticket ticket) const;

  // Doorbells rung whose responses have not been taken: timed-out commands count, they
  // still hold a slot in the device.
  size_t in_flight() const { return in_flight_.size(); }
  size_t backlog() const { return backlog_.size(); }
  // In flight and not yet completed once (what wait_all() waits for).
  size_t pending() const;
  uint32_t free_credits() const;
  // The device's clock (RegisterBus::now(); on a transport without one, the clocks this
  // queue has waited).
  uint64_t now() const;

  // Test only: ring the doorbell for this command now, whether a credit is free or not. Past
  // the credits the device's queue is full and drops it (ipsec_cmd_drop); the queue finds
  // out from CMD_STATUS.OUTSTANDING and completes it with kDropped.
  Ticket post_without_credit(std::vector<uint8_t> command, CommandCallback done);

  void set_observer(TransferObserver observer) { observer_ = std::move(observer); }
  void set_log(LogSink sink) { log_ = std::move(sink); }
  const CommandTiming& timing() const { return timing_; }
  const CommandStats& stats() const { return stats_; }

 private:
  struct Command {
    Ticket ticket = 0;
    std::vector<uint8_t> bytes;
    CommandCallback done;
    uint64_t posted_cycle = 0;  // its timeout counts from here, as the kernel's from cmd_exec
    uint64_t doorbell_cycle = 0;
    bool timed_out = false;  // first completion given; the response is still owed
    bool uncredited = false;  // rung by post_without_credit past the credits
  };

  Status ring(Command& command);
  void send_backlog();
  // Read CMD_STATUS, account for commands the device does not hold, take one response if one
  // waits. Sets `more` when another waits behind it.
  Status take_one(bool& more);
  void reconcile(uint32_t device_outstanding);
  void expire();
  void complete(Command command, CommandCompletion c);
  void deliver_undelivered();
  void pass(uint32_t cycles);
  void notify(BusTransfer transfer);
  void log(LogLevel level, const char* function, const std::string& text);

  RegisterAccess& regs_;
  CommandTiming timing_;
  TransferObserver observer_;
  LogSink log_;
  CommandStats stats_;
  std::deque<Command> in_flight_;  // oldest first: responses complete the front
  std::deque<Command> backlog_;
  std::deque<std::pair<Command, CommandCompletion>> undelivered_;  // send failures
  Ticket next_ticket_ = 1;
  std::set<Ticket> unfinished_;  // posted, first completion not yet given
  uint64_t waited_ = 0;          // clocks waited by this queue (clock of last resort)
};

}  // namespace ipsec::driver
