// Fuzz target "registers": random AXI4-Lite traffic on the engine's register port (the
// checking build: assertions on), doorbells and command images among it, against the
// reference model's register interface in lockstep (register_harness.h gives the input's
// layout and the checks). Each input runs on a fresh engine from reset.
//
// IPSEC_FUZZ_WRITE_SEEDS=DIR makes the program write the seed corpus into DIR and exit: one
// input per register rule of docs/architecture.md ("Register access rules") and per command
// path, each checked through the harness first. That is how
// testbench/fuzz/corpus/registers was made.
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "driver/generated/ipsec_regs.h"
#include "fuzz_target.h"
#include "register_harness.h"

namespace {

using ipsec::fuzz::RegisterInput;
using ipsec::fuzz::RegOp;
using ipsec::fuzz::RegOpKind;

// Builders of operations.
RegOp read(uint16_t addr) {
  RegOp o;
  o.kind = RegOpKind::kRead;
  o.addr = addr;
  return o;
}
RegOp write(uint16_t addr, uint32_t data, uint8_t strb = 0xF) {
  RegOp o;
  o.kind = RegOpKind::kWrite;
  o.arg = strb & 0xF;
  o.addr = addr;
  o.data = data;
  return o;
}
RegOp doorbell(uint32_t data, uint8_t strb = 0xF) {
  RegOp o;
  o.kind = RegOpKind::kDoorbell;
  o.arg = strb == 0xF ? 0x10 : strb & 0xF;
  o.data = data;
  return o;
}
// The image of `opcode` for SA selector `sa`; rung with its own length when `ring`.
RegOp command(uint8_t opcode, uint8_t sa, bool ring = true) {
  RegOp o;
  o.kind = RegOpKind::kCommand;
  o.arg = static_cast<uint8_t>(opcode | (ring ? 8 : 0));
  o.sa = sa;
  return o;
}
RegOp pop(uint32_t data = 1, uint8_t strb = 0xF) {
  RegOp o;
  o.kind = RegOpKind::kRspPop;
  o.arg = strb & 0xF;
  o.data = data;
  return o;
}
RegOp checkpoint() { return RegOp{}; }
RegOp misc(uint8_t arg) {
  RegOp o;
  o.kind = RegOpKind::kMisc;
  o.arg = arg;
  return o;
}
RegOp window(uint8_t first, std::vector<uint32_t> words, uint8_t strb = 0) {
  RegOp o;
  o.kind = RegOpKind::kWindow;
  o.arg = strb & 0xF;
  o.first_word = first;
  o.words = std::move(words);
  return o;
}
// The response read and popped.
void take_response(std::vector<RegOp>& ops) {
  ops.push_back(read(IPSEC_REGS_CMD_STATUS_OFFSET));
  ops.push_back(read(IPSEC_REGS_RSP_WORD0_OFFSET));
  ops.push_back(read(IPSEC_REGS_RSP_WORD1_OFFSET));
  ops.push_back(pop());
}

struct Seed {
  const char* name;
  uint8_t bus;
  std::function<std::vector<RegOp>()> ops;
};

const std::vector<Seed>& seeds() {
  static const std::vector<Seed> s = {
      {"identity-and-capabilities", 0x00,
       [] {
         std::vector<RegOp> o;
         for (uint16_t a = 0; a <= 0x3C; a += 4) o.push_back(read(a));
         return o;
       }},
      {"unaligned-and-unmapped", 0x31,
       [] {
         return std::vector<RegOp>{read(0x043), read(0x001), read(0x053), read(0x102), read(0x018), read(0x04C),
                                   read(0x080), read(0x194), read(0x270), read(0xFFF), write(0x000, 1),
                                   write(0x054, 7), write(0x102, 0x12345678), write(0x2FC, 1), write(0x07D, 3)};
       }},
      {"add-v2-then-delete", 0x00,
       [] {
         std::vector<RegOp> o{command(2, 0x01)};
         take_response(o);
         o.push_back(command(2, 0x22));
         take_response(o);
         o.push_back(command(3, 0x01));
         take_response(o);
         o.push_back(read(0x248));
         o.push_back(read(0x24C));
         return o;
       }},
      {"add-v1-mod-set-cap", 0x2A,
       [] {
         std::vector<RegOp> o{command(0, 0x04), command(4, 0x24), command(0, 0x20), command(5, 0x01)};
         for (int i = 0; i < 4; ++i) take_response(o);
         o.push_back(read(IPSEC_REGS_CONTROL_OFFSET));
         return o;
       }},
      {"duplicate-unknown-and-broken", 0x18,
       [] {
         return std::vector<RegOp>{command(2, 0x08), command(2, 0x08), command(1, 0x0C), command(2, 0x88),
                                   command(6, 0x03), command(7, 0x00), checkpoint()};
       }},
      {"doorbell-lengths", 0x0B,
       [] {
         std::vector<RegOp> o;
         const uint32_t lens[] = {0, 3, 4, 31, 33, 131, 133, 147, 149, 255, 0x194, 0xFFFFFF94};
         for (uint32_t len : lens) {
           o.push_back(command(2, 0x11, false));
           o.push_back(doorbell(len));
           o.push_back(read(IPSEC_REGS_RSP_WORD0_OFFSET));
           o.push_back(pop());
         }
         return o;
       }},
      {"queue-overrun", 0x39,
       [] {
         std::vector<RegOp> o;
         for (int i = 0; i < 10; ++i) o.push_back(command(5, 0x00));
         o.push_back(read(IPSEC_REGS_CMD_STATUS_OFFSET));
         o.push_back(read(0x268));
         o.push_back(read(0x26C));
         for (int i = 0; i < 9; ++i) o.push_back(pop());
         return o;
       }},
      {"byte-strobes", 0x1C,
       [] {
         return std::vector<RegOp>{write(IPSEC_REGS_CONTROL_OFFSET, 2, 0xE), read(IPSEC_REGS_CONTROL_OFFSET),
                                   write(IPSEC_REGS_CONTROL_OFFSET, 2, 0x1), read(IPSEC_REGS_CONTROL_OFFSET),
                                   write(IPSEC_REGS_INTR_ENABLE_OFFSET, 0, 0x0), write(0x046, 0, 0x1),
                                   command(2, 0x05, false), doorbell(148, 0x2), doorbell(148, 0x0),
                                   read(IPSEC_REGS_CMD_STATUS_OFFSET), window(0, {0x00000002}, 0x8),
                                   window(30, {0x01000000, 0x2000000, 0x12345678}, 0x5), doorbell(0x100 | 148, 0x1),
                                   pop(1, 0xE), pop(0xFFFFFFFE), read(IPSEC_REGS_RSP_WORD0_OFFSET), pop(1, 0x1),
                                   write(0x100, 0xFFFFFFFF, 0x0)};
       }},
      {"interrupt-enable", 0x05,
       [] {
         return std::vector<RegOp>{command(2, 0x02), misc(3 << 2 | 3), misc(2),        // enable off
                                   read(IPSEC_REGS_INTR_STATUS_OFFSET), misc(2 | 4),  // on
                                   read(IPSEC_REGS_INTR_ENABLE_OFFSET), pop(), read(IPSEC_REGS_INTR_STATUS_OFFSET),
                                   misc(1 | 4), read(IPSEC_REGS_CONTROL_OFFSET), misc(1)};
       }},
      {"window-rewritten-behind-doorbell", 0x3E,
       [] {
         std::vector<RegOp> o{command(2, 0x13), command(3, 0x13, false), doorbell(148)};
         // Behind the doorbell, in the same pipeline: the next image.
         o.push_back(window(0, {0x00000002, 0x01020304, 0x05060708}));
         o.push_back(doorbell(148));
         o.push_back(misc(0));
         for (int i = 0; i < 3; ++i) take_response(o);
         o.push_back(checkpoint());
         return o;
       }},
      {"cut-images", 0x27,
       [] {
         std::vector<RegOp> o;
         RegOp c = command(2, 0x06);
         c.arg |= 0x10;
         c.cut = 29;  // the image up to the handle: flags and ESN left from before
         o.push_back(c);
         o.push_back(command(0, 0x46));
         take_response(o);
         take_response(o);
         return o;
       }},
  };
  return s;
}

void write_seeds(const std::string& dir) {
  for (const Seed& s : seeds()) {
    RegisterInput in;
    in.bus = s.bus;
    in.seed = 1;
    in.ops = s.ops();
    const ipsec::tb::Bytes b = ipsec::fuzz::encode_register_input(in);
    ipsec::fuzz::run_register_input(ipsec::fuzz::decode_register_input(b.data(), b.size()));
    const std::string name = dir + "/" + s.name;
    std::ofstream(name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    std::cout << name << " (" << b.size() << " bytes)\n";
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("IPSEC_FUZZ_WRITE_SEEDS")) {
    write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ipsec::fuzz::run_register_input(ipsec::fuzz::decode_register_input(data, size));
  return 0;
}
