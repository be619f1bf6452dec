// The Verilated engine (ipsec_engine), clock by clock: its register bus (AXI4-Lite, for
// the driver), its four frame ports with optional random valid/ready stalls, reset, and
// waveform tracing on request. The test benches, the benchmark, ipsec-sim and the C API all
// drive the engine through this class.
//
// Either build of the RTL, chosen when the engine is made (EngineSimOptions::build): the
// fast one (Vipsec_engine) or the checking one (Vipsec_engine_chk: X values random, the
// RTL's assertions on); both are linked into every program that links this library. The
// clock-by-clock code is a template over the Verilated class (engine_sim.cpp, one explicit
// instance per build) behind one virtual call per clock, never one per signal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "axil_bus.h"
#include "register_bus.h"
#include "stream_port.h"

class VerilatedVcdC;

namespace ipsec::sim {

// How long run() waits with no beat crossing a port before it calls the engine idle: longer
// than the engine can work on a frame without moving a beat out. The longest such work is a
// frame of the largest size dropped inside, beat by beat (the packet-offload build's
// decapsulator discards a refused frame behind the RX pipeline's host output: 577 beats at
// 9,216 bytes), behind its own pipeline latency (under 100 clocks): 1,024 clocks.
inline constexpr uint64_t kQuietClocks = 1024;

// Which Verilated build of the RTL an EngineSim runs (sim/CMakeLists.txt).
enum class RtlBuild {
  kFast,      // Vipsec_engine: X resolved the fast way (make bench, ipsec-sim)
  kChecking,  // Vipsec_engine_chk: X values random, assertions on (IPSEC_CHECKING_ARGS)
  // Vipsec_engine_pkt: as the checking build, with full packet offload (PktOffload = 1,
  // docs/packet_offload.md): CAP_FLAGS.PKT_OFFLOAD 1 and the registers of P1, P5 and P6.
  kPacket,
};
const char* to_string(RtlBuild build);

struct EngineSimOptions {
  uint64_t seed = 1;
  int stall_percent = 0;       // random pauses of every source and sink, 0..95
  int axil_delay_percent = 0;  // random delays of the register bus master's phases
  RtlBuild build = RtlBuild::kFast;
  // The register bus master's other options (sim/axil_bus.h): each write's AW/W order at
  // random, and how many requests of a kind the pipelined mode keeps open.
  bool axil_random_order = false;
  unsigned axil_max_outstanding = 4;
  // Verilator's seed for the random values of the checking build (its X values and initial
  // state): the same seed, the same values, so a run reproduces. 0: different each run.
  int x_seed = 0;
  int host_tx_stall_percent = -1;  // the host TX source alone, 0..95; -1: stall_percent
};

// A frame that left the engine.
struct OutFrame {
  Bytes data;
  bool user = false;         // tuser on the last beat: the MAC discards it
  uint64_t first_cycle = 0;  // clock of its first beat
  uint64_t last_cycle = 0;   // clock of its last beat
};

// A frame that entered the engine: the clocks its first and last beat were taken.
struct InFrame {
  uint64_t first_cycle = 0;
  uint64_t last_cycle = 0;
};

// Traffic seen on one port.
struct PortStats {
  uint64_t frames = 0, beats = 0, bytes = 0;
  uint64_t first_cycle = 0, last_cycle = 0;  // of the first and the latest beat
  // Clocks with tvalid low after a frame's first beat was taken and before its last was:
  // on an output port the engine's own gaps inside a frame (a sink's stalls are not
  // counted), on an input port the source's pauses.
  uint64_t gap_clocks = 0;
};

class EngineSim {
 public:
  explicit EngineSim(EngineSimOptions options = {});
  ~EngineSim();
  EngineSim(const EngineSim&) = delete;
  EngineSim& operator=(const EngineSim&) = delete;

  driver::RegisterBus& bus();
  uint64_t bus_writes() const;
  uint64_t bus_reads() const;
  // The bus master beyond RegisterBus (sim/axil_bus.h): a write with byte strobes, and a
  // batch of transactions issued pipelined (up to axil_max_outstanding of a kind open),
  // returned completed in the order given.
  driver::BusStatus write32_strobe(uint32_t addr, uint32_t data, uint8_t strb);
  std::vector<AxiLiteCompletion> transact(const std::vector<AxiLiteCompletion>& requests);

  // Frames into the engine: from the NIC (host TX) and from the network (wire RX).
  void host_tx(const Bytes& frame, bool tuser = false);
  // `gap`: idle clocks on the wire after the frame. The wire RX input is never
  // back-pressured (a frame the engine has no room for is dropped whole and counted), so a
  // source that must lose nothing paces itself: a frame that leaves longer than it came
  // (RX metadata) is followed by as many idle clocks as it gained beats, and the wire then
  // never sends faster than the host port carries.
  void wire_rx(const Bytes& frame, bool tuser = false, uint32_t gap = 0);

