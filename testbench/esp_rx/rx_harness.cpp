#include "rx_harness.h"

#include <algorithm>
#include <stdexcept>

#include "Vesp_rx.h"
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

size_t beats_of(size_t bytes) { return bytes == 0 ? 1 : (bytes + 15) / 16; }

std::string key_text(const model::SaKey& k) {
  return std::string(k.tx ? "tx" : "rx") + (k.ipv6 ? " v6" : " v4") + " sip " +
         to_hex(k.sip.data(), 16) + " dip " + to_hex(k.dip.data(), 16) + " spi " +
         std::to_string(k.spi);
}

}  // namespace

EspRxHarness::EspRxHarness(uint64_t seed, int in_stall, int out_stall)
    : ctx_(std::make_unique<VerilatedContext>()),
      seed_(seed),
      in_stall_(in_stall),
      out_stall_(out_stall),
      src_(seed, in_stall),
      sink_(seed + 1, out_stall) {
  ctx_->randReset(2);
  dut_ = std::make_unique<Vesp_rx>(ctx_.get(), "esp_rx");
  reset();
}

EspRxHarness::~EspRxHarness() { dut_->final(); }

model::SaTable& EspRxHarness::sa_table() {
  sas_dirty_ = true;
  return sas_;
}

void EspRxHarness::set_control(const model::DatapathControl& ctl) {
  run();
  ctl_ = ctl;
}

void EspRxHarness::push(const Bytes& frame, bool tuser) {
  if (sas_dirty_ || !snapshot_) {
    snapshot_ = std::make_shared<const model::SaTable>(sas_);
    sas_dirty_ = false;
  }
  RxFrame f;
  f.in = frame;
  f.tuser = tuser;
  std::optional<model::SaKey> looked_up;
  const model::SaLookup base = model::lookup_in(*snapshot_);
  const model::SaLookup lookup = [&](const model::SaKey& k) {
    looked_up = k;
    return base(k);
  };
  const model::DatapathCounters before = model_counters_;
  f.want = model::rx(frame, tuser, lookup, ctl_, model_counters_);
  f.counted.dec_in = model_counters_.dec_in - before.dec_in;
  f.counted.dec_out = model_counters_.dec_out - before.dec_out;
  f.counted.dec_bypass = model_counters_.dec_bypass - before.dec_bypass;
  f.counted.dec_drop = model_counters_.dec_drop - before.dec_drop;
  f.counted.dec_auth_fail = model_counters_.dec_auth_fail - before.dec_auth_fail;
  f.in_beats = beats_of(frame.size());
  f.out_beats = f.want.out ? beats_of(f.want.out->size()) : 0;

  const size_t index = frames_.size();
  frames_.push_back(std::move(f));
  table_of_frame_.push_back(snapshot_);
  model_key_of_frame_.push_back(looked_up);
  want_count_.push_back(index);
  if (frames_.back().want.out) want_out_.push_back(index);
  src_.push(frame, tuser);
}

void EspRxHarness::run(uint64_t max_idle) {
  uint64_t idle = 0;
  auto all_done = [&] {
    if (!src_.idle()) return false;
    for (size_t i = frames_.size(); i > first_live_; --i) {
      if (!frames_[i - 1].done()) return false;
    }
    return true;
  };
  while (!all_done()) {
    tick();
    idle = moved_ ? 0 : idle + 1;
    if (idle > max_idle) fail("esp_rx made no progress for " + std::to_string(max_idle) + " clocks");
  }
  // Nothing more may come out.
  for (int i = 0; i < 64; ++i) tick();
}

void EspRxHarness::reset() {
  dut_->rst_ni = 0;
  dut_->s_axis_tvalid_i = 0;
  dut_->m_axis_tready_i = 0;
  dut_->res_valid_i = 0;
  for (int i = 0; i < 4; ++i) {
    dut_->clk_i = i & 1;
    dut_->eval();
  }
  dut_->rst_ni = 1;
  dut_->clk_i = 0;
  dut_->eval();
  // Frames in flight are gone; beats not yet presented are dropped too.
  src_ = FrameSource(seed_ + cycle_ + 2, in_stall_);
  sink_ = FrameSink(seed_ + cycle_ + 3, out_stall_);
  want_out_.clear();
  want_count_.clear();
  lookups_.clear();
  out_mid_ = false;
  in_mid_ = false;
  stalled_ = false;
  first_live_ = frames_.size();
  taking_frame_ = frames_.size();
}

