// The registers fuzz target's harness: AXI4-Lite traffic on the whole engine's register
// port (the checking build: assertions on) and the same traffic on the reference model's
// register interface (EngineModel), in lockstep. The RTL is driven by the harness's bus
// master (sim/axil_bus.h) in its pipelined mode, with the random channel order, outstanding
// requests and delays the input asks for. Every read's data and response, every write's
// response, the interrupt line and (at checkpoints) every readable register, the counters
// among them, must agree; an assertion, a hang or a bus protocol error is a finding too.
//
// Register rules: docs/architecture.md, "Register access rules". Commands execute in their
// own time on the RTL and at once on the model, so an access whose answer depends on
// whether a command has finished (CMD_STATUS, INTR_STATUS, RSP_WORD0..7, the counters,
// RSP_POP, the interrupt line) waits, when a doorbell was written since the last time both
// were idle, until the RTL has executed every command it accepted. Everything else,
// doorbells and window writes among them, is issued back to back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bytes.h"

namespace ipsec::fuzz {

using tb::Bytes;

// The input, decoded. Bytes:
//   [0]     the bus master: bits 2:0 x 12: percent of phases delayed (0..84); bit 3: each
//           write's AW and W in random order; bits 5:4 + 1: requests of a kind outstanding
//           (1..4)
//   [1..2]  seed (big-endian) of the master's delays and order and the checking build's X
//           values; the run uses seed + 1
//   [3..]   operations, each an opcode byte: kind = bits 2:0, argument a = bits 7:3
//     0 read         address: 2 bytes, big-endian, bits 11:0 (any: unaligned, unmapped)
//     1 write        address (2 bytes), data (4 bytes, big-endian); WSTRB = a bits 3:0
//     2 doorbell     data (4 bytes) to CMD_DOORBELL: LEN in bits 7:0, any upper bits;
//                    WSTRB = a bits 3:0, and a bit 4 set: 0xF whatever bits 3:0 say
//     3 command      a command image into CMD_WINDOW, 37 word writes: opcode a bits 2:0
//                    (0..5 the contract's, 6 and 7 unknown ones), then one byte choosing the
//                    SA (see sa_command_image); a bit 3: the image's own length is rung on
//                    the doorbell right after; a bit 4: the image is cut to the first
//                    (1 + next byte % 37) words
//     4 window       raw words: first word (1 byte, % 37), count (1 byte, % 16 + 1), then
//                    4 bytes per word, big-endian; WSTRB = a bits 3:0 (0: 0xF)
//     5 RSP_POP      data (4 bytes); WSTRB = a bits 3:0 (0: 0xF)
//     6 checkpoint   both idle, then every readable register and the interrupt line compared
//     7 a bits 1:0:  0: the batch of requests so far is issued (the next ones start a new
//                    pipeline); 1: CONTROL written with a bit 2 (FWD_BAD_FRAMES); 2:
//                    INTR_ENABLE written with a bit 2; 3: (a >> 2) x 8 idle clocks
// At most kMaxRegisterOps operations; the run ends with a checkpoint.
enum class RegOpKind : uint8_t {
  kRead = 0,
  kWrite = 1,
  kDoorbell = 2,
  kCommand = 3,
  kWindow = 4,
  kRspPop = 5,
  kCheckpoint = 6,
  kMisc = 7,
};

struct RegOp {
  RegOpKind kind = RegOpKind::kCheckpoint;
  uint8_t arg = 0;
  uint16_t addr = 0;
  uint32_t data = 0;
  uint8_t sa = 0;          // kCommand: the SA selector byte
  uint8_t cut = 0;         // kCommand with a bit 4: words kept - 1
  uint8_t first_word = 0;  // kWindow
  std::vector<uint32_t> words;  // kWindow
};

struct RegisterInput {
  uint8_t bus = 0;
  uint16_t seed = 0;
  std::vector<RegOp> ops;
};

constexpr size_t kMaxRegisterOps = 256;

RegisterInput decode_register_input(const uint8_t* data, size_t size);
Bytes encode_register_input(const RegisterInput& in);
std::string describe(const RegisterInput& in);

// The command image of opcode `opcode` (contract section 3; 148 bytes, the window's size)
// for the SA chosen by `sa`: bit 0 TX, bit 1 IPv6, bits 3:2 one of four address and SPI
// pairs, bit 4 AES-256, bit 5 ESN_EN, bit 6 ESN_OVERLAP, bit 7 a broken image (enc_mode 2
// and the SA_VALID flag missing). The handle and key follow from `sa`. SET_CAP (opcode 5)
// asks for the flags in bits 1:0 of `sa`. The unknown opcodes carry the SA image with opcode
// word 6 + `sa` (6) or 0xFFFFFFFF - `sa` (7).
Bytes sa_command_image(uint8_t opcode, uint8_t sa);
// The doorbell length of an opcode (0..5): 132, 132, 148, 148, 148, 32; 148 for others.
uint32_t command_length(uint8_t opcode);

// Runs one input on a fresh engine and model; a divergence is a finding (fuzz_target.h).
void run_register_input(const RegisterInput& in);

// Clocks the RTL may take to execute every command it accepted before it counts as hung.
constexpr uint64_t kSettleClocks = 20000;

}  // namespace ipsec::fuzz
