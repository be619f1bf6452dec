#include "engine_harness.h"

#include <algorithm>
#include <array>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <sstream>

#include "driver/generated/ipsec_regs.h"
#include "driver_fixture.h"
#include "engine_model.h"
#include "engine_sim.h"
#include "frames.h"
#include "fuzz_target.h"
#include "ipsec_device.h"

namespace ipsec::fuzz {

namespace {

using tb::describe;
using tb::first_difference;
using tb::to_hex;

constexpr size_t kHeader = 4;
constexpr size_t kPadUnit = 640;
constexpr uint64_t kQuietClocks = 256;  // as EngineSim::run: idle this long = done
constexpr size_t kHwCounters = 14;      // contract section 4
constexpr uint64_t kHoldUnit = 128;
constexpr size_t kGeneratedMaxFrame = 1600;

// Counter indices (contract section 4).
enum : size_t {
  kDecIn, kDecOut, kDecBypass, kEncIn, kEncOut, kEncBypass, kDecDrop, kDecAuthFail, kEncDrop,
};

[[noreturn]] void fail(const std::string& m) { finding("engine", m); }

// The fixed SA set: both directions, IPv4 and IPv6, AES-128 and AES-256, with and without
// ESN; each SA its own key.
struct SaSpec {
  bool in, ipv6;
  size_t key_bytes;
  uint32_t spi;
  uint8_t host;
  bool esn;
};
constexpr SaSpec kSas[kFixedSas] = {
    {false, false, 16, 0x1000, 1, false}, {true, false, 16, 0x2000, 1, false},
    {false, true, 32, 0x1001, 2, false},  {true, true, 32, 0x2001, 2, false},
    {false, false, 32, 0x1002, 3, true},  {true, false, 16, 0x2002, 3, true},
    {false, true, 16, 0x1003, 4, true},   {true, true, 32, 0x2003, 4, true},
};

driver::XfrmState xfrm_state(size_t i) {
  const SaSpec& a = kSas[i];
  tb::StateSpec s;
  s.dir = a.in ? driver::OffloadDirection::kIn : driver::OffloadDirection::kOut;
  s.family = a.ipv6 ? tb::Family::kIpv6 : tb::Family::kIpv4;
  s.key_bytes = a.key_bytes;
  s.spi = a.spi;
  s.host = a.host;
  s.esn = a.esn;
  driver::XfrmState x = tb::offloadable_state(s);
  const auto first = static_cast<uint8_t>(0x10 + 0x30 * i);
  (void)x.attach_aead({driver::kAeadRfc4106Gcm, tb::test_key_material(a.key_bytes, first), 128});
  return x;
}

driver::DeviceOptions device_options() {
  driver::DeviceOptions o;
  o.seq_iv = driver::seeded_seq_iv(1);
  return o;
}

std::string hex_head(const Bytes& b, size_t n = 64) {
  const std::string h = to_hex(b.data(), std::min(n, b.size()));
  return b.size() > n ? h + "..." : h;
}

std::string frame_text(const Bytes& f, bool tuser) {
  std::ostringstream m;
  m << describe(f) << (tuser ? " (tuser)" : "") << " [" << hex_head(f) << "]";
  return m.str();
}

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// The SAs the model holds now, as the datapath finds them.
model::SaTable live_table(const model::EngineModel& m) {
  model::SaTable t;
  for (const model::SaEntry& e : m.ctrl().sas()) {
    if (const auto ctx = m.lookup(e.key)) t[e.key] = *ctx;
  }
  return t;
}

bool same_result(const model::FrameResult& a, const model::FrameResult& b) {
  return a.fate == b.fate && a.out == b.out;
}

const char* kind_name(OpKind k) {
  switch (k) {
    case OpKind::kWireFrame: return "wire frame";
    case OpKind::kHostFrame: return "host frame";
    case OpKind::kGenerated: return "generated frame";
    case OpKind::kAddSa: return "add SA";
    case OpKind::kDeleteSa: return "delete SA";
    case OpKind::kAdvanceEsn: return "advance ESN of SA";
    case OpKind::kControl: return "FWD_BAD_FRAMES";
    case OpKind::kCheckpointOrHold: return "checkpoint/hold";
  }
  return "?";
}

}  // namespace

// ---- the input ------------------------------------------------------------------------------

EngineInput decode_engine_input(const uint8_t* data, size_t size) {
  EngineInput in;
  if (size < kHeader) return in;
  in.stalls = data[0];
  in.seed = be16(data + 1);
  in.initial_sas = data[3];
  size_t at = kHeader, frames = 0;
  while (at < size && in.ops.size() < kMaxOps) {
    EngineOp op;
    op.kind = static_cast<OpKind>(data[at] & 7);
    op.arg = static_cast<uint8_t>(data[at] >> 3);
    ++at;
    switch (op.kind) {
      case OpKind::kWireFrame:
      case OpKind::kHostFrame: {
        if (at + 2 > size) return in;
        const size_t n = std::min<size_t>(be16(data + at), size - at - 2);
        at += 2;
        op.frame.assign(data + at, data + at + n);
        at += n;
        op.frame.resize(op.frame.size() + ((op.arg >> 1) & 0xF) * kPadUnit, 0);
        if (op.frame.empty() || ++frames > kMaxFrames) continue;  // a MAC never delivers an empty frame
        break;
      }
      case OpKind::kGenerated:
        if (at + 1 > size) return in;
        op.generator_seed = static_cast<uint16_t>((op.arg >> 1) << 8 | data[at]);
        ++at;
        if (++frames > kMaxFrames) continue;
        break;
      case OpKind::kAdvanceEsn:
        if (at + 2 > size) return in;
        op.esn_seq_hi = data[at];
        op.esn_seq_top = data[at + 1];
        at += 2;
        break;
      default: break;
    }
    in.ops.push_back(std::move(op));
  }
  return in;
}

Bytes encode_engine_input(const EngineInput& in) {
  Bytes b{in.stalls, static_cast<uint8_t>(in.seed >> 8), static_cast<uint8_t>(in.seed), in.initial_sas};
  for (const EngineOp& op : in.ops) {
    const bool frame = op.kind == OpKind::kWireFrame || op.kind == OpKind::kHostFrame;
    // A frame's bytes already hold its padding: the padding bits are left out.
    const uint8_t arg = frame ? op.arg & 1 : op.arg;
    b.push_back(static_cast<uint8_t>(arg << 3 | static_cast<uint8_t>(op.kind)));
    switch (op.kind) {
      case OpKind::kWireFrame:
      case OpKind::kHostFrame:
        b.push_back(static_cast<uint8_t>(op.frame.size() >> 8));
        b.push_back(static_cast<uint8_t>(op.frame.size()));
        b.insert(b.end(), op.frame.begin(), op.frame.end());
        break;
      case OpKind::kGenerated: b.push_back(static_cast<uint8_t>(op.generator_seed)); break;
      case OpKind::kAdvanceEsn:
        b.push_back(op.esn_seq_hi);
        b.push_back(op.esn_seq_top);
        break;
      default: break;
    }
  }
  return b;
}

std::string describe(const EngineInput& in) {
  std::ostringstream m;
  m << "stalls " << (in.stalls & 0xF) * 5 << " %, bus delays " << (in.stalls >> 4) * 6 << " %, seed "
    << in.seed + 1 << ", SAs at start 0x" << std::hex << int{in.initial_sas} << std::dec << ", " << in.ops.size()
    << " operations";
  for (size_t i = 0; i < in.ops.size(); ++i) {
    const EngineOp& op = in.ops[i];
    m << "\n    " << i << ": " << kind_name(op.kind);
    switch (op.kind) {
      case OpKind::kWireFrame:
      case OpKind::kHostFrame: m << " " << frame_text(op.frame, op.arg & 1); break;
      case OpKind::kGenerated: m << (op.arg & 1 ? " host TX" : " wire RX") << " seed " << op.generator_seed; break;
      case OpKind::kAddSa:
      case OpKind::kDeleteSa: m << " " << op.arg % kFixedSas; break;
      case OpKind::kAdvanceEsn:
        m << " " << op.arg % kFixedSas << " seq_hi " << int{op.esn_seq_hi} << " seq 0x" << std::hex
          << (uint32_t{op.esn_seq_top} << 24) << std::dec;
        break;
      case OpKind::kControl: m << " " << (op.arg & 1); break;
      case OpKind::kCheckpointOrHold:
        if (op.arg == 0) {
          m << ": checkpoint";
        } else {
          m << ": hold " << ((op.arg & 3) == 1 ? "wire TX" : (op.arg & 3) == 2 ? "host RX" : "both outputs") << " "
            << ((op.arg >> 2) + 1) * kHoldUnit << " clocks";
        }
        break;
    }
  }
  return m.str();
}

const model::SaTable& fixed_sa_table() {
  static const model::SaTable table = [] {
    model::EngineModel m;
    driver::IpsecDevice dev(m, device_options());
    if (const driver::Status s = dev.probe(); !s.ok()) fail("probe of the model: " + s.message());
    model::SaTable t;
    for (size_t i = 0; i < kFixedSas; ++i) {
      const auto id = dev.add_state(xfrm_state(i));
      if (!id.ok()) fail("add of SA " + std::to_string(i) + " to the model: " + id.status().message());
    }
    return live_table(m);
  }();
  return table;
}

// ---- one run --------------------------------------------------------------------------------

namespace {

class EngineRun {
 public:
  explicit EngineRun(const EngineInput& in)
      : in_(in),
        sim_(options(in)),
        dut_(sim_.bus(), device_options()),
        ref_(model_, device_options()) {}

