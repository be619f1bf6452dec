// Drives the Verilated gcm_stream unit cycle by cycle: messages in, beats out, with random
// valid/ready stalls on both ports.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "stall.h"

class VerilatedContext;
class Vgcm_stream;

namespace ipsec::tb {

using Bytes = std::vector<uint8_t>;

struct GcmJob {
  Bytes key;                      // 16 or 32 bytes
  std::array<uint8_t, 12> iv{};   // salt || IV in ESP
  bool decrypt = false;
  Bytes aad;
  Bytes text;
  std::array<uint8_t, 16> tag{};  // decrypt: the expected tag
  std::vector<Bytes> pass;        // beats (1..16 bytes) passed through ahead of the AAD
};

struct GcmResult {
  std::vector<Bytes> pass;        // the pass-through beats as they came out
  Bytes text;
  std::array<uint8_t, 16> tag{};  // computed tag
  bool tag_ok = false;
  uint64_t first_in_cycle = 0;    // clock on which the message's first beat was taken
  uint64_t first_out_cycle = 0;   // clock on which its first output beat left
  uint64_t first_text_in_cycle = 0;
  uint64_t first_text_out_cycle = 0;
};

class GcmStreamHarness {
 public:
  // Stall percentages apply to the input source and the output sink.
  GcmStreamHarness(uint64_t seed, int in_stall_percent, int out_stall_percent);
  ~GcmStreamHarness();

  void push(const GcmJob& job);
  // Clocks the unit until every pushed message has come out; returns their results in
  // order. Fails (throws) if the unit stops making progress.
  std::vector<GcmResult> run();

  uint64_t cycles() const { return cycle_; }
  // GHASH blocks of all messages pushed so far: AAD and text blocks plus one length block.
  uint64_t ghash_blocks() const { return ghash_blocks_; }

 private:
  struct Beat {
    std::array<uint8_t, 16> data{};
    uint16_t keep = 0;
    uint8_t kind = 0;
    size_t job = 0;
  };

  void reset();
  bool tick();  // one clock; true if a beat moved on either port

  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Vgcm_stream> dut_;
  std::vector<GcmJob> jobs_;
  std::deque<Beat> beats_;
  std::vector<GcmResult> results_;
  size_t results_done_ = 0;
  uint64_t cycle_ = 0;
  uint64_t ghash_blocks_ = 0;
  bool presenting_ = false;
  std::unique_ptr<Staller> in_stall_, out_stall_;
};

}  // namespace ipsec::tb
