#include "engine_model.h"

namespace ipsec::model {

std::optional<SaContext> EngineModel::lookup(const SaKey& key) const {
  const SaEntry* e = ctrl_.find_sa(key);
  if (!e) return std::nullopt;
  SaContext c;
  c.key256 = e->enc_mode == 3;  // AES-GCM-256 (contract section 3)
  std::copy(e->key_enc.begin(), e->key_enc.begin() + (c.key256 ? 32 : 16), c.key.begin());
  c.salt = uint32_t{e->salt[0]} << 24 | uint32_t{e->salt[1]} << 16 | uint32_t{e->salt[2]} << 8 | e->salt[3];
  c.handle = e->sw_sa_handle;
  c.esn_en = e->esn_en;
  c.esn_overlap = e->esn_overlap;
  c.esn_hi = e->esn;
  return c;
}

DatapathControl EngineModel::control() const {
  DatapathControl c;
  c.no_trailer = ctrl_.no_trailer();
  c.fwd_bad_frames = ctrl_.fwd_bad_frames();
  c.max_frame = ctrl_.config().max_frame;
  return c;
}

void EngineModel::count(const DatapathCounters& b, const DatapathCounters& a) {
  ctrl_.count(CtrlCounter::kDecInPackets, a.dec_in - b.dec_in);
  ctrl_.count(CtrlCounter::kDecOutPackets, a.dec_out - b.dec_out);
  ctrl_.count(CtrlCounter::kDecBypassPackets, a.dec_bypass - b.dec_bypass);
  ctrl_.count(CtrlCounter::kEncInPackets, a.enc_in - b.enc_in);
  ctrl_.count(CtrlCounter::kEncOutPackets, a.enc_out - b.enc_out);
  ctrl_.count(CtrlCounter::kEncBypassPackets, a.enc_bypass - b.enc_bypass);
  ctrl_.count(CtrlCounter::kDecDropPackets, a.dec_drop - b.dec_drop);
  ctrl_.count(CtrlCounter::kDecAuthFailPackets, a.dec_auth_fail - b.dec_auth_fail);
  ctrl_.count(CtrlCounter::kEncDropPackets, a.enc_drop - b.enc_drop);
}

FrameResult EngineModel::host_tx(const Bytes& frame, bool tuser) {
  const DatapathCounters before = counters_;
  FrameResult r = tx(frame, tuser, [this](const SaKey& k) { return lookup(k); }, control(), counters_);
  count(before, counters_);
  return r;
}

FrameResult EngineModel::wire_rx(const Bytes& frame, bool tuser) {
  const DatapathCounters before = counters_;
  FrameResult r = rx(frame, tuser, [this](const SaKey& k) { return lookup(k); }, control(), counters_);
  count(before, counters_);
  return r;
}

FrameResult EngineModel::wire_rx_overflow() {
  ++counters_.dec_drop;
  ctrl_.count(CtrlCounter::kDecDropPackets);
  ctrl_.count(CtrlCounter::kDecOverflowDropPackets);
  FrameResult r;
  r.fate = Fate::kDrop;
  r.why = "no room in the RX ingress FIFO";
  return r;
}

}  // namespace ipsec::model