  void run() {
    if (const driver::Status s = dut_.probe(); !s.ok()) broken("probe of the RTL: " + s.message());
    if (const driver::Status s = ref_.probe(); !s.ok()) broken("probe of the model: " + s.message());
    for (size_t i = 0; i < kFixedSas; ++i) {
      if (in_.initial_sas >> i & 1) add(i);
    }
    last_ = counters(dut_, "RTL");
    checkpoint(true);
    for (op_ = 0; op_ < in_.ops.size(); ++op_) step(in_.ops[op_]);
    op_ = in_.ops.size();
    checkpoint(true);
  }

 private:
  // A frame sent since the last checkpoint, and what the model said of it.
  struct Sent {
    Bytes frame;
    bool tuser = false;
    model::FrameResult want;
    size_t op = 0;
  };

  static sim::EngineSimOptions options(const EngineInput& in) {
    sim::EngineSimOptions o;
    o.seed = uint64_t{in.seed} + 1;
    o.stall_percent = (in.stalls & 0xF) * 5;
    o.axil_delay_percent = (in.stalls >> 4) * 6;
    o.build = sim::RtlBuild::kChecking;
    o.x_seed = static_cast<int>(in.seed) + 1;
    return o;
  }

  [[noreturn]] void broken(const std::string& rule) {
    std::ostringstream m;
    m << rule << "\n  at operation " << op_ << " of the input (clock " << sim_.cycles() << "): " << describe(in_);
    fail(m.str());
  }

