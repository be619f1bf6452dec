// Fuzz target "engine": the whole engine on its checking build (assertions on), under random
// stalls, with frames into both ports while SAs are added, deleted and modified and the debug
// bit toggled; every frame and counter checked against the reference model
// (engine_harness.h gives the input's layout and the checks). Each input runs from reset on
// a fresh engine, so a finding replays alone.
//
// IPSEC_FUZZ_WRITE_SEEDS=DIR (with IPSEC_FUZZ_SEEDS=N, default 12) makes the program write
// the seed corpus into DIR and exit: runs drawn from a seeded generator (the seed is the
// file's number), each checked through the harness first. That is how
// testbench/fuzz/corpus/engine was made.
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include "engine_harness.h"
#include "frames.h"
#include "fuzz_target.h"

namespace {

using ipsec::fuzz::EngineInput;
using ipsec::fuzz::EngineOp;
using ipsec::fuzz::OpKind;

// A run as a user of the engine makes one: SAs at start, traffic both ways (raw frames from
// the stimulus generator, which the fuzzer mutates byte by byte, and generator operations),
// SAs deleted and added again and ESNs advanced while it flows, the debug bit, held ports.
EngineInput seed_input(uint64_t n) {
  std::mt19937_64 rng(n);
  EngineInput in;
  in.stalls = static_cast<uint8_t>(n % 4 == 0 ? 0 : (rng() % 10) | (rng() % 4) << 4);
  in.seed = static_cast<uint16_t>(n);
  in.initial_sas = n % 3 == 0 ? 0xFF : static_cast<uint8_t>(rng());
  ipsec::tb::RandomFrames gen(n, ipsec::fuzz::fixed_sa_table(), {}, 1000);
  const size_t ops = 10 + rng() % 10;
  for (size_t i = 0; i < ops; ++i) {
    EngineOp op;
    const unsigned pick = static_cast<unsigned>(rng() % 20);
    if (pick < 8) {
      const bool tx = pick % 2;
      const ipsec::tb::GeneratedFrame g = tx ? gen.next_tx() : gen.next_rx();
      op.kind = tx ? OpKind::kHostFrame : OpKind::kWireFrame;
      op.arg = g.tuser ? 1 : 0;
      op.frame = g.frame;
    } else if (pick < 11) {
      op.kind = OpKind::kGenerated;
      op.arg = static_cast<uint8_t>(rng() % 32);
      op.generator_seed = static_cast<uint16_t>((op.arg >> 1) << 8 | (rng() & 0xFF));
    } else if (pick < 13) {
      op.kind = OpKind::kDeleteSa;
      op.arg = static_cast<uint8_t>(rng() % 8);
    } else if (pick < 15) {
      op.kind = OpKind::kAddSa;
      op.arg = static_cast<uint8_t>(rng() % 8);
    } else if (pick == 15) {
      op.kind = OpKind::kAdvanceEsn;
      op.arg = static_cast<uint8_t>(4 + rng() % 4);  // the ESN SAs
      op.esn_seq_hi = static_cast<uint8_t>(rng() % 3);
      op.esn_seq_top = static_cast<uint8_t>(rng());
    } else if (pick == 16) {
      op.kind = OpKind::kControl;
      op.arg = static_cast<uint8_t>(rng() % 2);
    } else if (pick == 17) {
      op.kind = OpKind::kCheckpointOrHold;
      op.arg = static_cast<uint8_t>(1 + rng() % 31);
    } else {
      op.kind = OpKind::kCheckpointOrHold;
      op.arg = 0;
    }
    in.ops.push_back(std::move(op));
  }
  // And in every seed, an SA present from the start deleted while traffic flows and added
  // again later.
  const uint8_t sa = static_cast<uint8_t>(rng() % 8);
  in.initial_sas |= static_cast<uint8_t>(1u << sa);
  EngineOp del, add;
  del.kind = OpKind::kDeleteSa;
  del.arg = sa;
  add.kind = OpKind::kAddSa;
  add.arg = sa;
  in.ops.insert(in.ops.begin() + static_cast<std::ptrdiff_t>(ops / 3), del);
  in.ops.insert(in.ops.begin() + static_cast<std::ptrdiff_t>(2 * ops / 3 + 1), add);
  return in;
}

void write_seeds(const std::string& dir, int count) {
  for (int i = 0; i < count; ++i) {
    const EngineInput in = seed_input(static_cast<uint64_t>(i) + 1);
    const ipsec::tb::Bytes b = ipsec::fuzz::encode_engine_input(in);
    const EngineInput back = ipsec::fuzz::decode_engine_input(b.data(), b.size());
    ipsec::fuzz::run_engine_input(back);
    const std::string name = dir + "/seed-" + std::to_string(100 + i).substr(1);
    std::ofstream(name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    std::cout << name << " (" << b.size() << " bytes): " << ipsec::fuzz::describe(back) << "\n";
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)ipsec::fuzz::fixed_sa_table();
  if (const char* dir = std::getenv("IPSEC_FUZZ_WRITE_SEEDS")) {
    const char* n = std::getenv("IPSEC_FUZZ_SEEDS");
    write_seeds(dir, n ? std::atoi(n) : 12);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ipsec::fuzz::run_engine_input(ipsec::fuzz::decode_engine_input(data, size));
  return 0;
}
