#include "engine_sim.h"

#include <stdexcept>
#include <string>

#include "Vipsec_engine.h"
#include "Vipsec_engine__Syms.h"
#include "Vipsec_engine_chk.h"
#include "Vipsec_engine_chk__Syms.h"
#include "Vipsec_engine_pkt.h"
#include "Vipsec_engine_pkt__Syms.h"
#include "axil_bus.h"
#include "engine_clock.h"
#include "verilated.h"
#include "verilated_vcd_c.h"
#include "vl_stream_bytes.h"

namespace ipsec::sim {

const char* to_string(RtlBuild build) {
  switch (build) {
    case RtlBuild::kFast:
      return "fast";
    case RtlBuild::kChecking:
      return "checking";
    case RtlBuild::kPacket:
      return "packet";
  }
  return "?";
}

// What EngineSim asks of the Verilated model, whichever build it is. One virtual call per
// clock (tick) or per run; the signals are driven inside RtlOf<Model>, by name, unvirtualised.
class EngineSim::Rtl {
 public:
  virtual ~Rtl() = default;
  virtual driver::RegisterBus& bus() = 0;
  virtual uint64_t bus_writes() const = 0;
  virtual uint64_t bus_reads() const = 0;
  virtual driver::BusStatus write32_strobe(uint32_t addr, uint32_t data, uint8_t strb) = 0;
  virtual std::vector<AxiLiteCompletion> transact(const std::vector<AxiLiteCompletion>& requests) = 0;
  virtual void tick() = 0;
  // Until idle (EngineSim::run); at most `limit` clocks unless 0: false if the limit came first.
  virtual bool run(uint64_t quiet, uint64_t stuck, const std::function<void()>& progress,
                   uint64_t limit) = 0;
  virtual void reset(int clocks) = 0;
  virtual void trace(VerilatedVcdC& vcd, int levels) = 0;
  virtual StateBytes state_bytes() const = 0;
};

template <class Model>
class EngineSim::RtlOf final : public EngineSim::Rtl {
 public:
  explicit RtlOf(EngineSim& s) : s_(s), context_(std::make_unique<VerilatedContext>()) {
    // Each engine has its own context: two engines (of either build) in one process share
    // nothing of Verilator's but its thread-safe runtime (docs/c_api.md, threads).
    // The models are single-threaded (no --threads): without threads(1), Verilator 5.006
    // gives each context a pool of hardware_concurrency() - 1 idle threads
    // (VerilatedContext::addModel -> threadPoolp()), one pool per engine.
    context_->threads(1);
    context_->randReset(2);
    if (s.options_.x_seed != 0) context_->randSeed(s.options_.x_seed);
    context_->traceEverOn(true);  // costs nothing until a trace is opened
    dut_ = std::make_unique<Model>(context_.get(), "engine");
    AxiLiteBusOptions bus_options;
    bus_options.seed = s.options_.seed;
    bus_options.delay_percent = s.options_.axil_delay_percent;
    bus_options.random_order = s.options_.axil_random_order;
    bus_options.max_outstanding = s.options_.axil_max_outstanding;
    bus_ = std::make_unique<AxiLiteBus<Model>>(
        *dut_, [this] { tick(); }, bus_options, [this] { return s_.cycles_; });
    dut_->host_tx_tvalid_i = 0;
    dut_->wire_rx_tvalid_i = 0;
    dut_->wire_tx_tready_i = 0;
    dut_->host_rx_tready_i = 0;
  }
  ~RtlOf() override { dut_->final(); }

