// The engine as a SystemC TLM-2.0 component (issue: SystemC TLM-2.0 component): the unchanged
// driver over a TLM socket probes it, adds a TX and an RX SA, sends frames both ways, reads
// ethtool -S and flushes the SAs; then the same stimulus goes through the C++ harness
// (EngineSim) under another instance of the driver. Every frame that leaves, port by port and
// in order, and the 14 hardware counters must be identical, without stalls (where both
// simulated clock rates are printed) and with random stalls on every port and a slow
// consumer of the SystemC engine's output FIFOs. The TLM socket's error responses and
// timing are checked on their own.
//
// SystemC elaborates one platform per process and cannot restart: doctest runs inside
// sc_main, and each test case builds its own platform, so CTest runs each test case in its
// own process.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "bytes.h"
#include "driver_fixture.h"
#include "engine_sim.h"
#include "frames.h"
#include "generated/ipsec_regs.h"
#include "ipsec_device.h"
#include "ipsec_engine_tlm.h"
#include "test_seed.h"
#include "tlm_register_bus.h"

using namespace ipsec;
using namespace ipsec::tb;
using ipsec::systemc::Frame;

namespace {

// ---- The stimulus ------------------------------------------------------------------------

struct Stimulus {
  std::vector<Frame> host_tx;  // in the order sent
  std::vector<Frame> wire_rx;
};

// The datapath's view of an SA the driver offloaded, decoded from the image it sent.
model::SaContext context_of(const drv::OffloadedSa& sa) {
  const drv::SaImageFields f = drv::decode_sa_image(sa.image.bytes().data(), sa.image.bytes().size());
  model::SaContext c;
  c.key256 = f.enc_mode == 3;  // AES-GCM-256 (contract section 3)
  std::copy(f.key_enc.begin(), f.key_enc.end(), c.key.begin());
  c.salt = f.salt;
  c.handle = f.sw_sa_handle;
  c.esn_en = (f.flags & drv::kSaFlagEsnEn) != 0;
  c.esn_overlap = (f.flags & drv::kSaFlagEsnOverlap) != 0;
  c.esn_hi = f.esn;
  return c;
}

PacketSpec packet(std::mt19937_64& rng, const model::SaKey& key, int i) {
  PacketSpec p;
  p.ipv6 = key.ipv6;
  p.src = key.sip;
  p.dst = key.dip;
  const uint8_t protos[] = {kIpProtoUdp, kIpProtoTcp, key.ipv6 ? kIpProtoIcmpv6 : kIpProtoIcmp};
  p.proto = protos[i % 3];
  p.payload = random_bytes(rng, 16 + rng() % 1400);
  p.ipv4_id = static_cast<uint16_t>(i);
  return p;
}

// Plain traffic between hosts no SA covers: bypasses in both directions.
Bytes bypass_frame(std::mt19937_64& rng, int i) {
  PacketSpec p;
  p.src = ipv4("192.0.2.10");
  p.dst = ipv4("198.51.100.20");
  p.proto = i % 2 ? kIpProtoTcp : kIpProtoUdp;
  p.payload = random_bytes(rng, rng() % 600);
  return pad_to_minimum(ethernet_ip(ip_packet(p)));
}

// Named frames for the two SAs (good traffic, bypasses, an ICV flip, a TX frame for no SA,
// ESP for no RX SA), then a seeded random mix of every class over the same SAs.
Stimulus build_stimulus(uint64_t seed, const model::SaKey& tx_key, const model::SaKey& rx_key,
                        const model::SaContext& rx_ctx, const model::SaTable& sas) {
  std::mt19937_64 rng(seed);
  Stimulus s;
  constexpr int kNamed = 24, kRandom = 1000;
  for (int i = 0; i < kNamed; ++i) {
    EspSpec tx;
    tx.spi = tx_key.spi;
    tx.seq = static_cast<uint64_t>(i) + 1;
    s.host_tx.push_back({host_esp_frame(ip_packet(packet(rng, tx_key, i)), tx), false});
    EspSpec rx;
    rx.spi = rx_key.spi;
    rx.seq = static_cast<uint64_t>(i) + 1;
    s.wire_rx.push_back({wire_esp_frame(ip_packet(packet(rng, rx_key, i)), rx, rx_ctx), false});
    if (i % 3 == 0) {
      s.host_tx.push_back({bypass_frame(rng, i), false});
      s.wire_rx.push_back({bypass_frame(rng, i), false});
    }
  }
  EspSpec bad;
  bad.spi = rx_key.spi;
  bad.seq = 1000;
  s.wire_rx.push_back({flip_icv_bit(wire_esp_frame(ip_packet(packet(rng, rx_key, 0)), bad, rx_ctx), 7), false});
  EspSpec unknown;
  unknown.spi = 0xdead;
  s.host_tx.push_back({host_esp_frame(ip_packet(packet(rng, tx_key, 1)), unknown), false});
  s.wire_rx.push_back({wire_esp_frame(ip_packet(packet(rng, rx_key, 2)), unknown, rx_ctx), false});

  RandomFrames mix(seed ^ 0x5eed, sas);
  for (int i = 0; i < kRandom; ++i) {
    const GeneratedFrame tx = mix.next_tx();
    s.host_tx.push_back({tx.frame, tx.tuser});
    const GeneratedFrame rx = mix.next_rx();
    s.wire_rx.push_back({rx.frame, rx.tuser});
  }
  return s;
}

// ---- The flow, on either engine ------------------------------------------------------------

// What the flow needs of an engine: its register bus, its two input ports, letting it run
// until every frame has left, and its clock count.
class EngineUnderTest {
 public:
  virtual ~EngineUnderTest() = default;
  virtual driver::RegisterBus& bus() = 0;
  virtual void host_tx(const Frame& f) = 0;
  virtual void wire_rx(const Frame& f) = 0;
  virtual void run_until_quiet() = 0;
  virtual uint64_t cycles() const = 0;
};

struct Span {
  uint64_t cycles = 0;
  double seconds = 0;
  double khz() const { return seconds > 0 ? static_cast<double>(cycles) / seconds / 1e3 : 0; }
};

struct FlowResult {
  std::string error;  // the first step that failed; empty when all went through
  std::vector<drv::EthtoolStat> after_traffic, after_flush;
  uint64_t rx_overflow_drops = 0;  // after the traffic
  Span traffic;  // sending the frames until the engine is quiet
  Span whole;    // probe to flush
};

class Stopwatch {
 public:
  explicit Stopwatch(const EngineUnderTest& e)
      : e_(e), c0_(e.cycles()), t0_(std::chrono::steady_clock::now()) {}
  Span span() const {
    return {e_.cycles() - c0_,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count()};
  }

