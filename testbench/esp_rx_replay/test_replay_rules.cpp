// esp_rx_replay's port rules, as its checking build asserts them: two commits closer than
// CommitSpacing (4) clocks, or an init of a window above 32 words, stop the simulation with
// the assertion's message; commits exactly 4 clocks apart do not. A failed assertion ends
// the process (Verilator's $stop), so each case runs in a child process, as
// testbench/assertions does.
#include <doctest/doctest.h>

#include <cstdio>
#include <functional>
#include <initializer_list>
#include <string>

#include "Vesp_rx_replay.h"
#include "child_process.h"
#include "verilated.h"
#include "verilated_reset.h"

namespace {

using Outcome = ipsec::tb::ChildOutcome;
using ipsec::tb::in_child;

// The unit out of reset, in the child only (never torn down: the child ends with _exit()).
struct Unit {
  VerilatedContext* ctx = new VerilatedContext;
  Vesp_rx_replay* m = nullptr;
  Unit() {
    ctx->randReset(2);
    m = new Vesp_rx_replay(ctx);
    m->init_valid_i = 0;
    m->chk_valid_i = 0;
    m->cmt_valid_i = 0;
    ipsec::tb::async_reset(*m);
  }
  void clock() { ipsec::tb::clock_edge(*m); }
  void init(uint32_t idx, uint32_t words) {
    m->init_valid_i = 1;
    m->init_idx_i = idx;
    m->init_words_i = words;
    m->init_esn_i = 0;
    m->init_top_i = 0;
    clock();
    m->init_valid_i = 0;
  }
  // Commits of SA 0 on the given clocks from now (then a few clocks more).
  void commits(std::initializer_list<int> at) {
    int clk = 0;
    for (const int c : at) {
      for (; clk < c; ++clk) clock();
      m->cmt_valid_i = 1;
      m->cmt_idx_i = 0;
      m->cmt_seq_i = static_cast<uint64_t>(c) + 1;
      clock();
      ++clk;
      m->cmt_valid_i = 0;
    }
    for (int i = 0; i < 6; ++i) clock();
  }
};

void expect_stop(const Outcome& o, const std::string& message) {
  INFO("child printed: " << o.out);
  CHECK(o.stopped);
  CHECK(o.out.find(message) != std::string::npos);
}

void expect_quiet(const Outcome& o) {
  INFO("child printed: " << o.out);
  CHECK_FALSE(o.stopped);
  CHECK(o.out.find("esp_rx_replay") == std::string::npos);
}

}  // namespace

TEST_CASE("commits closer than 4 clocks stop the simulation, 4 apart do not") {
  for (const int gap : {1, 2, 3}) {
    CAPTURE(gap);
    expect_stop(in_child([gap] {
                  Unit u;
                  u.init(0, 2);
                  u.commits({0, gap});
                }),
                "two commits less than 4 clocks apart");
  }
  expect_quiet(in_child([] {
    Unit u;
    u.init(0, 2);
    u.commits({0, 4, 8, 12, 20});
  }));
}

TEST_CASE("an init of a window above 32 words stops the simulation") {
  expect_stop(in_child([] {
                Unit u;
                u.init(5, 33);
                u.clock();
              }),
              "init with a window of 33 words");
  expect_quiet(in_child([] {
    Unit u;
    u.init(5, 32);
    u.clock();
  }));
}
