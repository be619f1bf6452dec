#include "ipsec_engine_tlm.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "Vipsec_engine_sc.h"

namespace ipsec::systemc {

namespace {

// AXI4-Lite responses (AXI specification, section B1.4.5: RRESP/BRESP encoding).
constexpr unsigned kAxiOkay = 0;
constexpr unsigned kAxiSlvErr = 2;
constexpr unsigned kAxiDecErr = 3;

sc_dt::sc_bv<128> to_tdata(const std::array<uint8_t, 16>& bytes) {
  sc_dt::sc_bv<128> v;
  for (int w = 0; w < 4; ++w) {
    const uint8_t* b = &bytes[4 * w];
    v.set_word(w, uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24);
  }
  return v;
}

void from_tdata(const sc_dt::sc_bv<128>& v, std::array<uint8_t, 16>& bytes) {
  for (int w = 0; w < 4; ++w) {
    const uint32_t word = v.get_word(w);
    for (int i = 0; i < 4; ++i) bytes[4 * w + i] = static_cast<uint8_t>(word >> (8 * i));
  }
}

}  // namespace

bool operator==(const Frame& a, const Frame& b) { return a.user == b.user && a.data == b.data; }

std::ostream& operator<<(std::ostream& os, const Frame& frame) {
  os << frame.data.size() << " bytes";
  if (frame.user) os << ", tuser";
  return os;
}

IpsecEngineTlm::StreamPins::StreamPins(const std::string& port)
    : tvalid((port + "_tvalid").c_str()),
      tready((port + "_tready").c_str()),
      tlast((port + "_tlast").c_str()),
      tuser((port + "_tuser").c_str()),
      tkeep((port + "_tkeep").c_str()),
      tdata((port + "_tdata").c_str()) {}

IpsecEngineTlm::IpsecEngineTlm(sc_core::sc_module_name name, EngineTlmOptions options)
    : sc_module(name),
      regs("regs"),
      host_tx_in("host_tx_in"),
      wire_tx_out("wire_tx_out"),
      wire_rx_in("wire_rx_in"),
      host_rx_out("host_rx_out"),
      irq("irq"),
      options_(options),
      clk_("clk", options.clock_period),
      rst_n_("rst_n"),
      awvalid_("s_axil_awvalid"), awready_("s_axil_awready"), wvalid_("s_axil_wvalid"),
      wready_("s_axil_wready"), bvalid_("s_axil_bvalid"), bready_("s_axil_bready"),
      arvalid_("s_axil_arvalid"), arready_("s_axil_arready"), rvalid_("s_axil_rvalid"),
      rready_("s_axil_rready"), awaddr_("s_axil_awaddr"), awprot_("s_axil_awprot"),
      wdata_("s_axil_wdata"), wstrb_("s_axil_wstrb"), bresp_("s_axil_bresp"),
      araddr_("s_axil_araddr"), arprot_("s_axil_arprot"), rdata_("s_axil_rdata"),
      rresp_("s_axil_rresp"),
      host_tx_("host_tx"),
      wire_tx_("wire_tx"),
      wire_rx_("wire_rx"),
      host_rx_("host_rx"),
      rtl_(std::make_unique<Vipsec_engine_sc>("rtl")),
      host_tx_src_(options.seed * 4 + 1, options.stall_percent),
      wire_rx_src_(options.seed * 4 + 2, options.stall_percent),
      wire_tx_sink_(options.seed * 4 + 3, options.stall_percent),
      host_rx_sink_(options.seed * 4 + 4, options.stall_percent) {
  Vipsec_engine_sc& m = *rtl_;
  m.clk_i(clk_);
  m.rst_ni(rst_n_);
  m.s_axil_awready_o(awready_);
  m.s_axil_awvalid_i(awvalid_);
  m.s_axil_awaddr_i(awaddr_);
  m.s_axil_awprot_i(awprot_);
  m.s_axil_wready_o(wready_);
  m.s_axil_wvalid_i(wvalid_);
  m.s_axil_wdata_i(wdata_);
  m.s_axil_wstrb_i(wstrb_);
  m.s_axil_bready_i(bready_);
  m.s_axil_bvalid_o(bvalid_);
  m.s_axil_bresp_o(bresp_);
  m.s_axil_arready_o(arready_);
  m.s_axil_arvalid_i(arvalid_);
  m.s_axil_araddr_i(araddr_);
  m.s_axil_arprot_i(arprot_);
  m.s_axil_rready_i(rready_);
  m.s_axil_rvalid_o(rvalid_);
  m.s_axil_rdata_o(rdata_);
  m.s_axil_rresp_o(rresp_);

  m.host_tx_tvalid_i(host_tx_.tvalid);
  m.host_tx_tready_o(host_tx_.tready);
  m.host_tx_tdata_i(host_tx_.tdata);
  m.host_tx_tkeep_i(host_tx_.tkeep);
  m.host_tx_tlast_i(host_tx_.tlast);
  m.host_tx_tuser_i(host_tx_.tuser);

  m.wire_tx_tvalid_o(wire_tx_.tvalid);
  m.wire_tx_tready_i(wire_tx_.tready);
  m.wire_tx_tdata_o(wire_tx_.tdata);
  m.wire_tx_tkeep_o(wire_tx_.tkeep);
  m.wire_tx_tlast_o(wire_tx_.tlast);
  m.wire_tx_tuser_o(wire_tx_.tuser);

  m.wire_rx_tvalid_i(wire_rx_.tvalid);
  m.wire_rx_tready_o(wire_rx_.tready);
  m.wire_rx_tdata_i(wire_rx_.tdata);
  m.wire_rx_tkeep_i(wire_rx_.tkeep);
  m.wire_rx_tlast_i(wire_rx_.tlast);
  m.wire_rx_tuser_i(wire_rx_.tuser);

  m.host_rx_tvalid_o(host_rx_.tvalid);
  m.host_rx_tready_i(host_rx_.tready);
  m.host_rx_tdata_o(host_rx_.tdata);
  m.host_rx_tkeep_o(host_rx_.tkeep);
  m.host_rx_tlast_o(host_rx_.tlast);
  m.host_rx_tuser_o(host_rx_.tuser);

  m.irq_o(irq);

  regs.register_b_transport(this, &IpsecEngineTlm::b_transport);

  SC_HAS_PROCESS(IpsecEngineTlm);
  SC_THREAD(reset_thread);
  SC_METHOD(on_clock);
  sensitive << clk_.posedge_event();
  dont_initialize();
}

IpsecEngineTlm::~IpsecEngineTlm() { rtl_->final(); }

// ---- Clock and reset -----------------------------------------------------------------------

void IpsecEngineTlm::reset_thread() {
  rst_n_.write(false);
  for (unsigned i = 0; i < options_.reset_clocks; ++i) wait(clk_.posedge_event());
  rst_n_.write(true);
  out_of_reset_ = true;
  reset_done_.notify(sc_core::SC_ZERO_TIME);
}

// ---- Register socket -----------------------------------------------------------------------

void IpsecEngineTlm::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (delay > sc_core::SC_ZERO_TIME) {
    wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  trans.set_dmi_allowed(false);
  const tlm::tlm_command cmd = trans.get_command();
  if (cmd == tlm::TLM_IGNORE_COMMAND) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  const uint64_t addr = trans.get_address();
  if (addr >= kRegisterBytes || addr % 4 != 0) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const unsigned width = trans.get_streaming_width();
  if (trans.get_data_length() != 4 || (width != 0 && width < 4)) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  // Byte enables become write strobes; a read returns the enabled bytes only.
  uint32_t strobe = 0xF;
  if (const uint8_t* be = trans.get_byte_enable_ptr()) {
    const unsigned be_len = trans.get_byte_enable_length();
    if (be_len == 0) {
      trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
      return;
    }
    strobe = 0;
    for (unsigned i = 0; i < 4; ++i) {
      if (be[i % be_len] == TLM_BYTE_ENABLED) strobe |= 1u << i;
    }
  }
  uint8_t* ptr = trans.get_data_ptr();

  bus_mutex_.lock();
  if (!out_of_reset_) wait(reset_done_);
  unsigned resp;
  uint32_t data = 0;
  if (cmd == tlm::TLM_WRITE_COMMAND) {
    std::memcpy(&data, ptr, 4);  // host byte order, as a 32-bit register
    resp = axil_write(static_cast<uint32_t>(addr), data, strobe);
  } else {
    resp = axil_read(static_cast<uint32_t>(addr), data);
    if (resp == kAxiOkay) {
      uint8_t bytes[4];
      std::memcpy(bytes, &data, 4);
      for (unsigned i = 0; i < 4; ++i) {
        if (strobe >> i & 1) ptr[i] = bytes[i];
      }
    }
  }
  bus_mutex_.unlock();

  switch (resp) {
    case kAxiOkay: trans.set_response_status(tlm::TLM_OK_RESPONSE); break;
    case kAxiDecErr: trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE); break;
    case kAxiSlvErr:
    default: trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE); break;  // 1 EXOKAY is not AXI4-Lite
  }
}

