#include "engine_frames_harness.h"

#include <algorithm>
#include <sstream>

#include "driver/generated/ipsec_regs.h"
#include "driver_fixture.h"
#include "frames.h"
#include "fuzz_target.h"

namespace ipsec::fuzz {

namespace {

using tb::describe;
using tb::first_difference;
using tb::to_hex;

constexpr size_t kHeader = 4;
constexpr size_t kPadUnit = 640;
constexpr uint64_t kQuietClocks = 256;  // as EngineSim::run: idle this long = done
constexpr size_t kHwCounters = 14;      // contract section 4
constexpr size_t kFirstCmdCounter = 9;  // ipsec_add_sa_success ..

// Counter indices (contract section 4).
enum : size_t {
  kDecIn, kDecOut, kDecBypass, kEncIn, kEncOut, kEncBypass, kDecDrop, kDecAuthFail, kEncDrop,
};

[[noreturn]] void fail(const std::string& m) { finding("engine_frames", m); }

// The fixed SA set: both directions, IPv4 and IPv6, AES-128 and AES-256, with and without ESN.
struct SaSpec {
  bool in, ipv6;
  size_t key_bytes;
  uint32_t spi;
  uint8_t host;
  bool esn;
};
constexpr SaSpec kSas[] = {
    {false, false, 16, 0x1000, 1, false}, {true, false, 16, 0x2000, 1, false},
    {false, true, 32, 0x1001, 2, false},  {true, true, 32, 0x2001, 2, false},
    {false, false, 32, 0x1002, 3, true},  {true, false, 16, 0x2002, 3, true},
    {false, true, 16, 0x1003, 4, true},   {true, true, 32, 0x2003, 4, true},
};

driver::DeviceOptions device_options() {
  driver::DeviceOptions o;
  o.seq_iv = driver::seeded_seq_iv(1);
  return o;
}

std::string hex_head(const Bytes& b, size_t n = 96) {
  const std::string h = to_hex(b.data(), std::min(n, b.size()));
  return b.size() > n ? h + "..." : h;
}

std::string frame_text(const char* what, const Bytes& f, bool tuser) {
  std::ostringstream m;
  m << what << " " << describe(f) << (tuser ? " (tuser)" : "") << " [" << hex_head(f) << "]";
  return m.str();
}

}  // namespace

FramePair decode_frames(const uint8_t* data, size_t size) {
  FramePair p;
  if (size < kHeader) return p;
  p.wire_tuser = data[0] & 1;
  p.host_tuser = data[0] & 2;
  p.fwd_bad_frames = data[0] & 4;
  const size_t rest = size - kHeader;
  const size_t w = std::min<size_t>(size_t{data[1]} << 8 | data[2], rest);
  p.wire.assign(data + kHeader, data + kHeader + w);
  p.host.assign(data + kHeader + w, data + size);
  p.wire.resize(p.wire.size() + (data[3] & 0x0f) * kPadUnit, 0);
  p.host.resize(p.host.size() + (data[3] >> 4) * kPadUnit, 0);
  return p;
}

Bytes encode_frames(const FramePair& p) {
  Bytes b{static_cast<uint8_t>((p.wire_tuser ? 1 : 0) | (p.host_tuser ? 2 : 0) | (p.fwd_bad_frames ? 4 : 0)),
          static_cast<uint8_t>(p.wire.size() >> 8), static_cast<uint8_t>(p.wire.size()), 0};
  b.insert(b.end(), p.wire.begin(), p.wire.end());
  b.insert(b.end(), p.host.begin(), p.host.end());
  return b;
}

EngineUnderFuzz::EngineUnderFuzz()
    : sim_(sim::EngineSimOptions{1, 0, 0}), dut_(sim_.bus(), device_options()), ref_(model_, device_options()) {
  if (const driver::Status s = dut_.probe(); !s.ok()) fail("probe of the RTL: " + s.message());
  if (const driver::Status s = ref_.probe(); !s.ok()) fail("probe of the model: " + s.message());
  uint8_t first = 0x10;
  for (const SaSpec& a : kSas) {
    tb::StateSpec s;
    s.dir = a.in ? driver::OffloadDirection::kIn : driver::OffloadDirection::kOut;
    s.family = a.ipv6 ? tb::Family::kIpv6 : tb::Family::kIpv4;
    s.key_bytes = a.key_bytes;
    s.spi = a.spi;
    s.host = a.host;
    s.esn = a.esn;
    driver::XfrmState x = tb::offloadable_state(s);
    (void)x.attach_aead({driver::kAeadRfc4106Gcm, tb::test_key_material(a.key_bytes, first), 128});
    first = static_cast<uint8_t>(first + 0x30);
    const auto r = dut_.add_state(x);
    const auto m = ref_.add_state(x);
    if (!r.ok()) fail("add of SA " + std::to_string(a.spi) + " to the RTL: " + r.status().message());
    if (!m.ok()) fail("add of SA " + std::to_string(a.spi) + " to the model: " + m.status().message());
    const model::SaKey key = tb::model_key(*dut_.find(*r));
    const std::optional<model::SaContext> ctx = model_.lookup(key);
    if (!ctx) fail("the model has no SA for spi " + std::to_string(a.spi) + " after its add");
    table_[key] = *ctx;
  }
  sim_.run();
  last_ = hw_counters(dut_, "RTL");
}

EngineUnderFuzz::~EngineUnderFuzz() = default;

std::vector<uint64_t> EngineUnderFuzz::hw_counters(driver::IpsecDevice& dev, const char* who) {
  auto s = dev.ethtool_stats();
  if (!s.ok()) fail(std::string("ethtool -S of the ") + who + ": " + s.status().message());
  if (s->size() < kHwCounters) fail(std::string("ethtool -S of the ") + who + ": too few counters");
  std::vector<uint64_t> v;
  for (size_t i = 0; i < kHwCounters; ++i) v.push_back((*s)[i].value);
  return v;
}

// The debug bit, read-modify-write on both buses (the driver has no call for it).
void EngineUnderFuzz::set_fwd_bad_frames(bool on) {
  if (on == fwd_bad_frames_) return;
  for (driver::RegisterBus* bus : {&sim_.bus(), static_cast<driver::RegisterBus*>(&model_)}) {
    uint32_t v = 0;
    if (bus->read32(IPSEC_REGS_CONTROL_OFFSET, v) != driver::BusStatus::kOk) fail("CONTROL cannot be read");
    v = on ? v | IPSEC_REGS_CONTROL_FWD_BAD_FRAMES_MASK : v & ~IPSEC_REGS_CONTROL_FWD_BAD_FRAMES_MASK;
    if (bus->write32(IPSEC_REGS_CONTROL_OFFSET, v) != driver::BusStatus::kOk) fail("CONTROL cannot be written");
  }
  fwd_bad_frames_ = on;
}

void EngineUnderFuzz::run(const FramePair& p) {
  set_fwd_bad_frames(p.fwd_bad_frames);
  const bool send_wire = !p.wire.empty(), send_host = !p.host.empty();
  const std::string what = (send_wire ? frame_text("wire frame", p.wire, p.wire_tuser) : "no wire frame") +
                           "; " + (send_host ? frame_text("host frame", p.host, p.host_tuser) : "no host frame");
  auto broken = [&](const std::string& rule) {
    fail(rule + "\n  input: " + what + (p.fwd_bad_frames ? "; FWD_BAD_FRAMES set" : ""));
  };

  // The model's prediction, then the same frames into the RTL.
  model::FrameResult want_host, want_wire;
  if (send_wire) {
    want_host = model_.wire_rx(p.wire, p.wire_tuser);
    sim_.wire_rx(p.wire, p.wire_tuser);
  }
  if (send_host) {
    want_wire = model_.host_tx(p.host, p.host_tuser);
    sim_.host_tx(p.host, p.host_tuser);
  }

  // Until every beat went in, nothing moved on a port for kQuietClocks and each frame sent
  // is counted in its direction's end counters (the RX path may work on a frame for a while
  // after its last beat with nothing on a port: a datagram claiming more bytes than its frame
  // takes clocks for the bytes it claims); kMaxClocks at most.
  const uint64_t start = sim_.cycles();
  uint64_t last_activity = start, beats = 0;
  auto beats_now = [this] {
    return sim_.host_tx_stats().beats + sim_.wire_rx_stats().beats + sim_.wire_tx_stats().beats +
           sim_.host_rx_stats().beats;
  };
  auto hang = [&](const char* why) {
    std::ostringstream m;
    m << "hang: " << why << " " << kMaxClocks << " clocks after the input (beats in "
      << sim_.host_tx_stats().beats + sim_.wire_rx_stats().beats << ", inputs idle " << sim_.inputs_idle()
      << ", last beat at clock " << last_activity - start << ")";
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
      if (sim_.cycles() - start > kMaxClocks) hang("the engine was not idle");
    }
  };
  std::vector<uint64_t> now;
  for (;;) {
    settle();
    now = hw_counters(dut_, "RTL");
    const uint64_t tx = now[kEncOut] + now[kEncBypass] + now[kEncDrop] -
                        (last_[kEncOut] + last_[kEncBypass] + last_[kEncDrop]);
    const uint64_t rx = now[kDecOut] + now[kDecBypass] + now[kDecDrop] + now[kDecAuthFail] -
                        (last_[kDecOut] + last_[kDecBypass] + last_[kDecDrop] + last_[kDecAuthFail]);
    if (tx >= (send_host ? 1u : 0u) && rx >= (send_wire ? 1u : 0u)) break;
    if (sim_.cycles() - start > kMaxClocks) hang("a frame sent was not counted");
  }
  settle();  // a frame counted just now may still be leaving