  void step(const EngineOp& op) {
    switch (op.kind) {
      case OpKind::kWireFrame: send(false, op.frame, op.arg & 1); break;
      case OpKind::kHostFrame: send(true, op.frame, op.arg & 1); break;
      case OpKind::kGenerated: {
        tb::RandomFrames gen(op.generator_seed, fixed_sa_table(), {}, kGeneratedMaxFrame);
        const bool tx = op.arg & 1;
        const tb::GeneratedFrame g = tx ? gen.next_tx() : gen.next_rx();
        send(tx, g.frame, g.tuser);
        break;
      }
      case OpKind::kAddSa: change([&] { add(op.arg % kFixedSas); }); break;
      case OpKind::kDeleteSa: change([&] { remove(op.arg % kFixedSas); }); break;
      case OpKind::kAdvanceEsn: change([&] { advance_esn(op); }); break;
      case OpKind::kControl: change([&] { set_fwd_bad_frames(op.arg & 1); }); break;
      case OpKind::kCheckpointOrHold:
        if (op.arg == 0) {
          checkpoint(true);
        } else {
          hold(op.arg);
        }
        break;
    }
  }

  void send(bool tx, const Bytes& frame, bool tuser) {
    Sent s;
    s.frame = frame;
    s.tuser = tuser;
    s.op = op_;
    if (tx) {
      s.want = model_.host_tx(frame, tuser);
      sim_.host_tx(frame, tuser);
      sent_tx_.push_back(std::move(s));
    } else {
      s.want = model_.wire_rx(frame, tuser);
      sim_.wire_rx(frame, tuser);
      sent_rx_.push_back(std::move(s));
    }
    beats_ += frame.size() / 16 + 1;
  }

