// The RTL's assertions (`ifdef IPSEC_ASSERTIONS, the checking build) can fail: every
// checker, driven into the fault it watches for, stops the simulation with its message, and
// the same checker driven correctly stays quiet. A failed assertion ends the process
// (Verilator's $stop), so each case runs in a child process and reads its stderr.
#include <doctest/doctest.h>

#include <cstdio>
#include <functional>
#include <string>

#include "Vframe_count_check.h"
#include "Vready_check.h"
#include "Vstream_check.h"
#include "Vstream_gapless_check.h"
#include "Vsync_fifo.h"
#include "child_process.h"
#include "verilated.h"
#include "verilated_reset.h"

namespace {

using Outcome = ipsec::tb::ChildOutcome;
using ipsec::tb::in_child;

// A model with its own context, reset applied, and a clock. Made only in the child, which
// ends with _exit(): the model and its context are never torn down (Verilator's teardown
// after a fork can wait on a lock forever).
template <typename M>
struct Rig {
  VerilatedContext* ctx = new VerilatedContext;
  M* m = nullptr;
  Rig() {
    ctx->randReset(2);
    m = new M(ctx);
    ipsec::tb::async_reset(*m);
  }
  void clock() { ipsec::tb::clock_edge(*m); }
};

void expect_stop(const Outcome& o, const std::string& message) {
  INFO("child printed: " << o.out);
  CHECK(o.stopped);
  CHECK(o.out.find(message) != std::string::npos);
}

void expect_quiet(const Outcome& o) {
  INFO("child printed: " << o.out);
  CHECK_FALSE(o.stopped);
  CHECK(o.out.find("Assertion failed") == std::string::npos);
}

// sync_fifo, Width 8, Depth 8.
void fifo_push(Rig<Vsync_fifo>& r, int n) {
  for (int i = 0; i < n; ++i) {
    r.m->push_i = 1;
    r.m->data_i = static_cast<uint8_t>(i);
    r.m->pop_i = 0;
    r.clock();
  }
  r.m->push_i = 0;
}

}  // namespace

TEST_CASE("sync_fifo: a push into a full queue stops the simulation") {
  expect_stop(in_child([] {
                Rig<Vsync_fifo> r;
                fifo_push(r, 9);
              }),
              "push into a full FIFO");
  expect_quiet(in_child([] {
    Rig<Vsync_fifo> r;
    fifo_push(r, 8);
  }));
}

TEST_CASE("sync_fifo: a pop of an empty queue stops the simulation") {
  expect_stop(in_child([] {
                Rig<Vsync_fifo> r;
                fifo_push(r, 1);
                r.m->pop_i = 1;
                r.clock();
                r.clock();
              }),
              "pop of an empty FIFO");
  expect_quiet(in_child([] {
    Rig<Vsync_fifo> r;
    fifo_push(r, 2);
    r.m->pop_i = 1;
    r.clock();
    r.clock();
    r.m->pop_i = 0;
    r.clock();
  }));
}

namespace {

// stream_check, DataW 128: a beat offered for two clocks; what happens on the second.
void stalled_beat(Rig<Vstream_check>& r, bool valid_after, uint32_t data_after) {
  r.m->valid_i = 1;
  r.m->ready_i = 0;
  r.m->beat_i[0] = 0x1234;
  r.clock();
  r.m->valid_i = valid_after;
  r.m->beat_i[0] = data_after;
  r.clock();
  r.m->ready_i = 1;
  r.clock();
}

}  // namespace

TEST_CASE("stream_check: valid dropped or a beat changed before it was taken stops the simulation") {
  expect_stop(in_child([] {
                Rig<Vstream_check> r;
                stalled_beat(r, false, 0x1234);
              }),
              "valid dropped before the beat was taken");
  expect_stop(in_child([] {
                Rig<Vstream_check> r;
                stalled_beat(r, true, 0x1235);
              }),
              "beat changed while stalled");
  expect_quiet(in_child([] {
    Rig<Vstream_check> r;
    stalled_beat(r, true, 0x1234);
  }));
}

namespace {

// stream_gapless_check: a three-beat frame, one beat per clock unless told otherwise. A
// character per clock: 'b' a beat offered and taken, 's' a beat offered while the sink
// stalls (not taken), '-' valid low. The last 'b' carries tlast.
void frame_beats(Rig<Vstream_gapless_check>& r, const std::string& clocks) {
  const size_t last = clocks.rfind('b');
  for (size_t i = 0; i < clocks.size(); ++i) {
    r.m->valid_i = clocks[i] != '-';
    r.m->ready_i = clocks[i] != 's';
    r.m->last_i = i == last;
    r.clock();
  }
  r.m->valid_i = 0;
  r.m->last_i = 0;
  r.clock();
}

}  // namespace

TEST_CASE("stream_gapless_check: valid low inside a frame stops the simulation") {
  // A gap after the first beat, and one before the last.
  expect_stop(in_child([] {
                Rig<Vstream_gapless_check> r;
                frame_beats(r, "b-bb");
              }),
              "valid low inside a frame");
  expect_stop(in_child([] {
                Rig<Vstream_gapless_check> r;
                frame_beats(r, "bb-b");
              }),
              "valid low inside a frame");
  // Legal: the sink stalls inside a frame (valid held), the source idles before a frame's
  // first beat is taken and between frames.
  expect_quiet(in_child([] {
    Rig<Vstream_gapless_check> r;
    frame_beats(r, "--bssbsb");
    frame_beats(r, "---sbbb");
    frame_beats(r, "b");
  }));
}

