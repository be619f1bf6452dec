#include "pkt_tx_rig.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <doctest/doctest.h>

#include "Vesp_tx_pkt_top.h"
#include "bytes.h"
#include "driver/sa_image.h"
#include "frames.h"
#include "sa_ports.h"
#include "test_seed.h"
#include "verilated.h"
#include "vl_bytes.h"

namespace ipsec::tb {

namespace {

// sadb_pkg::LookupLatency, read from the package by CMake.
constexpr uint64_t kLookupLatency = IPSEC_LOOKUP_LATENCY;
// esp_pkt_life_pkg::SnapLatency: a snapshot asked on clock r shows its words from r + 5.
constexpr int kSnapLatency = 5;

// The command of a packet SA as the driver builds it: the V2 image of the fixture's, then
// the packet parameters (driver/sa_image.h). The fixture's own whole image must agree.
Bytes add_sa_pkt_command(const pkt::SaSpec& s) {
  const Bytes fixture = pkt::add_image(s);
  driver::SaImage::Array v2{};
  std::copy(fixture.begin() + 4, fixture.begin() + static_cast<std::ptrdiff_t>(v2.size()), v2.begin() + 4);
  driver::PktSaParams p;
  p.mode = s.tunnel ? driver::packet::PktMode::kTunnel : driver::packet::PktMode::kTransport;
  p.replay_words = s.replay_words;
  p.seq = s.seq;
  p.soft_bytes = s.soft_bytes;
  p.hard_bytes = s.hard_bytes;
  p.soft_packets = s.soft_packets;
  p.hard_packets = s.hard_packets;
  p.ttl = s.ttl;
  p.tclass = s.dscp_ecn;
  p.tunnel_flags = s.tunnel_flags;
  p.flow_label = s.flow_label;
  const std::vector<uint8_t> cmd = driver::build_add_sa_pkt_command(driver::SaImage(v2), p);
  REQUIRE(Bytes(cmd.begin(), cmd.end()) == fixture);
  return Bytes(cmd.begin(), cmd.end());
}

}  // namespace

PktTxRig::PktTxRig(uint64_t seed, int in_stall, int out_stall)
    : ctx_(std::make_unique<VerilatedContext>()), model_(true), src_(seed, in_stall), sink_(seed + 1, out_stall) {
  ctx_->randReset(2);
  dut_ = std::make_unique<Vesp_tx_pkt_top>(ctx_.get(), "esp_tx_pkt_top");
  dut_->rst_ni = 0;
  dut_->s_axis_tvalid_i = 0;
  dut_->sw_valid_i = 0;
  dut_->init_valid_i = 0;
  dut_->snap_valid_i = 0;
  dut_->evt_pop_i = 0;
  for (int i = 0; i < 4; ++i) {
    dut_->clk_i = i & 1;
    dut_->eval();
  }
  dut_->rst_ni = 1;
  dut_->clk_i = 0;
  dut_->eval();
  // The encapsulator and the lifetime unit clear their tables after reset.
  for (int i = 0; i < 4000 && !(dut_->sw_ready_o && dut_->life_ready_o); ++i) tick();
  REQUIRE(dut_->sw_ready_o);
  REQUIRE(dut_->life_ready_o);
}

PktTxRig::~PktTxRig() { dut_->final(); }

uint16_t PktTxRig::add_packet_sa(const pkt::SaSpec& s) {
  run();
  const pkt::Response r = model_.command(add_sa_pkt_command(s));
  REQUIRE(r.syndrome == 0);
  const uint16_t index = static_cast<uint16_t>(r.word2 & 0xFFFF);
  write_state(index);
  if (std::find(pkt_indices_.begin(), pkt_indices_.end(), index) == pkt_indices_.end()) {
    pkt_indices_.push_back(index);
  }
  return index;
}

void PktTxRig::add_crypto_sa(const pkt::SaSpec& s) {
  run();
  Bytes img = pkt::add_image(s);
  img.resize(148);
  img[3] = static_cast<uint8_t>(driver::SaOpcode::kAddSaV2);
  const pkt::Response r = model_.command(img);
  REQUIRE(r.syndrome == 0);
}

// What the command executor will write at ADD_SA_PKT: the encapsulator's state (esp_pkg::
// tx_pkt_sa_t) and the lifetime unit's init (esp_pkt_life_pkg::life_cfg_t), from the entry
// the model now holds at `index`.
void PktTxRig::write_state(uint16_t index) {
  const model::SaEntry* e = model_.model().ctrl().sa_at(index);
  REQUIRE(e != nullptr);
  REQUIRE(e->pkt.has_value());
  const model::PacketSa& p = *e->pkt;
  auto& w = dut_->sw_sa_i;
  for (size_t i = 0; i < 13; ++i) w[i] = 0;
  set_bits(w, 409, 1, 1);
  set_bits(w, 393, 16, e->sw_sa_handle & 0xFFFF);
  set_bits(w, 361, 32, e->key.spi);
  set_bits(w, 360, 1, e->esn_en);
  set_bits(w, 296, 64, p.seq);
  set_bits(w, 295, 1, p.cfg.tunnel);
  set_bits(w, 294, 1, e->key.ipv6);
  set_bits_be(w, 166, e->key.sip.data(), 16);
  set_bits_be(w, 38, e->key.dip.data(), 16);
  set_bits(w, 30, 8, p.cfg.ttl);
  set_bits(w, 22, 8, p.cfg.dscp_ecn);
  set_bits(w, 20, 2, p.cfg.tunnel_flags);
  set_bits(w, 0, 20, p.cfg.flow_label);
  dut_->sw_index_i = index;
  auto& c = dut_->init_cfg_i;
  for (size_t i = 0; i < 9; ++i) c[i] = 0;
  set_bits(c, 256, 32, e->sw_sa_handle);
  set_bits(c, 192, 64, p.cfg.soft_bytes);
  set_bits(c, 128, 64, p.cfg.hard_bytes);
  set_bits(c, 64, 64, p.cfg.soft_packets);
  set_bits(c, 0, 64, p.cfg.hard_packets);
  dut_->init_index_i = index;
  dut_->init_sa_i = 1;
  dut_->init_tx_i = e->key.tx;
  bool sw = true, init = true;
  for (int i = 0; i < 100 && (sw || init); ++i) {
    dut_->sw_valid_i = sw;
    dut_->init_valid_i = init;
    dut_->eval();
    const bool sw_fire = sw && dut_->sw_ready_o;
    const bool init_fire = init && dut_->init_ready_o;
    tick();
    if (sw_fire) sw = false;
    if (init_fire) init = false;
  }
  dut_->sw_valid_i = 0;
  dut_->init_valid_i = 0;
  REQUIRE(!sw);
  REQUIRE(!init);
  // The unit's hard-expired mark of the index is cleared by its init (a few clocks).
  for (int i = 0; i < 8; ++i) tick();
}

void PktTxRig::send(const Bytes& frame, bool tuser, const std::string& what) {
  const model::FrameResult r = model_.model().host_tx(frame, tuser);
  if (std::getenv("IPSEC_DEBUG")) {
    std::printf("send %s %s tuser=%d -> %s %s\n", what.c_str(), describe(frame).c_str(), tuser,
                model::to_string(r.fate), r.why.c_str());
  }
  if (r.out) expect_.push_back({*r.out, what + " | " + describe(frame)});
  for (const model::PacketEvent& e : r.events) {
    model_events_.push_back({static_cast<uint8_t>(e.kind), e.index, e.handle});
  }
  const uint64_t in_beats = (frame.size() + 15) / 16, out_beats = r.out ? (r.out->size() + 15) / 16 : 0;
  busy_beats_ += std::max(in_beats, out_beats);
  lookup_miss_.push_back(false);
  src_.push(frame, tuser);
}

void PktTxRig::send_unfound(const Bytes& frame, const std::string& what) {
  const model::FrameResult r = model_.model().host_tx(frame, false);
  if (std::getenv("IPSEC_DEBUG")) {
    std::printf("send %s %s, its lookup missing -> model: %s %s\n", what.c_str(), describe(frame).c_str(),
                model::to_string(r.fate), r.why.c_str());
  }
  for (const model::PacketEvent& e : r.events) {
    model_events_.push_back({static_cast<uint8_t>(e.kind), e.index, e.handle});
  }
  // One the model drops (a hard limit) is dropped by both.
  if (r.out) ++unfound_;
  busy_beats_ += (frame.size() + 15) / 16;
  lookup_miss_.push_back(true);
  src_.push(frame, false);
}

void PktTxRig::drive_lookup() {
  dut_->res_valid_i = 0;
  dut_->res_hit_i = 0;
  if (!lookups_.empty() && lookups_.front().cycle + kLookupLatency == cycles_) {
    // The SA table's rule on its TX port: a crypto SA by key, a packet SA by the index of a
    // frame the encapsulator made.
    const Lookup& l = lookups_.front();
    const model::SaEntry* e = nullptr;
    if (l.miss) {
      // Its SA gone (a frame the encapsulator refused, past a hard limit, has no index and
      // is dropped whatever the answer).
    } else if (l.index) {
      e = model_.model().ctrl().sa_at(*l.index);
      if (e && !e->pkt) e = nullptr;
    } else {
      e = model_.model().ctrl().find_sa(l.key);
      if (e && e->pkt) e = nullptr;
    }
    model::SaContext c;
    if (e) {
      c.key256 = e->enc_mode == 3;
      std::copy(e->key_enc.begin(), e->key_enc.begin() + (c.key256 ? 32 : 16), c.key.begin());
      c.salt = uint32_t{e->salt[0]} << 24 | uint32_t{e->salt[1]} << 16 | uint32_t{e->salt[2]} << 8 | e->salt[3];
      c.handle = e->sw_sa_handle;
      c.esn_en = e->esn_en;
      c.esn_overlap = e->esn_overlap;
      c.esn_hi = e->esn;
    }
    dut_->res_valid_i = 1;
    dut_->res_hit_i = e != nullptr;
    write_sa_ctx(dut_->res_ctx_i, c);
    lookups_.pop_front();
  }
}

bool PktTxRig::tick() {
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
  dut_->evt_pop_i = 0;
  dut_->eval();
  // Every event is taken as it comes (the queue never fills), and kept for the end.
  if (dut_->evt_ready_o) {
    rtl_events_.push_back({static_cast<uint8_t>(dut_->evt_word0_o & 0xFF),
                           static_cast<uint16_t>(dut_->evt_word0_o >> 16), dut_->evt_word1_o});
    dut_->evt_pop_i = 1;
    dut_->eval();
  }

  if (dut_->lkp_valid_o) {
    Lookup l{cycles_, read_sa_key(dut_->lkp_key_o), std::nullopt, false};
    if (dut_->lkp_by_index_o) l.index = static_cast<uint16_t>(dut_->lkp_index_o);
    CHECK(l.key.tx);
    REQUIRE(!lookup_miss_.empty());
    l.miss = lookup_miss_.front();
    lookup_miss_.pop_front();
    lookups_.push_back(l);
  }
  const bool in_fire = dut_->s_axis_tvalid_i && dut_->s_axis_tready_o;
  const bool out_fire = dut_->m_axis_tvalid_o && dut_->m_axis_tready_i;
  if (sink_.mid_frame() && !dut_->m_axis_tvalid_o) ++out_gaps_;
  if (in_fire && src_.beat().last) frame_in_last_.push_back(cycles_ + 1);
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
        REQUIRE_MESSAGE(!expect_.empty(), "esp_tx sent a frame the model dropped: " << describe(got) << "; "
                                                                                     << seed_hint());
        const Expect& e = expect_.front();
        INFO("frame: " << e.what << "; " << seed_hint());
        CHECK_MESSAGE(first_difference(got, e.frame) == "", first_difference(got, e.frame));
        expect_.pop_front();
      }
    }
  }
  in_ += dut_->cnt_enc_in_o;
  out_ += dut_->cnt_enc_out_o;
  bypass_ += dut_->cnt_enc_bypass_o;
  drop_ += dut_->cnt_enc_drop_o;

  dut_->clk_i = 1;
  dut_->eval();
  dut_->clk_i = 0;
  ++cycles_;
  if (in_fire) src_.taken();
  return in_fire || out_fire;
}