// The pins are sampled at the rising edge (what sc_signal::read() returns in the delta of
// the edge is the value before it, as a flop sees it); new values are written after it.
// A transaction starts in the delta of a rising edge: written earlier in a time step whose
// edge is still to come, the new values would race the RTL's own sampling.
void IpsecEngineTlm::align_to_edge() {
  if (!clk_.posedge()) wait(clk_.posedge_event());
}

void IpsecEngineTlm::next_edge(uint32_t& waited, const char* what, uint32_t addr,
                               const char* signal) {
  wait(clk_.posedge_event());
  if (++waited > options_.axil_timeout_cycles) {
    awvalid_.write(false);
    wvalid_.write(false);
    bready_.write(false);
    arvalid_.write(false);
    rready_.write(false);
    char text[160];
    std::snprintf(text, sizeof text, "AXI4-Lite %s of 0x%03x: no %s from the engine within %u clocks",
                  what, static_cast<unsigned>(addr), signal,
                  static_cast<unsigned>(options_.axil_timeout_cycles));
    SC_REPORT_ERROR(name(), text);
  }
}

unsigned IpsecEngineTlm::axil_write(uint32_t addr, uint32_t data, uint32_t strobe) {
  ++bus_writes_;
  align_to_edge();
  awaddr_.write(addr);
  awprot_.write(0);
  wdata_.write(data);
  wstrb_.write(strobe);
  awvalid_.write(true);
  wvalid_.write(true);
  bool aw_done = false, w_done = false;
  uint32_t waited = 0;
  while (!aw_done || !w_done) {
    next_edge(waited, "write", addr, "AWREADY/WREADY");
    if (!aw_done && awvalid_.read() && awready_.read()) {
      aw_done = true;
      awvalid_.write(false);
    }
    if (!w_done && wvalid_.read() && wready_.read()) {
      w_done = true;
      wvalid_.write(false);
    }
  }
  bready_.write(true);
  waited = 0;
  for (;;) {
    next_edge(waited, "write", addr, "BVALID");
    if (bvalid_.read()) {
      bready_.write(false);
      return bresp_.read() & 3u;
    }
  }
}

