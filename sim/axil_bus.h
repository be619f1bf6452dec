// The register bus over a Verilated model's AXI4-Lite slave: each read32/write32 is one
// full AXI4-Lite transaction, driven clock by clock.
//
// The model must have the control plane's port names (rtl/top/ipsec_ctrl.sv):
// s_axil_{aw,w,ar}valid_i / _ready_o, s_axil_awaddr_i, s_axil_awprot_i, s_axil_wdata_i,
// s_axil_wstrb_i, s_axil_bvalid_o, s_axil_bready_i, s_axil_bresp_o, s_axil_araddr_i,
// s_axil_arprot_i, s_axil_rvalid_o, s_axil_rready_i, s_axil_rdata_o, s_axil_rresp_o, irq_o.
//
// The harness owns the clock: the bus is given a function that advances the model by one
// clock (setting the harness's own inputs, e.g. stream ports, as it goes), so everything
// else keeps moving while the driver talks to the registers. Between clocks the bus sets
// its inputs and calls eval() to see the slave's ready/valid outputs of that clock.
//
// Optional random delays (seeded) on the master side: before raising AWVALID, WVALID and
// ARVALID, and before raising BREADY and RREADY, so a test exercises the slave's handshakes.
// Optional random channel order of a write: W before AW, AW before W, or both together
// (AMBA AXI, IHI 0022, A3.3.1: the slave must accept either order and must not wait for
// one to accept the other). Both options default off: with them off the bus drives exactly
// the same signals, clock for clock, as it always did.
//
// Besides the blocking read32/write32 there is a pipelined mode, as a real master with
// several transactions outstanding drives it: post_write/post_read queue transactions and
// drain() issues them, up to max_outstanding of a kind before their responses, and returns
// one completion per request in the order they were posted. AXI4-Lite has no IDs: every
// response belongs to the oldest unanswered request of its kind (IHI 0022, B1.1), which is
// how drain() matches them; a response with no request open is a protocol error (thrown).
// The read and write channels have no ordering between them (IHI 0022, A6.8), so drain()
// issues a read only after every write posted before it has its response, and a write
// only after every earlier read has its data: the register effects are those of the
// posted order, whatever the slave does.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "register_bus.h"

namespace ipsec::sim {

struct AxiLiteBusOptions {
  uint64_t seed = 1;
  int delay_percent = 0;          // chance that a phase waits before valid/ready, 0..100
  int max_delay = 4;              // clocks waited at most when it does
  uint32_t timeout_cycles = 1000;  // clocks a phase may wait for the slave before failing
  bool random_order = false;      // each write: W first, AW first or both together, at random
  unsigned max_outstanding = 4;   // drain(): requests of a kind issued ahead of responses
};

// One transaction of the pipelined mode and, after drain(), its response.
struct AxiLiteCompletion {
  bool write = false;
  uint32_t addr = 0;
  uint32_t data = 0;   // written data, or the data read
  uint8_t strb = 0xF;  // WSTRB of a write
  driver::BusStatus status = driver::BusStatus::kOk;
};

template <class Model>
class AxiLiteBus final : public driver::RegisterBus {
 public:
  // `clock`, if given, is the harness's clock count (now()); else the bus counts the clocks
  // it drove itself.
  AxiLiteBus(Model& model, std::function<void()> tick, AxiLiteBusOptions options = {},
             std::function<uint64_t()> clock = nullptr)
      : model_(model),
        tick_(std::move(tick)),
        clock_(std::move(clock)),
        options_(options),
        rng_(options.seed) {
    idle();
  }

  driver::BusStatus write32(uint32_t addr, uint32_t data) override {
    return write32_strobe(addr, data, 0xF);
  }

