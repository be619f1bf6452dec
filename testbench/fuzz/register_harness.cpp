#include "register_harness.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <exception>
#include <sstream>

#include "contract.h"
#include "driver/generated/ipsec_regs.h"
#include "engine_model.h"
#include "engine_sim.h"
#include "fuzz_target.h"

namespace ipsec::fuzz {

namespace {

using driver::BusStatus;
using driver::bus_status_name;
namespace img = driver::sa_image;

constexpr size_t kHeader = 3;
// The 148-byte window of an engine without packet offload, as the fuzzed RTL and model are
// (the register map's CMD_WINDOW has 52 words, 37..51 only with packet offload).
constexpr uint32_t kWindowWords = 37;
constexpr size_t kCounters = 14;
constexpr uint32_t kCountersEnd = IPSEC_REGS_DEC_IN_PACKETS_OFFSET + 8 * kCounters;
constexpr size_t kMaxBatch = 64;  // requests issued in one pipeline at most
constexpr size_t kLogLines = 24;  // transactions shown with a finding

[[noreturn]] void fail(const std::string& m) { finding("registers", m); }

std::string hex(uint32_t v, int digits = 8) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%0*x", digits, v);
  return text;
}

uint32_t be32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }
void put_be32(Bytes& b, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
void push_be32(Bytes& b, uint32_t v) {
  for (int i = 3; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Whether an access's answer depends on the commands having executed: what the command
// engine writes (CMD_STATUS, INTR_STATUS, the responses, the counters, CONTROL.NO_TRAILER
// from SET_CAP) and RSP_POP, which pops only a response that is there.
bool depends_on_commands(bool write, uint32_t addr) {
  const uint32_t w = addr & ~3u;
  if (write) return w == IPSEC_REGS_RSP_POP_OFFSET;
  return w == IPSEC_REGS_CONTROL_OFFSET || w == IPSEC_REGS_INTR_STATUS_OFFSET || w == IPSEC_REGS_CMD_STATUS_OFFSET ||
         (w >= IPSEC_REGS_RSP_WORD0_OFFSET && w <= IPSEC_REGS_RSP_WORD7_OFFSET) ||
         (w >= IPSEC_REGS_DEC_IN_PACKETS_OFFSET && w < kCountersEnd);
}

const char* kind_name(RegOpKind k) {
  switch (k) {
    case RegOpKind::kRead: return "read";
    case RegOpKind::kWrite: return "write";
    case RegOpKind::kDoorbell: return "doorbell";
    case RegOpKind::kCommand: return "command";
    case RegOpKind::kWindow: return "window";
    case RegOpKind::kRspPop: return "RSP_POP";
    case RegOpKind::kCheckpoint: return "checkpoint";
    case RegOpKind::kMisc: return "misc";
  }
  return "?";
}

// Every readable register in an order that reads each counter's low word before its high
// word (docs/registers.md).
std::vector<uint32_t> readable_registers() {
  std::vector<uint32_t> a;
  for (uint32_t r = IPSEC_REGS_VENDOR_ID_OFFSET; r <= IPSEC_REGS_ENGINE_PARAMS_OFFSET; r += 4) a.push_back(r);
  for (uint32_t r = IPSEC_REGS_CAP_ENCAPSULATION_OFFSET; r <= IPSEC_REGS_INTR_STATUS_OFFSET; r += 4) a.push_back(r);
  a.push_back(IPSEC_REGS_CMD_STATUS_OFFSET);
  for (uint32_t r = IPSEC_REGS_RSP_WORD0_OFFSET; r <= IPSEC_REGS_RSP_WORD7_OFFSET; r += 4) a.push_back(r);
  for (uint32_t r = IPSEC_REGS_DEC_IN_PACKETS_OFFSET; r < kCountersEnd; r += 4) a.push_back(r);
  return a;
}

}  // namespace

// ---- command images -------------------------------------------------------------------------

uint32_t command_length(uint8_t opcode) {
  switch (opcode) {
    case 0:
    case 1: return driver::kSaImageV1Bytes;
    case 5: return driver::kSetCapBytes;
    default: return driver::kSaImageV2Bytes;
  }
}

Bytes sa_command_image(uint8_t opcode, uint8_t sa) {
  Bytes b(driver::kSaImageV2Bytes, 0);
  if (opcode == 5) {
    put_be32(b, img::kCmd, 5);
    put_be32(b, driver::kSetCapFlagsOffset, sa & 3u);
    return b;
  }
  const uint32_t op = opcode < 5 ? opcode : opcode == 6 ? 6u + sa : 0xFFFFFFFFu - sa;
  put_be32(b, img::kCmd, op);
  const bool tx = sa & 1, ipv6 = sa & 2, key256 = sa & 0x10, esn = sa & 0x20, overlap = sa & 0x40,
             broken = sa & 0x80;
  const unsigned pair = (sa >> 2) & 3;
  for (size_t i = 0; i < img::kKeyEncBytes; ++i) {
    // A 128-bit key is written twice (contract section 3).
    b[img::kKeyEnc + i] = static_cast<uint8_t>(0x40 + (key256 ? i : i % 16) + 16 * pair);
  }
  const size_t a = ipv6 ? 0 : img::kIpv4InAddr;
  if (ipv6) {
    b[img::kSip] = b[img::kDip] = 0x20;
    b[img::kSip + 1] = b[img::kDip + 1] = 0x01;
  }
  b[img::kSip + a + 0] = 10;
  b[img::kSip + a + 3] = static_cast<uint8_t>(1 + pair);
  b[img::kDip + a + 0] = 10;
  b[img::kDip + a + 2] = 1;
  b[img::kDip + a + 3] = static_cast<uint8_t>(1 + pair);
  for (size_t i = 0; i < img::kSaltIvBytes; ++i) b[img::kSaltIv + i] = static_cast<uint8_t>(0x51 + i);
  put_be32(b, img::kSalt, 0xA0A1A200u | sa);
  put_be32(b, img::kSpi, 0x1000u + pair);
  put_be32(b, img::kSwSaHandle, tx ? 0 : 1u + pair);
  b[img::kEncMode] = broken ? 2 : key256 ? 3 : 1;
  uint8_t flags = broken ? driver::kSaFlagSpiEn | driver::kSaFlagIpEsp : driver::kSaFlagsAlways;
  if (tx) flags |= driver::kSaFlagDirSx;
  if (ipv6) flags |= driver::kSaFlagIpv6;
  if (esn) flags |= driver::kSaFlagEsnEn;
  if (overlap) flags |= driver::kSaFlagEsnOverlap;
  b[img::kFlags] = flags;
  if (esn) put_be32(b, img::kEsn, 1u + pair);
  return b;
}

// ---- the input ------------------------------------------------------------------------------

RegisterInput decode_register_input(const uint8_t* data, size_t size) {
  RegisterInput in;
  if (size < kHeader) return in;
  in.bus = data[0];
  in.seed = static_cast<uint16_t>(data[1] << 8 | data[2]);
  size_t at = kHeader;
  auto need = [&](size_t n) { return at + n <= size; };
  while (at < size && in.ops.size() < kMaxRegisterOps) {
    RegOp op;
    op.kind = static_cast<RegOpKind>(data[at] & 7);
    op.arg = static_cast<uint8_t>(data[at] >> 3);
    ++at;
    switch (op.kind) {
      case RegOpKind::kRead:
        if (!need(2)) return in;
        op.addr = static_cast<uint16_t>((data[at] << 8 | data[at + 1]) & 0xFFF);
        at += 2;
        break;
      case RegOpKind::kWrite:
        if (!need(6)) return in;
        op.addr = static_cast<uint16_t>((data[at] << 8 | data[at + 1]) & 0xFFF);
        op.data = be32(data + at + 2);
        at += 6;
        break;
      case RegOpKind::kDoorbell:
      case RegOpKind::kRspPop:
        if (!need(4)) return in;
        op.data = be32(data + at);
        at += 4;
        break;
      case RegOpKind::kCommand:
        if (!need(1)) return in;
        op.sa = data[at++];
        if (op.arg & 0x10) {
          if (!need(1)) return in;
          op.cut = data[at++];
        }
        break;
      case RegOpKind::kWindow: {
        if (!need(2)) return in;
        op.first_word = data[at];
        const size_t n = data[at + 1] % 16 + 1;
        at += 2;
        if (!need(4 * n)) return in;
        for (size_t i = 0; i < n; ++i) op.words.push_back(be32(data + at + 4 * i));
        at += 4 * n;
        break;
      }
      default: break;
    }
    in.ops.push_back(std::move(op));
  }
  return in;
}

Bytes encode_register_input(const RegisterInput& in) {
  Bytes b{in.bus, static_cast<uint8_t>(in.seed >> 8), static_cast<uint8_t>(in.seed)};
  for (const RegOp& op : in.ops) {
    b.push_back(static_cast<uint8_t>(op.arg << 3 | static_cast<uint8_t>(op.kind)));
    switch (op.kind) {
      case RegOpKind::kRead:
        b.push_back(static_cast<uint8_t>(op.addr >> 8));
        b.push_back(static_cast<uint8_t>(op.addr));
        break;
      case RegOpKind::kWrite:
        b.push_back(static_cast<uint8_t>(op.addr >> 8));
        b.push_back(static_cast<uint8_t>(op.addr));
        push_be32(b, op.data);
        break;
      case RegOpKind::kDoorbell:
      case RegOpKind::kRspPop: push_be32(b, op.data); break;
      case RegOpKind::kCommand:
        b.push_back(op.sa);
        if (op.arg & 0x10) b.push_back(op.cut);
        break;
      case RegOpKind::kWindow:
        b.push_back(op.first_word);
        b.push_back(static_cast<uint8_t>(op.words.size() - 1));
        for (uint32_t w : op.words) push_be32(b, w);
        break;
      default: break;
    }
  }
  return b;
}

std::string describe(const RegisterInput& in) {
  std::ostringstream m;
  m << "bus: delays " << (in.bus & 7) * 12 << " %, " << ((in.bus & 8) ? "random AW/W order" : "AW and W together")
    << ", " << ((in.bus >> 4) & 3) + 1 << " outstanding; seed " << in.seed + 1 << "; " << in.ops.size()
    << " operations";
  return m.str();
}

// ---- one run --------------------------------------------------------------------------------

namespace {

class RegisterRun {
 public:
  explicit RegisterRun(const RegisterInput& in) : in_(in), sim_(options(in)) {}

  void run() {
    for (op_ = 0; op_ < in_.ops.size(); ++op_) step(in_.ops[op_]);
    checkpoint();
  }

 private:
  // One transaction, as issued and as both answered.
  struct Done {
    size_t op = 0;
    sim::AxiLiteCompletion rtl;
    BusStatus model_status = BusStatus::kOk;
    uint32_t model_data = 0;
    bool data_defined = true;  // false: a counter's high word never latched (no defined value)
  };

  static sim::EngineSimOptions options(const RegisterInput& in) {
    sim::EngineSimOptions o;
    o.seed = uint64_t{in.seed} + 1;
    o.axil_delay_percent = (in.bus & 7) * 12;
    o.axil_random_order = (in.bus & 8) != 0;
    o.axil_max_outstanding = ((in.bus >> 4) & 3) + 1u;
    o.build = sim::RtlBuild::kChecking;
    o.x_seed = static_cast<int>(in.seed) + 1;
    return o;
  }

  static std::string text(const Done& d) {
    std::ostringstream m;
    m << "op " << d.op << ": " << (d.rtl.write ? "write " : "read ") << hex(d.rtl.addr, 3);
    if (d.rtl.write) m << " data " << hex(d.rtl.data) << " strb 0x" << std::hex << int{d.rtl.strb} << std::dec;
    m << " -> RTL " << bus_status_name(d.rtl.status);
    if (!d.rtl.write) m << " " << hex(d.rtl.data);
    m << ", model " << bus_status_name(d.model_status);
    if (!d.rtl.write) m << " " << hex(d.model_data) << (d.data_defined ? "" : " (high word never latched)");
    return m.str();
  }

  [[noreturn]] void broken(const std::string& what) {
    std::ostringstream m;
    m << what << "\n  at operation " << op_ << " (" << (op_ < in_.ops.size() ? kind_name(in_.ops[op_].kind) : "end")
      << "), clock " << sim_.cycles() << "; input: " << describe(in_) << "\n  the last transactions:";
    for (const Done& d : log_) m << "\n    " << text(d);
    fail(m.str());
  }

  void step(const RegOp& op) {
    const uint8_t strb = op.arg & 0xF;
    switch (op.kind) {
      case RegOpKind::kRead: access(false, op.addr, 0, 0xF); break;
      case RegOpKind::kWrite: access(true, op.addr, op.data, strb); break;
      case RegOpKind::kDoorbell:
        access(true, IPSEC_REGS_CMD_DOORBELL_OFFSET, op.data, (op.arg & 0x10) ? 0xF : strb);
        break;
      case RegOpKind::kCommand: {
        const uint8_t opcode = op.arg & 7;
        const Bytes image = sa_command_image(opcode, op.sa);
        const uint32_t words = (op.arg & 0x10) ? op.cut % kWindowWords + 1 : kWindowWords;
        for (uint32_t w = 0; w < words; ++w) {
          access(true, IPSEC_REGS_CMD_WINDOW_OFFSET + 4 * w, be32(&image[4 * w]), 0xF);
        }
        if (op.arg & 8) access(true, IPSEC_REGS_CMD_DOORBELL_OFFSET, command_length(opcode), 0xF);
        break;
      }
      case RegOpKind::kWindow:
        for (size_t k = 0; k < op.words.size(); ++k) {
          const uint32_t w = static_cast<uint32_t>((op.first_word + k) % kWindowWords);
          access(true, IPSEC_REGS_CMD_WINDOW_OFFSET + 4 * w, op.words[k], strb ? strb : 0xF);
        }
        break;
      case RegOpKind::kRspPop: access(true, IPSEC_REGS_RSP_POP_OFFSET, op.data, strb ? strb : 0xF); break;
      case RegOpKind::kCheckpoint: checkpoint(); break;
      case RegOpKind::kMisc:
        switch (op.arg & 3) {
          case 0: flush(); break;
          case 1:
            access(true, IPSEC_REGS_CONTROL_OFFSET, (op.arg >> 2 & 1) ? IPSEC_REGS_CONTROL_FWD_BAD_FRAMES_MASK : 0, 0xF);
            break;
          case 2:
            access(true, IPSEC_REGS_INTR_ENABLE_OFFSET, (op.arg >> 2 & 1) ? IPSEC_REGS_INTR_ENABLE_RSP_READY_MASK : 0,
                   0xF);
            break;
          default:
            flush();
            sim_.bus().wait_cycles(static_cast<uint32_t>(op.arg >> 2) * 8);
            break;
        }
        break;
    }
  }

  // Queues one transaction; an access that depends on the commands waits for them first.
  void access(bool write, uint32_t addr, uint32_t data, uint8_t strb) {
    if (doorbell_since_idle_ && depends_on_commands(write, addr)) settle();
    sim::AxiLiteCompletion c;
    c.write = write;
    c.addr = addr;
    c.data = data;
    c.strb = strb;
    batch_.push_back(c);
    batch_ops_.push_back(op_);
    if (write && (addr & ~3u) == IPSEC_REGS_CMD_DOORBELL_OFFSET) doorbell_since_idle_ = true;
    if (batch_.size() >= kMaxBatch) flush();
  }

  // Issues the queued transactions on the RTL (pipelined) and on the model (in order), and
  // compares every answer.
  void flush() {
    if (batch_.empty()) return;
    const std::vector<sim::AxiLiteCompletion> got = sim_.transact(batch_);
    if (got.size() != batch_.size()) broken("the bus master returned " + std::to_string(got.size()) + " completions for " + std::to_string(batch_.size()) + " requests");
    for (size_t i = 0; i < got.size(); ++i) {
      Done d;
      d.op = batch_ops_[i];
      d.rtl = got[i];
      const sim::AxiLiteCompletion& q = batch_[i];
      if (d.rtl.write != q.write || d.rtl.addr != q.addr) broken("the bus master answered out of order");
      if (q.write) {
        d.model_status = model_.ctrl().write32_strobe(q.addr, q.data, q.strb);
      } else {
        d.model_status = model_.read32(q.addr, d.model_data);
        const uint32_t w = q.addr & ~3u;
        if (w >= IPSEC_REGS_DEC_IN_PACKETS_OFFSET && w < kCountersEnd) {
          const size_t k = (w - IPSEC_REGS_DEC_IN_PACKETS_OFFSET) / 8;
          if ((w - IPSEC_REGS_DEC_IN_PACKETS_OFFSET) % 8 == 0) {
            latched_[k] = true;
          } else {
            // docs/architecture.md: before the first low-word read the RTL's latch holds no
            // defined value; the response is compared, the data not.
            d.data_defined = latched_[k];
          }
        }
      }
      log_.push_back(d);
      if (log_.size() > kLogLines) log_.pop_front();
      if (d.rtl.status != d.model_status) broken("the responses differ: " + text(d));
      if (!q.write && d.data_defined && d.rtl.data != d.model_data) broken("the data read differ: " + text(d));
    }
    batch_.clear();
    batch_ops_.clear();
    if (!doorbell_since_idle_) check_irq();
  }

  void check_irq() {
    const bool rtl = sim_.bus().irq(), model = model_.irq();
    if (rtl != model) {
      broken(std::string("the interrupt line differs: RTL ") + (rtl ? "high" : "low") + ", model " + (model ? "high" : "low"));
    }
  }

  // Both execute every command they accepted: the RTL until CMD_STATUS shows every
  // outstanding command answered (at most kSettleClocks), the model by letting its clock run.
  void settle() {
    flush();
    const uint64_t start = sim_.cycles();
    for (;;) {
      uint32_t s = 0;
      const BusStatus st = sim_.bus().read32(IPSEC_REGS_CMD_STATUS_OFFSET, s);
      if (st != BusStatus::kOk) broken(std::string("CMD_STATUS answered ") + bus_status_name(st));
      const uint32_t outstanding = (s & IPSEC_REGS_CMD_STATUS_OUTSTANDING_MASK) >> IPSEC_REGS_CMD_STATUS_OUTSTANDING_SHIFT;
      const uint32_t level = (s & IPSEC_REGS_CMD_STATUS_RSP_LEVEL_MASK) >> IPSEC_REGS_CMD_STATUS_RSP_LEVEL_SHIFT;
      if (outstanding == level) break;
      if (sim_.cycles() - start > kSettleClocks) {
        broken("hang: commands still executing " + std::to_string(kSettleClocks) + " clocks after the last doorbell (CMD_STATUS " + hex(s) + ")");
      }
    }
    model_.wait_cycles(1000);
    doorbell_since_idle_ = false;
    check_irq();
  }

  // Both idle; then every readable register and the interrupt line.
  void checkpoint() {
    settle();
    for (uint32_t a : readable_registers()) access(false, a, 0, 0xF);
    flush();
  }

  const RegisterInput& in_;
  sim::EngineSim sim_;
  model::EngineModel model_;
  std::vector<sim::AxiLiteCompletion> batch_;
  std::vector<size_t> batch_ops_;
  std::deque<Done> log_;
  std::array<bool, kCounters> latched_{};
  bool doorbell_since_idle_ = false;
  size_t op_ = 0;
};

}  // namespace

void run_register_input(const RegisterInput& in) {
  try {
    RegisterRun(in).run();
  } catch (const std::exception& e) {
    // The bus master's timeouts and protocol errors (a response with no request open).
    fail(std::string("exception: ") + e.what() + "\n  input: " + describe(in));
  }
}

}  // namespace ipsec::fuzz