unsigned IpsecEngineTlm::axil_read(uint32_t addr, uint32_t& data) {
  ++bus_reads_;
  align_to_edge();
  araddr_.write(addr);
  arprot_.write(0);
  arvalid_.write(true);
  uint32_t waited = 0;
  for (;;) {
    next_edge(waited, "read", addr, "ARREADY");
    if (arready_.read()) break;
  }
  arvalid_.write(false);
  rready_.write(true);
  waited = 0;
  for (;;) {
    next_edge(waited, "read", addr, "RVALID");
    if (rvalid_.read()) {
      rready_.write(false);
      data = rdata_.read();
      return rresp_.read() & 3u;
    }
  }
}

// ---- Frame ports ---------------------------------------------------------------------------

void IpsecEngineTlm::on_clock() {
  ++cycles_;
  if (!rst_n_.read()) return;  // valid and ready stay low
  bool moved = service_source(host_tx_, host_tx_src_, host_tx_in, count_[kHostTx]);
  moved |= service_source(wire_rx_, wire_rx_src_, wire_rx_in, count_[kWireRx]);
  moved |= service_sink(wire_tx_, wire_tx_sink_, wire_tx_out, count_[kWireTx]);
  moved |= service_sink(host_rx_, host_rx_sink_, host_rx_out, count_[kHostRx]);
  if (moved) last_activity_ = cycles_;
}

bool IpsecEngineTlm::service_source(StreamPins& pins, sim::FrameSource& source,
                                    sc_core::sc_fifo_in<Frame>& in, PortCount& count) {
  const bool fired = pins.tvalid.read() && pins.tready.read();
  if (fired) {
    ++count.beats;
    if (source.beat().last) ++count.frames;
    source.taken();
  }
  // One frame at a time leaves the FIFO, so a full FIFO is the engine's back-pressure.
  if (source.idle()) {
    Frame frame;
    if (in->nb_read(frame)) source.push(frame.data, frame.user, frame.gap);
  }
  const bool valid = source.valid();
  pins.tvalid.write(valid);
  if (valid) {
    const sim::Beat& b = source.beat();
    pins.tdata.write(to_tdata(b.data));
    pins.tkeep.write(b.keep);
    pins.tlast.write(b.last);
    pins.tuser.write(b.user);
  }
  return fired;
}

bool IpsecEngineTlm::service_sink(StreamPins& pins, sim::FrameSink& sink,
                                  sc_core::sc_fifo_out<Frame>& out, PortCount& count) {
  const bool fired = pins.tvalid.read() && pins.tready.read();
  if (fired) {
    sim::Beat b;
    from_tdata(pins.tdata.read(), b.data);
    b.keep = static_cast<uint16_t>(pins.tkeep.read());
    b.last = pins.tlast.read();
    ++count.beats;
    if (sink.take(b)) {
      ++count.frames;
      Frame frame{std::move(sink.frames().front()), pins.tuser.read()};
      sink.frames().pop_front();
      // tready was high only with room in the FIFO, and only this process writes it.
      if (!out->nb_write(frame)) SC_REPORT_ERROR(name(), "output FIFO full after tready");
    }
  }
  pins.tready.write(out->num_free() > 0 && sink.ready());
  return fired;
}

bool IpsecEngineTlm::inputs_idle() const {
  return host_tx_in->num_available() == 0 && wire_rx_in->num_available() == 0 &&
         host_tx_src_.idle() && wire_rx_src_.idle();
}

void IpsecEngineTlm::wait_until_quiet(uint64_t quiet, uint64_t stuck) {
  const uint64_t start = cycles_;
  for (;;) {
    const uint64_t still = cycles_ - std::max(last_activity_, start);
    const bool idle = inputs_idle();
    if (idle && still >= quiet) return;
    if (!idle && still > stuck) {
      SC_REPORT_ERROR(name(), ("the engine took and gave no beat for " + std::to_string(stuck) +
                               " clocks (clock " + std::to_string(cycles_) + ")")
                                  .c_str());
    }
    wait(static_cast<double>(idle ? quiet - still : quiet) * options_.clock_period);
  }
}

}  // namespace ipsec::systemc
