// stream_frame_fifo (rtl/lib/), the store-and-forward buffer in front of wire TX, alone:
// frames leave whole, in order and unchanged; none leaves before its last beat is in; once
// begun, a frame is offered on every clock to its end whatever the source's pauses; frames
// of half the ring back to back keep one beat per clock; a frame too long for the ring is
// cut and marked; the ring never holds more than MaxFrames complete frames. The model runs
// on the checking build (its own assertions on), with Depth 64 and MaxFrames 4.
#include <doctest/doctest.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <vector>

#include "Vstream_frame_fifo.h"
#include "test_seed.h"
#include "verilated.h"

using ipsec::tb::seed_hint;
using ipsec::tb::stall_percent;
using ipsec::tb::test_seed;

namespace {

constexpr size_t kDepth = 64, kMaxFrames = 4;
constexpr size_t kKeep = kDepth / 2 - 1;  // beats a frame keeps before its last when cut

struct Beat {
  uint16_t data = 0;
  bool last = false;
  bool user = false;
  bool operator==(const Beat& o) const { return data == o.data && last == o.last && user == o.user; }
};
using Frame = std::vector<Beat>;

Frame make_frame(std::mt19937_64& rng, size_t beats, bool user) {
  Frame f(beats);
  for (size_t i = 0; i < beats; ++i) f[i].data = static_cast<uint16_t>(rng());
  f.back().last = true;
  f.back().user = user;
  return f;
}

// What leaves for a frame: itself, or, longer than half the ring, its first kKeep beats and
// its last, marked with user.
Frame expected(const Frame& f) {
  if (f.size() <= kKeep + 1) return f;
  Frame e(f.begin(), f.begin() + static_cast<long>(kKeep));
  e.push_back(f.back());
  e.back().user = true;
  return e;
}

class Rig {
 public:
  Rig(uint64_t seed, int in_pause, int out_stall)
      : rng_(seed), in_pause_(in_pause), out_stall_(out_stall), ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->randReset(2);
    m_ = std::make_unique<Vstream_frame_fifo>(ctx_.get());
    m_->clk_i = 0;
    m_->s_valid_i = 0;
    m_->m_ready_i = 0;
    m_->rst_ni = 1;
    m_->eval();
    m_->rst_ni = 0;
    m_->eval();
    clock();
    m_->rst_ni = 1;
    m_->eval();
  }
  ~Rig() { m_->final(); }

  void send(const Frame& f) {
    for (const Beat& b : f) in_.push_back(b);
    want_.push_back(expected(f));
    last_in_.push_back(0);
  }
  // One clock; `hold`: the sink refuses every beat.
  void tick(bool hold = false) {
    if (!presenting_ && !in_.empty()) presenting_ = pct_(rng_) >= in_pause_;
    m_->s_valid_i = presenting_;
    if (presenting_) {
      m_->s_data_i = in_.front().data;
      m_->s_last_i = in_.front().last;
      m_->s_user_i = in_.front().user;
    }
    m_->m_ready_i = !hold && pct_(rng_) >= out_stall_;
    m_->eval();
    const bool in_fire = m_->s_valid_i && m_->s_ready_o;
    const bool out_fire = m_->m_valid_o && m_->m_ready_i;
    if (out_mid_ && !m_->m_valid_o) ++gaps_;
    if (in_fire) {
      if (in_.front().last) {
        ++frames_in_;
        last_in_[frames_in_ - 1] = cycle_;
      }
      in_.pop_front();
      presenting_ = false;
    }
    if (out_fire) {
      ++beats_out_;
      if (cur_.empty()) {
        first_out_.push_back(cycle_);
        // Store and forward: a frame's first beat leaves only after its last beat went in.
        CHECK_MESSAGE(frames_out_ < frames_in_, "frame " << frames_out_ << " began before its last beat was in");
      }
      cur_.push_back({static_cast<uint16_t>(m_->m_data_o), static_cast<bool>(m_->m_last_o),
                      static_cast<bool>(m_->m_user_o)});
      out_mid_ = !m_->m_last_o;
      if (m_->m_last_o) {
        REQUIRE_MESSAGE(!want_.empty(), "a frame left that was never sent; " << seed_hint());
        CHECK_MESSAGE(cur_ == want_.front(), "frame " << frames_out_ << " differs: " << cur_.size() << " beats, "
                                                      << want_.front().size() << " expected; " << seed_hint());
        want_.pop_front();
        cur_.clear();
        ++frames_out_;
      }
    }
    clock();
  }
  void run() {
    for (uint64_t quiet = 0; !want_.empty() || quiet < 16; quiet = want_.empty() ? quiet + 1 : 0) {
      tick();
      REQUIRE_MESSAGE(cycle_ < 10000000, "no progress; " << seed_hint());
    }
  }