void EspRxHarness::tick() {
  // Lookup results due this clock.
  dut_->res_valid_i = 0;
  if (!lookups_.empty() && lookups_.front().due == cycle_) {
    const Lookup& l = lookups_.front();
    dut_->res_valid_i = 1;
    dut_->res_hit_i = l.hit;
    write_sa_ctx(dut_->res_ctx_i, l.ctx);
    lookups_.pop_front();
  }
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
  dut_->no_trailer_i = ctl_.no_trailer;
  dut_->fwd_bad_frames_i = ctl_.fwd_bad_frames;
  dut_->eval();

  const bool in_fire = valid && dut_->s_axis_tready_o;
  const bool out_fire = dut_->m_axis_tvalid_o && dut_->m_axis_tready_i;
  moved_ = in_fire || out_fire || dut_->cnt_dec_bypass_o || dut_->cnt_dec_out_o ||
           dut_->cnt_dec_drop_o || dut_->cnt_dec_auth_fail_o;
  if (dut_->lkp_valid_o) serve_lookup();
  if (dut_->m_axis_tuser_o) fail("m_axis_tuser_o set");
  check_pulses(dut_->cnt_dec_in_o, dut_->cnt_dec_out_o, dut_->cnt_dec_bypass_o, dut_->cnt_dec_drop_o,
               dut_->cnt_dec_auth_fail_o);
  // AXI4-Stream: a beat offered and not taken stays, unchanged, until it is taken.
  Beat offered;
  if (dut_->m_axis_tvalid_o) {
    get_le(dut_->m_axis_tdata_o, offered.data.data(), 16);
    offered.keep = dut_->m_axis_tkeep_o;
    offered.last = dut_->m_axis_tlast_o;
  }
  if (stalled_ && (!dut_->m_axis_tvalid_o || offered.data != stalled_beat_.data ||
                   offered.keep != stalled_beat_.keep || offered.last != stalled_beat_.last)) {
    fail("m_axis changed a beat it offered before it was taken");
  }
  stalled_ = dut_->m_axis_tvalid_o && !dut_->m_axis_tready_i;
  stalled_beat_ = offered;
  if (out_fire) {
    if (want_out_.empty()) fail("a frame came out that the model does not forward");
    RxFrame& f = frames_[want_out_.front()];
    if (!out_mid_) f.out_first_cycle = cycle_;
    out_mid_ = true;
    if (sink_.take(offered)) {
      f.out_last_cycle = cycle_;
      out_mid_ = false;
      Bytes got = std::move(sink_.frames().front());
      sink_.frames().pop_front();
      check_output(got);
    }
  }

  dut_->clk_i = 1;
  dut_->eval();
  dut_->clk_i = 0;
  if (in_fire) {
    const size_t index = first_live_ + src_.frames_sent();
    RxFrame& f = frames_[index];
    if (!in_mid_) f.in_first_cycle = cycle_;
    in_mid_ = !src_.beat().last;
    if (!in_mid_) f.in_last_cycle = cycle_;
    taking_frame_ = index;
    src_.taken();
  }
  ++cycle_;
}

void EspRxHarness::serve_lookup() {
  // The request goes out the clock after the beat holding the SPI was taken.
  const size_t index = taking_frame_;
  if (index < first_live_ || index >= frames_.size()) fail("an SA lookup with no frame coming in");
  const model::SaKey key = read_sa_key(dut_->lkp_key_o);
  const auto& want = model_key_of_frame_[index];
  if (want && !(*want == key)) {
    fail("frame " + std::to_string(index) + ": lookup key " + key_text(key) + ", the model looked up " +
         key_text(*want));
  }
  if (key.tx) fail("an RX lookup with dir_tx set");
  Lookup l;
  l.due = cycle_ + kLookupLatency;
  const auto& table = *table_of_frame_[index];
  const auto it = table.find(key);
  l.hit = it != table.end();
  if (l.hit) l.ctx = it->second;
  lookups_.push_back(l);
}

void EspRxHarness::check_output(const Bytes& got) {
  const size_t index = want_out_.front();
  want_out_.pop_front();
  RxFrame& f = frames_[index];
  const Bytes& want = *f.want.out;
  const std::string diff = first_difference(got, want);
  if (!diff.empty()) {
    fail("frame " + std::to_string(index) + " (" + model::to_string(f.want.fate) + ", " + f.want.why +
         (f.tuser ? ", tuser" : "") + "): " + diff + "\n  in:   " + describe(f.in) + "\n  want: " +
         describe(want) + "\n  got:  " + describe(got));
  }
  f.out_done = true;
}

void EspRxHarness::check_pulses(bool in, bool out, bool bypass, bool drop, bool auth) {
  rtl_counters_.dec_in += in;
  rtl_counters_.dec_out += out;
  rtl_counters_.dec_bypass += bypass;
  rtl_counters_.dec_drop += drop;
  rtl_counters_.dec_auth_fail += auth;
  if (!(in || out || bypass || drop || auth)) return;
  if (want_count_.empty()) fail("a counter moved with no frame left to count");
  const size_t index = want_count_.front();
  want_count_.pop_front();
  RxFrame& f = frames_[index];
  const auto& c = f.counted;
  if (c.dec_in != in || c.dec_out != out || c.dec_bypass != bypass || c.dec_drop != drop ||
      c.dec_auth_fail != auth) {
    model::DatapathCounters got;
    got.dec_in = in;
    got.dec_out = out;
    got.dec_bypass = bypass;
    got.dec_drop = drop;
    got.dec_auth_fail = auth;
    fail("frame " + std::to_string(index) + " (" + model::to_string(f.want.fate) + ", " + f.want.why +
         "): counted " + model::to_string(got) + "; the model counts " + model::to_string(c) +
         "\n  in: " + describe(f.in));
  }
  f.counted_done = true;
}

void EspRxHarness::fail(const std::string& what) const {
  throw std::runtime_error("esp_rx, clock " + std::to_string(cycle_) + ": " + what + "\n  " + seed_hint());
}

}  // namespace ipsec::tb
