// esp_rx, Verilated, driven frame by frame: wire frames in (with random pauses), host frames
// out (with random back-pressure), SA lookups served from a table with exactly
// sadb_pkg::LookupLatency clocks, and every output frame and every counter pulse checked
// against the reference model (ipsec::model::rx) as it happens.
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
#include "esp_model.h"

class Vesp_rx;
class VerilatedContext;

namespace ipsec::tb {

// One frame pushed into esp_rx: what the model expects, and what the RTL did, in clocks.
struct RxFrame {
  Bytes in;
  bool tuser = false;
  model::FrameResult want;          // the model's verdict and output frame
  model::DatapathCounters counted;  // the counters this frame must move
  size_t in_beats = 0, out_beats = 0;
  uint64_t in_first_cycle = 0, in_last_cycle = 0;    // clocks its first / last beat was taken
  uint64_t out_first_cycle = 0, out_last_cycle = 0;  // same for its output, if any
  bool counted_done = false, out_done = false;
  bool done() const { return counted_done && (out_done || !want.out); }
  uint64_t latency() const { return out_first_cycle - in_last_cycle; }  // last in, first out
};

class EspRxHarness {
 public:
  // Stall percentages: how often the wire source pauses and the host sink refuses a beat.
  EspRxHarness(uint64_t seed, int in_stall, int out_stall);
  ~EspRxHarness();
  EspRxHarness(const EspRxHarness&) = delete;
  EspRxHarness& operator=(const EspRxHarness&) = delete;

  // The SA table. Frames pushed after a change see the changed table, frames pushed before
  // see it as it was (the lookup of each frame is served from the table of its push).
  model::SaTable& sa_table();
  // The trailer and debug controls. The engine samples them when a frame leaves, so a
  // change first lets every pushed frame leave.
  void set_control(const model::DatapathControl& ctl);
  const model::DatapathControl& control() const { return ctl_; }

  // Queues a wire frame (tuser: a MAC error on its last beat) and the model's verdict on it.
  void push(const Bytes& frame, bool tuser = false);
  // Clocks until every pushed frame has left or been counted; then a few more, in which
  // nothing may come out. Throws on a mismatch or when nothing moves for `max_idle` clocks.
  void run(uint64_t max_idle = 20000);
  // One clock.
  void tick();
  // Holds reset for a few clocks, forgets every frame in flight (the engine drops them),
  // keeps the SA table and the controls.
  void reset();

  uint64_t cycles() const { return cycle_; }
  const std::vector<RxFrame>& frames() const { return frames_; }
  const model::DatapathCounters& rtl_counters() const { return rtl_counters_; }
  const model::DatapathCounters& model_counters() const { return model_counters_; }

 private:
  struct Lookup {
    uint64_t due;
    bool hit;
    model::SaContext ctx;
  };
  void serve_lookup();
  void check_output(const Bytes& got);
  void check_pulses(bool in, bool out, bool bypass, bool drop, bool auth);
  [[noreturn]] void fail(const std::string& what) const;

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_rx> dut_;
  uint64_t seed_;
  int in_stall_, out_stall_;
  FrameSource src_;
  FrameSink sink_;
  model::DatapathControl ctl_;
  model::SaTable sas_;
  std::shared_ptr<const model::SaTable> snapshot_;  // the table as of the last push
  bool sas_dirty_ = true;
  std::vector<std::shared_ptr<const model::SaTable>> table_of_frame_;
  std::vector<std::optional<model::SaKey>> model_key_of_frame_;

  std::vector<RxFrame> frames_;
  size_t first_live_ = 0;              // frames before it are forgotten by a reset
  std::deque<size_t> want_out_;        // frames with an output, in order
  std::deque<size_t> want_count_;      // every frame, in order
  std::deque<Lookup> lookups_;
  size_t taking_frame_ = 0;            // input frame of the beat taken last
  bool in_mid_ = false, out_mid_ = false;
  bool stalled_ = false;               // a beat was offered and not taken last clock
  Beat stalled_beat_;
  bool moved_ = false;                 // a beat in or out, or a frame counted, last clock
  uint64_t cycle_ = 0;
  model::DatapathCounters rtl_counters_, model_counters_;
};

}  // namespace ipsec::tb
