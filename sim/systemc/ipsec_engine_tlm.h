// The engine as a SystemC TLM-2.0 component: the Verilated RTL (Vipsec_engine_sc, the same
// RTL and Verilator settings as the C++ model) with its clock and reset, a TLM-2.0 target
// socket for the 4 KiB register space whose b_transport runs the AXI4-Lite transaction on
// the pins, the four frame ports as FIFOs of whole frames (sent and collected beat by beat
// on the AXI4-Stream pins) and the interrupt line. docs/systemc.md shows how to use it.
//
// Register socket (32-bit accesses, address within 4 KiB, aligned):
//   AXI OKAY   -> TLM_OK_RESPONSE
//   AXI SLVERR -> TLM_GENERIC_ERROR_RESPONSE (the engine's answer to an unmapped register, a
//                 write to a read-only one, a read of a write-only one)
//   AXI DECERR -> TLM_ADDRESS_ERROR_RESPONSE
//   outside 4 KiB or unaligned -> TLM_ADDRESS_ERROR_RESPONSE, length other than 4 ->
//   TLM_BURST_ERROR_RESPONSE; neither reaches the pins.
// b_transport is blocking and takes simulated time: it first waits the annotated delay
// (and returns it zeroed), then drives the transaction clock by clock; the time it returns
// at is when the RTL answered. It must be called from an SC_THREAD.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "engine_clock.h"
#include "stream_port.h"

class Vipsec_engine_sc;

namespace ipsec::systemc {

// A whole frame on one of the four ports.
struct Frame {
  std::vector<uint8_t> data;
  // tuser on the last beat. In: a frame error from the MAC. Out: on wire TX the MAC
  // discards the frame.
  bool user = false;
  // Input ports only: idle clocks the port keeps after the frame's last beat (a paced
  // source, as sim::EngineSim::wire_rx's `gap`). Not part of the frame, so not compared.
  uint32_t gap = 0;
};
bool operator==(const Frame& a, const Frame& b);
inline bool operator!=(const Frame& a, const Frame& b) { return !(a == b); }
// "<n> bytes[, tuser]": what sc_fifo prints of its content.
std::ostream& operator<<(std::ostream& os, const Frame& frame);

struct EngineTlmOptions {
  // The nominal clock (engine_clock.h): 3.2 ns, 312.5 MHz.
  sc_core::sc_time clock_period = sc_core::sc_time(static_cast<double>(sim::kClockPeriodPs), sc_core::SC_PS);
  unsigned reset_clocks = 4;       // rst_ni low for this many rising edges from time 0
  uint64_t seed = 1;               // of the random stalls
  int stall_percent = 0;           // random pauses of every stream source and sink, 0..95
  uint32_t axil_timeout_cycles = 1000;  // clocks an AXI4-Lite phase may wait for the RTL
};

// Traffic seen on one port.
struct PortCount {
  uint64_t frames = 0;
  uint64_t beats = 0;
};

class IpsecEngineTlm : public sc_core::sc_module {
 public:
  static constexpr uint32_t kRegisterBytes = 4096;

  // The register space (AXI4-Lite slave).
  tlm_utils::simple_target_socket<IpsecEngineTlm> regs;
  // Frames from the NIC (host TX) and from the network (wire RX), and out to the network
  // (wire TX) and to the NIC (host RX). An output FIFO that is full holds the port's
  // tready low, as a MAC that cannot take more would.
  sc_core::sc_fifo_in<Frame> host_tx_in;
  sc_core::sc_fifo_out<Frame> wire_tx_out;
  sc_core::sc_fifo_in<Frame> wire_rx_in;
  sc_core::sc_fifo_out<Frame> host_rx_out;
  // A command response is waiting (irq_o); bind it to an sc_signal<bool>.
  sc_core::sc_out<bool> irq;

