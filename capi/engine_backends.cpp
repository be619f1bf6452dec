// The engine kinds behind the C API: the Verilated RTL (either build) through EngineSim, and
// the reference model with a plausible clock.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "engine_handle.h"

namespace ipsec::capi {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// ---- RTL ------------------------------------------------------------------------------------

class RtlBackend final : public Backend {
 public:
  explicit RtlBackend(const ipsec_sim_options& o)
      : sim_(sim::EngineSimOptions{o.seed, o.stall_percent, 0,
                                   o.kind == IPSEC_SIM_RTL_CHECKING ? sim::RtlBuild::kChecking
                                   : o.kind == IPSEC_SIM_RTL_PACKET ? sim::RtlBuild::kPacket
                                                                    : sim::RtlBuild::kFast}) {
    if (!o.trace_path) return;
    const std::string path = o.trace_path;
    std::string vcd = path;
    if (ends_with(path, ".fst")) {
      // The tool's way (sim/ipsec_sim.cpp --fst): a VCD first, converted by GTKWave's
      // vcd2fst when the trace ends. Checked now, not at the end, so the caller learns early.
      if (std::system("command -v vcd2fst > /dev/null 2>&1") != 0) {
        throw Unsupported("an FST waveform needs vcd2fst from GTKWave on PATH (Debian package "
                          "gtkwave); or give a path ending .vcd");
      }
      fst_ = path;
      vcd = path + ".vcd.tmp";
    }
    try {
      sim_.open_vcd(vcd, o.trace_levels, o.trace_from, o.trace_to);
    } catch (const std::runtime_error& x) {
      throw IoError(x.what());
    }
    vcd_ = vcd;
  }

  ~RtlBackend() override {
    sim_.close_trace();
    if (fst_.empty()) return;
    // Quoted for the shell as the tool quotes it; a failure leaves the VCD behind.
    const std::string cmd = "vcd2fst '" + vcd_ + "' '" + fst_ + "' > /dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) std::remove(vcd_.c_str());
  }

  driver::RegisterBus& bus() override { return sim_.bus(); }

  void send(ipsec_sim_port port, Bytes frame, bool tuser) override {
    if (port == IPSEC_SIM_HOST_TX) {
      sim_.host_tx(frame, tuser);
    } else {
      sim_.wire_rx(frame, tuser);
    }
  }

  void run(uint64_t clocks) override {
    for (uint64_t i = 0; i < clocks; ++i) sim_.tick();
  }

  bool run_until_idle(uint64_t max_clocks, uint64_t& ran) override {
    const uint64_t start = sim_.cycles();
    try {
      const bool idle = sim_.run_limited(max_clocks);
      ran = sim_.cycles() - start;
      return idle;
    } catch (...) {
      ran = sim_.cycles() - start;
      throw;
    }
  }

  bool wait_irq(uint64_t max_clocks, uint64_t& waited) override {
    driver::RegisterBus& b = sim_.bus();
    for (waited = 0; !b.irq(); ++waited) {
      if (waited >= max_clocks) return false;
      sim_.tick();
    }
    return true;
  }

  void reset() override { sim_.reset(); }

  void drain(ipsec_sim_port port, std::deque<Frame>& out) override {
    std::deque<sim::OutFrame>& q = port == IPSEC_SIM_WIRE_TX ? sim_.wire_tx() : sim_.host_rx();
    for (sim::OutFrame& f : q) out.push_back(Frame{std::move(f.data), f.user, f.last_cycle});
    q.clear();
  }

  size_t input_pending(ipsec_sim_port port) const override {
    return static_cast<size_t>(port == IPSEC_SIM_HOST_TX ? sim_.host_tx_waiting()
                                                         : sim_.wire_rx_waiting());
  }

  uint64_t cycles() const override { return sim_.cycles(); }
  sim::EngineSim* rtl() override { return &sim_; }

 private:
  sim::EngineSim sim_;
  std::string vcd_, fst_;
};

// ---- Reference model --------------------------------------------------------------------------

// The reference model computes each frame whole; its clock is plausible, not exact (the
// tool's ModelEngine does the same): the frames queued when the engine runs take one 16-byte
// beat per clock per direction, both directions at once, stretched by the stall percentage,
// plus a fixed latency; register accesses take no clocks; a command takes the control model's
// own execution time (CtrlModelConfig::exec_cycles) as its clock moves.
class ReferenceBackend final : public Backend {
 public:
  static constexpr uint64_t kLatencyCycles = 32;  // first beat in to first beat out
  static constexpr uint64_t kQuietCycles = 256;   // run_until_idle's quiet tail, as the RTL's

