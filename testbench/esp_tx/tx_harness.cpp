#include "tx_harness.h"

#include <cstdio>
#include <cstdlib>

#include <doctest/doctest.h>

#include "Vesp_tx.h"
#include "bytes.h"
#include "frames.h"
#include "sa_ports.h"
#include "test_seed.h"
#include "verilated.h"
#include "vl_bytes.h"

namespace ipsec::tb {

namespace {

// sadb_pkg::LookupLatency, read from the package by CMake.
constexpr uint64_t kLookupLatency = IPSEC_LOOKUP_LATENCY;

}  // namespace

TxHarness::TxHarness(uint64_t seed, int in_stall, int out_stall, model::SaTable sas)
    : ctx_(std::make_unique<VerilatedContext>()),
      sas_(std::move(sas)),
      src_(seed, in_stall),
      sink_(seed + 1, out_stall) {
  lookup_ = model::lookup_in(sas_);
  ctx_->randReset(2);
  dut_ = std::make_unique<Vesp_tx>(ctx_.get(), "esp_tx");
  dut_->rst_ni = 0;
  for (int i = 0; i < 4; ++i) {
    dut_->clk_i = i & 1;
    dut_->eval();
  }
  dut_->rst_ni = 1;
  dut_->clk_i = 0;
  dut_->eval();
}

TxHarness::~TxHarness() { dut_->final(); }

void TxHarness::send(const Bytes& frame, bool tuser, const std::string& what) {
  const model::FrameResult r = model::tx(frame, tuser, lookup_, {}, model_);
  if (std::getenv("IPSEC_DEBUG")) {
    std::printf("send %s tuser=%d -> %s %s\n", describe(frame).c_str(), tuser, model::to_string(r.fate),
                r.why.c_str());
  }
  if (r.out) expect_.push_back({*r.out, what + " | " + describe(frame)});
  const uint64_t in_beats = (frame.size() + 15) / 16, out_beats = r.out ? (r.out->size() + 15) / 16 : 0;
  busy_beats_ += std::max(in_beats, out_beats);
  src_.push(frame, tuser);
}

void TxHarness::drive_lookup() {
  dut_->res_valid_i = 0;
  dut_->res_hit_i = 0;
  if (!lookups_.empty() && lookups_.front().first + kLookupLatency == cycles_) {
    const auto hit = lookup_(lookups_.front().second);
    dut_->res_valid_i = 1;
    dut_->res_hit_i = hit.has_value();
    write_sa_ctx(dut_->res_ctx_i, hit ? *hit : model::SaContext{});
    lookups_.pop_front();
  }
}

bool TxHarness::tick() {
  const bool valid = src_.valid();
  dut_->s_axis_tvalid_i = valid;
  if (valid) {
    const Beat& b = src_.beat();
    set_le(dut_->s_axis_tdata_i, b.data.data(), 16);
    dut_->s_axis_tkeep_i = b.keep;
    dut_->s_axis_tlast_i = b.last;
    dut_->s_axis_tuser_i = b.user;
  }
  dut_->m_axis_tready_i = sink_.ready();
  drive_lookup();
  dut_->eval();

  if (dut_->lkp_valid_o) {
    lookups_.push_back({cycles_, read_sa_key(dut_->lkp_key_o)});
    CHECK(lookups_.back().second.tx);
  }
  const bool in_fire = dut_->s_axis_tvalid_i && dut_->s_axis_tready_o;
  const bool out_fire = dut_->m_axis_tvalid_o && dut_->m_axis_tready_i;
  if (in_mid_ && !dut_->s_axis_tvalid_i) ++in_gaps_;
  if (sink_.mid_frame() && !dut_->m_axis_tvalid_o) ++out_gaps_;
  if (in_fire && first_in_ == 0) first_in_ = cycles_ + 1;
  if (in_fire) {
    if (!in_mid_) frame_in_.push_back(cycles_ + 1);
    if (src_.beat().last) frame_in_last_.push_back(cycles_ + 1);
    in_mid_ = !src_.beat().last;
  }
  if (out_fire) {
    if (first_out_ == 0) first_out_ = cycles_ + 1;
    if (!sink_.mid_frame()) out_frame_first_ = cycles_ + 1;
    last_out_ = cycles_ + 1;
    Beat b;
    get_le(dut_->m_axis_tdata_o, b.data.data(), 16);
    b.keep = dut_->m_axis_tkeep_o;
    b.last = dut_->m_axis_tlast_o;
    if (b.last) out_user_ = dut_->m_axis_tuser_o;
    if (sink_.take(b)) {
      Bytes got = std::move(sink_.frames().front());
      sink_.frames().pop_front();
      if (std::getenv("IPSEC_DEBUG")) std::printf("out %s user=%d\n", describe(got).c_str(), out_user_);
      if (out_user_) {
        ++aborted_;  // the MAC discards it: a drop
      } else {
        ++frames_out_;
        frame_out_.push_back(out_frame_first_);
        bytes_out_ += got.size();
        REQUIRE_MESSAGE(!expect_.empty(), "esp_tx sent a frame the model dropped: " << describe(got)
                                                                                     << "; " << seed_hint());
        const Expect& e = expect_.front();
        INFO("frame: " << e.what << "; " << seed_hint());
        CHECK_MESSAGE(first_difference(got, e.frame) == "", first_difference(got, e.frame));
        expect_.pop_front();
      }
    }
  }
  rtl_.enc_in += dut_->cnt_enc_in_o;
  rtl_.enc_out += dut_->cnt_enc_out_o;
  rtl_.enc_bypass += dut_->cnt_enc_bypass_o;
  rtl_.enc_drop += dut_->cnt_enc_drop_o;

  dut_->clk_i = 1;
  dut_->eval();
  dut_->clk_i = 0;
  ++cycles_;
  if (in_fire) src_.taken();
  return in_fire || out_fire;
}

void TxHarness::run() {
  uint64_t idle = 0;
  while (!src_.idle() || !expect_.empty() || sink_.mid_frame() || idle < 64) {
    idle = tick() ? 0 : idle + 1;
    REQUIRE_MESSAGE(idle < 20000, "esp_tx made no progress at clock " << cycles_ << "; "
                                                                      << expect_.size()
                                                                      << " frames still expected; "
                                                                      << seed_hint());
  }
  INFO(seed_hint());
  CHECK_MESSAGE(rtl_ == model_, "RTL counters " << model::to_string(rtl_) << " vs model "
                                                << model::to_string(model_));
}

}  // namespace ipsec::tb