 private:
  const EngineUnderTest& e_;
  uint64_t c0_;
  std::chrono::steady_clock::time_point t0_;
};

// Probe, a TX and an RX SA, the frames both ways, ethtool -S, delete every SA, ethtool -S.
// The stimulus is built from the SAs on the first run and reused as is by the next.
FlowResult run_flow(EngineUnderTest& e, uint64_t seed, Stimulus& stimulus) {
  FlowResult r;
  try {
    drv::DeviceOptions options;
    options.seq_iv = drv::seeded_seq_iv(seed);
    drv::IpsecDevice dev(e.bus(), options);
    const Stopwatch whole(e);
    if (const drv::Status s = dev.probe(); !s.ok()) throw std::runtime_error("probe: " + s.message());
    StateSpec tx_spec;
    tx_spec.spi = 0x1000;
    tx_spec.host = 1;
    StateSpec rx_spec;
    rx_spec.dir = drv::OffloadDirection::kIn;
    rx_spec.spi = 0x2000;
    rx_spec.host = 2;
    rx_spec.key_bytes = 32;
    const auto tx_id = dev.add_state(offloadable_state(tx_spec));
    if (!tx_id.ok()) throw std::runtime_error("TX SA: " + tx_id.status().message());
    const auto rx_id = dev.add_state(offloadable_state(rx_spec));
    if (!rx_id.ok()) throw std::runtime_error("RX SA: " + rx_id.status().message());

    if (stimulus.host_tx.empty()) {
      const drv::OffloadedSa& tx = *dev.find(*tx_id);
      const drv::OffloadedSa& rx = *dev.find(*rx_id);
      const model::SaTable sas = {{model_key(tx), context_of(tx)}, {model_key(rx), context_of(rx)}};
      stimulus = build_stimulus(seed, model_key(tx), model_key(rx), context_of(rx), sas);
    }

    const Stopwatch traffic(e);
    const size_t n = std::max(stimulus.host_tx.size(), stimulus.wire_rx.size());
    for (size_t i = 0; i < n; ++i) {
      if (i < stimulus.host_tx.size()) e.host_tx(stimulus.host_tx[i]);
      if (i < stimulus.wire_rx.size()) e.wire_rx(stimulus.wire_rx[i]);
    }
    e.run_until_quiet();
    r.traffic = traffic.span();

    auto stats = dev.ethtool_stats();
    if (!stats.ok()) throw std::runtime_error("ethtool -S: " + stats.status().message());
    r.after_traffic = stats.value();
    const auto overflow = dev.rx_overflow_drops();
    if (!overflow.ok()) throw std::runtime_error("overflow drops: " + overflow.status().message());
    r.rx_overflow_drops = overflow.value();
    std::vector<drv::SaId> ids;
    for (const auto& [id, sa] : dev.sas()) ids.push_back(id);
    for (drv::SaId id : ids) {
      if (const drv::Status s = dev.delete_state(id); !s.ok()) throw std::runtime_error("delete: " + s.message());
    }
    stats = dev.ethtool_stats();
    if (!stats.ok()) throw std::runtime_error("ethtool -S: " + stats.status().message());
    r.after_flush = stats.value();
    r.whole = whole.span();
  } catch (const std::exception& ex) {
    r.error = ex.what();
  }
  return r;
}

// ---- The SystemC platform ------------------------------------------------------------------

struct PlatformOptions {
  systemc::EngineTlmOptions engine;
  // Deep enough for the whole stimulus: the CPU thread that writes both input FIFOs never
  // blocks on one while the other runs dry, so both ports see the C++ harness's traffic.
  int input_fifo_depth = 4096;
  int output_fifo_depth = 16;
  sc_core::sc_time consumer_pause = sc_core::SC_ZERO_TIME;  // after each frame collected
  // Idle clocks on wire RX after each frame: the wire is never back-pressured, so a wire
  // faster than the consumer loses frames (counted, as a MAC's receive side would), and the
  // two engines' losses would follow their different stall patterns. Paced, neither loses one.
  std::function<uint32_t(const Frame&)> wire_rx_gap = [](const Frame&) { return 0u; };
};

// The component, a CPU whose thread runs `program` with the driver over TLM, and collectors
// of the two output ports.
class Platform : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Platform);
  Platform(sc_core::sc_module_name name, std::function<void(Platform&)> program,
           PlatformOptions options = {})
      : sc_module(name),
        engine("engine", options.engine),
        cpu_bus("cpu_bus", engine.clock_period()),
        irq("irq"),
        host_tx("host_tx", options.input_fifo_depth),
        wire_rx("wire_rx", options.input_fifo_depth),
        wire_tx("wire_tx", options.output_fifo_depth),
        host_rx("host_rx", options.output_fifo_depth),
        consumer_pause_(options.consumer_pause),
        program_(std::move(program)) {
    cpu_bus.socket.bind(engine.regs);
    engine.irq(irq);
    cpu_bus.irq_in(irq);
    engine.host_tx_in(host_tx);
    engine.wire_rx_in(wire_rx);
    engine.wire_tx_out(wire_tx);
    engine.host_rx_out(host_rx);
    SC_THREAD(cpu);
    SC_THREAD(collect_wire_tx);
    SC_THREAD(collect_host_rx);
  }

  systemc::IpsecEngineTlm engine;
  systemc::TlmRegisterBus cpu_bus;
  sc_core::sc_signal<bool> irq;
  sc_core::sc_fifo<Frame> host_tx, wire_rx, wire_tx, host_rx;
  std::vector<Frame> wire_tx_frames, host_rx_frames;

 private:
  void cpu() {
    program_(*this);
    sc_core::sc_stop();
  }
  void collect_wire_tx() { collect(wire_tx, wire_tx_frames); }
  void collect_host_rx() { collect(host_rx, host_rx_frames); }
  void collect(sc_core::sc_fifo<Frame>& port, std::vector<Frame>& frames) {
    for (;;) {
      frames.push_back(port.read());
      if (consumer_pause_ > sc_core::SC_ZERO_TIME) wait(consumer_pause_);
    }
  }

  sc_core::sc_time consumer_pause_;
  std::function<void(Platform&)> program_;
};

