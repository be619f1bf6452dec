#include "model_engine.h"

#include <algorithm>

namespace ipsec::tool {

namespace {

constexpr uint8_t kEncModeGcm256 = 3;  // contract section 3

uint32_t be32(const std::array<uint8_t, 4>& b) {
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
}

}  // namespace

ModelEngine::ModelEngine(EngineConfig config, model::CtrlModelConfig ctrl)
    : config_(config), ctrl_(ctrl) {
  config_.stall_percent = std::clamp(config_.stall_percent, 0, 95);
}

void ModelEngine::host_tx(const std::vector<uint8_t>& frame) { host_tx_queue_.push_back(frame); }

void ModelEngine::wire_rx(const std::vector<uint8_t>& frame, bool tuser) {
  wire_rx_queue_.emplace_back(frame, tuser);
}

std::optional<model::SaContext> ModelEngine::lookup(const model::SaKey& key) const {
  const model::SaEntry* e = ctrl_.find_sa(key);
  if (!e) return std::nullopt;
  model::SaContext sa;
  sa.key = e->key_enc;
  sa.key256 = e->enc_mode == kEncModeGcm256;
  sa.salt = be32(e->salt);
  sa.handle = e->sw_sa_handle;
  sa.esn_en = e->esn_en;
  sa.esn_overlap = e->esn_overlap;
  sa.esn_hi = e->esn;
  return sa;
}

void ModelEngine::count(const model::DatapathCounters& d) {
  using C = model::CtrlCounter;
  const std::pair<C, uint64_t> moves[] = {
      {C::kDecInPackets, d.dec_in},         {C::kDecOutPackets, d.dec_out},
      {C::kDecBypassPackets, d.dec_bypass}, {C::kEncInPackets, d.enc_in},
      {C::kEncOutPackets, d.enc_out},       {C::kEncBypassPackets, d.enc_bypass},
      {C::kDecDropPackets, d.dec_drop},     {C::kDecAuthFailPackets, d.dec_auth_fail},
      {C::kEncDropPackets, d.enc_drop},
  };
  for (const auto& [counter, n] : moves) {
    if (n) ctrl_.count(counter, n);
  }
}

uint64_t ModelEngine::stretched(uint64_t beats) const {
  return beats * 100 / static_cast<uint64_t>(100 - config_.stall_percent);
}

void ModelEngine::run() {
  if (host_tx_queue_.empty() && wire_rx_queue_.empty()) return;
  const model::SaLookup find = [this](const model::SaKey& k) { return lookup(k); };
  model::DatapathControl ctl;
  ctl.no_trailer = ctrl_.no_trailer();
  ctl.fwd_bad_frames = ctrl_.fwd_bad_frames();
  ctl.max_frame = std::min<size_t>(ctrl_.config().max_frame, 65535);

  auto beats = [](size_t bytes) {
    return std::max<uint64_t>(1, (bytes + kBeatBytes - 1) / kBeatBytes);
  };
  uint64_t tx_beats = 0, rx_beats = 0;
  while (!host_tx_queue_.empty()) {
    model::DatapathCounters delta;
    const std::vector<uint8_t> frame = std::move(host_tx_queue_.front());
    host_tx_queue_.pop_front();
    model::FrameResult r = model::tx(frame, false, find, ctl, delta);
    count(delta);
    tx_beats += std::max(beats(frame.size()), r.out ? beats(r.out->size()) : 0);
    if (r.out) wire_tx_.push_back(std::move(*r.out));
  }
  while (!wire_rx_queue_.empty()) {
    model::DatapathCounters delta;
    auto [frame, tuser] = std::move(wire_rx_queue_.front());
    wire_rx_queue_.pop_front();
    model::FrameResult r = model::rx(frame, tuser, find, ctl, delta);
    count(delta);
    rx_beats += std::max(beats(frame.size()), r.out ? beats(r.out->size()) : 0);
    if (r.out) host_rx_.push_back(std::move(*r.out));
  }
  uint64_t wait = stretched(std::max(tx_beats, rx_beats)) + kLatencyCycles;
  while (wait) {
    const uint32_t step = static_cast<uint32_t>(std::min<uint64_t>(wait, UINT32_MAX));
    ctrl_.wait_cycles(step);
    wait -= step;
  }
}

// The model keeps no clocks: every frame of a run carries the clock it ended on.
std::vector<PortFrame> ModelEngine::take(std::vector<std::vector<uint8_t>>& q) const {
  std::vector<PortFrame> out;
  for (auto& f : q) out.push_back({std::move(f), cycles()});
  q.clear();
  return out;
}

std::vector<PortFrame> ModelEngine::take_wire_tx() { return take(wire_tx_); }

std::vector<PortFrame> ModelEngine::take_host_rx() { return take(host_rx_); }

}  // namespace ipsec::tool
