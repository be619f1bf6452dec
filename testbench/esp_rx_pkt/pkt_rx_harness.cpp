#include "pkt_rx_harness.h"

#include <stdexcept>

#include "Vesp_rx_pkt_top.h"
#include "bytes.h"
#include "frames.h"
#include "sa_ports.h"
#include "test_seed.h"
#include "verilated.h"
#include "verilated_reset.h"
#include "vl_bytes.h"

namespace ipsec::tb {

namespace {

// sadb_pkg::LookupLatency, read from the package by CMake.
constexpr uint64_t kLookupLatency = IPSEC_LOOKUP_LATENCY;
// esp_rx_read: a frame's replay commit is written 8 clocks before its counters pulse.
constexpr uint64_t kCommitToCount = 8;

model::SaContext context_of(const model::SaEntry& e) {
  model::SaContext c;
  c.key256 = e.enc_mode == 3;  // AES-GCM-256 (contract section 3)
  std::copy(e.key_enc.begin(), e.key_enc.begin() + (c.key256 ? 32 : 16), c.key.begin());
  c.salt = uint32_t{e.salt[0]} << 24 | uint32_t{e.salt[1]} << 16 | uint32_t{e.salt[2]} << 8 | e.salt[3];
  c.handle = e.sw_sa_handle;
  c.esn_en = e.esn_en;
  c.esn_overlap = e.esn_overlap;
  c.esn_hi = e.esn;
  return c;
}

}  // namespace

PktRxHarness::PktRxHarness(uint64_t seed, int in_stall, int out_stall)
    : ctx_(std::make_unique<VerilatedContext>()),
      src_(seed, in_stall),
      sink_(seed + 1, out_stall) {
  ctx_->randReset(2);
  dut_ = std::make_unique<Vesp_rx_pkt_top>(ctx_.get(), "esp_rx_pkt_top");
  dut_->s_axis_tvalid_i = 0;
  dut_->m_axis_tready_i = 0;
  dut_->res_valid_i = 0;
  dut_->pkt_init_valid_i = 0;
  dut_->life_init_valid_i = 0;
  dut_->snap_valid_i = 0;
  dut_->evt_pop_i = 0;
  async_reset(*dut_);
  // esp_pkt_life clears its NumSa entries after reset.
  for (int i = 0; i < 5000 && !dut_->life_ready_o; ++i) idle_clock();
  if (!dut_->life_ready_o) fail("esp_pkt_life not ready after reset");
}

PktRxHarness::~PktRxHarness() { dut_->final(); }

void PktRxHarness::idle_clock() {
  dut_->s_axis_tvalid_i = 0;
  dut_->res_valid_i = 0;
  dut_->m_axis_tready_i = 1;
  dut_->eval();
  if (dut_->m_axis_tvalid_o || dut_->cnt_dec_in_o || dut_->cnt_dec_out_o || dut_->cnt_dec_bypass_o ||
      dut_->cnt_dec_drop_o || dut_->cnt_dec_auth_fail_o) {
    fail("output while idle");
  }
  clock_edge(*dut_);
  ++cycle_;
}

uint16_t PktRxHarness::add_packet_sa(const pkt::SaSpec& s) {
  const uint16_t index = eng_.add(s);
  // The window and the mode.
  dut_->pkt_init_valid_i = 1;
  dut_->pkt_init_idx_i = index;
  dut_->pkt_init_words_i = s.replay_words;
  dut_->pkt_init_esn_i = s.esn;
  dut_->pkt_init_top_i = s.seq;
  dut_->pkt_init_tunnel_i = s.tunnel;
  for (int i = 0;; ++i) {
    dut_->eval();
    const bool taken = dut_->pkt_init_ready_o;
    idle_clock();
    if (taken) break;
    if (i > 10) fail("esp_rx's replay init never ready");
  }
  dut_->pkt_init_valid_i = 0;
  // The lifetime: life_cfg_t {handle, soft_bytes, hard_bytes, soft_packets, hard_packets}.
  dut_->life_init_valid_i = 1;
  dut_->life_init_index_i = index;
  dut_->life_init_sa_i = 1;
  set_bits(dut_->life_init_cfg_i, 0, 64, s.hard_packets);
  set_bits(dut_->life_init_cfg_i, 64, 64, s.soft_packets);
  set_bits(dut_->life_init_cfg_i, 128, 64, s.hard_bytes);
  set_bits(dut_->life_init_cfg_i, 192, 64, s.soft_bytes);
  set_bits(dut_->life_init_cfg_i, 256, 32, s.handle);
  for (int i = 0;; ++i) {
    dut_->eval();
    const bool taken = dut_->life_init_ready_o;
    idle_clock();
    if (taken) break;
    if (i > 10) fail("esp_pkt_life's init never ready");
  }
  dut_->life_init_valid_i = 0;
  return index;
}

void PktRxHarness::add_crypto_sa(const pkt::SaSpec& s) {
  Bytes img = pkt::add_image(s);
  img.resize(148);
  img[0] = img[1] = img[2] = 0;
  img[3] = 2;  // ADD_SA_V2
  const pkt::Response r = eng_.command(img);
  if (r.syndrome != 0) fail("ADD_SA_V2 refused by the model: syndrome " + std::to_string(r.syndrome));
}

void PktRxHarness::set_control(const model::DatapathControl& c) {
  run();
  ctl_ = c;
}

void PktRxHarness::push(const Bytes& frame, bool tuser) {
  Frame f;
  f.in = frame;
  f.tuser = tuser;
  model::DatapathControl ctl = ctl_;
  ctl.max_frame = eng_.model().ctrl().config().max_frame;
  std::optional<model::RxEspFrame> esp = model::rx_esp_frame(frame, tuser, ctl);
  const model::SaEntry* e = esp ? eng_.model().ctrl().find_sa(esp->key) : nullptr;
  if (e && e->pkt) {
    f.pkt = true;
    f.esp = *esp;
  } else {
    // Crypto SAs and everything else: the Innova's rules, now (no packet state involved).
    model::DatapathCounters c;
    f.want = model::rx(frame, tuser, [this](const model::SaKey& k) { return eng_.model().lookup(k); }, ctl, c);
    f.counted = c;
    f.decided = true;
  }
  frames_.push_back(std::move(f));
  want_count_.push_back(frames_.size() - 1);
  src_.push(frame, tuser);
}

void PktRxHarness::verify_due(uint64_t upto) {
  while (!checks_.empty() && checks_.front().first <= upto) {
    Frame& f = frames_[checks_.front().second];
    checks_.pop_front();
    model::SaEntry* e = eng_.model().ctrl().find_sa_mutable(f.esp.key);
    if (!e || !e->pkt) fail("a packet SA's frame whose SA is gone");
    model::DatapathCounters c;
    f.pend = model::rx_packet_verify(f.in, f.esp, *e, c);
    f.counted = c;
    f.verified = true;
  }
}

void PktRxHarness::run(uint64_t max_idle) {
  uint64_t idle = 0;
  auto all_done = [&] {
    if (!src_.idle() || !want_count_.empty()) return false;
    for (size_t i = out_scan_; i < frames_.size(); ++i) {
      if (frames_[i].want.out && !frames_[i].out_done) return false;
    }
    return true;
  };
  while (!all_done()) {
    tick();
    idle = moved_ ? 0 : idle + 1;
    if (idle > max_idle) fail("esp_rx made no progress for " + std::to_string(max_idle) + " clocks");
  }
  for (int i = 0; i < 64; ++i) tick();
}

void PktRxHarness::tick() {
  // The model's verifies whose checks are 8 clocks old: every commit the check saw has been
  // replayed by now (its counters pulsed), and none it did not see.
  if (cycle_ >= kCommitToCount) verify_due(cycle_ - kCommitToCount);

  dut_->res_valid_i = 0;
  if (!lookups_.empty() && lookups_.front().due == cycle_) {
    const Lookup& l = lookups_.front();
    dut_->res_valid_i = 1;
    dut_->res_hit_i = l.hit;
    dut_->res_pkt_i = l.pkt;
    dut_->res_index_i = l.index;
    write_sa_ctx(dut_->res_ctx_i, l.ctx);
    if (l.pkt && l.frame < frames_.size() && frames_[l.frame].pkt) checks_.emplace_back(cycle_, l.frame);
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
  in_waits_ += valid && !dut_->s_axis_tready_o;
  const bool out_fire = dut_->m_axis_tvalid_o && dut_->m_axis_tready_i;
  moved_ = in_fire || out_fire || dut_->cnt_dec_in_o || dut_->cnt_dec_bypass_o || dut_->cnt_dec_out_o ||
           dut_->cnt_dec_drop_o || dut_->cnt_dec_auth_fail_o || !checks_.empty() || !lookups_.empty();
  if (dut_->lkp_valid_o) {
    // The request goes out the clock after the beat holding the SPI was taken.
    const model::SaKey key = read_sa_key(dut_->lkp_key_o);
    Lookup l;
    l.due = cycle_ + kLookupLatency;
    l.frame = taking_frame_;
    const model::SaEntry* e = eng_.model().ctrl().find_sa(key);
    if (e) {
      l.hit = true;
      l.pkt = e->pkt.has_value();
      l.index = e->pkt ? e->pkt->index : 0;
      l.ctx = context_of(*e);
    }
    lookups_.push_back(l);
  }
  if (dut_->m_axis_tuser_o && dut_->m_axis_tvalid_o) fail("m_axis_tuser_o set");
  check_pulses(dut_->cnt_dec_in_o, dut_->cnt_dec_out_o, dut_->cnt_dec_bypass_o, dut_->cnt_dec_drop_o,
               dut_->cnt_dec_auth_fail_o);
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
  if (out_fire && !out_mid_) out_first_ = cycle_;
  if (out_fire) out_mid_ = !offered.last;
  if (out_fire && sink_.take(offered)) {
    Bytes got = std::move(sink_.frames().front());
    sink_.frames().pop_front();
    check_output(got);
  }

  clock_edge(*dut_);
  if (in_fire) {
    taking_frame_ = static_cast<size_t>(src_.frames_sent());
    if (src_.beat().last) frames_[taking_frame_].in_last_cycle = cycle_;
    src_.taken();
  }
  ++cycle_;
}

void PktRxHarness::check_pulses(bool in, bool out, bool bypass, bool drop, bool auth) {
  rtl_counters_.dec_in += in;
  rtl_counters_.dec_out += out;
  rtl_counters_.dec_bypass += bypass;
  rtl_counters_.dec_drop += drop;
  rtl_counters_.dec_auth_fail += auth;
  if (!(in || out || bypass || drop || auth)) return;
  if (want_count_.empty()) fail("a counter moved with no frame left to count");
  const size_t index = want_count_.front();
  want_count_.pop_front();
  Frame& f = frames_[index];
  if (f.pkt) {
    // The commit, as the RTL made it 8 clocks ago: after every check before that clock.
    if (!f.verified) fail("frame " + std::to_string(index) + " counted before its replay check");
    model::DatapathCounters c = f.counted;
    f.want = model::rx_packet_commit(std::move(f.pend), c);
    for (const model::PacketEvent& e : f.want.events) eng_.model().ctrl().raise_event(e);
    f.counted = c;
    f.decided = true;
  }
  model_counters_.dec_in += f.counted.dec_in;
  model_counters_.dec_out += f.counted.dec_out;
  model_counters_.dec_bypass += f.counted.dec_bypass;
  model_counters_.dec_drop += f.counted.dec_drop;
  model_counters_.dec_auth_fail += f.counted.dec_auth_fail;
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

void PktRxHarness::check_output(const Bytes& got) {
  while (out_scan_ < frames_.size()) {
    Frame& f = frames_[out_scan_];
    if (!f.decided) fail("a frame came out before frame " + std::to_string(out_scan_) + " was decided");
    if (f.want.out && !f.out_done) break;
    ++out_scan_;
  }
  if (out_scan_ == frames_.size()) fail("a frame came out that the model does not forward");
  Frame& f = frames_[out_scan_];
  const std::string d = first_difference(got, *f.want.out);
  if (!d.empty()) {
    fail("frame " + std::to_string(out_scan_) + " (" + model::to_string(f.want.fate) + ", " + f.want.why +
         "): " + d + "\n  in:   " + describe(f.in) + "\n  want: " + describe(*f.want.out) +
         "\n  got:  " + describe(got));
  }
  f.out_done = true;
  f.out_first_cycle = out_first_;
  ++frames_out_;
}

uint64_t PktRxHarness::last_latency() const {
  if (frames_.empty() || !frames_.back().out_done) fail("the last frame has not left");
  return frames_.back().out_first_cycle - frames_.back().in_last_cycle;
}

void PktRxHarness::check_sa(uint16_t index) {
  run();
  dut_->snap_valid_i = 1;
  dut_->snap_index_i = index;
  idle_clock();
  dut_->snap_valid_i = 0;
  for (int i = 0; i < 10 && dut_->snap_busy_o; ++i) idle_clock();
  dut_->eval();
  std::array<uint64_t, 5> got{};
  for (size_t i = 0; i < 5; ++i) got[i] = get_bits(dut_->snap_words_o, 64 * i, 64);
  const std::array<uint64_t, 5> want = eng_.stats(index);
  static const char* const kNames[5] = {"packets", "bytes", "replay_window", "replay", "integrity_failed"};
  for (size_t i = 0; i < 5; ++i) {
    if (got[i] != want[i]) {
      fail("SA " + std::to_string(index) + ": " + kNames[i] + " " + std::to_string(got[i]) + ", the model's " +
           std::to_string(want[i]));
    }
  }
}

std::vector<pkt::PacketEngine::Event> PktRxHarness::check_events() {
  run();
  std::vector<pkt::PacketEngine::Event> got;
  for (int i = 0; i < 64 && dut_->evt_ready_o; ++i) {
    pkt::PacketEngine::Event e;
    e.kind = static_cast<uint8_t>(dut_->evt_word0_o & 0xFF);
    e.index = static_cast<uint16_t>(dut_->evt_word0_o >> 16);
    e.handle = dut_->evt_word1_o;
    got.push_back(e);
    dut_->evt_pop_i = 1;
    idle_clock();
    dut_->evt_pop_i = 0;
    idle_clock();
  }
  const std::vector<pkt::PacketEngine::Event> want = eng_.pop_events();
  if (got.size() != want.size()) {
    fail(std::to_string(got.size()) + " events, the model has " + std::to_string(want.size()));
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i].kind != want[i].kind || got[i].index != want[i].index || got[i].handle != want[i].handle) {
      fail("event " + std::to_string(i) + ": kind " + std::to_string(got[i].kind) + " SA " +
           std::to_string(got[i].index) + ", the model's kind " + std::to_string(want[i].kind) + " SA " +
           std::to_string(want[i].index));
    }
  }
  if (dut_->evt_drop_o != eng_.evt_drop()) fail("EVT_DROP differs from the model's");
  return got;
}

void PktRxHarness::fail(const std::string& what) const {
  throw std::runtime_error("esp_rx (packet offload), clock " + std::to_string(cycle_) + ": " + what + "\n  " +
                           seed_hint());
}

}  // namespace ipsec::tb