  explicit IpsecEngineTlm(sc_core::sc_module_name name, EngineTlmOptions options = {});
  ~IpsecEngineTlm() override;
  IpsecEngineTlm(const IpsecEngineTlm&) = delete;
  IpsecEngineTlm& operator=(const IpsecEngineTlm&) = delete;

  const sc_core::sc_clock& clock() const { return clk_; }
  sc_core::sc_time clock_period() const { return options_.clock_period; }
  // Rising clock edges so far.
  uint64_t cycles() const { return cycles_; }
  bool in_reset() const { return !out_of_reset_; }

  // From an SC_THREAD: returns once every frame written to the input FIFOs has entered the
  // engine and no beat has moved on any port for `quiet` clocks. Reports an SC_ERROR when
  // input waits and nothing has moved for `stuck` clocks.
  void wait_until_quiet(uint64_t quiet = 256, uint64_t stuck = 100000);

  const PortCount& host_tx_count() const { return count_[kHostTx]; }
  const PortCount& wire_rx_count() const { return count_[kWireRx]; }
  const PortCount& wire_tx_count() const { return count_[kWireTx]; }
  const PortCount& host_rx_count() const { return count_[kHostRx]; }
  // Register transactions that reached the pins.
  uint64_t bus_reads() const { return bus_reads_; }
  uint64_t bus_writes() const { return bus_writes_; }

 private:
  enum Port { kHostTx, kWireRx, kWireTx, kHostRx };

  // The pins of one AXI4-Stream port (128-bit tdata, frame byte 0 in [7:0]).
  struct StreamPins {
    explicit StreamPins(const std::string& port);
    sc_core::sc_signal<bool> tvalid, tready, tlast, tuser;
    sc_core::sc_signal<uint32_t> tkeep;
    sc_core::sc_signal<sc_dt::sc_bv<128>> tdata;
  };

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned axil_write(uint32_t addr, uint32_t data, uint32_t strobe);  // the AXI response
  unsigned axil_read(uint32_t addr, uint32_t& data);
  void align_to_edge();
  // Waits for the next rising edge; fails after axil_timeout_cycles of waiting in one phase.
  void next_edge(uint32_t& waited, const char* what, uint32_t addr, const char* signal);

  void reset_thread();
  // At every rising edge: the beats that moved at that edge, then what the four ports
  // present until the next one.
  void on_clock();
  bool service_source(StreamPins& pins, sim::FrameSource& source, sc_core::sc_fifo_in<Frame>& in,
                      PortCount& count);
  bool service_sink(StreamPins& pins, sim::FrameSink& sink, sc_core::sc_fifo_out<Frame>& out,
                    PortCount& count);
  bool inputs_idle() const;

  EngineTlmOptions options_;
  sc_core::sc_clock clk_;
  sc_core::sc_signal<bool> rst_n_;
  sc_core::sc_event reset_done_;
  bool out_of_reset_ = false;
  sc_core::sc_mutex bus_mutex_;

  // AXI4-Lite pins.
  sc_core::sc_signal<bool> awvalid_, awready_, wvalid_, wready_, bvalid_, bready_;
  sc_core::sc_signal<bool> arvalid_, arready_, rvalid_, rready_;
  sc_core::sc_signal<uint32_t> awaddr_, awprot_, wdata_, wstrb_, bresp_;
  sc_core::sc_signal<uint32_t> araddr_, arprot_, rdata_, rresp_;

  StreamPins host_tx_, wire_tx_, wire_rx_, host_rx_;
  std::unique_ptr<Vipsec_engine_sc> rtl_;

  sim::FrameSource host_tx_src_, wire_rx_src_;
  sim::FrameSink wire_tx_sink_, host_rx_sink_;
  std::array<PortCount, 4> count_{};
  uint64_t cycles_ = 0;
  uint64_t last_activity_ = 0;
  uint64_t bus_reads_ = 0, bus_writes_ = 0;
};

}  // namespace ipsec::systemc