void PktTxRig::run() {
  uint64_t idle = 0;
  while (!src_.idle() || !expect_.empty() || sink_.mid_frame() || idle < 64) {
    idle = tick() ? 0 : idle + 1;
    REQUIRE_MESSAGE(idle < 20000, "esp_tx made no progress at clock " << cycles_ << "; " << expect_.size()
                                                                      << " frames still expected; " << seed_hint());
  }
}

void PktTxRig::finish() {
  run();
  INFO(seed_hint());
  using C = model::CtrlCounter;
  CHECK(in_ == model_.counter(C::kEncInPackets));
  CHECK(out_ == model_.counter(C::kEncOutPackets) - unfound_);
  CHECK(bypass_ == model_.counter(C::kEncBypassPackets));
  CHECK(drop_ == model_.counter(C::kEncDropPackets) + unfound_);
  // Events (P6), in order: kind, index, handle.
  CHECK(dut_->evt_drop_o == 0);
  REQUIRE(rtl_events_.size() == model_events_.size());
  for (size_t i = 0; i < rtl_events_.size(); ++i) {
    INFO("event " << i);
    CHECK(rtl_events_[i].kind == model_events_[i].kind);
    CHECK(rtl_events_[i].index == model_events_[i].index);
    CHECK(rtl_events_[i].handle == model_events_[i].handle);
  }
  // Each packet SA's counters (P5): the unit's snapshot against PKT_STATS of the model.
  for (uint16_t index : pkt_indices_) {
    dut_->snap_valid_i = 1;
    dut_->snap_index_i = index;
    tick();
    dut_->snap_valid_i = 0;
    for (int i = 1; i < kSnapLatency; ++i) tick();
    dut_->eval();
    REQUIRE(!dut_->snap_busy_o);
    const std::array<uint64_t, 5> want = model_.stats(index);
    for (size_t k = 0; k < 5; ++k) {
      const uint64_t got = get_bits(dut_->snap_words_o, 64 * k, 64);
      INFO("SA " << index << ", counter " << k);
      CHECK(got == want[k]);
    }
  }
}

}  // namespace ipsec::tb
