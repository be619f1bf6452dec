// What every fuzz target defines (libFuzzer's entry points) and how a target reports a
// finding. The same sources build as libFuzzer programs (make fuzz) and as replay programs
// over the committed corpora (replay_main.cpp, CTest); see docs/fuzzing.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace ipsec::fuzz {

// A finding: the message on stderr, then abort(), which libFuzzer records as a crash (the
// input goes to crash-<sha1>) and which fails a replay.
[[noreturn]] inline void finding(const std::string& target, const std::string& message) {
  std::fprintf(stderr, "\n==== fuzz %s: FINDING: %s\n", target.c_str(), message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace ipsec::fuzz
