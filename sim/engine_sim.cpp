#include "engine_sim.h"

#include <stdexcept>
#include <string>

#include "Vipsec_engine.h"
#include "axil_bus.h"
#include "verilated.h"
#include "verilated_vcd_c.h"
#include "vl_stream_bytes.h"

namespace ipsec::sim {

EngineSim::EngineSim(EngineSimOptions options)
    : options_(options),
      context_(std::make_unique<VerilatedContext>()),
      host_tx_src_(options.seed * 4 + 1, options.stall_percent),
      wire_rx_src_(options.seed * 4 + 2, options.stall_percent),
      wire_tx_sink_(options.seed * 4 + 3, options.stall_percent),
      host_rx_sink_(options.seed * 4 + 4, options.stall_percent) {
  context_->randReset(2);
  context_->traceEverOn(true);  // costs nothing until a trace is opened
  dut_ = std::make_unique<Vipsec_engine>(context_.get(), "engine");
  AxiLiteBusOptions bus_options;
  bus_options.seed = options.seed;
  bus_options.delay_percent = options.axil_delay_percent;
  bus_ = std::make_unique<AxiLiteBus<Vipsec_engine>>(*dut_, [this] { tick(); }, bus_options);
  dut_->host_tx_tvalid_i = 0;
  dut_->wire_rx_tvalid_i = 0;
  dut_->wire_tx_tready_i = 0;
  dut_->host_rx_tready_i = 0;
  reset();
}

EngineSim::~EngineSim() {
  close_trace();
  dut_->final();
}

void EngineSim::open_vcd(const std::string& path, int levels, uint64_t from, uint64_t to) {
  close_trace();
  vcd_ = std::make_unique<VerilatedVcdC>();
  // Verilator 5.006 ignores trace()'s level argument; $dumpvars-style selection works:
  // level 1 is the engine's ports, 2 its own signals, each level one hierarchy deeper.
  vcd_->dumpvars(levels, "engine");
  dut_->trace(vcd_.get(), levels);
  vcd_->open(path.c_str());
  if (!vcd_->isOpen()) {
    vcd_.reset();
    throw std::runtime_error("cannot write " + path);
  }
  trace_from_ = from;
  trace_to_ = to;
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

driver::RegisterBus& EngineSim::bus() { return *bus_; }
uint64_t EngineSim::bus_writes() const {
  return static_cast<const AxiLiteBus<Vipsec_engine>&>(*bus_).writes();
}
uint64_t EngineSim::bus_reads() const {
  return static_cast<const AxiLiteBus<Vipsec_engine>&>(*bus_).reads();
}

void EngineSim::host_tx(const Bytes& frame, bool tuser) { host_tx_src_.push(frame, tuser); }
void EngineSim::wire_rx(const Bytes& frame, bool tuser) { wire_rx_src_.push(frame, tuser); }

void EngineSim::reset(int clocks) {
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
  host_tx_src_.abort_frame();
  wire_rx_src_.abort_frame();
  wire_tx_sink_.abort_frame();
  host_rx_sink_.abort_frame();
  out_started_[0] = out_started_[1] = false;
}

void EngineSim::tick() {
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
  Vipsec_engine& m = *dut_;
  drive_in(host_tx_src_, m.host_tx_tvalid_i, m.host_tx_tdata_i, m.host_tx_tkeep_i, m.host_tx_tlast_i,
           m.host_tx_tuser_i);
  drive_in(wire_rx_src_, m.wire_rx_tvalid_i, m.wire_rx_tdata_i, m.wire_rx_tkeep_i, m.wire_rx_tlast_i,
           m.wire_rx_tuser_i);
  m.wire_tx_tready_i = !hold_outputs_ && wire_tx_sink_.ready();
  m.host_rx_tready_i = !hold_outputs_ && host_rx_sink_.ready();
  m.eval();

  const bool in_fire[2] = {m.host_tx_tvalid_i && m.host_tx_tready_o, m.wire_rx_tvalid_i && m.wire_rx_tready_o};
  FrameSource* srcs[2] = {&host_tx_src_, &wire_rx_src_};
  for (int p = 0; p < 2; ++p) {
    if (!in_fire[p]) continue;
    PortStats& s = in_stats_[p];
    const Beat& b = srcs[p]->beat();
    if (!port_mid_frame_[p]) {
      ++frames_started_;
      if (trace_frame_ && frames_started_ == trace_frame_) {
        trace_from_ = cycles_;
        traced_port_ = p;
      }
    }
    port_mid_frame_[p] = !b.last;
    if (traced_port_ == p) {
      ++traced_beats_;
      if (b.last) {
        trace_to_ = cycles_ + 96 + traced_beats_;
        traced_port_ = -1;
      }
    }
    if (s.beats == 0) s.first_cycle = cycles_;
    s.last_cycle = cycles_;
    ++s.beats;
    s.bytes += static_cast<uint64_t>(__builtin_popcount(b.keep));
    s.frames += b.last;
  }

  auto take_out = [&](int p, bool fire, const auto& data, uint16_t keep, bool last, bool user,
                      FrameSink& sink, std::deque<OutFrame>& out) {
    if (!fire) return;
    Beat b;
    get_le(data, b.data.data(), b.data.size());
    b.keep = keep;
    b.last = last;
    PortStats& s = out_stats_[p];
    if (s.beats == 0) s.first_cycle = cycles_;
    s.last_cycle = cycles_;
    ++s.beats;
    s.bytes += static_cast<uint64_t>(__builtin_popcount(keep));
    if (!out_started_[p]) {
      out_started_[p] = true;
      out_first_[p] = cycles_;
    }
    if (sink.take(b)) {
      ++s.frames;
      out_started_[p] = false;
      out.push_back({std::move(sink.frames().front()), user, out_first_[p], cycles_});
      sink.frames().pop_front();
    }
  };
  take_out(0, m.wire_tx_tvalid_o && m.wire_tx_tready_i, m.wire_tx_tdata_o, m.wire_tx_tkeep_o,
           m.wire_tx_tlast_o, m.wire_tx_tuser_o, wire_tx_sink_, wire_tx_);
  take_out(1, m.host_rx_tvalid_o && m.host_rx_tready_i, m.host_rx_tdata_o, m.host_rx_tkeep_o, m.host_rx_tlast_o,
           m.host_rx_tuser_o, host_rx_sink_, host_rx_);

  const bool activity = in_fire[0] || in_fire[1] || (m.wire_tx_tvalid_o && m.wire_tx_tready_i) ||
                        (m.host_rx_tvalid_o && m.host_rx_tready_i);
  eval_clock();
  for (int p = 0; p < 2; ++p) {
    if (in_fire[p]) srcs[p]->taken();
  }
  if (activity) last_activity_ = cycles_;
}

void EngineSim::eval_clock() {
  const bool trace = vcd_ && cycles_ >= trace_from_ && cycles_ <= trace_to_;
  if (trace) vcd_->dump(2 * cycles_);  // the inputs of this clock, before its edge
  dut_->clk_i = 1;
  dut_->eval();
  if (trace) vcd_->dump(2 * cycles_ + 1);
  dut_->clk_i = 0;
  dut_->eval();
  ++cycles_;
}

void EngineSim::run(uint64_t quiet, uint64_t stuck, const std::function<void()>& progress) {
  last_activity_ = cycles_;
  while (!inputs_idle() || cycles_ - last_activity_ < quiet) {
    tick();
    if (progress && (cycles_ & 0xffff) == 0) progress();
    if (cycles_ - last_activity_ > stuck) {
      throw std::runtime_error("the engine took and gave no beat for " + std::to_string(stuck) +
                               " clocks (clock " + std::to_string(cycles_) + ")");
    }
  }
}

}  // namespace ipsec::sim
