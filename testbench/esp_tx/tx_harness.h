// Drives the Verilated esp_tx (host to wire) clock by clock: frames in with random pauses,
// the wire side with random back-pressure, SA lookups served from a table with the RTL's
// fixed latency, and every output frame and counter pulse checked against the reference
// model in order. A frame leaving with tuser set is one the MAC discards: a drop.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "axis.h"
#include "esp_model.h"

class VerilatedContext;
class Vesp_tx;

namespace ipsec::tb {

class TxHarness {
 public:
  TxHarness(uint64_t seed, int in_stall, int out_stall, model::SaTable sas);
  ~TxHarness();

  // Queues a frame and what the model says of it.
  void send(const Bytes& frame, bool tuser = false, const std::string& what = "");
  // Clocks until everything sent has come out (or was dropped); fails on a mismatch.
  void run();

  uint64_t cycles() const { return cycles_; }
  const model::DatapathCounters& rtl_counters() const { return rtl_; }
  const model::DatapathCounters& model_counters() const { return model_; }
  uint64_t frames_out() const { return frames_out_; }
  uint64_t bytes_out() const { return bytes_out_; }
  // Clock of the first input beat taken and of the first output beat, for latency.
  uint64_t first_in_cycle() const { return first_in_; }
  uint64_t first_out_cycle() const { return first_out_; }
  uint64_t last_out_cycle() const { return last_out_; }
  // Per frame, in order: the clocks its first and its last beat were taken, and for each
  // frame that left (tuser clear) the clock its first beat left. When every frame leaves,
  // entry i of each belongs to the same frame.
  const std::vector<uint64_t>& frame_in_cycles() const { return frame_in_; }
  const std::vector<uint64_t>& frame_in_last_cycles() const { return frame_in_last_; }
  const std::vector<uint64_t>& frame_out_cycles() const { return frame_out_; }
  // Sum over the frames sent of the larger of their input and output beats.
  uint64_t busy_beats() const { return busy_beats_; }
  // Clocks with tvalid low inside a frame (its first beat taken, its last not yet): on the
  // input, the pauses the source made; on the output, gaps the wire would underrun on.
  uint64_t in_gap_clocks() const { return in_gaps_; }
  uint64_t out_gap_clocks() const { return out_gaps_; }

 private:
  bool tick();
  void drive_lookup();

  struct Expect {
    Bytes frame;
    std::string what;
  };

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vesp_tx> dut_;
  model::SaTable sas_;
  model::SaLookup lookup_;
  FrameSource src_;
  FrameSink sink_;
  std::deque<Expect> expect_;
  std::deque<std::pair<uint64_t, model::SaKey>> lookups_;  // requested at clock, key
  model::DatapathCounters rtl_, model_;
  uint64_t cycles_ = 0, frames_out_ = 0, bytes_out_ = 0, aborted_ = 0;
  uint64_t first_in_ = 0, first_out_ = 0, last_out_ = 0, busy_beats_ = 0;
  uint64_t in_gaps_ = 0, out_gaps_ = 0;
  bool out_user_ = false;
  bool in_mid_ = false;              // an input frame has begun and not ended
  uint64_t out_frame_first_ = 0;     // clock of the first beat of the frame leaving
  std::vector<uint64_t> frame_in_, frame_in_last_, frame_out_;
};

}  // namespace ipsec::tb