  void hold(uint8_t arg) {
    const bool wire = (arg & 3) != 2, host = (arg & 3) != 1;
    sim_.hold_wire_tx(wire);
    sim_.hold_host_rx(host);
    const uint64_t clocks = ((arg >> 2) + 1) * kHoldUnit;
    for (uint64_t i = 0; i < clocks; ++i) sim_.tick();
    held_clocks_ += clocks;
    sim_.hold_wire_tx(false);
    sim_.hold_host_rx(false);
  }

  // An SA command or a control write while frames may be in flight. The model applies it at
  // once; if any frame sent since the last checkpoint would fare otherwise after it (another
  // fate or other bytes out), the RTL first drains those frames (a checkpoint without the
  // counter comparison, as the model has moved on), so every frame has one prediction. Else
  // the command reaches the RTL while its frames still flow.
  template <class Op>
  void change(Op&& op) {
    in_change_ = true;
    apply_to_ = &ref_;
    op();
    const model::SaTable after = live_table(model_);
    const model::DatapathControl after_ctl = model_.control();
    {
      const model::SaLookup lookup = model::lookup_in(after);
      auto fares_otherwise = [&](const Sent& s, bool tx) {
        model::DatapathCounters scratch;
        const model::FrameResult r = tx ? model::tx(s.frame, s.tuser, lookup, after_ctl, scratch)
                                        : model::rx(s.frame, s.tuser, lookup, after_ctl, scratch);
        return !same_result(r, s.want);
      };
      const bool affected =
          std::any_of(sent_tx_.begin(), sent_tx_.end(), [&](const Sent& s) { return fares_otherwise(s, true); }) ||
          std::any_of(sent_rx_.begin(), sent_rx_.end(), [&](const Sent& s) { return fares_otherwise(s, false); });
      if (affected) checkpoint(false);
    }
    apply_to_ = &dut_;
    op();
    in_change_ = false;
    // Both drivers must have answered alike.
    if (results_[0] != results_[1]) {
      broken("the drivers' answers differ: RTL " + results_[1] + "; model " + results_[0]);
    }
  }

  // Each SA operation runs twice, first on the model (apply_to_ == &ref_), then on the RTL;
  // results_[0] and [1] record what each answered.
  void record(const std::string& what, const driver::Status& s) {
    const std::string text = what + ": " + (s.ok() ? std::string("ok") : s.message());
    results_[apply_to_ == &dut_ ? 1 : 0] = text;
  }

  void add(size_t i) {
    if (!in_change_) {
      // Before the first operation: both at once.
      apply_to_ = &ref_;
      add_one(i);
      apply_to_ = &dut_;
      add_one(i);
      if (results_[0] != results_[1]) broken("the drivers' answers differ: RTL " + results_[1] + "; model " + results_[0]);
      return;
    }
    add_one(i);
  }