class SystemcEngine final : public EngineUnderTest {
 public:
  SystemcEngine(Platform& p, std::function<uint32_t(const Frame&)> gap) : p_(p), gap_(std::move(gap)) {}
  driver::RegisterBus& bus() override { return p_.cpu_bus; }
  void host_tx(const Frame& f) override { p_.host_tx.write(f); }
  void wire_rx(const Frame& f) override {
    Frame paced = f;
    paced.gap = gap_(f);
    p_.wire_rx.write(paced);
  }
  void run_until_quiet() override { p_.engine.wait_until_quiet(); }
  uint64_t cycles() const override { return p_.engine.cycles(); }

 private:
  Platform& p_;
  std::function<uint32_t(const Frame&)> gap_;
};

class CppEngine final : public EngineUnderTest {
 public:
  CppEngine(uint64_t seed, int stall, std::function<uint32_t(const Frame&)> gap)
      : sim_(sim::EngineSimOptions{seed, stall, 0}), gap_(std::move(gap)) {}
  driver::RegisterBus& bus() override { return sim_.bus(); }
  void host_tx(const Frame& f) override { sim_.host_tx(f.data, f.user); }
  void wire_rx(const Frame& f) override { sim_.wire_rx(f.data, f.user, gap_(f)); }
  void run_until_quiet() override { sim_.run(); }
  uint64_t cycles() const override { return sim_.cycles(); }
  static std::vector<Frame> frames(std::deque<sim::OutFrame>& port) {
    std::vector<Frame> out;
    for (sim::OutFrame& f : port) out.push_back({std::move(f.data), f.user});
    port.clear();
    return out;
  }
  sim::EngineSim& sim() { return sim_; }