  // What left each port: at most one frame per frame sent, and the model's.
  auto check_port = [&](std::deque<sim::OutFrame>& got, bool sent, const model::FrameResult& want,
                        const char* port, size_t& forwarded) {
    size_t discarded = 0;
    forwarded = 0;
    const Bytes* out = nullptr;
    for (const sim::OutFrame& f : got) {
      if (f.user) {
        ++discarded;
      } else {
        ++forwarded;
        out = &f.data;
      }
    }
    if (forwarded + discarded > (sent ? 1u : 0u)) {
      broken(std::string(port) + ": " + std::to_string(forwarded + discarded) + " frames left (" +
             std::to_string(discarded) + " with tuser) for " + (sent ? "one" : "no") + " frame sent");
    }
    if (want.out && !out) {
      broken(std::string(port) + ": the model forwards the frame (" + model::to_string(want.fate) + ", " +
             want.why + "), the RTL " + (discarded ? "ended it with tuser" : "did not send it"));
    }
    if (!want.out && out) {
      broken(std::string(port) + ": the RTL forwarded the frame, the model drops it (" +
             model::to_string(want.fate) + ", " + want.why + "): RTL sent " + frame_text("", *out, false));
    }
    if (out && *out != *want.out) {
      broken(std::string(port) + ": the frame differs from the model's: " + first_difference(*out, *want.out) +
             "\n  RTL:   " + frame_text("", *out, false) + "\n  model: " + frame_text("", *want.out, false));
    }
    got.clear();
  };
  size_t wire_fwd = 0, host_fwd = 0;
  check_port(sim_.wire_tx(), send_host, want_wire, "wire TX", wire_fwd);
  check_port(sim_.host_rx(), send_wire, want_host, "host RX", host_fwd);

