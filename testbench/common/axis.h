// AXI4-Stream frames at the bytes level, for harnesses: a source that presents a queue
// of frames beat by beat (with random pauses, keeping valid once raised, as AXI4-Stream
// requires) and a sink that reassembles frames (with random back-pressure).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <vector>

#include "stall.h"

namespace ipsec::tb {

using Bytes = std::vector<uint8_t>;

struct Beat {
  std::array<uint8_t, 16> data{};  // byte 0 of the beat first
  uint16_t keep = 0;               // contiguous from byte 0
  bool last = false;
  bool user = false;               // tuser: frame error from the MAC (on the last beat)
};

inline std::vector<Beat> to_beats(const Bytes& frame, bool user = false) {
  std::vector<Beat> beats;
  for (size_t off = 0; off < frame.size() || beats.empty(); off += 16) {
    Beat b;
    const size_t n = frame.size() - off < 16 ? frame.size() - off : 16;
    for (size_t i = 0; i < n; ++i) b.data[i] = frame[off + i];
    b.keep = static_cast<uint16_t>((1u << n) - 1);
    b.last = off + 16 >= frame.size();
    b.user = user && b.last;
    beats.push_back(b);
    if (frame.empty()) break;
  }
  return beats;
}

class FrameSource {
 public:
  FrameSource(uint64_t seed, int stall_percent) : stall_(seed, stall_percent) {}

  void push(const Bytes& frame, bool user = false) {
    for (const Beat& b : to_beats(frame, user)) beats_.push_back(b);
    ++frames_queued_;
  }
  // Call once per clock before driving the port: whether valid is high this clock.
  bool valid() {
    if (!presenting_ && !beats_.empty()) presenting_ = stall_.go();
    return presenting_;
  }
  const Beat& beat() const { return beats_.front(); }
  // The beat was taken at this clock edge.
  void taken() {
    if (beats_.front().last) ++frames_sent_;
    beats_.pop_front();
    presenting_ = false;
  }
  bool idle() const { return beats_.empty(); }
  uint64_t frames_sent() const { return frames_sent_; }
  uint64_t frames_queued() const { return frames_queued_; }

 private:
  Staller stall_;
  std::deque<Beat> beats_;
  bool presenting_ = false;
  uint64_t frames_queued_ = 0, frames_sent_ = 0;
};

class FrameSink {
 public:
  FrameSink(uint64_t seed, int stall_percent) : stall_(seed, stall_percent) {}

  bool ready() { return stall_.go(); }
  // A beat was taken at this clock edge; returns true when it completed a frame.
  bool take(const Beat& b) {
    for (int i = 0; i < 16; ++i) {
      if (b.keep >> i & 1) current_.push_back(b.data[i]);
    }
    if (!b.last) return false;
    frames_.push_back(std::move(current_));
    current_.clear();
    return true;
  }
  std::deque<Bytes>& frames() { return frames_; }
  bool mid_frame() const { return !current_.empty(); }

 private:
  Staller stall_;
  Bytes current_;
  std::deque<Bytes> frames_;
};

}  // namespace ipsec::tb