  // A write with byte strobes (WSTRB bit i enables WDATA[8i+7:8i]).
  driver::BusStatus write32_strobe(uint32_t addr, uint32_t data, uint8_t strb) {
    ++writes_;
    model_.s_axil_awaddr_i = addr;
    model_.s_axil_awprot_i = 0;
    model_.s_axil_wdata_i = data;
    model_.s_axil_wstrb_i = strb & 0xFu;
    int aw_wait = delay(), w_wait = delay();
    const Order order = pick_order();
    bool aw_done = false, w_done = false;
    uint32_t waited = 0;
    while (!aw_done || !w_done) {
      model_.s_axil_awvalid_i = !aw_done && aw_wait == 0 && (order != Order::kWFirst || w_done);
      model_.s_axil_wvalid_i = !w_done && w_wait == 0 && (order != Order::kAwFirst || aw_done);
      model_.eval();
      const bool aw_fire = model_.s_axil_awvalid_i && model_.s_axil_awready_o;
      const bool w_fire = model_.s_axil_wvalid_i && model_.s_axil_wready_o;
      clock(waited, "write", addr, "AWREADY/WREADY");
      // A delay counts only once the channel's turn has come (with W first, AW waits for W).
      const bool aw_turn = order != Order::kWFirst || w_done;
      const bool w_turn = order != Order::kAwFirst || aw_done;
      if (aw_fire) aw_done = true; else if (aw_wait > 0 && aw_turn) --aw_wait;
      if (w_fire) w_done = true; else if (w_wait > 0 && w_turn) --w_wait;
    }
    model_.s_axil_awvalid_i = 0;
    model_.s_axil_wvalid_i = 0;

    int b_wait = delay();
    waited = 0;
    for (;;) {
      model_.s_axil_bready_i = b_wait == 0;
      model_.eval();
      const bool fire = model_.s_axil_bvalid_o && model_.s_axil_bready_i;
      const unsigned resp = model_.s_axil_bresp_o;
      clock(waited, "write", addr, "BVALID");
      if (fire) {
        model_.s_axil_bready_i = 0;
        return status(resp);
      }
      if (b_wait > 0) --b_wait;
    }
  }

  driver::BusStatus read32(uint32_t addr, uint32_t& data) override {
    ++reads_;
    model_.s_axil_araddr_i = addr;
    model_.s_axil_arprot_i = 0;
    int ar_wait = delay();
    uint32_t waited = 0;
    for (;;) {
      model_.s_axil_arvalid_i = ar_wait == 0;
      model_.eval();
      const bool fire = model_.s_axil_arvalid_i && model_.s_axil_arready_o;
      clock(waited, "read", addr, "ARREADY");
      if (fire) break;
      if (ar_wait > 0) --ar_wait;
    }
    model_.s_axil_arvalid_i = 0;

    int r_wait = delay();
    waited = 0;
    for (;;) {
      model_.s_axil_rready_i = r_wait == 0;
      model_.eval();
      const bool fire = model_.s_axil_rvalid_o && model_.s_axil_rready_i;
      const uint32_t rdata = model_.s_axil_rdata_o;
      const unsigned resp = model_.s_axil_rresp_o;
      clock(waited, "read", addr, "RVALID");
      if (fire) {
        model_.s_axil_rready_i = 0;
        data = rdata;
        return status(resp);
      }
      if (r_wait > 0) --r_wait;
    }
  }

  // ---- pipelined mode -------------------------------------------------------------------
  // Queue a write (with its WSTRB) or a read; nothing reaches the bus before drain().
  void post_write(uint32_t addr, uint32_t data, uint8_t strb = 0xF) {
    AxiLiteCompletion c;
    c.write = true;
    c.addr = addr;
    c.data = data;
    c.strb = static_cast<uint8_t>(strb & 0xFu);
    posted_.push_back(c);
  }
  void post_read(uint32_t addr) {
    AxiLiteCompletion c;
    c.addr = addr;
    posted_.push_back(c);
  }
  size_t posted() const { return posted_.size(); }

