// Frames on AXI4-Stream ports, clock by clock, for every harness of a Verilated model:
// random valid/ready stalls, a source that presents a queue of frames beat by beat (keeping
// valid once raised, as AXI4-Stream requires) and a sink that reassembles frames (with
// random back-pressure).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace ipsec::sim {

// Decides, clock by clock, whether a source presents its next beat or a sink is ready.
// A source that has raised valid keeps it until the beat is taken (AXI4-Stream rule): the
// caller asks only when no beat is presented.
class Staller {
 public:
  Staller(uint64_t seed, int stall_percent) : rng_(seed), percent_(stall_percent) {}
  bool go() { return percent_ == 0 || dist_(rng_) >= percent_; }

 private:
  std::mt19937_64 rng_;
  std::uniform_int_distribution<int> dist_{0, 99};
  int percent_;
};

using Bytes = std::vector<uint8_t>;

struct Beat {
  std::array<uint8_t, 16> data{};  // byte 0 of the beat first
  uint16_t keep = 0;               // contiguous from byte 0
  bool last = false;
  bool user = false;               // tuser: frame error from the MAC (on the last beat)
  uint32_t gap = 0;                // on a last beat: idle clocks the source keeps after it
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

  // `gap`: clocks the source stays idle after the frame's last beat (a paced source).
  void push(const Bytes& frame, bool user = false, uint32_t gap = 0) {
    for (const Beat& b : to_beats(frame, user)) beats_.push_back(b);
    beats_.back().gap = gap;
    ++frames_queued_;
  }
  // Call once per clock before driving the port: whether valid is high this clock.
  bool valid() {
    if (!presenting_ && idle_ > 0) {
      --idle_;
      return false;
    }
    if (!presenting_ && !beats_.empty()) presenting_ = stall_.go();
    return presenting_;
  }
  const Beat& beat() const { return beats_.front(); }
  // The beat was taken at this clock edge.
  void taken() {
    started_ = !beats_.front().last;
    if (beats_.front().last) {
      ++frames_sent_;
      idle_ = beats_.front().gap;
    }
    beats_.pop_front();
    presenting_ = false;
  }
  bool idle() const { return beats_.empty() && idle_ == 0; }
  // Reset: the rest of a frame half sent is lost.
  void abort_frame() {
    presenting_ = false;
    idle_ = 0;
    if (!mid_frame_()) return;
    while (!beats_.empty()) {
      const bool last = beats_.front().last;
      beats_.pop_front();
      if (last) break;
    }
    started_ = false;
    ++frames_sent_;
  }
  uint64_t frames_sent() const { return frames_sent_; }
  uint64_t frames_queued() const { return frames_queued_; }

 private:
  Staller stall_;
  bool mid_frame_() const { return started_; }

  std::deque<Beat> beats_;
  bool presenting_ = false;
  bool started_ = false;  // some beats of the current frame were taken
  uint32_t idle_ = 0;     // clocks still to stay idle after a paced frame
  uint64_t frames_queued_ = 0, frames_sent_ = 0;
};

class FrameSink {
 public:
  FrameSink(uint64_t seed, int stall_percent) : stall_(seed, stall_percent) {}

  bool ready() { return stall_.go(); }
  // A beat was taken at this clock edge; returns true when it completed a frame.
  bool take(const Beat& b) {
    if ((b.keep & (b.keep + 1u)) == 0) {  // contiguous from byte 0, as it should be
      current_.insert(current_.end(), b.data.begin(), b.data.begin() + __builtin_popcount(b.keep));
    } else {
      for (int i = 0; i < 16; ++i) {
        if (b.keep >> i & 1) current_.push_back(b.data[i]);
      }
    }
    if (!b.last) return false;
    frames_.push_back(std::move(current_));
    current_.clear();
    return true;
  }
  std::deque<Bytes>& frames() { return frames_; }
  bool mid_frame() const { return !current_.empty(); }
  // Reset: a half-received frame is discarded.
  void abort_frame() { current_.clear(); }

 private:
  Staller stall_;
  Bytes current_;
  std::deque<Bytes> frames_;
};

}  // namespace ipsec::sim
