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
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

#include "register_bus.h"

namespace ipsec::sim {

struct AxiLiteBusOptions {
  uint64_t seed = 1;
  int delay_percent = 0;          // chance that a phase waits before valid/ready, 0..100
  int max_delay = 4;              // clocks waited at most when it does
  uint32_t timeout_cycles = 1000;  // clocks a phase may wait for the slave before failing
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
    ++writes_;
    model_.s_axil_awaddr_i = addr;
    model_.s_axil_awprot_i = 0;
    model_.s_axil_wdata_i = data;
    model_.s_axil_wstrb_i = 0xF;
    int aw_wait = delay(), w_wait = delay();
    bool aw_done = false, w_done = false;
    uint32_t waited = 0;
    while (!aw_done || !w_done) {
      model_.s_axil_awvalid_i = !aw_done && aw_wait == 0;
      model_.s_axil_wvalid_i = !w_done && w_wait == 0;
      model_.eval();
      const bool aw_fire = model_.s_axil_awvalid_i && model_.s_axil_awready_o;
      const bool w_fire = model_.s_axil_wvalid_i && model_.s_axil_wready_o;
      clock(waited, "write", addr, "AWREADY/WREADY");
      if (aw_fire) aw_done = true; else if (aw_wait > 0) --aw_wait;
      if (w_fire) w_done = true; else if (w_wait > 0) --w_wait;
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
};

}  // namespace ipsec::sim