 private:
  sim::EngineSim sim_;
  std::function<uint32_t(const Frame&)> gap_;
};

// ---- Checks --------------------------------------------------------------------------------

void require_fresh_kernel() {
  REQUIRE_MESSAGE(sc_core::sc_get_status() == sc_core::SC_ELABORATION,
                  "SystemC simulates one platform per process: run one test case at a time "
                  "(-tc=NAME), as CTest does");
}

void check_same_frames(const std::string& port, const std::vector<Frame>& systemc_frames,
                       const std::vector<Frame>& cpp_frames) {
  INFO(port << "; " << seed_hint());
  CHECK(systemc_frames.size() == cpp_frames.size());
  int reported = 0;
  for (size_t i = 0; i < std::min(systemc_frames.size(), cpp_frames.size()) && reported < 5; ++i) {
    const Frame& a = systemc_frames[i];
    const Frame& b = cpp_frames[i];
    if (a == b) continue;
    ++reported;
    FAIL_CHECK(port << " frame " << i << " (" << describe(b.data) << "): SystemC tuser " << a.user
                    << ", C++ tuser " << b.user << "; " << first_difference(a.data, b.data));
  }
}

void check_same_counters(const std::string& when, const std::vector<drv::EthtoolStat>& a,
                         const std::vector<drv::EthtoolStat>& b) {
  REQUIRE(a.size() >= 14);
  REQUIRE(b.size() >= 14);
  for (size_t i = 0; i < 14; ++i) {  // the hardware counters (contract section 4)
    INFO(when << ": " << a[i].name << "; " << seed_hint());
    CHECK(a[i].name == b[i].name);
    CHECK(a[i].value == b[i].value);
  }
}

uint64_t counter(const std::vector<drv::EthtoolStat>& stats, const std::string& name) {
  for (const auto& s : stats) {
    if (s.name == name) return s.value;
  }
  FAIL("no counter " << name);
  return 0;
}

void print_rate(const char* engine, const char* what, const Span& s) {
  std::printf("%-9s %-8s %9llu clocks in %7.3f s: %8.1f kHz simulated\n", engine, what,
              static_cast<unsigned long long>(s.cycles), s.seconds, s.khz());
}

// Runs the flow on the SystemC platform, then on the C++ harness with the same stimulus,
// and checks that both engines gave the same frames and counters.
struct Comparison {
  Stimulus stimulus;
  FlowResult systemc, cpp;
};

