#include "command_queue.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdio>

#include "byte_order.h"
#include "contract.h"
#include "driver/generated/ipsec_regs.h"

namespace ipsec::driver {

namespace {

std::string hex(const std::vector<uint8_t>& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * bytes.size());
  for (uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

uint32_t field(uint32_t value, uint32_t mask, uint32_t shift) { return (value & mask) >> shift; }

std::string opcode_of(const std::vector<uint8_t>& command) {
  return opcode_name(command.size() >= 4 ? load_be32(command.data()) : 0);
}

}  // namespace

std::string format_cmd_log(const BusTransfer& t) {
  const std::string doorbell = " doorbell=" + std::to_string(t.doorbell_cycle);
  if (t.kind == BusTransfer::Kind::kResponse) {
    return "rsp " + hex(t.bytes) + doorbell + " completion=" + std::to_string(t.completion_cycle);
  }
  return "cmd " + opcode_of(t.bytes) + " " + hex(t.bytes) + doorbell;
}

// ---- posting ------------------------------------------------------------------------------

CommandQueue::Ticket CommandQueue::post(std::vector<uint8_t> command, CommandCallback done) {
  assert(command.size() % 4 == 0 && command.size() <= IPSEC_REGS_CMD_WINDOW_BYTES);
  Command c;
  c.ticket = next_ticket_++;
  c.bytes = std::move(command);
  c.done = std::move(done);
  c.posted_cycle = now();
  unfinished_.insert(c.ticket);
  ++stats_.posted;
  const Ticket ticket = c.ticket;
  // In order: nothing overtakes the backlog (mlx5_fpga_conn_send queues behind it).
  if (backlog_.empty() && free_credits() > 0) {
    if (Status s = ring(c); !s.ok()) {
      CommandCompletion cc;
      cc.outcome = CommandCompletion::Outcome::kSendFailed;
      cc.status = s;
      undelivered_.emplace_back(std::move(c), std::move(cc));
    }
  } else {
    ++stats_.backlogged;
    backlog_.push_back(std::move(c));
  }
  return ticket;
}

CommandQueue::Ticket CommandQueue::post_without_credit(std::vector<uint8_t> command,
                                                        CommandCallback done) {
  Command c;
  c.ticket = next_ticket_++;
  c.bytes = std::move(command);
  c.done = std::move(done);
  c.uncredited = free_credits() == 0;
  c.posted_cycle = now();
  unfinished_.insert(c.ticket);
  ++stats_.posted;
  const Ticket ticket = c.ticket;
  if (Status s = ring(c); !s.ok()) {
    CommandCompletion cc;
    cc.outcome = CommandCompletion::Outcome::kSendFailed;
    cc.status = s;
    undelivered_.emplace_back(std::move(c), std::move(cc));
  }
  return ticket;
}

Status CommandQueue::ring(Command& c) {
  // Word i of the window holds the be32 value of bytes 4i..4i+3; only the command's words.
  for (size_t i = 0; i < c.bytes.size() / 4; ++i) {
    const uint32_t addr = IPSEC_REGS_CMD_WINDOW_OFFSET + static_cast<uint32_t>(4 * i);
    if (Status s = regs_.write(addr, load_be32(&c.bytes[4 * i])); !s.ok()) return s;
  }
  const uint32_t doorbell = static_cast<uint32_t>(c.bytes.size())
                            << IPSEC_REGS_CMD_DOORBELL_LEN_SHIFT;
  // A doorbell answered with an error did nothing (docs/registers.md): nothing is queued.
  if (Status s = regs_.write(IPSEC_REGS_CMD_DOORBELL_OFFSET, doorbell); !s.ok()) return s;
  c.doorbell_cycle = now();
  BusTransfer t;
  t.kind = BusTransfer::Kind::kCommand;
  t.bytes = c.bytes;
  t.doorbell_cycle = c.doorbell_cycle;
  notify(std::move(t));
  in_flight_.push_back(std::move(c));
  return Status::success();
}

void CommandQueue::send_backlog() {
  while (!backlog_.empty() && free_credits() > 0) {
    Command c = std::move(backlog_.front());
    backlog_.pop_front();
    if (Status s = ring(c); !s.ok()) {
      CommandCompletion cc;
      cc.outcome = CommandCompletion::Outcome::kSendFailed;
      cc.status = s;
      complete(std::move(c), std::move(cc));
    }
  }
}

uint32_t CommandQueue::free_credits() const {
  return in_flight_.size() >= timing_.credits
             ? 0
             : timing_.credits - static_cast<uint32_t>(in_flight_.size());
}

size_t CommandQueue::pending() const {
  return backlog_.size() + undelivered_.size() +
         static_cast<size_t>(std::count_if(in_flight_.begin(), in_flight_.end(),
                                           [](const Command& c) { return !c.timed_out; }));
}

uint64_t CommandQueue::now() const { return std::max(regs_.now(), waited_); }

// ---- completion ---------------------------------------------------------------------------

Status CommandQueue::service() {
  deliver_undelivered();
  Status first_error;
  const uint64_t t = now();
  const bool due = std::any_of(in_flight_.begin(), in_flight_.end(), [&](const Command& c) {
    return !c.timed_out && t - c.posted_cycle >= timing_.timeout_cycles;
  }) || (!backlog_.empty() && t - backlog_.front().posted_cycle >= timing_.timeout_cycles);
  // With interrupts the line says when to look; a command's timeout is also a reason to
  // look (a lost interrupt leaves the response in CMD_STATUS: the look finds it, which is
  // worth a warning, as mlx5_cmd_eq_recover's).
  const bool polling = timing_.wait == CompletionWait::kPollStatus;
  const bool irq = !polling && regs_.irq();
  if (polling || irq || due) {
    const uint64_t taken = stats_.answered + stats_.late_responses;
    for (bool more = true; more;) {
      if (Status s = take_one(more); !s.ok()) {
        if (first_error.ok()) first_error = s;
        break;
      }
    }
    const uint64_t recovered = stats_.answered + stats_.late_responses - taken;
    if (!polling && !irq && recovered > 0) {
      stats_.irq_missed += recovered;
      log(LogLevel::kWarn, "mlx5_fpga_ipsec_cmd_wait",
          "no interrupt for " + std::to_string(recovered) +
              " response(s) found waiting at a command's timeout");
    }
    expire();
  }
  send_backlog();
  return first_error;
}

Status CommandQueue::take_one(bool& more) {
  more = false;
  uint32_t status = 0;
  if (Status s = regs_.read(IPSEC_REGS_CMD_STATUS_OFFSET, status); !s.ok()) {
    log(LogLevel::kWarn, "mlx5_fpga_ipsec_recv", "reading the command status: " + s.message());
    return s;
  }
  reconcile(field(status, IPSEC_REGS_CMD_STATUS_OUTSTANDING_MASK,
                  IPSEC_REGS_CMD_STATUS_OUTSTANDING_SHIFT));
  if ((status & IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK) == 0) return Status::success();

  CommandResponse r;
  for (const auto& [addr, value] : {std::pair<uint32_t, uint32_t*>{IPSEC_REGS_RSP_WORD0_OFFSET, &r.syndrome},
                                    std::pair<uint32_t, uint32_t*>{IPSEC_REGS_RSP_WORD1_OFFSET, &r.echo}}) {
    if (Status s = regs_.read(addr, *value); !s.ok()) {
      log(LogLevel::kWarn, "mlx5_fpga_ipsec_recv", "reading a response: " + s.message());
      return s;  // not popped: taken again on the next look
    }
  }
  // Packet section P2: ADD_SA_PKT answers the SA's table index in word 2. Responses come in
  // order, so the oldest command in flight is the one answered.
  if (!in_flight_.empty() && in_flight_.front().bytes.size() >= 4 &&
      load_be32(in_flight_.front().bytes.data()) == static_cast<uint32_t>(SaOpcode::kAddSaPkt)) {
    if (Status s = regs_.read(IPSEC_REGS_RSP_WORD2_OFFSET, r.word2); !s.ok()) {
      log(LogLevel::kWarn, "mlx5_fpga_ipsec_recv", "reading a response: " + s.message());
      return s;
    }
  }
  if (Status s = regs_.write(IPSEC_REGS_RSP_POP_OFFSET, IPSEC_REGS_RSP_POP_POP_MASK); !s.ok()) {
    log(LogLevel::kWarn, "mlx5_fpga_ipsec_recv", "releasing a response: " + s.message());
    return s;
  }
  // Another response waited behind this one: look again (CMD_STATUS first, so that one
  // vanished meanwhile is accounted for before the next is matched to a command).
  more = field(status, IPSEC_REGS_CMD_STATUS_RSP_LEVEL_MASK, IPSEC_REGS_CMD_STATUS_RSP_LEVEL_SHIFT) > 1;
  BusTransfer t;
  t.kind = BusTransfer::Kind::kResponse;
  t.bytes.resize(8);
  store_be32(&t.bytes[kResponseSyndromeOffset], r.syndrome);
  store_be32(&t.bytes[kResponseEchoOffset], r.echo);
  t.completion_cycle = now();

  if (in_flight_.empty()) {
    notify(std::move(t));
    log(LogLevel::kWarn, "mlx5_fpga_ipsec_recv",
        "Received IPSec offload response without pending command request");
    return Status::success();
  }
  Command c = std::move(in_flight_.front());
  in_flight_.pop_front();
  t.doorbell_cycle = c.doorbell_cycle;
  notify(std::move(t));
  if (syndrome_to_errno(r.syndrome) != 0) {
    char text[64];
    std::snprintf(text, sizeof text, "IPSec command failed with syndrome %08x", r.syndrome);
    log(LogLevel::kWarn, "mlx5_fpga_ipsec_recv", text);
  }
  CommandCompletion cc;
  cc.outcome = CommandCompletion::Outcome::kAnswered;
  cc.response = r;
  cc.late = c.timed_out;
  cc.completion_cycle = t.completion_cycle;
  ++(c.timed_out ? stats_.late_responses : stats_.answered);
  complete(std::move(c), std::move(cc));
  return Status::success();
}

// The device holds OUTSTANDING commands (accepted, response not yet popped); the driver has
// in_flight() doorbells it has not had a response for. Fewer in the device means some never
// will be answered. A doorbell is dropped only when the device's queue is full, which a
// driver within its credits never meets: so those rung past the credits are the dropped
// ones. Any other difference is a response that vanished (popped by someone else); responses
// come strictly in order, so it belonged to the oldest command still waiting for one.
void CommandQueue::reconcile(uint32_t device_outstanding) {
  if (device_outstanding >= in_flight_.size()) return;
  size_t lost = in_flight_.size() - device_outstanding;
  std::vector<std::pair<Command, CommandCompletion::Outcome>> gone;
  for (size_t i = in_flight_.size(); i-- > 0 && lost > 0;) {
    if (!in_flight_[i].uncredited) continue;
    gone.emplace_back(std::move(in_flight_[i]), CommandCompletion::Outcome::kDropped);
    in_flight_.erase(in_flight_.begin() + static_cast<long>(i));
    --lost;
  }
  for (; lost > 0; --lost) {
    gone.emplace_back(std::move(in_flight_.front()), CommandCompletion::Outcome::kNoResponse);
    in_flight_.pop_front();
  }
  for (auto& [c, outcome] : gone) {
    const bool dropped = outcome == CommandCompletion::Outcome::kDropped;
    ++(dropped ? stats_.dropped : stats_.no_response);
    const std::string what = opcode_of(c.bytes) + " rung at cycle " + std::to_string(c.doorbell_cycle);
    const std::string text = dropped ? what + " was dropped by the device: its command queue "
                                              "was full (ipsec_cmd_drop)"
                                     : what + " was accepted by the device but its response "
                                              "never came";
    log(LogLevel::kWarn, "mlx5_fpga_ipsec_recv", text);
    CommandCompletion cc;
    cc.outcome = outcome;
    cc.status = Status(-EIO, text);
    cc.late = c.timed_out;
    cc.completion_cycle = now();
    complete(std::move(c), std::move(cc));
  }
}

// mlx5_fpga_ipsec_cmd_wait: a command not answered in time fails with -ETIMEDOUT. One in
// flight stays there, in its place: its response, if it comes, is still the next in order.
// One still in the backlog was never sent: it leaves.
void CommandQueue::expire() {
  const uint64_t t = now();
  auto timed_out = [&](const Command& c) {
    log(LogLevel::kWarn, "mlx5_fpga_ipsec_cmd_wait", "Failure waiting for IPSec command response");
    ++stats_.timed_out;
    CommandCompletion cc;
    cc.outcome = CommandCompletion::Outcome::kTimedOut;
    cc.status = Status(-ETIMEDOUT, "no response to " + opcode_of(c.bytes) + " within " +
                                       std::to_string(timing_.timeout_cycles) + " clocks");
    cc.doorbell_cycle = c.doorbell_cycle;
    cc.completion_cycle = t;
    return cc;
  };
  for (size_t i = 0; i < in_flight_.size(); ++i) {
    Command& c = in_flight_[i];
    if (c.timed_out || t - c.posted_cycle < timing_.timeout_cycles) continue;
    c.timed_out = true;
    CommandCompletion cc = timed_out(c);
    cc.response_owed = true;
    unfinished_.erase(c.ticket);
    // The callback may post (and so grow in_flight_): call a copy of it.
    const CommandCallback done = c.done;
    if (done) done(cc);
  }
  while (!backlog_.empty() && t - backlog_.front().posted_cycle >= timing_.timeout_cycles) {
    Command c = std::move(backlog_.front());
    backlog_.pop_front();
    CommandCompletion cc = timed_out(c);
    complete(std::move(c), std::move(cc));
  }
}

void CommandQueue::complete(Command c, CommandCompletion cc) {
  cc.doorbell_cycle = c.doorbell_cycle;
  if (cc.completion_cycle == 0) cc.completion_cycle = now();
  if (!cc.late) unfinished_.erase(c.ticket);
  if (c.done) c.done(cc);
}

void CommandQueue::deliver_undelivered() {
  while (!undelivered_.empty()) {
    auto [c, cc] = std::move(undelivered_.front());
    undelivered_.pop_front();
    complete(std::move(c), std::move(cc));
  }
}

// ---- waiting ------------------------------------------------------------------------------

bool CommandQueue::completed(Ticket ticket) const {
  return ticket < next_ticket_ && unfinished_.count(ticket) == 0;
}

void CommandQueue::pass(uint32_t cycles) {
  regs_.wait_cycles(cycles);
  waited_ += cycles;
}

void CommandQueue::wait(Ticket ticket) {
  for (;;) {
    (void)service();  // bus errors: logged; the timeout ends the wait if they persist
    if (completed(ticket)) return;
    pass(timing_.poll_interval_cycles);
  }
}

void CommandQueue::wait_all() {
  for (;;) {
    (void)service();
    if (pending() == 0) return;
    pass(timing_.poll_interval_cycles);
  }
}

void CommandQueue::notify(BusTransfer transfer) {
  if (observer_) observer_(transfer);
}

void CommandQueue::log(LogLevel level, const char* function, const std::string& text) {
  if (log_) log_(level, function, text);
}

}  // namespace ipsec::driver