  driver::RegisterBus& bus() override { return *bus_; }
  uint64_t bus_writes() const override { return bus_->writes(); }
  uint64_t bus_reads() const override { return bus_->reads(); }
  driver::BusStatus write32_strobe(uint32_t addr, uint32_t data, uint8_t strb) override {
    return bus_->write32_strobe(addr, data, strb);
  }
  std::vector<AxiLiteCompletion> transact(const std::vector<AxiLiteCompletion>& requests) override {
    for (const AxiLiteCompletion& r : requests) {
      if (r.write) {
        bus_->post_write(r.addr, r.data, r.strb);
      } else {
        bus_->post_read(r.addr);
      }
    }
    return bus_->drain();
  }
  void trace(VerilatedVcdC& vcd, int levels) override { dut_->trace(&vcd, levels); }
  StateBytes state_bytes() const override {
    // The symbol table object holds every module instance (here the root alone: the engine
    // is flattened into it) by value.
    const auto* syms = dut_->rootp->vlSymsp;
    static_assert(sizeof(*syms) > sizeof(dut_->rootp->vlSymsp->TOP));
    return {reinterpret_cast<const uint8_t*>(syms), sizeof(*syms)};
  }
  void reset(int clocks) override;
  void tick() override;
  bool run(uint64_t quiet, uint64_t stuck, const std::function<void()>& progress,
           uint64_t limit) override;

 private:
  void eval_clock();