Comparison compare_engines(uint64_t seed, int stall, PlatformOptions options = {}) {
  Comparison c;
  options.engine.seed = seed;
  options.engine.stall_percent = stall;
  Platform platform("platform", [&](Platform& p) {
    SystemcEngine e(p, options.wire_rx_gap);
    c.systemc = run_flow(e, seed, c.stimulus);
  }, options);
  sc_core::sc_start();
  REQUIRE_MESSAGE(c.systemc.error.empty(), "over TLM: " << c.systemc.error << "; " << seed_hint());

  CppEngine cpp(seed, stall, options.wire_rx_gap);
  c.cpp = run_flow(cpp, seed, c.stimulus);
  REQUIRE_MESSAGE(c.cpp.error.empty(), "C++ harness: " << c.cpp.error << "; " << seed_hint());

  check_same_frames("wire TX", platform.wire_tx_frames, CppEngine::frames(cpp.sim().wire_tx()));
  check_same_frames("host RX", platform.host_rx_frames, CppEngine::frames(cpp.sim().host_rx()));
  check_same_counters("after the traffic", c.systemc.after_traffic, c.cpp.after_traffic);
  check_same_counters("after the flush", c.systemc.after_flush, c.cpp.after_flush);
  // Every wire RX frame reached the engine's datapath: the comparison above covers them all.
  CHECK_MESSAGE(c.systemc.rx_overflow_drops == 0, "SystemC wire RX overflow drops; " << seed_hint());
  CHECK_MESSAGE(c.cpp.rx_overflow_drops == 0, "C++ wire RX overflow drops; " << seed_hint());
  CHECK(platform.engine.host_tx_count().frames == c.stimulus.host_tx.size());
  CHECK(platform.engine.wire_rx_count().frames == c.stimulus.wire_rx.size());
  std::printf("%zu + %zu frames in, %zu + %zu out (wire TX + host RX)\n", c.stimulus.host_tx.size(),
              c.stimulus.wire_rx.size(), platform.wire_tx_frames.size(), platform.host_rx_frames.size());
  return c;
}

}  // namespace

TEST_CASE("the driver runs unchanged over TLM and the SystemC engine matches the C++ harness") {
  require_fresh_kernel();
  const Comparison c = compare_engines(test_seed(), 0);

  // The flow did what it says: frames were encrypted, decrypted, passed and refused.
  const auto& stats = c.systemc.after_traffic;
  CHECK(counter(stats, "ipsec_enc_out_packets") > 0);
  CHECK(counter(stats, "ipsec_enc_bypass_packets") > 0);
  CHECK(counter(stats, "ipsec_enc_drop_packets") > 0);
  CHECK(counter(stats, "ipsec_dec_out_packets") > 0);
  CHECK(counter(stats, "ipsec_dec_bypass_packets") > 0);
  CHECK(counter(stats, "ipsec_dec_auth_fail_packets") > 0);
  CHECK(counter(stats, "ipsec_add_sa_success") == 2);
  CHECK(counter(c.systemc.after_flush, "ipsec_del_sa_success") == 2);

  // Simulation speed on the same stimulus, without stalls.
  print_rate("SystemC", "traffic", c.systemc.traffic);
  print_rate("C++", "traffic", c.cpp.traffic);
  print_rate("SystemC", "whole", c.systemc.whole);
  print_rate("C++", "whole", c.cpp.whole);
  std::fflush(stdout);
}

TEST_CASE("under random stalls and a slow consumer the SystemC engine still matches the C++ harness") {
  require_fresh_kernel();
  PlatformOptions options;
  options.output_fifo_depth = 1;  // a full FIFO holds tready low
  options.consumer_pause = sc_core::sc_time(200, sc_core::SC_NS);
  // The wire sends no faster than the consumer takes frames: its pause, and as many clocks
  // again as the frame's beats (the consumer's port stalls a quarter of them, and a frame
  // leaves for the host with its metadata).
  const auto pause_clocks = static_cast<uint32_t>(
      std::ceil(options.consumer_pause / options.engine.clock_period));
  options.wire_rx_gap = [pause_clocks](const Frame& f) {
    return pause_clocks + static_cast<uint32_t>((f.data.size() + 15) / 16);
  };
  (void)compare_engines(test_seed(), stall_percent(25), options);
}

