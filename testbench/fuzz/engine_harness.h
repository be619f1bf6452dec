// The engine fuzz target's harness: the checking build of the whole engine (EngineSim,
// RtlBuild::kChecking: the RTL's assertions on, X values random from a seed) beside the
// reference model (EngineModel), each under its own driver. One input is one run from
// reset: stalls and a seed from its header, then a stream of operations: frames into either
// port (raw bytes or from the stimulus generator), SAs added, deleted and their ESN advanced
// while traffic flows, the debug bit toggled, output ports held, and checkpoints. At each
// checkpoint every frame that left is compared with the model's prediction, in order, port
// by port, and the 14 counters with the model's and with the counting rules of contract
// section 4. Anything else (an assertion, a hang, an exception) is a finding too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bytes.h"
#include "esp_model.h"

namespace ipsec::fuzz {

using tb::Bytes;

// The input, decoded. Bytes:
//   [0]     low nibble: random valid/ready stalls of all four ports, nibble x 5 percent;
//           high nibble: random delays of the register bus master, nibble x 6 percent
//   [1..2]  seed (big-endian) of the stalls, the bus delays and the checking build's random
//           X values; the run uses seed + 1
//   [3]     the SAs added before the first operation: bit i adds SA i of the fixed set of 8
//   [4..]   operations, each an opcode byte: kind = bits 2:0, argument a = bits 7:3
//     0 wire frame   a bit 0: tuser on its last beat; a bits 4:1: x 640 zero bytes appended;
//                    then its length (2 bytes, big-endian, clipped to the bytes left), bytes
//     1 host frame   the same, into the host TX port
//     2 generated    a bit 0: host TX (1) or wire RX (0); a bits 4:1 and one more byte: the
//                    seed of the stimulus generator (RandomFrames over the 8 SAs, live or not),
//                    which makes one frame (good ESP, LSO, plain, every fault class)
//     3 add SA       SA a % 8 (through both drivers; a duplicate is refused by the driver)
//     4 delete SA    SA a % 8, if added
//     5 advance ESN  SA a % 8, if added; two more bytes: the replay state's seq_hi (first)
//                    and the top byte of seq (xdo_dev_state_advance_esn; MOD_SA_V2 if the ESN
//                    state changes)
//     6 control      CONTROL.FWD_BAD_FRAMES = a bit 0
//     7 a = 0: checkpoint; a > 0: hold the output ports of a bits 1:0 (bit 0 wire TX, bit 1
//                    host RX; 0 means both) for ((a >> 2) + 1) x 128 clocks, then release
// At most kMaxOps operations and kMaxFrames frames; the rest of the input is ignored. The run
// ends with a checkpoint.
enum class OpKind : uint8_t {
  kWireFrame = 0,
  kHostFrame = 1,
  kGenerated = 2,
  kAddSa = 3,
  kDeleteSa = 4,
  kAdvanceEsn = 5,
  kControl = 6,
  kCheckpointOrHold = 7,
};

struct EngineOp {
  OpKind kind = OpKind::kCheckpointOrHold;
  uint8_t arg = 0;  // bits 7:3 of the opcode byte
  Bytes frame;      // frames: the bytes (padding included once decoded)
  uint16_t generator_seed = 0;
  uint8_t esn_seq_hi = 0, esn_seq_top = 0;
};

struct EngineInput {
  uint8_t stalls = 0;  // byte 0
  uint16_t seed = 0;
  uint8_t initial_sas = 0;
  std::vector<EngineOp> ops;
};

constexpr size_t kMaxOps = 64;
constexpr size_t kMaxFrames = 32;
constexpr size_t kFixedSas = 8;

EngineInput decode_engine_input(const uint8_t* data, size_t size);
// The bytes that decode to `in` (frames of at most 65,535 bytes, stored unpadded).
Bytes encode_engine_input(const EngineInput& in);
// One line per operation, for a finding's report.
std::string describe(const EngineInput& in);

// The fixed SA set's datapath contexts as the model holds them after adding all 8 (keys,
// salts, ESN; RX handles as the driver gives them when all are added in order): what the
// stimulus generator builds frames for.
const model::SaTable& fixed_sa_table();

// Runs one input from reset on a fresh engine and model and checks it; a broken rule is a
// finding (fuzz_target.h: message, abort).
void run_engine_input(const EngineInput& in);

// Clocks a checkpoint may take at most to drain the frames sent since the last one: beyond
// them, a hang.
constexpr uint64_t kCheckpointClocks = 200000;

}  // namespace ipsec::fuzz