  EngineSim& s_;
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Model> dut_;
  std::unique_ptr<AxiLiteBus<Model>> bus_;
};

EngineSim::EngineSim(EngineSimOptions options)
    : options_(options),
      host_tx_src_(options.seed * 4 + 1,
                   options.host_tx_stall_percent >= 0 ? options.host_tx_stall_percent : options.stall_percent),
      wire_rx_src_(options.seed * 4 + 2, options.stall_percent),
      wire_tx_sink_(options.seed * 4 + 3, options.stall_percent),
      host_rx_sink_(options.seed * 4 + 4, options.stall_percent) {
  switch (options.build) {
    case RtlBuild::kFast:
      rtl_ = std::make_unique<RtlOf<Vipsec_engine>>(*this);
      break;
    case RtlBuild::kChecking:
      rtl_ = std::make_unique<RtlOf<Vipsec_engine_chk>>(*this);
      break;
    case RtlBuild::kPacket:
      rtl_ = std::make_unique<RtlOf<Vipsec_engine_pkt>>(*this);
      break;
  }
  reset();
}

EngineSim::~EngineSim() {
  close_trace();
  rtl_.reset();  // final() before the ports and the trace it may still touch go
}

void EngineSim::open_vcd(const std::string& path, int levels, uint64_t from, uint64_t to) {
  close_trace();
  vcd_ = std::make_unique<VerilatedVcdC>();
  // Verilator 5.006 ignores trace()'s level argument; $dumpvars-style selection works:
  // level 1 is the engine's ports, 2 its own signals, each level one hierarchy deeper.
  vcd_->dumpvars(levels, "engine");
  vcd_->set_time_unit("1ps");  // the times engine_clock.h gives
  vcd_->set_time_resolution("1ps");
  rtl_->trace(*vcd_, levels);
  vcd_->open(path.c_str());
  if (!vcd_->isOpen()) {
    vcd_.reset();
    throw std::runtime_error("cannot write " + path);
  }
  trace_from_ = from;
  trace_to_ = to;
  first_traced_beat_.reset();
}

void EngineSim::trace_frame(uint64_t n) {
  trace_frame_ = n;
  trace_from_ = UINT64_MAX;  // nothing until the frame comes
  trace_to_ = UINT64_MAX;
}

void EngineSim::close_trace() {
  if (!vcd_) return;
  vcd_->close();
  vcd_.reset();
}

driver::RegisterBus& EngineSim::bus() { return rtl_->bus(); }
EngineSim::StateBytes EngineSim::state_bytes() const { return rtl_->state_bytes(); }
uint64_t EngineSim::bus_writes() const { return rtl_->bus_writes(); }
uint64_t EngineSim::bus_reads() const { return rtl_->bus_reads(); }
driver::BusStatus EngineSim::write32_strobe(uint32_t addr, uint32_t data, uint8_t strb) {
  return rtl_->write32_strobe(addr, data, strb);
}
std::vector<AxiLiteCompletion> EngineSim::transact(const std::vector<AxiLiteCompletion>& requests) {
  return rtl_->transact(requests);
}

void EngineSim::host_tx(const Bytes& frame, bool tuser) { host_tx_src_.push(frame, tuser); }
void EngineSim::wire_rx(const Bytes& frame, bool tuser, uint32_t gap) { wire_rx_src_.push(frame, tuser, gap); }

void EngineSim::reset(int clocks) { rtl_->reset(clocks); }
void EngineSim::tick() { rtl_->tick(); }
void EngineSim::run(uint64_t quiet, uint64_t stuck, const std::function<void()>& progress) {
  rtl_->run(quiet, stuck, progress, 0);
}
bool EngineSim::run_limited(uint64_t limit, uint64_t quiet, uint64_t stuck) {
  return rtl_->run(quiet, stuck, nullptr, limit);
}

template <class Model>
void EngineSim::RtlOf<Model>::reset(int clocks) {
  dut_->rst_ni = 0;
  for (int i = 0; i < clocks; ++i) {
    dut_->clk_i = 0;
    dut_->eval();
    dut_->clk_i = 1;
    dut_->eval();
  }
  dut_->clk_i = 0;
  dut_->rst_ni = 1;
  dut_->eval();
  // What was on the wires is gone, as on a real link: the rest of a half-sent input frame
  // is not sent, and a half-received output frame is discarded.
  s_.host_tx_src_.abort_frame();
  s_.wire_rx_src_.abort_frame();
  s_.wire_tx_sink_.abort_frame();
  s_.host_rx_sink_.abort_frame();
  s_.out_started_[0] = s_.out_started_[1] = false;
}

template <class Model>
void EngineSim::RtlOf<Model>::tick() {
  EngineSim& s = s_;
  // Inputs.
  auto drive_in = [](FrameSource& src, auto& valid, auto& data, auto& keep, auto& last, auto& user) {
    const bool v = src.valid();
    valid = v;
    if (v) {
      const Beat& b = src.beat();
      set_le(data, b.data.data(), b.data.size());
      keep = b.keep;
      last = b.last;
      user = b.user;
    }
  };
  Model& m = *dut_;
  drive_in(s.host_tx_src_, m.host_tx_tvalid_i, m.host_tx_tdata_i, m.host_tx_tkeep_i, m.host_tx_tlast_i,
           m.host_tx_tuser_i);
  drive_in(s.wire_rx_src_, m.wire_rx_tvalid_i, m.wire_rx_tdata_i, m.wire_rx_tkeep_i, m.wire_rx_tlast_i,
           m.wire_rx_tuser_i);
  m.wire_tx_tready_i = !s.hold_outputs_ && !s.hold_port_[0] && s.wire_tx_sink_.ready();
  m.host_rx_tready_i = !s.hold_outputs_ && !s.hold_port_[1] && s.host_rx_sink_.ready();
  m.eval();

  const bool in_fire[2] = {m.host_tx_tvalid_i && m.host_tx_tready_o, m.wire_rx_tvalid_i && m.wire_rx_tready_o};
  if (s.port_mid_frame_[0] && !m.host_tx_tvalid_i) ++s.in_stats_[0].gap_clocks;
  if (s.port_mid_frame_[1] && !m.wire_rx_tvalid_i) ++s.in_stats_[1].gap_clocks;
  FrameSource* srcs[2] = {&s.host_tx_src_, &s.wire_rx_src_};
  for (int p = 0; p < 2; ++p) {
    if (!in_fire[p]) continue;
    PortStats& st = s.in_stats_[p];
    const Beat& b = srcs[p]->beat();
    if (!s.port_mid_frame_[p]) {
      ++s.frames_started_;
      if (s.record_inputs_) s.in_frames_[p].push_back({s.cycles_, s.cycles_});
      if (s.trace_frame_ && s.frames_started_ == s.trace_frame_) {
        s.trace_from_ = s.cycles_;
        s.traced_port_ = p;
      }
    }
    s.port_mid_frame_[p] = !b.last;
    if (!s.first_traced_beat_ && s.tracing()) s.first_traced_beat_ = s.cycles_;
    if (s.record_inputs_ && b.last && !s.in_frames_[p].empty()) s.in_frames_[p].back().last_cycle = s.cycles_;
    if (s.traced_port_ == p) {
      ++s.traced_beats_;
      if (b.last) {
        s.trace_to_ = s.cycles_ + 96 + s.traced_beats_;
        s.traced_port_ = -1;
      }
    }
    if (st.beats == 0) st.first_cycle = s.cycles_;
    st.last_cycle = s.cycles_;
    ++st.beats;
    st.bytes += static_cast<uint64_t>(__builtin_popcount(b.keep));
    st.frames += b.last;
  }

  auto take_out = [&](int p, bool fire, const auto& data, uint16_t keep, bool last, bool user,
                      FrameSink& sink, std::deque<OutFrame>& out) {
    if (!fire) return;
    Beat b;
    get_le(data, b.data.data(), b.data.size());
    b.keep = keep;
    b.last = last;
    PortStats& st = s.out_stats_[p];
    if (st.beats == 0) st.first_cycle = s.cycles_;
    st.last_cycle = s.cycles_;
    ++st.beats;
    st.bytes += static_cast<uint64_t>(__builtin_popcount(keep));
    if (!s.out_started_[p]) {
      s.out_started_[p] = true;
      s.out_first_[p] = s.cycles_;
    }
    if (sink.take(b)) {
      ++st.frames;
      s.out_started_[p] = false;
      out.push_back({std::move(sink.frames().front()), user, s.out_first_[p], s.cycles_});
      sink.frames().pop_front();
    }
  };
  // Inside a frame (its first beat out, its last not yet), valid low is a gap.
  if (s.out_started_[0] && !m.wire_tx_tvalid_o) ++s.out_stats_[0].gap_clocks;
  if (s.out_started_[1] && !m.host_rx_tvalid_o) ++s.out_stats_[1].gap_clocks;
  take_out(0, m.wire_tx_tvalid_o && m.wire_tx_tready_i, m.wire_tx_tdata_o, m.wire_tx_tkeep_o,
           m.wire_tx_tlast_o, m.wire_tx_tuser_o, s.wire_tx_sink_, s.wire_tx_);
  take_out(1, m.host_rx_tvalid_o && m.host_rx_tready_i, m.host_rx_tdata_o, m.host_rx_tkeep_o, m.host_rx_tlast_o,
           m.host_rx_tuser_o, s.host_rx_sink_, s.host_rx_);

  const bool activity = in_fire[0] || in_fire[1] || (m.wire_tx_tvalid_o && m.wire_tx_tready_i) ||
                        (m.host_rx_tvalid_o && m.host_rx_tready_i);
  eval_clock();
  for (int p = 0; p < 2; ++p) {
    if (in_fire[p]) srcs[p]->taken();
  }
  if (activity) s.last_activity_ = s.cycles_;
}

template <class Model>
void EngineSim::RtlOf<Model>::eval_clock() {
  EngineSim& s = s_;
  const bool trace = s.tracing();
  // Real time on the nominal clock (engine_clock.h), in the trace's unit of 1 ps: the
  // inputs of this clock at its start, the clock low; the rising edge half a period later.
  if (trace) s.vcd_->dump(cycle_start_ps(s.cycles_));
  dut_->clk_i = 1;
  dut_->eval();
  if (trace) s.vcd_->dump(cycle_edge_ps(s.cycles_));
  // The falling edge is evaluated with the next clock's inputs (tick(), or the register
  // bus's own eval()): nothing in the engine is sensitive to it, and each eval() costs the
  // model its input-combinational logic again, whatever changed (about 1.5 % of a clock).
  dut_->clk_i = 0;
  ++s.cycles_;
}

template <class Model>
bool EngineSim::RtlOf<Model>::run(uint64_t quiet, uint64_t stuck,
                                  const std::function<void()>& progress, uint64_t limit) {
  EngineSim& s = s_;
  s.last_activity_ = s.cycles_;
  const uint64_t start = s.cycles_;
  while (!s.inputs_idle() || s.cycles_ - s.last_activity_ < quiet) {
    if (limit && s.cycles_ - start >= limit) return false;
    tick();  // this class's own: no virtual call per clock
    if (progress && (s.cycles_ & 0xffff) == 0) progress();
    if (s.cycles_ - s.last_activity_ > stuck) {
      throw std::runtime_error("the engine took and gave no beat for " + std::to_string(stuck) +
                               " clocks (clock " + std::to_string(s.cycles_) + ")");
    }
  }
  return true;
}

}  // namespace ipsec::sim