  // One clock, every port serviced.
  void tick();
  RtlBuild build() const { return options_.build; }
  // While held, both output ports (wire TX, host RX) refuse every beat (tready low): a
  // stalled consumer. Released, they follow the stall percentage again.
  void hold_outputs(bool hold) { hold_outputs_ = hold; }
  bool outputs_held() const { return hold_outputs_; }
  // One output port alone held the same way (its consumer stalled while the other flows);
  // either hold, this or hold_outputs(), keeps the port's tready low.
  void hold_wire_tx(bool hold) { hold_port_[0] = hold; }
  void hold_host_rx(bool hold) { hold_port_[1] = hold; }
  // Clocks until every queued frame has entered and nothing has left the engine for
  // `quiet` clocks in a row; throws if the engine stops taking input for `stuck` clocks.
  // `progress`, if given, is called every 65,536 clocks.
  void run(uint64_t quiet = kQuietClocks, uint64_t stuck = 100000,
           const std::function<void()>& progress = nullptr);
  // As run(), but stops after at most `limit` clocks: false if the limit came first.
  bool run_limited(uint64_t limit, uint64_t quiet = kQuietClocks, uint64_t stuck = 100000);
  // Asserts reset for `clocks` clocks: frames half sent or half received are lost, as on
  // a real link; the queues of frames not yet started are kept.
  void reset(int clocks = 4);

  // Frames that left, oldest first (the caller pops them).
  std::deque<OutFrame>& wire_tx() { return wire_tx_; }
  std::deque<OutFrame>& host_rx() { return host_rx_; }

  // Frames that entered, oldest first (the caller pops them), kept only while
  // record_inputs(true): the benchmark pairs them with the frames that left for per-frame
  // latency; a long simulation that never pops them must not grow without bound.
  void record_inputs(bool on) { record_inputs_ = on; }
  std::deque<InFrame>& host_tx_in() { return in_frames_[0]; }
  std::deque<InFrame>& wire_rx_in() { return in_frames_[1]; }

  const PortStats& host_tx_stats() const { return in_stats_[0]; }
  const PortStats& wire_rx_stats() const { return in_stats_[1]; }
  const PortStats& wire_tx_stats() const { return out_stats_[0]; }
  const PortStats& host_rx_stats() const { return out_stats_[1]; }
  uint64_t cycles() const { return cycles_; }
  bool inputs_idle() const { return host_tx_src_.idle() && wire_rx_src_.idle(); }
  // Frames queued on an input port not yet wholly entered (nor lost to a reset).
  uint64_t host_tx_waiting() const { return host_tx_src_.frames_queued() - host_tx_src_.frames_sent(); }
  uint64_t wire_rx_waiting() const { return wire_rx_src_.frames_queued() - wire_rx_src_.frames_sent(); }

  // Waveforms: a VCD file of `levels` hierarchy levels (1: the engine's ports, 2: its own
  // signals, 3: its blocks', 4: theirs; 99: all),
  // written only for clocks in [from, to]. Closed (and flushed) by close_trace() or the
  // destructor.
  void open_vcd(const std::string& path, int levels, uint64_t from = 0, uint64_t to = UINT64_MAX);
  // Instead of a clock window: only the clocks while the n-th frame (1, 2, ...; counted on
  // both input ports in the order their first beats enter) is inside the engine, that is
  // from its first beat in to its last beat in plus the time a frame of its length takes
  // to leave (96 clocks and its own beats).
  void trace_frame(uint64_t n);
  void close_trace();
  // Whether this clock goes into the waveform.
  bool tracing() const { return vcd_ && cycles_ >= trace_from_ && cycles_ <= trace_to_; }
  // The clock of the first frame beat taken on an input port while tracing, if any: where a
  // waveform viewer should open (wave_layout.h).
  std::optional<uint64_t> first_traced_beat() const { return first_traced_beat_; }

  // The Verilated model's whole state as raw bytes: every register, memory and signal of
  // the engine. Verilator 5 holds every module instance of a model by value in the model's
  // symbol table object (this build flattens the engine into one, the root), and no state
  // anywhere else, so these bytes are all of it. Read-only, valid until the next clock: for
  // tests that look for what must not be there (docs/architecture.md, "Key hygiene").
  struct StateBytes {
    const uint8_t* data = nullptr;
    size_t size = 0;
  };
  StateBytes state_bytes() const;

 private:
  // The Verilated model, its context and its bus: RtlOf<Model> (engine_sim.cpp) holds them
  // and runs the clocks on this object's ports, statistics and trace window.
  class Rtl;
  template <class Model>
  class RtlOf;

  EngineSimOptions options_;
  FrameSource host_tx_src_, wire_rx_src_;
  FrameSink wire_tx_sink_, host_rx_sink_;
  std::deque<OutFrame> wire_tx_, host_rx_;
  PortStats in_stats_[2], out_stats_[2];
  bool record_inputs_ = false;
  std::deque<InFrame> in_frames_[2];
  uint64_t out_first_[2] = {0, 0};
  bool out_started_[2] = {false, false};
  uint64_t cycles_ = 0;
  uint64_t last_activity_ = 0;
  std::unique_ptr<VerilatedVcdC> vcd_;
  uint64_t trace_from_ = 0, trace_to_ = 0;
  std::optional<uint64_t> first_traced_beat_;
  uint64_t trace_frame_ = 0;             // 0: a clock window instead
  uint64_t frames_started_ = 0;          // frames whose first beat entered, both ports
  int traced_port_ = -1;                 // the input port of the traced frame, once in
  uint64_t traced_beats_ = 0;
  bool port_mid_frame_[2] = {false, false};
  bool hold_outputs_ = false;
  bool hold_port_[2] = {false, false};  // wire TX, host RX
  std::unique_ptr<Rtl> rtl_;  // last: made when the rest is ready, destroyed first
};

}  // namespace ipsec::sim