  void add_one(size_t i) {
    const int side = apply_to_ == &dut_ ? 1 : 0;
    const auto r = apply_to_->add_state(xfrm_state(i));
    record("add SA " + std::to_string(i), r.status());
    if (r.ok()) ids_[side][i] = *r;
  }

  void remove(size_t i) {
    const int side = apply_to_ == &dut_ ? 1 : 0;
    if (!ids_[side][i]) {
      results_[side] = "delete SA " + std::to_string(i) + ": not added";
      return;
    }
    record("delete SA " + std::to_string(i), apply_to_->delete_state(*ids_[side][i]));
    ids_[side][i].reset();
  }

  void advance_esn(const EngineOp& op) {
    const size_t i = op.arg % kFixedSas;
    const int side = apply_to_ == &dut_ ? 1 : 0;
    if (!ids_[side][i]) {
      results_[side] = "advance ESN of SA " + std::to_string(i) + ": not added";
      return;
    }
    driver::XfrmReplayState r;
    r.seq_hi = op.esn_seq_hi;
    r.seq = uint32_t{op.esn_seq_top} << 24;
    record("advance ESN of SA " + std::to_string(i), apply_to_->advance_esn(*ids_[side][i], r));
  }

  // The debug bit, read-modify-write (the driver has no call for it).
  void set_fwd_bad_frames(bool on) {
    driver::RegisterBus& bus = apply_to_ == &dut_ ? sim_.bus() : static_cast<driver::RegisterBus&>(model_);
    uint32_t v = 0;
    const driver::BusStatus a = bus.read32(IPSEC_REGS_CONTROL_OFFSET, v);
    v = on ? v | IPSEC_REGS_CONTROL_FWD_BAD_FRAMES_MASK : v & ~IPSEC_REGS_CONTROL_FWD_BAD_FRAMES_MASK;
    const driver::BusStatus b = bus.write32(IPSEC_REGS_CONTROL_OFFSET, v);
    results_[apply_to_ == &dut_ ? 1 : 0] = std::string("CONTROL read ") + driver::bus_status_name(a) + ", write " +
                                           driver::bus_status_name(b) + ", value " + std::to_string(v);
    if (on) fwd_bad_seen_ = true;
  }

  std::vector<uint64_t> counters(driver::IpsecDevice& dev, const char* who) {
    auto s = dev.ethtool_stats();
    if (!s.ok()) broken(std::string("ethtool -S of the ") + who + ": " + s.status().message());
    if (s->size() < kHwCounters) broken(std::string("ethtool -S of the ") + who + ": too few counters");
    std::vector<uint64_t> v;
    for (size_t i = 0; i < kHwCounters; ++i) v.push_back((*s)[i].value);
    return v;
  }