namespace {

// Inputs of frame_count_check that pulse for one clock.
enum : unsigned {
  kInLast = 1u << 0,   // a frame's last beat taken in
  kOutLast = 1u << 1,  // a frame's last beat out
  kOutUser = 1u << 2,  // ... with tuser
  kIn = 1u << 3,       // the counters
  kOut = 1u << 4,
  kBypass = 1u << 5,
  kDrop = 1u << 6,
  kAuth = 1u << 7,
  kRefused = 1u << 8,  // RX: a frame dropped at the ingress FIFO
};

void pulse(Rig<Vframe_count_check>& r, bool rx, unsigned p) {
  auto& m = *r.m;
  m.rx_i = rx;
  m.in_last_i = (p & kInLast) != 0;
  m.out_last_i = (p & kOutLast) != 0;
  m.out_user_i = (p & kOutUser) != 0;
  m.cnt_in_i = (p & kIn) != 0;
  m.cnt_out_i = (p & kOut) != 0;
  m.cnt_bypass_i = (p & kBypass) != 0;
  m.cnt_drop_i = (p & kDrop) != 0;
  m.cnt_auth_i = (p & kAuth) != 0;
  m.cnt_refused_i = (p & kRefused) != 0;
  r.clock();
  m.in_last_i = m.out_last_i = m.out_user_i = m.cnt_in_i = 0;
  m.cnt_out_i = m.cnt_bypass_i = m.cnt_drop_i = m.cnt_auth_i = m.cnt_refused_i = 0;
  r.clock();
}

}  // namespace

TEST_CASE("frame_count_check: counters that do not add up stop the simulation") {
  // A fate with no frame taken in.
  expect_stop(in_child([] {
                Rig<Vframe_count_check> r;
                pulse(r, false, kDrop);
              }),
              "a fate without a frame");
  // Two fates for one frame.
  expect_stop(in_child([] {
                Rig<Vframe_count_check> r;
                pulse(r, false, kInLast);
                pulse(r, false, kIn | kOut | kDrop);
              }),
              "two fates for one frame");
  // Encrypted but never counted in.
  expect_stop(in_child([] {
                Rig<Vframe_count_check> r;
                pulse(r, false, kInLast);
                pulse(r, false, kOut);
              }),
              "out without in");
  // RX: a matched frame bypassed.
  expect_stop(in_child([] {
                Rig<Vframe_count_check> r;
                pulse(r, true, kInLast);
                pulse(r, true, kIn | kBypass);
              }),
              "a matched frame bypassed");
  // TX: a frame leaves clean without an out or bypass fate (its fate was a drop).
  expect_stop(in_child([] {
                Rig<Vframe_count_check> r;
                pulse(r, false, kInLast);
                pulse(r, false, kDrop);
                pulse(r, false, kOutLast);
              }),
              "a frame out without its fate");
  // A frame forgotten: more than 128 inside.
  expect_stop(in_child([] {
                Rig<Vframe_count_check> r;
                for (int i = 0; i < 130; ++i) pulse(r, false, kInLast);
              }),
              "a frame lost");
  // A frame refused at the ingress FIFO is a fate too: one more than the frames taken in.
  expect_stop(in_child([] {
                Rig<Vframe_count_check> r;
                pulse(r, true, kInLast);
                pulse(r, true, kRefused | kDrop);
              }),
              "a fate without a frame");
  // Correct accounting: a TX frame encrypted and sent, one dropped and marked with tuser,
  // an RX frame failing its ICV forwarded under the debug bit, and two RX frames ending in
  // one clock, one refused at the ingress FIFO and one dropped by esp_rx.
  expect_quiet(in_child([] {
    Rig<Vframe_count_check> r;
    pulse(r, false, kInLast);
    pulse(r, false, kIn | kOut);
    pulse(r, false, kOutLast);
    pulse(r, false, kInLast);
    pulse(r, false, kDrop);
    pulse(r, false, kOutLast | kOutUser);
    Rig<Vframe_count_check> rx;
    pulse(rx, true, kInLast);
    pulse(rx, true, kIn | kAuth);
    pulse(rx, true, kOutLast);
    pulse(rx, true, kInLast);
    pulse(rx, true, kInLast);
    pulse(rx, true, kRefused | kDrop);
  }));
}

TEST_CASE("ready_check: a port that must never wait stops the simulation when its ready goes low") {
  // The wire RX input (ipsec_engine's u_check_wire_rx_ready): ready low for one clock out
  // of reset.
  expect_stop(in_child([] {
                Rig<Vready_check> r;
                r.m->ready_i = 1;
                r.clock();
                r.m->ready_i = 0;
                r.clock();
              }),
              "ready low: the port back-pressured");
  // Ready high on every clock out of reset; low only while reset is held.
  expect_quiet(in_child([] {
    Rig<Vready_check> r;
    r.m->ready_i = 1;
    for (int i = 0; i < 4; ++i) r.clock();
    r.m->rst_ni = 0;
    r.m->ready_i = 0;
    r.m->eval();
    r.clock();
    r.m->ready_i = 1;
    r.m->rst_ni = 1;
    r.m->eval();
    r.clock();
  }));
}
