// The engine_frames fuzz target's harness: the Verilated whole engine (EngineSim) beside the
// reference model (EngineModel), each under its own driver, with one fixed SA set programmed
// once per process; fuzz inputs become one wire frame and one host frame sent to both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bytes.h"
#include "engine_model.h"
#include "engine_sim.h"
#include "ipsec_device.h"

namespace ipsec::fuzz {

using tb::Bytes;

// One input, decoded. The bytes of an input:
//   [0]     flags: bit 0 the wire frame ends with tuser (MAC error), bit 1 the host frame;
//           bit 2 the control register's FWD_BAD_FRAMES bit is set for this input (failed
//           RX frames go to the host with syndrome 0x12 / 0x17 instead of being dropped)
//   [1..2]  the wire frame's length W, big-endian (clipped to the bytes there are)
//   [3]     padding: (low nibble) x 640 zero bytes appended to the wire frame, (high nibble)
//           x 640 to the host frame; so a short input can make a frame beyond the engine's
//           9,216-byte limit
//   [4..]   W bytes of wire frame, then the host frame (the rest)
// An input shorter than 4 bytes sends nothing; an empty frame is not sent (a MAC never
// delivers one).
struct FramePair {
  Bytes wire, host;
  bool wire_tuser = false, host_tuser = false;
  bool fwd_bad_frames = false;
};
FramePair decode_frames(const uint8_t* data, size_t size);
// The input that decodes to `p` (no padding; frames of at most 65,535 bytes).
Bytes encode_frames(const FramePair& p);

class EngineUnderFuzz {
 public:
  // The engine clock-by-clock and the model, each probed by its own driver, with the fixed
  // SA set added to both. Any refusal is a finding.
  EngineUnderFuzz();
  ~EngineUnderFuzz();

  // Sends the frames to both, runs the RTL until it is idle (a hard clock bound: beyond it,
  // a hang) and checks: what left each port is what the model predicts, each frame left at
  // most once and, if not, was counted dropped; each direction's end counters moved by
  // exactly the frames sent; the command counters did not move; all 14 counters equal the
  // model's. Any broken rule is a finding (fuzz_target.h: message, abort).
  void run(const FramePair& p);

  // The datapath's SAs (keys and contexts), for building frames that match them.
  const model::SaTable& sa_table() const { return table_; }

  // Clocks the hard bound allows one input (both frames) to take.
  static constexpr uint64_t kMaxClocks = 60000;

 private:
  std::vector<uint64_t> hw_counters(driver::IpsecDevice& dev, const char* who);

  sim::EngineSim sim_;
  model::EngineModel model_;
  driver::IpsecDevice dut_, ref_;
  model::SaTable table_;
  void set_fwd_bad_frames(bool on);

  std::vector<uint64_t> last_;  // the RTL's 14 counters after the previous input
  bool fwd_bad_frames_ = false;
};

}  // namespace ipsec::fuzz
