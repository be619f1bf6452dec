// esp_rx with packet offload (PktOffload = 1) and esp_pkt_life beside it (esp_rx_pkt_top),
// Verilated, driven frame by frame against the reference model with packet offload on
// (model::EngineModel through its registers, testbench/model_tests/packet_fixture.h): SAs
// added to the model by ADD_SA_PKT / ADD_SA_V2 images, the RTL's replay windows and lifetimes
// initialized with the same parameters, every SA lookup answered from the model's SA table
// (the packet mark and the table index with it), wire frames in with random pauses, host
// frames out with random back-pressure, and every output frame and counter pulse checked
// against the model; per-SA counters (PKT_STATS) and events (EVT_*) compared on request.
//
// When the model decides a packet SA's frame. The model splits RX into
// model::rx_packet_verify (the replay check before the ICV) and rx_packet_commit (the
// recheck, the limits, the advance); other frames of the SA may commit in between. The RTL
// checks a frame on the clock its lookup is answered, and commits it 8 clocks before its
// counter pulse (esp_rx_read's decision pipeline: the take at t, the window written at
// t + 5, the counters at t + 13), a check seeing a commit written on an earlier clock. The
// harness replays those events in that order: a frame's verify runs 8 clocks after its
// check (by then every commit written before the check has shown its counters), its commit
// when its counters pulse.
//
// A mismatch, a hang or a stray output throws std::runtime_error naming the frame, the
// first difference and the seed to rerun with.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "axis.h"
#include "esp_packet.h"
#include "packet_fixture.h"

class Vesp_rx_pkt_top;
class VerilatedContext;

namespace ipsec::tb {

class PktRxHarness {
 public:
  PktRxHarness(uint64_t seed, int in_stall, int out_stall);
  ~PktRxHarness();
  PktRxHarness(const PktRxHarness&) = delete;
  PktRxHarness& operator=(const PktRxHarness&) = delete;

  pkt::PacketEngine& engine() { return eng_; }
  // An RX packet SA: ADD_SA_PKT in the model, then the RTL's window, mode and lifetime at the
  // index the model answered. Between streams (after run()).
  uint16_t add_packet_sa(const pkt::SaSpec& s);
  // A crypto-offload SA (ADD_SA_V2 of the same image's first 148 bytes) in the model.
  void add_crypto_sa(const pkt::SaSpec& s);
  // NO_TRAILER and FWD_BAD_FRAMES, for crypto SAs (packet SAs ignore both, P8).
  void set_control(const model::DatapathControl& c);

  void push(const Bytes& frame, bool tuser = false);
  void run(uint64_t max_idle = 20000);

  // PKT_STATS of the index: the RTL's snapshot against the model's (P5).
  void check_sa(uint16_t index);
  // The event queues: popped on both sides, compared entry by entry (P6); EVT_DROP too.
  // Returns the events.
  std::vector<pkt::PacketEngine::Event> check_events();

  const model::DatapathCounters& rtl_counters() const { return rtl_counters_; }
  const model::DatapathCounters& model_counters() const { return model_counters_; }
  size_t frames_out() const { return frames_out_; }
  // Clocks on which the wire offered a beat and esp_rx did not take it.
  uint64_t in_waits() const { return in_waits_; }
  // Clocks from the last frame's last beat in to its first beat out (it must have left).
  uint64_t last_latency() const;
  uint64_t cycles() const { return cycle_; }

 private:
  struct Frame {
    Bytes in;
    bool tuser = false;
    bool pkt = false;          // for a packet SA (model::rx_packet_verify / commit)
    bool verified = false, decided = false;
    model::RxEspFrame esp;
    model::RxPacketPending pend;
    model::FrameResult want;
    model::DatapathCounters counted;
    bool counted_done = false, out_done = false;
    uint64_t in_last_cycle = 0, out_first_cycle = 0;
  };
  struct Lookup {
    uint64_t due;
    size_t frame;
    bool hit = false, pkt = false;
    uint16_t index = 0;
    model::SaContext ctx;
  };
  void tick();
  void idle_clock();
  void verify_due(uint64_t upto);
  void check_pulses(bool in, bool out, bool bypass, bool drop, bool auth);
  void check_output(const Bytes& got);
  [[noreturn]] void fail(const std::string& what) const;

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_rx_pkt_top> dut_;
  FrameSource src_;
  FrameSink sink_;
  pkt::PacketEngine eng_;
  model::DatapathControl ctl_;

  std::vector<Frame> frames_;
  std::deque<size_t> want_count_;           // every frame, in order
  size_t out_scan_ = 0;                     // frames before it have left or have no output
  std::deque<Lookup> lookups_;
  std::deque<std::pair<uint64_t, size_t>> checks_;  // (clock, frame): the RTL's replay checks
  size_t taking_frame_ = 0;
  bool stalled_ = false, moved_ = false, out_mid_ = false;
  Beat stalled_beat_;
  uint64_t cycle_ = 0;
  size_t frames_out_ = 0;
  uint64_t in_waits_ = 0;
  uint64_t out_first_ = 0;  // the clock the frame leaving began
  model::DatapathCounters rtl_counters_, model_counters_;
};

}  // namespace ipsec::tb