  explicit ReferenceBackend(const ipsec_sim_options& o)
      : model_(config_of(o.kind)), stall_percent_(o.stall_percent) {}

  driver::RegisterBus& bus() override { return model_; }

  void send(ipsec_sim_port port, Bytes frame, bool tuser) override {
    in_[port == IPSEC_SIM_HOST_TX ? 0 : 1].emplace_back(std::move(frame), tuser);
  }

  void run(uint64_t clocks) override {
    process();
    advance(clocks);
  }

  bool run_until_idle(uint64_t max_clocks, uint64_t& ran) override {
    const uint64_t busy = process();
    ran = busy ? busy + kLatencyCycles + kQuietCycles : kQuietCycles;
    if (max_clocks && ran > max_clocks) {
      ran = max_clocks;
      advance(ran);
      return false;
    }
    advance(ran);
    return true;
  }

  bool wait_irq(uint64_t max_clocks, uint64_t& waited) override {
    for (waited = 0; !model_.irq(); ++waited) {
      if (waited >= max_clocks) return false;
      advance(1);
    }
    return true;
  }

  void reset() override {
    // Registers, SAs, queues and counters as the RTL's reset clears them; frames queued but
    // not started are kept (none is ever half sent here). Reset clocks are not counted.
    model_.ctrl().reset();
  }

  void drain(ipsec_sim_port port, std::deque<Frame>& out) override {
    std::deque<Frame>& q = out_[port == IPSEC_SIM_WIRE_TX ? 0 : 1];
    for (Frame& f : q) out.push_back(std::move(f));
    q.clear();
  }

  size_t input_pending(ipsec_sim_port port) const override {
    return in_[port == IPSEC_SIM_HOST_TX ? 0 : 1].size();
  }

  uint64_t cycles() const override { return model_.now(); }
  model::EngineModel* reference() override { return &model_; }

 private:
  static uint64_t beats(size_t bytes) { return std::max<uint64_t>(1, (bytes + 15) / 16); }

  // Every queued frame through the model, in order per port; returns the clocks they take.
  uint64_t process() {
    uint64_t busy[2] = {0, 0};
    for (int p = 0; p < 2; ++p) {
      while (!in_[p].empty()) {
        auto [frame, tuser] = std::move(in_[p].front());
        in_[p].pop_front();
        model::FrameResult r = p == 0 ? model_.host_tx(frame, tuser) : model_.wire_rx(frame, tuser);
        busy[p] += std::max(beats(frame.size()), r.out ? beats(r.out->size()) : 0);
        if (r.out) out_[p].push_back(Frame{std::move(*r.out), false, model_.now()});
      }
    }
    const uint64_t b = std::max(busy[0], busy[1]);
    return b * 100 / static_cast<uint64_t>(100 - stall_percent_);
  }

  // IPSEC_SIM_REFERENCE_PACKET: the model with packet offload (docs/packet_offload.md).
  static model::CtrlModelConfig config_of(ipsec_sim_kind kind) {
    model::CtrlModelConfig c;
    c.packet_offload = kind == IPSEC_SIM_REFERENCE_PACKET;
    return c;
  }

  void advance(uint64_t clocks) {
    // The control model's clock is 32-bit per step.
    while (clocks) {
      const uint32_t step = static_cast<uint32_t>(std::min<uint64_t>(clocks, 1u << 30));
      model_.wait_cycles(step);
      clocks -= step;
    }
  }

  model::EngineModel model_;
  int stall_percent_;
  std::deque<std::pair<Bytes, bool>> in_[2];  // HOST_TX, WIRE_RX
  std::deque<Frame> out_[2];                  // WIRE_TX, HOST_RX
};

}  // namespace

std::unique_ptr<Backend> make_rtl_backend(const ipsec_sim_options& options) {
  return std::make_unique<RtlBackend>(options);
}

std::unique_ptr<Backend> make_reference_backend(const ipsec_sim_options& options) {
  if (options.trace_path) {
    throw Unsupported("the reference model has no signals to trace: waveforms are of the RTL kinds");
  }
  return std::make_unique<ReferenceBackend>(options);
}

}  // namespace ipsec::capi