  // Drains the frames sent since the last checkpoint and checks them: what left each port,
  // in order, is what the model predicted; each direction's end counters moved by exactly
  // the frames sent; and (compare_model) the 14 counters and the SA tables equal the model's.
  void checkpoint(bool compare_model) {
    const uint64_t start = sim_.cycles();
    // Generous: every beat stalled as often as the stall percentage says, four times over;
    // 4,096 clocks per frame for an RX datagram claiming up to 64 KiB its frame does not
    // hold (about one clock per 16 bytes claimed); the clocks of holds; and a base.
    const uint64_t stall = (in_.stalls & 0xF) * 5;
    const uint64_t bound = 50000 + 4096 * (sent_tx_.size() + sent_rx_.size()) +
                           4 * beats_ * 100 / (100 - stall) + held_clocks_;
    uint64_t last_activity = start;
    uint64_t beats = 0;
    auto beats_now = [this] {
      return sim_.host_tx_stats().beats + sim_.wire_rx_stats().beats + sim_.wire_tx_stats().beats +
             sim_.host_rx_stats().beats;
    };
    auto hang = [&](const char* why) {
      std::ostringstream m;
      m << "hang: " << why << " " << bound << " clocks into a checkpoint (" << sent_tx_.size() << " TX and "
        << sent_rx_.size() << " RX frames sent since the last one, " << sim_.host_tx_waiting() << " and "
        << sim_.wire_rx_waiting() << " not wholly taken, last beat at clock " << last_activity - start << ")";
      broken(m.str());
    };
    auto settle = [&] {
      beats = beats_now();
      last_activity = sim_.cycles();
      while (!sim_.inputs_idle() || sim_.cycles() - last_activity < kQuietClocks) {
        sim_.tick();
        if (const uint64_t b = beats_now(); b != beats) {
          beats = b;
          last_activity = sim_.cycles();
        }
        if (sim_.cycles() - start > bound) hang("the engine was not idle");
      }
    };
    std::vector<uint64_t> now;
    for (;;) {
      settle();
      now = counters(dut_, "RTL");
      if (tx_ends(now) >= sent_tx_.size() && rx_ends(now) >= sent_rx_.size()) break;
      if (sim_.cycles() - start > bound) hang("a frame sent was not counted");
    }
    settle();  // a frame counted just now may still be leaving

    const size_t wire_fwd = check_port(sim_.wire_tx(), sent_tx_, "wire TX");
    const size_t host_fwd = check_port(sim_.host_rx(), sent_rx_, "host RX");

    // Counters (contract section 4): each frame ended as exactly one fate.
    now = counters(dut_, "RTL");
    std::vector<uint64_t> d(kHwCounters);
    for (size_t i = 0; i < kHwCounters; ++i) d[i] = now[i] - last_[i];
    auto counters_text = [&] {
      std::ostringstream m;
      m << "counter deltas since the last checkpoint:";
      for (size_t i = 0; i < kHwCounters; ++i) m << " " << d[i];
      return m.str();
    };
    if (tx_ends(now) != sent_tx_.size()) {
      broken("TX: " + std::to_string(tx_ends(now)) + " fates counted for " + std::to_string(sent_tx_.size()) +
             " frames; " + counters_text());
    }
    if (rx_ends(now) != sent_rx_.size()) {
      broken("RX: " + std::to_string(rx_ends(now)) + " fates counted for " + std::to_string(sent_rx_.size()) +
             " frames; " + counters_text());
    }
    if (d[kEncOut] + d[kEncBypass] != wire_fwd) {
      broken("TX: out + bypass counted differs from the " + std::to_string(wire_fwd) + " frames forwarded; " +
             counters_text());
    }
    // With FWD_BAD_FRAMES a frame counted as auth-fail or drop may leave too (marked).
    if (fwd_bad_seen_ ? d[kDecOut] + d[kDecBypass] > host_fwd : d[kDecOut] + d[kDecBypass] != host_fwd) {
      broken("RX: out + bypass counted differs from the " + std::to_string(host_fwd) + " frames forwarded; " +
             counters_text());
    }
    if (d[kEncIn] > d[kEncOut] + d[kEncDrop]) broken("TX: enc_in counted for a frame that bypassed; " + counters_text());
    if (d[kDecIn] > d[kDecOut] + d[kDecAuthFail] + d[kDecDrop]) {
      broken("RX: dec_in counted for a frame that bypassed; " + counters_text());
    }
    if (compare_model) {
      const std::vector<uint64_t> ref = counters(ref_, "model");
      for (size_t i = 0; i < kHwCounters; ++i) {
        if (ref[i] != now[i]) {
          broken("counter " + std::string(driver::kHwCounterNames[i]) + ": RTL " + std::to_string(now[i]) +
                 ", model " + std::to_string(ref[i]) + "; " + counters_text());
        }
      }
      if (dut_.sas().size() != ref_.sas().size()) {
        broken("the drivers hold " + std::to_string(dut_.sas().size()) + " (RTL) and " +
               std::to_string(ref_.sas().size()) + " (model) SAs");
      }
      fwd_bad_seen_ = model_.control().fwd_bad_frames;
    }
    last_ = now;
    sent_tx_.clear();
    sent_rx_.clear();
    beats_ = 0;
    held_clocks_ = 0;
  }