  // Issues every posted transaction, up to max_outstanding of a kind ahead of their
  // responses, and returns them completed, in the order they were posted.
  std::vector<AxiLiteCompletion> drain() {
    std::vector<AxiLiteCompletion> items = std::move(posted_);
    posted_.clear();
    struct State {
      bool aw = false, w = false, ar = false, done = false;
      int aw_wait = 0, w_wait = 0, ar_wait = 0;
      Order order = Order::kTogether;
    };
    std::vector<State> st(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].write) {
        ++writes_;
        st[i].aw_wait = delay();
        st[i].w_wait = delay();
        st[i].order = pick_order();
      } else {
        ++reads_;
        st[i].ar_wait = delay();
      }
    }
    const size_t n = items.size();
    const size_t max_out = options_.max_outstanding > 0 ? options_.max_outstanding : 1;
    auto first = [&](bool write, auto pred) {
      for (size_t i = 0; i < n; ++i) {
        if (items[i].write == write && pred(st[i])) return i;
      }
      return n;
    };
    int b_wait = delay(), r_wait = delay();
    size_t finished = 0;
    uint32_t quiet = 0;
    while (finished < n) {
      // The channel heads, in posted order (AXI4-Lite: W data in the order of AW).
      const size_t aw_i = first(true, [](const State& s) { return !s.aw; });
      const size_t w_i = first(true, [](const State& s) { return !s.w; });
      const size_t ar_i = first(false, [](const State& s) { return !s.ar; });
      const size_t open_write = first(true, [](const State& s) { return !s.done; });
      const size_t open_read = first(false, [](const State& s) { return !s.done; });
      size_t writes_open = 0, reads_open = 0;
      for (size_t i = 0; i < n; ++i) {
        if (st[i].done) continue;
        if (items[i].write && (st[i].aw || st[i].w)) ++writes_open;
        if (!items[i].write && st[i].ar) ++reads_open;
      }
      max_writes_open_ = std::max(max_writes_open_, writes_open);
      max_reads_open_ = std::max(max_reads_open_, reads_open);
      // A write may start once every earlier read has its data and fewer than max_out
      // writes are open; a read likewise.
      auto write_may_go = [&](size_t i) {
        return i < n && open_read > i && (st[i].aw || st[i].w || writes_open < max_out);
      };
      const bool aw_ok = write_may_go(aw_i) && (st[aw_i].order != Order::kWFirst || st[aw_i].w);
      const bool w_ok = write_may_go(w_i) && (st[w_i].order != Order::kAwFirst || st[w_i].aw);
      const bool ar_ok = ar_i < n && open_write > ar_i && (st[ar_i].ar || reads_open < max_out);

      model_.s_axil_awvalid_i = aw_ok && st[aw_i].aw_wait == 0;
      model_.s_axil_awaddr_i = aw_i < n ? items[aw_i].addr : 0;
      model_.s_axil_awprot_i = 0;
      model_.s_axil_wvalid_i = w_ok && st[w_i].w_wait == 0;
      model_.s_axil_wdata_i = w_i < n ? items[w_i].data : 0;
      model_.s_axil_wstrb_i = w_i < n ? items[w_i].strb : 0;
      model_.s_axil_arvalid_i = ar_ok && st[ar_i].ar_wait == 0;
      model_.s_axil_araddr_i = ar_i < n ? items[ar_i].addr : 0;
      model_.s_axil_arprot_i = 0;
      model_.s_axil_bready_i = b_wait == 0;
      model_.s_axil_rready_i = r_wait == 0;
      model_.eval();
      const bool aw_fire = model_.s_axil_awvalid_i && model_.s_axil_awready_o;
      const bool w_fire = model_.s_axil_wvalid_i && model_.s_axil_wready_o;
      const bool ar_fire = model_.s_axil_arvalid_i && model_.s_axil_arready_o;
      const bool b_fire = model_.s_axil_bvalid_o && model_.s_axil_bready_i;
      const bool r_fire = model_.s_axil_rvalid_o && model_.s_axil_rready_i;
      const unsigned bresp = model_.s_axil_bresp_o, rresp = model_.s_axil_rresp_o;
      const uint32_t rdata = model_.s_axil_rdata_o;
      advance();

      if (aw_fire) st[aw_i].aw = true; else if (aw_ok && st[aw_i].aw_wait > 0) --st[aw_i].aw_wait;
      if (w_fire) st[w_i].w = true; else if (w_ok && st[w_i].w_wait > 0) --st[w_i].w_wait;
      if (ar_fire) st[ar_i].ar = true; else if (ar_ok && st[ar_i].ar_wait > 0) --st[ar_i].ar_wait;
      if (b_fire) {
        // The oldest write whose address and data have both been taken.
        const size_t i = first(true, [](const State& s) { return !s.done; });
        if (i == n || !st[i].aw || !st[i].w) {
          idle();
          throw std::runtime_error("AXI4-Lite: a write response with no write open");
        }
        st[i].done = true;
        items[i].status = status(bresp);
        ++finished;
        b_wait = delay();
      } else if (b_wait > 0 && writes_open > 0) {
        --b_wait;
      }
      if (r_fire) {
        const size_t i = first(false, [](const State& s) { return !s.done; });
        if (i == n || !st[i].ar) {
          idle();
          throw std::runtime_error("AXI4-Lite: read data with no read open");
        }
        st[i].done = true;
        items[i].data = rdata;
        items[i].status = status(rresp);
        ++finished;
        r_wait = delay();
      } else if (r_wait > 0 && reads_open > 0) {
        --r_wait;
      }
      const bool progress = aw_fire || w_fire || ar_fire || b_fire || r_fire;
      quiet = progress ? 0 : quiet + 1;
      if (quiet > options_.timeout_cycles) {
        idle();
        char text[160];
        std::snprintf(text, sizeof text,
                      "AXI4-Lite pipeline: %zu of %zu transactions unanswered after %u quiet "
                      "clocks", n - finished, n, static_cast<unsigned>(options_.timeout_cycles));
        throw std::runtime_error(text);
      }
    }
    idle();
    return items;
  }

  // The most transactions of a kind the pipelined mode has had open at once (a test's
  // evidence that requests really overlapped).
  size_t max_writes_open() const { return max_writes_open_; }
  size_t max_reads_open() const { return max_reads_open_; }

  void wait_cycles(uint32_t cycles) override {
    for (uint32_t i = 0; i < cycles; ++i) advance();
  }

  uint64_t now() const override { return clock_ ? clock_() : own_clocks_; }

  bool irq() override { return model_.irq_o; }

  // Transactions so far (what the register-write budget of a driver operation counts).
  uint64_t writes() const { return writes_; }
  uint64_t reads() const { return reads_; }

  // Drops every master output to idle, e.g. after the harness reset the model.
  void idle() {
    model_.s_axil_awvalid_i = 0;
    model_.s_axil_wvalid_i = 0;
    model_.s_axil_bready_i = 0;
    model_.s_axil_arvalid_i = 0;
    model_.s_axil_rready_i = 0;
  }

 private:
  enum class Order { kTogether, kAwFirst, kWFirst };

  // The order of AW and W of the next write: both together unless random_order is on, so
  // a bus without it draws nothing from the generator.
  Order pick_order() {
    if (!options_.random_order) return Order::kTogether;
    return static_cast<Order>(std::uniform_int_distribution<int>(0, 2)(rng_));
  }

  static driver::BusStatus status(unsigned resp) {
    switch (resp & 3u) {
      case 0: return driver::BusStatus::kOk;
      case 3: return driver::BusStatus::kDecErr;
      default: return driver::BusStatus::kSlvErr;  // 2 SLVERR; 1 EXOKAY is not AXI4-Lite
    }
  }

  int delay() {
    if (options_.delay_percent <= 0 || options_.max_delay <= 0) return 0;
    if (std::uniform_int_distribution<int>(0, 99)(rng_) >= options_.delay_percent) return 0;
    return std::uniform_int_distribution<int>(1, options_.max_delay)(rng_);
  }

  void advance() {
    tick_();
    ++own_clocks_;
  }

  void clock(uint32_t& waited, const char* what, uint32_t addr, const char* signal) {
    advance();
    if (++waited > options_.timeout_cycles) {
      idle();
      char text[160];
      std::snprintf(text, sizeof text,
                    "AXI4-Lite %s of 0x%03x: no %s from the slave within %u clocks", what,
                    static_cast<unsigned>(addr), signal,
                    static_cast<unsigned>(options_.timeout_cycles));
      throw std::runtime_error(text);
    }
  }

  Model& model_;
  std::function<void()> tick_;
  std::function<uint64_t()> clock_;
  uint64_t own_clocks_ = 0;
  AxiLiteBusOptions options_;
  std::mt19937_64 rng_;
  uint64_t writes_ = 0;
  uint64_t reads_ = 0;
  std::vector<AxiLiteCompletion> posted_;
  size_t max_writes_open_ = 0;
  size_t max_reads_open_ = 0;
};

}  // namespace ipsec::sim