  // Counters (contract section 4): each frame ended as exactly one fate.
  now = hw_counters(dut_, "RTL");
  std::vector<uint64_t> d(kHwCounters);
  for (size_t i = 0; i < kHwCounters; ++i) d[i] = now[i] - last_[i];
  last_ = now;
  auto counters_text = [&] {
    std::ostringstream m;
    m << "counter deltas:";
    for (size_t i = 0; i < kHwCounters; ++i) m << " " << d[i];
    return m.str();
  };
  const uint64_t tx_ends = d[kEncOut] + d[kEncBypass] + d[kEncDrop];
  const uint64_t rx_ends = d[kDecOut] + d[kDecBypass] + d[kDecDrop] + d[kDecAuthFail];
  if (tx_ends != (send_host ? 1u : 0u)) broken("TX: " + std::to_string(tx_ends) + " fates counted; " + counters_text());
  if (rx_ends != (send_wire ? 1u : 0u)) broken("RX: " + std::to_string(rx_ends) + " fates counted; " + counters_text());
  if (d[kEncOut] + d[kEncBypass] != wire_fwd) broken("TX: out + bypass counted differs from the frames forwarded; " + counters_text());
  // With FWD_BAD_FRAMES a frame counted as auth-fail or drop may leave too (marked).
  if (p.fwd_bad_frames ? d[kDecOut] + d[kDecBypass] > host_fwd : d[kDecOut] + d[kDecBypass] != host_fwd) {
    broken("RX: out + bypass counted differs from the frames forwarded; " + counters_text());
  }
  if (d[kEncIn] > d[kEncOut] + d[kEncDrop]) broken("TX: enc_in counted for a frame that bypassed; " + counters_text());
  if (d[kDecIn] > d[kDecOut] + d[kDecAuthFail] + d[kDecDrop]) broken("RX: dec_in counted for a frame that bypassed; " + counters_text());
  for (size_t i = kFirstCmdCounter; i < kHwCounters; ++i) {
    if (d[i]) broken("a command counter moved on traffic; " + counters_text());
  }
  // And the model's 14 counters are the RTL's.
  const std::vector<uint64_t> ref = hw_counters(ref_, "model");
  for (size_t i = 0; i < kHwCounters; ++i) {
    if (ref[i] != now[i]) {
      broken("counter " + std::string(driver::kHwCounterNames[i]) + ": RTL " + std::to_string(now[i]) + ", model " +
             std::to_string(ref[i]) + "; " + counters_text() + "; model: RX " + model::to_string(want_host.fate) +
             " (" + want_host.why + "), TX " + model::to_string(want_wire.fate) + " (" + want_wire.why + ")");
    }
  }
}

}  // namespace ipsec::fuzz