  uint64_t tx_ends(const std::vector<uint64_t>& now) const {
    return now[kEncOut] + now[kEncBypass] + now[kEncDrop] - (last_[kEncOut] + last_[kEncBypass] + last_[kEncDrop]);
  }
  uint64_t rx_ends(const std::vector<uint64_t>& now) const {
    return now[kDecOut] + now[kDecBypass] + now[kDecDrop] + now[kDecAuthFail] -
           (last_[kDecOut] + last_[kDecBypass] + last_[kDecDrop] + last_[kDecAuthFail]);
  }

  // What left one port against the frames sent to its input, in order. A frame the model
  // forwards must leave, unchanged from the prediction, in its turn; a frame ended with
  // tuser (the MAC discards it: TX cut-through, an error seen after the frame began to
  // leave) must be one the model drops, in its turn; nothing else may leave. Returns the
  // frames forwarded (without tuser).
  size_t check_port(std::deque<sim::OutFrame>& got, const std::vector<Sent>& sent, const char* port) {
    size_t i = 0, forwarded = 0;
    auto sent_text = [&](size_t k) {
      return "frame of operation " + std::to_string(sent[k].op) + ": " + frame_text(sent[k].frame, sent[k].tuser) +
             "; model: " + model::to_string(sent[k].want.fate) + " (" + sent[k].want.why + ")";
    };
    for (size_t n = 0; n < got.size(); ++n) {
      const sim::OutFrame& f = got[n];
      if (f.user) {
        if (i == sent.size()) broken(std::string(port) + ": a frame ended with tuser after every frame sent: " + frame_text(f.data, true));
        if (sent[i].want.out) {
          broken(std::string(port) + ": output " + std::to_string(n) + " ended with tuser where the model forwards the " +
                 sent_text(i));
        }
        ++i;
        continue;
      }
      while (i < sent.size() && !sent[i].want.out) ++i;
      if (i == sent.size()) {
        broken(std::string(port) + ": output " + std::to_string(n) + " is no frame the model forwards: " +
               frame_text(f.data, false));
      }
      if (f.data != *sent[i].want.out) {
        broken(std::string(port) + ": output " + std::to_string(n) + " differs from the model's: " +
               first_difference(f.data, *sent[i].want.out) + "\n  RTL:   " + frame_text(f.data, false) +
               "\n  model: " + frame_text(*sent[i].want.out, false) + "\n  for the " + sent_text(i));
      }
      ++forwarded;
      ++i;
    }
    for (; i < sent.size(); ++i) {
      if (sent[i].want.out) broken(std::string(port) + ": the RTL did not send the " + sent_text(i));
    }
    got.clear();
    return forwarded;
  }

  const EngineInput& in_;
  sim::EngineSim sim_;
  model::EngineModel model_;
  driver::IpsecDevice dut_, ref_;
  driver::IpsecDevice* apply_to_ = nullptr;
  std::array<std::array<std::optional<driver::SaId>, kFixedSas>, 2> ids_;  // [model, RTL]
  std::string results_[2];
  bool in_change_ = false;
  bool fwd_bad_seen_ = false;  // FWD_BAD_FRAMES set at some time since the last checkpoint
  std::vector<Sent> sent_tx_, sent_rx_;
  uint64_t beats_ = 0, held_clocks_ = 0;
  std::vector<uint64_t> last_;  // the RTL's 14 counters at the last checkpoint
  size_t op_ = 0;
};

}  // namespace

void run_engine_input(const EngineInput& in) {
  try {
    EngineRun(in).run();
  } catch (const std::exception& e) {
    // The bus master's timeouts and the harness's own refusals: the engine stopped answering.
    fail(std::string("exception: ") + e.what() + "\n  input: " + describe(in));
  }
}

}  // namespace ipsec::fuzz
