// Fuzz target "engine_frames": the RTL's frame parsers (esp_tx_parse, esp_rx_parse and what
// follows them). The bytes become one wire frame and one host frame (engine_frames_harness.h
// gives the layout), sent through the Verilated whole engine and the reference model, each
// under its own driver with the same fixed SA set, programmed once per process. After each
// input the RTL runs until idle within a hard clock bound; frames and counters are checked
// against the model and against the counting rules of contract section 4.
//
// IPSEC_FUZZ_WRITE_SEEDS=DIR (with IPSEC_FUZZ_SEEDS=N, default 48) makes the program write
// the seed corpus into DIR and exit: frame pairs from the stimulus generator (RandomFrames:
// good ESP both ways for the fixed SA set, LSO segments, plain traffic and every fault class,
// frames of at most 1,600 bytes; every fourth with FWD_BAD_FRAMES set), each checked through
// the harness first. That is how
// testbench/fuzz/corpus/engine_frames was made.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "engine_frames_harness.h"
#include "frames.h"
#include "fuzz_target.h"

namespace {

std::unique_ptr<ipsec::fuzz::EngineUnderFuzz> g_engine;

void write_seeds(const std::string& dir, int count) {
  // Small frames keep the corpus small and the fuzzer fast; the input's padding byte
  // reaches the large sizes.
  ipsec::tb::RandomFrames gen(1, g_engine->sa_table(), {}, 1600);
  for (int i = 0; i < count; ++i) {
    const ipsec::tb::GeneratedFrame rx = gen.next_rx(), tx = gen.next_tx();
    ipsec::fuzz::FramePair p;
    p.wire = rx.frame;
    p.wire_tuser = rx.tuser;
    p.host = tx.frame;
    p.host_tuser = tx.tuser;
    p.fwd_bad_frames = i % 4 == 3;  // a quarter with failed RX frames forwarded
    g_engine->run(p);
    std::string base = "seed-" + std::to_string(100 + i).substr(1) + "-" + ipsec::tb::to_string(rx.cls) +
                       "-" + ipsec::tb::to_string(tx.cls);
    if (p.fwd_bad_frames) base += "-fwd_bad_frames";
    for (char& c : base) c = c == ' ' ? '_' : c;
    const std::string name = dir + "/" + base;
    const ipsec::tb::Bytes b = ipsec::fuzz::encode_frames(p);
    std::ofstream(name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    std::cout << name << " (" << b.size() << " bytes)\n";
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_engine = std::make_unique<ipsec::fuzz::EngineUnderFuzz>();
  if (const char* dir = std::getenv("IPSEC_FUZZ_WRITE_SEEDS")) {
    const char* n = std::getenv("IPSEC_FUZZ_SEEDS");
    write_seeds(dir, n ? std::atoi(n) : 48);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  g_engine->run(ipsec::fuzz::decode_frames(data, size));
  return 0;
}