TEST_CASE("register accesses the engine refuses end in TLM error responses, at the pins' pace") {
  require_fresh_kernel();
  struct Seen {
    tlm::tlm_response_status unmapped = tlm::TLM_INCOMPLETE_RESPONSE;
    tlm::tlm_response_status read_only = tlm::TLM_INCOMPLETE_RESPONSE;
    tlm::tlm_response_status beyond = tlm::TLM_INCOMPLETE_RESPONSE;
    tlm::tlm_response_status burst = tlm::TLM_INCOMPLETE_RESPONSE;
    tlm::tlm_response_status vendor = tlm::TLM_INCOMPLETE_RESPONSE;
    uint32_t vendor_id = 0, vendor_low_byte = 0;
    driver::BusStatus bus_unmapped = driver::BusStatus::kOk;
    driver::BusStatus bus_beyond = driver::BusStatus::kOk;
    uint64_t pin_reads_for_beyond = 0;
    sc_core::sc_time read_took, delay_returned, with_delay_took;
  } seen;

  Platform platform("platform", [&](Platform& p) {
    auto access = [&](tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len,
                      const uint8_t* be = nullptr, sc_core::sc_time delay = sc_core::SC_ZERO_TIME) {
      tlm::tlm_generic_payload t;
      t.set_command(cmd);
      t.set_address(addr);
      t.set_data_ptr(data);
      t.set_data_length(len);
      t.set_streaming_width(len);
      t.set_byte_enable_ptr(const_cast<uint8_t*>(be));
      t.set_byte_enable_length(be ? 4 : 0);
      t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_core::sc_time d = delay;
      p.cpu_bus.socket->b_transport(t, d);
      seen.delay_returned = d;
      return t.get_response_status();
    };
    uint8_t word[8] = {};
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    seen.vendor = access(tlm::TLM_READ_COMMAND, IPSEC_REGS_VENDOR_ID_OFFSET, word, 4);
    seen.read_took = sc_core::sc_time_stamp() - t0;
    std::memcpy(&seen.vendor_id, word, 4);
    const uint8_t low_byte_only[4] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED, TLM_BYTE_DISABLED,
                                      TLM_BYTE_DISABLED};
    uint8_t masked[4] = {};
    (void)access(tlm::TLM_READ_COMMAND, IPSEC_REGS_VENDOR_ID_OFFSET, masked, 4, low_byte_only);
    std::memcpy(&seen.vendor_low_byte, masked, 4);
    seen.unmapped = access(tlm::TLM_READ_COMMAND, 0xFFC, word, 4);
    seen.read_only = access(tlm::TLM_WRITE_COMMAND, IPSEC_REGS_VENDOR_ID_OFFSET, word, 4);
    const uint64_t pin_reads = p.engine.bus_reads();
    seen.beyond = access(tlm::TLM_READ_COMMAND, systemc::IpsecEngineTlm::kRegisterBytes, word, 4);
    seen.pin_reads_for_beyond = p.engine.bus_reads() - pin_reads;
    seen.burst = access(tlm::TLM_READ_COMMAND, 0, word, 8);
    const sc_core::sc_time t1 = sc_core::sc_time_stamp();
    (void)access(tlm::TLM_READ_COMMAND, 0, word, 4, nullptr, sc_core::sc_time(100, sc_core::SC_NS));
    seen.with_delay_took = sc_core::sc_time_stamp() - t1;
    uint32_t data = 0;
    seen.bus_unmapped = p.cpu_bus.read32(0xFFC, data);
    seen.bus_beyond = p.cpu_bus.read32(0x1000, data);
  });
  sc_core::sc_start();

  CHECK(seen.vendor == tlm::TLM_OK_RESPONSE);
  CHECK(seen.vendor_id == IPSEC_REGS_VENDOR_ID_RESET);
  CHECK(seen.vendor_low_byte == (IPSEC_REGS_VENDOR_ID_RESET & 0xFFu));
  CHECK(seen.unmapped == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(seen.read_only == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(seen.beyond == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(seen.pin_reads_for_beyond == 0);
  CHECK(seen.burst == tlm::TLM_BURST_ERROR_RESPONSE);
  CHECK(seen.bus_unmapped == driver::BusStatus::kSlvErr);
  CHECK(seen.bus_beyond == driver::BusStatus::kDecErr);
  // A read is two handshakes on the pins: the time passes inside b_transport.
  const sc_core::sc_time period = platform.engine.clock_period();
  CHECK(seen.read_took >= 2 * period);
  CHECK(seen.read_took <= 8 * period);
  // An annotated delay is waited first and handed back zeroed.
  CHECK(seen.delay_returned == sc_core::SC_ZERO_TIME);
  CHECK(seen.with_delay_took >= sc_core::sc_time(100, sc_core::SC_NS) + 2 * period);
}

// SystemC calls sc_main; the tests run inside it.
int sc_main(int argc, char* argv[]) {
  // Each test case ends its simulation with sc_stop(): no need to say so.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  doctest::Context context(argc, argv);
  return context.run();
}

// The test library's doctest runner defines a weak main: this one hands over to SystemC.
int main(int argc, char* argv[]) { return sc_core::sc_elab_and_sim(argc, argv); }