  uint64_t gaps() const { return gaps_; }  // clocks of valid low inside a frame
  uint64_t frames_in() const { return frames_in_; }
  uint64_t frames_out() const { return frames_out_; }
  uint64_t beats_out() const { return beats_out_; }
  const std::vector<uint64_t>& first_out() const { return first_out_; }
  const std::vector<uint64_t>& last_in() const { return last_in_; }

 private:
  void clock() {
    m_->clk_i = 1;
    m_->eval();
    m_->clk_i = 0;
    m_->eval();
    ++cycle_;
  }

  std::mt19937_64 rng_;
  std::uniform_int_distribution<int> pct_{0, 99};
  int in_pause_, out_stall_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vstream_frame_fifo> m_;
  std::deque<Beat> in_;
  std::deque<Frame> want_;
  Frame cur_;
  bool presenting_ = false, out_mid_ = false;
  uint64_t cycle_ = 0, gaps_ = 0, frames_in_ = 0, frames_out_ = 0, beats_out_ = 0;
  std::vector<uint64_t> first_out_, last_in_;
};

}  // namespace

TEST_CASE("stream_frame_fifo: frames leave whole, in order, gap-free, whatever the source's pauses") {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  std::mt19937_64 rng(seed);
  for (int pause : {0, 50, 90}) {
    CAPTURE(pause);
    Rig r(seed, pause, stall_percent(25));
    for (int i = 0; i < 400; ++i) r.send(make_frame(rng, 1 + rng() % (kKeep + 1), rng() % 8 == 0));
    r.run();
    CHECK(r.frames_out() == 400);
    CHECK(r.gaps() == 0);
  }
}

TEST_CASE("stream_frame_fifo: frames of half the ring back to back keep one beat per clock") {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  std::mt19937_64 rng(seed);
  Rig r(seed, 0, 0);
  constexpr size_t kFrames = 50, kBeats = kDepth / 2;
  for (size_t i = 0; i < kFrames; ++i) r.send(make_frame(rng, kBeats, false));
  r.run();
  REQUIRE(r.frames_out() == kFrames);
  // From the first beat out to the last, every clock carries a beat.
  const uint64_t span = r.first_out().back() + kBeats - r.first_out().front();
  CHECK(r.beats_out() == span);
  // The first frame into an idle ring: its first beat 3 clocks after its last went in.
  CHECK(r.first_out().front() - r.last_in().front() == 3);
}

TEST_CASE("stream_frame_fifo: a frame longer than half the ring is cut to its first beats and its last, marked") {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  std::mt19937_64 rng(seed);
  Rig r(seed, 30, stall_percent(25));
  for (size_t beats : {kKeep + 1, kKeep + 2, kDepth - 1, kDepth, 3 * kDepth, size_t{1}}) {
    r.send(make_frame(rng, beats, false));  // expected() cuts those too long
  }
  r.run();
  CHECK(r.frames_out() == 6);
  CHECK(r.gaps() == 0);
}

TEST_CASE("stream_frame_fifo: with the sink stalled, at most MaxFrames complete frames are taken in") {
  const uint64_t seed = test_seed();
  INFO(seed_hint());
  std::mt19937_64 rng(seed);
  Rig r(seed, 0, 0);
  for (int i = 0; i < 20; ++i) r.send(make_frame(rng, 1 + rng() % 3, false));
  for (int i = 0; i < 500; ++i) r.tick(true);
  // The ring fills up to the limit (a fourth frame may still be half in when it is hit).
  CHECK(r.frames_in() <= kMaxFrames);
  CHECK(r.frames_in() >= kMaxFrames - 1);
  CHECK(r.frames_out() == 0);
  r.run();
  CHECK(r.frames_out() == 20);
}
