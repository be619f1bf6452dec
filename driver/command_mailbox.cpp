#include "command_mailbox.h"

#include <cassert>
#include <cerrno>

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

}  // namespace

std::string format_cmd_log(const BusTransfer& t) {
  if (t.kind == BusTransfer::Kind::kResponse) return "rsp " + hex(t.bytes);
  const uint32_t opcode = t.bytes.size() >= 4 ? load_be32(t.bytes.data()) : 0;
  return "cmd " + opcode_name(opcode) + " " + hex(t.bytes);
}

void CommandMailbox::notify(BusTransfer::Kind kind, std::vector<uint8_t> bytes) {
  if (observer_) observer_(BusTransfer{kind, std::move(bytes)});
}

StatusOr<CommandResponse> CommandMailbox::execute(const std::vector<uint8_t>& command) {
  if (Status s = submit(command); !s.ok()) return s;
  // Responses come strictly in order: first those of commands that timed out earlier.
  for (;;) {
    StatusOr<CommandResponse> r = next_response();
    if (!r.ok()) {
      if (r.status().code() == -ETIMEDOUT) ++late_responses_;
      return r;
    }
    if (late_responses_ == 0) return r;
    --late_responses_;
  }
}

Status CommandMailbox::submit(const std::vector<uint8_t>& command) {
  assert(command.size() % 4 == 0 && command.size() <= IPSEC_REGS_CMD_WINDOW_BYTES);
  // Word i of the window holds the be32 value of bytes 4i..4i+3; only the command's words.
  for (size_t i = 0; i < command.size() / 4; ++i) {
    const uint32_t addr = IPSEC_REGS_CMD_WINDOW_OFFSET + static_cast<uint32_t>(4 * i);
    if (Status s = regs_.write(addr, load_be32(&command[4 * i])); !s.ok()) return s;
  }
  const uint32_t doorbell = static_cast<uint32_t>(command.size())
                            << IPSEC_REGS_CMD_DOORBELL_LEN_SHIFT;
  if (Status s = regs_.write(IPSEC_REGS_CMD_DOORBELL_OFFSET, doorbell); !s.ok()) return s;
  notify(BusTransfer::Kind::kCommand, command);
  return Status::success();
}

Status CommandMailbox::wait_for_response() {
  uint64_t waited = 0;
  for (;;) {
    bool ready = false;
    if (timing_.wait == CompletionWait::kInterrupt) {
      ready = regs_.irq();
    } else {
      uint32_t status = 0;
      if (Status s = regs_.read(IPSEC_REGS_CMD_STATUS_OFFSET, status); !s.ok()) return s;
      ready = (status & IPSEC_REGS_CMD_STATUS_RSP_VALID_MASK) != 0;
    }
    if (ready) return Status::success();
    if (waited >= timing_.timeout_cycles) {
      return Status(-ETIMEDOUT, "no response to an SA command within " +
                                    std::to_string(timing_.timeout_cycles) + " clocks");
    }
    regs_.wait_cycles(timing_.poll_interval_cycles);
    waited += timing_.poll_interval_cycles;
  }
}

StatusOr<CommandResponse> CommandMailbox::next_response() {
  if (Status s = wait_for_response(); !s.ok()) return s;
  CommandResponse r;
  if (Status s = regs_.read(IPSEC_REGS_RSP_WORD0_OFFSET, r.syndrome); !s.ok()) return s;
  if (Status s = regs_.read(IPSEC_REGS_RSP_WORD1_OFFSET, r.echo); !s.ok()) return s;
  if (Status s = regs_.write(IPSEC_REGS_RSP_POP_OFFSET, IPSEC_REGS_RSP_POP_POP_MASK); !s.ok()) {
    return s;
  }
  std::vector<uint8_t> bytes(8);
  store_be32(&bytes[kResponseSyndromeOffset], r.syndrome);
  store_be32(&bytes[kResponseEchoOffset], r.echo);
  notify(BusTransfer::Kind::kResponse, std::move(bytes));
  return r;
}

}  // namespace ipsec::driver
